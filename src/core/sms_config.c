/*
 * config/notify/sms.json loaded and checked (core/sms.h). Every fault stops
 * the server at start with "FILE: KEY: what is wrong", never at send time:
 * an unknown key, a template naming a placeholder it cannot have, a trigger
 * naming a type, state, field or template that does not exist, a secret
 * whose environment variable is not set. The file's format is in
 * docs/notifications.md ("短信").
 */
#include "core/sms_int.h"
#include "core/types.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

struct loader {
	struct sms_config *c;
	const struct type_registry *types;
	char *err;
	size_t errcap;
};

__attribute__((format(printf, 3, 4))) static int bad(struct loader *L, const char *key,
                                                     const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(L->err, L->errcap, "%s: %s: %s", L->c->path, key, msg);
	return -1;
}

static int only_keys(struct loader *L, json_t *o, const char *key, const char *const *allowed,
                     size_t n)
{
	if (!json_is_object(o))
		return bad(L, key, "必须是对象");
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		size_t i = 0;
		while (i < n && strcmp(k, allowed[i]))
			i++;
		if (i == n)
			return bad(L, key, "未知的键 \"%s\"", k);
	}
	return 0;
}

/* A required (or optional) string of 1..max characters without control
 * characters, copied into *out. */
static int str_of(struct loader *L, json_t *o, const char *k, const char *key, size_t max,
                  bool required, char **out)
{
	json_t *v = json_object_get(o, k);
	*out = NULL;
	if (!v && !required)
		return 0;
	const char *s = json_string_value(v);
	if (!s || !*s)
		return bad(L, key, "必须是非空字符串");
	size_t n = json_string_length(v);
	if (strlen(s) != n || !utf8_valid(s, n))
		return bad(L, key, "不是有效的 UTF-8 文本（含 NUL 或残缺字符）");
	if (n > max)
		return bad(L, key, "过长（上限 %zu 字节）", max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return bad(L, key, "不能含控制字符");
	*out = strdup(s);
	return *out ? 0 : bad(L, key, "内存不足");
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SMS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static bool var_known(const char *name, void *arg)
{
	unsigned *uses = arg;
	for (int i = 0; i < SV__N; i++)
		if (!strcmp(name, sms_var_names[i])) {
			*uses |= 1u << i;
			return true;
		}
	return false;
}

static int load_template(struct loader *L, const char *name, json_t *o)
{
	static const char *const keys[] = {"text", "template_id"};
	char key[128];
	snprintf(key, sizeof key, "templates.%s", name);
	if (!name_ok(name))
		return bad(L, key, "模板名只能含小写字母、数字和下划线（至多 64 个）");
	if (L->c->ntemplates == SMS_MAX_TEMPLATES)
		return bad(L, "templates", "模板过多（上限 %d 个）", SMS_MAX_TEMPLATES);
	if (only_keys(L, o, key, keys, 2) != 0)
		return -1;
	struct sms_template *t = &L->c->templates[L->c->ntemplates++];
	t->name = strdup(name);
	char tkey[160];
	snprintf(tkey, sizeof tkey, "%s.text", key);
	if (!t->name || str_of(L, o, "text", tkey, 4 * SMS_TEXT_MAX_CHARS, true, &t->text) != 0)
		return -1;
	snprintf(tkey, sizeof tkey, "%s.template_id", key);
	if (str_of(L, o, "template_id", tkey, 64, false, &t->template_id) != 0)
		return -1;
	char why[256];
	if (sms_names_check(t->text, var_known, &t->uses, why, sizeof why) != 0)
		return bad(L, key,
		           "%s（可用：{no} {type_name} {class} {deadline} {outcome} {unit}）", why);
	return 0;
}

/* A list of 1..SMS_MAX_LIST names into out[]/n (absent: n = 0). */
static int names_of(struct loader *L, json_t *o, const char *k, const char *key, char **out, int *n)
{
	json_t *a = json_object_get(o, k);
	*n = 0;
	if (!a)
		return 0;
	char sub[160];
	snprintf(sub, sizeof sub, "%s.%s", key, k);
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > SMS_MAX_LIST)
		return bad(L, sub, "必须是 1–%d 项的数组", SMS_MAX_LIST);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		json_t *wrap = json_pack("{s:O}", "v", v);
		int rc = str_of(L, wrap, "v", sub, 64, true, &out[*n]);
		json_decref(wrap);
		if (rc != 0)
			return -1;
		(*n)++;
	}
	return 0;
}

