/* The PostgreSQL forms of stmt_task.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. The fields
 * (pg_stmt_stats.h): the list id (path ?2) compared as JSON with the id
 * bound (a number), or as text with task_lists.id (SQLite applies that
 * column's INTEGER affinity); the leader's level (?6 or ?7) shown as text
 * and compared as JSON with the level bound (a text); the overdue steps
 * (?6 or ?8) summed as a number. */

#define PG_TASK_LIST_ID "(c.fields::jsonb ->> substr($2, 3))"
#define PG_TASK_OVERDUE "(c.fields::jsonb ->> substr($6, 3))::numeric"

/* TASK_COUNT_COLS with the truths counted as 0/1. */
#define PG_TASK_COUNT_COLS \
	"count(c.id), coalesce(sum((c.status IN (SELECT jsonb_array_elements_text($4::jsonb)))" \
	"::int), 0), coalesce(sum((c.status IN (SELECT jsonb_array_elements_text($5::jsonb)))" \
	"::int), 0), coalesce(sum((c.closed_at IS NOT NULL)::int), 0)," \
	" coalesce(sum(" PG_TASK_OVERDUE "), 0)," \
	" coalesce(sum((coalesce(" PG_TASK_OVERDUE ", 0) > 0)::int), 0)"

/* TASK_ITEM_UNITS: group_concat's order is the scan's, assignments_case's
 * (by id). */
#define PG_TASK_ITEM_UNITS(KIND) \
	"(SELECT string_agg(o.name, '、' ORDER BY a.id) FROM assignments a" \
	" JOIN orgs o ON o.id = a.org_id WHERE a.case_id = c.id AND a.region_code = c.region_code" \
	" AND a.kind = '" KIND "'" \
	" AND a.status <> 'cancelled')"
#define PG_TASK_LEADS PG_TASK_ITEM_UNITS("lead")
#define PG_TASK_ASSISTS PG_TASK_ITEM_UNITS("assist")

#define PG_TASK_OF_LIST \
	" FROM cases c WHERE c.type = $1" \
	" AND (c.fields::jsonb -> substr($2, 3)) = to_jsonb($3::bigint)"

/* ?1 is also tested alone: its type is said. */
[ST_TASK_LIST_PAGE] = "SELECT " TASK_LIST_COLS " FROM task_lists l"
                      " JOIN orgs o ON o.id = l.org_id WHERE ($1::bigint IS NULL OR l.id < $1)"
                      " ORDER BY l.id DESC LIMIT $2",
    /* json_extract and json_each */
    [ST_TASK_LIST_COUNTS] = "SELECT " PG_TASK_COUNT_COLS PG_TASK_OF_LIST,
    /* SQLite sorts the items without a level (NULL) first */
    [ST_TASK_LIST_LEVELS] =
        "SELECT (c.fields::jsonb ->> substr($7, 3)), " PG_TASK_COUNT_COLS PG_TASK_OF_LIST
        " GROUP BY 1 ORDER BY 1 NULLS FIRST",
    /* json_extract, json_each and group_concat; the parameters tested for NULL
     * have their types said */
    [ST_TASK_ITEMS] =
        "SELECT c.id, c.no, c.title, c.status, c.fields, " PG_TASK_LEADS
        ", " PG_TASK_ASSISTS PG_TASK_OF_LIST
        " AND ($4::text IS NULL OR c.status IN (SELECT jsonb_array_elements_text($4::jsonb)))"
        " AND ($11::text IS NULL OR c.status NOT IN"
        " (SELECT jsonb_array_elements_text($11::jsonb)))"
        " AND ($5::text IS NULL OR (c.fields::jsonb -> substr($6, 3)) = to_jsonb($5::text))"
        " AND ($7::bigint IS NULL"
        " OR coalesce((c.fields::jsonb ->> substr($8, 3))::numeric, 0) > 0)"
        " AND ($9::bigint IS NULL OR c.id > $9) ORDER BY c.id LIMIT $10",
    /* json_extract (the list id compared as text) and json_each; grouped by the
     * org's row too, whose columns it shows */
    [ST_TASK_STATS_LISTS] = "SELECT " TASK_LIST_COLS ", " PG_TASK_COUNT_COLS " FROM task_lists l"
                            " JOIN orgs o ON o.id = l.org_id LEFT JOIN cases c ON c.type = $1"
                            " AND " PG_TASK_LIST_ID " = l.id::text WHERE o.path LIKE $3 || '%'"
                            " GROUP BY l.id, o.id ORDER BY l.id",
    /* as ST_TASK_STATS_LISTS; the items without a level (NULL) first */
    [ST_TASK_STATS_LEVELS] =
        "SELECT l.id, (c.fields::jsonb ->> substr($7, 3)), " PG_TASK_COUNT_COLS
        " FROM task_lists l JOIN orgs o ON o.id = l.org_id JOIN cases c ON c.type = $1"
        " AND " PG_TASK_LIST_ID " = l.id::text WHERE o.path LIKE $3 || '%'"
        " GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST",
