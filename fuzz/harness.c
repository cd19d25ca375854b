/* The fuzz harness (harness.h): scratch files, the demo world, a stand-in
 * for libmicrohttpd, and the writer run in place. */
#include "harness.h"
#include "api/api.h"
#include "cli/cli.h"
#include "core/apikey.h"
#include "core/engine.h"
#include "http/http.h"
#include "util/crypto.h"
#include "util/timeutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void fz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("\n==fuzz== oracle failed: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* ------------------------------------------------------------------ */
/* scratch files                                                       */

static char tmpdir[512];

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char sub[1024];
			snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
			rm_tree(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static struct fz_world world;
static bool world_ready;

static void cleanup_at_exit(void)
{
	if (world_ready) {
		server_stop(world.srv);
		world.srv = NULL;
		world.conn = NULL; /* the writer's own: writer_stop closes it */
		writer_stop(world.app.writer);
		world.app.writer = NULL;
	}
	if (tmpdir[0])
		rm_tree(tmpdir);
}

/* A process that crashed (the point of fuzzing) never ran its atexit
 * handler: remove the scratch folders of processes that are gone. */
static void sweep_stale(const char *base)
{
	DIR *d = opendir(base);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		long pid;
		char rest[32];
		if (sscanf(de->d_name, "civicloop-fuzz-%ld-%31s", &pid, rest) != 2 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", base, de->d_name);
		rm_tree(path);
	}
	closedir(d);
}

const char *fz_tmpdir(void)
{
	if (tmpdir[0])
		return tmpdir;
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	sweep_stale(base);
	snprintf(tmpdir, sizeof tmpdir, "%s/civicloop-fuzz-%ld-XXXXXX", base, (long)getpid());
	if (!mkdtemp(tmpdir))
		fz_fail("mkdtemp %s: %s", tmpdir, strerror(errno));
	atexit(cleanup_at_exit);
	return tmpdir;
}

int fz_write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}

char *fz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		fz_fail("out of memory");
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

size_t fz_line(const uint8_t *data, size_t size, char *line, size_t cap)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;
	size_t k = n < cap - 1 ? n : cap - 1;
	memcpy(line, data, k);
	line[k] = '\0';
	return nl ? n + 1 : size;
}

/* ------------------------------------------------------------------ */
/* what src/cli/demo.c needs from src/cli/main.c                       */

int cli_open(struct app *app, const char *db, int create)
{
	char err[512];
	if (app_init(app, db, NULL, create, err, sizeof err) != 0)
		fz_fail("app_init: %s", err);
	app->writer = writer_start(app, err, sizeof err);
	if (!app->writer)
		fz_fail("writer_start: %s", err);
	return 0;
}

void cli_close(struct app *app)
{
	writer_stop(app->writer);
	app->writer = NULL;
	app_release(app);
}

/* ------------------------------------------------------------------ */
/* the world                                                           */

static void world_demo(const char *db)
{
	char a0[] = "demo", a1[] = "--db", a2[1024];
	snprintf(a2, sizeof a2, "%s", db);
	char *argv[] = {a0, a1, a2, NULL};
	/* the demo prints its accounts; keep the fuzzer's output readable */
	fflush(stdout);
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
	if (saved >= 0 && null >= 0)
		dup2(null, STDOUT_FILENO);
	int rc = cmd_demo(3, argv);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	if (null >= 0)
		close(null);
	if (rc != 0)
		fz_fail("civicloop demo failed (%d)", rc);
}

/* The setup job, on the writer's thread: one API key per demo account, so a
 * request can sign in as anyone; and the writer's connection, which the
 * harness borrows from here on (one writer per database: store_open takes
 * a lock). The writer thread stays idle, as every later job comes to
 * __wrap_writer_submit, so the two threads never use it at once. */
