/*
 * The single writer (DESIGN.md §3). Every write is a job run on the writer's
 * thread inside a transaction; concurrent jobs are batched into one
 * transaction (group commit), each inside its own savepoint so a failing job
 * rolls back alone. A job's completion callback runs only after its batch's
 * COMMIT returned, i.e. once the write is durable (synchronous=FULL), or with
 * committed == false when it failed or the batch could not commit.
 *
 * Jobs run strictly one after another, so a job sees every earlier job's
 * writes and may read-modify-write without further locking.
 */
#ifndef CIVICLOOP_CORE_WRITER_H
#define CIVICLOOP_CORE_WRITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/chain.h"
#include "store/store.h"

struct app;
struct search_queue;

/* What a job sees while it runs. */
struct wctx {
	struct store_conn *conn;
	struct app *app;
	struct chain_head *head; /* append events through wctx_event() */
	int64_t now;             /* the batch's clock, UTC ms */
	/* the batch's full-text index writes, made after its last job and before
	 * its COMMIT (core/search.h); NULL: made at once */
	struct search_queue *search;
	/* the writer's numbers handed out (wctx_counter_next); NULL: read and
	 * written in the store each time */
	struct counter_cache *counters;
};

struct write_job;
typedef int (*write_fn)(struct wctx *w, struct write_job *job);
typedef void (*write_done_fn)(struct write_job *job, bool committed);

struct write_job {
	write_fn run;       /* returns 0 to keep its writes, non-zero to roll back */
	write_done_fn done; /* called once, after commit, off the writer's lock */
	void *arg;
	int rc; /* run()'s result */
	struct write_job *next;
	/* for writer_run(): */
	pthread_mutex_t *wait_mu;
	pthread_cond_t *wait_cv;
	bool finished;
	bool committed;
};

#define WRITER_MAX_BATCH 256

struct writer *writer_start(struct app *app, char *err, size_t errcap);
/* Drains queued jobs, then stops the thread and closes its connection. */
void writer_stop(struct writer *w);
/* Queues a job; job->done is called later on the writer thread. */
void writer_submit(struct writer *w, struct write_job *job);
/* Runs one job and waits for it: returns run()'s result, or -1 if the batch
 * did not commit. */
int writer_run(struct writer *w, write_fn run, void *arg);

/* Appends an event to the audit chain within the running job. */
int wctx_event(struct wctx *w, const struct event_rec *e);

/* The next value of the counter (name, region) (core/region.h; the row's
 * region_code; 1 for a new one) into *out: 0, or -1 (the store failed).
 * The writer keeps the counters it hands out in memory and writes each
 * one once per batch, in the batch's transaction; a job rolled back gives
 * its numbers back, a batch that does not commit forgets them. */
int wctx_counter_next(struct wctx *w, const char *name, const char *region, int64_t *out);

/* Batch-size histogram for /metrics: counts of batches with size in
 * [1], [2-3], [4-7], ... [128-255], [256]. */
#define WRITER_BATCH_BUCKETS 9
/* Batches that took their turn among several servers' writers (PostgreSQL;
 * core/writer.c writer_take_turn) and the time they waited for it. */
void writer_turn_stats(struct writer *w, uint64_t *turns, uint64_t *wait_ns);
void writer_batch_stats(struct writer *w, uint64_t out[WRITER_BATCH_BUCKETS], uint64_t *jobs);

#endif
