/* Inspection plans and the generation of due inspections (inspections.h). */
#include "core/inspections.h"
#include "core/app.h"
#include "core/directory.h"
#include "core/engine.h"
#include "core/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

int inspection_period_of(const char *kind, int64_t day, struct inspection_period *p)
{
	int y, m, d;
	time_ymd_from_day(day, &y, &m, &d);
	int first_m, months;
	if (kind && !strcmp(kind, "month")) {
		first_m = m;
		months = 1;
		snprintf(p->code, sizeof p->code, "%04d-%02d", y, m);
	} else if (kind && !strcmp(kind, "quarter")) {
		first_m = (m - 1) / 3 * 3 + 1;
		months = 3;
		snprintf(p->code, sizeof p->code, "%04d-Q%d", y, (m - 1) / 3 + 1);
	} else if (kind && !strcmp(kind, "year")) {
		first_m = 1;
		months = 12;
		snprintf(p->code, sizeof p->code, "%04d", y);
	} else {
		return -1;
	}
	int next_m = first_m + months, next_y = y;
	if (next_m > 12) {
		next_m -= 12;
		next_y++;
	}
	p->first_day = time_day_from_ymd(y, first_m, 1);
	p->last_day = time_day_from_ymd(next_y, next_m, 1) - 1;
	p->due_at = time_day_start(p->last_day + 1);
	time_format_date(p->last_day, p->due_date, sizeof p->due_date);
	return 0;
}

/* How the periods read in a title: 2026年12月, 2026年第4季度, 2026年度. */
static void period_label(const struct inspection_period *p, char *buf, size_t cap)
{
	int y, m, d;
	time_ymd_from_day(p->first_day, &y, &m, &d);
	if (strchr(p->code, 'Q'))
		snprintf(buf, cap, "%d年第%d季度", y, (m - 1) / 3 + 1);
	else if (strlen(p->code) == 7)
		snprintf(buf, cap, "%d年%d月", y, m);
	else
		snprintf(buf, cap, "%d年度", y);
}

/* ------------------------------------------------------------------ */
/* one enterprise's plan                                               */

/* An enterprise as ST_INSPECTION_PLANS reads it. */
struct plan_row {
	int64_t org_id, io_id, version;
	char code[64], name[256], path[256], industry[64], risk[8], township[256];
	char frequency[32]; /* "" = by risk level */
	char io_code[64], io_name[256];
	bool has_point;
	double lat, lng;
	char address[1024];
};

static void row_read(struct store_stmt *s, struct plan_row *r)
{
	memset(r, 0, sizeof *r);
	r->org_id = scol_int(s, 0);
	snprintf(r->code, sizeof r->code, "%s", scol_text(s, 1));
	snprintf(r->name, sizeof r->name, "%s", scol_text(s, 2));
	snprintf(r->path, sizeof r->path, "%s", scol_text(s, 3));
	snprintf(r->industry, sizeof r->industry, "%s", scol_text(s, 4));
	snprintf(r->risk, sizeof r->risk, "%s", scol_text(s, 5));
	if (!scol_null(s, 6))
		snprintf(r->township, sizeof r->township, "%s", scol_text(s, 6));
	if (!scol_null(s, 7))
		snprintf(r->frequency, sizeof r->frequency, "%s", scol_text(s, 7));
	if (!scol_null(s, 8)) {
		r->io_id = scol_int(s, 8);
		snprintf(r->io_code, sizeof r->io_code, "%s", scol_text(s, 9));
		snprintf(r->io_name, sizeof r->io_name, "%s", scol_text(s, 10));
	}
	r->version = scol_int(s, 11);
	r->has_point = !scol_null(s, 12) && !scol_null(s, 13);
	r->lat = r->has_point ? scol_real(s, 12) : 0;
	r->lng = r->has_point ? scol_real(s, 13) : 0;
	if (!scol_null(s, 14))
		snprintf(r->address, sizeof r->address, "%s", scol_text(s, 14));
}

/* The class the enterprise is inspected by: its plan's, else its risk
 * level's; NULL when neither names one. */
static const char *row_class(const struct matter_type *t, const struct plan_row *r)
{
	if (r->frequency[0] && type_class(t, r->frequency))
		return type_class(t, r->frequency)->code;
	return json_string_value(json_object_get(t->data.inspection.by_risk, r->risk));
}

