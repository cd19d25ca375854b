/*
 * A count of something per client address in a fixed window, for the
 * routes anyone may call without signing in (api/public.c, api/topics.c):
 * public tracking's misses, public suggestions, the public topic list. A
 * fixed table of ADDR_LIMIT_SLOTS addresses scanned under a mutex; when it
 * is full the address whose window began first is forgotten. Not the
 * login throttle (core/auth.c), so a citizen never locks staff out.
 */
#ifndef CIVICLOOP_API_ADDR_LIMIT_H
#define CIVICLOOP_API_ADDR_LIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define ADDR_LIMIT_SLOTS 1024

struct addr_limit {
	int max;           /* counts allowed in one window */
	int64_t window_ms; /* how long a window lasts from its first count */
	pthread_mutex_t mu;
	struct {
		char addr[64];
		int64_t window_start; /* first count of the current window, real-clock ms */
		int count;            /* counts since window_start; 0 = free slot */
	} slots[ADDR_LIMIT_SLOTS];
};

#define ADDR_LIMIT_INIT(max_, window_) \
	{ \
		.max = (max_), .window_ms = (window_), .mu = PTHREAD_MUTEX_INITIALIZER \
	}

/* True if addr has counted fewer than max in its current window (or its
 * window is over) at real-clock time now. */
bool addr_limit_allowed(struct addr_limit *l, const char *addr, int64_t now);
/* Counts one for addr at now. */
void addr_limit_count(struct addr_limit *l, const char *addr, int64_t now);

#endif
