/*
 * spawn_cases: one action registers new cases of another type, one per
 * matching element of a list in its body, through the engine's own intake
 * (core/intake.c) in the same transaction, each linked to the case acted
 * on (docs/inspection.md: a failed checklist item becomes a hazard).
 *
 *   {"effect": "spawn_cases", "type": "hazard", "from": "results",
 *    "when": {"ok": false}, "link": "found_by", "count": "hazards_found",
 *    "case_field": "inspection_id", "fields": {"source": "部门检查"},
 *    "item_fields": {"category": "category"}}
 *
 * For each element of body[from] whose members equal every member of
 * `when`, a case of `type` is registered by the actor for the same org
 * (the enterprise), with the same location, the constant `fields` and,
 * when `from` is a checklist field, `item_fields` taken from the
 * checklist's entry for the element's item (its category), and in
 * `case_field` (a field of kind case of the target) this case's id. Its title is
 * the item's text, its description says where it was found. Each new case
 * is its own "create" event on the chain, by the actor, and one link row
 * (new case → this case, kind `link`) shows on both cases' pages. The
 * number made goes into the case field `count`, so a branch can tell
 * whether anything was found. A failure of any registration fails the
 * action: nothing is written.
 */
#include "core/engine_int.h"

#include <stdio.h>
#include <string.h>

static bool enum_value_listed(const struct type_field *f, json_t *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(f->values, i, x) if (json_equal(x, v)) return true;
	return false;
}

/* Whether every member of `when` equals el's. */
static bool element_matches(json_t *el, json_t *when)
{
	const char *k;
	json_t *v;
	json_object_foreach(when, k, v) if (!json_equal(json_object_get(el, k), v)) return false;
	return true;
}

/* The new case's body for element el (def: its checklist entry, or NULL). */
static json_t *spawn_body(struct act_ctx *x, json_t *params, json_t *el, json_t *def)
{
	const struct case_rec *c = &x->cf->c;
	const char *item = json_string_value(json_object_get(el, "item"));
	const char *text = json_string_value(json_object_get(def, "text"));
	const char *note = json_string_value(json_object_get(el, "note"));
	char title[CASE_TITLE_MAX * 4 + 1], desc[4096]; /* fits every part whole */
	snprintf(title, sizeof title, "「%s」不符合要求", text ? text : item ? item : c->title);
	snprintf(desc, sizeof desc, "%s %s「%s」检查发现：%s「%s」不符合要求。", x->t->name, c->no,
	         c->title, item ? item : "", text ? text : "");
	if (note && *note) {
		size_t n = strlen(desc);
		snprintf(desc + n, sizeof desc - n, "\n检查记录：%s", note);
	}
	json_t *fields = json_deep_copy(json_object_get(params, "fields"));
	if (!fields)
		fields = json_object();
	const char *to;
	json_t *from;
	json_object_foreach(json_object_get(params, "item_fields"), to, from)
	{
		json_t *v = json_object_get(def, json_string_value(from));
		if (v)
			json_object_set(fields, to, v);
	}
	const char *idf = json_string_value(json_object_get(params, "case_field"));
	if (idf)
		json_object_set_new(fields, idf, json_integer(c->id));
	json_t *body = json_pack(
	    "{s:s,s:I,s:s,s:s,s:o}", "type", json_string_value(json_object_get(params, "type")),
	    "org", (json_int_t)c->org_id, "title", title, "description", desc, "fields", fields);
	if (body && c->location)
		json_object_set(body, "location", c->location);
	return body;
}

/* The link row: new case → this one. */
static int spawn_link(struct act_ctx *x, int64_t id, const char *kind)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_LINK_INSERT);
	sbind_int(s, 1, id);
	sbind_int(s, 2, x->cf->c.id);
	sbind_text(s, 3, kind ? kind : "related");
	sbind_int(s, 4, x->w->now);
	return sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
}

