/* The dispatch catalogue: its check, its versions and its export
 * (catalogue.h; the CSV import is catalogue_csv.c). */
#include "core/catalogue.h"
#include "core/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"

static const char *const entry_keys[] = {"org",     "category", "duty",    "keywords",
                                         "classes", "region",   "negative"};

/* The kinds a catalogue entry may name: units that take cases from the
 * hotline. Villages and grids are never in it (a department's matter is
 * not pushed down); the model alone may propose them. */
static bool entry_kind_ok(const char *kind)
{
	return !strcmp(kind, "department") || !strcmp(kind, "township") ||
	       !strcmp(kind, "enterprise");
}

/* The kind of org `code` into kind[24]: 0, or -1 when there is none. */
static int org_kind_of(struct store_conn *c, const char *code, char kind[24])
{
	struct store_stmt *s = store_stmt(c, ST_ORG_BY_CODE);
	sbind_text(s, 1, code);
	int rc = -1;
	if (sstep(s) == STORE_ROW) {
		snprintf(kind, 24, "%s", scol_text(s, 3));
		rc = 0;
	}
	sreset(s);
	return rc;
}

/* A one-line text of 1..max characters at `field`. */
static int check_text(const json_t *v, size_t max, const char *field, struct err *e)
{
	switch (text_fault(v, max, TEXT_NONEMPTY)) {
	case TEXT_OK:
		return 0;
	case TEXT_TOO_LONG:
		return err_set(e, E_FIELD_TOO_LONG, field, "%s 最多 %zu 字", field, max);
	default:
		return err_set(e, E_FIELD_INVALID, field, "%s 必须是非空单行文本", field);
	}
}

/* A list of 1..max distinct words of 1..chars characters each (absent is
 * fine unless required). */
static int check_words(const json_t *v, size_t max, size_t chars, bool required, const char *field,
                       struct err *e)
{
	if (!v) {
		if (required)
			return err_set(e, E_FIELD_REQUIRED, field, "缺少 %s", field);
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return err_set(e, E_FIELD_INVALID, field, "%s 必须是非空的文本数组", field);
	if (json_array_size(v) > max)
		return err_set(e, E_FIELD_TOO_LONG, field, "%s 最多 %zu 个", field, max);
	char at[96];
	for (size_t i = 0; i < json_array_size(v); i++) {
		snprintf(at, sizeof at, "%s[%u]", field, (unsigned)i);
		json_t *w = json_array_get(v, i);
		if (check_text(w, chars, at, e) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(v, j), w))
				return err_set(e, E_FIELD_INVALID, at, "%s 与前面的词重复", at);
	}
	return 0;
}

/* The entry's org: "@township", or a known unit that takes cases. */
static int check_org(struct store_conn *c, const json_t *v, const char *field, struct err *e)
{
	if (check_text(v, 63, field, e) != 0)
		return -1;
	const char *code = json_string_value(v);
	char kind[24];
	if (!strcmp(code, CATALOGUE_TOWNSHIP))
		return 0;
	if (org_kind_of(c, code, kind) != 0)
		return err_set(e, E_FIELD_INVALID, field, "%s：没有这个单位", field);
	if (!entry_kind_ok(kind))
		return err_set(e, E_FIELD_INVALID, field,
		               "%s：派单目录只列部门、乡镇和企业，村（社区）与网格不直接承接派单",
		               field);
	return 0;
}

/* The entry's region: the county or a township (its area). */
static int check_region(struct store_conn *c, const json_t *v, const char *field, struct err *e)
{
	char kind[24];
	if (!v)
		return 0;
	if (check_text(v, 63, field, e) != 0)
		return -1;
	if (org_kind_of(c, json_string_value(v), kind) != 0)
		return err_set(e, E_FIELD_INVALID, field, "%s：没有这个单位", field);
	if (strcmp(kind, "county") != 0 && strcmp(kind, "township") != 0)
		return err_set(e, E_FIELD_INVALID, field, "%s 须为县或乡镇", field);
	return 0;
}

