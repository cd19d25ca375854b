/*
 * Case creation and actions (engine.h). Everything here runs inside a writer
 * job: it reads the current case, checks visibility, permission, input,
 * version and state, in that order, then writes the new state, assignments,
 * timers and one event. Any failure returns -1 with *e set, and the writer
 * rolls the job's savepoint back, so nothing is partly written.
 *
 * Effects are the only type-specific behaviour in C: small named steps
 * listed in effect_table and referenced from type definitions.
 */
#include "core/engine.h"
#include "core/app.h"
#include "core/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/geo.h"
#include "util/timeutil.h"
#include "util/utf8.h"

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

bool text_has_control(const char *s, bool allow_newlines)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 && !(allow_newlines && (ch == '\n' || ch == '\r' || ch == '\t')))
			return true;
		if (ch == 0x7f)
			return true;
	}
	return false;
}

char *json_canonical(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

bool phone_valid(const char *p)
{
	size_t n = strlen(p);
	if (n == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9') {
		for (size_t i = 0; i < n; i++)
			if (p[i] < '0' || p[i] > '9')
				return false;
		return true;
	}
	if (n == 5) { /* service numbers: 12345, 95598 */
		for (size_t i = 0; i < n; i++)
			if (p[i] < '0' || p[i] > '9')
				return false;
		return true;
	}
	if (p[0] == '1')
		return false; /* a mobile number is exactly 11 digits */
	/* landline: 0 + area code (2-3 digits after the 0), optional dash, 7-8 digits */
	if (p[0] != '0' || n < 10 || n > 13)
		return false;
	int dashes = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '-' && i > 0 && i + 1 < n)
			dashes++;
		else if (p[i] < '0' || p[i] > '9')
			return false;
	}
	return dashes <= 1;
}

void mask_phone(const char *phone, char *out, size_t cap)
{
	size_t n = strlen(phone);
	if (n >= 11)
		snprintf(out, cap, "%.3s****%s", phone, phone + n - 4);
	else if (n > 4)
		snprintf(out, cap, "****%s", phone + n - 4);
	else
		snprintf(out, cap, "****");
}

void mask_name(const char *name, char *out, size_t cap)
{
	/* keep the first character (the family name), hide the rest */
	size_t first = 1;
	while (name[first] && ((unsigned char)name[first] & 0xC0) == 0x80)
		first++;
	if (!name[0])
		first = 0;
	snprintf(out, cap, "%.*s**", (int)first, name);
}

int org_resolve(struct store_conn *c, json_t *v, int64_t *id, char *path, size_t pathcap,
		char *code, size_t codecap)
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
		if (path)
			snprintf(path, pathcap, "%s", scol_text(s, 5));
		if (code)
			snprintf(code, codecap, "%s", scol_text(s, 1));
	}
	sreset(s);
	return rc == STORE_ROW ? 0 : -1;
}

/* Checks one input value against its field definition. */
static int field_check(struct store_conn *c, const struct type_field *f, json_t *v,
		       struct err *e)
{
	int max = f->max;
	switch (f->kind) {
	case FK_STRING:
	case FK_TEXT:
		if (!json_is_string(v))
			return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是字符串", f->name);
		if (!max)
			max = f->kind == FK_STRING ? 200 : CASE_TEXT_MAX;
		if (utf8_chars(json_string_value(v)) > (size_t)max)
			return err_set(e, E_FIELD_TOO_LONG, f->name, "%s 最多 %d 个字", f->name, max);
		if (text_has_control(json_string_value(v), f->kind == FK_TEXT))
			return err_set(e, E_FIELD_INVALID, f->name, "%s 含有控制字符", f->name);
		return 0;
	case FK_INT:
		if (!json_is_integer(v))
			return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是整数", f->name);
		if (json_integer_value(v) < f->min || (max && json_integer_value(v) > max))
			return err_set(e, E_FIELD_INVALID, f->name, "%s 必须在 %d–%d 之间", f->name,
				       f->min, max ? max : INT32_MAX);
		return 0;
	case FK_BOOL:
		if (!json_is_boolean(v))
			return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是 true 或 false", f->name);
		return 0;
	case FK_ENUM: {
		size_t i;
		json_t *x;
		if (json_is_string(v))
			json_array_foreach(f->values, i, x) if (json_equal(x, v)) return 0;
		return err_set(e, E_FIELD_INVALID, f->name, "%s 的取值不在允许范围内", f->name);
	}
	case FK_ORG: {
		int64_t id;
		if (org_resolve(c, v, &id, NULL, 0, NULL, 0) != 0)
			return err_set(e, E_FIELD_INVALID, f->name, "%s 不是已知的单位", f->name);
		return 0;
	}
	case FK_ORGS: {
		if (!json_is_array(v) || json_array_size(v) == 0)
			return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是非空的单位列表", f->name);
		if (json_array_size(v) > (size_t)(max ? max : 20))
			return err_set(e, E_FIELD_TOO_LONG, f->name, "%s 最多 %d 个单位", f->name,
				       max ? max : 20);
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			int64_t id;
			if (org_resolve(c, x, &id, NULL, 0, NULL, 0) != 0)
				return err_set(e, E_FIELD_INVALID, f->name, "%s 中有未知的单位",
					       f->name);
		}
		return 0;
	}
	case FK_CASE:
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return err_set(e, E_FIELD_INVALID, f->name, "%s 必须是工单 id", f->name);
		return 0;
	case FK_DATETIME: {
		int64_t t;
		if (!json_is_string(v) || time_parse_iso(json_string_value(v), &t) != 0)
			return err_set(e, E_FIELD_INVALID, f->name, "%s 不是合法的时间", f->name);
		return 0;
	}
	}
	return err_set(e, E_FIELD_INVALID, f->name, NULL);
}

static const struct deadline_spec *class_deadline(const struct matter_type *t, const char *cls)
{
	const struct type_class *k = type_class(t, cls);
	if (k && k->has_deadline)
		return &k->deadline;
	return type_deadline(t, "handle");
}

/* A timer falling due at `due`; unit is how it counts when paused. Its
 * warning comes warn_before_ms earlier, unless that is not after `start`. */
