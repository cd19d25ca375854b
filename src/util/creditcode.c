/* Unified social credit codes, GB 32100-2015 (creditcode.h). */
#include "util/creditcode.h"

#include <stdio.h>
#include <string.h>

/* The code's characters in value order: GB 32100 leaves out I, O, Z, S, V,
 * which read too much like 1, 0, 2, 5 and U. */
static const char charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* The authorities of GB 32100 table 1: 机构编制 1, 外交 2, 司法行政 3,
 * 文化 4, 民政 5, 旅游 6, 宗教 7, 工会 8, 工商 9, 中央军委改革和编制办公室 A,
 * 农业 N, 其他 Y. */
static const char authorities[] = "123456789ANY";

/* The value of c in the set, -1 if c is not in it (c already upper-case). */
static int value_of(char c)
{
	const char *p = c ? strchr(charset, c) : NULL;
	return p ? (int)(p - charset) : -1;
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

char creditcode_check_char(const char *s17)
{
	/* weight of position i is 3^i mod 31 */
	int sum = 0, w = 1;
	for (int i = 0; i < 17; i++) {
		int v = value_of(upper(s17[i]));
		if (v < 0)
			return '\0';
		sum += v * w;
		w = w * 3 % 31;
	}
	return charset[(31 - sum % 31) % 31];
}

/* GB 11714's check of the organisation code's first 8 characters (digits
 * 0–9, letters A=10 … Z=35): 11 - (sum of value × weight) mod 11, 10 as X
 * and 11 as 0. */
static char org_check_char(const char *s8)
{
	static const int weight[8] = {3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 8; i++) {
		char c = s8[i];
		sum += (c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10) * weight[i];
	}
	int c = 11 - sum % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

bool creditcode_valid(const char *s, char out[CREDITCODE_LEN + 1], char why[CREDITCODE_WHY_MAX])
{
	size_t n = s ? strlen(s) : 0;
	char code[CREDITCODE_LEN + 1];
	if (n != CREDITCODE_LEN) {
		snprintf(why, CREDITCODE_WHY_MAX,
		         "统一社会信用代码长度应为 18 位（现为 %zu 个字节）", n);
		return false;
	}
	for (int i = 0; i < CREDITCODE_LEN; i++) {
		code[i] = upper(s[i]);
		if (value_of(code[i]) < 0) {
			if ((unsigned char)code[i] >= 0x80 || (unsigned char)code[i] < 0x20)
				snprintf(
				    why, CREDITCODE_WHY_MAX,
				    "统一社会信用代码第 %d 位是非法字符（只能是数字和除 I、O、Z、"
				    "S、V 外的大写字母）",
				    i + 1);
			else
				snprintf(
				    why, CREDITCODE_WHY_MAX,
				    "统一社会信用代码第 %d 位“%c”是非法字符（只能是数字和除 I、O、"
				    "Z、S、V 外的大写字母）",
				    i + 1, code[i]);
			return false;
		}
	}
	code[CREDITCODE_LEN] = '\0';
	if (!strchr(authorities, code[0])) {
		snprintf(why, CREDITCODE_WHY_MAX,
		         "统一社会信用代码第 1 位（登记管理部门代码）“%c”不正确", code[0]);
		return false;
	}
	if (code[1] < '1' || code[1] > '9') {
		snprintf(why, CREDITCODE_WHY_MAX,
		         "统一社会信用代码第 2 位（机构类别代码）“%c”不正确", code[1]);
		return false;
	}
	for (int i = 2; i < 8; i++)
		if (code[i] < '0' || code[i] > '9') {
			snprintf(why, CREDITCODE_WHY_MAX,
			         "统一社会信用代码第 3–8 位（登记管理机关行政区划码）须为数字");
			return false;
		}
	char oc = org_check_char(code + 8);
	if (code[16] != oc) {
		snprintf(why, CREDITCODE_WHY_MAX,
		         "统一社会信用代码第 17 位（组织机构代码校验位）应为 %c", oc);
		return false;
	}
	char cc = creditcode_check_char(code);
	if (code[17] != cc) {
		snprintf(why, CREDITCODE_WHY_MAX, "统一社会信用代码校验位应为 %c", cc);
		return false;
	}
	memcpy(out, code, sizeof code);
	return true;
}
