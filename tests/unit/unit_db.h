/*
 * What the unit tests that need a real database share: a fresh SQLite file
 * in a temp folder with the app, its writer (which runs the test file's own
 * setup job once: the orgs and accounts it needs) and a read connection;
 * and test JSON parsed or the test failed. Include after <cmocka.h>.
 */
#ifndef CIVICLOOP_TESTS_UNIT_DB_H
#define CIVICLOOP_TESTS_UNIT_DB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/app.h"
#include "core/writer.h"

struct unit_db {
	char dir[64];
	char db[128];
	struct app app;
	struct store_conn *reader;
};

/* A fresh database under /tmp/TAG-XXXXXX (the types of config/), setup(e)
 * run on its writer; fails the test on any error. */
static inline struct unit_db *unit_db_open(const char *tag, write_fn setup, struct err *e)
{
	struct unit_db *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/%s-XXXXXX", tag);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
	char err[512];
	if (app_init(&f->app, f->db, "config", 1, err, sizeof err) != 0)
		fail_msg("%s", err);
	f->app.writer = writer_start(&f->app, err, sizeof err);
	assert_non_null(f->app.writer);
	if (writer_run(f->app.writer, setup, e) != 0)
		fail_msg("setup: %s", err_message(e));
	f->reader = store_open(f->db, true, err, sizeof err);
	assert_non_null(f->reader);
	return f;
}

/* Stops and removes what unit_db_open made. */
static inline void unit_db_close(struct unit_db *f)
{
	store_close(f->reader);
	writer_stop(f->app.writer);
	app_release(&f->app);
	char path[200];
	const char *suffix[] = {"", "-wal", "-shm", ".key"};
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s%s", f->db, suffix[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
}

/* The JSON value of text (any value), or the test fails. */
static inline json_t *unit_json(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
	if (!v)
		fail_msg("bad test JSON %s: %s", text, je.text);
	return v;
}

#endif