static int check_entry(struct store_conn *c, json_t *o, size_t i, struct err *e)
{
	char at[24], f[64];
	snprintf(at, sizeof at, "entries[%u]", (unsigned)i);
	if (!json_is_object(o))
		return err_set(e, E_FIELD_INVALID, at, "%s 必须是对象", at);
	const char *bad = json_unknown_key(o, entry_keys, sizeof entry_keys / sizeof *entry_keys);
	if (bad) {
		snprintf(f, sizeof f, "%.23s.%.39s", at, bad);
		utf8_scrub(f);
		return err_set(e, E_FIELD_UNKNOWN, f, "不认识的字段 %s", f);
	}
#define AT(key) (snprintf(f, sizeof f, "%s.%s", at, key), f)
	json_t *org = json_object_get(o, "org"), *cat = json_object_get(o, "category");
	json_t *duty = json_object_get(o, "duty");
	if (!org)
		return err_set(e, E_FIELD_REQUIRED, AT("org"), "缺少承办单位 %s", f);
	if (check_org(c, org, AT("org"), e) != 0)
		return -1;
	if (!cat)
		return err_set(e, E_FIELD_REQUIRED, AT("category"), "缺少类别 %s", f);
	if (check_text(cat, CATALOGUE_CATEGORY_CHARS, AT("category"), e) != 0 ||
	    (duty && check_text(duty, CATALOGUE_DUTY_CHARS, AT("duty"), e) != 0) ||
	    check_words(json_object_get(o, "keywords"), CATALOGUE_KEYWORDS_MAX,
	                CATALOGUE_KEYWORD_CHARS, true, AT("keywords"), e) != 0 ||
	    check_words(json_object_get(o, "classes"), CATALOGUE_CLASSES_MAX, 32, false,
	                AT("classes"), e) != 0 ||
	    check_words(json_object_get(o, "negative"), CATALOGUE_NEGATIVE_MAX,
	                CATALOGUE_KEYWORD_CHARS, false, AT("negative"), e) != 0 ||
	    check_region(c, json_object_get(o, "region"), AT("region"), e) != 0)
		return -1;
#undef AT
	return 0;
}

int catalogue_check_classes(const struct type_registry *types, const json_t *doc, struct err *e)
{
	size_t i, j;
	json_t *o, *cls;
	json_array_foreach(json_object_get(doc, "entries"), i, o)
	{
		json_array_foreach(json_object_get(o, "classes"), j, cls)
		{
			bool known = false;
			for (int t = 0; types && t < types->ntypes && !known; t++)
				known =
				    type_class(&types->types[t], json_string_value(cls)) != NULL;
			if (!known) {
				char f[64];
				snprintf(f, sizeof f, "entries[%u].classes[%u]", (unsigned)i,
				         (unsigned)j);
				return err_set(e, E_FIELD_INVALID, f, "%s：没有这个分类", f);
			}
		}
	}
	return 0;
}

int catalogue_check(struct store_conn *c, const json_t *entries, json_t **out, struct err *e)
{
	*out = NULL;
	if (!entries)
		return err_set(e, E_FIELD_REQUIRED, "entries", "缺少目录条目 entries");
	if (!json_is_array(entries))
		return err_set(e, E_FIELD_INVALID, "entries", "entries 必须是数组");
	if (json_array_size(entries) > CATALOGUE_ENTRIES_MAX)
		return err_set(e, E_FIELD_TOO_LONG, "entries",
		               "目录最多 " TEXT_STR(CATALOGUE_ENTRIES_MAX) " 条");
	for (size_t i = 0; i < json_array_size(entries); i++)
		if (check_entry(c, json_array_get(entries, i), i, e) != 0)
			return -1;
	json_t *doc = json_pack("{s:O}", "entries", entries);
	char *text = doc ? json_canonical(doc) : NULL;
	size_t len = text ? strlen(text) : 0;
	free(text);
	if (!text) {
		json_decref(doc);
		return err_oom(e);
	}
	if (len > CATALOGUE_BODY_MAX) {
		json_decref(doc);
		return err_set(e, E_FIELD_TOO_LONG, "entries", "目录超过 1 MiB");
	}
	*out = doc;
	return 0;
}

