/* SQL of the overdue list's kept set and of the list shapes read from an
 * index led by the filtered column (issue 16, docs/lists.md); see
 * store/statements.h for the conventions.
 *
 * case_overdue (migration 29) holds one row (org, case) for every org that
 * sees an open case whose deadline lies before the mark T
 * (case_overdue_mark.t): the rows of case_scope of exactly those cases. So
 * a reader's overdue cases up to T are one primary-key range (S, case),
 * newest first, as case_scope's are; the few whose deadline fell in
 * [T, now) since the last sweep come from cases_due. The scheduler moves T
 * forward (core/case_overdue.c: the cases due in [T, new T) are added, a
 * batch a writer job); triggers keep the rest in the writer's own
 * statement, so no write path can forget it:
 *  - a case_scope row added (a new case's owners, a new or live part) is
 *    added when its case is in the set; one deleted (a cancelled part) is
 *    deleted;
 *  - a case that enters the set by a change of due_at or closed_at (a
 *    reopened case, a deadline moved earlier) gets its orgs' rows, one that
 *    leaves it (closed, a deadline extended past T) loses them. */
#ifndef CIVICLOOP_STORE_STMT_OVERDUE_H
#define CIVICLOOP_STORE_STMT_OVERDUE_H

#include "store/stmt_lists.h" /* ORG_PATH_IDS */

/* The mark T; the table always holds its one row. */
#define OVERDUE_T "(SELECT t FROM case_overdue_mark)"
/* Whether case row r is in the set: open, and due before T. */
#define OVERDUE_IN(r) \
	"(" r ".closed_at IS NULL AND " r ".due_at IS NOT NULL AND " r ".due_at < " OVERDUE_T ")"
#define OVERDUE_IN_C OVERDUE_IN("c")
#define OVERDUE_IN_NEW OVERDUE_IN("NEW")
#define OVERDUE_IN_OLD OVERDUE_IN("OLD")

/* The ids of the orgs on o.path (stmt_lists.h), as j.value. */
#define OVERDUE_O_IDS ORG_PATH_IDS("o.path")

/* The orgs that see case c (alias c, with `where` on c): its owner's and
 * its live parts' orgs with their ancestors, the rows case_scope holds for
 * it (stmt_lists.h CASE_SCOPE_REFILL_SQL), as (org_id, case_id). */
#define OVERDUE_ORGS(where) \
	"SELECT j.value, c.id FROM cases c JOIN orgs o ON o.id = c.org_id, " OVERDUE_O_IDS \
	" j WHERE " where " UNION SELECT j.value, c.id FROM cases c JOIN assignments a" \
	" ON a.case_id = c.id JOIN orgs o ON o.id = a.org_id, " OVERDUE_O_IDS " j WHERE " where \
	" AND a.status <> 'cancelled'"

/* The open cases due in [lo, hi) through cases_due, with their orgs. */
#define OVERDUE_RANGE(lo, hi) "c.closed_at IS NULL AND c.due_at >= " lo " AND c.due_at < " hi
#define OVERDUE_FILL(lo, hi) \
	"INSERT OR IGNORE INTO case_overdue(org_id, case_id) " OVERDUE_ORGS(OVERDUE_RANGE(lo, hi))
#define OVERDUE_INT64_MIN "-9223372036854775808"
#define OVERDUE_FILL_ALL OVERDUE_FILL(OVERDUE_INT64_MIN, OVERDUE_T)
#define OVERDUE_FILL_NEW \
	"INSERT OR IGNORE INTO case_overdue(org_id, case_id) " OVERDUE_ORGS("c.id = NEW.id")

/* The triggers. A case_scope row added or deleted: */
#define OVERDUE_T_SCOPE_INS \
	"CREATE TRIGGER case_overdue_scope_ins AFTER INSERT ON case_scope WHEN EXISTS" \
	" (SELECT 1 FROM cases c WHERE c.id = NEW.case_id AND " OVERDUE_IN_C ") BEGIN" \
	" INSERT OR IGNORE INTO case_overdue(org_id, case_id) VALUES(NEW.org_id, NEW.case_id);" \
	" END;"
