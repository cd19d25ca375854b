/* File-system steps for durable copies (files.h). */
#include "util/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int path_dir(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return (size_t)snprintf(dir, cap, ".") < cap ? 0 : -1;
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= cap)
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

int fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int file_publish(const char *tmp, const char *dst, bool overwrite)
{
	if (overwrite)
		return rename(tmp, dst);
	if (link(tmp, dst) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return -1;
	if (access(dst, F_OK) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(tmp, dst);
}
