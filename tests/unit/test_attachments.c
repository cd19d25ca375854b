/*
 * Unit tests of the attachments' pieces that need no server: the file store
 * (util/filestore.h: a name holds its whole bytes, the same bytes are stored
 * once, a damaged file is found by its check and replaced by the next put,
 * a copy checks the hash of what it reads, the walk tells stored files from
 * temporary ones, remove takes only its own) and the rules of
 * core/attachments.h (the four types by Content-Type and by magic numbers,
 * the file name's checks, the Content-Disposition of a download).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/attachments.h"
#include "util/crypto.h"
#include "util/filestore.h"

static char root[256];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/civicloop-filestore-XXXXXX");
	return mkdtemp(root) && crypto_init() == 0 ? 0 : -1;
}

static int rm_file(void *arg, const char *name, const char *path, bool temp)
{
	(void)arg;
	(void)name;
	(void)temp;
	unlink(path);
	return 0;
}

/* Empties and removes a file store folder and whatever the tests left in it. */
static void wipe(const char *dir)
{
	filestore_walk(dir, rm_file, NULL);
	filestore_remove(dir);
}

static int teardown(void **state)
{
	(void)state;
	char d[300];
	snprintf(d, sizeof d, "%s/a.db.files", root);
	wipe(d);
	snprintf(d, sizeof d, "%s/b.db.files", root);
	wipe(d);
	rmdir(root);
	return 0;
}

static int64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

struct tally {
	int stored, temps, other;
};

static int count(void *arg, const char *name, const char *path, bool temp)
{
	(void)path;
	struct tally *t = arg;
	if (temp)
		t->temps++;
	else if (filestore_name_valid(name))
		t->stored++;
	else
		t->other++;
	return 0;
}

static void store_put_open_check(void **state)
{
	(void)state;
	char db[300], dir[320], hex[FILESTORE_HEX], hex2[FILESTORE_HEX], path[600];
	snprintf(db, sizeof db, "%s/a.db", root);
	assert_int_equal(filestore_dir_of(db, dir, sizeof dir), 0);
	assert_string_equal(dir + strlen(root), "/a.db.files");
	/* SHA-256("abc"), the FIPS 180-2 example */
	assert_int_equal(filestore_put(dir, "abc", 3, hex), 0);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(filestore_path(dir, hex, path, sizeof path), 0);
	assert_int_equal(file_size(path), 3);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(mode_of(dir), 0700);
	/* the same bytes again: one file */
	assert_int_equal(filestore_put(dir, "abc", 3, hex2), 0);
	assert_string_equal(hex, hex2);
	struct tally t = {0};
	assert_int_equal(filestore_walk(dir, count, &t), 0);
	assert_int_equal(t.stored, 1);
	assert_int_equal(t.temps, 0);
	/* open checks the size */
	int fd = filestore_open(dir, hex, 3);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(filestore_open(dir, hex, 4), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(filestore_open(dir, "00", 3), -1);
	assert_int_equal(filestore_check(dir, hex, 3), 0);
	/* damaged behind our back: the check finds it, a put of the bytes repairs it */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abd", 3), 3);
	close(fd);
	assert_int_equal(filestore_check(dir, hex, 3), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(filestore_put(dir, "abc", 3, hex2), 0);
	assert_int_equal(filestore_check(dir, hex, 3), 0);
	/* missing */
	char other[FILESTORE_HEX];
	filestore_sha256_hex("xyz", 3, other);
	assert_int_equal(filestore_check(dir, other, 3), -1);
	assert_int_equal(errno, ENOENT);
	/* a symbolic link in a file's place is not followed */
	char link_path[600];
	assert_int_equal(filestore_put(dir, "xyz", 3, other), 0);
	assert_int_equal(filestore_path(dir, other, link_path, sizeof link_path), 0);
	unlink(link_path);
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_equal(filestore_open(dir, other, 3), -1);
	unlink(link_path);
}

static void store_copy_walk_remove(void **state)
{
	(void)state;
	char src[320], dst[320], hex[FILESTORE_HEX], hex2[FILESTORE_HEX], path[600];
	snprintf(src, sizeof src, "%s/a.db.files", root);
	snprintf(dst, sizeof dst, "%s/b.db.files", root);
	assert_int_equal(filestore_put(src, "hello", 5, hex), 0);
	bool bad = true;
	assert_int_equal(filestore_copy(src, dst, hex, 5, &bad), 0);
	assert_false(bad);
	assert_int_equal(filestore_check(dst, hex, 5), 0);
	assert_int_equal(filestore_copy(src, dst, hex, 5, &bad), 0); /* already there */
	assert_int_equal(filestore_sync(dst), 0);
	/* the wrong size, a missing file: the source's fault, nothing written */
	assert_int_equal(filestore_copy(src, dst, hex, 6, &bad), -1);
	assert_true(bad);
	filestore_sha256_hex("gone", 4, hex2);
	assert_int_equal(filestore_copy(src, dst, hex2, 4, &bad), -1);
	assert_true(bad);
	assert_int_equal(errno, ENOENT);
	/* a source file whose bytes do not hash to its name */
	assert_int_equal(filestore_path(src, hex2, path, sizeof path), 0);
	char sub[600];
	snprintf(sub, sizeof sub, "%s/%.2s", src, hex2);
	mkdir(sub, 0700);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, "gonf", 4), 4);
	close(fd);
	assert_int_equal(filestore_copy(src, dst, hex2, 4, &bad), -1);
	assert_true(bad);
	assert_int_equal(errno, EIO);
	assert_int_equal(filestore_check(dst, hex2, 4), -1);
	/* the walk: stored, temporary and other names */
	char tmp[600], odd[600];
	snprintf(tmp, sizeof tmp, "%s/%.2s/" FILESTORE_TMP "abcdef", dst, hex);
	snprintf(odd, sizeof odd, "%s/%.2s/notes.txt", dst, hex);
	close(open(tmp, O_WRONLY | O_CREAT, 0600));
	close(open(odd, O_WRONLY | O_CREAT, 0600));
	struct tally t = {0};
	assert_int_equal(filestore_walk(dst, count, &t), 0);
	assert_int_equal(t.stored, 1);
	assert_int_equal(t.temps, 1);
	assert_int_equal(t.other, 1);
	/* remove takes stored and temporary files only: a stranger keeps the folder */
	assert_int_equal(filestore_remove(dst), -1);
	assert_int_equal(file_size(odd), 0);
	unlink(odd);
	assert_int_equal(filestore_remove(dst), 0);
	assert_int_equal(access(dst, F_OK), -1);
	/* a missing store has no files */
	t = (struct tally){0};
	assert_int_equal(filestore_walk(dst, count, &t), 0);
	assert_int_equal(t.stored + t.temps + t.other, 0);
	/* a store that cannot be made: its parent is a file */
	char blocked[600];
	snprintf(blocked, sizeof blocked, "%s/a.db.files/%.2s/%s/x.files", root, hex, hex);
	assert_int_equal(filestore_put(blocked, "abc", 3, hex2), -1);
	assert_int_equal(errno, ENOTDIR);
}