#define OVERDUE_T_SCOPE_DEL \
	"CREATE TRIGGER case_overdue_scope_del AFTER DELETE ON case_scope BEGIN" \
	" DELETE FROM case_overdue WHERE org_id = OLD.org_id AND case_id = OLD.case_id; END;"
/* A case entering the set (reopened, its deadline moved before T) or
 * leaving it (closed, its deadline moved past T; every org of its owner's
 * and parts' chains, a superset of its rows): */
#define OVERDUE_T_ENTER \
	"CREATE TRIGGER case_overdue_enter AFTER UPDATE OF due_at, closed_at ON cases" \
	" WHEN " OVERDUE_IN_NEW " AND NOT " OVERDUE_IN_OLD " BEGIN " OVERDUE_FILL_NEW "; END;"
#define OVERDUE_T_LEAVE \
	"CREATE TRIGGER case_overdue_leave AFTER UPDATE OF due_at, closed_at ON cases" \
	" WHEN " OVERDUE_IN_OLD " AND NOT " OVERDUE_IN_NEW " BEGIN DELETE FROM case_overdue" \
	" WHERE case_id = NEW.id AND org_id IN (SELECT j.value FROM cases c JOIN orgs o" \
	" ON o.id = c.org_id, " OVERDUE_O_IDS " j WHERE c.id = NEW.id UNION SELECT j.value" \
	" FROM assignments a JOIN orgs o ON o.id = a.org_id, " OVERDUE_O_IDS " j" \
	" WHERE a.case_id = NEW.id); END;"

/* Migration 29's objects: the mark starts at the migration's wall-clock
 * time (SQLite's 'now', in ms) and the set is filled for it; the index of
 * type= (cases_type: a type's cases newest first). */
#define OVERDUE_NOW_MS "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
#define CASE_OVERDUE_SCHEMA \
	"CREATE TABLE case_overdue_mark(id INTEGER PRIMARY KEY CHECK (id = 1)," \
	" t INTEGER NOT NULL) STRICT;" \
	"INSERT INTO case_overdue_mark(id, t) VALUES(1, " OVERDUE_NOW_MS ");" \
	"CREATE TABLE case_overdue(org_id INTEGER NOT NULL, case_id INTEGER NOT NULL," \
	" PRIMARY KEY(org_id, case_id)) WITHOUT ROWID, STRICT;" OVERDUE_FILL_ALL \
	";" OVERDUE_T_SCOPE_INS OVERDUE_T_SCOPE_DEL OVERDUE_T_ENTER OVERDUE_T_LEAVE \
	"CREATE INDEX cases_type ON cases(type);"

/* One arm of ST_CASE_LIST_OVERDUE: the kept overdue cases of the scope
 * whose path is s, newest first below the cursor ?11 (CASE_FILTERS_REST
 * tests due_at < now, ?9, on each: a clock set back before T). */
#define OVERDUE_KEPT_ARM(s) \
	"SELECT k.case_id FROM case_overdue k JOIN cases c ON c.id = k.case_id" \
	" JOIN orgs o ON o.id = c.org_id WHERE k.org_id = (SELECT id FROM orgs WHERE path = " s \
	") AND k.case_id < ?11 AND k.case_id >= ?29 AND " CASE_FILTERS_REST CASE_LIST_MINE
/* Its last arm: the open cases due in [T, now), any scope, read from
 * cases_due (named: by id through cases_open would avoid this arm's sort
 * by walking every open case, the very walk the set is there to spare). */
#define OVERDUE_FRESH_ARM \
	"SELECT c.id FROM cases c INDEXED BY cases_due JOIN orgs o ON o.id = c.org_id" \
	" WHERE " OVERDUE_RANGE(OVERDUE_T, "?9") " AND c.id < ?11 AND c.id >= ?29" \
	                                         " AND " CASE_LIST_FILTERS CASE_LIST_MINE
