// The region of a row (docs/citus.md, core/region.h): an org's region is the
// city of its own division code, else its parent's; a case takes its owner
// org's at intake, shows it, and keeps it; every row of a case carries the
// case's, a row without a case its org's. Migration 32 fills all of it in a
// database made before it. On PostgreSQL the keys hold it: a row whose
// region is not its case's, or an INSERT that names none, is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startServer, sqlText, caseBody, runCmd, runCli, newDatabase, databaseMade, shanghaiDate, addDays, BACKEND, PG,
} from './helpers.mjs';
import {
  OF_CASE, OF_CASE_OR_ORG, PG_ONLY, STATS_KEYED, undo32, undo33, undo34,
} from './undo_migrations.mjs';

const srv = await startServer();
const sql = (q) => sqlText(srv.db, q);

/** Rows of every region table whose region is not the one they should have. */
async function misplaced() {
  const wrong = {};
  for (const t of OF_CASE) {
    wrong[t] = Number(await sql(`SELECT count(*) FROM ${t} x JOIN cases c ON c.id = x.case_id
      WHERE x.region_code <> c.region_code`));
  }
  for (const t of OF_CASE_OR_ORG) {
    wrong[t] = Number(await sql(`SELECT count(*) FROM ${t} x WHERE x.region_code <> coalesce(
      (SELECT region_code FROM cases WHERE id = x.case_id), (SELECT city_code FROM orgs WHERE id = x.org_id), '000000')`));
  }
  wrong.cases = Number(await sql(`SELECT count(*) FROM cases c JOIN orgs o ON o.id = c.org_id
    WHERE c.region_code <> o.city_code`));
  wrong.idempotency = Number(await sql(`SELECT count(*) FROM idempotency x WHERE x.region_code <> coalesce(
    (SELECT o.city_code FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = x.user_id), '000000')`));
  // the search index and the points are virtual tables on SQLite, with no
  // column; the derived indexes have none there either
  for (const [t, k] of PG ? PG_ONLY : []) {
    wrong[t] = Number(await sql(`SELECT count(*) FROM ${t} x JOIN cases c ON c.id = x.${k}
      WHERE x.region_code <> c.region_code`));
    assert.ok(Number(await sql(`SELECT count(*) FROM ${t}`)) > 0, `${t} has rows`);
  }
  return wrong;
}

const none = (w) => Object.fromEntries(Object.keys(w).map((k) => [k, 0]));

/** The demo's joint dispute owned by 湘岭县界首镇 (config/demo/county.json). */
async function jointDispute() {
  return Number(await sql(`SELECT c.id FROM cases c JOIN orgs o ON o.id = c.org_id
    WHERE o.code = 'town.x' AND c.type = 'dispute' ORDER BY c.id LIMIT 1`));
}

test('orgs: the city of their own code, else their parent\'s region', async () => {
  const rows = await sql(`SELECT code, city_code FROM orgs WHERE code IN ('county', 'dept.cg', 'town.a',
    'village.a1', 'county.x', 'town.x', 'village.x1', 'ent.demo1') ORDER BY code`);
  assert.deepEqual(rows.split('\n'), ['county|360700', 'county.x|431000', 'dept.cg|360700',
    'ent.demo1|360700', 'town.a|360700', 'town.x|431000', 'village.a1|360700', 'village.x1|431000']);
});

test('a case takes its owner org\'s region at intake and shows it; the other county\'s case its own', async () => {
  const op1 = await srv.login('op1');
  const r = await op1.post('/api/v1/cases', caseBody());
  assert.equal(r.status, 201, r.text);
  const disp = await srv.login('disp1');
  const got = await disp.get(`/api/v1/cases/${r.json.case.id}`);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.json.case.region, '360700');
  assert.equal(await sql(`SELECT region_code FROM cases WHERE id = ${r.json.case.id}`), '360700');

  const id = await jointDispute();
  assert.ok(id > 0, 'the demo has the joint dispute');
  const leaderx = await srv.login('leaderx');
  const d = await leaderx.get(`/api/v1/cases/${id}`);
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.case.org.code, 'town.x');
  assert.equal(d.json.case.region, '431000');
  // in the lists too (case_load_many)
  for (const who of ['leaderx', 'leader1']) {
    const l = await (await srv.login(who)).get('/api/v1/cases?type=dispute&limit=200');
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.items.find((x) => x.id === id)?.region, '431000', who);
    assert.ok(l.json.items.length > 1, who);
    for (const x of l.json.items) assert.equal(x.region, x.org.code.endsWith('.x') ? '431000' : '360700', x.no);
  }
});

