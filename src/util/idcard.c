/* Resident identity card numbers, GB 11643-1999 (idcard.h). */
#include "util/idcard.h"

#include <string.h>

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

bool idcard_valid(const char *s, int today_ymd, char out[IDCARD_LEN + 1], const char **why)
{
	static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	*why = "身份证号码须为 18 位（17 位数字加一位校验码）";
	if (!s || strlen(s) != IDCARD_LEN)
		return false;
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		sum += (s[i] - '0') * weight[i];
	}
	char last = s[17] == 'x' ? 'X' : s[17];
	if (!((last >= '0' && last <= '9') || last == 'X'))
		return false;
	int province = digits(s, 2);
	if (province < 11 || province > 82) {
		*why = "身份证号码的地址码不正确";
		return false;
	}
	int y = digits(s + 6, 4), m = digits(s + 10, 2), d = digits(s + 12, 2);
	int days = m >= 1 && m <= 12 ? mdays[m - 1] + (m == 2 && leap(y)) : 0;
	if (y < 1900 || d < 1 || d > days || y * 10000 + m * 100 + d > today_ymd) {
		*why = "身份证号码中的出生日期不正确";
		return false;
	}
	if (check[sum % 11] != last) {
		*why = "身份证号码校验码不正确，请核对";
		return false;
	}
	memcpy(out, s, 17);
	out[17] = last;
	out[18] = '\0';
	return true;
}

void idcard_mask(const char *id, char out[IDCARD_LEN + 1])
{
	size_t n = id ? strlen(id) : 0;
	if (n != IDCARD_LEN) {
		out[0] = '\0';
		return;
	}
	memcpy(out, id, 6);
	memset(out + 6, '*', 8);
	memcpy(out + 14, id + 14, 4);
	out[18] = '\0';
}
