/*
 * Possible duplicates (重复件) of a case being created: the earlier cases of
 * the same type that are likely the same matter, offered to the operator in
 * the create answer's "possible_duplicates" so a dispatcher can merge them.
 * Three ways in, all within the window before the new case's received_at
 * (an import looks back from its own time):
 *   same_phone    the same caller (the reporter phone's blind index), 30 days
 *   nearby        within DUP_RADIUS_M (the case_points R*Tree, migration 12)
 *   same_address  the address matches (the address column of case_fts) when
 *                 either case has no point
 * and a place match is listed only when its text is alike too (similar_text;
 * core/dupscore.h scores it). At most DUP_LIST_MAX, best first.
 *
 * Only cases the caller may read are listed. A confidential case is listed
 * only to a pii.read holder over it, and when it is listed for its phone the
 * hint ties the phone to it, so it is recorded as a view of its reporter
 * (pii.view); to anyone else it would confirm who reported it.
 */
#ifndef CIVICLOOP_CORE_DUPLICATES_H
#define CIVICLOOP_CORE_DUPLICATES_H

#include <jansson.h>
#include <stdint.h>

#include "core/engine.h"

#define DUP_LIST_MAX 10
#define DUP_CANDIDATES_MAX 128 /* read of the index per create, all ways */

/* The new case, as stored. Strings and location borrowed. */
struct dup_probe {
	int64_t id;
	const struct matter_type *t;
	const char *cls, *text;
	const json_t *loc; /* NULL if none */
	int64_t received_at;
	const unsigned char *idx; /* the phone's blind index (HASH_LEN), NULL if none */
};

/* writer: adds the new case's point (if it has one) to case_points. 0, or
 * -1 when the store failed. */
int duplicates_index(struct wctx *w, int64_t id);

/* writer: the possible duplicates of p as a's answer lists them:
 * [{"id","no","title","status","received_at","score","reasons":[…],
 * "distance_m"?,"similarity"?,"reason"}], the first reason also as "reason"
 * (its only one before the text and place checks). NULL if the store or
 * memory failed (the create fails with it). */
json_t *duplicates_find(struct wctx *w, const struct actor *a, const struct dup_probe *p);
/* reader: the same for a case not yet registered (POST /api/v1/cases/hints;
 * p->id 0), but a confidential case is never listed: a preview records
 * nothing, so it may not show one. */
json_t *duplicates_preview(struct store_conn *c, struct app *app, const struct actor *a,
                           const struct dup_probe *p);

#endif
