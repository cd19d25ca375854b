/*
 * JSON helpers on top of jansson that every layer shares: the canonical
 * encoding the audit chain hashes (docs/domain.md: compact, keys sorted, so
 * the same value always gives the same bytes) and the check that an object
 * holds only known keys. Not here: what a key means (core/input.c).
 */
#ifndef CIVICLOOP_UTIL_JSON_H
#define CIVICLOOP_UTIL_JSON_H

#include <jansson.h>

/* v in canonical form, NUL-terminated; the caller frees it. NULL if out of
 * memory (or v is NULL). */
char *json_canonical(const json_t *v);
/* The first key of object o that is not one of keys[0..n), NULL if none. */
const char *json_unknown_key(json_t *o, const char *const *keys, size_t n);

#endif
