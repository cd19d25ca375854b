/*
 * The case engine (DESIGN.md §2): creates cases and applies the actions of
 * their matter type. The functions marked "writer" run inside a writer job
 * (core/writer.h) and leave the database unchanged when they fail; the
 * others read through a reader connection.
 *
 * Where each part lives (src/core/):
 *   intake.c       creating a case (engine_create); placement.h places its point
 *   action.c       the action driver (engine_act) and the case view answer
 *   input.c        input checks: type fields, text, location, reporter, action bodies
 *   conditions.c   who may act, guards and branches (struct type_cond)
 *   effects.c      the effect table and the effects on case fields, links, deadlines
 *   assignments.c  assignments and the effects that open, cancel and move them
 *   timers.c       timers: start, stop, restart, pause and resume a case's clock
 *   notify.c       notices to org inboxes (催办, 督办) and the notify effect
 *   caseview.c     reading cases: load, visibility, JSON, lists, events
 *   caseexport.c   the case list as a spreadsheet (the exports)
 * engine_int.h is what those files share; nothing outside them includes it.
 */
#ifndef CIVICLOOP_CORE_ENGINE_H
#define CIVICLOOP_CORE_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/directory.h"
#include "core/input.h"
#include "core/types.h"
#include "core/writer.h"
#include "util/error.h"
#include "util/json.h"
#include "util/sheet.h"
#include "util/text.h"
#include "util/utf8.h"

struct app;

#define CASE_TITLE_MAX 200   /* characters */
#define CASE_TEXT_MAX 8000   /* characters */
#define CASE_ADDRESS_MAX 300 /* characters */
#define REPORTER_NAME_MAX 64 /* characters */
#define CASE_FIELDS_MAX 64   /* keys in "fields" */
#define COMMENT_MAX 2000     /* characters */
#define DUPLICATE_WINDOW_MS (30LL * 24 * 3600 * 1000)

/* A case row as loaded. Strings are owned by the record. */
struct case_rec {
	int64_t id;
	char no[32];
	const struct matter_type *type;
	char *class_;
	char *channel;
	char *status;
	char *title;
	char *description;
	json_t *location; /* NULL if none */
	int64_t org_id;
	char org_path[256];
	unsigned char *reporter_enc;
	size_t reporter_len;
	bool confidential;
	json_t *fields; /* object, never NULL after load */
	int64_t received_at, due_at, closed_at, created_by, created_at, updated_at, version;
	/* where its point lies (core/placement.h): "placed", "outside", or ""
	 * when it has none; place_org_id the deepest org holding it, 0 if none */
	char place_status[8];
	int64_t place_org_id;
	/* the owner org's code, name and kind, read with the row (every
	 * record comes from case_load or case_load_many) */
	char org_code[64], org_name[128], org_kind[16];
	/* its region (core/region.h): the owner org's at intake, kept */
	char region[8];
};

struct asg_rec {
	int64_t id, case_id, org_id;
	char kind[8];
	char status[32]; /* a name of the type's "assignment_statuses" */
	enum asg_phase
	    phase; /* type_asg_phase(type, status): set by case_load and asg_set_status */
	int64_t dispatched_at, sign_due_at, due_at, signed_at, done_at;
	char org_code[64];
	char org_name[128];
	char org_path[256];
};

#define CASE_MAX_ASSIGNMENTS 32

struct case_full {
	struct case_rec c;
	struct asg_rec a[CASE_MAX_ASSIGNMENTS];
	int na;
	/* attachments added since the case's last action (updated_at): set by
	 * an action before its guards and branches read {"new_attachments"} */
	int new_attachments;
};

/* writer: creates a case from an API body. *out = {"case","possible_duplicates"}
 * (POST /api/v1/cases adds "routing" once committed: core/routing.h). */
int engine_create(struct wctx *w, const struct actor *a, json_t *body, json_t **out, struct err *e);
/* writer: the same, keeping an outside system's number for the case
 * (cases.ext_ref, unique per type; NULL = none). The caller looks it up
 * first with ST_CASE_BY_EXT_REF; a duplicate here fails as a conflict. */
int engine_create_ext(struct wctx *w, const struct actor *a, json_t *body, const char *ext_ref,
                      json_t **out, struct err *e);
