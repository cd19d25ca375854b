/*
 * Official receptions (公务接待, docs/reception.md): the compliance checks
 * 纪委 reads and the figures of GET /api/v1/stats/reception. The fields and
 * standards come from the type's "reception_rules" (type_data_reception.c).
 */
#ifndef CIVICLOOP_CORE_RECEPTIONS_H
#define CIVICLOOP_CORE_RECEPTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/types.h"
#include "store/store.h"
#include "util/error.h"

/* The most flags one answer lists (the totals count them all). */
#define RECEPTION_FLAGS_MAX 500

struct reception_query {
	const struct matter_type *type; /* with reception_rules */
	const char *org_path;           /* the cases whose org or receiving unit lies here */
	int64_t from, to;               /* received in [from, to), 0 = open */
	const char *kind;               /* only flags of this kind, or NULL */
	const char *unit;               /* only flags of this receiving unit's code, or NULL */
};

/* Whether kind names a check ("no_letter", "too_many_hosts", …). */
bool reception_kind_known(const char *kind);

/* Scans q's receptions. *flags (may be NULL: not wanted): a new array of
 * {"case_id","number","title","unit":{"code","name"},"traveller":{…},
 * "kind","reason"}, at most RECEPTION_FLAGS_MAX, oldest first; *figures: a
 * new object {"letters","confirmed","receptions","with_letter",
 * "usage_rate","flags","by_kind","by_unit"}. 0, or -1 with e set. */
int receptions_scan(struct store_conn *c, const struct reception_query *q, json_t **flags,
                    json_t **figures, struct err *e);

/* After `action` on case `id` was refused for the case's state: when the
 * case's type records such refusals (reception_rules.refused: a letter
 * confirmed twice), writes a "reception.refused" event on the case
 * {"action","kind","reason"} by the actor and returns 1; 0 when the type
 * records none; -1 when the store failed. The caller runs it in a
 * savepoint of its own, after rolling the refused action back. */
struct wctx;
struct actor;
int reception_refusal(struct wctx *w, const struct actor *a, int64_t id, const char *action);
/* engine_act in a savepoint of its own: 0 when taken; when refused for the
 * case's state and the type records it (reception_refusal), the action's
 * writes rolled back, the record kept: 1 with e the refusal; else -1 with
 * e set and nothing written. */
int reception_act(struct wctx *w, const struct actor *a, int64_t id, const char *action,
                  json_t *body, json_t **out, struct err *e);

#endif
