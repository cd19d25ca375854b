/*
 * The "reception_rules" block of a matter type (type_data.h): which fields
 * of an official reception (公务接待, docs/reception.md) the compliance
 * checks read, and the standards they hold them to — data, so the
 * standard (元/人) and the host limits change without code.
 *
 *   "reception_rules": {"recorded_states": ["rc_recorded"],
 *     "letter_field": "e_letter_no", "confirmed_field": "confirmed_at",
 *     "unit_field": "dest_org", "guests_field": "guests_present",
 *     "hosts_field": "hosts", "meals_field": "meals", "cost_field": "cost",
 *     "date_field": "held_on", "from_field": "date_from", "to_field": "date_to",
 *     "max_hosts": 3, "small_group": 10, "cost_per_head": 120}
 *
 * letter_field is the string field holding the e-letter's number (the
 * issue_document effect's store_field). A reception breaks a rule
 * (core/receptions.c) when it has no confirmed letter; when its letter was
 * revoked before the receiving unit confirmed it; when more hosts sat at the meals than max_hosts
 * (guests ≤ small_group) or a third of the guests (more guests); when its cost per head and meal
 * (cost ÷ (guests + hosts) ÷ meals) is above cost_per_head; when its date lies outside the trip's
 * dates.
 */
#include "core/receptions.h"
#include "core/type_data.h"
#include "core/type_data_int.h"
#include "core/types.h"

#include <string.h>

static int field_of(struct tdl *L, json_t *o, const char *sub, enum field_kind kind,
                    const char *what, const char **out)
{
	char k[64];
	tdl_subkey(k, sizeof k, "reception_rules", sub);
	const char *name = json_string_value(json_object_get(o, sub));
	const struct type_field *f = type_field(L->t, name);
	if (!f || f->kind != kind)
		return tdl_bad(L, k, "必须是本类型 %s 类的字段", what);
	*out = name;
	return 0;
}

static int limit_of(struct tdl *L, json_t *o, const char *sub, int max, int *out)
{
	char k[64];
	tdl_subkey(k, sizeof k, "reception_rules", sub);
	json_t *v = json_object_get(o, sub);
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max)
		return tdl_bad(L, k, "必须是 1–%d 的整数", max);
	*out = (int)json_integer_value(v);
	return 0;
}

int tdl_load_reception(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {
	    "recorded_states", "letter_field",  "confirmed_field", "unit_field",
	    "guests_field",    "hosts_field",   "meals_field",     "cost_field",
	    "date_field",      "from_field",    "to_field",        "max_hosts",
	    "small_group",     "cost_per_head", "refused",         "confirm_action"};
	struct type_reception *R = &L->t->data.reception;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "reception_rules", keys, sizeof keys / sizeof keys[0]) != 0 ||
	    tdl_get_list(L, o, "reception_rules", "recorded_states", TDL_STATES,
	                 &R->recorded_states) != 0 ||
	    field_of(L, o, "letter_field", FK_STRING, "string", &R->letter_field) != 0 ||
	    field_of(L, o, "confirmed_field", FK_DATETIME, "datetime", &R->confirmed_field) != 0 ||
	    field_of(L, o, "unit_field", FK_ORG, "org", &R->unit_field) != 0 ||
	    field_of(L, o, "guests_field", FK_INT, "int", &R->guests_field) != 0 ||
	    field_of(L, o, "hosts_field", FK_INT, "int", &R->hosts_field) != 0 ||
	    field_of(L, o, "meals_field", FK_INT, "int", &R->meals_field) != 0 ||
	    field_of(L, o, "cost_field", FK_INT, "int", &R->cost_field) != 0 ||
	    field_of(L, o, "date_field", FK_DATE, "date", &R->date_field) != 0 ||
	    field_of(L, o, "from_field", FK_DATE, "date", &R->from_field) != 0 ||
	    field_of(L, o, "to_field", FK_DATE, "date", &R->to_field) != 0 ||
	    limit_of(L, o, "max_hosts", 50, &R->max_hosts) != 0 ||
	    limit_of(L, o, "small_group", 200, &R->small_group) != 0 ||
	    limit_of(L, o, "cost_per_head", 10000, &R->cost_per_head) != 0)
		goto bad;
	json_t *ref = json_object_get(o, "refused"), *v;
	const char *act;
	if (ref && !json_is_object(ref)) {
		tdl_bad(L, "reception_rules.refused", "须为 {动作: {\"kind\", \"reason\"}}");
		goto bad;
	}
	json_object_foreach(ref, act, v)
	{
		const char *kind = json_string_value(json_object_get(v, "kind"));
		const char *why = json_string_value(json_object_get(v, "reason"));
		if (!type_action(L->t, act) || !kind || !reception_kind_known(kind) || !why ||
		    !*why || json_object_size(v) != 2) {
			tdl_bad(L, "reception_rules.refused",
			        "%s 须为本类型的动作，值为 {\"kind\": 检查类别, \"reason\": 文字}",
			        act);
			goto bad;
		}
	}
	R->refused = ref;
	json_t *ca = json_object_get(o, "confirm_action");
	if (ca && !type_action(L->t, json_string_value(ca))) {
		tdl_bad(L, "reception_rules.confirm_action", "须为本类型的动作");
		goto bad;
	}
	R->confirm_action = json_string_value(ca);
	if (!R->recorded_states) {
		tdl_bad(L, "reception_rules.recorded_states", "须列出接待已登记的状态");
		goto bad;
	}
	return 0;
bad:
	memset(R, 0, sizeof *R);
	return -1;
}

const struct matter_type *types_reception(const struct type_registry *r)
{
	for (int i = 0; r && i < r->ntypes; i++)
		if (r->types[i].data.reception.recorded_states)
			return &r->types[i];
	return NULL;
}