static int load_outcomes(struct loader *L, struct sms_trigger *g, json_t *o, const char *key)
{
	static const char *const keys[] = {"field", "in", "text"};
	json_t *a = json_object_get(o, "outcomes");
	char sub[160];
	snprintf(sub, sizeof sub, "%s.outcomes", key);
	if (a && (!json_is_array(a) || json_array_size(a) > SMS_MAX_OUTCOMES))
		return bad(L, sub, "必须是至多 %d 项的数组", SMS_MAX_OUTCOMES);
	size_t i;
	json_t *r;
	json_array_foreach(a, i, r)
	{
		struct sms_outcome *oc = &g->outcomes[g->noutcomes++];
		char rk[200];
		snprintf(rk, sizeof rk, "%s[%zu]", sub, i);
		if (only_keys(L, r, rk, keys, 3) != 0 ||
		    str_of(L, r, "field", rk, 64, true, &oc->field) != 0 ||
		    str_of(L, r, "text", rk, 4 * 100, true, &oc->text) != 0)
			return -1;
		json_t *in = json_object_get(r, "in");
		if (!json_is_array(in) || json_array_size(in) == 0)
			return bad(L, rk, "in 必须是非空数组");
		oc->in = json_incref(in);
		for (int t = 0; t < g->ntypes; t++)
			if (!type_field(types_find(L->types, g->types[t]), oc->field))
				return bad(L, rk, "类型 %s 没有字段 %s", g->types[t], oc->field);
	}
	return str_of(L, o, "outcome_default", key, 400, false, &g->outcome_default);
}

static int check_types(struct loader *L, struct sms_trigger *g, const char *key)
{
	for (int i = 0; i < g->ntypes; i++) {
		const struct matter_type *t = types_find(L->types, g->types[i]);
		if (!t)
			return bad(L, key, "未知的事项类型 %s", g->types[i]);
		if (g->to_state && !type_state(t, g->to_state))
			return bad(L, key, "类型 %s 没有状态 %s", g->types[i], g->to_state);
		const struct type_field *f = L->c->consent_field && g->to == TO_REPORTER
		                                 ? type_field(t, L->c->consent_field)
		                                 : NULL;
		if (L->c->consent_field && g->to == TO_REPORTER && (!f || f->kind != FK_BOOL))
			return bad(L, key, "类型 %s 没有布尔字段 %s（保密件的短信同意）",
			           g->types[i], L->c->consent_field);
	}
	return 0;
}

