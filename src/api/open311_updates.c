/*
 * Open311 service request updates (docs/open311.md "Updates"): GET
 * /open311/v2/servicerequestupdates.{format} lists the public updates of
 * public requests in a window (by time, oldest first: the events' time
 * index, no scan of the chain); POST adds a citizen's update to a request.
 *
 * A citizen's update is an event "open311.update" on the case (on the
 * chain, through the writer) that leaves its state alone; the client's
 * update_id is kept as given: the same id again from the same key is the
 * same update and the same answer, and writes nothing; from another key it
 * is refused (400), since every client reads the ids in one list where
 * they must be unique. Ids beginning "cl-" are ours (the case's own public
 * events) and refused from clients.
 */
#include "api/open311.h"
#include "core/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

#define O311_STATUS_MAX 32

static bool client_id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > O311_ID_MAX ||
	    !strncmp(s, O311_UPDATE_PREFIX, strlen(O311_UPDATE_PREFIX)))
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* OPEN, CLOSED or an extended status (IN_PROGRESS, FIXED, …): [A-Z_]. */
static bool status_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= O311_STATUS_MAX && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == n;
}

static int update_answer(struct req *r, const char *client_id)
{
	return o311_answer(r, 200, "service_request_updates", "request_update",
	                   json_pack("[{s:s}]", "update_id", client_id));
}

/* writer: the citizen's update, once per key and client id. */
static int update_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct o311_ctx *ctx = r->hctx;
	struct store_stmt *s = store_stmt(w->conn, ST_O311_UPDATE_BY_CLIENT);
	sbind_text(s, 1, ctx->client_id);
	int64_t owner = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (owner == ctx->key_id)
		return update_answer(r, ctx->client_id); /* the same update again */
	if (owner) /* update ids are unique in the lists every client reads */
		return err_set(&r->err, E_FIELD_INVALID, "update_id",
		               "update_id 已被其他客户端使用");
	s = store_stmt(w->conn, ST_O311_REQ_BY_NO);
	sbind_text(s, 1, ctx->no);
	int64_t case_id = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (!case_id)
		return err_set(&r->err, E_NOT_FOUND, "service_request_id", "没有这个公开的诉求");
	json_t *p = json_pack("{s:s,s:s,s:s,s:s?}", "update_id", ctx->client_id, "status",
	                      ctx->status, "description", ctx->description ? ctx->description : "",
	                      "media_url", ctx->media_url);
	char *text = p ? json_canonical(p) : NULL;
	json_decref(p);
	if (!text)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	struct event_rec e = {.case_id = case_id,
	                      .at = w->now,
	                      .actor_id = r->actor.user_id,
	                      .org_id = r->actor.org_id,
	                      .action = "open311.update",
	                      .payload = text};
	int rc = wctx_event(w, &e);
	free(text);
	if (rc != 0)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	s = store_stmt(w->conn, ST_O311_UPDATE_INSERT);
	/* the event's seq is the chain head's now: not the last insert's id,
	 * which is an outbox row's when the event was sent on, and on
	 * PostgreSQL whatever identity lastval() saw last */
	sbind_int(s, 1, w->head->seq);
	sbind_int(s, 2, case_id);
	sbind_int(s, 3, ctx->key_id);
	sbind_text(s, 4, ctx->client_id);
	sbind_text(s, 5, ctx->status);
	if (ctx->media_url)
		sbind_text(s, 6, ctx->media_url);
	else
		sbind_null(s, 6);
	sbind_int(s, 7, w->now);
	if (sdone(s) != STORE_DONE)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	return update_answer(r, ctx->client_id);
}

