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

/* The DDL of the 20 counters (migration 27's rollups; migration 25 spells
 * them out itself). */
#define STATS_AGG_DDL \
	"received INTEGER NOT NULL, closed INTEGER NOT NULL, merged INTEGER NOT NULL," \
	" transferred INTEGER NOT NULL, from_110 INTEGER NOT NULL, problem INTEGER NOT NULL," \
	" to_110 INTEGER NOT NULL, replied INTEGER NOT NULL, replied_on_time INTEGER NOT NULL," \
	" reopened INTEGER NOT NULL, callbacks INTEGER NOT NULL, resolved INTEGER NOT NULL," \
	" satisfied INTEGER NOT NULL, escalated INTEGER NOT NULL," \
	" closed_locally INTEGER NOT NULL, duplicates INTEGER NOT NULL," \
	" closed_duplicates INTEGER NOT NULL, assignments INTEGER NOT NULL," \
	" signed_on_time INTEGER NOT NULL, returned INTEGER NOT NULL"

/* The day number of the first of the month of day number `day` (the key
 * of the monthly rollups), in SQL: migration 27's backfill;
 * core/stats_agg.c's stats_month_of() is the same in C. */
#define STATS_MONTH_OF_DAY \
	"(CAST(strftime('%s', day * 86400, 'unixepoch', 'start of month') AS INTEGER) / 86400)"

#define STATS_MONTH_TABLES \
	"CREATE TABLE stats_month(scope INTEGER NOT NULL, type TEXT NOT NULL," \
	" month INTEGER NOT NULL, class TEXT NOT NULL, channel TEXT NOT NULL," \
	" status TEXT NOT NULL, " STATS_AGG_DDL ", PRIMARY KEY(scope, type, month, class," \
	" channel, status)) STRICT, WITHOUT ROWID;" \
	"CREATE TABLE stats_unit_month(scope INTEGER NOT NULL, type TEXT NOT NULL," \
	" month INTEGER NOT NULL, unit INTEGER NOT NULL, class TEXT NOT NULL," \
	" channel TEXT NOT NULL, status TEXT NOT NULL, " STATS_AGG_DDL ", PRIMARY KEY(scope," \
	" type, month, unit, class, channel, status)) STRICT, WITHOUT ROWID;" \
	"INSERT INTO stats_month SELECT scope, type, " STATS_MONTH_OF_DAY ", class, channel," \
	" status, " STATS_AGG_SUMS " FROM stats_cell GROUP BY 1, 2, 3, 4, 5, 6;" \
	"INSERT INTO stats_unit_month SELECT scope, type, " STATS_MONTH_OF_DAY ", unit, class," \
	" channel, status, " STATS_AGG_SUMS " FROM stats_unit_cell GROUP BY 1, 2, 3, 4, 5, 6, 7;"

#define STATS_DUE_TABLES \
	"CREATE TABLE stats_due_day(scope INTEGER NOT NULL, type TEXT NOT NULL, day INTEGER" \
	" NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(scope, type, day)) STRICT, WITHOUT ROWID;" \
	"INSERT INTO stats_due_day SELECT scope, type, (due_at + 28800000) / 86400000," \
	" count(*) FROM stats_due GROUP BY 1, 2, 3;" \
	"CREATE TABLE stats_part_due(unit INTEGER NOT NULL, type TEXT NOT NULL, due_at INTEGER" \
	" NOT NULL, asg_id INTEGER NOT NULL, PRIMARY KEY(unit, type, due_at, asg_id)) STRICT," \
	" WITHOUT ROWID;" \
	"CREATE TABLE stats_part_due_day(unit INTEGER NOT NULL, type TEXT NOT NULL, day INTEGER" \
	" NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(unit, type, day)) STRICT, WITHOUT ROWID;"

