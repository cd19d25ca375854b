/* Loading and validating matter-type definitions (types.h): the files, a
 * type's identity, states, deadlines, classes, channels and assignment
 * statuses, and the lookups the engine makes. Actions (fields, effects,
 * conditions, moves) are read by types_actions.c. */
#include "core/types.h"
#include "core/types_int.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPES_MAX 64

int tl_fail(struct loader *L, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(L->err, L->errcap, "%s: %s", L->file, msg);
	return -1;
}

const char *tl_jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int tl_str_list(struct loader *L, json_t *arr, const char *what, const char ***out, int *n)
{
	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return tl_fail(L, "%s 必须是字符串数组", what);
	size_t len = json_array_size(arr);
	*out = calloc(len ? len : 1, sizeof **out);
	if (!*out)
		return tl_fail(L, "内存不足");
	for (size_t i = 0; i < len; i++) {
		json_t *v = json_array_get(arr, i);
		if (!json_is_string(v))
			return tl_fail(L, "%s 的第 %zu 项不是字符串", what, i + 1);
		(*out)[i] = json_string_value(v);
	}
	*n = (int)len;
	return 0;
}

bool str_in(const char *s, const char *const *list, int n)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static const struct asg_status *asg_status_find(const struct matter_type *t, const char *s)
{
	for (int i = 0; s && i < t->nasg_statuses; i++)
		if (!strcmp(t->asg_statuses[i].code, s))
			return &t->asg_statuses[i];
	return NULL;
}

bool type_asg_status_known(const struct matter_type *t, const char *s)
{
	return asg_status_find(t, s) != NULL;
}

enum asg_phase type_asg_phase(const struct matter_type *t, const char *s)
{
	const struct asg_status *st = asg_status_find(t, s);
	return st ? st->phase : ASG_OPEN;
}

const char *type_asg_status(const struct matter_type *t, enum asg_phase p)
{
	return (unsigned)p < ASG_PHASES ? t->asg_status_of[p] : NULL;
}

/* code, name and number_prefix (two capital letters). */
static int parse_identity(struct loader *L, json_t *root, struct matter_type *t)
{
	t->code = tl_jstr(root, "code");
	t->name = tl_jstr(root, "name");
	t->prefix = tl_jstr(root, "number_prefix");
	if (!t->code || !t->name || !t->prefix)
		return tl_fail(L, "缺少 code、name 或 number_prefix");
	if (strlen(t->prefix) != 2 || t->prefix[0] < 'A' || t->prefix[0] > 'Z' ||
	    t->prefix[1] < 'A' || t->prefix[1] > 'Z')
		return tl_fail(L, "number_prefix 必须是两个大写字母");
	return 0;
}

/* "states": non-empty, exactly one initial. */
static int parse_states(struct loader *L, json_t *states, struct matter_type *t)
{
	if (!json_is_array(states) || json_array_size(states) == 0)
		return tl_fail(L, "缺少 states");
	t->nstates = (int)json_array_size(states);
	t->states = calloc((size_t)t->nstates, sizeof *t->states);
	if (!t->states)
		return tl_fail(L, "内存不足");
	int initial = 0;
	for (int i = 0; i < t->nstates; i++) {
		json_t *s = json_array_get(states, (size_t)i);
		t->states[i].code = tl_jstr(s, "code");
		t->states[i].name = tl_jstr(s, "name");
		t->states[i].initial = json_is_true(json_object_get(s, "initial"));
		t->states[i].final = json_is_true(json_object_get(s, "final"));
		if (!t->states[i].code || !t->states[i].name)
			return tl_fail(L, "状态缺少 code 或 name");
		initial += t->states[i].initial;
	}
	if (initial != 1)
		return tl_fail(L, "必须恰好有一个 initial 状态");
	return 0;
}

/* "deadlines": {"name": spec}. */
static int parse_deadlines(struct loader *L, json_t *dls, struct matter_type *t)
{
	if (dls && !json_is_object(dls))
		return tl_fail(L, "deadlines 必须是对象");
	t->ndeadlines = (int)json_object_size(dls);
	t->deadlines = calloc((size_t)t->ndeadlines + 1, sizeof *t->deadlines);
	if (!t->deadlines)
		return tl_fail(L, "内存不足");
	const char *key;
	json_t *val;
	int di = 0;
	json_object_foreach(dls, key, val)
	{
		char why[128];
		t->deadlines[di].name = key;
		if (deadline_spec_parse(val, &t->deadlines[di].spec, why, sizeof why) != 0)
			return tl_fail(L, "时限 %s 不正确: %s", key, why);
		di++;
	}
	return 0;
}