/* writer: engine_create, leaving the case's view to be read back after the
 * COMMIT, off the writer, when that view records nothing (the case is not
 * confidential and its type has no parties): then *case_id > 0 and *out has
 * only "possible_duplicates"; else *case_id = 0 and *out is engine_create's. */
int engine_create_later(struct wctx *w, const struct actor *a, json_t *body, json_t **out,
                        int64_t *case_id, struct err *e);
/* writer: engine_create_ext without the answer: *id is the stored case's.
 * For bulk intake (core/import.c), where the case view and its possible
 * duplicates (a search per row, growing with the cases near it) would cost
 * more than the write and be thrown away. */
int engine_create_plain(struct wctx *w, const struct actor *a, json_t *body, const char *ext_ref,
                        int64_t *id, struct err *e);
/* reader: what a case would get if it were registered now, while it is
 * being typed (POST /api/v1/cases/hints): the create's checks (the same
 * 400s and 403s; but the description may be absent or empty, and then
 * routing is [] and only the same caller's cases are duplicates), then
 * {"placement","possible_duplicates","routing","org"}
 * (org: the owner it would have). Writes nothing: a confidential case is
 * never among the duplicates. */
int engine_hints(struct store_conn *c, struct app *app, const struct actor *a, json_t *body,
                 json_t **out, struct err *e);
/* writer: applies `action` to case `id`. *out = {"case":…}. */
int engine_act(struct wctx *w, const struct actor *a, int64_t id, const char *action, json_t *body,
               json_t **out, struct err *e);
/* writer: engine_act without the answer (no case view, no PII view
 * recorded): for bulk loads (civicloop gen). */
int engine_act_plain(struct wctx *w, const struct actor *a, int64_t id, const char *action,
                     json_t *body, struct err *e);
/* writer: the system takes `action` on assignment `asg` of case `id`
 * (an overdue unit's part, the type's auto_urge with "run": true), or with
 * asg 0 a system action on the case itself (core/inspections.c): the
 * same input, state and guard checks and effects as engine_act, no
 * permission check, no answer. 0, or -1 with *e set; the caller rolls its
 * savepoint back. */
int engine_act_auto(struct wctx *w, int64_t id, int64_t asg, const char *action, json_t *body,
                    struct err *e);
/* Whether the actor may take `act` on the case now (the case's action list). */
bool engine_action_available(const struct actor *a, const struct type_action *act,
                             const struct case_full *cf);
/* writer: a notice to an org's inbox (催办, 督办, overdue); actor 0 = system. */
int notice_add(struct wctx *w, int64_t org_id, int64_t case_id, const char *kind, const char *text,
               int64_t actor_id);
/* writer: records that `a` was shown the confidential reporter of case id. */
int engine_record_pii_view(struct wctx *w, const struct actor *a, int64_t id);
/* writer: records that `a`, whose reads are recorded (auth.h
 * actor_reads_recorded), read case id ("case.read"), or was shown a list
 * (id 0, "case.list"); payload is canonical JSON text. */
int engine_record_read(struct wctx *w, const struct actor *a, int64_t id, const char *action,
                       const char *payload);
/* writer: case id as `a` sees it in detail (case_to_json), the view of a
 * confidential reporter recorded (engine_record_pii_view). 0 with *out (the
 * caller's), or -1 with *e set. */
int case_view_record(struct wctx *w, const struct actor *a, int64_t id, json_t **out,
                     struct err *e);

/* An assignment's opinion (what an assisting or review unit answered,
 * assignments.c lead_sets_fields) as {"<field>": …, "at": …}, or JSON null. */
json_t *assignment_opinion_json(struct store_conn *c, int64_t asg_id);
/* The ratings kept on an assignment by rate_part (core/ratings.c):
 * {"SIDE": {fields…, "at", "by"}}, or null when none. */
json_t *assignment_ratings_json(struct store_conn *c, int64_t asg_id);

/* Loads a case with its assignments. Returns 0, or -1 if there is no such case. */
int case_load(struct store_conn *c, const struct app *app, int64_t id, struct case_full *cf);
/* case_load for n cases at once (n <= CASE_LOAD_MANY_MAX), in two
 * statements: cf[i] is ids[i]'s, found[i] whether it loaded. -1 when the
 * statements failed (nothing loaded). */
