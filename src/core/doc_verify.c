/*
 * Checking a verification code (core/documents.h) with public keys only:
 * the public verify route, `civicloop doc verify` offline, the fuzz target
 * and the bench all run this one function. Any bytes may arrive (a
 * scanned QR, a pasted URL, an attacker's megabyte), so every step bounds
 * what it reads before decoding it and names what is wrong in Chinese.
 */
#include "core/documents.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

static bool b64url_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static enum doc_verdict malformed(struct doc_check *out, const char *why)
{
	json_decref(out->payload);
	out->payload = NULL;
	out->verdict = DOC_MALFORMED;
	out->reason = why;
	return DOC_MALFORMED;
}

/* "kid": 16 lower-case hex digits, as keys_derive_id writes it. */
static bool kid_ok(const char *s)
{
	if (!s || strlen(s) != 16)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* The payload's shape: what doc_issue writes. */
static const char *payload_fault(json_t *p, struct doc_check *out)
{
	if (!json_is_object(p))
		return "文书内容不是对象";
	if (json_integer_value(json_object_get(p, "v")) != 1 ||
	    !json_is_integer(json_object_get(p, "v")))
		return "文书版本不受支持";
	if (!json_is_string(json_object_get(p, "kind")) ||
	    !json_is_string(json_object_get(p, "no")) ||
	    !json_is_object(json_object_get(p, "issuer")) ||
	    !json_is_object(json_object_get(p, "facts")))
		return "文书内容缺少类别、编号、出具单位或事项";
	const char *kid = json_string_value(json_object_get(p, "kid"));
	if (!kid_ok(kid))
		return "文书的密钥编号无效";
	snprintf(out->kid, sizeof out->kid, "%s", kid);
	const char *iat = json_string_value(json_object_get(p, "iat"));
	if (!iat || time_parse_iso_zoned(iat, &out->issued_at) != 0)
		return "文书的出具时间无效";
	json_t *vu = json_object_get(p, "valid_until");
	if (vu && (!json_is_string(vu) ||
	           time_parse_iso_zoned(json_string_value(vu), &out->valid_until) != 0))
		return "文书的有效期无效";
	return NULL;
}

enum doc_verdict doc_check_code(const char *code, size_t len, doc_key_fn key, void *ctx,
                                int64_t now, struct doc_check *out)
{
	memset(out, 0, sizeof *out);
	if (!code || len == 0)
		return malformed(out, "验证码为空");
	if (len > DOC_CODE_MAX)
		return malformed(out, "验证码过长");
	size_t dot = len;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)code[i];
		if (c == '.' && dot == len)
			dot = i;
		else if (!b64url_char(c))
			return malformed(out, "验证码含有不允许的字符");
	}
	if (dot == len || dot == 0)
		return malformed(out, "验证码不完整（缺少签名部分）");
	const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	size_t slen = 0;
	if (sodium_base642bin(out->sig, sizeof out->sig, code + dot + 1, len - dot - 1, NULL, &slen,
	                      NULL, v) != 0 ||
	    slen != crypto_sign_BYTES)
		return malformed(out, "验证码的签名部分不完整或已损坏");
	unsigned char payload[DOC_PAYLOAD_MAX + 3];
	size_t plen = 0;
	if (sodium_base642bin(payload, sizeof payload, code, dot, NULL, &plen, NULL, v) != 0 ||
	    plen == 0 || plen > DOC_PAYLOAD_MAX)
		return malformed(out, "验证码的内容部分不完整或已损坏");
	if (!utf8_valid((const char *)payload, plen))
		return malformed(out, "文书内容不是有效的 UTF-8 文本");
	out->payload = json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, NULL);
	if (!out->payload)
		return malformed(out, "文书内容不是有效的 JSON");
	const char *fault = payload_fault(out->payload, out);
	if (fault)
		return malformed(out, fault);
	out->expired = out->valid_until > 0 && now >= out->valid_until;
	const unsigned char *pk = key ? key(ctx, out->kid) : NULL;
	if (!pk)
		return out->verdict = DOC_UNKNOWN_KEY;
	out->verdict = crypto_sign_verify_detached(out->sig, payload, plen, pk) == 0
	                   ? DOC_VALID
	                   : DOC_BAD_SIGNATURE;
	return out->verdict;
}

const unsigned char *doc_keyring_find(void *ctx, const char *kid)
{
	const struct doc_keyring *r = ctx;
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->keys[i].kid, kid))
			return r->keys[i].pk;
	return NULL;
}

int doc_keys_parse(const json_t *doc, struct doc_pubkey *out, int max)
{
	json_t *keys = json_object_get(doc, "items");
	if (!json_is_array(keys))
		return -1;
	int n = 0;
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k)
	{
		const char *kid = json_string_value(json_object_get(k, "key_id"));
		const char *pk = json_string_value(json_object_get(k, "public_key"));
		if (!kid_ok(kid) || !pk || n >= max)
			return -1;
		size_t got = 0;
		if (strlen(pk) == 64
		        ? hex_decode(pk, out[n].pk, 32) != 0
		        : sodium_base642bin(out[n].pk, 32, pk, strlen(pk), NULL, &got, NULL,
		                            sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
		              got != 32)
			return -1;
		snprintf(out[n].kid, sizeof out[n].kid, "%s", kid);
		n++;
	}
	return n;
}
