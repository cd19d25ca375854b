/*
 * SQL of a type's ledger (台账, core/ledger.h): its cases with the
 * enterprise each belongs to (joined by the case's org only), their
 * summary by source, level and listing, and the map of the major and
 * listed ones. See store/statements.h for the conventions. Field names come
 * from the type's "ledger" block as JSON paths ("$.source"), bound like
 * any value: ?5 source, ?6 level, ?7 listed, ?8 category, ?9 deadline.
 * ?4 is the type: every statement walks the index cases_type_status from
 * the type, never every case.
 */
#ifndef CIVICLOOP_STORE_STMT_LEDGER_H
#define CIVICLOOP_STORE_STMT_LEDGER_H

#define LEDGER_FROM \
	" FROM cases c JOIN orgs o ON o.id = c.org_id" \
	" LEFT JOIN enterprises e ON e.org_id = c.org_id LEFT JOIN orgs t ON t.id = e.township_id"

/* ?1..?3 read scopes, ?10 region path, ?11 industry, ?12 source, ?13 level,
 * ?14 status, ?15 listed (0/1), ?18/?19 received range, ?20 states left
 * out (a JSON array) */
#define LEDGER_WHERE \
	" WHERE c.type = ?4 AND " VISIBLE( \
	    "?1", "?2", \
	    "?3") " AND (?10 IS NULL OR o.path LIKE ?10 || '%')" \
	          " AND (?11 IS NULL OR e.industry = ?11)" \
	          " AND (?12 IS NULL OR json_extract(c.fields, ?5) = ?12)" \
	          " AND (?13 IS NULL OR json_extract(c.fields, ?6) = ?13)" \
	          " AND (?14 IS NULL OR c.status = ?14)" \
	          " AND (?15 IS NULL OR (json_extract(c.fields, ?7) IS NOT NULL) = ?15)" \
	          " AND (?18 IS NULL OR c.received_at >= ?18) AND (?19 IS NULL OR c.received_at " \
	          "< ?19)" \
	          " AND (?20 IS NULL OR c.status NOT IN (SELECT value FROM json_each(?20)))"

#define STATEMENTS_LEDGER(STMT) \
	/* a page of the ledger, newest first, after cursor ?16, at most ?17 */ \
	STMT( \
	    ST_LEDGER_LIST, \
	    "SELECT c.id, c.no, c.title, c.status, c.received_at, c.closed_at," \
	    " json_extract(c.fields, ?5), json_extract(c.fields, ?6), json_extract(c.fields, ?7)," \
	    " json_extract(c.fields, ?8), json_extract(c.fields, ?9), o.id, o.code, o.name," \
	    " e.industry, e.risk_level, t.code, t.name" LEDGER_FROM LEDGER_WHERE \
	    " AND (?16 IS NULL OR c.id < ?16) ORDER BY c.id DESC LIMIT ?17") \
	/* found and rectified (status in ?21) per source, level and listing */ \
	STMT(ST_LEDGER_SUMMARY, \
	     "SELECT json_extract(c.fields, ?5), json_extract(c.fields, ?6)," \
	     " json_extract(c.fields, ?7) IS NOT NULL, count(*)," \
	     " sum(c.status IN (SELECT value FROM json_each(?21)))" LEDGER_FROM LEDGER_WHERE \
	     " GROUP BY 1, 2, 3") \
	/* open cases whose level is in ?8 (a JSON array) or that are listed, \
	 * at the case's point or else its enterprise's, newest first, at most ?9 */ \
	STMT(ST_LEDGER_MAP, \
	     "SELECT c.id, c.no, c.title, c.status, json_extract(c.fields, ?6)," \
	     " json_extract(c.fields, ?7), coalesce(json_extract(c.location, '$.lng'), e.lng)," \
	     " coalesce(json_extract(c.location, '$.lat'), e.lat), o.code, o.name, " \
	     "e.industry" LEDGER_FROM " WHERE c.type = ?4 AND c.closed_at IS NULL AND " VISIBLE( \
	         "?1", "?2", \
	         "?3") " AND (json_extract(c.fields, ?6) IN (SELECT value FROM json_each(?8))" \
	               " OR json_extract(c.fields, ?7) IS NOT NULL) ORDER BY c.id DESC LIMIT ?9")

#endif
