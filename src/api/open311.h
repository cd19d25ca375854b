/*
 * What the Open311 GeoReport v2 files share (api/open311*.c; docs/open311.md).
 * Each answer is built once as JSON (the shape of the spec's JSON format)
 * and written either as JSON or, through libxml2's xmlTextWriter, as the
 * spec's XML (open311_xml.c); errors are the spec's list of
 * {code, description} in the request's format, whatever failed.
 */
#ifndef CIVICLOOP_API_OPEN311_H
#define CIVICLOOP_API_OPEN311_H

#include "api/api.h"
#include "core/engine.h"

#define O311_TEXT_MAX 4000      /* characters of a description */
#define O311_NAME_MAX 32        /* characters of first_name, last_name */
#define O311_EMAIL_MAX 254      /* bytes */
#define O311_URL_MAX 1000       /* bytes of a media_url (http or https, ASCII) */
#define O311_ID_MAX 64          /* bytes of a client's update_id */
#define O311_ATTR_MAX 16        /* attribute[code] fields in one POST */
#define O311_FORM_FIELDS_MAX 64 /* fields in one form body */
#define O311_PAGE_SIZE_MAX 1000 /* page_size, and updates in one answer */
#define O311_PAGE_MAX 10000
#define O311_WINDOW_DAYS 90 /* start_date..end_date: default and most */
#define O311_UPDATE_PREFIX "cl-"

enum o311_format { O311_JSON, O311_XML };

struct o311_field {
	const char *name, *value; /* in o311_ctx.buf, decoded, valid UTF-8 */
};

/* Handler scratch (r->hctx, one allocation freed with the request): the
 * format asked for, the decoded form, what a writer job needs. */
struct o311_ctx {
	enum o311_format fmt;
	const char *root, *item; /* the answer's XML names (static) */
	int64_t key_id;
	char token[33]; /* POST requests: the token answered */
	char no[33];    /* the case number, when known */
	const char *client_id, *status, *media_url, *description; /* borrowed from form */
	int nform;
	struct o311_field form[O311_FORM_FIELDS_MAX];
	char buf[]; /* the form's decoded bytes (room for the whole body) */
};

/* open311_write.c */
/* Starts an Open311 handler: its context (the format from the path's last
 * parameter `param`, "json" or "xml"), the error renderer, the query's
 * encoding checked. NULL with r->err set when any fails (answer with
 * reply_failed). */
struct o311_ctx *o311_begin(struct req *r, int param);
/* Answers doc (stolen) with status in the request's format: XML's root
 * element `root` holds each item of an array doc as `item`, or an object's
 * members. */
enum handler_result o311_reply(struct req *r, int status, const char *root, const char *item,
                               json_t *doc);
/* Sets the answer of a writer job (r->out, as JSON): 0, or -1 with r->err
 * (doc NULL). The handler sets r->after_commit = o311_finish, which writes
 * it as XML when that was asked for. */
int o311_answer(struct req *r, int status, const char *root, const char *item, json_t *doc);
void o311_finish(struct req *r);
/* A W3C time "2026-12-01T10:00:00+08:00" (whole seconds), or JSON null for 0. */
json_t *o311_time(int64_t ms);
/* XML of doc (see o311_reply) into a malloc'd buffer of *len bytes, or NULL. */
char *o311_xml(const char *root, const char *item, json_t *doc, size_t *len);

/* open311_form.c */
/* The form-encoded body (application/x-www-form-urlencoded, UTF-8) into
 * ctx->form: 0, or -1 with r->err set (400: not a form, bad encoding, a
 * field twice, too many). */
int o311_form(struct req *r, struct o311_ctx *ctx);
/* A field of the form or the query as text: NULL when absent or empty. */
const char *o311_field(struct req *r, struct o311_ctx *ctx, const char *name);
/* An optional text field: 0 (also when absent), or -1 with r->err set when
 * it has control characters or more than max characters. */
int o311_text(struct req *r, const char *name, const char *v, size_t max, bool multiline);
/* The api_key field, authorized for open311.submit (api/apikey_auth.h)
 * into r->actor and ctx->key_id: 0, or -1 with r->err (403, 429). */
int o311_key(struct req *r, struct o311_ctx *ctx);
/* A media_url: http:// or https://, printable ASCII, at most O311_URL_MAX. */
bool o311_url_ok(const char *u);
/* start_date/end_date into [*from, *to): default the last 90 days, at most
 * 90 days apart. 0, or -1 with r->err. */
int o311_window(struct req *r, int64_t *from, int64_t *to);

/* open311_services.c */
struct o311_service {
	const char *code;  /* ASCII, stable: the service_code */
	const char *class; /* the hotline class it files as */
	const char *description;
	const char *keywords;
};
/* The hotline type (NULL if not loaded). */
const struct matter_type *o311_type(const struct app *app);
/* The service of code, or of class; NULL if none (or the class is gone). */
const struct o311_service *o311_service_by_code(const struct app *app, const char *code);
const struct o311_service *o311_service_by_class(const struct app *app, const char *cls);

/* open311_view.c */
/* A public request as the spec's `request` (extended: extended_attributes). */
json_t *o311_request_json(struct store_conn *c, const struct app *app, const struct case_full *cf,
                          const char *media_url, bool extended);
/* The public update of one event row of ST_O311_EVENTS_* (columns from
 * col 0), or NULL when the event is not public. */
json_t *o311_update_json(struct store_stmt *s, const struct matter_type *t, const char *no);

#endif
