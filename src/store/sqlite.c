/*
 * The SQLite backend of store.h: WAL journal, synchronous=FULL (a COMMIT is
 * on disk when it returns), foreign keys on, a busy timeout, and every
 * statement of statements.h prepared lazily once per connection.
 * This is the only file that hands SQL text to SQLite (scripts/checksrc).
 */
#include "store/store.h"
#include "store/schema.h"
#include "store/sqlite_fts.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const sqlite_sql[STMT__COUNT] = {
#define STMT(name, sql) sql,
    STATEMENT_LIST(STMT)
#undef STMT
};

struct store_stmt {
	sqlite3_stmt *st;
	struct store_conn *conn;
};

struct store_conn {
	sqlite3 *db;
	int lock_fd; /* the writer's lock on DSN.lock, held while open; -1 for readers */
	struct store_stmt stmts[STMT__COUNT];
	char **bulk_sql; /* store_bulk_drop's definitions, to make again */
	int nbulk;
};

static int sqlite_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return STORE_OK;
	case SQLITE_ROW:
		return STORE_ROW;
	case SQLITE_DONE:
		return STORE_DONE;
	case SQLITE_CONSTRAINT:
		return STORE_CONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_BUSY;
	case SQLITE_FULL:
		return STORE_FULL;
	default:
		return STORE_ERROR;
	}
}

/* Registers the search tokenizer (sqlite_fts.c) with the connection's FTS5,
 * found as SQLite documents: a pointer bound to SELECT fts5(?1). */
static int sqlite_fts(sqlite3 *db, char *err, size_t errcap)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (sqlite_fts_register(api) != SQLITE_OK) {
		snprintf(err, errcap, "SQLite 缺少 FTS5 全文检索模块");
		return -1;
	}
	return 0;
}

static int sqlite_pragmas(sqlite3 *db, bool readonly, char *err, size_t errcap)
{
	/* temp_store=MEMORY: savepoint journals and sorter b-trees stay in RAM
	 * instead of a file in /var/tmp (docs/bench.md, bottleneck 2). */
	const char *sql = readonly ? "PRAGMA foreign_keys=ON; PRAGMA query_only=ON;"
	                             " PRAGMA temp_store=MEMORY;"
	                           : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                             " PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=4000;"
	                             " PRAGMA temp_store=MEMORY;";
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errcap, "数据库设置失败: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * One writer per database: the writer connection holds an exclusive flock on
 * DSN.lock for its lifetime, so a second server (or a CLI command that writes)
 * on the same file is refused at start instead of racing for the chain's
 * sequence numbers. The lock is on a file of its own because SQLite's POSIX
 * locks on the database file would be dropped if this process closed any
 * other descriptor of it. The kernel drops the flock when the process dies,
 * so kill -9 leaves nothing to clean up. Returns the fd, or -1 with err set.
 */
static int sqlite_writer_lock(const char *dsn, char *err, size_t errcap)
{
	char path[1100];
	if ((size_t)snprintf(path, sizeof path, "%s.lock", dsn) >= sizeof path) {
		snprintf(err, errcap, "路径过长");
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errcap, "无法创建锁文件 %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";
		ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errcap,
		         "数据库 %s 正被另一个 civicloop 进程%s%s%s写入；一个 SQLite "
		         "数据库只能有一个写入进程，"
		         "请先停止它",
		         dsn, pid[0] ? "（pid " : "", pid, pid[0] ? "）" : "");
		close(fd);
		return -1;
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* the pid is only for the message above; the lock is what counts */
	}
	return fd;
}

/* Creates a missing database file 0600 before SQLite does: it holds password
 * and session hashes and case text, and SQLite gives the -wal and -shm files
 * the database file's mode. */
