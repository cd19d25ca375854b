/*
 * Calendar dates on a case (docs/domain.md): the "date" field kind, the
 * days left before such a date (the condition {"days_left": F, "lt": N}),
 * and the effect date_timer.
 *
 *   field kind "date"   "YYYY-MM-DD", a day in Asia/Shanghai: a plan's
 *                       整改时限, a reward's date.
 *   days_left           calendar days from today to the date: a hazard's
 *                       extension must be asked at least 20 days before
 *                       the plan's deadline, so a guard refuses it when
 *                       fewer are left.
 *   date_timer {"field"} a timer whose kind is the field's name, on the
 *                       case's live lead assignment, due at 24:00 of the
 *                       date in the case's field; the type's auto_urge may
 *                       name that kind (an overdue rectification warns the
 *                       enterprise and the regulator). Any running timer
 *                       of that kind stops first, so a moved date (an
 *                       approved extension) replaces the old one. With
 *                       "case_due": true the case itself is due then too
 *                       (its due_at: overdue lists, queues with
 *                       or_overdue; a generated inspection's period end,
 *                       docs/inspection.md).
 *
 * Engine deadlines are relative (N working days from now); these are
 * absolute dates set by people, like a listed task's milestones.
 */
#include "core/engine_int.h"

#include <string.h>

#include "util/timeutil.h"

#define SHANGHAI_OFFSET_MS (8 * 3600 * 1000LL)

int64_t date_due_at(const char *date)
{
	int64_t day;
	if (!date || strlen(date) != 10 || time_parse_date(date, &day) != 0)
		return -1;
	return (day + 1) * MS_PER_DAY - SHANGHAI_OFFSET_MS;
}

int date_days_left(const char *date, int64_t now, int64_t *left)
{
	int64_t day;
	if (!date || strlen(date) != 10 || time_parse_date(date, &day) != 0)
		return -1;
	int64_t today = (now + SHANGHAI_OFFSET_MS) / MS_PER_DAY;
	*left = day - today;
	return 0;
}

int field_date_check(const struct type_field *f, json_t *v, struct err *e)
{
	if (date_due_at(json_string_value(v)) < 0)
		return err_set(e, E_FIELD_INVALID, f->name, "%s 须为 YYYY-MM-DD 日期", f->name);
	return 0;
}

int effect_date_timer(struct act_ctx *x, json_t *params)
{
	const char *field = json_string_value(json_object_get(params, "field"));
	int64_t due = date_due_at(json_string_value(json_object_get(x->cf->c.fields, field)));
	/* the lead as stored: an assign effect earlier in this action made it */
	struct store_stmt *s = store_stmt(x->w->conn, ST_TASK_LEAD_ASG);
	sbind_int(s, 1, x->cf->c.id);
	int rc = sstep(s);
	int64_t lead = rc == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(x->e);
	if (timers_stop_case_kind(x->w, x->cf->c.id, field) != 0)
		return store_fail(x->e);
	if (due < 0)
		return 0; /* no date yet: nothing to watch */
	if (!lead)
		return err_set(x->e, E_STATE_CONFLICT, NULL, "还没有承办单位，不能按日期计时");
	if (timer_at(x->w, x->t, x->cf->c.id, lead, field, DEADLINE_HOURS, due, x->w->now) != 0)
		return store_fail(x->e);
	if (json_is_true(json_object_get(params, "case_due")))
		x->cf->c.due_at = due;
	char at[ISO8601_MAX];
	time_format_iso(due, at, sizeof at);
	json_object_set_new(x->payload, "date_due_at", json_string(at));
	return 0;
}
