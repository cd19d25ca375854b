/*
 * The duplicate check's evaluation on a labelled set of pairs
 * (tests/data/duplicates/pairs.jsonl, its README has the format): each pair
 * goes through dup_score (core/dupscore.h), the server's own scoring, and the
 * answers are counted against the labels, overall and by kind. Used by
 * `dupeval` (bench/dupeval.c) and by tests/unit/test_dupeval.c, which fails
 * below the goals. Reads a file; no database.
 */
#ifndef CIVICLOOP_CORE_DUPEVAL_H
#define CIVICLOOP_CORE_DUPEVAL_H

#include <stdbool.h>
#include <stddef.h>

#define DUPEVAL_PAIRS_MAX 4096
#define DUPEVAL_KINDS_MAX 16

/* One labelled pair, scored. */
struct dupeval_pair {
	int id;
	bool dup;      /* the label */
	char kind[48]; /* the label's reason */
	double score;  /* dup_score's, 0 when not at the same place or time */
	double base;   /* the same without the topic words (text, class, place) */
};

struct dupeval_set {
	struct dupeval_pair *pairs; /* owned */
	int n;
	bool base_only; /* count `base` instead of `score` (what the topic words add) */
};

/* Loads and scores every pair of the file at path. 0, or -1 with a reason in
 * err (a line that is not a well-formed pair names its line number). */
int dupeval_load(const char *path, struct dupeval_set *set, char *err, size_t errcap);
void dupeval_release(struct dupeval_set *set);

struct dupeval_counts {
	int tp, fp, fn, tn;
};
double dupeval_precision(const struct dupeval_counts *c);
double dupeval_recall(const struct dupeval_counts *c);

/* The pairs with (i % folds != fold) == train (all of them with folds 0)
 * counted at threshold thr. */
struct dupeval_counts dupeval_count(const struct dupeval_set *set, double thr, int folds, int fold,
                                    bool train);

/* The threshold among 0.01, 0.02, … 0.99 that maximises min(precision,
 * recall) on the training pairs (ties: the lowest). */
double dupeval_pick(const struct dupeval_set *set, int folds, int fold);

/* k-fold cross-validation: each fold's pairs counted at the threshold picked
 * on the others, summed. */
struct dupeval_counts dupeval_cross(const struct dupeval_set *set, int folds);

#endif