static int sqlite_create_private(const char *dsn, char *err, size_t errcap)
{
	int fd = open(dsn, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		return close(fd);
	if (errno == EEXIST)
		return 0;
	snprintf(err, errcap, "无法创建数据库 %s: %s", dsn, strerror(errno));
	return -1;
}

/* Once, before the first connection: no memory statistics. With them
 * (SQLite's default) every allocation of every connection takes one
 * process-wide mutex; under 64 clients it was a fifth of the server's
 * time, waiting on it (docs/bench.md "Writer"). */
static pthread_once_t sqlite_configured = PTHREAD_ONCE_INIT;

static void sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static struct store_conn *sqlite_open(const char *dsn, bool readonly, char *err, size_t errcap)
{
	struct store_conn *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errcap, "内存不足");
		return NULL;
	}
	c->lock_fd = -1;
	if (!readonly && strcmp(dsn, ":memory:") != 0) {
		c->lock_fd = sqlite_writer_lock(dsn, err, errcap);
		if (c->lock_fd < 0 || sqlite_create_private(dsn, err, errcap) != 0) {
			if (c->lock_fd >= 0)
				close(c->lock_fd);
			free(c);
			return NULL;
		}
	}
	pthread_once(&sqlite_configured, sqlite_configure);
	int flags =
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (readonly ? 0 : SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(dsn, &c->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errcap, "无法打开数据库 %s: %s", dsn,
		         c->db ? sqlite3_errmsg(c->db) : "内存不足");
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 5000);
	sqlite3_extended_result_codes(c->db, 1);
	if (sqlite_pragmas(c->db, readonly, err, errcap) != 0 ||
	    sqlite_fts(c->db, err, errcap) != 0)
		goto fail;
	return c;
fail:
	sqlite3_close(c->db);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c);
	return NULL;
}

static void bulk_forget(struct store_conn *c)
{
	for (int i = 0; i < c->nbulk; i++)
		sqlite3_free(c->bulk_sql[i]);
	free(c->bulk_sql);
	c->bulk_sql = NULL;
	c->nbulk = 0;
}

