/* The libmicrohttpd server: request lifecycle, routing, auth, responses (http.h). */
#include "http/http.h"
#include "core/apikey.h"
#include "core/app.h"
#include "core/routing_cache.h"
#include "http/http_int.h"
#include "http/proxies.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util/timeutil.h"

/* At most this many HTTP threads (serve --threads caps it at 64 too). */
#define SERVER_MAX_THREADS 64

/*
 * One libmicrohttpd daemon per HTTP thread, each with its own listening
 * socket on the same address and port (SO_REUSEPORT): the kernel spreads
 * new connections over them. MHD's own thread pool shares one listening
 * socket, and the first thread to wake accepts every connection of a burst
 * (16 clients all on one thread: docs/bench.md, writer section).
 */
struct server {
	struct MHD_Daemon *d[SERVER_MAX_THREADS]; /* d[0..nd-1] are running */
	int nd;
	struct app *app;
	const struct route *routes; /* borrowed from the caller of server_start */
	int nroutes;
	int port;
	struct reaper *reaper; /* bounds each request's time (reaper.c) */
	int upload_slots;      /* RF_UPLOAD bodies kept at once, at most */
};

/* RF_UPLOAD bodies being kept or worked on now (each up to HTTP_UPLOAD_MAX):
 * a slot is taken before the first byte is kept and given back when the
 * request is freed (on_completed). */
static _Atomic int uploads;

static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

static void reader_close(void *p)
{
	store_close(p);
}

static void reader_key_init(void)
{
	pthread_key_create(&reader_key, reader_close);
}

struct store_conn *http_thread_reader(struct app *app)
{
	pthread_once(&reader_once, reader_key_init);
	struct store_conn *c = pthread_getspecific(reader_key);
	if (!c) {
		char err[256];
		c = store_open(app->db_path, true, err, sizeof err);
		if (!c) {
			fprintf(stderr, "civicloop: %s\n", err);
			return NULL;
		}
		pthread_setspecific(reader_key, c);
	}
	return c;
}

/* ------------------------------------------------------------------ */
/* writer jobs for handlers                                            */

/* Runs the handler's job, with Idempotency-Key handling around it. */
static int async_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	if (r->idem_key[0]) {
		struct store_stmt *s = store_stmt(w->conn, ST_IDEM_GET);
		sbind_int(s, 1, r->actor.user_id);
		sbind_text(s, 2, r->idem_key);
		if (sstep(s) == STORE_ROW) {
			bool same = scol_bytes(s, 0) == sizeof r->idem_hash &&
			            memcmp(scol_blob(s, 0), r->idem_hash, sizeof r->idem_hash) == 0;
			if (same) {
				/* stored sealed: responses may carry personal data */
				char *plain = NULL;
				r->status = (int)scol_int(s, 1);
				if (unseal(&w->app->keys, scol_blob(s, 2), scol_bytes(s, 2), &plain,
				           NULL) == 0)
					r->out = json_loads(plain, 0, NULL);
				free(plain);
			}
			sreset(s);
			if (!same)
				return err_set(&r->err, E_IDEMPOTENCY_CONFLICT, NULL, NULL);
			return r->out ? 0 : err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		}
		sreset(s);
	}
	int rc = r->async_run(w, job);
	/* a job that wrote but could not build its answer is undone: the client
	 * is never told "done" with an empty body for a write it cannot see */
	if (rc == 0 && !r->out && !r->has_file)
		rc = err_set(&r->err, E_INTERNAL, NULL, "无法生成应答，操作未执行");
	if (rc == 0 && r->idem_key[0] && r->out) {
		char *text = json_dumps(r->out, JSON_COMPACT);
		unsigned char *sealed = NULL;
		size_t slen = 0;
		if (!text || seal(&w->app->keys, text, strlen(text), &sealed, &slen) != 0) {
			free(text);
			return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		}
		struct store_stmt *s = store_stmt(w->conn, ST_IDEM_PUT);
		sbind_int(s, 1, r->actor.user_id);
		sbind_text(s, 2, r->idem_key);
		sbind_blob(s, 3, r->idem_hash, sizeof r->idem_hash);
		sbind_int(s, 4, r->status);
		sbind_blob(s, 5, sealed, slen);
		sbind_int(s, 6, w->now);
		rc = sdone(s) == STORE_DONE ? 0 : err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		free(sealed);
		free(text);
	}
	if (rc != 0) {
		json_decref(r->out);
		r->out = NULL;
	}
	return rc;
}

