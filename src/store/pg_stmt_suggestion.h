/* The PostgreSQL forms of stmt_suggestion.h's statements that differ from
 * SQLite's (pg_statements.c), as designated initializers of pg_own. */

/* SUGG_CASES on PG_STATS_SCOPE (pg_stmt_stats.h): the topic as the integer
 * id it is (its groups in number order), the decision as the SQL value
 * that SQLite compares with the lists (PG_STATS_SQLVAL). */
#define PG_SUGG_DECISION PG_STATS_FIELD("sc.fields", "$7")
#define PG_SUGG_CASES \
	PG_STATS_SCOPE \
	", dc AS (SELECT sc.id," \
	" (sc.fields::jsonb ->> substr($8, 3))::bigint AS topic, " PG_SUGG_DECISION " AS d," \
	" sc.received_at AS rat, (SELECT min(e.at) FROM events e WHERE e.case_id = sc.id" \
	" AND e.action = $6) AS dat, EXISTS (SELECT 1 FROM events e WHERE e.case_id = sc.id" \
	" AND e.to_status = $9) AS impl FROM sc)"

/* SUGG_FIGURES with the truths counted as 0/1. */
#define PG_SUGG_ADOPTED PG_STATS_VALUES("$10")
#define PG_SUGG_PARTLY PG_STATS_VALUES("$11")
#define PG_SUGG_NOT_ADOPTED PG_STATS_VALUES("$12")
#define PG_SUGG_FIGURES \
	" count(*), sum((d IN " PG_SUGG_ADOPTED ")::int), sum((d IN " PG_SUGG_PARTLY ")::int)," \
	" sum((d IN " PG_SUGG_NOT_ADOPTED ")::int), sum(impl::int)," \
	" avg(CASE WHEN dat IS NOT NULL THEN (dat - rat) / 86400000.0 END)"

/* ?1 is also tested alone: its type is said. */
[ST_TOPIC_LIST] = "SELECT " TOPIC_COLS " FROM topics t JOIN orgs o ON o.id = t.org_id"
                  " WHERE $1::bigint IS NULL OR t.id < $1 ORDER BY t.id DESC LIMIT $2",
    /* grouped by the topic's row too, whose title it shows */
    [ST_STATS_SUGG_TOPICS] =
        PG_SUGG_CASES " SELECT dc.topic, t.title," PG_SUGG_FIGURES
                      " FROM dc LEFT JOIN topics t ON t.id = dc.topic GROUP BY dc.topic, t.id"
                      " ORDER BY dc.topic IS NULL, dc.topic",
    /* grouped by the org's row, whose code and name it shows */
    [ST_STATS_SUGG_DEPTS] = PG_SUGG_CASES
    ", du AS (SELECT DISTINCT a.org_id, dc.* FROM dc"
    " JOIN assignments a ON a.case_id = dc.id AND a.status <> 'cancelled')"
    " SELECT o.code, o.name," PG_SUGG_FIGURES " FROM du JOIN orgs o ON o.id = du.org_id"
    " WHERE o.path LIKE $2 || '%' GROUP BY o.id ORDER BY o.code",
