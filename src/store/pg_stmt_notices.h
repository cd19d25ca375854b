/* The PostgreSQL forms of stmt_notices.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* A parameter whose first use is IS NULL is given its type there. */
[ST_CALLER_CASES] =
    "SELECT c.id, c.received_at" CALLER_FROM
    " AND ($6::bigint IS NULL OR c.received_at < $6 OR (c.received_at = $6 AND c.id < $7))"
    " ORDER BY c.received_at DESC, c.id DESC LIMIT $5",
    /* sum() of a boolean: the open cases counted */
    [ST_CALLER_COUNTS] = "SELECT count(*), count(*) FILTER (WHERE c.closed_at IS NULL)" CALLER_FROM,
    [ST_NOTICE_LIST] =
        "SELECT " NOTICE_COLS NOTICE_FROM " AND ($5::bigint IS NULL OR n.read_at IS NULL)"
        " AND ($6::bigint IS NULL OR n.id < $6) ORDER BY n.id DESC LIMIT $7",
