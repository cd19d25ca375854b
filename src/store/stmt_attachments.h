/*
 * SQL of case attachments (schema migration 8); see store/statements.h for
 * the conventions. A row names its file by SHA-256 (util/filestore.h); the
 * file is written before the row's transaction commits and never changes.
 * Visibility is the case's: callers load the case and check it first.
 */
#ifndef CIVICLOOP_STORE_STMT_ATTACHMENTS_H
#define CIVICLOOP_STORE_STMT_ATTACHMENTS_H

#define STATEMENTS_ATTACHMENTS(STMT) \
	STMT(ST_ATTACHMENT_INSERT, \
	     "INSERT INTO attachments(case_id, sha256, name, content_type, size, uploaded_by," \
	     " created_at, region_code) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, " REGION_OF_CASE( \
	         "?1") ")") \
	STMT(ST_ATTACHMENT_COUNT, "SELECT count(*) FROM attachments WHERE case_id = ?1") \
	/* those attached at or after ?2 (the case's last action): the \
	 * new_attachments condition; attachments_case, then a filter */ \
	STMT(ST_ATTACHMENT_COUNT_SINCE, \
	     "SELECT count(*) FROM attachments WHERE case_id = ?1 AND created_at >= ?2") \
	/* a case's attachments, oldest first, with their uploaders */ \
	STMT(ST_ATTACHMENTS_OF_CASE, \
	     "SELECT a.id, a.name, a.content_type, a.size, a.sha256, u.login, u.name," \
	     " a.created_at FROM attachments a JOIN users u ON u.id = a.uploaded_by" \
	     " WHERE a.case_id = ?1 ORDER BY a.id") \
	STMT(ST_ATTACHMENT_GET, \
	     "SELECT a.id, a.case_id, a.name, a.content_type, a.size, a.sha256, u.login," \
	     " u.name, a.created_at FROM attachments a JOIN users u ON u.id = a.uploaded_by" \
	     " WHERE a.id = ?1") \
	/* every row by file, for the checks of audit verify and for backups: \
	 * rows naming one file come together */ \
	STMT(ST_ATTACHMENTS_ALL, \
	     "SELECT id, case_id, sha256, size FROM attachments ORDER BY sha256, size, id")

#endif
