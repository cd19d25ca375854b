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
	" NOT EXISTS (SELECT 1 FROM links l WHERE l.case_id = c.id OR l.other_id = c.id)" \
	" AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.case_id = c.id)" \
	" AND NOT EXISTS (SELECT 1 FROM interviews i WHERE i.case_id = c.id)" \
	" AND NOT EXISTS (SELECT 1 FROM inspection_periods p WHERE p.case_id = c.id)" \
	" AND NOT EXISTS (SELECT 1 FROM open311_requests r WHERE r.case_id = c.id)"

#define STATEMENTS_GEN(STMT) \
	/* the seeds in order of receipt: id, received, its last event's time */ \
	STMT(ST_GEN_SEEDS, \
	     "SELECT c.id, c.received_at, coalesce((SELECT max(e.at) FROM events e" \
	     " WHERE e.case_id = c.id), c.received_at) FROM cases c WHERE" GEN_SEED_CLONABLE \
	     " ORDER BY c.received_at, c.id") \
	STMT(ST_GEN_SEED_CASE, \
	     "SELECT type, class, channel, status, title, description, location, org_id," \
	     " reporter_enc, phone_index, confidential, fields, received_at, due_at, closed_at," \
	     " created_by, created_at, updated_at, version, place_status, place_org_id, no" \
	     " FROM cases WHERE id = ?1") \
	STMT( \
	    ST_GEN_CLONE_CASE, \
	    "INSERT INTO cases(no, type, class, channel, status, title, description, location," \
	    " org_id, reporter_enc, phone_index, confidential, fields, received_at, due_at," \
	    " closed_at, created_by, created_at, updated_at, version, place_status, place_org_id)" \
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17," \
	    " ?18, ?19, ?20, ?21, ?22)") \
	STMT(ST_GEN_SEED_ASG, \
	     "SELECT id, org_id, kind, status, dispatched_at, sign_due_at, due_at, signed_at," \
	     " done_at, updated_at, opinion, ratings FROM assignments WHERE case_id = ?1" \
	     " ORDER BY id") \
	STMT(ST_GEN_CLONE_ASG, \
	     "INSERT INTO assignments(case_id, org_id, kind, status, dispatched_at, sign_due_at," \
	     " due_at, signed_at, done_at, updated_at, opinion, ratings)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)") \
	STMT(ST_GEN_SEED_EVENTS, \
	     "SELECT at, actor_id, org_id, action, from_status, to_status, payload FROM events" \
	     " WHERE case_id = ?1 ORDER BY seq") \
	STMT(ST_GEN_SEED_TIMERS, \
	     "SELECT assignment_id, kind, unit, due_at, warn_at, warned, state, paused_at" \
	     " FROM timers WHERE case_id = ?1 ORDER BY id") \
	STMT(ST_GEN_CLONE_TIMER, \
	     "INSERT INTO timers(case_id, assignment_id, kind, unit, due_at, warn_at, warned," \
	     " state, paused_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)") \
	STMT(ST_GEN_SEED_ATTACH, \
	     "SELECT sha256, name, content_type, size, uploaded_by, created_at FROM attachments" \
	     " WHERE case_id = ?1 ORDER BY id") \
	STMT(ST_GEN_SEED_PARTIES, \
	     "SELECT seq, role, enc, id_index FROM case_parties WHERE case_id = ?1 ORDER BY seq") \
	/* users of the county's orgs: which account acts for which org */ \
	STMT(ST_GEN_USER_ID, "SELECT id FROM users WHERE login = ?1") \
	STMT(ST_GEN_ORG_ID, "SELECT id FROM orgs WHERE code = ?1") \
	/* the bulk load's marks are dropped: derived_rebuild() recounts every case */ \
	STMT(ST_GEN_STATS_UNMARK, "DELETE FROM stats_dirty") \
	/* the bulk load's connection, before its first transaction: the rows \
	 * it copies name orgs, users and cases that exist (no checks), a \
	 * crash leaves a half-made database that gen discards anyway (no sync), \
	 * and its indexes want a larger page cache */ \
	STMT(ST_GEN_FK_OFF, "PRAGMA foreign_keys=OFF") \
	STMT(ST_GEN_SYNC_OFF, "PRAGMA synchronous=OFF") \
	STMT(ST_GEN_CACHE, "PRAGMA cache_size=-131072")

#endif
