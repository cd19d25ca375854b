/*
 * GET /api/v1/audit/events: the audit chain itself, for those who check it
 * (audit.read: admin, and the discipline commission county-wide, DESIGN §1).
 * Each event as stored, with its hashes, so a reader can recompute the chain
 * link by link; events of orgs outside the reader's audit.read scope are left
 * out (an event with no org — the command line's — only for a scope at a
 * root org). Oldest first by default, newest first with order=desc; the
 * filters case_id=, action= and actor= (a login) each walk an index in seq
 * order (store/stmt_audit.h), so a page never reads the whole chain. A page
 * of a recorded reader (actor_reads_recorded) is itself an event,
 * `audit.read`, written before the answer goes out: reading the record
 * leaves a record.
 */
#include "api/api.h"
#include "core/app.h"
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/json.h"

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 500
#define AUDIT_SCAN_MAX 5000 /* rows looked at for one page; the cursor moves past them */

/* True for the path of a top org ("/ID/"). */
static bool path_is_top(const char *path)
{
	int slashes = 0;
	for (const char *p = path; *p; p++)
		slashes += *p == '/';
	return slashes == 2;
}

/* True if the reader holds audit.read over a top org: events with no org
 * (the command line's) are theirs to see. */
static bool audit_reads_top(const struct actor *a)
{
	const char *scopes[ACTOR_MAX_ROLES];
	int n = actor_scopes(a, P_AUDIT_READ, scopes, ACTOR_MAX_ROLES);
	for (int i = 0; i < n; i++)
		if (path_is_top(scopes[i]))
			return true;
	return false;
}

static void set_hex(json_t *o, const char *key, struct store_stmt *s, int col)
{
	char hex[2 * 32 + 1] = "";
	if (scol_bytes(s, col) == 32)
		hex_encode(scol_blob(s, col), 32, hex);
	json_object_set_new(o, key, json_string(hex));
}

/* One events row (ST_AUDIT_EVENTS) as JSON; NULL if out of memory. */
static json_t *audit_event_json(struct store_stmt *s)
{
	char at[ISO8601_MAX];
	time_format_iso(scol_int(s, 2), at, sizeof at);
	json_t *payload = json_loads(scol_text(s, 11), 0, NULL);
	json_t *o = json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:o*}", "seq", (json_int_t)scol_int(s, 0),
	                      "at", at, "action", scol_text(s, 8), "from", scol_text(s, 9), "to",
	                      scol_text(s, 10), "payload", payload);
	if (!o)
		return NULL;
	json_object_set_new(o, "case_id",
	                    scol_null(s, 1) ? json_null() : json_integer(scol_int(s, 1)));
	json_object_set_new(o, "actor",
	                    scol_null(s, 3) ? json_null()
	                                    : json_pack("{s:s,s:s?}", "login", scol_text(s, 3),
	                                                "name", scol_text(s, 4)));
	json_object_set_new(o, "org", scol_null(s, 6) ? json_null() : json_string(scol_text(s, 6)));
	set_hex(o, "prev_hash", s, 12);
	set_hex(o, "hash", s, 13);
	return o;
}

/* The page asked for: order, cursor and filters (each NULL / 0 when not given). */
struct audit_query {
	bool desc;      /* order=desc: newest first, the cursor counts down */
	int64_t cursor; /* asc: after this seq; desc: before it (0: from the newest) */
	int64_t limit;
	int64_t case_id;
	const char *action;
	const char *actor; /* a login */
	int64_t actor_id;  /* actor's account; -1 when no account has that login */
};

#define AUDIT_ACTION_MAX 64 /* bytes of action= */

/* Reads the query string into *q; 0, or -1 with r->err set to a 400 naming
 * the parameter. */
static int audit_query_read(struct req *r, struct audit_query *q)
{
	*q = (struct audit_query){.limit = AUDIT_LIMIT_DEFAULT};
	const char *order = req_query(r, "order");
	if (order && strcmp(order, "asc") && strcmp(order, "desc"))
		return err_set(&r->err, E_FIELD_INVALID, "order", "参数 order 只能是 asc 或 desc");
	q->desc = order && !strcmp(order, "desc");
	if (req_query_int(r, "cursor", 0, INT64_MAX / 2, &q->cursor) != 0 ||
	    req_query_int(r, "limit", 1, AUDIT_LIMIT_MAX, &q->limit) != 0 ||
	    req_query_int(r, "case_id", 1, INT64_MAX / 2, &q->case_id) != 0)
		return -1;
	q->action = req_query(r, "action");
	if (q->action && (!*q->action || strlen(q->action) > AUDIT_ACTION_MAX ||
	                  text_has_control(q->action, false)))
		return err_set(&r->err, E_FIELD_INVALID, "action",
		               "参数 action 须为 1–%d 字节的操作名", AUDIT_ACTION_MAX);
	q->actor = req_query(r, "actor");
	if (q->actor &&
	    (!*q->actor || strlen(q->actor) > LOGIN_MAX || text_has_control(q->actor, false)))
		return err_set(&r->err, E_FIELD_INVALID, "actor", "参数 actor 须为账号名");
	if (q->actor) {
		struct account u;
		q->actor_id = account_find(r->reader, q->actor, 0, &u) == 0 ? u.id : -1;
	}
	return 0;
}

