/*
 * Discipline supervision campaigns (专项监督检查; docs/campaign.md):
 *
 *   GET  /api/v1/campaigns               the campaigns, newest first, with figures
 *   POST /api/v1/campaigns               campaign.manage: {"title","starts_on","ends_on",
 *                                        "focus":[…],"targets":[org…],
 *                                        "groups":[{"name","leader","members":[login…]}]}
 *   GET  /api/v1/campaigns/{id}          one: groups, targets, my groups, missing daily reports
 *   GET  /api/v1/campaigns/{id}/figures  the figures in the seed's form
 *
 * Reading takes campaign.visit or campaign.manage over the org that runs
 * the campaign (core/campaigns.h); the commission's lead creates one for
 * its own org. Groups' leaders and members must be accounts holding
 * campaign.visit (the commission's inspectors); the leader is a member.
 * The visits are api/campaign_visits.c, the daily reports
 * api/campaign_reports.c.
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

#define CAMPAIGNS_PAGE_MAX 50
#define MISSING_MAX 100 /* missing daily reports listed, newest first */

static const struct text_rule title_rule = {
    .field = "title",
    .max = CAMPAIGN_TITLE_MAX,
    .flags = TEXT_NONEMPTY,
    .invalid = "名称须为非空单行文本",
    .too_long = "名称最多 " TEXT_STR(CAMPAIGN_TITLE_MAX) " 字",
};
static const struct text_rule focus_rule = {
    .field = "focus",
    .max = CAMPAIGN_FOCUS_TEXT_MAX,
    .flags = TEXT_NONEMPTY,
    .invalid = "检查重点须为非空单行文本",
    .too_long = "每条检查重点最多 " TEXT_STR(CAMPAIGN_FOCUS_TEXT_MAX) " 字",
};
static const struct text_rule group_rule = {
    .field = "groups",
    .max = CAMPAIGN_GROUP_NAME_MAX,
    .flags = TEXT_NONEMPTY,
    .invalid = "检查组名称须为非空单行文本",
    .too_long = "检查组名称最多 " TEXT_STR(CAMPAIGN_GROUP_NAME_MAX) " 字",
};

/* ------------------------------------------------------------------ */
/* reading                                                             */

static const struct matter_type *finding_type(struct req *r)
{
	return types_campaign(r->app->types);
}

/* The days from first to last (YYYY-MM-DD, both included) a group has not
 * reported, newest first, appended to out (at most MISSING_MAX). */
static int missing_reports(struct store_conn *c, int64_t id, json_t *groups, const char *starts,
                           const char *ends, int64_t today, json_t *out)
{
	int64_t first, last;
	if (time_parse_date(starts, &first) != 0 || time_parse_date(ends, &last) != 0)
		return 0;
	if (last > today - 1) /* a day is missing once it has ended */
		last = today - 1;
	json_t *done = json_object(); /* "group/day" → true */
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_REPORTED);
	sbind_int(s, 1, id);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		char k[48];
		snprintf(k, sizeof k, "%lld/%s", (long long)scol_int(s, 0), scol_text(s, 1));
		json_object_set_new(done, k, json_true());
	}
	sreset(s);
	for (int64_t d = last; rc == STORE_DONE && d >= first; d--) {
		char day[16];
		time_format_date(d, day, sizeof day);
		size_t i;
		json_t *g;
		json_array_foreach(groups, i, g)
		{
			char k[48];
			snprintf(k, sizeof k, "%lld/%s",
			         (long long)json_integer_value(json_object_get(g, "id")), day);
			if (json_object_get(done, k) || json_array_size(out) >= MISSING_MAX)
				continue;
			json_array_append_new(out,
			                      json_pack("{s:s,s:{s:O,s:O}}", "day", day, "group",
			                                "id", json_object_get(g, "id"), "name",
			                                json_object_get(g, "name")));
		}
	}
	json_decref(done);
	return rc == STORE_DONE ? 0 : -1;
}

