/*
 * SQL of the stats area (GET /api/v1/stats/{type}, core/stats.c); see
 * store/statements.h for the conventions. docs/rates.md says in words what
 * each column counts.
 *
 * No statement names a type's actions, states, channels or fields: the
 * type's "rates" block (core/type_data.h) maps them, and core/stats.c binds
 * them as parameters. A list is bound as a JSON array text and read with
 * json_each(); a payload field as a JSON path text ('$."resolved"'). A
 * parameter bound NULL (a step the type does not have) matches nothing.
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
 * ST_STATS_CASES also takes the rates block (STATS_P_* below):
 *   ?6  JSON array: every action whose events the rates read (transfer,
 *       reopen, callback, escalate)
 *   ?7  rates.replies.state          ?8  rates.transfer.action
 *   ?9  rates.reopens.actions (JSON) ?10 rates.follow_up.action
 *   ?11 rates.reopens.follow_up_to (JSON)
 *   ?12 JSON path of rates.follow_up.resolved.field,  ?13 its "in" (JSON)
 *   ?14 JSON path of rates.follow_up.satisfied.field, ?15 its "in" (JSON)
 *   ?16 rates.completion.states (JSON) ?17 rates.duplicates.state
 *   ?18 rates.transfer.state         ?19 rates.transfer.channel
 *   ?20 rates.local_resolution.escalate (JSON)
 *   ?21 rates.duplicates.link (NULL: none)
 *   ?22 the action of a merged child's follow events (FOLLOW_PARENT_EVENT):
 *       never a reply of the child's own
 * and ST_STATS_ASSIGNMENTS:
 *   ?6  rates.returns.action
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
 *        the return action's events' payload.cancelled_assignments).
 *   ev   per in-scope case, what its events say (only the events that matter
 *        are read: the actions of ?6, and those into the reply state; the
 *        follow-up's payload is parsed only on its own events).
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
	"  c.received_at, o.path LIKE ?2 || '%' AS owned FROM cases c JOIN orgs o ON o.id = " \
	"c.org_id" \
	"  WHERE +c.type = ?1 AND c.received_at >= ?3 AND c.received_at < ?4" \
	"  AND (o.path LIKE ?2 || '%' OR EXISTS (SELECT 1 FROM assignments xa" \
	"   JOIN orgs xo ON xo.id = xa.org_id WHERE xa.case_id = c.id AND xa.status <> " \
	"'cancelled'" \
	"   AND xo.path LIKE ?2 || '%')))," \
	" sk AS MATERIALIZED (SELECT CASE WHEN ?5 = 1 THEN (received_at + 28800000) / 86400000" \
	"  ELSE 0 END AS k, id, class, channel, status, fields, owned FROM sc WHERE ?5 <> 2" \
	"  UNION ALL SELECT DISTINCT la.org_id, sc.id, sc.class, sc.channel, sc.status, " \
	"sc.fields," \
	"  sc.owned FROM sc CROSS JOIN assignments la ON la.case_id = sc.id" \
	"  JOIN orgs lo ON lo.id = la.org_id WHERE ?5 = 2 AND la.kind = 'lead'" \
	"  AND la.status <> 'cancelled' AND lo.path LIKE ?2 || '%')"

/* Parameter numbers of ST_STATS_CASES and ST_STATS_ASSIGNMENTS (above). */
enum {
	STATS_P_ACTIONS = 6,
	STATS_P_REPLY_STATE,
	STATS_P_TRANSFER_ACTION,
	STATS_P_REOPEN_ACTIONS,
	STATS_P_CALLBACK_ACTION,
	STATS_P_REOPEN_FOLLOW_UP_TO,
	STATS_P_RESOLVED_PATH,
	STATS_P_RESOLVED_IN,
	STATS_P_SATISFIED_PATH,
	STATS_P_SATISFIED_IN,
	STATS_P_CLOSE_STATES,
	STATS_P_MERGE_STATE,
	STATS_P_TRANSFER_STATE,
	STATS_P_TRANSFER_CHANNEL,
	STATS_P_ESCALATE_ACTIONS,
	STATS_P_MERGE_LINK,
	STATS_P_FOLLOW_EVENT,
	STATS_P_RETURN_ACTION = 6, /* ST_STATS_ASSIGNMENTS */
};

