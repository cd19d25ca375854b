/*
 * Unit tests of SMS notices (core/sms.h): the config refused for each fault
 * at load, template rendering and its limits, gateway requests (URL, form
 * and JSON encoding of hostile text, header injection), the file sink, the
 * trigger rules on a real database (registration, confidential with and
 * without consent, dispatch, closure, rollback) and delivery's target
 * resolution.
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

#include "core/app.h"
#include "core/auth.h"
#include "core/chain.h"
#include "core/directory.h"
#include "core/effects.h"
#include "core/engine.h"
#include "core/sms_int.h"
#include "core/types.h"
#include "core/writer.h"
#include "util/timeutil.h"

#include "unit_db.h"

/* ---- config ---- */

static struct type_registry *types;

static int types_setup(void **state)
{
	char why[512];
	types = types_load_dir("config/types", effect_index, why, sizeof why);
	if (!types)
		fail_msg("%s", why);
	return 0;
}

static int types_teardown(void **state)
{
	types_free(types);
	return 0;
}

/* Loads text as a config; NULL with err when refused. */
static struct sms_config *load_text(const char *text, char *err, size_t cap)
{
	char path[] = "/tmp/cl-sms-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err[0] = '\0';
	struct sms_config *c = sms_config_load(path, types, "/tmp", err, cap);
	unlink(path);
	return c;
}

#define TPL "\"templates\":{\"reg\":{\"text\":\"工单{no}已受理\"}}"
#define HEAD "{\"sink\":\"file\",\"file\":\"s.jsonl\","

