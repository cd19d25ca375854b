/* Handlers of the HTTP API, one file per resource; see api/routes.c. */
#ifndef CIVICLOOP_API_API_H
#define CIVICLOOP_API_API_H

#include "http/http.h"

struct case_full;
struct case_query;

/* The route table (api/routes.c), handed to server_start by the CLI. */
extern const struct route routes[];
extern const int nroutes;

/* api/meta.c */
enum handler_result api_health(struct req *r);
enum handler_result api_metrics(struct req *r);
enum handler_result api_openapi(struct req *r);
enum handler_result api_types(struct req *r);
enum handler_result api_type_get(struct req *r);
enum handler_result api_orgs(struct req *r);
enum handler_result api_org_get(struct req *r);
enum handler_result api_calendar(struct req *r);
enum handler_result api_keys(struct req *r);
enum handler_result api_org_update(struct req *r);
enum handler_result api_org_boundary(struct req *r);
enum handler_result api_test_clock(struct req *r);
/* api/auth.c */
enum handler_result api_login(struct req *r);
enum handler_result api_logout(struct req *r);
enum handler_result api_me(struct req *r);
enum handler_result api_password_change(struct req *r);
json_t *api_user_json(const struct actor *a);
/* api/cases.c */
enum handler_result api_case_create(struct req *r);
enum handler_result api_case_hints(struct req *r);
/* api/duplicates.c */
enum handler_result api_case_duplicates(struct req *r);
enum handler_result api_case_list(struct req *r);
enum handler_result api_case_get(struct req *r);
/* The case of the path's first parameter into *cf (released by the
 * caller) when the caller may see it: 0, or -1 with r->err 404. */
int api_case_load_visible(struct req *r, int64_t *id, struct case_full *cf);
enum handler_result api_case_events(struct req *r);
enum handler_result api_case_act(struct req *r);
/* The filters of GET /api/v1/cases from the query string into *q (its
 * strings borrowed from the request), shared by the list and the exports so
 * they read them alike; limit and cursor are the caller's. 0, or -1 with
 * r->err set (400 naming the parameter). */
int api_case_filters(struct req *r, struct case_query *q);
/* The filters given, {"name":"value",…}, for a recorded read's payload. */
json_t *api_case_filters_json(struct req *r);
/* Answers what the handler made (r->out or a file, status 200) once the
 * read is on the audit chain, or at once when there is nothing to record:
 * `action` ("case.read", "case.list", "case.export") is recorded only for a
 * reader whose reads are (auth.h actor_reads_recorded), on case id (0 for
 * none) with payload (stolen, may be NULL); pii records that a
 * confidential reporter was shown. Nothing goes out unless the record was
 * made: a failed one is 503. */
enum handler_result api_reply_read(struct req *r, int64_t id, bool pii, const char *action,
                                   json_t *payload);
/* api_reply_read in two steps, for an answer made off the HTTP thread (an
 * export, api/export.c): api_read_record_set keeps what is to be recorded
 * in r->hctx (freeing what was there) and returns 1, or 0 when there is
 * nothing to record (r->hctx untouched), or -1 with r->err 503; payload is
 * stolen. api_read_record_job, as the writer job that follows, records it. */
int api_read_record_set(struct req *r, int64_t id, bool pii, const char *action, json_t *payload);
int api_read_record_job(struct wctx *w, struct write_job *job);
/* api/attachments.c */
enum handler_result api_attachment_add(struct req *r);
enum handler_result api_attachments_list(struct req *r);
enum handler_result api_attachment_get(struct req *r);
enum handler_result api_case_documents(struct req *r);
/* api/documents.c (issue 14) */
enum handler_result api_document_get(struct req *r);
enum handler_result api_document_qr_svg(struct req *r);
enum handler_result api_document_qr_png(struct req *r);
enum handler_result api_document_revoke(struct req *r);
enum handler_result api_public_verify(struct req *r);
/* api/export.c */
enum handler_result api_export_cases_xlsx(struct req *r);
enum handler_result api_export_cases_csv(struct req *r);

/* api/hazards.c: the hazard ledger, its export and map (core/ledger.h) */
enum handler_result api_hazard_ledger(struct req *r);
enum handler_result api_hazard_ledger_xlsx(struct req *r);
enum handler_result api_hazard_map(struct req *r);

/* api/search.c */
enum handler_result api_search(struct req *r);
/* catalogue.c: the dispatch catalogue and a case's routing */
enum handler_result api_catalogue_get(struct req *r);
enum handler_result api_catalogue_versions(struct req *r);
enum handler_result api_catalogue_put(struct req *r);
enum handler_result api_catalogue_import(struct req *r);
enum handler_result api_export_catalogue_csv(struct req *r);
enum handler_result api_export_catalogue_json(struct req *r);
enum handler_result api_case_routing(struct req *r);
/* api/callers.c */
enum handler_result api_callers(struct req *r);
/* api/notices.c */
enum handler_result api_notices(struct req *r);
enum handler_result api_notice_read(struct req *r);
/* api/stats.c */
enum handler_result api_stats(struct req *r);
/* tasklists.c: published task lists (为民办实事, 检视整改) */
enum handler_result api_task_lists(struct req *r);
enum handler_result api_task_list_get(struct req *r);
enum handler_result api_task_list_create(struct req *r);
enum handler_result api_task_item_create(struct req *r);
enum handler_result api_public_task_lists(struct req *r);
enum handler_result api_public_task_list(struct req *r);
/* inspections.c: rolling safety inspection plans (滚动排查) */
enum handler_result api_inspection_plans(struct req *r);
enum handler_result api_inspection_plan_set(struct req *r);
enum handler_result api_inspection_generate(struct req *r);
/* discipline supervision campaigns (campaigns.c, campaign_visits.c,
 * campaign_reports.c, campaign_interviews.c; docs/campaign.md) */
