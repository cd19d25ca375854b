/*
 * The rates of DESIGN §4 (stats.h; docs/rates.md has every formula in words
 * with a worked example).
 *
 * The type's "rates" block (core/type_data.h) says which of its actions,
 * states, channels and fields each rate counts; they reach the SQL as bound
 * parameters (struct rate_binds), so no statement names them.
 *
 * All counting happens in SQL (store/stmt_stats.h): three statements,
 * ST_STATS_CASES, ST_STATS_DIMS and ST_STATS_ASSIGNMENTS, each filtered by
 * the same scope and each returning one row of tallies per group key. One
 * answer runs them for at most three groupings: the whole scope, the lead
 * units (for the ranking, always), and the days when group=day. This file
 * only divides, names the groups and sorts the ranking.
 *
 * For a period of whole Shanghai days the same tallies are read from the
 * aggregates instead (agg_load: the rows of the period, its whole months
 * from the monthly rollups, stats_month.c, summed per group here), kept by
 * the writer (stats_agg.c); the live statements stay the definition, for
 * other periods, while a change waits to be folded in, and for `civicloop
 * stats --check` (stats_check.c).
 *
 * One count is not of the period: counts.overdue, the open cases in scope
 * past their deadline now (live: ST_STATS_OVERDUE, from the index of open
 * cases by deadline; from the aggregates: ST_STATS_AGG_OVERDUE, the
 * deadlines counted per day), and with group=org each unit's open parts
 * past their due_at (ST_STATS_UNIT_OVERDUE, one indexed probe per unit, or
 * ST_STATS_AGG_UNIT_OVERDUE).
 *
 * Cost, for C cases of all types received in the period (a range of the
 * cases_received index), with E events and A assignments on the in-scope
 * ones: O(C log N + E + A) per grouping, read through indexes (events_case,
 * events_action, assignments_case); JSON payloads are parsed only for
 * callbacks, approved returns and first replies. Memory here is O(groups);
 * no event or assignment row reaches C.
 */
#include "core/stats.h"
#include "core/stats_int.h"
#include "core/ledger.h"
#include "core/receptions.h"
#include "core/engine.h" /* FOLLOW_PARENT_EVENT */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* The ?5 parameter of store/stmt_stats.h: what a group key is. */
enum stats_mode {
	MODE_ALL = 0,  /* one group, key 0 */
	MODE_DAY = 1,  /* key = Asia/Shanghai day number of received_at */
	MODE_UNIT = 2, /* key = org id of a unit leading the case */
};

/* One group's tallies. Each numerator counts a subset of what its
 * denominator counts (docs/rates.md), so every fraction is within 0..1. */
struct tally {
	int64_t key;
	/* cases, from ST_STATS_CASES */
	int64_t received, closed, merged, transferred, from_110, problem, to_110;
	int64_t replied, replied_on_time, reopened, callbacks, resolved, satisfied;
	int64_t escalated, closed_locally; /* cases escalated; closed, never escalated */
	/* merged cases: now in duplicates.state, or holding a live duplicates.link
	 * (a merged child that followed its parent on); merged counts the state
	 * alone, for the completion rate's denominator */
	int64_t duplicates;
	int64_t closed_duplicates; /* closed with their parent: not the hotline's to finish */
	bool local;                /* the type maps rates.local_resolution: answer its rate */
	/* assignments, from ST_STATS_ASSIGNMENTS */
	int64_t assignments, signed_on_time, returned;
	/* counts.overdue, not limited by the period (has_overdue: answered):
	 * MODE_ALL the open cases in scope past their deadline, MODE_UNIT the
	 * unit's open parts past their due_at */
	int64_t overdue;
	bool has_overdue;
	/* from ST_STATS_DIMS; owned, every code of the type present (0 if none) */
	json_t *by_class, *by_channel, *by_status;
	/* MODE_UNIT only: the unit, and its ranking score when has_score */
	char code[64];
	char name[128];
	bool has_score;
	double score;
};

/* Groups of one mode, ascending by key (the statements' ORDER BY). */
struct tally_set {
	struct tally *a;
	int n, cap;
};

enum rate_id {
	R_RESPONSE,
	R_COMPLETION,
	R_ON_TIME,
	R_RESOLUTION,
	R_SATISFACTION,
	R_RETURN,
	R_REOPEN,
	R_DUPLICATE,
	R_LOCAL, /* only for types with rates.local_resolution */
	R__COUNT
};

/* Answer names, in answer order. */
static const char *const rate_names[R__COUNT] = {
    "response_rate",   "completion_rate",   "on_time_rate",
    "resolution_rate", "satisfaction_rate", "return_rate",
    "reopen_rate",     "duplicate_rate",    "local_resolution_rate",
};

struct fraction {
	int64_t num, den; /* undefined (null) when den is 0 */
};

