/*
 * What the engine's files share (engine.h lists them): the context of one
 * action as it runs, the effect signature, and the helpers one file offers
 * the others. Everything here runs inside a writer job; a function that
 * fails sets *e (its act_ctx's e) unless it says otherwise, and the writer
 * rolls the job back. Nothing outside the engine's files includes this.
 */
#ifndef CIVICLOOP_CORE_ENGINE_INT_H
#define CIVICLOOP_CORE_ENGINE_INT_H

#include "core/app.h"
#include "core/engine.h"

/* One action being applied (action.c), handed to every effect. */
struct act_ctx {
	struct wctx *w;
	const struct actor *a;
	const struct matter_type *t; /* cf's type, never NULL */
	const struct type_action *act;
	struct case_full *cf; /* the case as loaded; effects change it in place */
	json_t *body;         /* the request, checked (action_body_check) */
	json_t *payload;      /* the event's payload, effects add to it */
	struct asg_rec *mine; /* the caller's assignment (on_assignment actions), or NULL */
	/* the case's next state as an effect decided it (lead_moves_case keeps
	 * the state, cancel_unit sends a case whose lead is withdrawn back);
	 * NULL = the action's own `to` and branches decide */
	const char *next;
	struct err *e;
};

/* An effect: 0, or -1 with x->e set. params is the effect's object in the type. */
typedef int (*effect_fn)(struct act_ctx *x, json_t *params);

/* A store write failed: 503, always -1. */
int store_fail(struct err *e);

/* intake.c: the permission whose holders register cases of t (enum
 * permission): the type's "create_permission" (a list's owner, task.manage,
 * registers its items), else case.create; -1 for an unknown name. */
int type_create_perm(const struct matter_type *t);

/* milestones.c: the "list" and "milestones" field kinds, and the effects
 * milestone_timers and milestone_done */
int field_milestones_check(const struct type_field *f, json_t *v, struct err *e);
int field_list_check(struct store_conn *c, const struct type_field *f, json_t *v, struct err *e);
int effect_milestone_timers(struct act_ctx *x, json_t *params);
int effect_milestone_done(struct act_ctx *x, json_t *params);

/* date_fields.c: the "date" field kind, the days before a date, the effect
 * date_timer; actor_fields.c: the effect record_actor */
int field_date_check(const struct type_field *f, json_t *v, struct err *e);
/* Calendar days from now's day (Asia/Shanghai) to `date` (YYYY-MM-DD) into
 * *left (negative once past); -1 if date is not one. */
int date_days_left(const char *date, int64_t now, int64_t *left);
/* The instant a date is due: 24:00 of that day, +08:00; -1 if not a date. */
int64_t date_due_at(const char *date);
int effect_date_timer(struct act_ctx *x, json_t *params);
int effect_record_actor(struct act_ctx *x, json_t *params);
/* checklists.c: the "checklist" field kind on an action's body, against
 * the industry checklist of the case's enterprise; the industry of an
 * enterprise org (0, 1 when it is none, -1 when the store failed); an
 * item of a checklist by its code (NULL if none) */
int field_checklist_check(struct act_ctx *x, const struct type_field *f, json_t *v);
int checklist_industry(struct store_conn *c, int64_t org_id, char *buf, size_t cap);
json_t *checklist_item(json_t *list, const char *code);
/* spawn.c: spawn_cases, and the check of its parameters at load (NULL
 * when fine) */
int effect_spawn_cases(struct act_ctx *x, json_t *params);
const char *spawn_cases_fault(const struct type_registry *r, const struct matter_type *t,
                              const struct type_action *a, json_t *params);

/* input.c */
int action_body_check(struct act_ctx *x);
int case_fields_check(struct store_conn *c, const struct matter_type *t, json_t *fields,
                      struct err *e);
/* Checks reporter {"name"?,"phone"?,"confidential"?} and seals it into
 * enc, enclen (the caller frees *enc); a phone's blind index goes to idx
 * with *has_idx set; a confidential reporter sets *confidential. */
int reporter_check(const struct app *app, json_t *rep, bool *confidential, unsigned char **enc,
                   size_t *enclen, unsigned char idx[HASH_LEN], bool *has_idx, struct err *e);

/* conditions.c */
bool status_listed(json_t *list, const char *status); /* NULL list: any */
/* a: the actor ({"actor_org"}), now: today ({"days_left"}) */
bool conds_hold(const struct type_cond *c, int n, json_t *body, const struct case_full *cf,
                const struct actor *a, int64_t now);
bool actor_may_act(const struct actor *a, const struct type_action *act, const char *org_path);
/* Index of the caller's assignment for an on_assignment action, -1 if none;
 * *any_role tells whether the caller may act on any live assignment at all
 * (or, on a case without one, holds one of the action's roles over the
 * case's org). A non-NULL org (a code or an id) picks that unit's
 * assignment among those the caller may act on (a dispatcher ruling on one
 * of several units' returns). */
int find_my_assignment(const struct actor *a, const struct type_action *act,
                       const struct case_full *cf, json_t *org, bool *any_role);
bool org_setting_true(struct store_conn *c, int64_t org_id, const char *key);
/* Whether assignment g is the unit `org` names (a code or an id). */
bool asg_is_org(const struct asg_rec *g, json_t *org);

