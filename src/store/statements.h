/*
 * Every SQL statement civicloop runs, named once (redis' command-table
 * habit). Parameters are always bound ("?N"); no SQL text is ever built from
 * input. Optional filters use "(?N IS NULL OR col = ?N)" so one prepared
 * statement serves every combination.
 */
#ifndef CIVICLOOP_STORE_STATEMENTS_H
#define CIVICLOOP_STORE_STATEMENTS_H

#include "store/stmt_region.h"

/* Statements of one area each, appended to STATEMENT_LIST below. */
#include "store/stmt_orgs.h"
#include "store/stmt_audit.h"
#include "store/stmt_hotline.h"
#include "store/stmt_stats.h"
#include "store/stmt_public.h"
#include "store/stmt_notices.h"
#include "store/stmt_accounts.h"
#include "store/stmt_geo.h"
#include "store/stmt_attachments.h"
#include "store/stmt_search.h"
#include "store/stmt_routing.h"
#include "store/stmt_dup.h"
#include "store/stmt_parties.h"
#include "store/stmt_suggestion.h"
#include "store/stmt_whistle.h"
#include "store/stmt_task.h"
#include "store/stmt_enterprise.h"
#include "store/stmt_ledger.h"
#include "store/stmt_inspection.h"
#include "store/stmt_campaign.h"
#include "store/stmt_documents.h"
#include "store/stmt_reviews.h" /* issue 14, homestead */
#include "store/stmt_reception.h"
#include "store/stmt_apikeys.h" /* issue 15, keys */
#include "store/stmt_open311.h" /* issue 15, Open311 */
#include "store/stmt_outbox.h"  /* issue 15, outbox */
#include "store/stmt_sms.h"     /* issue 15, SMS */
#include "store/stmt_lists.h"   /* issue 16, lists */
#include "store/stmt_inbox.h"   /* issue 16, the inbox by deadline */
#include "store/stmt_gen.h"     /* issue 16, gen's bulk path */
#include "store/stmt_export.h"  /* issue 16, exports */
#include "store/stmt_overdue.h" /* issue 16, lists: overdue, type= */

/* Columns of a case row, in the order case_row_read() expects. */
#define CASE_COLS \
	"c.id, c.no, c.type, c.class, c.channel, c.status, c.title, c.description, c.location," \
	" c.org_id, c.reporter_enc, c.confidential, c.fields, c.received_at, c.due_at," \
	" c.closed_at, c.created_by, c.created_at, c.updated_at, c.version, o.path," \
	" c.place_status, c.place_org_id, o.code, o.name, o.kind, c.region_code"

#define ASG_COLS \
	"a.id, a.case_id, a.org_id, a.kind, a.status, a.dispatched_at, a.sign_due_at, a.due_at," \
	" a.signed_at, a.done_at, o.code, o.name, o.path"

/* Visibility of case c to a reader whose read scopes are ?S1..?S3 (org paths;
 * unused ones NULL): owned by, or assigned to, an org inside a scope. */
#define VISIBLE(s1, s2, s3) \
	"(o.path LIKE " s1 " || '%' OR o.path LIKE " s2 " || '%' OR o.path LIKE " s3 " || '%'" \
	" OR EXISTS (SELECT 1 FROM assignments va JOIN orgs vo ON vo.id = va.org_id" \
	"  WHERE va.case_id = c.id AND va.region_code = c.region_code" \
	"  AND va.status <> 'cancelled' AND (vo.path LIKE " s1 " || '%'" \
	"  OR vo.path LIKE " s2 " || '%' OR vo.path LIKE " s3 " || '%')))"