static int timer_at(struct wctx *w, const struct matter_type *t, int64_t case_id, int64_t asg_id,
		    const char *kind, enum deadline_unit unit, int64_t due, int64_t start)
{
	int64_t warn = due - t->warn_before_ms;
	struct store_stmt *s = store_stmt(w->conn, ST_TIMER_INSERT);
	sbind_int(s, 1, case_id);
	if (asg_id)
		sbind_int(s, 2, asg_id);
	else
		sbind_null(s, 2);
	sbind_text(s, 3, kind);
	sbind_int(s, 4, unit);
	sbind_int(s, 5, due);
	if (warn > start)
		sbind_int(s, 6, warn);
	else
		sbind_null(s, 6);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

/* A timer for deadline spec counted from `from`. */
static int timer_start(struct wctx *w, const struct matter_type *t, int64_t case_id,
		       int64_t asg_id, const char *kind, const struct deadline_spec *spec,
		       int64_t from, int64_t *due_out)
{
	int64_t due = deadline_due(w->app->cal, *spec, from);
	if (due_out)
		*due_out = due;
	return timer_at(w, t, case_id, asg_id, kind, spec->unit, due, from);
}

static int store_fail(struct err *e)
{
	return err_set(e, E_UNAVAILABLE, NULL, "数据库写入失败，请稍后重试");
}

/* ------------------------------------------------------------------ */
/* case creation                                                       */

static const char *const create_keys[] = {"type",  "class",    "channel", "title",
					  "description", "location", "reporter", "org",
					  "fields", "received_at"};

int case_location_check(json_t *loc, json_t **out, struct err *e)
{
	if (!json_is_object(loc))
		return err_set(e, E_FIELD_INVALID, "location", "location 必须是对象");
	json_t *lat = json_object_get(loc, "lat"), *lng = json_object_get(loc, "lng");
	const char *key;
	json_t *v;
	json_object_foreach(loc, key, v)
	{
		if (strcmp(key, "lat") && strcmp(key, "lng") && strcmp(key, "crs") &&
		    strcmp(key, "address"))
			return err_set(e, E_FIELD_UNKNOWN, "location", "location 中有未知字段 %s",
				       key);
	}
	if (!json_is_number(lat) || !json_is_number(lng))
		return err_set(e, E_FIELD_INVALID, "location", "location 需要数值 lat 和 lng");
	double la = json_number_value(lat), lo = json_number_value(lng);
	if (la < -90 || la > 90 || lo < -180 || lo > 180)
		return err_set(e, E_FIELD_INVALID, "location", "经纬度超出范围");
	const char *crs = json_string_value(json_object_get(loc, "crs"));
	if (json_object_get(loc, "crs") && !crs)
		return err_set(e, E_FIELD_INVALID, "location.crs", "crs 必须是字符串");
	if (crs && strcmp(crs, "wgs84") && strcmp(crs, "gcj02") && strcmp(crs, "bd09"))
		return err_set(e, E_FIELD_INVALID, "location.crs", "crs 只能是 wgs84、gcj02 或 bd09");
	json_t *addr = json_object_get(loc, "address");
	if (addr && (!json_is_string(addr) ||
		     utf8_chars(json_string_value(addr)) > CASE_ADDRESS_MAX ||
		     text_has_control(json_string_value(addr), false)))
		return err_set(e, E_FIELD_INVALID, "location.address", "地址必须是不超过 %d 字的字符串",
			       CASE_ADDRESS_MAX);
	if (crs && strcmp(crs, "wgs84"))
		geo_to_wgs84(crs, &la, &lo);
	*out = json_pack("{s:f,s:f}", "lat", la, "lng", lo);
	if (addr)
		json_object_set(*out, "address", addr);
	return 0;
}

static int check_reporter(const struct app *app, json_t *rep, bool *confidential,
			  unsigned char **enc, size_t *enclen, unsigned char idx[HASH_LEN],
			  bool *has_idx, struct err *e)
{
	if (!json_is_object(rep))
		return err_set(e, E_FIELD_INVALID, "reporter", "reporter 必须是对象");
	const char *key;
	json_t *v;
	json_object_foreach(rep, key, v)
	{
		if (strcmp(key, "name") && strcmp(key, "phone") && strcmp(key, "confidential"))
			return err_set(e, E_FIELD_UNKNOWN, "reporter", "reporter 中有未知字段 %s",
				       key);
	}
	json_t *name = json_object_get(rep, "name"), *phone = json_object_get(rep, "phone");
	json_t *conf = json_object_get(rep, "confidential");
	if (name && (!json_is_string(name) || utf8_chars(json_string_value(name)) > REPORTER_NAME_MAX ||
		     text_has_control(json_string_value(name), false)))
		return err_set(e, E_FIELD_INVALID, "reporter.name", "姓名必须是不超过 %d 字的字符串",
			       REPORTER_NAME_MAX);
	if (phone && (!json_is_string(phone) || !phone_valid(json_string_value(phone))))
		return err_set(e, E_FIELD_INVALID, "reporter.phone",
			       "电话号码不正确（手机 11 位，座机含区号）");
	if (conf && !json_is_boolean(conf))
		return err_set(e, E_FIELD_INVALID, "reporter.confidential", "confidential 必须是布尔值");
	if (json_is_true(conf))
		*confidential = true;
	json_t *plain = json_object();
	if (name)
		json_object_set(plain, "name", name);
	if (phone) {
		json_object_set(plain, "phone", phone);
		blind_index(&app->keys, json_string_value(phone), idx);
		*has_idx = true;
	}
	char *text = json_canonical(plain);
	json_decref(plain);
	int rc = text ? seal(&app->keys, text, strlen(text), enc, enclen) : -1;
	free(text);
	return rc == 0 ? 0 : err_set(e, E_INTERNAL, NULL, NULL);
}

static int check_case_fields(struct store_conn *c, const struct matter_type *t, json_t *fields,
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
			return err_set(e, E_FIELD_UNKNOWN, key, "类型 %s 没有字段 %s", t->code, key);
		if (field_check(c, f, v, e) != 0)
			return -1;
	}
	for (int i = 0; i < t->nfields; i++)
		if (t->fields[i].required && !json_object_get(fields, t->fields[i].name))
			return err_set(e, E_FIELD_REQUIRED, t->fields[i].name, "缺少字段 %s",
				       t->fields[i].name);
	return 0;
}

static int next_case_no(struct wctx *w, const struct matter_type *t, int64_t received,
			char *out, size_t cap)
{
	int y, m, d;
	time_ymd_from_day(time_day_of(received), &y, &m, &d);
	char name[48];
	snprintf(name, sizeof name, "no:%s:%04d%02d%02d", t->prefix, y, m, d);
	struct store_stmt *s = store_stmt(w->conn, ST_COUNTER_NEXT);
	sbind_text(s, 1, name);
	if (sstep(s) != STORE_ROW) {
		sreset(s);
		return -1;
	}
	int64_t n = scol_int(s, 0);
	sreset(s);
	snprintf(out, cap, "%s%04d%02d%02d%06lld", t->prefix, y, m, d, (long long)n);
	return 0;
}

/* Earlier cases from the same phone that the caller may see. A confidential
 * case is listed only to a pii.read holder over it, and the hint is then a
 * view of its reporter (tying the phone to it), recorded as pii.view: to
 * anyone else the hint would confirm who reported it. NULL if the store
 * failed.  */
static json_t *possible_duplicates(struct wctx *w, const struct actor *a,
				   const unsigned char idx[HASH_LEN], int64_t received, int64_t self)
{
	struct store_conn *c = w->conn;
	int64_t ids[10];
	int n = 0;
	json_t *arr = json_array();
	struct store_stmt *s = store_stmt(c, ST_CASE_BY_PHONE);
	sbind_blob(s, 1, idx, HASH_LEN);
	sbind_int(s, 2, received - DUPLICATE_WINDOW_MS);
	sbind_int(s, 3, self);
	while (sstep(s) == STORE_ROW && n < 10)
		ids[n++] = scol_int(s, 0);
	sreset(s);
	for (int i = 0; i < n; i++) {
		struct case_full cf;
		if (case_load(c, w->app, ids[i], &cf) != 0)
			continue;
		bool shown = case_visible(a, &cf) &&
			     (!cf.c.confidential || actor_can(a, P_PII_READ, cf.c.org_path));
		if (shown && cf.c.confidential && engine_record_pii_view(w, a, cf.c.id) != 0) {
			case_full_release(&cf);
			json_decref(arr);
			return NULL; /* the store failed: so does the create */
		}
		if (shown) {
			char at[ISO8601_MAX];
			time_format_iso(cf.c.received_at, at, sizeof at);
			json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id",
							     (json_int_t)cf.c.id, "no", cf.c.no,
							     "title", cf.c.title, "status",
							     cf.c.status, "received_at", at, "reason",
							     "same_phone"));
		}
		case_full_release(&cf);
	}
	return arr;
}

int engine_create(struct wctx *w, const struct actor *a, json_t *body, json_t **out,
		  struct err *e)
{
	return engine_create_ext(w, a, body, NULL, out, e);
}

