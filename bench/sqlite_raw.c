/*
 * sqlite_raw — the baseline for civicloop's benchmark (docs/bench.md): how
 * fast this machine does the same SQLite inserts without any HTTP, JSON,
 * auth, crypto or threads around them.
 *
 * Each test opens a fresh database in --dir with the server's pragmas
 * (journal_mode=WAL, synchronous=FULL, foreign_keys=ON,
 * wal_autocheckpoint=4000), applies the project's own schema
 * (store/schema.h), and inserts rows with the project's own SQL text
 * (store/statements.h). A "row" is what creating a case appends: one cases
 * row (reporter_enc ~80 B and phone_index 32 B blobs) and one events row
 * (~200 B payload, 32 B prev_hash and hash).
 *
 *   one_tx      --rows rows in ONE transaction: one commit, one fsync; the
 *               ceiling for any amount of batching.
 *   batched     --rows rows in transactions of --batch rows each: what
 *               group commit can reach at that batch size.
 *   single      --single transactions of one row each, each committed (one
 *               fsync each): what a server without group commit could do.
 *   shape       like one_tx, but each row also does what the writer does
 *               around a create: SAVEPOINT, the case-number counter upsert,
 *               the due-date timer insert, RELEASE.
 *
 * Prints one line of flat JSON (keys prefixed by test).
 *
 * With --read it instead measures one list query of GET /api/v1/cases on an
 * existing database (the benchmark's, after the create runs), with the
 * server's reader pragmas, the project's own SQL and the bindings
 * core/caseview.c's case_list() makes for that query string and a reader
 * whose case.read scope is the org --scope: the statement of the query's
 * shape (case_list_stmt: ST_CASE_LIST_SCOPE, _STATUS, _TYPE, _OVERDUE,
 * _TEXT …, docs/lists.md), with the same parameters bound:
 *
 *   sql         the list statement alone, stepped to limit + 1 rows.
 *   full        what a list request runs in SQL: BEGIN, the list statement,
 *               then for each item ST_CASE_GET, ST_ASG_OF_CASE and
 *               ST_ORG_BY_ID with every column read, COMMIT. No session
 *               lookup, JSON, decryption or HTTP.
 *
 * Each runs --iterations times or for --seconds, whichever ends first, on
 * one thread. Prints one line of flat JSON.
 *
 * usage: sqlite_raw --dir DIR [--rows N] [--single N] [--batch B]
 *        sqlite_raw --read DB --scope ORG_CODE --query 'limit=50&status=a,b'
 *                   [--iterations N] [--seconds S]
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/search.h"
#include "store/schema.h"
#include "store/sqlite_fts.h"
#include "store/store.h"
#include "util/crypto.h"

static const char *const sql_text[] = {
#define STMT(name, sql) [name] = sql,
    STATEMENT_LIST(STMT)
#undef STMT
};

static const char *opt_dir;

#define READ_MAX_LIMIT 200
#define READ_QS_MAX 512
#define LIST_STATUS_ARMS 4 /* core/caseview.c CASE_STATUS_ARMS: ST_CASE_LIST_STATUS's ?31..?34 */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "sqlite_raw: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "sqlite_raw: %s: %s\n", sql, msg ? msg : "?");
		exit(1);
	}
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static void random_bytes(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		p[i] = (unsigned char)(rng >> 24);
	}
}

struct db {
	sqlite3 *db;
	char path[4096];
	sqlite3_stmt *st[STMT__COUNT];
	int64_t seq;
};

static void remove_files(const char *path)
{
	char p[4200];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

static sqlite3_stmt *stmt(struct db *d, enum stmt_id id)
{
	if (!d->st[id] && sqlite3_prepare_v3(d->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT,
	                                     &d->st[id], NULL) != SQLITE_OK)
		fail(d->db, sql_text[id]);
	sqlite3_reset(d->st[id]);
	sqlite3_clear_bindings(d->st[id]);
	return d->st[id];
}

static void done(struct db *d, sqlite3_stmt *s)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		fail(d->db, "step");
	sqlite3_reset(s);
}