/* timers.c: 0 or -1, *e left alone unless it is an argument */
/* The handle deadline of the case's class, else the type's "handle". */
const struct deadline_spec *class_deadline(const struct matter_type *t, const char *cls);
/* A timer falling due at `due`; unit is how it counts when paused. Its
 * warning comes warn_before_ms earlier, unless that is not after `start`. */
int timer_at(struct wctx *w, const struct matter_type *t, int64_t case_id, int64_t asg_id,
             const char *kind, enum deadline_unit unit, int64_t due, int64_t start);
/* A timer for deadline spec counted from `from`; its due time into *due_out. */
int timer_start(struct wctx *w, const struct matter_type *t, int64_t case_id, int64_t asg_id,
                const char *kind, const struct deadline_spec *spec, int64_t from, int64_t *due_out);
/* Stops the case's own `kind` timers and starts one due at `due` from now. */
int timer_restart_case(struct wctx *w, const struct matter_type *t, int64_t case_id,
                       const char *kind, enum deadline_unit unit, int64_t due);
int timers_stop_case_kind(struct wctx *w, int64_t case_id, const char *kind);
int timers_stop_case(struct wctx *w, int64_t case_id);
/* An assignment's timers of `kind` (NULL: all) stop. */
int timers_stop_asg(struct wctx *w, int64_t asg_id, const char *kind);
/* pause: the case's running timers stop counting; resume: paused ones run
 * again, due later by the working time that passed. Sets x->e. */
/* Pauses (or resumes) the case's timers; with unit_part on an action on an
 * assisting unit's part (unit_part_of), only that unit's timers. */
int clock_switch(struct act_ctx *x, bool pause, bool unit_part);
/* The assignment an action works on when it is not the lead's (an assisting
 * or review unit's part, or a ruling on it); NULL for the lead's or the
 * case's own. */
struct asg_rec *unit_part_of(const struct act_ctx *x);

/* assignments.c */
bool asg_live(const struct asg_rec *g); /* not cancelled */
bool asg_open(const struct asg_rec *g); /* live and not done */
int asg_write(struct act_ctx *x, struct asg_rec *g);
/* The caller's own assignment moves as the action says (assignment_to, or
 * approval_to when its org wants the unit lead to approve first). */
int asg_take_action(struct act_ctx *x);
/* Inserts one assignment of `kind` for org_id, pending, with its sign-for
 * timer and a handle deadline of `handle` from now (NULL: none); its id
 * into *asg and its handle due into *due_out (when not NULL). */
int asg_insert(struct act_ctx *x, int64_t org_id, const char *kind,
               const struct deadline_spec *handle, int64_t *asg, int64_t *due_out);
int effect_assign(struct act_ctx *x, json_t *params);
/* levels.c */
int effect_assign_level(struct act_ctx *x, json_t *params);
int effect_escalate_level(struct act_ctx *x, json_t *params);
/* The deadline of the level org `org_id` is (its kind one of the type's
 * levels), or NULL when it is no level: what a reopened part of a dispute
 * gets again (reopen_assignments), as when that level took it on. */
const struct deadline_spec *level_deadline(struct act_ctx *x, int64_t org_id);
int effect_cancel_assignments(struct act_ctx *x, json_t *params);
int effect_update_assignments(struct act_ctx *x, json_t *params);
int effect_reopen_assignments(struct act_ctx *x, json_t *params);
int effect_lead_moves_case(struct act_ctx *x, json_t *params);
int effect_lead_sets_fields(struct act_ctx *x, json_t *params);
int effect_cancel_unit(struct act_ctx *x, json_t *params);
/* The live lead assignment of the case, or NULL. */
struct asg_rec *asg_lead(struct case_full *cf);

/* ratings.c: rate_part (双考核), and the check of its parameters at load
 * (NULL when fine, else what is wrong) */
int effect_rate_part(struct act_ctx *x, json_t *params);
const char *rate_part_fault(const struct matter_type *t, const struct type_action *a,
                            json_t *params);

/* interviews.c: record_interview (a 约谈 record of the case's org), and
 * the check of its parameters at load (NULL when fine) */
int effect_record_interview(struct act_ctx *x, json_t *params);
const char *record_interview_fault(const struct type_action *a, json_t *params);
/* doc_effect.c: the effect issue_document (a signed document of the case,
 * core/documents.h) and its check at type load */
int effect_issue_document(struct act_ctx *x, json_t *params);
const char *issue_document_fault(const struct matter_type *t, const struct type_action *a,
                                 json_t *params);

/* notify.c */
int effect_notify(struct act_ctx *x, json_t *params);

/* follow.c: after an action moved the case from `from` to `to`, its merged
 * children follow it as the type's "follows_parent" says. */
int follow_children(struct act_ctx *x, const char *from, const char *to);
/* The fault of the type's "follows_parent", or NULL when fine or absent. */
const char *follows_parent_fault(const struct matter_type *t);

/* effects.c: set_fields (also the lead's part of lead_sets_fields) */
int effect_set_fields(struct act_ctx *x, json_t *params);
/* effects.c: runs the n effects in order, stopping at the first failure. */
int effects_run(struct act_ctx *x, const struct type_effect *ef, int n);

#endif
