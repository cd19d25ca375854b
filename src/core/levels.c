/*
 * Levels (DESIGN §4 "就地调处"): a dispute is mediated at the level that
 * received it — 楼栋（组）, 村（社区）, 乡镇, 县 in the demo, the org kinds of
 * the type's "levels" (type_data.h) — and climbs one level when that
 * level's mediator asks for it or its deadline passes (the scheduler then
 * takes the action itself: auto_urge.run). The level at work holds the
 * case's lead assignment; each level has its own deadline; the case's
 * deadline is the current level's. Lower levels keep seeing the case
 * through its own org (the one that received it), so the whole history
 * stays with it. Two effects, run in the action's writer job:
 *
 *   assign_level {"status"?}  the taking mediator's level takes it on: a
 *                             lead assignment for the first org at or
 *                             above the case's org whose kind is a level
 *                             and which holds the mediator's own org (the
 *                             nearest level, for a mediator from
 *                             elsewhere); with "status" (a signed-phase
 *                             status) it is taken on at once (受理)
 *   escalate_level            the lead's level hands the case up: the
 *                             action's assignment_to has already ended the
 *                             caller's part; the next level above it gets
 *                             a new pending lead assignment
 *
 * Both write the case's fields "level" (the org kind at work),
 * "first_level" (the kind of the level that first took it on, kept) and,
 * on escalation, "escalations" (how many times it climbed), and the
 * payload's "level" {org, kind, name} / "escalation" {from, to}; the
 * stats' per-level figures read first_level and escalation.from.kind
 * (store/stmt_stats.h ST_STATS_LEVELS, docs/dispute.md).
 */
#include "core/directory.h"
#include "core/engine_int.h"

#include <stdio.h>
#include <string.h>

/* An org on the ladder. */
struct rung {
	int64_t id;
	char code[64], name[128], kind[24], path[256];
	int level; /* index in the type's levels, -1 if none */
};

/* Org `id` into *r; 0, or -1 when there is no such org. */
static int rung_load(struct act_ctx *x, int64_t id, struct rung *r, int64_t *parent)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_ORG_BY_ID);
	sbind_int(s, 1, id);
	int rc = -1;
	if (sstep(s) == STORE_ROW) {
		r->id = scol_int(s, 0);
		snprintf(r->code, sizeof r->code, "%s", scol_text(s, 1));
		snprintf(r->name, sizeof r->name, "%s", scol_text(s, 2));
		snprintf(r->kind, sizeof r->kind, "%s", scol_text(s, 3));
		*parent = scol_null(s, 4) ? 0 : scol_int(s, 4);
		snprintf(r->path, sizeof r->path, "%s", scol_text(s, 5));
		r->level = type_level_index(x->t, r->kind);
		rc = 0;
	}
	sreset(s);
	return rc;
}

/* From org `from` (itself included when `self`) upward, the first org whose
 * level is above `above` (-1: any level) and, when `holding` is given, whose
 * subtree holds that org path, into *r; 0, or -1 when none is. */
static int rung_find(struct act_ctx *x, int64_t from, bool self, int above, const char *holding,
                     struct rung *r)
{
	int64_t id = from, parent = 0;
	for (int hops = 0; id && hops < 64; hops++, id = parent) {
		if (rung_load(x, id, r, &parent) != 0)
			return -1;
		if ((self || hops > 0) && r->level > above &&
		    (!holding || path_within(holding, r->path)))
			return 0;
	}
	return -1;
}

const struct deadline_spec *level_deadline(struct act_ctx *x, int64_t org_id)
{
	struct rung r;
	int64_t parent;
	if (x->t->data.nlevels == 0 || rung_load(x, org_id, &r, &parent) != 0 || r.level < 0)
		return NULL;
	return type_deadline(x->t, x->t->data.levels[r.level].deadline);
}

static json_t *rung_json(const struct matter_type *t, const struct rung *r)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "org", r->code, "org_name", r->name, "kind", r->kind,
	                 "name", t->data.levels[r->level].name);
}

/* Opens the lead assignment of level org r with the level's deadline; the
 * case's deadline becomes that one. Its id into *asg. */
