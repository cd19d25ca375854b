/*
 * Matter types as data (DESIGN.md §2). Each JSON file in config/types defines
 * one type: classes (with their handle deadline), channels, fields with
 * validation, states, named deadlines, and actions. The registry validates
 * every definition at load time, so a broken definition stops the server at
 * start with a message naming the file and the fault, never at run time.
 *
 * An action (struct type_action) says:
 *   from            case states it may be taken in
 *   roles           roles that may take it (scoped to the case's org, or for
 *                   "on":"assignment" actions to the assignment's org)
 *   on=assignment   it acts on the caller's own assignment, which must be in
 *                   assignment_from; it moves to assignment_to
 *   within          must be taken before a named deadline counted from the
 *                   assignment's dispatch
 *   fields          inputs, each a type field by name or defined inline
 *   effects         named effects run in order (effects.c: effect_table)
 *   to              the next case state; or to_when_all_done: the next state
 *                   once every live assignment is done; or branches: the
 *                   first whose `if` holds gives `to` and extra effects
 *   guards          conditions under which the action is refused (409)
 *   before_due      must be taken before the caller's assignment is due
 *   approval        {"org_setting": S, "assignment_to": X}: when the
 *                   assignment's org has settings.S = true, the assignment
 *                   goes to X (awaiting the unit lead) instead
 *
 * "assignment_statuses" maps each assignment status name the type uses onto
 * what the engine knows of it (enum asg_phase), e.g. {"pending": "open",
 * "signed": "signed", "done": "done", "cancelled": "cancelled",
 * "return_requested": "open"}. Without it the names are the engine's own
 * (asg_default_statuses in types.c: pending, signed, done, cancelled).
 * C code never switches on a type's or action's name, nor on an
 * assignment status name: it asks type_asg_phase().
 */
#ifndef CIVICLOOP_CORE_TYPES_H
#define CIVICLOOP_CORE_TYPES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/type_data.h"

enum field_kind {
	FK_STRING, /* one line, max chars (default 200) */
	FK_TEXT,   /* multi-line, max chars (default 8000) */
	FK_INT,
	FK_BOOL,
	FK_ENUM,       /* one of values */
	FK_ORG,        /* an org code or id */
	FK_ORGS,       /* a list of org codes or ids, max items */
	FK_CASE,       /* a case id */
	FK_DATETIME,   /* ISO 8601 */
	FK_TOPIC,      /* the id of a collection topic open today (migration 15) */
	FK_LIST,       /* a published task list's id (core/milestones.c) */
	FK_MILESTONES, /* dated steps [{"name","due"}], max items (core/milestones.c) */
	FK_DATE,       /* a calendar date "YYYY-MM-DD" (core/date_fields.c) */
	FK_CHECKLIST,  /* [{"item","ok","note"?}] against the case's industry checklist
	                * (core/checklists.c) */
	FK_ENUMS,      /* 1–max distinct strings of values: a checklist of what is
	                * missing, 一次性告知 (issue 14, homestead) */
};

struct type_field {
	const char *name;
	const char *label;
	enum field_kind kind;
	int max;        /* chars for strings, items for lists, 0 = default */
	int min;        /* FK_INT: the least value (default 0) */
	json_t *values; /* FK_ENUM: array of strings (borrowed from the type json) */
	bool required;
};

struct type_state {
	const char *code;
	const char *name;
	bool initial, final;
};

struct type_class {
	const char *code;
	const char *name;
	struct deadline_spec deadline;
	bool has_deadline;
	bool confidential; /* cases of this class are confidential */
	/* "sign_within": the class's own sign-for limit, replacing the type's
	 * "sign" deadline (life-safety orders within 15 clock minutes) */
	struct deadline_spec sign_within;
	bool has_sign_within;
};

struct type_effect {
	const char *name;
	json_t *params; /* the effect object itself (borrowed) */
	int index;      /* into the engine's effect table, resolved at load */
};

/* A condition on the action's input, the case, or its assignments:
 *   {"field": F, "in"|"not_in": [...]}        the action body's field F
 *   {"case_field": F, "in"|"not_in": [...]}   the case's fields.F
 *   {"case": "channel"|"class"|"status", "in"|"not_in": [...]}
 *   {"open_assignments": N}   live assignments not yet done number N
 *   {"any_assignment": [statuses]}  some live assignment is in one of them
 *   {"new_attachments": N}    files attached since the case's last action
 *                             number N (0: "no new photo with this step")
 *   {"days_left": F, "lt": N} the case's date field F is fewer than N
 *                             calendar days from today (core/date_fields.c)
 *   {"actor_org": F, "in"|"not_in": [true|false]}  whether the actor's own
 *                             org is the org in the case's org field F
 * A missing value fails "in" and satisfies "not_in". */
enum cond_subject {
	COND_BODY,
	COND_CASE_FIELD,
	COND_CASE,
	COND_OPEN_ASG,
	COND_ANY_ASG,
	COND_NEW_ATTACHMENTS,
	COND_DAYS_LEFT,
	COND_ACTOR_ORG
};
struct type_cond {
	enum cond_subject subject;
	const char *name;
	json_t *in, *not_in; /* borrowed; COND_ANY_ASG keeps its statuses in `in` */
	int count;
};
struct type_branch {
	struct type_cond *conds; /* all must hold; none = always */
	int nconds;
	const char *to; /* NULL = the action's own `to` */
	struct type_effect *effects;
	int neffects;
};
/* A guard refuses the action (409, its message) when all its conditions hold. */
struct type_guard {
	struct type_cond *conds;
	int nconds;
	const char *message;
};

