/*
 * Loading and checking what a matter type's names mean to the rest of the
 * server: rates, queues, auto_urge, public_reply, org_settings and linkage
 * (type_data.h). types.c calls type_data_load once per type, after the
 * type's states, fields and actions are loaded, so every name here can be
 * checked against them. Nothing is allocated: the results borrow from the
 * type's JSON.
 *
 * Each block rejects keys it does not know, so a misspelt key stops the
 * server instead of silently counting nothing.
 */
#include "core/type_data.h"
#include "core/types.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Timer kinds the engine starts by itself besides the type's named
 * deadlines: a case's deadline and an assignment's handle
 * deadline. */
static const char *const engine_timer_kinds[] = {"case_due", "handle"};

struct tdl {
	const char *file;
	char *err;
	size_t errcap;
	const struct type_registry *r;
	struct matter_type *t;
};

/* "file: key: message"; returns -1. */
__attribute__((format(printf, 3, 4))) static int bad(struct tdl *L, const char *key,
                                                     const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(L->err, L->errcap, "%s: %s: %s", L->file, key, msg);
	return -1;
}

/* key + "." + sub into buf (for messages). */
static const char *subkey(char *buf, size_t cap, const char *key, const char *sub)
{
	snprintf(buf, cap, "%s.%s", key, sub);
	return buf;
}

/* A name usable in a JSON path and a query parameter: 1–64 of [A-Za-z0-9_]. */
static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > TYPE_DATA_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* o must be an object whose keys are all in allowed[]. */
static int only_keys(struct tdl *L, json_t *o, const char *key, const char *const *allowed,
                     size_t n)
{
	if (!json_is_object(o))
		return bad(L, key, "必须是对象");
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (!str_in(k, allowed, (int)n)) {
			char sk[160];
			return bad(L, subkey(sk, sizeof sk, key, k), "不认识的键");
		}
	}
	return 0;
}

/* Does some action (its to, to_when_all_done or a branch) lead to state s? */
static bool action_leads_to(const struct type_action *a, const char *s)
{
	if ((a->to && !strcmp(a->to, s)) ||
	    (a->to_when_all_done && !strcmp(a->to_when_all_done, s)))
		return true;
	for (int i = 0; i < a->nbranches; i++)
		if (a->branches[i].to && !strcmp(a->branches[i].to, s))
			return true;
	return false;
}

static bool state_reached(const struct matter_type *t, const char *s)
{
	for (int i = 0; i < t->nactions; i++)
		if (action_leads_to(&t->actions[i], s))
			return true;
	return false;
}

/* The state named by o[sub] into *out: it must exist, be reached by some
 * action, and be final when final is set. 0 (with *out NULL when absent and
 * not required), or -1 with the error set. */
static int get_state(struct tdl *L, json_t *o, const char *key, const char *sub, bool required,
                     bool final, const char **out)
{
	char k[160];
	subkey(k, sizeof k, key, sub);
	json_t *v = json_object_get(o, sub);
	*out = NULL;
	if (!v)
		return required ? bad(L, k, "缺少") : 0;
	const char *s = json_string_value(v);
	const struct type_state *st = s ? type_state(L->t, s) : NULL;
	if (!st)
		return bad(L, k, "不是本类型的状态");
	if (final && !st->final)
		return bad(L, k, "状态 %s 必须是 final 状态", s);
	if (!state_reached(L->t, s))
		return bad(L, k, "没有任何动作进入状态 %s", s);
	*out = s;
	return 0;
}

static int get_action(struct tdl *L, json_t *o, const char *key, const char *sub, bool required,
                      const struct type_action **out)
{
	char k[160];
	subkey(k, sizeof k, key, sub);
	json_t *v = json_object_get(o, sub);
	*out = NULL;
	if (!v)
		return required ? bad(L, k, "缺少") : 0;
	const char *s = json_string_value(v);
	if (!s || !(*out = type_action(L->t, s)))
		return bad(L, k, "不是本类型的动作");
	return 0;
}

/* A non-empty array of states (final ones when final) or of actions. */
static int get_list(struct tdl *L, json_t *o, const char *key, const char *sub, bool states,
                    bool final, json_t **out)
{
	char k[160];
	subkey(k, sizeof k, key, sub);
	json_t *v = json_object_get(o, sub);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return bad(L, k, "必须是非空数组");
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x)
	{
		const char *s = json_string_value(x);
		if (states) {
			const struct type_state *st = s ? type_state(L->t, s) : NULL;
			if (!st)
				return bad(L, k, "第 %zu 项不是本类型的状态", i + 1);
			if (final && !st->final)
				return bad(L, k, "状态 %s 必须是 final 状态", s);
		} else if (!s || !type_action(L->t, s)) {
			return bad(L, k, "第 %zu 项不是本类型的动作", i + 1);
		}
	}
	*out = v;
	return 0;
}

