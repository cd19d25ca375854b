/*
 * What type_data.c and type_data_rates.c share while loading one type's
 * blocks (type_data.h): the loading state and the checks every block uses.
 * Not for other modules. Each check writes "FILE: KEY: what is wrong" into
 * the loader's error buffer and returns -1, or returns 0.
 */
#ifndef CIVICLOOP_CORE_TYPE_DATA_INT_H
#define CIVICLOOP_CORE_TYPE_DATA_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct matter_type;
struct type_action;
struct type_registry;

/* One type_data_load() in progress. */
struct tdl {
	const char *file; /* the type's file, for messages */
	char *err;        /* the message of the first fault, errcap bytes */
	size_t errcap;
	const struct type_registry *r;
	struct matter_type *t; /* the type being loaded; its data filled in */
};

/* "file: key: message"; returns -1. */
__attribute__((format(printf, 3, 4))) int tdl_bad(struct tdl *L, const char *key, const char *fmt,
                                                  ...);
/* key + "." + sub into buf (for messages); returns buf. */
const char *tdl_subkey(char *buf, size_t cap, const char *key, const char *sub);
/* A name usable in a JSON path and a query parameter: 1–64 of [A-Za-z0-9_]. */
bool tdl_name_ok(const char *s);
/* o must be an object whose keys are all in allowed[0..n). */
int tdl_only_keys(struct tdl *L, json_t *o, const char *key, const char *const *allowed, size_t n);
/* Does action a (its to, to_when_all_done or a branch) lead to state s? */
bool tdl_action_leads_to(const struct type_action *a, const char *s);
/* The state named by o[sub] into *out: it must exist, be reached by some
 * action, and be final when final is set (*out NULL when absent and not
 * required). */
int tdl_get_state(struct tdl *L, json_t *o, const char *key, const char *sub, bool required,
                  bool final, const char **out);
/* The action named by o[sub] into *out (NULL when absent and not required). */
int tdl_get_action(struct tdl *L, json_t *o, const char *key, const char *sub, bool required,
                   const struct type_action **out);
/* What the items of a list in a type's data name. */
enum tdl_list {
	TDL_ACTIONS,      /* the type's actions */
	TDL_STATES,       /* its states */
	TDL_FINAL_STATES, /* its final states */
	TDL_ASG_STATUSES, /* its assignment statuses (assignment_statuses) */
};
/* o[sub], when present, a non-empty array of what `kind` names, into *out
 * (NULL when absent). */
int tdl_get_list(struct tdl *L, json_t *o, const char *key, const char *sub, enum tdl_list kind,
                 json_t **out);

/* o is a non-empty array of {"code","name"}, each code a name (tdl_name_ok)
 * given once; `what` names a code in the message ("单位设置 x 重复"). */
int tdl_code_names(struct tdl *L, json_t *o, const char *key, const char *what);
/* The "rates" block (type_data_rates.c); o NULL when the type has none. */
int tdl_load_rates(struct tdl *L, json_t *o);
/* The "levels" and "parties" blocks (type_data_levels.c); o NULL: none. */
int tdl_load_levels(struct tdl *L, json_t *o);
int tdl_load_parties(struct tdl *L, json_t *o);
/* The "decisions" and "public_submit" blocks (type_data_decisions.c). */
int tdl_load_decisions(struct tdl *L, json_t *o);
int tdl_load_public_submit(struct tdl *L, json_t *o);
int tdl_load_duplicates(struct tdl *L, json_t *o);
/* The "task_list" block (type_data_task.c); o NULL: none. */
int tdl_load_task_list(struct tdl *L, json_t *o);
/* The "checklists" and "inspection_plan" blocks (type_data_inspection.c). */
int tdl_load_checklists(struct tdl *L, json_t *o);
int tdl_load_inspection(struct tdl *L, json_t *o);

/* "create_field_roles" (type_data_field_roles.c) */
int tdl_load_field_roles(struct tdl *L, json_t *o);
/* "ledger" (type_data_ledger.c) */
int tdl_load_ledger(struct tdl *L, json_t *o);
/* "confidential_reporter" (type_data_confidential.c) */
int tdl_load_confidential(struct tdl *L, json_t *o);
/* The "campaign" block (type_data_campaign.c); o NULL: none. */
int tdl_load_campaign(struct tdl *L, json_t *o);
/* "guide" and "party_track" (type_data_guide.c); o NULL: none. */
int tdl_load_guide(struct tdl *L, json_t *o);
int tdl_load_party_track(struct tdl *L, json_t *o);
int tdl_load_reception(struct tdl *L, json_t *o);

#endif
