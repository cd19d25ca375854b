/*
 * A campaign's visits and their findings (专项监督检查; docs/campaign.md):
 *
 *   POST /api/v1/campaigns/{id}/visits    campaign.visit, a member of the group:
 *        {"group","org","visited_at","unannounced","checked","note"?,
 *         "findings":[{"title","description","class"?}]}
 *   GET  /api/v1/campaigns/{id}/visits    ?day=YYYY-MM-DD&group=&cursor=&limit=
 *   GET  /api/v1/campaigns/{id}/findings  ?group=&org=&open=1&cursor=&limit=
 *
 * A visit is recorded by a member of its group (the leader is one): being
 * a commission inspector (campaign.visit) is not enough, membership is
 * checked against the group (403 otherwise). Its unit must be one of the
 * campaign's targets, its time inside the campaign's period and not in the
 * future. Each finding becomes, in the same write, a case of the finding
 * type (the type with a "campaign" block) registered through the engine by
 * the member, owned by the visited unit, with the campaign, the visit and
 * the group in its fields and its class's deadline in working days: the
 * unit rectifies it as any case of its own, and the photos of a finding
 * are that case's attachments (visits carry none: the attachment
 * machinery is per case). One event campaign.visit on the chain, then
 * each finding's own case.create.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/campaigns.h"
#include "core/directory.h"
#include "core/engine.h"
#include "core/input.h"
#include "core/type_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define VISIT_CHECKED_MAX 2000
#define VISIT_NOTE_MAX 2000
#define VISIT_FINDINGS_MAX 20
#define VISITS_PAGE_MAX 100
#define FINDINGS_PAGE_MAX 200
#define FUTURE_SLACK_MS (5 * MS_PER_MINUTE) /* a phone's clock a little ahead */

static const struct text_rule checked_rule = {
    .field = "checked",
    .max = VISIT_CHECKED_MAX,
    .flags = TEXT_MULTILINE | TEXT_NONEMPTY,
    .invalid = "检查内容须为非空文本",
    .too_long = "检查内容最多 " TEXT_STR(VISIT_CHECKED_MAX) " 字",
};
static const struct text_rule note_rule = {
    .field = "note",
    .max = VISIT_NOTE_MAX,
    .flags = TEXT_MULTILINE,
    .invalid = "情况说明须为文本",
    .too_long = "情况说明最多 " TEXT_STR(VISIT_NOTE_MAX) " 字",
};

/* The body's shape, before the store: 0 or -1 with e set. */
static int visit_body(json_t *in, int64_t *at, struct err *e)
{
	static const char *const keys[] = {"group",   "org",  "visited_at", "unannounced",
	                                   "checked", "note", "findings"};
	if (campaign_body_keys(in, keys, sizeof keys / sizeof keys[0], 5, e) != 0)
		return -1;
	json_t *group = json_object_get(in, "group"), *org = json_object_get(in, "org");
	if (!json_is_integer(group) || json_integer_value(group) < 1)
		return err_set(e, E_FIELD_INVALID, "group", "group 须为检查组的 id");
	if (!json_is_string(org) && !json_is_integer(org))
		return err_set(e, E_FIELD_INVALID, "org", "org 须为单位编码或 id");
	const char *when = json_string_value(json_object_get(in, "visited_at"));
	if (!when || strlen(when) > 40 || time_parse_iso_zoned(when, at) != 0)
		return err_set(e, E_FIELD_INVALID, "visited_at",
		               "visited_at 须为带时区的时间，如 2026-03-02T09:30:00+08:00");
	if (!json_is_boolean(json_object_get(in, "unannounced")))
		return err_set(e, E_FIELD_INVALID, "unannounced",
		               "unannounced（是否“四不两直”）须为 true 或 false");
	json_t *note = json_object_get(in, "note");
	if (text_check(json_object_get(in, "checked"), &checked_rule, e) != 0 ||
	    (note && !json_is_null(note) && text_check(note, &note_rule, e) != 0))
		return -1;
	json_t *findings = json_object_get(in, "findings");
	if (findings &&
	    (!json_is_array(findings) || json_array_size(findings) > VISIT_FINDINGS_MAX))
		return err_set(e, E_FIELD_INVALID, "findings",
		               "findings 须为至多 " TEXT_STR(VISIT_FINDINGS_MAX) " 个问题的数组");
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		static const char *const fkeys[] = {"title", "description", "class", "due"};
		if (!json_is_object(f) || json_unknown_key(f, fkeys, 4))
			return err_set(e, E_FIELD_INVALID, "findings",
			               "第 %zu 个问题须为 {title, description, class, due}", i + 1);
		json_t *due = json_object_get(f, "due");
		int64_t day;
		if (due && !json_is_null(due) &&
		    (!json_is_string(due) || strlen(json_string_value(due)) != 10 ||
		     time_parse_date(json_string_value(due), &day) != 0)) {
			char field[40];
			snprintf(field, sizeof field, "findings.%zu.due", i);
			return err_set(e, E_FIELD_INVALID, field, "整改期限须为日期 YYYY-MM-DD");
		}
	}
	return 0;
}

