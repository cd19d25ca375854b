/*
 * `civicloop demo --db FILE`: builds the demo county of API.md from
 * config/demo/county.json: the org tree (with the boundaries of the county,
 * its townships, villages and grids, for the map), the accounts (all with the password
 * Demo#2024), the dispatch catalogue (config/demo/catalogue.json), and a few dozen cases driven
 * through the real engine at back-dated times, so their history, deadlines and audit chain are
 * exactly what live use would have produced. A step may instead attach a
 * photo ({"as", "attach": "NAME.png"}): a tiny stand-in PNG, stored and
 * recorded like an upload, for the types whose steps ask for a new photo.
 * The county's own file is config/demo/county.json; each matter type may
 * add its orgs, accounts and cases in a file of its own under
 * config/demo/more/ (read in name order, appended).
 * A body value "@now" is the step's own time, and "@day+N" (anywhere in a
 * case) the date N days from the day the demo is built. A step {"tick": true} runs
 * the scheduler at that time, so deadlines that
 * passed by then fire as they would have live (a dispute whose level's
 * deadline passed climbs a level by itself). A part may also bring
 * "topics", the collection topics of people's suggestions (demo_topics.c),
 * written before the cases, and "enterprises", the enterprise registry
 * (demo_enterprises.c), written with the orgs before the accounts.
 */
#include "cli/cli.h"
#include "core/app.h"
#include "core/attachments.h"
#include "core/auth.h"
#include "core/catalogue.h"
#include "core/directory.h"
#include "core/engine.h"
#include "core/scheduler.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/timeutil.h"

#define DEMO_PASSWORD "Demo#2024"
#define DEMO_MAX_CASES 1000

struct demo {
	json_t *doc;
	char hash[crypto_pwhash_STRBYTES];
	int64_t case_ids[DEMO_MAX_CASES];
	/* the job's input */
	json_t *item;
	const char *as;
	const char *action;
	const char *ext_ref; /* an outside number kept with a created case (110) */
	const char *attach;  /* a step attaching the demo photo under this name */
	json_t *inspection;  /* a generated due inspection (demo_inspections.c) */
	char photo_sha[FILESTORE_HEX];
	json_t *body;
	int64_t case_id;
	struct err e;
	struct store_conn *reader; /* the scheduler's, opened at the first tick */
};

/* A tick: the scheduler fires what is due at t. 0 or -1. */
static int demo_tick(struct app *app, struct demo *d, int64_t t)
{
	char err[256];
	if (!d->reader && !(d->reader = store_open(app->db_path, true, err, sizeof err))) {
		fprintf(stderr, "civicloop demo: %s\n", err);
		return -1;
	}
	return scheduler_run_once(app, d->reader, t) < 0 ? -1 : 0;
}

int demo_orgs_add(struct wctx *w, json_t *doc, struct err *e)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(doc, "orgs"), i, o)
	{
		int64_t id = org_add(w, json_string_value(json_object_get(o, "code")),
		                     json_string_value(json_object_get(o, "name")),
		                     json_string_value(json_object_get(o, "kind")),
		                     json_string_value(json_object_get(o, "parent")),
		                     json_string_value(json_object_get(o, "region_code")), e);
		json_t *boundary = json_object_get(o, "boundary");
		if (id < 0 || (boundary && org_set_boundary(w, id, boundary, e) != 0))
			return -1;
	}
	return 0;
}

int demo_catalogue_add(struct wctx *w, const char *path, struct err *e)
{
	json_error_t je;
	json_t *file = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *doc = NULL;
	int64_t version;
	if (!file)
		return err_set(e, E_BAD_JSON, NULL, "%s 第 %d 行: %s", path, je.line, je.text);
	const char *note = json_string_value(json_object_get(file, "note"));
	int rc = catalogue_check(w->conn, json_object_get(file, "entries"), &doc, e) != 0 ||
	                 catalogue_check_classes(w->app->types, doc, e) != 0 ||
	                 catalogue_save(w, 0, 0, doc, note, catalogue_head(w->conn), "cli",
	                                &version, e) != 0
	             ? -1
	             : 0;
	json_decref(doc);
	json_decref(file);
	return rc;
}

