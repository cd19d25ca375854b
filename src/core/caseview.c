/*
 * Reading cases: load a case with its assignments, decide visibility, and
 * render the API's JSON (engine.h). Personal data: a reporter is shown in
 * full on the detail view to whoever may read the case, unless the case is
 * confidential, in which case only pii.read holders see it (and the caller
 * records the view as an event); lists always mask.
 */
#include "core/app.h"
#include "core/attachments.h"
#include "core/engine.h"
#include "core/parties.h"
#include "core/search.h"
#include "core/placement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/utf8.h"
#include "util/json.h"

static char *dup_col(struct store_stmt *s, int i)
{
	const char *v = scol_text(s, i);
	return v ? strdup(v) : NULL;
}

static void case_row_read(struct store_stmt *s, const struct app *app, struct case_rec *c)
{
	memset(c, 0, sizeof *c);
	c->id = scol_int(s, 0);
	snprintf(c->no, sizeof c->no, "%s", scol_text(s, 1));
	c->type = types_find(app->types, scol_text(s, 2));
	c->class_ = dup_col(s, 3);
	c->channel = dup_col(s, 4);
	c->status = dup_col(s, 5);
	c->title = dup_col(s, 6);
	c->description = dup_col(s, 7);
	if (!scol_null(s, 8))
		c->location = json_loads(scol_text(s, 8), 0, NULL);
	c->org_id = scol_int(s, 9);
	if (!scol_null(s, 10)) {
		c->reporter_len = scol_bytes(s, 10);
		c->reporter_enc = malloc(c->reporter_len);
		if (c->reporter_enc)
			memcpy(c->reporter_enc, scol_blob(s, 10), c->reporter_len);
	}
	c->confidential = scol_int(s, 11) != 0;
	c->fields = json_loads(scol_text(s, 12), 0, NULL);
	if (!json_is_object(c->fields)) {
		json_decref(c->fields);
		c->fields = json_object();
	}
	c->received_at = scol_int(s, 13);
	c->due_at = scol_null(s, 14) ? 0 : scol_int(s, 14);
	c->closed_at = scol_null(s, 15) ? 0 : scol_int(s, 15);
	c->created_by = scol_int(s, 16);
	c->created_at = scol_int(s, 17);
	c->updated_at = scol_int(s, 18);
	c->version = scol_int(s, 19);
	snprintf(c->org_path, sizeof c->org_path, "%s", scol_text(s, 20));
	if (!scol_null(s, 21))
		snprintf(c->place_status, sizeof c->place_status, "%s", scol_text(s, 21));
	c->place_org_id = scol_null(s, 22) ? 0 : scol_int(s, 22);
	snprintf(c->org_code, sizeof c->org_code, "%s", scol_text(s, 23));
	snprintf(c->org_name, sizeof c->org_name, "%s", scol_text(s, 24));
	snprintf(c->org_kind, sizeof c->org_kind, "%s", scol_text(s, 25));
	snprintf(c->region, sizeof c->region, "%s", scol_text(s, 26));
}

static void case_rec_release(struct case_rec *c)
{
	free(c->class_);
	free(c->channel);
	free(c->status);
	free(c->title);
	free(c->description);
	json_decref(c->location);
	free(c->reporter_enc);
	json_decref(c->fields);
	memset(c, 0, sizeof *c);
}

static int64_t col_opt(struct store_stmt *s, int i)
{
	return scol_null(s, i) ? 0 : scol_int(s, i);
}

/* Adds the assignment row s (ASG_COLS) to cf, up to CASE_MAX_ASSIGNMENTS. */
static void asg_row_add(struct store_stmt *s, struct case_full *cf)
{
	if (cf->na >= CASE_MAX_ASSIGNMENTS)
		return;
	struct asg_rec *g = &cf->a[cf->na++];
	g->id = scol_int(s, 0);
	g->case_id = scol_int(s, 1);
	g->org_id = scol_int(s, 2);
	snprintf(g->kind, sizeof g->kind, "%s", scol_text(s, 3));
	snprintf(g->status, sizeof g->status, "%s", scol_text(s, 4));
	g->phase = type_asg_phase(cf->c.type, g->status);
	g->dispatched_at = scol_int(s, 5);
	g->sign_due_at = col_opt(s, 6);
	g->due_at = col_opt(s, 7);
	g->signed_at = col_opt(s, 8);
	g->done_at = col_opt(s, 9);
	snprintf(g->org_code, sizeof g->org_code, "%s", scol_text(s, 10));
	snprintf(g->org_name, sizeof g->org_name, "%s", scol_text(s, 11));
	snprintf(g->org_path, sizeof g->org_path, "%s", scol_text(s, 12));
}

int case_load(struct store_conn *c, const struct app *app, int64_t id, struct case_full *cf)
{
	memset(cf, 0, sizeof *cf);
	struct store_stmt *s = store_stmt(c, ST_CASE_GET);
	sbind_int(s, 1, id);
	if (sstep(s) != STORE_ROW) {
		sreset(s);
		return -1;
	}
	case_row_read(s, app, &cf->c);
	sreset(s);
	if (!cf->c.type) {
		case_rec_release(&cf->c);
		return -1;
	}
	s = store_stmt(c, ST_ASG_OF_CASE);
	sbind_int(s, 1, id);
	while (sstep(s) == STORE_ROW)
		asg_row_add(s, cf);
	sreset(s);
	return 0;
}

