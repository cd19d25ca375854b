/* GeoJSON boundaries: the check and point-in-polygon (geojson.h). */
#include "util/geojson.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The position p as lng, lat: 0, or -1 unless it is [number, number] in range. */
static int position_read(const json_t *p, double *lng, double *lat)
{
	if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(json_array_get(p, 0)) ||
	    !json_is_number(json_array_get(p, 1)))
		return -1;
	*lng = json_number_value(json_array_get(p, 0));
	*lat = json_number_value(json_array_get(p, 1));
	return isfinite(*lng) && isfinite(*lat) && *lng >= -180 && *lng <= 180 && *lat >= -90 &&
	               *lat <= 90
	           ? 0
	           : -1;
}

/* Checks one ring (the nring-th of the boundary, from 1) and adds its
 * positions to *points. 0, or -1 with *e set. */
static int ring_check(const json_t *ring, int nring, size_t *points, const char *field,
                      struct err *e)
{
	size_t n = json_array_size(ring);
	if (!json_is_array(ring) || n < 4)
		return err_set(e, E_FIELD_INVALID, field, "第 %d 个环须为至少 4 个坐标的数组",
		               nring);
	*points += n;
	if (*points > GEOJSON_MAX_POINTS)
		return err_set(e, E_FIELD_INVALID, field, "边界至多 %d 个坐标点",
		               GEOJSON_MAX_POINTS);
	double area2 = 0, lng0 = 0, lat0 = 0, plng = 0, plat = 0;
	for (size_t i = 0; i < n; i++) {
		double lng, lat;
		if (position_read(json_array_get(ring, i), &lng, &lat) != 0)
			return err_set(
			    e, E_FIELD_INVALID, field,
			    "第 %d 个环的第 %zu 个坐标须为 [经度, 纬度]，经度 -180–180，纬度 "
			    "-90–90",
			    nring, i + 1);
		if (i == 0) {
			lng0 = lng;
			lat0 = lat;
		} else {
			area2 += (plng - lng0) * (lat - lat0) - (lng - lng0) * (plat - lat0);
		}
		plng = lng;
		plat = lat;
	}
	if (plng != lng0 || plat != lat0)
		return err_set(e, E_FIELD_INVALID, field,
		               "第 %d 个环未闭合：最后一个坐标须与第一个相同", nring);
	if (area2 == 0)
		return err_set(e, E_FIELD_INVALID, field, "第 %d 个环不围成面积", nring);
	return 0;
}

/* Checks a polygon's array of rings, numbering them from *nring + 1. */
static int polygon_check(const json_t *rings, int *nring, size_t *points, const char *field,
                         struct err *e)
{
	if (!json_is_array(rings) || json_array_size(rings) == 0)
		return err_set(e, E_FIELD_INVALID, field, "多边形须为至少一个环的数组");
	size_t i;
	const json_t *ring;
	json_array_foreach(rings, i, ring)
	{
		if (ring_check(ring, ++*nring, points, field, e) != 0)
			return -1;
	}
	return 0;
}

int geojson_boundary_check(const json_t *g, const char *field, struct err *e)
{
	if (!json_is_object(g))
		return err_set(e, E_FIELD_INVALID, field,
		               "边界须为 GeoJSON 几何对象（Polygon 或 MultiPolygon）");
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)(uintptr_t)g, key, v)
	{
		if (strcmp(key, "type") && strcmp(key, "coordinates"))
			return err_set(e, E_FIELD_INVALID, field, "边界只能含 type 和 coordinates");
	}
	const char *type = json_string_value(json_object_get(g, "type"));
	const json_t *coords = json_object_get(g, "coordinates");
	bool multi = type && !strcmp(type, "MultiPolygon");
	if (!type || (!multi && strcmp(type, "Polygon")))
		return err_set(e, E_FIELD_INVALID, field,
		               "边界的 type 须为 Polygon 或 MultiPolygon");
	int nring = 0;
	size_t points = 0;
	if (!multi)
		return polygon_check(coords, &nring, &points, field, e);
	if (!json_is_array(coords) || json_array_size(coords) == 0)
		return err_set(e, E_FIELD_INVALID, field, "MultiPolygon 须为至少一个多边形的数组");
	size_t i;
	const json_t *poly;
	json_array_foreach(coords, i, poly)
	{
		if (polygon_check(poly, &nring, &points, field, e) != 0)
			return -1;
	}
	return 0;
}

/* Even-odd: does a ray from (lng, lat) eastwards cross the ring an odd
 * number of times? */
static bool ring_contains(const json_t *ring, double lng, double lat)
{
	bool in = false;
	size_t n = json_array_size(ring);
	for (size_t i = 0, j = n - 1; i < n; j = i++) {
		const json_t *a = json_array_get(ring, i), *b = json_array_get(ring, j);
		double ax = json_number_value(json_array_get(a, 0));
		double ay = json_number_value(json_array_get(a, 1));
		double bx = json_number_value(json_array_get(b, 0));
		double by = json_number_value(json_array_get(b, 1));
		if ((ay > lat) != (by > lat) && lng < (bx - ax) * (lat - ay) / (by - ay) + ax)
			in = !in;
	}
	return in;
}

/* Inside the outline (the first ring) and in none of the holes. */
static bool polygon_contains(const json_t *rings, double lng, double lat)
{
	if (!ring_contains(json_array_get(rings, 0), lng, lat))
		return false;
	for (size_t i = 1; i < json_array_size(rings); i++)
		if (ring_contains(json_array_get(rings, i), lng, lat))
			return false;
	return true;
}

bool geojson_contains(const json_t *g, double lng, double lat)
{
	const char *type = json_string_value(json_object_get(g, "type"));
	const json_t *coords = json_object_get(g, "coordinates");
	if (type && !strcmp(type, "Polygon"))
		return polygon_contains(coords, lng, lat);
	size_t i;
	const json_t *poly;
	json_array_foreach(coords, i, poly)
	{
		if (polygon_contains(poly, lng, lat))
			return true;
	}
	return false;
}
