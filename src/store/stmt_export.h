/* SQL of the case exports (core/caseexport.c, docs/api.md "Exports"); see
 * store/statements.h for the conventions.
 *
 * An export walks the list (the list's own statements, CASE_EXPORT_PAGE
 * ids at a time) and reads each page back with these two, bound to the
 * page's ids as a JSON array ?1 in the list's order: one statement a page
 * for the cases and one for their parts, instead of the list's view of each
 * case (a case_load and several look-ups a row). json_each drives; each
 * case is read by its rowid and its parts through assignments_case, so a
 * page costs its own rows whatever the database holds. The page's rows (at
 * most CASE_EXPORT_PAGE cases and their parts) are sorted into the page's
 * order; tests/unit/test_lists.c checks both plans. */
#ifndef CIVICLOOP_STORE_STMT_EXPORT_H
#define CIVICLOOP_STORE_STMT_EXPORT_H

#define STATEMENTS_EXPORT(STMT) \
	/* the lowest and highest id of the cases received in [?1, ?2): they \
	 * bound the newest-first walk of an export of from..to (one range of \
	 * the covering index cases_received, its entries in the range only) */ \
	STMT(ST_EXPORT_ID_RANGE, \
	     "SELECT min(id), max(id) FROM cases WHERE received_at >= ?1 AND received_at < ?2") \
	/* the cases of the page, in its order: what a row shows (fields' \
	 * category only when it is a string, as the list's JSON holds it; \
	 * fields that are not JSON are no fields, as case_load reads them) */ \
	STMT(ST_EXPORT_CASES, \
	     "SELECT j.key, c.id, c.no, c.type, c.class, c.channel, c.status, c.title," \
	     " CASE WHEN json_valid(c.fields) THEN CASE json_type(c.fields, '$.category')" \
	     " WHEN 'text' THEN json_extract(c.fields, '$.category') END END," \
	     " o.name, c.reporter_enc, c.confidential, c.received_at, c.due_at, c.closed_at" \
	     " FROM json_each(?1) j JOIN cases c ON c.id = j.value" \
	     " JOIN orgs o ON o.id = c.org_id ORDER BY j.key") \
	/* their parts, each case's in the order they were made (case_load's) */ \
	STMT(ST_EXPORT_PARTS, \
	     "SELECT j.key, a.kind, a.status, o.name FROM json_each(?1) j" \
	     " JOIN assignments a ON a.case_id = j.value JOIN orgs o ON o.id = a.org_id" \
	     " ORDER BY j.key, a.id")

#endif
