/* The PostgreSQL forms of stmt_gen.h's statements that differ from SQLite's
 * (pg_statements.c), as designated initializers of pg_own. */
/* The writer of a command that commits without a sync (cli_open_unsynced:
 * gen) runs ST_GEN_SYNC_OFF first: its session's commits do not wait for
 * the WAL to be flushed. */
[ST_GEN_SYNC_OFF] = "SET synchronous_commit = off",
    /* A subquery in FROM needs its alias. */
    [ST_GEN_TIMER_NEXT] =
        "SELECT min(t.m) FROM (SELECT min(due_at) AS m FROM timers WHERE state = 'running'"
        " UNION ALL SELECT min(warn_at) FROM timers WHERE state = 'running' AND warned = 0) t",
    /* stats_dirty holds the case's region (migration 33) */
    [ST_GEN_STATS_MARK] = "INSERT INTO stats_dirty(case_id, region_code)"
                          " VALUES($1, " REGION_OF_CASE("$1") ") ON CONFLICT DO NOTHING",
    /* case_fts's rowid is its id. */
    [ST_GEN_FTS_ROWS] = "SELECT id, no, title, body, address, notes FROM case_fts ORDER BY id",
    /* gen's bulk load (cli/gen_clone.c, cli/gen_side.c) is SQLite's: its
     * PRAGMAs, the side file it attaches, and the FTS5 and R*Tree shadow
     * tables it copies have no PostgreSQL form. */
    [ST_GEN_FK_OFF] = PG_NONE, [ST_GEN_NO_CHECKS] = PG_NONE, [ST_GEN_JOURNAL_OFF] = PG_NONE,
    [ST_GEN_JOURNAL_WAL] = PG_NONE, [ST_GEN_CACHE] = PG_NONE, [ST_GEN_TEMP_FILE] = PG_NONE,
    [ST_GEN_FTS_HASHSIZE] = PG_NONE, [ST_GEN_FTS_OPTIMIZE] = PG_NONE,
    [ST_GEN_SIDE_ATTACH] = PG_NONE, [ST_GEN_SIDE_DETACH] = PG_NONE,
    [ST_GEN_FTS_CLEAR_DATA] = PG_NONE, [ST_GEN_FTS_COPY_DATA] = PG_NONE,
    [ST_GEN_FTS_CLEAR_IDX] = PG_NONE, [ST_GEN_FTS_COPY_IDX] = PG_NONE,
    [ST_GEN_FTS_CLEAR_CONTENT] = PG_NONE, [ST_GEN_FTS_COPY_CONTENT] = PG_NONE,
    [ST_GEN_FTS_CLEAR_DOCSIZE] = PG_NONE, [ST_GEN_FTS_COPY_DOCSIZE] = PG_NONE,
    [ST_GEN_FTS_CLEAR_CONFIG] = PG_NONE, [ST_GEN_FTS_COPY_CONFIG] = PG_NONE,
    [ST_GEN_POINTS_CLEAR_NODE] = PG_NONE, [ST_GEN_POINTS_COPY_NODE] = PG_NONE,
    [ST_GEN_POINTS_CLEAR_ROWID] = PG_NONE, [ST_GEN_POINTS_COPY_ROWID] = PG_NONE,
    [ST_GEN_POINTS_CLEAR_PARENT] = PG_NONE, [ST_GEN_POINTS_COPY_PARENT] = PG_NONE,
