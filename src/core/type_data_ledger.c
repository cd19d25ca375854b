/*
 * The "ledger" block of a matter type (type_data.h): what a ledger of its
 * cases (台账), its summary table and its map read, by field and state
 * name, so that no C names them (docs/hazard.md):
 *
 *   "ledger": {"source": "source", "level": "level", "listed": "listed_level",
 *              "category": "category", "deadline": "deadline",
 *              "major": ["重大"], "done": ["hz_closed"], "excluded": ["hz_dismissed"]}
 *
 * source, level, listed, category: enum fields (the breakdowns and filters);
 * deadline: a date field; major: values of the level field drawn on the map
 * (with every listed case); done: the states that count as rectified (销号);
 * excluded: states that are no case at all for the figures (不构成隐患).
 * One type at most declares it (types_ledger).
 */
#include "core/type_data_int.h"
#include "core/types.h"

#include <string.h>

static int get_field(struct tdl *L, json_t *o, const char *sub, enum field_kind kind,
                     const char *what, const char **out)
{
	char k[64];
	tdl_subkey(k, sizeof k, "ledger", sub);
	const char *name = json_string_value(json_object_get(o, sub));
	const struct type_field *f = type_field(L->t, name);
	if (!f || f->kind != kind || !tdl_name_ok(name))
		return tdl_bad(L, k, "必须是本类型%s类的字段", what);
	*out = name;
	return 0;
}

int tdl_load_ledger(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {"source",   "level", "listed", "category",
	                                   "deadline", "major", "done",   "excluded"};
	struct type_ledger *G = &L->t->data.ledger;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "ledger", keys, sizeof keys / sizeof keys[0]) != 0 ||
	    get_field(L, o, "source", FK_ENUM, " enum ", &G->source) != 0 ||
	    get_field(L, o, "level", FK_ENUM, " enum ", &G->level) != 0 ||
	    get_field(L, o, "listed", FK_ENUM, " enum ", &G->listed) != 0 ||
	    get_field(L, o, "category", FK_ENUM, " enum ", &G->category) != 0 ||
	    get_field(L, o, "deadline", FK_DATE, " date ", &G->deadline) != 0 ||
	    tdl_get_list(L, o, "ledger", "done", TDL_FINAL_STATES, &G->done) != 0 ||
	    tdl_get_list(L, o, "ledger", "excluded", TDL_FINAL_STATES, &G->excluded) != 0)
		goto bad;
	json_t *major = json_object_get(o, "major");
	const struct type_field *lf = type_field(L->t, G->level);
	size_t i;
	json_t *v;
	if (!G->done || !json_is_array(major) || json_array_size(major) == 0) {
		tdl_bad(L, "ledger", "须有 done（终态）和 major（等级字段的取值）");
		goto bad;
	}
	json_array_foreach(major, i, v)
	{
		if (!type_field_has_value(lf, v)) {
			tdl_bad(L, "ledger.major", "第 %zu 项不是字段 %s 的取值", i + 1, G->level);
			goto bad;
		}
	}
	G->major = major;
	for (int k = 0; k < L->r->ntypes; k++)
		if (L->r->types[k].data.ledger.source && &L->r->types[k] != L->t) {
			tdl_bad(L, "ledger", "类型 %s 已有台账，只能有一个", L->r->types[k].code);
			goto bad;
		}
	return 0;
bad:
	memset(G, 0, sizeof *G);
	return -1;
}

const struct matter_type *types_ledger(const struct type_registry *r)
{
	for (int i = 0; r && i < r->ntypes; i++)
		if (r->types[i].data.ledger.source)
			return &r->types[i];
	return NULL;
}