enum handler_result api_campaigns(struct req *r);
enum handler_result api_reception_flags(struct req *r);
enum handler_result api_reception_units(struct req *r);
enum handler_result api_reception_confirm(struct req *r);
enum handler_result api_campaign_create(struct req *r);
enum handler_result api_campaign_get(struct req *r);
enum handler_result api_campaign_figures(struct req *r);
enum handler_result api_campaign_visits(struct req *r);
enum handler_result api_campaign_visit_add(struct req *r);
enum handler_result api_campaign_findings(struct req *r);
enum handler_result api_campaign_reports(struct req *r);
enum handler_result api_campaign_report_submit(struct req *r);
enum handler_result api_campaign_interviews(struct req *r);
enum handler_result api_campaign_interview_add(struct req *r);
/* writer: the same writes for `civicloop demo` (each the route's body; 0,
 * or -1 with e set) */
int campaign_create(struct wctx *w, const struct actor *a, json_t *in, json_t **out, struct err *e);
int campaign_visit_add(struct wctx *w, const struct actor *a, int64_t campaign, json_t *in,
                       json_t **out, struct err *e);
int campaign_report_submit(struct wctx *w, const struct actor *a, int64_t campaign, json_t *in,
                           json_t **out, struct err *e);
int campaign_interview_add(struct wctx *w, const struct actor *a, int64_t campaign, json_t *in,
                           json_t **out, struct err *e);
/* A campaign body's keys: an object of `keys` only (400 field.unknown
 * naming another), the first `required` of them present (400
 * field.required). 0 or -1. */
int campaign_body_keys(json_t *in, const char *const *keys, size_t n, size_t required,
                       struct err *e);
/* POST to campaign {id} (campaigns.c): the campaign readable (404) and the
 * body's shape on the HTTP thread, then add(…, id, body) in the writer;
 * 201 with its answer after the commit. */
typedef int (*campaign_add_fn)(struct wctx *w, const struct actor *a, int64_t campaign, json_t *in,
                               json_t **out, struct err *e);
enum handler_result api_campaign_write(struct req *r, int (*shape)(json_t *in, struct err *e),
                                       campaign_add_fn add);

/* api/linkage.c */
enum handler_result api_linkage_110(struct req *r);
enum handler_result api_import(struct req *r); /* import.c */
/* api/users.c */
enum handler_result api_users(struct req *r);
enum handler_result api_user_create(struct req *r);
enum handler_result api_user_update(struct req *r);
enum handler_result api_audit_events(struct req *r);
enum handler_result api_apikeys(struct req *r);
enum handler_result api_apikey_create(struct req *r);
enum handler_result api_apikey_revoke(struct req *r);
enum handler_result api_apikey_update(struct req *r);
/* api/open311*.c: Open311 GeoReport v2 (issue 15, docs/open311.md) */
enum handler_result api_o311_discovery(struct req *r);
enum handler_result api_o311_services(struct req *r);
enum handler_result api_o311_service(struct req *r);
enum handler_result api_o311_requests(struct req *r);
enum handler_result api_o311_request_create(struct req *r);
enum handler_result api_o311_request_get(struct req *r);
enum handler_result api_o311_token(struct req *r);
enum handler_result api_o311_updates(struct req *r);
enum handler_result api_o311_update_create(struct req *r);
/* api/geo.c */
enum handler_result api_geo_regions(struct req *r);
enum handler_result api_geo_cases(struct req *r);
/* api/public.c */
enum handler_result api_public_track(struct req *r);
/* A case's public progress (number, status, public steps, reply) as
 * public tracking shows it: api/public.c, reused by api/public_party.c. */
json_t *public_track_json(struct store_conn *conn, const struct case_full *cf);
/* Whether s may be a case number (1–32 of [A-Za-z0-9-]): public lookups. */
bool public_no_ok(const char *s);
/* issue 14, homestead: tracking by the applicant's ID tail, the 办事指南 */
enum handler_result api_public_party_track(struct req *r);
enum handler_result api_public_guide(struct req *r);
/* people's suggestions (topics.c, suggest.c; docs/suggestion.md) */
/* api/enterprises.c, api/interviews.c: the enterprise registry (issue 13) */
enum handler_result api_enterprise_meta(struct req *r);
enum handler_result api_enterprises(struct req *r);
enum handler_result api_enterprise_get(struct req *r);
enum handler_result api_enterprise_create(struct req *r);
enum handler_result api_enterprise_update(struct req *r);
enum handler_result api_enterprise_import(struct req *r);
enum handler_result api_interviews(struct req *r);
/* Answers r->out (a page {"items":[{"id",…}],…}); a reader whose reads are
 * recorded gets it once `action` {key: [the ids shown], "query": {the
 * query parameters of filters (NULL-ended) given}} is on the chain. */
enum handler_result api_recorded_list(struct req *r, const char *action, const char *key,
                                      const char *const *filters);
enum handler_result api_topics(struct req *r);
enum handler_result api_topic_create(struct req *r);
enum handler_result api_topic_update(struct req *r);
enum handler_result api_public_topics(struct req *r);
enum handler_result api_public_suggest(struct req *r);
/* webhooks.c, outbox.c: webhook subscriptions and the delivery queue
 * (issue 15, core/outbox.h) */
enum handler_result api_webhooks(struct req *r);
enum handler_result api_webhook_create(struct req *r);
enum handler_result api_webhook_revoke(struct req *r);
enum handler_result api_outbox(struct req *r);
enum handler_result api_outbox_summary(struct req *r);
enum handler_result api_outbox_redrive(struct req *r);
#endif
