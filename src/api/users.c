/*
 * Accounts, for admins (user.manage, over the subtrees it is held over):
 * GET /api/v1/users (list), POST /api/v1/users (create) and PATCH
 * /api/v1/users/{id} (disable / enable, rename, roles, password reset).
 * An account outside the caller's scopes is never listed and answers 404,
 * exactly like a missing one; an org outside them is refused exactly like
 * an unknown org. The work is in core/directory.c, shared with `civicloop
 * user add` (the same checks, the same user.add event). A password is
 * hashed (Argon2id) on the offload pool, never on an HTTP thread or the
 * writer.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"
#include "http/offload.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"
#include "util/utf8.h"

/* Resolves the org a request names (an id, or a code) inside the caller's
 * user.manage scopes into *id, path and code (may be NULL). 0, or -1 when
 * it names none or one outside them: the two look alike. */
static int managed_org(struct req *r, json_t *v, int64_t *id, char path[ORG_PATH_MAX],
                       char code[64])
{
	char p[ORG_PATH_MAX];
	if (org_resolve(r->reader, v, id, p, sizeof p, code, code ? 64 : 0) != 0 ||
	    !actor_can(&r->actor, P_USER_MANAGE, p))
		return -1;
	if (path)
		snprintf(path, ORG_PATH_MAX, "%s", p);
	return 0;
}

/* The ?org= of a query: decimal digits name an id, anything else a code. */
static json_t *org_param(const char *v)
{
	size_t n = strspn(v, "0123456789");
	if (n > 0 && n <= 18 && !v[n] && v[0] != '0')
		return json_integer(strtoll(v, NULL, 10));
	return json_string(v);
}

/* GET /api/v1/users?org=ID|CODE&q=&cursor=&limit= → {"items":[account…],
 * "next_cursor"}: accounts inside the caller's user.manage scopes (and
 * inside org's subtree when given), whose login or name contains q. */
enum handler_result api_users(struct req *r)
{
	struct account_query q = {.limit = 50};
	int64_t limit = 50, cursor = 0;
	if (req_query_int(r, "limit", 1, 200, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0)
		return reply_failed(r);
	q.limit = (int)limit;
	q.cursor = cursor;
	char path[ORG_PATH_MAX];
	const char *org = req_query(r, "org");
	if (org && *org) {
		json_t *v = org_param(org);
		int64_t id;
		int rc = managed_org(r, v, &id, path, NULL);
		json_decref(v);
		if (rc != 0)
			return reply_err(r, E_FIELD_INVALID, "org", "不是已知的单位");
		q.org_path = path;
	}
	const char *text = req_query(r, "q");
	if (text && *text) {
		if (utf8_chars(text) > ACCOUNT_QUERY_MAX)
			return reply_err(r, E_FIELD_TOO_LONG, "q",
			                 "搜索词至多 " TEXT_STR(ACCOUNT_QUERY_MAX) " 字");
		q.q = text;
	}
	json_t *out;
	if (account_list(r->reader, &r->actor, &q, &out, &r->err) != 0)
		return reply_failed(r);
	return reply_json(r, 200, out);
}

/* A new account in flight: checked by the handler, its password hashed on
 * the offload pool, written by user_create_job. */
struct user_new {
	char login[LOGIN_MAX + 1];
	char name[USER_NAME_MAX * 4 + 1];
	char org[64]; /* the org's code */
	char roles[ACTOR_MAX_ROLES][24];
	char scopes[ACTOR_MAX_ROLES][64]; /* a grant's scope's code, "" = the account's org */
	int nroles;
	char password[PASSWORD_MAX + 1]; /* wiped once hashed */
	char hash[crypto_pwhash_STRBYTES];
};

/* Offload pool: the password's Argon2id hash. */
static int user_create_hash(struct req *r)
{
	struct user_new *u = r->hctx;
	int rc = password_hash(u->password, u->hash);
	sodium_memzero(u->password, sizeof u->password);
	return rc == 0 ? 0 : err_set(&r->err, E_UNAVAILABLE, NULL, "内存不足，请稍后重试");
}

/* writer job: the account, its grants and its user.add event (account_add),
 * answered as GET /api/v1/users lists it. */
static int user_create_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct user_new *u = r->hctx;
	struct role_spec roles[ACTOR_MAX_ROLES];
	for (int i = 0; i < u->nroles; i++)
		roles[i] = (struct role_spec){u->roles[i], u->scopes[i][0] ? u->scopes[i] : NULL};
	struct account_new n = {.login = u->login,
	                        .name = u->name,
	                        .org = u->org,
	                        .pw_hash = u->hash,
	                        .roles = roles,
	                        .nroles = u->nroles};
	struct account_actor by = {r->actor.user_id, r->actor.org_id, "api"};
	int64_t uid = account_add(w, &by, &n, &r->err);
	if (uid < 0)
		return -1;
	json_t *view = account_view(w->conn, uid);
	if (!view)
		return err_oom(&r->err);
	r->out = json_pack("{s:o}", "user", view);
	r->status = 201;
	return 0;
}

