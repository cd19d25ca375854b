/*
 * JSON helpers on top of jansson that every layer shares: the canonical
 * encoding the audit chain hashes (docs/domain.md: compact, keys sorted, so
 * the same value always gives the same bytes) and the check that an object
 * holds only known keys, and the page of a list. Not here: what a key means (core/input.c).
 */
#ifndef CIVICLOOP_UTIL_JSON_H
#define CIVICLOOP_UTIL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* v in canonical form, NUL-terminated; the caller frees it. NULL if out of
 * memory (or v is NULL). */
char *json_canonical(const json_t *v);
/* A page of a list, {"items": items, "next_cursor": "LAST" | null}: the
 * cursor is the last id shown when there is more (`more`), else null.
 * Takes items; NULL when out of memory. */
json_t *json_page(json_t *items, int64_t last, bool more);
/* The first key of object o that is not one of keys[0..n), NULL if none. */
const char *json_unknown_key(json_t *o, const char *const *keys, size_t n);

#endif
