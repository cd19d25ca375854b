/*
 * Unit tests of the lists' queries (GET /api/v1/cases in each of its shapes,
 * docs/lists.md; the timeline; counts.overdue of the stats): the query plan
 * of each statement on a fresh schema, so a change that makes one read every
 * case or every assignment fails here; the list cursors' text
 * (core/caseview.c case_cursor_parse); and the visibility index case_scope
 * kept by the writer equal to its rebuild after random writes.
 *
 * SQLite plans without statistics here (the server never runs ANALYZE), so
 * the plan on an empty database is the plan at any size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/case_overdue.h"
#include "core/case_scope.h"
#include "core/part_due.h"
#include "core/directory.h"
#include "core/engine.h"
#include "core/scheduler.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/timeutil.h"

#include "unit_db.h"

struct plan_db {
	char dir[32];
	char db[64];
	struct store_conn *c;
};

static int plan_db_open(void **state)
{
	struct plan_db *p = calloc(1, sizeof *p);
	char err[256];
	snprintf(p->dir, sizeof p->dir, "/tmp/cl-lists-XXXXXX");
	if (!mkdtemp(p->dir))
		return -1;
	snprintf(p->db, sizeof p->db, "%s/t.db", p->dir);
	p->c = store_open(p->db, false, err, sizeof err);
	if (!p->c || store_migrate(p->c, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = p;
	return 0;
}

static int plan_db_close(void **state)
{
	struct plan_db *p = *state;
	store_close(p->c);
	char path[96];
	const char *const sfx[] = {"", "-wal", "-shm", ".lock"};
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(path, sizeof path, "%s%s", p->db, sfx[i]);
		unlink(path);
	}
	rmdir(p->dir);
	free(p);
	return 0;
}

/* Whether the plan step at p is an FTS5 MATCH on case_fts: "SCAN case_fts
 * VIRTUAL TABLE INDEX n:M…", n the flags of what FTS5 took over (the
 * rowid bound, the order), M the MATCH. */
static bool fts_match(const char *p)
{
	static const char pre[] = "SCAN case_fts VIRTUAL TABLE INDEX ";
	if (strncmp(p, pre, sizeof pre - 1))
		return false;
	p += sizeof pre - 1;
	while (*p >= '0' && *p <= '9')
		p++;
	return p[0] == ':' && p[1] == 'M';
}

/* The plan of statement id has every step of `want` (NULL-terminated), no
 * TEMP B-TREE FOR ORDER BY unless sorted, and scans nothing but json_each
 * lists, full-text MATCH lookups (FTS5's "INDEX 0:M…", a search of its
 * index, not a scan) and materialized CTEs (listed in `scans_ok`). */
static void plan_is(struct store_conn *c, enum stmt_id id, const char *name,
                    const char *const *want, bool sorted, const char *const *scans_ok)
{
	char plan[8192];
	assert_int_equal(store_query_plan(c, id, plan, sizeof plan), 0);
	for (const char *const *w = want; *w; w++)
		if (!strstr(plan, *w))
			fail_msg("%s: no step \"%s\" in its plan:\n%s", name, *w, plan);
	if (!sorted && strstr(plan, "USE TEMP B-TREE FOR ORDER BY"))
		fail_msg("%s sorts its rows instead of walking an index in order:\n%s", name, plan);
	for (const char *p = plan; (p = strstr(p, "SCAN ")); p++) {
		bool ok = !strncmp(p, "SCAN json_each", 14) || fts_match(p);
		for (const char *const *s = scans_ok; s && *s && !ok; s++)
			ok = !strncmp(p + 5, *s, strlen(*s)) && p[5 + strlen(*s)] == '\n';
		if (!ok)
			fail_msg("%s scans a table:\n%s", name, plan);
	}
}

/* The old default plan (bench/sqlite_raw's read baseline) stays a rowid
 * range from the cursor. */
static void newest_first_is_a_rowid_range(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {"SEARCH c USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)",
	                            NULL};
	plan_is(p->c, ST_CASE_LIST, "ST_CASE_LIST", want, false, NULL);
}

/* The scheduler's due timers: two index ranges read no further than the
 * batch, never a temporary table of every due timer (a backlog of 400 k
 * after a generated database's start rebuilt one per batch of 200). */
static void due_timers_walk_their_indexes(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {
	    "SEARCH timers USING COVERING INDEX timers_due (state=? AND due_at<?)", "UNION ALL",
	    "SEARCH timers USING COVERING INDEX timers_warn (state=? AND warned=? AND warn_at<?)",
	    NULL};
	plan_is(p->c, ST_TIMERS_DUE, "ST_TIMERS_DUE", want, false, NULL);
	char plan[2048];
	assert_int_equal(store_query_plan(p->c, ST_TIMERS_DUE, plan, sizeof plan), 0);
	if (strstr(plan, "TEMP B-TREE"))
		fail_msg("ST_TIMERS_DUE builds a temporary table:\n%s", plan);
}

