/*
 * Unit tests of placement (core/placement.h) on a real SQLite database: a
 * small county of unit squares, whose boundaries go through the writer
 * like any other (org_set_boundary keeps the R*Tree in step). A point lands
 * in the deepest org that holds it (grid, village, township), a MultiPolygon
 * grid with a part outside its village still places by the tree, holes
 * are left out, the county's own boundary places nothing ("outside"), a
 * point on the edge two grids share lands in one of them, and a
 * boundary moved or cleared moves the R*Tree with it.
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
#include "core/directory.h"
#include "core/placement.h"
#include "core/writer.h"
#include "util/geojson.h"

#include "unit_db.h"

/* The closed square ring [x0,x1]×[y0,y1] as GeoJSON text. */
#define RING(x0, y0, x1, y1) \
	"[[" #x0 "," #y0 "],[" #x1 "," #y0 "],[" #x1 "," #y1 "],[" #x0 "," #y1 "],[" #x0 "," #y0 \
	"]]"
#define POLYGON(r) "{\"type\":\"Polygon\",\"coordinates\":[" r "]}"

/* The test county: codes, kinds, parents and boundaries (NULL = none). */
static const struct {
	const char *code, *kind, *parent, *boundary;
} orgs[] = {
    {"county", "county", NULL, POLYGON(RING(0, 0, 10, 10))},
    {"town.t", "township", "county", POLYGON(RING(0, 0, 5, 5))},
    /* a village with a hole (a lake) at [1.5,2]² */
    {"village.v", "village", "town.t",
     "{\"type\":\"Polygon\",\"coordinates\":[" RING(0, 0, 3, 3) "," RING(1.5, 1.5, 2, 2) "]}"},
    {"grid.g", "grid", "village.v", POLYGON(RING(0, 0, 1, 1))},
    {"grid.h", "grid", "village.v", POLYGON(RING(1, 0, 2, 1))}, /* shares x = 1 with g */
    /* two parts, the second in the township but outside the village */
    {"grid.m", "grid", "village.v",
     "{\"type\":\"MultiPolygon\",\"coordinates\":[[" RING(2, 2, 2.5, 2.5) "],[" RING(4, 4, 4.5,
                                                                                     4.5) "]]}"},
    {"dept.x", "department", "county", POLYGON(RING(6, 6, 7, 7))}, /* never places */
};

