/*
 * The outbox's delivery workers (core/outbox.h): threads that pick due
 * messages on their own read connections, claim them in memory, hand each
 * to its channel's sender and record the results through one writer job
 * per batch. Settings come from the environment at start.
 */
#include "core/outbox_int.h"
#include "core/app.h"
#include "core/writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define OUTBOX_WORKERS_MAX 8
#define OUTBOX_BATCH 16     /* messages one worker claims at a time */
#define OUTBOX_SCAN 64      /* due rows read to find unclaimed ones */
#define OUTBOX_IDLE_MS 1000 /* the longest sleep: a row due later is seen by then */
#define OUTBOX_PRUNE_EVERY_MS (10 * 60 * 1000) /* worker 0, when idle */
#define OUTBOX_PRUNE_JOBS 20                   /* writer jobs per round at most */
/* Several servers on one PostgreSQL database: a message a worker claims is
 * its server's for this long (next_at moved past it; outbox_claim_job). A
 * server that dies holding it leaves it due again after the lease, as a
 * crash before the result's record does on one server. Longer than any
 * channel's send takes (a webhook's request times out in seconds). */
#define OUTBOX_LEASE_MS (2 * 60 * 1000)

/* The wake-up and the claims, shared by every worker of the process. */
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static uint64_t wake_seq;                                  /* under wake_mu */
static bool stopping;                                      /* under wake_mu */
static _Atomic bool stopping_flag;                         /* the same, for senders */
static int64_t claimed[OUTBOX_WORKERS_MAX * OUTBOX_BATCH]; /* under wake_mu */
static int nclaimed;

static _Thread_local struct store_conn *tl_reader;

struct store_conn *outbox_reader(void)
{
	return tl_reader;
}

void outbox_reader_set(struct store_conn *reader)
{
	tl_reader = reader;
}

bool outbox_stopping(void)
{
	return atomic_load(&stopping_flag);
}

