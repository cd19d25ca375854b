/*
 * The HTTP layer: libmicrohttpd with an internal thread pool, a route table
 * as data handed to server_start (the server names no application symbol:
 * the table is api/routes.c's, passed in by the CLI, as lwan's
 * lwan_set_url_map takes its map), JSON in and out, and API.md's error shape
 * for every failure.
 *
 * A request's life: MHD hands us the headers, then the body in pieces (we
 * keep at most HTTP_BODY_MAX bytes, past that the answer is 413; a route
 * marked RF_UPLOAD takes up to HTTP_UPLOAD_MAX, decided from the route
 * before any of the body is kept), then a final call where we route it. Read handlers answer at
 * once from this thread's own read connection, inside one read transaction. Write handlers queue a
 * writer job and suspend the connection (MHD_suspend_connection), so no MHD thread waits on a
 * commit; the writer resumes the connection once the batch is durable, and MHD calls us again to
 * send the answer.
 */
#ifndef CIVICLOOP_HTTP_HTTP_H
#define CIVICLOOP_HTTP_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/writer.h"
#include "util/buf.h"
#include "util/error.h"

#define HTTP_BODY_MAX (1024 * 1024)
/* The body of an RF_UPLOAD route (a file, sent raw): at most this many
 * bytes, and only HTTP_UPLOAD_SLOTS_DEFAULT such bodies are kept at once
 * ($CIVICLOOP_UPLOAD_SLOTS, 1–256): past that an upload is answered 503 at
 * once and its body is not kept, so uploads hold at most slots × 10 MiB. */
#define HTTP_UPLOAD_MAX (10 * 1024 * 1024)
#define HTTP_UPLOAD_SLOTS_DEFAULT 8
/* An upload's time in all, instead of the request timeout (10 MiB over a
 * 35 KB/s link); an idle connection is still closed after the timeout. */
#define HTTP_UPLOAD_SECONDS 300
#define HTTP_MAX_PARAMS 3
#define HTTP_MAX_QUERY_ARGS 64 /* query arguments in one request */

struct app;
struct req;

enum handler_result { H_DONE, H_ASYNC };
typedef enum handler_result (*handler_fn)(struct req *r);

enum route_auth { AUTH_NONE, AUTH_USER };
/* RF_IDEMPOTENT: Idempotency-Key honoured. RF_UPLOAD: the body is a file of
 * up to HTTP_UPLOAD_MAX bytes, kept only for a signed-in caller holding the
 * route's permission that gets an upload slot (see HTTP_UPLOAD_MAX).
 * RF_OWN_ERRORS: the handler answers in a format of its own (Open311's error
 * lists): the server leaves the query's encoding check (req_encoding_check)
 * and the body's size (too_large) to it, so that it can set r->error_body
 * first. */
enum route_flags { RF_NONE = 0, RF_IDEMPOTENT = 1, RF_UPLOAD = 2, RF_OWN_ERRORS = 4 };

/* A route's `perm` is what the caller needs before the handler runs, named
 * as data (an opaque string to this layer; core/auth.h PERM_* documents the
 * forms): "public", "user" (any signed-in user), a permission ("case.read",
 * several joined by '+'), or "action" (case actions: case.read here, then the
 * roles the case's type names for {action}, checked by the engine after
 * visibility). The server checks it once the caller is signed in
 * (app->permit): without it, 403 permission.denied; a route without one is
 * refused. Whether the object is in the caller's scope (404 if not) stays
 * with the handler. /api/openapi.json shows it as x-permission. */
struct route {
	const char *method;
	const char *pattern; /* "/api/v1/cases/{id}/actions/{action}" */
	handler_fn handler;
	enum route_auth auth;
	int flags;
	const char *summary; /* one line, for /api/openapi.json */
	const char *perm;    /* see above; NULL: refused to every caller */
};