static int directory_job(struct wctx *w, struct write_job *job)
{
	struct demo *d = job->arg;
	size_t i;
	json_t *o;
	if (demo_orgs_add(w, d->doc, &d->e) != 0 ||
	    demo_enterprises_add(w, json_object_get(d->doc, "enterprises"), &d->e) != 0)
		return -1;
	json_array_foreach(json_object_get(d->doc, "users"), i, o)
	{
		struct role_spec roles[ACTOR_MAX_ROLES];
		int n = 0;
		size_t k;
		json_t *g;
		json_array_foreach(json_object_get(o, "roles"), k, g)
		{
			if (n == ACTOR_MAX_ROLES)
				break;
			roles[n].role = json_string_value(json_object_get(g, "role"));
			roles[n].scope_code = json_string_value(json_object_get(g, "scope"));
			n++;
		}
		if (user_add(w, json_string_value(json_object_get(o, "login")),
		             json_string_value(json_object_get(o, "name")),
		             json_string_value(json_object_get(o, "org")), d->hash,
		             json_string_value(json_object_get(o, "phone")), roles, n, &d->e) < 0)
			return -1;
	}
	/* the dispatch catalogue beside the county, when there is one */
	char cat[1100];
	snprintf(cat, sizeof cat, "%s/demo/catalogue.json", app_default_config_dir());
	if (access(cat, R_OK) == 0 && demo_catalogue_add(w, cat, &d->e) != 0)
		return -1;
	return 0;
}

int demo_actor_load(struct wctx *w, const char *login, struct actor *a, struct err *e)
{
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login ? login : "");
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (!uid || actor_load(w->conn, uid, a) != 0)
		return err_set(e, E_BAD_REQUEST, NULL, "演示数据引用了不存在的账号 %s",
		               login ? login : "?");
	return 0;
}

/* The demo's photo: a 2×2 PNG, small enough to live here. Every photo step
 * attaches these bytes (one file in the store, one row per step). */
