/*
 * The overdue list's kept set, case_overdue (store/stmt_overdue.h,
 * migration 29): the case_scope rows of the open cases whose deadline lies
 * before a mark T. Triggers keep it as the writer changes cases and
 * case_scope; the scheduler moves T forward here, so GET
 * /api/v1/cases?overdue=1 reads the set's range and only the few cases
 * due in [T, now) from cases_due (docs/lists.md).
 */
#ifndef CIVICLOOP_CORE_CASE_OVERDUE_H
#define CIVICLOOP_CORE_CASE_OVERDUE_H

#include <stdbool.h>
#include <stdint.h>

struct app;
struct store_conn;

/* Moves T to now: the open cases due in [T, now) are added, at most about
 * CASE_OVERDUE_BATCH a writer job (a backlog of days after a stop is many
 * jobs, and stop(stop_arg), when given, is asked between them). Nothing is
 * written when no open case fell due since T. reader is a read connection.
 * Returns the jobs run, or -1 when the store failed. */
int case_overdue_sweep(struct app *app, struct store_conn *reader, int64_t now,
                       bool (*stop)(void *), void *stop_arg);
/* Recomputes the set for the stored T from cases and assignments, in the
 * caller's transaction. 0, or -1 when the store failed. */
int case_overdue_rebuild(struct store_conn *c);

#define CASE_OVERDUE_BATCH 2000

#endif