struct req {
	struct MHD_Connection *conn;
	struct app *app;
	const char *method;
	const char *url;
	int route; /* index into the server's route table, -1 if none */
	char params[HTTP_MAX_PARAMS][128];
	struct buf body; /* capped at HTTP_BODY_MAX, or HTTP_UPLOAD_MAX (RF_UPLOAD) */
	bool too_large;
	bool body_discard;  /* the body is read and dropped: answered without it */
	bool upload_busy;   /* an RF_UPLOAD request that got no slot: 503 */
	bool upload_slot;   /* holds one of the server's upload slots (freed with r) */
	bool too_many_args; /* the query was cut off (on_uri): answer 400 */
	bool routed;
	int64_t t0;
	char address[64];
	struct actor actor;
	bool authed;
	int retry_after;           /* seconds: a Retry-After header on the error answer (0: none) */
	struct store_conn *reader; /* this thread's read connection */
	struct reaper *reaper;     /* the server's request deadlines (req_allow_time) */

	/* result */
	int status;  /* 500 until the handler sets its success status, last */
	json_t *out; /* response body (owned) */
	char *raw;   /* or a raw body (owned) */
	size_t raw_len;
	/* or a file: file_size bytes of file_fd from offset 0, owned while
	 * has_file (req_reply_file); sent only as a success, closed otherwise */
	bool has_file;
	int file_fd;
	int64_t file_size;
	char disposition[3072]; /* Content-Disposition of a success, "" = none */
	const char *content_type;
	const char *cache_control; /* NULL: "no-store"; a static string (reply_cacheable) */
	const char *csp;           /* Content-Security-Policy of a success: NULL, or static */
	char etag[40];             /* "" or the quoted entity tag of the body, sent as ETag */
	struct err err;
	bool failed; /* err holds the answer */
	/* Renders a failed answer (err, status already err_status's) in the
	 * handler's own format instead of API.md's: a malloc'd body of *len
	 * bytes and its static *content_type, or NULL for API.md's. NULL: API.md's. */
	char *(*error_body)(const struct req *r, size_t *len, const char **content_type);
	char set_cookie[2][320];

	/* asynchronous writes */
	struct write_job job;
	write_fn async_run; /* the handler's job body */
	/* Runs on the HTTP thread once the job's batch committed, before the
	 * answer goes out: work that only reads and need not hold the writer
	 * (the create's routing). It may add to r->out through r->reader; it
	 * cannot fail the write, which is done. */
	void (*after_commit)(struct req *r);
	json_t *in; /* parsed request body */
	bool suspended;
	bool resumed;
	bool committed;
	char idem_key[129];
	unsigned char idem_hash[32];
	void *hctx; /* handler scratch (owned, freed with free()) */
};

struct server;
/* Serves routes[0..nroutes) (borrowed: they must outlive the server; at
 * most HTTP_MAX_ROUTES) on listen_addr:port (0 picks a free port). A
 * request, from the end of the previous one on its connection, gets
 * request_timeout_s seconds in all before its connection is closed. Fails
 * if the port is taken. */
struct server *server_start(struct app *app, const struct route *routes, int nroutes,
                            const char *listen_addr, int port, int threads, int request_timeout_s,
                            char *err, size_t errcap);
void server_stop(struct server *s);
int server_port(const struct server *s);

/* The status log (http/statuslog.c), process-wide, off by default: from
 * now on each answered API request appends "METHOD PATTERN STATUS\n" to
 * path (created; appended to). For the API suite's status coverage
 * (tests/openapi/coverage.mjs). 0, or -1 with a message in err. */
int statuslog_open(const char *path, char *err, size_t errcap);

/* The web UI's files (http/web.c), process-wide: every GET or HEAD outside
 * /api/, /open311/, /healthz and /metrics is a file of dir (the Vite build,
 * web/dist) or else dir/index.html. Until web_root_open succeeds those
 * paths answer a 503 page saying the UI is not built; the API is unaffected.
 * 0, or -1 with a message in err. */