/* The string member `key` of the body: NULL with r->err set when it is
 * missing (field.required) or not a string (field.invalid). */
static const char *body_string(struct req *r, const char *key)
{
	json_t *v = json_object_get(r->in, key);
	if (!v)
		err_set(&r->err, E_FIELD_REQUIRED, key, "缺少 %s", key);
	else if (!json_is_string(v))
		err_set(&r->err, E_FIELD_INVALID, key, "%s 须为字符串", key);
	return json_string_value(v);
}

/* One entry of "roles": "ROLE" (held over the account's own org) or
 * "ROLE@ORG_CODE" (over that org's subtree, which must lie inside the
 * caller's user.manage scopes), as `civicloop user add --role` takes it,
 * into role[24] and scope[64] ("" for none). Whether the role exists is
 * user_roles_check's. 0, or -1 with r->err set (400 on "roles"). */
static int role_read(struct req *r, const char *entry, char role[24], char scope[64])
{
	if (!entry)
		return err_set(&r->err, E_FIELD_INVALID, "roles", "roles 须为角色名的数组");
	const char *at = strchr(entry, '@');
	size_t n = at ? (size_t)(at - entry) : strlen(entry);
	char clip[UTF8_CLIP_BUF];
	if (n == 0 || n >= 24)
		return err_set(&r->err, E_FIELD_INVALID, "roles", "没有角色 %s",
		               utf8_clip(entry, 32, clip, sizeof clip));
	memcpy(role, entry, n);
	role[n] = '\0';
	scope[0] = '\0';
	if (!at)
		return 0;
	json_t *v = json_string(at + 1);
	int64_t id;
	int rc = v ? managed_org(r, v, &id, NULL, scope) : -1;
	json_decref(v);
	if (rc != 0)
		return err_set(&r->err, E_FIELD_INVALID, "roles", "角色范围 %s 不是已知的单位",
		               utf8_clip(at + 1, 32, clip, sizeof clip));
	return 0;
}

/* The "roles" member v of a body: 1–ACTOR_MAX_ROLES entries read by
 * role_read into role[] and scope[], their number into *n, and checked by
 * user_roles_check. 0, or -1 with r->err set. */
static int roles_body_read(struct req *r, json_t *v, char role[][24], char scope[][64], int *n)
{
	if (!v)
		return err_set(&r->err, E_FIELD_REQUIRED, "roles", "缺少 roles");
	if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > ACTOR_MAX_ROLES)
		return err_set(&r->err, E_FIELD_INVALID, "roles", "roles 须为 1–%d 个角色名",
		               ACTOR_MAX_ROLES);
	struct role_spec spec[ACTOR_MAX_ROLES];
	size_t i;
	json_t *entry;
	json_array_foreach(v, i, entry)
	{
		if (role_read(r, json_string_value(entry), role[i], scope[i]) != 0)
			return -1;
		spec[i] = (struct role_spec){role[i], scope[i][0] ? scope[i] : NULL};
	}
	*n = (int)i;
	return user_roles_check(spec, *n, &r->err);
}

/* Reads and checks the body of POST /api/v1/users into u, in the order
 * login, name, org, roles, password. 0, or -1 with r->err set. */
static int user_new_read(struct req *r, struct user_new *u)
{
	static const char *const keys[] = {"login", "name", "org", "roles", "password"};
	const char *bad = json_unknown_key(r->in, keys, 5);
	if (bad)
		return err_set(&r->err, E_FIELD_UNKNOWN, bad,
		               "只能提供 login、name、org、roles、password");
	const char *login = body_string(r, "login");
	const char *name = login ? body_string(r, "name") : NULL;
	if (!login || !name || user_check(login, name, &r->err) != 0)
		return -1;
	json_t *org = json_object_get(r->in, "org");
	int64_t org_id;
	if (!org)
		return err_set(&r->err, E_FIELD_REQUIRED, "org", "缺少 org");
	if (managed_org(r, org, &org_id, NULL, u->org) != 0)
		return err_set(&r->err, E_FIELD_INVALID, "org", "不是已知的单位");
	if (roles_body_read(r, json_object_get(r->in, "roles"), u->roles, u->scopes, &u->nroles) !=
	    0)
		return -1;
	const char *password = body_string(r, "password");
	if (!password ||
	    password_policy_check(password_policy_get(), login, password, "password", &r->err) != 0)
		return -1;
	snprintf(u->login, sizeof u->login, "%s", login);
	snprintf(u->name, sizeof u->name, "%s", name);
	snprintf(u->password, sizeof u->password, "%s", password);
	return 0;
}