static int setup_job(struct wctx *w, struct write_job *job)
{
	struct fz_world *W = job->arg;
	char path[1200];
	snprintf(path, sizeof path, "%s/demo/county.json", app_default_config_dir());
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc)
		fz_fail("%s: %s", path, je.text);
	size_t i;
	json_t *u;
	json_array_foreach(json_object_get(doc, "users"), i, u)
	{
		const char *login = json_string_value(json_object_get(u, "login"));
		if (!login || W->nusers == FZ_MAX_USERS)
			continue;
		char name[96];
		struct err e;
		snprintf(name, sizeof name, "fuzz-%s", login);
		if (apikey_create(w->conn, login, name, w->now, W->apikeys[W->nusers], &e) != 0)
			fz_fail("apikey for %s: %s", login, err_message(&e));
		snprintf(W->logins[W->nusers], sizeof W->logins[0], "%s", login);
		W->nusers++;
	}
	json_decref(doc);
	W->conn = w->conn;
	return 0;
}

static const char *const session_logins[FZ_SESSIONS] = FZ_SESSION_LOGINS;
static char session_tokens[FZ_SESSIONS][TOKEN_HEX_LEN + 1];
static char session_csrf[FZ_SESSIONS][TOKEN_HEX_LEN + 1];

/* Signs in FZ_SESSION_LOGINS through the login route, with its writer job
 * committed by the real writer. */
static void world_sessions(struct fz_world *W)
{
	W->commit_jobs = true;
	for (int i = 0; i < FZ_SESSIONS; i++) {
		char body[160], target[] = "/api/v1/auth/login";
		snprintf(body, sizeof body, "{\"login\":\"%s\",\"password\":\"Demo#2024\"}",
		         session_logins[i]);
		struct fz_request q;
		fz_request_init(&q, "POST");
		fz_request_target(&q, target, strlen(target));
		fz_request_header(&q, "Content-Type", "application/json");
		snprintf(q.address, sizeof q.address, "192.0.2.%d", i + 1);
		q.body = (const uint8_t *)body;
		q.body_len = strlen(body);
		if (fz_request_run(&q) != 200)
			fz_fail("login as %s: %u %s", session_logins[i], q.status, q.resp_body);
		json_t *doc = json_loadb(q.resp_body, q.resp_len, 0, NULL);
		const char *tok = json_string_value(json_object_get(doc, "token"));
		const char *csrf = json_string_value(json_object_get(doc, "csrf_token"));
		if (!tok || !csrf)
			fz_fail("login as %s: no token in %s", session_logins[i], q.resp_body);
		snprintf(session_tokens[i], sizeof session_tokens[i], "%s", tok);
		snprintf(session_csrf[i], sizeof session_csrf[i], "%s", csrf);
		json_decref(doc);
		fz_request_release(&q);
	}
	W->commit_jobs = false;
}

/* The keys of the harness may call every route (issue 15 gives a key only
 * its scopes' routes: api/key_scopes.c, tested by tests/api/apikey_scopes):
 * the fuzzer signs in by key to reach every handler as each account. */
static int fz_key_route_any(const struct actor *a, const char *method, const char *pattern,
                            struct err *e)
{
	(void)a, (void)method, (void)pattern, (void)e;
	return 0;
}

struct fz_world *fz_world(void)
{
	struct fz_world *W = &world;
	if (world_ready)
		return W;
	char db[600], err[512];
	snprintf(db, sizeof db, "%s/demo.db", fz_tmpdir());
	world_demo(db);
	if (app_init(&W->app, db, NULL, 0, err, sizeof err) != 0)
		fz_fail("app_init: %s", err);
	W->now = time_now_ms();
	time_set_fake(W->now);
	W->app.writer = writer_start(&W->app, err, sizeof err);
	if (!W->app.writer)
		fz_fail("writer_start: %s", err);
	if (writer_run(W->app.writer, setup_job, W) != 0 || !W->conn)
		fz_fail("the setup job failed");
	W->app.key_route = fz_key_route_any;
	W->srv = server_start(&W->app, routes, nroutes, "127.0.0.1", 0, 1, 60, err, sizeof err);
	if (!W->srv)
		fz_fail("server_start: %s", err);
	world_sessions(W);
	if (chain_load_head(W->conn, &W->head) != 0)
		fz_fail("chain_load_head: %s", store_errmsg(W->conn));
	W->cur = W->head;
	world_ready = true;
	return W;
}

