/* Sign-in, sign-out, "who am I" and changing one's own password (API.md "Conventions"). */
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"
#include "http/offload.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/json.h"
#include "util/timeutil.h"

/* An Argon2id hash of a random password, verified against when the login
 * does not exist, so both paths cost the same. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
	char pw[33];
	random_hex(pw, 16);
	password_hash(pw, dummy_hash);
}

/* A sign-in in flight: read by the handler, verified on the offload pool
 * (http/offload.h), stored by login_job on the writer. */
struct login_ctx {
	int64_t user_id; /* 0 = no such login */
	bool disabled;
	char hash[crypto_pwhash_STRBYTES];
	char login[LOGIN_MAX + 1];
	char password[PASSWORD_MAX + 1]; /* wiped once verified */
	char token[TOKEN_HEX_LEN + 1];
	char csrf[TOKEN_HEX_LEN + 1];
};

json_t *api_user_json(const struct actor *a)
{
	json_t *roles = json_array(), *grants = json_array();
	for (int i = 0; i < a->nroles; i++) {
		json_array_append_new(roles, json_string(a->roles[i].role));
		json_array_append_new(grants, json_pack("{s:s,s:s}", "role", a->roles[i].role,
		                                        "scope", a->roles[i].scope_code));
	}
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:o,s:o}", "id", (json_int_t)a->user_id, "login",
	                 a->login, "name", a->name, "org", a->org_code, "org_id",
	                 (json_int_t)a->org_id, "roles", roles, "grants", grants);
}

/* writer job: stores the new session. */
static int login_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct login_ctx *lc = r->hctx;
	unsigned char h[32];
	int64_t now = time_real_ms(); /* sessions live on the wall clock */
	session_token_hash(lc->token, h);
	struct store_stmt *s = store_stmt(w->conn, ST_SESSION_INSERT);
	sbind_blob(s, 1, h, sizeof h);
	sbind_int(s, 2, lc->user_id);
	sbind_text(s, 3, lc->csrf);
	sbind_int(s, 4, now);
	sbind_int(s, 5, now + w->app->session_ttl_ms);
	if (sdone(s) != STORE_DONE)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	struct actor a;
	if (actor_load(w->conn, lc->user_id, &a) != 0)
		return err_set(&r->err, E_BAD_CREDENTIALS, NULL, NULL);
	/* purge expired sessions now and then */
	if ((now & 63) == 0) {
		s = store_stmt(w->conn, ST_SESSION_PURGE);
		sbind_int(s, 1, now);
		sdone(s);
	}
	char exp[ISO8601_MAX];
	time_format_iso(now + w->app->session_ttl_ms, exp, sizeof exp);
	r->status = 200;
	r->out = json_pack("{s:s,s:s,s:s,s:o}", "token", lc->token, "csrf_token", lc->csrf,
	                   "expires_at", exp, "user", api_user_json(&a));
	long ttl = (long)(w->app->session_ttl_ms / 1000);
	snprintf(r->set_cookie[0], sizeof r->set_cookie[0],
	         "cl_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld", lc->token, ttl);
	snprintf(r->set_cookie[1], sizeof r->set_cookie[1],
	         "cl_csrf=%s; Path=/; SameSite=Strict; Max-Age=%ld", lc->csrf, ttl);
	return 0;
}

/* Offload pool: Argon2id against the stored hash (or the dummy one), then
 * settles the throttle reservation. */
static int login_verify(struct req *r)
{
	struct login_ctx *lc = r->hctx;
	pthread_once(&dummy_once, dummy_init);
	/* verify even for unknown logins so timing does not tell which exist */
	bool ok = password_verify(lc->user_id ? lc->hash : dummy_hash, lc->password) &&
	          lc->user_id && !lc->disabled;
	sodium_memzero(lc->password, sizeof lc->password);
	throttle_settle(lc->login, r->address, ok ? THROTTLE_SUCCEEDED : THROTTLE_FAILED,
	                time_real_ms());
	if (!ok)
		return err_set(&r->err, E_BAD_CREDENTIALS, NULL, NULL);
	random_hex(lc->token, 32);
	random_hex(lc->csrf, 32);
	return 0;
}

/* One of the two string members a credentials body carries. */
struct secret_field {
	const char *key;
	const char *missing;  /* the message when absent or empty */
	size_t max;           /* bytes; 0: checked elsewhere (the password policy) */
	const char *too_long; /* the message past max */
};

/* The JSON body {f[0].key, f[1].key} and nothing else, both non-empty
 * strings of at most their max, into v[] (borrowed from r->in). Every
 * presence is checked before any length. 0, or -1 with r->err set. */
