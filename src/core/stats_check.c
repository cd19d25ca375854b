/*
 * The check of the stats aggregates (civicloop stats --check): the answers
 * of GET /stats from the aggregates against today's live statements, for
 * every org, every type with rates, every calendar month with cases of the
 * type, the whole span of its cases (at most STATS_MAX_DAYS), the span
 * less two weeks at each end (it starts and ends mid-month: partial months
 * read from the days, whole ones from the monthly rollups) and, across
 * each new year in the span, 11-20 to 02-10; each with no grouping,
 * group=day and group=org; and every case's share against one recomputed
 * from its base rows (all of its events counted again). Cost: O(orgs x
 * months x 3) answers, each O(cases in the period) live; for a large
 * county pass --org CODE to check one org.
 */
#include "core/stats.h"
#include "core/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* One period: compare the two answers for each grouping. */
static int check_period(struct store_conn *c, struct stats_query *q, const char *org_code,
                        FILE *out)
{
	static const enum stats_group groups[] = {STATS_GROUP_NONE, STATS_GROUP_DAY,
	                                          STATS_GROUP_ORG};
	static const char *const gname[] = {"-", "day", "org"};
	int bad = 0;
	q->now = time_now_ms(); /* one clock for both: a deadline may pass between them */
	for (int g = 0; g < 3; g++) {
		q->group = groups[g];
		json_t *live = NULL, *agg = NULL;
		struct err e1 = {0}, e2 = {0};
		int r1 = stats_compute_live(c, q, &live, &e1);
		int r2 = stats_compute(c, q, &agg, &e2);
		bool same = r1 == r2 && (r1 != 0 || json_equal(live, agg));
		if (!same) {
			char *a = live ? json_dumps(live, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			char *b = agg ? json_dumps(agg, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			fprintf(out,
			        "不一致：类型 %s 组织 %s %s..%s group=%s\n  实时：%.2000s\n  "
			        "汇总：%.2000s\n",
			        q->type->code, org_code, q->from_label, q->to_label, gname[g],
			        a ? a : "(失败)", b ? b : "(失败)");
			free(a);
			free(b);
			bad++;
		}
		json_decref(live);
		json_decref(agg);
	}
	return bad;
}

/* The period of days [d0, d1). */
static int check_days(struct store_conn *c, struct stats_query *q, int64_t d0, int64_t d1,
                      const char *code, FILE *out)
{
	char fl[16], tl[16];
	q->from = time_day_start(d0);
	q->to = time_day_start(d1);
	time_format_date(d0, fl, sizeof fl);
	time_format_date(d1 - 1, tl, sizeof tl);
	q->from_label = fl;
	q->to_label = tl;
	return check_period(c, q, code, out);
}

static int check_org(struct store_conn *c, const struct matter_type *t, int64_t org_id,
                     const char *path, const char *code, int64_t d0, int64_t d1, FILE *out)
{
	int bad = 0;
	struct stats_query q = {.type = t, .org_id = org_id, .org_path = path};
	int y, m, d;
	time_ymd_from_day(d0, &y, &m, &d);
	for (int64_t first = time_day_from_ymd(y, m, 1); first <= d1;) {
		time_ymd_from_day(first, &y, &m, &d);
		int64_t next = time_day_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
		bad += check_days(c, &q, first, next, code, out);
		first = next;
	}
	int64_t end = d1 + 1 - d0 > STATS_MAX_DAYS ? d0 + STATS_MAX_DAYS : d1 + 1;
	bad += check_days(c, &q, d0, end, code, out);
	if (end - d0 > 28) /* mid-month to mid-month */
		bad += check_days(c, &q, d0 + 14, end - 14, code, out);
	time_ymd_from_day(d0, &y, &m, &d);
	for (int yy = y + 1; time_day_from_ymd(yy, 1, 1) <= d1; yy++) /* a year's end */
		bad += check_days(c, &q, time_day_from_ymd(yy - 1, 11, 20),
		                  time_day_from_ymd(yy, 2, 11), code, out);
	return bad;
}

int stats_check(struct store_conn *c, const struct app *app, const char *only_org, FILE *out)
{
	struct store_stmt *s = store_stmt(c, ST_STATS_DIRTY_COUNT);
	int64_t pending = sstep(s) == STORE_ROW ? scol_int(s, 0) : -1;
	sreset(s);
	if (pending != 0) {
		fprintf(out, "有 %lld 件案件的改动尚未计入汇总（服务启动时计入）\n",
		        (long long)pending);
		return pending < 0 ? -1 : 1;
	}
	int bad = stats_agg_verify_cases(c, app, out);
	if (bad < 0)
		return -1;
	for (int i = 0; i < app->types->ntypes; i++) {
		const struct matter_type *t = &app->types->types[i];
		if (!t->data.rates.defined)
			continue;
		s = store_stmt(c, ST_STATS_CHECK_SPAN);
		sbind_text(s, 1, t->code);
		int rc = sstep(s);
		bool any = rc == STORE_ROW && !scol_null(s, 0);
		int64_t lo = any ? scol_int(s, 0) : 0, hi = any ? scol_int(s, 1) : 0;
		sreset(s);
		if (rc != STORE_ROW)
			return -1;
		if (!any)
			continue;
		for (int64_t last = 0;;) {
			s = store_stmt(c, ST_STATS_CHECK_ORGS);
			sbind_int(s, 1, last);
			if (sstep(s) != STORE_ROW) {
				sreset(s);
				break;
			}
			int64_t id = scol_int(s, 0);
			char path[512], code[128];
			snprintf(path, sizeof path, "%s", scol_text(s, 1));
			snprintf(code, sizeof code, "%s", scol_text(s, 2));
			sreset(s);
			last = id;
			if (only_org && strcmp(only_org, code))
				continue;
			bad +=
			    check_org(c, t, id, path, code, time_day_of(lo), time_day_of(hi), out);
		}
	}
	return bad;
}
