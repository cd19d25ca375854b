/*
 * The field kind "checklist" (docs/inspection.md): an inspection's answers
 * to its enterprise's checklist, [{"item": "MK-01", "ok": true, "note"?:
 * "…"}, …]. The list to answer is the type's "checklists" entry for the
 * industry of the enterprise that owns the case (an enterprise is an org:
 * the enterprises row of the case's org). Every item is answered exactly
 * once, no code outside the list, ok a boolean, a note at most 500
 * characters. The checklists themselves are loaded and checked with the
 * type (type_data_inspection.c).
 */
#include "core/engine_int.h"

#include <stdio.h>
#include <string.h>

#include "util/text.h"

#define CHECKLIST_NOTE_MAX 500

/* The industry of the enterprise org_id into buf; 0, 1 when the org is no
 * registered enterprise, -1 when the store failed. */
int checklist_industry(struct store_conn *c, int64_t org_id, char *buf, size_t cap)
{
	struct store_stmt *s = store_stmt(c, ST_INSPECTION_INDUSTRY);
	sbind_int(s, 1, org_id);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		snprintf(buf, cap, "%s", scol_text(s, 0));
	sreset(s);
	return rc == STORE_ROW ? 0 : rc == STORE_DONE ? 1 : -1;
}

/* The checklist entry of `code` in list, or NULL. */
json_t *checklist_item(json_t *list, const char *code)
{
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		if (code && !strcmp(json_string_value(json_object_get(it, "code")), code))
			return it;
	}
	return NULL;
}

/* One answer: {"item", "ok", "note"?}. */
static int answer_check(const struct type_field *f, json_t *list, json_t *v, size_t i, json_t *a,
                        struct err *e)
{
	static const char *const keys[] = {"item", "ok", "note"};
	const char *code = json_string_value(json_object_get(a, "item"));
	json_t *note = json_object_get(a, "note");
	if (!json_is_object(a) || json_unknown_key(a, keys, 3) ||
	    !json_is_boolean(json_object_get(a, "ok")) || !code)
		return err_set(e, E_FIELD_INVALID, f->name,
		               "%s 第 %zu 项须为 {\"item\": 检查项编号, \"ok\": true 或 false, "
		               "\"note\"?: 说明}",
		               f->name, i + 1);
	if (note && text_fault(note, CHECKLIST_NOTE_MAX, TEXT_MULTILINE) != TEXT_OK)
		return err_set(e, E_FIELD_INVALID, f->name,
		               "%s 第 %zu 项的说明须为不超过 %d 字的文本", f->name, i + 1,
		               CHECKLIST_NOTE_MAX);
	if (!checklist_item(list, code))
		return err_set(e, E_FIELD_INVALID, f->name, "%s 第 %zu 项不是本行业检查表的检查项",
		               f->name, i + 1);
	for (size_t j = 0; j < i; j++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(v, j), "item")), code))
			return err_set(e, E_FIELD_INVALID, f->name, "%s 第 %zu 项重复回答了检查项",
			               f->name, i + 1);
	return 0;
}

int field_checklist_check(struct act_ctx *x, const struct type_field *f, json_t *v)
{
	char industry[64];
	int rc = checklist_industry(x->w->conn, x->cf->c.org_id, industry, sizeof industry);
	if (rc < 0)
		return store_fail(x->e);
	json_t *list = rc == 0 ? type_checklist(x->t, industry) : NULL;
	if (!list)
		return err_set(x->e, E_STATE_CONFLICT, f->name,
		               "该单位不是已登记的企业或其行业没有检查表");
	if (!json_is_array(v))
		return err_set(x->e, E_FIELD_INVALID, f->name, "%s 必须是检查项结果的数组",
		               f->name);
	if (json_array_size(v) != json_array_size(list))
		return err_set(x->e, E_FIELD_INVALID, f->name,
		               "%s 须逐项回答本行业检查表的全部 %zu 个检查项", f->name,
		               json_array_size(list));
	size_t i;
	json_t *a;
	json_array_foreach(v, i, a)
	{
		if (answer_check(f, list, v, i, a, x->e) != 0)
			return -1;
	}
	return 0;
}
