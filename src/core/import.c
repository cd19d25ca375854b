/*
 * 多网合一 import (core/import.h): the mapping document, a source row as a
 * case body, and the writer jobs that store a batch of rows and a run's
 * summary event. Rows go through engine_create_plain as the importing
 * user (who holds case.import), so a row keeps its own received_at and its
 * deadline counts from it; everything a manual registration checks
 * (class, channel, text lengths, location, reporter, org, the type's
 * fields) is checked again, and a row refused there is reported with the
 * engine's reason. The history steps are core/import_history.c's.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include "core/import.h"
#include "core/app.h"
#include "core/engine.h"
#include "core/search.h"
#include "core/types.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define CST_OFFSET_MS (8 * MS_PER_HOUR) /* a time without an offset is +08:00 */
#define CELL_CHARS_MAX 8000
/* A source value in a message: at most 40 characters. */
#define CLIP(s) utf8_clip((s), 40, (char[UTF8_CLIP_BUF]){0}, UTF8_CLIP_BUF)

static const char *const target_names[IT__COUNT] = {
    "title",         "description",    "class",        "channel",
    "received_at",   "location.lat",   "location.lng", "location.address",
    "reporter.name", "reporter.phone", "org",          "closed_at"};
static const char *const map_keys[] = {"source",      "type",   "id",     "fields",
                                       "type_fields", "status", "history"};
static const char *const col_keys[] = {"column", "map", "format"};

/* ------------------------------------------------------------------ */
/* the mapping                                                          */
/* ------------------------------------------------------------------ */

static int map_bad(struct err *e, const char *field, const char *why)
{
	return err_set(e, E_FIELD_INVALID, field, "映射文件的 %s：%s", field, why);
}

bool import_column_ok(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 0 &&
	       utf8_chars(json_string_value(v)) <= 64;
}

/* A target's spec: "COLUMN" or {"column", "map"?, "format"?}. */
static int col_load(json_t *v, const char *field, bool may_format, struct import_col *c,
                    struct err *e)
{
	if (import_column_ok(v)) {
		c->column = json_string_value(v);
		return 0;
	}
	if (!json_is_object(v))
		return map_bad(e, field, "须为列名，或 {\"column\":列名,\"map\":{…}}");
	const char *bad = json_unknown_key(v, col_keys, 3);
	if (bad)
		return map_bad(e, field, "不认识的键");
	if (!import_column_ok(json_object_get(v, "column")))
		return map_bad(e, field, "column 须为 1–64 个字符的列名");
	c->column = json_string_value(json_object_get(v, "column"));
	json_t *map = json_object_get(v, "map");
	if (map) {
		const char *k;
		json_t *to;
		if (!json_is_object(map) || json_object_size(map) == 0)
			return map_bad(e, field, "map 须为非空对象 {源值: 目标值}");
		json_object_foreach(map, k, to)
		{
			if (!json_is_string(to))
				return map_bad(e, field, "map 的目标值须为字符串");
		}
		c->map = map;
	}
	json_t *fmt = json_object_get(v, "format");
	if (fmt) {
		if (!may_format || !json_is_string(fmt) || json_string_length(fmt) == 0 ||
		    json_string_length(fmt) > 64)
			return map_bad(e, field,
			               "只有时间（received_at、closed_at、时间型字段）可带 "
			               "format（strptime 格式）");
		c->format = json_string_value(fmt);
	}
	return 0;
}

/* Every mapped value of a class/channel/status/org map must be the type's. */
static int map_values_check(const struct matter_type *t, const struct import_col *c,
                            const char *field, int kind, struct err *e)
{
	if (!c->map)
		return 0;
	const char *k;
	json_t *to;
	json_object_foreach(c->map, k, to)
	{
		const char *v = json_string_value(to);
		bool ok = kind == IT_CLASS     ? type_class(t, v) != NULL
		          : kind == IT_CHANNEL ? type_has_channel(t, v)
		          : kind < 0           ? type_state(t, v) != NULL
		                               : true;
		if (!ok) {
			char clip[UTF8_CLIP_BUF], why[200];
			snprintf(why, sizeof why, "%s 不是类型 %s 的%s",
			         utf8_clip(v, 32, clip, sizeof clip), t->code,
			         kind == IT_CLASS     ? "分类"
			         : kind == IT_CHANNEL ? "渠道"
			                              : "状态");
			return map_bad(e, field, why);
		}
	}
	return 0;
}

