/*
 * Public progress tracking (API.md "Core resources"): GET
 * /api/v1/public/track?no=&phone_tail= lets the person who raised a case
 * follow it without signing in. The case number and the last four digits
 * of the reporter's phone together stand in for a login.
 *
 * What it shows: the case's number, type, class, status, its times, the
 * public steps of its history (name and time only) and, once the case has
 * been answered, the reply. What it never shows: who acted (names, logins,
 * orgs' internal notes), reasons and comments, event payloads, the reporter.
 * A step is an event whose action is "create" (受理) or one of the type's
 * actions not marked "public": false in its definition; events that are not
 * type actions (pii.view, timer.*) never show. A step into a final state is
 * followed by a step naming that state (e.g. 已办结).
 *
 * Every miss (malformed input, unknown number, a case without a phone, a
 * wrong tail) is the same 404, so the answer cannot tell which numbers
 * exist; misses are counted per client address and after TRACK_MISS_MAX of
 * them within TRACK_WINDOW_MS the address gets 429 until the window ends.
 * The limiter is this file's own, apart from the login throttle, so a
 * citizen's typos never lock staff out of signing in. Read-only: nothing is
 * recorded.
 */
#include "api/addr_limit.h"
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/timeutil.h"

#define TRACK_NO_MAX 32
#define TRACK_TAIL_LEN 4
#define TRACK_MISS_MAX 20
#define TRACK_WINDOW_MS (15 * MS_PER_MINUTE)

/* What is public is the type's data: an action with "public": false is
 * internal to the government side; "public_reply": {"fields": [...],
 * "states": [...]} names the fields holding the reply and the states (besides
 * final ones) in which it may be read (checked at load, core/type_data.c). */

/* misses per client address (api/addr_limit.h) */
static struct addr_limit track_misses = ADDR_LIMIT_INIT(TRACK_MISS_MAX, TRACK_WINDOW_MS);

/* ------------------------------------------------------------------ */
/* the lookup                                                          */

bool public_no_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > TRACK_NO_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static bool track_tail_ok(const char *s)
{
	if (!s || strlen(s) != TRACK_TAIL_LEN)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* True if the case's reporter phone ends in tail (constant-time compare). */
static bool track_phone_matches(const struct app *app, const struct case_rec *c, const char *tail)
{
	if (!c->reporter_enc)
		return false;
	char *plain = NULL;
	if (unseal(&app->keys, c->reporter_enc, c->reporter_len, &plain, NULL) != 0)
		return false;
	json_t *p = json_loads(plain, 0, NULL);
	sodium_memzero(plain, strlen(plain));
	free(plain);
	const char *phone = json_string_value(json_object_get(p, "phone"));
	size_t n = phone ? strlen(phone) : 0;
	bool ok = n >= TRACK_TAIL_LEN &&
	          sodium_memcmp(phone + n - TRACK_TAIL_LEN, tail, TRACK_TAIL_LEN) == 0;
	json_decref(p);
	return ok;
}

static void track_time(json_t *o, const char *key, int64_t ms)
{
	char buf[ISO8601_MAX];
	if (!ms) {
		json_object_set_new(o, key, json_null());
		return;
	}
	time_format_iso(ms, buf, sizeof buf);
	json_object_set_new(o, key, json_string(buf));
}

static json_t *track_step(int64_t at, const char *action, const char *name)
{
	json_t *s = json_object();
	track_time(s, "at", at);
	json_object_set_new(s, "action", json_string(action));
	json_object_set_new(s, "name", json_string(name));
	return s;
}

/* The public steps of case c, oldest first; 受理 is dated by the case's
 * receipt (for an imported or 110 case, earlier than its create event). */
static json_t *track_steps(struct store_conn *conn, const struct case_rec *c)
{
	const struct matter_type *t = c->type;
	json_t *steps = json_array();
	struct store_stmt *s = store_stmt(conn, ST_PUBLIC_STEPS);
	sbind_int(s, 1, c->id);
	while (sstep(s) == STORE_ROW) {
		int64_t at = scol_int(s, 0);
		const char *action = scol_text(s, 1);
		const char *to = scol_null(s, 2) ? NULL : scol_text(s, 2);
		if (!action)
			continue;
		if (!strcmp(action, "create")) {
			json_array_append_new(steps, track_step(c->received_at, "create", "受理"));
		} else {
			const struct type_action *act = type_action(t, action);
			if (!act || act->internal)
				continue;
			json_array_append_new(steps, track_step(at, act->code, act->name));
		}
		const struct type_state *st = to ? type_state(t, to) : NULL;
		if (st && st->final)
			json_array_append_new(steps, track_step(at, st->code, st->name));
	}
	sreset(s);
	return steps;
}

static json_t *track_json(struct store_conn *conn, const struct case_full *cf)
{
	const struct case_rec *c = &cf->c;
	const struct type_state *st = type_state(c->type, c->status);
	json_t *o =
	    json_pack("{s:s,s:s,s:s?,s:s,s:s}", "no", c->no, "type_name", c->type->name, "class",
	              c->class_, "status", c->status, "status_name", st ? st->name : c->status);
	track_time(o, "received_at", c->received_at);
	track_time(o, "due_at", c->due_at);
	track_time(o, "closed_at", c->closed_at);
	json_object_set_new(o, "steps", track_steps(conn, c));
	const char *reply = type_public_reply(c->type, c->status, c->fields);
	if (reply) /* the answer's key (API.md), not the type's field or action */
		json_object_set_new(o, "reply", json_string(reply)); /* not a type name */
	const char *outcome = type_public_outcome(c->type, c->status, c->fields);
	if (outcome) /* public_reply.outcome's value: a suggestion's 采纳 */
		json_object_set_new(o, "outcome", json_string(outcome));
	return o;
}

json_t *public_track_json(struct store_conn *conn, const struct case_full *cf)
{
	return track_json(conn, cf);
}

/* Every miss answers the same. */
static enum handler_result track_miss_reply(struct req *r, int64_t now)
{
	addr_limit_count(&track_misses, r->address, now);
	return reply_err(r, E_NOT_FOUND, NULL, "未查到该工单，请核对工单编号和来电号码后四位");
}

/* GET /api/v1/public/track?no=&phone_tail=: a case's public progress. */
enum handler_result api_public_track(struct req *r)
{
	int64_t now = time_real_ms();
	if (!addr_limit_allowed(&track_misses, r->address, now))
		return reply_err(r, E_THROTTLED, NULL, "查询失败次数过多，请 15 分钟后再试");
	const char *no = req_query(r, "no"), *tail = req_query(r, "phone_tail");
	if (!public_no_ok(no) || !track_tail_ok(tail))
		return track_miss_reply(r, now);
	struct store_stmt *s = store_stmt(r->reader, ST_PUBLIC_CASE_BY_NO);
	sbind_text(s, 1, no);
	int64_t id = sstep(s) == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	struct case_full cf;
	if (!id || case_load(r->reader, r->app, id, &cf) != 0)
		return track_miss_reply(r, now);
	if (!track_phone_matches(r->app, &cf.c, tail)) {
		case_full_release(&cf);
		return track_miss_reply(r, now);
	}
	json_t *out = track_json(r->reader, &cf);
	case_full_release(&cf);
	return reply_json(r, 200, out);
}
