/*
 * Unit tests for src/util/timeutil.c and src/core/calendar.c: ISO 8601
 * parsing/formatting and civil-date arithmetic, the official calendar loaded
 * from config/calendar/cn-workdays.json (every listed 2024-2026 holiday and
 * make-up day, plus a hand-written copy of the State Council notices), and the
 * deadline rules of calendar.h. Every expected instant below was worked out by
 * hand from the official calendar; none is computed with the code under test.
 * Run from the repository root (ctest does this).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "util/timeutil.h"

#define CAL_PATH "config/calendar/cn-workdays.json"

static struct calendar *cal;

/* ---- helpers ---------------------------------------------------------- */

static int64_t T(const char *iso)
{
	int64_t ms = 0;
	if (time_parse_iso(iso, &ms) != 0)
		fail_msg("test bug: cannot parse \"%s\"", iso);
	return ms;
}

static int64_t D(const char *date)
{
	int64_t day = 0;
	if (time_parse_date(date, &day) != 0)
		fail_msg("test bug: cannot parse date \"%s\"", date);
	return day;
}

#define assert_iso(ms, expected) \
	do { \
		char buf_[ISO8601_MAX]; \
		assert_true(time_format_iso((ms), buf_, sizeof buf_) > 0); \
		assert_string_equal(buf_, (expected)); \
	} while (0)

static int64_t workdays_due(const char *from, int n)
{
	return deadline_due(cal, (struct deadline_spec){DEADLINE_WORKDAYS, n}, T(from));
}

static int64_t workhours_due(const char *from, int n)
{
	return deadline_due(cal, (struct deadline_spec){DEADLINE_WORKHOURS, n}, T(from));
}