enum { SHAPE_EXTRA = 1, SHAPE_SAVEPOINT = 2, SHAPE_TEMP_MEMORY = 4 };

/* A fresh database with the server's pragmas, schema, one org and one user. */
/* The search tokenizer, as the server registers it (store/sqlite.c). */
static void fts_register(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (sqlite_fts_register(api) != SQLITE_OK)
		fail(db, "FTS5");
}

static void db_open(struct db *d, const char *name, int shape)
{
	memset(d, 0, sizeof *d);
	int n = snprintf(d->path, sizeof d->path, "%s/%s.db", opt_dir, name);
	if (n < 0 || (size_t)n >= sizeof d->path) {
		fprintf(stderr, "sqlite_raw: --dir too long\n");
		exit(2);
	}
	remove_files(d->path);
	if (sqlite3_open_v2(d->path, &d->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK)
		fail(d->db, d->path);
	exec(d->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	            " PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=4000;");
	fts_register(d->db); /* migration 9's table names the tokenizer */
	if (shape & SHAPE_TEMP_MEMORY)
		exec(d->db, "PRAGMA temp_store=MEMORY");
	for (int v = 0; v < SCHEMA_VERSION; v++) {
		exec(d->db, "BEGIN IMMEDIATE");
		exec(d->db, schema_migrations[v]);
		exec(d->db, "COMMIT");
	}
	exec(d->db, "INSERT INTO orgs(id, code, name, kind, parent_id, path)"
	            " VALUES(1, 'county', '演示县', 'county', NULL, '/1/'),"
	            " (2, 'county.12345', '12345 热线', 'centre', 1, '/1/2/');"
	            "INSERT INTO users(id, login, name, org_id, pw_hash, created_at)"
	            " VALUES(1, 'op1', '刘晓燕', 2, 'x', 0);");
}

static void db_close(struct db *d)
{
	for (int i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(d->st[i]);
	if (sqlite3_close(d->db) != SQLITE_OK)
		fail(d->db, "close");
	remove_files(d->path);
}

static const char desc[] = "小区门口道路破损，雨天积水严重，老人孩子出行不便，请尽快派人维修。"
                           "已多次反映未果，希望相关部门重视。";

/* One case row and its "create" event; `shape` adds the writer's savepoint,
 * the case-number counter and the due-date timer. */
static void insert_row(struct db *d, int shape)
{
	int64_t now = wall_ms();
	int64_t n = ++d->seq;
	char no[32];
	if (shape & SHAPE_SAVEPOINT)
		exec(d->db, "SAVEPOINT cmd");
	if (shape & SHAPE_EXTRA) {
		sqlite3_stmt *c = stmt(d, ST_COUNTER_NEXT);
		sqlite3_bind_text(c, 1, "no:RX:20261123", -1, SQLITE_STATIC);
		if (sqlite3_step(c) != SQLITE_ROW)
			fail(d->db, "counter");
		n = sqlite3_column_int64(c, 0);
		sqlite3_reset(c);
	}
	snprintf(no, sizeof no, "RX20261123%06lld", (long long)n);
	unsigned char enc[84], idx[32], prev[32], hash[32];
	random_bytes(enc, sizeof enc);
	random_bytes(idx, sizeof idx);
	random_bytes(prev, sizeof prev);
	random_bytes(hash, sizeof hash);

	sqlite3_stmt *s = stmt(d, ST_CASE_INSERT);
	sqlite3_bind_text(s, 1, no, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, "hotline", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, "投诉", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, "phone", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, "received", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, "小区门口道路破损，雨天积水严重，老人孩子出行不便，请尽快派人", -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(s, 7, desc, -1, SQLITE_STATIC);
	sqlite3_bind_null(s, 8);
	sqlite3_bind_int64(s, 9, 1);
	sqlite3_bind_blob(s, 10, enc, sizeof enc, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 11, idx, sizeof idx, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 12, 0);
	sqlite3_bind_text(s, 13, "{}", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 14, now);
	sqlite3_bind_int64(s, 15, now + 8 * 86400000LL);
	sqlite3_bind_int64(s, 16, 1);
	sqlite3_bind_int64(s, 17, now);
	done(d, s);
	int64_t case_id = sqlite3_last_insert_rowid(d->db);

	if (shape & SHAPE_EXTRA) {
		s = stmt(d, ST_TIMER_INSERT);
		sqlite3_bind_int64(s, 1, case_id);
		sqlite3_bind_null(s, 2);
		sqlite3_bind_text(s, 3, "case_due", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, 1);
		sqlite3_bind_int64(s, 5, now + 8 * 86400000LL);
		sqlite3_bind_int64(s, 6, now + 6 * 86400000LL);
		done(d, s);
	}

	char payload[512];
	snprintf(
	    payload, sizeof payload,
	    "{\"channel\":\"phone\",\"class\":\"投诉\",\"confidential\":false,"
	    "\"no\":\"%s\",\"org\":\"county\",\"received_at\":\"2026-11-23T00:42:09.802+08:00\","
	    "\"type\":\"hotline\"}",
	    no);
	s = stmt(d, ST_EVENT_INSERT);
	sqlite3_bind_int64(s, 1, case_id); /* seq: one event per case here */
	sqlite3_bind_int64(s, 2, case_id);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, 1);
	sqlite3_bind_int64(s, 5, 2);
	sqlite3_bind_text(s, 6, "create", -1, SQLITE_STATIC);
	sqlite3_bind_null(s, 7);
	sqlite3_bind_text(s, 8, "received", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, payload, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 10, prev, sizeof prev, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 11, hash, sizeof hash, SQLITE_TRANSIENT);
	done(d, s);
	if (shape & SHAPE_SAVEPOINT)
		exec(d->db, "RELEASE cmd");
}

/* `rows` rows in transactions of `batch` rows; returns seconds, and the
 * time spent in COMMIT in *commit_s. */
static double run_batched(const char *name, long rows, long batch, int shape, double *commit_s,
                          double *lat, long nlat)
{
	struct db d;
	db_open(&d, name, shape);
	double commit = 0, t0 = now_s();
	long tx = 0;
	for (long i = 0; i < rows; tx++) {
		double ts = now_s();
		exec(d.db, "BEGIN IMMEDIATE");
		for (long k = 0; k < batch && i < rows; k++, i++)
			insert_row(&d, shape);
		double tc = now_s();
		exec(d.db, "COMMIT");
		double te = now_s();
		commit += te - tc;
		if (lat && tx < nlat)
			lat[tx] = te - ts;
	}
	double secs = now_s() - t0;
	db_close(&d);
	if (commit_s)
		*commit_s = commit;
	return secs;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static long parse_long(const char *s, long lo, long hi, const char *name)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "sqlite_raw: %s must be an integer in [%ld, %ld]\n", name, lo, hi);
		exit(2);
	}
	return v;
}