/* The Idempotency-Key's body hash, keyed with the instance's blind-index key:
 * the stored hash covers the password, and an unkeyed one would let anyone
 * holding the database test guesses at BLAKE2b speed instead of Argon2id's. */
static void idem_hash_keyed(struct req *r)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, r->app->keys.blind, sizeof r->app->keys.blind,
	                        sizeof r->idem_hash);
	crypto_generichash_update(&st, (const unsigned char *)"civicloop.idem.users", 21);
	crypto_generichash_update(&st, (const unsigned char *)r->url, strlen(r->url) + 1);
	crypto_generichash_update(&st, (const unsigned char *)(r->body.data ? r->body.data : ""),
	                          r->body.len);
	crypto_generichash_final(&st, r->idem_hash, sizeof r->idem_hash);
}

/* POST /api/v1/users {"login","name","org"(code or id),"roles":[…],"password"}
 * → 201 {"user":account}: user.manage over the org (and over each
 * "ROLE@ORG" scope; a bare "ROLE" is held over the account's org). The checks of `civicloop
 * user add` (core/directory.c) and the password policy, then 409 user.exists
 * for a login in use; the password is hashed off the HTTP threads (503 when
 * too many wait) and the account written by the writer with its user.add
 * event. Idempotency-Key honoured. */
enum handler_result api_user_create(struct req *r)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	struct user_new *u = calloc(1, sizeof *u);
	if (!u)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = u;
	if (user_new_read(r, u) != 0) {
		sodium_memzero(u->password, sizeof u->password);
		return reply_failed(r);
	}
	struct account taken;
	/* a replay of an Idempotency-Key finds its own account: the writer answers it */
	if (!r->idem_key[0] && account_find(r->reader, u->login, 0, &taken) == 0) {
		sodium_memzero(u->password, sizeof u->password);
		err_set(&r->err, E_USER_EXISTS, "login", "账号 %s 已存在", u->login);
		return reply_failed(r);
	}
	if (r->idem_key[0])
		idem_hash_keyed(r);
	if (req_offload(r, user_create_hash, user_create_job) != 0) {
		sodium_memzero(u->password, sizeof u->password);
		return reply_err(r, E_UNAVAILABLE, NULL, "服务器正忙，请稍后再试");
	}
	return H_ASYNC;
}

/* A change of an account in flight (PATCH /api/v1/users/{id}). */
struct user_update {
	int64_t id;
	int disabled; /* -1: unchanged; else the new state */
	bool set_name, set_roles, set_password;
	char name[USER_NAME_MAX * 4 + 1];
	char roles[ACTOR_MAX_ROLES][24];
	char scopes[ACTOR_MAX_ROLES][64]; /* "" = none given */
	int nroles;
	char password[PASSWORD_MAX + 1]; /* wiped once hashed */
	char hash[crypto_pwhash_STRBYTES];
};

/* Offload pool: the new password's Argon2id hash. */
static int user_update_hash(struct req *r)
{
	struct user_update *uu = r->hctx;
	int rc = password_hash(uu->password, uu->hash);
	sodium_memzero(uu->password, sizeof uu->password);
	return rc == 0 ? 0 : err_set(&r->err, E_UNAVAILABLE, NULL, "内存不足，请稍后重试");
}

/* writer job: re-reads the account and applies the changes asked for, in
 * the order name, roles, password, disabled (directory.c: each its event;
 * a new password and disabling end the account's sessions, disabling
 * revokes its API keys). */
static int user_update_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct user_update *uu = r->hctx;
	struct account u;
	if (account_find(w->conn, NULL, uu->id, &u) != 0)
		return err_set(&r->err, E_NOT_FOUND, NULL, "没有这个账号");
	struct account_actor by = {r->actor.user_id, r->actor.org_id, "api"};
	bool any = false, changed = false;
	int sessions = 0, apikeys = 0, n = 0;
	if (uu->set_name && account_set_name(w, &u, uu->name, &by, &changed, &r->err) != 0)
		return -1;
	any |= changed;
	if (uu->set_roles) {
		struct role_spec roles[ACTOR_MAX_ROLES];
		for (int i = 0; i < uu->nroles; i++)
			roles[i] = (struct role_spec){uu->roles[i],
			                              uu->scopes[i][0] ? uu->scopes[i] : NULL};
		if (account_set_roles(w, &u, roles, uu->nroles, &by, &changed, &r->err) != 0)
			return -1;
		any |= changed;
	}
	if (uu->set_password) {
		if (account_set_password(w, &u, uu->hash, NULL, &by, &n, &r->err) != 0)
			return -1;
		sessions += n;
		any = true;
	}
	if (uu->disabled >= 0) {
		if (account_set_disabled(w, &u, uu->disabled, &by, &changed, &n, &apikeys,
		                         &r->err) != 0)
			return -1;
		sessions += n;
		any |= changed;
	}
	r->status = 200;
	r->out = json_pack("{s:{s:I,s:s,s:s,s:b},s:b,s:i,s:i}", "user", "id", (json_int_t)u.id,
	                   "login", u.login, "org", u.org_code, "disabled",
	                   uu->disabled >= 0 ? uu->disabled == 1 : u.disabled, "changed", any,
	                   "sessions_revoked", sessions, "apikeys_revoked", apikeys);
	return 0;
}

