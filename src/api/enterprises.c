/*
 * The enterprise registry (issue 13; docs/enterprise.md, core/enterprises.h):
 *
 *   GET   /api/v1/enterprises/meta   any signed-in user: the industries, the risk
 *                                    levels and the townships the caller sees
 *   GET   /api/v1/enterprises        case.read: the enterprises inside the caller's
 *                                    scopes (?industry=&risk_level=&township=&q=),
 *                                    paged; never their contacts
 *   POST  /api/v1/enterprises        enterprise.manage over the township
 *   GET   /api/v1/enterprises/{id}   case.read over it: with its contacts, masked
 *                                    unless pii.read over it (a pii.view event) or
 *                                    the enterprise's own account
 *   PATCH /api/v1/enterprises/{id}   enterprise.manage over its township (old and
 *                                    new), with "version" (409 when stale)
 *
 * An enterprise is seen through the org tree alone, like its cases: an
 * enterprise's own account (role enterprise, scoped to its org) sees its own
 * and nothing else; one outside every case.read scope of the caller is 404.
 * The CSV import is api/enterprises_import.c, the 约谈 records
 * api/interviews.c.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/enterprises.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/json.h"
#include "util/text.h"
#include "util/utf8.h"

#define ENT_LIMIT_DEFAULT 50
#define ENT_LIMIT_MAX 200
#define ENT_QUERY_MAX 64 /* characters of ?q= */

/* GET /api/v1/enterprises/meta */
enum handler_result api_enterprise_meta(struct req *r)
{
	json_t *o = enterprise_lists_json();
	json_t *towns = json_array();
	const char *scopes[ACTOR_MAX_ROLES];
	int n = actor_scopes(&r->actor, P_CASE_READ, scopes, ACTOR_MAX_ROLES);
	struct store_stmt *s = store_stmt(r->reader, ST_ENT_TOWNSHIPS);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		const char *path = scol_text(s, 3);
		bool seen = false;
		/* a township inside a scope, or holding one (an enterprise's) */
		for (int i = 0; i < n && !seen; i++)
			seen = path_within(path, scopes[i]) || path_within(scopes[i], path);
		if (seen)
			json_array_append_new(
			    towns, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)scol_int(s, 0),
			                     "code", scol_text(s, 1), "name", scol_text(s, 2)));
	}
	sreset(s);
	if (!o || rc != STORE_DONE) {
		json_decref(o);
		json_decref(towns);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	json_object_set_new(o, "townships", towns);
	json_object_set_new(o, "can_manage",
	                    json_boolean(actor_has(&r->actor, P_ENTERPRISE_MANAGE)));
	return reply_json(r, 200, o);
}

/* A query parameter that must be one of a list, into *out (NULL when absent). */
static int query_listed(struct req *r, const char *name, bool (*known)(const char *),
                        const char *what, const char **out)
{
	*out = req_query(r, name);
	if (*out && !known(*out)) {
		*out = NULL;
		return err_set(&r->err, E_FIELD_INVALID, name, "%s不在允许的范围内", what);
	}
	return 0;
}

/* The list's filters, for a recorded reader's event. */
static const char *const query_names[] = {"industry", "risk_level", "township",
                                          "q",        "cursor",     NULL};

/* Answers r->out, a page of a list; for a reader whose reads are recorded
 * (纪委, auth.h actor_reads_recorded) once `action` {key: [ids shown],
 * "query": {the filters given}} is on the chain (api_reply_read). */
enum handler_result api_recorded_list(struct req *r, const char *action, const char *key,
                                      const char *const *filters)
{
	if (!r->out)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	if (!actor_reads_recorded(&r->actor))
		return api_reply_read(r, 0, false, NULL, NULL);
	json_t *ids = json_array(), *query = json_object(), *item;
	size_t i;
	json_array_foreach(json_object_get(r->out, "items"), i, item)
	    json_array_append(ids, json_object_get(item, "id"));
	for (i = 0; filters[i]; i++) {
		const char *v = req_query(r, filters[i]);
		if (v && *v)
			json_object_set_new(query, filters[i], json_string(v));
	}
	return api_reply_read(r, 0, false, action,
	                      json_pack("{s:o,s:o}", key, ids, "query", query));
}

