/*
 * The "task_list" block of a matter type (type_data.h): what the fields and
 * states of an item on a published list (为民办实事, 检视整改: docs/task.md)
 * mean to the list pages and the statistics, which name none of them.
 *
 *   "task_list": {"list_field": "list_id", "level_field": "leader_level",
 *                 "progress_field": "progress", "milestones_field": "milestones",
 *                 "overdue_field": "overdue_milestones",
 *                 "done_states": [...], "partly_states": [...],
 *                 "public_fields": ["target", "leader_level", "progress"]}
 *
 * Each field must be the type's, of the kind its use needs; the states the
 * type's; a misspelt key stops the server at start like every block.
 */
#include "core/type_data.h"
#include "core/type_data_int.h"
#include "core/types.h"

#include <stdio.h>
#include <string.h>

/* o[sub] names a field of the type of kind `kind` (any kind when < 0). */
static int get_field(struct tdl *L, json_t *o, const char *sub, int kind, const char *what,
                     const char **out)
{
	char k[64];
	tdl_subkey(k, sizeof k, "task_list", sub);
	const char *name = json_string_value(json_object_get(o, sub));
	const struct type_field *f = type_field(L->t, name);
	if (!f || (kind >= 0 && f->kind != (enum field_kind)kind))
		return tdl_bad(L, k, "必须是本类型%s类的字段", what);
	*out = name;
	return 0;
}

int tdl_load_task_list(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"list_field",       "level_field",   "progress_field",
	                                   "milestones_field", "overdue_field", "done_states",
	                                   "partly_states",    "public_fields"};
	struct type_task_list *T = &L->t->data.task_list;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "task_list", keys, sizeof keys / sizeof keys[0]) != 0 ||
	    get_field(L, o, "list_field", FK_LIST, " list ", &T->list_field) != 0 ||
	    get_field(L, o, "level_field", FK_ENUM, " enum ", &T->level_field) != 0 ||
	    get_field(L, o, "progress_field", FK_INT, " int ", &T->progress_field) != 0 ||
	    get_field(L, o, "milestones_field", FK_MILESTONES, " milestones ",
	              &T->milestones_field) != 0 ||
	    tdl_get_list(L, o, "task_list", "done_states", TDL_STATES, &T->done_states) != 0 ||
	    tdl_get_list(L, o, "task_list", "partly_states", TDL_STATES, &T->partly_states) != 0)
		goto bad;
	T->overdue_field = json_string_value(json_object_get(o, "overdue_field"));
	if (!tdl_name_ok(T->overdue_field)) {
		tdl_bad(L, "task_list.overdue_field", "必须是字段名（字母、数字、下划线）");
		goto bad;
	}
	if (!T->done_states || !T->partly_states) {
		tdl_bad(L, "task_list", "须有 done_states 和 partly_states");
		goto bad;
	}
	json_t *pub = json_object_get(o, "public_fields");
	size_t i;
	json_t *x;
	if (!json_is_array(pub)) {
		tdl_bad(L, "task_list.public_fields", "必须是本类型字段名的数组");
		goto bad;
	}
	json_array_foreach(pub, i, x)
	{
		if (!type_field(L->t, json_string_value(x))) {
			tdl_bad(L, "task_list.public_fields", "第 %zu 项不是本类型的字段", i + 1);
			goto bad;
		}
	}
	T->public_fields = pub;
	return 0;
bad:
	memset(T, 0, sizeof *T);
	return -1;
}

const struct matter_type *types_task_list(const struct type_registry *r)
{
	for (int i = 0; r && i < r->ntypes; i++)
		if (r->types[i].data.task_list.list_field)
			return &r->types[i];
	return NULL;
}
