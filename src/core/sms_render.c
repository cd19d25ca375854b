/*
 * SMS text and gateway requests from templates (core/sms_int.h): the
 * placeholder filler, the text of a template, and the HTTP request a
 * gateway template describes. URL and form values are percent-encoded by
 * libcurl, JSON bodies written by jansson; nothing here escapes by hand.
 */
#include "core/sms_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

const char *const sms_var_names[SV__N] = {"no",       "type_name", "class",
                                          "deadline", "outcome",   "unit"};

/* The length of the placeholder name at s (after '{') when "[a-z_]{1,64}}"
 * follows, else 0. */
static size_t name_len(const char *s)
{
	size_t n = 0;
	while (n <= SMS_NAME_MAX && ((s[n] >= 'a' && s[n] <= 'z') || s[n] == '_'))
		n++;
	return n >= 1 && n <= SMS_NAME_MAX && s[n] == '}' ? n : 0;
}

static bool has_control(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* Appends n bytes of s to out[cap] at *len; -2 when they do not fit (what
 * fits appended, maybe cut inside a character). */
static int put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	int rc = 0;
	if (*len + n >= cap) {
		n = cap - 1 - *len;
		rc = -2;
	}
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return rc;
}

static int put_value(char *out, size_t cap, size_t *len, const char *v, enum sms_escape esc,
                     const char *name, char *why, size_t whycap)
{
	if (esc == ESC_LINE && has_control(v)) {
		snprintf(why, whycap, "占位符 {%s} 的值含控制字符", name);
		return -1;
	}
	if (esc != ESC_URL)
		return put(out, cap, len, v, strlen(v));
	char *e = curl_easy_escape(NULL, v, (int)strlen(v));
	if (!e) {
		snprintf(why, whycap, "内存不足");
		return -1;
	}
	int rc = put(out, cap, len, e, strlen(e));
	curl_free(e);
	return rc;
}

int sms_fill(const char *tpl, sms_look_fn look, const void *arg, enum sms_escape esc, char *out,
             size_t cap, char *why, size_t whycap)
{
	size_t len = 0;
	out[0] = '\0';
	for (const char *p = tpl; *p;) {
		const char *brace = strchr(p, '{');
		size_t lit = brace ? (size_t)(brace - p) : strlen(p);
		if (put(out, cap, &len, p, lit) != 0)
			goto too_long;
		if (!brace)
			break;
		size_t n = name_len(brace + 1);
		if (n == 0) {
			snprintf(why, whycap, "“{”之后须是占位符名（小写字母和下划线）与“}”");
			return -1;
		}
		char name[SMS_NAME_MAX + 1];
		memcpy(name, brace + 1, n);
		name[n] = '\0';
		const char *v = look(name, arg);
		if (!v) {
			snprintf(why, whycap, "未知的占位符 {%s}", name);
			return -1;
		}
		int rc = put_value(out, cap, &len, v, esc, name, why, whycap);
		if (rc == -1)
			return -1;
		if (rc != 0)
			goto too_long;
		p = brace + 1 + n + 1;
	}
	return 0;
too_long:
	snprintf(why, whycap, "填入占位符后过长（上限 %zu 字节）", cap - 1);
	return -2;
}

struct names_check {
	bool (*known)(const char *name, void *arg);
	void *arg;
};

static const char *check_look(const char *name, const void *arg)
{
	const struct names_check *nc = arg;
	return nc->known(name, nc->arg) ? "" : NULL;
}

int sms_names_check(const char *tpl, bool (*known)(const char *name, void *arg), void *arg,
                    char *why, size_t whycap)
{
	struct names_check nc = {known, arg};
	size_t cap = strlen(tpl) + 1;
	char *out = malloc(cap);
	if (!out) {
		snprintf(why, whycap, "内存不足");
		return -1;
	}
	int rc = sms_fill(tpl, check_look, &nc, ESC_NONE, out, cap, why, whycap);
	free(out);
	return rc == 0 ? 0 : -1;
}

static const char *var_look(const char *name, const void *arg)
{
	return json_string_value(json_object_get(arg, name));
}

/* s cut to max_chars characters (valid UTF-8 in, so never inside one). */
static void cut_chars(char *s, int max_chars)
{
	size_t i = 0, n = strlen(s);
	for (int c = 0; i < n && c < max_chars; c++) {
		size_t l = utf8_seq_len((const unsigned char *)s + i, n - i);
		i += l ? l : 1;
	}
	s[i] = '\0';
}

int sms_render_text(const struct sms_template *t, json_t *vars, int max_chars, char *out,
                    size_t cap, char *why, size_t whycap)
{
	if (!json_is_object(vars)) {
		snprintf(why, whycap, "短信内容缺少 vars");
		return -1;
	}
	int rc = sms_fill(t->text, var_look, vars, ESC_LINE, out, cap, why, whycap);
	if (rc == -2) { /* values cut below anyway: fill what fits */
		out[utf8_cut(out, strlen(out), cap - 1)] = '\0';
		rc = 0;
	}
	if (rc != 0)
		return -1;
	cut_chars(out, max_chars);
	return 0;
}

static const char *const gw_names[] = {"phone", "text", "sign_name", "template_id", "id", "params"};

