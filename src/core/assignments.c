/*
 * Assignments (DESIGN.md §2 "Assignment"): one unit's part of a case, with
 * its own status and deadlines. Here: writing one back, the move of the
 * caller's own assignment an action makes, and the effects that open
 * (assign), cancel, move and reopen them, and those that give the lead its
 * meaning: several units always have exactly one lead; the lead's answer is
 * the case's, an assisting unit's is its opinion (lead_sets_fields); one
 * unit's request moves only its own part, the lead's moves the case
 * (lead_moves_case); the dispatcher may withdraw a unit (cancel_unit) or
 * add one (assign with "kind": "assist"). A lead's assignment is the
 * routing model's label for the case (core/routing.h), and a cancellation
 * the type marks "routing_label": "wrong_unit" takes it out. Runs in
 * writer jobs.
 */
#include "core/case_scope.h"
#include "core/engine_int.h"
#include "core/routing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

bool asg_live(const struct asg_rec *g)
{
	return g->phase != ASG_CANCELLED;
}

bool asg_open(const struct asg_rec *g)
{
	return asg_live(g) && g->phase != ASG_DONE;
}

/* g takes the status `to` of type t, and the phase that name has there. */
static void asg_set_status(const struct matter_type *t, struct asg_rec *g, const char *to)
{
	snprintf(g->status, sizeof g->status, "%s", to);
	g->phase = type_asg_phase(t, to);
}

/* g is cancelled (the type's name for ASG_CANCELLED) and its timers stop. */
static int asg_cancel(struct act_ctx *x, struct asg_rec *g)
{
	asg_set_status(x->t, g, type_asg_status(x->t, ASG_CANCELLED));
	if (asg_write(x, g) != 0)
		return -1;
	if (timers_stop_asg(x->w, g->id, NULL) != 0)
		return store_fail(x->e);
	return 0;
}

int asg_write(struct act_ctx *x, struct asg_rec *g)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_ASG_UPDATE);
	sbind_int(s, 1, g->id);
	sbind_text(s, 2, g->status);
	sbind_opt_int(s, 3, g->signed_at);
	sbind_opt_int(s, 4, g->done_at);
	sbind_opt_int(s, 5, g->due_at);
	sbind_int(s, 6, x->w->now);
	sbind_opt_int(s, 7, g->sign_due_at);
	if (sdone(s) != STORE_DONE ||
	    case_scope_part(x->w->conn, g->org_id, x->cf->c.id, g->status) != 0)
		return store_fail(x->e);
	return 0;
}

int asg_take_action(struct act_ctx *x)
{
	struct asg_rec *g = x->mine;
	char kept[sizeof g->status];
	snprintf(kept, sizeof kept, "%s", g->status);
	const char *to = x->act->keeps_asg ? kept : x->act->asg_to;
	if (x->act->approval_setting &&
	    org_setting_true(x->w->conn, g->org_id, x->act->approval_setting)) {
		to = x->act->approval_to; /* the unit lead approves first */
		json_object_set_new(x->payload, "approval", json_string(to));
	}
	if (NEVER(!to))
		return err_set(x->e, E_INTERNAL, NULL, NULL);
	json_object_set_new(x->payload, "assignment", json_integer(g->id));
	json_object_set_new(x->payload, "assignment_org", json_string(g->org_code));
	json_object_set_new(x->payload, "assignment_kind", json_string(g->kind));
	asg_set_status(x->t, g, to);
	if (g->phase == ASG_SIGNED && !g->signed_at)
		g->signed_at = x->w->now;
	int stop = 0;
	if (g->phase == ASG_DONE) {
		g->done_at = x->w->now;
		stop = timers_stop_asg(x->w, g->id, NULL);
	} else if (!asg_live(g)) { /* a ruling that ends the unit's part */
		stop = timers_stop_asg(x->w, g->id, NULL);
	} else if (g->phase == ASG_SIGNED) {
		stop = timers_stop_asg(x->w, g->id, "sign");
	}
	if (stop != 0)
		return store_fail(x->e);
	return asg_write(x, g);
}

