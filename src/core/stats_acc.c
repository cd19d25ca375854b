/*
 * The differences one upkeep of the stats aggregates makes (stats_agg.c),
 * summed per row of the four rollups (stats_cell, stats_month,
 * stats_unit_cell, stats_unit_month) and of the per-day counts of
 * deadlines (stats_due_day, stats_part_due_day) before they are written:
 * a row that
 * many cases of a batch move — the county's cell of today and of this
 * month, a township's, a unit's — gets one upsert, not one per case. The
 * rows are written in key order and a row whose sum is zero is not
 * touched.
 *
 * Memory: one entry (~200 bytes) per distinct row the flush touches; the
 * caller writes them out (stats_acc_write) when stats_acc_count grows past
 * its bound.
 */
#include "core/stats_int.h"

#include <stdlib.h>
#include <string.h>

struct cell {
	char *type, *class_, *channel, *status, *region; /* one allocation, type first */
	uint64_t hash;
};

struct entry {
	int64_t scope, key, unit;
	int cell;
	int table;
	int64_t v[STATS_AGG_N];
};

struct stats_acc {
	struct cell *cells;
	int ncells, capcells;
	int *cell_slots; /* open addressing: cell index + 1, 0 empty */
	int cell_slot_cap;
	struct entry *e;
	int n, cap;
	int *slots; /* open addressing: entry index + 1, 0 empty */
	int slot_cap;
};

static uint64_t mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t str_hash(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;
}

struct stats_acc *stats_acc_new(void)
{
	return calloc(1, sizeof(struct stats_acc));
}

void stats_acc_free(struct stats_acc *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->ncells; i++)
		free(a->cells[i].type);
	free(a->cells);
	free(a->cell_slots);
	free(a->e);
	free(a->slots);
	free(a);
}

int stats_acc_count(const struct stats_acc *a)
{
	return a->n;
}

static int cell_rehash(struct stats_acc *a, int cap)
{
	int *s = calloc((size_t)cap, sizeof *s);
	if (!s)
		return -1;
	for (int i = 0; i < a->ncells; i++) {
		size_t j = a->cells[i].hash & (size_t)(cap - 1);
		while (s[j])
			j = (j + 1) & (size_t)(cap - 1);
		s[j] = i + 1;
	}
	free(a->cell_slots);
	a->cell_slots = s;
	a->cell_slot_cap = cap;
	return 0;
}

int stats_acc_cell(struct stats_acc *a, const char *type, const char *class_, const char *channel,
                   const char *status, const char *region)
{
	uint64_t h = str_hash(0xcbf29ce484222325ULL, type);
	h = str_hash(str_hash(str_hash(str_hash(h, class_), channel), status), region);
	if (a->cell_slot_cap) {
		size_t j = h & (size_t)(a->cell_slot_cap - 1);
		for (; a->cell_slots[j]; j = (j + 1) & (size_t)(a->cell_slot_cap - 1)) {
			const struct cell *x = &a->cells[a->cell_slots[j] - 1];
			if (x->hash == h && !strcmp(x->type, type) && !strcmp(x->class_, class_) &&
			    !strcmp(x->channel, channel) && !strcmp(x->status, status) &&
			    !strcmp(x->region, region))
				return a->cell_slots[j] - 1;
		}
	}
	if (a->ncells == a->capcells) {
		int cap = a->capcells ? a->capcells * 2 : 64;
		struct cell *c = realloc(a->cells, (size_t)cap * sizeof *c);
		if (!c)
			return -1;
		a->cells = c;
		a->capcells = cap;
	}
	size_t lt = strlen(type) + 1, lc = strlen(class_) + 1, lh = strlen(channel) + 1,
	       ls = strlen(status) + 1, lr = strlen(region) + 1;
	char *p = malloc(lt + lc + lh + ls + lr);
	if (!p)
		return -1;
	struct cell *x = &a->cells[a->ncells];
	x->type = memcpy(p, type, lt);
	x->class_ = memcpy(p + lt, class_, lc);
	x->channel = memcpy(p + lt + lc, channel, lh);
	x->status = memcpy(p + lt + lc + lh, status, ls);
	x->region = memcpy(p + lt + lc + lh + ls, region, lr);
	x->hash = h;
	a->ncells++;
	if (a->ncells * 2 > a->cell_slot_cap) { /* places them all, the new one too */
		if (cell_rehash(a, a->cell_slot_cap ? a->cell_slot_cap * 2 : 128) != 0) {
			a->ncells--;
			free(p);
			return -1;
		}
	} else {
		size_t j = h & (size_t)(a->cell_slot_cap - 1);
		while (a->cell_slots[j])
			j = (j + 1) & (size_t)(a->cell_slot_cap - 1);
		a->cell_slots[j] = a->ncells;
	}
	return a->ncells - 1;
}

static uint64_t entry_hash(int table, int64_t scope, int64_t key, int64_t unit, int cell)
{
	uint64_t h = mix(0, (uint64_t)table);
	h = mix(h, (uint64_t)scope);
	h = mix(h, (uint64_t)key);
	h = mix(h, (uint64_t)unit);
	return mix(h, (uint64_t)cell) * 0x9e3779b97f4a7c15ULL;
}

static int entry_rehash(struct stats_acc *a, int cap)
{
	int *s = calloc((size_t)cap, sizeof *s);
	if (!s)
		return -1;
	for (int i = 0; i < a->n; i++) {
		const struct entry *x = &a->e[i];
		size_t j =
		    entry_hash(x->table, x->scope, x->key, x->unit, x->cell) & (size_t)(cap - 1);
		while (s[j])
			j = (j + 1) & (size_t)(cap - 1);
		s[j] = i + 1;
	}
	free(a->slots);
	a->slots = s;
	a->slot_cap = cap;
	return 0;
}