#define STATS_ASSIGNMENTS \
	", ak AS (SELECT sk.k, a.id, a.signed_at, a.sign_due_at FROM sk" \
	"  CROSS JOIN assignments a ON a.case_id = sk.id JOIN orgs ao ON ao.id = a.org_id" \
	"  WHERE ?5 <> 2 AND (sk.owned OR ao.path LIKE ?2 || '%')" \
	"  UNION ALL SELECT a.org_id, a.id, a.signed_at, a.sign_due_at FROM sc" \
	"  CROSS JOIN assignments a ON a.case_id = sc.id WHERE ?5 = 2 AND a.org_id IN (SELECT k " \
	"FROM sk))," \
	" ret AS (SELECT DISTINCT j.value AS id FROM events e," \
	"  json_each(e.payload, '$.cancelled_assignments') j" \
	"  WHERE e.action = ?6 AND e.case_id IN (SELECT id FROM sc))"

#define STATS_EVENTS \
	", ev AS MATERIALIZED (SELECT e.case_id, max(e.action = ?8) AS to110," \
	"  max(e.action IN (SELECT value FROM json_each(?9)) OR (e.action = ?10" \
	"   AND e.to_status IN (SELECT value FROM json_each(?11)))) AS reopened," \
	"  sum(e.action = ?10) AS callbacks," \
	"  sum(CASE WHEN e.action = ?10 THEN json_extract(e.payload, ?12)" \
	"   IN (SELECT value FROM json_each(?13)) ELSE 0 END) AS resolved," \
	"  sum(CASE WHEN e.action = ?10 THEN json_extract(e.payload, ?14)" \
	"   IN (SELECT value FROM json_each(?15)) ELSE 0 END) AS satisfied," \
	"  max(e.action IN (SELECT value FROM json_each(?20))) AS escalated," \
	"  min(CASE WHEN e.to_status = ?7 THEN e.seq END) AS first_reply" \
	"  FROM events e WHERE e.case_id IN (SELECT id FROM sc)" \
	"  AND (e.action IN (SELECT value FROM json_each(?6)) OR (e.to_status = ?7 AND e.action " \
	"<> ?22))" \
	"  GROUP BY e.case_id)," \
	" fr AS (SELECT ev.case_id, fe.at <= coalesce(" STATS_ISO_MS( \
	    "json_extract(fe.payload, '$.due_at')") ", fe.at) AS on_time" \
	                                            "  FROM ev JOIN events fe ON fe.seq = " \
	                                            "ev.first_reply)"

/* A merged case that followed its parent on: it holds a live link of kind
 * rates.duplicates.link ("SEARCH dl USING INDEX links_case (case_id=?)"). */
#define STATS_LINKED \
	"EXISTS (SELECT 1 FROM links dl WHERE dl.case_id = sk.id AND dl.kind = ?21" \
	" AND dl.removed_at IS NULL)"

/* Columns read by core/stats.c (stats_read_cases), in this order. */
#define STATS_CLOSED "sk.status IN (SELECT value FROM json_each(?16))"
#define STATS_CASE_COLS \
	"sk.k, count(*), sum(" STATS_CLOSED "), sum(sk.status = ?17)," \
	" sum(sk.status = ?18), sum(sk.channel = ?19)," \
	" sum(json_type(sk.fields, '$.problem') = 'true'), sum(ev.to110)," \
	" sum(ev.first_reply IS NOT NULL), sum(fr.on_time), sum(ev.reopened), sum(ev.callbacks)," \
	" sum(ev.resolved), sum(ev.satisfied), sum(ev.escalated)," \
	" sum(" STATS_CLOSED " AND ev.escalated IS NOT 1)," \
	" sum(sk.status = ?17 OR " STATS_LINKED ")," \
	" sum(" STATS_CLOSED " AND " STATS_LINKED ")"

/* counts.overdue (not limited by the period): ?1 the type, ?2 the subtree's
 * path, ?3 now. The open cases past their deadline, from the partial index
 * cases_due (open cases by due_at: "SEARCH c USING INDEX cases_due
 * (due_at<?)"), each tested for the scope as STATS_SCOPE tests it; `+c.type`
 * keeps cases_type_status, which would read every case of the type, out of
 * the plan. */