/* The filters of GET /api/v1/cases and the exports, shared by the list's
 * orders (ST_CASE_LIST*; core/caseview.c case_list_bind binds them): ?1..?3
 * the read scopes, ?4 type, ?5 statuses, ?21 classes, ?22 channels, ?6 org
 * path, ?7/?8 received range, ?9 now for overdue, ?14 q (the case number
 * exactly) with ?10 (its full-text query, core/search.h) or, when q has no
 * word the index holds, ?27 (q LIKE-escaped, matched literally in the title
 * and description: a scan, for queries like "%" only), ?15/?16/?20 a
 * queue, ?17/?18 due_soon, ?19 problem, ?26 placement. The comma-list
 * filters are JSON arrays, each read once per run into a LIST SUBQUERY and
 * probed per row; unbound, a filter costs one NULL test and leaves the plan
 * as it is. */
#define CASE_LIST_FILTERS VISIBLE("?1", "?2", "?3") " AND " CASE_FILTERS_REST
/* The filters but visibility (store/stmt_lists.h: case_scope decides it). */
#define CASE_FILTERS_REST \
	"(?4 IS NULL OR c.type = ?4)" \
	" AND (?5 IS NULL OR c.status IN (SELECT value FROM json_each(?5)))" \
	" AND (?21 IS NULL OR c.class IN (SELECT value FROM json_each(?21)))" \
	" AND (?22 IS NULL OR c.channel IN (SELECT value FROM json_each(?22)))" \
	" AND (?6 IS NULL OR o.path LIKE ?6 || '%' OR EXISTS (SELECT 1 FROM assignments fa" \
	"  JOIN orgs fo ON fo.id = fa.org_id WHERE fa.case_id = c.id" \
	"  AND fa.region_code = c.region_code AND fa.status <> 'cancelled'" \
	"  AND fo.path LIKE ?6 || '%'))" \
	" AND (?7 IS NULL OR c.received_at >= ?7) AND (?8 IS NULL OR c.received_at < ?8)" \
	" AND (?9 IS NULL OR (c.closed_at IS NULL AND c.due_at < ?9))" \
	" AND (?14 IS NULL OR c.no = ?14" \
	"  OR (?10 IS NOT NULL AND c.id IN (SELECT rowid FROM case_fts WHERE case_fts MATCH ?10))" \
	"  OR (?27 IS NOT NULL AND (c.title LIKE '%' || ?27 || '%' ESCAPE '\\'" \
	"  OR c.description LIKE '%' || ?27 || '%' ESCAPE '\\')))" \
	" AND (?15 IS NULL OR c.status IN (SELECT value FROM json_each(?15))" \
	"  OR (c.closed_at IS NULL AND c.due_at < ?16)" \
	"  OR EXISTS (SELECT 1 FROM assignments qa WHERE qa.case_id = c.id" \
	"  AND qa.region_code = c.region_code" \
	"  AND qa.status IN (SELECT value FROM json_each(?20))))" \
	" AND (?17 IS NULL OR (c.closed_at IS NULL AND c.due_at >= ?17 AND c.due_at < ?18))" \
	" AND (?19 IS NULL OR (json_extract(c.fields, '$.problem') IS 1) = ?19)" \
	" AND (?26 IS NULL OR c.place_status = ?26)" \
	" AND (?28 IS NULL OR EXISTS (SELECT 1 FROM assignments ka WHERE ka.case_id = c.id" \
	"  AND ka.region_code = c.region_code AND ka.kind = ?28 AND ka.status <> 'cancelled'))"

/* mine=1 (?12, the caller's org path): the unit (its org subtree) holds a
 * part of the case in one of the statuses ?23 (a JSON array: part=, or by
 * default every status of the open and signed phases). */
#define CASE_LIST_MINE \
	" AND (?12 IS NULL OR EXISTS (SELECT 1 FROM assignments ma JOIN orgs mo ON mo.id = " \
	"ma.org_id" \
	"  WHERE ma.case_id = c.id AND ma.region_code = c.region_code" \
	"  AND ma.status IN (SELECT value FROM json_each(?23))" \
	"  AND mo.path LIKE ?12 || '%'))"

/* sort=due's key of a case: its deadline, none after every deadline. The
 * expression of migration 7's index cases_due_order, written the same. */
