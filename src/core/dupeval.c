/* The duplicate check's evaluation on labelled pairs (dupeval.h). */
#include "core/dupeval.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dupscore.h"
#include "util/timeutil.h"

/* One side of a pair from its JSON object; received_at relative to the
 * later side's 0. False when a required member is missing. */
static bool side_read(json_t *o, struct dup_side *s)
{
	json_t *loc = json_object_get(o, "location");
	*s = (struct dup_side){
	    .cls = json_string_value(json_object_get(o, "class")),
	    .text = json_string_value(json_object_get(o, "text")),
	    .address = json_string_value(json_object_get(o, "address")),
	    .received_at =
	        -(int64_t)(json_number_value(json_object_get(o, "hours_before")) * MS_PER_HOUR),
	};
	if (json_is_object(loc)) {
		json_t *lat = json_object_get(loc, "lat"), *lng = json_object_get(loc, "lng");
		if (!json_is_number(lat) || !json_is_number(lng))
			return false;
		s->has_point = true;
		s->lat = json_number_value(lat);
		s->lng = json_number_value(lng);
	}
	return s->cls && s->text && json_is_object(o);
}

/* Scores one line's pair into p; false if it is not a well-formed pair. */
static bool pair_read(json_t *j, struct dupeval_pair *p)
{
	const char *label = json_string_value(json_object_get(j, "label"));
	const char *kind = json_string_value(json_object_get(j, "kind"));
	struct dup_side a, b;
	if (!label || !kind || !side_read(json_object_get(j, "a"), &a) ||
	    !side_read(json_object_get(j, "b"), &b))
		return false;
	b.received_at = 0;
	p->id = (int)json_integer_value(json_object_get(j, "id"));
	p->dup = !strcmp(label, "dup");
	snprintf(p->kind, sizeof p->kind, "%s", kind);
	struct dup_match m;
	dup_score(&a, &b, DUP_THRESHOLD, &m);
	p->score = m.score;
	bool placed = m.nearby || m.same_address;
	p->base = placed ? m.score - DUP_TOPIC_WEIGHT * m.topics : 0;
	return true;
}

int dupeval_load(const char *path, struct dupeval_set *set, char *err, size_t errcap)
{
	*set = (struct dupeval_set){0};
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errcap, "%s: cannot open", path);
		return -1;
	}
	set->pairs = calloc(DUPEVAL_PAIRS_MAX, sizeof *set->pairs);
	char line[16384];
	int lineno = 0, rc = set->pairs ? 0 : -1;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		json_t *j = json_loads(line, 0, NULL);
		if (set->n == DUPEVAL_PAIRS_MAX || !j || !pair_read(j, &set->pairs[set->n])) {
			snprintf(err, errcap, "%s:%d: not a pair (or more than %d)", path, lineno,
			         DUPEVAL_PAIRS_MAX);
			rc = -1;
		} else
			set->n++;
		json_decref(j);
	}
	fclose(f);
	if (rc != 0)
		dupeval_release(set);
	return rc;
}

void dupeval_release(struct dupeval_set *set)
{
	free(set->pairs);
	*set = (struct dupeval_set){0};
}

double dupeval_precision(const struct dupeval_counts *c)
{
	return c->tp + c->fp ? (double)c->tp / (c->tp + c->fp) : 0;
}

double dupeval_recall(const struct dupeval_counts *c)
{
	return c->tp + c->fn ? (double)c->tp / (c->tp + c->fn) : 0;
}

struct dupeval_counts dupeval_count(const struct dupeval_set *set, double thr, int folds, int fold,
                                    bool train)
{
	struct dupeval_counts c = {0};
	for (int i = 0; i < set->n; i++) {
		if (folds && (i % folds != fold) != train)
			continue;
		const struct dupeval_pair *p = &set->pairs[i];
		double score = set->base_only ? p->base : p->score;
		bool said = score > 0 && score >= thr;
		if (said)
			p->dup ? c.tp++ : c.fp++;
		else
			p->dup ? c.fn++ : c.tn++;
	}
	return c;
}

double dupeval_pick(const struct dupeval_set *set, int folds, int fold)
{
	double best = -1, best_thr = DUP_THRESHOLD;
	for (int k = 1; k < 100; k++) {
		struct dupeval_counts c = dupeval_count(set, k / 100.0, folds, fold, true);
		double p = dupeval_precision(&c), r = dupeval_recall(&c);
		double v = p < r ? p : r;
		if (v > best + 1e-12) {
			best = v;
			best_thr = k / 100.0;
		}
	}
	return best_thr;
}

struct dupeval_counts dupeval_cross(const struct dupeval_set *set, int folds)
{
	struct dupeval_counts sum = {0};
	for (int f = 0; f < folds; f++) {
		double thr = dupeval_pick(set, folds, f);
		struct dupeval_counts c = dupeval_count(set, thr, folds, f, false);
		sum.tp += c.tp, sum.fp += c.fp, sum.fn += c.fn, sum.tn += c.tn;
	}
	return sum;
}
