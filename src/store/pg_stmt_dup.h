/* The PostgreSQL forms of stmt_dup.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* The location's lat and lng; the hours divided in float8, as SQLite
 * divides. */
#define PG_DUP_LOC_LAT "(location::jsonb ->> 'lat')::float8"
#define PG_DUP_LOC_LNG "(location::jsonb ->> 'lng')::float8"
#define PG_DUP_HOURS "received_at / 3600000.0::float8"
/* The box's micro-degrees in degrees, multiplied in float8 as SQLite does. */
#define PG_DUP_LAT0 "$1::float8 * 1e-6"
#define PG_DUP_LAT1 "$2::float8 * 1e-6"
#define PG_DUP_LNG0 "$3::float8 * 1e-6"
#define PG_DUP_LNG1 "$4::float8 * 1e-6"

/* json_extract and json_type. */
[ST_DUP_POINT_ADD] =
    "INSERT INTO case_points(id, lat0, lat1, lng0, lng1, h0, h1, region_code)"
    " SELECT id, " PG_DUP_LOC_LAT ", " PG_DUP_LOC_LAT ", " PG_DUP_LOC_LNG ", " PG_DUP_LOC_LNG
    ", " PG_DUP_HOURS ", " PG_DUP_HOURS ", region_code FROM cases"
    " WHERE id = $1 AND jsonb_typeof(location::jsonb -> 'lat') = 'number'",
    /* The R*Tree's box query is the GiST index's && (which allows 1e-6 more),
     * then the exact bounds. */
    [ST_DUP_NEAR] = "SELECT p.id FROM case_points p"
                    " WHERE box(point(p.lng0, p.lat0), point(p.lng1, p.lat1))"
                    " && box(point(" PG_DUP_LNG0 ", " PG_DUP_LAT0 "), point(" PG_DUP_LNG1
                    ", " PG_DUP_LAT1 ")) AND p.lat0 <= " PG_DUP_LAT1 " AND p.lat1 >= " PG_DUP_LAT0
                    " AND p.lng0 <= " PG_DUP_LNG1 " AND p.lng1 >= " PG_DUP_LNG0
                    " AND p.h0 <= $6 AND p.h1 >= $5 AND p.id <> $7 ORDER BY p.id DESC LIMIT 50",
    /* The FTS5 MATCH: ?1 is a tsquery on PostgreSQL (core/duplicates.c, the
     * column as its weight). bm25's rank is ts_rank's over 1 + the log of the
     * row's length (as ST_SEARCH_QUERY's), best first; ties by id, as FTS5
     * sorts them. */
    [ST_DUP_BY_ADDRESS] = "SELECT id FROM case_fts WHERE tsv @@ $1::tsquery AND id >= $2"
                          " AND id <> $3 ORDER BY ts_rank(tsv, $1::tsquery, 1) DESC, id LIMIT 50",
    /* SQLite's order: cases_received's entries of equal times are in rowid
     * order, and the window starts at the first id. */
    [ST_DUP_WINDOW_START] =
        "SELECT id FROM cases WHERE received_at >= $1 ORDER BY received_at, id LIMIT 1",
