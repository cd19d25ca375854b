/*
 * The cases' visibility index, case_scope (store/stmt_lists.h, migration
 * 24): which orgs' read scopes see each case. The writer calls these in the
 * command's own transaction wherever a case's owner org or a part's org or
 * status changes, so a scoped list (GET /api/v1/cases) reads one index
 * range; derived.c rebuilds it from the base rows after a bulk load.
 */
#ifndef CIVICLOOP_CORE_CASE_SCOPE_H
#define CIVICLOOP_CORE_CASE_SCOPE_H

#include <stdint.h>

struct store_conn;

/* Org org_id and its ancestors see case_id (a new case's owner org, a new
 * or live part's org). 0, or -1 when the store failed. */
int case_scope_add(struct store_conn *c, int64_t org_id, int64_t case_id);
/* A part of org_id on case_id took the status `status`: a live one adds
 * its orgs, a cancelled one takes away those no other source still
 * reaches. 0, or -1 when the store failed. */
int case_scope_part(struct store_conn *c, int64_t org_id, int64_t case_id, const char *status);
/* Recomputes the whole table from cases and assignments, in the caller's
 * transaction. 0, or -1 when the store failed. */
int case_scope_rebuild(struct store_conn *c);

#endif
