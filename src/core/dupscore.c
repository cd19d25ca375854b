/* How alike two cases are (dupscore.h): text, address, distance. */
#include "core/dupscore.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/tokenize.h"
#include "util/utf8.h"

#define SET_MAX 1024 /* distinct characters or bigrams kept of one text */

/* A sorted set of code points (characters) or code point pairs (bigrams). */
struct cpset {
	uint64_t v[SET_MAX];
	int n;
};

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void cpset_add(struct cpset *s, uint64_t v)
{
	if (s->n < SET_MAX)
		s->v[s->n++] = v;
}

/* Sorts and removes repeats. */
static void cpset_seal(struct cpset *s)
{
	qsort(s->v, (size_t)s->n, sizeof *s->v, u64_cmp);
	int k = 0;
	for (int i = 0; i < s->n; i++)
		if (k == 0 || s->v[k - 1] != s->v[i])
			s->v[k++] = s->v[i];
	s->n = k;
}

static bool cpset_has(const struct cpset *s, uint64_t v)
{
	return bsearch(&v, s->v, (size_t)s->n, sizeof *s->v, u64_cmp) != NULL;
}

/* |A ∩ B| / min(|A|, |B|); 0 when either is empty. */
static double cpset_overlap(const struct cpset *a, const struct cpset *b)
{
	int i = 0, j = 0, both = 0;
	while (i < a->n && j < b->n) {
		if (a->v[i] == b->v[j])
			both++, i++, j++;
		else if (a->v[i] < b->v[j])
			i++;
		else
			j++;
	}
	int least = a->n < b->n ? a->n : b->n;
	return least ? (double)both / least : 0;
}

/* The code points of s[0..n) into cp[0..max); how many. An invalid byte
 * (util/utf8.h) is skipped. */
static int decode(const char *s, size_t n, unsigned *cp, int max)
{
	const unsigned char *p = (const unsigned char *)s;
	int k = 0;
	for (size_t i = 0; i < n && k < max;) {
		size_t len = utf8_seq_len(p + i, n - i);
		if (!len) {
			i++;
			continue;
		}
		cp[k++] = utf8_decode(p + i, len);
		i += len;
	}
	return k;
}

static bool is_han(unsigned c)
{
	return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0x20000 && c <= 0x3FFFF);
}

/* Appends c to out[at..cap) if it fits with a NUL after it; the new end. */
static size_t put_utf8(unsigned c, char *out, size_t at, size_t cap)
{
	char b[4];
	size_t n = utf8_put(b, c);
	if (at + n >= cap)
		return at;
	memcpy(out + at, b, n);
	return at + n;
}

/* ------------------------------------------------------------------ */
/* the text                                                              */

/* What a seat writes around every complaint, and what a caller says of
 * any problem: blanked out before the characters are compared. Longer
 * phrases first, so 来电人反映 goes whole. */
static const char *const boilerplate[] = {
    "来电人反映", "来电人举报", "来电人咨询", "来电人称", "来电人", "市民反映", "市民称",
    "市民",       "群众反映",   "反映",       "希望",     "尽快",   "处理",     "相关部门",
    "有关部门",   "部门",       "请求",       "要求",     "解决",   "一直",     "已经",
    "好几天",     "几天",       "没人管",     "没人",
};

/* Characters that say nothing of the problem (function words, time, the
 * teller): dropped from the compared set. */
static const char stop_chars[] = "的了是在有人我们都就也还很说要不这那个一上下里面到去来把被给让跟"
                                 "和与及又没好多几天时候现已经再才请能会可以村镇路县市民反映称"
                                 "电希望尽快处理家小区门口边旁附近";

static struct cpset stop_set;
static int stop_ready; /* set once: tables are built on first use */

static void stop_init(void)
{
	if (__atomic_load_n(&stop_ready, __ATOMIC_ACQUIRE))
		return;
	static unsigned cp[256];
	int n = decode(stop_chars, sizeof stop_chars - 1, cp, 256);
	struct cpset s = {.n = 0};
	for (int i = 0; i < n; i++)
		cpset_add(&s, han_fold(cp[i]));
	cpset_seal(&s);
	stop_set = s; /* the same value whichever thread wins */
	__atomic_store_n(&stop_ready, 1, __ATOMIC_RELEASE);
}

struct bigram_ctx {
	struct cpset *set;
};

