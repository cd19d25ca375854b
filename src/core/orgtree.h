/*
 * The org tree as the API shows it (GET /api/v1/orgs, api/meta.c): one org
 * or a list of them with has_children, and the search of the UI's pickers
 * with each org's path of names. Reads only, through a reader connection;
 * creating orgs and accounts is core/directory.h.
 */
#ifndef CIVICLOOP_CORE_ORGTREE_H
#define CIVICLOOP_CORE_ORGTREE_H

#include <jansson.h>
#include <stdint.h>

#include "core/auth.h"
#include "store/store.h"
#include "util/error.h"

/* One row of ST_ORG_VIEW, ST_ORG_CHILDREN or ST_ORG_SEARCH (ORG_VIEW_COLS)
 * as {"id","code","name","kind","parent","region_code"?,"settings",
 * "has_children"}: has_children is true when the org has a child the actor
 * may see. A child of an org the actor reads through an org.read scope is
 * inside that scope too; an org it sees only as its own shows no children.
 * The caller owns the result; NULL if out of memory. */
json_t *org_view_json(struct store_stmt *s, const struct actor *a);

#define ORG_SEARCH_LIMIT_MAX 200
#define ORG_SEARCH_Q_MAX 200 /* bytes of q */

/* A search of the orgs an actor may see (GET /api/v1/orgs?q=&kinds=). */
struct org_query {
	const char *q;     /* matched literally in the name or the code; NULL = any */
	const char *kinds; /* "department,township": org kinds; NULL = any */
	int64_t cursor;    /* the last id of the previous page; 0 = from the start */
	int limit;         /* 1..ORG_SEARCH_LIMIT_MAX */
	/* partners=1: every org of the database, not only the actor's, each
	 * "path" from its root — a mediator (party.read) looking for the other
	 * region of a joint mediation (docs/dispute.md); 403 for anyone else */
	bool everywhere;
	/* summon=1: the departments and enterprises of the actor's county
	 * (below its root org), whoever may register cases (case.create or
	 * case.raise) — the units a
	 * township or park summons (吹哨报到, docs/whistle.md); kinds limited
	 * to those two */
	bool county_units;
};

/* Orgs inside the actor's org.read scopes, and its own org, that match q,
 * by id: {"items":[org_view_json + "path"],"next_cursor": last id | null}
 * into *out (owned by the caller). "path" names the org's line from the
 * topmost org the actor may see down to the org itself, joined by " / "
 * ("濂江镇 / 东门社区居民委员会"). 0, or -1 with *e set: 400 naming q
 * (too long, control characters), kinds (an unknown or empty kind) or
 * limit. */
int org_search(struct store_conn *c, const struct actor *a, const struct org_query *q, json_t **out,
               struct err *e);

#endif