/* One class: code, name, its deadline and sign_within, confidential. */
static int parse_class(struct loader *L, json_t *c, struct type_class *k)
{
	k->code = tl_jstr(c, "code");
	k->name = tl_jstr(c, "name");
	if (!k->code || !k->name)
		return tl_fail(L, "分类缺少 code 或 name");
	char why[128];
	json_t *dl = json_object_get(c, "deadline");
	if (dl) {
		if (deadline_spec_parse(dl, &k->deadline, why, sizeof why) != 0)
			return tl_fail(L, "分类 %s 的时限不正确: %s", k->code, why);
		k->has_deadline = true;
	}
	json_t *sw = json_object_get(c, "sign_within");
	if (sw) {
		if (deadline_spec_parse(sw, &k->sign_within, why, sizeof why) != 0)
			return tl_fail(L, "分类 %s 的签收时限 sign_within 不正确: %s", k->code,
			               why);
		if (k->sign_within.n == 0)
			return tl_fail(L, "分类 %s 的签收时限 sign_within 须大于 0", k->code);
		k->has_sign_within = true;
	}
	k->confidential = json_is_true(json_object_get(c, "confidential"));
	return 0;
}

/* "classes" (non-empty) and "default_class". */
static int parse_classes(struct loader *L, json_t *root, struct matter_type *t)
{
	json_t *classes = json_object_get(root, "classes");
	if (!json_is_array(classes) || json_array_size(classes) == 0)
		return tl_fail(L, "缺少 classes");
	t->nclasses = (int)json_array_size(classes);
	t->classes = calloc((size_t)t->nclasses, sizeof *t->classes);
	if (!t->classes)
		return tl_fail(L, "内存不足");
	for (int i = 0; i < t->nclasses; i++)
		if (parse_class(L, json_array_get(classes, (size_t)i), &t->classes[i]) != 0)
			return -1;
	t->default_class = tl_jstr(root, "default_class");
	if (t->default_class && !type_class(t, t->default_class))
		return tl_fail(L, "default_class 不是已定义的分类");
	return 0;
}

/* "channels" and "default_channel". */
static int parse_channels(struct loader *L, json_t *root, struct matter_type *t)
{
	if (tl_str_list(L, json_object_get(root, "channels"), "channels", &t->channels,
	                &t->nchannels) != 0)
		return -1;
	t->default_channel = tl_jstr(root, "default_channel");
	if (t->default_channel && !type_has_channel(t, t->default_channel))
		return tl_fail(L, "default_channel 不在 channels 中");
	return 0;
}

/* "actions": each parsed, no code twice. */
static int parse_actions(struct loader *L, json_t *actions, struct matter_type *t)
{
	if (!json_is_array(actions))
		return tl_fail(L, "缺少 actions");
	t->nactions = (int)json_array_size(actions);
	t->actions = calloc((size_t)t->nactions + 1, sizeof *t->actions);
	if (!t->actions)
		return tl_fail(L, "内存不足");
	for (int i = 0; i < t->nactions; i++) {
		if (types_parse_action(L, json_array_get(actions, (size_t)i), t, &t->actions[i]) !=
		    0)
			return -1;
		for (int j = 0; j < i; j++)
			if (!strcmp(t->actions[j].code, t->actions[i].code))
				return tl_fail(L, "动作 %s 重复定义", t->actions[i].code);
	}
	return 0;
}

/* The phases as "assignment_statuses" names them, in enum asg_phase order. */
static const char *const asg_phase_names[ASG_PHASES] = {"open", "signed", "done", "cancelled"};

/* The mapping of a type without "assignment_statuses": the engine's own
 * names. New assignments start as "pending" (ST_ASG_INSERT), so a type's
 * own mapping must name it too. */
static const struct asg_status asg_default_statuses[] = {
    {"pending", ASG_OPEN},
    {"signed", ASG_SIGNED},
    {"done", ASG_DONE},
    {"cancelled", ASG_CANCELLED},
};
#define ASG_INITIAL_STATUS "pending"

/* Fills t->asg_statuses from "assignment_statuses" (or the default). */
static int asg_statuses_read(struct loader *L, json_t *map, struct matter_type *t)
{
	size_t n = map ? json_object_size(map)
	               : sizeof asg_default_statuses / sizeof asg_default_statuses[0];
	t->asg_statuses = calloc(n ? n : 1, sizeof *t->asg_statuses);
	if (!t->asg_statuses)
		return tl_fail(L, "内存不足");
	if (!map) {
		memcpy(t->asg_statuses, asg_default_statuses, sizeof asg_default_statuses);
		t->nasg_statuses = (int)n;
		return 0;
	}
	const char *key;
	json_t *val;
	json_object_foreach(map, key, val)
	{
		int p = 0;
		while (p < ASG_PHASES && !(json_is_string(val) &&
		                           !strcmp(json_string_value(val), asg_phase_names[p])))
			p++;
		if (p == ASG_PHASES)
			return tl_fail(
			    L, "assignment_statuses.%s 必须是 open、signed、done 或 cancelled 之一",
			    key);
		t->asg_statuses[t->nasg_statuses++] = (struct asg_status){key, (enum asg_phase)p};
	}
	return 0;
}

