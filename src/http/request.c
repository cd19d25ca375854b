/*
 * What handlers use to read a request and answer it (http.h), and the checks
 * every request passes before it is routed: percent-decoding that cannot hide
 * a NUL, a bound on query arguments, and valid UTF-8 in the path and query
 * (docs/trust.md §1).
 */
#include "http/http.h"
#include "http/http_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/crypto.h"
#include "util/utf8.h"

const char *req_query(struct req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

int req_query_int(struct req *r, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	const char *v = req_query(r, name);
	if (!v)
		return 0;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < lo || n > hi)
		return err_set(&r->err, E_FIELD_INVALID, name, "参数 %s 须为 %lld–%lld 的整数",
		               name, (long long)lo, (long long)hi);
	*out = n;
	return 0;
}

const char *req_header(struct req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key);
}

enum handler_result reply_json(struct req *r, int status, json_t *body)
{
	r->status = status;
	json_decref(r->out);
	r->out = body;
	return H_DONE;
}

enum handler_result reply_err(struct req *r, enum err_kind kind, const char *field, const char *msg)
{
	if (msg)
		err_set(&r->err, kind, field, "%s", msg);
	else
		err_set(&r->err, kind, field, NULL);
	r->failed = true;
	return H_DONE;
}

enum handler_result reply_failed(struct req *r)
{
	r->failed = true;
	return H_DONE;
}

/* True if the If-None-Match header value names etag (a quoted tag): "*",
 * or one of its comma-separated tags, weak (W/) or strong. */
static bool etag_matches(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	for (const char *p = header; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (!strncmp(p, etag, n) && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

enum handler_result reply_cacheable(struct req *r, json_t *body, const char *cache_control)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(body);
	if (!text)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	unsigned char h[HASH_LEN];
	hash_blake2b(h, "civicloop.etag", 14, text, strlen(text));
	char hex[HEX_LEN(16)];
	hex_encode(h, 16, hex);
	snprintf(r->etag, sizeof r->etag, "\"%s\"", hex);
	r->cache_control = cache_control;
	if (etag_matches(req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), r->etag)) {
		free(text);
		text = strdup("");
		if (!text)
			return reply_err(r, E_UNAVAILABLE, NULL, NULL);
		r->status = 304;
	} else {
		r->status = 200;
		r->content_type = "application/json; charset=utf-8";
	}
	r->raw = text;
	r->raw_len = strlen(text);
	return H_DONE;
}

void req_allow_time(struct req *r, int seconds)
{
	if (r->reaper)
		reaper_extend(r->reaper, r->conn, (int64_t)seconds * 1000);
}

void req_reply_file(struct req *r, int fd, int64_t size, const char *content_type,
                    const char *disposition)
{
	if (NEVER(r->has_file))
		close(r->file_fd);
	r->has_file = true;
	r->file_fd = fd;
	r->file_size = size;
	r->content_type = content_type;
	snprintf(r->disposition, sizeof r->disposition, "%s", disposition ? disposition : "");
}

int req_json_value(struct req *r)
{
	const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] && ct[16] != ';' && ct[16] != ' '))
		return err_set(&r->err, E_MEDIA_TYPE, NULL, NULL);
	json_error_t je;
	r->in = json_loadb(r->body.data ? r->body.data : "", r->body.len,
	                   JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!r->in)
		return err_set(&r->err, E_BAD_JSON, NULL, "请求体不是合法的 JSON：%s（第 %d 字节）",
		               je.text, je.position);
	return 0;
}

int req_json(struct req *r)
{
	if (req_json_value(r) != 0)
		return -1;
	if (!json_is_object(r->in))
		return err_set(&r->err, E_BAD_REQUEST, NULL, "请求体必须是 JSON 对象");
	return 0;
}

int64_t req_param_id(struct req *r, int i)
{
	const char *s = r->params[i];
	/* one spelling per id: "01", "+1" or " 1" name no case */
	if (!*s || *s == '0' || strlen(s) > 18)
		return -1;
	int64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v > 0 ? v : -1;
}

/* Counts query arguments whose key or value is not valid UTF-8 (a %00 is
 * decoded to the invalid bytes C0 80 by unescape()). */
static enum MHD_Result arg_check(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
	int *bad = cls;
	if (!utf8_valid(key, key_size) || (value && !utf8_valid(value, value_size)))
		(*bad)++;
	return MHD_YES;
}

/* Every string that can reach a response or the database must be valid
 * UTF-8: the path and the query are checked here, before anything can echo
 * them; JSON bodies are checked by jansson, which refuses invalid UTF-8 and
 * \u0000. */
int req_encoding_check(struct req *r)
{
	if (r->too_many_args)
		return err_set(&r->err, E_BAD_REQUEST, NULL, "查询参数过多（至多 %d 个）",
		               HTTP_MAX_QUERY_ARGS);
	int bad = 0;
	MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, arg_check, &bad);
	if (bad || !utf8_valid(r->url, strlen(r->url)))
		return err_set(&r->err, E_BAD_ENCODING, NULL, NULL);
	/* header values may be Latin-1 and are not echoed; libmicrohttpd cuts
	 * one at a raw NUL before we see it (docs/trust.md §6) */
	const char *key = req_header(r, "Idempotency-Key");
	for (const char *p = key; p && *p; p++)
		if (*p < 0x21 || *p > 0x7e) /* printable ASCII, no spaces */
			return err_set(&r->err, E_BAD_ENCODING, "Idempotency-Key",
			               "Idempotency-Key 只能由可见 ASCII 字符组成");
	return 0;
}

/*
 * Percent-decoding of the path and of query keys and values (MHD's unescape
 * hook). As MHD's own, except that %00 becomes the bytes C0 80 (NUL in
 * "modified UTF-8", never valid UTF-8) instead of a NUL that would silently
 * cut the string: "/cases/1%00x" must be refused, not served as "/cases/1".
 * The encoding check then answers 400. The result is never longer than the
 * input. Returns the new length.
 */
size_t req_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *w = s;
	for (const char *p = s; *p; p++) {
		int hi, lo;
		if (p[0] == '%' && (hi = hex_digit((unsigned char)p[1])) >= 0 &&
		    (lo = hex_digit((unsigned char)p[2])) >= 0) {
			int v = hi * 16 + lo;
			if (v == 0) {
				*w++ = (char)0xC0;
				*w++ = (char)0x80;
			} else {
				*w++ = (char)v;
			}
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/*
 * Called with the request line's URI before MHD parses the query. libmicro-
 * httpd 0.9.75 hangs when the query has more arguments than its connection
 * memory pool can record (it logs a 431 it cannot send). So a query of more
 * than HTTP_MAX_QUERY_ARGS arguments is cut off here, in MHD's own buffer
 * (it is ours to read and MHD's to write; if a later MHD copies it first,
 * this does nothing and MHD's own limit applies), and the request is marked
 * to be answered 400. The req made here becomes the request's context.
 */
void *req_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct req *r = calloc(1, sizeof *r);
	const char *q = uri ? strchr(uri, '?') : NULL;
	if (!r || !q)
		return r;
	int nargs = 1;
	for (const char *p = q + 1; *p; p++)
		nargs += *p == '&' || *p == ';';
	if (nargs > HTTP_MAX_QUERY_ARGS && q[1]) {
		r->too_many_args = true;
		*(char *)(uintptr_t)(q + 1) = '\0';
	}
	return r;
}
