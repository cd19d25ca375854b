// The unit inbox and the dashboard (docs/api.md "Case list", docs/rates.md
// "counts.overdue"), black-box through the HTTP API:
//  - GET /api/v1/cases?mine=1&part=STATUS[,STATUS]: the caller's unit holds
//    a part of the case in one of those assignment statuses (part=done its
//    finished ones; an assisting unit still to sign while the lead already
//    handles is under part=pending);
//  - sort=due: soonest deadline first (with mine=1 the unit's own part's:
//    sign_due_at until signed for, then due_at), an opaque keyset cursor
//    that no other order accepts; the exports write their rows in it;
//  - with=actions: each item's actions, as GET /api/v1/cases/{id} has them;
//  - case JSON callback_due_at while the case waits for its callback;
//  - GET /api/v1/cases/{id}/events shows recorded reads (pii.view,
//    case.read) only to audit.read holders, and pages as before;
//  - GET /api/v1/stats/{type}: counts.overdue, open cases in scope past
//    their deadline now, whatever the period; per unit with group=org.
// Unhappy paths first. The business clock is the test clock: a Monday,
// 2025-03-03 09:00, with no holiday near.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody } from './helpers.mjs';
import { csvRows } from './sheets.mjs';

const srv = await startServer({ cases: false, testClock: true });
const T0 = '2025-03-03T09:00:00+08:00';
await srv.setClock(T0);

const LOGINS = ['op1', 'disp1', 'sup1', 'cg1', 'town1', 'town2', 'dongmen1', 'admin', 'jw1', 'leader1'];
const u = {};
for (const n of LOGINS) u[n] = await srv.login(n);

/** A new hotline case (op1), dispatched by disp1 when `to` is given: a code, or [lead, ...assist]. */
async function newCase(extra = {}, to = null) {
  const c = (await u.op1.create(caseBody({ title: '收件箱测试', ...extra }))).case;
  if (!to) return c;
  const body = Array.isArray(to) ? { orgs: to, lead: to[0] } : { org: to };
  return u.disp1.must(c.id, 'dispatch', body);
}

/** GET /api/v1/cases?query as client c; asserts 200 and returns the body. */
async function list(c, query) {
  const r = await c.get(`/api/v1/cases?${query}`);
  assert.equal(r.status, 200, `list ?${query} as ${c.user.login}: ${r.text}`);
  return r.json;
}

