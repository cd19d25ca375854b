/* The PostgreSQL forms of stmt_outbox.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* SQLite's order: the index entries of equal next_at are in rowid order. */
[ST_OUTBOX_DUE] =
    "SELECT id, channel, kind, case_id, target, payload, attempts, next_at FROM outbox"
    " WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at, id LIMIT $2",
    /* The CASE's ?5 is a bigint, as updated_at's. */
    [ST_OUTBOX_RESULT] = "UPDATE outbox SET state = $2, attempts = attempts + 1, next_at = $3,"
                         " last_error = $4, updated_at = $5,"
                         " delivered_at = CASE WHEN $2 = 'delivered' THEN $5::bigint END"
                         " WHERE id = $1 AND state = 'pending'",
    /* A parameter whose first use is IS NULL is given its type there. */
    [ST_OUTBOX_LIST_STATE] =
        "SELECT " OUTBOX_COLS OUTBOX_FROM
        " WHERE o.state = $1 AND ($2::text IS NULL OR o.channel = $2)"
        " AND ($3::bigint IS NULL OR o.id < $3) AND" OUTBOX_SCOPE " ORDER BY o.id DESC LIMIT $7",
    [ST_OUTBOX_LIST] =
        "SELECT " OUTBOX_COLS OUTBOX_FROM " WHERE ($2::text IS NULL OR o.channel = $2)"
        " AND ($3::bigint IS NULL OR o.id < $3) AND" OUTBOX_SCOPE " ORDER BY o.id DESC LIMIT $7",
    [ST_WEBHOOK_LIST] =
        "SELECT " WEBHOOK_COLS WEBHOOK_FROM " WHERE ($1::bigint IS NULL OR w.id < $1)"
        " AND (o.path LIKE $2 || '%' OR o.path LIKE $3 || '%' OR o.path LIKE $4 || '%')"
        " ORDER BY w.id DESC LIMIT $5",
