/*
 * `civicloop gen`: the cases. The demo's own cases (config/demo/county.json
 * and its parts) are the templates: each generated case copies one of its
 * type — its class, channel, fields and its steps (dispatch, sign, reply,
 * review, callback, close …; mediation sessions; task reports …) — and is
 * driven through the real engine (engine_create_plain, engine_act_plain,
 * attach_add) at back-dated times, so its row, assignments, deadlines
 * (on the working-day calendar), events and their payloads, audit chain,
 * search index and every other table the engine fills are exactly what
 * live use would have written.
 *
 * Hotline and grid-event cases (85 % of them) get new text (gen_words.c),
 * reporter, location and place: the template's township, village and grid
 * become a random one of the grown county's, its accounts theirs, and a
 * quarter of the hotline's departments a generated department. Cases are
 * spread over [start, end) in id order; a step whose time would pass `end`
 * is not taken (recent cases are still open), and 7 % of the cases stop at
 * a random step (a tail open in every state, some overdue). A step the
 * engine refuses is rolled back alone and ends its case's history; they
 * are counted and reported.
 */
#include "cli/cli.h"
#include "cli/gen.h"
#include "core/app.h"
#include "core/attachments.h"
#include "core/engine.h"
#include "core/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

#define GEN_CHUNK_MAX 100000
#define MAX_SUBST 64
#define MAX_FAIL_KINDS 32
#define GEN_TYPES 12
#define CLOSED_WEIGHT 8

/* The share of each type in a real county's year (per 1,000 cases). */
static const struct {
	const char *type;
	unsigned weight;
} type_mix[] = {{"hotline", 700},  {"grid_event", 150}, {"dispute", 40}, {"suggestion", 25},
                {"reception", 20}, {"homestead", 15},   {"hazard", 15},  {"inspection", 15},
                {"whistle", 10},   {"task", 10}};

struct gen_type {
	const char *code;
	unsigned weight;
	json_t *items[128]; /* borrowed from the doc */
	int n;
	unsigned weight_of[128]; /* items[i]'s share: CLOSED_WEIGHT when it ends a loop */
	unsigned total;
	int64_t last_id; /* the latest generated case of the type (a merge's target) */
};

struct fail_kind {
	char what[48];
	int64_t n;
};

struct gen_run {
	struct app *app;
	json_t *doc;
	const struct gen_county *cty;
	struct gen_rng r;
	uint64_t seed;
	int64_t n, start, end;
	struct gen_type types[GEN_TYPES];
	int ntypes;
	unsigned total_weight;
	char photo_sha[FILESTORE_HEX];
	int64_t photo_size; /* its bytes, as the attachment rows say */
	/* the running chunk */
	int64_t from, to;
	struct err e;
	struct fail_kind fails[MAX_FAIL_KINDS];
	int nfails;
	int64_t steps, cases;
};

static const char *item_type(json_t *item)
{
	if (json_object_get(item, "inspection"))
		return "inspection";
	return json_string_value(json_object_get(json_object_get(item, "create"), "type"));
}

/* Whether the template is a whole loop: three steps or more, the last
 * able to put its case in a final state (its own `to` or a branch's), read
 * from the type. */
static bool closes_loop(const struct app *app, const char *type, json_t *item)
{
	const struct matter_type *t = types_find(app->types, type);
	json_t *steps = json_object_get(item, "steps");
	json_t *st = json_array_get(steps, json_array_size(steps) - 1);
	const char *name = json_string_value(json_object_get(st, "action"));
	const struct type_action *a = t && name ? type_action(t, name) : NULL;
	if (!a || json_array_size(steps) < 3) /* a loop has steps (not a short cut to an end) */
		return false;
	const struct type_state *to = a->to ? type_state(t, a->to) : NULL;
	if (to && to->final)
		return true;
	for (int i = 0; i < a->nbranches; i++) {
		to = a->branches[i].to ? type_state(t, a->branches[i].to) : NULL;
		if (to && to->final)
			return true;
	}
	return false;
}

