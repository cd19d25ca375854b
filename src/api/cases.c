/* Cases: create, list, read, history, actions (API.md "Core resources"). */
#include "api/api.h"
#include "core/routing.h"
#include "core/app.h"
#include "core/engine.h"
#include "core/receptions.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* The case's view is read back after the COMMIT when it records nothing
 * (engine_create_later), except under an Idempotency-Key, whose stored
 * answer is made in the job (http/server.c). */
static int create_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	int64_t *later = r->hctx;
	int rc = r->idem_key[0] ? engine_create(w, &r->actor, r->in, &r->out, &r->err)
	                        : engine_create_later(w, &r->actor, r->in, &r->out, later, &r->err);
	if (rc != 0)
		return -1;
	r->status = 201;
	return 0;
}

/* The created case's view, read back on the HTTP thread's reader once the
 * batch has committed. The case is stored: if it cannot be read back now,
 * the answer still says so, with its id ("case":{"id":…}). */
static void create_view(struct req *r, int64_t id)
{
	struct case_full cf;
	json_t *cj = NULL;
	if (case_load(r->reader, r->app, id, &cf) == 0) {
		bool pii = false;
		cj = case_to_json(r->reader, r->app, &r->actor, &cf, true, &pii);
		case_full_release(&cf);
		if (pii) { /* engine_create_later's rule broken: show nothing unrecorded */
			json_decref(cj);
			cj = NULL;
		}
	}
	json_object_set_new(r->out, "case", cj ? cj : json_pack("{s:I}", "id", (json_int_t)id));
}

/* The created case's routing, once it is stored: ranking only reads, so it
 * runs here on the HTTP thread's reader instead of holding the writer (a
 * third of a create's time on it). A ranking that fails leaves "routing"
 * empty: the case is registered, and GET …/routing can ask again. */
static void create_routing(struct req *r)
{
	int64_t *later = r->hctx;
	if (*later > 0)
		create_view(r, *later);
	json_t *routing = NULL;
	struct err e = {0};
	if (routing_rank_case(r->reader, r->app, json_object_get(r->out, "case"), &routing, &e) !=
	    0)
		routing = json_array();
	json_object_set_new(r->out, "routing", routing ? routing : json_array());
}

/* POST /api/v1/cases (case.create, or case.raise for the types naming the
 * role in create_roles) */
enum handler_result api_case_create(struct req *r)
{
	if (!actor_has(&r->actor, P_CASE_CREATE) && !actor_has(&r->actor, P_CASE_RAISE))
		return reply_err(r, E_FORBIDDEN, NULL, "没有登记工单的权限");
	if (req_json(r) != 0)
		return reply_failed(r);
	r->hctx = calloc(1, sizeof(int64_t)); /* the case id to read back */
	if (!r->hctx)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->after_commit = create_routing;
	return reply_async(r, create_job);
}

/* POST /api/v1/cases/hints: the body of a create not yet sent; nothing
 * is written (core/engine.h engine_hints). */
enum handler_result api_case_hints(struct req *r)
{
	if (!actor_has(&r->actor, P_CASE_CREATE))
		return reply_err(r, E_FORBIDDEN, NULL, "没有登记工单的权限");
	if (req_json(r) != 0)
		return reply_failed(r);
	json_t *out;
	if (engine_hints(r->reader, r->app, &r->actor, r->in, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	return api_reply_read(r, 0, false, NULL, NULL);
}

struct act_ctx_http {
	int64_t id;
	char action[128];
};

/* An action refused for the case's state that the type records (a
 * reception's letter confirmed twice: core/receptions.h reception_act) is
 * still answered 409, but its record is kept and committed. */
static int act_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct act_ctx_http *h = r->hctx;
	int rc = reception_act(w, &r->actor, h->id, h->action, r->in, &r->out, &r->err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		r->status = err_status(r->err.kind);
		r->out = json_pack("{s:{s:s,s:s}}", "error", "code", err_code(r->err.kind),
		                   "message", err_message(&r->err));
		return r->out ? 0 : -1;
	}
	r->status = 200;
	return 0;
}

/* POST /api/v1/cases/{id}/actions/{action} */
enum handler_result api_case_act(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "工单不存在");
	if (r->body.len == 0) {
		r->in = json_object(); /* an action without fields may omit the body */
	} else if (req_json(r) != 0) {
		return reply_failed(r);
	}
	struct act_ctx_http *h = calloc(1, sizeof *h);
	if (!h)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	h->id = id;
	snprintf(h->action, sizeof h->action, "%s", r->params[1]);
	r->hctx = h;
	return reply_async(r, act_job);
}

/* What a read writes on the audit chain before its answer goes out: a
 * confidential reporter shown to a pii.read holder (pii.view), and every
 * case, history, list or export shown to a reader whose reads are recorded
 * (case.read / case.list / case.export; auth.h actor_reads_recorded). */
