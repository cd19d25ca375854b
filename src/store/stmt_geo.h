/*
 * SQL of the map: org boundaries and the open cases that have a location.
 * See store/statements.h for the conventions; VISIBLE is defined there and
 * this X-macro is expanded after it.
 */
#ifndef CIVICLOOP_STORE_STMT_GEO_H
#define CIVICLOOP_STORE_STMT_GEO_H

/* visible to the reader whose case.read scopes are ?1..?3 */
#define GEO_VISIBLE VISIBLE("?1", "?2", "?3")

#define STATEMENTS_GEO(STMT) \
	STMT(ST_ORG_SET_BOUNDARY, "UPDATE orgs SET boundary = ?2 WHERE id = ?1") \
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
