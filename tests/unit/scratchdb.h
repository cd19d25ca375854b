/*
 * A scratch database for unit tests that need the real schema (query
 * plans): a fresh file in a new /tmp folder, migrated, and removed with its
 * -wal, -shm and .lock files afterwards. Header-only; tests include it.
 */
#ifndef CIVICLOOP_TESTS_SCRATCHDB_H
#define CIVICLOOP_TESTS_SCRATCHDB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

struct scratchdb {
	char dir[32];
	char db[64];
	struct store_conn *c; /* open and migrated, or NULL with err set */
	char err[256];
};

/* Opens a new migrated database into s; s->c is NULL on failure. */
static inline void scratchdb_open(struct scratchdb *s, const char *tag)
{
	snprintf(s->dir, sizeof s->dir, "/tmp/cl-%.8s-XXXXXX", tag);
	s->c = NULL;
	if (!mkdtemp(s->dir)) {
		snprintf(s->err, sizeof s->err, "mkdtemp failed");
		return;
	}
	snprintf(s->db, sizeof s->db, "%s/t.db", s->dir);
	s->c = store_open(s->db, false, s->err, sizeof s->err);
	if (s->c && store_migrate(s->c, s->err, sizeof s->err) != 0) {
		store_close(s->c);
		s->c = NULL;
	}
}

/* Closes and removes the database and its folder. */
static inline void scratchdb_remove(struct scratchdb *s)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", ".lock"};
	if (s->c)
		store_close(s->c);
	s->c = NULL;
	char path[96];
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		snprintf(path, sizeof path, "%s%s", s->db, suffixes[i]);
		unlink(path);
	}
	rmdir(s->dir);
}

#endif
