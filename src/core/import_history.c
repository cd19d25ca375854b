/*
 * 多网合一: a source row's own handling history (docs/import.md,
 * "History"). The mapping's "history" names the column that holds it: a
 * JSON array of steps (a CSV cell holds the array's text; a JSON source may
 * hold the array itself), each {"at": time, "step": what was done,
 * "note"?: remarks, "unit"?: who did it}, its keys renamed by the mapping's
 * "keys" where the source calls them otherwise.
 *
 * Each step becomes one "import.history" event on the case, payload
 * {"ext_ref","seq","at","step","note"?,"unit"?,"digest"}. The event's own
 * time is the server's write time, as every event's is (the audit chain is
 * append-only in server time; an import's "import.status" is written the
 * same way, and the source's received_at lives on the case, not on an
 * event): the source's time is the payload's "at".
 *
 * A re-run appends only the steps after those recorded: "seq" numbers a
 * case's steps and "digest" chains them (BLAKE2b of the digest before and
 * the step's canonical JSON), so the last event says how many steps are in
 * and what they were. A source whose first steps no longer hash to it (an
 * old step edited or removed) has its row refused: the chain cannot take a
 * step back, and skipping it silently would leave the two systems telling
 * different stories.
 */
#include "core/app.h"
#include "core/engine.h"
#include "core/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define HISTORY_ACTION "import.history"
#define STEP_CHARS 64
#define UNIT_CHARS 64
#define NOTE_CHARS 1000
#define CLIP(s) utf8_clip((s), 40, (char[UTF8_CLIP_BUF]){0}, UTF8_CLIP_BUF)

static const char *const spec_keys[] = {"column", "format", "keys", "time_format"};
static const char *const step_keys[IH__COUNT] = {"at", "step", "note", "unit"};

static int spec_bad(struct err *e, const char *why)
{
	return err_set(e, E_FIELD_INVALID, "history", "映射文件的 history：%s", why);
}

int import_history_load(json_t *spec, struct import_history *h, struct err *e)
{
	memset(h, 0, sizeof *h);
	memcpy(h->keys, step_keys, sizeof h->keys);
	if (!json_is_object(spec))
		return spec_bad(e, "须为 {\"column\":列名,\"format\":\"json\",…}");
	if (json_unknown_key(spec, spec_keys, sizeof spec_keys / sizeof *spec_keys))
		return spec_bad(e, "不认识的键（可用 column、format、keys、time_format）");
	if (!import_column_ok(json_object_get(spec, "column")))
		return spec_bad(e, "column 须为 1–64 个字符的列名");
	json_t *fmt = json_object_get(spec, "format");
	if (fmt && (!json_is_string(fmt) || strcmp(json_string_value(fmt), "json")))
		return spec_bad(e, "format 只能是 \"json\"（单元格是步骤的 JSON 数组）");
	json_t *keys = json_object_get(spec, "keys"), *v;
	const char *k;
	if (keys && !json_is_object(keys))
		return spec_bad(e, "keys 须为对象 {\"at\"|\"step\"|\"note\"|\"unit\": 来源的键名}");
	json_object_foreach(keys, k, v)
	{
		int i = 0;
		while (i < IH__COUNT && strcmp(step_keys[i], k))
			i++;
		if (i == IH__COUNT)
			return spec_bad(e, "keys 只能改名 at、step、note、unit");
		if (!import_column_ok(v))
			return spec_bad(e, "keys 的值须为 1–64 个字符的键名");
		h->keys[i] = json_string_value(v);
	}
	json_t *tf = json_object_get(spec, "time_format");
	if (tf &&
	    (!json_is_string(tf) || json_string_length(tf) == 0 || json_string_length(tf) > 64))
		return spec_bad(e, "time_format 须为 strptime 格式");
	h->time_format = json_string_value(tf);
	h->column = json_string_value(json_object_get(spec, "column"));
	return 0;
}

/* The history cell as a JSON array (owned), NULL for an empty cell; -1
 * with the row refused. */
