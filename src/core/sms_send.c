/*
 * Sending one queued text (core/sms.h sms_send) and the serve-time setup.
 * The target reference is resolved and unsealed here only, the phone is
 * checked to be a mobile number, the template rendered, then the text goes
 * to the file sink or the HTTP gateway. The phone never reaches a log or
 * an error text: reasons name the outbox id and the target reference.
 */
#include "core/sms_int.h"
#include "core/app.h"
#include "core/outbox.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/timeutil.h"

/* A mobile number a text can reach: 11 digits, 1[3-9]. */
static bool mobile_ok(const char *p)
{
	if (strlen(p) != 11 || p[0] != '1' || p[1] < '3' || p[1] > '9')
		return false;
	for (int i = 0; i < 11; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* The sealed blob of statement id (one bound id) unsealed into plain
 * (caller wipes and frees). 0; 1 no such row or no blob; -1 store. */
static int unseal_col(struct app *app, struct store_conn *c, enum stmt_id id, int64_t key,
                      char **plain)
{
	struct store_stmt *s = store_stmt(c, id);
	sbind_int(s, 1, key);
	int rc = sstep(s);
	int out = rc == STORE_ROW ? 1 : rc == STORE_DONE ? 1 : -1;
	if (rc == STORE_ROW && !scol_null(s, 0))
		out =
		    unseal(&app->keys, scol_blob(s, 0), scol_bytes(s, 0), plain, NULL) == 0 ? 0 : 1;
	sreset(s);
	return out;
}

/* The phone a target reference names, into phone[cap]. 0; -2 none (no
 * such case or account, no phone); -1 the store failed. */
static int target_phone(struct app *app, const char *target, char *phone, size_t cap)
{
	long long id = 0;
	int used = 0;
	enum stmt_id st;
	if (sscanf(target, "case:%lld:reporter%n", &id, &used) == 1 && target[used] == '\0')
		st = ST_SMS_REPORTER;
	else if (sscanf(target, "user:%lld%n", &id, &used) == 1 && target[used] == '\0')
		st = ST_SMS_USER_PHONE;
	else
		return -2;
	/* the delivery worker's own read connection, else one of ours (tests) */
	struct store_conn *c = outbox_reader(), *mine = NULL;
	char err[256];
	if (!c && !(c = mine = store_open(app->db_path, true, err, sizeof err)))
		return -1;
	char *plain = NULL;
	int rc = unseal_col(app, c, st, id, &plain);
	store_close(mine);
	if (rc != 0)
		return rc < 0 ? -1 : -2;
	const char *p = plain;
	json_t *j = NULL;
	if (st == ST_SMS_REPORTER) { /* {"name","phone"} */
		j = json_loads(plain, 0, NULL);
		p = json_string_value(json_object_get(j, "phone"));
	}
	rc = p && strlen(p) < cap ? 0 : -2;
	if (rc == 0)
		memcpy(phone, p, strlen(p) + 1);
	json_decref(j);
	sodium_memzero(plain, strlen(plain));
	free(plain);
	return rc;
}

int sms_file_append(const char *file, int64_t id, const char *phone, const char *text, int64_t now,
                    char *why, size_t whycap)
{
	char at[ISO8601_MAX];
	time_format_iso(now, at, sizeof at);
	json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)id, "to", phone, "text", text,
	                      "at", at);
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!line) {
		snprintf(why, whycap, "内存不足");
		return -1;
	}
	size_t n = strlen(line);
	line[n] = '\n'; /* json_dumps leaves room for its NUL: write n + 1 bytes */
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	ssize_t wr = fd >= 0 ? write(fd, line, n + 1) : -1;
	int rc = fd >= 0 && wr == (ssize_t)(n + 1) && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	free(line);
	if (rc != 0)
		snprintf(why, whycap, "写入短信文件 %s 失败", file);
	return rc;
}

struct resp {
	char data[4096];
	size_t len;
};

static size_t resp_write(char *p, size_t sz, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t k = sz * n;
	size_t room = sizeof r->data - 1 - r->len;
	memcpy(r->data + r->len, p, k < room ? k : room);
	r->len += k < room ? k : room;
	r->data[r->len] = '\0';
	return k;
}

