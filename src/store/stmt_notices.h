/*
 * SQL of notices and caller history; see store/statements.h for the
 * conventions. VISIBLE and the column lists used here are defined there;
 * the X-macro is expanded after them.
 *
 * Caller history binds the reader's case.read scopes as ?1..?3 and the
 * phone's blind index as ?4. Confidential cases never match: tying a phone
 * to a 举报 would reveal its reporter.
 *
 * Notices bind the same scopes as ?1..?3 and the reader's own org path as
 * ?4: a notice is seen by the staff of its org and of the orgs above it,
 * and only while its case is still visible to them.
 */
#ifndef CIVICLOOP_STORE_STMT_NOTICES_H
#define CIVICLOOP_STORE_STMT_NOTICES_H

#define CALLER_FROM \
	" FROM cases c JOIN orgs o ON o.id = c.org_id" \
	" WHERE c.phone_index = ?4 AND c.confidential = 0 AND " VISIBLE("?1", "?2", "?3")

/* Columns of a notice row, in the order notice_json() expects. */
#define NOTICE_COLS \
	"n.id, n.kind, n.text, n.created_at, n.read_at, n.case_id, c.no, c.title, c.status," \
	" c.type, uo.code, uo.name, au.login, au.name, ru.login, ru.name"

#define NOTICE_FROM \
	" FROM notices n JOIN orgs uo ON uo.id = n.org_id" \
	" LEFT JOIN cases c ON c.id = n.case_id AND c.region_code = n.region_code" \
	" LEFT JOIN orgs o ON o.id = c.org_id" \
	" LEFT JOIN users au ON au.id = n.actor_id LEFT JOIN users ru ON ru.id = n.read_by" \
	" WHERE uo.path LIKE ?4 || '%' AND (n.case_id IS NULL OR " VISIBLE("?1", "?2", "?3") ")"

#define STATEMENTS_NOTICES(STMT) \
	/* caller history: ?5 limit, ?6/?7 the (received_at, id) to continue below */ \
	STMT(ST_CALLER_CASES, \
	     "SELECT c.id, c.received_at" CALLER_FROM \
	     " AND (?6 IS NULL OR c.received_at < ?6 OR (c.received_at = ?6 AND c.id < ?7))" \
	     " ORDER BY c.received_at DESC, c.id DESC LIMIT ?5") \
	STMT(ST_CALLER_COUNTS, \
	     "SELECT count(*), coalesce(sum(c.closed_at IS NULL), 0)" CALLER_FROM) \
	/* notices: ?5 unread only, ?6 id to continue below, ?7 limit */ \
	STMT(ST_NOTICE_LIST, \
	     "SELECT " NOTICE_COLS NOTICE_FROM \
	     " AND (?5 IS NULL OR n.read_at IS NULL) AND (?6 IS NULL OR n.id < ?6)" \
	     " ORDER BY n.id DESC LIMIT ?7") \
	STMT(ST_NOTICE_UNREAD, "SELECT count(*)" NOTICE_FROM " AND n.read_at IS NULL") \
	STMT(ST_NOTICE_GET, "SELECT " NOTICE_COLS NOTICE_FROM " AND n.id = ?5") \
	STMT(ST_NOTICE_MARK_READ, "UPDATE notices SET read_at = ?2, read_by = ?3" \
	                          " WHERE id = ?1 AND read_at IS NULL")

#endif
