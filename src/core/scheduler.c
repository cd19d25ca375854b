/* Timers into events (scheduler.h). */
#include "core/scheduler.h"
#include "core/app.h"
#include "core/case_overdue.h"
#include "core/engine.h"
#include "core/inspections.h"
#include "core/search.h"
#include "core/types.h"
#include "core/writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/thread.h"
#include "util/timeutil.h"

#define SCHEDULER_BATCH 200
#define SCHEDULER_TICK_MS 1000

struct scheduler {
	struct app *app;
	struct store_conn *reader;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
};

struct fire_batch {
	int64_t ids[SCHEDULER_BATCH];
	int n;
	int64_t now; /* the instant the timers were selected as due at */
	int fired;
};

/* auto_urge.run: the system takes the action on the overdue part (a
 * dispute whose level's deadline passed climbs a level, core/levels.c), in
 * a savepoint of its own. An action the case no longer admits (the top
 * level has none above it) rolls back alone and leaves the overdue event
 * and the notice; 1 when it was taken, 0 when not, -1 when the store
 * failed. */
static int auto_run(struct wctx *w, const struct matter_type *t, int64_t case_id, int64_t asg)
{
	struct chain_head before = *w->head;
	int mark = w->search ? search_queue_mark(w->search) : 0;
	if (store_exec(w->conn, ST_SAVEPOINT) != STORE_OK)
		return -1;
	json_t *body =
	    json_pack("{s:s}", "reason",
	              t->data.urge_label ? t->data.urge_label : "办理期限届满，系统自动处理");
	struct err e = {0};
	int rc = body ? engine_act_auto(w, case_id, asg, t->data.urge_action, body, &e) : -1;
	json_decref(body);
	if (rc != 0) {
		store_exec(w->conn, ST_ROLLBACK_TO);
		*w->head = before;
		if (w->search)
			search_queue_truncate(w->search, mark);
	}
	if (store_exec(w->conn, ST_RELEASE) != STORE_OK)
		return -1;
	if (rc != 0 && e.kind == E_UNAVAILABLE)
		return -1;
	return rc == 0;
}

/* Overdue → automatic 催办 (DESIGN §2): when the type lists the timer kind
 * under "auto_urge", an overdue unit still working gets an event of the
 * type's auto_urge.action by the system and a notice in its inbox; with
 * "run": true the system takes that action instead (auto_run). */
static int auto_urge(struct wctx *w, int64_t asg, const char *kind, const char *due_text)
{
	struct store_stmt *s = store_stmt(w->conn, ST_ASG_CASE_INFO);
	sbind_int(s, 1, asg);
	if (sstep(s) != STORE_ROW) {
		sreset(s);
		return 0;
	}
	int64_t org = scol_int(s, 0), case_id = scol_int(s, 1);
	char no[32], title[801], status[32];
	snprintf(no, sizeof no, "%s", scol_text(s, 2));
	snprintf(title, sizeof title, "%s", scol_text(s, 3));
	const struct matter_type *t = types_find(w->app->types, scol_text(s, 4));
	snprintf(status, sizeof status, "%s", scol_text(s, 5));
	sreset(s);
	if (!t || !type_auto_urges(t, kind))
		return 0;
	enum asg_phase phase = type_asg_phase(t, status);
	if (phase == ASG_DONE || phase == ASG_CANCELLED)
		return 0;
	const char *label = t->data.urge_label;
	if (t->data.urge_runs) {
		int ran = auto_run(w, t, case_id, asg);
		if (ran < 0)
			return -1;
		char text[2048]; /* a title is at most 800 bytes: never cut inside a character */
		/* the label names what the system did: only when it did it */
		snprintf(text, sizeof text, "【%s】工单 %s「%s」已超过期限 %s%s",
		         ran && label ? label : "超期", no, title, due_text,
		         ran ? "，已由系统自动处理" : "");
		return notice_add(w, org, case_id, "overdue", text, 0);
	}
	json_t *p = json_pack("{s:b,s:I,s:s,s:s}", "auto", 1, "assignment", (json_int_t)asg,
	                      "timer", kind, "due_at", due_text);
	char *ptext = json_canonical(p);
	json_decref(p);
	struct event_rec ev = {
	    .case_id = case_id, .at = w->now, .action = t->data.urge_action, .payload = ptext};
	int rc = wctx_event(w, &ev);
	free(ptext);
	char text[2048]; /* a title is at most 800 bytes: never cut inside a character */
	snprintf(text, sizeof text, "【%s】工单 %s「%s」已超过办理期限 %s",
	         label ? label : "超期催办", no, title, due_text);
	return rc != 0 ? -1 : notice_add(w, org, case_id, "overdue", text, 0);
}