int64_t catalogue_head(struct store_conn *c)
{
	struct store_stmt *s = store_stmt(c, ST_CATALOGUE_HEAD);
	int64_t v = sstep(s) == STORE_ROW ? scol_int(s, 0) : -1;
	sreset(s);
	return v;
}

int catalogue_save(struct wctx *w, int64_t actor_id, int64_t org_id, const json_t *doc,
                   const char *note, int64_t expect, const char *via, int64_t *version,
                   struct err *e)
{
	int64_t head = catalogue_head(w->conn);
	if (head < 0)
		return store_fail(e);
	if (expect != head)
		return err_set(e, E_CONFLICT, "version",
		               "派单目录已更新为第 %lld 版，请刷新后再保存", (long long)head);
	char *text = json_canonical(doc);
	if (!text)
		return err_oom(e);
	struct store_stmt *s = store_stmt(w->conn, ST_CATALOGUE_INSERT);
	sbind_int(s, 1, head + 1);
	sbind_text(s, 2, text);
	sbind_text(s, 3, note);
	if (actor_id)
		sbind_int(s, 4, actor_id);
	else
		sbind_null(s, 4);
	sbind_int(s, 5, w->now);
	int rc = sdone(s);
	free(text);
	if (rc != STORE_DONE)
		return store_fail(e);
	*version = head + 1;
	json_t *payload = json_pack(
	    "{s:I,s:I,s:s?,s:s}", "version", (json_int_t)*version, "entries",
	    (json_int_t)json_array_size(json_object_get(doc, "entries")), "note", note, "via", via);
	char *ptext = payload ? json_canonical(payload) : NULL;
	json_decref(payload);
	if (!ptext)
		return err_oom(e);
	struct event_rec ev = {.at = w->now,
	                       .actor_id = actor_id,
	                       .org_id = org_id,
	                       .action = "catalogue.save",
	                       .payload = ptext};
	rc = wctx_event(w, &ev);
	free(ptext);
	return rc == 0 ? 0 : store_fail(e);
}

/* "created_at" and "created_by" of a version row (columns 3..5 of
 * CATALOGUE_COLS, or at..at+2 generally) into o. */
static void version_meta(json_t *o, struct store_stmt *s, int at_col, int login_col)
{
	char at[ISO8601_MAX];
	time_format_iso(scol_int(s, at_col), at, sizeof at);
	json_object_set_new(o, "created_at", json_string(at));
	json_object_set_new(o, "created_by",
	                    scol_null(s, login_col)
	                        ? json_null()
	                        : json_pack("{s:s,s:s}", "login", scol_text(s, login_col), "name",
	                                    scol_text(s, login_col + 1)));
}

int catalogue_get(struct store_conn *c, int64_t version, json_t **out, struct err *e)
{
	struct store_stmt *s = store_stmt(c, version ? ST_CATALOGUE_VERSION : ST_CATALOGUE_CURRENT);
	if (version)
		sbind_int(s, 1, version);
	int rc = sstep(s);
	*out = NULL;
	if (rc == STORE_ROW) {
		json_t *doc = json_loads(scol_text(s, 1), 0, NULL);
		json_t *entries = json_object_get(doc, "entries");
		*out = json_pack("{s:I,s:s?,s:O}", "version", (json_int_t)scol_int(s, 0), "note",
		                 scol_null(s, 2) ? NULL : scol_text(s, 2), "entries",
		                 entries ? entries : json_array());
		if (*out)
			version_meta(*out, s, 3, 4);
		if (*out && scol_null(s, 2))
			json_object_set_new(*out, "note", json_null());
		json_decref(doc);
	}
	sreset(s);
	if (rc == STORE_ROW)
		return *out ? 0 : err_oom(e);
	if (rc != STORE_DONE)
		return store_fail(e);
	if (version)
		return err_set(e, E_NOT_FOUND, "version", "没有第 %lld 版派单目录",
		               (long long)version);
	/* none saved yet: an empty version 0 */
	*out = json_pack("{s:i,s:n,s:n,s:n,s:[]}", "version", 0, "note", "created_at", "created_by",
	                 "entries");
	return *out ? 0 : err_oom(e);
}

