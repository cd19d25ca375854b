/*
 * The demo county's discipline supervision campaigns (专项监督检查,
 * docs/campaign.md): the "campaigns" of the parts in config/demo/more/,
 * each driven through the same writes as the API at back-dated times, so
 * its record and audit chain are what live use would have produced:
 *
 *   {"as": LOGIN, "days_ago": N, "hour": H, "create": {the POST body},
 *    "visits": [{"as", "days_ago", "hour", "body": {…, "group": K},
 *                "findings_steps": [[{"as", "action", "body", "after_hours"}…]…]}],
 *    "reports": [{"as", "days_ago", "hour", "body": {"group": K, "day", "note"}}],
 *    "interviews": [{"as", "days_ago", "hour", "body": {…, "finding": N}}]}
 *
 * "group": K is the K-th group of the campaign (from 1); a visit's
 * visited_at is its own time unless given; each finding's steps (in the
 * order of the visit's findings) are case actions taken after it. A 约谈提醒
 * record's held_at is its own time unless given; "finding": N ties it to
 * the campaign's N-th finding (from 1, in the order the visits made them). Dates
 * "@day±N" were made absolute by demo.c. Written after the cases.
 */
#include "api/api.h"
#include "cli/cli.h"
#include "core/app.h"
#include "core/engine.h"
#include "core/writer.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

struct dc {
	json_t *findings; /* the campaign's findings' ids, in order */
	const char *as, *action;
	json_t *body;
	int64_t campaign, case_id;
	json_t *out;
	struct err e;
};

static int actor_of(struct wctx *w, const char *login, struct actor *a, struct err *e)
{
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login ? login : "");
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (!uid || actor_load(w->conn, uid, a) != 0)
		return err_set(e, E_BAD_REQUEST, NULL, "演示数据引用了不存在的账号 %s",
		               login ? login : "?");
	return 0;
}

enum dc_kind { DC_CREATE, DC_VISIT, DC_REPORT, DC_ACT, DC_INTERVIEW };

static enum dc_kind dc_kind_now;

static int dc_job(struct wctx *w, struct write_job *job)
{
	struct dc *d = job->arg;
	struct actor a;
	json_decref(d->out);
	d->out = NULL;
	if (actor_of(w, d->as, &a, &d->e) != 0)
		return -1;
	switch (dc_kind_now) {
	case DC_CREATE:
		return campaign_create(w, &a, d->body, &d->out, &d->e);
	case DC_VISIT:
		return campaign_visit_add(w, &a, d->campaign, d->body, &d->out, &d->e);
	case DC_REPORT:
		return campaign_report_submit(w, &a, d->campaign, d->body, &d->out, &d->e);
	case DC_ACT:
		return engine_act(w, &a, d->case_id, d->action, d->body, &d->out, &d->e);
	case DC_INTERVIEW:
		return campaign_interview_add(w, &a, d->campaign, d->body, &d->out, &d->e);
	}
	return -1;
}

/* The time of entry o: days_ago and hour from now's day, kept an hour
 * before now. */
static int64_t entry_time(json_t *o, int64_t now)
{
	int64_t day = time_day_of(now) - json_integer_value(json_object_get(o, "days_ago"));
	int64_t t = time_day_start(day) +
	            (int64_t)(json_number_value(json_object_get(o, "hour")) * (double)MS_PER_HOUR);
	return t > now - MS_PER_HOUR ? now - MS_PER_HOUR : t;
}

static int run(struct app *app, struct dc *d, enum dc_kind k, int64_t t, const char *what)
{
	time_set_fake(t);
	dc_kind_now = k;
	if (writer_run(app->writer, dc_job, d) == 0)
		return 0;
	fprintf(stderr, "civicloop demo: 专项监督检查%s失败: %s\n", what, err_message(&d->e));
	return -1;
}

/* body["group"] K → the K-th group's id */
static json_t *with_group(json_t *body, json_t *groups)
{
	json_t *b = json_deep_copy(body);
	json_t *k = json_object_get(b, "group");
	json_t *g = json_array_get(groups, (size_t)(json_integer_value(k) - 1));
	if (g)
		json_object_set(b, "group", json_object_get(g, "id"));
	return b;
}

