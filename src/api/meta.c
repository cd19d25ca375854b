/* Health, metrics, OpenAPI, types, orgs (their settings and boundaries),
 * calendar and public keys. */
#include "api/api.h"
#include "api/openapi.h"

#include "core/documents.h"
#include "core/app.h"
#include "core/calendar.h"
#include "core/types.h"
#include "core/engine.h"
#include "core/chain.h"
#include "core/orgtree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/geojson.h"
#include "util/timeutil.h"

#define CALENDAR_MAX_DAYS 731

/* GET /healthz */
enum handler_result api_health(struct req *r)
{
	return reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/* GET /metrics */
enum handler_result api_metrics(struct req *r)
{
	r->raw = metrics_render(r->app, r->reader, &r->raw_len);
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	r->status = 200;
	return H_DONE;
}

/* GET /api/openapi.json: the route table and the fragments (api/openapi.h),
 * assembled once. */
enum handler_result api_openapi(struct req *r)
{
	size_t len;
	const char *doc = openapi_text(&len, NULL);
	char *copy = doc ? malloc(len + 1) : NULL;
	if (!copy)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	memcpy(copy, doc, len + 1);
	r->raw = copy;
	r->raw_len = len;
	r->content_type = "application/json; charset=utf-8";
	r->status = 200;
	return H_DONE;
}

/* GET /api/v1/types */
enum handler_result api_types(struct req *r)
{
	return reply_json(r, 200, json_deep_copy(r->app->types->list));
}

/* GET /api/v1/types/{type} */
enum handler_result api_type_get(struct req *r)
{
	const struct matter_type *t = types_find(r->app->types, r->params[0]);
	if (!t)
		return reply_err(r, E_NOT_FOUND, NULL, "没有这个事项类型");
	return reply_json(r, 200, json_deep_copy(t->json));
}

/* May the caller see org at path? Its org.read scopes, or its own org. */
static bool org_visible(struct req *r, const char *path)
{
	return actor_sees_org(&r->actor, path);
}

/* Loads an org by id into *o (JSON) and its path; 0 or -1. */
static int org_load(struct req *r, int64_t id, json_t **o, char *path, size_t cap)
{
	struct store_stmt *s = store_stmt(r->reader, ST_ORG_VIEW);
	sbind_int(s, 1, id);
	int rc = -1;
	if (sstep(s) == STORE_ROW) {
		*o = org_view_json(s, &r->actor);
		snprintf(path, cap, "%s", scol_text(s, 5));
		rc = 0;
	}
	sreset(s);
	return rc;
}

/* The org {id} of the path, if the caller may see it; 0, or -1 (nothing kept). */
static int org_load_visible(struct req *r, int64_t id, json_t **o, char *path, size_t cap)
{
	*o = NULL;
	if (id < 0 || org_load(r, id, o, path, cap) != 0 || !org_visible(r, path)) {
		json_decref(*o);
		*o = NULL;
		return -1;
	}
	return 0;
}

/* GET /api/v1/orgs?q=TEXT&kinds=a,b&partners=1&summon=1&limit=&cursor=:
 * the pickers' search (partners=1: every org, for a mediator's joint
 * partner; summon=1: the county's departments and enterprises, for a
 * whistle). */
static enum handler_result api_org_search(struct req *r)
{
	int64_t limit = 50, cursor = 0;
	if (req_query_int(r, "limit", 1, ORG_SEARCH_LIMIT_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0)
		return reply_failed(r);
	if (req_query(r, "parent"))
		return reply_err(r, E_FIELD_INVALID, "parent", "parent 不能与 q、kinds 同时使用");
	int64_t partners = 0, summon = 0;
	if (req_query_int(r, "partners", 0, 1, &partners) != 0 ||
	    req_query_int(r, "summon", 0, 1, &summon) != 0)
		return reply_failed(r);
	struct org_query q = {.q = req_query(r, "q"),
	                      .kinds = req_query(r, "kinds"),
	                      .cursor = cursor,
	                      .limit = (int)limit,
	                      .everywhere = partners == 1,
	                      .county_units = summon == 1};
	if (q.q && !*q.q)
		q.q = NULL;
	if (q.kinds && !*q.kinds)
		q.kinds = NULL;
	json_t *out;
	if (org_search(r->reader, &r->actor, &q, &out, &r->err) != 0)
		return reply_failed(r);
	return reply_json(r, 200, out);
}

/* GET /api/v1/orgs?parent=ID (or a search: api_org_search) */
enum handler_result api_orgs(struct req *r)
{
	if (req_query(r, "q") || req_query(r, "kinds") || req_query(r, "partners") ||
	    req_query(r, "summon"))
		return api_org_search(r);
	json_t *items = json_array();
	const char *parent = req_query(r, "parent");
	if (parent) {
		char *end;
		long long pid = strtoll(parent, &end, 10);
		json_t *po = NULL;
		char path[256];
		if (!*parent || *end || pid <= 0 ||
		    org_load_visible(r, pid, &po, path, sizeof path) != 0) {
			json_decref(po);
			json_decref(items);
			return reply_err(r, E_NOT_FOUND, "parent", "没有这个单位");
		}
		json_decref(po);
		struct store_stmt *s = store_stmt(r->reader, ST_ORG_CHILDREN);
		sbind_int(s, 1, pid);
		while (sstep(s) == STORE_ROW)
			if (org_visible(r, scol_text(s, 5)))
				json_array_append_new(items, org_view_json(s, &r->actor));
		sreset(s);
	} else {
		const char *scopes[ACTOR_MAX_ROLES];
		int n = actor_scopes(&r->actor, P_ORG_READ, scopes, ACTOR_MAX_ROLES);
		for (int i = 0; i < r->actor.nroles && n > 0; i++) {
			for (int k = 0; k < n; k++) {
				if (!scopes[k] || strcmp(scopes[k], r->actor.roles[i].scope_path))
					continue;
				json_t *o;
				char path[256];
				if (org_load(r, r->actor.roles[i].scope_org, &o, path,
				             sizeof path) == 0)
					json_array_append_new(items, o);
				scopes[k] = NULL;
			}
		}
		if (json_array_size(items) == 0) {
			json_t *o;
			char path[256];
			if (org_load(r, r->actor.org_id, &o, path, sizeof path) == 0)
				json_array_append_new(items, o);
		}
	}
	return reply_json(r, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
}

/* GET /api/v1/orgs/{id} */
enum handler_result api_org_get(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *o = NULL;
	char path[256];
	if (org_load_visible(r, id, &o, path, sizeof path) != 0)
		return reply_err(r, E_NOT_FOUND, NULL, "没有这个单位");
	return reply_json(r, 200, o);
}

/* GET /api/v1/calendar?from=DATE&to=DATE (default: the current month) */
enum handler_result api_calendar(struct req *r)
{
	const char *f = req_query(r, "from"), *t = req_query(r, "to");
	int64_t from, to;
	int64_t today = time_day_of(time_now_ms());
	if (!f) {
		int y, m, d;
		time_ymd_from_day(today, &y, &m, &d);
		from = time_day_from_ymd(y, m, 1);
	} else if (time_parse_date(f, &from) != 0) {
		return reply_err(r, E_FIELD_INVALID, "from", "from 须为 YYYY-MM-DD");
	}
	if (!t) {
		int y, m, d;
		time_ymd_from_day(from, &y, &m, &d);
		to = time_day_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
	} else if (time_parse_date(t, &to) != 0) {
		return reply_err(r, E_FIELD_INVALID, "to", "to 须为 YYYY-MM-DD");
	}
	if (to < from)
		return reply_err(r, E_FIELD_INVALID, "to", "to 不能早于 from");
	if (to - from + 1 > CALENDAR_MAX_DAYS)
		return reply_err(r, E_FIELD_INVALID, "to", "一次最多查询 731 天");
	json_t *days = json_array();
	for (int64_t d = from; d <= to; d++) {
		char date[16];
		time_format_date(d, date, sizeof date);
		json_t *o = json_pack("{s:s,s:b}", "date", date, "workday",
		                      calendar_is_workday(r->app->cal, d));
		const char *name = calendar_day_name(r->app->cal, d);
		if (name)
			json_object_set_new(o, "name", json_string(name));
		if (!calendar_covers(r->app->cal, d))
			json_object_set_new(o, "official", json_false());
		json_array_append_new(days, o);
	}
	return reply_json(r, 200, json_pack("{s:o}", "days", days));
}

/* GET /api/v1/keys: the instance's public signing keys, the current one
 * and every one a rotation retired (core/documents.h doc_keys_json), so
 * that documents signed before a rotation still verify offline. */
enum handler_result api_keys(struct req *r)
{
	json_t *out = doc_keys_json(r->reader, &r->app->keys);
	if (!out)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	return reply_json(r, 200, out);
}

struct org_update {
	int64_t id;
	char code[64];
};

static int org_update_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct org_update *u = r->hctx;
	struct store_stmt *s = store_stmt(w->conn, ST_ORG_SETTINGS_GET);
	sbind_int(s, 1, u->id);
	json_t *cur = sstep(s) == STORE_ROW ? json_loads(scol_text(s, 0), 0, NULL) : NULL;
	sreset(s);
	if (!json_is_object(cur)) {
		json_decref(cur);
		cur = json_object();
	}
	json_object_update(cur, json_object_get(r->in, "settings"));
	char *text = json_canonical(cur);
	s = store_stmt(w->conn, ST_ORG_SETTINGS_SET);
	sbind_int(s, 1, u->id);
	sbind_text(s, 2, text);
	int rc = sdone(s) == STORE_DONE ? 0 : -1;
	json_t *p =
	    json_pack("{s:s,s:O}", "org", u->code, "settings", json_object_get(r->in, "settings"));
	char *ptext = json_canonical(p);
	json_decref(p);
	struct event_rec ev = {.at = w->now,
	                       .actor_id = r->actor.user_id,
	                       .org_id = r->actor.org_id,
	                       .action = "org.settings",
	                       .payload = ptext};
	if (rc == 0)
		rc = wctx_event(w, &ev);
	free(ptext);
	free(text);
	if (rc != 0) {
		json_decref(cur);
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	}
	r->status = 200;
	r->out =
	    json_pack("{s:I,s:s,s:o}", "id", (json_int_t)u->id, "code", u->code, "settings", cur);
	return 0;
}

/* The start of a change to org {id} (its settings, its boundary): the org,
 * 404 unless the caller may see it, into r->hctx as a struct org_update;
 * then user.manage over it, else 403 saying `forbidden`. 0, or -1 with
 * r->err set. */
static int org_change_begin(struct req *r, const char *forbidden)
{
	int64_t id = req_param_id(r, 0);
	json_t *o = NULL;
	char path[256];
	if (org_load_visible(r, id, &o, path, sizeof path) != 0)
		return err_set(&r->err, E_NOT_FOUND, NULL, "没有这个单位");
	struct org_update *u = calloc(1, sizeof *u);
	if (!u) {
		json_decref(o);
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	}
	u->id = id;
	snprintf(u->code, sizeof u->code, "%s", json_string_value(json_object_get(o, "code")));
	json_decref(o);
	r->hctx = u;
	if (!actor_can(&r->actor, P_USER_MANAGE, path))
		return err_set(&r->err, E_FORBIDDEN, NULL, "%s", forbidden);
	return 0;
}

/* PATCH /api/v1/orgs/{id} {"settings":{NAME:bool,…}}: user.manage over the
 * org. The settings an org may carry are booleans the loaded types declare
 * ("org_settings"; an action's "approval" reads one). Recorded as an
 * org.settings event on the audit chain. */
enum handler_result api_org_update(struct req *r)
{
	if (org_change_begin(r, "没有修改该单位设置的权限") != 0)
		return reply_failed(r);
	if (req_json(r) != 0)
		return reply_failed(r);
	const char *key;
	json_t *v;
	json_object_foreach(r->in, key, v) if (strcmp(key, "settings")) return reply_err(
	    r, E_FIELD_UNKNOWN, key, "只能修改 settings");
	json_t *set = json_object_get(r->in, "settings");
	if (!json_is_object(set) || json_object_size(set) == 0)
		return reply_err(r, E_FIELD_REQUIRED, "settings", "settings 须为非空对象");
	json_object_foreach(set, key, v)
	{
		if (!types_org_setting(r->app->types, key))
			return reply_err(r, E_FIELD_UNKNOWN, "settings", "不认识的单位设置");
		if (!json_is_boolean(v))
			return reply_err(r, E_FIELD_INVALID, "settings",
			                 "单位设置的值须为 true 或 false");
	}
	return reply_async(r, org_update_job);
}

/* The largest body PUT /api/v1/orgs/{id}/boundary reads: GEOJSON_MAX_POINTS
 * positions written out at full precision fit with room to spare. */
#define BOUNDARY_BODY_MAX (256 * 1024)

static int org_boundary_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct org_update *u = r->hctx;
	struct account_actor by = {r->actor.user_id, r->actor.org_id, "api"};
	if (org_boundary_change(w, &by, u->id, json_is_null(r->in) ? NULL : r->in, &r->err) != 0)
		return -1;
	r->status = 200;
	r->out =
	    json_pack("{s:I,s:s,s:O}", "id", (json_int_t)u->id, "code", u->code, "boundary", r->in);
	return r->out ? 0 : err_oom(&r->err);
}

/* PUT /api/v1/orgs/{id}/boundary GEOMETRY|null: user.manage over the org.
 * Sets the org's area (a GeoJSON Polygon or MultiPolygon in WGS-84,
 * util/geojson.h) or clears it; recorded as an org.boundary event. Cases
 * created from then on are placed by it (core/placement.h); cases placed
 * before keep their placement. */
enum handler_result api_org_boundary(struct req *r)
{
	if (org_change_begin(r, "没有修改该单位边界的权限") != 0)
		return reply_failed(r);
	if (r->body.len > BOUNDARY_BODY_MAX)
		return reply_err(r, E_TOO_LARGE, NULL, "边界的请求体至多 256 KiB");
	if (req_json_value(r) != 0)
		return reply_failed(r);
	if (!json_is_null(r->in) && geojson_boundary_check(r->in, "boundary", &r->err) != 0)
		return reply_failed(r);
	return reply_async(r, org_boundary_job);
}

/* PUT /api/v1/test/clock {"now": ISO | null}: moves the business clock for
 * end-to-end tests of deadlines. 404 unless the server was started with
 * CIVICLOOP_TEST_CLOCK=1; user.manage only. Sessions and login throttling
 * stay on the wall clock. */
enum handler_result api_test_clock(struct req *r)
{
	if (!r->app->test_clock)
		return reply_err(r, E_NOT_FOUND, NULL, "没有这个接口");
	if (!actor_has(&r->actor, P_USER_MANAGE))
		return reply_err(r, E_FORBIDDEN, NULL, NULL);
	if (req_json(r) != 0)
		return reply_failed(r);
	json_t *now = json_object_get(r->in, "now");
	int64_t t = 0;
	if (!now ||
	    (!json_is_null(now) &&
	     (!json_is_string(now) || time_parse_iso(json_string_value(now), &t) != 0 || t <= 0)))
		return reply_err(r, E_FIELD_INVALID, "now", "now 须为 ISO 8601 时间或 null");
	time_set_fake(t);
	char at[ISO8601_MAX];
	time_format_iso(time_now_ms(), at, sizeof at);
	return reply_json(r, 200, json_pack("{s:s,s:b}", "now", at, "fake", time_is_fake()));
}