void outbox_wake(void)
{
	pthread_mutex_lock(&wake_mu);
	wake_seq++;
	pthread_cond_broadcast(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
}

void outbox_options_from_env(struct outbox_options *o)
{
	o->workers = app_env_int("CIVICLOOP_OUTBOX_WORKERS", 0, OUTBOX_WORKERS_MAX, 2);
	o->max_attempts = app_env_int("CIVICLOOP_OUTBOX_MAX_ATTEMPTS", 1, 100, 8);
	o->backoff_ms = app_env_int("CIVICLOOP_OUTBOX_BACKOFF_MS", 10, 3600 * 1000, 30 * 1000);
	o->backoff_cap_ms = app_env_int("CIVICLOOP_OUTBOX_BACKOFF_CAP_MS", 10, 7 * 24 * 3600 * 1000,
	                                6 * 3600 * 1000);
	o->keep_ms = (int64_t)app_env_int("CIVICLOOP_OUTBOX_KEEP_DAYS", 0, 3650, 30) * 86400000;
}

int64_t outbox_backoff(const struct outbox_options *o, int attempts)
{
	int64_t d = o->backoff_ms;
	for (int i = 1; i < attempts && d < o->backoff_cap_ms; i++)
		d *= 2;
	return d < o->backoff_cap_ms ? d : o->backoff_cap_ms;
}

/* One claimed message and, once sent, its result. */
struct pick {
	struct outbox_msg m;
	char channel[OUTBOX_CHANNEL_MAX + 1];
	char kind[OUTBOX_KIND_MAX];
	char target[OUTBOX_TARGET_MAX + 1];
	char *payload;
	int64_t due_at;   /* next_at as read: the claim's compare-and-set */
	int64_t lease_at; /* next_at once claimed (PostgreSQL), 0 before */
	bool lost;        /* another server claimed it first */
	/* the result */
	bool skip; /* cut off by a stop: left pending, not counted */
	const char *state;
	int64_t next_at;
	char err[OUTBOX_ERROR_MAX + 1];
};

struct batch {
	struct pick p[OUTBOX_BATCH];
	int n;
};

static bool claimed_has(int64_t id)
{
	for (int i = 0; i < nclaimed; i++)
		if (claimed[i] == id)
			return true;
	return false;
}

/* Reads due rows and claims up to OUTBOX_BATCH that no other worker holds. */
static int batch_pick(struct store_conn *reader, struct batch *b)
{
	b->n = 0;
	struct store_stmt *s = store_stmt(reader, ST_OUTBOX_DUE);
	sbind_int(s, 1, time_real_ms());
	sbind_int(s, 2, OUTBOX_SCAN);
	pthread_mutex_lock(&wake_mu);
	while (b->n < OUTBOX_BATCH && sstep(s) == STORE_ROW) {
		int64_t id = scol_int(s, 0);
		if (claimed_has(id) || nclaimed == (int)(sizeof claimed / sizeof *claimed))
			continue;
		struct pick *p = &b->p[b->n];
		memset(p, 0, sizeof *p);
		p->payload = strdup(scol_text(s, 5));
		if (!p->payload)
			break;
		snprintf(p->channel, sizeof p->channel, "%s", scol_text(s, 1));
		snprintf(p->kind, sizeof p->kind, "%s", scol_text(s, 2));
		snprintf(p->target, sizeof p->target, "%s", scol_text(s, 4));
		p->m = (struct outbox_msg){.id = id,
		                           .channel = p->channel,
		                           .kind = p->kind,
		                           .case_id = scol_null(s, 3) ? 0 : scol_int(s, 3),
		                           .target = p->target,
		                           .payload = p->payload,
		                           .attempts = (int)scol_int(s, 6)};
		p->due_at = scol_int(s, 7);
		claimed[nclaimed++] = id;
		b->n++;
	}
	pthread_mutex_unlock(&wake_mu);
	sreset(s);
	return b->n;
}

static void batch_release(struct batch *b)
{
	pthread_mutex_lock(&wake_mu);
	for (int i = 0; i < b->n; i++) {
		for (int j = 0; j < nclaimed; j++) {
			if (claimed[j] == b->p[i].m.id) {
				claimed[j] = claimed[--nclaimed];
				break;
			}
		}
		free(b->p[i].payload);
	}
	wake_seq++; /* a worker that found only claimed rows looks again */
	pthread_cond_broadcast(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
	b->n = 0;
}

/* A sender's reason as last_error: valid UTF-8, cut on a character. */
static void error_keep(char *dst, const char *why)
{
	snprintf(dst, OUTBOX_ERROR_MAX + 1, "%s", why && *why ? why : "发送失败");
	utf8_scrub(dst);
	dst[utf8_cut(dst, strlen(dst), OUTBOX_ERROR_MAX)] = '\0';
}

const char *const outbox_metric_channels[3] = {"webhook", "sms", "other"};
const char *const outbox_outcome_names[OUTBOX_OUTCOMES] = {"delivered", "retry", "dead"};
static _Atomic uint64_t attempts_count[3][OUTBOX_OUTCOMES];

uint64_t outbox_attempts_count(int channel, enum outbox_outcome outcome)
{
	return atomic_load(&attempts_count[channel][outcome]);
}

static void attempt_counted(const char *channel, enum outbox_outcome outcome)
{
	int c = 2;
	for (int i = 0; i < 2; i++)
		if (!strcmp(channel, outbox_metric_channels[i]))
			c = i;
	atomic_fetch_add(&attempts_count[c][outcome], 1);
}

/* Sends one message and decides what becomes of it. */
static void pick_send(struct app *app, const struct outbox_options *o, struct pick *p)
{
	char why[512] = "";
	outbox_deliver_fn fn = outbox_channel_sender(p->channel);
	int rc = fn ? fn(app, &p->m, why, sizeof why) : -1;
	if (!fn)
		snprintf(why, sizeof why, "没有通道 %s 的发送程序", p->channel);
	if (rc != 0 && outbox_stopping()) {
		p->skip = true; /* cut off by the stop: sent again at the next start */
		return;
	}
	int64_t now = time_real_ms();
	int attempts = p->m.attempts + 1;
	p->next_at = now;
	if (rc == 0) {
		p->state = "delivered";
		attempt_counted(p->channel, OUTBOX_DELIVERED);
		return;
	}
	if (rc == -2 || attempts >= o->max_attempts) {
		char dead[600];
		snprintf(dead, sizeof dead, "%s（%s）", why[0] ? why : "发送失败",
		         rc == -2 ? "不再重试" : "已达最多尝试次数，不再重试");
		error_keep(p->err, dead);
		p->state = "dead";
		attempt_counted(p->channel, OUTBOX_DEAD);
		return;
	}
	error_keep(p->err, why);
	attempt_counted(p->channel, OUTBOX_RETRY);
	int64_t d = outbox_backoff(o, attempts);
	int64_t spread = d / 10 < UINT32_MAX ? d / 10 : UINT32_MAX;
	int64_t jitter = spread > 0 ? randombytes_uniform((uint32_t)spread) : 0;
	p->state = "pending";
	p->next_at = now + d + jitter;
}

/* Moves message id's next_at from `from` to `to` if it still is `from`:
 * 1 moved, 0 not (another server moved it), -1 the store failed. */
static int next_at_move(struct wctx *w, int64_t id, int64_t from, int64_t to)
{
	struct store_stmt *s = store_stmt(w->conn, ST_OUTBOX_CLAIM);
	sbind_int(s, 1, id);
	sbind_int(s, 2, from);
	sbind_int(s, 3, to);
	if (sdone(s) != STORE_DONE)
		return -1;
	return store_changes(w->conn) > 0;
}

static int record_job(struct wctx *w, struct write_job *job)
{
	struct batch *b = job->arg;
	for (int i = 0; i < b->n; i++) {
		struct pick *p = &b->p[i];
		if (p->skip && p->lease_at) {
			/* cut off by a stop: the claim goes back, so the next start
			 * sends it at once, not after the lease */
			if (next_at_move(w, p->m.id, p->lease_at, p->due_at) < 0)
				return -1;
		}
		if (p->skip)
			continue;
		struct store_stmt *s = store_stmt(w->conn, ST_OUTBOX_RESULT);
		sbind_int(s, 1, p->m.id);
		sbind_text(s, 2, p->state);
		sbind_int(s, 3, p->next_at);
		sbind_text(s, 4, p->err[0] ? p->err : NULL);
		sbind_int(s, 5, w->now);
		if (sdone(s) != STORE_DONE)
			return -1;
	}
	return 0;
}

/* The picks' claims among servers (PostgreSQL; one SQLite database has one
 * server, whose claims in memory are enough): each pick's next_at moves to
 * the lease's end if it is still what this worker read, so of two servers
 * that read the same due row one claims it and the other finds it moved
 * (ST_OUTBOX_CLAIM changes no row) and leaves it. */
static int claim_job(struct wctx *w, struct write_job *job)
{
	struct batch *b = job->arg;
	for (int i = 0; i < b->n; i++) {
		int64_t lease = time_real_ms() + OUTBOX_LEASE_MS;
		int moved = next_at_move(w, b->p[i].m.id, b->p[i].due_at, lease);
		if (moved < 0)
			return -1;
		b->p[i].lost = !moved;
		b->p[i].lease_at = b->p[i].lost ? 0 : lease;
	}
	return 0;
}

int outbox_deliver_due(struct app *app, struct store_conn *reader, const struct outbox_options *o)
{
	struct batch *b = calloc(1, sizeof *b);
	if (!b)
		return -1;
	struct store_conn *was = tl_reader;
	tl_reader = reader;
	int total = 0;
	while (!outbox_stopping() && batch_pick(reader, b) > 0) {
		if (!store_is_sqlite() && writer_run(app->writer, claim_job, b) != 0) {
			batch_release(b); /* not claimed: nothing sent, due again */
			total = -1;
			break;
		}
		for (int i = 0; i < b->n; i++) {
			if (b->p[i].lost || outbox_stopping())
				b->p[i].skip = true;
			else
				pick_send(app, o, &b->p[i]);
		}
		/* not recorded (the store failed): still pending, sent again later */
		int rc = writer_run(app->writer, record_job, b);
		total += b->n;
		batch_release(b);
		if (rc != 0) {
			total = -1;
			break;
		}
	}
	tl_reader = was;
	free(b);
	return total;
}

struct prune_arg {
	int64_t before;
	int deleted;
};

static int prune_job(struct wctx *w, struct write_job *job)
{
	struct prune_arg *a = job->arg;
	struct store_stmt *s = store_stmt(w->conn, ST_OUTBOX_PRUNE);
	sbind_int(s, 1, a->before);
	sbind_int(s, 2, OUTBOX_PRUNE_BATCH);
	if (sdone(s) != STORE_DONE)
		return -1;
	a->deleted = store_changes(w->conn);
	return 0;
}

int64_t outbox_prune(struct app *app, const struct outbox_options *o, int max_jobs)
{
	/* delivered_at is the writer's clock (w->now), so the cut is too */
	struct prune_arg a = {.before = time_now_ms() - o->keep_ms};
	int64_t total = 0;
	for (int i = 0; i < max_jobs && !outbox_stopping(); i++) {
		a.deleted = 0;
		if (writer_run(app->writer, prune_job, &a) != 0)
			return -1;
		total += a.deleted;
		if (a.deleted < OUTBOX_PRUNE_BATCH)
			break;
	}
	return total;
}

/* --- the threads --- */

struct outbox_workers {
	struct app *app;
	struct outbox_options opt;
	int n;
	pthread_t threads[OUTBOX_WORKERS_MAX];
	struct store_conn *readers[OUTBOX_WORKERS_MAX];
};

struct worker_arg {
	struct outbox_workers *ow;
	int i;
};

static struct worker_arg worker_args[OUTBOX_WORKERS_MAX];

/* How long to sleep when nothing could be picked: until the next row is
 * due, at most OUTBOX_IDLE_MS; 100 ms when rows are due but others hold
 * them (their release wakes us sooner). */
static int64_t idle_ms(struct store_conn *reader)
{
	struct store_stmt *s = store_stmt(reader, ST_OUTBOX_NEXT_DUE);
	int64_t next = sstep(s) == STORE_ROW && !scol_null(s, 0) ? scol_int(s, 0) : 0;
	sreset(s);
	if (!next)
		return OUTBOX_IDLE_MS;
	int64_t d = next - time_real_ms();
	return d <= 0 ? 100 : d < OUTBOX_IDLE_MS ? d : OUTBOX_IDLE_MS;
}

static void *worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct outbox_workers *ow = wa->ow;
	struct store_conn *reader = ow->readers[wa->i];
	int64_t pruned_at = 0; /* worker 0 prunes at its first idle moment, then every so often */
	for (;;) {
		pthread_mutex_lock(&wake_mu);
		uint64_t seen = wake_seq;
		bool stop = stopping;
		pthread_mutex_unlock(&wake_mu);
		if (stop)
			break;
		int n = outbox_deliver_due(ow->app, reader, &ow->opt);
		if (n > 0)
			continue;
		int64_t mono = time_real_ms();
		if (wa->i == 0 && n == 0 &&
		    (!pruned_at || mono - pruned_at >= OUTBOX_PRUNE_EVERY_MS)) {
			pruned_at = mono;
			if (outbox_prune(ow->app, &ow->opt, OUTBOX_PRUNE_JOBS) ==
			    OUTBOX_PRUNE_BATCH * OUTBOX_PRUNE_JOBS)
				pruned_at -=
				    OUTBOX_PRUNE_EVERY_MS; /* more to do: again at the next idle */
		}
		int64_t wait = n < 0 ? OUTBOX_IDLE_MS : idle_ms(reader);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = ts.tv_nsec + (wait % 1000) * 1000000;
		ts.tv_sec += wait / 1000 + ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		pthread_mutex_lock(&wake_mu);
		while (!stopping && wake_seq == seen &&
		       pthread_cond_timedwait(&wake_cv, &wake_mu, &ts) == 0)
			;
		pthread_mutex_unlock(&wake_mu);
	}
	webhook_sender_thread_end();
	return NULL;
}

struct outbox_workers *outbox_start(struct app *app, char *err, size_t errcap)
{
	struct outbox_workers *ow = calloc(1, sizeof *ow);
	if (!ow) {
		snprintf(err, errcap, "内存不足");
		return NULL;
	}
	ow->app = app;
	outbox_options_from_env(&ow->opt);
	outbox_channel_register("webhook", webhook_deliver);
	if (webhook_sender_global_init() != 0) {
		snprintf(err, errcap, "libcurl 初始化失败");
		free(ow);
		return NULL;
	}
	pthread_mutex_lock(&wake_mu);
	stopping = false;
	nclaimed = 0;
	pthread_mutex_unlock(&wake_mu);
	atomic_store(&stopping_flag, false);
	for (int i = 0; i < ow->opt.workers; i++) {
		ow->readers[i] = store_open(app->db_path, true, err, errcap);
		worker_args[i] = (struct worker_arg){ow, i};
		if (!ow->readers[i] ||
		    pthread_create(&ow->threads[i], NULL, worker_main, &worker_args[i]) != 0) {
			if (ow->readers[i])
				snprintf(err, errcap, "无法启动投递线程");
			store_close(ow->readers[i]);
			outbox_stop(ow);
			return NULL;
		}
		ow->n = i + 1;
	}
	return ow;
}

void outbox_stop(struct outbox_workers *ow)
{
	if (!ow)
		return;
	pthread_mutex_lock(&wake_mu);
	stopping = true;
	atomic_store(&stopping_flag, true);
	pthread_cond_broadcast(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
	for (int i = 0; i < ow->n; i++) {
		pthread_join(ow->threads[i], NULL);
		store_close(ow->readers[i]);
	}
	webhook_sender_global_cleanup();
	free(ow);
}