/* Migration 27 (issue 16, stats; core/stats_agg.c): the monthly rollups
 * of stats_cell and stats_unit_cell, keyed by the day number of the
 * month's first day (`month`), filled from the daily rows; stats_due_day,
 * stats_due counted per Shanghai day of the deadline, filled from it;
 * stats_part_due (+ _day), each unit's open parts of open cases by their
 * deadline, and stats_case.seq, the last event a case's stored share has
 * folded in (NULL: fold them all again): the open cases are marked, so
 * the writer folds them in again at start (their parts are not known to a
 * migration: which part statuses are open is the types' data). */
#define STATS_MONTH_SCHEMA \
	"ALTER TABLE stats_case ADD COLUMN seq INTEGER;" STATS_MONTH_TABLES STATS_DUE_TABLES \
	"INSERT OR IGNORE INTO stats_dirty SELECT id FROM cases WHERE closed_at IS NULL;"

/* Migration 33 (issue 17; docs/citus.md "The statistics"): every row of
 * the stats aggregates carries the region of the case it counts, the
 * rollups' and the deadlines' in their primary key (last, so a scope's
 * range reads walk it as before): a cell holds the cases of one region,
 * and a scope's figure is the sum of its rows over the regions (what the
 * reads already do, stats_month.c). The rows as they were counted do not
 * say their cases' regions; when the cases are all of one region
 * (m33_one, the common deployment: one county), every row is that
 * region's, else the aggregates are emptied and every case marked, so
 * the writer counts them again at start (stats_backfill). SQLite's
 * stats_dirty takes no column (PostgreSQL's has it, pg_schema.h), nor
 * stats_case in its key (case_id is its rowid). */
#define STATS_REGION_ONE \
	"CREATE TEMP TABLE m33_one AS SELECT min(region_code) AS r FROM cases" \
	" HAVING count(DISTINCT region_code) = 1;"
#define STATS_REGION_IS_ONE "EXISTS (SELECT 1 FROM m33_one)"
/* table t made again with region_code after its key's columns (keycols,
 * their DDL keyddl; the others, rest, theirs restddl), its rows kept when
 * the cases are of one region. The region comes before the other columns:
 * SQLite 3.40's integrity_check reads a WITHOUT ROWID table's columns
 * wrongly when a key column follows one that is not in the key ("NULL
 * value in t.x" for a value that is there). */
#define STATS_REGION_REKEY(t, keyddl, keycols, restddl, rest) \
	"CREATE TABLE " t "_m33(" keyddl ", region_code TEXT NOT NULL" restddl \
	", PRIMARY KEY(" keycols ", region_code)) STRICT, WITHOUT ROWID;" \
	"INSERT INTO " t "_m33(" keycols ", region_code" rest ") SELECT " keycols \
	", (SELECT r FROM m33_one)" rest " FROM " t " WHERE " STATS_REGION_IS_ONE ";" \
	"DROP TABLE " t ";" \
	"ALTER TABLE " t "_m33 RENAME TO " t ";"
