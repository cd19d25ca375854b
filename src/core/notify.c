/*
 * Notices to org inboxes (催办, 督办, overdue): notice_add, used by the
 * scheduler too, and the notify effect, which picks the units to tell. The
 * API only reads them (api/notices.c). Runs in writer jobs.
 */
#include "core/directory.h"
#include "core/engine_int.h"

#include <stdio.h>
#include <string.h>

int notice_add(struct wctx *w, int64_t org_id, int64_t case_id, const char *kind, const char *text,
               int64_t actor_id)
{
	struct store_stmt *s = store_stmt(w->conn, ST_NOTICE_INSERT);
	sbind_int(s, 1, org_id);
	sbind_int(s, 2, case_id);
	sbind_text(s, 3, kind);
	sbind_text(s, 4, text);
	sbind_opt_int(s, 5, actor_id);
	sbind_int(s, 6, w->now);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

static int64_t org_parent(struct store_conn *c, int64_t id)
{
	struct store_stmt *s = store_stmt(c, ST_ORG_PARENT);
	sbind_int(s, 1, id);
	int64_t p = sstep(s) == STORE_ROW && !scol_null(s, 0) ? scol_int(s, 0) : 0;
	sreset(s);
	return p;
}

/* params "if": {"field","in"}: whether the body's field is listed (no "if": yes). */
static bool notify_wanted(struct act_ctx *x, json_t *only)
{
	if (!only)
		return true;
	json_t *v = json_object_get(x->body, json_string_value(json_object_get(only, "field")));
	size_t i;
	json_t *ok;
	bool hit = false;
	json_array_foreach(json_object_get(only, "in"), i, ok) hit |= v && json_equal(v, ok);
	return hit;
}

/* The orgs to tell, each once, into orgs[CASE_MAX_ASSIGNMENTS + 1]: the
 * units still working on the case (or their parents, for leaders), else
 * the owning org (or its parent). Returns how many. */
static int notify_orgs(struct act_ctx *x, bool leaders, int64_t *orgs)
{
	int n = 0;
	for (int i = 0; i < x->cf->na; i++) {
		const struct asg_rec *g = &x->cf->a[i];
		if (!asg_open(g))
			continue;
		int64_t o = leaders ? org_parent(x->w->conn, g->org_id) : g->org_id;
		bool dup = o == 0;
		for (int j = 0; j < n && !dup; j++)
			dup = orgs[j] == o;
		if (!dup)
			orgs[n++] = o;
	}
	if (n == 0) {
		int64_t up = leaders ? org_parent(x->w->conn, x->cf->c.org_id) : 0;
		orgs[n++] = up ? up : x->cf->c.org_id;
	}
	return n;
}

/* The notified org's code appended to the payload's "notified" list (a
 * second notify in the same action adds to it). */
static void notified_add(struct act_ctx *x, int64_t org_id)
{
	json_t *codes = json_object_get(x->payload, "notified");
	if (!json_is_array(codes)) {
		codes = json_array();
		json_object_set_new(x->payload, "notified", codes);
	}
	struct store_stmt *s = store_stmt(x->w->conn, ST_ORG_CODE);
	sbind_int(s, 1, org_id);
	if (sstep(s) == STORE_ROW)
		json_array_append_new(codes, json_string(scol_text(s, 0)));
	sreset(s);
}

/* With "to":"field": the org the case's field names (a listed task's
 * leader, 领办领导: the org it sits in), into orgs[0]; 1, or 0 when the
 * field holds none. */
static int field_org(struct act_ctx *x, json_t *params, int64_t *orgs)
{
	json_t *v =
	    json_object_get(x->cf->c.fields, json_string_value(json_object_get(params, "field")));
	return v && org_resolve(x->w->conn, v, &orgs[0], NULL, 0, NULL, 0) == 0 ? 1 : 0;
}

/* notify: a notice (催办, 督办) to each unit still working on the case —
 * or, with "to":"leaders", to each such unit's parent org (提级督办); with
 * "to":"field", to the org in the case's field "field" —
 * or to the owning org when no unit holds it. params: kind, label;
 * "if": {"field","in"} limits it to bodies whose field is listed. */
int effect_notify(struct act_ctx *x, json_t *params)
{
	const char *kind = json_string_value(json_object_get(params, "kind"));
	const char *label = json_string_value(json_object_get(params, "label"));
	const char *to = json_string_value(json_object_get(params, "to"));
	if (!notify_wanted(x, json_object_get(params, "if")))
		return 0;
	int64_t orgs[CASE_MAX_ASSIGNMENTS + 1];
	int n = to && !strcmp(to, "field") ? field_org(x, params, orgs)
	                                   : notify_orgs(x, to && !strcmp(to, "leaders"), orgs);
	const char *comment = json_string_value(json_object_get(x->body, "comment"));
	/* sized for the longest title and comment (4 bytes a character at most),
	 * so the text is never cut mid-character */
	char text[64 + 4 * (CASE_TITLE_MAX + COMMENT_MAX) + 128];
	if ((size_t)snprintf(text, sizeof text, "【%s】工单 %s「%s」%s%s", label ? label : kind,
	                     x->cf->c.no, x->cf->c.title, comment ? "：" : "",
	                     comment ? comment : "") >= sizeof text)
		text[utf8_cut(text, strlen(text), sizeof text - 1)] = '\0';
	for (int i = 0; i < n; i++) {
		if (notice_add(x->w, orgs[i], x->cf->c.id, kind ? kind : "notice", text,
		               x->a->user_id) != 0)
			return store_fail(x->e);
		notified_add(x, orgs[i]);
	}
	return 0;
}