static void async_done(struct write_job *job, bool committed)
{
	struct req *r = job->arg;
	r->committed = committed;
	if (job->rc != 0)
		r->failed = true; /* r->err holds the job's answer */
	r->resumed = true;
	MHD_resume_connection(r->conn);
}

/*
 * Suspended requests are counted, so that a stopping server can wait for
 * those the writer or the hash pool still hold before libmicrohttpd frees
 * their connections (server_stop). Once stopping has begun, no request is
 * suspended any more: it is answered 503 at once. The count goes up before
 * `draining` is read, so server_stop either waits for a request or the
 * request sees it is stopping.
 */
static _Atomic int inflight;
static _Atomic bool draining;

int req_suspend(struct req *r)
{
	atomic_fetch_add(&inflight, 1);
	if (atomic_load(&draining)) {
		atomic_fetch_sub(&inflight, 1);
		return err_set(&r->err, E_UNAVAILABLE, NULL, "服务正在停止，请稍后重试");
	}
	r->suspended = true;
	MHD_suspend_connection(r->conn);
	return 0;
}

/* http_int.h */
void req_write_submit(struct req *r, write_fn run)
{
	r->async_run = run;
	r->job.run = async_job;
	r->job.done = async_done;
	r->job.arg = r;
	writer_submit(r->app->writer, &r->job);
}

enum handler_result reply_async(struct req *r, write_fn run)
{
	if (req_suspend(r) != 0)
		return reply_failed(r);
	req_write_submit(r, run);
	return H_ASYNC;
}

/* ------------------------------------------------------------------ */
/* routing                                                             */