#define STATS_OVERDUE \
	"SELECT count(*) FROM cases c JOIN orgs o ON o.id = c.org_id" \
	" WHERE c.closed_at IS NULL AND c.due_at < ?3 AND +c.type = ?1" \
	" AND (o.path LIKE ?2 || '%' OR EXISTS (SELECT 1 FROM assignments xa" \
	"  JOIN orgs xo ON xo.id = xa.org_id WHERE xa.case_id = c.id AND xa.status <> 'cancelled'" \
	"  AND xo.path LIKE ?2 || '%'))"

/* A unit's counts.overdue (group=org): its open parts past their due_at on
 * open cases of the type. ?1 the unit's org id, ?2 the type's statuses of
 * open parts (JSON), ?3 now, ?4 the type: "SEARCH a USING INDEX
 * assignments_org (org_id=? AND status=?)". */
#define STATS_UNIT_OVERDUE \
	"SELECT count(*) FROM assignments a JOIN cases c ON c.id = a.case_id" \
	" WHERE a.org_id = ?1 AND a.status IN (SELECT value FROM json_each(?2))" \
	" AND a.due_at < ?3 AND c.closed_at IS NULL AND c.type = ?4"

/* Per level, for a type with "levels" (core/levels.c) and
 * rates.local_resolution: ?1..?4 as above, ?5 = 0, ?6 the escalate
 * actions (JSON), ?16 rates.completion.states (JSON). One row per first level (the case's
 * fields.first_level, the org kind that first took it on): cases, closed ones, closed ones never
 * escalated (就地调处), escalated ones. */
#define STATS_LEVELS \
	STATS_SCOPE \
	", le AS (SELECT DISTINCT e.case_id FROM events e" \
	"  WHERE e.case_id IN (SELECT id FROM sc) AND e.action IN (SELECT value FROM " \
	"json_each(?6)))" \
	" SELECT json_extract(sk.fields, '$.first_level') AS lv, count(*), sum(" STATS_CLOSED ")," \
	" sum(" STATS_CLOSED " AND le.case_id IS NULL), sum(le.case_id IS NOT NULL)" \
	" FROM sk LEFT JOIN le ON le.case_id = sk.id GROUP BY lv"

/* Escalations out of each level: the escalate events (?6) of the cases in
 * scope by the kind of the org they left (payload escalation.from.kind). */
#define STATS_LEVELS_OUT \
	STATS_SCOPE " SELECT json_extract(e.payload, '$.escalation.from.kind'), count(*)" \
	            " FROM events e WHERE e.case_id IN (SELECT id FROM sk)" \
	            " AND e.action IN (SELECT value FROM json_each(?6)) GROUP BY 1"

#define STATEMENTS_STATS(STMT) \
	STMT(ST_STATS_LEVELS, STATS_LEVELS) \
	STMT(ST_STATS_LEVELS_OUT, STATS_LEVELS_OUT) \
	STMT(ST_STATS_OVERDUE, STATS_OVERDUE) \
	STMT(ST_STATS_UNIT_OVERDUE, STATS_UNIT_OVERDUE) \
	STMT(ST_STATS_CASES, STATS_SCOPE STATS_EVENTS \
	     " SELECT " STATS_CASE_COLS " FROM sk" \
	     " LEFT JOIN ev ON ev.case_id = sk.id LEFT JOIN fr ON fr.case_id = sk.id" \
	     " GROUP BY sk.k ORDER BY sk.k") \
	STMT(ST_STATS_DIMS, STATS_SCOPE \
	     " SELECT k, 0, class, count(*) FROM sk WHERE class IS NOT NULL GROUP BY k, class" \
	     " UNION ALL SELECT k, 1, channel, count(*) FROM sk WHERE channel IS NOT NULL" \
	     "  GROUP BY k, channel" \
	     " UNION ALL SELECT k, 2, status, count(*) FROM sk GROUP BY k, status" \
	     " ORDER BY 1, 2, 3") \
	STMT(ST_STATS_ASSIGNMENTS, STATS_SCOPE STATS_ASSIGNMENTS \
	     " SELECT k, count(*)," \
	     " sum(signed_at IS NOT NULL AND (sign_due_at IS NULL OR signed_at <= sign_due_at))," \
	     " sum(id IN (SELECT id FROM ret)) FROM ak GROUP BY k ORDER BY k")

