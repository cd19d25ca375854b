/*
 * The registry's writes (enterprises.h): an enterprise's org and row, and
 * their events on the audit chain. Each runs inside its caller's writer
 * job; the contacts are sealed (util/crypto.h) and never in an event.
 */
#include "core/directory.h"
#include "core/enterprises.h"
#include "core/app.h"
#include "core/routing.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/json.h"

/* n's contacts sealed into *enc (NULL when there are none). 0 or -1. */
static int contacts_seal(const struct keys *k, json_t *contacts, unsigned char **enc, size_t *len)
{
	*enc = NULL;
	*len = 0;
	if (!contacts || json_object_size(contacts) == 0)
		return 0;
	char *text = json_canonical(contacts);
	int rc = text ? seal(k, text, strlen(text), enc, len) : -1;
	if (text) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	return rc;
}

/* ?2..?10 of ST_ENT_INSERT and ST_ENT_UPDATE: the row's values. */
static void bind_row(struct store_stmt *s, const struct enterprise_new *n, const unsigned char *enc,
                     size_t len)
{
	sbind_text(s, 2, n->credit_code);
	sbind_text(s, 3, n->industry);
	sbind_text(s, 4, n->risk_level);
	if (*n->address)
		sbind_text(s, 5, n->address);
	else
		sbind_null(s, 5);
	if (n->has_point) {
		sbind_real(s, 6, n->lng);
		sbind_real(s, 7, n->lat);
	} else {
		sbind_null(s, 6);
		sbind_null(s, 7);
	}
	sbind_int(s, 8, n->township_id);
	sbind_opt_int(s, 9, n->grid_id);
	if (enc)
		sbind_blob(s, 10, enc, len);
	else
		sbind_null(s, 10);
}

