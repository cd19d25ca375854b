/* Case numbers, see case_no.h. */
#include "core/case_no.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/region.h"
#include "util/timeutil.h"

/* The region of org_id's cases into out: 0, or -1 (no such org). */
static int org_city(struct store_conn *c, int64_t org_id, char out[REGION_LEN + 1])
{
	struct store_stmt *s = store_stmt(c, ST_ORG_CITY);
	sbind_int(s, 1, org_id);
	int rc = sstep(s);
	const char *city = rc == STORE_ROW ? scol_text(s, 0) : NULL;
	bool ok = city && strlen(city) == REGION_LEN;
	if (ok)
		memcpy(out, city, REGION_LEN + 1);
	sreset(s);
	return ok ? 0 : -1;
}

int case_no_next(struct wctx *w, const char *prefix, int64_t org_id, int64_t received, char *out,
                 size_t cap)
{
	char region[REGION_LEN + 1];
	if (cap < CASE_NO_MAX || org_city(w->conn, org_id, region) != 0)
		return -1;
	/* the city's own four digits (it ends in 00); none, nothing */
	char city4[5] = "";
	if (strcmp(region, REGION_NONE) != 0)
		memcpy(city4, region, 4);
	int y, m, d;
	time_ymd_from_day(time_day_of(received), &y, &m, &d);
	char name[48];
	snprintf(name, sizeof name, "no:%s%s:%04d%02d%02d", prefix, city4, y, m, d);
	int64_t n;
	if (wctx_counter_next(w, name, region, &n) != 0)
		return -1;
	snprintf(out, cap, "%s%04d%02d%02d%s%06" PRId64, prefix, y, m, d, city4, n);
	return 0;
}
