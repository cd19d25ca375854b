/* SQL of the case lists' visibility index and of the list shapes that read
 * it (issue 16, docs/lists.md); see store/statements.h for the conventions.
 *
 * case_scope (migration 24) holds one row (org, case) for every org that is
 * the case's owner org or an ancestor of it, and for every org that holds a
 * part of the case not cancelled or is an ancestor of that org: exactly the
 * orgs whose read scope sees the case (statements.h VISIBLE). A reader
 * scoped to org S finds its cases as one range of the primary key,
 * (S, case) newest first. core/case_scope.c keeps it in step in the
 * writer's transaction and rebuilds it (derived.c). */
#ifndef CIVICLOOP_STORE_STMT_LISTS_H
#define CIVICLOOP_STORE_STMT_LISTS_H

/* The ids of the orgs on an org path "/1/4/17/" (the org and its
 * ancestors), as rows of json_each whose value is the id. */
#define ORG_PATH_IDS(path) "json_each('[' || replace(trim(" path ", '/'), '/', ',') || ']')"

/* Fill case_scope from the base rows: the owner orgs' and the live parts'
 * orgs with their ancestors (migration 24's backfill and the rebuild). */
#define CASE_SCOPE_FILL_OWNERS \
	"INSERT OR IGNORE INTO case_scope(org_id, case_id) SELECT j.value, c.id FROM cases c" \
	" JOIN orgs o ON o.id = c.org_id, " ORG_PATH_IDS("o.path") " j"
#define CASE_SCOPE_FILL_PARTS \
	"INSERT OR IGNORE INTO case_scope(org_id, case_id) SELECT j.value, a.case_id" \
	" FROM assignments a JOIN orgs o ON o.id = a.org_id," \
	" " ORG_PATH_IDS("o.path") " j WHERE a.status <> 'cancelled'"

/* One arm of ST_CASE_LIST_SCOPE: the cases of the scope whose path is s,
 * newest first below the cursor ?11, with the list's other filters as
 * residual predicates. */
#define CASE_SCOPE_ARM(s) \
	"SELECT cs.case_id FROM case_scope cs JOIN cases c ON c.id = cs.case_id" \
	" JOIN orgs o ON o.id = c.org_id WHERE cs.org_id = (SELECT id FROM orgs WHERE path = " s \
	") AND cs.case_id < ?11 AND cs.case_id >= ?29 AND " CASE_FILTERS_REST CASE_LIST_MINE

/* One arm of ST_CASE_LIST_STATUS: the cases in status s (cases_status),
 * newest first below the cursor ?11, with every filter as residual. */
#define CASE_STATUS_ARM(s) \
	"SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.status = " s \
	" AND c.id < ?11 AND c.id >= ?29 AND " CASE_LIST_FILTERS CASE_LIST_MINE

/* The orgs that see a row of org o (o and its ancestors), as j.value. */
#define O_PATH_IDS ORG_PATH_IDS("o.path")

#define CASE_SCOPE_REFILL_SQL \
	"INSERT OR IGNORE INTO case_scope(org_id, case_id)" \
	" SELECT j.value, c.id FROM cases c JOIN orgs o ON o.id = c.org_id, " O_PATH_IDS " j" \
	" WHERE c.id = ?1 UNION SELECT j.value, a.case_id FROM assignments a" \
	" JOIN orgs o ON o.id = a.org_id, " O_PATH_IDS " j" \
	" WHERE a.case_id = ?1 AND a.status <> 'cancelled'"
#define CASE_LIST_SCOPE_SQL \
	CASE_SCOPE_ARM("?1") \
	" UNION " CASE_SCOPE_ARM("?2") " UNION " CASE_SCOPE_ARM("?3") " ORDER BY 1 DESC LIMIT ?13"
#define CASE_LIST_STATUS_SQL \
	CASE_STATUS_ARM("?31") \
	" UNION ALL " CASE_STATUS_ARM("?32") " UNION ALL " CASE_STATUS_ARM( \
	    "?33") " UNION ALL " CASE_STATUS_ARM("?34") " ORDER BY 1 DESC LIMIT ?13"