const char *fz_apikey(const char *login)
{
	for (int i = 0; i < world.nusers; i++)
		if (!strcmp(world.logins[i], login))
			return world.apikeys[i];
	return NULL;
}

bool fz_case_public(int64_t id, char *no, size_t nocap, char tail[5])
{
	struct case_full cf;
	tail[0] = '\0';
	if (case_load(world.conn, &world.app, id, &cf) != 0)
		return false;
	snprintf(no, nocap, "%s", cf.c.no);
	char *plain = NULL;
	if (cf.c.reporter_enc &&
	    unseal(&world.app.keys, cf.c.reporter_enc, cf.c.reporter_len, &plain, NULL) == 0) {
		json_t *rep = json_loads(plain, 0, NULL);
		const char *phone = json_string_value(json_object_get(rep, "phone"));
		size_t n = phone ? strlen(phone) : 0;
		if (n >= 4)
			snprintf(tail, 5, "%s", phone + n - 4);
		json_decref(rep);
		free(plain);
	}
	case_full_release(&cf);
	return true;
}

void fz_txn_begin(void)
{
	if (world.in_txn)
		return;
	if (store_exec(world.conn, ST_BEGIN) != STORE_OK)
		fz_fail("BEGIN: %s", store_errmsg(world.conn));
	world.cur = world.head;
	world.in_txn = true;
}

void fz_txn_end(void)
{
	if (world.in_txn && store_exec(world.conn, ST_ROLLBACK) != STORE_OK)
		fz_fail("ROLLBACK: %s", store_errmsg(world.conn));
	world.in_txn = false;
	world.cur = world.head;
	time_set_fake(world.now);
}

void fz_clock_advance(int64_t ms)
{
	if (ms > 0)
		time_set_fake(time_now_ms() + ms);
}

/* The writer, in place: the job runs now, in a savepoint of the input's
 * transaction (writer.c's writer_batch() without the COMMIT). */
void __wrap_writer_submit(struct writer *w, struct write_job *job)
{
	if (world.commit_jobs) {
		__real_writer_submit(w, job);
		return;
	}
	bool own = !world.in_txn;
	if (own)
		fz_txn_begin();
	struct wctx ctx = {
	    .conn = world.conn, .app = &world.app, .head = &world.cur, .now = time_now_ms()};
	struct chain_head before = world.cur;
	if (store_exec(world.conn, ST_SAVEPOINT) != STORE_OK)
		fz_fail("SAVEPOINT: %s", store_errmsg(world.conn));
	job->rc = job->run(&ctx, job);
	if (job->rc != 0) {
		store_exec(world.conn, ST_ROLLBACK_TO);
		world.cur = before;
	}
	store_exec(world.conn, ST_RELEASE);
	if (own)
		fz_txn_end();
	if (job->done)
		job->done(job, true);
}

/* ------------------------------------------------------------------ */
/* libmicrohttpd, as far as the server uses it                         */

struct MHD_Daemon {
	MHD_AccessHandlerCallback dh;
	void *dh_cls;
	MHD_RequestCompletedCallback done;
	void *done_cls;
	void *(*uri_log)(void *cls, const char *uri, struct MHD_Connection *c);
	void *uri_log_cls;
	union MHD_DaemonInfo port;
};

struct MHD_Connection {
	struct fz_request *q;
	struct sockaddr_in sa;
	union MHD_ConnectionInfo info;
};

struct MHD_Response {
	char *body;
	size_t len;
	bool owned;
	char content_type[128];
};

