// Work views over cases: caller history (GET /api/v1/callers?phone=) and the
// list filters of GET /api/v1/cases: queue=dispatch, due_soon=HOURS,
// status=a,b,c and problem=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, freshPhone } from './helpers.mjs';

const srv = await startServer();

const MASKED_PHONE = /^\d{3}\*{4}\d{4}$/;
const HOUR = 3600 * 1000;

/** GET /api/v1/callers as `who`; asserts 200 and returns the body. */
async function history(who, phone, extra = '') {
  const c = await srv.login(who);
  const r = await c.get(`/api/v1/callers?phone=${encodeURIComponent(phone)}${extra}`);
  assert.equal(r.status, 200, `callers ${phone} as ${who}: ${r.text}`);
  return r;
}

/** A new hotline case dispatched to dept.cg (status dispatched). */
async function dispatchedToCg(extra = {}) {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const c = (await op1.create(caseBody({ title: '队列测试工单', ...extra }))).case;
  return disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
}

test('caller history: earlier cases of the same phone, newest first, masked, with count and open', async () => {
  const op1 = await srv.login('op1');
  const phone = freshPhone('138');
  const other = freshPhone('139');
  const first = (await op1.create(caseBody({ title: '来电历史一', reporter: { name: '周建国', phone } }))).case;
  const second = (await op1.create(caseBody({
    title: '来电历史二', class: '咨询', reporter: { name: '周建国', phone }, org: 'town.b',
  }))).case;
  const stranger = (await op1.create(caseBody({ title: '他人来电', reporter: { name: '吴女士', phone: other } }))).case;
  // a 举报 of the same phone stays out: it would reveal a confidential reporter
  const secret = (await op1.create(caseBody({
    class: '举报', title: '来电历史举报', reporter: { name: '周建国', phone },
  }))).case;

  const r = await history('op1', phone);
  const ids = r.json.items.map((x) => x.id);
  assert.deepEqual(ids, [second.id, first.id], 'newest first, only this phone');
  assert.ok(!ids.includes(stranger.id) && !ids.includes(secret.id));
  assert.equal(r.json.count, 2);
  assert.equal(r.json.open, 2);
  assert.equal(r.json.next_cursor, null);
  const it = r.json.items[0];
  for (const k of ['id', 'no', 'type', 'class', 'channel', 'status', 'status_name', 'title', 'received_at', 'closed_at']) {
    assert.ok(k in it, `item has ${k}`);
  }
  assert.equal(it.no, second.no);
  assert.equal(it.class, '咨询');
  assert.equal(it.status, 'received');
  assert.equal(it.status_name, '已受理');
  assert.equal(it.closed_at, null);
  assert.match(it.reporter.phone, MASKED_PHONE);
  assert.equal(it.reporter.phone, `${phone.slice(0, 3)}****${phone.slice(-4)}`);
  assert.equal(it.reporter.name, '周**');
  assert.deepEqual(Object.keys(it.reporter).sort(), ['name', 'phone'], 'masked name and phone only');
  assert.ok(!r.text.includes(phone), 'never the clear phone');
  assert.ok(!r.text.includes('周建国'), 'never the clear name');
  assert.ok(!r.text.includes('description'), 'no case text beyond the title');

  // a closed case counts but is not open
  await op1.must(first.id, 'answer', { answer: '已电话答复来电人。' });
  const after = await history('op1', phone);
  assert.equal(after.json.count, 2);
  assert.equal(after.json.open, 1);
  const closed = after.json.items.find((x) => x.id === first.id);
  assert.equal(closed.status, 'closed');
  assert.ok(closed.closed_at);

  // the other phone finds only its own case; a phone never used finds nothing
  const o = await history('disp1', other);
  assert.deepEqual(o.json.items.map((x) => x.id), [stranger.id]);
  const none = await history('op1', freshPhone('150'));
  assert.deepEqual(none.json, { items: [], count: 0, open: 0, next_cursor: null });
});

test('caller history pages with limit and cursor', async () => {
  const op1 = await srv.login('op1');
  const phone = freshPhone('136');
  const made = [];
  for (let i = 0; i < 3; i++) {
    made.push((await op1.create(caseBody({ title: `分页来电 ${i}`, reporter: { name: '郑先生', phone } }))).case.id);
  }
  const p1 = await history('op1', phone, '&limit=2');
  assert.deepEqual(p1.json.items.map((x) => x.id), [made[2], made[1]]);
  assert.equal(p1.json.count, 3, 'count is the total, not the page');
  assert.equal(typeof p1.json.next_cursor, 'string');
  const p2 = await history('op1', phone, `&limit=2&cursor=${encodeURIComponent(p1.json.next_cursor)}`);
  assert.deepEqual(p2.json.items.map((x) => x.id), [made[0]]);
  assert.equal(p2.json.next_cursor, null);
  const dflt = await history('op1', phone);
  assert.equal(dflt.json.items.length, 3);
});

