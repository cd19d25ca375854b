/*
 * The effect table (effects.h) and the effects that change a case's own
 * fields, links and deadlines. Effects on assignments live in
 * assignments.c, the notify effect in notify.c. An effect runs inside the
 * action's writer job, reads its params from the type definition and the
 * request body, may add to the event's payload, and fails with x->e set.
 */
#include "core/effects.h"
#include "core/engine_int.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

/* set_fields: copies the named body fields into the case's fields; either
 * a list of names, or an object {"case field": "body field"}. */
int effect_set_fields(struct act_ctx *x, json_t *params)
{
	json_t *names = json_object_get(params, "fields");
	if (json_is_object(names)) {
		const char *to;
		json_t *from;
		json_object_foreach(names, to, from)
		{
			json_t *v = json_object_get(x->body, json_string_value(from));
			if (v)
				json_object_set(x->cf->c.fields, to, v);
		}
		return 0;
	}
	size_t i;
	json_t *name;
	json_array_foreach(names, i, name)
	{
		json_t *v = json_object_get(x->body, json_string_value(name));
		if (v)
			json_object_set(x->cf->c.fields, json_string_value(name), v);
	}
	return 0;
}

/* start_timer: a case-level timer for the type's named deadline, from now. */
static int effect_start_timer(struct act_ctx *x, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "timer"));
	const struct deadline_spec *spec = type_deadline(x->t, name);
	if (!spec)
		return err_set(x->e, E_INTERNAL, NULL, "未定义的时限 %s", name ? name : "?");
	int64_t due;
	if (timer_start(x->w, x->t, x->cf->c.id, 0, name, spec, x->w->now, &due) != 0)
		return store_fail(x->e);
	char at[ISO8601_MAX];
	time_format_iso(due, at, sizeof at);
	json_object_set_new(x->payload, "timer_due_at", json_string(at));
	return 0;
}

static int effect_stop_timer(struct act_ctx *x, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "timer"));
	return timers_stop_case_kind(x->w, x->cf->c.id, name) == 0 ? 0 : store_fail(x->e);
}

/* count: adds one to the integer case field params.name. */
static int effect_count(struct act_ctx *x, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	if (!name)
		return err_set(x->e, E_INTERNAL, NULL, "count 缺少 name");
	json_int_t n = json_integer_value(json_object_get(x->cf->c.fields, name));
	json_object_set_new(x->cf->c.fields, name, json_integer(n + 1));
	return 0;
}

/* Whether the case `other` exists, is visible to the actor and is still
 * open; 0, or -1 with x->e set (400 on `field`): a closed (final) target
 * is named with its state, an unseen one is "not there". */
static int link_target_check(struct act_ctx *x, int64_t other, const char *field)
{
	struct case_full of;
	if (case_load(x->w->conn, x->w->app, other, &of) != 0)
		return err_set(x->e, E_FIELD_INVALID, field, "目标工单不存在");
	const struct type_state *st = type_state(of.c.type, of.c.status);
	int rc = 0;
	if (!case_visible(x->a, &of))
		rc = err_set(x->e, E_FIELD_INVALID, field, "目标工单不存在");
	else if (NEVER(!st) || st->final)
		rc = err_set(x->e, E_FIELD_INVALID, field,
		             "目标工单 %s 已处于终结状态“%s”，不能并入或关联到已办结的工单",
		             of.c.no, st ? st->name : of.c.status);
	case_full_release(&of);
	return rc;
}

/* link: links this case to the case whose id is in body[params.field]. */
static int effect_link(struct act_ctx *x, json_t *params)
{
	const char *field = json_string_value(json_object_get(params, "field"));
	const char *kind = json_string_value(json_object_get(params, "kind"));
	json_t *v = json_object_get(x->body, field ? field : "into");
	int64_t other = json_integer_value(v);
	if (other == x->cf->c.id)
		return err_set(x->e, E_FIELD_INVALID, field, "不能关联到工单自身");
	if (link_target_check(x, other, field ? field : "into") != 0)
		return -1;
	struct store_stmt *s = store_stmt(x->w->conn, ST_LINK_INSERT);
	sbind_int(s, 1, x->cf->c.id);
	sbind_int(s, 2, other);
	sbind_text(s, 3, kind ? kind : "related");
	sbind_int(s, 4, x->w->now);
	return sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
}

static int effect_unlink(struct act_ctx *x, json_t *params)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_LINK_REMOVE);
	sbind_int(s, 1, x->cf->c.id);
	sbind_text(s, 2, json_string_value(json_object_get(params, "kind")));
	sbind_int(s, 3, x->w->now);
	return sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
}

