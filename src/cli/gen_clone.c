/*
 * `civicloop gen`'s bulk path (docs/gen.md "The bulk path"): after a pool
 * of seed cases made through the engine (gen_cases.c), every other case is
 * a clone of a seed written directly with prepared statements, in large
 * writer jobs:
 *
 * - the seed is one received near the clone's moment (so a recent clone
 *   is open in the states a recent case is in, an old one closed), all its
 *   times shifted by the same amount (intervals kept, none past `end`);
 * - its township, village and grid become a random one of the grown
 *   county's, with their accounts (rows, payloads and fields alike);
 *   departments and the county are kept;
 * - the case row gets a new number from the type's counter (the writer's:
 *   a served database numbers on without collisions), hotline and grid
 *   events new text, every located case a new point in its new village,
 *   a reporter a new person sealed as the engine seals one;
 * - assignments, timers, attachments and parties are copied with the
 *   times shifted and the assignment ids remapped; events are appended to
 *   the audit chain in order (chain_append, a signed checkpoint every
 *   1,000 events) with their payloads rewritten the same way;
 * - the search row (search_add, the writer's builder) and the case point.
 *
 * Seeds with rows elsewhere (merges' links, documents, interviews,
 * inspection periods, Open311) are not cloned: their types stay at the
 * pool's count. The stats marks the triggers leave are dropped at the end
 * of each job: derived_rebuild() recounts every case once.
 */
#include "cli/gen.h"
#include "core/app.h"
#include "core/chain.h"
#include "core/counter_cache.h"
#include "core/derived.h"
#include "core/search.h"
#include "core/types.h"
#include "core/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

#define SEED_EVENTS_MAX 256
#define SEED_ROWS_MAX 64
#define CLONE_CHECKPOINT_EVERY 1000
#define SEED_NEAR 8 /* a clone's seed is one of the 2 × 8 received nearest to it */
#define SUBST_MAX 8
#define ORG_ENTRIES (GEN_TOWNS + GEN_VILLAGES + GEN_GRIDS)

enum org_kind { K_TOWN, K_VILLAGE, K_GRID };

/* An org (or an account) of the grown county: what it is in cty. */
struct org_entry {
	int64_t id;
	int kind, idx;
	int role; /* accounts: 0 handler, 1 lead */
};

struct seed_asg {
	int64_t id, org, at[6]; /* dispatched, sign_due, due, signed, done, updated (0: NULL) */
	char *kind, *status, *opinion, *ratings;
};
struct seed_event {
	int64_t at, actor, org;
	char *action, *from, *to, *payload;
};
struct seed_timer {
	int64_t asg, unit, due, warn, warned, paused;
	char *kind, *state;
	bool has_warn, has_paused;
};
struct seed_attach {
	char *sha, *name, *ctype;
	int64_t size, by, at;
};
struct seed_party {
	int64_t seq;
	char *role;
	void *enc, *idx;
	size_t enclen, idxlen;
};

/* A seed case as read once from the pool. */
struct seed {
	int64_t id, received, last;
	bool loaded;
	char *no, *type, *class_, *channel, *status, *title, *desc, *location, *fields;
	char *place_status;
	int64_t org, created_by, place_org, version, confidential;
	int64_t at[5]; /* received, due, closed, created, updated (0: NULL) */
	bool has_reporter;
	int town, village, grid; /* its place in cty, -1 when none */
	struct seed_asg *asg;
	struct seed_event *ev;
	struct seed_timer *tm;
	struct seed_attach *att;
	struct seed_party *pty;
	int nasg, nev, ntm, natt, npty;
};

struct gen_clone {
	struct app *app;
	const struct gen_county *cty;
	struct gen_rng r;
	int64_t start, end, m; /* m clones in all */
	struct seed *seeds;
	int nseeds;
	struct org_entry orgs[ORG_ENTRIES], users[2 * ORG_ENTRIES];
	int norgs, nusers;
	int64_t town_id[GEN_TOWNS], village_id[GEN_VILLAGES], grid_id[GEN_GRIDS];
	int64_t town_user[GEN_TOWNS][2], village_user[GEN_VILLAGES], grid_user[GEN_GRIDS];
	/* the bulk load's own connection, chain head, numbers and search rows */
	struct store_conn *conn;
	struct chain_head head;
	struct counter_cache counters;
	struct search_queue search;
	int64_t since_checkpoint, events;
	char err[256];
};