/* o["my_groups"]: the ids of the groups the caller is a member of. */
static int my_groups(struct req *r, int64_t id, json_t *o)
{
	json_t *mine = json_array();
	struct store_stmt *s = store_stmt(r->reader, ST_CAMPAIGN_USER_GROUPS);
	sbind_int(s, 1, id);
	sbind_int(s, 2, r->actor.user_id);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		json_array_append_new(mine, json_integer(scol_int(s, 0)));
	sreset(s);
	json_object_set_new(o, "my_groups", mine);
	return rc == STORE_DONE ? 0 : -1;
}

enum handler_result api_campaign_get(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *o = NULL;
	char path[ORG_PATH_MAX];
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "专项监督检查不存在");
	if (campaign_load(r->reader, &r->actor, id, &o, path, sizeof path, NULL, &r->err) != 0)
		return reply_failed(r);
	json_t *groups = campaign_groups_json(r->reader, id);
	json_t *targets = campaign_targets_json(r->reader, id);
	json_t *missing = json_array();
	int rc = groups && targets ? 0 : -1;
	if (rc == 0)
		rc = missing_reports(r->reader, id, groups,
		                     json_string_value(json_object_get(o, "starts_on")),
		                     json_string_value(json_object_get(o, "ends_on")),
		                     time_day_of(time_now_ms()), missing);
	if (rc == 0)
		rc = my_groups(r, id, o);
	json_object_set_new(o, "groups", groups ? groups : json_null());
	json_object_set_new(o, "targets", targets ? targets : json_null());
	json_object_set_new(o, "missing_reports", missing);
	json_object_set_new(o, "can_manage",
	                    json_boolean(actor_can(&r->actor, P_CAMPAIGN_MANAGE, path)));
	if (rc != 0) {
		json_decref(o);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_pack("{s:o}", "campaign", o));
}

