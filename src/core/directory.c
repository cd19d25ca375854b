/* Orgs and accounts (directory.h). */
#include "core/directory.h"
#include "core/apikey.h"
#include "core/app.h"
#include "core/auth.h"
#include "core/region.h"
#include "core/routing.h"
#include "core/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/geojson.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"
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
	if (region_code && !region_code_ok(region_code))
		return err_set(e, E_FIELD_INVALID, "region_code",
		               "行政区划代码须为 6、9 或 12 位数字（统计用区划代码）");
	char city[REGION_LEN + 1];
	if (region_code)
		region_city(region_code, city);
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
	sbind_text(s, 7, region_code ? city : NULL); /* else the parent's region */
	int rc = sdone(s);
	if (rc == STORE_CONSTRAINT)
		return err_set(e, E_CONFLICT, "code", "单位代码 %s 已存在", code);
	if (rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	int64_t id = store_last_id(w->conn);
	char path[256];
	if ((size_t)snprintf(path, sizeof path, "%s%lld/", ppath, (long long)id) >= 200)
		return err_set(e, E_FIELD_INVALID, "parent", "组织层级过深");
	routing_org_touch(id);
	s = store_stmt(w->conn, ST_ORG_SET_PATH);
	sbind_int(s, 1, id);
	sbind_text(s, 2, path);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	return id;
}

int user_name_check(const char *name, struct err *e)
{
	if (!name || !utf8_valid(name, strlen(name)) || text_blank(name) ||
	    text_has_control(name, false) || utf8_chars(name) > USER_NAME_MAX)
		return err_set(
		    e, E_FIELD_INVALID, "name",
		    "姓名须为 1–" TEXT_STR(USER_NAME_MAX) " 字，不能全是空白或含控制字符");
	return 0;
}

int user_check(const char *login, const char *name, struct err *e)
{
	if (!login || !code_ok(login))
		return err_set(e, E_FIELD_INVALID, "login",
		               "账号须为 1–64 个小写字母、数字或 . _ - 字符");
	return user_name_check(name, e);
}

int user_roles_check(const struct role_spec *roles, int nroles, struct err *e)
{
	if (nroles < 1 || nroles > ACTOR_MAX_ROLES)
		return err_set(e, E_FIELD_INVALID, "roles", "每个账号须有 1–%d 个角色",
		               ACTOR_MAX_ROLES);
	char clip[UTF8_CLIP_BUF];
	for (int i = 0; i < nroles; i++) {
		if (!roles[i].role || !role_known(roles[i].role))
			return err_set(
			    e, E_FIELD_INVALID, "roles", "没有角色 %s",
			    roles[i].role ? utf8_clip(roles[i].role, 32, clip, sizeof clip) : "");
		for (int k = 0; k < i; k++)
			if (!strcmp(roles[k].role, roles[i].role) &&
			    !strcmp(roles[k].scope_code ? roles[k].scope_code : "",
			            roles[i].scope_code ? roles[i].scope_code : ""))
				return err_set(e, E_FIELD_INVALID, "roles", "角色 %s 重复",
				               roles[i].role);
	}
	return 0;
}

