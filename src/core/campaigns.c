/* Discipline supervision campaigns: loading, membership, the figures and
 * the daily report's compilation the campaign routes share (campaigns.h). */
#include "core/campaigns.h"
#include "core/interviews.h"
#include "core/type_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

int campaign_binds_init(struct campaign_binds *b, const struct matter_type *t)
{
	memset(b, 0, sizeof *b);
	const struct type_campaign *C = &t->data.campaign;
	b->t = t;
	snprintf(b->campaign_path, sizeof b->campaign_path, "$.%s", C->campaign_field);
	snprintf(b->visit_path, sizeof b->visit_path, "$.%s", C->visit_field);
	snprintf(b->group_path, sizeof b->group_path, "$.%s", C->group_field);
	b->solved = json_dumps(C->solved_states, JSON_COMPACT);
	return b->solved ? 0 : -1;
}

void campaign_binds_release(struct campaign_binds *b)
{
	free(b->solved);
	b->solved = NULL;
}

json_t *campaign_time(int64_t ms)
{
	char at[ISO8601_MAX];
	return ms && time_format_iso(ms, at, sizeof at) > 0 ? json_string(at) : json_null();
}

json_t *campaign_json(struct store_stmt *s)
{
	json_t *focus = json_loads(scol_text(s, 4), 0, NULL);
	return json_pack(
	    "{s:I,s:s,s:s,s:s,s:o,s:{s:I,s:s,s:s},s:o}", "id", (json_int_t)scol_int(s, 0), "title",
	    scol_text(s, 1), "starts_on", scol_text(s, 2), "ends_on", scol_text(s, 3), "focus",
	    focus ? focus : json_array(), "org", "id", (json_int_t)scol_int(s, 5), "code",
	    scol_text(s, 6), "name", scol_text(s, 7), "created_at", campaign_time(scol_int(s, 9)));
}

bool campaign_readable(const struct actor *a, const char *path)
{
	return actor_can(a, P_CAMPAIGN_VISIT, path) || actor_can(a, P_CAMPAIGN_MANAGE, path);
}

int campaign_load(struct store_conn *c, const struct actor *a, int64_t id, json_t **out, char *path,
                  size_t cap, int64_t *org_id, struct err *e)
{
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_GET);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	bool seen = rc == STORE_ROW && campaign_readable(a, scol_text(s, 8));
	if (seen) {
		if (out)
			*out = campaign_json(s);
		if (path)
			snprintf(path, cap, "%s", scol_text(s, 8));
		if (org_id)
			*org_id = scol_int(s, 5);
	}
	sreset(s);
	if (seen)
		return out && !*out ? err_set(e, E_UNAVAILABLE, NULL, NULL) : 0;
	if (rc == STORE_ROW || rc == STORE_DONE)
		return err_set(e, E_NOT_FOUND, NULL, "专项监督检查不存在");
	return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
}

int campaign_member(struct store_conn *c, int64_t group, int64_t user)
{
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_IS_MEMBER);
	sbind_int(s, 1, group);
	sbind_int(s, 2, user);
	int rc = sstep(s);
	sreset(s);
	return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
}

static json_t *person(struct store_stmt *s, int col)
{
	return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)scol_int(s, col), "login",
	                 scol_text(s, col + 1), "name", scol_text(s, col + 2));
}

json_t *campaign_groups_json(struct store_conn *c, int64_t id)
{
	json_t *groups = json_array();
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_GROUPS);
	sbind_int(s, 1, id);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		json_array_append_new(
		    groups, json_pack("{s:I,s:s,s:o,s:[]}", "id", (json_int_t)scol_int(s, 0),
		                      "name", scol_text(s, 1), "leader", person(s, 2), "members"));
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(groups);
		return NULL;
	}
	s = store_stmt(c, ST_CAMPAIGN_MEMBERS);
	sbind_int(s, 1, id);
	while ((rc = sstep(s)) == STORE_ROW) {
		size_t i;
		json_t *g;
		json_array_foreach(groups, i, g)
		{
			if (json_integer_value(json_object_get(g, "id")) == scol_int(s, 0))
				json_array_append_new(json_object_get(g, "members"), person(s, 1));
		}
	}
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(groups);
		return NULL;
	}
	return groups;
}

json_t *campaign_targets_json(struct store_conn *c, int64_t id)
{
	json_t *units = json_array();
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_TARGETS);
	sbind_int(s, 1, id);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		json_array_append_new(units,
		                      json_pack("{s:I,s:s,s:s,s:s}", "id",
		                                (json_int_t)scol_int(s, 0), "code", scol_text(s, 1),
		                                "name", scol_text(s, 2), "kind", scol_text(s, 3)));
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(units);
		return NULL;
	}
	return units;
}