/* The statement that drives the page (store/stmt_audit.h), bound: a case's
 * index when case_id is given (a case has few events), else the action's,
 * else the actor's, else the chain itself; the other filters given are
 * checked on the rows it walks. */
static struct store_stmt *audit_stmt(struct req *r, const struct audit_query *q)
{
	static const enum stmt_id by[4][2] = {
	    {ST_AUDIT_EVENTS, ST_AUDIT_EVENTS_DESC},
	    {ST_AUDIT_CASE, ST_AUDIT_CASE_DESC},
	    {ST_AUDIT_ACTION, ST_AUDIT_ACTION_DESC},
	    {ST_AUDIT_ACTOR, ST_AUDIT_ACTOR_DESC},
	};
	int k = q->case_id ? 1 : q->action ? 2 : q->actor ? 3 : 0;
	struct store_stmt *s = store_stmt(r->reader, by[k][q->desc]);
	sbind_int(s, 1, q->desc && !q->cursor ? INT64_MAX : q->cursor);
	sbind_int(s, 2, AUDIT_SCAN_MAX + 1);
	if (k == 0)
		return s;
	if (q->case_id)
		sbind_int(s, 3, q->case_id);
	sbind_text(s, 4, q->action);
	if (q->actor)
		sbind_int(s, 5, q->actor_id);
	return s;
}

/* The audit.read event of a recorded reader's page, written before the page
 * goes out. The payload fits: its strings are the query's, each capped. */
struct audit_record {
	char payload[1024];
};

static int audit_record_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct audit_record *ar = r->hctx;
	if (engine_record_read(w, &r->actor, 0, "audit.read", ar->payload) != 0) {
		json_decref(r->out);
		r->out = NULL;
		return err_set(&r->err, E_UNAVAILABLE, NULL, NULL);
	}
	return 0;
}

/* The audit.read event's payload for a recorded reader's page into
 * ar->payload: {"after":N,"shown":N} oldest first,
 * {"before":N|null,"order":"desc","shown":N} newest first, and
 * "query":{"case_id","action","actor"} with the filters given. 0, or -1
 * when out of memory. */
static int audit_record_payload(const struct audit_query *q, int64_t shown, struct audit_record *ar)
{
	json_t *p = json_pack("{s:I}", "shown", (json_int_t)shown);
	if (!q->desc) {
		json_object_set_new(p, "after", json_integer(q->cursor));
	} else {
		json_object_set_new(p, "order", json_string("desc"));
		json_object_set_new(p, "before", q->cursor ? json_integer(q->cursor) : json_null());
	}
	if (q->case_id || q->action || q->actor) {
		json_t *f = json_object();
		if (q->case_id)
			json_object_set_new(f, "case_id", json_integer(q->case_id));
		if (q->action)
			json_object_set_new(f, "action", json_string(q->action));
		if (q->actor)
			json_object_set_new(f, "actor", json_string(q->actor));
		json_object_set_new(p, "query", f);
	}
	char *text = json_canonical(p);
	json_decref(p);
	int rc = -1;
	if (text && strlen(text) < sizeof ar->payload) {
		memcpy(ar->payload, text, strlen(text) + 1);
		rc = 0;
	}
	free(text);
	return rc;
}

/* GET /api/v1/audit/events?order=asc|desc&cursor=SEQ&limit=N&case_id=&action=&actor=
 *   → {"items":[…],"next_cursor"} */
enum handler_result api_audit_events(struct req *r)
{
	struct audit_query q;
	if (audit_query_read(r, &q) != 0)
		return reply_failed(r);
	bool top = audit_reads_top(&r->actor);
	json_t *items = json_array();
	int64_t last = q.cursor, shown = 0;
	int rc = STORE_DONE, scanned = 0;
	struct store_stmt *s = q.actor_id >= 0 ? audit_stmt(r, &q) : NULL;
	while (s && items && shown < q.limit && scanned < AUDIT_SCAN_MAX &&
	       (rc = sstep(s)) == STORE_ROW) {
		scanned++;
		last = scol_int(s, 0);
		if (scol_null(s, 7) ? !top : !actor_can(&r->actor, P_AUDIT_READ, scol_text(s, 7)))
			continue;
		json_t *e = audit_event_json(s);
		if (!e || json_array_append_new(items, e) != 0) {
			json_decref(items);
			items = NULL;
		}
		shown++;
	}
	/* more follow when the statement has another row past the last one looked at */
	bool more = rc == STORE_ROW && (rc = sstep(s)) == STORE_ROW;
	if (rc != STORE_ROW && rc != STORE_DONE) {
		json_decref(items);
		items = NULL;
	}
	sreset(s);
	if (!items)
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	r->out = json_page(items, last, more);
	r->status = 200;
	if (!r->out)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	if (!actor_reads_recorded(&r->actor))
		return H_DONE;
	struct audit_record *ar = malloc(sizeof *ar);
	if (!ar || audit_record_payload(&q, shown, ar) != 0) {
		free(ar);
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	}
	r->hctx = ar;
	return reply_async(r, audit_record_job);
}
