/*
 * Content-addressed files (DESIGN.md §2 "Attachment"): a file is stored once,
 * under the lower-case hex SHA-256 of its bytes, in a folder of two levels,
 *
 *     DIR/ab/ab12…ef        (ab: the first two hex digits of the name)
 *
 * files mode 0600, folders 0700. DIR is the database's FILE.files beside
 * it. A name always holds the whole of its bytes: a file is written to a
 * temporary file in its folder (DIR/ab/.tmp-XXXXXX), fsynced, renamed to
 * its name, and the folder fsynced (and DIR's parent when DIR was made).
 * The same bytes stored again find their file in place (its size and hash
 * checked) and write nothing; a file found damaged is replaced.
 *
 * What this layer does not know is which files are wanted: the rows that
 * name them are the database's (store, table attachments). A file that no
 * row names — written for an upload whose commit then failed — is an
 * orphan: harmless, reachable by no request (downloads go through a row),
 * and removed by `civicloop files prune` (cli), which walks DIR with
 * filestore_walk while it holds the database's writer lock.
 */
#ifndef CIVICLOOP_UTIL_FILESTORE_H
#define CIVICLOOP_UTIL_FILESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FILESTORE_HEX 65      /* 64 hex digits and a NUL */
#define FILESTORE_TMP ".tmp-" /* how a temporary file's name starts */
#define FILESTORE_DIR_SUFFIX ".files"

/* The file store of database db, "db.files", into out. 0, or -1 (too long). */
int filestore_dir_of(const char *db, char *out, size_t cap);
/* True if name is 64 lower-case hex digits, the only names stored. */
bool filestore_name_valid(const char *name);
/* The SHA-256 of data as 64 lower-case hex digits. */
void filestore_sha256_hex(const void *data, size_t len, char hex[FILESTORE_HEX]);
/* DIR/ab/NAME into out. 0, or -1 (a bad name, or too long). */
int filestore_path(const char *dir, const char *hex, char *out, size_t cap);

/* Stores len bytes of data under their SHA-256 (written to hex), making DIR
 * and its subfolder when missing; durable when it returns 0. -1 with errno
 * set (ENOSPC, EIO, EACCES…) when it could not: nothing is left under the
 * name, at most a temporary file the failure could not remove. */
int filestore_put(const char *dir, const void *data, size_t len, char hex[FILESTORE_HEX]);
/* Opens stored file hex for reading (no symbolic link followed), checking
 * that it is a regular file of `size` bytes. The descriptor (the caller's
 * to close), or -1 with errno ENOENT (missing) or EIO (another size). */
int filestore_open(const char *dir, const char *hex, int64_t size);
/* Reads stored file hex whole and checks its size and SHA-256: 0, or -1
 * with errno ENOENT (missing) or EIO (size or hash differs), or another. */
int filestore_check(const char *dir, const char *hex, int64_t size);
/* Copies stored file hex of src into the file store dst, checking size and
 * hash of the bytes as they are read (temporary file, fsync, rename; dst's
 * folders made as needed, fsynced by filestore_sync). A file already in dst
 * with the right size and hash is kept. 0, or -1 with errno set and
 * *source_bad telling whether the source was at fault (missing: ENOENT;
 * another size or hash: EIO) or the target could not be written. */
int filestore_copy(const char *src, const char *dst, const char *hex, int64_t size,
                   bool *source_bad);
/* fsyncs DIR's subfolders and DIR. 0, or -1 with errno set. */
int filestore_sync(const char *dir);

/* Calls fn for each file in DIR's subfolders: its name, its path, and
 * whether it is a temporary file (a write cut off by a crash or a failure).
 * Entries of any other kind or name are reported as not temporary with
 * their name, so a caller can tell them from stored files with
 * filestore_name_valid. A missing DIR has no files. fn returns 0 to go on.
 * 0, -1 with errno when DIR cannot be read, or fn's non-zero result. */
typedef int (*filestore_fn)(void *arg, const char *name, const char *path, bool temp);
int filestore_walk(const char *dir, filestore_fn fn, void *arg);
/* Removes a file store made by these functions (its files, its two-digit
 * subfolders, itself). Nothing else in it is touched: a folder holding
 * anything else is left, and the answer is -1 with errno ENOTEMPTY. */
int filestore_remove(const char *dir);

#endif
