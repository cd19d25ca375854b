/*
 * Creating a case (engine_create): the body is checked in a fixed order
 * (known keys, type, class, channel, text, owning org, received time,
 * location, reporter, fields), the case is placed in the org tree by its
 * point (core/placement.h: the placed org owns it unless the body named
 * "org"), then it is numbered and stored with its deadline timer, its point
 * in the duplicate check's index and its "create" event, and answered with
 * the case as the creator sees it, its possible duplicates
 * (core/duplicates.h) and the units it should most likely go to
 * (core/routing.h). Runs in a writer job; any failure leaves nothing
 * written.
 */
#include "core/case_no.h"
#include "core/case_scope.h"
#include "core/duplicates.h"
#include "core/engine_int.h"
#include "core/placement.h"
#include "core/routing.h"
#include "core/parties.h"
#include "core/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/utf8.h"

/* A case being created, as its checks fill it in. */
struct intake {
	const struct matter_type *t; /* set by intake_kind */
	const char *cls, *channel;   /* the class is the type's, never NULL */
	const char *desc;
	char title[CASE_TITLE_MAX * 4 + 1];
	int64_t org_id;
	char org_path[256], org_code[64];
	int64_t received;
	int64_t due_given;      /* the type's "due_field" as given, UTC ms; 0 if none */
	json_t *loc;            /* owned; NULL if none */
	struct placement place; /* where loc's point lies (intake_place) */
	json_t *fields;         /* owned; an object once checked */
	unsigned char *enc;     /* owned: the sealed reporter, NULL if none */
	json_t *parties;        /* owned: checked (core/parties.h), NULL if none */
	size_t enclen;
	unsigned char idx[HASH_LEN]; /* the phone's blind index, if has_idx */
	bool has_idx, confidential;
	char no[32];
	int64_t id; /* once stored */
};

static const char *const create_keys[] = {"type",        "class",       "channel",  "title",
                                          "description", "location",    "reporter", "org",
                                          "fields",      "received_at", "parties"};
static const struct text_rule description_rule = {
    .field = "description",
    .max = CASE_TEXT_MAX,
    .flags = TEXT_MULTILINE | TEXT_NONEMPTY,
    .invalid = "description 必须是非空文本",
    .too_long = "诉求内容最多 " TEXT_STR(CASE_TEXT_MAX) " 字",
};
static const struct text_rule title_rule = {
    .field = "title",
    .max = CASE_TITLE_MAX,
    .flags = TEXT_NONEMPTY,
    .invalid = "title 必须是非空单行文本",
    .too_long = "标题最多 " TEXT_STR(CASE_TITLE_MAX) " 字",
};

int type_create_perm(const struct matter_type *t)
{
	json_t *p = json_object_get(t->json, "create_permission");
	return p ? permission_by_name(json_string_value(p)) : (int)P_CASE_CREATE;
}

/* Whether grant g may register cases of type t: its role carries the
 * type's creating permission (case.create unless the type names another,
 * as the task lists' task.manage) and, when the type lists "create_roles",
 * is one of them; or, for a type created with case.create, the role
 * carries case.raise and the type's create_roles name it (a township's
 * whistle, 吹哨报到). */
static bool grant_creates(const struct role_grant *g, const struct matter_type *t)
{
	json_t *roles = json_object_get(t->json, "create_roles");
	int perm = type_create_perm(t);
	if (perm == (int)P_CASE_CREATE && role_carries(g->role, P_CASE_RAISE))
		return roles && status_listed(roles, g->role);
	return perm >= 0 && role_carries(g->role, (enum permission)perm) &&
	       (!roles || status_listed(roles, g->role));
}

/* The first grant of a that may register cases of t over org_path (any
 * scope when org_path is NULL), or NULL. */
static const struct role_grant *creating_grant(const struct actor *a, const struct matter_type *t,
                                               const char *org_path)
{
	for (int i = 0; i < a->nroles; i++)
		if (grant_creates(&a->roles[i], t) &&
		    (!org_path || path_within(org_path, a->roles[i].scope_path)))
			return &a->roles[i];
	return NULL;
}