static int req_secrets(struct req *r, const struct secret_field f[2], const char *v[2])
{
	if (req_json(r) != 0)
		return -1;
	const char *const keys[] = {f[0].key, f[1].key};
	const char *bad = json_unknown_key(r->in, keys, 2);
	if (bad)
		return err_set(&r->err, E_FIELD_UNKNOWN, bad, "不认识的字段");
	for (int i = 0; i < 2; i++)
		v[i] = json_string_value(json_object_get(r->in, f[i].key));
	for (int i = 0; i < 2; i++)
		if (!v[i] || !*v[i])
			return err_set(&r->err, E_FIELD_REQUIRED, f[i].key, "%s", f[i].missing);
	for (int i = 0; i < 2; i++)
		if (f[i].max && strlen(v[i]) > f[i].max)
			return err_set(&r->err, E_FIELD_TOO_LONG, f[i].key, "%s", f[i].too_long);
	return 0;
}

/* POST /api/v1/auth/login {"login","password"}. The attempt reserves its
 * throttle slot first (429 when the account, the address or the address's
 * rate is spent), the password is checked off the HTTP threads (503 when
 * too many wait), and the session is stored by the writer. */
enum handler_result api_login(struct req *r)
{
	static const struct secret_field fields[] = {
	    {"login", "请输入账号", LOGIN_MAX, "账号过长"},
	    {"password", "请输入密码", PASSWORD_MAX, "密码过长"}};
	const char *v[2];
	if (req_secrets(r, fields, v) != 0)
		return reply_failed(r);
	const char *login = v[0], *password = v[1];
	int64_t now = time_real_ms();
	enum throttle_verdict tv = throttle_reserve(login, r->address, now);
	if (tv != THROTTLE_OK)
		return reply_err(r, E_THROTTLED, NULL, throttle_message(tv));
	struct login_ctx *lc = calloc(1, sizeof *lc);
	if (!lc) {
		throttle_settle(login, r->address, THROTTLE_CANCELLED, now);
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	}
	r->hctx = lc;
	snprintf(lc->login, sizeof lc->login, "%s", login);
	snprintf(lc->password, sizeof lc->password, "%s", password);
	struct store_stmt *s = store_stmt(r->reader, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login);
	lc->disabled = true;
	if (sstep(s) == STORE_ROW) {
		lc->user_id = scol_int(s, 0);
		snprintf(lc->hash, sizeof lc->hash, "%s", scol_text(s, 4));
		lc->disabled = scol_int(s, 5) != 0;
	}
	sreset(s);
	if (req_offload(r, login_verify, login_job) != 0) {
		sodium_memzero(lc->password, sizeof lc->password);
		throttle_settle(login, r->address, THROTTLE_CANCELLED, now);
		return reply_err(r, E_UNAVAILABLE, NULL, "登录的人太多，服务器正忙，请稍后再试");
	}
	return H_ASYNC;
}

static int logout_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	unsigned char *h = r->hctx;
	struct store_stmt *s = store_stmt(w->conn, ST_SESSION_DELETE);
	sbind_blob(s, 1, h, 32);
	if (sdone(s) != STORE_DONE)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	r->status = 200;
	r->out = json_pack("{s:b}", "ok", 1);
	snprintf(r->set_cookie[0], sizeof r->set_cookie[0],
	         "cl_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	snprintf(r->set_cookie[1], sizeof r->set_cookie[1], "cl_csrf=; Path=/; Max-Age=0");
	return 0;
}

/* The session token the request came with (bearer or cookie), NULL when it
 * came with an API key or none. */
static const char *request_session_token(struct req *r)
{
	const char *h = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	if (req_header(r, "X-API-Key") ||
	    (h && !strncasecmp(h, "Bearer " APIKEY_PREFIX, 7 + strlen(APIKEY_PREFIX))))
		return NULL;
	return h && !strncasecmp(h, "Bearer ", 7)
	           ? h + 7
	           : MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "cl_session");
}

/* POST /api/v1/auth/logout: ends the session the request came with. */
enum handler_result api_logout(struct req *r)
{
	const char *token = request_session_token(r);
	unsigned char *hash = malloc(32);
	if (!hash || !token) {
		free(hash);
		return reply_err(r, E_UNAUTHENTICATED, NULL, NULL);
	}
	session_token_hash(token, hash);
	r->hctx = hash;
	return reply_async(r, logout_job);
}

/* GET /api/v1/auth/me */
enum handler_result api_me(struct req *r)
{
	return reply_json(r, 200, json_pack("{s:o}", "user", api_user_json(&r->actor)));
}

