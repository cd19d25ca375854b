/* The PostgreSQL forms of stmt_enterprise.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* A parameter whose first use is IS NULL is given its type there; SQLite's
 * LIKE ignores the case of ASCII letters only, as ILIKE does in the C
 * collation. */
[ST_ENT_LIST] = "SELECT " ENT_COLS ENT_FROM " WHERE (o.path LIKE $1 || '%'"
                " OR o.path LIKE $2 || '%' OR o.path LIKE $3 || '%')"
                " AND ($4::text IS NULL OR e.industry = $4)"
                " AND ($5::text IS NULL OR e.risk_level = $5)"
                " AND ($6::bigint IS NULL OR e.township_id = $6)"
                " AND ($7::text IS NULL"
                "  OR o.name COLLATE \"C\" ILIKE '%' || $7 || '%' ESCAPE '\\'"
                "  OR e.credit_code COLLATE \"C\" ILIKE '%' || $7 || '%' ESCAPE '\\')"
                " AND e.org_id > $8 ORDER BY e.org_id LIMIT $9",
    /* A parameter whose first use is IS NULL is given its type there. */
    [ST_INTERVIEW_LIST] =
        "SELECT " INTERVIEW_COLS " FROM interviews i JOIN orgs o ON o.id = i.org_id"
        " LEFT JOIN cases c ON c.region_code = i.region_code AND c.id = i.case_id"
        " WHERE (o.path LIKE $1 || '%' OR o.path LIKE $2 || '%' OR o.path LIKE $3 || '%')"
        " AND ($4::text IS NULL OR o.path LIKE $4 || '%')"
        " AND ($5::bigint IS NULL OR i.case_id = $5)"
        " AND ($6::bigint IS NULL OR i.campaign_id = $6) AND i.id < $7"
        " AND (i.campaign_id IS NULL OR EXISTS (SELECT 1 FROM campaigns k"
        " JOIN orgs ko ON ko.id = k.org_id WHERE k.id = i.campaign_id"
        " AND (ko.path LIKE $9 || '%' OR ko.path LIKE $10 || '%' OR ko.path LIKE $11 || '%'"
        " OR ko.path LIKE $12 || '%')))"
        " ORDER BY i.id DESC LIMIT $8",
