/*
 * The database schema, as an ordered list of migrations. Migration N brings
 * the schema from version N-1 to N; `schema_version` records what has been
 * applied. Never edit a migration that has shipped: add a new one.
 *
 * Tables (all times are UTC milliseconds):
 *  orgs          the org tree; `path` is "/id/id/…/" from the root, so a
 *                subtree is `path LIKE '<root path>%'`.
 *  users         accounts; pw_hash is an Argon2id string (libsodium).
 *  user_roles    role grants, each scoped to an org subtree.
 *  sessions      login sessions; only BLAKE2b(token) is stored.
 *  cases         current state of each case, the projection of its events.
 *  assignments   one unit's part of a case (lead / assist / review).
 *  events        the append-only history and audit chain (see core/chain.h):
 *                seq is the global order, hash = BLAKE2b(prev_hash ‖ bytes).
 *  checkpoints   Ed25519-signed (seq, hash, at) of the chain head.
 *  timers        deadlines of cases and assignments; the scheduler turns due
 *                ones into events exactly once (state moves in the same
 *                transaction as the event).
 *  links         duplicate / merged / related links between cases.
 *  idempotency   the first response to each (user, Idempotency-Key).
 *  counters      per-day sequence numbers for human case numbers, by
 *                region (core/case_no.h).
 *
 * Migration 2 (the hotline) adds:
 *  cases.ext_ref an outside system's number for the case (the 110 incident
 *                number), unique per type, so a repeated hand-over finds it.
 *  api_keys      keys for systems (110 linkage, Open311 clients); only
 *                BLAKE2b(key) is stored; a key acts as its user.
 *  notices       messages to an org (催办, 督办, overdue), read by its staff.
 *  timers        rebuilt without the CHECK on state, which cost a temporary
 *                b-tree on every insert (docs/bench.md).
 *
 * Migration 3 (trust) rebuilds every table as STRICT: a column holds only
 * values of its declared type, so no row can hold what one reader takes as
 * text and another as a number (the audit verifier once read an
 * events.case_id stored as the text '1x' as 1). Data is copied unchanged;
 * a value that does not fit its column makes the migration fail, and the
 * server does not start on such a database. idempotency.response is BLOB
 * (it holds sealed bytes). Migrations run with foreign keys off and end
 * with a foreign-key check (sqlite.c), as SQLite's table rebuild needs.
 *
 * Migration 4 (lead and assisting units) adds:
 *  assignments.opinion  what an assisting (or review) unit answered, as a
 *                JSON object of the answer's fields and "at": its opinion
 *                (协办意见), kept beside the lead's answer, which alone
 *                becomes the case's (core/assignments.c lead_sets_fields).
 *  assignments.ratings  what each side thought of the unit's part (双考核:
 *                the owning org's rating of a summoned department, the
 *                department's of the summons), {"SIDE": {…}} as JSON
 *                (core/ratings.c rate_part).
 *
 * Migration 5 (the map) adds:
 *  orgs.boundary the org's area as a GeoJSON Polygon or MultiPolygon
 *                (util/geojson.h; checked before it is written, stored as
 *                compact JSON text), NULL when it has none.
 *  cases_map     an index of the open cases that have a location, newest
 *                first by id, for GET /api/v1/geo/cases: the map reads only
 *                those instead of every case.
 *
 * Migration 6 (the audit page, GET /api/v1/audit/events) adds:
 *  events_action_seq, events_actor  indexes on events(action) and
 *                events(actor_id); SQLite appends the rowid (seq) to every
 *                index entry, so each walks one action's or one actor's
 *                events in seq order, either way, from a cursor (the
 *                filters action= and actor=; case_id= uses events_case).
 *
 * Migration 7 (the inbox's order, GET /api/v1/cases?sort=due) adds:
 *  cases_due_order  an index on the case's deadline with "none" as the
 *                largest value (coalesce(due_at, INT64_MAX)); each entry
 *                ends with the rowid, so it walks (deadline, id) in the
 *                list's order from a keyset cursor, and a page reads only
 *                its own rows and the ones its filters skip. The statements
 *                must write the expression exactly so
 *                (store/statements.h CASE_DUE_KEY).
 *
 * Migration 8 (case attachments) adds:
 *  attachments   one file attached to a case: the lower-case hex SHA-256
 *                of its bytes (the file is FILE.files/ab/<sha256>, written
 *                and fsynced before the row's transaction commits,
 *                util/filestore.h), the name as the uploader gave it
 *                (1–200 characters, checked in core/attachments.c), its
 *                content type (one of four), size in bytes, uploader and
 *                time. The same bytes attached twice are two rows naming
 *                one file. A row is never updated or deleted.
 *  attachments_case  the case's attachments in id order (the list, the
 *                count in the case view, the per-case cap).
 *
 * Migration 9 (full-text search) adds:
 *  case_fts      an FTS5 table, one row per case (rowid = cases.id): its
 *                number, title, description, address and notes (the type's
 *                text fields and the units' opinions), tokenized by
 *                util/tokenize.h (CJK unigrams and bigrams, Traditional
 *                folded to Simplified). Written in the same transaction as
 *                the case (core/search.c); cases older than the table are
 *                indexed when the writer starts (meta "search.version").
 *
 * Migration 10 (cases placed in their grid, core/placement.h) adds:
 *  org_bbox      an R*Tree of the bounding boxes of org boundaries (id =
 *                orgs.id; lng and lat ranges in WGS-84 degrees, rounded
 *                outwards to 32-bit floats by the module). A point's
 *                candidate orgs are those whose box holds it; the exact
 *                test is geojson_contains in C. Filled here from the
 *                boundaries already stored (each number under
 *                "coordinates" is a position's lng at index 0 or lat at 1)
 *                and kept in step by org_set_boundary in the same
 *                transaction, with the same statement.
 *  cases.place_status  where the case's point lies: 'placed' (inside some
 *                township, village or grid boundary), 'outside' (inside
 *                none), NULL when the case has no point.
 *  cases.place_org_id  the deepest org whose boundary holds the point
 *                (grid, else village, else township), when placed.
 *  cases_place   an index on place_status (entries end with the rowid), so
 *                ?placement= walks only the cases of that status.
 *
 * Migration 11 (the dispatch catalogue and routing that learns, core/routing.h) adds:
 *  catalogue_versions  every version of the dispatch catalogue (派单目录):
 *                the whole document as canonical JSON ({"entries":[…]}),
 *                checked before it is written (core/catalogue.c), a note,
 *                who saved it and when. The newest is the current one; a
 *                version is never changed or deleted.
 *  route_tokens  the learned model: how often token (util/tokenize.h) was
 *                seen in the text of cases labelled with org, one row per
 *                (token, org).
 *  route_orgs    per org: the labelled cases (docs) and the token
 *                occurrences (tokens) counted in route_tokens.
 *  route_labels  which (case, org) labels the model holds, so a label is
 *                counted once and a wrong one (an approved return) is taken
 *                out exactly as it went in.
 *
 * Migration 16 (listed tasks, 为民办实事 and 检视整改; docs/task.md) adds:
 *  task_lists    the published lists (title, year, publishing org); their
 *                items are cases of the task type whose "list" field names
 *                the list (core/milestones.c, api/tasklists.c).
 *
 * Migration 12 (the duplicate check, core/duplicates.c) adds:
 *  case_points   an R*Tree over every located case: its WGS-84 point (lat,
 *                lng of cases.location, as case_location_check stored it)
 *                and its received time in hours (store/stmt_dup.h), so the
 *                check reads only the cases within R metres and N days of a
 *                new one. Filled here for the cases before it; a new case's
 *                point is added in the transaction that creates it.
 */
