/* The PostgreSQL forms of stmt_sms.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* The roles ?2 are a JSON array of strings. */
[ST_SMS_UNIT_USERS] = "SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id"
                      " WHERE u.org_id = $1 AND u.disabled = 0 AND u.phone_enc IS NOT NULL"
                      " AND r.role IN (SELECT jsonb_array_elements_text($2::jsonb))"
                      " ORDER BY u.id LIMIT 50",
