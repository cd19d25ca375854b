/*
 * The demo county's rolling safety inspections (滚动排查,
 * docs/inspection.md), from the parts in config/demo/more/:
 *
 *   "inspection_plans": [{"org", "as", "frequency"?, "inspecting_org"?}]
 *       plans set by hand (by the account `as`, an inspector), before the
 *       cases; every other enterprise is planned by its risk level.
 *   a case item {"inspection": {"org": CODE}, "days_ago", "hour", "steps"}
 *       generates that enterprise's due inspection of the period holding
 *       the item's time, as the plan's generator would have then; its
 *       steps (recording the checklist, a scheduler tick that flags it
 *       missed) act on it like any demo case's.
 *   {"inspection": {"all": true}, "days_ago": 0}
 *       generates the current period for every enterprise (no steps).
 */
#include "cli/cli.h"
#include "core/directory.h"
#include "core/inspections.h"
#include "core/writer.h"

#include <stdio.h>

int demo_inspection_plans_add(struct wctx *w, json_t *plans, struct err *e)
{
	size_t i;
	json_t *p;
	json_array_foreach(plans, i, p)
	{
		struct actor a;
		int64_t org;
		if (demo_actor_load(w, json_string_value(json_object_get(p, "as")), &a, e) != 0)
			return -1;
		if (org_resolve(w->conn, json_object_get(p, "org"), &org, NULL, 0, NULL, 0) != 0)
			return err_set(e, E_FIELD_INVALID, "org", "排查计划的企业不存在");
		json_t *body = json_deep_copy(p), *out = NULL;
		json_object_del(body, "org");
		json_object_del(body, "as");
		int rc = inspection_plan_set(w, &a, org, body, &out, e);
		json_decref(body);
		json_decref(out);
		if (rc != 0)
			return -1;
	}
	return 0;
}

int demo_inspection_generate(struct wctx *w, json_t *spec, long long *case_id, struct err *e)
{
	int64_t org = 0;
	json_t *code = json_object_get(spec, "org");
	*case_id = 0;
	if (code && org_resolve(w->conn, code, &org, NULL, 0, NULL, 0) != 0)
		return err_set(e, E_FIELD_INVALID, "org", "排查的企业不存在");
	if (!code && !json_is_true(json_object_get(spec, "all")))
		return err_set(e, E_FIELD_REQUIRED, "org", "inspection 须有 org 或 all");
	json_t *made = json_array();
	int rc = inspection_generate(w, "/", org, made, e);
	if (rc == 0 && org) {
		*case_id = json_integer_value(json_object_get(json_array_get(made, 0), "case"));
		if (!*case_id)
			rc = err_set(e, E_STATE_CONFLICT, "org", "该企业本期已有检查");
	}
	json_decref(made);
	return rc;
}
