/*
 * The route table: every endpoint, its handler and whether it needs a
 * signed-in user. Handlers live one file per resource in src/api; permission
 * checks inside them use the role table of core/auth.c.
 */
#include "api/api.h"

const struct route routes[] = {
	{"GET", "/healthz", api_health, AUTH_NONE, RF_NONE, "存活检查"},
	{"GET", "/metrics", api_metrics, AUTH_NONE, RF_NONE, "Prometheus 指标"},
	{"GET", "/api/openapi.json", api_openapi, AUTH_NONE, RF_NONE, "OpenAPI 描述"},
	{"POST", "/api/v1/auth/login", api_login, AUTH_NONE, RF_NONE, "登录"},
	{"POST", "/api/v1/auth/logout", api_logout, AUTH_USER, RF_NONE, "退出登录"},
	{"GET", "/api/v1/auth/me", api_me, AUTH_USER, RF_NONE, "当前用户"},
	{"GET", "/api/v1/types", api_types, AUTH_USER, RF_NONE, "事项类型列表"},
	{"GET", "/api/v1/types/{type}", api_type_get, AUTH_USER, RF_NONE, "事项类型定义"},
	{"GET", "/api/v1/orgs", api_orgs, AUTH_USER, RF_NONE, "组织机构"},
	{"GET", "/api/v1/orgs/{id}", api_org_get, AUTH_USER, RF_NONE, "单个组织机构"},
	{"GET", "/api/v1/calendar", api_calendar, AUTH_NONE, RF_NONE, "工作日历"},
	{"GET", "/api/v1/keys", api_keys, AUTH_NONE, RF_NONE, "签名公钥"},
	{"POST", "/api/v1/cases", api_case_create, AUTH_USER, RF_IDEMPOTENT, "登记工单"},
	{"GET", "/api/v1/cases", api_case_list, AUTH_USER, RF_NONE, "工单列表"},
	{"GET", "/api/v1/cases/{id}", api_case_get, AUTH_USER, RF_NONE, "工单详情"},
	{"GET", "/api/v1/cases/{id}/events", api_case_events, AUTH_USER, RF_NONE, "流转记录"},
	{"POST", "/api/v1/cases/{id}/actions/{action}", api_case_act, AUTH_USER, RF_IDEMPOTENT,
	 "执行操作"},
	{"GET", "/api/v1/callers", api_callers, AUTH_USER, RF_NONE, "来电人历史工单"},
	{"GET", "/api/v1/notices", api_notices, AUTH_USER, RF_NONE, "本单位通知（催办、督办）"},
	{"POST", "/api/v1/notices/{id}/read", api_notice_read, AUTH_USER, RF_NONE, "通知已读"},
	{"PATCH", "/api/v1/orgs/{id}", api_org_update, AUTH_USER, RF_NONE, "单位办理设置"},
	{"GET", "/api/v1/stats/{type}", api_stats, AUTH_USER, RF_NONE, "统计与考核指标"},
	{"POST", "/api/v1/linkage/110", api_linkage_110, AUTH_USER, RF_NONE, "110 警情移交热线"},
	{"GET", "/api/v1/public/track", api_public_track, AUTH_NONE, RF_NONE, "群众查询办理进度"},
	{"PUT", "/api/v1/test/clock", api_test_clock, AUTH_USER, RF_NONE,
	 "测试时钟（仅 CIVICLOOP_TEST_CLOCK=1）"},
};

const int nroutes = (int)(sizeof routes / sizeof routes[0]);
