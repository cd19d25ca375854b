/*
 * Unit tests of the calendar periods of rolling inspection plans
 * (core/inspections.h inspection_period_of, docs/inspection.md): the
 * period holding a day, its code, its last day and its due instant (24:00
 * of the last day, +08:00), at the edges of months, quarters, years and a
 * leap February; an unknown kind is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/inspections.h"
#include "util/timeutil.h"

static void period(const char *kind, int y, int m, int d, const char *code, const char *due_date,
                   const char *due_iso)
{
	struct inspection_period p;
	assert_int_equal(inspection_period_of(kind, time_day_from_ymd(y, m, d), &p), 0);
	assert_string_equal(p.code, code);
	assert_string_equal(p.due_date, due_date);
	char iso[ISO8601_MAX];
	time_format_iso(p.due_at, iso, sizeof iso);
	assert_string_equal(iso, due_iso);
	assert_true(p.first_day <= time_day_from_ymd(y, m, d));
	assert_true(time_day_from_ymd(y, m, d) <= p.last_day);
}

static void test_months(void **state)
{
	(void)state;
	period("month", 2026, 3, 2, "2026-03", "2026-03-31", "2026-04-01T00:00:00+08:00");
	period("month", 2026, 3, 31, "2026-03", "2026-03-31", "2026-04-01T00:00:00+08:00");
	period("month", 2026, 12, 1, "2026-12", "2026-12-31", "2027-01-01T00:00:00+08:00");
	period("month", 2028, 2, 10, "2028-02", "2028-02-29", "2028-03-01T00:00:00+08:00");
	period("month", 2026, 2, 28, "2026-02", "2026-02-28", "2026-03-01T00:00:00+08:00");
}

static void test_quarters_and_years(void **state)
{
	(void)state;
	period("quarter", 2026, 1, 1, "2026-Q1", "2026-03-31", "2026-04-01T00:00:00+08:00");
	period("quarter", 2026, 6, 30, "2026-Q2", "2026-06-30", "2026-07-01T00:00:00+08:00");
	period("quarter", 2026, 10, 1, "2026-Q4", "2026-12-31", "2027-01-01T00:00:00+08:00");
	period("year", 2026, 7, 15, "2026", "2026-12-31", "2027-01-01T00:00:00+08:00");
	period("year", 2024, 1, 1, "2024", "2024-12-31", "2025-01-01T00:00:00+08:00");
}

static void test_unknown_kind(void **state)
{
	(void)state;
	struct inspection_period p;
	int64_t day = time_day_from_ymd(2026, 3, 2);
	assert_int_equal(inspection_period_of("week", day, &p), -1);
	assert_int_equal(inspection_period_of(NULL, day, &p), -1);
	assert_int_equal(inspection_period_of("", day, &p), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_months),
	    cmocka_unit_test(test_quarters_and_years),
	    cmocka_unit_test(test_unknown_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
