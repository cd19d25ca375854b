/*
 * Ratings of one unit's part of a case (双考核, docs/whistle.md): the
 * effect rate_part keeps, on an assignment, what one side thought of it —
 * the owning org rating a summoned department's response, the department
 * rating the summons — as {"SIDE": {field: value…, "at", "by"}} in
 * assignments.ratings (migration 14), shown as the assignment's "ratings"
 * in the case's detail and tallied by the stats (stats_whistle.c). A side
 * rates a part once: a rating is a record, not a draft. Runs in writer
 * jobs; the load-time check of its parameters is rate_part_fault.
 */
#include "core/engine_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

#define RATING_SIDE_MAX 32

/* The part rated: the live assignment of the unit body[org_field] names,
 * or the caller's own (an "on": "assignment" action). NULL with x->e set. */
static struct asg_rec *rated_part(struct act_ctx *x, const char *org_field)
{
	if (!org_field) {
		if (!x->mine)
			err_set(x->e, E_INTERNAL, NULL, "rate_part 需要承办任务");
		return x->mine;
	}
	json_t *org = json_object_get(x->body, org_field);
	for (int i = 0; i < x->cf->na; i++)
		if (asg_live(&x->cf->a[i]) && asg_is_org(&x->cf->a[i], org))
			return &x->cf->a[i];
	err_set(x->e, E_FIELD_INVALID, org_field, "该单位不是本件召集或承办的单位");
	return NULL;
}

/* The stored ratings of assignment id (a new object; {} when none). */
static json_t *ratings_load(struct store_conn *c, int64_t id)
{
	struct store_stmt *s = store_stmt(c, ST_ASG_RATINGS);
	sbind_int(s, 1, id);
	json_t *r = NULL;
	if (sstep(s) == STORE_ROW && !scol_null(s, 0))
		r = json_loads(scol_text(s, 0), 0, NULL);
	sreset(s);
	return json_is_object(r) ? r : (json_decref(r), json_object());
}

/* rate_part {"side", "fields", "org_field"?}: the body's fields (those
 * given) with "at" and "by" (the rater's org) become the part's rating by
 * `side`; a second rating by the same side is 409. Payload "rating":
 * {"assignment","org","side"}. */
int effect_rate_part(struct act_ctx *x, json_t *params)
{
	const char *side = json_string_value(json_object_get(params, "side"));
	const char *org_field = json_string_value(json_object_get(params, "org_field"));
	struct asg_rec *g = rated_part(x, org_field);
	if (!g || NEVER(!side))
		return -1;
	json_t *all = ratings_load(x->w->conn, g->id), *one = json_object();
	int rc = -1;
	if (!all || !one) {
		err_oom(x->e);
		goto out;
	}
	if (json_object_get(all, side)) {
		err_set(x->e, E_STATE_CONFLICT, NULL, "已评价过 %s 的这项任务，评价不能修改",
		        g->org_name);
		goto out;
	}
	size_t i;
	json_t *name;
	json_array_foreach(json_object_get(params, "fields"), i, name)
	{
		json_t *v = json_object_get(x->body, json_string_value(name));
		if (v)
			json_object_set(one, json_string_value(name), v);
	}
	char at[ISO8601_MAX];
	time_format_iso(x->w->now, at, sizeof at);
	json_object_set_new(one, "at", json_string(at));
	json_object_set_new(one, "by", json_string(x->a->org_code));
	json_object_set(all, side, one);
	char *text = json_canonical(all);
	if (!text) {
		err_oom(x->e);
		goto out;
	}
	struct store_stmt *s = store_stmt(x->w->conn, ST_ASG_RATINGS_SET);
	sbind_int(s, 1, g->id);
	sbind_text(s, 2, text);
	sbind_int(s, 3, x->w->now);
	rc = sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
	free(text);
	json_object_set_new(x->payload, "rating",
	                    json_pack("{s:I,s:s,s:s}", "assignment", (json_int_t)g->id, "org",
	                              g->org_code, "side", side));
out:
	json_decref(all);
	json_decref(one);
	return rc;
}

json_t *assignment_ratings_json(struct store_conn *c, int64_t asg_id)
{
	json_t *r = ratings_load(c, asg_id);
	if (r && json_object_size(r) == 0) {
		json_decref(r);
		return json_null();
	}
	return r ? r : json_null();
}

static bool side_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > RATING_SIDE_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return false;
	return true;
}

const char *rate_part_fault(const struct matter_type *t, const struct type_action *a,
                            json_t *params)
{
	const char *org_field = json_string_value(json_object_get(params, "org_field"));
	json_t *fields = json_object_get(params, "fields");
	if (!side_ok(json_string_value(json_object_get(params, "side"))))
		return "rate_part 的 side 须为 1–32 个小写字母或下划线";
	if (json_object_get(params, "org_field")) {
		const struct type_field *f = type_field(t, org_field);
		if (!f || f->kind != FK_ORG)
			return "rate_part 的 org_field 必须是本类型 org 类的字段";
	} else if (!a->on_assignment) {
		return "rate_part 不带 org_field 时须在作用于承办任务的动作上";
	}
	if (!json_is_array(fields) || json_array_size(fields) == 0)
		return "rate_part 的 fields 必须是本类型字段名的非空数组";
	size_t i;
	json_t *f;
	json_array_foreach(fields, i, f)
	{
		const char *n = json_string_value(f);
		if (!type_field(t, n) || !strcmp(n, "at") || !strcmp(n, "by"))
			return "rate_part 的 fields 必须是本类型字段名的非空数组";
	}
	return NULL;
}