int web_root_open(const char *dir, char *err, size_t errcap);
void web_root_none(void);   /* no UI: its paths are the API's unknown routes (404) */
const char *web_root(void); /* the directory opened, or NULL */

/* The route's permission for the signed-in caller (http/permit.c): 0, or
 * -1 with r->err set to 403 permission.denied. Routes without sign-in pass. */
int route_permit(struct req *r, const struct route *rt);

/* The calling thread's read connection to app's database, opened on its
 * first use and closed when the thread ends: an HTTP thread's r->reader,
 * and the connection work on an offload pool reads through (an export).
 * NULL when it could not be opened (the reason is on stderr). */
struct store_conn *http_thread_reader(struct app *app);

/* Handler helpers */
enum handler_result reply_json(struct req *r, int status, json_t *body); /* steals body */
enum handler_result reply_err(struct req *r, enum err_kind kind, const char *field,
                              const char *msg);
enum handler_result reply_failed(struct req *r); /* answers with r->err */
/* Answers body (stolen) with 200, `cache_control` (a static string, e.g.
 * "private, max-age=300") and an ETag of its bytes, or with 304 and no body
 * when the request's If-None-Match names that tag. Every other answer is
 * "Cache-Control: no-store". */
enum handler_result reply_cacheable(struct req *r, json_t *body, const char *cache_control);
/* Makes the file fd (taken: closed with the request unless sent) the
 * answer's body, size bytes from offset 0, as `content_type`, with
 * Content-Disposition `disposition` (NULL = none; ASCII, at most 3071 bytes).
 * The status is the handler's to set. */
void req_reply_file(struct req *r, int fd, int64_t size, const char *content_type,
                    const char *disposition);
/* Suspends the connection while other threads work on the request (counted,
 * so a stopping server waits for it). 0, or -1 with r->err set (503) once
 * the server is stopping: then nothing was suspended. */
int req_suspend(struct req *r);
/* Queues `run` on the writer; its result is r->out/r->status or r->err. */
enum handler_result reply_async(struct req *r, write_fn run);
/* Lets this request (building and sending its answer) take up to `seconds`
 * from now in all, when that is longer than the server's request timeout
 * leaves it: for answers that are slow by nature (an export). A client that
 * stops reading is still closed by the idle timeout. */
void req_allow_time(struct req *r, int seconds);
const char *req_query(struct req *r, const char *key);
const char *req_header(struct req *r, const char *key);
/* Query parameter `name` as an integer in lo..hi into *out (left alone when
 * absent). 0, or -1 with r->err set to a 400 naming the parameter. */
int req_query_int(struct req *r, const char *name, int64_t lo, int64_t hi, int64_t *out);
/* The query's and path's encoding (valid UTF-8, no NUL, not too many
 * arguments): 0, or -1 with r->err set (400). The server checks it before
 * routing, except for RF_OWN_ERRORS routes, whose handlers call it. */
int req_encoding_check(struct req *r);
/* Parses the JSON body into r->in; on failure sets the error and returns -1. */
int req_json(struct req *r);
/* The same for a body that may be any JSON value (null, an array, …), not
 * only an object. */
int req_json_value(struct req *r);
/* Parses a positive id path parameter; -1 if malformed. */
int64_t req_param_id(struct req *r, int i);

/* Metrics (http/metrics.c), process-wide. metrics_routes_set names the
 * routes the counters are kept for (server_start calls it): 0, or -1 if
 * there are more than HTTP_MAX_ROUTES. */
#define HTTP_MAX_ROUTES 128 /* the route table is ~70; room for the types to come */
int metrics_routes_set(const struct route *routes, int nroutes);
void metrics_observe(int route, int status, int64_t micros);
/* A request begun on the calling HTTP thread (civicloop_http_thread_requests:
 * whether connections are spread over the threads). */
void metrics_thread_request(void);
char *metrics_render(struct app *app, struct store_conn *reader, size_t *len);

#endif
