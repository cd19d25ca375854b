/*
 * The upkeep of the daily aggregates of GET /stats (migration 25,
 * docs/rates.md "How the figures are kept").
 *
 * A case counts, in each scope org whose subtree holds it (every
 * ancestor-or-self of its own org and of the orgs of its live
 * assignments), for the cell (scope, type, Shanghai day of receipt,
 * class, channel, status) of stats_cell: its own 17 counters, computed by
 * ST_STATS_ONE_CASE (the very columns of ST_STATS_CASES, for one case),
 * and the assignment counters of the assignments that scope counts (all of
 * them when its own org is inside, else those made to an org inside). Per
 * lead unit U (a live lead assignment) and each scope holding U it counts
 * in stats_unit_cell; and every assignment of an org U counts in
 * (scope, U) for the scopes that hold both U and the case (a unit's
 * assignments on the cases it does not lead: the ranking's response and
 * return rates). The reader keeps a unit only when it has cases.
 *
 * Triggers mark every case whose rows change (stats_dirty); the writer
 * calls stats_agg_flush before COMMIT, which for each marked case reads
 * the contribution it last added (stats_case), computes the current one,
 * and adds the difference (a cell whose difference is zero is not
 * touched). A job that rolls back takes its marks with it.
 */
#include "core/stats.h"
#include "core/stats_int.h"
#include "core/app.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGG_N STATS_AGG_N
#define CASE_N 17    /* the case's own counters, first in the vector */
#define MAX_ROWS 512 /* (scope, unit) pairs of one case */
#define MAX_ASG 256  /* assignments of one case read */
#define MAX_DEPTH 16 /* org levels in a path */
#define CODE_MAX 128 /* type, class, channel, status */
#define BLOB_MAX (CASE_N * 10 + 10 + MAX_ROWS * 6 * 10)

struct row {
	int64_t scope, unit;
	bool cases;   /* the case's own counters count here */
	int64_t a[3]; /* assignments, signed in time, returned */
};

/* What one case adds to the aggregates. */
struct contrib {
	bool present;
	char type[CODE_MAX], class_[CODE_MAX], channel[CODE_MAX], status[CODE_MAX];
	int64_t day;
	bool has_due; /* open with a deadline: in stats_due at due */
	int64_t due;
	int64_t v[CASE_N];
	int n;
	struct row rows[MAX_ROWS];
};

/* A cache of the rates parameters, one per type met in a flush. */
struct binds_cache {
	const struct matter_type *type[32];
	struct rate_binds b[32];
	int n;
};

static void cache_release(struct binds_cache *bc)
{
	for (int i = 0; i < bc->n; i++)
		rate_binds_release(&bc->b[i]);
	bc->n = 0;
}

static const struct rate_binds *cache_get(struct binds_cache *bc, const struct matter_type *t)
{
	for (int i = 0; i < bc->n; i++)
		if (bc->type[i] == t)
			return &bc->b[i];
	if (bc->n == 32 || rate_binds_init(&bc->b[bc->n], &t->data.rates) != 0)
		return NULL;
	bc->type[bc->n] = t;
	return &bc->b[bc->n++];
}

static int copy_code(char *dst, const char *src)
{
	size_t n = strlen(src ? src : "");
	if (n >= CODE_MAX)
		return -1;
	memcpy(dst, src ? src : "", n + 1);
	return 0;
}

/* The org ids of a path "/1/4/9/" (ancestors and self), up to MAX_DEPTH. */
static int path_ids(const char *path, int64_t ids[MAX_DEPTH])
{
	int n = 0;
	const char *p = path;
	while (p && *p && n < MAX_DEPTH) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p)
			break;
		ids[n++] = v;
		p = end;
	}
	return n;
}