static const unsigned char demo_photo[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd,
    0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf0,
    0xea, 0xb1, 0x01, 0x22, 0x06, 0x08, 0x05, 0x00, 0x1e, 0x3e, 0x04, 0x49, 0xc4, 0x07, 0x15,
    0x4e, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static int case_job(struct wctx *w, struct write_job *job)
{
	struct demo *d = job->arg;
	struct actor a;
	json_t *out = NULL;
	if (d->inspection && !d->action && !d->attach) {
		long long id = 0;
		int rc = demo_inspection_generate(w, d->inspection, &id, &d->e);
		d->case_id = id;
		return rc;
	}
	if (demo_actor_load(w, d->as, &a, &d->e) != 0)
		return -1;
	if (d->attach) {
		struct attach_new n = {.case_id = d->case_id,
		                       .kind = attach_kind_of("image/png"),
		                       .name = d->attach,
		                       .size = (int64_t)sizeof demo_photo};
		memcpy(n.sha256, d->photo_sha, sizeof n.sha256);
		int rc = attach_name_check(d->attach, &d->e) == 0
		             ? attach_add(w, &a, &n, &out, &d->e)
		             : -1;
		json_decref(out);
		return rc;
	}
	int rc = d->action ? engine_act(w, &a, d->case_id, d->action, d->body, &out, &d->e)
	                   : engine_create_ext(w, &a, d->body, d->ext_ref, &out, &d->e);
	if (rc == 0 && !d->action)
		d->case_id =
		    json_integer_value(json_object_get(json_object_get(out, "case"), "id"));
	json_decref(out);
	return rc;
}

static int run_case(struct app *app, struct demo *d, size_t idx, json_t *item, int64_t now)
{
	int64_t day = time_day_of(now) - json_integer_value(json_object_get(item, "days_ago"));
	double hour = json_number_value(json_object_get(item, "hour"));
	int64_t t = time_day_start(day) + (int64_t)(hour * (double)MS_PER_HOUR);
	if (t > now - MS_PER_HOUR)
		t = now - MS_PER_HOUR;
	d->as = json_string_value(json_object_get(item, "as"));
	d->action = NULL;
	d->attach = NULL;
	d->ext_ref = json_string_value(json_object_get(item, "ext_ref"));
	d->body = json_object_get(item, "create");
	d->inspection = json_object_get(item, "inspection");
	time_set_fake(t);
	if (writer_run(app->writer, case_job, d) != 0) {
		fprintf(stderr, "civicloop demo: 第 %zu 个工单创建失败: %s\n", idx + 1,
		        err_message(&d->e));
		return -1;
	}
	d->case_ids[idx] = d->case_id;
	size_t k;
	json_t *step;
	json_array_foreach(json_object_get(item, "steps"), k, step)
	{
		json_t *after = json_object_get(step, "after_hours");
		t += (int64_t)((after ? json_number_value(after) : 1.0) * (double)MS_PER_HOUR);
		if (t > now - MS_PER_MINUTE)
			t = now - MS_PER_MINUTE;
		json_t *body = json_deep_copy(json_object_get(step, "body"));
		if (!body)
			body = json_object();
		/* "@now" in a body is the step's own time (a session's date) */
		const char *key;
		json_t *v;
		json_object_foreach(body, key, v)
		{
			char at[ISO8601_MAX];
			if (json_is_string(v) && !strcmp(json_string_value(v), "@now") &&
			    time_format_iso(t, at, sizeof at) > 0)
				json_object_set_new(body, key, json_string(at));
		}
		json_t *into = json_object_get(body, "into");
		if (json_is_integer(into)) {
			json_int_t target = json_integer_value(into);
			if (target < 0 || (size_t)target >= idx) {
				json_decref(body);
				fprintf(stderr, "civicloop demo: 第 %zu 个工单的并单目标无效\n",
				        idx + 1);
				return -1;
			}
			json_object_set_new(body, "into", json_integer(d->case_ids[target]));
		}
		d->as = json_string_value(json_object_get(step, "as"));
		d->action = json_string_value(json_object_get(step, "action"));
		d->attach = json_string_value(json_object_get(step, "attach"));
		d->body = body;
		if (d->attach && !d->photo_sha[0] &&
		    filestore_put(app->files_dir, demo_photo, sizeof demo_photo, d->photo_sha) !=
		        0) {
			json_decref(body);
			fprintf(stderr, "civicloop demo: 演示照片写入失败\n");
			return -1;
		}
		time_set_fake(t);
		int rc = json_is_true(json_object_get(step, "tick"))
		             ? demo_tick(app, d, t)
		             : writer_run(app->writer, case_job, d);
		json_decref(body);
		if (rc != 0) {
			fprintf(stderr, "civicloop demo: 第 %zu 个工单的第 %zu 步 %s 失败: %s\n",
			        idx + 1, k + 1,
			        d->action   ? d->action
			        : d->attach ? d->attach
			                    : "tick",
			        err_message(&d->e));
			return -1;
		}
	}
	return 0;
}

static void demo_usage(void)
{
	puts("civicloop demo --db FILE [--data county.json] [--no-cases]\n"
	     "Creates a new database holding the demo county of API.md: its orgs, the\n"
	     "demo accounts (password " DEMO_PASSWORD ") and cases in every state.\n"
	     "--no-cases leaves the cases out (a clean county for tests of rates).");
}

/* Appends the "orgs", "users" and "cases" of the parts in dir/more (each
 * FILE.json), in name order, to doc's own: each matter type's demo data is a file of
 * its own. 0, or -1 after a message. */
static int demo_parts_load(json_t *doc, const char *dir)
{
	char more[1200];
	snprintf(more, sizeof more, "%s/more", dir);
	struct dirent **names = NULL;
	int n = scandir(more, &names, NULL, alphasort);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const char *f = names[i]->d_name;
		size_t len = strlen(f);
		if (rc == 0 && len > 5 && !strcmp(f + len - 5, ".json") && f[0] != '.') {
			char path[1500];
			snprintf(path, sizeof path, "%s/%s", more, f);
			json_error_t je;
			json_t *part = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
			if (!part) {
				fprintf(stderr, "civicloop demo: %s 第 %d 行: %s\n", path, je.line,
				        je.text);
				rc = -1;
			}
			static const char *const keys[] = {"orgs",
			                                   "users",
			                                   "cases",
			                                   "topics",
			                                   "task_lists",
			                                   "enterprises",
			                                   "inspection_plans",
			                                   "campaigns"};
			for (size_t k = 0; part && k < sizeof keys / sizeof keys[0]; k++) {
				json_t *add = json_object_get(part, keys[k]);
				if (add && !json_object_get(doc, keys[k]))
					json_object_set_new(doc, keys[k], json_array());
				if (add &&
				    (!json_is_array(add) ||
				     json_array_extend(json_object_get(doc, keys[k]), add) != 0)) {
					fprintf(stderr, "civicloop demo: %s: %s 须为数组\n", path,
					        keys[k]);
					rc = -1;
				}
			}
			json_decref(part);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Loads the county document (--data, or the one in the config directory
 * with its parts, demo_parts_load) into d->doc. 0, or -1 after a message. */
static int demo_doc_load(struct demo *d, int argc, char **argv)
{
	char path[1200], dir[1100];
	const char *data = cli_opt(argc, argv, "--data");
	snprintf(dir, sizeof dir, "%s/demo", app_default_config_dir());
	if (!data) {
		snprintf(path, sizeof path, "%s/county.json", dir);
		data = path;
	}
	json_error_t je;
	d->doc = json_load_file(data, JSON_REJECT_DUPLICATES, &je);
	if (!d->doc) {
		fprintf(stderr, "civicloop demo: %s 第 %d 行: %s\n", data, je.line, je.text);
		return -1;
	}
	return data == path ? demo_parts_load(d->doc, dir) : 0;
}

/* The published task lists of the parts ("task_lists": [{"title", "year",
 * "org"}], ids 1, 2, … in order: the items' list_id), written with the
 * cases since they are content, not directory (core/tasklists.h). */
static int task_lists_job(struct wctx *w, struct write_job *job)
{
	struct demo *d = job->arg;
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(d->doc, "task_lists"), i, l)
	{
		int64_t org;
		if (org_resolve(w->conn, json_object_get(l, "org"), &org, NULL, 0, NULL, 0) != 0)
			return err_set(&d->e, E_FIELD_INVALID, "org", "清单的单位不存在");
		struct store_stmt *s = store_stmt(w->conn, ST_TASK_LIST_INSERT);
		sbind_text(s, 1, json_string_value(json_object_get(l, "title")));
		sbind_int(s, 2, json_integer_value(json_object_get(l, "year")));
		sbind_int(s, 3, org);
		sbind_null(s, 4);
		sbind_int(s, 5, w->now);
		if (sdone(s) != STORE_DONE)
			return err_set(&d->e, E_UNAVAILABLE, NULL, NULL);
	}
	return 0;
}

/* The collection topics of the parts (demo_topics.c). */
static int topics_job(struct wctx *w, struct write_job *job)
{
	struct demo *d = job->arg;
	return demo_topics_add(w, json_object_get(d->doc, "topics"), &d->e);
}

/* The rolling inspection plans of the parts (demo_inspections.c). */
static int inspection_plans_job(struct wctx *w, struct write_job *job)
{
	struct demo *d = job->arg;
	return demo_inspection_plans_add(w, json_object_get(d->doc, "inspection_plans"), &d->e);
}

/* Writes the orgs and accounts, then (with cases) the topics and drives the
 * cases (none if NULL). 0 or -1. */
/* "@day+N" / "@day-N" anywhere in v (a task's dated steps) becomes the
 * date N days after / before `today` (YYYY-MM-DD, Asia/Shanghai), so the
 * demo reads the same whichever day it is built. */
void demo_days(json_t *v, int64_t today)
{
	size_t i;
	const char *k;
	json_t *x;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x) demo_days(x, today);
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, x)
		{
			const char *str = json_string_value(x);
			char *end, date[16];
			long n = str && !strncmp(str, "@day", 4) ? strtol(str + 4, &end, 10) : 0;
			if (str && !strncmp(str, "@day", 4) && (str[4] == '+' || str[4] == '-') &&
			    !*end && time_format_date(today + n, date, sizeof date) > 0)
				json_object_set_new(v, k, json_string(date));
			else
				demo_days(x, today);
		}
	}
}

