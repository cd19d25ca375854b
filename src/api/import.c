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
 *
 * Or the source's own CSV export as it is: Content-Type text/csv, the
 * mapping in the query (?mapping=JSON, URL-encoded; &file=NAME), the body
 * read as `civicloop import` reads a file (core/import_csv.c) and its rows
 * numbered by their CSV line (the header is line 1). A CSV of more than
 * IMPORT_API_ROWS rows, or whose header lacks a mapped column, is a 400
 * that writes nothing. (A query parameter, like the catalogue import's
 * ?note=, keeps the body the file itself; multipart would need a parser
 * for nothing else.)
 */
#include "api/api.h"
#include "core/app.h"
#include "core/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* The rows of a CSV body, built as they are read. */
struct csv_rows {
	const struct import_map *m;
	struct import_row *out; /* IMPORT_API_ROWS + 1 */
	int n;
};

/* The next row of out, or NULL (the CSV has too many rows: stop). */
static struct import_row *csv_next(struct csv_rows *k, int line)
{
	if (k->n == IMPORT_API_ROWS + 1)
		return NULL;
	struct import_row *row = &k->out[k->n++];
	row->line = line;
	return row;
}

static int csv_row(void *arg, const json_t *rec, int line)
{
	struct import_row *row = csv_next(arg, line);
	if (row)
		import_row_build(((struct csv_rows *)arg)->m, rec, row);
	return !row;
}

static int csv_refuse(void *arg, int line, const char *why)
{
	struct import_row *row = csv_next(arg, line);
	if (row) {
		row->outcome = IR_REJECTED;
		snprintf(row->why, sizeof row->why, "%s", why);
	}
	return !row;
}

/* The CSV body as rows into out (IMPORT_API_ROWS + 1 of them): their
 * count, or -1 with r->err (a faulty header, too many rows). */
static int csv_build(struct req *r, const struct import_map *m, struct import_row *out)
{
	struct csv_rows k = {m, out, 0};
	struct import_csv_sink sink = {csv_row, csv_refuse, &k};
	int rc = import_csv_read(m, r->body.data ? r->body.data : "", r->body.len, &sink, &r->err);
	if (rc == 2)
		return -1;
	if (k.n > IMPORT_API_ROWS || k.n == 0)
		return err_set(&r->err, E_FIELD_INVALID, "rows",
		               "CSV 须有 1–" TEXT_STR(IMPORT_API_ROWS) " 行（表头之外）");
	return k.n;
}

/* The JSON body's rows into out. */
static int json_build(struct req *r, const struct import_map *m, struct import_row *out)
{
	json_t *rows = json_object_get(r->in, "rows");
	int n = (int)json_array_size(rows);
	for (int i = 0; i < n; i++) {
		json_t *rec = json_array_get(rows, (size_t)i);
		out[i].line = i + 1;
		if (json_is_object(rec))
			import_row_build(m, rec, &out[i]);
		else {
			out[i].outcome = IR_REJECTED;
			snprintf(out[i].why, sizeof out[i].why, "须为对象 {列名: 值}");
		}
	}
	return n;
}

/* writer: the rows of the body (JSON "rows", or without them the CSV
 * body) written each in its savepoint, then the run's event. */
static int import_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct import_map m;
	json_t *rows = json_object_get(r->in, "rows");
	bool csv = !rows;
	const char *file = json_string_value(json_object_get(r->in, "file"));
	/* a CSV's row count is known once it is read: room for one too many */
	int cap = csv ? IMPORT_API_ROWS + 1 : (int)json_array_size(rows), n = 0, rc = -1;
	struct import_row *out = NULL;
	if (import_map_load(w->app, json_object_get(r->in, "mapping"), NULL, &m, &r->err) != 0)
		goto done;
	out = calloc((size_t)cap, sizeof *out);
	if (!out) {
		err_oom(&r->err);
		goto done;
	}
	n = csv ? csv_build(r, &m, out) : json_build(r, &m, out);
	if (n < 0) {
		n = cap; /* every row built is cleared below */
		goto done;
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

/* A text/csv body: r->in becomes {"mapping","file"?} from the query (the
 * body stays the CSV). 0, or -1 with r->err. */
static int csv_in(struct req *r)
{
	const char *q = req_query(r, "mapping"), *file = req_query(r, "file");
	if (!q)
		return err_set(&r->err, E_FIELD_REQUIRED, "mapping",
		               "CSV 请求须在查询参数 mapping 中给出映射（JSON）");
	json_t *m = json_loads(q, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(m)) {
		json_decref(m);
		return err_set(&r->err, E_FIELD_INVALID, "mapping",
		               "查询参数 mapping 须为 JSON 对象");
	}
	r->in = json_pack("{s:o}", "mapping", m);
	if (!r->in)
		return err_oom(&r->err);
	json_t *jf = file ? json_string(file) : NULL;
	if (file && (!jf || text_fault(jf, FILE_NAME_CHARS, 0) != TEXT_OK)) {
		json_decref(jf);
		return err_set(&r->err, E_FIELD_INVALID, "file", "file 须为单行文本，最多 64 字");
	}
	if (jf)
		json_object_set_new(r->in, "file", jf);
	return 0;
}

/* POST /api/v1/import */
enum handler_result api_import(struct req *r)
{
	if (!actor_has(&r->actor, P_IMPORT_MANAGE))
		return reply_err(r, E_FORBIDDEN, NULL, "只有管理员可以导入其他系统的工单");
	const char *ct = req_header(r, "Content-Type");
	if (ct && !strncasecmp(ct, "text/csv", 8) && (!ct[8] || ct[8] == ';' || ct[8] == ' ')) {
		if (csv_in(r) != 0)
			return reply_failed(r);
		return reply_async(r, import_job);
	}
	if (req_json(r) != 0) {
		if (r->err.kind == E_MEDIA_TYPE)
			return reply_err(r, E_MEDIA_TYPE, NULL,
			                 "导入的请求体须为 application/json 或 text/csv");
		return reply_failed(r);
	}
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