struct gen_run *gen_run_new(struct app *app, json_t *doc, const struct gen_county *cty,
                            uint64_t seed, int64_t n, int64_t start, int64_t end)
{
	struct gen_run *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	*g = (struct gen_run){.app = app,
	                      .doc = doc,
	                      .cty = cty,
	                      .r = {seed ^ 0x5eed},
	                      .seed = seed,
	                      .n = n,
	                      .start = start,
	                      .end = end};
	for (size_t k = 0; k < sizeof type_mix / sizeof *type_mix; k++) {
		struct gen_type *t = &g->types[g->ntypes];
		t->code = type_mix[k].type;
		t->weight = type_mix[k].weight;
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(doc, "cases"), i, item)
		{
			const char *ty = item_type(item);
			if (ty && !strcmp(ty, t->code) && t->n < 128) {
				t->weight_of[t->n] =
				    closes_loop(app, t->code, item) ? CLOSED_WEIGHT : 1;
				t->total += t->weight_of[t->n];
				t->items[t->n++] = item;
			}
		}
		if (t->n) {
			g->total_weight += t->weight;
			g->ntypes++;
		}
	}
	if (!g->ntypes || demo_photo_store(app, g->photo_sha, &g->photo_size) != 0) {
		fprintf(stderr, "civicloop gen: 演示工单模板缺失或照片无法写入\n");
		free(g);
		return NULL;
	}
	return g;
}

void gen_run_free(struct gen_run *g)
{
	free(g);
}

static void fail_count(struct gen_run *g, const char *type, const char *what)
{
	char key[48];
	snprintf(key, sizeof key, "%s:%s", type, what ? what : "?");
	for (int i = 0; i < g->nfails; i++)
		if (!strcmp(g->fails[i].what, key)) {
			g->fails[i].n++;
			return;
		}
	if (g->nfails < MAX_FAIL_KINDS) {
		snprintf(g->fails[g->nfails].what, sizeof g->fails[0].what, "%s", key);
		g->fails[g->nfails++].n = 1;
	}
}

void gen_run_report(const struct gen_run *g)
{
	fprintf(stderr, "civicloop gen: %lld 个工单，%lld 个处理步骤\n", (long long)g->cases,
	        (long long)g->steps);
	for (int i = 0; i < g->nfails; i++)
		fprintf(stderr, "  未执行的步骤 %-32s %lld\n", g->fails[i].what,
		        (long long)g->fails[i].n);
}

/* ------------------------------------------------------------------ */
/* a template made a new case                                          */
/* ------------------------------------------------------------------ */

struct subst {
	const char *from[MAX_SUBST], *to[MAX_SUBST];
	int n;
};

static void subst_add(struct subst *s, const char *from, const char *to)
{
	if (s->n < MAX_SUBST && from && to && from[0] && to[0] && strcmp(from, to)) {
		s->from[s->n] = from;
		s->to[s->n++] = to;
	}
}

static const char *subst_of(const struct subst *s, const char *v)
{
	for (int i = 0; v && i < s->n; i++)
		if (!strcmp(s->from[i], v))
			return s->to[i];
	return NULL;
}

/* Every string in v equal to a substituted code or login becomes its new one. */
static void subst_apply(const struct subst *s, json_t *v)
{
	size_t i;
	const char *k;
	json_t *x;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			const char *to = subst_of(s, json_string_value(x));
			if (to)
				json_array_set_new(v, i, json_string(to));
			else
				subst_apply(s, x);
		}
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, x)
		{
			const char *to = subst_of(s, json_string_value(x));
			if (to)
				json_object_set_new(v, k, json_string(to));
			else
				subst_apply(s, x);
		}
	}
}

