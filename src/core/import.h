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
 * Besides the case body, a mapping may carry the type's own fields
 * ("type_fields", checked by the engine as a registration's are), a close
 * time (the "closed_at" target, used when the mapped state is final) and
 * the source's handling history ("history": core/import_history.c, each
 * step an "import.history" event, appended idempotently on a re-run).
 *
 * Not here: reading files (core/import_csv.c splits a CSV into records for
 * the command line and the API; cli/import.c also reads a JSON array).
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
#define IMPORT_TYPE_FIELDS_MAX 32        /* type fields one mapping may fill */
#define IMPORT_HISTORY_STEPS 200         /* steps of one row's history */
#define IMPORT_HISTORY_BYTES (64 * 1024) /* bytes of one row's history */
/* A source time may run this far ahead of ours (clocks differ), as a
 * registration's received_at may (core/intake.c). */
#define IMPORT_CLOCK_SLACK_MS (5 * 60 * 1000)

/* One mapped target: the source column, and optionally a value map or a
 * time format. */
struct import_col {
	const char *column; /* NULL: not mapped */
	json_t *map;        /* object source value → target value, or NULL */
	const char *format; /* strptime format (times), or NULL: ISO 8601 */
};

struct type_field;

/* One type field the mapping fills ("type_fields": {name: column}). */
struct import_tfield {
	const struct type_field *f; /* the type's (app-lifetime) */
	struct import_col col;
};

/* Where the source keeps a row's handling history: a column holding a JSON
 * array of steps, each an object whose keys the mapping may rename
 * (core/import_history.c). */
enum { IH_AT, IH_STEP, IH_NOTE, IH_UNIT, IH__COUNT };
struct import_history {
	const char *column;          /* NULL: not mapped */
	const char *keys[IH__COUNT]; /* the source's names of at, step, note, unit */
	const char *time_format;     /* strptime of "at" (+08:00), or NULL: ISO 8601 */
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
	IT_CLOSED_AT, /* used only when the mapped state is final */
	IT__COUNT
};

struct import_map {
	json_t *doc; /* owned: every string below points into it */
	char source[IMPORT_SOURCE_MAX + 1];
	const char *type; /* the target matter type's code */
	const char *id_column;
	struct import_col col[IT__COUNT];
	struct import_col status; /* map values are the type's state codes */
	struct import_tfield tf[IMPORT_TYPE_FIELDS_MAX];
	int ntf;
	struct import_history history;
};

/* Loads and checks a mapping document against the app's types. 0, or -1
 * with e naming the first fault (field = the mapping key). source, when not
 * NULL, must equal the document's "source". */
int import_map_load(const struct app *app, json_t *doc, const char *source, struct import_map *m,
                    struct err *e);
void import_map_free(struct import_map *m);
/* Every column the mapping reads into out[0..cap): their count (a CSV
 * header must hold them all). */
int import_map_columns(const struct import_map *m, const char **out, int cap);
#define IMPORT_COLUMNS_MAX (IT__COUNT + IMPORT_TYPE_FIELDS_MAX + 3)

/* One row to write: its case body and ext_ref, or why it was refused. */
struct import_row {
	int line; /* of the source file (JSON: index + 1) */
	char id[IMPORT_ID_MAX * 4 + 1];
	char ext_ref[IMPORT_SOURCE_MAX + 1 + IMPORT_ID_MAX * 4 + 1];
	json_t *body;        /* owned; NULL when refused */
	const char *status;  /* the mapped state code, or NULL */
	int64_t received_ms; /* the row's received_at, 0 when not given */
	int64_t closed_ms;   /* its close time, 0 when not given */
	json_t *steps;       /* owned: its history as [{"at","step","note"?,"unit"?}], or NULL */
	enum { IR_NEW, IR_UPDATED, IR_UNCHANGED, IR_REJECTED } outcome;
	char why[512]; /* when rejected */
};

/* Fills row->body (and ext_ref, status) from a source record: an object of
 * column → string (or number) values. On a fault, row->outcome is
 * IR_REJECTED with row->why. */
void import_row_build(const struct import_map *m, const json_t *rec, struct import_row *row);
void import_row_clear(struct import_row *row);

/* A column name: a non-empty string of at most 64 characters. */
bool import_column_ok(const json_t *v);
/* Marks row refused with the reason fmt says; -1. */
__attribute__((format(printf, 2, 3))) int import_row_refuse(struct import_row *row, const char *fmt,
                                                            ...);
/* parse_time of core/import.c: s in fmt (a wall time in +08:00) or,
 * without fmt, ISO 8601 with an offset (or without: +08:00), as UTC ms. */
int import_time(const char *s, const char *fmt, int64_t *ms);
/* writer: one event of a row's case, its payload (stolen) in canonical form. */
int import_event(struct wctx *w, const struct actor *a, int64_t case_id, const char *action,
                 json_t *payload);

/* The history (core/import_history.c). The mapping's "history" key:
 * {"column", "format"?: "json", "keys"?: {"at","step","note","unit"}
 * renamed, "time_format"?}. 0, or -1 with e (field "history"). */
int import_history_load(json_t *spec, struct import_history *h, struct err *e);
/* The row's history cell as checked steps into row->steps (NULL when the
 * cell is empty). 0, or -1 with the row refused. */
int import_history_build(const struct import_history *h, const json_t *rec, struct import_row *row);
/* writer: the steps of row->steps not yet on case id as "import.history"
 * events (all of them for a new case); *added their count. 0, or -1 with e
 * (a step in the future, or a source that rewrote the steps already
 * imported). */
int import_history_write(struct wctx *w, const struct actor *a, int64_t id, bool is_new,
                         const struct import_row *row, int *added, struct err *e);

/* A CSV source (core/import_csv.c): the first record names the columns
 * and must hold every column m reads; each later record is handed to row()
 * as an object column → cell with its first line. A record that cannot be
 * mapped (more cells than the header; a quote the reader cannot close, after
 * which nothing more is read) goes to refuse(). A callback's non-zero stops
 * the reading. */
struct import_csv_sink {
	int (*row)(void *arg, const json_t *rec, int line);
	int (*refuse)(void *arg, int line, const char *why);
	void *arg;
};
/* 0 every record read; 1 stopped at a syntax error (that record refused, e
 * says where); 2 the header is faulty or lacks a mapped column (e says
 * which; no record was read); -1 a callback stopped it. */
int import_csv_read(const struct import_map *m, const char *text, size_t len,
                    const struct import_csv_sink *k, struct err *e);

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