#ifndef CIVICLOOP_STORE_SCHEMA_H
#define CIVICLOOP_STORE_SCHEMA_H

#include "store/stmt_geo.h"     /* ORG_BBOX_SELECT */
#include "store/stmt_lists.h"   /* CASE_SCOPE_FILL_* (migration 24) */
#include "store/stmt_inbox.h"   /* PART_DUE_SCHEMA (migration 26) */
#include "store/stmt_stats.h"   /* STATS_MONTH_SCHEMA (27), STATS_REGION_SCHEMA (33) */
#include "store/stmt_orgmove.h" /* ORG_MOVE_SCHEMA (migration 28) */
#include "store/stmt_overdue.h" /* CASE_OVERDUE_SCHEMA (migration 29) */
#include "store/stmt_region.h"  /* REGION_FILL (migration 32) */

/* (one table a line: clang-format would flow the macros into one another) */
/* clang-format off */
#define SCHEMA_32 \
	"ALTER TABLE orgs ADD COLUMN city_code TEXT NOT NULL DEFAULT '000000';" \
	" UPDATE orgs SET city_code = coalesce((SELECT " REGION_CITY_SQL("a.region_code") \
	"  FROM " ORG_PATH_IDS("orgs.path") " j JOIN orgs a ON a.id = j.value" \
	"  WHERE length(a.region_code) IN (6, 9, 12) AND a.region_code NOT GLOB '*[^0-9]*'" \
	"  AND substr(a.region_code, 1, 2) BETWEEN '11' AND '82'" \
	"  ORDER BY length(a.path) DESC LIMIT 1), '000000');" \
	" CREATE TEMP TABLE m32_dirty AS SELECT case_id FROM stats_dirty;" \
	REGION_FILL("cases", REGION_OF_ORG("x.org_id")) \
	REGION_FILL("assignments", REGION_OF_CASE("x.case_id")) \
	REGION_FILL("timers", REGION_OF_CASE("x.case_id")) \
	REGION_FILL("links", REGION_OF_CASE("x.case_id")) \
	REGION_FILL("attachments", REGION_OF_CASE("x.case_id")) \
	REGION_FILL("route_labels", REGION_OF_CASE("x.case_id")) \
	REGION_FILL("case_parties", REGION_OF_CASE("x.case_id")) \
	REGION_FILL("inspection_periods", REGION_OF_CASE("x.case_id")) \
	REGION_FILL("open311_requests", REGION_OF_CASE("x.case_id")) \
	REGION_FILL("open311_updates", REGION_OF_CASE("x.case_id")) \
	REGION_FILL("events", REGION_OF_CASE_OR_ORG("x.case_id", "x.org_id")) \
	REGION_FILL("notices", REGION_OF_CASE_OR_ORG("x.case_id", "x.org_id")) \
	REGION_FILL("interviews", REGION_OF_CASE_OR_ORG("x.case_id", "x.org_id")) \
	REGION_FILL("documents", REGION_OF_CASE_OR_ORG("x.case_id", "x.org_id")) \
	REGION_FILL("outbox", REGION_OF_CASE_OR_ORG("x.case_id", "x.org_id")) \
	REGION_FILL("idempotency", REGION_OF_USER("x.user_id")) \
	" DELETE FROM stats_dirty WHERE case_id NOT IN (SELECT case_id FROM m32_dirty);" \
	" DROP TABLE m32_dirty;"
/* clang-format on */

