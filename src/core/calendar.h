/*
 * The official working-day calendar and the deadline arithmetic on it
 * (DESIGN.md §4). The calendar is data (config/calendar/cn-workdays.json, same
 * format as the shared facts file): weekends are off, listed holidays are
 * off, listed make-up days (调休上班) are on. Days outside the years the file
 * covers follow the plain weekend rule; calendar_covers() tells a caller
 * whether a day is backed by an official notice.
 *
 * Deadline rules:
 *  - N working days: ends at 24:00 (i.e. the start of the next day) of the
 *    Nth working day counted from the day after the start instant's day; the
 *    start day is day 0 whatever the hour. N == 0 means the end of the start
 *    day itself.
 *  - N working hours: counted only inside 08:30-12:00 and 14:00-17:30 on
 *    working days (7 working hours a day). A start outside those windows
 *    counts from the next window opening. The result is the exact instant the
 *    Nth hour is used up (so it may be 12:00 or 17:30 exactly).
 *  - N clock hours: plain elapsed time.
 * A paused clock does not run: on resume the due instant moves later by the
 * working time (in the deadline's own unit) that passed while paused, see
 * deadline_shift_for_pause().
 *
 * The struct is immutable after loading and safe to share between threads.
 */
#ifndef CIVICLOOP_CORE_CALENDAR_H
#define CIVICLOOP_CORE_CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct calendar;

/* Loads a calendar from a JSON file / text. On failure returns NULL and writes
 * a human-readable reason into err (cap errcap). Caller owns the result and
 * releases it with calendar_free(). */
struct calendar *calendar_load_file(const char *path, char *err, size_t errcap);
struct calendar *calendar_load_text(const char *json, char *err, size_t errcap);
void calendar_free(struct calendar *cal);

/* day = Asia/Shanghai day number (see util/timeutil.h) */
bool calendar_is_workday(const struct calendar *cal, int64_t day);
/* Name of the holiday or make-up day ("春节"), or NULL for ordinary days.
 * The string is owned by the calendar. */
const char *calendar_day_name(const struct calendar *cal, int64_t day);
/* True if the day's year is covered by an official notice in the file. */
bool calendar_covers(const struct calendar *cal, int64_t day);
/* First and last covered years (0 if none). */
void calendar_years(const struct calendar *cal, int *first, int *last);

enum deadline_unit {
	DEADLINE_WORKDAYS = 1,  /* n working days */
	DEADLINE_WORKHOURS = 2, /* n working hours */
	DEADLINE_HOURS = 3,     /* n clock hours */
	DEADLINE_MINUTES = 4,   /* n clock minutes (any day: a sign-for within 15 minutes) */
};

struct deadline_spec {
	enum deadline_unit unit;
	int n; /* >= 0; bounded by DEADLINE_MAX_N */
};
#define DEADLINE_MAX_N 1000

/* The instant (UTC ms) a deadline started at `from` (UTC ms) falls due. */
int64_t calendar_add_workdays(const struct calendar *cal, int64_t from, int n);
int64_t calendar_add_workhours(const struct calendar *cal, int64_t from, int n);
int64_t deadline_due(const struct calendar *cal, struct deadline_spec spec, int64_t from);

/* Working days d with day(a) < d <= day(b) (0 if b <= a). */
int calendar_workdays_between(const struct calendar *cal, int64_t a, int64_t b);
/* Working milliseconds inside the 08:30-12:00 / 14:00-17:30 windows of working
 * days between instants a and b (0 if b <= a). */
int64_t calendar_workms_between(const struct calendar *cal, int64_t a, int64_t b);

/* New due instant for a clock of `unit` that was paused from paused_at to
 * resumed_at: workdays -> due + calendar_workdays_between(paused, resumed)
 * working days (moved with calendar_add_workdays semantics from the old due's
 * day); workhours -> the old due pushed by the working time elapsed while
 * paused, counted in working hours; hours -> due + (resumed - paused). */
int64_t deadline_shift_for_pause(const struct calendar *cal, enum deadline_unit unit, int64_t due,
                                 int64_t paused_at, int64_t resumed_at);

/* Parses {"workdays":N} | {"workhours":N} | {"hours":N} from a jansson object.
 * Returns 0 or -1 (and a reason in err). Declared with void* to keep jansson
 * out of this header: pass a json_t*. */
int deadline_spec_parse(const void *json, struct deadline_spec *out, char *err, size_t errcap);

#endif
