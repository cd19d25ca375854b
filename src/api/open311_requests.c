/*
 * Open311 service requests (docs/open311.md): POST
 * /open311/v2/requests.{format} turns a citizen's request into a hotline
 * case on channel open311 (through the writer, as the 110 hand-over does:
 * api/linkage.c) and answers its number and a token; GET requests.{format}
 * lists the public requests, requests/{id}.{format} shows one,
 * tokens/{token}.{format} names the request a token stands for.
 *
 * Public means: taken through Open311 and not confidential. Cases raised by
 * phone, WeChat, 110 … are never listed, whatever their status: their
 * callers did not publish what they said.
 */
#include "api/open311.h"
#include "core/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/text.h"
#include "util/timeutil.h"

#define O311_CATEGORY_MAX 64
#define O311_IDS_MAX 100 /* service_request_id's comma list */

static bool email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	if (strlen(s) > O311_EMAIL_MAX || !at || at == s || !at[1] || strchr(at + 1, '@'))
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* A coordinate: the whole text a finite number in [-lim, lim]. */
static bool coord_parse(const char *s, double lim, double *out)
{
	char *end = NULL;
	if (!s || strlen(s) > 32)
		return false;
	*out = strtod(s, &end);
	return end != s && !*end && isfinite(*out) && *out >= -lim && *out <= lim;
}

/* media_url and attribute[…]: 0 or -1. Other fields a client may send
 * (jurisdiction_id, device_id, account_id, address_id …) are ignored. */
static int request_extras(struct req *r, struct o311_ctx *ctx, const char **category)
{
	*category = NULL;
	for (int i = 0; i < ctx->nform; i++) {
		const char *n = ctx->form[i].name;
		if (!strncmp(n, "attribute[", 10)) {
			if (strcmp(n, "attribute[category]"))
				return err_set(&r->err, E_FIELD_UNKNOWN, "attribute",
				               "该服务没有这个属性（只有 attribute[category]）");
			*category = *ctx->form[i].value ? ctx->form[i].value : NULL;
		}
	}
	if (o311_text(r, "attribute[category]", *category, O311_CATEGORY_MAX, false) != 0)
		return -1;
	ctx->media_url = o311_field(r, ctx, "media_url");
	if (ctx->media_url && !o311_url_ok(ctx->media_url))
		return err_set(&r->err, E_FIELD_INVALID, "media_url",
		               "media_url 须为 http 或 https 网址（至多 %d 字节）", O311_URL_MAX);
	return 0;
}

/* Where: lat/long (WGS-84) or address_string, or both. */
static int request_location(struct req *r, struct o311_ctx *ctx, json_t *body)
{
	const char *lat = o311_field(r, ctx, "lat"), *lng = o311_field(r, ctx, "long");
	const char *addr = o311_field(r, ctx, "address_string");
	double la = 0, lo = 0;
	if ((lat || lng) && !(coord_parse(lat, 90, &la) && coord_parse(lng, 180, &lo)))
		return err_set(&r->err, E_FIELD_INVALID, lat ? "long" : "lat",
		               "lat 和 long 须同时给出，为 WGS-84 经纬度数值");
	if (o311_text(r, "address_string", addr, CASE_ADDRESS_MAX, false) != 0)
		return -1;
	if (!lat && !addr)
		return err_set(&r->err, E_FIELD_REQUIRED, "lat",
		               "须给出位置：lat 和 long，或 address_string");
	json_t *loc = json_object();
	if (lat) {
		json_object_set_new(loc, "lat", json_real(la));
		json_object_set_new(loc, "lng", json_real(lo));
	}
	if (addr)
		json_object_set_new(loc, "address", json_string(addr));
	json_object_set_new(body, "location", loc);
	return 0;
}

/* The reporter: a name (a Chinese name arrives whole in first_name) and a
 * phone; the email is checked and not kept. */
static int request_reporter(struct req *r, struct o311_ctx *ctx, json_t *body)
{
	const char *first = o311_field(r, ctx, "first_name"),
	           *last = o311_field(r, ctx, "last_name");
	const char *phone = o311_field(r, ctx, "phone"), *email = o311_field(r, ctx, "email");
	if (o311_text(r, "first_name", first, O311_NAME_MAX, false) != 0 ||
	    o311_text(r, "last_name", last, O311_NAME_MAX, false) != 0)
		return -1;
	if (email && !email_ok(email))
		return err_set(&r->err, E_FIELD_INVALID, "email", "email 不正确");
	if (phone && !phone_valid(phone))
		return err_set(&r->err, E_FIELD_INVALID, "phone",
		               "电话号码不正确（手机 11 位，座机含区号）");
	/* a Chinese surname sent apart in last_name goes first, with no space
	 * (李 + 小明 is 李小明); a Latin one goes last, after a space */
	char name[2 * 4 * O311_NAME_MAX + 2];
	bool latin = !last || (unsigned char)*last < 0x80;
	const char *a = latin ? first : last, *b = latin ? last : first;
	snprintf(name, sizeof name, "%s%s%s", a ? a : "", latin && a && *a && b && *b ? " " : "",
	         b ? b : "");
	json_t *rep = json_object();
	if (*name)
		json_object_set_new(rep, "name", json_string(name));
	if (phone)
		json_object_set_new(rep, "phone", json_string(phone));
	if (json_object_size(rep))
		json_object_set_new(body, "reporter", rep);
	else
		json_decref(rep);
	return 0;
}