enum handler_result api_campaign_figures(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	const struct matter_type *t = finding_type(r);
	if (id < 0 || !t)
		return reply_err(r, E_NOT_FOUND, NULL, "专项监督检查不存在");
	if (campaign_load(r->reader, &r->actor, id, NULL, NULL, 0, NULL, &r->err) != 0)
		return reply_failed(r);
	struct campaign_binds b;
	if (campaign_binds_init(&b, t) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	json_t *f = campaign_figures(r->reader, &b, id, time_now_ms());
	campaign_binds_release(&b);
	if (!f)
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	return reply_json(r, 200, json_pack("{s:I,s:o}", "campaign", (json_int_t)id, "figures", f));
}

enum handler_result api_campaigns(struct req *r)
{
	int64_t limit = 20, cursor = 0;
	if (req_query_int(r, "limit", 1, CAMPAIGNS_PAGE_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0)
		return reply_failed(r);
	const struct matter_type *t = finding_type(r);
	struct campaign_binds b;
	if (!t)
		return reply_json(r, 200, json_pack("{s:[],s:n}", "items", "next_cursor"));
	if (campaign_binds_init(&b, t) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	struct store_stmt *s = store_stmt(r->reader, ST_CAMPAIGN_PAGE);
	if (cursor)
		sbind_int(s, 1, cursor);
	sbind_int(s, 2, limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	/* rows outside the caller's scope are skipped, not counted: a
	 * county's commission reads its own; the page may come out short */
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		last = scol_int(s, 0);
		n++;
		if (campaign_readable(&r->actor, scol_text(s, 8)))
			json_array_append_new(items, campaign_json(s));
	}
	sreset(s);
	bool more = rc == STORE_ROW, ok = rc == STORE_ROW || rc == STORE_DONE;
	size_t i;
	json_t *c;
	int64_t now = time_now_ms();
	json_array_foreach(items, i, c)
	{
		json_t *f = ok ? campaign_figures(r->reader, &b,
		                                  json_integer_value(json_object_get(c, "id")), now)
		               : NULL;
		if (!f) {
			ok = false;
			break;
		}
		json_object_del(f, "by_group");
		json_object_del(f, "by_unit");
		json_object_set_new(c, "figures", f);
	}
	campaign_binds_release(&b);
	if (!ok) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_page(items, last, more));
}

/* ------------------------------------------------------------------ */
/* creating                                                            */

static int date_field(json_t *in, const char *key, int64_t *day, struct err *e)
{
	json_t *v = json_object_get(in, key);
	const char *s = json_string_value(v);
	if (!v)
		return err_set(e, E_FIELD_REQUIRED, key, "缺少日期 %s", key);
	if (!s || strlen(s) != 10 || time_parse_date(s, day) != 0)
		return err_set(e, E_FIELD_INVALID, key, "%s 须为日期 YYYY-MM-DD", key);
	return 0;
}

/* The body's shape: everything but what needs the store. */
static int campaign_body(json_t *in, struct err *e)
{
	static const char *const keys[] = {"title", "starts_on", "ends_on",
	                                   "focus", "targets",   "groups"};
	char clip[UTF8_CLIP_BUF];
	const char *bad = json_unknown_key(in, keys, sizeof keys / sizeof keys[0]);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, bad, "不认识的字段 %s",
		               utf8_clip(bad, 64, clip, sizeof clip));
	json_t *title = json_object_get(in, "title");
	if (!title)
		return err_set(e, E_FIELD_REQUIRED, "title", "缺少名称 title");
	int64_t first, last;
	if (text_check(title, &title_rule, e) != 0 || date_field(in, "starts_on", &first, e) != 0 ||
	    date_field(in, "ends_on", &last, e) != 0)
		return -1;
	if (last < first)
		return err_set(e, E_FIELD_INVALID, "ends_on", "结束日期不能早于开始日期");
	if (last - first >= CAMPAIGN_DAYS_MAX)
		return err_set(e, E_FIELD_INVALID, "ends_on",
		               "检查期限最长 " TEXT_STR(CAMPAIGN_DAYS_MAX) " 天");
	json_t *focus = json_object_get(in, "focus"), *x;
	size_t i;
	if (focus && (!json_is_array(focus) || json_array_size(focus) > CAMPAIGN_FOCUS_MAX))
		return err_set(e, E_FIELD_INVALID, "focus",
		               "检查重点须为至多 " TEXT_STR(CAMPAIGN_FOCUS_MAX) " 条文本的数组");
	json_array_foreach(focus, i, x) if (text_check(x, &focus_rule, e) != 0) return -1;
	json_t *targets = json_object_get(in, "targets");
	if (!targets)
		return err_set(e, E_FIELD_REQUIRED, "targets", "缺少检查对象单位 targets");
	if (!json_is_array(targets) || json_array_size(targets) == 0 ||
	    json_array_size(targets) > CAMPAIGN_TARGETS_MAX)
		return err_set(e, E_FIELD_INVALID, "targets",
		               "检查对象须为 1–" TEXT_STR(CAMPAIGN_TARGETS_MAX) " 个单位");
	json_t *groups = json_object_get(in, "groups");
	if (!groups)
		return err_set(e, E_FIELD_REQUIRED, "groups", "缺少检查组 groups");
	if (!json_is_array(groups) || json_array_size(groups) == 0 ||
	    json_array_size(groups) > CAMPAIGN_GROUPS_MAX)
		return err_set(e, E_FIELD_INVALID, "groups",
		               "检查组须为 1–" TEXT_STR(CAMPAIGN_GROUPS_MAX) " 个");
	json_array_foreach(groups, i, x)
	{
		static const char *const gkeys[] = {"name", "leader", "members"};
		json_t *members = json_object_get(x, "members");
		if (!json_is_object(x) || json_unknown_key(x, gkeys, 3) ||
		    !json_is_string(json_object_get(x, "leader")) ||
		    (members &&
		     (!json_is_array(members) || json_array_size(members) >= CAMPAIGN_MEMBERS_MAX)))
			return err_set(
			    e, E_FIELD_INVALID, "groups",
			    "第 %zu 个检查组须为 {name, leader, members}，成员至多 %d 人", i + 1,
			    CAMPAIGN_MEMBERS_MAX - 1);
		if (text_check(json_object_get(x, "name"), &group_rule, e) != 0)
			return -1;
		size_t k;
		json_t *m;
		json_array_foreach(members, k, m) if (!json_is_string(m)) return err_set(
		    e, E_FIELD_INVALID, "groups", "第 %zu 个检查组的成员须为账号", i + 1);
	}
	return 0;
}

/* The account of login v, if it may be in a group (campaign.visit over
 * the campaign's org); its id into *id. */
static int member_resolve(struct wctx *w, json_t *v, const char *path, int64_t *id, struct err *e)
{
	char clip[UTF8_CLIP_BUF];
	const char *login = json_string_value(v);
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login);
	int rc = sstep(s);
	*id = rc == STORE_ROW && !scol_int(s, 5) ? scol_int(s, 0) : 0;
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	struct actor a;
	if (!*id || actor_load(w->conn, *id, &a) != 0 || !actor_can(&a, P_CAMPAIGN_VISIT, path))
		return err_set(e, E_FIELD_INVALID, "groups", "%s 不是纪检监察的检查人员账号",
		               utf8_clip(login, 32, clip, sizeof clip));
	return 0;
}

