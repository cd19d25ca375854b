/*
 * The checks of a new or changed enterprise (enterprises.h
 * enterprise_check): every member of the body, each error naming its field
 * in Chinese; then where it lies — the township named, or the one that
 * holds its point — and the grid its point falls in.
 */
#include "core/enterprises.h"
#include "core/input.h"
#include "core/placement.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"
#include "util/utf8.h"

static const char *const body_keys[] = {"name",     "credit_code", "industry", "risk_level",
                                        "township", "location",    "contacts", "version"};
static const char *const contact_roles[] = {"legal_rep", "safety_officer"};
static const char *const contact_keys[] = {"name", "phone"};

static const struct text_rule name_rule = {
    .field = "name",
    .max = ENT_NAME_MAX,
    .flags = TEXT_NONEMPTY,
    .invalid = "企业名称须为非空单行文本",
    .too_long = "企业名称最多 " TEXT_STR(ENT_NAME_MAX) " 字",
};

/* A member present and not null. */
static json_t *member(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_null(v) ? NULL : v;
}

/* One contact {"name","phone"?} of role r, checked into a new object. */
static int contact_check(const char *r, json_t *p, json_t **out, struct err *e)
{
	char field[48], clip[UTF8_CLIP_BUF];
	*out = NULL;
	snprintf(field, sizeof field, "contacts.%s", r);
	if (!json_is_object(p))
		return err_set(e, E_FIELD_INVALID, field, "联系人须为 {name, phone} 对象");
	const char *bad = json_unknown_key(p, contact_keys, 2);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, field, "联系人信息中有未知字段 %s",
		               utf8_clip(bad, 32, clip, sizeof clip));
	snprintf(field, sizeof field, "contacts.%s.name", r);
	const struct text_rule rule = {
	    .field = field,
	    .max = ENT_PERSON_MAX,
	    .flags = TEXT_NONEMPTY,
	    .invalid = "联系人姓名须为非空单行文本",
	    .too_long = "联系人姓名最多 " TEXT_STR(ENT_PERSON_MAX) " 字",
	};
	json_t *name = json_object_get(p, "name"), *phone = member(p, "phone");
	if (!name)
		return err_set(e, E_FIELD_REQUIRED, field, "请填写联系人姓名");
	if (text_check(name, &rule, e) != 0)
		return -1;
	snprintf(field, sizeof field, "contacts.%s.phone", r);
	if (phone && (!json_is_string(phone) || !phone_valid(json_string_value(phone))))
		return err_set(e, E_FIELD_INVALID, field,
		               "电话号码不正确（手机 11 位，座机含区号）");
	*out = json_pack("{s:O}", "name", name);
	if (*out && phone)
		json_object_set(*out, "phone", phone);
	return *out ? 0 : err_oom(e);
}

/* body.contacts over the old ones (a role given null is removed). */
static int contacts_check(json_t *v, json_t *contacts, struct err *e)
{
	char clip[UTF8_CLIP_BUF];
	if (!json_is_object(v))
		return err_set(e, E_FIELD_INVALID, "contacts",
		               "contacts 须为 {legal_rep, safety_officer} 对象");
	const char *bad = json_unknown_key(v, contact_roles, 2);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, "contacts",
		               "联系人只有 legal_rep（法定代表人）和 safety_officer（安全负责人），"
		               "没有 %s",
		               utf8_clip(bad, 32, clip, sizeof clip));
	for (size_t i = 0; i < 2; i++) {
		json_t *p = json_object_get(v, contact_roles[i]), *c;
		if (!p)
			continue;
		if (json_is_null(p)) {
			json_object_del(contacts, contact_roles[i]);
			continue;
		}
		if (contact_check(contact_roles[i], p, &c, e) != 0)
			return -1;
		json_object_set_new(contacts, contact_roles[i], c);
	}
	return 0;
}

/* A string member that must be one of a fixed list. */
static int listed(json_t *v, const char *field, bool (*known)(const char *), const char *what,
                  char *out, size_t cap, struct err *e)
{
	char clip[UTF8_CLIP_BUF];
	if (!json_is_string(v))
		return err_set(e, E_FIELD_INVALID, field, "%s须为字符串", what);
	const char *s = json_string_value(v);
	if (!known(s) || strlen(s) >= cap)
		return err_set(e, E_FIELD_INVALID, field, "%s“%s”不在允许的范围内", what,
		               utf8_clip(s, 16, clip, sizeof clip));
	snprintf(out, cap, "%s", s);
	return 0;
}

