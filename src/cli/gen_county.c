/*
 * `civicloop gen`: the demo county (written first, demo.c) grown to a real
 * county's size — 20 townships, 300 villages and 社区, 2,000 grids, 40
 * departments — with an account for each org that the generated cases
 * need to act for it (all with the demo password). Generated townships get
 * a hexagonal boundary on a lattice inside the county, clear of the demo's
 * two; villages and grids get a point inside their township, no boundary.
 * Everything is written in one writer job, through org_add, user_add and
 * org_set_boundary like the demo's own orgs.
 */
#include "cli/gen.h"
#include "core/app.h"
#include "core/auth.h"
#include "core/directory.h"
#include "core/writer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

#define DEMO_PASSWORD "Demo#2024"
#define HEX_RADIUS 0.016 /* degrees: a generated township's boundary */

struct grow {
	json_t *doc;
	struct gen_rng *r;
	struct gen_county *cty;
	char hash[crypto_pwhash_STRBYTES];
	struct err e;
};

const struct gen_org *gen_county_find(const struct gen_county *cty, const char *code)
{
	for (int i = 0; i < cty->ntowns; i++)
		if (!strcmp(cty->towns[i].code, code))
			return &cty->towns[i];
	for (int i = 0; i < cty->ndepts; i++)
		if (!strcmp(cty->depts[i].code, code))
			return &cty->depts[i];
	for (int i = 0; i < cty->nvillages; i++)
		if (!strcmp(cty->villages[i].code, code))
			return &cty->villages[i];
	for (int i = 0; i < cty->ngrids; i++)
		if (!strcmp(cty->grids[i].code, code))
			return &cty->grids[i];
	return NULL;
}

/* The demo account holding `role` scoped to `code`, into out ("" if none). */
static void demo_account(json_t *doc, const char *code, const char *role, char *out, size_t cap)
{
	size_t i, k;
	json_t *u, *g;
	out[0] = '\0';
	json_array_foreach(json_object_get(doc, "users"), i, u)
	{
		json_array_foreach(json_object_get(u, "roles"), k, g)
		{
			const char *sc = json_string_value(json_object_get(g, "scope"));
			const char *ro = json_string_value(json_object_get(g, "role"));
			if (!out[0] && sc && ro && !strcmp(sc, code) && !strcmp(ro, role))
				snprintf(out, cap, "%s",
				         json_string_value(json_object_get(u, "login")));
		}
	}
}

static void org_set(struct gen_org *o, const char *code, const char *name, int town, int parent,
                    double lng, double lat)
{
	o->demo = false;
	snprintf(o->code, sizeof o->code, "%s", code);
	snprintf(o->name, sizeof o->name, "%s", name);
	o->town = town;
	o->parent = parent;
	o->lng = lng;
	o->lat = lat;
}

/* The demo's own orgs of `kind` under `parent` (NULL: any), in file order. */
static int demo_orgs_of(json_t *doc, const char *kind, const char *parent, json_t **out, int cap)
{
	size_t i;
	json_t *o;
	int n = 0;
	json_array_foreach(json_object_get(doc, "orgs"), i, o)
	{
		const char *k = json_string_value(json_object_get(o, "kind"));
		const char *p = json_string_value(json_object_get(o, "parent"));
		if (n < cap && k && !strcmp(k, kind) && (!parent || (p && !strcmp(p, parent))))
			out[n++] = o;
	}
	return n;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool demo_has_org(json_t *doc, const char *code)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(doc, "orgs"), i, o)
	{
		if (!strcmp(jstr(o, "code"), code))
			return true;
	}
	return false;
}

/* Lays out the county in memory: which orgs exist (demo's first), their
 * points and accounts. 0, or -1 if the demo county is not the expected one. */
/* An org's generated handler login, PREFIX + its code, where the demo has
 * none (through a copy: gcc's -Wrestrict takes two fields of one struct
 * for overlapping objects). */
