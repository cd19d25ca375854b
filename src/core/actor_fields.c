/*
 * record_actor {"org": F, "name"?: F, "at"?: F}: writes who took the action
 * into the case's own fields — the actor's org (its code) into the org
 * field F, the actor's name and the time beside it. A hazard's 挂牌督办
 * records the listing org this way, so that only that org may take it
 * down again (the condition {"actor_org": F}), whoever lists it next.
 */
#include "core/engine_int.h"

#include "util/timeutil.h"

int effect_record_actor(struct act_ctx *x, json_t *params)
{
	const char *org = json_string_value(json_object_get(params, "org"));
	const char *name = json_string_value(json_object_get(params, "name"));
	const char *at = json_string_value(json_object_get(params, "at"));
	if (!x->a->org_id)
		return err_set(x->e, E_STATE_CONFLICT, NULL, "系统不能记录为经办单位");
	json_object_set_new(x->cf->c.fields, org, json_string(x->a->org_code));
	if (name)
		json_object_set_new(x->cf->c.fields, name, json_string(x->a->name));
	if (at) {
		char when[ISO8601_MAX];
		time_format_iso(x->w->now, when, sizeof when);
		json_object_set_new(x->cf->c.fields, at, json_string(when));
	}
	return 0;
}
