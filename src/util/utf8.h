/*
 * UTF-8 checks and cuts. Every string that reaches a response must be valid
 * UTF-8 (jansson refuses anything else, and a refused string once crashed the
 * server), so input is checked at the edge and every truncation cuts on a
 * character boundary. Valid means RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF. NUL is not valid inside a C string's bytes here.
 */
#ifndef CIVICLOOP_UTIL_UTF8_H
#define CIVICLOOP_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1–4), or 0 if s[0..n) does not
 * start with one (a NUL byte counts as invalid). */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* True if s[0..n) is all valid UTF-8 without NUL bytes. */
bool utf8_valid(const char *s, size_t n);
/* The largest length <= max at which s[0..n) can be cut without splitting a
 * character (assumes s is valid UTF-8; stops at the first invalid byte). */
size_t utf8_cut(const char *s, size_t n, size_t max);
/* s cut to at most max bytes on a character boundary, into buf[cap] (cap >
 * max); returns buf. For echoing input into a message: a byte-limited %.Ns
 * could split a character. */
const char *utf8_clip(const char *s, size_t max, char *buf, size_t cap);
#define UTF8_CLIP_BUF 65 /* a buffer for utf8_clip(s, 64, …) */
/* Rewrites the NUL-terminated s in place so it is valid UTF-8: a sequence
 * cut short at the end is dropped, any other invalid byte becomes '?'.
 * Returns true if s was changed. */
bool utf8_scrub(char *s);
/* Characters in the NUL-terminated s (assumes valid UTF-8: counts the bytes
 * that do not continue a sequence). */
size_t utf8_chars(const char *s);

/* The code point of the valid sequence s[0..len) (len from utf8_seq_len). */
unsigned utf8_decode(const unsigned char *s, size_t len);
/* Code point c (at most U+10FFFF) as UTF-8 into p (room for 4); its length. */
size_t utf8_put(char *p, unsigned c);

#endif
