/* Spreadsheets into anonymous temporary files (sheet.h). */
#include "util/sheet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "util/utf8.h"

#define SHEET_CELL_MAX 32000 /* bytes of one XLSX cell (Excel holds 32767 characters) */

struct sheet {
	enum sheet_format fmt;
	int fd;               /* the file; -1 once sheet_finish handed it over */
	char path[1024];      /* its name while it has one, "" once unlinked */
	char tmpdir[1024];    /* where libxlsxwriter keeps its own temporary files */
	char xlsx_name[1100]; /* what libxlsxwriter opens: /proc/self/fd/N, or path */
	int ncols;            /* 1..SHEET_COLS_MAX */
	bool failed;          /* sticky: a write failed, the file is garbage */
	char *buf;            /* CSV: SHEET_BUF bytes, len of them used */
	size_t len;           /* CSV: <= SHEET_BUF */
	lxw_workbook *wb;     /* XLSX: NULL once closed */
	lxw_worksheet *ws;    /* XLSX: owned by wb */
	lxw_format *bold;     /* XLSX: owned by wb */
	lxw_row_t row;        /* XLSX: the next row, 0-based */
};

/* The sheet failed: logs why (once) and sets *e. Always -1. */
static int sheet_fail(struct sheet *sh, struct err *e, const char *what, const char *why)
{
	if (!sh->failed)
		fprintf(stderr, "civicloop: 导出文件写入失败（%s）: %s\n", what, why);
	sh->failed = true;
	return err_set(e, E_UNAVAILABLE, NULL,
	               "无法生成导出文件（存储空间不足或不可写），请稍后重试");
}

/* ------------------------------------------------------------------ */
/* CSV                                                                 */

