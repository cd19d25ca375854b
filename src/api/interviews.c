/*
 * GET /api/v1/interviews?org=&case=&campaign=&limit=&cursor= (case.read):
 * the 约谈 records (core/interviews.h) the caller may see — those of orgs
 * inside its case.read scopes — newest first. org= (an id or code) keeps
 * those of that org and the orgs below it; an org or case the caller may
 * not see is 404, as if it were not there. A campaign's 约谈提醒 are left
 * out unless the caller reads that campaign (campaign.visit or
 * campaign.manage over its org): a township sees its enterprises' 约谈,
 * never the discipline commission's warning talks.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"
#include "core/interviews.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"

#define INTERVIEW_LIMIT_DEFAULT 50
#define INTERVIEW_LIMIT_MAX 200

enum handler_result api_interviews(struct req *r)
{
	int64_t limit = INTERVIEW_LIMIT_DEFAULT, cursor = 0, case_id = 0, campaign = 0;
	if (req_query_int(r, "limit", 1, INTERVIEW_LIMIT_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0 ||
	    req_query_int(r, "case", 1, INT64_MAX / 2, &case_id) != 0 ||
	    req_query_int(r, "campaign", 1, INT64_MAX / 2, &campaign) != 0)
		return reply_failed(r);
	const char *org = req_query(r, "org");
	char org_path[ORG_PATH_MAX] = "";
	if (org) {
		char *end;
		long long id = strtoll(org, &end, 10);
		json_t *v = *org && !*end && id > 0 ? json_integer(id) : json_string(org);
		int64_t oid;
		int rc =
		    v ? org_resolve(r->reader, v, &oid, org_path, sizeof org_path, NULL, 0) : -1;
		json_decref(v);
		if (rc != 0 || !actor_can(&r->actor, P_CASE_READ, org_path))
			return reply_err(r, E_NOT_FOUND, "org", "单位不存在");
	}
	const char *scopes[3] = {NULL, NULL, NULL};
	actor_scopes(&r->actor, P_CASE_READ, scopes, 3);
	struct store_stmt *s = store_stmt(r->reader, ST_INTERVIEW_LIST);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, scopes[i]); /* NULL binds NULL: no such scope */
	if (*org_path)
		sbind_text(s, 4, org_path);
	if (case_id)
		sbind_int(s, 5, case_id);
	if (campaign)
		sbind_int(s, 6, campaign);
	sbind_int(s, 7, cursor ? cursor : INT64_MAX);
	sbind_int(s, 8, limit + 1);
	/* a campaign's 约谈提醒 are the commission's: only its campaign readers
	 * see them here, however wide their case.read */
	const char *camp[4] = {NULL, NULL, NULL, NULL};
	actor_scopes(&r->actor, P_CAMPAIGN_VISIT, camp, 2);
	actor_scopes(&r->actor, P_CAMPAIGN_MANAGE, camp + 2, 2);
	for (int i = 0; i < 4; i++)
		sbind_text(s, 9 + i, camp[i]);
	json_t *items = json_array();
	int64_t n = 0, last = 0;
	int rc;
	while ((rc = sstep(s)) == STORE_ROW && n < limit) {
		json_array_append_new(items, interview_json(s));
		last = scol_int(s, 0);
		n++;
	}
	bool more = rc == STORE_ROW;
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	static const char *const filters[] = {"org", "case", "campaign", "cursor", NULL};
	r->out = json_page(items, last, more);
	return api_recorded_list(r, "interview.list", "interviews", filters);
}
