/*
 * Reading a matter type's actions (types.h): their fields, effects (checked
 * against the engine's effect index), conditions and guards, branches and the
 * state and assignment moves, each fault an error naming the file, the action
 * and the key. types.c reads the rest of a type.
 */
#include "core/types.h"
#include "core/types_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum field_kind kind;
	int max;
} field_kinds[] = {
    {"string", FK_STRING, 200},   {"text", FK_TEXT, 8000},
    {"int", FK_INT, 0},           {"bool", FK_BOOL, 0},
    {"enum", FK_ENUM, 0},         {"org", FK_ORG, 0},
    {"orgs", FK_ORGS, 20},        {"case", FK_CASE, 0},
    {"datetime", FK_DATETIME, 0}, {"topic", FK_TOPIC, 0},
    {"list", FK_LIST, 0},         {"milestones", FK_MILESTONES, 12},
    {"date", FK_DATE, 0},         {"checklist", FK_CHECKLIST, 100},
    {"enums", FK_ENUMS, 50},
};

static int parse_field(struct loader *L, json_t *o, const struct matter_type *t,
                       struct type_field *f)
{
	if (!json_is_object(o))
		return tl_fail(L, "字段定义必须是对象");
	f->name = tl_jstr(o, "name");
	if (!f->name || !*f->name)
		return tl_fail(L, "字段缺少 name");
	const struct type_field *base = t ? type_field(t, f->name) : NULL;
	const char *kind = tl_jstr(o, "type");
	if (base && !kind) {
		*f = *base;
	} else {
		if (!kind)
			kind = "string";
		size_t i;
		for (i = 0; i < sizeof field_kinds / sizeof field_kinds[0]; i++)
			if (!strcmp(field_kinds[i].name, kind))
				break;
		if (i == sizeof field_kinds / sizeof field_kinds[0])
			return tl_fail(L, "字段 %s 的类型 %s 不认识", f->name, kind);
		f->kind = field_kinds[i].kind;
		f->max = field_kinds[i].max;
		f->label = tl_jstr(o, "label");
	}
	f->name = tl_jstr(o, "name");
	f->required = json_is_true(json_object_get(o, "required"));
	json_t *max = json_object_get(o, "max");
	if (max) {
		if (!json_is_integer(max) || json_integer_value(max) < 1 ||
		    json_integer_value(max) > 100000)
			return tl_fail(L, "字段 %s 的 max 必须是 1–100000 的整数", f->name);
		f->max = (int)json_integer_value(max);
	}
	json_t *min = json_object_get(o, "min");
	if (min) {
		if (!json_is_integer(min) || json_integer_value(min) < 0 ||
		    json_integer_value(min) > 100000)
			return tl_fail(L, "字段 %s 的 min 必须是 0–100000 的整数", f->name);
		f->min = (int)json_integer_value(min);
	}
	json_t *values = json_object_get(o, "values");
	if (values)
		f->values = values;
	if (f->kind == FK_ENUM || f->kind == FK_ENUMS) {
		if (!json_is_array(f->values) || json_array_size(f->values) == 0)
			return tl_fail(L, "枚举字段 %s 缺少 values", f->name);
		for (size_t i = 0; i < json_array_size(f->values); i++)
			if (!json_is_string(json_array_get(f->values, i)))
				return tl_fail(L, "枚举字段 %s 的 values 必须是字符串", f->name);
	}
	return 0;
}