/* Known keys only; the type (which the caller's role may register, 403),
 * its class and the channel. */
static int intake_kind(struct wctx *w, const struct actor *a, json_t *body, struct intake *in,
                       struct err *e)
{
	if (!json_is_object(body))
		return err_set(e, E_BAD_REQUEST, NULL, "请求体必须是 JSON 对象");
	const char *bad =
	    json_unknown_key(body, create_keys, sizeof create_keys / sizeof *create_keys);
	if (bad)
		return err_set(e, E_FIELD_UNKNOWN, bad, "不认识的字段 %s", bad);
	const char *tcode = json_string_value(json_object_get(body, "type"));
	if (!tcode)
		return err_set(e, E_FIELD_REQUIRED, "type", "缺少事项类型 type");
	in->t = types_find(w->app->types, tcode);
	char clip[UTF8_CLIP_BUF];
	if (!in->t)
		return err_set(e, E_FIELD_INVALID, "type", "没有事项类型 %s",
		               utf8_clip(tcode, 64, clip, sizeof clip));
	if (!creating_grant(a, in->t, NULL))
		return err_set(e, E_FORBIDDEN, "type", "您的角色不能登记“%s”", in->t->name);
	json_t *jcls = json_object_get(body, "class");
	in->cls = jcls ? json_string_value(jcls) : in->t->default_class;
	if ((jcls && !in->cls) || (in->cls && !type_class(in->t, in->cls)))
		return err_set(e, E_FIELD_INVALID, "class", "类型 %s 没有这个分类", in->t->code);
	if (!in->cls)
		return err_set(e, E_FIELD_REQUIRED, "class", "缺少分类 class");
	json_t *jch = json_object_get(body, "channel");
	in->channel = jch ? json_string_value(jch) : in->t->default_channel;
	if ((jch && !in->channel) || (in->channel && !type_has_channel(in->t, in->channel)))
		return err_set(e, E_FIELD_INVALID, "channel", "不支持的渠道");
	return 0;
}

/* The description, and the title: given, or the description's first 30
 * characters on one line. */
static int intake_text(json_t *body, struct intake *in, struct err *e)
{
	json_t *jdesc = json_object_get(body, "description");
	if (!jdesc)
		return err_set(e, E_FIELD_REQUIRED, "description", "缺少诉求内容 description");
	if (text_check(jdesc, &description_rule, e) != 0)
		return -1;
	in->desc = json_string_value(jdesc);
	json_t *jtitle = json_object_get(body, "title");
	if (!jtitle) {
		text_head(in->desc, 30, in->title, sizeof in->title);
		return 0;
	}
	if (text_check(jtitle, &title_rule, e) != 0)
		return -1;
	snprintf(in->title, sizeof in->title, "%s", json_string_value(jtitle));
	return 0;
}

/* The owning org: given, or the actor's own creation scope. */
static int intake_org(struct wctx *w, const struct actor *a, json_t *body, struct intake *in,
                      struct err *e)
{
	json_t *jorg = json_object_get(body, "org");
	if (jorg) {
		if (org_resolve(w->conn, jorg, &in->org_id, in->org_path, sizeof in->org_path,
		                in->org_code, sizeof in->org_code) != 0)
			return err_set(e, E_FIELD_INVALID, "org", "不是已知的单位");
	} else {
		const struct role_grant *g = creating_grant(a, in->t, NULL);
		if (!g)
			return err_set(e, E_FORBIDDEN, NULL, "没有登记工单的权限");
		in->org_id = g->scope_org;
		snprintf(in->org_path, sizeof in->org_path, "%s", g->scope_path);
		snprintf(in->org_code, sizeof in->org_code, "%s", g->scope_code);
	}
	if (!creating_grant(a, in->t, in->org_path))
		return err_set(e, E_FORBIDDEN, "org", "不能为该单位登记工单");
	/* "create_org_kinds": the kinds of org that own such cases (a whistle
	 * is a township's or a park's, never a department's) */
	json_t *kinds = json_object_get(in->t->json, "create_org_kinds");
	if (kinds) {
		struct store_stmt *s = store_stmt(w->conn, ST_ORG_BY_ID);
		sbind_int(s, 1, in->org_id);
		bool ok = sstep(s) == STORE_ROW && status_listed(kinds, scol_text(s, 3));
		sreset(s);
		if (!ok)
			return err_set(e, E_FORBIDDEN, "org", "单位 %s 不能登记“%s”类事项",
			               in->org_code, in->t->name);
	}
	return 0;
}

