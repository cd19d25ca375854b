/* The PostgreSQL forms of stmt_stats.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. The PG_STATS_
 * macros serve the other areas of the stats too (suggestion, whistle, task,
 * ledger, inspection, campaign, reviews, reception), included after this.
 *
 * A JSON list bound as text (SQLite: json_each(?N)) is read with
 * jsonb_array_elements_text($N::jsonb). A field bound as a JSON path is
 * "$.name", name of [A-Za-z0-9_] (core/type_data.c tdl_name_ok): the key
 * is the path from its third character. The field is shown as text,
 * `col::jsonb ->> substr($N, 3)` (json_extract's string unquoted, NULL for
 * null); compared with a bound value, as JSON with to_jsonb($M::type) of
 * the type the C binds, so that a number and a text differ as they do for
 * SQLite's json_extract. A comparison's truth counted by sum() or max() is
 * cast ::int. */

/* A JSON value v as SQLite's json_extract and json_each hand it to a
 * comparison: true and false are the numbers 1 and 0, null is NULL. A
 * field at path p of the JSON text col so, and the values of the JSON list
 * p so: a bound [true] matches a stored true, as in SQLite. */
#define PG_STATS_SQLVAL(v) \
	"(CASE jsonb_typeof(" v ") WHEN 'boolean' THEN to_jsonb((" v ")::boolean::int)" \
	" WHEN 'null' THEN NULL ELSE " v " END)"
#define PG_STATS_FIELD(col, p) PG_STATS_SQLVAL("(" col "::jsonb -> substr(" p ", 3))")
#define PG_STATS_VALUES(p) \
	"(SELECT " PG_STATS_SQLVAL("x.v") " FROM jsonb_array_elements(" p "::jsonb) x(v))"

/* STATS_ISO_MS: an ISO 8601 text with offset as UTC ms; NULL when x is
 * NULL or not such a time, where a cast would fail (the session's time
 * zone is UTC: a time without offset reads as SQLite reads it). */
#define PG_STATS_ISO_MS(x) \
	"(CASE WHEN " x " ~ '^\\d{4}-\\d\\d-\\d\\d([T ]\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?)?" \
	"([+-]\\d\\d:\\d\\d|Z)?$' THEN (extract(epoch FROM (" x ")::timestamptz) * 1000)::bigint" \
	" END)"

/* Whether an event (e, fe) came by the case deadline in its payload. */
#define PG_STATS_DUE_E PG_STATS_ISO_MS("(e.payload::jsonb ->> 'due_at')")
#define PG_STATS_DUE_FE PG_STATS_ISO_MS("(fe.payload::jsonb ->> 'due_at')")

/* The type's cases received in [?3, ?4) that the subtree ?2 holds (owns
 * or has a live assignment on): STATS_SCOPE's sc and its kin's. SQLite's
 * `+c.type` (no index on the type) and CROSS JOIN … ON (this join order)
 * are not PostgreSQL: its planner orders the joins and weighs
 * cases_received by cost. */
#define PG_STATS_HELD \
	"(o.path LIKE $2 || '%' OR EXISTS (SELECT 1 FROM assignments xa" \
	" JOIN orgs xo ON xo.id = xa.org_id WHERE xa.region_code = c.region_code" \
	" AND xa.case_id = c.id AND xa.status <> 'cancelled'" \
	" AND xo.path LIKE $2 || '%'))"
#define PG_STATS_IN_SCOPE \
	" FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.type = $1" \
	" AND c.received_at >= $3 AND c.received_at < $4 AND " PG_STATS_HELD