/* GET /api/v1/enterprises?industry=&risk_level=&township=ID&q=&limit=&cursor= */
enum handler_result api_enterprises(struct req *r)
{
	int64_t limit = ENT_LIMIT_DEFAULT, cursor = 0, township = 0;
	const char *industry, *risk, *q = req_query(r, "q");
	if (req_query_int(r, "limit", 1, ENT_LIMIT_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0 ||
	    req_query_int(r, "township", 1, INT64_MAX / 2, &township) != 0 ||
	    query_listed(r, "industry", enterprise_industry_known, "行业类别", &industry) != 0 ||
	    query_listed(r, "risk_level", enterprise_risk_known, "风险等级", &risk) != 0)
		return reply_failed(r);
	char like[ENT_QUERY_MAX * 4 * 2 + 1] = "";
	if (q && *q) {
		json_t *jq = json_string(q);
		enum text_fault f = text_fault(jq, ENT_QUERY_MAX, 0);
		json_decref(jq);
		if (f != TEXT_OK)
			return reply_err(r, E_FIELD_INVALID, "q",
			                 "q 须为单行文本，最多 " TEXT_STR(ENT_QUERY_MAX) " 字");
		text_like_escape(q, like, sizeof like);
	}
	const char *scopes[3] = {NULL, NULL, NULL};
	actor_scopes(&r->actor, P_CASE_READ, scopes, 3);
	struct store_stmt *s = store_stmt(r->reader, ST_ENT_LIST);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, scopes[i]); /* NULL binds NULL: no such scope */
	if (industry)
		sbind_text(s, 4, industry);
	if (risk)
		sbind_text(s, 5, risk);
	if (township)
		sbind_int(s, 6, township);
	if (*like)
		sbind_text(s, 7, like);
	sbind_int(s, 8, cursor);
	sbind_int(s, 9, limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		struct enterprise e;
		enterprise_read(s, &e);
		json_array_append_new(items, enterprise_json(&e));
		last = e.org_id;
		n++;
	}
	bool more = rc == STORE_ROW;
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	r->out = json_page(items, last, more);
	return api_recorded_list(r, "enterprise.list", "enterprises", query_names);
}

/* The enterprise of the path when the caller may see it: 0, or -1 with
 * r->err 404. */
static int visible_load(struct req *r, struct store_conn *c, struct enterprise *e)
{
	int64_t id = req_param_id(r, 0);
	if (id < 0 || enterprise_load(c, id, e) != 0 ||
	    !actor_can(&r->actor, P_CASE_READ, e->org_path))
		return err_set(&r->err, E_NOT_FOUND, NULL, "企业不存在");
	return 0;
}

/* The enterprise as the caller sees it: registry data, contacts (in full
 * when *full), whether the caller may edit it. NULL when the store or the
 * key failed. */
static json_t *detail_json(struct store_conn *c, const struct app *app, const struct actor *a,
                           const struct enterprise *e, bool *full)
{
	*full = a->org_id == e->org_id || actor_can(a, P_PII_READ, e->org_path);
	json_t *o = enterprise_json(e), *contacts = enterprise_contacts(c, &app->keys, e->org_id);
	if (!o || !contacts) {
		json_decref(o);
		json_decref(contacts);
		return NULL;
	}
	if (!*full)
		enterprise_contacts_mask(contacts);
	json_object_set_new(o, "contacts", contacts);
	json_object_set_new(o, "contacts_masked", json_boolean(!*full));
	/* the township path is the enterprise's parent's */
	char town[ORG_PATH_MAX];
	snprintf(town, sizeof town, "%s", e->org_path);
	char *slash = strrchr(town, '/');
	if (slash && slash > town) {
		*slash = '\0';
		slash = strrchr(town, '/');
		if (slash)
			slash[1] = '\0';
	}
	json_object_set_new(o, "can_edit", json_boolean(actor_can(a, P_ENTERPRISE_MANAGE, town)));
	return o;
}

/* What a detail's read leaves on the chain before it is answered. */
struct detail_read {
	int64_t org;
	bool pii;      /* contacts shown in full to a pii.read holder: pii.view */
	bool recorded; /* a reader whose reads are recorded: enterprise.read */
};

/* writer: the events of struct detail_read */
static int detail_read_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct detail_read *d = r->hctx;
	char payload[64];
	snprintf(payload, sizeof payload, "{\"enterprise\":%lld}", (long long)d->org);
	struct event_rec ev = {.at = w->now,
	                       .actor_id = r->actor.user_id,
	                       .org_id = d->org,
	                       .action = "pii.view",
	                       .payload = payload};
	struct event_rec rd = ev;
	rd.action = "enterprise.read";
	if ((d->pii && wctx_event(w, &ev) != 0) || (d->recorded && wctx_event(w, &rd) != 0)) {
		json_decref(r->out);
		r->out = NULL;
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	}
	return 0;
}

/* GET /api/v1/enterprises/{id} → {"enterprise"} */
enum handler_result api_enterprise_get(struct req *r)
{
	struct enterprise e;
	if (visible_load(r, r->reader, &e) != 0)
		return reply_failed(r);
	bool full;
	json_t *o = detail_json(r->reader, r->app, &r->actor, &e, &full);
	if (!o)
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	r->out = json_pack("{s:o}", "enterprise", o);
	r->status = 200;
	/* the enterprise's own account reads its own contacts unrecorded;
	 * anyone else shown them in full holds pii.read: recorded first, as
	 * is every read of a reader whose reads are recorded */
	bool pii = full && r->actor.org_id != e.org_id, recorded = actor_reads_recorded(&r->actor);
	if (!pii && !recorded)
		return H_DONE;
	struct detail_read *d = malloc(sizeof *d);
	if (!d) {
		json_decref(r->out);
		r->out = NULL;
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	}
	*d = (struct detail_read){.org = e.org_id, .pii = pii, .recorded = recorded};
	r->hctx = d;
	return reply_async(r, detail_read_job);
}

