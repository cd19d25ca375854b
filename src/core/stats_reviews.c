/*
 * The joint-review figures of GET /api/v1/stats/{type} (stats.h) for a type
 * with rates.reviews (联审联办: 宅基地审批, docs/homestead.md): the
 * applications owned in the scope — how many, approved and refused (the
 * block's states), closed and their average days from receipt to close —
 * and for each reviewing unit its parts, how many it answered, on time
 * (done by the part's due_at) and late (answered after it, or still open
 * past it), and its average answering days. Same scope as every other
 * figure of the answer. Days are calendar days (86,400,000 ms).
 */
#include "core/stats.h"

#include <stdlib.h>

#define DAY_MS 86400000.0

static json_t *avg_days(int64_t sum_ms, int64_t n)
{
	return n ? json_real((double)sum_ms / DAY_MS / (double)n) : json_null();
}

static json_t *rate(int64_t num, int64_t den)
{
	return den ? json_real((double)num / (double)den) : json_null();
}

static void bind_scope(struct store_stmt *s, const struct stats_query *q)
{
	sbind_text(s, 1, q->type->code);
	sbind_text(s, 2, q->org_path);
	sbind_int(s, 3, q->from);
	sbind_int(s, 4, q->to);
}

static int cases_row(struct store_conn *c, const struct stats_query *q, json_t *r)
{
	const struct type_rates *R = &q->type->data.rates;
	char *ok = json_dumps(R->reviews_approved, JSON_COMPACT);
	char *no = json_dumps(R->reviews_refused, JSON_COMPACT);
	int rc = STORE_ERROR;
	if (ok && no) {
		struct store_stmt *s = store_stmt(c, ST_REVIEWS_CASES);
		bind_scope(s, q);
		sbind_text(s, 5, ok);
		sbind_text(s, 6, no);
		rc = sstep(s);
		if (rc == STORE_ROW) {
			int64_t closed = scol_int(s, 3);
			json_object_set_new(r, "applications", json_integer(scol_int(s, 0)));
			json_object_set_new(r, "approved", json_integer(scol_int(s, 1)));
			json_object_set_new(r, "refused", json_integer(scol_int(s, 2)));
			json_object_set_new(r, "finished", json_integer(closed));
			json_object_set_new(r, "avg_days_to_close",
			                    avg_days(scol_int(s, 4), closed));
		}
		sreset(s);
	}
	free(ok);
	free(no);
	return rc == STORE_ROW ? 0 : -1;
}

static int units_rows(struct store_conn *c, const struct stats_query *q, int64_t now, json_t *units)
{
	struct store_stmt *s = store_stmt(c, ST_REVIEWS_UNITS);
	bind_scope(s, q);
	sbind_int(s, 5, now);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		int64_t parts = scol_int(s, 2), answered = scol_int(s, 3), on_time = scol_int(s, 4);
		json_array_append_new(
		    units,
		    json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:o,s:o}", "code", scol_text(s, 0), "name",
		              scol_text(s, 1), "parts", (json_int_t)parts, "answered",
		              (json_int_t)answered, "on_time", (json_int_t)on_time, "late",
		              (json_int_t)scol_int(s, 5), "on_time_rate", rate(on_time, answered),
		              "avg_days_to_answer", avg_days(scol_int(s, 6), answered)));
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

int stats_reviews(struct store_conn *c, const struct stats_query *q, int64_t now, json_t *o,
                  struct err *e)
{
	if (!q->type->data.rates.reviews_approved)
		return 0;
	json_t *r = json_object(), *units = json_array();
	if (!r || !units || cases_row(c, q, r) != 0 || units_rows(c, q, now, units) != 0) {
		json_decref(r);
		json_decref(units);
		return err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
	}
	json_object_set_new(r, "units", units);
	json_object_set_new(o, "reviews", r);
	return 0;
}
