/*
 * The ledger (台账) of the one type with a "ledger" block (type_data.h;
 * the hazards of docs/hazard.md): its cases the caller may read with the
 * enterprise each belongs to, filtered by region, industry, source, level,
 * status and listing; the summary table (found / rectified / rate, by
 * source, by level, listed); the spreadsheet export; and the map of its
 * open major and listed cases. Readers only; no personal data is read.
 */
#ifndef CIVICLOOP_CORE_LEDGER_H
#define CIVICLOOP_CORE_LEDGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/types.h"
#include "store/store.h"
#include "util/error.h"
#include "util/sheet.h"

#define LEDGER_PAGE_DEFAULT 50
#define LEDGER_PAGE_MAX 200
#define LEDGER_MAP_MAX 2000
#define LEDGER_EXPORT_MAX 200000

struct ledger_query {
	const char *region;   /* an org code: its subtree; NULL = all */
	const char *industry; /* the enterprise's industry */
	const char *source, *level, *status;
	int listed;            /* -1 any, 0 not listed, 1 listed */
	int64_t from, to;      /* received_at range, 0 = open */
	int64_t cursor;        /* the last id of the previous page, 0 = first */
	int limit;             /* rows of a page */
	bool no_summary;       /* a first page without its summary (the export's) */
	const char *scopes[3]; /* the read scopes; NULL ones unused */
};

/* Checks q's filters against the type (a value of the field, a state, a
 * known industry, a known org): 0, or -1 with *e a 400 naming the
 * parameter. Sets the scopes from the actor's case.read (403 without). */
int ledger_query_check(struct store_conn *c, const struct app *app, const struct actor *a,
                       struct ledger_query *q, struct err *e);
/* {"items": […], "next_cursor", "summary"?}: a page; the summary of every
 * matching case with the first page. */
int ledger_list(struct store_conn *c, const struct app *app, const struct ledger_query *q,
                json_t **out, struct err *e);
/* The summary table for q: {"found","rectified","rate","by_source":[…],
 * "by_level":[…],"listed":{…}}. */
int ledger_summary(struct store_conn *c, const struct app *app, const struct ledger_query *q,
                   json_t **out, struct err *e);
/* The same for type t (which has a "ledger" block). */
int ledger_summary_of(struct store_conn *c, const struct matter_type *t,
                      const struct ledger_query *q, json_t **out, struct err *e);
/* Every matching row (at most LEDGER_EXPORT_MAX: 413 beyond) into a sheet
 * in dir; its fd, size and rows out. */
int ledger_sheet(struct store_conn *c, const struct app *app, const struct ledger_query *q,
                 enum sheet_format fmt, const char *dir, int *fd, int64_t *size, int64_t *rows,
                 struct err *e);
/* GeoJSON FeatureCollection of the open major and listed cases the scopes
 * see, at the case's point or its enterprise's; "truncated" past limit. */
int ledger_map(struct store_conn *c, const struct app *app, const struct ledger_query *q,
               json_t **out, struct err *e);

#endif
