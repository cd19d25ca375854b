/*
 * Caller history (GET /api/v1/callers?phone=): while an operator types a
 * phone, the earlier cases of that caller. Cases are found by the keyed
 * blind index of the reporter phone (cases.phone_index, the BLAKE2b that
 * engine_create stores), never by opening reporter data. Listed are only
 * cases the reader may see, and never a confidential one: tying a phone to
 * a 举报 would reveal its reporter without the pii.view event DESIGN §4
 * asks for. Reporters are masked as in every list. A read: it records no
 * event.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALLER_LIMIT_DEFAULT 20
#define CALLER_LIMIT_MAX 50

/* The keys of a case that caller history shows, besides the reporter. */
static const char *const caller_case_keys[] = {
    "id",     "no",          "type",  "class",       "channel",
    "status", "status_name", "title", "received_at", "closed_at",
};

/* The "received_at.id" cursor of the last item shown; the next page starts
 * below it. Returns 0, or -1 if malformed. */
static int cursor_parse(const char *v, int64_t *received_at, int64_t *id)
{
	char *end;
	errno = 0;
	long long t = strtoll(v, &end, 10);
	if (end == v || *end != '.' || errno || t < 0)
		return -1;
	const char *p = end + 1;
	long long n = strtoll(p, &end, 10);
	if (end == p || *end || errno || n < 1)
		return -1;
	*received_at = t;
	*id = n;
	return 0;
}

/* One history item: the listed keys of the case and its masked reporter.
 * Returns a new reference, or NULL if the case cannot be shown. */
static json_t *caller_item(struct req *r, int64_t id)
{
	struct case_full cf;
	if (case_load(r->reader, r->app, id, &cf) != 0)
		return NULL;
	json_t *item = NULL;
	if (case_visible(&r->actor, &cf) && !cf.c.confidential) {
		json_t *full = case_to_json(r->reader, r->app, &r->actor, &cf, false, NULL);
		item = json_object();
		for (size_t i = 0; i < sizeof caller_case_keys / sizeof caller_case_keys[0]; i++) {
			json_t *v = json_object_get(full, caller_case_keys[i]);
			json_object_set(item, caller_case_keys[i], v ? v : json_null());
		}
		/* a list's reporter: masked name and phone, nothing else */
		json_t *rep = json_object_get(full, "reporter"), *mine = json_object();
		json_t *name = json_object_get(rep, "name"), *phone = json_object_get(rep, "phone");
		if (name)
			json_object_set(mine, "name", name);
		if (phone)
			json_object_set(mine, "phone", phone);
		json_object_set_new(item, "reporter", mine);
		json_decref(full);
	}
	case_full_release(&cf);
	return item;
}

/* GET /api/v1/callers?phone=&limit=&cursor= → {"items","count","open","next_cursor"} */
enum handler_result api_callers(struct req *r)
{
	const char *scopes[3] = {NULL, NULL, NULL};
	if (!actor_has(&r->actor, P_CASE_CREATE) ||
	    actor_scopes(&r->actor, P_CASE_READ, scopes, 3) == 0)
		return reply_err(r, E_FORBIDDEN, NULL, "没有查看来电人历史工单的权限");
	const char *phone = req_query(r, "phone");
	if (!phone || !*phone)
		return reply_err(r, E_FIELD_REQUIRED, "phone", "缺少来电号码 phone");
	if (!phone_valid(phone))
		return reply_err(r, E_FIELD_INVALID, "phone",
		                 "电话号码不正确（手机 11 位，座机含区号）");
	int64_t limit = CALLER_LIMIT_DEFAULT, after_at = 0, after_id = 0;
	if (req_query_int(r, "limit", 1, CALLER_LIMIT_MAX, &limit) != 0)
		return reply_failed(r);
	const char *v = req_query(r, "cursor");
	if (v && cursor_parse(v, &after_at, &after_id) != 0)
		return reply_err(r, E_FIELD_INVALID, "cursor", "参数 cursor 不正确");

	unsigned char idx[HASH_LEN];
	blind_index(&r->app->keys, phone, idx);

	struct store_stmt *s = store_stmt(r->reader, ST_CALLER_COUNTS);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, scopes[i]);
	sbind_blob(s, 4, idx, HASH_LEN);
	int rc = sstep(s);
	int64_t count = rc == STORE_ROW ? scol_int(s, 0) : 0;
	int64_t open = rc == STORE_ROW ? scol_int(s, 1) : 0;
	sreset(s);
	if (rc != STORE_ROW)
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");

	int64_t ids[CALLER_LIMIT_MAX], last_at = 0;
	int n = 0;
	s = store_stmt(r->reader, ST_CALLER_CASES);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, scopes[i]);
	sbind_blob(s, 4, idx, HASH_LEN);
	sbind_int(s, 5, limit + 1);
	if (after_id) {
		sbind_int(s, 6, after_at);
		sbind_int(s, 7, after_id);
	}
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		ids[n++] = scol_int(s, 0);
		last_at = scol_int(s, 1);
	}
	bool more = rc == STORE_ROW;
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");

	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		json_t *item = caller_item(r, ids[i]);
		if (item)
			json_array_append_new(items, item);
	}
	char cur[48];
	snprintf(cur, sizeof cur, "%" PRId64 ".%" PRId64, last_at, n ? ids[n - 1] : 0);
	return reply_json(r, 200,
	                  json_pack("{s:o,s:I,s:I,s:s?}", "items", items, "count",
	                            (json_int_t)count, "open", (json_int_t)open, "next_cursor",
	                            more ? cur : NULL));
}