static int visits_run(struct app *app, struct dc *d, json_t *visits, json_t *groups, int64_t now)
{
	size_t i;
	json_t *v;
	json_array_foreach(visits, i, v)
	{
		int64_t t = entry_time(v, now);
		char at[ISO8601_MAX];
		d->as = json_string_value(json_object_get(v, "as"));
		d->body = with_group(json_object_get(v, "body"), groups);
		if (!json_object_get(d->body, "visited_at") &&
		    time_format_iso(t, at, sizeof at) > 0)
			json_object_set_new(d->body, "visited_at", json_string(at));
		int rc = run(app, d, DC_VISIT, t, "的检查记录");
		json_decref(d->body);
		if (rc != 0)
			return -1;
		json_t *made =
		    json_incref(json_object_get(json_object_get(d->out, "visit"), "findings"));
		size_t m;
		json_t *x;
		json_array_foreach(made, m, x)
		    json_array_append(d->findings, json_object_get(x, "id"));
		size_t k;
		json_t *steps;
		json_array_foreach(json_object_get(v, "findings_steps"), k, steps)
		{
			d->case_id =
			    json_integer_value(json_object_get(json_array_get(made, k), "id"));
			int64_t st = t;
			size_t n;
			json_t *step;
			json_array_foreach(steps, n, step)
			{
				json_t *after = json_object_get(step, "after_hours");
				st += (int64_t)((after ? json_number_value(after) : 1.0) *
				                (double)MS_PER_HOUR);
				if (st > now - MS_PER_MINUTE)
					st = now - MS_PER_MINUTE;
				d->as = json_string_value(json_object_get(step, "as"));
				d->action = json_string_value(json_object_get(step, "action"));
				d->body = json_object_get(step, "body");
				if (!d->body)
					d->body = json_object();
				else
					json_incref(d->body);
				rc = run(app, d, DC_ACT, st, "整改事项的操作");
				json_decref(d->body);
				if (rc != 0) {
					json_decref(made);
					return -1;
				}
			}
		}
		json_decref(made);
	}
	return 0;
}

int demo_campaigns_add(struct app *app, json_t *campaigns, int64_t now)
{
	struct dc d = {.findings = json_array()};
	size_t i;
	json_t *c;
	int rc = 0;
	json_array_foreach(campaigns, i, c)
	{
		d.as = json_string_value(json_object_get(c, "as"));
		d.body = json_object_get(c, "create");
		if ((rc = run(app, &d, DC_CREATE, entry_time(c, now), "创建")) != 0)
			break;
		json_t *camp = json_object_get(d.out, "campaign");
		json_t *groups = json_incref(json_object_get(camp, "groups"));
		d.campaign = json_integer_value(json_object_get(camp, "id"));
		rc = visits_run(app, &d, json_object_get(c, "visits"), groups, now);
		size_t k;
		json_t *r;
		json_array_foreach(json_object_get(c, "reports"), k, r)
		{
			if (rc != 0)
				break;
			d.as = json_string_value(json_object_get(r, "as"));
			d.body = with_group(json_object_get(r, "body"), groups);
			rc = run(app, &d, DC_REPORT, entry_time(r, now), "的一日一报");
			json_decref(d.body);
		}
		json_array_foreach(json_object_get(c, "interviews"), k, r)
		{
			if (rc != 0)
				break;
			int64_t t = entry_time(r, now);
			char at[ISO8601_MAX];
			d.as = json_string_value(json_object_get(r, "as"));
			d.body = json_deep_copy(json_object_get(r, "body"));
			json_t *n = json_object_get(d.body, "finding");
			if (n)
				json_object_set(
				    d.body, "case",
				    json_array_get(d.findings,
				                   (size_t)(json_integer_value(n) - 1)));
			json_object_del(d.body, "finding");
			if (!json_object_get(d.body, "held_at") &&
			    time_format_iso(t, at, sizeof at) > 0)
				json_object_set_new(d.body, "held_at", json_string(at));
			rc = run(app, &d, DC_INTERVIEW, t, "的约谈提醒");
			json_decref(d.body);
		}
		json_decref(groups);
		json_array_clear(d.findings);
		if (rc != 0)
			break;
	}
	json_decref(d.out);
	json_decref(d.findings);
	return rc;
}
