/*
 * Public tracking by a party's ID number and the published procedure
 * (issue 14, docs/homestead.md):
 *
 * GET /api/v1/public/homestead?no=&id_tail= — the applicant follows an
 * application with its number and the last four characters of their
 * resident ID. The type is the one whose "party_track" block names the
 * party role (type_data_guide.c): no C names it. The answer is public
 * tracking's (api/public.c) plus the applicant's name masked and the
 * fields the block lists (the 领办人's name and phone, the materials still
 * missing); never the ID number, the household, the phone. Every miss is
 * the same 404 and counts against the client address; after
 * PARTY_MISS_MAX misses in PARTY_WINDOW_MS it gets 429 (api/addr_limit.h).
 *
 * GET /api/v1/public/guides/{type} — the type's "guide" block (办事指南)
 * with its classes' time limits and the materials list, for anyone.
 */
#include "api/addr_limit.h"
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"
#include "core/parties.h"
#include "core/type_data.h"
#include "core/types.h"

#include <sodium.h>
#include <string.h>

#include "util/text.h"
#include "util/timeutil.h"

#define PARTY_TAIL_LEN 4
#define PARTY_MISS_MAX 20
#define PARTY_WINDOW_MS (15 * MS_PER_MINUTE)

static struct addr_limit party_misses = ADDR_LIMIT_INIT(PARTY_MISS_MAX, PARTY_WINDOW_MS);

/* Four characters of an ID number's end: digits, the last may be X (GB
 * 11643's check character); upper-cased into out. */
static bool tail_ok(const char *s, char out[PARTY_TAIL_LEN + 1])
{
	if (!s || strlen(s) != PARTY_TAIL_LEN)
		return false;
	for (int i = 0; i < PARTY_TAIL_LEN; i++) {
		char c = s[i];
		if (i == PARTY_TAIL_LEN - 1 && (c == 'x' || c == 'X'))
			c = 'X';
		else if (c < '0' || c > '9')
			return false;
		out[i] = c;
	}
	out[PARTY_TAIL_LEN] = 0;
	return true;
}

static enum handler_result party_miss(struct req *r, int64_t now)
{
	addr_limit_count(&party_misses, r->address, now);
	return reply_err(r, E_NOT_FOUND, NULL,
	                 "未查到该申请，请核对申请编号和申请人身份证号后四位");
}

/* The fields party_track lists that the case holds, as {name, label, value}. */
static json_t *shown_fields(const struct matter_type *t, json_t *fields)
{
	json_t *out = json_array(), *v;
	size_t i;
	json_array_foreach(t->data.track_fields, i, v)
	{
		const struct type_field *f = type_field(t, json_string_value(v));
		json_t *val = json_object_get(fields, f->name);
		if (val)
			json_array_append_new(out, json_pack("{s:s,s:s,s:O}", "name", f->name,
			                                     "label", f->label ? f->label : f->name,
			                                     "value", val));
	}
	return out;
}

/* GET /api/v1/public/homestead?no=&id_tail= */
enum handler_result api_public_party_track(struct req *r)
{
	int64_t now = time_real_ms();
	const struct matter_type *t = types_party_track(r->app->types);
	if (!t)
		return reply_err(r, E_NOT_FOUND, NULL, "本系统未开通按身份证号查询");
	if (!addr_limit_allowed(&party_misses, r->address, now))
		return reply_err(r, E_THROTTLED, NULL, "查询失败次数过多，请 15 分钟后再试");
	const char *no = req_query(r, "no");
	char tail[PARTY_TAIL_LEN + 1];
	if (!public_no_ok(no) || !tail_ok(req_query(r, "id_tail"), tail))
		return party_miss(r, now);
	struct store_stmt *s = store_stmt(r->reader, ST_PUBLIC_CASE_BY_NO);
	sbind_text(s, 1, no);
	int64_t id = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	struct case_full cf;
	if (!id || case_load(r->reader, r->app, id, &cf) != 0)
		return party_miss(r, now);
	json_t *p = cf.c.type == t
	                ? parties_first_of_role(r->reader, r->app, id, t->data.track_role)
	                : NULL;
	const char *idno = json_string_value(json_object_get(p, "id_no"));
	size_t n = idno ? strlen(idno) : 0;
	if (n < PARTY_TAIL_LEN ||
	    sodium_memcmp(idno + n - PARTY_TAIL_LEN, tail, PARTY_TAIL_LEN) != 0) {
		json_decref(p);
		case_full_release(&cf);
		return party_miss(r, now);
	}
	json_t *out = public_track_json(r->reader, &cf);
	char masked[64];
	const char *name = json_string_value(json_object_get(p, "name"));
	mask_name(name ? name : "", masked, sizeof masked);
	json_object_set_new(out, "applicant", json_string(masked));
	json_object_set_new(out, "fields", shown_fields(t, cf.c.fields));
	json_decref(p);
	case_full_release(&cf);
	return reply_json(r, 200, out);
}

/* The classes of t with their time limits, as the guide shows them. */
static json_t *guide_classes(const struct matter_type *t)
{
	json_t *out = json_array(), *c;
	size_t i;
	json_array_foreach(json_object_get(t->json, "classes"), i, c) json_array_append_new(
	    out, json_pack("{s:O,s:O,s:O}", "code", json_object_get(c, "code"), "name",
	                   json_object_get(c, "name"), "deadline", json_object_get(c, "deadline")));
	return out;
}

/* GET /api/v1/public/guides/{type} */
enum handler_result api_public_guide(struct req *r)
{
	const struct matter_type *t = types_find(r->app->types, r->params[0]);
	if (!t || !t->data.guide)
		return reply_err(r, E_NOT_FOUND, NULL, "没有这个事项的办事指南");
	json_t *out = json_deep_copy(t->data.guide);
	json_object_del(out, "materials_field");
	json_object_set_new(out, "type", json_string(t->code));
	json_object_set_new(out, "type_name", json_string(t->name));
	json_object_set_new(out, "classes", guide_classes(t));
	json_object_set_new(out, "materials",
	                    t->data.guide_materials ? json_incref(t->data.guide_materials)
	                                            : json_array());
	return reply_json(r, 200, out);
}
