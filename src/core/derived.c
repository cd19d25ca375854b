/* Rebuilding the derived tables (derived.h): each derived table's owner
 * adds its rebuild here, in dependency order. */
#include "core/derived.h"
#include "core/case_overdue.h"
#include "core/case_scope.h"
#include "core/part_due.h"

#include <stdbool.h>
#include <stdio.h>

#include "core/stats.h"
#include "store/store.h"

static int rebuild(struct store_conn *c, const struct app *app, bool stats, char *err,
                   size_t errcap)
{
	if (case_scope_rebuild(c) != 0) { /* the lists' visibility index */
		snprintf(err, errcap, "重建工单可见范围索引失败：%s", store_errmsg(c));
		return -1;
	}
	/* the overdue list's kept set (core/case_overdue.c), at its stored mark */
	if (case_overdue_rebuild(c) != 0) {
		snprintf(err, errcap, "重建超期工单索引失败：%s", store_errmsg(c));
		return -1;
	}
	/* the inbox's deadline index (core/part_due.c) */
	if (part_due_rebuild(c, app, err, errcap) != 0)
		return -1;
	/* the stats aggregates (core/stats_agg.c) */
	if (stats && stats_agg_rebuild(c, app, err, errcap) != 0)
		return -1;
	return 0;
}

int derived_rebuild(struct store_conn *c, const struct app *app, char *err, size_t errcap)
{
	return rebuild(c, app, true, err, errcap);
}

int derived_rebuild_but_stats(struct store_conn *c, const struct app *app, char *err, size_t errcap)
{
	return rebuild(c, app, false, err, errcap);
}
