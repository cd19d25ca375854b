/* Keeping case_scope, the cases' visibility index, in step (case_scope.h). */
#include "core/case_scope.h"

#include <string.h>

#include "store/store.h"

/* The assignment status the list's visibility rule treats as gone
 * (statements.h VISIBLE: va.status <> 'cancelled'). */
#define PART_CANCELLED "cancelled"

static int run(struct store_stmt *s)
{
	return sdone(s) == STORE_DONE ? 0 : -1;
}

int case_scope_add(struct store_conn *c, int64_t org_id, int64_t case_id)
{
	struct store_stmt *s = store_stmt(c, ST_CASE_SCOPE_ADD);
	sbind_int(s, 1, org_id);
	sbind_int(s, 2, case_id);
	return run(s);
}

int case_scope_part(struct store_conn *c, int64_t org_id, int64_t case_id, const char *status)
{
	if (strcmp(status, PART_CANCELLED))
		return case_scope_add(c, org_id, case_id);
	struct store_stmt *s = store_stmt(c, ST_CASE_SCOPE_DROP);
	sbind_int(s, 1, org_id);
	sbind_int(s, 2, case_id);
	if (run(s) != 0)
		return -1;
	s = store_stmt(c, ST_CASE_SCOPE_REFILL);
	sbind_int(s, 1, case_id);
	return run(s);
}

int case_scope_rebuild(struct store_conn *c)
{
	if (store_exec(c, ST_CASE_SCOPE_CLEAR) != STORE_OK ||
	    store_exec(c, ST_CASE_SCOPE_FILL_OWNERS) != STORE_OK)
		return -1;
	return store_exec(c, ST_CASE_SCOPE_FILL_PARTS) != STORE_OK ? -1 : 0;
}