/* POST /open311/v2/servicerequestupdates.{format}: a citizen's update. */
enum handler_result api_o311_update_create(struct req *r)
{
	struct o311_ctx *ctx = o311_begin(r, 0);
	if (!ctx || o311_form(r, ctx) != 0 || o311_key(r, ctx) != 0)
		return reply_failed(r);
	const char *no = o311_field(r, ctx, "service_request_id");
	if (!no)
		return reply_err(r, E_FIELD_REQUIRED, "service_request_id",
		                 "缺少 service_request_id");
	if (!public_no_ok(no))
		return reply_err(r, E_NOT_FOUND, "service_request_id", "没有这个公开的诉求");
	snprintf(ctx->no, sizeof ctx->no, "%s", no);
	ctx->client_id = o311_field(r, ctx, "update_id");
	if (!ctx->client_id)
		return reply_err(r, E_FIELD_REQUIRED, "update_id", "缺少 update_id");
	if (!client_id_ok(ctx->client_id))
		return reply_err(r, E_FIELD_INVALID, "update_id",
		                 "update_id 须为 1–64 个可见 ASCII 字符，且不以 cl- 开头");
	ctx->status = o311_field(r, ctx, "status");
	if (!ctx->status)
		return reply_err(r, E_FIELD_REQUIRED, "status", "缺少 status");
	if (!status_ok(ctx->status))
		return reply_err(r, E_FIELD_INVALID, "status",
		                 "status 须为大写的 OPEN、CLOSED 或扩展状态（如 IN_PROGRESS）");
	const char *when = o311_field(r, ctx, "updated_datetime");
	int64_t t;
	if (when && (strlen(when) > 40 || time_parse_iso_zoned(when, &t) != 0))
		return reply_err(r, E_FIELD_INVALID, "updated_datetime",
		                 "updated_datetime 须为 W3C 时间，如 2026-12-01T10:00:00+08:00");
	ctx->description = o311_field(r, ctx, "description");
	ctx->media_url = o311_field(r, ctx, "media_url");
	const char *email = o311_field(r, ctx, "email");
	if (o311_text(r, "description", ctx->description, O311_TEXT_MAX, true) != 0 ||
	    o311_text(r, "first_name", o311_field(r, ctx, "first_name"), O311_NAME_MAX, false) !=
	        0 ||
	    o311_text(r, "last_name", o311_field(r, ctx, "last_name"), O311_NAME_MAX, false) != 0 ||
	    o311_text(r, "email", email, O311_EMAIL_MAX, false) != 0)
		return reply_failed(r);
	if (ctx->media_url && !o311_url_ok(ctx->media_url))
		return reply_err(r, E_FIELD_INVALID, "media_url",
		                 "media_url 须为 http 或 https 网址");
	r->after_commit = o311_finish;
	return reply_async(r, update_job);
}

/* GET /open311/v2/servicerequestupdates.{format}: updates in a window. */
enum handler_result api_o311_updates(struct req *r)
{
	struct o311_ctx *ctx = o311_begin(r, 0);
	if (!ctx)
		return reply_failed(r);
	int64_t from, to, page = 1, size = O311_PAGE_SIZE_MAX;
	if (o311_window(r, &from, &to) != 0 ||
	    req_query_int(r, "page", 1, O311_PAGE_MAX, &page) != 0 ||
	    req_query_int(r, "page_size", 1, O311_PAGE_SIZE_MAX, &size) != 0)
		return reply_failed(r);
	const struct matter_type *t = o311_type(r->app);
	json_t *list = json_array();
	int64_t skip = (page - 1) * size;
	struct store_stmt *s = store_stmt(r->reader, ST_O311_EVENTS_WINDOW);
	sbind_int(s, 1, from);
	sbind_int(s, 2, to);
	while (t && (int64_t)json_array_size(list) < size && sstep(s) == STORE_ROW) {
		json_t *u = o311_update_json(s, t, scol_text(s, 8));
		if (!u)
			continue;
		if (skip > 0) {
			skip--;
			json_decref(u);
			continue;
		}
		json_array_append_new(list, u);
	}
	sreset(s);
	return o311_reply(r, 200, "service_request_updates", "request_update", list);
}
