/*
 * SQL of the full-text index (migration 9's case_fts, core/search.c). See
 * store/statements.h for the conventions; VISIBLE is defined there and this
 * X-macro is expanded after it.
 *
 * case_fts holds one row per case, rowid = the case's id, in five columns:
 * no (the case number), title, body (the description), address and notes
 * (the type's text fields, such as the reply, and the units' opinions). Its
 * tokenizer is store/sqlite_fts.c's "civicloop" (util/tokenize.h).
 */
#ifndef CIVICLOOP_STORE_STMT_SEARCH_H
#define CIVICLOOP_STORE_STMT_SEARCH_H

/* bm25 with the columns weighted: a hit in the number or the title counts
 * more than one in the long text. FTS5's rank is "smaller is better". */
#define SEARCH_RANK "bm25(case_fts, 10.0, 4.0, 1.0, 2.0, 1.0)"

#define STATEMENTS_SEARCH(STMT) \
	STMT(ST_SEARCH_INSERT, "INSERT INTO case_fts(rowid, no, title, body, address, notes)" \
	                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6)") \
	STMT(ST_SEARCH_NOTES, "SELECT notes FROM case_fts WHERE rowid = ?1") \
	STMT(ST_SEARCH_SET_NOTES, "UPDATE case_fts SET notes = ?2 WHERE rowid = ?1") \
	STMT(ST_SEARCH_DELETE, "DELETE FROM case_fts WHERE rowid = ?1") \
	/* the cases in id order from ?1 on, for a rebuild of the index */ \
	STMT(ST_SEARCH_SOURCE, "SELECT id FROM cases WHERE id >= ?1 ORDER BY id LIMIT ?2") \
	STMT(ST_SEARCH_COUNT, "SELECT count(*) FROM case_fts") \
	/* FTS5's structure record (its levels and segments; core/search_segments.c) \
	 * and the crisismerge setting migration 30 made */ \
	STMT(ST_SEARCH_STRUCTURE, "SELECT block FROM case_fts_data WHERE id = 10") \
	STMT(ST_SEARCH_CRISISMERGE, "SELECT v FROM case_fts_config WHERE k = 'crisismerge'") \
	/* GET /api/v1/search: the newest ?5 hits of the query ?4 visible to \
	 * the scopes ?1..?3 (of type ?6 when bound), walked in rowid order \
	 * from the index (no sort of every hit), then ranked by bm25: at most \
	 * ?7 rows from ?8 on. The window keeps a query that matches half the \
	 * county's cases (a single common character) from ranking them all; \
	 * its size is the answer's "total" (capped when it is full). */ \
	STMT( \
	    ST_SEARCH_QUERY, \
	    "WITH hits AS MATERIALIZED (SELECT c.id AS id, " SEARCH_RANK " AS score" \
	    "  FROM case_fts JOIN cases c ON c.id = case_fts.rowid JOIN orgs o ON o.id = c.org_id" \
	    "  WHERE case_fts MATCH ?4 AND (?6 IS NULL OR c.type = ?6) AND " VISIBLE( \
	        "?1", "?2", "?3") " ORDER BY case_fts.rowid DESC LIMIT ?5)" \
	                          " SELECT id, score, (SELECT count(*) FROM hits) FROM hits" \
	                          " ORDER BY score, id DESC LIMIT ?7 OFFSET ?8") \
	/* one hit's title, highlighted (\x01 \x02 around each matched token), \
	 * and the best fragments of its description, notes, address and number \
	 * (an ellipsis where text was cut) */ \
	STMT(ST_SEARCH_SNIPPET, "SELECT highlight(case_fts, 1, char(1), char(2))," \
	                        " snippet(case_fts, 2, char(1), char(2), '…', 24)," \
	                        " snippet(case_fts, 4, char(1), char(2), '…', 24)," \
	                        " snippet(case_fts, 3, char(1), char(2), '…', 24)," \
	                        " snippet(case_fts, 0, char(1), char(2), '…', 24)" \
	                        " FROM case_fts WHERE case_fts MATCH ?1 AND rowid = ?2")

#endif