test('every row of a case carries the case\'s region, whoever acted; a row without a case its org\'s', async () => {
  const wrong = await misplaced();
  assert.deepEqual(wrong, none(wrong));
  // the joint dispute: 长岭乡 (赣州) acted on it, its rows are still 郴州's
  const id = await jointDispute();
  assert.equal(await sql(`SELECT DISTINCT e.region_code FROM events e JOIN orgs o ON o.id = e.org_id
    WHERE e.case_id = ${id} AND o.code = 'town.b'`), '431000');
  assert.equal(await sql(`SELECT DISTINCT region_code FROM assignments WHERE case_id = ${id}`), '431000');
  // rows of both regions exist in the tables a case always has
  for (const t of ['events', 'assignments', 'timers']) {
    assert.equal(await sql(`SELECT string_agg(r, ',') FROM (SELECT DISTINCT region_code r FROM ${t}
      WHERE case_id IS NOT NULL ORDER BY 1) x`.replace('string_agg(r, \',\')', BACKEND === 'postgres'
      ? 'string_agg(r, \',\')' : 'group_concat(r, \',\')')), '360700,431000', t);
  }
  // events of no case (sign-ins, keys, orgs) take their org's region
  assert.ok(Number(await sql('SELECT count(*) FROM events WHERE case_id IS NULL AND org_id IS NOT NULL')) > 0);
});

/** A dispute of village v, as a mediator applies for one. */
const dispute = (title, v) => ({
  type: 'dispute', class: 'neighbour', channel: 'visit', title, org: v,
  description: `${title}，当事人到村（社区）调委会申请调解。`,
  parties: [{ role: 'applicant', name: '张三丰', phone: '13900000021' }, { role: 'respondent', name: '李四' }],
});

/** The counters' rows whose region is not the one their name carries
 * (core/case_no.h: "no:TJ4310:20261204" is 431000's, "no:RX:20261204" none's). */
async function countersMisplaced(q = sql) {
  const rows = (await q('SELECT name, region_code FROM counters')).split('\n').filter(Boolean);
  assert.ok(rows.length > 0, 'counters have rows');
  return rows.filter((l) => {
    const [name, region] = l.split('|');
    const m = /^no:[A-Z]{2}(\d{4})?:\d{8}$/.exec(name);
    return !m || region !== (m[1] ? `${m[1]}00` : '000000');
  });
}

test('a case number carries its region\'s city; each region counts its own numbers', async () => {
  // the demo's cases, numbered by the writer like any
  const rows = (await sql('SELECT no, region_code FROM cases')).split('\n').map((l) => l.split('|'));
  assert.ok(rows.some(([, r]) => r === '431000') && rows.some(([, r]) => r === '360700'), 'both regions');
  for (const [no, region] of rows) assert.match(no, new RegExp(`^[A-Z]{2}\\d{8}${region.slice(0, 4)}\\d{6}$`));
  // one type, one day, two regions: two counters, two numbers that differ
  const a = await (await srv.login('med1')).post('/api/v1/cases', dispute('邻里噪音纠纷', 'village.a1'));
  assert.equal(a.status, 201, a.text);
  const x = await (await srv.login('medx')).post('/api/v1/cases', dispute('宅基地界址纠纷', 'village.x1'));
  assert.equal(x.status, 201, x.text);
  const day = shanghaiDate().replaceAll('-', '');
  assert.match(a.json.case.no, new RegExp(`^TJ${day}3607\\d{6}$`));
  assert.match(x.json.case.no, new RegExp(`^TJ${day}4310\\d{6}$`));
  assert.equal(x.json.case.region, '431000');
  // each number is its region's counter's last
  assert.equal(await sql(`SELECT value FROM counters WHERE name = 'no:TJ3607:${day}' AND region_code = '360700'`),
    String(Number(a.json.case.no.slice(-6))));
  assert.equal(await sql(`SELECT value FROM counters WHERE name = 'no:TJ4310:${day}' AND region_code = '431000'`),
    String(Number(x.json.case.no.slice(-6))));
  assert.deepEqual(await countersMisplaced(), []);
  // the number finds its case (public tracking and Open311 look it up alone)
  assert.equal(await sql(`SELECT count(*) FROM cases WHERE no = '${x.json.case.no}'`), '1');
});

