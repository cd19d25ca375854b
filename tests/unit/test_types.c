/*
 * Matter-type definitions as data files (core/types.c, core/type_data.c).
 *
 * Every tests/data/types/bad-*.json must be refused at load, and the message
 * must name the file and what is wrong in it. The expectations are the
 * file's own data, so a new case needs no code here:
 *   "_expect": ["text", …]  strings the message must contain (for a file
 *                           whose top level is an array, in its first item)
 *   "_with": "path"         another type file (from the repository root)
 *                           loaded before it, for faults across types
 * A file that is not JSON at all must be refused at the line jansson
 * reports. The loader ignores the "_" keys.
 *
 * The good files load: the hotline with the test types `repair` and
 * `plain`, and `mini` (the base every bad file changes in one place), and
 * their data blocks read back as written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/app.h"
#include "core/types.h"

#define DATA_DIR "tests/data/types"

struct cfg {
	char root[64]; /* a config folder: calendar/ and types/ */
	char types[96];
	char db[96];
	char err[1024];
	struct app app;
};

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb");
	if (!in)
		fail_msg("cannot read %s", from);
	FILE *out = fopen(to, "wb");
	assert_non_null(out);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Empties the types folder. */
static void types_clear(struct cfg *c)
{
	DIR *d = opendir(c->types);
	assert_non_null(d);
	struct dirent *de;
	char path[512];
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", c->types, de->d_name);
			unlink(path);
		}
	closedir(d);
}

/* Copies a repository file into the types folder under `as` (or its own name). */
static void types_add(struct cfg *c, const char *file, const char *as)
{
	char to[1024];
	snprintf(to, sizeof to, "%s/%s", c->types, as ? as : base_name(file));
	copy_file(file, to);
}

/* Loads the folder as the server does at start; 0 or -1 with c->err. */
static int cfg_load(struct cfg *c)
{
	int rc = app_init(&c->app, c->db, c->root, 1, c->err, sizeof c->err);
	if (rc == 0)
		app_release(&c->app);
	unlink(c->db);
	char key[128];
	snprintf(key, sizeof key, "%s.key", c->db);
	unlink(key);
	return rc;
}

static int cfg_setup(void **state)
{
	struct cfg *c = calloc(1, sizeof *c);
	snprintf(c->root, sizeof c->root, "/tmp/cl-types-XXXXXX");
	assert_non_null(mkdtemp(c->root));
	char dir[128], cal[160], src[4096];
	snprintf(dir, sizeof dir, "%s/calendar", c->root);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(cal, sizeof cal, "%s/cn-workdays.json", dir);
	assert_non_null(realpath("config/calendar/cn-workdays.json", src));
	assert_int_equal(symlink(src, cal), 0);
	snprintf(c->types, sizeof c->types, "%s/types", c->root);
	assert_int_equal(mkdir(c->types, 0700), 0);
	snprintf(c->db, sizeof c->db, "%s/t.db", c->root);
	*state = c;
	return 0;
}

static int cfg_teardown(void **state)
{
	struct cfg *c = *state;
	char path[256];
	types_clear(c);
	rmdir(c->types);
	snprintf(path, sizeof path, "%s/calendar/cn-workdays.json", c->root);
	unlink(path);
	snprintf(path, sizeof path, "%s/calendar", c->root);
	rmdir(path);
	rmdir(c->root);
	free(c);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The bad-*.json files, sorted; returns how many (caller frees). */
static int bad_files(char ***out)
{
	DIR *d = opendir(DATA_DIR);
	assert_non_null(d);
	char **names = NULL;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (strncmp(de->d_name, "bad-", 4) || len < 6 ||
		    strcmp(de->d_name + len - 5, ".json"))
			continue;
		names = realloc(names, (size_t)(n + 1) * sizeof *names);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmp_str);
	*out = names;
	return n;
}

static void expect_in(const char *file, const char *msg, const char *want)
{
	if (!strstr(msg, want))
		fail_msg("%s: the message does not name \"%s\": %s", file, want, msg);
}

static void test_bad_definitions_are_refused(void **state)
{
	struct cfg *c = *state;
	char **names;
	int n = bad_files(&names);
	assert_true(n >= 20);
	for (int i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", DATA_DIR, names[i]);
		types_clear(c);
		json_error_t je;
		json_t *doc = json_load_file(path, 0, &je);
		json_t *spec = json_is_array(doc) ? json_array_get(doc, 0) : doc;
		const char *with = json_string_value(json_object_get(spec, "_with"));
		if (with) {
			char as[256];
			snprintf(as, sizeof as, "a-%s", base_name(with)); /* loaded first */
			types_add(c, with, as);
		}
		types_add(c, path, NULL);
		if (cfg_load(c) == 0)
			fail_msg("%s was accepted", names[i]);
		expect_in(names[i], c->err, names[i]); /* the file */
		if (!doc) {
			char line[32];
			snprintf(line, sizeof line, "第 %d 行", je.line);
			expect_in(names[i], c->err, line);
		} else {
			json_t *want = json_object_get(spec, "_expect");
			if (!json_is_array(want) || json_array_size(want) == 0)
				fail_msg("%s has no \"_expect\" list", names[i]);
			size_t k;
			json_t *w;
			json_array_foreach(want, k, w)
			    expect_in(names[i], c->err, json_string_value(w));
		}
		print_message("  %-40s %s\n", names[i],
		              strstr(c->err, names[i]) + strlen(names[i]));
		json_decref(doc);
		free(names[i]);
	}
	free(names);
}

