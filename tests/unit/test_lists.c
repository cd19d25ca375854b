/*
 * Unit tests of the unit inbox's queries (GET /api/v1/cases?mine=1&part=,
 * sort=due; the timeline; counts.overdue of the stats): the query plan of
 * each statement on a fresh schema, so a change that makes one read every
 * case or every assignment fails here, and the list cursors' text
 * (core/caseview.c case_cursor_parse).
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

#include "core/engine.h"
#include "store/store.h"

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

/* The default order stays a rowid range from the cursor. */
static void newest_first_is_a_rowid_range(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {"SEARCH c USING INTEGER PRIMARY KEY (rowid<?)", NULL};
	plan_is(p->c, ST_CASE_LIST, "ST_CASE_LIST", want, false, NULL);
}

/* placement=outside (or placed) walks the cases of that status through
 * cases_place, newest first from the cursor, unsorted, and reads each by
 * rowid: never every case. */
static void placement_walks_its_index(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {
	    "SEARCH pc USING COVERING INDEX cases_place (place_status=? AND rowid<?)",
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
 * the type's index and join by primary key: never a scan of every case. */
static void ledger_walks_the_type(void **state)
{
	struct plan_db *p = *state;
	const char *const want[] = {"SEARCH c USING INDEX cases_type_status (type=?)",
	                            "SEARCH e USING INTEGER PRIMARY KEY (rowid=?)", NULL};
	plan_is(p->c, ST_LEDGER_LIST, "ST_LEDGER_LIST", want, true, NULL);
	plan_is(p->c, ST_LEDGER_SUMMARY, "ST_LEDGER_SUMMARY", want, true, NULL);
	plan_is(p->c, ST_LEDGER_MAP, "ST_LEDGER_MAP", want, true, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(newest_first_is_a_rowid_range),
	    cmocka_unit_test(placement_walks_its_index),
	    cmocka_unit_test(text_walks_the_index),
	    cmocka_unit_test(due_walks_its_index),
	    cmocka_unit_test(part_due_reads_the_units_parts),
	    cmocka_unit_test(overdue_counts_use_indexes),
	    cmocka_unit_test(timeline_pages_by_seq),
	    cmocka_unit_test(cursors_of_each_order),
	    cmocka_unit_test(ledger_walks_the_type),
	};
	return cmocka_run_group_tests(tests, plan_db_open, plan_db_close);
}
