/*
 * Unified social credit codes (统一社会信用代码), GB 32100-2015: 18
 * characters from a 31-character set (the digits and the capital letters
 * but I, O, Z, S, V): the registering authority (登记管理部门, one
 * character), the kind of body (机构类别, one), the registering office's
 * administrative division (6 digits), the 9-character organisation code
 * (主体标识码, GB 11714: 8 characters and its own MOD 11 check, a digit or
 * X) and a check character over the first 17 (MOD 31, weights 3^i mod 31).
 * Used for the enterprise registry (core/enterprises.c).
 */
#ifndef CIVICLOOP_UTIL_CREDITCODE_H
#define CIVICLOOP_UTIL_CREDITCODE_H

#include <stdbool.h>

#define CREDITCODE_LEN 18

/* Whether s is a valid code. Lower-case letters count as their capitals; on
 * success the normalised code (capitals) is written to out. On failure *why
 * says in Chinese what is wrong — its length, the first character outside
 * the set (and where), an unknown authority or kind, a division that is not
 * 6 digits, or which check character it should have (校验位应为 X) — in
 * why_buf (CREDITCODE_WHY_MAX bytes). */
#define CREDITCODE_WHY_MAX 160
bool creditcode_valid(const char *s, char out[CREDITCODE_LEN + 1], char why[CREDITCODE_WHY_MAX]);

/* The check character (the 18th) the first 17 characters of s call for,
 * '\0' if one of them is outside the set. For the demo and the tests. */
char creditcode_check_char(const char *s17);

#endif
