/*
 * Time helpers (see timeutil.h): UTC milliseconds <-> Asia/Shanghai civil
 * dates, day numbers and ISO 8601 text. Asia/Shanghai is treated as a fixed
 * UTC+8, so no tz database is needed. Civil-date arithmetic uses the
 * proleptic Gregorian "days from civil" algorithms (H. Hinnant), exact for
 * any year. The ISO parser is deliberately strict: it accepts only the forms
 * the API documents and rejects trailing text and out-of-range fields.
 */
#include "util/timeutil.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#define ISO_YEAR_MIN 1900
#define ISO_YEAR_MAX 9999
#define MAX_OFFSET_MIN (14 * 60)

/* 0 = real clock; anything else is the frozen instant. */
static _Atomic int64_t fake_now_ms;

int64_t time_now_ms(void)
{
	int64_t fake = atomic_load(&fake_now_ms);
	return fake != 0 ? fake : time_real_ms();
}

int64_t time_real_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

bool time_is_fake(void)
{
	return atomic_load(&fake_now_ms) != 0;
}

void time_set_fake(int64_t ms)
{
	/* Negative values are not meaningful instants here: treat as release. */
	atomic_store(&fake_now_ms, ms > 0 ? ms : 0);
}

/* Floor division for a possibly negative dividend (b > 0). */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b) != 0 && a < 0)
		q--;
	return q;
}

int64_t time_day_of(int64_t ms)
{
	return floor_div(ms + TZ_OFFSET_MS, MS_PER_DAY);
}

int64_t time_day_start(int64_t day)
{
	return day * MS_PER_DAY - TZ_OFFSET_MS;
}

int64_t time_day_from_ymd(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2 ? 1 : 0);
	int64_t era = floor_div(yy, 400);
	int64_t yoe = yy - era * 400;                                           /* [0, 399] */
	int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void time_ymd_from_day(int64_t day, int *y, int *m, int *d)
{
	int64_t z = day + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t mm = mp < 10 ? mp + 3 : mp - 9;
	int64_t yy = yoe + era * 400 + (mm <= 2 ? 1 : 0);
	if (y)
		*y = (int)yy;
	if (m)
		*m = (int)mm;
	if (d)
		*d = (int)dd;
}

int time_weekday(int64_t day)
{
	/* Day 0 (1970-01-01) was a Thursday (3). */
	int64_t w = (day % 7 + 7 + 3) % 7;
	return (int)w;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && is_leap(y))
		return 29;
	return dim[m - 1];
}

static int finish_snprintf(int n, size_t cap)
{
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

int time_format_iso(int64_t ms, char *buf, size_t cap)
{
	if (buf == NULL || cap == 0)
		return -1;
	int64_t local = ms + TZ_OFFSET_MS;
	int64_t day = floor_div(local, MS_PER_DAY);
	int64_t rem = local - day * MS_PER_DAY; /* [0, MS_PER_DAY) */
	int y, mo, d;
	time_ymd_from_day(day, &y, &mo, &d);
	int hh = (int)(rem / MS_PER_HOUR);
	int mi = (int)(rem % MS_PER_HOUR / MS_PER_MINUTE);
	int ss = (int)(rem % MS_PER_MINUTE / 1000);
	int frac = (int)(rem % 1000);
	int n;
	if (frac != 0)
		n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+08:00", y, mo, d, hh, mi,
		             ss, frac);
	else
		n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, mo, d, hh, mi, ss);
	n = finish_snprintf(n, cap);
	if (n < 0)
		buf[0] = '\0';
	return n;
}

int time_format_minute(int64_t ms, char *buf, size_t cap)
{
	if (buf == NULL || cap == 0)
		return -1;
	int64_t local = ms + TZ_OFFSET_MS;
	int64_t day = floor_div(local, MS_PER_DAY);
	int64_t rem = local - day * MS_PER_DAY; /* [0, MS_PER_DAY) */
	int y, mo, d;
	time_ymd_from_day(day, &y, &mo, &d);
	int n = snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d", y, mo, d, (int)(rem / MS_PER_HOUR),
	                 (int)(rem % MS_PER_HOUR / MS_PER_MINUTE));
	n = finish_snprintf(n, cap);
	if (n < 0)
		buf[0] = '\0';
	return n;
}

