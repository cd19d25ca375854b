/*
 * The compliance checks of official receptions (core/receptions.h): each
 * recorded reception of the type is held to the type's reception_rules,
 * computed on read from the case's own fields, so a corrected standard
 * applies to the past at once and nothing can drift from the cases.
 */
#include "core/receptions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/chain.h"
#include "core/engine.h"
#include "core/search.h"
#include "core/type_data.h"
#include "core/writer.h"
#include "util/timeutil.h"

#define REFUSED_EVENT "reception.refused"

static const char *const kinds[] = {"no_letter",     "revoked_letter", "too_many_hosts",
                                    "over_standard", "outside_dates",  "confirmed_twice"};
#define NKINDS (sizeof kinds / sizeof kinds[0])

bool reception_kind_known(const char *kind)
{
	for (size_t i = 0; kind && i < NKINDS; i++)
		if (!strcmp(kinds[i], kind))
			return true;
	return false;
}

static json_int_t int_of(json_t *fields, const char *name)
{
	return json_integer_value(json_object_get(fields, name));
}

static const char *str_of(json_t *fields, const char *name)
{
	return json_string_value(json_object_get(fields, name));
}

static void add_int(json_t *o, const char *k, json_int_t by)
{
	json_object_set_new(o, k, json_integer(json_integer_value(json_object_get(o, k)) + by));
}

/* The hosts a meal of `guests` may have (中央八项规定: ≤ 3 for up to ten
 * guests, else a third of them), by the rules' numbers. */
static json_int_t hosts_allowed(const struct type_reception *R, json_int_t guests)
{
	return guests <= R->small_group ? R->max_hosts : guests / 3;
}

/* The rules one recorded reception breaks, each {"kind","reason"}, into
 * out; revoked_at (0: not revoked) and why_revoked are its letter's. */
static void check_one(const struct type_reception *R, json_t *f, int64_t revoked_at,
                      const char *why_revoked, json_t *out)
{
	char why[256];
	int64_t confirmed = 0;
	const char *cat = str_of(f, R->confirmed_field);
	if (!str_of(f, R->letter_field) || !cat || time_parse_iso(cat, &confirmed) != 0)
		json_array_append_new(out, json_pack("{s:s,s:s}", "kind", "no_letter", "reason",
		                                     "未持经接待单位确认的公函接待"));
	else if (revoked_at && confirmed >= revoked_at) {
		char when[ISO8601_MAX];
		time_format_iso(revoked_at, when, sizeof when);
		snprintf(why, sizeof why, "公函%s已于%.10s作废（%s）后仍被确认使用",
		         str_of(f, R->letter_field), when, why_revoked ? why_revoked : "");
		json_array_append_new(
		    out, json_pack("{s:s,s:s}", "kind", "revoked_letter", "reason", why));
	}
	json_int_t guests = int_of(f, R->guests_field), hosts = int_of(f, R->hosts_field);
	json_int_t meals = int_of(f, R->meals_field), cost = int_of(f, R->cost_field);
	if (meals > 0 && hosts > hosts_allowed(R, guests)) {
		snprintf(why, sizeof why, "陪餐%lld人，接待对象%lld人，最多可陪餐%lld人",
		         (long long)hosts, (long long)guests, (long long)hosts_allowed(R, guests));
		json_array_append_new(
		    out, json_pack("{s:s,s:s}", "kind", "too_many_hosts", "reason", why));
	}
	json_int_t heads = guests + hosts;
	if (meals > 0 && heads > 0 && cost > (json_int_t)R->cost_per_head * heads * meals) {
		snprintf(why, sizeof why,
		         "费用%lld元，%lld人用餐%lld次，人均每餐%.0f元，超过标准%d元",
		         (long long)cost, (long long)heads, (long long)meals,
		         (double)cost / (double)heads / (double)meals, R->cost_per_head);
		json_array_append_new(
		    out, json_pack("{s:s,s:s}", "kind", "over_standard", "reason", why));
	}
	const char *on = str_of(f, R->date_field), *from = str_of(f, R->from_field),
	           *to = str_of(f, R->to_field);
	/* dates are YYYY-MM-DD: their order is the strings' */
	if (on && from && to && (strcmp(on, from) < 0 || strcmp(on, to) > 0)) {
		snprintf(why, sizeof why, "接待日期%s不在出行日期%s至%s之内", on, from, to);
		json_array_append_new(
		    out, json_pack("{s:s,s:s}", "kind", "outside_dates", "reason", why));
	}
}

/* by_unit's row for code, made on first use. */
static json_t *unit_row(json_t *by_unit, const char *code, const char *name)
{
	json_t *row = json_object_get(by_unit, code);
	if (!row) {
		row =
		    json_pack("{s:s,s:s,s:i,s:i,s:i,s:{}}", "code", code, "name", name ? name : "",
		              "receptions", 0, "with_letter", 0, "flags", 0, "by_kind");
		json_object_set_new(by_unit, code, row);
	}
	return row;
}

