/*
 * The PostgreSQL backend of store.h (libpq), selected by a --db that is a
 * postgres:// URL or a libpq connection string (store_select). Each
 * statement of statements.h is prepared once per connection, as named
 * statement "s<id>", from its PostgreSQL form (pg_statements.c: the SQLite
 * text with ?N written $N, or its own text where the dialects differ).
 * Parameters go as text (blobs as binary bytea) and results come back as
 * text, which col_int and col_real read like SQLite's conversions do
 * (booleans "t"/"f" are 1/0). A step runs the statement at its first call
 * and then walks the rows of its result.
 *
 * A transaction is the writer's (BEGIN … COMMIT with a SAVEPOINT per job,
 * like SQLite's) or a reader's (REPEATABLE READ, READ ONLY: one snapshot,
 * what SQLite's read transaction gives). Errors map by SQLSTATE: 23xxx a
 * constraint, 40001/40P01/55P03 busy (try again), 53100 disk full.
 *
 * This is the only file that hands SQL text to libpq (scripts/checksrc).
 */
#include "store/pg.h"
#include "store/pg_schema.h"
#include "store/schema.h"
#include "store/store.h"
#include "util/error.h"
#include "util/utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_OID_TEXT 25
/* A parameter PostgreSQL types from its context, as text when the context
 * does not say (`$1 IS NULL`), like psql's PREPARE with unknown. */
#define PG_OID_UNKNOWN 705
#define PG_OID_BYTEA 17

#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)
#ifndef PG_SCHEMA_MIGRATIONS
#define PG_SCHEMA_MIGRATIONS(X)
#endif
#define PG_MIGRATION(sql) sql,
static const char *const pg_schema_migrations[] = {PG_SCHEMA_MIGRATIONS(PG_MIGRATION) NULL};
#define PG_SCHEMA_VERSION \
	(PG_SCHEMA_BASE + (int)(sizeof pg_schema_migrations / sizeof *pg_schema_migrations) - 1)
_Static_assert(PG_SCHEMA_VERSION == SCHEMA_VERSION,
               "a migration of schema.h needs its PostgreSQL form in pg_schema.h");

struct store_stmt {
	struct store_conn *conn;
	enum stmt_id id;
	bool prepared;
	bool none; /* no PostgreSQL form: every step fails */
	int nparams;
	char *val[PG_PARAMS_MAX]; /* owned; NULL binds NULL */
	int len[PG_PARAMS_MAX];
	int fmt[PG_PARAMS_MAX];
	PGresult *res;
	int row, nrows;
	bool ran;
	/* col_blob's decoded bytea of the current row, a slot a column: valid
	 * until the next step or reset, as SQLite's column pointers are */
	struct pg_blob {
		unsigned char *p;
		size_t n;
		bool pq; /* PQunescapeBytea's: PQfreemem, else free */
	} * blobs;
	int nblobs, blob_row;
};

struct store_conn {
	PGconn *pg;
	bool readonly;
	bool txn;   /* a BEGIN ran, and no COMMIT or ROLLBACK since */
	bool lost;  /* the session holding that transaction went away */
	bool setup; /* the session's settings and lock are in place */
	int changes;
	char err[512];
	struct store_stmt stmts[STMT__COUNT];
};

/* Sets the connection's error text from a result (or the connection). */
static void pg_set_err(struct store_conn *c, const PGresult *res)
{
	const char *m = res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg);
	snprintf(c->err, sizeof c->err, "%s", m && *m ? m : "PostgreSQL error");
	size_t n = strlen(c->err);
	while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
		c->err[--n] = 0;
}

static int pg_rc(const PGresult *res)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!st)
		return STORE_ERROR;
	if (!strncmp(st, "23", 2))
		return STORE_CONSTRAINT;
	if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03") ||
	    !strcmp(st, "57014"))
		return STORE_BUSY;
	if (!strcmp(st, "53100"))
		return STORE_FULL;
	return STORE_ERROR;
}

/* Runs fixed SQL of this file (no parameters) and checks its status. */
static int pg_run(struct store_conn *c, const char *sql)
{
	PGresult *res = PQexec(c->pg, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
	if (rc)
		pg_set_err(c, res);
	PQclear(res);
	return rc;
}

/* CIVICLOOP_PG_TRACE=1: every failed statement on stderr (a constraint
 * that the caller expects, like a repeated idempotency key, included). */
static bool pg_trace;

static void pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg; /* NOTICEs (an IF NOT EXISTS that skipped) are not errors */
}

/* A session's settings, at the start and again after a reset: UTC, UTF-8,
 * a lock waited for at most 5 s (SQLite's busy timeout); a reader's
 * transactions cannot write. */
