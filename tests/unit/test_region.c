/*
 * Regions (core/region.h): which codes are division codes, the city of
 * each, and the region an org takes (orgs.city_code: its own code's city,
 * else its parent's, else none); a code that is not one is refused and
 * adds no org; an enterprise moved under another city takes that city's
 * region unless it has a code of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <string.h>

#include "core/directory.h"
#include "core/region.h"
#include "store/statements.h"
#include "util/error.h"

#include "unit_db.h"

static void division_codes(void **state)
{
	(void)state;
	static const char *const good[] = {"431121", "360727100", "360727100201",
	                                   "110101", "820000",    "110000"};
	static const char *const bad[] = {NULL,       "",       "43112",        "4311211",
	                                  "43112a",   "000000", "991234",       "101234",
	                                  "831234",   "43 121", "４３１１２１", "3607271002011",
	                                  "36072710", "-43112", "431121\n"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		assert_true(region_code_ok(good[i]));
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (region_code_ok(bad[i]))
			fail_msg("taken: %s", bad[i] ? bad[i] : "NULL");
	}
}

static void the_city_of_a_code(void **state)
{
	(void)state;
	static const char *const pairs[][2] = {
	    {"431121", "431100"},       {"360727100201", "360700"}, {"360727100", "360700"},
	    {"110105", "110000"},       {"120101001", "120000"},    {"310115", "310000"},
	    {"500101000000", "500000"}, {"430000", "430000"},       {"441900", "441900"},
	    {"810000", "810000"}};
	for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
		char out[REGION_LEN + 1];
		memset(out, 'x', sizeof out);
		region_city(pairs[i][0], out);
		assert_string_equal(out, pairs[i][1]);
	}
}

static int orgs_job(struct wctx *w, struct write_job *job)
{
	struct err *e = job->arg;
	return org_add(w, "root", "根", "county", NULL, NULL, e) < 0 ||
	               org_add(w, "city", "永州市", "county", "root", "431100", e) < 0 ||
	               org_add(w, "county", "祁阳市", "county", "city", "431121", e) < 0 ||
	               org_add(w, "dept", "城管局", "department", "county", NULL, e) < 0 ||
	               org_add(w, "town", "浯溪街道", "township", "county", "431121001", e) < 0 ||
	               org_add(w, "ent", "企业", "enterprise", "town", NULL, e) < 0 ||
	               org_add(w, "bj", "北京联络处", "department", "city", "110105", e) < 0
	           ? -1
	           : 0;
}

/* ST_ENT_ORG_SET (an enterprise's move) of org code under org parent. */
static int move(struct wctx *w, const char *code, const char *parent)
{
	int64_t id = 0, pid = 0;
	char path[256] = "", ppath[200] = "";
	struct store_stmt *s = store_stmt(w->conn, ST_ORG_BY_CODE);
	sbind_text(s, 1, parent);
	if (sstep(s) == STORE_ROW) {
		pid = scol_int(s, 0);
		snprintf(ppath, sizeof ppath, "%s", scol_text(s, 5));
	}
	sreset(s);
	s = store_stmt(w->conn, ST_ORG_BY_CODE);
	sbind_text(s, 1, code);
	if (sstep(s) == STORE_ROW)
		id = scol_int(s, 0);
	sreset(s);
	if (!id || !pid)
		return -1;
	snprintf(path, sizeof path, "%s%lld/", ppath, (long long)id);
	s = store_stmt(w->conn, ST_ENT_ORG_SET);
	sbind_int(s, 1, id);
	sbind_text(s, 2, code);
	sbind_int(s, 3, pid);
	sbind_text(s, 4, path);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

static int move_job(struct wctx *w, struct write_job *job)
{
	(void)job;
	return move(w, "ent", "bj") || move(w, "town", "bj") ? -1 : 0;
}

struct bad_org {
	const char *code;
	struct err e;
};

static int bad_job(struct wctx *w, struct write_job *job)
{
	struct bad_org *b = job->arg;
	return org_add(w, "bad", "错", "township", "county", b->code, &b->e) < 0 ? -1 : 0;
}

/* The region (orgs.city_code) of each org code want[i][0] is want[i][1]. */
static void regions_are(sqlite3 *db, const char *const want[][2], size_t n)
{
	sqlite3_stmt *s;
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT city_code FROM orgs WHERE code = ?1", -1, &s, NULL),
	    SQLITE_OK);
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(s, 1, want[i][0], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), want[i][1]);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
}

static void the_region_of_an_org(void **state)
{
	(void)state;
	struct err e;
	memset(&e, 0, sizeof e);
	struct unit_db *f = unit_db_open("cl-region", orgs_job, &e);
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	static const char *const want[][2] = {
	    {"root", "000000"}, {"city", "431100"}, {"county", "431100"}, {"dept", "431100"},
	    {"town", "431100"}, {"ent", "431100"},  {"bj", "110000"}};
	regions_are(db, want, sizeof want / sizeof *want);
	sqlite3_stmt *s;

	/* a code that is not one: refused by name, no org added */
	static const char *const bad[] = {"4311", "43112x", "000000", "431121\xe4\xb8"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct bad_org b = {.code = bad[i]};
		assert_int_not_equal(writer_run(f->app.writer, bad_job, &b), 0);
		assert_int_equal(b.e.kind, E_FIELD_INVALID);
		assert_string_equal(b.e.field, "region_code");
		assert_null(strstr(b.e.message, bad[i]));
	}
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM orgs", -1, &s, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 7);
	sqlite3_finalize(s);

	/* moved under 北京: the enterprise takes its region, the township
	 * with a code of its own keeps its */
	assert_int_equal(writer_run(f->app.writer, move_job, NULL), 0);
	static const char *const moved[][2] = {{"ent", "110000"}, {"town", "431100"}};
	regions_are(db, moved, sizeof moved / sizeof *moved);
	sqlite3_close(db);
	unit_db_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(division_codes),
	    cmocka_unit_test(the_city_of_a_code),
	    cmocka_unit_test(the_region_of_an_org),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
