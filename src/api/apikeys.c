/*
 * API keys, for admins, while the server runs: GET /api/v1/apikeys,
 * POST /api/v1/apikeys, POST /api/v1/apikeys/revoke. The CLI
 * (`civicloop apikey add|revoke`) does the same with the server stopped: a
 * running server holds the database's single writer lock. Both go through
 * core/directory.c, so each key made or revoked is an event on the chain
 * (never the key itself). user.manage over the key's account's org; keys
 * of accounts outside the caller's subtree are neither listed nor touched.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

struct apikey_req {
	char login[LOGIN_MAX + 1];
	char name[APIKEY_NAME_MAX * 4 + 1];
	bool revoke;
};

static void set_time_ms(json_t *o, const char *key, struct store_stmt *s, int col)
{
	if (scol_null(s, col)) {
		json_object_set_new(o, key, json_null());
		return;
	}
	char at[ISO8601_MAX];
	time_format_iso(scol_int(s, col), at, sizeof at);
	json_object_set_new(o, key, json_string(at));
}

/* GET /api/v1/apikeys → {"items":[{"id","name","user":{"login","name"},
 * "created_at","revoked_at"}]}: keys of accounts in the caller's scope. */
enum handler_result api_apikeys(struct req *r)
{
	struct store_stmt *s = store_stmt(r->reader, ST_APIKEY_VIEW_LIST);
	json_t *items = json_array();
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (!actor_can(&r->actor, P_USER_MANAGE, scol_text(s, 6)))
			continue;
		json_t *k = json_pack("{s:I,s:s,s:{s:s,s:s}}", "id", (json_int_t)scol_int(s, 0),
		                      "name", scol_text(s, 1), "user", "login", scol_text(s, 4),
		                      "name", scol_text(s, 5));
		if (!k) {
			rc = STORE_ERROR;
			break;
		}
		set_time_ms(k, "created_at", s, 2);
		set_time_ms(k, "revoked_at", s, 3);
		json_array_append_new(items, k);
	}
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* The account of a key-to-be (by login) or of a live key (by name) must be
 * in the caller's user.manage scope; otherwise the same 404 as for none. */
static int apikey_scope_check(struct req *r, struct wctx *w, const struct apikey_req *k)
{
	struct account u;
	int found;
	if (k->revoke) {
		struct store_stmt *s = store_stmt(w->conn, ST_APIKEY_USER_BY_NAME);
		sbind_text(s, 1, k->name);
		int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
		sreset(s);
		found = uid && account_find(w->conn, NULL, uid, &u) == 0;
		if (!found || !actor_can(&r->actor, P_USER_MANAGE, u.org_path))
			return err_set(&r->err, E_NOT_FOUND, "name", "没有名为 %s 的有效密钥",
			               k->name);
		return 0;
	}
	found = account_find(w->conn, k->login, 0, &u) == 0;
	if (!found || !actor_can(&r->actor, P_USER_MANAGE, u.org_path))
		return err_set(&r->err, E_FIELD_INVALID, "user", "没有账号 %s", k->login);
	return 0;
}

static int apikey_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct apikey_req *k = r->hctx;
	struct account_actor by = {r->actor.user_id, r->actor.org_id, "api"};
	struct account u;
	if (apikey_scope_check(r, w, k) != 0)
		return -1;
	if (k->revoke) {
		if (account_apikey_revoke(w, &by, k->name, &u, &r->err) != 0)
			return -1;
		r->status = 200;
		r->out = json_pack("{s:s,s:{s:s},s:b}", "name", k->name, "user", "login", u.login,
		                   "revoked", 1);
		return 0;
	}
	char key[APIKEY_LEN + 1];
	if (account_apikey_add(w, &by, k->login, k->name, key, &u, &r->err) != 0)
		return -1;
	r->status = 201;
	r->out =
	    json_pack("{s:s,s:s,s:{s:s}}", "key", key, "name", k->name, "user", "login", u.login);
	sodium_memzero(key, sizeof key);
	return 0;
}

/* Reads {"user"?, "name"} into a new apikey_req on r->hctx. */
static enum handler_result apikey_submit(struct req *r, bool revoke)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	static const char *const keys[] = {"name", "user"}; /* a revoke takes the name only */
	const char *bad = json_unknown_key(r->in, keys, revoke ? 1 : 2);
	if (bad)
		return reply_err(r, E_FIELD_UNKNOWN, bad, NULL);
	const char *name = json_string_value(json_object_get(r->in, "name"));
	const char *login = json_string_value(json_object_get(r->in, "user"));
	if (!name)
		return reply_err(r, E_FIELD_REQUIRED, "name", "缺少密钥名称 name");
	if (!revoke && !login)
		return reply_err(r, E_FIELD_REQUIRED, "user", "缺少账号 user");
	struct apikey_req *k = calloc(1, sizeof *k);
	if (!k)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = k;
	if (strlen(name) >= sizeof k->name || (login && strlen(login) >= sizeof k->login))
		return reply_err(r, E_FIELD_TOO_LONG,
		                 strlen(name) >= sizeof k->name ? "name" : "user", NULL);
	snprintf(k->name, sizeof k->name, "%s", name);
	snprintf(k->login, sizeof k->login, "%s", login ? login : "");
	k->revoke = revoke;
	return reply_async(r, apikey_job);
}

/* POST /api/v1/apikeys {"user","name"} → 201 {"key","name","user"}: the key
 * is shown this once; only its hash is stored. */
enum handler_result api_apikey_create(struct req *r)
{
	return apikey_submit(r, false);
}

/* POST /api/v1/apikeys/revoke {"name"} → 200: the key stops working at once. */
enum handler_result api_apikey_revoke(struct req *r)
{
	return apikey_submit(r, true);
}
