/*
 * A campaign's 约谈提醒 records (warning talks with named officials;
 * docs/campaign.md):
 *
 *   POST /api/v1/campaigns/{id}/interviews  the campaign's lead or a group member:
 *        {"person","position"?,"org","held_at","interviewer","outcome","case"?}
 *   GET  /api/v1/campaigns/{id}/interviews  the records, newest first
 *
 * A record names an official acting in role (name and position, their unit:
 * one of the campaign's targets), when and by whom they were talked to,
 * and what came of it; "case" ties it to a finding of this campaign at
 * that unit. Written through the enterprise base's interview_add (core/
 * interviews.h: its checks, the row and the interview.add event) with the
 * campaign's id, kind 约谈提醒. Read, like the rest of a campaign, by the
 * commission only.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/campaigns.h"
#include "core/directory.h"
#include "core/interviews.h"
#include "core/type_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define INTERVIEWS_MAX 500 /* a campaign's records on one page */

/* The body's shape into iv (its strings r->in's); org and case resolved by
 * the writer. */
static int interview_body(json_t *in, struct interview *iv, struct err *e)
{
	static const char *const keys[] = {"person",  "org",      "held_at", "interviewer",
	                                   "outcome", "position", "case"};
	if (campaign_body_keys(in, keys, sizeof keys / sizeof keys[0], 5, e) != 0)
		return -1;
	static const char *const texts[] = {"person", "interviewer", "outcome", "position"};
	for (size_t i = 0; i < 4; i++) {
		json_t *v = json_object_get(in, texts[i]);
		if (v && !json_is_string(v) && !(i == 3 && json_is_null(v)))
			return err_set(e, E_FIELD_INVALID, texts[i], "%s 须为文本", texts[i]);
	}
	json_t *org = json_object_get(in, "org"), *kase = json_object_get(in, "case");
	if (!json_is_string(org) && !json_is_integer(org))
		return err_set(e, E_FIELD_INVALID, "org", "org 须为单位编码或 id");
	if (kase && !json_is_null(kase) && (!json_is_integer(kase) || json_integer_value(kase) < 1))
		return err_set(e, E_FIELD_INVALID, "case", "case 须为整改事项的 id");
	const char *held = json_string_value(json_object_get(in, "held_at"));
	if (!held || strlen(held) > 40 || time_parse_iso_zoned(held, &iv->held_at) != 0)
		return err_set(e, E_FIELD_INVALID, "held_at",
		               "held_at 须为带时区的时间，如 2026-03-02T15:00:00+08:00");
	iv->kind = INTERVIEW_KIND_REMINDER;
	iv->person = json_string_value(json_object_get(in, "person"));
	iv->position = json_string_value(json_object_get(in, "position"));
	iv->interviewer = json_string_value(json_object_get(in, "interviewer"));
	iv->outcome = json_string_value(json_object_get(in, "outcome"));
	iv->case_id = kase ? json_integer_value(kase) : 0;
	return 0;
}

/* Whether the actor records for campaign id: its lead (campaign.manage
 * over its org) or a member of one of its groups. */
static int may_record(struct store_conn *c, const struct actor *a, int64_t id, const char *path,
                      struct err *e)
{
	if (actor_can(a, P_CAMPAIGN_MANAGE, path))
		return 0;
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_USER_GROUPS);
	sbind_int(s, 1, id);
	sbind_int(s, 2, a->user_id);
	int rc = sstep(s);
	sreset(s);
	if (rc == STORE_ROW)
		return 0;
	return rc == STORE_DONE
	           ? err_set(e, E_FORBIDDEN, NULL, "只有本次检查的组织者和检查组成员能记录约谈提醒")
	           : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

int campaign_interview_add(struct wctx *w, const struct actor *a, int64_t campaign, json_t *in,
                           json_t **out, struct err *e)
{
	struct interview iv = {0};
	char path[ORG_PATH_MAX];
	const struct matter_type *t = types_campaign(w->app->types);
	if (!t)
		return err_set(e, E_NOT_FOUND, NULL, "没有监督检查整改事项类型");
	if (interview_body(in, &iv, e) != 0 ||
	    campaign_load(w->conn, a, campaign, NULL, path, sizeof path, NULL, e) != 0 ||
	    may_record(w->conn, a, campaign, path, e) != 0)
		return -1;
	if (org_resolve(w->conn, json_object_get(in, "org"), &iv.org_id, NULL, 0, NULL, 0) != 0)
		return err_set(e, E_FIELD_INVALID, "org", "不是已知的单位");
	struct store_stmt *s = store_stmt(w->conn, ST_CAMPAIGN_TARGET_IS);
	sbind_int(s, 1, campaign);
	sbind_int(s, 2, iv.org_id);
	int rc = sstep(s);
	sreset(s);
	if (rc != STORE_ROW)
		return rc == STORE_DONE
		           ? err_set(e, E_FIELD_INVALID, "org", "该单位不是本次检查的对象")
		           : err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (iv.case_id) {
		struct campaign_binds b;
		if (campaign_binds_init(&b, t) != 0)
			return err_set(e, E_UNAVAILABLE, NULL, NULL);
		s = store_stmt(w->conn, ST_CAMPAIGN_FINDING_IS);
		sbind_text(s, 1, t->code);
		sbind_text(s, 2, b.campaign_path);
		sbind_int(s, 3, campaign);
		sbind_int(s, 4, iv.case_id);
		sbind_int(s, 5, iv.org_id);
		rc = sstep(s);
		sreset(s);
		campaign_binds_release(&b);
		if (rc != STORE_ROW)
			return rc == STORE_DONE ? err_set(e, E_FIELD_INVALID, "case",
			                                  "不是本次检查在该单位发现的问题")
			                        : err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	iv.campaign_id = campaign;
	iv.actor_id = a->user_id;
	int64_t rid;
	if (interview_add(w, &iv, &rid, e) != 0)
		return -1;
	char held[ISO8601_MAX];
	time_format_iso(iv.held_at, held, sizeof held);
	*out =
	    json_pack("{s:{s:I,s:I,s:s,s:s,s:s?,s:I,s:s,s:s,s:s}}", "interview", "id",
	              (json_int_t)rid, "campaign_id", (json_int_t)campaign, "kind", iv.kind,
	              "person", iv.person, "position", iv.position, "org_id", (json_int_t)iv.org_id,
	              "held_at", held, "interviewer", iv.interviewer, "outcome", iv.outcome);
	if (*out && iv.case_id)
		json_object_set_new(json_object_get(*out, "interview"), "case_id",
		                    json_integer(iv.case_id));
	return *out ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

/* interview_body without its record */
static int interview_shape(json_t *in, struct err *e)
{
	struct interview iv = {0};
	return interview_body(in, &iv, e);
}

enum handler_result api_campaign_interview_add(struct req *r)
{
	return api_campaign_write(r, interview_shape, campaign_interview_add);
}

enum handler_result api_campaign_interviews(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "专项监督检查不存在");
	if (campaign_load(r->reader, &r->actor, id, NULL, NULL, 0, NULL, &r->err) != 0)
		return reply_failed(r);
	struct store_stmt *s = store_stmt(r->reader, ST_CAMPAIGN_INTERVIEWS);
	sbind_int(s, 1, id);
	sbind_text(s, 2, INTERVIEW_KIND_REMINDER);
	sbind_int(s, 3, INTERVIEWS_MAX);
	json_t *items = json_array();
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		json_array_append_new(items, interview_json(s));
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}
