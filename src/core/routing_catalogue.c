/* The dispatch catalogue compiled for routing (routing_int.h): each
 * version's entries with their orgs resolved, keywords folded and weighted
 * (a longer and a rarer keyword weighs more), kept per app and rebuilt
 * when a new version is saved; keyword matching and the learned
 * reliability of a keyword for a unit. */
#include "core/catalogue.h"
#include "core/engine_int.h"
#include "core/routing_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/tokenize.h"
#include "util/utf8.h"

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void centry_free(struct centry *e)
{
	free(e->category);
	for (int j = 0; j < e->nkw; j++)
		free(e->kw[j].text);
	for (int j = 0; j < e->nneg; j++)
		free(e->neg[j]);
	free(e->kw);
	free(e->neg);
	memset(e, 0, sizeof *e);
}

void compiled_drop(struct compiled *k)
{
	if (!k || atomic_fetch_sub(&k->refs, 1) != 1)
		return;
	for (int i = 0; i < k->n; i++)
		centry_free(&k->e[i]);
	free(k->e);
	json_decref(k->doc);
	free(k);
}

void routing_cache_release(struct app *app)
{
	compiled_drop(app->route_cache);
	app->route_cache = NULL;
}

/* The weight of a keyword: longer is more specific (2 characters 1.0, each
 * more +0.3, up to 6), rarer (named by fewer units) counts more. */
static double kw_weight(const char *folded, int units_with, int units)
{
	size_t chars = utf8_chars(folded);
	double spec = 1.0 + 0.3 * (double)((chars > 6 ? 6 : chars < 2 ? 2 : chars) - 2);
	double idf = log(1.0 + (double)units / units_with) / log(1.0 + (double)units);
	return spec * idf;
}

/* Fills e from entry o: 0, 1 to leave it out (its org is gone), -1. */
static int centry_fill(struct store_conn *c, json_t *o, struct centry *e)
{
	const char *org = json_string_value(json_object_get(o, "org"));
	const char *region = json_string_value(json_object_get(o, "region"));
	e->township = !strcmp(org, CATALOGUE_TOWNSHIP);
	if (!e->township) {
		int rc = routing_org(c, 0, org, &e->org);
		if (rc != 0)
			return rc;
	}
	if (region) {
		struct route_org r;
		int rc = routing_org(c, 0, region, &r);
		if (rc != 0)
			return rc;
		snprintf(e->region_path, sizeof e->region_path, "%s", r.path);
	}
	e->category = strdup(json_string_value(json_object_get(o, "category")));
	json_t *kws = json_object_get(o, "keywords"), *negs = json_object_get(o, "negative");
	e->kw = calloc(json_array_size(kws) + 1, sizeof *e->kw);
	e->neg = calloc(json_array_size(negs) + 1, sizeof *e->neg);
	if (!e->category || !e->kw || !e->neg)
		return -1;
	for (size_t j = 0; j < json_array_size(kws); j++) {
		struct kw *k = &e->kw[e->nkw++];
		if ((k->text = text_fold(json_string_value(json_array_get(kws, j)))) == NULL)
			return -1;
		k->chars = utf8_chars(k->text);
		size_t n = strlen(k->text), at = 0;
		for (size_t q = 0; q < k->chars && q < CATALOGUE_KEYWORD_CHARS && at < n; q++) {
			size_t l = utf8_seq_len((const unsigned char *)k->text + at, n - at);
			if (!l)
				break;
			k->cp[q] = utf8_decode((const unsigned char *)k->text + at, l);
			at += l;
		}
	}
	for (size_t j = 0; j < json_array_size(negs); j++)
		if ((e->neg[e->nneg++] = text_fold(json_string_value(json_array_get(negs, j)))) ==
		    NULL)
			return -1;
	e->classes = json_object_get(o, "classes");
	return 0;
}

/* Two entries name the same unit ("@township" is one unit). */
static bool same_unit(const struct centry *a, const struct centry *b)
{
	return a->township == b->township && (a->township || a->org.id == b->org.id);
}

