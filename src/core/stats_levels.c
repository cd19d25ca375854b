/*
 * The per-level figures of GET /api/v1/stats/{type} (stats.h) for a type
 * with "levels" and rates.local_resolution (disputes, docs/dispute.md):
 * for each level, lowest first, the cases that level first took on
 * (fields.first_level, written by core/levels.c), how many of them were
 * resolved (closed), resolved without ever climbing (就地调处), and
 * escalated, with 就地调处率 = resolved_locally ÷ resolved as DESIGN §4
 * defines it; and how many escalations left the level. Same scope as
 * every other figure of the answer (the period, the org subtree).
 */
#include "core/stats.h"

#include <stdlib.h>
#include <string.h>

/* Binds the parameters of ST_STATS_LEVELS(_OUT): the scope ?1..?5, the
 * escalate actions ?6 and the completion states ?16. */
static void bind_scope(struct store_stmt *s, const struct stats_query *q, const char *escalate,
                       const char *closed)
{
	sbind_text(s, 16, closed);
	sbind_text(s, 1, q->type->code);
	sbind_text(s, 2, q->org_path);
	sbind_int(s, 3, q->from);
	sbind_int(s, 4, q->to);
	sbind_int(s, 5, 0);
	sbind_text(s, 6, escalate);
}

/* The level object for org kind `kind` in arr (NULL if it is no level). */
static json_t *level_of(const struct matter_type *t, json_t *arr, const char *kind)
{
	int i = type_level_index(t, kind);
	return i < 0 ? NULL : json_array_get(arr, (size_t)i);
}

static json_t *levels_zero(const struct matter_type *t)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < t->data.nlevels; i++) {
		json_t *o =
		    json_pack("{s:s,s:s,s:i,s:i,s:n,s:i}", "org_kind", t->data.levels[i].org_kind,
		              "name", t->data.levels[i].name, "resolved_locally", 0, "escalated", 0,
		              "local_resolution_rate", "escalated_out", 0);
		json_object_set_new(o, "closed", json_integer(0));   /* not a type name */
		json_object_set_new(o, "received", json_integer(0)); /* not a type name */
		json_array_append_new(arr, o);
	}
	return arr;
}

int stats_levels(struct store_conn *c, const struct stats_query *q, json_t **out, struct err *e)
{
	const struct matter_type *t = q->type;
	*out = NULL;
	if (t->data.nlevels == 0 || !t->data.rates.escalate_actions)
		return 0;
	char *esc = json_dumps(t->data.rates.escalate_actions, JSON_COMPACT);
	char *closed = json_dumps(t->data.rates.close_states, JSON_COMPACT);
	json_t *arr = levels_zero(t);
	if (!esc || !closed || !arr)
		goto fail;
	struct store_stmt *s = store_stmt(c, ST_STATS_LEVELS);
	bind_scope(s, q, esc, closed);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		json_t *lv = level_of(t, arr, scol_text(s, 0));
		if (!lv)
			continue; /* not taken on by any level yet */
		int64_t done = scol_int(s, 2), local = scol_int(s, 3);
		json_t *got = json_integer(scol_int(s, 1));
		json_object_set_new(lv, "received", got);              /* not a type name */
		json_object_set_new(lv, "closed", json_integer(done)); /* not a type name */
		json_object_set_new(lv, "resolved_locally", json_integer(local));
		json_object_set_new(lv, "escalated", json_integer(scol_int(s, 4)));
		json_object_set_new(lv, "local_resolution_rate",
		                    done ? json_real((double)local / (double)done) : json_null());
	}
	sreset(s);
	if (rc != STORE_DONE)
		goto fail;
	s = store_stmt(c, ST_STATS_LEVELS_OUT);
	bind_scope(s, q, esc, closed);
	while ((rc = sstep(s)) == STORE_ROW) {
		json_t *lv = level_of(t, arr, scol_text(s, 0));
		if (lv)
			json_object_set_new(lv, "escalated_out", json_integer(scol_int(s, 1)));
	}
	sreset(s);
	if (rc != STORE_DONE)
		goto fail;
	free(esc);
	free(closed);
	*out = arr;
	return 0;
fail:
	free(esc);
	free(closed);
	json_decref(arr);
	return err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
}
