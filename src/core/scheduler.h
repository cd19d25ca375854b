/*
 * The scheduler thread turns due timers into events: a warning some hours
 * before a deadline, and an overdue event when it passes. Each timer's state
 * changes in the same transaction as its event, so across restarts no timer
 * fires twice and none is lost (a timer that fell due while the server was
 * down fires at the next start).
 */
#ifndef CIVICLOOP_CORE_SCHEDULER_H
#define CIVICLOOP_CORE_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

struct store_conn;

struct app;
struct scheduler;

struct scheduler *scheduler_start(struct app *app, char *err, size_t errcap);
void scheduler_stop(struct scheduler *s);
/* One pass: fires every timer due at `now`; returns how many fired or warned,
 * -1 on error. Used by the thread and by tests. */
int scheduler_run_once(struct app *app, struct store_conn *reader, int64_t now);

#endif
