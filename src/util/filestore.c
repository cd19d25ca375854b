/* Content-addressed files on disk (filestore.h). */
#include "util/filestore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/crypto.h"
#include "util/files.h"

#define CHUNK (64 * 1024)
#define PATH_CAP 1200

int filestore_dir_of(const char *db, char *out, size_t cap)
{
	return (size_t)snprintf(out, cap, "%s%s", db, FILESTORE_DIR_SUFFIX) < cap ? 0 : -1;
}

bool filestore_name_valid(const char *name)
{
	size_t n = 0;
	for (; name && name[n]; n++)
		if (!((name[n] >= '0' && name[n] <= '9') || (name[n] >= 'a' && name[n] <= 'f')))
			return false;
	return n == 64;
}

void filestore_sha256_hex(const void *data, size_t len, char hex[FILESTORE_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	hex_encode(h, sizeof h, hex);
}

int filestore_path(const char *dir, const char *hex, char *out, size_t cap)
{
	if (!filestore_name_valid(hex))
		return -1;
	return (size_t)snprintf(out, cap, "%s/%.2s/%s", dir, hex, hex) < cap ? 0 : -1;
}

/* DIR/ab into out. */
static int sub_path(const char *dir, const char *hex, char *out, size_t cap)
{
	return (size_t)snprintf(out, cap, "%s/%.2s", dir, hex) < cap ? 0 : -1;
}

/* Makes folder path (0700) when missing, fsyncing `parent` when it made it
 * and sync is set. 0, or -1 with errno (ENOTDIR when a file has the name). */
static int dir_ensure(const char *path, const char *parent, bool sync)
{
	if (mkdir(path, 0700) == 0)
		return sync ? fsync_path(parent, O_RDONLY | O_DIRECTORY) : 0;
	if (errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* Makes DIR and DIR/ab, as dir_ensure does. */
static int dirs_ensure(const char *dir, const char *hex, bool sync)
{
	char parent[PATH_CAP], sub[PATH_CAP];
	if (path_dir(dir, parent, sizeof parent) != 0 || sub_path(dir, hex, sub, sizeof sub) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (dir_ensure(dir, parent, sync) != 0 || dir_ensure(sub, dir, sync) != 0)
		return -1;
	return 0;
}

/* Opens path for reading, refusing a link or anything but a regular file of
 * `size` bytes (errno EIO). fd or -1. */
static int open_sized(const char *path, int64_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (int64_t)st.st_size != size) {
		close(fd);
		errno = EIO;
		return -1;
	}
	return fd;
}

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Reads src to its end, hashing, and writes each piece to out when out >= 0:
 * the hex hash and the bytes read. 0, or -1 with *read_failed set when the
 * read failed (else the write did). */
static int hash_copy(int src, int out, char hex[FILESTORE_HEX], int64_t *nread, bool *read_failed)
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	unsigned char *chunk = malloc(CHUNK);
	if (!chunk)
		return -1;
	int64_t n = 0;
	int rc = 0;
	for (;;) {
		ssize_t r = read(src, chunk, CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*read_failed = true;
			rc = -1;
			break;
		}
		if (r == 0)
			break;
		crypto_hash_sha256_update(&st, chunk, (unsigned long long)r);
		n += r;
		if (out >= 0 && write_all(out, chunk, (size_t)r) != 0) {
			rc = -1;
			break;
		}
	}
	free(chunk);
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&st, h);
	hex_encode(h, sizeof h, hex);
	*nread = n;
	return rc;
}

/* Whether the file at path holds exactly `size` bytes hashing to hex: 0, or
 * -1 with errno ENOENT / EIO / another. With sync, the file is fsynced too
 * (another thread may have just written it). */
static int check_path(const char *path, const char *hex, int64_t size, bool sync)
{
	int fd = open_sized(path, size);
	if (fd < 0)
		return -1;
	char got[FILESTORE_HEX];
	int64_t n = 0;
	bool read_failed = false;
	int rc = hash_copy(fd, -1, got, &n, &read_failed);
	if (rc == 0 && (n != size || strcmp(got, hex) != 0)) {
		errno = EIO;
		rc = -1;
	}
	if (rc == 0 && sync && fsync(fd) != 0)
		rc = -1;
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* A new temporary file (0600) in DIR/ab; its name into tmp. fd or -1. */
static int tmp_open(const char *dir, const char *hex, char *tmp, size_t cap)
{
	if ((size_t)snprintf(tmp, cap, "%s/%.2s/" FILESTORE_TMP "XXXXXX", dir, hex) >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd >= 0 && fchmod(fd, 0600) != 0) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return fd;
}

/* fsync, close and rename the finished temporary file to path; on any
 * failure it is removed. 0 or -1. */
static int tmp_finish(int fd, const char *tmp, const char *path)
{
	int rc = fsync(fd);
	int saved = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		errno = saved;
	}
	return rc;
}

int filestore_put(const char *dir, const void *data, size_t len, char hex[FILESTORE_HEX])
{
	char path[PATH_CAP], sub[PATH_CAP], tmp[PATH_CAP];
	filestore_sha256_hex(data, len, hex);
	if (filestore_path(dir, hex, path, sizeof path) != 0 ||
	    sub_path(dir, hex, sub, sizeof sub) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* the same bytes stored before: in place and durable, nothing to write */
	if (check_path(path, hex, (int64_t)len, true) == 0)
		return fsync_path(sub, O_RDONLY | O_DIRECTORY);
	if (dirs_ensure(dir, hex, true) != 0)
		return -1;
	int fd = tmp_open(dir, hex, tmp, sizeof tmp);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) != 0) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (tmp_finish(fd, tmp, path) != 0)
		return -1;
	return fsync_path(sub, O_RDONLY | O_DIRECTORY);
}

