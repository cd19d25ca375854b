/*
 * What the stats files share inside core (not an API): the type's rates
 * block as bound parameters (stats.c), used by the live statements and by
 * the upkeep of the daily aggregates (stats_agg.c).
 */
#ifndef CIVICLOOP_CORE_STATS_INT_H
#define CIVICLOOP_CORE_STATS_INT_H

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
/* The rates parameters (?6..?22) of ST_STATS_CASES / ST_STATS_ONE_CASE. */
void stats_bind_case_rates(struct store_stmt *s, const struct rate_binds *b);

/* The number of counters of a tally kept in the aggregates (stmt_stats.h). */
#define STATS_AGG_N 20

#endif
