/*
 * `civicloop gen`'s side indexes, built beside the bulk load on the other
 * core (gen.h, docs/gen.md "The bulk path"): the search index (case_fts)
 * and the duplicate check's point index (case_points). Indexing a case's
 * text is a third of a clone's work (CJK unigrams and bigrams: hundreds
 * of tokens a case) and an R*Tree insert a tenth, and the database has
 * one writer; so the clones' search rows and points go through a queue to
 * a thread that writes them into a database of its own beside the target
 * (FILE-genside: the same schema, store_migrate), the pool's rows first.
 * At the end its two virtual tables' shadow tables (the whole of their
 * state) replace the target's, row for row. The rows are the ones
 * search_add and ST_DUP_POINT_ADD would write: a rebuild of the index
 * gives the same content.
 */
#include "cli/gen.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

/* rows waiting, at most: room for the thread to lag behind the load and
 * catch up while the load's end builds the other indexes */
#define SIDE_QUEUE (1 << 18)
#define SIDE_TAKE 4096 /* rows the thread takes at a time */
#define SIDE_TXN 50000 /* rows a transaction of the side database */
#define FTS_COLS 5     /* no, title, body, address, notes */

struct side_row {
	int64_t id;
	bool point;              /* a point, else a search row */
	bool cut;                /* no row: the rows before it are committed (gen_side_cut) */
	double v[6];             /* the point's ranges: lat, lng, received hours */
	char *block;             /* the search row's strings, one allocation */
	const char *s[FTS_COLS]; /* into block; NULL for NULL */
};

struct gen_side {
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_take;
	struct side_row *ring;  /* SIDE_QUEUE slots from head, n used */
	struct side_row *batch; /* the thread's: the rows it took */
	size_t head, n;
	bool closing; /* no more rows: the thread ends when the queue is empty */
	bool failed;  /* the thread stopped on an error (err says which) */
	struct store_conn *conn;
	char path[1100];
	char err[256];
	int64_t cpu_ms; /* the thread's CPU time, once it ended */
};

static void row_free(struct side_row *r)
{
	free(r->block);
	r->block = NULL;
}

