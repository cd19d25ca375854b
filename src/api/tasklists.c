/*
 * Published task lists (为民办实事项目, 检视问题整改清单; docs/task.md):
 *
 *   GET  /api/v1/task-lists                 the lists, newest first, with figures
 *   POST /api/v1/task-lists                 publish one {title, year, org?}
 *   GET  /api/v1/task-lists/{id}            one list: figures by leader level, items
 *   POST /api/v1/task-lists/{id}/items      put a task on it (a case of the task type)
 *   GET  /api/v1/public/task-lists          the lists, for anyone (no sign-in)
 *   GET  /api/v1/public/task-lists/{id}     one list's public page
 *
 * Publishing and adding items take task.manage over the list's org (the
 * office's unit lead, the administrator); anyone who reads cases reads the
 * lists, which are public anyway. An item is registered through the engine
 * like any case (core/intake.c; the type's "create_permission" lets
 * task.manage holders register it) with the list's org as its owner and
 * the list in its list field.
 *
 * The public answers hold what a published list prints: each item's
 * number, title, state, units and the type's public_fields (target, the
 * leader's level, progress), its steps' names and dates; never the
 * leader's name, an account, an event or a comment. They are bounded
 * (200 items a page) and limited per client address (PUBLIC_RATE requests
 * a minute, then 429; api/addr_limit.h).
 */
#include "api/addr_limit.h"
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"
#include "core/engine.h"
#include "core/tasklists.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"
#include "util/json.h"

#define LIST_TITLE_MAX 100
#define ITEMS_DEFAULT 50
#define ITEMS_MAX 200
#define LISTS_MAX 100
#define PUBLIC_RATE 120

/* requests per client address on the public pages (api/addr_limit.h):
 * every request counts, found or not */
static struct addr_limit public_rate = ADDR_LIMIT_INIT(PUBLIC_RATE, MS_PER_MINUTE);

static bool public_allowed(const char *addr)
{
	int64_t now = time_real_ms();
	if (!addr_limit_allowed(&public_rate, addr, now))
		return false;
	addr_limit_count(&public_rate, addr, now);
	return true;
}

/* ------------------------------------------------------------------ */
/* reading                                                             */

/* The task type, or NULL (then every list route is 404). */
static const struct matter_type *task_type(struct req *r)
{
	return types_task_list(r->app->types);
}

static bool listed(json_t *states, const char *status)
{
	size_t i;
	json_t *v;
	json_array_foreach(states, i, v) if (!strcmp(json_string_value(v), status)) return true;
	return false;
}

/* One item as the list shows it; with_id adds the case id (signed-in
 * readers open the case from it). */
static json_t *item_json(struct store_stmt *s, const struct matter_type *t, bool with_id)
{
	const struct type_task_list *T = &t->data.task_list;
	const struct type_state *st = type_state(t, scol_text(s, 3));
	json_t *fields = json_loads(scol_text(s, 4), 0, NULL);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s?}", "no", scol_text(s, 1), "title",
	                      scol_text(s, 2), "status", scol_text(s, 3), "status_name",
	                      st ? st->name : scol_text(s, 3), "unit",
	                      scol_null(s, 5) ? NULL : scol_text(s, 5), "assist_units",
	                      scol_null(s, 6) ? NULL : scol_text(s, 6));
	if (with_id)
		json_object_set_new(o, "id", json_integer(scol_int(s, 0)));
	const char *group = listed(T->done_states, scol_text(s, 3))     ? "done"
	                    : listed(T->partly_states, scol_text(s, 3)) ? "partly"
	                                                                : "doing";
	json_object_set_new(o, "group", json_string(group));
	json_t *pub = json_object();
	size_t i;
	json_t *name;
	json_array_foreach(T->public_fields, i, name)
	{
		json_t *v = json_object_get(fields, json_string_value(name));
		if (v)
			json_object_set(pub, json_string_value(name), v);
	}
	json_object_set_new(o, "fields", pub);
	json_t *steps = json_array(), *m;
	json_array_foreach(json_object_get(fields, T->milestones_field), i, m)
	{
		json_t *done = json_object_get(m, "done_at");
		json_array_append_new(steps,
		                      json_pack("{s:O,s:O,s:O}", "name", json_object_get(m, "name"),
		                                "due", json_object_get(m, "due"), "done_at",
		                                done ? done : json_null()));
	}
	json_object_set_new(o, "milestones", steps);
	json_object_set_new(
	    o, "overdue_milestones",
	    json_integer(json_integer_value(json_object_get(fields, T->overdue_field))));
	json_decref(fields);
	return o;
}

