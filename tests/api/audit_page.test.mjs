// The audit page: GET /api/v1/audit/events?order=desc (newest first, the
// cursor counting down) and the filters case_id=, action= and actor= (a
// login), each walking an index in seq order (migration 6; the plans
// checked below). A discipline reader's page is still an audit.read
// event. Unhappy paths first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, sqlText, BACKEND } from './helpers.mjs';

const srv = await startServer();

const sql = (q) => sqlText(srv.db, q);
const seqsOf = async (where) => (await sql(`SELECT seq FROM events WHERE ${where} ORDER BY seq`))
  .split('\n').filter(Boolean).map(Number);

/** Every page of the audit list for query from cursor start (null: the first
 * page), following next_cursor; returns the items. */
async function walk(c, query, limit, start = null) {
  const items = [];
  let cursor = start;
  for (let i = 0; i < 1000; i++) {
    const r = await c.get(`/api/v1/audit/events?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    if (r.json.next_cursor !== null) {
      assert.match(r.json.next_cursor, /^\d+$/);
      assert.equal(r.json.next_cursor, String(r.json.items.at(-1).seq), 'the cursor is the last seq shown');
    }
    cursor = r.json.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('the audit list never ended');
}

// a case of our own with a known history: create, dispatch, sign
let theCase;
async function ourCase() {
  if (!theCase) {
    const op1 = await srv.login('op1');
    theCase = (await op1.create(caseBody({ title: '审计页测试工单' }))).case;
    await (await srv.login('disp1')).must(theCase.id, 'dispatch', { org: 'dept.cg' });
    await (await srv.login('cg1')).must(theCase.id, 'sign');
  }
  return theCase;
}

test('bad order, cursor, limit and filters → 400 naming the parameter; nothing recorded', async () => {
  const [admin, jw1] = await Promise.all([srv.login('admin'), srv.login('jw1')]);
  const before = await sql("SELECT count(*) FROM events WHERE action = 'audit.read'");
  const bad = [
    ['order=up', 'order'], ['order=DESC', 'order'], ['order=', 'order'], ['order=desc%20', 'order'],
    ['order=asc,desc', 'order'], ['order=1', 'order'],
    ['case_id=0', 'case_id'], ['case_id=-3', 'case_id'], ['case_id=abc', 'case_id'], ['case_id=', 'case_id'],
    ['case_id=1.5', 'case_id'], ['case_id=99999999999999999999', 'case_id'],
    ['action=', 'action'], [`action=${'a'.repeat(65)}`, 'action'], ['action=case%07read', 'action'],
    ['actor=', 'actor'], [`actor=${'a'.repeat(65)}`, 'actor'], ['actor=op%0a1', 'actor'],
    ['order=desc&cursor=-1', 'cursor'], ['order=desc&cursor=x', 'cursor'], ['order=desc&limit=0', 'limit'],
    ['order=desc&limit=501', 'limit'],
  ];
  for (const [q, field] of bad) {
    for (const c of [admin, jw1]) assertError(await c.get(`/api/v1/audit/events?${q}`), 400, 'field.invalid', field);
  }
  assertError(await jw1.get('/api/v1/audit/events?order=%ff'), 400, 'request.bad_encoding');
  assertError(await jw1.get('/api/v1/audit/events?action=%ed%a0%80'), 400, 'request.bad_encoding');
  assertError(await jw1.get('/api/v1/audit/events?actor=a%00'), 400, 'request.bad_encoding');
  assert.equal(await sql("SELECT count(*) FROM events WHERE action = 'audit.read'"), before, 'a refused page records nothing');
  // the filters change nothing about who may read
  for (const who of ['op1', 'sup1', 'town1']) {
    assertError(await (await srv.login(who)).get('/api/v1/audit/events?order=desc&action=create'), 403, 'permission.denied');
  }
  assertError(await srv.raw('GET', '/api/v1/audit/events?order=desc'), 401);
});

test('order=desc: newest first; two pages with no gap and no overlap; jw1 records each page', async () => {
  const jw1 = await srv.login('jw1');
  const newest = Number(await sql('SELECT max(seq) FROM events'));
  const before = Number(await sql("SELECT count(*) FROM events WHERE action = 'audit.read'"));
  const p1 = await jw1.get('/api/v1/audit/events?order=desc&limit=40');
  assert.equal(p1.status, 200, p1.text);
  assert.equal(p1.json.items.length, 40);
  assert.ok(p1.json.items[0].seq >= newest, 'starts at the newest event');
  // jw1 reads its county's events and those of no org, never the other
  // county's (the demo's county.x, docs/dispute.md): that is every event it
  // may see, newest first, each linked to the one before it where adjacent
  const mine = (await seqsOf("org_id IS NULL OR org_id IN (SELECT id FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE code = 'county') || '%')")).reverse();
  let linked = 0;
  for (let i = 1; i < p1.json.items.length; i++) {
    const [a, b] = [p1.json.items[i - 1], p1.json.items[i]];
    assert.equal(b.seq, mine[mine.indexOf(a.seq) + 1], 'county-wide: every event it may read, newest first');
    if (b.seq === a.seq - 1) {
      assert.equal(a.prev_hash, b.hash, `seq ${a.seq} links to ${b.seq}`);
      linked++;
    }
  }
  assert.ok(linked >= 30, `most of the page is adjacent events: ${linked}`);
  assert.equal(p1.json.next_cursor, String(p1.json.items.at(-1).seq), 'next_cursor: continue below this seq');
  const p2 = await jw1.get(`/api/v1/audit/events?order=desc&limit=40&cursor=${p1.json.next_cursor}`);
  assert.equal(p2.status, 200, p2.text);
  assert.equal(p2.json.items[0].seq, mine[mine.indexOf(p1.json.items.at(-1).seq) + 1], 'no gap');
  const seen = [...p1.json.items, ...p2.json.items].map((e) => e.seq);
  assert.equal(new Set(seen).size, seen.length, 'no overlap');
  // each page read is an audit.read event, newer than anything it showed
  const reads = (await sql("SELECT payload FROM events WHERE action = 'audit.read' ORDER BY seq"))
    .split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(reads.length, before + 2, 'two pages read, two audit.read events');
  assert.deepEqual(reads.at(-2), { before: null, order: 'desc', shown: 40 });
  assert.deepEqual(reads.at(-1), { before: Number(p1.json.next_cursor), order: 'desc', shown: 40 });
  // order=asc is the default
  const asc = await jw1.get('/api/v1/audit/events?order=asc&limit=3');
  assert.deepEqual(asc.json.items.map((e) => e.seq), [1, 2, 3]);
});

test('order=desc walked to the end: every event once, in order, then next_cursor null', async () => {
  const admin = await srv.login('admin');
  const top = Number(await sql('SELECT max(seq) FROM events'));
  const items = await walk(admin, 'order=desc', 100, top + 1);
  assert.deepEqual(items.map((e) => e.seq), Array.from({ length: top }, (_, i) => top - i));
  // the end: a cursor at the first event answers an empty last page
  const end = await admin.get('/api/v1/audit/events?order=desc&cursor=1');
  assert.deepEqual(end.json, { items: [], next_cursor: null });
  // asc: the last full page says there is nothing more
  const n = Number(await sql('SELECT count(*) FROM events'));
  const last = await admin.get(`/api/v1/audit/events?cursor=${n - 2}&limit=2`);
  assert.equal(last.json.items.length, 2);
  assert.ok(last.json.next_cursor === null || Number(await sql('SELECT count(*) FROM events')) > n,
    'null unless the chain grew meanwhile');
});

test('case_id= filters by case, both ways; with action= and actor=', async () => {
  const c = await ourCase();
  const admin = await srv.login('admin');
  const want = await seqsOf(`case_id = ${c.id}`);
  assert.ok(want.length >= 3, 'create, dispatch, sign');
  const asc = await walk(admin, `case_id=${c.id}`, 2);
  assert.deepEqual(asc.map((e) => e.seq), want);
  for (const e of asc) assert.equal(e.case_id, c.id);
  const desc = await walk(admin, `case_id=${c.id}&order=desc`, 2);
  assert.deepEqual(desc.map((e) => e.seq), [...want].reverse());
  const sign = await admin.get(`/api/v1/audit/events?case_id=${c.id}&action=sign`);
  assert.deepEqual(sign.json.items.map((e) => [e.action, e.actor.login]), [['sign', 'cg1']]);
  const byDisp = await admin.get(`/api/v1/audit/events?case_id=${c.id}&actor=disp1`);
  assert.deepEqual(byDisp.json.items.map((e) => e.action), ['dispatch']);
  // a case with no events (or none at all): an empty page
  const none = await admin.get('/api/v1/audit/events?case_id=99999999');
  assert.deepEqual(none.json, { items: [], next_cursor: null });
});

test('action= filters by action, both ways, across pages; with actor=', async () => {
  await ourCase();
  const admin = await srv.login('admin');
  const want = await seqsOf("action = 'dispatch'");
  assert.ok(want.length >= 2);
  const asc = await walk(admin, 'action=dispatch', 1);
  assert.deepEqual(asc.map((e) => e.seq), want);
  for (const e of asc) assert.equal(e.action, 'dispatch');
  const desc = await walk(admin, 'action=dispatch&order=desc', 1);
  assert.deepEqual(desc.map((e) => e.seq), [...want].reverse());
  const uid = await sql("SELECT id FROM users WHERE login = 'disp1'");
  const mine = await walk(admin, 'action=dispatch&actor=disp1&order=desc', 50);
  assert.deepEqual(mine.map((e) => e.seq), (await seqsOf(`action = 'dispatch' AND actor_id = ${uid}`)).reverse());
  // an action nothing did, and hostile text, match nothing
  for (const a of ['no.such.action', "x' OR 1=1 --", '%', '_']) {
    const r = await admin.get(`/api/v1/audit/events?action=${encodeURIComponent(a)}`);
    assert.deepEqual(r.json, { items: [], next_cursor: null }, a);
  }
});

test('actor= filters by login, both ways; an unknown login is an empty page, recorded for jw1', async () => {
  await ourCase();
  const [admin, jw1] = await Promise.all([srv.login('admin'), srv.login('jw1')]);
  const uid = await sql("SELECT id FROM users WHERE login = 'op1'");
  const want = await seqsOf(`actor_id = ${uid}`);
  assert.ok(want.length >= 1);
  const asc = await walk(admin, 'actor=op1', 3);
  assert.deepEqual(asc.map((e) => e.seq), want);
  for (const e of asc) assert.equal(e.actor.login, 'op1');
  const desc = await walk(admin, 'actor=op1&order=desc', 3);
  assert.deepEqual(desc.map((e) => e.seq), [...want].reverse());
  for (const login of ['nobody', 'OP1', "op1' --"]) {
    const r = await admin.get(`/api/v1/audit/events?actor=${encodeURIComponent(login)}`);
    assert.deepEqual(r.json, { items: [], next_cursor: null }, login);
  }
  // jw1's filtered page is on the record with its filters
  const r = await jw1.get('/api/v1/audit/events?actor=nobody&action=create&order=desc');
  assert.equal(r.status, 200, r.text);
  const last = JSON.parse(await sql("SELECT payload FROM events WHERE action = 'audit.read' ORDER BY seq DESC LIMIT 1"));
  assert.deepEqual(last, { before: null, order: 'desc', query: { action: 'create', actor: 'nobody' }, shown: 0 });
  const mine = await jw1.get(`/api/v1/audit/events?case_id=${theCase.id}&cursor=1`);
  assert.equal(mine.status, 200, mine.text);
  const rec = JSON.parse(await sql("SELECT payload FROM events WHERE action = 'audit.read' ORDER BY seq DESC LIMIT 1"));
  assert.deepEqual(rec, { after: 1, query: { case_id: theCase.id }, shown: mine.json.items.length });
  // jw1's own reads can be looked up like anything else
  const reads = await walk(admin, 'actor=jw1&action=audit.read&order=desc', 2);
  assert.ok(reads.length >= 2);
  for (const e of reads) assert.deepEqual([e.actor.login, e.action, e.case_id], ['jw1', 'audit.read', null]);
});

test('every filter walks an index in seq order (EXPLAIN), never a sort or a scan', async () => {
  const cols = 'SELECT e.seq FROM events e LEFT JOIN users u ON u.id = e.actor_id LEFT JOIN orgs o ON o.id = e.org_id';
  const cases = [
    ['e.case_id = 1 AND (NULL IS NULL OR e.action = NULL) AND (NULL IS NULL OR e.actor_id = NULL)', /events_case/],
    ["e.action = 'dispatch' AND (NULL IS NULL OR e.actor_id = NULL)", /events_action_seq/],
    ['e.actor_id = 3', /events_actor/],
  ];
  // PostgreSQL's planner prices a scan of a table this small below any
  // index: with scans and sorts priced out, its plan shows whether an
  // index gives the order (a sort or a scan is then the only other way)
  const [explain, bad] = BACKEND === 'postgres'
    ? ['SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off; EXPLAIN (COSTS OFF)', /Sort|Seq Scan on events/]
    : ['EXPLAIN QUERY PLAN', /TEMP B-TREE|SCAN e\b/];
  for (const [where, index] of cases) {
    for (const order of ['AND e.seq > 0 ORDER BY e.seq', 'AND e.seq < 1000000 ORDER BY e.seq DESC']) {
      const plan = await sql(`${explain} ${cols} WHERE ${where} ${order} LIMIT 10`);
      assert.match(plan, index, plan);
      assert.doesNotMatch(plan, bad, plan);
    }
  }
  const version = BACKEND === 'postgres' ? 'SELECT max(version) FROM civicloop_schema' : 'PRAGMA user_version';
  assert.ok(Number(await sql(version)) >= 6, 'migration 6');
});