static void login_default(struct gen_org *o, const char *prefix)
{
	if (o->handler[0])
		return;
	char login[GEN_LOGIN_MAX];
	snprintf(login, sizeof login, "%s%s", prefix, o->code);
	memcpy(o->handler, login, sizeof login);
}

static int county_plan(struct grow *gw)
{
	struct gen_county *c = gw->cty;
	json_t *demo[64];
	int nd = demo_orgs_of(gw->doc, "department", "county", demo, 64);
	for (int i = 0; i < nd && c->ndepts < GEN_DEPTS; i++) {
		org_set(&c->depts[c->ndepts], jstr(demo[i], "code"), jstr(demo[i], "name"), -1, -1,
		        0, 0);
		c->depts[c->ndepts++].demo = true;
	}
	c->ndemo_depts = c->ndepts;
	const char *code;
	const char *name;
	for (int i = 0; c->ndepts < GEN_DEPTS && (name = gen_dept_name(i, &code)); i++)
		org_set(&c->depts[c->ndepts++], code, name, -1, -1, 0, 0);
	/* townships: the demo's (under "county"), then a lattice of new ones */
	int nt = demo_orgs_of(gw->doc, "township", "county", demo, 64);
	static const double seat[2][2] = {{114.871, 25.782}, {114.967, 25.704}};
	for (int i = 0; i < nt && i < 2; i++) {
		org_set(&c->towns[c->ntowns], jstr(demo[i], "code"), jstr(demo[i], "name"), i, -1,
		        seat[i][0], seat[i][1]);
		c->towns[c->ntowns++].demo = true;
	}
	for (int j = 0; j < 6 && c->ntowns < GEN_TOWNS; j++)
		for (int i = 0; i < 7 && c->ntowns < GEN_TOWNS; i++) {
			double lng = 114.81 + i * 0.036, lat = 25.655 + j * 0.036;
			double el = pow((lng - 114.92) / 0.125, 2) + pow((lat - 25.745) / 0.105, 2);
			if (el >= 0.85 || hypot(lng - seat[0][0], lat - seat[0][1]) <= 0.045 ||
			    hypot(lng - seat[1][0], lat - seat[1][1]) <= 0.045)
				continue;
			char tc[GEN_CODE_MAX];
			snprintf(tc, sizeof tc, "town.%c", 'a' + c->ntowns);
			org_set(&c->towns[c->ntowns], tc, gen_town_name(c->ntowns - 2), c->ntowns,
			        -1, lng, lat);
			c->ntowns++;
		}
	if (c->ntowns != GEN_TOWNS)
		return -1;
	/* villages: 15 a township (the demo's first), then grids: 2,000 in all */
	for (int t = 0; t < c->ntowns; t++) {
		struct gen_org *to = &c->towns[t];
		int nv = demo_orgs_of(gw->doc, "village", to->code, demo, 64);
		c->first_village[t] = c->nvillages;
		for (int v = 0; v < 15; v++) {
			struct gen_org *vo = &c->villages[c->nvillages];
			double lng = to->lng + (gen_unit(gw->r) - 0.5) * 0.02;
			double lat = to->lat + (gen_unit(gw->r) - 0.5) * 0.02;
			if (v < nv) {
				org_set(vo, jstr(demo[v], "code"), jstr(demo[v], "name"), t, t, lng,
				        lat);
				vo->demo = true;
			} else {
				char vc[GEN_CODE_MAX], vn[64], full[GEN_NAME_MAX];
				snprintf(vc, sizeof vc, "village.%c%d", 'a' + t, v + 1);
				gen_village_name(gw->r, t * 15 + v, vn, sizeof vn);
				snprintf(full, sizeof full, "%s%s", vn,
				         strstr(vn, "社区") ? "居民委员会" : "村民委员会");
				org_set(vo, vc, full, t, t, lng, lat);
			}
			c->nvillages++;
		}
		c->nvillage_of[t] = 15;
	}
	int gridno[GEN_TOWNS] = {0};
	for (int v = 0; v < c->nvillages; v++) {
		struct gen_org *vo = &c->villages[v];
		int want = (v + 1) * GEN_GRIDS / GEN_VILLAGES - v * GEN_GRIDS / GEN_VILLAGES;
		int ng = demo_orgs_of(gw->doc, "grid", vo->code, demo, 64);
		c->first_grid[v] = c->ngrids;
		for (int g = 0; g < want || g < ng; g++) {
			if (c->ngrids == GEN_GRIDS)
				break;
			struct gen_org *go = &c->grids[c->ngrids];
			double lng = vo->lng + (gen_unit(gw->r) - 0.5) * 0.004;
			double lat = vo->lat + (gen_unit(gw->r) - 0.5) * 0.004;
			if (g < ng) {
				org_set(go, jstr(demo[g], "code"), jstr(demo[g], "name"), vo->town,
				        v, lng, lat);
				go->demo = true;
			} else {
				char gc[GEN_CODE_MAX], gn[GEN_NAME_MAX], vshort[GEN_NAME_MAX - 32];
				size_t vn = utf8_cut(vo->name, strlen(vo->name), sizeof vshort - 1);
				memcpy(vshort, vo->name, vn);
				vshort[vn] = '\0';
				char *cut = strstr(vshort, "居民委员会");
				if (!cut)
					cut = strstr(vshort, "村民委员会");
				if (cut)
					*cut = '\0';
				do
					snprintf(gc, sizeof gc, "grid.%c%d", 'a' + vo->town,
					         ++gridno[vo->town]);
				while (gen_county_find(c, gc) || demo_has_org(gw->doc, gc));
				snprintf(gn, sizeof gn, "%s第%d网格", vshort, g + 1);
				org_set(go, gc, gn, vo->town, v, lng, lat);
			}
			c->ngrids++;
		}
		c->ngrid_of[v] = c->ngrids - c->first_grid[v];
	}
	/* the accounts: the demo's where it has one, else a generated one */
	for (int i = 0; i < c->ndepts; i++) {
		demo_account(gw->doc, c->depts[i].code, "handler", c->depts[i].handler,
		             GEN_LOGIN_MAX);
		login_default(&c->depts[i], "h.");
	}
	for (int i = 0; i < c->ntowns; i++) {
		struct gen_org *o = &c->towns[i];
		demo_account(gw->doc, o->code, "handler", o->handler, GEN_LOGIN_MAX);
		demo_account(gw->doc, o->code, "leader", o->lead, GEN_LOGIN_MAX);
		if (!o->handler[0])
			snprintf(o->handler, GEN_LOGIN_MAX, "town%d", i + 1);
		if (!o->lead[0])
			snprintf(o->lead, GEN_LOGIN_MAX, "townlead%d", i + 1);
	}
	for (int i = 0; i < c->nvillages; i++) {
		demo_account(gw->doc, c->villages[i].code, "handler", c->villages[i].handler,
		             GEN_LOGIN_MAX);
		login_default(&c->villages[i], "h.");
	}
	for (int i = 0; i < c->ngrids; i++) {
		demo_account(gw->doc, c->grids[i].code, "grid_worker", c->grids[i].handler,
		             GEN_LOGIN_MAX);
		login_default(&c->grids[i], "w.");
	}
	return 0;
}

