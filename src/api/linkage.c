/*
 * 110 linkage (API.md "110 linkage"): the police 110 system hands a
 * non-police incident over to the hotline. POST /api/v1/linkage/110 turns it
 * into a case of the type that declares "linkage": {"110": {...}} (the
 * hotline; core/type_data.h), on that block's channel, keeping the incident
 * number both in the block's incident_field and as the case's ext_ref
 * "110:<incident_no>", which is unique per type: the same incident handed
 * over again (a retry, or two posts racing) answers the existing case and
 * creates nothing.
 *
 * Not here: the hotline's own transfer to 110 (hotline → 110), which is an
 * ordinary case action of the type.
 *
 * The whole body is checked on the HTTP thread before any write, so a bad
 * body is a 400 whether or not the incident is known. The writer then looks
 * the incident up and creates the case only if it is new; jobs run one after
 * another, so of concurrent posts of one incident the first wins and the
 * others answer its case (their bodies are not compared). The unique index
 * on (type, ext_ref) is the backstop.
 *
 * Class: a `category` that names one of the type's classes (咨询, 求助, 投诉,
 * 举报, 建议, 表扬, 紧急 in the hotline) becomes the case's class; any other
 * category (or none) files the case under the block's class (求助, the class
 * of a diverted non-police call). The category is kept in the block's
 * category_field either way.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/utf8.h"

#define LINKAGE_REF_PREFIX "110:"
#define INCIDENT_NO_MAX 64
#define CATEGORY_MAX 64 /* characters, as the type's field */
#define FUTURE_SLACK_MS (5 * MS_PER_MINUTE)

/* Handler scratch, owned by the request (r->hctx); the case body to create
 * replaces the request body in r->in. */
struct linkage_ctx {
	char ext_ref[sizeof LINKAGE_REF_PREFIX + INCIDENT_NO_MAX]; /* "110:<incident_no>" */
	const struct matter_type *type;                            /* the type taking hand-overs */
};

static const char *const linkage_keys[] = {"incident_no", "received_at", "description",
                                           "caller",      "location",    "category"};
static const char *const caller_keys[] = {"name", "phone"};

static const struct text_rule description_rule = {
    .field = "description",
    .max = CASE_TEXT_MAX,
    .flags = TEXT_MULTILINE | TEXT_NONEMPTY,
    .invalid = "description 必须是非空文本",
    .too_long = "警情内容最多 " TEXT_STR(CASE_TEXT_MAX) " 字",
};
static const struct text_rule category_rule = {
    .field = "category",
    .max = CATEGORY_MAX,
    .flags = TEXT_NONEMPTY,
    .invalid = "category 必须是非空单行文本",
    .too_long = "类别最多 " TEXT_STR(CATEGORY_MAX) " 字",
};
static const struct text_rule caller_name_rule = {
    .field = "caller.name",
    .max = REPORTER_NAME_MAX,
    .invalid = "姓名必须是不超过 " TEXT_STR(REPORTER_NAME_MAX) " 字的字符串",
};

static bool incident_no_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > INCIDENT_NO_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* in[key], or NULL with *e set to field.required (msg) if absent or null. */
static json_t *linkage_required(json_t *in, const char *key, const char *msg, struct err *e)
{
	json_t *v = json_object_get(in, key);
	if (!v || json_is_null(v)) {
		err_set(e, E_FIELD_REQUIRED, key, "%s", msg);
		return NULL;
	}
	return v;
}

