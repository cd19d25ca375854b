/*
 * The storage interface. Every SQL statement civicloop runs is named in
 * statements.h and prepared once per connection; callers pick a statement by
 * id, bind parameters and step it. Nothing outside a backend ever sees SQL
 * text, so no input can reach SQL except as a bound parameter.
 *
 * A backend is a table of function pointers (struct store_backend); SQLite
 * (sqlite.c) is the embedded default. A PostgreSQL backend implements the same
 * table with its own SQL text per statement id.
 *
 * Threads: a connection is used by one thread at a time. All writes go
 * through the single writer (core/writer.h) on its own connection; readers
 * each open their own connection.
 */
#ifndef CIVICLOOP_STORE_STORE_H
#define CIVICLOOP_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/statements.h"

enum stmt_id {
#define STMT(name, sql) name,
	STATEMENT_LIST(STMT)
#undef STMT
	    STMT__COUNT
};

enum store_rc {
	STORE_OK = 0,
	STORE_ROW = 1,
	STORE_DONE = 2,
	STORE_CONSTRAINT = -1, /* unique / foreign key / check violated */
	STORE_BUSY = -2,       /* lock not obtained in time */
	STORE_FULL = -3,       /* disk full */
	STORE_ERROR = -4,      /* anything else */
};

struct store_conn;
struct store_stmt;

struct store_backend {
	const char *name;
	/* Opens a connection; on failure NULL and a reason in err. */
	struct store_conn *(*open)(const char *dsn, bool readonly, char *err, size_t errcap);
	void (*close)(struct store_conn *c);
	/* Brings the schema to the newest version (writer connection only). */
	int (*migrate)(struct store_conn *c, char *err, size_t errcap);
	int (*exec)(struct store_conn *c, enum stmt_id id); /* no parameters, no rows */
	struct store_stmt *(*stmt)(struct store_conn *c, enum stmt_id id);
	void (*bind_int)(struct store_stmt *s, int i, int64_t v);
	void (*bind_text)(struct store_stmt *s, int i, const char *v); /* NULL binds NULL */
	void (*bind_blob)(struct store_stmt *s, int i, const void *v, size_t n);
	void (*bind_null)(struct store_stmt *s, int i);
	void (*bind_real)(struct store_stmt *s, int i, double v);
	int (*step)(struct store_stmt *s);
	void (*reset)(struct store_stmt *s);
	int64_t (*col_int)(struct store_stmt *s, int i);
	double (*col_real)(struct store_stmt *s, int i);
	const char *(*col_text)(struct store_stmt *s, int i); /* valid until next step */
	const void *(*col_blob)(struct store_stmt *s, int i);
	size_t (*col_bytes)(struct store_stmt *s, int i);
	bool (*col_null)(struct store_stmt *s, int i);
	int64_t (*last_id)(struct store_conn *c);
	int (*changes)(struct store_conn *c);
	const char *(*errmsg)(struct store_conn *c);
	/* True while a transaction is open: a backend may roll one back by
	 * itself after an error (SQLite does for some SQLITE_FULL), and the
	 * writer must not then COMMIT the jobs after it as if nothing happened. */
	bool (*in_txn)(struct store_conn *c);
};

extern const struct store_backend store_sqlite;

/* The process-wide backend; set once at start, by store_select. */
extern const struct store_backend *store_be;

/* A postgres:// or postgresql:// URL, or a libpq connection string
 * ("host=… dbname=…"): PostgreSQL (store/pg.c). Anything else is the path
 * of a SQLite database. */
bool store_dsn_is_pg(const char *dsn);
/* Sets store_be for the database dsn names; before any store_open. */
void store_select(const char *dsn);
/* Whether the database dsn exists: the SQLite file, or a PostgreSQL
 * database that holds civicloop's schema (a server that cannot be reached
 * counts as none; opening it then says why). */
bool store_exists(const char *dsn);
/* True on SQLite: the SQLite-only functions below work only then. */
bool store_is_sqlite(void);

/* Makes this process's writer the database's only writer process, for a
 * command that needs every server stopped (files prune, stats --rebuild,
 * routing learn, geo import, import, keys rotate); before store_open.
 * SQLite's writer always is (its lock file). On PostgreSQL every writer
 * process holds one session lock shared, a server beside other servers,
 * and such a command holds it alone: neither starts while the other runs
 * (pg.c "writer processes"). */
void store_writer_alone(void);
bool store_writer_is_alone(void);