/* When the matter was received: now, or for importers the body's time. */
static int intake_received(struct wctx *w, const struct actor *a, json_t *body, struct intake *in,
                           struct err *e)
{
	json_t *jrec = json_object_get(body, "received_at");
	in->received = w->now;
	if (!jrec)
		return 0;
	if (!json_is_string(jrec) ||
	    time_parse_iso_zoned(json_string_value(jrec), &in->received) != 0)
		return err_set(e, E_FIELD_INVALID, "received_at",
		               "received_at 须为带时区的 ISO 8601 时间");
	if (!actor_can(a, P_CASE_IMPORT, in->org_path))
		in->received = w->now; /* honoured for importers only (API.md) */
	else if (in->received > w->now + 5 * MS_PER_MINUTE)
		return err_set(e, E_FIELD_INVALID, "received_at", "受理时间不能晚于现在");
	return 0;
}

/* Location, reporter and the type's fields. */
static int intake_details(struct wctx *w, json_t *body, struct intake *in, struct err *e)
{
	json_t *jloc = json_object_get(body, "location");
	if (jloc && !json_is_null(jloc) && case_location_check(jloc, &in->loc, e) != 0)
		return -1;
	json_t *jrep = json_object_get(body, "reporter");
	if (jrep && !json_is_null(jrep) &&
	    reporter_check(w->app, jrep, &in->confidential, &in->enc, &in->enclen, in->idx,
	                   &in->has_idx, e) != 0)
		return -1;
	const struct type_class *k = type_class(in->t, in->cls);
	if (NEVER(!k))
		return err_set(e, E_INTERNAL, NULL, NULL);
	if (k->confidential)
		in->confidential = true;
	if (parties_check(in->t, json_object_get(body, "parties"), w->now, &in->parties, e) != 0)
		return -1;
	json_t *fields = json_object_get(body, "fields");
	in->fields = fields ? json_deep_copy(fields) : json_object();
	if (!in->fields)
		return err_oom(e);
	if (case_fields_check(w->conn, in->t, in->fields, e) != 0)
		return -1;
	if (type_fields_confidential(in->t, in->fields))
		in->confidential = true;
	/* "due_field": a datetime field whose value, when given, is the case's
	 * deadline instead of its class's (a finding to rectify by a date) */
	const char *df = json_string_value(json_object_get(in->t->json, "due_field"));
	const char *dv = df ? json_string_value(json_object_get(in->fields, df)) : NULL;
	if (dv && (time_parse_iso(dv, &in->due_given) != 0 || in->due_given <= in->received))
		return err_set(e, E_FIELD_INVALID, df, "%s 须为受理之后的时间", df);
	return 0;
}

/* Places the case's point, if it has one (core/placement.h). The placed org
 * becomes the owner (属地) unless the body named "org" (the caller's choice
 * stands) or the creator may not register cases for it (the creator's org
 * stays; the placement is still kept). A point outside every township,
 * village and grid changes nothing but is flagged "outside". */
/* "create_field_roles": the creator holds a role that may register a case
 * with this value over its (placed) org. */
static int intake_field_roles(const struct actor *a, const struct intake *in, struct err *e)
{
	const char *f = type_field_roles_fault(in->t, a, in->fields, in->org_path);
	if (!f)
		return 0;
	return err_set(
	    e, E_FORBIDDEN, f, "不能以%s“%s”登记“%s”：请选择您的角色可登记的取值",
	    type_field(in->t, f) && type_field(in->t, f)->label ? type_field(in->t, f)->label : f,
	    json_string_value(json_object_get(in->fields, f)), in->t->name);
}

