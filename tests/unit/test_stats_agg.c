/*
 * Unit tests of the stats aggregates (core/stats_agg.c) on a real SQLite
 * database: a job that writes and then rolls back leaves them — the daily
 * cells, the monthly rollups, the deadlines — as they were; committed
 * writes keep them equal to the live count (stats_check) and to a rebuild
 * from the base rows, across a month's and a year's end, for periods that
 * start and end mid-month, and when an org moves; each read of the
 * aggregates searches a primary key (the query plans).
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
	    org_add(w, "town.b", "乙乡", "township", "county", NULL, e) < 0 ||
	    org_add(w, "village.a1", "甲一村", "village", "town.a", NULL, e) < 0)
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

/* Every row of the aggregates, as text (ST_STATS_AGG_DUMP). */
static char *agg_dump(struct unit_db *f)
{
	struct store_stmt *s = store_stmt(f->reader, ST_STATS_AGG_DUMP);
	assert_int_equal(sstep(s), STORE_ROW);
	char *text = strdup(scol_text(s, 0));
	sreset(s);
	assert_non_null(text);
	return text;
}

static int64_t at(const char *iso)
{
	int64_t ms;
	assert_int_equal(time_parse_iso(iso, &ms), 0);
	return ms;
}

static void test_rollback_leaves_aggregates(void **state)
{
	struct unit_db *f = *state;
	int64_t id =
	    create(f, "{\"type\":\"hotline\",\"class\":\"投诉\",\"description\":\"路灯不亮\"}");
	assert_true(stats_agg_ready(f->reader));
	char *before = county_month(f), *rows = agg_dump(f);
	assert_non_null(strstr(rows, "|")); /* the case is in them */
	struct failing x = {.id = id};
	assert_int_not_equal(writer_run(f->app.writer, failing_job, &x), 0);
	assert_int_equal(x.acted, 1); /* it did write before rolling back */
	assert_true(stats_agg_ready(f->reader));
	char *after = county_month(f), *rows_after = agg_dump(f);
	assert_string_equal(before, after);
	/* the cells, the months, the deadlines and the case's share alike */
	assert_string_equal(rows, rows_after);
	FILE *null = fopen("/dev/null", "w");
	assert_int_equal(stats_check(f->reader, &f->app, NULL, null), 0);
	/* the same dispatch committed: the aggregates move, and still agree */
	assert_int_equal(run(f, "disp1", "dispatch", id, "{\"org\":\"dept.cg\"}", NULL), 200);
	assert_int_equal(run(f, "cg1", "sign", id, "{}", NULL), 200);
	char *moved = county_month(f), *rows_moved = agg_dump(f);
	assert_string_not_equal(before, moved);
	assert_string_not_equal(rows, rows_moved);
	assert_int_equal(stats_check(f->reader, &f->app, NULL, null), 0);
	fclose(null);
	free(before);
	free(after);
	free(moved);
	free(rows);
	free(rows_after);
	free(rows_moved);
}

static int rebuild_job(struct wctx *w, struct write_job *job)
{
	char err[256];
	return stats_agg_rebuild(w->conn, w->app, err, sizeof err);
}

/* What the writer kept equals what a rebuild from the base rows makes. */
static void assert_kept_is_rebuilt(struct unit_db *f)
{
	char *kept = agg_dump(f);
	assert_int_equal(writer_run(f->app.writer, rebuild_job, NULL), 0);
	char *rebuilt = agg_dump(f);
	assert_string_equal(kept, rebuilt);
	free(kept);
	free(rebuilt);
}

/* The answer from the aggregates equals the live one, for org over
 * [from, to] (dates, to included) and each grouping. */
