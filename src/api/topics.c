/*
 * Collection topics of people's suggestions (征集主题, like 每月一题;
 * docs/suggestion.md, migration 15):
 *
 *   GET   /api/v1/topics             any signed-in user: every topic, newest first, paged
 *   POST  /api/v1/topics             topic.manage: {"title","description","org",
 *                                    "opens_on","closes_on"} (dates YYYY-MM-DD)
 *   PATCH /api/v1/topics/{id}        topic.manage: any of those, and "ended": true|false
 *   GET   /api/v1/public/topics      no sign-in: the topics open today, without
 *                                    anything but what the public page shows
 *
 * A topic is open on a day (Asia/Shanghai) inside its period unless ended early;
 * a suggestion names it in the type's "topic" field, which only an open
 * topic passes (core/input.c). topic.manage holds over an org subtree: the
 * topic's unit must be inside it, before and after an edit. Each add and
 * change is an event on the audit chain (topic.add, topic.update).
 */
#include "api/addr_limit.h"
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define TOPIC_TITLE_MAX 100
#define TOPIC_DESC_MAX 2000
#define TOPIC_LIMIT_DEFAULT 50
#define TOPIC_LIMIT_MAX 100
#define TOPIC_PUBLIC_MAX 50          /* open topics on the public page */
#define TOPIC_PUBLIC_RATE 120        /* public list requests per address … */
#define TOPIC_PUBLIC_WINDOW_MS 60000 /* … a minute */

static struct addr_limit public_reads = ADDR_LIMIT_INIT(TOPIC_PUBLIC_RATE, TOPIC_PUBLIC_WINDOW_MS);

static const struct text_rule title_rule = {
    .field = "title",
    .max = TOPIC_TITLE_MAX,
    .flags = TEXT_NONEMPTY,
    .invalid = "主题名称必须是非空单行文本",
    .too_long = "主题名称最多 " TEXT_STR(TOPIC_TITLE_MAX) " 字",
};
static const struct text_rule desc_rule = {
    .field = "description",
    .max = TOPIC_DESC_MAX,
    .flags = TEXT_MULTILINE | TEXT_NONEMPTY,
    .invalid = "征集说明必须是非空文本",
    .too_long = "征集说明最多 " TEXT_STR(TOPIC_DESC_MAX) " 字",
};

/* Today, Asia/Shanghai, as YYYY-MM-DD into out[16]. */
static void today_text(char out[16])
{
	int y, m, d;
	time_ymd_from_day(time_day_of(time_now_ms()), &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

static void time_member(json_t *o, const char *key, int64_t ms)
{
	char buf[ISO8601_MAX];
	json_object_set_new(
	    o, key, time_format_iso(ms, buf, sizeof buf) < 0 ? json_null() : json_string(buf));
}

/* A topic row (TOPIC_COLS) as JSON; full for staff, public for the public
 * page (no unit code, no times of the record). */
static json_t *topic_json(struct store_stmt *s, const char *today, bool full)
{
	const char *opens = scol_text(s, 3), *closes = scol_text(s, 4);
	bool ended = scol_int(s, 5) != 0;
	bool open = !ended && strcmp(opens, today) <= 0 && strcmp(closes, today) >= 0;
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:{s:s}}", "id", (json_int_t)scol_int(s, 0),
	                      "title", scol_text(s, 1), "description", scol_text(s, 2), "opens_on",
	                      opens, "closes_on", closes, "org", "name", scol_text(s, 7));
	if (!o || !full)
		return o;
	json_object_set_new(json_object_get(o, "org"), "code", json_string(scol_text(s, 6)));
	json_object_set_new(o, "ended", json_boolean(ended));
	json_object_set_new(o, "open", json_boolean(open));
	time_member(o, "created_at", scol_int(s, 8));
	time_member(o, "updated_at", scol_int(s, 9));
	return o;
}

/* GET /api/v1/topics?limit=&cursor= → {"items","next_cursor"} */
enum handler_result api_topics(struct req *r)
{
	int64_t limit = TOPIC_LIMIT_DEFAULT, cursor = 0;
	if (req_query_int(r, "limit", 1, TOPIC_LIMIT_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0)
		return reply_failed(r);
	char today[16];
	today_text(today);
	struct store_stmt *s = store_stmt(r->reader, ST_TOPIC_LIST);
	if (cursor)
		sbind_int(s, 1, cursor);
	sbind_int(s, 2, limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		json_array_append_new(items, topic_json(s, today, true));
		last = scol_int(s, 0);
		n++;
	}
	bool more = rc == STORE_ROW;
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_page(items, last, more));
}

