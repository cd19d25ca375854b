/*
 * search — full-text search at scale (docs/bench.md "Search"): how long
 * GET /api/v1/search and a q= case list take at a million cases, and how big
 * the index is. Run by `make bench` (benchsearch), not by `make test`.
 *
 *  1. A demo county (civicloop demo --no-cases) topped up to --cases hotline
 *     cases written straight through the store in transactions of 10,000:
 *     the cases row as a create writes it and its search row
 *     (ST_SEARCH_INSERT, the server's own statement and tokenizer), from a
 *     seeded generator of complaints as seats record them: an opening, a
 *     street and landmark, one of ~90 problems, a detail, a request,
 *     sometimes a plate or house number. Its few hundred distinct words
 *     make every posting list long: harder than real text, never easier.
 *     The database is kept and reused (--db).
 *  2. On a reader connection, through core/search.c's search_cases() and
 *     core/caseview.c's case_list() (the code the HTTP handlers call, minus
 *     HTTP and JSON output), each query of a mix typed as people type —
 *     one character, two, a phrase, Traditional, mixed ASCII, a plate, a
 *     case number, two terms, a word no case has — for a dispatcher who
 *     sees the county and a township handler who sees his town, --rounds
 *     times each: p50, p95, p99, max.
 *  3. The index's size on disk (dbstat over case_fts's tables) beside the
 *     cases table's.
 *
 * Prints a table and writes bench/search-results.json (--out).
 * usage: search --bin CIVICLOOP --db FILE [--cases N] [--rounds R] [--out FILE]
 */
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/app.h"
#include "core/auth.h"
#include "core/engine.h"
#include "core/search.h"
#include "core/types.h"
#include "store/store.h"

extern char **environ;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "search bench: %s: %s\n", what, why ? why : "?");
	exit(1);
}

/* ------------------------------------------------------------------ */
/* the complaints                                                        */
/* ------------------------------------------------------------------ */

static const char *const opening[] = {"来电人反映", "市民来电称", "群众反映", "来电反映",
                                      "网友留言：", "",           "居民称",   "市民投诉"};
static const char *const street[] = {
    "解放路",   "人民路", "濂江大道", "滨江路", "新华街", "建设路", "文化路",   "胜利路",
    "东门街",   "长岭圩", "黄岭村",   "新塘村", "上坪村", "工业园", "城南大道", "健康路",
    "红旗大道", "沿河路", "和平路",   "金山路", "南门口", "光明路", "府前路",   "车站路"};
static const char *const landmark[] = {"菜市场",   "县人民医院", "滨江花园小区", "第二小学",
                                       "汽车站",   "农贸市场",   "中医院路口",   "幸福里小区",
                                       "实验中学", "老街",       "安置房小区",   "步行街",
                                       "体育馆",   "公交站台",   "加油站旁",     "桥头",
                                       "村委会旁", "卫生院",     "幼儿园门口",   "商业广场"};
static const char *const problem[] = {
    "路灯不亮",       "井盖缺失",       "噪音扰民",         "停水",         "停电",
    "拖欠工资",       "欠薪",           "油烟扰民",         "占道经营",     "违章搭建",
    "垃圾清运不及时", "下水道堵塞",     "污水横流",         "道路坑洼",     "积水严重",
    "树木倒伏",       "流浪狗伤人",     "违停占用消防通道", "工地夜间施工", "广场舞噪音",
    "5G基站辐射",     "网络信号差",     "水压太低",         "水费异常",     "电费异常",
    "燃气泄漏",       "电梯故障",       "物业不作为",       "房屋漏水",     "外墙脱落",
    "食品过期",       "价格欺诈",       "预付卡退费难",     "医保报销慢",   "社保断缴",
    "低保申请",       "养老院收费",     "校外培训退费",     "学校乱收费",   "疫苗接种咨询",
    "医院乱收费",     "公交车不按站停", "出租车拒载",       "客运班车超载", "道路破损",
    "桥梁护栏损坏",   "河道垃圾",       "山塘漏水",         "乱砍滥伐",     "非法采砂",
    "偷排废水",       "烟尘污染",       "焚烧秸秆",         "农药残留",     "宅基地纠纷",
    "邻里纠纷",       "土地承包纠纷",   "殡葬服务",         "户口迁移",     "身份证办理",
    "治安隐患",       "电动车充电隐患", "消防通道堵塞",     "危化品存放",   "烟花爆竹违规销售",
    "干部作风问题",   "吃拿卡要",       "不动产登记慢",     "采矿扰民",     "商铺噪音",
    "空调外机噪音",   "犬吠扰民",       "共享单车乱停",     "绿化带被毁",   "公厕脏乱",
    "路面塌陷",       "管道爆裂",       "变压器异响",       "电线杆倾斜",   "光缆垂落",
    "无证行医",       "假冒伪劣",       "短斤少两",         "黑车揽客",     "校车安全隐患",
    "老旧小区改造",   "加装电梯",       "供暖不热",         "天然气涨价"};
