/*
 * SQL of Open311 GeoReport v2 (api/open311*.c, docs/open311.md): the
 * requests it took and their tokens, the updates citizens posted, and the
 * public listings, which only ever name cases taken through Open311 and
 * never a confidential one. See store/statements.h for the conventions.
 */
#ifndef CIVICLOOP_STORE_STMT_OPEN311_H
#define CIVICLOOP_STORE_STMT_OPEN311_H

#define O311_EVENT_COLS \
	"e.seq, e.at, e.action, e.to_status, e.payload, u.client_update_id, u.status, u.media_url"

#define STATEMENTS_OPEN311(STMT) \
	STMT(ST_O311_REQ_INSERT, \
	     "INSERT INTO open311_requests(case_id, token, key_id, media_url," \
	     " created_at, region_code) VALUES(?1, ?2, ?3, ?4, ?5, " REGION_OF_CASE("?1") ")") \
	/* a public request by its number: ?1 the case number */ \
	STMT(ST_O311_REQ_BY_NO, "SELECT c.id, o.media_url FROM cases c JOIN open311_requests o" \
	                        " ON o.region_code = c.region_code AND o.case_id = c.id" \
	                        " WHERE c.no = ?1 AND c.confidential = 0") \
	STMT(ST_O311_REQ_BY_TOKEN, "SELECT c.no FROM open311_requests o JOIN cases c" \
	                           " ON c.region_code = o.region_code AND c.id = o.case_id" \
	                           " WHERE o.token = ?1") \
	/* the public list: ?1/?2 the window on the request's time, ?3 class, \
	 * ?4 "open" or "closed", ?5 limit, ?6 offset; newest first */ \
	STMT(ST_O311_REQ_LIST, \
	     "SELECT c.id, o.media_url FROM open311_requests o JOIN cases c" \
	     " ON c.region_code = o.region_code AND c.id = o.case_id" \
	     " WHERE o.created_at >= ?1 AND o.created_at < ?2 AND c.confidential = 0" \
	     " AND (?3 IS NULL OR c.class = ?3)" \
	     " AND (?4 IS NULL OR (?4 = 'open') = (c.closed_at IS NULL))" \
	     " ORDER BY o.created_at DESC, o.case_id DESC LIMIT ?5 OFFSET ?6") \
	/* a case's events, with the citizen's update each may be */ \
	STMT(ST_O311_EVENTS_CASE, "SELECT " O311_EVENT_COLS " FROM events e" \
	                          " LEFT JOIN open311_updates u ON u.region_code = e.region_code" \
	                          " AND u.event_seq = e.seq" \
	                          " WHERE e.case_id = ?1 ORDER BY e.seq") \
	/* the events of public requests in [?1, ?2), by time (events_at) */ \
	STMT(ST_O311_EVENTS_WINDOW, \
	     "SELECT " O311_EVENT_COLS ", c.no, c.id FROM events e INDEXED BY events_at" \
	     " CROSS JOIN open311_requests o ON o.case_id = e.case_id" \
	     " AND o.region_code = e.region_code" \
	     " JOIN cases c ON c.id = e.case_id AND c.region_code = e.region_code" \
	     " LEFT JOIN open311_updates u ON u.event_seq = e.seq" \
	     " AND u.region_code = e.region_code" \
	     " WHERE e.at >= ?1 AND e.at < ?2 AND c.confidential = 0 ORDER BY e.at, e.seq") \
	STMT(ST_O311_UPDATE_BY_CLIENT, "SELECT key_id FROM open311_updates" \
	                               " WHERE client_update_id = ?1") \
	STMT(ST_O311_UPDATE_INSERT, \
	     "INSERT INTO open311_updates(event_seq, case_id, key_id," \
	     " client_update_id, status, media_url, at, region_code)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, " REGION_OF_CASE("?2") ")")

#endif
