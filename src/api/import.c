/*
 * POST /api/v1/import (import.manage, the administrator): 多网合一 through
 * the API, for rows another system hands over while the server runs (the
 * command line, `civicloop import`, is for whole files with the server
 * stopped; both share core/import.h and docs/import.md).
 *
 * Body: {"mapping": MAPPING, "rows": [ROW…], "file"?: name} — the mapping
 * document of docs/import.md and 1–IMPORT_API_ROWS rows, each an object of
 * column → string or number (the source's own export as JSON). The shape is
 * checked on the HTTP thread; the mapping is checked against the types in
 * the writer job before any row, and a fault there is a 400 that writes
 * nothing. Then every row is written in its own savepoint inside the one
 * job: a refused row leaves nothing, the others land, and the run is one
 * "import.run" event. Answer 200 {"added","updated","unchanged","refused",
 * "rejections":[{"row","id"?,"reason"}]} (row: 1-based index in rows).
 */
#include "api/api.h"
#include "core/app.h"
#include "core/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"

#define IMPORT_API_ROWS 2000 /* rows of one request (the body is at most 1 MiB anyway) */
#define FILE_NAME_CHARS 64

static const char *const body_keys[] = {"mapping", "rows", "file"};

/* The answer's report of rows[0..n). */
static json_t *report(const struct import_row *rows, int n, const struct import_counts *c)
{
	json_t *rej = json_array();
	for (int i = 0; rej && i < n; i++) {
		if (rows[i].outcome != IR_REJECTED)
			continue;
		json_t *o = json_pack("{s:i,s:s}", "row", rows[i].line, "reason", rows[i].why);
		if (o && rows[i].id[0])
			json_object_set_new(o, "id", json_string(rows[i].id));
		json_array_append_new(rej, o);
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:o*}", "added", c->added, "updated", c->updated,
	                 "unchanged", c->unchanged, "refused", c->rejected, "rejections", rej);
}

static int import_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct import_map m;
	json_t *rows = json_object_get(r->in, "rows");
	const char *file = json_string_value(json_object_get(r->in, "file"));
	int n = (int)json_array_size(rows), rc = -1;
	struct import_row *out = NULL;
	if (import_map_load(w->app, json_object_get(r->in, "mapping"), NULL, &m, &r->err) != 0)
		goto done;
	out = calloc((size_t)n, sizeof *out);
	if (!out) {
		err_oom(&r->err);
		goto done;
	}
	for (int i = 0; i < n; i++) {
		json_t *rec = json_array_get(rows, (size_t)i);
		out[i].line = i + 1;
		if (json_is_object(rec))
			import_row_build(&m, rec, &out[i]);
		else {
			out[i].outcome = IR_REJECTED;
			snprintf(out[i].why, sizeof out[i].why, "须为对象 {列名: 值}");
		}
	}
	if (import_rows_write(w, &r->actor, &m, out, n, &r->err) != 0)
		goto done;
	struct import_counts c = {0};
	for (int i = 0; i < n; i++) {
		c.added += out[i].outcome == IR_NEW;
		c.updated += out[i].outcome == IR_UPDATED;
		c.unchanged += out[i].outcome == IR_UNCHANGED;
		c.rejected += out[i].outcome == IR_REJECTED;
	}
	if (import_run_event(w, &r->actor, &m, file ? file : "api", &c) != 0) {
		err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		goto done;
	}
	r->out = report(out, n, &c);
	if (!r->out) {
		err_oom(&r->err);
		goto done;
	}
	r->status = 200;
	rc = 0;
done:
	for (int i = 0; out && i < n; i++)
		import_row_clear(&out[i]);
	free(out);
	import_map_free(&m);
	return rc;
}

/* POST /api/v1/import */
enum handler_result api_import(struct req *r)
{
	if (!actor_has(&r->actor, P_IMPORT_MANAGE))
		return reply_err(r, E_FORBIDDEN, NULL, "只有管理员可以导入其他系统的工单");
	if (req_json(r) != 0)
		return reply_failed(r);
	if (!json_is_object(r->in))
		return reply_err(r, E_BAD_REQUEST, NULL, "请求体必须是 JSON 对象");
	const char *bad = json_unknown_key(r->in, body_keys, sizeof body_keys / sizeof *body_keys);
	if (bad) {
		err_set(&r->err, E_FIELD_UNKNOWN, bad, "不认识的字段 %s", bad);
		return reply_failed(r);
	}
	if (!json_is_object(json_object_get(r->in, "mapping")))
		return reply_err(r, E_FIELD_REQUIRED, "mapping", "缺少映射 mapping（对象）");
	json_t *rows = json_object_get(r->in, "rows");
	if (!json_is_array(rows) || json_array_size(rows) == 0 ||
	    json_array_size(rows) > IMPORT_API_ROWS)
		return reply_err(r, E_FIELD_INVALID, "rows",
		                 "rows 须为 1–" TEXT_STR(IMPORT_API_ROWS) " 行的数组");
	json_t *file = json_object_get(r->in, "file");
	if (file && text_fault(file, FILE_NAME_CHARS, 0) != TEXT_OK)
		return reply_err(r, E_FIELD_INVALID, "file", "file 须为单行文本，最多 64 字");
	return reply_async(r, import_job);
}
