/*
 * The parts of a matter type that tell the rest of the server what the
 * type's own names mean (DESIGN.md §2: "No C or SQL names a type's actions
 * or states"). types.c loads the lifecycle (states, actions, effects); this
 * module loads and checks, in the same pass, the blocks that other modules
 * read by meaning:
 *
 *   rates          which state a reply enters and which count as 办结,
 *                  which action is the follow-up (回访) and which of its
 *                  fields say resolved and satisfied, which action approves
 *                  a return, which reopen, which state a merged duplicate
 *                  is in, the 110 transfer, and for disputes which actions
 *                  escalate (core/stats.c, store/stmt_stats.h; docs/rates.md)
 *   queues         named work queues as states (+ every overdue case)
 *                  (GET /api/v1/cases?queue=, core/caseview.c)
 *   auto_urge      the timers whose overdue makes the scheduler act, and the
 *                  action it records (core/scheduler.c)
 *   public_reply   the fields holding the reply citizens may read and the
 *                  states in which they may (api/public.c)
 *   org_settings   the boolean unit settings the type's actions consult
 *                  ("approval": {"org_setting"}) (PATCH /api/v1/orgs/{id})
 *   linkage        {"110": …}: the type that receives calls handed over by
 *                  110, with the channel, class and fields they get
 *                  (api/linkage.c)
 *   levels         the ladder of org kinds a case climbs when it is
 *                  escalated (disputes: 楼栋（组）→ 村 → 乡镇 → 县), each
 *                  with its name and the deadline a level has
 *                  (core/levels.c; type_data_levels.c)
 *   task_list      for items on a published list (为民办实事, 检视整改):
 *                  which fields hold the list, the leader's level, the
 *                  progress, the steps and the overdue count, which states
 *                  count as done and partly done, and which fields the
 *                  public list page may show (core/stats_task.c,
 *                  api/tasklists.c; type_data_task.c)
 *   inspection_plan, checklists
 *                  rolling safety inspections (滚动排查, docs/inspection.md):
 *                  the frequency per risk level, each class's period, the
 *                  inspecting org, the system action that schedules a
 *                  generated inspection and the fields that hold its period,
 *                  date, results, hazards found and missed flag; the
 *                  checklists per industry the checklist field kind is
 *                  checked against (core/inspections.c, core/checklists.c;
 *                  type_data_inspection.c)
 *   campaign       for findings of a discipline supervision campaign
 *                  (专项监督检查): which fields hold the campaign, the visit
 *                  and the group, which states count as solved (销号)
 *                  (api/campaigns.c; type_data_campaign.c)
 *   parties        the people a case is between (disputes: 申请人,
 *                  被申请人), how many and in which roles; their names,
 *                  phones and ID numbers are sealed like a reporter's
 *                  (core/parties.c; type_data_levels.c)
 *
 * Every name is checked against the type at load; a fault stops the server
 * at start with "FILE: KEY: what is wrong". All pointers below borrow from
 * the type's JSON (matter_type.json), which lives as long as the registry,
 * so nothing here is freed on its own.
 */
#ifndef CIVICLOOP_CORE_TYPE_DATA_H
#define CIVICLOOP_CORE_TYPE_DATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct matter_type;
struct type_registry;

#define TYPE_DATA_NAME_MAX 64 /* bytes of a field, queue or setting name */

/* {"field": F, "in": [values]}: an event payload's field F holds one of the
 * values (compared as SQL values; the values match F's kind). */
struct rate_cond {
	const char *field; /* a field of the callback action, [A-Za-z0-9_] */
	json_t *in;        /* non-empty array */
};

/* The "rates" block: DESIGN §4's rates in the type's own names (the JSON
 * key beside each field; docs/rates.md). Whatever is NULL the type does
 * not have, and its numerator counts 0. */
