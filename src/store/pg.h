/*
 * The PostgreSQL backend (pg.c) and the PostgreSQL form of each statement
 * (pg_statements.c). store.h is the interface; this header is for the
 * backend, store.c's selection and the tests that prepare every statement.
 */
#ifndef CIVICLOOP_STORE_PG_H
#define CIVICLOOP_STORE_PG_H

#include <stdbool.h>

#include "store/store.h"

#define PG_PARAMS_MAX 64

extern const struct store_backend store_pg;

/* A statement's PostgreSQL text: its own form where the dialects differ
 * (pg_stmt_*.h), else the SQLite text; either way with each ?N written $N.
 * used[i]: $i+1 appears in the text (PostgreSQL infers its type); an unused
 * number below the highest is declared text. */
struct pg_sql {
	char *sql; /* malloc'd */
	int nparams;
	bool used[PG_PARAMS_MAX];
};
/* 0, or -1 when the statement has no PostgreSQL form (SQLite's own
 * maintenance, like PRAGMAs: a caller on PostgreSQL must not run it), its
 * text is bad (a ?N past PG_PARAMS_MAX) or memory ran out. */
int pg_statement(enum stmt_id id, struct pg_sql *q);
void pg_sql_release(struct pg_sql *q);
/* The statement's name (ST_…), for messages. */
const char *pg_statement_name(enum stmt_id id);
/* True when statement id is SQLite's own, with no PostgreSQL form. */
bool pg_statement_none(enum stmt_id id);

/* 1 when the database dsn holds a civicloop schema, 0 when it does not
 * (a new database, for init/demo/gen), -1 when it cannot be reached. */
int pg_database_used(const char *dsn);

/* Prepares statement id on connection c (a test that every statement
 * prepares against the schema). 0, or -1 with PostgreSQL's reason. */
int pg_prepare_check(struct store_conn *c, enum stmt_id id, char *err, size_t errcap);

#endif
