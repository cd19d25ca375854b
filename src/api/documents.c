/*
 * Signed documents over HTTP (core/documents.h, docs/documents.md).
 */
#include "api/api.h"

#include "core/documents.h"

/* GET /api/v1/cases/{id}/documents: the case's documents, to its readers;
 * a recorded reader's list is a case.read event {"view":"documents"}. */
enum handler_result api_case_documents(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *out;
	if (doc_list_case(r->reader, r->app, &r->actor, id, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	return api_reply_read(r, id, false, "case.read", json_pack("{s:s}", "view", "documents"));
}
