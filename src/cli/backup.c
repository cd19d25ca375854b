/*
 * `civicloop backup --db FILE --to FILE [--force]`: a consistent online copy
 * of the database (store_backup, SQLite's backup API; a running server keeps
 * serving) together with its key file FILE.key → TO.key, without which the
 * copy's personal data cannot be opened, and the attachments' files
 * FILE.files → TO.files (util/filestore.h). docs/operations.md has backup
 * and restore.
 *
 * Order: the key is copied to a temporary file first, then the database is
 * backed up (temporary file, fsync, rename), then the files the copy's
 * attachment rows name are copied into a temporary folder, each checked
 * against its SHA-256 as it is read, the folder fsynced and renamed to
 * TO.files, and last the key is put in place. Files are never deleted or
 * changed once stored and are written before their row commits, so every
 * file the snapshot names is there to copy; files no row names (orphans of
 * failed uploads) are left behind. Nothing existing is replaced without
 * --force.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/attachments.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/filestore.h"
#include "util/files.h"

#define KEY_FILE_MAX (64 * 1024)

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the whole key file (small) into buf; its length or -1. */
static ssize_t read_key(const char *path, unsigned char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (r > 0 && n + (size_t)r == cap)) {
			close(fd);
			if (r > 0)
				errno = EFBIG;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	return (ssize_t)n;
}

/* Writes buf to a new temporary file (mode 0600) beside `beside`, fsynced;
 * the temporary name goes to tmp. */
