/*
 * The parties of a case — who a dispute is between — sealed like a
 * reporter (parties.c has the rules of who sees what).
 */
#ifndef CIVICLOOP_CORE_PARTIES_H
#define CIVICLOOP_CORE_PARTIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/writer.h"
#include "util/error.h"

struct app;
struct actor;

/* Checks the create body's "parties" v (NULL when absent) against t's
 * "parties" block: *out a new normalised array (NULL for a type without
 * parties). 0, or -1 with *e set (400, the field named as
 * parties[i].name). `now` bounds a date of birth. */
int parties_check(const struct matter_type *t, json_t *v, int64_t now, json_t **out, struct err *e);
/* writer: stores the checked parties of case case_id, sealed; 0 or -1. */
int parties_store(struct wctx *w, int64_t case_id, json_t *parties);
/* The case's parties as actor a may see them (a new array); *pii_shown is
 * set when they were shown in full. */
json_t *parties_json(struct store_conn *c, const struct app *app, const struct actor *a,
                     const struct case_full *cf, bool *pii_shown);

/* The first party of `role` of case case_id, unsealed (a new object the
 * caller must not show as it is), or NULL: public tracking's check of the
 * applicant's ID tail (api/public_party.c). */
json_t *parties_first_of_role(struct store_conn *c, const struct app *app, int64_t case_id,
                              const char *role);

#endif
