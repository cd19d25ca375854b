/* The PostgreSQL forms of stmt_lists.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. INSERT OR
 * IGNORE is ON CONFLICT DO NOTHING; an org path's ids PG_O_PATH_IDS. */

#define PG_LISTS_IGNORE " ON CONFLICT DO NOTHING"

/* stmt_lists.h CASE_SCOPE_ARM and CASE_STATUS_ARM, each arm its own page
 * (pg_stmt_core.h PG_ARM_NEWEST). */
#define PG_LISTS_SCOPE_ARM(s) \
	"(SELECT cs.case_id FROM case_scope cs" \
	" JOIN cases c ON c.id = cs.case_id AND c.region_code = cs.region_code" \
	" JOIN orgs o ON o.id = c.org_id WHERE cs.org_id = (SELECT id FROM orgs WHERE path = " s \
	") AND cs.case_id < $11 AND cs.case_id >= $29 AND " PG_CASE_FILTERS_REST PG_CASE_LIST_MINE \
	    PG_ARM_NEWEST
#define PG_LISTS_STATUS_ARM(s) \
	"(SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.status = " s \
	" AND c.id < $11 AND c.id >= $29 AND " PG_CASE_LIST_FILTERS PG_CASE_LIST_MINE \
	    PG_ARM_NEWEST
#define PG_LISTS_SCOPE_SQL \
	PG_LISTS_SCOPE_ARM("$1") \
	" UNION " PG_LISTS_SCOPE_ARM("$2") " UNION " PG_LISTS_SCOPE_ARM( \
	    "$3") " ORDER BY 1 DESC LIMIT $13"
#define PG_LISTS_STATUS_SQL \
	PG_LISTS_STATUS_ARM("$31") \
	" UNION ALL " PG_LISTS_STATUS_ARM("$32") " UNION ALL " PG_LISTS_STATUS_ARM( \
	    "$33") " UNION ALL " PG_LISTS_STATUS_ARM("$34") " ORDER BY 1 DESC LIMIT $13"

/* ST_CASE_SCOPE_ADD's region: case ?2's */
#define PG_LISTS_REGION_2 REGION_OF_CASE("$2::bigint")

/* ?2, only in the select list, is the case id */
[ST_CASE_SCOPE_ADD] = "INSERT INTO case_scope(org_id, case_id, region_code)"
                      " SELECT j.value, $2::bigint, " PG_LISTS_REGION_2
                      " FROM orgs o, " PG_O_PATH_IDS " WHERE o.id = $1" PG_LISTS_IGNORE,
    [ST_CASE_SCOPE_DROP] = "DELETE FROM case_scope WHERE case_id = $2 AND org_id IN"
                           " (SELECT j.value FROM orgs o, " PG_O_PATH_IDS " WHERE o.id = $1)",
    [ST_CASE_SCOPE_REFILL] = "INSERT INTO case_scope(org_id, case_id, region_code)"
                             " SELECT j.value, c.id, c.region_code FROM "
                             "cases c JOIN orgs o ON o.id = c.org_id, " PG_O_PATH_IDS
                             " WHERE c.id = $1 UNION SELECT j.value, a.case_id, a.region_code"
                             " FROM assignments a"
                             " JOIN orgs o ON o.id = a.org_id, " PG_O_PATH_IDS
                             " WHERE a.case_id = $1 AND a.status <> 'cancelled'" PG_LISTS_IGNORE,
    [ST_CASE_SCOPE_FILL_OWNERS] =
        "INSERT INTO case_scope(org_id, case_id, region_code) SELECT j.value, c.id, c.region_code"
        " FROM cases c JOIN orgs o ON o.id = c.org_id, " PG_O_PATH_IDS PG_LISTS_IGNORE,
    [ST_CASE_SCOPE_FILL_PARTS] =
        "INSERT INTO case_scope(org_id, case_id, region_code) SELECT j.value, a.case_id,"
        " a.region_code FROM assignments a JOIN orgs o ON o.id = a.org_id, " PG_O_PATH_IDS
        " WHERE a.status <> 'cancelled'" PG_LISTS_IGNORE,
    /* each arm a page (PG_ARM_NEWEST) */
    [ST_CASE_LIST_SCOPE] = PG_LISTS_SCOPE_SQL,
    /* each arm a page (PG_ARM_NEWEST) */
    [ST_CASE_LIST_STATUS] = PG_LISTS_STATUS_SQL,
    [ST_CASE_LIST_OPEN] = "SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id"
                          " WHERE c.closed_at IS NULL AND c.due_at IS NOT NULL AND c.id < $11"
                          " AND c.id >= $29 AND " PG_CASE_LIST_FILTERS PG_CASE_LIST_MINE
                          " ORDER BY c.id DESC LIMIT $13",
    /* max(a, b) is GREATEST (?24 is always bound: no NULL to ignore) */
    [ST_CASE_LIST_OPEN_DUE] =
        "SELECT c.id, c.due_at FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.closed_at"
        " IS NULL AND c.due_at >= GREATEST($24::bigint, coalesce($17::bigint, $24))"
        " AND c.due_at < coalesce($9::bigint, $18::bigint) AND (c.due_at > $24 OR c.id > $25)"
        " AND " PG_CASE_LIST_FILTERS " ORDER BY c.due_at, c.id LIMIT $13",
