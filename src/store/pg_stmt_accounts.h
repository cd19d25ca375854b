/* The PostgreSQL forms of stmt_accounts.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* A parameter whose first use is IS NULL is given its type there. */
[ST_SESSIONS_REVOKE_USER] = "DELETE FROM sessions WHERE user_id = $1"
                            " AND ($2::bytea IS NULL OR token_hash <> $2)",
    /* The scopes ?1 are a JSON array of strings; SQLite's LIKE ignores the
     * case of ASCII letters only, as ILIKE does in the C collation. */
    [ST_USER_LIST] = "SELECT " USER_VIEW_COLS " FROM users u JOIN orgs o ON o.id = u.org_id"
                     " WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text($1::jsonb) sc(value)"
                     "  WHERE o.path LIKE sc.value || '%')"
                     " AND ($2::text IS NULL OR o.path LIKE $2 || '%')"
                     " AND ($3::text IS NULL"
                     "  OR u.login COLLATE \"C\" ILIKE '%' || $3 || '%' ESCAPE '\\'"
                     "  OR u.name COLLATE \"C\" ILIKE '%' || $3 || '%' ESCAPE '\\')"
                     " AND ($4::bigint IS NULL OR u.id > $4) ORDER BY u.id LIMIT $5",