/* caller: {"name"?, "phone"?} → the case's reporter (NULL if empty). */
static int check_caller(json_t *caller, json_t **reporter, struct err *e)
{
	*reporter = NULL;
	if (json_is_null(caller))
		return 0;
	if (!json_is_object(caller))
		return err_set(e, E_FIELD_INVALID, "caller", "caller 必须是对象");
	const char *key =
	    json_unknown_key(caller, caller_keys, sizeof caller_keys / sizeof *caller_keys);
	char clip[UTF8_CLIP_BUF];
	if (key)
		return err_set(e, E_FIELD_UNKNOWN, "caller", "caller 中有未知字段 %s",
		               utf8_clip(key, 64, clip, sizeof clip));
	json_t *name = json_object_get(caller, "name"), *phone = json_object_get(caller, "phone");
	if (name && !json_is_null(name) && text_check(name, &caller_name_rule, e) != 0)
		return -1;
	if (phone && !json_is_null(phone) &&
	    (!json_is_string(phone) || !phone_valid(json_string_value(phone))))
		return err_set(e, E_FIELD_INVALID, "caller.phone",
		               "电话号码不正确（手机 11 位，座机含区号）");
	json_t *rep = json_object();
	if (json_is_string(name) && *json_string_value(name))
		json_object_set(rep, "name", name);
	if (json_is_string(phone))
		json_object_set(rep, "phone", phone);
	if (json_object_size(rep) == 0) {
		json_decref(rep);
		return 0;
	}
	*reporter = rep;
	return 0;
}

/* The hand-over's own fields: no unknown key, the incident number, when it
 * was received (not in the future), what happened and its category (NULL
 * if none). Values are borrowed from in. 0, or -1 with *e set. */
static int incident_check(json_t *in, const char **no, json_t **jrec, json_t **jdesc,
                          const char **cat, struct err *e)
{
	const char *key =
	    json_unknown_key(in, linkage_keys, sizeof linkage_keys / sizeof *linkage_keys);
	char clip[UTF8_CLIP_BUF];
	if (key)
		return err_set(e, E_FIELD_UNKNOWN, key, "不认识的字段 %s",
		               utf8_clip(key, 64, clip, sizeof clip));
	json_t *jno = linkage_required(in, "incident_no", "缺少110警情编号 incident_no", e);
	if (!jno)
		return -1;
	*no = json_string_value(jno);
	if (!*no || !incident_no_ok(*no))
		return err_set(e, E_FIELD_INVALID, "incident_no",
		               "警情编号须为 1–%d 位字母、数字、- 或 _", INCIDENT_NO_MAX);
	*jrec = linkage_required(in, "received_at", "缺少接警时间 received_at", e);
	if (!*jrec)
		return -1;
	int64_t received;
	if (!json_is_string(*jrec) ||
	    time_parse_iso_zoned(json_string_value(*jrec), &received) != 0)
		return err_set(e, E_FIELD_INVALID, "received_at",
		               "received_at 须为带时区的 ISO 8601 时间");
	if (received > time_now_ms() + FUTURE_SLACK_MS)
		return err_set(e, E_FIELD_INVALID, "received_at", "接警时间不能晚于现在");
	*jdesc = linkage_required(in, "description", "缺少警情内容 description", e);
	if (!*jdesc || text_check(*jdesc, &description_rule, e) != 0)
		return -1;
	json_t *jcat = json_object_get(in, "category");
	*cat = NULL;
	if (jcat && !json_is_null(jcat)) {
		if (text_check(jcat, &category_rule, e) != 0)
			return -1;
		*cat = json_string_value(jcat);
	}
	return 0;
}

/* Checks the hand-over and builds the hotline case body from it into
 * *create (the caller owns it) and its ext_ref into lc. Returns 0, or -1
 * with *e set; nothing is written either way. */
