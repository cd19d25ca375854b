/*
 * The route table: every endpoint, its handler, whether it needs a signed-in
 * user, and the permission it needs (the last column; http.h struct route,
 * core/auth.h PERM_*). The server refuses a signed-in caller without that
 * permission anywhere (403) before the handler runs; handlers check scope
 * (an object outside it is 404) and anything finer. A route without a
 * permission is refused to everyone, and tests/api/matrix.test.mjs fails on
 * it. Handlers live one file per resource in src/api.
 */
#include "api/api.h"

const struct route routes[] = {
    {"GET", "/healthz", api_health, AUTH_NONE, RF_NONE, "存活检查", PERM_PUBLIC},
    {"GET", "/metrics", api_metrics, AUTH_NONE, RF_NONE, "Prometheus 指标", PERM_PUBLIC},
    {"GET", "/api/openapi.json", api_openapi, AUTH_NONE, RF_NONE, "OpenAPI 描述", PERM_PUBLIC},
    {"POST", "/api/v1/auth/login", api_login, AUTH_NONE, RF_NONE, "登录", PERM_PUBLIC},
    {"POST", "/api/v1/auth/logout", api_logout, AUTH_USER, RF_NONE, "退出登录", PERM_USER},
    {"GET", "/api/v1/auth/me", api_me, AUTH_USER, RF_NONE, "当前用户", PERM_USER},
    {"GET", "/api/v1/types", api_types, AUTH_USER, RF_NONE, "事项类型列表", PERM_USER},
    {"GET", "/api/v1/types/{type}", api_type_get, AUTH_USER, RF_NONE, "事项类型定义", PERM_USER},
    {"GET", "/api/v1/orgs", api_orgs, AUTH_USER, RF_NONE, "组织机构", PERM_USER},
    {"GET", "/api/v1/orgs/{id}", api_org_get, AUTH_USER, RF_NONE, "单个组织机构", PERM_USER},
    {"GET", "/api/v1/calendar", api_calendar, AUTH_NONE, RF_NONE, "工作日历", PERM_PUBLIC},
    {"GET", "/api/v1/keys", api_keys, AUTH_NONE, RF_NONE, "签名公钥", PERM_PUBLIC},
    {"POST", "/api/v1/cases", api_case_create, AUTH_USER, RF_IDEMPOTENT, "登记工单", "case.create"},
    {"GET", "/api/v1/cases", api_case_list, AUTH_USER, RF_NONE, "工单列表", "case.read"},
    {"GET", "/api/v1/cases/{id}", api_case_get, AUTH_USER, RF_NONE, "工单详情", "case.read"},
    {"GET", "/api/v1/cases/{id}/events", api_case_events, AUTH_USER, RF_NONE, "流转记录",
     "case.read"},
    {"POST", "/api/v1/cases/{id}/actions/{action}", api_case_act, AUTH_USER, RF_IDEMPOTENT,
     "执行操作", PERM_ACTION},
    {"GET", "/api/v1/callers", api_callers, AUTH_USER, RF_NONE, "来电人历史工单",
     "case.create+case.read"},
    {"GET", "/api/v1/notices", api_notices, AUTH_USER, RF_NONE, "本单位通知（催办、督办）",
     "case.read"},
    {"POST", "/api/v1/notices/{id}/read", api_notice_read, AUTH_USER, RF_NONE, "通知已读",
     "case.read"},
    {"PATCH", "/api/v1/orgs/{id}", api_org_update, AUTH_USER, RF_NONE, "单位办理设置",
     "user.manage"},
    {"GET", "/api/v1/stats/{type}", api_stats, AUTH_USER, RF_NONE, "统计与考核指标", "stats.read"},
    {"POST", "/api/v1/linkage/110", api_linkage_110, AUTH_USER, RF_NONE, "110 警情移交热线",
     "linkage.110"},
    {"GET", "/api/v1/public/track", api_public_track, AUTH_NONE, RF_NONE, "群众查询办理进度",
     PERM_PUBLIC},
    {"PUT", "/api/v1/test/clock", api_test_clock, AUTH_USER, RF_NONE,
     "测试时钟（仅 CIVICLOOP_TEST_CLOCK=1）", "user.manage"},
    {"POST", "/api/v1/auth/password", api_password_change, AUTH_USER, RF_NONE, "修改本人密码",
     PERM_USER},
    {"GET", "/api/v1/users", api_users, AUTH_USER, RF_NONE, "账号列表", "user.manage"},
    {"POST", "/api/v1/users", api_user_create, AUTH_USER, RF_IDEMPOTENT, "创建账号", "user.manage"},
    {"PATCH", "/api/v1/users/{id}", api_user_update, AUTH_USER, RF_NONE,
     "修改账号：停用启用、姓名、角色、重置密码", "user.manage"},
    {"GET", "/api/v1/apikeys", api_apikeys, AUTH_USER, RF_NONE, "API 密钥列表", "user.manage"},
    {"POST", "/api/v1/apikeys", api_apikey_create, AUTH_USER, RF_NONE, "创建 API 密钥",
     "user.manage"},
    {"POST", "/api/v1/apikeys/revoke", api_apikey_revoke, AUTH_USER, RF_NONE, "吊销 API 密钥",
     "user.manage"},
    {"GET", "/api/v1/geo/regions", api_geo_regions, AUTH_USER, RF_NONE,
     "地图：可见单位的边界（GeoJSON）", PERM_USER},
    {"GET", "/api/v1/geo/cases", api_geo_cases, AUTH_USER, RF_NONE, "地图：未办结且有位置的工单",
     "case.read"},
    {"GET", "/api/v1/audit/events", api_audit_events, AUTH_USER, RF_NONE, "审计链（纪委、管理员）",
     "audit.read"},
};

const int nroutes = (int)(sizeof routes / sizeof routes[0]);