int engine_create_ext(struct wctx *w, const struct actor *a, json_t *body, const char *ext_ref,
		      json_t **out, struct err *e)
{
	int rc = -1;
	json_t *loc = NULL, *fields = NULL;
	unsigned char *enc = NULL;
	size_t enclen = 0;
	unsigned char idx[HASH_LEN];
	bool has_idx = false, confidential = false;

	if (!json_is_object(body))
		return err_set(e, E_BAD_REQUEST, NULL, "请求体必须是 JSON 对象");
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v)
	{
		if (!str_in(key, create_keys, (int)(sizeof create_keys / sizeof create_keys[0])))
			return err_set(e, E_FIELD_UNKNOWN, key, "不认识的字段 %s", key);
	}
	const char *tcode = json_string_value(json_object_get(body, "type"));
	if (!tcode)
		return err_set(e, E_FIELD_REQUIRED, "type", "缺少事项类型 type");
	const struct matter_type *t = types_find(w->app->types, tcode);
	if (!t)
		return err_set(e, E_FIELD_INVALID, "type", "没有事项类型 %.64s", tcode);

	json_t *jcls = json_object_get(body, "class");
	const char *cls = jcls ? json_string_value(jcls) : t->default_class;
	if ((jcls && !cls) || (cls && !type_class(t, cls)))
		return err_set(e, E_FIELD_INVALID, "class", "类型 %s 没有这个分类", t->code);
	if (!cls)
		return err_set(e, E_FIELD_REQUIRED, "class", "缺少分类 class");
	json_t *jch = json_object_get(body, "channel");
	const char *channel = jch ? json_string_value(jch) : t->default_channel;
	if ((jch && !channel) || (channel && !type_has_channel(t, channel)))
		return err_set(e, E_FIELD_INVALID, "channel", "不支持的渠道");

	json_t *jdesc = json_object_get(body, "description");
	if (!jdesc)
		return err_set(e, E_FIELD_REQUIRED, "description", "缺少诉求内容 description");
	const char *desc = json_string_value(jdesc);
	if (!desc || !*desc || text_has_control(desc, true))
		return err_set(e, E_FIELD_INVALID, "description", "description 必须是非空文本");
	if (utf8_chars(desc) > CASE_TEXT_MAX)
		return err_set(e, E_FIELD_TOO_LONG, "description", "诉求内容最多 %d 字",
			       CASE_TEXT_MAX);
	json_t *jtitle = json_object_get(body, "title");
	char title[CASE_TITLE_MAX * 4 + 1];
	if (jtitle) {
		const char *ts = json_string_value(jtitle);
		if (!ts || !*ts || text_has_control(ts, false))
			return err_set(e, E_FIELD_INVALID, "title", "title 必须是非空单行文本");
		if (utf8_chars(ts) > CASE_TITLE_MAX)
			return err_set(e, E_FIELD_TOO_LONG, "title", "标题最多 %d 字", CASE_TITLE_MAX);
		snprintf(title, sizeof title, "%s", ts);
	} else {
		/* first 30 characters of the description, on one line */
		size_t i = 0, chars = 0;
		while (desc[i] && chars < 30 && i < sizeof title - 4) {
			size_t len = 1;
			while (((unsigned char)desc[i + len] & 0xC0) == 0x80)
				len++;
			if (desc[i] == '\n' || desc[i] == '\r' || desc[i] == '\t')
				title[i] = ' ', len = 1;
			else
				memcpy(title + i, desc + i, len);
			i += len;
			chars++;
		}
		title[i] = '\0';
	}

	/* owning org: given, or the actor's own creation scope */
	int64_t org_id = 0;
	char org_path[256] = "", org_code[64] = "";
	json_t *jorg = json_object_get(body, "org");
	if (jorg) {
		if (org_resolve(w->conn, jorg, &org_id, org_path, sizeof org_path, org_code,
				sizeof org_code) != 0)
			return err_set(e, E_FIELD_INVALID, "org", "不是已知的单位");
	} else {
		const char *scopes[1];
		if (actor_scopes(a, P_CASE_CREATE, scopes, 1) == 0)
			return err_set(e, E_FORBIDDEN, NULL, "没有登记工单的权限");
		for (int i = 0; i < a->nroles; i++)
			if (!strcmp(a->roles[i].scope_path, scopes[0])) {
				org_id = a->roles[i].scope_org;
				snprintf(org_path, sizeof org_path, "%s", scopes[0]);
				snprintf(org_code, sizeof org_code, "%s", a->roles[i].scope_code);
				break;
			}
	}
	if (!actor_can(a, P_CASE_CREATE, org_path))
		return err_set(e, E_FORBIDDEN, "org", "不能为该单位登记工单");

	int64_t received = w->now;
	json_t *jrec = json_object_get(body, "received_at");
	if (jrec) {
		if (!json_is_string(jrec) || time_parse_iso(json_string_value(jrec), &received) != 0)
			return err_set(e, E_FIELD_INVALID, "received_at", "received_at 不是合法的时间");
		if (!actor_can(a, P_CASE_IMPORT, org_path))
			received = w->now; /* honoured for importers only (API.md) */
		else if (received > w->now + 5 * MS_PER_MINUTE)
			return err_set(e, E_FIELD_INVALID, "received_at", "受理时间不能晚于现在");
	}

	json_t *jloc = json_object_get(body, "location");
	if (jloc && !json_is_null(jloc) && case_location_check(jloc, &loc, e) != 0)
		goto out;
	json_t *jrep = json_object_get(body, "reporter");
	if (jrep && !json_is_null(jrep) &&
	    check_reporter(w->app, jrep, &confidential, &enc, &enclen, idx, &has_idx, e) != 0)
		goto out;
	const struct type_class *k = type_class(t, cls);
	if (k->confidential)
		confidential = true;
	fields = json_object_get(body, "fields");
	fields = fields ? json_deep_copy(fields) : json_object();
	if (check_case_fields(w->conn, t, fields, e) != 0)
		goto out;

	const struct type_state *initial = NULL;
	for (int i = 0; i < t->nstates; i++)
		if (t->states[i].initial)
			initial = &t->states[i];
	const struct deadline_spec *dl = class_deadline(t, cls);
	int64_t due = dl ? deadline_due(w->app->cal, *dl, received) : 0;

	char no[32];
	if (next_case_no(w, t, received, no, sizeof no) != 0) {
		store_fail(e);
		goto out;
	}
	char *loc_text = loc ? json_canonical(loc) : NULL;
	char *fields_text = json_canonical(fields);
	struct store_stmt *s = store_stmt(w->conn, ST_CASE_INSERT);
	sbind_text(s, 1, no);
	sbind_text(s, 2, t->code);
	sbind_text(s, 3, cls);
	sbind_text(s, 4, channel);
	sbind_text(s, 5, initial->code);
	sbind_text(s, 6, title);
	sbind_text(s, 7, desc);
	sbind_text(s, 8, loc_text);
	sbind_int(s, 9, org_id);
	sbind_blob(s, 10, enc, enclen);
	if (has_idx)
		sbind_blob(s, 11, idx, HASH_LEN);
	else
		sbind_null(s, 11);
	sbind_int(s, 12, confidential);
	sbind_text(s, 13, fields_text);
	sbind_int(s, 14, received);
	if (due)
		sbind_int(s, 15, due);
	else
		sbind_null(s, 15);
	sbind_int(s, 16, a->user_id);
	sbind_int(s, 17, w->now);
	sbind_text(s, 18, ext_ref);
	int src = sdone(s);
	free(loc_text);
	free(fields_text);
	if (src != STORE_DONE) {
		store_fail(e);
		goto out;
	}
	int64_t id = store_last_id(w->conn);
	if (dl && timer_start(w, t, id, 0, "case_due", dl, received, NULL) != 0) {
		store_fail(e);
		goto out;
	}
	char rat[ISO8601_MAX];
	time_format_iso(received, rat, sizeof rat);
	json_t *payload = json_pack("{s:s,s:s,s:s,s:s?,s:s,s:s,s:b}", "no", no, "type", t->code,
				    "class", cls, "channel", channel, "org", org_code,
				    "received_at", rat, "confidential", confidential);
	if (ext_ref)
		json_object_set_new(payload, "ext_ref", json_string(ext_ref));
	char *ptext = json_canonical(payload);
	json_decref(payload);
	struct event_rec ev = {.case_id = id, .at = w->now, .actor_id = a->user_id,
			       .org_id = a->org_id, .action = "create", .from = NULL,
			       .to = initial->code, .payload = ptext};
	int erc = wctx_event(w, &ev);
	free(ptext);
	if (erc != 0) {
		store_fail(e);
		goto out;
	}

	struct case_full cf;
	if (case_load(w->conn, w->app, id, &cf) != 0) {
		store_fail(e);
		goto out;
	}
	bool pii = false;
	json_t *cj = case_to_json(w->conn, w->app, a, &cf, true, &pii);
	case_full_release(&cf);
	if (pii && engine_record_pii_view(w, a, id) != 0) {
		json_decref(cj);
		store_fail(e);
		goto out;
	}
	json_t *dups = has_idx ? possible_duplicates(w, a, idx, received, id) : json_array();
	if (!dups) {
		json_decref(cj);
		store_fail(e);
		goto out;
	}
	*out = json_pack("{s:o,s:o,s:[]}", "case", cj, "possible_duplicates", dups, "routing");
	if (!*out) {
		store_fail(e);
		goto out;
	}
	rc = 0;
