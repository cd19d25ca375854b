/*
 * The PostgreSQL backend (store/pg.c) against a real server: the schema
 * migrates on an empty database (and a second migrate is a no-op), every
 * statement of statements.h prepares against it (all failures listed at
 * once), and the backend keeps store.h's contract: values round-trip
 * (integers, reals, text, blobs, NULL, booleans read as 1/0), a unique
 * violation is STORE_CONSTRAINT, a failing command inside a savepoint is
 * rolled back alone, a read transaction cannot write, last_id and changes.
 *
 * Needs CIVICLOOP_TEST_PG (ctest runs it under scripts/with-pg, which starts
 * a private cluster); without it the test fails, it does not skip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_db.h"
#include "store/pg.h"
#include "store/store.h"

static const char *const stmt_names[STMT__COUNT] = {
#define STMT(name, sql) #name,
    STATEMENT_LIST(STMT)
#undef STMT
};

static char dsn[512];

/* A fresh database on the test cluster; dsn names it. */
static int make_database(void **state)
{
	pg_test_database("pg", dsn, sizeof dsn);
	store_select(dsn);
	assert_false(store_is_sqlite());
	return 0;
}

static struct store_conn *writer_conn(void)
{
	char err[512];
	struct store_conn *c = store_open(dsn, false, err, sizeof err);
	if (!c)
		fail_msg("%s", err);
	return c;
}

static void migrates_twice(void **state)
{
	struct store_conn *c = writer_conn();
	char err[512];
	if (store_migrate(c, err, sizeof err) != 0)
		fail_msg("first migrate: %s", err);
	if (store_migrate(c, err, sizeof err) != 0)
		fail_msg("second migrate: %s", err);
	assert_false(store_in_txn(c));
	store_close(c);
}

static void every_statement_prepares(void **state)
{
	struct store_conn *c = writer_conn();
	char err[512];
	if (store_migrate(c, err, sizeof err) != 0)
		fail_msg("%s", err);
	int bad = 0, none = 0;
	for (int id = 0; id < STMT__COUNT; id++) {
		if (pg_statement_none((enum stmt_id)id)) {
			none++;
			continue;
		}
		if (pg_prepare_check(c, (enum stmt_id)id, err, sizeof err) != 0) {
			print_error("%s: %s\n", stmt_names[id], err);
			bad++;
		}
	}
	print_message("%d statements, %d SQLite's own, %d do not prepare\n", STMT__COUNT, none,
	              bad);
	store_close(c);
	assert_int_equal(bad, 0);
}

/* Runs one statement with up to three text parameters: its step's code. */
static int run(struct store_conn *c, enum stmt_id id, const char *a, const char *b)
{
	struct store_stmt *s = store_stmt(c, id);
	sbind_text(s, 1, a);
	sbind_text(s, 2, b);
	return sdone(s);
}