static int setup(void **state)
{
	(void)state;
	char err[256] = "";
	cal = calendar_load_file(CAL_PATH, err, sizeof err);
	if (cal == NULL) {
		fprintf(stderr, "cannot load %s: %s\n", CAL_PATH, err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	calendar_free(cal);
	cal = NULL;
	time_set_fake(0);
	return 0;
}

/* ---- timeutil --------------------------------------------------------- */

static void test_time_known_days(void **state)
{
	(void)state;
	assert_int_equal(time_day_from_ymd(1970, 1, 1), 0);
	assert_int_equal(time_day_from_ymd(1900, 1, 1), -25567);
	assert_int_equal(time_day_from_ymd(2000, 3, 1), 11017);
	assert_int_equal(time_day_from_ymd(2024, 2, 8), 19761);
	assert_int_equal(time_day_from_ymd(9999, 12, 31), 2932896);
	int y, m, d;
	time_ymd_from_day(19761, &y, &m, &d);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 8);
	time_ymd_from_day(-1, &y, &m, &d);
	assert_int_equal(y, 1969);
	assert_int_equal(m, 12);
	assert_int_equal(d, 31);
}

static void test_time_weekday(void **state)
{
	(void)state;
	assert_int_equal(time_weekday(0), 3);                               /* 1970-01-01 Thu */
	assert_int_equal(time_weekday(-1), 2);                              /* 1969-12-31 Wed */
	assert_int_equal(time_weekday(time_day_from_ymd(2024, 2, 10)), 5);  /* Saturday */
	assert_int_equal(time_weekday(time_day_from_ymd(2024, 2, 8)), 3);   /* Thursday */
	assert_int_equal(time_weekday(time_day_from_ymd(2024, 2, 4)), 6);   /* Sunday */
	assert_int_equal(time_weekday(time_day_from_ymd(2024, 1, 1)), 0);   /* Monday */
	assert_int_equal(time_weekday(time_day_from_ymd(2024, 10, 12)), 5); /* Saturday */
	assert_int_equal(time_weekday(time_day_from_ymd(1900, 1, 1)), 0);   /* Monday */
	assert_int_equal(time_weekday(time_day_from_ymd(2000, 2, 29)), 1);  /* Tuesday */
	assert_int_equal(time_weekday(time_day_from_ymd(2027, 1, 1)), 4);   /* Friday */
}

static void test_time_ymd_round_trip(void **state)
{
	(void)state;
	int64_t first = time_day_from_ymd(1900, 1, 1);
	int64_t last = time_day_from_ymd(9999, 12, 31);
	int py = 1899, pm = 12, pd = 31;
	int pw = 6; /* 1899-12-31 was a Sunday */
	for (int64_t day = first; day <= last; day++) {
		int y, m, d;
		time_ymd_from_day(day, &y, &m, &d);
		/* each day is the successor of the previous civil date */
		if (d == pd + 1) {
			assert_int_equal(y, py);
			assert_int_equal(m, pm);
		} else {
			assert_int_equal(d, 1);
			if (m == 1) {
				assert_int_equal(y, py + 1);
				assert_int_equal(pm, 12);
				assert_int_equal(pd, 31);
			} else {
				assert_int_equal(y, py);
				assert_int_equal(m, pm + 1);
				assert_true(pd >= 28 && pd <= 31);
			}
		}
		if (m == 2 && d == 29)
			assert_true((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
		assert_int_equal(time_day_from_ymd(y, m, d), day);
		int w = time_weekday(day);
		assert_int_equal(w, (pw + 1) % 7);
		py = y, pm = m, pd = d, pw = w;
	}
	assert_int_equal(py, 9999);
}

static void test_time_day_of_and_start(void **state)
{
	(void)state;
	/* 2024-02-08 00:00 +08:00 == 2024-02-07 16:00 UTC == 1707321600 s */
	assert_int_equal(time_day_start(19761), 1707321600000LL);
	assert_int_equal(time_day_of(1707321600000LL), 19761);
	assert_int_equal(time_day_of(1707321600000LL - 1), 19760);
	assert_int_equal(time_day_of(1707321600000LL + MS_PER_DAY - 1), 19761);
	assert_int_equal(time_day_of(0), 0);                  /* 08:00 local */
	assert_int_equal(time_day_of(-TZ_OFFSET_MS), 0);      /* 00:00 local */
	assert_int_equal(time_day_of(-TZ_OFFSET_MS - 1), -1); /* 23:59:59.999 */
	assert_int_equal(time_day_start(0), -TZ_OFFSET_MS);
}

static void test_time_format(void **state)
{
	(void)state;
	char buf[ISO8601_MAX];
	assert_int_equal(time_format_iso(1707357600000LL, buf, sizeof buf), 25);
	assert_string_equal(buf, "2024-02-08T10:00:00+08:00");
	assert_int_equal(time_format_iso(1707357600123LL, buf, sizeof buf), 29);
	assert_string_equal(buf, "2024-02-08T10:00:00.123+08:00");
	assert_iso(0, "1970-01-01T08:00:00+08:00");
	assert_iso(-TZ_OFFSET_MS - 1, "1969-12-31T23:59:59.999+08:00");
	assert_iso(1707357600007LL, "2024-02-08T10:00:00.007+08:00");
	/* cap exactly fits vs one short */
	assert_int_equal(time_format_iso(1707357600000LL, buf, 26), 25);
	assert_int_equal(time_format_iso(1707357600000LL, buf, 25), -1);
	assert_int_equal(time_format_iso(1707357600000LL, buf, 0), -1);
	assert_int_equal(time_format_date(19761, buf, sizeof buf), 10);
	assert_string_equal(buf, "2024-02-08");
	assert_int_equal(time_format_date(19761, buf, 10), -1);
	assert_int_equal(time_format_date(-25567, buf, 11), 10);
	assert_string_equal(buf, "1900-01-01");
	/* a spreadsheet's time: Asia/Shanghai, to the minute (seconds dropped, not rounded) */
	assert_int_equal(time_format_minute(1707357659999LL, buf, sizeof buf), 16);
	assert_string_equal(buf, "2024-02-08 10:00");
	assert_int_equal(time_format_minute(1707321600000LL - 1, buf, 17), 16);
	assert_string_equal(buf, "2024-02-07 23:59");
	assert_int_equal(time_format_minute(1707357600000LL, buf, 16), -1);
	assert_string_equal(buf, "");
}

static void test_time_parse_accepts(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t ms;
	} ok[] = {
	    {"2024-02-08T10:00:00+08:00", 1707357600000LL},
	    {"2024-02-08T10:00:00+0800", 1707357600000LL},
	    {"2024-02-08T02:00:00Z", 1707357600000LL},
	    {"2024-02-08T02:00:00+00:00", 1707357600000LL},
	    {"2024-02-08T02:00:00-00:00", 1707357600000LL},
	    {"2024-02-08T10:00:00", 1707357600000LL}, /* no offset = +08:00 */
	    {"2024-02-08T10:00", 1707357600000LL},    /* no seconds */
	    {"2024-02-08 10:00", 1707357600000LL},    /* space for T */
	    {"2024-02-08 10:00+08:00", 1707357600000LL},
	    {"2024-02-07T21:00:00-05:00", 1707357600000LL},
	    {"2024-02-08T16:00:00+14:00", 1707357600000LL},
	    {"2024-02-07T12:00:00-14:00", 1707357600000LL},
	    {"2024-02-08T07:30:00+05:30", 1707357600000LL},
	    {"2024-02-08T10:00:00.123+08:00", 1707357600123LL},
	    {"2024-02-08T10:00:00.5Z", 1707386400500LL},
	    {"2024-02-08T10:00:00.12Z", 1707386400120LL},
	    {"2024-02-08T10:00:00.123456789+08:00", 1707357600123LL}, /* truncated */
	    {"2024-02-08T10:00:00.999999999+08:00", 1707357600999LL},
	    {"2024-02-08T10:00:00.000Z", 1707386400000LL},
	    {"2024-02-29T00:00:00+08:00", 1709136000000LL}, /* leap day */
	    {"2000-02-29T00:00Z", 951782400000LL},
	    {"1970-01-01T00:00:00Z", 0},
	    {"1970-01-01T08:00:00+08:00", 0},
	    {"1900-01-01T00:00:00Z", -2208988800000LL},
	    {"2024-02-08T23:59:59.999+08:00", 1707407999999LL},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t ms = -42;
		if (time_parse_iso(ok[i].s, &ms) != 0)
			fail_msg("rejected \"%s\"", ok[i].s);
		if (ms != ok[i].ms)
			fail_msg("\"%s\" -> %lld, want %lld", ok[i].s, (long long)ms,
			         (long long)ok[i].ms);
	}
}

static void test_time_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "2024-02-08",                 /* date only */
	    "2024-02-08T10",              /* no minutes */
	    "2024-02-08T10:00:00+08:00x", /* trailing garbage */
	    "2024-02-08T10:00:00Zjunk",
	    "2024-02-08T10:00:00Z ",
	    " 2024-02-08T10:00:00Z",
	    "2024-02-08T10:00 +08:00",
	    "2024-13-01T00:00", /* month 13 */
	    "2024-00-10T00:00",
	    "2024-02-30T00:00", /* Feb 30 */
	    "2023-02-29T00:00", /* not a leap year */
	    "1900-02-29T00:00", /* century, not leap */
	    "2100-02-29T00:00Z",
	    "2024-04-31T00:00",
	    "2024-01-00T00:00",
	    "2024-01-32T00:00",
	    "2024-02-08T24:00", /* hour 24 */
	    "2024-02-08T24:00:00Z",
	    "2024-02-08T23:60",
	    "2024-02-08T23:59:60Z",      /* no leap seconds */
	    "2024-02-08T10:00:00+14:01", /* offset beyond +-14:00 */
	    "2024-02-08T10:00:00+15:00",
	    "2024-02-08T10:00:00-14:30",
	    "2024-02-08T10:00:00+08:60",
	    "2024-02-08T10:00:00+08", /* truncated offset */
	    "2024-02-08T10:00:00+8:00",
	    "2024-02-08T10:00:00+08:0",
	    "2024-02-08T10:00:00+080",
	    "2024-02-08T10:00:00.Z",           /* empty fraction */
	    "2024-02-08T10:00:00.1234567890Z", /* 10 fraction digits */
	    "2024-02-08T10:00.5",              /* fraction without seconds */
	    "2024-02-08T10:00:00,5Z",
	    "1899-12-31T23:59Z", /* year range */
	    "10000-01-01T00:00Z",
	    "0999-01-01T00:00Z",
	    "2024-2-08T10:00",
	    "2024-02-8T10:00",
	    "2024/02/08T10:00",
	    "2024-02-08X10:00",
	    "2024-02-08t10:00Z",
	    "2024-02-08T10:00z",
	    "2024-02-08T1O:00",
	    "2024-02-08T10:0",
	    "2024-02-08T10:00:0Z",
	    "+2024-02-08T10:00",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = 7;
		if (time_parse_iso(bad[i], &ms) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(ms, 7); /* untouched on failure */
	}
	int64_t ms;
	assert_int_equal(time_parse_iso(NULL, &ms), -1);
}

static void test_time_parse_date(void **state)
{
	(void)state;
	int64_t day = 0;
	assert_int_equal(time_parse_date("2024-02-08", &day), 0);
	assert_int_equal(day, 19761);
	assert_int_equal(time_parse_date("1970-01-01", &day), 0);
	assert_int_equal(day, 0);
	assert_int_equal(time_parse_date("9999-12-31", &day), 0);
	assert_int_equal(day, 2932896);
	static const char *const bad[] = {"",           "2024-02-08x", "2024-02-08T00:00",
	                                  "2024-2-08",  "2024-02-30",  "2023-02-29",
	                                  "1899-12-31", "24-02-08",    "2024-02-08 "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		day = 5;
		if (time_parse_date(bad[i], &day) != -1)
			fail_msg("accepted date \"%s\"", bad[i]);
		assert_int_equal(day, 5);
	}
}

static void test_time_round_trip(void **state)
{
	(void)state;
	/* format -> parse is the identity, with and without milliseconds */
	int64_t lo = T("1900-01-01T00:00:00+08:00");
	int64_t hi = T("9999-12-31T23:59:59.999+08:00");
	int64_t step = (hi - lo) / 20011 + 12345; /* odd step hits many ms values */
	int count = 0;
	for (int64_t ms = lo; ms <= hi; ms += step, count++) {
		char buf[ISO8601_MAX];
		assert_true(time_format_iso(ms, buf, sizeof buf) > 0);
		int64_t back = 0;
		if (time_parse_iso(buf, &back) != 0 || back != ms)
			fail_msg("round trip of %lld via \"%s\" gave %lld", (long long)ms, buf,
			         (long long)back);
	}
	assert_true(count > 20000);
	int64_t back = 0;
	char buf[ISO8601_MAX];
	assert_true(time_format_iso(hi, buf, sizeof buf) > 0);
	assert_string_equal(buf, "9999-12-31T23:59:59.999+08:00");
	assert_int_equal(time_parse_iso(buf, &back), 0);
	assert_int_equal(back, hi);
	/* parse -> format normalises to +08:00 */
	assert_iso(T("2024-02-08T02:00:00.250Z"), "2024-02-08T10:00:00.250+08:00");
	assert_iso(T("2024-02-07 21:30-05:00"), "2024-02-08T10:30:00+08:00");
}

static void test_time_fake_clock(void **state)
{
	(void)state;
	time_set_fake(0);
	int64_t real = time_now_ms();
	assert_true(real > T("2024-01-01T00:00Z")); /* sanity: a real clock */
	time_set_fake(1707357600000LL);
	assert_int_equal(time_now_ms(), 1707357600000LL);
	assert_int_equal(time_now_ms(), 1707357600000LL);
	time_set_fake(0);
	assert_true(time_now_ms() >= real);
}

/* ---- calendar: the data ------------------------------------------------ */

/* The State Council notices, written out by hand (independent of the file). */
static const char *const official_off[][2] = {
    /* 2024 */
    {"2024-01-01", "2024-01-01"},
    {"2024-02-10", "2024-02-17"},
    {"2024-04-04", "2024-04-06"},
    {"2024-05-01", "2024-05-05"},
    {"2024-06-10", "2024-06-10"},
    {"2024-09-15", "2024-09-17"},
    {"2024-10-01", "2024-10-07"},
    /* 2025 */
    {"2025-01-01", "2025-01-01"},
    {"2025-01-28", "2025-02-04"},
    {"2025-04-04", "2025-04-06"},
    {"2025-05-01", "2025-05-05"},
    {"2025-05-31", "2025-06-02"},
    {"2025-10-01", "2025-10-08"},
    /* 2026 */
    {"2026-01-01", "2026-01-03"},
    {"2026-02-15", "2026-02-23"},
    {"2026-04-04", "2026-04-06"},
    {"2026-05-01", "2026-05-05"},
    {"2026-06-19", "2026-06-21"},
    {"2026-09-25", "2026-09-27"},
    {"2026-10-01", "2026-10-07"},
};
static const char *const official_makeup[] = {
    "2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11",
    "2024-09-14", "2024-09-29", "2024-10-12", "2025-01-26", "2025-02-08",
    "2025-04-27", "2025-09-28", "2025-10-11", "2026-01-04", "2026-02-14",
    "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
};

static void test_cal_every_day_2024_2026(void **state)
{
	(void)state;
	int64_t first = D("2024-01-01"), last = D("2026-12-31");
	int workdays[3] = {0, 0, 0};
	for (int64_t day = first; day <= last; day++) {
		bool want = time_weekday(day) < 5;
		for (size_t i = 0; i < sizeof official_off / sizeof official_off[0]; i++)
			if (day >= D(official_off[i][0]) && day <= D(official_off[i][1]))
				want = false;
		for (size_t i = 0; i < sizeof official_makeup / sizeof official_makeup[0]; i++)
			if (day == D(official_makeup[i]))
				want = true;
		if (calendar_is_workday(cal, day) != want) {
			char buf[16];
			time_format_date(day, buf, sizeof buf);
			fail_msg("%s: is_workday %d, official %d", buf, !want, want);
		}
		assert_true(calendar_covers(cal, day));
		int y;
		time_ymd_from_day(day, &y, NULL, NULL);
		if (want)
			workdays[y - 2024]++;
	}
	/* 2024 had 251 working days, 2025 and 2026 have 248. */
	assert_int_equal(workdays[0], 251);
	assert_int_equal(workdays[1], 248);
	assert_int_equal(workdays[2], 248);
	assert_int_equal(
	    calendar_workdays_between(cal, T("2023-12-31T12:00"), T("2024-12-31T12:00")), 251);
	assert_int_equal(
	    calendar_workdays_between(cal, T("2024-12-31T23:59"), T("2025-12-31T00:00")), 248);
	assert_int_equal(
	    calendar_workdays_between(cal, T("2025-12-31T00:00"), T("2026-12-31T00:00")), 248);
	assert_int_equal(calendar_workms_between(cal, T("2024-01-01T00:00"), T("2025-01-01T00:00")),
	                 251 * 7 * MS_PER_HOUR);
}

/* Walks the JSON file itself (not through calendar.c) and checks every entry. */
static void test_cal_every_listed_day_in_file(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *root = json_load_file(CAL_PATH, 0, &jerr);
	assert_non_null(root);
	json_t *years = json_object_get(root, "years");
	assert_true(json_is_object(years));
	static const char *const want_years[] = {"2024", "2025", "2026"};
	static const size_t want_hol[] = {28, 28, 33}, want_mk[] = {8, 5, 6};
	for (size_t yi = 0; yi < 3; yi++) {
		json_t *y = json_object_get(years, want_years[yi]);
		assert_non_null(y);
		json_t *hol = json_object_get(y, "holidays");
		json_t *mk = json_object_get(y, "makeup_workdays");
		assert_int_equal(json_array_size(hol), want_hol[yi]);
		assert_int_equal(json_array_size(mk), want_mk[yi]);
		size_t i;
		json_t *e;
		json_array_foreach(hol, i, e)
		{
			const char *ds = json_string_value(json_object_get(e, "date"));
			const char *name = json_string_value(json_object_get(e, "name"));
			assert_non_null(ds);
			assert_non_null(name);
			int64_t day = D(ds);
			if (calendar_is_workday(cal, day))
				fail_msg("holiday %s counted as a working day", ds);
			assert_true(calendar_covers(cal, day));
			assert_non_null(calendar_day_name(cal, day));
			assert_string_equal(calendar_day_name(cal, day), name);
			assert_memory_equal(ds, want_years[yi], 4);
		}
		json_array_foreach(mk, i, e)
		{
			const char *ds = json_string_value(json_object_get(e, "date"));
			const char *name = json_string_value(json_object_get(e, "name"));
			assert_non_null(ds);
			int64_t day = D(ds);
			if (!calendar_is_workday(cal, day))
				fail_msg("make-up day %s not a working day", ds);
			/* make-up days are always weekend days */
			assert_true(time_weekday(day) >= 5);
			assert_string_equal(calendar_day_name(cal, day), name);
		}
	}
	json_decref(root);
}

static void test_cal_names_and_years(void **state)
{
	(void)state;
	assert_string_equal(calendar_day_name(cal, D("2024-02-10")), "春节");
	assert_string_equal(calendar_day_name(cal, D("2024-02-04")), "春节");
	assert_string_equal(calendar_day_name(cal, D("2024-10-12")), "国庆节");
	assert_string_equal(calendar_day_name(cal, D("2025-10-08")), "国庆节、中秋节");
	assert_string_equal(calendar_day_name(cal, D("2026-01-04")), "元旦");
	assert_null(calendar_day_name(cal, D("2024-03-05")));
	assert_null(calendar_day_name(cal, D("2024-03-09"))); /* plain Saturday */
	int first = -1, last = -1;
	calendar_years(cal, &first, &last);
	assert_int_equal(first, 2024);
	assert_int_equal(last, 2026);
	/* spot checks written by hand */
	assert_false(calendar_is_workday(cal, D("2024-02-12"))); /* Monday, 春节 */
	assert_true(calendar_is_workday(cal, D("2024-02-18")));  /* Sunday, make-up */
	assert_true(calendar_is_workday(cal, D("2025-01-27")));  /* Monday before 除夕 */
	assert_false(calendar_is_workday(cal, D("2025-01-28")));
	assert_false(calendar_is_workday(cal, D("2026-02-23")));
	assert_true(calendar_is_workday(cal, D("2026-02-24")));
	assert_false(calendar_is_workday(cal, D("2024-03-09"))); /* plain Saturday */
	assert_true(calendar_is_workday(cal, D("2024-03-05")));  /* plain Tuesday */
}

static void test_cal_outside_years(void **state)
{
	(void)state;
	/* 2023-10-02 was really a holiday, but 2023 is not in the file: weekend rule. */
	assert_true(calendar_is_workday(cal, D("2023-10-02"))); /* Monday */
	assert_false(calendar_covers(cal, D("2023-10-02")));
	assert_false(calendar_is_workday(cal, D("2023-12-30"))); /* Saturday */
	assert_false(calendar_covers(cal, D("2023-12-31")));
	assert_true(calendar_covers(cal, D("2024-01-01")));
	assert_true(calendar_covers(cal, D("2026-12-31")));
	assert_false(calendar_covers(cal, D("2027-01-01")));
	assert_true(calendar_is_workday(cal, D("2027-01-01")));  /* Friday */
	assert_false(calendar_is_workday(cal, D("2027-01-02"))); /* Saturday */
	assert_false(calendar_is_workday(cal, D("2027-01-03"))); /* Sunday */
	assert_true(calendar_is_workday(cal, D("1999-12-31")));  /* Friday */
	assert_null(calendar_day_name(cal, D("2027-01-01")));
	/* received Wed 2026-12-30: Thu 31 #1, Fri 2027-01-01 #2, Mon 01-04 #3 */
	assert_iso(workdays_due("2026-12-30T10:00", 3), "2027-01-05T00:00:00+08:00");
	/* received Fri 2027-01-08 (uncovered): Mon 11, Tue 12 */
	assert_iso(workdays_due("2027-01-08T16:00", 2), "2027-01-13T00:00:00+08:00");
}

static void test_cal_load_errors(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		const char *needle; /* expected in the message */
	} bad[] = {
	    {"", "JSON"},
	    {"{", "JSON"},
	    {"[]", "object"},
	    {"{}", "years"},
	    {"{\"years\":[]}", "years"},
	    {"{\"years\":{\"2024\":[]}}", "2024"},
	    {"{\"years\":{\"24\":{}}}", "24"},
	    {"{\"years\":{\"2024x\":{}}}", "2024x"},
	    {"{\"years\":{\"2024\":{\"holidays\":{}}}}", "array"},
	    {"{\"years\":{\"2024\":{\"holidays\":[\"2024-01-01\"]}}}", "object"},
	    {"{\"years\":{\"2024\":{\"holidays\":[{\"date\":\"2024-02-30\",\"name\":\"x\"}]}}}",
	     "2024-02-30"},
	    {"{\"years\":{\"2023\":{\"holidays\":[{\"date\":\"2023-02-29\",\"name\":\"x\"}]}}}",
	     "2023-02-29"},
	    {"{\"years\":{\"2024\":{\"holidays\":[{\"date\":\"2024-1-01\",\"name\":\"x\"}]}}}",
	     "2024-1-01"},
	    {"{\"years\":{\"2024\":{\"holidays\":[{\"date\":20240101,\"name\":\"x\"}]}}}", "date"},
	    {"{\"years\":{\"2024\":{\"holidays\":[{\"date\":\"2025-01-01\",\"name\":\"x\"}]}}}",
	     "not in year 2024"},
	    {"{\"years\":{\"2024\":{\"holidays\":[{\"date\":\"2024-01-01\"}]}}}", "name"},
	    {"{\"years\":{\"2024\":{\"holidays\":[{\"date\":\"2024-01-01\",\"name\":\"\"}]}}}",
	     "name"},
	    {"{\"years\":{\"2024\":{\"holidays\":[{\"date\":\"2024-01-01\",\"name\":\"a\","
	     "\"extra\":1}]}}}",
	     "extra"},
	    {"{\"years\":{\"2024\":{\"holidays\":[{\"date\":\"2024-02-04\",\"name\":\"a\"}],"
	     "\"makeup_workdays\":[{\"date\":\"2024-02-04\",\"name\":\"a\"}]}}}",
	     "both"},
	    {"{\"years\":{\"2024\":{\"holidays\":[{\"date\":\"2024-01-01\",\"name\":\"a\"},"
	     "{\"date\":\"2024-01-01\",\"name\":\"a\"}]}}}",
	     "twice"},
	    {"{\"years\":{\"2024\":{\"makeup_workdays\":[{\"date\":\"2024-02-05\",\"name\":\"a\"}]}"
	     "}}",
	     "Saturday or Sunday"},
	    {"{\"years\":{\"2024\":{\"holiday\":[]}}}", "unknown key"},
	    {"{\"years\":{\"2024\":{},\"2024\":{}}}", "JSON"}, /* duplicate key */
	    {"{\"timezone\":\"UTC\",\"years\":{}}", "timezone"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[256] = "";
		struct calendar *c = calendar_load_text(bad[i].json, err, sizeof err);
		if (c != NULL) {
			calendar_free(c);
			fail_msg("accepted calendar %s", bad[i].json);
		}
		if (strstr(err, bad[i].needle) == NULL)
			fail_msg("calendar %s: message \"%s\" lacks \"%s\"", bad[i].json, err,
			         bad[i].needle);
	}
	char err[256] = "";
	assert_null(calendar_load_file("config/calendar/no-such-file.json", err, sizeof err));
	assert_non_null(strstr(err, "no-such-file.json"));
	/* a NULL / tiny error buffer is fine */
	assert_null(calendar_load_text("{", NULL, 0));
	char tiny[4];
	assert_null(calendar_load_text("{", tiny, sizeof tiny));
	assert_int_equal(strlen(tiny), 3);
}

static void test_cal_load_minimal(void **state)
{
	(void)state;
	char err[256] = "";
	struct calendar *c = calendar_load_text("{\"years\":{}}", err, sizeof err);
	assert_non_null(c);
	int first = -1, last = -1;
	calendar_years(c, &first, &last);
	assert_int_equal(first, 0);
	assert_int_equal(last, 0);
	assert_false(calendar_covers(c, D("2024-02-12")));
	assert_true(calendar_is_workday(c, D("2024-02-12"))); /* no holidays known */
	calendar_free(c);

	c = calendar_load_text(
	    "{\"timezone\":\"Asia/Shanghai\",\"years\":{\"2030\":{\"source\":"
	    "\"test\",\"holidays\":[{\"date\":\"2030-01-01\",\"name\":\"元旦\"}]}}}",
	    err, sizeof err);
	assert_non_null(c);
	assert_false(calendar_is_workday(c, D("2030-01-01"))); /* a Tuesday */
	assert_true(calendar_covers(c, D("2030-06-01")));
	assert_false(calendar_covers(c, D("2029-12-31")));
	calendar_free(c);
}

/* ---- working-day deadlines -------------------------------------------- */

static void test_workdays_spring_festival_2024(void **state)
{
	(void)state;
	/* Day 0 = Thu 02-08. Fri 02-09 #1; 02-10..17 off; Sun 02-18 (make-up) #2;
	 * Mon 19 #3, Tue 20 #4, Wed 21 #5 -> due at 24:00 of 02-21. */
	assert_iso(workdays_due("2024-02-08T10:00", 5), "2024-02-22T00:00:00+08:00");
	assert_iso(calendar_add_workdays(cal, T("2024-02-08T10:00"), 5),
	           "2024-02-22T00:00:00+08:00");
	/* 23:59 and 00:00 of the same day are both day 0 */
	assert_iso(workdays_due("2024-02-08T23:59:59.999", 5), "2024-02-22T00:00:00+08:00");
	assert_iso(workdays_due("2024-02-08T00:00", 5), "2024-02-22T00:00:00+08:00");
	/* ... one millisecond later is Fri 02-09: 18, 19, 20, 21, 22 */
	assert_iso(workdays_due("2024-02-09T00:00", 5), "2024-02-23T00:00:00+08:00");
	/* an instant given in UTC: 2024-02-08T16:30Z is 02-09 00:30 local */
	assert_iso(workdays_due("2024-02-08T16:30:00Z", 1), "2024-02-19T00:00:00+08:00");
	assert_iso(workdays_due("2024-02-08T15:59:00Z", 1), "2024-02-10T00:00:00+08:00");
	/* 1 working day from Fri 02-09: next is the make-up Sunday 02-18 */
	assert_iso(workdays_due("2024-02-09T09:00", 1), "2024-02-19T00:00:00+08:00");
	/* received during the holiday (Mon 02-12): 18 #1, 19 #2 */
	assert_iso(workdays_due("2024-02-12T11:00", 2), "2024-02-20T00:00:00+08:00");
}

static void test_workdays_national_day_2024(void **state)
{
	(void)state;
	/* Day 0 = Fri 09-27. Sat 28 off; Sun 29 make-up #1; Mon 30 #2; 10-01..07 off;
	 * Tue 10-08 #3, Wed 09 #4, Thu 10 #5. */
	assert_iso(workdays_due("2024-09-27T15:00", 5), "2024-10-11T00:00:00+08:00");
	/* ... Fri 11 #6, Sat 12 (make-up) #7, Sun 13 off, Mon 14 #8, 15 #9, Wed 16 #10 */
	assert_iso(workdays_due("2024-09-27T15:00", 10), "2024-10-17T00:00:00+08:00");
	/* from Mon 09-30: 10-08 #1 */
	assert_iso(workdays_due("2024-09-30T17:00", 1), "2024-10-09T00:00:00+08:00");
	/* 2025 National Day + Mid-Autumn (10-01..08, make-up Sat 10-11):
	 * day 0 Tue 09-30; Thu 10-09 #1, Fri 10 #2, Sat 11 #3 */
	assert_iso(workdays_due("2025-09-30T09:00", 3), "2025-10-12T00:00:00+08:00");
}

static void test_workdays_receipt_on_makeup_sunday(void **state)
{
	(void)state;
	/* Sun 2024-02-04 (make-up) is day 0: Mon 5 #1, Tue 6 #2, Wed 7 #3 */
	assert_iso(workdays_due("2024-02-04T10:00", 3), "2024-02-08T00:00:00+08:00");
	/* Sun 2024-09-29 (make-up) is day 0: Mon 30 #1, Tue 10-08 #2 */
	assert_iso(workdays_due("2024-09-29T20:00", 2), "2024-10-09T00:00:00+08:00");
	/* Sun 2024-02-18 (make-up), N=0: end of that Sunday */
	assert_iso(workdays_due("2024-02-18T08:00", 0), "2024-02-19T00:00:00+08:00");
}

static void test_workdays_zero(void **state)
{
	(void)state;
	assert_iso(workdays_due("2024-02-08T10:00", 0), "2024-02-09T00:00:00+08:00");
	assert_iso(workdays_due("2024-02-08T00:00", 0), "2024-02-09T00:00:00+08:00");
	assert_iso(workdays_due("2024-02-08T23:59", 0), "2024-02-09T00:00:00+08:00");
	/* even on a holiday, N=0 is the end of the receipt day */
	assert_iso(workdays_due("2024-02-12T10:00", 0), "2024-02-13T00:00:00+08:00");
}

static void test_workdays_max_n(void **state)
{
	(void)state;
	int64_t from = T("2024-01-01T10:00");
	int64_t due = calendar_add_workdays(cal, from, DEADLINE_MAX_N);
	/* due is 24:00 of a working day, and exactly N working days follow day 0 */
	assert_int_equal(due, time_day_start(time_day_of(due)));
	assert_true(calendar_is_workday(cal, time_day_of(due) - 1));
	assert_int_equal(calendar_workdays_between(cal, from, due - 1), DEADLINE_MAX_N);
	/* day 0 (2024-01-01) is a holiday, so 251 + 248 + 248 = 747 working days
	 * follow it in the covered years; the remaining 253 fall in 2027+ */
	assert_false(calendar_covers(cal, time_day_of(due) - 1));
}

/* ---- working-hour deadlines ------------------------------------------- */

static void test_workhours_basic(void **state)
{
	(void)state;
	/* Tue 2024-03-05 */
	assert_iso(workhours_due("2024-03-05T07:00", 2), "2024-03-05T10:30:00+08:00");
	assert_iso(workhours_due("2024-03-05T07:00", 4), "2024-03-05T14:30:00+08:00");
	assert_iso(workhours_due("2024-03-05T08:30", 7), "2024-03-05T17:30:00+08:00");
	assert_iso(workhours_due("2024-03-05T09:00", 3), "2024-03-05T12:00:00+08:00");
	/* during lunch: counting starts at 14:00 */
	assert_iso(workhours_due("2024-03-05T12:30", 1), "2024-03-05T15:00:00+08:00");
	assert_iso(workhours_due("2024-03-05T12:00", 1), "2024-03-05T15:00:00+08:00");
	/* 11:30: half an hour before lunch, half an hour after */
	assert_iso(workhours_due("2024-03-05T11:30", 1), "2024-03-05T14:30:00+08:00");
	/* 17:29: one minute today, 59 tomorrow */
	assert_iso(workhours_due("2024-03-05T17:29", 1), "2024-03-06T09:29:00+08:00");
	/* after hours */
	assert_iso(workhours_due("2024-03-05T17:30", 1), "2024-03-06T09:30:00+08:00");
	assert_iso(workhours_due("2024-03-05T22:00", 7), "2024-03-06T17:30:00+08:00");
	/* seconds are kept */
	assert_iso(workhours_due("2024-03-05T10:15:30.250", 2), "2024-03-05T14:15:30.250+08:00");
}

static void test_workhours_weekend_and_holiday(void **state)
{
	(void)state;
	/* Fri 2024-03-08 16:00: 1.5 h Friday, 1.5 h from Mon 03-11 08:30 */
	assert_iso(workhours_due("2024-03-08T16:00", 3), "2024-03-11T10:00:00+08:00");
	/* plain Saturday start */
	assert_iso(workhours_due("2024-03-09T10:00", 1), "2024-03-11T09:30:00+08:00");
	/* Wed 2024-04-03 16:30: 1 h Wed; Thu 4..Sat 6 Qingming; Sun 04-07 make-up 7 h */
	assert_iso(workhours_due("2024-04-03T16:30", 8), "2024-04-07T17:30:00+08:00");
	assert_iso(workhours_due("2024-04-03T16:30", 9), "2024-04-08T09:30:00+08:00");
	/* Fri 2024-02-09 09:00: 6.5 h Fri; 02-10..17 off; Sun 02-18 make-up 7 h;
	 * 0.5 h Mon 02-19 */
	assert_iso(workhours_due("2024-02-09T09:00", 14), "2024-02-19T09:00:00+08:00");
	/* Mon 2024-09-30 15:00 across National Day: 2.5 h, then Tue 10-08 */
	assert_iso(workhours_due("2024-09-30T15:00", 3), "2024-10-08T09:00:00+08:00");
}

static void test_workhours_zero_and_max(void **state)
{
	(void)state;
	/* N=0 inside a window is the start itself; outside, the next opening */
	assert_iso(workhours_due("2024-03-05T10:00", 0), "2024-03-05T10:00:00+08:00");
	assert_iso(workhours_due("2024-03-05T07:00", 0), "2024-03-05T08:30:00+08:00");
	assert_iso(workhours_due("2024-03-08T18:00", 0), "2024-03-11T08:30:00+08:00");
	int64_t from = T("2024-01-01T10:00");
	int64_t due = calendar_add_workhours(cal, from, DEADLINE_MAX_N);
	assert_int_equal(calendar_workms_between(cal, from, due), DEADLINE_MAX_N * MS_PER_HOUR);
	/* 1000 h = 142 days * 7 h + 6 h; 2024-01-01 is a holiday so counting starts
	 * Tue 01-02 08:30 -- the due is 6 h into a day, i.e. 16:30 */
	char buf[ISO8601_MAX];
	assert_true(time_format_iso(due, buf, sizeof buf) > 0);
	assert_string_equal(buf + 10, "T16:30:00+08:00");
}

/* ---- clock hours -------------------------------------------------------- */

static void test_clock_hours(void **state)
{
	(void)state;
	struct deadline_spec s = {DEADLINE_HOURS, 24};
	assert_iso(deadline_due(cal, s, T("2024-02-09T20:00")), "2024-02-10T20:00:00+08:00");
	s.n = 72;
	assert_iso(deadline_due(cal, s, T("2024-09-30T12:00")), "2024-10-03T12:00:00+08:00");
	s.n = 0;
	assert_iso(deadline_due(cal, s, T("2024-09-30T12:00:01")), "2024-09-30T12:00:01+08:00");
	s.n = 1000;
	assert_int_equal(deadline_due(cal, s, 0), 1000 * MS_PER_HOUR);
}

/* ---- between / pause ---------------------------------------------------- */

static void test_workdays_between(void **state)
{
	(void)state;
	/* days after 02-08 up to 02-22: 9, 18, 19, 20, 21, 22 */
	assert_int_equal(
	    calendar_workdays_between(cal, T("2024-02-08T10:00"), T("2024-02-22T09:00")), 6);
	assert_int_equal(
	    calendar_workdays_between(cal, T("2024-02-22T09:00"), T("2024-02-08T10:00")), 0);
	assert_int_equal(
	    calendar_workdays_between(cal, T("2024-02-08T01:00"), T("2024-02-08T23:00")), 0);
	assert_int_equal(
	    calendar_workdays_between(cal, T("2024-02-08T23:59"), T("2024-02-09T00:00")), 1);
	/* Sat 09-28 .. Sat 10-12: 29(mk), 30, 10-08, 09, 10, 11, 12(mk) */
	assert_int_equal(
	    calendar_workdays_between(cal, T("2024-09-28T00:00"), T("2024-10-12T00:00")), 7);
	/* a whole holiday is zero */
	assert_int_equal(
	    calendar_workdays_between(cal, T("2024-10-01T09:00"), T("2024-10-07T18:00")), 0);
	/* outside the covered years: Fri 2027-01-01 .. Fri 2027-01-15 -> 10 */
	assert_int_equal(
	    calendar_workdays_between(cal, T("2027-01-01T12:00"), T("2027-01-15T12:00")), 10);
}

/* The range formulas must agree with a day-by-day walk of is_workday, also
 * across the edges of the covered years and far outside them. */
static void test_between_matches_day_walk(void **state)
{
	(void)state;
	int64_t lo = D("2023-11-20"), hi = D("2027-02-10");
	for (int64_t a = lo; a <= hi; a += 17) {
		int walk = 0;
		int64_t b = a;
		for (int span = 0; span < 80; span++, b++) {
			if (span > 0 && calendar_is_workday(cal, b))
				walk++;
			int64_t ta = time_day_start(a) + 10 * MS_PER_HOUR;
			int64_t tb = time_day_start(b) + 11 * MS_PER_HOUR;
			assert_int_equal(calendar_workdays_between(cal, ta, tb), walk);
			/* every counted day contributes 7 h, plus 10:00-11:00 on day b
			 * less 10:00-... on day a: both partial days are workdays or not */
			int64_t want = (int64_t)walk * 7 * MS_PER_HOUR;
			if (calendar_is_workday(cal, a))
				want += 5 * MS_PER_HOUR +
				        30 * MS_PER_MINUTE; /* 10:00-17:30 less lunch */
			if (calendar_is_workday(cal, b))
				want -= 7 * MS_PER_HOUR - MS_PER_HOUR * 5 / 2; /* after 11:00 */
			if (span == 0)
				want = calendar_is_workday(cal, a) ? MS_PER_HOUR : 0;
			assert_int_equal(calendar_workms_between(cal, ta, tb), want);
		}
	}
	/* far from the covered years: 400 Gregorian years hold 20871 weeks */
	assert_int_equal(
	    calendar_workdays_between(cal, T("3000-01-01T00:00"), T("3400-01-01T00:00")),
	    20871 * 5);
}

static void test_workms_between(void **state)
{
	(void)state;
	/* 08:30-12:00 + 14:00-15:00 */
	assert_int_equal(calendar_workms_between(cal, T("2024-03-05T07:00"), T("2024-03-05T15:00")),
	                 16200000);
	assert_int_equal(calendar_workms_between(cal, T("2024-03-05T12:10"), T("2024-03-05T13:50")),
	                 0);
	assert_int_equal(calendar_workms_between(cal, T("2024-03-05T11:59"), T("2024-03-05T14:01")),
	                 2 * MS_PER_MINUTE);
	/* Fri 16:00 -> Mon 10:00: 1.5 h + 1.5 h */
	assert_int_equal(calendar_workms_between(cal, T("2024-03-08T16:00"), T("2024-03-11T10:00")),
	                 3 * MS_PER_HOUR);
	/* Spring Festival: 6.5 h + 7 h (02-18) + 0.5 h */
	assert_int_equal(calendar_workms_between(cal, T("2024-02-09T09:00"), T("2024-02-19T09:00")),
	                 14 * MS_PER_HOUR);
	assert_int_equal(calendar_workms_between(cal, T("2024-02-10T00:00"), T("2024-02-18T00:00")),
	                 0);
	assert_int_equal(calendar_workms_between(cal, T("2024-03-05T15:00"), T("2024-03-05T07:00")),
	                 0);
	/* whole weeks: Mon 2024-03-04 00:00 .. Mon 03-18 00:00 = 10 days * 7 h */
	assert_int_equal(calendar_workms_between(cal, T("2024-03-04T00:00"), T("2024-03-18T00:00")),
	                 70 * MS_PER_HOUR);
}

static void test_pause_workdays(void **state)
{
	(void)state;
	/* due 24:00 of Wed 02-21; paused Thu 02-08 15:00, resumed Mon 02-19 10:00:
	 * working days 9, 18, 19 passed -> 3 more after 02-21: 22, 23, 26 */
	int64_t due = T("2024-02-22T00:00");
	assert_iso(deadline_shift_for_pause(cal, DEADLINE_WORKDAYS, due, T("2024-02-08T15:00"),
	                                    T("2024-02-19T10:00")),
	           "2024-02-27T00:00:00+08:00");
	/* due 24:00 of make-up Sun 09-29; pause Thu 09-26 -> Fri 09-27 (1 day) -> Mon 30 */
	due = T("2024-09-30T00:00");
	assert_iso(deadline_shift_for_pause(cal, DEADLINE_WORKDAYS, due, T("2024-09-26T10:00"),
	                                    T("2024-09-27T10:00")),
	           "2024-10-01T00:00:00+08:00");
	/* pause Thu 09-26 -> Sun 09-29: 27 and 29 -> Mon 30, Tue 10-08 */
	assert_iso(deadline_shift_for_pause(cal, DEADLINE_WORKDAYS, due, T("2024-09-26T10:00"),
	                                    T("2024-09-29T10:00")),
	           "2024-10-09T00:00:00+08:00");
	/* a pause within one day moves nothing */
	assert_int_equal(deadline_shift_for_pause(cal, DEADLINE_WORKDAYS, due,
	                                          T("2024-09-26T09:00"), T("2024-09-26T17:00")),
	                 due);
	/* resumed before paused moves nothing */
	assert_int_equal(deadline_shift_for_pause(cal, DEADLINE_WORKDAYS, due,
	                                          T("2024-09-27T09:00"), T("2024-09-26T17:00")),
	                 due);
}

static void test_pause_workhours(void **state)
{
	(void)state;
	/* due Tue 03-05 15:00; paused 11:00-14:30 = 1 h + 0.5 h -> 16:30 */
	assert_iso(deadline_shift_for_pause(cal, DEADLINE_WORKHOURS, T("2024-03-05T15:00"),
	                                    T("2024-03-05T11:00"), T("2024-03-05T14:30")),
	           "2024-03-05T16:30:00+08:00");
	/* due Fri 03-08 17:00; paused 16:00-17:30 = 1.5 h: 0.5 h Fri, 1 h Mon */
	assert_iso(deadline_shift_for_pause(cal, DEADLINE_WORKHOURS, T("2024-03-08T17:00"),
	                                    T("2024-03-08T16:00"), T("2024-03-08T17:30")),
	           "2024-03-11T09:30:00+08:00");
	/* due Wed 04-03 17:00, paused over Qingming (Wed 17:00 -> Mon 04-08 08:30):
	 * 0.5 h Wed + 7 h make-up Sun 04-07 = 7.5 h -> 0.5 h Wed, 7 h Sun 04-07 */
	assert_iso(deadline_shift_for_pause(cal, DEADLINE_WORKHOURS, T("2024-04-03T17:00"),
	                                    T("2024-04-03T17:00"), T("2024-04-08T08:30")),
	           "2024-04-07T17:30:00+08:00");
	/* paused only over lunch: nothing changes, even for a due at 17:30 */
	assert_iso(deadline_shift_for_pause(cal, DEADLINE_WORKHOURS, T("2024-03-05T17:30"),
	                                    T("2024-03-05T12:00"), T("2024-03-05T14:00")),
	           "2024-03-05T17:30:00+08:00");
}

static void test_pause_hours(void **state)
{
	(void)state;
	assert_iso(deadline_shift_for_pause(cal, DEADLINE_HOURS, T("2024-02-10T20:00"),
	                                    T("2024-02-09T10:00"), T("2024-02-09T13:30")),
	           "2024-02-10T23:30:00+08:00");
	assert_int_equal(deadline_shift_for_pause(cal, DEADLINE_HOURS, 1000, 50, 40), 1000);
}

/* ---- deadline_spec_parse ------------------------------------------------ */

static void test_spec_parse_good(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		enum deadline_unit unit;
		int n;
	} good[] = {
	    {"{\"workdays\":5}", DEADLINE_WORKDAYS, 5},
	    {"{\"workdays\":0}", DEADLINE_WORKDAYS, 0},
	    {"{\"workhours\":4}", DEADLINE_WORKHOURS, 4},
	    {"{\"hours\":1000}", DEADLINE_HOURS, 1000},
	    {"{\"hours\":24}", DEADLINE_HOURS, 24},
	    {"{\"minutes\":15}", DEADLINE_MINUTES, 15},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		json_t *j = json_loads(good[i].json, 0, NULL);
		assert_non_null(j);
		struct deadline_spec s = {0, -1};
		char err[128] = "";
		assert_int_equal(deadline_spec_parse(j, &s, err, sizeof err), 0);
		assert_int_equal(s.unit, good[i].unit);
		assert_int_equal(s.n, good[i].n);
		json_decref(j);
	}
	/* minutes are by the clock, any day, and a pause moves them by the pause */
	struct deadline_spec m = {DEADLINE_MINUTES, 15};
	int64_t sat = 1707576600000; /* 2024-02-10T22:50:00+08:00, a holiday */
	assert_int_equal(deadline_due(NULL, m, sat), sat + 15 * 60000);
	assert_int_equal(
	    deadline_shift_for_pause(NULL, DEADLINE_MINUTES, sat + 900000, sat, sat + 60000),
	    sat + 960000);
}