#define STATS_REGION_COUNTERS ", " STATS_AGG_COLS
#define STATS_REGION_COUNTERS_DDL ", " STATS_AGG_DDL
/* clang-format off */
#define STATS_REGION_SCHEMA \
	STATS_REGION_ONE \
	"ALTER TABLE stats_case ADD COLUMN region_code TEXT NOT NULL DEFAULT '000000';" \
	"UPDATE stats_case SET region_code = (SELECT r FROM m33_one) WHERE " STATS_REGION_IS_ONE ";" \
	"DELETE FROM stats_case WHERE NOT " STATS_REGION_IS_ONE ";" \
	STATS_REGION_REKEY("stats_due", "scope INTEGER NOT NULL, type TEXT NOT NULL," \
	                   " due_at INTEGER NOT NULL, case_id INTEGER NOT NULL", \
	                   "scope, type, due_at, case_id", "", "") \
	STATS_REGION_REKEY("stats_part_due", "unit INTEGER NOT NULL, type TEXT NOT NULL," \
	                   " due_at INTEGER NOT NULL, asg_id INTEGER NOT NULL", \
	                   "unit, type, due_at, asg_id", "", "") \
	STATS_REGION_REKEY("stats_due_day", "scope INTEGER NOT NULL, type TEXT NOT NULL," \
	                   " day INTEGER NOT NULL", "scope, type, day", ", n INTEGER NOT NULL", ", n") \
	STATS_REGION_REKEY("stats_part_due_day", "unit INTEGER NOT NULL, type TEXT NOT NULL," \
	                   " day INTEGER NOT NULL", "unit, type, day", ", n INTEGER NOT NULL", ", n") \
	STATS_REGION_REKEY("stats_cell", "scope INTEGER NOT NULL, type TEXT NOT NULL," \
	                   " day INTEGER NOT NULL, class TEXT NOT NULL, channel TEXT NOT NULL," \
	                   " status TEXT NOT NULL", "scope, type, day, class, channel, status", \
	                   STATS_REGION_COUNTERS_DDL, STATS_REGION_COUNTERS) \
	STATS_REGION_REKEY("stats_unit_cell", "scope INTEGER NOT NULL, type TEXT NOT NULL," \
	                   " day INTEGER NOT NULL, unit INTEGER NOT NULL, class TEXT NOT NULL," \
	                   " channel TEXT NOT NULL, status TEXT NOT NULL", \
	                   "scope, type, day, unit, class, channel, status", \
	                   STATS_REGION_COUNTERS_DDL, STATS_REGION_COUNTERS) \
	STATS_REGION_REKEY("stats_month", "scope INTEGER NOT NULL, type TEXT NOT NULL," \
	                   " month INTEGER NOT NULL, class TEXT NOT NULL, channel TEXT NOT NULL," \
	                   " status TEXT NOT NULL", "scope, type, month, class, channel, status", \
	                   STATS_REGION_COUNTERS_DDL, STATS_REGION_COUNTERS) \
	STATS_REGION_REKEY("stats_unit_month", "scope INTEGER NOT NULL, type TEXT NOT NULL," \
	                   " month INTEGER NOT NULL, unit INTEGER NOT NULL, class TEXT NOT NULL," \
	                   " channel TEXT NOT NULL, status TEXT NOT NULL", \
	                   "scope, type, month, unit, class, channel, status", \
	                   STATS_REGION_COUNTERS_DDL, STATS_REGION_COUNTERS) \
	"INSERT OR IGNORE INTO stats_dirty SELECT id FROM cases WHERE NOT " STATS_REGION_IS_ONE ";" \
	"DROP TABLE m33_one;"
/* clang-format on */

/* Everything the upkeep reads of one case, in one statement
 * (core/stats_fold.c): ?1 the case id; the type's rates: ?2
 * rates.replies.state, ?3 rates.follow_up.action, ?4 / ?5 the JSON path of
 * rates.follow_up.resolved.field and its "in" (JSON), ?6 / ?7 the same of
 * satisfied, ?8 the action of a merged child's follow events
 * (FOLLOW_PARENT_EVENT), ?9 rates.duplicates.link, ?10 rates.returns.action;
 * ?11 1 = read the assignments and events (a type with rates), ?12 1 =
 * only the events after stats_case.seq (the share folded in so far), 0 =
 * all of them. Rows of 23 columns (NULL-padded), in this order:
 *   0  the case (NULLs when it is gone): present, type, received_at,
 *      class, channel, status, its owner org's path, due_at when open,
 *      fields.problem is true, holds a live ?9 link; then its stored share
 *      (stats_case): present, type, day, class, channel, status, due, seq,
 *      v; then whether the case is open (closed_at unset); the case's
 *      region and the stored share's (migration 33)
 *   1  per assignment: org, the org's path, a live lead, live, signed in
 *      time, cancelled by an approved return (listed in a ?10 event's
 *      payload.cancelled_assignments: "SEARCH re USING INDEX events_action
 *      (action=? AND case_id=?)", no row for most cases), id, status,
 *      due_at
 *   2  per event (after seq when ?12): seq, action, to_status; for a
 *      follow-up (?3) whether it is resolved and satisfied (its payload
 *      parsed); for an event into the reply state (?2) whether it came by
 *      the case deadline written in its payload (as STATS_EVENTS' fr)
 * The counting itself, the same as STATS_CASE_COLS', is done by the
 * caller on these rows: no JSON list, no temporary table. */
