/*
 * The "checklists" and "inspection_plan" blocks of a matter type
 * (type_data.h): rolling safety inspection, 滚动排查 (docs/inspection.md).
 *
 *   "checklists": {"煤矿": [{"code": "MK-01", "text": "…", "category": "…"}, …], …}
 *       one checklist per industry of the enterprise registry
 *       (core/enterprises.h enterprise_industry_known): 1–100 items, each a
 *       code of 1–16 of [A-Za-z0-9-] given once in its list, a text of 1–100
 *       characters on one line and an optional category (what a hazard
 *       found on the item is filed under: spawn_cases' item_fields).
 *   "inspection_plan": {"by_risk": {"红": "monthly", …}, "periods":
 *       {"monthly": "month", …}, "inspecting_org": "dept.yj",
 *       "schedule_action": "jc_schedule", "period_field", "due_field",
 *       "results_field", "hazards_field", "missed_field"}
 *
 * An unknown industry, a duplicate code, a class or field the type lacks
 * stops the server at start with the file and the key named.
 */
#include "core/enterprises.h"
#include "core/type_data.h"
#include "core/type_data_int.h"
#include "core/types.h"

#include <stdio.h>
#include <string.h>

#include "util/text.h"

#define CHECKLIST_ITEMS_MAX 100
#define CHECKLIST_CODE_MAX 16
#define CHECKLIST_TEXT_MAX 100

static bool code_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > CHECKLIST_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* One industry's list: key is "checklists.INDUSTRY" for messages. */
static int load_list(struct tdl *L, const char *key, json_t *list)
{
	static const char *const item_keys[] = {"code", "text", "category"};
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > CHECKLIST_ITEMS_MAX)
		return tdl_bad(L, key, "须为 1–%d 个检查项的数组", CHECKLIST_ITEMS_MAX);
	size_t i, j;
	json_t *it, *prev;
	json_array_foreach(list, i, it)
	{
		char k[256];
		snprintf(k, sizeof k, "%s[%zu]", key, i);
		if (tdl_only_keys(L, it, k, item_keys, 3) != 0)
			return -1;
		const char *code = json_string_value(json_object_get(it, "code"));
		if (!code_ok(code))
			return tdl_bad(L, k, "code 须为 1–%d 个字母、数字或连字符",
			               CHECKLIST_CODE_MAX);
		if (text_fault(json_object_get(it, "text"), CHECKLIST_TEXT_MAX, TEXT_NONEMPTY) !=
		    TEXT_OK)
			return tdl_bad(L, k, "text 须为 1–%d 字的单行文本", CHECKLIST_TEXT_MAX);
		json_t *cat = json_object_get(it, "category");
		if (cat && text_fault(cat, 32, TEXT_NONEMPTY) != TEXT_OK)
			return tdl_bad(L, k, "category 须为 1–32 字的单行文本");
		json_array_foreach(list, j, prev)
		{
			if (j >= i)
				break;
			if (!strcmp(json_string_value(json_object_get(prev, "code")), code))
				return tdl_bad(L, k, "检查项编号 %s 重复", code);
		}
	}
	return 0;
}

int tdl_load_checklists(struct tdl *L, json_t *o)
{
	struct type_inspection *I = &L->t->data.inspection;
	bool wants = false;
	for (int i = 0; i < L->t->nfields; i++)
		wants |= L->t->fields[i].kind == FK_CHECKLIST;
	if (!o)
		return wants ? tdl_bad(L, "checklists", "有 checklist 类字段的类型须定义检查表")
		             : 0;
	if (!json_is_object(o) || json_object_size(o) == 0)
		return tdl_bad(L, "checklists", "须为 {行业: [检查项…]} 的非空对象");
	const char *industry;
	json_t *list;
	json_object_foreach(o, industry, list)
	{
		char k[200];
		snprintf(k, sizeof k, "checklists.%s", industry);
		if (!enterprise_industry_known(industry))
			return tdl_bad(L, k, "不是企业名录的行业");
		if (load_list(L, k, list) != 0)
			return -1;
	}
	I->checklists = o;
	return 0;
}

json_t *type_checklist(const struct matter_type *t, const char *industry)
{
	return industry ? json_object_get(t->data.inspection.checklists, industry) : NULL;
}