static json_t *figures_new(void)
{
	json_t *bk = json_object();
	for (size_t i = 0; i < NKINDS; i++)
		json_object_set_new(bk, kinds[i], json_integer(0));
	return json_pack("{s:i,s:i,s:i,s:i,s:i,s:o,s:{}}", "letters", 0, "confirmed", 0,
	                 "receptions", 0, "with_letter", 0, "flags", 0, "by_kind", bk, "by_unit");
}

/* One row of ST_RECEPTION_CASES into the flags and figures. */
static void scan_row(const struct reception_query *q, struct store_stmt *s, json_t *flags,
                     json_t *fig)
{
	const struct type_reception *R = &q->type->data.reception;
	json_t *f = json_loads(scol_text(s, 5), 0, NULL);
	if (!f)
		return;
	if (str_of(f, R->letter_field))
		add_int(fig, "letters", 1);
	if (str_of(f, R->confirmed_field))
		add_int(fig, "confirmed", 1);
	bool recorded = false;
	size_t i;
	json_t *v;
	json_array_foreach(R->recorded_states, i,
	                   v) if (!strcmp(json_string_value(v), scol_text(s, 3))) recorded = true;
	const char *ucode = scol_null(s, 8) ? scol_text(s, 6) : scol_text(s, 8);
	const char *uname = scol_null(s, 8) ? scol_text(s, 7) : scol_text(s, 9);
	if (!recorded || (q->unit && strcmp(q->unit, ucode))) {
		json_decref(f);
		return;
	}
	json_t *row = unit_row(json_object_get(fig, "by_unit"), ucode, uname);
	json_t *broken = json_array();
	check_one(R, f, scol_null(s, 11) ? 0 : scol_int(s, 11),
	          scol_null(s, 12) ? NULL : scol_text(s, 12), broken);
	bool lettered = true;
	add_int(fig, "receptions", 1);
	add_int(row, "receptions", 1);
	json_t *b;
	json_array_foreach(broken, i, b)
	{
		const char *kind = json_string_value(json_object_get(b, "kind"));
		if (!strcmp(kind, "no_letter") || !strcmp(kind, "revoked_letter"))
			lettered = false;
		if (q->kind && strcmp(q->kind, kind))
			continue;
		add_int(fig, "flags", 1);
		add_int(row, "flags", 1);
		add_int(json_object_get(fig, "by_kind"), kind, 1);
		add_int(json_object_get(row, "by_kind"), kind, 1);
		if (flags && json_array_size(flags) < RECEPTION_FLAGS_MAX)
			json_array_append_new(
			    flags,
			    json_pack("{s:I,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:O,s:O}", "case_id",
			              (json_int_t)scol_int(s, 0), "number", scol_text(s, 1),
			              "title", scol_text(s, 2), "unit", "code", ucode, "name",
			              uname, "traveller", "code", scol_text(s, 6), "name",
			              scol_text(s, 7), "kind", json_object_get(b, "kind"), "reason",
			              json_object_get(b, "reason")));
	}
	if (lettered) {
		add_int(fig, "with_letter", 1);
		add_int(row, "with_letter", 1);
	}
	json_decref(broken);
	json_decref(f);
}

