// GET /api/v1/cases through the visibility index (issue 16, docs/lists.md):
// a reader below the county reads its own cases from case_scope, which the
// writer keeps in step: a case returned and sent elsewhere leaves the
// township's list, a reader in a village sees its subtree only, a reader
// with two scopes sees both once each, and the cursor pages across them.
// overdue=1 reads the kept set case_overdue and type= the index cases_type
// (migration 29): the same cases in the same order as the filters' own
// definition, exact at the request's clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, caseBody, assertError, sqlText, BACKEND } from './helpers.mjs';
import { undo32, undo33, undo34 } from './undo_migrations.mjs';

const TWO_PW = 'Lists#Scope-2024';

const srv = await startServer();
const op1 = await srv.login('op1');
const disp1 = await srv.login('disp1');

/** The ids of every case `who` lists with `query` (all pages). */
async function listed(who, query = '') {
  const c = typeof who === 'string' ? await srv.login(who) : who;
  return (await c.listAll(query)).map((x) => x.id);
}

/** A new case the hotline centre owns (no township sees it until dispatched). */
async function centreCase(title) {
  return (await op1.create(caseBody({ title, org: 'county.12345' }))).case;
}

test('a case returned by a township and sent to another leaves the first one\'s list', async () => {
  const c = await centreCase('列表范围：退回改派');
  assert.ok(!(await listed('town1')).includes(c.id), 'not yet dispatched: town.a does not see it');
  await disp1.must(c.id, 'dispatch', { org: 'town.a' });
  assert.ok((await listed('town1')).includes(c.id), 'dispatched to town.a');
  assert.ok(!(await listed('town2')).includes(c.id));
  const town1 = await srv.login('town1');
  await town1.must(c.id, 'return', { reason: '不属本镇管辖' });
  await disp1.must(c.id, 'approve_return');
  assert.ok(!(await listed('town1')).includes(c.id), 'its part cancelled: town.a no longer sees it');
  await disp1.must(c.id, 'dispatch', { org: 'town.b' });
  assert.ok(!(await listed('town1')).includes(c.id));
  assert.ok((await listed('town2')).includes(c.id), 'town.b sees it now');
  // the county sees it throughout, once
  assert.equal((await listed('disp1')).filter((id) => id === c.id).length, 1);
});

test('a reader in a village sees its subtree only', async () => {
  const mine = (await op1.create(caseBody({ title: '列表范围：本村', org: 'village.a1' }))).case;
  const town = (await op1.create(caseBody({ title: '列表范围：镇里', org: 'town.a' }))).case;
  const other = (await op1.create(caseBody({ title: '列表范围：邻村', org: 'village.a2' }))).case;
  const sent = await centreCase('列表范围：派到本村');
  await disp1.must(sent.id, 'dispatch', { org: 'village.a1' });
  const ids = await listed('dongmen1');
  assert.ok(ids.includes(mine.id) && ids.includes(sent.id));
  assert.ok(!ids.includes(town.id) && !ids.includes(other.id));
  // the township above sees all three of its own
  const t = await listed('town1');
  for (const c of [mine, town, other, sent]) assert.ok(t.includes(c.id), `town.a sees ${c.title}`);
  // every item the village lists is one the detail view lets it read
  const dongmen1 = await srv.login('dongmen1');
  for (const id of ids.slice(0, 20)) assert.equal((await dongmen1.get(`/api/v1/cases/${id}`)).status, 200);
});

