/*
 * POST /api/v1/public/suggestions: anyone, without signing in, submits a
 * people's suggestion (人民建议, docs/suggestion.md) from the public page:
 *
 *   {"title", "content", "phone", "topic"?, "name"?, "address"?}
 *     → 201 {"no": "JY20260301-0001"}
 *
 * It becomes a case of the one type with "public_submit" (core/type_data.h),
 * owned by that block's org, on its channel and class, registered by the
 * system (no account: the actor holds the type's first create_roles role
 * over the owning org, and events name no user). The phone (a mobile
 * number, required) is sealed like any reporter's: with the case number it
 * is the proposer's key to GET /api/v1/public/track, which shows the
 * decision and the implementation (the type's public_reply). The topic, if
 * given, must be open today (the "topic" field kind, core/input.c).
 *
 * The answer is the number only. Every value is limited; a bad body is 400
 * and writes nothing. Submissions are counted per client address and after
 * SUGGEST_RATE ($CIVICLOOP_SUGGEST_RATE) within SUGGEST_WINDOW_MS the address
 * gets 429 until the window ends; bad bodies are not counted.
 */
#include "api/addr_limit.h"
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define SUGGEST_TITLE_MAX 100
#define SUGGEST_CONTENT_MAX 4000
#define SUGGEST_ADDRESS_MAX 200
#define SUGGEST_RATE_DEFAULT 20
#define SUGGEST_WINDOW_MS (60 * MS_PER_MINUTE)

static struct addr_limit submissions = ADDR_LIMIT_INIT(SUGGEST_RATE_DEFAULT, SUGGEST_WINDOW_MS);

static const struct text_rule title_rule = {
    .field = "title",
    .max = SUGGEST_TITLE_MAX,
    .flags = TEXT_NONEMPTY,
    .invalid = "请填写建议标题（单行文字）",
    .too_long = "建议标题最多 " TEXT_STR(SUGGEST_TITLE_MAX) " 字",
};
static const struct text_rule content_rule = {
    .field = "content",
    .max = SUGGEST_CONTENT_MAX,
    .flags = TEXT_MULTILINE | TEXT_NONEMPTY,
    .invalid = "请填写建议内容",
    .too_long = "建议内容最多 " TEXT_STR(SUGGEST_CONTENT_MAX) " 字",
};
static const struct text_rule name_rule = {
    .field = "name",
    .max = REPORTER_NAME_MAX,
    .invalid = "姓名须为单行文字",
    .too_long = "姓名最多 " TEXT_STR(REPORTER_NAME_MAX) " 字",
};
static const struct text_rule address_rule = {
    .field = "address",
    .max = SUGGEST_ADDRESS_MAX,
    .invalid = "联系地址须为单行文字",
    .too_long = "联系地址最多 " TEXT_STR(SUGGEST_ADDRESS_MAX) " 字",
};