/* The items filter of a list page: ?status=done|partly|doing, ?level=,
 * ?overdue=1, ?cursor=, ?limit=. */
struct item_filter {
	const char *group, *level;
	int64_t overdue, cursor, limit;
};

static int filter_read(struct req *r, struct item_filter *f)
{
	memset(f, 0, sizeof *f);
	f->limit = ITEMS_DEFAULT;
	f->group = req_query(r, "status");
	f->level = req_query(r, "level");
	if (f->group && strcmp(f->group, "done") && strcmp(f->group, "partly") &&
	    strcmp(f->group, "doing"))
		return err_set(&r->err, E_FIELD_INVALID, "status",
		               "status 只能是 done、partly 或 doing");
	if (f->level && (strlen(f->level) > 64 || !utf8_valid(f->level, strlen(f->level)) ||
	                 text_has_control(f->level, false)))
		return err_set(&r->err, E_FIELD_INVALID, "level", "level 须为领办领导的层级");
	return req_query_int(r, "overdue", 0, 1, &f->overdue) != 0 ||
	               req_query_int(r, "cursor", 1, INT64_MAX / 2, &f->cursor) != 0 ||
	               req_query_int(r, "limit", 1, ITEMS_MAX, &f->limit) != 0
	           ? -1
	           : 0;
}

/* o["items"], o["next_cursor"]: list id's items as f picks them. */
static int items_page(struct req *r, const struct task_binds *b, int64_t id,
                      const struct item_filter *f, bool with_id, json_t *o)
{
	struct store_stmt *s = store_stmt(r->reader, ST_TASK_ITEMS);
	sbind_text(s, 1, b->t->code);
	sbind_text(s, 2, b->list_path);
	sbind_int(s, 3, id);
	if (f->group && !strcmp(f->group, "done"))
		sbind_text(s, 4, b->done);
	else if (f->group && !strcmp(f->group, "partly"))
		sbind_text(s, 4, b->partly);
	else if (f->group)
		sbind_text(s, 11, b->done_or_partly);
	sbind_text(s, 5, f->level);
	sbind_text(s, 6, b->level_path);
	if (f->overdue)
		sbind_int(s, 7, 1);
	sbind_text(s, 8, b->overdue_path);
	if (f->cursor)
		sbind_int(s, 9, f->cursor);
	sbind_int(s, 10, f->limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < f->limit) {
		json_array_append_new(items, item_json(s, b->t, with_id));
		last = scol_int(s, 0);
		n++;
	}
	sreset(s);
	json_object_set_new(o, "items", items);
	char cur[32];
	snprintf(cur, sizeof cur, "%lld", (long long)last);
	json_object_set_new(o, "next_cursor", rc == STORE_ROW ? json_string(cur) : json_null());
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

/* The list row id into *out with its org's path in path[]; 404 when none. */
static int list_load(struct req *r, int64_t id, json_t **out, char *path, size_t cap)
{
	struct store_stmt *s = store_stmt(r->reader, ST_TASK_LIST_GET);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		*out = task_list_json(s);
		if (path)
			snprintf(path, cap, "%s", scol_text(s, 6));
	}
	sreset(s);
	if (rc == STORE_ROW)
		return 0;
	return err_set(&r->err, rc == STORE_DONE ? E_NOT_FOUND : E_UNAVAILABLE, NULL,
	               rc == STORE_DONE ? "清单不存在" : "查询失败，请稍后重试");
}

