/* Counting per client address in a window (addr_limit.h). */
#include "api/addr_limit.h"

#include <stdio.h>
#include <string.h>

static int slot_find(const struct addr_limit *l, const char *addr)
{
	for (int i = 0; i < ADDR_LIMIT_SLOTS; i++)
		if (l->slots[i].count && !strcmp(l->slots[i].addr, addr))
			return i;
	return -1;
}

bool addr_limit_allowed(struct addr_limit *l, const char *addr, int64_t now)
{
	pthread_mutex_lock(&l->mu);
	int i = slot_find(l, addr);
	bool ok =
	    i < 0 || now - l->slots[i].window_start > l->window_ms || l->slots[i].count < l->max;
	pthread_mutex_unlock(&l->mu);
	return ok;
}

void addr_limit_count(struct addr_limit *l, const char *addr, int64_t now)
{
	pthread_mutex_lock(&l->mu);
	int i = slot_find(l, addr);
	if (i < 0) {
		i = 0;
		for (int k = 0; k < ADDR_LIMIT_SLOTS; k++) {
			if (!l->slots[k].count) {
				i = k;
				break;
			}
			if (l->slots[k].window_start < l->slots[i].window_start)
				i = k;
		}
		snprintf(l->slots[i].addr, sizeof l->slots[i].addr, "%s", addr);
		l->slots[i].count = 0;
	}
	if (!l->slots[i].count || now - l->slots[i].window_start > l->window_ms) {
		l->slots[i].window_start = now;
		l->slots[i].count = 0;
	}
	l->slots[i].count++;
	pthread_mutex_unlock(&l->mu);
}
