/*
 * Writing Open311 answers (docs/open311.md): one JSON document, written as
 * the spec's JSON or as its XML with libxml2's xmlTextWriter (never by
 * hand). XML: a declared UTF-8 document with one root; an array's items
 * are repeated children; a member that is an array becomes a wrapper
 * element whose children are named by o311_child (attributes/attribute,
 * values/value, endpoints/endpoint, formats/format); a member that is an
 * object nests; null is an empty element; ids and codes are plain text.
 * Errors (any failure of an Open311 route, the writer's and the store's
 * included) are the spec's list: XML <errors><error><code/><description/>,
 * JSON [{"code","description"}], the code being the HTTP status.
 */
#include "api/open311.h"
#include "core/app.h"

#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* libxml2 text of a C string (its BAD_CAST drops the const) */
#define XC(s) ((const xmlChar *)(s))

static const char *const o311_children[][2] = {
    {"attributes", "attribute"}, {"values", "value"}, {"endpoints", "endpoint"},
    {"formats", "format"},       {"errors", "error"},
};

static const char *o311_child(const char *wrapper)
{
	for (size_t i = 0; i < sizeof o311_children / sizeof *o311_children; i++)
		if (!strcmp(o311_children[i][0], wrapper))
			return o311_children[i][1];
	return "item";
}

static int xml_value(xmlTextWriterPtr w, const char *name, json_t *v);

static int xml_members(xmlTextWriterPtr w, json_t *obj)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		if (xml_value(w, k, v) < 0)
			return -1;
	}
	return 0;
}

/* <name>v</name>, as the header comment says. */
static int xml_value(xmlTextWriterPtr w, const char *name, json_t *v)
{
	char num[64];
	if (xmlTextWriterStartElement(w, XC(name)) < 0)
		return -1;
	int rc = 0;
	size_t i;
	json_t *x;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		rc = xml_members(w, v);
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, x)
		{
			if (xml_value(w, o311_child(name), x) < 0)
				return -1;
		}
		break;
	case JSON_STRING:
		rc = xmlTextWriterWriteString(w, XC(json_string_value(v)));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		rc = xmlTextWriterWriteString(w, XC(num));
		break;
	case JSON_REAL:
		snprintf(num, sizeof num, "%.8f", json_real_value(v));
		rc = xmlTextWriterWriteString(w, XC(num));
		break;
	case JSON_TRUE:
		rc = xmlTextWriterWriteString(w, XC("true"));
		break;
	case JSON_FALSE:
		rc = xmlTextWriterWriteString(w, XC("false"));
		break;
	case JSON_NULL:
		break; /* an empty element */
	}
	if (rc < 0)
		return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

char *o311_xml(const char *root, const char *item, json_t *doc, size_t *len)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	char *out = NULL;
	if (!w)
		goto out;
	int rc = xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
	if (rc >= 0)
		rc = xmlTextWriterStartElement(w, XC(root));
	if (rc >= 0 && json_is_array(doc)) {
		size_t i;
		json_t *x;
		json_array_foreach(doc, i, x)
		{
			if (xml_value(w, item, x) < 0) {
				rc = -1;
				break;
			}
		}
	} else if (rc >= 0) {
		rc = xml_members(w, doc);
	}
	if (rc >= 0)
		rc = xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w); /* flushes into buf */
	w = NULL;
	if (rc < 0)
		goto out;
	*len = (size_t)xmlBufferLength(buf);
	out = malloc(*len + 1);
	if (out) {
		memcpy(out, xmlBufferContent(buf), *len);
		out[*len] = '\0';
	}
out:
	if (buf)
		xmlBufferFree(buf);
	return out;
}

/* http.h error_body: the spec's error list in the request's format. */
static char *o311_error_body(const struct req *r, size_t *len, const char **ctype)
{
	const struct o311_ctx *ctx = r->hctx;
	const char *msg = err_message(&r->err);
	json_t *list = json_pack("[{s:i,s:s}]", "code", r->status, "description", msg);
	if (!list)
		return NULL;
	char *body = NULL;
	if (ctx && ctx->fmt == O311_XML) {
		body = o311_xml("errors", "error", list, len);
		*ctype = "text/xml; charset=utf-8";
	} else {
		body = json_dumps(list, JSON_COMPACT);
		*len = body ? strlen(body) : 0;
		*ctype = "application/json; charset=utf-8";
	}
	json_decref(list);
	return body;
}

struct o311_ctx *o311_begin(struct req *r, int param)
{
	struct o311_ctx *ctx = calloc(1, sizeof *ctx + r->body.len + 1);
	if (!ctx) {
		err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		return NULL;
	}
	r->hctx = ctx; /* freed with the request */
	r->error_body = o311_error_body;
	const char *f = r->params[param];
	if (!strcmp(f, "xml"))
		ctx->fmt = O311_XML;
	else if (strcmp(f, "json")) {
		err_set(&r->err, E_ROUTE_NOT_FOUND, "format", "格式只能是 .json 或 .xml");
		return NULL;
	}
	if (req_encoding_check(r) != 0)
		return NULL;
	if (r->too_large) {
		err_set(&r->err, E_TOO_LARGE, NULL, "请求体超过 1 MiB");
		return NULL;
	}
	return ctx;
}

int o311_answer(struct req *r, int status, const char *root, const char *item, json_t *doc)
{
	struct o311_ctx *ctx = r->hctx;
	if (!doc)
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	json_decref(r->out);
	r->out = doc;
	ctx->root = root;
	ctx->item = item;
	r->status = status;
	return 0;
}

void o311_finish(struct req *r)
{
	struct o311_ctx *ctx = r->hctx;
	if (ctx->fmt == O311_JSON || !r->out)
		return;
	size_t len = 0;
	char *xml = o311_xml(ctx->root, ctx->item, r->out, &len);
	json_decref(r->out);
	r->out = NULL;
	if (!xml) {
		err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
		r->failed = true;
		return;
	}
	r->raw = xml;
	r->raw_len = len;
	r->content_type = "text/xml; charset=utf-8";
}

enum handler_result o311_reply(struct req *r, int status, const char *root, const char *item,
                               json_t *doc)
{
	if (o311_answer(r, status, root, item, doc) != 0)
		return reply_failed(r);
	o311_finish(r);
	return r->failed ? reply_failed(r) : H_DONE;
}

json_t *o311_time(int64_t ms)
{
	if (!ms)
		return json_null();
	char buf[ISO8601_MAX];
	time_format_iso(ms - ms % 1000, buf, sizeof buf);
	return json_string(buf);
}
