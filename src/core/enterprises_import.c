/*
 * The registry's CSV import (enterprises.h enterprise_import;
 * docs/enterprise.md "Importing"). The text is UTF-8 (a BOM is dropped),
 * RFC 4180 (util/csv.h), its first record the header of Chinese column
 * names below, each later record one enterprise. A row whose credit code is
 * registered updates that enterprise (empty cells keep what it has), any
 * other registers a new one, so importing the same file twice changes
 * nothing the second time. Every row is checked as POST/PATCH
 * /api/v1/enterprises check a body (enterprise_check) before anything is
 * written: one bad row and nothing is, and the answer lists every bad row
 * by its line (the header is line 1), as core/import_csv.c numbers them.
 */
#include "core/enterprises.h"
#include "core/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/csv.h"
#include "util/utf8.h"

/* The columns: header name, the body member it fills, required. */
enum col {
	C_NAME,
	C_CREDIT,
	C_INDUSTRY,
	C_RISK,
	C_TOWNSHIP,
	C_ADDRESS,
	C_LNG,
	C_LAT,
	C_REP,
	C_REP_PHONE,
	C_OFFICER,
	C_OFFICER_PHONE,
	NCOLS
};
static const struct {
	const char *head;  /* the header's name */
	const char *field; /* enterprise_check's name for it */
	bool required;
} cols[NCOLS] = {
    [C_NAME] = {"企业名称", "name", true},
    [C_CREDIT] = {"统一社会信用代码", "credit_code", true},
    [C_INDUSTRY] = {"行业类别", "industry", true},
    [C_RISK] = {"风险等级", "risk_level", true},
    [C_TOWNSHIP] = {"所属乡镇", "township", false},
    [C_ADDRESS] = {"地址", "location.address", false},
    [C_LNG] = {"经度", "location.lng", false},
    [C_LAT] = {"纬度", "location.lat", false},
    [C_REP] = {"法定代表人", "contacts.legal_rep.name", false},
    [C_REP_PHONE] = {"法定代表人电话", "contacts.legal_rep.phone", false},
    [C_OFFICER] = {"安全负责人", "contacts.safety_officer.name", false},
    [C_OFFICER_PHONE] = {"安全负责人电话", "contacts.safety_officer.phone", false},
};

/* The column an error's field names (its header name), "" for none. */
static const char *column_of(const char *field)
{
	for (int i = 0; i < NCOLS; i++)
		if (!strcmp(cols[i].field, field))
			return cols[i].head;
	if (!strcmp(field, "location"))
		return cols[C_ADDRESS].head;
	if (!strncmp(field, "contacts.legal_rep", 18))
		return cols[C_REP].head;
	if (!strncmp(field, "contacts.safety_officer", 23))
		return cols[C_OFFICER].head;
	return "";
}

/* One row as read and checked. */
struct row {
	int line;
	char *cell[NCOLS]; /* NULL: the column is not in the file, or the cell empty */
	struct enterprise old;
	bool exists;
	struct enterprise_new n;
};

struct import {
	struct wctx *w;
	const struct actor *a;
	struct row *rows;
	int nrows;
	int map[NCOLS * 2]; /* header position → enum col, -1 none */
	int nhead;
	struct buf report; /* the bad rows, one a line */
	int bad;
};

static void report_add(struct import *im, int line, const char *field, const char *msg)
{
	im->bad++;
	if (im->bad > ENT_IMPORT_REPORT_MAX)
		return;
	const char *col = field ? column_of(field) : "";
	char head[96];
	int n = *col ? snprintf(head, sizeof head, "第 %d 行「%s」：", line, col)
	             : snprintf(head, sizeof head, "第 %d 行：", line);
	buf_append(&im->report, "\n", 1);
	buf_append(&im->report, head, (size_t)n);
	buf_append(&im->report, msg, strlen(msg));
}

/* The line of the first byte of text[0..n) that is not UTF-8 (or a NUL). */
static int bad_utf8_line(const char *text, size_t n)
{
	int line = 1;
	size_t i = 0;
	while (i < n) {
		size_t k = utf8_seq_len((const unsigned char *)text + i, n - i);
		if (!k)
			break;
		if (text[i] == '\n')
			line++;
		i += k;
	}
	return line;
}

