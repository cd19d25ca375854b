/*
 * Regions: the city-level (地级) administrative code that a case and every
 * row hanging on it carry as region_code, the column the schema is to be
 * distributed by (docs/citus.md).
 *
 * An org may hold its own division code (orgs.region_code, 统计用区划代码:
 * 6 digits for a county, 9 for a township, 12 for a village); its region
 * (orgs.city_code) is the city of that code, or else its parent's region,
 * or else REGION_NONE. A case takes its owner org's region at intake and
 * keeps it; the rows of a case take the case's (store/stmt_region.h).
 */
#ifndef CIVICLOOP_CORE_REGION_H
#define CIVICLOOP_CORE_REGION_H

#include <stdbool.h>

/* The region of rows no org with a code stands above: a deployment that
 * never named its place (`civicloop init` without --region). */
#define REGION_NONE "000000"
#define REGION_LEN 6

/* Whether code is a division code: 6, 9 or 12 ASCII digits whose first two
 * name a province (11–82). */
bool region_code_ok(const char *code);

/* The city of division code (region_code_ok) into out: the first two
 * digits and 0000 for the four municipalities under the central
 * government (北京 11, 天津 12, 上海 31, 重庆 50), whose districts are one
 * city; else the first four digits and 00 (a province's own code 430000
 * is its own region, a county 431121 is in 431100). */
void region_city(const char *code, char out[REGION_LEN + 1]);

#endif