static void refused(const char *text, const char *needle)
{
	char err[512];
	struct sms_config *c = load_text(text, err, sizeof err);
	if (c)
		fail_msg("accepted: %s", text);
	if (!strstr(err, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err, needle);
}

static void test_config_refused(void **state)
{
	refused("{", "第 1 行");
	refused(HEAD TPL ",\"triggers\":[],\"extra\":1}", "未知的键 \"extra\"");
	refused(HEAD "\"templates\":{\"reg\":{\"text\":\"工单{phone}\"}},\"triggers\":[]}",
	        "未知的占位符 {phone}");
	refused(HEAD "\"templates\":{\"reg\":{\"text\":\"工单{no\"}},\"triggers\":[]}", "“{”之后");
	refused(HEAD "\"templates\":{\"reg\":{\"text\":\"a\\u0000b\"}},\"triggers\":[]}", "NUL");
	refused(HEAD "\"templates\":{\"reg\":{\"text\":\"a\\nb\"}},\"triggers\":[]}", "控制字符");
	refused(HEAD "\"templates\":{\"Bad-Name\":{\"text\":\"a\"}},\"triggers\":[]}", "模板名");
	refused(HEAD "\"templates\":{},\"triggers\":[]}", "templates");
	refused(HEAD TPL ",\"triggers\":[{\"template\":\"nope\",\"to\":\"reporter\","
	                 "\"events\":[\"create\"],\"types\":[\"hotline\"]}]}",
	        "未知的模板 nope");
	refused(HEAD TPL ",\"triggers\":[{\"template\":\"reg\",\"to\":\"reporter\","
	                 "\"events\":[\"create\"],\"types\":[\"nosuch\"]}]}",
	        "未知的事项类型 nosuch");
	refused(HEAD TPL ",\"triggers\":[{\"template\":\"reg\",\"to\":\"reporter\","
	                 "\"to_state\":\"gone\",\"types\":[\"hotline\"]}]}",
	        "没有状态 gone");
	refused(HEAD TPL ",\"triggers\":[{\"template\":\"reg\",\"to\":\"dispatched_units\","
	                 "\"events\":[\"dispatch\"],\"types\":[\"hotline\"]}]}",
	        "roles");
	refused(HEAD TPL ",\"triggers\":[{\"template\":\"reg\",\"to\":\"mayor\","
	                 "\"events\":[\"dispatch\"],\"types\":[\"hotline\"]}]}",
	        "to 必须是");
	refused(HEAD TPL ",\"consent_field\":\"category\",\"triggers\":[{\"template\":\"reg\","
	                 "\"to\":\"reporter\",\"events\":[\"create\"],\"types\":[\"hotline\"]}]}",
	        "没有布尔字段 category");
	refused(HEAD "\"templates\":{\"c\":{\"text\":\"{outcome}\"}},\"triggers\":[{\"template\":"
	             "\"c\",\"to\":\"reporter\",\"to_state\":\"closed\",\"types\":[\"hotline\"]}]}",
	        "outcome_default");
	refused(HEAD TPL ",\"max_chars\":100000,\"triggers\":[]}", "max_chars");
	refused("{\"sink\":\"carrier-pigeon\"," TPL ",\"triggers\":[]}", "sink");
	refused("{\"sink\":\"gateway\"," TPL ",\"triggers\":[]}", "须有 gateway");
	refused("{\"sink\":\"gateway\",\"gateway\":{\"url\":\"ftp://x/{phone}\"}," TPL
	        ",\"triggers\":[]}",
	        "http://");
	refused("{\"sink\":\"gateway\",\"gateway\":{\"url\":\"http://x/{pw}\"}," TPL
	        ",\"triggers\":[]}",
	        "未知的占位符 {pw}");
	unsetenv("CL_SMS_TEST_KEY");
	refused("{\"sink\":\"gateway\",\"gateway\":{\"url\":\"http://x/\",\"secrets\":{\"key\":"
	        "\"CL_SMS_TEST_KEY\"}}," TPL ",\"triggers\":[]}",
	        "环境变量 CL_SMS_TEST_KEY 未设置");
	refused("{\"sink\":\"gateway\",\"gateway\":{\"url\":\"http://x/\",\"headers\":{\"X a\":"
	        "\"1\"}}," TPL ",\"triggers\":[]}",
	        "头名");
}

static void test_config_repo(void **state)
{
	char err[512];
	struct sms_config *c =
	    sms_config_load("config/notify/sms.json", types, "/var/db", err, sizeof err);
	if (!c)
		fail_msg("%s", err);
	assert_true(c->file_sink);
	assert_string_equal(c->file, "/var/db/sms.jsonl");
	assert_int_equal(c->max_chars, 300);
	assert_non_null(sms_template_find(c, "case_registered"));
	assert_non_null(sms_template_find(c, "overdue"));
	sms_config_free(c);
}

/* ---- rendering ---- */

static void test_render(void **state)
{
	struct sms_template t = {.name = "x", .text = "【民情闭环】工单{no}：{outcome}。"};
	json_t *vars = unit_json("{\"no\":\"RX2026\",\"outcome\":\"问题已解决\"}");
	char out[2001], why[256];
	assert_int_equal(sms_render_text(&t, vars, 300, out, sizeof out, why, sizeof why), 0);
	assert_string_equal(out, "【民情闭环】工单RX2026：问题已解决。");
	/* cut to max_chars characters, never inside one */
	assert_int_equal(sms_render_text(&t, vars, 10, out, sizeof out, why, sizeof why), 0);
	assert_string_equal(out, "【民情闭环】工单RX");
	/* a value with a control character, a missing value */
	json_object_set_new(vars, "outcome", json_string("a\nb"));
	assert_int_equal(sms_render_text(&t, vars, 300, out, sizeof out, why, sizeof why), -1);
	json_object_del(vars, "outcome");
	assert_int_equal(sms_render_text(&t, vars, 300, out, sizeof out, why, sizeof why), -1);
	assert_non_null(strstr(why, "{outcome}"));
	json_decref(vars);
	/* a long value fills what fits, cut on a character boundary */
	struct sms_template u = {.name = "y", .text = "{no}"};
	char big[3000];
	for (int i = 0; i < 999; i++)
		memcpy(big + 3 * i, "号", 3);
	big[2997] = '\0';
	vars = json_pack("{s:s}", "no", big);
	assert_int_equal(sms_render_text(&u, vars, 500, out, sizeof out, why, sizeof why), 0);
	assert_int_equal(strlen(out), 3 * 500);
	json_decref(vars);
}

/* ---- gateway requests ---- */

static const char *hostile = "引号\"反斜杠\\ & = % + 换行?#\xe2\x80\xa8";

static void test_request_json(void **state)
{
	char err[512];
	struct sms_config *c = load_text(
	    "{\"sink\":\"gateway\",\"gateway\":{\"url\":\"http://127.0.0.1:9/"
	    "send?to={phone}&id={id}\","
	    "\"headers\":{\"Content-Type\":\"application/json\",\"X-Sign\":\"{sign_name}\"},"
	    "\"json\":{\"PhoneNumbers\":\"{phone}\",\"SignName\":\"{sign_name}\",\"TemplateCode\":"
	    "\"{template_id}\",\"TemplateParam\":\"{params}\",\"Text\":\"{text}\"},"
	    "\"sign_name\":\"民情闭环\",\"success\":{\"field\":\"Code\",\"equals\":\"OK\"}}," TPL
	    ",\"triggers\":[]}",
	    err, sizeof err);
	if (!c)
		fail_msg("%s", err);
	struct sms_gw_values v = {.phone = "13800138000",
	                          .text = hostile,
	                          .sign = c->gw.sign,
	                          .template_id = "SMS_1",
	                          .id = "42",
	                          .params = "{\"no\":\"RX1\"}",
	                          .gw = &c->gw};
	struct sms_request rq;
	char why[256] = "";
	assert_int_equal(sms_request_build(&c->gw, &v, &rq, why, sizeof why), 0);
	assert_string_equal(rq.url, "http://127.0.0.1:9/send?to=13800138000&id=42");
	assert_int_equal(rq.nheaders, 2);
	assert_string_equal(rq.headers[1], "X-Sign: 民情闭环");
	json_t *b = unit_json(rq.body);
	assert_string_equal(json_string_value(json_object_get(b, "Text")), hostile);
	assert_string_equal(json_string_value(json_object_get(b, "TemplateParam")),
	                    "{\"no\":\"RX1\"}");
	assert_string_equal(json_string_value(json_object_get(b, "PhoneNumbers")), "13800138000");
	json_decref(b);
	sms_request_release(&rq);
	/* the answer: 2xx and Code = OK */
	assert_true(sms_gateway_ok(&c->gw, 200, "{\"Code\":\"OK\"}"));
	assert_false(sms_gateway_ok(&c->gw, 200, "{\"Code\":\"isv.BUSINESS_LIMIT_CONTROL\"}"));
	assert_false(sms_gateway_ok(&c->gw, 200, "not json"));
	assert_false(sms_gateway_ok(&c->gw, 500, "{\"Code\":\"OK\"}"));
	/* a value that would inject a header line is refused */
	v.sign = "x\r\nX-Evil: 1";
	assert_int_equal(sms_request_build(&c->gw, &v, &rq, why, sizeof why), -1);
	assert_non_null(strstr(why, "控制字符"));
	sms_config_free(c);
}

static void test_request_form(void **state)
{
	char err[512];
	setenv("CL_SMS_TEST_KEY", "k&y=1", 1);
	struct sms_config *c = load_text(
	    "{\"sink\":\"gateway\",\"gateway\":{\"url\":\"https://sms.example.cn/send/{text}\","
	    "\"method\":\"POST\",\"secrets\":{\"key\":\"CL_SMS_TEST_KEY\"},"
	    "\"form\":{\"mobile\":\"{phone}\",\"content\":\"{text}\",\"apikey\":\"{key}\"}}," TPL
	    ",\"triggers\":[]}",
	    err, sizeof err);
	if (!c)
		fail_msg("%s", err);
	struct sms_gw_values v = {.phone = "13800138000", .text = hostile, .gw = &c->gw};
	struct sms_request rq;
	char why[256] = "";
	assert_int_equal(sms_request_build(&c->gw, &v, &rq, why, sizeof why), 0);
	/* every reserved byte percent-encoded, in the path and in the form */
	assert_null(strchr(rq.url + strlen("https://sms.example.cn/send/"), '&'));
	assert_null(strchr(rq.url, '"'));
	assert_non_null(strstr(rq.body, "mobile=13800138000&content="));
	assert_non_null(strstr(rq.body, "&apikey=k%26y%3D1"));
	assert_null(strchr(rq.body, '"'));
	assert_null(strchr(rq.body, ' '));
	sms_request_release(&rq);
	sms_config_free(c);
}

/* ---- file sink ---- */

static void test_file_sink(void **state)
{
	char path[] = "/tmp/cl-sms-sink-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char why[256];
	assert_int_equal(
	    sms_file_append(path, 7, "13800138000", "工单\"RX1\"已受理", 0, why, sizeof why), 0);
	assert_int_equal(sms_file_append(path, 8, "13900139000", "第二条", 0, why, sizeof why), 0);
	FILE *f = fopen(path, "r");
	char line[512];
	assert_non_null(fgets(line, sizeof line, f));
	json_t *j = unit_json(line);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(j, "to")), "13800138000");
	assert_string_equal(json_string_value(json_object_get(j, "text")), "工单\"RX1\"已受理");
	assert_non_null(json_object_get(j, "at"));
	json_decref(j);
	assert_non_null(fgets(line, sizeof line, f));
	assert_null(fgets(line, sizeof line, f));
	fclose(f);
	unlink(path);
	assert_int_equal(sms_file_append("/nonexistent-dir/x", 1, "1", "t", 0, why, sizeof why),
	                 -1);
}