/* "type_fields": {field: column}: each a field of the type t, a time field
 * may carry a format; every required field of the type is mapped (else
 * every row would be refused). Values are checked per row by the engine. */
static int type_fields_load(const struct matter_type *t, json_t *tfs, struct import_map *m,
                            struct err *e)
{
	const char *k;
	json_t *v;
	if (tfs && (!json_is_object(tfs) || json_object_size(tfs) > IMPORT_TYPE_FIELDS_MAX))
		return map_bad(
		    e, "type_fields",
		    "须为对象 {类型字段: 列}，最多 " TEXT_STR(IMPORT_TYPE_FIELDS_MAX) " 个");
	json_object_foreach(tfs, k, v)
	{
		const struct type_field *f = type_field(t, k);
		if (!f)
			return err_set(e, E_FIELD_UNKNOWN, "type_fields",
			               "映射文件的 type_fields：类型 %s 没有字段 %s", t->code,
			               CLIP(k));
		struct import_tfield *x = &m->tf[m->ntf++];
		x->f = f;
		if (col_load(v, "type_fields", f->kind == FK_DATETIME, &x->col, e) != 0)
			return -1;
	}
	for (int i = 0; i < t->nfields; i++) {
		if (!t->fields[i].required || (tfs && json_object_get(tfs, t->fields[i].name)))
			continue;
		char why[160];
		snprintf(why, sizeof why, "须映射类型的必填字段 %s", t->fields[i].name);
		return map_bad(e, "type_fields", why);
	}
	return 0;
}

int import_map_load(const struct app *app, json_t *doc, const char *source, struct import_map *m,
                    struct err *e)
{
	memset(m, 0, sizeof *m);
	if (!json_is_object(doc))
		return err_set(e, E_BAD_REQUEST, NULL, "映射文件须为 JSON 对象");
	m->doc = json_incref(doc);
	const char *bad = json_unknown_key(doc, map_keys, sizeof map_keys / sizeof *map_keys);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, bad, "映射文件有不认识的键 %s", bad);
	const char *src = json_string_value(json_object_get(doc, "source"));
	size_t sl = src ? strlen(src) : 0;
	bool ascii = sl > 0 && sl <= IMPORT_SOURCE_MAX;
	for (size_t i = 0; ascii && i < sl; i++)
		ascii = isalnum((unsigned char)src[i]) || src[i] == '_' || src[i] == '-';
	if (!ascii)
		return map_bad(e, "source", "须为 1–32 个字母、数字、_ 或 -");
	if (source && strcmp(source, src))
		return map_bad(e, "source", "与 --source 给出的来源不同");
	snprintf(m->source, sizeof m->source, "%s", src);
	m->type = json_string_value(json_object_get(doc, "type"));
	const struct matter_type *t = m->type ? types_find(app->types, m->type) : NULL;
	if (!t)
		return map_bad(e, "type", "须为已有的事项类型代码");
	if (!import_column_ok(json_object_get(doc, "id")))
		return map_bad(e, "id", "须为来源编号所在的列名");
	m->id_column = json_string_value(json_object_get(doc, "id"));
	json_t *fields = json_object_get(doc, "fields");
	if (!json_is_object(fields))
		return map_bad(e, "fields", "须为对象 {目标: 列}");
	const char *k;
	json_t *v;
	json_object_foreach(fields, k, v)
	{
		int i = 0;
		while (i < IT__COUNT && strcmp(target_names[i], k))
			i++;
		if (i == IT__COUNT)
			return err_set(e, E_FIELD_UNKNOWN, "fields",
			               "映射文件的 fields 有不认识的目标 %s", CLIP(k));
		if (col_load(v, "fields", i == IT_RECEIVED_AT || i == IT_CLOSED_AT, &m->col[i],
		             e) != 0 ||
		    map_values_check(t, &m->col[i], "fields", i, e) != 0)
			return -1;
	}
	if (!m->col[IT_DESCRIPTION].column)
		return map_bad(e, "fields", "须映射 description（诉求内容）");
	if (!m->col[IT_LAT].column != !m->col[IT_LNG].column)
		return map_bad(e, "fields", "location.lat 与 location.lng 须同时映射");
	json_t *st = json_object_get(doc, "status");
	if (st && (col_load(st, "status", false, &m->status, e) != 0 ||
	           map_values_check(t, &m->status, "status", -1, e) != 0))
		return -1;
	if (st && !m->status.map)
		return map_bad(e, "status", "须带 map {源状态: 类型的状态代码}");
	if (m->col[IT_CLOSED_AT].column && !st)
		return map_bad(e, "fields", "closed_at 须与 status 同时映射（终态的工单按它结案）");
	json_t *h = json_object_get(doc, "history");
	if (h && import_history_load(h, &m->history, e) != 0)
		return -1;
	return type_fields_load(t, json_object_get(doc, "type_fields"), m, e);
}

