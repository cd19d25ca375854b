/*
 * SQL of people's suggestions (docs/suggestion.md): the collection topics
 * (migration 15; api/topics.c, the "topic" field kind of core/input.c) and
 * the per-topic and per-department figures of GET /api/v1/stats/{type}
 * (core/stats_suggestion.c). See store/statements.h for the conventions.
 */
#ifndef CIVICLOOP_STORE_STMT_SUGGESTION_H
#define CIVICLOOP_STORE_STMT_SUGGESTION_H

/* Columns of a topic row, in the order topic_json() (api/topics.c) reads. */
#define TOPIC_COLS \
	"t.id, t.title, t.description, t.opens_on, t.closes_on, t.ended, o.code, o.name," \
	" t.created_at, t.updated_at"

/* One row per decided or received case of the stats' scope (STATS_SCOPE's
 * sc, ?1..?5): its topic (fields at path ?8), its decision (fields at ?7),
 * when it was received and first decided (the decide action ?6), and
 * whether it reached the implemented state ?9. */
#define SUGG_CASES \
	STATS_SCOPE ", dc AS (SELECT sc.id, json_extract(sc.fields, ?8) AS topic," \
	            " json_extract(sc.fields, ?7) AS d, sc.received_at AS rat," \
	            " (SELECT min(e.at) FROM events e WHERE e.case_id = sc.id AND e.action = ?6)" \
	            " AS dat, EXISTS (SELECT 1 FROM events e WHERE e.case_id = sc.id" \
	            " AND e.to_status = ?9) AS impl FROM sc)"

/* received, adopted (?10), partly (?11), not adopted (?12), implemented,
 * the mean days from receipt to decision over the decided ones */
#define SUGG_FIGURES \
	" count(*), sum(d IN (SELECT value FROM json_each(?10)))," \
	" sum(d IN (SELECT value FROM json_each(?11))), sum(d IN (SELECT value FROM " \
	"json_each(?12)))," \
	" sum(impl), avg(CASE WHEN dat IS NOT NULL THEN (dat - rat) / 86400000.0 END)"

#define STATEMENTS_SUGGESTION(STMT) \
	STMT(ST_TOPIC_INSERT, \
	     "INSERT INTO topics(title, description, org_id, opens_on, closes_on, created_by," \
	     " created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)") \
	STMT(ST_TOPIC_UPDATE, \
	     "UPDATE topics SET title = ?2, description = ?3, org_id = ?4, opens_on = ?5," \
	     " closes_on = ?6, ended = ?7, updated_at = ?8 WHERE id = ?1") \
	STMT(ST_TOPIC_GET, \
	     "SELECT " TOPIC_COLS ", t.org_id FROM topics t JOIN orgs o ON o.id = t.org_id" \
	     " WHERE t.id = ?1") \
	/* newest first, after cursor ?1 (an id; NULL: from the newest), ?2 rows */ \
	STMT(ST_TOPIC_LIST, "SELECT " TOPIC_COLS " FROM topics t JOIN orgs o ON o.id = t.org_id" \
	                    " WHERE ?1 IS NULL OR t.id < ?1 ORDER BY t.id DESC LIMIT ?2") \
	/* open on day ?1 (YYYY-MM-DD): not ended and the day inside the \
	 * period; soonest to end first, at most ?2 (topics_open) */ \
	STMT(ST_TOPIC_OPEN_LIST, \
	     "SELECT " TOPIC_COLS " FROM topics t JOIN orgs o ON o.id = t.org_id" \
	     " WHERE t.ended = 0 AND t.closes_on >= ?1 AND t.opens_on <= ?1" \
	     " ORDER BY t.closes_on, t.id LIMIT ?2") \
	/* topic ?1 is open on day ?2 */ \
	STMT(ST_TOPIC_IS_OPEN, \
	     "SELECT 1 FROM topics WHERE id = ?1 AND ended = 0 AND opens_on <= ?2" \
	     " AND closes_on >= ?2") \
	STMT(ST_STATS_SUGG_TOPICS, \
	     SUGG_CASES " SELECT dc.topic, t.title," SUGG_FIGURES \
	                " FROM dc LEFT JOIN topics t ON t.id = dc.topic GROUP BY dc.topic" \
	                " ORDER BY dc.topic IS NULL, dc.topic") \
	/* per unit of the subtree ?2 asked for its opinion (a live \
	 * assignment of any kind) */ \
	STMT(ST_STATS_SUGG_DEPTS, \
	     SUGG_CASES ", du AS (SELECT DISTINCT a.org_id, dc.* FROM dc JOIN assignments a" \
	                " ON a.case_id = dc.id AND a.status <> 'cancelled')" \
	                " SELECT o.code, o.name," SUGG_FIGURES \
	                " FROM du JOIN orgs o ON o.id = du.org_id WHERE o.path LIKE ?2 || '%'" \
	                " GROUP BY du.org_id ORDER BY o.code")

#endif
