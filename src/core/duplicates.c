/* Possible duplicates of a new case (duplicates.h). */
#include "core/duplicates.h"
#include "core/dupscore.h"
#include "core/engine_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/timeutil.h"

_Static_assert(DUP_WINDOW_MS == DUPLICATE_WINDOW_MS, "one window for the phone and the place");

/* The reasons in the order the answer lists them: the first is also its
 * "reason", which the UI of before knew as same_phone or similar_text. */
enum dup_reason {
	R_SAME_PHONE = 1 << 0,
	R_SIMILAR_TEXT = 1 << 1,
	R_NEARBY = 1 << 2,
	R_SAME_ADDRESS = 1 << 3,
};
static const char *const reason_names[] = {"same_phone", "similar_text", "nearby", "same_address"};

/* One earlier case found, with what matched. */
struct cand {
	int64_t id;
	unsigned reasons;
	double score, similarity, distance_m;
};

struct cands {
	struct cand c[DUP_CANDIDATES_MAX];
	int n;
};

/* The candidate for id, added when new; NULL when the list is full. */
static struct cand *cand_get(struct cands *cs, int64_t id)
{
	for (int i = 0; i < cs->n; i++)
		if (cs->c[i].id == id)
			return &cs->c[i];
	if (cs->n == DUP_CANDIDATES_MAX)
		return NULL;
	cs->c[cs->n] = (struct cand){.id = id};
	return &cs->c[cs->n++];
}

