/* The learned side of routing (routing.h): a complement naive Bayes model
 * (Rennie et al. 2003: a unit scores by how little the *other* units' labels
 * use the case's tokens, which is steadier than plain naive Bayes when a
 * few units have most labels) over a case's distinct tokens
 * (util/tokenize.h: CJK bigrams, CJK characters alone and ASCII words),
 * kept in migration 11's route_tokens (token, org, count) and route_orgs
 * (org, docs, tokens). CIVICLOOP_ROUTING_MODEL=nb and _UNIGRAMS=0 give
 * back plain multinomial naive Bayes on bigrams, for the measurements of
 * docs/routing.md.
 * A label adds one to each of the case's distinct tokens for the org (at
 * most ROUTING_FEATURES_MAX of them: a long text counts its first ones),
 * so learning costs one upsert per token inside the writer's transaction;
 * scoring reads one index entry per token. */
#include "core/routing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/statements.h"
#include "util/tokenize.h"

#define NB_ALPHA 0.5   /* additive smoothing */
#define NB_VOCAB 20000 /* assumed vocabulary for the smoothing's denominator */

const struct routing_tuning *routing_tuning(void)
{
	static struct routing_tuning t;
	static int done;
	if (!done) { /* a benign race: every thread computes the same values */
		const char *k = getenv("CIVICLOOP_ROUTING_MODEL_K");
		const char *tt = getenv("CIVICLOOP_ROUTING_NB_TEMP");
		const char *b = getenv("CIVICLOOP_ROUTING_CAT_BETA");
		const char *u = getenv("CIVICLOOP_ROUTING_UNIGRAMS");
		t.model_k = k ? atof(k) : 2000;
		t.nb_temp = tt ? atof(tt) : 3;
		t.cat_beta = b ? atof(b) : 2;
		t.unigrams = !u || *u != '0';
		const char *mo = getenv("CIVICLOOP_ROUTING_MODEL");
		t.complement = !mo || strcmp(mo, "nb") != 0;
		if (t.model_k <= 0)
			t.model_k = 2000;
		if (t.nb_temp <= 0)
			t.nb_temp = 3;
		if (t.cat_beta <= 0)
			t.cat_beta = 2;
		done = 1;
	}
	return &t;
}

struct features {
	char tok[ROUTING_FEATURES_MAX][TOKEN_MAX];
	unsigned char len[ROUTING_FEATURES_MAX];
	int n;
	bool unigrams;
};

/* One CJK character alone (a unigram): three or four bytes, non-ASCII. */
static bool is_unigram(const char *tok, size_t len)
{
	return (len == 3 || len == 4) && (unsigned char)tok[0] >= 0xE0;
}

static int feature_add(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                       bool colocated)
{
	struct features *f = ctx;
	(void)start;
	(void)end;
	(void)colocated;
	if (len == 0 || len > TOKEN_MAX || (!f->unigrams && is_unigram(tok, len)))
		return 0;
	for (int i = 0; i < f->n; i++)
		if (f->len[i] == len && !memcmp(f->tok[i], tok, len))
			return 0;
	if (f->n >= ROUTING_FEATURES_MAX)
		return 1; /* enough */
	memcpy(f->tok[f->n], tok, len);
	f->len[f->n++] = (unsigned char)len;
	return 0;
}

static struct features *features_of(const char *text)
{
	struct features *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->unigrams = routing_tuning()->unigrams;
	tokenize(text, strlen(text), TOKENIZE_DOCUMENT, feature_add, f);
	return f;
}