static int row_write(struct gen_side *f, const struct side_row *r)
{
	struct store_stmt *s = store_stmt(f->conn, r->point ? ST_GEN_POINT : ST_SEARCH_INSERT);
	sbind_int(s, 1, r->id);
	for (int i = 0; r->point && i < 6; i++)
		sbind_real(s, 2 + i, r->v[i]);
	for (int i = 0; !r->point && i < FTS_COLS; i++)
		sbind_text(s, 2 + i, r->s[i]);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

/* Takes the queued rows into f->batch (waiting for some, unless closing);
 * their number. */
static size_t take(struct gen_side *f, bool ok, bool *last)
{
	pthread_mutex_lock(&f->mu);
	while (ok && f->n == 0 && !f->closing)
		pthread_cond_wait(&f->can_take, &f->mu);
	size_t n = ok ? f->n < SIDE_TAKE ? f->n : SIDE_TAKE : 0;
	for (size_t i = 0; i < n; i++)
		f->batch[i] = f->ring[(f->head + i) % SIDE_QUEUE];
	f->head = (f->head + n) % SIDE_QUEUE;
	f->n -= n;
	*last = f->closing || !ok;
	if (!ok) { /* the rows left are dropped: the load fails anyway */
		f->failed = true;
		for (; f->n; f->n--, f->head = (f->head + 1) % SIDE_QUEUE)
			row_free(&f->ring[f->head]);
	}
	pthread_cond_broadcast(&f->can_put);
	pthread_mutex_unlock(&f->mu);
	return n;
}

/* Commits the side database's transaction and begins the next: 0 or -1. */
static int txn_restart(struct gen_side *f)
{
	return store_exec(f->conn, ST_COMMIT) == STORE_OK &&
	               store_exec(f->conn, ST_BEGIN) == STORE_OK
	           ? 0
	           : -1;
}

/* The thread: takes the rows in order and writes them, in transactions of
 * SIDE_TXN rows (and one ending at each cut). */
static void *side_main(void *arg)
{
	struct gen_side *f = arg;
	int64_t in_txn = 0;
	int rc = store_exec(f->conn, ST_BEGIN) == STORE_OK ? 0 : -1;
	bool last = false;
	while (!last) {
		size_t n = take(f, rc == 0, &last);
		for (size_t i = 0; i < n; i++) {
			struct side_row *r = &f->batch[i];
			if (r->cut) { /* a segment ends here */
				if (rc == 0 && in_txn > 0)
					rc = txn_restart(f);
				in_txn = 0;
			} else {
				if (rc == 0 && row_write(f, r) != 0)
					rc = -1;
				in_txn++;
			}
			row_free(r);
		}
		if (n)
			last = false; /* until the queue is seen empty */
		if (rc == 0 && in_txn >= SIDE_TXN) {
			rc = txn_restart(f);
			in_txn = 0;
		}
	}
	if (rc == 0 && store_exec(f->conn, ST_COMMIT) != STORE_OK)
		rc = -1;
	/* one segment (ST_GEN_FTS_OPTIMIZE), while the load makes its indexes
	 * again: the side file grows by the index's size until it is removed */
	if (rc == 0 && store_exec(f->conn, ST_GEN_FTS_OPTIMIZE) != STORE_OK)
		rc = -1;
	if (rc != 0) {
		snprintf(f->err, sizeof f->err, "检索与查重索引写入失败: %s",
		         store_errmsg(f->conn));
		bool dummy;
		take(f, false, &dummy);
	}
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
		f->cpu_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return NULL;
}

void gen_side_path(const char *db, char *out, size_t cap)
{
	snprintf(out, cap, "%s-genside", db);
}

/* Removes the side database and what SQLite and the store left beside it. */
static void side_discard(const char *path)
{
	static const char *const suffixes[] = {"", ".lock", "-wal", "-shm", "-journal"};
	char p[1200];
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
		unlink(p);
	}
}

struct gen_side *gen_side_start(const char *db, char *err, size_t errcap)
{
	struct gen_side *f = calloc(1, sizeof *f);
	if (!f || !(f->ring = calloc(SIDE_QUEUE, sizeof *f->ring)) ||
	    !(f->batch = calloc(SIDE_TAKE, sizeof *f->batch))) {
		if (f)
			free(f->ring);
		free(f);
		snprintf(err, errcap, "内存不足");
		return NULL;
	}
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->can_put, NULL);
	pthread_cond_init(&f->can_take, NULL);
	gen_side_path(db, f->path, sizeof f->path);
	side_discard(f->path);
	f->conn = store_open(f->path, false, err, errcap);
	if (!f->conn || store_migrate(f->conn, err, errcap) != 0 ||
	    store_exec(f->conn, ST_GEN_SYNC_OFF) != STORE_OK ||
	    store_exec(f->conn, ST_GEN_JOURNAL_OFF) != STORE_OK ||
	    store_exec(f->conn, ST_GEN_FTS_HASHSIZE) != STORE_OK ||
	    pthread_create(&f->thread, NULL, side_main, f) != 0) {
		if (f->conn && !err[0])
			snprintf(err, errcap, "%s", store_errmsg(f->conn));
		gen_side_free(f);
		return NULL;
	}
	f->started = true;
	return f;
}

static int put(struct gen_side *f, struct side_row *r)
{
	pthread_mutex_lock(&f->mu);
	while (f->n == SIDE_QUEUE && !f->failed)
		pthread_cond_wait(&f->can_put, &f->mu);
	bool failed = f->failed;
	if (!failed) {
		f->ring[(f->head + f->n) % SIDE_QUEUE] = *r;
		f->n++;
		if (f->n == 1)
			pthread_cond_signal(&f->can_take);
	}
	pthread_mutex_unlock(&f->mu);
	if (failed)
		row_free(r);
	return failed ? -1 : 0;
}

