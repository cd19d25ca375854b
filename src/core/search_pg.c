/* Full-text search on PostgreSQL with FTS5's behaviour (search_pg.h). */
#include "core/search_pg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/tokenize.h"

/* ------------------------------------------------------------------ */
/* the query                                                             */
/* ------------------------------------------------------------------ */

void search_pg_query_init(struct search_pg_query *q)
{
	memset(q, 0, sizeof *q);
}

struct query_add {
	struct search_pg_query *q;
	bool full;
};

static int query_token(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                       bool colocated)
{
	(void)start, (void)end;
	struct query_add *a = ctx;
	struct search_pg_query *q = a->q;
	if (q->ntokens == SEARCH_PG_TOKENS_MAX || len == 0 || len > TOKEN_MAX ||
	    q->nchars + len > sizeof q->chars) {
		a->full = true;
		return 1;
	}
	struct search_pg_token *t = &q->tokens[q->ntokens++];
	t->off = (unsigned short)q->nchars;
	t->len = (unsigned char)len;
	/* the phrase's first token starts a position whatever its flag says */
	t->colocated = colocated && q->ntokens - 1 > q->first[q->nphrases];
	memcpy(q->chars + q->nchars, tok, len);
	q->nchars += len;
	return 0;
}

int search_pg_query_add(struct search_pg_query *q, const char *term, size_t n)
{
	if (q->nphrases == SEARCH_PG_PHRASES_MAX)
		return -1;
	int ntokens = q->ntokens;
	size_t nchars = q->nchars;
	struct query_add a = {q, false};
	q->first[q->nphrases] = ntokens;
	tokenize(term, n, TOKENIZE_QUERY, query_token, &a);
	if (a.full || q->ntokens == ntokens) { /* undone: q as it was */
		q->ntokens = ntokens;
		q->nchars = nchars;
		return a.full ? -1 : 1;
	}
	q->nphrases++;
	q->first[q->nphrases] = q->ntokens;
	return 0;
}

/* Phrase i's size in positions (FTS5's xPhraseSize). */
static int phrase_size(const struct search_pg_query *q, int i)
{
	int n = 0;
	for (int t = q->first[i]; t < q->first[i + 1]; t++)
		n += !q->tokens[t].colocated;
	return n;
}

/* A bounded writer into a caller's array. */
struct out {
	char *p;
	size_t n, cap;
	bool over;
};

static void out_put(struct out *o, const char *s, size_t len)
{
	if (o->over || len >= o->cap - o->n) {
		o->over = true;
		return;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

static void out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* A lexeme quoted for the input syntax of tsvector and tsquery alike: in
 * quotes, a quote doubled and a backslash escaped. */
static void out_lexeme(struct out *o, const char *s, size_t len)
{
	out_put(o, "'", 1);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'')
			out_put(o, "'", 1);
		else if (s[i] == '\\')
			out_put(o, "\\", 1);
		out_put(o, s + i, 1);
	}
	out_put(o, "'", 1);
}

/* Tokens [t, end) of one position: the first and its alternatives. */
static int position_end(const struct search_pg_query *q, int t, int end)
{
	int u = t + 1;
	while (u < end && q->tokens[u].colocated)
		u++;
	return u;
}

static void out_phrase(struct out *o, const struct search_pg_query *q, int i)
{
	int end = q->first[i + 1];
	for (int t = q->first[i]; t < end;) {
		int u = position_end(q, t, end);
		if (t > q->first[i])
			out_str(o, " <-> ");
		if (u - t > 1)
			out_str(o, "( ");
		for (int k = t; k < u; k++) {
			if (k > t)
				out_str(o, " | ");
			out_lexeme(o, q->chars + q->tokens[k].off, q->tokens[k].len);
		}
		if (u - t > 1)
			out_str(o, " )");
		t = u;
	}
}

int search_pg_tsquery(const struct search_pg_query *q, char *out, size_t cap)
{
	if (!cap)
		return -1;
	struct out o = {out, 0, cap, false};
	for (int i = 0; i < q->nphrases; i++) {
		if (i)
			out_str(&o, " & ");
		out_phrase(&o, q, i);
	}
	if (o.over || !q->nphrases) {
		out[0] = '\0';
		return -1;
	}
	out[o.n] = '\0';
	return 0;
}

