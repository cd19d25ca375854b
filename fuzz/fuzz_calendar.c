/*
 * Target calendar: the working-day calendar loader (config/calendar/
 * cn-workdays.json) from text and from a file, which must agree, and then
 * the deadline arithmetic on what loaded, checked against its own
 * definitions (calendar.h):
 *   N working days from t:  exactly N working days lie after t's day up to
 *                           the due instant (calendar_workdays_between);
 *   N working hours from t: exactly N hours of window time lie between t
 *                           and the due instant (calendar_workms_between);
 *   a pause of no time moves no deadline.
 * The instants and counts come from the input's bytes, spread over the
 * years the file covers.
 *
 * Input: the calendar JSON.
 */
#include "harness.h"
#include "core/calendar.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static void check_arithmetic(const struct calendar *cal, const uint8_t *data, size_t size)
{
	int first, last;
	calendar_years(cal, &first, &last);
	if (first == 0)
		first = last = 2024;
	int64_t d0 = time_day_from_ymd(first, 1, 1), d1 = time_day_from_ymd(last, 12, 31);
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < size; i++)
		h = mix(h, data[i]);
	for (int round = 0; round < 8; round++) {
		h = mix(h, (uint64_t)round);
		int64_t day = d0 + (int64_t)(h % (uint64_t)(d1 - d0 + 1));
		int64_t t = time_day_start(day) + (int64_t)((h >> 20) % (uint64_t)MS_PER_DAY);
		int n = (int)((h >> 40) % 60);
		if (round == 7)
			n = DEADLINE_MAX_N;

		calendar_is_workday(cal, day);
		calendar_day_name(cal, day);
		calendar_covers(cal, day);

		int64_t due = calendar_add_workdays(cal, t, n);
		if (due <= t)
			fz_fail("%d working days from %lld fall due at %lld, not later", n,
			        (long long)t, (long long)due);
		int between = calendar_workdays_between(cal, t, due - 1);
		if (between != n)
			fz_fail("%d working days from %lld fall due at %lld, but %d working days "
			        "lie between",
			        n, (long long)t, (long long)due, between);

		int hours = n % 100;
		int64_t hdue = calendar_add_workhours(cal, t, hours);
		int64_t work = calendar_workms_between(cal, t, hdue);
		if (hdue < t || work != hours * MS_PER_HOUR)
			fz_fail(
			    "%d working hours from %lld fall due at %lld, but %lld ms of working "
			    "time lie between",
			    hours, (long long)t, (long long)hdue, (long long)work);

		struct deadline_spec spec = {DEADLINE_WORKDAYS + (int)(h % 3), n};
		int64_t d = deadline_due(cal, spec, t);
		if (deadline_shift_for_pause(cal, spec.unit, d, t, t) != d)
			fz_fail("a pause of no time moved a deadline");
		int64_t later = t + (int64_t)((h >> 8) % (uint64_t)(30 * MS_PER_DAY));
		if (deadline_shift_for_pause(cal, spec.unit, d, t, later) < d)
			fz_fail("a pause moved a deadline earlier");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err_text[512] = "", err_file[512] = "", path[700];
	char *text = fz_strndup(data, size);
	struct calendar *a = calendar_load_text(text, err_text, sizeof err_text);
	snprintf(path, sizeof path, "%s/cal.json", fz_tmpdir());
	struct calendar *b = NULL;
	if (fz_write_file(path, data, size) == 0)
		b = calendar_load_file(path, err_file, sizeof err_file);
	/* jansson reads the file to its end but the text only to its first NUL */
	bool comparable = memchr(data, '\0', size) == NULL;
	if (comparable && !a != !b)
		fz_fail("the loaders disagree: text %s, file %s", a ? "ok" : err_text,
		        b ? "ok" : err_file);
	if ((!a && !err_text[0]) || (!b && !err_file[0]))
		fz_fail("calendar refused without a reason");
	if (a)
		check_arithmetic(a, data, size);
	calendar_free(a);
	calendar_free(b);
	free(text);
	return 0;
}
