/*
 * The action driver (engine_act). A job re-reads the case and checks, in
 * this order: visibility (404), the action (404), permission (403), input
 * (400), version (409) and state (409, with the action's deadlines and
 * guards). It then moves the caller's assignment, runs the effects, picks
 * the next state, writes the case and one event, moves its merged children
 * with it (follow.c), and answers the case as
 * the caller now sees it. Runs in a writer job; any failure returns -1 with
 * *e set, and the writer rolls the job's savepoint back.
 */
#include "core/engine_int.h"
#include "core/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/utf8.h"

int store_fail(struct err *e)
{
	return err_set(e, E_UNAVAILABLE, NULL, "数据库写入失败，请稍后重试");
}

int engine_record_pii_view(struct wctx *w, const struct actor *a, int64_t id)
{
	struct event_rec ev = {.case_id = id,
	                       .at = w->now,
	                       .actor_id = a->user_id,
	                       .org_id = a->org_id,
	                       .action = "pii.view",
	                       .payload = "{}"};
	return wctx_event(w, &ev);
}

int engine_record_read(struct wctx *w, const struct actor *a, int64_t id, const char *action,
                       const char *payload)
{
	struct event_rec ev = {.case_id = id,
	                       .at = w->now,
	                       .actor_id = a->user_id,
	                       .org_id = a->org_id,
	                       .action = action,
	                       .payload = payload};
	return wctx_event(w, &ev);
}

int case_view_record(struct wctx *w, const struct actor *a, int64_t id, json_t **out, struct err *e)
{
	struct case_full cf;
	if (case_load(w->conn, w->app, id, &cf) != 0)
		return store_fail(e);
	bool pii = false;
	*out = case_to_json(w->conn, w->app, a, &cf, true, &pii);
	case_full_release(&cf);
	if (!*out)
		return err_oom(e);
	if (pii && engine_record_pii_view(w, a, id) != 0) {
		json_decref(*out);
		*out = NULL;
		return store_fail(e);
	}
	return 0;
}

/* The action named, and whether the actor may take it here (404, 403);
 * x->mine is the caller's assignment for on_assignment actions. */
static int act_authorize(struct act_ctx *x, const char *action)
{
	x->act = type_action(x->t, action);
	char clip[UTF8_CLIP_BUF];
	if (!x->act)
		return err_set(x->e, E_UNKNOWN_ACTION, "action", "事项类型 %s 没有操作 %s",
		               x->t->code, utf8_clip(action, 64, clip, sizeof clip));
	bool allowed = actor_may_act(x->a, x->act, x->cf->c.org_path);
	if (x->act->on_assignment) {
		/* an action with an "org" input acts on that unit's assignment */
		json_t *org = NULL;
		for (int i = 0; i < x->act->nfields; i++)
			if (!strcmp(x->act->fields[i].name, "org"))
				org = json_object_get(x->body, "org");
		int mine = find_my_assignment(x->a, x->act, x->cf, org, &allowed);
		x->mine = mine >= 0 ? &x->cf->a[mine] : NULL;
	}
	if (!allowed)
		return err_set(x->e, E_FORBIDDEN, NULL, "您的角色不能对此工单执行“%s”",
		               x->act->name);
	return 0;
}

/* Whether the action may be taken now: the version the caller saw (409),
 * the case's and the assignment's state, the action's deadlines, its guards. */
