/*
 * The dispatch catalogue (派单目录): which unit handles which matters, kept
 * by the administrator from each unit's duty list (职责清单) and saved as
 * numbered versions of one document (migration 11's catalogue_versions;
 * the newest is current; none is ever changed). core/routing.c ranks the
 * units for a case from it.
 *
 * The document is {"entries":[ENTRY…]}, an ENTRY
 *   {"org": "dept.cg" | "@township", "category": "市容环境-占道经营",
 *    "duty"?: "…", "keywords": ["占道经营","摆摊",…], "classes"?: ["投诉"],
 *    "region"?: "county", "negative"?: ["圩日"]}
 * "@township" is the township the case is in; "region" an org code (the
 * county or a township) whose area the entry applies to; "classes" the
 * case classes it applies to (all when absent); a "negative" word in the
 * case's text rules the entry out. Every key, kind and length is checked
 * (catalogue_check) and a fault is named by its path, as
 * "entries[3].keywords[2]"; nothing else is stored.
 *
 * Imports: the document as JSON, or CSV (UTF-8, optional BOM, RFC 4180
 * quoting) with the header org,category,duty,keywords,classes,region,
 * negative (any order; org, category and keywords required) and list
 * cells split at 、 ； or ; — a fault names its line ("line 7.keywords").
 */
#ifndef CIVICLOOP_CORE_CATALOGUE_H
#define CIVICLOOP_CORE_CATALOGUE_H

#include <jansson.h>
#include <stdint.h>

#include "core/writer.h"
#include "util/error.h"
#include "util/sheet.h"

struct type_registry;

#define CATALOGUE_ENTRIES_MAX 2000
#define CATALOGUE_BODY_MAX (1024 * 1024) /* bytes of the canonical document */
#define CATALOGUE_KEYWORDS_MAX 64        /* per entry */
#define CATALOGUE_KEYWORD_CHARS 32       /* characters of one keyword */
#define CATALOGUE_NEGATIVE_MAX 32
#define CATALOGUE_CLASSES_MAX 16
#define CATALOGUE_CATEGORY_CHARS 64
#define CATALOGUE_DUTY_CHARS 500
#define CATALOGUE_NOTE_CHARS 200
#define CATALOGUE_VERSIONS_LISTED 1000
#define CATALOGUE_TOWNSHIP "@township"

/* Checks entries (the document's "entries") against the org directory of
 * c and makes *out, the document {"entries":[…]} as it will be stored.
 * 0, or -1 with *e (400, the field a path such as "entries[3].org"). */
int catalogue_check(struct store_conn *c, const json_t *entries, json_t **out, struct err *e);

/* The classes the entries of a checked doc name must be classes of some
 * loaded type: an entry limited to a class no case has would never apply.
 * 0, or -1 with *e (400, "entries[i].classes[j]"). */
int catalogue_check_classes(const struct type_registry *types, const json_t *doc, struct err *e);

/* The document of CSV text[0..n) (see above): 0 with *out, or -1 with *e
 * (400, the field "line N.column"). Entries are checked by catalogue_check
 * afterwards; its faults are renamed to their lines by
 * catalogue_csv_fault. lines[i] receives the line of entry i
 * (CATALOGUE_ENTRIES_MAX of them). */
int catalogue_csv_parse(const char *text, size_t n, json_t **out, int *lines, struct err *e);
/* Rewrites a catalogue_check fault "entries[i]…" to "line N…" with lines[]. */
void catalogue_csv_fault(struct err *e, const int *lines);

/* writer: stores doc (checked) as version `expect` + 1 when the current
 * version is `expect` (else 409), with note (may be NULL) and an audit
 * event "catalogue.save" by actor_id/org_id. 0 with *version, or -1. */
int catalogue_save(struct wctx *w, int64_t actor_id, int64_t org_id, const json_t *doc,
                   const char *note, int64_t expect, const char *via, int64_t *version,
                   struct err *e);
/* The current version number (0 if none), or -1 if the store failed. */
int64_t catalogue_head(struct store_conn *c);

/* {"version","note","created_at","created_by":{"login","name"}|null,
 * "entries":[…]} of version (0 = current). 0, -1 with *e (404 none). */
int catalogue_get(struct store_conn *c, int64_t version, json_t **out, struct err *e);
/* {"items":[{"version","note","created_at","created_by","entries"}]}. */
int catalogue_versions(struct store_conn *c, json_t **out, struct err *e);
/* The current version's entries as rows of a sheet (export): 0, or -1. */
int catalogue_sheet(struct store_conn *c, enum sheet_format fmt, const char *dir, int *fd,
                    int64_t *size, struct err *e);

#endif
