/*
 * Unit tests of the map's data: the GeoJSON boundary check and
 * point-in-polygon (util/geojson.h), the demo county's boundaries (grids
 * inside villages inside townships inside the county, siblings apart, every
 * located demo case inside its township and in the grid its address names),
 * the query plan of the map's case list (the partial index, never a
 * scan of every case), and the accuracy of the GCJ-02 / BD-09 to WGS-84
 * conversion (util/geo.h) across the demo county.
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

#include <math.h>

#include "scratchdb.h"
#include "store/store.h"
#include "util/geo.h"
#include "util/geojson.h"

#include "unit_db.h"

/* Asserts g is refused, with a message containing `why`. */
static void refused(const char *g, const char *why)
{
	json_t *v = unit_json(g);
	struct err e = {0};
	if (geojson_boundary_check(v, "boundary", &e) == 0)
		fail_msg("accepted: %s", g);
	assert_int_equal(e.kind, E_FIELD_INVALID);
	assert_string_equal(e.field, "boundary");
	if (!strstr(err_message(&e), why))
		fail_msg("%s: message \"%s\" lacks \"%s\"", g, err_message(&e), why);
	json_decref(v);
}

static void accepted(const char *g)
{
	json_t *v = unit_json(g);
	struct err e = {0};
	if (geojson_boundary_check(v, "boundary", &e) != 0)
		fail_msg("refused %s: %s", g, err_message(&e));
	json_decref(v);
}

#define SQUARE "[[0,0],[1,0],[1,1],[0,1],[0,0]]"

static void boundaries_checked(void **state)
{
	(void)state;
	accepted("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}");
	accepted("{\"coordinates\":[" SQUARE "],\"type\":\"Polygon\"}");
	accepted("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE
	         ",[[0.2,0.2],[0.4,0.2],[0.4,0.4],[0.2,0.2]]]}");
	accepted("{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "],[[[2,2],[3,2],[3,3],[2,"
	         "2]]]]}");
	accepted(
	    "{\"type\":\"Polygon\",\"coordinates\":[[[-180,-90],[180,-90],[180,90],[-180,-90]]]}");

	refused("[]", "GeoJSON");
	refused("\"Polygon\"", "GeoJSON");
	refused("{\"type\":\"Point\",\"coordinates\":[1,2]}", "Polygon 或 MultiPolygon");
	refused("{\"type\":\"polygon\",\"coordinates\":[" SQUARE "]}", "Polygon 或 MultiPolygon");
	refused("{\"coordinates\":[" SQUARE "]}", "Polygon 或 MultiPolygon");
	refused("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "],\"bbox\":[0,0,1,1]}",
	        "type 和 coordinates");
	refused("{\"type\":\"Polygon\"}", "至少一个环");
	refused("{\"type\":\"Polygon\",\"coordinates\":[]}", "至少一个环");
	refused("{\"type\":\"Polygon\",\"coordinates\":" SQUARE "}", "第 1 个环");
	/* open, too short, flat */
	refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}", "未闭合");
	refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", "至少 4 个坐标");
	refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[2,2],[0,0]]]}", "面积");
	refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,0],[0,0],[0,0]]]}", "面积");
	/* positions: two numbers, in range */
	refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1,5],[0,0]]]}",
	        "第 1 个环的第 3 个坐标");
	refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[\"1\",1],[0,0]]]}",
	        "第 3 个坐标");
	refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[181,0],[1,1],[0,0]]]}", "经度");
	refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,-90.5],[1,1],[0,0]]]}", "纬度");
	refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],null,[0,0]]]}", "第 3 个坐标");
	/* the second ring is numbered across the polygons of a MultiPolygon */
	refused("{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "],[[[2,2],[3,2],[3,3]]]]}",
	        "第 2 个环");
	refused("{\"type\":\"MultiPolygon\",\"coordinates\":[]}", "至少一个多边形");
	refused("{\"type\":\"MultiPolygon\",\"coordinates\":[" SQUARE "]}", "第 1 个环");
}

