/* GET /api/v1/search: full-text search over the cases the caller may see. */
#include "api/api.h"
#include "core/search.h"

enum handler_result api_search(struct req *r)
{
	struct search_query q = {.q = req_query(r, "q"), .type = req_query(r, "type")};
	int64_t limit = 20, offset = 0;
	if (!q.q || !*q.q) {
		err_set(&r->err, E_FIELD_REQUIRED, "q", "缺少搜索内容 q");
		return reply_failed(r);
	}
	if (q.type && !*q.type)
		q.type = NULL;
	if (req_query_int(r, "limit", 1, SEARCH_LIMIT_MAX, &limit) != 0 ||
	    req_query_int(r, "offset", 0, SEARCH_OFFSET_MAX, &offset) != 0)
		return reply_failed(r);
	q.limit = (int)limit;
	q.offset = (int)offset;
	json_t *out;
	if (search_cases(r->reader, r->app, &r->actor, &q, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	if (!actor_reads_recorded(&r->actor))
		return api_reply_read(r, 0, false, NULL, NULL);
	/* a recorded reader's search: what it asked and which cases it was shown */
	json_t *ids = json_array();
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(out, "items"), i, item)
	    json_array_append(ids, json_object_get(item, "id"));
	return api_reply_read(r, 0, false, "case.search",
	                      json_pack("{s:o,s:s,s:s?}", "cases", ids, "q", q.q, "type", q.type));
}
