/*
 * store_backup (store.h): an online copy of a SQLite database with SQLite's
 * backup API, safe while a server writes to the database.
 *
 * Consistency: the whole database is copied in ONE sqlite3_backup_step(-1),
 * which holds a single read transaction on the source for the whole copy. In
 * WAL mode that read transaction is a snapshot: the server's writer goes on
 * committing (its new frames land in the WAL after our snapshot's mark and
 * are not copied), and no checkpoint can overwrite a page we still have to
 * read. Copying in small steps instead would restart from the first page
 * every time another process commits in between, and under steady load it
 * would never finish.
 *
 * Durability: the copy goes to a temporary file (mkstemp, mode 0600) in the
 * target's folder, is fsynced, then linked / renamed to the target, and the
 * folder is fsynced. A crash leaves either no target or a complete one (and
 * at worst a stray `.NAME.tmp-XXXXXX` file beside it).
 *
 * No SQL text is used here (scripts/checksrc: only sqlite.c prepares SQL).
 */
#include "store/store.h"
#include "util/files.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long a backup keeps retrying while the source is locked (WAL
 * recovery by another process, an exclusive lock). */
#define BACKUP_BUSY_MS 30000
#define BACKUP_RETRY_MS 20

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Removes path; a missing file is fine. */
static int unlink_if_there(const char *path)
{
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Puts the finished temporary file at dst (util/files.h), with a message. */
static int publish(const char *tmp, const char *dst, bool overwrite, char *err, size_t errcap)
{
	if (file_publish(tmp, dst, overwrite) == 0)
		return 0;
	if (errno == EEXIST)
		snprintf(err, errcap, "%s 已存在，不会覆盖（确需覆盖请加 --force）", dst);
	else
		snprintf(err, errcap, "无法写入 %s: %s", dst, strerror(errno));
	return -1;
}

/* Copies every page of src into the (empty) database file tmp. */
static int copy_pages(const char *src, const char *tmp, int64_t *pages, char *err, size_t errcap)
{
	sqlite3 *s = NULL, *d = NULL;
	int rc = -1;
	/* no SQLITE_OPEN_CREATE: a missing source is an error, never a new file;
	 * read-only when the file is (a snapshot, a read-only mount) */
	int orc = sqlite3_open_v2(src, &s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (orc != SQLITE_OK && s && access(src, W_OK) != 0) {
		sqlite3_close(s);
		s = NULL;
		orc = sqlite3_open_v2(src, &s, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	}
	if (orc != SQLITE_OK) {
		snprintf(err, errcap, "无法打开数据库 %s: %s", src,
		         s ? sqlite3_errmsg(s) : "内存不足");
		goto out;
	}
	sqlite3_busy_timeout(s, 5000);
	if (sqlite3_open_v2(tmp, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errcap, "无法打开临时文件 %s: %s", tmp,
		         d ? sqlite3_errmsg(d) : "内存不足");
		goto out;
	}
	sqlite3_busy_timeout(d, 5000);
	sqlite3_backup *b = sqlite3_backup_init(d, "main", s, "main");
	if (!b) {
		snprintf(err, errcap, "无法开始备份: %s", sqlite3_errmsg(d));
		goto out;
	}
	int64_t give_up = mono_ms() + BACKUP_BUSY_MS;
	int step;
	for (;;) {
		step = sqlite3_backup_step(b, -1); /* everything, in one read transaction */
		if ((step == SQLITE_BUSY || step == SQLITE_LOCKED) && mono_ms() < give_up) {
			sleep_ms(BACKUP_RETRY_MS);
			continue;
		}
		break;
	}
	if (pages)
		*pages = sqlite3_backup_pagecount(b);
	int fin = sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		const char *why = sqlite3_errstr(step);
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
			why = "数据库一直被锁定";
		else if ((step & 0xff) == SQLITE_NOTADB)
			why = "不是 SQLite 数据库";
		snprintf(err, errcap, "备份 %s 失败: %s", src, why);
		goto out;
	}
	if (fin != SQLITE_OK) {
		snprintf(err, errcap, "备份 %s 失败: %s", src, sqlite3_errmsg(d));
		goto out;
	}
	rc = 0;
out:
	if (d && sqlite3_close(d) != SQLITE_OK && rc == 0) {
		snprintf(err, errcap, "无法关闭临时文件 %s", tmp);
		rc = -1;
	}
	sqlite3_close(s);
	return rc;
}

/* SQLite's files beside a database. One left beside the target belongs to
 * some other database: SQLite would replay that WAL onto the backup the first
 * time it is opened. */
static const char *const target_sides[] = {"-wal", "-shm", "-journal"};
#define NSIDES (sizeof target_sides / sizeof target_sides[0])

/* The copy itself, once the checks passed: temporary file, pages, fsync,
 * publish, fsync of the folder. */
static int backup_to(const char *src, const char *dst, const char *dir, bool overwrite,
                     int64_t *pages, int64_t *bytes, char *err, size_t errcap)
{
	char tmp[1200], side[1100];
	const char *base = strrchr(dst, '/') ? strrchr(dst, '/') + 1 : dst;
	if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", dir, base) >= sizeof tmp) {
		snprintf(err, errcap, "路径过长: %s", dst);
		return -1;
	}
	int fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0) {
		snprintf(err, errcap, "无法在 %s 创建临时文件: %s", dir, strerror(errno));
		return -1;
	}
	int rc = fchmod(fd, 0600);
	close(fd);
	if (rc != 0) {
		snprintf(err, errcap, "无法设置 %s 的权限: %s", tmp, strerror(errno));
		goto fail;
	}
	if (copy_pages(src, tmp, pages, err, errcap) != 0)
		goto fail;
	struct stat tst;
	if (fsync_path(tmp, O_RDONLY) != 0 || stat(tmp, &tst) != 0) {
		snprintf(err, errcap, "无法写盘 %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (bytes)
		*bytes = (int64_t)tst.st_size;
	if (overwrite)
		for (size_t i = 0; i < NSIDES; i++) {
			snprintf(side, sizeof side, "%s%s", dst, target_sides[i]);
			if (unlink_if_there(side) != 0) {
				snprintf(err, errcap, "无法删除旧的 %s: %s", side, strerror(errno));
				goto fail;
			}
		}
	if (publish(tmp, dst, overwrite, err, errcap) != 0)
		goto fail;
	if (fsync_path(dir, O_RDONLY | O_DIRECTORY) != 0) {
		snprintf(err, errcap, "无法写盘目录 %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
fail:
	unlink(tmp);
	char tmpj[sizeof tmp + 16];
	snprintf(tmpj, sizeof tmpj, "%s-journal", tmp);
	unlink(tmpj);
	return -1;
}

int store_backup(const char *src, const char *dst, bool overwrite, int64_t *pages, int64_t *bytes,
                 char *err, size_t errcap)
{
	if (store_dsn_is_pg(src)) {
		snprintf(err, errcap,
		         "PostgreSQL 数据库请用 pg_dump / pg_basebackup 备份"
		         "（docs/postgresql.md）");
		return -1;
	}
	struct stat sst, dstst;
	if (stat(src, &sst) != 0) {
		snprintf(err, errcap, "数据库 %s 不存在或无法访问: %s", src, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sst.st_mode)) {
		snprintf(err, errcap, "%s 不是数据库文件", src);
		return -1;
	}
	char dir[1024], side[1100];
	if (path_dir(dst, dir, sizeof dir) != 0) {
		snprintf(err, errcap, "路径过长: %s", dst);
		return -1;
	}
	struct stat dirst;
	if (stat(dir, &dirst) != 0 || !S_ISDIR(dirst.st_mode)) {
		snprintf(err, errcap, "目标目录 %s 不存在", dir);
		return -1;
	}
	if (stat(dst, &dstst) == 0) {
		if (dstst.st_dev == sst.st_dev && dstst.st_ino == sst.st_ino) {
			snprintf(err, errcap, "%s 就是要备份的数据库本身，不能覆盖", dst);
			return -1;
		}
		if (S_ISDIR(dstst.st_mode)) {
			snprintf(err, errcap, "%s 是一个目录，请给出备份文件名", dst);
			return -1;
		}
		if (!overwrite) {
			snprintf(err, errcap, "%s 已存在，不会覆盖（确需覆盖请加 --force）", dst);
			return -1;
		}
	}
	for (size_t i = 0; i < NSIDES; i++) {
		if ((size_t)snprintf(side, sizeof side, "%s%s", dst, target_sides[i]) >=
		    sizeof side) {
			snprintf(err, errcap, "路径过长: %s", dst);
			return -1;
		}
		if (access(side, F_OK) == 0 && !overwrite) {
			snprintf(
			    err, errcap,
			    "%s 已存在（另一个数据库的日志），不会覆盖（确需覆盖请加 --force）",
			    side);
			return -1;
		}
	}
	/* A server serving an old copy at dst holds dst.lock (sqlite.c): never
	 * pull its files from under it, even with --force. */
	int lockfd = -1;
	if ((size_t)snprintf(side, sizeof side, "%s.lock", dst) < sizeof side &&
	    (lockfd = open(side, O_RDWR | O_CLOEXEC)) >= 0 &&
	    flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errcap, "%s 正被一个运行中的 civicloop 服务使用，请先停止它", dst);
		close(lockfd);
		return -1;
	}
	int rc = backup_to(src, dst, dir, overwrite, pages, bytes, err, errcap);
	if (lockfd >= 0)
		close(lockfd); /* releases the flock */
	return rc;
}
