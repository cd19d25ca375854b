/*
 * Spreadsheets written row by row into an anonymous temporary file, for the
 * exports (GET /api/v1/export/cases.xlsx and .csv): every cell is text.
 *
 *  CSV   UTF-8 with a byte-order mark (so Excel reads it as UTF-8), RFC 4180:
 *        CRLF line ends, a cell with a quote, comma, CR or LF quoted and its
 *        quotes doubled. A cell that a spreadsheet would take as a formula
 *        (first character = + - @, tab or CR) gets a leading apostrophe.
 *  XLSX  libxlsxwriter in constant-memory mode: each row goes to the
 *        worksheet's own temporary file as it is written, as inline
 *        strings, so nothing grows with the number of rows. Text cells are
 *        never formulas there, so no apostrophe; what XML cannot hold
 *        (U+FFFE, U+FFFF) becomes U+FFFD, and a literal "_xHHHH_" is
 *        escaped so Excel does not decode it.
 *
 * Memory is bounded whatever the rows: CSV buffers SHEET_BUF bytes, XLSX one
 * row. The file is made with mkstemp in the folder given (mode 0600) and
 * unlinked at once, so a crash leaves nothing behind; libxlsxwriter, which
 * writes by name, reaches it as /proc/self/fd/N (without /proc the name
 * stays until sheet_finish). Any failure to write — a full disk included —
 * fails the sheet: there is never a short file that looks finished.
 *
 * Not here: what the rows say (core/caseexport.c), serving the file (http).
 */
#ifndef CIVICLOOP_UTIL_SHEET_H
#define CIVICLOOP_UTIL_SHEET_H

#include <stdint.h>

#include "util/error.h"

#define SHEET_BUF (64 * 1024) /* CSV bytes buffered before a write(2) */
#define SHEET_COLS_MAX 32

enum sheet_format { SHEET_CSV, SHEET_XLSX };

/* One column: its header and, for XLSX, its width in characters. */
struct sheet_col {
	const char *head;
	double width;
};

struct sheet;

/* A new sheet in a temporary file in dir, its first row the headers of
 * cols[0..ncols) (borrowed until sheet_free; ncols <= SHEET_COLS_MAX);
 * `name` names the XLSX worksheet. NULL with *e set (503) if the file
 * cannot be made. */
struct sheet *sheet_new(enum sheet_format fmt, const char *dir, const char *name,
                        const struct sheet_col *cols, int ncols, struct err *e);
/* Appends a row of ncols cells (NULL or "" = empty); cells are valid UTF-8.
 * 0, or -1 with *e set (503): the sheet is then failed for good. */
int sheet_row(struct sheet *sh, const char *const *cells, struct err *e);
/* Finishes the file. 0 with *fd (the caller's now: read it from offset 0)
 * and *size its length in bytes, or -1 with *e set (503). */
int sheet_finish(struct sheet *sh, int *fd, int64_t *size, struct err *e);
/* Frees the sheet, and its file unless sheet_finish handed it over. */
void sheet_free(struct sheet *sh);

#endif