/* GET one list, public or signed in. */
static enum handler_result list_page(struct req *r, bool with_id)
{
	const struct matter_type *t = task_type(r);
	int64_t id = req_param_id(r, 0);
	if (!t || id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "清单不存在");
	struct item_filter f;
	if (filter_read(r, &f) != 0)
		return reply_failed(r);
	json_t *o = NULL;
	if (list_load(r, id, &o, NULL, 0) != 0)
		return reply_failed(r);
	struct task_binds b;
	if (task_binds_init(&b, t) != 0) {
		json_decref(o);
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	}
	int rc = task_list_figures(r->reader, &b, id, o) == 0 &&
	                 items_page(r, &b, id, &f, with_id, o) == 0
	             ? 0
	             : -1;
	task_binds_release(&b);
	if (rc != 0) {
		json_decref(o);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, o);
}

/* GET the lists, newest first, each with its figures. */
static enum handler_result lists_page(struct req *r)
{
	const struct matter_type *t = task_type(r);
	int64_t limit = 20, cursor = 0;
	if (req_query_int(r, "limit", 1, LISTS_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0)
		return reply_failed(r);
	if (!t)
		return reply_json(r, 200, json_pack("{s:[],s:n}", "items", "next_cursor"));
	struct task_binds b;
	if (task_binds_init(&b, t) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	struct store_stmt *s = store_stmt(r->reader, ST_TASK_LIST_PAGE);
	if (cursor)
		sbind_int(s, 1, cursor);
	sbind_int(s, 2, limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		json_array_append_new(items, task_list_json(s));
		last = scol_int(s, 0);
		n++;
	}
	sreset(s);
	bool more = rc == STORE_ROW, ok = rc == STORE_ROW || rc == STORE_DONE;
	size_t i;
	json_t *l;
	json_array_foreach(items, i, l)
	{
		if (ok && task_list_figures(r->reader, &b,
		                            json_integer_value(json_object_get(l, "id")), l) != 0)
			ok = false;
	}
	task_binds_release(&b);
	if (!ok) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_page(items, last, more));
}

enum handler_result api_task_lists(struct req *r)
{
	return lists_page(r);
}

enum handler_result api_task_list_get(struct req *r)
{
	return list_page(r, true);
}

enum handler_result api_public_task_lists(struct req *r)
{
	if (!public_allowed(r->address))
		return reply_err(r, E_THROTTLED, NULL, "查询过于频繁，请稍后再试");
	return lists_page(r);
}

enum handler_result api_public_task_list(struct req *r)
{
	if (!public_allowed(r->address))
		return reply_err(r, E_THROTTLED, NULL, "查询过于频繁，请稍后再试");
	return list_page(r, false);
}

/* ------------------------------------------------------------------ */
/* publishing                                                          */

static int list_create_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	json_t *in = r->in;
	static const char *const keys[] = {"title", "year", "org"};
	const char *bad = json_unknown_key(in, keys, 3);
	if (bad)
		return err_set(&r->err, E_FIELD_UNKNOWN, bad, "不认识的字段 %s", bad);
	json_t *title = json_object_get(in, "title"), *year = json_object_get(in, "year");
	if (!title)
		return err_set(&r->err, E_FIELD_REQUIRED, "title", "缺少清单名称 title");
	if (text_fault(title, LIST_TITLE_MAX, TEXT_NONEMPTY) != TEXT_OK)
		return err_set(&r->err, E_FIELD_INVALID, "title",
		               "清单名称须为 1–" TEXT_STR(LIST_TITLE_MAX) " 字的单行文本");
	if (!year)
		return err_set(&r->err, E_FIELD_REQUIRED, "year", "缺少年度 year");
	if (!json_is_integer(year) || json_integer_value(year) < 2000 ||
	    json_integer_value(year) > 2100)
		return err_set(&r->err, E_FIELD_INVALID, "year", "年度须为 2000–2100 的整数");
	int64_t org = r->actor.org_id;
	char path[ORG_PATH_MAX];
	snprintf(path, sizeof path, "%s", r->actor.org_path);
	json_t *jorg = json_object_get(in, "org");
	if (jorg && org_resolve(w->conn, jorg, &org, path, sizeof path, NULL, 0) != 0)
		return err_set(&r->err, E_FIELD_INVALID, "org", "不是已知的单位");
	if (!actor_can(&r->actor, P_TASK_MANAGE, path))
		return err_set(&r->err, E_FORBIDDEN, "org", "不能以该单位名义发布清单");
	struct store_stmt *s = store_stmt(w->conn, ST_TASK_LIST_INSERT);
	sbind_text(s, 1, json_string_value(title));
	sbind_int(s, 2, json_integer_value(year));
	sbind_int(s, 3, org);
	sbind_opt_int(s, 4, r->actor.user_id);
	sbind_int(s, 5, w->now);
	if (sdone(s) != STORE_DONE)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	int64_t id = store_last_id(w->conn);
	s = store_stmt(w->conn, ST_TASK_LIST_GET);
	sbind_int(s, 1, id);
	if (sstep(s) == STORE_ROW)
		r->out = task_list_json(s);
	sreset(s);
	if (!r->out)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	r->status = 201;
	return 0;
}