/* The case to create from the form into *out: 0, or -1 with r->err. */
static int request_build(struct req *r, struct o311_ctx *ctx, json_t **out)
{
	const char *code = o311_field(r, ctx, "service_code");
	if (!code)
		return err_set(&r->err, E_FIELD_REQUIRED, "service_code", "缺少 service_code");
	const struct o311_service *sv = o311_service_by_code(r->app, code);
	if (!sv)
		return err_set(&r->err, E_FIELD_INVALID, "service_code",
		               "没有这个服务（service_code）");
	const char *desc = o311_field(r, ctx, "description");
	if (!desc || text_blank(desc))
		return err_set(&r->err, E_FIELD_REQUIRED, "description",
		               "缺少诉求内容 description");
	if (o311_text(r, "description", desc, O311_TEXT_MAX, true) != 0)
		return -1;
	const char *category = NULL;
	if (request_extras(r, ctx, &category) != 0)
		return -1;
	json_t *body = json_pack("{s:s,s:s,s:s,s:s}", "type", "hotline", "class", sv->class,
	                         "channel", "open311", "description", desc);
	if (!body)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	if (category)
		json_object_set_new(body, "fields", json_pack("{s:s}", "category", category));
	if (request_location(r, ctx, body) != 0 || request_reporter(r, ctx, body) != 0) {
		json_decref(body);
		return -1;
	}
	*out = body;
	return 0;
}

/* writer: the case, its token, the answer. */
static int request_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct o311_ctx *ctx = r->hctx;
	json_t *out = NULL;
	if (engine_create(w, &r->actor, r->in, &out, &r->err) != 0)
		return -1;
	json_t *c = json_object_get(out, "case");
	int64_t id = json_integer_value(json_object_get(c, "id"));
	snprintf(ctx->no, sizeof ctx->no, "%s", json_string_value(json_object_get(c, "no")));
	json_decref(out);
	random_hex(ctx->token, 16);
	struct store_stmt *s = store_stmt(w->conn, ST_O311_REQ_INSERT);
	sbind_int(s, 1, id);
	sbind_text(s, 2, ctx->token);
	sbind_int(s, 3, ctx->key_id);
	if (ctx->media_url)
		sbind_text(s, 4, ctx->media_url);
	else
		sbind_null(s, 4);
	sbind_int(s, 5, w->now);
	if (sdone(s) != STORE_DONE)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	json_t *doc = json_pack("[{s:s,s:s,s:s,s:s}]", "service_request_id", ctx->no, "token",
	                        ctx->token, "service_notice", "", "account_id", "");
	return o311_answer(r, 200, "service_requests", "request", doc);
}

/* POST /open311/v2/requests.{format}: a citizen's request. */
enum handler_result api_o311_request_create(struct req *r)
{
	struct o311_ctx *ctx = o311_begin(r, 0);
	if (!ctx || o311_form(r, ctx) != 0 || o311_key(r, ctx) != 0)
		return reply_failed(r);
	json_t *body = NULL;
	if (request_build(r, ctx, &body) != 0)
		return reply_failed(r);
	json_decref(r->in);
	r->in = body; /* freed with the request */
	r->after_commit = o311_finish;
	return reply_async(r, request_job);
}

/* The public request of case number no into *list: 0 added, 1 none. */
static int request_add(struct req *r, const char *no, bool ext, json_t *list)
{
	struct store_stmt *s = store_stmt(r->reader, ST_O311_REQ_BY_NO);
	sbind_text(s, 1, no);
	int64_t id = 0;
	char media[O311_URL_MAX + 1] = "";
	if (sstep(s) == STORE_ROW) {
		id = scol_int(s, 0);
		snprintf(media, sizeof media, "%s", scol_null(s, 1) ? "" : scol_text(s, 1));
	}
	sreset(s);
	struct case_full cf;
	if (!id || case_load(r->reader, r->app, id, &cf) != 0)
		return 1;
	json_t *o = o311_request_json(r->reader, r->app, &cf, *media ? media : NULL, ext);
	case_full_release(&cf);
	json_array_append_new(list, o);
	return 0;
}

/* GET /open311/v2/requests/{id}.{format}: one public request. */
enum handler_result api_o311_request_get(struct req *r)
{
	struct o311_ctx *ctx = o311_begin(r, 1);
	if (!ctx)
		return reply_failed(r);
	json_t *list = json_array();
	const char *ext = req_query(r, "extensions");
	if (!public_no_ok(r->params[0]) ||
	    request_add(r, r->params[0], ext && !strcmp(ext, "true"), list) != 0) {
		json_decref(list);
		return reply_err(r, E_NOT_FOUND, "service_request_id", "没有这个公开的诉求");
	}
	return o311_reply(r, 200, "service_requests", "request", list);
}

