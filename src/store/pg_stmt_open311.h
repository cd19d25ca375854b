/* The PostgreSQL forms of stmt_open311.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* A parameter whose first use is IS NULL is given its type there. */
[ST_O311_REQ_LIST] = "SELECT c.id, o.media_url FROM open311_requests o JOIN cases c"
                     " ON c.region_code = o.region_code AND c.id = o.case_id"
                     " WHERE o.created_at >= $1 AND o.created_at < $2 AND c.confidential = 0"
                     " AND ($3::text IS NULL OR c.class = $3)"
                     " AND ($4::text IS NULL OR ($4 = 'open') = (c.closed_at IS NULL))"
                     " ORDER BY o.created_at DESC, o.case_id DESC LIMIT $5 OFFSET $6",
    /* Without SQLite's plan hints (INDEXED BY, CROSS JOIN's order). */
    [ST_O311_EVENTS_WINDOW] = "SELECT " O311_EVENT_COLS ", c.no, c.id FROM events e"
                              " JOIN open311_requests o ON o.case_id = e.case_id"
                              " AND o.region_code = e.region_code"
                              " JOIN cases c ON c.id = e.case_id AND c.region_code = e.region_code"
                              " LEFT JOIN open311_updates u ON u.event_seq = e.seq"
                              " AND u.region_code = e.region_code"
                              " WHERE e.at >= $1 AND e.at < $2 AND c.confidential = 0"
                              " ORDER BY e.at, e.seq",