/* pause_clock / resume_clock: timers.c clock_switch; "unit_part": true
 * keeps it to an assisting unit's own timers when the action is on its part
 * (an assisting unit's extension leaves the lead's clock running). */
static int effect_pause_clock(struct act_ctx *x, json_t *params)
{
	return clock_switch(x, true, json_is_true(json_object_get(params, "unit_part")));
}

static int effect_resume_clock(struct act_ctx *x, json_t *params)
{
	return clock_switch(x, false, json_is_true(json_object_get(params, "unit_part")));
}

/* The working days an extension grants: body[field], or when the body
 * leaves it out the case's fields[case_field] (what was asked for); never
 * more than was asked. 0, or -1 with x->e set. */
static int extension_days(struct act_ctx *x, json_t *params, json_int_t *days)
{
	const char *field = json_string_value(json_object_get(params, "field"));
	const char *asked_field = json_string_value(json_object_get(params, "case_field"));
	json_t *asked = asked_field ? json_object_get(x->cf->c.fields, asked_field) : NULL;
	json_t *given = json_object_get(x->body, field ? field : "days");
	*days = json_integer_value(given ? given : asked);
	if (given && asked && *days > json_integer_value(asked))
		return err_set(x->e, E_FIELD_INVALID, field ? field : "days",
		               "批准的延期天数不能超过申请的 %lld 个工作日",
		               (long long)json_integer_value(asked));
	if (*days <= 0)
		return err_set(x->e, E_FIELD_INVALID, field ? field : "days", "延期天数必须为正");
	return 0;
}

/* extend_deadline: moves the case's and its open assignments' handle
 * deadlines by extension_days() working days; with "unit_part": true on an
 * assisting unit's part, only that unit's deadline. */
static int effect_extend_deadline(struct act_ctx *x, json_t *params)
{
	struct wctx *w = x->w;
	json_int_t days;
	if (extension_days(x, params, &days) != 0)
		return -1;
	json_object_set_new(x->payload, "extended_days", json_integer(days));
	const struct deadline_spec *cls = class_deadline(x->t, x->cf->c.class_);
	enum deadline_unit unit = cls ? cls->unit : DEADLINE_WORKDAYS;
	const struct asg_rec *only =
	    json_is_true(json_object_get(params, "unit_part")) ? unit_part_of(x) : NULL;
	if (x->cf->c.due_at && !only) {
		x->cf->c.due_at =
		    calendar_add_workdays(w->app->cal, x->cf->c.due_at - 1, (int)days);
		if (timer_restart_case(w, x->t, x->cf->c.id, "case_due", unit, x->cf->c.due_at) !=
		    0)
			return store_fail(x->e);
	}
	for (int i = 0; i < x->cf->na; i++) {
		struct asg_rec *g = &x->cf->a[i];
		if (!asg_open(g) || !g->due_at || (only && g != only))
			continue;
		g->due_at = calendar_add_workdays(w->app->cal, g->due_at - 1, (int)days);
		if (asg_write(x, g) != 0)
			return -1;
		if (timers_stop_asg(w, g->id, "handle") != 0 ||
		    timer_at(w, x->t, x->cf->c.id, g->id, "handle", unit, g->due_at, w->now) != 0)
			return store_fail(x->e);
	}
	return 0;
}

/* check_problem (问题工单): flags the case when it has been reopened more
 * than params.max_reopens times (counted in fields[params.counter]) or
 * passed among more than params.max_units units. The flag stays. */
static int effect_check_problem(struct act_ctx *x, json_t *params)
{
	if (json_is_true(json_object_get(x->cf->c.fields, "problem")))
		return 0;
	const char *counter = json_string_value(json_object_get(params, "counter"));
	json_int_t max_reopens = json_integer_value(json_object_get(params, "max_reopens"));
	json_int_t max_units = json_integer_value(json_object_get(params, "max_units"));
	json_int_t reopens =
	    counter ? json_integer_value(json_object_get(x->cf->c.fields, counter)) : 0;
	struct store_stmt *s = store_stmt(x->w->conn, ST_ASG_DISTINCT_ORGS);
	sbind_int(s, 1, x->cf->c.id);
	json_int_t units = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	const char *why = NULL;
	if (max_reopens && reopens > max_reopens)
		why = "发回重办超过规定次数";
	else if (max_units && units > max_units)
		why = "流转单位超过规定数量";
	if (!why)
		return 0;
	json_object_set_new(x->cf->c.fields, "problem", json_true());
	json_object_set_new(x->cf->c.fields, "problem_reason", json_string(why));
	json_object_set_new(x->payload, "problem_flagged", json_string(why));
	return 0;
}