int case_load_many(struct store_conn *c, const struct app *app, const int64_t *ids, int n,
                   struct case_full *cf, bool *found)
{
	if (NEVER(n < 0 || n > CASE_LOAD_MANY_MAX))
		return -1;
	char list[CASE_LOAD_MANY_MAX * 21 + 3];
	size_t len = 0;
	list[len++] = '[';
	for (int i = 0; i < n; i++) {
		memset(&cf[i], 0, sizeof cf[i]);
		found[i] = false;
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%lld", i ? "," : "",
		                        (long long)ids[i]);
	}
	snprintf(list + len, sizeof list - len, "]");
	struct store_stmt *s = store_stmt(c, ST_CASE_GET_MANY);
	sbind_text(s, 1, list);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		int64_t id = scol_int(s, 0);
		for (int i = 0; i < n; i++) {
			if (ids[i] != id || found[i])
				continue;
			case_row_read(s, app, &cf[i].c);
			/* a row of an unknown type loads as missing, as case_load's */
			found[i] = cf[i].c.type != NULL;
			if (!found[i])
				case_rec_release(&cf[i].c);
			break;
		}
	}
	sreset(s);
	if (rc == STORE_DONE) {
		s = store_stmt(c, ST_ASG_OF_CASES);
		sbind_text(s, 1, list);
		while ((rc = sstep(s)) == STORE_ROW) {
			int64_t case_id = scol_int(s, 1);
			for (int i = 0; i < n; i++)
				if (found[i] && ids[i] == case_id) {
					asg_row_add(s, &cf[i]);
					break;
				}
		}
		sreset(s);
	}
	if (rc == STORE_DONE)
		return 0;
	for (int i = 0; i < n; i++)
		if (found[i])
			case_full_release(&cf[i]);
	return -1;
}

void case_full_release(struct case_full *cf)
{
	case_rec_release(&cf->c);
	cf->na = 0;
}

bool case_visible(const struct actor *a, const struct case_full *cf)
{
	if (actor_can(a, P_CASE_READ, cf->c.org_path))
		return true;
	for (int i = 0; i < cf->na; i++)
		if (cf->a[i].phase != ASG_CANCELLED && actor_can(a, P_CASE_READ, cf->a[i].org_path))
			return true;
	return false;
}

/* Whether the actor holds audit.read over the case (its org or a live
 * unit's): the timeline then shows who read it (ENGINE_READ_ACTIONS). */
static bool case_audit_readable(const struct actor *a, const struct case_full *cf)
{
	if (actor_can(a, P_AUDIT_READ, cf->c.org_path))
		return true;
	for (int i = 0; i < cf->na; i++)
		if (cf->a[i].phase != ASG_CANCELLED &&
		    actor_can(a, P_AUDIT_READ, cf->a[i].org_path))
			return true;
	return false;
}

static void set_time(json_t *o, const char *key, int64_t ms)
{
	if (!ms) {
		json_object_set_new(o, key, json_null());
		return;
	}
	char buf[ISO8601_MAX];
	time_format_iso(ms, buf, sizeof buf);
	json_object_set_new(o, key, json_string(buf));
}

static json_t *reporter_json(const struct app *app, const struct actor *a,
                             const struct case_full *cf, bool detail, bool *pii_shown)
{
	json_t *r = json_pack("{s:b}", "confidential", cf->c.confidential);
	if (!cf->c.reporter_enc)
		return r;
	char *plain = NULL;
	if (unseal(&app->keys, cf->c.reporter_enc, cf->c.reporter_len, &plain, NULL) != 0)
		return r;
	json_t *p = json_loads(plain, 0, NULL);
	sodium_memzero(plain, strlen(plain));
	free(plain);
	const char *name = json_string_value(json_object_get(p, "name"));
	const char *phone = json_string_value(json_object_get(p, "phone"));
	bool full = detail && (!cf->c.confidential || actor_can(a, P_PII_READ, cf->c.org_path));
	if (full) {
		if (name)
			json_object_set_new(r, "name", json_string(name));
		if (phone)
			json_object_set_new(r, "phone", json_string(phone));
		if (cf->c.confidential && pii_shown)
			*pii_shown = true;
	} else if (!cf->c.confidential) {
		char m[64];
		if (name) {
			mask_name(name, m, sizeof m);
			json_object_set_new(r, "name", json_string(m));
		}
		if (phone) {
			mask_phone(phone, m, sizeof m);
			json_object_set_new(r, "phone", json_string(m));
		}
	}
	json_decref(p);
	return r;
}

/* The actions the actor may take on the case now, as {"code","name"}. */
static json_t *case_actions_json(const struct actor *a, const struct case_full *cf)
{
	json_t *acts = json_array();
	const struct matter_type *t = cf->c.type;
	for (int i = 0; i < t->nactions; i++) {
		const struct type_action *act = &t->actions[i];
		if (engine_action_available(a, act, cf))
			json_array_append_new(
			    acts, json_pack("{s:s,s:s}", "code", act->code, "name", act->name));
	}
	return acts;
}

/* callback_due_at: while the case waits for its follow-up (a from-state of
 * the type's rates.follow_up.action), the due time of the timer the type
 * names for it (rates.follow_up.timer), its newest one, running or already
 * overdue; otherwise 0 (JSON null). */
static int64_t callback_due(struct store_conn *c, const struct case_rec *r)
{
	const struct type_rates *R = &r->type->data.rates;
	const struct type_action *fu =
	    R->follow_up_timer ? type_action(r->type, R->callback_action) : NULL;
	if (!fu || !str_in(r->status, fu->from, fu->nfrom))
		return 0;
	struct store_stmt *s = store_stmt(c, ST_TIMER_CASE_LAST);
	sbind_int(s, 1, r->id);
	sbind_text(s, 2, R->follow_up_timer);
	int64_t due = 0;
	if (sstep(s) == STORE_ROW) {
		const char *state = scol_text(s, 1);
		if (state && (!strcmp(state, "running") || !strcmp(state, "fired")))
			due = scol_int(s, 0);
	}
	sreset(s);
	return due;
}

