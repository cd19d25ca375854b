/*
 * `civicloop routing eval --set FILE [--catalogue FILE] [--county FILE]
 *  [--folds N] [--min-top1 P] [--min-top3 P]`: how often routing puts the
 * right unit first (top-1) and among its first three (top-3), on a set of
 * complaints with their gold unit (JSON lines {"text","class","org",
 * "location"?:{"lat","lng"},"address"?}), through the server's own code:
 * a fresh temporary database holds the county's orgs and the catalogue,
 * core/routing.c ranks each complaint exactly as for a new case.
 *
 * (a) catalogue alone: the model is empty.
 * (b) catalogue + learned, k-fold: complaint i is in fold i mod N; for each
 *     fold the model is emptied, trained on the other folds' complaints
 *     (routing_learn, as a dispatch does) and tested on the fold, so no
 *     complaint is ranked by a model that learnt it.
 * (c) catalogue + history (--train FILE, a set of the same form): the model
 *     is emptied, trained on every item of FILE (routing_learn, as the
 *     county's past dispatches would have) and tested on the whole set,
 *     which it has never seen.
 * Prints the figures as JSON, with the cost of a label and of a ranking;
 * exits 1 when (c), or (b) without --train, falls below --min-top1 /
 * --min-top3.
 */
#include "cli/cli.h"
#include "core/app.h"
#include "core/types.h"
#include "core/catalogue.h"
#include "core/routing.h"
#include "core/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <time.h>

#define EVAL_MAX 5000

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct eval_item {
	char *text;
	char cls[32];
	char org[64];
	int64_t org_id;
	json_t *loc; /* {"lat","lng","address"} or NULL */
};

/* A set of complaints read from a file. */
struct eval_set {
	struct eval_item *it;
	int n;
};

struct eval {
	json_t *county;
	const char *catalogue;
	struct eval_item *it; /* the set ranked (set.it) */
	int n, folds;
	struct eval_set set, train; /* train.n 0: no (c) */
	bool misses;                /* --misses: print each complaint the last mode gets wrong */
	int top1[3], top3[3];
	int64_t learn_us, learned, rank_us, ranked;
	struct err e;
};

static void eval_usage(void)
{
	puts("civicloop routing eval --set FILE [--catalogue FILE] [--county FILE] [--folds N]\n"
	     "                       [--train FILE] [--min-top1 P] [--min-top3 P] [--misses]\n"
	     "Top-1 and top-3 accuracy of routing on a set of complaints with their gold unit:\n"
	     "the catalogue alone, catalogue + learned with k-fold cross-validation, and with\n"
	     "--train, catalogue + a model trained on FILE (a dispatch history) only.\n"
	     "\n"
	     "civicloop routing learn --db FILE\n"
	     "The model learns the dispatches already made (each live lead assignment), for\n"
	     "a database from before routing; labels it holds count once. Server stopped.");
}

static int set_load(struct eval_set *v, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "civicloop routing: 打不开 %s\n", path);
		return -1;
	}
	v->it = calloc(EVAL_MAX, sizeof *v->it);
	char line[16384];
	int lineno = 0;
	while (v->it && fgets(line, sizeof line, f) && v->n < EVAL_MAX) {
		lineno++;
		json_t *o = json_loads(line, 0, NULL);
		const char *text = json_string_value(json_object_get(o, "text"));
		const char *org = json_string_value(json_object_get(o, "org"));
		if (!text || !org) {
			fprintf(stderr, "civicloop routing: %s 第 %d 行缺少 text 或 org\n", path,
			        lineno);
			json_decref(o);
			fclose(f);
			return -1;
		}
		struct eval_item *it = &v->it[v->n++];
		it->text = strdup(text);
		snprintf(it->cls, sizeof it->cls, "%s",
		         json_string_value(json_object_get(o, "class")) ?: "");
		snprintf(it->org, sizeof it->org, "%s", org);
		json_t *loc = json_object_get(o, "location");
		const char *addr = json_string_value(json_object_get(o, "address"));
		if (loc || addr) {
			it->loc = loc ? json_deep_copy(loc) : json_object();
			if (addr)
				json_object_set_new(it->loc, "address", json_string(addr));
		}
		json_decref(o);
	}
	fclose(f);
	return v->it ? 0 : -1;
}