static int intake_place(struct wctx *w, const struct actor *a, json_t *body, struct intake *in,
                        struct err *e)
{
	json_t *lat = json_object_get(in->loc, "lat"), *lng = json_object_get(in->loc, "lng");
	if (!json_is_number(lat) || !json_is_number(lng))
		return 0; /* PLACE_NONE: no location, or an address alone */
	if (placement_find(w->conn, json_number_value(lng), json_number_value(lat), &in->place) !=
	    0)
		return store_fail(e);
	if (in->place.status != PLACE_PLACED || json_object_get(body, "org") ||
	    !creating_grant(a, in->t, in->place.org_path))
		return 0;
	in->org_id = in->place.org_id;
	snprintf(in->org_path, sizeof in->org_path, "%s", in->place.org_path);
	snprintf(in->org_code, sizeof in->org_code, "%s", in->place.org_code);
	return 0;
}

static const struct type_state *initial_state(const struct matter_type *t)
{
	const struct type_state *initial = NULL;
	for (int i = 0; i < t->nstates; i++)
		if (t->states[i].initial)
			initial = &t->states[i];
	return initial;
}

/* The cases row: 0 with in->id, or -1 (the store failed). */
static int case_insert(struct wctx *w, const struct actor *a, struct intake *in, const char *state,
                       int64_t due, const char *ext_ref)
{
	char *loc_text = in->loc ? json_canonical(in->loc) : NULL;
	char *fields_text = json_canonical(in->fields);
	struct store_stmt *s = store_stmt(w->conn, ST_CASE_INSERT);
	sbind_text(s, 1, in->no);
	sbind_text(s, 2, in->t->code);
	sbind_text(s, 3, in->cls);
	sbind_text(s, 4, in->channel);
	sbind_text(s, 5, state);
	sbind_text(s, 6, in->title);
	sbind_text(s, 7, in->desc);
	sbind_text(s, 8, loc_text);
	sbind_int(s, 9, in->org_id);
	sbind_blob(s, 10, in->enc, in->enclen);
	if (in->has_idx)
		sbind_blob(s, 11, in->idx, HASH_LEN);
	else
		sbind_null(s, 11);
	sbind_int(s, 12, in->confidential);
	sbind_text(s, 13, fields_text);
	sbind_int(s, 14, in->received);
	sbind_opt_int(s, 15, due);
	sbind_opt_int(s, 16, a->user_id); /* 0: the public page (api/topics.c) */
	sbind_int(s, 17, w->now);
	sbind_text(s, 18, ext_ref);
	sbind_text(s, 19, placement_status_name(in->place.status));
	sbind_opt_int(s, 20, in->place.org_id);
	bool ok = fields_text && (loc_text || !in->loc) && sdone(s) == STORE_DONE;
	free(loc_text);
	free(fields_text);
	if (!ok)
		return -1;
	in->id = store_last_id(w->conn);
	return case_scope_add(w->conn, in->org_id, in->id); /* the lists' visibility */
}

/* The "create" event on the chain. */
static int intake_event(struct wctx *w, const struct actor *a, const struct intake *in,
                        const char *state, const char *ext_ref)
{
	char rat[ISO8601_MAX];
	time_format_iso(in->received, rat, sizeof rat);
	json_t *payload =
	    json_pack("{s:s,s:s,s:s,s:s?,s:s,s:s,s:b}", "no", in->no, "type", in->t->code, "class",
	              in->cls, "channel", in->channel, "org", in->org_code, "received_at", rat,
	              "confidential", in->confidential);
	if (payload && ext_ref)
		json_object_set_new(payload, "ext_ref", json_string(ext_ref));
	if (payload && in->place.status != PLACE_NONE) { /* where its point lay, then */
		json_t *p = json_pack("{s:s}", "status", placement_status_name(in->place.status));
		if (p && in->place.status == PLACE_PLACED)
			json_object_set_new(p, "org", json_string(in->place.org_code));
		json_object_set_new(payload, "placement", p);
	}
	char *ptext = json_canonical(payload);
	json_decref(payload);
	if (!ptext)
		return -1;
	struct event_rec ev = {.case_id = in->id,
	                       .at = w->now,
	                       .actor_id = a->user_id,
	                       .org_id = a->org_id,
	                       .action = "create",
	                       .from = NULL,
	                       .to = state,
	                       .payload = ptext};
	int rc = wctx_event(w, &ev);
	free(ptext);
	return rc;
}