/*
 * The daily aggregates (migration 25, core/stats_agg.c). The 20 counters of
 * a tally, in this order everywhere: received, closed, merged, transferred,
 * from_110, problem, to_110, replied, replied_on_time, reopened, callbacks,
 * resolved, satisfied, escalated, closed_locally, duplicates,
 * closed_duplicates (the columns of STATS_CASE_COLS after the key),
 * assignments, signed_on_time, returned.
 */
#define STATS_AGG_COLS \
	"received, closed, merged, transferred, from_110, problem, to_110, " \
	"replied, replied_on_time, reopened, callbacks, resolved, satisfied, " \
	"escalated, closed_locally, duplicates, closed_duplicates, assignments, " \
	"signed_on_time, returned"
#define STATS_AGG_SUMS \
	"sum(received), sum(closed), sum(merged), sum(transferred), " \
	"sum(from_110), sum(problem), sum(to_110), sum(replied), " \
	"sum(replied_on_time), sum(reopened), sum(callbacks), sum(resolved), " \
	"sum(satisfied), sum(escalated), sum(closed_locally), sum(duplicates), " \
	"sum(closed_duplicates), sum(assignments), sum(signed_on_time), " \
	"sum(returned)"
#define STATS_AGG_UPD \
	"received = received + excluded.received, closed = closed + " \
	"excluded.closed, merged = merged + excluded.merged, transferred = " \
	"transferred + excluded.transferred, from_110 = from_110 + " \
	"excluded.from_110, problem = problem + excluded.problem, to_110 = " \
	"to_110 + excluded.to_110, replied = replied + excluded.replied, " \
	"replied_on_time = replied_on_time + excluded.replied_on_time, reopened " \
	"= reopened + excluded.reopened, callbacks = callbacks + " \
	"excluded.callbacks, resolved = resolved + excluded.resolved, satisfied " \
	"= satisfied + excluded.satisfied, escalated = escalated + " \
	"excluded.escalated, closed_locally = closed_locally + " \
	"excluded.closed_locally, duplicates = duplicates + " \
	"excluded.duplicates, closed_duplicates = closed_duplicates + " \
	"excluded.closed_duplicates, assignments = assignments + " \
	"excluded.assignments, signed_on_time = signed_on_time + " \
	"excluded.signed_on_time, returned = returned + excluded.returned"

/* One case's own tallies (STATS_CASE_COLS) with the rates parameters of
 * ST_STATS_CASES: ?1 the case id. A missing case gives count 0. */
#define STATS_ONE_CASE \
	"WITH sc AS (SELECT c.id, c.class, c.channel, c.status, c.fields, c.received_at" \
	" FROM cases c WHERE c.id = ?1), sk AS (SELECT 0 AS k, id, class, channel, status," \
	" fields, 1 AS owned FROM sc)" STATS_EVENTS " SELECT " STATS_CASE_COLS " FROM sk" \
	" LEFT JOIN ev ON ev.case_id = sk.id LEFT JOIN fr ON fr.case_id = sk.id"

