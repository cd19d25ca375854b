/*
 * Unit tests of util/idcard: GB 11643-1999 resident ID numbers as the
 * parties of a dispute give them (core/parties.c). Valid numbers are the
 * published sample 11010519491231002X and a few whose check characters were
 * worked out by hand with ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11, check
 * "10X98765432"[sum mod 11]); then each way a number can be wrong, with the
 * Chinese reason the API answers, and the mask people without party.read
 * see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/idcard.h"

#define TODAY 20260302 /* the business day the checks run on */

static const char *const WHY_LENGTH = "身份证号码须为 18 位（17 位数字加一位校验码）";
static const char *const WHY_ADDRESS = "身份证号码的地址码不正确";
static const char *const WHY_BIRTH = "身份证号码中的出生日期不正确";
static const char *const WHY_CHECK = "身份证号码校验码不正确，请核对";

/* s is valid on TODAY and normalises to want. */
static void valid(const char *s, const char *want)
{
	char out[IDCARD_LEN + 1];
	const char *why = NULL;
	memset(out, '?', sizeof out);
	if (!idcard_valid(s, TODAY, out, &why))
		fail_msg("%s refused: %s", s, why);
	assert_string_equal(out, want);
}

/* s is refused on `today` with reason why. */
static void refused_on(const char *s, int today, const char *want)
{
	char out[IDCARD_LEN + 1] = "";
	const char *why = NULL;
	if (idcard_valid(s, today, out, &why))
		fail_msg("%s accepted", s);
	assert_non_null(why);
	assert_string_equal(why, want);
}

static void refused(const char *s, const char *want)
{
	refused_on(s, TODAY, want);
}

static void valid_numbers(void **state)
{
	(void)state;
	valid("11010519491231002X", "11010519491231002X"); /* GB 11643's own sample */
	valid("11010519491231002x", "11010519491231002X"); /* lower-case x → X */
	valid("360727198503120140", "360727198503120140"); /* sum mod 11 = 1 → 0 */
	valid("431026199004060576", "431026199004060576");
	valid("360702197706190331", "360702197706190331");
	valid("440304200002291236", "440304200002291236"); /* 2000-02-29: a leap day */
	valid("82000019000101001X", "82000019000101001X"); /* the first day and the last province */
	valid("110000202603020010", "110000202603020010"); /* born today */
}

static void wrong_length_or_characters(void **state)
{
	(void)state;
	refused("", WHY_LENGTH);
	refused("11010519491231002", WHY_LENGTH);   /* 17 */
	refused("11010519491231002X0", WHY_LENGTH); /* 19 */
	refused("110105194912310", WHY_LENGTH);     /* the old 15-digit numbers */
	refused("1101051949123100XX", WHY_LENGTH);  /* X only last */
	refused("11010519491231002Y", WHY_LENGTH);  /* no other letter */
	refused("11010519A91231002X", WHY_LENGTH);
	refused(" 1010519491231002X", WHY_LENGTH);
	refused("11010519491231002\xc3", WHY_LENGTH); /* a cut UTF-8 sequence */
	refused("\xef\xbc\x91\xef\xbc\x91"
	        "0105194912310",
	        WHY_LENGTH); /* full-width digits */
	char out[IDCARD_LEN + 1];
	const char *why = NULL;
	assert_false(idcard_valid(NULL, TODAY, out, &why));
	assert_string_equal(why, WHY_LENGTH);
}

static void wrong_address(void **state)
{
	(void)state;
	/* the province (11–82) is checked before the check character */
	refused("990702197706190339", WHY_ADDRESS); /* 9 is its right check digit */
	refused("990702197706190331", WHY_ADDRESS);
	refused("100702197706190331", WHY_ADDRESS);
	refused("830702197706190331", WHY_ADDRESS);
	refused("000702197706190331", WHY_ADDRESS);
}

static void wrong_birth_date(void **state)
{
	(void)state;
	refused("360702199902300331", WHY_BIRTH); /* 1999-02-30 */
	refused("360702199902290331", WHY_BIRTH); /* 1999 is no leap year */
	refused("360702190002290331", WHY_BIRTH); /* nor is 1900 */
	refused("360702197713010331", WHY_BIRTH); /* month 13 */
	refused("360702197700100331", WHY_BIRTH); /* month 0 */
	refused("360702197704310331", WHY_BIRTH); /* 04-31 */
	refused("360702197704000331", WHY_BIRTH); /* day 0 */
	refused("360702189912310331", WHY_BIRTH); /* before 1900 */
	refused("360702203001010331", WHY_BIRTH); /* in the future */
	/* born tomorrow is refused today and fine tomorrow */
	char out[IDCARD_LEN + 1];
	const char *why;
	/* 11000020260303001: weighted sum 94, 94 mod 11 = 6 → check 6 */
	assert_false(idcard_valid("110000202603030016", TODAY, out, &why));
	assert_string_equal(why, WHY_BIRTH);
	assert_true(idcard_valid("110000202603030016", 20260303, out, &why));
}

static void wrong_check_character(void **state)
{
	(void)state;
	refused("110105194912310020", WHY_CHECK);
	refused("110105194912310021", WHY_CHECK);
	refused("360727198503120141", WHY_CHECK);
	refused("36072719850312014X", WHY_CHECK);
	refused("36072719850312014x", WHY_CHECK);
	refused("110105194912310039", WHY_CHECK); /* one digit off: 8 is right */
	/* two digits swapped (the mistake the check exists for) */
	refused("360727198530120140", WHY_BIRTH); /* month 30: caught as a date */
	refused("360727918503120140", WHY_BIRTH); /* year 9185: in the future */
	refused("360727198503121040", WHY_CHECK); /* 7 would be right */
	valid("360727198503121047", "360727198503121047");
}

static void mask(void **state)
{
	(void)state;
	char out[IDCARD_LEN + 1];
	idcard_mask("11010519491231002X", out);
	assert_string_equal(out, "110105********002X");
	idcard_mask("360727198503120140", out);
	assert_string_equal(out, "360727********0140");
	assert_int_equal(strlen(out), IDCARD_LEN);
	/* anything that is not 18 characters masks to nothing, never a partial number */
	memset(out, '?', sizeof out);
	idcard_mask("11010519491231002", out);
	assert_string_equal(out, "");
	idcard_mask("", out);
	assert_string_equal(out, "");
	idcard_mask(NULL, out);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_numbers),         cmocka_unit_test(wrong_length_or_characters),
	    cmocka_unit_test(wrong_address),         cmocka_unit_test(wrong_birth_date),
	    cmocka_unit_test(wrong_check_character), cmocka_unit_test(mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