int types_parse_fields(struct loader *L, json_t *arr, const struct matter_type *t,
                       struct type_field **out, int *n)
{
	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return tl_fail(L, "fields 必须是数组");
	size_t len = json_array_size(arr);
	*out = calloc(len ? len : 1, sizeof **out);
	if (!*out)
		return tl_fail(L, "内存不足");
	for (size_t i = 0; i < len; i++) {
		if (parse_field(L, json_array_get(arr, i), t, &(*out)[i]) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (!strcmp((*out)[j].name, (*out)[i].name))
				return tl_fail(L, "字段 %s 重复定义", (*out)[i].name);
	}
	*n = (int)len;
	return 0;
}

static int parse_effects(struct loader *L, json_t *arr, const char *where, struct type_effect **out,
                         int *n)
{
	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return tl_fail(L, "%s 的 effects 必须是数组", where);
	size_t len = json_array_size(arr);
	*out = calloc(len ? len : 1, sizeof **out);
	if (!*out)
		return tl_fail(L, "内存不足");
	for (size_t i = 0; i < len; i++) {
		json_t *o = json_array_get(arr, i);
		struct type_effect *e = &(*out)[i];
		e->name = json_is_object(o) ? tl_jstr(o, "effect") : NULL;
		if (!e->name)
			return tl_fail(L, "%s 的第 %zu 个 effect 缺少 effect 名", where, i + 1);
		e->index = L->effect_index(e->name);
		if (e->index < 0)
			return tl_fail(L, "%s 引用了不存在的 effect %s", where, e->name);
		e->params = o;
	}
	*n = (int)len;
	return 0;
}

static int check_state(struct loader *L, const struct matter_type *t, const char *s,
                       const char *where)
{
	if (s && !type_state(t, s))
		return tl_fail(L, "%s 引用了不存在的状态 %s", where, s);
	return 0;
}

/* {"days_left": F, "lt": N} on a date field, {"actor_org": F, "in": [bool]}
 * on an org field of the type being loaded (L->t). */
static int parse_cond_case_field(struct loader *L, json_t *o, const char *where, const char *days,
                                 const char *aorg, struct type_cond *c)
{
	const struct type_field *f = L->t ? type_field(L->t, days ? days : aorg) : NULL;
	c->name = days ? days : aorg;
	if (days) {
		json_t *lt = json_object_get(o, "lt");
		c->subject = COND_DAYS_LEFT;
		if (!f || f->kind != FK_DATE)
			return tl_fail(L, "%s 的 days_left 必须是本类型 date 类的字段", where);
		if (!json_is_integer(lt) || json_integer_value(lt) < 0 ||
		    json_integer_value(lt) > 3650)
			return tl_fail(L, "%s 的 days_left 需要 lt：0–3650 的整数（日历天）",
			               where);
		c->count = (int)json_integer_value(lt);
		return 0;
	}
	c->subject = COND_ACTOR_ORG;
	if (!f || f->kind != FK_ORG)
		return tl_fail(L, "%s 的 actor_org 必须是本类型 org 类的字段", where);
	json_t *list = c->in ? c->in : c->not_in;
	size_t i;
	json_t *v;
	if (!!json_is_array(c->in) == !!json_is_array(c->not_in) || json_array_size(list) == 0)
		return tl_fail(L, "%s 的 actor_org 需要 in 或 not_in 之一（[true] 或 [false]）",
		               where);
	json_array_foreach(list, i, v) if (!json_is_boolean(v)) return tl_fail(
	    L, "%s 的 actor_org 需要 in 或 not_in 之一（[true] 或 [false]）", where);
	return 0;
}

static int parse_cond(struct loader *L, json_t *o, const char *where, struct type_cond *c)
{
	static const char *const attrs[] = {"channel", "class", "status"};
	if (!json_is_object(o))
		return tl_fail(L, "%s 的条件必须是对象", where);
	c->in = json_object_get(o, "in");
	c->not_in = json_object_get(o, "not_in");
	json_t *n = json_object_get(o, "open_assignments");
	json_t *any = json_object_get(o, "any_assignment");
	json_t *files = json_object_get(o, "new_attachments");
	const char *days = tl_jstr(o, "days_left"), *aorg = tl_jstr(o, "actor_org");
	if (days || aorg)
		return parse_cond_case_field(L, o, where, days, aorg, c);
	if ((c->name = tl_jstr(o, "field")))
		c->subject = COND_BODY;
	else if ((c->name = tl_jstr(o, "case_field")))
		c->subject = COND_CASE_FIELD;
	else if ((c->name = tl_jstr(o, "case"))) {
		c->subject = COND_CASE;
		if (!str_in(c->name, attrs, 3))
			return tl_fail(L, "%s 的条件 case 只能是 channel、class 或 status", where);
	} else if (n) {
		c->subject = COND_OPEN_ASG;
		if (!json_is_integer(n) || json_integer_value(n) < 0)
			return tl_fail(L, "%s 的 open_assignments 必须是非负整数", where);
		c->count = (int)json_integer_value(n);
		return 0;
	} else if (any) {
		c->subject = COND_ANY_ASG;
		if (!json_is_array(any) || json_array_size(any) == 0)
			return tl_fail(L, "%s 的 any_assignment 必须是非空数组", where);
		c->in = any;
		return 0;
	} else if (files) {
		c->subject = COND_NEW_ATTACHMENTS;
		if (!json_is_integer(files) || json_integer_value(files) < 0 ||
		    json_integer_value(files) > 100)
			return tl_fail(L, "%s 的 new_attachments 必须是 0–100 的整数", where);
		c->count = (int)json_integer_value(files);
		return 0;
	} else {
		return tl_fail(
		    L,
		    "%s 的条件缺少 field、case_field、case、open_assignments、any_assignment、"
		    "new_attachments、days_left 或 actor_org",
		    where);
	}
	if (!!json_is_array(c->in) == !!json_is_array(c->not_in))
		return tl_fail(L, "%s 的条件需要 in 或 not_in 之一（数组）", where);
	return 0;
}

/* "if" / "when": one condition object or an array of them (all must hold). */
static int parse_conds(struct loader *L, json_t *v, const char *where, struct type_cond **out,
                       int *n)
{
	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	size_t len = json_is_array(v) ? json_array_size(v) : 1;
	if (len == 0)
		return tl_fail(L, "%s 的条件列表不能为空", where);
	*out = calloc(len, sizeof **out);
	if (!*out)
		return tl_fail(L, "内存不足");
	*n = (int)len;
	for (size_t i = 0; i < len; i++)
		if (parse_cond(L, json_is_array(v) ? json_array_get(v, i) : v, where, &(*out)[i]))
			return -1;
	return 0;
}

/* The action's from, roles, to, "on" and assignment_from / assignment_to. */
static int parse_action_moves(struct loader *L, json_t *o, const struct matter_type *t,
                              struct type_action *a, const char *where)
{
	if (tl_str_list(L, json_object_get(o, "from"), "from", &a->from, &a->nfrom) != 0 ||
	    tl_str_list(L, json_object_get(o, "roles"), "roles", &a->roles, &a->nroles) != 0 ||
	    tl_str_list(L, json_object_get(o, "assignment_from"), "assignment_from", &a->asg_from,
	                &a->nasg_from) != 0)
		return -1;
	json_t *sys = json_object_get(o, "system");
	if (sys && !json_is_boolean(sys))
		return tl_fail(L, "%s 的 system 只能是 true 或 false", where);
	a->system = json_is_true(sys);
	if (a->system && a->nroles)
		return tl_fail(L, "%s 由系统执行（system），不能有 roles", where);
	if (a->nfrom == 0 || (a->nroles == 0 && !a->system))
		return tl_fail(L, "%s 必须有 from 和 roles", where);
	for (int i = 0; i < a->nfrom; i++)
		if (check_state(L, t, a->from[i], where) != 0)
			return -1;
	a->to = tl_jstr(o, "to");
	a->to_when_all_done = tl_jstr(o, "to_when_all_done");
	if (check_state(L, t, a->to, where) || check_state(L, t, a->to_when_all_done, where))
		return -1;
	const char *on = tl_jstr(o, "on");
	if (on && strcmp(on, "assignment") && strcmp(on, "case"))
		return tl_fail(L, "%s 的 on 只能是 case 或 assignment", where);
	a->on_assignment = on && !strcmp(on, "assignment");
	a->asg_to = tl_jstr(o, "assignment_to");
	json_t *keeps = json_object_get(o, "keeps_assignment");
	a->keeps_asg = json_is_true(keeps);
	if ((keeps && !json_is_boolean(keeps)) ||
	    (a->keeps_asg && (!a->on_assignment || a->asg_to)))
		return tl_fail(
		    L,
		    "%s 的 keeps_assignment 只能是 true 或 false，且只用于作用于承办任务、"
		    "没有 assignment_to 的动作",
		    where);
	if (a->on_assignment && (a->nasg_from == 0 || (!a->asg_to && !a->keeps_asg)))
		return tl_fail(L, "%s 作用于承办任务，必须有 assignment_from 和 assignment_to",
		               where);
	json_t *kinds = json_object_get(o, "assignment_kinds");
	if (kinds && (!a->on_assignment ||
	              tl_str_list(L, kinds, "assignment_kinds", &a->asg_kinds, &a->nasg_kinds)))
		return tl_fail(L,
		               "%s 的 assignment_kinds 须为承办任务类别的非空数组（lead、assist、"
		               "review），且动作作用于承办任务",
		               where);
	static const char *const asg_kinds[] = {"lead", "assist", "review"};
	for (int i = 0; i < a->nasg_kinds; i++)
		if (!str_in(a->asg_kinds[i], asg_kinds, 3))
			return tl_fail(L, "%s 的 assignment_kinds 含未知类别 %s", where,
			               a->asg_kinds[i]);
	if (kinds && a->nasg_kinds == 0)
		return tl_fail(L, "%s 的 assignment_kinds 不能为空", where);
	return 0;
}

/* "branches": the last one without a condition. */
static int parse_branches(struct loader *L, json_t *branches, const struct matter_type *t,
                          struct type_action *a, const char *where)
{
	if (!branches)
		return 0;
	if (!json_is_array(branches) || json_array_size(branches) == 0)
		return tl_fail(L, "%s 的 branches 必须是非空数组", where);
	a->nbranches = (int)json_array_size(branches);
	a->branches = calloc((size_t)a->nbranches, sizeof *a->branches);
	if (!a->branches)
		return tl_fail(L, "内存不足");
	for (int i = 0; i < a->nbranches; i++) {
		json_t *b = json_array_get(branches, (size_t)i);
		struct type_branch *br = &a->branches[i];
		if (parse_conds(L, json_object_get(b, "if"), where, &br->conds, &br->nconds))
			return -1;
		br->to = tl_jstr(b, "to");
		if (check_state(L, t, br->to, where))
			return -1;
		if (parse_effects(L, json_object_get(b, "effects"), where, &br->effects,
		                  &br->neffects) != 0)
			return -1;
	}
	if (a->branches[a->nbranches - 1].nconds)
		return tl_fail(L, "%s 的最后一个分支必须没有条件", where);
	return 0;
}

/* "guards": each with a message and a non-empty "when". */
static int parse_guards(struct loader *L, json_t *guards, struct type_action *a, const char *where)
{
	if (!guards)
		return 0;
	if (!json_is_array(guards) || json_array_size(guards) == 0)
		return tl_fail(L, "%s 的 guards 必须是非空数组", where);
	a->nguards = (int)json_array_size(guards);
	a->guards = calloc((size_t)a->nguards, sizeof *a->guards);
	if (!a->guards)
		return tl_fail(L, "内存不足");
	for (int i = 0; i < a->nguards; i++) {
		json_t *g = json_array_get(guards, (size_t)i);
		struct type_guard *gd = &a->guards[i];
		if (!json_is_object(g) || !(gd->message = tl_jstr(g, "message")))
			return tl_fail(L, "%s 的 guard 需要 message", where);
		if (parse_conds(L, json_object_get(g, "when"), where, &gd->conds, &gd->nconds))
			return -1;
		if (gd->nconds == 0)
			return tl_fail(L, "%s 的 guard 需要 when", where);
	}
	return 0;
}

int types_parse_action(struct loader *L, json_t *o, struct matter_type *t, struct type_action *a)
{
	if (!json_is_object(o) || !(a->code = tl_jstr(o, "code")) ||
	    !(a->name = tl_jstr(o, "name")))
		return tl_fail(L, "动作缺少 code 或 name");
	char where[96];
	snprintf(where, sizeof where, "动作 %s", a->code);
	L->t = t; /* the conditions on case fields look their fields up */
	if (parse_action_moves(L, o, t, a, where) != 0)
		return -1;
	json_t *within = json_object_get(o, "within");
	if (within) {
		a->within_deadline = tl_jstr(within, "deadline");
		if (!a->within_deadline || !type_deadline(t, a->within_deadline))
			return tl_fail(L, "%s 的 within.deadline 不是已定义的时限", where);
	}
	if (types_parse_fields(L, json_object_get(o, "fields"), t, &a->fields, &a->nfields) != 0 ||
	    parse_effects(L, json_object_get(o, "effects"), where, &a->effects, &a->neffects) !=
	        0 ||
	    parse_branches(L, json_object_get(o, "branches"), t, a, where) != 0 ||
	    parse_guards(L, json_object_get(o, "guards"), a, where) != 0)
		return -1;
	a->before_due = json_is_true(json_object_get(o, "before_due"));
	a->internal = json_is_false(json_object_get(o, "public"));
	json_t *appr = json_object_get(o, "approval");
	if (appr) {
		a->approval_setting = tl_jstr(appr, "org_setting");
		a->approval_to = tl_jstr(appr, "assignment_to");
		if (!a->on_assignment || !a->approval_setting || !a->approval_to)
			return tl_fail(
			    L, "%s 的 approval 需要 org_setting 和 assignment_to，且作用于承办任务",
			    where);
	}
	return 0;
}
