/*
 * Open311's input (docs/open311.md): the form-encoded POST bodies
 * (application/x-www-form-urlencoded, UTF-8, decoded with libmicrohttpd's
 * MHD_http_unescape, never by hand), the query of the GETs, field limits,
 * the api_key (api/apikey_auth.h: scope open311.submit, the key's org and
 * rate) and the date window of the lists.
 */
#include "api/open311.h"
#include "api/apikey_auth.h"
#include "core/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define O311_FIELD_NAME_MAX 64
#define FORM_TYPE "application/x-www-form-urlencoded"

/* One "name=value" piece, decoded in place: 0, or -1 with r->err. */
static int form_piece(struct req *r, struct o311_ctx *ctx, char *piece)
{
	char *eq = strchr(piece, '=');
	char *val = eq ? eq + 1 : piece + strlen(piece);
	if (eq)
		*eq = '\0';
	for (char *p = piece; p < val; p++)
		if (*p == '+')
			*p = ' ';
	for (char *p = val; *p; p++)
		if (*p == '+')
			*p = ' ';
	size_t dk = MHD_http_unescape(piece), dv = MHD_http_unescape(val);
	/* a %00 decodes to a NUL: the length says so */
	if (strlen(piece) != dk || strlen(val) != dv || !utf8_valid(piece, dk) ||
	    !utf8_valid(val, dv))
		return err_set(&r->err, E_BAD_ENCODING, NULL,
		               "表单中含有无效的 UTF-8 编码或空字符");
	if (dk == 0 || dk > O311_FIELD_NAME_MAX)
		return err_set(&r->err, E_BAD_REQUEST, NULL, "表单字段名不正确");
	for (int i = 0; i < ctx->nform; i++)
		if (!strcmp(ctx->form[i].name, piece))
			return err_set(&r->err, E_BAD_REQUEST, NULL, "表单字段重复");
	if (ctx->nform >= O311_FORM_FIELDS_MAX)
		return err_set(&r->err, E_BAD_REQUEST, NULL, "表单字段过多（至多 %d 个）",
		               O311_FORM_FIELDS_MAX);
	ctx->form[ctx->nform].name = piece;
	ctx->form[ctx->nform].value = val;
	ctx->nform++;
	return 0;
}

int o311_form(struct req *r, struct o311_ctx *ctx)
{
	const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ct || strncasecmp(ct, FORM_TYPE, strlen(FORM_TYPE)) ||
	    (ct[strlen(FORM_TYPE)] && ct[strlen(FORM_TYPE)] != ';'))
		return err_set(&r->err, E_BAD_REQUEST, NULL,
		               "请求体须为 application/x-www-form-urlencoded（UTF-8）");
	if (r->body.len)
		memcpy(ctx->buf, r->body.data, r->body.len);
	ctx->buf[r->body.len] = '\0';
	if (strlen(ctx->buf) != r->body.len)
		return err_set(&r->err, E_BAD_ENCODING, NULL, "表单中含有空字符");
	char *p = ctx->buf;
	while (p && *p) {
		char *amp = strchr(p, '&');
		if (amp)
			*amp = '\0';
		if (*p && form_piece(r, ctx, p) != 0)
			return -1;
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

const char *o311_field(struct req *r, struct o311_ctx *ctx, const char *name)
{
	const char *v = NULL;
	if (!strcmp(r->method, "POST")) {
		for (int i = 0; i < ctx->nform; i++)
			if (!strcmp(ctx->form[i].name, name))
				v = ctx->form[i].value;
	} else {
		v = req_query(r, name);
	}
	return v && *v ? v : NULL;
}

int o311_text(struct req *r, const char *name, const char *v, size_t max, bool multiline)
{
	if (!v)
		return 0;
	if (text_has_control(v, multiline))
		return err_set(&r->err, E_FIELD_INVALID, name, "%s 含有控制字符", name);
	if (utf8_chars(v) > max)
		return err_set(&r->err, E_FIELD_TOO_LONG, name, "%s 最多 %zu 字", name, max);
	return 0;
}

int o311_key(struct req *r, struct o311_ctx *ctx)
{
	const char *key = o311_field(r, ctx, "api_key");
	if (!key) /* the spec's form field, or the header other civicloop clients send */
		key = req_header(r, "X-API-Key");
	if (!key)
		return err_set(&r->err, E_FORBIDDEN, "api_key", "缺少 api_key");
	if (apikey_authorize(r, key, "open311.submit") != 0)
		return -1;
	ctx->key_id = r->actor.apikey_id;
	return 0;
}

bool o311_url_ok(const char *u)
{
	if (strlen(u) > O311_URL_MAX ||
	    (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0))
		return false;
	for (; *u; u++)
		if (*u < 0x21 || *u > 0x7e)
			return false;
	return true;
}

static int window_date(struct req *r, const char *name, int64_t *out)
{
	const char *v = req_query(r, name);
	if (!v || !*v)
		return 0;
	if (strlen(v) > 40 || time_parse_iso(v, out) != 0)
		return err_set(&r->err, E_FIELD_INVALID, name,
		               "%s 须为 W3C 时间，如 2026-12-01T10:00:00+08:00", name);
	return 1;
}

int o311_window(struct req *r, int64_t *from, int64_t *to)
{
	const int64_t span = O311_WINDOW_DAYS * MS_PER_DAY;
	int64_t a = 0, b = 0;
	int ha = window_date(r, "start_date", &a), hb = window_date(r, "end_date", &b);
	if (ha < 0 || hb < 0)
		return -1;
	if (!hb)
		b = ha ? a + span : time_now_ms() + 1;
	if (!ha)
		a = b - span;
	if (b < a)
		return err_set(&r->err, E_FIELD_INVALID, "end_date",
		               "end_date 不能早于 start_date");
	if (b - a > span)
		return err_set(&r->err, E_FIELD_INVALID, "end_date",
		               "start_date 与 end_date 至多相隔 %d 天", O311_WINDOW_DAYS);
	*from = a;
	*to = b;
	return 0;
}