/* The formulas of docs/rates.md, on one group's tallies. */
static void tally_fractions(const struct tally *t, struct fraction f[R__COUNT])
{
	f[R_RESPONSE] = (struct fraction){t->signed_on_time, t->assignments};
	f[R_COMPLETION] = (struct fraction){t->closed - t->closed_duplicates,
	                                    t->received - t->duplicates - t->transferred};
	f[R_ON_TIME] = (struct fraction){t->replied_on_time, t->replied};
	f[R_RESOLUTION] = (struct fraction){t->resolved, t->callbacks};
	f[R_SATISFACTION] = (struct fraction){t->satisfied, t->callbacks};
	f[R_RETURN] = (struct fraction){t->returned, t->assignments};
	f[R_REOPEN] = (struct fraction){t->reopened, t->replied};
	f[R_DUPLICATE] = (struct fraction){t->duplicates, t->received};
	f[R_LOCAL] = (struct fraction){t->closed_locally, t->closed};
}

static json_t *fraction_json(struct fraction f)
{
	return f.den > 0 ? json_real((double)f.num / (double)f.den) : json_null();
}

/* The ranking score: the mean of the defined ones among the response,
 * on-time, resolution and satisfaction rates, summed in that order. */
static void tally_score(struct tally *t)
{
	static const enum rate_id scored[] = {R_RESPONSE, R_ON_TIME, R_RESOLUTION, R_SATISFACTION};
	struct fraction f[R__COUNT];
	tally_fractions(t, f);
	double sum = 0;
	int n = 0;
	for (size_t i = 0; i < sizeof scored / sizeof scored[0]; i++) {
		struct fraction x = f[scored[i]];
		if (x.den > 0) {
			sum += (double)x.num / (double)x.den;
			n++;
		}
	}
	t->has_score = n > 0;
	t->score = n > 0 ? sum / n : 0;
}

static void set_release(struct tally_set *set)
{
	for (int i = 0; i < set->n; i++) {
		json_decref(set->a[i].by_class);
		json_decref(set->a[i].by_channel);
		json_decref(set->a[i].by_status);
	}
	free(set->a);
	memset(set, 0, sizeof *set);
}

/* A new zero tally for key, appended (keys arrive ascending). Every class,
 * channel and state of the type starts at 0, so the answer names them all. */
static struct tally *set_push(struct tally_set *set, const struct matter_type *t, int64_t key,
                              struct err *e);

static struct tally *set_add(struct tally_set *set, const struct matter_type *t, int64_t key,
                             struct err *e)
{
	if (set->n == STATS_MAX_GROUPS) {
		err_set(e, E_BAD_REQUEST, NULL, "分组超过 %d 个，请缩小统计范围", STATS_MAX_GROUPS);
		return NULL;
	}
	return set_push(set, t, key, e);
}

/* set_add without the cap on groups (the aggregates drop groups after). */
static struct tally *set_push(struct tally_set *set, const struct matter_type *t, int64_t key,
                              struct err *e)
{
	if (set->n == set->cap) {
		int cap = set->cap ? set->cap * 2 : 16;
		struct tally *a = realloc(set->a, (size_t)cap * sizeof *a);
		if (!a) {
			err_set(e, E_UNAVAILABLE, NULL, NULL);
			return NULL;
		}
		set->a = a;
		set->cap = cap;
	}
	struct tally *x = &set->a[set->n++];
	memset(x, 0, sizeof *x);
	x->key = key;
	x->local = t->data.rates.escalate_actions != NULL;
	x->by_class = json_object();
	x->by_channel = json_object();
	x->by_status = json_object();
	for (int i = 0; i < t->nclasses; i++)
		json_object_set_new(x->by_class, t->classes[i].code, json_integer(0));
	for (int i = 0; i < t->nchannels; i++)
		json_object_set_new(x->by_channel, t->channels[i], json_integer(0));
	for (int i = 0; i < t->nstates; i++)
		json_object_set_new(x->by_status, t->states[i].code, json_integer(0));
	return x;
}