/* ------------------------------------------------------------------ */
/* --read: one list query, as case_list() binds it                      */

/* One GET /api/v1/cases query string, decoded. Strings point into buf. */
struct list_query {
	char buf[READ_QS_MAX];
	const char *type, *status, *queue, *q;
	long limit;
	int64_t cursor;
	bool overdue;
	char statuses[READ_QS_MAX * 2]; /* status=a,b as a JSON array, or "" */
	/* status=a,b one code an arm (?31..), as case_list() splits it; 0 codes
	 * when there are more than LIST_STATUS_ARMS (then residual) */
	char status_code[LIST_STATUS_ARMS][READ_QS_MAX];
	int nstatus;
	char match[SEARCH_MATCH_CAP]; /* q as the full-text query (core/search.h) */
};

/* Decodes %XX and '+' in place. */
static void url_decode(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		int hi, lo;
		if (*p == '%' && (hi = hex_digit((unsigned char)p[1])) >= 0 &&
		    (lo = hex_digit((unsigned char)p[2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			p += 2;
		} else {
			*o++ = *p == '+' ? ' ' : *p;
		}
	}
	*o = '\0';
}

static void read_usage(const char *why)
{
	fprintf(stderr, "sqlite_raw: --query: %s\n", why);
	exit(2);
}

/* Parses the query string the way api_case_list() reads it, for the
 * parameters the benchmark uses (limit, cursor, status, queue, q, type,
 * overdue); anything else is refused rather than silently ignored. */
static void list_query_parse(struct list_query *lq, const char *qs)
{
	memset(lq, 0, sizeof *lq);
	lq->limit = 50;
	if (strlen(qs) >= sizeof lq->buf)
		read_usage("too long");
	memcpy(lq->buf, qs, strlen(qs) + 1);
	for (char *p = lq->buf; p && *p;) {
		char *amp = strchr(p, '&');
		if (amp)
			*amp = '\0';
		char *eq = strchr(p, '=');
		if (!eq)
			read_usage("a parameter without '='");
		*eq = '\0';
		char *v = eq + 1;
		url_decode(p);
		url_decode(v);
		if (!strcmp(p, "limit"))
			lq->limit = parse_long(v, 1, READ_MAX_LIMIT, "limit");
		else if (!strcmp(p, "cursor"))
			lq->cursor = parse_long(v, 1, INT64_MAX / 2, "cursor");
		else if (!strcmp(p, "status") && *v)
			lq->status = v;
		else if (!strcmp(p, "queue") && *v)
			lq->queue = v;
		else if (!strcmp(p, "q") && *v)
			lq->q = v;
		else if (!strcmp(p, "type") && *v)
			lq->type = v;
		else if (!strcmp(p, "overdue"))
			lq->overdue = !strcmp(v, "1");
		else
			read_usage("a parameter sqlite_raw does not bind");
		p = amp ? amp + 1 : NULL;
	}
	if (lq->queue && strcmp(lq->queue, "dispatch"))
		read_usage("the only queue is dispatch");
	if (lq->status) {
		size_t k = 0;
		lq->statuses[k++] = '[';
		lq->statuses[k++] = '"';
		for (const char *p = lq->status; *p; p++) {
			if (*p == ',') {
				memcpy(lq->statuses + k, "\",\"", 3);
				k += 3;
			} else if ((*p >= 'a' && *p <= 'z') || *p == '_') {
				lq->statuses[k++] = *p;
			} else {
				read_usage("a status is lower-case letters and '_'");
			}
		}
		lq->statuses[k++] = '"';
		lq->statuses[k++] = ']';
		lq->statuses[k] = '\0';
		for (const char *p = lq->status; *p;) { /* status_codes_split */
			size_t n = strcspn(p, ",");
			if (lq->nstatus == LIST_STATUS_ARMS) {
				lq->nstatus = 0;
				break;
			}
			memcpy(lq->status_code[lq->nstatus], p, n);
			lq->status_code[lq->nstatus++][n] = '\0';
			p += n + (p[n] == ',');
		}
	}
	struct err e;
	if (lq->q && search_match(lq->q, lq->match, &e) != 0)
		read_usage(err_message(&e));
	if (lq->q && !lq->match[0]) /* the server's literal LIKE (?27) is not mirrored */
		read_usage("q has no word for the search index");
}

/* The work queue of config/types/hotline.json, mirrored: queue=dispatch is
 * the hotline's (the one type declaring it, so the list is that type's), its
 * statuses and parts' statuses; every open overdue case joins it too. */
static const char dispatch_type[] = "hotline";
static const char dispatch_statuses[] =
    "[\"received\",\"return_requested\",\"extension_requested\"]";
static const char dispatch_asg_statuses[] = "[\"return_requested\",\"extension_requested\"]";

/* Whether the scope path is a root's ("/1/": a whole county). */
static bool scope_is_root(const char *path)
{
	const char *second = strchr(path + 1, '/');
	return second && !second[1];
}

/* The statement of the query's shape, as case_list_stmt() in
 * core/caseview.c picks it for the parameters sqlite_raw takes (newest
 * first, one reader scope). */
static enum stmt_id list_stmt(const struct list_query *lq, const char *scope)
{
	if (lq->q && lq->match[0])
		return ST_CASE_LIST_TEXT;
	if (lq->overdue)
		return ST_CASE_LIST_OVERDUE;
	if (scope_is_root(scope)) {
		bool typed = lq->type || lq->queue;
		if (lq->nstatus)
			return typed ? ST_CASE_LIST_TYPE_STATUS : ST_CASE_LIST_STATUS;
		if (typed)
			return ST_CASE_LIST_TYPE;
	}
	return ST_CASE_LIST_SCOPE;
}

/* Binds the query's statement as case_list() does for one reader scope
 * (case_list_bind: the same numbers in every shape's statement). */
static sqlite3_stmt *list_bind(struct db *d, const struct list_query *lq, const char *scope)
{
	int64_t now = wall_ms();
	sqlite3_stmt *s = stmt(d, list_stmt(lq, scope));
	sqlite3_bind_text(s, 1, scope, -1, SQLITE_STATIC);
	if (lq->type || lq->queue)
		sqlite3_bind_text(s, 4, lq->type ? lq->type : dispatch_type, -1, SQLITE_STATIC);
	if (lq->status)
		sqlite3_bind_text(s, 5, lq->statuses, -1, SQLITE_STATIC);
	if (lq->overdue)
		sqlite3_bind_int64(s, 9, now);
	if (lq->q) /* a word for the index (list_query_parse); ?14 is for sort=due only */
		sqlite3_bind_text(s, 10, lq->match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, lq->cursor ? lq->cursor : INT64_MAX);
	sqlite3_bind_int64(s, 29, 0); /* the ids' lower end (an export's from..to) */
	sqlite3_bind_int64(s, 13, lq->limit + 1);
	if (lq->queue) {
		sqlite3_bind_text(s, 15, dispatch_statuses, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 16, now);
		sqlite3_bind_text(s, 20, dispatch_asg_statuses, -1, SQLITE_STATIC);
	}
	for (int i = 0; i < lq->nstatus; i++)
		sqlite3_bind_text(s, 31 + i, lq->status_code[i], -1, SQLITE_STATIC);
	return s;
}

/* Reads every column of the current row, as case_row_read() and the
 * assignment loop do (without copying). */
static void touch_columns(sqlite3_stmt *s)
{
	int n = sqlite3_column_count(s);
	for (int i = 0; i < n; i++) {
		if (sqlite3_column_type(s, i) == SQLITE_BLOB)
			(void)sqlite3_column_blob(s, i);
		else
			(void)sqlite3_column_text(s, i);
	}
}

/* One execution; full adds the read transaction and the per-item loads.
 * Returns the number of items (at most limit); *more is set as
 * next_cursor would be. */
static int list_run(struct db *d, const struct list_query *lq, const char *scope, bool full,
                    bool *more)
{
	int64_t ids[READ_MAX_LIMIT];
	int n = 0, rc;
	if (full)
		exec(d->db, "BEGIN");
	sqlite3_stmt *s = list_bind(d, lq, scope);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == lq->limit)
			break;
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail(d->db, "list");
	*more = rc == SQLITE_ROW;
	sqlite3_reset(s);
	for (int i = 0; full && i < n; i++) {
		s = stmt(d, ST_CASE_GET);
		sqlite3_bind_int64(s, 1, ids[i]);
		if (sqlite3_step(s) != SQLITE_ROW)
			fail(d->db, "case get");
		touch_columns(s);
		int64_t org = sqlite3_column_int64(s, 9);
		sqlite3_reset(s);
		s = stmt(d, ST_ASG_OF_CASE);
		sqlite3_bind_int64(s, 1, ids[i]);
		while (sqlite3_step(s) == SQLITE_ROW)
			touch_columns(s);
		sqlite3_reset(s);
		s = stmt(d, ST_ORG_BY_ID);
		sqlite3_bind_int64(s, 1, org);
		if (sqlite3_step(s) == SQLITE_ROW)
			touch_columns(s);
		sqlite3_reset(s);
	}
	if (full)
		exec(d->db, "COMMIT");
	return n;
}

struct read_result {
	long runs;
	double seconds, p50_ms, p99_ms;
};

static void read_measure(struct db *d, const struct list_query *lq, const char *scope, bool full,
                         long iterations, double max_s, struct read_result *out)
{
	double *lat = calloc((size_t)iterations, sizeof *lat);
	if (!lat)
		fail(NULL, "out of memory");
	bool more;
	list_run(d, lq, scope, full, &more); /* warm the statement and the page cache */
	double t0 = now_s(), t = t0;
	long k = 0;
	while (k < iterations && t - t0 < max_s) {
		double ts = t;
		list_run(d, lq, scope, full, &more);
		t = now_s();
		lat[k++] = t - ts;
	}
	qsort(lat, (size_t)k, sizeof *lat, cmp_double);
	out->runs = k;
	out->seconds = t - t0;
	out->p50_ms = lat[(k + 1) / 2 - 1] * 1000;
	out->p99_ms = lat[(long)(0.99 * (double)k + 0.999999) - 1] * 1000;
	free(lat);
}

static int read_main(const char *path, const char *scope_code, const char *qs, long iterations,
                     double max_s)
{
	struct db d;
	memset(&d, 0, sizeof d);
	if (sqlite3_open_v2(path, &d.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		fail(d.db, path);
	exec(d.db, "PRAGMA foreign_keys=ON; PRAGMA query_only=ON; PRAGMA temp_store=MEMORY;");
	fts_register(d.db);
	struct list_query lq;
	list_query_parse(&lq, qs);
	char scope[256] = "";
	sqlite3_stmt *s = stmt(&d, ST_ORG_BY_CODE);
	sqlite3_bind_text(s, 1, scope_code, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(scope, sizeof scope, "%s", (const char *)sqlite3_column_text(s, 5));
	sqlite3_reset(s);
	if (!scope[0]) {
		fprintf(stderr, "sqlite_raw: --scope %s is not an org of %s\n", scope_code, path);
		return 2;
	}
	/* rows stepped through in full scans, and VM steps, of one execution */
	bool more;
	sqlite3_stmt *ls = stmt(&d, list_stmt(&lq, scope));
	(void)sqlite3_stmt_status(ls, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
	(void)sqlite3_stmt_status(ls, SQLITE_STMTSTATUS_VM_STEP, 1);
	int items = list_run(&d, &lq, scope, false, &more);
	int scan = sqlite3_stmt_status(ls, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
	int vm = sqlite3_stmt_status(ls, SQLITE_STMTSTATUS_VM_STEP, 0);
	int64_t ncases = 0;
	if (sqlite3_prepare_v2(d.db, "SELECT count(*) FROM cases", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		fail(d.db, "count");
	ncases = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);

	struct read_result sql, full;
	read_measure(&d, &lq, scope, false, iterations, max_s, &sql);
	read_measure(&d, &lq, scope, true, iterations, max_s, &full);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"sqlite\":\"%s\",\"cases\":%lld,\"items\":%d,\"more\":%s,"
	       "\"scan_steps\":%d,\"vm_steps\":%d,"
	       "\"sql_runs\":%ld,\"sql_seconds\":%.3f,\"sql_rate\":%.1f,\"sql_p50_ms\":%.3f,"
	       "\"sql_p99_ms\":%.3f,"
	       "\"full_runs\":%ld,\"full_seconds\":%.3f,\"full_rate\":%.1f,\"full_p50_ms\":%.3f,"
	       "\"full_p99_ms\":%.3f,\"cpu_s\":%.2f}\n",
	       sqlite3_libversion(), (long long)ncases, items, more ? "true" : "false", scan, vm,
	       sql.runs, sql.seconds, (double)sql.runs / sql.seconds, sql.p50_ms, sql.p99_ms,
	       full.runs, full.seconds, (double)full.runs / full.seconds, full.p50_ms, full.p99_ms,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	for (int i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(d.st[i]);
	sqlite3_close(d.db);
	return 0;
}

int main(int argc, char **argv)
{
	long rows = 20000, single = 500, batch = 64, iterations = 2000, read_seconds = 3;
	const char *read_db = NULL, *scope = NULL, *query = NULL;
	bool bad = argc % 2 == 0; /* every option takes one value */
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dir"))
			opt_dir = argv[i + 1];
		else if (!strcmp(argv[i], "--read"))
			read_db = argv[i + 1];
		else if (!strcmp(argv[i], "--scope"))
			scope = argv[i + 1];
		else if (!strcmp(argv[i], "--query"))
			query = argv[i + 1];
		else if (!strcmp(argv[i], "--iterations"))
			iterations = parse_long(argv[i + 1], 1, 10000000, "--iterations");
		else if (!strcmp(argv[i], "--seconds"))
			read_seconds = parse_long(argv[i + 1], 1, 600, "--seconds");
		else if (!strcmp(argv[i], "--rows"))
			rows = parse_long(argv[i + 1], 1, 10000000, "--rows");
		else if (!strcmp(argv[i], "--single"))
			single = parse_long(argv[i + 1], 1, 1000000, "--single");
		else if (!strcmp(argv[i], "--batch"))
			batch = parse_long(argv[i + 1], 1, 1000000, "--batch");
		else
			bad = true;
	}
	if (!bad && read_db && scope && query && !opt_dir)
		return read_main(read_db, scope, query, iterations, (double)read_seconds);
	if (bad || !opt_dir || read_db || scope || query) {
		fputs("usage: sqlite_raw --dir DIR [--rows N] [--single N] [--batch B]\n"
		      "       sqlite_raw --read DB --scope ORG_CODE --query QUERY_STRING\n"
		      "                  [--iterations N] [--seconds S]\n",
		      stderr);
		return 2;
	}

	double one_commit = 0, batched_commit = 0, shape_commit = 0;
	double one = run_batched("raw-one-tx", rows, rows, 0, &one_commit, NULL, 0);
	double batched = run_batched("raw-batched", rows, batch, 0, &batched_commit, NULL, 0);
	double nosp = run_batched("raw-nosp", rows, rows, SHAPE_EXTRA, NULL, NULL, 0);
	double shape = run_batched("raw-shape", rows, rows, SHAPE_EXTRA | SHAPE_SAVEPOINT,
	                           &shape_commit, NULL, 0);
	double shape_mem =
	    run_batched("raw-shape-mem", rows, rows,
	                SHAPE_EXTRA | SHAPE_SAVEPOINT | SHAPE_TEMP_MEMORY, NULL, NULL, 0);
	double *lat = calloc((size_t)single, sizeof *lat);
	if (!lat)
		return 1;
	double one_by_one = run_batched("raw-single", single, 1, 0, NULL, lat, single);
	qsort(lat, (size_t)single, sizeof *lat, cmp_double);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long k50 = (single + 1) / 2 - 1, k99 = (long)(0.99 * (double)single + 0.999999) - 1;

	printf("{\"sqlite\":\"%s\","
	       "\"one_tx_rows\":%ld,\"one_tx_seconds\":%.4f,\"one_tx_rate\":%.0f,"
	       "\"one_tx_commit_ms\":%.2f,"
	       "\"batched_rows\":%ld,\"batched_batch\":%ld,\"batched_seconds\":%.4f,"
	       "\"batched_rate\":%.0f,\"batched_commit_ms_avg\":%.3f,"
	       "\"extra_rate\":%.0f,\"shape_rows\":%ld,\"shape_seconds\":%.4f,\"shape_rate\":%.0f,"
	       "\"shape_temp_memory_rate\":%.0f,"
	       "\"single_txs\":%ld,\"single_seconds\":%.4f,\"single_rate\":%.1f,"
	       "\"single_p50_ms\":%.3f,\"single_p99_ms\":%.3f,\"cpu_s\":%.2f}\n",
	       sqlite3_libversion(), rows, one, (double)rows / one, one_commit * 1000, rows, batch,
	       batched, (double)rows / batched,
	       batched_commit * 1000 / (double)((rows + batch - 1) / batch), (double)rows / nosp,
	       rows, shape, (double)rows / shape, (double)rows / shape_mem, single, one_by_one,
	       (double)single / one_by_one, lat[k50] * 1000, lat[k99] * 1000,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	free(lat);
	return 0;
}
