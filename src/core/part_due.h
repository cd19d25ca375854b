/*
 * part_due, the index of a unit's inbox by deadline (store/stmt_inbox.h,
 * docs/lists.md "The inbox by deadline"). Triggers keep it as parts
 * change; what counts as an unfinished part comes from the types, which
 * this file writes into the database.
 */
#ifndef CIVICLOOP_CORE_PART_DUE_H
#define CIVICLOOP_CORE_PART_DUE_H

#include <stddef.h>

struct store_conn;
struct app;

/* At the writer's start, in a transaction of its own: when the types'
 * unfinished statuses differ from those the database holds (a new
 * database, a changed type), writes them and rebuilds part_due. 0, or -1
 * with a Chinese message in err. */
int part_due_sync(struct store_conn *c, const struct app *app, char *err, size_t errcap);
/* The same, unconditionally, inside the caller's transaction (derived.h). */
int part_due_rebuild(struct store_conn *c, const struct app *app, char *err, size_t errcap);

#endif