struct read_record {
	int64_t case_id; /* 0 for a list or an export */
	bool pii;
	const char *action; /* "case.read", "case.list", "case.export", or NULL */
	char payload[];     /* its canonical JSON */
};

int api_read_record_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct read_record *rr = r->hctx;
	if ((rr->pii && engine_record_pii_view(w, &r->actor, rr->case_id) != 0) ||
	    (rr->action &&
	     engine_record_read(w, &r->actor, rr->case_id, rr->action, rr->payload) != 0)) {
		json_decref(r->out);
		r->out = NULL;
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	}
	return 0;
}

int api_read_record_set(struct req *r, int64_t id, bool pii, const char *action, json_t *payload)
{
	if (!actor_reads_recorded(&r->actor))
		action = NULL;
	char *text = action ? json_canonical(payload) : NULL;
	json_decref(payload);
	if (!pii && !action)
		return 0;
	size_t len = text ? strlen(text) : 0;
	struct read_record *rr = action && !text ? NULL : malloc(sizeof *rr + len + 1);
	if (!rr) {
		free(text);
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	}
	rr->case_id = id;
	rr->pii = pii;
	rr->action = action;
	memcpy(rr->payload, text ? text : "", len + 1);
	free(text);
	free(r->hctx);
	r->hctx = rr;
	return 1;
}

enum handler_result api_reply_read(struct req *r, int64_t id, bool pii, const char *action,
                                   json_t *payload)
{
	int rc = api_read_record_set(r, id, pii, action, payload);
	r->status = 200;
	if (rc == 0)
		return H_DONE;
	if (rc < 0) {
		json_decref(r->out);
		r->out = NULL;
		return reply_failed(r);
	}
	r->idem_key[0] = '\0';
	return reply_async(r, api_read_record_job);
}

/* GET /api/v1/cases/{id}: a confidential reporter shown to a pii.read
 * holder, and any case read by a reader whose reads are recorded, are
 * events before the answer goes out. */
int api_case_load_visible(struct req *r, int64_t *id, struct case_full *cf)
{
	*id = req_param_id(r, 0);
	if (*id < 0 || case_load(r->reader, r->app, *id, cf) != 0)
		return err_set(&r->err, E_NOT_FOUND, NULL, "工单不存在");
	if (!case_visible(&r->actor, cf)) {
		case_full_release(cf);
		return err_set(&r->err, E_NOT_FOUND, NULL, "工单不存在");
	}
	return 0;
}

enum handler_result api_case_get(struct req *r)
{
	int64_t id;
	struct case_full cf;
	if (api_case_load_visible(r, &id, &cf) != 0)
		return reply_failed(r);
	bool pii = false;
	json_t *c = case_to_json(r->reader, r->app, &r->actor, &cf, true, &pii);
	case_full_release(&cf);
	r->out = json_pack("{s:o}", "case", c);
	return api_reply_read(r, id, pii, "case.read", json_pack("{s:s}", "view", "case"));
}

