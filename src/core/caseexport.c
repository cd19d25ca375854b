/*
 * The case list as a spreadsheet (engine.h case_export; served by
 * api/export.c as GET /api/v1/export/cases.xlsx and .csv). The rows are
 * the cases the list shows for the same filters: the same statement, so the
 * same visibility, in the list's order (newest first, or sort=due's), every
 * matching case instead of a page, up to a cap. Each row shows what the
 * list's view of the case (case_to_json without detail) shows, with the
 * same masks: a phone is 138****8000 and a confidential reporter is not
 * there at all (tests/api/export.test.mjs compares the two row by row).
 *
 * Memory does not grow with the rows: the ids come CASE_EXPORT_PAGE at a
 * time through the list's cursor (a rowid range, or sort=due's keyset, so a
 * page costs the same however deep), and each page is read back by two
 * statements (store/stmt_export.h: its cases, their parts), stepped side by
 * side and written to the sheet (util/sheet.h) row by row: no per-row SQL,
 * no JSON of the case. Everything runs in the caller's one read
 * transaction: the rows are one snapshot, and the count checked against the
 * cap before a byte is written is the count of the rows written.
 */
#include "core/app.h"
#include "core/engine.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/text.h"
#include "util/timeutil.h"

#define CASE_EXPORT_PAGE 500
#define IDS_JSON_MAX (CASE_EXPORT_PAGE * 21 + 3) /* "[id,id,…]": 20 digits and a comma each */
#define UNITS_MAX 8192 /* bytes of the 承办单位 cell: 32 units of at most 128 bytes, and marks */
#define MASKED_MAX 64  /* bytes of a masked name or phone */

enum export_col {
	X_NO,
	X_TYPE,
	X_CLASS,
	X_CHANNEL,
	X_STATUS,
	X_TITLE,
	X_CATEGORY,
	X_ORG,
	X_UNITS,
	X_NAME,
	X_PHONE,
	X_RECEIVED,
	X_DUE,
	X_CLOSED,
	X_OVERDUE,
	X__COUNT
};

const struct sheet_col case_export_cols[CASE_EXPORT_NCOLS] = {
    [X_NO] = {"工单编号", 18},       [X_TYPE] = {"类型", 14},       [X_CLASS] = {"分类", 8},
    [X_CHANNEL] = {"渠道", 8},       [X_STATUS] = {"状态", 10},     [X_TITLE] = {"标题", 40},
    [X_CATEGORY] = {"诉求类别", 14}, [X_ORG] = {"属地", 14},        [X_UNITS] = {"承办单位", 30},
    [X_NAME] = {"来电人", 8},        [X_PHONE] = {"联系电话", 14},  [X_RECEIVED] = {"受理时间", 17},
    [X_DUE] = {"办理时限", 17},      [X_CLOSED] = {"办结时间", 17}, [X_OVERDUE] = {"是否超期", 9},
};

_Static_assert(X__COUNT == CASE_EXPORT_NCOLS, "a column without a header");

/* The columns of ST_EXPORT_CASES and ST_EXPORT_PARTS (store/stmt_export.h). */
enum {
	XC_KEY,
	XC_ID,
	XC_NO,
	XC_TYPE,
	XC_CLASS,
	XC_CHANNEL,
	XC_STATUS,
	XC_TITLE,
	XC_CATEGORY,
	XC_ORG,
	XC_REPORTER,
	XC_CONFIDENTIAL,
	XC_RECEIVED,
	XC_DUE,
	XC_CLOSED
};
enum { XP_KEY, XP_KIND, XP_STATUS, XP_ORG };

/* One export's writing: what every page reuses. */
struct export_run {
	struct store_conn *c;
	const struct app *app;
	int64_t now; /* the export's one clock (是否超期) */
	struct sheet *sh;
	struct buf lead;        /* 承办单位 of the row being written: the lead units… */
	struct buf rest;        /* …and the others, each with its mark */
	int64_t rows;           /* rows written */
	char ids[IDS_JSON_MAX]; /* the page's ids as a JSON array, ?1 of both statements */
};

static void buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* A part of the row's case (one ST_EXPORT_PARTS row of type t), as
 * case_load and the list see it: the live units, lead (主办) first, then
 * in the order they were dispatched, each other kind marked:
 * "城市管理局、水利局（协办）". */
static void units_add(struct export_run *x, const struct matter_type *t, struct store_stmt *p)
{
	const char *kind = scol_text(p, XP_KIND);
	if (type_asg_phase(t, scol_text(p, XP_STATUS)) == ASG_CANCELLED)
		return;
	bool lead = !strcmp(kind, "lead");
	struct buf *b = lead ? &x->lead : &x->rest;
	if (b->len)
		buf_puts(b, "、");
	buf_puts(b, scol_text(p, XP_ORG));
	if (!strcmp(kind, "assist"))
		buf_puts(b, "（协办）");
	else if (!lead)
		buf_puts(b, "（会签）");
}

