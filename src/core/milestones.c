/*
 * Milestones (时间表、路线图) of a listed task (docs/task.md): a field kind
 * holding dated steps, and the two effects that put them on the clock.
 *
 *   field kind "milestones"  [{"name": "完成选址", "due": "2026-03-31"}, …]:
 *                 1 to the field's max steps (default 12), each a name of
 *                 1–100 characters on one line and a calendar date; the
 *                 step is due at 24:00 (Asia/Shanghai) of that date.
 *   field kind "list"        the id of a published list (core/tasklists.h).
 *   milestone_timers {"field"} one timer of kind "milestone" per step not
 *                 yet done, on the case's live lead assignment, due at the
 *                 step's date. Engine deadlines are relative (N working
 *                 days from now); these are absolute dates. The type's
 *                 auto_urge names the kind, so an overdue step makes the
 *                 scheduler act on the lead's part (the task type flags the
 *                 task and tells its leader).
 *   milestone_done {"field"}  the body's field (an int, 1-based) names a
 *                 step: it gets "done_at" and its timer stops.
 *
 * The dates are the type's data (case fields), never names in C.
 */
#include "core/engine_int.h"

#include <stdio.h>
#include <string.h>

#include "util/text.h"
#include "util/timeutil.h"

#define MILESTONE_NAME_MAX 100
#define MILESTONES_DEFAULT_MAX 12

/* The instant a step dated `date` (YYYY-MM-DD) is due: 24:00 of that day,
 * +08:00. -1 if the date is not one. */
static int64_t milestone_due(const char *date)
{
	int64_t day;
	if (!date || strlen(date) != 10 || time_parse_date(date, &day) != 0)
		return -1;
	return (day + 1) * MS_PER_DAY - 8 * 3600 * 1000LL;
}

int field_milestones_check(const struct type_field *f, json_t *v, struct err *e)
{
	size_t max = f->max ? (size_t)f->max : MILESTONES_DEFAULT_MAX;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是非空的节点列表", f->name);
	if (json_array_size(v) > max)
		return err_set(e, E_FIELD_TOO_LONG, f->name, "%s 最多 %zu 个节点", f->name, max);
	size_t i;
	json_t *m;
	json_array_foreach(v, i, m)
	{
		json_t *name = json_object_get(m, "name");
		if (!json_is_object(m) || json_object_size(m) != 2 ||
		    text_fault(name, MILESTONE_NAME_MAX, TEXT_NONEMPTY) != TEXT_OK)
			return err_set(
			    e, E_FIELD_INVALID, f->name,
			    "%s 第 %zu 项须为 {\"name\": 1–%d 字的单行文本, \"due\": 日期}",
			    f->name, i + 1, MILESTONE_NAME_MAX);
		if (milestone_due(json_string_value(json_object_get(m, "due"))) < 0)
			return err_set(e, E_FIELD_INVALID, f->name,
			               "%s 第 %zu 项的 due 须为 YYYY-MM-DD 日期", f->name, i + 1);
	}
	return 0;
}

int field_list_check(struct store_conn *c, const struct type_field *f, json_t *v, struct err *e)
{
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是清单 id", f->name);
	struct store_stmt *s = store_stmt(c, ST_TASK_LIST_EXISTS);
	sbind_int(s, 1, json_integer_value(v));
	int rc = sstep(s);
	sreset(s);
	if (rc == STORE_ROW)
		return 0;
	if (rc == STORE_DONE)
		return err_set(e, E_FIELD_INVALID, f->name, "%s 不是已发布的清单", f->name);
	return store_fail(e);
}

/* The case's live lead assignment's id (0 if none), -1 if the store failed. */
static int64_t live_lead(struct act_ctx *x)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_TASK_LEAD_ASG);
	sbind_int(s, 1, x->cf->c.id);
	int rc = sstep(s);
	int64_t id = rc == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? id : -1;
}

int effect_milestone_timers(struct act_ctx *x, json_t *params)
{
	const char *field = json_string_value(json_object_get(params, "field"));
	json_t *steps = json_object_get(x->cf->c.fields, field);
	int64_t lead = live_lead(x);
	if (lead < 0)
		return store_fail(x->e);
	if (!lead)
		return err_set(x->e, E_STATE_CONFLICT, NULL, "还没有牵头单位，不能排定时间节点");
	size_t i;
	json_t *m;
	json_array_foreach(steps, i, m)
	{
		int64_t due = milestone_due(json_string_value(json_object_get(m, "due")));
		if (due < 0 || json_object_get(m, "done_at"))
			continue;
		if (timer_at(x->w, x->t, x->cf->c.id, lead, "milestone", DEADLINE_HOURS, due,
		             x->w->now) != 0)
			return store_fail(x->e);
	}
	return 0;
}

int effect_milestone_done(struct act_ctx *x, json_t *params)
{
	const char *field = json_string_value(json_object_get(params, "field"));
	const char *steps_field = json_string_value(json_object_get(params, "milestones"));
	json_t *n = json_object_get(x->body, field);
	if (!n)
		return 0;
	json_t *steps = json_object_get(x->cf->c.fields, steps_field);
	json_t *m = json_array_get(steps, (size_t)(json_integer_value(n) - 1));
	if (!json_is_object(m))
		return err_set(x->e, E_FIELD_INVALID, field, "没有第 %lld 个时间节点",
		               (long long)json_integer_value(n));
	if (json_object_get(m, "done_at"))
		return err_set(x->e, E_STATE_CONFLICT, field, "这个时间节点已经完成");
	char at[ISO8601_MAX];
	time_format_iso(x->w->now, at, sizeof at);
	json_object_set_new(m, "done_at", json_string(at));
	json_object_set_new(x->payload, "milestone_done", json_integer(json_integer_value(n)));
	struct store_stmt *s = store_stmt(x->w->conn, ST_TIMER_STOP_AT);
	sbind_int(s, 1, x->cf->c.id);
	sbind_text(s, 2, "milestone");
	sbind_int(s, 3, milestone_due(json_string_value(json_object_get(m, "due"))));
	return sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
}
