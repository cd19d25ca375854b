/* Orgs and accounts (directory.h). */
#include "core/directory.h"
#include "core/app.h"
#include "core/auth.h"
#include "core/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
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

/* ------------------------------------------------------------------ */
/* the org tree as the API shows it                                    */

json_t *org_view_json(struct store_stmt *s, const struct actor *a)
{
	bool children = scol_int(s, 8) != 0 && actor_can(a, P_ORG_READ, scol_text(s, 5));
	json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)scol_int(s, 0), "code",
	                      scol_text(s, 1), "name", scol_text(s, 2), "kind", scol_text(s, 3));
	if (!o)
		return NULL;
	json_object_set_new(o, "parent",
	                    scol_null(s, 4) ? json_null() : json_integer(scol_int(s, 4)));
	if (!scol_null(s, 6))
		json_object_set_new(o, "region_code", json_string(scol_text(s, 6)));
	json_t *settings = json_loads(scol_text(s, 7), 0, NULL);
	if (!json_is_object(settings)) {
		json_decref(settings);
		settings = json_object();
	}
	json_object_set_new(o, "settings", settings);
	json_object_set_new(o, "has_children", json_boolean(children));
	return o;
}

#define ORG_KINDS_MAX 16 /* kinds in one kinds= filter */

/* kinds "a,b,c" as a JSON array text for json_each() into *out (the caller
 * frees it). 0, or -1 with *e set (400 on kinds). */
static int org_kinds_json(const char *kinds, char **out, struct err *e)
{
	json_t *arr = json_array();
	for (const char *p = kinds;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char kind[16] = "";
		if (n < sizeof kind) {
			memcpy(kind, p, n);
			kind[n] = '\0';
		}
		if (!*kind || json_array_size(arr) == ORG_KINDS_MAX ||
		    !str_in(kind, org_kinds, 7)) {
			json_decref(arr);
			return err_set(e, E_FIELD_INVALID, "kinds",
			               "参数 kinds 须为逗号分隔的单位类别：county、township、"
			               "village、grid、department、enterprise、centre");
		}
		json_array_append_new(arr, json_string(kind));
		if (!end)
			break;
		p = end + 1;
	}
	*out = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return *out ? 0 : err_oom(e);
}

/* May the actor see the org at path? An org.read scope over it, or its own. */
static bool org_seen(const struct actor *a, const char *path)
{
	return actor_can(a, P_ORG_READ, path) || !strcmp(path, a->org_path);
}

/* The name of org id, looked up once per search through names (id → name). */
static const char *org_name_cached(struct store_conn *c, int64_t id, json_t *names)
{
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)id);
	json_t *v = json_object_get(names, key);
	if (!v) {
		struct store_stmt *s = store_stmt(c, ST_ORG_NAME);
		sbind_int(s, 1, id);
		v = json_string(sstep(s) == STORE_ROW ? scol_text(s, 0) : "?");
		sreset(s);
		if (!v || json_object_set_new(names, key, v) != 0)
			return NULL;
	}
	return json_string_value(v);
}

#define ORG_DEPTH_MAX 64 /* ids in one path "/1/4/…/" (paths are under 200 bytes) */

/* The names from the topmost org the actor may see down to the org at path
 * (each org between them visible too), joined by " / ", as a JSON string;
 * NULL if out of memory. */
static json_t *org_line(struct store_conn *c, const struct actor *a, const char *path,
                        json_t *names)
{
	int64_t ids[ORG_DEPTH_MAX];
	size_t ends[ORG_DEPTH_MAX]; /* the prefix path[0..ends[i]) is ids[i]'s path */
	int n = 0;
	for (const char *p = path + 1; *p && n < ORG_DEPTH_MAX; n++) {
		char *end;
		ids[n] = strtoll(p, &end, 10);
		if (*end != '/')
			break;
		ends[n] = (size_t)(end + 1 - path);
		p = end + 1;
	}
	int top = n;
	char prefix[ORG_PATH_MAX];
	while (top > 0 && ends[top - 1] < sizeof prefix) {
		memcpy(prefix, path, ends[top - 1]);
		prefix[ends[top - 1]] = '\0';
		if (!org_seen(a, prefix))
			break;
		top--;
	}
	struct buf b;
	buf_init(&b, 64 * 1024);
	for (int i = top; i < n; i++) {
		const char *name = org_name_cached(c, ids[i], names);
		if (!name || (i > top && buf_puts(&b, " / ") != 0) || buf_puts(&b, name) != 0)
			break;
	}
	json_t *line = b.overflow ? NULL : json_string(b.data ? b.data : "");
	buf_release(&b);
	return line;
}

