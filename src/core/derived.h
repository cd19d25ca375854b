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
/* The same but the stats aggregates, which a bulk load kept as it wrote
 * (civicloop gen's clones: stats_copy_add, then stats_agg_flush for the
 * cases it marked). */
int derived_rebuild_but_stats(struct store_conn *c, const struct app *app, char *err,
                              size_t errcap);

#endif
