/*
 * Routing (core/routing.h) and the catalogue's check (core/catalogue.h) on
 * a small county: the check names the field of a fault; a keyword ranks its
 * unit, a longer/rarer keyword outweighs a generic one, a negative word and
 * a class rule an entry out; "@township" resolves to the case's township
 * (by its owning org, by its point, by its address); the naive Bayes model
 * learns a label and forgets it when it is taken out; the model's rows and
 * the orgs are kept in memory exactly; a village is never proposed above
 * the department.
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
#include "core/catalogue.h"
#include "core/directory.h"
#include "core/routing.h"
#include "core/routing_cache.h"
#include "core/writer.h"
#include "store/statements.h"

#include "unit_db.h"

static const char *const catalogue_json =
    "{\"entries\":["
    "{\"org\":\"dept.cg\",\"category\":\"占道经营\",\"keywords\":[\"占道经营\",\"摆摊\"],"
    "\"negative\":[\"圩日\"]},"
    "{\"org\":\"dept.sc\",\"category\":\"消费\",\"keywords\":[\"坏了\",\"退货\"],"
    "\"classes\":[\"投诉\"]},"
    "{\"org\":\"ent.power\",\"category\":\"停电\",\"keywords\":[\"停电\",\"电表\"]},"
    "{\"org\":\"@township\",\"category\":\"村道\",\"keywords\":[\"村道\"]}]}";

static int setup_job(struct wctx *w, struct write_job *job)
{
	struct err *e = job->arg;
	json_t *doc = json_loads(catalogue_json, 0, NULL), *clean = NULL;
	int64_t v;
	json_t *box = json_pack("{s:s,s:[[[f,f],[f,f],[f,f],[f,f]]]}", "type", "Polygon",
	                        "coordinates", 114.0, 25.0, 115.0, 25.0, 115.0, 26.0, 114.0, 25.0);
	int rc =
	    org_add(w, "county", "测试县", "county", NULL, NULL, e) < 0 ||
	            org_add(w, "dept.cg", "城管局", "department", "county", NULL, e) < 0 ||
	            org_add(w, "dept.sc", "市场监管局", "department", "county", NULL, e) < 0 ||
	            org_add(w, "ent.power", "供电公司", "enterprise", "county", NULL, e) < 0 ||
	            org_add(w, "town.a", "甲镇", "township", "county", NULL, e) < 0 ||
	            org_add(w, "village.a1", "黄岭村村民委员会", "village", "town.a", NULL, e) <
	                0 ||
	            org_add(w, "town.b", "乙乡", "township", "county", NULL, e) < 0 ||
	            org_set_boundary(w, 7, box, e) != 0 ||
	            catalogue_check(w->conn, json_object_get(doc, "entries"), &clean, e) != 0 ||
	            catalogue_save(w, 0, 0, clean, "测试", 0, "cli", &v, e) != 0
	        ? -1
	        : 0;
	json_decref(box);
	json_decref(doc);
	json_decref(clean);
	return rc;
}

static int fx_setup(void **state)
{
	struct err e;
	*state = unit_db_open("cl-route", setup_job, &e);
	return 0;
}

static int fx_teardown(void **state)
{
	unit_db_close(*state);
	return 0;
}

/* A ranking job: the case, and what came out. */
struct rank {
	struct unit_db *f;
	struct route_case rc;
	json_t *out;
	/* a label to learn first: org code, sign (0 = none) */
	const char *label_org;
	int sign;
	struct err e;
};

static int rank_job(struct wctx *w, struct write_job *job)
{
	struct rank *r = job->arg;
	if (r->sign) {
		struct route_org o;
		/* routing_label's bookkeeping needs a case row; the learning is this */
		if (routing_org(w->conn, 0, r->label_org, &o) != 0 ||
		    routing_learn(w->conn, w->app, o.id, r->rc.desc, r->sign) != 0)
			return -1;
	}
	return routing_rank(w->conn, w->app, &r->rc, &r->out, &r->e);
}

/* The codes of the ranking of desc (class cls, owning org path, location). */
static json_t *rank(struct unit_db *f, const char *desc, const char *cls, const char *path,
                    json_t *loc)
{
	struct rank r = {.f = f, .rc = {NULL, desc, cls, path, loc}};
	assert_int_equal(writer_run(f->app.writer, rank_job, &r), 0);
	return r.out;
}

static const char *top(json_t *out, size_t i)
{
	return json_string_value(json_object_get(json_array_get(out, i), "org"));
}

