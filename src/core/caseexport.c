/*
 * The case list as a spreadsheet (engine.h case_export; served by
 * api/export.c as GET /api/v1/export/cases.xlsx and .csv). The rows are
 * the cases the list shows for the same filters: the same statement, so the
 * same visibility, and each row taken from the list's own view of the case
 * (case_to_json without detail), so the same masks: a phone is 138****8000
 * and a confidential reporter is not there at all. In the list's order
 * (newest first, or sort=due's), every matching case instead of a page, up
 * to a cap.
 *
 * Memory does not grow with the rows: the ids come CASE_EXPORT_PAGE at a
 * time through the list's cursor (a rowid range, or sort=due's keyset, so a
 * page costs the same however deep), and each case is loaded, written to the sheet
 * (util/sheet.h) and let go. Everything runs in the caller's one read
 * transaction: the rows are one snapshot, and the count checked against the
 * cap before a byte is written is the count of the rows written.
 */
#include "core/app.h"
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/timeutil.h"

#define CASE_EXPORT_PAGE 500
#define UNITS_MAX 8192 /* bytes of the 承办单位 cell: 32 units of at most 128 bytes, and marks */

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

/* The units working on the case, lead (主办) first, then in the order they
 * were dispatched, each other kind marked: "城市管理局、水利局（协办）". */
static int units_cell(const struct case_full *cf, struct buf *b)
{
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < cf->na; i++) {
			const struct asg_rec *g = &cf->a[i];
			bool lead = !strcmp(g->kind, "lead");
			if (g->phase == ASG_CANCELLED || lead != (pass == 0))
				continue;
			if (b->len)
				buf_puts(b, "、");
			buf_puts(b, g->org_name);
			if (!strcmp(g->kind, "assist"))
				buf_puts(b, "（协办）");
			else if (!lead)
				buf_puts(b, "（会签）");
		}
	return b->overflow ? -1 : 0;
}

/* 是否超期: past its deadline, open now or closed late; "" without one. */
static const char *overdue_cell(const struct case_rec *c, int64_t now)
{
	if (!c->due_at)
		return "";
	return (c->closed_at ? c->closed_at : now) > c->due_at ? "是" : "否";
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	return json_string_value(b ? json_object_get(v, b) : v);
}

/* Case id as one row of sh: 1; 0 for a case that does not load (its type is
 * no longer loaded), left out as the list leaves it out; -1 with *e set. */
static int export_row(struct store_conn *c, const struct app *app, const struct actor *a,
                      int64_t id, int64_t now, struct sheet *sh, struct err *e)
{
	struct case_full cf;
	if (case_load(c, app, id, &cf) != 0)
		return 0;
	json_t *j = case_to_json(c, app, a, &cf, false, NULL); /* the list's view: its masks */
	struct buf units;
	buf_init(&units, UNITS_MAX);
	char times[3][32];
	int64_t at[3] = {cf.c.received_at, cf.c.due_at, cf.c.closed_at};
	for (int i = 0; i < 3; i++)
		if (!at[i] || time_format_minute(at[i], times[i], sizeof times[i]) < 0)
			times[i][0] = '\0';
	const struct type_class *tc = cf.c.class_ ? type_class(cf.c.type, cf.c.class_) : NULL;
	int rc;
	if (!j || units_cell(&cf, &units) != 0) {
		rc = err_oom(e);
	} else {
		const char *cells[CASE_EXPORT_NCOLS] = {
		    [X_NO] = cf.c.no,
		    [X_TYPE] = cf.c.type->name,
		    [X_CLASS] = tc ? tc->name : cf.c.class_,
		    [X_CHANNEL] = cf.c.channel,
		    [X_STATUS] = str_at(j, "status_name", NULL),
		    [X_TITLE] = cf.c.title,
		    [X_CATEGORY] = json_string_value(json_object_get(cf.c.fields, "category")),
		    [X_ORG] = str_at(j, "org", "name"),
		    [X_UNITS] = units.data,
		    [X_NAME] = str_at(j, "reporter", "name"),
		    [X_PHONE] = str_at(j, "reporter", "phone"),
		    [X_RECEIVED] = times[0],
		    [X_DUE] = times[1],
		    [X_CLOSED] = times[2],
		    [X_OVERDUE] = overdue_cell(&cf.c, now),
		};
		rc = sheet_row(sh, cells, e) == 0 ? 1 : -1;
	}
	buf_release(&units);
	json_decref(j);
	case_full_release(&cf);
	return rc;
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
	struct sheet *sh = sheet_new(fmt, dir, "工单", case_export_cols, CASE_EXPORT_NCOLS, e);
	if (!sh)
		return -1;
	int64_t ids[CASE_EXPORT_PAGE], rows = 0, last_key = 0;
	int n;
	bool more;
	q.limit = CASE_EXPORT_PAGE;
	do {
		if (case_list_ids(c, app, a, &q, x->now, ids, &n, &more, &last_key, e) != 0)
			goto fail;
		for (int i = 0; i < n; i++) {
			int rc = export_row(c, app, a, ids[i], x->now, sh, e);
			if (rc < 0)
				goto fail;
			rows += rc;
		}
		if (n) { /* the next page continues after this one's last row */
			q.cursor = ids[n - 1];
			q.cursor_key = last_key;
		}
	} while (more && n);
	if (sheet_finish(sh, &out->fd, &out->size, e) != 0)
		goto fail;
	sheet_free(sh);
	out->rows = rows;
	return 0;
fail:
	sheet_free(sh);
	return -1;
}
