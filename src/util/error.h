/*
 * Every failure a client can see, listed once (lwan's status X-macro habit):
 * the HTTP status, the dotted code of API.md's error shape, and the default
 * message in Simplified Chinese. Code raises an error with err_set(); the
 * HTTP layer turns a struct err into {"error":{"code","message","field"?}}.
 *
 * Out of memory, the one policy of the whole program: an allocation that
 * fails makes the operation it serves fail as a whole, as 503 `unavailable`
 * (err_oom), never a partial answer and never a partial write (a writer
 * job's savepoint rolls back). jansson's setters take a NULL value and fail
 * without leaking, so code checks the finished value (what json_pack,
 * json_dumps or json_canonical return), not every step that built it.
 *
 * Broken invariants are bugs, not errors: NEVER(x) asserts in debug builds
 * that x is false and still yields x in release builds, so the caller keeps
 * a safe way out (SQLite's NEVER()).
 */
#ifndef CIVICLOOP_UTIL_ERROR_H
#define CIVICLOOP_UTIL_ERROR_H

#include <assert.h>
#include <stddef.h>

#ifdef NDEBUG
#define NEVER(x) (x)
#else
#define NEVER(x) ((x) ? (assert(!"invariant broken: " #x), 1) : 0)
#endif

#define ERROR_LIST(X) \
	X(E_OK, 200, "ok", "成功") \
	X(E_BAD_JSON, 400, "request.bad_json", "请求体不是合法的 JSON") \
	X(E_BAD_REQUEST, 400, "request.invalid", "请求参数不正确") \
	X(E_BAD_ENCODING, 400, "request.bad_encoding", "请求中含有无效的 UTF-8 编码或空字符") \
	X(E_FIELD_REQUIRED, 400, "field.required", "缺少必填字段") \
	X(E_FIELD_INVALID, 400, "field.invalid", "字段取值不正确") \
	X(E_FIELD_TOO_LONG, 400, "field.too_long", "字段超出长度限制") \
	X(E_FIELD_UNKNOWN, 400, "field.unknown", "不认识的字段") \
	X(E_UNAUTHENTICATED, 401, "auth.required", "请先登录") \
	X(E_BAD_CREDENTIALS, 401, "auth.invalid_credentials", "账号或密码错误") \
	X(E_CSRF, 403, "auth.csrf", "缺少或错误的 CSRF 令牌") \
	X(E_FORBIDDEN, 403, "permission.denied", "没有执行此操作的权限") \
	X(E_NOT_FOUND, 404, "not_found", "找不到该资源") \
	X(E_ROUTE_NOT_FOUND, 404, "route.not_found", "没有这个接口") \
	X(E_UNKNOWN_ACTION, 404, "action.unknown", "该事项类型没有这个操作") \
	X(E_METHOD, 405, "request.method_not_allowed", "该接口不支持此请求方法") \
	X(E_VERSION_CONFLICT, 409, "case.version_conflict", "工单已被他人修改，请刷新后重试") \
	X(E_STATE_CONFLICT, 409, "case.action_not_allowed", "工单当前状态不能执行此操作") \
	X(E_IDEMPOTENCY_CONFLICT, 409, "idempotency.conflict", "幂等键已用于不同的请求") \
	X(E_CONFLICT, 409, "conflict", "与现有数据冲突") \
	X(E_USER_EXISTS, 409, "user.exists", "账号已存在") \
	X(E_TOO_LARGE, 413, "request.too_large", "请求体过大") \
	X(E_EXPORT_TOO_LARGE, 413, "export.too_large", "导出的工单过多，请缩小筛选范围") \
	X(E_URI_TOO_LONG, 414, "request.uri_too_long", "请求地址过长") \
	X(E_MEDIA_TYPE, 415, "request.media_type", "请求体须为 application/json") \
	X(E_ATTACH_TYPE, 415, "attachment.bad_type", "附件只能是 JPEG、PNG、WebP 图片或 PDF 文件") \
	X(E_THROTTLED, 429, "auth.throttled", "尝试次数过多，请稍后再试") \
	X(E_APIKEY_RATE, 429, "apikey.rate_limited", "API 密钥调用过于频繁，请稍后再试") \
	X(E_HEADERS_TOO_LARGE, 431, "request.headers_too_large", "请求头过大") \
	X(E_INTERNAL, 500, "internal", "服务器内部错误") \
	X(E_UNAVAILABLE, 503, "unavailable", "服务暂不可用，请稍后重试")

enum err_kind {
#define X(name, status, code, msg) name,
	ERROR_LIST(X)
#undef X
	    E__COUNT
};

/* One error: kind plus optional message override and field name. */
struct err {
	enum err_kind kind;
	char message[256]; /* empty = the kind's default message */
	char field[64];    /* empty = no field */
};

int err_status(enum err_kind kind);
const char *err_code(enum err_kind kind);
const char *err_default_message(enum err_kind kind);
/* Sets *e (if e is non-NULL). fmt may be NULL for the default message.
 * Always returns -1 so callers can `return err_set(...)`. */
int err_set(struct err *e, enum err_kind kind, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *err_message(const struct err *e);
/* Out of memory (see above): sets *e to 503 unavailable, returns -1. */
int err_oom(struct err *e);

#endif
