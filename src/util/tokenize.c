/* Search tokens for Chinese text (tokenize.h). */
#include "util/tokenize.h"

#include <opencc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* ------------------------------------------------------------------ */
/* Traditional to Simplified, one character at a time                   */
/* ------------------------------------------------------------------ */

/* The folded ranges: CJK Extension A and the Unified Ideographs, and the
 * compatibility ideographs. Others fold to themselves. */
#define FOLD_LO 0x3400u
#define FOLD_HI 0x9FFFu
#define COMPAT_LO 0xF900u
#define COMPAT_HI 0xFAFFu
#define FOLD_N ((FOLD_HI - FOLD_LO + 1) + (COMPAT_HI - COMPAT_LO + 1))

static uint32_t *fold_table; /* NULL when OpenCC could not be used */
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static size_t fold_index(unsigned c)
{
	if (c >= FOLD_LO && c <= FOLD_HI)
		return c - FOLD_LO;
	if (c >= COMPAT_LO && c <= COMPAT_HI)
		return (FOLD_HI - FOLD_LO + 1) + (c - COMPAT_LO);
	return SIZE_MAX;
}

/* One line per character of the folded ranges, converted by OpenCC's t2s in
 * one call; a line that does not come back as exactly one character (a
 * conversion OpenCC makes only in a phrase) keeps its character. */
static void fold_build(void)
{
	opencc_t cc = opencc_open("t2s.json");
	if (cc == (opencc_t)-1) {
		fprintf(stderr,
		        "civicloop: OpenCC t2s unavailable (%s); search will not fold "
		        "Traditional characters\n",
		        opencc_error());
		return;
	}
	char *in = malloc((size_t)FOLD_N * 4);
	uint32_t *t = malloc((size_t)FOLD_N * sizeof *t);
	char *out = NULL;
	if (in && t) {
		size_t n = 0;
		for (unsigned c = FOLD_LO; c <= COMPAT_HI; c++) {
			if (fold_index(c) == SIZE_MAX)
				continue;
			t[fold_index(c)] = c;
			n += utf8_put(in + n, c);
			in[n++] = '\n';
		}
		out = opencc_convert_utf8(cc, in, n);
	}
	if (out) {
		const char *p = out;
		for (unsigned c = FOLD_LO; c <= COMPAT_HI && *p; c++) {
			if (fold_index(c) == SIZE_MAX)
				continue;
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			size_t sl = utf8_seq_len((const unsigned char *)p, len);
			if (sl && sl == len)
				t[fold_index(c)] = utf8_decode((const unsigned char *)p, len);
			p += len + (nl != NULL);
		}
		opencc_convert_utf8_free(out);
		fold_table = t;
		t = NULL;
	}
	free(in);
	free(t);
	opencc_close(cc);
}

unsigned han_fold(unsigned c)
{
	size_t i = fold_index(c);
	if (i == SIZE_MAX)
		return c;
	pthread_once(&fold_once, fold_build);
	return fold_table ? fold_table[i] : c;
}

bool han_fold_ready(void)
{
	pthread_once(&fold_once, fold_build);
	return fold_table != NULL;
}

/* ------------------------------------------------------------------ */
/* the tokenizer                                                         */
/* ------------------------------------------------------------------ */

enum cclass { C_SEP, C_WORD, C_CJK };

static bool is_cjk(unsigned c)
{
	return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x323AF) ||
	       (c >= 0x3041 && c <= 0x30FF && c != 0x30FB) || /* kana, not the middle dot */
	       (c >= 0xAC00 && c <= 0xD7A3);                  /* Hangul syllables */
}

/* The folded code point of c and its class. */
unsigned fold_char(unsigned c)
{
	if (c >= 0xFF01 && c <= 0xFF5E) /* full-width ASCII */
		c -= 0xFEE0;
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	return han_fold(c);
}

static enum cclass classify(unsigned *c)
{
	unsigned v = fold_char(*c);
	*c = v;
	if ((v >= 'a' && v <= 'z') || (v >= '0' && v <= '9'))
		return C_WORD;
	if ((v >= 0xC0 && v <= 0x24F && v != 0xD7 && v != 0xF7) || (v >= 0x370 && v <= 0x3FF) ||
	    (v >= 0x400 && v <= 0x4FF)) /* Latin letters, Greek, Cyrillic */
		return C_WORD;
	if (is_cjk(v))
		return C_CJK;
	return C_SEP;
}

struct tok_state {
	enum tokenize_mode mode;
	token_fn fn;
	void *ctx;
	/* the word being read */
	char word[TOKEN_MAX];
	size_t wlen, wstart, wend;
	bool wcut;
	/* the CJK run being read: its last character */
	char prev[4];
	size_t plen, pstart, pend;
	int run; /* characters in the run so far */
	/* a query's run of two or more that ended: its last character, owed as
	 * a unigram if another token follows (see run_end) */
	bool tail;
	char tailc[4];
	size_t tlen, tstart, tend;
};

/* Emits a token, first paying a query's owed tail. */
static int emit(struct tok_state *s, const char *tok, size_t len, size_t start, size_t end,
                bool colocated)
{
	if (s->tail) {
		s->tail = false;
		int rc = s->fn(s->ctx, s->tailc, s->tlen, s->tstart, s->tend, false);
		if (rc)
			return rc;
	}
	return s->fn(s->ctx, tok, len, start, end, colocated);
}

