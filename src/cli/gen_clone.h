/*
 * What gen_seed.c (the seeds, read once and made into templates) and
 * gen_clone.c (the clones written from them) share; docs/gen.md "The bulk
 * path". Nothing outside src/cli/gen_seed.c and gen_clone.c includes it.
 */
#ifndef CIVICLOOP_CLI_GEN_CLONE_H
#define CIVICLOOP_CLI_GEN_CLONE_H

#include "cli/gen.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

#define SEED_EVENTS_MAX 256
#define SEED_ROWS_MAX 64
#define SEED_ORGS_MAX 64 /* the orgs a seed names, with their ancestors */
#define ORG_ENTRIES (GEN_TOWNS + GEN_VILLAGES + GEN_GRIDS)

/* The strings of a seed's places a clone replaces (gen_tmpl's from/to):
 * its township's code, name, handler and leader, its village's code, name
 * and handler, its grid's, and its case number (not in the fields). */
enum sub {
	SUB_TOWN_CODE,
	SUB_TOWN_NAME,
	SUB_TOWN_HANDLER,
	SUB_TOWN_LEAD,
	SUB_VILLAGE_CODE,
	SUB_VILLAGE_NAME,
	SUB_VILLAGE_HANDLER,
	SUB_GRID_CODE,
	SUB_GRID_NAME,
	SUB_GRID_HANDLER,
	SUB_NO,
	SUB_N
};

enum org_kind { K_TOWN, K_VILLAGE, K_GRID };

/* An org (or an account) of the grown county: what it is in cty. */
struct org_entry {
	int64_t id;
	int kind, idx;
	int role; /* accounts: 0 handler, 1 lead */
};

struct seed_asg {
	int64_t id, org, at[6]; /* dispatched, sign_due, due, signed, done, updated (0: NULL) */
	char *kind, *status, *opinion;
	struct gen_tmpl *ratings; /* NULL: none */
	json_t *opinion_json;     /* for the search notes: null when none */
};
struct seed_event {
	int64_t at, actor, org;
	char *action, *from, *to;
	struct gen_tmpl *payload;
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
	char *no, *type, *class_, *channel, *status, *title, *desc, *location;
	struct gen_tmpl *fields;
	char *notes; /* the search notes when the fields have no holes, else NULL */
	char *place_status;
	int64_t org, created_by, place_org, version, confidential;
	int64_t at[5];   /* received, due, closed, created, updated (0: NULL) */
	int64_t pending; /* its running timers' first warning or deadline (0: none) */
	bool has_reporter;
	int town, village, grid;     /* its place in cty, -1 when none */
	const char *from[SUB_N];     /* its places' strings (NULL: none) */
	int64_t orgs[SEED_ORGS_MAX]; /* the orgs it names, with their ancestors */
	int norgs;
	bool stats_moved; /* a clone's stats are its own, moved (stats_copy_add) */
	struct seed_asg *asg;
	struct seed_event *ev;
	struct seed_timer *tm;
	struct seed_attach *att;
	struct seed_party *pty;
	int nasg, nev, ntm, natt, npty;
};

/* The county's orgs and accounts as the clones swap them. */
struct gen_places {
	const struct gen_county *cty;
	struct org_entry orgs[ORG_ENTRIES], users[2 * ORG_ENTRIES];
	int norgs, nusers;
	int64_t town_id[GEN_TOWNS], village_id[GEN_VILLAGES], grid_id[GEN_GRIDS];
	int64_t town_user[GEN_TOWNS][2], village_user[GEN_VILLAGES], grid_user[GEN_GRIDS];
	int64_t *parent; /* parent[id]: the org tree (0: the root or no such org) */
	int64_t nparent;
	bool towns_siblings; /* every township has the same parent */
};

/* gen_seed.c: the places (0, or -1 with a message in err), the seeds
 * received in order (0 or -1), and one seed read whole, its templates
 * made (0 or -1). */
int gen_places_load(struct gen_places *pl, struct store_conn *c, char *err, size_t errcap);
void gen_places_release(struct gen_places *pl);
int gen_seeds_list(struct store_conn *c, struct seed **out, int *n);
int gen_seed_load(const struct gen_places *pl, const struct app *app, struct store_conn *c,
                  struct seed *sd);
void gen_seed_release(struct seed *sd);
/* The org an org of sd's becomes in a clone at township t, village v, grid g. */
int64_t gen_map_org(const struct gen_places *pl, const struct seed *sd, int t, int v, int g,
                    int64_t org);
int64_t gen_map_user(const struct gen_places *pl, const struct seed *sd, int t, int v, int g,
                     int64_t user);

#endif
