/*
 * The upkeep of the aggregates of GET /stats (migrations 25 and 27,
 * docs/rates.md "How the figures are kept"): per scope org, type, Shanghai
 * day of receipt and cell (class, channel, status) the 20 counters of a
 * tally (stats_cell), the same per lead unit (stats_unit_cell), and both
 * again per month (stats_month, stats_unit_month), so that a long period
 * is read in few rows. What one case adds, its share, and where it counts
 * are stats_fold.c's.
 *
 * Triggers mark every case whose rows change (stats_dirty); the writer
 * calls stats_agg_flush before COMMIT, which for each marked case reads the
 * share it last added and its current one in one statement (the events
 * added since only), and adds the difference to each of the four rollups.
 * The differences of all the cases of a flush are summed per row first
 * (stats_acc.c): a row that many of them move is written once. A job that
 * rolls back takes its marks with it.
 */
#include "core/stats.h"
#include "core/stats_int.h"
#include "core/app.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* Rows of the rollups held before they are written (~200 bytes each). */
#define ACC_MAX 16384

int64_t stats_month_of(int64_t day)
{
	int d;
	time_ymd_from_day(day, NULL, NULL, &d);
	return day - (d - 1);
}

/* Whether a and b put the case in stats_due under the same keys. */
static bool same_due(const struct stats_share *a, const struct stats_share *b)
{
	bool ia = a->present && a->has_due, ib = b->present && b->has_due;
	if (ia != ib)
		return false;
	if (!ia)
		return true;
	if (a->due != b->due || strcmp(a->type, b->type) || strcmp(a->region, b->region))
		return false;
	int i = 0, j = 0;
	for (;;) {
		while (i < a->n && a->rows[i].unit)
			i++;
		while (j < b->n && b->rows[j].unit)
			j++;
		if (i == a->n || j == b->n)
			return i == a->n && j == b->n;
		if (a->rows[i++].scope != b->rows[j++].scope)
			return false;
	}
}

/* One row of stats_due or stats_part_due of share k (its type and
 * region) added (sign 1) or removed (-1), and its day's count moved in
 * acc. */
