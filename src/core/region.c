/* Regions (region.h). */
#include "core/region.h"

#include <string.h>

bool region_code_ok(const char *code)
{
	size_t n = code ? strlen(code) : 0;
	if (n != 6 && n != 9 && n != 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	int province = (code[0] - '0') * 10 + (code[1] - '0');
	return province >= 11 && province <= 82;
}

void region_city(const char *code, char out[REGION_LEN + 1])
{
	static const char *const municipalities[] = {"11", "12", "31", "50"};
	int keep = 4;
	for (size_t i = 0; i < sizeof municipalities / sizeof *municipalities; i++)
		if (!strncmp(code, municipalities[i], 2))
			keep = 2;
	memcpy(out, code, (size_t)keep);
	memset(out + keep, '0', (size_t)(REGION_LEN - keep));
	out[REGION_LEN] = '\0';
}
