/*
 * Webhook subscriptions, for administrators (notify.manage over the
 * subscription's org): GET /api/v1/webhooks, POST /api/v1/webhooks,
 * POST /api/v1/webhooks/{id}/revoke. The secret is made by the writer and
 * shown once, in the create's answer; it is stored sealed and never listed.
 * The work is core/webhooks.c's (docs/notifications.md).
 */
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"
#include "core/outbox.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

#define WEBHOOK_LIMIT_DEFAULT 50
#define WEBHOOK_LIMIT_MAX 200

static void set_time(json_t *o, const char *key, struct store_stmt *s, int col)
{
	char at[ISO8601_MAX];
	if (scol_null(s, col) || time_format_iso(scol_int(s, col), at, sizeof at) < 0)
		json_object_set_new(o, key, json_null());
	else
		json_object_set_new(o, key, json_string(at));
}

/* A subscription row (WEBHOOK_COLS) as API JSON; a new reference. */
static json_t *webhook_json(struct store_stmt *s)
{
	json_t *kinds = json_loads(scol_text(s, 2), 0, NULL);
	json_t *o =
	    json_pack("{s:I,s:s,s:o,s:{s:s,s:s},s:b}", "id", (json_int_t)scol_int(s, 0), "url",
	              scol_text(s, 1), "kinds", kinds ? kinds : json_array(), "org", "code",
	              scol_text(s, 5), "name", scol_text(s, 6), "active", scol_null(s, 4));
	if (!o)
		return NULL;
	json_object_set_new(o, "created_by",
	                    scol_null(s, 8) ? json_null()
	                                    : json_pack("{s:s,s:s}", "login", scol_text(s, 8),
	                                                "name", scol_text(s, 9)));
	set_time(o, "created_at", s, 3);
	set_time(o, "revoked_at", s, 4);
	return o;
}

/* Subscription id as API JSON on connection c, or NULL (none, or the store failed). */
static json_t *webhook_load(struct store_conn *c, int64_t id)
{
	struct store_stmt *s = store_stmt(c, ST_WEBHOOK_GET);
	sbind_int(s, 1, id);
	json_t *o = sstep(s) == STORE_ROW ? webhook_json(s) : NULL;
	sreset(s);
	return o;
}

/* GET /api/v1/webhooks?limit=&cursor= → {"items":[webhook…],"next_cursor"}:
 * the subscriptions of orgs inside the caller's notify.manage scopes,
 * newest first, revoked ones included (active: false). */
enum handler_result api_webhooks(struct req *r)
{
	int64_t limit = WEBHOOK_LIMIT_DEFAULT, cursor = 0;
	if (req_query_int(r, "limit", 1, WEBHOOK_LIMIT_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0)
		return reply_failed(r);
	const char *scopes[3] = {NULL, NULL, NULL};
	actor_scopes(&r->actor, P_NOTIFY_MANAGE, scopes, 3);
	struct store_stmt *s = store_stmt(r->reader, ST_WEBHOOK_LIST);
	if (cursor)
		sbind_int(s, 1, cursor);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 2, scopes[i]);
	sbind_int(s, 5, limit + 1);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		json_array_append_new(items, webhook_json(s));
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

/* A subscription in flight (POST /api/v1/webhooks). */
struct webhook_new {
	int64_t org_id;
	char url[WEBHOOK_URL_MAX + 1];
	char kinds[WEBHOOK_KINDS_MAX * (OUTBOX_KIND_MAX + 3) + 3]; /* canonical JSON array */
	int64_t id;                                                /* the writer's answer */
	char secret[WEBHOOK_SECRET_LEN + 1];
};

static int webhook_create_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct webhook_new *n = r->hctx;
	if (webhook_add(w, &r->actor, n->org_id, n->url, n->kinds, n->secret, &n->id, &r->err) != 0)
		return -1;
	json_t *hook = webhook_load(w->conn, n->id);
	r->out = hook ? json_pack("{s:o,s:s}", "webhook", hook, "secret", n->secret) : NULL;
	sodium_memzero(n->secret, sizeof n->secret);
	if (!r->out)
		return err_oom(&r->err);
	r->status = 201;
	return 0;
}

/* POST /api/v1/webhooks {"url","kinds":[…],"org"?} → 201 {"webhook","secret"}:
 * the org (code or id; default the caller's) inside the caller's
 * notify.manage scopes (one outside them is 400 like an unknown one); the
 * secret is shown this once. */
enum handler_result api_webhook_create(struct req *r)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	static const char *const keys[] = {"url", "kinds", "org"};
	const char *bad = json_unknown_key(r->in, keys, 3);
	if (bad)
		return reply_err(r, E_FIELD_UNKNOWN, bad, NULL);
	json_t *url = json_object_get(r->in, "url");
	if (url && !json_is_string(url))
		return reply_err(r, E_FIELD_INVALID, "url", "推送地址须为字符串");
	if (webhook_url_check(json_string_value(url), &r->err) != 0)
		return reply_failed(r);
	struct webhook_new *n = calloc(1, sizeof *n);
	if (!n)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = n;
	snprintf(n->url, sizeof n->url, "%s", json_string_value(url));
	char *kinds = NULL;
	if (webhook_kinds_check(r->app, json_object_get(r->in, "kinds"), &kinds, &r->err) != 0)
		return reply_failed(r);
	snprintf(n->kinds, sizeof n->kinds, "%s", kinds); /* fits: each kind is checked */
	free(kinds);
	json_t *org = json_object_get(r->in, "org");
	char path[ORG_PATH_MAX];
	if (!org) {
		n->org_id = r->actor.org_id;
		snprintf(path, sizeof path, "%s", r->actor.org_path);
	} else if ((!json_is_string(org) && !json_is_integer(org)) ||
	           org_resolve(r->reader, org, &n->org_id, path, sizeof path, NULL, 0) != 0)
		return reply_err(r, E_FIELD_INVALID, "org", "没有这个单位");
	/* one outside the caller's scopes answers like an unknown one */
	if (!actor_can(&r->actor, P_NOTIFY_MANAGE, path))
		return reply_err(r, E_FIELD_INVALID, "org", "没有这个单位");
	return reply_async(r, webhook_create_job);
}

static int webhook_revoke_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	int64_t id = *(int64_t *)r->hctx;
	if (webhook_revoke(w, &r->actor, id, &r->err) != 0)
		return -1;
	json_t *hook = webhook_load(w->conn, id);
	if (!hook)
		return err_oom(&r->err);
	r->out = json_pack("{s:o}", "webhook", hook);
	r->status = 200;
	return r->out ? 0 : err_oom(&r->err);
}

/* POST /api/v1/webhooks/{id}/revoke → 200 {"webhook"}: no message is made
 * for it from now on; those already queued die at their next attempt. */
enum handler_result api_webhook_revoke(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (id <= 0)
		return reply_err(r, E_NOT_FOUND, NULL, "订阅不存在");
	int64_t *p = malloc(sizeof *p);
	if (!p)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	*p = id;
	r->hctx = p;
	return reply_async(r, webhook_revoke_job);
}
