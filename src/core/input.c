/*
 * Input checks (input.h, engine_int.h): free text, a case type's fields, a
 * location, a reporter, an action's body. Each answers the first fault as
 * the 400 a client sees, naming the field; none writes to the store. The
 * order of checks within a request is the engine's (intake.c, action.c).
 */
#include "core/engine_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/geo.h"
#include "util/timeutil.h"

int text_check(json_t *v, const struct text_rule *r, struct err *e)
{
	enum text_fault f = text_fault(v, r->max, r->flags);
	if (f == TEXT_OK)
		return 0;
	if (f == TEXT_TOO_LONG && r->too_long)
		return err_set(e, E_FIELD_TOO_LONG, r->field, "%s", r->too_long);
	return err_set(e, E_FIELD_INVALID, r->field, "%s", r->invalid);
}

/* A string or text field of a type (FK_STRING, FK_TEXT). */
static int field_text_check(const struct type_field *f, json_t *v, struct err *e)
{
	int max = f->max ? f->max : f->kind == FK_STRING ? 200 : CASE_TEXT_MAX;
	switch (text_fault(v, (size_t)max, f->kind == FK_TEXT ? TEXT_MULTILINE : 0)) {
	case TEXT_OK:
		return 0;
	case TEXT_TOO_LONG:
		return err_set(e, E_FIELD_TOO_LONG, f->name, "%s 最多 %d 个字", f->name, max);
	case TEXT_CONTROL:
		return err_set(e, E_FIELD_INVALID, f->name, "%s 含有控制字符", f->name);
	default:
		return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是字符串", f->name);
	}
}

static int field_int_check(const struct type_field *f, json_t *v, struct err *e)
{
	if (!json_is_integer(v))
		return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是整数", f->name);
	if (json_integer_value(v) < f->min || (f->max && json_integer_value(v) > f->max))
		return err_set(e, E_FIELD_INVALID, f->name, "%s 必须在 %d–%d 之间", f->name, f->min,
		               f->max ? f->max : INT32_MAX);
	return 0;
}

static int field_orgs_check(struct store_conn *c, const struct type_field *f, json_t *v,
                            struct err *e)
{
	int max = f->max ? f->max : 20;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是非空的单位列表", f->name);
	if (json_array_size(v) > (size_t)max)
		return err_set(e, E_FIELD_TOO_LONG, f->name, "%s 最多 %d 个单位", f->name, max);
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x)
	{
		int64_t id;
		if (org_resolve(c, x, &id, NULL, 0, NULL, 0) != 0)
			return err_set(e, E_FIELD_INVALID, f->name, "%s 中有未知的单位", f->name);
	}
	return 0;
}

/* A collection topic (征集主题) open today, Asia/Shanghai: not closed and
 * today inside its period (store/stmt_suggestion.h). */
static int field_topic_check(struct store_conn *c, const struct type_field *f, json_t *v,
                             struct err *e)
{
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是征集主题 id", f->name);
	int y, m, d;
	char today[16];
	time_ymd_from_day(time_day_of(time_now_ms()), &y, &m, &d);
	snprintf(today, sizeof today, "%04d-%02d-%02d", y, m, d);
	struct store_stmt *s = store_stmt(c, ST_TOPIC_IS_OPEN);
	sbind_int(s, 1, json_integer_value(v));
	sbind_text(s, 2, today);
	int rc = sstep(s);
	sreset(s);
	if (rc == STORE_DONE)
		return err_set(e, E_FIELD_INVALID, f->name, "该征集主题不存在或已结束征集");
	return rc == STORE_ROW ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

static bool enum_listed(const struct type_field *f, json_t *v)
{
	size_t i;
	json_t *x;
	if (json_is_string(v))
		json_array_foreach(f->values, i, x) if (json_equal(x, v)) return true;
	return false;
}

/* FK_ENUMS: 1–max values of the field's list, each once (the materials an
 * application lacks, all named in one notice). */
static int field_enums_check(const struct type_field *f, json_t *v, struct err *e)
{
	size_t i, j;
	json_t *x;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是非空的列表", f->name);
	if (json_array_size(v) > (size_t)f->max)
		return err_set(e, E_FIELD_TOO_LONG, f->name, "%s 最多 %d 项", f->name, f->max);
	json_array_foreach(v, i, x)
	{
		if (!enum_listed(f, x))
			return err_set(e, E_FIELD_INVALID, f->name, "%s 的第 %zu 项不在允许范围内",
			               f->name, i + 1);
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, j), x))
				return err_set(e, E_FIELD_INVALID, f->name, "%s 的第 %zu 项重复",
				               f->name, i + 1);
	}
	return 0;
}