static const struct type_field *action_field(const struct type_action *a, const char *name)
{
	for (int i = 0; i < a->nfields; i++)
		if (!strcmp(a->fields[i].name, name))
			return &a->fields[i];
	return NULL;
}

/* Does the value suit the field's kind? */
static bool value_fits(const struct type_field *f, json_t *v)
{
	switch (f->kind) {
	case FK_BOOL:
		return json_is_boolean(v);
	case FK_INT:
		return json_is_integer(v);
	case FK_STRING:
	case FK_TEXT:
		return json_is_string(v);
	case FK_ENUM: {
		size_t i;
		json_t *x;
		json_array_foreach(f->values, i, x)
		{
			if (json_equal(x, v))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

/* {"field": F, "in": [...]} on the payload of action a. */
static int get_cond(struct tdl *L, json_t *o, const char *key, const char *sub,
                    const struct type_action *a, struct rate_cond *c)
{
	static const char *const keys[] = {"field", "in"};
	char k[160], kk[200];
	subkey(k, sizeof k, key, sub);
	json_t *v = json_object_get(o, sub);
	if (!v)
		return bad(L, k, "缺少");
	if (only_keys(L, v, k, keys, 2) != 0)
		return -1;
	c->field = json_string_value(json_object_get(v, "field"));
	if (!c->field)
		return bad(L, subkey(kk, sizeof kk, k, "field"), "缺少");
	if (!name_ok(c->field))
		return bad(L, subkey(kk, sizeof kk, k, "field"),
		           "字段名 %.64s 只能由字母、数字和下划线组成", c->field);
	const struct type_field *f = action_field(a, c->field);
	if (!f)
		return bad(L, subkey(kk, sizeof kk, k, "field"), "动作 %s 没有字段 %s", a->code,
		           c->field);
	c->in = json_object_get(v, "in");
	if (!json_is_array(c->in) || json_array_size(c->in) == 0)
		return bad(L, subkey(kk, sizeof kk, k, "in"), "必须是非空数组");
	size_t i;
	json_t *x;
	json_array_foreach(c->in, i, x)
	{
		if (!value_fits(f, x))
			return bad(L, subkey(kk, sizeof kk, k, "in"),
			           "第 %zu 项不是字段 %s 可取的值", i + 1, c->field);
	}
	return 0;
}

static bool action_has_effect(const struct type_action *a, const char *effect)
{
	for (int i = 0; i < a->neffects; i++)
		if (!strcmp(a->effects[i].name, effect))
			return true;
	for (int b = 0; b < a->nbranches; b++)
		for (int i = 0; i < a->branches[b].neffects; i++)
			if (!strcmp(a->branches[b].effects[i].name, effect))
				return true;
	return false;
}

static int load_rates(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"replies",  "completion",      "follow_up",
	                                   "returns",  "reopens",         "duplicates",
	                                   "transfer", "local_resolution"};
	struct type_rates *R = &L->t->data.rates;
	if (!o)
		return 0;
	if (only_keys(L, o, "rates", keys, sizeof keys / sizeof keys[0]) != 0)
		return -1;
	R->defined = true;
	const struct type_action *a;

	/* replies and completion: required */
	static const char *const reply_keys[] = {"state"};
	json_t *v = json_object_get(o, "replies");
	if (!v)
		return bad(L, "rates.replies", "缺少（答复进入的状态）");
	if (only_keys(L, v, "rates.replies", reply_keys, 1) != 0 ||
	    get_state(L, v, "rates.replies", "state", true, false, &R->reply_state) != 0)
		return -1;
	static const char *const close_keys[] = {"states"};
	v = json_object_get(o, "completion");
	if (!v)
		return bad(L, "rates.completion", "缺少（算作办结的状态）");
	if (only_keys(L, v, "rates.completion", close_keys, 1) != 0 ||
	    get_list(L, v, "rates.completion", "states", true, true, &R->close_states) != 0)
		return -1;
	if (!R->close_states)
		return bad(L, "rates.completion.states", "缺少");

	/* follow_up (回访): required */
	static const char *const cb_keys[] = {"action", "resolved", "satisfied"};
	v = json_object_get(o, "follow_up");
	if (!v)
		return bad(L, "rates.follow_up", "缺少（回访动作及其解决、满意字段）");
	if (only_keys(L, v, "rates.follow_up", cb_keys, 3) != 0 ||
	    get_action(L, v, "rates.follow_up", "action", true, &a) != 0)
		return -1;
	R->callback_action = a->code;
	if (get_cond(L, v, "rates.follow_up", "resolved", a, &R->resolved) != 0 ||
	    get_cond(L, v, "rates.follow_up", "satisfied", a, &R->satisfied) != 0)
		return -1;

	/* returns (退单) */
	static const char *const ret_keys[] = {"action"};
	if ((v = json_object_get(o, "returns"))) {
		if (only_keys(L, v, "rates.returns", ret_keys, 1) != 0 ||
		    get_action(L, v, "rates.returns", "action", true, &a) != 0)
			return -1;
		if (!action_has_effect(a, "cancel_assignments"))
			return bad(L, "rates.returns.action",
			           "动作 %s 没有 cancel_assignments 效果，批准退单时须取消承办任务",
			           a->code);
		R->return_action = a->code;
	}

	/* reopens (发回重办) */
	static const char *const reo_keys[] = {"actions", "follow_up_to"};
	if ((v = json_object_get(o, "reopens"))) {
		if (only_keys(L, v, "rates.reopens", reo_keys, 2) != 0 ||
		    get_list(L, v, "rates.reopens", "actions", false, false, &R->reopen_actions) ||
		    get_list(L, v, "rates.reopens", "follow_up_to", true, false,
		             &R->reopen_follow_up_to))
			return -1;
		if (!R->reopen_actions && !R->reopen_follow_up_to)
			return bad(L, "rates.reopens", "需要 actions 或 follow_up_to");
		size_t i;
		json_t *x;
		const struct type_action *cb = type_action(L->t, R->callback_action);
		json_array_foreach(R->reopen_follow_up_to, i, x)
		{
			const char *to = json_string_value(x);
			if (!action_leads_to(cb, to))
				return bad(L, "rates.reopens.follow_up_to",
				           "回访动作 %s 不会进入状态 %s", cb->code, to);
		}
	}

	/* duplicates (并单) */
	static const char *const merge_keys[] = {"state"};
	if ((v = json_object_get(o, "duplicates")) &&
	    (only_keys(L, v, "rates.duplicates", merge_keys, 1) != 0 ||
	     get_state(L, v, "rates.duplicates", "state", true, true, &R->merge_state) != 0))
		return -1;

	/* transfer (to and from 110) */
	static const char *const tr_keys[] = {"action", "state", "channel"};
	if ((v = json_object_get(o, "transfer"))) {
		if (only_keys(L, v, "rates.transfer", tr_keys, 3) != 0 ||
		    get_action(L, v, "rates.transfer", "action", true, &a) != 0 ||
		    get_state(L, v, "rates.transfer", "state", true, true, &R->transfer_state) != 0)
			return -1;
		if (!action_leads_to(a, R->transfer_state))
			return bad(L, "rates.transfer.state", "动作 %s 不会进入状态 %s", a->code,
			           R->transfer_state);
		R->transfer_action = a->code;
		R->transfer_channel = json_string_value(json_object_get(v, "channel"));
		if (!R->transfer_channel)
			return bad(L, "rates.transfer.channel", "缺少");
		if (!type_has_channel(L->t, R->transfer_channel))
			return bad(L, "rates.transfer.channel", "不在 channels 中");
	}

	/* local_resolution (disputes: 就地调处率) */
	static const char *const loc_keys[] = {"escalate"};
	if ((v = json_object_get(o, "local_resolution"))) {
		if (only_keys(L, v, "rates.local_resolution", loc_keys, 1) != 0 ||
		    get_list(L, v, "rates.local_resolution", "escalate", false, false,
		             &R->escalate_actions) != 0)
			return -1;
		if (!R->escalate_actions)
			return bad(L, "rates.local_resolution.escalate", "缺少");
	}
	return 0;
}

static int load_queues(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"name", "status", "or_overdue"};
	if (!o)
		return 0;
	if (!json_is_object(o) || json_object_size(o) == 0)
		return bad(L, "queues", "必须是非空对象");
	const char *name;
	json_t *q;
	json_object_foreach(o, name, q)
	{
		char k[128];
		snprintf(k, sizeof k, "queues.%s", name);
		if (!name_ok(name))
			return bad(L, k, "队列名只能由字母、数字和下划线组成");
		if (only_keys(L, q, k, keys, 3) != 0)
			return -1;
		json_t *label = json_object_get(q, "name");
		char kk[160];
		if (label && !json_is_string(label))
			return bad(L, subkey(kk, sizeof kk, k, "name"), "必须是字符串");
		json_t *st;
		if (get_list(L, q, k, "status", true, false, &st) != 0)
			return -1;
		if (!st)
			return bad(L, subkey(kk, sizeof kk, k, "status"), "缺少");
		json_t *od = json_object_get(q, "or_overdue");
		if (od && !json_is_boolean(od))
			return bad(L, subkey(kk, sizeof kk, k, "or_overdue"),
			           "必须是 true 或 false");
	}
	L->t->data.queues = o;
	return 0;
}

static int load_auto_urge(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"timers", "action", "label"};
	struct type_data *D = &L->t->data;
	if (!o)
		return 0;
	if (only_keys(L, o, "auto_urge", keys, 3) != 0)
		return -1;
	const struct type_action *a;
	if (get_action(L, o, "auto_urge", "action", true, &a) != 0)
		return -1;
	json_t *timers = json_object_get(o, "timers");
	if (!json_is_array(timers) || json_array_size(timers) == 0)
		return bad(L, "auto_urge.timers", "必须是非空数组");
	size_t i;
	json_t *x;
	json_array_foreach(timers, i, x)
	{
		const char *s = json_string_value(x);
		if (!s || (!type_deadline(L->t, s) && !str_in(s, engine_timer_kinds,
		                                              (int)(sizeof engine_timer_kinds /
		                                                    sizeof engine_timer_kinds[0]))))
			return bad(L, "auto_urge.timers",
			           "第 %zu 项不是计时器（handle、case_due 或 deadlines 中的时限）",
			           i + 1);
	}
	json_t *label = json_object_get(o, "label");
	if (label && !json_is_string(label))
		return bad(L, "auto_urge.label", "必须是字符串");
	D->urge_action = a->code;
	D->urge_timers = timers;
	D->urge_label = json_string_value(label);
	return 0;
}

static int load_public_reply(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"fields", "states"};
	struct type_data *D = &L->t->data;
	if (!o)
		return 0;
	if (only_keys(L, o, "public_reply", keys, 2) != 0)
		return -1;
	json_t *fields = json_object_get(o, "fields");
	if (!json_is_array(fields) || json_array_size(fields) == 0)
		return bad(L, "public_reply.fields", "必须是非空数组");
	size_t i;
	json_t *x;
	json_array_foreach(fields, i, x)
	{
		const struct type_field *f = type_field(L->t, json_string_value(x));
		if (!f)
			return bad(L, "public_reply.fields", "第 %zu 项不是本类型的字段", i + 1);
		if (f->kind != FK_STRING && f->kind != FK_TEXT)
			return bad(L, "public_reply.fields", "字段 %s 不是文本字段", f->name);
	}
	if (get_list(L, o, "public_reply", "states", true, false, &D->reply_states) != 0)
		return -1;
	D->reply_fields = fields;
	return 0;
}