static bool has_id(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static struct row *row_get(struct contrib *k, int64_t scope, int64_t unit)
{
	for (int i = 0; i < k->n; i++)
		if (k->rows[i].scope == scope && k->rows[i].unit == unit)
			return &k->rows[i];
	if (k->n == MAX_ROWS)
		return NULL;
	struct row *r = &k->rows[k->n++];
	memset(r, 0, sizeof *r);
	r->scope = scope;
	r->unit = unit;
	return r;
}

struct asg {
	int64_t org;
	int64_t anc[MAX_DEPTH];
	int nanc;
	bool lead, live;
	int64_t signed_ok, returned;
};

/* The current contribution of case id into *k (k->present false when the
 * case is gone or its type has no rates). 0, or -1 on a store fault or a
 * case beyond the limits. */
static int contrib_compute(struct store_conn *c, const struct app *app, struct binds_cache *bc,
                           int64_t id, struct contrib *k)
{
	k->present = false;
	k->n = 0;
	struct store_stmt *s = store_stmt(c, ST_STATS_CASE_ROW);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc != STORE_ROW) {
		sreset(s);
		return rc == STORE_DONE ? 0 : -1;
	}
	const struct matter_type *t = types_find(app->types, scol_text(s, 0));
	int64_t owner[MAX_DEPTH];
	int nowner = path_ids(scol_text(s, 5), owner);
	int64_t received = scol_int(s, 1);
	k->has_due = !scol_null(s, 6);
	k->due = k->has_due ? scol_int(s, 6) : 0;
	bool bad = copy_code(k->type, scol_text(s, 0)) || copy_code(k->class_, scol_text(s, 2)) ||
	           copy_code(k->channel, scol_text(s, 3)) || copy_code(k->status, scol_text(s, 4));
	sreset(s);
	if (bad)
		return -1;
	if (!t || !t->data.rates.defined)
		return 0;
	const struct rate_binds *b = cache_get(bc, t);
	if (!b)
		return -1;
	k->day = (received + 28800000) / 86400000; /* as STATS_SCOPE's day key */
	s = store_stmt(c, ST_STATS_ONE_CASE);
	sbind_int(s, 1, id);
	stats_bind_case_rates(s, b);
	if (sstep(s) != STORE_ROW) {
		sreset(s);
		return -1;
	}
	for (int i = 0; i < CASE_N; i++)
		k->v[i] = scol_null(s, i + 1) ? 0 : scol_int(s, i + 1);
	sreset(s);

	static _Thread_local struct asg as[MAX_ASG];
	int na = 0;
	s = store_stmt(c, ST_STATS_CASE_ASG);
	sbind_int(s, 1, id);
	sbind_text(s, 2, t->data.rates.return_action);
	while ((rc = sstep(s)) == STORE_ROW) {
		if (na == MAX_ASG) {
			sreset(s);
			return -1;
		}
		struct asg *a = &as[na++];
		a->org = scol_int(s, 0);
		a->nanc = path_ids(scol_text(s, 1), a->anc);
		a->lead = scol_int(s, 2) != 0;
		a->live = scol_int(s, 3) != 0;
		a->signed_ok = scol_null(s, 4) ? 0 : scol_int(s, 4);
		a->returned = scol_null(s, 5) ? 0 : scol_int(s, 5);
	}
	sreset(s);
	if (rc != STORE_DONE)
		return -1;

	/* the scopes holding the case: its org's and its live parts' */
	int64_t scopes[MAX_ROWS];
	int ns = 0;
	for (int i = 0; i < nowner; i++)
		if (!has_id(scopes, ns, owner[i]))
			scopes[ns++] = owner[i];
	for (int j = 0; j < na; j++)
		for (int i = 0; as[j].live && i < as[j].nanc; i++)
			if (!has_id(scopes, ns, as[j].anc[i])) {
				if (ns == MAX_ROWS)
					return -1;
				scopes[ns++] = as[j].anc[i];
			}
	for (int i = 0; i < ns; i++) {
		struct row *r = row_get(k, scopes[i], 0);
		if (!r)
			return -1;
		r->cases = true;
		bool owned = has_id(owner, nowner, scopes[i]);
		for (int j = 0; j < na; j++)
			if (owned || has_id(as[j].anc, as[j].nanc, scopes[i])) {
				r->a[0]++;
				r->a[1] += as[j].signed_ok;
				r->a[2] += as[j].returned;
			}
	}
	for (int j = 0; j < na; j++) {
		for (int i = 0; i < as[j].nanc; i++) {
			int64_t sc = as[j].anc[i];
			if (!has_id(scopes, ns, sc))
				continue;
			struct row *r = row_get(k, sc, as[j].org);
			if (!r)
				return -1;
			if (as[j].lead)
				r->cases = true;
			r->a[0]++;
			r->a[1] += as[j].signed_ok;
			r->a[2] += as[j].returned;
		}
	}
	k->present = true;
	return 0;
}