out:
	json_decref(loc);
	json_decref(fields);
	free(enc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* actions and effects                                                 */

struct act_ctx {
	struct wctx *w;
	const struct actor *a;
	const struct matter_type *t;
	const struct type_action *act;
	struct case_full *cf;
	json_t *body;
	json_t *payload;     /* the event's payload, effects add to it */
	struct asg_rec *mine; /* the caller's assignment (on_assignment actions) */
	struct err *e;
};

typedef int (*effect_fn)(struct act_ctx *x, json_t *params);

static int asg_write(struct act_ctx *x, struct asg_rec *g)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_ASG_UPDATE);
	sbind_int(s, 1, g->id);
	sbind_text(s, 2, g->status);
	if (g->signed_at)
		sbind_int(s, 3, g->signed_at);
	else
		sbind_null(s, 3);
	if (g->done_at)
		sbind_int(s, 4, g->done_at);
	else
		sbind_null(s, 4);
	if (g->due_at)
		sbind_int(s, 5, g->due_at);
	else
		sbind_null(s, 5);
	sbind_int(s, 6, x->w->now);
	if (g->sign_due_at)
		sbind_int(s, 7, g->sign_due_at);
	else
		sbind_null(s, 7);
	return sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
}

static int asg_stop_timers(struct act_ctx *x, int64_t asg_id, const char *kind)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_TIMER_STOP_ASG);
	sbind_int(s, 1, asg_id);
	sbind_text(s, 2, kind);
	return sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
}

static bool asg_live(const struct asg_rec *g)
{
	return strcmp(g->status, "cancelled") != 0;
}

/* assign: opens assignments from the body's "org" (one lead), or "orgs"
 * with "lead" (lead + assisting units); params.kind = "review" makes every
 * one a review (会签/联审) assignment. */
static int effect_assign(struct act_ctx *x, json_t *params)
{
	json_t *org = json_object_get(x->body, "org"), *orgs = json_object_get(x->body, "orgs");
	json_t *lead = json_object_get(x->body, "lead");
	const char *kind_all = json_string_value(json_object_get(params, "kind"));
	json_t *list = json_array();
	int rc = -1;
	if (org && orgs) {
		err_set(x->e, E_BAD_REQUEST, "orgs", "org 与 orgs 只能给一个");
		goto out;
	}
	if (org)
		json_array_append(list, org);
	else if (orgs)
		json_array_extend(list, orgs);
	else {
		err_set(x->e, E_FIELD_REQUIRED, "org", "请指定承办单位 org 或 orgs");
		goto out;
	}
	int64_t lead_id = 0;
	if (lead && org_resolve(x->w->conn, lead, &lead_id, NULL, 0, NULL, 0) != 0) {
		err_set(x->e, E_FIELD_INVALID, "lead", "主办单位不是已知的单位");
		goto out;
	}
	int64_t ids[CASE_MAX_ASSIGNMENTS];
	size_t n = json_array_size(list);
	if (n + (size_t)x->cf->na > CASE_MAX_ASSIGNMENTS) {
		err_set(x->e, E_FIELD_TOO_LONG, "orgs", "承办单位过多");
		goto out;
	}
	bool lead_found = !lead;
	json_t *made = json_array();
	json_object_set_new(x->payload, "assignments", made);
	const struct deadline_spec *sign = type_deadline(x->t, "sign");
	const struct deadline_spec *handle = class_deadline(x->t, x->cf->c.class_);
	for (size_t i = 0; i < n; i++) {
		char path[256], code[64];
		if (org_resolve(x->w->conn, json_array_get(list, i), &ids[i], path, sizeof path,
				code, sizeof code) != 0) {
			err_set(x->e, E_FIELD_INVALID, "org", "承办单位不是已知的单位");
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if (ids[j] == ids[i]) {
				err_set(x->e, E_FIELD_INVALID, "orgs", "承办单位重复");
				goto out;
			}
		for (int j = 0; j < x->cf->na; j++)
			if (x->cf->a[j].org_id == ids[i] && asg_live(&x->cf->a[j]) &&
			    strcmp(x->cf->a[j].status, "done")) {
				err_set(x->e, E_CONFLICT, "org", "该单位已有未办结的承办任务");
				goto out;
			}
		const char *kind = kind_all ? kind_all
			       : (n == 1 || ids[i] == lead_id) ? "lead" : "assist";
		if (ids[i] == lead_id)
			lead_found = true;
		int64_t sign_due = sign ? deadline_due(x->w->app->cal, *sign, x->w->now) : 0;
		int64_t due = handle ? deadline_due(x->w->app->cal, *handle, x->w->now) : 0;
		/* signing for can never be due after the work itself (紧急 over a holiday) */
		bool sign_capped = sign_due && due && sign_due > due;
		if (sign_capped)
			sign_due = due;
		struct store_stmt *s = store_stmt(x->w->conn, ST_ASG_INSERT);
		sbind_int(s, 1, x->cf->c.id);
		sbind_int(s, 2, ids[i]);
		sbind_text(s, 3, kind);
		sbind_int(s, 4, x->w->now);
		if (sign_due)
			sbind_int(s, 5, sign_due);
		else
			sbind_null(s, 5);
		if (due)
			sbind_int(s, 6, due);
		else
			sbind_null(s, 6);
		if (sdone(s) != STORE_DONE) {
			store_fail(x->e);
			goto out;
		}
		int64_t asg = store_last_id(x->w->conn);
		if ((sign && !sign_capped &&
		     timer_start(x->w, x->t, x->cf->c.id, asg, "sign", sign, x->w->now, NULL) != 0) ||
		    (sign_capped &&
		     timer_at(x->w, x->t, x->cf->c.id, asg, "sign", sign->unit, sign_due, x->w->now) != 0) ||
		    (handle && timer_start(x->w, x->t, x->cf->c.id, asg, "handle", handle,
					   x->w->now, NULL) != 0)) {
			store_fail(x->e);
			goto out;
		}
		json_array_append_new(made, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)asg, "org",
						      code, "kind", kind));
	}
	if (!lead_found) {
		err_set(x->e, E_FIELD_INVALID, "lead", "主办单位必须是承办单位之一");
		goto out;
	}
	rc = 0;
out:
	json_decref(list);
	return rc;
}

static bool status_listed(json_t *list, const char *status)
{
	size_t i;
	json_t *v;
	if (!list)
		return true;
	json_array_foreach(list, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), status))
		return true;
	return false;
}

/* cancel_assignments: live assignments (those in params.status if given)
 * become cancelled and their timers stop. */