/* ---- triggers on a real database ---- */

static int setup_job(struct wctx *w, struct write_job *job)
{
	struct err *e = job->arg;
	static const struct role_spec disp = {"dispatcher", "county"};
	static const struct role_spec op = {"operator", "county"};
	static const struct role_spec h = {"handler", NULL};
	if (org_add(w, "county", "测试县", "county", NULL, NULL, e) < 0 ||
	    org_add(w, "county.12345", "热线中心", "centre", "county", NULL, e) < 0 ||
	    org_add(w, "dept.cg", "城管局", "department", "county", NULL, e) < 0)
		return -1;
	const char *hash = "$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
	                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	if (user_add(w, "disp1", "派单员", "county.12345", hash, NULL, &disp, 1, e) < 0 ||
	    user_add(w, "op1", "话务员", "county.12345", hash, "13700137000", &op, 1, e) < 0 ||
	    user_add(w, "cg1", "城管甲", "dept.cg", hash, "13900139001", &h, 1, e) < 0 ||
	    user_add(w, "cg2", "城管乙", "dept.cg", hash, NULL, &h, 1, e) < 0 ||
	    user_add(w, "cg3", "城管丙", "dept.cg", hash, "0571-8888888", &h, 1, e) < 0)
		return -1;
	return 0;
}