test('caller history shows only cases the caller may read', async () => {
  const op1 = await srv.login('op1');
  const phone = freshPhone('135');
  const inTownB = (await op1.create(caseBody({ title: '乙镇来电', org: 'town.b', reporter: { name: '冯女士', phone } }))).case;
  const inVillage = (await op1.create(caseBody({ title: '甲村来电', org: 'village.a1', reporter: { name: '冯女士', phone } }))).case;
  // op1 serves the county: both
  const all = await history('op1', phone);
  assert.deepEqual(all.json.items.map((x) => x.id).sort(), [inTownB.id, inVillage.id].sort());
  // the mediator of village.a1 may register cases but reads only the village
  const med = await history('med1', phone);
  assert.deepEqual(med.json.items.map((x) => x.id), [inVillage.id]);
  assert.equal(med.json.count, 1);
  assert.ok(!med.text.includes(inTownB.no));
});

test('caller history: 403 without case.create, 400 for a bad phone or limit, 401 signed out', async () => {
  const phone = freshPhone('137');
  for (const who of ['cg1', 'town1', 'leader1']) {
    const c = await srv.login(who);
    assertError(await c.get(`/api/v1/callers?phone=${phone}`), 403, 'permission.denied');
  }
  const op1 = await srv.login('op1');
  for (const bad of ['123', '1380013800', '138001380001', '12345678901', 'abcdefghijk', '1380013800x', '138 0013 8000']) {
    assertError(await op1.get(`/api/v1/callers?phone=${encodeURIComponent(bad)}`), 400, 'field.invalid', 'phone');
  }
  assertError(await op1.get('/api/v1/callers'), 400, undefined, 'phone');
  assertError(await op1.get('/api/v1/callers?phone='), 400, undefined, 'phone');
  for (const q of ['limit=0', 'limit=51', 'limit=x', 'cursor=abc', 'cursor=1.', 'cursor=.5']) {
    assertError(await op1.get(`/api/v1/callers?phone=${phone}&${q}`), 400, 'field.invalid');
  }
  assert.equal((await op1.get(`/api/v1/callers?phone=${phone}&limit=50`)).status, 200);
  // landlines and service numbers are phones too
  assert.equal((await op1.get('/api/v1/callers?phone=0797-8123456')).status, 200);
  const out = await srv.raw('GET', `/api/v1/callers?phone=${phone}`);
  assertError(out, 401);
});

test('queue=dispatch: undispatched, return and extension requests, overdue; not signed on-time work', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const cg1 = await srv.login('cg1');

  const fresh = (await op1.create(caseBody({ title: '待派单新件' }))).case;

  const ret = await dispatchedToCg({ title: '申请退单件' });
  await cg1.must(ret.id, 'return', { reason: '不属于本单位职责，申请退回。' });

  const ext = await dispatchedToCg({ title: '申请延期件' });
  await cg1.must(ext.id, 'sign', {});
  const extended = await cg1.must(ext.id, 'extend', { days: 3, reason: '需要协调多个部门现场核查。' });
  assert.equal(extended.status, 'extension_requested');

  const onTime = await dispatchedToCg({ title: '已签收未超期件' });
  const signed = await cg1.must(onTime.id, 'sign', {});
  assert.equal(signed.status, 'handling');
  assert.equal(signed.overdue, false);

  // the hotline's queue: its overdue cases (grid events have their own queues)
  const overdue = await disp1.listAll('type=hotline&overdue=1');
  assert.ok(overdue.length > 0, 'the demo has overdue cases');

  const queue = await disp1.listAll('queue=dispatch');
  const ids = new Set(queue.map((x) => x.id));
  assert.ok(ids.has(fresh.id), 'a new undispatched case');
  assert.ok(ids.has(ret.id), 'a return request');
  assert.ok(ids.has(ext.id), 'an extension request');
  for (const x of overdue) assert.ok(ids.has(x.id), `overdue case ${x.id} is in the queue`);
  assert.ok(!ids.has(onTime.id), 'not a signed case within its deadline');
  const WAITING = ['received', 'return_requested', 'extension_requested'];
  for (const x of queue) {
    assert.ok(WAITING.includes(x.status) || (x.overdue && x.closed_at === null),
      `case ${x.id} (${x.status}) belongs to the queue`);
  }
  // exactly the union of both conditions
  const all = await disp1.listAll('type=hotline');
  const expected = all.filter((x) => WAITING.includes(x.status) || (x.overdue && x.closed_at === null));
  assert.deepEqual([...ids].sort((a, b) => a - b), expected.map((x) => x.id).sort((a, b) => a - b));

  // the queue combines with other filters and stays within what the reader sees
  const onlyNew = await disp1.listAll('queue=dispatch&status=received');
  assert.ok(onlyNew.every((x) => x.status === 'received'));
  assert.ok(onlyNew.some((x) => x.id === fresh.id));
  const cgQueue = await cg1.listAll('queue=dispatch');
  assert.ok(!cgQueue.some((x) => x.id === fresh.id), 'cg1 does not see a town.a case');
  assert.ok(cgQueue.some((x) => x.id === ret.id));
});

