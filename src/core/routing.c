/* Ranking the units for a case (routing.h): the compiled catalogue (kept
 * per app, rebuilt when a new version is saved), its keyword scores, the
 * township lookup, and the mix with the learned model. */
#include "core/routing.h"
#include "core/catalogue.h"
#include "core/engine_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/geojson.h"
#include "util/tokenize.h"
#include "util/utf8.h"

/* ------------------------------------------------------------------ */
/* orgs and townships                                                   */

int routing_org(struct store_conn *c, int64_t id, const char *code, struct route_org *o)
{
	struct store_stmt *s = store_stmt(c, code ? ST_ORG_BY_CODE : ST_ORG_BY_ID);
	if (code)
		sbind_text(s, 1, code);
	else
		sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		o->id = scol_int(s, 0);
		snprintf(o->code, sizeof o->code, "%s", scol_text(s, 1));
		snprintf(o->name, sizeof o->name, "%s", scol_text(s, 2));
		snprintf(o->kind, sizeof o->kind, "%s", scol_text(s, 3));
		snprintf(o->path, sizeof o->path, "%s", scol_text(s, 5));
	}
	sreset(s);
	return rc == STORE_ROW ? 0 : rc == STORE_DONE ? 1 : -1;
}

/* The township on path ("/1/23/45/"): 0 with *t, 1 if none, -1 store. */
static int township_on_path(struct store_conn *c, const char *path, struct route_org *t)
{
	const char *p = path;
	while (p && *p == '/') {
		char *end;
		long long id = strtoll(p + 1, &end, 10);
		if (end == p + 1 || *end != '/')
			break;
		int rc = routing_org(c, id, NULL, t);
		if (rc < 0)
			return -1;
		if (rc == 0 && !strcmp(t->kind, "township"))
			return 0;
		p = end;
	}
	return 1;
}

/* The township whose boundary holds (lng, lat), or whose name (or one of
 * whose villages' names, less 村民委员会/居民委员会) the address holds. */
static int township_by_place(struct store_conn *c, const json_t *loc, struct route_org *t)
{
	json_t *lat = json_object_get(loc, "lat"), *lng = json_object_get(loc, "lng");
	const char *addr = json_string_value(json_object_get(loc, "address"));
	int64_t found = 0;
	char found_path[256] = "";
	for (int pass = 0; pass < 2 && !found; pass++) {
		struct store_stmt *s = store_stmt(c, ST_ORG_OF_KIND);
		sbind_text(s, 1, pass == 0 ? "township" : "village");
		int rc;
		while (!found && (rc = sstep(s)) == STORE_ROW) {
			const char *name = scol_text(s, 1);
			char shortname[128];
			snprintf(shortname, sizeof shortname, "%s", name);
			char *suffix = strstr(shortname, "村民委员会");
			if (!suffix)
				suffix = strstr(shortname, "居民委员会");
			if (suffix) {
				/* 黄岭村村民委员会 → 黄岭村; 东门社区居民委员会 → 东门社区 */
				*suffix = '\0';
				if (!strstr(name, "社区") && strlen(shortname) > 0 &&
				    !strstr(shortname + strlen(shortname) - 3, "村"))
					snprintf(shortname + strlen(shortname),
					         sizeof shortname - strlen(shortname), "村");
			}
			bool hit = false;
			if (pass == 0 && json_is_number(lat) && json_is_number(lng) &&
			    !scol_null(s, 3)) {
				json_t *b = json_loads(scol_text(s, 3), 0, NULL);
				hit = b && geojson_contains(b, json_number_value(lng),
				                            json_number_value(lat));
				json_decref(b);
			}
			if (!hit && addr && shortname[0] && strstr(addr, shortname))
				hit = true;
			if (hit) {
				found = scol_int(s, 0);
				snprintf(found_path, sizeof found_path, "%s", scol_text(s, 2));
			}
		}
		sreset(s);
		if (rc != STORE_ROW && rc != STORE_DONE)
			return -1;
	}
	if (!found)
		return 1;
	return township_on_path(c, found_path, t);
}

int routing_township(struct store_conn *c, const struct route_case *rc, struct route_org *t)
{
	int r = rc->org_path ? township_on_path(c, rc->org_path, t) : 1;
	if (r != 1 || !rc->location)
		return r;
	return township_by_place(c, rc->location, t);
}

/* ------------------------------------------------------------------ */
/* the compiled catalogue                                               */