static int db_setup(void **state)
{
	struct err e = {0};
	struct unit_db *f = unit_db_open("cl-sms", setup_job, &e);
	char err[512];
	f->app.sms =
	    sms_config_load("config/notify/sms.json", f->app.types, f->dir, err, sizeof err);
	if (!f->app.sms)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int db_teardown(void **state)
{
	struct unit_db *f = *state;
	if (!f)
		return 0; /* the setup failed */
	char path[200];
	snprintf(path, sizeof path, "%s/sms.jsonl", f->dir);
	unlink(path);
	unit_db_close(f);
	return 0;
}

struct got {
	int n;
	char kind[8][64];
	char target[8][64];
	json_t *payload[8];
};

static int collect_emit(struct wctx *w, const struct sms_msg *m, void *arg)
{
	struct got *g = arg;
	assert_true(g->n < 8);
	snprintf(g->kind[g->n], 64, "%s", m->kind);
	snprintf(g->target[g->n], 64, "%s", m->target);
	g->payload[g->n++] = unit_json(m->payload);
	return 0;
}

static void got_release(struct got *g)
{
	for (int i = 0; i < g->n; i++)
		json_decref(g->payload[i]);
	memset(g, 0, sizeof *g);
}

struct call {
	const char *login;
	const char *action; /* NULL = create */
	int64_t id;
	json_t *body;
	struct err e;
	struct got got; /* what the triggers make of the call's last event */
};

/* The case's events after seq `since` run through the triggers, in the
 * same job, as wctx_event would. */
static int events_collect(struct wctx *w, int64_t id, int64_t since, struct got *got)
{
	struct ev {
		char action[64], to[64], payload[1024];
		bool has_to;
		int64_t at;
	} ev[8];
	int n = 0;
	struct store_stmt *s = store_stmt(w->conn, ST_EVENTS_OF_CASE);
	sbind_int(s, 1, id);
	sbind_int(s, 2, since);
	sbind_int(s, 3, 8);
	sbind_null(s, 4);
	while (sstep(s) == STORE_ROW) {
		ev[n].at = scol_int(s, 1);
		snprintf(ev[n].action, sizeof ev[n].action, "%s", scol_text(s, 6));
		ev[n].has_to = !scol_null(s, 8);
		snprintf(ev[n].to, sizeof ev[n].to, "%s", ev[n].has_to ? scol_text(s, 8) : "");
		snprintf(ev[n].payload, sizeof ev[n].payload, "%s", scol_text(s, 9));
		n++;
	}
	sreset(s);
	for (int i = 0; i < n; i++) {
		struct event_rec e = {.case_id = id,
		                      .at = ev[i].at,
		                      .action = ev[i].action,
		                      .to = ev[i].has_to ? ev[i].to : NULL,
		                      .payload = ev[i].payload};
		if (sms_collect(w->app->sms, w, &e, collect_emit, got) != 0)
			return -1;
	}
	return 0;
}

static int64_t head_seq(struct wctx *w)
{
	struct store_stmt *s = store_stmt(w->conn, ST_EVENT_HEAD);
	int64_t n = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	return n;
}

static int call_job(struct wctx *w, struct write_job *job)
{
	struct call *c = job->arg;
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, c->login);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	struct actor a;
	if (actor_load(w->conn, uid, &a) != 0)
		return err_set(&c->e, E_UNAUTHENTICATED, NULL, NULL);
	json_t *out = NULL;
	int64_t since = head_seq(w);
	int rc = c->action ? engine_act(w, &a, c->id, c->action, c->body, &out, &c->e)
	                   : engine_create(w, &a, c->body, &out, &c->e);
	if (rc == 0 && !c->action)
		c->id = json_integer_value(json_object_get(json_object_get(out, "case"), "id"));
	json_decref(out);
	return rc == 0 ? events_collect(w, c->id, since, &c->got) : rc;
}