static void contract_holds(void **state)
{
	struct store_conn *c = writer_conn();
	char err[512];
	if (store_migrate(c, err, sizeof err) != 0)
		fail_msg("%s", err);

	/* meta is (key text primary key, value text): set, read, conflict */
	assert_int_equal(store_exec(c, ST_BEGIN), STORE_OK);
	assert_true(store_in_txn(c));
	assert_int_equal(run(c, ST_META_SET, "k1", "值一"), STORE_DONE);
	assert_int_equal(store_changes(c), 1);
	assert_int_equal(store_exec(c, ST_SAVEPOINT), STORE_OK);
	assert_int_equal(run(c, ST_META_SET, "k2", "二"), STORE_DONE);
	assert_int_equal(store_exec(c, ST_ROLLBACK_TO), STORE_OK);
	assert_int_equal(store_exec(c, ST_RELEASE), STORE_OK);
	assert_int_equal(store_exec(c, ST_COMMIT), STORE_OK);
	assert_false(store_in_txn(c));

	struct store_stmt *s = store_stmt(c, ST_META_GET);
	sbind_text(s, 1, "k1");
	assert_int_equal(sstep(s), STORE_ROW);
	assert_string_equal(scol_text(s, 0), "值一");
	assert_false(scol_null(s, 0));
	assert_int_equal(sstep(s), STORE_DONE);
	s = store_stmt(c, ST_META_GET);
	sbind_text(s, 1, "k2"); /* rolled back with its savepoint */
	assert_int_equal(sstep(s), STORE_DONE);

	/* counters: an upsert RETURNING an integer */
	s = store_stmt(c, ST_COUNTER_NEXT);
	sbind_text(s, 1, "unit");
	assert_int_equal(sstep(s), STORE_ROW);
	assert_int_equal(scol_int(s, 0), 1);
	sreset(s);
	s = store_stmt(c, ST_COUNTER_NEXT);
	sbind_text(s, 1, "unit");
	assert_int_equal(sstep(s), STORE_ROW);
	assert_int_equal(scol_int(s, 0), 2);
	sreset(s);
	s = store_stmt(c, ST_COUNTER_SET);
	sbind_text(s, 1, "big");
	sbind_text(s, 2, "431100");
	sbind_int(s, 3, INT64_MAX);
	assert_int_equal(sdone(s), STORE_DONE);
	s = store_stmt(c, ST_COUNTER_GET); /* another region's counter of the name */
	sbind_text(s, 1, "big");
	sbind_text(s, 2, "000000");
	assert_int_equal(sstep(s), STORE_DONE);
	sreset(s);
	s = store_stmt(c, ST_COUNTER_GET);
	sbind_text(s, 1, "big");
	sbind_text(s, 2, "431100");
	assert_int_equal(sstep(s), STORE_ROW);
	assert_true(scol_int(s, 0) == INT64_MAX);
	sreset(s);

	/* a failing command inside the writer's savepoint: rolled back alone */
	assert_int_equal(store_exec(c, ST_BEGIN), STORE_OK);
	assert_int_equal(store_exec(c, ST_SAVEPOINT), STORE_OK);
	s = store_stmt(c, ST_COUNTER_SET);
	sbind_text(s, 1, "never"); /* NOT NULL value */
	sbind_text(s, 2, "000000");
	sbind_null(s, 3);
	assert_int_equal(sdone(s), STORE_CONSTRAINT);
	assert_non_null(strstr(store_errmsg(c), "null"));
	assert_int_equal(store_exec(c, ST_ROLLBACK_TO), STORE_OK);
	assert_int_equal(store_exec(c, ST_RELEASE), STORE_OK);
	assert_int_equal(run(c, ST_META_SET, "k3", "三"), STORE_DONE);
	assert_int_equal(store_exec(c, ST_COMMIT), STORE_OK);
	s = store_stmt(c, ST_META_GET);
	sbind_text(s, 1, "k3");
	assert_int_equal(sstep(s), STORE_ROW);
	sreset(s);
	s = store_stmt(c, ST_COUNTER_GET);
	sbind_text(s, 1, "never");
	sbind_text(s, 2, "000000");
	assert_int_equal(sstep(s), STORE_DONE);

	/* last_id: the id an org insert took; a second is the next */
	int64_t ids[2];
	for (int i = 0; i < 2; i++) {
		s = store_stmt(c, ST_ORG_INSERT);
		sbind_text(s, 1, i ? "unit-b" : "unit-a");
		sbind_text(s, 2, "单元");
		sbind_text(s, 3, "county");
		sbind_null(s, 4);
		sbind_text(s, 5, "330100");
		sbind_null(s, 6);
		assert_int_equal(sdone(s), STORE_DONE);
		ids[i] = store_last_id(c);
	}
	assert_true(ids[0] > 0);
	assert_true(ids[1] == ids[0] + 1);
	s = store_stmt(c, ST_ORG_INSERT); /* the code is unique */
	sbind_text(s, 1, "unit-a");
	sbind_text(s, 2, "单元");
	sbind_text(s, 3, "county");
	sbind_null(s, 4);
	sbind_text(s, 5, "330100");
	sbind_null(s, 6);
	assert_int_equal(sdone(s), STORE_CONSTRAINT);

	/* an error outside a savepoint aborts the transaction: in_txn rolls it
	 * back and says it is over, and a COMMIT of it is an error, never a
	 * success that lost the writes (PostgreSQL answers such a COMMIT with
	 * ROLLBACK) */
	assert_int_equal(store_exec(c, ST_BEGIN), STORE_OK);
	assert_int_equal(run(c, ST_META_SET, "k5", "五"), STORE_DONE);
	s = store_stmt(c, ST_COUNTER_SET);
	sbind_text(s, 1, "never");
	sbind_null(s, 2);
	assert_int_equal(sdone(s), STORE_CONSTRAINT);
	assert_int_equal(store_exec(c, ST_COMMIT), STORE_ERROR);
	assert_false(store_in_txn(c));
	assert_int_equal(store_exec(c, ST_BEGIN), STORE_OK);
	assert_int_equal(run(c, ST_META_SET, "k6", "六"), STORE_DONE);
	s = store_stmt(c, ST_COUNTER_SET);
	sbind_text(s, 1, "never");
	sbind_null(s, 2);
	assert_int_equal(sdone(s), STORE_CONSTRAINT);
	assert_false(store_in_txn(c));                       /* rolled back here */
	assert_int_equal(store_exec(c, ST_BEGIN), STORE_OK); /* a fresh one works */
	assert_int_equal(store_exec(c, ST_COMMIT), STORE_OK);
	for (int i = 0; i < 2; i++) {
		s = store_stmt(c, ST_META_GET);
		sbind_text(s, 1, i ? "k6" : "k5");
		assert_int_equal(sstep(s), STORE_DONE); /* neither was kept */
	}

	/* a reader cannot write */
	struct store_conn *r = store_open(dsn, true, err, sizeof err);
	assert_non_null(r);
	assert_int_equal(store_exec(r, ST_BEGIN_READ), STORE_OK);
	assert_int_equal(run(r, ST_META_SET, "k4", "四"), STORE_ERROR);
	assert_int_equal(store_exec(r, ST_ROLLBACK), STORE_OK);
	/* a statement with no PostgreSQL form fails, it does not run */
	assert_null(store_stmt(r, ST_CHECKPOINT_WAL));
	assert_int_equal(store_exec(r, ST_CHECKPOINT_WAL), STORE_ERROR);
	store_close(r);
	store_close(c);
}