int import_map_columns(const struct import_map *m, const char **out, int cap)
{
	int n = 0;
	if (n < cap)
		out[n++] = m->id_column;
	for (int i = 0; i < IT__COUNT && n < cap; i++)
		if (m->col[i].column)
			out[n++] = m->col[i].column;
	for (int i = 0; i < m->ntf && n < cap; i++)
		out[n++] = m->tf[i].col.column;
	if (m->status.column && n < cap)
		out[n++] = m->status.column;
	if (m->history.column && n < cap)
		out[n++] = m->history.column;
	return n;
}

void import_map_free(struct import_map *m)
{
	json_decref(m->doc);
	m->doc = NULL;
}

/* ------------------------------------------------------------------ */
/* a row as a case body                                                 */
/* ------------------------------------------------------------------ */

int import_row_refuse(struct import_row *row, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(row->why, sizeof row->why, fmt, ap);
	va_end(ap);
	row->outcome = IR_REJECTED;
	import_row_clear(row);
	return -1;
}

/* The cell of column col, trimmed of spaces; NULL when absent or empty.
 * Numbers (a JSON source) are written out. A cell that is not valid UTF-8
 * or too long fails the row. */
static int cell(const json_t *rec, const char *col, char *num, size_t numcap,
                struct import_row *row, const char **out)
{
	*out = NULL;
	json_t *v = col ? json_object_get(rec, col) : NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_number(v)) {
		snprintf(num, numcap, "%.10g", json_number_value(v));
		*out = num;
		return 0;
	}
	if (!json_is_string(v))
		return import_row_refuse(row, "列“%s”须为文本或数字", CLIP(col));
	const char *s = json_string_value(v);
	if (!utf8_valid(s, json_string_length(v)) || strlen(s) != json_string_length(v))
		return import_row_refuse(row, "列“%s”不是合法的 UTF-8 文本", CLIP(col));
	if (utf8_chars(s) > CELL_CHARS_MAX)
		return import_row_refuse(row, "列“%s”过长（最多 8000 字）", CLIP(col));
	while (*s == ' ')
		s++;
	*out = *s ? s : NULL;
	return 0;
}

/* A mapped value: the cell, through the column's map when it has one. */
static int mapped(const struct import_col *c, const json_t *rec, char *num, size_t cap,
                  struct import_row *row, const char **out)
{
	if (cell(rec, c->column, num, cap, row, out) != 0)
		return -1;
	if (*out && c->map) {
		json_t *to = json_object_get(c->map, *out);
		if (!to)
			return import_row_refuse(row, "列“%s”的值“%s”在映射中没有对应",
			                         CLIP(c->column), CLIP(*out));
		*out = json_string_value(to);
	}
	return 0;
}