static void test_check_names_the_field(void **state)
{
	struct unit_db *f = *state;
	(void)f;
	struct store_conn *c;
	char err[256];
	c = store_open(f->db, true, err, sizeof err);
	assert_non_null(c);
	struct {
		const char *json, *field;
	} bad[] = {
	    {"[{\"org\":\"dept.nope\",\"category\":\"x\",\"keywords\":[\"a\"]}]", "entries[0].org"},
	    {"[{\"org\":\"village.a1\",\"category\":\"x\",\"keywords\":[\"a\"]}]",
	     "entries[0].org"},
	    {"[{\"org\":\"dept.cg\",\"category\":\"x\",\"keywords\":[\"a\",\"a\"]}]",
	     "entries[0].keywords[1]"},
	    {"[{\"org\":\"dept.cg\",\"category\":\"x\",\"keywords\":[]}]", "entries[0].keywords"},
	    {"[{\"org\":\"dept.cg\",\"category\":\"x\",\"keywords\":[\"a\"],\"z\":1}]",
	     "entries[0].z"},
	    {"[{\"org\":\"dept.cg\",\"category\":\"\",\"keywords\":[\"a\"]}]",
	     "entries[0].category"},
	    {"[{\"org\":\"dept.cg\",\"category\":\"x\",\"keywords\":[\"a\"],\"region\":\"dept.sc\"}"
	     "]",
	     "entries[0].region"},
	    {"{}", "entries"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *v = json_loads(bad[i].json, 0, NULL), *out = NULL;
		struct err e = {0};
		assert_int_equal(catalogue_check(c, v, &out, &e), -1);
		assert_null(out);
		assert_string_equal(e.field, bad[i].field);
		json_decref(v);
	}
	store_close(c);
}

static void test_keywords_rank(void **state)
{
	struct unit_db *f = *state;
	json_t *out = rank(f, "门口天天有人摆摊占道经营", "投诉", NULL, NULL);
	assert_string_equal(top(out, 0), "dept.cg");
	json_t *reason = json_array_get(json_object_get(json_array_get(out, 0), "reasons"), 0);
	assert_string_equal(json_string_value(json_object_get(reason, "kind")), "catalogue");
	assert_int_equal(json_array_size(json_object_get(reason, "keywords")), 2);
	json_decref(out);
	/* Traditional folded: 擺攤 is 摆摊 */
	out = rank(f, "門口天天有人擺攤", "投诉", NULL, NULL);
	assert_string_equal(top(out, 0), "dept.cg");
	json_decref(out);
	/* a negative word rules the entry out */
	out = rank(f, "圩日有人摆摊", "投诉", NULL, NULL);
	assert_true(json_array_size(out) == 0 || strcmp(top(out, 0), "dept.cg") != 0);
	json_decref(out);
	/* classes: 坏了 counts for a 投诉 only */
	out = rank(f, "买的东西坏了", "咨询", NULL, NULL);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	/* characters spread out: 停了两次电 is 停电 */
	out = rank(f, "这个月停了两次电", "投诉", NULL, NULL);
	assert_string_equal(top(out, 0), "ent.power");
	json_decref(out);
}

static void test_township(void **state)
{
	struct unit_db *f = *state;
	/* no township known: the @township entry is not proposed */
	json_t *out = rank(f, "村道坑坑洼洼", "投诉", NULL, NULL);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	/* by the owning org's path (town.a is org 5: /1/5/) */
	out = rank(f, "村道坑坑洼洼", "投诉", "/1/5/", NULL);
	assert_string_equal(top(out, 0), "town.a");
	json_decref(out);
	/* by the address: a village's name */
	json_t *loc = json_pack("{s:s}", "address", "黄岭村二组");
	out = rank(f, "村道坑坑洼洼", "投诉", NULL, loc);
	assert_string_equal(top(out, 0), "town.a");
	json_decref(out);
	json_decref(loc);
	/* by the point, inside town.b's boundary */
	loc = json_pack("{s:f,s:f}", "lat", 25.3, "lng", 114.8);
	out = rank(f, "村道坑坑洼洼", "投诉", NULL, loc);
	assert_string_equal(top(out, 0), "town.b");
	json_t *r = json_object_get(json_array_get(out, 0), "reasons");
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 1), "org")),
	                    "town.b");
	json_decref(out);
	json_decref(loc);
}