static void assert_agg_is_live(struct unit_db *f, const char *org, const char *from, const char *to)
{
	struct store_stmt *s = store_stmt(f->reader, ST_ORG_BY_CODE);
	sbind_text(s, 1, org);
	assert_int_equal(sstep(s), STORE_ROW);
	int64_t id = scol_int(s, 0);
	char path[64];
	snprintf(path, sizeof path, "%s", scol_text(s, 5));
	sreset(s);
	int64_t d0, d1;
	assert_int_equal(time_parse_date(from, &d0), 0);
	assert_int_equal(time_parse_date(to, &d1), 0);
	static const enum stats_group groups[] = {STATS_GROUP_NONE, STATS_GROUP_DAY,
	                                          STATS_GROUP_ORG};
	for (int g = 0; g < 3; g++) {
		struct stats_query q = {.type = types_find(f->app.types, "hotline"),
		                        .org_id = id,
		                        .org_path = path,
		                        .from = time_day_start(d0),
		                        .to = time_day_start(d1 + 1),
		                        .from_label = from,
		                        .to_label = to,
		                        .group = groups[g]};
		json_t *agg = NULL, *live = NULL;
		struct err e = {0};
		assert_int_equal(stats_compute(f->reader, &q, &agg, &e), 0);
		assert_int_equal(stats_compute_live(f->reader, &q, &live, &e), 0);
		if (!json_equal(agg, live)) {
			char *a = json_dumps(agg, JSON_COMPACT | JSON_SORT_KEYS);
			char *l = json_dumps(live, JSON_COMPACT | JSON_SORT_KEYS);
			fail_msg("%s %s..%s group %d:\naggregates %s\nlive       %s", org, from, to,
			         g, a, l);
		}
		json_decref(agg);
		json_decref(live);
	}
}

static int64_t create_at(struct unit_db *f, const char *iso, const char *org)
{
	time_set_fake(at(iso));
	char body[256];
	snprintf(body, sizeof body,
	         "{\"type\":\"hotline\",\"class\":\"投诉\",\"org\":\"%s\","
	         "\"description\":\"跨月统计 %s\"}",
	         org, iso);
	return create(f, body);
}

/* An org moved under another (a tool writing orgs.path): every case under
 * it is marked, and the next batch folds them in. */
struct move {
	const char *code, *under;
	struct err e;
};

