/*
 * Loading and checking what a matter type's names mean to the rest of the
 * server: rates, queues, auto_urge, public_reply, org_settings, linkage,
 * levels and parties (type_data.h). types.c calls type_data_load once per type, after the
 * type's states, fields and actions are loaded, so every name here can be
 * checked against them. Nothing is allocated: the results borrow from the
 * type's JSON. The rates block, the largest, is in type_data_rates.c, the
 * levels and parties in type_data_levels.c; the checks they share are
 * declared in type_data_int.h.
 *
 * Each block rejects keys it does not know, so a misspelt key stops the
 * server instead of silently counting nothing.
 */
#include "core/type_data.h"
#include "core/type_data_int.h"
#include "core/types.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Timer kinds the engine starts by itself besides the type's named
 * deadlines: a case's deadline, an assignment's handle deadline, and a
 * dated step's (the milestone_timers effect, core/milestones.c). */
static const char *const engine_timer_kinds[] = {"case_due", "handle", "milestone"};

/* "file: key: message"; returns -1. */
int tdl_bad(struct tdl *L, const char *key, const char *fmt, ...)
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
const char *tdl_subkey(char *buf, size_t cap, const char *key, const char *sub)
{
	snprintf(buf, cap, "%s.%s", key, sub);
	return buf;
}

/* A name usable in a JSON path and a query parameter: 1–64 of [A-Za-z0-9_]. */
bool tdl_name_ok(const char *s)
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
int tdl_only_keys(struct tdl *L, json_t *o, const char *key, const char *const *allowed, size_t n)
{
	if (!json_is_object(o))
		return tdl_bad(L, key, "必须是对象");
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (!str_in(k, allowed, (int)n)) {
			char sk[160];
			return tdl_bad(L, tdl_subkey(sk, sizeof sk, key, k), "不认识的键");
		}
	}
	return 0;
}

/* Does some action (its to, to_when_all_done or a branch) lead to state s? */
bool tdl_action_leads_to(const struct type_action *a, const char *s)
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
		if (tdl_action_leads_to(&t->actions[i], s))
			return true;
	return false;
}

/* o[sub] as a string into *s (NULL when it is not one), with "key.sub" into
 * k for messages: 1 when present, 0 when absent and not required, -1 (error
 * set) when absent and required. */
static int get_name(struct tdl *L, json_t *o, const char *key, const char *sub, bool required,
                    char k[static 160], const char **s)
{
	tdl_subkey(k, 160, key, sub);
	json_t *v = json_object_get(o, sub);
	*s = json_string_value(v);
	if (v)
		return 1;
	return required ? tdl_bad(L, k, "缺少") : 0;
}

/* The state named by o[sub] into *out: it must exist, be reached by some
 * action, and be final when final is set. 0 (with *out NULL when absent and
 * not required), or -1 with the error set. */
int tdl_get_state(struct tdl *L, json_t *o, const char *key, const char *sub, bool required,
                  bool final, const char **out)
{
	char k[160];
	const char *s;
	int rc = get_name(L, o, key, sub, required, k, &s);
	*out = NULL;
	if (rc <= 0)
		return rc;
	const struct type_state *st = s ? type_state(L->t, s) : NULL;
	if (!st)
		return tdl_bad(L, k, "不是本类型的状态");
	if (final && !st->final)
		return tdl_bad(L, k, "状态 %s 必须是 final 状态", s);
	if (!state_reached(L->t, s))
		return tdl_bad(L, k, "没有任何动作进入状态 %s", s);
	*out = s;
	return 0;
}

int tdl_get_action(struct tdl *L, json_t *o, const char *key, const char *sub, bool required,
                   const struct type_action **out)
{
	char k[160];
	const char *s;
	int rc = get_name(L, o, key, sub, required, k, &s);
	*out = NULL;
	if (rc <= 0)
		return rc;
	if (!s || !(*out = type_action(L->t, s)))
		return tdl_bad(L, k, "不是本类型的动作");
	return 0;
}

