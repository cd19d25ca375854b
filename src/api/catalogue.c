/*
 * The dispatch catalogue and a case's routing (core/catalogue.h,
 * core/routing.h; docs/api.md "Dispatch catalogue and routing"):
 *   GET  /api/v1/catalogue[?version=N]     catalogue.read
 *   GET  /api/v1/catalogue/versions        catalogue.read
 *   PUT  /api/v1/catalogue                 catalogue.manage, {"entries","note"?,"version"}
 *   POST /api/v1/catalogue/import          catalogue.manage, text/csv or application/json
 *   GET  /api/v1/export/catalogue.csv|json catalogue.read
 *   GET  /api/v1/cases/{id}/routing        case.read over the case
 * A save is checked whole in the writer job and stored as the next version
 * only if the caller's "version" is still the current one (else 409); it
 * is a "catalogue.save" event. A fault anywhere changes nothing.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/catalogue.h"
#include "core/engine.h"
#include "core/routing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/files.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"

/* A save in flight: the entries (borrowed from r->in, which holds the
 * JSON body or the parsed CSV and is freed with the request), the note, the expected version
 * (-1: an import, on top of whatever is current), CSV lines for faults. */
struct cat_save {
	json_t *entries;
	char note[CATALOGUE_NOTE_CHARS * 4 + 1];
	bool has_note;
	int64_t expect;
	bool csv;
	int lines[CATALOGUE_ENTRIES_MAX];
};

/* GET /api/v1/catalogue[?version=N] */
enum handler_result api_catalogue_get(struct req *r)
{
	int64_t version = 0;
	json_t *out;
	if (req_query_int(r, "version", 1, INT32_MAX, &version) != 0)
		return reply_failed(r);
	if (catalogue_get(r->reader, version, &out, &r->err) != 0)
		return reply_failed(r);
	return reply_json(r, 200, out);
}

/* GET /api/v1/catalogue/versions */
enum handler_result api_catalogue_versions(struct req *r)
{
	json_t *out;
	if (catalogue_versions(r->reader, &out, &r->err) != 0)
		return reply_failed(r);
	return reply_json(r, 200, out);
}

static int catalogue_save_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct cat_save *k = r->hctx;
	json_t *doc;
	if (catalogue_check(w->conn, k->entries, &doc, &r->err) != 0 ||
	    catalogue_check_classes(w->app->types, doc, &r->err) != 0) {
		json_decref(doc);
		if (k->csv)
			catalogue_csv_fault(&r->err, k->lines);
		return -1;
	}
	int64_t head = catalogue_head(w->conn), version;
	if (head < 0) {
		json_decref(doc);
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	}
	int rc = catalogue_save(w, r->actor.user_id, r->actor.org_id, doc,
	                        k->has_note ? k->note : NULL, k->expect < 0 ? head : k->expect,
	                        k->csv          ? "import.csv"
	                        : k->expect < 0 ? "import.json"
	                                        : "api",
	                        &version, &r->err);
	json_decref(doc);
	if (rc != 0 || catalogue_get(w->conn, version, &r->out, &r->err) != 0)
		return -1;
	r->status = 200;
	return 0;
}

/* The note and version of a JSON document body into k (version required
 * when need_version: a save; an import takes its own export back, whose
 * "created_at" and "created_by" say who saved what it was copied from and
 * are passed over). 0, or -1 with r->err. */
static int save_meta(struct req *r, json_t *in, struct cat_save *k, bool need_version)
{
	static const char *const keys[] = {"entries", "note", "version", "created_at",
	                                   "created_by"};
	const char *bad = json_unknown_key(in, keys, need_version ? 3 : 5);
	if (bad)
		return err_set(&r->err, E_FIELD_UNKNOWN, bad, "不认识的字段 %s", bad);
	json_t *v = json_object_get(in, "version"), *note = json_object_get(in, "note");
	k->expect = -1;
	if (!v && need_version)
		return err_set(&r->err, E_FIELD_REQUIRED, "version",
		               "缺少 version：保存时须给出所基于的当前版本号");
	if (v &&
	    (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX))
		return err_set(&r->err, E_FIELD_INVALID, "version", "version 须为非负整数");
	if (v)
		k->expect = json_integer_value(v);
	if (note && !json_is_null(note)) {
		switch (text_fault(note, CATALOGUE_NOTE_CHARS, 0)) {
		case TEXT_OK:
			break;
		case TEXT_TOO_LONG:
			return err_set(&r->err, E_FIELD_TOO_LONG, "note",
			               "说明最多 " TEXT_STR(CATALOGUE_NOTE_CHARS) " 字");
		default:
			return err_set(&r->err, E_FIELD_INVALID, "note", "note 须为单行文本");
		}
		snprintf(k->note, sizeof k->note, "%s", json_string_value(note));
		k->has_note = true;
	}
	k->entries = json_object_get(in, "entries");
	if (!k->entries)
		return err_set(&r->err, E_FIELD_REQUIRED, "entries", "缺少目录条目 entries");
	return 0;
}