/* GET /open311/v2/tokens/{token}.{format}: the request a token stands for. */
enum handler_result api_o311_token(struct req *r)
{
	struct o311_ctx *ctx = o311_begin(r, 1);
	if (!ctx)
		return reply_failed(r);
	const char *tok = r->params[0];
	if (strlen(tok) == 32 && strspn(tok, "0123456789abcdef") == 32) {
		struct store_stmt *s = store_stmt(r->reader, ST_O311_REQ_BY_TOKEN);
		sbind_text(s, 1, tok);
		if (sstep(s) == STORE_ROW)
			snprintf(ctx->no, sizeof ctx->no, "%s", scol_text(s, 0));
		sreset(s);
	}
	if (!ctx->no[0])
		return reply_err(r, E_NOT_FOUND, "token", "没有这个 token");
	return o311_reply(r, 200, "service_requests", "request",
	                  json_pack("[{s:s,s:s}]", "service_request_id", ctx->no, "token", tok));
}

/* service_request_id=a,b,c: those public requests (unknown ones left out). */
static enum handler_result requests_by_ids(struct req *r, const char *ids, bool ext)
{
	char buf[O311_IDS_MAX * 33];
	if (strlen(ids) >= sizeof buf)
		return reply_err(r, E_FIELD_INVALID, "service_request_id",
		                 "service_request_id 至多 " TEXT_STR(O311_IDS_MAX) " 个");
	snprintf(buf, sizeof buf, "%s", ids);
	json_t *list = json_array();
	int n = 0;
	for (char *p = buf, *comma; p; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (++n > O311_IDS_MAX || !public_no_ok(p)) {
			json_decref(list);
			return reply_err(r, E_FIELD_INVALID, "service_request_id",
			                 "service_request_id 须为逗号分隔的诉求编号");
		}
		request_add(r, p, ext, list);
	}
	return o311_reply(r, 200, "service_requests", "request", list);
}

/* GET /open311/v2/requests.{format}: the public requests, newest first. */
enum handler_result api_o311_requests(struct req *r)
{
	struct o311_ctx *ctx = o311_begin(r, 0);
	if (!ctx)
		return reply_failed(r);
	const char *ext = req_query(r, "extensions");
	bool extended = ext && !strcmp(ext, "true");
	const char *ids = req_query(r, "service_request_id");
	if (ids && *ids)
		return requests_by_ids(r, ids, extended);
	int64_t from, to, page = 1, size = O311_PAGE_SIZE_MAX;
	if (o311_window(r, &from, &to) != 0 ||
	    req_query_int(r, "page", 1, O311_PAGE_MAX, &page) != 0 ||
	    req_query_int(r, "page_size", 1, O311_PAGE_SIZE_MAX, &size) != 0)
		return reply_failed(r);
	const char *code = req_query(r, "service_code"), *status = req_query(r, "status");
	const struct o311_service *sv = NULL;
	if (code && *code && !(sv = o311_service_by_code(r->app, code)))
		return reply_err(r, E_FIELD_INVALID, "service_code",
		                 "没有这个服务（service_code）");
	const char *want = NULL; /* "open", "closed", or NULL for both */
	if (status && *status) {
		bool o = false, c = false;
		char buf[32];
		if (strlen(status) >= sizeof buf)
			return reply_err(r, E_FIELD_INVALID, "status",
			                 "status 只能是 open 或 closed");
		snprintf(buf, sizeof buf, "%s", status);
		for (char *p = buf, *comma; p; p = comma ? comma + 1 : NULL) {
			comma = strchr(p, ',');
			if (comma)
				*comma = '\0';
			if (!strcmp(p, "open"))
				o = true;
			else if (!strcmp(p, "closed")) /* not a type name: Open311 status */
				c = true;
			else
				return reply_err(r, E_FIELD_INVALID, "status",
				                 "status 只能是 open 或 closed");
		}
		want = o && c ? NULL : o ? "open" : "closed"; /* not a type name */
	}
	struct store_stmt *s = store_stmt(r->reader, ST_O311_REQ_LIST);
	sbind_int(s, 1, from);
	sbind_int(s, 2, to);
	if (sv)
		sbind_text(s, 3, sv->class);
	else
		sbind_null(s, 3);
	if (want)
		sbind_text(s, 4, want);
	else
		sbind_null(s, 4);
	sbind_int(s, 5, size);
	sbind_int(s, 6, (page - 1) * size);
	int64_t ids_found[O311_PAGE_SIZE_MAX];
	char *media[O311_PAGE_SIZE_MAX];
	int n = 0;
	while (n < O311_PAGE_SIZE_MAX && sstep(s) == STORE_ROW) {
		ids_found[n] = scol_int(s, 0);
		media[n] = scol_null(s, 1) ? NULL : strdup(scol_text(s, 1));
		n++;
	}
	sreset(s);
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		struct case_full cf;
		if (case_load(r->reader, r->app, ids_found[i], &cf) == 0) {
			json_array_append_new(
			    list, o311_request_json(r->reader, r->app, &cf, media[i], extended));
			case_full_release(&cf);
		}
		free(media[i]);
	}
	return o311_reply(r, 200, "service_requests", "request", list);
}
