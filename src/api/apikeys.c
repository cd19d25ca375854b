/*
 * API keys, for admins, while the server runs: GET /api/v1/apikeys,
 * POST /api/v1/apikeys, PATCH /api/v1/apikeys/{id}, POST
 * /api/v1/apikeys/revoke. The CLI (`civicloop apikey add|list|revoke`) does
 * the same with the server stopped: a running server holds the database's
 * single writer lock. Both go through core/directory.c and
 * core/apikey_admin.c, so each key made, changed or revoked is an event on
 * the chain (never the key itself). user.manage over the key's account's
 * org and over the key's org; keys outside the caller's subtree are neither
 * listed nor touched. Scopes, org binding and rate: docs/apikeys.md.
 */
#include "api/api.h"
#include "core/apikey.h"
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
	int64_t id;              /* a change: the key's id */
	struct apikey_spec spec; /* spec.org is a reference, released with the request */
};

static void set_time_ms(json_t *o, const char *key, int64_t at, bool null)
{
	if (null) {
		json_object_set_new(o, key, json_null());
		return;
	}
	char iso[ISO8601_MAX];
	time_format_iso(at, iso, sizeof iso);
	json_object_set_new(o, key, json_string(iso));
}

/* A key as listed, from a row of APIKEY_VIEW_COLS (store/stmt_apikeys.h);
 * its last use the later of the stored one and this process's. */
static json_t *apikey_view(struct store_stmt *s)
{
	int64_t id = scol_int(s, 0);
	json_t *k =
	    json_pack("{s:I,s:s,s:{s:s,s:s},s:o,s:{s:I,s:s,s:s},s:i}", "id", (json_int_t)id, "name",
	              scol_text(s, 1), "user", "login", scol_text(s, 4), "name", scol_text(s, 5),
	              "scopes", apikey_scopes_json(apikey_scopes_parse(scol_text(s, 7))), "org",
	              "id", (json_int_t)scol_int(s, 10), "code", scol_text(s, 11), "name",
	              scol_text(s, 12), "rate_per_min", (int)scol_int(s, 8));
	if (!k)
		return NULL;
	set_time_ms(k, "created_at", scol_int(s, 2), false);
	set_time_ms(k, "revoked_at", scol_null(s, 3) ? 0 : scol_int(s, 3), scol_null(s, 3));
	int64_t used = scol_null(s, 9) ? 0 : scol_int(s, 9), mem = apikey_last_used(id);
	if (mem > used)
		used = mem;
	set_time_ms(k, "last_used_at", used, used == 0);
	return k;
}

/* The caller manages the key: user.manage over its account's org (column 6)
 * and over its org (column 13). */
static bool apikey_managed(const struct req *r, struct store_stmt *s)
{
	return actor_can(&r->actor, P_USER_MANAGE, scol_text(s, 6)) &&
	       actor_can(&r->actor, P_USER_MANAGE, scol_text(s, 13));
}

/* GET /api/v1/apikeys → {"items":[{"id","name","user":{"login","name"},
 * "scopes","org":{"id","code","name"},"rate_per_min","created_at",
 * "revoked_at","last_used_at"}]}: keys the caller manages. */
enum handler_result api_apikeys(struct req *r)
{
	struct store_stmt *s = store_stmt(r->reader, ST_APIKEY_VIEW_LIST);
	json_t *items = json_array();
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (!apikey_managed(r, s))
			continue;
		json_t *k = apikey_view(s);
		if (!k) {
			rc = STORE_ERROR;
			break;
		}
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
	struct apikey_opts o;
	if (account_apikey_add(w, &by, k->login, k->name, &k->spec, key, &u, &o, &r->err) != 0)
		return -1;
	if (!actor_can(&r->actor, P_USER_MANAGE, o.org_path)) {
		sodium_memzero(key, sizeof key);
		return err_set(&r->err, E_FIELD_INVALID, "org", "组织机构 %s 不在您的管理范围内",
		               o.org_code);
	}
	struct store_stmt *s = store_stmt(w->conn, ST_ORG_BY_ID);
	sbind_int(s, 1, o.org_id);
	char org_name[256] = "";
	if (sstep(s) == STORE_ROW)
		snprintf(org_name, sizeof org_name, "%s", scol_text(s, 2));
	sreset(s);
	r->status = 201;
	r->out = json_pack("{s:s,s:s,s:{s:s},s:o,s:{s:I,s:s,s:s},s:i}", "key", key, "name", k->name,
	                   "user", "login", u.login, "scopes", apikey_scopes_json(o.scopes), "org",
	                   "id", (json_int_t)o.org_id, "code", o.org_code, "name", org_name,
	                   "rate_per_min", o.rate);
	sodium_memzero(key, sizeof key);
	return 0;
}