test('a reader with two scopes sees the cases of both, each once, and pages across them', async () => {
  const admin = await srv.login('admin');
  const r = await admin.post('/api/v1/users', {
    login: 'twotowns', name: '两镇承办人', org: 'town.a', roles: ['handler', 'handler@town.b'], password: TWO_PW,
  });
  assert.equal(r.status, 201, r.text);
  const login = await srv.loginRaw('twotowns', TWO_PW);
  assert.equal(login.status, 200, login.text);
  const two = srv.client(login.json.token);
  const a = (await op1.create(caseBody({ title: '两镇：甲', org: 'town.a' }))).case;
  const b = (await op1.create(caseBody({ title: '两镇：乙', org: 'town.b' }))).case;
  // a case of town.a with a part for town.b: seen by both scopes, listed once
  const both = (await op1.create(caseBody({ title: '两镇：都管', org: 'town.a' }))).case;
  await disp1.must(both.id, 'dispatch', { org: 'town.b' });
  const ids = await listed(two);
  for (const c of [a, b, both]) assert.equal(ids.filter((id) => id === c.id).length, 1, c.title);
  const expected = new Set([...(await listed('town1')), ...(await listed('town2'))]);
  assert.deepEqual([...ids].sort((x, y) => x - y), [...expected].sort((x, y) => x - y));
  assert.deepEqual(ids, [...ids].sort((x, y) => y - x), 'newest first');
  // page by page with limit=1 across the two ranges: the same cases, in order
  const paged = [];
  let cursor = null;
  for (let i = 0; i < 10; i++) {
    const q = `/api/v1/cases?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
    const p = await two.get(q);
    assert.equal(p.status, 200, p.text);
    paged.push(...p.json.items.map((x) => x.id));
    cursor = p.json.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(paged, ids.slice(0, paged.length));
});

test('a township\'s list pages with the cursor and applies the other filters', async () => {
  const made = [];
  for (let i = 0; i < 5; i++) made.push((await op1.create(caseBody({ title: `翻页 ${i}`, org: 'town.a' }))).case.id);
  const town1 = await srv.login('town1');
  const first = await town1.get('/api/v1/cases?limit=2');
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(first.json.items.map((x) => x.id), [made[4], made[3]]);
  assert.equal(first.json.next_cursor, String(made[3]));
  const second = await town1.get(`/api/v1/cases?limit=2&cursor=${first.json.next_cursor}`);
  assert.deepEqual(second.json.items.map((x) => x.id), [made[2], made[1]]);
  // residual filters on the scope's range: status and type
  const st = await town1.get('/api/v1/cases?status=received&type=hotline&limit=200');
  assert.equal(st.status, 200, st.text);
  assert.ok(st.json.items.length > 0);
  for (const it of st.json.items) assert.equal(it.status, 'received');
});

test('the county filtered by status merges its statuses newest first, and overdue reads open cases', async () => {
  const c = await centreCase('县级状态筛选');
  await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  const ids = await listed('disp1', 'status=received,dispatched');
  assert.ok(ids.includes(c.id));
  assert.deepEqual(ids, [...ids].sort((x, y) => y - x), 'newest first, no duplicate');
  assert.equal(new Set(ids).size, ids.length);
  const all = await srv.login('disp1');
  const items = await all.listAll('status=received,dispatched');
  for (const it of items) assert.ok(['received', 'dispatched'].includes(it.status));
  // the same through the fallback of more than four statuses
  const five = await listed('disp1', 'status=received,dispatched,handling,replied,closed');
  for (const id of ids) assert.ok(five.includes(id));
  // overdue and due soon: open cases only, each listed once
  for (const q of ['overdue=1', 'due_soon=720', 'overdue=1&sort=due', 'due_soon=720&sort=due']) {
    const r = await all.listAll(q);
    for (const it of r) assert.equal(it.closed_at, null, q);
    assert.equal(new Set(r.map((x) => x.id)).size, r.length, q);
  }
  const soon = await all.listAll('due_soon=720&sort=due');
  const dues = soon.map((x) => Date.parse(x.due_at));
  assert.deepEqual(dues, [...dues].sort((x, y) => x - y), 'by deadline');
});

/** Every page of `query` for `c`, `limit` at a time, following the cursor. */
async function pages(c, query, limit) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 500; i++) {
    const r = await c.get(`/api/v1/cases?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('list never ended');
}

test('the inbox by deadline (part_due): each case once at its earliest part, by page or whole, every status arm', async () => {
  const town1 = await srv.login('town1');
  // c1: two parts inside town.a's subtree (the town itself and its village), then in two statuses
  const c1 = await centreCase('待办时限：两个部分');
  await disp1.must(c1.id, 'dispatch', { orgs: ['town.a', 'village.a1'], lead: 'town.a' });
  await town1.must(c1.id, 'sign');
  const c2 = await centreCase('待办时限：已签收');
  await disp1.must(c2.id, 'dispatch', { org: 'town.a' });
  await town1.must(c2.id, 'sign');
  const c3 = await centreCase('待办时限：待签收');
  await disp1.must(c3.id, 'dispatch', { org: 'town.a' });
  const byDue = await pages(town1, 'mine=1&sort=due', 200);
  const ids = byDue.map((x) => x.id);
  assert.equal(new Set(ids).size, ids.length, 'no case twice');
  for (const c of [c1, c2, c3]) assert.ok(ids.includes(c.id), `case ${c.no} in the inbox`);
  // the same cases as the newest-first inbox (the other statement), and the same order page by page
  const newest = (await pages(town1, 'mine=1', 200)).map((x) => x.id);
  assert.deepEqual([...ids].sort((a, b) => a - b), [...newest].sort((a, b) => a - b));
  assert.deepEqual((await pages(town1, 'mine=1&sort=due', 1)).map((x) => x.id), ids, 'one at a time, by the cursor');
  // in the order of each case's earliest part deadline under town.a (sign-for until signed, then handling)
  const key = async (c) => {
    const full = (await town1.get(`/api/v1/cases/${c.id}`)).json.case;
    const mine = full.assignments.filter((a) => ['town.a', 'village.a1'].includes(a.org.code) && a.status !== 'cancelled' && a.status !== 'done');
    return Math.min(...mine.map((a) => Date.parse(!a.signed_at && a.sign_due_at ? a.sign_due_at : a.due_at)));
  };
  const mineKeys = await Promise.all([c1, c2, c3].map(key));
  const order = [c1, c2, c3].map((c, i) => [ids.indexOf(c.id), mineKeys[i], c.id]).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < order.length; i++) {
    assert.ok(order[i - 1][1] < order[i][1] || (order[i - 1][1] === order[i][1] && order[i - 1][2] < order[i][2]),
      `by deadline: ${JSON.stringify(order)}`);
  }
  // the status arms: pending and signed together are the two apart, c1 (in both) once
  const pend = (await pages(town1, 'mine=1&sort=due&part=pending', 200)).map((x) => x.id);
  const signed = (await pages(town1, 'mine=1&sort=due&part=signed', 200)).map((x) => x.id);
  const both = (await pages(town1, 'mine=1&sort=due&part=pending,signed,pending', 200)).map((x) => x.id);
  assert.ok(pend.includes(c1.id) && signed.includes(c1.id), 'c1: its village part pending, its town part signed');
  assert.ok(pend.includes(c3.id) && !signed.includes(c3.id));
  assert.ok(signed.includes(c2.id) && !pend.includes(c2.id));
  assert.equal(new Set(both).size, both.length, 'no case twice across the arms');
  assert.deepEqual([...both].sort((a, b) => a - b), [...new Set([...pend, ...signed])].sort((a, b) => a - b));
  // a village handler's inbox holds the village's part only
  const vil = (await pages(await srv.login('dongmen1'), 'mine=1&sort=due', 200)).map((x) => x.id);
  assert.ok(vil.includes(c1.id) && !vil.includes(c2.id) && !vil.includes(c3.id), JSON.stringify(vil));
  // done: c2 replied leaves the inbox (and the signed arm)
  await town1.must(c2.id, 'reply', { reply: '已处理完毕' });
  assert.ok(!(await pages(town1, 'mine=1&sort=due', 200)).map((x) => x.id).includes(c2.id));
  assert.ok(!(await pages(town1, 'mine=1&sort=due&part=signed', 200)).map((x) => x.id).includes(c2.id));
});

// ---- overdue=1 from the kept set, type= from its index (migration 29) ----

const clk = await startServer({ testClock: true });

/** What the filters mean, from the reader's unfiltered list (the scope
 * statement): the cases `pred` keeps, newest first. */
async function defined(c, pred) {
  return (await c.listAll('')).filter(pred).map((x) => x.id);
}
const overdueAt = (now) => (x) => x.closed_at === null && x.due_at !== null && Date.parse(x.due_at) < now;

/** The mark the scheduler has swept to (case_overdue_mark.t). */
async function mark() {
  return Number(await sqlText(clk.db, 'SELECT t FROM case_overdue_mark'));
}

/** Waits until the scheduler's sweep has moved the mark to at least t. */
async function swept(t) {
  for (let i = 0; i < 100; i++) {
    if ((await mark()) >= t) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the mark never reached ${t}: ${await mark()}`);
}

/** Waits until no running timer is due at t (the scheduler fired them). */
async function settled(t) {
  for (let i = 0; i < 100; i++) {
    if ((await sqlText(clk.db, `SELECT count(*) FROM timers WHERE state = 'running' AND (due_at <= ${t} OR (warned = 0 AND warn_at <= ${t}))`)) === '0') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timers due at ${t} never fired`);
}

const READERS = ['disp1', 'leader1', 'town1', 'town2', 'dongmen1', 'cg1', 'ent1'];

/** For each reader: overdue=1, type= and type=&status= as listed (page by
 * page, `limit` at a time) equal their definition at the clock `now`. */
async function listsAsDefined(now, limit) {
  let county = 0;
  for (const who of READERS) {
    const c = await clk.login(who);
    const od = (await pages(c, 'overdue=1', limit)).map((x) => x.id);
    assert.deepEqual(od, await defined(c, overdueAt(now)), `${who}: overdue=1 at ${new Date(now).toISOString()}`);
    if (who === 'disp1') county = od.length;
    for (const [q, pred] of [
      ['type=hotline', (x) => x.type === 'hotline'],
      ['type=dispute', (x) => x.type === 'dispute'],
      ['type=hotline&status=handling,dispatched', (x) => x.type === 'hotline' && ['handling', 'dispatched'].includes(x.status)],
      ['type=hotline&overdue=1', (x) => x.type === 'hotline' && overdueAt(now)(x)],
    ]) {
      assert.deepEqual((await pages(c, q, limit)).map((x) => x.id), await defined(c, pred), `${who}: ${q}`);
    }
  }
  return county;
}

test('overdue=1 and type= list exactly what their filters define, for every reader, page by page, before and after the sweep', async () => {
  const now = Date.now();
  await clk.setClock(new Date(now).toISOString());
  const before = await listsAsDefined(now, 7);
  // ten days on: many more overdue, once the mark has caught up and the
  // timers that fell due have fired (their automatic actions change cases)
  const later = now + 10 * 86400000;
  await clk.setClock(new Date(later).toISOString());
  await swept(later);
  await settled(later);
  const moved = await listsAsDefined(later, 50);
  assert.ok(moved > before, `more overdue ten days on: ${before} → ${moved}`);
  const kept = Number(await sqlText(clk.db, "SELECT count(*) FROM case_overdue WHERE org_id = (SELECT id FROM orgs WHERE code = 'county')"));
  assert.equal(kept, moved, 'the county\'s range of the kept set is its overdue list');
  // the clock set back behind the mark: kept rows not yet due are left out
  await clk.setClock(new Date(now).toISOString());
  assert.equal(await listsAsDefined(now, 200), before);
  await clk.setClock(null);
});

test('a case overdue one second before the request is listed; its deadline extended, it leaves; a reader who may not see it never gets it', async () => {
  const op = await clk.login('op1');
  const disp = await clk.login('disp1');
  const town1 = await clk.login('town1');
  const c = (await op.create(caseBody({ title: '超期：差一秒', org: 'county.12345' }))).case;
  await disp.must(c.id, 'dispatch', { org: 'town.a' });
  await town1.must(c.id, 'sign');
  const due = Date.parse((await town1.get(`/api/v1/cases/${c.id}`)).json.case.due_at);
  const ids = async (who, q = 'overdue=1&limit=200') => (await (await clk.login(who)).get(`/api/v1/cases?${q}`)).json.items.map((x) => x.id);
  await clk.setClock(new Date(due - 1000).toISOString());
  for (const who of ['disp1', 'town1']) assert.ok(!(await ids(who)).includes(c.id), `${who}: not yet overdue`);
  // an extension asked for in time (its clock paused), not yet approved
  await town1.must(c.id, 'extend', { days: 5, reason: '需要时间。' });
  await clk.setClock(new Date(due + 1000).toISOString());
  // at once, before or after the scheduler's next sweep: first, the newest overdue case
  for (const who of ['disp1', 'town1']) assert.equal((await ids(who))[0], c.id, `${who}: overdue a second ago`);
  for (const who of ['town2', 'cg1', 'dongmen1', 'ent1']) assert.ok(!(await ids(who)).includes(c.id), `${who} may not see it`);
  await swept(due + 1000);
  assert.equal((await ids('town1'))[0], c.id, 'from the kept set');
  assert.ok(!(await ids('town2')).includes(c.id));
  // a role without case.read: refused, as before
  const admin = await clk.login('admin');
  const u = await admin.post('/api/v1/users', { login: 'link9', name: '联动接口', org: 'county', roles: ['linkage'], password: 'Lists#Link-2024' });
  assert.equal(u.status, 201, u.text);
  const link = await clk.loginRaw('link9', 'Lists#Link-2024');
  assert.equal(link.status, 200, link.text);
  assertError(await clk.client(link.json.token).get('/api/v1/cases?overdue=1'), 403);
  // extended by five working days: no longer overdue, gone from every list at once
  await disp.must(c.id, 'approve_extension');
  assert.ok(Date.parse((await town1.get(`/api/v1/cases/${c.id}`)).json.case.due_at) > due + 1000);
  for (const who of ['disp1', 'town1']) assert.ok(!(await ids(who)).includes(c.id), `${who}: extended`);
  assert.equal(await sqlText(clk.db, `SELECT count(*) FROM case_overdue WHERE case_id = ${c.id}`), '0');
  await clk.setClock(null);
});

test('hostile values keep their answers: overdue other than 1 filters nothing, an unknown type or status is refused', async () => {
  const disp = await clk.login('disp1');
  const all = (await pages(disp, '', 50)).map((x) => x.id);
  for (const v of ['2', 'abc', '0', '', '%EF%BC%91', '1.0', '-1']) {
    const r = await disp.get(`/api/v1/cases?overdue=${v}&limit=50`);
    assert.equal(r.status, 200, `overdue=${v}: ${r.text}`);
    assert.deepEqual(r.json.items.map((x) => x.id), all.slice(0, 50), `overdue=${v} is no filter`);
  }
  assertError(await disp.get('/api/v1/cases?overdue=1%00'), 400, 'request.bad_encoding');
  assertError(await disp.get('/api/v1/cases?type=nope&overdue=1'), 400, 'field.invalid', 'type');
  assertError(await disp.get(`/api/v1/cases?type=${encodeURIComponent("hotline' OR 1=1 --")}`), 400, 'field.invalid', 'type');
  assertError(await disp.get('/api/v1/cases?type=hotline&status=nope'), 400, 'field.invalid', 'status');
  assertError(await disp.get('/api/v1/cases?overdue=1&cursor=abc'), 400, 'field.invalid', 'cursor');
  assertError(await disp.get('/api/v1/cases?type=hotline&cursor=d.1.2'), 400, 'field.invalid', 'cursor');
  // a cursor past every case, or before the first: an empty page, no error
  for (const q of ['overdue=1&cursor=1', 'type=hotline&cursor=1', 'type=hotline&status=handling&cursor=1']) {
    const r = await disp.get(`/api/v1/cases?${q}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items, [], q);
  }
});

// a replay of SQLite's migration 29 on a database taken back to version 28
// (PRAGMA user_version); a PostgreSQL database is made at version 31, with
// no older migrations to replay
test('migration 29 fills the kept set of an existing database',
  { skip: BACKEND === 'postgres' && 'SQLite\'s migrations: a PostgreSQL database starts at version 31' }, async () => {
    // 20 days on, once the scheduler has fired what fell due (a dispute that
    // climbs a level gets new deadlines: listed as overdue only until then;
    // two cases did so between the two lists in one clean-clone run)
    const later = Date.now() + 20 * 86400000;
    await clk.setClock(new Date(later).toISOString());
    await settled(later);
    const disp = await clk.login('disp1');
    const before = (await pages(disp, 'overdue=1', 200)).map((x) => x.id);
    await clk.setClock(null);
    await clk.stop();
    const rows = await sqlText(clk.db, 'SELECT count(*) FROM case_overdue');
    assert.ok(Number(rows) > 0);
    // back to 28: the set, its mark, its triggers and the type index gone
    await sqlText(clk.db, `DROP TRIGGER case_overdue_scope_ins; DROP TRIGGER case_overdue_scope_del;
      DROP TRIGGER case_overdue_enter; DROP TRIGGER case_overdue_leave; DROP TABLE case_overdue;
      DROP TABLE case_overdue_mark; DROP INDEX cases_type;`);
    await sqlText(clk.db, `${undo34()} ${undo33()} ${undo32()} PRAGMA user_version = 28;`);
    await clk.restart();
    // 29, 30 (search merges), 31 (timer indexes), 32 (regions), 33 (the
    // stats' regions) and 34 (counters' and checkpoints' regions) again
    assert.equal(await sqlText(clk.db, 'PRAGMA user_version'), '34');
    // filled for the migration's (real) time: the open cases due before it
    const t = await mark();
    assert.ok(Math.abs(t - Date.now()) < 60000, `the mark is the migration's time: ${t}`);
    // each count reads the mark in its own statement: the scheduler moves it
    // (and adds the cases due meanwhile) once a second from the restart on
    const T = '(SELECT t FROM case_overdue_mark)';
    assert.equal(await sqlText(clk.db, `SELECT count(*) FROM case_overdue k JOIN cases c ON c.id = k.case_id
      WHERE c.closed_at IS NOT NULL OR c.due_at >= ${T}`), '0', 'only open cases due before the mark');
    assert.equal(await sqlText(clk.db, `SELECT count(*) FROM cases c WHERE c.closed_at IS NULL AND c.due_at < ${T}
      AND NOT EXISTS (SELECT 1 FROM case_overdue k WHERE k.case_id = c.id AND k.org_id = (SELECT id FROM orgs WHERE code = 'county'))`),
    '0', 'every one of them in the county\'s range');
    const d = await clk.login('disp1');
    const again = Date.now() + 20 * 86400000;
    await clk.setClock(new Date(again).toISOString());
    await settled(again);
    assert.deepEqual((await pages(d, 'overdue=1', 200)).map((x) => x.id).filter((id) => before.includes(id)), before);
    await clk.setClock(null);
  });

test('a list page\'s items (their cases and parts loaded at once) are the cases as GET /cases/{id} shows them', async () => {
  const own = await startServer(); // the demo's cases; srv is stopped once its tests end
  const o1 = await own.login('op1');
  const d1 = await own.login('disp1');
  // a case in a township and one with a part, beside the demo's others
  const placed = (await o1.create(caseBody({ title: '列表逐项：乡镇', org: 'town.a' }))).case;
  const two = (await o1.create(caseBody({ title: '列表逐项：派单', org: 'county.12345' }))).case;
  await d1.must(two.id, 'dispatch', { org: 'town.a' });
  const r = await d1.get('/api/v1/cases?limit=200');
  assert.equal(r.status, 200, r.text);
  const page = r.json.items;
  assert.ok(page.length >= 60, `a page of more than one load (50): ${page.length}`);
  assert.ok(page.some((x) => x.id === placed.id) && page.some((x) => x.id === two.id));
  const ids = page.map((x) => x.id);
  assert.deepEqual([...ids].sort((a, b) => b - a), ids, 'newest first, each once');
  assert.ok(page.some((x) => x.placement.status === 'placed'), 'a placed case among them');
  let parts = 0;
  for (const item of page) {
    const full = await d1.case(item.id);
    // every key but the reporter, whom the detail view shows more of; the
    // parts key by key (the detail adds their opinions and ratings)
    for (const k of Object.keys(item).filter((x) => x !== 'reporter' && x !== 'assignments')) {
      assert.deepEqual(item[k], full[k], `case ${item.id}: ${k}`);
    }
    assert.equal(item.assignments.length, full.assignments.length, `case ${item.id}: parts`);
    item.assignments.forEach((part, i) => {
      for (const k of Object.keys(part)) assert.deepEqual(part[k], full.assignments[i][k], `case ${item.id}: part ${i} ${k}`);
    });
    parts += item.assignments.length;
  }
  assert.ok(parts >= 20, `parts compared: ${parts}`);
});
