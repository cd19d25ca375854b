/*
 * Small file-system steps that durable copies need (backups and their key
 * files): the folder of a path, fsync of a file or folder by name, and
 * putting a finished temporary file in place without clobbering.
 */
#ifndef CIVICLOOP_UTIL_FILES_H
#define CIVICLOOP_UTIL_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* The folder part of path ("." when there is none) into dir. 0, or -1 if it
 * does not fit. */
int path_dir(const char *path, char *dir, size_t cap);
/* Opens path with flags (O_RDONLY for a file or O_DIRECTORY for a folder)
 * and fsyncs it. 0, or -1 with errno set. */
int fsync_path(const char *path, int flags);
/* Moves the finished temporary file tmp to dst. With overwrite it replaces
 * dst (rename); without, an existing dst — even one made meanwhile — is left
 * alone and the answer is -1 with errno EEXIST (link() refuses an existing
 * name; on a file system without hard links, check then rename). 0, or -1
 * with errno set. */
int file_publish(const char *tmp, const char *dst, bool overwrite);

#endif
