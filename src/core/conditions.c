/*
 * Who may take an action and when its conditions hold. An action's roles
 * are checked against the case's org, or for "on":"assignment" actions
 * against the org of one of the caller's live assignments. Guards and
 * branches are lists of conditions (types.h struct type_cond), all of which
 * must hold. Nothing here writes.
 */
#include "core/engine_int.h"

#include <string.h>

bool status_listed(json_t *list, const char *status)
{
	size_t i;
	json_t *v;
	if (!list)
		return true;
	json_array_foreach(list, i, v) if (json_is_string(v) &&
	                                   !strcmp(json_string_value(v), status)) return true;
	return false;
}

static bool value_listed(json_t *list, json_t *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x) if (v && json_equal(v, x)) return true;
	return false;
}

/* The case's own value a COND_CASE condition names. */
static const char *case_attr(const struct case_full *cf, const char *name)
{
	if (!strcmp(name, "channel"))
		return cf->c.channel;
	if (!strcmp(name, "class"))
		return cf->c.class_;
	return cf->c.status;
}

/* Whether the actor's own org is the org in the case's org field `name`
 * (kept as a code or an id, as given). */
static bool actor_is_field_org(const struct actor *a, const struct case_full *cf, const char *name)
{
	json_t *v = json_object_get(cf->c.fields, name);
	if (!a || !a->org_id)
		return false;
	if (json_is_integer(v))
		return json_integer_value(v) == a->org_id;
	return json_is_string(v) && !strcmp(json_string_value(v), a->org_code);
}

/* types.h struct type_cond */
static bool cond_holds(const struct type_cond *c, json_t *body, const struct case_full *cf,
                       const struct actor *a, int64_t now)
{
	json_t *v = NULL, *tmp = NULL;
	int open = 0;
	int64_t left;
	switch (c->subject) {
	case COND_DAYS_LEFT:
		/* a case without the date is never "too close" to it */
		/* the action's own input when it gives the date (a plan's deadline
		 * being set), else the case's */
		v = json_object_get(body, c->name);
		if (!v)
			v = json_object_get(cf->c.fields, c->name);
		return date_days_left(json_string_value(v), now, &left) == 0 && left < c->count;
	case COND_ACTOR_ORG:
		v = tmp = json_boolean(actor_is_field_org(a, cf, c->name));
		break;
	case COND_OPEN_ASG:
		for (int i = 0; i < cf->na; i++)
			open += asg_open(&cf->a[i]);
		return open == c->count;
	case COND_ANY_ASG:
		for (int i = 0; i < cf->na; i++)
			if (asg_live(&cf->a[i]) && status_listed(c->in, cf->a[i].status))
				return true;
		return false;
	case COND_NEW_ATTACHMENTS:
		return cf->new_attachments == c->count;
	case COND_BODY:
		v = json_object_get(body, c->name);
		break;
	case COND_CASE_FIELD:
		v = json_object_get(cf->c.fields, c->name);
		break;
	case COND_CASE:
		v = tmp = json_string(case_attr(cf, c->name));
		break;
	}
	bool r = c->in ? value_listed(c->in, v) : !value_listed(c->not_in, v);
	json_decref(tmp);
	return r;
}

bool conds_hold(const struct type_cond *c, int n, json_t *body, const struct case_full *cf,
                const struct actor *a, int64_t now)
{
	for (int i = 0; i < n; i++)
		if (!cond_holds(&c[i], body, cf, a, now))
			return false;
	return true;
}

bool actor_may_act(const struct actor *a, const struct type_action *act, const char *org_path)
{
	for (int i = 0; i < act->nroles; i++)
		if (actor_has_role_over(a, act->roles[i], org_path))
			return true;
	return false;
}

bool asg_is_org(const struct asg_rec *g, json_t *org)
{
	if (json_is_integer(org))
		return g->org_id == json_integer_value(org);
	return json_is_string(org) && !strcmp(g->org_code, json_string_value(org));
}

int find_my_assignment(const struct actor *a, const struct type_action *act,
                       const struct case_full *cf, json_t *org, bool *any_role)
{
	int found = -1;
	bool live = false;
	*any_role = false;
	for (int i = 0; i < cf->na; i++) {
		const struct asg_rec *g = &cf->a[i];
		if (!asg_live(g))
			continue;
		live = true;
		if (!actor_may_act(a, act, g->org_path))
			continue;
		*any_role = true;
		if (found < 0 && str_in(g->status, act->asg_from, act->nasg_from) &&
		    (!act->asg_kinds || str_in(g->kind, act->asg_kinds, act->nasg_kinds)) &&
		    (!org || asg_is_org(g, org)))
			found = i;
	}
	/* no unit's part yet: the roles count over the case, and the action
	 * waits (409) rather than being refused (403) */
	if (!live)
		*any_role = actor_may_act(a, act, cf->c.org_path);
	return found;
}

bool engine_action_available(const struct actor *a, const struct type_action *act,
                             const struct case_full *cf)
{
	if (!str_in(cf->c.status, act->from, act->nfrom))
		return false;
	if (act->on_assignment) {
		bool any;
		return find_my_assignment(a, act, cf, NULL, &any) >= 0;
	}
	return actor_may_act(a, act, cf->c.org_path);
}

bool org_setting_true(struct store_conn *c, int64_t org_id, const char *key)
{
	struct store_stmt *s = store_stmt(c, ST_ORG_SETTINGS_GET);
	sbind_int(s, 1, org_id);
	bool on = false;
	if (sstep(s) == STORE_ROW) {
		json_t *o = json_loads(scol_text(s, 0), 0, NULL);
		on = json_is_true(json_object_get(o, key));
		json_decref(o);
	}
	sreset(s);
	return on;
}
