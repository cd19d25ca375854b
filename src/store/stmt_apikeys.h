/*
 * SQL of API keys' scopes, org binding, rate and last use (issue 15,
 * core/apikey.c, api/apikeys.c, docs/apikeys.md). See store/statements.h
 * for the conventions. A key's org_id NULL (a key made before migration 21)
 * stands for its account's org.
 */
#ifndef CIVICLOOP_STORE_STMT_APIKEYS_H
#define CIVICLOOP_STORE_STMT_APIKEYS_H

#define APIKEY_VIEW_COLS \
	"k.id, k.name, k.created_at, k.revoked_at, u.login, u.name, ao.path, k.scopes," \
	" k.rate_per_min, k.last_used_at, coalesce(ko.id, ao.id), coalesce(ko.code, ao.code)," \
	" coalesce(ko.name, ao.name), coalesce(ko.path, ao.path), k.user_id"
#define APIKEY_VIEW_FROM \
	" FROM api_keys k JOIN users u ON u.id = k.user_id JOIN orgs ao ON ao.id = u.org_id" \
	" LEFT JOIN orgs ko ON ko.id = k.org_id"

#define STATEMENTS_APIKEYS(STMT) \
	/* a live key by its hash: id, account, scopes, rate, its org (NULL: \
	 * the account's) */ \
	STMT(ST_APIKEY_AUTH, "SELECT k.id, k.user_id, k.scopes, k.rate_per_min, k.org_id, o.code," \
	                     " o.path FROM api_keys k LEFT JOIN orgs o ON o.id = k.org_id" \
	                     " WHERE k.key_hash = ?1 AND k.revoked_at IS NULL") \
	/* the last use, never moved back */ \
	STMT(ST_APIKEY_TOUCH, "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1" \
	                      " AND (last_used_at IS NULL OR last_used_at < ?2)") \
	/* the live key named ?1 just made: its org, scopes and rate */ \
	STMT(ST_APIKEY_SET_OPTS, "UPDATE api_keys SET org_id = ?2, scopes = ?3, rate_per_min = ?4" \
	                         " WHERE name = ?1 AND revoked_at IS NULL") \
	/* every key with its account and org (admins see their subtree's) */ \
	STMT(ST_APIKEY_VIEW_LIST, "SELECT " APIKEY_VIEW_COLS APIKEY_VIEW_FROM " ORDER BY k.id") \
	STMT(ST_APIKEY_VIEW, "SELECT " APIKEY_VIEW_COLS APIKEY_VIEW_FROM " WHERE k.id = ?1") \
	STMT(ST_APIKEY_UPDATE, "UPDATE api_keys SET scopes = ?2, rate_per_min = ?3 WHERE id = ?1" \
	                       " AND revoked_at IS NULL")

#endif
