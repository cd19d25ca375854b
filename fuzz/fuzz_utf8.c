/*
 * Target utf8: any string echoed into an error must still give an answer.
 * This class once crashed the server: invalid or cut UTF-8 in an error
 * message made json_pack() return NULL. For every input string:
 *
 *  1. err_set() with the message shapes the code uses around input — the
 *     whole string, cut to 64 or 32 bytes by "%.64s"/"%.32s", inside the
 *     256-byte message, and as the 64-byte field name — and then the error
 *     body exactly as src/http/server.c builds it (json_pack, json_dumps);
 *  2. the string echoed by the server itself: as ?queue= of GET
 *     /api/v1/cases ("%.32s"), as the action of POST .../actions/{action}
 *     ("%.64s"), and as an unknown key of a POST /api/v1/cases body
 *     ("%s", field name) — harness.h checks each answer;
 *  3. util/utf8.c, when linked, against jansson's own UTF-8 check: the same
 *     verdict, and a scrubbed string jansson accepts.
 *
 * Input: the string's bytes.
 */
#include "harness.h"
#include "http/http_int.h"
#include "util/error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* util/utf8.h, weakly: the target still builds where it is absent. */
extern bool utf8_valid(const char *s, size_t n) __attribute__((weak));
extern bool utf8_scrub(char *s) __attribute__((weak));
extern size_t utf8_cut(const char *s, size_t n, size_t max) __attribute__((weak));

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_world();
	return 0;
}

/* The error body the server sends (http_error_body): it must exist, parse,
 * and keep the field name (the server would silently drop a field name
 * jansson refuses, so that counts as a failure here). */
static void error_body(const struct err *e, const char *what)
{
	char *body = http_error_body(e);
	if (!body)
		fz_fail("%s: no error body for the message \"%s\"", what, err_message(e));
	json_t *o = json_loads(body, 0, NULL);
	json_t *field = json_object_get(json_object_get(o, "error"), "field");
	if (!o || !json_is_string(json_object_get(json_object_get(o, "error"), "message")))
		fz_fail("%s: the error body does not parse: %s", what, body);
	if (e->field[0] && !json_is_string(field))
		fz_fail("%s: the field name \"%s\" was not sent", what, e->field);
	json_decref(o);
	free(body);
}

static void direct(const char *s)
{
	struct err e;
	err_set(&e, E_FIELD_UNKNOWN, s, "不认识的字段 %s", s);
	error_body(&e, "\"%s\" + field");
	err_set(&e, E_FIELD_INVALID, "type", "没有事项类型 %.64s", s);
	error_body(&e, "\"%.64s\"");
	err_set(&e, E_FIELD_INVALID, "queue", "不认识的工作队列 %.32s", s);
	error_body(&e, "\"%.32s\"");
	err_set(&e, E_BAD_JSON, NULL, "请求体不是合法的 JSON：%s（第 %d 字节）", s, 1);
	error_body(&e, "bad JSON text");
}

/* %XX for every byte that is not plainly safe in a URL. */
static char *percent(const uint8_t *data, size_t size)
{
	char *out = malloc(3 * size + 1), *p = out;
	if (!out)
		fz_fail("out of memory");
	for (size_t i = 0; i < size; i++) {
		unsigned c = data[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.')
			*p++ = (char)c;
		else
			p += snprintf(p, 4, "%%%02X", c);
	}
	*p = '\0';
	return out;
}

static void request(const char *method, const char *target, const char *body)
{
	struct fz_request q;
	fz_request_init(&q, method);
	fz_request_target(&q, target, strlen(target));
	fz_request_as(&q, "disp1");
	if (body) {
		fz_request_header(&q, "Content-Type", "application/json");
		q.body = (const uint8_t *)body;
		q.body_len = strlen(body);
	}
	fz_request_run(&q);
	fz_request_release(&q);
}

static void echoed(const uint8_t *data, size_t size)
{
	char *esc = percent(data, size);
	size_t cap = strlen(esc) + 64;
	char *target = malloc(cap);
	if (!target)
		fz_fail("out of memory");
	snprintf(target, cap, "/api/v1/cases?queue=%s", esc);
	request("GET", target, NULL);
	snprintf(target, cap, "/api/v1/cases/1/actions/%s", esc);
	request("POST", target, "{}");
	free(target);
	free(esc);
	/* {"<string>": 1}, the string's bytes as they are (jansson judges them) */
	char *body = malloc(2 * size + 16), *p = body;
	if (!body)
		fz_fail("out of memory");
	*p++ = '{';
	*p++ = '"';
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '"' || data[i] == '\\')
			*p++ = '\\';
		*p++ = data[i] < 0x20 ? ' ' : (char)data[i];
	}
	memcpy(p, "\":1}", 5);
	request("POST", "/api/v1/cases", body);
	free(body);
}

static void against_jansson(const char *s, size_t n)
{
	if (!utf8_valid || memchr(s, '\0', n))
		return;
	json_t *j = json_stringn(s, n);
	bool ours = utf8_valid(s, n);
	if (ours != (j != NULL))
		fz_fail("utf8_valid says %s, jansson says %s", ours ? "valid" : "invalid",
		        j ? "valid" : "invalid");
	json_decref(j);
	if (utf8_cut && ours) {
		size_t max = n / 2, cut = utf8_cut(s, n, max);
		if (cut > max || !utf8_valid(s, cut))
			fz_fail("utf8_cut(%zu) = %zu splits a character", max, cut);
	}
	if (utf8_scrub) {
		char *t = fz_strndup((const uint8_t *)s, n);
		utf8_scrub(t);
		json_t *st = json_string(t);
		if (!st)
			fz_fail("utf8_scrub left invalid UTF-8");
		json_decref(st);
		free(t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *s = fz_strndup(data, size);
	direct(s);
	against_jansson(s, size);
	fz_txn_begin();
	echoed(data, size);
	fz_txn_end();
	free(s);
	return 0;
}
