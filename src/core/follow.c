/*
 * Merged children follow their parent (并单: 主单办结，子单随之办结). A type
 * may say, as data:
 *
 *   "follows_parent": {"link": "merged_into",
 *                      "from": ["merged", "replied", "callback"],
 *                      "states": ["replied", "callback", "closed"],
 *                      "fields": ["reply", "answer", "resolved", "satisfaction"]}
 *
 * When an action moves a case into one of `states`, each case linked to it
 * by a live `link` (the child's link points at the parent) and now in one
 * of `from` takes the parent's values of `fields` and moves to the same
 * state, in the same transaction, each with its own "follow_parent" event
 * on the chain (payload: the parent's id and number, the fields copied) and
 * its search notes refreshed. A final state closes the child and stops its
 * timers. Nothing here knows a state or action by name; without the
 * attribute nothing follows. Checked at load (follows_parent_fault).
 */
#include "core/engine_int.h"
#include "core/search.h"

#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

#define FOLLOW_CHILDREN_MAX 200 /* children moved with one parent's step */

/* v is a non-empty array of strings each passing ok(t, name). */
static bool names_ok(const struct matter_type *t, json_t *v,
                     bool (*ok)(const struct matter_type *, const char *))
{
	size_t i;
	json_t *x;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach(v, i,
	                   x) if (!json_is_string(x) || !ok(t, json_string_value(x))) return false;
	return true;
}

static bool state_ok(const struct matter_type *t, const char *s)
{
	return type_state(t, s) != NULL;
}

static bool field_ok(const struct matter_type *t, const char *s)
{
	return type_field(t, s) != NULL;
}

const char *follows_parent_fault(const struct matter_type *t)
{
	static const char *const keys[] = {"link", "from", "states", "fields"};
	json_t *f = json_object_get(t->json, "follows_parent");
	if (!f)
		return NULL;
	if (!json_is_object(f))
		return "follows_parent 必须是对象";
	if (json_unknown_key(f, keys, sizeof keys / sizeof *keys))
		return "follows_parent 只能有 link、from、states、fields";
	const char *link = json_string_value(json_object_get(f, "link"));
	if (!link || !*link)
		return "follows_parent.link 必须是关联类别（非空文本）";
	if (!names_ok(t, json_object_get(f, "from"), state_ok) ||
	    !names_ok(t, json_object_get(f, "states"), state_ok))
		return "follows_parent 的 from 和 states 必须是本类型状态的非空数组";
	if (!names_ok(t, json_object_get(f, "fields"), field_ok))
		return "follows_parent.fields 必须是本类型字段的非空数组";
	return NULL;
}

/* The children's ids into ids[FOLLOW_CHILDREN_MAX] ("SEARCH l USING INDEX
 * links_other (other_id=?)"); how many, or -1. */
static int children_of(struct wctx *w, int64_t parent, const char *link, int64_t *ids)
{
	struct store_stmt *s = store_stmt(w->conn, ST_LINK_CHILDREN);
	sbind_int(s, 1, parent);
	sbind_text(s, 2, link);
	sbind_int(s, 3, FOLLOW_CHILDREN_MAX);
	int n = 0, rc;
	while ((rc = sstep(s)) == STORE_ROW)
		ids[n++] = scol_int(s, 0);
	sreset(s);
	return rc == STORE_DONE ? n : -1;
}

/* The child row in state `to` with its fields, and its event. */
static int child_write(struct act_ctx *x, struct case_full *ch, const char *to, json_t *copied)
{
	struct wctx *w = x->w;
	const struct type_state *ts = type_state(ch->c.type, to);
	if (NEVER(!ts))
		return err_set(x->e, E_INTERNAL, NULL, NULL);
	if (ts->final && timers_stop_case(w, ch->c.id) != 0)
		return store_fail(x->e);
	char *ftext = json_canonical(ch->c.fields);
	json_t *payload = json_pack("{s:I,s:s,s:O}", "parent", (json_int_t)x->cf->c.id, "parent_no",
	                            x->cf->c.no, "fields", copied);
	char *ptext = payload ? json_canonical(payload) : NULL;
	json_decref(payload);
	int rc = -1;
	if (!ftext || !ptext) {
		rc = err_oom(x->e);
		goto out;
	}
	struct store_stmt *s = store_stmt(w->conn, ST_CASE_UPDATE);
	sbind_int(s, 1, ch->c.id);
	sbind_text(s, 2, to);
	sbind_text(s, 3, ftext);
	sbind_opt_int(s, 4, ch->c.due_at);
	sbind_opt_int(s, 5, ts->final ? w->now : 0);
	sbind_int(s, 6, w->now);
	sbind_int(s, 7, ch->c.version);
	struct event_rec ev = {.case_id = ch->c.id,
	                       .at = w->now,
	                       .actor_id = x->a->user_id,
	                       .org_id = x->a->org_id,
	                       .action = FOLLOW_PARENT_EVENT,
	                       .from = ch->c.status,
	                       .to = to,
	                       .payload = ptext};
	if (sdone(s) != STORE_DONE || store_changes(w->conn) != 1 || wctx_event(w, &ev) != 0 ||
	    search_refresh(w, ch->c.id) != 0)
		rc = store_fail(x->e);
	else
		rc = 0;
out:
	free(ftext);
	free(ptext);
	return rc;
}

/* Child id follows the parent into `to` when it is in one of `from`. */
static int child_follow(struct act_ctx *x, int64_t id, json_t *spec, const char *to)
{
	struct case_full ch;
	if (case_load(x->w->conn, x->w->app, id, &ch) != 0)
		return store_fail(x->e);
	int rc = 0;
	json_t *copied = json_object();
	if (!copied)
		rc = err_oom(x->e);
	else if (ch.c.type == x->t && status_listed(json_object_get(spec, "from"), ch.c.status)) {
		size_t i;
		json_t *name;
		json_array_foreach(json_object_get(spec, "fields"), i, name)
		{
			json_t *v = json_object_get(x->cf->c.fields, json_string_value(name));
			if (v) {
				json_object_set(ch.c.fields, json_string_value(name), v);
				json_object_set(copied, json_string_value(name), v);
			}
		}
		rc = child_write(x, &ch, to, copied);
	}
	json_decref(copied);
	case_full_release(&ch);
	return rc;
}

int follow_children(struct act_ctx *x, const char *from, const char *to)
{
	json_t *spec = json_object_get(x->t->json, "follows_parent");
	if (!spec || !strcmp(from, to) || !status_listed(json_object_get(spec, "states"), to))
		return 0;
	int64_t *ids = malloc(FOLLOW_CHILDREN_MAX * sizeof *ids);
	if (!ids)
		return err_oom(x->e);
	const char *link = json_string_value(json_object_get(spec, "link"));
	int n = children_of(x->w, x->cf->c.id, link, ids);
	int rc = n < 0 ? store_fail(x->e) : 0;
	for (int i = 0; rc == 0 && i < n; i++)
		rc = child_follow(x, ids[i], spec, to);
	free(ids);
	return rc;
}