static int64_t run(struct unit_db *f, const char *login, const char *action, int64_t id,
                   const char *body, struct got *got)
{
	struct call c = {.login = login, .action = action, .id = id};
	c.body = unit_json(body);
	int rc = writer_run(f->app.writer, call_job, &c);
	json_decref(c.body);
	if (rc != 0)
		fail_msg("%s: %s", action ? action : "create", err_message(&c.e));
	*got = c.got;
	return c.id;
}

static int64_t user_id(struct unit_db *f, const char *login)
{
	struct store_stmt *s = store_stmt(f->reader, ST_USER_BY_LOGIN);
	sbind_text(s, 1, login);
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	return uid;
}

struct import_probe {
	int64_t id;
	struct got got;
};

static int import_probe_job(struct wctx *w, struct write_job *job)
{
	struct import_probe *p = job->arg;
	struct event_rec e = {.case_id = p->id,
	                      .at = w->now,
	                      .action = "create",
	                      .to = "received",
	                      .payload = "{\"ext_ref\":\"ZZ-1\",\"no\":\"x\"}"};
	return sms_collect(w->app->sms, w, &e, collect_emit, &p->got);
}

static void test_triggers(void **state)
{
	struct unit_db *f = *state;
	struct got g;
	char want[64];
	/* registered with a phone: the reporter gets the case number */
	int64_t id = run(f, "op1", NULL, 0,
	                 "{\"type\":\"hotline\",\"class\":\"投诉\",\"description\":\"路灯不亮\","
	                 "\"reporter\":{\"name\":\"张三\",\"phone\":\"13800138000\"}}",
	                 &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.kind[0], "sms.case_registered");
	snprintf(want, sizeof want, "case:%lld:reporter", (long long)id);
	assert_string_equal(g.target[0], want);
	json_t *vars = json_object_get(g.payload[0], "vars");
	assert_int_equal(json_object_size(vars), 1); /* only what the template names */
	assert_true(strncmp(json_string_value(json_object_get(vars, "no")), "RX", 2) == 0);
	/* the queue holds no phone and no name */
	char *ptext = json_dumps(g.payload[0], 0);
	assert_null(strstr(ptext, "13800138000"));
	assert_null(strstr(ptext, "张三"));
	free(ptext);
	got_release(&g);

	/* the same event of an imported case (its payload has the source's
	 * ext_ref): nothing, the source told its citizens long ago */
	struct import_probe ip = {.id = id};
	assert_int_equal(writer_run(f->app.writer, import_probe_job, &ip), 0);
	assert_int_equal(ip.got.n, 0);

	/* dispatched: the unit's handlers with a mobile or landline phone, one
	 * text each (cg2 has none) */
	run(f, "disp1", "dispatch", id, "{\"org\":\"dept.cg\"}", &g);
	assert_int_equal(g.n, 2);
	snprintf(want, sizeof want, "user:%lld", (long long)user_id(f, "cg1"));
	assert_string_equal(g.target[0], want);
	assert_string_equal(g.kind[0], "sms.dispatch");
	vars = json_object_get(g.payload[0], "vars");
	assert_string_equal(json_string_value(json_object_get(vars, "unit")), "城管局");
	assert_string_equal(json_string_value(json_object_get(vars, "type_name")), "12345热线工单");
	assert_non_null(json_object_get(vars, "deadline"));
	got_release(&g);

	/* no phone: nothing */
	run(f, "op1", NULL, 0, "{\"type\":\"hotline\",\"description\":\"无电话\"}", &g);
	assert_int_equal(g.n, 0);
	/* confidential without consent: nothing; closure by a direct answer too */
	int64_t conf = run(f, "op1", NULL, 0,
	                   "{\"type\":\"hotline\",\"class\":\"举报\",\"description\":\"举报\","
	                   "\"reporter\":{\"phone\":\"13800138001\"}}",
	                   &g);
	assert_int_equal(g.n, 0);
	run(f, "op1", "answer", conf, "{\"answer\":\"已转相关部门\"}", &g);
	assert_int_equal(g.n, 0);
	/* confidential with consent: the registration and the closure */
	int64_t ok = run(f, "op1", NULL, 0,
	                 "{\"type\":\"hotline\",\"class\":\"举报\",\"description\":\"举报\","
	                 "\"reporter\":{\"phone\":\"13800138002\",\"confidential\":true},"
	                 "\"fields\":{\"sms_consent\":true}}",
	                 &g);
	assert_int_equal(g.n, 1);
	got_release(&g);
	run(f, "op1", "answer", ok, "{\"answer\":\"已答复\"}", &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.kind[0], "sms.case_closed");
	vars = json_object_get(g.payload[0], "vars");
	assert_string_equal(json_string_value(json_object_get(vars, "outcome")), "已答复");
	assert_null(json_object_get(vars, "answer"));
	got_release(&g);
}

