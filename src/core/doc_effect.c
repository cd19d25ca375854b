/*
 * issue_document {"kind": K, "facts": {"key": SOURCE, …}, "subject"?: {…},
 * "valid_until_field"?: F, "store_field"?: F, "issuer"?: "actor_org" |
 * "case_org"}: issues a signed document of kind K for the case within the
 * action's writer job (core/documents.h). Each SOURCE names where a value
 * comes from: a field of the action's body, else a field of the case (the
 * body wins, so an action may state what it certifies), or one of
 * "$case.no", "$case.title", "$actor.name"; a source without a value is
 * left out. The issuer is the actor's org (the case's org when the system
 * acts), or the case's org with "issuer": "case_org". valid_until_field is
 * a date (valid through that day, Asia/Shanghai) or datetime field. The
 * document's number goes into the case's string field store_field
 * (default "<kind>_no"), and {"id","kind","number"} into the event's
 * "documents". issue_document_fault checks all of it at type load.
 */
#include "core/documents.h"
#include "core/engine_int.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

static const char *const special[] = {"$case.no", "$case.title", "$actor.name"};

static const struct type_field *action_field(const struct type_action *a, const char *name)
{
	for (int i = 0; name && i < a->nfields; i++)
		if (!strcmp(a->fields[i].name, name))
			return &a->fields[i];
	return NULL;
}

static json_t *source_value(struct act_ctx *x, const char *src)
{
	if (!strcmp(src, "$case.no"))
		return json_string(x->cf->c.no);
	if (!strcmp(src, "$case.title"))
		return x->cf->c.title ? json_string(x->cf->c.title) : NULL;
	if (!strcmp(src, "$actor.name"))
		return x->a->user_id ? json_string(x->a->name) : NULL;
	json_t *v = json_object_get(x->body, src);
	if (!v || json_is_null(v))
		v = json_object_get(x->cf->c.fields, src);
	return v && !json_is_null(v) ? json_incref(v) : NULL;
}

/* {"key": SOURCE} into a new object of the values found. */
static json_t *gather(struct act_ctx *x, json_t *map)
{
	json_t *out = json_object();
	const char *key;
	json_t *src;
	json_object_foreach(map, key, src)
	{
		json_t *v = source_value(x, json_string_value(src));
		if (v)
			json_object_set_new(out, key, v);
	}
	return out;
}

/* The instant a document stops being valid, 0 if none; -1 if the value is
 * not a date or datetime. */
static int64_t valid_until(struct act_ctx *x, const char *field)
{
	json_t *v = field ? source_value(x, field) : NULL;
	if (!v)
		return 0;
	const char *s = json_string_value(v);
	int64_t at = -1;
	if (s && strlen(s) == 10)
		at = date_due_at(s);
	else if (s && time_parse_iso(s, &at) != 0)
		at = -1;
	json_decref(v);
	return at;
}

int effect_issue_document(struct act_ctx *x, json_t *params)
{
	const char *kind = json_string_value(json_object_get(params, "kind"));
	const char *by = json_string_value(json_object_get(params, "issuer"));
	const char *store = json_string_value(json_object_get(params, "store_field"));
	char store_def[64];
	snprintf(store_def, sizeof store_def, "%s_no", kind);
	int64_t org = x->cf->c.org_id;
	if ((!by || !strcmp(by, "actor_org")) && x->a->org_id)
		org = x->a->org_id;
	int64_t until =
	    valid_until(x, json_string_value(json_object_get(params, "valid_until_field")));
	if (until < 0)
		return err_set(x->e, E_FIELD_INVALID,
		               json_string_value(json_object_get(params, "valid_until_field")),
		               "有效期不是日期");
	json_t *facts = gather(x, json_object_get(params, "facts"));
	json_t *subject = gather(x, json_object_get(params, "subject"));
	struct doc_spec spec = {.kind = kind,
	                        .case_id = x->cf->c.id,
	                        .org_id = org,
	                        .subject = subject,
	                        .facts = facts,
	                        .valid_until = until,
	                        .actor_id = x->a->user_id};
	json_t *doc = NULL;
	int rc = facts && subject ? doc_issue(x->w, &spec, &doc, x->e) : err_oom(x->e);
	json_decref(facts);
	json_decref(subject);
	if (rc != 0)
		return -1;
	const char *number = json_string_value(json_object_get(doc, "number"));
	json_object_set_new(x->cf->c.fields, store ? store : store_def, json_string(number));
	json_t *list = json_object_get(x->payload, "documents");
	if (!list) {
		list = json_array();
		json_object_set_new(x->payload, "documents", list);
	}
	json_array_append_new(list, json_pack("{s:O,s:s,s:s}", "id", json_object_get(doc, "id"),
	                                      "kind", kind, "number", number));
	json_decref(doc);
	return 0;
}

static const char *source_fault(const struct matter_type *t, const struct type_action *a,
                                json_t *src)
{
	const char *s = json_string_value(src);
	if (!s)
		return "issue_document 的来源须为字段名字符串";
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		if (!strcmp(s, special[i]))
			return NULL;
	if (type_field(t, s) || action_field(a, s))
		return NULL;
	return "issue_document 的来源须为本类型或本动作的字段，或 $case.no、$case.title、"
	       "$actor.name";
}

static const char *map_fault(const struct matter_type *t, const struct type_action *a, json_t *map,
                             bool required)
{
	if (!map && !required)
		return NULL;
	if (!json_is_object(map) || (required && json_object_size(map) == 0) ||
	    json_object_size(map) > 40)
		return "issue_document 的 facts 须为非空对象（subject 须为对象），至多 40 项";
	const char *key;
	json_t *src;
	json_object_foreach(map, key, src)
	{
		const char *f = source_fault(t, a, src);
		if (f)
			return f;
	}
	return NULL;
}

const char *issue_document_fault(const struct matter_type *t, const struct type_action *a,
                                 json_t *p)
{
	const char *kind = json_string_value(json_object_get(p, "kind"));
	if (!doc_kind(kind))
		return "issue_document 的 kind 须为已知的文书类别（e_letter、reception_cert、"
		       "homestead_cert）";
	const char *f = map_fault(t, a, json_object_get(p, "facts"), true);
	if (!f)
		f = map_fault(t, a, json_object_get(p, "subject"), false);
	if (f)
		return f;
	json_t *by = json_object_get(p, "issuer");
	if (by && (!json_is_string(by) || (strcmp(json_string_value(by), "actor_org") &&
	                                   strcmp(json_string_value(by), "case_org"))))
		return "issue_document 的 issuer 只能是 actor_org 或 case_org";
	json_t *vu = json_object_get(p, "valid_until_field");
	if (vu) {
		const char *n = json_string_value(vu);
		const struct type_field *tf = action_field(a, n);
		if (!tf)
			tf = type_field(t, n);
		if (!tf || (tf->kind != FK_DATE && tf->kind != FK_DATETIME))
			return "issue_document 的 valid_until_field 须为本类型或本动作 "
			       "date、datetime "
			       "类的字段";
	}
	char def[64];
	snprintf(def, sizeof def, "%s_no", kind);
	json_t *sf = json_object_get(p, "store_field");
	if (sf && !json_is_string(sf))
		return "issue_document 的 store_field 须为字段名";
	const struct type_field *tf = type_field(t, sf ? json_string_value(sf) : def);
	if (!tf || tf->kind != FK_STRING)
		return "issue_document 的 store_field（默认 <kind>_no）须为本类型 string 类的字段";
	return NULL;
}