int catalogue_versions(struct store_conn *c, json_t **out, struct err *e)
{
	json_t *items = json_array();
	struct store_stmt *s = store_stmt(c, ST_CATALOGUE_LIST);
	sbind_int(s, 1, CATALOGUE_VERSIONS_LISTED);
	int rc;
	while (items && (rc = sstep(s)) == STORE_ROW) {
		json_t *o = json_pack("{s:I,s:s?,s:I}", "version", (json_int_t)scol_int(s, 0),
		                      "note", scol_null(s, 1) ? NULL : scol_text(s, 1), "entries",
		                      (json_int_t)scol_int(s, 5));
		if (!o)
			break;
		if (scol_null(s, 1))
			json_object_set_new(o, "note", json_null());
		version_meta(o, s, 2, 3);
		json_array_append_new(items, o);
	}
	sreset(s);
	if (!items || rc != STORE_DONE) {
		json_decref(items);
		return store_fail(e);
	}
	*out = json_pack("{s:o}", "items", items);
	return *out ? 0 : err_oom(e);
}

/* The words of list v joined with 、 into a new string ("" if none). */
static char *words_cell(const json_t *v)
{
	struct buf b;
	buf_init(&b, CATALOGUE_BODY_MAX);
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (i)
			buf_puts(&b, "、");
		buf_puts(&b, json_string_value(json_array_get(v, i)));
	}
	if (b.overflow) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static const struct sheet_col catalogue_cols[] = {
    {"org", 14},     {"category", 28}, {"duty", 40},     {"keywords", 60},
    {"classes", 16}, {"region", 12},   {"negative", 20},
};

/* One entry as a sheet row. */
static int entry_row(struct sheet *sh, json_t *o, struct err *e)
{
	char *lists[3] = {words_cell(json_object_get(o, "keywords")),
	                  words_cell(json_object_get(o, "classes")),
	                  words_cell(json_object_get(o, "negative"))};
	int rc = -1;
	if (lists[0] && lists[1] && lists[2]) {
		const char *cells[] = {json_string_value(json_object_get(o, "org")),
		                       json_string_value(json_object_get(o, "category")),
		                       json_string_value(json_object_get(o, "duty")),
		                       lists[0],
		                       lists[1],
		                       json_string_value(json_object_get(o, "region")),
		                       lists[2]};
		rc = sheet_row(sh, cells, e);
	} else {
		err_oom(e);
	}
	for (int i = 0; i < 3; i++)
		free(lists[i]);
	return rc;
}

int catalogue_sheet(struct store_conn *c, enum sheet_format fmt, const char *dir, int *fd,
                    int64_t *size, struct err *e)
{
	json_t *cat;
	if (catalogue_get(c, 0, &cat, e) != 0)
		return -1;
	struct sheet *sh = sheet_new(fmt, dir, "派单目录", catalogue_cols,
	                             (int)(sizeof catalogue_cols / sizeof *catalogue_cols), e);
	int rc = sh ? 0 : -1;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(cat, "entries"), i, o)
	{
		if (rc == 0)
			rc = entry_row(sh, o, e);
	}
	if (rc == 0)
		rc = sheet_finish(sh, fd, size, e);
	sheet_free(sh);
	json_decref(cat);
	return rc;
}