/* Marks each keyword that an earlier entry (or place) already has. */
static void compiled_repeats(struct compiled *k)
{
	for (int i = 0; i < k->n; i++)
		for (int j = 0; j < k->e[i].nkw; j++) {
			struct kw *w = &k->e[i].kw[j];
			for (int a = 0; a <= i && !w->repeat; a++)
				for (int b = 0; b < (a == i ? j : k->e[a].nkw) && !w->repeat; b++)
					w->repeat = !strcmp(k->e[a].kw[b].text, w->text);
		}
}

/* Each keyword's weight, from how many units name it. */
static void compiled_weights(struct compiled *k)
{
	int units = 0;
	for (int i = 0; i < k->n; i++) {
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = same_unit(&k->e[i], &k->e[j]);
		units += !seen;
	}
	for (int i = 0; i < k->n; i++)
		for (int a = 0; a < k->e[i].nkw; a++) {
			int with = 0; /* units (counted once each) with this keyword */
			for (int j = 0; j < k->n; j++) {
				bool has = false, before = false;
				for (int b = 0; b < k->e[j].nkw && !has; b++)
					has = !strcmp(k->e[j].kw[b].text, k->e[i].kw[a].text);
				for (int m = 0; has && m < j && !before; m++)
					if (same_unit(&k->e[m], &k->e[j]))
						for (int b = 0; b < k->e[m].nkw && !before; b++)
							before = !strcmp(k->e[m].kw[b].text,
							                 k->e[i].kw[a].text);
				with += has && !before;
			}
			k->e[i].kw[a].w =
			    kw_weight(k->e[i].kw[a].text, with ? with : 1, units ? units : 1);
		}
}

/* Compiles the catalogue version held in doc (taken). NULL on failure. */
static struct compiled *compile(struct store_conn *c, int64_t version, json_t *doc)
{
	struct compiled *k = calloc(1, sizeof *k);
	json_t *entries = json_object_get(doc, "entries");
	if (!k) {
		json_decref(doc);
		return NULL;
	}
	atomic_init(&k->refs, 1);
	k->version = version;
	k->doc = doc;
	k->e = calloc(json_array_size(entries) + 1, sizeof *k->e);
	if (!k->e)
		goto fail;
	for (size_t i = 0; i < json_array_size(entries); i++) {
		k->e[k->n].doc_index = i;
		int rc = centry_fill(c, json_array_get(entries, i), &k->e[k->n]);
		k->n++; /* even half-filled, so that it is freed */
		if (rc < 0)
			goto fail;
		if (rc == 1) /* an org removed since: the entry is left out */
			centry_free(&k->e[--k->n]);
	}
	compiled_weights(k);
	compiled_repeats(k);
	return k;
fail:
	compiled_drop(k);
	return NULL;
}

/* The current catalogue compiled, with a reference the caller drops;
 * *none when there is no catalogue. NULL with *none false: the store. */
struct compiled *catalogue_current(struct store_conn *c, struct app *app, bool *none)
{
	*none = false;
	int64_t head = catalogue_head(c);
	if (head < 0)
		return NULL;
	if (head == 0) {
		*none = true;
		return NULL;
	}
	pthread_mutex_lock(&cache_lock);
	struct compiled *k = app->route_cache;
	if (k && k->version == head) {
		atomic_fetch_add(&k->refs, 1);
		pthread_mutex_unlock(&cache_lock);
		return k;
	}
	pthread_mutex_unlock(&cache_lock);
	struct store_stmt *s = store_stmt(c, ST_CATALOGUE_VERSION);
	sbind_int(s, 1, head);
	json_t *doc = sstep(s) == STORE_ROW ? json_loads(scol_text(s, 1), 0, NULL) : NULL;
	sreset(s);
	k = doc ? compile(c, head, doc) : NULL;
	if (!k)
		return NULL;
	pthread_mutex_lock(&cache_lock);
	if (!app->route_cache || app->route_cache->version < head) {
		compiled_drop(app->route_cache);
		atomic_fetch_add(&k->refs, 1);
		app->route_cache = k;
	}
	pthread_mutex_unlock(&cache_lock);
	return k;
}

/* Where keyword k is in text: 1 as written; 2 with its characters in
 * order over at most ROUTING_GAP more characters (停电 in 停了两次电);
 * 0 not at all. */
/* Whether the character at t (tl bytes, folded text) ends a clause: a
 * keyword spread out never spans one (没…电话 is not 没电). */
