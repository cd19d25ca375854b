// The latest migrations undone, for the tests that replay them on a
// database taken back to the version before (regions.test.mjs,
// lists.test.mjs, duplicates.test.mjs): each function returns the SQL that
// puts the schema and its rows back as that version left them, on the
// backend under test.
import { PG } from './helpers.mjs';

// the tables whose rows belong to a case, and whether a row may have no
// case (then its org_id says its region)
export const OF_CASE = ['assignments', 'timers', 'links', 'attachments', 'route_labels', 'case_parties',
  'inspection_periods', 'open311_requests', 'open311_updates'];
export const OF_CASE_OR_ORG = ['events', 'notices', 'interviews', 'documents', 'outbox'];
// the tables with the column on PostgreSQL only, and their case's column
export const PG_ONLY = [['case_points', 'id'], ['case_fts', 'id'], ['case_scope', 'case_id'],
  ['part_due', 'case_id'], ['case_overdue', 'case_id']];
const REGION_TABLES = ['cases', ...OF_CASE, ...OF_CASE_OR_ORG, 'idempotency'];
const PG_KEYS_31 = {
  pk: { cases: 'id', assignments: 'id', timers: 'id', links: 'id', attachments: 'id', route_labels: 'case_id, org_id',
    case_parties: 'id', inspection_periods: 'org_id, period', open311_requests: 'case_id', open311_updates: 'event_seq',
    events: 'seq', notices: 'id', interviews: 'id', documents: 'id', outbox: 'id', idempotency: 'user_id, key',
    case_points: 'id', case_fts: 'id', case_scope: 'org_id, case_id', part_due: 'org_id, st, k, case_id',
    case_overdue: 'org_id, case_id' },
  unique: [['cases', 'no'], ['case_parties', 'case_id, seq'], ['inspection_periods', 'case_id'],
    ['documents', 'number'], ['open311_requests', 'token'], ['open311_updates', 'client_update_id']],
};

/** Migration 32 (the region of a row): back to version 31. */
export function undo32() {
  if (!PG) {
    return REGION_TABLES.map((t) => `ALTER TABLE ${t} DROP COLUMN region_code;`).join(' ')
      + ' ALTER TABLE orgs DROP COLUMN city_code; PRAGMA user_version = 31;';
  }
  const drop = [...REGION_TABLES, ...PG_ONLY.map(([t]) => t)]
    .map((t) => `ALTER TABLE ${t} DROP COLUMN region_code CASCADE;`).join(' ');
  const pk = Object.entries(PG_KEYS_31.pk).map(([t, k]) => `ALTER TABLE ${t} ADD PRIMARY KEY(${k});`).join(' ');
  const uq = PG_KEYS_31.unique.map(([t, k]) => `ALTER TABLE ${t} ADD UNIQUE(${k});`).join(' ');
  const fk = [...OF_CASE, ...OF_CASE_OR_ORG].map((t) => `ALTER TABLE ${t} ADD FOREIGN KEY(case_id) REFERENCES cases(id);`)
    .join(' ');
  return `${drop} ${pk} ${uq} ${fk}
    ALTER TABLE links ADD FOREIGN KEY(other_id) REFERENCES cases(id);
    ALTER TABLE timers ADD FOREIGN KEY(assignment_id) REFERENCES assignments(id);
    CREATE UNIQUE INDEX cases_ext_ref ON cases(type, ext_ref) WHERE ext_ref IS NOT NULL;
    ALTER TABLE orgs DROP COLUMN city_code; UPDATE civicloop_schema SET version = 31;`;
}

const COUNTERS = ['received', 'closed', 'merged', 'transferred', 'from_110', 'problem', 'to_110', 'replied',
  'replied_on_time', 'reopened', 'callbacks', 'resolved', 'satisfied', 'escalated', 'closed_locally', 'duplicates',
  'closed_duplicates', 'assignments', 'signed_on_time', 'returned'];
