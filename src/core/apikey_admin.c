/*
 * Making and changing API keys' settings (core/apikey.h): scopes checked
 * against the account's permissions, the org against its grants' scopes,
 * the rate against its bounds; apikey.change on the audit chain. The key
 * itself and its hash never reach an event.
 */
#include "core/apikey.h"
#include "core/directory.h"

#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

json_t *apikey_scopes_json(unsigned scopes)
{
	json_t *a = json_array();
	for (int i = 0; i < KS__COUNT; i++)
		if (scopes & (1u << i))
			json_array_append_new(a,
			                      json_string(apikey_scope_name((enum apikey_scope)i)));
	return a;
}

int apikey_scopes_from_json(const json_t *v, unsigned *out, struct err *e)
{
	*out = 0;
	if (!json_is_array(v) || json_array_size(v) > 16)
		return err_set(e, E_FIELD_INVALID, "scopes", "scopes 须为权限范围名称的数组");
	size_t i;
	const json_t *x;
	json_array_foreach(v, i, x)
	{
		int s = json_is_string(x) ? apikey_scope_by_name(json_string_value(x)) : -1;
		if (s < 0) {
			char clip[UTF8_CLIP_BUF];
			return err_set(
			    e, E_FIELD_INVALID, "scopes",
			    "不认识的权限范围 %s（可选 open311.submit、linkage.110、import、"
			    "stats.read）",
			    json_is_string(x)
			        ? utf8_clip(json_string_value(x), 32, clip, sizeof clip)
			        : "（非字符串）");
		}
		*out |= 1u << s;
	}
	return 0;
}

/* The scopes the account may give its keys; -1 if it cannot be loaded. */
static int account_allowed(struct store_conn *c, const struct account *u, struct actor *a,
                           unsigned *allowed)
{
	if (actor_load(c, u->id, a) != 0)
		return -1;
	*allowed = apikey_scopes_allowed(a);
	return 0;
}

static int scopes_check(unsigned want, unsigned allowed, const struct account *u, struct err *e)
{
	unsigned bad = want & ~allowed;
	for (int i = 0; i < KS__COUNT; i++)
		if (bad & (1u << i))
			return err_set(e, E_FIELD_INVALID, "scopes",
			               "账号 %s 没有权限范围 %s 所需的权限", u->login,
			               apikey_scope_name((enum apikey_scope)i));
	return 0;
}

static int rate_check(int rate, struct err *e)
{
	if (rate < APIKEY_RATE_MIN || rate > APIKEY_RATE_MAX)
		return err_set(e, E_FIELD_INVALID, "rate_per_min", "rate_per_min 须为 %d–%d 的整数",
		               APIKEY_RATE_MIN, APIKEY_RATE_MAX);
	return 0;
}

int apikey_opts_resolve(struct store_conn *c, const struct account *u, const struct apikey_spec *sp,
                        struct apikey_opts *o, struct err *e)
{
	memset(o, 0, sizeof *o);
	struct actor a;
	unsigned allowed;
	if (account_allowed(c, u, &a, &allowed) != 0)
		return err_set(e, E_FIELD_INVALID, "user", "账号 %s 已停用", u->login);
	if (sp->has_scopes && scopes_check(sp->scopes, allowed, u, e) != 0)
		return -1;
	o->scopes = sp->has_scopes ? sp->scopes : allowed;
	o->rate = sp->rate ? sp->rate : APIKEY_RATE_DEFAULT;
	if (rate_check(o->rate, e) != 0)
		return -1;
	if (!sp->org) {
		o->org_id = u->org_id;
		snprintf(o->org_code, sizeof o->org_code, "%s", u->org_code);
		snprintf(o->org_path, sizeof o->org_path, "%s", u->org_path);
		return 0;
	}
	if (org_resolve(c, sp->org, &o->org_id, o->org_path, sizeof o->org_path, o->org_code,
	                sizeof o->org_code) != 0)
		return err_set(e, E_FIELD_INVALID, "org", "没有这个组织机构");
	if (o->org_id == u->org_id)
		return 0;
	for (int i = 0; i < a.nroles; i++)
		if (path_within(o->org_path, a.roles[i].scope_path))
			return 0;
	return err_set(e, E_FIELD_INVALID, "org", "组织机构 %s 不在账号 %s 的管辖范围内",
	               o->org_code, u->login);
}

int apikey_change(struct wctx *w, const struct account_actor *by, int64_t id,
                  const struct apikey_spec *sp, bool *changed, struct err *e)
{
	*changed = false;
	struct store_stmt *s = store_stmt(w->conn, ST_APIKEY_VIEW);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc != STORE_ROW || !scol_null(s, 3)) {
		sreset(s);
		return rc == STORE_ROW || rc == STORE_DONE
		           ? err_set(e, E_NOT_FOUND, NULL, "没有这个有效的 API 密钥")
		           : err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	char name[APIKEY_NAME_MAX * 4 + 1];
	snprintf(name, sizeof name, "%s", scol_text(s, 1));
	unsigned from_scopes = apikey_scopes_parse(scol_text(s, 7));
	int from_rate = (int)scol_int(s, 8);
	int64_t uid = scol_int(s, 14);
	sreset(s);
	struct account u;
	if (account_find(w->conn, NULL, uid, &u) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (sp->has_scopes) {
		struct actor a;
		unsigned allowed;
		if (account_allowed(w->conn, &u, &a, &allowed) != 0)
			return err_set(e, E_CONFLICT, NULL, "账号 %s 已停用", u.login);
		if (scopes_check(sp->scopes, allowed, &u, e) != 0)
			return -1;
	}
	if (sp->rate && rate_check(sp->rate, e) != 0)
		return -1;
	unsigned scopes = sp->has_scopes ? sp->scopes : from_scopes;
	int rate = sp->rate ? sp->rate : from_rate;
	if (scopes == from_scopes && rate == from_rate)
		return 0;
	char text[APIKEY_SCOPES_TEXT_MAX];
	apikey_scopes_text(scopes, text, sizeof text);
	s = store_stmt(w->conn, ST_APIKEY_UPDATE);
	sbind_int(s, 1, id);
	sbind_text(s, 2, text);
	sbind_int(s, 3, rate);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "修改密钥失败");
	*changed = true;
	return directory_event(
	    w, by, u.org_id, "apikey.change",
	    json_pack("{s:I,s:s,s:s,s:I,s:o,s:i,s:{s:o,s:i}}", "id", (json_int_t)id, "name", name,
	              "user", u.login, "user_id", (json_int_t)u.id, "scopes",
	              apikey_scopes_json(scopes), "rate_per_min", rate, "from", "scopes",
	              apikey_scopes_json(from_scopes), "rate_per_min", from_rate),
	    e);
}
