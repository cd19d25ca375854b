/* Sign-in, sign-out and "who am I" (API.md "Conventions"). */
#include "api/api.h"
#include "core/app.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
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

struct login_ctx {
	int64_t user_id;
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

/* POST /api/v1/auth/login {"login","password"} */
enum handler_result api_login(struct req *r)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	const char *key;
	json_t *v;
	json_object_foreach(r->in, key, v)
	{
		if (strcmp(key, "login") && strcmp(key, "password"))
			return reply_err(r, E_FIELD_UNKNOWN, key, "不认识的字段");
	}
	const char *login = json_string_value(json_object_get(r->in, "login"));
	const char *password = json_string_value(json_object_get(r->in, "password"));
	if (!login || !*login)
		return reply_err(r, E_FIELD_REQUIRED, "login", "请输入账号");
	if (!password || !*password)
		return reply_err(r, E_FIELD_REQUIRED, "password", "请输入密码");
	if (strlen(login) > LOGIN_MAX)
		return reply_err(r, E_FIELD_TOO_LONG, "login", "账号过长");
	if (strlen(password) > PASSWORD_MAX)
		return reply_err(r, E_FIELD_TOO_LONG, "password", "密码过长");
	int64_t now = time_real_ms();
	if (!throttle_allow(login, r->address, now))
		return reply_err(r, E_THROTTLED, NULL, "登录失败次数过多，请 15 分钟后再试");

	struct store_stmt *s = store_stmt(r->reader, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login);
	int64_t uid = 0;
	char hash[crypto_pwhash_STRBYTES] = "";
	bool disabled = true;
	if (sstep(s) == STORE_ROW) {
		uid = scol_int(s, 0);
		snprintf(hash, sizeof hash, "%s", scol_text(s, 4));
		disabled = scol_int(s, 5) != 0;
	}
	sreset(s);
	/* verify even for unknown logins so timing does not tell which exist */
	pthread_once(&dummy_once, dummy_init);
	bool ok = password_verify(uid ? hash : dummy_hash, password) && uid && !disabled;
	if (!ok) {
		throttle_fail(login, r->address, now);
		return reply_err(r, E_BAD_CREDENTIALS, NULL, NULL);
	}
	throttle_success(login);
	struct login_ctx *lc = calloc(1, sizeof *lc);
	if (!lc)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	lc->user_id = uid;
	random_hex(lc->token, 32);
	random_hex(lc->csrf, 32);
	r->hctx = lc;
	return reply_async(r, login_job);
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

/* POST /api/v1/auth/logout: ends the session the request came with. */
enum handler_result api_logout(struct req *r)
{
	const char *h = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *token = h && !strncasecmp(h, "Bearer ", 7)
				    ? h + 7
				    : MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "cl_session");
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
