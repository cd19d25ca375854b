/* The PostgreSQL forms of stmt_reviews.h's statements that differ from
 * SQLite's (pg_statements.c), as designated initializers of pg_own. */

/* REVIEWS_SCOPE on PG_STATS_IN_SCOPE (pg_stmt_stats.h: no `+c.type`). */
#define PG_REVIEWS_SCOPE \
	"WITH rc AS MATERIALIZED (SELECT c.id, c.status, c.received_at, c.closed_at," \
	" o.path LIKE $2 || '%' AS owned" PG_STATS_IN_SCOPE ")"

/* json_each; the truths counted as 0/1 */
[ST_REVIEWS_CASES] = PG_REVIEWS_SCOPE
    " SELECT count(*),"
    " coalesce(sum((rc.status IN (SELECT jsonb_array_elements_text($5::jsonb)))::int), 0),"
    " coalesce(sum((rc.status IN (SELECT jsonb_array_elements_text($6::jsonb)))::int), 0),"
    " coalesce(sum((rc.closed_at IS NOT NULL)::int), 0),"
    " coalesce(sum(rc.closed_at - rc.received_at), 0) FROM rc WHERE rc.owned",
    /* the truths counted as 0/1 */
    [ST_REVIEWS_UNITS] = PG_REVIEWS_SCOPE
    " SELECT o.code, o.name, count(*), coalesce(sum((a.done_at IS NOT NULL)::int), 0),"
    " coalesce(sum((a.done_at IS NOT NULL AND (a.due_at IS NULL OR"
    " a.done_at <= a.due_at))::int), 0),"
    " coalesce(sum((a.due_at IS NOT NULL AND coalesce(a.done_at, $5) > a.due_at)::int), 0),"
    " coalesce(sum(a.done_at - a.dispatched_at), 0)"
    " FROM rc JOIN assignments a ON a.case_id = rc.id"
    " JOIN orgs o ON o.id = a.org_id WHERE a.status <> 'cancelled'"
    " AND (rc.owned OR o.path LIKE $2 || '%') GROUP BY o.id ORDER BY o.code",