/* The 承办单位 cell: the lead units, then the others. NULL past UNITS_MAX. */
static const char *units_cell(struct export_run *x)
{
	if (x->lead.len && x->rest.len)
		buf_puts(&x->lead, "、");
	if (x->rest.len)
		buf_append(&x->lead, x->rest.data, x->rest.len);
	if (x->lead.overflow || x->rest.overflow)
		return NULL;
	return x->lead.data ? x->lead.data : "";
}

/* 来电人 and 联系电话 as the list masks them (caseview.c reporter_json
 * without detail): "张**", "138****5678"; nothing for a confidential
 * reporter, whoever asks. */
static void reporter_cells(const struct app *app, struct store_stmt *s, char *name, char *phone)
{
	name[0] = phone[0] = '\0';
	if (scol_int(s, XC_CONFIDENTIAL) || scol_null(s, XC_REPORTER))
		return;
	const unsigned char *enc = scol_blob(s, XC_REPORTER);
	size_t len = scol_bytes(s, XC_REPORTER);
	char *plain = NULL;
	if (unseal(&app->keys, enc, len, &plain, NULL) != 0)
		return;
	json_t *p = json_loads(plain, 0, NULL);
	sodium_memzero(plain, strlen(plain));
	free(plain);
	const char *n = json_string_value(json_object_get(p, "name"));
	const char *ph = json_string_value(json_object_get(p, "phone"));
	if (n)
		mask_name(n, name, MASKED_MAX);
	if (ph)
		mask_phone(ph, phone, MASKED_MAX);
	json_decref(p);
}

/* 受理时间, 办理时限, 办结时间 ("2026-11-23 10:00"); "" when unset. */
static const char *time_cell(struct store_stmt *s, int col, char *out, size_t cap)
{
	out[0] = '\0';
	if (!scol_null(s, col) && time_format_minute(scol_int(s, col), out, cap) < 0)
		out[0] = '\0';
	return out;
}

/* 是否超期: past its deadline, open now or closed late; "" without one. */
static const char *overdue_cell(struct store_stmt *s, int64_t now)
{
	if (scol_null(s, XC_DUE))
		return "";
	int64_t end = scol_null(s, XC_CLOSED) ? now : scol_int(s, XC_CLOSED);
	return end > scol_int(s, XC_DUE) ? "是" : "否";
}

/* The case of ST_EXPORT_CASES' row s, of type t, as one row of the sheet,
 * its units already gathered. 0, or -1 with *e set. */
static int export_row(struct export_run *x, const struct matter_type *t, struct store_stmt *s,
                      struct err *e)
{
	const char *units = units_cell(x);
	if (!units)
		return err_oom(e);
	char times[3][32], name[MASKED_MAX], phone[MASKED_MAX];
	reporter_cells(x->app, s, name, phone);
	const char *class_ = scol_text(s, XC_CLASS), *status = scol_text(s, XC_STATUS);
	const struct type_class *tc = class_ ? type_class(t, class_) : NULL;
	const struct type_state *st = type_state(t, status);
	const char *cells[CASE_EXPORT_NCOLS] = {
	    [X_NO] = scol_text(s, XC_NO),
	    [X_TYPE] = t->name,
	    [X_CLASS] = tc ? tc->name : class_,
	    [X_CHANNEL] = scol_text(s, XC_CHANNEL),
	    [X_STATUS] = st ? st->name : status,
	    [X_TITLE] = scol_text(s, XC_TITLE),
	    [X_CATEGORY] = scol_text(s, XC_CATEGORY),
	    [X_ORG] = scol_text(s, XC_ORG),
	    [X_UNITS] = units,
	    [X_NAME] = name,
	    [X_PHONE] = phone,
	    [X_RECEIVED] = time_cell(s, XC_RECEIVED, times[0], sizeof times[0]),
	    [X_DUE] = time_cell(s, XC_DUE, times[1], sizeof times[1]),
	    [X_CLOSED] = time_cell(s, XC_CLOSED, times[2], sizeof times[2]),
	    [X_OVERDUE] = overdue_cell(s, x->now),
	};
	return sheet_row(x->sh, cells, e);
}

/* ids[0..n) as the JSON array x->ids. */
static void ids_json(struct export_run *x, const int64_t *ids, int n)
{
	size_t k = 0;
	x->ids[k++] = '[';
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(x->ids + k, sizeof x->ids - k, "%s%lld", i ? "," : "",
		                      (long long)ids[i]);
	snprintf(x->ids + k, sizeof x->ids - k, "]");
}

/* One page of the list, ids[0..n) in its order, as rows: its cases and
 * their parts read by one statement each, stepped side by side (both in
 * the page's order). A case whose type is no longer loaded is left out, as
 * the list leaves it out. 0, or -1 with *e set. */