static int effect_cancel_assignments(struct act_ctx *x, json_t *params)
{
	json_t *only = json_object_get(params, "status");
	json_t *ids = json_array();
	json_object_set_new(x->payload, "cancelled_assignments", ids);
	for (int i = 0; i < x->cf->na; i++) {
		struct asg_rec *g = &x->cf->a[i];
		if (!asg_live(g) || !strcmp(g->status, "done") || !status_listed(only, g->status))
			continue;
		snprintf(g->status, sizeof g->status, "cancelled");
		if (asg_write(x, g) != 0 || asg_stop_timers(x, g->id, NULL) != 0)
			return -1;
		json_array_append_new(ids, json_integer(g->id));
	}
	return 0;
}

/* update_assignments: assignments in params.from move to params.to. */
static int effect_update_assignments(struct act_ctx *x, json_t *params)
{
	json_t *from = json_object_get(params, "from");
	const char *to = json_string_value(json_object_get(params, "to"));
	if (!to)
		return err_set(x->e, E_INTERNAL, NULL, "update_assignments 缺少 to");
	for (int i = 0; i < x->cf->na; i++) {
		struct asg_rec *g = &x->cf->a[i];
		if (!asg_live(g) || !status_listed(from, g->status))
			continue;
		snprintf(g->status, sizeof g->status, "%s", to);
		if (!strcmp(to, "signed") && !g->signed_at) {
			g->signed_at = x->w->now; /* e.g. a return of an unsigned task refused */
			if (asg_stop_timers(x, g->id, "sign") != 0)
				return -1;
		}
		if (asg_write(x, g) != 0)
			return -1;
	}
	return 0;
}

/* set_fields: copies the named body fields into the case's fields; either
 * a list of names, or an object {"case field": "body field"}. */
static int effect_set_fields(struct act_ctx *x, json_t *params)
{
	json_t *names = json_object_get(params, "fields");
	if (json_is_object(names)) {
		const char *to;
		json_t *from;
		json_object_foreach(names, to, from)
		{
			json_t *v = json_object_get(x->body, json_string_value(from));
			if (v)
				json_object_set(x->cf->c.fields, to, v);
		}
		return 0;
	}
	size_t i;
	json_t *name;
	json_array_foreach(names, i, name)
	{
		json_t *v = json_object_get(x->body, json_string_value(name));
		if (v)
			json_object_set(x->cf->c.fields, json_string_value(name), v);
	}
	return 0;
}

/* start_timer: a case-level timer for the type's named deadline, from now. */
static int effect_start_timer(struct act_ctx *x, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "timer"));
	const struct deadline_spec *spec = type_deadline(x->t, name);
	if (!spec)
		return err_set(x->e, E_INTERNAL, NULL, "未定义的时限 %s", name ? name : "?");
	int64_t due;
	if (timer_start(x->w, x->t, x->cf->c.id, 0, name, spec, x->w->now, &due) != 0)
		return store_fail(x->e);
	char at[ISO8601_MAX];
	time_format_iso(due, at, sizeof at);
	json_object_set_new(x->payload, "timer_due_at", json_string(at));
	return 0;
}

static int effect_stop_timer(struct act_ctx *x, json_t *params)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_TIMER_STOP_KIND);
	sbind_int(s, 1, x->cf->c.id);
	sbind_text(s, 2, json_string_value(json_object_get(params, "timer")));
	return sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
}

/* reopen_assignments (发回重办): done assignments go back to work with a
 * fresh handle deadline from now; the case's own deadline restarts too. */
static int effect_reopen_assignments(struct act_ctx *x, json_t *params)
{
	const char *to = json_string_value(json_object_get(params, "to"));
	const struct deadline_spec *handle = class_deadline(x->t, x->cf->c.class_);
	int reopened = 0;
	for (int i = 0; i < x->cf->na; i++) {
		struct asg_rec *g = &x->cf->a[i];
		if (strcmp(g->status, "done"))
			continue;
		snprintf(g->status, sizeof g->status, "%s", to ? to : "signed");
		g->done_at = 0;
		if (handle) {
			if (timer_start(x->w, x->t, x->cf->c.id, g->id, "handle", handle, x->w->now,
					&g->due_at) != 0)
				return store_fail(x->e);
		}
		if (asg_write(x, g) != 0)
			return -1;
		reopened++;
	}
	if (handle) {
		x->cf->c.due_at = deadline_due(x->w->app->cal, *handle, x->w->now);
		struct store_stmt *s = store_stmt(x->w->conn, ST_TIMER_STOP_KIND);
		sbind_int(s, 1, x->cf->c.id);
		sbind_text(s, 2, "case_due");
		if (sdone(s) != STORE_DONE ||
		    timer_start(x->w, x->t, x->cf->c.id, 0, "case_due", handle, x->w->now, NULL))
			return store_fail(x->e);
	}
	json_object_set_new(x->payload, "reopened_assignments", json_integer(reopened));
	return 0;
}

/* count: adds one to the integer case field params.name. */
static int effect_count(struct act_ctx *x, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	if (!name)
		return err_set(x->e, E_INTERNAL, NULL, "count 缺少 name");
	json_int_t n = json_integer_value(json_object_get(x->cf->c.fields, name));
	json_object_set_new(x->cf->c.fields, name, json_integer(n + 1));
	return 0;
}

/* link: links this case to the case whose id is in body[params.field]. */
static int effect_link(struct act_ctx *x, json_t *params)
{
	const char *field = json_string_value(json_object_get(params, "field"));
	const char *kind = json_string_value(json_object_get(params, "kind"));
	json_t *v = json_object_get(x->body, field ? field : "into");
	int64_t other = json_integer_value(v);
	if (other == x->cf->c.id)
		return err_set(x->e, E_FIELD_INVALID, field, "不能关联到工单自身");
	struct case_full of;
	if (case_load(x->w->conn, x->w->app, other, &of) != 0)
		return err_set(x->e, E_FIELD_INVALID, field, "目标工单不存在");
	bool ok = case_visible(x->a, &of) && !type_state(of.c.type, of.c.status)->final;
	case_full_release(&of);
	if (!ok)
		return err_set(x->e, E_FIELD_INVALID, field, "目标工单不存在或已办结");
	struct store_stmt *s = store_stmt(x->w->conn, ST_LINK_INSERT);
	sbind_int(s, 1, x->cf->c.id);
	sbind_int(s, 2, other);
	sbind_text(s, 3, kind ? kind : "related");
	sbind_int(s, 4, x->w->now);
	return sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
}

static int effect_unlink(struct act_ctx *x, json_t *params)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_LINK_REMOVE);
	sbind_int(s, 1, x->cf->c.id);
	sbind_text(s, 2, json_string_value(json_object_get(params, "kind")));
	sbind_int(s, 3, x->w->now);
	return sdone(s) == STORE_DONE ? 0 : store_fail(x->e);
}

/* pause_clock / resume_clock: running timers of the case stop counting
 * (e.g. waiting for the citizen's materials); on resume each due instant
 * moves later by the working time that passed, counted in its own unit
 * (calendar.h). The case's due_at follows its case_due timer and each
 * assignment's due_at its own handle timer. */