/** Every item of the list, following next_cursor with pages of `limit`. */
async function pages(c, query, limit) {
  const items = [];
  const cursors = [];
  let cursor = null;
  for (let i = 0; i < 500; i++) {
    const j = await list(c, `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.ok(j.items.length <= limit);
    items.push(...j.items);
    cursor = j.next_cursor;
    if (!cursor) return { items, cursors };
    assert.equal(j.items.length, limit, 'a page before the last is full');
    cursors.push(cursor);
  }
  throw new Error('the list never ended');
}

const ids = (items) => items.map((x) => x.id);
const NONE = Number.MAX_SAFE_INTEGER;
const ms = (iso) => (iso ? Date.parse(iso) : NONE);
/** mine=1&sort=due's key of a case for a unit: its earliest part's deadline. */
function partKey(c, orgs) {
  const keys = c.assignments.filter((a) => orgs.includes(a.org.code))
    .map((a) => (a.signed_at ? ms(a.due_at) : ms(a.sign_due_at || a.due_at)));
  return Math.min(...keys);
}
const byKey = (key) => (a, b) => key(a) - key(b) || a.id - b.id;

// ---------------------------------------------------------------------------
// unhappy paths

test('part: unknown statuses, an empty item, too many, and part without mine=1 are 400 naming part', async () => {
  await newCase({}, 'town.a');
  for (const q of ['mine=1&part=bogus', 'mine=1&part=pending,', 'mine=1&part=,done', 'mine=1&part=PENDING',
    'mine=1&part=pending,nosuch', 'mine=1&type=hotline&part=finished',
    `mine=1&part=${Array(11).fill('done').join(',')}`, `mine=1&part=${'x'.repeat(65)}`,
    'part=pending', 'mine=0&part=done', 'mine=true&part=done', 'part=done&queue=dispatch']) {
    assertError(await u.town1.get(`/api/v1/cases?${q}`), 400, 'field.invalid', 'part');
  }
  // an empty part is no filter, as an empty status is
  assert.ok(Array.isArray((await list(u.town1, 'mine=1&part=')).items));
  // the exports share the list's filters
  assertError(await u.town1.get('/api/v1/export/cases.csv?part=done'), 400, 'field.invalid', 'part');
  assertError(await u.town1.get('/api/v1/export/cases.csv?mine=1&part=bogus'), 400, 'field.invalid', 'part');
});

test('sort and with: anything but due, and anything but actions, are 400 naming them', async () => {
  for (const q of ['sort=bogus', 'sort=DUE', 'sort=due,due', 'sort=newest', 'sort=-due', 'sort=due%20']) {
    assertError(await u.disp1.get(`/api/v1/cases?${q}`), 400, 'field.invalid', 'sort');
    assertError(await u.disp1.get(`/api/v1/export/cases.csv?${q}`), 400, 'field.invalid', 'sort');
  }
  for (const q of ['with=bogus', 'with=actions,', 'with=,actions', 'with=ACTIONS', 'with=actions,links']) {
    assertError(await u.disp1.get(`/api/v1/cases?${q}`), 400, 'field.invalid', 'with');
  }
  // an empty one is the default
  assert.ok(Array.isArray((await list(u.disp1, 'sort=&with=')).items));
});

test('cursors: each order refuses the other\'s, and sort=due refuses mine=1\'s kind and vice versa', async () => {
  for (let i = 0; i < 3; i++) await newCase({}, 'town.a');
  const plain = (await list(u.town1, 'limit=1')).next_cursor;
  const due = (await list(u.town1, 'sort=due&limit=1')).next_cursor;
  const part = (await list(u.town1, 'mine=1&sort=due&limit=1')).next_cursor;
  assert.match(plain, /^\d+$/, 'the default order\'s cursor stays the last id');
  assert.ok(due && part && due !== part && !/^\d+$/.test(due) && !/^\d+$/.test(part));
  const refused = [
    ['sort=due', plain], ['mine=1&sort=due', plain], // a default-order cursor with sort=due
    ['', due], ['mine=1', part], ['', part], // a sort=due cursor with the default order
    ['mine=1&sort=due', due], ['sort=due', part], // the cases' kind with the parts' and back
    ['sort=due', 'd.'], ['sort=due', 'd.1'], ['sort=due', 'd.x.1'], ['sort=due', 'd.1.0'],
    ['sort=due', 'd.-5.1'], ['sort=due', `${due} `], ['sort=due', `${due}.1`], ['', '0'], ['', '-1'],
    ['sort=due', '中.1.2'], ['', '中'],
  ];
  for (const [q, cur] of refused) {
    assertError(await u.town1.get(`/api/v1/cases?${q}&cursor=${encodeURIComponent(cur)}`), 400, 'field.invalid', 'cursor');
  }
  // each is fine in its own order
  for (const [q, cur] of [['', plain], ['sort=due', due], ['mine=1&sort=due', part]]) {
    assert.ok((await list(u.town1, `${q}&cursor=${encodeURIComponent(cur)}`)).items.length >= 1);
  }
});

test('hostile UTF-8 in part, sort, with and a sort=due cursor: 400 before anything echoes it', async () => {
  const bad = ['%ff', '%e4%b8', '%ed%a0%80', '%c0%af', 'due%00'];
  for (const [name, pre] of [['part', 'mine=1&'], ['sort', ''], ['with', ''], ['cursor', 'sort=due&']]) {
    for (const b of bad) {
      assertError(await u.town1.get(`/api/v1/cases?${pre}${name}=${b}`), 400, 'request.bad_encoding');
    }
  }
  for (const b of bad) {
    assertError(await u.town1.get(`/api/v1/export/cases.csv?sort=${b}`), 400, 'request.bad_encoding');
    assertError(await u.town1.get(`/api/v1/export/cases.xlsx?mine=1&part=${b}`), 400, 'request.bad_encoding');
  }
  // valid but hostile: 中 runs, clipped on a character boundary in the message
  const zh = encodeURIComponent('中'.repeat(1000));
  for (const [name, pre] of [['part', 'mine=1&'], ['sort', ''], ['with', ''], ['cursor', 'sort=due&']]) {
    const r = await u.town1.get(`/api/v1/cases?${pre}${name}=${zh}`);
    assertError(r, 400, 'field.invalid', name);
    assert.ok(!r.text.includes('\ufffd'), 'the message is cut on a character boundary');
    assert.ok(r.text.length < 2000, 'the message does not echo the whole parameter');
  }
});

test('a township handler never sees another township\'s case, in any of the new views', async () => {
  const a = await newCase({ org: 'town.a', title: '濂江镇的件' }, ['town.a', 'dept.cg']);
  const b = await newCase({ org: 'town.b', title: '长岭乡的件' }, 'town.b');
  await u.town1.must(a.id, 'sign', {});
  await u.town2.must(b.id, 'sign', {});
  const queries = ['mine=1', 'mine=1&part=pending', 'mine=1&part=signed', 'mine=1&part=done,cancelled',
    'mine=1&part=pending,signed,return_requested,extension_requested,approval_pending,done,cancelled',
    'sort=due', 'mine=1&sort=due', 'mine=1&part=signed&sort=due', 'with=actions', 'mine=1&with=actions&sort=due',
    'sort=due&overdue=1', 'sort=due&q=件'];
  for (const q of queries) {
    for (const [who, mineCase, other] of [['town1', a, b], ['town2', b, a]]) {
      const { items } = await pages(u[who], q, 1);
      assert.ok(!ids(items).includes(other.id), `${who} ?${q} never lists the other township's case`);
      if (!q.includes('overdue') && !q.includes('pending') && !q.includes('done,cancelled')) {
        assert.ok(ids(items).includes(mineCase.id), `${who} ?${q} lists its own`);
      }
    }
  }
  for (const q of ['sort=due', 'mine=1&sort=due', 'mine=1&part=signed&sort=due']) {
    const r = await u.town2.get(`/api/v1/export/cases.csv?${q}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.text.includes(a.no) && r.text.includes(b.no), `town2's export ?${q}`);
  }
  assertError(await u.town2.get(`/api/v1/cases/${a.id}/events`), 404, 'not_found');
});

