/*
 * What the stats files share inside core (not an API): the type's rates
 * block as bound parameters (stats.c), used by the live statements and by
 * the upkeep of the aggregates; a case's share of the aggregates and its
 * reading (stats_fold.c), the sums of an upkeep (stats_acc.c), the reading
 * of a period (stats_month.c).
 */
#ifndef CIVICLOOP_CORE_STATS_INT_H
#define CIVICLOOP_CORE_STATS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/region.h"
#include "core/types.h"
#include "store/store.h"

/* The type's rates block as the parameters of store/stmt_stats.h: names as
 * they are, lists as JSON array texts, payload fields as JSON paths. Owns
 * its texts (rate_binds_release). */
struct rate_binds {
	const struct type_rates *r;
	char *actions; /* every action whose events are read */
	char *reopen_actions, *reopen_to, *resolved_in, *satisfied_in, *close_states, *escalate;
	char resolved_path[TYPE_DATA_NAME_MAX + 8];
	char satisfied_path[TYPE_DATA_NAME_MAX + 8];
};

/* 0, or -1 out of memory (b released). */
int rate_binds_init(struct rate_binds *b, const struct type_rates *r);
void rate_binds_release(struct rate_binds *b);

/* The number of counters of a tally kept in the aggregates (stmt_stats.h). */
#define STATS_AGG_N 20

/* ---- the upkeep of the aggregates (stats_fold.c, stats_acc.c, stats_agg.c) ---- */

#define STATS_CASE_N 17     /* a case's own counters, first in the vector */
#define STATS_MAX_ROWS 512  /* (scope, unit) pairs of one case */
#define STATS_CODE_MAX 128  /* type, class, channel, status */
#define STATS_MAX_PARTS 256 /* assignments of one case */
#define STATS_BLOB_MAX \
	(STATS_CASE_N * 10 + 10 + STATS_MAX_ROWS * 6 * 10 + 10 + STATS_MAX_PARTS * 3 * 10)

/* Where one case counts: a scope org (unit 0) or a lead unit inside it. */
struct stats_row {
	int64_t scope, unit;
	bool cases;   /* the case's own counters count here */
	int64_t a[3]; /* assignments, signed in time, returned */
};

/* An open part of an open case with a deadline: counts.overdue of its
 * unit (stats_part_due). */
struct stats_part {
	int64_t unit, due, id;
};

/* What one case adds to the aggregates (its "share"); stats_case holds the
 * one last added, as a blob. */
struct stats_share {
	bool present;
	char type[STATS_CODE_MAX], class_[STATS_CODE_MAX], channel[STATS_CODE_MAX],
	    status[STATS_CODE_MAX];
	char region[REGION_LEN + 1]; /* the case's (migration 33): every row's */
	int64_t day;
	bool has_due; /* open with a deadline: in stats_due at due */
	int64_t due;
	bool has_seq; /* the last event folded in (stats_case.seq) */
	int64_t seq;
	int64_t v[STATS_CASE_N];
	int n;
	struct stats_row rows[STATS_MAX_ROWS];
	int nparts; /* by assignment id */
	struct stats_part parts[STATS_MAX_PARTS];
	size_t blen; /* the encoded counters, rows and parts */
	unsigned char blob[STATS_BLOB_MAX];
};

/* The rates parameters of each type met, kept for one upkeep. */
struct stats_fold_cache {
	const struct matter_type *type[32];
	struct rate_binds b[32];
	int n;
};
void stats_fold_cache_release(struct stats_fold_cache *fc);

/* One read of case id (ST_STATS_FOLD): the share stats_case holds into
 * *old, the current one into *now. incremental: the events after the
 * stored share's seq are folded into its counters; else every event is
 * counted again (the check). t is the case's type (NULL: gone or
 * unknown). 0, or -1 on a store fault or a case beyond the limits. */
int stats_fold_read(struct store_conn *c, struct stats_fold_cache *fc, int64_t id,
                    const struct matter_type *t, bool incremental, struct stats_share *old,
                    struct stats_share *now);
/* The blob of k's counters, rows and parts (k->blob, k->blen), and back
 * (0, or -1 for a blob that does not read). */
void stats_share_encode(struct stats_share *k);
int stats_share_decode(struct stats_share *k);
struct stats_acc;
/* Adds share now of case id, which had none, to the aggregates: its rows
 * into acc, its stats_due, stats_part_due and stats_case rows written (a
 * bulk load's copy: stats_copy.c). 0, or -1. */
int stats_agg_put(struct store_conn *c, struct stats_acc *acc, int64_t id,
                  const struct stats_share *now);
/* Whether a and b are the same share (cell, region, day, deadline and
 * blob). */
bool stats_share_same(const struct stats_share *a, const struct stats_share *b);
/* A region code as a share holds it (REGION_LEN characters) into dst: 0,
 * or -1 for NULL or any other length. */
int stats_region_copy(char dst[REGION_LEN + 1], const char *src);

/* The day number of the first of day's month. */
int64_t stats_month_of(int64_t day);

/* The differences of one upkeep, summed per row of the rollups before
 * they are written (stats_acc.c). */
enum {
	STATS_ACC_CELL_DAY,     /* stats_cell */
	STATS_ACC_CELL_MONTH,   /* stats_month */
	STATS_ACC_UNIT_DAY,     /* stats_unit_cell */
	STATS_ACC_UNIT_MONTH,   /* stats_unit_month */
	STATS_ACC_DUE_DAY,      /* stats_due_day: v[0] only, the cell's type only */
	STATS_ACC_PART_DUE_DAY, /* stats_part_due_day: the same */
};
struct stats_acc;
struct stats_acc *stats_acc_new(void);
void stats_acc_free(struct stats_acc *a);
/* The id of the cell (type, class, channel, status) of the cases of
 * region, or -1 out of memory. */
int stats_acc_cell(struct stats_acc *a, const char *type, const char *class_, const char *channel,
                   const char *status, const char *region);
/* Adds sign * v to the row (table, scope, day or month, unit, cell). 0, or
 * -1 out of memory. */
int stats_acc_add(struct stats_acc *a, int table, int64_t scope, int64_t key, int64_t unit,
                  int cell, int sign, const int64_t v[STATS_AGG_N]);
/* The rows held. */
int stats_acc_count(const struct stats_acc *a);
/* Writes every row whose sum is not zero, in key order, and empties a.
 * 0, or -1 (store fault). */
int stats_acc_write(struct stats_acc *a, struct store_conn *c);

/* ---- reading them (stats_month.c) ---- */

/* What stats_agg_rows reads: the scope's cells (whole months from
 * stats_month), its cells by day only (group=day, in day order), its
 * units' cells (whole months from stats_unit_month). */
enum stats_agg_view { STATS_VIEW_CELLS, STATS_VIEW_DAYS, STATS_VIEW_UNITS };
/* Calls fn(arg, s) for each row of view over days [d0, d1) of scope and
 * type; s's columns: key (0-based col 0: day, month or unit), class,
 * channel, status, the 20 counters. A period's whole months are read from
 * the monthly rollup, its partial months at the ends from the days. fn
 * returns 0 to go on. 0, or -1 (store fault, or fn's -1). */
int stats_agg_rows(struct store_conn *c, enum stats_agg_view view, int64_t scope, const char *type,
                   int64_t d0, int64_t d1, int (*fn)(void *arg, struct store_stmt *s), void *arg);

#endif
