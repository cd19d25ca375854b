/*
 * The report-in figures of GET /api/v1/stats/{type} (stats.h) for a type
 * with rates.report_in (吹哨报到, docs/whistle.md): the cases by owning org
 * (the township or park that blew the whistle: how many, resolved, taken
 * to the county), and for each summoned unit its parts, how many it
 * reported in (报到: signed for) on time and late, its report-in time
 * (signed_at − dispatched_at: median and p90, nearest rank, in minutes),
 * how many it fed back, and the ratings both sides gave (rate_part,
 * core/ratings.c): each integer item's average, each yes/no item's
 * counts. Same scope as every other figure of the answer.
 *
 * A part is late when it was signed for after its sign_due_at, or is still
 * not signed for (and not cancelled) after it; it is due when signed for or
 * late. on_time_rate = on_time ÷ due.
 */
#include "core/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tallies of one unit (or of all of them). */
struct unit_tally {
	int64_t parts, reported_in, on_time, late, fed_back;
	int64_t *mins_ms; /* report-in times of the signed parts, ascending per unit */
	int nmins, capmins;
	json_t *ratings; /* side → {"count", "sum": {item: n}, "yes": {}, "no": {}} */
};

static void tally_init(struct unit_tally *u, json_t *sides)
{
	memset(u, 0, sizeof *u);
	u->ratings = json_object();
	size_t i;
	json_t *s;
	json_array_foreach(sides, i, s) json_object_set_new(
	    u->ratings, json_string_value(s),
	    json_pack("{s:i,s:{},s:{},s:{},s:{}}", "count", 0, "sum", "n", "yes", "no"));
}

static void add_int(json_t *o, const char *k, json_int_t by)
{
	json_object_set_new(o, k, json_integer(json_integer_value(json_object_get(o, k)) + by));
}

/* One stored ratings object into u's tallies, for the sides it tracks. */
static void tally_ratings(struct unit_tally *u, const char *text)
{
	json_t *r = text ? json_loads(text, 0, NULL) : NULL;
	const char *side;
	json_t *t;
	json_object_foreach(u->ratings, side, t)
	{
		json_t *one = json_object_get(r, side);
		if (!json_is_object(one))
			continue;
		add_int(t, "count", 1);
		const char *k;
		json_t *v;
		json_object_foreach(one, k, v)
		{
			if (json_is_integer(v)) {
				add_int(json_object_get(t, "sum"), k, json_integer_value(v));
				add_int(json_object_get(t, "n"), k, 1);
			} else if (json_is_boolean(v)) {
				add_int(json_object_get(t, json_is_true(v) ? "yes" : "no"), k, 1);
				add_int(json_object_get(t, json_is_true(v) ? "no" : "yes"), k, 0);
			}
		}
	}
	json_decref(r);
}

static int tally_part(struct unit_tally *u, struct store_stmt *s, int64_t now)
{
	int64_t disp = scol_int(s, 2), due = scol_null(s, 3) ? 0 : scol_int(s, 3);
	int64_t signed_at = scol_null(s, 4) ? 0 : scol_int(s, 4);
	bool cancelled = scol_int(s, 6) != 0;
	u->parts++;
	if (signed_at) {
		u->reported_in++;
		if (!due || signed_at <= due)
			u->on_time++;
		else
			u->late++;
		if (u->nmins == u->capmins) {
			int cap = u->capmins ? 2 * u->capmins : 16;
			int64_t *m = realloc(u->mins_ms, (size_t)cap * sizeof *m);
			if (!m)
				return -1;
			u->mins_ms = m;
			u->capmins = cap;
		}
		u->mins_ms[u->nmins++] = signed_at - disp;
	} else if (!cancelled && due && now > due) {
		u->late++;
	}
	if (!scol_null(s, 5) && !cancelled)
		u->fed_back++;
	tally_ratings(u, scol_null(s, 7) ? NULL : scol_text(s, 7));
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The p-th percentile (nearest rank) of u's times in minutes, or null. */
static json_t *pct_minutes(struct unit_tally *u, double p)
{
	if (u->nmins == 0)
		return json_null();
	qsort(u->mins_ms, (size_t)u->nmins, sizeof *u->mins_ms, cmp_i64);
	int rank = (int)ceil(p * u->nmins);
	if (rank < 1)
		rank = 1;
	return json_real(round((double)u->mins_ms[rank - 1] / 6000.0) / 10.0);
}

/* u's ratings as {side: {"count", "average": {item: x}, "yes": {}, "no": {}}}. */
static json_t *ratings_json(const struct unit_tally *u)
{
	json_t *out = json_object();
	const char *side;
	json_t *t;
	json_object_foreach(u->ratings, side, t)
	{
		json_t *avg = json_object(), *sum = json_object_get(t, "sum");
		const char *k;
		json_t *v;
		json_object_foreach(sum, k, v)
		{
			json_int_t n =
			    json_integer_value(json_object_get(json_object_get(t, "n"), k));
			json_object_set_new(
			    avg, k,
			    json_real(round(100.0 * (double)json_integer_value(v) / (double)n) /
			              100.0));
		}
		json_object_set_new(out, side,
		                    json_pack("{s:O,s:o,s:O,s:O}", "count",
		                              json_object_get(t, "count"), "average", avg, "yes",
		                              json_object_get(t, "yes"), "no",
		                              json_object_get(t, "no")));
	}
	return out;
}

static json_t *tally_json(struct unit_tally *u)
{
	int64_t due = u->on_time + u->late;
	json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I}", "parts", (json_int_t)u->parts, "reported_in",
	                      (json_int_t)u->reported_in, "on_time", (json_int_t)u->on_time, "late",
	                      (json_int_t)u->late, "fed_back", (json_int_t)u->fed_back);
	json_object_set_new(o, "on_time_rate",
	                    due ? json_real((double)u->on_time / (double)due) : json_null());
	json_object_set_new(o, "median_minutes", pct_minutes(u, 0.5));
	json_object_set_new(o, "p90_minutes", pct_minutes(u, 0.9));
	json_object_set_new(o, "ratings", ratings_json(u));
	return o;
}