#define STATS_FOLD_CASE \
	"SELECT 0, c.id IS NOT NULL, c.type, c.received_at, c.class, c.channel, c.status," \
	" o.path, CASE WHEN c.closed_at IS NULL THEN c.due_at END," \
	" json_type(c.fields, '$.problem') = 'true', EXISTS (SELECT 1 FROM links dl" \
	" WHERE dl.case_id = k.id AND dl.kind = ?9 AND dl.removed_at IS NULL)," \
	" s.case_id IS NOT NULL, s.type, s.day, s.class, s.channel, s.status, s.due, s.seq," \
	" s.v, c.closed_at IS NULL, c.region_code, s.region_code FROM (SELECT ?1 AS id) k" \
	" LEFT JOIN cases c ON c.id = k.id" \
	" LEFT JOIN orgs o ON o.id = c.org_id LEFT JOIN stats_case s ON s.case_id = k.id"
#define STATS_FOLD_ASG \
	" UNION ALL SELECT 1, a.org_id, ao.path, a.kind = 'lead' AND a.status <> 'cancelled'," \
	" a.status <> 'cancelled', a.signed_at IS NOT NULL AND (a.sign_due_at IS NULL" \
	" OR a.signed_at <= a.sign_due_at), EXISTS (SELECT 1 FROM events re," \
	" json_each(re.payload, '$.cancelled_assignments') j WHERE re.action = ?10" \
	" AND re.case_id = ?1 AND j.value = a.id), a.id, a.status, a.due_at, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM assignments a" \
	" JOIN orgs ao ON ao.id = a.org_id WHERE a.case_id = ?1 AND ?11"
#define STATS_FOLD_ON_TIME \
	"e.at <= coalesce(" STATS_ISO_MS("json_extract(e.payload, '$.due_at')") ", e.at)"
#define STATS_FOLD_EVENTS \
	" UNION ALL SELECT 2, e.seq, e.action, e.to_status, CASE WHEN e.action = ?3" \
	" THEN json_extract(e.payload, ?4) IN (SELECT value FROM json_each(?5)) END," \
	" CASE WHEN e.action = ?3 THEN json_extract(e.payload, ?6)" \
	" IN (SELECT value FROM json_each(?7)) END, CASE WHEN e.to_status = ?2" \
	" THEN " STATS_FOLD_ON_TIME " END, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM events e WHERE e.case_id = ?1" \
	" AND ?11" \
	" AND e.seq > CASE WHEN ?12 THEN coalesce((SELECT seq FROM stats_case" \
	" WHERE case_id = ?1), 0) ELSE 0 END"
#define STATS_FOLD STATS_FOLD_CASE STATS_FOLD_ASG STATS_FOLD_EVENTS

/* The values of a rollup's upsert: ?1 scope, ?2 type, ?3 day or month,
 * then (unit tables) ?4 unit; then class, channel, status, the 20
 * counters to add and the region of the cases counted. */
#define STATS_CELL_VALUES \
	"VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18," \
	" ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)"
#define STATS_UNIT_VALUES \
	"VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18," \
	" ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"

/* The rows of one rollup for a scope over keys [?3, ?4) (days, or months'
 * first days), as core/stats_month.c reads them: key (the day or month,
 * or the unit), class, channel, status, the 20 counters. */