static int csv_flush(struct sheet *sh)
{
	size_t off = 0;
	while (off < sh->len) {
		ssize_t w = write(sh->fd, sh->buf + off, sh->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	sh->len = 0;
	return 0;
}

static int csv_put(struct sheet *sh, const char *p, size_t n)
{
	while (n) {
		if (sh->len == SHEET_BUF && csv_flush(sh) != 0)
			return -1;
		size_t k = SHEET_BUF - sh->len < n ? SHEET_BUF - sh->len : n;
		memcpy(sh->buf + sh->len, p, k);
		sh->len += k;
		p += k;
		n -= k;
	}
	return 0;
}

/* A spreadsheet reads a cell starting with one of these as a formula (or,
 * for tab and CR, trims them and reads what follows: OWASP's CSV list). */
static bool csv_formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

static int csv_cell(struct sheet *sh, const char *s)
{
	bool quote = strpbrk(s, "\",\r\n") != NULL;
	if ((quote && csv_put(sh, "\"", 1) != 0) ||
	    (csv_formula_start(s[0]) && csv_put(sh, "'", 1) != 0))
		return -1;
	for (const char *q; (q = strchr(s, '"')); s = q + 1)
		if (csv_put(sh, s, (size_t)(q - s)) != 0 || csv_put(sh, "\"\"", 2) != 0)
			return -1;
	if (csv_put(sh, s, strlen(s)) != 0 || (quote && csv_put(sh, "\"", 1) != 0))
		return -1;
	return 0;
}

static int csv_row(struct sheet *sh, const char *const *cells)
{
	for (int i = 0; i < sh->ncols; i++)
		if ((i && csv_put(sh, ",", 1) != 0) || csv_cell(sh, cells[i] ? cells[i] : "") != 0)
			return -1;
	return csv_put(sh, "\r\n", 2);
}

/* ------------------------------------------------------------------ */
/* XLSX                                                                */

/* "_xHHHH_" at s: Excel decodes it as the character U+HHHH. */
static bool xlsx_escape_at(const char *s)
{
	if (s[0] != '_' || s[1] != 'x')
		return false;
	for (int i = 2; i < 6; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return s[6] == '_';
}

/* U+FFFE or U+FFFF (EF BF BE / EF BF BF): not XML characters. */
static bool xlsx_nonchar_at(const char *s)
{
	return (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBF &&
	       ((unsigned char)s[2] == 0xBE || (unsigned char)s[2] == 0xBF);
}

/* s[0..n) as Excel must be given it (sheet.h): NULL when it needs no
 * change, else a new string the caller frees (*oom set if it could not be
 * made). Control characters are libxlsxwriter's to escape (as _xHHHH_);
 * libxlsxwriter 1.1.4 leaves a literal _xHHHH_ alone, hence this. */
static char *xlsx_text(const char *s, size_t n, bool *oom)
{
	bool change = false;
	for (size_t i = 0; i < n && !change; i++)
		change = xlsx_escape_at(s + i) || xlsx_nonchar_at(s + i);
	if (!change)
		return NULL;
	/* each "_xHHHH_" grows by 6 bytes, and they start at least 6 apart */
	char *out = malloc(2 * n + 8), *p = out;
	if (!out) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (xlsx_escape_at(s + i)) {
			memcpy(p, "_x005F", 6);
			p += 6;
			*p++ = '_';
		} else if (xlsx_nonchar_at(s + i)) {
			memcpy(p, "\xEF\xBF\xBD", 3); /* U+FFFD */
			p += 3;
			i += 2;
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	return out;
}

/* In constant-memory mode libxlsxwriter writes finished rows to a temporary
 * file of its own and ignores write errors there: a full disk would give a
 * well-formed zip with rows missing and workbook_close() answering success.
 * The stream's sticky error flag tells, checked after every row and once
 * more, flushed, before the file is put together. */
static int xlsx_tmpfile_check(struct sheet *sh, struct err *e)
{
	FILE *f = sh->ws->optimize_tmpfile;
	if (f && ferror(f))
		return sheet_fail(sh, e, "xlsx", "临时文件写入出错");
	return 0;
}

static int xlsx_row(struct sheet *sh, const char *const *cells, lxw_format *fmt, struct err *e)
{
	if (sh->row >= LXW_ROW_MAX)
		return sheet_fail(sh, e, "xlsx", "行数超过 Excel 上限");
	for (int i = 0; i < sh->ncols; i++) {
		const char *s = cells[i];
		if (!s || !*s)
			continue;
		bool oom = false;
		size_t len = strlen(s), n = utf8_cut(s, len, SHEET_CELL_MAX);
		char *own = xlsx_text(s, n, &oom);
		if (!own && !oom && n < len)
			oom = !(own = strndup(s, n));
		if (oom)
			return sheet_fail(sh, e, "xlsx", "内存不足");
		lxw_error rc =
		    worksheet_write_string(sh->ws, sh->row, (lxw_col_t)i, own ? own : s, fmt);
		free(own);
		if (rc != LXW_NO_ERROR)
			return sheet_fail(sh, e, "xlsx", lxw_strerror(rc));
	}
	sh->row++;
	return xlsx_tmpfile_check(sh, e);
}

static int xlsx_open(struct sheet *sh, const char *name, const struct sheet_col *cols,
                     struct err *e)
{
	lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = sh->tmpdir};
	sh->wb = workbook_new_opt(sh->xlsx_name, &o);
	sh->ws = sh->wb ? workbook_add_worksheet(sh->wb, name) : NULL;
	sh->bold = sh->ws ? workbook_add_format(sh->wb) : NULL;
	if (!sh->bold)
		return sheet_fail(sh, e, "xlsx", "无法创建工作簿");
	format_set_bold(sh->bold);
	for (int i = 0; i < sh->ncols; i++)
		if (cols[i].width > 0)
			worksheet_set_column(sh->ws, (lxw_col_t)i, (lxw_col_t)i, cols[i].width,
			                     NULL);
	worksheet_freeze_panes(sh->ws, 1, 0);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the sheet                                                           */

struct sheet *sheet_new(enum sheet_format fmt, const char *dir, const char *name,
                        const struct sheet_col *cols, int ncols, struct err *e)
{
	if (NEVER(ncols < 1 || ncols > SHEET_COLS_MAX)) {
		err_set(e, E_INTERNAL, NULL, NULL);
		return NULL;
	}
	struct sheet *sh = calloc(1, sizeof *sh);
	if (!sh) {
		err_oom(e);
		return NULL;
	}
	sh->fmt = fmt;
	sh->ncols = ncols;
	sh->fd = -1;
	if ((size_t)snprintf(sh->tmpdir, sizeof sh->tmpdir, "%s", dir) >= sizeof sh->tmpdir ||
	    (size_t)snprintf(sh->path, sizeof sh->path, "%s/civicloop-export-XXXXXX", dir) >=
	        sizeof sh->path) {
		sheet_fail(sh, e, dir, "路径过长");
		goto fail;
	}
	sh->fd = mkstemp(sh->path); /* 0600 */
	if (sh->fd >= 0)
		fcntl(sh->fd, F_SETFD, FD_CLOEXEC);
	if (sh->fd < 0) {
		sh->path[0] = '\0';
		sheet_fail(sh, e, dir, strerror(errno));
		goto fail;
	}
	/* the name goes at once when the file can be reached without it */
	snprintf(sh->xlsx_name, sizeof sh->xlsx_name, "/proc/self/fd/%d", sh->fd);
	if (fmt == SHEET_CSV || access(sh->xlsx_name, W_OK) == 0) {
		unlink(sh->path);
		sh->path[0] = '\0';
	} else {
		snprintf(sh->xlsx_name, sizeof sh->xlsx_name, "%s", sh->path);
	}
	const char *head[SHEET_COLS_MAX];
	for (int i = 0; i < ncols; i++)
		head[i] = cols[i].head;
	if (fmt == SHEET_CSV) {
		sh->buf = malloc(SHEET_BUF);
		if (!sh->buf) {
			err_oom(e);
			goto fail;
		}
		memcpy(sh->buf, "\xEF\xBB\xBF", 3); /* the byte-order mark */
		sh->len = 3;
		if (csv_row(sh, head) != 0) {
			sheet_fail(sh, e, "csv", strerror(errno));
			goto fail;
		}
	} else if (xlsx_open(sh, name, cols, e) != 0 || xlsx_row(sh, head, sh->bold, e) != 0) {
		goto fail;
	}
	return sh;
fail:
	sheet_free(sh);
	return NULL;
}

int sheet_row(struct sheet *sh, const char *const *cells, struct err *e)
{
	if (sh->failed)
		return sheet_fail(sh, e, "", "");
	if (sh->fmt == SHEET_XLSX)
		return xlsx_row(sh, cells, NULL, e);
	if (csv_row(sh, cells) != 0)
		return sheet_fail(sh, e, "csv", strerror(errno));
	return 0;
}

int sheet_finish(struct sheet *sh, int *fd, int64_t *size, struct err *e)
{
	if (sh->failed)
		return sheet_fail(sh, e, "", "");
	if (sh->fmt == SHEET_CSV && csv_flush(sh) != 0)
		return sheet_fail(sh, e, "csv", strerror(errno));
	if (sh->fmt == SHEET_XLSX) {
		FILE *f = sh->ws->optimize_tmpfile;
		if ((f && fflush(f) != 0) || xlsx_tmpfile_check(sh, e) != 0)
			return sheet_fail(sh, e, "xlsx", "临时文件写入出错");
		if (sh->row > 1)
			worksheet_autofilter(sh->ws, 0, 0, sh->row - 1, (lxw_col_t)(sh->ncols - 1));
		lxw_error rc = workbook_close(sh->wb); /* frees it, whatever rc */
		sh->wb = NULL;
		if (rc != LXW_NO_ERROR)
			return sheet_fail(sh, e, "xlsx", lxw_strerror(rc));
	}
	struct stat st;
	if (fstat(sh->fd, &st) != 0)
		return sheet_fail(sh, e, "fstat", strerror(errno));
	if (st.st_size <= 0)
		return sheet_fail(sh, e, "fstat", "文件为空");
	if (sh->path[0]) {
		unlink(sh->path);
		sh->path[0] = '\0';
	}
	*fd = sh->fd;
	*size = (int64_t)st.st_size;
	sh->fd = -1;
	return 0;
}

void sheet_free(struct sheet *sh)
{
	if (!sh)
		return;
	if (sh->wb) {
		/* unfinished: lxw_workbook_free (1.1.4) would leave the worksheet's
		 * temporary file open, its space held until the process ends */
		if (sh->ws && sh->ws->optimize_tmpfile) {
			fclose(sh->ws->optimize_tmpfile);
			sh->ws->optimize_tmpfile = sh->ws->file = NULL;
		}
		lxw_workbook_free(sh->wb);
	}
	if (sh->path[0])
		unlink(sh->path);
	if (sh->fd >= 0)
		close(sh->fd);
	free(sh->buf);
	free(sh);
}