/* Collects the CJK bigrams of an address. */
static int bigram_collect(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                          bool colocated)
{
	struct bigram_ctx *b = ctx;
	unsigned cp[3];
	if (decode(tok, len, cp, 3) == 2 && is_han(cp[0]) && is_han(cp[1]))
		cpset_add(b->set, (uint64_t)cp[0] << 32 | cp[1]);
	return 0;
}

struct text_ctx {
	const struct cpset *place; /* the addresses' bigrams */
	unsigned char *mark;       /* per byte of the text: 1 = part of a place word */
	struct cpset *out;
	bool collect; /* pass 2: collect unigrams; pass 1: mark places */
};

static int text_token(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                      bool colocated)
{
	struct text_ctx *t = ctx;
	unsigned cp[3];
	int n = decode(tok, len, cp, 3);
	if (!t->collect) {
		if (n == 2 && cpset_has(t->place, (uint64_t)cp[0] << 32 | cp[1]))
			memset(t->mark + start, 1, end - start);
		return 0;
	}
	if (n == 1 && is_han(cp[0]) && !t->mark[start] && !cpset_has(&stop_set, cp[0]))
		cpset_add(t->out, cp[0]);
	return 0;
}

/* The compared characters of text (dupscore.h) into out. */
static void text_chars(const char *text, const struct cpset *place, struct cpset *out)
{
	out->n = 0;
	char *copy = text_fold(text);
	size_t n = copy ? strlen(copy) : 0;
	unsigned char *mark = calloc(n + 1, 1);
	if (!copy || !mark) { /* no characters: the pair scores 0 */
		free(copy);
		free(mark);
		return;
	}
	for (size_t i = 0; i < sizeof boilerplate / sizeof *boilerplate; i++) {
		size_t blen = strlen(boilerplate[i]);
		for (char *p = strstr(copy, boilerplate[i]); p;
		     p = strstr(p + blen, boilerplate[i]))
			memset(p, ' ', blen);
	}
	struct text_ctx t = {.place = place, .mark = mark, .out = out, .collect = false};
	tokenize(copy, n, TOKENIZE_DOCUMENT, text_token, &t);
	t.collect = true;
	tokenize(copy, n, TOKENIZE_DOCUMENT, text_token, &t);
	cpset_seal(out);
	free(copy);
	free(mark);
}

/* What a hotline complaint is about, by the words a caller uses for it:
 * the common 12345 诉求类别 of a county (public lighting, manholes, sewers,
 * noise, rubbish, water, power, wages, street stalls, parking, roads, food,
 * illegal building, smoke, lifts, trees, unlicensed taxis, toilets, rivers,
 * dust, gas and heating, dogs, railings, fees, traffic lights, social
 * insurance, demolition). Two descriptions naming one topic
 * are likely one problem; naming only different ones, two problems at one
 * place. The words name the problem, never the party asked to fix it (物业)
 * or a place or side effect (医院, 看病, 公交车过不去): those are said of any
 * problem. */
static const char *const topic_words[] = {
    "路灯 灯不亮 灯坏 灯一直 灯全 几盏灯 盏灯 闪",
    "井盖 窨井 井口 下水井 雨水井 盖子",
    "下水道 污水 堵了 堵塞 冒水 粪 化粪池 排水 黑水",
    "噪音 噪声 吵 施工 打桩 广场舞 音乐 音响 喇叭 轰轰",
    "垃圾 清运",
    "停水 没水 来水 水压 自来水 水龙头 水管 爆管 供水",
    "停电 没电 断电 电压 跳闸 供电 电线",
    "工资 欠薪 拖欠 工钱 结账",
    "摆摊 占道 摊贩 摊点",
    "停车 乱停 车位 消防通道 双排",
    "坑 路面 破损 塌陷 下沉 地砖 人行道砖",
    "食品 过期 变质 食堂 伙食 饭菜",
    "违建 违章 盖房 搭建 加盖",
    "焚烧 浓烟 油烟 排烟",
    "电梯",
    "枯枝 倒伏 修剪 大树",
    "黑车 拉客 出租车",
    "公厕 厕所",
    "河面 河里 死鱼",
    "扬尘 渣土 建筑垃圾 碎砖",
    "暖气 燃气 煤气",
    "狗 犬",
    "栏杆 护栏",
    "收费 乱收费",
    "红绿灯 信号灯",
    "社保 医保 养老保险",
    "拆迁 征收 补偿",
};

