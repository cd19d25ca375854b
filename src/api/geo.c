/*
 * The map (any signed-in user; the leader's view of the county): the
 * boundaries of the orgs the caller may see, as GeoJSON, and the open cases
 * with a location the caller may read. The work is in core (directory.c
 * org_regions, caseview.c case_map); nothing here reads reporter data.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a browser may keep the regions without asking again. Boundaries
 * change rarely; the answer depends on who asks, so only the browser may
 * keep it (Vary: Authorization, Cookie), and its ETag makes asking cheap. */
#define REGIONS_CACHE "private, max-age=300"

/* GET /api/v1/geo/regions → {"type":"FeatureCollection","features":[…]}:
 * the orgs the caller may see (as GET /api/v1/orgs) that have a boundary. */
enum handler_result api_geo_regions(struct req *r)
{
	json_t *out;
	if (org_regions(r->reader, &r->actor, &out, &r->err) != 0)
		return reply_failed(r);
	return reply_cacheable(r, out, REGIONS_CACHE);
}

/* A query parameter, NULL when absent or empty. */
static const char *query_opt(struct req *r, const char *name)
{
	const char *v = req_query(r, name);
	return v && *v ? v : NULL;
}

/* GET /api/v1/geo/cases?type=&status=a,b&limit= → {"items":[…],"truncated"}:
 * open cases with a location the caller may read, newest first (case.read).
 * A reader whose reads are recorded leaves a case.list event naming them. */
enum handler_result api_geo_cases(struct req *r)
{
	int64_t limit = CASE_MAP_LIMIT_DEFAULT;
	if (req_query_int(r, "limit", 1, CASE_MAP_LIMIT_MAX, &limit) != 0)
		return reply_failed(r);
	struct case_map_query q = {
	    .type = query_opt(r, "type"), .status = query_opt(r, "status"), .limit = (int)limit};
	json_t *out;
	if (case_map(r->reader, r->app, &r->actor, &q, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	if (!actor_reads_recorded(&r->actor))
		return api_reply_read(r, 0, false, NULL, NULL);
	json_t *ids = json_array(), *query = json_object(), *item;
	size_t i;
	json_array_foreach(json_object_get(out, "items"), i, item)
	    json_array_append(ids, json_object_get(item, "id"));
	static const char *const filters[] = {"type", "status", "limit"};
	for (i = 0; i < sizeof filters / sizeof *filters; i++)
		if (query_opt(r, filters[i]))
			json_object_set_new(query, filters[i],
			                    json_string(query_opt(r, filters[i])));
	return api_reply_read(
	    r, 0, false, "case.list",
	    json_pack("{s:o,s:o,s:s}", "cases", ids, "query", query, "view", "map"));
}