static int demo_populate(struct app *app, struct demo *d, json_t *cases)
{
	demo_days(cases, time_day_of(time_now_ms()));
	demo_days(json_object_get(d->doc, "campaigns"), time_day_of(time_now_ms()));
	/* Demo accounts share one password, hashed once to keep start-up fast. */
	if (password_hash(DEMO_PASSWORD, d->hash) != 0 ||
	    writer_run(app->writer, directory_job, d) != 0) {
		fprintf(stderr, "civicloop demo: 组织和账号创建失败: %s\n", err_message(&d->e));
		return -1;
	}
	if (cases && writer_run(app->writer, topics_job, d) != 0) {
		fprintf(stderr, "civicloop demo: 征集主题创建失败: %s\n", err_message(&d->e));
		return -1;
	}
	if (cases && writer_run(app->writer, task_lists_job, d) != 0) {
		fprintf(stderr, "civicloop demo: 任务清单创建失败: %s\n", err_message(&d->e));
		return -1;
	}
	if (cases && writer_run(app->writer, inspection_plans_job, d) != 0) {
		fprintf(stderr, "civicloop demo: 排查计划创建失败: %s\n", err_message(&d->e));
		return -1;
	}
	int64_t now = time_now_ms();
	size_t i;
	json_t *item;
	json_array_foreach(cases, i, item)
	{
		if (i >= DEMO_MAX_CASES || run_case(app, d, i, item, now) != 0)
			return -1;
	}
	/* the discipline commission's campaigns (demo_campaigns.c) */
	if (cases && demo_campaigns_add(app, json_object_get(d->doc, "campaigns"), now) != 0)
		return -1;
	return 0;
}

