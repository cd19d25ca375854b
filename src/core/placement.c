/* Placing a point in the org tree (placement.h). */
#include "core/placement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/geojson.h"

/* The kinds a point is placed in, deepest last; 0 for any other kind. */
static int kind_rank(const char *kind)
{
	static const char *const kinds[] = {"township", "village", "grid"};
	for (int i = 0; i < 3; i++)
		if (kind && !strcmp(kind, kinds[i]))
			return i + 1;
	return 0;
}

/* How deep an org path "/1/4/9/" is: its number of ids. */
static int path_depth(const char *path)
{
	int n = 0;
	for (; path && *path; path++)
		n += *path == '/';
	return n > 0 ? n - 1 : 0;
}

/* Is the candidate (rank, depth, id) deeper than the best so far? */
static bool deeper(int rank, int depth, int64_t id, int brank, int bdepth, int64_t bid)
{
	if (rank != brank)
		return rank > brank;
	if (depth != bdepth)
		return depth > bdepth;
	return id < bid;
}

int placement_find(struct store_conn *c, double lng, double lat, struct placement *out)
{
	memset(out, 0, sizeof *out);
	out->status = PLACE_OUTSIDE;
	int brank = 0, bdepth = 0;
	struct store_stmt *s = store_stmt(c, ST_PLACE_CANDIDATES);
	sbind_real(s, 1, lng);
	sbind_real(s, 2, lat);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		int64_t id = scol_int(s, 0);
		int rank = kind_rank(scol_text(s, 3)), depth = path_depth(scol_text(s, 4));
		if (out->status == PLACE_PLACED &&
		    !deeper(rank, depth, id, brank, bdepth, out->org_id))
			continue; /* cheaper than parsing its boundary */
		json_t *g = json_loads(scol_text(s, 5) ? scol_text(s, 5) : "", 0, NULL);
		bool in = g && geojson_contains(g, lng, lat);
		json_decref(g);
		if (!in)
			continue;
		out->status = PLACE_PLACED;
		out->org_id = id;
		snprintf(out->org_code, sizeof out->org_code, "%s", scol_text(s, 1));
		snprintf(out->org_path, sizeof out->org_path, "%s", scol_text(s, 4));
		brank = rank;
		bdepth = depth;
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

const char *placement_status_name(enum place_status s)
{
	return s == PLACE_PLACED ? "placed" : s == PLACE_OUTSIDE ? "outside" : NULL;
}

json_t *placement_json(struct store_conn *c, const char *status, int64_t org_id)
{
	json_t *o = json_pack("{s:s}", "status", status ? status : "none");
	if (!o || !status || !org_id)
		return o;
	/* the placed org, then its ancestors, the deepest first: the first of
	 * each kind named */
	struct store_stmt *s = store_stmt(c, ST_ORG_LINEAGE);
	sbind_int(s, 1, org_id);
	while (sstep(s) == STORE_ROW) {
		const char *kind = scol_text(s, 3);
		if (kind_rank(kind) && !json_object_get(o, kind))
			json_object_set_new(o, kind,
			                    json_pack("{s:I,s:s,s:s}", "id",
			                              (json_int_t)scol_int(s, 0), "code",
			                              scol_text(s, 1), "name", scol_text(s, 2)));
	}
	sreset(s);
	return o;
}
