/*
 * SQL of account management: password changes, disabling and enabling
 * accounts, and revoking an account's sessions and API keys. See
 * store/statements.h for the conventions.
 */
#ifndef CIVICLOOP_STORE_STMT_ACCOUNTS_H
#define CIVICLOOP_STORE_STMT_ACCOUNTS_H

#define STATEMENTS_ACCOUNTS(STMT) \
	STMT(ST_USER_SET_PASSWORD, "UPDATE users SET pw_hash = ?2 WHERE id = ?1") \
	STMT(ST_USER_SET_DISABLED, "UPDATE users SET disabled = ?2 WHERE id = ?1") \
	/* every session of a user, except the one hashed ?2 when not NULL */ \
	STMT(ST_SESSIONS_REVOKE_USER, "DELETE FROM sessions WHERE user_id = ?1" \
	                              " AND (?2 IS NULL OR token_hash <> ?2)") \
	STMT(ST_APIKEYS_REVOKE_USER, "UPDATE api_keys SET revoked_at = ?2 WHERE user_id = ?1" \
	                             " AND revoked_at IS NULL") \
	STMT(ST_APIKEY_USER_BY_NAME, \
	     "SELECT k.user_id, u.org_id, u.login FROM api_keys k" \
	     " JOIN users u ON u.id = k.user_id WHERE k.name = ?1 AND k.revoked_at IS NULL") \
	/* every key with its account's org path (admins see their subtree's) */ \
	STMT(ST_APIKEY_LIST, "SELECT k.id, k.name, k.created_at, k.revoked_at, u.login, u.name," \
	                     " o.path FROM api_keys k JOIN users u ON u.id = k.user_id" \
	                     " JOIN orgs o ON o.id = u.org_id ORDER BY k.id")

#endif
