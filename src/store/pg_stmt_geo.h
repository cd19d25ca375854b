/* The PostgreSQL forms of stmt_geo.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* Element 0 (lng) or 1 (lat) of the array p.v when it is a number. */
#define PG_GEO_LNG "CASE WHEN jsonb_typeof(p.v -> 0) = 'number' THEN (p.v ->> 0)::float8 END"
#define PG_GEO_LAT "CASE WHEN jsonb_typeof(p.v -> 1) = 'number' THEN (p.v ->> 1)::float8 END"
/* The arrays under "coordinates", at every depth. */
#define PG_GEO_ARRAYS \
	"jsonb_path_query(o.boundary::jsonb -> 'coordinates'," \
	" 'strict $.** ? (@.type() == \"array\")') p(v)"

/* ORG_PATH_IDS's ids as unnest's */
[ST_ORG_LINEAGE] = "SELECT a.id, a.code, a.name, a.kind FROM orgs p"
                   " CROSS JOIN LATERAL unnest(string_to_array(btrim(p.path, '/'), '/')::bigint[])"
                   " j(value) JOIN orgs a ON a.id = j.value WHERE p.id = $1"
                   " ORDER BY length(a.path) DESC",

    /* ORG_BBOX_SELECT: json_tree's numbers of key 0 and 1 under "coordinates"
     * are elements 0 and 1 of its arrays (the positions). */
    [ST_ORG_BBOX_INSERT] = "INSERT INTO org_bbox(id, min_lng, max_lng, min_lat, max_lat)"
                           " SELECT o.id, min(" PG_GEO_LNG "), max(" PG_GEO_LNG "), min(" PG_GEO_LAT
                           "), max(" PG_GEO_LAT ") FROM orgs o, " PG_GEO_ARRAYS
                           " WHERE o.boundary IS NOT NULL AND o.id = $1"
                           " AND (jsonb_typeof(p.v -> 0) = 'number'"
                           "  OR jsonb_typeof(p.v -> 1) = 'number') GROUP BY o.id",
    /* The R*Tree's box query is the GiST index's && (which allows 1e-6 more),
     * then the exact bounds. */
    [ST_PLACE_CANDIDATES] =
        "SELECT o.id, o.code, o.name, o.kind, o.path, o.boundary FROM org_bbox b"
        " JOIN orgs o ON o.id = b.id"
        " WHERE box(point(b.min_lng, b.min_lat), point(b.max_lng, b.max_lat))"
        " && box(point($1, $2), point($1, $2))"
        " AND b.min_lng <= $1 AND b.max_lng >= $1 AND b.min_lat <= $2 AND b.max_lat >= $2"
        " AND o.kind IN ('township', 'village', 'grid')",
    /* json_extract of the location (the C reads lat and lng as reals), the
     * statuses ?5 a JSON array; ?4 and ?5 typed where first used. */
    [ST_GEO_CASES] = "SELECT c.id, c.no, c.title, c.status, c.type, c.class,"
                     " c.location::jsonb ->> 'lat', c.location::jsonb ->> 'lng', c.due_at,"
                     " o.id, o.code, o.name FROM cases c JOIN orgs o ON o.id = c.org_id"
                     " WHERE c.closed_at IS NULL AND c.location IS NOT NULL"
                     " AND c.location::jsonb ->> 'lat' IS NOT NULL AND " GEO_VISIBLE
                     " AND ($4::text IS NULL OR c.type = $4)"
                     " AND ($5::jsonb IS NULL"
                     "  OR c.status IN (SELECT jsonb_array_elements_text($5::jsonb)))"
                     " ORDER BY c.id DESC LIMIT $6",
