/*
 * The "campaign" block of a matter type (type_data.h): what the fields and
 * states of a finding of a discipline supervision campaign (专项监督检查:
 * docs/campaign.md) mean to the campaign pages and figures, which name
 * none of them.
 *
 *   "campaign": {"campaign_field": "campaign_id", "visit_field": "visit_id",
 *                "group_field": "group_id", "solved_states": ["sv_solved"]}
 *
 * The three fields must be the type's, of kind int (the campaign routes
 * fill them when a visit records its findings); the solved states the
 * type's. One type at most carries the block.
 */
#include "core/type_data.h"
#include "core/type_data_int.h"
#include "core/types.h"

#include <string.h>

static int int_field(struct tdl *L, json_t *o, const char *sub, const char **out)
{
	char k[64];
	tdl_subkey(k, sizeof k, "campaign", sub);
	const char *name = json_string_value(json_object_get(o, sub));
	const struct type_field *f = type_field(L->t, name);
	if (!f || f->kind != FK_INT)
		return tdl_bad(L, k, "必须是本类型 int 类的字段");
	*out = name;
	return 0;
}

int tdl_load_campaign(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"campaign_field", "visit_field", "group_field",
	                                   "solved_states"};
	struct type_campaign *C = &L->t->data.campaign;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "campaign", keys, sizeof keys / sizeof keys[0]) != 0 ||
	    int_field(L, o, "campaign_field", &C->campaign_field) != 0 ||
	    int_field(L, o, "visit_field", &C->visit_field) != 0 ||
	    int_field(L, o, "group_field", &C->group_field) != 0 ||
	    tdl_get_list(L, o, "campaign", "solved_states", TDL_STATES, &C->solved_states) != 0)
		goto bad;
	if (!C->solved_states) {
		tdl_bad(L, "campaign.solved_states", "须列出销号的状态");
		goto bad;
	}
	const struct matter_type *other = types_campaign(L->r);
	if (other && other != L->t) {
		tdl_bad(L, "campaign", "已有别的类型是监督检查发现的问题");
		goto bad;
	}
	return 0;
bad:
	memset(C, 0, sizeof *C);
	return -1;
}

const struct matter_type *types_campaign(const struct type_registry *r)
{
	for (int i = 0; r && i < r->ntypes; i++)
		if (r->types[i].data.campaign.campaign_field)
			return &r->types[i];
	return NULL;
}
