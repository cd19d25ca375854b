/*
 * Input checks the engine and the API share: one check for every free-text
 * value (a title, a description, a name, an address), and the case location
 * with its conversion to WGS-84. Each fails with *e set to the 400 a client
 * sees, naming the field. The checks of a case's type fields and an
 * action's body are the engine's own (engine_int.h).
 */
#ifndef CIVICLOOP_CORE_INPUT_H
#define CIVICLOOP_CORE_INPUT_H

#include <jansson.h>
#include <stddef.h>

#include "util/error.h"

/* How one text value is checked (util/text.h text_fault) and what a client
 * is told: `invalid` for a value that is not a string, is empty (with
 * TEXT_NONEMPTY) or holds a control character, as field.invalid; `too_long`
 * for one over max characters, as field.too_long, or when NULL `invalid`. */
struct text_rule {
	const char *field; /* named in the error */
	size_t max;        /* characters */
	unsigned flags;    /* TEXT_MULTILINE, TEXT_NONEMPTY */
	const char *invalid;
	const char *too_long;
};

/* 0, or -1 with *e set as r says. */
int text_check(json_t *v, const struct text_rule *r, struct err *e);
/* Checks a case location, {"lat","lng","crs"?,"address"?} or an address
 * alone {"address"} (a JSON null member counts as absent; lat and lng come
 * together), into *out (owned by the caller): {"lat","lng","address"?} in
 * WGS-84, or {"address"} with no coordinates. 0, or -1 with *e set and *out
 * NULL. */
int case_location_check(json_t *loc, json_t **out, struct err *e);

#endif