/* GET /api/v1/public/topics → {"items"}: the topics open today. */
enum handler_result api_public_topics(struct req *r)
{
	int64_t now = time_real_ms();
	if (!addr_limit_allowed(&public_reads, r->address, now))
		return reply_err(r, E_THROTTLED, NULL, "请求过于频繁，请稍后再试");
	addr_limit_count(&public_reads, r->address, now);
	char today[16];
	today_text(today);
	struct store_stmt *s = store_stmt(r->reader, ST_TOPIC_OPEN_LIST);
	sbind_text(s, 1, today);
	sbind_int(s, 2, TOPIC_PUBLIC_MAX);
	json_t *items = json_array();
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		json_array_append_new(items, topic_json(s, today, false));
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ------------------------------------------------------------------ */
/* adding and changing                                                  */

/* A topic as the body leaves it: checked on the HTTP thread, except the
 * unit, which the writer resolves. */
struct topic_in {
	int64_t id; /* 0: a new topic */
	json_t *title, *desc, *org;
	char opens[16], closes[16];
	int ended; /* -1: unchanged */
};

static int date_check(json_t *v, const char *field, char out[16], struct err *e)
{
	int64_t day;
	const char *s = json_string_value(v);
	if (!s || strlen(s) != 10 || time_parse_date(s, &day) != 0)
		return err_set(e, E_FIELD_INVALID, field, "%s 须为日期 YYYY-MM-DD", field);
	snprintf(out, 16, "%s", s);
	return 0;
}

/* Checks the body into in; every key is required when creating. */
static int topic_body(json_t *b, bool create, struct topic_in *in, struct err *e)
{
	static const char *const keys[] = {"title",    "description", "org",
	                                   "opens_on", "closes_on",   "ended"};
	const char *bad = json_unknown_key(b, keys, create ? 5 : 6);
	char clip[UTF8_CLIP_BUF];
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, bad, "不认识的字段 %s",
		               utf8_clip(bad, 64, clip, sizeof clip));
	for (size_t i = 0; create && i < 5; i++)
		if (!json_object_get(b, keys[i]))
			return err_set(e, E_FIELD_REQUIRED, keys[i], "缺少字段 %s", keys[i]);
	in->title = json_object_get(b, "title");
	in->desc = json_object_get(b, "description");
	in->org = json_object_get(b, "org");
	json_t *opens = json_object_get(b, "opens_on"), *closes = json_object_get(b, "closes_on");
	json_t *ended = json_object_get(b, "ended");
	if ((in->title && text_check(in->title, &title_rule, e) != 0) ||
	    (in->desc && text_check(in->desc, &desc_rule, e) != 0) ||
	    (opens && date_check(opens, "opens_on", in->opens, e) != 0) ||
	    (closes && date_check(closes, "closes_on", in->closes, e) != 0))
		return -1;
	if (in->org && !json_is_string(in->org) && !json_is_integer(in->org))
		return err_set(e, E_FIELD_INVALID, "org", "org 须为单位编码或 id");
	if (ended && !json_is_boolean(ended))
		return err_set(e, E_FIELD_INVALID, "ended", "ended 必须是 true 或 false");
	in->ended = ended ? json_is_true(ended) : -1;
	if (!create && json_object_size(b) == 0)
		return err_set(e, E_BAD_REQUEST, NULL, "没有要修改的内容");
	return 0;
}

/* The unit the topic belongs to, inside the actor's topic.manage scope. */
static int topic_org(struct wctx *w, const struct actor *a, json_t *org, int64_t *id, struct err *e)
{
	char path[ORG_PATH_MAX];
	if (org_resolve(w->conn, org, id, path, sizeof path, NULL, 0) != 0)
		return err_set(e, E_FIELD_INVALID, "org", "不是已知的单位");
	if (!actor_can(a, P_TOPIC_MANAGE, path))
		return err_set(e, E_FORBIDDEN, "org", "不能管理该单位的征集主题");
	return 0;
}