int gen_side_search(struct gen_side *f, int64_t id, const char *const s[5])
{
	size_t len[FTS_COLS], total = 0;
	for (int i = 0; i < FTS_COLS; i++) {
		len[i] = s[i] ? strlen(s[i]) + 1 : 0;
		total += len[i];
	}
	struct side_row r = {.id = id, .block = malloc(total ? total : 1)};
	if (!r.block)
		return -1;
	char *p = r.block;
	for (int i = 0; i < FTS_COLS; i++) {
		r.s[i] = s[i] ? p : NULL;
		if (s[i])
			memcpy(p, s[i], len[i]);
		p += len[i];
	}
	return put(f, &r);
}

int gen_side_point(struct gen_side *f, int64_t id, const double v[6])
{
	struct side_row r = {.id = id, .point = true};
	memcpy(r.v, v, sizeof r.v);
	return put(f, &r);
}

int gen_side_cut(struct gen_side *f)
{
	struct side_row r = {.cut = true};
	return put(f, &r);
}

void gen_side_close(struct gen_side *f)
{
	pthread_mutex_lock(&f->mu);
	f->closing = true;
	pthread_cond_signal(&f->can_take);
	pthread_mutex_unlock(&f->mu);
}

int gen_side_finish(struct gen_side *f, char *err, size_t errcap)
{
	if (!f->started)
		return -1;
	gen_side_close(f);
	pthread_join(f->thread, NULL);
	f->started = false;
	store_close(f->conn);
	f->conn = NULL;
	if (f->failed)
		snprintf(err, errcap, "%s", f->err);
	return f->failed ? -1 : 0;
}

/* The side database's two indexes replace c's: the shadow tables of
 * case_fts and case_points copied row for row (c: not in a transaction). */
int gen_side_merge(struct gen_side *f, struct store_conn *c)
{
	static const int steps[] = {
	    ST_BEGIN,
	    ST_GEN_FTS_CLEAR_DATA,
	    ST_GEN_FTS_COPY_DATA,
	    ST_GEN_FTS_CLEAR_IDX,
	    ST_GEN_FTS_COPY_IDX,
	    ST_GEN_FTS_CLEAR_CONTENT,
	    ST_GEN_FTS_COPY_CONTENT,
	    ST_GEN_FTS_CLEAR_DOCSIZE,
	    ST_GEN_FTS_COPY_DOCSIZE,
	    ST_GEN_FTS_CLEAR_CONFIG,
	    ST_GEN_FTS_COPY_CONFIG,
	    ST_GEN_POINTS_CLEAR_NODE,
	    ST_GEN_POINTS_COPY_NODE,
	    ST_GEN_POINTS_CLEAR_ROWID,
	    ST_GEN_POINTS_COPY_ROWID,
	    ST_GEN_POINTS_CLEAR_PARENT,
	    ST_GEN_POINTS_COPY_PARENT,
	    ST_COMMIT,
	};
	struct store_stmt *s = store_stmt(c, ST_GEN_SIDE_ATTACH);
	sbind_text(s, 1, f->path);
	if (sdone(s) != STORE_DONE)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < sizeof steps / sizeof *steps && rc == 0; i++)
		rc = store_exec(c, steps[i]) == STORE_OK ? 0 : -1;
	if (rc != 0)
		store_exec(c, ST_ROLLBACK);
	if (store_exec(c, ST_GEN_SIDE_DETACH) != STORE_OK)
		rc = -1;
	return rc;
}

int64_t gen_side_cpu_ms(const struct gen_side *f)
{
	return f->cpu_ms;
}

void gen_side_free(struct gen_side *f)
{
	if (!f)
		return;
	if (f->started) {
		char err[256];
		gen_side_finish(f, err, sizeof err);
	}
	for (size_t i = 0; i < f->n; i++)
		row_free(&f->ring[(f->head + i) % SIDE_QUEUE]);
	if (f->conn)
		store_close(f->conn);
	side_discard(f->path);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->can_put);
	pthread_cond_destroy(&f->can_take);
	free(f->ring);
	free(f->batch);
	free(f);
}