static int load_org_settings(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"code", "name"};
	if (o) {
		if (!json_is_array(o) || json_array_size(o) == 0)
			return bad(L, "org_settings", "必须是非空数组");
		size_t i;
		json_t *x;
		json_array_foreach(o, i, x)
		{
			char k[64];
			snprintf(k, sizeof k, "org_settings[%zu]", i);
			if (only_keys(L, x, k, keys, 2) != 0)
				return -1;
			const char *code = json_string_value(json_object_get(x, "code"));
			if (!name_ok(code))
				return bad(L, k, "code 须为 1–%d 个字母、数字或下划线",
				           TYPE_DATA_NAME_MAX);
			if (!json_is_string(json_object_get(x, "name")))
				return bad(L, k, "缺少 name");
			for (size_t j = 0; j < i; j++)
				if (!strcmp(code, json_string_value(json_object_get(
				                      json_array_get(o, j), "code"))))
					return bad(L, k, "单位设置 %s 重复", code);
		}
		L->t->data.org_settings = o;
	}
	/* every approval names a declared setting */
	for (int i = 0; i < L->t->nactions; i++) {
		const struct type_action *a = &L->t->actions[i];
		if (!a->approval_setting)
			continue;
		bool found = false;
		size_t j;
		json_t *x;
		json_array_foreach(o, j, x)
		{
			found |= !strcmp(a->approval_setting,
			                 json_string_value(json_object_get(x, "code")));
		}
		if (!found) {
			char k[128];
			snprintf(k, sizeof k, "actions.%s.approval.org_setting", a->code);
			return bad(L, k, "单位设置 %s 未在 org_settings 中声明",
			           a->approval_setting);
		}
	}
	return 0;
}