/* A password change in flight (POST /api/v1/auth/password). */
struct pwchange_ctx {
	struct account u;              /* the caller's account as the handler read it */
	char old_pw[PASSWORD_MAX + 1]; /* wiped once verified */
	char new_pw[PASSWORD_MAX + 1]; /* wiped once hashed */
	char new_hash[crypto_pwhash_STRBYTES];
	unsigned char keep[32]; /* BLAKE2b of the session making the change */
};

/* Offload pool: checks the old password (settling the throttle slot) and
 * hashes the new one. */
static int pwchange_verify(struct req *r)
{
	struct pwchange_ctx *pc = r->hctx;
	bool ok = password_verify(pc->u.pw_hash, pc->old_pw);
	sodium_memzero(pc->old_pw, sizeof pc->old_pw);
	throttle_settle(r->actor.login, r->address, ok ? THROTTLE_SUCCEEDED : THROTTLE_FAILED,
	                time_real_ms());
	int rc = !ok ? err_set(&r->err, E_FIELD_INVALID, "old_password", "原密码不正确")
	         : password_hash(pc->new_pw, pc->new_hash) != 0
	             ? err_set(&r->err, E_UNAVAILABLE, NULL, "内存不足，请稍后重试")
	             : 0;
	sodium_memzero(pc->new_pw, sizeof pc->new_pw);
	return rc;
}

/* writer job: stores the new hash and ends the account's other sessions. */
static int pwchange_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct pwchange_ctx *pc = r->hctx;
	struct account now;
	if (account_find(w->conn, NULL, pc->u.id, &now) != 0 || now.disabled)
		return err_set(&r->err, E_UNAUTHENTICATED, NULL, "登录已失效，请重新登录");
	if (strcmp(now.pw_hash, pc->u.pw_hash) != 0)
		return err_set(&r->err, E_CONFLICT, "old_password",
		               "密码刚被修改过，请重新输入原密码");
	struct account_actor by = {r->actor.user_id, r->actor.org_id, "api"};
	int revoked = 0;
	if (account_set_password(w, &now, pc->new_hash, pc->keep, &by, &revoked, &r->err) != 0)
		return -1;
	r->status = 200;
	r->out = json_pack("{s:b,s:i}", "ok", 1, "sessions_revoked", revoked);
	return 0;
}

/* POST /api/v1/auth/password {"old_password","new_password"}: the signed-in
 * user's own password. The old one must match (a wrong one counts against
 * the login throttle), the new one must pass the policy and differ. Every
 * other session of the account ends; the one making the request stays. */
enum handler_result api_password_change(struct req *r)
{
	const char *token = request_session_token(r);
	if (!token)
		return reply_err(r, E_FORBIDDEN, NULL, "API 密钥不能修改密码，请以账号登录后修改");
	static const struct secret_field fields[] = {
	    {"old_password", "请输入原密码", PASSWORD_MAX, "密码过长"},
	    {"new_password", "请输入新密码", 0, NULL}};
	const char *v[2];
	if (req_secrets(r, fields, v) != 0)
		return reply_failed(r);
	const char *old_pw = v[0], *new_pw = v[1];
	if (password_policy_check(password_policy_get(), r->actor.login, new_pw, "new_password",
	                          &r->err) != 0)
		return reply_failed(r);
	if (!strcmp(old_pw, new_pw))
		return reply_err(r, E_FIELD_INVALID, "new_password", "新密码不能与原密码相同");
	struct pwchange_ctx *pc = calloc(1, sizeof *pc);
	if (!pc)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = pc;
	if (account_find(r->reader, NULL, r->actor.user_id, &pc->u) != 0)
		return reply_err(r, E_UNAUTHENTICATED, NULL, "登录已失效，请重新登录");
	int64_t now = time_real_ms();
	enum throttle_verdict tv = throttle_reserve(r->actor.login, r->address, now);
	if (tv != THROTTLE_OK)
		return reply_err(r, E_THROTTLED, NULL, throttle_message(tv));
	snprintf(pc->old_pw, sizeof pc->old_pw, "%s", old_pw);
	snprintf(pc->new_pw, sizeof pc->new_pw, "%s", new_pw);
	session_token_hash(token, pc->keep);
	if (req_offload(r, pwchange_verify, pwchange_job) != 0) {
		sodium_memzero(pc, sizeof *pc);
		throttle_settle(r->actor.login, r->address, THROTTLE_CANCELLED, now);
		return reply_err(r, E_UNAVAILABLE, NULL, "服务器正忙，请稍后再试");
	}
	return H_ASYNC;
}
