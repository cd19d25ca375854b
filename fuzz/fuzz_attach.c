/*
 * Target attach: what an upload brings from outside before anything is
 * stored (core/attachments.h) — its Content-Type, its file name and the
 * first bytes of its body — and the Content-Disposition a download then
 * sends. For every input:
 *
 *  1. attach_kind_of() names one of the four types only for a header whose
 *     first token is that type (any letter case), and the magic check
 *     agrees with the type's own bytes;
 *  2. a name attach_name_check() accepts is valid UTF-8 of 1–200
 *     characters without control characters (C0, DEL, C1), '/' or '\';
 *     a refused one sets the field "name" and a message the error body
 *     can carry;
 *  3. for an accepted name, attach_disposition() fits the server's buffer,
 *     is printable ASCII only (no CR or LF: no header can be added), and
 *     its filename*= decodes back to the name byte for byte.
 *
 * Input: the Content-Type, a newline, the name, a newline, the body.
 */
#include "harness.h"
#include "core/attachments.h"
#include "http/http.h"
#include "http/http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The next line of data (up to '\n' or the end) as a new string. */
static char *take_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	const uint8_t *stop = nl ? nl : end;
	char *s = fz_strndup(*p, (size_t)(stop - *p));
	*p = nl ? nl + 1 : end;
	return s;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void check_type(const char *ct, const uint8_t *body, size_t len)
{
	const struct attach_kind *k = attach_kind_of(ct);
	if (!k)
		return;
	const char *p = ct + strspn(ct, " \t");
	size_t n = strlen(k->mime);
	if (strncasecmp(p, k->mime, n) != 0 || (p[n] && !strchr("; \t", p[n])))
		fz_fail("Content-Type \"%s\" taken as %s", ct, k->mime);
	bool starts = true;
	for (size_t i = 0; i < 2; i++) {
		unsigned off = k->magic[i].offset, m = k->magic[i].len;
		if (m && (len < (size_t)off + m || memcmp(body + off, k->magic[i].bytes, m) != 0))
			starts = false;
	}
	if (attach_magic_ok(k, body, len) != starts)
		fz_fail("magic of %s: %d for %zu bytes", k->mime, !starts, len);
}

static void check_disposition(const char *name)
{
	struct attach_rec r = {.id = 123456789, .kind = attach_kind_of("image/png")};
	snprintf(r.name, sizeof r.name, "%s", name);
	char out[sizeof((struct req *)0)->disposition];
	if (attach_disposition(&r, out, sizeof out) != 0)
		fz_fail("the disposition of \"%s\" does not fit", name);
	for (const char *c = out; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			fz_fail("byte %02x in the disposition of \"%s\"", (unsigned char)*c, name);
	/* the last one: the plain filename="…" may hold the same letters */
	const char *enc = NULL;
	for (const char *f = out; (f = strstr(f, "filename*=UTF-8''")); f++)
		enc = f;
	if (!enc)
		fz_fail("no filename* in \"%s\"", out);
	enc += strlen("filename*=UTF-8''");
	char *back = malloc(strlen(enc) + 1);
	if (!back)
		fz_fail("out of memory");
	size_t k = 0;
	for (const char *c = enc; *c; c++) {
		if (*c == '%' && hexval(c[1]) >= 0 && hexval(c[2]) >= 0) {
			back[k++] = (char)(hexval(c[1]) * 16 + hexval(c[2]));
			c += 2;
		} else if (*c == '%' || *c == ';' || *c == '"' || *c == ' ' || *c == ',') {
			fz_fail("'%c' unescaped in filename* of \"%s\"", *c, name);
		} else {
			back[k++] = *c;
		}
	}
	back[k] = '\0';
	if (strcmp(back, name) != 0)
		fz_fail("filename* of \"%s\" decodes to \"%s\"", name, back);
	free(back);
}

static void check_name(const char *name)
{
	struct err e = {0};
	if (attach_name_check(name, &e) != 0) {
		if (strcmp(e.field, "name") != 0)
			fz_fail("refused name without the field: %s", e.field);
		char *body = http_error_body(&e);
		if (!body)
			fz_fail("no error body for the name \"%s\"", name);
		free(body);
		return;
	}
	size_t n = strlen(name);
	if (!utf8_valid(name, n) || utf8_chars(name) > ATTACH_NAME_MAX || n == 0)
		fz_fail("accepted name of %zu bytes", n);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fz_fail("accepted name with byte %02x", *p);
	check_disposition(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *ct = take_line(&p, end);
	char *name = take_line(&p, end);
	check_type(ct, p, (size_t)(end - p));
	check_name(name);
	free(ct);
	free(name);
	return 0;
}