#define PG_STATS_SCOPE \
	"WITH sc AS MATERIALIZED (SELECT c.id, c.class, c.channel, c.status, c.fields," \
	" c.received_at, o.path LIKE $2 || '%' AS owned" PG_STATS_IN_SCOPE ")," \
	" sk AS MATERIALIZED (SELECT CASE WHEN $5 = 1 THEN (received_at + 28800000) / 86400000" \
	" ELSE 0 END AS k, id, class, channel, status, fields, owned FROM sc WHERE $5 <> 2" \
	" UNION ALL SELECT DISTINCT la.org_id, sc.id, sc.class, sc.channel, sc.status, sc.fields," \
	" sc.owned FROM sc JOIN assignments la ON la.case_id = sc.id" \
	" JOIN orgs lo ON lo.id = la.org_id WHERE $5 = 2 AND la.kind = 'lead'" \
	" AND la.status <> 'cancelled' AND lo.path LIKE $2 || '%')"

/* The follow-up's fields against their "in" lists. */
#define PG_STATS_RESOLVED PG_STATS_FIELD("e.payload", "$12") " IN " PG_STATS_VALUES("$13")
#define PG_STATS_SATISFIED PG_STATS_FIELD("e.payload", "$14") " IN " PG_STATS_VALUES("$15")

#define PG_STATS_EVENTS \
	", ev AS MATERIALIZED (SELECT e.case_id, max((e.action = $8)::int) AS to110," \
	" max((e.action IN (SELECT jsonb_array_elements_text($9::jsonb)) OR (e.action = $10" \
	" AND e.to_status IN (SELECT jsonb_array_elements_text($11::jsonb))))::int) AS reopened," \
	" sum((e.action = $10)::int) AS callbacks," \
	" sum(CASE WHEN e.action = $10 THEN (" PG_STATS_RESOLVED ")::int ELSE 0 END) AS resolved," \
	" sum(CASE WHEN e.action = $10 THEN (" PG_STATS_SATISFIED ")::int ELSE 0 END)" \
	" AS satisfied," \
	" max((e.action IN (SELECT jsonb_array_elements_text($20::jsonb)))::int) AS escalated," \
	" min(CASE WHEN e.to_status = $7 THEN e.seq END) AS first_reply" \
	" FROM events e WHERE e.case_id IN (SELECT id FROM sc)" \
	" AND (e.action IN (SELECT jsonb_array_elements_text($6::jsonb))" \
	" OR (e.to_status = $7 AND e.action <> $22)) GROUP BY e.case_id)," \
	" fr AS (SELECT ev.case_id, (fe.at <= coalesce(" PG_STATS_DUE_FE ", fe.at))::int" \
	" AS on_time FROM ev JOIN events fe ON fe.seq = ev.first_reply)"

#define PG_STATS_CLOSED "sk.status IN (SELECT jsonb_array_elements_text($16::jsonb))"

#define PG_STATS_CASE_COLS \
	"sk.k, count(*), sum((" PG_STATS_CLOSED ")::int), sum((sk.status = $17)::int)," \
	" sum((sk.status = $18)::int), sum((sk.channel = $19)::int)," \
	" sum(((sk.fields::jsonb -> 'problem') = 'true'::jsonb)::int), sum(ev.to110)," \
	" sum((ev.first_reply IS NOT NULL)::int), sum(fr.on_time), sum(ev.reopened)," \
	" sum(ev.callbacks), sum(ev.resolved), sum(ev.satisfied), sum(ev.escalated)," \
	" sum((" PG_STATS_CLOSED " AND ev.escalated IS DISTINCT FROM 1)::int)," \
	" sum((sk.status = $17 OR " STATS_LINKED ")::int)," \
	" sum((" PG_STATS_CLOSED " AND " STATS_LINKED ")::int)"