/* Varints of the blob (unsigned LEB128; every value is >= 0). */
static size_t put_var(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	size_t n = 0;
	do {
		unsigned char b = u & 0x7f;
		u >>= 7;
		p[n++] = b | (u ? 0x80 : 0);
	} while (u);
	return n;
}

static int get_var(const unsigned char *p, size_t len, size_t *at, int64_t *v)
{
	uint64_t u = 0;
	for (int sh = 0; sh < 64 && *at < len; sh += 7) {
		unsigned char b = p[(*at)++];
		u |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*v = (int64_t)u;
			return 0;
		}
	}
	return -1;
}

static size_t contrib_encode(const struct contrib *k, unsigned char *p)
{
	size_t n = 0;
	for (int i = 0; i < CASE_N; i++)
		n += put_var(p + n, k->v[i]);
	n += put_var(p + n, k->n);
	for (int i = 0; i < k->n; i++) {
		const struct row *r = &k->rows[i];
		n += put_var(p + n, r->scope);
		n += put_var(p + n, r->unit);
		n += put_var(p + n, r->cases);
		for (int j = 0; j < 3; j++)
			n += put_var(p + n, r->a[j]);
	}
	return n;
}

static int contrib_decode(struct contrib *k, const unsigned char *p, size_t len)
{
	size_t at = 0;
	int64_t n, x;
	for (int i = 0; i < CASE_N; i++)
		if (get_var(p, len, &at, &k->v[i]) != 0)
			return -1;
	if (get_var(p, len, &at, &n) != 0 || n > MAX_ROWS)
		return -1;
	k->n = (int)n;
	for (int i = 0; i < k->n; i++) {
		struct row *r = &k->rows[i];
		if (get_var(p, len, &at, &r->scope) || get_var(p, len, &at, &r->unit) ||
		    get_var(p, len, &at, &x))
			return -1;
		r->cases = x != 0;
		for (int j = 0; j < 3; j++)
			if (get_var(p, len, &at, &r->a[j]))
				return -1;
	}
	return 0;
}