static struct MHD_Daemon daemon_1;

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d = &daemon_1;
	memset(d, 0, sizeof *d);
	d->dh = dh;
	d->dh_cls = dh_cls;
	d->port.port = port ? port : 1;
	va_list ap;
	va_start(ap, dh_cls);
	for (;;) {
		int opt = va_arg(ap, int);
		if (opt == MHD_OPTION_END)
			break;
		switch (opt) {
		case MHD_OPTION_NOTIFY_COMPLETED:
			d->done = va_arg(ap, MHD_RequestCompletedCallback);
			d->done_cls = va_arg(ap, void *);
			break;
		case MHD_OPTION_URI_LOG_CALLBACK:
			d->uri_log =
			    va_arg(ap, void *(*)(void *, const char *, struct MHD_Connection *));
			d->uri_log_cls = va_arg(ap, void *);
			break;
		case MHD_OPTION_EXTERNAL_LOGGER:
		case MHD_OPTION_NOTIFY_CONNECTION:
		case MHD_OPTION_UNESCAPE_CALLBACK:
			(void)va_arg(ap, void *);
			(void)va_arg(ap, void *);
			break;
		case MHD_OPTION_SOCK_ADDR:
			(void)va_arg(ap, void *);
			break;
		case MHD_OPTION_CONNECTION_MEMORY_LIMIT:
		case MHD_OPTION_CONNECTION_MEMORY_INCREMENT:
		case MHD_OPTION_THREAD_STACK_SIZE:
			(void)va_arg(ap, size_t);
			break;
		case MHD_OPTION_CONNECTION_LIMIT:
		case MHD_OPTION_CONNECTION_TIMEOUT:
		case MHD_OPTION_PER_IP_CONNECTION_LIMIT:
		case MHD_OPTION_THREAD_POOL_SIZE:
		case MHD_OPTION_LISTENING_ADDRESS_REUSE:
		case MHD_OPTION_LISTEN_BACKLOG_SIZE:
		case MHD_OPTION_SERVER_INSANITY:
		case MHD_OPTION_SIGPIPE_HANDLED_BY_APP:
			(void)va_arg(ap, unsigned int);
			break;
		case MHD_OPTION_STRICT_FOR_CLIENT:
		case MHD_OPTION_LISTEN_SOCKET:
			(void)va_arg(ap, int);
			break;
		default:
			fz_fail(
			    "fuzz/harness.c does not know MHD option %d: teach MHD_start_daemon",
			    opt);
		}
	}
	va_end(ap);
	(void)flags;
	(void)apc;
	(void)apc_cls;
	return d;
}

void MHD_stop_daemon(struct MHD_Daemon *d)
{
	(void)d;
}

const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType type,
                                                ...)
{
	return type == MHD_DAEMON_INFO_BIND_PORT ? &d->port : NULL;
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c,
                                                        enum MHD_ConnectionInfoType type, ...)
{
	if (type != MHD_CONNECTION_INFO_CLIENT_ADDRESS)
		return NULL;
	memset(&c->sa, 0, sizeof c->sa);
	c->sa.sin_family = AF_INET;
	if (inet_pton(AF_INET, c->q->address, &c->sa.sin_addr) != 1)
		inet_pton(AF_INET, "127.0.0.1", &c->sa.sin_addr);
	c->info.client_addr = (struct sockaddr *)&c->sa;
	return &c->info;
}

static bool key_match(const struct fz_value *v, enum MHD_ValueKind kind, const char *key)
{
	if (!(v->kind & (int)kind))
		return false;
	if (!key || !v->key)
		return !key && !v->key;
	return v->kind == MHD_HEADER_KIND ? !strcasecmp(v->key, key) : !strcmp(v->key, key);
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                        const char *key)
{
	for (int i = 0; i < c->q->nvalues; i++)
		if (key_match(&c->q->values[i], kind, key))
			return c->q->values[i].value;
	return NULL;
}

int MHD_get_connection_values_n(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                MHD_KeyValueIteratorN iterator, void *cls)
{
	int n = 0;
	for (int i = 0; i < c->q->nvalues; i++) {
		const struct fz_value *v = &c->q->values[i];
		if (!(v->kind & (int)kind))
			continue;
		n++;
		if (iterator && iterator(cls, (enum MHD_ValueKind)v->kind, v->key, v->key_len,
		                         v->value, v->value_len) != MHD_YES)
			break;
	}
	return n;
}

/* A suspended request may be resumed from another thread (the writer's,
 * or the offload pool's for password hashing): resume_mu guards the flags. */
