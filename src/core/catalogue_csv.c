/* The dispatch catalogue's CSV import (catalogue.h): RFC 4180 records
 * (quoted cells may hold commas, quotes doubled, and line breaks), a UTF-8
 * BOM skipped, CRLF or LF; the first record names the columns. Each later
 * record becomes an entry, and list cells are split at 、 ； or ;. What
 * the cells say is checked afterwards by catalogue_check, whose faults
 * catalogue_csv_fault renames to the record's line. A cell the exports
 * guarded against formulas ('@township) loses its quote. */
#include "core/catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/csv.h"
#include "util/utf8.h"

#define CSV_COLS 7

static const char *const csv_heads[CSV_COLS] = {"org",     "category", "duty",    "keywords",
                                                "classes", "region",   "negative"};

/* The words of a list cell, split at 、 ； or ; and trimmed of spaces;
 * empty pieces dropped. NULL for no words. */
static json_t *csv_words(const char *s)
{
	json_t *arr = json_array();
	const char *p = s;
	while (arr && *p) {
		size_t n = strcspn(p, ";");
		const char *a = strstr(p, "、"), *b = strstr(p, "；");
		if (a && (size_t)(a - p) < n)
			n = (size_t)(a - p);
		if (b && (size_t)(b - p) < n)
			n = (size_t)(b - p);
		const char *q = p, *qe = p + n;
		while (q < qe && (*q == ' ' || *q == '\t'))
			q++;
		while (qe > q && (qe[-1] == ' ' || qe[-1] == '\t'))
			qe--;
		if (qe > q)
			json_array_append_new(arr, json_stringn(q, (size_t)(qe - q)));
		p += n;
		if (*p == ';')
			p++;
		else if (*p)
			p += 3; /* 、 and ； are three bytes */
	}
	if (arr && json_array_size(arr) == 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* The header record: which column each cell is (-1 = none). */
static int csv_header(struct csv *c, struct buf *cell, int *cols, int *ncols, struct err *e)
{
	bool eol = false, eof = false;
	*ncols = 0;
	while (!eol) {
		if (csv_cell(c, cell, &eol, &eof, e) != 0)
			return -1;
		if (*ncols >= CSV_COLS)
			return err_set(e, E_FIELD_INVALID, "line 1", "第 1 行：列过多");
		int k = -1;
		for (int i = 0; i < CSV_COLS; i++)
			if (cell->len == strlen(csv_heads[i]) &&
			    !memcmp(cell->data, csv_heads[i], cell->len))
				k = i;
		for (int i = 0; i < *ncols; i++)
			if (k >= 0 && cols[i] == k)
				k = -2;
		if (k < 0)
			return err_set(
			    e, E_FIELD_INVALID, "line 1",
			    "第 1 行：表头须为 org,category,duty,keywords,classes,region,"
			    "negative 中不重复的列");
		cols[(*ncols)++] = k;
	}
	for (int need = 0; need < 4; need += need == 1 ? 2 : 1) { /* org, category, keywords */
		bool has = false;
		for (int i = 0; i < *ncols; i++)
			has |= cols[i] == need;
		if (!has)
			return err_set(e, E_FIELD_REQUIRED, "line 1", "第 1 行：缺少 %s 列",
			               csv_heads[need]);
	}
	return 0;
}

/* One record's cells into a new entry object; *blank when all are empty. */
static int csv_record(struct csv *c, struct buf *cell, const int *cols, int ncols, json_t **o,
                      bool *blank, bool *eof, struct err *e)
{
	bool eol = false;
	int i = 0;
	*blank = true;
	*o = json_object();
	while (!eol) {
		if (csv_cell(c, cell, &eol, eof, e) != 0)
			return -1;
		if (i >= ncols) {
			if (cell->len == 0)
				continue;
			char f[64];
			snprintf(f, sizeof f, "line %d", c->line - (eol && !*eof ? 1 : 0));
			return err_set(e, E_FIELD_INVALID, f, "%s：单元格比表头多", f);
		}
		int k = cols[i++];
		if (cell->len == 0)
			continue;
		*blank = false;
		const char *text = cell->data;
		/* the exports' guard against spreadsheet formulas (util/sheet.c): a
		 * cell starting = + - @ tab or CR is written after a ', taken off here
		 * so that an exported catalogue ('@township) imports back */
		if (text[0] == '\'' && text[1] && strchr("=+-@\t\r", text[1]))
			text++;
		json_t *v = (k == 3 || k == 4 || k == 6) ? csv_words(text) : json_string(text);
		if (v)
			json_object_set_new(*o, csv_heads[k], v);
	}
	return 0;
}

int catalogue_csv_parse(const char *text, size_t n, json_t **out, int *lines, struct err *e)
{
	*out = NULL;
	if (!utf8_valid(text, n) || memchr(text, '\0', n))
		return err_set(e, E_BAD_ENCODING, NULL, "CSV 须为 UTF-8 文本");
	if (n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		n -= 3;
	}
	struct csv c = {text, text + n, 1};
	struct buf cell;
	buf_init(&cell, CSV_CELL_MAX + 8);
	int cols[CSV_COLS], ncols;
	json_t *entries = json_array();
	int rc = -1;
	if (!entries || csv_header(&c, &cell, cols, &ncols, e) != 0)
		goto out;
	bool eof = c.p >= c.end;
	while (!eof) {
		int line = c.line;
		json_t *o = NULL;
		bool blank;
		if (csv_record(&c, &cell, cols, ncols, &o, &blank, &eof, e) != 0) {
			json_decref(o);
			goto out;
		}
		if (blank) {
			json_decref(o);
			continue;
		}
		if (json_array_size(entries) >= CATALOGUE_ENTRIES_MAX) {
			json_decref(o);
			err_set(e, E_FIELD_TOO_LONG, "entries", "目录最多 2000 条");
			goto out;
		}
		lines[json_array_size(entries)] = line;
		json_array_append_new(entries, o);
	}
	*out = json_pack("{s:o}", "entries", entries);
	entries = NULL;
	rc = *out ? 0 : err_oom(e);
out:
	json_decref(entries);
	buf_release(&cell);
	return rc;
}

void catalogue_csv_fault(struct err *e, const int *lines)
{
	unsigned i;
	int used = 0;
	if (sscanf(e->field, "entries[%u]%n", &i, &used) != 1 || used == 0 ||
	    i >= CATALOGUE_ENTRIES_MAX)
		return;
	char field[64], msg[sizeof e->message];
	snprintf(field, sizeof field, "line %d%s", lines[i], e->field + used);
	snprintf(msg, sizeof msg, "第 %d 行：%s", lines[i], err_message(e));
	snprintf(e->field, sizeof e->field, "%s", field);
	snprintf(e->message, sizeof e->message, "%s", msg);
}
