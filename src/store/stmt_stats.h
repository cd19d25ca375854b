/*
 * SQL of the stats area (GET /api/v1/stats/{type}, core/stats.c); see
 * store/statements.h for the conventions. docs/rates.md says in words what
 * each column counts.
 *
 * Every statement starts from the same scope (STATS_SCOPE) and takes the
 * same parameters:
 *   ?1  the matter type's code
 *   ?2  the org path of the subtree asked for ("/1/4/")
 *   ?3  received_at lower bound, UTC ms, inclusive
 *   ?4  received_at upper bound, UTC ms, exclusive
 *   ?5  grouping: 0 = one group (key 0); 1 = by received day (key = the
 *       Asia/Shanghai day number, as time_day_of()); 2 = by lead unit (key =
 *       the org id of a unit inside the subtree holding a live lead
 *       assignment on the case)
 * and returns one row per group key, ordered by key.
 *
 * The common table expressions:
 *   sc   the cases in scope: of the type, received in [?3, ?4), owned by an
 *        org of the subtree or holding a live (not cancelled) assignment to
 *        one; `owned` says which of the two.
 *   sk   (k, case) pairs of the grouping; with ?5 = 2 a case belongs to each
 *        unit leading it, and to none when no unit of the subtree leads it.
 *   ak   (k, assignment) pairs for the assignment rates. With ?5 = 0 or 1:
 *        the assignments of the group's cases made to an org of the subtree,
 *        or all of a case's assignments when the case's own org is in the
 *        subtree. With ?5 = 2: every assignment of the unit itself (any kind,
 *        any status) on an in-scope case.
 *   ret  the assignments cancelled by an approved return (the ids listed in
 *        approve_return events' payload.cancelled_assignments).
 *   ev   per in-scope case, what its events say (only the events that matter
 *        are read: transfer_110, reopen, callback, and to_status 'replied').
 *   fr   per replied case, whether its first reply came by the case deadline
 *        written in that event's payload.due_at.
 *
 * Cost: a range scan of cases_received, one indexed probe of assignments per
 * case for the scope, then events_case / events_action / assignments_case
 * lookups for in-scope cases only. Aggregates are computed here; C never
 * sees an event row.
 */
#ifndef CIVICLOOP_STORE_STMT_STATS_H
#define CIVICLOOP_STORE_STMT_STATS_H

/* An ISO 8601 text with offset (as time_format_iso writes it) as UTC ms;
 * NULL when x is NULL or not a time. */
#define STATS_ISO_MS(x) \
	"(CAST(strftime('%s', " x ") AS INTEGER) * 1000" \
	" + CAST(substr(strftime('%f', " x "), 4) AS INTEGER))"

#define STATS_SCOPE \
	"WITH sc AS MATERIALIZED (SELECT c.id, c.class, c.channel, c.status, c.fields," \
	"  c.received_at, o.path LIKE ?2 || '%' AS owned FROM cases c JOIN orgs o ON o.id = c.org_id" \
	"  WHERE +c.type = ?1 AND c.received_at >= ?3 AND c.received_at < ?4" \
	"  AND (o.path LIKE ?2 || '%' OR EXISTS (SELECT 1 FROM assignments xa" \
	"   JOIN orgs xo ON xo.id = xa.org_id WHERE xa.case_id = c.id AND xa.status <> 'cancelled'" \
	"   AND xo.path LIKE ?2 || '%')))," \
	" sk AS MATERIALIZED (SELECT CASE WHEN ?5 = 1 THEN (received_at + 28800000) / 86400000" \
	"  ELSE 0 END AS k, id, class, channel, status, fields, owned FROM sc WHERE ?5 <> 2" \
	"  UNION ALL SELECT DISTINCT la.org_id, sc.id, sc.class, sc.channel, sc.status, sc.fields," \
	"  sc.owned FROM sc CROSS JOIN assignments la ON la.case_id = sc.id" \
	"  JOIN orgs lo ON lo.id = la.org_id WHERE ?5 = 2 AND la.kind = 'lead'" \
	"  AND la.status <> 'cancelled' AND lo.path LIKE ?2 || '%')"

