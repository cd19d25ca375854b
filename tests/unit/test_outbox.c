/*
 * Unit tests of the outbox (core/outbox.h): the workers' queries walk their
 * index in order (no scan of the delivered history, no sort), the backoff
 * doubles up to its cap, the records of reading never leave, a
 * subscription's URL is checked, and a message put in a job that rolls back
 * does not exist, while one that commits is sent by outbox_deliver_due
 * through its channel: retried with its attempts counted, dead after the
 * last attempt or at once when the sender says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/outbox.h"
#include "store/store.h"
#include "unit_db.h"

static int setup_nothing(struct wctx *w, struct write_job *job)
{
	return 0;
}

/* The plan of statement id has the step `want` and no sort. */
static void plan_has(struct store_conn *c, enum stmt_id id, const char *name, const char *want)
{
	char plan[4096];
	assert_int_equal(store_query_plan(c, id, plan, sizeof plan), 0);
	if (!strstr(plan, want))
		fail_msg("%s: no step \"%s\" in its plan:\n%s", name, want, plan);
	if (strstr(plan, "TEMP B-TREE"))
		fail_msg("%s sorts instead of walking its index:\n%s", name, plan);
}

static void queries_walk_their_index(void **state)
{
	struct err e = {0};
	struct unit_db *f = unit_db_open("cl-outbox", setup_nothing, &e);
	plan_has(f->reader, ST_OUTBOX_DUE, "ST_OUTBOX_DUE",
	         "SEARCH outbox USING INDEX outbox_due (state=? AND next_at<?)");
	plan_has(f->reader, ST_OUTBOX_NEXT_DUE, "ST_OUTBOX_NEXT_DUE",
	         "SEARCH outbox USING COVERING INDEX outbox_due (state=?)");
	plan_has(f->reader, ST_OUTBOX_LIST_STATE, "ST_OUTBOX_LIST_STATE",
	         "SEARCH o USING INDEX outbox_state (state=?)");
	plan_has(f->reader, ST_OUTBOX_SUMMARY, "ST_OUTBOX_SUMMARY",
	         "SCAN o USING INDEX outbox_channel");
	plan_has(f->reader, ST_OUTBOX_PRUNE, "ST_OUTBOX_PRUNE",
	         "SEARCH outbox USING INDEX outbox_state (state=? AND id<?)");
	plan_has(f->reader, ST_OUTBOX_RESULT, "ST_OUTBOX_RESULT",
	         "SEARCH outbox USING INTEGER PRIMARY KEY (rowid=?)");
	unit_db_close(f);
}

static void backoff_doubles_to_its_cap(void **state)
{
	struct outbox_options o = {.workers = 1,
	                           .max_attempts = 8,
	                           .backoff_ms = 30000,
	                           .backoff_cap_ms = 6 * 3600 * 1000};
	assert_int_equal(outbox_backoff(&o, 1), 30000);
	assert_int_equal(outbox_backoff(&o, 2), 60000);
	assert_int_equal(outbox_backoff(&o, 3), 120000);
	assert_int_equal(outbox_backoff(&o, 8), 30000LL << 7);
	assert_int_equal(outbox_backoff(&o, 100), 6 * 3600 * 1000);
	o.backoff_cap_ms = 45000;
	assert_int_equal(outbox_backoff(&o, 2), 45000);
}

static void reading_stays_inside(void **state)
{
	const char *const private[] = {"case.read", "case.list", "case.export", "pii.view",
	                               "enterprise.read"};
	for (size_t i = 0; i < sizeof private / sizeof *private; i++)
		assert_true(outbox_kind_private(private[i]));
	const char *const public[] = {"create", "dispatch", "timer.overdue", "attachment.add",
	                              "reviewer"};
	for (size_t i = 0; i < sizeof public / sizeof *public; i++)
		assert_false(outbox_kind_private(public[i]));
}

static void urls_checked(void **state)
{
	struct err e;
	const char *const good[] = {"http://127.0.0.1:8080/hook", "https://hooks.example.cn/a?b=c",
	                            "HTTP://[::1]:9000/x", "https://example.com"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		if (webhook_url_check(good[i], &e) != 0)
			fail_msg("%s refused: %s", good[i], err_message(&e));
	const char *const bad[] = {"",
	                           "ftp://x/y",
	                           "http:///x",
	                           "http://",
	                           "http://u:p@x/",
	                           "http://u@x/",
	                           "http://x/ y",
	                           "http://x/\x7f",
	                           "http://x/#f",
	                           "file:///etc/passwd",
	                           "http://x/\xe4\xb8\xad",
	                           "//x/y"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&e, 0, sizeof e);
		if (webhook_url_check(bad[i], &e) == 0)
			fail_msg("%s accepted", bad[i]);
		assert_string_equal(e.field, "url");
	}
}

