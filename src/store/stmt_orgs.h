/*
 * SQL of the org tree as the API shows it (core/directory.h org_view_json):
 * one org, an org's children, and the search of the pickers. Each row is
 * ORG_VIEW_COLS; its last column says whether the org has a child, an
 * EXISTS on the orgs_parent index (never a count). See store/statements.h
 * for the conventions.
 */
#ifndef CIVICLOOP_STORE_STMT_ORGS_H
#define CIVICLOOP_STORE_STMT_ORGS_H

/* Columns of an org as org_view_json() reads them. */
#define ORG_VIEW_COLS \
	"o.id, o.code, o.name, o.kind, o.parent_id, o.path, o.region_code, o.settings," \
	" EXISTS (SELECT 1 FROM orgs ch WHERE ch.parent_id = o.id)"

#define STATEMENTS_ORGS(STMT) \
	STMT(ST_ORG_VIEW, "SELECT " ORG_VIEW_COLS " FROM orgs o WHERE o.id = ?1") \
	STMT(ST_ORG_CHILDREN, \
	     "SELECT " ORG_VIEW_COLS " FROM orgs o WHERE o.parent_id = ?1 ORDER BY o.id") \
	STMT(ST_ORG_NAME, "SELECT name FROM orgs WHERE id = ?1") \
	/* orgs inside a scope of the JSON array ?1 (org paths) or the org ?2, \
	   whose name or code contains ?3 (LIKE-escaped with '\'), of a kind in \
	   the JSON array ?4, after id ?5, by id, at most ?6 */ \
	STMT(ST_ORG_SEARCH, "SELECT " ORG_VIEW_COLS " FROM orgs o" \
	                    " WHERE (o.id = ?2 OR EXISTS (SELECT 1 FROM json_each(?1) sc" \
	                    "  WHERE substr(o.path, 1, length(sc.value)) = sc.value))" \
	                    " AND (?3 IS NULL OR o.name LIKE '%' || ?3 || '%' ESCAPE '\\'" \
	                    "  OR o.code LIKE '%' || ?3 || '%' ESCAPE '\\')" \
	                    " AND (?4 IS NULL OR o.kind IN (SELECT value FROM json_each(?4)))" \
	                    " AND o.id > ?5 ORDER BY o.id LIMIT ?6")

#endif