/* ------------------------------------------------------------------ */
/* the index: a tsvector literal                                         */
/* ------------------------------------------------------------------ */

#define TSV_POS_LAST 16381       /* the last position a token keeps as it is */
#define TSV_POS_OVERFLOW 16383   /* where every later token goes (16382 stays empty) */
#define TSV_POSITIONS 256        /* a lexeme's positions PostgreSQL keeps */
#define TSV_LEXEME_BYTES 1000000 /* under tsvector's 2^20 - 1 bytes of lexemes */
#define TSV_TEXT_MAX (64u << 20) /* the literal: far above what the caps above allow */

/* One lexeme: its text chars[off .. off + len), its positions the list
 * from pos[first] through next links (npos of them, increasing). */
struct tsv_lexeme {
	uint32_t hash, off, first, last;
	uint16_t npos;
	unsigned char len;
};

struct tsv_pos {
	uint16_t pos;
	char weight; /* 'A'..'D' */
	uint32_t next;
};

struct tsv {
	struct tsv_lexeme *lex;
	size_t nlex, caplex;
	uint32_t *slot; /* hash table of lex indexes + 1; 0 is empty */
	size_t nslot;   /* a power of two, more than twice nlex */
	struct tsv_pos *pos;
	size_t npos, cappos;
	char *chars;
	size_t nchars, capchars;
	bool oom;
	/* the column being read */
	char weight;
	int base;  /* its first position */
	int local; /* its positions so far */
};

/* Array p of *cap elements of sz bytes, grown (doubling) to hold need:
 * the array to use from now on, or NULL when out of memory (p is then
 * unchanged and still the caller's). */
