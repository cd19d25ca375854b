/*
 * stats_read — how long one GET /api/v1/stats/{type} answer takes to
 * compute, without HTTP: core/stats.c's stats_compute() on a reader
 * connection inside a read transaction, as the handler runs it, --n times
 * for each query; wall and thread CPU p50, p99, max in ms (the CPU time is
 * what a shared machine disturbs least). docs/bench.md "Statistics from
 * the daily aggregates". Not run by `make test`.
 *
 * usage: stats_read --db FILE [--type T] [--n N] QUERY...
 * QUERY: org=CODE[,from=YYYY-MM-DD,to=YYYY-MM-DD][,group=org|day][,live]
 * (dates as the API takes them: `to` includes its day; without them the
 * current month; live: the live statements, not the aggregates).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/stats.h"
#include "core/types.h"
#include "store/store.h"
#include "util/timeutil.h"

static double clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The value of key= in a comma-separated query, copied into out. */
static bool query_get(const char *q, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *p = q; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			snprintf(out, cap, "%.*s", (int)(len - kl - 1), p + kl + 1);
			return true;
		}
		if (len == kl && !strncmp(p, key, kl)) {
			out[0] = '\0';
			return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

static void report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	int i99 = (int)(0.99 * (n - 1) + 0.5);
	printf("  %s p50 %.2f  p99 %.2f  max %.2f\n", what, v[n / 2], v[i99], v[n - 1]);
}

int main(int argc, char **argv)
{
	const char *db = NULL, *type = "hotline";
	int n = 50;
	int first = 1;
	for (; first < argc; first++) {
		if (!strcmp(argv[first], "--db") && first + 1 < argc)
			db = argv[++first];
		else if (!strcmp(argv[first], "--type") && first + 1 < argc)
			type = argv[++first];
		else if (!strcmp(argv[first], "--n") && first + 1 < argc)
			n = (int)strtol(argv[++first], NULL, 10);
		else
			break;
	}
	if (!db || first == argc || n < 1) {
		fprintf(stderr, "usage: stats_read --db FILE [--type T] [--n N] QUERY...\n");
		return 2;
	}
	struct app app;
	char err[512];
	if (app_init(&app, db, app_default_config_dir(), 0, err, sizeof err) != 0) {
		fprintf(stderr, "stats_read: %s\n", err);
		return 1;
	}
	struct store_conn *c = store_open(db, true, err, sizeof err);
	const struct matter_type *t = types_find(app.types, type);
	if (!c || !t) {
		fprintf(stderr, "stats_read: %s\n", c ? "no such type" : err);
		return 1;
	}
	double *wall = malloc((size_t)n * sizeof *wall), *cpu = malloc((size_t)n * sizeof *cpu);
	for (int a = first; a < argc; a++) {
		const char *qs = argv[a];
		char org[128] = "county", from[32] = "", to[32] = "", group[16] = "", x[8];
		query_get(qs, "org", org, sizeof org);
		query_get(qs, "from", from, sizeof from);
		query_get(qs, "to", to, sizeof to);
		query_get(qs, "group", group, sizeof group);
		bool live = query_get(qs, "live", x, sizeof x);
		struct store_stmt *s = store_stmt(c, ST_ORG_BY_CODE);
		sbind_text(s, 1, org);
		if (sstep(s) != STORE_ROW) {
			fprintf(stderr, "stats_read: no org %s\n", org);
			return 1;
		}
		int64_t org_id = scol_int(s, 0);
		sreset(s);
		s = store_stmt(c, ST_ORG_BY_ID);
		sbind_int(s, 1, org_id);
		char path[256] = "";
		if (sstep(s) == STORE_ROW)
			snprintf(path, sizeof path, "%s", scol_text(s, 5));
		sreset(s);
		int y, m, d;
		time_ymd_from_day(time_day_of(time_now_ms()), &y, &m, &d);
		int64_t d0 = time_day_from_ymd(y, m, 1),
		        d1 = time_day_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
		if (*from && time_parse_date(from, &d0) != 0)
			return 2;
		if (*to && time_parse_date(to, &d1) != 0)
			return 2;
		if (*to)
			d1++;
		struct stats_query q = {.type = t,
		                        .org_id = org_id,
		                        .org_path = path,
		                        .from = time_day_start(d0),
		                        .to = time_day_start(d1),
		                        .from_label = from,
		                        .to_label = to,
		                        .group = !strcmp(group, "org")   ? STATS_GROUP_ORG
		                                 : !strcmp(group, "day") ? STATS_GROUP_DAY
		                                                         : STATS_GROUP_NONE};
		size_t bytes = 0;
		for (int i = 0; i < n; i++) {
			double w0 = clock_ms(CLOCK_MONOTONIC),
			       c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
			store_exec(c, ST_BEGIN_READ);
			json_t *o = NULL;
			struct err e = {0};
			int rc =
			    live ? stats_compute_live(c, &q, &o, &e) : stats_compute(c, &q, &o, &e);
			char *text = rc == 0 ? json_dumps(o, JSON_COMPACT) : NULL;
			store_exec(c, ST_ROLLBACK);
			cpu[i] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
			wall[i] = clock_ms(CLOCK_MONOTONIC) - w0;
			if (rc != 0) {
				fprintf(stderr, "stats_read: %s: %s\n", qs, err_message(&e));
				return 1;
			}
			bytes = strlen(text);
			free(text);
			json_decref(o);
		}
		printf("%s (%zu bytes)\n", qs, bytes);
		report("wall ms", wall, n);
		report("cpu  ms", cpu, n);
	}
	free(wall);
	free(cpu);
	store_close(c);
	app_release(&app);
	return 0;
}