/* Matches path against pattern, capturing {params}. */
static bool route_match(const char *pattern, const char *path, struct req *r)
{
	int np = 0;
	while (*pattern && *path) {
		if (*pattern == '{') {
			const char *end = strchr(pattern, '}');
			const char *seg = path;
			while (*path && *path != '/')
				path++;
			if (end[1] == '.') { /* "{code}.{format}": the value ends at the last '.' */
				const char *dot = path;
				while (dot > seg && dot[-1] != '.')
					dot--;
				if (dot == seg)
					return false;
				path = dot - 1;
			}
			size_t n = (size_t)(path - seg);
			if (n == 0 || n >= sizeof r->params[0] || np >= HTTP_MAX_PARAMS)
				return false;
			memcpy(r->params[np], seg, n);
			r->params[np][n] = '\0';
			np++;
			pattern = end + 1;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return !*pattern && !*path;
}

static int find_route(struct req *r, const struct server *s, bool *method_mismatch)
{
	*method_mismatch = false;
	for (int i = 0; i < s->nroutes; i++) {
		if (!route_match(s->routes[i].pattern, r->url, r))
			continue;
		if (!strcmp(s->routes[i].method, r->method))
			return i;
		*method_mismatch = true;
	}
	return -1;
}

static const char *cookie_value(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

/* Authenticates by API key (X-API-Key, or a bearer token starting "ck_"),
 * bearer session token or session cookie; cookie writes need the CSRF token
 * in X-CSRF-Token. An API key is never a cookie, so it needs no CSRF token. */
static int authenticate(struct req *r)
{
	const char *h = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *apikey = req_header(r, "X-API-Key");
	const char *token = NULL;
	bool via_cookie = false;
	if (!apikey && h && !strncasecmp(h, "Bearer " APIKEY_PREFIX, 7 + strlen(APIKEY_PREFIX)))
		apikey = h + 7;
	if (apikey) {
		int retry = 0;
		switch (apikey_authenticate(r->app, r->reader, apikey, time_real_ms(), &r->actor,
		                            &retry)) {
		case APIKEY_OK:
			r->authed = true;
			return 0;
		case APIKEY_RATE:
			r->retry_after = retry;
			return err_set(&r->err, E_APIKEY_RATE, NULL, NULL);
		case APIKEY_STORE:
			return err_set(&r->err, E_UNAVAILABLE, NULL, "数据库暂不可用");
		default:
			return err_set(&r->err, E_UNAUTHENTICATED, NULL, "API 密钥无效或已吊销");
		}
	}
	if (h && !strncasecmp(h, "Bearer ", 7))
		token = h + 7;
	else if ((token = cookie_value(r, "cl_session")))
		via_cookie = true;
	if (!token)
		return err_set(&r->err, E_UNAUTHENTICATED, NULL, NULL);
	if (session_lookup(r->reader, token, time_real_ms(), &r->actor) != 0)
		return err_set(&r->err, E_UNAUTHENTICATED, NULL, "登录已失效，请重新登录");
	r->actor.via_cookie = via_cookie;
	if (via_cookie && strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
		/* lengths first: the comparison reads want bytes of both */
		const char *csrf = req_header(r, "X-CSRF-Token");
		size_t want = strlen(r->actor.csrf);
		if (!csrf || want == 0 || strlen(csrf) != want ||
		    sodium_memcmp(csrf, r->actor.csrf, want) != 0)
			return err_set(&r->err, E_CSRF, NULL, NULL);
	}
	r->authed = true;
	return 0;
}

static enum handler_result dispatch(struct req *r, const struct server *s)
{
	bool mismatch;
	int ri = find_route(r, s, &mismatch);
	/* an RF_OWN_ERRORS handler checks the encoding itself, in its format */
	bool own = ri >= 0 && (s->routes[ri].flags & RF_OWN_ERRORS);
	if (!own && req_encoding_check(r) != 0)
		return reply_failed(r);
	r->route = ri;
	if (r->route < 0)
		return reply_err(r, mismatch ? E_METHOD : E_ROUTE_NOT_FOUND, NULL, NULL);
	if (r->too_large && !own)
		return reply_err(r, E_TOO_LARGE, NULL,
		                 r->body.cap > HTTP_BODY_MAX ? "文件超过 10 MiB"
		                                             : "请求体超过 1 MiB");
	if (r->upload_busy)
		return reply_err(r, E_UNAVAILABLE, NULL, "正在上传的文件较多，请稍后重试");
	const struct route *rt = &s->routes[r->route];
	r->reader = http_thread_reader(r->app);
	if (!r->reader)
		return reply_err(r, E_UNAVAILABLE, NULL, "数据库暂不可用");
	routing_cache_snapshot_begins();
	if (store_exec(r->reader, ST_BEGIN_READ) != STORE_OK)
		return reply_err(r, E_UNAVAILABLE, NULL, "数据库暂不可用");
	enum handler_result hr;
	if (rt->auth == AUTH_USER && (authenticate(r) != 0 || route_permit(r, rt) != 0)) {
		hr = reply_failed(r);
	} else {
		const char *key = req_header(r, "Idempotency-Key");
		if (key && (rt->flags & RF_IDEMPOTENT)) {
			if (strlen(key) == 0 || strlen(key) >= sizeof r->idem_key) {
				store_exec(r->reader, ST_COMMIT);
				return reply_err(r, E_BAD_REQUEST, "Idempotency-Key",
				                 "Idempotency-Key 长度须为 1–128");
			}
			snprintf(r->idem_key, sizeof r->idem_key, "%s", key);
			hash_blake2b(r->idem_hash, r->url, strlen(r->url) + 1,
			             r->body.data ? r->body.data : "", r->body.len);
		}
		hr = rt->handler(r);
	}
	store_exec(r->reader, ST_COMMIT);
	return hr;
}

/* ------------------------------------------------------------------ */
/* responses                                                           */

/* The answer when no other can be built (out of memory, a string jansson
 * refuses): fixed bytes, so a response never fails to exist. */
static char fallback_body[] = /* never written; MHD's API takes a non-const pointer */
    "{\"error\":{\"code\":\"internal\",\"message\":\"服务器内部错误\"}}";

/* http_int.h */
char *http_error_body(const struct err *err)
{
	json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", err_code(err->kind), "message",
	                      err_message(err));
	if (e && err->field[0])
		json_object_set_new(json_object_get(e, "error"), "field", json_string(err->field));
	char *body = e ? json_dumps(e, JSON_COMPACT) : NULL;
	json_decref(e);
	return body;
}

/* An upload's slot goes back once its answer is decided, with the body it
 * held: a client that has its answer may upload again at once (given back
 * only when libmicrohttpd was done with the connection, the next upload
 * could race it and be told 503). Anything more of the body is dropped. */
static void upload_slot_release(struct req *r)
{
	if (!r->upload_slot)
		return;
	r->upload_slot = false;
	r->body_discard = true;
	buf_release(&r->body);
	atomic_fetch_sub(&uploads, 1);
}

static enum MHD_Result send_response(struct req *r)
{
	char *body = NULL;
	size_t len = 0;
	upload_slot_release(r);
	/* A write is answered from its result only once its batch committed:
	 * a job that ran but whose COMMIT failed (disk full) has a result that
	 * was never stored, and must not be acknowledged. */
	if (r->suspended && !r->committed && (!r->failed || r->err.kind == E_OK)) {
		json_decref(r->out);
		r->out = NULL;
		err_set(&r->err, E_UNAVAILABLE, NULL, "写入未能完成（存储不可用），请稍后重试");
		r->failed = true;
	}
	/* fail safe: a request starts as 500, and only a handler that set its
	 * success status (last) and built its body is answered as a success */
	if (!r->failed && !r->raw && !r->has_file) {
		body = r->out && r->status != 500
		           ? json_dumps(r->out, JSON_COMPACT | JSON_REAL_PRECISION(10))
		           : NULL;
		if (!body)
			err_set(&r->err, E_INTERNAL, NULL, NULL);
		r->failed = !body;
	}
	if (!r->failed && r->has_file && r->status == 500) {
		err_set(&r->err, E_INTERNAL, NULL, NULL); /* a file, but no success set */
		r->failed = true;
	}
	if (r->failed) {
		if (r->err.kind == E_OK)
			err_set(&r->err, E_INTERNAL, NULL, NULL);
		r->status = err_status(r->err.kind);
		body = r->error_body ? r->error_body(r, &len, &r->content_type) : NULL;
		if (!body) {
			body = http_error_body(&r->err); /* NULL: the fixed fallback below */
			r->content_type = "application/json; charset=utf-8";
			len = body ? strlen(body) : 0;
		}
	} else if (r->has_file) {
		/* sent by MHD (sendfile where it can), which closes it */
	} else if (r->raw) {
		body = r->raw;
		len = r->raw_len;
		r->raw = NULL;
	} else {
		len = strlen(body);
		r->content_type = "application/json; charset=utf-8";
	}
	bool file = !r->failed && r->has_file;
	struct MHD_Response *resp =
	    file   ? MHD_create_response_from_fd64((uint64_t)r->file_size, r->file_fd)
	    : body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
	           : MHD_create_response_from_buffer(sizeof fallback_body - 1, fallback_body,
	                                             MHD_RESPMEM_MUST_COPY);
	if (!resp) {
		free(body);
		return MHD_NO; /* out of memory: MHD closes the connection (and on_completed the
		                  file) */
	}
	if (file)
		r->has_file = false; /* MHD's now */
	if (!body && !file)
		r->status = 500; /* the fallback body went out instead */
	if (r->status != 304)    /* "not modified" has no body to type */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		                        r->content_type ? r->content_type : "application/json");
	/* only a success may be cached, and only as its handler said */
	bool cacheable = !r->failed && r->cache_control;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        cacheable ? r->cache_control : "no-store");
	if (cacheable) {
		if (r->etag[0])
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
		/* the answer depends on who asks */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Authorization, Cookie");
	}
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->failed && r->retry_after > 0) {
		char after[16];
		snprintf(after, sizeof after, "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", after);
	}
	if (!r->failed && r->disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	if (!r->failed && r->csp)
		MHD_add_response_header(resp, "Content-Security-Policy", r->csp);
	for (int i = 0; i < 2; i++)
		if (r->set_cookie[i][0])
			MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie[i]);
	enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	metrics_observe(r->route, r->status, (time_real_ms() - r->t0) * 1000);
	statuslog_note(r->route, r->method, r->status);
	return ret;
}

