/*
 * Reading the stats aggregates over a period (stats_int.h
 * stats_agg_rows): the period's whole months from the monthly rollups
 * (stats_month, stats_unit_month), its partial months at the ends from the
 * daily rows (stats_cell, stats_unit_cell). A year is then 12 monthly
 * reads of a scope's cells plus at most two partial months of days, not
 * 365 days: the rows read are bounded by the distinct cells of a month,
 * which stop growing with the number of cases. group=day reads days only.
 *
 * Every read is one range of a rollup's primary key (scope, type, day or
 * month); tests/unit/test_stats_agg.c checks the plans.
 */
#include "core/stats_int.h"

static int read_range(struct store_conn *c, enum stmt_id id, int64_t scope, const char *type,
                      int64_t lo, int64_t hi, int (*fn)(void *arg, struct store_stmt *s), void *arg)
{
	if (lo >= hi)
		return 0;
	struct store_stmt *s = store_stmt(c, id);
	if (!s)
		return -1;
	sbind_int(s, 1, scope);
	sbind_text(s, 2, type);
	sbind_int(s, 3, lo);
	sbind_int(s, 4, hi);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		if (fn(arg, s) != 0) {
			sreset(s);
			return -1;
		}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* The first day of the first whole month in [d0, d1), or d1 if none. */
static int64_t month_ceil(int64_t d0)
{
	int64_t m = stats_month_of(d0);
	if (m == d0)
		return m;
	return stats_month_of(m + 31); /* the first of the next month */
}

int stats_agg_rows(struct store_conn *c, enum stats_agg_view view, int64_t scope, const char *type,
                   int64_t d0, int64_t d1, int (*fn)(void *arg, struct store_stmt *s), void *arg)
{
	if (view == STATS_VIEW_DAYS)
		return read_range(c, ST_STATS_AGG_DAYS, scope, type, d0, d1, fn, arg);
	bool units = view == STATS_VIEW_UNITS;
	enum stmt_id days = units ? ST_STATS_AGG_UNIT_DAYS : ST_STATS_AGG_DAYS;
	enum stmt_id months = units ? ST_STATS_AGG_UNIT_MONTHS : ST_STATS_AGG_MONTHS;
	/* [d0, m0) days, [m0, m1) whole months, [m1, d1) days */
	int64_t m0 = month_ceil(d0), m1 = d1 > d0 ? stats_month_of(d1) : d0;
	if (m0 >= m1)
		return read_range(c, days, scope, type, d0, d1, fn, arg);
	return read_range(c, days, scope, type, d0, m0, fn, arg) != 0 ||
	               read_range(c, months, scope, type, m0, m1, fn, arg) != 0 ||
	               read_range(c, days, scope, type, m1, d1, fn, arg) != 0
	           ? -1
	           : 0;
}