static pthread_mutex_t resume_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t resume_cv = PTHREAD_COND_INITIALIZER;

void MHD_suspend_connection(struct MHD_Connection *c)
{
	pthread_mutex_lock(&resume_mu);
	bool twice = c->q->suspended && !c->q->resumed;
	c->q->suspended = true;
	c->q->resumed = false;
	pthread_mutex_unlock(&resume_mu);
	if (twice)
		fz_fail("connection suspended twice");
}

void MHD_resume_connection(struct MHD_Connection *c)
{
	pthread_mutex_lock(&resume_mu);
	bool stray = !c->q->suspended;
	c->q->resumed = true;
	pthread_cond_broadcast(&resume_cv);
	pthread_mutex_unlock(&resume_mu);
	if (stray)
		fz_fail("connection resumed without being suspended");
}

/* Waits until a suspended request is resumed; false after a minute. */
static bool wait_resumed(struct fz_request *q)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 60;
	pthread_mutex_lock(&resume_mu);
	while (!q->resumed)
		if (pthread_cond_timedwait(&resume_cv, &resume_mu, &ts) != 0)
			break;
	bool ok = q->resumed;
	pthread_mutex_unlock(&resume_mu);
	return ok;
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode)
{
	if (size && !buffer)
		return NULL;
	struct MHD_Response *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->len = size;
	if (mode == MHD_RESPMEM_MUST_FREE) {
		r->body = buffer;
		r->owned = true;
	} else {
		r->body = malloc(size + 1);
		if (!r->body) {
			free(r);
			return NULL;
		}
		if (size)
			memcpy(r->body, buffer, size);
		r->owned = true;
	}
	return r;
}

/* As MHD: the response owns fd and closes it; here it is read at once. */
struct MHD_Response *MHD_create_response_from_fd64(uint64_t size, int fd)
{
	char *body = size < (1u << 30) ? malloc((size_t)size + 1) : NULL;
	size_t got = 0;
	while (body && got < size) {
		ssize_t n = pread(fd, body + got, (size_t)size - got, (off_t)got);
		if (n <= 0)
			fz_fail("a file response of %llu bytes ends after %zu",
			        (unsigned long long)size, got);
		got += (size_t)n;
	}
	struct MHD_Response *r =
	    body ? MHD_create_response_from_buffer(got, body, MHD_RESPMEM_MUST_FREE) : NULL;
	if (!r) {
		free(body);
		return NULL; /* as MHD: the descriptor stays the caller's */
	}
	close(fd);
	return r;
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r, const char *header,
                                        const char *content)
{
	if (!r || !header || !content)
		return MHD_NO;
	if (strpbrk(header, "\r\n") || strpbrk(content, "\r\n"))
		return MHD_NO; /* as MHD: no header injection */
	if (!strcasecmp(header, MHD_HTTP_HEADER_CONTENT_TYPE))
		snprintf(r->content_type, sizeof r->content_type, "%s", content);
	return MHD_YES;
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int status,
                                   struct MHD_Response *r)
{
	struct fz_request *q = c->q;
	if (!r)
		return MHD_NO;
	if (q->queued++)
		fz_fail("%s %s: a second response was queued", q->method, q->uri);
	q->status = status;
	q->resp_body = fz_strndup((const uint8_t *)r->body, r->len);
	q->resp_len = r->len;
	snprintf(q->content_type, sizeof q->content_type, "%s", r->content_type);
	return MHD_YES;
}

void MHD_destroy_response(struct MHD_Response *r)
{
	if (!r)
		return;
	if (r->owned)
		free(r->body);
	free(r);
}

/* ------------------------------------------------------------------ */
/* requests                                                            */

/* MHD_http_unescape(): %XX decoded, anything else kept; plus as space
 * when asked (query arguments). Returns a new string and its length. */
