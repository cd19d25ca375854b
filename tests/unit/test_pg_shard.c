/*
 * The schema keeps the Citus plan (docs/citus.md): deploy/citus/distribute.sql
 * names every table of the PostgreSQL schema once, as a reference table or
 * as distributed by region_code co-located with cases, and the schema made
 * by store_migrate obeys the rules that plan needs:
 *  - no foreign key from a reference table to a distributed one;
 *  - a distributed table is "keyed" when region_code is a NOT NULL column
 *    without a default (an INSERT must say its region), in its primary key,
 *    in every unique key, and in each of its foreign keys to a distributed
 *    table at the same place on both sides.
 * Every distributed table must be keyed (all 33 are since migration 34,
 * docs/citus.md "Keys"); a table added to the plan unkeyed fails here.
 *
 * Runs under scripts/with-pg (CIVICLOOP_TEST_PG); fails without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citus_plan.h"
#include "pg_db.h"
#include "store/store.h"

static PGconn *pg;

static PGresult *query(const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	return r;
}

static int setup(void **state)
{
	(void)state;
	char dsn[512], err[512];
	pg_test_database("shard", dsn, sizeof dsn);
	store_select(dsn);
	struct store_conn *c = store_open(dsn, false, err, sizeof err);
	if (!c)
		fail_msg("%s", err);
	if (store_migrate(c, err, sizeof err) != 0)
		fail_msg("migrate: %s", err);
	store_close(c);
	pg = PQconnectdb(dsn);
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("%s", PQerrorMessage(pg));
	plan_read();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(pg);
	return 0;
}

/* The public tables of the schema, as rows (relname). */
#define SCHEMA_TABLES \
	"SELECT relname FROM pg_class WHERE relkind = 'r'" \
	" AND relnamespace = 'public'::regnamespace ORDER BY 1"

static void plan_names_every_table_once(void **state)
{
	(void)state;
	PGresult *r = query(SCHEMA_TABLES);
	int bad = 0;
	for (int i = 0; i < PQntuples(r); i++)
		if (plan_distributed(PQgetvalue(r, i, 0)) < 0) {
			print_error("%s: not in %s\n", PQgetvalue(r, i, 0), PLAN_FILE);
			bad++;
		}
	for (int i = 0; i < plan.n; i++) {
		bool found = false;
		for (int j = 0; j < PQntuples(r) && !found; j++)
			found = !strcmp(PQgetvalue(r, j, 0), plan.name[i]);
		if (!found) {
			print_error("%s: in %s, not a table of the schema\n", plan.name[i],
			            PLAN_FILE);
			bad++;
		}
	}
	print_message("%d tables, %d in the plan\n", PQntuples(r), plan.n);
	assert_true(PQntuples(r) > 50);
	PQclear(r);
	assert_int_equal(bad, 0);
}

/* Foreign keys: the referencing and referenced tables, and whether each
 * side holds region_code and at which place (0 when not). */
#define FOREIGN_KEYS \
	"SELECT f.conname, f.conrelid::regclass::text, f.confrelid::regclass::text," \
	" coalesce(array_position(f.conkey, (SELECT attnum FROM pg_attribute" \
	"  WHERE attrelid = f.conrelid AND attname = 'region_code')), 0)," \
	" coalesce(array_position(f.confkey, (SELECT attnum FROM pg_attribute" \
	"  WHERE attrelid = f.confrelid AND attname = 'region_code')), 0)" \
	" FROM pg_constraint f WHERE f.contype = 'f' ORDER BY 1"

static void no_reference_table_refers_to_a_distributed_one(void **state)
{
	(void)state;
	PGresult *r = query(FOREIGN_KEYS);
	int bad = 0;
	for (int i = 0; i < PQntuples(r); i++)
		if (plan_distributed(PQgetvalue(r, i, 1)) == 0 &&
		    plan_distributed(PQgetvalue(r, i, 2)) == 1) {
			print_error("%s: reference table %s refers to distributed %s\n",
			            PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
			bad++;
		}
	assert_true(PQntuples(r) > 40);
	PQclear(r);
	assert_int_equal(bad, 0);
}

/* Why table is not keyed, into why[cap]; false when it is. */
static bool unkeyed(const char *table, char *why, size_t cap)
{
	const char *p[1] = {table};
	PGresult *r = PQexecParams(
	    pg,
	    "SELECT a.attnotnull, a.atthasdef, EXISTS (SELECT 1 FROM pg_constraint c"
	    "  WHERE c.conrelid = a.attrelid AND c.contype = 'p' AND a.attnum = ANY (c.conkey))"
	    " FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = 'region_code'",
	    1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", table, PQresultErrorMessage(r));
	bool bad = true;
	if (PQntuples(r) == 0)
		snprintf(why, cap, "no region_code column");
	else if (strcmp(PQgetvalue(r, 0, 0), "t"))
		snprintf(why, cap, "region_code may be NULL");
	else if (!strcmp(PQgetvalue(r, 0, 1), "t"))
		snprintf(why, cap, "region_code has a default");
	else if (strcmp(PQgetvalue(r, 0, 2), "t"))
		snprintf(why, cap, "region_code not in the primary key");
	else
		bad = false;
	PQclear(r);
	if (bad)
		return true;

	r = PQexecParams(
	    pg,
	    "SELECT i.indexrelid::regclass::text FROM pg_index i WHERE i.indisunique"
	    " AND i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_attribute a"
	    "  WHERE a.attrelid = i.indrelid AND a.attname = 'region_code'"
	    "  AND a.attnum = ANY (i.indkey))",
	    1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", table, PQresultErrorMessage(r));
	if (PQntuples(r) > 0) {
		snprintf(why, cap, "unique key %s without region_code", PQgetvalue(r, 0, 0));
		PQclear(r);
		return true;
	}
	PQclear(r);

	r = query(FOREIGN_KEYS);
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 1), table) ||
		    plan_distributed(PQgetvalue(r, i, 2)) != 1)
			continue;
		long here = strtol(PQgetvalue(r, i, 3), NULL, 10),
		     there = strtol(PQgetvalue(r, i, 4), NULL, 10);
		if (!here || here != there) {
			snprintf(why, cap, "foreign key %s to %s without region_code on both sides",
			         PQgetvalue(r, i, 0), PQgetvalue(r, i, 2));
			PQclear(r);
			return true;
		}
	}
	PQclear(r);
	return false;
}