/* A non-empty array of states (final ones when final) or of actions. */
int tdl_get_list(struct tdl *L, json_t *o, const char *key, const char *sub, enum tdl_list kind,
                 json_t **out)
{
	char k[160];
	tdl_subkey(k, sizeof k, key, sub);
	json_t *v = json_object_get(o, sub);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return tdl_bad(L, k, "必须是非空数组");
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x)
	{
		const char *s = json_string_value(x);
		if (kind == TDL_STATES || kind == TDL_FINAL_STATES) {
			const struct type_state *st = s ? type_state(L->t, s) : NULL;
			if (!st)
				return tdl_bad(L, k, "第 %zu 项不是本类型的状态", i + 1);
			if (kind == TDL_FINAL_STATES && !st->final)
				return tdl_bad(L, k, "状态 %s 必须是 final 状态", s);
		} else if (kind == TDL_ASG_STATUSES) {
			if (!s || !type_asg_status_known(L->t, s))
				return tdl_bad(
				    L, k, "第 %zu 项不是本类型的承办状态（assignment_statuses）",
				    i + 1);
		} else if (!s || !type_action(L->t, s)) {
			return tdl_bad(L, k, "第 %zu 项不是本类型的动作", i + 1);
		}
	}
	*out = v;
	return 0;
}

static int load_queues(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"name", "status", "or_overdue", "assignment_status"};
	if (!o)
		return 0;
	if (!json_is_object(o) || json_object_size(o) == 0)
		return tdl_bad(L, "queues", "必须是非空对象");
	const char *name;
	json_t *q;
	json_object_foreach(o, name, q)
	{
		char k[128];
		snprintf(k, sizeof k, "queues.%s", name);
		if (!tdl_name_ok(name))
			return tdl_bad(L, k, "队列名只能由字母、数字和下划线组成");
		if (tdl_only_keys(L, q, k, keys, 4) != 0)
			return -1;
		json_t *label = json_object_get(q, "name");
		char kk[160];
		if (label && !json_is_string(label))
			return tdl_bad(L, tdl_subkey(kk, sizeof kk, k, "name"), "必须是字符串");
		json_t *st;
		if (tdl_get_list(L, q, k, "status", TDL_STATES, &st) != 0)
			return -1;
		if (!st)
			return tdl_bad(L, tdl_subkey(kk, sizeof kk, k, "status"), "缺少");
		json_t *od = json_object_get(q, "or_overdue");
		if (od && !json_is_boolean(od))
			return tdl_bad(L, tdl_subkey(kk, sizeof kk, k, "or_overdue"),
			               "必须是 true 或 false");
		json_t *ast; /* a case joins when one of its units waits in one of these */
		if (tdl_get_list(L, q, k, "assignment_status", TDL_ASG_STATUSES, &ast) != 0)
			return -1;
	}
	L->t->data.queues = o;
	return 0;
}

static int load_auto_urge(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"timers", "action", "label", "run"};
	struct type_data *D = &L->t->data;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "auto_urge", keys, 4) != 0)
		return -1;
	const struct type_action *a;
	if (tdl_get_action(L, o, "auto_urge", "action", true, &a) != 0)
		return -1;
	json_t *timers = json_object_get(o, "timers");
	if (!json_is_array(timers) || json_array_size(timers) == 0)
		return tdl_bad(L, "auto_urge.timers", "必须是非空数组");
	size_t i;
	json_t *x;
	json_array_foreach(timers, i, x)
	{
		const char *s = json_string_value(x);
		/* a date field's name is the kind of its date_timer's timers */
		const struct type_field *df = s ? type_field(L->t, s) : NULL;
		if (!s ||
		    (!type_deadline(L->t, s) && !(df && df->kind == FK_DATE) &&
		     !str_in(s, engine_timer_kinds,
		             (int)(sizeof engine_timer_kinds / sizeof engine_timer_kinds[0]))))
			return tdl_bad(
			    L, "auto_urge.timers",
			    "第 %zu 项不是计时器（handle、case_due、deadlines 中的时限或 "
			    "date 类字段）",
			    i + 1);
	}
	json_t *label = json_object_get(o, "label");
	if (label && !json_is_string(label))
		return tdl_bad(L, "auto_urge.label", "必须是字符串");
	json_t *run = json_object_get(o, "run");
	if (run && !json_is_boolean(run))
		return tdl_bad(L, "auto_urge.run", "必须是 true 或 false");
	/* the system takes the action on the overdue unit's part */
	if (json_is_true(run) && !a->on_assignment)
		return tdl_bad(L, "auto_urge.run", "动作 %s 须作用于承办任务（on: assignment）",
		               a->code);
	D->urge_runs = json_is_true(run);
	D->urge_action = a->code;
	D->urge_timers = timers;
	D->urge_label = json_string_value(label);
	return 0;
}

