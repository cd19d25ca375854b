/*
 * SQL of the areas that face outside systems and the public: API keys
 * (systems such as the 110 linkage and Open311 clients), the 110 hand-over
 * and public progress tracking. See store/statements.h for the conventions.
 */
#ifndef CIVICLOOP_STORE_STMT_PUBLIC_H
#define CIVICLOOP_STORE_STMT_PUBLIC_H

#define STATEMENTS_PUBLIC(STMT) \
	/* API keys: only BLAKE2b(key) is stored */ \
	STMT(ST_APIKEY_INSERT, "INSERT INTO api_keys(user_id, name, key_hash, created_at)" \
	                       " VALUES(?1, ?2, ?3, ?4)") \
	STMT(ST_APIKEY_LOOKUP, "SELECT user_id FROM api_keys WHERE key_hash = ?1" \
	                       " AND revoked_at IS NULL") \
	STMT(ST_APIKEY_ACTIVE_BY_NAME, "SELECT count(*) FROM api_keys WHERE name = ?1" \
	                               " AND revoked_at IS NULL") \
	STMT(ST_APIKEY_REVOKE, "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1" \
	                       " AND revoked_at IS NULL") \
	/* public progress tracking */ \
	STMT(ST_PUBLIC_CASE_BY_NO, "SELECT id FROM cases WHERE no = ?1") \
	STMT(ST_PUBLIC_STEPS, "SELECT at, action, to_status FROM events WHERE case_id = ?1" \
	                      " ORDER BY seq")

#endif