/* The contribution last added for case id into *k, and its blob. */
static int contrib_load(struct store_conn *c, int64_t id, struct contrib *k, unsigned char *blob,
                        size_t *blen)
{
	k->present = false;
	k->n = 0;
	*blen = 0;
	struct store_stmt *s = store_stmt(c, ST_STATS_CONTRIB_GET);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		size_t n = scol_bytes(s, 5);
		const void *p = scol_blob(s, 5);
		if (n > BLOB_MAX || copy_code(k->type, scol_text(s, 0)) ||
		    copy_code(k->class_, scol_text(s, 2)) ||
		    copy_code(k->channel, scol_text(s, 3)) ||
		    copy_code(k->status, scol_text(s, 4))) {
			sreset(s);
			return -1;
		}
		k->day = scol_int(s, 1);
		k->has_due = !scol_null(s, 6);
		k->due = k->has_due ? scol_int(s, 6) : 0;
		memcpy(blob, p, n);
		*blen = n;
		rc = contrib_decode(k, blob, n) == 0 ? STORE_DONE : STORE_ERROR;
		k->present = true;
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

static bool same_cell(const struct contrib *a, const struct contrib *b)
{
	return a->day == b->day && !strcmp(a->type, b->type) && !strcmp(a->class_, b->class_) &&
	       !strcmp(a->channel, b->channel) && !strcmp(a->status, b->status) &&
	       a->has_due == b->has_due && a->due == b->due;
}

/* Whether a and b put the case in stats_due under the same keys. */
static bool same_due(const struct contrib *a, const struct contrib *b)
{
	bool ia = a->present && a->has_due, ib = b->present && b->has_due;
	if (ia != ib)
		return false;
	if (!ia)
		return true;
	if (a->due != b->due || strcmp(a->type, b->type))
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

/* Removes (sign -1) or adds (+1) k's rows of stats_due. */
static int due_apply(struct store_conn *c, const struct contrib *k, int64_t id, int sign)
{
	if (!k->present || !k->has_due)
		return 0;
	for (int i = 0; i < k->n; i++) {
		if (k->rows[i].unit)
			continue;
		struct store_stmt *s =
		    store_stmt(c, sign > 0 ? ST_STATS_DUE_ADD : ST_STATS_DUE_DEL);
		sbind_int(s, 1, k->rows[i].scope);
		sbind_text(s, 2, k->type);
		sbind_int(s, 3, k->due);
		sbind_int(s, 4, id);
		int rc = sstep(s);
		sreset(s);
		if (rc != STORE_DONE)
			return -1;
	}
	return 0;
}

/* Adds sign * (k's counters of row r) to r's cell. */
static int cell_add(struct store_conn *c, const struct contrib *k, const int64_t v[AGG_N],
                    int64_t scope, int64_t unit)
{
	struct store_stmt *s = store_stmt(c, unit ? ST_STATS_UNIT_CELL_ADD : ST_STATS_CELL_ADD);
	int p = 1;
	sbind_int(s, p++, scope);
	sbind_text(s, p++, k->type);
	sbind_int(s, p++, k->day);
	if (unit)
		sbind_int(s, p++, unit);
	sbind_text(s, p++, k->class_);
	sbind_text(s, p++, k->channel);
	sbind_text(s, p++, k->status);
	for (int i = 0; i < AGG_N; i++)
		sbind_int(s, p++, v[i]);
	int rc = sstep(s);
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

static void row_vector(const struct contrib *k, const struct row *r, int64_t sign, int64_t v[AGG_N])
{
	for (int i = 0; i < CASE_N; i++)
		v[i] = r->cases ? sign * k->v[i] : 0;
	for (int j = 0; j < 3; j++)
		v[CASE_N + j] = sign * r->a[j];
}

static bool all_zero(const int64_t v[AGG_N])
{
	for (int i = 0; i < AGG_N; i++)
		if (v[i])
			return false;
	return true;
}

/* Applies new - old to the aggregates. */
static int contrib_apply(struct store_conn *c, const struct contrib *old, const struct contrib *nw)
{
	bool same = old->present && nw->present && same_cell(old, nw);
	int64_t v[AGG_N], w[AGG_N];
	if (old->present) {
		for (int i = 0; i < old->n; i++) {
			const struct row *r = &old->rows[i];
			row_vector(old, r, -1, v);
			if (same) { /* net of the new row of the same key, added below */
				for (int j = 0; j < nw->n; j++)
					if (nw->rows[j].scope == r->scope &&
					    nw->rows[j].unit == r->unit) {
						row_vector(nw, &nw->rows[j], 1, w);
						for (int x = 0; x < AGG_N; x++)
							v[x] += w[x];
						break;
					}
			}
			if (!all_zero(v) && cell_add(c, old, v, r->scope, r->unit) != 0)
				return -1;
		}
	}
	if (nw->present) {
		for (int j = 0; j < nw->n; j++) {
			const struct row *r = &nw->rows[j];
			bool done = false;
			for (int i = 0; same && i < old->n && !done; i++)
				done =
				    old->rows[i].scope == r->scope && old->rows[i].unit == r->unit;
			if (done)
				continue;
			row_vector(nw, r, 1, v);
			if (!all_zero(v) && cell_add(c, nw, v, r->scope, r->unit) != 0)
				return -1;
		}
	}
	return 0;
}

static _Thread_local struct contrib old_k, new_k;
static _Thread_local unsigned char old_blob[BLOB_MAX], new_blob[BLOB_MAX];

/* Folds one marked case in. */
static int case_update(struct store_conn *c, const struct app *app, struct binds_cache *bc,
                       int64_t id)
{
	size_t olen, nlen = 0;
	if (contrib_load(c, id, &old_k, old_blob, &olen) != 0 ||
	    contrib_compute(c, app, bc, id, &new_k) != 0 || contrib_apply(c, &old_k, &new_k) != 0)
		return -1;
	if (!same_due(&old_k, &new_k) &&
	    (due_apply(c, &old_k, id, -1) != 0 || due_apply(c, &new_k, id, 1) != 0))
		return -1;
	if (new_k.present)
		nlen = contrib_encode(&new_k, new_blob);
	struct store_stmt *s;
	if (!new_k.present) {
		if (!old_k.present)
			return 0;
		s = store_stmt(c, ST_STATS_CONTRIB_DEL);
		sbind_int(s, 1, id);
	} else if (old_k.present && same_cell(&old_k, &new_k) && olen == nlen &&
	           !memcmp(old_blob, new_blob, nlen)) {
		return 0;
	} else {
		s = store_stmt(c, ST_STATS_CONTRIB_PUT);
		sbind_int(s, 1, id);
		sbind_text(s, 2, new_k.type);
		sbind_int(s, 3, new_k.day);
		sbind_text(s, 4, new_k.class_);
		sbind_text(s, 5, new_k.channel);
		sbind_text(s, 6, new_k.status);
		sbind_blob(s, 7, new_blob, nlen);
		if (new_k.has_due)
			sbind_int(s, 8, new_k.due);
		else
			sbind_null(s, 8);
	}
	int rc = sstep(s);
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* Folds in up to max marked cases; *done the number. 0, or -1. */
static int flush_some(struct store_conn *c, const struct app *app, int max, int *done)
{
	enum { CHUNK = 256 };
	int64_t ids[CHUNK];
	struct binds_cache bc = {0};
	int rc = 0;
	*done = 0;
	while (rc == 0 && *done < max) {
		int n = 0, step;
		struct store_stmt *s = store_stmt(c, ST_STATS_DIRTY_NEXT);
		sbind_int(s, 1, CHUNK);
		while ((step = sstep(s)) == STORE_ROW && n < CHUNK)
			ids[n++] = scol_int(s, 0);
		sreset(s);
		if (step != STORE_DONE && step != STORE_ROW) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		for (int i = 0; i < n && rc == 0; i++) {
			if (case_update(c, app, &bc, ids[i]) != 0) {
				rc = -1;
				break;
			}
			s = store_stmt(c, ST_STATS_DIRTY_DEL);
			sbind_int(s, 1, ids[i]);
			if (sstep(s) != STORE_DONE)
				rc = -1;
			sreset(s);
		}
		*done += n;
	}
	cache_release(&bc);
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
	    store_exec(c, ST_STATS_AGG_CLEAR_CASE) != STORE_OK ||
	    store_exec(c, ST_STATS_DUE_CLEAR) != STORE_OK ||
	    store_exec(c, ST_STATS_DIRTY_ALL) != STORE_OK || stats_agg_flush(c, app) != 0) {
		snprintf(err, errcap, "统计汇总重建失败: %s", store_errmsg(c));
		return -1;
	}
	return 0;
}

int stats_agg_verify_cases(struct store_conn *c, const struct app *app, FILE *out)
{
	struct binds_cache bc = {0};
	int64_t last = 0;
	int bad = 0;
	for (;;) {
		int64_t ids[1000];
		int n = 0, rc;
		struct store_stmt *s = store_stmt(c, ST_STATS_CHECK_CASES);
		sbind_int(s, 1, last);
		while ((rc = sstep(s)) == STORE_ROW && n < 1000)
			ids[n++] = scol_int(s, 0);
		sreset(s);
		if (rc != STORE_DONE && rc != STORE_ROW)
			goto fail;
		if (n == 0)
			break;
		for (int i = 0; i < n; i++) {
			size_t olen, nlen = 0;
			if (contrib_load(c, ids[i], &old_k, old_blob, &olen) != 0 ||
			    contrib_compute(c, app, &bc, ids[i], &new_k) != 0)
				goto fail;
			if (new_k.present)
				nlen = contrib_encode(&new_k, new_blob);
			bool same = old_k.present == new_k.present &&
			            (!new_k.present || (same_cell(&old_k, &new_k) && olen == nlen &&
			                                !memcmp(old_blob, new_blob, nlen)));
			if (!same) {
				fprintf(out, "案件 %lld：汇总中的贡献与由基础数据重算的不同\n",
				        (long long)ids[i]);
				bad++;
			}
		}
		last = ids[n - 1];
	}
	cache_release(&bc);
	return bad;
fail:
	cache_release(&bc);
	return -1;
}
