/*
 * SQL of the outbox and the webhook subscriptions (migration 23,
 * core/outbox.h); see store/statements.h for the conventions.
 *
 * The delivery workers' due query (ST_OUTBOX_DUE) and the next-due probe
 * walk the index outbox_due (state, next_at) from the pending rows' start,
 * in order, so a worker never reads the delivered history nor sorts:
 * tests/unit/test_outbox.c checks the plans. The admin list binds the caller's notify.manage scopes
 * as ?4..?6 (org paths; unused ones NULL); a row is the scope's when its org (the subscription's,
 * else the case's) lies inside one. A row without an org is every notify.manage holder's.
 */
#ifndef CIVICLOOP_STORE_STMT_OUTBOX_H
#define CIVICLOOP_STORE_STMT_OUTBOX_H

/* Columns of an outbox row, in the order outbox_row_json() expects. */
#define OUTBOX_COLS \
	"o.id, o.channel, o.kind, o.case_id, o.target, o.state, o.attempts, o.next_at," \
	" o.last_error, o.created_at, o.updated_at, o.delivered_at, c.no, og.code, og.name"

#define OUTBOX_FROM \
	" FROM outbox o LEFT JOIN cases c ON c.region_code = o.region_code AND c.id = o.case_id" \
	" LEFT JOIN orgs og ON og.id = o.org_id"

#define OUTBOX_SCOPE \
	" (o.org_id IS NULL OR og.path LIKE ?4 || '%' OR og.path LIKE ?5 || '%'" \
	" OR og.path LIKE ?6 || '%')"

/* Columns of a webhook row, in the order webhook_row_json() expects. */
#define WEBHOOK_COLS \
	"w.id, w.url, w.kinds, w.created_at, w.revoked_at, o.code, o.name, o.path, u.login," \
	" u.name"

#define WEBHOOK_FROM \
	" FROM webhooks w JOIN orgs o ON o.id = w.org_id LEFT JOIN users u ON u.id = w.created_by"