/* A mainland mobile number: 11 digits starting 13–19. */
static bool mobile_ok(const char *s)
{
	if (!s || strlen(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* v when present and not null, else NULL. */
static json_t *given(json_t *b, const char *key)
{
	json_t *v = json_object_get(b, key);
	return json_is_null(v) ? NULL : v;
}

/* The body checked and turned into the case body of type t (new, owned). */
static int suggest_build(const struct matter_type *t, json_t *b, json_t **create, struct err *e)
{
	static const char *const keys[] = {"title", "content", "phone", "topic", "name", "address"};
	const char *bad = json_unknown_key(b, keys, sizeof keys / sizeof *keys);
	char clip[UTF8_CLIP_BUF];
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, bad, "不认识的字段 %s",
		               utf8_clip(bad, 64, clip, sizeof clip));
	json_t *title = given(b, "title"), *content = given(b, "content"),
	       *phone = given(b, "phone");
	json_t *topic = given(b, "topic"), *name = given(b, "name"), *addr = given(b, "address");
	if (!title)
		return err_set(e, E_FIELD_REQUIRED, "title", "请填写建议标题");
	if (!content)
		return err_set(e, E_FIELD_REQUIRED, "content", "请填写建议内容");
	if (!phone)
		return err_set(e, E_FIELD_REQUIRED, "phone", "请填写手机号码，用于查询办理结果");
	if (text_check(title, &title_rule, e) != 0 || text_check(content, &content_rule, e) != 0 ||
	    (name && text_check(name, &name_rule, e) != 0) ||
	    (addr && text_check(addr, &address_rule, e) != 0))
		return -1;
	if (!json_is_string(phone) || !mobile_ok(json_string_value(phone)))
		return err_set(e, E_FIELD_INVALID, "phone", "请填写 11 位手机号码");
	if (topic && (!json_is_integer(topic) || json_integer_value(topic) <= 0))
		return err_set(e, E_FIELD_INVALID, "topic", "征集主题不正确");
	const char *topic_field = t->data.decisions.topic_field;
	if (topic && !topic_field)
		return err_set(e, E_FIELD_UNKNOWN, "topic", "该事项不分征集主题");
	json_t *rep = json_pack("{s:O}", "phone", phone);
	if (rep && name && *json_string_value(name))
		json_object_set(rep, "name", name);
	json_t *fields = json_object();
	if (fields && topic)
		json_object_set(fields, topic_field, topic);
	json_t *body = json_pack("{s:s,s:s,s:s,s:O,s:O,s:o,s:o}", "type", t->code, "class",
	                         t->data.submit.class_, "channel", t->data.submit.channel, "title",
	                         title, "description", content, "reporter", rep, "fields", fields);
	if (body && addr && *json_string_value(addr))
		json_object_set_new(body, "location", json_pack("{s:O}", "address", addr));
	if (!body)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	*create = body;
	return 0;
}

/* The system's actor for t's submissions: the first create_roles role,
 * over the block's org. 0, or -1 with *e (the org is gone: 503). */
static int suggest_actor(struct store_conn *c, const struct matter_type *t, struct actor *a,
                         struct err *e)
{
	memset(a, 0, sizeof *a);
	struct role_grant *g = &a->roles[0];
	json_t *org = json_string(t->data.submit.org);
	int rc = org_resolve(c, org, &g->scope_org, g->scope_path, sizeof g->scope_path,
	                     g->scope_code, sizeof g->scope_code);
	json_decref(org);
	if (rc != 0)
		return err_set(e, E_UNAVAILABLE, NULL, "暂不能受理网上建议，请拨打 12345");
	const char *role =
	    json_string_value(json_array_get(json_object_get(t->json, "create_roles"), 0));
	snprintf(g->role, sizeof g->role, "%s", role ? role : "");
	snprintf(a->name, sizeof a->name, "网上征集");
	a->org_id = g->scope_org;
	snprintf(a->org_code, sizeof a->org_code, "%s", g->scope_code);
	snprintf(a->org_path, sizeof a->org_path, "%s", g->scope_path);
	a->nroles = 1;
	return 0;
}

/* writer: registers the suggestion; answers its number. */
static int suggest_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	const struct matter_type *t = types_public_submit(w->app->types);
	struct actor a;
	json_t *out = NULL;
	if (!t || suggest_actor(w->conn, t, &a, &r->err) != 0 ||
	    engine_create_ext(w, &a, r->in, NULL, &out, &r->err) != 0)
		return -1;
	const char *no = json_string_value(json_object_get(json_object_get(out, "case"), "no"));
	r->out = json_pack("{s:s}", "no", no ? no : "");
	json_decref(out);
	if (!r->out)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	r->status = 201;
	addr_limit_count(&submissions, r->address, time_real_ms());
	return 0;
}

static void suggest_rate_read(void)
{
	submissions.max = app_env_int("CIVICLOOP_SUGGEST_RATE", 1, 1000000, SUGGEST_RATE_DEFAULT);
}

/* POST /api/v1/public/suggestions → 201 {"no"} */
enum handler_result api_public_suggest(struct req *r)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, suggest_rate_read);
	if (!addr_limit_allowed(&submissions, r->address, time_real_ms()))
		return reply_err(r, E_THROTTLED, NULL, "提交过于频繁，请一小时后再试");
	const struct matter_type *t = types_public_submit(r->app->types);
	if (!t)
		return reply_err(r, E_NOT_FOUND, NULL, "暂未开放网上建议征集");
	if (req_json(r) != 0)
		return reply_failed(r);
	json_t *create = NULL;
	if (suggest_build(t, r->in, &create, &r->err) != 0)
		return reply_failed(r);
	json_decref(r->in); /* the case body replaces the request body */
	r->in = create;
	return reply_async(r, suggest_job);
}
