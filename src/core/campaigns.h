/*
 * Discipline supervision campaigns (专项监督检查; docs/campaign.md): what
 * the campaign routes (api/campaigns.c, api/campaign_visits.c,
 * api/campaign_reports.c) share. A campaign is a row of campaigns with its
 * targets and groups (the campaign migration); its findings are cases of
 * the one type with a "campaign" block (type_data.h), whose fields name the
 * campaign, the visit and the group. Every name of a field or state comes
 * from that block.
 *
 * Who sees a campaign: campaign.visit or campaign.manage over the org that
 * runs it (the commission). Anyone else is refused by the route table
 * (403) or, holding those elsewhere, answered 404: outside the commission
 * no one reads a visit. A unit reads its findings as cases, like any
 * case of its org.
 */
#ifndef CIVICLOOP_CORE_CAMPAIGNS_H
#define CIVICLOOP_CORE_CAMPAIGNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/types.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/error.h"

#define CAMPAIGN_TITLE_MAX 100
#define CAMPAIGN_FOCUS_MAX 20      /* focus points */
#define CAMPAIGN_FOCUS_TEXT_MAX 60 /* characters each */
#define CAMPAIGN_TARGETS_MAX 60
#define CAMPAIGN_GROUPS_MAX 30
#define CAMPAIGN_MEMBERS_MAX 12 /* per group, the leader included */
#define CAMPAIGN_GROUP_NAME_MAX 30
#define CAMPAIGN_DAYS_MAX 366 /* the longest period */

/* The bound values the finding statements take, from the type's block. */
struct campaign_binds {
	const struct matter_type *t;
	char campaign_path[80]; /* '$.campaign_id' */
	char visit_path[80];    /* '$.visit_id' */
	char group_path[80];    /* '$.group_id' */
	char *solved;           /* JSON array of the solved states, owned */
};

/* Fills b for type t (types_campaign); 0, or -1 when out of memory. */
int campaign_binds_init(struct campaign_binds *b, const struct matter_type *t);
void campaign_binds_release(struct campaign_binds *b);

/* {"id","title","starts_on","ends_on","focus","org":{"id","code","name"},
 * "created_at"} from CAMPAIGN_COLS at 0. */
json_t *campaign_json(struct store_stmt *s);
/* Campaign id into *out (campaign_json) with its org's path in path[cap]
 * and its org's id in *org_id (either may be NULL), if the actor reads it;
 * otherwise 404 (none, or outside the actor's scope) or 503. */
int campaign_load(struct store_conn *c, const struct actor *a, int64_t id, json_t **out, char *path,
                  size_t cap, int64_t *org_id, struct err *e);
/* True if the actor reads campaigns of the org at path. */
bool campaign_readable(const struct actor *a, const char *path);
/* 1 if user is a member of group (its leader is one), 0 if not, -1 on a
 * store failure. */
int campaign_member(struct store_conn *c, int64_t group, int64_t user);
/* The campaign's groups with their leader and members:
 * [{"id","name","leader":{"id","login","name"},"members":[{…}]}]; NULL on
 * a store failure. */
json_t *campaign_groups_json(struct store_conn *c, int64_t id);
/* The campaign's target units [{"id","code","name","kind"}]; NULL on failure. */
json_t *campaign_targets_json(struct store_conn *c, int64_t id);

/* The figures in the seed's form ("开展监督检查 N 次，发现问题 N 个，推动解决
 * N 个，约谈提醒 N 人"): {"visits","unannounced","problems","solved","open",
 * "overdue","warnings","by_group":[…],"by_unit":[…]} at time now; NULL on
 * a store failure. */
json_t *campaign_figures(struct store_conn *c, const struct campaign_binds *b, int64_t id,
                         int64_t now);

/* Group's day (YYYY-MM-DD) as its daily report compiles it:
 * {"visits","unannounced","problems","lines":[{"visit_id","time","unit",
 * "unannounced","checked","findings":[{"id","no","title"}]}]}; NULL on a
 * store failure. */
json_t *campaign_day_compile(struct store_conn *c, const struct campaign_binds *b, int64_t group,
                             const char *day);

/* ms as ISO 8601 (+08:00), or JSON null for 0. */
json_t *campaign_time(int64_t ms);

/* writer: the event `action` of a campaign's write on the chain, by a,
 * at org, with payload (canonical JSON of it). 0 or -1. */
int campaign_event(struct wctx *w, const struct actor *a, int64_t org, const char *action,
                   json_t *payload);

/* The findings of visit id, [{"id","no","title","status","status_name",
 * "due_at","closed_at"}]; NULL on a store failure. */
json_t *campaign_visit_findings(struct store_conn *c, const struct campaign_binds *b, int64_t id);

#endif