static bool clause_break(const char *t, size_t tl)
{
	if (tl == 1)
		return strchr(",.!?;:\n\r\t ", *t) != NULL;
	return tl == 3 && (!memcmp(t, "。", 3) || !memcmp(t, "…", 3) || !memcmp(t, "、", 3));
}

static size_t set_hash(unsigned c, size_t mask)
{
	return (c * 2654435761u) & mask;
}

int textset_build(struct textset *s, const char *text)
{
	size_t n = strlen(text), cap = 64;
	while (cap < 2 * n + 2)
		cap *= 2;
	s->slot = calloc(cap, sizeof *s->slot);
	s->mask = cap - 1;
	if (!s->slot)
		return -1;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq_len((const unsigned char *)text + i, n - i);
		unsigned c = l ? utf8_decode((const unsigned char *)text + i, l) : 0;
		i += l ? l : 1;
		if (!c)
			continue;
		size_t h = set_hash(c, s->mask);
		while (s->slot[h] && s->slot[h] != c)
			h = (h + 1) & s->mask;
		s->slot[h] = c;
	}
	return 0;
}

void textset_release(struct textset *s)
{
	free(s->slot);
	s->slot = NULL;
}

static bool textset_has(const struct textset *s, unsigned c)
{
	for (size_t h = set_hash(c, s->mask); s->slot[h]; h = (h + 1) & s->mask)
		if (s->slot[h] == c)
			return true;
	return false;
}

int kw_match(const char *text, const struct textset *set, const struct kw *k)
{
	/* a character of k the text lacks: no match either way */
	for (size_t c = 0; set && c < k->chars && c < CATALOGUE_KEYWORD_CHARS; c++)
		if (!textset_has(set, k->cp[c]))
			return 0;
	if (strstr(text, k->text))
		return 1;
	if (k->chars < 2)
		return 0;
	size_t klen = strlen(k->text), first = utf8_seq_len((const unsigned char *)k->text, klen);
	if (first == 0)
		return 0;
	char head[5] = "";
	memcpy(head, k->text, first);
	const char *end = text + strlen(text), *kend = k->text + klen;
	for (const char *at = strstr(text, head); at; at = strstr(at + first, head)) {
		const char *t = at + first, *kp = k->text + first;
		for (size_t seen = 1; t < end && kp < kend && seen < k->chars + ROUTING_GAP;
		     seen++) {
			size_t tl = utf8_seq_len((const unsigned char *)t, (size_t)(end - t));
			size_t kl = utf8_seq_len((const unsigned char *)kp, (size_t)(kend - kp));
			tl = tl ? tl : 1;
			if (clause_break(t, tl))
				break;
			if (kl && tl == kl && !memcmp(t, kp, kl))
				kp += kl;
			t += tl;
		}
		if (kp == kend)
			return 2;
	}
	return 0;
}

/* The model's token for catalogue keyword k: "k:" and its folded text. */
void kw_token(const struct kw *k, char *out, size_t cap)
{
	snprintf(out, cap, "k:%s", k->text);
}

/* How far keyword k has proved right for org_id in the labels: the share
 * of labelled cases with k that went to org_id, pulled toward
 * KW_PRIOR by KW_PRIOR_WEIGHT pseudo-cases, over KW_PRIOR (1 = as
 * trusted as an untested keyword). -1 if the store failed. */
#define KW_PRIOR 0.6
#define KW_PRIOR_WEIGHT 2.0
double kw_reliability(struct store_conn *c, const struct kw *k, int64_t org_id)
{
	char tok[CATALOGUE_KEYWORD_CHARS * 4 + 8];
	kw_token(k, tok, sizeof tok);
	struct store_stmt *s = store_stmt(c, ST_ROUTE_TOKEN_GET);
	sbind_text(s, 1, tok);
	int64_t hit = 0, all = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		all += scol_int(s, 1);
		if (scol_int(s, 0) == org_id)
			hit += scol_int(s, 1);
	}
	sreset(s);
	if (rc != STORE_DONE)
		return -1;
	return ((double)hit + KW_PRIOR_WEIGHT * KW_PRIOR) / ((double)all + KW_PRIOR_WEIGHT) /
	       KW_PRIOR;
}