#define PG_SETUP_WRITER \
	"SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET lock_timeout = '5s';"
#define PG_SETUP_READER PG_SETUP_WRITER " SET default_transaction_read_only = on;"

/*
 * The writer processes of one database: each writer connection holds the
 * session lock PG_WRITERS_KEY shared (several servers, a CLI command that
 * writes through its writer's turns), or alone when the process is a
 * maintenance command (store_writer_alone): so such a command does not
 * start while a server runs, nor a server while it runs, as SQLite's lock
 * file keeps one writer process (e.g. files prune would otherwise remove
 * the file of an upload a server is about to commit). The lock goes with
 * the session: a reconnect takes it again, or its statements fail.
 */
#define PG_WRITERS_KEY "4242003"

static int pg_writers_lock(struct store_conn *c)
{
	bool alone = store_writer_is_alone();
	PGresult *res =
	    PQexec(c->pg, alone ? "SELECT pg_try_advisory_lock(" PG_WRITERS_KEY ")"
	                        : "SELECT pg_try_advisory_lock_shared(" PG_WRITERS_KEY ")");
	int rc = -1;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		pg_set_err(c, res);
	else if (!strcmp(PQgetvalue(res, 0, 0), "t"))
		rc = 0;
	else if (alone)
		snprintf(c->err, sizeof c->err,
		         "数据库正被另一个 civicloop 进程（服务或写入命令）使用；"
		         "此命令需要独占数据库，请先停止它们");
	else
		snprintf(c->err, sizeof c->err,
		         "数据库正被另一个 civicloop 进程独占维护（如 files prune、"
		         "stats --rebuild）；请等它结束");
	PQclear(res);
	return rc;
}

/* The session's settings (and a writer's lock): at the start, and again
 * before the first statement after a reset. */
static int pg_session_setup(struct store_conn *c)
{
	if (pg_run(c, c->readonly ? PG_SETUP_READER : PG_SETUP_WRITER) != 0) {
		char why[sizeof c->err], cut[401];
		memcpy(why, c->err, sizeof why);
		snprintf(c->err, sizeof c->err, "无法设置数据库连接: %s",
		         utf8_clip(why, sizeof cut - 1, cut, sizeof cut));
		return -1;
	}
	if (!c->readonly && pg_writers_lock(c) != 0)
		return -1;
	c->setup = true;
	return 0;
}

static struct store_conn *pg_open(const char *dsn, bool readonly, char *err, size_t errcap)
{
	struct store_conn *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errcap, "内存不足");
		return NULL;
	}
	c->readonly = readonly;
	const char *trace = getenv("CIVICLOOP_PG_TRACE");
	pg_trace = trace && !strcmp(trace, "1");
	c->pg = PQconnectdb(dsn);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		snprintf(err, errcap, "无法连接数据库: %s",
		         c->pg ? PQerrorMessage(c->pg) : "内存不足");
		size_t n = strlen(err);
		while (n && err[n - 1] == '\n')
			err[--n] = 0;
		PQfinish(c->pg);
		free(c);
		return NULL;
	}
	PQsetNoticeProcessor(c->pg, pg_notice, NULL);
	if (pg_session_setup(c) != 0) {
		snprintf(err, errcap, "%s", c->err);
		PQfinish(c->pg);
		free(c);
		return NULL;
	}
	for (int i = 0; i < STMT__COUNT; i++) {
		c->stmts[i].conn = c;
		c->stmts[i].id = (enum stmt_id)i;
	}
	return c;
}

static void blobs_clear(struct store_stmt *s)
{
	for (int i = 0; i < s->nblobs; i++) {
		if (s->blobs[i].pq)
			PQfreemem(s->blobs[i].p);
		else
			free(s->blobs[i].p);
	}
	free(s->blobs);
	s->blobs = NULL;
	s->nblobs = 0;
	s->blob_row = -1;
}

static void stmt_clear_result(struct store_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->ran = false;
	s->row = -1;
	s->nrows = 0;
	blobs_clear(s);
}

static void stmt_clear_binds(struct store_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		free(s->val[i]);
		s->val[i] = NULL;
		s->len[i] = 0;
		s->fmt[i] = 0;
	}
}

static void pg_close(struct store_conn *c)
{
	for (int i = 0; i < STMT__COUNT; i++) {
		stmt_clear_result(&c->stmts[i]);
		stmt_clear_binds(&c->stmts[i]);
	}
	PQfinish(c->pg);
	free(c);
}