/* Whether the caller of an RF_UPLOAD request is signed in (session with its
 * CSRF token for a cookie, or API key) and may use the route at all: only
 * then is its body worth keeping. The same checks run again when it is
 * routed, and answer it (401, 403) when they fail. */
static bool upload_caller_ok(struct req *r, const struct route *rt)
{
	r->reader = http_thread_reader(r->app);
	if (!r->reader || store_exec(r->reader, ST_BEGIN_READ) != STORE_OK)
		return false;
	bool ok = authenticate(r) == 0 && route_permit(r, rt) == 0;
	store_exec(r->reader, ST_COMMIT);
	r->err = (struct err){0};
	return ok;
}

/*
 * How much of the body a request may bring, decided from its route before
 * any of it is kept: HTTP_BODY_MAX; for an RF_UPLOAD route HTTP_UPLOAD_MAX,
 * when its caller is signed in and holds the route's permission (else its
 * body is dropped and it is answered 401 or 403) and gets one of the upload
 * slots (else its body is dropped and it is answered 503); such an upload
 * may take HTTP_UPLOAD_SECONDS in all (a slow mobile link), still closed
 * after the idle timeout. Otherwise a Content-Length over the limit is 413
 * at once: nothing of the body is kept, and no slot is held.
 */
static void body_limit(struct req *r, const struct server *s)
{
	size_t cap = HTTP_BODY_MAX;
	bool mismatch;
	int i = find_route(r, s, &mismatch);
	if (i >= 0 && (s->routes[i].flags & RF_UPLOAD)) {
		if (!upload_caller_ok(r, &s->routes[i])) {
			r->body_discard = true;
		} else if (atomic_fetch_add(&uploads, 1) >= s->upload_slots) {
			atomic_fetch_sub(&uploads, 1);
			r->upload_busy = true;
			r->body_discard = true;
		} else {
			r->upload_slot = true;
			cap = HTTP_UPLOAD_MAX;
			req_allow_time(r, HTTP_UPLOAD_SECONDS);
		}
	}
	buf_init(&r->body, cap);
	const char *cl = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	if (cl && *cl && !r->body_discard) {
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);
		if (!*end && (errno || n > cap)) {
			r->too_large = true;
			if (r->upload_slot) {
				r->upload_slot = false;
				atomic_fetch_sub(&uploads, 1);
			}
		}
	}
}