/* The refused attempts recorded on q's cases into the flags and figures. */
static int scan_refusals(struct store_conn *c, const struct reception_query *q, const char *upath,
                         json_t *flags, json_t *fig)
{
	struct store_stmt *s = store_stmt(c, ST_RECEPTION_REFUSALS);
	sbind_text(s, 1, q->type->code);
	sbind_text(s, 2, q->org_path);
	sbind_opt_int(s, 3, q->from);
	sbind_opt_int(s, 4, q->to);
	sbind_text(s, 5, upath);
	if (q->type->data.reception.refused)
		sbind_int(s, 6, 1);
	else
		sbind_null(s, 6);
	sbind_text(s, 7, REFUSED_EVENT);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		json_t *p = json_loads(scol_text(s, 3), 0, NULL);
		const char *kind = json_string_value(json_object_get(p, "kind"));
		const char *ucode = scol_null(s, 6) ? scol_text(s, 4) : scol_text(s, 6);
		const char *uname = scol_null(s, 6) ? scol_text(s, 5) : scol_text(s, 7);
		if (!kind || !reception_kind_known(kind) || (q->kind && strcmp(q->kind, kind)) ||
		    (q->unit && strcmp(q->unit, ucode))) {
			json_decref(p);
			continue;
		}
		json_t *row = unit_row(json_object_get(fig, "by_unit"), ucode, uname);
		add_int(fig, "flags", 1);
		add_int(row, "flags", 1);
		add_int(json_object_get(fig, "by_kind"), kind, 1);
		add_int(json_object_get(row, "by_kind"), kind, 1);
		if (flags && json_array_size(flags) < RECEPTION_FLAGS_MAX)
			json_array_append_new(
			    flags, json_pack("{s:I,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:s,s:O}",
			                     "case_id", (json_int_t)scol_int(s, 0), "number",
			                     scol_text(s, 1), "title", scol_text(s, 2), "unit",
			                     "code", ucode, "name", uname, "traveller", "code",
			                     scol_text(s, 4), "name", scol_text(s, 5), "kind", kind,
			                     "reason", json_object_get(p, "reason")));
		json_decref(p);
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

int reception_refusal(struct wctx *w, const struct actor *a, int64_t id, const char *action)
{
	struct store_stmt *s = store_stmt(w->conn, ST_RECEPTION_CASE_TYPE);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc != STORE_ROW) {
		sreset(s);
		return rc == STORE_DONE ? 0 : -1;
	}
	const struct matter_type *t = types_find(w->app->types, scol_text(s, 0));
	json_t *how = t ? json_object_get(t->data.reception.refused, action) : NULL;
	json_t *p = how ? json_pack("{s:s,s:O,s:O,s:s}", "action", action, "kind",
	                            json_object_get(how, "kind"), "reason",
	                            json_object_get(how, "reason"), "status", scol_text(s, 1))
	                : NULL;
	sreset(s);
	if (!how)
		return 0;
	char *text = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(p);
	rc = text ? engine_record_read(w, a, id, REFUSED_EVENT, text) : -1;
	free(text);
	return rc == 0 ? 1 : -1;
}

int reception_act(struct wctx *w, const struct actor *a, int64_t id, const char *action,
                  json_t *body, json_t **out, struct err *e)
{
	struct chain_head before = *w->head;
	int mark = w->search ? search_queue_mark(w->search) : 0;
	if (store_exec(w->conn, ST_SAVEPOINT) != STORE_OK)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (engine_act(w, a, id, action, body, out, e) == 0)
		return store_exec(w->conn, ST_RELEASE) == STORE_OK
		           ? 0
		           : err_set(e, E_UNAVAILABLE, NULL, NULL);
	store_exec(w->conn, ST_ROLLBACK_TO);
	*w->head = before;
	if (w->search)
		search_queue_truncate(w->search, mark);
	if (store_exec(w->conn, ST_RELEASE) != STORE_OK || e->kind != E_STATE_CONFLICT)
		return -1;
	struct err saved = *e;
	int rc = reception_refusal(w, a, id, action);
	*e = saved;
	return rc == 1 ? 1 : -1;
}

/* by_unit {code: row} → [row…] by code, each with its usage rate. */
static json_t *units_array(json_t *by_unit)
{
	json_t *arr = json_array();
	const char *k;
	json_t *row;
	json_object_foreach(by_unit, k, row)
	{
		json_int_t n = json_integer_value(json_object_get(row, "receptions"));
		json_int_t w = json_integer_value(json_object_get(row, "with_letter"));
		json_object_set_new(row, "usage_rate",
		                    n ? json_real((double)w / (double)n) : json_null());
		json_array_append(arr, row);
	}
	return arr;
}

int receptions_scan(struct store_conn *c, const struct reception_query *q, json_t **flags,
                    json_t **figures, struct err *e)
{
	const struct type_reception *R = &q->type->data.reception;
	char upath[80], lpath[80];
	snprintf(upath, sizeof upath, "$.%s", R->unit_field);
	snprintf(lpath, sizeof lpath, "$.%s", R->letter_field);
	json_t *fl = flags ? json_array() : NULL, *fig = figures_new();
	struct store_stmt *s = store_stmt(c, ST_RECEPTION_CASES);
	sbind_text(s, 1, q->type->code);
	sbind_text(s, 2, q->org_path);
	sbind_opt_int(s, 3, q->from);
	sbind_opt_int(s, 4, q->to);
	sbind_text(s, 5, upath);
	sbind_text(s, 6, lpath);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		scan_row(q, s, fl, fig);
	sreset(s);
	if (rc == STORE_DONE && fig && scan_refusals(c, q, upath, fl, fig) != 0)
		rc = STORE_ERROR;
	if (rc != STORE_DONE || !fig) {
		json_decref(fl);
		json_decref(fig);
		return err_set(e, E_UNAVAILABLE, NULL, "接待合规检查查询失败");
	}
	json_int_t n = json_integer_value(json_object_get(fig, "receptions"));
	json_int_t w = json_integer_value(json_object_get(fig, "with_letter"));
	json_object_set_new(fig, "usage_rate", n ? json_real((double)w / (double)n) : json_null());
	json_object_set_new(fig, "by_unit", units_array(json_object_get(fig, "by_unit")));
	if (flags)
		*flags = fl;
	*figures = fig;
	return 0;
}
