/* Accounts, for admins: PATCH /api/v1/users/{id} (disable / enable). */
#include "api/api.h"
#include "core/app.h"
#include "core/directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

struct user_update {
	int64_t id;
	bool disabled;
};

/* writer job: re-reads the account and applies the change (directory.c
 * account_set_disabled: sessions end, API keys are revoked, an event). */
static int user_update_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct user_update *uu = r->hctx;
	struct account u;
	if (account_find(w->conn, NULL, uu->id, &u) != 0)
		return err_set(&r->err, E_NOT_FOUND, NULL, "没有这个账号");
	struct account_actor by = {r->actor.user_id, r->actor.org_id, "api"};
	bool changed;
	int sessions, apikeys;
	if (account_set_disabled(w, &u, uu->disabled, &by, &changed, &sessions, &apikeys,
	                         &r->err) != 0)
		return -1;
	r->status = 200;
	r->out = json_pack("{s:{s:I,s:s,s:s,s:b},s:b,s:i,s:i}", "user", "id", (json_int_t)u.id,
	                   "login", u.login, "org", u.org_code, "disabled", uu->disabled, "changed",
	                   changed, "sessions_revoked", sessions, "apikeys_revoked", apikeys);
	return 0;
}

/* PATCH /api/v1/users/{id} {"disabled":bool}: user.manage over the
 * account's org (outside every such scope: 404). Disabling ends the
 * account's sessions and revokes its API keys; one's own account cannot be
 * disabled. A user.disable / user.enable event when something changed. */
enum handler_result api_user_update(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	struct account u;
	if (id < 0 || account_find(r->reader, NULL, id, &u) != 0 ||
	    !actor_can(&r->actor, P_USER_MANAGE, u.org_path))
		return reply_err(r, E_NOT_FOUND, NULL, "没有这个账号");
	if (req_json(r) != 0)
		return reply_failed(r);
	static const char *const keys[] = {"disabled"};
	const char *bad = json_unknown_key(r->in, keys, 1);
	if (bad)
		return reply_err(r, E_FIELD_UNKNOWN, bad, "只能修改 disabled");
	json_t *d = json_object_get(r->in, "disabled");
	if (!d)
		return reply_err(r, E_FIELD_REQUIRED, "disabled", "缺少 disabled");
	if (!json_is_boolean(d))
		return reply_err(r, E_FIELD_INVALID, "disabled", "disabled 须为 true 或 false");
	if (json_is_true(d) && id == r->actor.user_id)
		return reply_err(r, E_CONFLICT, "disabled", "不能停用自己的账号");
	struct user_update *uu = calloc(1, sizeof *uu);
	if (!uu)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	uu->id = id;
	uu->disabled = json_is_true(d);
	r->hctx = uu;
	return reply_async(r, user_update_job);
}
