/*
 * The webhook channel's sender (core/outbox.h webhook_deliver): one POST
 * per message with libcurl, the payload with its "id" added, signed with
 * the subscription's secret:
 *
 *   Content-Type: application/json
 *   X-Civicloop-Signature: sha256=<hex HMAC-SHA256(secret, body)>
 *   X-Civicloop-Delivery: <message id>      (the payload's "id")
 *   X-Civicloop-Event: <kind>
 *
 * The secret is the text shown once at creation ("whsec_…"), its bytes the
 * HMAC key. Connect within 5 s, all within 10 s, http and https only,
 * redirects not followed. A 2xx answer is delivered; 408, 425, 429, 5xx
 * and transport failures are tried again later; any other answer (3xx,
 * 4xx) is the receiver refusing this message, dead at once. Each worker
 * thread keeps one curl handle, so connections to a receiver are reused.
 * The standard proxy variables (http_proxy, https_proxy, no_proxy) apply.
 */
#include "core/outbox_int.h"
#include "core/app.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/crypto.h"
#include "util/json.h"

#define WEBHOOK_CONNECT_MS 5000
#define WEBHOOK_TOTAL_MS 10000
#define WEBHOOK_ANSWER_MAX 4096 /* bytes of the receiver's answer read (and dropped) */

static _Thread_local CURL *tl_curl;

int webhook_sender_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void webhook_sender_global_cleanup(void)
{
	curl_global_cleanup();
}

void webhook_sender_thread_end(void)
{
	if (tl_curl)
		curl_easy_cleanup(tl_curl);
	tl_curl = NULL;
}

/* The receiver's answer is not kept: read up to WEBHOOK_ANSWER_MAX, then stop. */
static size_t answer_drop(char *p, size_t size, size_t n, void *arg)
{
	size_t *seen = arg;
	*seen += size * n;
	return *seen > WEBHOOK_ANSWER_MAX ? 0 : size * n;
}

/* A stopping server cuts the transfer short (the message stays pending). */
static int transfer_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	return outbox_stopping() ? 1 : 0;
}

/* The subscription's URL and secret (in clear, wiped by the caller) into
 * url[WEBHOOK_URL_MAX + 1] and secret[WEBHOOK_SECRET_LEN + 1]: 0; -1 the
 * store failed; -2 none or revoked (err says which). */
static int subscription_load(struct app *app, const struct outbox_msg *m, char *url, char *secret,
                             char *err, size_t errcap)
{
	struct store_conn *rd = outbox_reader();
	char *end;
	long long id = strtoll(m->target, &end, 10);
	if (*end || id <= 0) {
		snprintf(err, errcap, "订阅编号 %s 不正确", m->target);
		return -2;
	}
	struct store_stmt *s = store_stmt(rd, ST_WEBHOOK_SEND_INFO);
	sbind_int(s, 1, id);
	int rc = sstep(s), out = 0;
	if (rc != STORE_ROW) {
		out = rc == STORE_DONE ? -2 : -1;
		snprintf(err, errcap, rc == STORE_DONE ? "订阅 %lld 不存在" : "读取订阅 %lld 失败",
		         id);
	} else if (!scol_null(s, 2)) {
		out = -2;
		snprintf(err, errcap, "订阅 %lld 已撤销", id);
	} else {
		char *plain = NULL;
		size_t n = 0;
		snprintf(url, WEBHOOK_URL_MAX + 1, "%s", scol_text(s, 0));
		if (unseal(&app->keys, scol_blob(s, 1), scol_bytes(s, 1), &plain, &n) != 0 ||
		    n > WEBHOOK_SECRET_LEN) {
			out = -2;
			snprintf(err, errcap, "订阅 %lld 的密钥无法解开", id);
		} else {
			memcpy(secret, plain, n);
			secret[n] = '\0';
		}
		if (plain) {
			sodium_memzero(plain, n);
			free(plain);
		}
	}
	sreset(s);
	return out;
}

/* The body as sent: the stored payload with "id" (the message's number as
 * text), canonical, so every attempt sends the same bytes. Caller frees. */
static char *body_of(const struct outbox_msg *m)
{
	json_t *p = json_loads(m->payload, 0, NULL);
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)m->id);
	if (!json_is_object(p) || json_object_set_new(p, "id", json_string(id)) != 0) {
		json_decref(p);
		return NULL;
	}
	char *text = json_canonical(p);
	json_decref(p);
	return text;
}

/* "sha256=" and the hex HMAC-SHA256 of body under the secret's bytes. */
static void signature_of(const char *secret, const char *body, char *out, size_t cap)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	char hex[HEX_LEN(sizeof mac)];
	hex_encode(mac, sizeof mac, hex);
	snprintf(out, cap, "sha256=%s", hex);
	sodium_memzero(&st, sizeof st);
}

/* 0, -1 or -2 for the transfer's outcome, with err saying why. */
static int outcome(CURLcode cc, long status, char *err, size_t errcap)
{
	if (cc != CURLE_OK) {
		snprintf(err, errcap, "发送失败：%s", curl_easy_strerror(cc));
		return -1;
	}
	if (status >= 200 && status < 300)
		return 0;
	if (status == 408 || status == 425 || status == 429 || status >= 500) {
		snprintf(err, errcap, "接收方答 HTTP %ld", status);
		return -1;
	}
	snprintf(err, errcap, "接收方答 HTTP %ld，拒收", status);
	return -2;
}

int webhook_deliver(struct app *app, const struct outbox_msg *m, char *err, size_t errcap)
{
	char url[WEBHOOK_URL_MAX + 1], secret[WEBHOOK_SECRET_LEN + 1];
	if (!outbox_reader()) {
		snprintf(err, errcap, "没有读连接");
		return -1;
	}
	int rc = subscription_load(app, m, url, secret, err, errcap);
	if (rc != 0)
		return rc;
	char *body = body_of(m);
	if (!body) {
		sodium_memzero(secret, sizeof secret);
		snprintf(err, errcap, "消息内容不是 JSON 对象");
		return -2;
	}
	char sig[80], hdr_sig[128], hdr_id[64], hdr_kind[OUTBOX_KIND_MAX + 32];
	signature_of(secret, body, sig, sizeof sig);
	sodium_memzero(secret, sizeof secret);
	snprintf(hdr_sig, sizeof hdr_sig, "X-Civicloop-Signature: %s", sig);
	snprintf(hdr_id, sizeof hdr_id, "X-Civicloop-Delivery: %lld", (long long)m->id);
	snprintf(hdr_kind, sizeof hdr_kind, "X-Civicloop-Event: %s", m->kind);

	if (!tl_curl)
		tl_curl = curl_easy_init();
	CURL *c = tl_curl;
	struct curl_slist *h = NULL, *t;
	const char *lines[] = {"Content-Type: application/json", hdr_sig, hdr_id, hdr_kind,
	                       "Expect:"};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		t = curl_slist_append(h, lines[i]);
		if (!t)
			break;
		h = t;
	}
	size_t seen = 0;
	CURLcode cc = c && h ? CURLE_OK : CURLE_OUT_OF_MEMORY;
	if (cc == CURLE_OK) {
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)WEBHOOK_CONNECT_MS);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TOTAL_MS);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "civicloop-webhook/1");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, answer_drop);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, transfer_progress);
		cc = curl_easy_perform(c);
	}
	long status = 0;
	if (cc == CURLE_OK || cc == CURLE_WRITE_ERROR) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		cc = CURLE_OK; /* an answer too long to read is still an answer */
	}
	curl_slist_free_all(h);
	free(body);
	return outcome(cc, status, err, errcap);
}