/* X-Forwarded-For's values, joined by commas in the order received, into
 * x->text; when longer than XFF_MAX - 1 bytes, the last ones from an
 * entry's start (the walk reads from the right). */
#define XFF_MAX 2048
struct xff {
	char text[XFF_MAX];
	size_t len;
	bool cut; /* the head was dropped: the first entry may be partial */
};

static enum MHD_Result xff_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
	(void)kind, (void)key_size;
	struct xff *x = cls;
	if (!key || !value || strcasecmp(key, "X-Forwarded-For"))
		return MHD_YES;
	size_t vlen = strnlen(value, value_size);
	if (vlen > XFF_MAX - 2) {
		value += vlen - (XFF_MAX - 2);
		vlen = XFF_MAX - 2;
		x->len = 0;
		x->cut = true;
	} else if (x->len + 1 + vlen > XFF_MAX - 1) {
		size_t keep = XFF_MAX - 2 - vlen;
		memmove(x->text, x->text + x->len - keep, keep);
		x->len = keep;
		x->cut = true;
	}
	if (x->len)
		x->text[x->len++] = ',';
	memcpy(x->text + x->len, value, vlen);
	x->len += vlen;
	x->text[x->len] = '\0';
	return MHD_YES;
}

/* r->address from the connection's address: the client X-Forwarded-For
 * names when the connection is a trusted proxy's (proxies.h). */
