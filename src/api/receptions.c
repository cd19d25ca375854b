/*
 * The compliance flags of official receptions (公务接待, docs/reception.md):
 *
 *   GET /api/v1/receptions/flags?org=&unit=&kind=&from=&to=
 *   GET /api/v1/receptions/units   the units a trip may visit (the form's list)
 *   POST /api/v1/receptions/confirm {"code"}  the receiving unit confirms a
 *        letter by its verification code (the QR / verify link it was shown)
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
#include "core/documents.h"
#include "core/writer.h"
#include "core/receptions.h"
#include "core/type_data.h"

#include <sodium.h>
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

/* The case of the e-letter whose verification code is `code`: the code's
 * payload names the letter's number; the letter is ours only when the
 * stored payload and signature give back exactly this code (nothing forged
 * or altered is found). 0 with *case_id, or -1 with e (404 not ours). */
static int letter_case(struct store_conn *c, const char *code, int64_t *case_id, struct err *e)
{
	const char *dot = strchr(code, '.');
	unsigned char *bin = malloc(DOC_PAYLOAD_MAX + 1);
	size_t n = 0;
	if (!bin)
		return err_oom(e);
	if (!dot || sodium_base642bin(bin, DOC_PAYLOAD_MAX, code, (size_t)(dot - code), NULL, &n,
	                              NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(bin);
		return err_set(e, E_FIELD_INVALID, "code", "不是有效的公函验证码");
	}
	json_t *p = json_loadb((const char *)bin, n, 0, NULL);
	free(bin);
	const char *no = json_string_value(json_object_get(p, "no"));
	const char *kind = json_string_value(json_object_get(p, "kind"));
	if (!no || !kind || strcmp(kind, "e_letter")) {
		json_decref(p);
		return err_set(e, E_FIELD_INVALID, "code", "不是电子公函的验证码");
	}
	struct store_stmt *s = store_stmt(c, ST_DOC_BY_NUMBER);
	sbind_text(s, 1, no);
	json_decref(p);
	int rc = sstep(s);
	char *mine = malloc(DOC_CODE_MAX + 1);
	bool same = false;
	if (rc == STORE_ROW && mine && !scol_null(s, 3) &&
	    doc_code(scol_text(s, 5), strlen(scol_text(s, 5)), scol_blob(s, 6), mine,
	             DOC_CODE_MAX + 1) == 0)
		same = !strcmp(mine, code);
	if (same)
		*case_id = scol_int(s, 3);
	free(mine);
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	return same ? 0 : err_set(e, E_NOT_FOUND, "code", "公函不存在或已被篡改");
}

static int confirm_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	const struct matter_type *t = types_reception(w->app->types);
	int64_t id = 0;
	const char *code = json_string_value(json_object_get(r->in, "code"));
	if (letter_case(w->conn, code, &id, &r->err) != 0)
		return -1;
	json_t *body = json_object();
	int rc = body ? reception_act(w, &r->actor, id, t->data.reception.confirm_action, body,
	                              &r->out, &r->err)
	              : err_oom(&r->err);
	json_decref(body);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		r->status = err_status(r->err.kind);
		r->out = json_pack("{s:{s:s,s:s}}", "error", "code", err_code(r->err.kind),
		                   "message", err_message(&r->err));
		return r->out ? 0 : -1;
	}
	r->status = 200;
	return 0;
}

enum handler_result api_reception_confirm(struct req *r)
{
	const struct matter_type *t = types_reception(r->app->types);
	if (!t || !t->data.reception.confirm_action)
		return reply_err(r, E_NOT_FOUND, NULL, "没有公务接待事项类型");
	if (req_json(r) != 0)
		return reply_failed(r);
	json_t *code = json_object_get(r->in, "code");
	if (!json_is_object(r->in) || json_object_size(r->in) != 1 || !json_is_string(code))
		return reply_err(r, E_FIELD_INVALID, "code", "请求体须为 {\"code\": 公函验证码}");
	size_t len = strlen(json_string_value(code));
	if (len == 0 || len > DOC_CODE_MAX)
		return reply_err(r, E_FIELD_INVALID, "code", "不是有效的公函验证码");
	return reply_async(r, confirm_job);
}