int filestore_open(const char *dir, const char *hex, int64_t size)
{
	char path[PATH_CAP];
	if (filestore_path(dir, hex, path, sizeof path) != 0) {
		errno = ENOENT;
		return -1;
	}
	return open_sized(path, size);
}

int filestore_check(const char *dir, const char *hex, int64_t size)
{
	char path[PATH_CAP];
	if (filestore_path(dir, hex, path, sizeof path) != 0) {
		errno = ENOENT;
		return -1;
	}
	return check_path(path, hex, size, false);
}

/* Copies what is left of src (size bytes expected) into fd, hashing; *bad
 * set when the source is at fault. 0 or -1. */
static int copy_hashed(int src, int fd, const char *hex, int64_t size, bool *bad)
{
	char got[FILESTORE_HEX];
	int64_t n = 0;
	int rc = hash_copy(src, fd, got, &n, bad);
	if (rc == 0 && (n != size || strcmp(got, hex) != 0)) {
		*bad = true;
		errno = EIO;
		rc = -1;
	}
	return rc;
}

int filestore_copy(const char *src, const char *dst, const char *hex, int64_t size,
                   bool *source_bad)
{
	char from[PATH_CAP], to[PATH_CAP], tmp[PATH_CAP];
	*source_bad = false;
	if (filestore_path(src, hex, from, sizeof from) != 0 ||
	    filestore_path(dst, hex, to, sizeof to) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int in = open_sized(from, size);
	if (in < 0) {
		*source_bad = errno == ENOENT || errno == EIO;
		return -1;
	}
	int rc = -1, fd = -1;
	if (check_path(to, hex, size, false) == 0) {
		rc = 0; /* already there, whole */
		goto out;
	}
	if (dirs_ensure(dst, hex, false) != 0 || (fd = tmp_open(dst, hex, tmp, sizeof tmp)) < 0)
		goto out;
	if (copy_hashed(in, fd, hex, size, source_bad) != 0) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		goto out;
	}
	rc = tmp_finish(fd, tmp, to);
out:;
	int saved = errno;
	close(in);
	errno = saved;
	return rc;
}

/* Whether name is one of the two-hex-digit subfolders. */
static bool sub_name(const char *name)
{
	for (int i = 0; i < 2; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return name[2] == '\0';
}

/* Calls sub_fn for each two-hex-digit subfolder of dir (its path). */
static int each_sub(const char *dir, int (*sub_fn)(void *arg, const char *path), void *arg)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		char path[PATH_CAP];
		struct stat st;
		if (!sub_name(e->d_name) ||
		    (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
		    lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		rc = sub_fn(arg, path);
	}
	int saved = errno;
	closedir(d);
	errno = saved;
	return rc;
}

struct walk {
	filestore_fn fn;
	void *arg;
};

static int walk_sub(void *arg, const char *sub)
{
	struct walk *w = arg;
	DIR *d = opendir(sub);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		char path[PATH_CAP];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", sub, e->d_name) >= sizeof path)
			continue;
		bool temp = !strncmp(e->d_name, FILESTORE_TMP, strlen(FILESTORE_TMP));
		rc = w->fn(w->arg, e->d_name, path, temp);
	}
	int saved = errno;
	closedir(d);
	errno = saved;
	return rc;
}

int filestore_walk(const char *dir, filestore_fn fn, void *arg)
{
	struct walk w = {fn, arg};
	return each_sub(dir, walk_sub, &w);
}

static int sync_sub(void *arg, const char *sub)
{
	(void)arg;
	return fsync_path(sub, O_RDONLY | O_DIRECTORY);
}

int filestore_sync(const char *dir)
{
	if (each_sub(dir, sync_sub, NULL) != 0)
		return -1;
	return fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

static int remove_file(void *arg, const char *name, const char *path, bool temp)
{
	(void)arg;
	if ((temp || filestore_name_valid(name)) && unlink(path) != 0)
		return -1;
	return 0;
}

static int remove_sub(void *arg, const char *sub)
{
	struct walk w = {remove_file, arg};
	if (walk_sub(&w, sub) != 0)
		return -1;
	return rmdir(sub);
}

int filestore_remove(const char *dir)
{
	if (each_sub(dir, remove_sub, NULL) != 0)
		return -1;
	return rmdir(dir) == 0 || errno == ENOENT ? 0 : -1;
}