/* The version table: one row, the schema version applied. */
static int pg_version(struct store_conn *c)
{
	if (pg_run(c, "CREATE TABLE IF NOT EXISTS civicloop_schema(version integer NOT NULL)") != 0)
		return -1;
	PGresult *res = PQexec(c->pg, "SELECT max(version) FROM civicloop_schema");
	int v = -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = PQgetisnull(res, 0, 0) ? 0 : (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	else
		pg_set_err(c, res);
	PQclear(res);
	return v;
}

/* Creates the schema at PG_SCHEMA_BASE on an empty database and applies the
 * migrations after it, each in its own transaction with its version. Several
 * servers starting at once wait for one another on an advisory lock held by
 * the migrating transaction. */
static int pg_migrate(struct store_conn *c, char *err, size_t errcap)
{
	if (pg_run(c, "BEGIN") != 0 || pg_run(c, "SELECT pg_advisory_xact_lock(4242001)") != 0)
		goto fail;
	int have = pg_version(c);
	if (have < 0)
		goto fail;
	if (have > PG_SCHEMA_VERSION) {
		pg_run(c, "ROLLBACK");
		snprintf(err, errcap, "数据库版本 %d 比程序支持的 %d 新，请升级程序", have,
		         PG_SCHEMA_VERSION);
		return -1;
	}
	if (have == 0) {
		if (pg_run(c, pg_schema_baseline) != 0 ||
		    pg_run(c, "INSERT INTO civicloop_schema VALUES(" PG_STR(PG_SCHEMA_BASE) ")") !=
		        0)
			goto fail;
		have = PG_SCHEMA_BASE;
	} else if (have < PG_SCHEMA_BASE) {
		pg_run(c, "ROLLBACK");
		snprintf(err, errcap, "数据库版本 %d 不可识别", have);
		return -1;
	}
	for (int v = have + 1; v <= PG_SCHEMA_VERSION; v++) {
		char setv[64];
		snprintf(setv, sizeof setv, "UPDATE civicloop_schema SET version = %d", v);
		if (pg_run(c, pg_schema_migrations[v - PG_SCHEMA_BASE - 1]) != 0 ||
		    pg_run(c, setv) != 0)
			goto fail;
	}
	if (pg_run(c, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errcap, "数据库迁移失败: %s", c->err);
	pg_run(c, "ROLLBACK");
	return -1;
}

static struct store_stmt *pg_stmt(struct store_conn *c, enum stmt_id id)
{
	struct store_stmt *s = &c->stmts[id];
	stmt_clear_result(s);
	stmt_clear_binds(s);
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		/* The server went away (a restart, a failover): a new session
		 * has none of the old one's prepared statements. A transaction
		 * of the old one is gone with it: until ROLLBACK or the next
		 * BEGIN, no statement runs, or it would commit on its own in
		 * the new session (after the batch's first part was lost). */
		c->lost = c->lost || c->txn;
		c->txn = false;
		PQreset(c->pg);
		if (PQstatus(c->pg) != CONNECTION_OK) {
			pg_set_err(c, NULL);
			return NULL;
		}
		for (int i = 0; i < STMT__COUNT; i++)
			c->stmts[i].prepared = false;
		c->setup = false;
	}
	if (!c->setup && pg_session_setup(c) != 0)
		return NULL;
	if (c->lost) {
		/* ROLLBACK and BEGIN run; COMMIT fails, and like them ends it */
		bool ends = id == ST_ROLLBACK || id == ST_BEGIN || id == ST_BEGIN_READ;
		if (!ends) {
			snprintf(c->err, sizeof c->err, "%s: 数据库连接已重建，原事务已丢失",
			         pg_statement_name(id));
			c->lost = id != ST_COMMIT;
			return NULL;
		}
		c->lost = false;
	}
	if (s->prepared)
		return s;
	struct pg_sql q;
	if (pg_statement(id, &q) != 0) {
		snprintf(c->err, sizeof c->err, "%s has no PostgreSQL form", pg_statement_name(id));
		return NULL;
	}
	char name[16];
	snprintf(name, sizeof name, "s%d", (int)id);
	Oid types[PG_PARAMS_MAX];
	for (int i = 0; i < q.nparams; i++)
		types[i] = q.used[i] ? PG_OID_UNKNOWN : PG_OID_TEXT; /* an unused number is text */
	PGresult *res = PQprepare(c->pg, name, q.sql, q.nparams, types);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok) {
		pg_set_err(c, res);
		fprintf(stderr, "civicloop: %s does not prepare on PostgreSQL: %s\n",
		        pg_statement_name(id), c->err);
	}
	PQclear(res);
	if (!ok) {
		pg_sql_release(&q);
		return NULL;
	}
	s->nparams = q.nparams;
	s->prepared = true;
	pg_sql_release(&q);
	return s;
}