struct type_rates {
	bool defined;                 /* the type has a rates block (else no /stats) */
	const char *reply_state;      /* replies.state: the first event into it is the reply */
	json_t *close_states;         /* completion.states: final states that count as 办结 */
	const char *callback_action;  /* follow_up.action: 回访 */
	struct rate_cond resolved;    /* follow_up.resolved, on its payload */
	struct rate_cond satisfied;   /* follow_up.satisfied */
	const char *follow_up_timer;  /* follow_up.timer: runs while it waits; NULL = none */
	const char *return_action;    /* returns.action: approves a return (cancel_assignments) */
	json_t *reopen_actions;       /* reopens.actions: 发回重办 by hand; NULL or array */
	json_t *reopen_follow_up_to;  /* reopens.follow_up_to: a follow-up into one reopens */
	const char *merge_state;      /* duplicates.state: 并单 */
	const char *merge_link;       /* duplicates.link: a live link of this kind marks a
	                               * merged case that has moved on (follows_parent);
	                               * NULL = the state alone */
	const char *transfer_action;  /* transfer.action: handed to 110 */
	const char *transfer_state;   /* transfer.state */
	const char *transfer_channel; /* transfer.channel: cases that came from 110 */
	json_t *escalate_actions;     /* local_resolution.escalate; NULL: no such rate */
	json_t *report_in_sides;      /* report_in.ratings: the rate_part sides the
	                               * report-in figures tally; NULL: no such figures
	                               * (core/stats_whistle.c) */
	json_t *reviews_approved;     /* reviews.approved: states of an approved
	                               * application; NULL: no joint-review figures
	                               * (core/stats_reviews.c) */
	json_t *reviews_refused;      /* reviews.refused */
};

struct type_linkage {
	const char *channel;        /* NULL: the type takes no 110 hand-overs */
	const char *class_;         /* when the category names no class */
	const char *incident_field; /* keeps the incident number */
	const char *category_field; /* keeps 110's category */
};

/* One rung of "levels": cases at an org of this kind are handled at this
 * level for `deadline` (a named deadline of the type). */
struct type_level {
	const char *org_kind; /* orgs.kind */
	const char *name;     /* what people call it: 村（社区） */
	const char *deadline; /* the type's named deadline for one level */
};
#define TYPE_LEVELS_MAX 8

/* "parties": {"min", "max", "roles": [{"code","name"}]} */
struct type_parties {
	int min, max;  /* max 0: the type has no parties */
	json_t *roles; /* array of {"code","name"} */
};
#define TYPE_PARTIES_MAX 20

/* "decisions" (people's suggestions, docs/suggestion.md): the action that
 * decides, the enum field holding the decision and which of its values
 * mean adopted, partly adopted and not adopted; the state a case enters when
 * its implementation is done; the topic field the figures are grouped by
 * (core/stats_suggestion.c). action NULL: the type has none. */
struct type_decisions {
	const char *action;
	const char *field;
	json_t *adopted, *partly, *not_adopted; /* non-empty arrays of the field's values */
	const char *implemented;                /* a state */
	const char *topic_field;                /* a field of kind topic */
};

/* "public_submit": the one type that takes POST /api/v1/public/suggestions
 * (api/topics.c): the owning org of what is submitted, its channel and
 * class. org NULL: the type takes none. */
struct type_submit {
	const char *org; /* an org code, resolved when a submission comes */
	const char *channel;
	const char *class_;
};

/* "task_list": {"list_field", "level_field", "progress_field",
 * "milestones_field", "overdue_field", "done_states", "partly_states",
 * "public_fields"} (docs/task.md). list_field NULL: the type lists none. */
struct type_task_list {
	const char *list_field;       /* kind "list": the list an item is on */
	const char *level_field;      /* kind "enum": the leading leader's level (市级…) */
	const char *progress_field;   /* kind "int": percent done */
	const char *milestones_field; /* kind "milestones" */
	const char *overdue_field;    /* a count of overdue steps (the count effect) */
	json_t *done_states;          /* states of a task done (完成) */
	json_t *partly_states;        /* states of a task partly done (阶段性完成) */
	json_t *public_fields;        /* fields the public page shows; no personal data */
};