/* The org id of each item of s, by its code. */
static int set_resolve(struct wctx *w, struct eval_set *s, struct err *e)
{
	for (int i = 0; i < s->n; i++) {
		struct route_org o;
		if (routing_org(w->conn, 0, s->it[i].org, &o) != 0)
			return err_set(e, E_FIELD_INVALID, NULL, "第 %d 条的单位 %s 不存在", i + 1,
			               s->it[i].org);
		s->it[i].org_id = o.id;
	}
	return 0;
}

static int setup_job(struct wctx *w, struct write_job *job)
{
	struct eval *v = job->arg;
	if (demo_orgs_add(w, v->county, &v->e) != 0 ||
	    demo_catalogue_add(w, v->catalogue, &v->e) != 0)
		return -1;
	return set_resolve(w, &v->set, &v->e) == 0 && set_resolve(w, &v->train, &v->e) == 0 ? 0
	                                                                                    : -1;
}

/* Ranks item i and counts it under mode m (0 catalogue, 1 k-fold, 2
 * history). */
static int rank_one(struct wctx *w, struct eval *v, int i, int m)
{
	struct eval_item *it = &v->it[i];
	struct route_case rc = {NULL, it->text, it->cls[0] ? it->cls : NULL, NULL, it->loc};
	json_t *out;
	int64_t t0 = mono_us();
	if (routing_rank(w->conn, w->app, &rc, &out, &v->e) != 0)
		return -1;
	v->rank_us += mono_us() - t0;
	v->ranked++;
	const char *top = json_string_value(json_object_get(json_array_get(out, 0), "org"));
	if (v->misses && m == (v->train.n ? 2 : 1) && (!top || strcmp(top, it->org) != 0)) {
		char *got = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
		fprintf(stderr, "miss %d gold %s: %s\n  %s\n", i + 1, it->org, it->text,
		        got ? got : "");
		free(got);
	}
	for (size_t k = 0; k < json_array_size(out) && k < 3; k++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(out, k), "org")),
		            it->org)) {
			v->top1[m] += k == 0;
			v->top3[m]++;
		}
	json_decref(out);
	return 0;
}

static int eval_job(struct wctx *w, struct write_job *job)
{
	struct eval *v = job->arg;
	if (routing_forget_all(w->conn) != 0)
		return err_set(&v->e, E_UNAVAILABLE, NULL, NULL);
	for (int i = 0; i < v->n; i++)
		if (rank_one(w, v, i, 0) != 0)
			return -1;
	for (int f = 0; f < v->folds; f++) {
		if (routing_forget_all(w->conn) != 0)
			return err_set(&v->e, E_UNAVAILABLE, NULL, NULL);
		int64_t t0 = mono_us();
		for (int i = 0; i < v->n; i++) {
			if (i % v->folds == f)
				continue;
			if (routing_learn(w->conn, w->app, v->it[i].org_id, v->it[i].text, 1) != 0)
				return err_set(&v->e, E_UNAVAILABLE, NULL, NULL);
			v->learned++;
		}
		v->learn_us += mono_us() - t0;
		for (int i = f; i < v->n; i += v->folds)
			if (rank_one(w, v, i, 1) != 0)
				return -1;
	}
	if (v->train.n == 0)
		return 0;
	if (routing_forget_all(w->conn) != 0)
		return err_set(&v->e, E_UNAVAILABLE, NULL, NULL);
	int64_t t0 = mono_us();
	for (int i = 0; i < v->train.n; i++) {
		if (routing_learn(w->conn, w->app, v->train.it[i].org_id, v->train.it[i].text, 1) !=
		    0)
			return err_set(&v->e, E_UNAVAILABLE, NULL, NULL);
		v->learned++;
	}
	v->learn_us += mono_us() - t0;
	for (int i = 0; i < v->n; i++)
		if (rank_one(w, v, i, 2) != 0)
			return -1;
	return 0;
}

static double pct(int k, int n)
{
	return n ? 100.0 * k / n : 0;
}

