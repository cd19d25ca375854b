/*
 * The daily report of a campaign's groups (一日一报; docs/campaign.md):
 *
 *   GET  /api/v1/campaigns/{id}/reports   ?day=YYYY-MM-DD (today by default): each
 *                                         group's report of the day, submitted or as
 *                                         it would be compiled now, and whether missing
 *   POST /api/v1/campaigns/{id}/reports   the group's leader: {"group","day","note"}
 *
 * A report is compiled from the group's visits of the day and their
 * findings (counts and one line per visit, core/campaigns.h
 * campaign_day_compile) and kept as submitted, with the leader's note: a
 * later visit recorded for that day does not change what was reported. A
 * day may be reported once (409 after), by the group's leader only (403),
 * inside the campaign's period and not before it has begun (400). A day
 * that ended without its report is missing: GET /api/v1/campaigns/{id}
 * lists those for the campaign's lead. One event campaign.report.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/campaigns.h"
#include "core/engine.h"
#include "core/input.h"
#include "core/type_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define REPORT_NOTE_MAX 2000

static const struct text_rule note_rule = {
    .field = "note",
    .max = REPORT_NOTE_MAX,
    .flags = TEXT_MULTILINE,
    .invalid = "报告说明须为文本",
    .too_long = "报告说明最多 " TEXT_STR(REPORT_NOTE_MAX) " 字",
};

/* Group's submitted report of day into *out, or *out NULL when none. */
static int report_get(struct store_conn *c, int64_t group, const char *day, json_t **out)
{
	*out = NULL;
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_REPORT_GET);
	sbind_int(s, 1, group);
	sbind_text(s, 2, day);
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		json_t *lines = json_loads(scol_text(s, 4), 0, NULL);
		*out = json_pack("{s:s,s:I,s:I,s:I,s:o,s:s,s:o}", "note", scol_text(s, 0), "visits",
		                 (json_int_t)scol_int(s, 1), "unannounced",
		                 (json_int_t)scol_int(s, 2), "problems", (json_int_t)scol_int(s, 3),
		                 "lines", lines ? lines : json_array(), "submitted_by",
		                 scol_text(s, 5), "submitted_at", campaign_time(scol_int(s, 6)));
	}
	sreset(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

enum handler_result api_campaign_reports(struct req *r)
{
	int64_t id = req_param_id(r, 0), day, today = time_day_of(time_now_ms());
	const struct matter_type *t = types_campaign(r->app->types);
	if (id < 0 || !t)
		return reply_err(r, E_NOT_FOUND, NULL, "专项监督检查不存在");
	const char *q = req_query(r, "day");
	char dtext[16];
	if (q && (strlen(q) != 10 || time_parse_date(q, &day) != 0))
		return reply_err(r, E_FIELD_INVALID, "day", "day 须为日期 YYYY-MM-DD");
	if (!q)
		day = today;
	time_format_date(day, dtext, sizeof dtext);
	json_t *c = NULL;
	if (campaign_load(r->reader, &r->actor, id, &c, NULL, 0, NULL, &r->err) != 0)
		return reply_failed(r);
	int64_t first = 0, last = 0;
	time_parse_date(json_string_value(json_object_get(c, "starts_on")), &first);
	time_parse_date(json_string_value(json_object_get(c, "ends_on")), &last);
	json_t *groups = campaign_groups_json(r->reader, id);
	struct campaign_binds b;
	if (!groups || campaign_binds_init(&b, t) != 0) {
		json_decref(c);
		json_decref(groups);
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	}
	json_t *items = json_array();
	bool ok = true, in_period = day >= first && day <= last;
	size_t i;
	json_t *g;
	json_array_foreach(groups, i, g)
	{
		int64_t gid = json_integer_value(json_object_get(g, "id"));
		json_t *rep = NULL;
		if (report_get(r->reader, gid, dtext, &rep) != 0) {
			ok = false;
			break;
		}
		bool submitted = rep != NULL;
		if (!rep && !(rep = campaign_day_compile(r->reader, &b, gid, dtext))) {
			ok = false;
			break;
		}
		json_array_append_new(
		    items,
		    json_pack("{s:{s:O,s:O,s:O},s:b,s:b,s:o}", "group", "id",
		              json_object_get(g, "id"), "name", json_object_get(g, "name"),
		              "leader", json_object_get(g, "leader"), "filed", submitted, "missing",
		              !submitted && in_period && day < today, "report", rep));
	}
	campaign_binds_release(&b);
	json_decref(groups);
	if (!ok) {
		json_decref(c);
		json_decref(items);
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	return reply_json(r, 200,
	                  json_pack("{s:o,s:s,s:b,s:o}", "campaign", c, "day", dtext, "in_period",
	                            in_period, "items", items));
}

static int report_body(json_t *in, int64_t *day, struct err *e)
{
	static const char *const keys[] = {"group", "day", "note"};
	if (campaign_body_keys(in, keys, sizeof keys / sizeof keys[0], 3, e) != 0)
		return -1;
	json_t *group = json_object_get(in, "group");
	if (!json_is_integer(group) || json_integer_value(group) < 1)
		return err_set(e, E_FIELD_INVALID, "group", "group 须为检查组的 id");
	const char *d = json_string_value(json_object_get(in, "day"));
	if (!d || strlen(d) != 10 || time_parse_date(d, day) != 0)
		return err_set(e, E_FIELD_INVALID, "day", "day 须为日期 YYYY-MM-DD");
	return text_check(json_object_get(in, "note"), &note_rule, e);
}

int campaign_report_submit(struct wctx *w, const struct actor *a, int64_t campaign, json_t *in,
                           json_t **out, struct err *e)
{
	int64_t day;
	const struct matter_type *t = types_campaign(w->app->types);
	json_t *c = NULL;
	if (!t)
		return err_set(e, E_NOT_FOUND, NULL, "没有监督检查整改事项类型");
	if (report_body(in, &day, e) != 0 ||
	    campaign_load(w->conn, a, campaign, &c, NULL, 0, NULL, e) != 0)
		return -1;
	int64_t first = 0, last = 0;
	time_parse_date(json_string_value(json_object_get(c, "starts_on")), &first);
	time_parse_date(json_string_value(json_object_get(c, "ends_on")), &last);
	json_decref(c);
	int64_t group = json_integer_value(json_object_get(in, "group"));
	struct store_stmt *s = store_stmt(w->conn, ST_CAMPAIGN_GROUP_GET);
	sbind_int(s, 1, group);
	sbind_int(s, 2, campaign);
	int rc = sstep(s);
	int64_t leader = rc == STORE_ROW ? scol_int(s, 2) : 0;
	sreset(s);
	if (rc != STORE_ROW)
		return rc == STORE_DONE
		           ? err_set(e, E_FIELD_INVALID, "group", "本次检查没有这个检查组")
		           : err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (leader != a->user_id)
		return err_set(e, E_FORBIDDEN, "group", "一日一报由检查组组长报送");
	if (day < first || day > last)
		return err_set(e, E_FIELD_INVALID, "day", "日期须在本次检查的期限内");
	if (day > time_day_of(w->now))
		return err_set(e, E_FIELD_INVALID, "day", "还没到这一天，不能报送");
	char dtext[16];
	time_format_date(day, dtext, sizeof dtext);
	json_t *have = NULL;
	if (report_get(w->conn, group, dtext, &have) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (have) {
		json_decref(have);
		return err_set(e, E_CONFLICT, "day", "该检查组当天的一日一报已报送");
	}
	struct campaign_binds b;
	if (campaign_binds_init(&b, t) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	json_t *rep = campaign_day_compile(w->conn, &b, group, dtext);
	campaign_binds_release(&b);
	char *lines = rep ? json_dumps(json_object_get(rep, "lines"), JSON_COMPACT) : NULL;
	if (!lines) {
		json_decref(rep);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	s = store_stmt(w->conn, ST_CAMPAIGN_REPORT_INSERT);
	sbind_int(s, 1, group);
	sbind_text(s, 2, dtext);
	sbind_text(s, 3, json_string_value(json_object_get(in, "note")));
	sbind_int(s, 4, json_integer_value(json_object_get(rep, "visits")));
	sbind_int(s, 5, json_integer_value(json_object_get(rep, "unannounced")));
	sbind_int(s, 6, json_integer_value(json_object_get(rep, "problems")));
	sbind_text(s, 7, lines);
	sbind_int(s, 8, a->user_id);
	sbind_int(s, 9, w->now);
	rc = sdone(s);
	free(lines);
	if (rc != STORE_DONE) {
		json_decref(rep);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	json_object_set(rep, "note", json_object_get(in, "note"));
	json_t *p = json_pack("{s:I,s:I,s:s,s:O}", "campaign", (json_int_t)campaign, "group",
	                      (json_int_t)group, "day", dtext, "report", rep);
	rc = campaign_event(w, a, a->org_id, "campaign.report", p);
	json_decref(p);
	if (rc != 0) {
		json_decref(rep);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	json_object_set_new(rep, "submitted_by", json_string(a->name));
	json_object_set_new(rep, "submitted_at", campaign_time(w->now));
	*out = json_pack("{s:I,s:s,s:o}", "group", (json_int_t)group, "day", dtext, "report", rep);
	return 0;
}

/* report_body without its day */
static int report_shape(json_t *in, struct err *e)
{
	int64_t day;
	return report_body(in, &day, e);
}

enum handler_result api_campaign_report_submit(struct req *r)
{
	return api_campaign_write(r, report_shape, campaign_report_submit);
}
