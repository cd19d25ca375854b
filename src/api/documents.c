/*
 * Signed documents over HTTP (core/documents.h, docs/documents.md): a
 * case's documents, one document with its QR, revoking one, the public
 * keys and the public verification of a code (no sign-in, limited per
 * client address like the other public routes).
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "api/addr_limit.h"
#include "core/app.h"
#include "core/documents.h"
#include "core/engine.h"
#include "util/json.h"
#include "util/qr.h"
#include "util/text.h"
#include "util/timeutil.h"

#define VERIFY_RATE 120 /* public verifications per client address a minute */
#define REVOKE_REASON_MAX 200

static struct addr_limit verify_rate = ADDR_LIMIT_INIT(VERIFY_RATE, MS_PER_MINUTE);

/* GET /api/v1/cases/{id}/documents: the case's documents, to its readers;
 * a recorded reader's list is a case.read event {"view":"documents"}. */
enum handler_result api_case_documents(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *out;
	if (doc_list_case(r->reader, r->app, &r->actor, id, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	return api_reply_read(r, id, false, "case.read", json_pack("{s:s}", "view", "documents"));
}

/* The org's path into path (cap bytes); 0, or -1 if there is none. */
static int org_path(struct store_conn *c, int64_t org_id, char *path, size_t cap)
{
	struct store_stmt *s = store_stmt(c, ST_ORG_BY_ID);
	sbind_int(s, 1, org_id);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		snprintf(path, cap, "%s", scol_text(s, 5));
	sreset(s);
	return rc == STORE_ROW ? 0 : -1;
}

/* The document id as the caller may see it: its case's readers, or (a
 * document of no case) those who see the issuing org. 0, or -1 with e set
 * (404 alike for missing and unseen). */
static int doc_visible(struct store_conn *c, const struct app *app, const struct actor *a,
                       int64_t id, struct doc_ref *d, char *path, size_t cap, struct err *e)
{
	memset(d, 0, sizeof *d);
	int rc = id > 0 ? doc_get(c, id, d) : 1;
	if (rc < 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (rc == 0 && org_path(c, d->org_id, path, cap) != 0)
		rc = 1;
	bool seen = false;
	if (rc == 0 && d->case_id) {
		struct case_full cf;
		if (case_load(c, app, d->case_id, &cf) == 0) {
			seen = case_visible(a, &cf);
			case_full_release(&cf);
		}
	} else if (rc == 0) {
		seen = actor_sees_org(a, path);
	}
	if (!seen) {
		json_decref(d->json);
		d->json = NULL;
		return err_set(e, E_NOT_FOUND, NULL, "文书不存在");
	}
	return 0;
}

/* GET /api/v1/documents/{id}: {"document": DOCUMENT, "can_revoke"}. */
enum handler_result api_document_get(struct req *r)
{
	struct doc_ref d;
	char path[ORG_PATH_MAX];
	if (doc_visible(r->reader, r->app, &r->actor, req_param_id(r, 0), &d, path, sizeof path,
	                &r->err) != 0)
		return reply_failed(r);
	bool can = !d.revoked && actor_can(&r->actor, P_DOCUMENT_REVOKE, path);
	json_t *out = json_pack("{s:o,s:b}", "document", d.json, "can_revoke", can);
	if (!out)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->out = out;
	/* a recorded reader's view of a case's document is on the chain */
	return api_reply_read(
	    r, d.case_id, false, d.case_id ? "case.read" : NULL,
	    json_pack("{s:s,s:I}", "view", "document", "document", (json_int_t)d.id));
}

/* The QR of a visible document's verify URL. */
static enum handler_result qr_reply(struct req *r, bool png)
{
	struct doc_ref d;
	char path[ORG_PATH_MAX];
	if (doc_visible(r->reader, r->app, &r->actor, req_param_id(r, 0), &d, path, sizeof path,
	                &r->err) != 0)
		return reply_failed(r);
	const char *url = json_string_value(json_object_get(d.json, "verify_url"));
	char *body = NULL;
	size_t len = 0;
	int rc = png ? qr_png(url, 8, &body, &len) : qr_svg(url, &body, &len);
	json_decref(d.json);
	if (rc != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, "无法生成二维码");
	r->raw = body;
	r->raw_len = len;
	r->content_type = png ? "image/png" : "image/svg+xml";
	r->status = 200;
	return H_DONE;
}

/* GET /api/v1/documents/{id}/qr.svg and /qr.png */
enum handler_result api_document_qr_svg(struct req *r)
{
	return qr_reply(r, false);
}

enum handler_result api_document_qr_png(struct req *r)
{
	return qr_reply(r, true);
}

static int revoke_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	/* what the caller may not see is 404 whatever the body says */
	struct doc_ref d;
	char path[ORG_PATH_MAX];
	if (doc_visible(w->conn, r->app, &r->actor, req_param_id(r, 0), &d, path, sizeof path,
	                &r->err) != 0)
		return -1;
	json_decref(d.json);
	static const char *const keys[] = {"reason"};
	const char *bad = json_unknown_key(r->in, keys, 1);
	if (bad)
		return err_set(&r->err, E_FIELD_UNKNOWN, bad, "不认识的字段 %s", bad);
	json_t *reason = json_object_get(r->in, "reason");
	if (!reason)
		return err_set(&r->err, E_FIELD_REQUIRED, "reason", "缺少撤销理由 reason");
	if (text_fault(reason, REVOKE_REASON_MAX, TEXT_NONEMPTY) != TEXT_OK)
		return err_set(&r->err, E_FIELD_INVALID, "reason",
		               "撤销理由须为 1–" TEXT_STR(REVOKE_REASON_MAX) " 字的单行文本");
	if (!actor_can(&r->actor, P_DOCUMENT_REVOKE, path))
		return err_set(&r->err, E_FORBIDDEN, NULL,
		               "只有出具单位的负责人或管理员可以撤销文书");
	if (d.revoked)
		return err_set(&r->err, E_CONFLICT, NULL, "文书已经撤销");
	struct store_stmt *s = store_stmt(w->conn, ST_DOC_REVOKE);
	sbind_int(s, 1, d.id);
	sbind_int(s, 2, w->now);
	sbind_text(s, 3, json_string_value(reason));
	sbind_opt_int(s, 4, r->actor.user_id);
	if (sdone(s) != STORE_DONE || store_changes(w->conn) != 1)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	json_t *p = json_pack("{s:I,s:s,s:O}", "document_id", (json_int_t)d.id, "number", d.number,
	                      "reason", reason);
	char *text = p ? json_canonical(p) : NULL;
	json_decref(p);
	if (!text)
		return err_oom(&r->err);
	struct event_rec ev = {.case_id = d.case_id,
	                       .at = w->now,
	                       .actor_id = r->actor.user_id,
	                       .org_id = d.org_id,
	                       .action = "document.revoke",
	                       .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	if (rc != 0)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	if (doc_get(w->conn, d.id, &d) != 0)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	r->out = json_pack("{s:o}", "document", d.json);
	r->status = 200;
	return r->out ? 0 : err_oom(&r->err);
}

/* POST /api/v1/documents/{id}/revoke {"reason"} */
enum handler_result api_document_revoke(struct req *r)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	return reply_async(r, revoke_job);
}

/* GET /api/v1/public/verify?code=CODE */
enum handler_result api_public_verify(struct req *r)
{
	int64_t now = time_real_ms();
	if (!addr_limit_allowed(&verify_rate, r->address, now))
		return reply_err(r, E_THROTTLED, NULL, "查验过于频繁，请一分钟后再试");
	addr_limit_count(&verify_rate, r->address, now);
	const char *code = req_query(r, "code");
	if (!code || !*code)
		return reply_err(r, E_FIELD_REQUIRED, "code", "缺少验证码 code");
	json_t *out;
	if (doc_verify_online(r->reader, code, strlen(code), time_now_ms(), &out, &r->err) != 0)
		return reply_failed(r);
	return reply_json(r, 200, out);
}