// ---------------------------------------------------------------------------
// part=

test('an assisting unit still to sign is under part=pending once the lead signed (the case 办理中)', async () => {
  const c = await newCase({ title: '协办待签收' }, ['dept.cg', 'town.a']);
  const h = await u.cg1.must(c.id, 'sign', {});
  assert.equal(h.status, 'handling');
  assert.equal(h.assignments.find((x) => x.org.code === 'town.a').status, 'pending');

  assert.ok(ids((await pages(u.town1, 'mine=1&part=pending', 50)).items).includes(c.id), 'town.a: 待签收');
  assert.ok(!ids((await pages(u.town1, 'mine=1&status=dispatched', 50)).items).includes(c.id),
    'what the status filter missed: the case is no longer 已派单');
  assert.ok(!ids((await pages(u.town1, 'mine=1&part=signed', 50)).items).includes(c.id));
  assert.ok(!ids((await pages(u.cg1, 'mine=1&part=pending', 50)).items).includes(c.id), 'dept.cg signed already');
  assert.ok(ids((await pages(u.cg1, 'mine=1&part=signed', 50)).items).includes(c.id));
  // a village of town.a is inside town1's subtree, town1 is not inside the village's
  assert.ok(!ids((await pages(u.dongmen1, 'mine=1&part=pending', 50)).items).includes(c.id));
  const pend = (await pages(u.town1, 'mine=1&part=pending&with=actions', 50)).items.find((x) => x.id === c.id);
  assert.ok(pend.actions.some((x) => x.code === 'sign'), 'its item offers 签收');

  // the assisting unit signs and answers: its part is done, the inbox's 已办结 tab
  await u.town1.must(c.id, 'sign', {});
  await u.town1.must(c.id, 'reply', { reply: '协办意见：已配合清理。' });
  assert.ok(ids((await pages(u.town1, 'mine=1&part=done', 50)).items).includes(c.id), 'part=done: finished');
  assert.ok(!ids((await pages(u.town1, 'mine=1', 50)).items).includes(c.id), 'mine=1 alone: unfinished only');
  assert.ok(!ids((await pages(u.town1, 'mine=1&part=pending,signed', 50)).items).includes(c.id));
  assert.ok(ids((await pages(u.cg1, 'mine=1', 50)).items).includes(c.id), 'the lead works on');
  assert.ok(!ids((await pages(u.cg1, 'mine=1&part=done', 50)).items).includes(c.id));
});