int duplicates_index(struct wctx *w, int64_t id)
{
	struct store_stmt *s = store_stmt(w->conn, ST_DUP_POINT_ADD);
	sbind_int(s, 1, id);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

/* The same caller: the phone's cases in the window (ST_CASE_BY_PHONE walks
 * cases_phone), newest first, at most DUP_LIST_MAX. */

/* Where the check reads: the writer's connection for a create (w set: a
 * confidential reporter shown is recorded), or a reader's for a preview
 * (w NULL). */
struct dupq {
	struct store_conn *conn;
	struct app *app;
	struct wctx *w;
};

static int by_phone(const struct dupq *q, const struct dup_probe *p, struct cands *cs)
{
	struct store_stmt *s = store_stmt(q->conn, ST_CASE_BY_PHONE);
	sbind_blob(s, 1, p->idx, HASH_LEN);
	sbind_int(s, 2, p->received_at - DUPLICATE_WINDOW_MS);
	sbind_int(s, 3, p->id);
	sbind_int(s, 4, p->received_at);
	int rc, n = 0;
	while (n < DUP_LIST_MAX && (rc = sstep(s)) == STORE_ROW) {
		struct cand *c = cand_get(cs, scol_int(s, 0));
		if (c) {
			c->reasons |= R_SAME_PHONE;
			c->score = 1;
		}
		n++;
	}
	sreset(s);
	return n == DUP_LIST_MAX || rc == STORE_DONE ? 0 : -1;
}

/* Adds the ids the statement s returns as candidates to be scored. */
static int collect(struct store_stmt *s, struct cands *cs)
{
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		cand_get(cs, scol_int(s, 0));
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* Cases within DUP_RADIUS_M and the window, from the R*Tree's box. */
static int by_point(const struct dupq *q, const struct dup_probe *p, double lat, double lng,
                    struct cands *cs)
{
	const double m_per_deg = 111320.0;
	double dlat = DUP_RADIUS_M / m_per_deg;
	double clat = cos(lat * M_PI / 180);
	double dlng = DUP_RADIUS_M / (m_per_deg * (clat > 0.01 ? clat : 0.01));
	struct store_stmt *s = store_stmt(q->conn, ST_DUP_NEAR);
	sbind_int(s, 1, (int64_t)floor((lat - dlat) * 1e6));
	sbind_int(s, 2, (int64_t)ceil((lat + dlat) * 1e6));
	sbind_int(s, 3, (int64_t)floor((lng - dlng) * 1e6));
	sbind_int(s, 4, (int64_t)ceil((lng + dlng) * 1e6));
	sbind_int(s, 5, (p->received_at - DUP_WINDOW_MS) / MS_PER_HOUR - 1);
	sbind_int(s, 6, p->received_at / MS_PER_HOUR + 1);
	sbind_int(s, 7, p->id);
	return collect(s, cs);
}

#define ADDRESS_TERMS_MAX 12
#define TEXT_TERMS_MAX 24

/* The full-text query "COLUMN : (…)" for text: its CJK bigrams (not its
 * letter-digit words), any of the first max of them. False when it has
 * none. On PostgreSQL the same as a tsquery, the column as its weight in
 * case_fts.tsv (core/search_pg.h: address C, body D — which the notes
 * share, so a candidate may also come from an earlier case's notes; the
 * score reads the description itself). */
static bool bigram_query(const char *column, const char *norm, int max, struct buf *q)
{
	bool pg = !store_is_sqlite();
	const char *weight = !strcmp(column, "address") ? ":C" : ":D";
	int terms = 0;
	if (!pg) {
		buf_puts(q, column);
		buf_puts(q, " : (");
	}
	const unsigned char *u = (const unsigned char *)norm;
	for (size_t i = 0; u[i] && terms < max;) {
		size_t l1 = u[i] >= 0xF0 ? 4 : u[i] >= 0xE0 ? 3 : u[i] >= 0xC0 ? 2 : 1;
		size_t j = i + l1;
		if (l1 < 3 || !u[j]) { /* letters and digits: a word of its own */
			i = j;
			continue;
		}
		size_t l2 = u[j] >= 0xF0 ? 4 : u[j] >= 0xE0 ? 3 : u[j] >= 0xC0 ? 2 : 1;
		if (l2 >= 3) { /* two CJK characters: no quote or backslash to escape */
			if (pg)
				buf_puts(q, terms ? " | '" : "'");
			else
				buf_puts(q, terms ? " OR \"" : "\"");
			buf_append(q, norm + i, l1 + l2);
			buf_puts(q, pg ? "'" : "\"");
			if (pg)
				buf_puts(q, weight);
			terms++;
		}
		i = j;
	}
	if (!pg)
		buf_puts(q, ")");
	return terms > 0;
}

/* The FTS5 query for an address: its normalized form's CJK bigrams, any of
 * them, in the address column. False when it has none. */
static bool address_query(const char *address, struct buf *q)
{
	char norm[DUP_ADDRESS_NORM_MAX];
	dup_address_normalize(address, norm, sizeof norm);
	return bigram_query("address", norm, ADDRESS_TERMS_MAX, q);
}

/* The window's first case id (ST_DUP_WINDOW_START), or p's own id when
 * none; -1 when the store failed. */
static int64_t window_first(const struct dupq *dq, const struct dup_probe *p)
{
	struct store_stmt *s = store_stmt(dq->conn, ST_DUP_WINDOW_START);
	sbind_int(s, 1, p->received_at - DUP_WINDOW_MS);
	int rc = sstep(s);
	int64_t first = rc == STORE_ROW ? scol_int(s, 0) : p->id;
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? first : -1;
}

/* Cases in the window matching FTS5 query q (ST_DUP_BY_ADDRESS: the best
 * 50, from the window's first id on). */
static int by_fts(const struct dupq *dq, const struct dup_probe *p, const struct buf *q,
                  struct cands *cs)
{
	int64_t first = window_first(dq, p);
	if (first < 0)
		return -1;
	struct store_stmt *s = store_stmt(dq->conn, ST_DUP_BY_ADDRESS);
	sbind_text(s, 1, q->data);
	sbind_int(s, 2, first);
	sbind_int(s, 3, p->id);
	return collect(s, cs);
}

/* For a type whose "duplicates" block says by_text (a suggestion has no
 * place): cases in the window whose description shares its bigrams. */
static int by_text(const struct dupq *dq, const struct dup_probe *p, struct cands *cs)
{
	struct buf q;
	buf_init(&q, 1024);
	int rc = bigram_query("body", p->text, TEXT_TERMS_MAX, &q) && !q.overflow
	             ? by_fts(dq, p, &q, cs)
	             : 0;
	buf_release(&q);
	return rc;
}

/* Cases in the window whose address is like p's: the best 50 matches of
 * its bigrams in case_fts, from the window's first id on. */
static int by_address(const struct dupq *dq, const struct dup_probe *p, const char *address,
                      struct cands *cs)
{
	struct buf q;
	buf_init(&q, 1024);
	int rc = address_query(address, &q) && !q.overflow ? by_fts(dq, p, &q, cs) : 0;
	buf_release(&q);
	return rc;
}

/* A location's point, when it has one. */
static bool location_point(const json_t *loc, double *lat, double *lng)
{
	json_t *jlat = json_object_get(loc, "lat"), *jlng = json_object_get(loc, "lng");
	if (!json_is_number(jlat) || !json_is_number(jlng))
		return false;
	*lat = json_number_value(jlat);
	*lng = json_number_value(jlng);
	return true;
}

/* A type whose duplicates are told by text alone ("duplicates":
 * {"by_text": true}; no place is compared):
 * the earlier case within the window and the descriptions alike at least
 * DUP_TEXT_ALONE, the overlap being the score, + DUP_CLASS_BONUS when the
 * classes agree. */
static void text_alone(const struct dup_side *earlier, const struct dup_side *later,
                       struct dup_match *m)
{
	int64_t gap = later->received_at - earlier->received_at;
	if (gap < -DUP_WINDOW_MS || gap > DUP_WINDOW_MS)
		return;
	double sim = dup_text_similarity(earlier->text, later->text, NULL, NULL);
	if (sim < DUP_TEXT_ALONE)
		return;
	m->similarity = sim;
	m->score =
	    sim + (earlier->cls && later->cls && !strcmp(earlier->cls, later->cls) ? 0.15 : 0);
	m->score = m->score > 1 ? 1 : m->score;
	m->duplicate = true;
}

/* Scores candidate c against the new case (dupscore.h); a place match
 * whose text is not alike is dropped (score 0). -1 if the store failed. */
static int cand_score(const struct dupq *q, const struct dup_probe *p, const struct dup_side *later,
                      struct cand *c)
{
	struct store_stmt *s = store_stmt(q->conn, ST_DUP_BRIEF);
	sbind_int(s, 1, c->id);
	int rc = sstep(s);
	if (rc != STORE_ROW) {
		sreset(s);
		return rc == STORE_DONE ? 0 : -1;
	}
	json_t *loc = scol_null(s, 3) ? NULL : json_loads(scol_text(s, 3), 0, NULL);
	struct dup_side earlier = {.cls = scol_text(s, 1),
	                           .text = scol_text(s, 2),
	                           .address = json_string_value(json_object_get(loc, "address")),
	                           .received_at = scol_int(s, 4)};
	earlier.has_point = location_point(loc, &earlier.lat, &earlier.lng);
	struct dup_match m = {0};
	if (strcmp(scol_text(s, 0), p->t->code) != 0)
		; /* another type's case is never a duplicate */
	else if (p->t->data.dup_by_text)
		text_alone(&earlier, later, &m);
	else
		dup_score(&earlier, later, DUP_THRESHOLD, &m);
	sreset(s);
	json_decref(loc);
	if (!m.duplicate)
		return 0;
	c->reasons |=
	    R_SIMILAR_TEXT | (m.nearby ? R_NEARBY : 0) | (m.same_address ? R_SAME_ADDRESS : 0);
	c->similarity = m.similarity;
	c->distance_m = m.distance_m;
	if (m.score > c->score)
		c->score = m.score;
	return 0;
}

/* Best first: score, then the newer. */
static int cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->id > b->id ? -1 : a->id < b->id;
}

/* The answer's item for candidate c, or NULL (memory). */
static json_t *cand_json(const struct case_full *cf, const struct cand *c)
{
	char at[ISO8601_MAX];
	time_format_iso(cf->c.received_at, at, sizeof at);
	json_t *reasons = json_array();
	const char *first = NULL;
	for (int i = 0; i < 4; i++)
		if (c->reasons & (1u << i)) {
			json_array_append_new(reasons, json_string(reason_names[i]));
			first = first ? first : reason_names[i];
		}
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:f,s:o,s:s}", "id", (json_int_t)cf->c.id, "no",
	                      cf->c.no, "title", cf->c.title, "status", cf->c.status, "received_at",
	                      at, "score", round(c->score * 1000) / 1000, "reasons", reasons,
	                      "reason", first ? first : "similar_text");
	if (o && (c->reasons & R_NEARBY))
		json_object_set_new(o, "distance_m",
		                    json_integer((json_int_t)lround(c->distance_m)));
	if (o && (c->reasons & R_SIMILAR_TEXT))
		json_object_set_new(o, "similarity", json_real(round(c->similarity * 1000) / 1000));
	return o;
}