struct visit_ctx {
	int64_t campaign, at;
};

/* The finding i of the visit as a case of t, through the engine. */
static int finding_create(struct wctx *w, const struct actor *a, const struct matter_type *t,
                          json_t *f, size_t i, int64_t org, const char *unit, int64_t ids[3],
                          json_t *out, struct err *e)
{
	const struct type_campaign *C = &t->data.campaign;
	json_t *body = json_pack("{s:s,s:s,s:s,s:{s:I,s:I,s:I}}", "type", t->code, "org", unit,
	                         "channel", t->default_channel ? t->default_channel : "", "fields",
	                         C->campaign_field, (json_int_t)ids[0], C->visit_field,
	                         (json_int_t)ids[1], C->group_field, (json_int_t)ids[2]);
	if (!body)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (!t->default_channel)
		json_object_del(body, "channel");
	static const char *const copy[] = {"title", "description", "class"};
	for (size_t k = 0; k < 3; k++)
		if (json_object_get(f, copy[k]))
			json_object_set(body, copy[k], json_object_get(f, copy[k]));
	/* a date to rectify by instead of the class's working days: the end of
	 * that day (Asia/Shanghai), in the type's due field */
	const char *by = json_string_value(json_object_get(f, "due"));
	const char *due_field = json_string_value(json_object_get(t->json, "due_field"));
	if (by && due_field) {
		char at[40];
		snprintf(at, sizeof at, "%.10sT23:59:59+08:00", by);
		json_object_set_new(json_object_get(body, "fields"), due_field, json_string(at));
	}
	json_t *res = NULL;
	int rc = engine_create(w, a, body, &res, e);
	json_decref(body);
	if (rc != 0) {
		if (e->kind == E_FIELD_INVALID || e->kind == E_FIELD_REQUIRED ||
		    e->kind == E_FIELD_TOO_LONG || e->kind == E_FIELD_UNKNOWN) {
			/* the finding's field: findings.0.title */
			char field[sizeof e->field + 32];
			snprintf(field, sizeof field, "findings.%zu.%s", i, e->field);
			snprintf(e->field, sizeof e->field, "%.*s", (int)sizeof e->field - 1,
			         field);
		}
		return -1;
	}
	json_t *c = json_object_get(res, "case");
	/* the unit learns of it in its notices: the number, the title, the date */
	const char *due = json_string_value(json_object_get(c, "due_at"));
	char text[64 + 4 * CASE_TITLE_MAX + 128];
	if ((size_t)snprintf(text, sizeof text,
	                     "【监督检查发现问题】工单 %s「%s」，请于 %.10s 前整改并报送整改情况",
	                     json_string_value(json_object_get(c, "no")),
	                     json_string_value(json_object_get(c, "title")),
	                     due ? due : "期限") >= sizeof text)
		text[utf8_cut(text, strlen(text), sizeof text - 1)] = '\0';
	if (notice_add(w, org, json_integer_value(json_object_get(c, "id")), "campaign", text,
	               a->user_id) != 0) {
		json_decref(res);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	json_array_append_new(out, json_pack("{s:O,s:O,s:O}", "id", json_object_get(c, "id"), "no",
	                                     json_object_get(c, "no"), "title",
	                                     json_object_get(c, "title")));
	json_decref(res);
	return 0;
}

int campaign_visit_add(struct wctx *w, const struct actor *a, int64_t campaign, json_t *in,
                       json_t **out, struct err *e)
{
	int64_t at;
	const struct matter_type *t = types_campaign(w->app->types);
	json_t *c = NULL;
	if (!t)
		return err_set(e, E_NOT_FOUND, NULL, "没有监督检查整改事项类型");
	if (visit_body(in, &at, e) != 0 ||
	    campaign_load(w->conn, a, campaign, &c, NULL, 0, NULL, e) != 0)
		return -1;
	int64_t first, last, day = time_day_of(at);
	time_parse_date(json_string_value(json_object_get(c, "starts_on")), &first);
	time_parse_date(json_string_value(json_object_get(c, "ends_on")), &last);
	json_decref(c);
	int64_t group = json_integer_value(json_object_get(in, "group"));
	struct store_stmt *s = store_stmt(w->conn, ST_CAMPAIGN_GROUP_GET);
	sbind_int(s, 1, group);
	sbind_int(s, 2, campaign);
	int rc = sstep(s);
	char gname[128] = "";
	if (rc == STORE_ROW)
		snprintf(gname, sizeof gname, "%s", scol_text(s, 1));
	sreset(s);
	if (rc != STORE_ROW)
		return rc == STORE_DONE
		           ? err_set(e, E_FIELD_INVALID, "group", "本次检查没有这个检查组")
		           : err_set(e, E_UNAVAILABLE, NULL, NULL);
	int member = campaign_member(w->conn, group, a->user_id);
	if (member < 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (!member)
		return err_set(e, E_FORBIDDEN, "group", "只有本检查组的成员能记录检查情况");
	int64_t org;
	char code[64];
	if (org_resolve(w->conn, json_object_get(in, "org"), &org, NULL, 0, code, sizeof code) != 0)
		return err_set(e, E_FIELD_INVALID, "org", "不是已知的单位");
	s = store_stmt(w->conn, ST_CAMPAIGN_TARGET_IS);
	sbind_int(s, 1, campaign);
	sbind_int(s, 2, org);
	rc = sstep(s);
	sreset(s);
	if (rc != STORE_ROW)
		return rc == STORE_DONE
		           ? err_set(e, E_FIELD_INVALID, "org", "该单位不是本次检查的对象")
		           : err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (day < first || day > last)
		return err_set(e, E_FIELD_INVALID, "visited_at", "检查时间须在本次检查的期限内");
	if (at > w->now + FUTURE_SLACK_MS)
		return err_set(e, E_FIELD_INVALID, "visited_at", "检查时间不能晚于现在");
	char dtext[16];
	time_format_date(day, dtext, sizeof dtext);
	json_t *note = json_object_get(in, "note");
	s = store_stmt(w->conn, ST_CAMPAIGN_VISIT_INSERT);
	sbind_int(s, 1, campaign);
	sbind_int(s, 2, group);
	sbind_int(s, 3, org);
	sbind_int(s, 4, at);
	sbind_text(s, 5, dtext);
	sbind_int(s, 6, json_is_true(json_object_get(in, "unannounced")));
	sbind_text(s, 7, json_string_value(json_object_get(in, "checked")));
	sbind_text(s, 8, json_string_value(note));
	sbind_opt_int(s, 9, a->user_id);
	sbind_int(s, 10, w->now);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	int64_t ids[3] = {campaign, store_last_id(w->conn), group};
	json_t *visit =
	    json_pack("{s:I,s:I,s:{s:I,s:s},s:{s:I,s:s},s:s,s:s,s:O,s:O,s:O}", "id",
	              (json_int_t)ids[1], "campaign", (json_int_t)campaign, "group", "id",
	              (json_int_t)group, "name", gname, "org", "id", (json_int_t)org, "code", code,
	              "visited_at", json_string_value(json_object_get(in, "visited_at")), "day",
	              dtext, "unannounced", json_object_get(in, "unannounced"), "checked",
	              json_object_get(in, "checked"), "note", note ? note : json_null());
	json_t *payload = json_pack("{s:O}", "visit", visit);
	int erc = campaign_event(w, a, org, "campaign.visit", payload);
	json_decref(payload);
	if (!visit || erc != 0) {
		json_decref(visit);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	json_t *made = json_array();
	json_object_set_new(visit, "findings", made);
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(in, "findings"), i, f)
	{
		if (finding_create(w, a, t, f, i, org, code, ids, made, e) != 0) {
			json_decref(visit);
			return -1;
		}
	}
	*out = json_pack("{s:o}", "visit", visit);
	return 0;
}

/* visit_body without its time */
static int visit_shape(json_t *in, struct err *e)
{
	int64_t at;
	return visit_body(in, &at, e);
}

enum handler_result api_campaign_visit_add(struct req *r)
{
	return api_campaign_write(r, visit_shape, campaign_visit_add);
}

/* ------------------------------------------------------------------ */
/* reading                                                             */

enum handler_result api_campaign_visits(struct req *r)
{
	int64_t id = req_param_id(r, 0), group = 0, cursor = 0, limit = 50, day;
	const struct matter_type *t = types_campaign(r->app->types);
	if (id < 0 || !t)
		return reply_err(r, E_NOT_FOUND, NULL, "专项监督检查不存在");
	const char *dtext = req_query(r, "day");
	if (dtext && (strlen(dtext) != 10 || time_parse_date(dtext, &day) != 0))
		return reply_err(r, E_FIELD_INVALID, "day", "day 须为日期 YYYY-MM-DD");
	if (req_query_int(r, "group", 1, INT64_MAX / 2, &group) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0 ||
	    req_query_int(r, "limit", 1, VISITS_PAGE_MAX, &limit) != 0)
		return reply_failed(r);
	if (campaign_load(r->reader, &r->actor, id, NULL, NULL, 0, NULL, &r->err) != 0)
		return reply_failed(r);
	struct campaign_binds b;
	if (campaign_binds_init(&b, t) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	struct store_stmt *s = store_stmt(r->reader, ST_CAMPAIGN_VISITS);
	sbind_int(s, 1, id);
	sbind_text(s, 2, dtext);
	if (group)
		sbind_int(s, 3, group);
	if (cursor)
		sbind_int(s, 4, cursor);
	sbind_int(s, 5, limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		last = scol_int(s, 0);
		n++;
		json_array_append_new(
		    items,
		    json_pack("{s:I,s:{s:I,s:s},s:{s:I,s:s,s:s},s:o,s:s,s:b,s:s,s:s?,s:s?}", "id",
		              (json_int_t)scol_int(s, 0), "group", "id", (json_int_t)scol_int(s, 1),
		              "name", scol_text(s, 2), "org", "id", (json_int_t)scol_int(s, 3),
		              "code", scol_text(s, 4), "name", scol_text(s, 5), "visited_at",
		              campaign_time(scol_int(s, 6)), "day", scol_text(s, 7), "unannounced",
		              scol_int(s, 8) != 0, "checked", scol_text(s, 9), "note",
		              scol_null(s, 10) ? NULL : scol_text(s, 10), "by",
		              scol_null(s, 11) ? NULL : scol_text(s, 11)));
	}
	sreset(s);
	bool more = rc == STORE_ROW, ok = rc == STORE_ROW || rc == STORE_DONE;
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v)
	{
		json_t *f = ok ? campaign_visit_findings(
		                     r->reader, &b, json_integer_value(json_object_get(v, "id")))
		               : NULL;
		if (!f) {
			ok = false;
			break;
		}
		json_object_set_new(v, "findings", f);
	}
	campaign_binds_release(&b);
	if (!ok) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_page(items, last, more));
}

static bool listed(json_t *states, const char *status)
{
	size_t i;
	json_t *v;
	json_array_foreach(states, i, v) if (!strcmp(json_string_value(v), status)) return true;
	return false;
}

enum handler_result api_campaign_findings(struct req *r)
{
	int64_t id = req_param_id(r, 0), group = 0, org = 0, open = 0, cursor = 0, limit = 50;
	const struct matter_type *t = types_campaign(r->app->types);
	if (id < 0 || !t)
		return reply_err(r, E_NOT_FOUND, NULL, "专项监督检查不存在");
	if (req_query_int(r, "group", 1, INT64_MAX / 2, &group) != 0 ||
	    req_query_int(r, "org", 1, INT64_MAX / 2, &org) != 0 ||
	    req_query_int(r, "open", 0, 1, &open) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0 ||
	    req_query_int(r, "limit", 1, FINDINGS_PAGE_MAX, &limit) != 0)
		return reply_failed(r);
	if (campaign_load(r->reader, &r->actor, id, NULL, NULL, 0, NULL, &r->err) != 0)
		return reply_failed(r);
	struct campaign_binds b;
	if (campaign_binds_init(&b, t) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	struct store_stmt *s = store_stmt(r->reader, ST_CAMPAIGN_FINDINGS);
	sbind_text(s, 1, t->code);
	sbind_text(s, 2, b.campaign_path);
	sbind_int(s, 3, id);
	sbind_text(s, 6, b.group_path);
	if (group)
		sbind_int(s, 7, group);
	if (org)
		sbind_int(s, 8, org);
	if (open)
		sbind_int(s, 9, 1);
	if (cursor)
		sbind_int(s, 10, cursor);
	sbind_int(s, 11, limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0, now = time_now_ms();
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		last = scol_int(s, 0);
		n++;
		const struct type_state *st = type_state(t, scol_text(s, 3));
		int64_t due = scol_null(s, 4) ? 0 : scol_int(s, 4);
		bool closed = !scol_null(s, 5);
		json_t *o = json_pack(
		    "{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:b,s:{s:I,s:s,s:s},s:I,s:o}", "id",
		    (json_int_t)scol_int(s, 0), "no", scol_text(s, 1), "title", scol_text(s, 2),
		    "status", scol_text(s, 3), "status_name", st ? st->name : scol_text(s, 3),
		    "due_at", due ? campaign_time(due) : json_null(), "closed_at",
		    closed ? campaign_time(scol_int(s, 5)) : json_null(), "solved",
		    listed(t->data.campaign.solved_states, scol_text(s, 3)), "overdue",
		    !closed && due && due < now, "org", "id", (json_int_t)scol_int(s, 6), "code",
		    scol_text(s, 7), "name", scol_text(s, 8), "group", (json_int_t)scol_int(s, 9),
		    "received_at", campaign_time(scol_int(s, 10)));
		json_array_append_new(items, o);
	}
	sreset(s);
	campaign_binds_release(&b);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_page(items, last, rc == STORE_ROW));
}