json_t *case_to_json(struct store_conn *c, const struct app *app, const struct actor *a,
                     const struct case_full *cf, bool detail, bool *pii_shown)
{
	const struct case_rec *r = &cf->c;
	const struct type_state *st = type_state(r->type, r->status);
	json_t *o =
	    json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:s,s:s,s:s,s:I}", "id", (json_int_t)r->id, "no",
	              r->no, "type", r->type->code, "class", r->class_, "channel", r->channel,
	              "status", r->status, "status_name", st ? st->name : r->status, "title",
	              r->title, "version", (json_int_t)r->version);
	if (detail)
		json_object_set_new(o, "description", json_string(r->description));
	json_object_set_new(o, "location", r->location ? json_deep_copy(r->location) : json_null());
	json_object_set_new(o, "org",
	                    json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)r->org_id, "code",
	                              r->org_code, "name", r->org_name, "kind", r->org_kind));
	json_object_set_new(o, "region", json_string(r->region));
	json_object_set_new(
	    o, "placement",
	    placement_json(c, r->place_status[0] ? r->place_status : NULL, r->place_org_id));
	json_object_set_new(o, "reporter", reporter_json(app, a, cf, detail, pii_shown));
	if (detail && r->type->data.parties.max)
		json_object_set_new(o, "parties", parties_json(c, app, a, cf, pii_shown));
	set_time(o, "received_at", r->received_at);
	set_time(o, "due_at", r->due_at);
	set_time(o, "closed_at", r->closed_at);
	set_time(o, "created_at", r->created_at);
	set_time(o, "updated_at", r->updated_at);
	set_time(o, "callback_due_at", callback_due(c, r));
	int64_t now = time_now_ms();
	json_object_set_new(o, "overdue",
	                    json_boolean(r->due_at && !r->closed_at && r->due_at < now));
	json_object_set_new(o, "fields", json_deep_copy(r->fields));
	json_t *asg = json_array();
	for (int i = 0; i < cf->na; i++) {
		const struct asg_rec *g = &cf->a[i];
		json_t *j = json_pack("{s:I,s:{s:I,s:s,s:s},s:s,s:s}", "id", (json_int_t)g->id,
		                      "org", "id", (json_int_t)g->org_id, "code", g->org_code,
		                      "name", g->org_name, "kind", g->kind, "status", g->status);
		set_time(j, "dispatched_at", g->dispatched_at);
		set_time(j, "sign_due_at", g->sign_due_at);
		set_time(j, "due_at", g->due_at);
		set_time(j, "signed_at", g->signed_at);
		set_time(j, "done_at", g->done_at);
		/* 报到 late: signed for after its sign-for deadline, or still not
		 * signed for once it passed (the whistle's late flag) */
		json_object_set_new(
		    j, "sign_late",
		    json_boolean(g->sign_due_at &&
		                 (g->signed_at ? g->signed_at > g->sign_due_at
		                               : g->phase == ASG_OPEN && now > g->sign_due_at)));
		if (detail) { /* an assisting unit's answer (assignments.c lead_sets_fields) */
			json_object_set_new(j, "opinion", assignment_opinion_json(c, g->id));
			json_object_set_new(j, "ratings", assignment_ratings_json(c, g->id));
		}
		json_array_append_new(asg, j);
	}
	json_object_set_new(o, "assignments", asg);
	if (detail) {
		json_object_set_new(o, "actions", case_actions_json(a, cf));
		json_t *links = json_array();
		struct store_stmt *s = store_stmt(c, ST_LINKS_OF_CASE);
		sbind_int(s, 1, r->id);
		while (sstep(s) == STORE_ROW)
			json_array_append_new(
			    links, json_pack("{s:s,s:I,s:s,s:s}", "kind", scol_text(s, 0), "case",
			                     (json_int_t)(scol_int(s, 3) == r->id ? scol_int(s, 1)
			                                                          : scol_int(s, 3)),
			                     "no", scol_text(s, 2), "direction",
			                     scol_int(s, 3) == r->id ? "out" : "in"));
		sreset(s);
		json_object_set_new(o, "links", links);
		/* how many files are attached (core/attachments.h; listed apart),
		 * and whether the caller may add files to the case (not when final) */
		s = store_stmt(c, ST_ATTACHMENT_COUNT);
		sbind_int(s, 1, r->id);
		json_object_set_new(o, "attachments",
		                    json_integer(sstep(s) == STORE_ROW ? scol_int(s, 0) : 0));
		sreset(s);
		json_object_set_new(o, "can_attach", json_boolean(attach_allowed(a, cf)));
	}
	return o;
}

/* A named work queue of GET /api/v1/cases?queue= is the type's data
 * ("queues" in the type, core/type_data.h): the statuses waiting on the
 * queue's owner, and whether every open overdue case joins them. With
 * ?type= the queue is that type's; without, the one type that declares a
 * queue of that name (the list is then limited to that type). */
struct queue_pick {
	const char *type;   /* the type whose queue it is */
	char *statuses;     /* JSON array text, owned */
	char *asg_statuses; /* JSON array text, owned; NULL for none */
	bool or_overdue;
};