static bool meta_has(struct store_conn *c, const char *key)
{
	struct store_stmt *s = store_stmt(c, ST_META_GET);
	sbind_text(s, 1, key);
	bool has = sstep(s) == STORE_ROW;
	sreset(s);
	return has;
}

/* The session holding a transaction is killed (a failover, a restart):
 * the next statement must not run on the new session, where it would
 * commit on its own after the transaction's first part was lost; the
 * COMMIT fails; ROLLBACK or the next BEGIN go on as usual. */
static void a_lost_session_commits_nothing_half(void **state)
{
	struct store_conn *c = writer_conn();
	char err[512];
	if (store_migrate(c, err, sizeof err) != 0)
		fail_msg("%s", err);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(store_exec(c, ST_BEGIN), STORE_OK);
		assert_int_equal(run(c, ST_META_SET, "lost-1", "一"), STORE_DONE);
		assert_int_equal(store_exec(c, ST_SAVEPOINT), STORE_OK);
		PGconn *admin = PQconnectdb(dsn);
		assert_int_equal(PQstatus(admin), CONNECTION_OK);
		PGresult *res =
		    PQexec(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
		                  " WHERE datname = current_database()"
		                  " AND pid <> pg_backend_pid()");
		assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
		assert_string_equal(PQgetvalue(res, 0, 0), "1");
		PQclear(res);
		PQfinish(admin);
		/* the dead session's statement fails; the next one, after the
		 * reconnect, is refused, not committed on its own */
		assert_int_not_equal(run(c, ST_META_SET, "lost-2", "二"), STORE_DONE);
		assert_int_not_equal(run(c, ST_META_SET, "lost-3", "三"), STORE_DONE);
		assert_non_null(strstr(store_errmsg(c), "原事务已丢失"));
		assert_false(store_in_txn(c));
		/* the writer's COMMIT (round 0) fails; a ROLLBACK (1) is fine */
		enum stmt_id end = round ? ST_ROLLBACK : ST_COMMIT;
		assert_int_equal(store_exec(c, end), round ? STORE_OK : STORE_ERROR);
		const char *after = round ? "after-1" : "after-0";
		assert_false(meta_has(c, after));
		assert_int_equal(store_exec(c, ST_BEGIN), STORE_OK);
		assert_int_equal(run(c, ST_META_SET, after, "后"), STORE_DONE);
		assert_int_equal(store_exec(c, ST_COMMIT), STORE_OK);
		assert_false(meta_has(c, "lost-1"));
		assert_false(meta_has(c, "lost-2"));
		assert_false(meta_has(c, "lost-3"));
		assert_true(meta_has(c, after));
	}
	store_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(migrates_twice),
	    cmocka_unit_test(every_statement_prepares),
	    cmocka_unit_test(contract_holds),
	    cmocka_unit_test(a_lost_session_commits_nothing_half),
	};
	return cmocka_run_group_tests(tests, make_database, NULL);
}