static const char *class_period(const struct matter_type *t, const char *cls)
{
	return json_string_value(json_object_get(t->data.inspection.periods, cls));
}

/* The enterprise's latest generated inspection, or none (latest->case_id 0). */
struct latest {
	int64_t case_id, due_at;
	char period[32], no[32], status[32];
	bool missed;
};

static int latest_read(struct store_conn *c, const struct matter_type *t, int64_t org_id,
                       struct latest *l)
{
	memset(l, 0, sizeof *l);
	struct store_stmt *s = store_stmt(c, ST_INSPECTION_LATEST);
	sbind_int(s, 1, org_id);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		snprintf(l->period, sizeof l->period, "%s", scol_text(s, 0));
		l->case_id = scol_int(s, 1);
		l->due_at = scol_int(s, 2);
		snprintf(l->no, sizeof l->no, "%s", scol_text(s, 3));
		snprintf(l->status, sizeof l->status, "%s", scol_text(s, 4));
		json_t *f = json_loads(scol_text(s, 5), 0, NULL);
		l->missed =
		    json_integer_value(json_object_get(f, t->data.inspection.missed_field)) > 0;
		json_decref(f);
	}
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

static json_t *org_ref(int64_t id, const char *code, const char *name)
{
	return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "code", code, "name", name);
}

/* The inspecting org of a row: its plan's, else the type's (by code). */
static json_t *row_inspecting_org(struct store_conn *c, const struct matter_type *t,
                                  const struct plan_row *r)
{
	if (r->io_id)
		return org_ref(r->io_id, r->io_code, r->io_name);
	struct store_stmt *s = store_stmt(c, ST_ORG_BY_CODE);
	sbind_text(s, 1, t->data.inspection.inspecting_org);
	json_t *o = json_null();
	if (sstep(s) == STORE_ROW)
		o = org_ref(scol_int(s, 0), scol_text(s, 1), scol_text(s, 2));
	sreset(s);
	return o;
}

/* The plan as listed; -1 when the store failed. */
static json_t *plan_json(struct store_conn *c, const struct matter_type *t,
                         const struct plan_row *r, int64_t now)
{
	const char *cls = row_class(t, r);
	const struct type_class *k = type_class(t, cls);
	struct latest l;
	if (latest_read(c, t, r->org_id, &l) != 0)
		return NULL;
	json_t *o = json_pack(
	    "{s:o,s:s,s:s,s:s?,s:s?,s:s?,s:b,s:o,s:I}", "org", org_ref(r->org_id, r->code, r->name),
	    "industry", r->industry, "risk_level", r->risk, "township",
	    r->township[0] ? r->township : NULL, "frequency", cls, "frequency_name",
	    k ? k->name : NULL, "by_default", !r->frequency[0], "inspecting_org",
	    row_inspecting_org(c, t, r), "version", (json_int_t)r->version);
	if (!o)
		return NULL;
	if (l.case_id) {
		const struct type_state *st = type_state(t, l.status);
		char due[ISO8601_MAX];
		time_format_iso(l.due_at, due, sizeof due);
		json_object_set_new(o, "latest",
		                    json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:b,s:b}", "period",
		                              l.period, "case", (json_int_t)l.case_id, "no", l.no,
		                              "status", l.status, "status_name",
		                              st ? st->name : l.status, "due_at", due, "missed",
		                              l.missed, "final", st && st->final));
	} else {
		json_object_set_new(o, "latest", json_null());
	}
	/* the next period generation makes: the one after a running one, else
	 * today's */
	struct inspection_period p;
	int64_t day = l.case_id && l.due_at > now ? time_day_of(l.due_at) : time_day_of(now);
	if (class_period(t, cls) && inspection_period_of(class_period(t, cls), day, &p) == 0)
		json_object_set_new(
		    o, "next_period",
		    json_pack("{s:s,s:s}", "period", p.code, "due_date", p.due_date));
	else
		json_object_set_new(o, "next_period", json_null());
	return o;
}