static int queue_pick(const struct app *app, const char *name, const char *type,
                      struct queue_pick *qp, struct err *e)
{
	const struct matter_type *found = NULL;
	struct type_queue tq = {0}, one;
	char clip[UTF8_CLIP_BUF];
	memset(qp, 0, sizeof *qp);
	for (int i = 0; i < app->types->ntypes; i++) {
		const struct matter_type *t = &app->types->types[i];
		if ((type && strcmp(type, t->code)) || !type_queue(t, name, &one))
			continue;
		if (found)
			return err_set(e, E_FIELD_INVALID, "queue",
			               "工作队列 %s 属于多个事项类型，请用 type 指定",
			               utf8_clip(name, 32, clip, sizeof clip));
		found = t;
		tq = one;
	}
	if (!found)
		return err_set(e, E_FIELD_INVALID, "queue", "不认识的工作队列 %s",
		               utf8_clip(name, 32, clip, sizeof clip));
	qp->type = found->code;
	qp->or_overdue = tq.or_overdue;
	qp->statuses = json_dumps(tq.statuses, JSON_COMPACT);
	qp->asg_statuses = tq.asg_statuses ? json_dumps(tq.asg_statuses, JSON_COMPACT) : NULL;
	if (!qp->statuses || (tq.asg_statuses && !qp->asg_statuses))
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	return 0;
}

#define LIST_CODE_MAX 64   /* bytes of one code of a status=, class= or channel= list */
#define CASE_STATUS_ARMS 4 /* status codes ST_CASE_LIST_STATUS merges (?31..?34) */
#define INBOX_ARMS 6       /* part statuses ST_CASE_LIST_INBOX merges (?41..?46) */

/* The comma-list filters: each names codes of the type given with type=, or,
 * without one, of some loaded type. */
struct code_list {
	const char *param; /* the query parameter */
	const char *what;  /* what it lists, for messages */
	bool (*known)(const struct matter_type *t, const char *code);
};

static bool state_known(const struct matter_type *t, const char *code)
{
	return type_state(t, code) != NULL;
}

static bool class_known(const struct matter_type *t, const char *code)
{
	return type_class(t, code) != NULL;
}

static const struct code_list status_list = {"status", "状态", state_known};
static const struct code_list part_list = {"part", "承办状态", type_asg_status_known};
static const struct code_list class_list = {"class", "分类", class_known};
static const struct code_list channel_list = {"channel", "渠道", type_has_channel};

static bool code_known(const struct app *app, const struct matter_type *type,
                       const struct code_list *cl, const char *p, size_t n)
{
	char code[LIST_CODE_MAX + 1];
	memcpy(code, p, n);
	code[n] = '\0';
	if (type)
		return cl->known(type, code);
	for (int i = 0; i < app->types->ntypes; i++)
		if (cl->known(&app->types->types[i], code))
			return true;
	return false;
}

/* The filter `list` ("a,b,c") as a JSON array text for json_each(), into
 * *out (the caller frees it). 0, or -1 with *e set naming cl->param (empty
 * item, too many, too long, unknown). */
static int code_list_json(const struct app *app, const struct matter_type *type,
                          const struct code_list *cl, const char *list, char **out, struct err *e)
{
	json_t *arr = json_array();
	const char *p = list;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0 || n > LIST_CODE_MAX || json_array_size(arr) == CASE_QUERY_LIST_MAX) {
			json_decref(arr);
			return err_set(e, E_FIELD_INVALID, cl->param,
			               "参数 %s 须为逗号分隔的%s，最多 %d 个", cl->param, cl->what,
			               CASE_QUERY_LIST_MAX);
		}
		json_array_append_new(arr, json_stringn(p, n));
		if (!code_known(app, type, cl, p, n)) {
			json_decref(arr);
			return err_set(e, E_FIELD_INVALID, cl->param, "不认识的%s %.*s", cl->what,
			               (int)utf8_cut(p, n, 32), p);
		}
		if (!end)
			break;
		p = end + 1;
	}
	*out = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return *out ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

/* mine=1 without part=: the unit's unfinished parts, i.e. the assignment
 * statuses of the open and signed phases of `type` (or of every loaded
 * type), as a JSON array text into *out (the caller frees it). */
static int unfinished_parts_json(const struct app *app, const struct matter_type *type, char **out,
                                 struct err *e)
{
	json_t *arr = json_array();
	for (int i = 0; i < app->types->ntypes; i++) {
		const struct matter_type *t = &app->types->types[i];
		if (type && t != type)
			continue;
		for (int k = 0; k < t->nasg_statuses; k++) {
			const struct asg_status *st = &t->asg_statuses[k];
			if (st->phase != ASG_OPEN && st->phase != ASG_SIGNED)
				continue;
			bool seen = false;
			size_t j;
			json_t *x;
			json_array_foreach(arr, j, x) seen =
			    seen || !strcmp(json_string_value(x), st->code);
			if (!seen)
				json_array_append_new(arr, json_string(st->code));
		}
	}
	*out = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return *out ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

/* What case_list checked and resolved from the query before it binds it. */
struct case_filters {
	const char *scopes[3];        /* the caller's case.read scopes */
	struct queue_pick queue;      /* ?queue=, owned statuses */
	char orgpath[256];            /* ?org= as a path, "" = any */
	char *statuses;               /* ?status= as JSON array text, owned, NULL = any */
	char *classes;                /* ?class=, the same */
	char *channels;               /* ?channel=, the same */
	char *parts;                  /* with mine: ?part= or the unfinished statuses, owned */
	char match[SEARCH_MATCH_CAP]; /* ?q= as a full-text query, "" = none */
	char like[512];               /* ?q= with no word in it, LIKE-escaped, "" = none */
	int nscopes;                  /* scopes used, 1..3 */
	/* ?status= of at most CASE_STATUS_ARMS codes, one each (ST_CASE_LIST_STATUS) */
	char status_code[CASE_STATUS_ARMS][LIST_CODE_MAX + 1];
	int nstatus; /* 0: none given, or more than CASE_STATUS_ARMS */
	/* mine=1: the part statuses as ST_CASE_LIST_INBOX's arms ("" = every
	 * unfinished one); 0 when it cannot answer (part_arms_pick) */
	char part_code[INBOX_ARMS][LIST_CODE_MAX + 1];
	int nparts;
};

static void case_filters_release(struct case_filters *f)
{
	free(f->statuses);
	free(f->classes);
	free(f->channels);
	free(f->parts);
	free(f->queue.statuses);
	free(f->queue.asg_statuses);
	f->statuses = f->classes = f->channels = f->parts = NULL;
	f->queue.statuses = f->queue.asg_statuses = NULL;
}

/* ?status= (already checked) into f->status_code when it has at most
 * CASE_STATUS_ARMS codes. */
static void status_codes_split(const char *list, struct case_filters *f)
{
	f->nstatus = 0;
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (f->nstatus == CASE_STATUS_ARMS || n > LIST_CODE_MAX) {
			f->nstatus = 0;
			return;
		}
		memcpy(f->status_code[f->nstatus], p, n);
		f->status_code[f->nstatus++][n] = '\0';
		p = end ? end + 1 : p + n;
	}
}