/* ------------------------------------------------------------------ */
/* assign                                                              */

struct asg_rec *asg_lead(struct case_full *cf)
{
	for (int i = 0; i < cf->na; i++)
		if (asg_live(&cf->a[i]) && !strcmp(cf->a[i].kind, "lead"))
			return &cf->a[i];
	return NULL;
}

/* The org kinds of the schema (orgs.kind), as messages name them. */
static const char *const org_kinds[][2] = {
    {"county", "县"},       {"township", "乡镇"},   {"village", "村（社区）"}, {"grid", "网格"},
    {"department", "部门"}, {"enterprise", "企业"}, {"centre", "热线中心"},
};

bool org_kind_known(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof org_kinds / sizeof org_kinds[0]; i++)
		if (!strcmp(org_kinds[i][0], kind))
			return true;
	return false;
}

static const char *org_kind_name(const char *kind)
{
	for (size_t i = 0; i < sizeof org_kinds / sizeof org_kinds[0]; i++)
		if (!strcmp(org_kinds[i][0], kind))
			return org_kinds[i][1];
	return kind;
}

/* One unit named by a dispatch: its id, code and org kind. */
struct unit {
	int64_t id;
	char code[64];
	char kind[24];
};

/* Resolves v (a code or an id) into *u. 0, or -1 if v names no org. */
static int unit_resolve(struct store_conn *c, json_t *v, struct unit *u)
{
	if (org_resolve(c, v, &u->id, NULL, 0, u->code, sizeof u->code) != 0)
		return -1;
	struct store_stmt *s = store_stmt(c, ST_ORG_BY_ID);
	sbind_int(s, 1, u->id);
	u->kind[0] = '\0';
	if (sstep(s) == STORE_ROW)
		snprintf(u->kind, sizeof u->kind, "%s", scol_text(s, 3));
	sreset(s);
	return 0;
}

/* The units the body names: "org" (one), or "orgs" (several) with an
 * optional "lead" (*lead, with lead->id 0 if none); with params.field, the
 * one unit that body field names (发起联合调解's "partner"); with
 * params.case_org, the case's own org; with params.case_field, the unit in
 * that org field of the case. A new array into *list. */
static int assign_targets(struct act_ctx *x, json_t *params, json_t **list, struct unit *lead)
{
	const char *only = json_string_value(json_object_get(params, "field"));
	json_t *org = json_object_get(x->body, only ? only : "org");
	json_t *orgs = only ? NULL : json_object_get(x->body, "orgs");
	json_t *jlead = only ? NULL : json_object_get(x->body, "lead");
	memset(lead, 0, sizeof *lead);
	/* "case_org": the case's own org does the work (an enterprise rectifies
	 * its own hazard), whatever the body says */
	if (json_is_true(json_object_get(params, "case_org"))) {
		*list = json_pack("[I]", (json_int_t)x->cf->c.org_id);
		return *list ? 0 : err_oom(x->e);
	}
	/* "case_field": the unit named in the case's own org field (a trip's
	 * receiving unit, given by the traveller, takes the approved letter) */
	const char *cfield = json_string_value(json_object_get(params, "case_field"));
	if (cfield) {
		json_t *v = json_object_get(x->cf->c.fields, cfield);
		if (!json_is_string(v))
			return err_set(x->e, E_FIELD_REQUIRED, cfield, "工单未指定%s", cfield);
		*list = json_pack("[O]", v);
		return *list ? 0 : err_oom(x->e);
	}
	if (org && orgs)
		return err_set(x->e, E_BAD_REQUEST, "orgs", "org 与 orgs 只能给一个");
	if (!org && !orgs)
		return err_set(x->e, E_FIELD_REQUIRED, only ? only : "org",
		               "请指定承办单位 org 或 orgs");
	if (jlead && unit_resolve(x->w->conn, jlead, lead) != 0)
		return err_set(x->e, E_FIELD_INVALID, "lead", "主办单位不是已知的单位");
	*list = json_array();
	if (!*list || (org ? json_array_append(*list, org) : json_array_extend(*list, orgs)) != 0) {
		json_decref(*list);
		return err_oom(x->e);
	}
	if (json_array_size(*list) + (size_t)x->cf->na > CASE_MAX_ASSIGNMENTS) {
		json_decref(*list);
		return err_set(x->e, E_FIELD_TOO_LONG, "orgs", "承办单位过多");
	}
	return 0;
}