static const char *const detail[] = {"已经持续一周",
                                     "晚上很黑",
                                     "影响出行",
                                     "多次反映未解决",
                                     "老人小孩出行不便",
                                     "严重影响休息",
                                     "存在安全隐患",
                                     "已经三天了",
                                     "附近居民意见很大",
                                     "没有接到任何通知",
                                     "",
                                     "每天早上都这样",
                                     "找了物业也没用",
                                     "打了好几次电话没人管"};
static const char *const request[] = {
    "希望尽快处理", "请相关部门核实处理", "要求给个说法", "希望派人来看看", "", "请尽快解决"};

#define PICK(a) ((a)[rnd() % (sizeof(a) / sizeof *(a))])

static uint64_t rnd_state = 0x2545F4914F6CDD1DULL;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 16);
}

static void complaint(char *title, size_t tcap, char *desc, size_t dcap, char *addr, size_t acap)
{
	const char *st = PICK(street), *lm = PICK(landmark), *pb = PICK(problem);
	snprintf(title, tcap, "%s%s%s", st, lm, pb);
	char extra[64] = "";
	uint32_t x = rnd() % 10;
	if (x == 0)
		snprintf(extra, sizeof extra, "，车牌赣B%05u", rnd() % 100000);
	else if (x == 1)
		snprintf(extra, sizeof extra, "，%u号楼%u单元", rnd() % 40 + 1, rnd() % 6 + 1);
	snprintf(desc, dcap, "%s%s%s附近%s%s，%s，%s。", PICK(opening), st, lm, pb, extra,
	         PICK(detail), PICK(request));
	snprintf(addr, acap, "濂江县%s%u号%s", st, rnd() % 300 + 1, lm);
}

/* ------------------------------------------------------------------ */
/* the database                                                          */
/* ------------------------------------------------------------------ */