/* Whether part status `code` is unfinished (open or signed) in some
 * loaded type: part_due's part_unfinished (core/part_due.c). */
static bool part_unfinished_anywhere(const struct app *app, const char *code)
{
	for (int i = 0; i < app->types->ntypes; i++) {
		const struct matter_type *t = &app->types->types[i];
		for (int k = 0; k < t->nasg_statuses; k++)
			if ((t->asg_statuses[k].phase == ASG_OPEN ||
			     t->asg_statuses[k].phase == ASG_SIGNED) &&
			    !strcmp(t->asg_statuses[k].code, code))
				return true;
	}
	return false;
}

/* mine=1: the arms of ST_CASE_LIST_INBOX (part_due) when it answers the
 * query exactly. part= of at most INBOX_ARMS statuses, each unfinished in
 * some type (part_due holds no other); without part=, the arm "" when the
 * unfinished statuses it holds are, for the type= asked (or every type),
 * exactly the default's. Else none: the older statement answers. */
static void part_arms_pick(const struct app *app, const struct matter_type *type, const char *part,
                           struct case_filters *f)
{
	f->nparts = 0;
	if (!part) {
		for (int k = 0; type && k < type->nasg_statuses; k++) {
			const struct asg_status *st = &type->asg_statuses[k];
			if ((st->phase == ASG_OPEN || st->phase == ASG_SIGNED) !=
			    part_unfinished_anywhere(app, st->code))
				return;
		}
		f->part_code[0][0] = '\0';
		f->nparts = 1;
		return;
	}
	for (const char *p = part; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (f->nparts == INBOX_ARMS || n == 0 || n > LIST_CODE_MAX) {
			f->nparts = 0;
			return;
		}
		memcpy(f->part_code[f->nparts], p, n);
		f->part_code[f->nparts][n] = '\0';
		if (!part_unfinished_anywhere(app, f->part_code[f->nparts])) {
			f->nparts = 0;
			return;
		}
		bool again = false; /* part=signed,signed: one arm */
		for (int i = 0; i < f->nparts; i++)
			again = again || !strcmp(f->part_code[i], f->part_code[f->nparts]);
		if (!again)
			f->nparts++;
		p = end ? end + 1 : p + n;
	}
}

/* Checks q and resolves it into *f (released on failure). 0, or -1 with *e set. */
static int case_filters_init(struct store_conn *c, const struct app *app, const struct actor *a,
                             const struct case_query *q, struct case_filters *f, struct err *e)
{
	memset(f, 0, sizeof *f);
	if ((f->nscopes = actor_scopes(a, P_CASE_READ, f->scopes, 3)) == 0)
		return err_set(e, E_FORBIDDEN, NULL, "没有查看工单的权限");
	if (q->due_soon < 0 || q->due_soon > CASE_QUERY_DUE_SOON_MAX)
		return err_set(e, E_FIELD_INVALID, "due_soon", "参数 due_soon 须为 1–%d 小时",
		               CASE_QUERY_DUE_SOON_MAX);
	const struct matter_type *type = NULL;
	char clip[UTF8_CLIP_BUF];
	if (q->type && !(type = types_find(app->types, q->type)))
		return err_set(e, E_FIELD_INVALID, "type", "不认识的事项类型 %s",
		               utf8_clip(q->type, 32, clip, sizeof clip));
	if (q->from && q->to && q->to <= q->from)
		return err_set(e, E_FIELD_INVALID, "to", "to 不能早于 from");
	if (q->part_kind && strcmp(q->part_kind, "lead") && strcmp(q->part_kind, "assist") &&
	    strcmp(q->part_kind, "review"))
		return err_set(e, E_FIELD_INVALID, "part_kind",
		               "参数 part_kind 只能是 lead、assist 或 review");
	if (q->placement && strcmp(q->placement, "placed") && strcmp(q->placement, "outside"))
		return err_set(
		    e, E_FIELD_INVALID, "placement",
		    "参数 placement 只能是 placed（已落入网格）或 outside（不在任何辖区内）");
	if (q->q) {
		int m = search_match(q->q, f->match, e);
		if (m == SEARCH_NO_TERMS) { /* "%", "★": matched literally */
			f->match[0] = '\0';
			text_like_escape(q->q, f->like, sizeof f->like);
		} else if (m != 0) {
			return -1;
		}
	}
	if (q->part && !q->mine)
		return err_set(e, E_FIELD_INVALID, "part",
		               "参数 part 只能与 mine=1 一起使用（本单位承办任务的状态）");
	if (q->queue && queue_pick(app, q->queue, q->type, &f->queue, e) != 0)
		return -1;
	if (q->org_id) {
		struct store_stmt *s = store_stmt(c, ST_ORG_BY_ID);
		sbind_int(s, 1, q->org_id);
		if (sstep(s) == STORE_ROW)
			snprintf(f->orgpath, sizeof f->orgpath, "%s", scol_text(s, 5));
		sreset(s);
		if (!f->orgpath[0]) {
			case_filters_release(f);
			return err_set(e, E_FIELD_INVALID, "org", "不是已知的单位");
		}
	}
	if ((q->status &&
	     code_list_json(app, type, &status_list, q->status, &f->statuses, e) != 0) ||
	    (q->class_ && code_list_json(app, type, &class_list, q->class_, &f->classes, e) != 0) ||
	    (q->channel &&
	     code_list_json(app, type, &channel_list, q->channel, &f->channels, e) != 0) ||
	    (q->part && code_list_json(app, type, &part_list, q->part, &f->parts, e) != 0) ||
	    (q->mine && !q->part && unfinished_parts_json(app, type, &f->parts, e) != 0)) {
		case_filters_release(f);
		return -1;
	}
	status_codes_split(q->status, f);
	if (q->mine)
		part_arms_pick(app, type, q->part, f);
	return 0;
}

