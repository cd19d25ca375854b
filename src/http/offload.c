/* The pools for slow work off the HTTP threads (offload.h). */
#include "http/offload.h"
#include "core/app.h"
#include "http/http_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct offload_item {
	struct req *r;
	offload_fn work;
	write_fn then;
	struct offload_item *next;
};

/* One bounded pool: its own threads and its own queue. */
struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct offload_item *head, *tail; /* waiting items, guarded by mu */
	int waiting;                      /* items in the list */
	int workers;                      /* threads started */
	int queue_max;                    /* most items allowed to wait */
};

static struct pool cpu = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static struct pool io = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static struct pool exports = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static pthread_once_t io_once = PTHREAD_ONCE_INIT;
static pthread_once_t exports_once = PTHREAD_ONCE_INIT;

static void *offload_main(void *arg)
{
	struct pool *pool = arg;
	for (;;) {
		pthread_mutex_lock(&pool->mu);
		while (!pool->head)
			pthread_cond_wait(&pool->cv, &pool->mu);
		struct offload_item *it = pool->head;
		pool->head = it->next;
		if (!pool->head)
			pool->tail = NULL;
		pool->waiting--;
		pthread_mutex_unlock(&pool->mu);

		struct req *r = it->r;
		write_fn then = it->then;
		int rc = it->work(r);
		free(it);
		if (rc == 0 && then) {
			req_write_submit(r, then); /* as reply_async's: Idempotency-Key too */
			continue;
		}
		if (rc != 0)
			r->failed = true;
		else /* nothing to write: the work's answer is the answer */
			r->committed = true;
		r->resumed = true;
		MHD_resume_connection(r->conn);
	}
	return NULL;
}

static void pool_start(struct pool *pool, int workers, int queue_max)
{
	pool->queue_max = queue_max;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < workers; i++) {
		pthread_t t;
		if (pthread_create(&t, &attr, offload_main, pool) != 0) {
			fprintf(stderr, "civicloop: 无法启动后台线程\n");
			break;
		}
		pool->workers++;
	}
	pthread_attr_destroy(&attr);
}

static void cpu_start(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int dflt = cpus > 1 ? (int)(cpus / 2) : 1;
	if (dflt > 4)
		dflt = 4;
	pool_start(&cpu, app_env_int("CIVICLOOP_HASH_WORKERS", 1, OFFLOAD_WORKERS_MAX, dflt),
	           app_env_int("CIVICLOOP_HASH_QUEUE", 1, 4096, OFFLOAD_QUEUE_DEFAULT));
}

static void io_start(void)
{
	pool_start(&io,
	           app_env_int("CIVICLOOP_FILE_WORKERS", 1, OFFLOAD_WORKERS_MAX,
	                       OFFLOAD_FILE_WORKERS_DEFAULT),
	           app_env_int("CIVICLOOP_FILE_QUEUE", 1, 4096, OFFLOAD_FILE_QUEUE_DEFAULT));
}

static void exports_start(void)
{
	pool_start(&exports,
	           app_env_int("CIVICLOOP_EXPORT_WORKERS", 1, OFFLOAD_WORKERS_MAX,
	                       OFFLOAD_EXPORT_WORKERS_DEFAULT),
	           app_env_int("CIVICLOOP_EXPORT_QUEUE", 1, 4096, OFFLOAD_EXPORT_QUEUE_DEFAULT));
}

static int pool_queue(struct pool *pool, struct req *r, offload_fn work, write_fn then)
{
	struct offload_item *it = malloc(sizeof *it);
	if (!it)
		return -1;
	*it = (struct offload_item){.r = r, .work = work, .then = then};
	pthread_mutex_lock(&pool->mu);
	if (pool->workers == 0 || pool->waiting >= pool->queue_max) {
		pthread_mutex_unlock(&pool->mu);
		free(it);
		return -1;
	}
	/* suspended before a worker can see it, so its resume always follows */
	if (req_suspend(r) != 0) {
		pthread_mutex_unlock(&pool->mu);
		free(it);
		return -1;
	}
	if (pool->tail)
		pool->tail->next = it;
	else
		pool->head = it;
	pool->tail = it;
	pool->waiting++;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
	return 0;
}

int req_offload(struct req *r, offload_fn work, write_fn then)
{
	pthread_once(&cpu_once, cpu_start);
	return pool_queue(&cpu, r, work, then);
}

int req_offload_io(struct req *r, offload_fn work, write_fn then)
{
	pthread_once(&io_once, io_start);
	return pool_queue(&io, r, work, then);
}

int req_offload_export(struct req *r, offload_fn work, write_fn then)
{
	pthread_once(&exports_once, exports_start);
	return pool_queue(&exports, r, work, then);
}