int import_time(const char *s, const char *fmt, int64_t *ms)
{
	if (!fmt) {
		if (time_parse_iso_zoned(s, ms) == 0)
			return 0;
		fmt = "%Y-%m-%dT%H:%M:%S";
	}
	struct tm tm = {0};
	const char *end = strptime(s, fmt, &tm);
	if (!end || *end)
		return time_parse_iso_zoned(s, ms);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return -1;
	int64_t day = time_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	int y, mo, d;
	time_ymd_from_day(day, &y, &mo, &d);
	if (d != tm.tm_mday) /* 2月30日 */
		return -1;
	*ms = day * MS_PER_DAY + ((int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) * 1000 -
	      CST_OFFSET_MS;
	return 0;
}

/* A type field's cell as the value a registration would send: an integer,
 * a boolean (true/false, 是/否, 1/0), a time in ISO 8601, a list of orgs
 * (split at 、 or ,) as its kind wants. A cell that does not convert goes
 * as text, for the engine's own field check to refuse in its words. */
static json_t *tfield_value(const struct import_tfield *x, const char *v)
{
	char *end, iso[ISO8601_MAX];
	int64_t ms;
	switch (x->f->kind) {
	case FK_INT:
	case FK_TOPIC:
	case FK_CASE: {
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (!*end && !errno && end != v)
			return json_integer(n);
		break;
	}
	case FK_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "是") || !strcmp(v, "1"))
			return json_true();
		if (!strcmp(v, "false") || !strcmp(v, "否") || !strcmp(v, "0"))
			return json_false();
		break;
	case FK_DATETIME:
		if (import_time(v, x->col.format, &ms) == 0 &&
		    time_format_iso(ms, iso, sizeof iso) > 0)
			return json_string(iso);
		break;
	case FK_ORGS: {
		json_t *list = json_array();
		const char *p = v;
		while (list && *p) {
			size_t len = strcspn(p, ",");
			const char *dun = strstr(p, "、");
			if (dun && (size_t)(dun - p) < len)
				len = (size_t)(dun - p);
			while (len && p[len - 1] == ' ')
				len--;
			if (len)
				json_array_append_new(list, json_stringn_nocheck(p, len));
			p += len;
			p += !strncmp(p, "、", 3) ? 3 : strspn(p, ", ");
		}
		return list;
	}
	default:
		break;
	}
	return json_string(v);
}

/* The mapped type fields of rec into body's "fields". */
static int tfields_build(const struct import_map *m, const json_t *rec, json_t *b,
                         struct import_row *row)
{
	if (m->ntf == 0)
		return 0;
	json_t *fields = json_object();
	json_object_set_new(b, "fields", fields);
	for (int i = 0; i < m->ntf; i++) {
		const struct import_tfield *x = &m->tf[i];
		json_t *raw = json_object_get(rec, x->col.column);
		const char *v;
		char num[32];
		if (json_is_boolean(raw) && !x->col.map) { /* a JSON source's own true/false */
			json_object_set(fields, x->f->name, raw);
			continue;
		}
		if (mapped(&x->col, rec, num, sizeof num, row, &v) != 0)
			return -1;
		if (v && json_object_set_new(fields, x->f->name, tfield_value(x, v)) != 0)
			return import_row_refuse(row, "内存不足");
	}
	return 0;
}