static int event(struct wctx *w, int64_t actor_id, int64_t org_id, const char *action,
                 const char *from, const char *to, json_t *payload, struct err *e)
{
	char *text = payload ? json_canonical(payload) : NULL;
	json_decref(payload);
	if (!text)
		return err_oom(e);
	struct event_rec ev = {.at = w->now,
	                       .actor_id = actor_id,
	                       .org_id = org_id,
	                       .action = action,
	                       .from = from,
	                       .to = to,
	                       .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	return rc == 0 ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

/* Whether credit code `code` belongs to an enterprise other than org_id. */
static int credit_taken(struct store_conn *c, const char *code, int64_t org_id, struct err *e)
{
	struct store_stmt *s = store_stmt(c, ST_ENT_BY_CREDIT);
	sbind_text(s, 1, code);
	int rc = sstep(s);
	int64_t other = rc == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (other && other != org_id)
		return err_set(e, E_CONFLICT, "credit_code", "统一社会信用代码 %s 已登记", code);
	return 0;
}

int enterprise_insert(struct wctx *w, const struct enterprise_new *n, int64_t actor_id,
                      int64_t *org_id, struct err *e)
{
	if (credit_taken(w->conn, n->credit_code, 0, e) != 0)
		return -1;
	int64_t id = n->org_id;
	if (!id) {
		char code[64] = "ent.";
		for (int i = 0; i < CREDITCODE_LEN; i++) {
			char ch = n->credit_code[i];
			code[4 + i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
		}
		code[4 + CREDITCODE_LEN] = '\0';
		id = org_add(w, *n->org_code ? n->org_code : code, n->name, "enterprise",
		             n->township_code, NULL, e);
		if (id < 0)
			return -1;
	}
	unsigned char *enc;
	size_t len;
	if (contacts_seal(&w->app->keys, n->contacts, &enc, &len) != 0)
		return err_set(e, E_INTERNAL, NULL, NULL);
	struct store_stmt *s = store_stmt(w->conn, ST_ENT_INSERT);
	sbind_int(s, 1, id);
	bind_row(s, n, enc, len);
	sbind_int(s, 11, w->now);
	int rc = sdone(s);
	free(enc);
	if (rc == STORE_CONSTRAINT)
		return err_set(e, E_CONFLICT, "credit_code", "该企业已登记");
	if (rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	*org_id = id;
	return event(w, actor_id, id, "enterprise.add", NULL, n->risk_level,
	             json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", n->name, "credit_code",
	                       n->credit_code, "industry", n->industry, "risk_level", n->risk_level,
	                       "township", n->township_code),
	             e);
}

/* The names of what n changes of old into a new array. */
static json_t *changes(struct store_conn *c, const struct keys *k, const struct enterprise *old,
                       const struct enterprise_new *n)
{
	json_t *ch = json_array();
	if (strcmp(old->name, n->name))
		json_array_append_new(ch, json_string("name"));
	if (strcmp(old->credit_code, n->credit_code))
		json_array_append_new(ch, json_string("credit_code"));
	if (strcmp(old->industry, n->industry))
		json_array_append_new(ch, json_string("industry"));
	if (strcmp(old->risk_level, n->risk_level))
		json_array_append_new(ch, json_string("risk_level"));
	if (strcmp(old->address, n->address) || old->has_point != n->has_point ||
	    old->lng != n->lng || old->lat != n->lat)
		json_array_append_new(ch, json_string("location"));
	if (old->township_id != n->township_id || old->grid_id != n->grid_id)
		json_array_append_new(ch, json_string("township"));
	json_t *was = enterprise_contacts(c, k, old->org_id);
	if (!was || !json_equal(was, n->contacts))
		json_array_append_new(ch, json_string("contacts"));
	json_decref(was);
	return ch;
}

int enterprise_update(struct wctx *w, const struct enterprise *old, const struct enterprise_new *n,
                      int64_t version, int64_t actor_id, bool *changed, struct err *e)
{
	*changed = false;
	if (version != old->version)
		return err_set(e, E_VERSION_CONFLICT, "version",
		               "企业信息已被他人修改，请刷新后重试");
	json_t *ch = changes(w->conn, &w->app->keys, old, n);
	if (!ch)
		return err_oom(e);
	if (json_array_size(ch) == 0) {
		json_decref(ch);
		return 0;
	}
	if (credit_taken(w->conn, n->credit_code, old->org_id, e) != 0) {
		json_decref(ch);
		return -1;
	}
	unsigned char *enc;
	size_t len;
	if (contacts_seal(&w->app->keys, n->contacts, &enc, &len) != 0) {
		json_decref(ch);
		return err_set(e, E_INTERNAL, NULL, NULL);
	}
	struct store_stmt *s = store_stmt(w->conn, ST_ENT_UPDATE);
	sbind_int(s, 1, old->org_id);
	bind_row(s, n, enc, len);
	sbind_int(s, 11, w->now);
	sbind_int(s, 12, version);
	int rc = sdone(s);
	free(enc);
	if (rc == STORE_CONSTRAINT) {
		json_decref(ch);
		return err_set(e, E_CONFLICT, "credit_code", "统一社会信用代码 %s 已登记",
		               n->credit_code);
	}
	if (rc != STORE_DONE || store_changes(w->conn) != 1) {
		json_decref(ch);
		return rc != STORE_DONE ? err_set(e, E_UNAVAILABLE, NULL, NULL)
		                        : err_set(e, E_VERSION_CONFLICT, "version",
		                                  "企业信息已被他人修改，请刷新后重试");
	}
	/* the org keeps its code; it follows the name and the township */
	char path[ORG_PATH_MAX + 24];
	if ((size_t)snprintf(path, sizeof path, "%s%lld/", n->township_path,
	                     (long long)old->org_id) >= ORG_PATH_MAX) {
		json_decref(ch);
		return err_set(e, E_FIELD_INVALID, "township", "组织层级过深");
	}
	routing_org_touch(old->org_id);
	s = store_stmt(w->conn, ST_ENT_ORG_SET);
	sbind_int(s, 1, old->org_id);
	sbind_text(s, 2, n->name);
	sbind_int(s, 3, n->township_id);
	sbind_text(s, 4, path);
	if (sdone(s) != STORE_DONE) {
		json_decref(ch);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	*changed = true;
	bool risk = strcmp(old->risk_level, n->risk_level) != 0;
	if (event(w, actor_id, old->org_id, "enterprise.update", NULL, NULL,
	          json_pack("{s:s,s:o}", "credit_code", n->credit_code, "changed", ch), e) != 0)
		return -1;
	if (risk &&
	    event(w, actor_id, old->org_id, "enterprise.risk", old->risk_level, n->risk_level,
	          json_pack("{s:s,s:s,s:s}", "credit_code", n->credit_code, "from", old->risk_level,
	                    "to", n->risk_level),
	          e) != 0)
		return -1;
	return 0;
}