/* Binds the query to ST_CASE_LIST (f, which holds the full-text query,
 * must outlive the run). */
static void case_list_bind(struct store_stmt *s, const struct actor *a, const struct case_query *q,
                           const struct case_filters *f, int64_t now)
{
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, f->scopes[i]);
	sbind_text(s, 4, f->queue.type ? f->queue.type : q->type);
	sbind_text(s, 5, f->statuses);
	sbind_text(s, 21, f->classes);
	sbind_text(s, 22, f->channels);
	sbind_text(s, 6, f->orgpath[0] ? f->orgpath : NULL);
	if (q->from)
		sbind_int(s, 7, q->from);
	if (q->to)
		sbind_int(s, 8, q->to);
	if (q->overdue)
		sbind_int(s, 9, now);
	/* q: the full-text index (search.h), or literal text when q has no
	 * word for the index; or the case number exactly */
	sbind_text(s, 10, f->match[0] ? f->match : NULL);
	sbind_text(s, 27, f->like[0] ? f->like : NULL);
	if (!f->match[0] || q->sort != CASE_SORT_NEWEST) /* see ST_CASE_LIST_TEXT */
		sbind_text(s, 14, q->q);
	if (q->sort == CASE_SORT_NEWEST) {
		sbind_int(s, 11, q->cursor ? q->cursor : INT64_MAX); /* always: a rowid range */
		sbind_int(s, 29, q->id_min);                         /* and its lower end */
	} else { /* the keyset: after (key, id); the first page after everything */
		sbind_int(s, 24, q->cursor ? q->cursor_key : INT64_MIN);
		sbind_int(s, 25, q->cursor);
	}
	if (q->mine) {
		sbind_text(s, 12, a->org_path);
		sbind_text(s, 23, f->parts);
	}
	sbind_int(s, 13, q->limit + !q->exact); /* one more row tells whether more follow */
	if (f->queue.statuses) {
		sbind_text(s, 15, f->queue.statuses);
		if (f->queue.or_overdue)
			sbind_int(s, 16, now);
		if (f->queue.asg_statuses)
			sbind_text(s, 20, f->queue.asg_statuses);
	}
	if (q->due_soon) {
		sbind_int(s, 17, now);
		sbind_int(s, 18, now + q->due_soon * MS_PER_HOUR);
	}
	if (q->problem)
		sbind_int(s, 19, q->problem > 0);
	sbind_text(s, 26, q->placement);
	sbind_text(s, 28, q->part_kind);
	for (int i = 0; i < f->nstatus; i++) /* ST_CASE_LIST_STATUS's arms */
		sbind_text(s, 31 + i, f->status_code[i]);
	for (int i = 0; i < f->nparts; i++) /* ST_CASE_LIST_INBOX's arms */
		sbind_text(s, 41 + i, f->part_code[i]);
}

/* sort=due's cursors: a kind letter, the last row's key (its deadline in
 * ms, or "n" for none) and its id, dot-separated: "d.1735689600000.42".
 * Kind 'd' walks the cases' deadlines, 'p' (mine=1) the unit's parts'. The
 * default order's cursor is the last id alone. Clients treat both as
 * opaque. */
#define CURSOR_CASE_DUE 'd'
#define CURSOR_PART_DUE 'p'

static char cursor_kind(const struct case_query *q)
{
	return q->mine ? CURSOR_PART_DUE : CURSOR_CASE_DUE;
}

/* The cursor continuing after the row (key, id) of q's order into buf. */
static void cursor_format(const struct case_query *q, int64_t key, int64_t id, char *buf,
                          size_t cap)
{
	if (q->sort == CASE_SORT_NEWEST)
		snprintf(buf, cap, "%lld", (long long)id);
	else if (key == CASE_KEY_NONE)
		snprintf(buf, cap, "%c.n.%lld", cursor_kind(q), (long long)id);
	else
		snprintf(buf, cap, "%c.%lld.%lld", cursor_kind(q), (long long)key, (long long)id);
}

/* A decimal number of 1–18 digits at *p (no sign), into *v; *p moves past it. */
static bool cursor_number(const char **p, int64_t *v)
{
	int64_t n = 0;
	int digits = 0;
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		if (++digits > 18)
			return false;
		n = n * 10 + (**p - '0');
	}
	*v = n;
	return digits > 0;
}