/* placement=outside (or placed) walks the cases of that status through
 * cases_place, newest first from the cursor, unsorted, and reads each by
 * rowid: never every case. */
static void placement_walks_its_index(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {
	    "SEARCH pc USING COVERING INDEX cases_place (place_status=? AND rowid>? AND rowid<?)",
	    "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	plan_is(p->c, ST_CASE_LIST_PLACE, "ST_CASE_LIST_PLACE", want, false, NULL);
}

/* q= with words: the index drives, newest first from the cursor, unsorted,
 * each hit's case by rowid. */
static void text_walks_the_index(void **state)
{
	struct plan_db *p = *state;
	/* FTS5's flags 192: ORDER BY rowid (64) DESC (128), taken by the index;
	 * "<": the cursor's bound too */
	const char *const want[] = {"SCAN case_fts VIRTUAL TABLE INDEX 192:M",
	                            "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	plan_is(p->c, ST_CASE_LIST_TEXT, "ST_CASE_LIST_TEXT", want, false, NULL);
	char plan[8192];
	assert_int_equal(store_query_plan(p->c, ST_CASE_LIST_TEXT, plan, sizeof plan), 0);
	const char *m = strstr(plan, "INDEX 192:M");
	const char *eol = m ? strchr(m, '\n') : NULL;
	if (!eol || !memchr(m, '<', (size_t)(eol - m)))
		fail_msg("ST_CASE_LIST_TEXT does not start at the cursor:\n%s", plan);
}

/* sort=due walks cases_due_order from the keyset, in order, unsorted. */
static void due_walks_its_index(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {"SEARCH c USING INDEX cases_due_order", NULL};
	plan_is(p->c, ST_CASE_LIST_DUE, "ST_CASE_LIST_DUE", want, false, NULL);
}

/* mine=1&sort=due starts from the unit's orgs and their parts: a range of
 * orgs_path, assignments_org by (org, status), the cases by id; only the
 * unit's parts are sorted. */
static void part_due_reads_the_units_parts(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {"SEARCH mo USING COVERING INDEX orgs_path (path>? AND path<?)",
	                            "SEARCH ma USING INDEX assignments_org (org_id=? AND status=?)",
	                            "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	const char *const scans[] = {"mp", NULL};
	plan_is(p->c, ST_CASE_LIST_PART_DUE, "ST_CASE_LIST_PART_DUE", want, true, scans);
}

/* The plan of statement id has `step` exactly n times. */
static void plan_has_n(struct store_conn *c, enum stmt_id id, const char *name, const char *step,
                       int n)
{
	char plan[16384];
	assert_int_equal(store_query_plan(c, id, plan, sizeof plan), 0);
	int k = 0;
	for (const char *p = plan; (p = strstr(p, step)); p++)
		k++;
	if (k != n)
		fail_msg("%s: step \"%s\" %d times, not %d:\n%s", name, step, k, n, plan);
}

/* mine=1&sort=due by part_due: one range of its key per part status (the
 * unit's org, the status, from the keyset), merged by deadline without a
 * sort; each row's duplicate check a probe of part_due_case; each case by
 * rowid. */
static void inbox_merges_its_ranges(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {
	    "MERGE (UNION ALL)", "SEARCH p USING PRIMARY KEY (org_id=? AND st=? AND k>?)",
	    "SEARCH p2 USING COVERING INDEX part_due_case (case_id=? AND org_id=? AND st=?)",
	    "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	plan_is(p->c, ST_CASE_LIST_INBOX, "ST_CASE_LIST_INBOX", want, false, NULL);
	plan_has_n(p->c, ST_CASE_LIST_INBOX, "ST_CASE_LIST_INBOX",
	           "SEARCH p USING PRIMARY KEY (org_id=? AND st=? AND k>?)", 6);
}

/* A reader scoped below the county: each of its up to 3 scopes one range of
 * case_scope newest first from the cursor, merged without a sort, each
 * case by rowid: the reader's cases only, never every case. */
static void scope_list_reads_its_ranges(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {
	    "MERGE (UNION)", "SEARCH cs USING PRIMARY KEY (org_id=? AND case_id>? AND case_id<?)",
	    "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	plan_is(p->c, ST_CASE_LIST_SCOPE, "ST_CASE_LIST_SCOPE", want, false, NULL);
	plan_has_n(p->c, ST_CASE_LIST_SCOPE, "ST_CASE_LIST_SCOPE",
	           "SEARCH cs USING PRIMARY KEY (org_id=? AND case_id>? AND case_id<?)", 3);
}

/* status= county-wide: one range of cases_status per code, merged. */
static void status_list_merges_its_ranges(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {
	    "MERGE (UNION ALL)",
	    "SEARCH c USING INDEX cases_status (status=? AND rowid>? AND rowid<?)", NULL};
	plan_is(p->c, ST_CASE_LIST_STATUS, "ST_CASE_LIST_STATUS", want, false, NULL);
	plan_has_n(p->c, ST_CASE_LIST_STATUS, "ST_CASE_LIST_STATUS",
	           "SEARCH c USING INDEX cases_status (status=? AND rowid>? AND rowid<?)", 4);
}

/* overdue= and due_soon=: the open cases only, newest first (cases_open)
 * or by deadline within the window (cases_due), unsorted. */
static void open_lists_read_open_cases(void **state)
{
	struct plan_db *p = *state;
	const char *const newest[] = {"SEARCH c USING INDEX cases_open (id>? AND id<?)", NULL};
	plan_is(p->c, ST_CASE_LIST_OPEN, "ST_CASE_LIST_OPEN", newest, false, NULL);
	const char *const due[] = {"SEARCH c USING INDEX cases_due (due_at>? AND due_at<?)", NULL};
	plan_is(p->c, ST_CASE_LIST_OPEN_DUE, "ST_CASE_LIST_OPEN_DUE", due, false, NULL);
}

/* overdue=1 newest first, any reader: each read scope one range of the kept
 * set case_overdue, and the cases due since its mark from cases_due, merged
 * newest first; only that last arm (the seconds since the scheduler's last
 * sweep) is sorted, never a walk of the open cases by id (cases_open). */
static void overdue_list_reads_the_kept_set(void **state)
{
	struct plan_db *p = *state;
	const char *const kept =
	    "SEARCH k USING PRIMARY KEY (org_id=? AND case_id>? AND case_id<?)";
	const char *const fresh = "SEARCH c USING INDEX cases_due (due_at>? AND due_at<?)";
	const char *const want[] = {"MERGE (UNION)", kept, fresh,
	                            "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	const char *const scans[] = {"case_overdue_mark", NULL};
	plan_is(p->c, ST_CASE_LIST_OVERDUE, "ST_CASE_LIST_OVERDUE", want, true, scans);
	plan_has_n(p->c, ST_CASE_LIST_OVERDUE, "ST_CASE_LIST_OVERDUE", kept, 3);
	plan_has_n(p->c, ST_CASE_LIST_OVERDUE, "ST_CASE_LIST_OVERDUE", fresh, 1);
	plan_has_n(p->c, ST_CASE_LIST_OVERDUE, "ST_CASE_LIST_OVERDUE",
	           "USE TEMP B-TREE FOR ORDER BY", 1);
	plan_has_n(p->c, ST_CASE_LIST_OVERDUE, "ST_CASE_LIST_OVERDUE", "cases_open", 0);
	char plan[16384];
	assert_int_equal(store_query_plan(p->c, ST_CASE_LIST_OVERDUE, plan, sizeof plan), 0);
	const char *sort = strstr(plan, "USE TEMP B-TREE FOR ORDER BY");
	if (!sort || strstr(plan, fresh) > sort || strstr(sort, kept))
		fail_msg("ST_CASE_LIST_OVERDUE sorts more than its last arm:\n%s", plan);
}

/* The scheduler's sweep, the rebuild and the migration's fill read the
 * open cases due in a range of cases_due, and their parts by case. */
static void overdue_sweep_reads_its_range(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {"SEARCH c USING INDEX cases_due (due_at>? AND due_at<?)",
	                            "SEARCH a USING INDEX assignments_case (case_id=?)", NULL};
	const char *const scans[] = {"case_overdue_mark", "j VIRTUAL TABLE INDEX 1:", NULL};
	plan_is(p->c, ST_OVERDUE_SWEEP, "ST_OVERDUE_SWEEP", want, false, scans);
	plan_is(p->c, ST_OVERDUE_FILL, "ST_OVERDUE_FILL", want, false, scans);
	const char *const end[] = {"SEARCH c USING INDEX cases_due (due_at>? AND due_at<?)", NULL};
	plan_is(p->c, ST_OVERDUE_BATCH_END, "ST_OVERDUE_BATCH_END", end, false, scans);
}

/* type= county-wide: one range of cases_type newest first; with status=,
 * one range of cases_type_status per code, merged. */
static void type_lists_walk_their_indexes(void **state)
{
	struct plan_db *p = *state;
	const char *const type[] = {
	    "SEARCH c USING INDEX cases_type (type=? AND rowid>? AND rowid<?)", NULL};
	plan_is(p->c, ST_CASE_LIST_TYPE, "ST_CASE_LIST_TYPE", type, false, NULL);
	const char *const arm =
	    "SEARCH c USING INDEX cases_type_status (type=? AND status=? AND rowid>? AND rowid<?)";
	const char *const both[] = {"MERGE (UNION ALL)", arm, NULL};
	plan_is(p->c, ST_CASE_LIST_TYPE_STATUS, "ST_CASE_LIST_TYPE_STATUS", both, false, NULL);
	plan_has_n(p->c, ST_CASE_LIST_TYPE_STATUS, "ST_CASE_LIST_TYPE_STATUS", arm, 4);
}

/* counts.overdue reads the open cases past due from cases_due; a unit's,
 * its parts from assignments_org. */
static void overdue_counts_use_indexes(void **state)
{
	struct plan_db *p = *state;
	const char *const cases[] = {"SEARCH c USING INDEX cases_due (due_at<?)", NULL};
	plan_is(p->c, ST_STATS_OVERDUE, "ST_STATS_OVERDUE", cases, false, NULL);
	const char *const parts[] = {"SEARCH a USING INDEX assignments_org (org_id=? AND status=?)",
	                             NULL};
	plan_is(p->c, ST_STATS_UNIT_OVERDUE, "ST_STATS_UNIT_OVERDUE", parts, false, NULL);
}

/* An export's page read back (store/stmt_export.h): the page's ids drive
 * (json_each), each case by rowid and its parts through assignments_case;
 * only the page's own rows are sorted into its order. The ids received in
 * from..to come from cases_received alone. */
static void export_pages_read_their_ids(void **state)
{
	struct plan_db *p = *state;
	const char *const ids[] = {"j VIRTUAL TABLE INDEX 1:", NULL};
	const char *const cases[] = {
	    "SCAN j VIRTUAL TABLE INDEX 1:", "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)",
	    "SEARCH o USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	plan_is(p->c, ST_EXPORT_CASES, "ST_EXPORT_CASES", cases, true, ids);
	const char *const parts[] = {
	    "SCAN j VIRTUAL TABLE INDEX 1:", "SEARCH a USING INDEX assignments_case (case_id=?)",
	    "SEARCH o USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	plan_is(p->c, ST_EXPORT_PARTS, "ST_EXPORT_PARTS", parts, true, ids);
	/* from..to's ids: the range of the index alone, never the cases */
	const char *const range[] = {
	    "SEARCH cases USING COVERING INDEX cases_received (received_at>? AND received_at<?)",
	    NULL};
	plan_is(p->c, ST_EXPORT_ID_RANGE, "ST_EXPORT_ID_RANGE", range, false, NULL);
}

/* The timeline, filtered or not, pages through events_case from the seq. */
static void timeline_pages_by_seq(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {"SEARCH e USING INDEX events_case (case_id=? AND seq>?)", NULL};
	plan_is(p->c, ST_EVENTS_OF_CASE, "ST_EVENTS_OF_CASE", want, false, NULL);
	const char *const timer[] = {"SEARCH timers USING INDEX timers_case (case_id=?)", NULL};
	plan_is(p->c, ST_TIMER_CASE_LAST, "ST_TIMER_CASE_LAST", timer, false, NULL);
}

/* Parses text for an order; returns the error's field or "" when accepted. */
static const char *cursor_fault(const char *text, enum case_sort sort, bool mine,
                                struct case_query *q)
{
	static struct err e;
	memset(q, 0, sizeof *q);
	memset(&e, 0, sizeof e);
	q->sort = sort;
	q->mine = mine;
	if (case_cursor_parse(text, q, &e) == 0)
		return "";
	assert_int_equal(e.kind, E_FIELD_INVALID);
	return e.field;
}

static void cursors_of_each_order(void **state)
{
	(void)state;
	struct case_query q;
	/* the first page */
	assert_string_equal(cursor_fault(NULL, CASE_SORT_DUE, false, &q), "");
	assert_int_equal(q.cursor, 0);
	assert_string_equal(cursor_fault("", CASE_SORT_NEWEST, false, &q), "");
	/* the default order: the last id */
	assert_string_equal(cursor_fault("42", CASE_SORT_NEWEST, true, &q), "");
	assert_int_equal(q.cursor, 42);
	/* sort=due: (key, id), "n" for no deadline */
	assert_string_equal(cursor_fault("d.1735689600000.7", CASE_SORT_DUE, false, &q), "");
	assert_int_equal(q.cursor, 7);
	assert_true(q.cursor_key == 1735689600000LL);
	assert_string_equal(cursor_fault("p.n.9", CASE_SORT_DUE, true, &q), "");
	assert_int_equal(q.cursor, 9);
	assert_true(q.cursor_key == CASE_KEY_NONE);
	/* another order's or kind's cursor, and garbage */
	const struct {
		const char *text;
		enum case_sort sort;
		bool mine;
	} bad[] = {
	    {"42", CASE_SORT_DUE, false},       {"42", CASE_SORT_DUE, true},
	    {"d.1.2", CASE_SORT_NEWEST, false}, {"p.1.2", CASE_SORT_NEWEST, true},
	    {"d.1.2", CASE_SORT_DUE, true},     {"p.1.2", CASE_SORT_DUE, false},
	    {"0", CASE_SORT_NEWEST, false},     {"-1", CASE_SORT_NEWEST, false},
	    {"12x", CASE_SORT_NEWEST, false},   {"1234567890123456789", CASE_SORT_NEWEST, false},
	    {"d.", CASE_SORT_DUE, false},       {"d.1", CASE_SORT_DUE, false},
	    {"d.1.", CASE_SORT_DUE, false},     {"d.1.0", CASE_SORT_DUE, false},
	    {"d.-1.2", CASE_SORT_DUE, false},   {"d.x.2", CASE_SORT_DUE, false},
	    {"d.nn.2", CASE_SORT_DUE, false},   {"d.1.2.3", CASE_SORT_DUE, false},
	    {"d.1.2 ", CASE_SORT_DUE, false},   {"d.1234567890123456789.2", CASE_SORT_DUE, false},
	    {"D.1.2", CASE_SORT_DUE, false},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *f = cursor_fault(bad[i].text, bad[i].sort, bad[i].mine, &q);
		if (strcmp(f, "cursor"))
			fail_msg("cursor \"%s\" (sort %d, mine %d) accepted", bad[i].text,
			         (int)bad[i].sort, bad[i].mine);
	}
}

/* The hazard ledger, its summary and its map (core/ledger.c) start from
 * the type's index (cases_type since migration 28: the type's cases in id
 * order, so the ledger's newest-first pages are no longer sorted) and join
 * by primary key: never a scan of every case. */
static void ledger_walks_the_type(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {"SEARCH c USING INDEX cases_type (type=?)",
	                            "SEARCH e USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	plan_is(p->c, ST_LEDGER_LIST, "ST_LEDGER_LIST", want, true, NULL);
	plan_is(p->c, ST_LEDGER_SUMMARY, "ST_LEDGER_SUMMARY", want, true, NULL);
	plan_is(p->c, ST_LEDGER_MAP, "ST_LEDGER_MAP", want, true, NULL);
}

/* ---- case_scope kept by the writer equals its rebuild ---- */

static int scope_setup_job(struct wctx *w, struct write_job *job)
{
	struct err *e = job->arg;
	static const struct role_spec disp = {"dispatcher", "county"};
	static const struct role_spec op = {"operator", "county"};
	static const struct role_spec h = {"handler", NULL};
	if (org_add(w, "county", "测试县", "county", NULL, NULL, e) < 0 ||
	    org_add(w, "county.12345", "热线中心", "centre", "county", NULL, e) < 0 ||
	    org_add(w, "dept.cg", "城管局", "department", "county", NULL, e) < 0 ||
	    org_add(w, "town.a", "甲镇", "township", "county", NULL, e) < 0 ||
	    org_add(w, "town.b", "乙乡", "township", "county", NULL, e) < 0 ||
	    org_add(w, "village.a1", "甲一村", "village", "town.a", NULL, e) < 0)
		return -1;
	const char *hash = "$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
	                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	if (user_add(w, "disp1", "派单员", "county.12345", hash, NULL, &disp, 1, e) < 0 ||
	    user_add(w, "op1", "话务员", "county.12345", hash, NULL, &op, 1, e) < 0 ||
	    user_add(w, "cg1", "城管", "dept.cg", hash, NULL, &h, 1, e) < 0 ||
	    user_add(w, "town1", "甲镇", "town.a", hash, NULL, &h, 1, e) < 0 ||
	    user_add(w, "town2", "乙乡", "town.b", hash, NULL, &h, 1, e) < 0 ||
	    user_add(w, "vil1", "甲一村", "village.a1", hash, NULL, &h, 1, e) < 0)
		return -1;
	return 0;
}

struct scope_call {
	const char *login, *action; /* action NULL = create */
	int64_t id;
	json_t *body, *out;
	struct err e;
};

static int scope_call_job(struct wctx *w, struct write_job *job)
{
	struct scope_call *c = job->arg;
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, c->login);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	struct actor a;
	if (actor_load(w->conn, uid, &a) != 0)
		return err_set(&c->e, E_UNAUTHENTICATED, NULL, NULL);
	return c->action ? engine_act(w, &a, c->id, c->action, c->body, &c->out, &c->e)
	                 : engine_create(w, &a, c->body, &c->out, &c->e);
}

/* One engine call; the new case's id for a create that worked, else 0. */
static int64_t scope_call(struct unit_db *f, const char *login, const char *action, int64_t id,
                          const char *body)
{
	struct scope_call c = {.login = login, .action = action, .id = id};
	c.body = json_loads(body, 0, NULL);
	assert_non_null(c.body);
	int rc = writer_run(f->app.writer, scope_call_job, &c);
	int64_t made =
	    rc == 0 && !action
	        ? json_integer_value(json_object_get(json_object_get(c.out, "case"), "id"))
	        : 0;
	json_decref(c.body);
	json_decref(c.out);
	return made;
}

struct scope_sum {
	int64_t rows, sum;
	int64_t due_rows, due_sum; /* part_due, the inbox's deadline index */
	int64_t od_rows, od_sum;   /* case_overdue, the overdue list's kept set */
	bool rebuild;
};

static int scope_sum_job(struct wctx *w, struct write_job *job)
{
	struct scope_sum *r = job->arg;
	char err[256];
	if (r->rebuild && (case_scope_rebuild(w->conn) != 0 ||
	                   part_due_rebuild(w->conn, w->app, err, sizeof err) != 0 ||
	                   case_overdue_rebuild(w->conn) != 0))
		return -1;
	/* first (the kept one), emptied and filled by the rebuild */
	struct store_stmt *o = store_stmt(w->conn, ST_OVERDUE_COUNT);
	if (sstep(o) != STORE_ROW) {
		sreset(o);
		return -1;
	}
	r->od_rows = scol_int(o, 0);
	r->od_sum = scol_null(o, 1) ? 0 : scol_int(o, 1);
	sreset(o);
	struct store_stmt *s = store_stmt(w->conn, ST_CASE_SCOPE_COUNT);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		r->rows = scol_int(s, 0);
		r->sum = scol_null(s, 1) ? 0 : scol_int(s, 1);
	}
	sreset(s);
	s = store_stmt(w->conn, ST_PART_DUE_COUNT);
	int rc2 = sstep(s);
	if (rc2 == STORE_ROW) {
		r->due_rows = scol_int(s, 0);
		r->due_sum = scol_null(s, 1) ? 0 : scol_int(s, 1);
	}
	sreset(s);
	return rc == STORE_ROW && rc2 == STORE_ROW ? 0 : -1;
}

/* The actor `login` reads as, into a. */
static void reader_actor(struct unit_db *f, const char *login, struct actor *a)
{
	struct store_stmt *s = store_stmt(f->reader, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	assert_int_equal(actor_load(f->reader, uid, a), 0);
}

/* The ids `login` lists with q at now, newest first, into ids (at most
 * 256); how many. */
static int list_at(struct unit_db *f, const char *login, struct case_query *q, int64_t now,
                   int64_t *ids)
{
	struct actor a;
	reader_actor(f, login, &a);
	struct err e = {0};
	int n = 0;
	bool more = false;
	q->limit = 256;
	assert_int_equal(case_list_ids(f->reader, &f->app, &a, q, now, ids, &n, &more, NULL, &e),
	                 0);
	assert_false(more);
	return n;
}

/* overdue=1 as login lists it at now is, in order, the cases the detail
 * view lets login read that are open with a deadline before now: through
 * the kept set up to its mark, through cases_due after it (a now the
 * scheduler has not swept to), and leaving out kept rows a clock set back
 * before the mark has not reached. type= and type=&status= likewise. */
static int lists_equal_their_definition(struct unit_db *f, const char *login, int64_t now,
                                        int64_t ncases)
{
	static int64_t got[256], want[256], typed[256], both[256];
	struct case_query q = {.overdue = true};
	int n = list_at(f, login, &q, now, got);
	struct case_query qt = {.type = "hotline"};
	int nt = list_at(f, login, &qt, now, typed);
	struct case_query qb = {.type = "hotline", .status = "received,closed"};
	int nb = list_at(f, login, &qb, now, both);
	struct case_query all = {0};
	int64_t every[256];
	int nall = list_at(f, login, &all, now, every);
	assert_int_equal(nt, nall); /* every case here is a hotline case */
	assert_memory_equal(typed, every, (size_t)nall * sizeof *every);
	int k = 0, kb = 0;
	struct actor a;
	reader_actor(f, login, &a);
	for (int64_t id = ncases; id >= 1; id--) {
		struct case_full cf;
		if (case_load(f->reader, &f->app, id, &cf) != 0)
			continue;
		bool seen = case_visible(&a, &cf);
		if (seen && !cf.c.closed_at && cf.c.due_at && cf.c.due_at < now)
			want[k++] = id;
		if (seen && (!strcmp(cf.c.status, "received") || !strcmp(cf.c.status, "closed")))
			kb++;
		case_full_release(&cf);
	}
	if (n != k || memcmp(got, want, (size_t)n * sizeof *got))
		fail_msg("%s: overdue=1 lists %d cases, %d are overdue at now", login, n, k);
	assert_int_equal(nb, kb);
	for (int i = 1; i < nb; i++)
		assert_true(both[i] < both[i - 1]);
	return n;
}

/* The scheduler at the fake clock's now after moving it on by up to three
 * days: timers fire, and the overdue mark follows now. */
static void scope_tick(struct unit_db *f, int64_t *now)
{
	*now += (int64_t)(rand() % 72) * MS_PER_HOUR + rand() % 1000;
	time_set_fake(*now);
	assert_true(scheduler_run_once(&f->app, f->reader, *now) >= 0);
}

/* Random creations, dispatches to one or several units, signs, returns
 * (which cancel a part), redispatches, answers, callbacks and merges
 * (which close a case), unmerges (open again, past due), extensions (a
 * deadline moved), reopenings and scheduler ticks
 * on a clock that moves days on: case_scope, part_due and case_overdue as
 * the writer and the scheduler kept them are the tables their rebuild
 * makes from the base rows. */
static void scope_index_equals_its_rebuild(void **state)
{
	(void)state;
	struct err e = {0};
	struct unit_db *f = unit_db_open("cl-scope", scope_setup_job, &e);
	static const char *const dispatch[] = {
	    "{\"org\":\"town.a\"}", "{\"org\":\"town.b\"}", "{\"org\":\"village.a1\"}",
	    "{\"orgs\":[\"dept.cg\",\"town.a\"],\"lead\":\"dept.cg\"}",
	    "{\"orgs\":[\"town.b\",\"village.a1\"],\"lead\":\"town.b\"}"};
	static const char *const handler[] = {"town1", "town2", "vil1", "cg1"};
	int64_t ids[64];
	int n = 0, ticks = 0;
	int64_t now = time_real_ms();
	time_set_fake(now);
	srand(16);
	for (int step = 0; step < 600; step++) {
		int r = rand() % 16;
		if (n == 0 || (r == 0 && n < 64)) {
			int64_t id = scope_call(f, "op1", NULL, 0,
			                        "{\"type\":\"hotline\",\"class\":\"求助\","
			                        "\"description\":\"路灯不亮\"}");
			if (id)
				ids[n++] = id;
			continue;
		}
		int64_t id = ids[rand() % n];
		const char *who = handler[rand() % 4];
		switch (r) {
		case 1:
		case 2:
			scope_call(f, "disp1", "dispatch", id, dispatch[rand() % 5]);
			break;
		case 3:
			scope_call(f, who, "sign", id, "{}");
			break;
		case 4:
			scope_call(f, who, "return", id, "{\"reason\":\"不属本单位管辖\"}");
			break;
		case 5:
			scope_call(f, "disp1", "approve_return", id, "{}");
			break;
		case 6:
			scope_call(f, who, "reply", id, "{\"reply\":\"已处理\"}");
			break;
		case 8:
			scope_call(f, "op1", "answer", id, "{\"answer\":\"已当场答复。\"}");
			break;
		case 9:
			scope_call(f, who, "extend", id, "{\"days\":5,\"reason\":\"需要时间。\"}");
			scope_call(f, "disp1", "approve_extension", id, "{}");
			break;
		case 10:
			scope_call(f, "disp1", "review", id, "{}");
			scope_call(f, "op1", "callback", id,
			           rand() % 2 ? "{\"resolved\":true,\"satisfaction\":\"满意\"}"
			                      : "{}");
			break;
		case 11:
			scope_call(f, "disp1", "reopen", id, "{\"reason\":\"群众不满意\"}");
			break;
		case 14: { /* merged: closed, until unmerged (back open, its old deadline) */
			char into[48];
			snprintf(into, sizeof into, "{\"into\":%lld}", (long long)ids[rand() % n]);
			scope_call(f, "op1", "merge", id, into);
			break;
		}
		case 15:
			scope_call(f, "op1", "unmerge", id, "{}");
			break;
		case 12:
		case 13:
			scope_tick(f, &now);
			ticks++;
			break;
		default:
			scope_call(f, "disp1", "dispatch", id, dispatch[rand() % 5]);
		}
	}
	/* two cases due after the mark (one of them town.a's) */
	for (int i = 0; i < 2 && n < 64; i++) {
		int64_t id = scope_call(f, "op1", NULL, 0,
		                        "{\"type\":\"hotline\",\"class\":\"求助\","
		                        "\"description\":\"井盖缺失\"}");
		assert_true(id > 0);
		ids[n++] = id;
	}
	scope_call(f, "disp1", "dispatch", ids[n - 1], dispatch[0]);
	/* the lists at the mark, past it unswept, before it, and at now */
	int64_t mark = 0;
	struct store_stmt *m = store_stmt(f->reader, ST_OVERDUE_MARK);
	assert_int_equal(sstep(m), STORE_ROW);
	mark = scol_int(m, 0);
	sreset(m);
	const int64_t at[] = {mark, mark + 30 * 24 * MS_PER_HOUR, mark - 2 * 24 * MS_PER_HOUR, now};
	static const char *const readers[] = {"disp1", "town1", "town2", "vil1", "cg1"};
	int county[4];
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
		for (size_t r = 0; r < sizeof readers / sizeof readers[0]; r++) {
			int k = lists_equal_their_definition(f, readers[r], at[i], ids[n - 1]);
			if (r == 0)
				county[i] = k;
		}
	/* each arm did its part: cases due after the mark, kept rows not yet due */
	assert_true(county[1] > county[0] && county[2] < county[0]);
	struct scope_sum kept = {0}, rebuilt = {.rebuild = true};
	assert_int_equal(writer_run(f->app.writer, scope_sum_job, &kept), 0);
	assert_int_equal(writer_run(f->app.writer, scope_sum_job, &rebuilt), 0);
	if (kept.rows != rebuilt.rows || kept.sum != rebuilt.sum)
		fail_msg("case_scope kept: %lld rows (sum %lld); rebuilt: %lld rows (sum %lld)",
		         (long long)kept.rows, (long long)kept.sum, (long long)rebuilt.rows,
		         (long long)rebuilt.sum);
	time_set_fake(0);
	if (kept.od_rows != rebuilt.od_rows || kept.od_sum != rebuilt.od_sum)
		fail_msg("case_overdue kept: %lld rows (sum %lld); rebuilt: %lld rows (sum %lld)",
		         (long long)kept.od_rows, (long long)kept.od_sum,
		         (long long)rebuilt.od_rows, (long long)rebuilt.od_sum);
	if (kept.due_rows != rebuilt.due_rows || kept.due_sum != rebuilt.due_sum)
		fail_msg("part_due kept: %lld rows (sum %lld); rebuilt: %lld rows (sum %lld)",
		         (long long)kept.due_rows, (long long)kept.due_sum,
		         (long long)rebuilt.due_rows, (long long)rebuilt.due_sum);
	assert_true(kept.due_rows > 0);
	/* the county at least (a case handed back is the county's own) */
	assert_true(kept.rows > n);
	assert_true(kept.od_rows > 0 && kept.od_rows < kept.rows); /* some overdue, not all */
	print_message("# case_scope: %d cases, %lld rows; part_due %lld rows; case_overdue %lld"
	              " rows after %d ticks\n",
	              n, (long long)kept.rows, (long long)kept.due_rows, (long long)kept.od_rows,
	              ticks);
	unit_db_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(newest_first_is_a_rowid_range),
	    cmocka_unit_test(due_timers_walk_their_indexes),
	    cmocka_unit_test(placement_walks_its_index),
	    cmocka_unit_test(text_walks_the_index),
	    cmocka_unit_test(due_walks_its_index),
	    cmocka_unit_test(part_due_reads_the_units_parts),
	    cmocka_unit_test(inbox_merges_its_ranges),
	    cmocka_unit_test(scope_list_reads_its_ranges),
	    cmocka_unit_test(status_list_merges_its_ranges),
	    cmocka_unit_test(open_lists_read_open_cases),
	    cmocka_unit_test(overdue_list_reads_the_kept_set),
	    cmocka_unit_test(overdue_sweep_reads_its_range),
	    cmocka_unit_test(type_lists_walk_their_indexes),
	    cmocka_unit_test(overdue_counts_use_indexes),
	    cmocka_unit_test(export_pages_read_their_ids),
	    cmocka_unit_test(timeline_pages_by_seq),
	    cmocka_unit_test(cursors_of_each_order),
	    cmocka_unit_test(ledger_walks_the_type),
	    cmocka_unit_test(scope_index_equals_its_rebuild),
	};
	return cmocka_run_group_tests(tests, plan_db_open, plan_db_close);
}
