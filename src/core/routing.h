/*
 * Routing (智能派单建议): the units a new case should most likely go to,
 * best first, with why. Three sources, combined in routing.c:
 *
 *  catalogue  the current dispatch catalogue (core/catalogue.h): an entry
 *             whose keywords occur in the case's folded text (Traditional
 *             folded to Simplified, full-width to ASCII) scores the sum of
 *             its matched keywords' weights, a longer and a rarer keyword
 *             weighing more; an entry applies only to its classes and its
 *             region, and not when a negative word occurs. "@township" is
 *             the township the case is in (routing_township).
 *  learned    a multinomial naive Bayes model over util/tokenize.h's
 *             tokens (bigrams and words; routing_model.c), trained by the
 *             labels the dispatchers give: each dispatch labels the case
 *             with its lead unit, an approved return takes that label out.
 *             Its weight grows with the number of labels it holds.
 *  location   a township candidate says which township the case is in.
 *
 * Rules: a village or grid is proposed only by the model, only when it has
 * learnt it strongly, and always below the best department; the catalogue
 * lists departments, townships and enterprises only.
 */
#ifndef CIVICLOOP_CORE_ROUTING_H
#define CIVICLOOP_CORE_ROUTING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "store/store.h"
#include "util/error.h"

#define ROUTING_MAX 5            /* candidates answered */
#define ROUTING_FEATURES_MAX 256 /* distinct tokens of one case in the model */
#define ROUTING_MODEL_P_MIN 1e-6 /* a model share below this is not looked at */
#define ROUTING_GAP 3            /* characters a keyword may be spread over, beyond its own */
#define ROUTING_GAP_WEIGHT 0.5   /* of a keyword found spread out */

/* What routing reads of a case. */
struct route_case {
	const char *title, *desc; /* NULL = none */
	const char *cls;          /* the case's class, NULL = any */
	const char *org_path;     /* the owning org's path, NULL = none */
	const json_t *location;   /* {"lat","lng","address"?} or NULL */
};

/* One org as routing names it. */
struct route_org {
	int64_t id;
	char code[64], name[128], kind[24], path[256];
};

/* The candidates for rc: a JSON array of at most ROUTING_MAX
 * {"org","org_id","org_name","score","reasons":[…]} best first, into *out.
 * 0, or -1 with *e (503: the store failed). */
int routing_rank(struct store_conn *c, struct app *app, const struct route_case *rc, json_t **out,
                 struct err *e);

/* The same for a case as its JSON gives it (core/engine.h case_to_json:
 * "title", "description", "class", "location", "org":{"id"}). */
int routing_rank_case(struct store_conn *c, struct app *app, const json_t *case_json, json_t **out,
                      struct err *e);

/* The township the case is in: the township on its owning org's path, else
 * the one whose boundary holds its location's point, else the one (or the
 * village's) named in its address. 0 with *t, 1 when none is known, -1 if
 * the store failed. The one place to ask placement once it exists. */
int routing_township(struct store_conn *c, const struct route_case *rc, struct route_org *t);

/* writer: a label from a dispatch (sign +1: the case belongs to org) or
 * from an approved return (-1: it does not; the +1 is taken out). A label
 * is counted at most once per (case, org). 0, or -1 (the store failed). */
int routing_label(struct store_conn *c, struct app *app, int64_t case_id, int64_t org_id,
                  const char *title, const char *desc, int sign);
/* Adds (sign +1) or removes (-1) one labelled text for org_id: its tokens
 * for the naive Bayes model and the catalogue keywords found in it (their
 * learned reliability). */
int routing_learn(struct store_conn *c, struct app *app, int64_t org_id, const char *text,
                  int sign);

/* The model's side (routing_model.c). */
/* The naive Bayes part of routing_learn. */
int routing_model_learn(struct store_conn *c, int64_t org_id, const char *text, int sign);
/* Adds sign to the count of (tok, org_id), dropping a row back at zero. */
int routing_model_count(struct store_conn *c, const char *tok, int64_t org_id, int sign);
/* Empties the model (the evaluator's folds). */
int routing_forget_all(struct store_conn *c);

struct route_model_score {
	int64_t org_id;
	double p;     /* posterior, 0..1 */
	int64_t docs; /* labels the org has */
};
/* The model's posterior over the orgs it knows for text: at most cap,
 * best first, into out; *n their count, *labels all labels held.
 * 0, or -1 (the store failed). */
int routing_model_score(struct store_conn *c, const char *text, struct route_model_score *out,
                        int cap, int *n, int64_t *labels);

/* Tuning knobs, read once from the environment for the evaluator's
 * measurements (docs/routing.md); the defaults are the measured best. */
struct routing_tuning {
	double model_k;  /* labels at which the model weighs as much as the catalogue */
	double nb_temp;  /* the naive Bayes posterior's temperature */
	double cat_beta; /* the catalogue softmax's sharpness */
	bool unigrams;   /* CJK characters alone as features too */
	bool complement; /* complement naive Bayes (else multinomial) */
};
const struct routing_tuning *routing_tuning(void);

/* Frees app's compiled catalogue (app_release). */
void routing_cache_release(struct app *app);

/* An org by id or code (code NULL): 0 with *o, 1 if none, -1 store. By
 * id it is kept in the routing cache (core/routing_cache.h), so the
 * writer calls routing_org_touch(id) in the transaction that changes an
 * org's code, name, kind or path. */
int routing_org(struct store_conn *c, int64_t id, const char *code, struct route_org *o);
void routing_org_touch(int64_t id);

#endif