static void test_spec_parse_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{}",
	    "{\"workdays\":5,\"hours\":2}",
	    "{\"days\":3}",
	    "{\"Workdays\":3}",
	    "{\"workdays\":-1}",
	    "{\"workdays\":1001}",
	    "{\"hours\":99999999999}",
	    "{\"minutes\":15,\"clock\":true}",
	    "{\"minutes\":-5}",
	    "{\"Minutes\":15}",
	    "{\"workdays\":5.0}",
	    "{\"workdays\":\"5\"}",
	    "{\"workdays\":true}",
	    "{\"workdays\":null}",
	    "{\"workdays\":[5]}",
	    "[5]",
	    "\"workdays\"",
	    "5",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		struct deadline_spec s = {DEADLINE_HOURS, 77};
		char err[128] = "";
		if (deadline_spec_parse(j, &s, err, sizeof err) != -1)
			fail_msg("accepted deadline %s", bad[i]);
		assert_true(strlen(err) > 0);
		assert_int_equal(s.n, 77); /* untouched */
		json_decref(j);
	}
	struct deadline_spec s;
	char err[128] = "";
	assert_int_equal(deadline_spec_parse(NULL, &s, err, sizeof err), -1);
	assert_true(strlen(err) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_known_days),
	    cmocka_unit_test(test_time_weekday),
	    cmocka_unit_test(test_time_ymd_round_trip),
	    cmocka_unit_test(test_time_day_of_and_start),
	    cmocka_unit_test(test_time_format),
	    cmocka_unit_test(test_time_parse_accepts),
	    cmocka_unit_test(test_time_parse_rejects),
	    cmocka_unit_test(test_time_parse_date),
	    cmocka_unit_test(test_time_round_trip),
	    cmocka_unit_test(test_time_fake_clock),
	    cmocka_unit_test(test_cal_every_day_2024_2026),
	    cmocka_unit_test(test_cal_every_listed_day_in_file),
	    cmocka_unit_test(test_cal_names_and_years),
	    cmocka_unit_test(test_cal_outside_years),
	    cmocka_unit_test(test_cal_load_errors),
	    cmocka_unit_test(test_cal_load_minimal),
	    cmocka_unit_test(test_workdays_spring_festival_2024),
	    cmocka_unit_test(test_workdays_national_day_2024),
	    cmocka_unit_test(test_workdays_receipt_on_makeup_sunday),
	    cmocka_unit_test(test_workdays_zero),
	    cmocka_unit_test(test_workdays_max_n),
	    cmocka_unit_test(test_workhours_basic),
	    cmocka_unit_test(test_workhours_weekend_and_holiday),
	    cmocka_unit_test(test_workhours_zero_and_max),
	    cmocka_unit_test(test_clock_hours),
	    cmocka_unit_test(test_workdays_between),
	    cmocka_unit_test(test_workms_between),
	    cmocka_unit_test(test_between_matches_day_walk),
	    cmocka_unit_test(test_pause_workdays),
	    cmocka_unit_test(test_pause_workhours),
	    cmocka_unit_test(test_pause_hours),
	    cmocka_unit_test(test_spec_parse_good),
	    cmocka_unit_test(test_spec_parse_bad),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