static struct tally *set_find(struct tally_set *set, int64_t key)
{
	int lo = 0, hi = set->n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (set->a[mid].key == key)
			return &set->a[mid];
		if (set->a[mid].key < key)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

void rate_binds_release(struct rate_binds *b)
{
	free(b->actions);
	free(b->reopen_actions);
	free(b->reopen_to);
	free(b->resolved_in);
	free(b->satisfied_in);
	free(b->close_states);
	free(b->escalate);
	memset(b, 0, sizeof *b);
}

/* A JSON array as text, or NULL for NULL; *ok cleared when out of memory. */
static char *list_text(json_t *arr, bool *ok)
{
	if (!arr)
		return NULL;
	char *s = json_dumps(arr, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		*ok = false;
	return s;
}

/* 0, or -1 out of memory (b released). The names were checked at load
 * (type_data.c), so a field name needs no quoting inside the path. */
int rate_binds_init(struct rate_binds *b, const struct type_rates *r)
{
	memset(b, 0, sizeof *b);
	b->r = r;
	bool ok = true;
	json_t *acts = json_array();
	if (r->transfer_action)
		json_array_append_new(acts, json_string(r->transfer_action));
	if (r->reopen_actions)
		json_array_extend(acts, r->reopen_actions);
	json_array_append_new(acts, json_string(r->callback_action));
	if (r->escalate_actions)
		json_array_extend(acts, r->escalate_actions);
	b->actions = list_text(acts, &ok);
	json_decref(acts);
	b->reopen_actions = list_text(r->reopen_actions, &ok);
	b->reopen_to = list_text(r->reopen_follow_up_to, &ok);
	b->resolved_in = list_text(r->resolved.in, &ok);
	b->satisfied_in = list_text(r->satisfied.in, &ok);
	b->close_states = list_text(r->close_states, &ok);
	b->escalate = list_text(r->escalate_actions, &ok);
	snprintf(b->resolved_path, sizeof b->resolved_path, "$.%s", r->resolved.field);
	snprintf(b->satisfied_path, sizeof b->satisfied_path, "$.%s", r->satisfied.field);
	if (!ok) {
		rate_binds_release(b);
		return -1;
	}
	return 0;
}

/* An aggregate column; SQL's sum() over no counted rows is NULL, read as 0. */
static int64_t col_count(struct store_stmt *s, int i)
{
	return scol_null(s, i) ? 0 : scol_int(s, i);
}

/* Statement id with the scope parameters bound, or NULL if it would not
 * prepare (a bug, already reported by the backend). */
static struct store_stmt *stats_stmt(struct store_conn *c, enum stmt_id id,
                                     const struct stats_query *q, enum stats_mode mode)
{
	struct store_stmt *s = store_stmt(c, id);
	if (!s)
		return NULL;
	sbind_text(s, 1, q->type->code);
	sbind_text(s, 2, q->org_path);
	sbind_int(s, 3, q->from);
	sbind_int(s, 4, q->to);
	sbind_int(s, 5, mode);
	return s;
}

/* The rates parameters of ST_STATS_CASES into s. */
static void stats_bind_case_rates(struct store_stmt *s, const struct rate_binds *b)
{
	const struct type_rates *r = b->r;
	sbind_text(s, STATS_P_ACTIONS, b->actions);
	sbind_text(s, STATS_P_REPLY_STATE, r->reply_state);
	sbind_text(s, STATS_P_TRANSFER_ACTION, r->transfer_action);
	sbind_text(s, STATS_P_REOPEN_ACTIONS, b->reopen_actions);
	sbind_text(s, STATS_P_CALLBACK_ACTION, r->callback_action);
	sbind_text(s, STATS_P_REOPEN_FOLLOW_UP_TO, b->reopen_to);
	sbind_text(s, STATS_P_RESOLVED_PATH, b->resolved_path);
	sbind_text(s, STATS_P_RESOLVED_IN, b->resolved_in);
	sbind_text(s, STATS_P_SATISFIED_PATH, b->satisfied_path);
	sbind_text(s, STATS_P_SATISFIED_IN, b->satisfied_in);
	sbind_text(s, STATS_P_CLOSE_STATES, b->close_states);
	sbind_text(s, STATS_P_MERGE_STATE, r->merge_state);
	sbind_text(s, STATS_P_TRANSFER_STATE, r->transfer_state);
	sbind_text(s, STATS_P_TRANSFER_CHANNEL, r->transfer_channel);
	sbind_text(s, STATS_P_ESCALATE_ACTIONS, b->escalate);
	sbind_text(s, STATS_P_MERGE_LINK, r->merge_link);
	sbind_text(s, STATS_P_FOLLOW_EVENT, FOLLOW_PARENT_EVENT);
}

/* Creates one tally per group that has cases (STATS_CASE_COLS). */
static int read_cases(struct store_conn *c, const struct stats_query *q, const struct rate_binds *b,
                      enum stats_mode mode, struct tally_set *set, struct err *e)
{
	struct store_stmt *s = stats_stmt(c, ST_STATS_CASES, q, mode);
	if (!s)
		return err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
	stats_bind_case_rates(s, b);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		struct tally *t = set_add(set, q->type, scol_int(s, 0), e);
		if (!t) {
			sreset(s);
			return -1;
		}
		t->received = col_count(s, 1);
		t->closed = col_count(s, 2);
		t->merged = col_count(s, 3);
		t->transferred = col_count(s, 4);
		t->from_110 = col_count(s, 5);
		t->problem = col_count(s, 6);
		t->to_110 = col_count(s, 7);
		t->replied = col_count(s, 8);
		t->replied_on_time = col_count(s, 9);
		t->reopened = col_count(s, 10);
		t->callbacks = col_count(s, 11);
		t->resolved = col_count(s, 12);
		t->satisfied = col_count(s, 13);
		t->escalated = col_count(s, 14);
		t->closed_locally = col_count(s, 15);
		t->duplicates = col_count(s, 16);
		t->closed_duplicates = col_count(s, 17);
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
}

/* Fills by_class / by_channel / by_status: rows (key, dimension, code, n). */
static int read_dims(struct store_conn *c, const struct stats_query *q, enum stats_mode mode,
                     struct tally_set *set, struct err *e)
{
	struct store_stmt *s = stats_stmt(c, ST_STATS_DIMS, q, mode);
	if (!s)
		return err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		struct tally *t = set_find(set, scol_int(s, 0));
		const char *code = scol_text(s, 2);
		if (!t || !code)
			continue;
		int64_t dim = scol_int(s, 1);
		json_t *o = dim == 0 ? t->by_class : dim == 1 ? t->by_channel : t->by_status;
		json_object_set_new(o, code, json_integer(col_count(s, 3)));
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
}

/* Fills the assignment tallies: rows (key, dispatched, signed in time, returned). */
static int read_assignments(struct store_conn *c, const struct stats_query *q,
                            const struct rate_binds *b, enum stats_mode mode, struct tally_set *set,
                            struct err *e)
{
	struct store_stmt *s = stats_stmt(c, ST_STATS_ASSIGNMENTS, q, mode);
	if (!s)
		return err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
	sbind_text(s, STATS_P_RETURN_ACTION, b->r->return_action);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		struct tally *t = set_find(set, scol_int(s, 0));
		if (!t)
			continue;
		t->assignments = col_count(s, 1);
		t->signed_on_time = col_count(s, 2);
		t->returned = col_count(s, 3);
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
}

/* The open cases in scope past their deadline at `now` into t->overdue. */
static int read_overdue(struct store_conn *c, const struct stats_query *q, int64_t now, bool agg,
                        struct tally *t, struct err *e)
{
	struct store_stmt *s;
	if (agg) { /* stats_due and its count per day, kept with the aggregates */
		s = store_stmt(c, ST_STATS_AGG_OVERDUE);
		sbind_int(s, 1, q->org_id);
		sbind_text(s, 2, q->type->code);
		sbind_int(s, 3, time_day_start(time_day_of(now)));
		sbind_int(s, 4, now);
		sbind_int(s, 5, time_day_of(now));
	} else {
		s = store_stmt(c, ST_STATS_OVERDUE);
		sbind_text(s, 1, q->type->code);
		sbind_text(s, 2, q->org_path);
		sbind_int(s, 3, now);
	}
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		t->overdue = col_count(s, 0);
		t->has_overdue = true;
	}
	sreset(s);
	return rc == STORE_ROW ? 0 : err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
}

/* The type's assignment statuses of the open and signed phases (a part not
 * yet done), as a JSON array text the caller frees; NULL out of memory. */
static char *open_part_statuses(const struct matter_type *t)
{
	json_t *arr = json_array();
	for (int i = 0; i < t->nasg_statuses; i++)
		if (t->asg_statuses[i].phase == ASG_OPEN || t->asg_statuses[i].phase == ASG_SIGNED)
			json_array_append_new(arr, json_string(t->asg_statuses[i].code));
	char *text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return text;
}

/* Each unit's open parts past their due_at at `now` into its overdue:
 * from stats_part_due when agg, else live. */
static int read_unit_overdue(struct store_conn *c, const struct stats_query *q, int64_t now,
                             bool agg, struct tally_set *units, struct err *e)
{
	char *open = agg ? NULL : open_part_statuses(q->type);
	if (!agg && !open)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	int rc = STORE_ROW;
	for (int i = 0; i < units->n && rc == STORE_ROW; i++) {
		struct tally *t = &units->a[i];
		struct store_stmt *s =
		    store_stmt(c, agg ? ST_STATS_AGG_UNIT_OVERDUE : ST_STATS_UNIT_OVERDUE);
		sbind_int(s, 1, t->key);
		if (agg) {
			sbind_text(s, 2, q->type->code);
			sbind_int(s, 3, time_day_start(time_day_of(now)));
			sbind_int(s, 4, now);
			sbind_int(s, 5, time_day_of(now));
		} else {
			sbind_text(s, 2, open);
			sbind_int(s, 3, now);
			sbind_text(s, 4, q->type->code);
		}
		if ((rc = sstep(s)) == STORE_ROW) {
			t->overdue = col_count(s, 0);
			t->has_overdue = true;
		}
		sreset(s);
	}
	free(open);
	return rc == STORE_ROW ? 0 : err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
}

/* Code and name of a unit's org into t; -1 if the org is gone. */
static int unit_name(struct store_conn *c, struct tally *t)
{
	struct store_stmt *s = store_stmt(c, ST_ORG_BY_ID);
	if (!s)
		return -1;
	sbind_int(s, 1, t->key);
	int rc = -1;
	if (sstep(s) == STORE_ROW) {
		snprintf(t->code, sizeof t->code, "%s", scol_text(s, 1));
		snprintf(t->name, sizeof t->name, "%s", scol_text(s, 2));
		rc = 0;
	}
	sreset(s);
	return rc;
}

/* Runs the statements for one grouping; ST_STATS_DIMS only when dims (the
 * ranking shows no counts). MODE_ALL always yields one group, all zero when
 * nothing is in scope. On failure *set is released. */
static int set_load(struct store_conn *c, const struct stats_query *q, const struct rate_binds *b,
                    enum stats_mode mode, bool dims, struct tally_set *set, struct err *e)
{
	memset(set, 0, sizeof *set);
	if (read_cases(c, q, b, mode, set, e) != 0)
		goto fail;
	if (mode == MODE_ALL && set->n == 0 && !set_add(set, q->type, 0, e))
		goto fail;
	if ((dims && read_dims(c, q, mode, set, e) != 0) ||
	    read_assignments(c, q, b, mode, set, e) != 0)
		goto fail;
	if (mode == MODE_UNIT) {
		for (int i = 0; i < set->n; i++) {
			if (unit_name(c, &set->a[i]) != 0) {
				err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
				goto fail;
			}
			tally_score(&set->a[i]);
		}
	}
	return 0;
fail:
	set_release(set);
	return -1;
}

/* ---- the answer from the daily aggregates (stats_agg.c) ---- */

/* Codes met in one dimension while summing cells, set into the tally's
 * object after, in code order (as ST_STATS_DIMS's ORDER BY sets them). */
static int dim_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int dims_flush(json_t *acc, json_t *into)
{
	size_t n = json_object_size(acc), i = 0;
	if (n == 0)
		return 0;
	const char **keys = malloc(n * sizeof *keys);
	if (!keys)
		return -1;
	const char *k;
	json_t *v;
	json_object_foreach(acc, k, v) keys[i++] = k;
	qsort(keys, n, sizeof *keys, dim_cmp);
	for (i = 0; i < n; i++) {
		json_int_t x = json_integer_value(json_object_get(acc, keys[i]));
		if (x > 0)
			json_object_set_new(into, keys[i], json_integer(x));
	}
	free(keys);
	json_object_clear(acc);
	return 0;
}

static void dim_add(json_t *acc, const char *code, int64_t n)
{
	if (!code || !*code || n == 0)
		return;
	json_t *v = json_object_get(acc, code);
	if (v)
		json_integer_set(v, json_integer_value(v) + n);
	else
		json_object_set_new(acc, code, json_integer(n));
}

/* Adds the 20 counters of an aggregate row (columns 4..23, never NULL) to
 * t. */
static void tally_add_row(struct tally *t, struct store_stmt *s)
{
	int64_t *f[STATS_AGG_N] = {
	    &t->received,          &t->closed,      &t->merged,         &t->transferred,
	    &t->from_110,          &t->problem,     &t->to_110,         &t->replied,
	    &t->replied_on_time,   &t->reopened,    &t->callbacks,      &t->resolved,
	    &t->satisfied,         &t->escalated,   &t->closed_locally, &t->duplicates,
	    &t->closed_duplicates, &t->assignments, &t->signed_on_time, &t->returned};
	for (int i = 0; i < STATS_AGG_N; i++)
		*f[i] += scol_int(s, 4 + i);
}

/* Drops the groups without cases (a unit counted only for its assignments
 * on cases it does not lead; a day whose cases all moved away). */
static void set_compact(struct tally_set *set, bool keep_first)
{
	int n = 0;
	for (int i = 0; i < set->n; i++) {
		struct tally *t = &set->a[i];
		if (t->received > 0 || (keep_first && i == 0)) {
			if (n != i)
				set->a[n] = *t;
			n++;
		} else {
			json_decref(t->by_class);
			json_decref(t->by_channel);
			json_decref(t->by_status);
		}
	}
	set->n = n;
}

/* Summing the rows of the aggregates into the groups of one mode: the
 * tallies, a map from a unit's key to its tally (the units' rows come in
 * no unit order), and each tally's codes met per dimension. */
struct agg_sum {
	struct tally_set *set;
	const struct matter_type *type;
	enum stats_mode mode;
	bool dims;
	json_t **acc; /* 3 per tally: class, channel, status */
	int acc_cap;
	int *slots; /* MODE_UNIT: tally index + 1 by key, open addressing */
	int slot_cap;
	struct err *e;
};

static size_t key_slot(int64_t key, int cap)
{
	return (size_t)(((uint64_t)key * 0x9e3779b97f4a7c15ULL) >> 32) & (size_t)(cap - 1);
}

static int unit_map_grow(struct agg_sum *g)
{
	int cap = g->slot_cap ? g->slot_cap * 2 : 256;
	int *s = calloc((size_t)cap, sizeof *s);
	if (!s)
		return -1;
	for (int i = 0; i < g->set->n; i++) {
		size_t j = key_slot(g->set->a[i].key, cap);
		while (s[j])
			j = (j + 1) & (size_t)(cap - 1);
		s[j] = i + 1;
	}
	free(g->slots);
	g->slots = s;
	g->slot_cap = cap;
	return 0;
}

/* The index of key's tally, a new one when it has none; -1 out of memory. */
static int agg_group(struct agg_sum *g, int64_t key)
{
	struct tally_set *set = g->set;
	if (g->mode != MODE_UNIT) { /* one group, or days in order */
		if (set->n > 0 && set->a[set->n - 1].key == key)
			return set->n - 1;
	} else {
		if ((set->n + 1) * 2 > g->slot_cap && unit_map_grow(g) != 0)
			return -1;
		size_t j = key_slot(key, g->slot_cap);
		for (; g->slots[j]; j = (j + 1) & (size_t)(g->slot_cap - 1))
			if (set->a[g->slots[j] - 1].key == key)
				return g->slots[j] - 1;
		g->slots[j] = set->n + 1;
	}
	if (!set_push(set, g->type, key, g->e))
		return -1;
	if (g->dims && set->n > g->acc_cap) {
		int cap = g->acc_cap ? g->acc_cap * 2 : 16;
		json_t **acc = realloc(g->acc, (size_t)cap * 3 * sizeof *acc);
		if (!acc)
			return -1;
		memset(acc + g->acc_cap * 3, 0, (size_t)(cap - g->acc_cap) * 3 * sizeof *acc);
		g->acc = acc;
		g->acc_cap = cap;
	}
	if (g->dims) {
		json_t **a = &g->acc[(set->n - 1) * 3];
		for (int d = 0; d < 3; d++)
			if (!(a[d] = json_object()))
				return -1;
	}
	return set->n - 1;
}

static int agg_row(void *arg, struct store_stmt *s)
{
	struct agg_sum *g = arg;
	int i = agg_group(g, g->mode == MODE_ALL ? 0 : scol_int(s, 0));
	if (i < 0)
		return -1;
	struct tally *t = &g->set->a[i];
	int64_t received_before = t->received;
	tally_add_row(t, s);
	if (g->dims) {
		int64_t n = t->received - received_before;
		for (int d = 0; d < 3; d++)
			dim_add(g->acc[i * 3 + d], scol_text(s, 1 + d), n);
	}
	return 0;
}

static int tally_key_cmp(const void *pa, const void *pb)
{
	const struct tally *a = pa, *b = pb;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* The groups of one mode from the aggregates, as set_load makes them from
 * the live statements (dims: by_class, by_channel, by_status too). */
static int agg_load(struct store_conn *c, const struct stats_query *q, enum stats_mode mode,
                    bool dims, struct tally_set *set, struct err *e)
{
	memset(set, 0, sizeof *set);
	struct agg_sum g = {.set = set, .type = q->type, .mode = mode, .dims = dims, .e = e};
	bool fail = mode == MODE_ALL && agg_group(&g, 0) != 0;
	enum stats_agg_view view = mode == MODE_ALL   ? STATS_VIEW_CELLS
	                           : mode == MODE_DAY ? STATS_VIEW_DAYS
	                                              : STATS_VIEW_UNITS;
	if (!fail)
		fail = stats_agg_rows(c, view, q->org_id, q->type->code, time_day_of(q->from),
		                      time_day_of(q->to), agg_row, &g) != 0;
	for (int i = 0; g.dims && i < set->n && i < g.acc_cap; i++) {
		json_t **a = &g.acc[i * 3];
		struct tally *t = &set->a[i];
		if (!fail && (dims_flush(a[0], t->by_class) || dims_flush(a[1], t->by_channel) ||
		              dims_flush(a[2], t->by_status)))
			fail = true;
		for (int d = 0; d < 3; d++)
			json_decref(a[d]);
	}
	free(g.acc);
	free(g.slots);
	if (fail) {
		set_release(set);
		return err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
	}
	if (mode == MODE_UNIT && set->n > 1)
		qsort(set->a, (size_t)set->n, sizeof *set->a, tally_key_cmp);
	set_compact(set, mode == MODE_ALL);
	if (mode == MODE_ALL && set->a[0].received == 0) {
		struct tally *z = &set->a[0]; /* nothing in scope: all zero, as live */
		json_t *bc = z->by_class, *bh = z->by_channel, *bs = z->by_status;
		int64_t k = z->key;
		bool local = z->local;
		memset(z, 0, sizeof *z);
		z->key = k;
		z->local = local;
		z->by_class = bc;
		z->by_channel = bh;
		z->by_status = bs;
	}
	if (set->n > STATS_MAX_GROUPS) {
		set_release(set);
		return err_set(e, E_BAD_REQUEST, NULL, "分组超过 %d 个，请缩小统计范围",
		               STATS_MAX_GROUPS);
	}
	if (mode == MODE_UNIT) {
		for (int i = 0; i < set->n; i++) {
			if (unit_name(c, &set->a[i]) != 0) {
				set_release(set);
				return err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
			}
			tally_score(&set->a[i]);
		}
	}
	return 0;
}

/* The aggregates answer when the period is whole Shanghai days and no
 * change waits to be folded in; else the live statements do. */
static bool agg_usable(struct store_conn *c, const struct stats_query *q)
{
	return q->from == time_day_start(time_day_of(q->from)) &&
	       q->to == time_day_start(time_day_of(q->to)) && stats_agg_ready(c);
}

/* set_load from the aggregates or the live statements. */
static int group_load(struct store_conn *c, const struct stats_query *q, const struct rate_binds *b,
                      enum stats_mode mode, bool dims, bool agg, struct tally_set *set,
                      struct err *e)
{
	return agg ? agg_load(c, q, mode, dims, set, e) : set_load(c, q, b, mode, dims, set, e);
}

/* Adds the eight rates of t to o, in answer order, and the ninth when the
 * type maps it. */
static void rates_set(json_t *o, const struct tally *t)
{
	struct fraction f[R__COUNT];
	tally_fractions(t, f);
	for (int i = 0; i < R__COUNT; i++)
		if (i != R_LOCAL || t->local)
			json_object_set_new(o, rate_names[i], fraction_json(f[i]));
}

static json_t *counts_json(const struct tally *t)
{
	json_t *o = json_object();
	json_object_set(o, "by_class", t->by_class);
	json_object_set(o, "by_channel", t->by_channel);
	json_object_set(o, "by_status", t->by_status);
	const struct {
		const char *name;
		int64_t v;
	} n[] = {
	    {"from_110", t->from_110},
	    {"to_110", t->to_110},
	    {"merged", t->duplicates},           /* API key, not a type name */
	    {"transferred_110", t->transferred}, /* API key, not a type name */
	    {"problem", t->problem},
	    {"callbacks", t->callbacks},
	    {"resolved", t->resolved},
	    {"satisfied", t->satisfied},
	    {"replied", t->replied}, /* API key, not a type name */
	    {"replied_on_time", t->replied_on_time},
	    {"reopened", t->reopened},
	    {"assignments", t->assignments},
	    {"signed_on_time", t->signed_on_time},
	    {"returned", t->returned},
	};
	for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
		json_object_set_new(o, n[i].name, json_integer(n[i].v));
	if (t->has_overdue)
		json_object_set_new(o, "overdue", json_integer(t->overdue));
	if (t->local) {
		json_object_set_new(o, "escalated", json_integer(t->escalated));
		json_object_set_new(o, "resolved_locally", json_integer(t->closed_locally));
	}
	return o;
}

/* received, closed, the rates and the counts of t, added to o. */
static void tally_fill(json_t *o, const struct tally *t)
{
	/* the API's keys (API.md), whatever the type calls its states */
	json_object_set_new(o, "received", json_integer(t->received)); /* not a type name */
	json_object_set_new(o, "closed", json_integer(t->closed));     /* not a type name */
	rates_set(o, t);
	json_object_set_new(o, "counts", counts_json(t));
}

static json_t *unit_org_json(const struct tally *t)
{
	return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)t->key, "code", t->code, "name",
	                 t->name);
}