static int clock_switch(struct act_ctx *x, bool pause)
{
	struct store_stmt *s = store_stmt(x->w->conn, ST_TIMERS_OF_CASE);
	sbind_int(s, 1, x->cf->c.id);
	sbind_text(s, 2, pause ? "running" : "paused");
	struct {
		int64_t id, unit, due, paused, warn, asg;
		bool case_due, handle, sign;
	} tm[64];
	int n = 0;
	while (sstep(s) == STORE_ROW && n < 64) {
		tm[n].id = scol_int(s, 0);
		tm[n].unit = scol_int(s, 1);
		tm[n].due = scol_int(s, 2);
		tm[n].paused = scol_int(s, 3);
		tm[n].warn = scol_null(s, 4) ? 0 : scol_int(s, 4);
		tm[n].case_due = !strcmp(scol_text(s, 5), "case_due");
		tm[n].handle = !strcmp(scol_text(s, 5), "handle");
		tm[n].sign = !strcmp(scol_text(s, 5), "sign");
		tm[n].asg = scol_null(s, 6) ? 0 : scol_int(s, 6);
		n++;
	}
	sreset(s);
	for (int i = 0; i < n; i++) {
		int64_t due = tm[i].due, warn = tm[i].warn;
		if (!pause) {
			due = deadline_shift_for_pause(x->w->app->cal, (enum deadline_unit)tm[i].unit,
						       tm[i].due, tm[i].paused, x->w->now);
			if (warn)
				warn += due - tm[i].due;
			if (tm[i].case_due && !tm[i].asg)
				x->cf->c.due_at = due;
			for (int j = 0; (tm[i].handle || tm[i].sign) && j < x->cf->na; j++) {
				struct asg_rec *g = &x->cf->a[j];
				if (g->id == tm[i].asg && asg_live(g)) {
					if (tm[i].handle)
						g->due_at = due;
					else
						g->sign_due_at = due;
					if (asg_write(x, g) != 0)
						return -1;
				}
			}
		}
		s = store_stmt(x->w->conn, ST_TIMER_SET);
		sbind_int(s, 1, tm[i].id);
		sbind_text(s, 2, pause ? "paused" : "running");
		sbind_int(s, 3, due);
		if (warn)
			sbind_int(s, 4, warn);
		else
			sbind_null(s, 4);
		if (pause)
			sbind_int(s, 5, x->w->now);
		else
			sbind_null(s, 5);
		sbind_int(s, 6, x->w->now);
		if (sdone(s) != STORE_DONE)
			return store_fail(x->e);
	}
	return 0;
}

static int effect_pause_clock(struct act_ctx *x, json_t *params)
{
	return clock_switch(x, true);
}

static int effect_resume_clock(struct act_ctx *x, json_t *params)
{
	return clock_switch(x, false);
}

/* extend_deadline: moves the case's and its live assignments' handle
 * deadlines by body[params.field] working days; when the body leaves it
 * out, by the case's fields[params.case_field] (what was asked for), and
 * the body may not grant more than that. */
static int effect_extend_deadline(struct act_ctx *x, json_t *params)
{
	const char *field = json_string_value(json_object_get(params, "field"));
	const char *asked_field = json_string_value(json_object_get(params, "case_field"));
	json_t *asked = asked_field ? json_object_get(x->cf->c.fields, asked_field) : NULL;
	json_t *given = json_object_get(x->body, field ? field : "days");
	json_int_t days = json_integer_value(given ? given : asked);
	if (given && asked && days > json_integer_value(asked))
		return err_set(x->e, E_FIELD_INVALID, field ? field : "days",
			       "批准的延期天数不能超过申请的 %lld 个工作日",
			       (long long)json_integer_value(asked));
	if (days <= 0)
		return err_set(x->e, E_FIELD_INVALID, field ? field : "days", "延期天数必须为正");
	json_object_set_new(x->payload, "extended_days", json_integer(days));
	const struct deadline_spec *cls = class_deadline(x->t, x->cf->c.class_);
	enum deadline_unit unit = cls ? cls->unit : DEADLINE_WORKDAYS;
	if (x->cf->c.due_at) {
		x->cf->c.due_at = calendar_add_workdays(x->w->app->cal, x->cf->c.due_at - 1, (int)days);
		struct store_stmt *s = store_stmt(x->w->conn, ST_TIMER_STOP_KIND);
		sbind_int(s, 1, x->cf->c.id);
		sbind_text(s, 2, "case_due");
		if (sdone(s) != STORE_DONE ||
		    timer_at(x->w, x->t, x->cf->c.id, 0, "case_due", unit, x->cf->c.due_at, x->w->now) != 0)
			return store_fail(x->e);
	}
	for (int i = 0; i < x->cf->na; i++) {
		struct asg_rec *g = &x->cf->a[i];
		if (!asg_live(g) || !strcmp(g->status, "done") || !g->due_at)
			continue;
		g->due_at = calendar_add_workdays(x->w->app->cal, g->due_at - 1, (int)days);
		if (asg_write(x, g) != 0 || asg_stop_timers(x, g->id, "handle") != 0)
			return -1;
		if (timer_at(x->w, x->t, x->cf->c.id, g->id, "handle", unit, g->due_at, x->w->now) != 0)
			return store_fail(x->e);
	}
	return 0;
}

int notice_add(struct wctx *w, int64_t org_id, int64_t case_id, const char *kind,
	       const char *text, int64_t actor_id)
{
	struct store_stmt *s = store_stmt(w->conn, ST_NOTICE_INSERT);
	sbind_int(s, 1, org_id);
	sbind_int(s, 2, case_id);
	sbind_text(s, 3, kind);
	sbind_text(s, 4, text);
	if (actor_id)
		sbind_int(s, 5, actor_id);
	else
		sbind_null(s, 5);
	sbind_int(s, 6, w->now);
	return sdone(s) == STORE_DONE ? 0 : -1;
}

static int64_t org_parent(struct store_conn *c, int64_t id)
{
	struct store_stmt *s = store_stmt(c, ST_ORG_PARENT);
	sbind_int(s, 1, id);
	int64_t p = sstep(s) == STORE_ROW && !scol_null(s, 0) ? scol_int(s, 0) : 0;
	sreset(s);
	return p;
}

/* notify: a notice (催办, 督办) to each unit still working on the case —
 * or, with "to":"leaders", to each such unit's parent org (提级督办) —
 * or to the owning org when no unit holds it. params: kind, label;
 * "if": {"field","in"} limits it to bodies whose field is listed. */
static int effect_notify(struct act_ctx *x, json_t *params)
{
	const char *kind = json_string_value(json_object_get(params, "kind"));
	const char *label = json_string_value(json_object_get(params, "label"));
	const char *to = json_string_value(json_object_get(params, "to"));
	json_t *only = json_object_get(params, "if");
	if (only) {
		json_t *v = json_object_get(x->body, json_string_value(json_object_get(only, "field")));
		size_t i;
		json_t *ok;
		bool hit = false;
		json_array_foreach(json_object_get(only, "in"), i, ok) hit |= v && json_equal(v, ok);
		if (!hit)
			return 0;
	}
	bool leaders = to && !strcmp(to, "leaders");
	int64_t orgs[CASE_MAX_ASSIGNMENTS + 1];
	int n = 0;
	for (int i = 0; i < x->cf->na; i++) {
		const struct asg_rec *g = &x->cf->a[i];
		if (!asg_live(g) || !strcmp(g->status, "done"))
			continue;
		int64_t o = leaders ? org_parent(x->w->conn, g->org_id) : g->org_id;
		bool dup = o == 0;
		for (int j = 0; j < n && !dup; j++)
			dup = orgs[j] == o;
		if (!dup)
			orgs[n++] = o;
	}
	if (n == 0) {
		int64_t up = leaders ? org_parent(x->w->conn, x->cf->c.org_id) : 0;
		orgs[n++] = up ? up : x->cf->c.org_id;
	}
	const char *comment = json_string_value(json_object_get(x->body, "comment"));
	/* sized for the longest title and comment (4 bytes a character at most),
	 * so the text is never cut mid-character */
	char text[64 + 4 * (CASE_TITLE_MAX + COMMENT_MAX) + 128];
	if ((size_t)snprintf(text, sizeof text, "【%s】工单 %s「%s」%s%s", label ? label : kind,
			     x->cf->c.no, x->cf->c.title, comment ? "：" : "",
			     comment ? comment : "") >= sizeof text)
		text[utf8_cut(text, strlen(text), sizeof text - 1)] = '\0';
	json_t *codes = json_object_get(x->payload, "notified"); /* a second notify adds */
	if (!json_is_array(codes)) {
		codes = json_array();
		json_object_set_new(x->payload, "notified", codes);
	}
	for (int i = 0; i < n; i++) {
		if (notice_add(x->w, orgs[i], x->cf->c.id, kind ? kind : "notice", text,
			       x->a->user_id) != 0)
			return store_fail(x->e);
		struct store_stmt *s = store_stmt(x->w->conn, ST_ORG_CODE);
		sbind_int(s, 1, orgs[i]);
		if (sstep(s) == STORE_ROW)
			json_array_append_new(codes, json_string(scol_text(s, 0)));
		sreset(s);
	}
	return 0;
}

