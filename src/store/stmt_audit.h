/*
 * SQL of the audit page (GET /api/v1/audit/events, api/audit.c): the chain
 * as stored, one page from a cursor, oldest first (ASC: after ?1) or newest
 * first (DESC: before ?1), at most ?2 rows. The filters are ?3 case_id, ?4
 * action and ?5 actor_id (NULL: any). One statement per index that drives a
 * page, so that each filter walks its own index in seq order instead of
 * reading the chain (migration 6): events_case for a case, events_action_seq
 * for an action, events_actor for an actor, the primary key for none; the
 * filters that do not drive are checked on those rows. api/audit.c picks the
 * statement. See store/statements.h for the conventions.
 */
#ifndef CIVICLOOP_STORE_STMT_AUDIT_H
#define CIVICLOOP_STORE_STMT_AUDIT_H

/* Columns of a chain row, in the order api/audit.c reads them, then WHERE. */
#define AUDIT_SELECT \
	"SELECT e.seq, e.case_id, e.at, u.login, u.name, e.org_id, o.code, o.path, e.action," \
	" e.from_status, e.to_status, e.payload, e.prev_hash, e.hash FROM events e" \
	" LEFT JOIN users u ON u.id = e.actor_id LEFT JOIN orgs o ON o.id = e.org_id WHERE "
#define AUDIT_ASC " AND e.seq > ?1 ORDER BY e.seq LIMIT ?2"
#define AUDIT_DESC " AND e.seq < ?1 ORDER BY e.seq DESC LIMIT ?2"
#define AUDIT_BY_CASE \
	"e.case_id = ?3 AND (?4 IS NULL OR e.action = ?4) AND (?5 IS NULL OR e.actor_id = ?5)"
#define AUDIT_BY_ACTION "e.action = ?4 AND (?5 IS NULL OR e.actor_id = ?5)"
#define AUDIT_BY_ACTOR "e.actor_id = ?5"

#define STATEMENTS_AUDIT(STMT) \
	STMT(ST_AUDIT_EVENTS, AUDIT_SELECT "1" AUDIT_ASC) \
	STMT(ST_AUDIT_EVENTS_DESC, AUDIT_SELECT "1" AUDIT_DESC) \
	STMT(ST_AUDIT_CASE, AUDIT_SELECT AUDIT_BY_CASE AUDIT_ASC) \
	STMT(ST_AUDIT_CASE_DESC, AUDIT_SELECT AUDIT_BY_CASE AUDIT_DESC) \
	STMT(ST_AUDIT_ACTION, AUDIT_SELECT AUDIT_BY_ACTION AUDIT_ASC) \
	STMT(ST_AUDIT_ACTION_DESC, AUDIT_SELECT AUDIT_BY_ACTION AUDIT_DESC) \
	STMT(ST_AUDIT_ACTOR, AUDIT_SELECT AUDIT_BY_ACTOR AUDIT_ASC) \
	STMT(ST_AUDIT_ACTOR_DESC, AUDIT_SELECT AUDIT_BY_ACTOR AUDIT_DESC)

#endif
