/* SQL of `civicloop gen`'s bulk path (src/cli/gen_clone.c, docs/gen.md):
 * reading a seed case made through the engine and writing its clones; see
 * store/statements.h for the conventions. */
#ifndef CIVICLOOP_STORE_STMT_GEN_H
#define CIVICLOOP_STORE_STMT_GEN_H

/* A seed can be cloned when no row outside the clone's tables (case,
 * assignments, events, timers, attachments, parties, point, search row)
 * names it: no links (merges), documents, interviews, inspection periods,
 * Open311 requests. */
#define GEN_SEED_CLONABLE \
	" NOT EXISTS (SELECT 1 FROM links l" \
	"  WHERE (l.case_id = c.id AND l.region_code = c.region_code) OR l.other_id = c.id)" \
	" AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.case_id = c.id" \
	"  AND d.region_code = c.region_code)" \
	" AND NOT EXISTS (SELECT 1 FROM interviews i WHERE i.case_id = c.id" \
	"  AND i.region_code = c.region_code)" \
	" AND NOT EXISTS (SELECT 1 FROM inspection_periods p WHERE p.case_id = c.id" \
	"  AND p.region_code = c.region_code)" \
	" AND NOT EXISTS (SELECT 1 FROM open311_requests r WHERE r.case_id = c.id" \
	"  AND r.region_code = c.region_code)"

