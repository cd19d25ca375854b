/*
 * The "guide" and "party_track" blocks of a matter type (type_data.h): the
 * published procedure of a matter (办事指南) and public tracking by a
 * party's ID number (issue 14, docs/homestead.md).
 *
 *   "guide": {"title": "…", "basis": ["…"], "where": "…", "fee": "…",
 *             "time_limit": "…", "conditions": ["…"],
 *             "steps": [{"name": "…", "limit": "…", "who": "…"}],
 *             "materials_field": "missing",
 *             "atlas": [{"name": "…", "image": "/atlas/a1.svg", "note": "…"}]}
 *   "party_track": {"role": "applicant", "fields": ["guide_name", …]}
 *
 * The guide is data the public page shows as it is; its materials are the
 * values of an "enums" field of the type, so the checklist the clerk ticks
 * in a 一次性告知 and the list the public reads are one list. "atlas" is the
 * county's standard house designs (户型图集): each a name, an SVG the web
 * UI serves under /atlas/ and a note; the window's picker and the public
 * page show them. party_track
 * names the party role whose ID number's last four characters, with the
 * case number, let the person follow the case without signing in, and the
 * string, text, int, enum or enums fields shown to them (officials' names
 * acting in role, never a party's): GET /api/v1/public/homestead. One type
 * at most carries party_track.
 */
#include "core/type_data.h"
#include "core/type_data_int.h"
#include "core/types.h"

#include <string.h>

#include "util/utf8.h"

#define GUIDE_TEXT_MAX 2000
#define GUIDE_LIST_MAX 30

static bool short_text(json_t *v, size_t max)
{
	const char *s = json_string_value(v);
	return s && *s && utf8_valid(s, strlen(s)) && utf8_chars(s) <= max;
}

/* o[sub]: absent, or a non-empty array of 1–GUIDE_LIST_MAX texts. */
static int text_list(struct tdl *L, json_t *o, const char *sub)
{
	char k[64];
	size_t i;
	json_t *v, *a = json_object_get(o, sub);
	if (!a)
		return 0;
	tdl_subkey(k, sizeof k, "guide", sub);
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > GUIDE_LIST_MAX)
		return tdl_bad(L, k, "须为 1–%d 项的数组", GUIDE_LIST_MAX);
	json_array_foreach(a, i, v) if (!short_text(v, GUIDE_TEXT_MAX)) return tdl_bad(
	    L, k, "第 %zu 项须为 1–%d 字的文字", i + 1, GUIDE_TEXT_MAX);
	return 0;
}

static int guide_steps(struct tdl *L, json_t *a)
{
	static const char *const keys[] = {"name", "limit", "who"};
	size_t i;
	json_t *v;
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > GUIDE_LIST_MAX)
		return tdl_bad(L, "guide.steps", "须为 1–%d 步的数组", GUIDE_LIST_MAX);
	json_array_foreach(a, i, v)
	{
		if (tdl_only_keys(L, v, "guide.steps", keys, 3) != 0)
			return -1;
		for (int k = 0; k < 3; k++)
			if (!short_text(json_object_get(v, keys[k]), 200))
				return tdl_bad(L, "guide.steps", "第 %zu 步缺少 %s（1–200 字）",
				               i + 1, keys[k]);
	}
	return 0;
}

/* A path under /atlas/ of [a-z0-9-] ending in .svg: the web UI's own file. */
static bool atlas_image_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 12 || n > 100 || strncmp(s, "/atlas/", 7) != 0 || strcmp(s + n - 4, ".svg") != 0)
		return false;
	for (size_t i = 7; i < n - 4; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static int guide_atlas(struct tdl *L, json_t *a)
{
	static const char *const keys[] = {"name", "image", "note"};
	size_t i;
	json_t *v;
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > GUIDE_LIST_MAX)
		return tdl_bad(L, "guide.atlas", "须为 1–%d 种户型的数组", GUIDE_LIST_MAX);
	json_array_foreach(a, i, v)
	{
		if (tdl_only_keys(L, v, "guide.atlas", keys, 3) != 0)
			return -1;
		if (!short_text(json_object_get(v, "name"), 100) ||
		    !short_text(json_object_get(v, "note"), 500) ||
		    !atlas_image_ok(json_string_value(json_object_get(v, "image"))))
			return tdl_bad(L, "guide.atlas",
			               "第 %zu 种须有 name、note 和 /atlas/…svg 的 image", i + 1);
	}
	return 0;
}

int tdl_load_guide(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"title",      "basis",           "where",
	                                   "fee",        "time_limit",      "steps",
	                                   "conditions", "materials_field", "atlas"};
	static const char *const texts[] = {"where", "fee", "time_limit"};
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "guide", keys, sizeof keys / sizeof keys[0]) != 0)
		return -1;
	if (!short_text(json_object_get(o, "title"), 100))
		return tdl_bad(L, "guide.title", "须为 1–100 字的文字");
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		json_t *v = json_object_get(o, texts[i]);
		char k[64];
		if (v && !short_text(v, GUIDE_TEXT_MAX))
			return tdl_bad(L, tdl_subkey(k, sizeof k, "guide", texts[i]),
			               "须为 1–%d 字的文字", GUIDE_TEXT_MAX);
	}
	if (text_list(L, o, "basis") != 0 || text_list(L, o, "conditions") != 0 ||
	    guide_steps(L, json_object_get(o, "steps")) != 0 ||
	    guide_atlas(L, json_object_get(o, "atlas")) != 0)
		return -1;
	const char *mf = json_string_value(json_object_get(o, "materials_field"));
	const struct type_field *f = mf ? type_field(L->t, mf) : NULL;
	if (json_object_get(o, "materials_field") && (!f || f->kind != FK_ENUMS))
		return tdl_bad(L, "guide.materials_field", "必须是本类型 enums 类的字段");
	L->t->data.guide = o;
	L->t->data.guide_materials = f ? f->values : NULL;
	return 0;
}

int tdl_load_party_track(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"role", "fields"};
	struct type_data *D = &L->t->data;
	size_t i;
	json_t *v;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "party_track", keys, 2) != 0)
		return -1;
	const char *role = json_string_value(json_object_get(o, "role"));
	if (!role || !type_party_role(L->t, role))
		return tdl_bad(L, "party_track.role", "必须是本类型 parties 中的角色");
	json_t *fields = json_object_get(o, "fields");
	if (!json_is_array(fields) || json_array_size(fields) > GUIDE_LIST_MAX)
		return tdl_bad(L, "party_track.fields", "须为至多 %d 个字段的数组", GUIDE_LIST_MAX);
	json_array_foreach(fields, i, v)
	{
		const struct type_field *f = type_field(L->t, json_string_value(v));
		if (!f || (f->kind != FK_STRING && f->kind != FK_TEXT && f->kind != FK_INT &&
		           f->kind != FK_ENUM && f->kind != FK_ENUMS))
			return tdl_bad(
			    L, "party_track.fields",
			    "第 %zu 项须为本类型的 string、text、int、enum 或 enums 字段", i + 1);
	}
	const struct matter_type *other = types_party_track(L->r);
	if (other && other != L->t)
		return tdl_bad(L, "party_track", "类型 %s 已按当事人身份证号公开查询，只能有一个",
		               other->code);
	D->track_role = role;
	D->track_fields = fields;
	return 0;
}

const struct matter_type *types_party_track(const struct type_registry *r)
{
	for (int i = 0; r && i < r->ntypes; i++)
		if (r->types[i].data.track_role)
			return &r->types[i];
	return NULL;
}