#define CASE_LIST_OVERDUE_SQL \
	OVERDUE_KEPT_ARM("?1") \
	" UNION " OVERDUE_KEPT_ARM("?2") " UNION " OVERDUE_KEPT_ARM( \
	    "?3") " UNION " OVERDUE_FRESH_ARM " ORDER BY 1 DESC LIMIT ?13"

/* One arm of ST_CASE_LIST_TYPE_STATUS: type ?4 in status s, through
 * cases_type_status (type, status, rowid), newest first. */
#define TYPE_STATUS_ARM(s) \
	"SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.type = ?4" \
	" AND c.status = " s \
	" AND c.id < ?11 AND c.id >= ?29 AND " CASE_LIST_FILTERS CASE_LIST_MINE
#define CASE_LIST_TYPE_STATUS_SQL \
	TYPE_STATUS_ARM("?31") \
	" UNION ALL " TYPE_STATUS_ARM("?32") " UNION ALL " TYPE_STATUS_ARM( \
	    "?33") " UNION ALL " TYPE_STATUS_ARM("?34") " ORDER BY 1 DESC LIMIT ?13"

#define STATEMENTS_OVERDUE(STMT) \
	/* the scheduler's sweep (core/case_overdue.c): the mark; the deadline \
	 * of the ?2th open case due in [T, ?1) (a batch's end), if there is \
	 * one; the cases due in [T, ?1) added and T moved to ?1 */ \
	STMT(ST_OVERDUE_MARK, "SELECT t FROM case_overdue_mark") \
	STMT(ST_OVERDUE_BATCH_END, "SELECT c.due_at FROM cases c WHERE " OVERDUE_RANGE( \
	                               OVERDUE_T, "?1") " ORDER BY c.due_at LIMIT 1 OFFSET ?2") \
	STMT(ST_OVERDUE_SWEEP, OVERDUE_FILL(OVERDUE_T, "?1")) \
	STMT(ST_OVERDUE_MARK_SET, "UPDATE case_overdue_mark SET t = ?1 WHERE t < ?1") \
	/* the rebuild (derived.c) at the stored mark, and its check \
	 * (tests/unit/test_lists.c) */ \
	STMT(ST_OVERDUE_CLEAR, "DELETE FROM case_overdue") \
	STMT(ST_OVERDUE_FILL, OVERDUE_FILL_ALL) \
	STMT(ST_OVERDUE_COUNT, \
	     "SELECT count(*), sum(org_id * 1000003 + case_id) FROM case_overdue") \
	/* GET /api/v1/cases?overdue=1 newest first, any reader: each read \
	 * scope ?1..?3 one range of case_overdue, "SEARCH k USING PRIMARY KEY \
	 * (org_id=? AND case_id>? AND case_id<?)", and the cases due since the \
	 * mark, "SEARCH c USING INDEX cases_due (due_at>? AND due_at<?)" (that \
	 * arm alone sorted: the seconds since the last sweep), merged newest \
	 * first ("MERGE (UNION)"); exact at now (?9): a kept row whose \
	 * deadline a moved-back clock has not reached yet is left out. */ \
	STMT(ST_CASE_LIST_OVERDUE, CASE_LIST_OVERDUE_SQL) \
	/* newest first with type= (?4 bound) and no status=, county-wide: \
	 * "SEARCH c USING INDEX cases_type (type=? AND rowid>? AND rowid<?)" */ \
	STMT(ST_CASE_LIST_TYPE, \
	     "SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.type = ?4" \
	     " AND c.id < ?11 AND c.id >= ?29 AND " CASE_LIST_FILTERS CASE_LIST_MINE \
	     " ORDER BY c.id DESC LIMIT ?13") \
	/* type= with status= of 1-4 codes (?31..?34), county-wide: one range \
	 * of cases_type_status per code, "SEARCH c USING INDEX \
	 * cases_type_status (type=? AND status=? AND rowid>? AND rowid<?)", \
	 * merged newest first ("MERGE (UNION ALL)": a case has one status) */ \
	STMT(ST_CASE_LIST_TYPE_STATUS, CASE_LIST_TYPE_STATUS_SQL)

#endif
