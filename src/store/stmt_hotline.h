/* SQL of the hotline area; see store/statements.h for the conventions. */
#ifndef CIVICLOOP_STORE_STMT_HOTLINE_H
#define CIVICLOOP_STORE_STMT_HOTLINE_H

#define STATEMENTS_HOTLINE(STMT) \
	STMT(ST_ORG_SETTINGS_SET, "UPDATE orgs SET settings = ?2 WHERE id = ?1") \
	STMT(ST_ORG_SETTINGS_GET, "SELECT settings FROM orgs WHERE id = ?1")

#endif