static int load_public_reply(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"fields", "states", "outcome"};
	struct type_data *D = &L->t->data;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "public_reply", keys, 3) != 0)
		return -1;
	json_t *oc = json_object_get(o, "outcome");
	if (oc) {
		const struct type_field *f = type_field(L->t, json_string_value(oc));
		if (!f || (f->kind != FK_ENUM && f->kind != FK_STRING))
			return tdl_bad(L, "public_reply.outcome",
			               "须为本类型的 enum 或 string 字段");
		D->reply_outcome = f->name;
	}
	json_t *fields = json_object_get(o, "fields");
	if (!json_is_array(fields) || json_array_size(fields) == 0)
		return tdl_bad(L, "public_reply.fields", "必须是非空数组");
	size_t i;
	json_t *x;
	json_array_foreach(fields, i, x)
	{
		const struct type_field *f = type_field(L->t, json_string_value(x));
		if (!f)
			return tdl_bad(L, "public_reply.fields", "第 %zu 项不是本类型的字段",
			               i + 1);
		if (f->kind != FK_STRING && f->kind != FK_TEXT)
			return tdl_bad(L, "public_reply.fields", "字段 %s 不是文本字段", f->name);
	}
	if (tdl_get_list(L, o, "public_reply", "states", TDL_STATES, &D->reply_states) != 0)
		return -1;
	D->reply_fields = fields;
	return 0;
}

int tdl_code_names(struct tdl *L, json_t *o, const char *key, const char *what)
{
	static const char *const keys[] = {"code", "name"};
	if (!json_is_array(o) || json_array_size(o) == 0)
		return tdl_bad(L, key, "必须是非空数组");
	size_t i;
	json_t *x;
	json_array_foreach(o, i, x)
	{
		char k[96];
		snprintf(k, sizeof k, "%s[%zu]", key, i);
		if (tdl_only_keys(L, x, k, keys, 2) != 0)
			return -1;
		const char *code = json_string_value(json_object_get(x, "code"));
		if (!tdl_name_ok(code))
			return tdl_bad(L, k, "code 须为 1–%d 个字母、数字或下划线",
			               TYPE_DATA_NAME_MAX);
		if (!json_is_string(json_object_get(x, "name")))
			return tdl_bad(L, k, "缺少 name");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(code, json_string_value(
			                      json_object_get(json_array_get(o, j), "code"))))
				return tdl_bad(L, k, "%s %s 重复", what, code);
	}
	return 0;
}

static int load_org_settings(struct tdl *L, json_t *o)
{
	if (o) {
		if (tdl_code_names(L, o, "org_settings", "单位设置") != 0)
			return -1;
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
			return tdl_bad(L, k, "单位设置 %s 未在 org_settings 中声明",
			               a->approval_setting);
		}
	}
	return 0;
}

static int string_field(struct tdl *L, json_t *o, const char *key, const char *sub,
                        const char **out)
{
	char k[128];
	tdl_subkey(k, sizeof k, key, sub);
	*out = json_string_value(json_object_get(o, sub));
	if (!*out)
		return tdl_bad(L, k, "缺少");
	const struct type_field *f = type_field(L->t, *out);
	if (!f || f->kind != FK_STRING)
		return tdl_bad(L, k, "%s 不是本类型的 string 字段", *out);
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
	if (tdl_only_keys(L, o, "linkage", keys, 1) != 0)
		return -1;
	json_t *v = json_object_get(o, "110");
	if (!v)
		return tdl_bad(L, "linkage.110", "缺少");
	if (tdl_only_keys(L, v, "linkage.110", keys110, 4) != 0)
		return -1;
	k->channel = json_string_value(json_object_get(v, "channel"));
	if (!k->channel || !type_has_channel(L->t, k->channel))
		return tdl_bad(L, "linkage.110.channel", "不在 channels 中");
	k->class_ = json_string_value(json_object_get(v, "class"));
	if (!k->class_ || !type_class(L->t, k->class_))
		return tdl_bad(L, "linkage.110.class", "不是本类型的分类");
	if (string_field(L, v, "linkage.110", "incident_field", &k->incident_field) != 0 ||
	    string_field(L, v, "linkage.110", "category_field", &k->category_field) != 0)
		return -1;
	const struct matter_type *other = types_linkage_110(L->r);
	if (other && other != L->t)
		return tdl_bad(L, "linkage.110", "类型 %s 已经接收110移交，只能有一个",
		               other->code);
	return 0;
}

