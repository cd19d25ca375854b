/*
 * Which routes an API key may call: the routes of its scopes, listed here
 * (docs/apikeys.md). Every other route refuses a key (403), whatever its
 * account may do with a session:
 *   open311.submit  the Open311 POSTs (/open311/…; they take the key from a
 *                   form field, apikey_authorize, or from the header)
 *   linkage.110     POST /api/v1/linkage/110
 *   import          POST /api/v1/import, POST /api/v1/enterprises/import
 *                   (feeds from other systems; the dispatch catalogue's
 *                   import is a person's work and takes no key)
 *   stats.read      GET /api/v1/stats/{type}
 * and, for any key, GET /api/v1/auth/me (who the key acts as).
 */
#include "api/apikey_auth.h"
#include "api/api.h"
#include "core/apikey.h"
#include "core/app.h"

#include <string.h>

#include "util/timeutil.h"

#define ANY_KEY (-1)

static const struct {
	const char *method;
	const char *pattern; /* exactly as in api/routes.c; a trailing '*' is a prefix */
	int scope;           /* enum apikey_scope, or ANY_KEY */
} key_routes[] = {
    {"GET", "/api/v1/auth/me", ANY_KEY},
    {"POST", "/open311/*", KS_OPEN311_SUBMIT},
    {"POST", "/api/v1/linkage/110", KS_LINKAGE_110},
    {"POST", "/api/v1/import", KS_IMPORT},
    {"POST", "/api/v1/enterprises/import", KS_IMPORT},
    {"GET", "/api/v1/stats/{type}", KS_STATS_READ},
};

static bool pattern_is(const char *want, const char *pattern)
{
	size_t n = strlen(want);
	if (n && want[n - 1] == '*')
		return !strncmp(want, pattern, n - 1);
	return !strcmp(want, pattern);
}

int apikey_route_permit(const struct actor *a, const char *method, const char *pattern,
                        struct err *e)
{
	for (size_t i = 0; i < sizeof key_routes / sizeof key_routes[0]; i++) {
		if (strcmp(key_routes[i].method, method) ||
		    !pattern_is(key_routes[i].pattern, pattern))
			continue;
		int s = key_routes[i].scope;
		if (s == ANY_KEY || (a->key_scopes & (1u << s)))
			return 0;
		return err_set(e, E_FORBIDDEN, NULL, "此 API 密钥没有调用此接口所需的权限范围 %s",
		               apikey_scope_name((enum apikey_scope)s));
	}
	return err_set(e, E_FORBIDDEN, NULL, "API 密钥不能调用此接口");
}

int apikey_authorize(struct req *r, const char *key, const char *scope)
{
	int s = apikey_scope_by_name(scope);
	if (s < 0)
		return err_set(&r->err, E_FORBIDDEN, NULL, "没有这个权限范围");
	if (!key || !*key)
		return err_set(&r->err, E_FORBIDDEN, "api_key", "缺少 API 密钥 api_key");
	int retry = 0;
	enum apikey_verdict v =
	    apikey_authenticate(r->app, r->reader, key, time_real_ms(), &r->actor, &retry);
	if (v == APIKEY_OK && !(r->actor.key_scopes & (1u << s)))
		err_set(&r->err, E_FORBIDDEN, "api_key", "此 API 密钥没有权限范围 %s", scope);
	else if (v == APIKEY_OK && !(apikey_scopes_allowed(&r->actor) & (1u << s)))
		err_set(&r->err, E_FORBIDDEN, "api_key", "此 API 密钥的账号没有 %s 所需的权限",
		        scope);
	else if (v == APIKEY_OK) {
		r->authed = true;
		return 0;
	} else if (v == APIKEY_RATE) {
		r->retry_after = retry;
		err_set(&r->err, E_APIKEY_RATE, NULL, NULL);
	} else if (v == APIKEY_STORE)
		err_set(&r->err, E_UNAVAILABLE, NULL, "数据库暂不可用");
	else
		err_set(&r->err, E_FORBIDDEN, "api_key", "API 密钥无效或已吊销");
	memset(&r->actor, 0, sizeof r->actor);
	return -1;
}