static int load_trigger(struct loader *L, size_t idx, json_t *o)
{
	static const char *const keys[] = {"template",        "to",    "events", "to_state",
	                                   "types",           "roles", "timers", "outcomes",
	                                   "outcome_default", "not_if"};
	char key[64];
	snprintf(key, sizeof key, "triggers[%zu]", idx);
	if (only_keys(L, o, key, keys, sizeof keys / sizeof keys[0]) != 0)
		return -1;
	struct sms_trigger *g = &L->c->triggers[L->c->ntriggers++];
	char *tname = NULL, *to = NULL;
	int rc = str_of(L, o, "template", key, 64, true, &tname);
	if (rc == 0 && !(g->tpl = sms_template_find(L->c, tname)))
		rc = bad(L, key, "未知的模板 %s", tname);
	free(tname);
	if (rc != 0 || str_of(L, o, "to", key, 32, true, &to) != 0)
		return -1;
	if (!strcmp(to, "reporter"))
		g->to = TO_REPORTER;
	else if (!strcmp(to, "dispatched_units"))
		g->to = TO_NEW_UNITS;
	else if (!strcmp(to, "overdue_unit"))
		g->to = TO_OVERDUE_UNIT;
	else
		rc = bad(L, key, "to 必须是 reporter、dispatched_units 或 overdue_unit");
	free(to);
	if (rc != 0 || names_of(L, o, "events", key, g->events, &g->nevents) != 0 ||
	    str_of(L, o, "to_state", key, 64, false, &g->to_state) != 0 ||
	    names_of(L, o, "types", key, g->types, &g->ntypes) != 0 ||
	    names_of(L, o, "roles", key, g->roles, &g->nroles) != 0 ||
	    names_of(L, o, "timers", key, g->timers, &g->ntimers) != 0 ||
	    names_of(L, o, "not_if", key, g->not_if, &g->nnot_if) != 0)
		return -1;
	if (g->nevents == 0 && !g->to_state)
		return bad(L, key, "须有 events 或 to_state");
	if (g->ntypes == 0)
		return bad(L, key, "须有 types（哪些事项类型发送）");
	if ((g->to == TO_REPORTER) != (g->nroles == 0))
		return bad(
		    L, key,
		    "roles 只用于、且必须用于发给单位的触发（dispatched_units、overdue_unit）");
	if (g->ntimers && g->to != TO_OVERDUE_UNIT)
		return bad(L, key, "timers 只用于 overdue_unit");
	if (check_types(L, g, key) != 0 || load_outcomes(L, g, o, key) != 0)
		return -1;
	if ((g->tpl->uses & (1u << SV_OUTCOME)) && !g->outcome_default)
		return bad(L, key, "模板用了 {outcome}，须有 outcome_default");
	if ((g->tpl->uses & (1u << SV_UNIT)) && g->to == TO_REPORTER)
		return bad(L, key, "发给反映人的模板不能用 {unit}");
	return 0;
}

static int load_secrets(struct loader *L, struct sms_gateway *gw, json_t *o)
{
	const char *k;
	json_t *v;
	if (o && !json_is_object(o))
		return bad(L, "gateway.secrets", "必须是对象 {占位符: 环境变量名}");
	json_object_foreach(o, k, v)
	{
		char key[128];
		snprintf(key, sizeof key, "gateway.secrets.%s", k);
		struct sms_gw_values none = {0};
		if (!name_ok(k) || sms_gw_look(k, &none))
			return bad(L, key,
			           "占位符名须为小写字母、数字和下划线，且不同于内置占位符");
		if (gw->nsecrets == SMS_MAX_SECRETS)
			return bad(L, key, "过多（上限 %d 个）", SMS_MAX_SECRETS);
		const char *env = json_string_value(v);
		const char *val = env ? getenv(env) : NULL;
		if (!val || !*val)
			return bad(L, key,
			           "环境变量 %s 未设置（密钥只从环境变量读取，不写在配置里）",
			           env ? env : "?");
		struct sms_secret *s = &gw->secrets[gw->nsecrets++];
		s->name = strdup(k);
		s->value = strdup(val);
		if (!s->name || !s->value)
			return bad(L, key, "内存不足");
	}
	return 0;
}

static int check_gw_text(struct loader *L, struct sms_gateway *gw, const char *key, const char *s)
{
	char why[256];
	if (sms_names_check(s, sms_gw_known, gw, why, sizeof why) != 0)
		return bad(L, key, "%s", why);
	return 0;
}

static int load_body(struct loader *L, struct sms_gateway *gw, json_t *o)
{
	json_t *jb = json_object_get(o, "json"), *fb = json_object_get(o, "form");
	if (jb && fb)
		return bad(L, "gateway", "json 与 form 只能有一个");
	json_t *b = jb ? jb : fb;
	if (!b)
		return 0;
	const char *key = jb ? "gateway.json" : "gateway.form";
	if (!json_is_object(b))
		return bad(L, key, "必须是对象");
	const char *k;
	json_t *v;
	json_object_foreach(b, k, v)
	{
		char sub[160];
		snprintf(sub, sizeof sub, "%s.%s", key, k);
		if (!json_is_string(v))
			return bad(L, sub, "必须是字符串（可含占位符）");
		if (check_gw_text(L, gw, sub, json_string_value(v)) != 0)
			return -1;
	}
	gw->body_kind = jb ? BODY_JSON : BODY_FORM;
	gw->body = json_incref(b);
	return 0;
}

