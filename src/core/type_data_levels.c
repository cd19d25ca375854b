/*
 * The "levels" and "parties" blocks of a matter type (type_data.h), loaded
 * and checked like the other blocks: a misspelt key, an unknown org kind or
 * deadline, a role named twice stops the server at start with
 * "FILE: KEY: what is wrong".
 *
 *   "levels": [{"org_kind": "grid", "name": "楼栋（组）", "deadline": "level_grid"},
 *              {"org_kind": "village", …}, …]          lowest first
 *   "parties": {"min": 2, "max": 10,
 *               "roles": [{"code": "applicant", "name": "申请人"}, …]}
 *
 * The disputes type (config/types/dispute.json, docs/dispute.md) uses both.
 */
#include "core/directory.h"
#include "core/type_data.h"
#include "core/type_data_int.h"
#include "core/types.h"

#include <stdio.h>
#include <string.h>

int tdl_load_levels(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"org_kind", "name", "deadline"};
	struct type_data *D = &L->t->data;
	if (!o)
		return 0;
	if (!json_is_array(o) || json_array_size(o) < 2 || json_array_size(o) > TYPE_LEVELS_MAX)
		return tdl_bad(L, "levels", "必须是 2–%d 项的数组（从低到高）", TYPE_LEVELS_MAX);
	size_t i;
	json_t *x;
	json_array_foreach(o, i, x)
	{
		char k[64];
		snprintf(k, sizeof k, "levels[%zu]", i);
		if (tdl_only_keys(L, x, k, keys, 3) != 0)
			return -1;
		struct type_level *lv = &D->levels[i];
		lv->org_kind = json_string_value(json_object_get(x, "org_kind"));
		lv->name = json_string_value(json_object_get(x, "name"));
		lv->deadline = json_string_value(json_object_get(x, "deadline"));
		if (!org_kind_known(lv->org_kind))
			return tdl_bad(L, k, "org_kind 须为单位类别（orgs.kind）");
		if (!lv->name || !*lv->name)
			return tdl_bad(L, k, "缺少 name");
		if (!lv->deadline || !type_deadline(L->t, lv->deadline))
			return tdl_bad(L, k, "deadline 须为 deadlines 中的时限");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(D->levels[j].org_kind, lv->org_kind))
				return tdl_bad(L, k, "单位类别 %s 重复", lv->org_kind);
	}
	D->nlevels = (int)json_array_size(o);
	return 0;
}

int tdl_load_parties(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"min", "max", "roles"};
	struct type_parties *P = &L->t->data.parties;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "parties", keys, 3) != 0)
		return -1;
	json_t *min = json_object_get(o, "min"), *max = json_object_get(o, "max");
	if (!json_is_integer(min) || !json_is_integer(max) || json_integer_value(min) < 0 ||
	    json_integer_value(max) < 1 || json_integer_value(max) > TYPE_PARTIES_MAX ||
	    json_integer_value(min) > json_integer_value(max))
		return tdl_bad(L, "parties", "min、max 须为整数，0 ≤ min ≤ max，1 ≤ max ≤ %d",
		               TYPE_PARTIES_MAX);
	json_t *roles = json_object_get(o, "roles");
	if (tdl_code_names(L, roles, "parties.roles", "当事人身份") != 0)
		return -1;
	P->min = (int)json_integer_value(min);
	P->max = (int)json_integer_value(max);
	P->roles = roles;
	return 0;
}

int type_level_index(const struct matter_type *t, const char *kind)
{
	for (int i = 0; kind && i < t->data.nlevels; i++)
		if (!strcmp(t->data.levels[i].org_kind, kind))
			return i;
	return -1;
}

const char *type_party_role(const struct matter_type *t, const char *code)
{
	size_t i;
	json_t *x;
	json_array_foreach(t->data.parties.roles, i, x)
	{
		if (code && !strcmp(code, json_string_value(json_object_get(x, "code"))))
			return json_string_value(json_object_get(x, "name"));
	}
	return NULL;
}
