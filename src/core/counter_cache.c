/* The writer's counters in memory, see counter_cache.h. */
#include "core/counter_cache.h"

#include <stdio.h>
#include <string.h>

static int counter_load(struct store_conn *c, const char *name, const char *region, int64_t *value)
{
	struct store_stmt *s = store_stmt(c, ST_COUNTER_GET);
	if (!s)
		return -1;
	sbind_text(s, 1, name);
	sbind_text(s, 2, region);
	int rc = sstep(s);
	*value = rc == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

static int counter_store(struct store_conn *c, const struct counter_slot *sl)
{
	struct store_stmt *s = store_stmt(c, ST_COUNTER_SET);
	if (!s)
		return -1;
	sbind_text(s, 1, sl->name);
	sbind_text(s, 2, sl->region);
	sbind_int(s, 3, sl->value);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

/* The slot for (name, region), loading it into a clean slot if absent;
 * NULL if the store failed or every slot is dirty. */
static struct counter_slot *counter_slot_of(struct counter_cache *cc, struct store_conn *c,
                                            const char *name, const char *region)
{
	for (int i = 0; i < COUNTER_SLOTS; i++)
		if (!strcmp(cc->slot[i].name, name) && !strcmp(cc->slot[i].region, region))
			return &cc->slot[i];
	struct counter_slot *victim = NULL;
	for (int n = 0; n < COUNTER_SLOTS && !victim; n++) {
		struct counter_slot *sl = &cc->slot[(cc->next_victim + n) % COUNTER_SLOTS];
		if (!sl->dirty)
			victim = sl;
	}
	/* every slot dirty: write them out now, in the same transaction */
	if (!victim && counter_cache_flush(cc, c) == 0)
		victim = &cc->slot[cc->next_victim];
	if (!victim)
		return NULL;
	cc->next_victim = (int)(victim - cc->slot + 1) % COUNTER_SLOTS;
	victim->name[0] = '\0';
	if (counter_load(c, name, region, &victim->value) != 0)
		return NULL;
	snprintf(victim->name, sizeof victim->name, "%s", name);
	memcpy(victim->region, region, sizeof victim->region);
	victim->dirty = false;
	return victim;
}

int counter_cache_next(struct counter_cache *cc, struct store_conn *c, const char *name,
                       const char *region, int64_t *out)
{
	if (strlen(name) >= COUNTER_NAME_MAX || strlen(region) != REGION_LEN)
		return -1;
	struct counter_slot *sl = counter_slot_of(cc, c, name, region);
	if (!sl)
		return -1;
	*out = ++sl->value;
	sl->dirty = true;
	return 0;
}

int counter_cache_flush(struct counter_cache *cc, struct store_conn *c)
{
	for (int i = 0; i < COUNTER_SLOTS; i++) {
		struct counter_slot *sl = &cc->slot[i];
		if (sl->dirty) {
			if (counter_store(c, sl) != 0)
				return -1;
			sl->dirty = false;
		}
	}
	return 0;
}

void counter_cache_clear(struct counter_cache *cc)
{
	memset(cc, 0, sizeof *cc);
}