struct type_action {
	const char *code;
	const char *name;
	const char **from;
	int nfrom;
	const char *to;
	const char *to_when_all_done;
	const char **roles;
	int nroles;
	bool on_assignment;
	const char **asg_from;
	int nasg_from;
	const char *asg_to;
	/* "assignment_kinds": the kinds of assignment the action may be taken on
	 * (["lead"]: only the unit that leads, never a joint or assisting one);
	 * NULL = any */
	const char **asg_kinds;
	int nasg_kinds;
	const char *within_deadline; /* named deadline, counted from dispatch */
	struct type_field *fields;
	int nfields;
	struct type_effect *effects;
	int neffects;
	struct type_branch *branches;
	int nbranches;
	struct type_guard *guards;
	int nguards;
	bool internal;                /* "public": false — not a step citizens see */
	bool before_due;              /* only before the caller's assignment is due */
	bool keeps_asg;               /* "keeps_assignment": true — on the caller's
	                               * assignment, which keeps its status (no
	                               * assignment_to): a progress report */
	bool system;                  /* "system": true — no roles: only the scheduler takes
	                               * it (auto_urge.run), never a person (403) */
	const char *approval_setting; /* org setting that routes the assignment ... */
	const char *approval_to;      /* ... to this status instead of assignment_to */
};

/* What the engine needs to know about an assignment's status. */
enum asg_phase {
	ASG_OPEN,      /* live, not done, not (yet) signed for: waiting to be signed
	                * for, or on a request; any name the type does not map */
	ASG_SIGNED,    /* signed for and worked on: moving an assignment here records
	                * signed_at and ends its sign-for timer */
	ASG_DONE,      /* its part is done: done_at set, its timers stop; 发回重办
	                * (reopen_assignments) takes done ones back to work */
	ASG_CANCELLED, /* no longer the unit's part: not live, its timers stop */
};
#define ASG_PHASES 4

/* One entry of the type's "assignment_statuses". */
struct asg_status {
	const char *code; /* borrowed from the type json, or a static default */
	enum asg_phase phase;
};

struct named_deadline {
	const char *name;
	struct deadline_spec spec;
};

struct matter_type {
	const char *code;
	const char *name;
	const char *prefix; /* case number prefix, 2 ASCII letters */
	struct type_class *classes;
	int nclasses;
	const char *default_class;
	const char **channels;
	int nchannels;
	const char *default_channel;
	struct type_field *fields;
	int nfields;
	struct type_state *states;
	int nstates;
	struct type_action *actions;
	int nactions;
	struct named_deadline *deadlines;
	int ndeadlines;
	int64_t warn_before_ms;
	struct asg_status *asg_statuses; /* "assignment_statuses" (owned array) */
	int nasg_statuses;
	/* the one name of each phase but ASG_OPEN, written when the engine moves
	 * an assignment there by itself (cancelling, reopening) */
	const char *asg_status_of[ASG_PHASES];
	json_t *json;          /* the definition, as served by GET /api/v1/types/{type} */
	struct type_data data; /* rates, queues, auto_urge, … (type_data.h) */
};

struct type_registry {
	struct matter_type *types;
	int ntypes;
	json_t *list; /* {"items":[summary…]} for GET /api/v1/types */
};

/* Resolves an effect name to its index in the engine's table, -1 if there
 * is none (core/effects.h effect_index). */
typedef int (*effect_lookup_fn)(const char *name);

/* Loads every *.json in dir, resolving effect names with effect_index.
 * NULL with a reason on any fault. */
struct type_registry *types_load_dir(const char *dir, effect_lookup_fn effect_index, char *err,
                                     size_t errcap);
void types_free(struct type_registry *r);

const struct matter_type *types_find(const struct type_registry *r, const char *code);
const struct type_action *type_action(const struct matter_type *t, const char *code);
const struct type_class *type_class(const struct matter_type *t, const char *code);
const struct type_state *type_state(const struct matter_type *t, const char *code);
const struct type_field *type_field(const struct matter_type *t, const char *name);
const struct deadline_spec *type_deadline(const struct matter_type *t, const char *name);
/* What status name s of the type's assignments means (ASG_OPEN if unmapped). */
/* True if s is one of the type's assignment statuses. */
bool type_asg_status_known(const struct matter_type *t, const char *s);
enum asg_phase type_asg_phase(const struct matter_type *t, const char *s);
/* The type's name for phase p (NULL for ASG_OPEN, which may have several). */
const char *type_asg_status(const struct matter_type *t, enum asg_phase p);
bool type_has_channel(const struct matter_type *t, const char *channel);
/* Whether v is one of enum field f's values (false for NULL or no values). */
bool type_field_has_value(const struct type_field *f, json_t *v);
bool str_in(const char *s, const char *const *list, int n);

#endif
