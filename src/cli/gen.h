/*
 * `civicloop gen`: what its files share (gen.c the command, gen_county.c
 * the county grown to a real one's size, gen_cases.c the cases replayed
 * through the engine, gen_words.c the random source and the texts).
 * Nothing outside src/cli/gen*.c includes it.
 */
#ifndef CIVICLOOP_CLI_GEN_H
#define CIVICLOOP_CLI_GEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct wctx;
struct err;

#define GEN_TOWNS 20
#define GEN_VILLAGES 300
#define GEN_GRIDS 2000
#define GEN_DEPTS 40
#define GEN_CODE_MAX 32
#define GEN_LOGIN_MAX 48
#define GEN_NAME_MAX 96

/* A deterministic random source (splitmix64): the same seed, the same
 * county and cases. */
struct gen_rng {
	uint64_t s;
};
uint64_t gen_next(struct gen_rng *r);
/* A number in [0, n); n > 0. */
uint32_t gen_below(struct gen_rng *r, uint32_t n);
/* A number in [0, 1). */
double gen_unit(struct gen_rng *r);

/* One org of the grown county, with the account that acts for it in the
 * generated cases ("" when it has none). */
struct gen_org {
	char code[GEN_CODE_MAX];
	char name[GEN_NAME_MAX];
	char handler[GEN_LOGIN_MAX]; /* handler (grid_worker for a grid) */
	char lead[GEN_LOGIN_MAX];    /* a township's leader, else "" */
	int town;                    /* index in towns of its township, -1 for a department */
	int parent;                  /* index of its village (grid) or township (village) */
	double lat, lng;             /* a point inside it, for the cases' locations */
	bool demo;                   /* one of the demo county's own orgs */
};

struct gen_county {
	struct gen_org towns[GEN_TOWNS];
	struct gen_org villages[GEN_VILLAGES];
	struct gen_org grids[GEN_GRIDS];
	struct gen_org depts[GEN_DEPTS];
	int ntowns, nvillages, ngrids, ndepts;
	int ndemo_depts; /* depts[0..ndemo_depts) are the demo's own */
	int first_grid[GEN_VILLAGES], ngrid_of[GEN_VILLAGES];
	int first_village[GEN_TOWNS], nvillage_of[GEN_TOWNS];
};

/* gen_county.c: grows the demo county (doc, already written) to 20
 * townships, 300 villages, 2,000 grids and 40 departments with an account
 * for each, in one writer job; fills *cty. 0, or -1 after a message. */
int gen_county_grow(struct app *app, json_t *doc, struct gen_rng *r, struct gen_county *cty);
/* The org of cty with this code, or NULL. */
const struct gen_org *gen_county_find(const struct gen_county *cty, const char *code);

/* gen_words.c: texts from word lists. Each writes a NUL-terminated string
 * of at most cap bytes. */
void gen_village_name(struct gen_rng *r, int idx, char *out, size_t cap);
void gen_road_name(struct gen_rng *r, char *out, size_t cap);
/* A hotline or grid event's title and description about a place. */
void gen_case_text(struct gen_rng *r, bool grid, const char *town, const char *village, char *title,
                   size_t tcap, char *desc, size_t dcap);
void gen_person(struct gen_rng *r, char *name, size_t ncap, char *phone, size_t pcap);
/* The i-th generated township's and department's names (NULL past the list). */
const char *gen_town_name(int i);
const char *gen_dept_name(int i, const char **code);

/* gen_cases.c: the replay of the demo's cases as templates. */
struct gen_run;
struct gen_run *gen_run_new(struct app *app, json_t *doc, const struct gen_county *cty,
                            uint64_t seed, int64_t n, int64_t start, int64_t end);
/* Generates cases [from, to) in one writer job. 0, or -1 after a message. */
int gen_run_chunk(struct gen_run *g, int64_t from, int64_t to);
/* Steps that the engine refused (the case stays where it was): printed. */
void gen_run_report(const struct gen_run *g);
void gen_run_free(struct gen_run *g);

/* gen_tmpl.c: a seed's JSON text (a payload, fields, ratings) with the
 * places a clone changes marked, filled for each clone: a string equal to
 * from[i] becomes to[i], an ISO time or a date moves by delta, an
 * assignment id asg[i] becomes asg_to[i] (the keys "assignment",
 * "cancelled_assignments" and "assignments"[].id). */
