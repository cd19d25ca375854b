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
 * With --mix FILE (bench/mix-day.txt) each request is drawn at random, by
 * weight, from the file's classes: intake, actions on a set of hot cases
 * (with collisions), list and dashboard reads, each as its own user; the
 * JSON line then also has "conflicts" and "classes":{NAME:{…}} with each
 * class's counts, rate and latencies (the format is described at
 * mix_load() below).
 *
 * Helpers for bench/run.sh, so that it needs neither curl nor a JSON tool:
 *   loadgen --port P --login L --password PW --print-token
 *   loadgen --port P [--token T | --login L --password PW] --get PATH
 *       (prints the body; exit status 0 only for a 2xx answer)
 *
 * usage: loadgen --port P (--token T | --login L --password PW)
 *                [--clients N] [--requests N] [--seconds S] [--same-phone]
 *                [--method POST|GET] [--expect STATUS] [--path PATH]...
 *        loadgen --port P --password PW --mix FILE [--hot N] [--seed S]
 *                [--clients N] [--requests N] [--seconds S]
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
	int cls;  /* mix mode: the class of the request in flight, else -1 */
	int hot;  /* mix mode: the hot-case slot it acts on, else -1 */
	int step; /* mix mode: HOT_REFRESH or the action it sends */
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

/* The body of a new hotline complaint number seq into buf; its length, or
 * -1 when it does not fit. Distinct callers (phones 139xxxxxxxx from a
 * per-run offset), so that the duplicate lookup finds nothing, unless
 * --same-phone. */
static int create_body(char *buf, size_t cap, long seq)
{
	long phone =
	    opt_same_phone
	        ? 3800138000L
	        : 3900000000L + (phone_base + (seq < 0 ? -seq + 50000000L : seq)) % 100000000L;
	int bl =
	    snprintf(buf, cap,
	             "{\"type\":\"hotline\",\"class\":\"投诉\",\"description\":\"性能测试第%ld号："
	             "小区门口道路破损，雨天积水严重，老人孩子出行不便，请尽快派人维修。\","
	             "\"reporter\":{\"name\":\"张三\",\"phone\":\"1%ld\"}}",
	             seq, phone);
	if (bl < 0 || (size_t)bl >= cap)
		return -1;
	return bl;
}

/* ------------------------------------------------------------------ */
/* the mixed workload (--mix FILE)                                      */
/*
 * A mix file describes a day's traffic as data, one line each (blank lines
 * and lines starting with # are skipped; fields separated by blanks):
 *
 *   NAME create WEIGHT LOGIN          intake: POST /api/v1/cases as LOGIN
 *   NAME get    WEIGHT LOGIN PATH     a read: GET PATH as LOGIN
 *   NAME action WEIGHT LOGIN          an action on a hot case (LOGIN reads
 *                                     the case again after a 409)
 *   step STATUS LOGIN ACTION BODY     what a hot case in STATUS gets next:
 *                                     POST /api/v1/cases/ID/actions/ACTION
 *                                     as LOGIN, BODY (a JSON object) plus
 *                                     the case's "version"
 *
 * Each request picks a class at random by weight. The hot cases are
 * --hot N cases created (as the first create class's LOGIN) before the
 * clock starts; every client acts on them, so actions collide: a 409 is
 * counted as a conflict (not an error) and the next action on that case
 * first reads it again (GET /api/v1/cases/ID, a refresh). An action's
 * answer gives the case's new version and status; a case whose status has
 * no step leaves the hot set, replaced by a case the mix's intake created.
 */

#define MAX_MIX 16
#define MAX_STEPS 8
#define MAX_HOT 1024
#define RECENT_CAP 256
#define MIX_LINE 1024

enum mix_kind { MIX_CREATE, MIX_GET, MIX_ACTION };