/* Each action's assignment_from, assignment_to and approval.assignment_to
 * is a status of the mapping. */
static int asg_statuses_check_actions(struct loader *L, const struct matter_type *t)
{
	for (int i = 0; i < t->nactions; i++) {
		const struct type_action *a = &t->actions[i];
		const char *bad = NULL;
		for (int j = 0; j < a->nasg_from && !bad; j++)
			if (!type_asg_status_known(t, a->asg_from[j]))
				bad = a->asg_from[j];
		if (!bad && a->asg_to && !type_asg_status_known(t, a->asg_to))
			bad = a->asg_to;
		if (!bad && a->approval_to && !type_asg_status_known(t, a->approval_to))
			bad = a->approval_to;
		if (bad)
			return tl_fail(L, "动作 %s 的承办任务状态 %s 不在 assignment_statuses 中",
			               a->code, bad);
	}
	return 0;
}

/* "assignment_statuses": {"name": "open"|"signed"|"done"|"cancelled"}, with
 * "pending" (where every assignment starts) open, and exactly one name each
 * for signed, done and cancelled, the names the engine writes. */
static int parse_asg_statuses(struct loader *L, json_t *map, struct matter_type *t)
{
	if (map && (!json_is_object(map) || json_object_size(map) == 0))
		return tl_fail(L, "assignment_statuses 必须是非空对象");
	if (asg_statuses_read(L, map, t) != 0)
		return -1;
	for (int i = 0; i < t->nasg_statuses; i++) {
		const struct asg_status *s = &t->asg_statuses[i];
		if (s->phase == ASG_OPEN)
			continue;
		if (t->asg_status_of[s->phase])
			return tl_fail(L, "assignment_statuses 中 %s 与 %s 都是 %s，只能有一个",
			               t->asg_status_of[s->phase], s->code,
			               asg_phase_names[s->phase]);
		t->asg_status_of[s->phase] = s->code;
	}
	for (int p = ASG_SIGNED; p < ASG_PHASES; p++)
		if (!t->asg_status_of[p])
			return tl_fail(L, "assignment_statuses 缺少映射为 %s 的状态",
			               asg_phase_names[p]);
	if (!type_asg_status_known(t, ASG_INITIAL_STATUS) ||
	    type_asg_phase(t, ASG_INITIAL_STATUS) != ASG_OPEN)
		return tl_fail(L, "assignment_statuses.%s 必须是 open（新派的承办任务从它开始）",
		               ASG_INITIAL_STATUS);
	return map ? asg_statuses_check_actions(L, t) : 0;
}

static int parse_type(struct loader *L, json_t *root, struct matter_type *t)
{
	t->json = root;
	if (!json_is_object(root))
		return tl_fail(L, "类型定义必须是 JSON 对象");
	if (parse_identity(L, root, t) != 0 ||
	    parse_states(L, json_object_get(root, "states"), t) != 0 ||
	    parse_deadlines(L, json_object_get(root, "deadlines"), t) != 0 ||
	    parse_classes(L, root, t) != 0 || parse_channels(L, root, t) != 0)
		return -1;
	json_t *warn = json_object_get(root, "warn_before_ms");
	t->warn_before_ms = json_is_integer(warn) ? json_integer_value(warn) : 4 * 3600 * 1000;
	if (types_parse_fields(L, json_object_get(root, "fields"), NULL, &t->fields, &t->nfields) !=
	        0 ||
	    parse_actions(L, json_object_get(root, "actions"), t) != 0 ||
	    parse_asg_statuses(L, json_object_get(root, "assignment_statuses"), t) != 0)
		return -1;
	return 0;
}

