/*
 * Case numbers (docs/domain.md "Case numbers"): the type's two-letter
 * prefix, the day received (China time), the first four digits of the
 * case's region (its city, core/region.h) when it has one, and the case's
 * place among its type's cases of that region and day, six digits (seven
 * past the millionth):
 *
 *     HX 20261201 4311 000001     a case of 永州市 (431100)
 *     HX 20261201      000001     a deployment that never named its place
 *
 * Each (type, region, day) has its own counter (a counters row of that
 * region, docs/citus.md), so the number is unique across regions because
 * it carries the region: on a sharded database a region's numbers are
 * handed out on its own node, and a number says which node holds its case.
 */
#ifndef CIVICLOOP_CORE_CASE_NO_H
#define CIVICLOOP_CORE_CASE_NO_H

#include <stddef.h>
#include <stdint.h>

#include "core/writer.h"

#define CASE_NO_MAX 24 /* "HX" "20261201" "4311" "0000001" and the NUL, rounded up */

/* The number of a new case of the type with prefix (two letters) owned by
 * org_id, received at `received` (UTC ms), into out (cap >= CASE_NO_MAX).
 * Writer. 0, or -1: the store failed or the org is gone. */
int case_no_next(struct wctx *w, const char *prefix, int64_t org_id, int64_t received, char *out,
                 size_t cap);

#endif
