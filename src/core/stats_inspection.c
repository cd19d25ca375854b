/*
 * The rolling inspection figures of GET /api/v1/stats/{type}
 * (docs/inspection.md): for the type with an "inspection_plan" block, the
 * inspections due in the period asked for (their due date inside it, not
 * their receipt: a plan's inspection belongs to the period it closes), in
 * the org subtree: planned, done on time (recorded by the due instant),
 * late (recorded after it), missed (still open past it), open (not yet
 * due), flagged (ever flagged missed by the system, recorded late or not)
 * and the hazards they found; in all, by industry and by township.
 */
#include "core/stats.h"
#include "core/type_data.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

/* The seven counts from column `at` of s. */
static json_t *counts_json(struct store_stmt *s, int at)
{
	json_int_t planned = scol_int(s, at), on_time = scol_int(s, at + 1);
	json_t *o = json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "planned", planned, "done_on_time", on_time, "late",
	    (json_int_t)scol_int(s, at + 2), "missed", (json_int_t)scol_int(s, at + 3), "open",
	    (json_int_t)scol_int(s, at + 4), "flagged", (json_int_t)scol_int(s, at + 5),
	    "hazards_found", (json_int_t)scol_int(s, at + 6));
	/* on time of those whose due instant has passed or that were done */
	json_int_t judged = planned - scol_int(s, at + 4);
	json_object_set_new(o, "on_time_rate",
	                    judged > 0 ? json_real((double)on_time / (double)judged) : json_null());
	return o;
}

static void binds(struct store_stmt *s, const struct stats_query *q, int64_t now, const char *hz,
                  const char *missed)
{
	sbind_text(s, 1, q->type->code);
	sbind_text(s, 2, q->org_path);
	sbind_int(s, 3, q->from);
	sbind_int(s, 4, q->to);
	sbind_int(s, 5, now);
	sbind_text(s, 6, hz);
	sbind_text(s, 7, missed);
}

int stats_inspection(struct store_conn *c, const struct stats_query *q, int64_t now, json_t **out,
                     struct err *e)
{
	const struct type_inspection *I = &q->type->data.inspection;
	*out = NULL;
	if (!I->by_risk)
		return 0;
	char hz[80], missed[80];
	snprintf(hz, sizeof hz, "$.%s", I->hazards_field);
	snprintf(missed, sizeof missed, "$.%s", I->missed_field);
	json_t *o = json_object(), *ind = json_array(), *tw = json_array();
	int rc = STORE_DONE;
	struct store_stmt *s = store_stmt(c, ST_INSPECTION_COUNTS);
	binds(s, q, now, hz, missed);
	if ((rc = sstep(s)) == STORE_ROW)
		json_object_set_new(o, "counts", counts_json(s, 0));
	sreset(s);
	s = store_stmt(c, ST_INSPECTION_BY_INDUSTRY);
	binds(s, q, now, hz, missed);
	while (rc == STORE_ROW && (rc = sstep(s)) == STORE_ROW) {
		json_t *g = counts_json(s, 1);
		json_object_set_new(g, "industry", json_string(scol_text(s, 0)));
		json_array_append_new(ind, g);
	}
	sreset(s);
	s = store_stmt(c, ST_INSPECTION_BY_TOWNSHIP);
	binds(s, q, now, hz, missed);
	int rc2 = rc == STORE_DONE ? STORE_ROW : rc;
	while (rc2 == STORE_ROW && (rc2 = sstep(s)) == STORE_ROW) {
		json_t *g = counts_json(s, 3);
		json_object_set_new(
		    g, "township",
		    scol_null(s, 0) ? json_null()
		                    : json_pack("{s:I,s:s,s:s}", "id", (json_int_t)scol_int(s, 0),
		                                "code", scol_text(s, 1), "name", scol_text(s, 2)));
		json_array_append_new(tw, g);
	}
	sreset(s);
	json_object_set_new(o, "by_industry", ind);
	json_object_set_new(o, "by_township", tw);
	if (rc2 != STORE_DONE || !json_object_get(o, "counts")) {
		json_decref(o);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	*out = o;
	return 0;
}