static void make_demo(const char *bin, const char *db)
{
	struct stat st;
	if (stat(db, &st) == 0)
		return;
	char b[1024], d[1024], demo[] = "demo", dbopt[] = "--db", nocases[] = "--no-cases";
	snprintf(b, sizeof b, "%s", bin);
	snprintf(d, sizeof d, "%s", db);
	char *argv[] = {b, demo, dbopt, d, nocases, NULL};
	pid_t pid;
	int status;
	if (posix_spawn(&pid, bin, NULL, NULL, argv, environ) != 0 ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("civicloop demo", db);
}

static int64_t count_cases(struct store_conn *c)
{
	struct store_stmt *s = store_stmt(c, ST_SEARCH_COUNT);
	int64_t n = sstep(s) == STORE_ROW ? scol_int(s, 0) : -1;
	sreset(s);
	return n;
}

static int64_t org_id(struct store_conn *c, const char *code)
{
	struct store_stmt *s = store_stmt(c, ST_ORG_BY_CODE);
	sbind_text(s, 1, code);
	int64_t id = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (!id)
		die("no org", code);
	return id;
}

#define TOPUP_BATCH 10000

/* Writes cases until the index holds `want`; the last one's number into
 * last_no. */
static void top_up(struct store_conn *c, const struct app *app, int64_t want, char *last_no,
                   size_t cap)
{
	const struct matter_type *t = types_find(app->types, "hotline");
	if (!t || !t->nstates || !t->nclasses)
		die("types", "no hotline type");
	static const char *const owners[] = {
	    "town.a",  "town.b", "village.a1",   "village.a2", "village.b1",
	    "grid.a1", "county", "county.12345", "village.a3", "village.b2"};
	int64_t oids[10];
	for (int i = 0; i < 10; i++)
		oids[i] = org_id(c, owners[i]);
	int64_t have = count_cases(c);
	int64_t day0 = 1735660800000LL; /* 2025-01-01 */
	double t0 = now_s();
	while (have < want) {
		if (store_exec(c, ST_BEGIN) != STORE_OK)
			die("begin", store_errmsg(c));
		for (int i = 0; i < TOPUP_BATCH && have < want; i++, have++) {
			char no[32], title[256], desc[1024], addr[256], loc[320];
			snprintf(no, sizeof no, "BX%010lld", (long long)have + 1);
			complaint(title, sizeof title, desc, sizeof desc, addr, sizeof addr);
			snprintf(loc, sizeof loc, "{\"address\":\"%s\"}", addr);
			int64_t at = day0 + (have * 31) % (365LL * 86400000);
			struct store_stmt *s = store_stmt(c, ST_CASE_INSERT);
			sbind_text(s, 1, no);
			sbind_text(s, 2, t->code);
			sbind_text(s, 3, t->classes[rnd() % (uint32_t)t->nclasses].code);
			sbind_text(s, 4, t->default_channel);
			sbind_text(s, 5, t->states[0].code);
			sbind_text(s, 6, title);
			sbind_text(s, 7, desc);
			sbind_text(s, 8, loc);
			sbind_int(s, 9, oids[rnd() % 10]);
			sbind_null(s, 10);
			sbind_null(s, 11);
			sbind_int(s, 12, 0);
			sbind_text(s, 13, "{}");
			sbind_int(s, 14, at);
			sbind_null(s, 15);
			sbind_int(s, 16, 1);
			sbind_int(s, 17, at);
			sbind_null(s, 18);
			if (sdone(s) != STORE_DONE)
				die("insert", store_errmsg(c));
			int64_t id = store_last_id(c);
			s = store_stmt(c, ST_SEARCH_INSERT);
			sbind_int(s, 1, id);
			sbind_text(s, 2, no);
			sbind_text(s, 3, title);
			sbind_text(s, 4, desc);
			sbind_text(s, 5, addr);
			sbind_null(s, 6);
			if (sdone(s) != STORE_DONE)
				die("index", store_errmsg(c));
		}
		if (store_exec(c, ST_COMMIT) != STORE_OK)
			die("commit", store_errmsg(c));
		if (have % 100000 == 0)
			fprintf(stderr, "search bench: %lld cases (%.0f s)\n", (long long)have,
			        now_s() - t0);
	}
	snprintf(last_no, cap, "BX%010lld", (long long)want);
}

/* Bytes on disk of the tables whose names start with prefix. */
static int64_t table_bytes(const char *db, const char *prefix)
{
	sqlite3 *d;
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(d, "SELECT sum(pgsize) FROM dbstat WHERE name LIKE ?1 || '%'", -1,
	                       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(d);
	return n;
}

/* ------------------------------------------------------------------ */
/* the queries                                                           */
/* ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct stats {
	double p50, p95, p99, max;
	int n;
};

static struct stats summarize(double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof *ms, cmp_double);
	struct stats s = {.n = n};
	if (!n)
		return s;
	s.p50 = ms[(n - 1) / 2];
	s.p95 = ms[(int)(0.95 * (n - 1) + 0.5)];
	s.p99 = ms[(int)(0.99 * (n - 1) + 0.5)];
	s.max = ms[n - 1];
	return s;
}

static void load_actor(struct store_conn *c, const char *login, struct actor *a)
{
	struct store_stmt *s = store_stmt(c, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (!uid || actor_load(c, uid, a) != 0)
		die("no user", login);
}

int main(int argc, char **argv)
{
	const char *bin = NULL, *db = NULL, *out = "bench/search-results.json";
	long cases = 1000000, rounds = 20;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--bin"))
			bin = argv[i + 1];
		else if (!strcmp(argv[i], "--db"))
			db = argv[i + 1];
		else if (!strcmp(argv[i], "--cases"))
			cases = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
	}
	if (!bin || !db || cases < 1 || rounds < 1) {
		fprintf(stderr, "usage: search --bin CIVICLOOP --db FILE [--cases N] [--rounds R] "
		                "[--out FILE]\n");
		return 2;
	}
	make_demo(bin, db);
	static struct app app;
	char err[512];
	if (app_init(&app, db, app_default_config_dir(), 0, err, sizeof err) != 0)
		die("app", err);
	struct store_conn *w = store_open(db, false, err, sizeof err);
	if (!w || store_migrate(w, err, sizeof err) != 0 ||
	    search_backfill(w, &app, err, sizeof err) != 0)
		die("open", err);
	char last_no[32];
	double t0 = now_s();
	top_up(w, &app, cases, last_no, sizeof last_no);
	double fill_s = now_s() - t0;
	store_close(w);

	struct store_conn *r = store_open(db, true, err, sizeof err);
	if (!r)
		die("open", err);
	int64_t n = count_cases(r);
	static const struct {
		const char *name, *q;
	} queries[] = {
	    {"one character", "噪"},    {"two characters", "停水"}, {"two characters", "欠薪"},
	    {"two characters", "路灯"}, {"phrase", "路灯不亮"},     {"Traditional", "路燈"},
	    {"mixed ASCII", "5G基站"},  {"plate", "B12345"},        {"two terms", "解放路 菜市场"},
	    {"case number", NULL},      {"no hit", "铸铁井盖"},     {"common character", "路"},
	};
	const int nq = (int)(sizeof queries / sizeof *queries);
	static const char *const users[] = {"disp1", "town1"};
	FILE *f = fopen(out, "w");
	if (!f)
		die("write", out);
	fprintf(f,
	        "{\"cases\":%lld,\"fill_seconds\":%.1f,\"index_bytes\":%lld,\"cases_bytes\":%lld,"
	        "\"rounds\":%ld,\"users\":{",
	        (long long)n, fill_s, (long long)table_bytes(db, "case_fts"),
	        (long long)table_bytes(db, "cases"), rounds);
	printf("search at %lld cases: index %.1f MB, cases table %.1f MB\n", (long long)n,
	       (double)table_bytes(db, "case_fts") / 1e6, (double)table_bytes(db, "cases") / 1e6);
	for (int u = 0; u < 2; u++) {
		struct actor a;
		load_actor(r, users[u], &a);
		double *all = calloc((size_t)(nq * rounds * 2), sizeof *all);
		double *one = calloc((size_t)rounds, sizeof *one);
		int nall = 0;
		fprintf(f, "%s\"%s\":{\"queries\":[", u ? "," : "", users[u]);
		printf("\n%-8s %-18s %-14s %7s %8s %8s %8s %8s\n", users[u], "query", "kind",
		       "total", "p50 ms", "p95 ms", "p99 ms", "max ms");
		for (int k = 0; k < nq * 2; k++) {
			bool list = k >= nq; /* the second pass: GET /api/v1/cases?q= */
			const char *q = queries[k % nq].q ? queries[k % nq].q : last_no;
			int64_t total = 0;
			for (long i = 0; i < rounds; i++) {
				json_t *res = NULL;
				struct err e;
				double s0 = now_s();
				int rc;
				if (list) {
					struct case_query cq = {.q = q, .limit = 50};
					rc = case_list(r, &app, &a, &cq, &res, &e);
				} else {
					struct search_query sq = {.q = q, .limit = 20};
					rc = search_cases(r, &app, &a, &sq, &res, &e);
				}
				one[i] = all[nall++] = (now_s() - s0) * 1000;
				if (rc != 0)
					die(q, err_message(&e));
				total =
				    list ? (int64_t)json_array_size(json_object_get(res, "items"))
				         : json_integer_value(json_object_get(res, "total"));
				json_decref(res);
			}
			struct stats s = summarize(one, (int)rounds);
			printf("%-8s %-18s %-14s %7lld %8.2f %8.2f %8.2f %8.2f\n",
			       list ? "list q=" : "search", q, queries[k % nq].name,
			       (long long)total, s.p50, s.p95, s.p99, s.max);
			fprintf(f,
			        "%s{\"route\":\"%s\",\"q\":\"%s\",\"kind\":\"%s\",\"total\":%lld,"
			        "\"p50_ms\":%."
			        "2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}",
			        k ? "," : "", list ? "list" : "search", q, queries[k % nq].name,
			        (long long)total, s.p50, s.p95, s.p99, s.max);
		}
		struct stats s = summarize(all, nall);
		printf("%-8s all queries: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		       users[u], s.p50, s.p95, s.p99, s.max);
		fprintf(f, "],\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}",
		        s.p50, s.p95, s.p99, s.max);
		free(all);
		free(one);
	}
	fprintf(f, "}}\n");
	fclose(f);
	store_close(r);
	app_release(&app);
	return 0;
}
