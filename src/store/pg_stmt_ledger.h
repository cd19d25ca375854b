/* The PostgreSQL forms of stmt_ledger.h's statements that differ from
 * SQLite's (pg_statements.c), as designated initializers of pg_own. The
 * fields at the paths ?5..?9 are shown as text (pg_stmt_stats.h); one
 * equal to a bound text (?12, ?13) compares as JSON with it, as SQLite's
 * json_extract value compares. */

#define PG_LEDGER_VISIBLE VISIBLE("$1", "$2", "$3")
#define PG_LEDGER_SOURCE "(c.fields::jsonb ->> substr($5, 3))"
#define PG_LEDGER_LEVEL "(c.fields::jsonb ->> substr($6, 3))"
#define PG_LEDGER_LISTED "(c.fields::jsonb ->> substr($7, 3))"

/* LEDGER_WHERE: the parameters tested for NULL have their types said; the
 * listing test (?15, 0 or 1) compares an int. */
#define PG_LEDGER_WHERE \
	" WHERE c.type = $4 AND " PG_LEDGER_VISIBLE \
	" AND ($10::text IS NULL OR o.path LIKE $10 || '%')" \
	" AND ($11::text IS NULL OR e.industry = $11)" \
	" AND ($12::text IS NULL OR (c.fields::jsonb -> substr($5, 3)) = to_jsonb($12::text))" \
	" AND ($13::text IS NULL OR (c.fields::jsonb -> substr($6, 3)) = to_jsonb($13::text))" \
	" AND ($14::text IS NULL OR c.status = $14)" \
	" AND ($15::bigint IS NULL OR (" PG_LEDGER_LISTED " IS NOT NULL)::int = $15)" \
	" AND ($18::bigint IS NULL OR c.received_at >= $18)" \
	" AND ($19::bigint IS NULL OR c.received_at < $19)" \
	" AND ($20::text IS NULL OR c.status NOT IN" \
	" (SELECT jsonb_array_elements_text($20::jsonb)))"

/* json_extract and json_each */
[ST_LEDGER_LIST] =
    "SELECT c.id, c.no, c.title, c.status, c.received_at, c.closed_at,"
    " " PG_LEDGER_SOURCE ", " PG_LEDGER_LEVEL ", " PG_LEDGER_LISTED ","
    " (c.fields::jsonb ->> substr($8, 3)), (c.fields::jsonb ->> substr($9, 3)),"
    " o.id, o.code, o.name, e.industry, e.risk_level, t.code, t.name" LEDGER_FROM PG_LEDGER_WHERE
    " AND ($16::bigint IS NULL OR c.id < $16)"
    " ORDER BY c.id DESC LIMIT $17",
    /* json_extract and json_each; the truths counted as 0/1 */
    [ST_LEDGER_SUMMARY] =
        "SELECT " PG_LEDGER_SOURCE ", " PG_LEDGER_LEVEL ", " PG_LEDGER_LISTED
        " IS NOT NULL, count(*),"
        " sum((c.status IN (SELECT jsonb_array_elements_text($21::jsonb)))::int)" LEDGER_FROM
            PG_LEDGER_WHERE " GROUP BY 1, 2, 3",
    /* json_extract (the point's coordinates as the numbers they are) and json_each */
    [ST_LEDGER_MAP] =
        "SELECT c.id, c.no, c.title, c.status, " PG_LEDGER_LEVEL ", " PG_LEDGER_LISTED
        ", coalesce((c.location::jsonb ->> 'lng')::float8, e.lng),"
        " coalesce((c.location::jsonb ->> 'lat')::float8, e.lat), o.code, o.name, "
        "e.industry" LEDGER_FROM " WHERE c.type = $4 AND c.closed_at IS NULL AND " PG_LEDGER_VISIBLE
        " AND (" PG_LEDGER_LEVEL " IN (SELECT jsonb_array_elements_text($8::jsonb))"
        " OR " PG_LEDGER_LISTED " IS NOT NULL) ORDER BY c.id DESC LIMIT $9",
