/*
 * Timers of cases and assignments (DESIGN.md §2 "Timer"): starting one for
 * a deadline, stopping them, restarting the case's own, and pausing and
 * resuming a case's clock. This file only writes timers; the scheduler
 * (scheduler.c) turns due ones into events. Everything runs in writer jobs.
 */
#include "core/engine_int.h"

#include <stdlib.h>
#include <string.h>

const struct deadline_spec *class_deadline(const struct matter_type *t, const char *cls)
{
	const struct type_class *k = type_class(t, cls);
	if (k && k->has_deadline)
		return &k->deadline;
	return type_deadline(t, "handle");
}

int timer_at(struct wctx *w, const struct matter_type *t, int64_t case_id, int64_t asg_id,
             const char *kind, enum deadline_unit unit, int64_t due, int64_t start)
{
	int64_t warn = due - t->warn_before_ms;
	struct store_stmt *s = store_stmt(w->conn, ST_TIMER_INSERT);
	sbind_int(s, 1, case_id);
	sbind_opt_int(s, 2, asg_id);
	sbind_text(s, 3, kind);
	sbind_int(s, 4, unit);
	sbind_int(s, 5, due);
	sbind_opt_int(s, 6, warn > start ? warn : 0);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

int timer_start(struct wctx *w, const struct matter_type *t, int64_t case_id, int64_t asg_id,
                const char *kind, const struct deadline_spec *spec, int64_t from, int64_t *due_out)
{
	int64_t due = deadline_due(w->app->cal, *spec, from);
	if (due_out)
		*due_out = due;
	return timer_at(w, t, case_id, asg_id, kind, spec->unit, due, from);
}

int timers_stop_case_kind(struct wctx *w, int64_t case_id, const char *kind)
{
	struct store_stmt *s = store_stmt(w->conn, ST_TIMER_STOP_KIND);
	sbind_int(s, 1, case_id);
	sbind_text(s, 2, kind);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

int timer_restart_case(struct wctx *w, const struct matter_type *t, int64_t case_id,
                       const char *kind, enum deadline_unit unit, int64_t due)
{
	if (timers_stop_case_kind(w, case_id, kind) != 0)
		return -1;
	return timer_at(w, t, case_id, 0, kind, unit, due, w->now);
}

int timers_stop_case(struct wctx *w, int64_t case_id)
{
	struct store_stmt *s = store_stmt(w->conn, ST_TIMER_STOP_CASE);
	sbind_int(s, 1, case_id);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

int timers_stop_asg(struct wctx *w, int64_t asg_id, const char *kind)
{
	struct store_stmt *s = store_stmt(w->conn, ST_TIMER_STOP_ASG);
	sbind_int(s, 1, asg_id);
	sbind_text(s, 2, kind);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* pause_clock / resume_clock                                          */

/* One timer of the case as clock_switch reads it. */
struct timer_row {
	int64_t id, unit, due, paused, warn, asg;
	bool case_due, handle, sign;
};

/* Every timer of the case in `status` into a new array (the caller frees
 * *out); as many as there are, no cap. 0, or -1 if the store or memory failed. */
static int timers_read(struct wctx *w, int64_t case_id, const char *status, struct timer_row **out,
                       int *n)
{
	struct store_stmt *s = store_stmt(w->conn, ST_TIMERS_OF_CASE);
	struct timer_row *tm = NULL;
	int cap = 0, rc;
	*n = 0;
	sbind_int(s, 1, case_id);
	sbind_text(s, 2, status);
	while ((rc = sstep(s)) == STORE_ROW) {
		if (*n == cap) {
			struct timer_row *more =
			    realloc(tm, (size_t)(cap ? cap * 2 : 16) * sizeof *tm);
			if (!more)
				break;
			tm = more;
			cap = cap ? cap * 2 : 16;
		}
		const char *kind = scol_text(s, 5);
		tm[*n] = (struct timer_row){
		    .id = scol_int(s, 0),
		    .unit = scol_int(s, 1),
		    .due = scol_int(s, 2),
		    .paused = scol_int(s, 3),
		    .warn = scol_null(s, 4) ? 0 : scol_int(s, 4),
		    .asg = scol_null(s, 6) ? 0 : scol_int(s, 6),
		    .case_due = kind && !strcmp(kind, "case_due"),
		    .handle = kind && !strcmp(kind, "handle"),
		    .sign = kind && !strcmp(kind, "sign"),
		};
		(*n)++;
	}
	sreset(s);
	if (rc != STORE_DONE) {
		free(tm);
		*n = 0;
		return -1;
	}
	*out = tm;
	return 0;
}

/* On resume, the case's and the assignment's due_at follow the timer. */
static int timer_follow(struct act_ctx *x, const struct timer_row *tm, int64_t due)
{
	if (tm->case_due && !tm->asg)
		x->cf->c.due_at = due;
	for (int j = 0; (tm->handle || tm->sign) && j < x->cf->na; j++) {
		struct asg_rec *g = &x->cf->a[j];
		if (g->id != tm->asg || !asg_live(g))
			continue;
		if (tm->handle)
			g->due_at = due;
		else
			g->sign_due_at = due;
		if (asg_write(x, g) != 0)
			return -1;
	}
	return 0;
}

static int timer_set(struct wctx *w, int64_t id, bool pause, int64_t due, int64_t warn)
{
	struct store_stmt *s = store_stmt(w->conn, ST_TIMER_SET);
	sbind_int(s, 1, id);
	sbind_text(s, 2, pause ? "paused" : "running");
	sbind_int(s, 3, due);
	sbind_opt_int(s, 4, warn);
	sbind_opt_int(s, 5, pause ? w->now : 0);
	sbind_int(s, 6, w->now);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

/* Running timers of the case stop counting (e.g. waiting for the citizen's
 * materials); on resume each due instant moves later by the working time
 * that passed, counted in its own unit (calendar.h). The case's due_at
 * follows its case_due timer and each assignment's due_at its own handle
 * timer. */
int clock_switch(struct act_ctx *x, bool pause, bool unit_part)
{
	struct timer_row *tm = NULL;
	int n, rc = -1;
	const struct asg_rec *only = unit_part ? unit_part_of(x) : NULL;
	if (timers_read(x->w, x->cf->c.id, pause ? "running" : "paused", &tm, &n) != 0)
		return store_fail(x->e);
	for (int i = 0; i < n; i++) {
		if (only && tm[i].asg != only->id)
			continue; /* another unit's, or the case's own: they run on */
		int64_t due = tm[i].due, warn = tm[i].warn;
		if (!pause) {
			due =
			    deadline_shift_for_pause(x->w->app->cal, (enum deadline_unit)tm[i].unit,
			                             tm[i].due, tm[i].paused, x->w->now);
			if (warn)
				warn += due - tm[i].due;
			if (timer_follow(x, &tm[i], due) != 0)
				goto out;
		}
		if (timer_set(x->w, tm[i].id, pause, due, warn) != 0) {
			store_fail(x->e);
			goto out;
		}
	}
	rc = 0;
out:
	free(tm);
	return rc;
}
