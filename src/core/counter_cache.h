/*
 * The counters the writer hands out (case numbers per type, region and day,
 * core/case_no.h), kept in memory so a creation reads no row back
 * (core/writer.h wctx_counter_next). A small fixed table: a counter not in
 * it is read from the store once; a slot's value is the last one handed
 * out, written to the store by counter_cache_flush before the batch's
 * COMMIT. Only the writer's thread touches it. Not a general cache: the
 * counters table is written by nothing else while the writer runs.
 */
#ifndef CIVICLOOP_CORE_COUNTER_CACHE_H
#define CIVICLOOP_CORE_COUNTER_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/region.h"
#include "store/store.h"

#define COUNTER_SLOTS 32
#define COUNTER_NAME_MAX 64

struct counter_slot {
	char name[COUNTER_NAME_MAX]; /* "" when the slot is free */
	char region[REGION_LEN + 1]; /* its row's region_code (docs/citus.md) */
	int64_t value;               /* the last value handed out (or stored) */
	bool dirty;                  /* value not yet written in this batch */
};

struct counter_cache {
	struct counter_slot slot[COUNTER_SLOTS];
	int next_victim; /* round robin among clean slots */
};

/* The next value of counter (name, region) into *out; 0, or -1 (the store
 * failed, the name is too long or the region not REGION_LEN long). */
int counter_cache_next(struct counter_cache *cc, struct store_conn *c, const char *name,
                       const char *region, int64_t *out);
/* Writes the dirty slots in the open transaction: 0, or -1. */
int counter_cache_flush(struct counter_cache *cc, struct store_conn *c);
/* Forgets everything (the batch did not commit: the store is the truth). */
void counter_cache_clear(struct counter_cache *cc);

#endif