static int groups_write(struct wctx *w, int64_t id, json_t *groups, const char *path, struct err *e)
{
	size_t i;
	json_t *g;
	json_array_foreach(groups, i, g)
	{
		int64_t leader, gid;
		if (member_resolve(w, json_object_get(g, "leader"), path, &leader, e) != 0)
			return -1;
		struct store_stmt *s = store_stmt(w->conn, ST_CAMPAIGN_GROUP_INSERT);
		sbind_int(s, 1, id);
		sbind_text(s, 2, json_string_value(json_object_get(g, "name")));
		sbind_int(s, 3, leader);
		int rc = sdone(s);
		if (rc == STORE_CONSTRAINT)
			return err_set(e, E_FIELD_INVALID, "groups", "检查组名称重复");
		if (rc != STORE_DONE)
			return err_set(e, E_UNAVAILABLE, NULL, NULL);
		gid = store_last_id(w->conn);
		s = store_stmt(w->conn, ST_CAMPAIGN_MEMBER_INSERT);
		sbind_int(s, 1, gid);
		sbind_int(s, 2, leader);
		if (sdone(s) != STORE_DONE)
			return err_set(e, E_UNAVAILABLE, NULL, NULL);
		size_t k;
		json_t *m;
		json_array_foreach(json_object_get(g, "members"), k, m)
		{
			int64_t uid;
			if (member_resolve(w, m, path, &uid, e) != 0)
				return -1;
			s = store_stmt(w->conn, ST_CAMPAIGN_MEMBER_INSERT);
			sbind_int(s, 1, gid);
			sbind_int(s, 2, uid);
			if (sdone(s) != STORE_DONE)
				return err_set(e, E_UNAVAILABLE, NULL, NULL);
		}
	}
	return 0;
}

static int targets_write(struct wctx *w, int64_t id, json_t *targets, struct err *e)
{
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t)
	{
		int64_t org;
		char path[ORG_PATH_MAX];
		if ((!json_is_string(t) && !json_is_integer(t)) ||
		    org_resolve(w->conn, t, &org, path, sizeof path, NULL, 0) != 0)
			return err_set(e, E_FIELD_INVALID, "targets",
			               "第 %zu 个检查对象不是已知的单位", i + 1);
		struct store_stmt *s = store_stmt(w->conn, ST_CAMPAIGN_TARGET_INSERT);
		sbind_int(s, 1, id);
		sbind_int(s, 2, org);
		sbind_int(s, 3, (int64_t)i);
		int rc = sdone(s);
		if (rc == STORE_CONSTRAINT)
			return err_set(e, E_FIELD_INVALID, "targets", "检查对象单位重复");
		if (rc != STORE_DONE)
			return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	return 0;
}