/* The topic's row into *out (as JSON) and its org id; 404 when none. */
static int topic_load(struct store_conn *c, int64_t id, json_t **out, int64_t *org_id,
                      struct err *e)
{
	char today[16];
	today_text(today);
	struct store_stmt *s = store_stmt(c, ST_TOPIC_GET);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		*out = topic_json(s, today, true);
		*org_id = scol_int(s, 10);
	}
	sreset(s);
	if (rc == STORE_ROW)
		return *out ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
	return rc == STORE_DONE ? err_set(e, E_NOT_FOUND, NULL, "征集主题不存在")
	                        : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

static int topic_event(struct wctx *w, const struct actor *a, int64_t org_id, const char *action,
                       json_t *topic)
{
	json_t *p = json_pack("{s:O}", "topic", topic);
	char *text = p ? json_canonical(p) : NULL;
	json_decref(p);
	if (!text)
		return -1;
	struct event_rec ev = {.at = w->now,
	                       .actor_id = a->user_id,
	                       .org_id = org_id,
	                       .action = action,
	                       .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	return rc;
}

/* writer: stores the topic (new, or the body's changes merged into it). */
static int topic_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct topic_in *in = r->hctx;
	json_t *cur = NULL, *out = NULL;
	int64_t org_id = 0;
	if (in->id && topic_load(w->conn, in->id, &cur, &org_id, &r->err) != 0)
		return -1;
	int rc = -1;
	if (cur) { /* outside the actor's topic.manage: as if there were none */
		json_t *code = json_object_get(json_object_get(cur, "org"), "code");
		if (topic_org(w, &r->actor, code, &org_id, &r->err) != 0) {
			err_set(&r->err, E_NOT_FOUND, NULL, "征集主题不存在");
			goto out;
		}
		if (!in->title)
			in->title = json_object_get(cur, "title");
		if (!in->desc)
			in->desc = json_object_get(cur, "description");
		if (!in->opens[0])
			snprintf(in->opens, sizeof in->opens, "%s",
			         json_string_value(json_object_get(cur, "opens_on")));
		if (!in->closes[0])
			snprintf(in->closes, sizeof in->closes, "%s",
			         json_string_value(json_object_get(cur, "closes_on")));
		if (in->ended < 0)
			in->ended = json_is_true(json_object_get(cur, "ended"));
	}
	if (in->org && topic_org(w, &r->actor, in->org, &org_id, &r->err) != 0)
		goto out;
	if (strcmp(in->opens, in->closes) > 0) {
		err_set(&r->err, E_FIELD_INVALID, "closes_on", "截止日期不能早于开始日期");
		goto out;
	}
	struct store_stmt *s = store_stmt(w->conn, in->id ? ST_TOPIC_UPDATE : ST_TOPIC_INSERT);
	int k = in->id ? 2 : 1;
	if (in->id)
		sbind_int(s, 1, in->id);
	sbind_text(s, k, json_string_value(in->title));
	sbind_text(s, k + 1, json_string_value(in->desc));
	sbind_int(s, k + 2, org_id);
	sbind_text(s, k + 3, in->opens);
	sbind_text(s, k + 4, in->closes);
	if (in->id) {
		sbind_int(s, 7, in->ended > 0);
		sbind_int(s, 8, w->now);
	} else {
		sbind_opt_int(s, 6, r->actor.user_id);
		sbind_int(s, 7, w->now);
	}
	if (sdone(s) != STORE_DONE) {
		err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		goto out;
	}
	int64_t id = in->id ? in->id : store_last_id(w->conn);
	if (topic_load(w->conn, id, &out, &org_id, &r->err) != 0)
		goto out;
	if (topic_event(w, &r->actor, org_id, in->id ? "topic.update" : "topic.add", out) != 0) {
		err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		goto out;
	}
	r->out = json_pack("{s:O}", "topic", out);
	r->status = in->id ? 200 : 201;
	rc = 0;
out:
	json_decref(cur);
	json_decref(out);
	return rc;
}

static enum handler_result topic_write(struct req *r, int64_t id)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	struct topic_in *in = calloc(1, sizeof *in);
	if (!in)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = in; /* freed with the request; its values are r->in's */
	in->id = id;
	if (topic_body(r->in, id == 0, in, &r->err) != 0)
		return reply_failed(r);
	return reply_async(r, topic_job);
}

/* POST /api/v1/topics → 201 {"topic"} */
enum handler_result api_topic_create(struct req *r)
{
	return topic_write(r, 0);
}

/* PATCH /api/v1/topics/{id} → 200 {"topic"} */
enum handler_result api_topic_update(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "征集主题不存在");
	return topic_write(r, id);
}
