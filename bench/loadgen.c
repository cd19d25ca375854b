/*
 * loadgen — a small closed-loop HTTP/1.1 load generator for civicloop's
 * benchmark (docs/bench.md).
 *
 * N keep-alive connections to 127.0.0.1:PORT (no other host can be named),
 * each sending requests back-to-back: the next request leaves as soon as the
 * previous response has been read in full. By default each request is a
 * POST /api/v1/cases creating a new hotline complaint; with --method GET it
 * is a GET without a body (the list and statistics queries). --path may be
 * given up to MAX_PATHS times: request number k (from 1) goes to path
 * (k - 1) mod n, so one run can mix queries. It stops after --requests
 * requests have been sent and answered, or after --seconds, whichever comes
 * first, and prints one line of JSON:
 *
 *   {"clients":N,"requests":R,"ok":K,"errors":E,"unfinished":U,"seconds":S,
 *    "rate":K/S,"p50_ms":…,"p90_ms":…,"p99_ms":…,"max_ms":…,"mean_ms":…,…,
 *    "body_bytes_mean":B}
 *
 * requests = responses received; ok = those with the expected status (201
 * for POST, 200 for GET, or --expect); errors = other statuses plus transport
 * failures; unfinished = sent but not answered when the time bound hit.
 * Latencies (send → last byte of the response) and body_bytes_mean are those
 * of the ok responses.
 *
 * Helpers for bench/run.sh, so that it needs neither curl nor a JSON tool:
 *   loadgen --port P --login L --password PW --print-token
 *   loadgen --port P [--token T | --login L --password PW] --get PATH
 *       (prints the body; exit status 0 only for a 2xx answer)
 *
 * usage: loadgen --port P (--token T | --login L --password PW)
 *                [--clients N] [--requests N] [--seconds S] [--same-phone]
 *                [--method POST|GET] [--expect STATUS] [--path PATH]...
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_CLIENTS 1024
#define MAX_REQUESTS 10000000L
#define MAX_SECONDS 600.0
#define MAX_RESPONSE (4 * 1024 * 1024)
#define OUT_CAP 4096
#define MAX_PATHS 16
#define MAX_PATH_LEN 512

static int opt_port;
static const char *opt_paths[MAX_PATHS]; /* the first n_paths are set */
static int n_paths;
static bool opt_get; /* --method GET */
static bool opt_same_phone;
static long phone_base;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s\n", what);
	exit(1);
}

static long parse_long(const char *s, long lo, long hi, const char *name)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "loadgen: %s must be an integer in [%ld, %ld]\n", name, lo, hi);
		exit(2);
	}
	return v;
}

/* A blocking TCP connection to 127.0.0.1:opt_port with TCP_NODELAY. */
static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)opt_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* ------------------------------------------------------------------ */
/* response parsing                                                    */

struct response {
	int status;
	size_t body_off, body_len;
	size_t total;     /* bytes of this response, head and body */
	bool close;       /* server said Connection: close */
	bool until_close; /* no length: the body ends when the peer closes */
};

/* Case-insensitive search for header `name` in the head [p, end); returns
 * its value (leading blanks skipped) and length, or NULL. */