static void kinds_and_magic(void **state)
{
	(void)state;
	const struct attach_kind *png = attach_kind_of("image/png");
	assert_non_null(png);
	assert_ptr_equal(attach_kind_of("IMAGE/PNG; charset=binary"), png);
	assert_ptr_equal(attach_kind_of(" image/png "), png);
	assert_null(attach_kind_of("image/png junk"));
	assert_null(attach_kind_of("image/pngx"));
	assert_null(attach_kind_of("image/gif"));
	assert_null(attach_kind_of("text/html"));
	assert_null(attach_kind_of(""));
	assert_null(attach_kind_of(NULL));
	assert_true(attach_magic_ok(png, "\x89PNG\r\n\x1a\n....", 12));
	assert_false(attach_magic_ok(png, "\x89PNG\r\n\x1a", 7)); /* cut short */
	assert_false(attach_magic_ok(png, "<html><script>", 14));
	assert_false(attach_magic_ok(png, "MZ\x90\x00", 4)); /* a Windows program */
	const struct attach_kind *jpeg = attach_kind_of("image/jpeg");
	assert_true(attach_magic_ok(jpeg, "\xff\xd8\xff\xe0", 4));
	assert_false(attach_magic_ok(jpeg, "\xff\xd8", 2));
	const struct attach_kind *webp = attach_kind_of("image/webp");
	assert_true(attach_magic_ok(webp, "RIFF\x10\x00\x00\x00WEBPVP8 ", 16));
	assert_false(attach_magic_ok(webp, "RIFF\x10\x00\x00\x00WAVEfmt ", 16)); /* a sound */
	const struct attach_kind *pdf = attach_kind_of("application/pdf");
	assert_true(attach_magic_ok(pdf, "%PDF-1.7\n", 9));
	assert_false(attach_magic_ok(pdf, "%!PS-Adobe", 10));
	assert_true(jpeg->shown_inline && png->shown_inline && webp->shown_inline);
	assert_false(pdf->shown_inline);
}

