/*
 * SQL of official receptions (公务接待: core/receptions.c, docs/reception.md).
 * See store/statements.h for the conventions. A reception is a case of the
 * type with "reception_rules" (?1); the receiving unit is the org named in
 * its unit field (path ?5, '$.dest_org' from the block), so no SQL here
 * names a field or a state. The checks scan the type's cases in the scope
 * (cases_type_status): a county records a few hundred receptions a year.
 */
#ifndef CIVICLOOP_STORE_STMT_RECEPTION_H
#define CIVICLOOP_STORE_STMT_RECEPTION_H

#define STATEMENTS_RECEPTION(STMT) \
	/* the type's cases whose own org or receiving unit lies under ?2, \
	 * received in [?3, ?4) (either NULL: open), oldest first, with the \
	 * revocation of the letter whose number its letter field (path ?6) holds */ \
	STMT(ST_RECEPTION_CASES, \
	     "SELECT c.id, c.no, c.title, c.status, c.channel, c.fields, o.code, o.name," \
	     " u.code, u.name, c.received_at, d.revoked_at, d.revoked_reason" \
	     " FROM cases c JOIN orgs o ON o.id = c.org_id" \
	     " LEFT JOIN documents d ON d.number = json_extract(c.fields, ?6)" \
	     " LEFT JOIN orgs u ON u.code = json_extract(c.fields, ?5)" \
	     " WHERE c.type = ?1 AND (o.path LIKE ?2 || '%' OR u.path LIKE ?2 || '%')" \
	     " AND (?3 IS NULL OR c.received_at >= ?3) AND (?4 IS NULL OR c.received_at < ?4)" \
	     " ORDER BY c.id") \
	/* the units a trip may visit: the departments and townships of the \
	 * county whose path begins ?1 (names are public: the letter shows them) */ \
	STMT(ST_RECEPTION_UNITS, \
	     "SELECT o.code, o.name, o.kind FROM orgs o WHERE o.path LIKE ?1 || '%'" \
	     " AND o.kind IN ('department', 'township') ORDER BY o.kind DESC, o.path LIMIT 500") \
	/* a case's type and status (a refusal to record) */ \
	STMT(ST_RECEPTION_CASE_TYPE, "SELECT type, status FROM cases WHERE id = ?1") \
	/* the refused attempts recorded on the type's cases (events of action \
	 * ?7), with the same scope and period as ST_RECEPTION_CASES */ \
	STMT(ST_RECEPTION_REFUSALS, \
	     "SELECT c.id, c.no, c.title, e.payload, o.code, o.name, u.code, u.name" \
	     " FROM events e JOIN cases c ON c.region_code = e.region_code AND c.id = e.case_id" \
	     " JOIN orgs o ON o.id = c.org_id" \
	     " LEFT JOIN orgs u ON u.code = json_extract(c.fields, ?5)" \
	     " WHERE e.action = ?7 AND c.type = ?1" \
	     " AND (o.path LIKE ?2 || '%' OR u.path LIKE ?2 || '%')" \
	     " AND (?3 IS NULL OR c.received_at >= ?3) AND (?4 IS NULL OR c.received_at < ?4)" \
	     " AND ?6 IS NOT NULL ORDER BY e.seq")

#endif
