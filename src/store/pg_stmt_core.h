/* The PostgreSQL forms of statements.h's own statements that differ from
 * SQLite's (pg_statements.c), as designated initializers of pg_own.
 *
 * First the PostgreSQL forms of statements.h's shared macros, which the
 * pg_stmt files included after this one use too. A JSON list bound as text
 * (SQLite: SELECT value FROM json_each(?N)) is read with
 * jsonb_array_elements_text($N::jsonb); a parameter only tested for NULL
 * where it first appears is cast to the type it has after. */

/* The ids of the orgs on the path of org o ("/1/4/17/": the org and its
 * ancestors), as rows j(value) (stmt_lists.h ORG_PATH_IDS). */
#define PG_O_PATH_IDS "unnest(string_to_array(btrim(o.path, '/'), '/')::bigint[]) j(value)"

/* VISIBLE. Its parts, as those of the filters below, are probed per case
 * as SQLite does: OFFSET 0 keeps the planner from reading and hashing
 * every part of every case instead when it expects many rows (a page of a
 * list reads a few). */
#define PG_VISIBLE(s1, s2, s3) \
	"(o.path LIKE " s1 " || '%' OR o.path LIKE " s2 " || '%' OR o.path LIKE " s3 " || '%'" \
	" OR EXISTS (SELECT 1 FROM assignments va JOIN orgs vo ON vo.id = va.org_id" \
	"  WHERE va.case_id = c.id AND va.region_code = c.region_code" \
	"  AND va.status <> 'cancelled' AND (vo.path LIKE " s1 " || '%'" \
	"  OR vo.path LIKE " s2 " || '%' OR vo.path LIKE " s3 " || '%') OFFSET 0))"
/* CASE_FILTERS_REST: the full-text query ?10 is a tsquery's text
 * (core/search.c) matched by case_fts.tsv; the literal q ?27 matched
 * without case, as SQLite's LIKE does (ILIKE folds letters beyond ASCII
 * too); problem (json_extract(...) IS 1) is a JSON true or the number 1,
 * absent or another value not. */
#define PG_CASE_FILTERS_REST \
	"($4::text IS NULL OR c.type = $4)" \
	" AND ($5::jsonb IS NULL" \
	"  OR c.status IN (SELECT value FROM jsonb_array_elements_text($5)))" \
	" AND ($21::jsonb IS NULL" \
	"  OR c.class IN (SELECT value FROM jsonb_array_elements_text($21)))" \
	" AND ($22::jsonb IS NULL" \
	"  OR c.channel IN (SELECT value FROM jsonb_array_elements_text($22)))" \
	" AND ($6::text IS NULL OR o.path LIKE $6 || '%' OR EXISTS (SELECT 1 FROM assignments fa" \
	"  JOIN orgs fo ON fo.id = fa.org_id WHERE fa.case_id = c.id" \
	"  AND fa.region_code = c.region_code AND fa.status <> 'cancelled'" \
	"  AND fo.path LIKE $6 || '%' OFFSET 0))" \
	" AND ($7::bigint IS NULL OR c.received_at >= $7)" \
	" AND ($8::bigint IS NULL OR c.received_at < $8)" \
	" AND ($9::bigint IS NULL OR (c.closed_at IS NULL AND c.due_at < $9))" \
	" AND ($14::text IS NULL OR c.no = $14" \
	"  OR ($10::tsquery IS NOT NULL AND c.id IN (SELECT id FROM case_fts WHERE tsv @@ $10))" \
	"  OR ($27::text IS NOT NULL AND (c.title ILIKE '%' || $27 || '%' ESCAPE '\\'" \
	"  OR c.description ILIKE '%' || $27 || '%' ESCAPE '\\')))" \
	" AND ($15::jsonb IS NULL" \
	"  OR c.status IN (SELECT value FROM jsonb_array_elements_text($15))" \
	"  OR (c.closed_at IS NULL AND c.due_at < $16)" \
	"  OR EXISTS (SELECT 1 FROM assignments qa WHERE qa.case_id = c.id" \
	"  AND qa.region_code = c.region_code" \
	"  AND qa.status IN (SELECT value FROM jsonb_array_elements_text($20::jsonb)) OFFSET 0))" \
	" AND ($17::bigint IS NULL" \
	"  OR (c.closed_at IS NULL AND c.due_at >= $17 AND c.due_at < $18))" \
	" AND ($19::bigint IS NULL" \
	"  OR coalesce((c.fields::jsonb -> 'problem') IN ('true', '1'), false)::int = $19)" \
	" AND ($26::text IS NULL OR c.place_status = $26)" \
	" AND ($28::text IS NULL OR EXISTS (SELECT 1 FROM assignments ka WHERE ka.case_id = c.id" \
	"  AND ka.region_code = c.region_code AND ka.kind = $28" \
	"  AND ka.status <> 'cancelled' OFFSET 0))"
