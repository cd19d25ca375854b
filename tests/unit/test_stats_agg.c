/*
 * Unit tests of the stats aggregates (core/stats_agg.c) on a real SQLite
 * database: a job that writes and then rolls back leaves them as they
 * were; committed writes keep them equal to the live count (stats_check);
 * each read of the aggregates searches the primary key by scope, type and
 * day range (the query plan).
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

#include "core/app.h"
#include "core/auth.h"
#include "core/directory.h"
#include "core/engine.h"
#include "core/stats.h"
#include "core/writer.h"
#include "util/timeutil.h"

#include "unit_db.h"

struct call {
	const char *login;
	const char *action; /* NULL = create */
	int64_t id;
	json_t *body;
	json_t *out;
	struct err e;
};

static int setup_job(struct wctx *w, struct write_job *job)
{
	struct err *e = job->arg;
	static const struct role_spec disp = {"dispatcher", "county"};
	static const struct role_spec op = {"operator", "county"};
	static const struct role_spec h = {"handler", NULL};
	static const struct role_spec sup = {"supervisor", "county"};
	if (org_add(w, "county", "测试县", "county", NULL, NULL, e) < 0 ||
	    org_add(w, "county.12345", "热线中心", "centre", "county", NULL, e) < 0 ||
	    org_add(w, "dept.cg", "城管局", "department", "county", NULL, e) < 0 ||
	    org_add(w, "town.a", "甲镇", "township", "county", NULL, e) < 0 ||
	    org_add(w, "town.b", "乙乡", "township", "county", NULL, e) < 0)
		return -1;
	const char *hash = "$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
	                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	if (user_add(w, "disp1", "派单员", "county.12345", hash, NULL, &disp, 1, e) < 0 ||
	    user_add(w, "op1", "话务员", "county.12345", hash, NULL, &op, 1, e) < 0 ||
	    user_add(w, "sup1", "督办员", "county.12345", hash, NULL, &sup, 1, e) < 0 ||
	    user_add(w, "cg1", "城管", "dept.cg", hash, NULL, &h, 1, e) < 0 ||
	    user_add(w, "town1", "甲镇", "town.a", hash, NULL, &h, 1, e) < 0 ||
	    user_add(w, "town2", "乙乡", "town.b", hash, NULL, &h, 1, e) < 0)
		return -1;
	return 0;
}

static int fx_setup(void **state)
{
	struct err e = {0};
	*state = unit_db_open("cl-unit", setup_job, &e);
	return 0;
}

static int fx_teardown(void **state)
{
	time_set_fake(0);
	unit_db_close(*state);
	return 0;
}

static int call_job(struct wctx *w, struct write_job *job)
{
	struct call *c = job->arg;
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, c->login);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	struct actor a;
	if (actor_load(w->conn, uid, &a) != 0)
		return err_set(&c->e, E_UNAUTHENTICATED, NULL, NULL);
	return c->action ? engine_act(w, &a, c->id, c->action, c->body, &c->out, &c->e)
	                 : engine_create(w, &a, c->body, &c->out, &c->e);
}

/* Runs one engine call; returns the HTTP-like status (200/201 or the error's). */
static int run(struct unit_db *f, const char *login, const char *action, int64_t id,
               const char *body, json_t **out)
{
	struct call c = {.login = login, .action = action, .id = id};
	c.body = json_loads(body, 0, NULL);
	assert_non_null(c.body);
	int rc = writer_run(f->app.writer, call_job, &c);
	json_decref(c.body);
	if (out)
		*out = c.out;
	else
		json_decref(c.out);
	if (rc != 0)
		return err_status(c.e.kind);
	return action ? 200 : 201;
}

static int64_t create(struct unit_db *f, const char *body)
{
	json_t *out;
	assert_int_equal(run(f, "op1", NULL, 0, body, &out), 201);
	int64_t id = json_integer_value(json_object_get(json_object_get(out, "case"), "id"));
	json_decref(out);
	assert_true(id > 0);
	return id;
}

/* Runs a dispatch of case id and then fails the job: its writes roll back. */
struct failing {
	int64_t id;
	int acted;
	struct err e;
};