/* The topics (bits of topic_words) the folded text names. */
static uint64_t text_topics(const char *folded)
{
	uint64_t bits = 0;
	char word[64];
	for (size_t i = 0; i < sizeof topic_words / sizeof *topic_words; i++) {
		for (const char *w = topic_words[i]; *w;) {
			size_t len = strcspn(w, " ");
			if (len < sizeof word) {
				memcpy(word, w, len);
				word[len] = '\0';
				if (strstr(folded, word))
					bits |= (uint64_t)1 << i;
			}
			w += len + (w[len] == ' ');
		}
	}
	return bits;
}

int dup_topic_agreement(const char *a, const char *b)
{
	char *fa = text_fold(a), *fb = text_fold(b);
	uint64_t ta = fa ? text_topics(fa) : 0, tb = fb ? text_topics(fb) : 0;
	free(fa);
	free(fb);
	if (ta & tb)
		return 1;
	return ta && tb ? -1 : 0;
}

double dup_text_similarity(const char *a, const char *b, const char *addr_a, const char *addr_b)
{
	stop_init();
	struct cpset *place = malloc(3 * sizeof *place);
	if (!place)
		return 0;
	struct cpset *ca = place + 1, *cb = place + 2;
	place->n = 0;
	struct bigram_ctx bc = {.set = place};
	if (addr_a)
		tokenize(addr_a, strlen(addr_a), TOKENIZE_DOCUMENT, bigram_collect, &bc);
	if (addr_b)
		tokenize(addr_b, strlen(addr_b), TOKENIZE_DOCUMENT, bigram_collect, &bc);
	cpset_seal(place);
	text_chars(a, place, ca);
	text_chars(b, place, cb);
	double r = cpset_overlap(ca, cb);
	free(place);
	return r;
}

/* ------------------------------------------------------------------ */
/* the address                                                           */

