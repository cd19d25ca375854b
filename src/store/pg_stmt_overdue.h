/* The PostgreSQL forms of stmt_overdue.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */

/* stmt_overdue.h OVERDUE_FILL of the open cases due in range (an
 * OVERDUE_RANGE): their orgs (OVERDUE_ORGS), INSERT OR IGNORE as ON
 * CONFLICT DO NOTHING. */
#define PG_OVERDUE_FILL(range) \
	"INSERT INTO case_overdue(org_id, case_id, region_code)" \
	" SELECT j.value, c.id, c.region_code" \
	" FROM cases c JOIN orgs o ON o.id = c.org_id, " PG_O_PATH_IDS " WHERE " range \
	" UNION SELECT j.value, c.id, c.region_code" \
	" FROM cases c JOIN assignments a ON a.case_id = c.id AND a.region_code = c.region_code" \
	" JOIN orgs o ON o.id = a.org_id, " PG_O_PATH_IDS " WHERE " range \
	" AND a.status <> 'cancelled' ON CONFLICT DO NOTHING"
#define PG_OVERDUE_SWEEP_RANGE OVERDUE_RANGE(OVERDUE_T, "$1")
#define PG_OVERDUE_ALL_RANGE OVERDUE_RANGE(OVERDUE_INT64_MIN, OVERDUE_T)

/* The arms of ST_CASE_LIST_OVERDUE and ST_CASE_LIST_TYPE_STATUS, each its
 * own page (pg_stmt_core.h PG_ARM_NEWEST). */
#define PG_OVERDUE_KEPT_ARM(s) \
	"(SELECT k.case_id FROM case_overdue k" \
	" JOIN cases c ON c.id = k.case_id AND c.region_code = k.region_code" \
	" JOIN orgs o ON o.id = c.org_id WHERE k.org_id = (SELECT id FROM orgs WHERE path = " s \
	") AND k.case_id < $11 AND k.case_id >= $29 AND " PG_CASE_FILTERS_REST PG_CASE_LIST_MINE \
	    PG_ARM_NEWEST
/* The last arm, the open cases due in [T, now), read from cases_due alone
 * (SQLite's INDEXED BY) and sorted: as an arm ordered by id the planner
 * would walk cases_open newest first instead, every open case when few
 * are due since T. */
#define PG_OVERDUE_FRESH_RANGE OVERDUE_RANGE(OVERDUE_T, "$9")
#define PG_OVERDUE_FRESH \
	"WITH fresh AS MATERIALIZED (SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id" \
	" WHERE " PG_OVERDUE_FRESH_RANGE " AND c.id < $11 AND c.id >= $29" \
	" AND " PG_CASE_LIST_FILTERS PG_CASE_LIST_MINE ") "
#define PG_OVERDUE_FRESH_ARM "(SELECT id FROM fresh" PG_ARM_NEWEST
#define PG_OVERDUE_LIST_SQL \
	PG_OVERDUE_FRESH PG_OVERDUE_KEPT_ARM("$1") " UNION " PG_OVERDUE_KEPT_ARM( \
	    "$2") " UNION " PG_OVERDUE_KEPT_ARM("$3") " UNION " PG_OVERDUE_FRESH_ARM \
	                                              " ORDER BY 1 DESC LIMIT $13"
#define PG_OVERDUE_TYPE_STATUS_ARM(s) \
	"(SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.type = $4" \
	" AND c.status = " s " AND c.id < $11 AND c.id >= $29" \
	" AND " PG_CASE_LIST_FILTERS PG_CASE_LIST_MINE PG_ARM_NEWEST
#define PG_OVERDUE_TYPE_STATUS_SQL \
	PG_OVERDUE_TYPE_STATUS_ARM("$31") \
	" UNION ALL " PG_OVERDUE_TYPE_STATUS_ARM("$32") " UNION ALL " PG_OVERDUE_TYPE_STATUS_ARM( \
	    "$33") " UNION ALL " PG_OVERDUE_TYPE_STATUS_ARM("$34") " ORDER BY 1 DESC LIMIT $13"

[ST_OVERDUE_SWEEP] = PG_OVERDUE_FILL(PG_OVERDUE_SWEEP_RANGE),
    [ST_OVERDUE_FILL] = PG_OVERDUE_FILL(PG_OVERDUE_ALL_RANGE),
    /* the fresh arm from cases_due alone, each arm a page (PG_ARM_NEWEST) */
    [ST_CASE_LIST_OVERDUE] = PG_OVERDUE_LIST_SQL,
    [ST_CASE_LIST_TYPE] =
        "SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.type = $4"
        " AND c.id < $11 AND c.id >= $29 AND " PG_CASE_LIST_FILTERS PG_CASE_LIST_MINE
        " ORDER BY c.id DESC LIMIT $13",
    /* each arm a page (PG_ARM_NEWEST) */
    [ST_CASE_LIST_TYPE_STATUS] = PG_OVERDUE_TYPE_STATUS_SQL,
