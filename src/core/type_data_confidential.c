/*
 * The "confidential_reporter" block of a matter type (type_data.h):
 *
 *   "confidential_reporter": {"field": "source", "in": ["群众举报"]}
 *
 * A case registered with that enum field's value in the list is
 * confidential from the start, whatever its reporter asked: only pii.read
 * holders see the reporter at all (core/caseview.c reporter_json); anyone
 * else gets {"confidential": true} and no masked name or phone, and lists,
 * exports, search and notices never carry it. A hazard tipped off by the
 * public (docs/hazard.md) protects the one who told.
 */
#include "core/type_data_int.h"
#include "core/types.h"

#include <string.h>

int tdl_load_confidential(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"field", "in"};
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "confidential_reporter", keys, 2) != 0)
		return -1;
	const char *name = json_string_value(json_object_get(o, "field"));
	const struct type_field *f = name ? type_field(L->t, name) : NULL;
	if (!f || f->kind != FK_ENUM)
		return tdl_bad(L, "confidential_reporter.field", "必须是本类型 enum 类的字段");
	json_t *in = json_object_get(o, "in");
	if (!json_is_array(in) || json_array_size(in) == 0)
		return tdl_bad(L, "confidential_reporter.in", "必须是非空数组");
	size_t i;
	json_t *v;
	json_array_foreach(in, i, v)
	{
		size_t j;
		json_t *ok;
		bool known = false;
		json_array_foreach(f->values, j, ok) if (json_equal(ok, v)) known = true;
		if (!known)
			return tdl_bad(L, "confidential_reporter.in", "第 %zu 项不是字段 %s 的取值",
			               i + 1, name);
	}
	L->t->data.conf_field = name;
	L->t->data.conf_in = in;
	return 0;
}

bool type_fields_confidential(const struct matter_type *t, json_t *fields)
{
	json_t *v = t->data.conf_field ? json_object_get(fields, t->data.conf_field) : NULL;
	size_t i;
	json_t *x;
	json_array_foreach(v ? t->data.conf_in : NULL, i, x) if (json_equal(x, v)) return true;
	return false;
}
