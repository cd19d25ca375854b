/* The PostgreSQL forms of stmt_inbox.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */

/* A part's deadline (stmt_inbox.h PART_KEY_OF) on assignments a. */
#define PG_INBOX_KEY PART_KEY_OF("a")
/* stmt_inbox.h PART_DUE_FILL_EACH and _ANY over every part (SQLite's WHERE
 * 1 is no boolean here): the parts' rows by (case, org or ancestor), with
 * the status st; `by` adds the status to the grouping. */
#define PG_INBOX_FILL(st, by) \
	"INSERT INTO part_due(org_id, st, k, case_id, region_code) SELECT j.value, " st \
	", min(" PG_INBOX_KEY "), a.case_id, a.region_code FROM assignments a" \
	" JOIN orgs o ON o.id = a.org_id, " PG_O_PATH_IDS \
	" WHERE a.status IN (SELECT status FROM part_unfinished)" \
	" GROUP BY a.case_id, a.region_code, j.value" by
/* stmt_inbox.h INBOX_ARM, each arm its own page: PostgreSQL 15 does not
 * merge the arms' index orders (pg_stmt_core.h PG_ARM_NEWEST). */
#define PG_INBOX_ARM(s) \
	"(SELECT p.case_id, p.k FROM part_due p" \
	" JOIN cases c ON c.id = p.case_id AND c.region_code = p.region_code" \
	" JOIN orgs o ON o.id = c.org_id WHERE p.org_id = (SELECT id FROM orgs WHERE path = $12)" \
	" AND p.st = " s " AND p.k >= $24 AND (p.k > $24 OR p.case_id > $25)" \
	" AND NOT EXISTS (SELECT 1 FROM part_due p2 WHERE p2.case_id = p.case_id" \
	" AND p2.region_code = p.region_code" \
	" AND p2.org_id = p.org_id AND p2.st IN ($41, $42, $43, $44, $45, $46) AND p2.st <> p.st" \
	" AND (p2.k < p.k OR (p2.k = p.k AND p2.st < p.st))) AND " PG_CASE_LIST_FILTERS \
	" ORDER BY 2, 1 LIMIT $13)"
#define PG_INBOX_ARMS_1_3 \
	PG_INBOX_ARM("$41") " UNION ALL " PG_INBOX_ARM("$42") " UNION ALL " PG_INBOX_ARM("$43")
#define PG_INBOX_ARMS_4_6 \
	PG_INBOX_ARM("$44") " UNION ALL " PG_INBOX_ARM("$45") " UNION ALL " PG_INBOX_ARM("$46")

[ST_PART_UNFINISHED_ADD] = "INSERT INTO part_unfinished(status) VALUES($1) ON CONFLICT DO NOTHING",
    [ST_PART_UNFINISHED_SAME] =
        "SELECT (SELECT count(*) FROM part_unfinished) = jsonb_array_length($1::jsonb)"
        " AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text($1) j WHERE j.value NOT IN"
        " (SELECT status FROM part_unfinished))",
    [ST_PART_DUE_FILL_EACH] = PG_INBOX_FILL("a.status", ", a.status"),
    [ST_PART_DUE_FILL_ANY] = PG_INBOX_FILL("''", ""),
    [ST_CASE_LIST_INBOX] =
        PG_INBOX_ARMS_1_3 " UNION ALL " PG_INBOX_ARMS_4_6 " ORDER BY 2, 1 LIMIT $13",