/* A ring of n points on a circle (closed: n + 1 positions). */
static json_t *circle(int n)
{
	json_t *ring = json_array();
	for (int i = 0; i <= n; i++) {
		int k = i % n;
		/* a regular polygon without libm: points on a diamond are enough */
		double t = (double)k / n * 4, x, y;
		if (t < 1) {
			x = 1 - t;
			y = t;
		} else if (t < 2) {
			x = 1 - t;
			y = 2 - t;
		} else if (t < 3) {
			x = t - 3;
			y = 2 - t;
		} else {
			x = t - 3;
			y = t - 4;
		}
		json_array_append_new(ring, json_pack("[f,f]", 114 + x, 25 + y));
	}
	return json_pack("{s:s,s:[o]}", "type", "Polygon", "coordinates", ring);
}

static void boundary_point_limit(void **state)
{
	(void)state;
	struct err e = {0};
	json_t *ok = circle(GEOJSON_MAX_POINTS - 1); /* 2000 positions with the closing one */
	assert_int_equal(geojson_boundary_check(ok, "boundary", &e), 0);
	json_t *big = circle(GEOJSON_MAX_POINTS);
	assert_int_equal(geojson_boundary_check(big, "boundary", &e), -1);
	assert_non_null(strstr(err_message(&e), "2000"));
	json_decref(ok);
	json_decref(big);
}

static void points_inside(void **state)
{
	(void)state;
	json_t *g = unit_json("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE
	                      ",[[0.2,0.2],[0.4,0.2],[0.4,0.4],[0.2,0.4],[0.2,0.2]]]}");
	assert_true(geojson_contains(g, 0.5, 0.5));
	assert_true(geojson_contains(g, 0.1, 0.9));
	assert_false(geojson_contains(g, 0.3, 0.3)); /* in the hole */
	assert_false(geojson_contains(g, 1.5, 0.5));
	assert_false(geojson_contains(g, -0.1, 0.5));
	json_decref(g);
	json_t *m = unit_json("{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE
	                      "],[[[2,2],[3,2],[3,3],[2,3],[2,2]]]]}");
	assert_true(geojson_contains(m, 2.5, 2.5));
	assert_true(geojson_contains(m, 0.5, 0.5));
	assert_false(geojson_contains(m, 1.5, 1.5));
	json_decref(m);
}

/* The even-odd test counts a crossing only east of the point, each edge
 * half-open in latitude, so a point on an edge two polygons share, or on
 * the corner four share, falls in exactly one of them: no case is placed
 * twice and none falls between (core/placement.h). */
static void points_on_shared_edges(void **state)
{
	(void)state;
	json_t *sq[4] = {unit_json("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}"),
	                 unit_json("{\"type\":\"Polygon\",\"coordinates\":"
	                           "[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}"),
	                 unit_json("{\"type\":\"Polygon\",\"coordinates\":"
	                           "[[[0,1],[1,1],[1,2],[0,2],[0,1]]]}"),
	                 unit_json("{\"type\":\"MultiPolygon\",\"coordinates\":"
	                           "[[[[1,1],[2,1],[2,2],[1,2],[1,1]]]]}")};
	const double pts[][2] = {{1, 0.5}, {0.5, 1}, {1, 1}, {1.5, 1}, {1, 1.5}, {0.25, 1}};
	for (size_t i = 0; i < sizeof pts / sizeof *pts; i++) {
		int n = 0;
		for (int k = 0; k < 4; k++)
			n += geojson_contains(sq[k], pts[i][0], pts[i][1]);
		if (n != 1)
			fail_msg("(%g, %g) on a shared edge lies in %d of the squares", pts[i][0],
			         pts[i][1], n);
	}
	for (int k = 0; k < 4; k++)
		json_decref(sq[k]);
}

/* ------------------------------------------------------------------ */
/* the demo county                                                     */

static json_t *county;

static json_t *org_of(const char *code)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(county, "orgs"), i, o)
	{
		if (!strcmp(json_string_value(json_object_get(o, "code")), code))
			return o;
	}
	return NULL;
}

static json_t *boundary_of(const char *code)
{
	json_t *o = org_of(code);
	return o ? json_object_get(o, "boundary") : NULL;
}

/* The outline's positions of a Polygon boundary. */
static json_t *outline(json_t *g)
{
	return json_array_get(json_object_get(g, "coordinates"), 0);
}