#define STATEMENTS_LISTS(STMT) \
	/* the writer keeps case_scope in step (core/case_scope.c): the org ?1 \
	 * and its ancestors see case ?2 (a new case's owner, a live part) */ \
	STMT(ST_CASE_SCOPE_ADD, \
	     "INSERT OR IGNORE INTO case_scope(org_id, case_id)" \
	     " SELECT j.value, ?2 FROM orgs o, " O_PATH_IDS " j WHERE o.id = ?1") \
	/* a part of org ?1 is cancelled: its orgs no longer see case ?2 ... */ \
	STMT(ST_CASE_SCOPE_DROP, \
	     "DELETE FROM case_scope WHERE case_id = ?2 AND org_id IN" \
	     " (SELECT j.value FROM orgs o, " O_PATH_IDS " j WHERE o.id = ?1)") \
	/* ... unless the owner or another live part still reaches them */ \
	STMT(ST_CASE_SCOPE_REFILL, CASE_SCOPE_REFILL_SQL) \
	/* the rebuild (derived.c), and its check (tests/unit/test_lists.c) */ \
	STMT(ST_CASE_SCOPE_CLEAR, "DELETE FROM case_scope") \
	STMT(ST_CASE_SCOPE_FILL_OWNERS, CASE_SCOPE_FILL_OWNERS) \
	STMT(ST_CASE_SCOPE_FILL_PARTS, CASE_SCOPE_FILL_PARTS) \
	STMT(ST_CASE_SCOPE_COUNT, \
	     "SELECT count(*), sum(org_id * 1000003 + case_id) FROM case_scope") \
	/* GET /api/v1/cases, newest first, for a reader not scoped to the whole \
	 * county: the read scopes ?1..?3 (paths; unused ones NULL) each one \
	 * range of case_scope, "SEARCH cs USING PRIMARY KEY (org_id=? AND \
	 * case_id>? AND case_id<?)", merged newest first without a sort ("MERGE \
	 * (UNION)": a case two scopes see is listed once); the other filters are \
	 * residual. The cursor ?11 and the lowest id ?29 are always bound. */ \
	STMT(ST_CASE_LIST_SCOPE, CASE_LIST_SCOPE_SQL) \
	/* newest first with status= of at most four codes (?31..?34, unused \
	 * ones NULL), for a county-wide reader: each status one range of \
	 * cases_status (status, rowid), "SEARCH c USING INDEX cases_status \
	 * (status=? AND rowid>? AND rowid<?)", merged newest first without a sort ("MERGE \
	 * (UNION ALL)": a case has one status). */ \
	STMT(ST_CASE_LIST_STATUS, CASE_LIST_STATUS_SQL) \
	/* newest first with overdue=1 or due_soon= (only open cases with a \
	 * deadline match), for a county-wide reader: those cases only, through \
	 * migration 24's partial index cases_open, "SEARCH c USING INDEX \
	 * cases_open (id>? AND id<?)". */ \
	STMT(ST_CASE_LIST_OPEN, \
	     "SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id" \
	     " WHERE c.closed_at IS NULL AND c.due_at IS NOT NULL AND c.id < ?11 AND c.id >= ?29" \
	     " AND " CASE_LIST_FILTERS CASE_LIST_MINE " ORDER BY c.id DESC LIMIT ?13") \
	/* sort=due with overdue=1 or due_soon= (only open cases with a \
	 * deadline match): the open cases by deadline through cases_due \
	 * (due_at, rowid) WHERE closed_at IS NULL, from the keyset (?24, ?25) \
	 * up to now (?9, overdue) or the end of due_soon's window (?18): \
	 * "SEARCH c USING INDEX cases_due (due_at>? AND due_at<?)", no sort. The \
	 * key is the deadline, as ST_CASE_LIST_DUE's (never "none" here). */ \
	STMT(ST_CASE_LIST_OPEN_DUE, \
	     "SELECT c.id, c.due_at FROM cases c JOIN orgs o ON o.id = c.org_id" \
	     " WHERE c.closed_at IS NULL AND c.due_at >= max(?24, coalesce(?17, ?24))" \
	     " AND c.due_at < coalesce(?9, ?18) AND (c.due_at > ?24 OR c.id > ?25)" \
	     " AND " CASE_LIST_FILTERS " ORDER BY c.due_at, c.id LIMIT ?13")

#endif
