/* The PostgreSQL forms of stmt_campaign.h's statements that differ from
 * SQLite's (pg_statements.c), as designated initializers of pg_own. The
 * fields at the paths ?2 and ?6 (the campaign, visit and group ids)
 * compare as JSON with the ids bound (numbers), as SQLite's json_extract
 * value compares, and are shown as text (pg_stmt_stats.h). */

#define PG_CAMPAIGN_GROUP "(c.fields::jsonb ->> substr($6, 3))"

/* CAMPAIGN_ITEM_COLS with the truths counted as 0/1. */
#define PG_CAMPAIGN_ITEM_COLS \
	"count(c.id)," \
	" coalesce(sum((c.status IN (SELECT jsonb_array_elements_text($4::jsonb)))::int), 0)," \
	" coalesce(sum((c.closed_at IS NULL)::int), 0), coalesce(sum((c.closed_at IS NULL" \
	" AND c.due_at IS NOT NULL AND c.due_at < $5)::int), 0)"

#define PG_CAMPAIGN_OF \
	" FROM cases c WHERE c.type = $1" \
	" AND (c.fields::jsonb -> substr($2, 3)) = to_jsonb($3::bigint)"

/* ?1 is also tested alone: its type is said. */
[ST_CAMPAIGN_PAGE] = "SELECT " CAMPAIGN_COLS " FROM campaigns c"
                     " JOIN orgs o ON o.id = c.org_id WHERE ($1::bigint IS NULL OR c.id < $1)"
                     " ORDER BY c.id DESC LIMIT $2",
    /* INSERT OR IGNORE */
    [ST_CAMPAIGN_MEMBER_INSERT] =
        "INSERT INTO campaign_members(group_id, user_id) VALUES($1, $2) ON CONFLICT DO NOTHING",
    /* the parameters tested for NULL have their types said */
    [ST_CAMPAIGN_VISITS] =
        "SELECT v.id, v.group_id, g.name, o.id, o.code, o.name, v.visited_at, v.day,"
        " v.unannounced, v.checked, v.note, u.name FROM campaign_visits v"
        " JOIN campaign_groups g ON g.id = v.group_id JOIN orgs o ON o.id = v.org_id"
        " LEFT JOIN users u ON u.id = v.actor_id WHERE v.campaign_id = $1"
        " AND ($2::text IS NULL OR v.day = $2) AND ($3::bigint IS NULL OR v.group_id = $3)"
        " AND ($4::bigint IS NULL OR v.id < $4) ORDER BY v.id DESC LIMIT $5",
    /* json_extract */
    [ST_CAMPAIGN_VISIT_FINDINGS] =
        "SELECT c.id, c.no, c.title, c.status, c.due_at, c.closed_at" PG_CAMPAIGN_OF
        " ORDER BY c.id",
    /* json_extract; the parameters tested for NULL have their types said */
    [ST_CAMPAIGN_FINDINGS] =
        "SELECT c.id, c.no, c.title, c.status, c.due_at, c.closed_at, o.id, o.code, o.name,"
        " " PG_CAMPAIGN_GROUP ", c.received_at FROM cases c JOIN orgs o ON o.id = c.org_id"
        " WHERE c.type = $1 AND (c.fields::jsonb -> substr($2, 3)) = to_jsonb($3::bigint)"
        " AND ($7::bigint IS NULL OR (c.fields::jsonb -> substr($6, 3)) = to_jsonb($7::bigint))"
        " AND ($8::bigint IS NULL OR c.org_id = $8) AND ($9::bigint IS NULL OR c.closed_at IS NULL)"
        " AND ($10::bigint IS NULL OR c.id > $10) ORDER BY c.id LIMIT $11",
    /* json_extract and json_each; the truths counted as 0/1 */
    [ST_CAMPAIGN_ITEM_COUNTS] = "SELECT " PG_CAMPAIGN_ITEM_COLS PG_CAMPAIGN_OF,
    [ST_CAMPAIGN_ITEM_COUNTS_GROUP] =
        "SELECT " PG_CAMPAIGN_GROUP ", " PG_CAMPAIGN_ITEM_COLS PG_CAMPAIGN_OF " GROUP BY 1",
    /* json_extract */
    [ST_CAMPAIGN_FINDING_IS] = "SELECT 1" PG_CAMPAIGN_OF " AND c.id = $4 AND c.org_id = $5",
    /* as ST_CAMPAIGN_ITEM_COUNTS */
    [ST_CAMPAIGN_ITEM_COUNTS_ORG] =
        "SELECT c.org_id, " PG_CAMPAIGN_ITEM_COLS PG_CAMPAIGN_OF " GROUP BY 1",
