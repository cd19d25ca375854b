/*
 * `civicloop gen`'s bulk path (docs/gen.md "The bulk path"): after a pool
 * of seed cases made through the engine (gen_cases.c), every other case is
 * a clone of a seed written directly with prepared statements, on a
 * connection of its own that is the database's one writer:
 *
 * - the seed is one received near the clone's moment (so a recent clone
 *   is open in the states a recent case is in, an old one closed), all its
 *   times shifted by the same amount (intervals kept, none past `end`);
 * - its township, village and grid become a random one of the grown
 *   county's, with their accounts (rows, payloads and fields alike, from
 *   the seed's templates: gen_tmpl.c); departments and the county are kept;
 * - the case row gets a new number from the type's counter (a served
 *   database numbers on without collisions), hotline and grid events new
 *   text, every located case a new point in its new village, a reporter a
 *   new person sealed as the engine seals one;
 * - assignments, timers, attachments and parties are copied with the
 *   times shifted and the assignment ids remapped; events are appended to
 *   the audit chain in order (chain_append, a signed checkpoint every
 *   1,000 events) with their payloads filled the same way;
 * - its search row (search_notes, as search_add would write it) and its
 *   point go to the side thread (gen_side.c), which indexes them on the
 *   other core in a database of its own, copied in at the end;
 * - its stats: the seed's share moved to the clone's places, day and
 *   assignments (stats_copy_add), or, when the swap would not keep the
 *   org tree's shape, a mark that stats_agg_flush counts at the end.
 *
 * The load runs without the secondary indexes and triggers of the tables
 * it writes (store_bulk_drop: a B-tree insert per row and index becomes
 * one sort per index at the end; the triggers' work is what the end
 * rebuilds), without CHECK constraints (the seeds passed them), a journal
 * or sync: a failure discards the file. The end makes the indexes and
 * triggers again, folds the marked clones into the stats, rebuilds the
 * other derived tables, copies the side indexes in and puts the database
 * back in WAL mode.
 *
 * Seeds with rows elsewhere (merges' links, documents, interviews,
 * inspection periods, Open311) are not cloned: their types stay at the
 * pool's count.
 */
#include "cli/gen_clone.h"
#include "core/app.h"
#include "core/case_no.h"
#include "core/chain.h"
#include "core/counter_cache.h"
#include "core/derived.h"
#include "core/search.h"
#include "core/stats.h"
#include "core/types.h"
#include "core/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/timeutil.h"

#define CLONE_CHECKPOINT_EVERY 1000
#define SEED_NEAR 8  /* a clone's seed is one of the 2 × 8 received nearest to it */
#define SEED_TRIES 8 /* draws of a seed that fits a clone's moment */
#define TEXT_CAP (4u << 20)

/* The tables the clones write, whose indexes and triggers wait for the end. */
static const char *const bulk_tables[] = {"cases",       "assignments",  "events", "timers",
                                          "attachments", "case_parties", NULL};

struct gen_clone {
	struct app *app;
	struct gen_places pl;
	struct gen_rng r;
	int64_t start, end, m; /* m clones in all */
	struct seed *seeds;
	int nseeds;
	/* the bulk load's own connection, chain head and numbers */
	struct store_conn *conn;
	struct chain_head head;
	struct counter_cache counters;
	struct stats_copy *stats;
	bool recount;          /* every clone's stats counted from its rows (tests) */
	struct gen_side *side; /* the search rows and points, indexed on the other core */
	int64_t since_checkpoint, events, stats_marked;
	int64_t moved_back; /* clones whose seed did not fit: moved back from the end */
	int64_t timers_due; /* clones left with a timer due at the end (none expected) */
	struct buf text;    /* a filled template */
	char err[256];
};

/* ------------------------------------------------------------------ */
/* the load's start and end                                            */
/* ------------------------------------------------------------------ */

static int seeds_read(struct gen_clone *g)
{
	if (gen_places_load(&g->pl, g->conn, g->err, sizeof g->err) != 0)
		return -1;
	if (gen_seeds_list(g->conn, &g->seeds, &g->nseeds) != 0 || g->nseeds == 0) {
		snprintf(g->err, sizeof g->err, "没有可复制的种子工单");
		return -1;
	}
	for (int i = 0; i < g->nseeds; i++)
		if (gen_seed_load(&g->pl, g->app, g->conn, &g->seeds[i]) != 0) {
			snprintf(g->err, sizeof g->err, "读取种子工单 %lld 失败",
			         (long long)g->seeds[i].id);
			return -1;
		}
	g->stats = stats_copy_new();
	return g->stats ? 0 : -1;
}