static const struct {
	const char *name;
	effect_fn fn;
} effect_table[] = {
    {"assign", effect_assign},
    {"cancel_assignments", effect_cancel_assignments},
    {"update_assignments", effect_update_assignments},
    {"set_fields", effect_set_fields},
    {"start_timer", effect_start_timer},
    {"stop_timer", effect_stop_timer},
    {"reopen_assignments", effect_reopen_assignments},
    {"count", effect_count},
    {"link", effect_link},
    {"unlink", effect_unlink},
    {"pause_clock", effect_pause_clock},
    {"resume_clock", effect_resume_clock},
    {"extend_deadline", effect_extend_deadline},
    {"notify", effect_notify},
    {"check_problem", effect_check_problem},
    {"lead_moves_case", effect_lead_moves_case},
    {"lead_sets_fields", effect_lead_sets_fields},
    {"cancel_unit", effect_cancel_unit},
    {"assign_level", effect_assign_level},
    {"escalate_level", effect_escalate_level},
    {"rate_part", effect_rate_part},
    {"milestone_timers", effect_milestone_timers},
    {"milestone_done", effect_milestone_done},
    {"record_interview", effect_record_interview},
    {"date_timer", effect_date_timer},
    {"record_actor", effect_record_actor},
    {"spawn_cases", effect_spawn_cases},
    {"issue_document", effect_issue_document},
};
#define NEFFECTS ((int)(sizeof effect_table / sizeof effect_table[0]))

int effect_index(const char *name)
{
	for (int i = 0; i < NEFFECTS; i++)
		if (!strcmp(effect_table[i].name, name))
			return i;
	return -1;
}