static void distributed_tables_are_keyed_by_region(void **state)
{
	(void)state;
	int bad = 0, keyed = 0, distributed = 0;
	char why[256];
	for (int i = 0; i < plan.n; i++) {
		const char *t = plan.name[i];
		if (!plan.distributed[i])
			continue;
		distributed++;
		if (unkeyed(t, why, sizeof why)) {
			print_error("%s: %s\n", t, why);
			bad++;
		} else {
			keyed++;
		}
	}
	print_message("%d distributed tables, %d keyed by region_code\n", distributed, keyed);
	assert_int_equal(bad, 0);
}

static void exec(const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

/* The rule itself, on tables made for it (added to the plan as
 * distributed): a keyed pair passes, each way of breaking it fails. */
static void the_rule_tells_keyed_from_unkeyed(void **state)
{
	(void)state;
	static const char *const probes[] = {"probe_parent", "probe_child"};
	for (int i = 0; i < 2; i++) {
		snprintf(plan.name[plan.n], sizeof plan.name[0], "%s", probes[i]);
		plan.distributed[plan.n++] = true;
	}
	char why[256];
	exec("CREATE TABLE probe_parent(region_code text NOT NULL, id bigint NOT NULL,"
	     " no text NOT NULL, PRIMARY KEY(region_code, id), UNIQUE(region_code, no))");
	exec("CREATE TABLE probe_child(region_code text NOT NULL, id bigint NOT NULL,"
	     " parent_id bigint, PRIMARY KEY(region_code, id), FOREIGN KEY(region_code, parent_id)"
	     " REFERENCES probe_parent(region_code, id))");
	assert_false(unkeyed("probe_parent", why, sizeof why));
	assert_false(unkeyed("probe_child", why, sizeof why));

	exec("CREATE UNIQUE INDEX probe_parent_no ON probe_parent(no)");
	assert_true(unkeyed("probe_parent", why, sizeof why));
	assert_non_null(strstr(why, "probe_parent_no"));
	exec("DROP INDEX probe_parent_no");

	exec("ALTER TABLE probe_parent ADD UNIQUE(id)");
	exec("ALTER TABLE probe_child ADD FOREIGN KEY(parent_id) REFERENCES probe_parent(id)");
	assert_true(unkeyed("probe_child", why, sizeof why));
	assert_non_null(strstr(why, "foreign key"));
	exec("DROP TABLE probe_child");

	exec("ALTER TABLE probe_parent DROP CONSTRAINT probe_parent_id_key");
	exec("ALTER TABLE probe_parent DROP CONSTRAINT probe_parent_pkey");
	exec("ALTER TABLE probe_parent ADD PRIMARY KEY(id, region_code)");
	assert_false(unkeyed("probe_parent", why, sizeof why));
	exec("ALTER TABLE probe_parent ALTER region_code SET DEFAULT '000000'");
	assert_true(unkeyed("probe_parent", why, sizeof why));
	assert_string_equal(why, "region_code has a default");
	exec("ALTER TABLE probe_parent ALTER region_code DROP DEFAULT");
	exec("ALTER TABLE probe_parent DROP CONSTRAINT probe_parent_pkey");
	exec("ALTER TABLE probe_parent ADD PRIMARY KEY(id)");
	assert_true(unkeyed("probe_parent", why, sizeof why));
	assert_string_equal(why, "region_code not in the primary key");
	exec("DROP TABLE probe_parent");
	exec("CREATE TABLE probe_parent(region_code text, id bigint PRIMARY KEY)");
	assert_true(unkeyed("probe_parent", why, sizeof why));
	assert_string_equal(why, "region_code may be NULL");
	exec("DROP TABLE probe_parent");
	plan.n -= 2;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plan_names_every_table_once),
	    cmocka_unit_test(no_reference_table_refers_to_a_distributed_one),
	    cmocka_unit_test(distributed_tables_are_keyed_by_region),
	    cmocka_unit_test(the_rule_tells_keyed_from_unkeyed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