enum handler_result api_task_list_create(struct req *r)
{
	if (!task_type(r))
		return reply_err(r, E_NOT_FOUND, NULL, "没有清单事项类型");
	if (req_json(r) != 0)
		return reply_failed(r);
	return reply_async(r, list_create_job);
}

/* An item: the body's case fields with the list's type, org and id. */
static int item_create_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	int64_t id = *(int64_t *)r->hctx;
	const struct matter_type *t = types_task_list(w->app->types);
	struct store_stmt *s = store_stmt(w->conn, ST_TASK_LIST_GET);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	char path[ORG_PATH_MAX], code[64];
	if (rc == STORE_ROW) {
		snprintf(path, sizeof path, "%s", scol_text(s, 6));
		snprintf(code, sizeof code, "%s", scol_text(s, 4));
	}
	sreset(s);
	if (rc != STORE_ROW)
		return err_set(&r->err, rc == STORE_DONE ? E_NOT_FOUND : E_UNAVAILABLE, NULL,
		               rc == STORE_DONE ? "清单不存在" : NULL);
	if (!actor_can(&r->actor, P_TASK_MANAGE, path))
		return err_set(&r->err, E_FORBIDDEN, NULL, "只有发布清单的单位能在清单上添加任务");
	json_t *body = json_deep_copy(r->in);
	json_t *fields = json_object_get(body, "fields");
	if (!fields) {
		fields = json_object();
		json_object_set_new(body, "fields", fields);
	}
	if (!json_is_object(fields)) {
		json_decref(body);
		return err_set(&r->err, E_FIELD_INVALID, "fields", "fields 必须是对象");
	}
	json_object_set_new(fields, t->data.task_list.list_field, json_integer(id));
	json_object_set_new(body, "type", json_string(t->code));
	json_object_set_new(body, "org", json_string(code));
	rc = engine_create(w, &r->actor, body, &r->out, &r->err);
	json_decref(body);
	if (rc != 0)
		return -1;
	r->status = 201;
	return 0;
}

enum handler_result api_task_item_create(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (!task_type(r) || id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "清单不存在");
	if (req_json(r) != 0)
		return reply_failed(r);
	int64_t *p = malloc(sizeof *p);
	if (!p)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	*p = id;
	r->hctx = p;
	return reply_async(r, item_create_job);
}
