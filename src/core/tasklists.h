/*
 * Published task lists (为民办实事项目, 检视问题整改清单; docs/task.md):
 * what the list pages (api/tasklists.c), the public list page and the
 * statistics (core/stats_task.c) share. A list is a row of task_lists
 * (migration 16); its items are cases of the one type with a "task_list"
 * block (type_data.h), whose list field holds the list's id. Every name of
 * a field or state comes from that block.
 */
#ifndef CIVICLOOP_CORE_TASKLISTS_H
#define CIVICLOOP_CORE_TASKLISTS_H

#include <jansson.h>
#include <stdint.h>

#include "core/types.h"
#include "store/store.h"

/* The bound values every list statement takes, from the type's block. */
struct task_binds {
	const struct matter_type *t;
	char list_path[80];    /* '$.list_id' */
	char level_path[80];   /* '$.leader_level' */
	char overdue_path[80]; /* '$.overdue_milestones' */
	char *done, *partly;   /* JSON arrays of states, owned */
	char *done_or_partly;  /* both, owned */
};

/* Fills b for type t (types_task_list); 0, or -1 when out of memory. */
int task_binds_init(struct task_binds *b, const struct matter_type *t);
void task_binds_release(struct task_binds *b);
/* Binds ?1 type, ?2 list path, ?4 done, ?5 partly, ?6 overdue path, ?7
 * level path (as each statement of store/stmt_task.h names them). */
void task_binds_bind(const struct task_binds *b, struct store_stmt *s);

/* {"items","done","partly","done_or_partly","closed","overdue_milestones",
 * "flagged"} from TASK_COUNT_COLS at column col. */
json_t *task_counts_json(struct store_stmt *s, int col);
/* {"id","title","year","org":{"code","name"},"created_at"} from TASK_LIST_COLS at 0. */
json_t *task_list_json(struct store_stmt *s);
/* by_level with every level of the type's level field (its enum values,
 * in order: 市级, 县级, 部门负责人) at zero; task_level_fill adds a row
 * of ST_TASK_LIST_LEVELS / ST_TASK_STATS_LEVELS (the level at level_col,
 * TASK_COUNT_COLS after it) to its level's entry. */
json_t *task_levels_zero(const struct matter_type *t);
void task_level_fill(json_t *levels, struct store_stmt *s, int level_col);
/* List id's figures: "counts" and "by_level" ([{"level", counts…}]) set on
 * o. 0, or -1 when the store failed. */
int task_list_figures(struct store_conn *c, const struct task_binds *b, int64_t id, json_t *o);

#endif