static void test_model_learns_and_forgets(void **state)
{
	struct unit_db *f = *state;
	const char *text = "快递驿站的包裹堆满了消防通道";
	json_t *out = rank(f, text, "投诉", NULL, NULL);
	assert_int_equal(json_array_size(out), 0); /* no keyword, no labels */
	json_decref(out);
	struct rank r = {
	    .f = f, .rc = {NULL, text, "投诉", NULL, NULL}, .label_org = "dept.sc", .sign = 1};
	assert_int_equal(writer_run(f->app.writer, rank_job, &r), 0);
	json_decref(r.out);
	out = rank(f, "驿站包裹堆在消防通道", "投诉", NULL, NULL);
	assert_string_equal(top(out, 0), "dept.sc");
	json_t *why = json_array_get(json_object_get(json_array_get(out, 0), "reasons"), 0);
	assert_string_equal(json_string_value(json_object_get(why, "kind")), "learned");
	json_decref(out);
	/* the label taken out (an approved return): nothing learnt is left */
	r.sign = -1;
	assert_int_equal(writer_run(f->app.writer, rank_job, &r), 0);
	json_decref(r.out);
	out = rank(f, "驿站包裹堆在消防通道", "投诉", NULL, NULL);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
}

/* The ranking as an HTTP thread makes it: on the read connection, outside
 * any transaction, so the model's rows are read through the cache. */
static json_t *rank_read(struct unit_db *f, const char *desc)
{
	struct route_case rc = {NULL, desc, "投诉", NULL, NULL};
	json_t *out = NULL;
	struct err e = {0};
	assert_int_equal(routing_rank(f->reader, &f->app, &rc, &out, &e), 0);
	return out;
}

static int learn_then_fail(struct wctx *w, struct write_job *job)
{
	struct rank *r = job->arg;
	struct route_org o;
	if (routing_org(w->conn, 0, r->label_org, &o) != 0 ||
	    routing_learn(w->conn, w->app, o.id, r->rc.desc, r->sign) != 0)
		return 0; /* not what the test is after: it would see the job succeed */
	return -1;        /* the job fails: its savepoint is rolled back */
}

/* core/routing_cache.h: scoring read twice answers the same from memory; a
 * committed label is seen at once; a rolled-back one never; a put after a
 * touch is refused. */
static void test_model_cache_is_exact(void **state)
{
	struct unit_db *f = *state;
	const char *text = "快递驿站的包裹堆满了消防通道";
	struct rank r = {
	    .f = f, .rc = {NULL, text, "投诉", NULL, NULL}, .label_org = "dept.sc", .sign = 1};
	assert_int_equal(writer_run(f->app.writer, rank_job, &r), 0);
	json_decref(r.out);
	uint64_t h0, m0, h1, m1;
	routing_cache_counts(&h0, &m0);
	json_t *a = rank_read(f, "驿站包裹堆在消防通道"), *b = rank_read(f, "驿站包裹堆在消防通道");
	routing_cache_counts(&h1, &m1);
	assert_true(m1 > m0);            /* the first read the store */
	assert_true(h1 - h0 >= m1 - m0); /* the second, every row from memory */
	assert_true(json_equal(a, b));
	assert_string_equal(top(a, 0), "dept.sc");
	json_decref(a);
	json_decref(b);
	/* a label that rolls back teaches nothing, cached or not */
	struct rank bad = {.f = f,
	                   .rc = {NULL, "驿站包裹堆在消防通道", "投诉", NULL, NULL},
	                   .label_org = "dept.cg",
	                   .sign = 5};
	assert_int_not_equal(writer_run(f->app.writer, learn_then_fail, &bad), 0);
	a = rank_read(f, "驿站包裹堆在消防通道");
	assert_string_equal(top(a, 0), "dept.sc");
	json_decref(a);
	/* a committed one is seen by the very next read */
	r.sign = -1;
	assert_int_equal(writer_run(f->app.writer, rank_job, &r), 0);
	json_decref(r.out);
	a = rank_read(f, "驿站包裹堆在消防通道");
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	/* rows read before a touch are not kept */
	uint64_t gen = routing_cache_gen();
	routing_cache_touch("驿站", strlen("驿站"));
	routing_cache_put("驿站", strlen("驿站"), "x", 1, gen);
	char buf[8];
	size_t len;
	assert_false(routing_cache_get("驿站", strlen("驿站"), buf, sizeof buf, &len));
	routing_cache_batch_end();
	gen = routing_cache_gen();
	routing_cache_put("驿站", strlen("驿站"), "xyz", 3, gen);
	assert_false(routing_cache_get("驿站", strlen("驿站"), buf, 2, &len)); /* too small */
	assert_int_equal(len, 3);
	assert_true(routing_cache_get("驿站", strlen("驿站"), buf, sizeof buf, &len));
	assert_memory_equal(buf, "xyz", 3);
	routing_cache_touch_all();
	routing_cache_batch_end();
	assert_false(routing_cache_get("驿站", strlen("驿站"), buf, sizeof buf, &len));
}

/* An org renamed by a writer job (enterprise_update's ST_ENT_ORG_SET). */
struct rename {
	int64_t id;
	const char *name;
	bool touch; /* as the writers of org rows do (routing_org_touch) */
	bool fail;  /* the job fails after reading the new name: rolled back */
	char seen[128];
};

