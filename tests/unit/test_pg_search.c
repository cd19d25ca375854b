/*
 * Full-text search on PostgreSQL (core/search_pg.h, store/pg_stmt_search.h)
 * against SQLite's FTS5 with the civicloop tokenizer: the same corpus in
 * both, the same queries through search_match on each backend, and then
 *  - the same set of matching ids for every query (phrases, several terms,
 *    Traditional input, words, digits, plates, no hit at all);
 *  - the same highlight() and snippet() text, byte for byte, for every hit
 *    and column (what search.c turns into the API's highlight JSON);
 *  - the same again for random texts and queries of a small alphabet
 *    (repeats, neighbouring and overlapping hits, sentences, plates);
 *  - ST_SEARCH_QUERY's window, count and visibility, and how often its
 *    order agrees with bm25's on SQLite; ST_SEARCH_SET_NOTES' new lexemes,
 *    ST_SEARCH_DELETE;
 *  - the builders' quoting and limits with hostile text: quotes,
 *    backslashes, tsquery's operators, invalid UTF-8, empty text, more
 *    positions than a tsvector holds.
 *
 * Needs CIVICLOOP_TEST_PG (ctest runs it under scripts/with-pg, which starts
 * a private cluster); without it the test fails, it does not skip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/search.h"
#include "core/search_pg.h"
#include "pg_db.h"
#include "store/pg.h"
#include "store/sqlite_fts.h"
#include "store/store.h"
#include "util/tokenize.h"

static const char *const sqlite_sql[STMT__COUNT] = {
#define STMT(name, sql) sql,
    STATEMENT_LIST(STMT)
#undef STMT
};

/* One case's index row: the five columns of case_fts (NULL allowed). */
struct doc {
	const char *no, *title, *body, *address, *notes;
};

/* A long description: more than 24 tokens around its hits, with ASCII
 * sentences (FTS5's snippet prefers a fragment that starts one). */
#define LONG_BODY \
	"今天上午群众来电反映，位于红谷滩新区丰和大道与会展路交叉口附近的一排路灯已经连续三个晚上" \
	"不亮了，附近居民晚上出行非常不方便，尤其是老人和小孩容易摔倒，希望有关部门尽快派人维修。" \
	"另外该路段的井盖也有松动现象，存在安全隐患。"

#define LONG_NOTES \
	"Reply: the street lamps were fixed. Note: 路灯已于次日修复，井盖已加固。" \
	"回访情况：群众表示满意。处理单位：城管局。处理结果：路灯恢复照明，噪音问题另行处理。" \
	"此外，关于停水的问题已转自来水公司处理，预计三日内恢复供水，请群众耐心等待。"