static int setup_job(struct wctx *w, struct write_job *job)
{
	struct err *e = job->arg;
	for (size_t i = 0; i < sizeof orgs / sizeof *orgs; i++) {
		int64_t id =
		    org_add(w, orgs[i].code, orgs[i].code, orgs[i].kind, orgs[i].parent, NULL, e);
		json_t *b = unit_json(orgs[i].boundary);
		int rc = id < 0 ? -1 : org_set_boundary(w, id, b, e);
		json_decref(b);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int fx_setup(void **state)
{
	struct err e = {0};
	*state = unit_db_open("cl-place", setup_job, &e);
	return 0;
}

static int fx_teardown(void **state)
{
	unit_db_close(*state);
	return 0;
}

/* The code of the org (lng, lat) is placed in, "outside", or fails. */
static const char *placed(struct unit_db *f, double lng, double lat, char *buf, size_t cap)
{
	struct placement p;
	if (placement_find(f->reader, lng, lat, &p) != 0)
		fail_msg("placement_find(%g, %g) failed", lng, lat);
	if (p.status == PLACE_OUTSIDE) {
		assert_int_equal(p.org_id, 0);
		return "outside";
	}
	assert_int_equal(p.status, PLACE_PLACED);
	snprintf(buf, cap, "%s", p.org_code);
	return buf;
}

#define ASSERT_PLACED(f, lng, lat, want) \
	do { \
		char b_[64]; \
		const char *got_ = placed(f, lng, lat, b_, sizeof b_); \
		if (strcmp(got_, want)) \
			fail_msg("(%g, %g) placed in %s, not %s", (double)(lng), (double)(lat), \
			         got_, want); \
	} while (0)

static void deepest_org_wins(void **state)
{
	struct unit_db *f = *state;
	ASSERT_PLACED(f, 0.5, 0.5, "grid.g");     /* grid, village, township, county */
	ASSERT_PLACED(f, 1.5, 0.5, "grid.h");     /* the neighbour */
	ASSERT_PLACED(f, 2.5, 1.0, "village.v");  /* the village, in no grid */
	ASSERT_PLACED(f, 1.75, 1.75, "town.t");   /* in the village's hole */
	ASSERT_PLACED(f, 4.0, 1.0, "town.t");     /* the township alone */
	ASSERT_PLACED(f, 2.25, 2.25, "grid.m");   /* a MultiPolygon's first part */
	ASSERT_PLACED(f, 4.25, 4.25, "grid.m");   /* its second, outside the village */
	ASSERT_PLACED(f, 7.0, 8.0, "outside");    /* the county alone places nothing */
	ASSERT_PLACED(f, 6.5, 6.5, "outside");    /* nor a department's area */
	ASSERT_PLACED(f, 50.0, 30.0, "outside");  /* far away: no candidate at all */
	ASSERT_PLACED(f, -0.001, 0.5, "outside"); /* just west of everything */
}

/* A point on the edge two grids share is placed in one of them (the
 * eastern one: tests/unit/test_geo.c points_on_shared_edges). */
static void shared_edges_place_once(void **state)
{
	struct unit_db *f = *state;
	ASSERT_PLACED(f, 1.0, 0.5, "grid.h"); /* on the edge x = 1 of g and h */
	ASSERT_PLACED(f, 0.999999, 0.5, "grid.g");
}

/* The placement's names: the placed org and its ancestors of each kind. */
static void placement_names_the_tree(void **state)
{
	struct unit_db *f = *state;
	struct placement p;
	assert_int_equal(placement_find(f->reader, 4.25, 4.25, &p), 0);
	json_t *j = placement_json(f->reader, placement_status_name(p.status), p.org_id);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "placed");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "grid"), "code")),
	                    "grid.m");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "village"), "code")), "village.v");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "township"), "code")), "town.t");
	assert_null(json_object_get(j, "county"));
	assert_int_equal(json_object_size(j), 4);
	json_decref(j);
	j = placement_json(f->reader, NULL, 0);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "none");
	assert_int_equal(json_object_size(j), 1);
	json_decref(j);
	j = placement_json(f->reader, "outside", 0);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "outside");
	assert_int_equal(json_object_size(j), 1);
	json_decref(j);
}

struct move {
	const char *code;
	const char *boundary; /* NULL = clear */
	struct err e;
};

static int move_job(struct wctx *w, struct write_job *job)
{
	struct move *m = job->arg;
	int64_t id;
	json_t *v = json_string(m->code);
	int rc = org_resolve(w->conn, v, &id, NULL, 0, NULL, 0);
	json_decref(v);
	if (rc != 0)
		return err_set(&m->e, E_NOT_FOUND, NULL, "no org %s", m->code);
	json_t *b = m->boundary ? unit_json(m->boundary) : NULL;
	static const struct account_actor cli = {0, 0, "cli"};
	rc = org_boundary_change(w, &cli, id, b, &m->e);
	json_decref(b);
	return rc;
}

/* A boundary moved or cleared moves its box in the R*Tree in the same
 * transaction; one refused leaves both as they were. */
static void boundary_changes_move_the_index(void **state)
{
	struct unit_db *f = *state;
	struct move m = {.code = "grid.g", .boundary = POLYGON(RING(3.5, 0, 4.5, 1))};
	assert_int_equal(writer_run(f->app.writer, move_job, &m), 0);
	ASSERT_PLACED(f, 4.0, 0.5, "grid.g");
	ASSERT_PLACED(f, 0.5, 0.5, "village.v");
	struct move bad = {.code = "grid.g",
	                   .boundary =
	                       "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}"};
	assert_int_not_equal(writer_run(f->app.writer, move_job, &bad), 0);
	ASSERT_PLACED(f, 4.0, 0.5, "grid.g");
	struct move clear = {.code = "grid.g"};
	assert_int_equal(writer_run(f->app.writer, move_job, &clear), 0);
	ASSERT_PLACED(f, 4.0, 0.5, "town.t");
	ASSERT_PLACED(f, 0.5, 0.5, "village.v");
	struct move back = {.code = "grid.g", .boundary = POLYGON(RING(0, 0, 1, 1))};
	assert_int_equal(writer_run(f->app.writer, move_job, &back), 0);
	ASSERT_PLACED(f, 0.5, 0.5, "grid.g");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(deepest_org_wins),
	    cmocka_unit_test(shared_edges_place_once),
	    cmocka_unit_test(placement_names_the_tree),
	    cmocka_unit_test(boundary_changes_move_the_index),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
