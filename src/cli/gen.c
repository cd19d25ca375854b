/*
 * `civicloop gen --db FILE --cases N [--seed S] [--days D] [--force]`: a
 * realistic database for benchmarks and trials (issue 16, docs/bench.md
 * "Generated databases"). It is the demo county (demo.c: the same orgs,
 * accounts and password) grown to a real county's size (gen_county.c),
 * then N cases over the last D days: up to 4,000 driven through the engine
 * (gen_cases.c) in large writer jobs, the rest cloned from those on the
 * bulk load's own connection (gen_clone.c), then derived_rebuild() once. The
 * database is at the latest schema and in WAL mode like a served one;
 * the audit chain is the writer's, checkpoints signed. The same seed gives
 * the same county and the same cases (their times count back from now).
 */
#include "cli/cli.h"
#include "cli/gen.h"
#include "core/app.h"
#include "core/derived.h"
#include "core/scheduler.h"
#include "core/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/files.h"
#include "util/timeutil.h"

#define GEN_MAX_CASES 20000000LL
#define GEN_CHUNK 2000        /* cases a writer job (one transaction) */
#define GEN_CLONE_CHUNK 10000 /* clones a transaction of the bulk path */
#define GEN_POOL 4000         /* seed cases made through the engine, at most */
#define GEN_PROGRESS_MS 3000

static void gen_usage(void)
{
	puts("civicloop gen --db FILE --cases N [--seed S] [--days D] [--force]\n"
	     "Creates a new database: the demo county (same orgs, accounts and password\n"
	     "Demo#2024) grown to 20 townships, 300 villages, 2,000 grids and 40\n"
	     "departments, with N cases (1–20,000,000) of every matter type over the\n"
	     "last D days (default 365): up to 4,000 driven through the engine (events,\n"
	     "audit chain, deadlines and search index as live use writes them), the rest\n"
	     "cloned from those in bulk (docs/gen.md). --seed S\n"
	     "(default 1): the same seed, the same county and cases. --force replaces\n"
	     "an existing FILE. Progress goes to stderr.");
}

static int parse_ll(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || errno || *end || end == s || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Removes the database with its key, its files' directory marker and
 * SQLite's side files (a replaced or half-built database). */
static void gen_discard(const char *db)
{
	static const char *const suffixes[] = {"",         ".key",     "-wal",         "-shm",
	                                       "-journal", "-genside", "-genside.lock"};
	char path[1100];
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		snprintf(path, sizeof path, "%s%s", db, suffixes[i]);
		unlink(path);
	}
}

/* CPU time, ms, of the process (every thread) or of the calling thread:
 * on a shared machine the phases' wall times say little alone. */
