/* The PostgreSQL forms of stmt_reception.h's statements that differ from
 * SQLite's (pg_statements.c), as designated initializers of pg_own. The
 * fields at the paths ?5 (the receiving unit's code) and ?6 (the letter's
 * number) are read as text (pg_stmt_stats.h). */

/* json_extract */
[ST_RECEPTION_CASES] = "SELECT c.id, c.no, c.title, c.status, c.channel, c.fields, o.code, o.name,"
                       " u.code, u.name, c.received_at, d.revoked_at, d.revoked_reason"
                       " FROM cases c JOIN orgs o ON o.id = c.org_id"
                       " LEFT JOIN documents d ON d.number = (c.fields::jsonb ->> substr($6, 3))"
                       " LEFT JOIN orgs u ON u.code = (c.fields::jsonb ->> substr($5, 3))"
                       " WHERE c.type = $1 AND (o.path LIKE $2 || '%' OR u.path LIKE $2 || '%')"
                       " AND ($3::bigint IS NULL OR c.received_at >= $3)"
                       " AND ($4::bigint IS NULL OR c.received_at < $4) ORDER BY c.id",
    /* json_extract; ?6 is only tested for NULL: its type is said */
    [ST_RECEPTION_REFUSALS] =
        "SELECT c.id, c.no, c.title, e.payload, o.code, o.name, u.code, u.name"
        " FROM events e JOIN cases c ON c.region_code = e.region_code AND c.id = e.case_id"
        " JOIN orgs o ON o.id = c.org_id"
        " LEFT JOIN orgs u ON u.code = (c.fields::jsonb ->> substr($5, 3))"
        " WHERE e.action = $7 AND c.type = $1"
        " AND (o.path LIKE $2 || '%' OR u.path LIKE $2 || '%')"
        " AND ($3::bigint IS NULL OR c.received_at >= $3)"
        " AND ($4::bigint IS NULL OR c.received_at < $4)"
        " AND $6::bigint IS NOT NULL ORDER BY e.seq",