test('PostgreSQL: the keys refuse a row out of its case\'s region and an INSERT that names none',
  { skip: BACKEND !== 'postgres' && 'the keys hold the region on PostgreSQL only (SQLite\'s keys are unchanged)' }, async () => {
    const id = await jointDispute();
    const psqlFails = async (q) => {
      const r = await runCmd('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', srv.db, '-c', q]);
      assert.notEqual(r.code, 0, q);
      return r.stderr;
    };
    assert.match(await psqlFails(`UPDATE assignments SET region_code = '360700' WHERE case_id = ${id}`),
      /foreign key/);
    assert.match(await psqlFails(`UPDATE cases SET region_code = '360700' WHERE id = ${id}`), /foreign key/);
    assert.match(await psqlFails(`INSERT INTO notices(org_id, kind, text, created_at)
      VALUES(1, 'x', 'x', 0)`), /region_code/);
    // the keys hold it (the plan's rule, docs/citus.md)
    assert.equal(await sql(`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'cases_pkey'`),
      'PRIMARY KEY (id, region_code)');
    assert.equal(await sql(`SELECT region_code FROM assignments WHERE case_id = ${id} LIMIT 1`), '431000');
  });

test('init --region names the root\'s place: its city is the region; a code that is not one creates nothing', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-region-'));
  try {
    for (const bad of ['4311', '43112x', '000000', '431121000000000', '４３１１２１', '431121\n', '\xe4\xb8', '']) {
      const h = await newDatabase(dir, `bad${bad.length}${Math.random().toString(36).slice(2, 6)}`);
      const r = await runCli(h, ['init', '--db', h.db, '--region', bad]);
      assert.equal(r.code, 2, `${JSON.stringify(bad)}: ${r.stderr}`);
      assert.match(r.stderr, /行政区划代码/);
      assert.equal(await databaseMade(h), false, `nothing created for ${JSON.stringify(bad)}`);
    }
    const h = await newDatabase(dir, 'good');
    const r = await runCli(h, ['init', '--db', h.db, '--name', '祁阳市', '--region', '431121']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sqlText(h.db, 'SELECT region_code, city_code FROM orgs'), '431121|431100');
    const none = await newDatabase(dir, 'none');
    assert.equal((await runCli(none, ['init', '--db', none.db])).code, 0);
    assert.equal(await sqlText(none.db, 'SELECT coalesce(region_code, \'-\'), city_code FROM orgs'), '-|000000');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// migration 32 on a database made before it: the columns (and on
// PostgreSQL the keys) taken back to version 31 (undo_migrations.mjs),
// then the server started
const VERSION = PG ? 'SELECT max(version) FROM civicloop_schema' : 'PRAGMA user_version';
/** Whether table t has a region_code column ('1' or '0'). */
const hasRegion = (t) => sql(`SELECT count(*) FROM ${PG ? 'information_schema.columns' : `pragma_table_info('${t}')`}
  WHERE ${PG ? `table_name = '${t}' AND column_name` : 'name'} = 'region_code'`);

test('migration 32 fills the regions of a database made before it', async () => {
  await srv.stop();
  assert.equal(await sql(VERSION), '34');
  await sql(undo34());
  await sql(undo33());
  await sql(undo32());
  assert.equal(await sql(VERSION), '31');
  assert.equal(await hasRegion('cases'), '0', 'undone');
  await srv.restart();
  assert.equal(await sql(VERSION), '34');
  const wrong = await misplaced();
  assert.deepEqual(wrong, none(wrong));
  const id = await jointDispute();
  assert.equal(await sql(`SELECT region_code FROM cases WHERE id = ${id}`), '431000');
  assert.equal(await sql(`SELECT DISTINCT region_code FROM events WHERE case_id = ${id}`), '431000');
  assert.equal(await sql('SELECT count(*) FROM cases WHERE region_code = \'000000\''), '0');
  if (PG) {
    assert.equal(await sql(`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'cases_pkey'`),
      'PRIMARY KEY (id, region_code)');
  }
  // and the server goes on: a new case, its rows in its region
  const op1 = await srv.login('op1');
  const r = await op1.post('/api/v1/cases', caseBody());
  assert.equal(r.status, 201, r.text);
  assert.equal((await (await srv.login('disp1')).get(`/api/v1/cases/${r.json.case.id}`)).json.case.region, '360700');
  const after = await misplaced();
  assert.deepEqual(after, none(after));
});

// migration 33: the stats aggregates' rows carry the region of the cases
// they count. A database taken back to 32 (undo_migrations.mjs: the rows
// of one key in two regions summed into one) and one row of it made wrong
// on purpose, which tells whether the migration kept the rows (the wrong
// one stays: `stats --check` finds it) or counted them again (it is gone).

/** The rows of the stats tables whose region is not their case's. */
async function statsMisplaced(q = sql) {
  const wrong = {};
  for (const [t, k] of [['stats_case', 'case_id'], ['stats_due', 'case_id']]) {
    wrong[t] = Number(await q(`SELECT count(*) FROM ${t} x JOIN cases c ON c.id = x.${k}
      WHERE x.region_code <> c.region_code`));
  }
  wrong.stats_part_due = Number(await q(`SELECT count(*) FROM stats_part_due x
    JOIN assignments a ON a.id = x.asg_id WHERE x.region_code <> a.region_code`));
  return wrong;
}

/** Makes one hotline cell of the county wrong by one reply; its key. */
async function plantWrong(q) {
  const key = await q(`SELECT scope || ',' || day || ',' || class || ',' || channel || ',' || status
    FROM stats_cell WHERE type = 'hotline' AND received > 0 ORDER BY scope, day, class, channel, status LIMIT 1`);
  const [scope, day, klass, channel, status] = key.split(',');
  await q(`UPDATE stats_cell SET replied = replied + 1 WHERE type = 'hotline' AND scope = ${scope} AND day = ${day}
    AND class = '${klass}' AND channel = '${channel}' AND status = '${status}'`);
  return `type = 'hotline' AND scope = ${scope} AND day = ${day} AND class = '${klass}' AND channel = '${channel}'
    AND status = '${status}'`;
}

/** The answers of GET /stats a leader reads, on whole days (the aggregates'). */
async function statsAnswers(s) {
  const from = addDays(shanghaiDate(), -300), to = addDays(shanghaiDate(), 1);
  const out = {};
  for (const [who, type, org] of [['leader1', 'hotline', 'county'], ['leader1', 'dispute', 'town.b'],
    ['leaderx', 'dispute', 'county.x'], ['leader1', 'dispute', 'county']]) {
    const c = await s.login(who);
    for (const group of ['', '&group=org', '&group=day']) {
      const r = await c.get(`/api/v1/stats/${type}?org=${org}&from=${from}&to=${to}${group}`);
      assert.equal(r.status, 200, r.text);
      out[`${who} ${type} ${org}${group}`] = r.json;
    }
  }
  return out;
}

test('migration 33: cases of two regions — the stats are counted again, each row in its case\'s region, the answers unchanged', async () => {
  const before = await statsAnswers(srv);
  assert.ok(before['leader1 dispute town.b'].received > 0, '长岭乡 holds disputes');
  await srv.stop();
  assert.equal(await sql(VERSION), '34');
  // keyed: a scope of 赣州 (长岭乡) holds rows of 郴州's joint dispute, in 郴州's region
  assert.equal(await sql(`SELECT count(DISTINCT region_code) FROM stats_cell
    WHERE scope = (SELECT id FROM orgs WHERE code = 'town.b') AND type = 'dispute'`), '2');
  assert.equal(await sql(`SELECT count(*) FROM stats_case s JOIN cases c ON c.id = s.case_id
    WHERE c.region_code = '431000' AND s.region_code = '431000'`), await sql(`SELECT count(*) FROM stats_case s
    JOIN cases c ON c.id = s.case_id WHERE c.region_code = '431000'`));
  await sql(undo34());
  await sql(undo33());
  assert.equal(await sql(VERSION), '32');
  assert.equal(await hasRegion('stats_cell'), '0', 'undone');
  const planted = await plantWrong(sql);
  const wrongValue = await sql(`SELECT replied FROM stats_cell WHERE ${planted}`);
  await srv.restart(); // migrates, then folds every case in before it serves
  assert.equal(await sql(VERSION), '34');
  assert.equal(await sql('SELECT count(*) FROM stats_dirty'), '0', 'every case counted again');
  assert.equal(Number(await sql(`SELECT sum(replied) FROM stats_cell WHERE ${planted}`)), Number(wrongValue) - 1,
    'the wrong row counted again');
  const wrong = await statsMisplaced();
  assert.deepEqual(wrong, none(wrong));
  assert.equal(await sql(`SELECT count(DISTINCT region_code) FROM stats_cell
    WHERE scope = (SELECT id FROM orgs WHERE code = 'town.b') AND type = 'dispute'`), '2');
  for (const t of Object.keys(STATS_KEYED)) {
    assert.equal(await sql(`SELECT count(*) FROM ${t} WHERE region_code NOT IN ('360700', '431000')`), '0', t);
  }
  assert.deepEqual(await statsAnswers(srv), before, 'the answers as before');
  if (PG) {
    assert.equal(await sql(`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'stats_cell_pkey'`),
      'PRIMARY KEY (scope, type, day, class, channel, status, region_code)');
  }
  await srv.stop();
  const chk = await runCli(srv, ['stats', '--check', '--db', srv.db], { timeout: 120000 });
  assert.equal(chk.code, 0, chk.stdout + chk.stderr);
  await srv.restart();
});

test('migration 33: cases of one region — the stats rows are kept, in that region, nothing counted again', async () => {
  const one = await startServer({ cases: false });
  const q = (x) => sqlText(one.db, x);
  const op1 = await one.login('op1');
  for (let i = 0; i < 3; i++) {
    const r = await op1.post('/api/v1/cases', caseBody());
    assert.equal(r.status, 201, r.text);
  }
  await one.stop();
  assert.equal(await q('SELECT DISTINCT region_code FROM cases'), '360700');
  const rows = Number(await q('SELECT count(*) FROM stats_cell'));
  assert.ok(rows > 0 && Number(await q('SELECT count(*) FROM stats_due')) > 0, 'rows to keep');
  await q(undo34());
  await q(undo33());
  const planted = await plantWrong(q);
  const wrongValue = await q(`SELECT replied FROM stats_cell WHERE ${planted}`);
  await one.restart();
  assert.equal(await q(VERSION), '34');
  assert.equal(await q(`SELECT replied FROM stats_cell WHERE ${planted}`), wrongValue, 'the rows kept as they were');
  assert.equal(Number(await q('SELECT count(*) FROM stats_cell')), rows);
  for (const t of [...Object.keys(STATS_KEYED), 'stats_case', ...(PG ? ['stats_dirty'] : [])]) {
    assert.equal(await q(`SELECT count(*) FROM ${t} WHERE region_code <> '360700'`), '0', t);
  }
  const wrong = await statsMisplaced(q);
  assert.deepEqual(wrong, none(wrong));
  // a new case is counted in its region beside the kept rows
  const r = await (await one.login('op1')).post('/api/v1/cases', caseBody());
  assert.equal(r.status, 201, r.text);
  await one.stop();
  assert.equal(await q(`SELECT region_code FROM stats_case WHERE case_id = ${r.json.case.id}`), '360700');
  // the planted row is still wrong, and the check finds it: nothing else
  const chk = await runCli(one, ['stats', '--check', '--db', one.db], { timeout: 120000 });
  assert.equal(chk.code, 1, chk.stdout + chk.stderr);
  const rb = await runCli(one, ['stats', '--rebuild', '--check', '--db', one.db], { timeout: 120000 });
  assert.equal(rb.code, 0, rb.stdout + rb.stderr);
});

// migration 34: counters keyed (name, region_code), the region a row's name
// carries; checkpoints their event's region. A database taken back to 33
// (undo_migrations.mjs) with a counter of the numbers without a region (a
// deployment that never named its place), whose numbering goes on.
test('migration 34: counters and checkpoints take their region; numbers go on, the chain verifies', async () => {
  const one = await startServer({ cases: false });
  const q = (x) => sqlText(one.db, x);
  const op1 = await one.login('op1');
  const first = await op1.post('/api/v1/cases', caseBody());
  assert.equal(first.status, 201, first.text);
  const x = await (await one.login('medx')).post('/api/v1/cases', dispute('宅基地界址纠纷', 'village.x1'));
  assert.equal(x.status, 201, x.text);
  await one.stop();
  const day = shanghaiDate().replaceAll('-', '');
  assert.ok(Number(await q('SELECT count(DISTINCT region_code) FROM checkpoints')) >= 1, 'checkpoints written');
  await q(undo34());
  assert.equal(await q(VERSION), '33');
  await q(`INSERT INTO counters(name, value) VALUES('no:RX:${day}', 41)`);
  await one.restart();
  await one.stop();
  assert.equal(await q(VERSION), '34');
  assert.deepEqual(await countersMisplaced(q), []);
  assert.equal(await q(`SELECT region_code FROM counters WHERE name = 'no:RX:${day}'`), '000000');
  assert.equal(await q(`SELECT count(*) FROM checkpoints k WHERE k.region_code <> coalesce(
    (SELECT e.region_code FROM events e WHERE e.seq = k.seq), '-')`), '0');
  assert.ok(Number(await q('SELECT count(*) FROM checkpoints')) > 0);
  const v = await runCli(one, ['audit', 'verify', '--db', one.db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  if (PG) {
    for (const [k, def] of [['counters_pkey', 'PRIMARY KEY (name, region_code)'],
      ['checkpoints_pkey', 'PRIMARY KEY (seq, region_code)']]) {
      assert.equal(await q(`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = '${k}'`), def);
    }
    const r = await runCmd('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', one.db, '-c',
      'INSERT INTO counters(name, value) VALUES(\'x\', 1)']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /region_code/);
  }
  // the counters go on: 360700's after its last number; a deployment that
  // never named its place (every org's region none) after its kept row
  await one.restart();
  const next = await (await one.login('op1')).post('/api/v1/cases', caseBody());
  assert.equal(next.status, 201, next.text);
  assert.equal(next.json.case.no, `RX${day}3607${String(Number(first.json.case.no.slice(-6)) + 1).padStart(6, '0')}`);
  await one.stop();
  await q('UPDATE orgs SET city_code = \'000000\'');
  await one.restart();
  const bare = await (await one.login('op1')).post('/api/v1/cases', caseBody());
  assert.equal(bare.status, 201, bare.text);
  assert.equal(bare.json.case.no, `RX${day}000042`);
  assert.equal(bare.json.case.region, '000000');
  await one.stop();
  assert.equal(await q(`SELECT value FROM counters WHERE name = 'no:RX:${day}' AND region_code = '000000'`), '42');
  const after = await runCli(one, ['audit', 'verify', '--db', one.db]);
  assert.equal(after.code, 0, after.stdout + after.stderr);
});