#define STATEMENTS_GEN(STMT) \
	/* the seeds in order of receipt: id, received, its last event's time */ \
	STMT(ST_GEN_SEEDS, \
	     "SELECT c.id, c.received_at, coalesce((SELECT max(e.at) FROM events e" \
	     " WHERE e.case_id = c.id AND e.region_code = c.region_code), c.received_at)" \
	     " FROM cases c WHERE" GEN_SEED_CLONABLE " ORDER BY c.received_at, c.id") \
	STMT(ST_GEN_SEED_CASE, \
	     "SELECT type, class, channel, status, title, description, location, org_id," \
	     " reporter_enc, phone_index, confidential, fields, received_at, due_at, closed_at," \
	     " created_by, created_at, updated_at, version, place_status, place_org_id, no" \
	     " FROM cases WHERE id = ?1") \
	STMT( \
	    ST_GEN_CLONE_CASE, \
	    "INSERT INTO cases(no, type, class, channel, status, title, description, location," \
	    " org_id, reporter_enc, phone_index, confidential, fields, received_at, due_at," \
	    " closed_at, created_by, created_at, updated_at, version, place_status, place_org_id," \
	    " region_code)" \
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16," \
	    " ?17, ?18, ?19, ?20, ?21, ?22, coalesce(" REGION_OF_ORG("?9") ", '000000'))") \
	STMT(ST_GEN_SEED_ASG, \
	     "SELECT id, org_id, kind, status, dispatched_at, sign_due_at, due_at, signed_at," \
	     " done_at, updated_at, opinion, ratings FROM assignments WHERE case_id = ?1" \
	     " ORDER BY id") \
	STMT(ST_GEN_CLONE_ASG, \
	     "INSERT INTO assignments(case_id, org_id, kind, status, dispatched_at, sign_due_at," \
	     " due_at, signed_at, done_at, updated_at, opinion, ratings, region_code)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, " REGION_OF_CASE( \
	         "?1") ")") \
	STMT(ST_GEN_SEED_EVENTS, \
	     "SELECT at, actor_id, org_id, action, from_status, to_status, payload FROM events" \
	     " WHERE case_id = ?1 ORDER BY seq") \
	STMT(ST_GEN_SEED_TIMERS, \
	     "SELECT assignment_id, kind, unit, due_at, warn_at, warned, state, paused_at" \
	     " FROM timers WHERE case_id = ?1 ORDER BY id") \
	STMT(ST_GEN_CLONE_TIMER, \
	     "INSERT INTO timers(case_id, assignment_id, kind, unit, due_at, warn_at, warned," \
	     " state, paused_at, region_code) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, " \
	     "?9, " REGION_OF_CASE("?1") ")") \
	STMT(ST_GEN_SEED_ATTACH, \
	     "SELECT sha256, name, content_type, size, uploaded_by, created_at FROM attachments" \
	     " WHERE case_id = ?1 ORDER BY id") \
	STMT(ST_GEN_SEED_PARTIES, \
	     "SELECT seq, role, enc, id_index FROM case_parties WHERE case_id = ?1 ORDER BY seq") \
	/* the next moment the scheduler acts at: the first deadline or \
	 * warning of a running timer (the pool's, fired up to the end) */ \
	STMT(ST_GEN_TIMER_NEXT, \
	     "SELECT min(m) FROM (SELECT min(due_at) AS m FROM timers WHERE state = 'running'" \
	     " UNION ALL SELECT min(warn_at) FROM timers WHERE state = 'running' AND warned = 0)") \
	/* users of the county's orgs: which account acts for which org */ \
	STMT(ST_GEN_USER_ID, "SELECT id FROM users WHERE login = ?1") \
	STMT(ST_GEN_ORG_ID, "SELECT id FROM orgs WHERE code = ?1") \
	/* the org tree: each org's parent (0 for the root) */ \
	STMT(ST_GEN_ORGS, "SELECT id, coalesce(parent_id, 0) FROM orgs") \
	/* a point: a clone's as ST_DUP_POINT_ADD reads it from its location \
	 * (each range one value), a pool case's as its R*Tree holds it */ \
	STMT(ST_GEN_POINT, "INSERT INTO case_points(id, lat0, lat1, lng0, lng1, h0, h1)" \
	                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)") \
	/* a seed's stored stats share (core/stats_copy.c) */ \
	STMT(ST_GEN_STATS_SHARE, \
	     "SELECT type, class, channel, status, due, v FROM stats_case WHERE case_id = ?1") \
	/* a clone's region, which its share's rows take (core/stats_copy.c) */ \
	STMT(ST_GEN_CASE_REGION, "SELECT region_code FROM cases WHERE id = ?1") \
	/* a clone whose stats are not its seed's, moved: stats_agg_flush counts it */ \
	STMT(ST_GEN_STATS_MARK, "INSERT OR IGNORE INTO stats_dirty(case_id) VALUES(?1)") \
	/* the bulk load's connection, before its first transaction: the rows \
	 * it copies name orgs, users and cases that exist and passed their \
	 * checks as seeds (no checks); a crash or a failure leaves a \
	 * half-made database that gen discards anyway (no sync, no journal: \
	 * each page is written once, to the database file); its loads want a \
	 * larger page cache. At the end the database goes back to WAL, as a \
	 * served one is. */ \
	STMT(ST_GEN_FK_OFF, "PRAGMA foreign_keys=OFF") \
	STMT(ST_GEN_NO_CHECKS, "PRAGMA ignore_check_constraints=ON") \
	STMT(ST_GEN_SYNC_OFF, "PRAGMA synchronous=OFF") \
	STMT(ST_GEN_JOURNAL_OFF, "PRAGMA journal_mode=OFF") \
	STMT(ST_GEN_JOURNAL_WAL, "PRAGMA journal_mode=WAL") \
	STMT(ST_GEN_CACHE, "PRAGMA cache_size=-262144") \
	/* CREATE INDEX's sorter spills to files: with temp_store=MEMORY (the \
	 * writer's setting) the end's indexes took 1.5-1.7x the time at 200 k */ \
	STMT(ST_GEN_TEMP_FILE, "PRAGMA temp_store=FILE") \
	/* the indexes built beside (cli/gen_side.c): the pool's search rows \
	 * and points to index there too, and the virtual tables' shadow \
	 * tables (their whole state) copied back */ \
	STMT(ST_GEN_FTS_ROWS, \
	     "SELECT rowid, no, title, body, address, notes FROM case_fts ORDER BY rowid") \
	STMT(ST_GEN_POINTS, \
	     "SELECT id, lat0, lat1, lng0, lng1, h0, h1 FROM case_points ORDER BY id") \
	/* the side index gathers 64 MB of terms before it writes a segment \
	 * (FTS5's default: 1 MB), so it merges fewer; not copied back */ \
	STMT(ST_GEN_FTS_HASHSIZE, \
	     "INSERT INTO case_fts(case_fts, rank) VALUES('hashsize', 67108864)") \
	/* the whole search index merged into one segment before it is copied: \
	 * the load's commits leave segments of ~5,000 pages each on FTS5's \
	 * level 0, and the server's 16th small commit on top of them set off \
	 * a crisis merge of the whole index inside one COMMIT (seconds at \
	 * 100 k cases, minutes at 10 M: docs/bench.md "The search index's \
	 * merges") */ \
	STMT(ST_GEN_FTS_OPTIMIZE, "INSERT INTO case_fts(case_fts) VALUES('optimize')") \
	STMT(ST_GEN_SIDE_ATTACH, "ATTACH DATABASE ?1 AS gen_side") \
	STMT(ST_GEN_SIDE_DETACH, "DETACH DATABASE gen_side") \
	STMT(ST_GEN_FTS_CLEAR_DATA, "DELETE FROM main.case_fts_data") \
	STMT(ST_GEN_FTS_COPY_DATA, \
	     "INSERT INTO main.case_fts_data SELECT * FROM gen_side.case_fts_data") \
	STMT(ST_GEN_FTS_CLEAR_IDX, "DELETE FROM main.case_fts_idx") \
	STMT(ST_GEN_FTS_COPY_IDX, \
	     "INSERT INTO main.case_fts_idx SELECT * FROM gen_side.case_fts_idx") \
	STMT(ST_GEN_FTS_CLEAR_CONTENT, "DELETE FROM main.case_fts_content") \
	STMT(ST_GEN_FTS_COPY_CONTENT, \
	     "INSERT INTO main.case_fts_content SELECT * FROM gen_side.case_fts_content") \
	STMT(ST_GEN_FTS_CLEAR_DOCSIZE, "DELETE FROM main.case_fts_docsize") \
	STMT(ST_GEN_FTS_COPY_DOCSIZE, \
	     "INSERT INTO main.case_fts_docsize SELECT * FROM gen_side.case_fts_docsize") \
	STMT(ST_GEN_FTS_CLEAR_CONFIG, "DELETE FROM main.case_fts_config") \
	STMT(ST_GEN_FTS_COPY_CONFIG, \
	     "INSERT INTO main.case_fts_config SELECT * FROM gen_side.case_fts_config" \
	     " WHERE k <> 'hashsize'") \
	STMT(ST_GEN_POINTS_CLEAR_NODE, "DELETE FROM main.case_points_node") \
	STMT(ST_GEN_POINTS_COPY_NODE, \
	     "INSERT INTO main.case_points_node SELECT * FROM gen_side.case_points_node") \
	STMT(ST_GEN_POINTS_CLEAR_ROWID, "DELETE FROM main.case_points_rowid") \
	STMT(ST_GEN_POINTS_COPY_ROWID, \
	     "INSERT INTO main.case_points_rowid SELECT * FROM gen_side.case_points_rowid") \
	STMT(ST_GEN_POINTS_CLEAR_PARENT, "DELETE FROM main.case_points_parent") \
	STMT(ST_GEN_POINTS_COPY_PARENT, \
	     "INSERT INTO main.case_points_parent SELECT * FROM gen_side.case_points_parent")

#endif
