/* The group-commit writer thread, see writer.h. */
#include "core/writer.h"
#include "core/app.h"
#include "core/counter_cache.h"
#include "core/routing_cache.h"
#include "core/outbox.h"
#include "core/part_due.h"
#include "core/search.h"
#include "core/stats.h"
#include "core/sms.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/thread.h"
#include "util/timeutil.h"

/* A checkpoint is signed when this many events have been appended since the
 * last one, or this much time has passed with new events. */
#define CHECKPOINT_EVERY_EVENTS 1000
#define CHECKPOINT_EVERY_MS (60 * 1000)

struct writer {
	struct app *app;
	struct store_conn *conn;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct write_job *head, *tail; /* queue, guarded by mu */
	bool stopping;
	struct chain_head chain; /* only the writer thread touches it */
	int64_t last_checkpoint_seq;
	int64_t last_checkpoint_at;
	struct counter_cache counters; /* only the writer thread touches it */
	_Atomic uint64_t batches[WRITER_BATCH_BUCKETS];
	_Atomic uint64_t jobs;
	_Atomic uint64_t turns, turn_wait_ns; /* writer_take_turn (PostgreSQL) */
};

int wctx_event(struct wctx *w, const struct event_rec *e)
{
	int rc = chain_append(w->conn, w->head, e);
	if (rc == 0) /* the webhooks it causes, in its transaction (core/outbox.h) */
		rc = outbox_on_event(w, e, w->head->seq);
	if (rc == 0 && sms_on_event(w, e) != 0) /* the texts it calls for (core/sms.h) */
		rc = STORE_ERROR;
	return rc;
}

int wctx_counter_next(struct wctx *w, const char *name, const char *region, int64_t *out)
{
	if (w->counters)
		return counter_cache_next(w->counters, w->conn, name, region, out);
	/* a wctx of no writer (engine_hints on a reader never counts) */
	struct counter_cache once = {0};
	return counter_cache_next(&once, w->conn, name, region, out) == 0 &&
	               counter_cache_flush(&once, w->conn) == 0
	           ? 0
	           : -1;
}

static int bucket_of(int n)
{
	int b = 0;
	while (n > 1 && b < WRITER_BATCH_BUCKETS - 1) {
		n >>= 1;
		b++;
	}
	return b;
}

static void writer_maybe_checkpoint(struct writer *w, int64_t now)
{
	if (w->chain.seq == w->last_checkpoint_seq)
		return;
	if (w->chain.seq - w->last_checkpoint_seq < CHECKPOINT_EVERY_EVENTS &&
	    now - w->last_checkpoint_at < CHECKPOINT_EVERY_MS)
		return;
	if (store_exec(w->conn, ST_SAVEPOINT) != STORE_OK)
		return;
	if (chain_checkpoint(w->conn, &w->chain, &w->app->keys, now) == 0) {
		store_exec(w->conn, ST_RELEASE);
		w->last_checkpoint_seq = w->chain.seq;
		w->last_checkpoint_at = now;
	} else {
		store_exec(w->conn, ST_ROLLBACK_TO);
		store_exec(w->conn, ST_RELEASE);
	}
}

/* Runs one batch: BEGIN, each job in a savepoint, COMMIT.
 *
 * A batch that does not commit (disk full, I/O error) is rolled back whole:
 * every job in it is answered "not committed" (503), whatever its own result
 * was, and the writer re-reads its chain head from the database so the next
 * batch continues the stored chain. Nothing needs a restart: once space
 * returns, the next batch commits. */
/* The last signed checkpoint's seq and time, from the store: 0, or -1. */
static int checkpoint_load(struct writer *w)
{
	struct store_stmt *s = store_stmt(w->conn, ST_CHECKPOINT_LAST);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		w->last_checkpoint_seq = scol_int(s, 0);
		w->last_checkpoint_at = scol_int(s, 1);
	}
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

