/*
 * Time helpers. civicloop stores every instant as UTC milliseconds since the
 * Unix epoch (int64_t). The business day is Asia/Shanghai, which has had a
 * fixed offset of +08:00 since 1991, so "local" here always means UTC+8 and no
 * tz database is consulted. The API writes ISO 8601 with "+08:00".
 *
 * A "day number" is the count of Asia/Shanghai calendar days since
 * 1970-01-01 (day 0); it is what the calendar indexes by.
 */
#ifndef CIVICLOOP_UTIL_TIMEUTIL_H
#define CIVICLOOP_UTIL_TIMEUTIL_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define TZ_OFFSET_MS (8LL * 3600 * 1000)
#define MS_PER_MINUTE 60000LL
#define MS_PER_HOUR 3600000LL
#define MS_PER_DAY 86400000LL
#define ISO8601_MAX 32 /* "2024-02-08T10:00:00.123+08:00" plus NUL fits */

/* Wall clock now, UTC ms. Tests may override it with time_set_fake(). */
int64_t time_now_ms(void);
/* Freeze (ms > 0) or release (ms == 0) the clock time_now_ms() returns. */
void time_set_fake(int64_t ms);
bool time_is_fake(void);
/* The wall clock, never faked: session expiry and login throttling. */
int64_t time_real_ms(void);

/* Day number (Asia/Shanghai) of an instant, and the instant its day starts. */
int64_t time_day_of(int64_t ms);
int64_t time_day_start(int64_t day);

/* Civil date <-> day number (proleptic Gregorian). */
int64_t time_day_from_ymd(int y, int m, int d);
void time_ymd_from_day(int64_t day, int *y, int *m, int *d);
/* 0 = Monday ... 6 = Sunday */
int time_weekday(int64_t day);

/* Writes "YYYY-MM-DDTHH:MM:SS+08:00" (milliseconds only when non-zero).
 * Returns the length written, or -1 if cap is too small. */
int time_format_iso(int64_t ms, char *buf, size_t cap);
/* Writes "YYYY-MM-DD HH:MM" in Asia/Shanghai, seconds dropped (a
 * spreadsheet's time). Returns the length written, or -1. */
int time_format_minute(int64_t ms, char *buf, size_t cap);
/* Writes "YYYY-MM-DD". Returns length or -1. */
int time_format_date(int64_t day, char *buf, size_t cap);

/* Parses ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)"; a missing
 * offset means +08:00; a space may stand for 'T'. Returns 0 and sets *out,
 * or -1 on anything malformed or out of range (month 13, Feb 30, ...). */
int time_parse_iso(const char *s, int64_t *out);
/* time_parse_iso, but the offset (Z or ±HH:MM) is required: for instants a
 * client states (a case's received_at), where a guessed zone would be a
 * silent error. */
int time_parse_iso_zoned(const char *s, int64_t *out);
/* Parses "YYYY-MM-DD" into a day number. Returns 0 or -1. */
int time_parse_date(const char *s, int64_t *day);

#endif
