/*
 * What the unit tests against PostgreSQL share (test_pg_*.c, run by ctest
 * under scripts/with-pg): a fresh database on the private cluster that
 * CIVICLOOP_TEST_PG names. Include after <cmocka.h>.
 */
#ifndef CIVICLOOP_TESTS_UNIT_PG_DB_H
#define CIVICLOOP_TESTS_UNIT_PG_DB_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Drops and creates database unit_<tag>_<pid>; its connection string into
 * dsn[cap]. Fails the test when the cluster is missing: never a skip. */
static inline void pg_test_database(const char *tag, char *dsn, size_t cap)
{
	const char *base = getenv("CIVICLOOP_TEST_PG");
	if (!base || !*base)
		fail_msg("CIVICLOOP_TEST_PG is not set: run under scripts/with-pg");
	PGconn *pg = PQconnectdb(base);
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("%s", PQerrorMessage(pg));
	char sql[160];
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS unit_%s_%d", tag, (int)getpid());
	PQclear(PQexec(pg, sql));
	snprintf(sql, sizeof sql, "CREATE DATABASE unit_%s_%d", tag, (int)getpid());
	PGresult *res = PQexec(pg, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(pg);
	snprintf(dsn, cap, "%s dbname=unit_%s_%d", base, tag, (int)getpid());
}

#endif
