/*
 * Issuing and listing signed documents (core/documents.h). Signing signs
 * the payload's bytes themselves, with nothing before them, so that anyone
 * may check a code with a stock Ed25519 verifier (openssl pkeyutl, node,
 * python); a payload starts with "{", so it can never be mistaken for an
 * audit checkpoint the same key signs ("civicloop.checkpoint.v1"…).
 */
#include "core/documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/engine.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/timeutil.h"

/* The kinds of document: each part of the product issues its own, but the
 * table is one, so that numbers never collide and the verify page knows
 * every title. */
static const struct doc_kind kinds[] = {
    {"e_letter", "电子公函", "GH"},
    {"reception_cert", "电子接待证明", "JD"},
    {"homestead_cert", "农村宅基地批准书", "ZJ"},
};

const struct doc_kind *doc_kind(const char *code)
{
	for (size_t i = 0; code && i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kinds[i].code, code))
			return &kinds[i];
	return NULL;
}

int doc_code(const char *payload, size_t len, const unsigned char *sig, char *out, size_t cap)
{
	const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	size_t plen = sodium_base64_encoded_len(len, v);
	size_t slen = sodium_base64_encoded_len(crypto_sign_BYTES, v);
	if (len > DOC_PAYLOAD_MAX || plen + slen > cap)
		return -1;
	sodium_bin2base64(out, plen, (const unsigned char *)payload, len, v);
	size_t at = strlen(out);
	out[at++] = '.';
	sodium_bin2base64(out + at, cap - at, sig, crypto_sign_BYTES, v);
	return 0;
}

/* The public URL a code verifies at: the instance's public base
 * (CIVICLOOP_PUBLIC_URL, e.g. "https://mq.example.gov.cn") + "/v/" + code,
 * or the path alone when no base is set. */
static char *verify_url(const char *code)
{
	const char *base = getenv("CIVICLOOP_PUBLIC_URL");
	if (!base)
		base = "";
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	size_t cap = n + 3 + strlen(code) + 1;
	char *url = malloc(cap);
	if (url)
		snprintf(url, cap, "%.*s/v/%s", (int)n, base, code);
	return url;
}

static json_t *iso_or_null(struct store_stmt *s, int col)
{
	if (scol_null(s, col))
		return json_null();
	char at[ISO8601_MAX];
	time_format_iso(scol_int(s, col), at, sizeof at);
	return json_string(at);
}

/* A row of DOC_COLS as the API shows it. */
static json_t *doc_row_json(struct store_stmt *s)
{
	const char *kind = scol_text(s, 1);
	const struct doc_kind *k = doc_kind(kind);
	const char *payload = scol_text(s, 5);
	size_t plen = scol_bytes(s, 5);
	char code[DOC_CODE_MAX + 1];
	if (scol_bytes(s, 6) != crypto_sign_BYTES ||
	    doc_code(payload, plen, scol_blob(s, 6), code, sizeof code) != 0)
		return NULL;
	char *url = verify_url(code);
	json_t *body = json_loadb(payload, plen, 0, NULL);
	char issued[ISO8601_MAX];
	time_format_iso(scol_int(s, 8), issued, sizeof issued);
	json_t *o = json_pack(
	    "{s:I,s:s,s:s,s:s,s:o,s:s,s:s?,s:s,s:o,s:s,s:O?,s:O?,s:O?,s:o,s:o,s:s?}", "id",
	    (json_int_t)scol_int(s, 0), "kind", kind, "title", k ? k->title : kind, "number",
	    scol_text(s, 2), "case_id",
	    scol_null(s, 3) ? json_null() : json_integer(scol_int(s, 3)), "code", code,
	    "verify_url", url, "issued_at", issued, "valid_until", iso_or_null(s, 9), "key_id",
	    scol_text(s, 7), "issuer", json_object_get(body, "issuer"), "subject",
	    json_object_get(body, "subject"), "facts", json_object_get(body, "facts"), "revoked",
	    json_boolean(!scol_null(s, 10)), "revoked_at", iso_or_null(s, 10), "revoked_reason",
	    scol_null(s, 11) ? NULL : scol_text(s, 11));
	free(url);
	json_decref(body);
	return o;
}

/* The org's code and name, for the issuer. */
static int issuer_of(struct store_conn *c, int64_t org_id, json_t **out)
{
	struct store_stmt *s = store_stmt(c, ST_ORG_BY_ID);
	sbind_int(s, 1, org_id);
	int rc = sstep(s);
	*out = rc == STORE_ROW
	           ? json_pack("{s:s,s:s}", "code", scol_text(s, 1), "name", scol_text(s, 2))
	           : NULL;
	sreset(s);
	return *out ? 0 : -1;
}

/* The kind's next number today (Asia/Shanghai): PREFIX YYYYMMDD "-" NNNN. */
static int next_number(struct store_conn *c, const struct doc_kind *k, int64_t now, char *out,
                       size_t cap)
{
	int64_t day = time_day_of(now);
	struct store_stmt *s = store_stmt(c, ST_DOC_COUNT_KIND_SINCE);
	sbind_text(s, 1, k->code);
	sbind_int(s, 2, time_day_start(day));
	sbind_int(s, 3, time_day_start(day + 1));
	int rc = sstep(s);
	int64_t n = rc == STORE_ROW ? scol_int(s, 0) : -1;
	sreset(s);
	if (n < 0)
		return -1;
	int y, m, d;
	time_ymd_from_day(day, &y, &m, &d);
	snprintf(out, cap, "%s%04d%02d%02d-%04lld", k->prefix, y, m, d, (long long)n + 1);
	return 0;
}