#define PG_CASE_LIST_FILTERS PG_VISIBLE("$1", "$2", "$3") " AND " PG_CASE_FILTERS_REST
/* CASE_LIST_MINE, the part statuses ?23 a JSON list. */
#define PG_CASE_LIST_MINE \
	" AND ($12::text IS NULL OR EXISTS (SELECT 1 FROM assignments ma" \
	"  JOIN orgs mo ON mo.id = ma.org_id WHERE ma.case_id = c.id" \
	"  AND ma.region_code = c.region_code" \
	"  AND ma.status IN (SELECT value FROM jsonb_array_elements_text($23::jsonb))" \
	"  AND mo.path LIKE $12 || '%' OFFSET 0))"
/* The end of one arm of a newest-first UNION (ST_CASE_LIST_SCOPE and its
 * kin), opened with "(": PostgreSQL 15 does not merge the arms' index
 * orders as SQLite's MERGE does but reads every arm whole, so each arm
 * stops at its own first ?13 rows, among which are the union's first ?13. */
#define PG_ARM_NEWEST " ORDER BY 1 DESC LIMIT $13)"

/* The writer's transaction: SQLite's IMMEDIATE takes the write lock at
 * once; on PostgreSQL rows lock as they are written. */
[ST_BEGIN] = "BEGIN",
    /* A reader's transaction sees one snapshot throughout, as SQLite's does. */
    [ST_BEGIN_READ] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    [ST_CHECKPOINT_WAL] = PG_NONE,
    /* store_last_id: the identity value the session's last INSERT took */
    [ST_PG_LASTVAL] = "SELECT lastval()",
    /* value alone is ambiguous beside excluded's */
    [ST_COUNTER_NEXT] = "INSERT INTO counters(name, region_code, value) VALUES($1, '000000', 1)"
                        " ON CONFLICT(name, region_code) DO UPDATE SET value = counters.value + 1"
                        " RETURNING value",
    /* a role's grants in SQLite's order, its primary key's (by scope):
     * the first scopes are the reader's (core/auth.c actor_scopes) */
    [ST_ROLES_OF] = "SELECT r.role, r.scope_org_id, o.path, o.code FROM user_roles r"
                    " JOIN orgs o ON o.id = r.scope_org_id WHERE r.user_id = $1"
                    " ORDER BY r.role, r.scope_org_id",
    /* a list page's ids as a JSON array */
    [ST_CASE_GET_MANY] =
        "SELECT " CASE_COLS " FROM cases c JOIN orgs o ON o.id = c.org_id"
        " WHERE c.id IN (SELECT j::bigint FROM json_array_elements_text($1::json) j)",
    [ST_ASG_OF_CASES] = "SELECT " ASG_COLS " FROM assignments a JOIN orgs o ON o.id = a.org_id"
                        " WHERE a.case_id IN"
                        " (SELECT j::bigint FROM json_array_elements_text($1::json) j)"
                        " ORDER BY a.case_id, a.id",
    /* the lists with the filters' PostgreSQL forms */
    [ST_CASE_LIST] =
        "SELECT " CASE_COLS " FROM cases c JOIN orgs o ON o.id = c.org_id"
        " WHERE " PG_CASE_LIST_FILTERS " AND c.id < $11 AND c.id >= $29" PG_CASE_LIST_MINE
        " ORDER BY c.id DESC LIMIT $13",
    /* case_fts's id is FTS5's rowid, its tsv the index */
    [ST_CASE_LIST_TEXT] =
        "SELECT " CASE_COLS " FROM case_fts"
        " JOIN cases c ON c.id = case_fts.id AND c.region_code = case_fts.region_code"
        " JOIN orgs o ON o.id = c.org_id WHERE case_fts.tsv @@ $10::tsquery"
        " AND case_fts.id < $11 AND case_fts.id >= $29"
        " AND " PG_CASE_LIST_FILTERS PG_CASE_LIST_MINE " ORDER BY case_fts.id DESC LIMIT $13",
    [ST_CASE_LIST_PLACE] = "SELECT " CASE_COLS " FROM cases pc"
                           " JOIN cases c ON c.id = pc.id AND c.region_code = pc.region_code"
                           " JOIN orgs o ON o.id = c.org_id WHERE pc.place_status = $26"
                           " AND pc.id < $11 AND pc.id >= $29"
                           " AND " PG_CASE_LIST_FILTERS " AND c.id < $11" PG_CASE_LIST_MINE
                           " ORDER BY pc.id DESC LIMIT $13",
    [ST_CASE_LIST_DUE] = "SELECT c.id, " CASE_DUE_KEY " FROM cases c JOIN orgs o ON o.id = c.org_id"
                         " WHERE " PG_CASE_LIST_FILTERS " AND " CASE_DUE_KEY " >= $24"
                         " AND (" CASE_DUE_KEY " > $24 OR c.id > $25)"
                         " ORDER BY " CASE_DUE_KEY ", c.id LIMIT $13",
    [ST_CASE_LIST_PART_DUE] =
        "WITH mp AS MATERIALIZED (SELECT ma.case_id AS id, min(" PART_DUE_KEY ") AS k"
        "  FROM orgs mo JOIN assignments ma ON ma.org_id = mo.id"
        "  WHERE mo.path >= $12 AND mo.path < substr($12, 1, length($12) - 1) || '0'"
        "  AND ma.status IN (SELECT value FROM jsonb_array_elements_text($23::jsonb))"
        "  GROUP BY ma.case_id)"
        " SELECT c.id, mp.k FROM mp JOIN cases c ON c.id = mp.id JOIN orgs o ON o.id = c.org_id"
        " WHERE " PG_CASE_LIST_FILTERS " AND mp.k >= $24 AND (mp.k > $24 OR c.id > $25)"
        " ORDER BY mp.k, c.id LIMIT $13",
    /* instr is strpos */
    [ST_EVENTS_OF_CASE] =
        "SELECT e.seq, e.at, e.actor_id, u.login, u.name, e.org_id, e.action,"
        " e.from_status, e.to_status, e.payload, e.hash, o.code, o.name, ro.code, ro.name"
        " FROM events e LEFT JOIN users u ON u.id = e.actor_id"
        " LEFT JOIN orgs o ON o.id = e.org_id LEFT JOIN orgs ro"
        "  ON ro.path = substr(o.path, 1, strpos(substr(o.path, 2), '/') + 1)"
        " WHERE e.case_id = $1 AND e.seq > $2 AND ($4::jsonb IS NULL"
        " OR e.action NOT IN (SELECT value FROM jsonb_array_elements_text($4)))"
        " ORDER BY e.seq LIMIT $3",
    /* the kind ?2, first tested for NULL, is text */
    [ST_TIMER_STOP_ASG] = "UPDATE timers SET state = 'stopped' WHERE assignment_id = $1"
                          " AND ($2::text IS NULL OR kind = $2) AND state IN ('running','paused')",
    /* ?4 and ?6 compare as integers */
    [ST_TIMER_SET] = "UPDATE timers SET state = $2, due_at = $3, warn_at = $4, paused_at = $5,"
                     " warned = CASE WHEN $4::bigint IS NULL OR $4::bigint > $6::bigint THEN 0"
                     " ELSE warned END WHERE id = $1",
