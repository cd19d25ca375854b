/*
 * civicloop stats --check | --rebuild --db FILE [--org CODE]: the
 * aggregates of GET /stats, daily and monthly (core/stats_agg.c). --check
 * compares them with today's live statements (core/stats_check.c), exit 1
 * on any difference; --rebuild rewrites them from the base rows in one
 * transaction.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/app.h"
#include "core/stats.h"
#include "core/writer.h"
#include "store/store.h"

static void stats_usage(void)
{
	puts("civicloop stats --check --db FILE [--org CODE]\n"
	     "civicloop stats --rebuild --db FILE\n"
	     "--check: recomputes GET /stats answers with the live statements (every org, or the\n"
	     "org CODE; every type with rates; each month with cases, the whole span, the span\n"
	     "less two weeks at each end, and 11-20..02-10 across each new year; no grouping,\n"
	     "group=day, group=org) and every case's share of the aggregates, and compares them\n"
	     "with the aggregates (daily and monthly). Exit 0: equal; 1: a difference (printed);\n"
	     "2: could not check. --rebuild: rewrites the aggregates from the base rows.");
}

static int rebuild_job(struct wctx *w, struct write_job *j)
{
	char *err = j->arg;
	return stats_agg_rebuild(w->conn, w->app, err, 256);
}

int cmd_stats(int argc, char **argv)
{
	bool check = cli_flag(argc, argv, "--check"), rebuild = cli_flag(argc, argv, "--rebuild");
	const char *db = cli_opt(argc, argv, "--db");
	if (cli_flag(argc, argv, "--help") || (!check && !rebuild) || !db) {
		stats_usage();
		return cli_flag(argc, argv, "--help") ? 0 : 2;
	}
	struct app app;
	if (rebuild)
		store_writer_alone(); /* server stopped */
	if (cli_open(&app, db, 0) != 0)
		return 2;
	int rc = 0;
	if (rebuild) {
		char err[256] = "";
		if (writer_run(app.writer, rebuild_job, err) != 0) {
			fprintf(stderr, "civicloop stats: %s\n", err[0] ? err : "重建失败");
			rc = 2;
		} else {
			puts("已由基础数据重建统计汇总");
		}
	}
	if (check && rc == 0) {
		char err[512];
		struct store_conn *c = store_open(db, true, err, sizeof err);
		if (!c) {
			fprintf(stderr, "civicloop stats: %s\n", err);
			rc = 2;
		} else {
			store_exec(c, ST_BEGIN_READ);
			int bad = stats_check(c, &app, cli_opt(argc, argv, "--org"), stdout);
			store_exec(c, ST_ROLLBACK);
			store_close(c);
			if (bad < 0) {
				fprintf(stderr, "civicloop stats: 读取失败\n");
				rc = 2;
			} else if (bad > 0) {
				printf("统计汇总与实时计算有 %d 处不同\n", bad);
				rc = 1;
			} else {
				puts("统计汇总与实时计算一致");
			}
		}
	}
	cli_close(&app);
	return rc;
}