/* Ranking order: score descending, a unit without a score last, then by
 * org code. */
static int unit_rank_cmp(const void *pa, const void *pb)
{
	const struct tally *a = *(const struct tally *const *)pa;
	const struct tally *b = *(const struct tally *const *)pb;
	if (a->has_score != b->has_score)
		return a->has_score ? -1 : 1;
	if (a->has_score && a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->code, b->code);
}

static int unit_code_cmp(const void *pa, const void *pb)
{
	const struct tally *a = *(const struct tally *const *)pa;
	const struct tally *b = *(const struct tally *const *)pb;
	return strcmp(a->code, b->code);
}

/* The units of set as an array of pointers sorted by cmp, in *out (NULL
 * when there are none). Returns 0, or -1 out of memory. Caller frees. */
static int units_sorted(const struct tally_set *set, int (*cmp)(const void *, const void *),
                        const struct tally ***out)
{
	*out = NULL;
	if (set->n == 0)
		return 0;
	const struct tally **p = malloc((size_t)set->n * sizeof *p);
	if (!p)
		return -1;
	for (int i = 0; i < set->n; i++)
		p[i] = &set->a[i];
	qsort(p, (size_t)set->n, sizeof *p, cmp);
	*out = p;
	return 0;
}

/* The ranking from the units in ranking order. */
static json_t *ranking_json(const struct tally *const *p, int n)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		const struct tally *t = p[i];
		json_t *o = json_pack("{s:i,s:o,s:o,s:I}", "rank", i + 1, "org", unit_org_json(t),
		                      "score", t->has_score ? json_real(t->score) : json_null(),
		                      "cases", (json_int_t)t->received);
		if (o)
			rates_set(o, t);
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *day_groups_json(const struct tally_set *days)
{
	json_t *arr = json_array();
	for (int i = 0; i < days->n; i++) {
		char date[16];
		time_format_date(days->a[i].key, date, sizeof date);
		json_t *o = json_pack("{s:s}", "key", date);
		tally_fill(o, &days->a[i]);
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The group=org groups from the units in org code order. */
static json_t *unit_groups_json(const struct tally *const *p, int n)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s,s:o}", "key", p[i]->code, "org", unit_org_json(p[i]));
		tally_fill(o, p[i]);
		json_array_append_new(arr, o);
	}
	return arr;
}

