/*
 * The official working-day calendar and deadline arithmetic (calendar.h,
 * DESIGN.md §4): lookups and deadlines over a loaded calendar
 * (calendar_load.c reads the notice file). The listed days are one array
 * sorted by day number, so a lookup is a binary search; days not listed
 * follow the weekend rule. Deadlines are computed by
 * walking days (working days) or the 08:30-12:00 / 14:00-17:30 windows of
 * working days (working hours). The loaded struct is never modified, so it can
 * be shared between threads.
 */
#include "core/calendar.h"
#include "core/calendar_int.h"

#include <limits.h>
#include <stdlib.h>

#include "util/timeutil.h"

/* Working-hour windows, as ms offsets from local midnight. */
static const int64_t work_windows[2][2] = {
    {8 * MS_PER_HOUR + 30 * MS_PER_MINUTE, 12 * MS_PER_HOUR},
    {14 * MS_PER_HOUR, 17 * MS_PER_HOUR + 30 * MS_PER_MINUTE},
};
#define N_WINDOWS 2
#define WORKMS_PER_DAY (7 * MS_PER_HOUR)

static size_t lower_bound(const struct calendar *cal, int64_t day)
{
	size_t lo = 0, hi = cal ? cal->ndays : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cal->days[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct cal_day *find_day(const struct calendar *cal, int64_t day)
{
	if (cal == NULL || cal->ndays == 0)
		return NULL;
	size_t lo = lower_bound(cal, day);
	if (lo < cal->ndays && cal->days[lo].day == day)
		return &cal->days[lo];
	return NULL;
}

bool calendar_is_workday(const struct calendar *cal, int64_t day)
{
	const struct cal_day *e = find_day(cal, day);
	if (e != NULL)
		return !e->holiday;
	return time_weekday(day) < 5;
}

const char *calendar_day_name(const struct calendar *cal, int64_t day)
{
	const struct cal_day *e = find_day(cal, day);
	return e ? e->name : NULL;
}

bool calendar_covers(const struct calendar *cal, int64_t day)
{
	if (cal == NULL || cal->nyears == 0)
		return false;
	int y;
	time_ymd_from_day(day, &y, NULL, NULL);
	return bsearch(&y, cal->years, cal->nyears, sizeof *cal->years, cal_cmp_int) != NULL;
}

void calendar_years(const struct calendar *cal, int *first, int *last)
{
	bool any = cal != NULL && cal->nyears > 0;
	if (first)
		*first = any ? cal->years[0] : 0;
	if (last)
		*last = any ? cal->years[cal->nyears - 1] : 0;
}

/* Day of the k-th working day after `day` (k >= 0; k == 0 gives `day`). */
static int64_t nth_workday_after(const struct calendar *cal, int64_t day, int64_t k)
{
	while (k > 0) {
		day++;
		if (calendar_is_workday(cal, day))
			k--;
	}
	return day;
}

int64_t calendar_add_workdays(const struct calendar *cal, int64_t from, int n)
{
	int64_t last = nth_workday_after(cal, time_day_of(from), n > 0 ? n : 0);
	return time_day_start(last + 1);
}

/* The instant `work` ms of window time have been used up, counting from
 * `from` (or from the next window opening if `from` is outside a window). */
static int64_t add_workms(const struct calendar *cal, int64_t from, int64_t work)
{
	if (work < 0)
		work = 0;
	int64_t day = time_day_of(from);
	for (;;) {
		if (calendar_is_workday(cal, day)) {
			int64_t base = time_day_start(day);
			for (int w = 0; w < N_WINDOWS; w++) {
				int64_t ws = base + work_windows[w][0];
				int64_t we = base + work_windows[w][1];
				if (from >= we)
					continue;
				int64_t start = from > ws ? from : ws;
				int64_t avail = we - start;
				if (work <= avail)
					return start + work;
				work -= avail;
			}
		}
		day++;
	}
}

int64_t calendar_add_workhours(const struct calendar *cal, int64_t from, int n)
{
	return add_workms(cal, from, (int64_t)(n > 0 ? n : 0) * MS_PER_HOUR);
}

int64_t deadline_due(const struct calendar *cal, struct deadline_spec spec, int64_t from)
{
	int n = spec.n > 0 ? spec.n : 0;
	switch (spec.unit) {
	case DEADLINE_WORKDAYS:
		return calendar_add_workdays(cal, from, n);
	case DEADLINE_WORKHOURS:
		return calendar_add_workhours(cal, from, n);
	case DEADLINE_HOURS:
		return from + (int64_t)n * MS_PER_HOUR;
	case DEADLINE_MINUTES:
		return from + (int64_t)n * MS_PER_MINUTE;
	}
	return from;
}

/* Monday-to-Friday days in [1970-01-05 (a Monday), d), signed for earlier d. */
static int64_t weekdays_before(int64_t d)
{
	int64_t q = (d - 4) / 7, r = (d - 4) % 7;
	if (r < 0) {
		q--;
		r += 7;
	}
	return 5 * q + (r < 5 ? r : 5);
}

/* Working days in the inclusive day range [d1, d2]: the weekend rule, then the
 * listed days in range (make-up days are always weekends, so each adds one; a
 * holiday removes one only if it falls Monday to Friday). O(log n + listed). */
static int64_t workdays_in(const struct calendar *cal, int64_t d1, int64_t d2)
{
	if (d2 < d1)
		return 0;
	int64_t count = weekdays_before(d2 + 1) - weekdays_before(d1);
	for (size_t i = lower_bound(cal, d1); cal && i < cal->ndays && cal->days[i].day <= d2;
	     i++) {
		bool weekday = time_weekday(cal->days[i].day) < 5;
		if (cal->days[i].holiday && weekday)
			count--;
		else if (!cal->days[i].holiday && !weekday)
			count++;
	}
	return count;
}

int calendar_workdays_between(const struct calendar *cal, int64_t a, int64_t b)
{
	if (b <= a)
		return 0;
	int64_t n = workdays_in(cal, time_day_of(a) + 1, time_day_of(b));
	return n > INT_MAX ? INT_MAX : (int)n;
}

/* Window time of one working day that lies inside [a, b). */
static int64_t day_workms(int64_t day, int64_t a, int64_t b)
{
	int64_t total = 0, base = time_day_start(day);
	for (int w = 0; w < N_WINDOWS; w++) {
		int64_t lo = base + work_windows[w][0];
		int64_t hi = base + work_windows[w][1];
		if (lo < a)
			lo = a;
		if (hi > b)
			hi = b;
		if (hi > lo)
			total += hi - lo;
	}
	return total;
}

int64_t calendar_workms_between(const struct calendar *cal, int64_t a, int64_t b)
{
	if (b <= a)
		return 0;
	int64_t first = time_day_of(a), last = time_day_of(b);
	int64_t total = 0;
	if (calendar_is_workday(cal, first))
		total += day_workms(first, a, b);
	if (last != first && calendar_is_workday(cal, last))
		total += day_workms(last, a, b);
	/* Whole days in between contribute full windows. */
	total += workdays_in(cal, first + 1, last - 1) * WORKMS_PER_DAY;
	return total;
}

int64_t deadline_shift_for_pause(const struct calendar *cal, enum deadline_unit unit, int64_t due,
                                 int64_t paused_at, int64_t resumed_at)
{
	if (resumed_at <= paused_at)
		return due;
	switch (unit) {
	case DEADLINE_WORKDAYS: {
		int k = calendar_workdays_between(cal, paused_at, resumed_at);
		if (k == 0)
			return due;
		/* A due of 24:00 is the start of the next day: the deadline's own
		 * last day is the day of (due - 1 ms). Keep the time of day. */
		int64_t d = time_day_of(due - 1);
		return due + (nth_workday_after(cal, d, k) - d) * MS_PER_DAY;
	}
	case DEADLINE_WORKHOURS: {
		int64_t work = calendar_workms_between(cal, paused_at, resumed_at);
		if (work == 0)
			return due;
		return add_workms(cal, due, work);
	}
	case DEADLINE_HOURS:
	case DEADLINE_MINUTES:
		return due + (resumed_at - paused_at);
	}
	return due;
}
