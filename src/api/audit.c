/*
 * GET /api/v1/audit/events: the audit chain itself, for those who check it
 * (audit.read: admin, and the discipline commission county-wide, DESIGN §1).
 * Each event as stored, with its hashes, so a reader can recompute the chain
 * link by link; events of orgs outside the reader's audit.read scope are left
 * out (an event with no org — the command line's — only for a scope at a
 * root org). A page of a recorded reader (actor_reads_recorded) is itself an
 * event, `audit.read`, written before the answer goes out: reading the record
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

struct audit_record {
	char payload[96];
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

/* GET /api/v1/audit/events?after=SEQ&limit=N → {"items":[…],"next_cursor"} */
enum handler_result api_audit_events(struct req *r)
{
	int64_t after = 0, limit = AUDIT_LIMIT_DEFAULT;
	if (req_query_int(r, "cursor", 0, INT64_MAX / 2, &after) != 0 ||
	    req_query_int(r, "limit", 1, AUDIT_LIMIT_MAX, &limit) != 0)
		return reply_failed(r);
	struct store_stmt *s = store_stmt(r->reader, ST_AUDIT_EVENTS);
	sbind_int(s, 1, after);
	sbind_int(s, 2, AUDIT_SCAN_MAX);
	bool top = audit_reads_top(&r->actor);
	json_t *items = json_array();
	int64_t last = after, shown = 0;
	int rc, scanned = 0;
	while (items && shown < limit && (rc = sstep(s)) == STORE_ROW) {
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
	bool more = shown == limit || scanned == AUDIT_SCAN_MAX;
	if (items && shown < limit && scanned < AUDIT_SCAN_MAX && rc != STORE_DONE) {
		json_decref(items);
		items = NULL;
	}
	sreset(s);
	if (!items)
		return reply_err(r, E_UNAVAILABLE, NULL, "查询失败，请稍后重试");
	char cur[32];
	snprintf(cur, sizeof cur, "%lld", (long long)last);
	r->out = json_pack("{s:o,s:s?}", "items", items, "next_cursor", more ? cur : NULL);
	r->status = 200;
	if (!r->out)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	if (!actor_reads_recorded(&r->actor))
		return H_DONE;
	struct audit_record *ar = malloc(sizeof *ar);
	if (!ar)
		return reply_err(r, E_UNAVAILABLE, NULL, NULL);
	snprintf(ar->payload, sizeof ar->payload, "{\"after\":%lld,\"shown\":%lld}",
	         (long long)after, (long long)shown);
	r->hctx = ar;
	return reply_async(r, audit_record_job);
}
