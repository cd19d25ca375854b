/* The org tree as the API shows it (orgtree.h). */
#include "core/orgtree.h"
#include "core/directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/text.h"
#include "util/json.h"

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
		if (!*kind || json_array_size(arr) == ORG_KINDS_MAX || !org_kind_known(kind)) {
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
 * (each org between them visible too; a NULL actor: from the root),
 * joined by " / ", as a JSON string; NULL if out of memory. */
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
	int top = a ? n : 0;
	char prefix[ORG_PATH_MAX];
	while (a && top > 0 && ends[top - 1] < sizeof prefix) {
		memcpy(prefix, path, ends[top - 1]);
		prefix[ends[top - 1]] = '\0';
		if (!actor_sees_org(a, prefix))
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
static int org_search_item(struct store_conn *c, const struct actor *a, bool everywhere,
                           struct store_stmt *s, json_t *names, json_t *items)
{
	json_t *o = org_view_json(s, a);
	json_t *line = o ? org_line(c, everywhere ? NULL : a, scol_text(s, 5), names) : NULL;
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
static void org_search_bind(struct store_stmt *s, const struct actor *a, const struct org_query *q,
                            const char *scopes, const char *kinds, char *like, size_t likecap)
{
	sbind_text(s, 1, scopes);
	sbind_int(s, 2, a->org_id);
	/* never cut: likecap > 2 × ORG_SEARCH_Q_MAX, and q was checked */
	if (q->q)
		text_like_escape(q->q, like, likecap);
	sbind_text(s, 3, q->q ? like : NULL);
	sbind_text(s, 4, kinds);
	sbind_int(s, 5, q->cursor);
	sbind_int(s, 6, q->limit + 1);
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

/* summon=1: *root is the actor's county (the first org of its path, "/1/"),
 * *kinds department and enterprise (or those asked, when they are among
 * them). 0, or -1 with e set (and *kinds freed). */
static int county_units_scope(const struct actor *a, char **kinds, char *root, size_t cap,
                              struct err *e)
{
	const char *p = a->org_path, *end = p[0] == '/' ? strchr(p + 1, '/') : NULL;
	if ((!actor_has(a, P_CASE_CREATE) && !actor_has(a, P_CASE_RAISE)) || !end ||
	    (size_t)(end - p + 1) >= cap) {
		free(*kinds);
		*kinds = NULL;
		return err_set(e, E_FORBIDDEN, "summon", "没有召集部门的权限");
	}
	snprintf(root, cap, "%.*s", (int)(end - p + 1), p);
	json_t *k = *kinds ? json_loads(*kinds, 0, NULL) : NULL;
	size_t i;
	json_t *v;
	json_array_foreach(k, i, v) if (strcmp(json_string_value(v), "department") &&
	                                strcmp(json_string_value(v), "enterprise"))
	{
		json_decref(k);
		free(*kinds);
		*kinds = NULL;
		return err_set(e, E_FIELD_INVALID, "kinds",
		               "summon=1 只查部门（department）和企业（enterprise）");
	}
	json_decref(k);
	if (!*kinds)
		*kinds = strdup("[\"department\",\"enterprise\"]");
	return *kinds ? 0 : err_oom(e);
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
	if (q->everywhere) { /* every org: each path starts with "/" */
		if (!actor_scopes(a, P_PARTY_READ, scopes, ACTOR_MAX_ROLES)) {
			free(kinds);
			json_decref(jscopes);
			return err_set(e, E_FORBIDDEN, "partners",
			               "只有调解员可以查找其他地区的联合调解单位");
		}
		nscopes = 1;
		scopes[0] = "/";
	}
	char root[64] = "";
	if (q->county_units && county_units_scope(a, &kinds, root, sizeof root, e) != 0) {
		json_decref(jscopes);
		return -1;
	}
	if (q->county_units) {
		nscopes = 1;
		scopes[0] = root;
	}
	for (int i = 0; i < nscopes; i++)
		json_array_append_new(jscopes, json_string(scopes[i]));
	char *scopes_text = json_dumps(jscopes, JSON_COMPACT);
	json_decref(jscopes);
	char like[2 * ORG_SEARCH_Q_MAX + 1];
	json_t *items = json_array(), *names = json_object();
	int rc = STORE_ERROR, shown = 0;
	int64_t last = 0;
	struct store_stmt *s = store_stmt(c, ST_ORG_SEARCH);
	if (scopes_text && items && names) {
		org_search_bind(s, a, q, scopes_text, kinds, like, sizeof like);
		while ((rc = sstep(s)) == STORE_ROW && shown < q->limit) {
			if (org_search_item(c, a, q->everywhere || q->county_units, s, names,
			                    items) != 0) {
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
	*out = json_page(items, last, rc == STORE_ROW);
	return *out ? 0 : err_oom(e);
}
