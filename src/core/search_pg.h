/*
 * Full-text search on PostgreSQL with the behaviour of SQLite's FTS5 index
 * (core/search.c picks one or the other by store_is_sqlite()). FTS5 runs
 * util/tokenize.h inside SQLite; PostgreSQL cannot (pg_trgm indexes nothing
 * shorter than three characters, and people search with one or two), so
 * the application tokenizes here, with the same tokenizer, and hands
 * PostgreSQL only lexemes and positions:
 *
 *  - the index: case_fts.tsv, a tsvector literal of the five columns
 *    (search_pg_tsvector), each document token a lexeme at its position,
 *    a colocated token (the unigram under a bigram, a plate's digits) at the
 *    position of the token before it, as FTS5 stores them;
 *  - the query: a tsquery (search_pg_tsquery) with FTS5's meaning of
 *    search_match's text: each term a phrase of its query tokens at
 *    consecutive positions (<->), every term required (&);
 *  - the highlights: FTS5's highlight() and snippet(), computed here from
 *    the stored texts (search_pg_highlight, search_pg_snippet), as SQLite
 *    3.40's fts5_aux.c computes them, quirks included, so the API answers
 *    the same JSON on either backend.
 *
 * Not here: ranking (ST_SEARCH_QUERY's ts_rank_cd, store/pg_stmt_search.h) and
 * the SQL itself.
 */
#ifndef CIVICLOOP_CORE_SEARCH_PG_H
#define CIVICLOOP_CORE_SEARCH_PG_H

#include <stdbool.h>
#include <stddef.h>

#define SEARCH_PG_PHRASES_MAX 8     /* terms of a query: search.h's SEARCH_TERMS_MAX */
#define SEARCH_PG_TOKENS_MAX 256    /* query tokens: at most one a character of q */
#define SEARCH_PG_CHARS_MAX 2048    /* bytes of those tokens: each character in two bigrams */
#define SEARCH_PG_TEXT_MAX 16777216 /* bytes of a column the functions below read */

/* A query as FTS5 parses search_match's text: phrase i is the query tokens
 * tokens[first[i] .. first[i + 1]), each at the position after the one
 * before it, but a colocated token, which is an alternative at the same
 * position (FTS5's synonyms; util/tokenize.h's query mode makes none today). */
struct search_pg_query {
	int nphrases;
	int first[SEARCH_PG_PHRASES_MAX + 1];
	int ntokens;
	struct search_pg_token {
		unsigned short off; /* its text is chars[off .. off + len) */
		unsigned char len;  /* 1..TOKEN_MAX */
		bool colocated;
	} tokens[SEARCH_PG_TOKENS_MAX];
	size_t nchars;
	char chars[SEARCH_PG_CHARS_MAX];
};

void search_pg_query_init(struct search_pg_query *q);
/* Adds term[0..n) (one space-separated term of the user's text) as q's next
 * phrase, from its tokens in TOKENIZE_QUERY mode. 0; 1 when the term has no
 * token (punctuation: FTS5 would find nothing to match, search_match leaves
 * it out) and q is unchanged; -1 when q is full (more than
 * SEARCH_PG_PHRASES_MAX phrases, or tokens past the caps above). */
int search_pg_query_add(struct search_pg_query *q, const char *term, size_t n);

/* q as tsquery text into out[cap]: each phrase its lexemes joined by <->
 * (an alternative as ( 'a' | 'b' )), phrases joined by &, every lexeme
 * quoted for tsquery's input syntax ('…' with ' doubled and \ escaped),
 * e.g. '路灯' <-> '灯不' <-> '不亮' & '解放'. Cast with ::tsquery (no
 * normalization, unlike to_tsquery). 0, or -1 when it does not fit (out
 * then holds an empty string) or q has no phrase. */
int search_pg_tsquery(const struct search_pg_query *q, char *out, size_t cap);

/* case_fts.tsv of a case's five columns, as tsvector literal text ("" for
 * a case without a token); each may be NULL. A new string the caller frees,
 * or NULL when out of memory or a column is longer than SEARCH_PG_TEXT_MAX.
 *
 * Positions start at 1 and run through no, title, address, body and notes
 * in that order (the short columns first, so the limits below cut the long
 * ones), one unused position between two columns so no phrase spans them
 * (FTS5's positions restart in each column). Weights follow bm25's
 * (search.h SEARCH_RANK: 10, 4, 1, 2, 1): no A, title B, address C, body and
 * notes D; ts_rank_cd's weights {0.1, 0.2, 0.4, 1.0} then scale as bm25's do.
 *
 * PostgreSQL's limits, and what happens past them (FTS5 has none):
 *  - positions run to 16383. Tokens past position 16381 all take 16383, and
 *    16382 stays empty: a one-token term (one or two characters, a word)
 *    is still found there, a longer phrase is not (never a false match).
 *  - a lexeme keeps 256 positions, its first ones (PostgreSQL would drop
 *    the rest): a phrase whose every occurrence is past the 256th
 *    occurrence of one of its tokens is not found. A lone token always is.
 *  - the lexemes' text is under 1 MB in all (tsvector's own limit is
 *    2^20 - 1 bytes): a lexeme first seen past that is left out. The
 *    columns' caps (search.c NOTES_MAX, the input's) keep a case far below.
 *  - a lexeme is under 2 KB: util/tokenize.h's are at most TOKEN_MAX. */
char *search_pg_tsvector(const char *no, const char *title, const char *body, const char *address,
                         const char *notes);

/* FTS5's highlight(case_fts, col, char(1), char(2)) of text for the query
 * q: text with \x01 before and \x02 after each hit (overlapping phrase
 * instances merged), as SQLite 3.40 writes it. NULL for a NULL text (as
 * SQLite answers) or when out of memory; else a new string the caller
 * frees. */
char *search_pg_highlight(const struct search_pg_query *q, const char *text);

/* FTS5's snippet(case_fts, col, char(1), char(2), ellipsis, ntokens) of
 * text for q: the best fragment of about ntokens positions (FTS5 scores a
 * fragment by the distinct phrases in it, and prefers one that starts a
 * sentence), its hits marked as above, ellipsis where it was cut; a text of
 * ntokens positions or fewer whole. NULL for a NULL text or when out of
 * memory; else a new string the caller frees. */
char *search_pg_snippet(const struct search_pg_query *q, const char *text, int ntokens,
                        const char *ellipsis);

#endif