static int eval_run(struct eval *v, double min1, double min3)
{
	char dir[] = "/tmp/civicloop-eval-XXXXXX", db[64];
	if (!mkdtemp(dir)) {
		perror("civicloop routing: mkdtemp");
		return 1;
	}
	snprintf(db, sizeof db, "%s/eval.db", dir);
	struct app app;
	int rc = 1;
	if (cli_open(&app, db, 1) != 0)
		goto out;
	if (writer_run(app.writer, setup_job, v) != 0 || writer_run(app.writer, eval_job, v) != 0) {
		fprintf(stderr, "civicloop routing: %s\n", err_message(&v->e));
	} else {
		int g = v->train.n ? 2 : 1; /* the mode held to the floors */
		double t1 = pct(v->top1[g], v->n), t3 = pct(v->top3[g], v->n);
		printf("{\"cases\":%d,\"folds\":%d,\n"
		       " \"catalogue\":{\"top1\":%.1f,\"top3\":%.1f},\n"
		       " \"learned\":{\"top1\":%.1f,\"top3\":%.1f},\n",
		       v->n, v->folds, pct(v->top1[0], v->n), pct(v->top3[0], v->n),
		       pct(v->top1[1], v->n), pct(v->top3[1], v->n));
		if (v->train.n)
			printf(" \"history\":{\"labels\":%d,\"top1\":%.1f,\"top3\":%.1f},\n",
			       v->train.n, t1, t3);
		printf(" \"learn_us_per_label\":%.0f,\"rank_us_per_case\":%.0f}\n",
		       v->learned ? (double)v->learn_us / (double)v->learned : 0,
		       v->ranked ? (double)v->rank_us / (double)v->ranked : 0);
		rc = (t1 < min1 || t3 < min3) ? 1 : 0;
		if (rc)
			fprintf(stderr,
			        "civicloop routing: below the goal (top-1 %.1f < %.1f or top-3 "
			        "%.1f < %.1f)\n",
			        t1, min1, t3, min3);
	}
	cli_close(&app);
out:;
	static const char *const suffixes[] = {"", ".key", "-wal", "-shm"};
	char path[128];
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		snprintf(path, sizeof path, "%s%s", db, suffixes[i]);
		unlink(path);
	}
	rmdir(dir);
	return rc;
}

static void set_free(struct eval_set *s)
{
	for (int i = 0; s->it && i < s->n; i++) {
		free(s->it[i].text);
		json_decref(s->it[i].loc);
	}
	free(s->it);
}

/* `civicloop routing learn --db FILE`: the model learns the dispatches
 * already made (a database from before routing, or one whose model was
 * emptied), each live lead assignment a label as a dispatch gives it.
 * A label already held counts once (route_labels), so running it again
 * changes nothing. In transactions of LEARN_BATCH; the server stopped. */
#define LEARN_BATCH 500

struct learn {
	int64_t after; /* the last assignment id learnt */
	int n, done;   /* read in this batch; learnt in all */
	int learnt;    /* learnt in this batch */
};

/* Whether the type has its cases' own org do the work (an assign effect
 * with "case_org": an enterprise rectifying its own hazard): such a lead
 * was not chosen by what the case is about, and live it labels nothing. */
static bool effects_assign_own(const struct type_effect *fx, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(fx[i].name, "assign") &&
		    json_is_true(json_object_get(fx[i].params, "case_org")))
			return true;
	return false;
}

static bool type_assigns_own_org(const struct matter_type *t)
{
	for (int i = 0; i < t->nactions; i++) {
		const struct type_action *a = &t->actions[i];
		if (effects_assign_own(a->effects, a->neffects))
			return true;
		for (int b = 0; b < a->nbranches; b++)
			if (effects_assign_own(a->branches[b].effects, a->branches[b].neffects))
				return true;
	}
	return false;
}