// ---------------------------------------------------------------------------
// sort=due

test('sort=due: soonest first across pages of 2, no gap, no overlap; mine=1 by the unit\'s own part', async () => {
  // town.a's parts: pending ones due by their sign-for limit, signed ones by their handle deadline
  const made = [];
  for (const [cls, sign] of [['紧急', false], ['投诉', false], ['咨询', true], ['水电气热', false],
    ['求助', true], ['投诉', true], ['紧急', true]]) {
    const c = await newCase({ class: cls, title: `时限排序 ${cls}` }, ['town.a', 'dept.cg']);
    made.push(sign ? await u.town1.must(c.id, 'sign', {}) : c);
  }
  // the unit's view: keys from its own part
  const all = (await pages(u.town1, 'mine=1', 200)).items;
  const want = [...all].sort(byKey((x) => partKey(x, ['town.a'])));
  for (const limit of [2, 3]) {
    const { items, cursors } = await pages(u.town1, 'mine=1&sort=due', limit);
    assert.deepEqual(ids(items), ids(want), `mine=1&sort=due in pages of ${limit}`);
    assert.equal(new Set(ids(items)).size, items.length, 'no case twice');
    for (const cur of cursors) assert.match(cur, /^[a-z]\.(\d+|n)\.\d+$/, 'an opaque keyset text');
  }
  for (const c of made) assert.ok(ids(all).includes(c.id));
  assert.notDeepEqual(ids(want), ids([...all].sort(byKey((x) => ms(x.due_at)))),
    'the part\'s deadline is not the case\'s: a pending part is due by its sign-for limit');

  // without mine: the case's own due_at, for the dispatcher's whole county
  const county = (await pages(u.disp1, '', 200)).items;
  const byDue = [...county].sort(byKey((x) => ms(x.due_at)));
  const { items } = await pages(u.disp1, 'sort=due', 2);
  assert.deepEqual(ids(items), ids(byDue), 'sort=due in pages of 2');
  // filters still apply, and combine with the order
  const cg = (await pages(u.disp1, 'sort=due&class=紧急,水电气热', 1)).items;
  assert.deepEqual(ids(cg), ids(byDue.filter((x) => ['紧急', '水电气热'].includes(x.class))));

  // the exports write their rows in the same order
  for (const [who, q, expect] of [['disp1', 'sort=due', byDue], ['town1', 'mine=1&sort=due', want]]) {
    const r = await fetch(srv.url(`/api/v1/export/cases.csv?${q}`), { headers: { Authorization: `Bearer ${u[who].token}` } });
    assert.equal(r.status, 200);
    const rows = csvRows(Buffer.from(await r.arrayBuffer())).slice(1);
    assert.deepEqual(rows.map((row) => row[0]), expect.map((x) => x.no), `export ?${q}`);
  }
});

// ---------------------------------------------------------------------------
// with=actions

