/*
 * Reading RFC 4180 CSV from text in memory, one cell at a time: quoted
 * cells may hold commas, doubled quotes and line breaks; records end at
 * CRLF or LF. Used by the dispatch catalogue's CSV (core/catalogue_csv.c)
 * and by `civicloop import` (core/import.c), each of which decides what the
 * cells mean. A cell longer than CSV_CELL_MAX bytes, an unclosed quote or a
 * stray quote fails with the line it is on ("line N", 第 N 行).
 */
#ifndef CIVICLOOP_UTIL_CSV_H
#define CIVICLOOP_UTIL_CSV_H

#include <stdbool.h>

#include "util/buf.h"
#include "util/error.h"

#define CSV_CELL_MAX (64 * 1024)

struct csv {
	const char *p, *end;
	int line; /* of the next character */
};

/* The next cell into cell (cleared first); *eol true when it ended its
 * record, *eof when the text is done. 0, or -1 with e (a quote left open, a
 * stray quote, a cell too long). */
int csv_cell(struct csv *c, struct buf *cell, bool *eol, bool *eof, struct err *e);

#endif