/* The unit at u[i] is named once, is of a kind that handles cases
 * (params.org_kinds, when given) and holds no unfinished assignment. */
static int assign_unit_check(struct act_ctx *x, json_t *params, const struct unit *u, size_t i,
                             const char *field)
{
	for (size_t j = 0; j < i; j++)
		if (u[j].id == u[i].id)
			return err_set(x->e, E_FIELD_INVALID, "orgs", "承办单位重复");
	json_t *kinds = json_object_get(params, "org_kinds");
	if (kinds && !status_listed(kinds, u[i].kind))
		return err_set(x->e, E_FIELD_INVALID, field, "%s 不是承办单位：%s不承办工单",
		               u[i].code, org_kind_name(u[i].kind));
	for (int j = 0; j < x->cf->na; j++)
		if (x->cf->a[j].org_id == u[i].id && asg_open(&x->cf->a[j]))
			return err_set(x->e, E_CONFLICT, field, "该单位已有未办结的承办任务");
	return 0;
}

/* params.required / params.allowed (org codes): the units an action must
 * name, and the only others it may (宅基地联审: 农业农村、自然资源、住建
 * always; 林业、水利、交通 where the site needs them). A missing required
 * unit or one outside both lists is 400 on `field`, named by its org name. */
static int assign_roster(struct act_ctx *x, json_t *params, const struct unit *u, size_t n,
                         const char *field)
{
	json_t *req = json_object_get(params, "required"), *ok = json_object_get(params, "allowed");
	size_t i, j;
	json_t *code;
	json_array_foreach(req, i, code)
	{
		bool named = false;
		for (j = 0; j < n && !named; j++)
			named = !strcmp(u[j].code, json_string_value(code));
		if (!named) {
			char name[NAME_MAX_BYTES + 1] = "";
			struct store_stmt *s = store_stmt(x->w->conn, ST_ORG_BY_CODE);
			sbind_text(s, 1, json_string_value(code));
			if (sstep(s) == STORE_ROW)
				snprintf(name, sizeof name, "%s", scol_text(s, 2));
			sreset(s);
			return err_set(x->e, E_FIELD_INVALID, field, "须包括%s",
			               *name ? name : json_string_value(code));
		}
	}
	if (!ok)
		return 0;
	for (j = 0; j < n; j++)
		if (!(req && status_listed(req, u[j].code)) && !status_listed(ok, u[j].code))
			return err_set(x->e, E_FIELD_INVALID, field, "%s 不在可选的单位之中",
			               u[j].code);
	return 0;
}

/* Which of the n units leads: *at is its index, or -1 when none of them
 * does (the case already has its lead, or every unit has params.kind).
 * One unit alone leads; several need "lead" naming one of them; a case
 * keeps exactly one lead. */
static int assign_lead(struct act_ctx *x, const char *kind_all, const struct unit *u, size_t n,
                       const struct unit *lead, int *at)
{
	const struct asg_rec *cur = asg_lead(x->cf);
	*at = -1;
	if (kind_all) {
		if (lead->id)
			return err_set(x->e, E_FIELD_INVALID, "lead", "此操作不指定主办单位");
		if (!strcmp(kind_all, "assist") && !cur)
			return err_set(x->e, E_STATE_CONFLICT, NULL,
			               "工单还没有主办单位，请先派单");
		return 0;
	}
	if (lead->id) {
		for (size_t i = 0; i < n; i++)
			if (u[i].id == lead->id)
				*at = (int)i;
		if (*at < 0)
			return err_set(x->e, E_FIELD_INVALID, "lead", "主办单位必须是承办单位之一");
	} else if (!cur && n == 1) {
		*at = 0;
	} else if (!cur) {
		return err_set(x->e, E_FIELD_REQUIRED, "lead",
		               "派给多个单位时须用 lead 指定一个主办单位，其余为协办");
	}
	if (*at >= 0 && cur)
		return err_set(x->e, E_CONFLICT, "lead", "工单已有主办单位 %s", cur->org_code);
	return 0;
}