/* check_problem (问题工单): flags the case when it has been reopened more
 * than params.max_reopens times (counted in fields[params.counter]) or
 * passed among more than params.max_units units. The flag stays. */
static int effect_check_problem(struct act_ctx *x, json_t *params)
{
	if (json_is_true(json_object_get(x->cf->c.fields, "problem")))
		return 0;
	const char *counter = json_string_value(json_object_get(params, "counter"));
	json_int_t max_reopens = json_integer_value(json_object_get(params, "max_reopens"));
	json_int_t max_units = json_integer_value(json_object_get(params, "max_units"));
	json_int_t reopens =
		counter ? json_integer_value(json_object_get(x->cf->c.fields, counter)) : 0;
	struct store_stmt *s = store_stmt(x->w->conn, ST_ASG_DISTINCT_ORGS);
	sbind_int(s, 1, x->cf->c.id);
	json_int_t units = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	const char *why = NULL;
	if (max_reopens && reopens > max_reopens)
		why = "发回重办超过规定次数";
	else if (max_units && units > max_units)
		why = "流转单位超过规定数量";
	if (!why)
		return 0;
	json_object_set_new(x->cf->c.fields, "problem", json_true());
	json_object_set_new(x->cf->c.fields, "problem_reason", json_string(why));
	json_object_set_new(x->payload, "problem_flagged", json_string(why));
	return 0;
}

static const struct {
	const char *name;
	effect_fn fn;
} effect_table[] = {
	{"assign", effect_assign},
	{"cancel_assignments", effect_cancel_assignments},
	{"update_assignments", effect_update_assignments},
	{"set_fields", effect_set_fields},
	{"start_timer", effect_start_timer},
	{"stop_timer", effect_stop_timer},
	{"reopen_assignments", effect_reopen_assignments},
	{"count", effect_count},
	{"link", effect_link},
	{"unlink", effect_unlink},
	{"pause_clock", effect_pause_clock},
	{"resume_clock", effect_resume_clock},
	{"extend_deadline", effect_extend_deadline},
	{"notify", effect_notify},
	{"check_problem", effect_check_problem},
};

int engine_effect_index(const char *name)
{
	for (size_t i = 0; i < sizeof effect_table / sizeof effect_table[0]; i++)
		if (!strcmp(effect_table[i].name, name))
			return (int)i;
	return -1;
}

static int run_effects(struct act_ctx *x, const struct type_effect *ef, int n)
{
	for (int i = 0; i < n; i++)
		if (effect_table[ef[i].index].fn(x, ef[i].params) != 0)
			return -1;
	return 0;
}

/* The action's input: version, comment, and the action's own fields. */
static int check_action_body(struct act_ctx *x)
{
	if (!json_is_object(x->body))
		return err_set(x->e, E_BAD_REQUEST, NULL, "请求体必须是 JSON 对象");
	const char *key;
	json_t *v;
	json_object_foreach(x->body, key, v)
	{
		if (!strcmp(key, "version")) {
			if (!json_is_integer(v))
				return err_set(x->e, E_FIELD_INVALID, "version", "version 必须是整数");
			continue;
		}
		const struct type_field *f = NULL;
		for (int i = 0; i < x->act->nfields && !f; i++)
			if (!strcmp(x->act->fields[i].name, key))
				f = &x->act->fields[i];
		if (!f && !strcmp(key, "comment")) {
			static const struct type_field comment = {
				.name = "comment", .kind = FK_TEXT, .max = COMMENT_MAX};
			f = &comment;
		}
		if (!f)
			return err_set(x->e, E_FIELD_UNKNOWN, key, "操作 %s 不接受字段 %s",
				       x->act->code, key);
		if (field_check(x->w->conn, f, v, x->e) != 0)
			return -1;
	}
	for (int i = 0; i < x->act->nfields; i++)
		if (x->act->fields[i].required && !json_object_get(x->body, x->act->fields[i].name))
			return err_set(x->e, E_FIELD_REQUIRED, x->act->fields[i].name,
				       "缺少字段 %s", x->act->fields[i].name);
	return 0;
}

static bool actor_may_act(const struct actor *a, const struct type_action *act,
			  const char *org_path)
{
	for (int i = 0; i < act->nroles; i++)
		if (actor_has_role_over(a, act->roles[i], org_path))
			return true;
	return false;
}

/* Index of the caller's assignment for an on_assignment action, -1 if none;
 * *any_role tells whether the caller may act on any live assignment at all. */
static int find_my_assignment(const struct actor *a, const struct type_action *act,
			      const struct case_full *cf, bool *any_role)
{
	*any_role = false;
	for (int i = 0; i < cf->na; i++) {
		const struct asg_rec *g = &cf->a[i];
		if (!asg_live(g) || !actor_may_act(a, act, g->org_path))
			continue;
		*any_role = true;
		if (str_in(g->status, act->asg_from, act->nasg_from))
			return i;
	}
	return -1;
}

static bool value_listed(json_t *list, json_t *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x) if (v && json_equal(v, x)) return true;
	return false;
}

/* types.h struct type_cond */
static bool cond_holds(const struct type_cond *c, json_t *body, const struct case_full *cf)
{
	json_t *v = NULL, *tmp = NULL;
	int open = 0;
	switch (c->subject) {
	case COND_OPEN_ASG:
		for (int i = 0; i < cf->na; i++)
			open += asg_live(&cf->a[i]) && strcmp(cf->a[i].status, "done");
		return open == c->count;
	case COND_ANY_ASG:
		for (int i = 0; i < cf->na; i++)
			if (asg_live(&cf->a[i]) && status_listed(c->in, cf->a[i].status))
				return true;
		return false;
	case COND_BODY:
		v = json_object_get(body, c->name);
		break;
	case COND_CASE_FIELD:
		v = json_object_get(cf->c.fields, c->name);
		break;
	case COND_CASE:
		v = tmp = json_string(!strcmp(c->name, "channel") ? cf->c.channel
				      : !strcmp(c->name, "class") ? cf->c.class_
								    : cf->c.status);
		break;
	}
	bool r = c->in ? value_listed(c->in, v) : !value_listed(c->not_in, v);
	json_decref(tmp);
	return r;
}

static bool conds_hold(const struct type_cond *c, int n, json_t *body, const struct case_full *cf)
{
	for (int i = 0; i < n; i++)
		if (!cond_holds(&c[i], body, cf))
			return false;
	return true;
}

static bool org_setting_true(struct store_conn *c, int64_t org_id, const char *key)
{
	struct store_stmt *s = store_stmt(c, ST_ORG_SETTINGS_GET);
	sbind_int(s, 1, org_id);
	bool on = false;
	if (sstep(s) == STORE_ROW) {
		json_t *o = json_loads(scol_text(s, 0), 0, NULL);
		on = json_is_true(json_object_get(o, key));
		json_decref(o);
	}
	sreset(s);
	return on;
}

bool engine_action_available(const struct actor *a, const struct type_action *act,
			     const struct case_full *cf)
{
	if (!str_in(cf->c.status, act->from, act->nfrom))
		return false;
	if (act->on_assignment) {
		bool any;
		return find_my_assignment(a, act, cf, &any) >= 0;
	}
	return actor_may_act(a, act, cf->c.org_path);
}

