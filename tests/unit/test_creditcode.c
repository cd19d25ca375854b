/*
 * Unit tests of util/creditcode: GB 32100-2015 unified social credit codes
 * as the enterprise registry takes them (core/enterprises.c). Valid codes
 * are the standard's own example 91350100M000100Y43, a published company
 * code (914403001922038216) and demo codes whose two check characters were
 * worked out with the rules (MOD 31 over weights 3^i mod 31; GB 11714's
 * MOD 11 over 3 7 9 10 5 8 4 2 for the organisation code); then each way a
 * code can be wrong, with the Chinese reason the API answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/creditcode.h"

static void valid(const char *s, const char *want)
{
	char out[CREDITCODE_LEN + 1], why[CREDITCODE_WHY_MAX] = "";
	memset(out, '?', sizeof out);
	if (!creditcode_valid(s, out, why))
		fail_msg("%s refused: %s", s, why);
	assert_string_equal(out, want);
}

static void refused(const char *s, const char *want)
{
	char out[CREDITCODE_LEN + 1] = "", why[CREDITCODE_WHY_MAX] = "";
	if (creditcode_valid(s, out, why))
		fail_msg("%s accepted", s);
	assert_string_equal(why, want);
}

static void valid_codes(void **state)
{
	(void)state;
	valid("91350100M000100Y43", "91350100M000100Y43"); /* GB 32100's example */
	valid("914403001922038216", "914403001922038216");
	valid("91360727MA2TH3BJ3Y", "91360727MA2TH3BJ3Y"); /* the demo's */
	valid("91360727ma2th3bj3y", "91360727MA2TH3BJ3Y"); /* lower case → capitals */
	valid("91360727MA7LLJY1XW", "91360727MA7LLJY1XW"); /* organisation check X */
	valid("91360727MAFD1YM204", "91360727MAFD1YM204"); /* credit check 4, org 0 */
}

static void wrong_length(void **state)
{
	(void)state;
	refused("", "统一社会信用代码长度应为 18 位（现为 0 个字节）");
	refused("91350100M000100Y4", "统一社会信用代码长度应为 18 位（现为 17 个字节）");
	refused("91350100M000100Y433", "统一社会信用代码长度应为 18 位（现为 19 个字节）");
	refused(NULL, "统一社会信用代码长度应为 18 位（现为 0 个字节）");
}

static void wrong_characters(void **state)
{
	(void)state;
	/* I, O, Z, S, V are not in the set: the first one met is named */
	refused("91350100M0001O0Y43", "统一社会信用代码第 14 位“O”是非法字符（只能是数字和除 I、"
	                              "O、Z、S、V 外的大写字母）");
	refused("9I350100M000100Y43", "统一社会信用代码第 2 位“I”是非法字符（只能是数字和除 I、"
	                              "O、Z、S、V 外的大写字母）");
	refused("91350100M000100Y4-", "统一社会信用代码第 18 位“-”是非法字符（只能是数字和除 I、"
	                              "O、Z、S、V 外的大写字母）");
	/* a byte of UTF-8 (全角 "１" is 3 bytes: 16 + 3 = 19, too long; this one
	 * keeps 18 bytes with a 2-byte "é") */
	refused("91350100M000100\xc3\xa9"
	        "3",
	        "统一社会信用代码第 16 位是非法字符（只能是数字和"
	        "除 I、O、Z、S、V 外的大写字母）");
}

static void wrong_parts(void **state)
{
	(void)state;
	refused("B1350100M000100Y43", "统一社会信用代码第 1 位（登记管理部门代码）“B”不正确");
	refused("90350100M000100Y43", "统一社会信用代码第 2 位（机构类别代码）“0”不正确");
	refused("913501A0M000100Y43",
	        "统一社会信用代码第 3–8 位（登记管理机关行政区划码）须为数字");
}

static void wrong_checks(void **state)
{
	(void)state;
	refused("91350100M000100Y44", "统一社会信用代码校验位应为 3");
	refused("914403001922038217", "统一社会信用代码校验位应为 6");
	/* the organisation code's own check comes first */
	refused("91350100M000100X43", "统一社会信用代码第 17 位（组织机构代码校验位）应为 6");
	refused("91360727MA2TH3BJ4Y", "统一社会信用代码第 17 位（组织机构代码校验位）应为 3");
	assert_int_equal(creditcode_check_char("91350100M000100Y4"), '3');
	assert_int_equal(creditcode_check_char("91350100M0001O0Y4"), '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_codes),      cmocka_unit_test(wrong_length),
	    cmocka_unit_test(wrong_characters), cmocka_unit_test(wrong_parts),
	    cmocka_unit_test(wrong_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