int type_data_load(const struct type_registry *r, struct matter_type *t, const char *file,
                   char *err, size_t errcap)
{
	struct tdl L = {.file = file, .err = err, .errcap = errcap, .r = r, .t = t};
	json_t *root = t->json;
	memset(&t->data, 0, sizeof t->data);
	if (tdl_load_rates(&L, json_object_get(root, "rates")) != 0 ||
	    load_queues(&L, json_object_get(root, "queues")) != 0 ||
	    load_auto_urge(&L, json_object_get(root, "auto_urge")) != 0 ||
	    load_public_reply(&L, json_object_get(root, "public_reply")) != 0 ||
	    load_org_settings(&L, json_object_get(root, "org_settings")) != 0 ||
	    load_linkage(&L, json_object_get(root, "linkage")) != 0 ||
	    tdl_load_levels(&L, json_object_get(root, "levels")) != 0 ||
	    tdl_load_parties(&L, json_object_get(root, "parties")) != 0 ||
	    tdl_load_decisions(&L, json_object_get(root, "decisions")) != 0 ||
	    tdl_load_public_submit(&L, json_object_get(root, "public_submit")) != 0 ||
	    tdl_load_duplicates(&L, json_object_get(root, "duplicates")) != 0 ||
	    tdl_load_task_list(&L, json_object_get(root, "task_list")) != 0 ||
	    tdl_load_confidential(&L, json_object_get(root, "confidential_reporter")) != 0 ||
	    tdl_load_ledger(&L, json_object_get(root, "ledger")) != 0 ||
	    tdl_load_field_roles(&L, json_object_get(root, "create_field_roles")) != 0 ||
	    tdl_load_checklists(&L, json_object_get(root, "checklists")) != 0 ||
	    tdl_load_inspection(&L, json_object_get(root, "inspection_plan")) != 0 ||
	    tdl_load_campaign(&L, json_object_get(root, "campaign")) != 0 ||
	    tdl_load_guide(&L, json_object_get(root, "guide")) != 0 ||
	    tdl_load_party_track(&L, json_object_get(root, "party_track")) != 0 ||
	    tdl_load_reception(&L, json_object_get(root, "reception_rules")) != 0) {
		memset(&t->data, 0, sizeof t->data);
		return -1;
	}
	return 0;
}

bool type_queue(const struct matter_type *t, const char *name, struct type_queue *out)
{
	json_t *q = name ? json_object_get(t->data.queues, name) : NULL;
	if (!q)
		return false;
	out->statuses = json_object_get(q, "status");
	out->asg_statuses = json_object_get(q, "assignment_status");
	out->or_overdue = json_is_true(json_object_get(q, "or_overdue"));
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

/* May citizens read the reply of a case of t in `status`: a final state,
 * or one public_reply.states names. */
static bool type_public_reply_open(const struct matter_type *t, const char *status)
{
	const struct type_state *st = type_state(t, status);
	bool open = st && st->final;
	size_t i;
	json_t *v;
	json_array_foreach(t->data.reply_states, i, v)
	{
		open |= !strcmp(json_string_value(v), status);
	}
	return open;
}

const char *type_public_reply(const struct matter_type *t, const char *status, json_t *fields)
{
	size_t i;
	json_t *v;
	if (!type_public_reply_open(t, status))
		return NULL;
	json_array_foreach(t->data.reply_fields, i, v)
	{
		const char *text = json_string_value(json_object_get(fields, json_string_value(v)));
		if (text && *text)
			return text;
	}
	return NULL;
}

const char *type_public_outcome(const struct matter_type *t, const char *status, json_t *fields)
{
	if (!t->data.reply_outcome || !type_public_reply_open(t, status))
		return NULL;
	const char *v = json_string_value(json_object_get(fields, t->data.reply_outcome));
	return v && *v ? v : NULL;
}

const struct matter_type *types_public_submit(const struct type_registry *r)
{
	for (int i = 0; r && i < r->ntypes; i++)
		if (r->types[i].data.submit.org)
			return &r->types[i];
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