static char *unescape(const char *s, size_t n, bool plus, size_t *len)
{
	char *out = malloc(n + 1);
	if (!out)
		fz_fail("out of memory");
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hex_digit((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_digit((unsigned char)s[i + 2])) >= 0) {
			out[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[k++] = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	out[k] = '\0';
	*len = k;
	return out;
}

/* The server's own call (Open311's form bodies): as libmicrohttpd's, in
 * place, %XX decoded, '+' and anything else kept; the new length. */
size_t MHD_http_unescape(char *val)
{
	size_t n = strlen(val), len;
	char *out = unescape(val, n, false, &len);
	memcpy(val, out, len + 1);
	free(out);
	return len;
}

static void add_value(struct fz_request *q, int kind, const char *key, size_t klen,
                      const char *value, size_t vlen, bool decode)
{
	if (q->nvalues == FZ_MAX_VALUES)
		return;
	struct fz_value *v = &q->values[q->nvalues++];
	v->kind = kind;
	if (decode) {
		v->key = unescape(key, klen, true, &v->key_len);
		v->value = value ? unescape(value, vlen, true, &v->value_len) : NULL;
	} else {
		v->key = fz_strndup((const uint8_t *)key, klen);
		v->key_len = klen;
		v->value = value ? fz_strndup((const uint8_t *)value, vlen) : NULL;
		v->value_len = value ? vlen : 0;
	}
}

void fz_request_init(struct fz_request *q, const char *method)
{
	memset(q, 0, sizeof *q);
	snprintf(q->method, sizeof q->method, "%s", method);
	snprintf(q->address, sizeof q->address, "127.0.0.1");
	q->url = strdup("/");
	q->uri = strdup("/");
}

void fz_request_target(struct fz_request *q, const char *target, size_t n)
{
	free(q->url);
	free(q->uri);
	q->uri = fz_strndup((const uint8_t *)target, n);
	const char *qm = memchr(target, '?', n);
	size_t plen = qm ? (size_t)(qm - target) : n, len;
	q->url = unescape(target, plen, false, &len);
	if (!qm)
		return;
	const char *p = qm + 1, *end = target + n;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (stop > p)
			add_value(q, MHD_GET_ARGUMENT_KIND, p, (size_t)((eq ? eq : stop) - p),
			          eq ? eq + 1 : NULL, eq ? (size_t)(stop - eq - 1) : 0, true);
		p = stop + 1;
	}
}

void fz_request_header(struct fz_request *q, const char *name, const char *value)
{
	add_value(q, MHD_HEADER_KIND, name, strlen(name), value, strlen(value), false);
	if (strcasecmp(name, "Cookie"))
		return;
	/* "a=1; b=2" */
	const char *p = value;
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *stop = strchr(p, ';');
		if (!stop)
			stop = p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (eq && stop > p)
			add_value(q, MHD_COOKIE_KIND, p, (size_t)(eq - p), eq + 1,
			          (size_t)(stop - eq - 1), false);
		p = stop;
	}
}

bool fz_request_as(struct fz_request *q, const char *login)
{
	const char *key = fz_apikey(login);
	if (key)
		fz_request_header(q, "X-API-Key", key);
	apikey_rate_reset_all(); /* each input's answer its own, never 429 from earlier ones */
	return key != NULL;
}

bool fz_request_session(struct fz_request *q, const char *login, bool cookie)
{
	for (int i = 0; i < FZ_SESSIONS; i++) {
		if (strcmp(session_logins[i], login) || !session_tokens[i][0])
			continue;
		char h[200];
		if (cookie) {
			snprintf(h, sizeof h, "cl_session=%s; cl_csrf=%s", session_tokens[i],
			         session_csrf[i]);
			fz_request_header(q, "Cookie", h);
			fz_request_header(q, "X-CSRF-Token", session_csrf[i]);
		} else {
			snprintf(h, sizeof h, "Bearer %s", session_tokens[i]);
			fz_request_header(q, "Authorization", h);
		}
		return true;
	}
	return false;
}

/* API.md: every answer is JSON unless the route serves something else, and
 * an error is {"error":{"code","message","field"?}} with strings; Open311's
 * JSON errors are the spec's [{"code","description"}]. */