static struct cat_save *save_new(struct req *r)
{
	struct cat_save *k = calloc(1, sizeof *k);
	if (k)
		r->hctx = k;
	return k;
}

/* Queues the save when its input was read (rc 0), else answers the fault. */
static enum handler_result save_submit(struct req *r, int rc)
{
	return rc == 0 ? reply_async(r, catalogue_save_job) : reply_failed(r);
}

/* PUT /api/v1/catalogue {"entries","note"?,"version"} */
enum handler_result api_catalogue_put(struct req *r)
{
	if (req_json(r) != 0)
		return reply_failed(r);
	struct cat_save *k = save_new(r);
	if (!k)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	return save_submit(r, save_meta(r, r->in, k, true));
}

/* POST /api/v1/catalogue/import: text/csv or application/json. */
enum handler_result api_catalogue_import(struct req *r)
{
	const char *ct = req_header(r, "Content-Type");
	if (ct && !strncasecmp(ct, "text/csv", 8) && (!ct[8] || ct[8] == ';' || ct[8] == ' ')) {
		struct cat_save *k = save_new(r);
		if (!k)
			return reply_err(r, E_UNAVAILABLE, NULL, NULL);
		json_t *doc = NULL;
		k->csv = true;
		k->expect = -1;
		int rc = catalogue_csv_parse(r->body.data ? r->body.data : "", r->body.len, &doc,
		                             k->lines, &r->err);
		r->in = doc; /* freed with the request */
		if (rc == 0)
			k->entries = json_object_get(doc, "entries");
		const char *note = req_query(r, "note");
		if (rc == 0 && note) {
			json_t *jn = json_string(note);
			if (text_fault(jn, CATALOGUE_NOTE_CHARS, 0) != TEXT_OK)
				rc = err_set(&r->err, E_FIELD_INVALID, "note",
				             "note 须为单行文本，最多 200 字");
			else
				snprintf(k->note, sizeof k->note, "%s", note);
			k->has_note = rc == 0;
			json_decref(jn);
		}
		return save_submit(r, rc);
	}
	if (req_json(r) != 0) {
		if (r->err.kind == E_MEDIA_TYPE)
			return reply_err(r, E_MEDIA_TYPE, NULL,
			                 "导入的请求体须为 text/csv 或 application/json");
		return reply_failed(r);
	}
	struct cat_save *k = save_new(r);
	if (!k)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	return save_submit(r, save_meta(r, r->in, k, false));
}

/* A download's Content-Disposition: catalogue-v3.csv, 派单目录-v3.csv. */
static void catalogue_disposition(int64_t version, const char *ext, char *out, size_t cap)
{
	snprintf(out, cap,
	         "attachment; filename=\"catalogue-v%lld.%s\"; "
	         "filename*=UTF-8''%%E6%%B4%%BE%%E5%%8D%%95%%E7%%9B%%AE%%E5%%BD%%95-v%lld.%s",
	         (long long)version, ext, (long long)version, ext);
}

/* GET /api/v1/export/catalogue.csv */
enum handler_result api_export_catalogue_csv(struct req *r)
{
	char dir[1024], disp[256];
	int fd;
	int64_t size, version = catalogue_head(r->reader);
	if (version < 0 || app_data_dir(r->app, dir, sizeof dir) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	if (catalogue_sheet(r->reader, SHEET_CSV, dir, &fd, &size, &r->err) != 0)
		return reply_failed(r);
	catalogue_disposition(version, "csv", disp, sizeof disp);
	req_reply_file(r, fd, size, "text/csv; charset=utf-8", disp);
	return api_reply_read(r, 0, false, NULL, NULL);
}

/* GET /api/v1/export/catalogue.json: the document as GET answers it. */
enum handler_result api_export_catalogue_json(struct req *r)
{
	json_t *out;
	if (catalogue_get(r->reader, 0, &out, &r->err) != 0)
		return reply_failed(r);
	catalogue_disposition(json_integer_value(json_object_get(out, "version")), "json",
	                      r->disposition, sizeof r->disposition);
	return reply_json(r, 200, out);
}

/* GET /api/v1/cases/{id}/routing → {"routing":[…]} for a visible case. */
enum handler_result api_case_routing(struct req *r)
{
	int64_t id;
	struct case_full cf;
	if (api_case_load_visible(r, &id, &cf) != 0)
		return reply_failed(r);
	struct route_case rc = {cf.c.title, cf.c.description, cf.c.class_, cf.c.org_path,
	                        cf.c.location};
	json_t *routing;
	int ok = routing_rank(r->reader, r->app, &rc, &routing, &r->err);
	case_full_release(&cf);
	if (ok != 0)
		return reply_failed(r);
	r->out = json_pack("{s:o}", "routing", routing);
	return api_reply_read(r, id, false, "case.read", json_pack("{s:s}", "view", "routing"));
}