static int act_admit(struct act_ctx *x)
{
	const struct case_rec *c = &x->cf->c;
	const struct type_action *act = x->act;
	int64_t now = x->w->now;
	json_t *ver = json_object_get(x->body, "version");
	if (ver && json_integer_value(ver) != c->version)
		return err_set(x->e, E_VERSION_CONFLICT, "version",
		               "工单已更新到版本 %lld，请刷新后重试", (long long)c->version);
	if (act->on_assignment && !x->mine && act->asg_kinds &&
	    str_in(c->status, act->from, act->nfrom))
		for (int i = 0; i < x->cf->na; i++)
			if (asg_live(&x->cf->a[i]) &&
			    actor_may_act(x->a, act, x->cf->a[i].org_path) &&
			    !str_in(x->cf->a[i].kind, act->asg_kinds, act->nasg_kinds))
				return err_set(
				    x->e, E_STATE_CONFLICT, NULL,
				    "“%s”只能由主办（主持）单位执行，协办或联合调解的单位不能执行",
				    act->name);
	if (!str_in(c->status, act->from, act->nfrom) || (act->on_assignment && !x->mine)) {
		const struct type_state *st = type_state(x->t, c->status);
		return err_set(x->e, E_STATE_CONFLICT, NULL, "工单当前状态“%s”不能执行“%s”",
		               NEVER(!st) ? c->status : st->name, act->name);
	}
	if (act->within_deadline && x->mine) {
		const struct deadline_spec *spec = type_deadline(x->t, act->within_deadline);
		if (NEVER(!spec))
			return err_set(x->e, E_INTERNAL, NULL, NULL);
		if (now > deadline_due(x->w->app->cal, *spec, x->mine->dispatched_at))
			return err_set(x->e, E_STATE_CONFLICT, NULL, "已超过“%s”的时限", act->name);
	}
	int64_t due = x->mine && x->mine->due_at ? x->mine->due_at : c->due_at;
	if (act->before_due && due && now >= due)
		return err_set(x->e, E_STATE_CONFLICT, NULL, "已超过办理期限，不能再“%s”",
		               act->name);
	struct store_stmt *s = store_stmt(x->w->conn, ST_ATTACHMENT_COUNT_SINCE);
	sbind_int(s, 1, c->id);
	sbind_int(s, 2, c->updated_at);
	int step = sstep(s);
	x->cf->new_attachments = step == STORE_ROW ? (int)scol_int(s, 0) : 0;
	sreset(s);
	if (step != STORE_ROW)
		return store_fail(x->e);
	for (int i = 0; i < act->nguards; i++)
		if (conds_hold(act->guards[i].conds, act->guards[i].nconds, x->body, x->cf, x->a,
		               x->w->now))
			return err_set(x->e, E_STATE_CONFLICT, NULL, "%s", act->guards[i].message);
	return 0;
}

/* Whether the case's units have all answered: every live assignment is
 * done, there is at least one, and assisting units never answer alone (a
 * case whose lead is gone waits for a new one). */
static bool all_done(const struct case_full *cf)
{
	int live = 0, leads = 0, assists = 0;
	for (int i = 0; i < cf->na; i++) {
		const struct asg_rec *g = &cf->a[i];
		if (!asg_live(g))
			continue;
		if (asg_open(g))
			return false;
		live++;
		leads += !strcmp(g->kind, "lead");
		assists += !strcmp(g->kind, "assist");
	}
	return live > 0 && (leads > 0 || assists == 0);
}

/* The state the case moves to: the first branch that holds (running its
 * effects) or the action's `to`; the state an effect decided (x->next)
 * instead; then to_when_all_done once the units have all answered
 * (all_done); the current state when none applies. */
static int act_next_state(struct act_ctx *x, const char **to)
{
	const struct type_action *act = x->act;
	*to = act->to;
	for (int i = 0; i < act->nbranches; i++) {
		if (!conds_hold(act->branches[i].conds, act->branches[i].nconds, x->body, x->cf,
		                x->a, x->w->now))
			continue;
		if (act->branches[i].to)
			*to = act->branches[i].to;
		if (effects_run(x, act->branches[i].effects, act->branches[i].neffects) != 0)
			return -1;
		break;
	}
	if (x->next)
		*to = x->next;
	if (act->to_when_all_done && all_done(x->cf))
		*to = act->to_when_all_done;
	if (!*to)
		*to = x->cf->c.status;
	return 0;
}

/* The case row in state `to`, checked against the version it was read at. */
static int case_write(struct act_ctx *x, const char *to, int64_t closed_at)
{
	const struct case_rec *c = &x->cf->c;
	char *ftext = json_canonical(c->fields);
	if (!ftext)
		return err_oom(x->e);
	struct store_stmt *s = store_stmt(x->w->conn, ST_CASE_UPDATE);
	sbind_int(s, 1, c->id);
	sbind_text(s, 2, to);
	sbind_text(s, 3, ftext);
	sbind_opt_int(s, 4, c->due_at);
	sbind_opt_int(s, 5, closed_at);
	sbind_int(s, 6, x->w->now);
	sbind_int(s, 7, c->version);
	int rc = sdone(s) == STORE_DONE && store_changes(x->w->conn) == 1 ? 0 : store_fail(x->e);
	free(ftext);
	return rc;
}

/* The action's event, from → to, with its payload. */
static int act_event(struct act_ctx *x, const char *from, const char *to)
{
	/* the case's deadline as it stands after the action, so on-time rates
	 * can be recomputed from the events alone (docs/rates.md) */
	if (x->cf->c.due_at) {
		char due[ISO8601_MAX];
		time_format_iso(x->cf->c.due_at, due, sizeof due);
		json_object_set_new(x->payload, "due_at", json_string(due));
	}
	char *ptext = json_canonical(x->payload);
	if (!ptext)
		return err_oom(x->e);
	struct event_rec ev = {.case_id = x->cf->c.id,
	                       .at = x->w->now,
	                       .actor_id = x->a->user_id,
	                       .org_id = x->a->org_id,
	                       .action = x->act->code,
	                       .from = from,
	                       .to = to,
	                       .payload = ptext};
	int rc = wctx_event(x->w, &ev) == 0 ? 0 : store_fail(x->e);
	free(ptext);
	return rc;
}

