/* The PostgreSQL forms of stmt_inspection.h's statements that differ from
 * SQLite's (pg_statements.c), as designated initializers of pg_own. */

/* INSPECTION_COUNT_COLS with the truths counted as 0/1 and the count
 * fields (paths ?6, ?7) read as numbers (pg_stmt_stats.h). */
#define PG_INSPECTION_COUNT_COLS \
	"count(*), coalesce(sum((c.closed_at IS NOT NULL AND c.closed_at <= c.due_at)::int), 0)," \
	" coalesce(sum((c.closed_at IS NOT NULL AND c.closed_at > c.due_at)::int), 0)," \
	" coalesce(sum((c.closed_at IS NULL AND c.due_at <= $5)::int), 0)," \
	" coalesce(sum((c.closed_at IS NULL AND c.due_at > $5)::int), 0)," \
	" coalesce(sum((coalesce((c.fields::jsonb ->> substr($7, 3))::numeric, 0) > 0)::int), 0)," \
	" coalesce(sum(coalesce((c.fields::jsonb ->> substr($6, 3))::numeric, 0)), 0)"

/* the parameters tested for NULL have their types said */
[ST_INSPECTION_PLANS] =
    "SELECT " INSPECTION_PLAN_COLS " FROM enterprises e JOIN orgs o ON o.id = e.org_id"
    " LEFT JOIN inspection_plans p ON p.org_id = e.org_id"
    " LEFT JOIN orgs io ON io.id = p.inspecting_org_id"
    " LEFT JOIN orgs tw ON tw.id = e.township_id"
    " WHERE o.path LIKE $1 || '%' AND ($2::bigint IS NULL OR e.org_id = $2)"
    " AND ($3::bigint IS NULL OR e.org_id > $3) AND ($4::text IS NULL OR e.industry = $4)"
    " AND ($5::text IS NULL OR e.risk_level = $5) ORDER BY e.org_id LIMIT $6",
    /* the stored row's version is named by its table */
    [ST_INSPECTION_PLAN_SET] =
        "INSERT INTO inspection_plans(org_id, frequency, inspecting_org_id, updated_by,"
        " updated_at, version) VALUES($1, $2, $3, $4, $5, 1) ON CONFLICT(org_id) DO UPDATE"
        " SET frequency = $2, inspecting_org_id = $3, updated_by = $4, updated_at = $5,"
        " version = inspection_plans.version + 1",
    /* json_extract; the truths counted as 0/1 */
    [ST_INSPECTION_COUNTS] = "SELECT " PG_INSPECTION_COUNT_COLS INSPECTION_STATS_FROM,
    [ST_INSPECTION_BY_INDUSTRY] =
        "SELECT e.industry, " PG_INSPECTION_COUNT_COLS INSPECTION_STATS_FROM
        " GROUP BY e.industry ORDER BY e.industry",
    /* as ST_INSPECTION_COUNTS; a township gone (NULL) sorts first, as in SQLite */
    [ST_INSPECTION_BY_TOWNSHIP] =
        "SELECT tw.id, tw.code, tw.name, " PG_INSPECTION_COUNT_COLS INSPECTION_STATS_FROM
        " GROUP BY tw.id ORDER BY tw.code NULLS FIRST",