#define CASE_LOAD_MANY_MAX 50
int case_load_many(struct store_conn *c, const struct app *app, const int64_t *ids, int n,
                   struct case_full *cf, bool *found);
void case_full_release(struct case_full *cf);
bool case_visible(const struct actor *a, const struct case_full *cf);
/* Case as API JSON. detail: full reporter where allowed (sets *pii_shown when
 * a confidential reporter was revealed), actions the actor may take now. */
json_t *case_to_json(struct store_conn *c, const struct app *app, const struct actor *a,
                     const struct case_full *cf, bool detail, bool *pii_shown);

/* The list's orders (GET /api/v1/cases?sort=). */
enum case_sort {
	CASE_SORT_NEWEST, /* by id, newest first (the default) */
	CASE_SORT_DUE,    /* by deadline, soonest first, none last: the case's
	                   * due_at, or with mine the unit's own part's (its
	                   * sign_due_at until signed for, then its due_at) */
};
/* The sort key of a row without a deadline (store/statements.h CASE_DUE_KEY). */
#define CASE_KEY_NONE INT64_MAX

/* Case list for GET /api/v1/cases. q holds the parsed filters. */
struct case_query {
	const char *type, *q;
	/* comma lists "a" or "a,b,c" of at most CASE_QUERY_LIST_MAX codes of the
	 * type= (or of some loaded type), NULL = any */
	const char *status; /* states */
	const char *class_; /* classes */
	const char *channel;
	const char *queue; /* a named work queue ("dispatch"), NULL = none */
	int64_t org_id;    /* 0 = any */
	bool mine, overdue;
	int due_soon; /* hours: open cases due within them, 0 = off */
	int problem;  /* 1 = flagged 问题工单 only, -1 = unflagged only, 0 = any */
	/* "placed" or "outside" (core/placement.h: where the case's point
	 * lies), NULL = any */
	const char *placement;
	/* "lead", "assist" or "review": the case has a live assignment of that
	 * kind (part_kind=assist: the disputes mediated jointly with another
	 * region, docs/dispute.md) */
	const char *part_kind;
	int64_t from, to; /* received_at range, 0 = open */
	/* with mine: the unit's part is in one of these assignment statuses
	 * ("a,b", of the type= or of some loaded type); NULL = those of the open
	 * and signed phases (its unfinished parts). Without mine: refused. */
	const char *part;
	enum case_sort sort;
	/* where the page starts, 0 = the first page: CASE_SORT_NEWEST continues
	 * below this id; CASE_SORT_DUE after the row (cursor_key, cursor) */
	int64_t cursor;
	int64_t cursor_key; /* CASE_SORT_DUE: the last row's key (ms, or CASE_KEY_NONE) */
	/* CASE_SORT_NEWEST: only ids from this one on, 0 = any: the lower end
	 * of the rowid range the list walks. The exports set it (with the
	 * cursor as the upper end) from the ids received in from..to
	 * (caseexport.c); GET /api/v1/cases leaves it 0. */
	int64_t id_min;
	bool with_actions; /* case_list: each item's "actions", as the detail's */
	int limit;         /* 1..200 for case_list; case_list_ids takes any from 1 */
	/* case_list_ids: the caller knows that at most `limit` rows follow (an
	 * export, after its count): no row past them is looked for, so the
	 * statement stops at the last one instead of reading every case after
	 * it to tell that none matches (*more is then false) */
	bool exact;
};
#define CASE_QUERY_LIST_MAX 10
/* Reads the list cursor `text` (NULL or "" = the first page) for q's order
 * (q->sort and q->mine set) into q->cursor and q->cursor_key: the default
 * order's is the last id shown; sort=due's an opaque text of the last row's
 * key and id, of one kind for the case's deadline and another for the
 * unit's part's. A cursor of another order or kind, or a malformed one, is
 * 400 field.invalid on "cursor". 0, or -1 with *e set. */
int case_cursor_parse(const char *text, struct case_query *q, struct err *e);
#define CASE_QUERY_DUE_SOON_MAX 720 /* hours */
int case_list(struct store_conn *c, const struct app *app, const struct actor *a,
              const struct case_query *q, json_t **out, struct err *e);