static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t cpu_ms(void)
{
	return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static int rebuild_job(struct wctx *w, struct write_job *job)
{
	char *err = job->arg;
	return derived_rebuild(w->conn, w->app, err, 256);
}

/* The pool's timers the scheduler would have acted on before the end: a
 * warning at its warning time, the deadline passed at its deadline, with
 * what the scheduler does then (an overdue event, the type's automatic
 * 催办 and its notice, a dispute climbing a level and its new deadlines),
 * by the scheduler itself at each of those moments in turn (the clock
 * set to it), so that a server started on the database finds none due
 * (docs/gen.md "Timers"). *fired: the timers fired or warned. 0, or -1. */
static int gen_fire_due(struct app *app, int64_t end, int64_t *fired)
{
	char err[256];
	struct store_conn *rd = store_open(app->db_path, true, err, sizeof err);
	if (!rd) {
		fprintf(stderr, "civicloop gen: %s\n", err);
		return -1;
	}
	int rc = 0;
	*fired = 0;
	for (;;) {
		struct store_stmt *s = store_stmt(rd, ST_GEN_TIMER_NEXT);
		int step = sstep(s);
		bool has = step == STORE_ROW && !scol_null(s, 0);
		int64_t m = has ? scol_int(s, 0) : 0;
		sreset(s);
		if (step != STORE_ROW) {
			rc = -1;
			break;
		}
		if (!has || m > end)
			break;
		time_set_fake(m); /* the writer's clock: the events' time */
		int n = scheduler_run_once(app, rd, m);
		if (n <= 0) { /* -1, or a moment that fires nothing: no progress */
			rc = -1;
			break;
		}
		*fired += n;
	}
	time_set_fake(0);
	store_close(rd);
	if (rc != 0)
		fprintf(stderr, "civicloop gen: 到期计时器处理失败\n");
	return rc;
}

/* Generates the cases in chunks, with progress every few seconds. */
static int gen_cases(struct app *app, json_t *doc, const struct gen_county *cty, uint64_t seed,
                     int64_t n, int64_t days, int64_t end)
{
	struct gen_run *g = gen_run_new(app, doc, cty, seed, n, end - days * MS_PER_DAY, end);
	if (!g)
		return -1;
	int64_t t0 = time_real_ms(), shown = t0;
	int rc = 0;
	for (int64_t i = 0; i < n && rc == 0; i += GEN_CHUNK) {
		rc = gen_run_chunk(g, i, i + GEN_CHUNK < n ? i + GEN_CHUNK : n);
		int64_t now = time_real_ms();
		if (now - shown >= GEN_PROGRESS_MS) {
			int64_t done = i + GEN_CHUNK < n ? i + GEN_CHUNK : n;
			fprintf(stderr, "civicloop gen: %lld / %lld 个工单，%.0f 个/秒\n",
			        (long long)done, (long long)n,
			        (double)done * 1000.0 / (double)(now - t0 ? now - t0 : 1));
			shown = now;
		}
	}
	int64_t ms = time_real_ms() - t0;
	if (rc == 0) {
		gen_run_report(g);
		fprintf(stderr, "civicloop gen: 工单用时 %.1f 秒，%.0f 个/秒\n",
		        (double)ms / 1000.0, (double)n * 1000.0 / (double)(ms ? ms : 1));
	}
	gen_run_free(g);
	return rc;
}

/* The bulk path: m clones of the pool's seeds in chunks, on a connection
 * of its own (gen_clone.c), then its end there (indexes, stats of the
 * marked clones, derived tables); *clone_ms and *rebuild_ms the two
 * phases' times. */
static int gen_clones(struct app *app, const char *db, const struct gen_county *cty, uint64_t seed,
                      int64_t m, int64_t days, int64_t end, bool recount, int64_t *clone_ms,
                      int64_t *rebuild_ms, int64_t *clone_cpu)
{
	int64_t c0 = cpu_ms(), m0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
	struct gen_clone *g =
	    gen_clone_new(app, db, cty, seed, m, end - days * MS_PER_DAY, end, recount);
	if (!g)
		return -1;
	int64_t t0 = time_real_ms(), shown = t0;
	int rc = 0;
	for (int64_t i = 0; i < m && rc == 0; i += GEN_CLONE_CHUNK) {
		int64_t to = i + GEN_CLONE_CHUNK < m ? i + GEN_CLONE_CHUNK : m;
		rc = gen_clone_chunk(g, i, to);
		int64_t now = time_real_ms();
		if (now - shown >= GEN_PROGRESS_MS) {
			fprintf(stderr, "civicloop gen: 复制 %lld / %lld 个工单，%.0f 个/秒\n",
			        (long long)to, (long long)m,
			        (double)to * 1000.0 / (double)(now - t0 ? now - t0 : 1));
			shown = now;
		}
	}
	*clone_ms = time_real_ms() - t0;
	*clone_cpu = cpu_ms() - c0;
	int64_t m1 = clock_ms(CLOCK_THREAD_CPUTIME_ID), moved_back = 0;
	int64_t due = gen_clone_timers_due(g, &moved_back);
	if (rc == 0)
		fprintf(
		    stderr,
		    "civicloop gen: 复制 %lld 个工单（%d 个种子，%lld 个事件；%lld 个移离其时刻，"
		    "%lld 个留有已到期的计时器），用时 %.1f 秒，%.0f 个/秒\n",
		    (long long)m, gen_clone_seeds(g), (long long)gen_clone_events(g),
		    (long long)moved_back, (long long)due, (double)*clone_ms / 1000.0,
		    (double)m * 1000.0 / (double)(*clone_ms ? *clone_ms : 1));
	int64_t ms[5] = {0, 0, 0, 0, 0};
	if (rc == 0)
		rc = gen_clone_finish(g, ms);
	*rebuild_ms = ms[0] + ms[1] + ms[2] + ms[3] + ms[4];
	int64_t m2 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
	if (rc == 0)
		fprintf(stderr,
		        "civicloop gen: 重建索引 %.1f 秒，%lld 个复制工单的统计由基础数据计算 %.1f "
		        "秒，派生表 %.1f 秒，等待检索与查重索引 %.1f 秒，复制 %.1f 秒\n"
		        "civicloop gen: CPU：主线程复制 %.1f 秒、结尾 %.1f 秒，检索与查重索引线程 "
		        "%.1f 秒\n",
		        (double)ms[0] / 1000.0, (long long)gen_clone_stats_marked(g),
		        (double)ms[1] / 1000.0, (double)ms[2] / 1000.0, (double)ms[3] / 1000.0,
		        (double)ms[4] / 1000.0, (double)(m1 - m0) / 1000.0,
		        (double)(m2 - m1) / 1000.0, (double)gen_clone_side_cpu_ms(g) / 1000.0);
	gen_clone_free(g);
	return rc;
}

int cmd_gen(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help")) {
		gen_usage();
		return 0;
	}
	const char *db = cli_opt(argc, argv, "--db");
	long long n, seed = 1, days = 365;
	if (!db) {
		fprintf(stderr, "civicloop gen: 缺少 --db FILE\n");
		return 2;
	}
	if (parse_ll(cli_opt(argc, argv, "--cases"), 1, GEN_MAX_CASES, &n) != 0) {
		fprintf(stderr, "civicloop gen: --cases 须为 1–20000000 的整数\n");
		return 2;
	}
	if ((cli_opt(argc, argv, "--seed") &&
	     parse_ll(cli_opt(argc, argv, "--seed"), 0, 1LL << 53, &seed) != 0) ||
	    (cli_opt(argc, argv, "--days") &&
	     parse_ll(cli_opt(argc, argv, "--days"), 1, 3650, &days) != 0)) {
		fprintf(stderr, "civicloop gen: --seed 须为非负整数，--days 须为 1–3650\n");
		return 2;
	}
	/* hidden: the pool's size (tests make the bulk path run at a small N) */
	long long pool = n < GEN_POOL ? n : GEN_POOL;
	if (cli_opt(argc, argv, "--pool") &&
	    parse_ll(cli_opt(argc, argv, "--pool"), 1, n, &pool) != 0) {
		fprintf(stderr, "civicloop gen: --pool 须为 1–N 的整数\n");
		return 2;
	}
	if (store_dsn_is_pg(db)) {
		/* its bulk path is SQLite's: a side file attached, indexes dropped
		 * and rebuilt, FTS5's and the R*Trees' own tables copied */
		fprintf(stderr, "civicloop gen: 只能生成 SQLite 数据库（--db 文件路径），"
		                "不支持 PostgreSQL\n");
		return 2;
	}
	if (access(db, F_OK) == 0) {
		if (!cli_flag(argc, argv, "--force")) {
			fprintf(stderr, "civicloop gen: %s 已存在，不会覆盖（--force 替换）\n", db);
			return 1;
		}
		gen_discard(db);
	}
	struct gen_county *cty = calloc(1, sizeof *cty);
	struct gen_rng r = {(uint64_t)seed};
	json_t *doc = NULL;
	struct app app;
	int rc = 1;
	int64_t t0 = time_real_ms(), c0 = cpu_ms(), c1 = 0, c2 = 0, clone_cpu = 0;
	/* no sync at each commit: the file is new and removed when gen fails
	 * (the pool's timers commit a transaction per moment: gen_fire_due) */
	if (!cty || cli_open_unsynced(&app, db) != 0) {
		free(cty);
		return 1;
	}
	char err[256] = "";
	int64_t end = time_now_ms(), t1 = 0, t2 = 0, clone_ms = 0, rebuild_ms = 0, fired = 0;
	if (demo_county_write(&app, &doc) == 0 && gen_county_grow(&app, doc, &r, cty) == 0 &&
	    (t1 = time_real_ms(), c1 = cpu_ms(),
	     gen_cases(&app, doc, cty, (uint64_t)seed, pool, days, end)) == 0 &&
	    gen_fire_due(&app, end, &fired) == 0) {
		t2 = time_real_ms();
		fprintf(stderr, "civicloop gen: 已到期的计时器 %lld 个（预警与超期）\n",
		        (long long)fired);
		c2 = cpu_ms();
		if (n > pool) {
			/* the bulk load is the database's one writer now: the writer
			 * stops (its head signed) and the clones' connection takes
			 * the writer's lock */
			writer_stop(app.writer);
			app.writer = NULL;
			rc = gen_clones(&app, db, cty, (uint64_t)seed, n - pool, days, end,
			                cli_flag(argc, argv, "--stats-recount"), &clone_ms,
			                &rebuild_ms, &clone_cpu) == 0
			         ? 0
			         : 1;
		} else if (writer_run(app.writer, rebuild_job, err) == 0) {
			rebuild_ms = time_real_ms() - t2;
			rc = 0;
		} else {
			fprintf(stderr, "civicloop gen: 派生表重建失败: %s\n", err);
		}
		int64_t c3 = cpu_ms();
		if (rc == 0)
			fprintf(
			    stderr,
			    "civicloop gen: 各阶段用时（CPU）：县域 %.1f "
			    "秒（%.1f），种子（引擎）%lld "
			    "个 %.1f 秒（%.1f），复制 %lld 个 %.1f 秒（%.1f），索引与派生表 %.1f "
			    "秒（%.1f）\n",
			    (double)(t1 - t0) / 1000.0, (double)(c1 - c0) / 1000.0, pool,
			    (double)(t2 - t1) / 1000.0, (double)(c2 - c1) / 1000.0, n - pool,
			    (double)clone_ms / 1000.0, (double)clone_cpu / 1000.0,
			    (double)rebuild_ms / 1000.0, (double)(c3 - c2 - clone_cpu) / 1000.0);
	}
	cli_close(&app);
	/* the load wrote without syncing: the file goes to the disk now, not
	 * in a server's first checkpoint (its fsync writes such pages back:
	 * 0.8 s in the 81st create on an unsynced copy of a 100 k database) */
	if (rc == 0 && fsync_path(db, O_RDONLY) != 0) {
		fprintf(stderr, "civicloop gen: %s 写入磁盘失败: %s\n", db, strerror(errno));
		rc = 1;
	}
	if (rc != 0) {
		gen_discard(db);
	} else {
		printf("已生成 %s：%d 个乡镇，%d 个村（社区），%d 个网格，%d 个部门，%lld "
		       "个工单，用时 "
		       "%.1f 秒。所有账号密码：Demo#2024\n",
		       db, cty->ntowns, cty->nvillages, cty->ngrids, cty->ndepts, n,
		       (double)(time_real_ms() - t0) / 1000.0);
	}
	json_decref(doc);
	free(cty);
	return rc;
}
