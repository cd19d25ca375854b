/*
 * The outbox's delivery queue, for administrators (notify.manage over the
 * message's org: its subscription's, else its case's): GET /api/v1/outbox,
 * GET /api/v1/outbox/summary, POST /api/v1/outbox/{id}/redrive. A message
 * is listed without its payload (it holds no personal data, but the list
 * is about delivery); an SMS target is a reference, shown masked all the
 * same. Core: core/outbox.h; docs/notifications.md.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/outbox.h"
#include "core/types.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

#define OUTBOX_LIMIT_DEFAULT 50
#define OUTBOX_LIMIT_MAX 200

static const char *const outbox_states[] = {"pending", "delivered", "dead"};

static void set_time(json_t *o, const char *key, struct store_stmt *s, int col)
{
	char at[ISO8601_MAX];
	if (scol_null(s, col) || time_format_iso(scol_int(s, col), at, sizeof at) < 0)
		json_object_set_new(o, key, json_null());
	else
		json_object_set_new(o, key, json_string(at));
}

/* A target as listed: a webhook's is its subscription's id; any other
 * channel's has every run of 7 or more digits masked but its first 3 and
 * last 4 (a phone number, should one ever reach a target). */
static void target_masked(const char *channel, const char *target, char *out, size_t cap)
{
	snprintf(out, cap, "%s", target);
	if (!strcmp(channel, "webhook"))
		return;
	for (size_t i = 0; out[i];) {
		size_t n = 0;
		while (isdigit((unsigned char)out[i + n]))
			n++;
		if (n >= 7)
			memset(out + i + 3, '*', n - 7);
		i += n ? n : 1;
	}
}

/* A message row (OUTBOX_COLS) as API JSON; a new reference. */
static json_t *outbox_row_json(struct store_stmt *s)
{
	char target[OUTBOX_TARGET_MAX + 1];
	target_masked(scol_text(s, 1), scol_text(s, 4), target, sizeof target);
	bool pending = !strcmp(scol_text(s, 5), "pending");
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:s?}", "id", (json_int_t)scol_int(s, 0),
	                      "channel", scol_text(s, 1), "kind", scol_text(s, 2), "target", target,
	                      "state", scol_text(s, 5), "attempts", (json_int_t)scol_int(s, 6),
	                      "last_error", scol_null(s, 8) ? NULL : scol_text(s, 8));
	if (!o)
		return NULL;
	json_object_set_new(
	    o, "case",
	    scol_null(s, 3) || scol_null(s, 12)
	        ? json_null()
	        : json_pack("{s:I,s:s}", "id", (json_int_t)scol_int(s, 3), "no", scol_text(s, 12)));
	json_object_set_new(o, "org",
	                    scol_null(s, 13) ? json_null()
	                                     : json_pack("{s:s,s:s}", "code", scol_text(s, 13),
	                                                 "name", scol_text(s, 14)));
	if (pending)
		set_time(o, "next_at", s, 7);
	else
		json_object_set_new(o, "next_at", json_null());
	set_time(o, "created_at", s, 9);
	set_time(o, "updated_at", s, 10);
	set_time(o, "delivered_at", s, 11);
	return o;
}

static void bind_scopes(struct store_stmt *s, const struct actor *a)
{
	const char *scopes[3] = {NULL, NULL, NULL};
	actor_scopes(a, P_NOTIFY_MANAGE, scopes, 3);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 4, scopes[i]);
}

/* ?channel=: 1–16 of [a-z0-9_]. 0, or -1 with r->err set. */
static int channel_param(struct req *r, const char **out)
{
	const char *c = req_query(r, "channel");
	*out = c;
	if (!c)
		return 0;
	size_t n = strlen(c);
	bool ok = n > 0 && n <= OUTBOX_CHANNEL_MAX &&
	          strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
	return ok ? 0 : err_set(&r->err, E_FIELD_INVALID, "channel", "通道须为 webhook、sms 等");
}

/* GET /api/v1/outbox?state=&channel=&cursor=&limit= → {"items":[message…],
 * "next_cursor"}: newest first. */
enum handler_result api_outbox(struct req *r)
{
	int64_t limit = OUTBOX_LIMIT_DEFAULT, cursor = 0;
	const char *channel, *state = req_query(r, "state");
	if (req_query_int(r, "limit", 1, OUTBOX_LIMIT_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0 ||
	    channel_param(r, &channel) != 0)
		return reply_failed(r);
	if (state && !str_in(state, outbox_states, 3))
		return reply_err(r, E_FIELD_INVALID, "state",
		                 "状态须为 pending、delivered 或 dead");
	struct store_stmt *s = store_stmt(r->reader, state ? ST_OUTBOX_LIST_STATE : ST_OUTBOX_LIST);
	sbind_text(s, 1, state);
	sbind_text(s, 2, channel);
	if (cursor)
		sbind_int(s, 3, cursor);
	bind_scopes(s, &r->actor);
	sbind_int(s, 7, limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		json_array_append_new(items, outbox_row_json(s));
		last = scol_int(s, 0);
		n++;
	}
	bool more = rc == STORE_ROW;
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_page(items, last, more));
}

/* GET /api/v1/outbox/summary → {"items":[{"channel","pending","delivered",
 * "dead"}…],"total":{…}}: the caller's messages counted by channel and state. */
enum handler_result api_outbox_summary(struct req *r)
{
	struct store_stmt *s = store_stmt(r->reader, ST_OUTBOX_SUMMARY);
	bind_scopes(s, &r->actor);
	json_t *items = json_array();
	json_t *total = json_pack("{s:i,s:i,s:i}", "pending", 0, "delivered", 0, "dead", 0);
	json_t *row = NULL;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		const char *channel = scol_text(s, 0), *state = scol_text(s, 1);
		json_int_t n = scol_int(s, 2);
		if (!row || strcmp(json_string_value(json_object_get(row, "channel")), channel)) {
			row = json_pack("{s:s,s:i,s:i,s:i}", "channel", channel, "pending", 0,
			                "delivered", 0, "dead", 0);
			json_array_append_new(items, row);
		}
		if (str_in(state, outbox_states, 3)) {
			json_object_set_new(row, state, json_integer(n));
			json_object_set_new(
			    total, state,
			    json_integer(json_integer_value(json_object_get(total, state)) + n));
		}
	}
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(items);
		json_decref(total);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_pack("{s:o,s:o}", "items", items, "total", total));
}

static int outbox_redrive_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	int64_t id = *(int64_t *)r->hctx;
	if (outbox_redrive(w, &r->actor, id, &r->err) != 0)
		return -1;
	struct store_stmt *s = store_stmt(w->conn, ST_OUTBOX_GET);
	sbind_int(s, 1, id);
	json_t *m = sstep(s) == STORE_ROW ? outbox_row_json(s) : NULL;
	sreset(s);
	r->out = m ? json_pack("{s:o}", "message", m) : NULL;
	if (!r->out)
		return err_oom(&r->err);
	r->status = 200;
	return 0;
}

/* POST /api/v1/outbox/{id}/redrive → 200 {"message"}: a dead message is
 * pending again with attempts 0, due now (409 when it is not dead). */
enum handler_result api_outbox_redrive(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (id <= 0)
		return reply_err(r, E_NOT_FOUND, NULL, "消息不存在");
	int64_t *p = malloc(sizeof *p);
	if (!p)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	*p = id;
	r->hctx = p;
	return reply_async(r, outbox_redrive_job);
}
