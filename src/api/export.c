/*
 * Exports: GET /api/v1/export/cases.xlsx and GET /api/v1/export/cases.csv,
 * the case list as a spreadsheet (docs/api.md "Exports"; the rows are
 * core/caseexport.c's, the file util/sheet.c's).
 *
 * The filters are the list's, read by the list's own function
 * (api_case_filters) on the HTTP thread; limit and cursor are refused,
 * since an export is every matching case, up to CIVICLOOP_EXPORT_MAX_ROWS
 * (more is 413 export.too_large, before anything is written). The rest runs
 * on the export pool (http/offload.h req_offload_export) with the
 * connection suspended, so the HTTP thread goes on serving its other
 * connections: the count and the file, in one read transaction of the pool
 * thread's own connection, built whole in a temporary file and only then
 * answered (a file that could not be written is 503, never a short 200). A
 * reader whose reads are recorded gets the file only once a case.export
 * event (the filters and the row count) is on the audit chain.
 *
 * At most EXPORTS_AT_ONCE big ones (more than CIVICLOOP_EXPORT_SLOT_ROWS
 * cases, default 10,000: about 0.3 s) build at a time; one more is 503 at
 * once, as is an export when the pool's queue is full. Smaller ones take a
 * fraction of a second and are never refused for the slots. Building and
 * sending may take EXPORT_SECONDS in all, instead of the server's request
 * timeout (req_allow_time). With CIVICLOOP_TEST_CLOCK=1,
 * CIVICLOOP_TEST_EXPORT_DELAY_MS makes each export that much slower, for
 * the tests of those two limits.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"
#include "http/offload.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
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

/* What the pool thread needs of the request (r->hctx). */
struct export_job {
	const struct export_format *f;
	struct case_query q; /* strings borrowed from the request */
	char dir[1024];      /* where the temporary file goes */
	int max_rows;
};

/* The count and the file in one read transaction; big ones take a slot. */
static int export_build(struct req *r, struct store_conn *c, const struct export_job *j,
                        struct case_export_file *file)
{
	struct case_export x;
	if (case_export_count(c, r->app, &r->actor, &j->q, j->max_rows, &x, &r->err) != 0)
		return -1;
	/* a big one takes a slot; a small one costs what a list page costs */
	bool big = x.cases > app_env_int("CIVICLOOP_EXPORT_SLOT_ROWS", 0, EXPORT_MAX_ROWS_LIMIT,
	                                 EXPORT_SLOT_ROWS_DEFAULT);
	if (big && atomic_fetch_add(&exports_running, 1) >= EXPORTS_AT_ONCE) {
		atomic_fetch_sub(&exports_running, 1);
		return err_set(&r->err, E_UNAVAILABLE, NULL,
		               "正在生成的大批量导出较多，请稍后再试");
	}
	int rc = case_export_write(c, r->app, &r->actor, &x, j->f->fmt, j->dir, file, &r->err);
	if (r->app->test_clock) /* tests only: a slow export, to see the limits above */
		test_delay(app_env_int("CIVICLOOP_TEST_EXPORT_DELAY_MS", 0, 60000, 0));
	if (big)
		atomic_fetch_sub(&exports_running, 1);
	return rc;
}

/* On the export pool (offload_fn): the file as the answer, and what a
 * recorded reader's export records for api_read_record_job. */
static int export_work(struct req *r)
{
	struct export_job *j = r->hctx;
	struct store_conn *c = http_thread_reader(r->app); /* the pool thread's own */
	if (!c || store_exec(c, ST_BEGIN_READ) != STORE_OK)
		return err_set(&r->err, E_UNAVAILABLE, NULL, "数据库暂不可用");
	struct case_export_file file;
	int rc = export_build(r, c, j, &file);
	store_exec(c, ST_COMMIT);
	if (rc != 0)
		return -1;
	char disp[400];
	disposition(j->f->ext, disp, sizeof disp);
	req_reply_file(r, file.fd, file.size, j->f->content_type, disp);
	r->status = 200;
	/* the filters and how many rows, not the ids of every row */
	if (api_read_record_set(r, 0, false, "case.export",
	                        json_pack("{s:s,s:o,s:I}", "format", j->f->ext, "query",
	                                  api_case_filters_json(r), "rows",
	                                  (json_int_t)file.rows)) < 0)
		return -1;
	return 0;
}

static enum handler_result export_cases(struct req *r, const struct export_format *f)
{
	const char *paging = req_query(r, "limit")    ? "limit"
	                     : req_query(r, "cursor") ? "cursor"
	                                              : NULL;
	if (paging)
		return reply_err(r, E_FIELD_INVALID, paging,
		                 "导出包含全部符合条件的工单，不分页：请去掉 limit 和 cursor");
	struct export_job *j = calloc(1, sizeof *j);
	if (!j)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = j;
	j->f = f;
	if (api_case_filters(r, &j->q) != 0)
		return reply_failed(r);
	if (app_data_dir(r->app, j->dir, sizeof j->dir) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	j->max_rows = app_env_int("CIVICLOOP_EXPORT_MAX_ROWS", 1, EXPORT_MAX_ROWS_LIMIT,
	                          EXPORT_MAX_ROWS_DEFAULT);
	req_allow_time(r, EXPORT_SECONDS);
	r->idem_key[0] = '\0';
	if (req_offload_export(r, export_work,
	                       actor_reads_recorded(&r->actor) ? api_read_record_job : NULL) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, "正在生成的导出较多，请稍后再试");
	return H_ASYNC;
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