/* o[sub] names a field of the type of kind `kind`, into *out. */
static int plan_field(struct tdl *L, json_t *o, const char *sub, int kind, const char **out)
{
	char k[64];
	tdl_subkey(k, sizeof k, "inspection_plan", sub);
	const char *name = json_string_value(json_object_get(o, sub));
	const struct type_field *f = type_field(L->t, name);
	if (kind < 0) { /* a count the engine writes: a name, no field needed */
		if (!tdl_name_ok(name))
			return tdl_bad(L, k, "必须是字段名（字母、数字、下划线）");
	} else if (!f || f->kind != (enum field_kind)kind) {
		return tdl_bad(L, k, "必须是本类型%s类的字段",
		               kind == FK_STRING ? " string "
		               : kind == FK_DATE ? " date "
		                                 : " checklist ");
	}
	*out = name;
	return 0;
}

/* by_risk: each of the four risk levels → a class; periods: each class →
 * a period the generator knows. */
static int plan_classes(struct tdl *L, json_t *o, struct type_inspection *I)
{
	static const char *const risks[] = {"红", "橙", "黄", "蓝"};
	static const char *const periods[] = {"month", "quarter", "year"};
	json_t *by = json_object_get(o, "by_risk"), *per = json_object_get(o, "periods");
	if (!json_is_object(by) || json_object_size(by) != 4)
		return tdl_bad(L, "inspection_plan.by_risk", "须为 {红, 橙, 黄, 蓝: 分类}");
	for (int i = 0; i < 4; i++)
		if (!type_class(L->t, json_string_value(json_object_get(by, risks[i]))))
			return tdl_bad(L, "inspection_plan.by_risk", "%s 须为本类型的分类",
			               risks[i]);
	if (!json_is_object(per) || json_object_size(per) != (size_t)L->t->nclasses)
		return tdl_bad(L, "inspection_plan.periods", "须为每个分类给出周期");
	for (int i = 0; i < L->t->nclasses; i++)
		if (!str_in(json_string_value(json_object_get(per, L->t->classes[i].code)), periods,
		            3))
			return tdl_bad(L, "inspection_plan.periods",
			               "分类 %s 的周期须为 month、quarter 或 year",
			               L->t->classes[i].code);
	I->by_risk = by;
	I->periods = per;
	return 0;
}

int tdl_load_inspection(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"by_risk",         "periods",       "inspecting_org",
	                                   "schedule_action", "period_field",  "due_field",
	                                   "results_field",   "hazards_field", "missed_field"};
	struct type_inspection *I = &L->t->data.inspection;
	const struct type_action *a;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "inspection_plan", keys, sizeof keys / sizeof keys[0]) != 0 ||
	    plan_classes(L, o, I) != 0 ||
	    tdl_get_action(L, o, "inspection_plan", "schedule_action", true, &a) != 0 ||
	    plan_field(L, o, "period_field", FK_STRING, &I->period_field) != 0 ||
	    plan_field(L, o, "due_field", FK_DATE, &I->due_field) != 0 ||
	    plan_field(L, o, "results_field", FK_CHECKLIST, &I->results_field) != 0 ||
	    plan_field(L, o, "hazards_field", -1, &I->hazards_field) != 0 ||
	    plan_field(L, o, "missed_field", -1, &I->missed_field) != 0)
		goto bad;
	if (!a->system || a->on_assignment) {
		tdl_bad(L, "inspection_plan.schedule_action",
		        "须为系统执行、不作用于承办任务的动作");
		goto bad;
	}
	I->schedule_action = a->code;
	I->inspecting_org = json_string_value(json_object_get(o, "inspecting_org"));
	if (!I->inspecting_org || !*I->inspecting_org) {
		tdl_bad(L, "inspection_plan.inspecting_org", "须为单位编码");
		goto bad;
	}
	const struct matter_type *t2 = types_inspection(L->r);
	if (t2 && t2 != L->t) {
		tdl_bad(L, "inspection_plan", "类型 %s 已经定义排查计划，只能有一个", t2->code);
		goto bad;
	}
	return 0;
bad:
	I->by_risk = NULL;
	return -1;
}

const struct matter_type *types_inspection(const struct type_registry *r)
{
	for (int i = 0; r && i < r->ntypes; i++)
		if (r->types[i].data.inspection.by_risk)
			return &r->types[i];
	return NULL;
}
