/*
 * Unit tests of the duplicate check's scoring (core/dupscore.h): address
 * normalization and likeness, the text's overlap with boilerplate and place
 * words left out, the topic words, the place and time rules of dup_score;
 * and the query plans of its statements (store/stmt_dup.h): the R*Tree box,
 * the window's start by index, a candidate by its rowid, a parent's
 * children by index — never a scan of every case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dupscore.h"
#include "scratchdb.h"

static const char *norm(const char *addr)
{
	static char out[DUP_ADDRESS_NORM_MAX];
	return dup_address_normalize(addr, out, sizeof out);
}

static void address_normalized(void **state)
{
	(void)state;
	/* the county and township go, spaces and punctuation go, full width folds */
	assert_string_equal(norm("濂江县濂江镇青松小区7栋"), "青松小区7栋");
	assert_string_equal(norm("青松小区 ７栋"), "青松小区7栋");
	assert_string_equal(norm("江西省赣州市濂江县长岭乡长岭圩老街"), "长岭圩老街");
	assert_string_equal(norm("东门街道人民路３号（北）"), "人民路3号北");
	assert_string_equal(norm("濂江縣濂江鎮建設路口"), "建设路口"); /* Traditional */
	/* words that end like an administrative name are kept */
	assert_string_equal(norm("东门菜市场"), "东门菜市场");
	assert_string_equal(norm("青松小区"), "青松小区");
	assert_string_equal(norm("长岭老街"), "长岭老街");
	assert_string_equal(norm("解放路县医院旁"), "解放路县医院旁");
	assert_string_equal(norm(NULL), "");
	assert_string_equal(norm("，。 、"), "");
	/* invalid UTF-8 never crashes and never leaves a bad byte */
	const char *bad = norm("\xff\xfe青松\xe9");
	assert_true(strstr(bad, "青松") != NULL);
}

static void address_likeness(void **state)
{
	(void)state;
	assert_true(dup_address_similarity("青松小区7栋", "青松小区7栋") == 1);
	assert_true(dup_address_similarity("长岭老街", "长岭圩老街") >= DUP_ADDRESS_MIN);
	assert_true(dup_address_similarity("红旗村三组", "青松小区7栋") == 0);
	/* one bigram in common (7栋) is not the same address */
	assert_true(dup_address_similarity("7栋", "青松小区7栋") == 0);
	assert_true(dup_address_similarity("", "青松小区") == 0);
}

static void text_overlap(void **state)
{
	(void)state;
	/* the same problem in other words overlaps, boilerplate aside */
	double same =
	    dup_text_similarity("来电人反映幸福路口的路灯坏了，晚上一片漆黑。",
	                        "幸福路口路灯不亮，漆黑一片，希望尽快修。", "幸福路口", "幸福路口");
	/* one place, two problems: the shared place words do not count */
	double other = dup_text_similarity("来电人反映和平街菜市场门口的路灯坏了。",
	                                   "市民反映和平街菜市场的公厕无人打扫，很臭。",
	                                   "和平街菜市场", "和平街菜市场");
	assert_true(same > 0.3);
	assert_true(other < 0.15);
	/* only boilerplate: nothing to compare */
	assert_true(
	    dup_text_similarity("来电人反映希望尽快处理", "市民反映希望尽快处理", NULL, NULL) == 0);
	/* Traditional folds to Simplified */
	assert_true(dup_text_similarity("路燈壞了漆黑", "路灯坏了漆黑", NULL, NULL) == 1);
	assert_true(dup_text_similarity(NULL, "路灯", NULL, NULL) == 0);
}

static void topics(void **state)
{
	(void)state;
	assert_int_equal(dup_topic_agreement("路灯不亮", "那几盏灯一直黑着，路灯坏了"), 1);
	assert_int_equal(dup_topic_agreement("井盖没了", "路灯坏了"), -1);
	assert_int_equal(dup_topic_agreement("井盖没了", "来电人咨询一件事"), 0);
	assert_int_equal(dup_topic_agreement("窨井蓋不見了", "井盖丢了"), 1); /* folded */
}