/* The header record: each name a known column, once; the required ones there. */
static int header_read(struct import *im, struct csv *c, struct buf *cell, struct err *e)
{
	bool eol = false, eof = false, seen[NCOLS] = {false};
	while (!eol) {
		if (csv_cell(c, cell, &eol, &eof, e) != 0)
			return -1;
		if (im->nhead == NCOLS * 2)
			return err_set(e, E_FIELD_INVALID, "header",
			               "第 1 行：列过多（最多 %d 列）", NCOLS);
		char *name = strndup(cell->data ? cell->data : "", cell->len);
		if (!name)
			return err_oom(e);
		int k = -1;
		for (int i = 0; i < NCOLS && k < 0; i++)
			if (!strcmp(cols[i].head, name))
				k = i;
		char clip[UTF8_CLIP_BUF];
		if (k < 0 && *name) {
			err_set(e, E_FIELD_INVALID, "header", "第 1 行：不认识的列“%s”",
			        utf8_clip(name, 64, clip, sizeof clip));
			free(name);
			return -1;
		}
		free(name);
		if (k >= 0 && seen[k])
			return err_set(e, E_FIELD_INVALID, "header", "第 1 行：列“%s”重复",
			               cols[k].head);
		if (k >= 0)
			seen[k] = true;
		im->map[im->nhead++] = k;
	}
	for (int i = 0; i < NCOLS; i++)
		if (cols[i].required && !seen[i])
			return err_set(e, E_FIELD_REQUIRED, "header", "第 1 行：缺少“%s”列",
			               cols[i].head);
	return 0;
}

/* The records after the header into im->rows. 0, or -1 with e (a quote
 * left open: where the rows end is lost; too many rows). */
static int rows_read(struct import *im, struct csv *c, struct buf *cell, struct err *e)
{
	bool eof = c->p >= c->end;
	while (!eof) {
		struct row *row = &im->rows[im->nrows];
		memset(row, 0, sizeof *row);
		row->line = c->line;
		bool eol = false, blank = true;
		int n = 0;
		while (!eol) {
			if (csv_cell(c, cell, &eol, &eof, e) != 0)
				return -1;
			if (cell->len)
				blank = false;
			if (n < im->nhead && im->map[n] >= 0 && cell->len)
				row->cell[im->map[n]] = strndup(cell->data, cell->len);
			n++;
		}
		if (blank && n == 1) {
			for (int i = 0; i < NCOLS; i++)
				free(row->cell[i]);
			continue;
		}
		if (im->nrows == ENT_IMPORT_ROWS)
			return err_set(e, E_FIELD_INVALID, "rows", "一次最多导入 %d 家企业",
			               ENT_IMPORT_ROWS);
		im->nrows++;
		if (n > im->nhead)
			report_add(im, row->line, NULL, "列数多于表头");
	}
	return 0;
}

/* A coordinate cell as a JSON number (a string when it is not one: the
 * check names it). */
static json_t *number_cell(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	return *s && !*end ? json_real(v) : json_string(s);
}

/* Row's cells as the body of POST /api/v1/enterprises (absent cells left
 * out, so an update keeps what the enterprise has). */
static json_t *row_body(struct store_conn *c, const struct row *row)
{
	json_t *b = json_object();
	char *const *v = row->cell;
	for (int i = C_NAME; i <= C_RISK; i++)
		if (v[i])
			json_object_set_new(b, cols[i].field, json_string(v[i]));
	if (v[C_TOWNSHIP]) {
		/* a township by its name (濂江镇) or its code (town.a) */
		struct store_stmt *s = store_stmt(c, ST_ENT_TOWNSHIP_BY_NAME);
		sbind_text(s, 1, v[C_TOWNSHIP]);
		json_object_set_new(
		    b, "township",
		    json_string(sstep(s) == STORE_ROW ? scol_text(s, 0) : v[C_TOWNSHIP]));
		sreset(s);
	}
	if (v[C_ADDRESS] || v[C_LNG] || v[C_LAT]) {
		json_t *loc = json_object();
		if (v[C_ADDRESS])
			json_object_set_new(loc, "address", json_string(v[C_ADDRESS]));
		if (v[C_LNG])
			json_object_set_new(loc, "lng", number_cell(v[C_LNG]));
		if (v[C_LAT])
			json_object_set_new(loc, "lat", number_cell(v[C_LAT]));
		json_object_set_new(b, "location", loc);
	}
	json_t *contacts = json_object();
	static const struct {
		const char *role;
		enum col name, phone;
	} who[] = {{"legal_rep", C_REP, C_REP_PHONE},
	           {"safety_officer", C_OFFICER, C_OFFICER_PHONE}};
	for (size_t i = 0; i < 2; i++) {
		if (!v[who[i].name] && !v[who[i].phone])
			continue;
		json_t *p = json_object();
		if (v[who[i].name])
			json_object_set_new(p, "name", json_string(v[who[i].name]));
		if (v[who[i].phone])
			json_object_set_new(p, "phone", json_string(v[who[i].phone]));
		json_object_set_new(contacts, who[i].role, p);
	}
	if (json_object_size(contacts))
		json_object_set_new(b, "contacts", contacts);
	else
		json_decref(contacts);
	return b;
}