void import_row_build(const struct import_map *m, const json_t *rec, struct import_row *row)
{
	char num[IT__COUNT][32];
	const char *v[IT__COUNT];
	const char *id;
	char idnum[32];
	row->body = NULL;
	row->status = NULL;
	row->steps = NULL;
	row->received_ms = row->closed_ms = 0;
	if (cell(rec, m->id_column, idnum, sizeof idnum, row, &id) != 0)
		return;
	if (!id)
		return (void)import_row_refuse(row, "缺少来源编号（列“%s”）", CLIP(m->id_column));
	if (utf8_chars(id) > IMPORT_ID_MAX || strpbrk(id, "\r\n\t"))
		return (void)import_row_refuse(row, "来源编号“%s”须为 1–64 个字符的单行文本",
		                               CLIP(id));
	snprintf(row->id, sizeof row->id, "%s", id);
	snprintf(row->ext_ref, sizeof row->ext_ref, "%s:%s", m->source, id);
	for (int i = 0; i < IT__COUNT; i++)
		if (mapped(&m->col[i], rec, num[i], sizeof num[i], row, &v[i]) != 0)
			return;
	if (m->status.column &&
	    mapped(&m->status, rec, idnum, sizeof idnum, row, &row->status) != 0)
		return;
	json_t *b = json_pack("{s:s}", "type", m->type);
	row->body = b;
	static const char *const plain[] = {[IT_TITLE] = "title",
	                                    [IT_DESCRIPTION] = "description",
	                                    [IT_CLASS] = "class",
	                                    [IT_CHANNEL] = "channel",
	                                    [IT_ORG] = "org"};
	for (int i = 0; i <= IT_ORG; i++)
		if (plain[i] && v[i])
			json_object_set_new(b, plain[i], json_string(v[i]));
	if (!v[IT_DESCRIPTION])
		return (void)import_row_refuse(row, "诉求内容（列“%s”）为空",
		                               CLIP(m->col[IT_DESCRIPTION].column));
	if (v[IT_RECEIVED_AT]) {
		int64_t ms;
		char iso[ISO8601_MAX];
		if (import_time(v[IT_RECEIVED_AT], m->col[IT_RECEIVED_AT].format, &ms) != 0)
			return (void)import_row_refuse(
			    row, "时间“%s”不合格式 %s", CLIP(v[IT_RECEIVED_AT]),
			    m->col[IT_RECEIVED_AT].format ? m->col[IT_RECEIVED_AT].format
			                                  : "ISO 8601");
		time_format_iso(ms, iso, sizeof iso);
		json_object_set_new(b, "received_at", json_string(iso));
		row->received_ms = ms;
	}
	if (v[IT_CLOSED_AT] &&
	    import_time(v[IT_CLOSED_AT], m->col[IT_CLOSED_AT].format, &row->closed_ms) != 0)
		return (void)import_row_refuse(
		    row, "结案时间“%s”不合格式 %s", CLIP(v[IT_CLOSED_AT]),
		    m->col[IT_CLOSED_AT].format ? m->col[IT_CLOSED_AT].format : "ISO 8601");
	if (v[IT_LAT] && v[IT_LNG]) {
		char *e1, *e2;
		double lat = strtod(v[IT_LAT], &e1), lng = strtod(v[IT_LNG], &e2);
		if (*e1 || *e2 || !isfinite(lat) || !isfinite(lng))
			return (void)import_row_refuse(row, "经纬度“%s, %s”不是数字",
			                               CLIP(v[IT_LAT]), CLIP(v[IT_LNG]));
		json_t *loc = json_pack("{s:f,s:f}", "lat", lat, "lng", lng);
		if (v[IT_ADDRESS])
			json_object_set_new(loc, "address", json_string(v[IT_ADDRESS]));
		json_object_set_new(b, "location", loc);
	}
	if (v[IT_REPORTER_NAME] || v[IT_REPORTER_PHONE]) {
		json_t *rep = json_object();
		if (v[IT_REPORTER_NAME])
			json_object_set_new(rep, "name", json_string(v[IT_REPORTER_NAME]));
		if (v[IT_REPORTER_PHONE])
			json_object_set_new(rep, "phone", json_string(v[IT_REPORTER_PHONE]));
		json_object_set_new(b, "reporter", rep);
	}
	if (tfields_build(m, rec, b, row) != 0 || import_history_build(&m->history, rec, row) != 0)
		return;
	row->outcome = IR_NEW;
}

void import_row_clear(struct import_row *row)
{
	json_decref(row->body);
	row->body = NULL;
	json_decref(row->steps);
	row->steps = NULL;
}

/* ------------------------------------------------------------------ */
/* writing                                                              */
/* ------------------------------------------------------------------ */

static int load_as(struct wctx *w, const char *login, struct actor *a, struct err *e)
{
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (!uid || actor_load(w->conn, uid, a) != 0)
		return err_set(e, E_BAD_REQUEST, NULL, "没有账号 %s", login);
	if (!actor_has(a, P_CASE_IMPORT))
		return err_set(e, E_FORBIDDEN, NULL, "账号 %s 没有导入（case.import）的权限",
		               login);
	return 0;
}

int import_event(struct wctx *w, const struct actor *a, int64_t case_id, const char *action,
                 json_t *payload)
{
	char *text = payload ? json_canonical(payload) : NULL;
	json_decref(payload);
	if (!text)
		return -1;
	struct event_rec ev = {.case_id = case_id,
	                       .at = w->now,
	                       .actor_id = a->user_id,
	                       .org_id = a->org_id,
	                       .action = action,
	                       .payload = text};
	int rc = wctx_event(w, &ev);
	free(text);
	return rc;
}