/* Do segments ab and cd cross properly (each splits the other)? */
static bool segments_cross(json_t *a, json_t *b, json_t *c, json_t *d)
{
#define X(p) json_number_value(json_array_get(p, 0))
#define Y(p) json_number_value(json_array_get(p, 1))
#define ORIENT(p, q, r) ((X(q) - X(p)) * (Y(r) - Y(p)) - (Y(q) - Y(p)) * (X(r) - X(p)))
	return ORIENT(a, b, c) * ORIENT(a, b, d) < 0 && ORIENT(c, d, a) * ORIENT(c, d, b) < 0;
}

static void demo_boundaries_nest(void **state)
{
	(void)state;
	json_error_t je;
	county = json_load_file("config/demo/county.json", 0, &je);
	if (!county)
		fail_msg("config/demo/county.json: %s", je.text);
	const char *with[] = {"county",  "town.a",     "village.a1", "grid.a1",
	                      "grid.a2", "village.a2", "grid.a3",    "village.a3",
	                      "grid.a4", "grid.a5",    "town.b",     "village.b1",
	                      "grid.b1", "village.b2", "grid.b2",    "grid.b3"};
	size_t i, k;
	json_t *o, *p;
	for (i = 0; i < sizeof with / sizeof *with; i++) {
		json_t *g = boundary_of(with[i]);
		struct err e = {0};
		if (!g || geojson_boundary_check(g, "boundary", &e) != 0)
			fail_msg("%s: %s", with[i], g ? err_message(&e) : "no boundary");
	}
	json_array_foreach(json_object_get(county, "orgs"), i, o)
	{
		json_t *g = json_object_get(o, "boundary");
		const char *parent = json_string_value(json_object_get(o, "parent"));
		if (!g || !parent)
			continue;
		/* inside its parent: every corner */
		json_t *pg = boundary_of(parent);
		const char *code = json_string_value(json_object_get(o, "code"));
		if (!pg)
			fail_msg("%s has a boundary, its parent %s none", code, parent);
		json_array_foreach(outline(g), k, p)
		{
			if (!geojson_contains(pg, X(p), Y(p)))
				fail_msg("%s: corner %zu outside %s", code, k, parent);
		}
		/* apart from its siblings: no corner inside, no edges crossing */
		size_t j;
		json_t *s;
		json_array_foreach(json_object_get(county, "orgs"), j, s)
		{
			json_t *sg = json_object_get(s, "boundary");
			const char *sp = json_string_value(json_object_get(s, "parent"));
			if (j == i || !sg || !sp || strcmp(sp, parent))
				continue;
			json_t *a = outline(g), *b = outline(sg);
			json_array_foreach(a, k, p)
			{
				if (geojson_contains(sg, X(p), Y(p)))
					fail_msg("%s overlaps %s", code,
					         json_string_value(json_object_get(s, "code")));
			}
			for (size_t m = 1; m < json_array_size(a); m++)
				for (size_t n = 1; n < json_array_size(b); n++)
					if (segments_cross(
					        json_array_get(a, m - 1), json_array_get(a, m),
					        json_array_get(b, n - 1), json_array_get(b, n)))
						fail_msg(
						    "%s and %s cross", code,
						    json_string_value(json_object_get(s, "code")));
		}
	}
}

/* Every located demo case lies in its township, and in the grid its address names. */
static void demo_cases_placed(void **state)
{
	(void)state;
	static const struct {
		const char *place, *grid;
	} named[] = {{"长岭至上坪", "grid.b1"}, {"X512", "grid.b1"},       {"长岭圩", "grid.b1"},
	             {"长岭村", "grid.b1"},     {"上坪村后山", "grid.b3"}, {"上坪", "grid.b2"},
	             {"东门", "grid.a1"},       {"解放路", "grid.a1"},     {"锦绣华庭", "grid.a1"},
	             {"建设路", "grid.a1"},     {"滨江", "grid.a2"},       {"黄岭", "grid.a3"},
	             {"工业园", "grid.a4"},     {"安置小区", "grid.a4"},   {"新塘村", "grid.a5"}};
	size_t i, placed = 0;
	json_t *c;
	json_array_foreach(json_object_get(county, "cases"), i, c)
	{
		json_t *cr = json_object_get(c, "create"), *loc = json_object_get(cr, "location");
		if (!loc || !json_object_get(loc, "lat"))
			continue; /* no point (an address alone: the disputes) */
		double lat = json_number_value(json_object_get(loc, "lat"));
		double lng = json_number_value(json_object_get(loc, "lng"));
		const char *org = json_string_value(json_object_get(cr, "org"));
		if (!geojson_contains(boundary_of(org), lng, lat))
			fail_msg("case %zu (%f, %f) lies outside %s", i + 1, lat, lng, org);
		const char *addr = json_string_value(json_object_get(loc, "address"));
		for (size_t k = 0; k < sizeof named / sizeof *named; k++) {
			if (!strstr(addr, named[k].place))
				continue;
			if (!geojson_contains(boundary_of(named[k].grid), lng, lat))
				fail_msg("case %zu at %s lies outside %s", i + 1, addr,
				         named[k].grid);
			placed++;
			break;
		}
	}
	assert_true(placed >= 30);
	json_decref(county);
	county = NULL;
}

