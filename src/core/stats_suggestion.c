/*
 * The people's-suggestion figures of GET /api/v1/stats/{type} (stats.h)
 * for a type with a "decisions" block (docs/suggestion.md): per collection
 * topic (the block's topic_field; cases under none are one row with topic
 * null) and per unit asked for its opinion (a live assignment), the
 * suggestions received, adopted, partly adopted and not adopted (the
 * decision field's values the block lists), implemented (reached the
 * block's implemented state) and the mean days from receipt to the first
 * decision (the block's action), over the decided ones (null when none).
 * Same scope as every other figure of the answer (the period, the org
 * subtree). The SQL is store/stmt_suggestion.h.
 */
#include "core/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Binds ST_STATS_SUGG_*: the scope ?1..?5 and the decisions block ?6..?12. */
static void bind_decisions(struct store_stmt *s, const struct stats_query *q, char *const lists[3])
{
	const struct type_decisions *D = &q->type->data.decisions;
	char field[80], topic[80];
	snprintf(field, sizeof field, "$.%s", D->field);
	snprintf(topic, sizeof topic, "$.%s", D->topic_field);
	sbind_text(s, 1, q->type->code);
	sbind_text(s, 2, q->org_path);
	sbind_int(s, 3, q->from);
	sbind_int(s, 4, q->to);
	sbind_int(s, 5, 0);
	sbind_text(s, 6, D->action);
	sbind_text(s, 7, field);
	sbind_text(s, 8, topic);
	sbind_text(s, 9, D->implemented);
	for (int i = 0; i < 3; i++)
		sbind_text(s, 10 + i, lists[i]);
}

/* The figures of row s from column c on, into o. */
static void figures(json_t *o, struct store_stmt *s, int c)
{
	static const char *const keys[] = {"received", /* not a type name */
	                                   "adopted", "partly", "not_adopted", "implemented"};
	for (int i = 0; i < 5; i++)
		json_object_set_new(o, keys[i], json_integer(scol_int(s, c + i)));
	/* to one decimal: 3.25 days → 3.3 */
	double days =
	    scol_null(s, c + 5) ? 0 : (double)(int64_t)(scol_real(s, c + 5) * 10 + 0.5) / 10;
	json_object_set_new(o, "avg_days_to_decision",
	                    scol_null(s, c + 5) ? json_null() : json_real(days));
}

/* One statement's rows as an array of {key…, figures}. */
static json_t *rows(struct store_conn *c, const struct stats_query *q, int stmt,
                    char *const lists[3], bool topics)
{
	struct store_stmt *s = store_stmt(c, stmt);
	bind_decisions(s, q, lists);
	json_t *arr = json_array();
	int rc = -1;
	while (arr && (rc = sstep(s)) == STORE_ROW) {
		json_t *o;
		if (topics)
			o = json_pack("{s:o,s:o}", "topic",
			              scol_null(s, 0) ? json_null() : json_integer(scol_int(s, 0)),
			              "title",
			              scol_null(s, 1) ? json_null() : json_string(scol_text(s, 1)));
		else
			o = json_pack("{s:{s:s,s:s}}", "org", "code", scol_text(s, 0), "name",
			              scol_text(s, 1));
		figures(o, s, 2);
		json_array_append_new(arr, o);
	}
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

int stats_suggestion(struct store_conn *c, const struct stats_query *q, json_t **out, struct err *e)
{
	const struct type_decisions *D = &q->type->data.decisions;
	*out = NULL;
	if (!D->action)
		return 0;
	char *lists[3] = {json_dumps(D->adopted, JSON_COMPACT), json_dumps(D->partly, JSON_COMPACT),
	                  json_dumps(D->not_adopted, JSON_COMPACT)};
	json_t *by_topic = NULL, *by_org = NULL;
	if (lists[0] && lists[1] && lists[2]) {
		by_topic = rows(c, q, ST_STATS_SUGG_TOPICS, lists, true);
		by_org = rows(c, q, ST_STATS_SUGG_DEPTS, lists, false);
	}
	for (int i = 0; i < 3; i++)
		free(lists[i]);
	if (!by_topic || !by_org) {
		json_decref(by_topic);
		json_decref(by_org);
		return err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
	}
	*out = json_pack("{s:o,s:o}", "by_topic", by_topic, "by_org", by_org);
	return *out ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}