static int due_row(struct store_conn *c, struct stats_acc *acc, bool part, int64_t org,
                   const struct stats_share *k, int64_t due, int64_t id, int sign)
{
	static const int64_t one[STATS_AGG_N] = {1};
	int cell = stats_acc_cell(acc, k->type, "", "", "", k->region);
	if (cell < 0 || stats_acc_add(acc, part ? STATS_ACC_PART_DUE_DAY : STATS_ACC_DUE_DAY, org,
	                              time_day_of(due), 0, cell, sign, one) != 0)
		return -1;
	enum stmt_id st = part ? (sign > 0 ? ST_STATS_PART_DUE_ADD : ST_STATS_PART_DUE_DEL)
	                       : (sign > 0 ? ST_STATS_DUE_ADD : ST_STATS_DUE_DEL);
	struct store_stmt *s = store_stmt(c, st);
	sbind_int(s, 1, org);
	sbind_text(s, 2, k->type);
	sbind_int(s, 3, due);
	sbind_int(s, 4, id);
	sbind_text(s, 5, k->region);
	int rc = sstep(s);
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* Removes (sign -1) or adds (+1) k's rows of stats_due. */
static int due_apply(struct store_conn *c, struct stats_acc *acc, const struct stats_share *k,
                     int64_t id, int sign)
{
	if (!k->present || !k->has_due)
		return 0;
	for (int i = 0; i < k->n; i++)
		if (!k->rows[i].unit &&
		    due_row(c, acc, false, k->rows[i].scope, k, k->due, id, sign) != 0)
			return -1;
	return 0;
}

static bool same_part(const struct stats_part *a, const struct stats_part *b)
{
	return a->id == b->id && a->unit == b->unit && a->due == b->due;
}

/* Whether two shares' parts are in the same rows of stats_part_due. */
static bool same_part_key(const struct stats_share *a, const struct stats_share *b)
{
	return !strcmp(a->type, b->type) && !strcmp(a->region, b->region);
}

/* stats_part_due from old's parts to now's (both by assignment id). */
static int parts_apply(struct store_conn *c, struct stats_acc *acc, const struct stats_share *old,
                       const struct stats_share *now)
{
	int no = old->present ? old->nparts : 0, nn = now->present ? now->nparts : 0;
	for (int i = 0; i < no; i++) {
		const struct stats_part *p = &old->parts[i];
		bool kept = false;
		for (int j = 0; j < nn && !kept; j++)
			kept = same_part(p, &now->parts[j]) && same_part_key(old, now);
		if (!kept && due_row(c, acc, true, p->unit, old, p->due, p->id, -1) != 0)
			return -1;
	}
	for (int j = 0; j < nn; j++) {
		const struct stats_part *p = &now->parts[j];
		bool kept = false;
		for (int i = 0; i < no && !kept; i++)
			kept = same_part(p, &old->parts[i]) && same_part_key(old, now);
		if (!kept && due_row(c, acc, true, p->unit, now, p->due, p->id, 1) != 0)
			return -1;
	}
	return 0;
}

/* sign * k's counters of row r, in the rollups' order. */
static void row_vector(const struct stats_share *k, const struct stats_row *r,
                       int64_t v[STATS_AGG_N])
{
	for (int i = 0; i < STATS_CASE_N; i++)
		v[i] = r->cases ? k->v[i] : 0;
	for (int j = 0; j < 3; j++)
		v[STATS_CASE_N + j] = r->a[j];
}

/* Adds sign * k to the four rollups, by day and by month. */
static int share_add(struct stats_acc *acc, const struct stats_share *k, int sign)
{
	if (!k->present)
		return 0;
	int cell = stats_acc_cell(acc, k->type, k->class_, k->channel, k->status, k->region);
	if (cell < 0)
		return -1;
	int64_t month = stats_month_of(k->day), v[STATS_AGG_N];
	for (int i = 0; i < k->n; i++) {
		const struct stats_row *r = &k->rows[i];
		bool unit = r->unit != 0;
		row_vector(k, r, v);
		if (stats_acc_add(acc, unit ? STATS_ACC_UNIT_DAY : STATS_ACC_CELL_DAY, r->scope,
		                  k->day, r->unit, cell, sign, v) != 0 ||
		    stats_acc_add(acc, unit ? STATS_ACC_UNIT_MONTH : STATS_ACC_CELL_MONTH, r->scope,
		                  month, r->unit, cell, sign, v) != 0)
			return -1;
	}
	return 0;
}

static _Thread_local struct stats_share old_k, new_k;

/* stats_case's row of case id: k, or none when k is absent. */
static int share_store(struct store_conn *c, int64_t id, const struct stats_share *k)
{
	struct store_stmt *s;
	if (!k->present) {
		s = store_stmt(c, ST_STATS_CONTRIB_DEL);
		sbind_int(s, 1, id);
	} else {
		s = store_stmt(c, ST_STATS_CONTRIB_PUT);
		sbind_int(s, 1, id);
		sbind_text(s, 2, k->type);
		sbind_int(s, 3, k->day);
		sbind_text(s, 4, k->class_);
		sbind_text(s, 5, k->channel);
		sbind_text(s, 6, k->status);
		sbind_blob(s, 7, k->blob, k->blen);
		if (k->has_due)
			sbind_int(s, 8, k->due);
		else
			sbind_null(s, 8);
		sbind_int(s, 9, k->seq);
		sbind_text(s, 10, k->region);
	}
	int rc = sstep(s);
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* Folds one marked case in: its rollup differences into acc, its
 * stats_due rows and its stored share written at once. */
static int case_update(struct store_conn *c, struct stats_fold_cache *fc, struct stats_acc *acc,
                       int64_t id, const struct matter_type *t)
{
	if (stats_fold_read(c, fc, id, t, true, &old_k, &new_k) != 0)
		return -1;
	/* nothing moved: the events read (if any) changed no counter, and
	 * reading them again later adds nothing either, so seq may stay */
	if (stats_share_same(&old_k, &new_k))
		return 0;
	if (share_add(acc, &old_k, -1) != 0 || share_add(acc, &new_k, 1) != 0)
		return -1;
	if (!same_due(&old_k, &new_k) &&
	    (due_apply(c, acc, &old_k, id, -1) != 0 || due_apply(c, acc, &new_k, id, 1) != 0))
		return -1;
	if (parts_apply(c, acc, &old_k, &new_k) != 0)
		return -1;
	return share_store(c, id, &new_k);
}

int stats_agg_put(struct store_conn *c, struct stats_acc *acc, int64_t id,
                  const struct stats_share *now)
{
	static const struct stats_share none;
	if (share_add(acc, now, 1) != 0 || due_apply(c, acc, now, id, 1) != 0 ||
	    parts_apply(c, acc, &none, now) != 0)
		return -1;
	return share_store(c, id, now);
}

/* Folds in up to max marked cases; *done the number. 0, or -1. */
static int flush_some(struct store_conn *c, const struct app *app, int max, int *done)
{
	enum { CHUNK = 256 };
	int64_t ids[CHUNK];
	const struct matter_type *types[CHUNK];
	struct stats_fold_cache fc = {0};
	struct stats_acc *acc = stats_acc_new();
	int rc = acc ? 0 : -1;
	*done = 0;
	while (rc == 0 && *done < max) {
		int n = 0, step;
		struct store_stmt *s = store_stmt(c, ST_STATS_DIRTY_NEXT);
		sbind_int(s, 1, CHUNK);
		while ((step = sstep(s)) == STORE_ROW && n < CHUNK) {
			ids[n] = scol_int(s, 0);
			types[n++] =
			    scol_null(s, 1) ? NULL : types_find(app->types, scol_text(s, 1));
		}
		sreset(s);
		if (step != STORE_DONE && step != STORE_ROW) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		for (int i = 0; i < n && rc == 0; i++)
			rc = case_update(c, &fc, acc, ids[i], types[i]);
		if (rc == 0 && stats_acc_count(acc) > ACC_MAX)
			rc = stats_acc_write(acc, c);
		if (rc == 0) { /* the chunk is the n smallest marks */
			s = store_stmt(c, ST_STATS_DIRTY_DONE);
			sbind_int(s, 1, ids[n - 1]);
			if (sstep(s) != STORE_DONE)
				rc = -1;
			sreset(s);
		}
		*done += n;
	}
	if (rc == 0)
		rc = stats_acc_write(acc, c);
	stats_acc_free(acc);
	stats_fold_cache_release(&fc);
	return rc;
}

int stats_agg_flush(struct store_conn *c, const struct app *app)
{
	int done;
	return flush_some(c, app, 1 << 30, &done);
}

bool stats_agg_ready(struct store_conn *c)
{
	struct store_stmt *s = store_stmt(c, ST_STATS_DIRTY_ANY);
	bool ready = sstep(s) == STORE_ROW && scol_int(s, 0) == 0;
	sreset(s);
	return ready;
}

int stats_backfill(struct store_conn *c, const struct app *app, char *err, size_t errcap)
{
	int64_t total = 0;
	for (;;) {
		int done = 0;
		if (store_exec(c, ST_BEGIN) != STORE_OK)
			goto fail;
		if (flush_some(c, app, 20000, &done) != 0) {
			store_exec(c, ST_ROLLBACK);
			goto fail;
		}
		if (store_exec(c, ST_COMMIT) != STORE_OK)
			goto fail;
		total += done;
		if (done == 0)
			break;
		if (total >= 100000 && total % 100000 < (int64_t)done)
			fprintf(stderr, "civicloop: 统计汇总回填 %lld 件\n", (long long)total);
	}
	return 0;
fail:
	snprintf(err, errcap, "统计汇总回填失败: %s", store_errmsg(c));
	return -1;
}

int stats_agg_rebuild(struct store_conn *c, const struct app *app, char *err, size_t errcap)
{
	if (store_exec(c, ST_STATS_AGG_CLEAR_CELL) != STORE_OK ||
	    store_exec(c, ST_STATS_AGG_CLEAR_UNIT) != STORE_OK ||
	    store_exec(c, ST_STATS_AGG_CLEAR_MONTH) != STORE_OK ||
	    store_exec(c, ST_STATS_AGG_CLEAR_UNIT_MONTH) != STORE_OK ||
	    store_exec(c, ST_STATS_AGG_CLEAR_CASE) != STORE_OK ||
	    store_exec(c, ST_STATS_DUE_CLEAR) != STORE_OK ||
	    store_exec(c, ST_STATS_DUE_DAY_CLEAR) != STORE_OK ||
	    store_exec(c, ST_STATS_PART_DUE_CLEAR) != STORE_OK ||
	    store_exec(c, ST_STATS_PART_DUE_DAY_CLEAR) != STORE_OK ||
	    store_exec(c, ST_STATS_DIRTY_ALL) != STORE_OK || stats_agg_flush(c, app) != 0) {
		snprintf(err, errcap, "统计汇总重建失败: %s", store_errmsg(c));
		return -1;
	}
	return 0;
}

int stats_agg_verify_cases(struct store_conn *c, const struct app *app, FILE *out)
{
	struct stats_fold_cache fc = {0};
	int64_t last = 0;
	int bad = 0;
	for (;;) {
		int64_t ids[1000];
		const struct matter_type *types[1000];
		int n = 0, rc;
		struct store_stmt *s = store_stmt(c, ST_STATS_CHECK_CASES);
		sbind_int(s, 1, last);
		while ((rc = sstep(s)) == STORE_ROW && n < 1000) {
			ids[n] = scol_int(s, 0);
			types[n++] = types_find(app->types, scol_text(s, 1));
		}
		sreset(s);
		if (rc != STORE_DONE && rc != STORE_ROW)
			goto fail;
		if (n == 0)
			break;
		for (int i = 0; i < n; i++) {
			/* every event counted again, against the share kept */
			if (stats_fold_read(c, &fc, ids[i], types[i], false, &old_k, &new_k) != 0)
				goto fail;
			if (!stats_share_same(&old_k, &new_k)) {
				fprintf(out, "案件 %lld：汇总中的贡献与由基础数据重算的不同\n",
				        (long long)ids[i]);
				bad++;
			}
		}
		last = ids[n - 1];
	}
	stats_fold_cache_release(&fc);
	return bad;
fail:
	stats_fold_cache_release(&fc);
	return -1;
}