int pg_database_used(const char *dsn)
{
	PGconn *pg = PQconnectdb(dsn);
	int rc = -1;
	if (pg && PQstatus(pg) == CONNECTION_OK) {
		PGresult *res = PQexec(pg, "SELECT to_regclass('civicloop_schema') IS NOT NULL");
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
			rc = !strcmp(PQgetvalue(res, 0, 0), "t");
		PQclear(res);
	}
	PQfinish(pg);
	return rc;
}

int pg_prepare_check(struct store_conn *c, enum stmt_id id, char *err, size_t errcap)
{
	struct store_stmt *s = pg_stmt(c, id);
	if (!s) {
		snprintf(err, errcap, "%s", c->err);
		return -1;
	}
	return 0;
}

static void bind_own(struct store_stmt *s, int i, char *v, int len, int fmt)
{
	if (i < 1 || i > s->nparams) {
		free(v);
		return;
	}
	free(s->val[i - 1]);
	s->val[i - 1] = v;
	s->len[i - 1] = len;
	s->fmt[i - 1] = fmt;
}

static void pg_bind_int(struct store_stmt *s, int i, int64_t v)
{
	char *t = malloc(24);
	if (t)
		snprintf(t, 24, "%" PRId64, v);
	bind_own(s, i, t, 0, 0);
}

static void pg_bind_text(struct store_stmt *s, int i, const char *v)
{
	bind_own(s, i, v ? strdup(v) : NULL, 0, 0);
}

static void pg_bind_blob(struct store_stmt *s, int i, const void *v, size_t n)
{
	char *t = malloc(n ? n : 1);
	if (t && n)
		memcpy(t, v, n);
	bind_own(s, i, t, (int)n, 1);
}

static void pg_bind_null(struct store_stmt *s, int i)
{
	bind_own(s, i, NULL, 0, 0);
}

static void pg_bind_real(struct store_stmt *s, int i, double v)
{
	char *t = malloc(32);
	if (t)
		snprintf(t, 32, "%.17g", v);
	bind_own(s, i, t, 0, 0);
}

static int pg_exec_stmt(struct store_stmt *s)
{
	struct store_conn *c = s->conn;
	char name[16];
	snprintf(name, sizeof name, "s%d", (int)s->id);
	s->res =
	    PQexecPrepared(c->pg, name, s->nparams, (const char *const *)s->val, s->len, s->fmt, 0);
	s->ran = true;
	if (s->id == ST_BEGIN || s->id == ST_BEGIN_READ)
		c->txn = PQresultStatus(s->res) == PGRES_COMMAND_OK;
	else if (s->id == ST_COMMIT || s->id == ST_ROLLBACK)
		c->txn = false;
	switch (PQresultStatus(s->res)) {
	case PGRES_COMMAND_OK:
		/* COMMIT of a transaction an error aborted answers ROLLBACK */
		if (s->id == ST_COMMIT && strcmp(PQcmdStatus(s->res), "COMMIT") != 0) {
			snprintf(c->err, sizeof c->err, "事务因先前的错误已回滚");
			PQclear(s->res);
			s->res = NULL;
			return STORE_ERROR;
		}
		c->changes = (int)strtol(PQcmdTuples(s->res), NULL, 10);
		return STORE_DONE;
	case PGRES_TUPLES_OK:
		s->nrows = PQntuples(s->res);
		s->row = -1;
		c->changes = (int)strtol(PQcmdTuples(s->res), NULL, 10);
		return STORE_ROW;
	default: {
		pg_set_err(c, s->res);
		/* the statement's name first, for the log */
		const char *sn = pg_statement_name(s->id);
		size_t nl = strlen(sn) + 2;
		if (nl < sizeof c->err) {
			memmove(c->err + nl, c->err, sizeof c->err - nl);
			c->err[sizeof c->err - 1] = 0;
			memcpy(c->err, sn, nl - 2);
			memcpy(c->err + nl - 2, ": ", 2);
		}
		if (pg_trace)
			fprintf(stderr, "civicloop: [pg] %s\n", c->err);
		int rc = pg_rc(s->res);
		PQclear(s->res);
		s->res = NULL;
		return rc;
	}
	}
}

static int pg_step(struct store_stmt *s)
{
	if (!s->ran) {
		int rc = pg_exec_stmt(s);
		if (rc != STORE_ROW)
			return rc;
	}
	if (!s->res)
		return STORE_DONE;
	if (s->row + 1 >= s->nrows) {
		s->row = s->nrows;
		return STORE_DONE;
	}
	s->row++;
	return STORE_ROW;
}

