/*
 * SQL of the joint-review figures of GET /api/v1/stats/{type} for a type
 * with rates.reviews (联审联办: 宅基地审批; core/stats_reviews.c,
 * docs/homestead.md). See store/statements.h for the conventions; no
 * statement names a type's states: they come bound.
 *
 * Both take ?1 the type's code, ?2 the org path of the subtree, ?3/?4
 * received_at in [?3, ?4), like stmt_stats.h; rc: the type's cases
 * received in the period owned by an org of the subtree or holding a live
 * part of one.
 */
#ifndef CIVICLOOP_STORE_STMT_REVIEWS_H
#define CIVICLOOP_STORE_STMT_REVIEWS_H

#define REVIEWS_SCOPE \
	"WITH rc AS MATERIALIZED (SELECT c.id, c.status, c.received_at, c.closed_at," \
	"  o.path LIKE ?2 || '%' AS owned FROM cases c JOIN orgs o ON o.id = c.org_id" \
	"  WHERE +c.type = ?1 AND c.received_at >= ?3 AND c.received_at < ?4" \
	"  AND (o.path LIKE ?2 || '%' OR EXISTS (SELECT 1 FROM assignments xa" \
	"   JOIN orgs xo ON xo.id = xa.org_id WHERE xa.case_id = c.id AND xa.status <> " \
	"'cancelled' AND xo.path LIKE ?2 || '%')))"

#define STATEMENTS_REVIEWS(STMT) \
	/* the owned cases: how many, in the approved (?5) and refused (?6) \
	 * states (JSON arrays), closed, and the days from receipt to close \
	 * summed over the closed */ \
	STMT(ST_REVIEWS_CASES, \
	     REVIEWS_SCOPE " SELECT count(*)," \
	                   " coalesce(sum(rc.status IN (SELECT value FROM json_each(?5))), 0)," \
	                   " coalesce(sum(rc.status IN (SELECT value FROM json_each(?6))), 0)," \
	                   " coalesce(sum(rc.closed_at IS NOT NULL), 0)," \
	                   " coalesce(sum(rc.closed_at - rc.received_at), 0)" \
	                   " FROM rc WHERE rc.owned") \
	/* every unit's parts (not cancelled): the unit's own, or any part of \
	 * an owned case; parts, answered, answered by their due_at, late \
	 * (answered after it, or open past it at ?5), the answering time summed \
	 * over the answered */ \
	STMT(ST_REVIEWS_UNITS, REVIEWS_SCOPE \
	     " SELECT o.code, o.name, count(*), coalesce(sum(a.done_at IS NOT NULL), 0)," \
	     " coalesce(sum(a.done_at IS NOT NULL AND (a.due_at IS NULL OR" \
	     "  a.done_at <= a.due_at)), 0)," \
	     " coalesce(sum(a.due_at IS NOT NULL AND coalesce(a.done_at, ?5) > a.due_at), 0)," \
	     " coalesce(sum(a.done_at - a.dispatched_at), 0)" \
	     " FROM rc JOIN assignments a ON a.case_id = rc.id" \
	     " JOIN orgs o ON o.id = a.org_id WHERE a.status <> 'cancelled'" \
	     " AND (rc.owned OR o.path LIKE ?2 || '%') GROUP BY o.id ORDER BY o.code")

#endif