struct store_conn *store_open(const char *dsn, bool readonly, char *err, size_t errcap);
void store_close(struct store_conn *c);
int store_migrate(struct store_conn *c, char *err, size_t errcap);
int store_exec(struct store_conn *c, enum stmt_id id);

/* Prepared statement `id`, reset and with bindings cleared. Parameters are
 * 1-based. The statement belongs to the connection: do not free it. NULL if
 * it could not be prepared (out of memory; anything else is a bug, asserted
 * in debug builds): binding to NULL does nothing and stepping it fails with
 * STORE_ERROR, so a caller checks once, at the step. */
struct store_stmt *store_stmt(struct store_conn *c, enum stmt_id id);
static inline void sbind_int(struct store_stmt *s, int i, int64_t v)
{
	if (s)
		store_be->bind_int(s, i, v);
}
static inline void sbind_text(struct store_stmt *s, int i, const char *v)
{
	if (s)
		store_be->bind_text(s, i, v);
}
static inline void sbind_blob(struct store_stmt *s, int i, const void *v, size_t n)
{
	if (s)
		store_be->bind_blob(s, i, v, n);
}
static inline void sbind_null(struct store_stmt *s, int i)
{
	if (s)
		store_be->bind_null(s, i);
}
static inline void sbind_real(struct store_stmt *s, int i, double v)
{
	if (s)
		store_be->bind_real(s, i, v);
}
/* v, or NULL when v is 0 (an unset time or id). */
static inline void sbind_opt_int(struct store_stmt *s, int i, int64_t v)
{
	if (v)
		sbind_int(s, i, v);
	else
		sbind_null(s, i);
}
static inline int sstep(struct store_stmt *s)
{
	return s ? store_be->step(s) : STORE_ERROR;
}
static inline void sreset(struct store_stmt *s)
{
	if (s)
		store_be->reset(s);
}
/* Columns: only after sstep returned STORE_ROW, so s is never NULL here. */
static inline int64_t scol_int(struct store_stmt *s, int i)
{
	return store_be->col_int(s, i);
}
static inline double scol_real(struct store_stmt *s, int i)
{
	return store_be->col_real(s, i);
}
static inline const char *scol_text(struct store_stmt *s, int i)
{
	return store_be->col_text(s, i);
}
static inline const void *scol_blob(struct store_stmt *s, int i)
{
	return store_be->col_blob(s, i);
}
static inline size_t scol_bytes(struct store_stmt *s, int i)
{
	return store_be->col_bytes(s, i);
}
static inline bool scol_null(struct store_stmt *s, int i)
{
	return store_be->col_null(s, i);
}
int64_t store_last_id(struct store_conn *c);
int store_changes(struct store_conn *c);
const char *store_errmsg(struct store_conn *c);
bool store_in_txn(struct store_conn *c);

/* Steps a statement that returns no rows and resets it: STORE_DONE or error. */
int sdone(struct store_stmt *s);

/* SQLite's plan for statement id (EXPLAIN QUERY PLAN): one step per line
 * into out[cap], as "SCAN c USING INDEX cases_map". For tests that check a
 * statement uses its index instead of reading a whole table. 0, or -1. */
int store_query_plan(struct store_conn *c, enum stmt_id id, char *out, size_t cap);

/* A bulk load into the tables (a NULL-terminated list; civicloop gen's
 * clones): store_bulk_drop drops their secondary indexes and triggers,
 * keeping the definitions on the connection, and store_bulk_restore makes
 * them again from those definitions, in their order, after the load (an
 * index built by one sort instead of a B-tree insert per row; no trigger
 * fires for the rows loaded). The caller's transaction, or each its own.
 * 0, or -1. */
int store_bulk_drop(struct store_conn *c, const char *const *tables);
int store_bulk_restore(struct store_conn *c);

/* An online backup of the SQLite database at src into the new file dst: a
 * consistent snapshot taken in one read transaction (a running server keeps
 * writing meanwhile), written to a temporary file in dst's folder (mode
 * 0600), fsynced and then renamed to dst. An existing dst is refused unless
 * overwrite; with overwrite a stale dst-wal / dst-shm is removed first.
 * Fills *pages and *bytes (may be NULL). 0, or -1 with a reason in err.
 * Implemented in sqlite_backup.c (SQLite's online backup API). */
int store_backup(const char *src, const char *dst, bool overwrite, int64_t *pages, int64_t *bytes,
                 char *err, size_t errcap);

#endif