/* The payload to sign, canonical; NULL if out of memory. */
static char *build_payload(const struct doc_spec *spec, const char *number, json_t *issuer,
                           const char *kid, int64_t now)
{
	char iat[ISO8601_MAX], until[ISO8601_MAX];
	time_format_iso(now, iat, sizeof iat);
	json_t *p =
	    json_pack("{s:i,s:s,s:s,s:O,s:O,s:O,s:s,s:s}", "v", 1, "kind", spec->kind, "no", number,
	              "issuer", issuer, "subject", spec->subject ? spec->subject : json_object(),
	              "facts", spec->facts ? spec->facts : json_object(), "kid", kid, "iat", iat);
	if (p && spec->valid_until > 0) {
		time_format_iso(spec->valid_until, until, sizeof until);
		json_object_set_new(p, "valid_until", json_string(until));
	}
	char *text = p ? json_canonical(p) : NULL;
	json_decref(p);
	return text;
}

static int publish_key(struct store_conn *c, const struct keys *k, int64_t now)
{
	struct store_stmt *s = store_stmt(c, ST_KEY_PUBLISH);
	sbind_text(s, 1, k->key_id);
	sbind_blob(s, 2, k->sign_pk, sizeof k->sign_pk);
	sbind_int(s, 3, now);
	int rc = sstep(s);
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

static int store_doc(struct wctx *w, const struct doc_spec *spec, const char *number,
                     const char *payload, const unsigned char *sig, int64_t *id)
{
	struct store_stmt *s = store_stmt(w->conn, ST_DOC_INSERT);
	sbind_text(s, 1, spec->kind);
	sbind_text(s, 2, number);
	if (spec->case_id > 0)
		sbind_int(s, 3, spec->case_id);
	else
		sbind_null(s, 3);
	sbind_int(s, 4, spec->org_id);
	sbind_text(s, 5, payload);
	sbind_blob(s, 6, sig, crypto_sign_BYTES);
	sbind_text(s, 7, w->app->keys.key_id);
	sbind_int(s, 8, w->now);
	if (spec->valid_until > 0)
		sbind_int(s, 9, spec->valid_until);
	else
		sbind_null(s, 9);
	if (spec->actor_id > 0)
		sbind_int(s, 10, spec->actor_id);
	else
		sbind_null(s, 10);
	int rc = sstep(s);
	sreset(s);
	*id = store_last_id(w->conn);
	return rc == STORE_DONE ? 0 : -1;
}

static int issue_event(struct wctx *w, const struct doc_spec *spec, int64_t id, const char *number)
{
	json_t *p = json_pack("{s:I,s:s,s:s,s:s}", "document_id", (json_int_t)id, "kind",
	                      spec->kind, "number", number, "key_id", w->app->keys.key_id);
	char *text = p ? json_canonical(p) : NULL;
	json_decref(p);
	if (!text)
		return -1;
	struct event_rec ev = {.case_id = spec->case_id,
	                       .at = w->now,
	                       .actor_id = spec->actor_id,
	                       .org_id = spec->org_id,
	                       .action = "document.issue",
	                       .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	return rc;
}

int doc_issue(struct wctx *w, const struct doc_spec *spec, json_t **doc, struct err *e)
{
	*doc = NULL;
	const struct doc_kind *k = doc_kind(spec->kind);
	if (!k)
		return err_set(e, E_INTERNAL, NULL, "未知的文书类别 %s",
		               spec->kind ? spec->kind : "?");
	json_t *issuer;
	if (spec->org_id <= 0 || issuer_of(w->conn, spec->org_id, &issuer) != 0)
		return err_set(e, E_STATE_CONFLICT, NULL, "没有可以出具文书的单位");
	char number[48];
	if (next_number(w->conn, k, w->now, number, sizeof number) != 0) {
		json_decref(issuer);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	char *payload = build_payload(spec, number, issuer, w->app->keys.key_id, w->now);
	json_decref(issuer);
	if (!payload)
		return err_oom(e);
	size_t len = strlen(payload);
	if (len > DOC_PAYLOAD_MAX) {
		free(payload);
		return err_set(e, E_FIELD_TOO_LONG, NULL,
		               "文书内容过长（至多 %d 字节），无法印成可扫描的二维码",
		               DOC_PAYLOAD_MAX);
	}
	unsigned char sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, (const unsigned char *)payload, len, w->app->keys.sign_sk);
	int64_t id = 0;
	int rc = publish_key(w->conn, &w->app->keys, w->now);
	if (rc == 0)
		rc = store_doc(w, spec, number, payload, sig, &id);
	free(payload);
	if (rc == 0)
		rc = issue_event(w, spec, id, number);
	if (rc != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	struct store_stmt *s = store_stmt(w->conn, ST_DOC_GET);
	sbind_int(s, 1, id);
	if (sstep(s) == STORE_ROW)
		*doc = doc_row_json(s);
	sreset(s);
	return *doc ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

int doc_list_case(struct store_conn *c, const struct app *app, const struct actor *a,
                  int64_t case_id, json_t **out, struct err *e)
{
	*out = NULL;
	struct case_full cf;
	if (case_id <= 0 || case_load(c, app, case_id, &cf) != 0)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	bool visible = case_visible(a, &cf);
	case_full_release(&cf);
	if (!visible)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	json_t *items = json_array();
	struct store_stmt *s = store_stmt(c, ST_DOC_OF_CASE);
	sbind_int(s, 1, case_id);
	int rc;
	bool ok = items != NULL;
	while ((rc = sstep(s)) == STORE_ROW) {
		json_t *d = doc_row_json(s);
		ok = ok && d && json_array_append_new(items, d) == 0;
	}
	sreset(s);
	if (rc != STORE_DONE || !ok) {
		json_decref(items);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	*out = json_pack("{s:o}", "items", items);
	return *out ? 0 : err_oom(e);
}