static char *dup_col(struct store_stmt *s, int i)
{
	const char *t = scol_text(s, i);
	return t ? strdup(t) : NULL;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct org_entry *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct org_entry *entry_find(const struct org_entry *v, int n, int64_t id)
{
	struct org_entry key = {.id = id};
	return bsearch(&key, v, (size_t)n, sizeof *v, cmp_entry);
}

static int64_t lookup_id(struct store_conn *c, int st, const char *key)
{
	if (!key || !key[0])
		return 0;
	struct store_stmt *s = store_stmt(c, st);
	sbind_text(s, 1, key);
	int64_t id = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	return id;
}

static void entry_add(struct org_entry *v, int *n, int64_t id, int kind, int idx, int role)
{
	if (id > 0)
		v[(*n)++] = (struct org_entry){.id = id, .kind = kind, .idx = idx, .role = role};
}

/* The ids of the county's townships, villages and grids and of their
 * accounts. */
static int county_ids(struct gen_clone *g, struct store_conn *c)
{
	const struct gen_county *cty = g->cty;
	for (int i = 0; i < cty->ntowns; i++) {
		g->town_id[i] = lookup_id(c, ST_GEN_ORG_ID, cty->towns[i].code);
		g->town_user[i][0] = lookup_id(c, ST_GEN_USER_ID, cty->towns[i].handler);
		g->town_user[i][1] = lookup_id(c, ST_GEN_USER_ID, cty->towns[i].lead);
		entry_add(g->orgs, &g->norgs, g->town_id[i], K_TOWN, i, 0);
		entry_add(g->users, &g->nusers, g->town_user[i][0], K_TOWN, i, 0);
		entry_add(g->users, &g->nusers, g->town_user[i][1], K_TOWN, i, 1);
	}
	for (int i = 0; i < cty->nvillages; i++) {
		g->village_id[i] = lookup_id(c, ST_GEN_ORG_ID, cty->villages[i].code);
		g->village_user[i] = lookup_id(c, ST_GEN_USER_ID, cty->villages[i].handler);
		entry_add(g->orgs, &g->norgs, g->village_id[i], K_VILLAGE, i, 0);
		entry_add(g->users, &g->nusers, g->village_user[i], K_VILLAGE, i, 0);
	}
	for (int i = 0; i < cty->ngrids; i++) {
		g->grid_id[i] = lookup_id(c, ST_GEN_ORG_ID, cty->grids[i].code);
		g->grid_user[i] = lookup_id(c, ST_GEN_USER_ID, cty->grids[i].handler);
		entry_add(g->orgs, &g->norgs, g->grid_id[i], K_GRID, i, 0);
		entry_add(g->users, &g->nusers, g->grid_user[i], K_GRID, i, 0);
	}
	qsort(g->orgs, (size_t)g->norgs, sizeof *g->orgs, cmp_entry);
	qsort(g->users, (size_t)g->nusers, sizeof *g->users, cmp_entry);
	return g->norgs == cty->ntowns + cty->nvillages + cty->ngrids ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* the seeds                                                           */
/* ------------------------------------------------------------------ */

static void seed_note_org(struct gen_clone *g, struct seed *sd, int64_t org)
{
	const struct org_entry *o = entry_find(g->orgs, g->norgs, org);
	if (!o)
		return;
	if (o->kind == K_TOWN && sd->town < 0)
		sd->town = o->idx;
	else if (o->kind == K_VILLAGE && sd->village < 0)
		sd->village = o->idx;
	else if (o->kind == K_GRID && sd->grid < 0)
		sd->grid = o->idx;
}

static int64_t opt_col(struct store_stmt *s, int i)
{
	return scol_null(s, i) ? 0 : scol_int(s, i);
}

static int seed_load(struct gen_clone *g, struct store_conn *c, struct seed *sd)
{
	struct store_stmt *s = store_stmt(c, ST_GEN_SEED_CASE);
	sbind_int(s, 1, sd->id);
	if (sstep(s) != STORE_ROW) {
		sreset(s);
		return -1;
	}
	sd->type = dup_col(s, 0);
	sd->class_ = dup_col(s, 1);
	sd->channel = dup_col(s, 2);
	sd->status = dup_col(s, 3);
	sd->title = dup_col(s, 4);
	sd->desc = dup_col(s, 5);
	sd->location = dup_col(s, 6);
	sd->org = scol_int(s, 7);
	sd->has_reporter = !scol_null(s, 8);
	sd->confidential = scol_int(s, 10);
	sd->fields = dup_col(s, 11);
	/* columns 12..17: received, due, closed, created_by, created, updated */
	sd->at[0] = opt_col(s, 12);
	sd->at[1] = opt_col(s, 13);
	sd->at[2] = opt_col(s, 14);
	sd->created_by = opt_col(s, 15);
	sd->at[3] = opt_col(s, 16);
	sd->at[4] = opt_col(s, 17);
	sd->version = scol_int(s, 18);
	sd->place_status = dup_col(s, 19);
	sd->place_org = opt_col(s, 20);
	sd->no = dup_col(s, 21);
	sreset(s);
	sd->town = sd->village = sd->grid = -1;
	seed_note_org(g, sd, sd->org);

	sd->asg = calloc(SEED_ROWS_MAX, sizeof *sd->asg);
	sd->ev = calloc(SEED_EVENTS_MAX, sizeof *sd->ev);
	sd->tm = calloc(SEED_ROWS_MAX, sizeof *sd->tm);
	sd->att = calloc(SEED_ROWS_MAX, sizeof *sd->att);
	sd->pty = calloc(SEED_ROWS_MAX, sizeof *sd->pty);
	if (!sd->asg || !sd->ev || !sd->tm || !sd->att || !sd->pty)
		return -1;
	int rc;
	s = store_stmt(c, ST_GEN_SEED_ASG);
	sbind_int(s, 1, sd->id);
	while ((rc = sstep(s)) == STORE_ROW && sd->nasg < SEED_ROWS_MAX) {
		struct seed_asg *a = &sd->asg[sd->nasg++];
		a->id = scol_int(s, 0);
		a->org = scol_int(s, 1);
		seed_note_org(g, sd, a->org);
		a->kind = dup_col(s, 2);
		a->status = dup_col(s, 3);
		for (int i = 0; i < 6; i++)
			a->at[i] = opt_col(s, 4 + i);
		a->opinion = dup_col(s, 10);
		a->ratings = dup_col(s, 11);
	}
	sreset(s);
	s = store_stmt(c, ST_GEN_SEED_EVENTS);
	sbind_int(s, 1, sd->id);
	while ((rc = sstep(s)) == STORE_ROW && sd->nev < SEED_EVENTS_MAX) {
		struct seed_event *e = &sd->ev[sd->nev++];
		e->at = scol_int(s, 0);
		e->actor = opt_col(s, 1);
		e->org = opt_col(s, 2);
		seed_note_org(g, sd, e->org);
		e->action = dup_col(s, 3);
		e->from = dup_col(s, 4);
		e->to = dup_col(s, 5);
		e->payload = dup_col(s, 6);
	}
	sreset(s);
	s = store_stmt(c, ST_GEN_SEED_TIMERS);
	sbind_int(s, 1, sd->id);
	while ((rc = sstep(s)) == STORE_ROW && sd->ntm < SEED_ROWS_MAX) {
		struct seed_timer *t = &sd->tm[sd->ntm++];
		t->asg = opt_col(s, 0);
		t->kind = dup_col(s, 1);
		t->unit = scol_int(s, 2);
		t->due = scol_int(s, 3);
		t->has_warn = !scol_null(s, 4);
		t->warn = opt_col(s, 4);
		t->warned = scol_int(s, 5);
		t->state = dup_col(s, 6);
		t->has_paused = !scol_null(s, 7);
		t->paused = opt_col(s, 7);
	}
	sreset(s);
	s = store_stmt(c, ST_GEN_SEED_ATTACH);
	sbind_int(s, 1, sd->id);
	while ((rc = sstep(s)) == STORE_ROW && sd->natt < SEED_ROWS_MAX) {
		struct seed_attach *a = &sd->att[sd->natt++];
		a->sha = dup_col(s, 0);
		a->name = dup_col(s, 1);
		a->ctype = dup_col(s, 2);
		a->size = scol_int(s, 3);
		a->by = scol_int(s, 4);
		a->at = scol_int(s, 5);
	}
	sreset(s);
	s = store_stmt(c, ST_GEN_SEED_PARTIES);
	sbind_int(s, 1, sd->id);
	while ((rc = sstep(s)) == STORE_ROW && sd->npty < SEED_ROWS_MAX) {
		struct seed_party *p = &sd->pty[sd->npty++];
		p->seq = scol_int(s, 0);
		p->role = dup_col(s, 1);
		p->enclen = scol_bytes(s, 2);
		p->enc = malloc(p->enclen + 1);
		if (p->enc && p->enclen)
			memcpy(p->enc, scol_blob(s, 2), p->enclen);
		p->idxlen = scol_null(s, 3) ? 0 : scol_bytes(s, 3);
		p->idx = p->idxlen ? malloc(p->idxlen) : NULL;
		if (p->idx)
			memcpy(p->idx, scol_blob(s, 3), p->idxlen);
	}
	sreset(s);
	/* a grid names its village, a village its township */
	if (sd->grid >= 0 && sd->village < 0)
		sd->village = g->cty->grids[sd->grid].parent;
	if (sd->village >= 0 && sd->town < 0)
		sd->town = g->cty->villages[sd->village].parent;
	sd->loaded = true;
	return 0;
}

static void seed_free(struct seed *sd)
{
	free(sd->no), free(sd->type), free(sd->class_), free(sd->channel), free(sd->status);
	free(sd->title), free(sd->desc), free(sd->location), free(sd->fields);
	free(sd->place_status);
	for (int i = 0; i < sd->nasg; i++)
		free(sd->asg[i].kind), free(sd->asg[i].status), free(sd->asg[i].opinion),
		    free(sd->asg[i].ratings);
	for (int i = 0; i < sd->nev; i++)
		free(sd->ev[i].action), free(sd->ev[i].from), free(sd->ev[i].to),
		    free(sd->ev[i].payload);
	for (int i = 0; i < sd->ntm; i++)
		free(sd->tm[i].kind), free(sd->tm[i].state);
	for (int i = 0; i < sd->natt; i++)
		free(sd->att[i].sha), free(sd->att[i].name), free(sd->att[i].ctype);
	for (int i = 0; i < sd->npty; i++)
		free(sd->pty[i].role), free(sd->pty[i].enc), free(sd->pty[i].idx);
	free(sd->asg), free(sd->ev), free(sd->tm), free(sd->att), free(sd->pty);
}

static int seeds_read(struct gen_clone *g)
{
	if (county_ids(g, g->conn) != 0) {
		snprintf(g->err, sizeof g->err, "县域组织或账号缺失");
		return -1;
	}
	struct store_stmt *s = store_stmt(g->conn, ST_GEN_SEEDS);
	int rc, cap = 0;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (g->nseeds == cap) {
			cap = cap ? cap * 2 : 1024;
			struct seed *n = realloc(g->seeds, (size_t)cap * sizeof *n);
			if (!n)
				break;
			g->seeds = n;
		}
		g->seeds[g->nseeds++] = (struct seed){
		    .id = scol_int(s, 0), .received = scol_int(s, 1), .last = scol_int(s, 2)};
	}
	sreset(s);
	if (rc != STORE_DONE || g->nseeds == 0) {
		snprintf(g->err, sizeof g->err, "没有可复制的种子工单");
		return -1;
	}
	return 0;
}

struct gen_clone *gen_clone_new(struct app *app, const char *db, const struct gen_county *cty,
                                uint64_t seed, int64_t m, int64_t start, int64_t end)
{
	struct gen_clone *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->app = app;
	g->cty = cty;
	g->r.s = seed ^ 0xc10e;
	g->m = m;
	g->start = start;
	g->end = end;
	search_queue_init(&g->search);
	g->conn = store_open(db, false, g->err, sizeof g->err);
	if (!g->conn || store_exec(g->conn, ST_GEN_FK_OFF) != STORE_OK ||
	    store_exec(g->conn, ST_GEN_SYNC_OFF) != STORE_OK ||
	    store_exec(g->conn, ST_GEN_CACHE) != STORE_OK ||
	    chain_load_head(g->conn, &g->head) != 0 || seeds_read(g) != 0) {
		fprintf(stderr, "civicloop gen: %s\n", g->err[0] ? g->err : "读取种子工单失败");
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
		if (g->seeds[i].loaded)
			seed_free(&g->seeds[i]);
	free(g->seeds);
	search_queue_release(&g->search);
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
	const char *from[3 * SUBST_MAX], *to[3 * SUBST_MAX];
	int nsub;
	int64_t asg_from[SEED_ROWS_MAX], asg_to[SEED_ROWS_MAX];
	int nasg;
	char new_no[64];
};

static void sub_add(struct place *p, const char *from, const char *to)
{
	if (p->nsub < 3 * SUBST_MAX && from && to && from[0] && strcmp(from, to)) {
		p->from[p->nsub] = from;
		p->to[p->nsub++] = to;
	}
}

static int64_t map_org(const struct gen_clone *g, const struct place *p, int64_t org)
{
	const struct seed *sd = p->sd;
	if (!org)
		return 0;
	if (sd->town >= 0 && org == g->town_id[sd->town])
		return g->town_id[p->t];
	if (sd->village >= 0 && org == g->village_id[sd->village])
		return g->village_id[p->v];
	if (sd->grid >= 0 && org == g->grid_id[sd->grid])
		return g->grid_id[p->gr];
	return org;
}

static int64_t map_user(const struct gen_clone *g, const struct place *p, int64_t u)
{
	const struct seed *sd = p->sd;
	const struct org_entry *x = u ? entry_find(g->users, g->nusers, u) : NULL;
	if (!x)
		return u;
	int64_t to = 0;
	if (x->kind == K_TOWN && x->idx == sd->town)
		to = g->town_user[p->t][x->role];
	else if (x->kind == K_VILLAGE && x->idx == sd->village)
		to = g->village_user[p->v];
	else if (x->kind == K_GRID && x->idx == sd->grid)
		to = g->grid_user[p->gr];
	return to ? to : u;
}

static int64_t map_asg(const struct place *p, int64_t id)
{
	for (int i = 0; i < p->nasg; i++)
		if (p->asg_from[i] == id)
			return p->asg_to[i];
	return id;
}

static int64_t shift(const struct place *p, int64_t t)
{
	return t ? t + p->delta : 0;
}

static bool is_iso_time(const char *s)
{
	size_t n = strlen(s);
	return n >= 19 && n <= 35 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':';
}

static bool is_date(const char *s)
{
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-' && s[0] >= '1' && s[0] <= '2';
}

/* A string of a payload or fields made the clone's: a substituted code,
 * name or account; a time or date shifted. NULL: kept. */
static json_t *rewrite_string(const struct place *p, const char *v)
{
	for (int i = 0; i < p->nsub; i++)
		if (!strcmp(p->from[i], v))
			return json_string(p->to[i]);
	char buf[ISO8601_MAX];
	int64_t t, day;
	if (is_iso_time(v) && time_parse_iso(v, &t) == 0 &&
	    time_format_iso(t + p->delta, buf, sizeof buf) > 0)
		return json_string(buf);
	if (is_date(v) && time_parse_date(v, &day) == 0 &&
	    time_format_date(day + (p->delta + MS_PER_DAY / 2) / MS_PER_DAY, buf, sizeof buf) > 0)
		return json_string(buf);
	return NULL;
}

static bool asg_key(const char *key)
{
	return key && (!strcmp(key, "assignment") || !strcmp(key, "cancelled_assignments"));
}

/* Rewrites v in place; key is the member's name that holds it (NULL in an
 * array of non-assignment values), in_asg: v is in an "assignments" list. */
static void rewrite(const struct place *p, json_t *v, const char *key, bool in_asg)
{
	size_t i;
	const char *k;
	json_t *x;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
		{
			if (json_is_string(x)) {
				json_t *n = rewrite_string(p, json_string_value(x));
				if (n)
					json_object_set_new(v, k, n);
			} else if (json_is_integer(x) &&
			           (asg_key(k) || (in_asg && !strcmp(k, "id")))) {
				json_integer_set(x, map_asg(p, json_integer_value(x)));
			} else {
				rewrite(p, x, k, !strcmp(k, "assignments"));
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (json_is_string(x)) {
				json_t *n = rewrite_string(p, json_string_value(x));
				if (n)
					json_array_set_new(v, i, n);
			} else if (json_is_integer(x) && asg_key(key)) {
				json_integer_set(x, map_asg(p, json_integer_value(x)));
			} else {
				rewrite(p, x, key, in_asg);
			}
		}
	}
}

/* text rewritten as the clone's; NULL stays NULL; the result is owned. */
static char *rewrite_text(const struct place *p, const char *text)
{
	if (!text)
		return NULL;
	json_t *v = json_loads(text, 0, NULL);
	if (!v)
		return strdup(text);
	rewrite(p, v, NULL, false);
	char *out = json_canonical(v);
	json_decref(v);
	return out;
}

/* A seed received near t (the clone's moment). */
static struct seed *seed_near(struct gen_clone *g, int64_t t)
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

static int bind_opt_time(struct store_stmt *s, int i, const struct place *p, int64_t t)
{
	if (t)
		sbind_int(s, i, shift(p, t));
	else
		sbind_null(s, i);
	return 0;
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

static int clone_case_row(struct gen_clone *g, struct wctx *w, struct place *p, int64_t *id)
{
	const struct seed *sd = p->sd;
	const struct gen_county *cty = g->cty;
	const struct matter_type *ty = types_find(g->app->types, sd->type);
	if (!ty)
		return -1;
	int64_t received = shift(p, sd->at[0]);
	int y, mo, d;
	time_ymd_from_day(time_day_of(received), &y, &mo, &d);
	char cname[48];
	snprintf(cname, sizeof cname, "no:%s:%04d%02d%02d", ty->prefix, y, mo, d);
	int64_t n;
	if (wctx_counter_next(w, cname, &n) != 0)
		return -1;
	snprintf(p->new_no, sizeof p->new_no, "%s%04d%02d%02d%06lld", ty->prefix, y, mo, d,
	         (long long)n);

	const struct gen_org *T = &cty->towns[p->t], *V = &cty->villages[p->v],
	                     *G = &cty->grids[p->gr];
	bool grid = !strcmp(sd->type, "grid_event"), text = grid || !strcmp(sd->type, "hotline");
	char vshort[GEN_NAME_MAX], title[256], desc[1024], addr[512];
	snprintf(vshort, sizeof vshort, "%s", V->name);
	char *cut = strstr(vshort, "民委员会");
	if (cut && cut - vshort >= 3)
		cut[-3] = '\0';
	if (text)
		gen_case_text(&g->r, grid, T->name, vshort, title, sizeof title, desc, sizeof desc);
	char *loc = NULL;
	if (sd->location) {
		double lat = (grid ? G->lat : V->lat) + (gen_unit(&g->r) - 0.5) * 0.002;
		double lng = (grid ? G->lng : V->lng) + (gen_unit(&g->r) - 0.5) * 0.002;
		snprintf(addr, sizeof addr, "濂江县%s%s%u号", T->name, vshort,
		         1 + gen_below(&g->r, 300));
		json_t *l = json_pack("{s:f,s:f,s:s}", "lat", (double)(int64_t)(lat * 1e5) / 1e5,
		                      "lng", (double)(int64_t)(lng * 1e5) / 1e5, "address", addr);
		loc = l ? json_canonical(l) : NULL;
		json_decref(l);
	}
	unsigned char *enc = NULL, idx[HASH_LEN];
	size_t enclen = 0;
	if (sd->has_reporter && reporter_new(g, &enc, &enclen, idx) != 0) {
		free(loc);
		return -1;
	}
	char *fields = rewrite_text(p, sd->fields);
	struct store_stmt *s = store_stmt(w->conn, ST_GEN_CLONE_CASE);
	sbind_text(s, 1, p->new_no);
	sbind_text(s, 2, sd->type);
	sbind_text(s, 3, sd->class_);
	sbind_text(s, 4, sd->channel);
	sbind_text(s, 5, sd->status);
	sbind_text(s, 6, text ? title : sd->title);
	sbind_text(s, 7, text ? desc : sd->desc);
	sbind_text(s, 8, loc);
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
	int rc = done(s);
	free(enc);
	free(loc);
	free(fields);
	*id = store_last_id(w->conn);
	return rc;
}

static int clone_rows(struct gen_clone *g, struct wctx *w, struct place *p, int64_t id)
{
	const struct seed *sd = p->sd;
	struct store_stmt *s;
	for (int i = 0; i < sd->nasg; i++) {
		const struct seed_asg *a = &sd->asg[i];
		char *ratings = rewrite_text(p, a->ratings);
		s = store_stmt(w->conn, ST_GEN_CLONE_ASG);
		sbind_int(s, 1, id);
		sbind_int(s, 2, map_org(g, p, a->org));
		sbind_text(s, 3, a->kind);
		sbind_text(s, 4, a->status);
		for (int k = 0; k < 6; k++)
			bind_opt_time(s, 5 + k, p, a->at[k]);
		sbind_text(s, 11, a->opinion);
		sbind_text(s, 12, ratings);
		int rc = done(s);
		free(ratings);
		if (rc != 0)
			return -1;
		p->asg_from[p->nasg] = a->id;
		p->asg_to[p->nasg++] = store_last_id(w->conn);
	}
	for (int i = 0; i < sd->nev; i++) {
		const struct seed_event *e = &sd->ev[i];
		char *payload = rewrite_text(p, e->payload);
		struct event_rec r = {.case_id = id,
		                      .at = shift(p, e->at),
		                      .actor_id = map_user(g, p, e->actor),
		                      .org_id = map_org(g, p, e->org),
		                      .action = e->action,
		                      .from = e->from,
		                      .to = e->to,
		                      .payload = payload ? payload : "{}"};
		int rc = chain_append(w->conn, w->head, &r);
		free(payload);
		if (rc != 0)
			return -1;
		g->events++;
		if (++g->since_checkpoint >= CLONE_CHECKPOINT_EVERY) {
			if (chain_checkpoint(w->conn, w->head, &g->app->keys, time_now_ms()) != 0)
				return -1;
			g->since_checkpoint = 0;
		}
	}
	for (int i = 0; i < sd->ntm; i++) {
		const struct seed_timer *t = &sd->tm[i];
		s = store_stmt(w->conn, ST_GEN_CLONE_TIMER);
		sbind_int(s, 1, id);
		sbind_opt_int(s, 2, t->asg ? map_asg(p, t->asg) : 0);
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
	s = store_stmt(w->conn, ST_DUP_POINT_ADD);
	sbind_int(s, 1, id);
	if (done(s) != 0)
		return -1;
	return search_add(w, id);
}

/* Clone number k of m. */
static int clone_one(struct gen_clone *g, struct wctx *w, int64_t k)
{
	const struct gen_county *cty = g->cty;
	int64_t span = g->end - g->start;
	int64_t t = g->start + (int64_t)((double)span * (double)k / (double)g->m);
	int64_t day0 = time_day_start(time_day_of(t));
	t = day0 + (7 + (int64_t)gen_below(&g->r, 14)) * MS_PER_HOUR +
	    (int64_t)gen_below(&g->r, 3600) * 1000;
	if (t >= g->end - MS_PER_HOUR)
		t = g->end - MS_PER_HOUR - (int64_t)gen_below(&g->r, 3600) * 1000;
	struct seed *sd = seed_near(g, t);
	if (!sd->loaded && seed_load(g, w->conn, sd) != 0)
		return -1;
	static _Thread_local struct place p;
	memset(&p, 0, sizeof p);
	p.sd = sd;
	p.delta = t - sd->received;
	if (sd->last + p.delta > g->end - MS_PER_MINUTE)
		p.delta = g->end - MS_PER_MINUTE - sd->last;
	p.t = (int)gen_below(&g->r, (uint32_t)cty->ntowns);
	p.v = cty->first_village[p.t] + (int)gen_below(&g->r, (uint32_t)cty->nvillage_of[p.t]);
	p.gr = cty->first_grid[p.v] + (int)gen_below(&g->r, (uint32_t)cty->ngrid_of[p.v]);
	if (sd->town >= 0) {
		const struct gen_org *a = &cty->towns[sd->town], *b = &cty->towns[p.t];
		sub_add(&p, a->code, b->code);
		sub_add(&p, a->name, b->name);
		sub_add(&p, a->handler, b->handler);
		sub_add(&p, a->lead, b->lead);
	}
	if (sd->village >= 0) {
		const struct gen_org *a = &cty->villages[sd->village], *b = &cty->villages[p.v];
		sub_add(&p, a->code, b->code);
		sub_add(&p, a->name, b->name);
		sub_add(&p, a->handler, b->handler);
	}
	if (sd->grid >= 0) {
		const struct gen_org *a = &cty->grids[sd->grid], *b = &cty->grids[p.gr];
		sub_add(&p, a->code, b->code);
		sub_add(&p, a->name, b->name);
		sub_add(&p, a->handler, b->handler);
	}
	int64_t id;
	w->now = t;
	if (clone_case_row(g, w, &p, &id) != 0)
		return -1;
	sub_add(&p, sd->no, p.new_no); /* the create event names the case's number */
	return clone_rows(g, w, &p, id);
}

/* Clones [from, to) in one transaction of the bulk load's connection (no
 * writer job: its savepoint would make every statement's journal walk all
 * the pages the job touched). */
int gen_clone_chunk(struct gen_clone *g, int64_t from, int64_t to)
{
	struct wctx w = {.conn = g->conn,
	                 .app = g->app,
	                 .head = &g->head,
	                 .now = time_now_ms(),
	                 .search = &g->search,
	                 .counters = &g->counters};
	struct chain_head before = g->head;
	int rc = store_exec(g->conn, ST_BEGIN) == STORE_OK ? 0 : -1;
	for (int64_t k = from; k < to && rc == 0; k++)
		rc = clone_one(g, &w, k);
	/* the index rows, the numbers handed out, and no stats marks:
	 * derived_rebuild() recounts every case */
	if (rc == 0 && (search_flush(g->conn, g->app, &g->search) != 0 ||
	                counter_cache_flush(&g->counters, g->conn) != 0 ||
	                store_exec(g->conn, ST_GEN_STATS_UNMARK) != STORE_OK ||
	                store_exec(g->conn, ST_COMMIT) != STORE_OK))
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "civicloop gen: 复制第 %lld–%lld 个工单失败: %s\n",
		        (long long)from + 1, (long long)to,
		        g->err[0] ? g->err : store_errmsg(g->conn));
		store_exec(g->conn, ST_ROLLBACK);
		counter_cache_clear(&g->counters);
		g->head = before;
		return -1;
	}
	return 0;
}

/* The end of the bulk load: the head signed, derived_rebuild() once. */
int gen_clone_finish(struct gen_clone *g, int64_t *rebuild_ms)
{
	char err[256] = "";
	int rc = store_exec(g->conn, ST_BEGIN) == STORE_OK ? 0 : -1;
	if (rc == 0 && g->since_checkpoint &&
	    chain_checkpoint(g->conn, &g->head, &g->app->keys, time_now_ms()) != 0)
		rc = -1;
	int64_t t0 = time_real_ms();
	if (rc == 0 && derived_rebuild(g->conn, g->app, err, sizeof err) != 0)
		rc = -1;
	if (rc == 0 && store_exec(g->conn, ST_COMMIT) != STORE_OK)
		rc = -1;
	*rebuild_ms = time_real_ms() - t0;
	if (rc != 0) {
		fprintf(stderr, "civicloop gen: 派生表重建失败: %s\n",
		        err[0] ? err : store_errmsg(g->conn));
		store_exec(g->conn, ST_ROLLBACK);
	}
	return rc;
}

int64_t gen_clone_events(const struct gen_clone *g)
{
	return g->events;
}

int gen_clone_seeds(const struct gen_clone *g)
{
	return g->nseeds;
}