/* "ledger" (type_data_ledger.c): the fields and states a ledger (台账) of
 * the type's cases, its summary table and its map read; source NULL = none.
 * Field names are plain names (usable in a JSON path). */
struct type_ledger {
	const char *source, *level, *listed, *category, *deadline;
	json_t *major;    /* level values drawn on the map */
	json_t *done;     /* states counted as rectified */
	json_t *excluded; /* states left out of the figures, or NULL */
};

/* "inspection_plan" and "checklists" (docs/inspection.md). by_risk NULL:
 * the type plans none; checklists NULL: the type has none. */
struct type_inspection {
	json_t *by_risk;             /* risk level (红橙黄蓝) → a class of the type */
	json_t *periods;             /* class → "month" | "quarter" | "year" */
	const char *inspecting_org;  /* org code: who inspects unless a plan says */
	const char *schedule_action; /* a system action on no assignment, taken on
	                              * each generated case with {"org"} */
	const char *period_field;    /* string: "2026-12", "2026-Q4", "2026" */
	const char *due_field;       /* date: the period's last day, YYYY-MM-DD */
	const char *results_field;   /* kind checklist */
	const char *hazards_field;   /* a count: hazards found (spawn_cases) */
	const char *missed_field;    /* a count: flagged missed (the count effect) */
	json_t *checklists;          /* industry → [{"code","text","category"?}] */
};

/* "campaign": {"campaign_field", "visit_field", "group_field",
 * "solved_states"} (docs/campaign.md): a finding of a discipline supervision
 * campaign. campaign_field NULL: the type is none. */
struct type_campaign {
	const char *campaign_field; /* kind "int": the campaign a finding is of */
	const char *visit_field;    /* kind "int": the visit that found it */
	const char *group_field;    /* kind "int": the group that found it */
	json_t *solved_states;      /* states of a finding solved (销号) */
};

/* "reception_rules" (type_data_reception.c, docs/reception.md): the fields
 * of an official reception the compliance checks read and the standards.
 * recorded_states NULL: the type is none. */
struct type_reception {
	json_t *recorded_states; /* states of a recorded reception */
	const char *letter_field, *confirmed_field, *unit_field; /* string, datetime, org */
	const char *guests_field, *hosts_field, *meals_field, *cost_field; /* int */
	const char *date_field, *from_field, *to_field;                    /* date */
	int max_hosts, small_group, cost_per_head; /* 陪餐 limit, group size, 元/人·餐 */
	json_t *refused;            /* action → {"kind", "reason"}: refusals recorded, or NULL */
	const char *confirm_action; /* taken by POST /receptions/confirm {"code"}, or NULL */
};

struct type_data {
	struct type_rates rates;
	json_t *queues; /* object: name → {"status": [...], "or_overdue"?, "assignment_status"?}; or
	                   NULL */
	const char *urge_action; /* recorded when an auto_urge timer is overdue; NULL = none */
	json_t *urge_timers;     /* timer kinds that trigger it */
	const char *urge_label;  /* the notice's label, may be NULL */
	bool urge_runs;          /* auto_urge.run: the action is taken (effects, state)
	                          * by the system, not only recorded */
	json_t *reply_fields;    /* public_reply.fields, NULL = no public reply */
	json_t *reply_states;    /* public_reply.states (besides final ones), may be NULL */
	json_t *org_settings;    /* array of {"code","name"}, or NULL */
	struct type_linkage linkage;
	struct type_level levels[TYPE_LEVELS_MAX]; /* lowest first */
	int nlevels;
	struct type_parties parties;
	const char *reply_outcome; /* public_reply.outcome: a field tracking shows, or NULL */
	struct type_decisions decisions;
	struct type_submit submit;
	bool dup_by_text; /* "duplicates": {"by_text": true}: similar text alone is a
	                   * possible duplicate, no place needed (core/duplicates.c) */
	struct type_task_list task_list;
	/* "confidential_reporter": {"field", "in"}: a case registered with the
	 * field's value in the list is confidential (a hazard's tip-off, 群众举报):
	 * its reporter is seen only by pii.read holders; NULL field = none */
	const char *conf_field;
	json_t *conf_in;
	struct type_ledger ledger;
	/* "create_field_roles": the enum field, and {value: [roles]} of who
	 * may register a case with that value; NULL field = none */
	const char *field_roles_field;
	json_t *field_roles;
	struct type_inspection inspection;
	struct type_campaign campaign;
	/* "guide" (the published procedure, 办事指南) as it is, and the values
	 * of its materials_field; "party_track": the party role whose ID tail
	 * unlocks public tracking and the fields it shows (type_data_guide.c) */
	json_t *guide;
	json_t *guide_materials;
	const char *track_role;
	json_t *track_fields;
	struct type_reception reception;
};