static int learn_job(struct wctx *w, struct write_job *job)
{
	struct learn *l = job->arg;
	struct {
		int64_t asg, case_id, org_id;
		char *title, *desc;
	} rows[LEARN_BATCH];
	l->n = 0;
	struct store_stmt *s = store_stmt(w->conn, ST_ROUTE_HISTORY);
	sbind_int(s, 1, l->after);
	sbind_int(s, 2, LEARN_BATCH);
	int rc;
	l->learnt = 0;
	while (l->n < LEARN_BATCH && (rc = sstep(s)) == STORE_ROW) {
		/* a level's lead (a dispute taken on where it arose, core/levels.c)
		 * was chosen by place, not by what the case is about: no label, as
		 * live (the assign effect labels, assign_level does not); nor is
		 * the case's own org at work on it (assign's case_org) */
		const struct matter_type *t = types_find(w->app->types, scol_text(s, 5));
		rows[l->n].title = rows[l->n].desc = NULL;
		rows[l->n].asg = scol_int(s, 0);
		if (t && (t->data.nlevels > 0 ||
		          (scol_int(s, 2) == scol_int(s, 6) && type_assigns_own_org(t)))) {
			rows[l->n].case_id = 0;
			l->n++;
			continue;
		}
		rows[l->n].case_id = scol_int(s, 1);
		rows[l->n].org_id = scol_int(s, 2);
		rows[l->n].title = strdup(scol_text(s, 3));
		rows[l->n].desc = strdup(scol_text(s, 4));
		l->n++;
	}
	sreset(s);
	rc = 0;
	for (int i = 0; i < l->n; i++) {
		if (!rows[i].case_id)
			continue;
		l->learnt++;
		if (rc == 0 && (!rows[i].title || !rows[i].desc ||
		                routing_label(w->conn, w->app, rows[i].case_id, rows[i].org_id,
		                              rows[i].title, rows[i].desc, 1) != 0))
			rc = -1;
		free(rows[i].title);
		free(rows[i].desc);
	}
	if (rc == 0 && l->n)
		l->after = rows[l->n - 1].asg;
	return rc;
}

static int routing_learn_cmd(int argc, char **argv)
{
	const char *db = cli_opt(argc, argv, "--db");
	if (!db) {
		fprintf(stderr,
		        "civicloop routing learn: 用法 civicloop routing learn --db FILE\n");
		return 2;
	}
	struct app app;
	store_writer_alone(); /* server stopped */
	if (cli_open(&app, db, 0) != 0)
		return 1;
	struct learn l = {0};
	int rc = 0;
	do {
		if (writer_run(app.writer, learn_job, &l) != 0) {
			fprintf(stderr, "civicloop routing learn: 写入失败，已学到的 %d 件保留\n",
			        l.done);
			rc = 1;
			break;
		}
		l.done += l.learnt;
	} while (l.n == LEARN_BATCH);
	if (rc == 0)
		printf("已从 %d 次派单（主办单位）学习\n", l.done);
	cli_close(&app);
	return rc;
}

int cmd_routing(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "learn") && !cli_flag(argc, argv, "--help"))
		return routing_learn_cmd(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "eval") != 0 || cli_flag(argc, argv, "--help")) {
		eval_usage();
		return argc < 2 || strcmp(argv[1], "eval") != 0 ? 2 : 0;
	}
	const char *set = cli_opt(argc, argv, "--set"), *cat = cli_opt(argc, argv, "--catalogue");
	const char *train = cli_opt(argc, argv, "--train");
	const char *county = cli_opt(argc, argv, "--county"),
	           *folds = cli_opt(argc, argv, "--folds");
	const char *min1 = cli_opt(argc, argv, "--min-top1"),
	           *min3 = cli_opt(argc, argv, "--min-top3");
	char cat_path[1100], county_path[1100];
	if (!set) {
		eval_usage();
		return 2;
	}
	snprintf(cat_path, sizeof cat_path, "%s/demo/catalogue.json", app_default_config_dir());
	snprintf(county_path, sizeof county_path, "%s/demo/county.json", app_default_config_dir());
	struct eval *v = calloc(1, sizeof *v);
	if (!v)
		return 1;
	v->catalogue = cat ? cat : cat_path;
	v->folds = folds ? (int)strtol(folds, NULL, 10) : 5;
	v->misses = cli_flag(argc, argv, "--misses");
	if (v->folds < 2 || v->folds > 20) {
		fprintf(stderr, "civicloop routing: --folds 须在 2 到 20 之间\n");
		free(v);
		return 2;
	}
	json_error_t je;
	v->county = json_load_file(county ? county : county_path, 0, &je);
	int rc = 1;
	if (!v->county)
		fprintf(stderr, "civicloop routing: %s 第 %d 行: %s\n",
		        county ? county : county_path, je.line, je.text);
	else if (set_load(&v->set, set) == 0 && (!train || set_load(&v->train, train) == 0)) {
		v->it = v->set.it;
		v->n = v->set.n;
		rc = eval_run(v, min1 ? atof(min1) : 0, min3 ? atof(min3) : 0);
	}
	set_free(&v->set);
	set_free(&v->train);
	json_decref(v->county);
	free(v);
	return rc;
}
