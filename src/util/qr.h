/*
 * QR codes of short texts (a document's verify URL) as SVG or PNG, over
 * libqrencode (the symbol) and zlib (the PNG's deflate stream and CRCs):
 * error correction level M, a 4-module quiet zone, black on white.
 */
#ifndef CIVICLOOP_UTIL_QR_H
#define CIVICLOOP_UTIL_QR_H

#include <stddef.h>

/* The QR of text as an SVG document (viewBox in modules, scalable) or a
 * 1-bit grayscale PNG of `scale` pixels per module; *out malloc'd, *len set.
 * 0, or -1 if text does not fit a QR or memory ran out. */
int qr_svg(const char *text, char **out, size_t *len);
int qr_png(const char *text, int scale, char **out, size_t *len);

#endif