int routing_model_count(struct store_conn *c, const char *tok, int64_t org_id, int sign)
{
	struct store_stmt *s = store_stmt(c, ST_ROUTE_TOKEN_ADD);
	sbind_text(s, 1, tok);
	sbind_int(s, 2, org_id);
	sbind_int(s, 3, sign);
	if (sdone(s) != STORE_DONE)
		return -1;
	if (sign > 0)
		return 0;
	s = store_stmt(c, ST_ROUTE_TOKEN_PRUNE); /* a count back at zero goes */
	sbind_text(s, 1, tok);
	sbind_int(s, 2, org_id);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

int routing_model_learn(struct store_conn *c, int64_t org_id, const char *text, int sign)
{
	struct features *f = features_of(text);
	if (!f)
		return -1;
	int rc = 0;
	for (int i = 0; rc == 0 && i < f->n; i++) {
		char tok[TOKEN_MAX + 1];
		memcpy(tok, f->tok[i], f->len[i]);
		tok[f->len[i]] = '\0';
		rc = routing_model_count(c, tok, org_id, sign);
	}
	if (rc == 0) {
		struct store_stmt *s = store_stmt(c, ST_ROUTE_ORG_ADD);
		sbind_int(s, 1, org_id);
		sbind_int(s, 2, sign);
		sbind_int(s, 3, (int64_t)sign * f->n);
		rc = sdone(s) == STORE_DONE ? 0 : -1;
	}
	free(f);
	return rc;
}

int routing_forget_all(struct store_conn *c)
{
	return store_exec(c, ST_ROUTE_CLEAR_TOKENS) == 0 && store_exec(c, ST_ROUTE_CLEAR_ORGS) == 0
	           ? 0
	           : -1;
}

#define MODEL_ORGS_MAX 512

struct model_org {
	int64_t id, docs, tokens, cnt;
	double logp;
};

/* The org of id among o[0..n), which ST_ROUTE_ORGS gives by id; NULL if
 * not there (an org past MODEL_ORGS_MAX). A real county's 2,000 grids
 * made the linear search of every token's rows a fifth of a create. */
static struct model_org *org_find(struct model_org *o, int n, int64_t id)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (o[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && o[lo].id == id ? &o[lo] : NULL;
}

static int score_cmp(const void *a, const void *b)
{
	const struct route_model_score *x = a, *y = b;
	return x->p < y->p ? 1 : x->p > y->p ? -1 : 0;
}

int routing_model_score(struct store_conn *c, const char *text, struct route_model_score *out,
                        int cap, int *n, int64_t *labels)
{
	*n = 0;
	*labels = 0;
	struct model_org *o = calloc(MODEL_ORGS_MAX, sizeof *o);
	struct features *f = o ? features_of(text) : NULL;
	int no = 0, rc = -1;
	if (!f)
		goto out;
	struct store_stmt *s = store_stmt(c, ST_ROUTE_ORGS);
	int st;
	while ((st = sstep(s)) == STORE_ROW && no < MODEL_ORGS_MAX) {
		o[no].id = scol_int(s, 0);
		o[no].docs = scol_int(s, 1);
		o[no].tokens = scol_int(s, 2);
		*labels += o[no].docs;
		no++;
	}
	sreset(s);
	if (st != STORE_ROW && st != STORE_DONE)
		goto out;
	if (no == 0) {
		rc = 0;
		goto out;
	}
	bool complement = routing_tuning()->complement;
	int64_t all_tokens = 0;
	for (int i = 0; i < no; i++) {
		/* complement NB leaves out the prior: it would favour the busy units */
		o[i].logp = complement ? 0 : log((double)o[i].docs / (double)*labels);
		all_tokens += o[i].tokens;
	}
	for (int t = 0; t < f->n; t++) {
		char tok[TOKEN_MAX + 1];
		memcpy(tok, f->tok[t], f->len[t]);
		tok[f->len[t]] = '\0';
		s = store_stmt(c, ST_ROUTE_TOKEN_GET);
		sbind_text(s, 1, tok);
		bool seen = false;
		int64_t tot = 0;
		for (int i = 0; i < no; i++)
			o[i].cnt = 0;
		while ((st = sstep(s)) == STORE_ROW) {
			int64_t id = scol_int(s, 0), cnt = scol_int(s, 1);
			struct model_org *hit = org_find(o, no, id);
			if (hit)
				hit->cnt = cnt;
			tot += cnt;
			seen = true;
		}
		sreset(s);
		if (st != STORE_DONE)
			goto out;
		if (!seen) /* a token no label had says nothing */
			continue;
		for (int i = 0; i < no; i++) {
			double own = (double)o[i].cnt, rest = (double)(tot - o[i].cnt);
			if (complement) /* the less the others use it, the more it is i's */
				o[i].logp -=
				    log((rest + NB_ALPHA) /
				        ((double)(all_tokens - o[i].tokens) + NB_ALPHA * NB_VOCAB));
			else
				o[i].logp += log((own + NB_ALPHA) /
				                 ((double)o[i].tokens + NB_ALPHA * NB_VOCAB));
		}
	}
	double top = -INFINITY, z = 0, temp = routing_tuning()->nb_temp;
	for (int i = 0; i < no; i++)
		if (o[i].logp > top)
			top = o[i].logp;
	for (int i = 0; i < no; i++)
		z += exp((o[i].logp - top) / temp);
	struct route_model_score *all = calloc((size_t)no, sizeof *all);
	if (!all)
		goto out;
	for (int i = 0; i < no; i++)
		all[i] = (struct route_model_score){o[i].id, exp((o[i].logp - top) / temp) / z,
		                                    o[i].docs};
	qsort(all, (size_t)no, sizeof *all, score_cmp);
	for (int i = 0; i < no && i < cap; i++)
		out[(*n)++] = all[i];
	free(all);
	rc = 0;
out:
	free(f);
	free(o);
	return rc;
}