test('due_soon=HOURS: open cases due within the hours', async () => {
  const op1 = await srv.login('op1');
  const urgent = (await op1.create(caseBody({ class: '紧急', title: '紧急时限件' }))).case;
  assert.equal(Date.parse(urgent.due_at) - Date.parse(urgent.received_at), 24 * HOUR);
  const answered = (await op1.create(caseBody({ class: '紧急', title: '紧急已答复件' }))).case;
  await op1.must(answered.id, 'answer', { answer: '已当场答复。' });
  const slow = (await op1.create(caseBody({ class: '投诉', title: '五个工作日件' }))).case;

  const within = async (h) => new Set((await op1.listAll(`due_soon=${h}`)).map((x) => x.id));
  const d24 = await within(24);
  assert.ok(d24.has(urgent.id), 'due in just under 24 h');
  assert.ok(!d24.has(answered.id), 'a closed case is never due');
  assert.ok(!d24.has(slow.id), 'five working days is more than a day');
  assert.ok(!(await within(23)).has(urgent.id), 'not due within 23 h');
  assert.ok((await within(720)).has(slow.id), 'due within 30 days');

  const t0 = Date.now();
  const list = await op1.listAll('due_soon=48');
  const t1 = Date.now();
  for (const x of list) {
    assert.equal(x.closed_at, null, `case ${x.id} is open`);
    const due = Date.parse(x.due_at);
    assert.ok(due >= t0 - 60000 && due < t1 + 48 * HOUR, `case ${x.id} due ${x.due_at}`);
    assert.equal(x.overdue, false, `case ${x.id} is not yet overdue`);
  }
});

test('status=a,b,c lists any of the statuses; one status still works', async () => {
  const admin = await srv.login('admin');
  const all = await admin.listAll();
  const count = (s) => all.filter((x) => x.status === s).length;
  const two = await admin.listAll('status=received,return_requested');
  assert.ok(two.every((x) => ['received', 'return_requested'].includes(x.status)));
  assert.equal(two.length, count('received') + count('return_requested'));
  assert.ok(count('received') > 0 && count('return_requested') > 0, 'the demo has both');
  const three = await admin.listAll('status=closed,handling,merged');
  assert.equal(three.length, count('closed') + count('handling') + count('merged'));
  const one = await admin.listAll('status=closed');
  assert.equal(one.length, count('closed'));
  assert.ok(one.every((x) => x.status === 'closed'));
  // an unknown status is refused, never an empty list (issue 8)
  assertError(await admin.get('/api/v1/cases?status=nosuch,alsono'), 400, 'field.invalid', 'status');
  assertError(await admin.get('/api/v1/cases?status=closed,nosuch'), 400, 'field.invalid', 'status');
  const states = (await admin.get('/api/v1/types/hotline')).json.states.map((s) => s.code);
  assert.equal(states.length, 10, 'the hotline has ten states');
  assert.equal((await admin.listAll(`status=${states.join(',')}`)).length,
    all.filter((x) => states.includes(x.status)).length, 'ten statuses are allowed');
  // a status text is data, never SQL
  assertError(await admin.get(`/api/v1/cases?status=${encodeURIComponent("closed') OR 1=1 --")}`), 400,
    'field.invalid', 'status');
});