/* GET /api/v1/geo/cases, the leader's map: the open (not final) cases with
 * a location the actor may read, of q->type and with a status of q->status
 * ("a,b,c") when given (checked as GET /api/v1/cases checks them), newest
 * first, at most q->limit: {"items":[{"id","no","title","status",
 * "status_name","class","lat","lng","overdue","org":{"id","code","name"}}],
 * "truncated":bool}, truncated when more matched. Never reporter data. The
 * query walks the index of open located cases (store/stmt_geo.h). */
#define CASE_MAP_LIMIT_MAX 5000
#define CASE_MAP_LIMIT_DEFAULT 2000
struct case_map_query {
	const char *type;   /* NULL = any */
	const char *status; /* NULL = any */
	int limit;          /* 1..CASE_MAP_LIMIT_MAX */
};
int case_map(struct store_conn *c, const struct app *app, const struct actor *a,
             const struct case_map_query *q, json_t **out, struct err *e);
/* The ids of the list page q names (at most q->limit, into ids[0..q->limit),
 * or only counted when ids is NULL), in q's order, as of `now` (overdue,
 * due_soon, queues); *more tells whether more follow, and *last_key (may be
 * NULL) is the last row's sort key for CASE_SORT_DUE, to continue after it
 * with (key, id). 0, or -1 with *e set. */
int case_list_ids(struct store_conn *c, const struct app *app, const struct actor *a,
                  const struct case_query *q, int64_t now, int64_t *ids, int *n, bool *more,
                  int64_t *last_key, struct err *e);
/* The case list as a spreadsheet (caseexport.c), in two steps inside the
 * caller's one read transaction. case_export_count checks the filters q
 * (its limit and cursor unused) as case_list does and counts the cases `a`
 * may see: 0 with *x filled, or -1 with *e set (400 for a filter, 413
 * export.too_large past max_rows). case_export_write then writes them, in
 * the list's order (q->sort), one row each under case_export_cols, masked
 * as the list masks them, into a new anonymous file in dir (util/sheet.h):
 * 0 with *out
 * filled (out->fd is the caller's), or -1 with *e set (503 when the file
 * cannot be written). */
#define CASE_EXPORT_NCOLS 15
extern const struct sheet_col case_export_cols[CASE_EXPORT_NCOLS];
struct case_export {
	struct case_query q; /* the filters; strings borrowed from the caller's */
	int64_t now;         /* the one clock of the count and every row */
	int cases;           /* that match, at most the max_rows counted against */
};
struct case_export_file {
	int fd;       /* read it from offset 0 */
	int64_t size; /* bytes */
	int64_t rows; /* cases, the header row not counted */
};
int case_export_count(struct store_conn *c, const struct app *app, const struct actor *a,
                      const struct case_query *q, int max_rows, struct case_export *x,
                      struct err *e);
int case_export_write(struct store_conn *c, const struct app *app, const struct actor *a,
                      const struct case_export *x, enum sheet_format fmt, const char *dir,
                      struct case_export_file *out, struct err *e);

/* The actions of the events that record a read (engine_record_pii_view,
 * engine_record_read: pii.view and case.read on a case; case.list,
 * case.export and audit.read on none) as a JSON array: who was shown a case,
 * not a step of its handling. */
#define ENGINE_READ_ACTIONS \
	"[\"pii.view\",\"case.read\",\"case.list\",\"case.export\",\"audit.read\"]"

/* The action of the event a merged child gets when it follows its parent
 * (core/follow.c): an engine event, like "create", never a type's action. */
#define FOLLOW_PARENT_EVENT "follow_parent"

/* The case's events in order, at most limit of them after seq `cursor`
 * (0 = from the first); next_cursor is the last seq shown when more follow.
 * Events recording a read (ENGINE_READ_ACTIONS) are shown only to a holder
 * of audit.read over the case (its org, or a live unit's); for everyone
 * else they are not there, and the page fills up with the next events. */
int case_events(struct store_conn *c, const struct app *app, const struct actor *a, int64_t id,
                int64_t cursor, int limit, json_t **out, struct err *e);

#endif