static int string_field(struct tdl *L, json_t *o, const char *key, const char *sub,
                        const char **out)
{
	char k[128];
	subkey(k, sizeof k, key, sub);
	*out = json_string_value(json_object_get(o, sub));
	if (!*out)
		return bad(L, k, "缺少");
	const struct type_field *f = type_field(L->t, *out);
	if (!f || f->kind != FK_STRING)
		return bad(L, k, "%s 不是本类型的 string 字段", *out);
	return 0;
}

static int load_linkage(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"110"};
	static const char *const keys110[] = {"channel", "class", "incident_field",
	                                      "category_field"};
	struct type_linkage *k = &L->t->data.linkage;
	if (!o)
		return 0;
	if (only_keys(L, o, "linkage", keys, 1) != 0)
		return -1;
	json_t *v = json_object_get(o, "110");
	if (!v)
		return bad(L, "linkage.110", "缺少");
	if (only_keys(L, v, "linkage.110", keys110, 4) != 0)
		return -1;
	k->channel = json_string_value(json_object_get(v, "channel"));
	if (!k->channel || !type_has_channel(L->t, k->channel))
		return bad(L, "linkage.110.channel", "不在 channels 中");
	k->class_ = json_string_value(json_object_get(v, "class"));
	if (!k->class_ || !type_class(L->t, k->class_))
		return bad(L, "linkage.110.class", "不是本类型的分类");
	if (string_field(L, v, "linkage.110", "incident_field", &k->incident_field) != 0 ||
	    string_field(L, v, "linkage.110", "category_field", &k->category_field) != 0)
		return -1;
	const struct matter_type *other = types_linkage_110(L->r);
	if (other && other != L->t)
		return bad(L, "linkage.110", "类型 %s 已经接收110移交，只能有一个", other->code);
	return 0;
}

