/* The PostgreSQL forms of stmt_export.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */

/* The page's ids ?1 (a JSON list) as rows j(value, key), key the index
 * from 0 as json_each's. */
#define PG_EXPORT_IDS \
	"(SELECT value::bigint, key - 1 FROM jsonb_array_elements_text($1::jsonb)" \
	" WITH ORDINALITY e(value, key)) j(value, key)"

/* PostgreSQL 15 cannot test text for JSON without failing on what is not:
 * fields that are no JSON object have no category, and the application
 * writes every fields as one (an object's text that is not JSON would fail
 * the statement, where SQLite's json_valid skips it); a string category as
 * ->>'s text. */
[ST_EXPORT_CASES] = "SELECT j.key, c.id, c.no, c.type, c.class, c.channel, c.status, c.title,"
                    " CASE WHEN c.fields ~ '^[ \\t\\n\\r]*[{].*[}][ \\t\\n\\r]*$'"
                    " AND jsonb_typeof(c.fields::jsonb -> 'category') = 'string'"
                    " THEN c.fields::jsonb ->> 'category' END,"
                    " o.name, c.reporter_enc, c.confidential, c.received_at, c.due_at, c.closed_at"
                    " FROM " PG_EXPORT_IDS " JOIN cases c ON c.id = j.value"
                    " JOIN orgs o ON o.id = c.org_id ORDER BY j.key",
    [ST_EXPORT_PARTS] = "SELECT j.key, a.kind, a.status, o.name FROM " PG_EXPORT_IDS
                        " JOIN assignments a ON a.case_id = j.value JOIN orgs o ON o.id = a.org_id"
                        " ORDER BY j.key, a.id",