/* What a create or change carries to the writer. */
struct ent_write {
	int64_t id; /* 0: a new enterprise */
	int64_t version;
};

static int write_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct ent_write *k = r->hctx;
	struct enterprise old, now;
	struct enterprise_new n;
	if (k->id && (visible_load(r, w->conn, &old) != 0))
		return -1;
	if (k->id && !actor_can(&r->actor, P_ENTERPRISE_MANAGE, old.org_path))
		return err_set(&r->err, E_FORBIDDEN, NULL, "没有管理该企业的权限");
	/* a change names the version it was made on (after the 404 and 403:
	 * no answer tells an outsider more than that there is nothing there) */
	if (k->id && k->version == 0)
		return err_set(&r->err, E_FIELD_REQUIRED, "version", "缺少字段 version");
	if (k->id && k->version < 0)
		return err_set(&r->err, E_FIELD_INVALID, "version", "version 须为正整数");
	if (enterprise_check(w->conn, &w->app->keys, r->in, k->id ? &old : NULL, &n, &r->err) !=
	    0) {
		enterprise_new_release(&n);
		return -1;
	}
	int rc = -1;
	int64_t id = k->id;
	bool changed = true;
	if (!actor_can(&r->actor, P_ENTERPRISE_MANAGE, n.township_path))
		err_set(&r->err, E_FORBIDDEN, "township", "没有管理该乡镇（街道）企业的权限");
	else if (k->id)
		rc =
		    enterprise_update(w, &old, &n, k->version, r->actor.user_id, &changed, &r->err);
	else
		rc = enterprise_insert(w, &n, r->actor.user_id, &id, &r->err);
	enterprise_new_release(&n);
	if (rc != 0)
		return -1;
	bool full;
	json_t *o = enterprise_load(w->conn, id, &now) == 0
	                ? detail_json(w->conn, w->app, &r->actor, &now, &full)
	                : NULL;
	if (!o)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	r->out = json_pack("{s:o,s:b}", "enterprise", o, "changed", changed);
	r->status = k->id ? 200 : 201;
	return 0;
}

static enum handler_result write_submit(struct req *r, int64_t id)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	struct ent_write *k = calloc(1, sizeof *k);
	if (!k)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = k;
	k->id = id;
	if (id) {
		/* checked in the job, after visibility: 0 absent, -1 not a version */
		json_t *v = json_object_get(r->in, "version");
		k->version = !v ? 0
		             : json_is_integer(v) && json_integer_value(v) >= 1
		                 ? json_integer_value(v)
		                 : -1;
	}
	return reply_async(r, write_job);
}

/* POST /api/v1/enterprises → 201 {"enterprise","changed":true} */
enum handler_result api_enterprise_create(struct req *r)
{
	return write_submit(r, 0);
}

/* PATCH /api/v1/enterprises/{id} → 200 {"enterprise","changed"} */
enum handler_result api_enterprise_update(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "企业不存在");
	return write_submit(r, id);
}

/* POST /api/v1/enterprises/import (text/csv) */
static int import_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct enterprise_import_counts n;
	char *report = NULL;
	int rc = enterprise_import(w, &r->actor, r->body.data ? r->body.data : "", r->body.len, &n,
	                           &report, &r->err);
	if (rc == 1) {
		/* nothing was written: answered as a 400 naming every bad row */
		r->out = json_pack("{s:{s:s,s:s,s:s}}", "error", "code", "field.invalid", "message",
		                   report, "field", "rows");
		free(report);
		if (!r->out)
			return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		r->status = 400;
		return 0;
	}
	if (rc != 0)
		return -1;
	r->out = json_pack("{s:i,s:i,s:i}", "created", n.created, "updated", n.updated, "unchanged",
	                   n.unchanged);
	r->status = 200;
	return r->out ? 0 : err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
}

enum handler_result api_enterprise_import(struct req *r)
{
	const char *ct = req_header(r, "Content-Type");
	if (!ct || strncasecmp(ct, "text/csv", 8) || (ct[8] && ct[8] != ';' && ct[8] != ' '))
		return reply_err(r, E_MEDIA_TYPE, NULL, "导入的请求体须为 text/csv（UTF-8）");
	if (r->body.len == 0)
		return reply_err(r, E_FIELD_REQUIRED, "rows", "CSV 为空");
	return reply_async(r, import_job);
}