static bool demo_has_user(json_t *doc, const char *login)
{
	size_t i;
	json_t *u;
	json_array_foreach(json_object_get(doc, "users"), i, u)
	{
		if (!strcmp(jstr(u, "login"), login))
			return true;
	}
	return false;
}

/* A hexagon around (lng, lat): a generated township's boundary. */
static json_t *hexagon(double lng, double lat)
{
	json_t *ring = json_array();
	for (int k = 0; k <= 6; k++) {
		double a = (k % 6) * M_PI / 3.0;
		double x = round((lng + HEX_RADIUS * cos(a)) * 1e5) / 1e5;
		double y = round((lat + HEX_RADIUS * sin(a)) * 1e5) / 1e5;
		json_array_append_new(ring, json_pack("[f,f]", x, y));
	}
	return json_pack("{s:s,s:[o]}", "type", "Polygon", "coordinates", ring);
}

/* Adds org o (unless the demo has it) under parent, and its account. */
static int org_write(struct wctx *w, struct grow *gw, const struct gen_org *o, const char *kind,
                     const char *parent, const char *region, const char *role, int64_t *id)
{
	struct err *e = &gw->e;
	*id = 0;
	if (!demo_has_org(gw->doc, o->code) &&
	    (*id = org_add(w, o->code, o->name, kind, parent, region, e)) < 0)
		return -1;
	if (!o->handler[0] || demo_has_user(gw->doc, o->handler))
		return 0;
	struct role_spec rs = {.role = role, .scope_code = o->code};
	char name[GEN_NAME_MAX];
	snprintf(name, sizeof name, "%s", !strcmp(role, "grid_worker") ? "网格员" : "承办人");
	return user_add(w, o->handler, name, o->code, gw->hash, NULL, &rs, 1, e) < 0 ? -1 : 0;
}

