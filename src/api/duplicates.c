/* GET /api/v1/cases/{id}/duplicates: the earlier cases an existing case may
 * repeat (core/duplicates.h), for the dispatcher deciding to merge it. */
#include "api/api.h"
#include "core/duplicates.h"
#include "util/crypto.h"

#include <string.h>

enum handler_result api_case_duplicates(struct req *r)
{
	int64_t id;
	struct case_full cf;
	if (api_case_load_visible(r, &id, &cf) != 0)
		return reply_failed(r);
	unsigned char idx[HASH_LEN];
	bool has_idx = false;
	struct store_stmt *s = store_stmt(r->reader, ST_DUP_PHONE_OF);
	sbind_int(s, 1, id);
	if (sstep(s) == STORE_ROW && scol_bytes(s, 0) == HASH_LEN) {
		memcpy(idx, scol_blob(s, 0), HASH_LEN);
		has_idx = true;
	}
	sreset(s);
	struct dup_probe p = {.id = id,
	                      .t = cf.c.type,
	                      .cls = cf.c.class_,
	                      .text = cf.c.description,
	                      .loc = cf.c.location,
	                      .received_at = cf.c.received_at,
	                      .idx = has_idx ? idx : NULL};
	/* a preview's rules: read-only, so never a confidential case */
	json_t *dups = duplicates_preview(r->reader, r->app, &r->actor, &p);
	case_full_release(&cf);
	if (!dups)
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	r->out = json_pack("{s:o}", "possible_duplicates", dups);
	return api_reply_read(r, id, false, "case.read", json_pack("{s:s}", "view", "duplicates"));
}