/* Applies the admitted action: the caller's assignment, the effects, the
 * next state, the case row and the event. */
static int act_apply(struct act_ctx *x)
{
	x->payload = json_deep_copy(x->body);
	if (!x->payload)
		return err_oom(x->e);
	json_object_del(x->payload, "version");
	if (x->mine && asg_take_action(x) != 0)
		return -1;
	if (effects_run(x, x->act->effects, x->act->neffects) != 0)
		return -1;
	const char *from = x->cf->c.status, *to;
	if (act_next_state(x, &to) != 0)
		return -1;
	const struct type_state *ts = type_state(x->t, to);
	if (NEVER(!ts))
		return err_set(x->e, E_INTERNAL, NULL, NULL);
	if (ts->final && timers_stop_case(x->w, x->cf->c.id) != 0)
		return store_fail(x->e);
	if (case_write(x, to, ts->final ? x->w->now : 0) != 0 || act_event(x, from, to) != 0)
		return -1;
	return follow_children(x, from, to);
}

/* The case's search notes after the action (its reply, opinions). */
static int act_index(struct wctx *w, int64_t id, struct err *e)
{
	return search_refresh(w, id) == 0 ? 0 : store_fail(e);
}

int engine_act_auto(struct wctx *w, int64_t id, int64_t asg, const char *action, json_t *body,
                    struct err *e)
{
	static const struct actor system; /* user 0: the system */
	struct case_full cf;
	if (case_load(w->conn, w->app, id, &cf) != 0)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	struct act_ctx x = {.w = w, .a = &system, .t = cf.c.type, .cf = &cf, .body = body, .e = e};
	int rc = -1;
	x.act = x.t ? type_action(x.t, action) : NULL;
	for (int i = 0; x.act && i < cf.na; i++) {
		const struct asg_rec *g = &cf.a[i];
		if (g->id == asg && asg_live(g) &&
		    str_in(g->status, x.act->asg_from, x.act->nasg_from) &&
		    (!x.act->asg_kinds || str_in(g->kind, x.act->asg_kinds, x.act->nasg_kinds)))
			x.mine = &cf.a[i];
	}
	/* asg 0: an action on the case itself (a generated inspection's
	 * scheduling, core/inspections.c), which names no assignment */
	if (!x.mine && !(asg == 0 && x.act && !x.act->on_assignment && x.act->system))
		err_set(e, E_STATE_CONFLICT, NULL, "承办任务已不在可自动处理的状态");
	else if (action_body_check(&x) == 0 && act_admit(&x) == 0 &&
	         json_object_set_new(body, "auto", json_true()) == 0 && /* the event says so */
	         act_apply(&x) == 0 && act_index(w, id, e) == 0)
		rc = 0;
	json_decref(x.payload);
	case_full_release(&cf);
	return rc;
}

/* engine_act, with the case's answer into *out unless out is NULL. */
static int act_run(struct wctx *w, const struct actor *a, int64_t id, const char *action,
                   json_t *body, json_t **out, struct err *e)
{
	struct case_full cf;
	if (case_load(w->conn, w->app, id, &cf) != 0)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	struct act_ctx x = {.w = w, .a = a, .t = cf.c.type, .cf = &cf, .body = body, .e = e};
	int rc = -1;
	json_t *cj = NULL;
	if (!case_visible(a, &cf))
		err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	else if (NEVER(!x.t))
		err_set(e, E_INTERNAL, NULL, NULL);
	else if (act_authorize(&x, action) == 0 && action_body_check(&x) == 0 &&
	         act_admit(&x) == 0 && act_apply(&x) == 0 && act_index(w, id, e) == 0) {
		if (!out)
			rc = 0;
		else if (case_view_record(w, a, id, &cj, e) == 0) {
			*out = json_pack("{s:o}", "case", cj);
			rc = *out ? 0 : err_oom(e);
		}
	}
	json_decref(x.payload);
	case_full_release(&cf);
	return rc;
}

int engine_act(struct wctx *w, const struct actor *a, int64_t id, const char *action, json_t *body,
               json_t **out, struct err *e)
{
	return act_run(w, a, id, action, body, out, e);
}

int engine_act_plain(struct wctx *w, const struct actor *a, int64_t id, const char *action,
                     json_t *body, struct err *e)
{
	return act_run(w, a, id, action, body, NULL, e);
}