struct mix_class {
	char name[32];
	enum mix_kind kind;
	long weight;             /* > 0 */
	char login[32];          /* who sends it */
	char path[MAX_PATH_LEN]; /* MIX_GET only */
	const char *token;       /* LOGIN's, from mix_tokens */
	long sent, answered, ok, errors, conflicts, refreshes;
	long steps[MAX_STEPS]; /* MIX_ACTION: ok answers by step */
	long status_count[6];
	double *lat; /* ok latencies, seconds; n = ok, capacity lat_cap */
	long lat_cap;
	double body_bytes;
};

struct mix_step {
	char status[32]; /* the case's status it applies to */
	char login[32];
	char action[32];
	json_t *body; /* owned; "version" is set per request */
	const char *token;
};

struct hot_case {
	long id; /* 0: empty slot */
	long version;
	int step;   /* the next step, index into mix_steps */
	bool stale; /* version unknown (after a 409): refresh first */
};

static struct mix_class mix[MAX_MIX]; /* the first n_mix are set */
static int n_mix;
static long mix_weight_sum;
static int mix_create_class = -1; /* the first create class */
static struct mix_step mix_steps[MAX_STEPS];
static int n_steps;
static struct hot_case hot[MAX_HOT];
static int n_hot = 32;
static long recent[RECENT_CAP]; /* ids and versions of cases the intake made */
static long recent_version[RECENT_CAP];
static int n_recent;
static uint64_t mix_rng;

static uint64_t rng_next(void)
{
	mix_rng ^= mix_rng << 13;
	mix_rng ^= mix_rng >> 7;
	mix_rng ^= mix_rng << 17;
	return mix_rng;
}

