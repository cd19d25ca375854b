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

#include "core/routing_cache.h"
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
	struct features *f = malloc(sizeof *f); /* 16 KiB of tokens: only n of them are set */
	if (!f)
		return NULL;
	f->n = 0;
	f->unigrams = routing_tuning()->unigrams;
	tokenize(text, strlen(text), TOKENIZE_DOCUMENT, feature_add, f);
	return f;
}

int routing_model_count(struct store_conn *c, const char *tok, int64_t org_id, int sign)
{
	routing_cache_touch(tok, strlen(tok));
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
		routing_cache_touch(ROUTING_CACHE_ORGS, 0);
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
	routing_cache_touch_all();
	return store_exec(c, ST_ROUTE_CLEAR_TOKENS) == 0 && store_exec(c, ST_ROUTE_CLEAR_ORGS) == 0
	           ? 0
	           : -1;
}

#define MODEL_ORGS_MAX 512

/* One org's sums (route_orgs) and, while scoring, the part of its score
 * that comes from the tokens it has rows for. */
struct model_org {
	int64_t id, docs, tokens;
	double adj, logp;
};

struct org_row {
	int64_t id, docs, tokens;
};

/* A token's rows as scoring uses them: the first row (org 0) holds the
 * token's value for an org without a row (v), the others each org's
 * correction (v) beside its count. */