#define STATEMENTS_STATS_AGG(STMT) \
	STMT(ST_STATS_ONE_CASE, STATS_ONE_CASE) \
	STMT(ST_STATS_CASE_ROW, "SELECT c.type, c.received_at, coalesce(c.class, '')," \
	                        " coalesce(c.channel, ''), coalesce(c.status, ''), o.path," \
	                        " CASE WHEN c.closed_at IS NULL THEN c.due_at END FROM cases c" \
	                        " JOIN orgs o ON o.id = c.org_id WHERE c.id = ?1") \
	/* a case's assignments: org, its path, live lead, live, signed in time, \
	 * cancelled by an approved return (?2 rates.returns.action) */ \
	STMT(ST_STATS_CASE_ASG, \
	     "SELECT a.org_id, o.path, a.kind = 'lead' AND a.status <> 'cancelled'," \
	     " a.status <> 'cancelled', a.signed_at IS NOT NULL AND (a.sign_due_at IS NULL" \
	     " OR a.signed_at <= a.sign_due_at), a.id IN (SELECT j.value FROM events e," \
	     " json_each(e.payload, '$.cancelled_assignments') j WHERE e.case_id = ?1" \
	     " AND e.action = ?2) FROM assignments a JOIN orgs o ON o.id = a.org_id" \
	     " WHERE a.case_id = ?1") \
	STMT(ST_STATS_CONTRIB_GET, \
	     "SELECT type, day, class, channel, status, v, due FROM stats_case" \
	     " WHERE case_id = ?1") \
	STMT(ST_STATS_CONTRIB_PUT, \
	     "INSERT OR REPLACE INTO stats_case(case_id, type, day, class," \
	     " channel, status, v, due) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)") \
	STMT(ST_STATS_DUE_ADD, "INSERT INTO stats_due(scope, type, due_at, case_id)" \
	                       " VALUES(?1, ?2, ?3, ?4)") \
	STMT(ST_STATS_DUE_DEL, "DELETE FROM stats_due WHERE scope = ?1 AND type = ?2" \
	                       " AND due_at = ?3 AND case_id = ?4") \
	STMT(ST_STATS_DUE_CLEAR, "DELETE FROM stats_due") \
	/* counts.overdue from stats_due: ?1 scope org, ?2 type, ?3 now */ \
	STMT(ST_STATS_AGG_OVERDUE, "SELECT count(*) FROM stats_due WHERE scope = ?1 AND type = ?2" \
	                           " AND due_at < ?3") \
	STMT(ST_STATS_CONTRIB_DEL, "DELETE FROM stats_case WHERE case_id = ?1") \
	STMT(ST_STATS_DIRTY_NEXT, "SELECT case_id FROM stats_dirty ORDER BY case_id LIMIT ?1") \
	STMT(ST_STATS_DIRTY_DEL, "DELETE FROM stats_dirty WHERE case_id = ?1") \
	STMT(ST_STATS_DIRTY_ANY, "SELECT EXISTS (SELECT 1 FROM stats_dirty)") \
	/* the check command (core/stats_check.c) */ \
	STMT(ST_STATS_CHECK_ORGS, \
	     "SELECT id, path, code FROM orgs WHERE id > ?1 ORDER BY id LIMIT 1") \
	STMT(ST_STATS_CHECK_SPAN, "SELECT min(received_at), max(received_at) FROM cases" \
	                          " WHERE type = ?1") \
	STMT(ST_STATS_CHECK_CASES, "SELECT id FROM cases WHERE id > ?1 ORDER BY id LIMIT 1000") \
	STMT(ST_STATS_DIRTY_COUNT, "SELECT count(*) FROM stats_dirty") \
	STMT(ST_STATS_DIRTY_ALL, "INSERT OR IGNORE INTO stats_dirty SELECT id FROM cases") \
	STMT(ST_STATS_AGG_CLEAR_CELL, "DELETE FROM stats_cell") \
	STMT(ST_STATS_AGG_CLEAR_UNIT, "DELETE FROM stats_unit_cell") \
	STMT(ST_STATS_AGG_CLEAR_CASE, "DELETE FROM stats_case") \
	STMT(ST_STATS_CELL_ADD, \
	     "INSERT INTO stats_cell(scope, type, day, class, channel, status, " STATS_AGG_COLS \
	     ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13," \
	     " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)" \
	     " ON CONFLICT DO UPDATE SET " STATS_AGG_UPD) \
	STMT(ST_STATS_UNIT_CELL_ADD, \
	     "INSERT INTO stats_unit_cell(scope, type, day, unit, class," \
	     " channel, status, " STATS_AGG_COLS \
	     ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14," \
	     " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)" \
	     " ON CONFLICT DO UPDATE SET " STATS_AGG_UPD) \
	/* a scope's cells over days [?3, ?4): one group (key 0), by day, by unit */ \
	STMT(ST_STATS_AGG_ALL, \
	     "SELECT 0, class, channel, status, " STATS_AGG_SUMS \
	     " FROM stats_cell WHERE scope = ?1 AND type = ?2 AND day >= ?3 AND day < ?4" \
	     " GROUP BY class, channel, status") \
	STMT(ST_STATS_AGG_DAY, \
	     "SELECT day, class, channel, status, " STATS_AGG_SUMS \
	     " FROM stats_cell WHERE scope = ?1 AND type = ?2 AND day >= ?3 AND day < ?4" \
	     " GROUP BY day, class, channel, status ORDER BY day") \
	STMT(ST_STATS_AGG_UNIT, \
	     "SELECT unit, class, channel, status, " STATS_AGG_SUMS \
	     " FROM stats_unit_cell WHERE scope = ?1 AND type = ?2 AND day >= ?3 AND day < ?4" \
	     " GROUP BY unit, class, channel, status ORDER BY unit")

#endif