int time_format_date(int64_t day, char *buf, size_t cap)
{
	if (buf == NULL || cap == 0)
		return -1;
	int y, m, d;
	time_ymd_from_day(day, &y, &m, &d);
	int n = finish_snprintf(snprintf(buf, cap, "%04d-%02d-%02d", y, m, d), cap);
	if (n < 0)
		buf[0] = '\0';
	return n;
}

/* Reads exactly `count` ASCII digits at *p, advancing *p. */
static bool read_digits(const char **p, int count, int *out)
{
	int v = 0;
	for (int i = 0; i < count; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += count;
	*out = v;
	return true;
}

/* Parses "YYYY-MM-DD" at *p (advancing it) with full range checks. */
static bool read_date(const char **p, int64_t *day)
{
	int y, m, d;
	if (!read_digits(p, 4, &y) || **p != '-')
		return false;
	(*p)++;
	if (!read_digits(p, 2, &m) || **p != '-')
		return false;
	(*p)++;
	if (!read_digits(p, 2, &d))
		return false;
	if (y < ISO_YEAR_MIN || y > ISO_YEAR_MAX || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return false;
	*day = time_day_from_ymd(y, m, d);
	return true;
}

int time_parse_date(const char *s, int64_t *day)
{
	if (s == NULL || day == NULL)
		return -1;
	const char *p = s;
	int64_t v;
	if (!read_date(&p, &v) || *p != '\0')
		return -1;
	*day = v;
	return 0;
}

static int parse_iso(const char *s, bool zoned, int64_t *out)
{
	if (s == NULL || out == NULL)
		return -1;
	const char *p = s;
	int64_t day;
	int hh, mi, ss = 0, ms = 0;
	if (!read_date(&p, &day))
		return -1;
	if (*p != 'T' && *p != ' ')
		return -1;
	p++;
	if (!read_digits(&p, 2, &hh) || *p != ':')
		return -1;
	p++;
	if (!read_digits(&p, 2, &mi))
		return -1;
	if (*p == ':') {
		p++;
		if (!read_digits(&p, 2, &ss))
			return -1;
		if (*p == '.') {
			p++;
			int ndig = 0;
			while (*p >= '0' && *p <= '9') {
				if (ndig < 3)
					ms = ms * 10 + (*p - '0');
				ndig++;
				p++;
			}
			if (ndig < 1 || ndig > 9)
				return -1;
			for (int i = ndig; i < 3; i++)
				ms *= 10;
		}
	}
	if (hh > 23 || mi > 59 || ss > 59)
		return -1;

	int64_t offset_min;
	if (*p == '\0') {
		if (zoned)
			return -1;
		offset_min = TZ_OFFSET_MS / MS_PER_MINUTE;
	} else if (*p == 'Z') {
		offset_min = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		int oh, om;
		p++;
		if (!read_digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (!read_digits(&p, 2, &om))
			return -1;
		if (om > 59)
			return -1;
		offset_min = (int64_t)oh * 60 + om;
		if (offset_min > MAX_OFFSET_MIN)
			return -1;
		offset_min *= sign;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;

	int64_t local =
	    day * MS_PER_DAY + hh * MS_PER_HOUR + mi * MS_PER_MINUTE + (int64_t)ss * 1000 + ms;
	*out = local - offset_min * MS_PER_MINUTE;
	return 0;
}

int time_parse_iso(const char *s, int64_t *out)
{
	return parse_iso(s, false, out);
}

int time_parse_iso_zoned(const char *s, int64_t *out)
{
	return parse_iso(s, true, out);
}
