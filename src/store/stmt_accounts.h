/*
 * SQL of account management: password changes, disabling and enabling
 * accounts, and revoking an account's sessions and API keys. See
 * store/statements.h for the conventions.
 */
#ifndef CIVICLOOP_STORE_STMT_ACCOUNTS_H
#define CIVICLOOP_STORE_STMT_ACCOUNTS_H

/* Columns of an account as the admin pages show it, in the order
 * account_row_json() (core/directory.c) reads them. */
#define USER_VIEW_COLS "u.id, u.login, u.name, u.disabled, u.created_at, o.id, o.code, o.name"

#define STATEMENTS_ACCOUNTS(STMT) \
	STMT(ST_USER_SET_PASSWORD, "UPDATE users SET pw_hash = ?2 WHERE id = ?1") \
	STMT(ST_USER_SET_DISABLED, "UPDATE users SET disabled = ?2 WHERE id = ?1") \
	STMT(ST_USER_SET_NAME, "UPDATE users SET name = ?2 WHERE id = ?1") \
	STMT(ST_ROLES_DELETE_USER, "DELETE FROM user_roles WHERE user_id = ?1") \
	/* every session of a user, except the one hashed ?2 when not NULL */ \
	STMT(ST_SESSIONS_REVOKE_USER, "DELETE FROM sessions WHERE user_id = ?1" \
	                              " AND (?2 IS NULL OR token_hash <> ?2)") \
	STMT(ST_APIKEYS_REVOKE_USER, "UPDATE api_keys SET revoked_at = ?2 WHERE user_id = ?1" \
	                             " AND revoked_at IS NULL") \
	STMT(ST_APIKEY_USER_BY_NAME, \
	     "SELECT k.user_id, u.org_id, u.login FROM api_keys k" \
	     " JOIN users u ON u.id = k.user_id WHERE k.name = ?1 AND k.revoked_at IS NULL") \
	STMT(ST_USER_VIEW, "SELECT " USER_VIEW_COLS " FROM users u JOIN orgs o ON o.id = u.org_id" \
	                   " WHERE u.id = ?1") \
	/* accounts whose org lies inside one of the scopes ?1 (a JSON array of \
	 * org paths) and inside ?2 (a path, NULL = any), whose login or name \
	 * contains ?3 (LIKE's wildcards escaped with \\, NULL = any), after id \
	 * ?4, at most ?5, by id */ \
	STMT(ST_USER_LIST, \
	     "SELECT " USER_VIEW_COLS " FROM users u JOIN orgs o ON o.id = u.org_id" \
	     " WHERE EXISTS (SELECT 1 FROM json_each(?1) sc WHERE o.path LIKE sc.value || '%')" \
	     " AND (?2 IS NULL OR o.path LIKE ?2 || '%')" \
	     " AND (?3 IS NULL OR u.login LIKE '%' || ?3 || '%' ESCAPE '\\'" \
	     "  OR u.name LIKE '%' || ?3 || '%' ESCAPE '\\')" \
	     " AND (?4 IS NULL OR u.id > ?4) ORDER BY u.id LIMIT ?5")

#endif
