/* QR codes as SVG and PNG (util/qr.h). */
#include "util/qr.h"

#include <qrencode.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/buf.h"

#define QUIET 4

static QRcode *encode(const char *text)
{
	return QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
}

static int dark(const QRcode *q, int x, int y)
{
	x -= QUIET;
	y -= QUIET;
	return x >= 0 && y >= 0 && x < q->width && y < q->width && (q->data[y * q->width + x] & 1);
}

int qr_svg(const char *text, char **out, size_t *len)
{
	QRcode *q = encode(text);
	if (!q)
		return -1;
	int n = q->width + 2 * QUIET;
	struct buf b;
	buf_init(&b, (size_t)2 << 20); /* the cap: a 177-module symbol needs ~0.5 MiB */
	int bad = buf_printf(&b,
	                     "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	                     "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	                     "fill=\"#fff\"/><path fill=\"#000\" d=\"",
	                     n, n, n, n);
	/* one path of horizontal runs: small enough for a 100-module symbol */
	for (int y = 0; y < n && !bad; y++)
		for (int x = 0; x < n; x++) {
			if (!dark(q, x, y))
				continue;
			int run = 1;
			while (x + run < n && dark(q, x + run, y))
				run++;
			bad |= buf_printf(&b, "M%d %dh%dv1h-%dz", x, y, run, run);
			x += run - 1;
		}
	bad |= buf_puts(&b, "\"/></svg>\n");
	QRcode_free(q);
	if (bad) {
		buf_release(&b);
		return -1;
	}
	*out = buf_detach(&b, len);
	return *out ? 0 : -1;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* One PNG chunk: length, type, data, CRC of type and data. */
static int chunk(struct buf *b, const char *type, const unsigned char *data, size_t n)
{
	unsigned char hd[8], crc[4];
	put32(hd, (uint32_t)n);
	memcpy(hd + 4, type, 4);
	uLong c = crc32(0, hd + 4, 4);
	if (n)
		c = crc32(c, data, (uInt)n);
	put32(crc, (uint32_t)c);
	return buf_append(b, hd, 8) || (n && buf_append(b, data, n)) || buf_append(b, crc, 4);
}

int qr_png(const char *text, int scale, char **out, size_t *len)
{
	if (scale < 1 || scale > 32)
		return -1;
	QRcode *q = encode(text);
	if (!q)
		return -1;
	int n = q->width + 2 * QUIET, px = n * scale;
	size_t row = 1 + ((size_t)px + 7) / 8, raw_len = row * (size_t)px;
	unsigned char *raw = calloc(raw_len, 1);
	uLongf zlen = compressBound((uLong)raw_len);
	unsigned char *z = malloc(zlen);
	int rc = -1;
	if (raw && z) {
		/* filter byte 0, then bits: 1 = white (grayscale, depth 1) */
		for (int y = 0; y < px; y++)
			for (int x = 0; x < px; x++)
				if (!dark(q, x / scale, y / scale))
					raw[(size_t)y * row + 1 + (size_t)x / 8] |=
					    (unsigned char)(0x80 >> (x % 8));
		if (compress2(z, &zlen, raw, (uLong)raw_len, 9) == Z_OK) {
			static const unsigned char sig[8] = {0x89, 'P',  'N',  'G',
			                                     '\r', '\n', 0x1a, '\n'};
			unsigned char ihdr[13] = {0};
			put32(ihdr, (uint32_t)px);
			put32(ihdr + 4, (uint32_t)px);
			ihdr[8] = 1; /* bit depth */
			ihdr[9] = 0; /* grayscale */
			struct buf b;
			buf_init(&b, zlen + 64);
			int bad = buf_append(&b, sig, 8) || chunk(&b, "IHDR", ihdr, 13) ||
			          chunk(&b, "IDAT", z, zlen) || chunk(&b, "IEND", NULL, 0);
			if (!bad && (*out = buf_detach(&b, len)))
				rc = 0;
			else
				buf_release(&b);
		}
	}
	free(raw);
	free(z);
	QRcode_free(q);
	return rc;
}
