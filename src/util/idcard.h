/*
 * Resident identity card numbers (公民身份号码), GB 11643-1999: 18
 * characters, a 6-digit address code, an 8-digit date of birth, a 3-digit
 * order code and a check character computed from the other 17 (ISO 7064
 * MOD 11-2: weights 2^(17-i) mod 11, the check "10X98765432"[sum mod 11]).
 * Used for the parties of a dispute (core/parties.c).
 */
#ifndef CIVICLOOP_UTIL_IDCARD_H
#define CIVICLOOP_UTIL_IDCARD_H

#include <stdbool.h>
#include <stddef.h>

#define IDCARD_LEN 18

/* Whether s is a valid 18-character number: digits, a check character that
 * matches (an 'x' counts as 'X'), an address code whose province (the first
 * two digits) is 11–82, and a real date of birth from 1900-01-01 up to
 * today_ymd (YYYYMMDD). On success the normalised number (upper-case X) is
 * written to out (IDCARD_LEN + 1 bytes); on failure *why says what is wrong
 * in Chinese. */
bool idcard_valid(const char *s, int today_ymd, char out[IDCARD_LEN + 1], const char **why);

/* The masked form people see: the first 6 and the last 4 characters, the
 * rest '*' (360727********1234). out holds IDCARD_LEN + 1 bytes. */
void idcard_mask(const char *id, char out[IDCARD_LEN + 1]);

#endif
