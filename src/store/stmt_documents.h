/*
 * SQL of signed documents and the instance's published signing keys
 * (migration "documents", issue 14; core/documents.c). See
 * store/statements.h for the conventions.
 */
#ifndef CIVICLOOP_STORE_STMT_DOCUMENTS_H
#define CIVICLOOP_STORE_STMT_DOCUMENTS_H

#define DOC_COLS \
	"d.id, d.kind, d.number, d.case_id, d.org_id, d.payload, d.signature, d.key_id," \
	" d.issued_at, d.valid_until, d.revoked_at, d.revoked_reason, d.revoked_by"

#define STATEMENTS_DOCUMENTS(STMT) \
	STMT(ST_DOC_INSERT, \
	     "INSERT INTO documents(kind, number, case_id, org_id, payload, signature, key_id," \
	     " issued_at, valid_until, issued_by, region_code) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7," \
	     " ?8, ?9, ?10, " REGION_OF_CASE_OR_ORG("?3", "?4") ")") \
	/* documents of a kind issued in [?2, ?3): the day's sequence */ \
	STMT(ST_DOC_COUNT_KIND_SINCE, "SELECT count(*) FROM documents WHERE kind = ?1 AND " \
	                              "issued_at >= ?2 AND issued_at < ?3") \
	STMT(ST_DOC_OF_CASE, \
	     "SELECT " DOC_COLS " FROM documents d WHERE d.case_id = ?1 ORDER BY d.id") \
	STMT(ST_DOC_GET, "SELECT " DOC_COLS " FROM documents d WHERE d.id = ?1") \
	STMT(ST_DOC_BY_NUMBER, "SELECT " DOC_COLS " FROM documents d WHERE d.number = ?1") \
	STMT(ST_DOC_REVOKE, \
	     "UPDATE documents SET revoked_at = ?2, revoked_reason = ?3, revoked_by = ?4" \
	     " WHERE id = ?1 AND revoked_at IS NULL") \
	/* the signing key, published once (kept when a rotation retires it) */ \
	STMT(ST_KEY_PUBLISH, \
	     "INSERT INTO signing_keys(key_id, public_key, created_at) VALUES(?1, ?2, ?3)" \
	     " ON CONFLICT(key_id) DO NOTHING") \
	STMT(ST_KEY_RETIRE, \
	     "UPDATE signing_keys SET retired_at = ?2 WHERE key_id = ?1 AND retired_at IS NULL") \
	STMT(ST_KEY_RETIRE_OTHERS, \
	     "UPDATE signing_keys SET retired_at = ?2 WHERE key_id <> ?1 AND retired_at IS NULL") \
	STMT(ST_KEY_GET, "SELECT key_id, public_key, created_at, retired_at FROM signing_keys " \
	                 "WHERE key_id = ?1") \
	/* a checkpoint's key is trusted once published (audit verify after a rotation) */ \
	STMT(ST_KEY_PUBLISHED, "SELECT 1 FROM signing_keys WHERE public_key = ?1") \
	STMT(ST_KEY_LIST, "SELECT key_id, public_key, created_at, retired_at FROM signing_keys" \
	                  " ORDER BY created_at, key_id")

#endif