/* unit n times into out (large enough), NUL-terminated. */
static void repeat(char *out, const char *unit, int n)
{
	size_t len = strlen(unit);
	for (int i = 0; i < n; i++)
		memcpy(out + (size_t)i * len, unit, len);
	out[(size_t)n * len] = '\0';
}

static void names(void **state)
{
	(void)state;
	struct err e;
	static const char *const good[] = {
	    "坑洼.jpg", "a",  "签字版 会议纪要（终稿）.pdf", "report-2024_v2.pdf", "😀.png", "a b",
	    "..x",      "x.."};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_int_equal(attach_name_check(good[i], &e), 0);
	static const struct {
		const char *name;
		enum err_kind kind;
	} bad[] = {
	    {"", E_FIELD_REQUIRED},
	    {NULL, E_FIELD_REQUIRED},
	    {".", E_FIELD_INVALID},
	    {"..", E_FIELD_INVALID},
	    {"../x", E_FIELD_INVALID},
	    {"a/b.png", E_FIELD_INVALID},
	    {"a\\b.png", E_FIELD_INVALID},
	    {"a\tb", E_FIELD_INVALID},
	    {"a\nb", E_FIELD_INVALID},
	    {"a\x7f", E_FIELD_INVALID},
	    {"a\xc2\x85", E_FIELD_INVALID},           /* U+0085, a C1 control */
	    {"gpj\xe2\x80\xae.exe", E_FIELD_INVALID}, /* U+202E, right-to-left override */
	    {"a\xe2\x81\xa6", E_FIELD_INVALID},       /* U+2066, an isolate */
	    {"a\xe2\x80\x8f", E_FIELD_INVALID},       /* U+200F, a mark */
	    {"   ", E_FIELD_INVALID},
	    {"\xe3\x80\x80", E_FIELD_INVALID}, /* U+3000 alone: blank */
	    {"\xe4\xb8", E_FIELD_INVALID},     /* cut UTF-8 */
	    {"a\xc0\x80", E_FIELD_INVALID},    /* an overlong NUL */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(attach_name_check(bad[i].name, &e), -1);
		assert_int_equal(e.kind, bad[i].kind);
		assert_string_equal(e.field, "name");
	}
	char longname[ATTACH_NAME_MAX * 3 + 8];
	repeat(longname, "中", ATTACH_NAME_MAX);
	assert_int_equal(attach_name_check(longname, &e), 0);
	size_t n = strlen(longname);
	memcpy(longname + n, "x", 2);
	assert_int_equal(attach_name_check(longname, &e), -1);
	assert_int_equal(e.kind, E_FIELD_TOO_LONG);
}

static void dispositions(void **state)
{
	(void)state;
	struct attach_rec r = {.id = 7, .kind = attach_kind_of("image/jpeg")};
	char out[3072];
	snprintf(r.name, sizeof r.name, "%s", "pothole 1.jpg");
	assert_int_equal(attach_disposition(&r, out, sizeof out), 0);
	assert_string_equal(out,
	                    "inline; filename=\"pothole 1.jpg\"; filename*=UTF-8''pothole%201.jpg");
	snprintf(r.name, sizeof r.name, "%s", "坑洼\"x\".jpg");
	assert_int_equal(attach_disposition(&r, out, sizeof out), 0);
	assert_string_equal(out, "inline; filename=\"attachment-7.jpg\"; "
	                         "filename*=UTF-8''%E5%9D%91%E6%B4%BC%22x%22.jpg");
	r.kind = attach_kind_of("application/pdf");
	snprintf(r.name, sizeof r.name, "%s", "a;b,c%.pdf");
	assert_int_equal(attach_disposition(&r, out, sizeof out), 0);
	assert_string_equal(out, "attachment; filename=\"attachment-7.pdf\"; "
	                         "filename*=UTF-8''a%3Bb%2Cc%25.pdf");
	/* the longest name (200 four-byte characters) fits the server's buffer */
	repeat(r.name, "😀", ATTACH_NAME_MAX);
	assert_int_equal(attach_disposition(&r, out, sizeof out), 0);
	for (const char *p = out; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f); /* a header value: plain ASCII */
	assert_int_equal(attach_disposition(&r, out, 100), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(store_put_open_check), cmocka_unit_test(store_copy_walk_remove),
	    cmocka_unit_test(kinds_and_magic),      cmocka_unit_test(names),
	    cmocka_unit_test(dispositions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