int case_cursor_parse(const char *text, struct case_query *q, struct err *e)
{
	q->cursor = 0;
	q->cursor_key = 0;
	if (!text || !*text)
		return 0;
	const char *p = text;
	int64_t key = 0, id = 0;
	bool due_form = (*p == CURSOR_CASE_DUE || *p == CURSOR_PART_DUE) && p[1] == '.';
	if (q->sort == CASE_SORT_NEWEST) {
		if (due_form)
			return err_set(e, E_FIELD_INVALID, "cursor",
			               "这个翻页游标属于 sort=due 的排序，不能用于默认排序");
		if (!cursor_number(&p, &id) || *p || id < 1)
			return err_set(e, E_FIELD_INVALID, "cursor",
			               "参数 cursor 不是有效的翻页游标");
		q->cursor = id;
		return 0;
	}
	if (!due_form) {
		int64_t n;
		if (cursor_number(&p, &n) && !*p)
			return err_set(e, E_FIELD_INVALID, "cursor",
			               "这个翻页游标属于默认排序，不能用于 sort=due");
		return err_set(e, E_FIELD_INVALID, "cursor", "参数 cursor 不是有效的翻页游标");
	}
	if (*p != cursor_kind(q))
		return err_set(e, E_FIELD_INVALID, "cursor",
		               q->mine
		                   ? "这个翻页游标属于不带 mine=1 的 sort=due，不能用于本单位列表"
		                   : "这个翻页游标属于 mine=1 的 sort=due，不能用于这个列表");
	p += 2;
	if (*p == 'n') {
		key = CASE_KEY_NONE;
		p++;
	} else if (!cursor_number(&p, &key)) {
		return err_set(e, E_FIELD_INVALID, "cursor", "参数 cursor 不是有效的翻页游标");
	}
	if (*p++ != '.' || !cursor_number(&p, &id) || *p || id < 1)
		return err_set(e, E_FIELD_INVALID, "cursor", "参数 cursor 不是有效的翻页游标");
	q->cursor = id;
	q->cursor_key = key;
	return 0;
}

/* {"items": the n cases of ids as list items, "next_cursor"} into *out;
 * last_key is the last row's sort key (CASE_SORT_DUE). */
static void case_list_render(struct store_conn *c, const struct app *app, const struct actor *a,
                             const struct case_query *q, const int64_t *ids, int n, bool more,
                             int64_t last_key, json_t **out)
{
	json_t *items = json_array();
	/* a chunk's cases loaded at once (two statements, not two a case) */
	struct case_full *cf = malloc(sizeof *cf * CASE_LOAD_MANY_MAX);
	for (int at = 0; cf && at < n; at += CASE_LOAD_MANY_MAX) {
		int k = n - at < CASE_LOAD_MANY_MAX ? n - at : CASE_LOAD_MANY_MAX;
		bool found[CASE_LOAD_MANY_MAX];
		if (case_load_many(c, app, ids + at, k, cf, found) != 0)
			continue;
		for (int i = 0; i < k; i++) {
			if (!found[i])
				continue;
			json_t *item = case_to_json(c, app, a, &cf[i], false, NULL);
			if (item && q->with_actions)
				json_object_set_new(item, "actions", case_actions_json(a, &cf[i]));
			json_array_append_new(items, item);
			case_full_release(&cf[i]);
		}
	}
	free(cf);
	char cur[64];
	cursor_format(q, last_key, n ? ids[n - 1] : 0, cur, sizeof cur);
	*out = json_pack("{s:o,s:s?}", "items", items, "next_cursor", more ? cur : NULL);
}

/* Whether the scope path is a root's ("/1/": a whole county). */
static bool scope_is_root(const char *path)
{
	const char *second = strchr(path + 1, '/');
	return second && !second[1];
}

/* The statement of q's shape (docs/lists.md): the index that drives it is
 * the narrowest the query names; the other filters are residual. */
static enum stmt_id case_list_stmt(const struct case_query *q, const struct case_filters *f)
{
	bool open_only = q->overdue || q->due_soon; /* only open cases with a deadline match */
	if (q->sort != CASE_SORT_NEWEST) {
		if (q->mine)
			return f->nparts ? ST_CASE_LIST_INBOX : ST_CASE_LIST_PART_DUE;
		return open_only ? ST_CASE_LIST_OPEN_DUE : ST_CASE_LIST_DUE;
	}
	if (f->match[0])
		return ST_CASE_LIST_TEXT;
	if (q->placement)
		return ST_CASE_LIST_PLACE;
	if (q->overdue) /* the kept set's ranges, any reader */
		return ST_CASE_LIST_OVERDUE;
	if (f->nscopes == 1 && scope_is_root(f->scopes[0])) { /* a whole county */
		bool typed = q->type || f->queue.type;        /* ?4 bound */
		if (f->nstatus)
			return typed ? ST_CASE_LIST_TYPE_STATUS : ST_CASE_LIST_STATUS;
		if (open_only)
			return ST_CASE_LIST_OPEN;
		if (typed)
			return ST_CASE_LIST_TYPE;
	}
	/* the reader's own cases, one range per scope (a county's too: the
	 * database may hold another county's cases) */
	return ST_CASE_LIST_SCOPE;
}

int case_list_ids(struct store_conn *c, const struct app *app, const struct actor *a,
                  const struct case_query *q, int64_t now, int64_t *ids, int *n, bool *more,
                  int64_t *last_key, struct err *e)
{
	struct case_filters f;
	*n = 0;
	*more = false;
	if (case_filters_init(c, app, a, q, &f, e) != 0)
		return -1;
	struct store_stmt *s = store_stmt(c, case_list_stmt(q, &f));
	case_list_bind(s, a, q, &f, now);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (*n == q->limit)
			break;
		if (ids)
			ids[*n] = scol_int(s, 0);
		if (last_key && q->sort == CASE_SORT_DUE)
			*last_key = scol_int(s, 1);
		(*n)++;
	}
	*more = rc == STORE_ROW;
	sreset(s);
	case_filters_release(&f);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	return 0;
}