/* ret's ids as text: json_each's value matched the id as a number. */
#define PG_STATS_ASSIGNMENTS \
	", ak AS (SELECT sk.k, a.id, a.signed_at, a.sign_due_at FROM sk" \
	" JOIN assignments a ON a.case_id = sk.id JOIN orgs ao ON ao.id = a.org_id" \
	" WHERE $5 <> 2 AND (sk.owned OR ao.path LIKE $2 || '%')" \
	" UNION ALL SELECT a.org_id, a.id, a.signed_at, a.sign_due_at FROM sc" \
	" JOIN assignments a ON a.case_id = sc.id WHERE $5 = 2" \
	" AND a.org_id IN (SELECT k FROM sk))," \
	" ret AS (SELECT DISTINCT j.id FROM events e CROSS JOIN LATERAL" \
	" jsonb_array_elements_text(e.payload::jsonb -> 'cancelled_assignments') j(id)" \
	" WHERE e.action = $6 AND e.case_id IN (SELECT id FROM sc))"

/* ST_STATS_FOLD: the three kinds of row must agree in each column's type
 * (a UNION), so a column holding an int in one kind and a text in another
 * is text, and the truths read as ints are ints. A 24th column orders the
 * rows as SQLite's plan does: the case, its assignments by id, its events
 * by seq (the share's blob lists them in that order). */
#define PG_STATS_FOLD_CASE \
	"SELECT 0, (c.id IS NOT NULL)::int, c.type, c.received_at::text, c.class, c.channel," \
	" c.status, o.path, (CASE WHEN c.closed_at IS NULL THEN c.due_at END)::text," \
	" ((c.fields::jsonb -> 'problem') = 'true'::jsonb)::int, EXISTS (SELECT 1 FROM links dl" \
	" WHERE dl.case_id = k.id AND dl.kind = $9 AND dl.removed_at IS NULL)," \
	" s.case_id IS NOT NULL, s.type, s.day, s.class, s.channel, s.status, s.due, s.seq," \
	" s.v, c.closed_at IS NULL, c.region_code, s.region_code, 0::bigint" \
	" FROM (SELECT $1::bigint AS id) k" \
	" LEFT JOIN cases c ON c.id = k.id LEFT JOIN orgs o ON o.id = c.org_id" \
	" LEFT JOIN stats_case s ON s.case_id = k.id"
#define PG_STATS_FOLD_ASG \
	" UNION ALL SELECT 1, a.org_id, ao.path," \
	" (a.kind = 'lead' AND a.status <> 'cancelled')::int::text," \
	" (a.status <> 'cancelled')::int::text, (a.signed_at IS NOT NULL" \
	" AND (a.sign_due_at IS NULL OR a.signed_at <= a.sign_due_at))::int::text," \
	" (EXISTS (SELECT 1 FROM events re CROSS JOIN LATERAL" \
	" jsonb_array_elements_text(re.payload::jsonb -> 'cancelled_assignments') j(id)" \
	" WHERE re.action = $10 AND re.case_id = $1 AND j.id = a.id::text))::int::text," \
	" a.id::text, a.status, a.due_at, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL, a.id FROM assignments a JOIN orgs ao ON ao.id = a.org_id" \
	" WHERE a.case_id = $1 AND $11 <> 0"
#define PG_STATS_FOLD_RESOLVED PG_STATS_FIELD("e.payload", "$4") " IN " PG_STATS_VALUES("$5")
#define PG_STATS_FOLD_SATISFIED PG_STATS_FIELD("e.payload", "$6") " IN " PG_STATS_VALUES("$7")
#define PG_STATS_FOLD_EVENTS \
	" UNION ALL SELECT 2, e.seq, e.action, e.to_status," \
	" (CASE WHEN e.action = $3 THEN " PG_STATS_FOLD_RESOLVED " END)::int::text," \
	" (CASE WHEN e.action = $3 THEN " PG_STATS_FOLD_SATISFIED " END)::int::text," \
	" (CASE WHEN e.to_status = $2 THEN e.at <= coalesce(" PG_STATS_DUE_E ", e.at)" \
	" END)::int::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL, e.seq FROM events e WHERE e.case_id = $1 AND $11 <> 0" \
	" AND e.seq > CASE WHEN $12 <> 0 THEN coalesce((SELECT seq FROM stats_case" \
	" WHERE case_id = $1), 0) ELSE 0 END ORDER BY 1, 24"

