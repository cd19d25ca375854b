/*
 * Placing a point in the org tree (属地): which township, village and grid
 * boundary (orgs.boundary, util/geojson.h) holds a case's WGS-84 point.
 *
 * The candidates are the orgs of those kinds whose bounding box holds the
 * point (the R*Tree org_bbox of migration 10, kept in step with the
 * boundaries by org_set_boundary); each is then tested exactly with
 * geojson_contains. The point is placed in the deepest org that holds it:
 * a grid before a village before a township, then the longer org path,
 * then the lower id (two overlapping boundaries of one kind never make the
 * answer depend on the order rows come in). A point that no township,
 * village or grid holds is "outside": flagged for a person to look at, not
 * guessed (the county's own boundary does not place a case).
 *
 * Intake (core/intake.c) stores the result with the case: cases.place_status
 * and cases.place_org_id. A later change of boundaries does not move cases
 * placed before it.
 */
#ifndef CIVICLOOP_CORE_PLACEMENT_H
#define CIVICLOOP_CORE_PLACEMENT_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

enum place_status {
	PLACE_NONE,    /* the case has no point (an address alone, or nothing) */
	PLACE_PLACED,  /* some township, village or grid holds it */
	PLACE_OUTSIDE, /* none does */
};

struct placement {
	enum place_status status;
	int64_t org_id; /* PLACE_PLACED: the deepest org holding the point */
	char org_code[64];
	char org_path[256];
};

/* Places (lng, lat) (WGS-84) into *out. 0, or -1 when the store failed. */
int placement_find(struct store_conn *c, double lng, double lat, struct placement *out);

/* The stored name of a status ("placed", "outside"), NULL for PLACE_NONE
 * (stored as NULL). */
const char *placement_status_name(enum place_status s);

/* The case JSON's "placement" from the stored columns (status NULL = none):
 * {"status":"placed"|"outside"|"none","grid"?,"village"?,"township"?},
 * each {"id","code","name"}: the placed org and its ancestors of those
 * kinds. NULL when out of memory. */
json_t *placement_json(struct store_conn *c, const char *status, int64_t org_id);

#endif
