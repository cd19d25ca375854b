// civicloop gen (src/cli/gen*.c, docs/bench.md "Generated databases"): a
// county-sized database of 2,000 generated cases is whole and served like
// a live one — the audit chain verifies; disp1 lists the county's cases,
// town1 only its township's; the hotline rates answer with plausible
// figures; a word of a generated title is found by search; a closed
// hotline case's timeline reads create → dispatch → sign → reply → … →
// closed. The command refuses an existing file (unless --force) and a bad
// number of cases. The database is made by the bulk path (docs/gen.md): 300
// seed cases through the engine (--pool 300), 1,700 clones; an open clone
// is acted on through the API, a new case is created and listed; the
// indexes and triggers the load dropped are back as the schema has them,
// the search and point indexes hold every case as the writer would index
// it, the photos' files match their rows; a second small one passes
// `stats --check` with its clones' stats moved from their seeds and, a
// third, with them counted from their rows (--stats-recount); timers past
// due were fired in the generated history, none is left for a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, runBin, sqlText, caseBody } from './helpers.mjs';

const N = 2000;
const POOL = 300;
const before = Date.now(); // gen's events are all at or before its start
const srv = await startServer({ gen: N, genPool: POOL });

test('the generated county: 20 townships, 300 villages, 2,000 grids, 40 departments, N cases of every type', async () => {
  const orgs = await sqlText(srv.db,
    "SELECT kind, count(*) FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE code = 'county') || '%' GROUP BY kind ORDER BY kind");
  const by = Object.fromEntries(orgs.split('\n').map((l) => l.split('|')));
  assert.equal(Number(by.township), 21, "20 townships and the demo's industrial park (park)");
  assert.equal(Number(by.village), 300);
  assert.equal(Number(by.grid), 2000);
  assert.equal(Number(by.department), 40);
  const types = await sqlText(srv.db, 'SELECT count(DISTINCT type) FROM cases');
  assert.ok(Number(types) >= 8, `types: ${types}`);
  const hotline = Number(await sqlText(srv.db, "SELECT count(*) FROM cases WHERE type = 'hotline'"));
  assert.ok(hotline > N * 0.6 && hotline < N * 0.8, `hotline share: ${hotline}`);
  const closed = Number(await sqlText(srv.db, "SELECT count(*) FROM cases WHERE type = 'hotline' AND status = 'closed'"));
  assert.ok(closed > hotline * 0.4, `closed hotline cases: ${closed} of ${hotline}`);
  // both counts in one read: the server may add cases between two (one
  // clean-clone run counted 2,058 indexed, then 2,070 cases)
  const [fts, cases] = (await sqlText(srv.db,
    'SELECT (SELECT count(*) FROM case_fts_docsize), (SELECT count(*) FROM cases)')).split('|').map(Number);
  assert.ok(cases >= N, `cases: ${cases}`);
  assert.equal(fts, cases, 'every case in the search index');
});

