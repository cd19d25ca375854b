/* User text: control characters, the text-value check, phones, masks (text.h). */
#include "util/text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

bool text_has_control(const char *s, bool allow_newlines)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 && !(allow_newlines && (ch == '\n' || ch == '\r' || ch == '\t')))
			return true;
		if (ch == 0x7f)
			return true;
	}
	return false;
}

bool text_blank(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
			p++;
		else if (p[0] == 0xC2 && p[1] == 0xA0)
			p += 2;
		else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
			p += 3;
		else
			return false;
	}
	return true;
}

void text_like_escape(const char *s, char *out, size_t cap)
{
	size_t k = 0;
	for (const char *p = s; *p; p++) {
		bool esc = *p == '%' || *p == '_' || *p == '\\';
		size_t n = utf8_seq_len((const unsigned char *)p, strnlen(p, 4));
		if (n == 0)
			n = 1; /* not UTF-8 (assumed not to happen): copied byte by byte */
		if (k + (esc ? 2 : n) >= cap)
			break;
		if (esc)
			out[k++] = '\\';
		memcpy(out + k, p, n);
		k += n;
		p += n - 1;
	}
	out[k] = '\0';
}

enum text_fault text_fault(const json_t *v, size_t max, unsigned flags)
{
	const char *s = json_string_value(v);
	if (!s)
		return TEXT_NOT_STRING;
	if ((flags & TEXT_NONEMPTY) && text_blank(s))
		return TEXT_EMPTY;
	if (text_has_control(s, flags & TEXT_MULTILINE))
		return TEXT_CONTROL;
	if (utf8_chars(s) > max)
		return TEXT_TOO_LONG;
	return TEXT_OK;
}

static bool all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

bool phone_valid(const char *p)
{
	size_t n = strlen(p);
	if (n == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9')
		return all_digits(p, n);
	if (n == 5) /* service numbers: 12345, 95598 */
		return all_digits(p, n);
	if (p[0] == '1')
		return false; /* a mobile number is exactly 11 digits */
	/* landline: 0 + area code (2-3 digits after the 0), optional dash, 7-8 digits */
	if (p[0] != '0' || n < 10 || n > 13)
		return false;
	int dashes = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '-' && i > 0 && i + 1 < n)
			dashes++;
		else if (p[i] < '0' || p[i] > '9')
			return false;
	}
	return dashes <= 1;
}

/* The start of the last `keep` bytes of s[0..n), moved forward to a
 * character boundary. */
static size_t tail_start(const char *s, size_t n, size_t keep)
{
	size_t t = n > keep ? n - keep : 0;
	while (t < n && ((unsigned char)s[t] & 0xC0) == 0x80)
		t++;
	return t;
}

void mask_phone(const char *phone, char *out, size_t cap)
{
	/* phones are checked to be digits (phone_ok), but the cuts stay on
	 * character boundaries whatever reaches here */
	size_t n = strlen(phone);
	if (n >= 11)
		snprintf(out, cap, "%.*s****%s", (int)utf8_cut(phone, n, 3), phone,
		         phone + tail_start(phone, n, 4));
	else if (n > 4)
		snprintf(out, cap, "****%s", phone + tail_start(phone, n, 4));
	else
		snprintf(out, cap, "****");
}

void mask_name(const char *name, char *out, size_t cap)
{
	/* keep the first character (the family name), hide the rest */
	size_t first = utf8_seq_len((const unsigned char *)name, strlen(name));
	snprintf(out, cap, "%.*s**", (int)first, name);
}

void text_head(const char *s, size_t chars, char *out, size_t cap)
{
	size_t i = 0, n = 0;
	if (cap == 0)
		return;
	while (s[i] && n < chars) {
		size_t len = 1;
		while (((unsigned char)s[i + len] & 0xC0) == 0x80)
			len++;
		if (i + len >= cap)
			break;
		if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			out[i] = ' ', len = 1;
		else
			memcpy(out + i, s + i, len);
		i += len;
		n++;
	}
	out[i] = '\0';
}