static void check_answer(const struct fz_request *q)
{
	if (q->queued != 1)
		fz_fail("%s %s: %d responses queued, want 1", q->method, q->uri, q->queued);
	if (q->status < 100 || q->status > 599)
		fz_fail("%s %s: status %u", q->method, q->uri, q->status);
	if (strncmp(q->content_type, "application/json", 16))
		return;
	json_error_t je;
	json_t *doc = json_loadb(q->resp_body, q->resp_len, 0, &je);
	if (!doc)
		fz_fail("%s %s: %u answer is not JSON (%s): %.200s", q->method, q->uri, q->status,
		        je.text, q->resp_body);
	if (q->status >= 400 && !strncmp(q->uri, "/open311/", 9) && json_is_array(doc)) {
		/* Open311's routes answer the GeoReport v2 list (docs/open311.md);
		 * a path no route matches, or a wrong method, API.md's shape */
		json_t *e = json_array_get(doc, 0);
		if (!json_is_integer(json_object_get(e, "code")) ||
		    !json_is_string(json_object_get(e, "description")))
			fz_fail("%s %s: %u answer is no GeoReport error list: %.200s", q->method,
			        q->uri, q->status, q->resp_body);
	} else if (q->status >= 400) {
		json_t *e = json_object_get(doc, "error");
		if (!json_is_string(json_object_get(e, "code")) ||
		    !json_is_string(json_object_get(e, "message")))
			fz_fail("%s %s: %u answer lacks error.code/message: %.200s", q->method,
			        q->uri, q->status, q->resp_body);
	}
	json_decref(doc);
}

unsigned fz_request_run(struct fz_request *q)
{
	struct MHD_Daemon *d = &daemon_1;
	if (!d->dh)
		fz_fail("the server was not started (fz_world)");
	struct MHD_Connection conn = {.q = q};
	void *cls = NULL;
	size_t up = 0;
	if (d->uri_log)
		cls = d->uri_log(d->uri_log_cls, q->uri, &conn);
	enum MHD_Result rc =
	    d->dh(d->dh_cls, &conn, q->url, q->method, MHD_HTTP_VERSION_1_1, NULL, &up, &cls);
	/* the body in pieces, as MHD reads it */
	size_t off = 0;
	while (rc == MHD_YES && off < q->body_len && !q->queued) {
		size_t n = q->body_len - off < 4096 ? q->body_len - off : 4096;
		up = n;
		rc = d->dh(d->dh_cls, &conn, q->url, q->method, MHD_HTTP_VERSION_1_1,
		           (const char *)q->body + off, &up, &cls);
		if (up >= n && rc == MHD_YES)
			fz_fail("%s %s: the body is never consumed", q->method, q->uri);
		off += n - up;
	}
	if (rc == MHD_YES && !q->queued) {
		up = 0;
		rc = d->dh(d->dh_cls, &conn, q->url, q->method, MHD_HTTP_VERSION_1_1, NULL, &up,
		           &cls);
	}
	if (rc == MHD_YES && !q->queued && q->suspended) {
		if (!wait_resumed(q))
			fz_fail("%s %s: suspended and never resumed", q->method, q->uri);
		up = 0;
		rc = d->dh(d->dh_cls, &conn, q->url, q->method, MHD_HTTP_VERSION_1_1, NULL, &up,
		           &cls);
	}
	if (d->done)
		d->done(d->done_cls, &conn, &cls,
		        rc == MHD_YES ? MHD_REQUEST_TERMINATED_COMPLETED_OK
		                      : MHD_REQUEST_TERMINATED_WITH_ERROR);
	if (rc != MHD_YES && !q->queued)
		fz_fail("%s %s: connection closed without an answer", q->method, q->uri);
	check_answer(q);
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "%s %s -> %u %.300s\n", q->method, q->uri, q->status, q->resp_body);
	return q->status;
}

void fz_request_release(struct fz_request *q)
{
	for (int i = 0; i < q->nvalues; i++) {
		free(q->values[i].key);
		free(q->values[i].value);
	}
	free(q->url);
	free(q->uri);
	free(q->resp_body);
	memset(q, 0, sizeof *q);
}