/* Several servers on one PostgreSQL database (docs/postgresql.md "Several
 * servers") each run a writer. They take turns, a batch each, on a lock
 * the batch's transaction holds until it ends (ST_WRITER_TURN), and a
 * batch starts from what the database holds, not from what this writer
 * kept from its last batch: the chain head, the last checkpoint, the
 * counters and the outbox's subscriptions, any of which another server may
 * have moved since. So every batch sees the rows of the one before it,
 * whichever server wrote them: the one-writer order SQLite's BEGIN
 * IMMEDIATE gives, and with it one chain, case numbers handed out once and
 * versions, idempotency keys and timers checked against committed rows.
 * SQLite needs none of it (one writer per file, held by a lock). */
static bool writer_take_turn(struct writer *w)
{
	if (store_is_sqlite())
		return true;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int turn = store_exec(w->conn, ST_WRITER_TURN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	atomic_fetch_add(&w->turns, 1);
	atomic_fetch_add(&w->turn_wait_ns, (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL +
	                                              (t1.tv_nsec - t0.tv_nsec)));
	if (turn != STORE_OK || chain_load_head(w->conn, &w->chain) != 0)
		return false;
	counter_cache_clear(&w->counters);
	outbox_cache_release(w->app);
	return checkpoint_load(w) == 0;
}

static void writer_batch(struct writer *w, struct write_job *batch)
{
	struct chain_head start = w->chain;
	int64_t cp_seq = w->last_checkpoint_seq, cp_at = w->last_checkpoint_at;
	int64_t now = time_now_ms();
	bool ok = store_exec(w->conn, ST_BEGIN) == STORE_OK && writer_take_turn(w);
	int n = 0;
	struct search_queue sq;
	search_queue_init(&sq);
	for (struct write_job *j = batch; j; j = j->next, n++) {
		if (!ok) {
			j->rc = -1;
			continue;
		}
		struct chain_head before = w->chain;
		int queued = search_queue_mark(&sq);
		/* a job rolled back gives its numbers back */
		struct counter_cache counters_before = w->counters;
		struct wctx ctx = {.conn = w->conn,
		                   .app = w->app,
		                   .head = &w->chain,
		                   .now = now,
		                   .search = &sq,
		                   .counters = &w->counters};
		if (store_exec(w->conn, ST_SAVEPOINT) != STORE_OK) {
			j->rc = -1;
			ok = store_in_txn(w->conn);
			continue;
		}
		j->rc = j->run(&ctx, j);
		if (j->rc != 0) {
			store_exec(w->conn, ST_ROLLBACK_TO);
			w->chain = before;
			w->counters = counters_before;
			search_queue_truncate(&sq, queued);
			outbox_job_rolled_back(w->app);
		}
		store_exec(w->conn, ST_RELEASE);
		/* an error may have ended the transaction behind our back */
		if (!store_in_txn(w->conn))
			ok = false;
	}
	/* the index last, outside every savepoint: FTS5 writes its pending rows
	 * out at each savepoint, so indexing in the jobs' own savepoints would
	 * write a segment per case (core/search.h) */
	if (ok && search_flush(w->conn, w->app, &sq) != 0)
		ok = false;
	if (ok && counter_cache_flush(&w->counters, w->conn) != 0)
		ok = false;
	/* the stats aggregates of the cases the jobs changed (core/stats_agg.c) */
	if (ok && stats_agg_flush(w->conn, w->app) != 0)
		ok = false;
	search_queue_release(&sq);
	if (ok) {
		writer_maybe_checkpoint(w, now);
		ok = store_in_txn(w->conn) && store_exec(w->conn, ST_COMMIT) == STORE_OK;
	}
	if (!ok) {
		fprintf(stderr, "civicloop: 批量写入未提交，已回滚（%d 个请求答 503）: %s\n", n,
		        store_errmsg(w->conn));
		if (store_in_txn(w->conn))
			store_exec(w->conn, ST_ROLLBACK);
		w->chain = start;
		w->last_checkpoint_seq = cp_seq;
		w->last_checkpoint_at = cp_at;
		counter_cache_clear(&w->counters);
		/* the stored head is the truth; keep the copy only if it can't be read */
		struct chain_head stored;
		if (chain_load_head(w->conn, &stored) == 0)
			w->chain = stored;
	}
	outbox_batch_end(w->app, ok);
	routing_cache_batch_end(); /* the labels it taught are final (or gone) */
	atomic_fetch_add(&w->batches[bucket_of(n)], 1);
	atomic_fetch_add(&w->jobs, (uint64_t)n);
	for (struct write_job *j = batch, *next; j; j = next) {
		next = j->next;
		bool committed = ok;
		if (j->wait_mu) {
			pthread_mutex_lock(j->wait_mu);
			j->committed = committed;
			j->finished = true;
			pthread_cond_signal(j->wait_cv);
			pthread_mutex_unlock(j->wait_mu);
		} else if (j->done) {
			j->done(j, committed);
		}
	}
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->head && w->stopping) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		/* take up to WRITER_MAX_BATCH jobs */
		struct write_job *batch = w->head, *last = w->head;
		int n = 1;
		while (last->next && n < WRITER_MAX_BATCH) {
			last = last->next;
			n++;
		}
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->mu);
		writer_batch(w, batch);
	}
	return NULL;
}