/* A test channel: answers from `script` in turn (0, -1, -2). */
static int script[8], nscript, sent;
static int64_t last_id;

static int test_send(struct app *app, const struct outbox_msg *m, char *err, size_t errcap)
{
	last_id = m->id;
	assert_string_equal(m->channel, "test");
	assert_string_equal(m->payload, "{\"n\":1}");
	assert_int_equal(m->attempts, sent < nscript ? sent : m->attempts);
	int rc = sent < nscript ? script[sent] : 0;
	sent++;
	snprintf(err, errcap, "第 %d 次失败", sent);
	return rc;
}

struct put_arg {
	bool fail; /* roll the job back after the put */
};

static int put_job(struct wctx *w, struct write_job *job)
{
	struct put_arg *a = job->arg;
	if (outbox_put(w, "test", "test.kind", 0, "ref:1", "{\"n\":1}") != 0)
		return -1;
	return a->fail ? -1 : 0;
}

static const char *row_state(struct unit_db *f, int64_t id, int *attempts)
{
	static char st[16];
	struct store_stmt *s = store_stmt(f->reader, ST_OUTBOX_GET);
	sbind_int(s, 1, id);
	st[0] = '\0';
	if (sstep(s) == STORE_ROW) {
		snprintf(st, sizeof st, "%s", scol_text(s, 5));
		*attempts = (int)scol_int(s, 6);
	}
	sreset(s);
	return st;
}

static void deliver_until_settled(struct unit_db *f, const struct outbox_options *o)
{
	for (int i = 0; i < 100; i++) {
		outbox_deliver_due(&f->app, f->reader, o);
		int attempts;
		if (strcmp(row_state(f, last_id, &attempts), "pending"))
			return;
		usleep(5000);
	}
}

static void put_commits_with_its_job(void **state)
{
	struct err e = {0};
	struct unit_db *f = unit_db_open("cl-outbox", setup_nothing, &e);
	outbox_channel_register("test", test_send);
	struct outbox_options o = {
	    .workers = 0, .max_attempts = 3, .backoff_ms = 10, .backoff_cap_ms = 40};
	/* rolled back: nothing to send */
	struct put_arg rolled = {.fail = true};
	assert_int_not_equal(writer_run(f->app.writer, put_job, &rolled), 0);
	sent = 0;
	assert_int_equal(outbox_deliver_due(&f->app, f->reader, &o), 0);
	assert_int_equal(sent, 0);
	/* committed: retried twice, then delivered on the third attempt */
	struct put_arg ok = {.fail = false};
	assert_int_equal(writer_run(f->app.writer, put_job, &ok), 0);
	script[0] = -1, script[1] = -1, script[2] = 0, nscript = 3, sent = 0;
	deliver_until_settled(f, &o);
	int attempts = 0;
	assert_string_equal(row_state(f, last_id, &attempts), "delivered");
	assert_int_equal(attempts, 3);
	assert_int_equal(sent, 3);
	/* always failing: dead after max_attempts */
	assert_int_equal(writer_run(f->app.writer, put_job, &ok), 0);
	script[0] = script[1] = script[2] = -1, nscript = 3, sent = 0;
	deliver_until_settled(f, &o);
	assert_string_equal(row_state(f, last_id, &attempts), "dead");
	assert_int_equal(attempts, 3);
	/* failed for good: dead at once */
	assert_int_equal(writer_run(f->app.writer, put_job, &ok), 0);
	script[0] = -2, nscript = 1, sent = 0;
	deliver_until_settled(f, &o);
	assert_string_equal(row_state(f, last_id, &attempts), "dead");
	assert_int_equal(attempts, 1);
	assert_int_equal(sent, 1);
	unit_db_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(queries_walk_their_index),
	    cmocka_unit_test(backoff_doubles_to_its_cap),
	    cmocka_unit_test(reading_stays_inside),
	    cmocka_unit_test(urls_checked),
	    cmocka_unit_test(put_commits_with_its_job),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