static void sqlite_close(struct store_conn *c)
{
	bulk_forget(c);
	for (int i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(c->stmts[i].st);
	sqlite3_close(c->db);
	if (c->lock_fd >= 0)
		close(c->lock_fd); /* releases the writer lock */
	free(c);
}

static int sqlite_user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int count_rows(void *arg, int ncol, char **vals, char **names)
{
	(*(int *)arg)++;
	return 0;
}

/* Applies each missing migration in its own transaction, recording the new
 * version (PRAGMA user_version) in the same transaction. Foreign keys are
 * off while a migration runs (a table rebuild drops and renames tables, which
 * SQLite's documented procedure does with them off) and the whole database
 * is checked with PRAGMA foreign_key_check before the migration commits. */
static int sqlite_migrate(struct store_conn *c, char *err, size_t errcap)
{
	int have = sqlite_user_version(c->db);
	if (have < 0) {
		snprintf(err, errcap, "无法读取数据库版本: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	if (have > SCHEMA_VERSION) {
		snprintf(err, errcap, "数据库版本 %d 比程序支持的 %d 新，请升级程序", have,
		         SCHEMA_VERSION);
		return -1;
	}
	if (have == SCHEMA_VERSION)
		return 0;
	int rc = 0;
	sqlite3_exec(c->db, "PRAGMA foreign_keys=OFF;", NULL, NULL, NULL);
	for (int v = have + 1; v <= SCHEMA_VERSION && rc == 0; v++) {
		char setv[64];
		snprintf(setv, sizeof setv, "PRAGMA user_version=%d;", v);
		char *msg = NULL;
		int broken = 0;
		if (sqlite3_exec(c->db, "BEGIN IMMEDIATE;", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(c->db, schema_migrations[v - 1], NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(c->db, "PRAGMA foreign_key_check;", count_rows, &broken, &msg) !=
		        SQLITE_OK ||
		    broken || sqlite3_exec(c->db, setv, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(c->db, "COMMIT;", NULL, NULL, &msg) != SQLITE_OK) {
			if (broken)
				snprintf(err, errcap, "数据库迁移 %d 失败: %d 行外键不一致", v,
				         broken);
			else
				snprintf(err, errcap, "数据库迁移 %d 失败: %s", v, msg ? msg : "?");
			sqlite3_free(msg);
			sqlite3_exec(c->db, "ROLLBACK;", NULL, NULL, NULL);
			rc = -1;
		}
	}
	sqlite3_exec(c->db, "PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
	return rc;
}

static struct store_stmt *sqlite_stmt(struct store_conn *c, enum stmt_id id)
{
	struct store_stmt *s = &c->stmts[id];
	if (!s->st) {
		int rc = sqlite3_prepare_v3(c->db, sqlite_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		                            &s->st, NULL);
		if (rc != SQLITE_OK) {
			/* A statement that does not prepare against our own schema is
			 * a bug; report it loudly and let the caller's step fail. */
			fprintf(stderr, "civicloop: statement %d does not prepare: %s\n", (int)id,
			        sqlite3_errmsg(c->db));
			(void)NEVER(rc != SQLITE_NOMEM && rc != SQLITE_BUSY && rc != SQLITE_LOCKED);
			return NULL;
		}
		s->conn = c;
	} else {
		sqlite3_reset(s->st);
		sqlite3_clear_bindings(s->st);
	}
	return s;
}

/* store.h: EXPLAIN QUERY PLAN of statement id, its steps one per line. */
int store_query_plan(struct store_conn *c, enum stmt_id id, char *out, size_t cap)
{
	if (!store_is_sqlite())
		return -1;
	size_t len = strlen(sqlite_sql[id]) + sizeof "EXPLAIN QUERY PLAN ";
	char *sql = cap ? malloc(len) : NULL;
	if (!sql)
		return -1;
	snprintf(sql, len, "EXPLAIN QUERY PLAN %s", sqlite_sql[id]);
	sqlite3_stmt *st;
	int prc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	free(sql);
	if (prc != SQLITE_OK)
		return -1;
	size_t k = 0;
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		int n = snprintf(out + k, cap - k, "%s\n", detail ? detail : "");
		if (n < 0 || (size_t)n >= cap - k)
			break;
		k += (size_t)n;
	}
	sqlite3_finalize(st);
	return 0;
}

/* store.h: the secondary indexes and triggers of the tables (SQLite's
 * own constraint indexes stay: they have no definition), their
 * definitions kept in creation order, then dropped. */
int store_bulk_drop(struct store_conn *c, const char *const *tables)
{
	if (!store_is_sqlite())
		return -1;
	sqlite3_stmt *st = NULL;
	char **drops = NULL;
	int ndrops = 0;
	int rc = sqlite3_prepare_v2(c->db,
	                            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ?1"
	                            " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
	                            " ORDER BY rowid",
	                            -1, &st, NULL);
	for (int t = 0; rc == SQLITE_OK && tables[t]; t++) {
		sqlite3_bind_text(st, 1, tables[t], -1, SQLITE_STATIC);
		while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
			bool index = !strcmp((const char *)sqlite3_column_text(st, 0), "index");
			char **d = realloc(drops, (size_t)(ndrops + 1) * sizeof *d);
			char **k = realloc(c->bulk_sql, (size_t)(c->nbulk + 1) * sizeof *k);
			drops = d ? d : drops;
			c->bulk_sql = k ? k : c->bulk_sql;
			char *drop = sqlite3_mprintf("DROP %s \"%w\"", index ? "INDEX" : "TRIGGER",
			                             (const char *)sqlite3_column_text(st, 1));
			char *def = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 2));
			if (!d || !k || !drop || !def) {
				sqlite3_free(drop);
				sqlite3_free(def);
				rc = SQLITE_NOMEM;
				break;
			}
			drops[ndrops++] = drop;
			c->bulk_sql[c->nbulk++] = def;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	for (int i = 0; i < ndrops; i++) {
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(c->db, drops[i], NULL, NULL, NULL);
		sqlite3_free(drops[i]);
	}
	free(drops);
	return rc == SQLITE_OK ? 0 : -1;
}

/* store.h: makes what store_bulk_drop dropped, in its order. */
int store_bulk_restore(struct store_conn *c)
{
	if (!store_is_sqlite())
		return -1;
	int rc = SQLITE_OK;
	for (int i = 0; i < c->nbulk && rc == SQLITE_OK; i++)
		rc = sqlite3_exec(c->db, c->bulk_sql[i], NULL, NULL, NULL);
	bulk_forget(c);
	return rc == SQLITE_OK ? 0 : -1;
}

static int sqlite_exec(struct store_conn *c, enum stmt_id id)
{
	struct store_stmt *s = sqlite_stmt(c, id);
	if (!s)
		return STORE_ERROR;
	int rc = sqlite_rc(sqlite3_step(s->st));
	sqlite3_reset(s->st);
	return rc == STORE_DONE || rc == STORE_ROW ? STORE_OK : rc;
}

static void sqlite_bind_int(struct store_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(s->st, i, v);
}

static void sqlite_bind_text(struct store_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s->st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s->st, i);
}

static void sqlite_bind_blob(struct store_stmt *s, int i, const void *v, size_t n)
{
	if (v)
		sqlite3_bind_blob64(s->st, i, v, n, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s->st, i);
}

static void sqlite_bind_real(struct store_stmt *s, int i, double v)
{
	sqlite3_bind_double(s->st, i, v);
}

static void sqlite_bind_null(struct store_stmt *s, int i)
{
	sqlite3_bind_null(s->st, i);
}

static int sqlite_step(struct store_stmt *s)
{
	if (!s)
		return STORE_ERROR;
	return sqlite_rc(sqlite3_step(s->st));
}

static void sqlite_reset(struct store_stmt *s)
{
	if (s)
		sqlite3_reset(s->st);
}

static int64_t sqlite_col_int(struct store_stmt *s, int i)
{
	return sqlite3_column_int64(s->st, i);
}

static double sqlite_col_real(struct store_stmt *s, int i)
{
	return sqlite3_column_double(s->st, i);
}

static const char *sqlite_col_text(struct store_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s->st, i);
}

static const void *sqlite_col_blob(struct store_stmt *s, int i)
{
	return sqlite3_column_blob(s->st, i);
}

static size_t sqlite_col_bytes(struct store_stmt *s, int i)
{
	return (size_t)sqlite3_column_bytes(s->st, i);
}

static bool sqlite_col_null(struct store_stmt *s, int i)
{
	return sqlite3_column_type(s->st, i) == SQLITE_NULL;
}

static int64_t sqlite_last_id(struct store_conn *c)
{
	return sqlite3_last_insert_rowid(c->db);
}

static int sqlite_changes(struct store_conn *c)
{
	return sqlite3_changes(c->db);
}

static const char *sqlite_errmsg(struct store_conn *c)
{
	return sqlite3_errmsg(c->db);
}

static bool sqlite_in_txn(struct store_conn *c)
{
	return !sqlite3_get_autocommit(c->db);
}

const struct store_backend store_sqlite = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .migrate = sqlite_migrate,
    .exec = sqlite_exec,
    .stmt = sqlite_stmt,
    .bind_int = sqlite_bind_int,
    .bind_text = sqlite_bind_text,
    .bind_blob = sqlite_bind_blob,
    .bind_null = sqlite_bind_null,
    .bind_real = sqlite_bind_real,
    .step = sqlite_step,
    .reset = sqlite_reset,
    .col_int = sqlite_col_int,
    .col_real = sqlite_col_real,
    .col_text = sqlite_col_text,
    .col_blob = sqlite_col_blob,
    .col_bytes = sqlite_col_bytes,
    .col_null = sqlite_col_null,
    .last_id = sqlite_last_id,
    .changes = sqlite_changes,
    .errmsg = sqlite_errmsg,
    .in_txn = sqlite_in_txn,
};