/* Prints what was created and the demo logins. */
static void demo_report(const char *db, const struct demo *d, json_t *cases)
{
	json_t *users = json_object_get(d->doc, "users");
	printf("演示县已创建：%s\n%zu 个单位，%zu 个账号，%zu 个工单。所有账号密码：%s\n", db,
	       json_array_size(json_object_get(d->doc, "orgs")), json_array_size(users),
	       json_array_size(cases), DEMO_PASSWORD);
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u)
	{
		json_t *r0 = json_array_get(json_object_get(u, "roles"), 0);
		printf("  %-10s %-12s %-14s %s\n", json_string_value(json_object_get(u, "login")),
		       json_string_value(json_object_get(r0, "role")),
		       json_string_value(json_object_get(u, "org")),
		       json_string_value(json_object_get(u, "name")));
	}
}

int demo_photo_store(struct app *app, char *sha, int64_t *size)
{
	*size = (int64_t)sizeof demo_photo;
	return filestore_put(app->files_dir, demo_photo, sizeof demo_photo, sha);
}

int demo_county_write(struct app *app, json_t **doc)
{
	struct demo *d = calloc(1, sizeof *d);
	json_t *none = json_array();
	int rc = -1;
	if (d && none && demo_doc_load(d, 0, NULL) == 0 && demo_populate(app, d, none) == 0) {
		*doc = d->doc;
		d->doc = NULL;
		rc = 0;
	}
	time_set_fake(0);
	if (d && d->reader)
		store_close(d->reader);
	if (d)
		json_decref(d->doc);
	json_decref(none);
	free(d);
	return rc;
}

/* Removes a half-built database with its key file and SQLite's side files. */
static void demo_discard(const char *db)
{
	static const char *const suffixes[] = {"", ".key", "-wal", "-shm"};
	char path[1100];
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		snprintf(path, sizeof path, "%s%s", db, suffixes[i]);
		unlink(path);
	}
}

int cmd_demo(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help")) {
		demo_usage();
		return 0;
	}
	const char *db;
	int bad = cli_new_db(argc, argv, "demo", &db);
	if (bad)
		return bad;
	struct demo *d = calloc(1, sizeof *d);
	if (!d) {
		fprintf(stderr, "civicloop demo: 内存不足\n");
		return 1;
	}
	int rc = 1;
	struct app app;
	if (demo_doc_load(d, argc, argv) != 0 || cli_open(&app, db, 1) != 0)
		goto out;
	json_t *cases =
	    cli_flag(argc, argv, "--no-cases") ? NULL : json_object_get(d->doc, "cases");
	if (demo_populate(&app, d, cases) == 0) {
		rc = 0;
		time_set_fake(0);
		demo_report(db, d, cases);
	}
	time_set_fake(0);
	cli_close(&app);
	if (rc != 0)
		demo_discard(db);
out:
	if (d->reader)
		store_close(d->reader);
	json_decref(d->doc);
	free(d);
	return rc;
}