const char *sms_gw_look(const char *name, const void *arg)
{
	const struct sms_gw_values *v = arg;
	const char *vals[] = {v->phone, v->text, v->sign, v->template_id, v->id, v->params};
	for (size_t i = 0; i < sizeof gw_names / sizeof gw_names[0]; i++)
		if (!strcmp(name, gw_names[i]))
			return vals[i] ? vals[i] : "";
	for (int i = 0; v->gw && i < v->gw->nsecrets; i++)
		if (!strcmp(name, v->gw->secrets[i].name))
			return v->gw->secrets[i].value;
	return NULL;
}

bool sms_gw_known(const char *name, void *arg)
{
	struct sms_gw_values v = {.gw = arg};
	return sms_gw_look(name, &v) != NULL;
}

/* A filled copy of s (esc), owned by the caller; NULL with why. */
static char *fill_dup(const char *s, const struct sms_gw_values *v, enum sms_escape esc, char *why,
                      size_t whycap)
{
	char *out = malloc(SMS_GATEWAY_TEXT);
	if (!out) {
		snprintf(why, whycap, "内存不足");
		return NULL;
	}
	if (sms_fill(s, sms_gw_look, v, esc, out, SMS_GATEWAY_TEXT, why, whycap) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The JSON body: every string value of the template object filled, the
 * whole dumped by jansson (which escapes). */
static int fill_json(json_t *o, const struct sms_gw_values *v, char *why, size_t whycap)
{
	const char *k;
	json_t *val;
	json_object_foreach(o, k, val)
	{
		if (json_is_object(val) && fill_json(val, v, why, whycap) != 0)
			return -1;
		if (!json_is_string(val))
			continue;
		char *s = fill_dup(json_string_value(val), v, ESC_NONE, why, whycap);
		if (!s)
			return -1;
		int rc = json_string_set(val, s);
		free(s);
		if (rc != 0) {
			snprintf(why, whycap, "请求体不是有效的 UTF-8");
			return -1;
		}
	}
	return 0;
}

/* The form body: key=value pairs, each value filled and percent-encoded. */
static char *fill_form(json_t *o, const struct sms_gw_values *v, char *why, size_t whycap)
{
	char *out = malloc(SMS_BODY_MAX);
	if (!out)
		return NULL;
	size_t len = 0;
	out[0] = '\0';
	const char *k;
	json_t *val;
	json_object_foreach(o, k, val)
	{
		char *s = fill_dup(json_string_value(val), v, ESC_URL, why, whycap);
		char *ek = curl_easy_escape(NULL, k, (int)strlen(k));
		int rc = s && ek && (!len || put(out, SMS_BODY_MAX, &len, "&", 1) == 0) &&
		                 put(out, SMS_BODY_MAX, &len, ek, strlen(ek)) == 0 &&
		                 put(out, SMS_BODY_MAX, &len, "=", 1) == 0 &&
		                 put(out, SMS_BODY_MAX, &len, s, strlen(s)) == 0
		             ? 0
		             : -1;
		if (rc != 0 && s)
			snprintf(why, whycap, "请求体过长");
		free(s);
		curl_free(ek);
		if (rc != 0) {
			free(out);
			return NULL;
		}
	}
	return out;
}

int sms_request_build(const struct sms_gateway *gw, const struct sms_gw_values *v,
                      struct sms_request *rq, char *why, size_t whycap)
{
	memset(rq, 0, sizeof *rq);
	why[0] = '\0';
	rq->url = fill_dup(gw->url, v, ESC_URL, why, whycap);
	if (!rq->url)
		goto fail;
	for (int i = 0; i < gw->nheaders; i++) {
		char *val = fill_dup(gw->headers[i].value, v, ESC_LINE, why, whycap);
		if (!val)
			goto fail;
		size_t n = strlen(gw->headers[i].name) + strlen(val) + 3;
		rq->headers[i] = malloc(n);
		if (rq->headers[i])
			snprintf(rq->headers[i], n, "%s: %s", gw->headers[i].name, val);
		free(val);
		if (!rq->headers[rq->nheaders++])
			goto fail;
	}
	if (gw->body_kind == BODY_JSON) {
		json_t *b = json_deep_copy(gw->body);
		if (!b || fill_json(b, v, why, whycap) != 0) {
			json_decref(b);
			goto fail;
		}
		rq->body = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		if (!rq->body)
			goto fail;
	} else if (gw->body_kind == BODY_FORM) {
		rq->body = fill_form(gw->body, v, why, whycap);
		if (!rq->body)
			goto fail;
	}
	return 0;
fail:
	if (!why[0])
		snprintf(why, whycap, "内存不足");
	sms_request_release(rq);
	return -1;
}

void sms_request_release(struct sms_request *rq)
{
	free(rq->url);
	for (int i = 0; i < rq->nheaders; i++)
		free(rq->headers[i]);
	free(rq->body);
	memset(rq, 0, sizeof *rq);
}

bool sms_gateway_ok(const struct sms_gateway *gw, long status, const char *body)
{
	if (status < 200 || status > 299)
		return false;
	if (!gw->ok_field)
		return true;
	json_t *r = json_loads(body ? body : "", 0, NULL);
	bool ok = json_equal(json_object_get(r, gw->ok_field), gw->ok_value);
	json_decref(r);
	return ok;
}