static int export_page(struct export_run *x, const int64_t *ids, int n, struct err *e)
{
	ids_json(x, ids, n);
	struct store_stmt *s = store_stmt(x->c, ST_EXPORT_CASES);
	struct store_stmt *p = store_stmt(x->c, ST_EXPORT_PARTS);
	sbind_text(s, 1, x->ids);
	sbind_text(p, 1, x->ids);
	int rc, prc = sstep(p), out = 0;
	while (out == 0 && (rc = sstep(s)) == STORE_ROW) {
		int64_t key = scol_int(s, XC_KEY);
		const struct matter_type *t = types_find(x->app->types, scol_text(s, XC_TYPE));
		buf_clear(&x->lead);
		buf_clear(&x->rest);
		/* its parts, at most as many as case_load reads */
		for (int np = 0; prc == STORE_ROW && scol_int(p, XP_KEY) <= key; prc = sstep(p))
			if (t && scol_int(p, XP_KEY) == key && np++ < CASE_MAX_ASSIGNMENTS)
				units_add(x, t, p);
		if (!t)
			continue;
		out = export_row(x, t, s, e);
		x->rows += out == 0;
	}
	sreset(s);
	sreset(p);
	if (out != 0)
		return -1;
	if (rc != STORE_DONE || (prc != STORE_ROW && prc != STORE_DONE))
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	return 0;
}

/* Newest first with from or to: the walk is bounded by the lowest and the
 * highest id of the cases received then (q->id_min, and q->cursor as the
 * upper end), so the count and the pages stop at the oldest of them
 * instead of reading every older case of the county to find that none
 * matches (at 10 M cases, most of an export of last month). The bounds are
 * the ids' own, not guessed from the dates: a case entered late with an
 * early time of receipt only widens them. 0, or -1 with *e set. */
static int export_id_range(struct store_conn *c, struct case_query *q, struct err *e)
{
	struct store_stmt *s = store_stmt(c, ST_EXPORT_ID_RANGE);
	sbind_int(s, 1, q->from ? q->from : INT64_MIN);
	sbind_int(s, 2, q->to ? q->to : INT64_MAX);
	int rc = sstep(s);
	if (rc == STORE_ROW && scol_null(s, 0)) {
		q->cursor = 1; /* none received then: ids below 1 */
	} else if (rc == STORE_ROW) {
		q->id_min = scol_int(s, 0);
		q->cursor = scol_int(s, 1) + 1;
	}
	sreset(s);
	if (rc != STORE_ROW)
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	return 0;
}

int case_export_count(struct store_conn *c, const struct app *app, const struct actor *a,
                      const struct case_query *q, int max_rows, struct case_export *x,
                      struct err *e)
{
	bool more;
	x->q = *q;
	x->q.cursor = 0;
	x->q.cursor_key = 0;
	x->q.with_actions = false;
	x->q.limit = max_rows;
	x->now = time_now_ms(); /* one clock for the count, every page and every row */
	if (q->sort == CASE_SORT_NEWEST && (q->from || q->to) && export_id_range(c, &x->q, e) != 0)
		return -1;
	if (case_list_ids(c, app, a, &x->q, x->now, NULL, &x->cases, &more, NULL, e) != 0)
		return -1;
	if (more)
		return err_set(
		    e, E_EXPORT_TOO_LARGE, NULL,
		    "符合条件的工单超过 %d 件，无法一次导出：请缩小筛选范围（如受理时间、"
		    "状态、单位）后分批导出",
		    max_rows);
	return 0;
}

int case_export_write(struct store_conn *c, const struct app *app, const struct actor *a,
                      const struct case_export *x, enum sheet_format fmt, const char *dir,
                      struct case_export_file *out, struct err *e)
{
	struct case_query q = x->q;
	struct export_run *run = calloc(1, sizeof *run);
	if (!run)
		return err_oom(e);
	run->c = c;
	run->app = app;
	run->now = x->now;
	buf_init(&run->lead, UNITS_MAX);
	buf_init(&run->rest, UNITS_MAX);
	int rc = -1;
	run->sh = sheet_new(fmt, dir, "工单", case_export_cols, CASE_EXPORT_NCOLS, e);
	if (!run->sh)
		goto out;
	/* the count said how many rows there are: each page asks for no more
	 * than remain, so the last one stops at the last row instead of reading
	 * every case after it (at 1 M cases, a second of a 100,000-row export
	 * of the last month) */
	int64_t ids[CASE_EXPORT_PAGE], last_key = 0;
	int n, remain = x->cases;
	bool more;
	q.exact = true;
	while (remain > 0) {
		q.limit = remain < CASE_EXPORT_PAGE ? remain : CASE_EXPORT_PAGE;
		if (case_list_ids(c, app, a, &q, x->now, ids, &n, &more, &last_key, e) != 0 ||
		    (n && export_page(run, ids, n, e) != 0))
			goto out;
		if (n == 0) /* cannot be: the same snapshot as the count */
			break;
		remain -= n;
		q.cursor = ids[n - 1]; /* the next page continues after this one's last row */
		q.cursor_key = last_key;
	}
	if (sheet_finish(run->sh, &out->fd, &out->size, e) != 0)
		goto out;
	out->rows = run->rows;
	rc = 0;
out:
	sheet_free(run->sh);
	buf_release(&run->lead);
	buf_release(&run->rest);
	free(run);
	return rc;
}
