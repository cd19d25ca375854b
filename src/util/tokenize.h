/*
 * Search tokens for Chinese text: the one tokenizer behind the full-text
 * index (store/sqlite_fts.c registers it with FTS5 as "civicloop"), the
 * routing model's features and the duplicate check's text similarity.
 *
 * Chinese has no spaces, and people search with one or two characters (噪,
 * 停水), so a run of CJK characters is indexed as every pair of neighbours
 * (a bigram) and, at the same position, every character (a unigram; the
 * bigram comes first, so a highlight covers both of its characters).
 * A query's run of two or more characters becomes its bigrams at
 * consecutive positions, which match the indexed text as a phrase: 路灯不亮
 * finds "路灯不亮" and not "路灯…不亮"; a lone character stays a unigram.
 *
 * Everything is folded first: Traditional characters to Simplified (OpenCC's
 * t2s table, one character at a time, so 路燈 finds 路灯), full-width ASCII
 * to ASCII, ASCII letters to lower case. A run of letters and digits is one
 * word (5G, b12345, wifi); a word mixing letters and digits also yields its
 * digit runs of three or more at the same position, so the plate 赣B12345 is
 * found by 12345 too. Everything else separates tokens.
 */
#ifndef CIVICLOOP_UTIL_TOKENIZE_H
#define CIVICLOOP_UTIL_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_MAX 64 /* bytes of one token: longer words are cut */

enum tokenize_mode {
	TOKENIZE_DOCUMENT, /* bigrams, with each unigram at the same position */
	TOKENIZE_QUERY,    /* bigrams of a run, a lone character's unigram */
};

/* One token: its folded text tok[0..len) (not NUL-terminated), the byte
 * range [start, end) of the input it came from, and whether it shares the
 * previous token's position. Return nonzero to stop. */
typedef int (*token_fn)(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                        bool colocated);

/* Calls fn for each token of text[0..n); invalid UTF-8 bytes separate
 * tokens. Returns fn's first nonzero return, else 0. */
int tokenize(const char *text, size_t n, enum tokenize_mode mode, token_fn fn, void *ctx);

/* The Simplified form of code point c (c itself when there is none or the
 * table could not be built). Thread-safe; the table is built on first use
 * (about 20 ms). */
unsigned han_fold(unsigned c);
/* Code point c as the index sees it: full-width ASCII to ASCII, ASCII
 * letters to lower case, Traditional to Simplified (han_fold). */
unsigned fold_char(unsigned c);
/* The folded form of s as the tokenizer reads it (Traditional to
 * Simplified, full-width ASCII to ASCII, letters lower-cased; everything
 * else as it is), as a new string; NULL when out of memory. Routing matches
 * catalogue keywords in it (core/routing.c). */
char *text_fold(const char *s);
/* False if OpenCC's table could not be loaded (search then matches only the
 * form typed). */
bool han_fold_ready(void);

#endif