static int move_job(struct wctx *w, struct write_job *job)
{
	struct move *m = job->arg;
	char parent[64];
	struct store_stmt *s = store_stmt(w->conn, ST_ORG_BY_CODE);
	sbind_text(s, 1, m->under);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		snprintf(parent, sizeof parent, "%s", scol_text(s, 5));
	sreset(s);
	s = store_stmt(w->conn, ST_ORG_BY_CODE);
	sbind_text(s, 1, m->code);
	int64_t id = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (rc != STORE_ROW || !id)
		return -1;
	char path[96];
	snprintf(path, sizeof path, "%s%lld/", parent, (long long)id);
	s = store_stmt(w->conn, ST_ORG_SET_PATH);
	sbind_int(s, 1, id);
	sbind_text(s, 2, path);
	rc = sstep(s);
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* Cases received on both sides of a month's and a year's end, handled in
 * the next months; periods that start and end mid-month read the partial
 * months from the days and the whole ones from the monthly rollups; an
 * org moved under another township; all of it equal to the live count and
 * to a rebuild. */
static void test_months_and_years(void **state)
{
	struct unit_db *f = *state;
	int64_t a = create_at(f, "2025-12-31T22:00:00+08:00", "county");
	int64_t b = create_at(f, "2025-12-31T23:59:00+08:00", "village.a1");
	time_set_fake(at("2026-01-01T09:00:00+08:00"));
	int64_t c = create_at(f, "2026-01-01T09:00:00+08:00", "town.b");
	assert_int_equal(run(f, "disp1", "dispatch", a, "{\"org\":\"dept.cg\"}", NULL), 200);
	assert_int_equal(run(f, "disp1", "dispatch", b, "{\"org\":\"town.a\"}", NULL), 200);
	assert_int_equal(run(f, "disp1", "dispatch", c, "{\"org\":\"dept.cg\"}", NULL), 200);
	assert_int_equal(run(f, "cg1", "sign", a, "{}", NULL), 200);
	int64_t d = create_at(f, "2026-01-15T10:00:00+08:00", "county");
	assert_int_equal(run(f, "disp1", "dispatch", d, "{\"org\":\"town.b\"}", NULL), 200);
	assert_int_equal(run(f, "cg1", "reply", a, "{\"reply\":\"已处理。\"}", NULL), 200);
	assert_int_equal(run(f, "town1", "sign", b, "{}", NULL), 200);
	int64_t g = create_at(f, "2026-02-03T10:00:00+08:00", "village.a1");
	(void)g;
	time_set_fake(at("2026-03-20T10:00:00+08:00")); /* deadlines passed: overdue */
	assert_int_equal(run(f, "sup1", "review", a, "{}", NULL), 200);
	assert_int_equal(
	    run(f, "sup1", "callback", a, "{\"resolved\":true,\"satisfaction\":\"满意\"}", NULL),
	    200);
	/* c: a follow-up sends it back, then a second one closes it: the
	 * second fold adds to the first's counts (only the new events read) */
	assert_int_equal(run(f, "cg1", "sign", c, "{}", NULL), 200);
	assert_int_equal(run(f, "cg1", "reply", c, "{\"reply\":\"已处理。\"}", NULL), 200);
	assert_int_equal(run(f, "sup1", "review", c, "{}", NULL), 200);
	assert_int_equal(
	    run(f, "sup1", "callback", c, "{\"resolved\":false,\"satisfaction\":\"不满意\"}", NULL),
	    200);
	assert_int_equal(run(f, "cg1", "reply", c, "{\"reply\":\"再次处理。\"}", NULL), 200);
	assert_int_equal(run(f, "sup1", "review", c, "{}", NULL), 200);
	assert_int_equal(run(f, "sup1", "callback", c,
	                     "{\"resolved\":true,\"satisfaction\":\"基本满意\"}", NULL),
	                 200);
	assert_true(stats_agg_ready(f->reader));
	FILE *null = fopen("/dev/null", "w");
	assert_int_equal(stats_check(f->reader, &f->app, NULL, null), 0);
	static const char *const orgs[] = {"county", "town.a", "town.b", "dept.cg", "village.a1"};
	for (size_t i = 0; i < sizeof orgs / sizeof orgs[0]; i++) {
		assert_agg_is_live(f, orgs[i], "2025-12-15", "2026-02-10"); /* the year's end */
		assert_agg_is_live(f, orgs[i], "2025-12-31", "2026-01-01"); /* two days */
		assert_agg_is_live(f, orgs[i], "2026-01-01", "2026-01-31"); /* one whole month */
		assert_agg_is_live(f, orgs[i], "2025-11-20", "2026-03-10"); /* months between */
	}
	assert_kept_is_rebuilt(f);
	/* village.a1 moves from town.a to town.b: its cases go with it */
	char *town_a = agg_dump(f);
	struct move m = {.code = "village.a1", .under = "town.b"};
	assert_int_equal(writer_run(f->app.writer, move_job, &m), 0);
	char *town_b = agg_dump(f);
	assert_string_not_equal(town_a, town_b); /* the move did move them */
	free(town_a);
	free(town_b);
	assert_true(stats_agg_ready(f->reader));
	assert_int_equal(stats_check(f->reader, &f->app, NULL, null), 0);
	assert_agg_is_live(f, "town.b", "2025-12-15", "2026-02-10");
	assert_agg_is_live(f, "town.a", "2025-12-15", "2026-02-10");
	assert_kept_is_rebuilt(f);
	fclose(null);
}

/* Each read of the aggregates is a search of the primary key. */
static void test_plans(void **state)
{
	struct unit_db *f = *state;
	static const struct {
		enum stmt_id id;
		const char *want;
	} plans[] = {
	    {ST_STATS_AGG_OVERDUE,
	     "SEARCH stats_due_day USING PRIMARY KEY (scope=? AND type=? AND day<?)"},
	    {ST_STATS_AGG_OVERDUE,
	     "SEARCH stats_due USING PRIMARY KEY (scope=? AND type=? AND due_at>? AND due_at<?)"},
	    {ST_STATS_AGG_UNIT_OVERDUE,
	     "SEARCH stats_part_due_day USING PRIMARY KEY (unit=? AND type=? AND day<?)"},
	    {ST_STATS_AGG_UNIT_OVERDUE, "SEARCH stats_part_due USING PRIMARY KEY (unit=? AND "
	                                "type=? AND due_at>? AND due_at<?)"},
	    {ST_STATS_PART_DUE_DEL, "SEARCH stats_part_due USING PRIMARY KEY (unit=? AND type=? "
	                            "AND due_at=? AND asg_id=? AND region_code=?)"},
	    {ST_STATS_DUE_DEL, "SEARCH stats_due USING PRIMARY KEY (scope=? AND type=? AND "
	                       "due_at=? AND case_id=? AND region_code=?)"},
	    {ST_STATS_FOLD, "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"},
	    {ST_STATS_FOLD, "SEARCH s USING INTEGER PRIMARY KEY (rowid=?)"},
	    {ST_STATS_FOLD, "SEARCH dl USING INDEX links_case (case_id=?)"},
	    {ST_STATS_FOLD, "SEARCH a USING INDEX assignments_case (case_id=?)"},
	    {ST_STATS_FOLD, "SEARCH re USING INDEX events_action (action=? AND case_id=?)"},
	    {ST_STATS_FOLD, "SEARCH e USING INDEX events_case (case_id=? AND seq>?)"},
	    {ST_STATS_DIRTY_NEXT, "SCAN d"},
	    {ST_STATS_DIRTY_DONE, "SEARCH stats_dirty USING INTEGER PRIMARY KEY (rowid<?)"},
	    {ST_STATS_AGG_DAYS,
	     "SEARCH stats_cell USING PRIMARY KEY (scope=? AND type=? AND day>? AND day<?)"},
	    {ST_STATS_AGG_MONTHS,
	     "SEARCH stats_month USING PRIMARY KEY (scope=? AND type=? AND month>? AND month<?)"},
	    {ST_STATS_AGG_UNIT_DAYS,
	     "SEARCH stats_unit_cell USING PRIMARY KEY (scope=? AND type=? AND day>? AND day<?)"},
	    {ST_STATS_AGG_UNIT_MONTHS,
	     "SEARCH stats_unit_month USING PRIMARY KEY (scope=? AND type=? "
	     "AND month>? AND month<?)"},
	};
	for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
		char plan[2048];
		assert_int_equal(store_query_plan(f->reader, plans[i].id, plan, sizeof plan), 0);
		if (!strstr(plan, plans[i].want))
			fail_msg("plan of statement %d:\n%s\nwants: %s", (int)plans[i].id, plan,
			         plans[i].want);
	}
	/* read in key order: no sort, no temporary table */
	static const enum stmt_id sorted[] = {ST_STATS_AGG_DAYS, ST_STATS_DIRTY_NEXT,
	                                      ST_STATS_FOLD};
	for (size_t i = 0; i < sizeof sorted / sizeof sorted[0]; i++) {
		char plan[2048];
		assert_int_equal(store_query_plan(f->reader, sorted[i], plan, sizeof plan), 0);
		if (strstr(plan, "TEMP B-TREE") || strstr(plan, "SCAN stats_"))
			fail_msg("plan of statement %d sorts or scans:\n%s", (int)sorted[i], plan);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rollback_leaves_aggregates, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_months_and_years, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_plans, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