/* Reads "scopes" and "rate_per_min" of the body into *sp. */
static int spec_read(struct req *r, struct apikey_spec *sp)
{
	json_t *scopes = json_object_get(r->in, "scopes");
	json_t *rate = json_object_get(r->in, "rate_per_min");
	if (scopes) {
		if (apikey_scopes_from_json(scopes, &sp->scopes, &r->err) != 0)
			return -1;
		sp->has_scopes = true;
	}
	if (rate) {
		json_int_t n = json_is_integer(rate) ? json_integer_value(rate) : 0;
		if (n < APIKEY_RATE_MIN || n > APIKEY_RATE_MAX)
			return err_set(&r->err, E_FIELD_INVALID, "rate_per_min",
			               "rate_per_min 须为 %d–%d 的整数", APIKEY_RATE_MIN,
			               APIKEY_RATE_MAX);
		sp->rate = (int)n;
	}
	return 0;
}

/* Reads {"user"?, "name", "scopes"?, "org"?, "rate_per_min"?} into a new
 * apikey_req on r->hctx. */
static enum handler_result apikey_submit(struct req *r, bool revoke)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	/* a revoke takes the name only */
	static const char *const keys[] = {"name", "user", "scopes", "org", "rate_per_min"};
	const char *bad = json_unknown_key(r->in, keys, revoke ? 1 : 5);
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
	if (!revoke) {
		if (spec_read(r, &k->spec) != 0)
			return reply_failed(r);
		json_t *org = json_object_get(r->in, "org");
		if (org && !json_is_string(org) && !json_is_integer(org))
			return reply_err(r, E_FIELD_INVALID, "org", "org 须为组织机构代码或编号");
		k->spec.org = org; /* r->in lives as long as the request */
	}
	return reply_async(r, apikey_job);
}

/* POST /api/v1/apikeys {"user","name","scopes"?,"org"?,"rate_per_min"?} →
 * 201 {"key","name","user","scopes","org":{"id","code","name"},"rate_per_min"}: the key is shown
 * this once; only its hash is stored. */
enum handler_result api_apikey_create(struct req *r)
{
	return apikey_submit(r, false);
}

/* POST /api/v1/apikeys/revoke {"name"} → 200: the key stops working at once. */
enum handler_result api_apikey_revoke(struct req *r)
{
	return apikey_submit(r, true);
}

/* writer job: the key must still be live and the caller's to manage. */
static int apikey_change_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct apikey_req *k = r->hctx;
	struct store_stmt *s = store_stmt(w->conn, ST_APIKEY_VIEW);
	sbind_int(s, 1, k->id);
	int rc = sstep(s);
	bool ok = rc == STORE_ROW && apikey_managed(r, s);
	sreset(s);
	if (!ok)
		return rc == STORE_ROW || rc == STORE_DONE
		           ? err_set(&r->err, E_NOT_FOUND, NULL, "没有这个 API 密钥")
		           : err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	struct account_actor by = {r->actor.user_id, r->actor.org_id, "api"};
	bool changed;
	if (apikey_change(w, &by, k->id, &k->spec, &changed, &r->err) != 0)
		return -1;
	s = store_stmt(w->conn, ST_APIKEY_VIEW);
	sbind_int(s, 1, k->id);
	json_t *view = sstep(s) == STORE_ROW ? apikey_view(s) : NULL;
	sreset(s);
	if (!view)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	r->status = 200;
	r->out = json_pack("{s:o,s:b}", "apikey", view, "changed", changed);
	return 0;
}

/* PATCH /api/v1/apikeys/{id} {"scopes"?,"rate_per_min"?} → 200
 * {"apikey":{…as listed},"changed"}: a revoked key, or one the caller does
 * not manage, is 404; apikey.change on the chain when anything changed. */
enum handler_result api_apikey_update(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "没有这个 API 密钥");
	if (req_json(r) != 0)
		return reply_failed(r);
	static const char *const keys[] = {"scopes", "rate_per_min"};
	const char *bad = json_unknown_key(r->in, keys, 2);
	if (bad)
		return reply_err(r, E_FIELD_UNKNOWN, bad, NULL);
	struct apikey_req *k = calloc(1, sizeof *k);
	if (!k)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = k;
	k->id = id;
	if (spec_read(r, &k->spec) != 0)
		return reply_failed(r);
	return reply_async(r, apikey_change_job);
}
