/*
 * 约谈 records (interviews.h) and the engine effect record_interview:
 *   {"effect": "record_interview", "kind": "约谈", "person": F,
 *    "position": F, "held_at": F, "interviewer": F, "outcome": F}
 * where each F names a field of the action (held_at a datetime field): the
 * record is of the case's org, for the case, written in the action's own
 * writer job. record_interview_fault checks those names at type load.
 */
#include "core/interviews.h"
#include "core/engine_int.h"
#include "core/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"

/* A record may be made a little ahead of the clock it is stamped with
 * (a client's clock runs fast); beyond that it is not a record of
 * something held. */
#define HELD_AT_SLACK_MS (10 * MS_PER_MINUTE)

static int text_of(const char *s, const char *field, size_t max, unsigned flags, const char *what,
                   struct err *e)
{
	json_t *v = s ? json_string(s) : NULL;
	if (!v)
		return err_set(e, E_FIELD_REQUIRED, field, "请填写%s", what);
	char invalid[96], too_long[96];
	snprintf(invalid, sizeof invalid, "%s须为非空%s文本", what,
	         flags & TEXT_MULTILINE ? "" : "单行");
	snprintf(too_long, sizeof too_long, "%s最多 %zu 字", what, max);
	const struct text_rule r = {.field = field,
	                            .max = max,
	                            .flags = flags | TEXT_NONEMPTY,
	                            .invalid = invalid,
	                            .too_long = too_long};
	int rc = text_check(v, &r, e);
	json_decref(v);
	return rc;
}

int interview_check(const struct interview *iv, int64_t now, struct err *e)
{
	if (!iv->kind ||
	    (strcmp(iv->kind, INTERVIEW_KIND) && strcmp(iv->kind, INTERVIEW_KIND_REMINDER)))
		return err_set(e, E_FIELD_INVALID, "kind", "约谈类别只能是“约谈”或“约谈提醒”");
	if (text_of(iv->person, "person", INTERVIEW_PERSON_MAX, 0, "被约谈人", e) != 0 ||
	    (iv->position &&
	     text_of(iv->position, "position", INTERVIEW_POSITION_MAX, 0, "职务", e) != 0) ||
	    text_of(iv->interviewer, "interviewer", INTERVIEW_INTERVIEWER_MAX, 0, "约谈人", e) !=
	        0 ||
	    text_of(iv->outcome, "outcome", INTERVIEW_OUTCOME_MAX, TEXT_MULTILINE, "约谈情况", e) !=
	        0)
		return -1;
	if (iv->held_at <= 0 || iv->held_at > now + HELD_AT_SLACK_MS)
		return err_set(e, E_FIELD_INVALID, "held_at", "约谈时间不能晚于现在");
	if (iv->org_id <= 0)
		return err_set(e, E_FIELD_REQUIRED, "org", "请指定被约谈的单位");
	return 0;
}

