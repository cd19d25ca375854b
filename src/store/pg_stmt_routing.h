/* The PostgreSQL forms of stmt_routing.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* json_array_length(body, '$.entries'): NULL without entries, 0 when they
 * are not an array. */
[ST_CATALOGUE_LIST] =
    "SELECT v.version, v.note, v.created_at, u.login, u.name,"
    " (SELECT CASE jsonb_typeof(x.e) WHEN 'array' THEN jsonb_array_length(x.e) ELSE 0 END"
    "  FROM (SELECT v.body::jsonb -> 'entries') x(e) WHERE x.e IS NOT NULL)"
    " FROM catalogue_versions v LEFT JOIN users u ON u.id = v.created_by"
    " ORDER BY v.version DESC LIMIT $1",
    /* An upsert's SET names the existing row's column by its table. */
    [ST_ROUTE_TOKEN_ADD] =
        "INSERT INTO route_tokens(token, org_id, count) VALUES($1, $2, $3)"
        " ON CONFLICT(token, org_id) DO UPDATE SET count = route_tokens.count + $3",
    [ST_ROUTE_ORG_ADD] = "INSERT INTO route_orgs(org_id, docs, tokens) VALUES($1, $2, $3)"
                         " ON CONFLICT(org_id) DO UPDATE SET docs = route_orgs.docs + $2,"
                         " tokens = route_orgs.tokens + $3",