struct kw {
	char *text; /* folded */
	size_t chars;
	double w;
	bool repeat; /* an earlier entry has the same keyword */
};

struct centry {
	struct route_org org; /* org.id 0 for "@township" */
	bool township;
	char *category;
	struct kw *kw;
	int nkw;
	char **neg;
	int nneg;
	json_t *classes; /* borrowed from the compiled doc; NULL = any */
	char region_path[256];
	size_t doc_index; /* in the compiled doc's entries */
};

struct compiled {
	atomic_int refs;
	int64_t version;
	json_t *doc;
	struct centry *e;
	int n;
};

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

static void compiled_drop(struct compiled *k)
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
static struct compiled *catalogue_current(struct store_conn *c, struct app *app, bool *none)
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

/* ------------------------------------------------------------------ */
/* ranking                                                              */

struct cand {
	struct route_org org;
	double cat;   /* catalogue score (raw, then a probability) */
	double model; /* model posterior */
	double score;
	const struct centry *best; /* the entry behind cat */
	bool by_location;
	json_t *matched; /* keywords of best */
};

struct ranking {
	struct cand c[64];
	int n;
};

static struct cand *cand_get(struct ranking *r, const struct route_org *o)
{
	for (int i = 0; i < r->n; i++)
		if (r->c[i].org.id == o->id)
			return &r->c[i];
	if (r->n >= (int)(sizeof r->c / sizeof r->c[0]))
		return NULL;
	struct cand *k = &r->c[r->n++];
	memset(k, 0, sizeof *k);
	k->org = *o;
	return k;
}

/* Whether entry e applies to the case: its classes, its region (the
 * case's township, else its owning org, within the region), no negative
 * word in the text. */
static bool entry_applies(const struct centry *e, const struct route_case *rc, const char *text,
                          const struct route_org *town)
{
	if (e->classes && (!rc->cls || !status_listed(e->classes, rc->cls)))
		return false;
	if (e->region_path[0]) {
		const char *where = town ? town->path : rc->org_path;
		/* an entry for the whole county applies to a case of unknown place */
		bool county_wide =
		    strchr(e->region_path + 1, '/') == e->region_path + strlen(e->region_path) - 1;
		if (!county_wide && (!where || !path_within(where, e->region_path)))
			return false;
	}
	for (int i = 0; i < e->nneg; i++)
		if (strstr(text, e->neg[i]))
			return false;
	return true;
}

/* Where keyword k is in text: 1 as written; 2 with its characters in
 * order over at most ROUTING_GAP more characters (停电 in 停了两次电);
 * 0 not at all. */