int type_data_load(const struct type_registry *r, struct matter_type *t, const char *file,
                   char *err, size_t errcap)
{
	struct tdl L = {.file = file, .err = err, .errcap = errcap, .r = r, .t = t};
	json_t *root = t->json;
	memset(&t->data, 0, sizeof t->data);
	if (load_rates(&L, json_object_get(root, "rates")) != 0 ||
	    load_queues(&L, json_object_get(root, "queues")) != 0 ||
	    load_auto_urge(&L, json_object_get(root, "auto_urge")) != 0 ||
	    load_public_reply(&L, json_object_get(root, "public_reply")) != 0 ||
	    load_org_settings(&L, json_object_get(root, "org_settings")) != 0 ||
	    load_linkage(&L, json_object_get(root, "linkage")) != 0) {
		memset(&t->data, 0, sizeof t->data);
		return -1;
	}
	return 0;
}

bool type_queue(const struct matter_type *t, const char *name, json_t **statuses, bool *or_overdue)
{
	json_t *q = name ? json_object_get(t->data.queues, name) : NULL;
	if (!q)
		return false;
	*statuses = json_object_get(q, "status");
	*or_overdue = json_is_true(json_object_get(q, "or_overdue"));
	return true;
}

bool type_auto_urges(const struct matter_type *t, const char *timer_kind)
{
	size_t i;
	json_t *v;
	if (!t->data.urge_action)
		return false;
	json_array_foreach(t->data.urge_timers, i, v)
	{
		if (!strcmp(json_string_value(v), timer_kind))
			return true;
	}
	return false;
}

const char *type_public_reply(const struct matter_type *t, const char *status, json_t *fields)
{
	const struct type_state *st = type_state(t, status);
	bool open = st && st->final;
	size_t i;
	json_t *v;
	json_array_foreach(t->data.reply_states, i, v)
	{
		open |= !strcmp(json_string_value(v), status);
	}
	if (!open)
		return NULL;
	json_array_foreach(t->data.reply_fields, i, v)
	{
		const char *text = json_string_value(json_object_get(fields, json_string_value(v)));
		if (text && *text)
			return text;
	}
	return NULL;
}

const struct matter_type *types_linkage_110(const struct type_registry *r)
{
	for (int i = 0; r && i < r->ntypes; i++)
		if (r->types[i].data.linkage.channel)
			return &r->types[i];
	return NULL;
}

bool types_org_setting(const struct type_registry *r, const char *code)
{
	for (int i = 0; code && i < r->ntypes; i++) {
		size_t j;
		json_t *x;
		json_array_foreach(r->types[i].data.org_settings, j, x)
		{
			if (!strcmp(code, json_string_value(json_object_get(x, "code"))))
				return true;
		}
	}
	return false;
}