struct tok_row {
	int64_t org, cnt;
	double v;
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

/* A growing array of rows read for one key (routing_cache.h). */
struct rows {
	void *v;
	size_t size, n, cap; /* size of one row; rows held; rows room */
};

/* Room for want rows. */
static int rows_room(struct rows *r, size_t want)
{
	if (want <= r->cap)
		return 0;
	size_t cap = r->cap ? r->cap : 1024;
	while (cap < want)
		cap *= 2;
	void *v = realloc(r->v, cap * r->size);
	if (!v)
		return -1;
	r->v = v;
	r->cap = cap;
	return 0;
}

/* The rows of key, from the cache or else from statement s (bound, not
 * yet stepped) through take and then finish (if any: 0, or -1 when memory
 * failed), then kept: 0, or -1. */
static int rows_read(struct store_conn *c, struct store_stmt *s, const char *key, struct rows *r,
                     void (*take)(struct store_stmt *, void *), int (*finish)(struct rows *))
{
	size_t got;
	r->n = 0;
	if (rows_room(r, 1) != 0)
		return -1;
	bool hit = routing_cache_get(key, strlen(key), r->v, r->cap * r->size, &got);
	if (!hit && got > 0 && rows_room(r, got / r->size) == 0) /* more rows than room */
		hit = routing_cache_get(key, strlen(key), r->v, r->cap * r->size, &got);
	if (hit) {
		sreset(s);
		r->n = got / r->size;
		return 0;
	}
	uint64_t gen;
	bool fill = routing_cache_fill_gen(store_in_txn(c), &gen);
	int st;
	while ((st = sstep(s)) == STORE_ROW) {
		if (rows_room(r, r->n + 1) != 0) {
			st = STORE_ERROR;
			break;
		}
		take(s, (char *)r->v + r->n * r->size);
		r->n++;
	}
	sreset(s);
	if (st != STORE_DONE || (finish && finish(r) != 0))
		return -1;
	if (fill)
		routing_cache_put(key, strlen(key), r->v, r->n * r->size, gen);
	return 0;
}

static void take_org(struct store_stmt *s, void *out)
{
	*(struct org_row *)out = (struct org_row){scol_int(s, 0), scol_int(s, 1), scol_int(s, 2)};
}

static void take_token(struct store_stmt *s, void *out)
{
	*(struct tok_row *)out = (struct tok_row){scol_int(s, 0), scol_int(s, 1), 0};
}

/*
 * A token's values, worked out once when its rows are read (they are kept
 * so in the cache): complement naive Bayes takes, per token,
 * -log((rest + a) / D) with rest = tot - cnt, D = the other orgs' tokens +
 * a*V; plain naive Bayes log((cnt + a) / E) with E = the org's tokens +
 * a*V. Both are summed as the value for cnt = 0, the same for every org
 * but for D or E (the first row's v: log(tot + a)), plus a correction for
 * each org the token's rows name (their v). No rows: none added.
 */
static int token_values(struct rows *r)
{
	if (r->n == 0 || rows_room(r, r->n + 1) != 0)
		return r->n == 0 ? 0 : -1;
	struct tok_row *w = r->v;
	memmove(w + 1, w, r->n * sizeof *w);
	r->n++;
	int64_t tot = 0;
	for (size_t i = 1; i < r->n; i++)
		tot += w[i].cnt;
	double none = log((double)tot + NB_ALPHA);
	w[0] = (struct tok_row){0, tot, none};
	bool complement = routing_tuning()->complement;
	for (size_t i = 1; i < r->n; i++) {
		double cnt = (double)w[i].cnt;
		/* complement: the less the others use it, the more it is i's */
		w[i].v = complement ? none - log((double)tot - cnt + NB_ALPHA)
		                    : log(cnt + NB_ALPHA) - log(NB_ALPHA);
	}
	return 0;
}

/*
 * Each org's log score over the case's tokens that some label had (the
 * others say nothing): the tokens' values (token_values), one pass over
 * the rows each token has, not over every org.
 */
int routing_model_score(struct store_conn *c, const char *text, struct route_model_score *out,
                        int cap, int *n, int64_t *labels)
{
	*n = 0;
	*labels = 0;
	struct model_org *o = NULL;
	struct features *f = features_of(text);
	struct rows orgs = {.size = sizeof(struct org_row)},
	            toks = {.size = sizeof(struct tok_row)};
	int no = 0, rc = -1;
	if (!f ||
	    rows_read(c, store_stmt(c, ST_ROUTE_ORGS), ROUTING_CACHE_ORGS, &orgs, take_org, NULL) !=
	        0 ||
	    !(o = calloc(orgs.n < MODEL_ORGS_MAX ? orgs.n + 1 : MODEL_ORGS_MAX, sizeof *o)))
		goto out;
	for (size_t i = 0; i < orgs.n && no < MODEL_ORGS_MAX; i++, no++) {
		const struct org_row *w = (const struct org_row *)orgs.v + i;
		o[no] = (struct model_org){.id = w->id, .docs = w->docs, .tokens = w->tokens};
		*labels += w->docs;
	}
	if (no == 0) {
		rc = 0;
		goto out;
	}
	bool complement = routing_tuning()->complement;
	int64_t all_tokens = 0;
	for (int i = 0; i < no; i++)
		all_tokens += o[i].tokens;
	double base = 0; /* the tokens' value for an org without their rows */
	int seen = 0;
	for (int t = 0; t < f->n; t++) {
		char tok[TOKEN_MAX + 1];
		memcpy(tok, f->tok[t], f->len[t]);
		tok[f->len[t]] = '\0';
		struct store_stmt *s = store_stmt(c, ST_ROUTE_TOKEN_GET);
		sbind_text(s, 1, tok);
		if (rows_read(c, s, tok, &toks, take_token, token_values) != 0)
			goto out;
		if (toks.n == 0) /* a token no label had says nothing */
			continue;
		const struct tok_row *w = toks.v;
		seen++;
		if (complement)
			base -= w[0].v;
		for (size_t i = 1; i < toks.n; i++) {
			struct model_org *hit = org_find(o, no, w[i].org);
			if (hit)
				hit->adj += w[i].v;
		}
	}
	for (int i = 0; i < no; i++) {
		if (complement) /* it leaves out the prior: that would favour the busy units */
			o[i].logp =
			    base + o[i].adj +
			    seen * log((double)(all_tokens - o[i].tokens) + NB_ALPHA * NB_VOCAB);
		else
			o[i].logp =
			    log((double)o[i].docs / (double)*labels) + o[i].adj +
			    seen * (log(NB_ALPHA) - log((double)o[i].tokens + NB_ALPHA * NB_VOCAB));
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
	free(orgs.v);
	free(toks.v);
	free(f);
	free(o);
	return rc;
}
