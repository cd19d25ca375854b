/* Handlers of the HTTP API, one file per resource; see api/routes.c. */
#ifndef CIVICLOOP_API_API_H
#define CIVICLOOP_API_API_H

#include "http/http.h"

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
enum handler_result api_test_clock(struct req *r);
/* api/auth.c */
enum handler_result api_login(struct req *r);
enum handler_result api_logout(struct req *r);
enum handler_result api_me(struct req *r);
enum handler_result api_password_change(struct req *r);
json_t *api_user_json(const struct actor *a);
/* api/cases.c */
enum handler_result api_case_create(struct req *r);
enum handler_result api_case_list(struct req *r);
enum handler_result api_case_get(struct req *r);
enum handler_result api_case_events(struct req *r);
enum handler_result api_case_act(struct req *r);
/* Answers r->out (status 200) once the read is recorded, or at once when
 * there is nothing to record: a confidential reporter shown (pii, on case
 * id), and, for a reader whose reads are recorded (auth.h
 * actor_reads_recorded), `action` ("case.read" on case id, "case.list" with
 * id 0) with payload (stolen, may be NULL). */
enum handler_result api_reply_read(struct req *r, int64_t id, bool pii, const char *action,
                                   json_t *payload);

/* api/callers.c */
enum handler_result api_callers(struct req *r);
/* api/notices.c */
enum handler_result api_notices(struct req *r);
enum handler_result api_notice_read(struct req *r);
/* api/stats.c */
enum handler_result api_stats(struct req *r);
/* api/linkage.c */
enum handler_result api_linkage_110(struct req *r);
/* api/users.c */
enum handler_result api_users(struct req *r);
enum handler_result api_user_create(struct req *r);
enum handler_result api_user_update(struct req *r);
enum handler_result api_audit_events(struct req *r);
enum handler_result api_apikeys(struct req *r);
enum handler_result api_apikey_create(struct req *r);
enum handler_result api_apikey_revoke(struct req *r);
/* api/geo.c */
enum handler_result api_geo_regions(struct req *r);
enum handler_result api_geo_cases(struct req *r);
/* api/public.c */
enum handler_result api_public_track(struct req *r);
#endif