/* ------------------------------------------------------------------ */
/* the map's case list reads the open cases only                       */

static void map_query_uses_its_index(void **state)
{
	(void)state;
	char plan[2048];
	struct scratchdb s;
	scratchdb_open(&s, "geo");
	if (!s.c)
		fail_msg("%s", s.err);
	assert_int_equal(store_query_plan(s.c, ST_GEO_CASES, plan, sizeof plan), 0);
	if (!strstr(plan, "SCAN c USING INDEX cases_map"))
		fail_msg("ST_GEO_CASES does not walk cases_map:\n%s", plan);
	for (const char *p = plan; (p = strstr(p, "SCAN ")); p++)
		if (!strncmp(p, "SCAN c\n", 7) || !strncmp(p, "SCAN cases", 10))
			fail_msg("ST_GEO_CASES scans every case:\n%s", plan);
	scratchdb_remove(&s);
}

/* ------------------------------------------------------------------ */
/* the accuracy of the conversions to WGS-84                           */

/* Metres between two nearby WGS-84 points (an equirectangular projection
 * on a sphere of the mean radius: exact enough at these distances). */
static double metres(double lat1, double lng1, double lat2, double lng2)
{
	const double r = 6371008.8, rad = M_PI / 180;
	double x = (lng2 - lng1) * rad * cos((lat1 + lat2) / 2 * rad), y = (lat2 - lat1) * rad;
	return r * sqrt(x * x + y * y);
}

/* Every point of a 0.002° grid over the demo county's box (about 200 m
 * apart, 17,766 points) goes WGS-84 → GCJ-02 (→ BD-09) with the forward
 * formulas and back with geo_to_wgs84; the worst error in metres is printed
 * (docs/api.md "Coordinate systems" quotes it) and must stay under a
 * millimetre. The forward shift itself is hundreds of metres here, so a
 * conversion left out would fail at once. */
static void conversions_round_trip(void **state)
{
	(void)state;
	double worst_gcj = 0, worst_bd = 0, least_shift = 1e9;
	int n = 0;
	for (double lat = 25.62; lat <= 25.87; lat += 0.002) {
		for (double lng = 114.78; lng <= 115.06; lng += 0.002, n++) {
			double glat, glng, blat, blng;
			geo_wgs84_to_gcj02(lat, lng, &glat, &glng);
			double shift = metres(lat, lng, glat, glng);
			if (shift < least_shift)
				least_shift = shift;
			geo_gcj02_to_bd09(glat, glng, &blat, &blng);
			double wlat = glat, wlng = glng;
			geo_to_wgs84("gcj02", &wlat, &wlng);
			double err = metres(lat, lng, wlat, wlng);
			if (err > worst_gcj)
				worst_gcj = err;
			geo_to_wgs84("bd09", &blat, &blng);
			err = metres(lat, lng, blat, blng);
			if (err > worst_bd)
				worst_bd = err;
		}
	}
	printf("# %d points: GCJ-02 shift at least %.1f m; round trip worst error GCJ-02 %.3g m,"
	       " BD-09 %.3g m\n",
	       n, least_shift, worst_gcj, worst_bd);
	assert_true(n > 10000);
	assert_true(least_shift > 100);
	assert_true(worst_gcj < 0.001);
	assert_true(worst_bd < 0.001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(boundaries_checked),
	    cmocka_unit_test(boundary_point_limit),
	    cmocka_unit_test(points_inside),
	    cmocka_unit_test(points_on_shared_edges),
	    cmocka_unit_test(demo_boundaries_nest),
	    cmocka_unit_test(demo_cases_placed),
	    cmocka_unit_test(map_query_uses_its_index),
	    cmocka_unit_test(conversions_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