/* {"id","code","name"} of org id, or null. */
static json_t *org_json(struct store_conn *c, int64_t id)
{
	struct store_stmt *s = store_stmt(c, ST_ORG_BY_ID);
	if (!s)
		return json_null();
	sbind_int(s, 1, id);
	json_t *o = json_null();
	if (sstep(s) == STORE_ROW)
		o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)scol_int(s, 0), "code",
		              scol_text(s, 1), "name", scol_text(s, 2));
	sreset(s);
	return o;
}

/* A type whose figures are its ledger's summary table (a hazard's found /
 * rectified / rate by source, by level and listed: core/ledger.h), over
 * the subtree and the period of receipt, instead of the rates. */
static int stats_ledger(struct store_conn *c, const struct stats_query *q, json_t **out,
                        struct err *e)
{
	struct ledger_query lq = {
	    .listed = -1, .from = q->from, .to = q->to, .scopes = {q->org_path, NULL, NULL}};
	json_t *sum;
	if (ledger_summary_of(c, q->type, &lq, &sum, e) != 0)
		return -1;
	*out =
	    json_pack("{s:s,s:o,s:s,s:s,s:o}", "type", q->type->code, "org", org_json(c, q->org_id),
	              "from", q->from_label, "to", q->to_label, "summary", sum);
	return *out ? 0 : err_oom(e);
}