int effect_spawn_cases(struct act_ctx *x, json_t *params)
{
	const char *from = json_string_value(json_object_get(params, "from"));
	const char *count = json_string_value(json_object_get(params, "count"));
	json_t *when = json_object_get(params, "when");
	const struct type_field *f = type_field(x->t, from);
	json_t *list = NULL;
	if (f && f->kind == FK_CHECKLIST) {
		char industry[64];
		if (checklist_industry(x->w->conn, x->cf->c.org_id, industry, sizeof industry) < 0)
			return store_fail(x->e);
		list = type_checklist(x->t, industry);
	}
	json_t *made = json_array();
	if (!made || json_object_set_new(x->payload, "spawned", made) != 0)
		return err_oom(x->e);
	size_t i;
	json_t *el;
	json_int_t n = 0;
	json_array_foreach(json_object_get(x->body, from), i, el)
	{
		if (!element_matches(el, when))
			continue;
		json_t *def =
		    list ? checklist_item(list, json_string_value(json_object_get(el, "item")))
		         : NULL;
		json_t *body = spawn_body(x, params, el, def);
		if (!body)
			return err_oom(x->e);
		int64_t id = 0;
		int rc = engine_create_plain(x->w, x->a, body, NULL, &id, x->e);
		json_decref(body);
		if (rc != 0 ||
		    spawn_link(x, id, json_string_value(json_object_get(params, "link"))))
			return -1;
		json_t *m = json_pack("{s:I}", "case", (json_int_t)id);
		if (m && json_object_get(el, "item"))
			json_object_set(m, "item", json_object_get(el, "item"));
		json_array_append_new(made, m);
		n++;
	}
	if (count)
		json_object_set_new(x->cf->c.fields, count, json_integer(n));
	return 0;
}

const char *spawn_cases_fault(const struct type_registry *r, const struct matter_type *t,
                              const struct type_action *a, json_t *params)
{
	static const char *const keys[] = {"effect", "type",   "from",        "when",      "link",
	                                   "count",  "fields", "item_fields", "case_field"};
	if (json_unknown_key(params, keys, sizeof keys / sizeof keys[0]))
		return "spawn_cases 只接受 type、from、when、link、count、fields、item_fields、"
		       "case_field";
	const struct matter_type *target =
	    types_find(r, json_string_value(json_object_get(params, "type")));
	if (!target)
		return "spawn_cases 的 type 必须是已加载的事项类型";
	json_t *idf = json_object_get(params, "case_field");
	const struct type_field *tidf = type_field(target, json_string_value(idf));
	if (idf && (!tidf || tidf->kind != FK_CASE))
		return "spawn_cases 的 case_field 必须是目标类型 case 类的字段";
	const char *from = json_string_value(json_object_get(params, "from"));
	bool own = false;
	for (int i = 0; i < a->nfields; i++)
		own |= from && !strcmp(a->fields[i].name, from);
	const struct type_field *f = type_field(t, from);
	if (!own || !f || (f->kind != FK_CHECKLIST && f->kind != FK_MILESTONES))
		return "spawn_cases 的 from 必须是本动作列表类（checklist）的字段";
	json_t *when = json_object_get(params, "when");
	if (when && !json_is_object(when))
		return "spawn_cases 的 when 必须是对象";
	json_t *link = json_object_get(params, "link"), *count = json_object_get(params, "count");
	if ((link && !json_is_string(link)) || (count && !json_is_string(count)))
		return "spawn_cases 的 link、count 必须是字符串";
	json_t *fields = json_object_get(params, "fields"),
	       *items = json_object_get(params, "item_fields");
	if ((fields && !json_is_object(fields)) || (items && !json_is_object(items)))
		return "spawn_cases 的 fields、item_fields 必须是对象";
	const char *k;
	json_t *v;
	json_object_foreach(fields, k,
	                    v) if (!type_field(target, k)) return "spawn_cases 的 fields "
	                                                          "须为目标类型的字段";
	json_object_foreach(items, k, v)
	{
		const struct type_field *tf = type_field(target, k);
		if (!tf || !json_is_string(v))
			return "spawn_cases 的 item_fields 须为 {目标类型的字段: 检查项的键}";
		/* every checklist entry's value must be one the target accepts */
		const char *industry;
		json_t *list, *it;
		size_t i;
		json_object_foreach(t->data.inspection.checklists, industry, list)
		{
			json_array_foreach(list, i, it)
			{
				json_t *val = json_object_get(it, json_string_value(v));
				if (val && tf->kind == FK_ENUM && !enum_value_listed(tf, val))
					return "spawn_cases 的 "
					       "item_fields：检查表中有目标字段不接受的取值";
			}
		}
	}
	return NULL;
}
