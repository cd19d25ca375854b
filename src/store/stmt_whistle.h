/*
 * SQL of the ratings kept on a unit's part (core/ratings.c rate_part) and
 * of the report-in figures of GET /api/v1/stats/{type} for a type with
 * rates.report_in (吹哨报到; core/stats_whistle.c, docs/whistle.md). See
 * store/statements.h for the conventions; no statement names a type's
 * actions or states: they come bound.
 *
 * The two stats statements take the scope of stmt_stats.h:
 *   ?1 the type's code, ?2 the org path of the subtree, ?3/?4 received_at
 *   in [?3, ?4), and ?5 the completion states (JSON), ?6 the escalate
 *   actions (JSON).
 * wc: the type's cases received in the period owned by an org of the
 * subtree or holding a live assignment to one (stmt_stats.h's sc).
 */
#ifndef CIVICLOOP_STORE_STMT_WHISTLE_H
#define CIVICLOOP_STORE_STMT_WHISTLE_H

#define WHISTLE_SCOPE \
	"WITH wc AS MATERIALIZED (SELECT c.id, c.org_id, c.status, o.path LIKE ?2 || '%' AS owned" \
	"  FROM cases c JOIN orgs o ON o.id = c.org_id" \
	"  WHERE +c.type = ?1 AND c.received_at >= ?3 AND c.received_at < ?4" \
	"  AND (o.path LIKE ?2 || '%' OR EXISTS (SELECT 1 FROM assignments xa" \
	"   JOIN orgs xo ON xo.id = xa.org_id WHERE xa.case_id = c.id AND xa.status <> " \
	"'cancelled' AND xo.path LIKE ?2 || '%')))"

#define STATEMENTS_WHISTLE(STMT) \
	STMT(ST_ASG_RATINGS, "SELECT ratings FROM assignments WHERE id = ?1") \
	STMT(ST_ASG_RATINGS_SET, \
	     "UPDATE assignments SET ratings = ?2, updated_at = ?3 WHERE id = ?1") \
	/* per owning org: cases, closed (?5), escalated (an ?6 event) */ \
	STMT(ST_WHISTLE_BY_OWNER, \
	     WHISTLE_SCOPE " SELECT o.code, o.name, count(*)," \
	                   " sum(wc.status IN (SELECT value FROM json_each(?5)))," \
	                   " sum(EXISTS (SELECT 1 FROM events e WHERE e.case_id = wc.id" \
	                   "  AND e.action IN (SELECT value FROM json_each(?6))))" \
	                   " FROM wc JOIN orgs o ON o.id = wc.org_id WHERE wc.owned GROUP BY " \
	                   "o.id ORDER BY o.code") \
	/* every summoned unit's part: the unit's own, or any part of an owned \
	 * case; by unit code, then report-in time (unsigned last) */ \
	STMT(ST_WHISTLE_PARTS, WHISTLE_SCOPE \
	     " SELECT o.code, o.name, a.dispatched_at, a.sign_due_at, a.signed_at," \
	     " a.done_at, a.status = 'cancelled', a.ratings FROM wc JOIN assignments a ON" \
	     " a.case_id = wc.id JOIN orgs o ON o.id = a.org_id" \
	     " WHERE wc.owned OR o.path LIKE ?2 || '%'" \
	     " ORDER BY o.code, a.signed_at IS NULL, a.signed_at - a.dispatched_at, a.id")

#endif