#define CASE_DUE_KEY "coalesce(c.due_at, 9223372036854775807)"
/* mine=1&sort=due's key of a part: sign_due_at until it is signed for, then
 * due_at; none after every deadline. */
#define PART_DUE_KEY \
	"coalesce(CASE WHEN ma.signed_at IS NULL THEN coalesce(ma.sign_due_at, ma.due_at)" \
	" ELSE ma.due_at END, 9223372036854775807)"

#define STATEMENT_LIST(STMT) \
	STMT(ST_BEGIN, "BEGIN IMMEDIATE") \
	STMT(ST_BEGIN_READ, "BEGIN") \
	STMT(ST_COMMIT, "COMMIT") \
	STMT(ST_ROLLBACK, "ROLLBACK") \
	STMT(ST_SAVEPOINT, "SAVEPOINT cmd") \
	STMT(ST_RELEASE, "RELEASE cmd") \
	STMT(ST_ROLLBACK_TO, "ROLLBACK TO cmd") \
	STMT(ST_CHECKPOINT_WAL, "PRAGMA wal_checkpoint(PASSIVE)") \
	/* a batch's turn among the writers of several servers on one \
	 * PostgreSQL database (core/writer.c writer_take_turn); SQLite's \
	 * BEGIN IMMEDIATE is the turn already, and this is not run there */ \
	STMT(ST_WRITER_TURN, "SELECT 1") \
	/* store_last_id on PostgreSQL (pg.c; SQLite asks its C API) */ \
	STMT(ST_PG_LASTVAL, "SELECT last_insert_rowid()") \
	/* meta and counters */ \
	STMT(ST_META_GET, "SELECT value FROM meta WHERE key = ?1") \
	STMT(ST_META_SET, "INSERT INTO meta(key, value) VALUES(?1, ?2)" \
	                  " ON CONFLICT(key) DO UPDATE SET value = excluded.value") \
	/* the writer keeps the counters it hands out in memory (core/writer.h); \
	 * COUNTER_NEXT is the raw baseline's (bench/sqlite_raw.c) */ \
	STMT(ST_COUNTER_NEXT, \
	     "INSERT INTO counters(name, region_code, value) VALUES(?1, '000000', 1)" \
	     " ON CONFLICT(name, region_code) DO UPDATE SET value = value + 1" \
	     " RETURNING value") \
	/* a counter is (name, region_code) (core/case_no.h, migration 34) */ \
	STMT(ST_COUNTER_GET, "SELECT value FROM counters WHERE name = ?1 AND region_code = ?2") \
	STMT(ST_COUNTER_SET, \
	     "INSERT INTO counters(name, region_code, value) VALUES(?1, ?2, ?3)" \
	     " ON CONFLICT(name, region_code) DO UPDATE SET value = excluded.value") \
	/* orgs */ \
	STMT(ST_ORG_INSERT, "INSERT INTO orgs(code, name, kind, parent_id, path, region_code, " \
	                    "settings, city_code)" \
	                    " VALUES(?1, ?2, ?3, ?4, '', ?5, COALESCE(?6, '{}')," \
	                    " coalesce(?7, " REGION_OF_ORG("?4") ", '000000'))") \
	/* the region of an org's cases (core/region.h), never NULL */ \
	STMT(ST_ORG_CITY, "SELECT city_code FROM orgs WHERE id = ?1") \
	STMT(ST_ORG_SET_PATH, "UPDATE orgs SET path = ?2 WHERE id = ?1") \
	STMT(ST_ORG_BY_ID, "SELECT id, code, name, kind, parent_id, path, region_code, settings " \
	                   "FROM orgs WHERE id = ?1") \
	STMT(ST_ORG_BY_CODE, "SELECT id, code, name, kind, parent_id, path, region_code, " \
	                     "settings FROM orgs WHERE code = ?1") \
	STMT(ST_ORG_COUNT, "SELECT count(*) FROM orgs") \
	/* users, roles, sessions */ \
	STMT(ST_USER_INSERT, \
	     "INSERT INTO users(login, name, org_id, pw_hash, phone_enc, created_at)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5, ?6)") \
	STMT(ST_USER_BY_LOGIN, \
	     "SELECT u.id, u.login, u.name, u.org_id, u.pw_hash, u.disabled, o.code," \
	     " o.path FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.login = ?1") \
	STMT(ST_USER_BY_ID, \
	     "SELECT u.id, u.login, u.name, u.org_id, u.pw_hash, u.disabled, o.code," \
	     " o.path FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = ?1") \
	STMT(ST_ROLE_INSERT, \
	     "INSERT INTO user_roles(user_id, role, scope_org_id) VALUES(?1, ?2, ?3)") \
	STMT(ST_ROLES_OF, \
	     "SELECT r.role, r.scope_org_id, o.path, o.code FROM user_roles r" \
	     " JOIN orgs o ON o.id = r.scope_org_id WHERE r.user_id = ?1 ORDER BY r.role") \
	STMT(ST_SESSION_INSERT, \
	     "INSERT INTO sessions(token_hash, user_id, csrf, created_at, expires_at)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5)") \
	STMT(ST_SESSION_GET, \
	     "SELECT user_id, csrf, expires_at FROM sessions WHERE token_hash = ?1") \
	STMT(ST_SESSION_DELETE, "DELETE FROM sessions WHERE token_hash = ?1") \
	STMT(ST_SESSION_PURGE, "DELETE FROM sessions WHERE expires_at < ?1") \
	/* cases */ \
	STMT(ST_CASE_INSERT, \
	     "INSERT INTO cases(no, type, class, channel, status, title, description," \
	     " location, org_id, reporter_enc, phone_index, confidential, fields, received_at, " \
	     "due_at," \
	     " created_by, created_at, updated_at, ext_ref, place_status, place_org_id," \
	     " region_code)" \
	     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17," \
	     " ?17, ?18, ?19, ?20, coalesce(" REGION_OF_ORG("?9") ", '000000'))") \
	STMT(ST_CASE_BY_EXT_REF, "SELECT id FROM cases WHERE type = ?1 AND ext_ref = ?2") \
	/* civicloop import's sync (core/import.c): the text a source may update */ \
	STMT(ST_CASE_TEXT_GET, "SELECT title, description FROM cases WHERE id = ?1") \
	STMT(ST_CASE_IMPORT_TEXT, \
	     "UPDATE cases SET title = ?2, description = ?3, updated_at = ?4," \
	     " version = version + 1 WHERE id = ?1") \
	STMT(ST_CASE_GET, \
	     "SELECT " CASE_COLS " FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.id = ?1") \
	/* a list page's cases and their parts, by ids ?1 (a JSON array), in \
	 * two statements instead of two a case (core/caseview.c case_load_many) */ \
	STMT(ST_CASE_GET_MANY, "SELECT " CASE_COLS " FROM cases c JOIN orgs o ON o.id = c.org_id" \
	                       " WHERE c.id IN (SELECT value FROM json_each(?1))") \
	STMT(ST_ASG_OF_CASES, \
	     "SELECT " ASG_COLS " FROM assignments a JOIN orgs o ON o.id = a.org_id" \
	     " WHERE a.case_id IN (SELECT value FROM json_each(?1)) ORDER BY a.case_id, a.id") \
	STMT(ST_CASE_UPDATE, \
	     "UPDATE cases SET status = ?2, fields = ?3, due_at = ?4, closed_at = ?5," \
	     " updated_at = ?6, version = version + 1 WHERE id = ?1 AND version = ?7") \
	/* GET /api/v1/cases and the exports (core/caseview.c case_list_bind): the \
	 * default order, newest first. The cursor ?11 is always bound (INT64_MAX \
	 * for the first page), and ?29 the lowest id (0 but for an export, \
	 * case_query.id_min), so the plan is a rowid range, "SEARCH c USING \
	 * INTEGER PRIMARY KEY (rowid>? AND rowid<?)": a deep page starts where \
	 * the last one ended instead of scanning past it, and an export of a \
	 * from..to stops where the ids received then end. The other newest-first \
	 * shapes below and in stmt_lists.h take the same two bounds. */ \
	STMT(ST_CASE_LIST, \
	     "SELECT " CASE_COLS " FROM cases c JOIN orgs o ON o.id = c.org_id" \
	     " WHERE " CASE_LIST_FILTERS " AND c.id < ?11 AND c.id >= ?29" CASE_LIST_MINE \
	     " ORDER BY c.id DESC LIMIT ?13") \
	/* The default order with q= that has words (?10, the full-text query): \
	 * the index drives, its hits walked newest first from the cursor ?11 \
	 * ("SCAN case_fts VIRTUAL TABLE INDEX 0:MD", then each case by rowid), so \
	 * a rare word costs its few hits and a common one stops after a page, \
	 * never a scan of every case. ?14 stays unbound here (the MATCH is the \
	 * q filter; a case number is one of the index's words). */ \
	STMT(ST_CASE_LIST_TEXT, \
	     "SELECT " CASE_COLS " FROM case_fts JOIN cases c ON c.id = case_fts.rowid" \
	     " JOIN orgs o ON o.id = c.org_id WHERE case_fts MATCH ?10 AND case_fts.rowid < ?11" \
	     " AND case_fts.rowid >= ?29" \
	     " AND " CASE_LIST_FILTERS CASE_LIST_MINE " ORDER BY case_fts.rowid DESC LIMIT ?13") \
	/* the default order with placement= (?26 bound): the same rows, driven \
	 * by migration 10's cases_place through a second cursor pc, "SEARCH pc \
	 * USING COVERING INDEX cases_place (place_status=? AND rowid>? AND rowid<?)", then \
	 * each case by rowid; so finding the few cases placed outside every \
	 * boundary reads those cases, not every case. (With the index on c \
	 * itself, SQLite 3.40 sorts the rows once the filters' OR terms are this \
	 * many; tests/unit/test_lists.c checks the plan.) */ \
	STMT(ST_CASE_LIST_PLACE, \
	     "SELECT " CASE_COLS " FROM cases pc JOIN cases c ON c.id = pc.id" \
	     " JOIN orgs o ON o.id = c.org_id WHERE pc.place_status = ?26 AND pc.id < ?11" \
	     " AND pc.id >= ?29" \
	     " AND " CASE_LIST_FILTERS " AND c.id < ?11" CASE_LIST_MINE \
	     " ORDER BY pc.id DESC LIMIT ?13") \
	/* sort=due without mine=1: by the case's deadline, none last (migration 7's \
	 * cases_due_order, whose entries are (key, rowid)), from the keyset (?24, ?25) \
	 * on: "SCAN c USING INDEX cases_due_order" and no sort, so a page stops \
	 * after its rows. */ \
	STMT(ST_CASE_LIST_DUE, \
	     "SELECT c.id, " CASE_DUE_KEY " FROM cases c JOIN orgs o ON o.id = c.org_id" \
	     " WHERE " CASE_LIST_FILTERS " AND " CASE_DUE_KEY " >= ?24" \
	     " AND (" CASE_DUE_KEY " > ?24 OR c.id > ?25)" \
	     " ORDER BY " CASE_DUE_KEY ", c.id LIMIT ?13") \
	/* mine=1&sort=due: the caller's unit's parts (its org subtree ?12, the \
	 * statuses ?23) found from the unit's orgs (a range of orgs_path: "/1/4/" \
	 * to "/1/40", '0' following '/') through assignments_org, one row per case \
	 * with its earliest part deadline (sign_due_at until the part is signed \
	 * for, then due_at; none last), then sorted: a page costs the unit's parts \
	 * in those statuses, never every case or every assignment. */ \
	STMT(ST_CASE_LIST_PART_DUE, \
	     "WITH mp AS MATERIALIZED (SELECT ma.case_id AS id, min(" PART_DUE_KEY ") AS k" \
	     "  FROM orgs mo JOIN assignments ma ON ma.org_id = mo.id" \
	     "  WHERE mo.path >= ?12 AND mo.path < substr(?12, 1, length(?12) - 1) || '0'" \
	     "  AND ma.status IN (SELECT value FROM json_each(?23)) GROUP BY ma.case_id)" \
	     " SELECT c.id, mp.k FROM mp JOIN cases c ON c.id = mp.id JOIN orgs o ON o.id = " \
	     "c.org_id" \
	     " WHERE " CASE_LIST_FILTERS " AND mp.k >= ?24 AND (mp.k > ?24 OR c.id > ?25)" \
	     " ORDER BY mp.k, c.id LIMIT ?13") \
	STMT(ST_CASE_BY_PHONE, "SELECT c.id, c.no, c.title, c.status, c.received_at FROM cases c" \
	                       " WHERE c.phone_index = ?1 AND c.received_at >= ?2 AND " \
	                       "c.received_at <= ?4 AND c.id <> ?3" \
	                       " ORDER BY c.id DESC LIMIT 10") \
	STMT(ST_CASE_STATUS_COUNTS, \
	     "SELECT type, status, count(*) FROM cases GROUP BY type, status") \
	/* assignments */ \
	STMT(ST_ASG_INSERT, \
	     "INSERT INTO assignments(case_id, org_id, kind, status, dispatched_at," \
	     " sign_due_at, due_at, updated_at, region_code)" \
	     " VALUES(?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?4, " REGION_OF_CASE("?1") ")") \
	STMT(ST_ASG_OF_CASE, \
	     "SELECT " ASG_COLS " FROM assignments a JOIN orgs o ON o.id = a.org_id" \
	     " WHERE a.case_id = ?1 ORDER BY a.id") \
	STMT(ST_ASG_UPDATE, "UPDATE assignments SET status = ?2, signed_at = ?3, done_at = ?4," \
	                    " due_at = ?5, updated_at = ?6, sign_due_at = ?7 WHERE id = ?1") \
	/* a level takes the case on at once (core/levels.c assign_level) */ \
	STMT(ST_ASG_SIGN_NOW, \
	     "UPDATE assignments SET status = ?2, signed_at = ?3, updated_at = ?3 WHERE id = ?1") \
	STMT(ST_ASG_OPINION_SET, \
	     "UPDATE assignments SET opinion = ?2, updated_at = ?3 WHERE id = ?1") \
	STMT(ST_ASG_OPINION, "SELECT opinion FROM assignments WHERE id = ?1") \
	/* events and the chain */ \
	STMT(ST_EVENT_INSERT, \
	     "INSERT INTO events(seq, case_id, at, actor_id, org_id, action, from_status," \
	     " to_status, payload, prev_hash, hash, region_code) VALUES(?1, ?2, ?3, ?4, ?5, ?6," \
	     " ?7, ?8, ?9, ?10, ?11, " REGION_OF_CASE_OR_ORG("?2", "?5") ")") \
	STMT(ST_EVENT_HEAD, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1") \
	/* a case's history; with each event its actor's org and that org's \
	 * region (the root of its tree: "/39/40/" → the org whose path is \
	 * "/39/", found by orgs_path), so a joint mediation's steps say which \
	 * county took them */ \
	STMT(ST_EVENTS_OF_CASE, \
	     "SELECT e.seq, e.at, e.actor_id, u.login, u.name, e.org_id, e.action," \
	     " e.from_status, e.to_status, e.payload, e.hash, o.code, o.name, ro.code, ro.name" \
	     " FROM events e LEFT JOIN users u ON u.id = e.actor_id" \
	     " LEFT JOIN orgs o ON o.id = e.org_id LEFT JOIN orgs ro" \
	     "  ON ro.path = substr(o.path, 1, instr(substr(o.path, 2), '/') + 1)" \
	     " WHERE e.case_id = ?1 AND e.seq > ?2" \
	     " AND (?4 IS NULL OR e.action NOT IN (SELECT value FROM json_each(?4)))" \
	     " ORDER BY e.seq LIMIT ?3") \
	/* the last event of a case with action ?2 (an import's history steps) */ \
	STMT(ST_EVENT_LAST_OF_CASE, \
	     "SELECT payload FROM events WHERE case_id = ?1 AND action = ?2" \
	     " ORDER BY seq DESC LIMIT 1") \
	STMT(ST_EVENTS_ALL, \
	     "SELECT seq, case_id, at, actor_id, org_id, action, from_status, to_status," \
	     " payload, prev_hash, hash FROM events ORDER BY seq") \
	/* a checkpoint is its event's region's (docs/citus.md "Counters and \
	 * checkpoints"): NULL, refused, when there is no event ?1 */ \
	STMT(ST_CHECKPOINT_INSERT, \
	     "INSERT INTO checkpoints(seq, hash, at, key_id, public_key, signature," \
	     " region_code) VALUES(?1, ?2, ?3, ?4, ?5, ?6," \
	     " (SELECT region_code FROM events WHERE seq = ?1))") \
	STMT(ST_CHECKPOINTS_ALL, \
	     "SELECT seq, hash, at, key_id, public_key, signature FROM checkpoints" \
	     " ORDER BY seq") \
	STMT(ST_CHECKPOINT_LAST, "SELECT seq, at FROM checkpoints ORDER BY seq DESC LIMIT 1") \
	/* timers */ \
	STMT(ST_TIMER_INSERT, \
	     "INSERT INTO timers(case_id, assignment_id, kind, unit, due_at, warn_at, state," \
	     " region_code) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 'running', " REGION_OF_CASE("?1") ")") \
	STMT(ST_TIMER_STOP_CASE, "UPDATE timers SET state = 'stopped' WHERE case_id = ?1" \
	                         " AND state IN ('running','paused')") \
	STMT(ST_TIMER_STOP_KIND, \
	     "UPDATE timers SET state = 'stopped' WHERE case_id = ?1 AND kind = ?2" \
	     " AND state IN ('running','paused')") \
	STMT(ST_TIMER_STOP_ASG, \
	     "UPDATE timers SET state = 'stopped' WHERE assignment_id = ?1" \
	     " AND (?2 IS NULL OR kind = ?2) AND state IN ('running','paused')") \
	/* the due deadlines, then the due warnings, each a range of its index \
	 * read no further than the limit (UNION ALL: a UNION built a temporary \
	 * table of every due timer for each batch; a timer in both arms is \
	 * taken once by the scheduler) */ \
	STMT(ST_TIMERS_DUE, \
	     "SELECT id FROM timers WHERE state = 'running' AND due_at <= ?1" \
	     " UNION ALL SELECT id FROM timers WHERE state = 'running' AND warned = 0 " \
	     "AND warn_at <= ?1" \
	     " LIMIT ?2") \
	STMT(ST_TIMER_GET, \
	     "SELECT t.id, t.case_id, t.assignment_id, t.kind, t.unit, t.due_at, t.warn_at," \
	     " t.warned, t.state FROM timers t WHERE t.id = ?1") \
	STMT(ST_TIMER_MARK, "UPDATE timers SET warned = ?2, state = ?3 WHERE id = ?1") \
	STMT(ST_TIMERS_OF_CASE, \
	     "SELECT id, unit, due_at, paused_at, warn_at, kind, assignment_id FROM timers" \
	     " WHERE case_id = ?1 AND state = ?2") \
	STMT(ST_TIMER_SET, \
	     "UPDATE timers SET state = ?2, due_at = ?3, warn_at = ?4, paused_at = ?5," \
	     " warned = CASE WHEN ?4 IS NULL OR ?4 > ?6 THEN 0 ELSE warned END WHERE id = ?1") \
	/* the newest case timer of a kind (callback_due_at): timers_case, newest first */ \
	STMT(ST_TIMER_CASE_LAST, \
	     "SELECT due_at, state FROM timers WHERE case_id = ?1 AND assignment_id IS NULL" \
	     " AND kind = ?2 ORDER BY id DESC LIMIT 1") \
	STMT(ST_TIMER_NEXT, "SELECT min(CASE WHEN warned = 0 AND warn_at < due_at THEN warn_at" \
	                    " ELSE due_at END) FROM timers WHERE state = 'running'") \
	/* links */ \
	STMT(ST_LINK_INSERT, "INSERT INTO links(case_id, other_id, kind, created_at, region_code)" \
	                     " VALUES(?1, ?2, ?3, ?4, " REGION_OF_CASE("?1") ")") \
	STMT(ST_LINK_REMOVE, "UPDATE links SET removed_at = ?3 WHERE case_id = ?1 AND kind = ?2" \
	                     " AND removed_at IS NULL") \
	/* a parent's children by link kind ?2, at most ?3: "SEARCH l USING \
	 * INDEX links_other (other_id=?)" */ \
	STMT(ST_LINK_CHILDREN, \
	     "SELECT l.case_id FROM links l WHERE l.other_id = ?1" \
	     " AND l.kind = ?2 AND l.removed_at IS NULL ORDER BY l.case_id LIMIT ?3") \
	STMT(ST_LINKS_OF_CASE, \
	     "SELECT l.kind, l.other_id, c.no, l.case_id FROM links l" \
	     " JOIN cases c ON c.id = CASE WHEN l.case_id = ?1 THEN l.other_id ELSE l.case_id END" \
	     " WHERE (l.case_id = ?1 OR l.other_id = ?1) AND l.removed_at IS NULL ORDER BY l.id") \
	/* idempotency */ \
	STMT( \
	    ST_IDEM_GET, \
	    "SELECT body_hash, status, response FROM idempotency WHERE user_id = ?1 AND key = ?2") \
	STMT(ST_IDEM_PUT, \
	     "INSERT INTO idempotency(user_id, key, body_hash, status, response, created_at," \
	     " region_code) VALUES(?1, ?2, ?3, ?4, ?5, ?6, " REGION_OF_USER("?1") ")") \
	STATEMENTS_ORGS(STMT) \
	STATEMENTS_AUDIT(STMT) \
	STATEMENTS_HOTLINE(STMT) \
	STATEMENTS_STATS(STMT) \
	STATEMENTS_STATS_AGG(STMT) \
	STATEMENTS_PUBLIC(STMT) \
	STATEMENTS_NOTICES(STMT) \
	STATEMENTS_ACCOUNTS(STMT) \
	STATEMENTS_GEO(STMT) \
	STATEMENTS_ATTACHMENTS(STMT) \
	STATEMENTS_SEARCH(STMT) \
	STATEMENTS_ROUTING(STMT) \
	STATEMENTS_DUP(STMT) \
	STATEMENTS_PARTIES(STMT) \
	STATEMENTS_SUGGESTION(STMT) \
	STATEMENTS_WHISTLE(STMT) \
	STATEMENTS_TASK(STMT) \
	STATEMENTS_ENTERPRISE(STMT) \
	STATEMENTS_LEDGER(STMT) \
	STATEMENTS_INSPECTION(STMT) \
	STATEMENTS_CAMPAIGN(STMT) \
	STATEMENTS_DOCUMENTS(STMT) \
	STATEMENTS_REVIEWS(STMT) \
	STATEMENTS_RECEPTION(STMT) \
	STATEMENTS_APIKEYS(STMT) \
	STATEMENTS_OPEN311(STMT) \
	STATEMENTS_OUTBOX(STMT) \
	STATEMENTS_SMS(STMT) \
	STATEMENTS_LISTS(STMT) \
	STATEMENTS_INBOX(STMT) \
	STATEMENTS_GEN(STMT) \
	STATEMENTS_EXPORT(STMT) \
	STATEMENTS_OVERDUE(STMT)

#endif
