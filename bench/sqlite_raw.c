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
 * usage: sqlite_raw --dir DIR [--rows N] [--single N] [--batch B]
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

#include "store/schema.h"
#include "store/store.h"

static const char *const sql_text[] = {
#define STMT(name, sql) [name] = sql,
    STATEMENT_LIST(STMT)
#undef STMT
};

static const char *opt_dir;

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

int main(int argc, char **argv)
{
	long rows = 20000, single = 500, batch = 64;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dir"))
			opt_dir = argv[i + 1];
		else if (!strcmp(argv[i], "--rows"))
			rows = parse_long(argv[i + 1], 1, 10000000, "--rows");
		else if (!strcmp(argv[i], "--single"))
			single = parse_long(argv[i + 1], 1, 1000000, "--single");
		else if (!strcmp(argv[i], "--batch"))
			batch = parse_long(argv[i + 1], 1, 1000000, "--batch");
		else
			opt_dir = NULL, i = argc;
	}
	if (!opt_dir || argc % 2 == 0) {
		fputs("usage: sqlite_raw --dir DIR [--rows N] [--single N] [--batch B]\n", stderr);
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
