/*
 * doc_verify [--seconds S] [--out FILE.json]: signed documents' codes
 * verified per second offline (core/documents.h doc_check_code), with only
 * the public keys, as `civicloop doc verify --keys` and a verifier's own
 * program would: base64url decoding, the UTF-8 and JSON checks of the
 * payload, the key lookup among KEYS published keys, Ed25519. The codes
 * are realistic: an 电子公函's payload of about 600 bytes, N distinct ones
 * signed beforehand by one of the keys. One thread; docs/bench.md
 * "Signed documents". Also times signing (what issuing adds to a write).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/documents.h"
#include "util/crypto.h"

#define NCODES 1000
#define NKEYS 4

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = 3;
	const char *out = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
	}
	if (crypto_init() != 0)
		return 2;
	static struct doc_pubkey keys[NKEYS];
	static unsigned char sks[NKEYS][64];
	for (int i = 0; i < NKEYS; i++) {
		crypto_sign_keypair(keys[i].pk, sks[i]);
		unsigned char h[32];
		crypto_generichash(h, sizeof h, keys[i].pk, 32, NULL, 0);
		hex_encode(h, 8, keys[i].kid);
	}
	struct doc_keyring ring = {keys, NKEYS};
	static char codes[NCODES][DOC_CODE_MAX + 1];
	double t0 = now_s();
	for (int i = 0; i < NCODES; i++) {
		int k = i % NKEYS;
		char payload[DOC_PAYLOAD_MAX + 1];
		snprintf(payload, sizeof payload,
		         "{\"facts\":{\"事由\":\"学习基层治理和数字城管平台建设经验\",\"人数\":%d,"
		         "\"接待单位\":\"濂江县城市管理局\",\"工单编号\":\"LT2026120200%04d\","
		         "\"标题\":\"赴城管局学习数字城管经验\",\"出发日期\":\"2026-12-08\","
		         "\"返回日期\":\"2026-12-10\"},\"iat\":\"2026-12-02T19:20:00.000+08:00\","
		         "\"issuer\":{\"code\":\"town.a\",\"name\":\"濂江镇\"},\"kid\":\"%s\","
		         "\"kind\":\"e_letter\",\"no\":\"GH20261202-%04d\",\"subject\":{\"经办人\":"
		         "\"廖海波\"},\"v\":1,\"valid_until\":\"2026-12-13T00:00:00.000+08:00\"}",
		         2 + i % 9, i, keys[k].kid, i + 1);
		unsigned char sig[64];
		crypto_sign_detached(sig, NULL, (const unsigned char *)payload, strlen(payload),
		                     sks[k]);
		if (doc_code(payload, strlen(payload), sig, codes[i], sizeof codes[i]) != 0)
			return 2;
	}
	double sign_rate = NCODES / (now_s() - t0);
	long n = 0, bad = 0;
	t0 = now_s();
	double t;
	do {
		for (int i = 0; i < 100; i++, n++) {
			const char *c = codes[n % NCODES];
			struct doc_check k;
			if (doc_check_code(c, strlen(c), doc_keyring_find, &ring, 0, &k) !=
			    DOC_VALID)
				bad++;
			json_decref(k.payload);
		}
		t = now_s() - t0;
	} while (t < seconds);
	double rate = (double)n / t;
	printf("signed documents: %ld codes verified offline in %.2f s: %.0f codes/s "
	       "(%.1f µs each; %zu-byte codes; %ld failed); signing %.0f/s\n",
	       n, t, rate, 1e6 / rate, strlen(codes[0]), bad, sign_rate);
	if (out) {
		FILE *f = fopen(out, "w");
		if (!f)
			return 2;
		fprintf(f,
		        "{\"bench\":\"doc_verify\",\"codes\":%ld,\"seconds\":%.3f,"
		        "\"verified_per_second\":%.0f,\"code_bytes\":%zu,\"keys\":%d,"
		        "\"failed\":%ld,\"signed_per_second\":%.0f}\n",
		        n, t, rate, strlen(codes[0]), NKEYS, bad, sign_rate);
		fclose(f);
	}
	return bad ? 1 : 0;
}
