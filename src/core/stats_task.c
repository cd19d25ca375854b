/*
 * The per-list figures of GET /api/v1/stats/{type} (stats.h) for a type
 * with a "task_list" block (listed tasks, docs/task.md): for each list
 * published by an org in the subtree asked for, its items, how many are
 * done, partly done (阶段性完成), closed (销号), their overdue steps and
 * the items flagged for one, in all and by the leading leader's level
 * (市级、县级、部门负责人). A list's figures are the whole list's whatever
 * the period: a year's list is judged as one.
 */
#include "core/stats.h"
#include "core/tasklists.h"

#include <string.h>

/* The entry of arr whose "id" is id (arr in id order; NULL if none). */
static json_t *list_of(json_t *arr, int64_t id)
{
	size_t i;
	json_t *l;
	json_array_foreach(arr, i, l)
	{
		if (json_integer_value(json_object_get(l, "id")) == id)
			return l;
	}
	return NULL;
}

int stats_task(struct store_conn *c, const struct stats_query *q, json_t **out, struct err *e)
{
	*out = NULL;
	if (!q->type->data.task_list.list_field)
		return 0;
	struct task_binds b;
	if (task_binds_init(&b, q->type) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	json_t *arr = json_array();
	struct store_stmt *s = store_stmt(c, ST_TASK_STATS_LISTS);
	task_binds_bind(&b, s);
	sbind_text(s, 3, q->org_path);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		json_t *l = task_list_json(s);
		json_object_set_new(l, "counts", task_counts_json(s, 8));
		json_object_set_new(l, "by_level", task_levels_zero(q->type));
		json_array_append_new(arr, l);
	}
	sreset(s);
	if (rc == STORE_DONE) {
		s = store_stmt(c, ST_TASK_STATS_LEVELS);
		task_binds_bind(&b, s);
		sbind_text(s, 3, q->org_path);
		while ((rc = sstep(s)) == STORE_ROW)
			task_level_fill(json_object_get(list_of(arr, scol_int(s, 0)), "by_level"),
			                s, 1);
		sreset(s);
	}
	task_binds_release(&b);
	if (rc != STORE_DONE) {
		json_decref(arr);
		return err_set(e, E_UNAVAILABLE, NULL, "统计查询失败");
	}
	*out = arr;
	return 0;
}
