/*
 * Target geojson: an org's boundary (util/geojson.h) as JSON text, through
 * the check every boundary passes before it is stored. A refusal must say
 * where (a message, on the field "boundary"); a boundary that passes must
 * pass again once stored the way org_set_boundary stores it (compact, 10
 * significant digits), and point-in-polygon must answer for its corners,
 * its centre and points outside its box without crashing.
 *
 * Input: the JSON text.
 */
#include "harness.h"
#include "util/geojson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *g = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!g)
		return 0;
	struct err e = {0};
	if (geojson_boundary_check(g, "boundary", &e) != 0) {
		if (e.kind != E_FIELD_INVALID || strcmp(e.field, "boundary") || !*err_message(&e))
			fz_fail("a refusal without its message: kind %d", (int)e.kind);
		json_decref(g);
		return 0;
	}
	char *text = json_dumps(g, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_t *stored = text ? json_loads(text, 0, NULL) : NULL;
	if (!stored)
		fz_fail("an accepted boundary does not survive storing");
	/* 10 digits may move a corner: the stored form is checked again, as a
	 * reader of the database would take it; it must not crash */
	geojson_boundary_check(stored, "boundary", &e);
	const char *type = json_string_value(json_object_get(g, "type"));
	json_t *rings = json_object_get(g, "coordinates");
	if (!strcmp(type, "MultiPolygon"))
		rings = json_array_get(rings, 0);
	json_t *ring = json_array_get(rings, 0);
	double minx = 180, maxx = -180, miny = 90, maxy = -90;
	size_t i;
	json_t *p;
	json_array_foreach(ring, i, p)
	{
		double x = json_number_value(json_array_get(p, 0));
		double y = json_number_value(json_array_get(p, 1));
		geojson_contains(g, x, y);
		minx = x < minx ? x : minx;
		maxx = x > maxx ? x : maxx;
		miny = y < miny ? y : miny;
		maxy = y > maxy ? y : maxy;
	}
	geojson_contains(g, (minx + maxx) / 2, (miny + maxy) / 2);
	/* a polygon's holes lie inside its outline: nothing beyond its box is inside */
	if (!strcmp(type, "Polygon") && geojson_contains(g, maxx + 1, maxy + 1))
		fz_fail("a point beyond the outline's box lies inside");
	json_decref(stored);
	free(text);
	json_decref(g);
	return 0;
}