/* Loads and checks the blocks above for t, whose lifecycle types.c has just
 * loaded from `file`, into t->data. r holds the types loaded before it (for
 * the checks across types). Returns 0, or -1 with "file: key: reason" in err. */
int type_data_load(const struct type_registry *r, struct matter_type *t, const char *file,
                   char *err, size_t errcap);

/* A named work queue of a type: the case statuses waiting on the queue's
 * owner, the assignment statuses that bring a case in although the case
 * itself moves on (an assisting unit's return awaiting a ruling), and
 * whether every open overdue case joins. Arrays are borrowed. */
struct type_queue {
	json_t *statuses;     /* case statuses */
	json_t *asg_statuses; /* assignment statuses, or NULL */
	bool or_overdue;
};
/* t's queue `name` into *out; false if t has no such queue. */
bool type_queue(const struct matter_type *t, const char *name, struct type_queue *out);
/* Whether an overdue timer of this kind triggers t's automatic urge. */
bool type_auto_urges(const struct matter_type *t, const char *timer_kind);
/* Whether citizens may read the reply in state `status` (final states and
 * public_reply.states), and the first non-empty reply field of `fields`. */
const char *type_public_reply(const struct matter_type *t, const char *status, json_t *fields);
/* The type that takes 110 hand-overs, or NULL. */
const struct matter_type *types_linkage_110(const struct type_registry *r);
/* public_reply.outcome's value of a case in `status` (when its reply may be
 * read), or NULL: public tracking's "outcome" (采纳). */
const char *type_public_outcome(const struct matter_type *t, const char *status, json_t *fields);
/* The type with "public_submit", or NULL. */
const struct matter_type *types_public_submit(const struct type_registry *r);
/* The index in t's levels of org kind `kind`, -1 when it is no level. */
int type_level_index(const struct matter_type *t, const char *kind);
/* The name of party role `code` of t, NULL when t has no such role. */
const char *type_party_role(const struct matter_type *t, const char *code);
/* Whether a case of t registered with these fields is confidential by the
 * type's "confidential_reporter" block. */
bool type_fields_confidential(const struct matter_type *t, json_t *fields);
struct actor;
/* The field whose value the actor may not register a case with over
 * org_path (type's "create_field_roles"), or NULL when it may. */
const char *type_field_roles_fault(const struct matter_type *t, const struct actor *a,
                                   json_t *fields, const char *org_path);
/* The type with a "ledger" block, or NULL. */
const struct matter_type *types_ledger(const struct type_registry *r);
/* The type of campaign findings (campaign.campaign_field), or NULL. */
const struct matter_type *types_campaign(const struct type_registry *r);
/* The first type with reception_rules (official receptions), or NULL. */
const struct matter_type *types_reception(const struct type_registry *r);
/* The type whose items sit on published lists (task_list.list_field), or NULL. */
const struct matter_type *types_task_list(const struct type_registry *r);
/* The type with an "inspection_plan" block, or NULL. */
const struct matter_type *types_inspection(const struct type_registry *r);
/* The checklist of `industry` in t's "checklists" (an array), or NULL. */
json_t *type_checklist(const struct matter_type *t, const char *industry);
/* The type with a "party_track" block, or NULL. */
const struct matter_type *types_party_track(const struct type_registry *r);
/* Whether some type declares the org setting `code`. */
bool types_org_setting(const struct type_registry *r, const char *code);

#endif
