/*
 * Unit tests of the text helpers moved out of the engine (util/text,
 * util/json, utf8_chars) and of the buffer's cap (util/buf): the text-value
 * check every title, description, name and address goes through, phone
 * numbers, masks, the one-line title head, canonical JSON, the known-keys
 * check, and that a buffer never allocates past its cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/text.h"
#include "util/utf8.h"

static void text_faults(void **state)
{
	(void)state;
	json_t *v;
	assert_int_equal(text_fault(NULL, 10, 0), TEXT_NOT_STRING);
	v = json_integer(1);
	assert_int_equal(text_fault(v, 10, 0), TEXT_NOT_STRING);
	json_decref(v);
	v = json_string("");
	assert_int_equal(text_fault(v, 10, 0), TEXT_OK);
	assert_int_equal(text_fault(v, 10, TEXT_NONEMPTY), TEXT_EMPTY);
	json_decref(v);
	v = json_string("第一行\n第二行");
	assert_int_equal(text_fault(v, 10, 0), TEXT_CONTROL);
	assert_int_equal(text_fault(v, 10, TEXT_MULTILINE), TEXT_OK);
	assert_int_equal(text_fault(v, 6, TEXT_MULTILINE), TEXT_TOO_LONG); /* 7 characters */
	json_decref(v);
	v = json_string("a\x7f");
	assert_int_equal(text_fault(v, 10, TEXT_MULTILINE), TEXT_CONTROL);
	json_decref(v);
	/* a control character is reported before the length */
	v = json_string("0123456789\x01");
	assert_int_equal(text_fault(v, 5, 0), TEXT_CONTROL);
	json_decref(v);
}

static void phones(void **state)
{
	(void)state;
	static const struct {
		const char *p;
		bool ok;
	} cases[] = {
	    {"13812345678", true},    {"12345", true},
	    {"0791-88888888", true},  {"079188888888", true},
	    {"12812345678", false},   {"1381234567", false},
	    {"0791--8888888", false}, {"0791-8888888-", false},
	    {"abc", false},           {"", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(phone_valid(cases[i].p), cases[i].ok);
}

static void masks(void **state)
{
	(void)state;
	char out[32];
	mask_phone("13812345678", out, sizeof out);
	assert_string_equal(out, "138****5678");
	mask_phone("88886666", out, sizeof out);
	assert_string_equal(out, "****6666");
	mask_phone("123", out, sizeof out);
	assert_string_equal(out, "****");
	mask_name("张三丰", out, sizeof out);
	assert_string_equal(out, "张**");
	mask_name("", out, sizeof out);
	assert_string_equal(out, "**");
	/* whatever reaches a mask, its cuts fall between characters */
	mask_phone("一二三四五六七八九十", out, sizeof out); /* 30 bytes */
	assert_string_equal(out, "一****十");
	mask_phone("电话号码", out, sizeof out); /* 12 bytes */
	assert_string_equal(out, "电****码");
	mask_phone("号码", out, sizeof out); /* 6 bytes */
	assert_string_equal(out, "****码");
}

static void heads(void **state)
{
	(void)state;
	char out[64];
	text_head("路灯\n不亮\t了", 30, out, sizeof out);
	assert_string_equal(out, "路灯 不亮 了");
	text_head("一二三四五", 3, out, sizeof out);
	assert_string_equal(out, "一二三");
	/* the buffer, not the count, stops it: never inside a character */
	char small[8];
	text_head("一二三四五", 30, small, sizeof small);
	assert_string_equal(small, "一二");
	assert_true(utf8_valid(small, strlen(small)));
	assert_int_equal(utf8_chars("a一b"), 3);
}

static void like_escapes(void **state)
{
	(void)state;
	char out[16];
	text_like_escape("50%_a\\b", out, sizeof out);
	assert_string_equal(out, "50\\%\\_a\\\\b");
	text_like_escape("张三", out, sizeof out);
	assert_string_equal(out, "张三");
	/* cut on a character boundary, never inside 中 (3 bytes) or an escape */
	char small[6];
	text_like_escape("中中", small, sizeof small);
	assert_string_equal(small, "中");
	text_like_escape("ab%", small, 4);
	assert_string_equal(small, "ab");
}

static void canonical_and_keys(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:i,s:s,s:[i,i]}", "b", 1, "a", "x", "c", 1, 2);
	char *text = json_canonical(o);
	assert_string_equal(text, "{\"a\":\"x\",\"b\":1,\"c\":[1,2]}");
	free(text);
	assert_null(json_canonical(NULL));
	static const char *const keys[] = {"a", "b", "c"};
	assert_null(json_unknown_key(o, keys, 3));
	assert_string_equal(json_unknown_key(o, keys, 2), "c");
	json_decref(o);
}

static void buf_allocation_capped(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 300);
	char chunk[200];
	memset(chunk, 'x', sizeof chunk);
	assert_int_equal(buf_append(&b, chunk, sizeof chunk), 0);
	assert_int_equal(buf_append(&b, chunk, 100), 0); /* exactly the cap */
	assert_true(b.alloc <= b.cap + 1);
	assert_int_equal(buf_append(&b, "y", 1), -1);
	assert_true(b.overflow);
	assert_int_equal(b.len, 300);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(text_faults),
	    cmocka_unit_test(phones),
	    cmocka_unit_test(masks),
	    cmocka_unit_test(heads),
	    cmocka_unit_test(like_escapes),
	    cmocka_unit_test(canonical_and_keys),
	    cmocka_unit_test(buf_allocation_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