static const char *find_header(const char *p, const char *end, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *line = memchr(p, '\n', (size_t)(end - p)); /* skip the status line */
	while (line && line + 1 < end) {
		line++;
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			break;
		if ((size_t)(eol - line) > n && line[n] == ':' && !strncasecmp(line, name, n)) {
			const char *v = line + n + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = eol;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		line = eol;
	}
	return NULL;
}

/* 1: a whole response is in buf; 0: need more bytes; -1: malformed or
 * unsupported (chunked). */
static int parse_response(const char *buf, size_t len, struct response *r)
{
	memset(r, 0, sizeof *r);
	const char *head_end = NULL;
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
		    buf[i - 3] == '\r') {
			head_end = buf + i + 1;
			break;
		}
	if (!head_end)
		return len > 64 * 1024 ? -1 : 0;
	if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return -1;
	int st = 0;
	for (int i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		st = st * 10 + (buf[i] - '0');
	}
	r->status = st;
	r->body_off = (size_t)(head_end - buf);
	size_t vlen;
	const char *v = find_header(buf, head_end, "Connection", &vlen);
	if (v && vlen == 5 && !strncasecmp(v, "close", 5))
		r->close = true;
	if (buf[7] == '0' && !(v && vlen == 10 && !strncasecmp(v, "keep-alive", 10)))
		r->close = true; /* HTTP/1.0 closes unless told otherwise */
	v = find_header(buf, head_end, "Transfer-Encoding", &vlen);
	if (v && !(vlen == 8 && !strncasecmp(v, "identity", 8)))
		return -1;
	v = find_header(buf, head_end, "Content-Length", &vlen);
	if (v) {
		size_t cl = 0;
		if (vlen == 0 || vlen > 9)
			return -1;
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			cl = cl * 10 + (size_t)(v[i] - '0');
		}
		if (cl > MAX_RESPONSE)
			return -1;
		r->body_len = cl;
	} else if (st < 200 || st == 204 || st == 304) {
		r->body_len = 0;
	} else {
		r->until_close = true;
		r->close = true;
		r->body_len = len - r->body_off;
		r->total = len;
		return 0; /* the caller finishes it at EOF */
	}
	r->total = r->body_off + r->body_len;
	return len >= r->total ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* one blocking request (login, /metrics)                               */

/* Sends one request and reads its response; returns the status, the body in
 * *body (malloc'd, NUL-terminated), or -1. */
static int simple_request(const char *method, const char *path, const char *extra_headers,
                          const char *body, char **out_body)
{
	int fd = dial();
	if (fd < 0)
		return -1;
	struct timeval tv = {.tv_sec = 30};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	size_t blen = body ? strlen(body) : 0;
	size_t cap = 1024 + blen + (extra_headers ? strlen(extra_headers) : 0);
	char *req = malloc(cap);
	if (!req)
		die("out of memory");
	int n = snprintf(req, cap,
	                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s"
	                 "Content-Length: %zu\r\n\r\n%s",
	                 method, path, opt_port, extra_headers ? extra_headers : "", blen,
	                 body ? body : "");
	if (n < 0 || (size_t)n >= cap)
		die("request too long");
	for (size_t off = 0; off < (size_t)n;) {
		ssize_t w = write(fd, req + off, (size_t)n - off);
		if (w <= 0) {
			free(req);
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	free(req);
	size_t rcap = 64 * 1024, rlen = 0;
	char *rb = malloc(rcap + 1);
	if (!rb)
		die("out of memory");
	struct response r;
	int pr = 0;
	for (;;) {
		if (rlen == rcap) {
			if (rcap >= MAX_RESPONSE)
				break;
			rcap *= 2;
			char *nb = realloc(rb, rcap + 1);
			if (!nb)
				die("out of memory");
			rb = nb;
		}
		ssize_t got = read(fd, rb + rlen, rcap - rlen);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			pr = parse_response(rb, rlen, &r);
			if (pr == 0 && r.until_close)
				pr = 1;
			else if (pr == 0)
				pr = -1;
			break;
		}
		rlen += (size_t)got;
		pr = parse_response(rb, rlen, &r);
		if (pr != 0)
			break;
	}
	close(fd);
	if (pr != 1) {
		free(rb);
		return -1;
	}
	memmove(rb, rb + r.body_off, r.body_len);
	rb[r.body_len] = '\0';
	*out_body = rb;
	return r.status;
}

static char *login(const char *user, const char *password)
{
	json_t *j = json_pack("{s:s,s:s}", "login", user, "password", password);
	char *body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	char *resp = NULL;
	int st = simple_request("POST", "/api/v1/auth/login", "Content-Type: application/json\r\n",
	                        body, &resp);
	free(body);
	if (st != 200) {
		fprintf(stderr, "loadgen: login failed (status %d): %s\n", st, resp ? resp : "");
		exit(1);
	}
	j = json_loads(resp, 0, NULL);
	free(resp);
	const char *t = json_string_value(json_object_get(j, "token"));
	if (!t)
		die("login answer has no token");
	char *token = strdup(t);
	json_decref(j);
	return token;
}

/* ------------------------------------------------------------------ */
/* the load                                                            */

struct conn {
	int fd;
	int id;
	bool busy; /* a request is in flight */
	char out[OUT_CAP];
	size_t out_len, out_off;
	char *in;
	size_t in_len, in_cap;
	double t0;
};

struct load {
	int ep;
	const char *token;
	long max_requests;
	double deadline;
	int expect;
	long issued, answered, ok, errors, transport_errors, connect_failures;
	long status_count[6]; /* by first digit */
	double *lat;          /* ok latencies, seconds */
	double body_bytes;    /* sum of the ok responses' body lengths */
	double t_last;
	int active;
};

/* Request number seq (from 1) into c->out: a GET of its path, or a POST of
 * a new hotline complaint. */
static int make_request(struct load *L, struct conn *c, long seq)
{
	const char *path = opt_paths[(seq - 1) % n_paths];
	int n;
	if (opt_get) {
		n = snprintf(
		    c->out, sizeof c->out,
		    "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n\r\n",
		    path, opt_port, L->token);
		if (n < 0 || (size_t)n >= sizeof c->out)
			return -1;
		c->out_len = (size_t)n;
		c->out_off = 0;
		return 0;
	}
	char body[1024];
	/* distinct callers (phones 139xxxxxxxx from a per-run offset), so that the
	 * duplicate lookup finds nothing, unless --same-phone */
	long phone = opt_same_phone ? 3800138000L : 3900000000L + (phone_base + seq) % 100000000L;
	int bl =
	    snprintf(body, sizeof body,
	             "{\"type\":\"hotline\",\"class\":\"投诉\",\"description\":\"性能测试第%ld号："
	             "小区门口道路破损，雨天积水严重，老人孩子出行不便，请尽快派人维修。\","
	             "\"reporter\":{\"name\":\"张三\",\"phone\":\"1%ld\"}}",
	             seq, phone);
	if (bl < 0 || (size_t)bl >= sizeof body)
		return -1;
	n = snprintf(c->out, sizeof c->out,
	             "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
	             "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
	             path, opt_port, L->token, bl, body);
	if (n < 0 || (size_t)n >= sizeof c->out)
		return -1;
	c->out_len = (size_t)n;
	c->out_off = 0;
	return 0;
}

static void conn_watch(struct load *L, struct conn *c, uint32_t events, int op)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};
	if (epoll_ctl(L->ep, op, c->fd, &ev) != 0)
		die("epoll_ctl failed");
}

