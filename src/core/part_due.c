/* The inbox's deadline index: its unfinished statuses and its rebuild
 * (part_due.h). */
#include "core/part_due.h"
#include "core/app.h"
#include "core/types.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store/store.h"

/* The assignment statuses of the open and signed phases of every loaded
 * type, in the order first met, as a JSON array text (caller frees). */
static char *unfinished_json(const struct app *app)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < app->types->ntypes; i++) {
		const struct matter_type *t = &app->types->types[i];
		for (int k = 0; k < t->nasg_statuses; k++) {
			const struct asg_status *st = &t->asg_statuses[k];
			if (st->phase != ASG_OPEN && st->phase != ASG_SIGNED)
				continue;
			bool seen = false;
			size_t j;
			json_t *x;
			json_array_foreach(arr, j, x) seen =
			    seen || !strcmp(json_string_value(x), st->code);
			if (!seen)
				json_array_append_new(arr, json_string(st->code));
		}
	}
	char *out = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	return out;
}

static int rebuild(struct store_conn *c, const char *set)
{
	if (store_exec(c, ST_PART_UNFINISHED_CLEAR) != STORE_OK)
		return -1;
	json_t *arr = json_loads(set, 0, NULL);
	size_t i;
	json_t *x;
	int rc = arr ? 0 : -1;
	json_array_foreach(arr, i, x)
	{
		struct store_stmt *s = store_stmt(c, ST_PART_UNFINISHED_ADD);
		sbind_text(s, 1, json_string_value(x));
		if (rc == 0 && sdone(s) != STORE_DONE)
			rc = -1;
	}
	json_decref(arr);
	if (rc != 0 || store_exec(c, ST_PART_DUE_CLEAR) != STORE_OK ||
	    store_exec(c, ST_PART_DUE_FILL_EACH) != STORE_OK ||
	    store_exec(c, ST_PART_DUE_FILL_ANY) != STORE_OK)
		return -1;
	return 0;
}

int part_due_rebuild(struct store_conn *c, const struct app *app, char *err, size_t errcap)
{
	char *set = unfinished_json(app);
	int rc = set ? rebuild(c, set) : -1;
	free(set);
	if (rc != 0)
		snprintf(err, errcap, "重建本单位待办时限索引失败：%s", store_errmsg(c));
	return rc;
}

int part_due_sync(struct store_conn *c, const struct app *app, char *err, size_t errcap)
{
	char *set = unfinished_json(app);
	if (!set) {
		snprintf(err, errcap, "内存不足");
		return -1;
	}
	/* the statuses the table holds, as a set: a new (or re-made) table is
	 * empty and so always filled here */
	struct store_stmt *s = store_stmt(c, ST_PART_UNFINISHED_SAME);
	sbind_text(s, 1, set);
	bool current = sstep(s) == STORE_ROW && scol_int(s, 0) == 1;
	sreset(s);
	int rc = 0;
	if (!current) {
		rc = store_exec(c, ST_BEGIN) == STORE_OK ? rebuild(c, set) : -1;
		if (rc == 0 && store_exec(c, ST_COMMIT) != STORE_OK)
			rc = -1;
		if (rc != 0) {
			snprintf(err, errcap, "无法建立本单位待办时限索引：%s", store_errmsg(c));
			if (store_in_txn(c))
				store_exec(c, ST_ROLLBACK);
		}
	}
	free(set);
	return rc;
}
