/*
 * Exports: GET /api/v1/export/cases.xlsx and GET /api/v1/export/cases.csv,
 * the case list as a spreadsheet (docs/api.md "Exports"; the rows are
 * core/caseexport.c's, the file util/sheet.c's).
 *
 * The filters are the list's, read by the list's own function
 * (api_case_filters); limit and cursor are refused, since an export is
 * every matching case, up to CIVICLOOP_EXPORT_MAX_ROWS (more is 413
 * export.too_large, before anything is written). The file is built whole in
 * a temporary file on this HTTP thread, inside the request's one read
 * transaction, and only then answered: a file that could not be written is
 * 503, never a short 200. A reader whose reads are recorded gets the file
 * only once a case.export event (the filters and the row count) is on the
 * audit chain.
 *
 * An export holds its HTTP thread, the connections that thread already
 * serves and the new ones the kernel hands to its listening socket
 * (SO_REUSEPORT: one socket a thread), while it builds (docs/bench.md gives
 * the seconds for 100,000
 * rows), so at most EXPORTS_AT_ONCE big ones (more than
 * CIVICLOOP_EXPORT_SLOT_ROWS cases, default 10,000: about 0.3 s) build at
 * a time; one more is 503 at once. Smaller ones take a fraction of a
 * second and are never refused for that. Building and sending may take
 * EXPORT_SECONDS in all, instead of the server's request timeout
 * (req_allow_time). With CIVICLOOP_TEST_CLOCK=1,
 * CIVICLOOP_TEST_EXPORT_DELAY_MS makes each export that much slower, for
 * the tests of those two limits.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/files.h"
#include "util/timeutil.h"

#define EXPORT_MAX_ROWS_DEFAULT 200000
#define EXPORT_MAX_ROWS_LIMIT 1048575  /* Excel's rows, less the header */
#define EXPORTS_AT_ONCE 2              /* big exports building at once */
#define EXPORT_SLOT_ROWS_DEFAULT 10000 /* more rows than this make an export big */
#define EXPORT_SECONDS 600             /* building and sending, instead of the request timeout */

static _Atomic int exports_running;

struct export_format {
	enum sheet_format fmt;
	const char *ext; /* of the file name */
	const char *content_type;
};

static const struct export_format xlsx = {
    SHEET_XLSX, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};
static const struct export_format csv = {SHEET_CSV, "csv", "text/csv; charset=utf-8"};

/* s percent-encoded as RFC 5987's value-chars (UTF-8) into out[cap]. */
static void rfc5987(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && k + 4 < cap; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p)) {
			out[k++] = (char)*p;
		} else {
			out[k++] = '%';
			out[k++] = hex[*p >> 4];
			out[k++] = hex[*p & 15];
		}
	}
	out[k] = '\0';
}

/* Content-Disposition: an ASCII name for old clients, the Chinese one in
 * filename*: attachment; filename="cases-20261202.xlsx";
 * filename*=UTF-8''%E5%B7%A5%E5%8D%95%E5%AF%BC%E5%87%BA-20261202.xlsx */
static void disposition(const char *ext, char *out, size_t cap)
{
	int y, m, d;
	time_ymd_from_day(time_day_of(time_now_ms()), &y, &m, &d);
	char name[64], enc[192];
	snprintf(name, sizeof name, "工单导出-%04d%02d%02d.%s", y, m, d, ext);
	rfc5987(name, enc, sizeof enc);
	snprintf(out, cap, "attachment; filename=\"cases-%04d%02d%02d.%s\"; filename*=UTF-8''%s", y,
	         m, d, ext, enc);
}

static void test_delay(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (ms > 0 && nanosleep(&ts, &ts) != 0)
		;
}

static enum handler_result export_cases(struct req *r, const struct export_format *f)
{
	struct case_query q = {0};
	const char *paging = req_query(r, "limit")    ? "limit"
	                     : req_query(r, "cursor") ? "cursor"
	                                              : NULL;
	if (paging)
		return reply_err(r, E_FIELD_INVALID, paging,
		                 "导出包含全部符合条件的工单，不分页：请去掉 limit 和 cursor");
	if (api_case_filters(r, &q) != 0)
		return reply_failed(r);
	req_allow_time(r, EXPORT_SECONDS);
	char dir[1024];
	if (path_dir(r->app->db_path, dir, sizeof dir) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	int max_rows = app_env_int("CIVICLOOP_EXPORT_MAX_ROWS", 1, EXPORT_MAX_ROWS_LIMIT,
	                           EXPORT_MAX_ROWS_DEFAULT);
	struct case_export x;
	if (case_export_count(r->reader, r->app, &r->actor, &q, max_rows, &x, &r->err) != 0)
		return reply_failed(r);
	/* a big one takes a slot; a small one costs what a list page costs */
	bool big = x.cases > app_env_int("CIVICLOOP_EXPORT_SLOT_ROWS", 0, EXPORT_MAX_ROWS_LIMIT,
	                                 EXPORT_SLOT_ROWS_DEFAULT);
	if (big && atomic_fetch_add(&exports_running, 1) >= EXPORTS_AT_ONCE) {
		atomic_fetch_sub(&exports_running, 1);
		return reply_err(r, E_UNAVAILABLE, NULL, "正在生成的大批量导出较多，请稍后再试");
	}
	struct case_export_file file;
	int rc = case_export_write(r->reader, r->app, &r->actor, &x, f->fmt, dir, &file, &r->err);
	if (r->app->test_clock) /* tests only: a slow export, to see the limits above */
		test_delay(app_env_int("CIVICLOOP_TEST_EXPORT_DELAY_MS", 0, 60000, 0));
	if (big)
		atomic_fetch_sub(&exports_running, 1);
	if (rc != 0)
		return reply_failed(r);
	char disp[400];
	disposition(f->ext, disp, sizeof disp);
	req_reply_file(r, file.fd, file.size, f->content_type, disp);
	if (!actor_reads_recorded(&r->actor))
		return api_reply_read(r, 0, false, NULL, NULL);
	/* the filters and how many rows, not the ids of every row */
	return api_reply_read(r, 0, false, "case.export",
	                      json_pack("{s:s,s:o,s:I}", "format", f->ext, "query",
	                                api_case_filters_json(r), "rows", (json_int_t)file.rows));
}

/* GET /api/v1/export/cases.xlsx */
enum handler_result api_export_cases_xlsx(struct req *r)
{
	return export_cases(r, &xlsx);
}

/* GET /api/v1/export/cases.csv */
enum handler_result api_export_cases_csv(struct req *r)
{
	return export_cases(r, &csv);
}
