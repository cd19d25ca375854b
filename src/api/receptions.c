/*
 * The compliance flags of official receptions (公务接待, docs/reception.md):
 *
 *   GET /api/v1/receptions/flags?org=&unit=&kind=&from=&to=
 *   GET /api/v1/receptions/units   the units a trip may visit (the form's list)
 *
 * for the commission (audit.read): every recorded reception that breaks one
 * of the type's reception_rules, with the reason, and the totals by unit
 * and kind. org: the subtree (code or id) the caller holds audit.read over,
 * else its first such scope; unit: a receiving unit's code; kind: one
 * check; from/to: received in those days (YYYY-MM-DD, Asia/Shanghai).
 */
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"
#include "core/receptions.h"
#include "core/type_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/utf8.h"

/* ?name= as a day: its first ms (to: the next day's), 0 when absent. */
static int day_param(struct req *r, const char *name, bool is_to, int64_t *ms)
{
	const char *v = req_query(r, name);
	int64_t day;
	*ms = 0;
	if (!v || !*v)
		return 0;
	if (strlen(v) > 10 || time_parse_date(v, &day) != 0)
		return err_set(&r->err, E_FIELD_INVALID, name, "参数 %s 须为日期 YYYY-MM-DD", name);
	*ms = time_day_start(day + (is_to ? 1 : 0));
	return 0;
}

/* The subtree: ?org= under the caller's audit.read, else its first scope. */
static int scope_param(struct req *r, char *path, size_t cap)
{
	const char *v = req_query(r, "org");
	if (v && *v) {
		if (strlen(v) > 64 || !utf8_valid(v, strlen(v)))
			return err_set(&r->err, E_FIELD_INVALID, "org", "不是已知的单位");
		char *end;
		long long n = strtoll(v, &end, 10);
		json_t *j = *end ? json_string(v) : json_integer(n);
		int64_t id;
		int rc = j ? org_resolve(r->reader, j, &id, path, cap, NULL, 0) : -1;
		json_decref(j);
		if (rc != 0)
			return err_set(&r->err, E_FIELD_INVALID, "org", "不是已知的单位");
		if (!actor_can(&r->actor, P_AUDIT_READ, path))
			return err_set(&r->err, E_FORBIDDEN, "org", "没有查看该单位接待情况的权限");
		return 0;
	}
	const char *scope = NULL;
	if (actor_scopes(&r->actor, P_AUDIT_READ, &scope, 1) != 1)
		return err_set(&r->err, E_FORBIDDEN, NULL, "没有查看公务接待合规情况的权限");
	snprintf(path, cap, "%s", scope);
	return 0;
}

enum handler_result api_reception_flags(struct req *r)
{
	const struct matter_type *t = types_reception(r->app->types);
	if (!t)
		return reply_err(r, E_NOT_FOUND, NULL, "没有公务接待事项类型");
	struct reception_query q = {.type = t};
	char path[ORG_PATH_MAX];
	const char *kind = req_query(r, "kind"), *unit = req_query(r, "unit");
	if (kind && *kind && !reception_kind_known(kind))
		return reply_err(r, E_FIELD_INVALID, "kind", "没有这种检查：kind");
	if (unit && (strlen(unit) > 64 || !utf8_valid(unit, strlen(unit))))
		return reply_err(r, E_FIELD_INVALID, "unit", "unit 须为单位编码");
	if (scope_param(r, path, sizeof path) != 0 || day_param(r, "from", false, &q.from) != 0 ||
	    day_param(r, "to", true, &q.to) != 0)
		return reply_failed(r);
	if (q.from && q.to && q.to <= q.from)
		return reply_err(r, E_FIELD_INVALID, "to", "to 不能早于 from");
	q.org_path = path;
	q.kind = kind && *kind ? kind : NULL;
	q.unit = unit && *unit ? unit : NULL;
	json_t *flags, *fig;
	if (receptions_scan(r->reader, &q, &flags, &fig, &r->err) != 0)
		return reply_failed(r);
	json_t *out = json_pack("{s:o,s:o}", "items", flags, "figures", fig);
	return out ? reply_json(r, 200, out) : reply_err(r, E_UNAVAILABLE, NULL, NULL);
}

/* The departments and townships of the caller's county: a traveller names
 * the receiving unit, which lies outside the scopes it may read. Codes and
 * names only, as on the letter itself. */
enum handler_result api_reception_units(struct req *r)
{
	if (!types_reception(r->app->types))
		return reply_err(r, E_NOT_FOUND, NULL, "没有公务接待事项类型");
	/* the county: the first two levels of the caller's own org path */
	char root[ORG_PATH_MAX];
	snprintf(root, sizeof root, "%s", r->actor.org_path);
	char *p = root[0] == '/' ? strchr(root + 1, '/') : NULL;
	if (!p)
		return reply_err(r, E_FORBIDDEN, NULL, "没有所属单位");
	p[1] = '\0';
	json_t *items = json_array();
	struct store_stmt *s = store_stmt(r->reader, ST_RECEPTION_UNITS);
	sbind_text(s, 1, root);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		json_array_append_new(items,
		                      json_pack("{s:s,s:s,s:s}", "code", scol_text(s, 0), "name",
		                                scol_text(s, 1), "kind", scol_text(s, 2)));
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "单位查询失败");
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}