struct buf;
struct gen_tmpl;
struct gen_fill {
	const char *const *to;
	int64_t delta;
	const int64_t *asg_to;
};
/* NULL for a NULL json, or out of memory (the caller tells them apart). */
struct gen_tmpl *gen_tmpl_new(const char *json, const char *const *from, int nfrom,
                              const int64_t *asg, int nasg);
void gen_tmpl_free(struct gen_tmpl *t);
/* The number of places a clone changes (0: every clone's text is the same). */
int gen_tmpl_holes(const struct gen_tmpl *t);
/* The clone's text, in b (emptied first; b's own cap): NULL for a NULL
 * template, or past b's cap. */
const char *gen_tmpl_fill(const struct gen_tmpl *t, const struct gen_fill *f, struct buf *b);

/* gen_side.c: the clones' search rows and points, indexed by a thread in
 * a database beside FILE (gen_side_path) and copied into FILE's indexes
 * at the end. gen_side_search queues a search row (s: no, title, body,
 * address, notes; NULL for NULL), gen_side_point a point (v: its ranges
 * of latitude, longitude and received time in hours), each waiting while the queue is full: 0, or
 * -1 when the thread failed; gen_side_cut ends the side index's segment after the rows queued
 * so far (the thread commits there). gen_side_close says no more rows come: the thread writes those
 * queued and merges the search index into one segment while the caller goes on. gen_side_finish
 * (which closes too) waits for the thread to end (0, or -1 with err); gen_side_merge then replaces
 * FILE's two indexes with the side's, on c outside a transaction (0 or -1); gen_side_free removes
 * the side file. */
struct gen_side;
struct store_conn;
void gen_side_path(const char *db, char *out, size_t cap);
struct gen_side *gen_side_start(const char *db, char *err, size_t errcap);
int gen_side_search(struct gen_side *f, int64_t id, const char *const s[5]);
int gen_side_point(struct gen_side *f, int64_t id, const double v[6]);
int gen_side_cut(struct gen_side *f);
void gen_side_close(struct gen_side *f);
int gen_side_finish(struct gen_side *f, char *err, size_t errcap);
int gen_side_merge(struct gen_side *f, struct store_conn *c);
/* The thread's CPU time, ms, once gen_side_finish returned. */
int64_t gen_side_cpu_ms(const struct gen_side *f);
void gen_side_free(struct gen_side *f);

/* gen_clone.c: the bulk path, clones of the seed cases already made (the
 * pool). m clones spread over [start, end); recount: every clone's stats
 * counted from its rows at the end, none moved from its seed's (the
 * hidden --stats-recount, for tests). */
struct gen_clone;
struct gen_clone *gen_clone_new(struct app *app, const char *db, const struct gen_county *cty,
                                uint64_t seed, int64_t m, int64_t start, int64_t end, bool recount);
/* Clones [from, to) of m in one transaction. 0, or -1 after a message. */
int gen_clone_chunk(struct gen_clone *g, int64_t from, int64_t to);
/* Signs the chain's head, makes the indexes and triggers again, folds the
 * clones whose stats it could not move from their seeds into the stats,
 * rebuilds the other derived tables, waits for the search index and
 * copies it in; ms[0..4]: the five steps' times (indexes, marked clones'
 * stats, other derived tables, waiting, copying). 0, or -1 after a
 * message. */
int gen_clone_finish(struct gen_clone *g, int64_t ms[5]);
int64_t gen_clone_events(const struct gen_clone *g);
/* The clones whose stats were counted from their rows, not moved. */
int64_t gen_clone_stats_marked(const struct gen_clone *g);
/* The clones whose seed's running timers could not be kept after the end
 * (their last event too close to it): a server fires them at its start;
 * *moved_back the clones moved from their moment (no seed fitted it). */
int64_t gen_clone_timers_due(const struct gen_clone *g, int64_t *moved_back);
int gen_clone_seeds(const struct gen_clone *g);
/* The side indexes' thread's CPU time, ms, after gen_clone_finish. */
int64_t gen_clone_side_cpu_ms(const struct gen_clone *g);
void gen_clone_free(struct gen_clone *g);

#endif