int sms_http_send(const struct sms_gateway *gw, const struct sms_gw_values *v, char *why,
                  size_t whycap)
{
	struct sms_request rq;
	why[0] = '\0';
	if (sms_request_build(gw, v, &rq, why, whycap) != 0)
		return -1;
	CURL *h = curl_easy_init();
	struct curl_slist *hl = NULL;
	struct resp r = {.len = 0};
	int rc = -1;
	if (!h) {
		snprintf(why, whycap, "libcurl 初始化失败");
		goto out;
	}
	for (int i = 0; i < rq.nheaders; i++) {
		struct curl_slist *n = curl_slist_append(hl, rq.headers[i]);
		if (!n)
			goto out;
		hl = n;
	}
	curl_easy_setopt(h, CURLOPT_URL, rq.url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, gw->method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, gw->timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, resp_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	if (rq.body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq.body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(rq.body));
	}
	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK)
		snprintf(why, whycap, "短信网关不可达：%s", curl_easy_strerror(cc));
	else if (!sms_gateway_ok(gw, status, r.data))
		snprintf(why, whycap, "短信网关未受理（HTTP %ld）", status);
	else
		rc = 0;
out:
	curl_slist_free_all(hl);
	if (h)
		curl_easy_cleanup(h);
	sms_request_release(&rq);
	return rc;
}

int sms_send(struct app *app, int64_t id, const char *target, const char *payload, char *err,
             size_t errcap)
{
	const struct sms_config *cfg = app->sms;
	if (!cfg) {
		snprintf(err, errcap, "短信未配置（serve 未加载短信配置）");
		return -1;
	}
	json_t *p = json_loads(payload, 0, NULL);
	const char *name = json_string_value(json_object_get(p, "template"));
	const struct sms_template *t = name ? sms_template_find(cfg, name) : NULL;
	json_t *vars = json_object_get(p, "vars");
	int rc = -2;
	char text[4 * SMS_TEXT_MAX_CHARS + 1], phone[32], why[256] = "";
	if (!t) {
		snprintf(err, errcap, "短信模板不存在");
		goto out;
	}
	if (sms_render_text(t, vars, cfg->max_chars, text, sizeof text, why, sizeof why) != 0) {
		snprintf(err, errcap, "短信内容无法生成：%s", why);
		goto out;
	}
	rc = target_phone(app, target, phone, sizeof phone);
	if (rc != 0 || !mobile_ok(phone)) {
		snprintf(err, errcap, rc == -1 ? "读取号码失败" : "%s 没有可接收短信的手机号",
		         target);
		rc = rc == -1 ? -1 : -2;
		goto out;
	}
	if (cfg->file_sink) {
		rc = sms_file_append(cfg->file, id, phone, text, time_now_ms(), why, sizeof why);
	} else {
		char *params = json_canonical(vars); /* the provider's TemplateParam */
		char ids[24];
		snprintf(ids, sizeof ids, "%" PRId64, id);
		struct sms_gw_values v = {.phone = phone,
		                          .text = text,
		                          .sign = cfg->gw.sign,
		                          .template_id = t->template_id,
		                          .id = ids,
		                          .params = params ? params : "{}",
		                          .gw = &cfg->gw};
		rc = sms_http_send(&cfg->gw, &v, why, sizeof why);
		free(params);
	}
	if (rc != 0)
		snprintf(err, errcap, "%s", why);
	sodium_memzero(phone, sizeof phone);
out:
	json_decref(p);
	return rc;
}

int sms_setup(struct app *app, const char *file, char *err, size_t errcap)
{
	char path[1100];
	if (file && !strcmp(file, "none"))
		return 0;
	if (file) {
		snprintf(path, sizeof path, "%s", file);
	} else {
		snprintf(path, sizeof path, "%s/notify/sms.json", app->config_dir);
		if (access(path, F_OK) != 0)
			return 0; /* a config folder without SMS: off */
	}
	char base[1024];
	if (app_data_dir(app, base, sizeof base) != 0)
		snprintf(base, sizeof base, ".");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	app->sms = sms_config_load(path, app->types, base, err, errcap);
	return app->sms ? 0 : -1;
}