int case_list(struct store_conn *c, const struct app *app, const struct actor *a,
              const struct case_query *q, json_t **out, struct err *e)
{
	int64_t ids[201], last_key = 0;
	int n;
	bool more;
	if (NEVER(q->limit < 1 || q->limit > 200))
		return err_set(e, E_INTERNAL, NULL, NULL);
	if (case_list_ids(c, app, a, q, time_now_ms(), ids, &n, &more, &last_key, e) != 0)
		return -1;
	case_list_render(c, app, a, q, ids, n, more, last_key, out);
	return 0;
}

/* One row of ST_GEO_CASES as a map item; NULL when out of memory. */
static json_t *case_map_item(struct store_stmt *s, const struct app *app, int64_t now)
{
	const struct matter_type *t = types_find(app->types, scol_text(s, 4));
	const struct type_state *st = t ? type_state(t, scol_text(s, 3)) : NULL;
	int64_t due = scol_null(s, 8) ? 0 : scol_int(s, 8);
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?,s:f,s:f,s:b,s:{s:I,s:s,s:s}}", "id",
	                 (json_int_t)scol_int(s, 0), "no", scol_text(s, 1), "title",
	                 scol_text(s, 2), "status", scol_text(s, 3), "status_name",
	                 st ? st->name : scol_text(s, 3), "class", scol_text(s, 5), "lat",
	                 scol_real(s, 6), "lng", scol_real(s, 7), "overdue", due && due < now,
	                 "org", "id", (json_int_t)scol_int(s, 9), "code", scol_text(s, 10), "name",
	                 scol_text(s, 11));
}

int case_map(struct store_conn *c, const struct app *app, const struct actor *a,
             const struct case_map_query *q, json_t **out, struct err *e)
{
	struct case_query cq = {.type = q->type, .status = q->status, .limit = q->limit};
	struct case_filters f;
	if (q->limit < 1 || q->limit > CASE_MAP_LIMIT_MAX)
		return err_set(e, E_FIELD_INVALID, "limit", "参数 limit 须为 1–%d 的整数",
		               CASE_MAP_LIMIT_MAX);
	if (case_filters_init(c, app, a, &cq, &f, e) != 0)
		return -1;
	struct store_stmt *s = store_stmt(c, ST_GEO_CASES);
	for (int i = 0; i < 3; i++)
		sbind_text(s, i + 1, f.scopes[i]);
	sbind_text(s, 4, q->type);
	sbind_text(s, 5, f.statuses);
	sbind_int(s, 6, q->limit + 1);
	int64_t now = time_now_ms();
	json_t *items = json_array();
	int rc, n = 0;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (n == q->limit)
			break;
		if (scol_null(s, 6) || scol_null(s, 7)) /* a location is stored with both */
			continue;
		json_t *item = case_map_item(s, app, now);
		if (!item || json_array_append_new(items, item) != 0) {
			rc = STORE_ERROR;
			break;
		}
		n++;
	}
	sreset(s);
	case_filters_release(&f);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	*out = json_pack("{s:o,s:b}", "items", items, "truncated", rc == STORE_ROW);
	return *out ? 0 : err_oom(e);
}

int case_events(struct store_conn *c, const struct app *app, const struct actor *a, int64_t id,
                int64_t cursor, int limit, json_t **out, struct err *e)
{
	struct case_full cf;
	if (case_load(c, app, id, &cf) != 0)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	bool ok = case_visible(a, &cf), reads_shown = case_audit_readable(a, &cf);
	case_full_release(&cf);
	if (!ok)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	json_t *items = json_array();
	struct store_stmt *s = store_stmt(c, ST_EVENTS_OF_CASE);
	sbind_int(s, 1, id);
	sbind_int(s, 2, cursor);
	sbind_int(s, 3, limit + 1);
	if (!reads_shown)
		sbind_text(s, 4, ENGINE_READ_ACTIONS);
	int n = 0, rc;
	int64_t last = 0;
	while ((rc = sstep(s)) == STORE_ROW) {
		if (n++ == limit)
			break;
		last = scol_int(s, 0);
		char hash[HEX_LEN(HASH_LEN)];
		if (scol_bytes(s, 10) == HASH_LEN)
			hex_encode(scol_blob(s, 10), HASH_LEN, hash);
		else
			hash[0] = '\0';
		json_t *ev =
		    json_pack("{s:I,s:s,s:s?,s:s?}", "seq", (json_int_t)scol_int(s, 0), "action",
		              scol_text(s, 6), "from", scol_text(s, 7), "to", scol_text(s, 8));
		set_time(ev, "at", scol_int(s, 1));
		json_object_set_new(
		    ev, "actor",
		    scol_null(s, 2) ? json_null()
		                    : json_pack("{s:I,s:s?,s:s?}", "id", (json_int_t)scol_int(s, 2),
		                                "login", scol_text(s, 3), "name", scol_text(s, 4)));
		json_t *org = json_null();
		if (!scol_null(s, 5) && !scol_null(s, 11)) {
			org = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)scol_int(s, 5), "code",
			                scol_text(s, 11), "name", scol_text(s, 12));
			if (org && !scol_null(s, 13))
				json_object_set_new(org, "region",
				                    json_pack("{s:s,s:s}", "code", scol_text(s, 13),
				                              "name", scol_text(s, 14)));
		}
		json_object_set_new(ev, "org", org ? org : json_null());
		json_t *payload = json_loads(scol_text(s, 9), 0, NULL);
		json_object_set_new(ev, "payload", payload ? payload : json_object());
		json_object_set_new(ev, "hash", json_string(hash));
		json_array_append_new(items, ev);
	}
	sreset(s);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		return err_set(e, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	}
	*out = json_page(items, last, rc == STORE_ROW);
	return 0;
}