/* The side indexes start with the pool's rows. */
static int side_start(struct gen_clone *g, const char *db)
{
	g->side = gen_side_start(db, g->err, sizeof g->err);
	if (!g->side)
		return -1;
	struct store_stmt *s = store_stmt(g->conn, ST_GEN_FTS_ROWS);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		const char *row[5];
		for (int i = 0; i < 5; i++)
			row[i] = scol_text(s, i + 1);
		if (gen_side_search(g->side, scol_int(s, 0), row) != 0)
			break;
	}
	sreset(s);
	if (rc != STORE_DONE)
		return -1;
	s = store_stmt(g->conn, ST_GEN_POINTS);
	while ((rc = sstep(s)) == STORE_ROW) {
		double v[6];
		for (int i = 0; i < 6; i++)
			v[i] = scol_real(s, i + 1);
		if (gen_side_point(g->side, scol_int(s, 0), v) != 0)
			break;
	}
	sreset(s);
	/* the pool's rows a segment of their own: the clones' make at least
	 * one more, so the merge at the end moves the one they become off
	 * FTS5's level 0 (ST_GEN_FTS_OPTIMIZE) */
	return rc == STORE_DONE && gen_side_cut(g->side) == 0 ? 0 : -1;
}

struct gen_clone *gen_clone_new(struct app *app, const char *db, const struct gen_county *cty,
                                uint64_t seed, int64_t m, int64_t start, int64_t end, bool recount)
{
	struct gen_clone *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->recount = recount;
	g->app = app;
	g->pl.cty = cty;
	g->r.s = seed ^ 0xc10e;
	g->m = m;
	g->start = start;
	g->end = end;
	buf_init(&g->text, TEXT_CAP);
	g->conn = store_open(db, false, g->err, sizeof g->err);
	if (!g->conn || store_exec(g->conn, ST_GEN_FK_OFF) != STORE_OK ||
	    store_exec(g->conn, ST_GEN_NO_CHECKS) != STORE_OK ||
	    store_exec(g->conn, ST_GEN_SYNC_OFF) != STORE_OK ||
	    store_exec(g->conn, ST_GEN_JOURNAL_OFF) != STORE_OK ||
	    store_exec(g->conn, ST_GEN_CACHE) != STORE_OK ||
	    store_exec(g->conn, ST_GEN_TEMP_FILE) != STORE_OK ||
	    chain_load_head(g->conn, &g->head) != 0 || seeds_read(g) != 0 ||
	    side_start(g, db) != 0 || store_bulk_drop(g->conn, bulk_tables) != 0) {
		fprintf(stderr, "civicloop gen: %s\n",
		        g->err[0] ? g->err
		        : g->conn ? store_errmsg(g->conn)
		                  : "读取种子工单失败");
		gen_clone_free(g);
		return NULL;
	}
	return g;
}

void gen_clone_free(struct gen_clone *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->nseeds; i++)
		gen_seed_release(&g->seeds[i]);
	free(g->seeds);
	stats_copy_free(g->stats);
	gen_side_free(g->side);
	gen_places_release(&g->pl);
	buf_release(&g->text);
	if (g->conn)
		store_close(g->conn);
	free(g);
}

/* ------------------------------------------------------------------ */
/* one clone                                                           */
/* ------------------------------------------------------------------ */

/* Where a clone goes and what changes in it. */
struct place {
	int t, v, gr; /* the new township, village, grid */
	int64_t delta;
	const struct seed *sd;
	const char *to[SUB_N];
	int64_t asg_to[SEED_ROWS_MAX];
	char new_no[64];
	struct gen_fill fill;
};

static int64_t shift(const struct place *p, int64_t t)
{
	return t ? t + p->delta : 0;
}

static int64_t map_org(const struct gen_clone *g, const struct place *p, int64_t org)
{
	return gen_map_org(&g->pl, p->sd, p->t, p->v, p->gr, org);
}

static int64_t map_user(const struct gen_clone *g, const struct place *p, int64_t u)
{
	return gen_map_user(&g->pl, p->sd, p->t, p->v, p->gr, u);
}

/* Whether sd's history moved to t ends a minute before the end and its
 * running timers' first warning or deadline comes a minute after it. */
