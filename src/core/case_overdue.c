/* The overdue list's kept set: the scheduler's sweep and the rebuild
 * (case_overdue.h). */
#include "core/case_overdue.h"
#include "core/app.h"
#include "core/writer.h"

#include "store/store.h"

/* One writer job: the cases due in [T, end) added, T moved to end. */
static int sweep_job(struct wctx *w, struct write_job *job)
{
	const int64_t *end = job->arg;
	struct store_stmt *s = store_stmt(w->conn, ST_OVERDUE_SWEEP);
	sbind_int(s, 1, *end);
	if (sdone(s) != STORE_DONE)
		return -1;
	s = store_stmt(w->conn, ST_OVERDUE_MARK_SET);
	sbind_int(s, 1, *end);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

/* The deadline of the open case number `offset` (from 0) due in [T, now),
 * into *due; 0 when found, 1 when there is none, -1 when the store failed. */
static int due_at_offset(struct store_conn *reader, int64_t now, int offset, int64_t *due)
{
	struct store_stmt *s = store_stmt(reader, ST_OVERDUE_BATCH_END);
	sbind_int(s, 1, now);
	sbind_int(s, 2, offset);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		*due = scol_int(s, 0);
	sreset(s);
	return rc == STORE_ROW ? 0 : rc == STORE_DONE ? 1 : -1;
}

int case_overdue_sweep(struct app *app, struct store_conn *reader, int64_t now,
                       bool (*stop)(void *), void *stop_arg)
{
	int jobs = 0;
	while (!stop || !stop(stop_arg)) {
		struct store_stmt *s = store_stmt(reader, ST_OVERDUE_MARK);
		int rc = sstep(s);
		int64_t t = rc == STORE_ROW ? scol_int(s, 0) : 0;
		sreset(s);
		if (rc != STORE_ROW)
			return -1;
		int64_t first, end = now;
		if (t >= now || (rc = due_at_offset(reader, now, 0, &first)) == 1)
			break; /* nothing fell due since T: T may wait */
		if (rc < 0 || (rc = due_at_offset(reader, now, CASE_OVERDUE_BATCH, &end)) < 0)
			return -1;
		if (rc == 1) /* the last batch */
			end = now;
		if (end <= t) /* more than a batch due at T itself: take them all */
			end = t + 1;
		if (writer_run(app->writer, sweep_job, &end) != 0)
			return -1;
		jobs++;
		if (end >= now)
			break;
	}
	return jobs;
}

int case_overdue_rebuild(struct store_conn *c)
{
	if (store_exec(c, ST_OVERDUE_CLEAR) != STORE_OK)
		return -1;
	return store_exec(c, ST_OVERDUE_FILL) != STORE_OK ? -1 : 0;
}
