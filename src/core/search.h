/*
 * Full-text search over cases (migration 9's case_fts, tokenized by
 * util/tokenize.h): the writer keeps a case's row in step in the same
 * transaction as the case, so nothing acknowledged is missing from search;
 * readers answer GET /api/v1/search and the q= filter of every case list.
 * On PostgreSQL the same tokens fill case_fts.tsv, and the query and the
 * highlights keep FTS5's behaviour (core/search_pg.h).
 */
#ifndef CIVICLOOP_CORE_SEARCH_H
#define CIVICLOOP_CORE_SEARCH_H

#include <jansson.h>
#include <stdint.h>

#include "core/engine.h"

#define SEARCH_Q_MAX 200       /* characters of a query */
#define SEARCH_Q_MAX_BYTES 400 /* and bytes */
#define SEARCH_TERMS_MAX 8     /* space-separated terms, all of which must match */
/* search_match's text: FTS5's (q's bytes, quotes doubled) or PostgreSQL's
 * tsquery (a bigram of q's three bytes is written in 13: '路灯' <-> …) */
#define SEARCH_MATCH_CAP 2048
#define SEARCH_WINDOW 2000  /* newest visible hits ranked per query */
#define SEARCH_LIMIT_MAX 50 /* results per page */
#define SEARCH_OFFSET_MAX 500
/* What the index holds, and how it is tokenized (on PostgreSQL also the
 * tsvector's layout, search_pg.h): a change to any bumps it, and the
 * writer's start rebuilds the index. */
#define SEARCH_VERSION "1"

/* The index writes of one writer batch. FTS5 writes its pending rows out as
 * a new segment whenever a savepoint begins or a virtual table joins the
 * transaction, and every job runs in a savepoint: written in the jobs, each
 * case became a segment of its own (a create cost several times more). So
 * a job only queues its case ids; the writer writes them after the batch's
 * last job, before its COMMIT (core/writer.c) — the same transaction,
 * nothing acknowledged missing — and drops a failed job's ids with its
 * savepoint. */
struct search_queue {
	struct search_item {
		int64_t id;
		enum search_write {
			SEARCH_NOTES,   /* an action: the notes, when they changed */
			SEARCH_REPLACE, /* its title, description or address changed */
			SEARCH_FRESH,   /* a new case: no row to replace */
		} what;
	} * items;
	int n, cap;
	bool oom; /* an id could not be queued: the batch must fail */
};
void search_queue_init(struct search_queue *q);
int search_queue_mark(const struct search_queue *q);
void search_queue_truncate(struct search_queue *q, int mark);
void search_queue_release(struct search_queue *q);
/* Writes the queued cases' index rows (each once, as stored now). 0, or -1
 * when the store failed or an id was lost (the batch must not commit). */
int search_flush(struct store_conn *c, const struct app *app, struct search_queue *q);

/* A case's notes in the index: its type's free-text fields (text and
 * one-line strings: the reply, the direct answer, a reason, a category, a
 * 110 number) from fields, then each string of its units' opinions (but
 * their "at"), in order, a line each; NULL when it has none, else the
 * caller frees it. For a bulk load that writes the index rows itself
 * (civicloop gen, with ST_SEARCH_INSERT) as search_add would. */
char *search_notes(const struct matter_type *t, json_t *fields, json_t *const *opinions, int n);

/* writer: indexes a new case (queued when w->search is set, else at once). */
int search_add(struct wctx *w, int64_t id);
/* writer: after an action, brings the case's notes (its type's text fields,
 * such as the reply, and its units' opinions) up to date in the index
 * (queued when w->search is set, else at once). */
int search_refresh(struct wctx *w, int64_t id);
/* writer: the case's title, description or address changed (an import's
 * update): its whole row is written again. */
int search_replace(struct wctx *w, int64_t id);
/* The writer's start, before it takes jobs: indexes every case when the
 * index is older than SEARCH_VERSION (migration 9 on an existing database).
 * 0, or -1 with a reason in err. */
int search_backfill(struct store_conn *c, const struct app *app, char *err, size_t errcap);

/* The full-text query for the user's text q into out[SEARCH_MATCH_CAP]:
 * each space-separated term a phrase, all required. On SQLite FTS5's MATCH
 * text ("路灯" "解放路"); on PostgreSQL a tsquery of the same meaning
 * (core/search_pg.h: '路灯' & '解放' <-> '放路'), for `tsv @@ ?::tsquery`.
 * 0; SEARCH_NO_TERMS (with e set, 400) when q holds nothing the index has
 * (punctuation, symbols, emoji: the case lists then match it literally); -1
 * with e (400) when q is too long or has too many terms. */
#define SEARCH_NO_TERMS 1
int search_match(const char *q, char *out, struct err *e);

struct search_query {
	const char *q;
	const char *type; /* NULL = any */
	int limit;        /* 1..SEARCH_LIMIT_MAX */
	int offset;       /* 0..SEARCH_OFFSET_MAX */
};

/* reader: {"items":[case list item + "score" + "highlight":{"title","text"}],
 * "total", "total_capped"} of the cases visible to a that match q, best
 * first. A highlight is a list of {"text","hit"?} pieces, never markup. */
int search_cases(struct store_conn *c, const struct app *app, const struct actor *a,
                 const struct search_query *q, json_t **out, struct err *e);

/* The search index's segments by level, from FTS5's structure record
 * (core/search_segments.c): FTS5 merges a level step by step as it writes,
 * but one that reaches `crisismerge` segments (64, migration 30) is merged
 * whole inside the COMMIT that makes it (docs/bench.md "The search
 * index's merges"): /metrics shows how near each level is. */
#define SEARCH_LEVELS_MAX 64
struct search_segments {
	int nlevels;                     /* 0 for an empty index */
	int segments[SEARCH_LEVELS_MAX]; /* on each level */
	int merging[SEARCH_LEVELS_MAX];  /* of them, in a merge under way */
	int crisismerge;                 /* the setting: FTS5's 16 when none */
};
/* 0 with *out, or -1 when the store failed or the record is not one FTS5
 * writes (cut short, or more than SEARCH_LEVELS_MAX levels), and always on
 * PostgreSQL, whose index has no segments. */
int search_segments(struct store_conn *c, struct search_segments *out);

#endif