/* params.excluded_by_lead {"lead kind": ["kinds"]}: a case led by a unit of
 * that kind is not given to units of those kinds (a department's matter is
 * not pushed down to a village). */
static int assign_exclusions(struct act_ctx *x, json_t *params, const struct unit *u, size_t n,
                             int at, const char *field)
{
	json_t *rules = json_object_get(params, "excluded_by_lead");
	char lead_kind[24] = "";
	if (!rules)
		return 0;
	if (at >= 0) {
		snprintf(lead_kind, sizeof lead_kind, "%s", u[at].kind);
	} else {
		const struct asg_rec *cur = asg_lead(x->cf);
		struct unit l;
		json_t *id = cur ? json_integer(cur->org_id) : NULL;
		if (id && unit_resolve(x->w->conn, id, &l) == 0)
			snprintf(lead_kind, sizeof lead_kind, "%s", l.kind);
		json_decref(id);
	}
	json_t *banned = json_object_get(rules, lead_kind);
	for (size_t i = 0; banned && i < n; i++)
		if ((int)i != at && status_listed(banned, u[i].kind))
			return err_set(x->e, E_FIELD_INVALID, field,
			               "主办单位是%s，不能派给%s %s：%s职责事项不下派",
			               org_kind_name(lead_kind), org_kind_name(u[i].kind),
			               u[i].code, org_kind_name(lead_kind));
	return 0;
}

int asg_insert(struct act_ctx *x, int64_t org_id, const char *kind,
               const struct deadline_spec *handle, int64_t *asg, int64_t *due_out)
{
	struct wctx *w = x->w;
	/* the class's own sign-for limit (sign_within) or the type's "sign" */
	const struct type_class *k = type_class(x->t, x->cf->c.class_);
	const struct deadline_spec *sign =
	    k && k->has_sign_within ? &k->sign_within : type_deadline(x->t, "sign");
	int64_t sign_due = sign ? deadline_due(w->app->cal, *sign, w->now) : 0;
	int64_t due = handle ? deadline_due(w->app->cal, *handle, w->now) : 0;
	/* signing for can never be due after the work itself (紧急 over a holiday) */
	if (sign_due && due && sign_due > due)
		sign_due = due;
	struct store_stmt *s = store_stmt(w->conn, ST_ASG_INSERT);
	sbind_int(s, 1, x->cf->c.id);
	sbind_int(s, 2, org_id);
	sbind_text(s, 3, kind);
	sbind_int(s, 4, w->now);
	sbind_opt_int(s, 5, sign_due);
	sbind_opt_int(s, 6, due);
	if (sdone(s) != STORE_DONE)
		return store_fail(x->e);
	*asg = store_last_id(w->conn);
	if (case_scope_add(w->conn, org_id, x->cf->c.id) != 0) /* the lists' visibility */
		return store_fail(x->e);
	if ((sign && timer_at(w, x->t, x->cf->c.id, *asg, "sign", sign->unit, sign_due, w->now)) ||
	    (handle && timer_at(w, x->t, x->cf->c.id, *asg, "handle", handle->unit, due, w->now)))
		return store_fail(x->e);
	if (due_out)
		*due_out = due;
	return 0;
}

/* assign: opens assignments from the body's "org" (one unit) or "orgs"
 * (several, with "lead" naming the one that leads; the others assist).
 * params: "kind" gives every new assignment that kind ("review" for 会签/
 * 联审, "assist" to add a unit to a case that has its lead); "org_kinds"
 * the org kinds that handle cases; "excluded_by_lead" (assign_exclusions). */