/* Reads and checks the body of PATCH /api/v1/users/{id} for account u into
 * uu. 0, or -1 with r->err set: 400 for bad input, then 409 for what one
 * may not do to one's own account. */
static int user_update_read(struct req *r, const struct account *u, struct user_update *uu)
{
	static const char *const keys[] = {"disabled", "name", "roles", "password"};
	const char *bad = json_unknown_key(r->in, keys, 4);
	if (bad)
		return err_set(&r->err, E_FIELD_UNKNOWN, bad,
		               "只能修改 disabled、name、roles、password");
	if (json_object_size(r->in) == 0)
		return err_set(&r->err, E_FIELD_REQUIRED, NULL,
		               "请提供要修改的 disabled、name、roles 或 password");
	json_t *d = json_object_get(r->in, "disabled");
	if (d && !json_is_boolean(d))
		return err_set(&r->err, E_FIELD_INVALID, "disabled", "disabled 须为 true 或 false");
	uu->disabled = d ? json_is_true(d) : -1;
	if ((uu->set_name = json_object_get(r->in, "name") != NULL)) {
		const char *name = body_string(r, "name");
		if (!name || user_name_check(name, &r->err) != 0)
			return -1;
		snprintf(uu->name, sizeof uu->name, "%s", name);
	}
	json_t *roles = json_object_get(r->in, "roles");
	if ((uu->set_roles = roles != NULL) &&
	    roles_body_read(r, roles, uu->roles, uu->scopes, &uu->nroles) != 0)
		return -1;
	if ((uu->set_password = json_object_get(r->in, "password") != NULL)) {
		const char *pw = body_string(r, "password");
		if (!pw || password_policy_check(password_policy_get(), u->login, pw, "password",
		                                 &r->err) != 0)
			return -1;
		snprintf(uu->password, sizeof uu->password, "%s", pw);
	}
	if (u->id != r->actor.user_id)
		return 0;
	if (uu->disabled == 1)
		return err_set(&r->err, E_CONFLICT, "disabled", "不能停用自己的账号");
	if (uu->set_roles)
		return err_set(&r->err, E_CONFLICT, "roles", "不能修改自己的角色");
	if (uu->set_password)
		return err_set(&r->err, E_CONFLICT, "password",
		               "修改自己的密码请用 POST /api/v1/auth/password（需要原密码）");
	return 0;
}

/* PATCH /api/v1/users/{id} {"disabled"?,"name"?,"roles"?,"password"?}:
 * user.manage over the account's org (outside every such scope: 404), and
 * over each "ROLE@ORG" scope. Disabling ends the account's sessions and
 * revokes its API keys; a new password (the policy applies, hashed off the
 * HTTP threads) ends its sessions. One's own account cannot be disabled,
 * given roles or a password here. An event for each change made. */
enum handler_result api_user_update(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	struct account u;
	if (id < 0 || account_find(r->reader, NULL, id, &u) != 0 ||
	    !actor_can(&r->actor, P_USER_MANAGE, u.org_path))
		return reply_err(r, E_NOT_FOUND, NULL, "没有这个账号");
	if (req_json(r) != 0)
		return reply_failed(r);
	struct user_update *uu = calloc(1, sizeof *uu);
	if (!uu)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = uu;
	uu->id = id;
	if (user_update_read(r, &u, uu) != 0) {
		sodium_memzero(uu->password, sizeof uu->password);
		return reply_failed(r);
	}
	if (!uu->set_password)
		return reply_async(r, user_update_job);
	if (req_offload(r, user_update_hash, user_update_job) != 0) {
		sodium_memzero(uu->password, sizeof uu->password);
		return reply_err(r, E_UNAVAILABLE, NULL, "服务器正忙，请稍后再试");
	}
	return H_ASYNC;
}
