/*
 * Tables derived from the cases, their assignments and their events, which
 * the writer keeps in step in each command's own transaction (issue 16: the
 * lists' visibility index, the statistics' daily tallies). A bulk load that
 * writes the base tables directly (civicloop gen) calls derived_rebuild()
 * once at the end, in its transaction, to fill them all from the base rows.
 */
#ifndef CIVICLOOP_CORE_DERIVED_H
#define CIVICLOOP_CORE_DERIVED_H

#include <stddef.h>

struct store_conn;
struct app;

/* Recomputes every derived table from the base rows, inside the caller's
 * transaction. 0, or -1 with a Chinese message in err. */
int derived_rebuild(struct store_conn *c, const struct app *app, char *err, size_t errcap);

#endif