/* Checks one input value against its field definition. */
static int field_check(struct store_conn *c, const struct type_field *f, json_t *v, struct err *e)
{
	int64_t id, t;
	switch (f->kind) {
	case FK_STRING:
	case FK_TEXT:
		return field_text_check(f, v, e);
	case FK_INT:
		return field_int_check(f, v, e);
	case FK_BOOL:
		if (!json_is_boolean(v))
			return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是 true 或 false",
			               f->name);
		return 0;
	case FK_ENUM:
		if (!enum_listed(f, v))
			return err_set(e, E_FIELD_INVALID, f->name, "%s 的取值不在允许范围内",
			               f->name);
		return 0;
	case FK_ORG:
		if (org_resolve(c, v, &id, NULL, 0, NULL, 0) != 0)
			return err_set(e, E_FIELD_INVALID, f->name, "%s 不是已知的单位", f->name);
		return 0;
	case FK_ORGS:
		return field_orgs_check(c, f, v, e);
	case FK_CASE:
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是工单 id", f->name);
		return 0;
	case FK_DATETIME:
		if (!json_is_string(v) || time_parse_iso(json_string_value(v), &t) != 0)
			return err_set(e, E_FIELD_INVALID, f->name, "%s 不是合法的时间", f->name);
		return 0;
	case FK_TOPIC:
		return field_topic_check(c, f, v, e);
	case FK_LIST:
		return field_list_check(c, f, v, e);
	case FK_MILESTONES:
		return field_milestones_check(f, v, e);
	case FK_DATE:
		return field_date_check(f, v, e);
	case FK_ENUMS:
		return field_enums_check(f, v, e);
	case FK_CHECKLIST: /* answered on an action, against the case's enterprise */
		return err_set(e, E_FIELD_INVALID, f->name, "%s 只能在记录检查结果时填写", f->name);
	}
	return err_set(e, E_FIELD_INVALID, f->name, NULL);
}

/* Every required field of fields[0..n) present in o. */
static int required_check(const struct type_field *fields, int n, json_t *o, struct err *e)
{
	for (int i = 0; i < n; i++)
		if (fields[i].required && !json_object_get(o, fields[i].name))
			return err_set(e, E_FIELD_REQUIRED, fields[i].name, "缺少字段 %s",
			               fields[i].name);
	return 0;
}

int case_fields_check(struct store_conn *c, const struct matter_type *t, json_t *fields,
                      struct err *e)
{
	if (!json_is_object(fields))
		return err_set(e, E_FIELD_INVALID, "fields", "fields 必须是对象");
	if (json_object_size(fields) > CASE_FIELDS_MAX)
		return err_set(e, E_FIELD_TOO_LONG, "fields", NULL);
	const char *key;
	json_t *v;
	json_object_foreach(fields, key, v)
	{
		const struct type_field *f = type_field(t, key);
		if (!f)
			return err_set(e, E_FIELD_UNKNOWN, key, "类型 %s 没有字段 %s", t->code,
			               key);
		if (field_check(c, f, v, e) != 0)
			return -1;
	}
	return required_check(t->fields, t->nfields, fields, e);
}