/* ---- delivery ---- */

static void test_send_file(void **state)
{
	struct unit_db *f = *state;
	struct got g;
	int64_t id = run(f, "op1", NULL, 0,
	                 "{\"type\":\"hotline\",\"description\":\"送达\","
	                 "\"reporter\":{\"phone\":\"13800138009\"}}",
	                 &g);
	assert_int_equal(g.n, 1);
	char *payload = json_dumps(g.payload[0], JSON_COMPACT);
	char err[256];
	assert_int_equal(sms_send(&f->app, 99, g.target[0], payload, err, sizeof err), 0);
	char path[200], line[1024];
	snprintf(path, sizeof path, "%s/sms.jsonl", f->dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof line, fp));
	fclose(fp);
	json_t *j = unit_json(line);
	assert_string_equal(json_string_value(json_object_get(j, "to")), "13800138009");
	assert_non_null(
	    strstr(json_string_value(json_object_get(j, "text")), "您反映的问题已受理"));
	json_decref(j);
	/* an account with a landline, a target that names nothing, a template
	 * the config no longer has: never deliverable; the reason names no phone */
	char target[40];
	snprintf(target, sizeof target, "user:%lld", (long long)user_id(f, "cg3"));
	assert_int_equal(sms_send(&f->app, 100, target, payload, err, sizeof err), -2);
	assert_null(strstr(err, "8888888"));
	assert_int_equal(sms_send(&f->app, 101, "user:999999", payload, err, sizeof err), -2);
	assert_int_equal(sms_send(&f->app, 102, "case:1:boss", payload, err, sizeof err), -2);
	assert_int_equal(sms_send(&f->app, 103, g.target[0], "{\"template\":\"gone\",\"vars\":{}}",
	                          err, sizeof err),
	                 -2);
	free(payload);
	got_release(&g);
	(void)id;
}