/* The org v names (id or code) with its kind; 0, or -1 if none. */
static int org_kind_of(struct store_conn *c, json_t *v, int64_t *id, char *kind, size_t kindcap,
                       char *code, size_t codecap, char *path, size_t pathcap)
{
	struct store_stmt *s;
	if (json_is_integer(v)) {
		s = store_stmt(c, ST_ORG_BY_ID);
		sbind_int(s, 1, json_integer_value(v));
	} else if (json_is_string(v) && json_string_length(v) <= 64) {
		s = store_stmt(c, ST_ORG_BY_CODE);
		sbind_text(s, 1, json_string_value(v));
	} else {
		return -1;
	}
	int rc = sstep(s);
	if (rc == STORE_ROW) {
		*id = scol_int(s, 0);
		snprintf(code, codecap, "%s", scol_text(s, 1));
		snprintf(kind, kindcap, "%s", scol_text(s, 3));
		snprintf(path, pathcap, "%s", scol_text(s, 5));
	}
	sreset(s);
	return rc == STORE_ROW ? 0 : -1;
}

/* Where n lies: the township (body's, else old's unless the point moved,
 * else the one holding the point) and the grid holding its point. */
static int place(struct store_conn *c, json_t *township, bool moved, const struct enterprise *old,
                 struct enterprise_new *n, struct err *e)
{
	char kind[32];
	struct placement pl = {.status = PLACE_NONE};
	if (n->has_point && placement_find(c, n->lng, n->lat, &pl) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (township) {
		if (org_kind_of(c, township, &n->township_id, kind, sizeof kind, n->township_code,
		                sizeof n->township_code, n->township_path,
		                sizeof n->township_path) != 0 ||
		    strcmp(kind, "township"))
			return err_set(e, E_FIELD_INVALID, "township",
			               "township 须为已知的乡镇（街道）");
	} else if (old && !moved) {
		json_t *id = json_integer(old->township_id);
		int rc =
		    org_kind_of(c, id, &n->township_id, kind, sizeof kind, n->township_code,
		                sizeof n->township_code, n->township_path, sizeof n->township_path);
		json_decref(id);
		if (rc != 0)
			return err_set(e, E_UNAVAILABLE, NULL, NULL);
	} else if (pl.status == PLACE_PLACED) {
		struct store_stmt *s = store_stmt(c, ST_ENT_TOWNSHIP_OF);
		sbind_text(s, 1, pl.org_path);
		int rc = sstep(s);
		if (rc == STORE_ROW) {
			n->township_id = scol_int(s, 0);
			snprintf(n->township_code, sizeof n->township_code, "%s", scol_text(s, 1));
			snprintf(n->township_path, sizeof n->township_path, "%s", scol_text(s, 2));
		}
		sreset(s);
		if (rc != STORE_ROW && rc != STORE_DONE)
			return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	if (!n->township_id)
		return err_set(e, township ? E_FIELD_INVALID : E_FIELD_REQUIRED, "township",
		               n->has_point ? "企业位置不在任何乡镇（街道）范围内，请选择所属乡镇"
		                            : "请选择所属乡镇（街道），或给出企业位置的经纬度");
	/* the grid: the placed org when it is a grid of this township */
	n->grid_id = 0;
	if (pl.status == PLACE_PLACED && path_within(pl.org_path, n->township_path)) {
		int64_t gid;
		char gcode[64], gpath[ORG_PATH_MAX];
		json_t *id = json_integer(pl.org_id);
		if (org_kind_of(c, id, &gid, kind, sizeof kind, gcode, sizeof gcode, gpath,
		                sizeof gpath) == 0 &&
		    !strcmp(kind, "grid"))
			n->grid_id = gid;
		json_decref(id);
	}
	return 0;
}

/* The old enterprise's values into n, for a PATCH. */
static int keep_old(struct store_conn *c, const struct keys *k, const struct enterprise *old,
                    struct enterprise_new *n, struct err *e)
{
	n->org_id = old->org_id;
	snprintf(n->name, sizeof n->name, "%s", old->name);
	snprintf(n->credit_code, sizeof n->credit_code, "%s", old->credit_code);
	snprintf(n->industry, sizeof n->industry, "%s", old->industry);
	snprintf(n->risk_level, sizeof n->risk_level, "%s", old->risk_level);
	snprintf(n->address, sizeof n->address, "%s", old->address);
	n->has_point = old->has_point;
	n->lng = old->lng;
	n->lat = old->lat;
	n->contacts = enterprise_contacts(c, k, old->org_id);
	return n->contacts ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

static int location_take(json_t *v, struct enterprise_new *n, struct err *e)
{
	json_t *loc = NULL;
	if (case_location_check(v, &loc, e) != 0)
		return -1;
	json_t *lng = json_object_get(loc, "lng"), *lat = json_object_get(loc, "lat");
	const char *addr = json_string_value(json_object_get(loc, "address"));
	n->has_point = lng && lat;
	n->lng = n->has_point ? json_number_value(lng) : 0;
	n->lat = n->has_point ? json_number_value(lat) : 0;
	snprintf(n->address, sizeof n->address, "%s", addr ? addr : "");
	json_decref(loc);
	if (addr && utf8_chars(addr) > ENT_ADDRESS_MAX)
		return err_set(e, E_FIELD_TOO_LONG, "location.address",
		               "地址最多 " TEXT_STR(ENT_ADDRESS_MAX) " 字");
	return 0;
}

int enterprise_check(struct store_conn *c, const struct keys *k, json_t *body,
                     const struct enterprise *old, struct enterprise_new *n, struct err *e)
{
	char clip[UTF8_CLIP_BUF], why[CREDITCODE_WHY_MAX];
	memset(n, 0, sizeof *n);
	if (!json_is_object(body))
		return err_set(e, E_BAD_REQUEST, NULL, "请求体须为 JSON 对象");
	const char *bad = json_unknown_key(body, body_keys, old ? 8 : 7);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, bad, "不认识的字段 %s",
		               utf8_clip(bad, 32, clip, sizeof clip));
	if (old && keep_old(c, k, old, n, e) != 0)
		return -1;
	if (!n->contacts && !(n->contacts = json_object()))
		return err_oom(e);
	static const char *const required[] = {"name", "credit_code", "industry", "risk_level"};
	for (size_t i = 0; !old && i < 4; i++)
		if (!member(body, required[i]))
			return err_set(e, E_FIELD_REQUIRED, required[i], "缺少字段 %s",
			               required[i]);
	json_t *v;
	if ((v = member(body, "name"))) {
		if (text_check(v, &name_rule, e) != 0)
			return -1;
		snprintf(n->name, sizeof n->name, "%s", json_string_value(v));
	}
	if ((v = member(body, "credit_code"))) {
		if (!json_is_string(v))
			return err_set(e, E_FIELD_INVALID, "credit_code",
			               "统一社会信用代码须为字符串");
		if (!creditcode_valid(json_string_value(v), n->credit_code, why))
			return err_set(e, E_FIELD_INVALID, "credit_code", "%s", why);
	}
	if ((v = member(body, "industry")) &&
	    listed(v, "industry", enterprise_industry_known, "行业类别", n->industry,
	           sizeof n->industry, e) != 0)
		return -1;
	if ((v = member(body, "risk_level")) &&
	    listed(v, "risk_level", enterprise_risk_known, "风险等级（红、橙、黄、蓝）",
	           n->risk_level, sizeof n->risk_level, e) != 0)
		return -1;
	json_t *loc = json_object_get(body, "location");
	if (loc && json_is_null(loc)) {
		n->has_point = false;
		n->address[0] = '\0';
	} else if (loc && location_take(loc, n, e) != 0) {
		return -1;
	}
	bool moved = loc && (!old || n->has_point != old->has_point || n->lng != old->lng ||
	                     n->lat != old->lat);
	if ((v = json_object_get(body, "contacts")) && !json_is_null(v) &&
	    contacts_check(v, n->contacts, e) != 0)
		return -1;
	return place(c, member(body, "township"), moved, old, n, e);
}

void enterprise_new_release(struct enterprise_new *n)
{
	json_decref(n->contacts);
	n->contacts = NULL;
}