/* The action's own field named key, or the comment every action takes. */
static const struct type_field *action_field(const struct type_action *act, const char *key)
{
	static const struct type_field comment = {
	    .name = "comment", .kind = FK_TEXT, .max = COMMENT_MAX};
	for (int i = 0; i < act->nfields; i++)
		if (!strcmp(act->fields[i].name, key))
			return &act->fields[i];
	return strcmp(key, "comment") ? NULL : &comment;
}

int action_body_check(struct act_ctx *x)
{
	if (!json_is_object(x->body))
		return err_set(x->e, E_BAD_REQUEST, NULL, "请求体必须是 JSON 对象");
	const char *key;
	json_t *v;
	json_object_foreach(x->body, key, v)
	{
		if (!strcmp(key, "version")) {
			if (!json_is_integer(v))
				return err_set(x->e, E_FIELD_INVALID, "version",
				               "version 必须是整数");
			continue;
		}
		const struct type_field *f = action_field(x->act, key);
		if (!f)
			return err_set(x->e, E_FIELD_UNKNOWN, key, "操作 %s 不接受字段 %s",
			               x->act->code, key);
		if (f->kind == FK_CHECKLIST ? field_checklist_check(x, f, v) != 0
		                            : field_check(x->w->conn, f, v, x->e) != 0)
			return -1;
	}
	return required_check(x->act->fields, x->act->nfields, x->body, x->e);
}

/* ------------------------------------------------------------------ */
/* location and reporter                                               */

/* o is an object holding only keys[0..n); field names it in the error. */
static int object_keys_check(json_t *o, const char *field, const char *const *keys, size_t n,
                             struct err *e)
{
	if (!json_is_object(o))
		return err_set(e, E_FIELD_INVALID, field, "%s 必须是对象", field);
	const char *bad = json_unknown_key(o, keys, n);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, field, "%s 中有未知字段 %s", field, bad);
	return 0;
}

static const char *const location_keys[] = {"lat", "lng", "crs", "address"};
static const struct text_rule address_rule = {
    .field = "location.address",
    .max = CASE_ADDRESS_MAX,
    .invalid = "地址必须是不超过 " TEXT_STR(CASE_ADDRESS_MAX) " 字的字符串",
    .too_long = "地址最多 " TEXT_STR(CASE_ADDRESS_MAX) " 字",
};
/* An address given alone must say something. */
static const struct text_rule address_alone_rule = {
    .field = "location.address",
    .max = CASE_ADDRESS_MAX,
    .flags = TEXT_NONEMPTY,
    .invalid = "只有地址时，地址必须是非空的单行文字",
    .too_long = "地址最多 " TEXT_STR(CASE_ADDRESS_MAX) " 字",
};

/* The member key of o, with JSON null taken as absent. */
static json_t *member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_null(v) ? NULL : v;
}

/* lat and lng (both present) checked and, with crs, converted to WGS-84
 * into *out. 0, or -1 with *e set. */
static int coordinates_check(json_t *loc, json_t *lat, json_t *lng, json_t **out, struct err *e)
{
	if (!json_is_number(lat) || !json_is_number(lng))
		return err_set(e, E_FIELD_INVALID, "location", "location 需要数值 lat 和 lng");
	double la = json_number_value(lat), lo = json_number_value(lng);
	if (la < -90 || la > 90 || lo < -180 || lo > 180)
		return err_set(e, E_FIELD_INVALID, "location", "经纬度超出范围");
	json_t *jcrs = member(loc, "crs");
	const char *crs = json_string_value(jcrs);
	if (jcrs && !crs)
		return err_set(e, E_FIELD_INVALID, "location.crs", "crs 必须是字符串");
	if (crs && strcmp(crs, "wgs84") && strcmp(crs, "gcj02") && strcmp(crs, "bd09"))
		return err_set(e, E_FIELD_INVALID, "location.crs",
		               "crs 只能是 wgs84、gcj02 或 bd09");
	if (crs && strcmp(crs, "wgs84"))
		geo_to_wgs84(crs, &la, &lo);
	*out = json_pack("{s:f,s:f}", "lat", la, "lng", lo);
	return *out ? 0 : err_oom(e);
}

