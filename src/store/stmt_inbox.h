/* SQL of a unit's inbox by deadline, mine=1&sort=due (issue 16,
 * docs/lists.md "The inbox by deadline"); see store/statements.h for the
 * conventions.
 *
 * part_due (migration 26) holds, for every org that is a part's org or an
 * ancestor of it, and for each case with unfinished parts there: one row
 * per part status (st, the earliest deadline of the case's parts in that
 * status under the org) and one row with st '' (the earliest over all its
 * unfinished parts). "Unfinished" is part_unfinished, the assignment
 * statuses of the open and signed phases of every loaded type, which
 * core/part_due.c writes at the writer's start (and rebuilds part_due
 * when they changed). The deadline is PART_DUE_KEY's: sign_due_at until
 * the part is signed for, then due_at; none after every deadline.
 *
 * Triggers on assignments keep it: after any insert or change of a part's
 * status, org or deadlines, the case's rows are recomputed from its parts
 * (a case has a few), in the writer's own statement and transaction. */
#ifndef CIVICLOOP_STORE_STMT_INBOX_H
#define CIVICLOOP_STORE_STMT_INBOX_H

#define PART_KEY_OF(a) \
	"coalesce(CASE WHEN " a ".signed_at IS NULL THEN coalesce(" a ".sign_due_at, " a \
	".due_at) ELSE " a ".due_at END, 9223372036854775807)"

/* The rows of the parts of the cases `where` picks (on assignments a):
 * one per (org or ancestor, status), and one per org or ancestor with st
 * ''. Each one statement (the rebuild prepares them; the triggers run
 * both). */
#define PART_DUE_FILL_EACH(where) \
	"INSERT INTO part_due(org_id, st, k, case_id) SELECT j.value, a.status, min(" PART_KEY_OF( \
	    "a") "), a.case_id FROM assignments a JOIN orgs o ON o.id = a.org_id," \
	         " json_each('[' || replace(trim(o.path, '/'), '/', ',') || ']') j WHERE " where \
	         " AND a.status IN (SELECT status FROM part_unfinished) GROUP BY a.case_id, " \
	         "j.value," \
	         " a.status"
#define PART_DUE_FILL_ANY(where) \
	"INSERT INTO part_due(org_id, st, k, case_id) SELECT j.value, '', min(" PART_KEY_OF( \
	    "a") "), a.case_id FROM assignments a JOIN orgs o ON o.id = a.org_id," \
	         " json_each('[' || replace(trim(o.path, '/'), '/', ',') || ']') j WHERE " where \
	         " AND a.status IN (SELECT status FROM part_unfinished) GROUP BY a.case_id, " \
	         "j.value"
#define PART_DUE_FILL(where) PART_DUE_FILL_EACH(where) ";" PART_DUE_FILL_ANY(where) ";"

/* Migration 26's objects. */
#define PART_DUE_SCHEMA \
	"CREATE TABLE part_unfinished(status TEXT PRIMARY KEY) WITHOUT ROWID, STRICT;" \
	"CREATE TABLE part_due(org_id INTEGER NOT NULL, st TEXT NOT NULL, k INTEGER NOT NULL," \
	" case_id INTEGER NOT NULL, PRIMARY KEY(org_id, st, k, case_id)) WITHOUT ROWID, STRICT;" \
	"CREATE INDEX part_due_case ON part_due(case_id, org_id, st, k);" \
	"CREATE TRIGGER part_due_ins AFTER INSERT ON assignments BEGIN" \
	" DELETE FROM part_due WHERE case_id = NEW.case_id;" PART_DUE_FILL( \
	    "a.case_id = NEW.case_id") " END;" \
	                               "CREATE TRIGGER part_due_upd AFTER UPDATE OF status, " \
	                               "org_id, signed_at, sign_due_at," \
	                               " due_at ON assignments BEGIN DELETE FROM part_due WHERE " \
	                               "case_id = NEW.case_id;" PART_DUE_FILL( \
	                                   "a.case_id = NEW.case_id") " END;"

/* One arm of ST_CASE_LIST_INBOX: the cases whose parts under the unit ?12
 * (its org path) are in status s ('' any unfinished), by that deadline,
 * from the keyset (?24, ?25) on; a case listed by another arm at an
 * earlier key (or the same key and a smaller status) is left to it, so
 * each case comes once, at its earliest part deadline among ?41..?46. */
#define INBOX_ARM(s) \
	"SELECT p.case_id, p.k FROM part_due p JOIN cases c ON c.id = p.case_id" \
	" JOIN orgs o ON o.id = c.org_id WHERE p.org_id = (SELECT id FROM orgs WHERE path = ?12)" \
	" AND p.st = " s " AND p.k >= ?24 AND (p.k > ?24 OR p.case_id > ?25)" \
	" AND NOT EXISTS (SELECT 1 FROM part_due p2 WHERE p2.case_id = p.case_id" \
	" AND p2.org_id = p.org_id AND p2.st IN (?41, ?42, ?43, ?44, ?45, ?46) AND p2.st <> p.st" \
	" AND (p2.k < p.k OR (p2.k = p.k AND p2.st < p.st))) AND " CASE_LIST_FILTERS

#define INBOX_ARMS_1_3 \
	INBOX_ARM("?41") " UNION ALL " INBOX_ARM("?42") " UNION ALL " INBOX_ARM("?43")
#define INBOX_ARMS_4_6 \
	INBOX_ARM("?44") " UNION ALL " INBOX_ARM("?45") " UNION ALL " INBOX_ARM("?46")
#define CASE_LIST_INBOX_SQL INBOX_ARMS_1_3 " UNION ALL " INBOX_ARMS_4_6 " ORDER BY 2, 1 LIMIT ?13"

#define STATEMENTS_INBOX(STMT) \
	/* the writer's start (core/part_due.c): the unfinished statuses ... */ \
	STMT(ST_PART_UNFINISHED_CLEAR, "DELETE FROM part_unfinished") \
	STMT(ST_PART_UNFINISHED_ADD, "INSERT OR IGNORE INTO part_unfinished(status) VALUES(?1)") \
	STMT(ST_PART_UNFINISHED_SAME, \
	     "SELECT (SELECT count(*) FROM part_unfinished) = json_array_length(?1)" \
	     " AND NOT EXISTS (SELECT 1 FROM json_each(?1) j WHERE j.value NOT IN" \
	     " (SELECT status FROM part_unfinished))") \
	/* ... and part_due rebuilt from every part (also derived.c) */ \
	STMT(ST_PART_DUE_CLEAR, "DELETE FROM part_due") \
	STMT(ST_PART_DUE_FILL_EACH, PART_DUE_FILL_EACH("1")) \
	STMT(ST_PART_DUE_FILL_ANY, PART_DUE_FILL_ANY("1")) \
	STMT(ST_PART_DUE_COUNT, \
	     "SELECT count(*), sum(org_id * 1000003 + case_id * 7 + k % 1000 + length(st))" \
	     " FROM part_due") \
	/* GET /api/v1/cases?mine=1&sort=due when the part statuses asked for \
	 * are at most six unfinished ones (core/caseview.c): one range of \
	 * part_due's key per status, "SEARCH p USING PRIMARY KEY (org_id=? AND \
	 * st=? AND k>?)", merged by deadline without a sort ("MERGE (UNION \
	 * ALL)"); a page reads its rows and the few a duplicate skips. */ \
	STMT(ST_CASE_LIST_INBOX, CASE_LIST_INBOX_SQL)

#endif