/* Appends c to arr when a may be shown it (duplicates.h), recording the
 * view of a confidential reporter a phone match is. -1 on failure. */
static int cand_list(const struct dupq *q, const struct actor *a, const struct cand *c, json_t *arr)
{
	struct case_full cf;
	if (case_load(q->conn, q->app, c->id, &cf) != 0)
		return 0;
	/* a preview records nothing, so it lists no confidential case */
	bool shown = case_visible(a, &cf) &&
	             (!cf.c.confidential || (q->w && actor_can(a, P_PII_READ, cf.c.org_path)));
	int rc = 0;
	if (shown && cf.c.confidential && (c->reasons & R_SAME_PHONE) &&
	    engine_record_pii_view(q->w, a, cf.c.id) != 0)
		rc = -1;
	if (rc == 0 && shown && json_array_append_new(arr, cand_json(&cf, c)) != 0)
		rc = -1;
	case_full_release(&cf);
	return rc;
}

static json_t *dup_find(const struct dupq *q, const struct actor *a, const struct dup_probe *p)
{
	struct cands *cs = calloc(1, sizeof *cs);
	json_t *arr = json_array();
	if (!cs || !arr)
		goto fail;
	const char *address = json_string_value(json_object_get(p->loc, "address"));
	struct dup_side later = {
	    .cls = p->cls, .text = p->text, .address = address, .received_at = p->received_at};
	later.has_point = location_point(p->loc, &later.lat, &later.lng);
	/* by_text: the place is no sign of one matter (a suggestion's address is
	 * where its proposer lives), the text alone is */
	bool place = !p->t->data.dup_by_text;
	if ((p->idx && by_phone(q, p, cs) != 0) ||
	    (place && later.has_point && by_point(q, p, later.lat, later.lng, cs) != 0) ||
	    (place && address && by_address(q, p, address, cs) != 0) ||
	    (!place && p->text && by_text(q, p, cs) != 0))
		goto fail;
	for (int i = 0; i < cs->n; i++)
		if (cand_score(q, p, &later, &cs->c[i]) != 0)
			goto fail;
	qsort(cs->c, (size_t)cs->n, sizeof *cs->c, cand_cmp);
	for (int i = 0, listed = 0; i < cs->n && listed < DUP_LIST_MAX && cs->c[i].score > 0; i++) {
		if (cand_list(q, a, &cs->c[i], arr) != 0)
			goto fail;
		listed = (int)json_array_size(arr);
	}
	free(cs);
	return arr;
fail:
	free(cs);
	json_decref(arr);
	return NULL;
}

json_t *duplicates_find(struct wctx *w, const struct actor *a, const struct dup_probe *p)
{
	struct dupq q = {w->conn, w->app, w};
	return dup_find(&q, a, p);
}

json_t *duplicates_preview(struct store_conn *c, struct app *app, const struct actor *a,
                           const struct dup_probe *p)
{
	struct dupq q = {c, app, NULL};
	return dup_find(&q, a, p);
}