/* Numbers and stores the checked case with its deadline timer and event. */
static int intake_store(struct wctx *w, const struct actor *a, struct intake *in,
                        const char *ext_ref, struct err *e)
{
	const struct type_state *initial = initial_state(in->t);
	if (NEVER(!initial))
		return err_set(e, E_INTERNAL, NULL, NULL);
	const struct deadline_spec *dl = class_deadline(in->t, in->cls);
	int64_t due = in->due_given ? in->due_given
	              : dl          ? deadline_due(w->app->cal, *dl, in->received)
	                            : 0;
	if (case_no_next(w, in->t->prefix, in->org_id, in->received, in->no, sizeof in->no) != 0 ||
	    case_insert(w, a, in, initial->code, due, ext_ref) != 0 || search_add(w, in->id) != 0 ||
	    duplicates_index(w, in->id) != 0 ||
	    (in->parties && parties_store(w, in->id, in->parties) != 0) ||
	    (in->due_given &&
	     timer_at(w, in->t, in->id, 0, "case_due", DEADLINE_HOURS, due, in->received) != 0) ||
	    (dl && !in->due_given &&
	     timer_start(w, in->t, in->id, 0, "case_due", dl, in->received, NULL) != 0) ||
	    intake_event(w, a, in, initial->code, ext_ref) != 0)
		return store_fail(e);
	return 0;
}

/* {"possible_duplicates"} for the stored case, into *out. */
static int intake_dups(struct wctx *w, const struct actor *a, const struct intake *in, json_t **out,
                       struct err *e)
{
	struct dup_probe p = {.id = in->id,
	                      .t = in->t,
	                      .cls = in->cls,
	                      .text = in->desc,
	                      .loc = in->loc,
	                      .received_at = in->received,
	                      .idx = in->has_idx ? in->idx : NULL};
	json_t *dups = duplicates_find(w, a, &p);
	if (!dups)
		return store_fail(e);
	*out = json_pack("{s:o}", "possible_duplicates", dups);
	return *out ? 0 : err_oom(e);
}

/* {"case","possible_duplicates"} for the stored case (the API adds
 * "routing" after the commit: api/cases.c). */
static int intake_answer(struct wctx *w, const struct actor *a, const struct intake *in,
                         json_t **out, struct err *e)
{
	json_t *cj;
	if (case_view_record(w, a, in->id, &cj, e) != 0)
		return -1;
	struct dup_probe p = {.id = in->id,
	                      .t = in->t,
	                      .cls = in->cls,
	                      .text = in->desc,
	                      .loc = in->loc,
	                      .received_at = in->received,
	                      .idx = in->has_idx ? in->idx : NULL};
	json_t *dups = duplicates_find(w, a, &p);
	if (!dups) {
		json_decref(cj);
		return store_fail(e);
	}
	*out = json_pack("{s:o,s:o}", "case", cj, "possible_duplicates", dups);
	return *out ? 0 : err_oom(e);
}

int engine_create(struct wctx *w, const struct actor *a, json_t *body, json_t **out, struct err *e)
{
	return engine_create_ext(w, a, body, NULL, out, e);
}

/* The checks and the store of engine_create_ext; in is the caller's, to
 * free with intake_free whatever the result. */
static int intake_stored(struct wctx *w, const struct actor *a, json_t *body, const char *ext_ref,
                         struct intake *in, struct err *e)
{
	return intake_kind(w, a, body, in, e) == 0 && intake_text(body, in, e) == 0 &&
	               intake_org(w, a, body, in, e) == 0 &&
	               intake_received(w, a, body, in, e) == 0 &&
	               intake_details(w, body, in, e) == 0 &&
	               intake_place(w, a, body, in, e) == 0 && intake_field_roles(a, in, e) == 0 &&
	               intake_store(w, a, in, ext_ref, e) == 0
	           ? 0
	           : -1;
}