/* The word's digit runs of three or more, at the word's position, when it
 * mixes letters and digits (document mode only). */
static int word_parts(struct tok_state *s)
{
	bool letters = false, digits = false;
	for (size_t i = 0; i < s->wlen; i++) {
		unsigned char ch = (unsigned char)s->word[i];
		if (ch >= '0' && ch <= '9')
			digits = true;
		else
			letters = true;
	}
	if (!letters || !digits)
		return 0;
	for (size_t i = 0; i < s->wlen;) {
		size_t j = i;
		while (j < s->wlen && s->word[j] >= '0' && s->word[j] <= '9')
			j++;
		if (j - i >= 3) {
			int rc = s->fn(s->ctx, s->word + i, j - i, s->wstart, s->wend, true);
			if (rc)
				return rc;
		}
		i = j > i ? j : i + 1;
	}
	return 0;
}

static int word_end(struct tok_state *s)
{
	if (!s->wlen)
		return 0;
	int rc = emit(s, s->word, s->wlen, s->wstart, s->wend, false);
	if (!rc && s->mode == TOKENIZE_DOCUMENT)
		rc = word_parts(s);
	s->wlen = 0;
	s->wcut = false;
	return rc;
}

/* A document's run of n characters takes n positions (bigrams, and the
 * last character alone); a query's takes n - 1 (its bigrams), so when more
 * tokens follow in the query the last character is owed at one more
 * position: "分页x" must match the document's 分页@0 页@1 x@2. */
static int run_end(struct tok_state *s)
{
	int rc = 0;
	if (s->run == 1 && s->mode == TOKENIZE_QUERY)
		rc = emit(s, s->prev, s->plen, s->pstart, s->pend, false);
	else if (s->run && s->mode == TOKENIZE_DOCUMENT)
		rc = s->fn(s->ctx, s->prev, s->plen, s->pstart, s->pend, false);
	else if (s->run) {
		s->tail = true;
		memcpy(s->tailc, s->prev, s->plen);
		s->tlen = s->plen;
		s->tstart = s->pstart;
		s->tend = s->pend;
	}
	s->run = 0;
	return rc;
}

static int word_add(struct tok_state *s, const char *enc, size_t elen, size_t start, size_t end)
{
	if (!s->wlen)
		s->wstart = start;
	if (!s->wcut && s->wlen + elen <= sizeof s->word) {
		memcpy(s->word + s->wlen, enc, elen);
		s->wlen += elen;
		s->wend = end;
	} else {
		s->wcut = true; /* the rest of a long word is not indexed */
	}
	return 0;
}

/* A document's character c after p gives the bigram pc at a new position,
 * then p at the same one: FTS5 highlights a position by its first token, so
 * a hit on 路灯 marks both characters. A query's gives the bigram alone. */
static int cjk_add(struct tok_state *s, const char *enc, size_t elen, size_t start, size_t end)
{
	int rc = 0;
	if (s->run) {
		char bi[8];
		memcpy(bi, s->prev, s->plen);
		memcpy(bi + s->plen, enc, elen);
		rc = emit(s, bi, s->plen + elen, s->pstart, end, false);
		if (!rc && s->mode == TOKENIZE_DOCUMENT)
			rc = s->fn(s->ctx, s->prev, s->plen, s->pstart, s->pend, true);
	}
	memcpy(s->prev, enc, elen);
	s->plen = elen;
	s->pstart = start;
	s->pend = end;
	s->run++;
	return rc;
}

int tokenize(const char *text, size_t n, enum tokenize_mode mode, token_fn fn, void *ctx)
{
	struct tok_state s = {.mode = mode, .fn = fn, .ctx = ctx};
	const unsigned char *u = (const unsigned char *)text;
	int rc = 0;
	for (size_t i = 0; i < n && !rc;) {
		size_t len = utf8_seq_len(u + i, n - i);
		enum cclass k = C_SEP;
		unsigned c = 0;
		if (len) {
			c = utf8_decode(u + i, len);
			k = classify(&c);
		} else {
			len = 1; /* an invalid byte separates */
		}
		if (k != C_WORD)
			rc = word_end(&s);
		if (!rc && k != C_CJK)
			rc = run_end(&s);
		char enc[4];
		size_t elen = k == C_SEP ? 0 : utf8_put(enc, c);
		if (!rc && k == C_WORD)
			rc = word_add(&s, enc, elen, i, i + len);
		else if (!rc && k == C_CJK)
			rc = cjk_add(&s, enc, elen, i, i + len);
		i += len;
	}
	if (!rc)
		rc = word_end(&s);
	if (!rc)
		rc = run_end(&s);
	return rc;
}

char *text_fold(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *out = malloc(n * 2 + 1); /* a fold never more than doubles a character */
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq_len((const unsigned char *)s + i, n - i);
		if (len == 0) { /* an invalid byte stays as it is */
			out[k++] = s[i++];
			continue;
		}
		unsigned c = fold_char(utf8_decode((const unsigned char *)s + i, len));
		i += len;
		k += utf8_put(out + k, c);
	}
	out[k] = '\0';
	return out;
}
