/*
 * Rolling safety inspection (滚动排查, docs/inspection.md): per enterprise a
 * plan — how often it is inspected (by its risk level unless set by hand)
 * and by which org — and the due inspections generated from it, one case
 * of the inspection type per enterprise and period, due at the period's
 * end. The type's "inspection_plan" block (core/type_data.h) gives every
 * name used here; the C knows calendar periods (month, quarter, year),
 * never a state or an action of the type.
 *
 * Generation registers each case through the engine's intake as the
 * system (the type's first create_roles role over the enterprise), then
 * takes the type's schedule action on it (the inspecting org's assignment
 * and the period-end timer), and records (enterprise, period) in
 * inspection_periods, whose key makes it idempotent. An enterprise whose
 * latest inspection is still running (due later) gets none, so a changed
 * frequency starts with the next period.
 */
#ifndef CIVICLOOP_CORE_INSPECTIONS_H
#define CIVICLOOP_CORE_INSPECTIONS_H

#include <jansson.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/error.h"

struct app;

/* A calendar period of a plan: "2026-12", "2026-Q4" or "2026". */
struct inspection_period {
	char code[32];
	char due_date[16];           /* its last day, YYYY-MM-DD */
	int64_t first_day, last_day; /* days (time_day_of) */
	int64_t due_at;              /* 24:00 of its last day, +08:00 */
};
/* The period of kind ("month", "quarter", "year") holding `day`. 0, or -1
 * for an unknown kind. */
int inspection_period_of(const char *kind, int64_t day, struct inspection_period *p);

#define INSPECTION_PLANS_MAX 200 /* a page of plans */

/* The plans of the enterprises under scope_path (org_id alone when not 0;
 * industry and risk as filters when not NULL), a page of `limit` after
 * org id `cursor`: {"items": [plan…], "next_cursor"}. Each plan is
 * {"org", "industry", "risk_level", "township", "frequency",
 * "frequency_name", "by_default", "inspecting_org", "version", "latest",
 * "next_period"}. 0, or -1 with *e. */
struct inspection_plan_query {
	const char *scope_path;
	int64_t org_id, cursor;
	const char *industry, *risk;
	int limit;
};
int inspection_plans_list(struct store_conn *c, const struct app *app,
                          const struct inspection_plan_query *q, int64_t now, json_t **out,
                          struct err *e);

/* writer: sets enterprise org_id's plan from body {"frequency"?: class or
 * null (by risk level), "inspecting_org"?: code or id or null (the
 * type's), "version"?}: 404 outside the actor's enterprise.manage, 400 on
 * a field, 409 on a stale version; an "inspection_plan.set" event. *out is
 * the plan as listed. */
int inspection_plan_set(struct wctx *w, const struct actor *a, int64_t org_id, json_t *body,
                        json_t **out, struct err *e);

/* writer: generates the due inspections of the current period for the
 * enterprises under scope_path (org_id alone when not 0) that lack one;
 * their case ids go into `made` (an array, may be NULL). 0, or -1 with *e
 * (the job then writes nothing). */
int inspection_generate(struct wctx *w, const char *scope_path, int64_t org_id, json_t *made,
                        struct err *e);

/* The scheduler's daily run: generation for every enterprise, once per
 * business day, once some inspection was ever generated (the regulator
 * starts the rolling schedule); a no-op when no type plans inspections.
 * 0 or -1. */
int inspection_generate_daily(struct app *app, int64_t now);

#endif