int effects_run(struct act_ctx *x, const struct type_effect *ef, int n)
{
	for (int i = 0; i < n; i++) {
		if (NEVER(ef[i].index < 0 || ef[i].index >= NEFFECTS))
			return err_set(x->e, E_INTERNAL, NULL, NULL);
		if (effect_table[ef[i].index].fn(x, ef[i].params) != 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* load-time checks (effects.h)                                        */

/* v is absent, or a non-empty array of strings each passing ok(). */
static bool strings_ok(json_t *v, bool (*ok)(const char *))
{
	size_t i;
	json_t *x;
	if (!v)
		return true;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach(v, i,
	                   x) if (!json_is_string(x) || !ok(json_string_value(x))) return false;
	return true;
}

static bool any_text(const char *s)
{
	return s && *s;
}

static int creating_perm; /* the type being checked's (type_create_perm) */

static bool creating_role(const char *role)
{
	return role_known(role) &&
	       (role_carries(role, (enum permission)creating_perm) ||
	        (creating_perm == P_CASE_CREATE && role_carries(role, P_CASE_RAISE)));
}

static bool asg_kind_ok(const char *kind)
{
	return !strcmp(kind, "lead") || !strcmp(kind, "assist") || !strcmp(kind, "review");
}

/* date_timer {"field": a date field}; record_actor {"org": an org field,
 * "org_name"?, "name"?: string fields, "at"?: a datetime field}. */
static const char *date_actor_params_fault(const struct matter_type *t,
                                           const struct type_effect *ef)
{
	json_t *p = ef->params;
	const struct type_field *f;
	if (ef->index == effect_index("date_timer")) {
		f = type_field(t, json_string_value(json_object_get(p, "field")));
		json_t *due = json_object_get(p, "case_due");
		if (due && !json_is_boolean(due))
			return "date_timer 的 case_due 只能是 true 或 false";
		return f && f->kind == FK_DATE ? NULL
		                               : "date_timer 的 field 必须是本类型 date 类的字段";
	}
	f = type_field(t, json_string_value(json_object_get(p, "org")));
	if (!f || f->kind != FK_ORG)
		return "record_actor 的 org 必须是本类型 org 类的字段";
	json_t *name = json_object_get(p, "name"), *at = json_object_get(p, "at");
	json_t *org_name = json_object_get(p, "org_name");
	f = type_field(t, json_string_value(name));
	if (name && (!f || f->kind != FK_STRING))
		return "record_actor 的 name 必须是本类型 string 类的字段";
	f = type_field(t, json_string_value(org_name));
	if (org_name && (!f || f->kind != FK_STRING))
		return "record_actor 的 org_name 必须是本类型 string 类的字段";
	f = type_field(t, json_string_value(at));
	if (at && (!f || f->kind != FK_DATETIME))
		return "record_actor 的 at 必须是本类型 datetime 类的字段";
	return NULL;
}

/* One effect's parameters; NULL if fine, else what is wrong. */
static const char *effect_params_fault(const struct matter_type *t, const struct type_effect *ef)
{
	json_t *p = ef->params;
	if (ef->index == effect_index("assign")) {
		json_t *kind = json_object_get(p, "kind"),
		       *ex = json_object_get(p, "excluded_by_lead");
		if (kind && (!json_is_string(kind) || !asg_kind_ok(json_string_value(kind))))
			return "assign 的 kind 只能是 lead、assist 或 review";
		if (!strings_ok(json_object_get(p, "org_kinds"), org_kind_known))
			return "assign 的 org_kinds 必须是单位类别（orgs.kind）的非空数组";
		/* org codes are data of the instance, checked when the action runs */
		if (!strings_ok(json_object_get(p, "required"), any_text) ||
		    !strings_ok(json_object_get(p, "allowed"), any_text))
			return "assign 的 required、allowed 必须是单位编码的非空数组";
		json_t *fld = json_object_get(p, "field"), *own = json_object_get(p, "case_org");
		if (own && (!json_is_true(own) || fld))
			return "assign 的 case_org 只能是 true，且不与 field 同用";
		const struct type_field *tf = type_field(t, json_string_value(fld));
		if (fld && (!tf || tf->kind != FK_ORG))
			return "assign 的 field 必须是本类型 org 类的字段";
		json_t *cfld = json_object_get(p, "case_field");
		const struct type_field *cf = type_field(t, json_string_value(cfld));
		if (cfld && (!cf || cf->kind != FK_ORG || fld || own))
			return "assign 的 case_field 必须是本类型 org 类的字段，且不与 "
			       "field、case_org 同用";
		const char *k;
		json_t *v;
		if (ex && !json_is_object(ex))
			return "assign 的 excluded_by_lead 必须是对象";
		json_object_foreach(
		    ex, k,
		    v) if (!org_kind_known(k) || !v ||
		           !strings_ok(v, org_kind_known)) return "assign 的 excluded_by_lead 须为 "
		                                                  "{单位类别: [单位类别…]}";
	} else if (ef->index == effect_index("pause_clock") ||
	           ef->index == effect_index("resume_clock") ||
	           ef->index == effect_index("extend_deadline")) {
		json_t *up = json_object_get(p, "unit_part");
		if (up && !json_is_boolean(up))
			return "unit_part 必须是 true 或 false";
	} else if (ef->index == effect_index("assign_level") ||
	           ef->index == effect_index("escalate_level")) {
		const char *st = json_string_value(json_object_get(p, "status"));
		if (t->data.nlevels == 0)
			return "assign_level、escalate_level 需要本类型定义 levels";
		if (json_object_get(p, "status") && (!st || type_asg_phase(t, st) != ASG_SIGNED ||
		                                     ef->index != effect_index("assign_level")))
			return "assign_level 的 status 须为已签收阶段的承办任务状态";
	} else if (ef->index == effect_index("milestone_timers") ||
	           ef->index == effect_index("milestone_done")) {
		bool timers = ef->index == effect_index("milestone_timers");
		const struct type_field *steps = type_field(
		    t, json_string_value(json_object_get(p, timers ? "field" : "milestones")));
		if (!steps || steps->kind != FK_MILESTONES)
			return timers ? "milestone_timers 的 field 必须是本类型 milestones 类的字段"
			              : "milestone_done 的 milestones 必须是本类型 milestones "
			                "类的字段";
		if (!timers && !json_is_string(json_object_get(p, "field")))
			return "milestone_done 的 field 必须是动作的整数字段名";
	} else if (ef->index == effect_index("date_timer") ||
	           ef->index == effect_index("record_actor")) {
		return date_actor_params_fault(t, ef);
	} else if (ef->index == effect_index("notify")) {
		const char *to = json_string_value(json_object_get(p, "to"));
		const struct type_field *of =
		    type_field(t, json_string_value(json_object_get(p, "field")));
		if (to && !strcmp(to, "field") && (!of || of->kind != FK_ORG))
			return "notify 的 to 为 field 时，field 必须是本类型 org 类的字段";
	} else if (ef->index == effect_index("cancel_unit")) {
		const char *to = json_string_value(json_object_get(p, "lead_to"));
		if (!to || !type_state(t, to))
			return "cancel_unit 的 lead_to 必须是本类型的状态";
		if (!strings_ok(json_object_get(p, "from"), any_text))
			return "cancel_unit 的 from 必须是承办任务状态的非空数组";
	}
	return NULL;
}

static const char *effects_fault(const struct matter_type *t, const struct type_effect *ef, int n)
{
	for (int i = 0; i < n; i++) {
		const char *f = effect_params_fault(t, &ef[i]);
		if (f)
			return f;
	}
	return NULL;
}

/* The file of dir defining type `code`, into file (its name; "?" if none). */
static void type_file(const char *dir, const char *code, char *file, size_t cap)
{
	snprintf(file, cap, "?");
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		char path[1200];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		json_t *doc = json_load_file(path, 0, NULL);
		bool hit = json_is_string(json_object_get(doc, "code")) &&
		           !strcmp(json_string_value(json_object_get(doc, "code")), code);
		json_decref(doc);
		if (hit) {
			snprintf(file, cap, "%s", de->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
}

int effects_check_types(const struct type_registry *r, const char *dir, char *err, size_t errcap)
{
	for (int i = 0; i < r->ntypes; i++) {
		const struct matter_type *t = &r->types[i];
		char where[96] = "create_roles";
		const char *f = NULL;
		creating_perm = type_create_perm(t);
		if (creating_perm < 0) {
			snprintf(where, sizeof where, "create_permission");
			f = "必须是已知的权限名";
		} else if (!strings_ok(json_object_get(t->json, "create_roles"), creating_role)) {
			f = "必须是能登记工单的角色（带 case.create、case.raise 或类型的 "
			    "create_permission）的非空数组";
		} else if (!strings_ok(json_object_get(t->json, "create_org_kinds"),
		                       org_kind_known)) {
			snprintf(where, sizeof where, "create_org_kinds");
			f = "必须是单位类别（orgs.kind）的非空数组";
		} else if (!strings_ok(json_object_get(t->json, "attach_roles"), role_known)) {
			snprintf(where, sizeof where, "attach_roles");
			f = "必须是已知角色的非空数组";
		} else if (json_object_get(t->json, "due_field") &&
		           (!type_field(t,
		                        json_string_value(json_object_get(t->json, "due_field"))) ||
		            type_field(t, json_string_value(json_object_get(t->json, "due_field")))
		                    ->kind != FK_DATETIME)) {
			snprintf(where, sizeof where, "due_field");
			f = "必须是本类型 datetime 类的字段";
		}
		if (!f && (f = follows_parent_fault(t)))
			snprintf(where, sizeof where, "follows_parent");
		for (int j = 0; !f && j < t->nactions; j++) {
			const struct type_action *a = &t->actions[j];
			f = effects_fault(t, a->effects, a->neffects);
			for (int k = 0; !f && k < a->neffects; k++)
				if (a->effects[k].index == effect_index("escalate_level") &&
				    (!a->on_assignment || !a->asg_to ||
				     type_asg_phase(t, a->asg_to) != ASG_CANCELLED))
					f = "escalate_level 须在作用于承办任务、且 assignment_to "
					    "为已取消阶段状态的动作上";
			for (int k = 0; !f && k < a->nbranches; k++)
				f = effects_fault(t, a->branches[k].effects,
				                  a->branches[k].neffects);
			for (int k = 0; !f && k < a->neffects; k++)
				if (a->effects[k].index == effect_index("rate_part"))
					f = rate_part_fault(t, a, a->effects[k].params);
			for (int k = 0; !f && k < a->neffects; k++)
				if (a->effects[k].index == effect_index("record_interview"))
					f = record_interview_fault(a, a->effects[k].params);
			for (int k = 0; !f && k < a->nbranches; k++)
				for (int m = 0; !f && m < a->branches[k].neffects; m++)
					if (a->branches[k].effects[m].index ==
					    effect_index("record_interview"))
						f = record_interview_fault(
						    a, a->branches[k].effects[m].params);
			for (int k = 0; !f && k < a->neffects; k++)
				if (a->effects[k].index == effect_index("issue_document"))
					f = issue_document_fault(t, a, a->effects[k].params);
			for (int k = 0; !f && k < a->nbranches; k++)
				for (int m = 0; !f && m < a->branches[k].neffects; m++)
					if (a->branches[k].effects[m].index ==
					    effect_index("issue_document"))
						f = issue_document_fault(
						    t, a, a->branches[k].effects[m].params);
			for (int k = 0; !f && k < a->neffects; k++)
				if (a->effects[k].index == effect_index("spawn_cases"))
					f = spawn_cases_fault(r, t, a, a->effects[k].params);
			if (f)
				snprintf(where, sizeof where, "动作 %s", a->code);
		}
		if (f) {
			char file[256];
			type_file(dir, t->code, file, sizeof file);
			snprintf(err, errcap, "%s: %s: %s", file, where, f);
			return -1;
		}
	}
	return 0;
}