test('class=a,b and channel=a,b list any of them, with each other and with status; unknown → 400', async () => {
  const admin = await srv.login('admin');
  const all = await admin.listAll();
  const by = (k, vals) => all.filter((x) => vals.includes(x[k])).length;
  const cls = await admin.listAll(`class=${encodeURIComponent('投诉,举报')}`);
  assert.ok(cls.every((x) => ['投诉', '举报'].includes(x.class)));
  assert.equal(cls.length, by('class', ['投诉', '举报']));
  assert.ok(by('class', ['举报']) > 0 && by('class', ['投诉']) > 0, 'the demo has both');
  const ch = await admin.listAll('channel=110,web');
  assert.ok(ch.every((x) => ['110', 'web'].includes(x.channel)));
  assert.equal(ch.length, by('channel', ['110', 'web']));
  assert.ok(by('channel', ['110']) > 0, 'the demo has 110 cases');
  const both = await admin.listAll(`type=hotline&class=${encodeURIComponent('求助')}&channel=110&status=received,closed,handling`);
  assert.equal(both.length, all.filter((x) => x.class === '求助' && x.channel === '110' &&
    ['received', 'closed', 'handling'].includes(x.status)).length);
  // empty is no filter
  assert.equal((await admin.listAll('class=&channel=')).length, all.length);
  // the ten classes and channels of the type are allowed together; an eleventh is not
  const t = (await admin.get('/api/v1/types/hotline')).json;
  const codes = t.classes.map((c) => c.code);
  assert.equal((await admin.listAll(`class=${encodeURIComponent(codes.join(','))}`)).length,
    all.filter((x) => x.type === 'hotline').length);
  for (const [q, field] of [
    ['class=nosuch', 'class'], [`class=${encodeURIComponent('投诉,')}`, 'class'], ['class=,', 'class'],
    [`class=${encodeURIComponent('投诉'.repeat(40))}`, 'class'],
    [`class=${encodeURIComponent(Array(11).fill('投诉').join(','))}`, 'class'],
    ['channel=PHONE', 'channel'], ['channel=phone,,web', 'channel'], ['channel=fax', 'channel'],
    [`channel=${encodeURIComponent("phone') OR 1=1 --")}`, 'channel'],
  ]) {
    assertError(await admin.get(`/api/v1/cases?${q}`), 400, 'field.invalid', field);
  }
});

test('problem=1 lists flagged 问题工单; problem=0 the others', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const c = (await op1.create(caseBody({ title: '多部门流转问题件' }))).case;
  const d = await disp1.must(c.id, 'dispatch', {
    orgs: ['dept.cg', 'dept.zj', 'dept.sthj', 'dept.sl'], lead: 'dept.cg',
  });
  assert.equal(d.fields.problem, true, `four units flag the case: ${JSON.stringify(d.fields)}`);
  const admin = await srv.login('admin');
  const all = await admin.listAll();
  const flagged = await admin.listAll('problem=1');
  const plain = await admin.listAll('problem=0');
  assert.ok(flagged.some((x) => x.id === c.id));
  assert.ok(flagged.every((x) => x.fields.problem === true));
  assert.ok(!plain.some((x) => x.id === c.id));
  assert.ok(plain.every((x) => x.fields.problem !== true));
  assert.equal(flagged.length + plain.length, all.length);
});

test('bad list filters → 400, and nothing else happens', async () => {
  const disp1 = await srv.login('disp1');
  const cases = [
    ['queue=nosuch', 'queue'], ['queue=DISPATCH', 'queue'],
    ['due_soon=0', 'due_soon'], ['due_soon=721', 'due_soon'], ['due_soon=abc', 'due_soon'],
    ['due_soon=-5', 'due_soon'], ['due_soon=', 'due_soon'], ['due_soon=1.5', 'due_soon'],
    ['problem=2', 'problem'], ['problem=yes', 'problem'], ['problem=', 'problem'],
    ['status=a,,b', 'status'], ['status=,', 'status'], ['status=closed,', 'status'],
    [`status=${Array.from({ length: 11 }, (_, i) => `s${i}`).join(',')}`, 'status'],
    [`status=${'x'.repeat(65)}`, 'status'],
  ];
  for (const [q, field] of cases) {
    assertError(await disp1.get(`/api/v1/cases?${q}`), 400, 'field.invalid', field);
  }
  // empty queue and status mean no filter
  assert.equal((await disp1.get('/api/v1/cases?queue=&status=')).status, 200);
  assert.equal((await disp1.get('/api/v1/cases?due_soon=720&problem=0&status=received')).status, 200);
});
