/*
 * Target doccode: a signed document's verification code (core/documents.h)
 * through doc_check_code(), as the public verify route, `civicloop doc
 * verify` and the verify page's pasted codes reach it: any bytes at all —
 * cut base64, bad UTF-8 inside the payload, duplicate keys, two dots, a
 * megabyte. Properties:
 *   - a malformed code says why and hands back no payload; any other
 *     verdict hands back an object payload and a 16-hex key id;
 *   - only a code whose signature the fixed test key made is valid;
 *   - re-signed: a readable payload signed again with the test key (for
 *     whatever kid it names) verifies, and with one bit of the signature
 *     flipped it is tampered, never valid;
 *   - every prefix of the input is checked without harm (truncated codes).
 *
 * Input: the code's bytes.
 */
#include "harness.h"
#include "core/documents.h"
#include "util/crypto.h"

#include <string.h>

static unsigned char pk[32], sk[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (crypto_init() != 0)
		fz_fail("libsodium");
	/* a fixed key, so the seeds (fuzz/corpus/doccode) can be signed by it */
	unsigned char seed[32];
	memset(seed, 7, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	return 0;
}

/* The test key, whatever the kid: re-signed codes verify. */
static const unsigned char *any_kid(void *ctx, const char *kid)
{
	(void)ctx;
	(void)kid;
	return pk;
}

static const unsigned char *no_key(void *ctx, const char *kid)
{
	(void)ctx;
	(void)kid;
	return NULL;
}

static void check_shape(const struct doc_check *k, enum doc_verdict v)
{
	if (v != k->verdict)
		fz_fail("verdict returned %d, stored %d", v, k->verdict);
	if (v == DOC_MALFORMED) {
		if (!k->reason || !k->reason[0] || k->payload)
			fz_fail("a malformed code without a reason, or with a payload");
		return;
	}
	if (!json_is_object(k->payload) || strlen(k->kid) != 16)
		fz_fail("a readable code without an object payload or a key id");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *code = (const char *)data;
	struct doc_check k;
	enum doc_verdict v = doc_check_code(code, size, any_kid, NULL, 0, &k);
	check_shape(&k, v);
	if (v == DOC_VALID && (size < 88 || code[size - 87] != '.'))
		fz_fail("valid, but not payload \".\" 86 characters of signature");
	/* the same code with no key known is never valid */
	struct doc_check u;
	enum doc_verdict uv = doc_check_code(code, size, no_key, NULL, 0, &u);
	check_shape(&u, uv);
	if ((v == DOC_MALFORMED) != (uv == DOC_MALFORMED) || uv == DOC_VALID)
		fz_fail("the key lookup changed whether the code is readable, or made it valid");
	json_decref(u.payload);

	if (v != DOC_MALFORMED) {
		/* re-sign the payload's bytes as they came */
		const char *dot = memchr(code, '.', size);
		unsigned char payload[DOC_PAYLOAD_MAX + 3];
		size_t plen = 0;
		if (!dot ||
		    sodium_base642bin(payload, sizeof payload, code, (size_t)(dot - code), NULL,
		                      &plen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
			fz_fail("readable, but its payload does not decode again");
		unsigned char sig[64];
		crypto_sign_detached(sig, NULL, payload, plen, sk);
		char again[DOC_CODE_MAX + 1];
		if (doc_code((const char *)payload, plen, sig, again, sizeof again) != 0)
			fz_fail("doc_code refused a payload doc_check_code read");
		struct doc_check r;
		if (doc_check_code(again, strlen(again), any_kid, NULL, 0, &r) != DOC_VALID)
			fz_fail("re-signed, the code does not verify: %s", again);
		json_decref(r.payload);
		sig[size % 64] ^= (unsigned char)(1u << (size % 8));
		doc_code((const char *)payload, plen, sig, again, sizeof again);
		if (doc_check_code(again, strlen(again), any_kid, NULL, 0, &r) != DOC_BAD_SIGNATURE)
			fz_fail("a flipped signature bit is not tampered");
		json_decref(r.payload);
	}
	json_decref(k.payload);
	/* truncated: a few prefixes */
	for (size_t cut = size / 2; cut < size; cut += size / 4 + 1) {
		struct doc_check t;
		check_shape(&t, doc_check_code(code, cut, any_kid, NULL, 0, &t));
		json_decref(t.payload);
	}
	return 0;
}