struct writer *writer_start(struct app *app, char *err, size_t errcap)
{
	struct writer *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, errcap, "内存不足");
		return NULL;
	}
	w->app = app;
	w->conn = store_open(app->db_path, false, err, errcap);
	if (!w->conn)
		goto fail;
	if (app->writer_unsynced && store_exec(w->conn, ST_GEN_SYNC_OFF) != STORE_OK) {
		snprintf(err, errcap, "%s", store_errmsg(w->conn));
		goto fail;
	}
	if (store_migrate(w->conn, err, errcap) != 0 ||
	    search_backfill(w->conn, app, err, errcap) != 0 ||
	    stats_backfill(w->conn, app, err, errcap) != 0 ||
	    part_due_sync(w->conn, app, err, errcap) != 0)
		goto fail;
	if (chain_load_head(w->conn, &w->chain) != 0) {
		snprintf(err, errcap, "无法读取审计链: %s", store_errmsg(w->conn));
		goto fail;
	}
	checkpoint_load(w); /* none yet, or unreadable: the first batch signs one */
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		snprintf(err, errcap, "无法启动写线程");
		goto fail;
	}
	return w;
fail:
	store_close(w->conn);
	free(w);
	return NULL;
}

void writer_stop(struct writer *w)
{
	if (!w)
		return;
	thread_stop(w->thread, &w->mu, &w->cv, &w->stopping);
	/* a final checkpoint so a clean shutdown leaves the head signed */
	if (w->chain.seq != w->last_checkpoint_seq && store_exec(w->conn, ST_BEGIN) == STORE_OK) {
		if (writer_take_turn(w) && w->chain.seq != w->last_checkpoint_seq &&
		    chain_checkpoint(w->conn, &w->chain, &w->app->keys, time_now_ms()) == 0)
			store_exec(w->conn, ST_COMMIT);
		else
			store_exec(w->conn, ST_ROLLBACK);
	}
	store_exec(w->conn, ST_CHECKPOINT_WAL);
	store_close(w->conn);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

void writer_submit(struct writer *w, struct write_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int writer_run(struct writer *w, write_fn run, void *arg)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	struct write_job job = {.run = run, .arg = arg, .wait_mu = &mu, .wait_cv = &cv};
	writer_submit(w, &job);
	pthread_mutex_lock(&mu);
	while (!job.finished)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	pthread_mutex_destroy(&mu);
	pthread_cond_destroy(&cv);
	return job.committed ? job.rc : -1;
}

void writer_turn_stats(struct writer *w, uint64_t *turns, uint64_t *wait_ns)
{
	*turns = atomic_load(&w->turns);
	*wait_ns = atomic_load(&w->turn_wait_ns);
}

void writer_batch_stats(struct writer *w, uint64_t out[WRITER_BATCH_BUCKETS], uint64_t *jobs)
{
	for (int i = 0; i < WRITER_BATCH_BUCKETS; i++)
		out[i] = atomic_load(&w->batches[i]);
	*jobs = atomic_load(&w->jobs);
}