static void tally_free(struct unit_tally *u)
{
	free(u->mins_ms);
	json_decref(u->ratings);
}

static void bind_scope(struct store_stmt *s, const struct stats_query *q, const char *closed,
                       const char *esc)
{
	sbind_text(s, 1, q->type->code);
	sbind_text(s, 2, q->org_path);
	sbind_int(s, 3, q->from);
	sbind_int(s, 4, q->to);
	sbind_text(s, 5, closed);
	sbind_text(s, 6, esc);
}

/* The owning orgs' rows into by_owner; the whistles and resolved totals. */
static int owners(struct store_conn *c, const struct stats_query *q, const char *closed,
                  const char *esc, json_t *by_owner, json_t *total)
{
	struct store_stmt *s = store_stmt(c, ST_WHISTLE_BY_OWNER);
	bind_scope(s, q, closed, esc);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		int64_t n = scol_int(s, 2), done = scol_int(s, 3);
		json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I}", "code", scol_text(s, 0), "name",
		                      scol_text(s, 1), "cases", (json_int_t)n, "resolved",
		                      (json_int_t)done, "escalated", (json_int_t)scol_int(s, 4));
		json_object_set_new(o, "resolved_rate",
		                    n ? json_real((double)done / (double)n) : json_null());
		json_array_append_new(by_owner, o);
		add_int(total, "cases", n);
		add_int(total, "resolved", done);
		add_int(total, "escalated", scol_int(s, 4));
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* One unit's row, from its tallies (released), into units. */
static void unit_row(json_t *units, struct unit_tally *u, const char *code, const char *name)
{
	json_t *o = tally_json(u);
	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "name", json_string(name));
	json_array_append_new(units, o);
	tally_free(u);
}

/* The units' rows into units, and all of them into *all. */
static int parts(struct store_conn *c, const struct stats_query *q, int64_t now, const char *closed,
                 const char *esc, json_t *units, struct unit_tally *all)
{
	json_t *sides = q->type->data.rates.report_in_sides;
	struct unit_tally u;
	char code[64] = "", name[128] = "";
	bool open = false;
	struct store_stmt *s = store_stmt(c, ST_WHISTLE_PARTS);
	bind_scope(s, q, closed, esc);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (!open || strcmp(code, scol_text(s, 0))) {
			if (open)
				unit_row(units, &u, code, name);
			snprintf(code, sizeof code, "%s", scol_text(s, 0));
			snprintf(name, sizeof name, "%s", scol_text(s, 1));
			tally_init(&u, sides);
			open = true;
		}
		if (tally_part(&u, s, now) != 0 || tally_part(all, s, now) != 0) {
			rc = STORE_ERROR;
			break;
		}
	}
	sreset(s);
	if (open)
		unit_row(units, &u, code, name);
	return rc == STORE_DONE ? 0 : -1;
}

int stats_report_in(struct store_conn *c, const struct stats_query *q, int64_t now, json_t *o,
                    struct err *e)
{
	const struct type_rates *R = &q->type->data.rates;
	if (!R->report_in_sides)
		return 0;
	char *closed = json_dumps(R->close_states, JSON_COMPACT);
	char *esc = R->escalate_actions ? json_dumps(R->escalate_actions, JSON_COMPACT) : NULL;
	json_t *by_owner = json_array(), *units = json_array();
	json_t *total = json_pack("{s:i,s:i,s:i}", "cases", 0, "resolved", 0, "escalated", 0);
	struct unit_tally all;
	tally_init(&all, R->report_in_sides);
	int rc = -1;
	if (!closed || !by_owner || !units || !total ||
	    owners(c, q, closed, esc, by_owner, total) != 0 ||
	    parts(c, q, now, closed, esc, units, &all) != 0)
		goto out;
	json_t *r = tally_json(&all);
	json_int_t n = json_integer_value(json_object_get(total, "cases"));
	json_int_t done = json_integer_value(json_object_get(total, "resolved"));
	json_object_update(r, total);
	json_object_set_new(r, "resolved_rate",
	                    n ? json_real((double)done / (double)n) : json_null());
	json_object_set(r, "by_owner", by_owner);
	json_object_set(r, "units", units);
	json_object_set_new(o, "report_in", r);
	rc = 0;
out:
	free(closed);
	free(esc);
	json_decref(by_owner);
	json_decref(units);
	json_decref(total);
	tally_free(&all);
	return rc == 0 ? 0 : err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
}
