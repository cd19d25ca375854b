/*
 * Webhook subscriptions and the outbox's admin writes (core/outbox.h): the
 * checks of a subscription's URL and kinds, adding and revoking one, and
 * driving a dead message again. Each write is a writer job's and leaves an
 * event on the audit chain (webhook.add, webhook.revoke, outbox.redrive;
 * never the secret). Sending is core/webhooks_send.c's.
 */
#include "core/outbox_int.h"
#include "core/app.h"
#include "core/auth.h"
#include "core/types.h"
#include "core/writer.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/timeutil.h"

int webhook_url_check(const char *url, struct err *e)
{
	size_t n = url ? strlen(url) : 0;
	if (n == 0)
		return err_set(e, E_FIELD_REQUIRED, "url", "缺少推送地址 url");
	if (n > WEBHOOK_URL_MAX)
		return err_set(e, E_FIELD_TOO_LONG, "url", "推送地址至多 %d 个字符",
		               WEBHOOK_URL_MAX);
	for (size_t i = 0; i < n; i++)
		if (url[i] < 0x21 || url[i] > 0x7e || url[i] == '#')
			return err_set(e, E_FIELD_INVALID, "url",
			               "推送地址只能含可见的 ASCII 字符（中文请先按 URL "
			               "编码），不能有空格和 #");
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
		return err_set(e, E_FIELD_INVALID, "url", "推送地址须以 http:// 或 https:// 开头");
	/* a host right after "//" (curl would read "http:///x" as host x) */
	const char *h = strstr(url, "//") + 2;
	if (!*h || strchr("/?@:", *h))
		return err_set(e, E_FIELD_INVALID, "url", "推送地址缺少主机名");
	CURLU *u = curl_url();
	if (!u)
		return err_oom(e);
	int rc = 0;
	char *host = NULL, *user = NULL, *password = NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host)
		rc = err_set(e, E_FIELD_INVALID, "url", "推送地址不是合法的网址");
	else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	         curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK)
		rc = err_set(e, E_FIELD_INVALID, "url",
		             "推送地址不能含用户名或密码（接收方用签名核验来源）");
	curl_free(host);
	curl_free(user);
	curl_free(password);
	curl_url_cleanup(u);
	return rc;
}

/* Event kinds that are not a matter type's action: the engine's own events
 * on a case (docs/notifications.md lists them). */
static const char *const engine_kinds[] = {
    "create",          "timer.warning", "timer.overdue", "attachment.add", "document.issue",
    "document.revoke", "interview.add", "follow_parent", "import.status",  "import.history",
};

/* Whether "case.<action>" names an action some matter type or the engine has. */
static bool kind_known(struct app *app, const char *kind)
{
	if (!strcmp(kind, "*"))
		return true;
	if (strncmp(kind, "case.", 5) || outbox_kind_private(kind + 5))
		return false;
	const char *action = kind + 5;
	for (size_t i = 0; i < sizeof engine_kinds / sizeof *engine_kinds; i++)
		if (!strcmp(engine_kinds[i], action))
			return true;
	for (int t = 0; t < app->types->ntypes; t++)
		if (type_action(&app->types->types[t], action))
			return true;
	return false;
}

int webhook_kinds_check(struct app *app, json_t *kinds, char **out, struct err *e)
{
	*out = NULL;
	if (!kinds)
		return err_set(e, E_FIELD_REQUIRED, "kinds", "缺少事件类型 kinds");
	if (!json_is_array(kinds) || json_array_size(kinds) == 0)
		return err_set(e, E_FIELD_INVALID, "kinds",
		               "kinds 须为非空数组，如 [\"case.create\"]");
	if (json_array_size(kinds) > WEBHOOK_KINDS_MAX)
		return err_set(e, E_FIELD_INVALID, "kinds", "kinds 至多 %d 项", WEBHOOK_KINDS_MAX);
	json_t *clean = json_array();
	size_t i;
	json_t *k;
	json_array_foreach(kinds, i, k)
	{
		const char *v = json_string_value(k);
		char field[32];
		snprintf(field, sizeof field, "kinds.%zu", i);
		if (!v || strlen(v) >= OUTBOX_KIND_MAX || !kind_known(app, v)) {
			json_decref(clean);
			return err_set(
			    e, E_FIELD_INVALID, field,
			    "不认识的事件类型：须为 \"*\" 或 \"case.\" 加某类事项的操作，"
			    "如 case.create、case.dispatch");
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(v, json_string_value(json_array_get(kinds, j)))) {
				json_decref(clean);
				return err_set(e, E_FIELD_INVALID, field, "事件类型重复");
			}
		}
		json_array_append_new(clean, json_string(v));
	}
	*out = json_canonical(clean);
	json_decref(clean);
	return *out ? 0 : err_oom(e);
}

/* An admin write's event (no case: it is nobody's case history), payload
 * stolen. */