int stats_acc_add(struct stats_acc *a, int table, int64_t scope, int64_t key, int64_t unit,
                  int cell, int sign, const int64_t v[STATS_AGG_N])
{
	if ((a->n + 1) * 2 > a->slot_cap &&
	    entry_rehash(a, a->slot_cap ? a->slot_cap * 2 : 1024) != 0)
		return -1;
	size_t mask = (size_t)(a->slot_cap - 1);
	size_t j = entry_hash(table, scope, key, unit, cell) & mask;
	for (; a->slots[j]; j = (j + 1) & mask) {
		struct entry *x = &a->e[a->slots[j] - 1];
		if (x->table == table && x->scope == scope && x->key == key && x->unit == unit &&
		    x->cell == cell) {
			for (int i = 0; i < STATS_AGG_N; i++)
				x->v[i] += sign * v[i];
			return 0;
		}
	}
	if (a->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 512;
		struct entry *e = realloc(a->e, (size_t)cap * sizeof *e);
		if (!e)
			return -1;
		a->e = e;
		a->cap = cap;
	}
	struct entry *x = &a->e[a->n++];
	x->table = table;
	x->scope = scope;
	x->key = key;
	x->unit = unit;
	x->cell = cell;
	for (int i = 0; i < STATS_AGG_N; i++)
		x->v[i] = sign * v[i];
	a->slots[j] = a->n;
	return 0;
}

/* qsort's comparison needs the cells: one flush at a time per thread. */
static _Thread_local const struct stats_acc *sorting;

static int cmp_i64(int64_t x, int64_t y)
{
	return x < y ? -1 : x > y;
}

/* The primary keys' order: (scope, type, day, [unit,] class, channel, status,
 * region). */
static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *x = &sorting->e[*(const int *)pa], *y = &sorting->e[*(const int *)pb];
	const struct cell *cx = &sorting->cells[x->cell], *cy = &sorting->cells[y->cell];
	int r;
	if ((r = x->table - y->table) || (r = cmp_i64(x->scope, y->scope)) ||
	    (r = strcmp(cx->type, cy->type)) || (r = cmp_i64(x->key, y->key)) ||
	    (r = cmp_i64(x->unit, y->unit)) || (r = strcmp(cx->class_, cy->class_)) ||
	    (r = strcmp(cx->channel, cy->channel)) || (r = strcmp(cx->status, cy->status)))
		return r;
	return strcmp(cx->region, cy->region);
}

static bool all_zero(const int64_t v[STATS_AGG_N])
{
	for (int i = 0; i < STATS_AGG_N; i++)
		if (v[i])
			return false;
	return true;
}

static int entry_write(struct store_conn *c, const struct entry *x, const struct cell *cl)
{
	if (x->table == STATS_ACC_DUE_DAY || x->table == STATS_ACC_PART_DUE_DAY) {
		struct store_stmt *s =
		    store_stmt(c, x->table == STATS_ACC_DUE_DAY ? ST_STATS_DUE_DAY_ADD
		                                                : ST_STATS_PART_DUE_DAY_ADD);
		if (!s)
			return -1;
		sbind_int(s, 1, x->scope);
		sbind_text(s, 2, cl->type);
		sbind_int(s, 3, x->key);
		sbind_int(s, 4, x->v[0]);
		sbind_text(s, 5, cl->region);
		int rc = sstep(s);
		sreset(s);
		return rc == STORE_DONE ? 0 : -1;
	}
	static const enum stmt_id ids[] = {
	    [STATS_ACC_CELL_DAY] = ST_STATS_CELL_ADD,
	    [STATS_ACC_CELL_MONTH] = ST_STATS_MONTH_ADD,
	    [STATS_ACC_UNIT_DAY] = ST_STATS_UNIT_CELL_ADD,
	    [STATS_ACC_UNIT_MONTH] = ST_STATS_UNIT_MONTH_ADD,
	};
	struct store_stmt *s = store_stmt(c, ids[x->table]);
	if (!s)
		return -1;
	int p = 1;
	sbind_int(s, p++, x->scope);
	sbind_text(s, p++, cl->type);
	sbind_int(s, p++, x->key);
	if (x->table == STATS_ACC_UNIT_DAY || x->table == STATS_ACC_UNIT_MONTH)
		sbind_int(s, p++, x->unit);
	sbind_text(s, p++, cl->class_);
	sbind_text(s, p++, cl->channel);
	sbind_text(s, p++, cl->status);
	for (int i = 0; i < STATS_AGG_N; i++)
		sbind_int(s, p++, x->v[i]);
	sbind_text(s, p, cl->region);
	int rc = sstep(s);
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

int stats_acc_write(struct stats_acc *a, struct store_conn *c)
{
	int rc = 0;
	if (a->n > 0) {
		int *order = malloc((size_t)a->n * sizeof *order);
		if (!order)
			return -1;
		for (int i = 0; i < a->n; i++)
			order[i] = i;
		sorting = a;
		qsort(order, (size_t)a->n, sizeof *order, entry_cmp);
		sorting = NULL;
		for (int i = 0; i < a->n && rc == 0; i++) {
			const struct entry *x = &a->e[order[i]];
			if (!all_zero(x->v))
				rc = entry_write(c, x, &a->cells[x->cell]);
		}
		free(order);
	}
	a->n = 0;
	if (a->slot_cap)
		memset(a->slots, 0, (size_t)a->slot_cap * sizeof *a->slots);
	return rc;
}