int effect_assign(struct act_ctx *x, json_t *params)
{
	const char *kind_all = json_string_value(json_object_get(params, "kind"));
	const char *only = json_string_value(json_object_get(params, "field"));
	const char *field = only ? only : json_object_get(x->body, "org") ? "org" : "orgs";
	json_t *list = NULL, *made = json_array();
	struct unit u[CASE_MAX_ASSIGNMENTS], lead;
	int rc = -1, at;
	if (!made || json_object_set_new(x->payload, "assignments", made) != 0)
		return err_oom(x->e);
	if (assign_targets(x, params, &list, &lead) != 0)
		return -1;
	size_t n = json_array_size(list);
	for (size_t i = 0; i < n; i++) {
		if (unit_resolve(x->w->conn, json_array_get(list, i), &u[i]) != 0) {
			err_set(x->e, E_FIELD_INVALID, only ? only : "org",
			        "承办单位不是已知的单位");
			goto out;
		}
		if (assign_unit_check(x, params, u, i, field) != 0)
			goto out;
	}
	if (assign_roster(x, params, u, n, only ? only : "orgs") != 0 ||
	    assign_lead(x, kind_all, u, n, &lead, &at) != 0 ||
	    assign_exclusions(x, params, u, n, at, field) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *kind = kind_all ? kind_all : (int)i == at ? "lead" : "assist";
		int64_t asg = 0;
		if (asg_insert(x, u[i].id, kind, class_deadline(x->t, x->cf->c.class_), &asg,
		               NULL) != 0)
			goto out;
		if (json_array_append_new(made, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)asg,
		                                          "org", u[i].code, "kind", kind)) != 0) {
			err_oom(x->e);
			goto out;
		}
		/* the lead unit is the routing model's label for the case; a case
		 * its own org works on (case_org) teaches dispatch nothing */
		if (!strcmp(kind, "lead") && !json_is_true(json_object_get(params, "case_org")) &&
		    routing_label(x->w->conn, x->w->app, x->cf->c.id, u[i].id, x->cf->c.title,
		                  x->cf->c.description, 1) != 0) {
			store_fail(x->e);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(list);
	return rc;
}

/* ------------------------------------------------------------------ */
/* cancel, update, reopen                                              */

/* params.routing_label "wrong_unit": the type says that cancelling the
 * lead's part here means the case was not the unit's (an approved return,
 * a withdrawal), so the routing model's label for it is taken out. */
static int routing_unlabel(struct act_ctx *x, json_t *params, const struct asg_rec *g)
{
	const char *label = json_string_value(json_object_get(params, "routing_label"));
	if (!label || strcmp(label, "wrong_unit") != 0 || strcmp(g->kind, "lead") != 0)
		return 0;
	if (routing_label(x->w->conn, x->w->app, x->cf->c.id, g->org_id, x->cf->c.title,
	                  x->cf->c.description, -1) != 0)
		return store_fail(x->e);
	return 0;
}

/* cancel_assignments: live assignments (those in params.status if given)
 * become cancelled and their timers stop; with "own": true only the one
 * the action was taken on (x->mine, which its assignment_to may already
 * have cancelled: a dispatcher's ruling on one unit's return). Their ids
 * go to the payload's "cancelled_assignments". */
int effect_cancel_assignments(struct act_ctx *x, json_t *params)
{
	json_t *only = json_object_get(params, "status");
	bool own = json_is_true(json_object_get(params, "own"));
	json_t *ids = json_array();
	if (!ids || json_object_set_new(x->payload, "cancelled_assignments", ids) != 0)
		return err_oom(x->e);
	for (int i = 0; i < x->cf->na; i++) {
		struct asg_rec *g = &x->cf->a[i];
		if (own ? g != x->mine || g->phase == ASG_DONE
		        : !asg_open(g) || !status_listed(only, g->status))
			continue;
		if (asg_cancel(x, g) != 0 || routing_unlabel(x, params, g) != 0)
			return -1;
		json_array_append_new(ids, json_integer(g->id));
	}
	return 0;
}

