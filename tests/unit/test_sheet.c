/*
 * Unit tests of the export's spreadsheet writer (util/sheet): the CSV bytes
 * exactly (byte-order mark, RFC 4180 quoting, CRLF, the formula guard), that
 * the file is anonymous and private, that an XLSX is a zip holding its rows
 * as inline strings with what Excel would misread escaped (read back with
 * unzip), and that a sheet which cannot be written fails instead of
 * handing over a short file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/sheet.h"

static const struct sheet_col cols[] = {{"编号", 10}, {"标题", 40}, {"电话", 0}};

static char dir[] = "/tmp/civicloop-sheet-XXXXXX";

static int files_in_dir(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Descriptors this process has open. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* The whole file at fd, NUL-terminated; the caller frees it. */
static char *slurp(int fd, int64_t size)
{
	char *b = malloc((size_t)size + 1);
	assert_non_null(b);
	assert_int_equal(pread(fd, b, (size_t)size, 0), size);
	b[size] = '\0';
	return b;
}

static void csv_bytes(void **state)
{
	(void)state;
	struct err e = {0};
	struct sheet *sh = sheet_new(SHEET_CSV, dir, "x", cols, 3, &e);
	assert_non_null(sh);
	assert_int_equal(files_in_dir(), 0); /* unlinked at once */
	const char *r1[] = {"A1", "含,逗号", NULL};
	const char *r2[] = {"=1+1", "说\"你好\"", "-2"};
	const char *r3[] = {"@SUM(A1)", "第一行\r\n第二行", "+86 138"};
	const char *r4[] = {"\tx", "a'b", "中="};
	assert_int_equal(sheet_row(sh, r1, &e), 0);
	assert_int_equal(sheet_row(sh, r2, &e), 0);
	assert_int_equal(sheet_row(sh, r3, &e), 0);
	assert_int_equal(sheet_row(sh, r4, &e), 0);
	int fd = -1;
	int64_t size = 0;
	assert_int_equal(sheet_finish(sh, &fd, &size, &e), 0);
	sheet_free(sh);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_nlink, 0);
	char *b = slurp(fd, size);
	assert_string_equal(b, "\xEF\xBB\xBF"
	                       "编号,标题,电话\r\n"
	                       "A1,\"含,逗号\",\r\n"
	                       "'=1+1,\"说\"\"你好\"\"\",'-2\r\n"
	                       "'@SUM(A1),\"第一行\r\n第二行\",'+86 138\r\n"
	                       "'\tx,a'b,中=\r\n");
	free(b);
	close(fd);
	assert_int_equal(files_in_dir(), 0);
}

/* The member `name` of the zip file `zip`, as unzip -p prints it; the
 * caller frees it. */
static char *unzip(const char *zip, const char *name)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "unzip -p '%s' %s", zip, name);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *out = calloc(1, 1 << 20);
	size_t n = fread(out, 1, (1 << 20) - 1, p);
	out[n] = '\0';
	pclose(p);
	return out;
}

static void xlsx_rows(void **state)
{
	(void)state;
	struct err e = {0};
	struct sheet *sh = sheet_new(SHEET_XLSX, dir, "工单", cols, 3, &e);
	assert_non_null(sh);
	const char *r1[] = {"=1+1", "a_x0041_b<&>", "x\xEF\xBF\xBFy"};
	const char *r2[] = {"", NULL, "tab\there"};
	assert_int_equal(sheet_row(sh, r1, &e), 0);
	assert_int_equal(sheet_row(sh, r2, &e), 0);
	for (int i = 0; i < 5000; i++) {
		const char *r[] = {"RX", "标题", "138****8000"};
		assert_int_equal(sheet_row(sh, r, &e), 0);
	}
	int fd = -1;
	int64_t size = 0;
	assert_int_equal(sheet_finish(sh, &fd, &size, &e), 0);
	sheet_free(sh);
	assert_int_equal(files_in_dir(), 0); /* libxlsxwriter's own files are gone too */
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_nlink, 0);
	/* a copy to read back with unzip */
	char *b = slurp(fd, size);
	close(fd);
	char copy[sizeof dir + 8];
	snprintf(copy, sizeof copy, "%s.xlsx", dir);
	FILE *f = fopen(copy, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	free(b);
	char *xml = unzip(copy, "xl/worksheets/sheet1.xml");
	assert_non_null(strstr(xml, "<c r=\"A1\" s=\"1\" t=\"inlineStr\"><is><t>编号</t>"));
	assert_non_null(strstr(xml, "<c r=\"A2\" t=\"inlineStr\"><is><t>=1+1</t></is></c>"));
	assert_non_null(strstr(xml, "<t>a_x005F_x0041_b&lt;&amp;&gt;</t>"));
	assert_non_null(strstr(xml, "<t>x\xEF\xBF\xBDy</t>"));
	assert_null(strstr(xml, "\xEF\xBF\xBF"));
	/* empty cells are left out */
	assert_null(strstr(xml, "r=\"A3\""));
	assert_null(strstr(xml, "r=\"B3\""));
	assert_non_null(strstr(xml, "<c r=\"C3\" t=\"inlineStr\"><is><t>tab\there</t>"));
	assert_non_null(strstr(xml, "r=\"A5003\""));
	assert_null(strstr(xml, "r=\"A5004\""));
	assert_non_null(strstr(xml, "<autoFilter ref=\"A1:C5003\"/>"));
	assert_non_null(strstr(xml, "<pane ySplit=\"1\""));
	free(xml);
	unlink(copy);
}

/* Writes rows until the sheet fails or n rows are in, then finishes it:
 * the answer of the first call that failed. */
static int fill(struct sheet *sh, int n, struct err *e, int *fd)
{
	int64_t size = 0;
	for (int i = 0; i < n; i++) {
		const char *row[] = {"RX20261123000001", "小区门口道路积水严重，影响出行",
		                     "138****8000"};
		if (sheet_row(sh, row, e) != 0)
			return -1;
	}
	return sheet_finish(sh, fd, &size, e);
}

static void unwritable(void **state)
{
	(void)state;
	struct err e = {0};
	int fds = open_fds();
	assert_null(sheet_new(SHEET_CSV, "/nonexistent/civicloop", "x", cols, 3, &e));
	assert_int_equal(e.kind, E_UNAVAILABLE);
	e.kind = E_OK;
	assert_null(sheet_new(SHEET_XLSX, "/nonexistent/civicloop", "x", cols, 3, &e));
	assert_int_equal(e.kind, E_UNAVAILABLE);

	/* a file that cannot grow past 64 KiB (as a full disk, but EFBIG): the
	 * sheet fails, in CSV and in XLSX, whose rows libxlsxwriter writes to a
	 * temporary file of its own without checking */
	struct rlimit old, lim = {64 * 1024, 64 * 1024};
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (int fmt = SHEET_CSV; fmt <= SHEET_XLSX; fmt++) {
		e.kind = E_OK;
		struct sheet *sh = sheet_new((enum sheet_format)fmt, dir, "x", cols, 3, &e);
		assert_non_null(sh);
		int fd = -1;
		assert_int_equal(fill(sh, 20000, &e, &fd), -1);
		assert_int_equal(e.kind, E_UNAVAILABLE);
		assert_int_equal(fd, -1);
		/* failed for good */
		assert_int_equal(fill(sh, 1, &e, &fd), -1);
		sheet_free(sh);
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(files_in_dir(), 0);
	assert_int_equal(open_fds(), fds); /* an unfinished workbook closes its files too */
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(csv_bytes),
	    cmocka_unit_test(xlsx_rows),
	    cmocka_unit_test(unwritable),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
