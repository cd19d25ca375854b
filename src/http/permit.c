/*
 * The route table's permission column, enforced for every signed-in request
 * before its handler runs (http.h, struct route). This layer only passes the
 * route's `perm` string to app->permit; what it means (which roles carry
 * which permission) lives in core.
 */
#include "http/http.h"
#include "core/app.h"

int route_permit(struct req *r, const struct route *rt)
{
	if (rt->auth != AUTH_USER)
		return 0;
	if (r->actor.apikey_id &&
	    (!r->app->key_route ||
	     r->app->key_route(&r->actor, rt->method, rt->pattern, &r->err) != 0))
		return r->app->key_route
		           ? -1
		           : err_set(&r->err, E_FORBIDDEN, NULL, "API 密钥不能调用此接口");
	if (rt->perm && r->app->permit && r->app->permit(&r->actor, rt->perm))
		return 0;
	return err_set(&r->err, E_FORBIDDEN, NULL, "没有使用此接口的权限（%s）",
	               rt->perm ? rt->perm : "未登记权限");
}