#define STATS_AGG_READ(key, table, col) \
	"SELECT " key ", class, channel, status, " STATS_AGG_COLS " FROM " table \
	" WHERE scope = ?1 AND type = ?2 AND " col " >= ?3 AND " col " < ?4"

/* Every row of the aggregates as one text (the tests: a job rolled back
 * leaves it as it was; what the writer keeps equals a rebuild). Rows whose
 * counters are all zero, which subtraction leaves behind and a rebuild
 * does not make, are left out. */
#define STATS_AGG_DUMP_CELLS(table, key) \
	"coalesce((SELECT group_concat(r, ';') FROM (SELECT scope || ',' || type || ',' || " key \
	" || ',' || class || ',' || channel || ',' || status || ',' || region_code || ':' ||" \
	" " STATS_AGG_CAT " AS r FROM " table " WHERE " STATS_AGG_NONZERO " ORDER BY 1)), '')"
#define STATS_AGG_CAT \
	"received || ',' || closed || ',' || merged || ',' || transferred || ',' ||" \
	" from_110 || ',' || problem || ',' || to_110 || ',' || replied || ',' ||" \
	" replied_on_time || ',' || reopened || ',' || callbacks || ',' || resolved || ','" \
	" || satisfied || ',' || escalated || ',' || closed_locally || ',' || duplicates" \
	" || ',' || closed_duplicates || ',' || assignments || ',' || signed_on_time ||" \
	" ',' || returned"
#define STATS_AGG_NONZERO \
	"received + closed + merged + transferred + from_110 + problem + to_110 + replied" \
	" + replied_on_time + reopened + callbacks + resolved + satisfied + escalated +" \
	" closed_locally + duplicates + closed_duplicates + assignments + signed_on_time +" \
	" returned <> 0"
#define STATS_DUMP_CELL STATS_AGG_DUMP_CELLS("stats_cell", "day")
#define STATS_DUMP_MONTH STATS_AGG_DUMP_CELLS("stats_month", "month")
#define STATS_DUMP_UNIT STATS_AGG_DUMP_CELLS("stats_unit_cell", "day || ',' || unit")
#define STATS_DUMP_UNIT_MONTH STATS_AGG_DUMP_CELLS("stats_unit_month", "month || ',' || unit")
#define STATS_DUMP_DUES \
	"coalesce((SELECT group_concat(r, ';') FROM (SELECT scope || ',' || type || ','" \
	" || due_at || ',' || case_id || ',' || region_code AS r FROM stats_due" \
	" ORDER BY 1)), '') || '|' || coalesce((SELECT group_concat(r, ';') FROM" \
	" (SELECT scope || ',' || type || ',' || day || ',' || region_code || ':' || n AS r" \
	" FROM stats_due_day WHERE n <> 0 ORDER BY 1)), '') || '|' ||" \
	" coalesce((SELECT group_concat(r, ';') FROM (SELECT unit || ',' || type || ','" \
	" || due_at || ',' || asg_id || ',' || region_code AS r FROM stats_part_due" \
	" ORDER BY 1)), '') || '|' || coalesce((SELECT group_concat(r, ';') FROM" \
	" (SELECT unit || ',' || type || ',' || day || ',' || region_code || ':' || n AS r" \
	" FROM stats_part_due_day WHERE n <> 0 ORDER BY 1)), '') || '|' ||" \
	" coalesce((SELECT group_concat(r, ';') FROM (SELECT case_id || ',' || type || ',' || day" \
	" || ',' || class || ',' || channel || ',' || status || ',' || coalesce(due, '-')" \
	" || ',' || hex(v) || ',' || region_code AS r FROM stats_case ORDER BY case_id)), '')"
#define STATS_AGG_DUMP \
	"SELECT " STATS_DUMP_CELL " || '|' || " STATS_DUMP_MONTH " || '|' || " STATS_DUMP_UNIT \
	" || '|' || " STATS_DUMP_UNIT_MONTH " || '|' || " STATS_DUMP_DUES