/* Two sides with points d_north metres apart, hours apart. */
static void score_at(double d_north, double hours, const char *cls_b, struct dup_match *m)
{
	struct dup_side a = {.cls = "投诉",
	                     .text = "来电人反映幸福路口的路灯坏了好几天，晚上一片漆黑。",
	                     .address = "幸福路口",
	                     .has_point = true,
	                     .lat = 25.78,
	                     .lng = 114.87,
	                     .received_at = 0};
	struct dup_side b = a;
	b.cls = cls_b;
	b.text = "幸福路口那几盏路灯一直不亮，晚上漆黑一片。";
	b.lat += d_north / 111320.0;
	b.received_at = (int64_t)(hours * 3600 * 1000);
	dup_score(&a, &b, DUP_THRESHOLD, m);
}

static void score_rules(void **state)
{
	(void)state;
	struct dup_match m;
	score_at(20, 5, "投诉", &m);
	assert_true(m.nearby && m.duplicate && m.topics == 1);
	assert_true(m.distance_m > 19 && m.distance_m < 21);
	assert_true(m.score > 0 && m.score <= 1);
	double same_class = m.score;
	score_at(20, 5, "求助", &m);
	assert_true(m.score <= same_class); /* the class counts (both may reach 1) */
	score_at(2000, 5, "投诉", &m);      /* 2 km away */
	assert_true(!m.nearby && !m.duplicate && m.score == 0);
	score_at(20, 31 * 24, "投诉", &m); /* after the window */
	assert_true(!m.duplicate && m.score == 0);
	score_at(20, -1, "投诉", &m); /* "earlier" is later */
	assert_true(!m.duplicate && m.score == 0);
	/* no points: the address decides the place */
	struct dup_side a = {
	    .cls = "求助", .text = "青松小区7栋停水两天了", .address = "青松小区7栋"};
	struct dup_side b = {
	    .cls = "求助", .text = "青松小区七栋没水两天", .address = "濂江镇青松小区 7栋"};
	dup_score(&a, &b, DUP_THRESHOLD, &m);
	assert_true(m.same_address && m.duplicate);
	b.address = "红旗村三组";
	dup_score(&a, &b, DUP_THRESHOLD, &m);
	assert_true(!m.same_address && !m.duplicate);
	b.address = NULL;
	dup_score(&a, &b, DUP_THRESHOLD, &m);
	assert_true(!m.duplicate);
}

/* The plan of statement id must hold want and never scan cases or links. */
static void plan_has(struct store_conn *c, enum stmt_id id, const char *name, const char *want)
{
	char plan[2048];
	assert_int_equal(store_query_plan(c, id, plan, sizeof plan), 0);
	if (!strstr(plan, want))
		fail_msg("%s: expected \"%s\" in the plan:\n%s", name, want, plan);
	if (strstr(plan, "SCAN cases") || strstr(plan, "SCAN c\n") || strstr(plan, "SCAN l\n"))
		fail_msg("%s scans a table:\n%s", name, plan);
}

static void query_plans(void **state)
{
	(void)state;
	struct scratchdb s;
	scratchdb_open(&s, "dup");
	if (!s.c)
		fail_msg("%s", s.err);
	struct store_conn *c = s.c;
	plan_has(c, ST_DUP_NEAR, "ST_DUP_NEAR", "SCAN p VIRTUAL TABLE INDEX 2:");
	plan_has(c, ST_DUP_WINDOW_START, "ST_DUP_WINDOW_START",
	         "INDEX cases_received (received_at>?)");
	plan_has(c, ST_DUP_BY_ADDRESS, "ST_DUP_BY_ADDRESS", "SCAN case_fts VIRTUAL TABLE INDEX");
	plan_has(c, ST_DUP_BRIEF, "ST_DUP_BRIEF",
	         "SEARCH cases USING INTEGER PRIMARY KEY (rowid=?)");
	plan_has(c, ST_LINK_CHILDREN, "ST_LINK_CHILDREN", "USING INDEX links_other (other_id=?)");
	scratchdb_remove(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(address_normalized), cmocka_unit_test(address_likeness),
	    cmocka_unit_test(text_overlap),       cmocka_unit_test(topics),
	    cmocka_unit_test(score_rules),        cmocka_unit_test(query_plans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
