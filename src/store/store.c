/* Backend-independent wrappers of store.h. */
#include "store/store.h"
#include "store/pg.h"

#include <string.h>
#include <unistd.h>

const struct store_backend *store_be = &store_sqlite;

bool store_dsn_is_pg(const char *dsn)
{
	return dsn && (!strncmp(dsn, "postgres://", 11) || !strncmp(dsn, "postgresql://", 13) ||
	               strchr(dsn, '=') != NULL);
}

void store_select(const char *dsn)
{
	store_be = store_dsn_is_pg(dsn) ? &store_pg : &store_sqlite;
}

bool store_exists(const char *dsn)
{
	return store_dsn_is_pg(dsn) ? pg_database_used(dsn) == 1 : access(dsn, F_OK) == 0;
}

bool store_is_sqlite(void)
{
	return store_be == &store_sqlite;
}

static bool writer_alone;

void store_writer_alone(void)
{
	writer_alone = true;
}

bool store_writer_is_alone(void)
{
	return writer_alone;
}

struct store_conn *store_open(const char *dsn, bool readonly, char *err, size_t errcap)
{
	return store_be->open(dsn, readonly, err, errcap);
}

void store_close(struct store_conn *c)
{
	if (c)
		store_be->close(c);
}

int store_migrate(struct store_conn *c, char *err, size_t errcap)
{
	return store_be->migrate(c, err, errcap);
}

int store_exec(struct store_conn *c, enum stmt_id id)
{
	return store_be->exec(c, id);
}

struct store_stmt *store_stmt(struct store_conn *c, enum stmt_id id)
{
	return store_be->stmt(c, id);
}

int64_t store_last_id(struct store_conn *c)
{
	return store_be->last_id(c);
}

int store_changes(struct store_conn *c)
{
	return store_be->changes(c);
}

const char *store_errmsg(struct store_conn *c)
{
	return store_be->errmsg(c);
}

bool store_in_txn(struct store_conn *c)
{
	return store_be->in_txn(c);
}

int sdone(struct store_stmt *s)
{
	if (!s)
		return STORE_ERROR;
	int rc = store_be->step(s);
	store_be->reset(s);
	return rc == STORE_ROW ? STORE_DONE : rc;
}