static void type_release(struct matter_type *t)
{
	for (int i = 0; i < t->nactions; i++) {
		struct type_action *a = &t->actions[i];
		free(a->from);
		free(a->roles);
		free(a->asg_from);
		free(a->asg_kinds);
		free(a->fields);
		free(a->effects);
		for (int j = 0; j < a->nbranches; j++) {
			free(a->branches[j].effects);
			free(a->branches[j].conds);
		}
		free(a->branches);
		for (int j = 0; j < a->nguards; j++)
			free(a->guards[j].conds);
		free(a->guards);
	}
	free(t->actions);
	free(t->states);
	free(t->classes);
	free(t->channels);
	free(t->fields);
	free(t->deadlines);
	free(t->asg_statuses);
	json_decref(t->json);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct type_registry *types_load_dir(const char *dir, effect_lookup_fn effect_index, char *err,
                                     size_t errcap)
{
	struct type_registry *r = calloc(1, sizeof *r);
	char *names[TYPES_MAX];
	int nnames = 0;
	DIR *d = opendir(dir);
	if (!r || !d) {
		snprintf(err, errcap, "无法打开类型目录 %s", dir);
		free(r);
		if (d)
			closedir(d);
		return NULL;
	}
	struct dirent *de;
	bool too_many = false;
	while ((de = readdir(d)) && !too_many) {
		size_t n = strlen(de->d_name);
		if (n > 5 && !strcmp(de->d_name + n - 5, ".json")) {
			too_many = nnames == TYPES_MAX; /* refused below, never dropped */
			if (!too_many)
				names[nnames++] = strdup(de->d_name);
		}
	}
	closedir(d);
	if (too_many) {
		snprintf(err, errcap, "%s: 类型定义超过 %d 个", dir, TYPES_MAX);
		for (int i = 0; i < nnames; i++)
			free(names[i]);
		free(r);
		return NULL;
	}
	qsort(names, (size_t)nnames, sizeof names[0], cmp_names);
	r->types = calloc((size_t)nnames + 1, sizeof *r->types);
	r->list = json_pack("{s:[]}", "items");
	int rc = 0;
	for (int i = 0; i < nnames && rc == 0; i++) {
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct loader L = {
		    .effect_index = effect_index, .file = path, .err = err, .errcap = errcap};
		json_error_t je;
		json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
		if (!root) {
			rc = tl_fail(&L, "第 %d 行: %s", je.line, je.text);
			break;
		}
		struct matter_type *t = &r->types[r->ntypes++];
		rc = parse_type(&L, root, t);
		for (int j = 0; rc == 0 && j < r->ntypes - 1; j++)
			if (!strcmp(r->types[j].code, t->code))
				rc = tl_fail(&L, "类型 %s 重复定义", t->code);
		if (rc == 0) /* what the type's names mean to stats, queues, … */
			rc = type_data_load(r, t, path, err, errcap);
		if (rc == 0)
			json_array_append_new(
			    json_object_get(r->list, "items"),
			    json_pack("{s:s,s:s}", "code", t->code, "name", t->name));
	}
	for (int i = 0; i < nnames; i++)
		free(names[i]);
	if (rc == 0 && r->ntypes == 0) {
		snprintf(err, errcap, "类型目录 %s 中没有任何类型定义", dir);
		rc = -1;
	}
	if (rc != 0) {
		types_free(r);
		return NULL;
	}
	return r;
}

void types_free(struct type_registry *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->ntypes; i++)
		type_release(&r->types[i]);
	free(r->types);
	json_decref(r->list);
	free(r);
}

const struct matter_type *types_find(const struct type_registry *r, const char *code)
{
	for (int i = 0; code && i < r->ntypes; i++)
		if (!strcmp(r->types[i].code, code))
			return &r->types[i];
	return NULL;
}

const struct type_action *type_action(const struct matter_type *t, const char *code)
{
	for (int i = 0; code && i < t->nactions; i++)
		if (!strcmp(t->actions[i].code, code))
			return &t->actions[i];
	return NULL;
}

const struct type_class *type_class(const struct matter_type *t, const char *code)
{
	for (int i = 0; code && i < t->nclasses; i++)
		if (!strcmp(t->classes[i].code, code))
			return &t->classes[i];
	return NULL;
}

const struct type_state *type_state(const struct matter_type *t, const char *code)
{
	for (int i = 0; code && i < t->nstates; i++)
		if (!strcmp(t->states[i].code, code))
			return &t->states[i];
	return NULL;
}

const struct type_field *type_field(const struct matter_type *t, const char *name)
{
	for (int i = 0; name && i < t->nfields; i++)
		if (!strcmp(t->fields[i].name, name))
			return &t->fields[i];
	return NULL;
}

const struct deadline_spec *type_deadline(const struct matter_type *t, const char *name)
{
	for (int i = 0; name && i < t->ndeadlines; i++)
		if (!strcmp(t->deadlines[i].name, name))
			return &t->deadlines[i].spec;
	return NULL;
}

bool type_has_channel(const struct matter_type *t, const char *channel)
{
	return str_in(channel, t->channels, t->nchannels);
}

bool type_field_has_value(const struct type_field *f, json_t *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(f && v ? f->values : NULL, i, x) if (json_equal(x, v)) return true;
	return false;
}
