/* The PostgreSQL forms of stmt_apikeys.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