test('with=actions: each item\'s actions are the detail\'s, for a dispatcher, a supervisor, two handlers and 纪委', async () => {
  const r = await newCase({ title: '待派' });
  const h = await newCase({ title: '办理中' }, ['town.a', 'dept.cg']);
  await u.town1.must(h.id, 'sign', {});
  for (const [who, q] of [['disp1', ''], ['sup1', 'sort=due'], ['town1', 'mine=1'], ['cg1', 'mine=1&sort=due'],
    ['town1', ''], ['jw1', '']]) {
    const { items } = await pages(u[who], `${q}&with=actions`, 200);
    assert.ok(items.length > 0, `${who} lists cases`);
    for (const it of items) {
      const d = await u[who].case(it.id);
      assert.deepEqual(it.actions, d.actions, `${who}: case ${it.id} (${it.status}) actions`);
    }
    if (who === 'disp1') assert.ok(items.find((x) => x.id === r.id).actions.some((a) => a.code === 'dispatch'));
    if (who === 'jw1') assert.ok(items.every((x) => x.actions.length === 0), '纪委 reads, never acts');
  }
  const plain = (await list(u.disp1, 'limit=5')).items;
  assert.ok(plain.every((x) => !('actions' in x)), 'without with=actions the list leaves actions out');
  // 纪委's list is on the record with its order and what it asked for
  const ev = (await u.admin.get('/api/v1/audit/events?order=desc&action=case.list&limit=5')).json.items;
  const q = ev.map((e) => e.payload.query).find((x) => x.with === 'actions' && x.sort === undefined);
  assert.ok(q, `jw1's case.list event names with=actions: ${JSON.stringify(ev.map((e) => e.payload.query))}`);
});

// ---------------------------------------------------------------------------
// the timeline

