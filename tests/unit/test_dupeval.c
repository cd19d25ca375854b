/*
 * The duplicate check against its labelled pairs (tests/data/duplicates/
 * pairs.jsonl) through the server's own scoring (core/dupeval.h): fails
 * when precision or recall at DUP_THRESHOLD falls below 0.9, or their
 * 10-fold cross-validated figures do (docs/duplicates.md), or a kind of
 * pair goes wrong more often than the figures there say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/dupeval.h"
#include "core/dupscore.h"

#define PAIRS "tests/data/duplicates/pairs.jsonl"
#define HELDOUT "tests/data/duplicates/heldout.jsonl"
#define GOAL 0.9
/* heldout.jsonl was written after the check was built, by someone who saw
 * neither pairs.jsonl nor the code: the honest figures. At DUP_THRESHOLD
 * they were precision 0.970, recall 0.890 (below the goal: reported in
 * docs/duplicates.md); these floors catch a regression. */
#define HELDOUT_PRECISION 0.95
#define HELDOUT_RECALL 0.88

static struct dupeval_set set;

static int load(void **state)
{
	(void)state;
	char err[256];
	if (dupeval_load(PAIRS, &set, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int release(void **state)
{
	(void)state;
	dupeval_release(&set);
	return 0;
}

static void at_threshold(void **state)
{
	(void)state;
	assert_true(set.n >= 240);
	struct dupeval_counts c = dupeval_count(&set, DUP_THRESHOLD, 0, 0, false);
	double p = dupeval_precision(&c), r = dupeval_recall(&c);
	if (p < GOAL || r < GOAL)
		fail_msg("at %.2f: precision %.3f recall %.3f (goal %.2f each)", DUP_THRESHOLD, p,
		         r, GOAL);
}

static void cross_validated(void **state)
{
	(void)state;
	struct dupeval_counts c = dupeval_cross(&set, 10);
	double p = dupeval_precision(&c), r = dupeval_recall(&c);
	if (p < GOAL || r < GOAL)
		fail_msg("10-fold: precision %.3f recall %.3f (goal %.2f each)", p, r, GOAL);
}

static void held_out(void **state)
{
	(void)state;
	struct dupeval_set h;
	char err[256];
	if (dupeval_load(HELDOUT, &h, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_true(h.n >= 150);
	struct dupeval_counts c = dupeval_count(&h, DUP_THRESHOLD, 0, 0, false);
	double p = dupeval_precision(&c), r = dupeval_recall(&c);
	dupeval_release(&h);
	if (p < HELDOUT_PRECISION || r < HELDOUT_RECALL)
		fail_msg("held out, at %.2f: precision %.3f recall %.3f (floors %.2f, %.2f)",
		         DUP_THRESHOLD, p, r, HELDOUT_PRECISION, HELDOUT_RECALL);
}

/* No pair far apart or a month older is ever flagged; the hard kinds stay
 * within what docs/duplicates.md reports. */
static void by_kind(void **state)
{
	(void)state;
	static const struct {
		const char *kind;
		double max_wrong; /* share of the kind's pairs answered wrongly */
	} kinds[] = {
	    {"same_problem_other_place", 0},
	    {"same_place_later", 0},
	    {"unrelated", 0},
	    {"same_street_other_problem", 0.1},
	    {"same_problem_same_place", 0.1},
	    {"same_problem_same_place_no_coords", 0.1},
	};
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		int n = 0, wrong = 0;
		for (int i = 0; i < set.n; i++) {
			const struct dupeval_pair *p = &set.pairs[i];
			if (strcmp(p->kind, kinds[k].kind))
				continue;
			n++;
			wrong += (p->score > 0 && p->score >= DUP_THRESHOLD) != p->dup;
		}
		if (n == 0 || wrong > kinds[k].max_wrong * n)
			fail_msg("%s: %d of %d wrong", kinds[k].kind, wrong, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(at_threshold),
	    cmocka_unit_test(cross_validated),
	    cmocka_unit_test(held_out),
	    cmocka_unit_test(by_kind),
	};
	return cmocka_run_group_tests(tests, load, release);
}
