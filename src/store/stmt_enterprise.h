/*
 * SQL of the enterprise registry and the 约谈 records (migration 17,
 * issue 13; core/enterprises.h, core/interviews.h, api/enterprises.c). See
 * store/statements.h for the conventions. Who may see a row is decided by
 * the org tree alone: the enterprise's (or the interview's) org path inside
 * one of the reader's case.read scopes ?1..?3.
 */
#ifndef CIVICLOOP_STORE_STMT_ENTERPRISE_H
#define CIVICLOOP_STORE_STMT_ENTERPRISE_H

/* An enterprise with its org, township and grid (core/enterprises.c
 * enterprise_read expects this order). */
#define ENT_COLS \
	"e.org_id, o.code, o.name, o.path, e.credit_code, e.industry, e.risk_level, e.address," \
	" e.lng, e.lat, e.township_id, t.code, t.name, e.grid_id, g.code, g.name, e.created_at," \
	" e.updated_at, e.version"
#define ENT_FROM \
	" FROM enterprises e JOIN orgs o ON o.id = e.org_id JOIN orgs t ON t.id = e.township_id" \
	" LEFT JOIN orgs g ON g.id = e.grid_id"

#define INTERVIEW_COLS \
	"i.id, i.case_id, c.no, i.campaign_id, i.org_id, o.code, o.name, i.kind, i.person," \
	" i.position, i.held_at, i.interviewer, i.outcome, i.actor_id, i.created_at"

/* ST_ENT_ORG_SET: the region of the new parent ?3 */
#define ENT_PARENT_REGION "coalesce(" REGION_OF_ORG("?3") ", '000000')"

#define STATEMENTS_ENTERPRISE(STMT) \
	STMT(ST_ENT_INSERT, "INSERT INTO enterprises(org_id, credit_code, industry, risk_level, " \
	                    "address, lng, lat," \
	                    " township_id, grid_id, contacts_enc, created_at, updated_at)" \
	                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)") \
	STMT(ST_ENT_GET, "SELECT " ENT_COLS ENT_FROM " WHERE e.org_id = ?1") \
	STMT(ST_ENT_CONTACTS, "SELECT contacts_enc FROM enterprises WHERE org_id = ?1") \
	STMT(ST_ENT_BY_CREDIT, "SELECT org_id FROM enterprises WHERE credit_code = ?1") \
	/* a whole row's new values, if it still has version ?12 */ \
	STMT(ST_ENT_UPDATE, \
	     "UPDATE enterprises SET credit_code = ?2, industry = ?3, risk_level = ?4," \
	     " address = ?5, lng = ?6, lat = ?7, township_id = ?8, grid_id = ?9," \
	     " contacts_enc = ?10, updated_at = ?11, version = version + 1" \
	     " WHERE org_id = ?1 AND version = ?12") \
	/* an enterprise's org follows its name and township */ \
	/* the enterprise's region follows its new township when it has no \
	 * code of its own (core/region.h); its cases keep theirs */ \
	STMT(ST_ENT_ORG_SET, "UPDATE orgs SET name = ?2, parent_id = ?3, path = ?4," \
	                     " city_code = CASE WHEN region_code IS NULL" \
	                     " THEN " ENT_PARENT_REGION " ELSE city_code END WHERE id = ?1") \
	/* the township holding the org at path ?1 (a placed grid's or village's) */ \
	STMT(ST_ENT_TOWNSHIP_OF, "SELECT id, code, path FROM orgs WHERE kind = 'township'" \
	                         " AND ?1 LIKE path || '%' ORDER BY length(path) DESC LIMIT 1") \
	/* GET /api/v1/enterprises: ?4 industry, ?5 risk level, ?6 township id, \
	 * ?7 q (LIKE-escaped, in the name or the credit code), after org id ?8, \
	 * ?9 rows, by org id */ \
	STMT(ST_ENT_LIST, \
	     "SELECT " ENT_COLS ENT_FROM " WHERE (o.path LIKE ?1 || '%' OR o.path LIKE ?2 || '%'" \
	     " OR o.path LIKE ?3 || '%') AND (?4 IS NULL OR e.industry = ?4)" \
	     " AND (?5 IS NULL OR e.risk_level = ?5) AND (?6 IS NULL OR e.township_id = ?6)" \
	     " AND (?7 IS NULL OR o.name LIKE '%' || ?7 || '%' ESCAPE '\\'" \
	     "  OR e.credit_code LIKE '%' || ?7 || '%' ESCAPE '\\')" \
	     " AND e.org_id > ?8 ORDER BY e.org_id LIMIT ?9") \
	/* the townships, for the registry's filters (api/enterprises.c) */ \
	STMT(ST_ENT_TOWNSHIPS, "SELECT id, code, name, path FROM orgs WHERE kind = 'township'" \
	                       " ORDER BY id") \
	/* a township by its name (the CSV import's 所属乡镇) */ \
	STMT(ST_ENT_TOWNSHIP_BY_NAME, \
	     "SELECT code FROM orgs WHERE kind = 'township' AND name = ?1" \
	     " ORDER BY id LIMIT 1") \
	STMT(ST_INTERVIEW_INSERT, \
	     "INSERT INTO interviews(case_id, campaign_id, org_id, kind, " \
	     "person, position, held_at," \
	     " interviewer, outcome, actor_id, created_at, region_code)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, " REGION_OF_CASE_OR_ORG( \
	         "?1", "?3") ")") \
	/* GET /api/v1/interviews: ?4 org id (its subtree: ?4 is its path), ?5 \
	 * case id, ?6 campaign id, before id ?7, ?8 rows, newest first; a \
	 * campaign's 约谈提醒 only within the caller's campaign scopes ?9–?12 \
	 * (campaign.visit or campaign.manage over the campaign's org) */ \
	STMT( \
	    ST_INTERVIEW_LIST, \
	    "SELECT " INTERVIEW_COLS " FROM interviews i JOIN orgs o ON o.id = i.org_id" \
	    " LEFT JOIN cases c ON c.region_code = i.region_code AND c.id = i.case_id" \
	    " WHERE (o.path LIKE ?1 || '%' OR o.path LIKE ?2 || '%' OR o.path LIKE ?3 || '%')" \
	    " AND (?4 IS NULL OR o.path LIKE ?4 || '%') AND (?5 IS NULL OR i.case_id = ?5)" \
	    " AND (?6 IS NULL OR i.campaign_id = ?6) AND i.id < ?7" \
	    " AND (i.campaign_id IS NULL OR EXISTS (SELECT 1 FROM campaigns k" \
	    " JOIN orgs ko ON ko.id = k.org_id WHERE k.id = i.campaign_id AND (ko.path LIKE ?9 " \
	    "|| '%'" \
	    " OR ko.path LIKE ?10 || '%' OR ko.path LIKE ?11 || '%' OR ko.path LIKE ?12 || '%')))" \
	    " ORDER BY i.id DESC LIMIT ?8")

#endif
