/*
 * Unit tests of util/utf8 and of err_set's promise that an error message is
 * always valid UTF-8, however its input was cut: the class of bug that let
 * one request crash the server (issue 7, defect 1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "util/utf8.h"

static void valid_and_invalid(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
	    {"", true},
	    {"abc", true},
	    {"中文", true},
	    {"\xF0\x9F\x98\x80", true},  /* U+1F600 */
	    {"\xF4\x8F\xBF\xBF", true},  /* U+10FFFF */
	    {"\xFF", false},             /* never valid */
	    {"\xC3", false},             /* cut */
	    {"\xE4\xB8", false},         /* 中 cut */
	    {"\xC0\xAF", false},         /* overlong '/' */
	    {"\xE0\x80\xAF", false},     /* overlong */
	    {"\xED\xA0\x80", false},     /* surrogate */
	    {"\xF4\x90\x80\x80", false}, /* above U+10FFFF */
	    {"\xF5\x80\x80\x80", false},
	    {"a\x80", false}, /* lone continuation */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok);
	assert_false(utf8_valid("a\0b", 3)); /* NUL inside */
}

static void cut_on_boundary(void **state)
{
	(void)state;
	const char *s = "中文abc"; /* 3 + 3 + 3 bytes */
	size_t n = strlen(s);
	assert_int_equal(utf8_cut(s, n, 0), 0);
	assert_int_equal(utf8_cut(s, n, 2), 0);
	assert_int_equal(utf8_cut(s, n, 3), 3);
	assert_int_equal(utf8_cut(s, n, 5), 3);
	assert_int_equal(utf8_cut(s, n, 6), 6);
	assert_int_equal(utf8_cut(s, n, 7), 7);
	assert_int_equal(utf8_cut(s, n, 100), n);
}

static void scrub(void **state)
{
	(void)state;
	char a[] = "ok";
	assert_false(utf8_scrub(a));
	char b[] = "中\xE6\x96"; /* 文 cut at the end: dropped */
	assert_true(utf8_scrub(b));
	assert_string_equal(b, "中");
	char c[] = "a\xFF"
	           "b\xC0\xAF"
	           "c";
	assert_true(utf8_scrub(c));
	assert_string_equal(c, "a?b??c");
	assert_true(utf8_valid(c, strlen(c)));
}

/* Every message err_set makes is valid UTF-8, whatever cut it: the formats
 * civicloop uses (%.64s, a 256-byte message, a 64-byte field) against
 * inputs of 1 to 120 Chinese characters, and raw invalid bytes. */
static void err_messages_always_valid(void **state)
{
	(void)state;
	char in[512];
	for (int k = 1; k <= 120; k++) {
		size_t n = 0;
		for (int i = 0; i < k && n + 3 < sizeof in; i++) {
			memcpy(in + n, "中", 3);
			n += 3;
		}
		in[n] = '\0';
		struct err e;
		err_set(&e, E_FIELD_UNKNOWN, in, "不认识的字段 %.64s", in);
		assert_true(utf8_valid(e.message, strlen(e.message)));
		assert_true(utf8_valid(e.field, strlen(e.field)));
		err_set(&e, E_FIELD_UNKNOWN, NULL, "%s", in);
		assert_true(utf8_valid(e.message, strlen(e.message)));
		assert_true(strlen(e.message) < sizeof e.message);
	}
	struct err e;
	err_set(&e, E_BAD_REQUEST, "\xFF\xFE", "坏的 %s", "\xC3");
	assert_true(utf8_valid(e.message, strlen(e.message)));
	assert_true(utf8_valid(e.field, strlen(e.field)));
}

/* utf8_clip: at most max bytes, never half a character, so an echoed
 * input keeps the rest of its message readable (no '?' in the middle). */
static void clip(void **state)
{
	(void)state;
	char buf[UTF8_CLIP_BUF];
	assert_string_equal(utf8_clip("abc", 64, buf, sizeof buf), "abc");
	assert_string_equal(utf8_clip("中文字", 7, buf, sizeof buf), "中文");
	assert_string_equal(utf8_clip("中文字", 9, buf, sizeof buf), "中文字");
	char small[5];
	assert_string_equal(utf8_clip("中文字", 64, small, sizeof small), "中");
	char in[301];
	for (int i = 0; i < 100; i++)
		memcpy(in + 3 * i, "中", 3); /* 300 bytes */
	in[300] = '\0';
	struct err e;
	err_set(&e, E_NOT_FOUND, NULL, "没有名为 %s 的有效密钥",
	        utf8_clip(in, 64, buf, sizeof buf));
	assert_int_equal(strlen(buf), 63); /* 21 whole characters */
	assert_non_null(strstr(e.message, " 的有效密钥"));
	assert_null(strchr(e.message, '?'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_and_invalid),
	    cmocka_unit_test(cut_on_boundary),
	    cmocka_unit_test(scrub),
	    cmocka_unit_test(err_messages_always_valid),
	    cmocka_unit_test(clip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
