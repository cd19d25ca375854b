/* The routing model's rows kept in memory, see routing_cache.h. */
#include "core/routing_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot {
	uint64_t hash;
	char *data; /* the key's bytes, then the value's; NULL when free */
	size_t klen, vlen;
	int64_t at; /* monotonic ms when put */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[ROUTING_CACHE_SLOTS];
static size_t bytes;                                   /* values and keys held */
static unsigned char touched[ROUTING_CACHE_SLOTS / 8]; /* slots the writer changed */
static atomic_uint_fast64_t gen; /* moves on every touch (under mu); read without it */
static bool dirty;               /* touched in this batch */
static atomic_uint_fast64_t hits, misses;

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FNV-1a: the keys are short tokens, the table is not exposed to anyone
 * who could choose collisions to any effect but a miss. */
static uint64_t hash_of(const char *key, size_t klen)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < klen; i++)
		h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
	return h;
}

static void slot_free(struct slot *s)
{
	if (!s->data)
		return;
	bytes -= s->klen + s->vlen;
	free(s->data);
	s->data = NULL;
}

uint64_t routing_cache_gen(void)
{
	return atomic_load(&gen); /* every request takes it: no lock */
}

bool routing_cache_get(const char *key, size_t klen, void *buf, size_t cap, size_t *len)
{
	uint64_t h = hash_of(key, klen);
	bool hit = false;
	*len = 0;
	pthread_mutex_lock(&mu);
	struct slot *s = &slots[h % ROUTING_CACHE_SLOTS];
	if (s->data && s->hash == h && s->klen == klen && !memcmp(s->data, key, klen)) {
		if (mono_ms() - s->at >= ROUTING_CACHE_TTL_MS) {
			slot_free(s);
		} else {
			*len = s->vlen;
			hit = s->vlen <= cap;
			if (hit)
				memcpy(buf, s->data + klen, s->vlen);
		}
	}
	pthread_mutex_unlock(&mu);
	atomic_fetch_add(hit ? &hits : &misses, 1);
	return hit;
}

static _Thread_local uint64_t snapshot_gen;
static _Thread_local bool snapshot_marked;

void routing_cache_snapshot_begins(void)
{
	snapshot_gen = routing_cache_gen();
	snapshot_marked = true;
}

bool routing_cache_fill_gen(bool in_txn, uint64_t *g)
{
	if (!in_txn) {
		*g = routing_cache_gen();
		return true;
	}
	/* taken before this transaction began, however long ago: a put is
	 * refused if anything was touched since, which is safe */
	*g = snapshot_gen;
	return snapshot_marked;
}

void routing_cache_put(const char *key, size_t klen, const void *val, size_t len, uint64_t g)
{
	if (klen + len > ROUTING_CACHE_BYTES / 16)
		return; /* one entry never takes much of the budget */
	char *data = malloc(klen + len + 1);
	if (!data)
		return; /* a cache that cannot grow just misses */
	memcpy(data, key, klen);
	memcpy(data + klen, val, len);
	uint64_t h = hash_of(key, klen);
	pthread_mutex_lock(&mu);
	if (g != atomic_load(&gen)) { /* touched since the rows were read: they may be old */
		pthread_mutex_unlock(&mu);
		free(data);
		return;
	}
	struct slot *s = &slots[h % ROUTING_CACHE_SLOTS];
	slot_free(s);
	if (bytes + klen + len > ROUTING_CACHE_BYTES)
		for (size_t i = 0; i < ROUTING_CACHE_SLOTS; i++)
			slot_free(&slots[i]);
	*s = (struct slot){.hash = h, .data = data, .klen = klen, .vlen = len, .at = mono_ms()};
	bytes += klen + len;
	pthread_mutex_unlock(&mu);
}

void routing_cache_touch(const char *key, size_t klen)
{
	size_t i = hash_of(key, klen) % ROUTING_CACHE_SLOTS;
	pthread_mutex_lock(&mu);
	slot_free(&slots[i]);
	touched[i / 8] |= (unsigned char)(1u << (i % 8));
	dirty = true;
	atomic_fetch_add(&gen, 1);
	pthread_mutex_unlock(&mu);
}

void routing_cache_touch_all(void)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < ROUTING_CACHE_SLOTS; i++)
		slot_free(&slots[i]);
	memset(touched, 0xff, sizeof touched);
	dirty = true;
	atomic_fetch_add(&gen, 1);
	pthread_mutex_unlock(&mu);
}

void routing_cache_batch_end(void)
{
	pthread_mutex_lock(&mu);
	if (!dirty) { /* a batch that taught nothing leaves every entry good */
		pthread_mutex_unlock(&mu);
		return;
	}
	for (size_t b = 0; b < sizeof touched; b++) {
		if (!touched[b])
			continue;
		for (size_t i = 0; i < 8; i++)
			if (touched[b] & (1u << i))
				slot_free(&slots[b * 8 + i]);
		touched[b] = 0;
	}
	dirty = false;
	atomic_fetch_add(&gen, 1);
	pthread_mutex_unlock(&mu);
}

void routing_cache_counts(uint64_t *h, uint64_t *m)
{
	*h = atomic_load(&hits);
	*m = atomic_load(&misses);
}
