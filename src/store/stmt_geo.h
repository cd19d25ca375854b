/*
 * SQL of the map: org boundaries and the open cases that have a location.
 * See store/statements.h for the conventions; VISIBLE is defined there and
 * this X-macro is expanded after it.
 */
#ifndef CIVICLOOP_STORE_STMT_GEO_H
#define CIVICLOOP_STORE_STMT_GEO_H

/* visible to the reader whose case.read scopes are ?1..?3 */
#define GEO_VISIBLE VISIBLE("?1", "?2", "?3")

/* The bounding box of each boundary of the orgs o (migration 10 and
 * ST_ORG_BBOX_INSERT): the least and greatest lng (index 0
 * of a position) and lat (index 1) among the numbers under "coordinates",
 * the only numbers a checked boundary holds. */
#define ORG_BBOX_SELECT \
	"SELECT o.id, min(CASE WHEN j.key = 0 THEN j.value END)," \
	" max(CASE WHEN j.key = 0 THEN j.value END), min(CASE WHEN j.key = 1 THEN j.value END)," \
	" max(CASE WHEN j.key = 1 THEN j.value END)" \
	" FROM orgs o, json_tree(o.boundary, '$.coordinates') j" \
	" WHERE o.boundary IS NOT NULL AND j.type IN ('integer', 'real')"

/* ST_ORG_LINEAGE's text: org p's path's ids (ORG_PATH_IDS, stmt_lists.h) */
#define ORG_LINEAGE_IDS ORG_PATH_IDS("p.path")
#define ORG_LINEAGE_SQL \
	"SELECT a.id, a.code, a.name, a.kind FROM orgs p, " ORG_LINEAGE_IDS " j" \
	" JOIN orgs a ON a.id = j.value WHERE p.id = ?1 ORDER BY length(a.path) DESC"

#define STATEMENTS_GEO(STMT) \
	STMT(ST_ORG_SET_BOUNDARY, "UPDATE orgs SET boundary = ?2 WHERE id = ?1") \
	/* a case's placement (core/placement.c placement_json): org ?1 and its \
	 * ancestors by its path, the deepest first; one statement, not a walk \
	 * up the parents (a list page shows fifty) */ \
	STMT(ST_ORG_LINEAGE, ORG_LINEAGE_SQL) \
	/* the R*Tree org_bbox kept in step with org ?1's boundary (migration 10): \
	 * its box removed, then added again from the boundary when it has one */ \
	STMT(ST_ORG_BBOX_DELETE, "DELETE FROM org_bbox WHERE id = ?1") \
	STMT(ST_ORG_BBOX_INSERT, \
	     "INSERT INTO org_bbox(id, min_lng, max_lng, min_lat, max_lat) " ORG_BBOX_SELECT \
	     " AND o.id = ?1 GROUP BY o.id") \
	/* the townships, villages and grids whose box holds the point (?1 lng, \
	 * ?2 lat): the candidates core/placement.c tests exactly */ \
	STMT(ST_PLACE_CANDIDATES, \
	     "SELECT o.id, o.code, o.name, o.kind, o.path, o.boundary FROM org_bbox b" \
	     " JOIN orgs o ON o.id = b.id WHERE b.min_lng <= ?1 AND b.max_lng >= ?1" \
	     " AND b.min_lat <= ?2 AND b.max_lat >= ?2" \
	     " AND o.kind IN ('township', 'village', 'grid')") \
	/* the orgs that have a boundary, with their path (the caller filters by it: \
	 * the boundary column, read last, is only read for the orgs it keeps) */ \
	STMT(ST_GEO_REGIONS, "SELECT id, code, name, kind, parent_id, path, boundary FROM orgs" \
	                     " WHERE boundary IS NOT NULL ORDER BY id") \
	/* open cases with a location visible to the scopes ?1..?3, of type ?4 and \
	 * status in ?5 (a JSON array) when not NULL, newest first, at most ?6: \
	 * walks the partial index cases_map, never every case. A location may be \
	 * an address alone, with no point to draw: those are left out here, \
	 * before the LIMIT, so they never take a place on the map */ \
	STMT(ST_GEO_CASES, \
	     "SELECT c.id, c.no, c.title, c.status, c.type, c.class," \
	     " json_extract(c.location, '$.lat'), json_extract(c.location, '$.lng'), c.due_at," \
	     " o.id, o.code, o.name FROM cases c JOIN orgs o ON o.id = c.org_id" \
	     " WHERE c.closed_at IS NULL AND c.location IS NOT NULL" \
	     " AND json_extract(c.location, '$.lat') IS NOT NULL AND " GEO_VISIBLE \
	     " AND (?4 IS NULL OR c.type = ?4)" \
	     " AND (?5 IS NULL OR c.status IN (SELECT value FROM json_each(?5)))" \
	     " ORDER BY c.id DESC LIMIT ?6")

#endif
