/* The PostgreSQL forms of stmt_whistle.h's statements that differ from
 * SQLite's (pg_statements.c), as designated initializers of pg_own. */

/* WHISTLE_SCOPE on PG_STATS_IN_SCOPE (pg_stmt_stats.h: no `+c.type`). */
#define PG_WHISTLE_SCOPE \
	"WITH wc AS MATERIALIZED (SELECT c.id, c.org_id, c.status," \
	" o.path LIKE $2 || '%' AS owned" PG_STATS_IN_SCOPE ")"

/* json_each; the truths counted as 0/1 */
[ST_WHISTLE_BY_OWNER] = PG_WHISTLE_SCOPE
    " SELECT o.code, o.name, count(*),"
    " sum((wc.status IN (SELECT jsonb_array_elements_text($5::jsonb)))::int),"
    " sum((EXISTS (SELECT 1 FROM events e WHERE e.case_id = wc.id"
    " AND e.action IN (SELECT jsonb_array_elements_text($6::jsonb))))::int)"
    " FROM wc JOIN orgs o ON o.id = wc.org_id WHERE wc.owned GROUP BY o.id ORDER BY o.code",
    /* the scope */
    [ST_WHISTLE_PARTS] = PG_WHISTLE_SCOPE
    " SELECT o.code, o.name, a.dispatched_at, a.sign_due_at, a.signed_at,"
    " a.done_at, a.status = 'cancelled', a.ratings FROM wc JOIN assignments a ON"
    " a.case_id = wc.id JOIN orgs o ON o.id = a.org_id"
    " WHERE wc.owned OR o.path LIKE $2 || '%'"
    " ORDER BY o.code, a.signed_at IS NULL, a.signed_at - a.dispatched_at, a.id",
