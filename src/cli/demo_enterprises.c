/*
 * The demo's enterprise registry (issue 13; docs/enterprise.md): the
 * "enterprises" of the demo parts, [{"code", …the body of POST
 * /api/v1/enterprises}], each checked as the API checks it
 * (core/enterprises.h) and registered before the accounts, so an
 * enterprise's own account (ent2) can be scoped to its org. An entry whose
 * code names an org already there (ent.demo1 of county.json) registers
 * that org.
 */
#include "cli/cli.h"
#include "core/app.h"
#include "core/directory.h"
#include "core/enterprises.h"

#include <stdio.h>
#include <string.h>

int demo_enterprises_add(struct wctx *w, json_t *list, struct err *e)
{
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item)
	{
		const char *code = json_string_value(json_object_get(item, "code"));
		json_t *body = json_deep_copy(item);
		if (!code || !body) {
			json_decref(body);
			return err_set(e, E_BAD_REQUEST, "code", "演示企业第 %zu 家缺少 code",
			               i + 1);
		}
		json_object_del(body, "code");
		struct enterprise_new n;
		int rc = enterprise_check(w->conn, &w->app->keys, body, NULL, &n, e);
		json_decref(body);
		if (rc == 0) {
			json_t *c = json_string(code);
			int64_t existing;
			if (c && org_resolve(w->conn, c, &existing, NULL, 0, NULL, 0) == 0)
				n.org_id = existing;
			else
				snprintf(n.org_code, sizeof n.org_code, "%s", code);
			json_decref(c);
			int64_t id;
			rc = enterprise_insert(w, &n, 0, &id, e);
		}
		enterprise_new_release(&n);
		if (rc != 0) {
			char was[sizeof e->message], field[sizeof e->field];
			snprintf(was, sizeof was, "%s", err_message(e));
			snprintf(field, sizeof field, "%s", e->field);
			return err_set(e, e->kind, *field ? field : NULL, "演示企业 %s: %s", code,
			               was);
		}
	}
	return 0;
}
