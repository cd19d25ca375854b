/*
 * Coordinate systems. civicloop stores WGS-84; Chinese map apps give GCJ-02
 * ("Mars" coordinates, Amap/Tencent) or BD-09 (Baidu). The published forward
 * formulas of GCJ-02 and BD-09 are inverted by fixed-point iteration;
 * outside China GCJ-02 equals WGS-84. The formulas are the published
 * approximations: the official offsets differ from them by up to a few
 * metres, which no inversion can recover.
 */
#ifndef CIVICLOOP_UTIL_GEO_H
#define CIVICLOOP_UTIL_GEO_H

/* Converts (lat, lng) in place from crs ("gcj02" | "bd09" | "wgs84") to WGS-84. */
void geo_to_wgs84(const char *crs, double *lat, double *lng);
/* The forward conversions, WGS-84 → GCJ-02 and GCJ-02 → BD-09; (lat, lng)
 * in, (*olat, *olng) out. geo_to_wgs84 inverts them by fixed-point
 * iteration: the round trip is within a micrometre (GCJ-02 and BD-09)
 * across the demo county (tests/unit/test_geo.c, docs/api.md). */
void geo_wgs84_to_gcj02(double lat, double lng, double *olat, double *olng);
void geo_gcj02_to_bd09(double lat, double lng, double *olat, double *olng);

#endif
