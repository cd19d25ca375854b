/* The PostgreSQL forms of stmt_orgs.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* The scopes ?1 and kinds ?4 are JSON arrays of strings; ?3 and ?4 are
 * typed where first used; SQLite's LIKE ignores the case of ASCII letters
 * only, as ILIKE does in the C collation (the database's folds others). */
[ST_ORG_SEARCH] = "SELECT " ORG_VIEW_COLS " FROM orgs o"
                  " WHERE (o.id = $2 OR EXISTS (SELECT 1"
                  "  FROM jsonb_array_elements_text($1::jsonb) sc(value)"
                  "  WHERE substr(o.path, 1, length(sc.value)) = sc.value))"
                  " AND ($3::text IS NULL"
                  "  OR o.name COLLATE \"C\" ILIKE '%' || $3 || '%' ESCAPE '\\'"
                  "  OR o.code COLLATE \"C\" ILIKE '%' || $3 || '%' ESCAPE '\\')"
                  " AND ($4::jsonb IS NULL"
                  "  OR o.kind IN (SELECT jsonb_array_elements_text($4::jsonb)))"
                  " AND o.id > $5 ORDER BY o.id LIMIT $6",