/* The first department the template dispatches to, or NULL. */
static const struct gen_org *first_dept(const struct gen_county *cty, json_t *item)
{
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(item, "steps"), i, st)
	{
		json_t *body = json_object_get(st, "body");
		json_t *org = json_object_get(body, "org");
		if (!org)
			org = json_object_get(body, "lead");
		const struct gen_org *o = gen_county_find(cty, json_string_value(org) ?: "");
		if (o && o->town < 0)
			return o;
	}
	return NULL;
}

/* A hotline or grid event case moved to a random place of the grown
 * county, with new text, reporter and location. */
static void case_place(struct gen_run *g, json_t *c, bool grid, int64_t idx)
{
	const struct gen_county *cty = g->cty;
	struct subst s = {0};
	int t = (int)gen_below(&g->r, (uint32_t)cty->ntowns);
	int v = cty->first_village[t] + (int)gen_below(&g->r, (uint32_t)cty->nvillage_of[t]);
	int gi = cty->first_grid[v] + (int)gen_below(&g->r, (uint32_t)cty->ngrid_of[v]);
	const struct gen_org *T = &cty->towns[t], *V = &cty->villages[v], *G = &cty->grids[gi];
	for (int i = 0; i < cty->ntowns; i++)
		if (cty->towns[i].demo) {
			subst_add(&s, cty->towns[i].code, T->code);
			subst_add(&s, cty->towns[i].handler, T->handler);
			subst_add(&s, cty->towns[i].lead, T->lead);
		}
	for (int i = 0; i < cty->nvillages; i++)
		if (cty->villages[i].demo) {
			subst_add(&s, cty->villages[i].code, V->code);
			subst_add(&s, cty->villages[i].handler, V->handler);
		}
	for (int i = 0; i < cty->ngrids; i++)
		if (cty->grids[i].demo) {
			subst_add(&s, cty->grids[i].code, G->code);
			subst_add(&s, cty->grids[i].handler, G->handler);
		}
	const struct gen_org *d = grid ? NULL : first_dept(cty, c);
	if (d && cty->ndepts > cty->ndemo_depts && gen_below(&g->r, 4) == 0) {
		const struct gen_org *x =
		    &cty->depts[cty->ndemo_depts +
		                (int)gen_below(&g->r, (uint32_t)(cty->ndepts - cty->ndemo_depts))];
		struct subst s2 = {0};
		subst_add(&s2, d->code, x->code);
		subst_add(&s2, d->handler, x->handler);
		subst_apply(&s2, c);
	}
	subst_apply(&s, c);
	json_t *create = json_object_get(c, "create");
	char vshort[GEN_NAME_MAX], title[256], desc[1024], name[32], phone[16], addr[512];
	snprintf(vshort, sizeof vshort, "%s", V->name);
	char *cut = strstr(vshort, "民委员会");
	if (cut && cut - vshort >= 3)
		cut[-3] = '\0';
	gen_case_text(&g->r, grid, T->name, vshort, title, sizeof title, desc, sizeof desc);
	json_object_set_new(create, "title", json_string(title));
	json_object_set_new(create, "description", json_string(desc));
	double lat = (grid ? G->lat : V->lat) + (gen_unit(&g->r) - 0.5) * 0.002;
	double lng = (grid ? G->lng : V->lng) + (gen_unit(&g->r) - 0.5) * 0.002;
	snprintf(addr, sizeof addr, "濂江县%s%s%u号", T->name, vshort, 1 + gen_below(&g->r, 300));
	json_object_set_new(create, "location",
	                    json_pack("{s:f,s:f,s:s}", "lat", (double)(int64_t)(lat * 1e5) / 1e5,
	                              "lng", (double)(int64_t)(lng * 1e5) / 1e5, "address", addr));
	if (json_object_get(create, "reporter")) {
		gen_person(&g->r, name, sizeof name, phone, sizeof phone);
		json_object_set_new(create, "reporter",
		                    json_pack("{s:s,s:s,s:b}", "name", name, "phone", phone,
		                              "confidential", gen_below(&g->r, 20) == 0));
	}
	(void)idx;
}