static void conn_close(struct load *L, struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(L->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
		L->active--;
	}
	c->in_len = 0;
	c->busy = false;
}

static int conn_open(struct load *L, struct conn *c)
{
	c->fd = dial();
	if (c->fd < 0) {
		L->connect_failures++;
		return -1;
	}
	L->active++;
	conn_watch(L, c, EPOLLIN, EPOLL_CTL_ADD);
	return 0;
}

/* Writes what is pending; watches for EPOLLOUT while it cannot. */
static int conn_flush(struct load *L, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			conn_watch(L, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
			return 0;
		}
		if (w <= 0)
			return -1;
		c->out_off += (size_t)w;
	}
	conn_watch(L, c, EPOLLIN, EPOLL_CTL_MOD);
	return 0;
}

/* Starts the connection's next request, or closes it when the bounds are
 * reached. */
static void conn_next(struct load *L, struct conn *c)
{
	if (L->issued >= L->max_requests || now_s() >= L->deadline) {
		conn_close(L, c);
		return;
	}
	if (c->fd < 0 && conn_open(L, c) != 0)
		return;
	if (make_request(L, c, L->issued + 1) != 0)
		die("request does not fit the buffer");
	L->issued++;
	c->busy = true;
	c->t0 = now_s();
	if (conn_flush(L, c) != 0) {
		L->transport_errors++;
		L->errors++;
		conn_close(L, c);
	}
}

static void conn_failed(struct load *L, struct conn *c)
{
	if (c->busy) {
		L->transport_errors++;
		L->errors++;
	}
	conn_close(L, c);
	if (L->connect_failures < 100)
		conn_next(L, c); /* reconnects */
}

static void finish_response(struct load *L, struct conn *c, const struct response *r)
{
	double t = now_s();
	L->answered++;
	L->t_last = t;
	if (r->status >= 100 && r->status < 600)
		L->status_count[r->status / 100]++;
	if (r->status == L->expect) {
		L->lat[L->ok++] = t - c->t0;
		L->body_bytes += (double)r->body_len;
	} else
		L->errors++;
	c->busy = false;
	size_t rest = c->in_len - r->total;
	if (rest)
		memmove(c->in, c->in + r->total, rest);
	c->in_len = rest;
}

