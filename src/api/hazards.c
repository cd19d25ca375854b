/*
 * The hazard ledger (台账), its Excel export and its map (docs/hazard.md;
 * core/ledger.h does the work, for the one type with a "ledger" block):
 *   GET /api/v1/hazards/ledger?region=&industry=&source=&level=&status=
 *       &listed=0|1&cursor=&limit=   a page, newest first; the first page
 *       carries the summary table of every matching case
 *   GET /api/v1/hazards/ledger.xlsx   the same rows, every one, as Excel
 *   GET /api/v1/hazards/map?limit=    GeoJSON of the open major and listed
 * Every one is case.read, over the cases the caller may read; no personal
 * data is in any of them. A reader whose reads are recorded (纪委) leaves
 * a case.list or case.export event before the answer goes out.
 */
#include "api/api.h"
#include "core/ledger.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/files.h"
#include "util/timeutil.h"

/* building and sending a whole ledger, instead of the request timeout (as
 * the case exports, api/export.c) */
#define LEDGER_EXPORT_SECONDS 600

static const char *query_opt(struct req *r, const char *name)
{
	const char *v = req_query(r, name);
	return v && *v ? v : NULL;
}

static const char *const filters[] = {"region", "industry", "source", "level", "status", "listed"};

/* The filters from the query string, checked. 0, or -1 with r->err set. */
static int ledger_filters(struct req *r, struct ledger_query *q)
{
	memset(q, 0, sizeof *q);
	q->region = query_opt(r, "region");
	q->industry = query_opt(r, "industry");
	q->source = query_opt(r, "source");
	q->level = query_opt(r, "level");
	q->status = query_opt(r, "status");
	int64_t listed = -1;
	if (req_query_int(r, "listed", 0, 1, &listed) != 0)
		return -1;
	q->listed = (int)listed;
	return ledger_query_check(r->reader, r->app, &r->actor, q, &r->err);
}

static json_t *filters_json(struct req *r)
{
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof filters / sizeof *filters; i++)
		if (query_opt(r, filters[i]))
			json_object_set_new(o, filters[i], json_string(query_opt(r, filters[i])));
	return o;
}

/* The case ids a recorded read showed: each item's "id", or its
 * member `in`'s (a map feature's properties). */
static json_t *ids_of(json_t *items, const char *in)
{
	json_t *ids = json_array(), *item;
	size_t i;
	json_array_foreach(items, i, item)
	    json_array_append(ids, json_object_get(in ? json_object_get(item, in) : item, "id"));
	return ids;
}

/* GET /api/v1/hazards/ledger */
enum handler_result api_hazard_ledger(struct req *r)
{
	struct ledger_query q;
	int64_t limit = LEDGER_PAGE_DEFAULT, cursor = 0;
	if (ledger_filters(r, &q) != 0 ||
	    req_query_int(r, "limit", 1, LEDGER_PAGE_MAX, &limit) != 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX / 2, &cursor) != 0)
		return reply_failed(r);
	q.limit = (int)limit;
	q.cursor = cursor;
	json_t *out;
	if (ledger_list(r->reader, r->app, &q, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	if (!actor_reads_recorded(&r->actor))
		return api_reply_read(r, 0, false, NULL, NULL);
	return api_reply_read(r, 0, false, "case.list",
	                      json_pack("{s:o,s:o,s:s}", "cases",
	                                ids_of(json_object_get(out, "items"), NULL), "query",
	                                filters_json(r), "view", "ledger"));
}

/* attachment; filename="hazards-20261202.xlsx"; filename*=UTF-8''隐患台账-… */
static void disposition(char *out, size_t cap)
{
	int y, m, d;
	time_ymd_from_day(time_day_of(time_now_ms()), &y, &m, &d);
	snprintf(
	    out, cap,
	    "attachment; filename=\"hazards-%04d%02d%02d.xlsx\"; "
	    "filename*=UTF-8''%%E9%%9A%%90%%E6%%82%%A3%%E5%%8F%%B0%%E8%%B4%%A6-%04d%02d%02d.xlsx",
	    y, m, d, y, m, d);
}

/* GET /api/v1/hazards/ledger.xlsx */
enum handler_result api_hazard_ledger_xlsx(struct req *r)
{
	struct ledger_query q;
	if (query_opt(r, "limit") || query_opt(r, "cursor"))
		return reply_err(r, E_FIELD_INVALID, query_opt(r, "limit") ? "limit" : "cursor",
		                 "导出包含全部符合条件的隐患，不分页：请去掉 limit 和 cursor");
	if (ledger_filters(r, &q) != 0)
		return reply_failed(r);
	req_allow_time(r, LEDGER_EXPORT_SECONDS);
	char dir[1024];
	if (app_data_dir(r->app, dir, sizeof dir) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	int fd;
	int64_t size, rows;
	if (ledger_sheet(r->reader, r->app, &q, SHEET_XLSX, dir, &fd, &size, &rows, &r->err) != 0)
		return reply_failed(r);
	char disp[256];
	disposition(disp, sizeof disp);
	req_reply_file(r, fd, size,
	               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", disp);
	if (!actor_reads_recorded(&r->actor))
		return api_reply_read(r, 0, false, NULL, NULL);
	return api_reply_read(r, 0, false, "case.export",
	                      json_pack("{s:s,s:o,s:I,s:s}", "format", "xlsx", "query",
	                                filters_json(r), "rows", (json_int_t)rows, "view",
	                                "ledger"));
}

/* GET /api/v1/hazards/map */
enum handler_result api_hazard_map(struct req *r)
{
	struct ledger_query q;
	memset(&q, 0, sizeof q);
	int64_t limit = 500;
	if (req_query_int(r, "limit", 1, LEDGER_MAP_MAX, &limit) != 0 ||
	    ledger_query_check(r->reader, r->app, &r->actor, &q, &r->err) != 0)
		return reply_failed(r);
	q.limit = (int)limit;
	json_t *out;
	if (ledger_map(r->reader, r->app, &q, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	if (!actor_reads_recorded(&r->actor))
		return api_reply_read(r, 0, false, NULL, NULL);
	return api_reply_read(r, 0, false, "case.list",
	                      json_pack("{s:o,s:o,s:s}", "cases",
	                                ids_of(json_object_get(out, "features"), "properties"),
	                                "query", json_object(), "view", "hazard_map"));
}