static void client_behind_proxy(struct req *r)
{
	struct xff xb = {.len = 0}, *x = &xb;
	MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, xff_collect, x);
	const char *text = x->len ? x->text : NULL;
	if (text && x->cut) { /* drop the partial first entry */
		const char *comma = strchr(text, ',');
		text = comma ? comma + 1 : "";
	}
	char client[PROXIES_ADDR_MAX];
	proxies_client(r->address, text, client);
	snprintf(r->address, sizeof r->address, "%s", client);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
	const struct server *s = cls;
	struct req *r = *con_cls;
	if (!r || !r->conn) {
		if (!r)
			r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		r->conn = conn;
		r->app = s->app;
		r->reaper = s->reaper;
		r->method = method;
		r->url = url;
		r->route = -1;
		r->status = 500; /* until a handler sets its success, last */
		r->t0 = time_real_ms();
		metrics_thread_request();
		body_limit(r, s);
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
			          r->address, sizeof r->address);
		else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			          &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
			          r->address, sizeof r->address);
		if (proxies_any())
			client_behind_proxy(r);
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_large && !r->body_discard &&
		    buf_append(&r->body, upload_data, *upload_size) != 0)
			r->too_large = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->resumed) {
		if (r->after_commit && r->committed && !r->failed && r->out) {
			/* one snapshot for all it reads, not a read transaction a
			 * statement (a create's answer and routing read ~100) */
			r->reader = http_thread_reader(r->app);
			routing_cache_snapshot_begins();
			bool txn = r->reader && store_exec(r->reader, ST_BEGIN_READ) == STORE_OK;
			r->after_commit(r);
			if (txn)
				store_exec(r->reader, ST_COMMIT);
		}
		return send_response(r);
	}
	if (r->routed)
		return MHD_YES; /* suspended and woken without a result: wait */
	r->routed = true;
	if (web_wants(method, url)) {
		if (req_encoding_check(r) != 0) {
			reply_failed(r);
			return send_response(r);
		}
		unsigned status;
		enum MHD_Result ret = web_serve(conn, url, &status);
		metrics_observe(-1, (int)status, (time_real_ms() - r->t0) * 1000);
		return ret;
	}
	if (dispatch(r, s) == H_ASYNC)
		return MHD_YES;
	return send_response(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	reaper_request_done(s->reaper, conn);
	struct req *r = *con_cls;
	if (!r)
		return;
	if (r->suspended)
		atomic_fetch_sub(&inflight, 1);
	if (r->upload_slot)
		atomic_fetch_sub(&uploads, 1);
	json_decref(r->out);
	json_decref(r->in);
	free(r->raw);
	if (r->has_file)
		close(r->file_fd); /* never handed to MHD: a failure was answered instead */
	free(r->hctx);
	buf_release(&r->body);
	free(r);
	*con_cls = NULL;
}

/* Fails (-1, errno set) when addr:port is taken, by anyone: a socket without
 * SO_REUSEPORT binds it first. The listeners' sockets, which share the port
 * among themselves, would otherwise also share it with another server of
 * the same user. Port 0 needs no probe: the kernel picks a free one. */