static int linkage_build(const struct app *app, json_t *in, struct linkage_ctx *lc, json_t **create,
                         struct err *e)
{
	const char *no = NULL, *cat = NULL;
	json_t *jrec = NULL, *jdesc = NULL, *reporter = NULL;
	json_t *wgs = NULL; /* checked here, converted again by the engine */
	int rc = -1;
	if (incident_check(in, &no, &jrec, &jdesc, &cat, e) != 0)
		return -1;
	json_t *jcaller = json_object_get(in, "caller");
	if (jcaller && check_caller(jcaller, &reporter, e) != 0)
		goto out;
	json_t *jloc = json_object_get(in, "location");
	if (json_is_null(jloc))
		jloc = NULL;
	if (jloc && case_location_check(jloc, &wgs, e) != 0)
		goto out;
	const struct matter_type *t = types_linkage_110(app->types);
	if (!t) {
		err_set(e, E_NOT_FOUND, NULL, "没有接收110移交的事项类型");
		goto out;
	}
	const struct type_linkage *k = &t->data.linkage;
	const char *cls = cat && type_class(t, cat) ? cat : k->class_;
	json_t *fields = json_pack("{s:s}", k->incident_field, no);
	if (cat)
		json_object_set_new(fields, k->category_field, json_string(cat));
	json_t *body =
	    json_pack("{s:s,s:s,s:s,s:O,s:o,s:O}", "type", t->code, "class", cls, "channel",
	              k->channel, "description", jdesc, "fields", fields, "received_at", jrec);
	if (!body) {
		err_set(e, E_UNAVAILABLE, NULL, NULL);
		goto out;
	}
	if (reporter)
		json_object_set_new(body, "reporter", reporter);
	reporter = NULL; /* the body's now */
	if (jloc)
		json_object_set(body, "location", jloc);
	*create = body;
	lc->type = t;
	snprintf(lc->ext_ref, sizeof lc->ext_ref, "%s%s", LINKAGE_REF_PREFIX, no);
	rc = 0;
out:
	json_decref(reporter);
	json_decref(wgs);
	return rc;
}

/* The case the incident already became, if any: its id, or 0. */
static int64_t linkage_find(struct store_conn *c, const struct linkage_ctx *lc)
{
	struct store_stmt *s = store_stmt(c, ST_CASE_BY_EXT_REF);
	sbind_text(s, 1, lc->type->code);
	sbind_text(s, 2, lc->ext_ref);
	int64_t id = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	return id;
}

/* writer: answers 200 {"case","created":false} with case id. */
static int linkage_existing(struct wctx *w, struct req *r, int64_t id)
{
	json_t *cj = NULL;
	if (case_view_record(w, &r->actor, id, &cj, &r->err) != 0)
		return -1;
	r->out = json_pack("{s:o,s:b}", "case", cj, "created", 0);
	r->status = 200;
	return 0;
}

/* writer: the incident's case, found or created. */
static int linkage_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct linkage_ctx *lc = r->hctx;
	int64_t id = linkage_find(w->conn, lc);
	if (id)
		return linkage_existing(w, r, id);
	json_t *out = NULL;
	if (engine_create_ext(w, &r->actor, r->in, lc->ext_ref, &out, &r->err) != 0) {
		/* the unique index refused a twin that slipped past the lookup */
		id = linkage_find(w->conn, lc);
		if (!id)
			return -1;
		r->err = (struct err){0};
		return linkage_existing(w, r, id);
	}
	json_object_del(out, "routing");
	json_object_set_new(out, "created", json_true());
	r->out = out;
	r->status = 201;
	return 0;
}

/* POST /api/v1/linkage/110: a 110 incident handed over to the hotline. */
enum handler_result api_linkage_110(struct req *r)
{
	if (!actor_has(&r->actor, P_LINKAGE))
		return reply_err(r, E_FORBIDDEN, NULL, "没有110联动移交的权限");
	if (req_json(r) != 0)
		return reply_failed(r);
	struct linkage_ctx *lc = calloc(1, sizeof *lc);
	if (!lc)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	r->hctx = lc; /* freed with the request */
	json_t *create = NULL;
	if (linkage_build(r->app, r->in, lc, &create, &r->err) != 0)
		return reply_failed(r);
	/* the case body replaces the request body, freed with the request */
	json_decref(r->in);
	r->in = create;
	return reply_async(r, linkage_job);
}
