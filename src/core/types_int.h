/*
 * What types.c and types_actions.c share while loading a matter type: the
 * loader's state and its error helpers. Nothing else includes this.
 */
#ifndef CIVICLOOP_CORE_TYPES_INT_H
#define CIVICLOOP_CORE_TYPES_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/types.h"

struct loader {
	effect_lookup_fn effect_index; /* the engine's effect names (types_load_dir) */
	const char *file;
	char *err;
	size_t errcap;
	const struct matter_type *t; /* the type whose actions are being read, or NULL */
};

/* Sets the error "FILE: message" and returns -1. */
__attribute__((format(printf, 2, 3))) int tl_fail(struct loader *L, const char *fmt, ...);
/* o[key] if it is a string, else NULL. */
const char *tl_jstr(json_t *o, const char *key);
/* A JSON array of strings (NULL: none) as a borrowed list. 0, or -1 (tl_fail). */
int tl_str_list(struct loader *L, json_t *arr, const char *what, const char ***out, int *n);
/* Reads a list of field definitions (a type's, or an action's with t set).
 * 0, or -1 (tl_fail). */
int types_parse_fields(struct loader *L, json_t *arr, const struct matter_type *t,
                       struct type_field **out, int *n);
/* Reads one action definition into *a (types_actions.c). 0, or -1 (tl_fail). */
int types_parse_action(struct loader *L, json_t *o, struct matter_type *t, struct type_action *a);

#endif
