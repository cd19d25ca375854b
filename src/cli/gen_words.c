/*
 * `civicloop gen`: the random source and the word lists its texts are made
 * of (places, people, what callers report), so that full-text search over
 * a generated database meets words as varied as a real county's. Not a
 * language model: sentences are slots filled from lists.
 */
#include "cli/gen.h"

#include <stdio.h>
#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof *(a))
#define PICK(r, a) ((a)[gen_below((r), (uint32_t)N_OF(a))])

uint64_t gen_next(struct gen_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t gen_below(struct gen_rng *r, uint32_t n)
{
	return (uint32_t)((gen_next(r) >> 32) * (uint64_t)n >> 32);
}

double gen_unit(struct gen_rng *r)
{
	return (double)(gen_next(r) >> 11) / 9007199254740992.0;
}

static const char *const towns[] = {"龙溪镇", "石门镇", "桃源乡", "青山镇", "白鹭乡", "坪山镇",
                                    "高田镇", "双溪乡", "梅林镇", "杨村镇", "古城镇", "塘背乡",
                                    "南岭镇", "横江镇", "大坑乡", "江口镇", "沙坝乡", "凤凰镇"};

const char *gen_town_name(int i)
{
	return i >= 0 && (size_t)i < N_OF(towns) ? towns[i] : NULL;
}

static const struct {
	const char *code, *name;
} depts[] = {{"dept.cz", "濂江县财政局"},
             {"dept.sj", "濂江县审计局"},
             {"dept.tj", "濂江县统计局"},
             {"dept.sf", "濂江县司法局"},
             {"dept.wglv", "濂江县文化广电新闻出版旅游局"},
             {"dept.ty", "濂江县体育局"},
             {"dept.tyjr", "濂江县退役军人事务局"},
             {"dept.xf", "濂江县信访局"},
             {"dept.xzsp", "濂江县行政审批局"},
             {"dept.lsck", "濂江县粮食和物资储备局"},
             {"dept.qx", "濂江县气象局"},
             {"dept.xfjy", "濂江县消防救援大队"},
             {"dept.sw2", "国家税务总局濂江县税务局"},
             {"dept.gjj", "赣州市住房公积金中心濂江分中心"},
             {"dept.sjj", "濂江县数据局"},
             {"dept.xczx", "濂江县乡村振兴局"},
             {"dept.gxs", "濂江县供销合作社联合社"},
             {"dept.cl", "濂江县残疾人联合会"},
             {"dept.fl", "濂江县妇女联合会"},
             {"dept.tw", "共青团濂江县委员会"},
             {"dept.kx", "濂江县科学技术协会"},
             {"dept.gxq", "濂江县工业园区管理委员会"}};

const char *gen_dept_name(int i, const char **code)
{
	if (i < 0 || (size_t)i >= N_OF(depts))
		return NULL;
	*code = depts[i].code;
	return depts[i].name;
}

static const char *const place1[] = {"东", "西", "南", "北", "上", "下", "新", "老", "黄", "石",
                                     "竹", "桃", "杨", "梅", "金", "龙", "高", "长", "大", "小",
                                     "白", "马", "樟", "枫", "松", "柏", "河", "溪", "塘", "坳"};
static const char *const place2[] = {"坑", "岭", "塘", "田", "坪", "背", "口", "坝",
                                     "洲", "湾", "山", "源", "下", "头", "江", "陂"};

void gen_village_name(struct gen_rng *r, int idx, char *out, size_t cap)
{
	/* the first of a township's villages is its seat's 社区 */
	const char *a = place1[(size_t)idx % N_OF(place1)];
	const char *b = place2[((size_t)idx / N_OF(place1) + gen_below(r, 3)) % N_OF(place2)];
	snprintf(out, cap, "%s%s%s", a, b, idx % 15 == 0 ? "社区" : "村");
}

static const char *const road_kind[] = {"路", "街", "大道", "巷", "东路", "西路"};
static const char *const road_name[] = {"解放", "人民", "建设", "和平", "胜利", "滨江", "新华",
                                        "中山", "文化", "工业", "迎宾", "育才", "环城", "府前",
                                        "光明", "幸福", "长安", "红旗", "青年", "朝阳"};

void gen_road_name(struct gen_rng *r, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s", PICK(r, road_name), PICK(r, road_kind));
}

/* What a caller reports: the thing and what is wrong with it. */
static const char *const things[] = {
    "路灯",     "下水道", "自来水管", "井盖",     "垃圾桶",   "公共厕所", "红绿灯",   "公交站台",
    "人行道",   "排水沟", "变压器",   "电线杆",   "小区电梯", "消防通道", "农贸市场", "停车场",
    "健身器材", "河道",   "山塘",     "桥梁护栏", "乡村公路", "学校门口", "卫生院",   "菜市场",
    "烧烤摊",   "工地",   "养殖场",   "砂石场",   "快递网点", "网吧",     "KTV",      "加油站",
    "燃气管道", "广告牌", "绿化带",   "行道树",   "污水井",   "雨水篦子", "供电线路", "通信光缆"};
static const char *const faults[] = {
    "损坏",     "不亮",         "堵塞",     "漏水",       "噪音扰民", "油烟扰民",
    "占道经营", "乱堆乱放",     "污水横流", "异味严重",   "夜间施工", "私搭乱建",
    "无人管理", "存在安全隐患", "长期积水", "塌陷",       "破损严重", "乱收费",
    "违规停车", "粉尘污染",     "偷排废水", "倾倒垃圾",   "断电",     "停水",
    "水压不足", "信号差",       "拖欠工资", "服务态度差", "价格欺诈", "过期食品"};
static const char *const since[] = {"已持续一周",   "已有半个多月",   "近三天来",     "每天晚上",
                                    "雨后尤其严重", "多次反映未解决", "今天上午发现", "自上个月起",
                                    "周末尤为明显", "已两个多月"};
static const char *const harm[] = {
    "严重影响周边居民休息", "给群众出行带来不便", "存在较大安全隐患",   "老人小孩经过很危险",
    "影响附近商户经营",     "周边群众意见很大",   "影响学生上下学安全", "污染周边环境",
    "造成多户居民生活困难", "已有行人因此受伤"};
static const char *const asks[] = {"希望相关部门尽快处理", "请求尽快派人维修",   "要求依法查处",
                                   "希望彻底整改并答复",   "请有关部门加强监管", "希望尽快恢复正常",
                                   "请求协调解决",         "希望给个说法"};

void gen_case_text(struct gen_rng *r, bool grid, const char *town, const char *village, char *title,
                   size_t tcap, char *desc, size_t dcap)
{
	char road[64];
	gen_road_name(r, road, sizeof road);
	const char *thing = PICK(r, things), *fault = PICK(r, faults);
	unsigned no = 1 + gen_below(r, 199);
	snprintf(title, tcap, "%s%s%s%s", village, road, thing, fault);
	if (grid)
		snprintf(desc, dcap,
		         "网格员巡查发现%s%s%s%u号附近%s%s，%s，%s，已拍照取证，请求立案处置。",
		         town, village, road, no, thing, fault, PICK(r, since), PICK(r, harm));
	else
		snprintf(desc, dcap, "来电人反映%s%s%s%u号附近的%s%s，%s，%s，%s。", town, village,
		         road, no, thing, fault, PICK(r, since), PICK(r, harm), PICK(r, asks));
}

static const char *const surnames[] = {"陈", "刘", "黄", "钟", "曾", "谢", "赖", "王", "李",
                                       "张", "廖", "罗", "邱", "温", "朱", "何", "郭", "肖",
                                       "杨", "吴", "林", "胡", "邓", "潘", "宋", "叶"};

void gen_person(struct gen_rng *r, char *name, size_t ncap, char *phone, size_t pcap)
{
	static const char *const call[] = {"先生", "女士", "师傅", "阿姨"};
	static const char *const pre[] = {"138", "139", "135", "137", "150", "151",
	                                  "152", "158", "159", "187", "188", "182"};
	snprintf(name, ncap, "%s%s", PICK(r, surnames), PICK(r, call));
	snprintf(phone, pcap, "%s%08u", PICK(r, pre), gen_below(r, 100000000));
}