static int admin_event(struct wctx *w, const struct actor *a, const char *action, json_t *payload,
                       struct err *e)
{
	char *text = payload ? json_canonical(payload) : NULL;
	json_decref(payload);
	if (!text)
		return err_oom(e);
	struct event_rec ev = {.at = w->now,
	                       .actor_id = a->user_id,
	                       .org_id = a->org_id,
	                       .action = action,
	                       .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	return rc == 0 ? 0 : err_set(e, E_UNAVAILABLE, NULL, "写入审计记录失败");
}

static int active_count(struct wctx *w)
{
	struct store_stmt *s = store_stmt(w->conn, ST_WEBHOOK_ACTIVE);
	int n = 0, rc;
	while ((rc = sstep(s)) == STORE_ROW)
		n++;
	sreset(s);
	return rc == STORE_DONE ? n : -1;
}

int webhook_add(struct wctx *w, const struct actor *a, int64_t org_id, const char *url,
                const char *kinds_json, char *secret_out, int64_t *id, struct err *e)
{
	int live = active_count(w);
	if (live < 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (live >= WEBHOOK_ACTIVE_MAX)
		return err_set(e, E_CONFLICT, NULL, "有效订阅已达上限 %d 个，请先撤销不用的订阅",
		               WEBHOOK_ACTIVE_MAX);
	memcpy(secret_out, WEBHOOK_SECRET_PREFIX, sizeof WEBHOOK_SECRET_PREFIX - 1);
	random_hex(secret_out + sizeof WEBHOOK_SECRET_PREFIX - 1, 32);
	unsigned char *sealed = NULL;
	size_t nsealed = 0;
	if (seal(&w->app->keys, secret_out, strlen(secret_out), &sealed, &nsealed) != 0)
		return err_oom(e);
	struct store_stmt *s = store_stmt(w->conn, ST_WEBHOOK_INSERT);
	sbind_int(s, 1, org_id);
	sbind_text(s, 2, url);
	sbind_text(s, 3, kinds_json);
	sbind_blob(s, 4, sealed, nsealed);
	sbind_opt_int(s, 5, a->user_id);
	sbind_int(s, 6, w->now);
	int rc = sdone(s);
	free(sealed);
	if (rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	*id = store_last_id(w->conn);
	outbox_subscriptions_changed(w);
	json_t *kinds = json_loads(kinds_json, 0, NULL);
	return admin_event(w, a, "webhook.add",
	                   json_pack("{s:I,s:s,s:o,s:I}", "webhook", (json_int_t)*id, "url", url,
	                             "kinds", kinds ? kinds : json_null(), "org_id",
	                             (json_int_t)org_id),
	                   e);
}

int webhook_revoke(struct wctx *w, const struct actor *a, int64_t id, struct err *e)
{
	struct store_stmt *s = store_stmt(w->conn, ST_WEBHOOK_GET);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	bool mine = rc == STORE_ROW && actor_can(a, P_NOTIFY_MANAGE, scol_text(s, 7));
	bool revoked = rc == STORE_ROW && !scol_null(s, 4);
	char url[WEBHOOK_URL_MAX + 1] = "";
	if (rc == STORE_ROW)
		snprintf(url, sizeof url, "%s", scol_text(s, 1));
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (!mine)
		return err_set(e, E_NOT_FOUND, NULL, "订阅不存在");
	if (revoked)
		return err_set(e, E_CONFLICT, NULL, "订阅已撤销");
	s = store_stmt(w->conn, ST_WEBHOOK_REVOKE);
	sbind_int(s, 1, id);
	sbind_int(s, 2, w->now);
	sbind_opt_int(s, 3, a->user_id);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	outbox_subscriptions_changed(w);
	return admin_event(w, a, "webhook.revoke",
	                   json_pack("{s:I,s:s}", "webhook", (json_int_t)id, "url", url), e);
}

int outbox_redrive(struct wctx *w, const struct actor *a, int64_t id, struct err *e)
{
	struct store_stmt *s = store_stmt(w->conn, ST_OUTBOX_GET);
	sbind_int(s, 1, id);
	int rc = sstep(s);
	bool mine = rc == STORE_ROW &&
	            (scol_null(s, 15) || actor_can(a, P_NOTIFY_MANAGE, scol_text(s, 15)));
	bool dead = rc == STORE_ROW && !strcmp(scol_text(s, 5), "dead");
	json_t *p = NULL;
	if (mine)
		p = json_pack("{s:I,s:s,s:s,s:I}", "message", (json_int_t)id, "channel",
		              scol_text(s, 1), "kind", scol_text(s, 2), "attempts",
		              (json_int_t)scol_int(s, 6));
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (!mine)
		return err_set(e, E_NOT_FOUND, NULL, "消息不存在");
	if (!dead) {
		json_decref(p);
		return err_set(e, E_CONFLICT, NULL, "只有投递失败（dead）的消息可以重新投递");
	}
	s = store_stmt(w->conn, ST_OUTBOX_REDRIVE);
	sbind_int(s, 1, id);
	sbind_int(s, 2, time_real_ms());
	sbind_int(s, 3, w->now);
	if (sdone(s) != STORE_DONE) {
		json_decref(p);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	outbox_note_put(w);
	return admin_event(w, a, "outbox.redrive", p, e);
}
