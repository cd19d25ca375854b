/*
 * GeoJSON geometries of org boundaries (RFC 7946): the check an org's
 * boundary passes before it is stored, and whether a point lies inside one.
 *
 * A boundary is {"type":"Polygon","coordinates":[RING, …]} or
 * {"type":"MultiPolygon","coordinates":[[RING, …], …]} and nothing else. A
 * RING is at least 4 positions [lng, lat] (WGS-84 degrees, exactly two
 * numbers, lng −180..180, lat −90..90), closed (its last position equals
 * its first) and enclosing an area; a polygon's first ring is its outline,
 * any others its holes. At most GEOJSON_MAX_POINTS positions in all.
 * Not checked: the winding order (RFC 7946 asks writers for
 * counter-clockwise outlines and readers not to insist) and rings that
 * cross themselves or each other.
 */
#ifndef CIVICLOOP_UTIL_GEOJSON_H
#define CIVICLOOP_UTIL_GEOJSON_H

#include <jansson.h>
#include <stdbool.h>

#include "util/error.h"

#define GEOJSON_MAX_POINTS 2000

/* 0 if g is a boundary as above, or -1 with *e set to 400 field.invalid on
 * `field`, saying in Chinese what is wrong and where (the ring's number). */
int geojson_boundary_check(const json_t *g, const char *field, struct err *e);

/* True if (lng, lat) lies inside the boundary g (one that passed the check):
 * inside some polygon's outline and in none of its holes, each ring by the
 * even-odd rule (a point exactly on an edge may fall either way). */
bool geojson_contains(const json_t *g, double lng, double lat);

#endif
