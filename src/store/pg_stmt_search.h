/* The PostgreSQL forms of stmt_search.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own.
 *
 * case_fts is a plain table (pg_schema.h): id for FTS5's rowid, the five
 * columns as written, and tsv, the lexemes the application computed from
 * them with util/tokenize.h (core/search_pg.h search_pg_tsvector, bound as
 * a tsvector literal). A query is a tsquery of the same tokens
 * (search_pg_tsquery, bound as text and cast). Highlights are made in C
 * from the stored texts (search_pg_highlight, search_pg_snippet). */
#ifndef PG_VISIBLE /* pg_stmt_core.h's, when it comes first */
#define PG_VISIBLE(s1, s2, s3) VISIBLE(s1, s2, s3)
#endif
/* ST_SEARCH_QUERY's visibility: the read scopes $1..$3 */
#define PG_SEARCH_VISIBLE PG_VISIBLE("$1", "$2", "$3")

/* ?7: the row's tsv (search_pg_tsvector of ?2..?6) */
[ST_SEARCH_INSERT] = "INSERT INTO case_fts(id, no, title, body, address, notes, tsv, region_code)"
                     " VALUES($1, $2, $3, $4, $5, $6, $7::tsvector, " REGION_OF_CASE("$1") ")",
    [ST_SEARCH_NOTES] = "SELECT notes FROM case_fts WHERE id = $1",
    /* ?3: the row's tsv again, from its other columns as stored and the notes ?2 */
    [ST_SEARCH_SET_NOTES] = "UPDATE case_fts SET notes = $2, tsv = $3::tsvector WHERE id = $1",
    [ST_SEARCH_DELETE] = "DELETE FROM case_fts WHERE id = $1",
    /* FTS5's own records: /metrics leaves the segments out on PostgreSQL */
    [ST_SEARCH_STRUCTURE] = PG_NONE, [ST_SEARCH_CRISISMERGE] = PG_NONE,
    /* The same window as SQLite's: the newest ?5 visible hits by id, from the
     * GIN index, then ranked. ts_rank_cd's weights {D, C, B, A} = {0.1, 0.2,
     * 0.4, 1.0} are bm25's column weights (SEARCH_RANK: number 10, title 4,
     * address 2, description and notes 1) scaled; cover density counts the
     * phrases' occurrences as bm25 counts FTS5's phrase instances, and
     * normalization 2 (over the row's length) stands for bm25's preference of
     * shorter rows. Negated, so smaller is better as with bm25; search.c negates
     * it back. The scores are not bm25's (no inverse document frequency, no
     * saturation), so an order within a page may differ; the window and its
     * count do not (tests/unit/test_pg_search.c measures the agreement). */
    [ST_SEARCH_QUERY] =
        "WITH hits AS MATERIALIZED (SELECT c.id AS id,"
        "  -ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', f.tsv, $4::tsquery, 2) AS score"
        "  FROM case_fts f JOIN cases c ON c.id = f.id AND c.region_code = f.region_code"
        "  JOIN orgs o ON o.id = c.org_id"
        "  WHERE f.tsv @@ $4::tsquery AND ($6::text IS NULL OR c.type = $6)"
        "  AND " PG_SEARCH_VISIBLE " ORDER BY f.id DESC LIMIT $5)"
        " SELECT id, score, (SELECT count(*) FROM hits) FROM hits"
        " ORDER BY score, id DESC LIMIT $7 OFFSET $8",
    /* one hit's texts, in the order of SQLite's highlight and snippets (title,
     * body, notes, address, number), for search_pg_highlight / _snippet; no
     * row when it does not match ?1, as with SQLite's MATCH */
    [ST_SEARCH_SNIPPET] = "SELECT title, body, notes, address, no FROM case_fts"
                          " WHERE id = $2 AND tsv @@ $1::tsquery",
