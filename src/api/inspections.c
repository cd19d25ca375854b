/*
 * Rolling safety inspection plans (滚动排查, docs/inspection.md):
 *
 *   GET   /api/v1/inspection-plans            the enterprises' plans, a page
 *   PATCH /api/v1/inspection-plans/{org}      set one enterprise's frequency
 *                                             or inspecting org
 *   POST  /api/v1/inspection-plans/generate   generate the current period's
 *                                             due inspections now
 *
 * Each takes enterprise.manage (the regulator: inspectors, admins) over the
 * enterprises concerned; an enterprise outside it is 404. The inspections
 * themselves are cases (GET /api/v1/cases?type=inspection, their actions);
 * the figures are GET /api/v1/stats/inspection. core/inspections.c does
 * the work.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"
#include "core/inspections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define SCOPES_MAX 4

/* ?name=: at most 64 bytes of valid UTF-8 without control characters. */
static int query_text(struct req *r, const char *name, const char **out)
{
	const char *v = req_query(r, name);
	*out = NULL;
	if (!v || !*v)
		return 0;
	if (strlen(v) > 64 || !utf8_valid(v, strlen(v)) || text_has_control(v, false))
		return err_set(&r->err, E_FIELD_INVALID, name, "参数 %s 不正确", name);
	*out = v;
	return 0;
}

/* ?org= (code or id) into *id with its path: 404 unless an org the caller
 * manages enterprises over. */
static int query_org(struct req *r, struct store_conn *c, json_t *v, int64_t *id)
{
	char path[ORG_PATH_MAX];
	if (org_resolve(c, v, id, path, sizeof path, NULL, 0) != 0 ||
	    !actor_can(&r->actor, P_ENTERPRISE_MANAGE, path))
		return err_set(&r->err, E_NOT_FOUND, "org", "企业不存在");
	return 0;
}

/* GET the plans: ?org=, ?industry=, ?risk_level=, ?cursor=, ?limit= */
enum handler_result api_inspection_plans(struct req *r)
{
	const char *scopes[SCOPES_MAX];
	struct inspection_plan_query q = {.limit = 50};
	int64_t limit = 50, cursor = 0;
	if (actor_scopes(&r->actor, P_ENTERPRISE_MANAGE, scopes, SCOPES_MAX) < 1)
		return reply_err(r, E_FORBIDDEN, NULL, "没有管理企业的权限");
	q.scope_path = scopes[0];
	if (req_query_int(r, "limit", 1, INSPECTION_PLANS_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0 ||
	    query_text(r, "industry", &q.industry) != 0 ||
	    query_text(r, "risk_level", &q.risk) != 0)
		return reply_failed(r);
	if (q.risk && strcmp(q.risk, "红") && strcmp(q.risk, "橙") && strcmp(q.risk, "黄") &&
	    strcmp(q.risk, "蓝"))
		return reply_err(r, E_FIELD_INVALID, "risk_level",
		                 "risk_level 只能是 红、橙、黄、蓝");
	const char *org;
	if (query_text(r, "org", &org) != 0)
		return reply_failed(r);
	if (org) {
		char *end;
		long long n = strtoll(org, &end, 10);
		json_t *j = *end ? json_string(org) : json_integer(n);
		int rc = query_org(r, r->reader, j, &q.org_id);
		json_decref(j);
		if (rc != 0)
			return reply_failed(r);
		q.scope_path = "/";
	}
	q.limit = (int)limit;
	q.cursor = cursor;
	json_t *out;
	if (inspection_plans_list(r->reader, r->app, &q, time_now_ms(), &out, &r->err) != 0)
		return reply_failed(r);
	return reply_json(r, 200, out);
}

static int plan_set_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	int64_t id = *(int64_t *)r->hctx;
	if (inspection_plan_set(w, &r->actor, id, r->in, &r->out, &r->err) != 0)
		return -1;
	r->status = 200;
	return 0;
}

/* PATCH one plan: {"frequency"?, "inspecting_org"?, "version"?} */
enum handler_result api_inspection_plan_set(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "企业不存在");
	if (req_json(r) != 0)
		return reply_failed(r);
	int64_t *p = malloc(sizeof *p);
	if (!p)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	*p = id;
	r->hctx = p;
	return reply_async(r, plan_set_job);
}

static int generate_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	static const char *const keys[] = {"org"};
	const char *bad = json_unknown_key(r->in, keys, 1);
	if (bad)
		return err_set(&r->err, E_FIELD_UNKNOWN, bad, "不认识的字段 %s", bad);
	int64_t org = 0;
	json_t *jorg = json_object_get(r->in, "org");
	if (jorg && query_org(r, w->conn, jorg, &org) != 0)
		return -1;
	const char *scopes[SCOPES_MAX];
	int n = org ? 1 : actor_scopes(&r->actor, P_ENTERPRISE_MANAGE, scopes, SCOPES_MAX);
	json_t *made = json_array();
	for (int i = 0; made && i < n; i++)
		if (inspection_generate(w, org ? "/" : scopes[i], org, made, &r->err) != 0) {
			json_decref(made);
			return -1;
		}
	if (!made)
		return err_oom(&r->err);
	r->out =
	    json_pack("{s:I,s:o}", "generated", (json_int_t)json_array_size(made), "items", made);
	r->status = 200;
	return r->out ? 0 : err_oom(&r->err);
}

/* POST generate: {"org"?} — the caller's enterprises, or the one named */
enum handler_result api_inspection_generate(struct req *r)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	return reply_async(r, generate_job);
}
