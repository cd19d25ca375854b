/*
 * The "decisions" and "public_submit" blocks of a matter type (type_data.h),
 * loaded and checked like the other blocks: a misspelt key, an unknown
 * action, state, field or value stops the server at start with
 * "FILE: KEY: what is wrong".
 *
 *   "decisions": {"action": "sg_decide", "field": "decision",
 *                 "adopted": ["采纳"], "partly": ["部分采纳"],
 *                 "not_adopted": ["不采纳"], "implemented": "sg_implemented",
 *                 "topic_field": "topic"}
 *   "public_submit": {"org": "county", "channel": "web", "class": "其他建议"}
 *   "duplicates": {"by_text": true}
 *
 * People's suggestions (config/types/suggestion.json, docs/suggestion.md)
 * use both: the first names what GET /api/v1/stats/{type} counts per topic
 * and per department (core/stats_suggestion.c), the second makes the type
 * the one POST /api/v1/public/suggestions registers (api/suggest.c), the
 * third lets similar text alone offer a possible duplicate (a suggestion
 * has no place; core/duplicates.c).
 */
#include "core/type_data.h"
#include "core/type_data_int.h"
#include "core/types.h"

#include <stdio.h>
#include <string.h>

/* o[sub]: a non-empty array of values of the enum field f, into *out. */
static int enum_values(struct tdl *L, json_t *o, const char *sub, const struct type_field *f,
                       json_t **out)
{
	char k[64];
	snprintf(k, sizeof k, "decisions.%s", sub);
	json_t *v = json_object_get(o, sub);
	if (!json_is_array(v) || json_array_size(v) == 0)
		return tdl_bad(L, k, "须为非空数组");
	size_t i, j;
	json_t *x, *y;
	json_array_foreach(v, i, x)
	{
		bool found = false;
		json_array_foreach(f->values, j, y) found |= json_equal(x, y);
		if (!found)
			return tdl_bad(L, k, "第 %zu 项不是字段 %s 的取值", i + 1, f->name);
	}
	*out = v;
	return 0;
}

int tdl_load_decisions(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"action",      "field",       "adopted",    "partly",
	                                   "not_adopted", "implemented", "topic_field"};
	struct type_decisions *D = &L->t->data.decisions;
	const struct type_action *a = NULL;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "decisions", keys, 7) != 0 ||
	    tdl_get_action(L, o, "decisions", "action", true, &a) != 0)
		return -1;
	const struct type_field *f =
	    type_field(L->t, json_string_value(json_object_get(o, "field")));
	if (!f || f->kind != FK_ENUM)
		return tdl_bad(L, "decisions.field", "须为本类型的 enum 字段");
	const struct type_field *tf =
	    type_field(L->t, json_string_value(json_object_get(o, "topic_field")));
	if (!tf || tf->kind != FK_TOPIC)
		return tdl_bad(L, "decisions.topic_field", "须为本类型的 topic 字段");
	if (enum_values(L, o, "adopted", f, &D->adopted) != 0 ||
	    enum_values(L, o, "partly", f, &D->partly) != 0 ||
	    enum_values(L, o, "not_adopted", f, &D->not_adopted) != 0 ||
	    tdl_get_state(L, o, "decisions", "implemented", true, false, &D->implemented) != 0)
		return -1;
	if (!tdl_name_ok(f->name) || !tdl_name_ok(tf->name))
		return tdl_bad(L, "decisions", "字段名须为 1–64 个字母、数字或 _");
	D->action = a->code;
	D->field = f->name;
	D->topic_field = tf->name;
	return 0;
}

int tdl_load_public_submit(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"org", "channel", "class"};
	struct type_submit *S = &L->t->data.submit;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "public_submit", keys, 3) != 0)
		return -1;
	const char *org = json_string_value(json_object_get(o, "org"));
	if (!org || !*org)
		return tdl_bad(L, "public_submit.org", "须为单位编码");
	S->channel = json_string_value(json_object_get(o, "channel"));
	if (!S->channel || !type_has_channel(L->t, S->channel))
		return tdl_bad(L, "public_submit.channel", "不在 channels 中");
	S->class_ = json_string_value(json_object_get(o, "class"));
	if (!S->class_ || !type_class(L->t, S->class_))
		return tdl_bad(L, "public_submit.class", "不是本类型的分类");
	json_t *roles = json_object_get(L->t->json, "create_roles");
	if (!json_is_string(json_array_get(roles, 0)))
		return tdl_bad(L, "public_submit",
		               "类型须有 create_roles：群众提交以其第一个角色登记");
	const struct matter_type *other = types_public_submit(L->r);
	if (other && other != L->t)
		return tdl_bad(L, "public_submit", "类型 %s 已经接收群众提交，只能有一个",
		               other->code);
	S->org = org;
	return 0;
}

int tdl_load_duplicates(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"by_text"};
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "duplicates", keys, 1) != 0)
		return -1;
	json_t *v = json_object_get(o, "by_text");
	if (!json_is_boolean(v))
		return tdl_bad(L, "duplicates.by_text", "须为 true 或 false");
	L->t->data.dup_by_text = json_is_true(v);
	return 0;
}