/* The body of a step: "@now" is the step's own time; "into" (a merge) the
 * type's previous case. */
static json_t *step_body(json_t *st, int64_t t, int64_t merge_into)
{
	json_t *body = json_deep_copy(json_object_get(st, "body"));
	if (!body)
		body = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v)
	{
		char at[ISO8601_MAX];
		if (json_is_string(v) && !strcmp(json_string_value(v), "@now") &&
		    time_format_iso(t, at, sizeof at) > 0)
			json_object_set_new(body, key, json_string(at));
	}
	if (json_object_get(body, "into"))
		json_object_set_new(body, "into", json_integer(merge_into));
	return body;
}

/* After an engine call: 0 kept; 1 refused, the database unchanged (the
 * engine checks before it writes, so a refusal appends no event); -1 a
 * refusal after the chain moved (a store failure midway): the chunk is
 * rolled back whole by the writer. Savepoints per step would make the
 * same promise for any failure but cost a third of the run (measured).
 */
static int step_outcome(struct wctx *w, const struct chain_head *before, int rc)
{
	if (rc == 0)
		return 0;
	return w->head->seq == before->seq ? 1 : -1;
}

static int one_step(struct gen_run *g, struct wctx *w, json_t *st, int64_t id, int64_t t,
                    struct gen_type *ty)
{
	struct actor a;
	struct err *e = &g->e;
	const char *as = json_string_value(json_object_get(st, "as"));
	const char *action = json_string_value(json_object_get(st, "action"));
	const char *attach = json_string_value(json_object_get(st, "attach"));
	if (!action && !attach)
		return 0; /* a tick: the scheduler's, not replayed */
	struct chain_head before = *w->head;
	w->now = t;
	int rc;
	if (demo_actor_load(w, as, &a, e) != 0) {
		rc = -1;
	} else if (attach) {
		struct attach_new n = {.case_id = id,
		                       .kind = attach_kind_of("image/png"),
		                       .name = attach,
		                       .size = g->photo_size};
		memcpy(n.sha256, g->photo_sha, sizeof n.sha256);
		json_t *out = NULL;
		rc = attach_add(w, &a, &n, &out, e);
		json_decref(out);
	} else {
		json_t *body = step_body(st, t, ty->last_id);
		rc = engine_act_plain(w, &a, id, action, body, e);
		json_decref(body);
	}
	int kept = step_outcome(w, &before, rc);
	if (kept == 1)
		fail_count(g, ty->code, action ? action : "attach");
	else if (kept == 0)
		g->steps++;
	return kept;
}

static struct gen_type *pick_type(struct gen_run *g)
{
	unsigned x = gen_below(&g->r, g->total_weight);
	for (int i = 0; i < g->ntypes; i++) {
		if (x < g->types[i].weight)
			return &g->types[i];
		x -= g->types[i].weight;
	}
	return &g->types[0];
}

/* A template of ty, a closed loop's eight times as often as one that stops
 * early (most real cases are closed; the demo shows every state once). */
static int pick_item(struct gen_run *g, const struct gen_type *ty)
{
	unsigned x = gen_below(&g->r, ty->total);
	for (int i = 0; i < ty->n; i++) {
		if (x < ty->weight_of[i])
			return i;
		x -= ty->weight_of[i];
	}
	return 0;
}

/* Case number idx: created at its time, then its template's steps. 0 made,
 * 1 its create refused (nothing written), -1 failed. */
