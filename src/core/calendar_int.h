/*
 * What calendar.c (queries and deadline arithmetic) and calendar_load.c
 * (reading the notice file) share: the loaded calendar's layout. Nothing
 * else includes this.
 */
#ifndef CIVICLOOP_CORE_CALENDAR_INT_H
#define CIVICLOOP_CORE_CALENDAR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cal_day {
	int64_t day;
	bool holiday; /* true: listed holiday (off); false: make-up workday (on) */
	char *name;
};

struct calendar {
	struct cal_day *days; /* sorted by day, unique */
	size_t ndays;
	int *years; /* covered years, sorted, unique */
	size_t nyears;
};

/* qsort / bsearch order of ints */
static inline int cal_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

#endif
