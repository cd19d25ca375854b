/*
 * dupeval FILE [THRESHOLD]: the duplicate check's precision and recall on a
 * labelled set of pairs (core/dupeval.h), at THRESHOLD (default the server's
 * DUP_THRESHOLD), by kind, then the threshold the whole set would pick and
 * a 10-fold cross-validation (each fold at the threshold picked on the other
 * nine), and the same without the topic words (what they add). Exit status
 * 0 always (tests/unit/test_dupeval.c holds the goals).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dupeval.h"
#include "core/dupscore.h"

#define FOLDS 10

static void report(const char *what, const struct dupeval_counts *c)
{
	printf("%-34s precision %.3f recall %.3f (tp %d fp %d fn %d tn %d)\n", what,
	       dupeval_precision(c), dupeval_recall(c), c->tp, c->fp, c->fn, c->tn);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: dupeval PAIRS.jsonl [THRESHOLD]\n");
		return 2;
	}
	double thr = argc == 3 ? strtod(argv[2], NULL) : DUP_THRESHOLD;
	struct dupeval_set set;
	char err[256];
	if (dupeval_load(argv[1], &set, err, sizeof err) != 0) {
		fprintf(stderr, "dupeval: %s\n", err);
		return 1;
	}
	printf("%d pairs, threshold %.2f\n", set.n, thr);
	struct dupeval_counts all = dupeval_count(&set, thr, 0, 0, false);
	report("all", &all);
	char seen[DUPEVAL_KINDS_MAX][48];
	int nseen = 0;
	for (int i = 0; i < set.n; i++) {
		const char *kind = set.pairs[i].kind;
		bool known = false;
		for (int k = 0; k < nseen; k++)
			known |= !strcmp(seen[k], kind);
		if (known || nseen == DUPEVAL_KINDS_MAX)
			continue;
		snprintf(seen[nseen++], sizeof seen[0], "%s", kind);
		int said = 0, n = 0;
		for (int j = 0; j < set.n; j++)
			if (!strcmp(set.pairs[j].kind, kind)) {
				n++;
				said += set.pairs[j].score > 0 && set.pairs[j].score >= thr;
			}
		printf("  %-32s %s %3d pairs, flagged %3d (%.0f%%)\n", kind,
		       set.pairs[i].dup ? "dup" : "not", n, said, 100.0 * said / n);
	}
	printf("threshold picked on the whole set: %.2f\n", dupeval_pick(&set, 0, 0));
	struct dupeval_counts cv = dupeval_cross(&set, FOLDS);
	report("10-fold cross-validated", &cv);
	set.base_only = true;
	printf("without the topic words: threshold %.2f\n", dupeval_pick(&set, 0, 0));
	struct dupeval_counts bcv = dupeval_cross(&set, FOLDS);
	report("  10-fold cross-validated", &bcv);
	set.base_only = false;
	if (getenv("DUPEVAL_SCORES"))
		for (int i = 0; i < set.n; i++)
			printf("%d %s %s %.3f\n", set.pairs[i].id, set.pairs[i].dup ? "dup" : "not",
			       set.pairs[i].kind, set.pairs[i].score);
	dupeval_release(&set);
	return 0;
}