static int server_port_probe(const struct sockaddr_in *sa)
{
	if (sa->sin_port == 0)
		return 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	int rc = bind(fd, (const struct sockaddr *)sa, sizeof *sa);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* A listening socket on *sa with SO_REUSEPORT; when sa's port is 0 it is set
 * to the port the kernel picked. The fd, or -1 with errno set. */
static int server_listen_socket(struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	socklen_t len = sizeof *sa;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)sa, sizeof *sa) != 0 || listen(fd, 1024) != 0 ||
	    (sa->sin_port == 0 && getsockname(fd, (struct sockaddr *)sa, &len) != 0)) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* One daemon with one internal thread on listening socket fd (MHD owns it
 * from here, also when it fails to start). */
static struct MHD_Daemon *server_daemon(struct server *s, int fd, int threads,
                                        int request_timeout_s)
{
	unsigned limit = 4096u / (unsigned)threads;
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_ALLOW_SUSPEND_RESUME |
	        MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
	    limit < 16 ? 16u : limit, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)request_timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, reaper_on_connection, s->reaper,
	    MHD_OPTION_UNESCAPE_CALLBACK, req_unescape, NULL, MHD_OPTION_URI_LOG_CALLBACK,
	    req_on_uri, NULL, MHD_OPTION_END);
	if (!d)
		close(fd);
	return d;
}

static void server_daemons_stop(struct server *s)
{
	for (int i = 0; i < s->nd; i++)
		MHD_stop_daemon(s->d[i]); /* closes every connection, removing its watch */
	s->nd = 0;
}

struct server *server_start(struct app *app, const struct route *routes, int nroutes,
                            const char *listen_addr, int port, int threads, int request_timeout_s,
                            char *err, size_t errcap)
{
	if (metrics_routes_set(routes, nroutes) != 0) {
		snprintf(err, errcap, "路由过多（至多 %d 条）", HTTP_MAX_ROUTES);
		return NULL;
	}
	statuslog_routes_set(routes, nroutes);
	struct server *s = calloc(1, sizeof *s);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (!s || inet_pton(AF_INET, listen_addr, &sa.sin_addr) != 1) {
		snprintf(err, errcap, "无效的监听地址 %s", listen_addr);
		free(s);
		return NULL;
	}
	s->app = app;
	s->routes = routes;
	s->nroutes = nroutes;
	s->upload_slots = app_env_int("CIVICLOOP_UPLOAD_SLOTS", 1, 256, HTTP_UPLOAD_SLOTS_DEFAULT);
	s->reaper = reaper_start((int64_t)request_timeout_s * 1000);
	if (!s->reaper) {
		snprintf(err, errcap, "无法启动连接超时线程");
		free(s);
		return NULL;
	}
	/* A taken port must fail here, not be shared with another server that
	 * the kernel then splits connections with: the probe binds it alone
	 * first. The listeners then share it among themselves only. */
	if (threads < 1 || threads > SERVER_MAX_THREADS || server_port_probe(&sa) != 0)
		goto fail_listen;
	for (int i = 0; i < threads; i++) {
		int fd = server_listen_socket(&sa); /* the first one fixes a port 0 */
		if (fd < 0)
			goto fail_listen;
		s->d[s->nd] = server_daemon(s, fd, threads, request_timeout_s);
		if (!s->d[s->nd])
			goto fail_listen;
		s->nd++;
	}
	s->port = ntohs(sa.sin_port);
	return s;
fail_listen:
	snprintf(err, errcap, "无法在 %s:%d 上监听: %s", listen_addr, port, strerror(errno));
	server_daemons_stop(s);
	reaper_stop(s->reaper);
	free(s);
	return NULL;
}

int server_port(const struct server *s)
{
	return s->port;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	/* let the writer and the hash pool answer what they hold: MHD frees a
	 * suspended connection's request when it stops */
	atomic_store(&draining, true);
	for (int i = 0; i < 1500 && atomic_load(&inflight) > 0; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	if (atomic_load(&inflight) > 0)
		fprintf(stderr, "civicloop: 停止时仍有 %d 个请求未完成\n", atomic_load(&inflight));
	server_daemons_stop(s);
	reaper_stop(s->reaper);
	free(s);
}