static void conn_readable(struct load *L, struct conn *c)
{
	for (;;) {
		if (c->in_len == c->in_cap) {
			if (c->in_cap >= MAX_RESPONSE) {
				conn_failed(L, c);
				return;
			}
			c->in_cap = c->in_cap ? c->in_cap * 2 : 16384;
			char *nb = realloc(c->in, c->in_cap);
			if (!nb)
				die("out of memory");
			c->in = nb;
		}
		ssize_t got = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (got == 0 && c->busy) {
			struct response r;
			if (parse_response(c->in, c->in_len, &r) == 0 && r.until_close) {
				finish_response(L, c, &r);
				conn_close(L, c);
				conn_next(L, c);
				return;
			}
		}
		if (got <= 0 || !c->busy) { /* closed, failed, or bytes nobody asked for */
			conn_failed(L, c);
			return;
		}
		c->in_len += (size_t)got;
		struct response r;
		int pr = parse_response(c->in, c->in_len, &r);
		if (pr < 0) {
			conn_failed(L, c);
			return;
		}
		if (pr == 0)
			continue;
		finish_response(L, c, &r);
		if (r.close || c->in_len) {
			conn_close(L, c);
		}
		conn_next(L, c);
		return;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *sorted, long n, double p)
{
	if (n == 0)
		return 0;
	long k = (long)(p / 100.0 * (double)n + 0.999999) - 1; /* nearest rank */
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return sorted[k] * 1000.0;
}

static int run_load(const char *token, int clients, long max_requests, double seconds, int expect)
{
	struct load L = {.token = token, .max_requests = max_requests, .expect = expect};
	L.lat = calloc((size_t)max_requests, sizeof *L.lat);
	struct conn *cs = calloc((size_t)clients, sizeof *cs);
	if (!L.lat || !cs)
		die("out of memory");
	L.ep = epoll_create1(EPOLL_CLOEXEC);
	if (L.ep < 0)
		die("epoll_create1 failed");
	for (int i = 0; i < clients; i++) {
		cs[i].fd = -1;
		cs[i].id = i;
		if (conn_open(&L, &cs[i]) != 0)
			die("cannot connect to 127.0.0.1");
	}
	double t_start = now_s();
	L.deadline = t_start + seconds;
	L.t_last = t_start;
	for (int i = 0; i < clients; i++)
		conn_next(&L, &cs[i]);

	struct epoll_event evs[256];
	while (L.active > 0) {
		double left = L.deadline - now_s();
		if (left <= 0)
			break;
		int n = epoll_wait(L.ep, evs, 256, (int)(left * 1000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait failed");
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->fd < 0)
				continue;
			if (evs[i].events & EPOLLOUT) {
				if (conn_flush(&L, c) != 0) {
					conn_failed(&L, c);
					continue;
				}
			}
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				conn_readable(&L, c);
		}
	}
	long unfinished = 0;
	for (int i = 0; i < clients; i++) {
		if (cs[i].busy)
			unfinished++;
		if (cs[i].fd >= 0) {
			close(cs[i].fd);
			cs[i].fd = -1;
		}
		free(cs[i].in);
	}
	/* time runs to the last answer; if the bound stopped us, to the bound */
	double elapsed = (unfinished ? now_s() : L.t_last) - t_start;
	if (elapsed <= 0)
		elapsed = 1e-9;
	qsort(L.lat, (size_t)L.ok, sizeof *L.lat, cmp_double);
	double sum = 0;
	for (long i = 0; i < L.ok; i++)
		sum += L.lat[i];
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	             (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("{\"clients\":%d,\"requests\":%ld,\"ok\":%ld,\"errors\":%ld,"
	       "\"transport_errors\":%ld,\"unfinished\":%ld,\"seconds\":%.3f,\"rate\":%.1f,"
	       "\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"mean_ms\":%.2f,"
	       "\"status_2xx\":%ld,\"status_4xx\":%ld,\"status_5xx\":%ld,\"loadgen_cpu_s\":%.2f,"
	       "\"body_bytes_mean\":%.0f}\n",
	       clients, L.answered, L.ok, L.errors, L.transport_errors, unfinished, elapsed,
	       (double)L.ok / elapsed, pct(L.lat, L.ok, 50), pct(L.lat, L.ok, 90),
	       pct(L.lat, L.ok, 99), L.ok ? L.lat[L.ok - 1] * 1000.0 : 0.0,
	       L.ok ? sum / (double)L.ok * 1000.0 : 0.0, L.status_count[2], L.status_count[4],
	       L.status_count[5], cpu, L.ok ? L.body_bytes / (double)L.ok : 0.0);
	free(L.lat);
	free(cs);
	close(L.ep);
	return L.ok > 0 ? 0 : 1;
}

static void usage(void)
{
	fputs("usage: loadgen --port P (--token T | --login L --password PW)\n"
	      "               [--clients N] [--requests N] [--seconds S] [--same-phone]\n"
	      "               [--method POST|GET] [--expect STATUS] [--path PATH]...\n"
	      "       loadgen --port P --login L --password PW --print-token\n"
	      "       loadgen --port P [--token T | --login L --password PW] --get PATH\n"
	      "Connects only to 127.0.0.1. Defaults: 1 client, 1000 requests, 30 s,\n"
	      "POST /api/v1/cases expecting 201; GET expects 200. Up to 16 paths, rotated.\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *token = NULL, *user = NULL, *password = NULL, *get = NULL;
	int clients = 1, expect = 0;
	long requests = 1000;
	double seconds = 30;
	bool print_token = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--same-phone")) {
			opt_same_phone = true;
			continue;
		}
		if (!strcmp(a, "--print-token")) {
			print_token = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--port"))
			opt_port = (int)parse_long(v, 1, 65535, "--port");
		else if (!strcmp(a, "--token"))
			token = v;
		else if (!strcmp(a, "--login"))
			user = v;
		else if (!strcmp(a, "--password"))
			password = v;
		else if (!strcmp(a, "--clients"))
			clients = (int)parse_long(v, 1, MAX_CLIENTS, "--clients");
		else if (!strcmp(a, "--requests"))
			requests = parse_long(v, 1, MAX_REQUESTS, "--requests");
		else if (!strcmp(a, "--seconds"))
			seconds = (double)parse_long(v, 1, (long)MAX_SECONDS, "--seconds");
		else if (!strcmp(a, "--expect"))
			expect = (int)parse_long(v, 100, 599, "--expect");
		else if (!strcmp(a, "--path") && v[0] == '/' && strlen(v) < MAX_PATH_LEN &&
		         n_paths < MAX_PATHS)
			opt_paths[n_paths++] = v;
		else if (!strcmp(a, "--method") && (!strcmp(v, "GET") || !strcmp(v, "POST")))
			opt_get = !strcmp(v, "GET");
		else if (!strcmp(a, "--get") && v[0] == '/' && strlen(v) < MAX_PATH_LEN)
			get = v;
		else
			usage();
	}
	if (!opt_port)
		usage();
	if (n_paths == 0)
		opt_paths[n_paths++] = "/api/v1/cases";
	if (!expect)
		expect = opt_get ? 200 : 201;
	uint64_t mix = ((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32)) * 0x9E3779B97F4A7C15ull;
	phone_base = (long)((mix >> 20) % 100000000u);
	char *owned = NULL;
	if (!token && get && user && password)
		token = owned = login(user, password);
	if (get) {
		char auth[600], *body = NULL;
		if (token && strlen(token) > 512)
			die("token too long");
		snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", token ? token : "");
		int st = simple_request("GET", get, token ? auth : NULL, NULL, &body);
		free(owned);
		if (st < 0)
			die("GET failed");
		fputs(body, stdout);
		free(body);
		return st >= 200 && st < 300 ? 0 : 1;
	}
	if (!token) {
		if (!user || !password)
			usage();
		token = owned = login(user, password);
	}
	if (print_token) {
		printf("%s\n", token);
		free(owned);
		return 0;
	}
	if (strlen(token) > 512)
		die("token too long");
	int rc = run_load(token, clients, requests, seconds, expect);
	free(owned);
	return rc;
}
