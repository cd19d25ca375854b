/* Published task lists: the figures and JSON the list pages and the
 * statistics share (tasklists.h). */
#include "core/tasklists.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

static char *states_concat(json_t *a, json_t *b)
{
	json_t *all = json_array();
	if (!all || json_array_extend(all, a) != 0 || json_array_extend(all, b) != 0) {
		json_decref(all);
		return NULL;
	}
	char *s = json_dumps(all, JSON_COMPACT);
	json_decref(all);
	return s;
}

int task_binds_init(struct task_binds *b, const struct matter_type *t)
{
	memset(b, 0, sizeof *b);
	const struct type_task_list *T = &t->data.task_list;
	b->t = t;
	snprintf(b->list_path, sizeof b->list_path, "$.%s", T->list_field);
	snprintf(b->level_path, sizeof b->level_path, "$.%s", T->level_field);
	snprintf(b->overdue_path, sizeof b->overdue_path, "$.%s", T->overdue_field);
	b->done = json_dumps(T->done_states, JSON_COMPACT);
	b->partly = json_dumps(T->partly_states, JSON_COMPACT);
	b->done_or_partly = states_concat(T->done_states, T->partly_states);
	if (b->done && b->partly && b->done_or_partly)
		return 0;
	task_binds_release(b);
	return -1;
}

void task_binds_release(struct task_binds *b)
{
	free(b->done);
	free(b->partly);
	free(b->done_or_partly);
	b->done = b->partly = b->done_or_partly = NULL;
}

void task_binds_bind(const struct task_binds *b, struct store_stmt *s)
{
	sbind_text(s, 1, b->t->code);
	sbind_text(s, 2, b->list_path);
	sbind_text(s, 4, b->done);
	sbind_text(s, 5, b->partly);
	sbind_text(s, 6, b->overdue_path);
	sbind_text(s, 7, b->level_path);
}

json_t *task_counts_json(struct store_stmt *s, int col)
{
	int64_t done = scol_int(s, col + 1), partly = scol_int(s, col + 2);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "items", (json_int_t)scol_int(s, col),
	                 "done", (json_int_t)done, "partly", (json_int_t)partly, "done_or_partly",
	                 (json_int_t)(done + partly), "signed_off",
	                 (json_int_t)scol_int(s, col + 3), "overdue_milestones",
	                 (json_int_t)scol_int(s, col + 4), "flagged",
	                 (json_int_t)scol_int(s, col + 5));
}

json_t *task_list_json(struct store_stmt *s)
{
	char at[ISO8601_MAX];
	time_format_iso(scol_int(s, 7), at, sizeof at);
	return json_pack("{s:I,s:s,s:I,s:{s:s,s:s},s:s}", "id", (json_int_t)scol_int(s, 0), "title",
	                 scol_text(s, 1), "year", (json_int_t)scol_int(s, 2), "org", "code",
	                 scol_text(s, 4), "name", scol_text(s, 5), "created_at", at);
}

json_t *task_levels_zero(const struct matter_type *t)
{
	const struct type_field *f = type_field(t, t->data.task_list.level_field);
	json_t *arr = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(f ? f->values : NULL, i, v)
	{
		json_t *l =
		    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:O}", "items", (json_int_t)0, "done",
		              (json_int_t)0, "partly", (json_int_t)0, "done_or_partly",
		              (json_int_t)0, "signed_off", (json_int_t)0, "overdue_milestones",
		              (json_int_t)0, "flagged", (json_int_t)0, "level", v);
		json_array_append_new(arr, l);
	}
	return arr;
}

void task_level_fill(json_t *levels, struct store_stmt *s, int level_col)
{
	const char *level = scol_null(s, level_col) ? NULL : scol_text(s, level_col);
	size_t i;
	json_t *l;
	json_array_foreach(levels, i, l)
	{
		if (level && !strcmp(level, json_string_value(json_object_get(l, "level")))) {
			json_t *c = task_counts_json(s, level_col + 1);
			json_object_update(l, c);
			json_decref(c);
		}
	}
}

int task_list_figures(struct store_conn *c, const struct task_binds *b, int64_t id, json_t *o)
{
	struct store_stmt *s = store_stmt(c, ST_TASK_LIST_COUNTS);
	task_binds_bind(b, s);
	sbind_int(s, 3, id);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		json_object_set_new(o, "counts", task_counts_json(s, 0));
	sreset(s);
	if (rc != STORE_ROW)
		return -1;
	json_t *levels = task_levels_zero(b->t);
	s = store_stmt(c, ST_TASK_LIST_LEVELS);
	task_binds_bind(b, s);
	sbind_int(s, 3, id);
	while ((rc = sstep(s)) == STORE_ROW)
		task_level_fill(levels, s, 0);
	sreset(s);
	json_object_set_new(o, "by_level", levels);
	return rc == STORE_DONE ? 0 : -1;
}