test('a handler\'s timeline has no pii.view or case.read; admin\'s and 纪委\'s have them; paging still works', async () => {
  const c = await newCase({ class: '举报', title: '保密举报' }, 'town.a');
  await u.town1.must(c.id, 'sign', {});
  await u.disp1.case(c.id); // a pii.read holder sees the confidential reporter: pii.view
  await u.jw1.case(c.id); // 纪委 reads are recorded: case.read (and pii.view)
  const full = await u.admin.events(c.id);
  const acts = full.map((e) => e.action);
  assert.ok(acts.includes('pii.view') && acts.includes('case.read'), `admin sees the reads: ${acts}`);
  const handling = full.filter((e) => !['pii.view', 'case.read'].includes(e.action));
  assert.deepEqual(handling.map((e) => e.action), ['create', 'dispatch', 'sign']);
  assert.ok(full.at(-1).action === 'pii.view' || full.at(-1).action === 'case.read', 'the reads come last');

  const town = await u.town1.events(c.id);
  assert.deepEqual(town, handling, 'town1: the handling events, as admin sees them');
  // pages of one: no gap, no overlap, and the last handling event ends the list
  const seen = [];
  let cursor = null;
  for (let i = 0; i < 10; i++) {
    const r = await u.town1.get(`/api/v1/cases/${c.id}/events?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(seen, handling, 'paged by one: the same events');
  assertError(await u.cg1.get(`/api/v1/cases/${c.id}/events`), 404, 'not_found');
  // 纪委 holds audit.read: it sees the reads, including its own
  const jw = (await u.jw1.events(c.id)).map((e) => e.action);
  assert.ok(jw.includes('pii.view') && jw.includes('case.read'));
  // a dispatcher (pii.read, no audit.read) sees the handling only
  assert.deepEqual((await u.disp1.events(c.id)).map((e) => e.seq), handling.map((e) => e.seq));
});

// ---------------------------------------------------------------------------
// callback_due_at

test('callback_due_at: the callback timer\'s due time while the case waits for its callback, null otherwise', async () => {
  const c = await newCase({ title: '回访时限' }, 'dept.cg');
  assert.equal(c.callback_due_at, null);
  await u.cg1.must(c.id, 'sign', {});
  const replied = await u.cg1.must(c.id, 'reply', { reply: '已处理完毕。' });
  assert.equal(replied.status, 'replied');
  assert.equal(replied.callback_due_at, null);
  const cb = await u.disp1.must(c.id, 'review', {});
  assert.equal(cb.status, 'callback');
  // reviewed Monday 09:00: the callback is due by the end of the next working day
  assert.equal(cb.callback_due_at, '2025-03-05T00:00:00+08:00');
  const review = (await u.disp1.events(c.id)).find((e) => e.action === 'review');
  assert.equal(review.payload.timer_due_at, cb.callback_due_at, 'the review started that timer');
  const item = (await pages(u.sup1, 'status=callback', 200)).items.find((x) => x.id === c.id);
  assert.equal(item.callback_due_at, cb.callback_due_at, 'lists carry it too');
  const closed = await u.sup1.must(c.id, 'callback', { resolved: true, satisfaction: '满意' });
  assert.equal(closed.status, 'closed');
  assert.equal(closed.callback_due_at, null);
});

// ---------------------------------------------------------------------------
// counts.overdue (last: it moves the clock)

test('counts.overdue: open cases in scope past their deadline now, whatever the period; each unit\'s open parts with group=org', async () => {
  // a fresh server, so earlier tests' cases do not count
  const s = await startServer({ cases: false, testClock: true });
  await s.setClock(T0);
  const [op1, disp1, cg1, town1, sup1, leader1] = await Promise.all(
    ['op1', 'disp1', 'cg1', 'town1', 'sup1', 'leader1'].map((n) => s.login(n)));
  const mk = async (extra) => (await op1.create(caseBody({ title: '超期统计', ...extra }))).case;
  const o1 = await mk({ class: '投诉', org: 'town.a' }); // due 03-11 00:00
  await disp1.must(o1.id, 'dispatch', { org: 'dept.cg' });
  await cg1.must(o1.id, 'sign', {});
  const o2 = await mk({ class: '咨询', org: 'town.a' }); // answered: closed, never overdue
  await op1.must(o2.id, 'answer', { answer: '已当场答复。' });
  const o3 = await mk({ class: '投诉', org: 'town.a' }); // town.a leads, dept.cg assists and answers
  await disp1.must(o3.id, 'dispatch', { orgs: ['town.a', 'dept.cg'], lead: 'town.a' });
  await town1.must(o3.id, 'sign', {});
  await cg1.must(o3.id, 'sign', {});
  await cg1.must(o3.id, 'reply', { reply: '协办意见。' });
  await mk({ class: '紧急', org: 'town.b' }); // due in 24 hours, never dispatched

  const stats = async (c, q = '') => {
    const r = await c.get(`/api/v1/stats/hotline?${q}`);
    assert.equal(r.status, 200, `stats ?${q}: ${r.text}`);
    return r.json;
  };
  assert.equal((await stats(sup1)).counts.overdue, 0, 'nothing is late yet');

  await s.setClock('2025-03-05T09:00:00+08:00');
  assert.equal((await stats(sup1)).counts.overdue, 1, 'the 紧急 case, due 03-04 09:00');

  await s.setClock('2025-03-12T09:00:00+08:00');
  const all = await stats(sup1, 'group=org');
  assert.equal(all.received, 4);
  assert.equal(all.counts.overdue, 3, 'o1, o3 and the 紧急 case; the answered one is closed');
  assert.equal((await stats(leader1)).counts.overdue, 3);
  // not limited by the period: a month with no receipts still shows them
  const jan = await stats(sup1, 'from=2025-01-01&to=2025-01-31');
  assert.equal(jan.received, 0);
  assert.equal(jan.counts.overdue, 3);
  // the scope: an org's own cases and those it has a live part of
  assert.equal((await stats(sup1, 'org=town.b')).counts.overdue, 1);
  assert.equal((await stats(sup1, 'org=town.a')).counts.overdue, 2);
  assert.equal((await stats(sup1, 'org=dept.cg')).counts.overdue, 2, 'o1, and o3 through its done part');
  // group=org: each unit's open parts past their due (dept.cg's o3 part is done)
  const g = Object.fromEntries(all.groups.map((x) => [x.key, x.counts.overdue]));
  assert.deepEqual(g, { 'dept.cg': 1, 'town.a': 1 });
  // day groups carry no overdue: it is not a count of a day's receipts
  const days = await stats(sup1, 'group=day');
  assert.ok(days.groups.length > 0 && days.groups.every((x) => !('overdue' in x.counts)));
  assert.equal(days.counts.overdue, 3);
  // a unit lead over dept.cg sees dept.cg's
  const cglead = await s.login('cglead');
  assert.equal((await stats(cglead)).counts.overdue, 2);
});