int case_location_check(json_t *loc, json_t **out, struct err *e)
{
	*out = NULL;
	if (object_keys_check(loc, "location", location_keys, 4, e) != 0)
		return -1;
	json_t *lat = member(loc, "lat"), *lng = member(loc, "lng");
	json_t *addr = member(loc, "address");
	if (lat && !lng)
		return err_set(e, E_FIELD_REQUIRED, "location.lng", "lat 和 lng 须同时提供");
	if (lng && !lat)
		return err_set(e, E_FIELD_REQUIRED, "location.lat", "lat 和 lng 须同时提供");
	if (!lat) {
		if (member(loc, "crs"))
			return err_set(e, E_FIELD_INVALID, "location.crs",
			               "没有经纬度时不能指定 crs");
		if (!addr)
			return err_set(e, E_FIELD_REQUIRED, "location",
			               "location 须有地址 address，或经纬度 lat 和 lng");
		if (text_check(addr, &address_alone_rule, e) != 0)
			return -1;
		*out = json_pack("{s:O}", "address", addr);
		return *out ? 0 : err_oom(e);
	}
	if (coordinates_check(loc, lat, lng, out, e) != 0)
		return -1;
	int rc = 0;
	if (addr && text_check(addr, &address_rule, e) != 0)
		rc = -1;
	else if (addr && json_object_set(*out, "address", addr) != 0)
		rc = err_oom(e);
	if (rc != 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

static const char *const reporter_keys[] = {"name", "phone", "confidential"};
static const struct text_rule reporter_name_rule = {
    .field = "reporter.name",
    .max = REPORTER_NAME_MAX,
    .invalid = "姓名必须是不超过 " TEXT_STR(REPORTER_NAME_MAX) " 字的字符串",
};

/* The reporter as stored: {"name"?,"phone"?} sealed (util/crypto.h). */
static int reporter_seal(const struct app *app, json_t *name, json_t *phone, unsigned char **enc,
                         size_t *enclen, struct err *e)
{
	json_t *plain = json_object();
	if (name)
		json_object_set(plain, "name", name);
	if (phone)
		json_object_set(plain, "phone", phone);
	char *text = json_canonical(plain);
	json_decref(plain);
	int rc = text ? seal(&app->keys, text, strlen(text), enc, enclen) : -1;
	free(text);
	return rc == 0 ? 0 : err_set(e, E_INTERNAL, NULL, NULL);
}

int reporter_check(const struct app *app, json_t *rep, bool *confidential, unsigned char **enc,
                   size_t *enclen, unsigned char idx[HASH_LEN], bool *has_idx, struct err *e)
{
	if (object_keys_check(rep, "reporter", reporter_keys, 3, e) != 0)
		return -1;
	json_t *name = json_object_get(rep, "name"), *phone = json_object_get(rep, "phone");
	json_t *conf = json_object_get(rep, "confidential");
	if (name && text_check(name, &reporter_name_rule, e) != 0)
		return -1;
	if (phone && (!json_is_string(phone) || !phone_valid(json_string_value(phone))))
		return err_set(e, E_FIELD_INVALID, "reporter.phone",
		               "电话号码不正确（手机 11 位，座机含区号）");
	if (conf && !json_is_boolean(conf))
		return err_set(e, E_FIELD_INVALID, "reporter.confidential",
		               "confidential 必须是布尔值");
	if (json_is_true(conf))
		*confidential = true;
	if (phone) {
		blind_index(&app->keys, json_string_value(phone), idx);
		*has_idx = true;
	}
	return reporter_seal(app, name, phone, enc, enclen, e);
}
