/*
 * `civicloop gen`'s seeds (gen_clone.h, docs/gen.md "The bulk path"): the
 * pool's cases read once, whole, before the bulk load drops the indexes
 * they are read by; their JSON texts made into templates (gen_tmpl.c);
 * which of the grown county's places each names, so that a clone swaps
 * them for its own; and whether a clone's stats are the seed's, moved
 * (stats_copy_add: the orgs the seed names keep the tree's shape when
 * its township, village and grid are swapped).
 */
#include "cli/gen_clone.h"
#include "core/app.h"
#include "core/search.h"
#include "core/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static char *dup_col(struct store_stmt *s, int i)
{
	const char *t = scol_text(s, i);
	return t ? strdup(t) : NULL;
}

static int64_t opt_col(struct store_stmt *s, int i)
{
	return scol_null(s, i) ? 0 : scol_int(s, i);
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

/* The org tree: each org's parent. */
static int tree_load(struct gen_places *pl, struct store_conn *c)
{
	struct store_stmt *s = store_stmt(c, ST_GEN_ORGS);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		int64_t id = scol_int(s, 0), parent = scol_int(s, 1);
		if (id <= 0 || id > 100000000)
			continue;
		if (id >= pl->nparent) {
			int64_t n = pl->nparent ? pl->nparent : 1024;
			while (n <= id)
				n *= 2;
			int64_t *p = realloc(pl->parent, (size_t)n * sizeof *p);
			if (!p)
				break;
			memset(p + pl->nparent, 0, (size_t)(n - pl->nparent) * sizeof *p);
			pl->parent = p;
			pl->nparent = n;
		}
		pl->parent[id] = parent;
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

static int64_t parent_of(const struct gen_places *pl, int64_t id)
{
	return id > 0 && id < pl->nparent ? pl->parent[id] : 0;
}

int gen_places_load(struct gen_places *pl, struct store_conn *c, char *err, size_t errcap)
{
	const struct gen_county *cty = pl->cty;
	for (int i = 0; i < cty->ntowns; i++) {
		pl->town_id[i] = lookup_id(c, ST_GEN_ORG_ID, cty->towns[i].code);
		pl->town_user[i][0] = lookup_id(c, ST_GEN_USER_ID, cty->towns[i].handler);
		pl->town_user[i][1] = lookup_id(c, ST_GEN_USER_ID, cty->towns[i].lead);
		entry_add(pl->orgs, &pl->norgs, pl->town_id[i], K_TOWN, i, 0);
		entry_add(pl->users, &pl->nusers, pl->town_user[i][0], K_TOWN, i, 0);
		entry_add(pl->users, &pl->nusers, pl->town_user[i][1], K_TOWN, i, 1);
	}
	for (int i = 0; i < cty->nvillages; i++) {
		pl->village_id[i] = lookup_id(c, ST_GEN_ORG_ID, cty->villages[i].code);
		pl->village_user[i] = lookup_id(c, ST_GEN_USER_ID, cty->villages[i].handler);
		entry_add(pl->orgs, &pl->norgs, pl->village_id[i], K_VILLAGE, i, 0);
		entry_add(pl->users, &pl->nusers, pl->village_user[i], K_VILLAGE, i, 0);
	}
	for (int i = 0; i < cty->ngrids; i++) {
		pl->grid_id[i] = lookup_id(c, ST_GEN_ORG_ID, cty->grids[i].code);
		pl->grid_user[i] = lookup_id(c, ST_GEN_USER_ID, cty->grids[i].handler);
		entry_add(pl->orgs, &pl->norgs, pl->grid_id[i], K_GRID, i, 0);
		entry_add(pl->users, &pl->nusers, pl->grid_user[i], K_GRID, i, 0);
	}
	qsort(pl->orgs, (size_t)pl->norgs, sizeof *pl->orgs, cmp_entry);
	qsort(pl->users, (size_t)pl->nusers, sizeof *pl->users, cmp_entry);
	if (pl->norgs != cty->ntowns + cty->nvillages + cty->ngrids || tree_load(pl, c) != 0) {
		snprintf(err, errcap, "县域组织或账号缺失");
		return -1;
	}
	/* the clones' places keep the tree's shape: a village under its
	 * township, a grid under its village, the townships side by side */
	pl->towns_siblings = true;
	for (int i = 1; i < cty->ntowns; i++)
		pl->towns_siblings &=
		    parent_of(pl, pl->town_id[i]) == parent_of(pl, pl->town_id[0]);
	for (int i = 0; i < cty->nvillages; i++)
		pl->towns_siblings &=
		    parent_of(pl, pl->village_id[i]) == pl->town_id[cty->villages[i].parent];
	for (int i = 0; i < cty->ngrids; i++)
		pl->towns_siblings &=
		    parent_of(pl, pl->grid_id[i]) == pl->village_id[cty->grids[i].parent];
	return 0;
}

void gen_places_release(struct gen_places *pl)
{
	free(pl->parent);
	pl->parent = NULL;
	pl->nparent = 0;
}

int gen_seeds_list(struct store_conn *c, struct seed **out, int *n)
{
	struct store_stmt *s = store_stmt(c, ST_GEN_SEEDS);
	int rc, cap = 0;
	*out = NULL;
	*n = 0;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			struct seed *p = realloc(*out, (size_t)cap * sizeof *p);
			if (!p)
				break;
			*out = p;
		}
		(*out)[(*n)++] = (struct seed){
		    .id = scol_int(s, 0), .received = scol_int(s, 1), .last = scol_int(s, 2)};
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* one seed                                                            */
/* ------------------------------------------------------------------ */

static void note_org(const struct gen_places *pl, struct seed *sd, int64_t org)
{
	const struct org_entry *o = entry_find(pl->orgs, pl->norgs, org);
	if (!o)
		return;
	if (o->kind == K_TOWN && sd->town < 0)
		sd->town = o->idx;
	else if (o->kind == K_VILLAGE && sd->village < 0)
		sd->village = o->idx;
	else if (o->kind == K_GRID && sd->grid < 0)
		sd->grid = o->idx;
}

static int case_read(const struct gen_places *pl, struct store_conn *c, struct seed *sd,
                     char **fields)
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
	*fields = dup_col(s, 11);
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
	note_org(pl, sd, sd->org);
	return 0;
}

/* The assignments (their ratings kept as text until the places are known)
 * and the events (payloads likewise). */
static int parts_read(const struct gen_places *pl, struct store_conn *c, struct seed *sd,
                      char **ratings, char **payloads)
{
	int rc;
	struct store_stmt *s = store_stmt(c, ST_GEN_SEED_ASG);
	sbind_int(s, 1, sd->id);
	while ((rc = sstep(s)) == STORE_ROW && sd->nasg < SEED_ROWS_MAX) {
		struct seed_asg *a = &sd->asg[sd->nasg];
		a->id = scol_int(s, 0);
		a->org = scol_int(s, 1);
		note_org(pl, sd, a->org);
		a->kind = dup_col(s, 2);
		a->status = dup_col(s, 3);
		for (int i = 0; i < 6; i++)
			a->at[i] = opt_col(s, 4 + i);
		a->opinion = dup_col(s, 10);
		a->opinion_json = a->opinion ? json_loads(a->opinion, 0, NULL) : NULL;
		if (!a->opinion_json)
			a->opinion_json = json_null();
		ratings[sd->nasg++] = dup_col(s, 11);
	}
	sreset(s);
	s = store_stmt(c, ST_GEN_SEED_EVENTS);
	sbind_int(s, 1, sd->id);
	while ((rc = sstep(s)) == STORE_ROW && sd->nev < SEED_EVENTS_MAX) {
		struct seed_event *e = &sd->ev[sd->nev];
		e->at = scol_int(s, 0);
		e->actor = opt_col(s, 1);
		e->org = opt_col(s, 2);
		note_org(pl, sd, e->org);
		e->action = dup_col(s, 3);
		e->from = dup_col(s, 4);
		e->to = dup_col(s, 5);
		payloads[sd->nev++] = dup_col(s, 6);
	}
	sreset(s);
	return 0;
}

/* Timers, attachments and parties. */
static int rows_read(struct store_conn *c, struct seed *sd)
{
	int rc;
	struct store_stmt *s = store_stmt(c, ST_GEN_SEED_TIMERS);
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
		/* the first moment the scheduler would act on it (gen.c fired the
		 * pool's timers up to the end: this one is later) */
		if (!strcmp(t->state, "running")) {
			int64_t m =
			    t->has_warn && !t->warned && t->warn < t->due ? t->warn : t->due;
			if (!sd->pending || m < sd->pending)
				sd->pending = m;
		}
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
	return 0;
}

/* The strings of the seed's places (enum sub). */
static void places_strings(const struct gen_county *cty, struct seed *sd)
{
	if (sd->town >= 0) {
		const struct gen_org *o = &cty->towns[sd->town];
		sd->from[SUB_TOWN_CODE] = o->code;
		sd->from[SUB_TOWN_NAME] = o->name;
		sd->from[SUB_TOWN_HANDLER] = o->handler;
		sd->from[SUB_TOWN_LEAD] = o->lead;
	}
	if (sd->village >= 0) {
		const struct gen_org *o = &cty->villages[sd->village];
		sd->from[SUB_VILLAGE_CODE] = o->code;
		sd->from[SUB_VILLAGE_NAME] = o->name;
		sd->from[SUB_VILLAGE_HANDLER] = o->handler;
	}
	if (sd->grid >= 0) {
		const struct gen_org *o = &cty->grids[sd->grid];
		sd->from[SUB_GRID_CODE] = o->code;
		sd->from[SUB_GRID_NAME] = o->name;
		sd->from[SUB_GRID_HANDLER] = o->handler;
	}
	sd->from[SUB_NO] = sd->no;
}

/* Adds org and its ancestors to the seed's orgs; false when the swap of
 * its township, village and grid would not keep the tree's shape there:
 * an ancestor-or-self that is one of them must be followed by the others
 * in order (township, village, grid) to the org itself. */
static bool org_shape(const struct gen_places *pl, struct seed *sd, int64_t org)
{
	int64_t tvg[3] = {sd->town >= 0 ? pl->town_id[sd->town] : -1,
	                  sd->village >= 0 ? pl->village_id[sd->village] : -1,
	                  sd->grid >= 0 ? pl->grid_id[sd->grid] : -1};
	int64_t chain[32];
	int n = 0;
	for (int64_t x = org; x > 0 && n < 32; x = parent_of(pl, x))
		chain[n++] = x;
	if (n == 32)
		return false;
	int hit = -1; /* from the root down: the first of tvg in the chain */
	for (int i = n - 1; i >= 0 && hit < 0; i--)
		for (int j = 0; j < 3; j++)
			if (chain[i] == tvg[j])
				hit = i;
	for (int i = hit, k = 0; i >= 0; i--, k++)
		if (k > 2 || chain[i] != tvg[k])
			return false;
	for (int i = 0; i < n; i++) {
		bool have = false;
		for (int j = 0; j < sd->norgs && !have; j++)
			have = sd->orgs[j] == chain[i];
		if (!have && sd->norgs == SEED_ORGS_MAX)
			return false;
		if (!have)
			sd->orgs[sd->norgs++] = chain[i];
	}
	return true;
}

/* Whether a clone's stats are the seed's, moved: the orgs the stats read
 * (the case's, every part's, with their ancestors) keep the tree's shape. */
static bool stats_movable(const struct gen_places *pl, struct seed *sd)
{
	if (!pl->towns_siblings || !org_shape(pl, sd, sd->org))
		return false;
	for (int i = 0; i < sd->nasg; i++)
		if (!org_shape(pl, sd, sd->asg[i].org))
			return false;
	return true;
}

/* The templates of the seed's texts (owned by the caller: freed here). */
static int templates(const struct app *app, struct seed *sd, char *fields, char **ratings,
                     char **payloads)
{
	int64_t ids[SEED_ROWS_MAX];
	int rc = 0;
	for (int i = 0; i < sd->nasg; i++)
		ids[i] = sd->asg[i].id;
	/* the fields as the case row got them: without its new number */
	sd->fields = gen_tmpl_new(fields ? fields : "{}", sd->from, SUB_NO, ids, sd->nasg);
	if (!sd->fields)
		rc = -1;
	for (int i = 0; i < sd->nasg; i++) {
		/* no assignment id: a part's is only known once it is written */
		sd->asg[i].ratings = gen_tmpl_new(ratings[i], sd->from, SUB_N, NULL, 0);
		if (ratings[i] && !sd->asg[i].ratings)
			rc = -1;
		free(ratings[i]);
	}
	for (int i = 0; i < sd->nev; i++) {
		sd->ev[i].payload =
		    gen_tmpl_new(payloads[i] ? payloads[i] : "{}", sd->from, SUB_N, ids, sd->nasg);
		if (!sd->ev[i].payload)
			rc = -1;
		free(payloads[i]);
	}
	if (rc == 0 && gen_tmpl_holes(sd->fields) == 0) {
		/* every clone's notes are the seed's */
		json_t *f = json_loads(fields ? fields : "{}", 0, NULL);
		json_t *op[SEED_ROWS_MAX];
		for (int i = 0; i < sd->nasg; i++)
			op[i] = sd->asg[i].opinion_json;
		sd->notes = search_notes(types_find(app->types, sd->type), f, op, sd->nasg);
		json_decref(f);
	}
	free(fields);
	return rc;
}

int gen_seed_load(const struct gen_places *pl, const struct app *app, struct store_conn *c,
                  struct seed *sd)
{
	char *fields = NULL;
	static _Thread_local char *ratings[SEED_ROWS_MAX], *payloads[SEED_EVENTS_MAX];
	if (case_read(pl, c, sd, &fields) != 0)
		return -1;
	sd->asg = calloc(SEED_ROWS_MAX, sizeof *sd->asg);
	sd->ev = calloc(SEED_EVENTS_MAX, sizeof *sd->ev);
	sd->tm = calloc(SEED_ROWS_MAX, sizeof *sd->tm);
	sd->att = calloc(SEED_ROWS_MAX, sizeof *sd->att);
	sd->pty = calloc(SEED_ROWS_MAX, sizeof *sd->pty);
	if (!sd->asg || !sd->ev || !sd->tm || !sd->att || !sd->pty) {
		free(fields);
		return -1;
	}
	parts_read(pl, c, sd, ratings, payloads);
	rows_read(c, sd);
	/* a grid names its village, a village its township */
	if (sd->grid >= 0 && sd->village < 0)
		sd->village = pl->cty->grids[sd->grid].parent;
	if (sd->village >= 0 && sd->town < 0)
		sd->town = pl->cty->villages[sd->village].parent;
	places_strings(pl->cty, sd);
	sd->stats_moved = stats_movable(pl, sd);
	return templates(app, sd, fields, ratings, payloads);
}

void gen_seed_release(struct seed *sd)
{
	free(sd->no), free(sd->type), free(sd->class_), free(sd->channel), free(sd->status);
	free(sd->title), free(sd->desc), free(sd->location), free(sd->notes);
	free(sd->place_status);
	gen_tmpl_free(sd->fields);
	for (int i = 0; sd->asg && i < sd->nasg; i++) {
		free(sd->asg[i].kind), free(sd->asg[i].status), free(sd->asg[i].opinion);
		gen_tmpl_free(sd->asg[i].ratings);
		json_decref(sd->asg[i].opinion_json);
	}
	for (int i = 0; sd->ev && i < sd->nev; i++) {
		free(sd->ev[i].action), free(sd->ev[i].from), free(sd->ev[i].to);
		gen_tmpl_free(sd->ev[i].payload);
	}
	for (int i = 0; sd->tm && i < sd->ntm; i++)
		free(sd->tm[i].kind), free(sd->tm[i].state);
	for (int i = 0; sd->att && i < sd->natt; i++)
		free(sd->att[i].sha), free(sd->att[i].name), free(sd->att[i].ctype);
	for (int i = 0; sd->pty && i < sd->npty; i++)
		free(sd->pty[i].role), free(sd->pty[i].enc), free(sd->pty[i].idx);
	free(sd->asg), free(sd->ev), free(sd->tm), free(sd->att), free(sd->pty);
}

int64_t gen_map_org(const struct gen_places *pl, const struct seed *sd, int t, int v, int g,
                    int64_t org)
{
	if (!org)
		return 0;
	if (sd->town >= 0 && org == pl->town_id[sd->town])
		return pl->town_id[t];
	if (sd->village >= 0 && org == pl->village_id[sd->village])
		return pl->village_id[v];
	if (sd->grid >= 0 && org == pl->grid_id[sd->grid])
		return pl->grid_id[g];
	return org;
}

int64_t gen_map_user(const struct gen_places *pl, const struct seed *sd, int t, int v, int g,
                     int64_t u)
{
	const struct org_entry *x = u ? entry_find(pl->users, pl->nusers, u) : NULL;
	if (!x)
		return u;
	int64_t to = 0;
	if (x->kind == K_TOWN && x->idx == sd->town)
		to = pl->town_user[t][x->role];
	else if (x->kind == K_VILLAGE && x->idx == sd->village)
		to = pl->village_user[v];
	else if (x->kind == K_GRID && x->idx == sd->grid)
		to = pl->grid_user[g];
	return to ? to : u;
}