#define STATEMENTS_STATS_AGG(STMT) \
	STMT(ST_STATS_FOLD, STATS_FOLD) \
	STMT(ST_STATS_CONTRIB_PUT, \
	     "INSERT OR REPLACE INTO stats_case(case_id, type, day, class, channel, status, v," \
	     " due, seq, region_code) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)") \
	STMT(ST_STATS_DUE_ADD, "INSERT INTO stats_due(scope, type, due_at, case_id, region_code)" \
	                       " VALUES(?1, ?2, ?3, ?4, ?5)") \
	STMT(ST_STATS_DUE_DEL, "DELETE FROM stats_due WHERE scope = ?1 AND type = ?2" \
	                       " AND due_at = ?3 AND case_id = ?4 AND region_code = ?5") \
	STMT(ST_STATS_DUE_CLEAR, "DELETE FROM stats_due") \
	STMT(ST_STATS_PART_DUE_ADD, "INSERT INTO stats_part_due(unit, type, due_at, asg_id," \
	                            " region_code) VALUES(?1, ?2, ?3, ?4, ?5)") \
	STMT(ST_STATS_PART_DUE_DEL, "DELETE FROM stats_part_due WHERE unit = ?1 AND type = ?2" \
	                            " AND due_at = ?3 AND asg_id = ?4 AND region_code = ?5") \
	STMT(ST_STATS_DUE_DAY_CLEAR, "DELETE FROM stats_due_day") \
	STMT(ST_STATS_PART_DUE_CLEAR, "DELETE FROM stats_part_due") \
	STMT(ST_STATS_PART_DUE_DAY_CLEAR, "DELETE FROM stats_part_due_day") \
	/* the per-day counts of stats_due and stats_part_due (core/stats_acc.c): \
	 * ?1 scope or unit, ?2 type, ?3 the Shanghai day of the deadlines, ?4 \
	 * the number to add, ?5 the region of their cases */ \
	STMT(ST_STATS_DUE_DAY_ADD, \
	     "INSERT INTO stats_due_day(scope, type, day, n, region_code)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET n = n + excluded.n") \
	STMT(ST_STATS_PART_DUE_DAY_ADD, \
	     "INSERT INTO stats_part_due_day(unit, type, day, n, region_code)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET n = n + excluded.n") \
	/* counts.overdue of a scope (?1 org, ?2 type) at ?4 (now); ?5 now's \
	 * Shanghai day, ?3 its start: the deadlines of the days before it \
	 * counted per day, those of its own day before now one by one (never \
	 * more rows than the days with deadlines and one day's deadlines) */ \
	STMT(ST_STATS_AGG_OVERDUE, \
	     "SELECT coalesce((SELECT sum(n) FROM stats_due_day WHERE scope = ?1 AND type = ?2" \
	     " AND day < ?5), 0) + (SELECT count(*) FROM stats_due" \
	     " WHERE scope = ?1 AND type = ?2 AND due_at >= ?3 AND due_at < ?4)") \
	/* a unit's counts.overdue (group=org) from stats_part_due, the same way */ \
	STMT(ST_STATS_AGG_UNIT_OVERDUE, \
	     "SELECT coalesce((SELECT sum(n) FROM stats_part_due_day WHERE unit = ?1" \
	     " AND type = ?2 AND day < ?5), 0) + (SELECT count(*)" \
	     " FROM stats_part_due WHERE unit = ?1 AND type = ?2 AND due_at >= ?3" \
	     " AND due_at < ?4)") \
	STMT(ST_STATS_CONTRIB_DEL, "DELETE FROM stats_case WHERE case_id = ?1") \
	/* the next marked cases and their type (NULL: the case is gone) */ \
	STMT(ST_STATS_DIRTY_NEXT, "SELECT d.case_id, c.type FROM stats_dirty d" \
	                          " LEFT JOIN cases c ON c.id = d.case_id" \
	                          " ORDER BY d.case_id LIMIT ?1") \
	/* the marks of the cases folded in: every id up to ?1 */ \
	STMT(ST_STATS_DIRTY_DONE, "DELETE FROM stats_dirty WHERE case_id <= ?1") \
	STMT(ST_STATS_DIRTY_ANY, "SELECT EXISTS (SELECT 1 FROM stats_dirty)") \
	STMT(ST_STATS_AGG_DUMP, STATS_AGG_DUMP) \
	/* the check command (core/stats_check.c) */ \
	STMT(ST_STATS_CHECK_ORGS, \
	     "SELECT id, path, code FROM orgs WHERE id > ?1 ORDER BY id LIMIT 1") \
	STMT(ST_STATS_CHECK_SPAN, "SELECT min(received_at), max(received_at) FROM cases" \
	                          " WHERE type = ?1") \
	STMT(ST_STATS_CHECK_CASES, "SELECT id, type FROM cases WHERE id > ?1 ORDER BY id" \
	                           " LIMIT 1000") \
	STMT(ST_STATS_DIRTY_COUNT, "SELECT count(*) FROM stats_dirty") \
	STMT(ST_STATS_DIRTY_ALL, "INSERT OR IGNORE INTO stats_dirty SELECT id FROM cases") \
	STMT(ST_STATS_AGG_CLEAR_CELL, "DELETE FROM stats_cell") \
	STMT(ST_STATS_AGG_CLEAR_UNIT, "DELETE FROM stats_unit_cell") \
	STMT(ST_STATS_AGG_CLEAR_MONTH, "DELETE FROM stats_month") \
	STMT(ST_STATS_AGG_CLEAR_UNIT_MONTH, "DELETE FROM stats_unit_month") \
	STMT(ST_STATS_AGG_CLEAR_CASE, "DELETE FROM stats_case") \
	/* the upserts of the rollups (core/stats_acc.c) */ \
	STMT(ST_STATS_CELL_ADD, \
	     "INSERT INTO stats_cell(scope, type, day, class, channel, status, " STATS_AGG_COLS \
	     ", region_code) " STATS_CELL_VALUES " ON CONFLICT DO UPDATE SET " STATS_AGG_UPD) \
	STMT(ST_STATS_MONTH_ADD, \
	     "INSERT INTO stats_month(scope, type, month, class, channel, status, " STATS_AGG_COLS \
	     ", region_code) " STATS_CELL_VALUES " ON CONFLICT DO UPDATE SET " STATS_AGG_UPD) \
	STMT(ST_STATS_UNIT_CELL_ADD, \
	     "INSERT INTO stats_unit_cell(scope, type, day, unit, class, channel, " \
	     "status, " STATS_AGG_COLS ", region_code) " STATS_UNIT_VALUES \
	     " ON CONFLICT DO UPDATE SET " STATS_AGG_UPD) \
	STMT(ST_STATS_UNIT_MONTH_ADD, \
	     "INSERT INTO stats_unit_month(scope, type, month, unit, class, channel, " \
	     "status, " STATS_AGG_COLS ", region_code) " STATS_UNIT_VALUES \
	     " ON CONFLICT DO UPDATE SET " STATS_AGG_UPD) \
	/* a scope's rows over [?3, ?4) (core/stats_month.c): its cells by day \
	 * (in day order: group=day streams them) and by month, its units' \
	 * cells by day and by month */ \
	STMT(ST_STATS_AGG_DAYS, STATS_AGG_READ("day", "stats_cell", "day") " ORDER BY day") \
	STMT(ST_STATS_AGG_MONTHS, STATS_AGG_READ("month", "stats_month", "month")) \
	STMT(ST_STATS_AGG_UNIT_DAYS, STATS_AGG_READ("unit", "stats_unit_cell", "day")) \
	STMT(ST_STATS_AGG_UNIT_MONTHS, STATS_AGG_READ("unit", "stats_unit_month", "month"))

#endif