static const char *const schema_migrations[] = {
    /* 1: the spine */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE orgs("
    " id INTEGER PRIMARY KEY,"
    " code TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK(kind IN('county','township','village','grid','department',"
    "  'enterprise','centre')),"
    " parent_id INTEGER REFERENCES orgs(id),"
    " path TEXT NOT NULL,"
    " region_code TEXT,"
    " settings TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX orgs_parent ON orgs(parent_id);"
    "CREATE INDEX orgs_path ON orgs(path);"
    "CREATE TABLE users("
    " id INTEGER PRIMARY KEY,"
    " login TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL,"
    " org_id INTEGER NOT NULL REFERENCES orgs(id),"
    " pw_hash TEXT NOT NULL,"
    " phone_enc BLOB,"
    " disabled INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE user_roles("
    " user_id INTEGER NOT NULL REFERENCES users(id),"
    " role TEXT NOT NULL,"
    " scope_org_id INTEGER NOT NULL REFERENCES orgs(id),"
    " PRIMARY KEY(user_id, role, scope_org_id));"
    "CREATE TABLE sessions("
    " token_hash BLOB PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id),"
    " csrf TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE cases("
    " id INTEGER PRIMARY KEY,"
    " no TEXT NOT NULL UNIQUE,"
    " type TEXT NOT NULL,"
    " class TEXT,"
    " channel TEXT,"
    " status TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " description TEXT NOT NULL,"
    " location TEXT,"
    " org_id INTEGER NOT NULL REFERENCES orgs(id),"
    " reporter_enc BLOB,"
    " phone_index BLOB,"
    " confidential INTEGER NOT NULL DEFAULT 0,"
    " fields TEXT NOT NULL DEFAULT '{}',"
    " received_at INTEGER NOT NULL,"
    " due_at INTEGER,"
    " closed_at INTEGER,"
    " created_by INTEGER REFERENCES users(id),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " version INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX cases_type_status ON cases(type, status);"
    "CREATE INDEX cases_org ON cases(org_id);"
    "CREATE INDEX cases_received ON cases(received_at);"
    "CREATE INDEX cases_phone ON cases(phone_index) WHERE phone_index IS NOT NULL;"
    "CREATE INDEX cases_due ON cases(due_at) WHERE closed_at IS NULL;"
    "CREATE TABLE assignments("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " org_id INTEGER NOT NULL REFERENCES orgs(id),"
    " kind TEXT NOT NULL CHECK(kind IN('lead','assist','review')),"
    " status TEXT NOT NULL,"
    " dispatched_at INTEGER NOT NULL,"
    " sign_due_at INTEGER,"
    " due_at INTEGER,"
    " signed_at INTEGER,"
    " done_at INTEGER,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX assignments_case ON assignments(case_id);"
    "CREATE INDEX assignments_org ON assignments(org_id, status);"
    "CREATE TABLE events("
    " seq INTEGER PRIMARY KEY,"
    " case_id INTEGER REFERENCES cases(id),"
    " at INTEGER NOT NULL,"
    " actor_id INTEGER,"
    " org_id INTEGER,"
    " action TEXT NOT NULL,"
    " from_status TEXT,"
    " to_status TEXT,"
    " payload TEXT NOT NULL,"
    " prev_hash BLOB NOT NULL,"
    " hash BLOB NOT NULL);"
    "CREATE INDEX events_case ON events(case_id, seq);"
    "CREATE TABLE checkpoints("
    " seq INTEGER PRIMARY KEY,"
    " hash BLOB NOT NULL,"
    " at INTEGER NOT NULL,"
    " key_id TEXT NOT NULL,"
    " public_key BLOB NOT NULL,"
    " signature BLOB NOT NULL);"
    "CREATE TABLE timers("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " assignment_id INTEGER REFERENCES assignments(id),"
    " kind TEXT NOT NULL,"
    " unit INTEGER NOT NULL,"
    " due_at INTEGER NOT NULL,"
    " warn_at INTEGER,"
    " warned INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL CHECK(state IN('running','paused','fired','stopped')),"
    " paused_at INTEGER);"
    "CREATE INDEX timers_due ON timers(state, due_at);"
    "CREATE INDEX timers_warn ON timers(state, warned, warn_at);"
    "CREATE INDEX timers_case ON timers(case_id);"
    "CREATE TABLE links("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " other_id INTEGER NOT NULL REFERENCES cases(id),"
    " kind TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " removed_at INTEGER);"
    "CREATE INDEX links_case ON links(case_id);"
    "CREATE INDEX links_other ON links(other_id);"
    "CREATE TABLE idempotency("
    " user_id INTEGER NOT NULL,"
    " key TEXT NOT NULL,"
    " body_hash BLOB NOT NULL,"
    " status INTEGER NOT NULL,"
    " response TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " PRIMARY KEY(user_id, key));"
    "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);",

    /* 2: the hotline */
    "ALTER TABLE cases ADD COLUMN ext_ref TEXT;"
    "CREATE UNIQUE INDEX cases_ext_ref ON cases(type, ext_ref) WHERE ext_ref IS NOT NULL;"
    "CREATE TABLE api_keys("
    " id INTEGER PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id),"
    " name TEXT NOT NULL,"
    " key_hash BLOB NOT NULL UNIQUE,"
    " created_at INTEGER NOT NULL,"
    " revoked_at INTEGER);"
    "CREATE TABLE notices("
    " id INTEGER PRIMARY KEY,"
    " org_id INTEGER NOT NULL REFERENCES orgs(id),"
    " case_id INTEGER REFERENCES cases(id),"
    " kind TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " actor_id INTEGER,"
    " created_at INTEGER NOT NULL,"
    " read_at INTEGER,"
    " read_by INTEGER);"
    "CREATE INDEX notices_org ON notices(org_id, id);"
    "CREATE INDEX notices_case ON notices(case_id);"
    "CREATE TABLE timers2("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " assignment_id INTEGER REFERENCES assignments(id),"
    " kind TEXT NOT NULL,"
    " unit INTEGER NOT NULL,"
    " due_at INTEGER NOT NULL,"
    " warn_at INTEGER,"
    " warned INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL,"
    " paused_at INTEGER);"
    "INSERT INTO timers2 SELECT id, case_id, assignment_id, kind, unit, due_at, warn_at, warned,"
    " state, paused_at FROM timers;"
    "DROP TABLE timers;"
    "ALTER TABLE timers2 RENAME TO timers;"
    "CREATE INDEX timers_due ON timers(state, due_at);"
    "CREATE INDEX timers_warn ON timers(state, warned, warn_at);"
    "CREATE INDEX timers_case ON timers(case_id);"
    "CREATE INDEX timers_asg ON timers(assignment_id) WHERE assignment_id IS NOT NULL;"
    "CREATE INDEX events_action ON events(action, case_id);",

    /* 3: every table STRICT (rebuilt; see the top of this file) */
    "CREATE TABLE meta_strict(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    "INSERT INTO meta_strict(key, value) SELECT key, value FROM meta;"
    "DROP TABLE meta;"
    "ALTER TABLE meta_strict RENAME TO meta;"
    "CREATE TABLE orgs_strict(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT "
    "NULL, kind TEXT NOT NULL CHECK(kind "
    "IN('county','township','village','grid','department','enterprise','centre')), parent_id "
    "INTEGER REFERENCES orgs(id), path TEXT NOT NULL, region_code TEXT, settings TEXT NOT NULL "
    "DEFAULT '{}') STRICT;"
    "INSERT INTO orgs_strict(id, code, name, kind, parent_id, path, region_code, settings) SELECT"
    " id, code, name, kind, parent_id, path, region_code, settings FROM orgs;"
    "DROP TABLE orgs;"
    "ALTER TABLE orgs_strict RENAME TO orgs;"
    "CREATE INDEX orgs_parent ON orgs(parent_id);"
    "CREATE INDEX orgs_path ON orgs(path);"
    "CREATE TABLE users_strict(id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE, name TEXT NOT "
    "NULL, org_id INTEGER NOT NULL REFERENCES orgs(id), pw_hash TEXT NOT NULL, phone_enc BLOB, "
    "disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL) STRICT;"
    "INSERT INTO users_strict(id, login, name, org_id, pw_hash, phone_enc, disabled, created_at) "
    "SELECT id, login, name, org_id, pw_hash, phone_enc, disabled, created_at FROM users;"
    "DROP TABLE users;"
    "ALTER TABLE users_strict RENAME TO users;"
    "CREATE TABLE user_roles_strict(user_id INTEGER NOT NULL REFERENCES users(id), role TEXT NOT "
    "NULL, scope_org_id INTEGER NOT NULL REFERENCES orgs(id), PRIMARY KEY(user_id, role, "
    "scope_org_id)) STRICT;"
    "INSERT INTO user_roles_strict(user_id, role, scope_org_id) SELECT user_id, role, "
    "scope_org_id FROM user_roles;"
    "DROP TABLE user_roles;"
    "ALTER TABLE user_roles_strict RENAME TO user_roles;"
    "CREATE TABLE sessions_strict(token_hash BLOB PRIMARY KEY, user_id INTEGER NOT NULL "
    "REFERENCES users(id), csrf TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER "
    "NOT NULL) STRICT;"
    "INSERT INTO sessions_strict(token_hash, user_id, csrf, created_at, expires_at) SELECT "
    "token_hash, user_id, csrf, created_at, expires_at FROM sessions;"
    "DROP TABLE sessions;"
    "ALTER TABLE sessions_strict RENAME TO sessions;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE cases_strict(id INTEGER PRIMARY KEY, no TEXT NOT NULL UNIQUE, type TEXT NOT "
    "NULL, class TEXT, channel TEXT, status TEXT NOT NULL, title TEXT NOT NULL, description TEXT "
    "NOT NULL, location TEXT, org_id INTEGER NOT NULL REFERENCES orgs(id), reporter_enc BLOB, "
    "phone_index BLOB, confidential INTEGER NOT NULL DEFAULT 0, fields TEXT NOT NULL DEFAULT "
    "'{}', received_at INTEGER NOT NULL, due_at INTEGER, closed_at INTEGER, created_by INTEGER "
    "REFERENCES users(id), created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version "
    "INTEGER NOT NULL DEFAULT 1, ext_ref TEXT) STRICT;"
    "INSERT INTO cases_strict(id, no, type, class, channel, status, title, description, location,"
    " org_id, reporter_enc, phone_index, confidential, fields, received_at, due_at, closed_at, "
    "created_by, created_at, updated_at, version, ext_ref) SELECT id, no, type, class, channel, "
    "status, title, description, location, org_id, reporter_enc, phone_index, confidential, "
    "fields, received_at, due_at, closed_at, created_by, created_at, updated_at, version, ext_ref"
    " FROM cases;"
    "DROP TABLE cases;"
    "ALTER TABLE cases_strict RENAME TO cases;"
    "CREATE INDEX cases_type_status ON cases(type, status);"
    "CREATE INDEX cases_org ON cases(org_id);"
    "CREATE INDEX cases_received ON cases(received_at);"
    "CREATE INDEX cases_phone ON cases(phone_index) WHERE phone_index IS NOT NULL;"
    "CREATE INDEX cases_due ON cases(due_at) WHERE closed_at IS NULL;"
    "CREATE UNIQUE INDEX cases_ext_ref ON cases(type, ext_ref) WHERE ext_ref IS NOT NULL;"
    "CREATE TABLE assignments_strict(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES "
    "cases(id), org_id INTEGER NOT NULL REFERENCES orgs(id), kind TEXT NOT NULL CHECK(kind "
    "IN('lead','assist','review')), status TEXT NOT NULL, dispatched_at INTEGER NOT NULL, "
    "sign_due_at INTEGER, due_at INTEGER, signed_at INTEGER, done_at INTEGER, updated_at INTEGER "
    "NOT NULL) STRICT;"
    "INSERT INTO assignments_strict(id, case_id, org_id, kind, status, dispatched_at, "
    "sign_due_at, due_at, signed_at, done_at, updated_at) SELECT id, case_id, org_id, kind, "
    "status, dispatched_at, sign_due_at, due_at, signed_at, done_at, updated_at FROM assignments;"
    "DROP TABLE assignments;"
    "ALTER TABLE assignments_strict RENAME TO assignments;"
    "CREATE INDEX assignments_case ON assignments(case_id);"
    "CREATE INDEX assignments_org ON assignments(org_id, status);"
    "CREATE TABLE events_strict(seq INTEGER PRIMARY KEY, case_id INTEGER REFERENCES cases(id), at"
    " INTEGER NOT NULL, actor_id INTEGER, org_id INTEGER, action TEXT NOT NULL, from_status TEXT,"
    " to_status TEXT, payload TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;"
    "INSERT INTO events_strict(seq, case_id, at, actor_id, org_id, action, from_status, "
    "to_status, payload, prev_hash, hash) SELECT seq, case_id, at, actor_id, org_id, action, "
    "from_status, to_status, payload, prev_hash, hash FROM events;"
    "DROP TABLE events;"
    "ALTER TABLE events_strict RENAME TO events;"
    "CREATE INDEX events_case ON events(case_id, seq);"
    "CREATE INDEX events_action ON events(action, case_id);"
    "CREATE TABLE checkpoints_strict(seq INTEGER PRIMARY KEY, hash BLOB NOT NULL, at INTEGER NOT "
    "NULL, key_id TEXT NOT NULL, public_key BLOB NOT NULL, signature BLOB NOT NULL) STRICT;"
    "INSERT INTO checkpoints_strict(seq, hash, at, key_id, public_key, signature) SELECT seq, "
    "hash, at, key_id, public_key, signature FROM checkpoints;"
    "DROP TABLE checkpoints;"
    "ALTER TABLE checkpoints_strict RENAME TO checkpoints;"
    "CREATE TABLE timers_strict(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES "
    "cases(id), assignment_id INTEGER REFERENCES assignments(id), kind TEXT NOT NULL, unit "
    "INTEGER NOT NULL, due_at INTEGER NOT NULL, warn_at INTEGER, warned INTEGER NOT NULL DEFAULT "
    "0, state TEXT NOT NULL, paused_at INTEGER) STRICT;"
    "INSERT INTO timers_strict(id, case_id, assignment_id, kind, unit, due_at, warn_at, warned, "
    "state, paused_at) SELECT id, case_id, assignment_id, kind, unit, due_at, warn_at, warned, "
    "state, paused_at FROM timers;"
    "DROP TABLE timers;"
    "ALTER TABLE timers_strict RENAME TO timers;"
    "CREATE INDEX timers_due ON timers(state, due_at);"
    "CREATE INDEX timers_warn ON timers(state, warned, warn_at);"
    "CREATE INDEX timers_case ON timers(case_id);"
    "CREATE INDEX timers_asg ON timers(assignment_id) WHERE assignment_id IS NOT NULL;"
    "CREATE TABLE links_strict(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES "
    "cases(id), other_id INTEGER NOT NULL REFERENCES cases(id), kind TEXT NOT NULL, created_at "
    "INTEGER NOT NULL, removed_at INTEGER) STRICT;"
    "INSERT INTO links_strict(id, case_id, other_id, kind, created_at, removed_at) SELECT id, "
    "case_id, other_id, kind, created_at, removed_at FROM links;"
    "DROP TABLE links;"
    "ALTER TABLE links_strict RENAME TO links;"
    "CREATE INDEX links_case ON links(case_id);"
    "CREATE INDEX links_other ON links(other_id);"
    "CREATE TABLE idempotency_strict(user_id INTEGER NOT NULL, key TEXT NOT NULL, body_hash BLOB "
    "NOT NULL, status INTEGER NOT NULL, response BLOB NOT NULL, created_at INTEGER NOT NULL, "
    "PRIMARY KEY(user_id, key)) STRICT;"
    "INSERT INTO idempotency_strict(user_id, key, body_hash, status, response, created_at) SELECT"
    " user_id, key, body_hash, status, response, created_at FROM idempotency;"
    "DROP TABLE idempotency;"
    "ALTER TABLE idempotency_strict RENAME TO idempotency;"
    "CREATE TABLE counters_strict(name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;"
    "INSERT INTO counters_strict(name, value) SELECT name, value FROM counters;"
    "DROP TABLE counters;"
    "ALTER TABLE counters_strict RENAME TO counters;"
    "CREATE TABLE api_keys_strict(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES "
    "users(id), name TEXT NOT NULL, key_hash BLOB NOT NULL UNIQUE, created_at INTEGER NOT NULL, "
    "revoked_at INTEGER) STRICT;"
    "INSERT INTO api_keys_strict(id, user_id, name, key_hash, created_at, revoked_at) SELECT id, "
    "user_id, name, key_hash, created_at, revoked_at FROM api_keys;"
    "DROP TABLE api_keys;"
    "ALTER TABLE api_keys_strict RENAME TO api_keys;"
    "CREATE TABLE notices_strict(id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES "
    "orgs(id), case_id INTEGER REFERENCES cases(id), kind TEXT NOT NULL, text TEXT NOT NULL, "
    "actor_id INTEGER, created_at INTEGER NOT NULL, read_at INTEGER, read_by INTEGER) STRICT;"
    "INSERT INTO notices_strict(id, org_id, case_id, kind, text, actor_id, created_at, read_at, "
    "read_by) SELECT id, org_id, case_id, kind, text, actor_id, created_at, read_at, read_by FROM"
    " notices;"
    "DROP TABLE notices;"
    "ALTER TABLE notices_strict RENAME TO notices;"
    "CREATE INDEX notices_org ON notices(org_id, id);"
    "CREATE INDEX notices_case ON notices(case_id);",
    /* 4: an assisting unit's opinion */
    "ALTER TABLE assignments ADD COLUMN opinion TEXT;",
    /* 5: org boundaries and the map's open cases */
    ("ALTER TABLE orgs ADD COLUMN boundary TEXT;"
     "CREATE INDEX cases_map ON cases(id) WHERE closed_at IS NULL AND location IS NOT NULL;"),
    /* 6: the audit page's filters by action and by actor, in seq order */
    ("CREATE INDEX events_action_seq ON events(action);"
     "CREATE INDEX events_actor ON events(actor_id) WHERE actor_id IS NOT NULL;"),
    /* 7: the case list by deadline (sort=due), none last */
    "CREATE INDEX cases_due_order ON cases(coalesce(due_at, 9223372036854775807));",
    /* 8: case attachments, content-addressed files beside the database */
    ("CREATE TABLE attachments(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES "
     "cases(id), sha256 TEXT NOT NULL CHECK(length(sha256) = 64), name TEXT NOT NULL, "
     "content_type TEXT NOT NULL, size INTEGER NOT NULL CHECK(size > 0), uploaded_by INTEGER "
     "NOT NULL REFERENCES users(id), created_at INTEGER NOT NULL) STRICT;"
     "CREATE INDEX attachments_case ON attachments(case_id);"),
    /* 9: full-text search (core/search.c fills it, in the transaction of
     * each write; the cases before it are indexed at the writer's start) */
    "CREATE VIRTUAL TABLE case_fts USING fts5(no, title, body, address, notes,"
    " tokenize='civicloop');",
    /* 10: where a case's point lies, and the R*Tree that finds it fast */
    ("ALTER TABLE cases ADD COLUMN place_status TEXT"
     " CHECK(place_status IN ('placed', 'outside'));"
     "ALTER TABLE cases ADD COLUMN place_org_id INTEGER REFERENCES orgs(id);"
     "CREATE INDEX cases_place ON cases(place_status);"
     "CREATE VIRTUAL TABLE org_bbox USING rtree(id, min_lng, max_lng, min_lat, max_lat);"
     "INSERT INTO org_bbox(id, min_lng, max_lng, min_lat, max_lat) " ORG_BBOX_SELECT
     " GROUP BY o.id;"),
    /* 11: the dispatch catalogue's versions and the routing model */
    ("CREATE TABLE catalogue_versions(version INTEGER PRIMARY KEY, body TEXT NOT NULL, note TEXT,"
     " created_by INTEGER REFERENCES users(id), created_at INTEGER NOT NULL) STRICT;"
     "CREATE TABLE route_tokens(token TEXT NOT NULL, org_id INTEGER NOT NULL REFERENCES orgs(id),"
     " count INTEGER NOT NULL, PRIMARY KEY(token, org_id)) WITHOUT ROWID, STRICT;"
     "CREATE TABLE route_orgs(org_id INTEGER PRIMARY KEY REFERENCES orgs(id), docs INTEGER NOT"
     " NULL, tokens INTEGER NOT NULL) STRICT;"
     "CREATE TABLE route_labels(case_id INTEGER NOT NULL REFERENCES cases(id), org_id INTEGER NOT"
     " NULL REFERENCES orgs(id), PRIMARY KEY(case_id, org_id)) WITHOUT ROWID, STRICT;"),
    /* 12: the duplicate check's index of case points and times */
    ("CREATE VIRTUAL TABLE case_points USING rtree(id, lat0, lat1, lng0, lng1, h0, h1);"
     "INSERT INTO case_points(id, lat0, lat1, lng0, lng1, h0, h1)"
     " SELECT id, json_extract(location, '$.lat'), json_extract(location, '$.lat'),"
     " json_extract(location, '$.lng'), json_extract(location, '$.lng'),"
     " received_at / 3600000.0, received_at / 3600000.0 FROM cases"
     " WHERE json_type(location, '$.lat') IN ('real', 'integer');"),
    /* 13: the parties of a case (disputes: 申请人, 被申请人; core/parties.c),
     * each sealed like a reporter ({"name","phone","id_no"} in enc) with
     * the keyed blind index of its ID number, so one person's other cases
     * are found without storing the number in the clear */
    ("CREATE TABLE case_parties(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES"
     " cases(id), seq INTEGER NOT NULL, role TEXT NOT NULL, enc BLOB NOT NULL, id_index BLOB,"
     " UNIQUE(case_id, seq)) STRICT;"
     "CREATE INDEX case_parties_person ON case_parties(id_index, case_id)"
     " WHERE id_index IS NOT NULL;"),
    /* 14: ratings of one unit's part (双考核; core/ratings.c rate_part):
     * {"SIDE": {fields…, "at", "by"}} as JSON, each side once */
    "ALTER TABLE assignments ADD COLUMN ratings TEXT;",
    /* 15: collection topics of people's suggestions (征集主题, like 每月一题;
     * api/topics.c, docs/suggestion.md): a title, what is asked, the
     * owning unit and the period (opens_on..closes_on, Asia/Shanghai dates
     * YYYY-MM-DD, both days included); ended = 1 ends it early. A case
     * names its topic in the type's "topic" field; the public list reads
     * the open ones by their last day (topics_open). */
    ("CREATE TABLE topics(id INTEGER PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL,"
     " org_id INTEGER NOT NULL REFERENCES orgs(id), opens_on TEXT NOT NULL, closes_on TEXT NOT"
     " NULL, ended INTEGER NOT NULL DEFAULT 0 CHECK(ended IN (0, 1)), created_by INTEGER"
     " REFERENCES users(id), created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
     " CHECK(opens_on <= closes_on)) STRICT;"
     "CREATE INDEX topics_open ON topics(closes_on) WHERE ended = 0;"),
    /* 16: published task lists (为民办实事项目, 检视问题整改清单) */
    ("CREATE TABLE task_lists(id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER NOT"
     " NULL, org_id INTEGER NOT NULL REFERENCES orgs(id), created_by INTEGER REFERENCES"
     " users(id), created_at INTEGER NOT NULL) STRICT;"
     "CREATE INDEX task_lists_org ON task_lists(org_id);"),
    /* 17: migration 17 (issue 13, enterprise): the enterprise registry
     * (core/enterprises.h, docs/enterprise.md). An enterprise is an org of
     * kind enterprise under its township plus this row; its cases are
     * cases whose org it is. township_id and grid_id are where it lies
     * (the township named, or found by placing its point); contacts_enc
     * seals {"legal_rep","safety_officer"} ({"name","phone"} each) like a
     * reporter. interviews: the 约谈 records (core/interviews.h), of an
     * org (the interviewed person's enterprise or unit), from a case's
     * action (case_id) or a campaign (campaign_id: no FK, campaigns come
     * in a later migration). */
    ("CREATE TABLE enterprises(org_id INTEGER PRIMARY KEY REFERENCES orgs(id), credit_code TEXT"
     " NOT NULL UNIQUE CHECK(length(credit_code) = 18), industry TEXT NOT NULL, risk_level TEXT"
     " NOT NULL CHECK(risk_level IN ('红', '橙', '黄', '蓝')), address TEXT, lng REAL, lat REAL,"
     " township_id INTEGER NOT NULL REFERENCES orgs(id), grid_id INTEGER REFERENCES orgs(id),"
     " contacts_enc BLOB, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version"
     " INTEGER NOT NULL DEFAULT 1, CHECK((lng IS NULL) = (lat IS NULL))) STRICT;"
     "CREATE INDEX enterprises_township ON enterprises(township_id);"
     "CREATE INDEX enterprises_industry ON enterprises(industry);"
     "CREATE INDEX enterprises_risk ON enterprises(risk_level);"
     "CREATE TABLE interviews(id INTEGER PRIMARY KEY, case_id INTEGER REFERENCES cases(id),"
     " campaign_id INTEGER, org_id INTEGER NOT NULL REFERENCES orgs(id), kind TEXT NOT NULL"
     " CHECK(kind IN ('约谈', '约谈提醒')), person TEXT NOT NULL, position TEXT, held_at INTEGER"
     " NOT NULL, interviewer TEXT NOT NULL, outcome TEXT NOT NULL, actor_id INTEGER REFERENCES"
     " users(id), created_at INTEGER NOT NULL) STRICT;"
     "CREATE INDEX interviews_case ON interviews(case_id) WHERE case_id IS NOT NULL;"
     "CREATE INDEX interviews_org ON interviews(org_id, id);"
     "CREATE INDEX interviews_campaign ON interviews(campaign_id) WHERE campaign_id IS NOT NULL;"),
    /* migration 18 (issue 13, inspection): rolling safety inspection plans
     * (滚动排查, core/inspections.c, docs/inspection.md). inspection_plans:
     * one row per enterprise org whose plan was set by hand — frequency a
     * class of the inspection type (NULL: by the enterprise's risk level),
     * the inspecting org (NULL: the type's); an enterprise without a row
     * is planned by the defaults. inspection_periods: each generated due
     * inspection, once per enterprise and period (the primary key is what
     * makes generation idempotent), with its case and due instant. */
    ("CREATE TABLE inspection_plans(org_id INTEGER PRIMARY KEY REFERENCES orgs(id), frequency"
     " TEXT, inspecting_org_id INTEGER REFERENCES orgs(id), updated_by INTEGER REFERENCES"
     " users(id), updated_at INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1) STRICT;"
     "CREATE TABLE inspection_periods(org_id INTEGER NOT NULL REFERENCES orgs(id), period TEXT"
     " NOT NULL, case_id INTEGER NOT NULL UNIQUE REFERENCES cases(id), due_at INTEGER NOT NULL,"
     " created_at INTEGER NOT NULL, PRIMARY KEY(org_id, period)) STRICT;"
     "CREATE INDEX inspection_periods_due ON inspection_periods(org_id, due_at);"),
    /* migration 19 (issue 13, campaign): discipline supervision campaigns
     * (专项监督检查; api/campaigns.c, docs/campaign.md). A campaign has a
     * period (Asia/Shanghai dates, both days included), its focus points
     * (a JSON array of short texts), the org that runs it (the
     * commission), its target units and its groups; a group has a leader
     * and members (accounts). A visit is one group's check of one target
     * unit at a time (day: its local date, for the daily report); its
     * findings are cases of the supervision type, which name the campaign,
     * the visit and the group in their fields. A daily report (一日一报)
     * is a group's day, submitted once by its leader: the counts and lines
     * as compiled at submission (lines, JSON) and the leader's note. */
    ("CREATE TABLE campaigns(id INTEGER PRIMARY KEY, title TEXT NOT NULL, starts_on TEXT NOT"
     " NULL, ends_on TEXT NOT NULL, focus TEXT NOT NULL, org_id INTEGER NOT NULL REFERENCES"
     " orgs(id), created_by INTEGER REFERENCES users(id), created_at INTEGER NOT NULL,"
     " CHECK(starts_on <= ends_on)) STRICT;"
     "CREATE INDEX campaigns_org ON campaigns(org_id);"
     "CREATE TABLE campaign_targets(campaign_id INTEGER NOT NULL REFERENCES campaigns(id),"
     " org_id INTEGER NOT NULL REFERENCES orgs(id), seq INTEGER NOT NULL,"
     " PRIMARY KEY(campaign_id, org_id)) WITHOUT ROWID, STRICT;"
     "CREATE TABLE campaign_groups(id INTEGER PRIMARY KEY, campaign_id INTEGER NOT NULL"
     " REFERENCES campaigns(id), name TEXT NOT NULL, leader_id INTEGER NOT NULL REFERENCES"
     " users(id), UNIQUE(campaign_id, name)) STRICT;"
     "CREATE TABLE campaign_members(group_id INTEGER NOT NULL REFERENCES campaign_groups(id),"
     " user_id INTEGER NOT NULL REFERENCES users(id), PRIMARY KEY(group_id, user_id))"
     " WITHOUT ROWID, STRICT;"
     "CREATE INDEX campaign_members_user ON campaign_members(user_id);"
     "CREATE TABLE campaign_visits(id INTEGER PRIMARY KEY, campaign_id INTEGER NOT NULL"
     " REFERENCES campaigns(id), group_id INTEGER NOT NULL REFERENCES campaign_groups(id),"
     " org_id INTEGER NOT NULL REFERENCES orgs(id), visited_at INTEGER NOT NULL, day TEXT NOT"
     " NULL, unannounced INTEGER NOT NULL CHECK(unannounced IN (0, 1)), checked TEXT NOT NULL,"
     " note TEXT, actor_id INTEGER REFERENCES users(id), created_at INTEGER NOT NULL) STRICT;"
     "CREATE INDEX campaign_visits_day ON campaign_visits(campaign_id, day, visited_at);"
     "CREATE INDEX campaign_visits_group ON campaign_visits(group_id, day);"
     "CREATE INDEX campaign_visits_org ON campaign_visits(org_id);"
     "CREATE TABLE campaign_reports(group_id INTEGER NOT NULL REFERENCES campaign_groups(id),"
     " day TEXT NOT NULL, note TEXT NOT NULL, visits INTEGER NOT NULL, unannounced INTEGER NOT"
     " NULL, problems INTEGER NOT NULL, lines TEXT NOT NULL, submitted_by INTEGER NOT NULL"
     " REFERENCES users(id), submitted_at INTEGER NOT NULL, PRIMARY KEY(group_id, day))"
     " WITHOUT ROWID, STRICT;"),
    /* migration 20 (issue 14, documents): signed documents (DESIGN §7,
     * core/documents.c, docs/documents.md). payload is the canonical JSON
     * exactly as signed, signature its Ed25519 signature (64 bytes) by the
     * key key_id; number is the kind's prefix, the issuing day and a
     * sequence. signing_keys publishes every public key the instance has
     * signed with, so documents signed before a rotation still verify; the
     * secret keys stay in the key file, never here. retired_at: when the
     * key stopped signing (NULL: the current one). */
    ("CREATE TABLE documents(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, number TEXT NOT NULL"
     " UNIQUE, case_id INTEGER REFERENCES cases(id), org_id INTEGER NOT NULL REFERENCES"
     " orgs(id), payload TEXT NOT NULL, signature BLOB NOT NULL CHECK(length(signature) = 64),"
     " key_id TEXT NOT NULL, issued_at INTEGER NOT NULL, valid_until INTEGER, issued_by INTEGER"
     " REFERENCES users(id), revoked_at INTEGER, revoked_reason TEXT, revoked_by INTEGER"
     " REFERENCES users(id)) STRICT;"
     "CREATE INDEX documents_case ON documents(case_id) WHERE case_id IS NOT NULL;"
     "CREATE INDEX documents_kind ON documents(kind, issued_at);"
     "CREATE TABLE signing_keys(key_id TEXT PRIMARY KEY, public_key BLOB NOT NULL"
     " CHECK(length(public_key) = 32), created_at INTEGER NOT NULL, retired_at INTEGER)"
     " STRICT;"),
    /* migration 21 (issue 15, keys): API keys' scopes (space-separated, in
     * core/apikey.h's order), the org a key acts for (NULL: its account's;
     * the account's grants are clipped to it), its rate (calls a minute,
     * counted in memory) and its last use (written at most once a minute).
     * org_id names an org (checked when written; no REFERENCES, so that the
     * column can be dropped again, as tests/api/duplicates.test.mjs does). */
    ("ALTER TABLE api_keys ADD COLUMN org_id INTEGER;"
     "ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL"
     " DEFAULT 'open311.submit linkage.110 import stats.read';"
     "ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;"
     "ALTER TABLE api_keys ADD COLUMN rate_per_min INTEGER NOT NULL DEFAULT 600"
     " CHECK(rate_per_min BETWEEN 1 AND 100000);"),
    /* 22: Open311 GeoReport v2 (api/open311*.c, docs/open311.md). The
     * requests it took (their case, the token answered with, the client's
     * media_url, the key that posted it), the updates citizens posted (one
     * per client update_id, which is the key's that posted it first: the
     * event it became), and the events' time index the updates window
     * reads (no scan of the chain). */
    ("CREATE TABLE open311_requests(case_id INTEGER PRIMARY KEY REFERENCES cases(id),"
     " token TEXT NOT NULL UNIQUE, key_id INTEGER NOT NULL, media_url TEXT,"
     " created_at INTEGER NOT NULL) STRICT;"
     "CREATE INDEX open311_requests_created ON open311_requests(created_at);"
     "CREATE TABLE open311_updates(event_seq INTEGER PRIMARY KEY, case_id INTEGER NOT NULL"
     " REFERENCES cases(id), key_id INTEGER NOT NULL, client_update_id TEXT NOT NULL UNIQUE,"
     " status TEXT NOT NULL, media_url TEXT, at INTEGER NOT NULL) STRICT;"
     "CREATE INDEX events_at ON events(at);"),
    /* migration 23 (issue 15, outbox): the transactional outbox and the
     * webhook subscriptions (core/outbox.h, docs/notifications.md). An
     * outbox row is one message to send, inserted in the transaction of
     * the event that causes it, so it exists exactly when that event does.
     * channel: "webhook" (target: the subscription's id) or "sms" (target:
     * a reference resolved at delivery, never a phone number); payload:
     * JSON text without personal data; state: pending, delivered or dead;
     * attempts: deliveries tried; next_at: when a pending row is due (real
     * wall clock, UTC ms); org_id: whose row it is (the subscription's org,
     * else the case's), for the admin list's scope. outbox_due is the
     * delivery workers' "due" index (the pending rows by next_at: SQLite
     * plans without statistics and took the state index and a sort over a
     * partial index on next_at);
     * outbox_state and outbox_channel serve the admin list's filters and
     * the summary's counts. webhooks: a subscription to event kinds (JSON
     * array) of the cases of an org subtree; secret is sealed
     * (util/crypto.h seal: it is needed in clear to sign), shown once. */
    ("CREATE TABLE outbox(id INTEGER PRIMARY KEY, channel TEXT NOT NULL, kind TEXT NOT NULL,"
     " case_id INTEGER REFERENCES cases(id), org_id INTEGER REFERENCES orgs(id), target TEXT"
     " NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT"
     " 0, next_at INTEGER NOT NULL, last_error TEXT, created_at INTEGER NOT NULL, updated_at"
     " INTEGER, delivered_at INTEGER) STRICT;"
     "CREATE INDEX outbox_due ON outbox(state, next_at);"
     "CREATE INDEX outbox_state ON outbox(state, id);"
     "CREATE INDEX outbox_channel ON outbox(channel, state, id);"
     "CREATE TABLE webhooks(id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES"
     " orgs(id), url TEXT NOT NULL, kinds TEXT NOT NULL, secret BLOB NOT NULL, created_by"
     " INTEGER REFERENCES users(id), created_at INTEGER NOT NULL, revoked_at INTEGER,"
     " revoked_by INTEGER REFERENCES users(id)) STRICT;"),
    /* migration 24 (issue 16, lists; docs/lists.md): case_scope, the
     * visibility index (store/stmt_lists.h): one row (org, case) for each
     * org that sees the case (its owner org, a live part's org, and their
     * ancestors), so a scoped list is one range read newest first; kept by
     * the writer (core/case_scope.c), filled here from the existing rows.
     * cases_status: status= as ranges of (status, rowid), newest first.
     * cases_open: the open cases with a deadline, newest first (overdue=,
     * due_soon=). */
    ("CREATE TABLE case_scope(org_id INTEGER NOT NULL, case_id INTEGER NOT NULL,"
     " PRIMARY KEY(org_id, case_id)) WITHOUT ROWID, STRICT;" CASE_SCOPE_FILL_OWNERS
     " ORDER BY 1, 2;" CASE_SCOPE_FILL_PARTS ";"
     "CREATE INDEX cases_status ON cases(status);"
     "CREATE INDEX cases_open ON cases(id) WHERE closed_at IS NULL AND due_at IS NOT NULL;"),
    /* migration 25 (issue 16, stats): the daily aggregates of GET /stats
     * (core/stats_agg.c, docs/rates.md "How the figures are kept").
     * stats_cell: per scope org (every org whose subtree holds the case),
     * type, Shanghai day of receipt and cell (class, channel, status; ''
     * for none), the 20 counters of a group's tally. stats_unit_cell: the
     * same per lead unit inside the scope (the ranking, group=org).
     * stats_case: each case's current contribution (a varint blob), what
     * an update subtracts. stats_due: the open cases with a deadline, per
     * scope (counts.overdue, "now", by a range of its key). stats_dirty: the cases changed since
     * the last upkeep, marked by the triggers below in the same transaction; the writer folds them
     * in before COMMIT. Backfill: every case is marked, and the writer folds them in at start
     * (stats_backfill). */
    ("CREATE TABLE stats_dirty(case_id INTEGER PRIMARY KEY) STRICT;"
     "CREATE TABLE stats_case(case_id INTEGER PRIMARY KEY, type TEXT NOT NULL, day INTEGER NOT"
     " NULL, class TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL, due INTEGER,"
     " v BLOB NOT NULL) STRICT;"
     "CREATE TABLE stats_due(scope INTEGER NOT NULL, type TEXT NOT NULL, due_at INTEGER NOT NULL,"
     " case_id INTEGER NOT NULL, PRIMARY KEY(scope, type, due_at, case_id)) STRICT, WITHOUT ROWID;"
     "CREATE TABLE stats_cell(scope INTEGER NOT NULL, type TEXT NOT NULL, day INTEGER NOT NULL,"
     " class TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,"
     " received INTEGER NOT NULL, closed INTEGER NOT NULL, merged INTEGER NOT NULL, transferred "
     "INTEGER NOT NULL,"
     " from_110 INTEGER NOT NULL, problem INTEGER NOT NULL, to_110 INTEGER NOT NULL, replied "
     "INTEGER NOT NULL,"
     " replied_on_time INTEGER NOT NULL, reopened INTEGER NOT NULL, callbacks INTEGER NOT NULL, "
     "resolved INTEGER NOT NULL,"
     " satisfied INTEGER NOT NULL, escalated INTEGER NOT NULL, closed_locally INTEGER NOT NULL,"
     " duplicates INTEGER NOT NULL, closed_duplicates INTEGER NOT NULL, assignments INTEGER NOT "
     "NULL,"
     " signed_on_time INTEGER NOT NULL, returned INTEGER NOT NULL,"
     " PRIMARY KEY(scope, type, day, class, channel, status)) STRICT, WITHOUT ROWID;"
     "CREATE TABLE stats_unit_cell(scope INTEGER NOT NULL, type TEXT NOT NULL, day INTEGER NOT"
     " NULL, unit INTEGER NOT NULL, class TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT"
     " NULL,"
     " received INTEGER NOT NULL, closed INTEGER NOT NULL, merged INTEGER NOT NULL, transferred "
     "INTEGER NOT NULL,"
     " from_110 INTEGER NOT NULL, problem INTEGER NOT NULL, to_110 INTEGER NOT NULL, replied "
     "INTEGER NOT NULL,"
     " replied_on_time INTEGER NOT NULL, reopened INTEGER NOT NULL, callbacks INTEGER NOT NULL, "
     "resolved INTEGER NOT NULL,"
     " satisfied INTEGER NOT NULL, escalated INTEGER NOT NULL, closed_locally INTEGER NOT NULL,"
     " duplicates INTEGER NOT NULL, closed_duplicates INTEGER NOT NULL, assignments INTEGER NOT "
     "NULL,"
     " signed_on_time INTEGER NOT NULL, returned INTEGER NOT NULL,"
     " PRIMARY KEY(scope, type, day, unit, class, channel, status)) STRICT, WITHOUT ROWID;"
     "CREATE TRIGGER stats_t_case_ins AFTER INSERT ON cases BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(NEW.id); END;"
     "CREATE TRIGGER stats_t_case_upd AFTER UPDATE ON cases BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(NEW.id); END;"
     "CREATE TRIGGER stats_t_case_del AFTER DELETE ON cases BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(OLD.id); END;"
     "CREATE TRIGGER stats_t_event_ins AFTER INSERT ON events WHEN NEW.case_id IS NOT NULL BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(NEW.case_id); END;"
     "CREATE TRIGGER stats_t_asg_ins AFTER INSERT ON assignments BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(NEW.case_id); END;"
     "CREATE TRIGGER stats_t_asg_upd AFTER UPDATE ON assignments BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(NEW.case_id);"
     " INSERT OR IGNORE INTO stats_dirty VALUES(OLD.case_id); END;"
     "CREATE TRIGGER stats_t_asg_del AFTER DELETE ON assignments BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(OLD.case_id); END;"
     "CREATE TRIGGER stats_t_link_ins AFTER INSERT ON links BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(NEW.case_id); END;"
     "CREATE TRIGGER stats_t_link_upd AFTER UPDATE ON links BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(NEW.case_id); END;"
     "CREATE TRIGGER stats_t_link_del AFTER DELETE ON links BEGIN"
     " INSERT OR IGNORE INTO stats_dirty VALUES(OLD.case_id); END;"
     "CREATE TRIGGER stats_t_org_path AFTER UPDATE OF path ON orgs WHEN OLD.path <> NEW.path"
     " BEGIN INSERT OR IGNORE INTO stats_dirty SELECT c.id FROM cases c JOIN orgs o ON"
     " o.id = c.org_id WHERE o.path LIKE NEW.path || '%';"
     " INSERT OR IGNORE INTO stats_dirty SELECT a.case_id FROM assignments a JOIN orgs o ON"
     " o.id = a.org_id WHERE o.path LIKE NEW.path || '%'; END;"
     "INSERT INTO stats_dirty SELECT id FROM cases;"),
    /* migration 26 (issue 16, the inbox by deadline; docs/lists.md):
     * part_due, each org's cases with unfinished parts under it by the
     * parts' earliest deadline, per part status and over all of them (st
     * ''), kept by triggers on assignments; part_unfinished, the statuses
     * that count as unfinished, written at the writer's start from the
     * types (core/part_due.c), which then fills part_due: empty here, as
     * the types are not known to a migration. */
    PART_DUE_SCHEMA,
    /* migration 27 (issue 16, stats: a long period in few rows;
     * docs/rates.md "How the figures are kept"): stats_month and
     * stats_unit_month, the monthly rollups of stats_cell and
     * stats_unit_cell that the writer keeps beside them (a period's whole
     * months are read from them, its partial months at the ends from the
     * days), filled here from the daily rows; stats_case.seq, the last
     * event a case's stored share has folded in, so the upkeep reads only
     * the events added since (NULL here: the next upkeep of the case
     * folds all of its events again). */
    STATS_MONTH_SCHEMA,
    /* migration 28 (issue 16; docs/lists.md "When an org moves"): a
     * trigger that moves case_scope's and part_due's rows with an org whose
     * path changes (an enterprise that changes township). Rows written by
     * a move before this migration are not redone here. */
    ORG_MOVE_SCHEMA,
    /* migration 29 (issue 16, lists; docs/lists.md "Overdue, kept by the
     * writer"): case_overdue, the case_scope rows of the open cases due
     * before the mark case_overdue_mark.t (store/stmt_overdue.h), filled
     * here for the migration's time and kept by its triggers (which also
     * follow migration 28's moves of case_scope) and the scheduler's sweep
     * (core/case_overdue.c); cases_type, type= newest first. */
    CASE_OVERDUE_SCHEMA,
    /* migration 30 (issue 16; docs/bench.md "The search index's merges"): the
     * search index merges a level all at once only at 64 segments, not
     * FTS5's 16. Each commit adds a segment and FTS5 merges them step by
     * step with its writes; a level that reached 16 meanwhile was merged
     * whole inside the next COMMIT — with a large segment in it, seconds
     * of a stalled writer at 100 k cases and minutes at 10 M. At most 64
     * a level keeps the index far below FTS5's 2,000 segments. */
    "INSERT INTO case_fts(case_fts, rank) VALUES('crisismerge', 64);",
    /* migration 31 (issue 16; docs/gen.md "Bytes a case"): the
     * scheduler's two timer indexes hold the running timers only. A case
     * keeps its stopped, fired and paused timers (four a case in a
     * generated county, one in a hundred running), and each was in both
     * indexes: 200 bytes a case, and a stopped timer's entries moved to
     * the 'stopped' end of each index, two pages written. The scheduler's
     * statements name the conditions, so SQLite uses these; the columns
     * are the old ones, which keeps them covering (SQLite reads a partial
     * index's WHERE columns from the table otherwise). */
    "DROP INDEX IF EXISTS timers_due; DROP INDEX IF EXISTS timers_warn;"
    " CREATE INDEX timers_due ON timers(state, due_at) WHERE state = 'running';"
    " CREATE INDEX timers_warn ON timers(state, warned, warn_at)"
    " WHERE state = 'running' AND warned = 0;",
    /* migration 32 (issue 17; docs/citus.md "The region of a row"): the
     * region a row is to be distributed by (core/region.h). orgs.city_code,
     * the city of the nearest division code on the org's path; region_code
     * on a case (its owner org's) and on every row of a case (the case's;
     * a row that may have no case, its org's; an idempotency key its user's
     * org's). FTS5's case_fts and the R*Tree case_points take no column:
     * PostgreSQL's have it, the case's. The columns only: SQLite's
     * keys are unchanged (PostgreSQL's hold the region, pg_schema.h). Only
     * rows of a place with a code are written (the default is the "no
     * region" of a deployment that never named its place), and the stats
     * upkeep is not told of a change that is not one (stats_dirty as it
     * was). */
    SCHEMA_32,
    /* migration 33 (issue 17; docs/citus.md "The statistics"): the rows of
     * the stats aggregates carry their case's region, in the keys of the
     * rollups and the deadlines (stmt_stats.h STATS_REGION_SCHEMA). */
    STATS_REGION_SCHEMA,
    /* migration 34 (issue 17; docs/citus.md "Counters and checkpoints"):
     * a counter is (name, region_code), the region of the cases it numbers
     * (core/case_no.h): a row kept is the city's its name carries, else
     * (the numbers of this version and before) none's. A checkpoint
     * carries the region of the event it signs (its key on SQLite
     * unchanged, as migration 32's columns). */
    "CREATE TABLE counters_r(name TEXT NOT NULL, region_code TEXT NOT NULL,"
    " value INTEGER NOT NULL, PRIMARY KEY(name, region_code)) STRICT;"
    "INSERT INTO counters_r SELECT name, CASE WHEN name GLOB"
    " 'no:[A-Z][A-Z][0-9][0-9][0-9][0-9]:*' THEN substr(name, 6, 4) || '00'"
    " ELSE '000000' END, value FROM counters;"
    "DROP TABLE counters;"
    "ALTER TABLE counters_r RENAME TO counters;"
    "ALTER TABLE checkpoints ADD COLUMN region_code TEXT NOT NULL DEFAULT '000000';"
    "UPDATE checkpoints SET region_code = e.region_code FROM events e"
    " WHERE e.seq = checkpoints.seq;",
};

#define SCHEMA_VERSION ((int)(sizeof schema_migrations / sizeof schema_migrations[0]))

#endif