/* Appends the current row of ST_ORG_SEARCH to items with its "path". 0, or
 * -1 when out of memory. */
static int org_search_item(struct store_conn *c, const struct actor *a, struct store_stmt *s,
                           json_t *names, json_t *items)
{
	json_t *o = org_view_json(s, a);
	json_t *line = o ? org_line(c, a, scol_text(s, 5), names) : NULL;
	if (!line) {
		json_decref(o);
		return -1;
	}
	if (json_object_set_new(o, "path", line) != 0) { /* line is released */
		json_decref(o);
		return -1;
	}
	return json_array_append_new(items, o); /* o is released if it fails */
}

/* Binds the query (q LIKE-escaped into like[likecap]) to ST_ORG_SEARCH. */
static int org_search_bind(struct store_stmt *s, const struct actor *a, const struct org_query *q,
                           const char *scopes, const char *kinds, char *like, size_t likecap)
{
	sbind_text(s, 1, scopes);
	sbind_int(s, 2, a->org_id);
	if (q->q && text_like_escape(q->q, like, likecap) != 0)
		return -1;
	sbind_text(s, 3, q->q ? like : NULL);
	sbind_text(s, 4, kinds);
	sbind_int(s, 5, q->cursor);
	sbind_int(s, 6, q->limit + 1);
	return 0;
}

/* The query's q and kinds checked; kinds into *kinds (owned). */
static int org_query_check(const struct org_query *q, char **kinds, struct err *e)
{
	*kinds = NULL;
	if (q->limit < 1 || q->limit > ORG_SEARCH_LIMIT_MAX)
		return err_set(e, E_FIELD_INVALID, "limit", "参数 limit 须为 1–%d 的整数",
		               ORG_SEARCH_LIMIT_MAX);
	if (q->q && strlen(q->q) > ORG_SEARCH_Q_MAX)
		return err_set(e, E_FIELD_TOO_LONG, "q", "搜索词最多 %d 字节", ORG_SEARCH_Q_MAX);
	if (q->q && text_has_control(q->q, false))
		return err_set(e, E_FIELD_INVALID, "q", "搜索词含有控制字符");
	return q->kinds ? org_kinds_json(q->kinds, kinds, e) : 0;
}

int org_search(struct store_conn *c, const struct actor *a, const struct org_query *q, json_t **out,
               struct err *e)
{
	*out = NULL;
	char *kinds;
	if (org_query_check(q, &kinds, e) != 0)
		return -1;
	const char *scopes[ACTOR_MAX_ROLES];
	int nscopes = actor_scopes(a, P_ORG_READ, scopes, ACTOR_MAX_ROLES);
	json_t *jscopes = json_array();
	for (int i = 0; i < nscopes; i++)
		json_array_append_new(jscopes, json_string(scopes[i]));
	char *scopes_text = json_dumps(jscopes, JSON_COMPACT);
	json_decref(jscopes);
	char like[2 * ORG_SEARCH_Q_MAX + 1];
	json_t *items = json_array(), *names = json_object();
	int rc = STORE_ERROR, shown = 0;
	int64_t last = 0;
	struct store_stmt *s = store_stmt(c, ST_ORG_SEARCH);
	if (scopes_text && items && names &&
	    org_search_bind(s, a, q, scopes_text, kinds, like, sizeof like) == 0) {
		while ((rc = sstep(s)) == STORE_ROW && shown < q->limit) {
			if (org_search_item(c, a, s, names, items) != 0) {
				rc = STORE_ERROR;
				break;
			}
			last = scol_int(s, 0);
			shown++;
		}
	}
	sreset(s);
	free(scopes_text);
	free(kinds);
	json_decref(names);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	char cur[32];
	snprintf(cur, sizeof cur, "%lld", (long long)last);
	*out = json_pack("{s:o,s:s?}", "items", items, "next_cursor", rc == STORE_ROW ? cur : NULL);
	return *out ? 0 : err_oom(e);
}