static int load_gateway(struct loader *L, json_t *o)
{
	static const char *const keys[] = {"url",       "method",  "headers", "json",      "form",
	                                   "sign_name", "secrets", "success", "timeout_ms"};
	struct sms_gateway *gw = &L->c->gw;
	if (only_keys(L, o, "gateway", keys, sizeof keys / sizeof keys[0]) != 0 ||
	    load_secrets(L, gw, json_object_get(o, "secrets")) != 0 ||
	    str_of(L, o, "url", "gateway.url", 1024, true, &gw->url) != 0 ||
	    str_of(L, o, "method", "gateway.method", 8, false, &gw->method) != 0 ||
	    str_of(L, o, "sign_name", "gateway.sign_name", 64, false, &gw->sign) != 0)
		return -1;
	if (strncmp(gw->url, "http://", 7) && strncmp(gw->url, "https://", 8))
		return bad(L, "gateway.url", "须以 http:// 或 https:// 开头");
	if (!gw->method)
		gw->method = strdup("POST");
	if (!gw->method ||
	    (strcmp(gw->method, "POST") && strcmp(gw->method, "GET") && strcmp(gw->method, "PUT")))
		return bad(L, "gateway.method", "须为 GET、POST 或 PUT");
	if (check_gw_text(L, gw, "gateway.url", gw->url) != 0 || load_body(L, gw, o) != 0)
		return -1;
	json_t *h = json_object_get(o, "headers");
	if (h && !json_is_object(h))
		return bad(L, "gateway.headers", "必须是对象");
	const char *k;
	json_t *v;
	json_object_foreach(h, k, v)
	{
		char key[160];
		snprintf(key, sizeof key, "gateway.headers.%s", k);
		if (gw->nheaders == SMS_MAX_HEADERS)
			return bad(L, key, "过多（上限 %d 个）", SMS_MAX_HEADERS);
		for (const char *p = k; *p; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '-'))
				return bad(L, key, "头名只能含字母、数字和“-”");
		struct sms_header *hd = &gw->headers[gw->nheaders++];
		hd->name = strdup(k);
		json_t *wrap = json_pack("{s:O}", "v", v);
		int rc = str_of(L, wrap, "v", key, 1024, true, &hd->value);
		json_decref(wrap);
		if (rc != 0 || !hd->name || check_gw_text(L, gw, key, hd->value) != 0)
			return -1;
	}
	json_t *ok = json_object_get(o, "success");
	if (ok) {
		static const char *const okeys[] = {"field", "equals"};
		if (only_keys(L, ok, "gateway.success", okeys, 2) != 0 ||
		    str_of(L, ok, "field", "gateway.success.field", 64, true, &gw->ok_field) != 0)
			return -1;
		gw->ok_value = json_incref(json_object_get(ok, "equals"));
		if (!gw->ok_value)
			return bad(L, "gateway.success", "须有 equals");
	}
	json_t *t = json_object_get(o, "timeout_ms");
	gw->timeout_ms = t ? (long)json_integer_value(t) : 10000;
	if (t && (!json_is_integer(t) || gw->timeout_ms < 100 || gw->timeout_ms > 60000))
		return bad(L, "gateway.timeout_ms", "须为 100–60000 的整数");
	return 0;
}

static int load_sink(struct loader *L, json_t *root, const char *base_dir)
{
	const char *sink = json_string_value(json_object_get(root, "sink"));
	if (!sink || (strcmp(sink, "file") && strcmp(sink, "gateway")))
		return bad(L, "sink",
		           "须为 \"file\"（写入文件，演示与测试）或 \"gateway\"（HTTP 短信网关）");
	L->c->file_sink = !strcmp(sink, "file");
	json_t *gw = json_object_get(root, "gateway");
	if (gw && load_gateway(L, gw) != 0)
		return -1;
	if (!L->c->file_sink) {
		if (!gw)
			return bad(L, "gateway", "sink 为 gateway 时须有 gateway");
		return 0;
	}
	char *file = NULL;
	if (str_of(L, root, "file", "file", 512, true, &file) != 0)
		return -1;
	size_t cap = sizeof L->c->file;
	int n = file[0] == '/' ? snprintf(L->c->file, cap, "%s", file)
	                       : snprintf(L->c->file, cap, "%s/%s", base_dir, file);
	free(file);
	return (size_t)n < cap ? 0 : bad(L, "file", "路径过长");
}

