/* SQL of the hotline area; see store/statements.h for the conventions. */
#ifndef CIVICLOOP_STORE_STMT_HOTLINE_H
#define CIVICLOOP_STORE_STMT_HOTLINE_H

#define STATEMENTS_HOTLINE(STMT) \
	STMT(ST_ORG_SETTINGS_SET, "UPDATE orgs SET settings = ?2 WHERE id = ?1") \
	STMT(ST_ORG_SETTINGS_GET, "SELECT settings FROM orgs WHERE id = ?1") \
	STMT(ST_ORG_PARENT, "SELECT parent_id FROM orgs WHERE id = ?1") \
	STMT(ST_ORG_CODE, "SELECT code FROM orgs WHERE id = ?1") \
	STMT(ST_NOTICE_INSERT, \
	     "INSERT INTO notices(org_id, case_id, kind, text, actor_id, created_at, region_code)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, " REGION_OF_CASE_OR_ORG("?2", "?1") ")") \
	STMT(ST_ASG_DISTINCT_ORGS, \
	     "SELECT count(DISTINCT org_id) FROM assignments WHERE case_id = ?1") \
	STMT(ST_ASG_CASE_INFO, \
	     "SELECT a.org_id, c.id, c.no, c.title, c.type, a.status FROM assignments a" \
	     " JOIN cases c ON c.region_code = a.region_code AND c.id = a.case_id" \
	     " WHERE a.id = ?1")

#endif