static int rung_assign(struct act_ctx *x, const struct rung *r, int64_t *asg)
{
	const struct type_level *lv = &x->t->data.levels[r->level];
	const struct deadline_spec *spec = type_deadline(x->t, lv->deadline);
	int64_t due = 0;
	if (NEVER(!spec))
		return err_set(x->e, E_INTERNAL, NULL, NULL);
	if (asg_insert(x, r->id, "lead", spec, asg, &due) != 0)
		return -1;
	x->cf->c.due_at = due;
	if (timer_restart_case(x->w, x->t, x->cf->c.id, "case_due", spec->unit, due) != 0)
		return store_fail(x->e);
	json_object_set_new(x->cf->c.fields, "level", json_string(r->kind));
	if (!json_object_get(x->cf->c.fields, "first_level")) /* 就地: where it began */
		json_object_set_new(x->cf->c.fields, "first_level", json_string(r->kind));
	return 0;
}

int effect_assign_level(struct act_ctx *x, json_t *params)
{
	const char *status = json_string_value(json_object_get(params, "status"));
	struct rung r;
	int64_t asg;
	if (asg_lead(x->cf))
		return err_set(x->e, E_STATE_CONFLICT, NULL, "工单已有主持调解的组织");
	/* the level of the mediator taking it on: the first level at or above
	 * the case's org that holds the mediator's own org (a village's
	 * mediator takes a case registered in one of its grids at the village);
	 * else, a mediator from elsewhere, the nearest level */
	if (rung_find(x, x->cf->c.org_id, true, -1, x->a->org_path, &r) != 0 &&
	    rung_find(x, x->cf->c.org_id, true, -1, NULL, &r) != 0)
		return err_set(x->e, E_STATE_CONFLICT, NULL,
		               "工单所属单位不在任何调解层级之内，无法受理");
	if (rung_assign(x, &r, &asg) != 0)
		return -1;
	if (status) {
		struct store_stmt *s = store_stmt(x->w->conn, ST_ASG_SIGN_NOW);
		sbind_int(s, 1, asg);
		sbind_text(s, 2, status);
		sbind_int(s, 3, x->w->now);
		if (sdone(s) != STORE_DONE || timers_stop_asg(x->w, asg, "sign") != 0)
			return store_fail(x->e);
	}
	json_t *lv = rung_json(x->t, &r);
	if (!lv || json_object_set_new(x->payload, "level", lv) != 0)
		return err_oom(x->e);
	json_object_set_new(lv, "assignment", json_integer(asg));
	return 0;
}

int effect_escalate_level(struct act_ctx *x, json_t *params)
{
	(void)params;
	struct rung from, to;
	int64_t parent, asg;
	if (NEVER(!x->mine) || rung_load(x, x->mine->org_id, &from, &parent) != 0)
		return err_set(x->e, E_INTERNAL, NULL, NULL);
	if (rung_find(x, from.id, false, from.level, NULL, &to) != 0)
		return err_set(x->e, E_STATE_CONFLICT, NULL, "%s已是最高一级调解组织，不能再上报",
		               from.name);
	if (rung_assign(x, &to, &asg) != 0)
		return -1;
	json_int_t n = json_integer_value(json_object_get(x->cf->c.fields, "escalations"));
	json_object_set_new(x->cf->c.fields, "escalations", json_integer(n + 1));
	/* the level above learns of it in its inbox */
	char text[2048]; /* a title is at most 800 bytes: never cut inside a character */
	snprintf(text, sizeof text, "【上报调解】工单 %s「%s」由%s上报至本级，请及时受理",
	         x->cf->c.no, x->cf->c.title, from.name);
	if (notice_add(x->w, to.id, x->cf->c.id, "escalated", text, x->a->user_id) != 0)
		return store_fail(x->e);
	json_t *f = from.level >= 0 ? rung_json(x->t, &from) : json_pack("{s:s}", "org", from.code);
	json_t *t = rung_json(x->t, &to);
	json_t *esc = json_pack("{s:o,s:o,s:I}", "from", f, "to", t, "assignment", (json_int_t)asg);
	if (!esc || json_object_set_new(x->payload, "escalation", esc) != 0)
		return err_oom(x->e);
	return 0;
}