test('the audit chain verifies, and every attachment row names a file of its size and hash', async () => {
  const r = await runBin(['audit', 'verify', '--db', srv.db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /审计链完好/);
  assert.match(r.stdout, /附件完好：[1-9]\d* 个附件/);
});

test('the bulk load leaves the schema as migrations made it, in WAL mode, with no side file', async () => {
  // a small county made through the engine alone (no bulk path) has the same indexes and triggers
  const plain = path.join(srv.dir, 'plain.db');
  const r = await runBin(['gen', '--db', plain, '--cases', '20'], { timeout: 120000 });
  assert.equal(r.code, 0, r.stderr);
  const objects = "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name";
  const want = await sqlText(plain, objects);
  assert.ok(want.includes('index events_at events'), 'the reference has the indexes');
  assert.equal(await sqlText(srv.db, objects), want);
  assert.equal(await sqlText(srv.db, 'PRAGMA journal_mode'), 'wal');
  assert.equal(await sqlText(srv.db, 'PRAGMA integrity_check'), 'ok');
  assert.equal(fs.existsSync(`${srv.db}-genside`), false, 'the side database is removed');
});

test('the search and point indexes hold every case as the writer writes them', async () => {
  // case_fts's own content table: one row a case with its number, title, body and address
  const off = Number(await sqlText(srv.db,
    `SELECT count(*) FROM cases c LEFT JOIN case_fts_content f ON f.id = c.id
      WHERE f.id IS NULL OR f.c0 IS NOT c.no OR f.c1 IS NOT c.title OR f.c2 IS NOT c.description
         OR f.c3 IS NOT json_extract(c.location, '$.address')`));
  assert.equal(off, 0, 'search rows that differ from their case');
  const located = Number(await sqlText(srv.db, "SELECT count(*) FROM cases WHERE json_type(location, '$.lat') IN ('real', 'integer')"));
  assert.ok(located > N / 2, `located cases: ${located}`);
  assert.equal(Number(await sqlText(srv.db, 'SELECT count(*) FROM case_points')), located);
  const outside = Number(await sqlText(srv.db,
    `SELECT count(*) FROM cases c JOIN case_points p ON p.id = c.id
      WHERE NOT (p.lat0 <= json_extract(c.location, '$.lat') AND p.lat1 >= json_extract(c.location, '$.lat')
        AND p.lng0 <= json_extract(c.location, '$.lng') AND p.lng1 >= json_extract(c.location, '$.lng')
        AND p.h0 <= c.received_at / 3600000.0 AND p.h1 >= c.received_at / 3600000.0 AND p.lat1 - p.lat0 < 1e-4)`));
  assert.equal(outside, 0, 'points whose box does not hold their case');
  assert.equal(await sqlText(srv.db, "SELECT rtreecheck('case_points')"), 'ok');
  // the derived tables were rebuilt, the stats kept: nothing left to fold in
  assert.equal(Number(await sqlText(srv.db, 'SELECT count(*) FROM stats_dirty')), 0);
  const scoped = Number(await sqlText(srv.db, 'SELECT count(DISTINCT case_id) FROM case_scope'));
  assert.equal(scoped, Number(await sqlText(srv.db, 'SELECT count(*) FROM cases')));
});

// FTS5's structure record (case_fts_data row 10): its levels, each with
// the page counts of its segments (varints, as fts5_index.c writes them).
function ftsLevels(hex) {
  const b = Buffer.from(hex, 'hex');
  let i = 4; // the cookie
  const varint = () => {
    let v = 0;
    for (let k = 0; k < 9; k++) {
      const c = b[i++];
      if (k === 8) return v * 256 + c;
      v = v * 128 + (c & 0x7f);
      if (!(c & 0x80)) return v;
    }
    return v;
  };
  const nLevel = varint();
  varint(); // segments in all
  varint(); // the write counter
  const levels = [];
  for (let l = 0; l < nLevel; l++) {
    varint(); // segments being merged
    const n = varint();
    const pages = [];
    for (let k = 0; k < n; k++) {
      varint(); // the segment's id
      const first = varint();
      pages.push(varint() - first + 1);
    }
    levels.push(pages);
  }
  return levels;
}

test('the search index is one segment off level 0, and a level merges whole only at 64 segments (migration 30)', async () => {
  // the load's segments left on level 0 were merged whole in one of the
  // server's first COMMITs (seconds at 100 k cases: docs/bench.md "The
  // search index's merges"); gen merges them into one segment of the
  // search index above it (the server's own small commits since add theirs)
  const levels = ftsLevels(await sqlText(srv.db, 'SELECT hex(block) FROM case_fts_data WHERE id = 10'));
  const shown = `segments' pages by level: ${JSON.stringify(levels)}`;
  const big = Math.max(...levels.flat());
  assert.ok(big > 100, shown);
  assert.equal(levels.flat().filter((p) => p > big / 10).length, 1, `the load's index is one segment: ${shown}`);
  assert.ok(!levels[0].includes(big), `it is not on level 0: ${shown}`);
  assert.equal(await sqlText(srv.db, "SELECT v FROM case_fts_config WHERE k = 'crisismerge'"), '64');
});

test('/metrics shows the search index\'s segments by level as FTS5\'s structure record holds them', async () => {
  const shown = async () => {
    const text = await (await fetch(srv.url('/metrics'))).text();
    const seg = [...text.matchAll(/^civicloop_search_segments\{level="(\d+)"\} (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    const merging = [...text.matchAll(/^civicloop_search_segments_merging\{level="(\d+)"\} (\d+)$/gm)].map((m) => Number(m[2]));
    const crisis = text.match(/^civicloop_search_crisismerge (\d+)$/m);
    return { levels: seg.map(([l]) => l), counts: seg.map(([, n]) => n), merging, crisis: crisis && Number(crisis[1]) };
  };
  // the server may commit (and FTS5 merge) between two reads: the same
  // answer before and after the record's read is compared with it
  let ok = false;
  let last;
  for (let k = 0; k < 5 && !ok; k++) {
    const a = await shown();
    const levels = ftsLevels(await sqlText(srv.db, 'SELECT hex(block) FROM case_fts_data WHERE id = 10'));
    const b = await shown();
    last = { a, levels };
    if (JSON.stringify(a) !== JSON.stringify(b)) continue;
    assert.deepEqual(a.levels, levels.map((_, i) => i), JSON.stringify(last));
    assert.deepEqual(a.counts, levels.map((l) => l.length), JSON.stringify(last));
    assert.equal(a.merging.length, levels.length);
    assert.ok(a.merging.every((m, i) => m <= a.counts[i]));
    assert.equal(a.crisis, 64);
    assert.ok(a.counts.reduce((x, y) => x + y, 0) >= 1, 'the load\'s segment at least');
    ok = true;
  }
  assert.ok(ok, `the metrics held still for one read: ${JSON.stringify(last)}`);
});

test('the scheduler\'s timer indexes hold the running timers only, and they still drive it (migration 31)', async () => {
  // one statement: the server may fire or add timers between two reads
  const [running, all, due, warn, unwarned] = (await sqlText(srv.db,
    "SELECT (SELECT count(*) FROM timers WHERE state = 'running'), (SELECT count(*) FROM timers),"
    + " (SELECT sum(ncell) FROM dbstat WHERE name = 'timers_due' AND pagetype = 'leaf'),"
    + " (SELECT sum(ncell) FROM dbstat WHERE name = 'timers_warn' AND pagetype = 'leaf'),"
    + " (SELECT count(*) FROM timers WHERE state = 'running' AND warned = 0)")).split('|').map(Number);
  assert.ok(all > 3 * running, `most timers are stopped, fired or paused: ${running} of ${all} running`);
  assert.equal(due, running, 'timers_due: one entry a running timer, none for the others');
  assert.equal(warn, unwarned, 'timers_warn: the running timers not yet warned');
  const plan = await sqlText(srv.db, "EXPLAIN QUERY PLAN SELECT id FROM timers WHERE state = 'running' AND due_at <= 1"
    + " UNION ALL SELECT id FROM timers WHERE state = 'running' AND warned = 0 AND warn_at <= 1");
  assert.match(plan, /COVERING INDEX timers_due/);
  assert.match(plan, /COVERING INDEX timers_warn/);
});

test('after gen a new case is created, listed and found', async () => {
  const op1 = await srv.login('op1');
  const before = Number(await sqlText(srv.db, 'SELECT max(id) FROM cases'));
  const c = (await op1.create(caseBody({ org: 'town.c', title: '生成库中新建的工单' }))).case;
  assert.ok(c.id > before, `a new id after the generated ones: ${c.id} > ${before}`);
  assert.equal(await sqlText(srv.db, `SELECT count(*) FROM cases WHERE no = '${c.no}'`), '1', 'its number is new');
  const disp1 = await srv.login('disp1');
  const list = await disp1.get('/api/v1/cases?status=received&limit=50');
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json.items.some((x) => x.id === c.id), 'the new case is listed');
  const found = await disp1.get(`/api/v1/search?q=${encodeURIComponent('生成库中新建')}&limit=20`);
  assert.equal(found.status, 200, found.text);
  assert.ok(found.json.items.some((x) => x.id === c.id), 'and found by search');
  const town3 = await srv.login('town3');
  const theirs = await town3.listAll();
  assert.ok(theirs.some((x) => x.id === c.id), "town.c's handler sees it");
});

test('disp1 lists the county; town1 sees only cases of its township', async () => {
  const disp1 = await srv.login('disp1');
  const all = await disp1.get('/api/v1/cases?limit=50');
  assert.equal(all.status, 200, all.text);
  assert.equal(all.json.items.length, 50);
  const town1 = await srv.login('town1');
  const mine = await town1.listAll();
  assert.ok(mine.length > 0, 'town1 has cases');
  assert.ok(mine.length < N / 4, `town1 sees a township's share, not the county: ${mine.length}`);
  const townPath = await sqlText(srv.db, "SELECT path FROM orgs WHERE code = 'town.a'");
  const ids = mine.slice(0, 40).map((c) => c.id).join(',');
  const outside = await sqlText(srv.db,
    `SELECT count(*) FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.id IN (${ids})
       AND o.path NOT LIKE '${townPath}%'
       AND NOT EXISTS (SELECT 1 FROM assignments a JOIN orgs ao ON ao.id = a.org_id
                       WHERE a.case_id = c.id AND ao.path LIKE '${townPath}%')`);
  assert.equal(Number(outside), 0, 'no case outside town.a and not assigned into it');
});

test('GET /stats/hotline answers with plausible rates over the year', async () => {
  const leader1 = await srv.login('leader1');
  const to = new Date().toISOString();
  const from = new Date(Date.now() - 366 * 86400000).toISOString();
  const r = await leader1.get(`/api/v1/stats/hotline?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.received > N * 0.5, `received ${r.json.received}`);
  assert.ok(r.json.closed > 0 && r.json.closed <= r.json.received);
  for (const k of ['completion_rate', 'satisfaction_rate']) {
    assert.ok(r.json[k] > 0 && r.json[k] <= 1, `${k} ${r.json[k]}`);
  }
});

test('search finds a word of a generated title', async () => {
  const title = await sqlText(srv.db, "SELECT title FROM cases WHERE type = 'hotline' ORDER BY id DESC LIMIT 1");
  const disp1 = await srv.login('disp1');
  const word = [...title].slice(0, 4).join('');
  const r = await disp1.get(`/api/v1/search?q=${encodeURIComponent(word)}&limit=20`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.length > 0, `search ${word}`);
});

test("a closed hotline case's timeline reads the whole loop in time order", async () => {
  const id = Number(await sqlText(srv.db,
    "SELECT id FROM cases WHERE type = 'hotline' AND status = 'closed' AND EXISTS (SELECT 1 FROM events e WHERE e.case_id = cases.id AND e.action = 'callback') ORDER BY id LIMIT 1"));
  const disp1 = await srv.login('disp1');
  const ev = await disp1.events(id);
  const actions = ev.map((e) => e.action);
  for (const a of ['dispatch', 'sign', 'reply', 'callback']) assert.ok(actions.includes(a), `${a} in ${actions}`);
  assert.equal(ev.at(-1).to, 'closed');
  const ats = ev.map((e) => Date.parse(e.at));
  assert.deepEqual([...ats].sort((a, b) => a - b), ats, 'events in time order');
  const c = await disp1.case(id);
  assert.ok(Date.parse(c.received_at) < Date.now() - 3600000, 'received in the past');
});

test('an open clone awaiting its sign-off is signed for and replied to through the API', async () => {
  const firstClone = Number(await sqlText(srv.db, `SELECT id FROM cases ORDER BY id LIMIT 1 OFFSET ${POOL}`));
  const row = await sqlText(srv.db,
    `SELECT c.id, u.login FROM cases c JOIN assignments a ON a.case_id = c.id
       AND a.kind = 'lead' AND a.status = 'pending' JOIN users u ON u.org_id = a.org_id
       JOIN user_roles r ON r.user_id = u.id AND r.role = 'handler'
     WHERE c.type = 'hotline' AND c.id >= ${firstClone} ORDER BY c.received_at DESC LIMIT 1`);
  assert.ok(row, 'an open clone awaiting its sign-off');
  const [id, login] = row.split('|');
  // its deadlines run (or have fired, the server's scheduler being ahead)
  const timers = Number(await sqlText(srv.db, `SELECT count(*) FROM timers WHERE case_id = ${id} AND state IN ('running', 'fired')`));
  assert.ok(timers > 0, 'its deadlines run');
  const h = await srv.login(login);
  let r = await h.act(Number(id), 'sign');
  assert.equal(r.status, 200, r.text);
  r = await h.act(Number(id), 'reply', { reply: '已现场核查处理完毕，特此答复。' });
  assert.equal(r.status, 200, r.text);
  const ev = await h.events(Number(id));
  assert.deepEqual(ev.slice(-2).map((e) => e.action), ['sign', 'reply']);
  const seqs = await sqlText(srv.db, `SELECT count(*) FROM cases WHERE no IN (SELECT no FROM cases GROUP BY no HAVING count(*) > 1)`);
  assert.equal(Number(seqs), 0, 'case numbers unique');
});

for (const recount of [false, true]) {
  test(`a bulk-made database passes audit verify and stats --check (clones' stats ${recount ? 'counted from their rows' : 'moved from their seeds'})`, async () => {
    const other = path.join(srv.dir, recount ? 'recount.db' : 'bulk.db');
    let r = await runBin(['gen', '--db', other, '--cases', '600', '--pool', '120', '--seed', '3',
      ...(recount ? ['--stats-recount'] : [])], { timeout: 120000 });
    assert.equal(r.code, 0, r.stderr);
    // how many clones' stats were counted from their rows rather than moved
    const m = /(\d+) 个复制工单的统计由基础数据计算/.exec(r.stderr);
    assert.ok(m, r.stderr);
    if (recount) assert.equal(Number(m[1]), 480);
    else assert.ok(Number(m[1]) < 48, `moved from their seeds, nearly all: ${m[1]} of 480 counted`);
    assert.match(r.stderr, /0 个留有已到期的计时器/);
    assert.ok(Number(await dueTimers(other)) <= 2, 'timers due right after gen');
    r = await runBin(['audit', 'verify', '--db', other]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = await runBin(['stats', '--check', '--db', other, '--org', 'county']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = await runBin(['stats', '--check', '--db', other, '--org', 'town.c']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
}

// bench/run.sh's timers_due_at_start: deadlines and warnings a server would fire at once
const dueTimers = (db) => sqlText(db,
  `SELECT (SELECT count(*) FROM timers WHERE state = 'running' AND due_at < ${Date.now()})
        + (SELECT count(*) FROM timers WHERE state = 'running' AND warned = 0 AND warn_at < ${Date.now()})`);

test('timers past due were fired in the generated history: the server found none due at its start', async () => {
  // the scheduler of the server started on the database fired (next to) nothing
  const late = Number(await sqlText(srv.db,
    `SELECT count(*) FROM events WHERE action IN ('timer.overdue', 'timer.warning') AND at > ${before}`));
  assert.ok(late <= 2, `timers the server fired at its start: ${late}`);
  assert.ok(Number(await dueTimers(srv.db)) <= 2, 'timers due now');
  // what the scheduler would have written, at the deadline: fired timers with their overdue events
  const fired = Number(await sqlText(srv.db, "SELECT count(*) FROM timers WHERE state = 'fired'"));
  assert.ok(fired > N / 20, `fired timers: ${fired}`);
  const lost = await sqlText(srv.db,
    `SELECT count(*) FROM timers t WHERE state = 'fired' AND NOT EXISTS (SELECT 1 FROM events e
       WHERE e.case_id = t.case_id AND e.action = 'timer.overdue' AND json_extract(e.payload, '$.timer') = t.kind
         AND e.at = t.due_at)`);
  assert.equal(Number(lost), 0, 'a fired timer without its overdue event at its deadline');
  const warned = await sqlText(srv.db,
    `SELECT count(*) FROM timers t WHERE warned = 1 AND warn_at < due_at AND NOT EXISTS (SELECT 1 FROM events e
       WHERE e.case_id = t.case_id AND e.action = 'timer.warning' AND json_extract(e.payload, '$.timer') = t.kind
         AND e.at = t.warn_at)`);
  assert.equal(Number(warned), 0, 'a warned timer without its warning at its time');
  // the hotline's automatic 催办 of an overdue unit, in clones too
  const firstClone = Number(await sqlText(srv.db, `SELECT id FROM cases ORDER BY id LIMIT 1 OFFSET ${POOL}`));
  const urged = Number(await sqlText(srv.db,
    `SELECT count(*) FROM events e JOIN cases c ON c.id = e.case_id WHERE c.type = 'hotline'
       AND e.action = 'urge' AND json_extract(e.payload, '$.auto') AND c.id >= ${firstClone}`));
  assert.ok(urged > 0, 'automatic urges in the clones');
});

test('gen refuses an existing file (left as it was), a bad number of cases and a missing --db', async () => {
  const count = await sqlText(srv.db, 'SELECT count(*), max(id) FROM cases');
  const size = fs.statSync(srv.db).size;
  let r = await runBin(['gen', '--db', srv.db, '--cases', '10']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /已存在/);
  assert.equal(await sqlText(srv.db, 'SELECT count(*), max(id) FROM cases'), count);
  assert.equal(fs.statSync(srv.db).size, size);
  const fresh = path.join(srv.dir, 'other.db');
  for (const n of ['0', '-5', '20000001', 'abc', '']) {
    r = await runBin(['gen', '--db', fresh, '--cases', n]);
    assert.equal(r.code, 2, `--cases ${n}`);
  }
  r = await runBin(['gen', '--cases', '10']);
  assert.equal(r.code, 2);
  r = await runBin(['gen', '--db', fresh, '--cases', '10', '--days', '0']);
  assert.equal(r.code, 2);
});

test('--force replaces an existing file', async () => {
  const other = path.join(srv.dir, 'forced.db');
  let r = await runBin(['gen', '--db', other, '--cases', '20']);
  assert.equal(r.code, 0, r.stderr);
  r = await runBin(['gen', '--db', other, '--cases', '30', '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(Number(await sqlText(other, "SELECT count(*) FROM cases WHERE created_by IS NOT NULL AND id > 0")) >= 30, true);
});