static int load_root(struct loader *L, json_t *root, const char *base_dir)
{
	static const char *const keys[] = {"max_chars",     "sink",      "file",     "gateway",
	                                   "consent_field", "templates", "triggers", "comment"};
	if (only_keys(L, root, "(root)", keys, sizeof keys / sizeof keys[0]) != 0)
		return -1;
	json_t *mc = json_object_get(root, "max_chars");
	L->c->max_chars = mc ? (int)json_integer_value(mc) : 300;
	if (mc &&
	    (!json_is_integer(mc) || L->c->max_chars < 10 || L->c->max_chars > SMS_TEXT_MAX_CHARS))
		return bad(L, "max_chars", "须为 10–%d 的整数", SMS_TEXT_MAX_CHARS);
	if (str_of(L, root, "consent_field", "consent_field", 64, false, &L->c->consent_field) !=
	        0 ||
	    load_sink(L, root, base_dir) != 0)
		return -1;
	json_t *tpls = json_object_get(root, "templates");
	if (!json_is_object(tpls) || json_object_size(tpls) == 0)
		return bad(L, "templates", "必须是非空对象 {名称: {text, template_id?}}");
	const char *k;
	json_t *v;
	json_object_foreach(tpls, k, v) if (load_template(L, k, v) != 0) return -1;
	json_t *trs = json_object_get(root, "triggers");
	if (!json_is_array(trs) || json_array_size(trs) > SMS_MAX_TRIGGERS)
		return bad(L, "triggers", "必须是至多 %d 项的数组", SMS_MAX_TRIGGERS);
	size_t i;
	json_array_foreach(trs, i, v) if (load_trigger(L, i, v) != 0) return -1;
	return 0;
}

struct sms_config *sms_config_load(const char *path, const struct type_registry *types,
                                   const char *base_dir, char *err, size_t errcap)
{
	struct sms_config *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errcap, "%s: 内存不足", path);
		return NULL;
	}
	snprintf(c->path, sizeof c->path, "%s", path);
	struct loader L = {c, types, err, errcap};
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errcap, "%s: 第 %d 行: %s", path, je.line, je.text);
		sms_config_free(c);
		return NULL;
	}
	int rc = load_root(&L, root, base_dir);
	json_decref(root);
	if (rc != 0) {
		sms_config_free(c);
		return NULL;
	}
	return c;
}

static void free_list(char **a, int n)
{
	for (int i = 0; i < n; i++)
		free(a[i]);
}

void sms_config_free(struct sms_config *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->ntemplates; i++) {
		free(c->templates[i].name);
		free(c->templates[i].text);
		free(c->templates[i].template_id);
	}
	for (int i = 0; i < c->ntriggers; i++) {
		struct sms_trigger *g = &c->triggers[i];
		free_list(g->events, g->nevents);
		free_list(g->types, g->ntypes);
		free_list(g->roles, g->nroles);
		free_list(g->timers, g->ntimers);
		free_list(g->not_if, g->nnot_if);
		free(g->to_state);
		free(g->outcome_default);
		for (int j = 0; j < g->noutcomes; j++) {
			free(g->outcomes[j].field);
			free(g->outcomes[j].text);
			json_decref(g->outcomes[j].in);
		}
	}
	struct sms_gateway *gw = &c->gw;
	free(gw->url);
	free(gw->method);
	free(gw->sign);
	free(gw->ok_field);
	json_decref(gw->ok_value);
	json_decref(gw->body);
	for (int i = 0; i < gw->nheaders; i++) {
		free(gw->headers[i].name);
		free(gw->headers[i].value);
	}
	for (int i = 0; i < gw->nsecrets; i++) {
		free(gw->secrets[i].name);
		if (gw->secrets[i].value)
			memset(gw->secrets[i].value, 0, strlen(gw->secrets[i].value));
		free(gw->secrets[i].value);
	}
	free(c->consent_field);
	free(c);
}

const struct sms_template *sms_template_find(const struct sms_config *c, const char *name)
{
	for (int i = 0; i < c->ntemplates; i++)
		if (!strcmp(c->templates[i].name, name))
			return &c->templates[i];
	return NULL;
}