#define STATS_ASSIGNMENTS \
	", ak AS (SELECT sk.k, a.id, a.signed_at, a.sign_due_at FROM sk" \
	"  CROSS JOIN assignments a ON a.case_id = sk.id JOIN orgs ao ON ao.id = a.org_id" \
	"  WHERE ?5 <> 2 AND (sk.owned OR ao.path LIKE ?2 || '%')" \
	"  UNION ALL SELECT a.org_id, a.id, a.signed_at, a.sign_due_at FROM sc" \
	"  CROSS JOIN assignments a ON a.case_id = sc.id WHERE ?5 = 2 AND a.org_id IN (SELECT k FROM sk))," \
	" ret AS (SELECT DISTINCT j.value AS id FROM events e," \
	"  json_each(e.payload, '$.cancelled_assignments') j" \
	"  WHERE e.action = 'approve_return' AND e.case_id IN (SELECT id FROM sc))"

#define STATS_EVENTS \
	", ev AS MATERIALIZED (SELECT e.case_id, max(e.action = 'transfer_110') AS to110," \
	"  max(e.action = 'reopen' OR (e.action = 'callback' AND e.to_status = 'handling')) AS reopened," \
	"  sum(e.action = 'callback') AS callbacks," \
	"  sum(CASE WHEN e.action = 'callback' THEN json_type(e.payload, '$.resolved') = 'true'" \
	"   ELSE 0 END) AS resolved," \
	"  sum(CASE WHEN e.action = 'callback' THEN json_extract(e.payload, '$.satisfaction')" \
	"   IN ('满意', '基本满意') ELSE 0 END) AS satisfied," \
	"  min(CASE WHEN e.to_status = 'replied' THEN e.seq END) AS first_reply" \
	"  FROM events e WHERE e.case_id IN (SELECT id FROM sc)" \
	"  AND (e.action IN ('transfer_110', 'reopen', 'callback') OR e.to_status = 'replied')" \
	"  GROUP BY e.case_id)," \
	" fr AS (SELECT ev.case_id, fe.at <= coalesce(" \
	STATS_ISO_MS("json_extract(fe.payload, '$.due_at')") ", fe.at) AS on_time" \
	"  FROM ev JOIN events fe ON fe.seq = ev.first_reply)"

/* Columns read by core/stats.c (stats_read_cases), in this order. */
#define STATS_CASE_COLS \
	"sk.k, count(*), sum(sk.status = 'closed'), sum(sk.status = 'merged')," \
	" sum(sk.status = 'transferred_110'), sum(sk.channel = '110')," \
	" sum(json_type(sk.fields, '$.problem') = 'true'), sum(ev.to110)," \
	" sum(ev.first_reply IS NOT NULL), sum(fr.on_time), sum(ev.reopened), sum(ev.callbacks)," \
	" sum(ev.resolved), sum(ev.satisfied)"

#define STATEMENTS_STATS(STMT) \
	STMT(ST_STATS_CASES, STATS_SCOPE STATS_EVENTS " SELECT " STATS_CASE_COLS " FROM sk" \
		" LEFT JOIN ev ON ev.case_id = sk.id LEFT JOIN fr ON fr.case_id = sk.id" \
		" GROUP BY sk.k ORDER BY sk.k") \
	STMT(ST_STATS_DIMS, STATS_SCOPE \
		" SELECT k, 0, class, count(*) FROM sk WHERE class IS NOT NULL GROUP BY k, class" \
		" UNION ALL SELECT k, 1, channel, count(*) FROM sk WHERE channel IS NOT NULL" \
		"  GROUP BY k, channel" \
		" UNION ALL SELECT k, 2, status, count(*) FROM sk GROUP BY k, status" \
		" ORDER BY 1, 2, 3") \
	STMT(ST_STATS_ASSIGNMENTS, STATS_SCOPE STATS_ASSIGNMENTS " SELECT k, count(*)," \
		" sum(signed_at IS NOT NULL AND (sign_due_at IS NULL OR signed_at <= sign_due_at))," \
		" sum(id IN (SELECT id FROM ret)) FROM ak GROUP BY k ORDER BY k")

#endif
