/*
 * Target open311: Open311 GeoReport v2 (docs/open311.md) through the
 * server's request path — the form bodies of POST requests and
 * servicerequestupdates (decoded by MHD_http_unescape: escapes, '+', NUL,
 * invalid UTF-8, duplicate and unknown fields, attribute[…]), the queries
 * of the GETs (dates, windows, pages, id lists, status lists) and the path
 * parameters (service codes, request ids, tokens, formats), in both
 * formats; writes are rolled back after each input.
 *
 * Input: up to four requests separated by a line "=====", run in one
 * transaction; each a first line "METHOD TAIL" (e.g. "POST requests.json",
 * "GET requests/%last%.xml"; the path after /open311/v2/), then the form
 * body (POST) or the query string (GET). %key% stands for link110's API
 * key (scope open311.submit), %last% for the number the input's last
 * successful POST requests answered, %no[N]% for demo case N's number.
 *
 * Checked beyond the harness: never a 5xx; an XML answer is a declared
 * UTF-8 document; a JSON error is the spec's list (harness.c).
 */
#include "harness.h"
#include "core/apikey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_world();
	return 0;
}

/* The number of the request the input's last successful POST made ("":
 * none yet), for %last%. */
static char last_no[32];

/* text[0..n) with %key%, %last% and %no[N]% replaced; the caller frees it. */
static char *expand(const char *text, size_t n, size_t *len)
{
	const char *key = fz_apikey("link110");
	size_t grow = (key ? strlen(key) : 0) + 32;
	char *out = malloc(n * grow / 4 + grow + 1), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		long id;
		int used = 0;
		char head[24];
		size_t k = n - i < sizeof head - 1 ? n - i : sizeof head - 1;
		memcpy(head, text + i, k);
		head[k] = '\0';
		if (key && !strncmp(head, "%key%", 5)) {
			memcpy(p, key, strlen(key));
			p += strlen(key);
			i += 5;
			continue;
		}
		if (!strncmp(head, "%last%", 6)) {
			memcpy(p, last_no, strlen(last_no));
			p += strlen(last_no);
			i += 6;
			continue;
		}
		if (!strncmp(head, "%no[", 4) && sscanf(head, "%%no[%ld]%%%n", &id, &used) == 1 &&
		    used > 0) {
			char no[32] = "", tail[5];
			fz_case_public(id, no, sizeof no, tail);
			size_t vl = strlen(no);
			memcpy(p, no, vl);
			p += vl;
			i += (size_t)used;
			continue;
		}
		*p++ = text[i++];
	}
	*p = '\0';
	*len = (size_t)(p - out);
	return out;
}

/* Remembers the number a successful POST requests.json answered. */
static void note_created(const struct fz_request *q, unsigned status)
{
	const char *key = "\"service_request_id\":\"";
	const char *at = status == 200 && q->resp_body ? strstr(q->resp_body, key) : NULL;
	if (!at || strcmp(q->method, "POST"))
		return;
	at += strlen(key);
	size_t n = strcspn(at, "\"");
	if (n < sizeof last_no) {
		memcpy(last_no, at, n);
		last_no[n] = '\0';
	}
}

/* One request: the block's first line "METHOD TAIL", then its body or query. */
static void run_block(const uint8_t *data, size_t size)
{
	static unsigned serial;
	char line[320], method[8] = "GET", tail[256] = "requests.json";
	size_t off = fz_line(data, size, line, sizeof line);
	sscanf(line, "%7s %255s", method, tail);
	bool post = !strcmp(method, "POST");
	size_t tlen, rlen;
	char *t = expand(tail, strlen(tail), &tlen);
	char *rest = expand((const char *)data + off, size - off, &rlen);
	char *target = t && rest ? malloc(sizeof "/open311/v2/?" + tlen + rlen) : NULL;
	if (!target)
		goto out;
	int n = snprintf(target, sizeof "/open311/v2/" + tlen, "/open311/v2/%s", t);
	if (!post && rlen) {
		target[n++] = '?';
		memcpy(target + n, rest, rlen);
		n += (int)rlen;
	}
	struct fz_request q;
	fz_request_init(&q, post ? "POST" : "GET");
	fz_request_target(&q, target, (size_t)n);
	if (post) {
		fz_request_header(&q, "Content-Type", "application/x-www-form-urlencoded");
		q.body = (const uint8_t *)rest;
		q.body_len = rlen;
	}
	serial++;
	snprintf(q.address, sizeof q.address, "10.31.%u.%u", (serial >> 8) & 255, serial & 255);
	unsigned status = fz_request_run(&q);
	if (status >= 500 && status != 503)
		fz_fail("%s %s: %u", q.method, q.uri, status);
	if (!strncmp(q.content_type, "text/xml", 8) &&
	    (q.resp_len < sizeof XML_DECL - 1 ||
	     memcmp(q.resp_body, XML_DECL, sizeof XML_DECL - 1)))
		fz_fail("%s %s: an XML answer without its declaration: %.200s", q.method, q.uri,
		        q.resp_body);
	note_created(&q, status);
	fz_request_release(&q);
out:
	free(target);
	free(t);
	free(rest);
}

/* The first separator line in data[0..size), or NULL. */
static const uint8_t *find_sep(const uint8_t *data, size_t size, const char *sep, size_t n)
{
	for (size_t i = 0; i + n <= size; i++)
		if (!memcmp(data + i, sep, n))
			return data + i;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n=====\n";
	last_no[0] = '\0';
	apikey_rate_reset_all(); /* link110's key at its full rate: no 429 from earlier inputs */
	fz_txn_begin();
	for (int i = 0; i < 4 && size; i++) {
		const uint8_t *end = find_sep(data, size, sep, sizeof sep - 1);
		size_t n = end ? (size_t)(end - data) : size;
		run_block(data, n);
		if (!end)
			break;
		size -= n + sizeof sep - 1;
		data = end + sizeof sep - 1;
	}
	fz_txn_end();
	return 0;
}
