/* Orgs and accounts (directory.h). */
#include "core/directory.h"
#include "core/app.h"
#include "core/auth.h"
#include "core/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"
#include "util/utf8.h"

static const char *const org_kinds[] = {"county",     "township",   "village", "grid",
                                        "department", "enterprise", "centre"};

static bool code_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

int org_resolve(struct store_conn *c, json_t *v, int64_t *id, char *path, size_t pathcap,
                char *code, size_t codecap)
{
	struct store_stmt *s;
	if (json_is_integer(v)) {
		s = store_stmt(c, ST_ORG_BY_ID);
		sbind_int(s, 1, json_integer_value(v));
	} else if (json_is_string(v) && json_string_length(v) <= 64) {
		s = store_stmt(c, ST_ORG_BY_CODE);
		sbind_text(s, 1, json_string_value(v));
	} else {
		return -1;
	}
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		*id = scol_int(s, 0);
		if (path)
			snprintf(path, pathcap, "%s", scol_text(s, 5));
		if (code)
			snprintf(code, codecap, "%s", scol_text(s, 1));
	}
	sreset(s);
	return rc == STORE_ROW ? 0 : -1;
}

int64_t org_add(struct wctx *w, const char *code, const char *name, const char *kind,
                const char *parent_code, const char *region_code, struct err *e)
{
	if (!code || !code_ok(code))
		return err_set(e, E_FIELD_INVALID, "code", "单位代码只能含小写字母、数字和 . _ -");
	if (!name || !*name || utf8_chars(name) > 100)
		return err_set(e, E_FIELD_INVALID, "name", "单位名称须为 1–100 字");
	if (!kind || !str_in(kind, org_kinds, 7))
		return err_set(e, E_FIELD_INVALID, "kind", "单位类别不正确");
	int64_t parent = 0;
	char ppath[256] = "/";
	if (parent_code) {
		json_t *v = json_string(parent_code);
		int rc = org_resolve(w->conn, v, &parent, ppath, sizeof ppath, NULL, 0);
		json_decref(v);
		if (rc != 0)
			return err_set(e, E_FIELD_INVALID, "parent", "上级单位 %s 不存在",
			               parent_code);
	}
	struct store_stmt *s = store_stmt(w->conn, ST_ORG_INSERT);
	sbind_text(s, 1, code);
	sbind_text(s, 2, name);
	sbind_text(s, 3, kind);
	sbind_opt_int(s, 4, parent);
	sbind_text(s, 5, region_code);
	sbind_null(s, 6);
	int rc = sdone(s);
	if (rc == STORE_CONSTRAINT)
		return err_set(e, E_CONFLICT, "code", "单位代码 %s 已存在", code);
	if (rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	int64_t id = store_last_id(w->conn);
	char path[256];
	if ((size_t)snprintf(path, sizeof path, "%s%lld/", ppath, (long long)id) >= 200)
		return err_set(e, E_FIELD_INVALID, "parent", "组织层级过深");
	s = store_stmt(w->conn, ST_ORG_SET_PATH);
	sbind_int(s, 1, id);
	sbind_text(s, 2, path);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	return id;
}

int64_t user_add(struct wctx *w, const char *login, const char *name, const char *org_code,
                 const char *pw_hash, const char *phone, const struct role_spec *roles, int nroles,
                 struct err *e)
{
	if (!login || !code_ok(login))
		return err_set(e, E_FIELD_INVALID, "login", "账号只能含小写字母、数字和 . _ -");
	if (!name || !*name || utf8_chars(name) > 32)
		return err_set(e, E_FIELD_INVALID, "name", "姓名须为 1–32 字");
	if (nroles < 1 || nroles > ACTOR_MAX_ROLES)
		return err_set(e, E_FIELD_INVALID, "roles", "每个账号须有 1–%d 个角色",
		               ACTOR_MAX_ROLES);
	if (phone && !phone_valid(phone))
		return err_set(e, E_FIELD_INVALID, "phone", "电话号码不正确");
	int64_t org;
	json_t *v = json_string(org_code ? org_code : "");
	int rc = org_resolve(w->conn, v, &org, NULL, 0, NULL, 0);
	json_decref(v);
	if (rc != 0)
		return err_set(e, E_FIELD_INVALID, "org", "单位 %s 不存在",
		               org_code ? org_code : "");
	unsigned char *enc = NULL;
	size_t enclen = 0;
	if (phone && seal(&w->app->keys, phone, strlen(phone), &enc, &enclen) != 0)
		return err_set(e, E_INTERNAL, NULL, NULL);
	struct store_stmt *s = store_stmt(w->conn, ST_USER_INSERT);
	sbind_text(s, 1, login);
	sbind_text(s, 2, name);
	sbind_int(s, 3, org);
	sbind_text(s, 4, pw_hash);
	sbind_blob(s, 5, enc, enclen);
	sbind_int(s, 6, w->now);
	rc = sdone(s);
	free(enc);
	if (rc == STORE_CONSTRAINT)
		return err_set(e, E_CONFLICT, "login", "账号 %s 已存在", login);
	if (rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	int64_t uid = store_last_id(w->conn);
	for (int i = 0; i < nroles; i++) {
		if (!role_known(roles[i].role))
			return err_set(e, E_FIELD_INVALID, "role", "没有角色 %s", roles[i].role);
		int64_t scope = org;
		if (roles[i].scope_code) {
			v = json_string(roles[i].scope_code);
			rc = org_resolve(w->conn, v, &scope, NULL, 0, NULL, 0);
			json_decref(v);
			if (rc != 0)
				return err_set(e, E_FIELD_INVALID, "scope", "单位 %s 不存在",
				               roles[i].scope_code);
		}
		s = store_stmt(w->conn, ST_ROLE_INSERT);
		sbind_int(s, 1, uid);
		sbind_text(s, 2, roles[i].role);
		sbind_int(s, 3, scope);
		rc = sdone(s);
		if (rc != STORE_DONE)
			return err_set(e, rc == STORE_CONSTRAINT ? E_CONFLICT : E_UNAVAILABLE,
			               "role", "角色重复或写入失败");
	}
	return uid;
}

int account_find(struct store_conn *c, const char *login, int64_t id, struct account *out)
{
	memset(out, 0, sizeof *out);
	struct store_stmt *s = store_stmt(c, login ? ST_USER_BY_LOGIN : ST_USER_BY_ID);
	if (login)
		sbind_text(s, 1, login);
	else
		sbind_int(s, 1, id);
	if (sstep(s) != STORE_ROW) {
		sreset(s);
		return -1;
	}
	out->id = scol_int(s, 0);
	snprintf(out->login, sizeof out->login, "%s", scol_text(s, 1));
	out->org_id = scol_int(s, 3);
	snprintf(out->pw_hash, sizeof out->pw_hash, "%s", scol_text(s, 4));
	out->disabled = scol_int(s, 5) != 0;
	snprintf(out->org_code, sizeof out->org_code, "%s", scol_text(s, 6));
	snprintf(out->org_path, sizeof out->org_path, "%s", scol_text(s, 7));
	sreset(s);
	return 0;
}

int directory_event(struct wctx *w, const struct account_actor *by, int64_t org_id,
                    const char *action, json_t *payload, struct err *e)
{
	if (!payload)
		return err_set(e, E_INTERNAL, NULL, NULL);
	json_object_set_new(payload, "via", json_string(by->via ? by->via : "cli"));
	char *text = json_canonical(payload);
	json_decref(payload);
	if (!text)
		return err_set(e, E_INTERNAL, NULL, NULL);
	struct event_rec ev = {.at = w->now,
	                       .actor_id = by->user_id,
	                       .org_id = by->org_id ? by->org_id : org_id,
	                       .action = action,
	                       .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	return rc == 0 ? 0 : err_set(e, E_UNAVAILABLE, NULL, "写入审计记录失败");
}

int account_apikey_add(struct wctx *w, const struct account_actor *by, const char *login,
                       const char *name, char key_out[APIKEY_LEN + 1], struct account *u,
                       struct err *e)
{
	struct account tmp;
	if (!u)
		u = &tmp;
	if (apikey_create(w->conn, login, name, w->now, key_out, e) != 0)
		return -1;
	if (account_find(w->conn, login, 0, u) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	return directory_event(w, by, u->org_id, "apikey.add",
	                       json_pack("{s:s,s:s,s:I}", "name", name, "user", u->login, "user_id",
	                                 (json_int_t)u->id),
	                       e);
}

int account_apikey_revoke(struct wctx *w, const struct account_actor *by, const char *name,
                          struct account *u, struct err *e)
{
	struct account tmp;
	if (!u)
		u = &tmp;
	struct store_stmt *s = store_stmt(w->conn, ST_APIKEY_USER_BY_NAME);
	sbind_text(s, 1, name);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (apikey_revoke(w->conn, name, w->now, e) != 0)
		return -1;
	if (!uid || account_find(w->conn, NULL, uid, u) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	return directory_event(w, by, u->org_id, "apikey.revoke",
	                       json_pack("{s:s,s:s,s:I}", "name", name, "user", u->login, "user_id",
	                                 (json_int_t)u->id),
	                       e);
}

/* Ends the account's sessions but the one hashed keep (may be NULL);
 * the number ended, or -1. */
static int sessions_revoke(struct wctx *w, int64_t uid, const unsigned char *keep)
{
	struct store_stmt *s = store_stmt(w->conn, ST_SESSIONS_REVOKE_USER);
	sbind_int(s, 1, uid);
	if (keep)
		sbind_blob(s, 2, keep, 32);
	else
		sbind_null(s, 2);
	if (sdone(s) != STORE_DONE)
		return -1;
	return store_changes(w->conn);
}

int account_set_password(struct wctx *w, const struct account *u, const char *pw_hash,
                         const unsigned char *keep_session, const struct account_actor *by,
                         int *revoked, struct err *e)
{
	struct store_stmt *s = store_stmt(w->conn, ST_USER_SET_PASSWORD);
	sbind_int(s, 1, u->id);
	sbind_text(s, 2, pw_hash);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "写入密码失败");
	int n = sessions_revoke(w, u->id, keep_session);
	if (n < 0)
		return err_set(e, E_UNAVAILABLE, NULL, "注销登录失败");
	if (revoked)
		*revoked = n;
	return directory_event(w, by, u->org_id, "user.password",
	                       json_pack("{s:s,s:I,s:i}", "user", u->login, "user_id",
	                                 (json_int_t)u->id, "sessions_revoked", n),
	                       e);
}

int account_set_disabled(struct wctx *w, const struct account *u, bool disabled,
                         const struct account_actor *by, bool *changed, int *sessions, int *apikeys,
                         struct err *e)
{
	*changed = false;
	*sessions = *apikeys = 0;
	if (u->disabled == disabled)
		return 0;
	struct store_stmt *s = store_stmt(w->conn, ST_USER_SET_DISABLED);
	sbind_int(s, 1, u->id);
	sbind_int(s, 2, disabled ? 1 : 0);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "写入账号状态失败");
	if (disabled) {
		int n = sessions_revoke(w, u->id, NULL);
		if (n < 0)
			return err_set(e, E_UNAVAILABLE, NULL, "注销登录失败");
		*sessions = n;
		s = store_stmt(w->conn, ST_APIKEYS_REVOKE_USER);
		sbind_int(s, 1, u->id);
		sbind_int(s, 2, w->now);
		if (sdone(s) != STORE_DONE)
			return err_set(e, E_UNAVAILABLE, NULL, "吊销 API 密钥失败");
		*apikeys = store_changes(w->conn);
	}
	*changed = true;
	return directory_event(w, by, u->org_id, disabled ? "user.disable" : "user.enable",
	                       json_pack("{s:s,s:I,s:i,s:i}", "user", u->login, "user_id",
	                                 (json_int_t)u->id, "sessions_revoked", *sessions,
	                                 "apikeys_revoked", *apikeys),
	                       e);
}