#define STATEMENTS_OUTBOX(STMT) \
	/* a message, in the transaction of its cause */ \
	STMT( \
	    ST_OUTBOX_INSERT, \
	    "INSERT INTO outbox(channel, kind, case_id, org_id, target, payload, state, attempts," \
	    " next_at, created_at, region_code)" \
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8," \
	    " " REGION_OF_CASE_OR_ORG("?3", "?4") ")") \
	/* the workers: due messages, oldest due first (outbox_due) */ \
	STMT(ST_OUTBOX_DUE, \
	     "SELECT id, channel, kind, case_id, target, payload, attempts, next_at FROM outbox" \
	     " WHERE state = 'pending' AND next_at <= ?1 ORDER BY next_at LIMIT ?2") \
	STMT(ST_OUTBOX_NEXT_DUE, "SELECT min(next_at) FROM outbox WHERE state = 'pending'") \
	/* a worker's claim of due message ?1 among several servers (PostgreSQL: \
	 * core/outbox_worker.c claim_job): its next_at moves from ?2, as read, \
	 * to ?3, the lease's end; no row changes when another server moved it */ \
	STMT(ST_OUTBOX_CLAIM, "UPDATE outbox SET next_at = ?3 WHERE id = ?1 AND state = 'pending'" \
	                      " AND next_at = ?2") \
	/* a delivery's result: ?2 the new state, ?3 next_at, ?4 the error, ?5 now */ \
	STMT(ST_OUTBOX_RESULT, \
	     "UPDATE outbox SET state = ?2, attempts = attempts + 1, next_at = ?3, last_error = " \
	     "?4," \
	     " updated_at = ?5, delivered_at = CASE WHEN ?2 = 'delivered' THEN ?5 END" \
	     " WHERE id = ?1 AND state = 'pending'") \
	/* the retention: delivered rows older than ?1, oldest first, ?2 at a \
	 * time, on outbox_state (state, id); never the newest row of all, so an \
	 * id (a webhook's idempotency id) is never handed out twice */ \
	STMT(ST_OUTBOX_PRUNE, \
	     "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'delivered'" \
	     " AND delivered_at < ?1 AND id < (SELECT max(id) FROM outbox) ORDER BY id LIMIT ?2)") \
	STMT(ST_OUTBOX_REDRIVE, \
	     "UPDATE outbox SET state = 'pending', attempts = 0, next_at = ?2, updated_at = ?3" \
	     " WHERE id = ?1 AND state = 'dead'") \
	STMT(ST_OUTBOX_GET, "SELECT " OUTBOX_COLS ", og.path" OUTBOX_FROM " WHERE o.id = ?1") \
	/* the admin list, newest first: ?1 state (outbox_state), ?2 channel, \
	 * ?3 the id to continue below, ?4..?6 scopes, ?7 limit */ \
	STMT(ST_OUTBOX_LIST_STATE, \
	     "SELECT " OUTBOX_COLS OUTBOX_FROM \
	     " WHERE o.state = ?1 AND (?2 IS NULL OR o.channel = ?2)" \
	     " AND (?3 IS NULL OR o.id < ?3) AND" OUTBOX_SCOPE " ORDER BY o.id DESC LIMIT ?7") \
	STMT(ST_OUTBOX_LIST, \
	     "SELECT " OUTBOX_COLS OUTBOX_FROM " WHERE (?2 IS NULL OR o.channel = ?2)" \
	     " AND (?3 IS NULL OR o.id < ?3) AND" OUTBOX_SCOPE " ORDER BY o.id DESC LIMIT ?7") \
	STMT(ST_OUTBOX_SUMMARY, \
	     "SELECT o.channel, o.state, count(*)" OUTBOX_FROM " WHERE" OUTBOX_SCOPE \
	     " GROUP BY o.channel, o.state ORDER BY o.channel, o.state") \
	/* /metrics: the rows still waiting or given up on (each state on its \
	 * index; the delivered ones, which only grow, are not counted) */ \
	STMT(ST_OUTBOX_GAUGES, "SELECT channel, state, count(*), min(created_at) FROM outbox" \
	                       " WHERE state IN ('pending', 'dead') GROUP BY channel, state") \
	/* fan-out: the event's case, and the orgs of its units at work */ \
	STMT(ST_OUTBOX_CASE, \
	     "SELECT c.no, c.type, c.status, o.code, o.name, o.path, c.org_id, c.confidential" \
	     " FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.id = ?1") \
	STMT(ST_OUTBOX_CASE_UNITS, \
	     "SELECT o.path FROM assignments a JOIN orgs o ON o.id = a.org_id" \
	     " WHERE a.case_id = ?1 AND a.status <> 'cancelled'") \
	/* webhook subscriptions */ \
	STMT(ST_WEBHOOK_ACTIVE, "SELECT w.id, w.kinds, o.path, w.org_id FROM webhooks w JOIN " \
	                        "orgs o ON o.id = w.org_id" \
	                        " WHERE w.revoked_at IS NULL ORDER BY w.id") \
	STMT(ST_WEBHOOK_INSERT, \
	     "INSERT INTO webhooks(org_id, url, kinds, secret, created_by, created_at)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5, ?6)") \
	STMT(ST_WEBHOOK_GET, "SELECT " WEBHOOK_COLS WEBHOOK_FROM " WHERE w.id = ?1") \
	/* ?1 the id to continue below, ?2..?4 scopes, ?5 limit */ \
	STMT(ST_WEBHOOK_LIST, \
	     "SELECT " WEBHOOK_COLS WEBHOOK_FROM " WHERE (?1 IS NULL OR w.id < ?1)" \
	     " AND (o.path LIKE ?2 || '%' OR o.path LIKE ?3 || '%' OR o.path LIKE ?4 || '%')" \
	     " ORDER BY w.id DESC LIMIT ?5") \
	STMT(ST_WEBHOOK_REVOKE, "UPDATE webhooks SET revoked_at = ?2, revoked_by = ?3" \
	                        " WHERE id = ?1 AND revoked_at IS NULL") \
	/* the sender: where to and with what to sign */ \
	STMT(ST_WEBHOOK_SEND_INFO, "SELECT url, secret, revoked_at FROM webhooks WHERE id = ?1")

#endif