/* STATS_AGG_UPD: PostgreSQL's ON CONFLICT names the key, and the stored
 * row's counters are named by their table (t, a string literal). */
#define PG_STATS_AGG_UPD(t) \
	" DO UPDATE SET received = " t ".received + excluded.received," \
	" closed = " t ".closed + excluded.closed," \
	" merged = " t ".merged + excluded.merged," \
	" transferred = " t ".transferred + excluded.transferred," \
	" from_110 = " t ".from_110 + excluded.from_110," \
	" problem = " t ".problem + excluded.problem," \
	" to_110 = " t ".to_110 + excluded.to_110," \
	" replied = " t ".replied + excluded.replied," \
	" replied_on_time = " t ".replied_on_time + excluded.replied_on_time," \
	" reopened = " t ".reopened + excluded.reopened," \
	" callbacks = " t ".callbacks + excluded.callbacks," \
	" resolved = " t ".resolved + excluded.resolved," \
	" satisfied = " t ".satisfied + excluded.satisfied," \
	" escalated = " t ".escalated + excluded.escalated," \
	" closed_locally = " t ".closed_locally + excluded.closed_locally," \
	" duplicates = " t ".duplicates + excluded.duplicates," \
	" closed_duplicates = " t ".closed_duplicates + excluded.closed_duplicates," \
	" assignments = " t ".assignments + excluded.assignments," \
	" signed_on_time = " t ".signed_on_time + excluded.signed_on_time," \
	" returned = " t ".returned + excluded.returned"
#define PG_STATS_CELL_UPD PG_STATS_AGG_UPD("stats_cell")
#define PG_STATS_MONTH_UPD PG_STATS_AGG_UPD("stats_month")
#define PG_STATS_UNIT_CELL_UPD PG_STATS_AGG_UPD("stats_unit_cell")
#define PG_STATS_UNIT_MONTH_UPD PG_STATS_AGG_UPD("stats_unit_month")

/* STATS_AGG_DUMP: string_agg in the order SQLite's subquery feeds
 * group_concat (the database's collation is C: SQLite's BINARY); a
 * derived table needs its alias; hex() is encode(). */
#define PG_STATS_DUMP(r, from) \
	"coalesce((SELECT string_agg(r, ';' ORDER BY r) FROM (SELECT " r " AS r FROM " from \
	") d), '')"
#define PG_STATS_DUMP_CELLS(table, key) \
	PG_STATS_DUMP("scope || ',' || type || ',' || " key " || ',' || class || ',' || channel" \
	              " || ',' || status || ',' || region_code || ':' || " STATS_AGG_CAT, \
	              table " WHERE " STATS_AGG_NONZERO)
#define PG_STATS_DUMP_CELL PG_STATS_DUMP_CELLS("stats_cell", "day")
#define PG_STATS_DUMP_MONTH PG_STATS_DUMP_CELLS("stats_month", "month")
#define PG_STATS_DUMP_UNIT PG_STATS_DUMP_CELLS("stats_unit_cell", "day || ',' || unit")
#define PG_STATS_DUMP_UNIT_MONTH PG_STATS_DUMP_CELLS("stats_unit_month", "month || ',' || unit")
#define PG_STATS_DUMP_DUE \
	PG_STATS_DUMP( \
	    "scope || ',' || type || ',' || due_at || ',' || case_id || ',' || region_code", \
	    "stats_due")
#define PG_STATS_DUMP_DUE_DAY \
	PG_STATS_DUMP("scope || ',' || type || ',' || day || ',' || region_code || ':' || n", \
	              "stats_due_day WHERE n <> 0")
#define PG_STATS_DUMP_PART \
	PG_STATS_DUMP( \
	    "unit || ',' || type || ',' || due_at || ',' || asg_id || ',' || region_code", \
	    "stats_part_due")
#define PG_STATS_DUMP_PART_DAY \
	PG_STATS_DUMP("unit || ',' || type || ',' || day || ',' || region_code || ':' || n", \
	              "stats_part_due_day WHERE n <> 0")