static int cell_array(const struct import_history *h, const json_t *rec, struct import_row *row,
                      json_t **out)
{
	const char *col = h->column;
	json_t *v = json_object_get(rec, col);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	size_t len;
	if (json_is_array(v)) { /* a JSON source's own array: bounded by its text */
		char *text = json_dumps(v, JSON_COMPACT);
		len = text ? strlen(text) : (size_t)-1;
		free(text);
		*out = json_incref(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		len = json_string_length(v);
		if (!utf8_valid(s, len) || strlen(s) != len)
			return import_row_refuse(row, "处理记录（列“%s”）不是合法的 UTF-8 文本",
			                         CLIP(col));
		if (len <= IMPORT_HISTORY_BYTES && text_blank(s))
			return 0;
		json_error_t je;
		if (len <= IMPORT_HISTORY_BYTES &&
		    !(*out = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je)))
			return import_row_refuse(row, "处理记录（列“%s”）不是合法的 JSON：%s",
			                         CLIP(col), je.text);
	} else
		return import_row_refuse(row, "处理记录（列“%s”）须为步骤的 JSON 数组", CLIP(col));
	if (len > IMPORT_HISTORY_BYTES) {
		json_decref(*out);
		*out = NULL;
		return import_row_refuse(row, "处理记录（列“%s”）过长（最多 64 KiB）", CLIP(col));
	}
	if (!json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		return import_row_refuse(row, "处理记录（列“%s”）须为 JSON 数组 [{…},…]",
		                         CLIP(col));
	}
	return 0;
}

/* One text of step n (1-based) into out under name: what text_fault
 * allows, or the row refused. */
static int step_text(json_t *st, const char *key, const char *name, size_t max, unsigned flags,
                     size_t n, json_t *out, struct import_row *row)
{
	json_t *v = json_object_get(st, key);
	if (!v && !(flags & TEXT_NONEMPTY))
		return 0;
	switch (text_fault(v, max, flags)) {
	case TEXT_OK:
		return json_object_set(out, name, v);
	case TEXT_TOO_LONG:
		return import_row_refuse(row, "处理记录第 %zu 步的 %s 过长（最多 %zu 字）", n,
		                         CLIP(key), max);
	case TEXT_CONTROL:
		return import_row_refuse(row, "处理记录第 %zu 步的 %s 含有控制字符", n, CLIP(key));
	default:
		return import_row_refuse(row, "处理记录第 %zu 步缺少 %s（非空文本）", n, CLIP(key));
	}
}

int import_history_build(const struct import_history *h, const json_t *rec, struct import_row *row)
{
	json_t *arr;
	row->steps = NULL;
	if (!h->column)
		return 0;
	if (cell_array(h, rec, row, &arr) != 0)
		return -1;
	if (!arr) /* an empty cell: no history */
		return 0;
	if (json_array_size(arr) > IMPORT_HISTORY_STEPS) {
		size_t n = json_array_size(arr);
		json_decref(arr);
		return import_row_refuse(row, "处理记录有 %zu 步，最多 %d 步", n,
		                         IMPORT_HISTORY_STEPS);
	}
	json_t *steps = json_array(), *st;
	size_t i;
	int rc = steps ? 0 : import_row_refuse(row, "内存不足");
	json_array_foreach(arr, i, st)
	{
		json_t *at = json_object_get(st, h->keys[IH_AT]), *out = json_object();
		char iso[ISO8601_MAX];
		int64_t ms;
		if (rc != 0 || !out)
			rc = -1;
		else if (!json_is_object(st))
			rc = import_row_refuse(row, "处理记录第 %zu 步须为对象", i + 1);
		else if (!json_is_string(at) ||
		         import_time(json_string_value(at), h->time_format, &ms) != 0 ||
		         time_format_iso(ms, iso, sizeof iso) < 0)
			rc =
			    import_row_refuse(row, "处理记录第 %zu 步的时间“%s”不合格式 %s", i + 1,
			                      json_is_string(at) ? CLIP(json_string_value(at)) : "",
			                      h->time_format ? h->time_format : "ISO 8601");
		else if (json_object_set_new(out, "at", json_string(iso)) != 0 ||
		         step_text(st, h->keys[IH_STEP], "step", STEP_CHARS, TEXT_NONEMPTY, i + 1,
		                   out, row) != 0 ||
		         step_text(st, h->keys[IH_NOTE], "note", NOTE_CHARS, TEXT_MULTILINE, i + 1,
		                   out, row) != 0 ||
		         step_text(st, h->keys[IH_UNIT], "unit", UNIT_CHARS, 0, i + 1, out, row) !=
		             0)
			rc = -1;
		if (rc == 0)
			json_array_append(steps, out);
		json_decref(out);
	}
	json_decref(arr);
	if (rc != 0 || json_array_size(steps) == 0) {
		json_decref(steps);
		if (rc != 0 && row->outcome != IR_REJECTED)
			import_row_refuse(row, "内存不足");
		return rc;
	}
	row->steps = steps;
	return 0;
}