/* writer: the campaign, its targets and groups, and campaign.add. */
int campaign_create(struct wctx *w, const struct actor *a, json_t *in, json_t **out, struct err *e)
{
	if (campaign_body(in, e) != 0)
		return -1;
	if (!actor_can(a, P_CAMPAIGN_MANAGE, a->org_path))
		return err_set(e, E_FORBIDDEN, NULL,
		               "只有纪委监委负责人能以本单位名义组织专项监督检查");
	json_t *focus = json_object_get(in, "focus");
	char *ftext = focus ? json_dumps(focus, JSON_COMPACT) : strdup("[]");
	if (!ftext)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	struct store_stmt *s = store_stmt(w->conn, ST_CAMPAIGN_INSERT);
	sbind_text(s, 1, json_string_value(json_object_get(in, "title")));
	sbind_text(s, 2, json_string_value(json_object_get(in, "starts_on")));
	sbind_text(s, 3, json_string_value(json_object_get(in, "ends_on")));
	sbind_text(s, 4, ftext);
	sbind_int(s, 5, a->org_id);
	sbind_opt_int(s, 6, a->user_id);
	sbind_int(s, 7, w->now);
	int rc = sdone(s);
	free(ftext);
	if (rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	int64_t id = store_last_id(w->conn);
	if (targets_write(w, id, json_object_get(in, "targets"), e) != 0 ||
	    groups_write(w, id, json_object_get(in, "groups"), a->org_path, e) != 0)
		return -1;
	json_t *c = NULL;
	if (campaign_load(w->conn, a, id, &c, NULL, 0, NULL, e) != 0)
		return -1;
	json_t *groups = campaign_groups_json(w->conn, id),
	       *targets = campaign_targets_json(w->conn, id);
	json_object_set_new(c, "groups", groups ? groups : json_null());
	json_object_set_new(c, "targets", targets ? targets : json_null());
	json_t *p = json_pack("{s:O}", "campaign", c);
	rc = groups && targets && p && campaign_event(w, a, a->org_id, "campaign.add", p) == 0;
	json_decref(p);
	if (!rc) {
		json_decref(c);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	*out = json_pack("{s:o}", "campaign", c);
	return 0;
}

int campaign_body_keys(json_t *in, const char *const *keys, size_t n, size_t required,
                       struct err *e)
{
	char clip[UTF8_CLIP_BUF];
	if (!json_is_object(in))
		return err_set(e, E_BAD_REQUEST, NULL, "请求体必须是 JSON 对象");
	const char *bad = json_unknown_key(in, keys, n);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, bad, "不认识的字段 %s",
		               utf8_clip(bad, 64, clip, sizeof clip));
	for (size_t i = 0; i < required; i++)
		if (!json_object_get(in, keys[i]))
			return err_set(e, E_FIELD_REQUIRED, keys[i], "缺少字段 %s", keys[i]);
	return 0;
}

/* A write to campaign {id} (api.h api_campaign_write). */
struct campaign_write {
	int64_t id;
	campaign_add_fn add;
};

static int write_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	const struct campaign_write *cw = r->hctx;
	if (cw->add(w, &r->actor, cw->id, r->in, &r->out, &r->err) != 0)
		return -1;
	r->status = 201;
	return 0;
}

enum handler_result api_campaign_write(struct req *r, int (*shape)(json_t *in, struct err *e),
                                       campaign_add_fn add)
{
	int64_t id = req_param_id(r, 0);
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "专项监督检查不存在");
	if (req_json(r) != 0)
		return reply_failed(r);
	/* the campaign first: outside the commission a body is never judged */
	if (campaign_load(r->reader, &r->actor, id, NULL, NULL, 0, NULL, &r->err) != 0 ||
	    shape(r->in, &r->err) != 0)
		return reply_failed(r);
	struct campaign_write *cw = malloc(sizeof *cw);
	if (!cw)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	cw->id = id;
	cw->add = add;
	r->hctx = cw;
	return reply_async(r, write_job);
}

static int create_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	if (campaign_create(w, &r->actor, r->in, &r->out, &r->err) != 0)
		return -1;
	r->status = 201;
	return 0;
}

enum handler_result api_campaign_create(struct req *r)
{
	if (!finding_type(r))
		return reply_err(r, E_NOT_FOUND, NULL, "没有监督检查整改事项类型");
	if (req_json(r) != 0)
		return reply_failed(r);
	if (campaign_body(r->in, &r->err) != 0)
		return reply_failed(r);
	return reply_async(r, create_job);
}