/* A type whose figures are its rolling inspections alone (no rates
 * block: an inspection has no reply, no callback; docs/inspection.md). */
static int inspection_only(struct store_conn *c, const struct stats_query *q, json_t **out,
                           struct err *e)
{
	json_t *insp;
	if (stats_inspection(c, q, q->now ? q->now : time_now_ms(), &insp, e) != 0)
		return -1;
	*out =
	    json_pack("{s:s,s:o,s:s,s:s,s:o}", "type", q->type->code, "org", org_json(c, q->org_id),
	              "from", q->from_label, "to", q->to_label, "inspections", insp);
	return *out ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

/* A type whose figures are its receptions' (公务接待: letters, receptions,
 * the usage rate, the flags by unit and kind; core/receptions.h). */
static int stats_reception(struct store_conn *c, const struct stats_query *q, json_t **out,
                           struct err *e)
{
	struct reception_query rq = {
	    .type = q->type, .org_path = q->org_path, .from = q->from, .to = q->to};
	json_t *fig;
	if (receptions_scan(c, &rq, NULL, &fig, e) != 0)
		return -1;
	*out =
	    json_pack("{s:s,s:o,s:s,s:s,s:o}", "type", q->type->code, "org", org_json(c, q->org_id),
	              "from", q->from_label, "to", q->to_label, "receptions", fig);
	return *out ? 0 : err_oom(e);
}

static int compute(struct store_conn *c, const struct stats_query *q, bool live, json_t **out,
                   struct err *e)
{
	struct tally_set all = {0}, units = {0}, days = {0};
	const struct tally **by_rank = NULL, **by_code = NULL;
	json_t *o = NULL;
	int rc = -1;
	struct rate_binds b;
	if (!q->type->data.rates.defined && q->type->data.ledger.source)
		return stats_ledger(c, q, out, e);
	if (!q->type->data.rates.defined && q->type->data.reception.recorded_states)
		return stats_reception(c, q, out, e);
	if (!q->type->data.rates.defined && q->type->data.inspection.by_risk)
		return inspection_only(c, q, out, e);
	if (!q->type->data.rates.defined)
		return err_set(e, E_NOT_FOUND, NULL, "事项类型 %s 没有定义统计口径（rates）",
		               q->type->code);
	if (rate_binds_init(&b, &q->type->data.rates) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	int64_t now = q->now ? q->now : time_now_ms();
	bool agg = !live && agg_usable(c, q);
	if (group_load(c, q, &b, MODE_ALL, true, agg, &all, e) != 0 ||
	    group_load(c, q, &b, MODE_UNIT, q->group == STATS_GROUP_ORG, agg, &units, e) != 0 ||
	    read_overdue(c, q, now, agg, &all.a[0], e) != 0 ||
	    (q->group == STATS_GROUP_ORG && read_unit_overdue(c, q, now, agg, &units, e) != 0))
		goto out;
	if (q->group == STATS_GROUP_DAY && group_load(c, q, &b, MODE_DAY, true, agg, &days, e) != 0)
		goto out;
	if (units_sorted(&units, unit_rank_cmp, &by_rank) != 0 ||
	    units_sorted(&units, unit_code_cmp, &by_code) != 0) {
		err_set(e, E_UNAVAILABLE, NULL, NULL);
		goto out;
	}
	o = json_pack("{s:s,s:o,s:s,s:s}", "type", q->type->code, "org", org_json(c, q->org_id),
	              "from", q->from_label, "to", q->to_label);
	if (!o) {
		err_set(e, E_UNAVAILABLE, NULL, NULL);
		goto out;
	}
	tally_fill(o, &all.a[0]);
	json_t *levels;
	if (stats_levels(c, q, &levels, e) != 0)
		goto out;
	if (levels)
		json_object_set_new(o, "levels", levels);
	json_t *sugg;
	if (stats_suggestion(c, q, &sugg, e) != 0)
		goto out;
	if (sugg)
		json_object_set_new(o, "suggestions", sugg);
	if (stats_report_in(c, q, now, o, e) != 0 || stats_reviews(c, q, now, o, e) != 0)
		goto out;
	json_t *lists;
	if (stats_task(c, q, &lists, e) != 0)
		goto out;
	if (lists)
		json_object_set_new(o, "task_lists", lists);
	json_t *insp;
	if (stats_inspection(c, q, now, &insp, e) != 0)
		goto out;
	if (insp)
		json_object_set_new(o, "inspections", insp);
	json_object_set_new(o, "ranking", ranking_json(by_rank, units.n));
	if (q->group == STATS_GROUP_DAY)
		json_object_set_new(o, "groups", day_groups_json(&days));
	else if (q->group == STATS_GROUP_ORG)
		json_object_set_new(o, "groups", unit_groups_json(by_code, units.n));
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_decref(o);
	free(by_rank);
	free(by_code);
	set_release(&all);
	set_release(&units);
	set_release(&days);
	rate_binds_release(&b);
	return rc;
}

int stats_compute(struct store_conn *c, const struct stats_query *q, json_t **out, struct err *e)
{
	return compute(c, q, false, out, e);
}

int stats_compute_live(struct store_conn *c, const struct stats_query *q, json_t **out,
                       struct err *e)
{
	return compute(c, q, true, out, e);
}