/* Reads up to q->limit rows (+1 to tell whether more follow) into rows[]. */
static int rows_read(struct store_conn *c, const struct inspection_plan_query *q,
                     struct plan_row *rows, int *n)
{
	struct store_stmt *s = store_stmt(c, ST_INSPECTION_PLANS);
	sbind_text(s, 1, q->scope_path);
	if (q->org_id)
		sbind_int(s, 2, q->org_id);
	if (q->cursor)
		sbind_int(s, 3, q->cursor);
	sbind_text(s, 4, q->industry);
	sbind_text(s, 5, q->risk);
	sbind_int(s, 6, q->limit + 1);
	int rc;
	*n = 0;
	while ((rc = sstep(s)) == STORE_ROW && *n < q->limit + 1)
		row_read(s, &rows[(*n)++]);
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

int inspection_plans_list(struct store_conn *c, const struct app *app,
                          const struct inspection_plan_query *q, int64_t now, json_t **out,
                          struct err *e)
{
	const struct matter_type *t = types_inspection(app->types);
	if (!t)
		return err_set(e, E_NOT_FOUND, NULL, "没有滚动排查事项类型");
	struct plan_row *rows = calloc((size_t)q->limit + 1, sizeof *rows);
	int n = 0;
	if (!rows || rows_read(c, q, rows, &n) != 0) {
		free(rows);
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	bool more = n > q->limit;
	if (more)
		n = q->limit;
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++) {
		json_t *p = plan_json(c, t, &rows[i], now);
		if (!p) {
			json_decref(items);
			items = NULL;
			break;
		}
		json_array_append_new(items, p);
	}
	int64_t last = n ? rows[n - 1].org_id : 0;
	free(rows);
	if (!items)
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	*out = json_page(items, last, more);
	return *out ? 0 : err_oom(e);
}

/* ------------------------------------------------------------------ */
/* setting a plan                                                      */

/* The body's inspecting org: a department or township (0: the type's). */
static int plan_inspecting_org(struct wctx *w, json_t *v, int64_t *id, struct err *e)
{
	*id = 0;
	if (!v || json_is_null(v))
		return 0;
	if (org_resolve(w->conn, v, id, NULL, 0, NULL, 0) != 0)
		return err_set(e, E_FIELD_INVALID, "inspecting_org", "检查单位不是已知的单位");
	struct store_stmt *s = store_stmt(w->conn, ST_ORG_BY_ID);
	sbind_int(s, 1, *id);
	bool ok = sstep(s) == STORE_ROW &&
	          (!strcmp(scol_text(s, 3), "department") || !strcmp(scol_text(s, 3), "township"));
	sreset(s);
	return ok ? 0
	          : err_set(e, E_FIELD_INVALID, "inspecting_org", "检查单位须为部门或乡镇（街道）");
}

static int plan_event(struct wctx *w, const struct actor *a, int64_t org_id, json_t *plan)
{
	json_t *p = json_pack("{s:O,s:O,s:O}", "org", json_object_get(plan, "org"), "frequency",
	                      json_object_get(plan, "frequency"), "inspecting_org",
	                      json_object_get(plan, "inspecting_org"));
	char *text = p ? json_canonical(p) : NULL;
	json_decref(p);
	if (!text)
		return -1;
	struct event_rec ev = {.at = w->now,
	                       .actor_id = a->user_id,
	                       .org_id = org_id,
	                       .action = "inspection_plan.set",
	                       .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	return rc;
}

/* The one row of enterprise org_id the actor may manage, into *r: 404
 * when none (not an enterprise, or out of scope). */
static int plan_row_load(struct wctx *w, const struct actor *a, int64_t org_id, struct plan_row *r,
                         struct err *e)
{
	struct inspection_plan_query q = {.scope_path = "/", .org_id = org_id, .limit = 1};
	struct plan_row rows[2];
	int n = 0;
	if (rows_read(w->conn, &q, rows, &n) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (n == 0 || !actor_can(a, P_ENTERPRISE_MANAGE, rows[0].path))
		return err_set(e, E_NOT_FOUND, NULL, "企业不存在");
	*r = rows[0];
	return 0;
}

int inspection_plan_set(struct wctx *w, const struct actor *a, int64_t org_id, json_t *body,
                        json_t **out, struct err *e)
{
	static const char *const keys[] = {"frequency", "inspecting_org", "version"};
	const struct matter_type *t = types_inspection(w->app->types);
	struct plan_row r;
	if (!t)
		return err_set(e, E_NOT_FOUND, NULL, "没有滚动排查事项类型");
	if (plan_row_load(w, a, org_id, &r, e) != 0)
		return -1;
	if (!json_is_object(body))
		return err_set(e, E_BAD_REQUEST, NULL, "请求体必须是 JSON 对象");
	const char *bad = json_unknown_key(body, keys, 3);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, bad, "不认识的字段 %s", bad);
	json_t *freq = json_object_get(body, "frequency"), *ver = json_object_get(body, "version");
	if (freq && !json_is_null(freq) && !type_class(t, json_string_value(freq)))
		return err_set(
		    e, E_FIELD_INVALID, "frequency",
		    "frequency 须为 monthly、quarterly、yearly 之一，或 null（按风险等级）");
	int64_t io = r.io_id;
	json_t *jio = json_object_get(body, "inspecting_org");
	if (jio && plan_inspecting_org(w, jio, &io, e) != 0)
		return -1;
	if (ver && !json_is_integer(ver))
		return err_set(e, E_FIELD_INVALID, "version", "version 必须是整数");
	if (ver && json_integer_value(ver) != r.version)
		return err_set(e, E_VERSION_CONFLICT, "version",
		               "计划已更新到版本 %lld，请刷新后重试", (long long)r.version);
	const char *f = freq ? json_string_value(freq) : r.frequency[0] ? r.frequency : NULL;
	struct store_stmt *s = store_stmt(w->conn, ST_INSPECTION_PLAN_SET);
	sbind_int(s, 1, org_id);
	sbind_text(s, 2, f);
	sbind_opt_int(s, 3, io);
	sbind_opt_int(s, 4, a->user_id);
	sbind_int(s, 5, w->now);
	if (sdone(s) != STORE_DONE || plan_row_load(w, a, org_id, &r, e) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, "数据库写入失败，请稍后重试");
	*out = plan_json(w->conn, t, &r, w->now);
	if (!*out || plan_event(w, a, org_id, *out) != 0) {
		json_decref(*out);
		*out = NULL;
		return err_set(e, E_UNAVAILABLE, NULL, "数据库写入失败，请稍后重试");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* generating due inspections                                          */

/* The system's actor registering t's cases for the enterprise at r: the
 * type's first create_roles role over the enterprise's own org. */
static void system_actor(const struct matter_type *t, const struct plan_row *r, struct actor *a)
{
	memset(a, 0, sizeof *a);
	struct role_grant *g = &a->roles[0];
	const char *role =
	    json_string_value(json_array_get(json_object_get(t->json, "create_roles"), 0));
	snprintf(g->role, sizeof g->role, "%s", role ? role : "");
	g->scope_org = r->org_id;
	snprintf(g->scope_path, sizeof g->scope_path, "%s", r->path);
	snprintf(g->scope_code, sizeof g->scope_code, "%s", r->code);
	snprintf(a->name, sizeof a->name, "滚动排查计划");
	a->nroles = 1;
}

/* The new case's body for enterprise r in period p of class cls. */
static json_t *due_body(const struct matter_type *t, const struct plan_row *r, const char *cls,
                        const struct inspection_period *p)
{
	const struct type_inspection *I = &t->data.inspection;
	const struct type_class *k = type_class(t, cls);
	char label[64], title[512], desc[1024];
	period_label(p, label, sizeof label);
	snprintf(title, sizeof title, "%s %s滚动排查", r->name, label);
	snprintf(
	    desc, sizeof desc,
	    "按滚动排查计划对%s（%s，风险等级%s）开展%s（%s），须在 %s 前完成检查并记录检查表。",
	    r->name, r->industry, r->risk, k ? k->name : "排查", label, p->due_date);
	json_t *fields = json_pack("{s:s,s:s,s:s,s:s}", I->period_field, p->code, I->due_field,
	                           p->due_date, "industry", r->industry, "risk_level", r->risk);
	json_t *body =
	    json_pack("{s:s,s:s,s:I,s:s,s:s,s:o}", "type", t->code, "class", cls, "org",
	              (json_int_t)r->org_id, "title", title, "description", desc, "fields", fields);
	json_t *loc = NULL;
	if (r->has_point)
		loc = json_pack("{s:f,s:f}", "lat", r->lat, "lng", r->lng);
	if (r->address[0]) {
		if (!loc)
			loc = json_object();
		json_object_set_new(loc, "address", json_string(r->address));
	}
	if (body && loc)
		json_object_set_new(body, "location", loc);
	else
		json_decref(loc);
	return body;
}

/* One enterprise: 1 when an inspection was made, 0 when it has one, -1. */
static int generate_one(struct wctx *w, const struct matter_type *t, const struct plan_row *r,
                        json_t *made, struct err *e)
{
	const char *cls = row_class(t, r);
	struct inspection_period p;
	if (!cls || inspection_period_of(class_period(t, cls), time_day_of(w->now), &p) != 0)
		return 0; /* no frequency for its risk level: nothing planned */
	struct store_stmt *s = store_stmt(w->conn, ST_INSPECTION_PERIOD_GET);
	sbind_int(s, 1, r->org_id);
	sbind_text(s, 2, p.code);
	int rc = sstep(s);
	sreset(s);
	struct latest l;
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (rc == STORE_ROW)
		return 0;
	if (latest_read(w->conn, t, r->org_id, &l) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (l.case_id && l.due_at > w->now)
		return 0; /* a period of another frequency still runs */
	struct actor sys;
	system_actor(t, r, &sys);
	json_t *body = due_body(t, r, cls, &p);
	json_t *io = body ? row_inspecting_org(w->conn, t, r) : NULL;
	json_t *sched =
	    json_is_object(io) ? json_pack("{s:O}", "org", json_object_get(io, "code")) : NULL;
	int64_t id = 0;
	rc = -1;
	if (!sched)
		err_set(e, E_UNAVAILABLE, NULL, "检查单位 %s 不存在",
		        t->data.inspection.inspecting_org);
	else if (engine_create_plain(w, &sys, body, NULL, &id, e) == 0 &&
	         engine_act_auto(w, id, 0, t->data.inspection.schedule_action, sched, e) == 0)
		rc = 0;
	json_decref(body);
	json_decref(io);
	json_decref(sched);
	if (rc != 0)
		return -1;
	s = store_stmt(w->conn, ST_INSPECTION_PERIOD_INSERT);
	sbind_int(s, 1, r->org_id);
	sbind_text(s, 2, p.code);
	sbind_int(s, 3, id);
	sbind_int(s, 4, p.due_at);
	sbind_int(s, 5, w->now);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (made)
		json_array_append_new(made, json_pack("{s:I,s:s,s:s}", "case", (json_int_t)id,
		                                      "org", r->code, "period", p.code));
	return 1;
}

int inspection_generate(struct wctx *w, const char *scope_path, int64_t org_id, json_t *made,
                        struct err *e)
{
	const struct matter_type *t = types_inspection(w->app->types);
	if (!t)
		return err_set(e, E_NOT_FOUND, NULL, "没有滚动排查事项类型");
	struct inspection_plan_query q = {
	    .scope_path = scope_path, .org_id = org_id, .limit = INSPECTION_PLANS_MAX};
	struct plan_row *rows = calloc(INSPECTION_PLANS_MAX + 1, sizeof *rows);
	if (!rows)
		return err_oom(e);
	int rc = 0;
	for (;;) { /* a page at a time: the rows are read before any write */
		int n = 0;
		if (rows_read(w->conn, &q, rows, &n) != 0) {
			rc = err_set(e, E_UNAVAILABLE, NULL, NULL);
			break;
		}
		int page = n > q.limit ? q.limit : n;
		for (int i = 0; rc == 0 && i < page; i++)
			if (generate_one(w, t, &rows[i], made, e) < 0)
				rc = -1;
		if (rc != 0 || n <= q.limit)
			break;
		q.cursor = rows[page - 1].org_id;
	}
	free(rows);
	return rc;
}

/* The daily run continues a rolling schedule the regulator started (its
 * first generation, or the demo's): a county that never generated any gets
 * none by itself. */
static int daily_job(struct wctx *w, struct write_job *job)
{
	struct err *e = job->arg;
	struct store_stmt *s = store_stmt(w->conn, ST_INSPECTION_STARTED);
	int rc = sstep(s);
	sreset(s);
	if (rc == STORE_DONE)
		return 0;
	if (rc != STORE_ROW)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	return inspection_generate(w, "/", 0, NULL, e);
}

int inspection_generate_daily(struct app *app, int64_t now)
{
	static int64_t last_day = -1; /* the scheduler's thread alone calls this */
	int64_t day = time_day_of(now);
	if (day == last_day || !types_inspection(app->types))
		return 0;
	/* once a day even when it fails (an inspecting org that is gone):
	 * never a failing write job every tick; the route still generates */
	last_day = day;
	struct err e = {0};
	if (writer_run(app->writer, daily_job, &e) != 0) {
		fprintf(stderr, "civicloop: 滚动排查计划生成失败：%s\n", err_message(&e));
		return -1;
	}
	return 0;
}