static bool is_punct(unsigned c)
{
	return c <= 0x20 || (c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) ||
	       (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
	       (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) || c == 0xFF5E;
}

/* Whether an administrative name may hold c: a street, a building or a
 * village group never begins an address's county or township part. */
static bool admin_char(unsigned c)
{
	static const unsigned no[] = {0x8DEF /*路*/, 0x8857 /*街*/, 0x5DF7 /*巷*/, 0x6751 /*村*/,
	                              0x7EC4 /*组*/, 0x53F7 /*号*/, 0x680B /*栋*/, 0x697C /*楼*/,
	                              0x9662 /*院*/, 0x56ED /*园*/, 0x5E02 /*市 (场)*/};
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (c == no[i])
			return false;
	return is_han(c);
}

/* Whether cp[len], an administrative ending, is a word's instead: 市场,
 * 小区, 社区, 景区, 园区, 校区, 厂区, 矿区, and 街 but in 街道 (老街). */
static bool not_admin(const unsigned *cp, int n, int len)
{
	static const unsigned before_qu[] = {0x5C0F /*小*/, 0x793E /*社*/, 0x666F /*景*/,
	                                     0x56ED /*园*/, 0x6821 /*校*/, 0x5382 /*厂*/,
	                                     0x77FF /*矿*/};
	if (cp[len] == 0x5E02 /*市*/)
		return len + 1 < n && cp[len + 1] == 0x573A /*场*/;
	if (cp[len] == 0x8857 /*街*/)
		return !(len + 1 < n && cp[len + 1] == 0x9053 /*道*/);
	if (cp[len] != 0x533A /*区*/)
		return false;
	for (size_t i = 0; i < sizeof before_qu / sizeof *before_qu; i++)
		if (cp[len - 1] == before_qu[i])
			return true;
	return false;
}

/* The length of a leading "<2–4 characters><one of ends>" in cp[0..n), or
 * 0. ends are code points; 街道 counts as its 街 followed by 道. */
static int admin_prefix(const unsigned *cp, int n, const unsigned *ends, int nends)
{
	if (n < 1 || !admin_char(cp[0]))
		return 0;
	for (int len = 2; len <= 4 && len < n; len++) {
		if (!admin_char(cp[len - 1]))
			return 0;
		for (int k = 0; k < nends; k++)
			if (cp[len] == ends[k] && !not_admin(cp, n, len))
				return len + 1 + (cp[len] == 0x8857); /* 街道: not_admin saw 道 */
	}
	return 0;
}

const char *dup_address_normalize(const char *addr, char *out, size_t cap)
{
	static const unsigned county[] = {0x7701 /*省*/, 0x5E02 /*市*/, 0x53BF /*县*/,
	                                  0x533A /*区*/};
	static const unsigned town[] = {0x9547 /*镇*/, 0x4E61 /*乡*/, 0x8857 /*街(道)*/};
	unsigned cp[DUP_ADDRESS_NORM_MAX];
	int n = 0;
	if (cap)
		out[0] = '\0';
	if (!addr || !cap)
		return out;
	unsigned raw[DUP_ADDRESS_NORM_MAX];
	int nraw = decode(addr, strlen(addr), raw, DUP_ADDRESS_NORM_MAX);
	for (int i = 0; i < nraw; i++) {
		unsigned c = fold_char(raw[i]);
		if (!is_punct(c))
			cp[n++] = c;
	}
	int skip = 0, step;
	for (int round = 0; round < 3 && (step = admin_prefix(cp + skip, n - skip, county, 4));
	     round++)
		skip += step; /* 省, 市, 县 or 区: 江西省赣州市濂江县 */
	skip += admin_prefix(cp + skip, n - skip, town, 3);
	size_t at = 0;
	for (int i = skip; i < n; i++)
		at = put_utf8(cp[i], out, at, cap);
	out[at] = '\0';
	return out;
}

/* The character bigrams of the normalized s (single characters when s is
 * one character long). */
static void address_bigrams(const char *s, struct cpset *out)
{
	unsigned cp[DUP_ADDRESS_NORM_MAX];
	int n = decode(s, strlen(s), cp, DUP_ADDRESS_NORM_MAX);
	out->n = 0;
	for (int i = 0; i + 1 < n; i++)
		cpset_add(out, (uint64_t)cp[i] << 32 | cp[i + 1]);
	if (n == 1)
		cpset_add(out, cp[0]);
	cpset_seal(out);
}

double dup_address_similarity(const char *a, const char *b)
{
	if (!*a || !*b)
		return 0;
	if (!strcmp(a, b))
		return 1;
	struct cpset *sa = malloc(2 * sizeof *sa);
	if (!sa)
		return 0;
	address_bigrams(a, sa);
	address_bigrams(b, sa + 1);
	/* one bigram in common says little: 7栋 is in every compound */
	double r = sa->n < 2 || sa[1].n < 2 ? 0 : cpset_overlap(sa, sa + 1);
	free(sa);
	return r;
}

/* ------------------------------------------------------------------ */
/* place and score                                                       */

double dup_distance_m(double lat1, double lng1, double lat2, double lng2)
{
	const double rad = M_PI / 180, earth = 6371008.8;
	double dlat = (lat2 - lat1) * rad, dlng = (lng2 - lng1) * rad;
	double h = sin(dlat / 2) * sin(dlat / 2) +
	           cos(lat1 * rad) * cos(lat2 * rad) * sin(dlng / 2) * sin(dlng / 2);
	return 2 * earth * asin(sqrt(h < 1 ? h : 1));
}

void dup_score(const struct dup_side *earlier, const struct dup_side *later, double thr,
               struct dup_match *m)
{
	*m = (struct dup_match){0};
	int64_t age = later->received_at - earlier->received_at;
	if (age < 0 || age > DUP_WINDOW_MS)
		return;
	if (earlier->has_point && later->has_point) {
		m->distance_m = dup_distance_m(earlier->lat, earlier->lng, later->lat, later->lng);
		m->nearby = m->distance_m <= DUP_RADIUS_M;
		if (!m->nearby)
			return;
	} else {
		char na[DUP_ADDRESS_NORM_MAX], nb[DUP_ADDRESS_NORM_MAX];
		dup_address_normalize(earlier->address, na, sizeof na);
		dup_address_normalize(later->address, nb, sizeof nb);
		m->same_address = dup_address_similarity(na, nb) >= DUP_ADDRESS_MIN;
		if (!m->same_address)
			return;
	}
	m->similarity =
	    dup_text_similarity(earlier->text, later->text, earlier->address, later->address);
	bool same_class = earlier->cls && later->cls && !strcmp(earlier->cls, later->cls);
	m->topics = dup_topic_agreement(earlier->text, later->text);
	m->score =
	    m->similarity + (same_class ? DUP_CLASS_BONUS : 0) + DUP_TOPIC_WEIGHT * m->topics;
	m->score = m->score < 0 ? 0 : m->score > 1 ? 1 : m->score;
	m->duplicate = m->score >= thr;
}
