/*
 * A growable byte buffer with a hard cap fixed at creation (curl's dynbuf
 * habit): appending past the cap fails and leaves the buffer marked
 * `overflow`, so a caller checks once at the end. Contents are always
 * NUL-terminated. Out of memory is treated like overflow.
 */
#ifndef CIVICLOOP_UTIL_BUF_H
#define CIVICLOOP_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;    /* NUL-terminated, NULL until first append */
	size_t len;    /* bytes used, excluding the NUL */
	size_t alloc;  /* bytes allocated, at most cap + 1 */
	size_t cap;    /* len never exceeds cap */
	bool overflow; /* sticky: an append failed */
};

void buf_init(struct buf *b, size_t cap);
/* Frees the contents; the struct can be reused after buf_init. */
void buf_release(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the contents to the caller (who frees them); the buffer is empty after. */
char *buf_detach(struct buf *b, size_t *len);

#endif
