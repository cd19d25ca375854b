/*
 * The case engine (DESIGN.md §2): creates cases and applies the actions of
 * their matter type. The functions marked "writer" run inside a writer job
 * (core/writer.h) and leave the database unchanged when they fail; the
 * others read through a reader connection.
 *
 * Where each part lives (src/core/):
 *   intake.c       creating a case (engine_create)
 *   action.c       the action driver (engine_act) and the case view answer
 *   input.c        input checks: type fields, text, location, reporter, action bodies
 *   conditions.c   who may act, guards and branches (struct type_cond)
 *   effects.c      the effect table and the effects on case fields, links, deadlines
 *   assignments.c  assignments and the effects that open, cancel and move them
 *   timers.c       timers: start, stop, restart, pause and resume a case's clock
 *   notify.c       notices to org inboxes (催办, 督办) and the notify effect
 *   caseview.c     reading cases: load, visibility, JSON, lists, events
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
};

/* writer: creates a case from an API body. *out = {"case","possible_duplicates","routing"}. */
int engine_create(struct wctx *w, const struct actor *a, json_t *body, json_t **out, struct err *e);
/* writer: the same, keeping an outside system's number for the case
 * (cases.ext_ref, unique per type; NULL = none). The caller looks it up
 * first with ST_CASE_BY_EXT_REF; a duplicate here fails as a conflict. */
int engine_create_ext(struct wctx *w, const struct actor *a, json_t *body, const char *ext_ref,
                      json_t **out, struct err *e);
/* writer: applies `action` to case `id`. *out = {"case":…}. */
int engine_act(struct wctx *w, const struct actor *a, int64_t id, const char *action, json_t *body,
               json_t **out, struct err *e);
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

/* Loads a case with its assignments. Returns 0, or -1 if there is no such case. */
int case_load(struct store_conn *c, const struct app *app, int64_t id, struct case_full *cf);
void case_full_release(struct case_full *cf);
bool case_visible(const struct actor *a, const struct case_full *cf);
/* Case as API JSON. detail: full reporter where allowed (sets *pii_shown when
 * a confidential reporter was revealed), actions the actor may take now. */
json_t *case_to_json(struct store_conn *c, const struct app *app, const struct actor *a,
                     const struct case_full *cf, bool detail, bool *pii_shown);

/* Case list for GET /api/v1/cases. q holds the parsed filters. */
struct case_query {
	const char *type, *q;
	const char *status; /* "a" or "a,b,c": at most CASE_QUERY_STATUSES, NULL = any */
	const char *queue;  /* a named work queue ("dispatch"), NULL = none */
	int64_t org_id;     /* 0 = any */
	bool mine, overdue;
	int due_soon;     /* hours: open cases due within them, 0 = off */
	int problem;      /* 1 = flagged 问题工单 only, -1 = unflagged only, 0 = any */
	int64_t from, to; /* received_at range, 0 = open */
	int64_t cursor;   /* id to continue below, 0 = start */
	int limit;        /* 1..200 */
};
#define CASE_QUERY_STATUSES 10
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
/* The case's events in order, at most limit of them after seq `cursor`
 * (0 = from the first); next_cursor is the last seq shown when more follow. */
int case_events(struct store_conn *c, const struct app *app, const struct actor *a, int64_t id,
                int64_t cursor, int limit, json_t **out, struct err *e);

#endif
