/*
 * The "create_field_roles" block of a matter type (type_data.h):
 *
 *   "create_field_roles": {"field": "source",
 *                          "roles": {"企业自查": ["enterprise"], "部门检查": ["inspector"],
 *                                    "群众举报": ["inspector", "operator"]}}
 *
 * Who may register a case with each value of an enum field: the creator
 * must hold one of the listed roles over the case's org. An enterprise
 * reports only its own findings (企业自查), an inspector what it found or
 * was told, the 12345 operator a tip-off (docs/hazard.md). A value not in
 * the object may be registered by any creator.
 */
#include "core/auth.h"
#include "core/type_data_int.h"
#include "core/types.h"

int tdl_load_field_roles(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"field", "roles"};
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "create_field_roles", keys, 2) != 0)
		return -1;
	const char *name = json_string_value(json_object_get(o, "field"));
	const struct type_field *f = name ? type_field(L->t, name) : NULL;
	if (!f || f->kind != FK_ENUM)
		return tdl_bad(L, "create_field_roles.field", "必须是本类型 enum 类的字段");
	json_t *roles = json_object_get(o, "roles");
	if (!json_is_object(roles) || json_object_size(roles) == 0)
		return tdl_bad(L, "create_field_roles.roles", "必须是 {取值: [角色…]} 的非空对象");
	const char *k;
	json_t *list;
	json_object_foreach(roles, k, list)
	{
		size_t i;
		json_t *v, *value = json_string(k);
		bool known = type_field_has_value(f, value);
		json_decref(value);
		if (!known)
			return tdl_bad(L, "create_field_roles.roles", "%s 不是字段 %s 的取值", k,
			               name);
		if (!json_is_array(list) || json_array_size(list) == 0)
			return tdl_bad(L, "create_field_roles.roles", "%s 的角色须为非空数组", k);
		json_array_foreach(list, i, v)
		{
			if (!json_is_string(v) || !role_known(json_string_value(v)))
				return tdl_bad(L, "create_field_roles.roles",
				               "%s 的第 %zu 项不是已知的角色", k, i + 1);
		}
	}
	L->t->data.field_roles_field = name;
	L->t->data.field_roles = roles;
	return 0;
}

const char *type_field_roles_fault(const struct matter_type *t, const struct actor *a,
                                   json_t *fields, const char *org_path)
{
	const char *name = t->data.field_roles_field;
	const char *v = name ? json_string_value(json_object_get(fields, name)) : NULL;
	json_t *list = v ? json_object_get(t->data.field_roles, v) : NULL;
	size_t i;
	json_t *r;
	if (!list)
		return NULL;
	json_array_foreach(
	    list, i, r) if (actor_has_role_over(a, json_string_value(r), org_path)) return NULL;
	return name;
}