/* Checks row i; a fault goes to the report. */
static void row_check(struct import *im, int i)
{
	struct row *row = &im->rows[i];
	struct store_conn *c = im->w->conn;
	struct err e = {0};
	if (row->cell[C_CREDIT]) {
		/* the same code twice in one file: the later row is refused */
		for (int k = 0; k < i; k++)
			if (im->rows[k].cell[C_CREDIT] &&
			    !strcasecmp(im->rows[k].cell[C_CREDIT], row->cell[C_CREDIT])) {
				char msg[96];
				snprintf(msg, sizeof msg, "与第 %d 行的统一社会信用代码重复",
				         im->rows[k].line);
				report_add(im, row->line, "credit_code", msg);
				return;
			}
		char code[CREDITCODE_LEN + 1], why[CREDITCODE_WHY_MAX];
		if (creditcode_valid(row->cell[C_CREDIT], code, why)) {
			struct store_stmt *s = store_stmt(c, ST_ENT_BY_CREDIT);
			sbind_text(s, 1, code);
			int64_t id = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
			sreset(s);
			row->exists = id && enterprise_load(c, id, &row->old) == 0;
		}
	}
	json_t *body = row_body(c, row);
	int rc = body ? enterprise_check(c, &im->w->app->keys, body, row->exists ? &row->old : NULL,
	                                 &row->n, &e)
	              : err_oom(&e);
	json_decref(body);
	if (rc == 0 &&
	    ((row->exists && !actor_can(im->a, P_ENTERPRISE_MANAGE, row->old.org_path)) ||
	     !actor_can(im->a, P_ENTERPRISE_MANAGE, row->n.township_path)))
		rc = err_set(&e, E_FORBIDDEN, row->exists ? "credit_code" : "township",
		             row->exists ? "该企业已由无权管理的乡镇登记，不能修改"
		                         : "没有管理该乡镇（街道）企业的权限");
	if (rc != 0)
		report_add(im, row->line, e.field[0] ? e.field : NULL, err_message(&e));
}

/* The checked rows written. 0, or -1 with e. */
static int rows_write(struct import *im, struct enterprise_import_counts *n, struct err *e)
{
	for (int i = 0; i < im->nrows; i++) {
		struct row *row = &im->rows[i];
		bool changed = true;
		int64_t id;
		int rc = row->exists
		             ? enterprise_update(im->w, &row->old, &row->n, row->old.version,
		                                 im->a->user_id, &changed, e)
		             : enterprise_insert(im->w, &row->n, im->a->user_id, &id, e);
		if (rc != 0)
			return -1;
		if (!row->exists)
			n->created++;
		else if (changed)
			n->updated++;
		else
			n->unchanged++;
	}
	return 0;
}

int enterprise_import(struct wctx *w, const struct actor *a, const char *text, size_t len,
                      struct enterprise_import_counts *counts, char **report, struct err *e)
{
	memset(counts, 0, sizeof *counts);
	*report = NULL;
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		len -= 3;
	}
	if (!utf8_valid(text, len))
		return err_set(e, E_FIELD_INVALID, "rows",
		               "第 %d 行不是有效的 UTF-8 文本（请以 UTF-8 编码保存 CSV）",
		               bad_utf8_line(text, len));
	struct import im = {.w = w, .a = a};
	im.rows = calloc(ENT_IMPORT_ROWS + 1, sizeof *im.rows);
	if (!im.rows)
		return err_oom(e);
	buf_init(&im.report, 64 * 1024);
	struct csv c = {text, text + len, 1};
	struct buf cell;
	buf_init(&cell, CSV_CELL_MAX + 8);
	int rc = header_read(&im, &c, &cell, e);
	if (rc == 0)
		rc = rows_read(&im, &c, &cell, e);
	if (rc == 0 && im.nrows == 0)
		rc = err_set(e, E_FIELD_REQUIRED, "rows", "CSV 里没有企业（第 1 行是表头）");
	for (int i = 0; rc == 0 && i < im.nrows; i++)
		row_check(&im, i);
	if (rc == 0 && im.bad) {
		char head[160];
		int n = snprintf(head, sizeof head, "%d 行有误，没有导入任何企业：", im.bad);
		if (im.bad > ENT_IMPORT_REPORT_MAX)
			n += snprintf(head + n, sizeof head - (size_t)n, "（只列出前 %d 行）",
			              ENT_IMPORT_REPORT_MAX);
		*report = malloc((size_t)n + im.report.len + 1);
		if (*report) {
			memcpy(*report, head, (size_t)n);
			memcpy(*report + n, im.report.data, im.report.len);
			(*report)[(size_t)n + im.report.len] = '\0';
		}
		rc = *report ? 1 : err_oom(e);
	}
	if (rc == 0)
		rc = rows_write(&im, counts, e);
	for (int i = 0; i < im.nrows + 1 && i <= ENT_IMPORT_ROWS; i++) {
		for (int k = 0; k < NCOLS; k++)
			free(im.rows[i].cell[k]);
		enterprise_new_release(&im.rows[i].n);
	}
	free(im.rows);
	buf_release(&cell);
	buf_release(&im.report);
	return rc;
}