static int write_tmp(const char *dir, const char *beside, const unsigned char *buf, size_t n,
                     char *tmp, size_t tmpcap)
{
	const char *base = strrchr(beside, '/') ? strrchr(beside, '/') + 1 : beside;
	if ((size_t)snprintf(tmp, tmpcap, "%s/.%s.tmp-XXXXXX", dir, base) >= tmpcap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fchmod(fd, 0600) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:;
	int saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

/* One backup's paths, fixed before anything is written. */
struct backup_job {
	const char *db, *to;
	bool force;
	char dir[1024];                       /* the directory of to */
	char key_src[1100];                   /* db.key, or $CIVICLOOP_KEY_FILE */
	char key_dst[1100];                   /* to.key */
	char key_tmp[1200];                   /* the staged copy of the key beside key_dst */
	char files_src[1100];                 /* db.files */
	char files_dst[1100];                 /* to.files */
	char files_tmp[1200];                 /* the folder the files are copied into first */
	char files_old[1200];                 /* with --force, the old to.files moved aside */
	int64_t files, file_bytes, files_bad; /* copied; missing or damaged at the source */
};

static void backup_usage(void)
{
	puts("civicloop backup --db FILE --to FILE [--force]\n"
	     "Copies the database into TO while a server may keep serving it: one\n"
	     "consistent snapshot (SQLite's online backup), written to a temporary file\n"
	     "beside TO, fsynced and renamed; mode 0600. The key file FILE.key (or\n"
	     "$CIVICLOOP_KEY_FILE) is copied to TO.key: the database cannot be used\n"
	     "without it. The attachments' files FILE.files are copied to TO.files, each\n"
	     "checked against its SHA-256. An existing TO, TO.key or TO.files is kept\n"
	     "unless --force.\n"
	     "Restore: stop the server, copy TO and TO.key back (docs/operations.md).");
}

/* Fills b from the arguments and checks that the copy may go ahead: the
 * database exists, the target directory too, nothing is overwritten without
 * --force. 0, or the exit status after a message. */
static int backup_prepare(struct backup_job *b, int argc, char **argv)
{
	b->db = cli_opt(argc, argv, "--db");
	b->to = cli_opt(argc, argv, "--to");
	if (!b->db || !b->to) {
		fprintf(stderr, "civicloop backup: 需要 --db FILE 和 --to FILE\n");
		return 2;
	}
	b->force = cli_flag(argc, argv, "--force");
	if (store_dsn_is_pg(b->db)) {
		fprintf(stderr, "civicloop backup: 只能备份 SQLite 数据库；PostgreSQL 数据库请用 "
		                "pg_basebackup 或 pg_dump（docs/deploy.md）\n");
		return 2;
	}
	struct stat st;
	if (stat(b->db, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "civicloop backup: 数据库 %s 不存在\n", b->db);
		return 1;
	}
	if (path_dir(b->to, b->dir, sizeof b->dir) != 0 ||
	    (size_t)snprintf(b->key_src, sizeof b->key_src, "%s.key", b->db) >= sizeof b->key_src ||
	    (size_t)snprintf(b->key_dst, sizeof b->key_dst, "%s.key", b->to) >= sizeof b->key_dst ||
	    filestore_dir_of(b->db, b->files_src, sizeof b->files_src) != 0 ||
	    filestore_dir_of(b->to, b->files_dst, sizeof b->files_dst) != 0) {
		fprintf(stderr, "civicloop backup: 路径过长\n");
		return 2;
	}
	const char *env = getenv("CIVICLOOP_KEY_FILE");
	if (env && *env)
		snprintf(b->key_src, sizeof b->key_src, "%s", env);
	if (stat(b->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "civicloop backup: 目标目录 %s 不存在，请先创建\n", b->dir);
		return 1;
	}
	if (!b->force && access(b->to, F_OK) == 0) {
		fprintf(stderr, "civicloop backup: %s 已存在，不会覆盖（确需覆盖请加 --force）\n",
		        b->to);
		return 1;
	}
	if (!b->force && access(b->key_dst, F_OK) == 0) {
		fprintf(stderr,
		        "civicloop backup: 密钥文件 %s 已存在，不会覆盖（确需覆盖请加 --force）\n",
		        b->key_dst);
		return 1;
	}
	if (!b->force && access(b->files_dst, F_OK) == 0) {
		fprintf(stderr,
		        "civicloop backup: 附件目录 %s 已存在，不会覆盖（确需覆盖请加 --force）\n",
		        b->files_dst);
		return 1;
	}
	return 0;
}

/* Copies the key file to b->key_tmp, the key wiped from memory after. 0 or 1. */
static int backup_stage_key(struct backup_job *b)
{
	int rc = 1;
	unsigned char *key = malloc(KEY_FILE_MAX);
	if (!key) {
		fprintf(stderr, "civicloop backup: 内存不足\n");
		return 1;
	}
	ssize_t klen = read_key(b->key_src, key, KEY_FILE_MAX);
	if (klen <= 0) {
		fprintf(
		    stderr,
		    "civicloop backup: 无法读取密钥文件 %s（%s）；没有它，备份的数据库无法使用\n",
		    b->key_src, klen == 0 ? "文件为空" : strerror(errno));
		goto out;
	}
	if (write_tmp(b->dir, b->key_dst, key, (size_t)klen, b->key_tmp, sizeof b->key_tmp) != 0) {
		fprintf(stderr, "civicloop backup: 无法在 %s 写入密钥文件: %s\n", b->dir,
		        strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(key, KEY_FILE_MAX);
	free(key);
	return rc;
}

/* Reports a source file that could not be copied; the backup goes on. */
static void report_bad(struct backup_job *b, const char *sha, int why)
{
	b->files_bad++;
	fprintf(stderr, "civicloop backup: 附件文件 %s %s，未能备份\n", sha,
	        why == ENOENT ? "缺失" : "内容与 SHA-256 不符或无法读取");
}

/* Copies the files the copy `to` names into b->files_tmp, each checked as it
 * is read. 0, or -1 after a message when the target could not be written. */
static int copy_files(struct backup_job *b)
{
	char err[512];
	struct store_conn *c = store_open(b->to, true, err, sizeof err);
	char *names = NULL;
	int64_t *sizes = NULL;
	size_t n = 0;
	if (!c || store_exec(c, ST_BEGIN_READ) != STORE_OK ||
	    attach_files(c, &names, &sizes, &n) != 0) {
		fprintf(stderr, "civicloop backup: 无法读取备份中的附件列表: %s\n",
		        c ? store_errmsg(c) : err);
		store_close(c);
		return -1;
	}
	store_exec(c, ST_COMMIT);
	store_close(c);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *sha = names + i * FILESTORE_HEX;
		bool source_bad = false;
		if (filestore_copy(b->files_src, b->files_tmp, sha, sizes[i], &source_bad) == 0) {
			b->files++;
			b->file_bytes += sizes[i];
		} else if (source_bad) {
			report_bad(b, sha, errno);
		} else {
			fprintf(stderr, "civicloop backup: 无法写入附件文件 %s/%.2s/%s: %s\n",
			        b->files_tmp, sha, sha, strerror(errno));
			rc = -1;
		}
	}
	free(names);
	free(sizes);
	if (rc == 0 && filestore_sync(b->files_tmp) != 0) {
		fprintf(stderr, "civicloop backup: 无法写盘 %s: %s\n", b->files_tmp,
		        strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Puts the finished folder of files at to.files; with --force an old one is
 * moved aside first and removed once the new one is in place. 0 or -1. */
static int publish_files(struct backup_job *b)
{
	bool old = false;
	if (access(b->files_dst, F_OK) == 0) {
		const char *base = strrchr(b->to, '/') ? strrchr(b->to, '/') + 1 : b->to;
		snprintf(b->files_old, sizeof b->files_old, "%s/.%s.files.old-XXXXXX", b->dir,
		         base);
		/* rename() may replace an empty folder: mkdtemp makes one to take */
		if (!b->force || !mkdtemp(b->files_old) ||
		    rename(b->files_dst, b->files_old) != 0) {
			fprintf(stderr, "civicloop backup: 无法替换附件目录 %s: %s\n", b->files_dst,
			        b->force ? strerror(errno) : "已存在");
			return -1;
		}
		old = true;
	}
	if (rename(b->files_tmp, b->files_dst) != 0) {
		fprintf(stderr, "civicloop backup: 无法写入附件目录 %s: %s\n", b->files_dst,
		        strerror(errno));
		if (old)
			rename(b->files_old, b->files_dst);
		return -1;
	}
	if (old && filestore_remove(b->files_old) != 0)
		fprintf(stderr, "civicloop backup: 旧的附件目录未能删除，可手动删除 %s\n",
		        b->files_old);
	return 0;
}

/* The attachments' files of the new copy: a temporary folder beside it,
 * filled, fsynced and renamed to to.files. 0 or -1 (nothing left behind). */
static int backup_files(struct backup_job *b)
{
	const char *base = strrchr(b->to, '/') ? strrchr(b->to, '/') + 1 : b->to;
	if ((size_t)snprintf(b->files_tmp, sizeof b->files_tmp, "%s/.%s.files.tmp-XXXXXX", b->dir,
	                     base) >= sizeof b->files_tmp ||
	    !mkdtemp(b->files_tmp)) {
		fprintf(stderr, "civicloop backup: 无法在 %s 创建附件目录: %s\n", b->dir,
		        strerror(errno));
		return -1;
	}
	if (copy_files(b) != 0 || publish_files(b) != 0) {
		if (filestore_remove(b->files_tmp) != 0)
			fprintf(stderr, "civicloop backup: 临时目录未能删除，可手动删除 %s\n",
			        b->files_tmp);
		return -1;
	}
	return 0;
}

/* Backs the database up, copies its attachments' files, then puts the
 * staged key in place beside it; a new copy whose files or key could not be
 * written is removed. 0 or 1. */
static int backup_copy(struct backup_job *b, int64_t *pages, int64_t *bytes, int64_t *ms)
{
	char err[1024];
	int64_t t0 = mono_ms();
	if (store_backup(b->db, b->to, b->force, pages, bytes, err, sizeof err) != 0) {
		unlink(b->key_tmp);
		fprintf(stderr, "civicloop backup: %s\n", err);
		return 1;
	}
	if (backup_files(b) != 0) {
		unlink(b->key_tmp);
		if (!b->force)
			unlink(b->to); /* ours: a database without its files is no backup */
		fprintf(stderr, "civicloop backup: 附件文件未能备份%s\n",
		        b->force ? "" : "；已删除不完整的备份");
		return 1;
	}
	*ms = mono_ms() - t0;
	if (file_publish(b->key_tmp, b->key_dst, b->force) != 0) {
		int saved = errno;
		unlink(b->key_tmp);
		if (!b->force)
			unlink(b->to); /* ours: a database without its key is no backup */
		fprintf(stderr, "civicloop backup: 无法写入密钥文件 %s: %s%s\n", b->key_dst,
		        saved == EEXIST ? "已存在" : strerror(saved),
		        b->force ? "" : "；已删除不完整的备份");
		return 1;
	}
	if (fsync_path(b->dir, O_RDONLY | O_DIRECTORY) != 0) {
		fprintf(stderr, "civicloop backup: 无法写盘目录 %s: %s\n", b->dir, strerror(errno));
		return 1;
	}
	return 0;
}

int cmd_backup(int argc, char **argv)
{
	if (cli_flag(argc, argv, "--help")) {
		backup_usage();
		return 0;
	}
	struct backup_job b = {0};
	int rc = backup_prepare(&b, argc, argv);
	if (rc != 0)
		return rc;
	if (backup_stage_key(&b) != 0)
		return 1;
	int64_t pages = 0, bytes = 0, ms = 0;
	if (backup_copy(&b, &pages, &bytes, &ms) != 0)
		return 1;
	printf("已备份数据库 %s → %s（一致的快照，%lld 页，%.1f MB，用时 %lld ms，权限 0600）\n",
	       b.db, b.to, (long long)pages, (double)bytes / (1024.0 * 1024.0), (long long)ms);
	printf("已复制密钥文件 %s → %s（权限 "
	       "0600）：没有密钥文件，备份中的个人信息无法解密、签名无法核验，"
	       "请把两个文件放在一起保管\n",
	       b.key_src, b.key_dst);
	printf("已复制附件文件 %s → %s（%lld 个文件，%.1f MB，逐个核对 SHA-256，权限 0600）\n",
	       b.files_src, b.files_dst, (long long)b.files,
	       (double)b.file_bytes / (1024.0 * 1024.0));
	printf("恢复：停止服务，把 %s、%s 和目录 %s 复制回数据库的位置（见 docs/operations.md）\n",
	       b.to, b.key_dst, b.files_dst);
	if (b.files_bad) {
		fprintf(stderr,
		        "civicloop backup: 备份不完整：%lld 个附件文件缺失或已损坏（见上），"
		        "其余数据已备份；请用 civicloop audit verify 检查原库\n",
		        (long long)b.files_bad);
		return 1;
	}
	return 0;
}
