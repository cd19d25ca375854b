/* WGS-84 / GCJ-02 / BD-09 conversions, see geo.h. */
#include "util/geo.h"

#include <math.h>
#include <string.h>

static const double A = 6378245.0;               /* Krasovsky 1940 semi-major axis */
static const double EE = 0.00669342162296594323; /* its eccentricity squared */
static const double X_PI = 3.14159265358979324 * 3000.0 / 180.0;

static int outside_china(double lat, double lng)
{
	return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

static double tlat(double x, double y)
{
	double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
	r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
	r += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
	r += (160.0 * sin(y / 12.0 * M_PI) + 320 * sin(y * M_PI / 30.0)) * 2.0 / 3.0;
	return r;
}

static double tlng(double x, double y)
{
	double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
	r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
	r += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
	r += (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
	return r;
}

void geo_wgs84_to_gcj02(double lat, double lng, double *olat, double *olng)
{
	if (outside_china(lat, lng)) {
		*olat = lat;
		*olng = lng;
		return;
	}
	double dlat = tlat(lng - 105.0, lat - 35.0), dlng = tlng(lng - 105.0, lat - 35.0);
	double rad = lat / 180.0 * M_PI, magic = sin(rad);
	magic = 1 - EE * magic * magic;
	double sq = sqrt(magic);
	dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sq) * M_PI);
	dlng = (dlng * 180.0) / (A / sq * cos(rad) * M_PI);
	*olat = lat + dlat;
	*olng = lng + dlng;
}

static void gcj02_to_wgs84(double *lat, double *lng)
{
	double wlat = *lat, wlng = *lng;
	for (int i = 0; i < 10; i++) {
		double glat, glng;
		geo_wgs84_to_gcj02(wlat, wlng, &glat, &glng);
		wlat -= glat - *lat;
		wlng -= glng - *lng;
	}
	*lat = wlat;
	*lng = wlng;
}

void geo_gcj02_to_bd09(double lat, double lng, double *olat, double *olng)
{
	double z = sqrt(lng * lng + lat * lat) + 0.00002 * sin(lat * X_PI);
	double th = atan2(lat, lng) + 0.000003 * cos(lng * X_PI);
	*olng = z * cos(th) + 0.0065;
	*olat = z * sin(th) + 0.006;
}

/* The published inverse of BD-09 is only the first step (up to 0.11 m off
 * in the demo county, tests/unit/test_geo.c); a few fixed-point steps of
 * the forward formula bring it under a micrometre, as for GCJ-02. */
static void bd09_to_gcj02(double *lat, double *lng)
{
	double x = *lng - 0.0065, y = *lat - 0.006;
	double z = sqrt(x * x + y * y) - 0.00002 * sin(y * X_PI);
	double th = atan2(y, x) - 0.000003 * cos(x * X_PI);
	double glng = z * cos(th), glat = z * sin(th);
	for (int i = 0; i < 5; i++) {
		double blat, blng;
		geo_gcj02_to_bd09(glat, glng, &blat, &blng);
		glat -= blat - *lat;
		glng -= blng - *lng;
	}
	*lng = glng;
	*lat = glat;
}

void geo_to_wgs84(const char *crs, double *lat, double *lng)
{
	if (!strcmp(crs, "bd09")) {
		bd09_to_gcj02(lat, lng);
		gcj02_to_wgs84(lat, lng);
	} else if (!strcmp(crs, "gcj02")) {
		gcj02_to_wgs84(lat, lng);
	}
}