// the stats tables migration 33 keys by region: their key before it, the
// columns it sums
export const STATS_KEYED = {
  stats_due: [['scope', 'type', 'due_at', 'case_id'], []],
  stats_part_due: [['unit', 'type', 'due_at', 'asg_id'], []],
  stats_due_day: [['scope', 'type', 'day'], ['n']],
  stats_part_due_day: [['unit', 'type', 'day'], ['n']],
  stats_cell: [['scope', 'type', 'day', 'class', 'channel', 'status'], COUNTERS],
  stats_unit_cell: [['scope', 'type', 'day', 'unit', 'class', 'channel', 'status'], COUNTERS],
  stats_month: [['scope', 'type', 'month', 'class', 'channel', 'status'], COUNTERS],
  stats_unit_month: [['scope', 'type', 'month', 'unit', 'class', 'channel', 'status'], COUNTERS],
};
const TEXT_COLS = new Set(['type', 'class', 'channel', 'status']);
// the triggers that mark a case for the stats, as migration 25 made them
// on PostgreSQL: function, the row (NEW, OLD or both) and its case column
const PG_MARKS_25 = [['stats_t_case_ins_fn', ['NEW.id']], ['stats_t_case_upd_fn', ['NEW.id']],
  ['stats_t_case_del_fn', ['OLD.id']], ['stats_t_event_ins_fn', ['NEW.case_id']],
  ['stats_t_asg_ins_fn', ['NEW.case_id']], ['stats_t_asg_upd_fn', ['NEW.case_id', 'OLD.case_id']],
  ['stats_t_asg_del_fn', ['OLD.case_id']], ['stats_t_link_ins_fn', ['NEW.case_id']],
  ['stats_t_link_upd_fn', ['NEW.case_id']], ['stats_t_link_del_fn', ['OLD.case_id']]];

/**
 * Migration 33 (the stats' regions): back to version 32. The rows of one
 * key in several regions become one, their counts summed, as version 32
 * kept them.
 */
export function undo33() {
  const tables = Object.entries(STATS_KEYED);
  const sums = (key, rest) => [...key, ...rest.map((c) => `sum(${c}) AS ${c}`)].join(', ');
  if (!PG) {
    return `ALTER TABLE stats_case DROP COLUMN region_code; ${tables.map(([t, [key, rest]]) => `
      CREATE TABLE ${t}_u33(${[...key, ...rest].map((c) => `${c} ${TEXT_COLS.has(c) ? 'TEXT' : 'INTEGER'} NOT NULL`)
    .join(', ')}, PRIMARY KEY(${key.join(', ')})) STRICT, WITHOUT ROWID;
      INSERT INTO ${t}_u33 SELECT ${sums(key, rest)} FROM ${t} GROUP BY ${key.join(', ')};
      DROP TABLE ${t}; ALTER TABLE ${t}_u33 RENAME TO ${t};`).join(' ')} PRAGMA user_version = 32;`;
  }
  const marks = PG_MARKS_25.map(([fn, rows]) => `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger
    LANGUAGE plpgsql AS $$BEGIN ${rows.map((r) => `INSERT INTO stats_dirty VALUES(${r}) ON CONFLICT DO NOTHING;`)
    .join(' ')} RETURN NULL; END$$;`).join(' ');
  return `${tables.map(([t, [key, rest]]) => `
      CREATE TEMP TABLE ${t}_u33 AS SELECT ${sums(key, rest)} FROM ${t} GROUP BY ${key.join(', ')};
      TRUNCATE ${t}; ALTER TABLE ${t} DROP COLUMN region_code; ALTER TABLE ${t} ADD PRIMARY KEY(${key.join(', ')});
      INSERT INTO ${t} SELECT * FROM ${t}_u33; DROP TABLE ${t}_u33;`).join(' ')}
    ALTER TABLE stats_case DROP COLUMN region_code; ALTER TABLE stats_case ADD PRIMARY KEY(case_id);
    ALTER TABLE stats_dirty DROP COLUMN region_code; ALTER TABLE stats_dirty ADD PRIMARY KEY(case_id);
    ${marks}
    CREATE OR REPLACE FUNCTION stats_t_org_path_fn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN
    INSERT INTO stats_dirty SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id
    WHERE o.path LIKE NEW.path || '%' ON CONFLICT DO NOTHING;
    INSERT INTO stats_dirty SELECT a.case_id FROM assignments a
    JOIN orgs o ON o.id = a.org_id WHERE o.path LIKE NEW.path || '%' ON CONFLICT DO NOTHING;
    RETURN NULL; END$$;
    UPDATE civicloop_schema SET version = 32;`;
}

/**
 * Migration 34 (counters and checkpoints keyed by region): back to version
 * 33. A counter's name is unique without its region (a city's carries the
 * city, core/case_no.h), so the rows are kept.
 */
export function undo34() {
  if (!PG) {
    return `CREATE TABLE counters_u34(name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
      INSERT INTO counters_u34 SELECT name, value FROM counters; DROP TABLE counters;
      ALTER TABLE counters_u34 RENAME TO counters; ALTER TABLE checkpoints DROP COLUMN region_code;
      PRAGMA user_version = 33;`;
  }
  return `ALTER TABLE counters DROP COLUMN region_code; ALTER TABLE counters ADD PRIMARY KEY(name);
    ALTER TABLE checkpoints DROP COLUMN region_code; ALTER TABLE checkpoints ADD PRIMARY KEY(seq);
    UPDATE civicloop_schema SET version = 33;`;
}