int interview_add(struct wctx *w, const struct interview *iv, int64_t *id, struct err *e)
{
	if (interview_check(iv, w->now, e) != 0)
		return -1;
	struct store_stmt *s = store_stmt(w->conn, ST_INTERVIEW_INSERT);
	sbind_opt_int(s, 1, iv->case_id);
	sbind_opt_int(s, 2, iv->campaign_id);
	sbind_int(s, 3, iv->org_id);
	sbind_text(s, 4, iv->kind);
	sbind_text(s, 5, iv->person);
	if (iv->position)
		sbind_text(s, 6, iv->position);
	else
		sbind_null(s, 6);
	sbind_int(s, 7, iv->held_at);
	sbind_text(s, 8, iv->interviewer);
	sbind_text(s, 9, iv->outcome);
	sbind_opt_int(s, 10, iv->actor_id);
	sbind_int(s, 11, w->now);
	int rc = sdone(s);
	if (rc == STORE_CONSTRAINT)
		return err_set(e, E_FIELD_INVALID, "org", "被约谈的单位不存在");
	if (rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	int64_t row = store_last_id(w->conn);
	char at[ISO8601_MAX];
	time_format_iso(iv->held_at, at, sizeof at);
	json_t *p = json_pack("{s:I,s:s,s:s}", "interview_id", (json_int_t)row, "kind", iv->kind,
	                      "held_at", at);
	if (p && iv->campaign_id)
		json_object_set_new(p, "campaign_id", json_integer(iv->campaign_id));
	char *text = p ? json_canonical(p) : NULL;
	json_decref(p);
	if (!text)
		return err_oom(e);
	struct event_rec ev = {.case_id = iv->case_id,
	                       .at = w->now,
	                       .actor_id = iv->actor_id,
	                       .org_id = iv->org_id,
	                       .action = "interview.add",
	                       .payload = text};
	rc = wctx_event(w, &ev);
	free(text);
	if (rc != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (id)
		*id = row;
	return 0;
}

static json_t *text_or_null(struct store_stmt *s, int i)
{
	return scol_null(s, i) ? json_null() : json_string(scol_text(s, i));
}

json_t *interview_json(struct store_stmt *s)
{
	char held[ISO8601_MAX], made[ISO8601_MAX];
	time_format_iso(scol_int(s, 10), held, sizeof held);
	time_format_iso(scol_int(s, 14), made, sizeof made);
	json_t *kase = scol_null(s, 1) ? json_null()
	                               : json_pack("{s:I,s:s}", "id", (json_int_t)scol_int(s, 1),
	                                           "no", scol_null(s, 2) ? "" : scol_text(s, 2));
	json_t *campaign = scol_null(s, 3) ? json_null() : json_integer(scol_int(s, 3));
	return json_pack("{s:I,s:o,s:o,s:{s:I,s:s,s:s},s:s,s:s,s:o,s:s,s:s,s:s,s:s}", "id",
	                 (json_int_t)scol_int(s, 0), "case", kase, "campaign_id", campaign, "org",
	                 "id", (json_int_t)scol_int(s, 4), "code", scol_text(s, 5), "name",
	                 scol_text(s, 6), "kind", scol_text(s, 7), "person", scol_text(s, 8),
	                 "position", text_or_null(s, 9), "held_at", held, "interviewer",
	                 scol_text(s, 11), "outcome", scol_text(s, 12), "created_at", made);
}

/* ------------------------------------------------------------------ */
/* the effect                                                          */

static const char *body_text(struct act_ctx *x, json_t *params, const char *key)
{
	const char *f = json_string_value(json_object_get(params, key));
	return f ? json_string_value(json_object_get(x->body, f)) : NULL;
}

/* The name of the action's field the param `key` names (for an error). */
static const char *field_named(json_t *params, const char *key)
{
	const char *f = json_string_value(json_object_get(params, key));
	return f ? f : key;
}

int effect_record_interview(struct act_ctx *x, json_t *params)
{
	const char *kind = json_string_value(json_object_get(params, "kind"));
	const char *held = body_text(x, params, "held_at");
	struct interview iv = {
	    .case_id = x->cf->c.id,
	    .org_id = x->cf->c.org_id,
	    .kind = kind ? kind : INTERVIEW_KIND,
	    .person = body_text(x, params, "person"),
	    .position = body_text(x, params, "position"),
	    .interviewer = body_text(x, params, "interviewer"),
	    .outcome = body_text(x, params, "outcome"),
	    .actor_id = x->a->user_id,
	};
	if (!held || time_parse_iso(held, &iv.held_at) != 0)
		return err_set(x->e, held ? E_FIELD_INVALID : E_FIELD_REQUIRED,
		               field_named(params, "held_at"), "请填写约谈时间");
	struct err e2 = {0};
	int64_t id;
	if (interview_add(x->w, &iv, &id, &e2) != 0) {
		/* name the action's field, not the record's column */
		const char *col = e2.field[0] ? e2.field : NULL;
		static const char *const keys[] = {"person", "position", "interviewer", "outcome",
		                                   "held_at"};
		const char *field = NULL;
		for (size_t i = 0; col && i < sizeof keys / sizeof keys[0]; i++)
			if (!strcmp(col, keys[i]))
				field = field_named(params, keys[i]);
		if (field)
			snprintf(e2.field, sizeof e2.field, "%s", field);
		*x->e = e2;
		return -1;
	}
	json_object_set_new(x->payload, "interview_id", json_integer(id));
	return 0;
}

/* A field of action a named by params[key], of one of the kinds; NULL if
 * there is none. */
static const struct type_field *action_field(const struct type_action *a, json_t *params,
                                             const char *key)
{
	const char *name = json_string_value(json_object_get(params, key));
	for (int i = 0; name && i < a->nfields; i++)
		if (!strcmp(a->fields[i].name, name))
			return &a->fields[i];
	return NULL;
}

const char *record_interview_fault(const struct type_action *a, json_t *params)
{
	json_t *kind = json_object_get(params, "kind");
	if (kind &&
	    (!json_is_string(kind) || (strcmp(json_string_value(kind), INTERVIEW_KIND) &&
	                               strcmp(json_string_value(kind), INTERVIEW_KIND_REMINDER))))
		return "record_interview 的 kind 只能是“约谈”或“约谈提醒”";
	static const char *const texts[] = {"person", "interviewer", "outcome"};
	for (size_t i = 0; i < 3; i++) {
		const struct type_field *f = action_field(a, params, texts[i]);
		if (!f || (f->kind != FK_STRING && f->kind != FK_TEXT) || !f->required)
			return "record_interview 的 person、interviewer、outcome "
			       "必须是本动作必填的 "
			       "string 或 text 字段";
	}
	const struct type_field *held = action_field(a, params, "held_at");
	if (!held || held->kind != FK_DATETIME || !held->required)
		return "record_interview 的 held_at 必须是本动作必填的 datetime 字段";
	if (json_object_get(params, "position")) {
		const struct type_field *f = action_field(a, params, "position");
		if (!f || f->kind != FK_STRING)
			return "record_interview 的 position 必须是本动作的 string 字段";
	}
	return NULL;
}
