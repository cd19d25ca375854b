/*
 * The instance's side of verification (core/documents.h): its published
 * keys, and a code checked online against them and against its own record
 * of what it issued and revoked. Offline verification needs only the keys
 * (core/doc_verify.c); revocation needs the issuer, so only the online
 * answer can say 已撤销.
 */
#include "core/documents.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "util/crypto.h"
#include "util/timeutil.h"

/* SubjectPublicKeyInfo of an Ed25519 key, before its 32 bytes (RFC 8410) */
static const unsigned char spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                              0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

static json_t *key_json(const char *kid, const unsigned char *pk, json_t *created, json_t *retired,
                        bool current)
{
	char b64[64], hex[HEX_LEN(32)], der64[80], pem[160];
	sodium_bin2base64(b64, sizeof b64, pk, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	hex_encode(pk, 32, hex);
	unsigned char der[44];
	memcpy(der, spki_prefix, sizeof spki_prefix);
	memcpy(der + sizeof spki_prefix, pk, 32);
	sodium_bin2base64(der64, sizeof der64, der, sizeof der, sodium_base64_VARIANT_ORIGINAL);
	snprintf(pem, sizeof pem, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
	         der64);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:b}", "key_id", kid, "alg", "Ed25519",
	                 "public_key", hex, "public_key_b64url", b64, "pem", pem, "created_at",
	                 created, "retired_at", retired, "current", current);
}

static json_t *iso(struct store_stmt *s, int col)
{
	if (scol_null(s, col))
		return json_null();
	char at[ISO8601_MAX];
	time_format_iso(scol_int(s, col), at, sizeof at);
	return json_string(at);
}

json_t *doc_keys_json(struct store_conn *c, const struct keys *current)
{
	json_t *items = json_array();
	bool listed = false, ok = items != NULL;
	struct store_stmt *s = store_stmt(c, ST_KEY_LIST);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		const char *kid = scol_text(s, 0);
		bool cur = current && !strcmp(kid, current->key_id);
		listed |= cur;
		if (scol_bytes(s, 1) == 32)
			ok = ok &&
			     json_array_append_new(items, key_json(kid, scol_blob(s, 1), iso(s, 2),
			                                           iso(s, 3), cur)) == 0;
	}
	sreset(s);
	if (ok && current && !listed)
		ok = json_array_append_new(items, key_json(current->key_id, current->sign_pk,
		                                           json_null(), json_null(), true)) == 0;
	if (rc != STORE_DONE || !ok) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o}", "items", items);
}

struct key_lookup {
	struct store_conn *c;
	unsigned char pk[32];
	bool failed;
};

static const unsigned char *db_key(void *ctx, const char *kid)
{
	struct key_lookup *l = ctx;
	struct store_stmt *s = store_stmt(l->c, ST_KEY_GET);
	sbind_text(s, 1, kid);
	int rc = sstep(s);
	bool found = rc == STORE_ROW && scol_bytes(s, 1) == 32;
	if (found)
		memcpy(l->pk, scol_blob(s, 1), 32);
	l->failed = rc != STORE_ROW && rc != STORE_DONE;
	sreset(s);
	return found ? l->pk : NULL;
}

/* What the code says, for the valid, expired and revoked answers. */
static json_t *claims(json_t *p)
{
	const struct doc_kind *k = doc_kind(json_string_value(json_object_get(p, "kind")));
	return json_pack(
	    "{s:O,s:s,s:O,s:O,s:O?,s:O,s:O,s:O?,s:O}", "kind", json_object_get(p, "kind"), "title",
	    k ? k->title : "电子文书", "number", json_object_get(p, "no"), "issuer",
	    json_object_get(p, "issuer"), "subject", json_object_get(p, "subject"), "facts",
	    json_object_get(p, "facts"), "issued_at", json_object_get(p, "iat"), "valid_until",
	    json_object_get(p, "valid_until"), "key_id", json_object_get(p, "kid"));
}

/* The instance's row of this very document (number and signature alike):
 * 1 found (revoked_at/reason set when revoked), 0 not on record, -1 failed. */
static int on_record(struct store_conn *c, const struct doc_check *k, int64_t *revoked_at,
                     char *reason, size_t cap)
{
	struct store_stmt *s = store_stmt(c, ST_DOC_BY_NUMBER);
	sbind_text(s, 1, json_string_value(json_object_get(k->payload, "no")));
	int rc = sstep(s), found = 0;
	if (rc == STORE_ROW && scol_bytes(s, 6) == 64 && !memcmp(scol_blob(s, 6), k->sig, 64)) {
		found = 1;
		*revoked_at = scol_null(s, 10) ? 0 : scol_int(s, 10);
		snprintf(reason, cap, "%s", scol_null(s, 11) ? "" : scol_text(s, 11));
	}
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? found : -1;
}

int doc_verify_online(struct store_conn *c, const char *code, size_t len, int64_t now, json_t **out,
                      struct err *e)
{
	*out = NULL;
	struct key_lookup l = {.c = c};
	struct doc_check k;
	enum doc_verdict v = doc_check_code(code, len, db_key, &l, now, &k);
	if (l.failed) {
		json_decref(k.payload);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	if (v == DOC_MALFORMED)
		return err_set(e, E_FIELD_INVALID, "code", "验证码无法识别：%s", k.reason);
	const char *verdict, *label, *msg;
	json_t *doc = NULL;
	int64_t revoked_at = 0;
	char reason[512] = "";
	int rec = 0;
	if (v == DOC_UNKNOWN_KEY) {
		verdict = "unknown_key";
		label = "无法识别";
		msg = "验证码由本平台未公布的密钥签名，不能证明出自本平台";
	} else if (v == DOC_BAD_SIGNATURE) {
		verdict = "tampered";
		label = "签名无效";
		msg = "文书内容与签名不符：可能已被篡改或伪造，请勿采信";
	} else {
		rec = on_record(c, &k, &revoked_at, reason, sizeof reason);
		if (rec < 0) {
			json_decref(k.payload);
			return err_set(e, E_UNAVAILABLE, NULL, NULL);
		}
		doc = claims(k.payload);
		if (revoked_at) {
			verdict = "revoked";
			label = "已撤销";
			msg = "签名真实，但出具单位已撤销这份文书，不再有效";
		} else if (k.expired) {
			verdict = "expired";
			label = "已过期";
			msg = "签名真实，但文书已超过有效期";
		} else {
			verdict = "valid";
			label = "真实有效";
			msg = "签名真实，文书由下列单位出具，内容未被改动";
		}
	}
	char when[ISO8601_MAX] = "";
	if (revoked_at)
		time_format_iso(revoked_at, when, sizeof when);
	*out = json_pack("{s:s,s:s,s:s,s:b,s:s,s:b,s:o*,s:s*,s:s*}", "verdict", verdict, "label",
	                 label, "message", msg, "signature_valid", v == DOC_VALID, "key_id", k.kid,
	                 "on_record", rec == 1, "document", doc, "revoked_at",
	                 revoked_at ? when : NULL, "revoked_reason", revoked_at ? reason : NULL);
	json_decref(k.payload);
	return *out ? 0 : err_oom(e);
}
