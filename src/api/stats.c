/* Statistics: GET /api/v1/stats/{type} (API.md "Core resources"). This file
 * reads and checks the query; core/stats.c computes, docs/rates.md defines. */
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"
#include "core/stats.h"
#include "core/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* One end of the period: a date (whole Asia/Shanghai days; `to` includes its
 * day) or an ISO 8601 instant (taken as is; `to` excludes it). Returns 1 and
 * sets *ms and the label echoed in the answer when given, 0 when absent, -1
 * (with r->err) when malformed. */
static int parse_bound(struct req *r, const char *name, bool is_to, int64_t *ms, char *label,
                       size_t cap)
{
	const char *v = req_query(r, name);
	if (!v || !*v)
		return 0;
	int64_t day;
	if (time_parse_date(v, &day) == 0) {
		*ms = time_day_start(day + (is_to ? 1 : 0));
		time_format_date(day, label, cap);
		return 1;
	}
	if (time_parse_iso(v, ms) == 0) {
		time_format_iso(*ms, label, cap);
		return 1;
	}
	return err_set(&r->err, E_FIELD_INVALID, name,
	               "参数 %s 须为日期 YYYY-MM-DD 或 ISO 8601 时间", name);
}

/* The period: each end the caller leaves out is that end of the current
 * month (business clock). 0, or -1 with r->err. */
static int parse_period(struct req *r, struct stats_query *q, char *from_label, char *to_label,
                        size_t cap)
{
	int y, m, d;
	time_ymd_from_day(time_day_of(time_now_ms()), &y, &m, &d);
	int64_t first = time_day_from_ymd(y, m, 1);
	int64_t next = time_day_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
	int got = parse_bound(r, "from", false, &q->from, from_label, cap);
	if (got < 0)
		return -1;
	if (got == 0) {
		q->from = time_day_start(first);
		time_format_date(first, from_label, cap);
	}
	got = parse_bound(r, "to", true, &q->to, to_label, cap);
	if (got < 0)
		return -1;
	if (got == 0) {
		q->to = time_day_start(next);
		time_format_date(next - 1, to_label, cap);
	}
	if (q->to <= q->from)
		return err_set(&r->err, E_FIELD_INVALID, "to", "to 不能早于 from");
	if (q->to - q->from > STATS_MAX_DAYS * MS_PER_DAY)
		return err_set(&r->err, E_FIELD_INVALID, "to", "一次最多统计 %d 天",
		               STATS_MAX_DAYS);
	return 0;
}

static int parse_group(struct req *r, enum stats_group *g)
{
	const char *v = req_query(r, "group");
	if (!v || !*v)
		*g = STATS_GROUP_NONE;
	else if (!strcmp(v, "org"))
		*g = STATS_GROUP_ORG;
	else if (!strcmp(v, "day"))
		*g = STATS_GROUP_DAY;
	else
		return err_set(&r->err, E_FIELD_INVALID, "group", "group 须为 org 或 day");
	return 0;
}

/* The org subtree: ?org= (code or id), which the caller must hold stats.read
 * over (403 otherwise), or else the caller's first stats.read scope. */
static int parse_org(struct req *r, struct stats_query *q, char *path, size_t cap)
{
	const char *v = req_query(r, "org");
	if (v && *v) {
		char *end;
		long long n = strtoll(v, &end, 10);
		json_t *j = *end ? json_string(v) : json_integer(n);
		int rc = org_resolve(r->reader, j, &q->org_id, path, cap, NULL, 0);
		json_decref(j);
		if (rc != 0)
			return err_set(&r->err, E_FIELD_INVALID, "org", "不是已知的单位");
		if (!actor_can(&r->actor, P_STATS_READ, path))
			return err_set(&r->err, E_FORBIDDEN, "org", "没有查看该单位统计的权限");
		q->org_path = path;
		return 0;
	}
	const char *scope = NULL;
	if (actor_scopes(&r->actor, P_STATS_READ, &scope, 1) == 1) {
		for (int i = 0; i < r->actor.nroles; i++) {
			if (strcmp(r->actor.roles[i].scope_path, scope))
				continue;
			q->org_id = r->actor.roles[i].scope_org;
			snprintf(path, cap, "%s", scope);
			q->org_path = path;
			return 0;
		}
	}
	return err_set(&r->err, E_FORBIDDEN, NULL, "没有查看统计的权限");
}

/* GET /api/v1/stats/{type}?org=&from=&to=&group=org|day */
enum handler_result api_stats(struct req *r)
{
	const struct matter_type *t = types_find(r->app->types, r->params[0]);
	if (!t)
		return reply_err(r, E_NOT_FOUND, NULL, "没有这个事项类型");
	if (!actor_has(&r->actor, P_STATS_READ))
		return reply_err(r, E_FORBIDDEN, NULL, "没有查看统计的权限");
	struct stats_query q = {.type = t};
	char from_label[ISO8601_MAX], to_label[ISO8601_MAX], path[ORG_PATH_MAX];
	if (parse_group(r, &q.group) != 0 ||
	    parse_period(r, &q, from_label, to_label, sizeof from_label) != 0 ||
	    parse_org(r, &q, path, sizeof path) != 0)
		return reply_failed(r);
	q.from_label = from_label;
	q.to_label = to_label;
	json_t *out;
	if (stats_compute(r->reader, &q, &out, &r->err) != 0)
		return reply_failed(r);
	return reply_json(r, 200, out);
}