static void intake_free(struct intake *in)
{
	json_decref(in->loc);
	json_decref(in->fields);
	json_decref(in->parties);
	free(in->enc);
}

int engine_create_ext(struct wctx *w, const struct actor *a, json_t *body, const char *ext_ref,
                      json_t **out, struct err *e)
{
	struct intake in = {0};
	int rc =
	    intake_stored(w, a, body, ext_ref, &in, e) == 0 && intake_answer(w, a, &in, out, e) == 0
	        ? 0
	        : -1;
	intake_free(&in);
	return rc;
}

int engine_create_later(struct wctx *w, const struct actor *a, json_t *body, json_t **out,
                        int64_t *case_id, struct err *e)
{
	struct intake in = {0};
	int rc = -1;
	*case_id = 0;
	if (intake_stored(w, a, body, NULL, &in, e) == 0) {
		/* a view that records nothing: neither a confidential reporter nor
		 * parties shown in full (core/caseview.c, pii_shown) */
		if (in.confidential || in.t->data.parties.max)
			rc = intake_answer(w, a, &in, out, e);
		else if ((rc = intake_dups(w, a, &in, out, e)) == 0)
			*case_id = in.id;
	}
	intake_free(&in);
	return rc;
}

int engine_create_plain(struct wctx *w, const struct actor *a, json_t *body, const char *ext_ref,
                        int64_t *id, struct err *e)
{
	struct intake in = {0};
	int rc = intake_stored(w, a, body, ext_ref, &in, e);
	*id = in.id;
	intake_free(&in);
	return rc;
}

/* ------------------------------------------------------------------ */
/* hints while a case is being typed                                     */
/* ------------------------------------------------------------------ */

/* {"placement","possible_duplicates","routing"} for the checked, unstored
 * case in. */
static int hints_answer(struct wctx *w, const struct actor *a, const struct intake *in,
                        json_t **out, struct err *e)
{
	struct dup_probe p = {.id = 0,
	                      .t = in->t,
	                      .cls = in->cls,
	                      .text = in->desc,
	                      .loc = in->loc,
	                      .received_at = in->received,
	                      .idx = in->has_idx ? in->idx : NULL};
	json_t *dups = duplicates_preview(w->conn, w->app, a, &p);
	if (!dups)
		return store_fail(e);
	struct route_case rc = {in->title, in->desc, in->cls, in->org_path, in->loc};
	json_t *routing = *in->desc ? NULL : json_array(); /* no text, no ranking */
	if (!routing && routing_rank(w->conn, w->app, &rc, &routing, e) != 0) {
		json_decref(dups);
		return -1;
	}
	json_t *place =
	    placement_json(w->conn, placement_status_name(in->place.status), in->place.org_id);
	*out = json_pack("{s:o*,s:o,s:o,s:s}", "placement", place, "possible_duplicates", dups,
	                 "routing", routing, "org", in->org_code);
	return *out ? 0 : err_oom(e);
}

int engine_hints(struct store_conn *c, struct app *app, const struct actor *a, json_t *body,
                 json_t **out, struct err *e)
{
	/* the create's own checks, on a reader's connection: they only read.
	 * The description may still be empty (the seat set the point or typed
	 * the phone first): then the placement and the same caller's cases. */
	struct wctx w = {.conn = c, .app = app, .head = NULL, .now = time_now_ms()};
	struct intake in = {.desc = ""};
	json_t *jd = json_object_get(body, "description");
	bool text = !(!jd || (json_is_string(jd) && !*json_string_value(jd)));
	int rc = -1;
	if (intake_kind(&w, a, body, &in, e) == 0 && (!text || intake_text(body, &in, e) == 0) &&
	    intake_org(&w, a, body, &in, e) == 0 && intake_received(&w, a, body, &in, e) == 0 &&
	    intake_details(&w, body, &in, e) == 0 && intake_place(&w, a, body, &in, e) == 0 &&
	    intake_field_roles(a, &in, e) == 0 && hints_answer(&w, a, &in, out, e) == 0)
		rc = 0;
	intake_free(&in);
	return rc;
}