/* ------------------------------------------------------------------ */
/* figures                                                             */

static void zero_counts(json_t *o)
{
	static const char *const keys[] = {"visits", "unannounced", "problems",
	                                   "solved", "open",        "overdue"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_object_set_new(o, keys[i], json_integer(0));
}

static void set_items(json_t *o, struct store_stmt *s, int col)
{
	json_object_set_new(o, "problems", json_integer(scol_int(s, col)));
	json_object_set_new(o, "solved", json_integer(scol_int(s, col + 1)));
	json_object_set_new(o, "open", json_integer(scol_int(s, col + 2)));
	json_object_set_new(o, "overdue", json_integer(scol_int(s, col + 3)));
}

static void set_visits(json_t *o, struct store_stmt *s, int col)
{
	json_object_set_new(o, "visits", json_integer(scol_int(s, col)));
	json_object_set_new(o, "unannounced", json_integer(scol_int(s, col + 1)));
}

/* The entry of arr whose "id" (or "org"."id" when by_org) is id, or NULL. */
static json_t *entry_of(json_t *arr, int64_t id, bool by_org)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		json_t *k = by_org ? json_object_get(json_object_get(x, "org"), "id")
		                   : json_object_get(x, "id");
		if (json_integer_value(k) == id)
			return x;
	}
	return NULL;
}

static void item_binds(const struct campaign_binds *b, struct store_stmt *s, int64_t id,
                       int64_t now)
{
	sbind_text(s, 1, b->t->code);
	sbind_text(s, 2, b->campaign_path);
	sbind_int(s, 3, id);
	sbind_text(s, 4, b->solved);
	sbind_int(s, 5, now);
}

/* Runs statement st (rows: the key at 0, counts after it) into the entries
 * of arr; visits says which counts. 0 or -1. */
static int fill(struct store_conn *c, enum stmt_id st, const struct campaign_binds *b, int64_t id,
                int64_t now, json_t *arr, bool by_org, bool visits)
{
	struct store_stmt *s = store_stmt(c, st);
	if (visits)
		sbind_int(s, 1, id);
	else {
		item_binds(b, s, id, now);
		sbind_text(s, 6, b->group_path);
	}
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		json_t *x = entry_of(arr, scol_int(s, 0), by_org);
		if (x && visits)
			set_visits(x, s, 1);
		else if (x)
			set_items(x, s, 1);
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

/* o["warnings"] and each unit's: the campaign's 约谈提醒 records. */
static int warnings(struct store_conn *c, int64_t id, json_t *o, json_t *by_unit)
{
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_WARNINGS);
	sbind_int(s, 1, id);
	sbind_text(s, 2, INTERVIEW_KIND_REMINDER);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		json_object_set_new(o, "warnings", json_integer(scol_int(s, 0)));
	sreset(s);
	if (rc != STORE_ROW)
		return -1;
	s = store_stmt(c, ST_CAMPAIGN_WARNINGS_ORG);
	sbind_int(s, 1, id);
	sbind_text(s, 2, INTERVIEW_KIND_REMINDER);
	while ((rc = sstep(s)) == STORE_ROW) {
		json_t *x = entry_of(by_unit, scol_int(s, 0), true);
		if (x)
			json_object_set_new(x, "warnings", json_integer(scol_int(s, 1)));
	}
	sreset(s);
	return rc == STORE_DONE ? 0 : -1;
}

json_t *campaign_figures(struct store_conn *c, const struct campaign_binds *b, int64_t id,
                         int64_t now)
{
	json_t *o = json_object(), *groups = campaign_groups_json(c, id),
	       *units = campaign_targets_json(c, id);
	if (!o || !groups || !units)
		goto fail;
	zero_counts(o);
	json_object_set_new(o, "warnings", json_integer(0));
	json_t *by_group = json_array(), *by_unit = json_array();
	json_object_set_new(o, "by_group", by_group);
	json_object_set_new(o, "by_unit", by_unit);
	size_t i;
	json_t *x;
	json_array_foreach(groups, i, x)
	{
		json_t *g = json_pack("{s:O,s:O}", "id", json_object_get(x, "id"), "name",
		                      json_object_get(x, "name"));
		zero_counts(g);
		json_array_append_new(by_group, g);
	}
	json_array_foreach(units, i, x)
	{
		json_t *u =
		    json_pack("{s:{s:O,s:O,s:O}}", "org", "id", json_object_get(x, "id"), "code",
		              json_object_get(x, "code"), "name", json_object_get(x, "name"));
		zero_counts(u);
		json_object_set_new(u, "warnings", json_integer(0));
		json_array_append_new(by_unit, u);
	}
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_VISIT_COUNTS);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		set_visits(o, s, 0);
	sreset(s);
	if (rc != STORE_ROW)
		goto fail;
	s = store_stmt(c, ST_CAMPAIGN_ITEM_COUNTS);
	item_binds(b, s, id, now);
	rc = sstep(s);
	if (rc == STORE_ROW)
		set_items(o, s, 0);
	sreset(s);
	if (rc != STORE_ROW ||
	    fill(c, ST_CAMPAIGN_VISIT_COUNTS_GROUP, b, id, now, by_group, false, true) != 0 ||
	    fill(c, ST_CAMPAIGN_VISIT_COUNTS_ORG, b, id, now, by_unit, true, true) != 0 ||
	    fill(c, ST_CAMPAIGN_ITEM_COUNTS_GROUP, b, id, now, by_group, false, false) != 0 ||
	    fill(c, ST_CAMPAIGN_ITEM_COUNTS_ORG, b, id, now, by_unit, true, false) != 0 ||
	    warnings(c, id, o, by_unit) != 0)
		goto fail;
	json_decref(groups);
	json_decref(units);
	return o;
