/*
 * The demo county's collection topics of people's suggestions (征集主题,
 * docs/suggestion.md): the "topics" of the parts in config/demo/more/, each
 * {"title", "description", "org", "opens_days_ago", "closes_in_days",
 * "ended"?}, its period counted from the day the demo is built, so the
 * topics open now stay open and a demo case "fields": {"topic": N} names
 * the N-th topic (ids count from 1 in a new database). Written by
 * `civicloop demo` before the cases, only when it builds cases.
 */
#include "cli/cli.h"
#include "core/directory.h"
#include "core/writer.h"

#include <stdio.h>

#include "util/timeutil.h"

static void day_text(int64_t day, char out[16])
{
	int y, m, d;
	time_ymd_from_day(day, &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

int demo_topics_add(struct wctx *w, json_t *topics, struct err *e)
{
	size_t i;
	json_t *o;
	int64_t today = time_day_of(w->now);
	json_array_foreach(topics, i, o)
	{
		int64_t org_id;
		char opens[16], closes[16];
		if (org_resolve(w->conn, json_object_get(o, "org"), &org_id, NULL, 0, NULL, 0) != 0)
			return err_set(e, E_FIELD_INVALID, "topics",
			               "第 %zu 个征集主题的单位不存在", i + 1);
		day_text(today - json_integer_value(json_object_get(o, "opens_days_ago")), opens);
		day_text(today + json_integer_value(json_object_get(o, "closes_in_days")), closes);
		struct store_stmt *s = store_stmt(w->conn, ST_TOPIC_INSERT);
		sbind_text(s, 1, json_string_value(json_object_get(o, "title")));
		sbind_text(s, 2, json_string_value(json_object_get(o, "description")));
		sbind_int(s, 3, org_id);
		sbind_text(s, 4, opens);
		sbind_text(s, 5, closes);
		sbind_null(s, 6);
		sbind_int(s, 7, w->now);
		if (sdone(s) != STORE_DONE)
			return err_set(e, E_FIELD_INVALID, "topics", "第 %zu 个征集主题写入失败",
			               i + 1);
		if (json_is_true(json_object_get(o, "ended"))) {
			s = store_stmt(w->conn, ST_TOPIC_UPDATE);
			sbind_int(s, 1, store_last_id(w->conn));
			sbind_text(s, 2, json_string_value(json_object_get(o, "title")));
			sbind_text(s, 3, json_string_value(json_object_get(o, "description")));
			sbind_int(s, 4, org_id);
			sbind_text(s, 5, opens);
			sbind_text(s, 6, closes);
			sbind_int(s, 7, 1);
			sbind_int(s, 8, w->now);
			if (sdone(s) != STORE_DONE)
				return err_set(e, E_UNAVAILABLE, "topics", NULL);
		}
	}
	return 0;
}
