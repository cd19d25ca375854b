/*
 * The stats of a bulk load's copies (stats.h stats_copy_*; civicloop gen's
 * clones, docs/gen.md): a case written as a copy of a counted case, its
 * places swapped for others of the same shape and every time shifted by
 * one amount, has the share of its source (stats_int.h) with those orgs,
 * assignments and times swapped: the same counters, rows and parts, in its
 * own day of receipt. So its share is made from the source's as stored in
 * stats_case, not counted from its rows, and added as the upkeep adds one
 * (stats_agg_put); the rollups' differences are summed in memory until
 * stats_copy_flush. `stats --check` recounts every share from the rows.
 */
#include "core/stats.h"
#include "core/stats_int.h"

#include <stdlib.h>
#include <string.h>

/* A source's stored share, read once. */
struct copy_src {
	int64_t id; /* 0: a free slot */
	bool present;
	char *codes[4]; /* type, class, channel, status */
	bool has_due;
	int64_t due;
	unsigned char *blob;
	size_t blen;
};

struct stats_copy {
	struct copy_src *src; /* open addressing by id, cap a power of 2 */
	size_t n, cap;
	struct stats_acc *acc;
};

static _Thread_local struct stats_share k;

struct stats_copy *stats_copy_new(void)
{
	struct stats_copy *sc = calloc(1, sizeof *sc);
	if (!sc)
		return NULL;
	sc->cap = 1024;
	sc->src = calloc(sc->cap, sizeof *sc->src);
	sc->acc = stats_acc_new();
	if (!sc->src || !sc->acc) {
		stats_copy_free(sc);
		return NULL;
	}
	return sc;
}

static void src_release(struct copy_src *s)
{
	for (int i = 0; i < 4; i++)
		free(s->codes[i]);
	free(s->blob);
}

void stats_copy_free(struct stats_copy *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; sc->src && i < sc->cap; i++)
		if (sc->src[i].id)
			src_release(&sc->src[i]);
	free(sc->src);
	stats_acc_free(sc->acc);
	free(sc);
}

static size_t slot_of(const struct stats_copy *sc, int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(x >> 20) & (sc->cap - 1);
	while (sc->src[i].id && sc->src[i].id != id)
		i = (i + 1) & (sc->cap - 1);
	return i;
}

static int grow(struct stats_copy *sc)
{
	struct copy_src *old = sc->src;
	size_t ocap = sc->cap;
	sc->cap *= 2;
	sc->src = calloc(sc->cap, sizeof *sc->src);
	if (!sc->src) {
		sc->src = old;
		sc->cap = ocap;
		return -1;
	}
	for (size_t i = 0; i < ocap; i++)
		if (old[i].id)
			sc->src[slot_of(sc, old[i].id)] = old[i];
	free(old);
	return 0;
}

static char *dup_text(const char *t)
{
	return strdup(t ? t : "");
}

/* Source id's stored share, read on first use; NULL on a fault. */
static const struct copy_src *src_get(struct stats_copy *sc, struct store_conn *c, int64_t id)
{
	size_t i = slot_of(sc, id);
	if (sc->src[i].id == id)
		return &sc->src[i];
	if (2 * (sc->n + 1) > sc->cap) {
		if (grow(sc) != 0)
			return NULL;
		i = slot_of(sc, id);
	}
	struct copy_src *s = &sc->src[i];
	memset(s, 0, sizeof *s);
	struct store_stmt *st = store_stmt(c, ST_GEN_STATS_SHARE);
	sbind_int(st, 1, id);
	int rc = sstep(st);
	bool ok = rc == STORE_DONE || rc == STORE_ROW;
	if (rc == STORE_ROW) {
		s->present = true;
		for (int j = 0; j < 4; j++)
			ok = ok && (s->codes[j] = dup_text(scol_text(st, j))) != NULL;
		s->has_due = !scol_null(st, 4);
		s->due = s->has_due ? scol_int(st, 4) : 0;
		s->blen = scol_bytes(st, 5);
		s->blob = malloc(s->blen ? s->blen : 1);
		ok = ok && s->blob && s->blen <= STATS_BLOB_MAX;
		if (ok && s->blen)
			memcpy(s->blob, scol_blob(st, 5), s->blen);
	}
	sreset(st);
	s->id = id;
	sc->n++;
	return ok ? s : NULL;
}

static int copy_code(char *dst, const char *src)
{
	size_t n = strlen(src);
	if (n >= STATS_CODE_MAX)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* Case id's region (the copy's, which may not be its source's) into out. */
static int case_region(struct store_conn *c, int64_t id, char out[REGION_LEN + 1])
{
	struct store_stmt *s = store_stmt(c, ST_GEN_CASE_REGION);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	int copied = stats_region_copy(out, rc == STORE_ROW ? scol_text(s, 0) : NULL);
	sreset(s);
	return copied;
}

int stats_copy_add(struct stats_copy *sc, struct store_conn *c, int64_t src, int64_t id,
                   const struct stats_copy_map *m)
{
	const struct copy_src *s = src_get(sc, c, src);
	if (!s)
		return -1;
	if (!s->present)
		return 0; /* its type has no rates: neither has the copy */
	memcpy(k.blob, s->blob, s->blen);
	k.blen = s->blen;
	if (stats_share_decode(&k) != 0 || copy_code(k.type, s->codes[0]) ||
	    copy_code(k.class_, s->codes[1]) || copy_code(k.channel, s->codes[2]) ||
	    copy_code(k.status, s->codes[3]))
		return -1;
	k.present = true;
	if (case_region(c, id, k.region) != 0)
		return -1;
	k.day = (m->received + 28800000) / 86400000; /* stats_fold_read's day key */
	k.has_due = s->has_due;
	k.due = s->has_due ? s->due + m->shift : 0;
	k.has_seq = true;
	k.seq = m->seq;
	for (int i = 0; i < k.n; i++) {
		struct stats_row *r = &k.rows[i];
		r->scope = m->org(m->arg, r->scope);
		if (r->unit)
			r->unit = m->org(m->arg, r->unit);
		for (int j = 0; j < i; j++)
			if (k.rows[j].scope == r->scope && k.rows[j].unit == r->unit)
				return 1; /* two rows became one: not a mere copy */
	}
	for (int i = 0; i < k.nparts; i++) {
		struct stats_part *p = &k.parts[i];
		int j = 0;
		while (j < m->nasg && m->asg_from[j] != p->id)
			j++;
		if (j == m->nasg)
			return 1;
		p->id = m->asg_to[j];
		p->unit = m->org(m->arg, p->unit);
		p->due += m->shift;
	}
	stats_share_encode(&k);
	if (stats_agg_put(c, sc->acc, id, &k) != 0)
		return -1;
	return stats_acc_count(sc->acc) > 16384 ? stats_acc_write(sc->acc, c) : 0;
}

int stats_copy_flush(struct stats_copy *sc, struct store_conn *c)
{
	return stats_acc_write(sc->acc, c);
}