static const struct doc corpus[] = {
    {"JX20260001", "解放路路灯不亮", "晚上解放路上的路灯都不亮了，行人很不方便。",
     "南昌市解放路12号", NULL},
    {"JX20260002", "夜间施工噪音扰民", "工地每天晚上十一点以后还在施工，噪音很大。",
     "红谷滩区丰和大道100号", "已责令施工单位夜间停工。"},
    {"JX20260003", "小区停水三天", "幸福小区已经停水三天，没有任何通知。", "青山湖区幸福小区",
     NULL},
    {"JX20260004", "路燈壞了", "我家門口的路燈壞了很久，晚上很黑。", "東湖區中山路", NULL},
    {"JX20260005", "噪音擾民嚴重", "樓下商鋪音響噪音擾民，白天晚上都很吵。", NULL,
     "已約談商鋪負責人。"},
    {"JX20260006", "ＡＢＣ小区门口垃圾", "ＡＢＣ小区门口垃圾堆积如山，无人清理。", "ＡＢＣ小区东门",
     NULL},
    {"JX20260007", "５Ｇ基站辐射担忧", "居民担心楼顶新建的５Ｇ基站有辐射。", NULL, NULL},
    {"JX20260008", "赣B12345违停", "车牌赣B12345的车辆长期占用消防通道。", "西湖区朝阳路",
     "已通知交警贴单。"},
    {"JX20260009", "5G信号差", "小区里5G信号很差，打电话经常断线。", "高新区艾溪湖", NULL},
    {"JX20260010", "！！！路灯？？？", "“停水”、‘停电’（紧急）！！！", NULL, NULL},
    {"JX20260011", "水", "水", "水", "水"},
    {"JX20260012", "灯 水 电", "灯、水、电都有问题。", NULL, NULL},
    {"JX20260013", "路灯不亮及井盖松动", LONG_BODY, "红谷滩新区丰和大道与会展路交叉口", LONG_NOTES},
    {"JX20260014", "哈哈哈哈", "哈哈哈哈哈哈，这是一条测试数据。", NULL, NULL},
    {"JX20260015", "路灯路灯路灯", "路灯路灯路灯路灯", NULL, NULL},
    {"JX20260016", "wifi密码泄露", "公共WiFi密码被人贴在墙上。", NULL, "Café 老板说不知道。"},
    {"JX20260017", "iPhone充电桩损坏", "地铁站的iPhone充电桩坏了。", "地铁1号线八一馆站", NULL},
    {"JX20260018", "小区停电", "小区昨晚突然停电，电梯困人。", "幸福小区", "供电公司已抢修。"},
    {"JX20260019", "It's a \"test\"", "back\\slash: a & b | !c (d) <e> 'quoted'", "1:2 & 3", NULL},
    {"JX20260020", "マンションの騒音", "上の階の騒音がひどい。한국어 테스트", NULL, NULL},
    {"JX20260021", "\xf0\xa0\x80\x80字问题", "生僻字\xf0\xa0\x80\x80无法录入系统。", NULL, NULL},
    {"JX20260022", "解放 放路", "解放路与放路不是一条路。", NULL, NULL},
    {"JX20260023", "道路积水", "下雨后道路积水严重，车辆无法通行。", "象湖新城", NULL},
    {"JX20260024", "垃圾分类", "小区垃圾分类做得不好，垃圾桶满了没人清理。", NULL, NULL},
    {"JX20260025", "宠物扰民", "邻居家的狗整夜叫，噪音扰民。", "青云谱区", NULL},
    {"JX20260026", "", "", "", ""},
    {"JX20260027", "路灯", NULL, NULL, NULL},
    {"JX20260028", "停水通知", "停水通知没有提前发布，居民不满。", NULL, "自来水公司致歉。"},
    {"JX20260029", "油烟污染", "楼下餐馆油烟直排，窗户都不敢开。", "东湖区", NULL},
    {"JX20260030", "公交站牌", "公交站牌字迹模糊看不清。", NULL, NULL},
    {"JX20260031", "违章建筑", "楼顶私自搭建违章建筑。", "西湖区", "已立案查处。"},
    {"JX20260032", "路面塌陷", "路面出现大坑，非常危险。", "南昌大桥", NULL},
    {"JX20260033", "井盖缺失", "人行道井盖缺失，夜间路灯也不亮，很危险。", NULL, NULL},
    {"JX20260034", "乱停车", "赣A88888长期占用盲道。", NULL, NULL},
    {"JX20260035", "学校周边", "学校周边小摊贩多，交通拥堵。", NULL, NULL},
    {"JX20260036", "噪", "噪", NULL, NULL},
    {"JX20260037", "医院挂号难", "医院挂号难，网上预约系统总是崩溃。", NULL, NULL},
    {"JX20260038", "电梯故障", "小区电梯经常故障，已经困人三次。", "幸福小区", "维保单位已检修。"},
    {"JX20260039", "供暖不足", "冬天供暖温度不够，家里很冷。", NULL, NULL},
    {"JX20260040", "燃气泄漏", "楼道里有燃气味，怀疑燃气泄漏。", NULL, "燃气公司已处理。"},
    {"JX20260041", "噪音", "噪音 噪音 噪音。Quiet: 噪音问题。", NULL, NULL},
    {"JX20260042", "长文本", LONG_NOTES LONG_BODY, NULL, LONG_BODY},
    {"JX20260043", "ABC abc Ａｂｃ", "abc123 ABC-123 a1b2c3d456", NULL, NULL},
    {"JX20260044", "路灯x", "x路灯 路灯x x 路灯", NULL, NULL},
};
#define NCORPUS ((int)(sizeof corpus / sizeof *corpus))

/* A query and what both backends must say of it: `hits` the fewest ids
 * it must match (0: it must match none), or -1 when search_match refuses
 * it on both. */
struct query {
	const char *q;
	int hits;
};

static const struct query queries[] = {
    {"路", 5},
    {"灯", 5},
    {"路灯", 8},
    {"路灯不亮", 2},
    {"解放路", 2},
    {"噪音", 4},
    {"噪", 5},
    {"停水", 4},
    {"停水 小区", 1},
    {"路燈", 5},
    {"噪音擾民", 2},
    {"ＡＢＣ", 2},
    {"abc", 2},
    {"5G", 2},
    {"５ｇ", 2},
    {"12345", 1},
    {"赣B12345", 1},
    {"b12345", 1},
    {"wifi", 1},
    {"WiFi 密码", 1},
    {"水", 5},
    {"电", 3},
    {"灯 水", 2},
    {"路 灯", 5},
    {"解放 放路", 2},
    {"哈哈", 1},
    {"哈哈哈哈哈", 1},
    {"不存在的词", 0},
    {"xyz", 0},
    {"小区 停电", 1},
    {"红谷滩", 2},
    {"丰和大道100号", 1},
    {"丰和大道 100号", 1},
    {"丰和大道", 2},
    {"JX20260001", 1},
    {"20260001", 1},
    {"消防通道", 1},
    {"的", 5},
    {"café", 1},
    {"CAFÉ", 0}, /* only ASCII letters fold: É is not é */
    {"施工 噪音 夜间", 1},
    {"test", 1},
    {"it's", 1},
    {"a'b", 1}, /* a & b */
    {"back\\slash", 1},
    {"a & b | !c", 1},
    {"(d) <e>", 1},
    {"1:2", 1},
    {"路灯x", 1},
    {"x路灯", 1},
    {"路灯 x", 1},
    {"騒音", 1},
    {"한국어", 1},
    {"\xf0\xa0\x80\x80", 1},
    {"生僻字\xf0\xa0\x80\x80", 1},
    {"井盖 路灯 不亮", 2},
    {"群众 满意", 2},
    {"Note", 2},
    {"street lamps", 2},
    {"路灯恢复照明", 2},
    {"自来水公司", 3},
    {"a1b2c3d456", 1},
    {"456", 1},
    {"123", 1},
    {"abc123", 1},
    {"！！", -1},
    {"a b c d e f g h i", -1},
    {"\"路灯\"", 8},
    {"路灯\xe3\x80\x80不亮", 3},
    /* phrases never span two columns: title …不亮 + body 晚上…, number + title */
    {"亮，南", 0},
    {"JX20260001，解放", 0},
    {"大桥，路面", 0},
};
#define NQUERIES ((int)(sizeof queries / sizeof *queries))

