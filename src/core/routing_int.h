/*
 * Inside routing (routing.h): the catalogue compiled for matching
 * (routing_catalogue.c), shared by the ranking (routing.c). An entry's
 * keywords are folded (util/tokenize.h text_fold) and weighted once per
 * catalogue version; the compiled catalogue is kept per app and handed out
 * with a reference.
 */
#ifndef CIVICLOOP_CORE_ROUTING_INT_H
#define CIVICLOOP_CORE_ROUTING_INT_H

#include <stdatomic.h>

#include "core/routing.h"

struct kw {
	char *text; /* folded */
	size_t chars;
	unsigned cp[CATALOGUE_KEYWORD_CHARS]; /* its code points, for textset_has */
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

/* The current catalogue compiled, with a reference the caller drops
 * (compiled_drop); *none when there is no catalogue. NULL with *none
 * false: the store or memory failed. */
struct compiled *catalogue_current(struct store_conn *c, struct app *app, bool *none);
void compiled_drop(struct compiled *k);

/* The set of code points of a text: ranking tries some 1,500 keywords on
 * one text, and most have a character the text lacks; the set answers
 * that in a lookup each, before any search of the text (a ranking cost
 * 185 µs, three quarters of it in strstr). */
struct textset {
	unsigned *slot; /* open addressing; 0 = empty */
	size_t mask;
};
/* 0, or -1 when memory failed. */
int textset_build(struct textset *s, const char *text);
void textset_release(struct textset *s);

/* Where keyword k is in folded text: 1 as written; 2 with its characters
 * in order over at most ROUTING_GAP more characters (停电 in 停了两次电),
 * never across a clause break (，。！？…、);
 * 0 not at all. set: text's textset, or NULL. */
int kw_match(const char *text, const struct textset *set, const struct kw *k);
/* The model's token for keyword k: "k:" and its folded text. */
void kw_token(const struct kw *k, char *out, size_t cap);
/* How far keyword k has proved right for org_id in the labels (1 = as
 * trusted as an untested keyword); -1 if the store failed. */
double kw_reliability(struct store_conn *c, const struct kw *k, int64_t org_id);

#endif