static int one_case(struct gen_run *g, struct wctx *w, int64_t idx, bool plain)
{
	struct gen_type *ty = plain ? &g->types[0] : pick_type(g);
	json_t *item = json_deep_copy(ty->items[pick_item(g, ty)]);
	if (!item)
		return -1;
	int64_t span = g->end - g->start;
	int64_t t = g->start + (int64_t)((double)span * (double)idx / (double)g->n);
	/* office hours mostly: a case's minute of the day is drawn, its day kept */
	int64_t day0 = time_day_start(time_day_of(t));
	int64_t hour = 7 + (int64_t)gen_below(&g->r, 14);
	t = day0 + hour * MS_PER_HOUR + (int64_t)gen_below(&g->r, 60) * MS_PER_MINUTE;
	if (t >= g->end - MS_PER_HOUR)
		t = g->end - MS_PER_HOUR - (int64_t)gen_below(&g->r, 3600) * 1000;
	demo_days(item, time_day_of(t));
	bool grid = !strcmp(ty->code, "grid_event");
	if (grid || !strcmp(ty->code, "hotline"))
		case_place(g, item, grid, idx);
	int rc = -1;
	int64_t id = 0;
	struct actor a;
	struct chain_head before = *w->head;
	w->now = t;
	json_t *spec = json_object_get(item, "inspection");
	int made;
	if (spec) {
		long long lid = 0;
		made = demo_inspection_generate(w, spec, &lid, &g->e);
		id = lid;
	} else {
		char ext[48];
		const char *ext_ref = NULL;
		if (json_object_get(item, "ext_ref")) {
			snprintf(ext, sizeof ext, "GEN-%llu-%lld", (unsigned long long)g->seed,
			         (long long)idx);
			ext_ref = ext;
		}
		made = demo_actor_load(w, json_string_value(json_object_get(item, "as")), &a,
		                       &g->e) == 0
		           ? engine_create_plain(w, &a, json_object_get(item, "create"), ext_ref,
		                                 &id, &g->e)
		           : -1;
	}
	int kept = step_outcome(w, &before, made);
	if (kept < 0)
		goto out;
	rc = 0;
	if (kept == 1 || id <= 0) {
		fail_count(g, ty->code, "create");
		rc = 1; /* the caller draws another */
		goto out;
	}
	g->cases++;
	json_t *steps = json_object_get(item, "steps");
	size_t nsteps = json_array_size(steps);
	size_t stop =
	    gen_below(&g->r, 100) < 7 && nsteps ? gen_below(&g->r, (uint32_t)nsteps) : nsteps;
	for (size_t k = 0; k < stop; k++) {
		json_t *st = json_array_get(steps, k);
		json_t *after = json_object_get(st, "after_hours");
		double h = after ? json_number_value(after) : 1.0;
		t += (int64_t)(h * (0.6 + 0.8 * gen_unit(&g->r)) * (double)MS_PER_HOUR) +
		     MS_PER_MINUTE;
		if (t > g->end - MS_PER_MINUTE)
			break;
		int s = one_step(g, w, st, id, t, ty);
		if (s < 0) {
			rc = -1;
			goto out;
		}
		if (s == 1)
			break;
	}
	ty->last_id = id;
out:
	json_decref(item);
	return rc;
}

static int chunk_job(struct wctx *w, struct write_job *job)
{
	struct gen_run *g = job->arg;
	int64_t now = w->now;
	int rc = 0;
	for (int64_t i = g->from; i < g->to && rc == 0; i++) {
		/* a template that cannot be made now (an inspection whose period
		 * already has one) gives way to another draw */
		for (int tries = 0; (rc = one_case(g, w, i, tries == 4)) == 1 && tries < 4; tries++)
			;
		if (rc == 1)
			rc = 0;
	}
	w->now = now;
	if (rc != 0 && g->e.kind == E_OK)
		err_set(&g->e, E_UNAVAILABLE, NULL, "数据库写入失败");
	return rc;
}

int gen_run_chunk(struct gen_run *g, int64_t from, int64_t to)
{
	g->from = from;
	g->to = to < from + GEN_CHUNK_MAX ? to : from + GEN_CHUNK_MAX;
	if (writer_run(g->app->writer, chunk_job, g) != 0) {
		fprintf(stderr, "civicloop gen: 第 %lld–%lld 个工单写入失败: %s\n",
		        (long long)from + 1, (long long)to, err_message(&g->e));
		return -1;
	}
	return 0;
}