int engine_act(struct wctx *w, const struct actor *a, int64_t id, const char *action,
	       json_t *body, json_t **out, struct err *e)
{
	struct case_full cf;
	if (case_load(w->conn, w->app, id, &cf) != 0)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	int rc = -1;
	char *ptext = NULL, *ftext = NULL;
	struct act_ctx x = {.w = w, .a = a, .t = cf.c.type, .cf = &cf, .body = body, .e = e};
	if (!case_visible(a, &cf)) {
		err_set(e, E_NOT_FOUND, NULL, "工单不存在");
		goto out;
	}
	x.act = type_action(x.t, action);
	if (!x.act) {
		err_set(e, E_UNKNOWN_ACTION, "action", "事项类型 %s 没有操作 %.64s", x.t->code,
			action);
		goto out;
	}
	bool allowed = actor_may_act(a, x.act, cf.c.org_path);
	bool any_role = false;
	if (x.act->on_assignment) {
		int mine = find_my_assignment(a, x.act, &cf, &any_role);
		x.mine = mine >= 0 ? &cf.a[mine] : NULL;
		allowed = any_role;
	}
	if (!allowed) {
		err_set(e, E_FORBIDDEN, NULL, "您的角色不能对此工单执行“%s”", x.act->name);
		goto out;
	}
	if (check_action_body(&x) != 0)
		goto out;
	json_t *ver = json_object_get(body, "version");
	if (ver && json_integer_value(ver) != cf.c.version) {
		err_set(e, E_VERSION_CONFLICT, "version", "工单已更新到版本 %lld，请刷新后重试",
			(long long)cf.c.version);
		goto out;
	}
	if (!str_in(cf.c.status, x.act->from, x.act->nfrom) || (x.act->on_assignment && !x.mine)) {
		err_set(e, E_STATE_CONFLICT, NULL, "工单当前状态“%s”不能执行“%s”",
			type_state(x.t, cf.c.status)->name, x.act->name);
		goto out;
	}
	if (x.act->within_deadline && x.mine) {
		const struct deadline_spec *spec = type_deadline(x.t, x.act->within_deadline);
		if (w->now > deadline_due(w->app->cal, *spec, x.mine->dispatched_at)) {
			err_set(e, E_STATE_CONFLICT, NULL, "已超过“%s”的时限", x.act->name);
			goto out;
		}
	}
	if (x.act->before_due) {
		int64_t due = x.mine && x.mine->due_at ? x.mine->due_at : cf.c.due_at;
		if (due && w->now >= due) {
			err_set(e, E_STATE_CONFLICT, NULL, "已超过办理期限，不能再“%s”",
				x.act->name);
			goto out;
		}
	}
	for (int i = 0; i < x.act->nguards; i++)
		if (conds_hold(x.act->guards[i].conds, x.act->guards[i].nconds, body, &cf)) {
			err_set(e, E_STATE_CONFLICT, NULL, "%s", x.act->guards[i].message);
			goto out;
		}

	x.payload = json_deep_copy(body);
	json_object_del(x.payload, "version");
	if (x.mine) {
		const char *asg_to = x.act->asg_to;
		if (x.act->approval_setting &&
		    org_setting_true(w->conn, x.mine->org_id, x.act->approval_setting)) {
			asg_to = x.act->approval_to; /* the unit lead approves first */
			json_object_set_new(x.payload, "approval", json_string(asg_to));
		}
		json_object_set_new(x.payload, "assignment", json_integer(x.mine->id));
		json_object_set_new(x.payload, "assignment_org", json_string(x.mine->org_code));
		snprintf(x.mine->status, sizeof x.mine->status, "%s", asg_to);
		if (!strcmp(asg_to, "signed") && !x.mine->signed_at)
			x.mine->signed_at = w->now;
		if (!strcmp(asg_to, "done")) {
			x.mine->done_at = w->now;
			if (asg_stop_timers(&x, x.mine->id, NULL) != 0)
				goto out;
		} else if (!strcmp(asg_to, "signed") &&
			   asg_stop_timers(&x, x.mine->id, "sign") != 0) {
			goto out;
		}
		if (asg_write(&x, x.mine) != 0)
			goto out;
	}
	if (run_effects(&x, x.act->effects, x.act->neffects) != 0)
		goto out;

	const char *from = cf.c.status, *to = x.act->to;
	for (int i = 0; i < x.act->nbranches; i++)
		if (conds_hold(x.act->branches[i].conds, x.act->branches[i].nconds, body, &cf)) {
			if (x.act->branches[i].to)
				to = x.act->branches[i].to;
			if (run_effects(&x, x.act->branches[i].effects,
					x.act->branches[i].neffects) != 0)
				goto out;
			break;
		}
	if (x.act->to_when_all_done) {
		bool all = true;
		for (int i = 0; i < cf.na; i++)
			if (asg_live(&cf.a[i]) && strcmp(cf.a[i].status, "done"))
				all = false;
		if (all)
			to = x.act->to_when_all_done;
		else if (!to)
			to = from;
	}
	if (!to)
		to = from;
	const struct type_state *ts = type_state(x.t, to);
	int64_t closed_at = ts->final ? w->now : 0;
	if (ts->final) {
		struct store_stmt *s = store_stmt(w->conn, ST_TIMER_STOP_CASE);
		sbind_int(s, 1, cf.c.id);
		if (sdone(s) != STORE_DONE) {
			store_fail(e);
			goto out;
		}
	}
	ftext = json_canonical(cf.c.fields);
	struct store_stmt *s = store_stmt(w->conn, ST_CASE_UPDATE);
	sbind_int(s, 1, cf.c.id);
	sbind_text(s, 2, to);
	sbind_text(s, 3, ftext);
	if (cf.c.due_at)
		sbind_int(s, 4, cf.c.due_at);
	else
		sbind_null(s, 4);
	if (closed_at)
		sbind_int(s, 5, closed_at);
	else
		sbind_null(s, 5);
	sbind_int(s, 6, w->now);
	sbind_int(s, 7, cf.c.version);
	if (sdone(s) != STORE_DONE || store_changes(w->conn) != 1) {
		store_fail(e);
		goto out;
	}
	/* the case's deadline as it stands after the action, so on-time rates
	 * can be recomputed from the events alone (docs/rates.md) */
	if (cf.c.due_at) {
		char due[ISO8601_MAX];
		time_format_iso(cf.c.due_at, due, sizeof due);
		json_object_set_new(x.payload, "due_at", json_string(due));
	}
	ptext = json_canonical(x.payload);
	struct event_rec ev = {.case_id = cf.c.id, .at = w->now, .actor_id = a->user_id,
			       .org_id = a->org_id, .action = x.act->code, .from = from, .to = to,
			       .payload = ptext};
	if (wctx_event(w, &ev) != 0) {
		store_fail(e);
		goto out;
	}
	case_full_release(&cf);
	if (case_load(w->conn, w->app, id, &cf) != 0) {
		store_fail(e);
		goto out;
	}
	bool pii = false;
	*out = json_pack("{s:o}", "case", case_to_json(w->conn, w->app, a, &cf, true, &pii));
	if (pii && engine_record_pii_view(w, a, cf.c.id) != 0) {
		json_decref(*out);
		*out = NULL;
		store_fail(e);
		goto out;
	}
	rc = 0;
out:
	json_decref(x.payload);
	free(ptext);
	free(ftext);
	case_full_release(&cf);
	return rc;
}

int engine_record_pii_view(struct wctx *w, const struct actor *a, int64_t id)
{
	struct event_rec ev = {.case_id = id, .at = w->now, .actor_id = a->user_id,
			       .org_id = a->org_id, .action = "pii.view", .payload = "{}"};
	return wctx_event(w, &ev);
}