/* update_assignments: live assignments in params.from move to params.to;
 * to a done-phase status they are done now (done_at, timers stopped): a
 * joint mediation's other region is done when the agreement is reached. */
int effect_update_assignments(struct act_ctx *x, json_t *params)
{
	json_t *from = json_object_get(params, "from");
	const char *to = json_string_value(json_object_get(params, "to"));
	if (!to)
		return err_set(x->e, E_INTERNAL, NULL, "update_assignments 缺少 to");
	for (int i = 0; i < x->cf->na; i++) {
		struct asg_rec *g = &x->cf->a[i];
		if (!asg_live(g) || !status_listed(from, g->status))
			continue;
		asg_set_status(x->t, g, to);
		if (g->phase == ASG_SIGNED && !g->signed_at) {
			g->signed_at = x->w->now; /* e.g. a return of an unsigned task refused */
			if (timers_stop_asg(x->w, g->id, "sign") != 0)
				return store_fail(x->e);
		}
		if (g->phase == ASG_DONE) { /* the others' parts end with the lead's answer */
			g->done_at = x->w->now;
			if (timers_stop_asg(x->w, g->id, NULL) != 0)
				return store_fail(x->e);
		}
		if (asg_write(x, g) != 0)
			return -1;
	}
	return 0;
}

/* reopen_assignments (发回重办): done assignments go back to work with a
 * fresh handle deadline from now; the case's own deadline restarts too.
 * A part held by a level (disputes, core/levels.c) gets its level's
 * deadline again, not the class's, and the case the lead level's: the
 * scheduler hands it up when that passes. */
int effect_reopen_assignments(struct act_ctx *x, json_t *params)
{
	const char *to = json_string_value(json_object_get(params, "to"));
	const struct deadline_spec *handle = class_deadline(x->t, x->cf->c.class_);
	int reopened = 0;
	for (int i = 0; i < x->cf->na; i++) {
		struct asg_rec *g = &x->cf->a[i];
		if (g->phase != ASG_DONE)
			continue;
		const struct deadline_spec *lv = level_deadline(x, g->org_id);
		const struct deadline_spec *own = lv ? lv : handle;
		asg_set_status(x->t, g, to ? to : type_asg_status(x->t, ASG_SIGNED));
		g->done_at = 0;
		if (own && timer_start(x->w, x->t, x->cf->c.id, g->id, "handle", own, x->w->now,
		                       &g->due_at) != 0)
			return store_fail(x->e);
		if (asg_write(x, g) != 0)
			return -1;
		if (lv && !strcmp(g->kind, "lead"))
			handle = lv;
		reopened++;
	}
	if (handle) {
		x->cf->c.due_at = deadline_due(x->w->app->cal, *handle, x->w->now);
		if (timer_restart_case(x->w, x->t, x->cf->c.id, "case_due", handle->unit,
		                       x->cf->c.due_at) != 0)
			return store_fail(x->e);
	}
	json_object_set_new(x->payload, "reopened_assignments", json_integer(reopened));
	return 0;
}

/* ------------------------------------------------------------------ */
/* lead and assisting units                                            */

/* lead_moves_case: an action taken on an assignment that is not the lead
 * (an assisting or review unit's part, or a ruling on it) moves only that
 * assignment; the case keeps its state, which follows the lead's work.
 * to_when_all_done still applies (the last unit's answer). */
struct asg_rec *unit_part_of(const struct act_ctx *x)
{
	return x->mine && strcmp(x->mine->kind, "lead") ? x->mine : NULL;
}

int effect_lead_moves_case(struct act_ctx *x, json_t *params)
{
	(void)params;
	if (unit_part_of(x))
		x->next = x->cf->c.status;
	return 0;
}

