/* The search index's segments by level (search.h search_segments), read
 * from FTS5's structure record, the row with id 10 of case_fts_data. Its
 * layout (fts5_index.c, "structure record"): a 4-byte cookie, then
 * varints: the number of levels, the segments in all, the write counter,
 * and for each level the segments in a merge under way, the segments on
 * it, and for each segment its id and its first and last leaf page. */
#include "core/search.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* A varint as SQLite writes them (1–9 bytes, big-endian, 7 bits a byte
 * but the ninth, 8): 0 with *v and *i past it, or -1 past the end. */
static int varint(const unsigned char *b, size_t n, size_t *i, uint64_t *v)
{
	*v = 0;
	for (int k = 0; k < 9; k++) {
		if (*i >= n)
			return -1;
		unsigned char c = b[(*i)++];
		if (k == 8) {
			*v = (*v << 8) | c;
			return 0;
		}
		*v = (*v << 7) | (c & 0x7f);
		if (!(c & 0x80))
			return 0;
	}
	return 0;
}

/* The structure record b[0..n) into *out: 0, or -1 when it is not one. */
static int structure_read(const unsigned char *b, size_t n, struct search_segments *out)
{
	size_t i = 4; /* the cookie */
	uint64_t levels, all, counter, v;
	if (n < 4 || varint(b, n, &i, &levels) != 0 || varint(b, n, &i, &all) != 0 ||
	    varint(b, n, &i, &counter) != 0 || levels > SEARCH_LEVELS_MAX)
		return -1;
	out->nlevels = (int)levels;
	for (int l = 0; l < out->nlevels; l++) {
		uint64_t merging, segs;
		if (varint(b, n, &i, &merging) != 0 || varint(b, n, &i, &segs) != 0 ||
		    merging > segs || segs > all)
			return -1;
		for (uint64_t k = 0; k < segs * 3; k++) /* id, first page, last page */
			if (varint(b, n, &i, &v) != 0)
				return -1;
		out->segments[l] = (int)segs;
		out->merging[l] = (int)merging;
	}
	return 0;
}

int search_segments(struct store_conn *c, struct search_segments *out)
{
	memset(out, 0, sizeof *out);
	if (!store_is_sqlite())
		return -1;     /* a GIN index: no segments, no such records */
	out->crisismerge = 16; /* FTS5's default */
	struct store_stmt *s = store_stmt(c, ST_SEARCH_CRISISMERGE);
	int rc = sstep(s);
	if (rc == STORE_ROW)
		out->crisismerge = (int)scol_int(s, 0);
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return -1;
	s = store_stmt(c, ST_SEARCH_STRUCTURE);
	rc = sstep(s);
	int r = rc == STORE_DONE ? 0 : -1; /* no record: an index never written */
	if (rc == STORE_ROW)
		r = structure_read(scol_blob(s, 0), scol_bytes(s, 0), out);
	sreset(s);
	return r;
}
