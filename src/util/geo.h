/*
 * Coordinate systems. civicloop stores WGS-84; Chinese map apps give GCJ-02
 * ("Mars" coordinates, Amap/Tencent) or BD-09 (Baidu). The published forward
 * formulas of GCJ-02 are inverted by fixed-point iteration (error well under
 * a metre inside China); outside China GCJ-02 equals WGS-84.
 */
#ifndef CIVICLOOP_UTIL_GEO_H
#define CIVICLOOP_UTIL_GEO_H

/* Converts (lat, lng) in place from crs ("gcj02" | "bd09" | "wgs84") to WGS-84. */
void geo_to_wgs84(const char *crs, double *lat, double *lng);
void geo_wgs84_to_gcj02(double lat, double lng, double *olat, double *olng);

#endif