/* lead_sets_fields: set_fields for the lead's answer (or an action on no
 * assignment): the lead's answer is the case's. Any other unit's answer
 * is its opinion (协办意见): the same fields, with "at", kept on its
 * assignment (assignments.opinion, shown as the assignment's "opinion"),
 * never in the case's fields; the event's payload says "opinion": true. */
int effect_lead_sets_fields(struct act_ctx *x, json_t *params)
{
	if (!x->mine || !strcmp(x->mine->kind, "lead"))
		return effect_set_fields(x, params);
	json_t *names = json_object_get(params, "fields"), *op = json_object();
	if (!op)
		return err_oom(x->e);
	const char *to;
	json_t *from;
	size_t i;
	if (json_is_object(names)) {
		json_object_foreach(names, to, from)
		{
			json_t *v = json_object_get(x->body, json_string_value(from));
			if (v)
				json_object_set(op, to, v);
		}
	} else {
		json_array_foreach(names, i, from)
		{
			json_t *v = json_object_get(x->body, json_string_value(from));
			if (v)
				json_object_set(op, json_string_value(from), v);
		}
	}
	char at[ISO8601_MAX];
	time_format_iso(x->w->now, at, sizeof at);
	json_object_set_new(op, "at", json_string(at));
	char *text = json_canonical(op);
	json_decref(op);
	if (!text)
		return err_oom(x->e);
	struct store_stmt *s = store_stmt(x->w->conn, ST_ASG_OPINION_SET);
	sbind_int(s, 1, x->mine->id);
	sbind_text(s, 2, text);
	sbind_int(s, 3, x->w->now);
	int rc = sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
	free(text);
	json_object_set_new(x->payload, "opinion", json_true());
	return rc;
}

json_t *assignment_opinion_json(struct store_conn *c, int64_t asg_id)
{
	struct store_stmt *s = store_stmt(c, ST_ASG_OPINION);
	sbind_int(s, 1, asg_id);
	json_t *op = NULL;
	if (sstep(s) == STORE_ROW && !scol_null(s, 0))
		op = json_loads(scol_text(s, 0), 0, NULL);
	sreset(s);
	return op ? op : json_null();
}

/* cancel_unit (撤回): the dispatcher takes a unit back. The unit named in
 * body[params.field] (default "org") must hold a live, unfinished
 * assignment (400 otherwise) in one of params.from (409 otherwise, e.g. an
 * extension waiting for a ruling); it is cancelled and its timers stop.
 * An assisting unit's withdrawal leaves the case's state alone (the
 * action's to_when_all_done may then join); the lead's sends the case to
 * params.lead_to, to be dispatched to a new lead. Payload: "withdrawn":
 * {"assignment","org","kind"}. */
int effect_cancel_unit(struct act_ctx *x, json_t *params)
{
	const char *field = json_string_value(json_object_get(params, "field"));
	json_t *from = json_object_get(params, "from");
	json_t *org = json_object_get(x->body, field ? field : "org");
	struct asg_rec *g = NULL;
	for (int i = 0; i < x->cf->na && !g; i++)
		if (asg_open(&x->cf->a[i]) && asg_is_org(&x->cf->a[i], org))
			g = &x->cf->a[i];
	if (!g)
		return err_set(x->e, E_FIELD_INVALID, field ? field : "org",
		               "该单位没有未办结的承办任务，无需撤回");
	if (!status_listed(from, g->status))
		return err_set(x->e, E_STATE_CONFLICT, NULL,
		               "单位 %s 有待审批的申请，请先审批再撤回", g->org_code);
	bool was_lead = !strcmp(g->kind, "lead");
	if (asg_cancel(x, g) != 0 || routing_unlabel(x, params, g) != 0)
		return -1;
	json_t *w = json_pack("{s:I,s:s,s:s}", "assignment", (json_int_t)g->id, "org", g->org_code,
	                      "kind", g->kind);
	if (!w || json_object_set_new(x->payload, "withdrawn", w) != 0)
		return err_oom(x->e);
	if (was_lead)
		x->next = json_string_value(json_object_get(params, "lead_to"));
	return 0;
}