/* GET /api/v1/cases/{id}/events */
enum handler_result api_case_events(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	int64_t limit = 50, cursor = 0;
	json_t *out;
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "工单不存在");
	if (req_query_int(r, "limit", 1, 200, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0)
		return reply_failed(r);
	if (case_events(r->reader, r->app, &r->actor, id, cursor, (int)limit, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	return api_reply_read(r, id, false, "case.read", json_pack("{s:s}", "view", "events"));
}

static int parse_time_param(struct req *r, const char *name, bool end_of_day, int64_t *out)
{
	const char *v = req_query(r, name);
	if (!v || !*v)
		return 0;
	int64_t day;
	if (time_parse_date(v, &day) == 0) {
		*out = time_day_start(day + (end_of_day ? 1 : 0));
		return 0;
	}
	if (time_parse_iso(v, out) == 0)
		return 0;
	return err_set(&r->err, E_FIELD_INVALID, name, "参数 %s 须为日期或 ISO 8601 时间", name);
}

/* The list's filters: every query parameter of GET /api/v1/cases but limit,
 * cursor and with, in the order a recorded read names them (sort too: it
 * decides which rows a page holds). */
static const char *const case_filter_names[] = {
    "type",    "status",   "class",   "channel",   "queue",     "org",  "q",  "mine", "part",
    "overdue", "due_soon", "problem", "placement", "part_kind", "from", "to", "sort"};

/* ?sort=: absent or empty for the default order (newest first), or "due". */
static int parse_sort(struct req *r, enum case_sort *out)
{
	const char *v = req_query(r, "sort");
	*out = CASE_SORT_NEWEST;
	if (!v || !*v)
		return 0;
	if (!strcmp(v, "due")) {
		*out = CASE_SORT_DUE;
		return 0;
	}
	char clip[UTF8_CLIP_BUF];
	return err_set(&r->err, E_FIELD_INVALID, "sort", "不认识的排序 %s（可用：due）",
	               utf8_clip(v, 32, clip, sizeof clip));
}

int api_case_filters(struct req *r, struct case_query *q)
{
	int64_t due_soon = 0, problem = -1;
	if (req_query_int(r, "due_soon", 1, CASE_QUERY_DUE_SOON_MAX, &due_soon) != 0 ||
	    req_query_int(r, "problem", 0, 1, &problem) != 0 ||
	    parse_time_param(r, "from", false, &q->from) != 0 ||
	    parse_time_param(r, "to", true, &q->to) != 0)
		return -1;
	if (parse_sort(r, &q->sort) != 0)
		return -1;
	q->due_soon = (int)due_soon;
	q->problem = problem < 0 ? 0 : problem ? 1 : -1;
	q->type = req_query(r, "type");
	q->status = req_query(r, "status");
	q->class_ = req_query(r, "class");
	q->channel = req_query(r, "channel");
	q->queue = req_query(r, "queue");
	q->part = req_query(r, "part");
	q->q = req_query(r, "q");
	q->placement = req_query(r, "placement");
	q->part_kind = req_query(r, "part_kind");
	const char **given[] = {&q->type,  &q->status, &q->class_,    &q->channel,
	                        &q->queue, &q->part,   &q->placement, &q->part_kind};
	for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
		if (*given[i] && !**given[i])
			*given[i] = NULL; /* an empty filter is no filter */
	if (q->q && (!*q->q || strlen(q->q) > 200)) {
		if (*q->q)
			return err_set(&r->err, E_FIELD_TOO_LONG, "q", "搜索词过长");
		q->q = NULL;
	}
	const char *org = req_query(r, "org");
	if (org && *org) {
		json_t *v;
		char *end;
		long long n = strtoll(org, &end, 10);
		v = *end ? json_string(org) : json_integer(n);
		int rc = org_resolve(r->reader, v, &q->org_id, NULL, 0, NULL, 0);
		json_decref(v);
		if (rc != 0)
			return err_set(&r->err, E_FIELD_INVALID, "org", "不是已知的单位");
	}
	const char *mine = req_query(r, "mine"), *overdue = req_query(r, "overdue");
	q->mine = mine && !strcmp(mine, "1");
	q->overdue = overdue && !strcmp(overdue, "1");
	return 0;
}

json_t *api_case_filters_json(struct req *r)
{
	json_t *query = json_object();
	for (size_t i = 0; i < sizeof case_filter_names / sizeof case_filter_names[0]; i++) {
		const char *v = req_query(r, case_filter_names[i]);
		if (v && *v)
			json_object_set_new(query, case_filter_names[i], json_string(v));
	}
	return query;
}

/* ?with=: what list items carry beyond the list's view, a comma list of
 * "actions" (what the caller may do now, as the detail says). */
static int parse_with(struct req *r, struct case_query *q)
{
	const char *v = req_query(r, "with");
	if (!v || !*v)
		return 0;
	for (const char *p = v;;) {
		size_t n = strcspn(p, ",");
		if (n != 7 || memcmp(p, "actions", 7) != 0)
			return err_set(&r->err, E_FIELD_INVALID, "with",
			               "参数 with 只能是 actions");
		q->with_actions = true;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* GET /api/v1/cases?type=&status=a,b&class=a,b&channel=a,b&org=&mine=1&part=a,b&overdue=1
 *   &queue=dispatch&due_soon=H&problem=1&placement=outside&part_kind=assist&q=&from=&to=&sort=due
 *   &with=actions
 *   &limit=&cursor= */
enum handler_result api_case_list(struct req *r)
{
	struct case_query q = {0};
	int64_t limit = 50;
	if (req_query_int(r, "limit", 1, 200, &limit) != 0 || api_case_filters(r, &q) != 0 ||
	    parse_with(r, &q) != 0 || case_cursor_parse(req_query(r, "cursor"), &q, &r->err) != 0)
		return reply_failed(r);
	q.limit = (int)limit;
	json_t *out;
	if (case_list(r->reader, r->app, &r->actor, &q, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	if (!actor_reads_recorded(&r->actor))
		return api_reply_read(r, 0, false, NULL, NULL);
	/* a recorded reader's list: which cases it was shown, and the filters */
	json_t *ids = json_array(), *query = api_case_filters_json(r);
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(out, "items"), i, item)
	    json_array_append(ids, json_object_get(item, "id"));
	const char *cur = req_query(r, "cursor"), *with = req_query(r, "with");
	if (cur && *cur)
		json_object_set_new(query, "cursor", json_string(cur));
	if (with && *with)
		json_object_set_new(query, "with", json_string(with));
	return api_reply_read(r, 0, false, "case.list",
	                      json_pack("{s:o,s:o}", "cases", ids, "query", query));
}