/* Splits line into at most max blank-separated fields, the last taking the
 * rest of the line; returns the number of fields. Modifies line. */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	while (*p && n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		f[n++] = p;
		if (n == max)
			break;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (n) { /* trim the last field's trailing blanks */
		char *e = f[n - 1] + strlen(f[n - 1]);
		while (e > f[n - 1] && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
	}
	return n;
}

static void mix_fail(const char *file, int line_no, const char *what)
{
	fprintf(stderr, "loadgen: %s:%d: %s\n", file, line_no, what);
	exit(2);
}

static void copy_field(char *dst, size_t cap, const char *src, const char *file, int line_no)
{
	size_t n = strlen(src);
	if (n == 0 || n >= cap)
		mix_fail(file, line_no, "field empty or too long");
	memcpy(dst, src, n + 1);
}

/* Reads the mix file (at most MAX_MIX classes, MAX_STEPS steps). */
static void mix_load(const char *file)
{
	FILE *fp = fopen(file, "r");
	if (!fp) {
		fprintf(stderr, "loadgen: cannot read %s\n", file);
		exit(2);
	}
	char line[MIX_LINE];
	int line_no = 0;
	while (fgets(line, sizeof line, fp)) {
		line_no++;
		size_t len = strlen(line);
		if (len == sizeof line - 1 && line[len - 1] != '\n')
			mix_fail(file, line_no, "line too long");
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		char *f[5];
		int n = split_fields(line, f, 5);
		if (n == 0 || f[0][0] == '#')
			continue;
		if (!strcmp(f[0], "step")) {
			if (n != 5 || n_steps == MAX_STEPS)
				mix_fail(file, line_no,
				         "step STATUS LOGIN ACTION BODY (at most 8 steps)");
			struct mix_step *s = &mix_steps[n_steps++];
			copy_field(s->status, sizeof s->status, f[1], file, line_no);
			copy_field(s->login, sizeof s->login, f[2], file, line_no);
			copy_field(s->action, sizeof s->action, f[3], file, line_no);
			s->body = json_loads(f[4], 0, NULL);
			if (!json_is_object(s->body))
				mix_fail(file, line_no, "a step's BODY must be a JSON object");
			continue;
		}
		if (n < 4 || n_mix == MAX_MIX)
			mix_fail(file, line_no,
			         "NAME KIND WEIGHT LOGIN [PATH] (at most 16 classes)");
		struct mix_class *m = &mix[n_mix];
		copy_field(m->name, sizeof m->name, f[0], file, line_no);
		for (const char *p = m->name; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
				mix_fail(file, line_no, "a NAME is [a-z0-9_]");
		m->weight = parse_long(f[2], 1, 1000000, "a mix WEIGHT");
		copy_field(m->login, sizeof m->login, f[3], file, line_no);
		if (!strcmp(f[1], "create") && n == 4) {
			m->kind = MIX_CREATE;
			if (mix_create_class < 0)
				mix_create_class = n_mix;
		} else if (!strcmp(f[1], "action") && n == 4)
			m->kind = MIX_ACTION;
		else if (!strcmp(f[1], "get") && n == 5 && f[4][0] == '/') {
			m->kind = MIX_GET;
			copy_field(m->path, sizeof m->path, f[4], file, line_no);
		} else
			mix_fail(file, line_no, "KIND is create, action (no PATH) or get PATH");
		mix_weight_sum += m->weight;
		n_mix++;
	}
	fclose(fp);
	if (n_mix == 0)
		mix_fail(file, line_no, "no classes");
	for (int i = 0; i < n_mix; i++)
		if (mix[i].kind == MIX_ACTION && (n_steps == 0 || mix_create_class < 0))
			mix_fail(file, line_no,
			         "an action class needs step lines and a create class");
}

/* Logs each distinct login of the mix in once; the tokens live until exit. */
static void mix_tokens(const char *password)
{
	const char *logins[MAX_MIX + MAX_STEPS];
	char *tokens[MAX_MIX + MAX_STEPS];
	int n = 0;
	for (int i = 0; i < n_mix + n_steps; i++) {
		const char *who = i < n_mix ? mix[i].login : mix_steps[i - n_mix].login;
		const char *tok = NULL;
		for (int k = 0; k < n && !tok; k++)
			if (!strcmp(logins[k], who))
				tok = tokens[k];
		if (!tok) {
			logins[n] = who;
			tokens[n] = login(who, password);
			if (strlen(tokens[n]) > 512)
				die("token too long");
			tok = tokens[n++];
		}
		if (i < n_mix)
			mix[i].token = tok;
		else
			mix_steps[i - n_mix].token = tok;
	}
}

static int mix_pick(void)
{
	long r = (long)(rng_next() % (uint64_t)mix_weight_sum);
	for (int i = 0; i < n_mix; i++) {
		if (r < mix[i].weight)
			return i;
		r -= mix[i].weight;
	}
	return n_mix - 1;
}

/* The step for a case in status, or -1. */
static int step_of(const char *status)
{
	for (int i = 0; status && i < n_steps; i++)
		if (!strcmp(mix_steps[i].status, status))
			return i;
	return -1;
}

/* A new case for slot h: the newest the intake made, or none. */
static void hot_replace(int h)
{
	hot[h].id = 0;
	hot[h].stale = false;
	if (n_recent == 0)
		return;
	n_recent--;
	hot[h].id = recent[n_recent];
	hot[h].version = recent_version[n_recent];
	hot[h].step = 0;     /* a new case is in the first step's status */
	hot[h].stale = true; /* the first step's status is checked by a refresh */
}

/* The case in an answer's body ({"case":{…}}): id, version, status. */
static bool case_of(const char *body, size_t len, long *id, long *version, char *status, size_t cap)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	json_t *c = json_object_get(j, "case");
	bool ok = json_is_integer(json_object_get(c, "id")) &&
	          json_is_integer(json_object_get(c, "version"));
	if (ok) {
		*id = (long)json_integer_value(json_object_get(c, "id"));
		*version = (long)json_integer_value(json_object_get(c, "version"));
		const char *s = json_string_value(json_object_get(c, "status"));
		snprintf(status, cap, "%s", s ? s : "");
	}
	json_decref(j);
	return ok;
}

/* Slot h's case after an answer that shows it: its next step, or replaced. */
static void hot_update(int h, const char *body, size_t len)
{
	long id, version;
	char status[64];
	if (!case_of(body, len, &id, &version, status, sizeof status) || id != hot[h].id)
		return; /* the slot moved on meanwhile */
	int s = step_of(status);
	if (s < 0) {
		hot_replace(h);
		return;
	}
	hot[h].version = version;
	hot[h].step = s;
	hot[h].stale = false;
}

/* Creates the hot cases before the clock starts (blocking, one by one). */
static void hot_seed(void)
{
	for (int h = 0; h < n_hot; h++) {
		char body[1024], *resp = NULL, auth[600];
		create_body(body, sizeof body, -(long)h - 1);
		snprintf(auth, sizeof auth,
		         "Authorization: Bearer %s\r\nContent-Type: application/json\r\n",
		         mix[mix_create_class].token);
		int st = simple_request("POST", "/api/v1/cases", auth, body, &resp);
		long id = 0, version = 0;
		char status[64];
		if (st != 201 ||
		    !case_of(resp, strlen(resp), &id, &version, status, sizeof status)) {
			fprintf(stderr, "loadgen: creating a hot case failed (%d): %s\n", st,
			        resp ? resp : "");
			exit(1);
		}
		free(resp);
		hot[h] = (struct hot_case){.id = id, .version = version, .step = step_of(status)};
		if (hot[h].step < 0)
			die("a new case's status has no step in the mix file");
	}
}

static int put_get(struct conn *c, const char *path, const char *token)
{
	int n =
	    snprintf(c->out, sizeof c->out,
	             "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n\r\n",
	             path, opt_port, token);
	if (n < 0 || (size_t)n >= sizeof c->out)
		return -1;
	c->out_len = (size_t)n;
	c->out_off = 0;
	return 0;
}

static int put_post(struct conn *c, const char *path, const char *token, const char *body,
                    size_t blen)
{
	int n = snprintf(c->out, sizeof c->out,
	                 "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
	                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%.*s",
	                 path, opt_port, token, blen, (int)blen, body);
	if (n < 0 || (size_t)n >= sizeof c->out)
		return -1;
	c->out_len = (size_t)n;
	c->out_off = 0;
	return 0;
}

/* A hot slot with a case, tried a few times at random; -1 if none. */
static int hot_pick(void)
{
	for (int i = 0; i < 8; i++) {
		int h = (int)(rng_next() % (uint64_t)n_hot);
		if (hot[h].id)
			return h;
	}
	return -1;
}

/* Mix mode's request number seq into c->out. */
static int mix_request(struct conn *c, long seq)
{
	int k = mix_pick();
	c->cls = k;
	c->hot = -1;
	c->step = -1;
	mix[k].sent++;
	if (mix[k].kind == MIX_GET)
		return put_get(c, mix[k].path, mix[k].token);
	if (mix[k].kind == MIX_ACTION) {
		int h = hot_pick();
		if (h >= 0) {
			char path[128];
			c->hot = h;
			if (hot[h].stale) {
				snprintf(path, sizeof path, "/api/v1/cases/%ld", hot[h].id);
				return put_get(c, path, mix[k].token);
			}
			struct mix_step *s = &mix_steps[hot[h].step];
			c->step = hot[h].step;
			snprintf(path, sizeof path, "/api/v1/cases/%ld/actions/%s", hot[h].id,
			         s->action);
			char body[1024];
			json_object_set_new(s->body, "version", json_integer(hot[h].version));
			size_t blen = json_dumpb(s->body, body, sizeof body, JSON_COMPACT);
			if (blen == 0 || blen > sizeof body)
				return -1;
			return put_post(c, path, s->token, body, blen);
		}
		mix[k].sent--; /* no hot case yet: this request is intake */
		k = c->cls = mix_create_class;
		mix[k].sent++;
	}
	char body[1024];
	int bl = create_body(body, sizeof body, seq);
	if (bl < 0)
		return -1;
	return put_post(c, "/api/v1/cases", mix[k].token, body, (size_t)bl);
}

static void lat_push(struct mix_class *m, double t)
{
	if (m->ok == m->lat_cap) {
		long cap = m->lat_cap ? m->lat_cap * 2 : 4096;
		double *nl = realloc(m->lat, (size_t)cap * sizeof *nl);
		if (!nl)
			die("out of memory");
		m->lat = nl;
		m->lat_cap = cap;
	}
	m->lat[m->ok++] = t;
}

/* Records a mix answer; returns 1 ok, 0 a conflict or refresh (neither ok
 * nor an error), -1 an error. */
static int mix_answer(struct conn *c, int status, const char *body, size_t len, double t)
{
	struct mix_class *m = &mix[c->cls];
	m->answered++;
	if (status >= 100 && status < 600)
		m->status_count[status / 100]++;
	if (m->kind == MIX_ACTION && c->step < 0) { /* a refresh */
		m->refreshes++;
		if (status != 200) {
			m->errors++;
			return -1;
		}
		hot_update(c->hot, body, len);
		return 0;
	}
	if (m->kind == MIX_ACTION) {
		if (status == 409) {
			m->conflicts++;
			hot[c->hot].stale = true;
			return 0;
		}
		if (status != 200) {
			m->errors++;
			return -1;
		}
		m->steps[c->step]++;
		hot_update(c->hot, body, len);
	} else if (status != (m->kind == MIX_CREATE ? 201 : 200)) {
		m->errors++;
		return -1;
	}
	if (m->kind == MIX_CREATE && n_recent < RECENT_CAP) {
		long id, version;
		char st[64];
		if (case_of(body, len, &id, &version, st, sizeof st)) {
			recent[n_recent] = id;
			recent_version[n_recent++] = version;
		}
	}
	lat_push(m, t);
	m->body_bytes += (double)len;
	return 1;
}

/* Request number seq (from 1) into c->out: a GET of its path, or a POST of
 * a new hotline complaint; in mix mode, the mix's pick. */
static int make_request(struct load *L, struct conn *c, long seq)
{
	if (n_mix)
		return mix_request(c, seq);
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
	int bl = create_body(body, sizeof body, seq);
	if (bl < 0)
		return -1;
	return put_post(c, path, L->token, body, (size_t)bl);
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
	int verdict = 0;
	if (n_mix) {
		verdict = mix_answer(c, r->status, c->in + r->body_off, r->body_len, t - c->t0);
	}
	if (n_mix ? verdict > 0 : r->status == L->expect) {
		L->lat[L->ok++] = t - c->t0;
		L->body_bytes += (double)r->body_len;
	} else if (!n_mix || verdict < 0)
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

/* The mix's part of the JSON line: the 409s of actions on hot cases, then "classes", one
 * object per class with its own counts, rate and latencies; closes the line. */
static void mix_print(double elapsed)
{
	long conflicts = 0;
	for (int i = 0; i < n_mix; i++)
		conflicts += mix[i].conflicts;
	printf(",\"conflicts\":%ld,\"hot_cases\":%d,\"classes\":{", conflicts, n_hot);
	for (int i = 0; i < n_mix; i++) {
		struct mix_class *m = &mix[i];
		static const char *kinds[] = {"create", "get", "action"};
		qsort(m->lat, (size_t)m->ok, sizeof *m->lat, cmp_double);
		double sum = 0;
		for (long k = 0; k < m->ok; k++)
			sum += m->lat[k];
		printf("%s\"%s\":{\"kind\":\"%s\",\"weight\":%ld,\"sent\":%ld,\"answered\":%ld,"
		       "\"ok\":%ld,\"errors\":%ld,\"rate\":%.1f,\"p50_ms\":%.2f,\"p90_ms\":%.2f,"
		       "\"p99_ms\":%.2f,\"max_ms\":%.2f,\"mean_ms\":%.2f,\"status_2xx\":%ld,"
		       "\"status_4xx\":%ld,\"status_5xx\":%ld,\"body_bytes_mean\":%.0f",
		       i ? "," : "", m->name, kinds[m->kind], m->weight, m->sent, m->answered,
		       m->ok, m->errors, (double)m->ok / elapsed, pct(m->lat, m->ok, 50),
		       pct(m->lat, m->ok, 90), pct(m->lat, m->ok, 99),
		       m->ok ? m->lat[m->ok - 1] * 1000.0 : 0.0,
		       m->ok ? sum / (double)m->ok * 1000.0 : 0.0, m->status_count[2],
		       m->status_count[4], m->status_count[5],
		       m->ok ? m->body_bytes / (double)m->ok : 0);
		if (m->kind == MIX_GET)
			printf(",\"login\":\"%s\",\"path\":\"%s\"", m->login, m->path);
		if (m->kind == MIX_ACTION) {
			printf(",\"conflicts\":%ld,\"refreshes\":%ld", m->conflicts, m->refreshes);
			for (int k = 0; k < n_steps; k++)
				printf(",\"step_%s\":%ld", mix_steps[k].action, m->steps[k]);
		}
		putchar('}');
		free(m->lat);
		m->lat = NULL;
	}
	printf("}}\n");
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
		cs[i].cls = cs[i].hot = cs[i].step = -1;
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
	       "\"body_bytes_mean\":%.0f",
	       clients, L.answered, L.ok, L.errors, L.transport_errors, unfinished, elapsed,
	       (double)L.ok / elapsed, pct(L.lat, L.ok, 50), pct(L.lat, L.ok, 90),
	       pct(L.lat, L.ok, 99), L.ok ? L.lat[L.ok - 1] * 1000.0 : 0.0,
	       L.ok ? sum / (double)L.ok * 1000.0 : 0.0, L.status_count[2], L.status_count[4],
	       L.status_count[5], cpu, L.ok ? L.body_bytes / (double)L.ok : 0.0);
	if (n_mix)
		mix_print(elapsed);
	else
		puts("}");
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
	      "       loadgen --port P --password PW --mix FILE [--hot N] [--seed S]\n"
	      "               [--clients N] [--requests N] [--seconds S]\n"
	      "       loadgen --port P --login L --password PW --print-token\n"
	      "       loadgen --port P [--token T | --login L --password PW] --get PATH\n"
	      "Connects only to 127.0.0.1. Defaults: 1 client, 1000 requests, 30 s,\n"
	      "POST /api/v1/cases expecting 201; GET expects 200. Up to 16 paths, rotated.\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *token = NULL, *user = NULL, *password = NULL, *get = NULL, *mix_file = NULL;
	long seed = 0;
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
		else if (!strcmp(a, "--mix"))
			mix_file = v;
		else if (!strcmp(a, "--hot"))
			n_hot = (int)parse_long(v, 1, MAX_HOT, "--hot");
		else if (!strcmp(a, "--seed"))
			seed = parse_long(v, 1, 1L << 62, "--seed");
		else
			usage();
	}
	if (!opt_port)
		usage();
	if (n_paths == 0)
		opt_paths[n_paths++] = "/api/v1/cases";
	if (!expect)
		expect = opt_get ? 200 : 201;
	uint64_t h = ((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32)) * 0x9E3779B97F4A7C15ull;
	phone_base = (long)((h >> 20) % 100000000u);
	mix_rng = (seed ? (uint64_t)seed * 0x9E3779B97F4A7C15ull : h) | 1;
	if (mix_file) {
		if (!password || get || print_token || token)
			usage();
		mix_load(mix_file);
		mix_tokens(password);
		for (int i = 0; i < n_mix; i++)
			if (mix[i].kind == MIX_ACTION) {
				hot_seed();
				break;
			}
		int rc = run_load(mix[0].token, clients, requests, seconds, 0);
		for (int i = 0; i < n_steps; i++)
			json_decref(mix_steps[i].body);
		return rc;
	}
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