static int failing_job(struct wctx *w, struct write_job *job)
{
	struct failing *x = job->arg;
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, "disp1");
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	struct actor a;
	json_t *body = json_pack("{s:s}", "org", "dept.cg"), *out = NULL;
	if (actor_load(w->conn, uid, &a) == 0 &&
	    engine_act(w, &a, x->id, "dispatch", body, &out, &x->e) == 0)
		x->acted = 1;
	json_decref(body);
	json_decref(out);
	return -1; /* roll back what the dispatch wrote */
}

/* The answer for the county over the current month, as JSON text. */
static char *county_month(struct unit_db *f)
{
	struct store_stmt *s = store_stmt(f->reader, ST_ORG_BY_CODE);
	sbind_text(s, 1, "county");
	assert_int_equal(sstep(s), STORE_ROW);
	int64_t id = scol_int(s, 0);
	sreset(s);
	int y, m, d;
	time_ymd_from_day(time_day_of(time_now_ms()), &y, &m, &d);
	int64_t first = time_day_from_ymd(y, m, 1);
	int64_t next = time_day_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
	struct stats_query q = {.type = types_find(f->app.types, "hotline"),
	                        .org_id = id,
	                        .org_path = "/1/",
	                        .from = time_day_start(first),
	                        .to = time_day_start(next),
	                        .from_label = "a",
	                        .to_label = "b",
	                        .group = STATS_GROUP_ORG};
	json_t *o = NULL;
	struct err e = {0};
	assert_int_equal(stats_compute(f->reader, &q, &o, &e), 0);
	json_object_del(o, "counts"); /* holds overdue, of now */
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

static void test_rollback_leaves_aggregates(void **state)
{
	struct unit_db *f = *state;
	int64_t id =
	    create(f, "{\"type\":\"hotline\",\"class\":\"投诉\",\"description\":\"路灯不亮\"}");
	assert_true(stats_agg_ready(f->reader));
	char *before = county_month(f);
	struct failing x = {.id = id};
	assert_int_not_equal(writer_run(f->app.writer, failing_job, &x), 0);
	assert_int_equal(x.acted, 1); /* it did write before rolling back */
	assert_true(stats_agg_ready(f->reader));
	char *after = county_month(f);
	assert_string_equal(before, after);
	FILE *null = fopen("/dev/null", "w");
	assert_int_equal(stats_check(f->reader, &f->app, NULL, null), 0);
	/* the same dispatch committed: the aggregates move, and still agree */
	assert_int_equal(run(f, "disp1", "dispatch", id, "{\"org\":\"dept.cg\"}", NULL), 200);
	assert_int_equal(run(f, "cg1", "sign", id, "{}", NULL), 200);
	char *moved = county_month(f);
	assert_string_not_equal(before, moved);
	assert_int_equal(stats_check(f->reader, &f->app, NULL, null), 0);
	fclose(null);
	free(before);
	free(after);
	free(moved);
}

/* Each read of the aggregates is a search of the primary key. */
static void test_plans(void **state)
{
	struct unit_db *f = *state;
	static const struct {
		enum stmt_id id;
		const char *want;
	} plans[] = {
	    {ST_STATS_AGG_ALL,
	     "SEARCH stats_cell USING PRIMARY KEY (scope=? AND type=? AND day>? AND day<?)"},
	    {ST_STATS_AGG_DAY,
	     "SEARCH stats_cell USING PRIMARY KEY (scope=? AND type=? AND day>? AND day<?)"},
	    {ST_STATS_AGG_UNIT,
	     "SEARCH stats_unit_cell USING PRIMARY KEY (scope=? AND type=? AND day>? AND day<?)"},
	    {ST_STATS_CONTRIB_GET, "SEARCH stats_case USING INTEGER PRIMARY KEY (rowid=?)"},
	};
	for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
		char plan[2048];
		assert_int_equal(store_query_plan(f->reader, plans[i].id, plan, sizeof plan), 0);
		if (!strstr(plan, plans[i].want))
			fail_msg("plan of statement %d:\n%s\nwants: %s", (int)plans[i].id, plan,
			         plans[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rollback_leaves_aggregates, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_plans, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
