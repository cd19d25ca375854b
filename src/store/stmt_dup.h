/*
 * SQL of the duplicate check (core/duplicates.c). See store/statements.h
 * for the conventions.
 *
 * case_points (migration 12) is an R*Tree of each located case's WGS-84
 * point (lat, lng, as stored in cases.location) and its received time in
 * hours since 1970 (h): three dimensions, so one box asks "within R metres
 * and the last N days" and reads only what is inside it. An R*Tree keeps
 * 32-bit floats, rounded outwards (a box holds its point); the exact
 * distance and time are checked in C afterwards.
 */
#ifndef CIVICLOOP_STORE_STMT_DUP_H
#define CIVICLOOP_STORE_STMT_DUP_H

#define STATEMENTS_DUP(STMT) \
	/* the new case's point, from its row; nothing for a case without one */ \
	/* an existing case's phone index, for its duplicates (GET …/duplicates) */ \
	STMT(ST_DUP_PHONE_OF, "SELECT phone_index FROM cases WHERE id = ?1") \
	STMT(ST_DUP_POINT_ADD, \
	     "INSERT INTO case_points(id, lat0, lat1, lng0, lng1, h0, h1)" \
	     " SELECT id, json_extract(location, '$.lat'), json_extract(location, '$.lat')," \
	     " json_extract(location, '$.lng'), json_extract(location, '$.lng')," \
	     " received_at / 3600000.0, received_at / 3600000.0 FROM cases" \
	     " WHERE id = ?1 AND json_type(location, '$.lat') IN ('real', 'integer')") \
	/* the newest 50 cases in the box lat ?1..?2, lng ?3..?4 (micro-degrees), \
	 * hours ?5..?6 but ?7. Plan: "SCAN p VIRTUAL TABLE INDEX 2:B0D1B2D3B4D5" \
	 * (the R*Tree's box query) then "USE TEMP B-TREE FOR ORDER BY" over the \
	 * box's rows only (tests/unit/test_duplicates.c checks it). */ \
	STMT(ST_DUP_NEAR, \
	     "SELECT p.id FROM case_points p WHERE p.lat0 <= ?2 * 1e-6 AND p.lat1 >= ?1 * 1e-6" \
	     " AND p.lng0 <= ?4 * 1e-6 AND p.lng1 >= ?3 * 1e-6 AND p.h0 <= ?6 AND p.h1 >= ?5" \
	     " AND p.id <> ?7 ORDER BY p.id DESC LIMIT 50") \
	/* the first case received at ?1 or later, whose id bounds the window \
	 * from below: "SEARCH cases USING INDEX cases_received (received_at>?)" */ \
	STMT(ST_DUP_WINDOW_START, \
	     "SELECT id FROM cases WHERE received_at >= ?1 ORDER BY received_at LIMIT 1") \
	/* the 50 cases from id ?2 on (but ?3) whose address best matches the FTS5 \
	 * query ?1: "SCAN case_fts VIRTUAL TABLE INDEX 0:M3" with the rowid \
	 * bound, ranked by bm25 over the window's matches only */ \
	STMT(ST_DUP_BY_ADDRESS, \
	     "SELECT rowid FROM case_fts WHERE case_fts MATCH ?1 AND rowid >= ?2 AND rowid <> ?3" \
	     " ORDER BY rank LIMIT 50") \
	/* what dup_score reads of a candidate: "SEARCH cases USING INTEGER \
	 * PRIMARY KEY (rowid=?)" */ \
	STMT(ST_DUP_BRIEF, \
	     "SELECT type, class, description, location, received_at FROM cases WHERE id = ?1")

#endif
