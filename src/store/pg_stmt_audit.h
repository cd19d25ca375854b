/* The PostgreSQL forms of stmt_audit.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* SQLite's WHERE 1 is not a boolean; a parameter whose first use is IS NULL
 * is given its type there. */
#define PG_AUDIT_BY_CASE \
	"e.case_id = $3 AND ($4::text IS NULL OR e.action = $4)" \
	" AND ($5::bigint IS NULL OR e.actor_id = $5)"
#define PG_AUDIT_BY_ACTION "e.action = $4 AND ($5::bigint IS NULL OR e.actor_id = $5)"
[ST_AUDIT_EVENTS] = AUDIT_SELECT "true" AUDIT_ASC,
    [ST_AUDIT_EVENTS_DESC] = AUDIT_SELECT "true" AUDIT_DESC,
    [ST_AUDIT_CASE] = AUDIT_SELECT PG_AUDIT_BY_CASE AUDIT_ASC,
    [ST_AUDIT_CASE_DESC] = AUDIT_SELECT PG_AUDIT_BY_CASE AUDIT_DESC,
    [ST_AUDIT_ACTION] = AUDIT_SELECT PG_AUDIT_BY_ACTION AUDIT_ASC,
    [ST_AUDIT_ACTION_DESC] = AUDIT_SELECT PG_AUDIT_BY_ACTION AUDIT_DESC,
