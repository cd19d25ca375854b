/*
 * Checks and transformations of user text that know nothing of cases:
 * control characters, the one text-value check (string, non-empty, length,
 * control characters), Chinese phone numbers, the masks a list shows instead
 * of a reporter's name and phone, and a one-line head of a longer text.
 * Strings are assumed valid UTF-8 (jansson and the HTTP layer check that at
 * the edge, util/utf8.h). Not here: field definitions (core/types.h) and the
 * messages a client sees (core/input.c).
 */
#ifndef CIVICLOOP_UTIL_TEXT_H
#define CIVICLOOP_UTIL_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* True if s holds a control character (tab and newlines allowed if allow_newlines). */
bool text_has_control(const char *s, bool allow_newlines);

enum text_fault {
	TEXT_OK,
	TEXT_NOT_STRING,
	TEXT_EMPTY,    /* only with TEXT_NONEMPTY: empty or blank (text_blank) */
	TEXT_CONTROL,  /* a control character (tab and newlines allowed with TEXT_MULTILINE) */
	TEXT_TOO_LONG, /* more than max characters */
};
/* A numeric limit as a string literal, for fixed messages: TEXT_STR(CASE_TEXT_MAX). */
#define TEXT_STR(x) TEXT_STR_(x)
#define TEXT_STR_(x) #x

#define TEXT_MULTILINE 1u
#define TEXT_NONEMPTY 2u

/* True if s is empty or holds only white space: ASCII space, tab, newlines,
 * and the no-break (U+00A0) and ideographic (U+3000, 全角空格) spaces. */
bool text_blank(const char *s);

/* The first fault of v as a text value of at most max characters, in the
 * order of enum text_fault; TEXT_OK if it has none. */
enum text_fault text_fault(const json_t *v, size_t max, unsigned flags);

/* s for a LIKE pattern with ESCAPE '\\': '%', '_' and '\\' preceded by '\\',
 * into out[cap], cut (on a character boundary) if it does not fit. */
void text_like_escape(const char *s, char *out, size_t cap);

/* A mobile (11 digits), service (5 digits) or landline number (0, area
 * code, optional dash, 7–8 digits). */
bool phone_valid(const char *phone);
/* "138****5678": the phone's first 3 and last 4 digits, into out[cap]. */
void mask_phone(const char *phone, char *out, size_t cap);
/* "张**": the name's first character (the family name), into out[cap]. */
void mask_name(const char *name, char *out, size_t cap);
/* The first `chars` characters of s on one line (tab and newlines become
 * spaces), into out[cap], never cut inside a character. */
void text_head(const char *s, size_t chars, char *out, size_t cap);

#endif