#define PG_STATS_DUMP_CASES \
	"coalesce((SELECT string_agg(case_id || ',' || type || ',' || day || ',' || class" \
	" || ',' || channel || ',' || status || ',' || coalesce(due::text, '-')" \
	" || ',' || upper(encode(v, 'hex')) || ',' || region_code, ';' ORDER BY case_id)" \
	" FROM stats_case), '')"

/* json_extract and json_each; the truths counted as 0/1. */
[ST_STATS_LEVELS] = PG_STATS_SCOPE
    ", le AS (SELECT DISTINCT e.case_id FROM events e WHERE e.case_id IN (SELECT id FROM sc)"
    " AND e.action IN (SELECT jsonb_array_elements_text($6::jsonb)))"
    " SELECT sk.fields::jsonb ->> 'first_level' AS lv, count(*), sum((" PG_STATS_CLOSED ")::int),"
    " sum((" PG_STATS_CLOSED " AND le.case_id IS NULL)::int),"
    " sum((le.case_id IS NOT NULL)::int) FROM sk LEFT JOIN le ON le.case_id = sk.id GROUP BY lv",
    /* json_extract and json_each */
    [ST_STATS_LEVELS_OUT] = PG_STATS_SCOPE
    " SELECT e.payload::jsonb #>> '{escalation,from,kind}', count(*) FROM events e"
    " WHERE e.case_id IN (SELECT id FROM sk)"
    " AND e.action IN (SELECT jsonb_array_elements_text($6::jsonb)) GROUP BY 1",
    /* no `+c.type` (PG_STATS_IN_SCOPE) */
    [ST_STATS_OVERDUE] =
        "SELECT count(*) FROM cases c JOIN orgs o ON o.id = c.org_id"
        " WHERE c.closed_at IS NULL AND c.due_at < $3 AND c.type = $1 AND " PG_STATS_HELD,
    /* json_each, as an array: assignments_org's (org_id, status) probes */
    [ST_STATS_UNIT_OVERDUE] =
        "SELECT count(*) FROM assignments a JOIN cases c ON c.region_code = a.region_code"
        " AND c.id = a.case_id WHERE a.org_id = $1"
        " AND a.status = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))"
        " AND a.due_at < $3 AND c.closed_at IS NULL AND c.type = $4",
    /* JSON, truths counted as 0/1 */
    [ST_STATS_CASES] = PG_STATS_SCOPE PG_STATS_EVENTS
    " SELECT " PG_STATS_CASE_COLS
    " FROM sk LEFT JOIN ev ON ev.case_id = sk.id LEFT JOIN fr ON fr.case_id = sk.id"
    " GROUP BY sk.k ORDER BY sk.k",
    /* the scope */
    [ST_STATS_DIMS] = PG_STATS_SCOPE
    " SELECT k, 0, class, count(*) FROM sk WHERE class IS NOT NULL GROUP BY k, class"
    " UNION ALL SELECT k, 1, channel, count(*) FROM sk WHERE channel IS NOT NULL"
    " GROUP BY k, channel UNION ALL SELECT k, 2, status, count(*) FROM sk GROUP BY k, status"
    " ORDER BY 1, 2, 3",
    /* json_each; truths counted as 0/1 */
    [ST_STATS_ASSIGNMENTS] = PG_STATS_SCOPE PG_STATS_ASSIGNMENTS
    " SELECT k, count(*), sum((signed_at IS NOT NULL AND (sign_due_at IS NULL"
    " OR signed_at <= sign_due_at))::int), sum((id::text IN (SELECT id FROM ret))::int)"
    " FROM ak GROUP BY k ORDER BY k",
    /* the rows' types agree (PG_STATS_FOLD_CASE) */
    [ST_STATS_FOLD] = PG_STATS_FOLD_CASE PG_STATS_FOLD_ASG PG_STATS_FOLD_EVENTS,
    /* INSERT OR REPLACE: every column is given */
    [ST_STATS_CONTRIB_PUT] =
        "INSERT INTO stats_case(case_id, type, day, class, channel, status, v, due, seq,"
        " region_code) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (case_id, region_code) DO UPDATE"
        " SET type = excluded.type, day = excluded.day, class = excluded.class,"
        " channel = excluded.channel, status = excluded.status, v = excluded.v,"
        " due = excluded.due, seq = excluded.seq",
    /* ON CONFLICT names the key; n alone would be ambiguous */
    [ST_STATS_DUE_DAY_ADD] =
        "INSERT INTO stats_due_day(scope, type, day, n, region_code) VALUES($1, $2, $3, $4, $5)"
        " ON CONFLICT (scope, type, day, region_code)"
        " DO UPDATE SET n = stats_due_day.n + excluded.n",
    [ST_STATS_PART_DUE_DAY_ADD] = "INSERT INTO stats_part_due_day(unit, type, day, n,"
                                  " region_code) VALUES($1, $2, $3, $4, $5)"
                                  " ON CONFLICT (unit, type, day, region_code)"
                                  " DO UPDATE SET n = stats_part_due_day.n + excluded.n",
    /* PG_STATS_DUMP */
    [ST_STATS_AGG_DUMP] = "SELECT " PG_STATS_DUMP_CELL " || '|' || " PG_STATS_DUMP_MONTH
                          " || '|' || " PG_STATS_DUMP_UNIT " || '|' || " PG_STATS_DUMP_UNIT_MONTH
                          " || '|' || " PG_STATS_DUMP_DUE " || '|' || " PG_STATS_DUMP_DUE_DAY
                          " || '|' || " PG_STATS_DUMP_PART " || '|' || " PG_STATS_DUMP_PART_DAY
                          " || '|' || " PG_STATS_DUMP_CASES,
    /* a mark holds its case's region (migration 33) */
    [ST_STATS_DIRTY_NEXT] = "SELECT d.case_id, c.type FROM stats_dirty d LEFT JOIN cases c"
                            " ON c.region_code = d.region_code AND c.id = d.case_id"
                            " ORDER BY d.case_id LIMIT $1",
    /* INSERT OR IGNORE */
    [ST_STATS_DIRTY_ALL] = "INSERT INTO stats_dirty SELECT id, region_code FROM cases"
                           " ON CONFLICT DO NOTHING",
    /* PG_STATS_AGG_UPD */
    [ST_STATS_CELL_ADD] =
        "INSERT INTO stats_cell(scope, type, day, class, channel, status, " STATS_AGG_COLS
        ", region_code) " STATS_CELL_VALUES
        " ON CONFLICT (scope, type, day, class, channel, status, region_code)" PG_STATS_CELL_UPD,
    [ST_STATS_MONTH_ADD] =
        "INSERT INTO stats_month(scope, type, month, class, channel, status, " STATS_AGG_COLS
        ", region_code) " STATS_CELL_VALUES
        " ON CONFLICT (scope, type, month, class, channel, status, region_code)" PG_STATS_MONTH_UPD,
    [ST_STATS_UNIT_CELL_ADD] = "INSERT INTO stats_unit_cell(scope, type, day, unit, class, channel,"
                               " status, " STATS_AGG_COLS ", region_code) " STATS_UNIT_VALUES
                               " ON CONFLICT (scope, type, day, unit, class, channel, status,"
                               " region_code)" PG_STATS_UNIT_CELL_UPD,
    [ST_STATS_UNIT_MONTH_ADD] =
        "INSERT INTO stats_unit_month(scope, type, month, unit, class,"
        " channel, status, " STATS_AGG_COLS ", region_code) " STATS_UNIT_VALUES
        " ON CONFLICT (scope, type, month, unit, class, channel, status,"
        " region_code)" PG_STATS_UNIT_MONTH_UPD,