static int kw_match(const char *text, const struct kw *k)
{
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
static void kw_token(const struct kw *k, char *out, size_t cap)
{
	snprintf(out, cap, "k:%s", k->text);
}

/* How far keyword k has proved right for org_id in the labels: the share
 * of labelled cases with k that went to org_id, pulled toward
 * KW_PRIOR by KW_PRIOR_WEIGHT pseudo-cases, over KW_PRIOR (1 = as
 * trusted as an untested keyword). -1 if the store failed. */
#define KW_PRIOR 0.6
#define KW_PRIOR_WEIGHT 2.0
static double kw_reliability(struct store_conn *c, const struct kw *k, int64_t org_id)
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

/* Scores each applicable entry of k against text; a unit's catalogue score
 * is its best entry's: the sum of its keywords' weights, each times its
 * learned reliability for the unit, a keyword found with gaps at half. */
static int score_catalogue(struct store_conn *c, const struct compiled *k,
                           const struct route_case *rc, const char *text,
                           const struct route_org *town, struct ranking *r)
{
	for (int i = 0; i < k->n; i++) {
		const struct centry *e = &k->e[i];
		if ((e->township && !town) || !entry_applies(e, rc, text, town))
			continue;
		const struct route_org *o = e->township ? town : &e->org;
		double s = 0;
		for (int j = 0; j < e->nkw; j++) {
			int m = kw_match(text, &e->kw[j]);
			double rel = m ? kw_reliability(c, &e->kw[j], o->id) : 0;
			if (rel < 0)
				return -1;
			s += m ? e->kw[j].w * rel * (m == 1 ? 1.0 : ROUTING_GAP_WEIGHT) : 0;
		}
		if (s <= 0)
			continue;
		struct cand *cd = cand_get(r, o);
		if (!cd)
			continue;
		if (s > cd->cat) {
			cd->cat = s;
			cd->best = e;
			cd->by_location = e->township;
		}
	}
	return 0;
}

/* The catalogue's raw scores as probabilities: a softmax of sharpness
 * beta, with an "elsewhere" mass of 1 so that one weak hit is not sure. */
static void catalogue_probs(struct ranking *r, double beta)
{
	double z = 1.0, top = 0;
	for (int i = 0; i < r->n; i++)
		if (r->c[i].cat > top)
			top = r->c[i].cat;
	for (int i = 0; i < r->n; i++)
		if (r->c[i].cat > 0)
			z += exp(beta * r->c[i].cat);
	for (int i = 0; i < r->n; i++)
		r->c[i].cat = r->c[i].cat > 0 ? exp(beta * r->c[i].cat) / z : 0;
	(void)top;
}

/* Adds the model's posteriors; villages and grids only when strong. */
static int score_model(struct store_conn *c, const char *text, struct ranking *r, int64_t *labels)
{
	struct route_model_score m[64];
	int n = 0;
	if (routing_model_score(c, text, m, 64, &n, labels) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct route_org o;
		int rc = routing_org(c, m[i].org_id, NULL, &o);
		if (rc < 0)
			return -1;
		if (rc == 1)
			continue;
		bool low = !strcmp(o.kind, "village") || !strcmp(o.kind, "grid");
		if (low && (m[i].p < 0.8 || m[i].docs < 5))
			continue;
		struct cand *cd = cand_get(r, &o);
		if (cd)
			cd->model = m[i].p;
	}
	return 0;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->org.id < y->org.id ? -1 : x->org.id > y->org.id;
}

/* Mixes the sources: the model weighs labels / (labels + model_k), all of
 * it when the catalogue found nothing; a village or grid stays below the
 * best department. */
static void mix(struct ranking *r, int64_t labels, const struct routing_tuning *t)
{
	bool any_cat = false;
	for (int i = 0; i < r->n; i++)
		any_cat |= r->c[i].cat > 0;
	double lam = labels > 0 ? (double)labels / ((double)labels + t->model_k) : 0;
	if (!any_cat && labels > 0)
		lam = 1;
	double best_dept = 0;
	for (int i = 0; i < r->n; i++) {
		struct cand *k = &r->c[i];
		k->score = (1 - lam) * k->cat + lam * k->model;
		if (!strcmp(k->org.kind, "department") && k->score > best_dept)
			best_dept = k->score;
	}
	for (int i = 0; i < r->n; i++) {
		struct cand *k = &r->c[i];
		bool low = !strcmp(k->org.kind, "village") || !strcmp(k->org.kind, "grid");
		if (low && best_dept > 0 && k->score >= best_dept)
			k->score = best_dept * 0.99;
	}
	qsort(r->c, (size_t)r->n, sizeof r->c[0], cand_cmp);
}

/* The matched keywords of e in text, as a JSON array. */
static json_t *matched_keywords(const struct centry *e, const char *text, const json_t *doc_kws)
{
	json_t *arr = json_array();
	for (int j = 0; arr && j < e->nkw; j++)
		if (kw_match(text, &e->kw[j]))
			json_array_append(arr, json_array_get(doc_kws, (size_t)j));
	return arr;
}

/* The original (unfolded) keywords of entry e, from the compiled doc. */
static const json_t *entry_doc_keywords(const struct compiled *k, const struct centry *e)
{
	return json_object_get(json_array_get(json_object_get(k->doc, "entries"), e->doc_index),
	                       "keywords");
}

static json_t *cand_json(const struct cand *k, const struct compiled *cat, const char *text,
                         const struct route_org *town)
{
	json_t *reasons = json_array();
	if (k->best && k->cat > 0)
		json_array_append_new(
		    reasons,
		    json_pack("{s:s,s:s,s:o}", "kind", "catalogue", "category", k->best->category,
		              "keywords",
		              matched_keywords(k->best, text, entry_doc_keywords(cat, k->best))));
	if (k->model > 0)
		json_array_append_new(reasons, json_pack("{s:s,s:f}", "kind", "learned", "weight",
		                                         round(k->model * 1000) / 1000));
	if (town && k->org.id == town->id)
		json_array_append_new(
		    reasons, json_pack("{s:s,s:s}", "kind", "location", "org", town->code));
	double score = k->score > 1 ? 1 : k->score;
	return json_pack("{s:s,s:I,s:s,s:f,s:o}", "org", k->org.code, "org_id",
	                 (json_int_t)k->org.id, "org_name", k->org.name, "score",
	                 round(score * 1000) / 1000, "reasons", reasons);
}

int routing_rank(struct store_conn *c, struct app *app, const struct route_case *rc, json_t **out,
                 struct err *e)
{
	const struct routing_tuning *t = routing_tuning();
	size_t tl = (rc->title ? strlen(rc->title) : 0), dl = (rc->desc ? strlen(rc->desc) : 0);
	char *joined = malloc(tl + dl + 2);
	if (!joined)
		return err_oom(e);
	snprintf(joined, tl + dl + 2, "%s\n%s", rc->title ? rc->title : "",
	         rc->desc ? rc->desc : "");
	char *text = text_fold(joined);
	free(joined);
	struct ranking *r = calloc(1, sizeof *r);
	struct route_org town;
	bool none;
	int trc = routing_township(c, rc, &town);
	struct compiled *k = trc < 0 ? NULL : catalogue_current(c, app, &none);
	int64_t labels = 0;
	int rc_ = -1;
	if (!text || !r) {
		err_oom(e);
		goto out;
	}
	if (trc < 0 || (!k && !none)) {
		store_fail(e);
		goto out;
	}
	if (k && score_catalogue(c, k, rc, text, trc == 0 ? &town : NULL, r) != 0) {
		store_fail(e);
		goto out;
	}
	catalogue_probs(r, t->cat_beta);
	if (score_model(c, text, r, &labels) != 0) {
		store_fail(e);
		goto out;
	}
	mix(r, labels, t);
	*out = json_array();
	for (int i = 0; *out && i < r->n && i < ROUTING_MAX; i++)
		if (r->c[i].score > 0.001)
			json_array_append_new(
			    *out, cand_json(&r->c[i], k, text, trc == 0 ? &town : NULL));
	rc_ = *out ? 0 : err_oom(e);
out:
	compiled_drop(k);
	free(r);
	free(text);
	return rc_;
}

/* ------------------------------------------------------------------ */
/* labels                                                               */

/* Counts (sign +1) or uncounts each catalogue keyword found in text for
 * org_id: the evidence kw_reliability reads. A keyword in several entries
 * counts once. */
static int learn_keywords(struct store_conn *c, struct app *app, int64_t org_id, const char *text,
                          int sign)
{
	bool none;
	struct compiled *k = catalogue_current(c, app, &none);
	if (!k)
		return none ? 0 : -1;
	char *folded = text_fold(text);
	int rc = folded ? 0 : -1;
	for (int i = 0; rc == 0 && i < k->n; i++)
		for (int j = 0; rc == 0 && j < k->e[i].nkw; j++) {
			const struct kw *w = &k->e[i].kw[j];
			if (w->repeat || !kw_match(folded, w))
				continue;
			char tok[CATALOGUE_KEYWORD_CHARS * 4 + 8];
			kw_token(w, tok, sizeof tok);
			rc = routing_model_count(c, tok, org_id, sign);
		}
	free(folded);
	compiled_drop(k);
	return rc;
}

int routing_learn(struct store_conn *c, struct app *app, int64_t org_id, const char *text, int sign)
{
	return routing_model_learn(c, org_id, text, sign) == 0 &&
	               learn_keywords(c, app, org_id, text, sign) == 0
	           ? 0
	           : -1;
}

int routing_label(struct store_conn *c, struct app *app, int64_t case_id, int64_t org_id,
                  const char *title, const char *desc, int sign)
{
	struct store_stmt *s = store_stmt(c, sign > 0 ? ST_ROUTE_LABEL_ADD : ST_ROUTE_LABEL_DEL);
	sbind_int(s, 1, case_id);
	sbind_int(s, 2, org_id);
	int rc = sstep(s);
	sreset(s);
	if (rc == STORE_DONE) /* already counted, or never was */
		return 0;
	if (rc != STORE_ROW)
		return -1;
	size_t tl = title ? strlen(title) : 0, dl = desc ? strlen(desc) : 0;
	char *text = malloc(tl + dl + 2);
	if (!text)
		return -1;
	snprintf(text, tl + dl + 2, "%s\n%s", title ? title : "", desc ? desc : "");
	int r = routing_learn(c, app, org_id, text, sign);
	free(text);
	return r;
}
