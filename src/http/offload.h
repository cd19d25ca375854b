/*
 * Work too slow for an HTTP thread: Argon2id password hashing (about 60 ms of
 * CPU and 64 MiB each), and writing an uploaded file durably (up to 10 MiB
 * written and fsynced). libmicrohttpd's thread pool keeps every connection
 * on the thread that accepted it, so a thread busy hashing stalls every
 * request queued behind it (/healthz included). A handler hands such work to
 * this small pool instead: the connection is suspended, a pool thread runs
 * the work, then either answers or queues a writer job, exactly as
 * reply_async() does, and the connection is resumed.
 *
 * The pool is bounded twice: CIVICLOOP_HASH_WORKERS threads run at once
 * (default half the CPUs, at least 1, at most 4: on a 2-core machine one
 * hash at a time, leaving a core to everything else), and at most
 * CIVICLOOP_HASH_QUEUE items wait (default 16, about a second of hashing per
 * worker); past that req_offload() refuses at once so the caller can answer
 * 503 rather than keep the client waiting. Both are read once, at first use.
 *
 * Files go to a second pool of the same kind (req_offload_io), so that a
 * slow disk never holds up a sign-in and a burst of sign-ins never holds up
 * an upload: CIVICLOOP_FILE_WORKERS threads (default 2) and
 * CIVICLOOP_FILE_QUEUE waiting items (default 64; the server's upload slots,
 * HTTP_UPLOAD_SLOTS_DEFAULT, bound them first).
 *
 * Exports (api/export.c: a spreadsheet of up to 200,000 cases, seconds of
 * reading and writing) go to a third: CIVICLOOP_EXPORT_WORKERS threads
 * (default 3: the two big exports that may build at once and one more, so
 * a small export never waits behind them) and CIVICLOOP_EXPORT_QUEUE
 * waiting items (default 16). An export's work reads through its pool
 * thread's own connection (http_thread_reader), not the HTTP thread's.
 */
#ifndef CIVICLOOP_HTTP_OFFLOAD_H
#define CIVICLOOP_HTTP_OFFLOAD_H

#include "http/http.h"

/* Runs on a pool thread with the connection suspended. Returns 0 on success
 * (r->out/r->status set, or left for `then`), or -1 with r->err set: the
 * request is answered with that error. Must not touch r->reader. */
typedef int (*offload_fn)(struct req *r);

#define OFFLOAD_WORKERS_MAX 16
#define OFFLOAD_QUEUE_DEFAULT 16
#define OFFLOAD_FILE_WORKERS_DEFAULT 2
#define OFFLOAD_FILE_QUEUE_DEFAULT 64
#define OFFLOAD_EXPORT_WORKERS_DEFAULT 3
#define OFFLOAD_EXPORT_QUEUE_DEFAULT 16

/* Queues work(r) on the pool. When it succeeds and `then` is not NULL, `then`
 * runs next as a writer job exactly as reply_async's would (an
 * Idempotency-Key on an RF_IDEMPOTENT route included) and answers the
 * request; without `then` the work's r->out (or file) and r->status are the
 * answer.
 * Returns 0 (queued; the handler returns H_ASYNC), or -1 when the queue is
 * full or the pool could not start: nothing was queued, the connection was
 * not suspended, and the handler answers (503). */
int req_offload(struct req *r, offload_fn work, write_fn then);
/* The same on the file pool: for work that waits on the disk. */
int req_offload_io(struct req *r, offload_fn work, write_fn then);
/* The same on the export pool. */
int req_offload_export(struct req *r, offload_fn work, write_fn then);

#endif
