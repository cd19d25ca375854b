/* The PostgreSQL forms of the statements that let several civicloop servers
 * share one database (docs/postgresql.md "Several servers"), as designated
 * initializers of pg_own (pg_statements.c). */
/* One writer's batch at a time, whichever server it is on: a lock held
 * until the batch's transaction ends (core/writer.c writer_take_turn). */
[ST_WRITER_TURN] = "SELECT pg_advisory_xact_lock(4242002)",
