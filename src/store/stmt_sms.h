/*
 * SQL of SMS notices (core/sms_trigger.c, core/sms_send.c,
 * docs/notifications.md "短信"). See store/statements.h for the
 * conventions. The triggers read in the event's transaction; delivery reads
 * the sealed phone only when it sends.
 */
#ifndef CIVICLOOP_STORE_STMT_SMS_H
#define CIVICLOOP_STORE_STMT_SMS_H

#define STATEMENTS_SMS(STMT) \
	/* what a trigger needs of a case: whether its reporter gave a phone \
	 * (its blind index exists only then) */ \
	STMT(ST_SMS_CASE, \
	     "SELECT no, type, class, due_at, confidential, fields, phone_index IS NOT NULL" \
	     " FROM cases WHERE id = ?1") \
	/* the parts of case ?1 dispatched by the event at ?2 (the batch's clock) */ \
	STMT(ST_SMS_NEW_PARTS, \
	     "SELECT a.org_id, o.name, coalesce(a.due_at, c.due_at) FROM assignments a" \
	     " JOIN orgs o ON o.id = a.org_id JOIN cases c ON c.region_code = a.region_code" \
	     " AND c.id = a.case_id" \
	     " WHERE a.case_id = ?1 AND a.dispatched_at = ?2 ORDER BY a.id LIMIT 20") \
	/* one part: its unit, and the deadline that passed */ \
	STMT(ST_SMS_PART, \
	     "SELECT a.org_id, o.name, coalesce(a.due_at, c.due_at) FROM assignments a" \
	     " JOIN orgs o ON o.id = a.org_id JOIN cases c ON c.region_code = a.region_code" \
	     " AND c.id = a.case_id" \
	     " WHERE a.id = ?1 AND a.case_id = ?2") \
	/* the enabled accounts of unit ?1 with a phone and one of the roles ?2 \
	 * (a JSON array) */ \
	STMT(ST_SMS_UNIT_USERS, \
	     "SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id" \
	     " WHERE u.org_id = ?1 AND u.disabled = 0 AND u.phone_enc IS NOT NULL" \
	     " AND r.role IN (SELECT value FROM json_each(?2)) ORDER BY u.id LIMIT 50") \
	/* delivery: the sealed reporter of a case, the sealed phone of an account */ \
	STMT(ST_SMS_REPORTER, "SELECT reporter_enc FROM cases WHERE id = ?1") \
	STMT(ST_SMS_USER_PHONE, "SELECT phone_enc FROM users WHERE id = ?1 AND disabled = 0")

#endif