/* The first 9 digits of township t's region code (the demo's two are 1xx, 2xx). */
static int town_prefix(int t)
{
	return t < 2 ? 100 * (t + 1) : 300 + t;
}

static int grow_job(struct wctx *w, struct write_job *job)
{
	struct grow *gw = job->arg;
	struct gen_county *c = gw->cty;
	int64_t id;
	for (int i = 0; i < c->ndepts; i++)
		if (org_write(w, gw, &c->depts[i], "department", "county", NULL, "handler", &id) !=
		    0)
			return -1;
	for (int i = 0; i < c->ntowns; i++) {
		const struct gen_org *o = &c->towns[i];
		char region[32];
		snprintf(region, sizeof region, "360727%03d000", town_prefix(i));
		if (org_write(w, gw, o, "township", "county", region, "handler", &id) != 0)
			return -1;
		if (id > 0) {
			json_t *b = hexagon(o->lng, o->lat);
			int rc = b ? org_set_boundary(w, id, b, &gw->e) : -1;
			json_decref(b);
			if (rc != 0)
				return -1;
		}
		if (!demo_has_user(gw->doc, o->lead)) {
			struct role_spec rs = {.role = "leader", .scope_code = o->code};
			if (user_add(w, o->lead, "乡镇领导", o->code, gw->hash, NULL, &rs, 1,
			             &gw->e) < 0)
				return -1;
		}
	}
	for (int i = 0; i < c->nvillages; i++) {
		const struct gen_org *o = &c->villages[i];
		char region[32];
		snprintf(region, sizeof region, "360727%03d%03d", town_prefix(o->town),
		         201 + i % 15);
		if (org_write(w, gw, o, "village", c->towns[o->town].code, region, "handler",
		              &id) != 0)
			return -1;
	}
	for (int i = 0; i < c->ngrids; i++) {
		const struct gen_org *o = &c->grids[i];
		if (org_write(w, gw, o, "grid", c->villages[o->parent].code, NULL, "grid_worker",
		              &id) != 0)
			return -1;
	}
	return 0;
}

int gen_county_grow(struct app *app, json_t *doc, struct gen_rng *r, struct gen_county *cty)
{
	struct grow gw = {.doc = doc, .r = r, .cty = cty};
	memset(cty, 0, sizeof *cty);
	if (county_plan(&gw) != 0) {
		fprintf(stderr, "civicloop gen: 演示县的组织与预期不符，无法扩展\n");
		return -1;
	}
	if (password_hash(DEMO_PASSWORD, gw.hash) != 0 ||
	    writer_run(app->writer, grow_job, &gw) != 0) {
		fprintf(stderr, "civicloop gen: 组织和账号扩展失败: %s\n", err_message(&gw.e));
		return -1;
	}
	return 0;
}