static int fire_job(struct wctx *w, struct write_job *job)
{
	struct fire_batch *b = job->arg;
	b->fired = 0;
	for (int i = 0; i < b->n; i++) {
		struct store_stmt *s = store_stmt(w->conn, ST_TIMER_GET);
		sbind_int(s, 1, b->ids[i]);
		if (sstep(s) != STORE_ROW) {
			sreset(s);
			continue;
		}
		int64_t case_id = scol_int(s, 1);
		int64_t asg = scol_null(s, 2) ? 0 : scol_int(s, 2);
		char kind[32];
		snprintf(kind, sizeof kind, "%s", scol_text(s, 3));
		int64_t due = scol_int(s, 5);
		int64_t warn = scol_null(s, 6) ? 0 : scol_int(s, 6);
		bool warned = scol_int(s, 7) != 0;
		bool running = !strcmp(scol_text(s, 8), "running");
		sreset(s);
		if (!running)
			continue; /* stopped or fired since it was read */
		const char *action;
		const char *state = "running";
		if (due <= b->now) {
			action = "timer.overdue";
			state = "fired";
		} else if (!warned && warn && warn <= b->now) {
			action = "timer.warning";
		} else {
			continue;
		}
		s = store_stmt(w->conn, ST_TIMER_MARK);
		sbind_int(s, 1, b->ids[i]);
		sbind_int(s, 2, 1);
		sbind_text(s, 3, state);
		if (sdone(s) != STORE_DONE)
			return -1;
		char at[ISO8601_MAX];
		time_format_iso(due, at, sizeof at);
		json_t *p = json_pack("{s:s,s:s}", "timer", kind, "due_at", at);
		if (asg)
			json_object_set_new(p, "assignment", json_integer(asg));
		char *text = json_canonical(p);
		json_decref(p);
		struct event_rec ev = {
		    .case_id = case_id, .at = w->now, .action = action, .payload = text};
		int rc = wctx_event(w, &ev);
		free(text);
		if (rc != 0)
			return -1;
		if (asg && state[0] == 'f' && auto_urge(w, asg, kind, at) != 0)
			return -1;
		b->fired++;
	}
	return 0;
}

static bool stop_asked(struct scheduler *sch)
{
	if (!sch)
		return false;
	pthread_mutex_lock(&sch->mu);
	bool stop = sch->stopping;
	pthread_mutex_unlock(&sch->mu);
	return stop;
}

/* stop_asked() for case_overdue_sweep */
static bool sweep_stop(void *sch)
{
	return stop_asked(sch);
}

static bool batch_has(const struct fire_batch *b, int64_t id)
{
	for (int i = 0; i < b->n; i++)
		if (b->ids[i] == id)
			return true;
	return false;
}

/* Fires what is due, a batch a writer job, until nothing is or sch (when
 * given) is asked to stop: a backlog of days (a server down, a generated
 * database) must not hold a SIGTERM up. */
static int run_due(struct app *app, struct store_conn *reader, int64_t now, struct scheduler *sch)
{
	struct fire_batch *b = calloc(1, sizeof *b);
	if (!b)
		return -1;
	int total = 0;
	while (!stop_asked(sch)) {
		b->n = 0;
		b->now = now;
		struct store_stmt *s = store_stmt(reader, ST_TIMERS_DUE);
		sbind_int(s, 1, now);
		sbind_int(s, 2, SCHEDULER_BATCH);
		int rows = 0; /* as read: a timer in both arms is one id, not a short batch */
		while (sstep(s) == STORE_ROW && b->n < SCHEDULER_BATCH) {
			int64_t id = scol_int(s, 0);
			rows++;
			if (!batch_has(b, id)) /* due and warned at once: both arms */
				b->ids[b->n++] = id;
		}
		sreset(s);
		if (b->n == 0)
			break;
		if (writer_run(app->writer, fire_job, b) != 0) {
			total = -1;
			break;
		}
		total += b->fired;
		if (rows < SCHEDULER_BATCH || b->fired == 0)
			break;
	}
	free(b);
	return total;
}

int scheduler_run_once(struct app *app, struct store_conn *reader, int64_t now)
{
	int fired = run_due(app, reader, now, NULL);
	if (fired >= 0 && case_overdue_sweep(app, reader, now, NULL, NULL) < 0)
		return -1;
	return fired;
}

static void *scheduler_main(void *arg)
{
	struct scheduler *s = arg;
	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		pthread_mutex_unlock(&s->mu);
		run_due(s->app, s->reader, time_now_ms(), s);
		/* the overdue list's mark (core/case_overdue.h) */
		case_overdue_sweep(s->app, s->reader, time_now_ms(), sweep_stop, s);
		/* the day's due inspections (core/inspections.h); under a test
		 * clock the tests generate them through the route instead */
		if (!s->app->test_clock)
			inspection_generate_daily(s->app, time_now_ms());
		pthread_mutex_lock(&s->mu);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += SCHEDULER_TICK_MS / 1000;
		while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct scheduler *scheduler_start(struct app *app, char *err, size_t errcap)
{
	struct scheduler *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->app = app;
	s->reader = store_open(app->db_path, true, err, errcap);
	if (!s->reader) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, scheduler_main, s) != 0) {
		snprintf(err, errcap, "无法启动定时线程");
		store_close(s->reader);
		free(s);
		return NULL;
	}
	return s;
}

void scheduler_stop(struct scheduler *s)
{
	if (!s)
		return;
	thread_stop(s->thread, &s->mu, &s->cv, &s->stopping);
	store_close(s->reader);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