static void pg_reset(struct store_stmt *s)
{
	stmt_clear_result(s);
}

static const char *cell(struct store_stmt *s, int i)
{
	if (!s->res || s->row < 0 || s->row >= s->nrows || i < 0 || i >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, i))
		return NULL;
	return PQgetvalue(s->res, s->row, i);
}

static int64_t pg_col_int(struct store_stmt *s, int i)
{
	const char *v = cell(s, i);
	if (!v)
		return 0;
	if (v[0] == 't' && !v[1])
		return 1;
	if (v[0] == 'f' && !v[1])
		return 0;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E')
		return (int64_t)strtod(v, NULL); /* a numeric: truncated, as SQLite does */
	return (int64_t)n;
}

static double pg_col_real(struct store_stmt *s, int i)
{
	const char *v = cell(s, i);
	return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_col_text(struct store_stmt *s, int i)
{
	return cell(s, i);
}

/* Column i of the current row as bytes: a bytea decoded (text results
 * carry it as \x hex), else the text itself; kept until the next row. */
static struct pg_blob *decode_blob(struct store_stmt *s, int i)
{
	const char *v = cell(s, i);
	if (!v)
		return NULL;
	if (s->blob_row != s->row) {
		blobs_clear(s);
		int n = PQnfields(s->res);
		s->blobs = calloc((size_t)n, sizeof *s->blobs);
		if (!s->blobs)
			return NULL;
		s->nblobs = n;
		s->blob_row = s->row;
	}
	struct pg_blob *b = &s->blobs[i];
	if (b->p)
		return b;
	if (PQftype(s->res, i) == PG_OID_BYTEA) {
		b->p = PQunescapeBytea((const unsigned char *)v, &b->n);
		b->pq = true;
	} else {
		size_t n = (size_t)PQgetlength(s->res, s->row, i);
		b->p = malloc(n + 1);
		if (b->p) {
			memcpy(b->p, v, n + 1);
			b->n = n;
		}
	}
	return b->p ? b : NULL;
}

static const void *pg_col_blob(struct store_stmt *s, int i)
{
	struct pg_blob *b = decode_blob(s, i);
	return b ? b->p : NULL;
}

static size_t pg_col_bytes(struct store_stmt *s, int i)
{
	struct pg_blob *b = decode_blob(s, i);
	return b ? b->n : 0;
}

static bool pg_col_null(struct store_stmt *s, int i)
{
	return cell(s, i) == NULL;
}

/* The id the last INSERT's identity column took in this session. */
static int64_t pg_last_id(struct store_conn *c)
{
	struct store_stmt *s = pg_stmt(c, ST_PG_LASTVAL);
	int64_t id = 0;
	if (s && pg_step(s) == STORE_ROW)
		id = pg_col_int(s, 0);
	if (s)
		stmt_clear_result(s);
	return id;
}

static int pg_changes(struct store_conn *c)
{
	return c->changes;
}

static const char *pg_errmsg(struct store_conn *c)
{
	return c->err;
}

/* A transaction an error aborted (outside a savepoint rolled back to) can
 * only end in ROLLBACK: it is rolled back here and reported closed, as
 * SQLite reports one it rolled back by itself, so the writer answers its
 * batch 503 instead of committing a part of it. */
static bool pg_in_txn(struct store_conn *c)
{
	if (c->lost)
		return false;
	PGTransactionStatusType t = PQtransactionStatus(c->pg);
	if (t == PQTRANS_INERROR) {
		PQclear(PQexec(c->pg, "ROLLBACK"));
		c->txn = false;
		return false;
	}
	return t == PQTRANS_INTRANS || t == PQTRANS_ACTIVE;
}

static int pg_exec(struct store_conn *c, enum stmt_id id)
{
	struct store_stmt *s = pg_stmt(c, id);
	if (!s)
		return STORE_ERROR;
	int rc = pg_step(s);
	stmt_clear_result(s);
	return rc == STORE_ROW || rc == STORE_DONE ? STORE_OK : rc;
}

const struct store_backend store_pg = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .migrate = pg_migrate,
    .exec = pg_exec,
    .stmt = pg_stmt,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .bind_real = pg_bind_real,
    .step = pg_step,
    .reset = pg_reset,
    .col_int = pg_col_int,
    .col_real = pg_col_real,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .col_bytes = pg_col_bytes,
    .col_null = pg_col_null,
    .last_id = pg_last_id,
    .changes = pg_changes,
    .errmsg = pg_errmsg,
    .in_txn = pg_in_txn,
};