/* ---- the hook on the outbox: a rolled-back write queues nothing ---- */

static int sms_due(struct unit_db *f)
{
	struct store_stmt *s = store_stmt(f->reader, ST_OUTBOX_DUE);
	sbind_int(s, 1, INT64_MAX);
	sbind_int(s, 2, 1000);
	int n = 0;
	while (sstep(s) == STORE_ROW)
		n += !strcmp(scol_text(s, 1), "sms");
	sreset(s);
	return n;
}

struct create_then {
	int rc; /* what the job returns after the create */
	struct err e;
};

static int create_then_job(struct wctx *w, struct write_job *job)
{
	struct create_then *c = job->arg;
	struct store_stmt *s = store_stmt(w->conn, ST_USER_BY_LOGIN);
	sbind_text(s, 1, "op1");
	int64_t uid = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	struct actor a;
	assert_int_equal(actor_load(w->conn, uid, &a), 0);
	json_t *body = unit_json("{\"type\":\"hotline\",\"description\":\"回滚\","
	                         "\"reporter\":{\"phone\":\"13800138111\"}}");
	json_t *out = NULL;
	int rc = engine_create(w, &a, body, &out, &c->e);
	json_decref(body);
	json_decref(out);
	assert_int_equal(rc, 0);
	return c->rc;
}

static void test_rollback(void **state)
{
	struct unit_db *f = *state;
	int before = sms_due(f);
	struct create_then c = {.rc = -1};
	assert_int_not_equal(writer_run(f->app.writer, create_then_job, &c), 0);
	assert_int_equal(sms_due(f), before);
	c.rc = 0;
	assert_int_equal(writer_run(f->app.writer, create_then_job, &c), 0);
	assert_int_equal(sms_due(f), before + 1);
	/* SMS off (serve without a config): nothing queued */
	struct sms_config *cfg = f->app.sms;
	f->app.sms = NULL;
	assert_int_equal(writer_run(f->app.writer, create_then_job, &c), 0);
	f->app.sms = cfg;
	assert_int_equal(sms_due(f), before + 1);
}

int main(void)
{
	const struct CMUnitTest config[] = {
	    cmocka_unit_test(test_config_refused), cmocka_unit_test(test_config_repo),
	    cmocka_unit_test(test_render),         cmocka_unit_test(test_request_json),
	    cmocka_unit_test(test_request_form),   cmocka_unit_test(test_file_sink),
	};
	const struct CMUnitTest db[] = {
	    cmocka_unit_test(test_triggers),
	    cmocka_unit_test(test_send_file),
	    cmocka_unit_test(test_rollback),
	};
	int fails = cmocka_run_group_tests_name("sms config", config, types_setup, types_teardown);
	return fails + cmocka_run_group_tests_name("sms triggers", db, db_setup, db_teardown);
}