fail:
	json_decref(o);
	json_decref(groups);
	json_decref(units);
	return NULL;
}

int campaign_event(struct wctx *w, const struct actor *a, int64_t org, const char *action,
                   json_t *payload)
{
	char *text = payload ? json_canonical(payload) : NULL;
	if (!text)
		return -1;
	struct event_rec ev = {
	    .at = w->now, .actor_id = a->user_id, .org_id = org, .action = action, .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* visits and the daily report                                         */

json_t *campaign_visit_findings(struct store_conn *c, const struct campaign_binds *b, int64_t id)
{
	json_t *arr = json_array();
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_VISIT_FINDINGS);
	sbind_text(s, 1, b->t->code);
	sbind_text(s, 2, b->visit_path);
	sbind_int(s, 3, id);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		const struct type_state *st = type_state(b->t, scol_text(s, 3));
		json_array_append_new(
		    arr,
		    json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o}", "id", (json_int_t)scol_int(s, 0),
		              "no", scol_text(s, 1), "title", scol_text(s, 2), "status",
		              scol_text(s, 3), "status_name", st ? st->name : scol_text(s, 3),
		              "due_at", campaign_time(scol_null(s, 4) ? 0 : scol_int(s, 4)),
		              "closed_at", campaign_time(scol_null(s, 5) ? 0 : scol_int(s, 5))));
	}
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

json_t *campaign_day_compile(struct store_conn *c, const struct campaign_binds *b, int64_t group,
                             const char *day)
{
	json_t *lines = json_array();
	struct store_stmt *s = store_stmt(c, ST_CAMPAIGN_DAY_VISITS);
	sbind_int(s, 1, group);
	sbind_text(s, 2, day);
	int rc;
	int64_t unannounced = 0;
	while ((rc = sstep(s)) == STORE_ROW) {
		char at[ISO8601_MAX], hm[8] = "";
		/* "2026-03-02T09:30:00+08:00" → "09:30" */
		if (time_format_iso(scol_int(s, 1), at, sizeof at) > 16)
			snprintf(hm, sizeof hm, "%.5s", at + 11);
		unannounced += scol_int(s, 3) != 0;
		json_array_append_new(lines,
		                      json_pack("{s:I,s:s,s:s,s:b,s:s}", "visit_id",
		                                (json_int_t)scol_int(s, 0), "time", hm, "unit",
		                                scol_text(s, 2), "unannounced", scol_int(s, 3) != 0,
		                                "checked", scol_text(s, 4)));
	}
	sreset(s);
	if (rc != STORE_DONE) {
		json_decref(lines);
		return NULL;
	}
	size_t i, problems = 0;
	json_t *l;
	json_array_foreach(lines, i, l)
	{
		json_t *f = campaign_visit_findings(
		    c, b, json_integer_value(json_object_get(l, "visit_id")));
		if (!f) {
			json_decref(lines);
			return NULL;
		}
		size_t k;
		json_t *x;
		json_array_foreach(f, k, x)
		{
			/* what the report prints: the number and title, not the state,
			 * which changes after the day */
			json_object_del(x, "status");
			json_object_del(x, "status_name");
			json_object_del(x, "due_at");
			json_object_del(x, "closed_at");
		}
		problems += json_array_size(f);
		json_object_set_new(l, "findings", f);
	}
	return json_pack("{s:I,s:I,s:I,s:o}", "visits", (json_int_t)json_array_size(lines),
	                 "unannounced", (json_int_t)unannounced, "problems", (json_int_t)problems,
	                 "lines", lines);
}