static char dsn[512];
static sqlite3 *lite;
static struct store_conn *pgc;
static PGconn *raw;

/* ------------------------------------------------------------------ */
/* the two indexes                                                       */
/* ------------------------------------------------------------------ */

static void make_database(void)
{
	pg_test_database("pg_search", dsn, sizeof dsn);
}

static void open_sqlite(void)
{
	assert_int_equal(sqlite3_open(":memory:", &lite), SQLITE_OK);
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(lite, "SELECT fts5(?1)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	assert_int_equal(sqlite_fts_register(api), SQLITE_OK);
	/* schema.h's migration 9 */
	assert_int_equal(sqlite3_exec(lite,
	                              "CREATE VIRTUAL TABLE case_fts USING fts5(no, title, body, "
	                              "address, notes, tokenize='civicloop')",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
}

static sqlite3_stmt *lite_prepare(const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(lite, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(lite));
	return st;
}

static void lite_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void run_sql(const char *sql);
static void make_case(int64_t id);

/* Indexes case id in both: SQLite through ST_SEARCH_INSERT's SQLite text,
 * PostgreSQL through its PostgreSQL form with the tsvector built here. */
static void index_both(int64_t id, const struct doc *d)
{
	sqlite3_stmt *st = lite_prepare(sqlite_sql[ST_SEARCH_INSERT]);
	sqlite3_bind_int64(st, 1, id);
	lite_bind_text(st, 2, d->no);
	lite_bind_text(st, 3, d->title);
	lite_bind_text(st, 4, d->body);
	lite_bind_text(st, 5, d->address);
	lite_bind_text(st, 6, d->notes);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	char *tsv = search_pg_tsvector(d->no, d->title, d->body, d->address, d->notes);
	assert_non_null(tsv);
	make_case(id); /* the search row takes its case's region */
	struct store_stmt *s = store_stmt(pgc, ST_SEARCH_INSERT);
	sbind_int(s, 1, id);
	sbind_text(s, 2, d->no);
	sbind_text(s, 3, d->title);
	sbind_text(s, 4, d->body);
	sbind_text(s, 5, d->address);
	sbind_text(s, 6, d->notes);
	sbind_text(s, 7, tsv);
	if (sdone(s) != STORE_DONE)
		fail_msg("insert %lld: %s", (long long)id, store_errmsg(pgc));
	free(tsv);
}

static int setup(void **state)
{
	(void)state;
	make_database();
	store_select(dsn);
	char err[512];
	pgc = store_open(dsn, false, err, sizeof err);
	if (!pgc)
		fail_msg("%s", err);
	if (store_migrate(pgc, err, sizeof err) != 0)
		fail_msg("%s", err);
	raw = PQconnectdb(dsn);
	assert_int_equal(PQstatus(raw), CONNECTION_OK);
	open_sqlite();
	for (int i = 0; i < NCORPUS; i++)
		index_both(i + 1, &corpus[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sqlite3_close(lite);
	PQfinish(raw);
	store_close(pgc);
	return 0;
}

/* ------------------------------------------------------------------ */
/* queries                                                               */
/* ------------------------------------------------------------------ */

/* search_match's text for q as backend be writes it; its return. */
static int match_on(const struct store_backend *be, const char *q, char *out)
{
	const struct store_backend *was = store_be;
	store_be = be;
	struct err e;
	int rc = search_match(q, out, &e);
	store_be = was;
	return rc;
}

#define HITS_MAX 256 /* more than the corpus and the random documents */

/* SQLite's ids matching the FTS5 text m, increasing. */
static int lite_hits(const char *m, int64_t *ids)
{
	sqlite3_stmt *st = lite_prepare("SELECT rowid FROM case_fts WHERE case_fts MATCH ?1"
	                                " ORDER BY rowid");
	sqlite3_bind_text(st, 1, m, -1, SQLITE_TRANSIENT);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < HITS_MAX)
		ids[n++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		fail_msg("MATCH %s: %s", m, sqlite3_errmsg(lite));
	sqlite3_finalize(st);
	return n;
}

/* PostgreSQL's ids matching the tsquery text m, increasing (the filter
 * of CASE_FILTERS_REST's PostgreSQL form). */
static int pg_hits(const char *m, int64_t *ids)
{
	const char *params[1] = {m};
	PGresult *res =
	    PQexecParams(raw, "SELECT id FROM case_fts WHERE tsv @@ $1::tsquery ORDER BY id", 1,
	                 NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("tsquery %s: %s", m, PQresultErrorMessage(res));
	int n = PQntuples(res);
	assert_true(n <= HITS_MAX);
	for (int i = 0; i < n; i++)
		ids[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	PQclear(res);
	return n;
}

static void ids_text(const int64_t *ids, int n, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = '\0';
	for (int i = 0; i < n && k < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%s%lld", i ? "," : "", (long long)ids[i]);
}

/* The query's phrases as search.c builds them for the highlights: its
 * terms split as search_match splits them. */
static void query_phrases(const char *q, struct search_pg_query *pq)
{
	search_pg_query_init(pq);
	const char *p = q;
	while (*p) {
		while (*p == ' ' || *p == '\t' || !strncmp(p, "\xe3\x80\x80", 3))
			p += *p == ' ' || *p == '\t' ? 1 : 3;
		const char *start = p;
		while (*p && *p != ' ' && *p != '\t' && strncmp(p, "\xe3\x80\x80", 3))
			p++;
		if (p > start)
			assert_true(search_pg_query_add(pq, start, (size_t)(p - start)) >= 0);
	}
}

/* A highlight as text for a message: \x01 \x02 as [ ]. */
static const char *shown(const char *s, char *buf, size_t cap)
{
	if (!s)
		return "(null)";
	size_t k = 0;
	for (; *s && k + 1 < cap; s++)
		buf[k++] = *s == '\x01' ? '[' : *s == '\x02' ? ']' : *s;
	buf[k] = '\0';
	return buf;
}

/* SQLite's five highlights of hit id (ST_SEARCH_SNIPPET) against the same
 * made on PostgreSQL from ST_SEARCH_SNIPPET's PostgreSQL form; the
 * differences found. */
static int compare_snippets(const char *q, const char *lm, const char *pm, int64_t id)
{
	static const char *const what[5] = {"title", "body", "notes", "address", "no"};
	sqlite3_stmt *st = lite_prepare(sqlite_sql[ST_SEARCH_SNIPPET]);
	sqlite3_bind_text(st, 1, lm, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);

	struct search_pg_query pq;
	query_phrases(q, &pq);
	char again[SEARCH_MATCH_CAP];
	assert_int_equal(search_pg_tsquery(&pq, again, sizeof again), 0);
	assert_string_equal(again, pm); /* the phrases search_match wrote */

	struct store_stmt *s = store_stmt(pgc, ST_SEARCH_SNIPPET);
	sbind_text(s, 1, pm);
	sbind_int(s, 2, id);
	assert_int_equal(sstep(s), STORE_ROW);
	int bad = 0;
	for (int i = 0; i < 5; i++) {
		const char *want = (const char *)sqlite3_column_text(st, i);
		char *got = i == 0 ? search_pg_highlight(&pq, scol_text(s, i))
		                   : search_pg_snippet(&pq, scol_text(s, i), 24, "…");
		if (!want != !got || (want && strcmp(want, got))) {
			char b1[2048], b2[2048];
			print_error("q=%s id=%lld %s:\n  sqlite %s\n  pg     %s\n", q,
			            (long long)id, what[i], shown(want, b1, sizeof b1),
			            shown(got, b2, sizeof b2));
			bad++;
		}
		free(got);
	}
	assert_int_equal(sstep(s), STORE_DONE);
	sqlite3_finalize(st);
	return bad;
}

static void same_hits_and_highlights(void **state)
{
	(void)state;
	int differ = 0, hl_differ = 0, compared = 0, with_hits = 0;
	for (int k = 0; k < NQUERIES; k++) {
		const struct query *qq = &queries[k];
		char lm[SEARCH_MATCH_CAP], pm[SEARCH_MATCH_CAP];
		int lrc = match_on(&store_sqlite, qq->q, lm);
		int prc = match_on(&store_pg, qq->q, pm);
		assert_int_equal(lrc, prc);
		if (qq->hits < 0) {
			assert_int_not_equal(lrc, 0);
			continue;
		}
		assert_int_equal(lrc, 0);
		int64_t a[HITS_MAX], b[HITS_MAX];
		int na = lite_hits(lm, a), nb = pg_hits(pm, b);
		char ta[512], tb[512];
		ids_text(a, na, ta, sizeof ta);
		ids_text(b, nb, tb, sizeof tb);
		if (strcmp(ta, tb)) {
			print_error("q=%s\n  sqlite %s: %s\n  pg     %s: %s\n", qq->q, lm, ta, pm,
			            tb);
			differ++;
		}
		if (qq->hits == 0 ? na != 0 : na < qq->hits) {
			print_error("q=%s: %d hits, expected %s%d\n", qq->q, na,
			            qq->hits ? "at least " : "", qq->hits);
			differ++;
		}
		with_hits += na > 0;
		for (int i = 0; i < na; i++, compared++)
			hl_differ += compare_snippets(qq->q, lm, pm, a[i]);
	}
	print_message("%d documents, %d queries (%d with hits): %d differ in ids; %d hits "
	              "compared, %d highlights differ\n",
	              NCORPUS, NQUERIES, with_hits, differ, compared, hl_differ);
	assert_true(NCORPUS >= 40 && NQUERIES >= 40);
	assert_int_equal(differ, 0);
	assert_int_equal(hl_differ, 0);
}

/* ------------------------------------------------------------------ */
/* the statements                                                        */
/* ------------------------------------------------------------------ */

static void run_sql(const char *sql)
{
	PGresult *res = PQexec(raw, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
}

/* The case behind search row id (made once, by index_both): odd ids in org
 * /1/, even ones in /2/; case 6 is of another type. */
static void make_case(int64_t id)
{
	run_sql("INSERT INTO orgs(id, code, name, kind, path) VALUES"
	        " (1, 'o1', '一', 'county', '/1/'), (2, 'o2', '二', 'county', '/2/')"
	        " ON CONFLICT DO NOTHING");
	char sql[512];
	snprintf(sql, sizeof sql,
	         "INSERT INTO cases(id, no, type, status, title, description, org_id,"
	         " received_at, created_at, updated_at, region_code)"
	         " VALUES(%lld, 'N%lld', '%s', 'open', 't', 'd', %lld, 0, 0, 0, '000000')"
	         " ON CONFLICT DO NOTHING",
	         (long long)id, (long long)id, id == 6 ? "other" : "complaint",
	         (long long)(2 - id % 2));
	run_sql(sql);
}

/* Cases behind the corpus (index_both made them): case 4 (in /2/) gets a
 * part for /1/. */
static void make_cases(void)
{
	run_sql("INSERT INTO assignments(case_id, org_id, kind, status, dispatched_at, updated_at,"
	        " region_code) VALUES(4, 1, 'lead', 'open', 0, 0, '000000')");
}

/* ST_SEARCH_QUERY's rows for q in the scope: ids into out, the window's
 * count into *total, scores checked in order. */
static int search_query_in(const char *pm, const char *scope, int window, const char *type,
                           int64_t *out, int64_t *total)
{
	struct store_stmt *s = store_stmt(pgc, ST_SEARCH_QUERY);
	sbind_text(s, 1, scope);
	sbind_null(s, 2);
	sbind_null(s, 3);
	sbind_text(s, 4, pm);
	sbind_int(s, 5, window);
	sbind_text(s, 6, type);
	sbind_int(s, 7, SEARCH_LIMIT_MAX);
	sbind_int(s, 8, 0);
	int n = 0, rc;
	double last = -1e300;
	*total = 0;
	while ((rc = sstep(s)) == STORE_ROW) {
		out[n++] = scol_int(s, 0);
		double score = scol_real(s, 1);
		assert_true(score <= 0 && score >= last); /* -ts_rank, best first */
		last = score;
		*total = scol_int(s, 2);
	}
	if (rc != STORE_DONE)
		fail_msg("ST_SEARCH_QUERY: %s", store_errmsg(pgc));
	return n;
}

static int search_query(const char *pm, int window, const char *type, int64_t *out, int64_t *total)
{
	return search_query_in(pm, "/1/", window, type, out, total);
}

/* SQLite's hits for m best first, as ST_SEARCH_QUERY ranks them there. */
static int lite_ranked(const char *m, int64_t *ids)
{
	sqlite3_stmt *st = lite_prepare("SELECT rowid FROM case_fts WHERE case_fts MATCH ?1"
	                                " ORDER BY " SEARCH_RANK ", rowid DESC");
	sqlite3_bind_text(st, 1, m, -1, SQLITE_TRANSIENT);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && n < HITS_MAX)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int rank_of(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return i;
	return n;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void search_query_window(void **state)
{
	(void)state;
	make_cases();
	char pm[SEARCH_MATCH_CAP];
	assert_int_equal(match_on(&store_pg, "路灯", pm), 0);
	int64_t all[HITS_MAX], want[HITS_MAX], got[HITS_MAX], total;
	int nall = pg_hits(pm, all), nwant = 0;
	for (int i = 0; i < nall; i++)
		if (all[i] % 2 == 1 || all[i] == 4)
			want[nwant++] = all[i];
	assert_true(nwant >= 4);
	int n = search_query(pm, SEARCH_WINDOW, NULL, got, &total);
	assert_int_equal(n, nwant);
	assert_int_equal(total, nwant);
	qsort(got, (size_t)n, sizeof *got, cmp_id);
	assert_memory_equal(got, want, (size_t)n * sizeof *got);

	/* a window of 2: the two newest visible hits, counted as 2 */
	n = search_query(pm, 2, NULL, got, &total);
	assert_int_equal(n, 2);
	assert_int_equal(total, 2);
	qsort(got, (size_t)n, sizeof *got, cmp_id);
	assert_true(got[0] == want[nwant - 2] && got[1] == want[nwant - 1]);

	/* a title or number hit ranks before a hit in a long description */
	assert_int_equal(match_on(&store_pg, "路灯不亮", pm), 0);
	n = search_query(pm, SEARCH_WINDOW, NULL, got, &total);
	assert_true(n >= 2);
	assert_true(got[0] == 1); /* the title 解放路路灯不亮 */

	/* the order against bm25's on SQLite, in a scope that sees every case:
	 * the share of pairs of hits both put in the same order */
	long pairs = 0, agree = 0;
	int top = 0, ranked = 0;
	for (int k = 0; k < NQUERIES; k++) {
		char lm[SEARCH_MATCH_CAP];
		if (queries[k].hits <= 0 || match_on(&store_sqlite, queries[k].q, lm) != 0 ||
		    match_on(&store_pg, queries[k].q, pm) != 0)
			continue;
		int64_t a[HITS_MAX];
		int na = lite_ranked(lm, a);
		n = search_query_in(pm, "/", SEARCH_WINDOW, NULL, got, &total);
		assert_int_equal(n, na);
		assert_int_equal(total, na);
		if (na < 2)
			continue;
		ranked++;
		top += a[0] == got[0];
		for (int i = 0; i < na; i++)
			for (int j = i + 1; j < na; j++, pairs++)
				agree += rank_of(got, n, a[i]) < rank_of(got, n, a[j]);
	}
	print_message("ranking against bm25: %.3f of %ld pairs in the same order, the same "
	              "best hit for %d of %d queries\n",
	              (double)agree / (double)pairs, pairs, top, ranked);
	assert_true(agree * 10 >= pairs * 9);

	/* type= */
	assert_int_equal(match_on(&store_pg, "小区", pm), 0);
	n = search_query(pm, SEARCH_WINDOW, "other", got, &total);
	assert_int_equal(n, 0); /* case 6 is in /2/ */
	n = search_query(pm, SEARCH_WINDOW, "complaint", got, &total);
	assert_true(n > 0);
}

static void notes_and_delete(void **state)
{
	(void)state;
	const struct doc *d = &corpus[2];
	const char *notes = "已协调自来水公司恢复供水，另查明管网爆裂。";
	/* SQLite: the notes as written; PostgreSQL: the notes and every lexeme */
	sqlite3_stmt *st = lite_prepare(sqlite_sql[ST_SEARCH_SET_NOTES]);
	sqlite3_bind_int64(st, 1, 3);
	sqlite3_bind_text(st, 2, notes, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	char *tsv = search_pg_tsvector(d->no, d->title, d->body, d->address, notes);
	assert_non_null(tsv);
	struct store_stmt *s = store_stmt(pgc, ST_SEARCH_SET_NOTES);
	sbind_int(s, 1, 3);
	sbind_text(s, 2, notes);
	sbind_text(s, 3, tsv);
	assert_int_equal(sdone(s), STORE_DONE);
	free(tsv);
	s = store_stmt(pgc, ST_SEARCH_NOTES);
	sbind_int(s, 1, 3);
	assert_int_equal(sstep(s), STORE_ROW);
	assert_string_equal(scol_text(s, 0), notes);
	sreset(s);

	const char *const qs[] = {"管网爆裂", "幸福小区 停水", "供水"};
	for (int i = 0; i < 3; i++) {
		char lm[SEARCH_MATCH_CAP], pm[SEARCH_MATCH_CAP];
		assert_int_equal(match_on(&store_sqlite, qs[i], lm), 0);
		assert_int_equal(match_on(&store_pg, qs[i], pm), 0);
		int64_t a[HITS_MAX], b[HITS_MAX];
		int na = lite_hits(lm, a), nb = pg_hits(pm, b);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, (size_t)na * sizeof *a);
		assert_true(na > 0 && a[0] == 3);
		assert_int_equal(compare_snippets(qs[i], lm, pm, 3), 0);
	}

	s = store_stmt(pgc, ST_SEARCH_DELETE);
	sbind_int(s, 1, 3);
	assert_int_equal(sdone(s), STORE_DONE);
	char pm[SEARCH_MATCH_CAP];
	assert_int_equal(match_on(&store_pg, "管网爆裂", pm), 0);
	int64_t b[HITS_MAX];
	assert_int_equal(pg_hits(pm, b), 0);
	/* the corpus as it was, in both */
	st = lite_prepare(sqlite_sql[ST_SEARCH_DELETE]);
	sqlite3_bind_int64(st, 1, 3);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	index_both(3, d);
}

/* ------------------------------------------------------------------ */
/* the builders with hostile text                                        */
/* ------------------------------------------------------------------ */

/* PostgreSQL's reading of a tsvector literal, or fails. */
static char *pg_tsvector(const char *lit)
{
	const char *params[1] = {lit};
	PGresult *res =
	    PQexecParams(raw, "SELECT $1::tsvector::text", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("tsvector %s: %s", lit, PQresultErrorMessage(res));
	char *t = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return t;
}

/* Whether the tsvector literal v matches the tsquery text q. */
static bool pg_matches(const char *v, const char *q)
{
	const char *params[2] = {v, q};
	PGresult *res =
	    PQexecParams(raw, "SELECT $1::tsvector @@ $2::tsquery", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s @@ %s: %s", v, q, PQresultErrorMessage(res));
	bool m = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return m;
}

static void tsvector_hostile(void **state)
{
	(void)state;
	/* quotes, backslashes and operators separate tokens: no lexeme holds
	 * one, and the literal parses */
	char *v = search_pg_tsvector("it's", "a\\b", "x:1 & y | !z (w) <v> 'q'", "''", "\\'");
	assert_string_equal(v, "'it':1A 's':2A 'a':4B 'b':5B 'x':7 '1':8 'y':9 'z':10 'w':11 "
	                       "'v':12 'q':13");
	char *r = pg_tsvector(v);
	assert_string_equal(r, "'1':8 'a':4B 'b':5B 'it':1A 'q':13 's':2A 'v':12 'w':11 'x':7 "
	                       "'y':9 'z':10");
	free(r);
	free(v);
	/* colocated tokens share a position; columns leave a gap */
	v = search_pg_tsvector(NULL, "路灯", NULL, "赣B12345", NULL);
	assert_string_equal(v, "'路灯':1B '路':1B '灯':2B '赣':4C 'b12345':5C '12345':5C");
	free(v);
	/* nothing to index: the empty tsvector */
	v = search_pg_tsvector(NULL, "", "！？…", NULL, " \t\n");
	assert_string_equal(v, "");
	r = pg_tsvector(v);
	assert_string_equal(r, "");
	free(r);
	free(v);
	/* invalid UTF-8 separates and never reaches a lexeme */
	v = search_pg_tsvector(NULL, "停\xff水\xe8\xb7", "\xc0\xaf'", NULL, NULL);
	assert_string_equal(v, "'停':1B '水':2B");
	free(v);
	/* a lexeme is at most TOKEN_MAX bytes (tsvector's limit is 2 KB) */
	char longw[3000];
	memset(longw, 'k', sizeof longw - 1);
	longw[sizeof longw - 1] = '\0';
	v = search_pg_tsvector(NULL, longw, NULL, NULL, NULL);
	assert_int_equal(strlen(v), TOKEN_MAX + 2 + 3);
	free(v);
}

/* More positions than a tsvector has: past 16381 every token is at 16383
 * (a lone token still found, a phrase never, not even a false one across
 * the edge), and a lexeme keeps its first 256 positions. */
static void tsvector_limits(void **state)
{
	(void)state;
	size_t cap = 20000 * 8 + 64; /* "w19999 " */
	char *body = malloc(cap);
	assert_non_null(body);
	size_t n = 0;
	for (int i = 0; i < 20000; i++)
		n += (size_t)snprintf(body + n, cap - n, "w%d ", i);
	snprintf(body + n, cap - n, "尾巴");
	char *v = search_pg_tsvector(NULL, NULL, body, NULL, NULL);
	assert_non_null(v);
	char *r = pg_tsvector(v); /* it parses */
	free(r);
	assert_true(pg_matches(v, "'w100' <-> 'w101'"));
	assert_true(pg_matches(v, "'w16380'"));
	assert_true(pg_matches(v, "'w19999'"));               /* past the limit, alone */
	assert_false(pg_matches(v, "'w17000' <-> 'w17001'")); /* past it, a phrase */
	assert_true(pg_matches(v, "'尾'"));
	assert_false(pg_matches(v, "'尾巴' <-> '巴'"));
	/* w16380 is at 16381, w16381 at 16383: not neighbours */
	assert_false(pg_matches(v, "'w16380' <-> 'w16381'"));
	assert_true(pg_matches(v, "'w16379' <-> 'w16380'"));
	free(v);

	/* 300 × "灯x": the lexeme 灯 keeps 256 positions, x too */
	n = 0;
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(body + n, cap - n, "灯x%d ", i);
	v = search_pg_tsvector(NULL, NULL, body, NULL, NULL);
	assert_true(pg_matches(v, "'灯' <-> 'x10'"));
	assert_true(pg_matches(v, "'灯' <-> 'x255'"));
	assert_false(pg_matches(v, "'灯' <-> 'x280'")); /* 灯's 281st position is dropped */
	assert_true(pg_matches(v, "'x280'"));           /* the lone token is found */
	free(v);
	free(body);
}

static void tsquery_hostile(void **state)
{
	(void)state;
	char m[SEARCH_MATCH_CAP];
	assert_int_equal(match_on(&store_pg, "路灯不亮 解放路", m), 0);
	assert_string_equal(m, "'路灯' <-> '灯不' <-> '不亮' & '解放' <-> '放路'");
	assert_int_equal(match_on(&store_pg, "a'b x\\y 1:2 & | ! ( ) < > <-> :*", m), 0);
	assert_string_equal(m, "'a' <-> 'b' & 'x' <-> 'y' & '1' <-> '2'");
	assert_int_equal(match_on(&store_pg, "分页x 噪", m), 0);
	assert_string_equal(m, "'分页' <-> '页' <-> 'x' & '噪'");
	assert_int_equal(match_on(&store_pg, "！！ ？", m), SEARCH_NO_TERMS);
	assert_int_equal(match_on(&store_pg, "\xff", m), -1);
	/* every one parses as a tsquery */
	const char *const parse[] = {"'路灯' <-> '灯不' <-> '不亮' & '解放' <-> '放路'",
	                             "'a' <-> 'b' & 'x' <-> 'y' & '1' <-> '2'"};
	for (int i = 0; i < 2; i++)
		(void)pg_matches("", parse[i]);

	/* the longest query fits: 133 characters in one run, 132 bigrams */
	char longq[SEARCH_Q_MAX_BYTES + 1];
	size_t n = 0;
	for (int i = 0; n + 3 <= SEARCH_Q_MAX_BYTES; i++, n += 3)
		memcpy(longq + n, i % 2 ? "灯" : "路", 3);
	longq[n] = '\0';
	assert_int_equal(match_on(&store_pg, longq, m), 0);
	assert_true(strlen(m) < sizeof m);
	(void)pg_matches("", m);
	/* and 200 one-letter words in one term */
	for (n = 0; n < SEARCH_Q_MAX; n += 2)
		memcpy(longq + n, "a.", 2);
	longq[n] = '\0';
	assert_int_equal(match_on(&store_pg, longq, m), 0);
	(void)pg_matches("", m);

	/* an alternative at one position, as FTS5 reads colocated query tokens */
	struct search_pg_query pq;
	search_pg_query_init(&pq);
	assert_int_equal(search_pg_query_add(&pq, "路灯", 6), 0);
	pq.tokens[pq.ntokens] = (struct search_pg_token){(unsigned short)pq.nchars, 1, true};
	pq.chars[pq.nchars++] = 'z';
	pq.first[1] = ++pq.ntokens;
	assert_int_equal(search_pg_query_add(&pq, "x", 1), 0);
	assert_int_equal(search_pg_tsquery(&pq, m, sizeof m), 0);
	assert_string_equal(m, "( '路灯' | 'z' ) & 'x'");
	assert_int_equal(search_pg_tsquery(&pq, m, 10), -1); /* does not fit */
	assert_string_equal(m, "");
	assert_int_equal(search_pg_query_add(&pq, "，", 3), 1); /* no token */
	assert_int_equal(pq.nphrases, 2);
}

/* ------------------------------------------------------------------ */
/* random texts                                                          */
/* ------------------------------------------------------------------ */

#define RANDOM_DOCS 150
#define RANDOM_QUERIES 300
#define RANDOM_COMPARED 2000 /* hits whose highlights are compared */
#define RANDOM_ID0 100000

/* A small alphabet, so hits, repeats, neighbouring and overlapping hits
 * and sentence starts are frequent. */
static const char *const pieces[] = {
    "路",       "灯", "不", "亮", "水",   "停",   "哈",   "燈",       "a",
    "b",        "1",  "2",  "Ａ", "路灯", "哈哈", "b123", "赣B12345", "x9y888",
    "ｂ１２３", " ",  "，", ". ", ": ",   "\n",   "。",   "'",        "\\",
};
#define NPIECES ((int)(sizeof pieces / sizeof *pieces))

static uint64_t rnd_state = 88172645463325252ull;

static int rnd(int n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (int)(rnd_state % (uint64_t)n);
}

/* A random text of up to max pieces into out[cap] (cap > 12 * max). */
static void random_text(char *out, size_t cap, int max)
{
	size_t n = 0;
	int k = rnd(max + 1);
	for (int i = 0; i < k; i++) {
		const char *p = pieces[rnd(NPIECES)];
		size_t len = strlen(p);
		assert_true(n + len < cap);
		memcpy(out + n, p, len);
		n += len;
	}
	out[n] = '\0';
}

/* Random documents and queries: the same ids and the same highlights. */
static void random_equivalence(void **state)
{
	(void)state;
	static char cols[RANDOM_DOCS][5][800];
	for (int i = 0; i < RANDOM_DOCS; i++) {
		for (int c = 0; c < 5; c++)
			random_text(cols[i][c], sizeof cols[i][c], c == 0 ? 3 : c == 1 ? 8 : 60);
		struct doc d = {cols[i][0], cols[i][1], cols[i][2], rnd(4) ? cols[i][3] : NULL,
		                rnd(2) ? cols[i][4] : NULL};
		index_both(RANDOM_ID0 + i, &d);
	}
	int differ = 0, hl_differ = 0, compared = 0, with_hits = 0;
	for (int k = 0; k < RANDOM_QUERIES; k++) {
		char q[128], lm[SEARCH_MATCH_CAP], pm[SEARCH_MATCH_CAP];
		random_text(q, sizeof q, 5);
		int lrc = match_on(&store_sqlite, q, lm);
		assert_int_equal(match_on(&store_pg, q, pm), lrc);
		if (lrc != 0)
			continue;
		int64_t a[HITS_MAX], b[HITS_MAX];
		int na = lite_hits(lm, a), nb = pg_hits(pm, b);
		if (na != nb || memcmp(a, b, (size_t)na * sizeof *a)) {
			print_error("q=%s: sqlite %d hits, pg %d\n", q, na, nb);
			differ++;
		}
		with_hits += na > 0;
		for (int i = 0; i < na && compared < RANDOM_COMPARED; i++)
			if (a[i] >= RANDOM_ID0) {
				compared++;
				hl_differ += compare_snippets(q, lm, pm, a[i]);
			}
	}
	print_message("random: %d documents, %d queries (%d with hits): %d differ in ids; %d "
	              "hits compared, %d highlights differ\n",
	              RANDOM_DOCS, RANDOM_QUERIES, with_hits, differ, compared, hl_differ);
	assert_int_equal(differ, 0);
	assert_int_equal(hl_differ, 0);
	assert_true(with_hits > RANDOM_QUERIES / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_hits_and_highlights), cmocka_unit_test(notes_and_delete),
	    cmocka_unit_test(search_query_window),      cmocka_unit_test(tsvector_hostile),
	    cmocka_unit_test(tsvector_limits),          cmocka_unit_test(tsquery_hostile),
	    cmocka_unit_test(random_equivalence), /* last: it adds rows */
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
