/* Full-text search over cases (search.h). */
#include "core/engine_int.h"
#include "core/search.h"
#include "core/search_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/tokenize.h"

/* ------------------------------------------------------------------ */
/* the writer's side                                                     */
/* ------------------------------------------------------------------ */

/* Notes longer than this are cut (a case's text fields and opinions are
 * each at most 8000 characters, and a case has at most 32 units). */
#define NOTES_MAX (256 * 1024)

/* Appends each string value of object o (but "at") to b, a line each. */
static void notes_strings(struct buf *b, json_t *o)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (!json_is_string(v) || !strcmp(k, "at"))
			continue;
		if (b->len)
			buf_puts(b, "\n");
		buf_puts(b, json_string_value(v));
	}
}

char *search_notes(const struct matter_type *t, json_t *fields, json_t *const *opinions, int n)
{
	struct buf b;
	buf_init(&b, NOTES_MAX);
	for (int i = 0; t && i < t->nfields; i++) {
		const struct type_field *f = &t->fields[i];
		json_t *v = json_object_get(fields, f->name);
		if ((f->kind != FK_TEXT && f->kind != FK_STRING) || !json_is_string(v))
			continue;
		if (b.len)
			buf_puts(&b, "\n");
		buf_puts(&b, json_string_value(v));
	}
	for (int i = 0; i < n; i++)
		if (json_is_object(opinions[i]))
			notes_strings(&b, opinions[i]);
	if (!b.len) { /* a cut at NOTES_MAX keeps what fitted */
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* The case's notes (search_notes) as stored now. */
static char *case_notes(struct store_conn *c, const struct case_full *cf)
{
	json_t **op = cf->na ? calloc((size_t)cf->na, sizeof *op) : NULL;
	if (cf->na && !op)
		return NULL;
	for (int i = 0; i < cf->na; i++)
		op[i] = assignment_opinion_json(c, cf->a[i].id);
	char *notes = search_notes(cf->c.type, cf->c.fields, op, cf->na);
	for (int i = 0; i < cf->na; i++)
		json_decref(op[i]);
	free(op);
	return notes;
}

/* The address the index holds of a case. */
static const char *case_address(const struct case_full *cf)
{
	return json_string_value(json_object_get(cf->c.location, "address"));
}

/* On PostgreSQL, the case's index row's tsv (search_pg.h) with notes; a new
 * string, or NULL when out of memory. */
static char *case_tsvector(const struct case_full *cf, const char *notes)
{
	return search_pg_tsvector(cf->c.no, cf->c.title, cf->c.description, case_address(cf),
	                          notes);
}

/* Brings an indexed case's notes up to date (a row is rewritten only when
 * they changed: most actions change no text). */
static int notes_refresh(struct store_conn *c, const struct app *app, int64_t id)
{
	struct case_full cf;
	if (case_load(c, app, id, &cf) != 0)
		return -1;
	char *notes = case_notes(c, &cf);
	struct store_stmt *s = store_stmt(c, ST_SEARCH_NOTES);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	bool same = rc == STORE_ROW &&
	            (scol_null(s, 0) ? !notes : notes && !strcmp(scol_text(s, 0), notes));
	sreset(s);
	char *tsv = NULL;
	if (rc == STORE_ROW && !same) {
		s = store_stmt(c, ST_SEARCH_SET_NOTES);
		sbind_int(s, 1, id);
		sbind_text(s, 2, notes);
		/* PostgreSQL's lexemes are the application's: all of them again */
		if (!store_is_sqlite() && !(tsv = case_tsvector(&cf, notes)))
			rc = STORE_ERROR;
		else if (tsv)
			sbind_text(s, 3, tsv);
		if (rc == STORE_ROW)
			rc = sdone(s) == STORE_DONE ? STORE_ROW : STORE_ERROR;
	}
	free(tsv);
	free(notes);
	case_full_release(&cf);
	return rc == STORE_ROW ? 0 : -1;
}

/* Indexes case id whole: a new case's row, or (replace) a rebuild's, whose
 * old row is deleted first. */
static int search_index_case(struct store_conn *c, const struct app *app, int64_t id, bool replace)
{
	struct case_full cf;
	if (case_load(c, app, id, &cf) != 0)
		return -1;
	char *notes = case_notes(c, &cf);
	struct store_stmt *s = store_stmt(c, ST_SEARCH_DELETE);
	int rc = 0;
	if (replace) {
		sbind_int(s, 1, id);
		rc = sdone(s) == STORE_DONE ? 0 : -1;
	}
	char *tsv = NULL;
	if (rc == 0 && !store_is_sqlite() && !(tsv = case_tsvector(&cf, notes)))
		rc = -1;
	if (rc == 0) {
		s = store_stmt(c, ST_SEARCH_INSERT);
		sbind_int(s, 1, id);
		sbind_text(s, 2, cf.c.no);
		sbind_text(s, 3, cf.c.title);
		sbind_text(s, 4, cf.c.description);
		sbind_text(s, 5, case_address(&cf));
		sbind_text(s, 6, notes);
		if (tsv) /* PostgreSQL: the lexemes, made here (search_pg.h) */
			sbind_text(s, 7, tsv);
		rc = sdone(s) == STORE_DONE ? 0 : -1;
	}
	free(tsv);
	free(notes);
	case_full_release(&cf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the batch's queue                                                     */
/* ------------------------------------------------------------------ */

void search_queue_init(struct search_queue *q)
{
	memset(q, 0, sizeof *q);
}

int search_queue_mark(const struct search_queue *q)
{
	return q->n;
}

void search_queue_truncate(struct search_queue *q, int mark)
{
	if (mark >= 0 && mark <= q->n)
		q->n = mark;
}

void search_queue_release(struct search_queue *q)
{
	free(q->items);
	memset(q, 0, sizeof *q);
}

static int queue_add(struct search_queue *q, int64_t id, enum search_write what)
{
	if (q->n == q->cap) {
		int cap = q->cap ? 2 * q->cap : 64;
		struct search_item *p = realloc(q->items, (size_t)cap * sizeof *p);
		if (!p) {
			q->oom = true;
			return -1;
		}
		q->items = p;
		q->cap = cap;
	}
	q->items[q->n++] = (struct search_item){id, what};
	return 0;
}

int search_flush(struct store_conn *c, const struct app *app, struct search_queue *q)
{
	if (q->oom)
		return -1;
	for (int i = 0; i < q->n; i++) {
		struct search_item it = q->items[i];
		bool later = false; /* the same case again further on: it is done there */
		for (int j = i + 1; j < q->n && !later; j++)
			if (q->items[j].id == it.id) {
				if (it.what > q->items[j].what) /* fresh > replace > notes */
					q->items[j].what = it.what;
				later = true;
			}
		if (!later &&
		    (it.what == SEARCH_NOTES
		         ? notes_refresh(c, app, it.id)
		         : search_index_case(c, app, it.id, it.what == SEARCH_REPLACE)) != 0)
			return -1;
	}
	q->n = 0;
	return 0;
}

int search_add(struct wctx *w, int64_t id)
{
	if (w->search)
		return queue_add(w->search, id, SEARCH_FRESH);
	return search_index_case(w->conn, w->app, id, false);
}

int search_refresh(struct wctx *w, int64_t id)
{
	if (w->search)
		return queue_add(w->search, id, SEARCH_NOTES);
	return notes_refresh(w->conn, w->app, id);
}

int search_replace(struct wctx *w, int64_t id)
{
	if (w->search)
		return queue_add(w->search, id, SEARCH_REPLACE);
	return search_index_case(w->conn, w->app, id, true);
}

#define BACKFILL_BATCH 2000

/* One transaction: up to BACKFILL_BATCH cases from *next on; *next moves
 * past them, to 0 when none were left. */
static int backfill_batch(struct store_conn *c, const struct app *app, int64_t *next)
{
	int64_t ids[BACKFILL_BATCH];
	int n = 0;
	struct store_stmt *s = store_stmt(c, ST_SEARCH_SOURCE);
	sbind_int(s, 1, *next);
	sbind_int(s, 2, BACKFILL_BATCH);
	while (n < BACKFILL_BATCH && sstep(s) == STORE_ROW)
		ids[n++] = scol_int(s, 0);
	sreset(s);
	if (store_exec(c, ST_BEGIN) != STORE_OK)
		return -1;
	for (int i = 0; i < n; i++)
		if (search_index_case(c, app, ids[i], true) != 0) {
			store_exec(c, ST_ROLLBACK);
			return -1;
		}
	if (n < BACKFILL_BATCH) { /* the last batch marks the index current */
		s = store_stmt(c, ST_META_SET);
		sbind_text(s, 1, "search.version");
		sbind_text(s, 2, SEARCH_VERSION);
		if (sdone(s) != STORE_DONE) {
			store_exec(c, ST_ROLLBACK);
			return -1;
		}
	}
	if (store_exec(c, ST_COMMIT) != STORE_OK) {
		store_exec(c, ST_ROLLBACK);
		return -1;
	}
	*next = n < BACKFILL_BATCH ? 0 : ids[n - 1] + 1;
	return 0;
}

int search_backfill(struct store_conn *c, const struct app *app, char *err, size_t errcap)
{
	struct store_stmt *s = store_stmt(c, ST_META_GET);
	sbind_text(s, 1, "search.version");
	bool current = sstep(s) == STORE_ROW && !strcmp(scol_text(s, 0), SEARCH_VERSION);
	sreset(s);
	if (current)
		return 0;
	int64_t next = 1, done = 0;
	while (next) {
		if (backfill_batch(c, app, &next) != 0) {
			snprintf(err, errcap, "无法建立全文检索索引: %s", store_errmsg(c));
			return -1;
		}
		done += BACKFILL_BATCH;
		if (next && done % 100000 == 0)
			fprintf(stderr, "civicloop: 全文检索索引已建立 %lld 件\n", (long long)done);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* queries                                                               */
/* ------------------------------------------------------------------ */

static int count_token(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                       bool colocated)
{
	(void)tok, (void)len, (void)start, (void)end, (void)colocated;
	(*(int *)ctx)++;
	return 0;
}

/* A separator between terms: ASCII space or tab, or the ideographic space. */
static size_t space_len(const char *p)
{
	if (*p == ' ' || *p == '\t')
		return 1;
	if (!strncmp(p, "\xe3\x80\x80", 3))
		return 3;
	return 0;
}

/* The next space-separated term of the query at *p, which moves past it:
 * its start (it ends at *p), or NULL when only spaces are left. */
static const char *next_term(const char **p)
{
	size_t sp;
	while ((sp = space_len(*p)))
		*p += sp;
	const char *start = *p;
	while (**p && !space_len(*p))
		(*p)++;
	return *p == start ? NULL : start;
}

/* Appends term[0..len) to the FTS5 query at out[*n]: a quoted phrase, '"'
 * doubled inside. 0, or -1 when it does not fit SEARCH_MATCH_CAP (the cap
 * holds the longest q, SEARCH_Q_MAX_BYTES, doubled, with quotes and
 * spaces). */
static int fts5_phrase(const char *term, size_t len, char *out, size_t *n)
{
	size_t k = *n;
	if (k + 2 * len + 4 > SEARCH_MATCH_CAP)
		return -1;
	if (k)
		out[k++] = ' ';
	out[k++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (term[i] == '"')
			out[k++] = '"';
		out[k++] = term[i];
	}
	out[k++] = '"';
	*n = k;
	return 0;
}

_Static_assert(SEARCH_PG_PHRASES_MAX >= SEARCH_TERMS_MAX && SEARCH_PG_TOKENS_MAX >= SEARCH_Q_MAX,
               "search_pg_query holds the longest query");

/* search_match, with the query's phrases also in *pq (on PostgreSQL, where
 * the highlights are made in C from them; empty on SQLite). */
static int match_build(const char *q, char *out, struct search_pg_query *pq, struct err *e)
{
	search_pg_query_init(pq);
	out[0] = '\0';
	if (!q || !utf8_valid(q, strlen(q)))
		return err_set(e, E_FIELD_INVALID, "q", "参数 q 须为 UTF-8 文本");
	if (utf8_chars(q) > SEARCH_Q_MAX || strlen(q) > SEARCH_Q_MAX_BYTES)
		return err_set(e, E_FIELD_INVALID, "q", "搜索内容最多 %d 字", SEARCH_Q_MAX);
	bool sqlite = store_is_sqlite();
	size_t n = 0;
	int terms = 0;
	const char *start, *p = q;
	while ((start = next_term(&p))) {
		int tokens = 0;
		tokenize(start, (size_t)(p - start), TOKENIZE_QUERY, count_token, &tokens);
		if (!tokens) /* punctuation alone finds nothing: left out */
			continue;
		if (++terms > SEARCH_TERMS_MAX)
			return err_set(e, E_FIELD_INVALID, "q", "搜索词最多 %d 个（以空格分开）",
			               SEARCH_TERMS_MAX);
		if (sqlite ? fts5_phrase(start, (size_t)(p - start), out, &n) != 0
		           : search_pg_query_add(pq, start, (size_t)(p - start)) != 0)
			return err_set(e, E_FIELD_INVALID, "q", "搜索内容过长");
	}
	out[n] = '\0';
	if (!terms) {
		err_set(e, E_FIELD_INVALID, "q", "请输入要搜索的文字、编号或地址");
		return SEARCH_NO_TERMS;
	}
	/* PostgreSQL: the same phrases as a tsquery (search_pg.h) */
	if (!sqlite && search_pg_tsquery(pq, out, SEARCH_MATCH_CAP) != 0)
		return err_set(e, E_FIELD_INVALID, "q", "搜索内容过长");
	return 0;
}

int search_match(const char *q, char *out, struct err *e)
{
	struct search_pg_query pq;
	return match_build(q, out, &pq, e);
}

/* Appends {"text": p[0..len), "hit"?} to arr. */
static void piece_add(json_t *arr, const char *p, size_t len, bool hit)
{
	if (!len)
		return;
	json_t *piece = json_pack("{s:s%}", "text", p, len);
	if (piece && hit)
		json_object_set_new(piece, "hit", json_true());
	json_array_append_new(arr, piece);
}

/* text with \x01…\x02 around each hit as [{"text","hit"?}…]. FTS5 marks a
 * position from its first token, a bigram: for a query of lone characters
 * (噪) that marks one character too many (噪音), so with `lone` a hit keeps
 * its first character only. */
static json_t *highlight_json(const char *text, bool lone)
{
	json_t *arr = json_array();
	if (!text)
		return arr;
	bool hit = false;
	const char *p = text;
	while (arr && *p) {
		size_t len = strcspn(p, "\x01\x02");
		size_t first = hit && lone ? utf8_seq_len((const unsigned char *)p, len) : len;
		if (!first)
			first = len;
		piece_add(arr, p, first, hit);
		piece_add(arr, p + first, len - first, false);
		p += len;
		if (*p)
			hit = *p++ == '\x01';
	}
	return arr;
}

/* Whether every term of q is one CJK character (a query of lone
 * characters, highlight_json's `lone`). */
static int lone_token(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                      bool colocated)
{
	(void)start, (void)end, (void)colocated;
	int *n = ctx;
	if (len < 3 || utf8_seq_len((const unsigned char *)tok, len) != len)
		*n = 1000; /* a bigram or a word */
	(*n)++;
	return 0;
}

static bool query_lone(const char *q)
{
	bool any = false;
	const char *start, *p = q;
	while ((start = next_term(&p))) {
		int n = 0;
		tokenize(start, (size_t)(p - start), TOKENIZE_QUERY, lone_token, &n);
		if (n > 1)
			return false;
		any |= n == 1;
	}
	return any;
}

/* The words FTS5's snippet() keeps around a hit (ST_SEARCH_SNIPPET). */
#define SNIPPET_TOKENS 24
#define SNIPPET_ELLIPSIS "…"

/* ST_SEARCH_SNIPPET's five results of the row s is on, highlighted: as
 * SQLite gives them, or on PostgreSQL (pq set) made from the texts it gives
 * as FTS5 would make them (search_pg.h), into own[], which the caller
 * frees. */
static void snippet_texts(struct store_stmt *s, const struct search_pg_query *pq, const char *t[5],
                          char *own[5])
{
	for (int i = 0; i < 5; i++) {
		own[i] = NULL;
		t[i] = scol_text(s, i);
		if (pq && i == 0)
			t[i] = own[i] = search_pg_highlight(pq, t[i]);
		else if (pq)
			t[i] = own[i] =
			    search_pg_snippet(pq, t[i], SNIPPET_TOKENS, SNIPPET_ELLIPSIS);
	}
}

/* The hit's highlight: {"title", "text"}, the text being the first of the
 * description's, the notes', the address's and the number's fragments that
 * holds a hit, else the description's beginning. pq: the query's phrases on
 * PostgreSQL, NULL on SQLite. */
static json_t *search_highlight(struct store_conn *c, const char *match,
                                const struct search_pg_query *pq, bool lone, int64_t id)
{
	struct store_stmt *s = store_stmt(c, ST_SEARCH_SNIPPET);
	sbind_text(s, 1, match);
	sbind_int(s, 2, id);
	json_t *h = NULL;
	if (sstep(s) == STORE_ROW) {
		const char *t[5];
		char *own[5];
		snippet_texts(s, pq, t, own);
		int col = 1;
		for (int i = 4; i >= 1; i--) /* the first with a hit wins */
			if (t[i] && strchr(t[i], '\x01'))
				col = i;
		h = json_pack("{s:o,s:o}", "title", highlight_json(t[0], lone), "text",
		              highlight_json(t[col], lone));
		for (int i = 0; i < 5; i++)
			free(own[i]);
	}
	sreset(s);
	return h ? h : json_object();
}

int search_cases(struct store_conn *c, const struct app *app, const struct actor *a,
                 const struct search_query *q, json_t **out, struct err *e)
{
	const char *scopes[3] = {NULL, NULL, NULL};
	if (actor_scopes(a, P_CASE_READ, scopes, 3) == 0)
		return err_set(e, E_FORBIDDEN, NULL, "没有查看工单的权限");
	char clip[UTF8_CLIP_BUF];
	if (q->type && !types_find(app->types, q->type))
		return err_set(e, E_FIELD_INVALID, "type", "不认识的事项类型 %s",
		               utf8_clip(q->type, 32, clip, sizeof clip));
	char match[SEARCH_MATCH_CAP];
	struct search_pg_query pq;
	if (match_build(q->q, match, &pq, e) != 0)
		return -1; /* SEARCH_NO_TERMS too: nothing to look up */
	int64_t ids[SEARCH_LIMIT_MAX];
	double scores[SEARCH_LIMIT_MAX];
	int n = 0;
	int64_t total = 0;
	struct store_stmt *s = store_stmt(c, ST_SEARCH_QUERY);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, scopes[i]);
	sbind_text(s, 4, match);
	sbind_int(s, 5, SEARCH_WINDOW);
	sbind_text(s, 6, q->type);
	sbind_int(s, 7, q->limit);
	sbind_int(s, 8, q->offset);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < q->limit) {
		ids[n] = scol_int(s, 0);
		scores[n] = -scol_real(s, 1); /* bm25 (and -ts_rank_cd) is "smaller is better" */
		total = scol_int(s, 2);
		n++;
	}
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	bool lone = query_lone(q->q);
	json_t *items = json_array();
	for (int i = 0; items && i < n; i++) {
		struct case_full cf;
		if (case_load(c, app, ids[i], &cf) != 0)
			continue;
		json_t *item = case_to_json(c, app, a, &cf, false, NULL);
		case_full_release(&cf);
		if (!item)
			continue;
		json_object_set_new(item, "score", json_real(scores[i]));
		json_object_set_new(
		    item, "highlight",
		    search_highlight(c, match, store_is_sqlite() ? NULL : &pq, lone, ids[i]));
		json_array_append_new(items, item);
	}
	*out = json_pack("{s:o,s:I,s:b}", "items", items, "total", (json_int_t)total,
	                 "total_capped", total >= SEARCH_WINDOW);
	return *out ? 0 : err_oom(e);
}