static int rename_job(struct wctx *w, struct write_job *job)
{
	struct rename *n = job->arg;
	struct route_org o;
	if (routing_org(w->conn, n->id, NULL, &o) != 0)
		return -1;
	struct store_stmt *s = store_stmt(w->conn, ST_ORG_BY_ID);
	sbind_int(s, 1, n->id);
	int64_t parent = sstep(s) == STORE_ROW ? scol_int(s, 4) : 0;
	sreset(s);
	if (n->touch)
		routing_org_touch(n->id);
	s = store_stmt(w->conn, ST_ENT_ORG_SET);
	sbind_int(s, 1, n->id);
	sbind_text(s, 2, n->name);
	sbind_int(s, 3, parent);
	sbind_text(s, 4, o.path);
	if (sdone(s) != STORE_DONE || routing_org(w->conn, n->id, NULL, &o) != 0)
		return -1;
	snprintf(n->seen, sizeof n->seen, "%s", o.name); /* in the transaction: not kept */
	return n->fail ? -1 : 0;
}

/* routing_org by id is kept in the routing cache (a ranking reads up to 64
 * candidates): the reader's second read is from memory, a change made with
 * routing_org_touch is seen by the very next read, one rolled back never. */
static void test_org_cache_follows_changes(void **state)
{
	struct unit_db *f = *state;
	struct route_org o, a;
	assert_int_equal(routing_org(f->reader, 0, "ent.power", &o), 0);
	assert_int_equal(routing_org(f->reader, o.id, NULL, &a), 0); /* read and kept */
	assert_string_equal(a.name, "供电公司");
	uint64_t h0, m0, h1, m1;
	routing_cache_counts(&h0, &m0);
	assert_int_equal(routing_org(f->reader, o.id, NULL, &a), 0);
	routing_cache_counts(&h1, &m1);
	assert_int_equal(h1 - h0, 1);
	assert_int_equal(m1 - m0, 0);
	assert_string_equal(a.name, "供电公司");
	assert_string_equal(a.code, "ent.power");
	assert_string_equal(a.kind, "enterprise");
	assert_string_equal(a.path, o.path);
	/* a change without the touch: the reader still has the kept row */
	struct rename n = {.id = o.id, .name = "供电公司（未通知）"};
	assert_int_equal(writer_run(f->app.writer, rename_job, &n), 0);
	assert_int_equal(routing_org(f->reader, o.id, NULL, &a), 0);
	assert_string_equal(a.name, "供电公司");
	/* with it, as directory.c and enterprises_write.c do: seen at once */
	n = (struct rename){.id = o.id, .name = "国网甲县供电公司", .touch = true};
	assert_int_equal(writer_run(f->app.writer, rename_job, &n), 0);
	assert_string_equal(n.seen, "国网甲县供电公司");
	assert_int_equal(routing_org(f->reader, o.id, NULL, &a), 0);
	assert_string_equal(a.name, "国网甲县供电公司");
	/* one rolled back: read inside its transaction, never kept */
	n = (struct rename){.id = o.id, .name = "回滚的名字", .touch = true, .fail = true};
	assert_int_not_equal(writer_run(f->app.writer, rename_job, &n), 0);
	assert_string_equal(n.seen, "回滚的名字");
	assert_int_equal(routing_org(f->reader, o.id, NULL, &a), 0);
	assert_string_equal(a.name, "国网甲县供电公司");
	assert_int_equal(routing_org(f->reader, o.id, NULL, &a), 0); /* and again, kept */
	assert_string_equal(a.name, "国网甲县供电公司");
	/* an id no org has: 1, and not kept as anything */
	assert_int_equal(routing_org(f->reader, 999999, NULL, &a), 1);
	assert_int_equal(routing_org(f->reader, 999999, NULL, &a), 1);
}

static void test_village_never_above_department(void **state)
{
	struct unit_db *f = *state;
	const char *text = "门口摆摊的小贩很多";
	struct rank r = {
	    .f = f, .rc = {NULL, text, "投诉", NULL, NULL}, .label_org = "village.a1", .sign = 1};
	for (int i = 0; i < 8; i++) {
		assert_int_equal(writer_run(f->app.writer, rank_job, &r), 0);
		json_decref(r.out);
	}
	json_t *out = rank(f, text, "投诉", NULL, NULL);
	assert_string_equal(top(out, 0), "dept.cg");
	json_decref(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_check_names_the_field, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_keywords_rank, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_township, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_model_learns_and_forgets, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_model_cache_is_exact, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_org_cache_follows_changes, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_village_never_above_department, fx_setup,
	                                    fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