int64_t user_add(struct wctx *w, const char *login, const char *name, const char *org_code,
                 const char *pw_hash, const char *phone, const struct role_spec *roles, int nroles,
                 struct err *e)
{
	if (user_check(login, name, e) != 0 || user_roles_check(roles, nroles, e) != 0)
		return -1;
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
		return err_set(e, E_USER_EXISTS, "login", "账号 %s 已存在", login);
	if (rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	int64_t uid = store_last_id(w->conn);
	for (int i = 0; i < nroles; i++) {
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

int64_t account_add(struct wctx *w, const struct account_actor *by, const struct account_new *a,
                    struct err *e)
{
	int64_t uid =
	    user_add(w, a->login, a->name, a->org, a->pw_hash, a->phone, a->roles, a->nroles, e);
	struct account u;
	if (uid < 0)
		return -1;
	if (account_find(w->conn, NULL, uid, &u) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	json_t *roles = json_array();
	for (int i = 0; i < a->nroles; i++)
		json_array_append_new(
		    roles, json_pack("{s:s,s:s}", "role", a->roles[i].role, "scope",
		                     a->roles[i].scope_code ? a->roles[i].scope_code : u.org_code));
	if (directory_event(w, by, u.org_id, "user.add",
	                    json_pack("{s:s,s:I,s:s,s:o}", "user", u.login, "user_id",
	                              (json_int_t)u.id, "org", u.org_code, "roles", roles),
	                    e) != 0)
		return -1;
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
	snprintf(out->name, sizeof out->name, "%s", scol_text(s, 2));
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
                       const char *name, const struct apikey_spec *spec,
                       char key_out[APIKEY_LEN + 1], struct account *u, struct apikey_opts *o,
                       struct err *e)
{
	struct account tmp;
	struct apikey_opts otmp;
	static const struct apikey_spec defaults = {0};
	if (!u)
		u = &tmp;
	if (!o)
		o = &otmp;
	if (apikey_create(w->conn, login, name, w->now, key_out, e) != 0)
		return -1;
	if (account_find(w->conn, login, 0, u) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	/* issue 15: its scopes, org and rate (core/apikey_admin.c) */
	if (apikey_opts_resolve(w->conn, u, spec ? spec : &defaults, o, e) != 0)
		return -1;
	char scopes[APIKEY_SCOPES_TEXT_MAX];
	apikey_scopes_text(o->scopes, scopes, sizeof scopes);
	struct store_stmt *s = store_stmt(w->conn, ST_APIKEY_SET_OPTS);
	sbind_text(s, 1, name);
	sbind_int(s, 2, o->org_id);
	sbind_text(s, 3, scopes);
	sbind_int(s, 4, o->rate);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "写入密钥失败");
	return directory_event(w, by, u->org_id, "apikey.add",
	                       json_pack("{s:s,s:s,s:I,s:o,s:s,s:i}", "name", name, "user",
	                                 u->login, "user_id", (json_int_t)u->id, "scopes",
	                                 apikey_scopes_json(o->scopes), "org", o->org_code,
	                                 "rate_per_min", o->rate),
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

/* The account of row s (USER_VIEW_COLS) with its grants (ST_ROLES_OF, read
 * through c while s is still on its row). NULL when out of memory. */
static json_t *account_row_json(struct store_conn *c, struct store_stmt *s)
{
	int64_t id = scol_int(s, 0);
	char at[ISO8601_MAX];
	time_format_iso(scol_int(s, 4), at, sizeof at);
	json_t *o = json_pack("{s:I,s:s,s:s,s:{s:I,s:s,s:s},s:b,s:s}", "id", (json_int_t)id,
	                      "login", scol_text(s, 1), "name", scol_text(s, 2), "org", "id",
	                      (json_int_t)scol_int(s, 5), "code", scol_text(s, 6), "name",
	                      scol_text(s, 7), "disabled", scol_int(s, 3) != 0, "created_at", at);
	json_t *roles = json_array(), *grants = json_array();
	struct store_stmt *g = store_stmt(c, ST_ROLES_OF);
	sbind_int(g, 1, id);
	int rc;
	while ((rc = sstep(g)) == STORE_ROW) {
		const char *role = scol_text(g, 0);
		json_array_append_new(
		    grants, json_pack("{s:s,s:s}", "role", role, "scope", scol_text(g, 3)));
		/* one entry per role, however many scopes it is held over (rows come by role) */
		size_t n = json_array_size(roles);
		if (!n || strcmp(json_string_value(json_array_get(roles, n - 1)), role))
			json_array_append_new(roles, json_string(role));
	}
	sreset(g);
	if (!o || rc != STORE_DONE || json_object_set_new(o, "roles", roles) != 0 ||
	    json_object_set_new(o, "grants", grants) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *account_view(struct store_conn *c, int64_t id)
{
	struct store_stmt *s = store_stmt(c, ST_USER_VIEW);
	sbind_int(s, 1, id);
	json_t *o = sstep(s) == STORE_ROW ? account_row_json(c, s) : NULL;
	sreset(s);
	return o;
}

int account_list(struct store_conn *c, const struct actor *a, const struct account_query *q,
                 json_t **out, struct err *e)
{
	const char *scopes[ACTOR_MAX_ROLES];
	int n = actor_scopes(a, P_USER_MANAGE, scopes, ACTOR_MAX_ROLES);
	if (n == 0)
		return err_set(e, E_FORBIDDEN, NULL, "没有管理账号的权限");
	json_t *sj = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(sj, json_string(scopes[i]));
	char *stext = json_dumps(sj, JSON_COMPACT);
	json_decref(sj);
	if (!stext)
		return err_oom(e);
	char like[4 * ACCOUNT_QUERY_MAX + 1];
	if (q->q)
		text_like_escape(q->q, like, sizeof like);
	struct store_stmt *s = store_stmt(c, ST_USER_LIST);
	sbind_text(s, 1, stext);
	sbind_text(s, 2, q->org_path);
	sbind_text(s, 3, q->q ? like : NULL);
	if (q->cursor)
		sbind_int(s, 4, q->cursor);
	sbind_int(s, 5, q->limit + 1);
	json_t *items = json_array();
	int rc, shown = 0;
	int64_t last = 0;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (shown == q->limit)
			break;
		json_t *o = account_row_json(c, s);
		if (!o) {
			rc = STORE_ERROR;
			break;
		}
		last = scol_int(s, 0);
		json_array_append_new(items, o);
		shown++;
	}
	sreset(s);
	free(stext);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	*out = json_page(items, last, rc == STORE_ROW);
	return *out ? 0 : err_oom(e);
}

int org_regions(struct store_conn *c, const struct actor *a, json_t **out, struct err *e)
{
	json_t *features = json_array();
	struct store_stmt *s = store_stmt(c, ST_GEO_REGIONS);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (!actor_sees_org(a, scol_text(s, 5)))
			continue;
		json_t *geometry = json_loads(scol_text(s, 6), 0, NULL);
		if (NEVER(!json_is_object(geometry))) { /* checked before it was stored */
			json_decref(geometry);
			continue;
		}
		json_int_t id = (json_int_t)scol_int(s, 0);
		json_t *f =
		    json_pack("{s:s,s:I,s:o,s:{s:I,s:s,s:s,s:s,s:o}}", "type", "Feature", "id", id,
		              "geometry", geometry, "properties", "id", id, "code", scol_text(s, 1),
		              "name", scol_text(s, 2), "kind", scol_text(s, 3), "parent",
		              scol_null(s, 4) ? json_null() : json_integer(scol_int(s, 4)));
		if (!f || json_array_append_new(features, f) != 0) {
			rc = STORE_ERROR;
			break;
		}
	}
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(features);
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	*out = json_pack("{s:s,s:o}", "type", "FeatureCollection", "features", features);
	return *out ? 0 : err_oom(e);
}

int account_set_name(struct wctx *w, const struct account *u, const char *name,
                     const struct account_actor *by, bool *changed, struct err *e)
{
	*changed = false;
	if (user_name_check(name, e) != 0)
		return -1;
	if (!strcmp(u->name, name))
		return 0;
	struct store_stmt *s = store_stmt(w->conn, ST_USER_SET_NAME);
	sbind_int(s, 1, u->id);
	sbind_text(s, 2, name);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "写入姓名失败");
	*changed = true;
	return directory_event(w, by, u->org_id, "user.update",
	                       json_pack("{s:s,s:I,s:s}", "user", u->login, "user_id",
	                                 (json_int_t)u->id, "name", name),
	                       e);
}

/* One grant: a role over an org. */
struct grant {
	char role[24];
	int64_t scope;
	char code[64];
};

/* The account's grants into g[ACTOR_MAX_ROLES] (by role); their number, or -1. */
static int grants_read(struct store_conn *c, int64_t uid, struct grant *g)
{
	struct store_stmt *s = store_stmt(c, ST_ROLES_OF);
	sbind_int(s, 1, uid);
	int n = 0, rc;
	while ((rc = sstep(s)) == STORE_ROW && n < ACTOR_MAX_ROLES) {
		snprintf(g[n].role, sizeof g[n].role, "%s", scol_text(s, 0));
		g[n].scope = scol_int(s, 1);
		snprintf(g[n].code, sizeof g[n].code, "%s", scol_text(s, 3));
		n++;
	}
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? n : -1;
}

/* Adds (role, scope) to g[0..*n) unless it is there; -1 when full. */
static int grant_add(struct grant *g, int *n, const char *role, int64_t scope, const char *code)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(g[i].role, role) && g[i].scope == scope)
			return 0;
	if (*n == ACTOR_MAX_ROLES)
		return -1;
	/* a role name is short (role_known); the precision says so to gcc, whose
	 * inlining otherwise sees a 768-byte buffer behind it */
	snprintf(g[*n].role, sizeof g[*n].role, "%.*s", (int)sizeof g[*n].role - 1, role);
	g[*n].scope = scope;
	snprintf(g[*n].code, sizeof g[*n].code, "%s", code);
	(*n)++;
	return 0;
}

/* Is every grant of a among b's? */
static bool grants_within(const struct grant *a, int na, const struct grant *b, int nb)
{
	for (int i = 0; i < na; i++) {
		bool found = false;
		for (int k = 0; k < nb && !found; k++)
			found = !strcmp(a[i].role, b[k].role) && a[i].scope == b[k].scope;
		if (!found)
			return false;
	}
	return true;
}

static json_t *grants_json(const struct grant *g, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(
		    a, json_pack("{s:s,s:s}", "role", g[i].role, "scope", g[i].code));
	return a;
}

/* Adds the grants roles[i] names to next (account_set_roles); -1 with *e. */
static int grants_named(struct wctx *w, const struct account *u, const struct role_spec *r,
                        const struct grant *now, int nnow, struct grant *next, int *nnext,
                        struct err *e)
{
	int full = 0;
	if (r->scope_code) {
		int64_t scope;
		char code[64];
		json_t *v = json_string(r->scope_code);
		int rc = v ? org_resolve(w->conn, v, &scope, NULL, 0, code, sizeof code) : -1;
		json_decref(v);
		if (rc != 0)
			return err_set(e, E_FIELD_INVALID, "roles", "角色范围 %s 不是已知的单位",
			               r->scope_code);
		full = grant_add(next, nnext, r->role, scope, code);
	} else {
		/* a role named alone keeps the scopes it is held over, or is new over the
		 * account's own org */
		bool held = false;
		for (int k = 0; k < nnow; k++) {
			if (strcmp(now[k].role, r->role))
				continue;
			held = true;
			full |= grant_add(next, nnext, now[k].role, now[k].scope, now[k].code);
		}
		if (!held)
			full = grant_add(next, nnext, r->role, u->org_id, u->org_code);
	}
	return full ? err_set(e, E_FIELD_INVALID, "roles", "每个账号至多 %d 项角色授权",
	                      ACTOR_MAX_ROLES)
	            : 0;
}

int account_set_roles(struct wctx *w, const struct account *u, const struct role_spec *roles,
                      int nroles, const struct account_actor *by, bool *changed, struct err *e)
{
	*changed = false;
	if (user_roles_check(roles, nroles, e) != 0)
		return -1;
	struct grant now[ACTOR_MAX_ROLES], next[ACTOR_MAX_ROLES];
	int nnow = grants_read(w->conn, u->id, now), nnext = 0;
	if (nnow < 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	for (int i = 0; i < nroles; i++)
		if (grants_named(w, u, &roles[i], now, nnow, next, &nnext, e) != 0)
			return -1;
	if (nnext == nnow && grants_within(next, nnext, now, nnow))
		return 0;
	struct store_stmt *s = store_stmt(w->conn, ST_ROLES_DELETE_USER);
	sbind_int(s, 1, u->id);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "写入角色失败");
	for (int i = 0; i < nnext; i++) {
		s = store_stmt(w->conn, ST_ROLE_INSERT);
		sbind_int(s, 1, u->id);
		sbind_text(s, 2, next[i].role);
		sbind_int(s, 3, next[i].scope);
		if (sdone(s) != STORE_DONE)
			return err_set(e, E_UNAVAILABLE, NULL, "写入角色失败");
	}
	*changed = true;
	return directory_event(w, by, u->org_id, "user.roles",
	                       json_pack("{s:s,s:I,s:o,s:o}", "user", u->login, "user_id",
	                                 (json_int_t)u->id, "roles", grants_json(next, nnext),
	                                 "from", grants_json(now, nnow)),
	                       e);
}