/* A row seen before: its text updated if the source changed it. */
static int row_sync(struct wctx *w, const struct actor *a, int64_t id, struct import_row *row,
                    struct err *e)
{
	const char *desc = json_string_value(json_object_get(row->body, "description"));
	const char *title = json_string_value(json_object_get(row->body, "title"));
	struct store_stmt *s = store_stmt(w->conn, ST_CASE_TEXT_GET);
	sbind_int(s, 1, id);
	if (sstep(s) != STORE_ROW) {
		sreset(s);
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	}
	char *old_title = strdup(scol_text(s, 0)), *old_desc = strdup(scol_text(s, 1));
	sreset(s);
	int rc = 0;
	if (!old_title || !old_desc)
		rc = err_oom(e);
	else if (!strcmp(old_desc, desc) && (!title || !strcmp(old_title, title)))
		row->outcome = IR_UNCHANGED;
	else if (utf8_chars(desc) > CASE_TEXT_MAX || (title && utf8_chars(title) > CASE_TITLE_MAX))
		rc = err_set(e, E_FIELD_TOO_LONG, "description", "诉求内容或标题过长");
	else {
		s = store_stmt(w->conn, ST_CASE_IMPORT_TEXT);
		sbind_int(s, 1, id);
		sbind_text(s, 2, title ? title : old_title);
		sbind_text(s, 3, desc);
		sbind_int(s, 4, w->now);
		bool ok = sstep(s) == STORE_DONE;
		sreset(s);
		json_t *p = json_pack("{s:s,s:s,s:s}", "ext_ref", row->ext_ref, "from", old_desc,
		                      "to", desc);
		if (p && title && strcmp(old_title, title)) {
			json_object_set_new(p, "title_from", json_string(old_title));
			json_object_set_new(p, "title_to", json_string(title));
		}
		if (!ok || search_replace(w, id) != 0 ||
		    import_event(w, a, id, "import.update", p) != 0)
			rc = err_set(e, E_UNAVAILABLE, NULL, NULL);
		else
			row->outcome = IR_UPDATED;
	}
	free(old_title);
	free(old_desc);
	int added = 0;
	if (rc == 0 && import_history_write(w, a, id, false, row, &added, e) != 0)
		return -1;
	if (added > 0) /* new steps of the source's history: the case changed */
		row->outcome = IR_UPDATED;
	return rc;
}

/* A new case's mapped state st (not the initial one), set by an
 * "import.status" event. A final state closes the case at the row's close
 * time when the mapping gives one, else at its received_at, and stops its
 * timers; its deadline stays as computed. */
