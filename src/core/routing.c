/* Ranking the units for a case (routing.h): the catalogue's keyword
 * scores (the compiled catalogue is routing_catalogue.c's), the learned
 * model's posterior (routing_model.c), their mix and the rules on villages,
 * and the labels that teach the model. */
#include "core/catalogue.h"
#include "core/engine_int.h"
#include "core/routing_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/tokenize.h"

/* ------------------------------------------------------------------ */
/* ranking                                                              */

struct cand {
	struct route_org org;
	double cat;   /* catalogue score (raw, then a probability) */
	double model; /* model posterior */
	double score;
	const struct centry *best; /* the entry behind cat */
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

/* Scores each applicable entry of k against text; a unit's catalogue score
 * is its best entry's: the sum of its keywords' weights, each times its
 * learned reliability for the unit, a keyword found with gaps at half. */
static int score_catalogue(struct store_conn *c, const struct compiled *k,
                           const struct route_case *rc, const char *text, const struct textset *set,
                           const struct route_org *town, struct ranking *r)
{
	for (int i = 0; i < k->n; i++) {
		const struct centry *e = &k->e[i];
		if ((e->township && !town) || !entry_applies(e, rc, text, town))
			continue;
		const struct route_org *o = e->township ? town : &e->org;
		double s = 0;
		for (int j = 0; j < e->nkw; j++) {
			int m = kw_match(text, set, &e->kw[j]);
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
		}
	}
	return 0;
}

/* The catalogue's raw scores as probabilities: a softmax of sharpness
 * beta, with an "elsewhere" mass of 1 so that one weak hit is not sure. */
static void catalogue_probs(struct ranking *r, double beta)
{
	double z = 1.0;
	for (int i = 0; i < r->n; i++)
		if (r->c[i].cat > 0)
			z += exp(beta * r->c[i].cat);
	for (int i = 0; i < r->n; i++)
		r->c[i].cat = r->c[i].cat > 0 ? exp(beta * r->c[i].cat) / z : 0;
}

/* Adds the model's posteriors; villages and grids only when strong. A
 * township's duties are every township's, so what the model learnt of
 * townships goes to the case's own township when it is known (a 长岭乡
 * boundary dispute is like a 濂江镇 one, and is 长岭乡's). */
static int score_model(struct store_conn *c, const char *text, const struct route_org *town,
                       struct ranking *r, int64_t *labels)
{
	struct route_model_score m[64];
	int n = 0;
	if (routing_model_score(c, text, m, 64, &n, labels) != 0)
		return -1;
	/* m is best first; the tail's shares are too small to move a score
	 * shown (three decimals) even summed, and each would cost a read */
	for (int i = 0; i < n && m[i].p >= ROUTING_MODEL_P_MIN; i++) {
		struct route_org o;
		int rc = routing_org(c, m[i].org_id, NULL, &o);
		if (rc < 0)
			return -1;
		if (rc == 1)
			continue;
		bool low = !strcmp(o.kind, "village") || !strcmp(o.kind, "grid");
		if (low && (m[i].p < 0.8 || m[i].docs < 5))
			continue;
		struct cand *cd = cand_get(r, town && !strcmp(o.kind, "township") ? town : &o);
		if (cd)
			cd->model += m[i].p;
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

/* The matched keywords of e in text (whose textset is set), as a JSON
 * array. */
static json_t *matched_keywords(const struct centry *e, const char *text, const struct textset *set,
                                const json_t *doc_kws)
{
	json_t *arr = json_array();
	for (int j = 0; arr && j < e->nkw; j++)
		if (kw_match(text, set, &e->kw[j]))
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
                         const struct textset *set, const struct route_org *town)
{
	json_t *reasons = json_array();
	if (k->best && k->cat > 0)
		json_array_append_new(
		    reasons, json_pack("{s:s,s:s,s:o}", "kind", "catalogue", "category",
		                       k->best->category, "keywords",
		                       matched_keywords(k->best, text, set,
		                                        entry_doc_keywords(cat, k->best))));
	if (k->model > 0)
		json_array_append_new(reasons, json_pack("{s:s,s:f}", "kind", "learned", "weight",
		                                         round(k->model * 1000) / 1000));
	if (town && k->org.id == town->id)
		json_array_append_new(reasons, json_pack("{s:s,s:s,s:s}", "kind", "location", "org",
		                                         town->code, "org_name", town->name));
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
	struct textset set = {0};
	struct ranking *r = calloc(1, sizeof *r);
	struct route_org town;
	bool none;
	int trc = routing_township(c, rc, &town);
	struct compiled *k = trc < 0 ? NULL : catalogue_current(c, app, &none);
	int64_t labels = 0;
	int rc_ = -1;
	if (!text || !r || textset_build(&set, text) != 0) {
		err_oom(e);
		goto out;
	}
	if (trc < 0 || (!k && !none)) {
		store_fail(e);
		goto out;
	}
	if (k && score_catalogue(c, k, rc, text, &set, trc == 0 ? &town : NULL, r) != 0) {
		store_fail(e);
		goto out;
	}
	catalogue_probs(r, t->cat_beta);
	if (score_model(c, text, trc == 0 ? &town : NULL, r, &labels) != 0) {
		store_fail(e);
		goto out;
	}
	mix(r, labels, t);
	*out = json_array();
	for (int i = 0; *out && i < r->n && i < ROUTING_MAX; i++)
		if (r->c[i].score > 0.001)
			json_array_append_new(
			    *out, cand_json(&r->c[i], k, text, &set, trc == 0 ? &town : NULL));
	rc_ = *out ? 0 : err_oom(e);
out:
	compiled_drop(k);
	textset_release(&set);
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
	struct textset set = {0};
	int rc = folded && textset_build(&set, folded) == 0 ? 0 : -1;
	for (int i = 0; rc == 0 && i < k->n; i++)
		for (int j = 0; rc == 0 && j < k->e[i].nkw; j++) {
			const struct kw *w = &k->e[i].kw[j];
			if (w->repeat || !kw_match(folded, &set, w))
				continue;
			char tok[CATALOGUE_KEYWORD_CHARS * 4 + 8];
			kw_token(w, tok, sizeof tok);
			rc = routing_model_count(c, tok, org_id, sign);
		}
	textset_release(&set);
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

int routing_rank_case(struct store_conn *c, struct app *app, const json_t *case_json, json_t **out,
                      struct err *e)
{
	char path[256] = "";
	json_int_t org =
	    json_integer_value(json_object_get(json_object_get(case_json, "org"), "id"));
	struct store_stmt *s = store_stmt(c, ST_ORG_BY_ID);
	sbind_int(s, 1, org);
	if (sstep(s) == STORE_ROW)
		snprintf(path, sizeof path, "%s", scol_text(s, 5));
	sreset(s);
	struct route_case rc = {json_string_value(json_object_get(case_json, "title")),
	                        json_string_value(json_object_get(case_json, "description")),
	                        json_string_value(json_object_get(case_json, "class")),
	                        path[0] ? path : NULL, json_object_get(case_json, "location")};
	return routing_rank(c, app, &rc, out, e);
}