static bool seed_fits(const struct gen_clone *g, const struct seed *sd, int64_t t)
{
	int64_t delta = t - sd->received;
	return sd->last + delta <= g->end - MS_PER_MINUTE &&
	       (!sd->pending || sd->pending + delta >= g->end + MS_PER_MINUTE);
}

/* A seed received near t (the clone's moment). */
static const struct seed *seed_near(struct gen_clone *g, int64_t t)
{
	int lo = 0, hi = g->nseeds;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (g->seeds[mid].received < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	int i = lo - SEED_NEAR + (int)gen_below(&g->r, 2 * SEED_NEAR);
	if (i < 0)
		i = 0;
	if (i >= g->nseeds)
		i = g->nseeds - 1;
	return &g->seeds[i];
}

static void bind_opt_time(struct store_stmt *s, int i, const struct place *p, int64_t t)
{
	if (t)
		sbind_int(s, i, shift(p, t));
	else
		sbind_null(s, i);
}

static int done(struct store_stmt *s)
{
	return sdone(s) == STORE_DONE ? 0 : -1;
}

/* The clone's reporter: a new person, sealed and indexed as intake does
 * (core/input.c reporter_seal). */
static int reporter_new(struct gen_clone *g, unsigned char **enc, size_t *enclen,
                        unsigned char idx[HASH_LEN])
{
	char name[32], phone[16];
	gen_person(&g->r, name, sizeof name, phone, sizeof phone);
	json_t *plain = json_pack("{s:s,s:s}", "name", name, "phone", phone);
	char *text = plain ? json_canonical(plain) : NULL;
	json_decref(plain);
	blind_index(&g->app->keys, phone, idx);
	int rc = text ? seal(&g->app->keys, text, strlen(text), enc, enclen) : -1;
	free(text);
	return rc;
}

/* The clone's text, location and search row in one place. */
struct case_text {
	char title[256], desc[1024], addr[512];
	bool text, located;
	double lat, lng;
	char *loc;
};

static int case_text_make(struct gen_clone *g, const struct place *p, struct case_text *x)
{
	const struct seed *sd = p->sd;
	const struct gen_county *cty = g->pl.cty;
	const struct gen_org *T = &cty->towns[p->t], *V = &cty->villages[p->v],
	                     *G = &cty->grids[p->gr];
	bool grid = !strcmp(sd->type, "grid_event");
	x->text = grid || !strcmp(sd->type, "hotline");
	char vshort[GEN_NAME_MAX];
	snprintf(vshort, sizeof vshort, "%s", V->name);
	char *cut = strstr(vshort, "民委员会");
	if (cut && cut - vshort >= 3)
		cut[-3] = '\0';
	if (x->text)
		gen_case_text(&g->r, grid, T->name, vshort, x->title, sizeof x->title, x->desc,
		              sizeof x->desc);
	x->loc = NULL;
	x->located = sd->location != NULL;
	if (!x->located)
		return 0;
	double lat = (grid ? G->lat : V->lat) + (gen_unit(&g->r) - 0.5) * 0.002;
	double lng = (grid ? G->lng : V->lng) + (gen_unit(&g->r) - 0.5) * 0.002;
	snprintf(x->addr, sizeof x->addr, "濂江县%s%s%u号", T->name, vshort,
	         1 + gen_below(&g->r, 300));
	x->lat = (double)(int64_t)(lat * 1e5) / 1e5;
	x->lng = (double)(int64_t)(lng * 1e5) / 1e5;
	json_t *l = json_pack("{s:f,s:f,s:s}", "lat", x->lat, "lng", x->lng, "address", x->addr);
	x->loc = l ? json_canonical(l) : NULL;
	json_decref(l);
	return x->loc ? 0 : -1;
}

static int clone_case_row(struct gen_clone *g, struct wctx *w, struct place *p,
                          const struct case_text *x, int64_t *id)
{
	const struct seed *sd = p->sd;
	const struct matter_type *ty = types_find(g->app->types, sd->type);
	if (!ty)
		return -1;
	int64_t received = shift(p, sd->at[0]);
	if (case_no_next(w, ty->prefix, map_org(g, p, sd->org), received, p->new_no,
	                 sizeof p->new_no) != 0)
		return -1;
	unsigned char *enc = NULL, idx[HASH_LEN];
	size_t enclen = 0;
	if (sd->has_reporter && reporter_new(g, &enc, &enclen, idx) != 0)
		return -1;
	const char *fields = gen_tmpl_fill(sd->fields, &p->fill, &g->text);
	struct store_stmt *s = store_stmt(w->conn, ST_GEN_CLONE_CASE);
	sbind_text(s, 1, p->new_no);
	sbind_text(s, 2, sd->type);
	sbind_text(s, 3, sd->class_);
	sbind_text(s, 4, sd->channel);
	sbind_text(s, 5, sd->status);
	sbind_text(s, 6, x->text ? x->title : sd->title);
	sbind_text(s, 7, x->text ? x->desc : sd->desc);
	sbind_text(s, 8, x->loc);
	sbind_int(s, 9, map_org(g, p, sd->org));
	if (enc) {
		sbind_blob(s, 10, enc, enclen);
		sbind_blob(s, 11, idx, HASH_LEN);
	} else {
		sbind_null(s, 10);
		sbind_null(s, 11);
	}
	sbind_int(s, 12, sd->confidential);
	sbind_text(s, 13, fields ? fields : "{}");
	sbind_int(s, 14, received);
	bind_opt_time(s, 15, p, sd->at[1]);
	bind_opt_time(s, 16, p, sd->at[2]);
	sbind_opt_int(s, 17, map_user(g, p, sd->created_by));
	sbind_int(s, 18, shift(p, sd->at[3]));
	sbind_int(s, 19, shift(p, sd->at[4]));
	sbind_int(s, 20, sd->version);
	sbind_text(s, 21, sd->place_status);
	sbind_opt_int(s, 22, map_org(g, p, sd->place_org));
	int rc = fields ? done(s) : -1;
	free(enc);
	*id = store_last_id(w->conn);
	return rc;
}

/* Its search row as search_add writes one (core/search.c), to the side
 * index, and its point as ST_DUP_POINT_ADD. */
static int clone_search_point(struct gen_clone *g, const struct place *p, const struct case_text *x,
                              int64_t id)
{
	const struct seed *sd = p->sd;
	char *notes = NULL;
	if (gen_tmpl_holes(sd->fields)) {
		json_t *f = json_loads(gen_tmpl_fill(sd->fields, &p->fill, &g->text), 0, NULL);
		json_t *op[SEED_ROWS_MAX];
		for (int i = 0; i < sd->nasg; i++)
			op[i] = sd->asg[i].opinion_json;
		notes = search_notes(types_find(g->app->types, sd->type), f, op, sd->nasg);
		json_decref(f);
	}
	const char *row[5] = {p->new_no, x->text ? x->title : sd->title,
	                      x->text ? x->desc : sd->desc, x->located ? x->addr : NULL,
	                      gen_tmpl_holes(sd->fields) ? notes : sd->notes};
	int rc = gen_side_search(g->side, id, row);
	free(notes);
	if (rc != 0 || !x->located)
		return rc;
	double h = (double)shift(p, sd->at[0]) / 3600000.0;
	const double v[6] = {x->lat, x->lat, x->lng, x->lng, h, h};
	return gen_side_point(g->side, id, v);
}

static int clone_parts(struct gen_clone *g, struct wctx *w, struct place *p, int64_t id)
{
	const struct seed *sd = p->sd;
	for (int i = 0; i < sd->nasg; i++) {
		const struct seed_asg *a = &sd->asg[i];
		struct store_stmt *s = store_stmt(w->conn, ST_GEN_CLONE_ASG);
		sbind_int(s, 1, id);
		sbind_int(s, 2, map_org(g, p, a->org));
		sbind_text(s, 3, a->kind);
		sbind_text(s, 4, a->status);
		for (int k = 0; k < 6; k++)
			bind_opt_time(s, 5 + k, p, a->at[k]);
		sbind_text(s, 11, a->opinion);
		sbind_text(s, 12, gen_tmpl_fill(a->ratings, &p->fill, &g->text));
		if (done(s) != 0)
			return -1;
		p->asg_to[i] = store_last_id(w->conn);
	}
	for (int i = 0; i < sd->nev; i++) {
		const struct seed_event *e = &sd->ev[i];
		const char *payload = gen_tmpl_fill(e->payload, &p->fill, &g->text);
		struct event_rec r = {.case_id = id,
		                      .at = shift(p, e->at),
		                      .actor_id = map_user(g, p, e->actor),
		                      .org_id = map_org(g, p, e->org),
		                      .action = e->action,
		                      .from = e->from,
		                      .to = e->to,
		                      .payload = payload};
		if (!payload || chain_append(w->conn, w->head, &r) != 0)
			return -1;
		g->events++;
		if (++g->since_checkpoint >= CLONE_CHECKPOINT_EVERY) {
			if (chain_checkpoint(w->conn, w->head, &g->app->keys, time_now_ms()) != 0)
				return -1;
			g->since_checkpoint = 0;
		}
	}
	return 0;
}

static int clone_rows(struct gen_clone *g, struct wctx *w, struct place *p, int64_t id)
{
	const struct seed *sd = p->sd;
	struct store_stmt *s;
	for (int i = 0; i < sd->ntm; i++) {
		const struct seed_timer *t = &sd->tm[i];
		int64_t asg = 0;
		for (int k = 0; t->asg && k < sd->nasg && !asg; k++)
			if (sd->asg[k].id == t->asg)
				asg = p->asg_to[k];
		s = store_stmt(w->conn, ST_GEN_CLONE_TIMER);
		sbind_int(s, 1, id);
		sbind_opt_int(s, 2, asg ? asg : t->asg);
		sbind_text(s, 3, t->kind);
		sbind_int(s, 4, t->unit);
		sbind_int(s, 5, t->due + p->delta);
		if (t->has_warn)
			sbind_int(s, 6, t->warn + p->delta);
		else
			sbind_null(s, 6);
		sbind_int(s, 7, t->warned);
		sbind_text(s, 8, t->state);
		if (t->has_paused)
			sbind_int(s, 9, t->paused + p->delta);
		else
			sbind_null(s, 9);
		if (done(s) != 0)
			return -1;
	}
	for (int i = 0; i < sd->natt; i++) {
		const struct seed_attach *a = &sd->att[i];
		s = store_stmt(w->conn, ST_ATTACHMENT_INSERT);
		sbind_int(s, 1, id);
		sbind_text(s, 2, a->sha);
		sbind_text(s, 3, a->name);
		sbind_text(s, 4, a->ctype);
		sbind_int(s, 5, a->size);
		sbind_int(s, 6, map_user(g, p, a->by));
		sbind_int(s, 7, a->at + p->delta);
		if (done(s) != 0)
			return -1;
	}
	for (int i = 0; i < sd->npty; i++) {
		const struct seed_party *pt = &sd->pty[i];
		s = store_stmt(w->conn, ST_PARTY_INSERT);
		sbind_int(s, 1, id);
		sbind_int(s, 2, pt->seq);
		sbind_text(s, 3, pt->role);
		sbind_blob(s, 4, pt->enc, pt->enclen);
		if (pt->idxlen)
			sbind_blob(s, 5, pt->idx, pt->idxlen);
		else
			sbind_null(s, 5);
		if (done(s) != 0)
			return -1;
	}
	return 0;
}

static bool seed_names(const struct seed *sd, int64_t org)
{
	for (int i = 0; i < sd->norgs; i++)
		if (sd->orgs[i] == org)
			return true;
	return false;
}

struct org_map {
	const struct gen_clone *g;
	const struct place *p;
};

static int64_t org_mapped(void *arg, int64_t org)
{
	const struct org_map *m = arg;
	return map_org(m->g, m->p, org);
}

/* The clone's stats: its seed's share moved (when the swap keeps the
 * tree's shape for this clone too: no new place is an org the seed
 * already names), else a mark for stats_agg_flush. */
static int clone_stats(struct gen_clone *g, const struct place *p, int64_t id)
{
	const struct seed *sd = p->sd;
	const struct gen_places *pl = &g->pl;
	int64_t from[3], to[3], asg_from[SEED_ROWS_MAX];
	int n = 0;
	bool moved = sd->stats_moved && !g->recount;
	if (sd->town >= 0) {
		from[n] = pl->town_id[sd->town];
		to[n++] = pl->town_id[p->t];
	}
	if (sd->village >= 0) {
		from[n] = pl->village_id[sd->village];
		to[n++] = pl->village_id[p->v];
	}
	if (sd->grid >= 0) {
		from[n] = pl->grid_id[sd->grid];
		to[n++] = pl->grid_id[p->gr];
	}
	for (int i = 0; i < n && moved; i++)
		moved = from[i] == to[i] || !seed_names(sd, from[i]) || !seed_names(sd, to[i]);
	for (int i = 0; i < sd->nasg; i++)
		asg_from[i] = sd->asg[i].id;
	struct org_map om = {g, p};
	struct stats_copy_map m = {.org = org_mapped,
	                           .arg = &om,
	                           .received = shift(p, sd->at[0]),
	                           .shift = p->delta,
	                           .seq = g->head.seq,
	                           .asg_from = asg_from,
	                           .asg_to = p->asg_to,
	                           .nasg = sd->nasg};
	int rc = moved ? stats_copy_add(g->stats, g->conn, sd->id, id, &m) : 1;
	if (rc != 1)
		return rc;
	g->stats_marked++;
	struct store_stmt *s = store_stmt(g->conn, ST_GEN_STATS_MARK);
	sbind_int(s, 1, id);
	return done(s);
}

/* The clone's places: the strings that replace the seed's. */
static void place_strings(const struct gen_county *cty, struct place *p)
{
	const struct gen_org *T = &cty->towns[p->t], *V = &cty->villages[p->v],
	                     *G = &cty->grids[p->gr];
	p->to[SUB_TOWN_CODE] = T->code;
	p->to[SUB_TOWN_NAME] = T->name;
	p->to[SUB_TOWN_HANDLER] = T->handler;
	p->to[SUB_TOWN_LEAD] = T->lead;
	p->to[SUB_VILLAGE_CODE] = V->code;
	p->to[SUB_VILLAGE_NAME] = V->name;
	p->to[SUB_VILLAGE_HANDLER] = V->handler;
	p->to[SUB_GRID_CODE] = G->code;
	p->to[SUB_GRID_NAME] = G->name;
	p->to[SUB_GRID_HANDLER] = G->handler;
	p->to[SUB_NO] = p->new_no;
	p->fill = (struct gen_fill){.to = p->to, .delta = p->delta, .asg_to = p->asg_to};
}

/* Clone number k of m. */
static int clone_one(struct gen_clone *g, struct wctx *w, int64_t k)
{
	const struct gen_county *cty = g->pl.cty;
	int64_t span = g->end - g->start;
	int64_t t = g->start + (int64_t)((double)span * (double)k / (double)g->m);
	int64_t day0 = time_day_start(time_day_of(t));
	t = day0 + (7 + (int64_t)gen_below(&g->r, 14)) * MS_PER_HOUR +
	    (int64_t)gen_below(&g->r, 3600) * 1000;
	if (t >= g->end - MS_PER_HOUR)
		t = g->end - MS_PER_HOUR - (int64_t)gen_below(&g->r, 3600) * 1000;
	/* a seed near t whose history, moved to t, ends before the end and
	 * leaves its running timers ahead of it (the pool's past ones were
	 * fired: gen.c); when none of a few draws does, the last is moved back
	 * (its running timers' warnings or deadlines then wait for a server) */
	static _Thread_local struct place p;
	const struct seed *sd = NULL;
	for (int tries = 0; tries < SEED_TRIES && (!sd || !seed_fits(g, sd, t)); tries++)
		sd = seed_near(g, t);
	p.sd = sd;
	p.delta = t - sd->received;
	if (!seed_fits(g, sd, t)) {
		g->moved_back++;
		if (sd->pending && sd->pending + p.delta < g->end + MS_PER_MINUTE)
			p.delta = g->end + MS_PER_MINUTE - sd->pending;
		if (sd->last + p.delta > g->end - MS_PER_MINUTE)
			p.delta = g->end - MS_PER_MINUTE - sd->last;
		if (sd->pending && sd->pending + p.delta <= g->end)
			g->timers_due++;
	}
	p.t = (int)gen_below(&g->r, (uint32_t)cty->ntowns);
	p.v = cty->first_village[p.t] + (int)gen_below(&g->r, (uint32_t)cty->nvillage_of[p.t]);
	p.gr = cty->first_grid[p.v] + (int)gen_below(&g->r, (uint32_t)cty->ngrid_of[p.v]);
	p.new_no[0] = '\0';
	place_strings(cty, &p);
	struct case_text x;
	int64_t id;
	w->now = t;
	int rc = case_text_make(g, &p, &x) == 0 && clone_case_row(g, w, &p, &x, &id) == 0 &&
	                 clone_parts(g, w, &p, id) == 0 && clone_rows(g, w, &p, id) == 0 &&
	                 clone_search_point(g, &p, &x, id) == 0 && clone_stats(g, &p, id) == 0
	             ? 0
	             : -1;
	free(x.loc);
	return rc;
}

/* Clones [from, to) in one transaction of the bulk load's connection. */
int gen_clone_chunk(struct gen_clone *g, int64_t from, int64_t to)
{
	struct wctx w = {.conn = g->conn,
	                 .app = g->app,
	                 .head = &g->head,
	                 .now = time_now_ms(),
	                 .counters = &g->counters};
	int rc = store_exec(g->conn, ST_BEGIN) == STORE_OK ? 0 : -1;
	for (int64_t k = from; k < to && rc == 0; k++)
		rc = clone_one(g, &w, k);
	/* the numbers handed out and the stats' sums */
	if (rc == 0 && (counter_cache_flush(&g->counters, g->conn) != 0 ||
	                stats_copy_flush(g->stats, g->conn) != 0 ||
	                store_exec(g->conn, ST_COMMIT) != STORE_OK))
		rc = -1;
	if (rc != 0) {
		/* no journal: the file is discarded (gen.c) */
		fprintf(stderr, "civicloop gen: 复制第 %lld–%lld 个工单失败: %s\n",
		        (long long)from + 1, (long long)to,
		        g->err[0] ? g->err : store_errmsg(g->conn));
		store_exec(g->conn, ST_ROLLBACK);
		return -1;
	}
	return 0;
}

/* The end of the bulk load: the head signed; the indexes and triggers
 * made again; the marked clones folded into the stats; the other derived
 * tables rebuilt from the base rows; the search index waited for and
 * copied in; WAL again. ms: the times of the five steps (indexes, marked
 * clones' stats, other derived tables, waiting, copying). */
int gen_clone_finish(struct gen_clone *g, int64_t ms[5])
{
	char err[256] = "";
	int64_t t0 = time_real_ms(), t1 = t0, t2 = t0;
	gen_side_close(g->side); /* every row is queued: its index's last steps run beside these */
	int rc = store_exec(g->conn, ST_BEGIN) == STORE_OK ? 0 : -1;
	if (rc == 0 && g->since_checkpoint &&
	    chain_checkpoint(g->conn, &g->head, &g->app->keys, time_now_ms()) != 0)
		rc = -1;
	if (rc == 0 && store_bulk_restore(g->conn) != 0)
		rc = -1;
	t1 = time_real_ms();
	if (rc == 0 && stats_agg_flush(g->conn, g->app) != 0)
		rc = -1;
	t2 = time_real_ms();
	if (rc == 0 && derived_rebuild_but_stats(g->conn, g->app, err, sizeof err) != 0)
		rc = -1;
	if (rc == 0 && store_exec(g->conn, ST_COMMIT) != STORE_OK)
		rc = -1;
	if (rc != 0)
		store_exec(g->conn, ST_ROLLBACK);
	int64_t t3 = time_real_ms();
	/* the search index: the other thread's, once it has every row */
	if (rc == 0 && gen_side_finish(g->side, err, sizeof err) != 0)
		rc = -1;
	int64_t t4 = time_real_ms();
	if (rc == 0 && gen_side_merge(g->side, g->conn) != 0)
		rc = -1;
	if (rc == 0 && store_exec(g->conn, ST_GEN_JOURNAL_WAL) != STORE_OK)
		rc = -1;
	ms[0] = t1 - t0;
	ms[1] = t2 - t1;
	ms[2] = t3 - t2;
	ms[3] = t4 - t3;
	ms[4] = time_real_ms() - t4;
	if (rc != 0)
		fprintf(stderr, "civicloop gen: 索引或派生表重建失败: %s\n",
		        err[0] ? err : store_errmsg(g->conn));
	return rc;
}

int64_t gen_clone_stats_marked(const struct gen_clone *g)
{
	return g->stats_marked;
}

int64_t gen_clone_events(const struct gen_clone *g)
{
	return g->events;
}

int64_t gen_clone_timers_due(const struct gen_clone *g, int64_t *moved_back)
{
	*moved_back = g->moved_back;
	return g->timers_due;
}

int gen_clone_seeds(const struct gen_clone *g)
{
	return g->nseeds;
}

int64_t gen_clone_side_cpu_ms(const struct gen_clone *g)
{
	return gen_side_cpu_ms(g->side);
}