static int row_status(struct wctx *w, const struct actor *a, int64_t id,
                      const struct type_state *st, const struct import_row *row, struct err *e)
{
	struct case_full cf;
	if (case_load(w->conn, w->app, id, &cf) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	char *fields = json_dumps(cf.c.fields, JSON_COMPACT);
	struct store_stmt *s = store_stmt(w->conn, ST_CASE_UPDATE);
	sbind_int(s, 1, id);
	sbind_text(s, 2, st->code);
	sbind_text(s, 3, fields ? fields : "{}");
	sbind_opt_int(s, 4, cf.c.due_at);
	sbind_opt_int(s, 5, !st->final ? 0 : row->closed_ms ? row->closed_ms : cf.c.received_at);
	sbind_int(s, 6, w->now);
	sbind_int(s, 7, cf.c.version);
	bool ok = sstep(s) == STORE_DONE;
	sreset(s);
	free(fields);
	if (ok && st->final) { /* closed at the source: no deadline runs here */
		s = store_stmt(w->conn, ST_TIMER_STOP_CASE);
		sbind_int(s, 1, id);
		ok = sstep(s) == STORE_DONE;
		sreset(s);
	}
	json_t *p = json_pack("{s:s,s:s,s:s}", "ext_ref", row->ext_ref, "from", cf.c.status, "to",
	                      st->code);
	case_full_release(&cf);
	if (!ok || import_event(w, a, id, "import.status", p) != 0)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	return 0;
}

/* A new row: created as the importer, then its state (row_status) and its
 * history's steps. A close time, used when the state is final, lies
 * between the row's received_at (or now, when it has none) and now. */
static int row_create(struct wctx *w, const struct actor *a, const struct import_map *m,
                      struct import_row *row, struct err *e)
{
	const struct matter_type *t = types_find(w->app->types, m->type);
	const struct type_state *st = row->status ? type_state(t, row->status) : NULL;
	if (st && st->final && row->closed_ms) {
		if (row->closed_ms > w->now + IMPORT_CLOCK_SLACK_MS)
			return err_set(e, E_FIELD_INVALID, NULL, "结案时间晚于现在");
		if (row->closed_ms < (row->received_ms ? row->received_ms : w->now))
			return err_set(e, E_FIELD_INVALID, NULL, "结案时间早于受理时间");
	}
	int64_t id;
	int added;
	if (engine_create_plain(w, a, row->body, row->ext_ref, &id, e) != 0 ||
	    (st && !st->initial && row_status(w, a, id, st, row, e) != 0) ||
	    import_history_write(w, a, id, true, row, &added, e) != 0)
		return -1;
	row->outcome = IR_NEW;
	return 0;
}

int import_rows_write(struct wctx *w, const struct actor *a, const struct import_map *m,
                      struct import_row *rows, int n, struct err *err)
{
	for (int i = 0; i < n; i++) {
		struct import_row *row = &rows[i];
		if (row->outcome == IR_REJECTED)
			continue;
		/* each row alone: a fault rolls back this row's writes, its events
		 * on the chain and its index entries, and nothing else */
		struct chain_head before = *w->head;
		int mark = w->search ? search_queue_mark(w->search) : 0;
		if (store_exec(w->conn, ST_SAVEPOINT) != STORE_OK)
			return err_set(err, E_UNAVAILABLE, NULL, NULL);
		struct err e = {0};
		struct store_stmt *s = store_stmt(w->conn, ST_CASE_BY_EXT_REF);
		sbind_text(s, 1, m->type);
		sbind_text(s, 2, row->ext_ref);
		int64_t id = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
		sreset(s);
		int rc = id ? row_sync(w, a, id, row, &e) : row_create(w, a, m, row, &e);
		if (rc != 0) {
			store_exec(w->conn, ST_ROLLBACK_TO);
			*w->head = before;
			if (w->search)
				search_queue_truncate(w->search, mark);
			row->outcome = IR_REJECTED;
			snprintf(row->why, sizeof row->why, "%s%s%s",
			         e.kind == E_OK ? "写入失败" : err_message(&e),
			         e.field[0] ? "（" : "", e.field[0] ? e.field : "");
			if (e.field[0])
				strncat(row->why, "）", sizeof row->why - strlen(row->why) - 1);
		}
		store_exec(w->conn, ST_RELEASE);
		if (!store_in_txn(w->conn))
			return err_set(err, E_UNAVAILABLE, NULL, NULL);
	}
	return 0;
}

int import_batch_job(struct wctx *w, struct write_job *job)
{
	struct import_batch *b = job->arg;
	struct actor a;
	if (load_as(w, b->as, &a, &b->e) != 0)
		return -1;
	return import_rows_write(w, &a, b->m, b->rows, b->n, &b->e);
}

int import_run_event(struct wctx *w, const struct actor *a, const struct import_map *m,
                     const char *file, const struct import_counts *n)
{
	const char *base = strrchr(file, '/');
	json_t *p = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "source", m->source, "type", m->type,
	                      "file", base ? base + 1 : file, "added", n->added, "updated",
	                      n->updated, "unchanged", n->unchanged, "refused", n->rejected);
	return import_event(w, a, 0, "import.run", p);
}

int import_run_job(struct wctx *w, struct write_job *job)
{
	struct import_run *r = job->arg;
	struct actor a;
	if (load_as(w, r->as, &a, &r->e) != 0)
		return -1;
	if (import_run_event(w, &a, r->m, r->file, &r->n) != 0)
		return err_set(&r->e, E_UNAVAILABLE, NULL, NULL);
	return 0;
}
