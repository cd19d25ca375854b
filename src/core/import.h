/*
 * 多网合一: cases of other systems (a 城管 system, a 综治 system…) brought
 * into one matter type through a mapping document (docs/import.md). This
 * module holds the mapping (import_map_load checks it whole before any row
 * is read), turns one source row into a POST /api/v1/cases body
 * (import_row_body), and writes a batch of rows in one writer job
 * (import_batch_job), each row in its own savepoint.
 *
 * A row's identity is (source, source id), kept as the case's ext_ref
 * "SOURCE:ID" (unique per type): a row seen before is a sync, never a new
 * case. Its title and description are what an import may update (an
 * "import.update" event with the old and new text); everything else of an
 * imported case belongs to the platform once it is here.
 *
 * Not here: reading files (cli/import.c streams CSV or reads a JSON array).
 */
#ifndef CIVICLOOP_CORE_IMPORT_H
#define CIVICLOOP_CORE_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/writer.h"
#include "util/error.h"

#define IMPORT_SOURCE_MAX 32 /* bytes of an ASCII source name */
#define IMPORT_ID_MAX 64     /* characters of a source id */
#define IMPORT_BATCH \
	100 /* rows per writer job: a row's savepoint costs more as its \
	     * transaction grows (SQLite's savepoint page bitmaps), \
	     * so 500 ran 100k rows in 51 s and 100 in about half */
#define IMPORT_MAP_MAX (256 * 1024)

/* One mapped target: the source column, and optionally a value map or a
 * time format. */
struct import_col {
	const char *column; /* NULL: not mapped */
	json_t *map;        /* object source value → target value, or NULL */
	const char *format; /* strptime format (received_at), or NULL: ISO 8601 */
};

enum import_target {
	IT_TITLE,
	IT_DESCRIPTION,
	IT_CLASS,
	IT_CHANNEL,
	IT_RECEIVED_AT,
	IT_LAT,
	IT_LNG,
	IT_ADDRESS,
	IT_REPORTER_NAME,
	IT_REPORTER_PHONE,
	IT_ORG,
	IT__COUNT
};

struct import_map {
	json_t *doc; /* owned: every string below points into it */
	char source[IMPORT_SOURCE_MAX + 1];
	const char *type; /* the target matter type's code */
	const char *id_column;
	struct import_col col[IT__COUNT];
	struct import_col status; /* map values are the type's state codes */
};

/* Loads and checks a mapping document against the app's types. 0, or -1
 * with e naming the first fault (field = the mapping key). source, when not
 * NULL, must equal the document's "source". */
int import_map_load(const struct app *app, json_t *doc, const char *source, struct import_map *m,
                    struct err *e);
void import_map_free(struct import_map *m);

/* One row to write: its case body and ext_ref, or why it was refused. */
struct import_row {
	int line; /* of the source file (JSON: index + 1) */
	char id[IMPORT_ID_MAX * 4 + 1];
	char ext_ref[IMPORT_SOURCE_MAX + 1 + IMPORT_ID_MAX * 4 + 1];
	json_t *body;       /* owned; NULL when refused */
	const char *status; /* the mapped state code, or NULL */
	enum { IR_NEW, IR_UPDATED, IR_UNCHANGED, IR_REJECTED } outcome;
	char why[512]; /* when rejected */
};

/* Fills row->body (and ext_ref, status) from a source record: an object of
 * column → string (or number) values. On a fault, row->outcome is
 * IR_REJECTED with row->why. */
void import_row_build(const struct import_map *m, const json_t *rec, struct import_row *row);
void import_row_clear(struct import_row *row);

/* A batch for import_batch_job. */
struct import_batch {
	const struct import_map *m;
	const char *as; /* the login the rows are written as (holds case.import) */
	struct import_row *rows;
	int n;
	struct err e; /* a failure of the whole batch (the actor, the store) */
};

/* writer: writes each row of the batch in its own savepoint: a row that
 * fails rolls back alone and is marked IR_REJECTED. */
int import_batch_job(struct wctx *w, struct write_job *job);

/* The counts of a run, for its "import.run" event. */
struct import_counts {
	int64_t added, updated, unchanged, rejected;
};
struct import_run {
	const struct import_map *m;
	const char *as;
	const char *file; /* its base name goes in the event */
	struct import_counts n;
	struct err e;
};
/* writer: the run's "import.run" event with its counts. */
int import_run_job(struct wctx *w, struct write_job *job);

/* writer: rows[0..n) written as a, each in its own savepoint (what
 * import_batch_job does for a login); 0, or -1 with err when the store
 * failed. The rows' outcomes say the rest. */
int import_rows_write(struct wctx *w, const struct actor *a, const struct import_map *m,
                      struct import_row *rows, int n, struct err *err);
/* writer: the "import.run" event of a run of file (its base name is kept). */
int import_run_event(struct wctx *w, const struct actor *a, const struct import_map *m,
                     const char *file, const struct import_counts *n);

#endif
