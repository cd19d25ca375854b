/*
 * The rates of DESIGN §4 for one matter type, one org subtree and one period
 * of receipt (GET /api/v1/stats/{type}). docs/rates.md defines every number
 * in words, with a worked example, so anyone can recompute them from the
 * cases' events. The SQL is in store/stmt_stats.h; this module turns its
 * per-group tallies into fractions, groups and the ranking of units.
 *
 * It reads only, through a reader connection inside an open read
 * transaction, so every number of one answer comes from one snapshot. It does
 * not check permissions: the caller has already decided that the actor may
 * read stats over q->org_path.
 */
#ifndef CIVICLOOP_CORE_STATS_H
#define CIVICLOOP_CORE_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/types.h"
#include "store/store.h"
#include "util/error.h"

#define STATS_MAX_DAYS 1096    /* longest period one request may cover */
#define STATS_MAX_GROUPS 20000 /* days or units in one answer */

enum stats_group {
	STATS_GROUP_NONE, /* no "groups" member */
	STATS_GROUP_DAY,  /* one group per Asia/Shanghai day of receipt */
	STATS_GROUP_ORG,  /* one group per unit leading an in-scope case */
};

struct stats_query {
	const struct matter_type *type;
	int64_t org_id;         /* root of the subtree */
	const char *org_path;   /* its path, "/1/4/" */
	int64_t from, to;       /* received_at in [from, to), UTC ms; from < to */
	const char *from_label; /* echoed as "from" and "to" */
	const char *to_label;
	enum stats_group group;
	int64_t now; /* the clock of counts.overdue, UTC ms; 0: time_now_ms() */
};

/* Computes the answer of GET /api/v1/stats/{type} for q. On success returns
 * 0 and *out is a new object the caller owns; on failure returns -1 with *e
 * set (a database fault is E_UNAVAILABLE; too many groups is
 * E_BAD_REQUEST; a type without a "rates" block is E_NOT_FOUND). */
int stats_compute(struct store_conn *c, const struct stats_query *q, json_t **out, struct err *e);
/* The per-level figures (stats_levels.c) into *out, a new array, or NULL
 * for a type without levels and rates.local_resolution. 0, or -1 with *e. */
int stats_levels(struct store_conn *c, const struct stats_query *q, json_t **out, struct err *e);
/* The per-topic and per-unit figures of people's suggestions
 * (stats_suggestion.c) into *out, {"by_topic","by_org"}, or NULL for a
 * type without "decisions". 0, or -1 with *e. */
int stats_suggestion(struct store_conn *c, const struct stats_query *q, json_t **out,
                     struct err *e);
/* The report-in figures (stats_whistle.c) as o's "report_in", for a type
 * with rates.report_in; nothing for any other. 0, or -1 with *e. */
int stats_report_in(struct store_conn *c, const struct stats_query *q, int64_t now, json_t *o,
                    struct err *e);
/* The joint-review figures (stats_reviews.c) as o's "reviews", for a type
 * with rates.reviews; nothing for any other. 0, or -1 with *e. */
int stats_reviews(struct store_conn *c, const struct stats_query *q, int64_t now, json_t *o,
                  struct err *e);
/* The per-list figures (stats_task.c) into *out, a new array, or NULL for
 * a type without a task_list block. 0, or -1 with *e. */
int stats_task(struct store_conn *c, const struct stats_query *q, json_t **out, struct err *e);
/* The rolling inspection figures (stats_inspection.c) into *out, a new
 * object, or NULL for a type without an inspection_plan block. 0, or -1
 * with *e. */
int stats_inspection(struct store_conn *c, const struct stats_query *q, int64_t now, json_t **out,
                     struct err *e);

/* The daily aggregates (stats_agg.c, docs/rates.md "How the figures are
 * kept"). */
struct app;
/* Folds every case marked changed in the current transaction into the
 * aggregates; the writer calls it before COMMIT. 0, or -1 (store fault). */
int stats_agg_flush(struct store_conn *c, const struct app *app);
/* True when no case waits to be folded in (the aggregates are current). */
bool stats_agg_ready(struct store_conn *c);
/* At start: folds in the cases marked by migration 25 (or left by a
 * writer outside the server), in transactions of 20,000. */
int stats_backfill(struct store_conn *c, const struct app *app, char *err, size_t errcap);
/* Rewrites the aggregates from the base rows, in the caller's transaction. */
int stats_agg_rebuild(struct store_conn *c, const struct app *app, char *err, size_t errcap);
/* Recomputes every case's contribution from the base rows and compares
 * it with the one the aggregates hold; each difference printed to out.
 * The number of differences, or -1 when it could not check. */
int stats_agg_verify_cases(struct store_conn *c, const struct app *app, FILE *out);
/* A bulk load's copies (civicloop gen's clones; core/stats_copy.c): case
 * id written as a copy of counted case src, its orgs mapped by org(arg, x)
 * (one to one, keeping the org tree's shape for every org src's stats
 * name: the caller checks it), received at `received`, every time shifted
 * by `shift` ms, src's assignments asg_from[i] become asg_to[i], its last
 * event is seq. stats_copy_add adds src's stored share so moved, in id's
 * region (its case row's, read; src's may differ): 0; 1 when
 * it would not be a mere copy (two rows would become one, a part not
 * mapped; nothing written: the caller marks id in stats_dirty for
 * stats_agg_flush); -1 on a fault. stats_copy_flush writes the rollups'
 * sums held, in the caller's transaction (before its COMMIT). */
struct stats_copy;
struct stats_copy_map {
	int64_t (*org)(void *arg, int64_t org);
	void *arg;
	int64_t received, shift, seq;
	const int64_t *asg_from, *asg_to;
	int nasg;
};
struct stats_copy *stats_copy_new(void);
void stats_copy_free(struct stats_copy *sc);
int stats_copy_add(struct stats_copy *sc, struct store_conn *c, int64_t src, int64_t id,
                   const struct stats_copy_map *m);
int stats_copy_flush(struct stats_copy *sc, struct store_conn *c);
/* compute with the live statements only (the check command's reference) */
int stats_compute_live(struct store_conn *c, const struct stats_query *q, json_t **out,
                       struct err *e);
/* Recomputes the answers with the live statements for every org, rates
 * type and month with cases, and group none/day/org, and compares them with
 * the answers from the aggregates; each difference is printed to out.
 * Returns the number of differences, or -1 when it could not check. */
int stats_check(struct store_conn *c, const struct app *app, const char *only_org, FILE *out);

#endif
