/*
 * Notices: a unit's inbox of 催办, 督办 and overdue warnings. The engine
 * writes them (notice_add, one per unit holding the case); this file only
 * lists them and marks them read.
 *
 * Who sees a notice: the staff of its org and of every org above it (the
 * reader's own org path is a prefix of the notice org's path), and only
 * while the notice's case is visible to the reader (store/stmt_notices.h).
 * Marking read is not a case action, so it writes no event; it goes through
 * the writer like every write.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

#define NOTICE_LIMIT_DEFAULT 50
#define NOTICE_LIMIT_MAX 200

/* Binds the reader's visibility (?1..?3 case.read scopes, ?4 own org path)
 * shared by every notice statement. An actor without an org sees nothing. */
static void notice_bind_reader(struct store_stmt *s, const struct actor *a)
{
	const char *scopes[3] = {NULL, NULL, NULL};
	actor_scopes(a, P_CASE_READ, scopes, 3);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, scopes[i]);
	sbind_text(s, 4, a->org_path[0] ? a->org_path : NULL);
}

static void set_time(json_t *o, const char *key, struct store_stmt *s, int col)
{
	char buf[ISO8601_MAX];
	if (scol_null(s, col) || time_format_iso(scol_int(s, col), buf, sizeof buf) < 0)
		json_object_set_new(o, key, json_null());
	else
		json_object_set_new(o, key, json_string(buf));
}

static json_t *user_json(struct store_stmt *s, int col)
{
	if (scol_null(s, col))
		return json_null();
	return json_pack("{s:s,s:s?}", "login", scol_text(s, col), "name", scol_text(s, col + 1));
}

/* A notice row (NOTICE_COLS) as API JSON; a new reference. */
static json_t *notice_json(struct store_stmt *s, const struct app *app)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:{s:s,s:s}}", "id", (json_int_t)scol_int(s, 0), "kind",
	                      scol_text(s, 1), "text", scol_text(s, 2), "org", "code",
	                      scol_text(s, 10), "name", scol_text(s, 11));
	if (scol_null(s, 5) || scol_null(s, 6)) {
		json_object_set_new(o, "case", json_null());
	} else {
		const struct matter_type *t = types_find(app->types, scol_text(s, 9));
		const struct type_state *st = t ? type_state(t, scol_text(s, 8)) : NULL;
		json_object_set_new(o, "case",
		                    json_pack("{s:I,s:s,s:s,s:s,s:s}", "id",
		                              (json_int_t)scol_int(s, 5), "no", scol_text(s, 6),
		                              "title", scol_text(s, 7), "status", scol_text(s, 8),
		                              "status_name", st ? st->name : scol_text(s, 8)));
	}
	set_time(o, "created_at", s, 3);
	set_time(o, "read_at", s, 4);
	json_object_set_new(o, "actor", user_json(s, 12));
	json_object_set_new(o, "read_by", user_json(s, 14));
	return o;
}

/* Unread notices the reader sees; -1 if the store failed. */
static int64_t notice_unread(struct store_conn *c, const struct actor *a)
{
	struct store_stmt *s = store_stmt(c, ST_NOTICE_UNREAD);
	notice_bind_reader(s, a);
	int64_t n = sstep(s) == STORE_ROW ? scol_int(s, 0) : -1;
	sreset(s);
	return n;
}

/* Loads notice id as the reader sees it. Returns 0 and sets *out (owned by
 * the caller), or sets *e: not found (also when not visible), or the store
 * failed. */
static int notice_get(struct store_conn *c, const struct app *app, const struct actor *a,
                      int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *s = store_stmt(c, ST_NOTICE_GET);
	notice_bind_reader(s, a);
	sbind_int(s, 5, id);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		*out = notice_json(s, app);
	sreset(s);
	if (rc == STORE_ROW)
		return 0;
	if (rc == STORE_DONE)
		return err_set(e, E_NOT_FOUND, NULL, "通知不存在");
	return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
}

/* GET /api/v1/notices?unread=1&limit=&cursor= → {"items","next_cursor","unread"} */
enum handler_result api_notices(struct req *r)
{
	int64_t limit = NOTICE_LIMIT_DEFAULT, cursor = 0, unread_only = 0;
	if (req_query_int(r, "limit", 1, NOTICE_LIMIT_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0 ||
	    req_query_int(r, "unread", 0, 1, &unread_only) != 0)
		return reply_failed(r);
	struct store_stmt *s = store_stmt(r->reader, ST_NOTICE_LIST);
	notice_bind_reader(s, &r->actor);
	if (unread_only)
		sbind_int(s, 5, 1);
	if (cursor)
		sbind_int(s, 6, cursor);
	sbind_int(s, 7, limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		json_array_append_new(items, notice_json(s, r->app));
		last = scol_int(s, 0);
		n++;
	}
	bool more = rc == STORE_ROW;
	sreset(s);
	int64_t unread = notice_unread(r->reader, &r->actor);
	if ((rc != STORE_ROW && rc != STORE_DONE) || unread < 0) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	char cur[32];
	snprintf(cur, sizeof cur, "%lld", (long long)last);
	return reply_json(r, 200,
	                  json_pack("{s:o,s:s?,s:I}", "items", items, "next_cursor",
	                            more ? cur : NULL, "unread", (json_int_t)unread));
}

/* Marks the notice read unless it already is; answers it either way. */
static int notice_read_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	int64_t id = *(int64_t *)r->hctx;
	json_t *n = NULL;
	if (notice_get(w->conn, w->app, &r->actor, id, &n, &r->err) != 0)
		return -1;
	if (json_is_null(json_object_get(n, "read_at"))) {
		json_decref(n);
		n = NULL;
		struct store_stmt *s = store_stmt(w->conn, ST_NOTICE_MARK_READ);
		sbind_int(s, 1, id);
		sbind_int(s, 2, w->now);
		sbind_int(s, 3, r->actor.user_id);
		if (sdone(s) != STORE_DONE)
			return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		if (notice_get(w->conn, w->app, &r->actor, id, &n, &r->err) != 0)
			return -1;
	}
	int64_t unread = notice_unread(w->conn, &r->actor);
	if (unread < 0) {
		json_decref(n);
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	}
	r->out = json_pack("{s:o,s:I}", "notice", n, "unread", (json_int_t)unread);
	r->status = 200;
	return 0;
}

/* POST /api/v1/notices/{id}/read → {"notice","unread"}; repeating it changes nothing. */
enum handler_result api_notice_read(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "通知不存在");
	int64_t *p = malloc(sizeof *p);
	if (!p)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	*p = id;
	r->hctx = p;
	return reply_async(r, notice_read_job);
}