/* d = BLAKE2b(d || the step's canonical JSON): the digest of the steps up
 * to and with this one. */
static int digest_step(unsigned char d[HASH_LEN], const json_t *step)
{
	char *text = json_canonical(step);
	if (!text)
		return -1;
	unsigned char prev[HASH_LEN];
	memcpy(prev, d, HASH_LEN);
	hash_blake2b(d, prev, HASH_LEN, text, strlen(text));
	free(text);
	return 0;
}

/* The last step recorded on case id: *seq (0: none) and its digest. */
static int recorded(struct wctx *w, int64_t id, int *seq, char hex[2 * HASH_LEN + 1], struct err *e)
{
	struct store_stmt *s = store_stmt(w->conn, ST_EVENT_LAST_OF_CASE);
	sbind_int(s, 1, id);
	sbind_text(s, 2, HISTORY_ACTION);
	int rc = sstep(s);
	*seq = 0;
	hex[0] = 0;
	if (rc == STORE_ROW) {
		json_t *p = json_loads(scol_text(s, 0), 0, NULL);
		*seq = (int)json_integer_value(json_object_get(p, "seq"));
		const char *d = json_string_value(json_object_get(p, "digest"));
		snprintf(hex, 2 * HASH_LEN + 1, "%s", d ? d : "");
		json_decref(p);
	}
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	return 0;
}

int import_history_write(struct wctx *w, const struct actor *a, int64_t id, bool is_new,
                         const struct import_row *row, int *added, struct err *e)
{
	*added = 0;
	size_t n = json_array_size(row->steps); /* an empty cell leaves the recorded ones */
	for (size_t i = 0; i < n; i++) {
		int64_t ms = 0;
		const char *at =
		    json_string_value(json_object_get(json_array_get(row->steps, i), "at"));
		if (time_parse_iso(at, &ms) != 0 || ms > w->now + IMPORT_CLOCK_SLACK_MS)
			return err_set(e, E_FIELD_INVALID, NULL,
			               "处理记录第 %zu 步的时间 %s 晚于现在", i + 1, at ? at : "");
	}
	int seq = 0;
	char was[2 * HASH_LEN + 1], hex[2 * HASH_LEN + 1];
	if (n == 0 || (!is_new && recorded(w, id, &seq, was, e) != 0))
		return n == 0 ? 0 : -1;
	if ((size_t)seq > n)
		return err_set(
		    e, E_CONFLICT, NULL,
		    "来源的处理记录只有 %zu 步，少于已导入的 %d 步：原系统删改了已导入的步骤，"
		    "平台的记录只增不改",
		    n, seq);
	unsigned char d[HASH_LEN] = {0};
	for (int i = 0; i < seq; i++)
		if (digest_step(d, json_array_get(row->steps, (size_t)i)) != 0)
			return err_oom(e);
	hex_encode(d, HASH_LEN, hex);
	if (seq > 0 && strcmp(hex, was))
		return err_set(
		    e, E_CONFLICT, NULL,
		    "来源改写了已导入的前 %d 步处理记录：平台的记录只增不改，新步骤未写入", seq);
	for (size_t i = (size_t)seq; i < n; i++) {
		json_t *step = json_array_get(row->steps, i);
		if (digest_step(d, step) != 0)
			return err_oom(e);
		hex_encode(d, HASH_LEN, hex);
		json_t *p = json_deep_copy(step);
		if (!p || json_object_set_new(p, "ext_ref", json_string(row->ext_ref)) != 0 ||
		    json_object_set_new(p, "seq", json_integer((json_int_t)i + 1)) != 0 ||
		    json_object_set_new(p, "digest", json_string(hex)) != 0) {
			json_decref(p);
			return err_oom(e);
		}
		if (import_event(w, a, id, HISTORY_ACTION, p) != 0)
			return err_set(e, E_UNAVAILABLE, NULL, NULL);
		(*added)++;
	}
	return 0;
}