static void *grow(void *p, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(p, n * sz);
	if (q)
		*cap = n;
	return q;
}

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static bool tsv_rehash(struct tsv *t)
{
	size_t n = t->nslot ? t->nslot * 2 : 1024;
	uint32_t *slot = calloc(n, sizeof *slot);
	if (!slot)
		return false;
	for (size_t i = 0; i < t->nlex; i++) {
		size_t k = t->lex[i].hash & (n - 1);
		while (slot[k])
			k = (k + 1) & (n - 1);
		slot[k] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
	return true;
}

/* The lexeme tok[0..len), added when new; NULL when it is not kept (past
 * TSV_LEXEME_BYTES) or memory ran out (t->oom). */
static struct tsv_lexeme *tsv_lexeme(struct tsv *t, const char *tok, size_t len)
{
	uint32_t h = fnv1a(tok, len);
	size_t k = t->nslot ? h & (t->nslot - 1) : 0;
	for (; t->nslot && t->slot[k]; k = (k + 1) & (t->nslot - 1)) {
		struct tsv_lexeme *l = &t->lex[t->slot[k] - 1];
		if (l->hash == h && l->len == len && !memcmp(t->chars + l->off, tok, len))
			return l;
	}
	if (t->nchars + len > TSV_LEXEME_BYTES)
		return NULL; /* the limit: a lexeme first seen past it is left out */
	if ((t->nlex + 1) * 2 >= t->nslot) {
		if (!tsv_rehash(t)) {
			t->oom = true;
			return NULL;
		}
		k = h & (t->nslot - 1);
		while (t->slot[k])
			k = (k + 1) & (t->nslot - 1);
	}
	struct tsv_lexeme *lex = grow(t->lex, &t->caplex, t->nlex + 1, sizeof *lex);
	if (lex)
		t->lex = lex;
	char *chars = lex ? grow(t->chars, &t->capchars, t->nchars + len, 1) : NULL;
	if (!chars) {
		t->oom = true;
		return NULL;
	}
	t->chars = chars;
	struct tsv_lexeme *l = &t->lex[t->nlex];
	*l = (struct tsv_lexeme){.hash = h, .off = (uint32_t)t->nchars, .len = (unsigned char)len};
	memcpy(t->chars + t->nchars, tok, len);
	t->nchars += len;
	t->slot[k] = (uint32_t)++t->nlex;
	return l;
}

static int tsv_token(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                     bool colocated)
{
	(void)start, (void)end;
	struct tsv *t = ctx;
	if (!colocated || !t->local)
		t->local++;
	int pos = t->base + t->local - 1;
	if (pos > TSV_POS_LAST)
		pos = TSV_POS_OVERFLOW;
	struct tsv_lexeme *l = len && len <= TOKEN_MAX ? tsv_lexeme(t, tok, len) : NULL;
	if (t->oom)
		return 1;
	/* the first positions only, once each (the overflow slot repeats): the
	 * first weight is the highest, as the columns come in A..D order */
	if (!l || l->npos == TSV_POSITIONS || (l->npos && t->pos[l->last].pos == pos))
		return 0;
	struct tsv_pos *tp = grow(t->pos, &t->cappos, t->npos + 1, sizeof *tp);
	if (!tp) {
		t->oom = true;
		return 1;
	}
	t->pos = tp;
	t->pos[t->npos] = (struct tsv_pos){(uint16_t)pos, t->weight, 0};
	if (l->npos)
		t->pos[l->last].next = (uint32_t)t->npos;
	else
		l->first = (uint32_t)t->npos;
	l->last = (uint32_t)t->npos++;
	l->npos++;
	return 0;
}

/* Reads one column at the next free position, after a gap. */
static void tsv_column(struct tsv *t, const char *text, char weight)
{
	if (!text || t->oom)
		return;
	t->weight = weight;
	t->local = 0;
	tokenize(text, strlen(text), TOKENIZE_DOCUMENT, tsv_token, t);
	if (t->local)
		t->base += t->local + 1; /* one empty position: no phrase spans two columns */
}

static void tsv_write(const struct tsv *t, struct out *o)
{
	char num[16];
	for (size_t i = 0; i < t->nlex && !o->over; i++) {
		const struct tsv_lexeme *l = &t->lex[i];
		if (!l->npos)
			continue;
		if (o->n)
			out_put(o, " ", 1);
		out_lexeme(o, t->chars + l->off, l->len);
		uint32_t p = l->first;
		for (int k = 0; k < l->npos; k++, p = t->pos[p].next) {
			char w = t->pos[p].weight;
			/* D is tsvector's default weight, written as nothing */
			int n = snprintf(num, sizeof num, "%c%u%.*s", k ? ',' : ':',
			                 (unsigned)t->pos[p].pos, w != 'D', &w);
			out_put(o, num, (size_t)n);
		}
	}
}

static bool text_ok(const char *s)
{
	return !s || strnlen(s, SEARCH_PG_TEXT_MAX + 1) <= SEARCH_PG_TEXT_MAX;
}

char *search_pg_tsvector(const char *no, const char *title, const char *body, const char *address,
                         const char *notes)
{
	if (!text_ok(no) || !text_ok(title) || !text_ok(body) || !text_ok(address) ||
	    !text_ok(notes))
		return NULL;
	struct tsv t;
	memset(&t, 0, sizeof t);
	t.base = 1;
	tsv_column(&t, no, 'A');
	tsv_column(&t, title, 'B');
	tsv_column(&t, address, 'C');
	tsv_column(&t, body, 'D');
	tsv_column(&t, notes, 'D');
	char *text = NULL;
	if (!t.oom) {
		/* a lexeme takes at most 2 + 2 * TOKEN_MAX bytes and a position 7 */
		size_t need = t.nlex * (3 + 2 * (size_t)TOKEN_MAX) + t.npos * 7 + 1;
		text = need <= TSV_TEXT_MAX ? malloc(need) : NULL;
		struct out o = {text, 0, need, false};
		if (text)
			tsv_write(&t, &o);
		if (text && o.over) {
			free(text);
			text = NULL;
		} else if (text) {
			text[o.n] = '\0';
		}
	}
	free(t.lex);
	free(t.slot);
	free(t.pos);
	free(t.chars);
	return text;
}

/* ------------------------------------------------------------------ */
/* a column as FTS5's auxiliary functions see it                         */
/* ------------------------------------------------------------------ */

/* The document tokens of a text by position: a position's first token's
 * bytes of the text (what FTS5 highlights) and all its tokens (what a
 * phrase matches). */
struct doc {
	struct doc_pos {
		uint32_t start, end; /* the first token's bytes of the text */
		uint32_t tok, ntok;  /* its tokens: toks[tok .. tok + ntok) */
	} * pos;
	size_t npos, cappos;
	struct doc_tok {
		uint32_t off; /* chars[off .. off + len) */
		unsigned char len;
	} * toks;
	size_t ntoks, captoks;
	char *chars;
	size_t nchars, capchars;
	bool oom;
};

static int doc_token(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                     bool colocated)
{
	struct doc *d = ctx;
	struct doc_tok *toks =
	    len <= TOKEN_MAX ? grow(d->toks, &d->captoks, d->ntoks + 1, sizeof *toks) : NULL;
	if (toks)
		d->toks = toks;
	char *chars = toks ? grow(d->chars, &d->capchars, d->nchars + len, 1) : NULL;
	if (chars)
		d->chars = chars;
	struct doc_pos *pos = chars ? grow(d->pos, &d->cappos, d->npos + 1, sizeof *pos) : NULL;
	if (!pos) {
		d->oom = true;
		return 1;
	}
	d->pos = pos;
	if (!colocated || !d->npos) /* FTS5 counts a position by its first token */
		d->pos[d->npos++] =
		    (struct doc_pos){(uint32_t)start, (uint32_t)end, (uint32_t)d->ntoks, 0};
	d->pos[d->npos - 1].ntok++;
	d->toks[d->ntoks++] = (struct doc_tok){(uint32_t)d->nchars, (unsigned char)len};
	memcpy(d->chars + d->nchars, tok, len);
	d->nchars += len;
	return 0;
}

static void doc_release(struct doc *d)
{
	free(d->pos);
	free(d->toks);
	free(d->chars);
}

/* Whether position p of d holds the query token t. */
static bool doc_has(const struct doc *d, size_t p, const struct search_pg_query *q,
                    const struct search_pg_token *t)
{
	const struct doc_pos *dp = &d->pos[p];
	for (uint32_t k = dp->tok; k < dp->tok + dp->ntok; k++)
		if (d->toks[k].len == t->len &&
		    !memcmp(d->chars + d->toks[k].off, q->chars + t->off, t->len))
			return true;
	return false;
}

/* Whether phrase i of q occurs in d from position s on: each of its
 * positions one of its alternatives. */
static bool phrase_at(const struct doc *d, const struct search_pg_query *q, int i, size_t s)
{
	int end = q->first[i + 1];
	for (int t = q->first[i]; t < end; s++) {
		int u = position_end(q, t, end);
		if (s >= d->npos)
			return false;
		bool any = false;
		for (int k = t; k < u && !any; k++)
			any = doc_has(d, s, q, &q->tokens[k]);
		if (!any)
			return false;
		t = u;
	}
	return true;
}

/* A phrase instance (FTS5's xInst in one column): phrase `phrase` from
 * position `pos` on. */
struct inst {
	int phrase, pos;
};

/* Every instance in d, in FTS5's order: by position, then by phrase. NULL
 * with *n = 0 when there is none; NULL with *n = -1 when out of memory. */
static struct inst *doc_instances(const struct doc *d, const struct search_pg_query *q, int *n)
{
	struct inst *a = NULL;
	size_t na = 0, cap = 0;
	*n = 0;
	for (size_t s = 0; s < d->npos; s++)
		for (int i = 0; i < q->nphrases; i++) {
			if (!phrase_at(d, q, i, s))
				continue;
			struct inst *g = grow(a, &cap, na + 1, sizeof *g);
			if (!g) {
				free(a);
				*n = -1;
				return NULL;
			}
			a = g;
			a[na++] = (struct inst){i, (int)s};
		}
	*n = (int)na;
	return a;
}

/* FTS5's "coalesced phrase instance" iterator (fts5CInstIterNext):
 * overlapping instances are one hit, [start, end]; start < 0 past the
 * last. Instances that only touch stay two. */
struct cinst {
	const struct inst *a;
	const int *size; /* by phrase */
	int n, i;
	int start, end;
};

static void cinst_next(struct cinst *it)
{
	it->start = it->end = -1;
	for (; it->i < it->n; it->i++) {
		int io = it->a[it->i].pos;
		int iend = io - 1 + it->size[it->a[it->i].phrase];
		if (it->start < 0) {
			it->start = io;
			it->end = iend;
		} else if (io <= it->end) {
			if (iend > it->end)
				it->end = iend;
		} else {
			break;
		}
	}
}

/* The state of FTS5's highlight callback (fts5HighlightCb, SQLite 3.40). */
struct hl {
	const char *text;
	size_t n;
	struct cinst it;
	int range_start, range_end; /* range_end 0: the whole text */
	size_t off;                 /* text copied to out so far */
	struct buf out;
};

#define HL_OUT_MAX (64u << 20)

/* fts5HighlightAppend: n < 0 appends everything up to the text's end. That
 * happens when a hit starts inside the bytes the previous one already
 * copied (two terms whose bigrams overlap: "路 灯" in 路灯): SQLite 3.40
 * then repeats the rest of the text, and so does this, to answer the same. */
static void hl_append(struct hl *h, const char *z, long n)
{
	buf_append(&h->out, z, n < 0 ? strlen(z) : (size_t)n);
}

static void hl_token(struct hl *h, int ipos, size_t start, size_t end)
{
	if (h->range_end > 0) {
		if (ipos < h->range_start || ipos > h->range_end)
			return;
		if (h->range_start && ipos == h->range_start)
			h->off = start;
	}
	if (ipos == h->it.start) {
		hl_append(h, h->text + h->off, (long)start - (long)h->off);
		hl_append(h, "\x01", 1);
		h->off = start;
	}
	if (ipos == h->it.end) {
		if (h->range_end && h->it.start < h->range_start)
			hl_append(h, "\x01", 1);
		hl_append(h, h->text + h->off, (long)end - (long)h->off);
		hl_append(h, "\x02", 1);
		h->off = end;
		cinst_next(&h->it);
	}
	if (h->range_end > 0 && ipos == h->range_end) {
		hl_append(h, h->text + h->off, (long)end - (long)h->off);
		h->off = end;
		if (ipos >= h->it.start && ipos < h->it.end)
			hl_append(h, "\x02", 1);
	}
}

/* A column read for highlighting: its tokens, instances and phrase sizes. */
struct column {
	struct doc d;
	struct inst *inst;
	int ninst;
	int size[SEARCH_PG_PHRASES_MAX];
};

static int column_read(struct column *c, const struct search_pg_query *q, const char *text)
{
	memset(c, 0, sizeof *c);
	if (strnlen(text, SEARCH_PG_TEXT_MAX + 1) > SEARCH_PG_TEXT_MAX)
		return -1;
	tokenize(text, strlen(text), TOKENIZE_DOCUMENT, doc_token, &c->d);
	if (c->d.oom)
		return -1;
	for (int i = 0; i < q->nphrases; i++)
		c->size[i] = phrase_size(q, i);
	c->inst = doc_instances(&c->d, q, &c->ninst);
	return c->ninst < 0 ? -1 : 0;
}

static void column_release(struct column *c)
{
	doc_release(&c->d);
	free(c->inst);
}

static void hl_init(struct hl *h, const struct column *c, const char *text)
{
	memset(h, 0, sizeof *h);
	h->text = text;
	h->n = strlen(text);
	h->it = (struct cinst){c->inst, c->size, c->ninst, 0, -1, -1};
	cinst_next(&h->it);
	buf_init(&h->out, HL_OUT_MAX);
}

static void hl_run(struct hl *h, const struct column *c)
{
	for (size_t p = 0; p < c->d.npos; p++)
		hl_token(h, (int)p, c->d.pos[p].start, c->d.pos[p].end);
}

/* The result: "" for an empty one (SQLite's mprintf of nothing is ""), NULL
 * when the output outgrew HL_OUT_MAX or memory ran out. */
static char *hl_result(struct hl *h)
{
	if (h->out.overflow) {
		buf_release(&h->out);
		return NULL;
	}
	if (!h->out.data)
		return strdup("");
	return buf_detach(&h->out, NULL);
}

char *search_pg_highlight(const struct search_pg_query *q, const char *text)
{
	if (!text)
		return NULL;
	struct column c;
	if (column_read(&c, q, text) != 0) {
		column_release(&c);
		return NULL;
	}
	struct hl h;
	hl_init(&h, &c, text);
	hl_run(&h, &c);
	hl_append(&h, text + h.off, (long)(h.n - h.off));
	column_release(&c);
	return hl_result(&h);
}

/* ------------------------------------------------------------------ */
/* snippet(): the best fragment                                          */
/* ------------------------------------------------------------------ */

/* The positions that start a sentence (fts5SentenceFinderCb): the first,
 * and each whose token follows ". " or ": " (ASCII only: "。" is not one,
 * so Chinese text is one sentence). NULL with *n = -1 when out of memory. */
static int *sentence_starts(const struct column *c, const char *text, int *n)
{
	int *a = NULL;
	size_t na = 0, cap = 0;
	for (size_t p = 0; p < c->d.npos; p++) {
		bool first = p == 0;
		if (!first) {
			long i = (long)c->d.pos[p].start - 1;
			char ch = 0;
			for (; i >= 0; i--) {
				ch = text[i];
				if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
					break;
			}
			first = i != (long)c->d.pos[p].start - 1 && (ch == '.' || ch == ':');
		}
		if (!first)
			continue;
		int *g = grow(a, &cap, na + 1, sizeof *g);
		if (!g) {
			free(a);
			*n = -1;
			return NULL;
		}
		a = g;
		a[na++] = (int)p;
	}
	*n = (int)na;
	return a;
}

/* fts5SnippetScore: the fragment of ntokens positions from ipos, scored
 * 1000 for each distinct phrase in it and 1 for each repeat; *adj (when
 * asked) the start that centres its hits, kept inside the text. */
static int snippet_score(const struct column *c, int ipos, int ntokens, int *adj)
{
	bool seen[SEARCH_PG_PHRASES_MAX] = {false};
	int score = 0, first = -1, last = 0;
	for (int i = 0; i < c->ninst; i++) {
		const struct inst *in = &c->inst[i];
		if (in->pos < ipos || (int64_t)in->pos >= (int64_t)ipos + ntokens)
			continue;
		score += seen[in->phrase] ? 1 : 1000;
		seen[in->phrase] = true;
		if (first < 0)
			first = in->pos;
		last = in->pos + c->size[in->phrase];
	}
	if (adj) {
		int a = first - (ntokens - (last - first)) / 2;
		int ndoc = (int)c->d.npos;
		if (a + ntokens > ndoc)
			a = ndoc - ntokens;
		*adj = a < 0 ? 0 : a;
	}
	return score;
}

/* The first position of the best fragment (fts5SnippetFunction's choice):
 * each instance's centred fragment, and the fragment from the start of its
 * sentence with a bonus (120 at the text's start, 100 elsewhere). */
static int snippet_start(const struct column *c, const int *sent, int nsent, int ntokens)
{
	int best = 0, start = 0;
	int ndoc = (int)c->d.npos;
	for (int i = 0; i < c->ninst; i++) {
		int io = c->inst[i].pos, adj;
		int score = snippet_score(c, io, ntokens, &adj);
		if (score > best) {
			best = score;
			start = adj;
		}
		if (!nsent || ndoc <= ntokens)
			continue;
		int jj = 0;
		while (jj < nsent - 1 && sent[jj + 1] <= io)
			jj++;
		if (sent[jj] < io) {
			score =
			    snippet_score(c, sent[jj], ntokens, NULL) + (sent[jj] == 0 ? 120 : 100);
			if (score > best) {
				best = score;
				start = sent[jj];
			}
		}
	}
	return start;
}

char *search_pg_snippet(const struct search_pg_query *q, const char *text, int ntokens,
                        const char *ellipsis)
{
	if (!text)
		return NULL;
	struct column c;
	int nsent = -1;
	int *sent = column_read(&c, q, text) == 0 ? sentence_starts(&c, text, &nsent) : NULL;
	if (nsent < 0) {
		column_release(&c);
		return NULL;
	}
	int start = snippet_start(&c, sent, nsent, ntokens);
	free(sent);
	struct hl h;
	hl_init(&h, &c, text);
	h.range_start = start;
	h.range_end = start + ntokens - 1;
	if (start > 0)
		hl_append(&h, ellipsis, -1);
	while (h.it.start >= 0 && h.it.start < start)
		cinst_next(&h.it);
	hl_run(&h, &c);
	if (h.range_end >= (int)c.d.npos - 1)
		hl_append(&h, text + h.off, (long)(h.n - h.off));
	else
		hl_append(&h, ellipsis, -1);
	column_release(&c);
	return hl_result(&h);
}
