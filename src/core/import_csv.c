/*
 * A CSV source as records (core/import.h, import_csv_read): the shape of
 * docs/import.md's "The source file" — the first record names the columns
 * (a UTF-8 BOM before it is dropped), every column the mapping reads must be
 * among them, and each later record becomes an object column → cell for
 * import_row_build, with the line it starts on. Shared by `civicloop
 * import` (a file mapped into memory) and POST /api/v1/import (a text/csv
 * body), so both read a CSV alike and number its rows alike.
 *
 * Cells are kept as their bytes (json_stringn_nocheck): whether they are
 * UTF-8, and how long they may be, is the row's check (core/import.c), so a
 * bad cell refuses its row, not the file.
 */
#include "core/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"

#define IMPORT_COLS_MAX 256

/* Every column the mapping reads is in the header: 0, or 2 with e naming
 * the first that is not (a file from another export, or the wrong mapping). */
static int header_check(const struct import_map *m, char **heads, int nh, struct err *e)
{
	const char *need[IMPORT_COLUMNS_MAX];
	int n = import_map_columns(m, need, IMPORT_COLUMNS_MAX);
	for (int i = 0; i < n; i++) {
		int k = 0;
		while (k < nh && strcmp(heads[k], need[i]))
			k++;
		if (k == nh) {
			err_set(e, E_FIELD_INVALID, "mapping", "表头没有映射里的列“%s”", need[i]);
			return 2;
		}
	}
	return 0;
}

/* The header record into heads[0..*nh). 0, or 2 with e. */
static int header_read(struct csv *c, struct buf *cell, char **heads, int *nh, struct err *e)
{
	bool eol = false, eof = false;
	while (!eol) {
		if (csv_cell(c, cell, &eol, &eof, e) != 0)
			return 2;
		if (*nh == IMPORT_COLS_MAX) {
			err_set(e, E_FIELD_INVALID, "header", "表头列过多（最多 %d 列）",
			        IMPORT_COLS_MAX);
			return 2;
		}
		heads[(*nh)++] = strndup(cell->data ? cell->data : "", cell->len);
	}
	return 0;
}

int import_csv_read(const struct import_map *m, const char *text, size_t len,
                    const struct import_csv_sink *k, struct err *e)
{
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		len -= 3;
	}
	struct csv c = {text, text + len, 1};
	struct buf cell;
	buf_init(&cell, CSV_CELL_MAX + 8); /* the cap; it grows as cells need */
	char *heads[IMPORT_COLS_MAX];
	int nh = 0;
	int rc = header_read(&c, &cell, heads, &nh, e);
	if (rc == 0)
		rc = header_check(m, heads, nh, e);
	bool eof = c.p >= c.end;
	while (rc == 0 && !eof) {
		int line = c.line, n = 0;
		bool eol = false, blank = true;
		json_t *rec = json_object();
		while (!eol && rc == 0) {
			if (csv_cell(&c, &cell, &eol, &eof, e) != 0) {
				/* the record's bounds are lost: nothing after it is read */
				rc = k->refuse(k->arg, line, err_message(e)) ? -1 : 1;
				break;
			}
			if (cell.len)
				blank = false;
			if (n < nh) /* jansson keeps the bytes; the row's check judges them */
				json_object_set_new_nocheck(
				    rec, heads[n],
				    json_stringn_nocheck(cell.data ? cell.data : "", cell.len));
			n++;
		}
		if (rc == 0 && !(blank && n == 1) &&
		    (n > nh ? k->refuse(k->arg, line, "列数多于表头") : k->row(k->arg, rec, line)))
			rc = -1;
		json_decref(rec);
	}
	for (int i = 0; i < nh; i++)
		free(heads[i]);
	buf_release(&cell);
	return rc;
}