/* The test types load beside the hotline, and their blocks read back. */
static void test_good_definitions_load(void **state)
{
	struct cfg *c = *state;
	types_clear(c);
	types_add(c, "config/types/hotline.json", NULL);
	types_add(c, DATA_DIR "/repair.json", NULL);
	types_add(c, DATA_DIR "/plain.json", NULL);
	int rc = app_init(&c->app, c->db, c->root, 1, c->err, sizeof c->err);
	if (rc != 0)
		fail_msg("%s", c->err);
	const struct type_registry *r = c->app.types;
	const struct matter_type *hot = types_find(r, "hotline");
	const struct matter_type *rep = types_find(r, "repair");
	const struct matter_type *plain = types_find(r, "plain");
	assert_non_null(hot);
	assert_non_null(rep);
	assert_non_null(plain);

	const struct type_rates *rr = &rep->data.rates;
	assert_true(rr->defined);
	assert_string_equal(rr->reply_state, "finished");
	assert_string_equal(rr->callback_action, "confirm");
	assert_string_equal(rr->resolved.field, "fixed");
	assert_string_equal(rr->satisfied.field, "rating");
	assert_int_equal(json_array_size(rr->satisfied.in), 2);
	assert_string_equal(rr->return_action, "approve_decline");
	assert_string_equal(rr->merge_state, "duplicate");
	assert_null(rr->transfer_action);
	assert_non_null(rr->escalate_actions);
	assert_true(hot->data.rates.defined);
	assert_null(hot->data.rates.escalate_actions);
	assert_false(plain->data.rates.defined);

	struct type_queue q;
	assert_true(type_queue(rep, "dispatch", &q));
	assert_true(q.or_overdue);
	assert_int_equal(json_array_size(q.statuses), 2);
	assert_null(q.asg_statuses);
	assert_true(type_queue(rep, "confirm", &q));
	assert_false(q.or_overdue);
	assert_false(type_queue(rep, "nosuch", &q));
	assert_false(type_queue(plain, "dispatch", &q));
	assert_true(type_queue(hot, "dispatch", &q));
	assert_int_equal(json_array_size(q.asg_statuses), 2);

	assert_true(type_auto_urges(rep, "handle"));
	assert_false(type_auto_urges(rep, "sign"));
	assert_false(type_auto_urges(plain, "handle"));
	assert_string_equal(rep->data.urge_action, "remind");

	json_t *fields = json_pack("{s:s}", "result", "已修好");
	assert_string_equal(type_public_reply(rep, "finished", fields), "已修好");
	assert_string_equal(type_public_reply(rep, "completed", fields), "已修好"); /* final */
	assert_null(type_public_reply(rep, "working", fields));
	assert_null(type_public_reply(plain, "shut", fields)); /* no public_reply */
	json_decref(fields);

	assert_true(types_org_setting(r, "reply_approval"));
	assert_true(types_org_setting(r, "finish_check"));
	assert_false(types_org_setting(r, "no_such_setting"));
	assert_ptr_equal(types_linkage_110(r), hot);
	assert_string_equal(hot->data.linkage.incident_field, "incident_no");
	app_release(&c->app);
	unlink(c->db);
	char key[128];
	snprintf(key, sizeof key, "%s.key", c->db);
	unlink(key);

	/* the shipped config alone knows only the hotline's setting */
	types_clear(c);
	types_add(c, "config/types/hotline.json", NULL);
	rc = app_init(&c->app, c->db, c->root, 1, c->err, sizeof c->err);
	if (rc != 0)
		fail_msg("%s", c->err);
	assert_true(types_org_setting(c->app.types, "reply_approval"));
	assert_false(types_org_setting(c->app.types, "finish_check"));
	app_release(&c->app);
	unlink(c->db);
	unlink(key);

	/* mini, the base of every bad file, loads: each bad file fails for its own change */
	types_clear(c);
	types_add(c, DATA_DIR "/mini.json", NULL);
	if (cfg_load(c) != 0)
		fail_msg("%s", c->err);
}

/* A types folder without a definition stops the start too, naming it. */
static void test_empty_folder_is_refused(void **state)
{
	struct cfg *c = *state;
	types_clear(c);
	assert_int_not_equal(cfg_load(c), 0);
	expect_in("(empty)", c->err, c->types);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bad_definitions_are_refused, cfg_setup,
	                                    cfg_teardown),
	    cmocka_unit_test_setup_teardown(test_good_definitions_load, cfg_setup, cfg_teardown),
	    cmocka_unit_test_setup_teardown(test_empty_folder_is_refused, cfg_setup, cfg_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
