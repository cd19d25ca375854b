// Scenario tests for the 12345 closed loop (受理、流转、处置、反馈、回访) of
// the hotline type (config/types/hotline.json), black-box through the HTTP
// API: direct answers, lead + assisting units, returns (退单) and
// re-dispatch (改派), extensions (延期) with the paused clock, reply approval
// by the unit lead, callbacks and reopening (发回重办), problem cases (问题工单),
// urge / supervise (催办 / 督办) and their notices, automatic 催办 on overdue
// timers, concurrency, the 110 linkage rules (先行受理) and confidential
// reporters.
//
// The server runs with the test clock; every test sets the business clock
// first, to a date whose working-day status was checked against
// config/calendar/cn-workdays.json. Expected deadlines are literal strings
// worked out by hand from that calendar (DESIGN §4: N working days end at
// 24:00 of the Nth working day after the day of the start; N working hours
// count 08:30–12:00 and 14:00–17:30 on working days).
//
// 2024 calendar facts used here: 03-04 is a Monday (no holidays in March);
// 2024-02-04 (Sun) and 2024-02-18 (Sun) are make-up working days, 02-10…02-17
// are off; 2024-09-29 (Sun) and 2024-10-12 (Sat) are make-up working days,
// 10-01…10-07 are off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, freshPhone } from './helpers.mjs';

const srv = await startServer({ cases: false, testClock: true });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const LOGINS = ['op1', 'disp1', 'sup1', 'leader1', 'cg1', 'cglead', 'zj1', 'town1', 'town2', 'admin'];
async function users() {
  const out = {};
  for (const n of LOGINS) out[n] = await srv.login(n);
  return out;
}

/** Sets the business clock and checks the server took it. */
async function clock(iso) {
  const r = await srv.setClock(iso);
  assert.equal(Date.parse(r.now), Date.parse(iso), `clock set to ${iso}: ${JSON.stringify(r)}`);
}

async function newCase(extra = {}) {
  const op1 = await srv.login('op1');
  return (await op1.create(caseBody({ title: '闭环场景工单', ...extra }))).case;
}

/** The one live (not cancelled) assignment of org. */
function asgOf(c, org) {
  const xs = c.assignments.filter((a) => a.org.code === org && a.status !== 'cancelled');
  assert.equal(xs.length, 1, `one live assignment of ${org}: ${JSON.stringify(c.assignments)}`);
  return xs[0];
}
const codes = (c) => c.actions.map((a) => a.code).sort();

async function eventsOf(id, action) {
  const admin = await srv.login('admin');
  const ev = await admin.events(id);
  return action ? ev.filter((e) => e.action === action) : ev;
}
/** The case's steps: events without pii.view and without the scheduler's timer events and auto-urges. */
async function steps(id) {
  const ev = await eventsOf(id);
  return ev.filter((e) => e.action !== 'pii.view' && !e.action.startsWith('timer.') && e.actor !== null);
}

/** A case registered by op1 (owned by town.a) and dispatched to org (or {orgs, lead}). */
async function dispatched(target, extra = {}) {
  const disp1 = await srv.login('disp1');
  const c = await newCase(extra);
  const body = typeof target === 'string' ? { org: target } : target;
  return disp1.must(c.id, 'dispatch', body);
}

/** Org id of an org code, walking GET /api/v1/orgs as admin. */
async function orgId(code) {
  const admin = await srv.login('admin');
  const top = await admin.get('/api/v1/orgs');
  assert.equal(top.status, 200, top.text);
  const queue = top.json.items.map((o) => o.id);
  for (const o of top.json.items) if (o.code === code) return o.id;
  const seen = new Set();
  while (queue.length) {
    const id = queue.shift();
    if (seen.has(id)) continue;
    seen.add(id);
    const r = await admin.get(`/api/v1/orgs?parent=${id}`);
    assert.equal(r.status, 200, r.text);
    for (const o of r.json.items) {
      if (o.code === code) return o.id;
      queue.push(o.id);
    }
  }
  throw new Error(`no org ${code}`);
}

// ---------------------------------------------------------------------------
// 1. intake: answer directly, or dispatch

test('operator registers a call (class, channel, description, location, reporter) and answers it directly → closed', async () => {
  const u = await users();
  await clock('2024-03-04T09:00:00+08:00'); // Monday
  const phone = freshPhone('139');
  const r = await u.op1.post('/api/v1/cases', {
    type: 'hotline',
    class: '咨询',
    channel: 'wechat',
    title: '咨询居住证办理材料',
    description: '来电人咨询在本县办理居住证需要准备哪些材料，在哪里办理。',
    location: { lat: 25.7866, lng: 114.8749, address: '濂江县濂江镇建设路1号' },
    reporter: { name: '周女士', phone },
    org: 'town.a',
  });
  assert.equal(r.status, 201, r.text);
  const c = r.json.case;
  assert.equal(c.status, 'received');
  assert.equal(c.class, '咨询');
  assert.equal(c.channel, 'wechat');
  assert.equal(c.org.code, 'town.a');
  assert.equal(c.description, '来电人咨询在本县办理居住证需要准备哪些材料，在哪里办理。');
  assert.equal(c.location.address, '濂江县濂江镇建设路1号');
  assert.equal(c.location.lat, 25.7866);
  assert.equal(c.reporter.name, '周女士');
  assert.equal(c.reporter.phone, phone);
  assert.equal(c.received_at, '2024-03-04T09:00:00+08:00');
  // 咨询: 2 working days after 03-04 → 03-05, 03-06 → 24:00 of 03-06
  assert.equal(c.due_at, '2024-03-07T00:00:00+08:00');
  assert.ok(codes(c).includes('answer'), `op1 may answer: ${codes(c)}`);
  assert.ok(!codes(c).includes('dispatch'), 'an operator does not dispatch');

  // only operators answer directly, and the answer is required
  assertError(await u.disp1.act(c.id, 'answer', { answer: '派单员答复' }), 403, 'permission.denied');
  assertError(await u.op1.act(c.id, 'answer', {}), 400, 'field.required', 'answer');
  await clock('2024-03-04T09:12:00+08:00');
  const x = await u.op1.must(c.id, 'answer', { answer: '请携带身份证、租房合同到镇便民服务中心办理。', version: c.version });
  assert.equal(x.status, 'closed');
  assert.equal(x.fields.answer, '请携带身份证、租房合同到镇便民服务中心办理。');
  assert.equal(x.closed_at, '2024-03-04T09:12:00+08:00');
  assert.equal(x.version, c.version + 1);
  assert.deepEqual(x.assignments, []);
  assert.deepEqual((await steps(c.id)).map((e) => [e.action, e.to, e.actor.login]),
    [['create', 'received', 'op1'], ['answer', 'closed', 'op1']]);
  assertError(await u.disp1.act(c.id, 'dispatch', { org: 'dept.cg' }), 409, 'case.action_not_allowed');
});

test('operator registers; the dispatcher dispatches → dispatched, one pending assignment with its deadlines', async () => {
  const u = await users();
  await clock('2024-03-04T09:00:00+08:00');
  const c = await newCase({ class: '投诉' });
  assertError(await u.op1.act(c.id, 'dispatch', { org: 'dept.cg' }), 403, 'permission.denied');
  assert.ok(codes(await u.disp1.case(c.id)).includes('dispatch'));
  await clock('2024-03-04T10:00:00+08:00');
  const d = await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg', version: c.version });
  assert.equal(d.status, 'dispatched');
  assert.equal(d.assignments.length, 1);
  const a = d.assignments[0];
  assert.equal(a.org.code, 'dept.cg');
  assert.equal(a.kind, 'lead');
  assert.equal(a.status, 'pending');
  assert.equal(a.dispatched_at, '2024-03-04T10:00:00+08:00');
  assert.equal(a.sign_due_at, '2024-03-04T12:00:00+08:00'); // 2 working hours: 10:00–12:00
  assert.equal(a.due_at, '2024-03-12T00:00:00+08:00'); // 投诉 5: 03-05 06 07 08 11
  assertError(await u.op1.act(c.id, 'answer', { answer: '直接答复' }), 409, 'case.action_not_allowed');
  assert.deepEqual(codes(await u.cg1.case(c.id)), ['return', 'sign']);
  // a unit the case was not sent to does not see it at all
  assertError(await u.zj1.get(`/api/v1/cases/${c.id}`), 404);
  assertError(await u.zj1.act(c.id, 'sign', {}), 404);
});

// ---------------------------------------------------------------------------
// 2. lead + assisting units

test('lead + assisting unit: both sign; the assist replies first; replied only once the lead replies too', async () => {
  const u = await users();
  await clock('2024-03-05T14:30:00+08:00'); // Tuesday afternoon
  const d = await dispatched({ orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' }, { class: '求助' });
  assert.equal(d.status, 'dispatched');
  assert.equal(asgOf(d, 'dept.cg').kind, 'lead');
  assert.equal(asgOf(d, 'town.a').kind, 'assist');
  for (const a of d.assignments) {
    assert.equal(a.status, 'pending');
    assert.equal(a.sign_due_at, '2024-03-05T16:30:00+08:00'); // 14:30 + 2 working hours
    assert.equal(a.due_at, '2024-03-09T00:00:00+08:00'); // 求助 3: 03-06 07 08
  }
  let x = await u.cg1.must(d.id, 'sign', {});
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'dept.cg').status, 'signed');
  assert.equal(asgOf(x, 'dept.cg').signed_at, '2024-03-05T14:30:00+08:00');
  assert.equal(asgOf(x, 'town.a').status, 'pending');
  x = await u.town1.must(d.id, 'sign', {});
  assert.equal(x.status, 'handling');

  x = await u.town1.must(d.id, 'reply', { reply: '协办：已配合现场核查。' });
  assert.equal(x.status, 'handling', 'the assist alone does not finish the case');
  assert.equal(asgOf(x, 'town.a').status, 'done');
  assert.equal(asgOf(x, 'dept.cg').status, 'signed');
  assertError(await u.sup1.act(d.id, 'review', {}), 409, 'case.action_not_allowed');
  assertError(await u.town1.act(d.id, 'reply', { reply: '再答复' }), 409, 'case.action_not_allowed');

  x = await u.cg1.must(d.id, 'reply', { reply: '主办：已清理占道经营。' });
  assert.equal(x.status, 'replied');
  assert.ok(x.assignments.every((a) => a.status === 'done'));
  assert.equal(x.fields.reply, '主办：已清理占道经营。');
  assert.deepEqual((await steps(d.id)).map((e) => [e.action, e.to, e.actor.login]), [
    ['create', 'received', 'op1'], ['dispatch', 'dispatched', 'disp1'], ['sign', 'handling', 'cg1'],
    ['sign', 'handling', 'town1'], ['reply', 'handling', 'town1'], ['reply', 'replied', 'cg1']]);
});

// ---------------------------------------------------------------------------
// 3. returns (退单) and re-dispatch (改派)

test('return within 2 working days (across the Spring Festival) → approve_return → received → re-dispatch to the right unit', async () => {
  const u = await users();
  await clock('2024-02-08T10:00:00+08:00'); // Thursday before the holiday
  const d = await dispatched('dept.cg', { class: '投诉' });
  // the window ends at 24:00 of the 2nd working day after 02-08: 02-09, 02-18 (make-up Sunday)
  await clock('2024-02-18T16:00:00+08:00');
  assertError(await u.cg1.act(d.id, 'return', {}), 400, 'field.required', 'reason');
  let x = await u.cg1.must(d.id, 'return', { reason: '违建拆除属住建部门职责，申请退回改派。' });
  assert.equal(x.status, 'return_requested');
  assert.equal(asgOf(x, 'dept.cg').status, 'return_requested');
  assert.deepEqual(codes(await u.disp1.case(d.id)).filter((a) => a.endsWith('_return')), ['approve_return', 'reject_return']);
  assertError(await u.cg1.act(d.id, 'approve_return', {}), 403, 'permission.denied');
  assertError(await u.sup1.act(d.id, 'approve_return', {}), 403, 'permission.denied');

  x = await u.disp1.must(d.id, 'approve_return', { comment: '同意退回，改派住建局。' });
  assert.equal(x.status, 'received');
  assert.equal(x.assignments.length, 1);
  assert.equal(x.assignments[0].status, 'cancelled');
  assertError(await u.cg1.get(`/api/v1/cases/${d.id}`), 404);

  x = await u.disp1.must(d.id, 'dispatch', { org: 'dept.zj' });
  assert.equal(x.status, 'dispatched');
  assert.equal(x.assignments.length, 2);
  assert.equal(x.assignments.find((a) => a.org.code === 'dept.cg').status, 'cancelled');
  const zj = asgOf(x, 'dept.zj');
  assert.equal(zj.status, 'pending');
  assert.equal(zj.dispatched_at, '2024-02-18T16:00:00+08:00');
  assert.equal(zj.sign_due_at, '2024-02-19T09:00:00+08:00'); // 16:00–17:30, then 08:30–09:00
  assert.equal(zj.due_at, '2024-02-24T00:00:00+08:00'); // 02-19 20 21 22 23
  x = await u.zj1.must(d.id, 'sign', {});
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'dept.zj').status, 'signed');
  assertError(await u.cg1.act(d.id, 'sign', {}), 404);
  assert.deepEqual((await steps(d.id)).map((e) => [e.action, e.to]), [
    ['create', 'received'], ['dispatch', 'dispatched'], ['return', 'return_requested'],
    ['approve_return', 'received'], ['dispatch', 'dispatched'], ['sign', 'handling']]);
});

test('reject_return needs a reason and sends the unit back to work (even an unsigned one)', async () => {
  const u = await users();
  await clock('2024-03-06T09:00:00+08:00'); // Wednesday
  const d = await dispatched('dept.cg');
  await clock('2024-03-06T09:20:00+08:00');
  let x = await u.cg1.must(d.id, 'return', { reason: '不属于本单位职责。' });
  assert.equal(x.status, 'return_requested');
  assertError(await u.disp1.act(d.id, 'reject_return', {}), 400, 'field.required', 'reason');
  assertError(await u.cg1.act(d.id, 'reject_return', { reason: '自己驳回' }), 403, 'permission.denied');
  await clock('2024-03-06T09:40:00+08:00');
  x = await u.disp1.must(d.id, 'reject_return', { reason: '属城管执法范围，请依法办理。' });
  assert.equal(x.status, 'handling');
  const a = asgOf(x, 'dept.cg');
  assert.equal(a.status, 'signed');
  assert.equal(a.signed_at, '2024-03-06T09:40:00+08:00');
  assert.deepEqual(codes(await u.cg1.case(d.id)).filter((c) => ['reply', 'sign'].includes(c)), ['reply']);
  x = await u.cg1.must(d.id, 'reply', { reply: '已依法处理。' });
  assert.equal(x.status, 'replied');
  const rej = await eventsOf(d.id, 'reject_return');
  assert.equal(rej.length, 1);
  assert.equal(rej[0].payload.reason, '属城管执法范围，请依法办理。');
});

test('a return asked after the 2-working-day window → 409; just inside it → 200', async () => {
  const u = await users();
  await clock('2024-02-08T10:00:00+08:00');
  const late = await dispatched('dept.cg');
  const inTime = await dispatched('dept.cg');
  // window: 24:00 of 02-18 (02-09, then the make-up Sunday 02-18)
  await clock('2024-02-18T23:59:00+08:00');
  const ok = await u.cg1.must(inTime.id, 'return', { reason: '非本单位职责。' });
  assert.equal(ok.status, 'return_requested');
  await clock('2024-02-19T08:31:00+08:00');
  const r = await u.cg1.act(late.id, 'return', { reason: '非本单位职责。' });
  assertError(r, 409, 'case.action_not_allowed');
  const now = await u.admin.case(late.id);
  assert.equal(now.status, 'dispatched');
  assert.equal(now.version, late.version);
  assert.equal(asgOf(now, 'dept.cg').status, 'pending');
  assert.equal((await eventsOf(late.id, 'return')).length, 0);
  // after the window the unit can still sign and work on it
  assert.equal((await u.cg1.must(late.id, 'sign', {})).status, 'handling');
});

test('an assisting unit\'s approved return leaves the lead working (case stays handling)', async () => {
  const u = await users();
  await clock('2024-03-06T10:00:00+08:00');
  const d = await dispatched({ orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.cg1.must(d.id, 'sign', {});
  let x = await u.town1.must(d.id, 'return', { reason: '该事项不属于本镇职责。' });
  // only the assisting unit's part waits for the dispatcher: the case stays with the lead's work
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'town.a').status, 'return_requested');
  x = await u.disp1.must(d.id, 'approve_return', {});
  assert.equal(x.status, 'handling');
  assert.equal(x.assignments.find((a) => a.org.code === 'town.a').status, 'cancelled');
  assert.equal(asgOf(x, 'dept.cg').status, 'signed');
  x = await u.cg1.must(d.id, 'reply', { reply: '主办单位已办结。' });
  assert.equal(x.status, 'replied', 'the cancelled assist does not hold the case back');
});

// ---------------------------------------------------------------------------
// 4. extensions (延期) and the paused clock

test('extend: validation, pause while under review, approve fewer days than asked; the due date crosses National Day', async () => {
  const u = await users();
  await clock('2024-09-20T09:00:00+08:00'); // Friday
  const d = await dispatched('dept.cg', { class: '投诉' });
  // 投诉 5 working days from 09-20: 09-23 24 25 26 27 → 24:00 of 09-27
  assert.equal(d.due_at, '2024-09-28T00:00:00+08:00');
  assert.equal(asgOf(d, 'dept.cg').due_at, '2024-09-28T00:00:00+08:00');
  // a second case that will get the days it asked for
  const d2 = await dispatched('dept.cg', { class: '投诉' });
  // not before signing (extend acts on a signed assignment of a handling case)
  assertError(await u.cg1.act(d.id, 'extend', { days: 3, reason: '需协调多个部门。' }), 409, 'case.action_not_allowed');
  await u.cg1.must(d.id, 'sign', {});
  await u.cg1.must(d2.id, 'sign', {});

  await clock('2024-09-25T10:00:00+08:00'); // Wednesday
  assertError(await u.cg1.act(d.id, 'extend', { days: 0, reason: '需协调。' }), 400, 'field.invalid', 'days');
  assertError(await u.cg1.act(d.id, 'extend', { days: 11, reason: '需协调。' }), 400, 'field.invalid', 'days');
  assertError(await u.cg1.act(d.id, 'extend', { days: 3 }), 400, 'field.required', 'reason');
  assertError(await u.cg1.act(d.id, 'extend', { reason: '需协调。' }), 400, 'field.required', 'days');
  assertError(await u.disp1.act(d.id, 'extend', { days: 3, reason: '需协调。' }), 403, 'permission.denied');
  let x = await u.cg1.must(d.id, 'extend', { days: 3, reason: '需协调供电公司迁移线杆。' });
  assert.equal(x.status, 'extension_requested');
  assert.equal(asgOf(x, 'dept.cg').status, 'extension_requested');
  assert.equal(x.fields.extension_days, 3);
  assertError(await u.cg1.act(d.id, 'extend', { days: 3, reason: '再次申请。' }), 409, 'case.action_not_allowed');
  assertError(await u.cg1.act(d.id, 'reply', { reply: '审核期间答复' }), 409, 'case.action_not_allowed');
  assertError(await u.cg1.act(d.id, 'approve_extension', {}), 403, 'permission.denied');

  // granting more than was asked is refused, and changes nothing
  const before = await u.admin.case(d.id);
  assertError(await u.disp1.act(d.id, 'approve_extension', { days: 4 }), 400, 'field.invalid', 'days');
  const same = await u.admin.case(d.id);
  assert.equal(same.version, before.version);
  assert.equal(same.status, 'extension_requested');
  assert.equal(same.due_at, before.due_at);

  // d2: asked 4, approved as asked (no days in the body), no time passes under review
  await u.cg1.must(d2.id, 'extend', { days: 4, reason: '需等待检测报告。' });
  x = await u.disp1.must(d2.id, 'approve_extension', {});
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'dept.cg').status, 'signed');
  // 24:00 of 09-27 + 4 working days: 09-29 (make-up Sunday), 09-30, 10-08, 10-09
  assert.equal(asgOf(x, 'dept.cg').due_at, '2024-10-10T00:00:00+08:00');
  assert.equal(x.due_at, '2024-10-10T00:00:00+08:00');

  // d: one working day (09-26) passes while the request is under review
  await clock('2024-09-26T10:00:00+08:00');
  x = await u.disp1.must(d.id, 'approve_extension', { days: 2, comment: '同意延期2个工作日。' });
  assert.equal(x.status, 'handling');
  const a = asgOf(x, 'dept.cg');
  assert.equal(a.status, 'signed');
  // paused 1 working day: 24:00 of 09-27 → 24:00 of 09-29 (make-up Sunday);
  // + 2 approved working days: 09-30, then 10-08 (10-01…10-07 off) → 24:00 of 10-08
  assert.equal(a.due_at, '2024-10-09T00:00:00+08:00');
  assert.equal(x.due_at, '2024-10-09T00:00:00+08:00');
  assert.equal(x.fields.extension_count, 1);
  const ev = await eventsOf(d.id, 'approve_extension');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].payload.extended_days, 2);
  assert.equal(ev[0].from, 'extension_requested');
  assert.equal(ev[0].to, 'handling');
  // the unit carries on with the new deadline
  await clock('2024-10-08T17:00:00+08:00');
  x = await u.cg1.must(d.id, 'reply', { reply: '线杆已迁移，道路已恢复通行。' });
  assert.equal(x.status, 'replied');
});

test('extend after the unit\'s deadline → 409; a 紧急 case cannot be extended (guard) → 409', async () => {
  const u = await users();
  await clock('2024-03-04T09:00:00+08:00');
  const d = await dispatched('dept.cg', { class: '咨询' });
  assert.equal(asgOf(d, 'dept.cg').due_at, '2024-03-07T00:00:00+08:00'); // 03-05, 03-06
  await u.cg1.must(d.id, 'sign', {});
  const urgent = await dispatched('dept.cg', { class: '紧急' });
  assert.equal(asgOf(urgent, 'dept.cg').due_at, '2024-03-05T09:00:00+08:00'); // 24 clock hours
  assert.equal(urgent.due_at, '2024-03-05T09:00:00+08:00');
  await u.cg1.must(urgent.id, 'sign', {});
  const r = await u.cg1.act(urgent.id, 'extend', { days: 1, reason: '需要更多时间。' });
  assertError(r, 409, 'case.action_not_allowed');
  assert.ok(r.json.error.message.includes('紧急'), `guard message: ${r.json.error.message}`);
  assert.equal((await u.admin.case(urgent.id)).status, 'handling');

  await clock('2024-03-07T08:40:00+08:00'); // past 24:00 of 03-06
  assertError(await u.cg1.act(d.id, 'extend', { days: 2, reason: '逾期后申请。' }), 409, 'case.action_not_allowed');
  const now = await u.admin.case(d.id);
  assert.equal(now.status, 'handling');
  assert.equal(asgOf(now, 'dept.cg').status, 'signed');
  assert.equal((await eventsOf(d.id, 'extend')).length, 0);
});

test('a second extension after an approved one: a weekend under review counts as the one working day in it', async () => {
  const u = await users();
  await clock('2024-03-04T09:00:00+08:00'); // Monday
  const d = await dispatched('dept.cg', { class: '投诉' });
  assert.equal(asgOf(d, 'dept.cg').due_at, '2024-03-12T00:00:00+08:00'); // 03-05 06 07 08 11
  await u.cg1.must(d.id, 'sign', {});
  await clock('2024-03-05T10:00:00+08:00');
  await u.cg1.must(d.id, 'extend', { days: 1, reason: '第一次延期。' });
  let x = await u.disp1.must(d.id, 'approve_extension', {});
  assert.equal(asgOf(x, 'dept.cg').due_at, '2024-03-13T00:00:00+08:00'); // + 03-12
  assert.equal(x.due_at, '2024-03-13T00:00:00+08:00');
  await clock('2024-03-08T10:00:00+08:00'); // Friday
  await u.cg1.must(d.id, 'extend', { days: 1, reason: '第二次延期。' });
  await clock('2024-03-11T10:00:00+08:00'); // Monday: Sat, Sun off, Mon 03-11 is the one working day paused
  x = await u.disp1.must(d.id, 'reject_extension', { reason: '不再延期。' });
  // 24:00 of 03-12 + 1 paused working day → 24:00 of 03-13 (not 72 clock hours later)
  assert.equal(asgOf(x, 'dept.cg').due_at, '2024-03-14T00:00:00+08:00');
  assert.equal(x.due_at, '2024-03-14T00:00:00+08:00');
  assert.equal(x.fields.extension_count, 1);
});

test('while an extension is under review the clock is paused: the old deadline passes without an overdue', async () => {
  const u = await users();
  await clock('2024-03-04T09:00:00+08:00'); // Monday
  const d = await dispatched('dept.cg', { class: '咨询' });
  assert.equal(asgOf(d, 'dept.cg').due_at, '2024-03-07T00:00:00+08:00'); // 03-05, 03-06
  await u.cg1.must(d.id, 'sign', {});
  await clock('2024-03-06T10:00:00+08:00');
  await u.cg1.must(d.id, 'extend', { days: 2, reason: '需等待第三方检测。' });
  await clock('2024-03-07T10:00:00+08:00'); // past the old deadline, still under review
  await sleep(1500); // the scheduler ticks every second
  const timers = (await eventsOf(d.id)).filter((e) => e.action === 'timer.overdue' || (e.action === 'urge' && e.actor === null));
  assert.deepEqual(timers, [], 'paused timers do not fall due');
  const x = await u.disp1.must(d.id, 'approve_extension', {});
  // paused one working day (03-07): 24:00 of 03-06 → 24:00 of 03-07; + 2 days: 03-08, 03-11
  assert.equal(asgOf(x, 'dept.cg').due_at, '2024-03-12T00:00:00+08:00');
  assert.equal(x.due_at, '2024-03-12T00:00:00+08:00');
  assert.equal(x.overdue, false);
});

/** A 投诉 received Fri 2024-09-20 09:00, dispatched to dept.cg Mon 09-23 09:00 and signed,
 * extension asked Wed 09-25 10:00, then one working day (09-26) under review. */
async function extensionUnderReview(u) {
  await clock('2024-09-20T09:00:00+08:00'); // Friday: received
  const c = await newCase({ class: '投诉' });
  assert.equal(c.due_at, '2024-09-28T00:00:00+08:00'); // 09-23 24 25 26 27
  await clock('2024-09-23T09:00:00+08:00'); // Monday: dispatched
  const d = await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  assert.equal(asgOf(d, 'dept.cg').due_at, '2024-09-30T00:00:00+08:00'); // 09-24 25 26 27 29
  await u.cg1.must(c.id, 'sign', {});
  await clock('2024-09-25T10:00:00+08:00');
  await u.cg1.must(c.id, 'extend', { days: 2, reason: '需等待鉴定结果。' });
  await clock('2024-09-26T10:00:00+08:00'); // one working day under review
  return c;
}

test('reject_extension needs a reason, resumes the clock, and moves the case deadline by the paused working day', async () => {
  const u = await users();
  const c = await extensionUnderReview(u);
  assertError(await u.disp1.act(c.id, 'reject_extension', {}), 400, 'field.required', 'reason');
  assertError(await u.cg1.act(c.id, 'reject_extension', { reason: '自己驳回' }), 403, 'permission.denied');
  const x = await u.disp1.must(c.id, 'reject_extension', { reason: '时限内可以办结。' });
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'dept.cg').status, 'signed');
  assert.equal(x.fields.extension_count, undefined, 'a refused extension is not counted');
  // case: 24:00 of 09-27 + 1 paused working day → 24:00 of 09-29 (make-up Sunday)
  assert.equal(x.due_at, '2024-09-30T00:00:00+08:00');
  const ev = await eventsOf(c.id, 'reject_extension');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].payload.reason, '时限内可以办结。');
  assert.equal(ev[0].payload.due_at, '2024-09-30T00:00:00+08:00');
  assert.equal((await u.cg1.must(c.id, 'reply', { reply: '已按期办结。' })).status, 'replied');
});

test('reject_extension: the assignment\'s deadline moves by its own paused working days', async () => {
  const u = await users();
  const c = await extensionUnderReview(u);
  const x = await u.disp1.must(c.id, 'reject_extension', { reason: '时限内可以办结。' });
  // assignment: 24:00 of 09-29 + 1 paused working day → 24:00 of 09-30
  // (its handle timer is indeed due then: the scheduler fires it at 2024-10-01T00:00)
  assert.equal(asgOf(x, 'dept.cg').due_at, '2024-10-01T00:00:00+08:00');
});

test('a paused clock: an extension under review for part of a morning does not move whole-day deadlines', async () => {
  const u = await users();
  await clock('2024-03-11T09:00:00+08:00'); // Monday
  const d = await dispatched({ orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' }, { class: '投诉' });
  assert.equal(d.due_at, '2024-03-19T00:00:00+08:00'); // 03-12 13 14 15 18
  await u.cg1.must(d.id, 'sign', {});
  // town.a has not signed: its 2-working-hour sign-for clock (due 11:00) runs
  await clock('2024-03-11T09:30:00+08:00');
  await u.cg1.must(d.id, 'extend', { days: 2, reason: '需现场勘验。' });
  await clock('2024-03-11T10:30:00+08:00'); // 1 working hour, 0 working days under review
  const x = await u.disp1.must(d.id, 'reject_extension', { reason: '无需延期。' });
  assert.equal(x.status, 'handling');
  assert.equal(x.due_at, '2024-03-19T00:00:00+08:00', 'the case deadline (working days) does not move');
  assert.equal(asgOf(x, 'dept.cg').due_at, '2024-03-19T00:00:00+08:00', 'nor the lead\'s');
  assert.equal(asgOf(x, 'town.a').due_at, '2024-03-19T00:00:00+08:00', 'nor the assist\'s');
  // the pending sign-for (working hours) did run late by the hour under review
  assert.equal(asgOf(x, 'town.a').sign_due_at, '2024-03-11T12:00:00+08:00');
});

// ---------------------------------------------------------------------------
// 5. reply approval by the unit lead (a per-unit setting)

test('reply approval: admin turns it on for dept.cg; replies wait for the unit lead; reject sends back; off again → straight through', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00'); // Tuesday
  const cgId = await orgId('dept.cg');
  const path = `/api/v1/orgs/${cgId}`;
  // only admins change unit settings; only known boolean settings
  assertError(await u.cglead.req('PATCH', path, { settings: { reply_approval: true } }), 403, 'permission.denied');
  assertError(await u.cg1.req('PATCH', path, { settings: { reply_approval: true } }), 403, 'permission.denied');
  assertError(await u.admin.req('PATCH', path, { settings: { no_such_setting: true } }), 400, 'field.unknown');
  assertError(await u.admin.req('PATCH', path, { settings: { reply_approval: 'yes' } }), 400, 'field.invalid');
  assertError(await u.admin.req('PATCH', path, { settings: {} }), 400);
  assert.notEqual((await u.admin.get(path)).json.settings.reply_approval, true, 'off in the demo');

  const on = await u.admin.req('PATCH', path, { settings: { reply_approval: true } });
  assert.equal(on.status, 200, on.text);
  assert.equal(on.json.settings.reply_approval, true);
  try {
    assert.equal((await u.admin.get(path)).json.settings.reply_approval, true);
    const d = await dispatched('dept.cg');
    await u.cg1.must(d.id, 'sign', {});
    let x = await u.cg1.must(d.id, 'reply', { reply: '答复初稿：已现场处置。' });
    assert.equal(x.status, 'handling', 'the reply waits for the unit lead');
    assert.equal(asgOf(x, 'dept.cg').status, 'approval_pending');
    const replyEv = (await eventsOf(d.id, 'reply')).at(-1);
    assert.equal(replyEv.payload.approval, 'approval_pending');
    assert.deepEqual(codes(await u.cglead.case(d.id)).filter((a) => a.endsWith('_reply')), ['approve_reply', 'reject_reply']);
    assert.ok(!codes(await u.cg1.case(d.id)).includes('approve_reply'));
    assertError(await u.sup1.act(d.id, 'review', {}), 409, 'case.action_not_allowed');

    // the engine's order: role (403) before body (400) before version (409) before state (409)
    assertError(await u.cg1.act(d.id, 'approve_reply', {}), 403, 'permission.denied');
    assertError(await u.cg1.act(d.id, 'approve_reply', { bogus: 1, version: 1 }), 403, 'permission.denied');
    assertError(await u.sup1.act(d.id, 'approve_reply', {}), 403, 'permission.denied');
    assertError(await u.cglead.act(d.id, 'approve_reply', { bogus: 1, version: x.version - 1 }), 400, 'field.unknown');
    assertError(await u.cglead.act(d.id, 'approve_reply', { version: x.version - 1 }), 409, 'case.version_conflict');
    assertError(await u.cglead.act(d.id, 'reject_reply', {}), 400, 'field.required', 'reason');

    x = await u.cglead.must(d.id, 'reject_reply', { reason: '答复未说明处理结果，请补充。', version: x.version });
    assert.equal(x.status, 'handling');
    assert.equal(asgOf(x, 'dept.cg').status, 'signed');
    x = await u.cg1.must(d.id, 'reply', { reply: '答复：占道摊点已清理，并设立提示牌。' });
    assert.equal(asgOf(x, 'dept.cg').status, 'approval_pending');
    x = await u.cglead.must(d.id, 'approve_reply', { version: x.version });
    assert.equal(x.status, 'replied');
    assert.equal(asgOf(x, 'dept.cg').status, 'done');
    assert.equal(x.fields.reply, '答复：占道摊点已清理，并设立提示牌。');
    assertError(await u.cglead.act(d.id, 'approve_reply', {}), 409, 'case.action_not_allowed');
    assert.deepEqual((await steps(d.id)).map((e) => [e.action, e.to]), [
      ['create', 'received'], ['dispatch', 'dispatched'], ['sign', 'handling'], ['reply', 'handling'],
      ['reject_reply', 'handling'], ['reply', 'handling'], ['approve_reply', 'replied']]);

    // lead + assist: only dept.cg needs its lead's approval
    const j = await dispatched({ orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
    await u.cg1.must(j.id, 'sign', {});
    await u.town1.must(j.id, 'sign', {});
    x = await u.town1.must(j.id, 'reply', { reply: '协办已完成。' });
    assert.equal(asgOf(x, 'town.a').status, 'done');
    x = await u.cg1.must(j.id, 'reply', { reply: '主办已完成。' });
    assert.equal(x.status, 'handling');
    assert.equal(asgOf(x, 'dept.cg').status, 'approval_pending');
    x = await u.cglead.must(j.id, 'approve_reply', {});
    assert.equal(x.status, 'replied');
  } finally {
    const off = await u.admin.req('PATCH', path, { settings: { reply_approval: false } });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.settings.reply_approval, false);
  }
  const d = await dispatched('dept.cg');
  await u.cg1.must(d.id, 'sign', {});
  const x = await u.cg1.must(d.id, 'reply', { reply: '关闭审签后直接答复。' });
  assert.equal(x.status, 'replied');
  assert.equal(asgOf(x, 'dept.cg').status, 'done');
});

// ---------------------------------------------------------------------------
// 6. callback (回访), reopen (发回重办), problem cases (问题工单)

test('callback: 满意 → closed; 不满意 → handling, assignment reopened with a new, later deadline; resolved:false reopens too', async () => {
  const u = await users();
  await clock('2024-03-04T09:00:00+08:00');
  const made = [];
  for (let i = 0; i < 3; i++) {
    const d = await dispatched('dept.cg', { class: '投诉' });
    assert.equal(asgOf(d, 'dept.cg').due_at, '2024-03-12T00:00:00+08:00');
    await u.cg1.must(d.id, 'sign', {});
    await u.cg1.must(d.id, 'reply', { reply: '已处理完毕。' });
    made.push(d);
  }
  const [a, b, c] = made;
  await clock('2024-03-05T10:00:00+08:00');
  for (const d of made) {
    const x = await u.sup1.must(d.id, 'review', {});
    assert.equal(x.status, 'callback');
    // the callback deadline: 1 working day after the review → 24:00 of 03-06
    assert.equal((await eventsOf(d.id, 'review'))[0].payload.timer_due_at, '2024-03-07T00:00:00+08:00');
  }
  assertError(await u.cg1.act(a.id, 'callback', { resolved: true, satisfaction: '满意' }), 403, 'permission.denied');
  assertError(await u.sup1.act(a.id, 'callback', { resolved: true }), 400, 'field.required', 'satisfaction');
  assertError(await u.sup1.act(a.id, 'callback', { satisfaction: '满意' }), 400, 'field.required', 'resolved');
  assertError(await u.sup1.act(a.id, 'callback', { resolved: true, satisfaction: '非常满意' }), 400, 'field.invalid', 'satisfaction');

  let x = await u.sup1.must(a.id, 'callback', { resolved: true, satisfaction: '满意' });
  assert.equal(x.status, 'closed');
  assert.equal(x.closed_at, '2024-03-05T10:00:00+08:00');
  assert.equal(x.fields.satisfaction, '满意');
  assert.equal(x.fields.resolved, true);
  assert.equal(x.fields.reopen_count, undefined);

  await clock('2024-03-06T10:00:00+08:00');
  x = await u.op1.must(b.id, 'callback', { resolved: true, satisfaction: '不满意' });
  assert.equal(x.status, 'handling');
  assert.equal(x.closed_at, null);
  assert.equal(x.fields.reopen_count, 1);
  const ab = asgOf(x, 'dept.cg');
  assert.equal(ab.status, 'signed');
  assert.equal(ab.done_at, null);
  // a fresh 投诉 deadline from 03-06: 03-07 08 11 12 13 → later than the old 2024-03-12
  assert.equal(ab.due_at, '2024-03-14T00:00:00+08:00');
  assert.ok(Date.parse(ab.due_at) > Date.parse(asgOf(b, 'dept.cg').due_at));
  assert.equal(x.due_at, '2024-03-14T00:00:00+08:00');
  assert.ok(codes(await u.cg1.case(b.id)).includes('reply'));

  x = await u.sup1.must(c.id, 'callback', { resolved: false, satisfaction: '基本满意' });
  assert.equal(x.status, 'handling');
  assert.equal(x.fields.reopen_count, 1);
  assert.equal(asgOf(x, 'dept.cg').status, 'signed');
  assert.equal(asgOf(x, 'dept.cg').due_at, '2024-03-14T00:00:00+08:00');
  const cb = await eventsOf(c.id, 'callback');
  assert.equal(cb.length, 1);
  assert.equal(cb[0].from, 'callback');
  assert.equal(cb[0].to, 'handling');
});

test('reopen (发回重办): supervisor or dispatcher, reason required, from replied or callback only', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00');
  const d = await dispatched('dept.cg');
  await u.cg1.must(d.id, 'sign', {});
  assertError(await u.sup1.act(d.id, 'reopen', { reason: '尚未答复' }), 409, 'case.action_not_allowed');
  await u.cg1.must(d.id, 'reply', { reply: '第一次答复。' });
  assertError(await u.sup1.act(d.id, 'reopen', {}), 400, 'field.required', 'reason');
  assertError(await u.cg1.act(d.id, 'reopen', { reason: '自己发回' }), 403, 'permission.denied');
  assertError(await u.op1.act(d.id, 'reopen', { reason: '话务员发回' }), 403, 'permission.denied');
  let x = await u.sup1.must(d.id, 'reopen', { reason: '答复内容与诉求不符。' });
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'dept.cg').status, 'signed');
  assert.equal(x.fields.reopen_count, 1);
  await u.cg1.must(d.id, 'reply', { reply: '第二次答复。' });
  await u.sup1.must(d.id, 'review', {});
  x = await u.disp1.must(d.id, 'reopen', { reason: '回访前发现问题未解决。' });
  assert.equal(x.status, 'handling');
  assert.equal(x.fields.reopen_count, 2);
  // the callback timer stopped with the reopen: a callback is no longer possible
  assertError(await u.sup1.act(d.id, 'callback', { resolved: true, satisfaction: '满意' }), 409, 'case.action_not_allowed');
  const ev = await eventsOf(d.id, 'reopen');
  assert.deepEqual(ev.map((e) => [e.from, e.to, e.actor.login, e.payload.reason]), [
    ['replied', 'handling', 'sup1', '答复内容与诉求不符。'],
    ['callback', 'handling', 'disp1', '回访前发现问题未解决。']]);
});

test('problem case: flagged on the 4th reopen, not before', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00');
  const d = await dispatched('dept.cg');
  await u.cg1.must(d.id, 'sign', {});
  let x;
  for (let i = 1; i <= 4; i++) {
    await u.cg1.must(d.id, 'reply', { reply: `第${i}次答复。` });
    x = await u.sup1.must(d.id, 'reopen', { reason: `第${i}次发回重办。` });
    assert.equal(x.fields.reopen_count, i);
    if (i <= 3) {
      assert.notEqual(x.fields.problem, true, `not a problem case after ${i} reopens`);
      assert.equal(x.fields.problem_reason, undefined);
    }
  }
  assert.equal(x.fields.problem, true);
  assert.equal(x.fields.problem_reason, '发回重办超过规定次数');
  const last = (await eventsOf(d.id, 'reopen')).at(-1);
  assert.equal(last.payload.problem_flagged, '发回重办超过规定次数');
  // the flag stays after the case is closed
  await u.cg1.must(d.id, 'reply', { reply: '最终答复。' });
  await u.sup1.must(d.id, 'review', {});
  x = await u.sup1.must(d.id, 'callback', { resolved: true, satisfaction: '满意' });
  assert.equal(x.status, 'closed');
  assert.equal(x.fields.problem, true);
});

test('problem case: dispatched through more than 3 units (returns and re-dispatches) is flagged, 3 units are not', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00');
  const c = await newCase();
  const chain = [['dept.cg', u.cg1], ['dept.zj', u.zj1], ['town.a', u.town1]];
  let x;
  for (const [org, who] of chain) {
    x = await u.disp1.must(c.id, 'dispatch', { org });
    assert.notEqual(x.fields.problem, true, `not flagged with ${org}`);
    await who.must(c.id, 'return', { reason: `${org} 认为不属于本单位职责。` });
    x = await u.disp1.must(c.id, 'approve_return', {});
    assert.equal(x.status, 'received');
  }
  assert.notEqual(x.fields.problem, true, 'three units: not yet a problem case');
  x = await u.disp1.must(c.id, 'dispatch', { org: 'town.b' });
  assert.equal(x.fields.problem, true);
  assert.equal(x.fields.problem_reason, '流转单位超过规定数量');
  assert.equal(x.assignments.length, 4);
  assert.deepEqual(x.assignments.map((a) => a.status), ['cancelled', 'cancelled', 'cancelled', 'pending']);
  assert.equal((await eventsOf(c.id, 'dispatch')).at(-1).payload.problem_flagged, '流转单位超过规定数量');
  assert.equal((await u.town2.must(c.id, 'sign', {})).status, 'handling');
});

// ---------------------------------------------------------------------------
// 7. urge (催办) and supervise (督办)

async function noticesOf(who) {
  const c = await srv.login(who);
  const r = await c.get('/api/v1/notices?limit=200');
  assert.equal(r.status, 200, `notices as ${who}: ${r.text}`);
  return r.json.items;
}

test('urge: an urge event with the comment, a notice for the unit; supervise 提级督办 also notifies the unit\'s parent and sets escalated', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00');
  const d = await dispatched('dept.cg');
  assertError(await u.leader1.act(d.id, 'urge', {}), 403, 'permission.denied');
  assertError(await u.cg1.act(d.id, 'urge', {}), 403, 'permission.denied');
  let x = await u.sup1.must(d.id, 'urge', { comment: '请今天下班前签收。' });
  assert.equal(x.status, 'dispatched');
  assert.equal(x.version, d.version + 1);
  assert.equal(x.fields.urge_count, 1);
  const urge = (await eventsOf(d.id, 'urge'))[0];
  assert.equal(urge.actor.login, 'sup1');
  assert.equal(urge.from, 'dispatched');
  assert.equal(urge.to, 'dispatched');
  assert.equal(urge.payload.comment, '请今天下班前签收。');
  assert.deepEqual(urge.payload.notified, ['dept.cg']);
  const inbox = await noticesOf('cg1');
  const n = inbox.find((y) => y.case && y.case.id === d.id && y.kind === 'urge');
  assert.ok(n, `cg1 has the urge notice: ${JSON.stringify(inbox.slice(0, 3))}`);
  assert.equal(n.org.code, 'dept.cg');
  assert.ok(n.text.includes(d.no) && n.text.includes('请今天下班前签收。'), n.text);
  assert.equal(n.created_at, '2024-03-12T09:00:00+08:00');
  const other = await noticesOf('town2');
  assert.ok(!other.some((y) => y.case && y.case.id === d.id), 'another unit does not see it');

  assertError(await u.sup1.act(d.id, 'supervise', { level: '特急' }), 400, 'field.invalid', 'level');
  x = await u.leader1.must(d.id, 'supervise', { level: '提级督办', comment: '请局主要负责人牵头办理。' });
  assert.equal(x.status, 'dispatched');
  assert.equal(x.fields.escalated, '提级督办');
  const sup = (await eventsOf(d.id, 'supervise'))[0];
  assert.equal(sup.actor.login, 'leader1');
  assert.equal(sup.payload.level, '提级督办');
  assert.ok(sup.payload.notified.includes('county'), `the parent org is notified: ${JSON.stringify(sup.payload)}`);
  const cgN = (await noticesOf('cg1')).filter((y) => y.case && y.case.id === d.id && y.kind === 'supervise');
  assert.equal(cgN.length, 1, 'the unit gets the 督办 notice');
  assert.equal(cgN[0].org.code, 'dept.cg');
  assert.ok(cgN[0].text.includes('请局主要负责人牵头办理。'), cgN[0].text);
  const leadN = (await noticesOf('leader1')).filter((y) => y.case && y.case.id === d.id && y.kind === 'supervise');
  const county = leadN.filter((y) => y.org.code === 'county');
  assert.equal(county.length, 1, `the county (the unit's parent) gets the 提级督办 notice: ${JSON.stringify(leadN)}`);
  assert.ok(county[0].text.includes('提级督办') && county[0].text.includes(d.no), county[0].text);
  assert.equal(county[0].actor.login, 'leader1');

  // plain 督办: the unit only, nothing escalated
  const p = await dispatched('dept.cg');
  x = await u.sup1.must(p.id, 'supervise', { level: '督办' });
  assert.equal(x.fields.escalated, undefined);
  assert.deepEqual((await eventsOf(p.id, 'supervise'))[0].payload.notified, ['dept.cg']);
});

test('supervise 提级督办: the event\'s payload.notified lists every org notified (the unit and its parent)', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00');
  const d = await dispatched('dept.cg');
  await u.sup1.must(d.id, 'supervise', { level: '提级督办' });
  const sup = (await eventsOf(d.id, 'supervise'))[0];
  assert.deepEqual([...sup.payload.notified].sort(), ['county', 'dept.cg'], JSON.stringify(sup.payload));
});

// ---------------------------------------------------------------------------
// 8. overdue → automatic 催办

test('an assignment past its handle deadline: timer.overdue, then an automatic urge (auto:true, no actor) and a notice', async () => {
  const u = await users();
  await clock('2024-03-04T09:00:00+08:00');
  const d = await dispatched('dept.cg', { class: '咨询' });
  const asg = asgOf(d, 'dept.cg');
  assert.equal(asg.due_at, '2024-03-07T00:00:00+08:00');
  await u.cg1.must(d.id, 'sign', {});
  assert.equal((await eventsOf(d.id, 'urge')).length, 0);
  await clock('2024-03-07T00:00:30+08:00');
  let over;
  let auto;
  for (let i = 0; i < 60 && !(over && auto); i++) {
    const ev = await eventsOf(d.id);
    over = ev.find((e) => e.action === 'timer.overdue' && e.payload.timer === 'handle');
    auto = ev.find((e) => e.action === 'urge' && e.payload.auto === true);
    if (!(over && auto)) await sleep(100);
  }
  assert.ok(over, 'timer.overdue for the handle deadline within 6 s');
  assert.equal(over.payload.assignment, asg.id);
  assert.equal(over.payload.due_at, '2024-03-07T00:00:00+08:00');
  assert.equal(over.actor, null);
  assert.ok(auto, 'an automatic urge follows');
  assert.equal(auto.actor, null, 'the system urges, not a person');
  assert.equal(auto.payload.assignment, asg.id);
  assert.equal(auto.payload.timer, 'handle');
  assert.ok(auto.seq > over.seq);
  const x = await u.admin.case(d.id);
  assert.equal(x.overdue, true);
  assert.equal(x.status, 'handling', 'the automatic urge does not change the status');
  // exactly one auto-urge however long it stays overdue
  await sleep(1300);
  assert.equal((await eventsOf(d.id, 'urge')).filter((e) => e.payload.auto === true).length, 1);
  const inbox = await noticesOf('cg1');
  const n = inbox.find((y) => y.case && y.case.id === d.id && y.kind === 'overdue');
  assert.ok(n, 'the overdue notice is in the unit\'s inbox');
  assert.equal(n.actor, null);
});

// ---------------------------------------------------------------------------
// 9. concurrency

test('two handlers of one unit sign at once with the same version: exactly one 200 and one 409, one sign event', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00');
  for (let round = 0; round < 3; round++) {
    const d = await dispatched('dept.cg');
    const rs = await Promise.all([
      u.cg1.act(d.id, 'sign', { version: d.version }),
      u.cglead.act(d.id, 'sign', { version: d.version }),
    ]);
    assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409], rs.map((r) => r.text).join(' | '));
    const loser = rs.find((r) => r.status === 409);
    assertError(loser, 409);
    assert.ok(['case.version_conflict', 'case.action_not_allowed'].includes(loser.json.error.code), loser.text);
    const now = await u.admin.case(d.id);
    assert.equal(now.version, d.version + 1);
    assert.equal(asgOf(now, 'dept.cg').status, 'signed');
    assert.equal((await eventsOf(d.id, 'sign')).length, 1);
  }
});

// ---------------------------------------------------------------------------
// 10. 110 linkage: three-way call, 先行受理, transfer back to 110

test('three-way call 职责不清 → transfer_110 refused (先行受理); 公安处置 → transferred_110 with assignments cancelled', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00');
  const c = await newCase({ class: '求助' });
  assertError(await u.op1.act(c.id, 'three_way_call', { parties: '来电人、110' }), 400, 'field.required', 'outcome');
  assertError(await u.op1.act(c.id, 'three_way_call', { outcome: '不清楚' }), 400, 'field.invalid', 'outcome');
  assertError(await u.cg1.act(c.id, 'three_way_call', { outcome: '职责不清' }), 404);
  let x = await u.op1.must(c.id, 'three_way_call', { outcome: '职责不清', parties: '来电人、110接警员、12345话务员' });
  assert.equal(x.status, 'received');
  assert.equal(x.fields.three_way_outcome, '职责不清');
  const r = await u.op1.act(c.id, 'transfer_110', { reason: '转110处置。' });
  assertError(r, 409, 'case.action_not_allowed');
  assert.ok(r.json.error.message.includes('先行受理'), r.json.error.message);
  assert.equal((await u.admin.case(c.id)).status, 'received');

  const d = await dispatched('dept.cg');
  await u.cg1.must(d.id, 'sign', {});
  assertError(await u.cg1.act(d.id, 'transfer_110', { reason: '单位转110' }), 403, 'permission.denied');
  x = await u.disp1.must(d.id, 'three_way_call', { outcome: '公安处置', parties: '来电人、110、12345' });
  assert.equal(x.status, 'handling');
  assertError(await u.disp1.act(d.id, 'transfer_110', {}), 400, 'field.required', 'reason');
  x = await u.disp1.must(d.id, 'transfer_110', { reason: '经三方通话确认属警务事项。' });
  assert.equal(x.status, 'transferred_110');
  assert.equal(x.closed_at, '2024-03-12T09:00:00+08:00');
  assert.deepEqual(x.assignments.map((a) => a.status), ['cancelled']);
  assertError(await u.cg1.get(`/api/v1/cases/${d.id}`), 404);
  assertError(await u.disp1.act(d.id, 'transfer_110', { reason: '再转一次' }), 409, 'case.action_not_allowed');
  const ev = await eventsOf(d.id, 'transfer_110');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].to, 'transferred_110');
  assert.equal(ev[0].payload.reason, '经三方通话确认属警务事项。');
});

test('a case handed over by 110 goes back only after a 公安处置 three-way call', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00');
  const link = await srv.login('link110');
  const incident = `JJ20240312${String(Date.now() % 1e6).padStart(6, '0')}`;
  const r = await link.post('/api/v1/linkage/110', {
    incident_no: incident,
    received_at: '2024-03-12T08:55:00+08:00',
    description: '报警人称邻居装修噪音扰民，非警务警情，移交12345。',
  });
  assert.equal(r.status, 201, r.text);
  const c = r.json.case;
  assert.equal(c.channel, '110');
  assert.equal(c.fields.incident_no, incident);
  assert.equal(c.received_at, '2024-03-12T08:55:00+08:00');

  let e = await u.op1.act(c.id, 'transfer_110', { reason: '转回110。' });
  assertError(e, 409, 'case.action_not_allowed');
  assert.ok(e.json.error.message.includes('先行受理'), e.json.error.message);
  await u.op1.must(c.id, 'three_way_call', { outcome: '热线处置', parties: '来电人、110、12345' });
  assertError(await u.op1.act(c.id, 'transfer_110', { reason: '转回110。' }), 409, 'case.action_not_allowed');
  await u.op1.must(c.id, 'three_way_call', { outcome: '职责不清', parties: '来电人、110、12345' });
  assertError(await u.op1.act(c.id, 'transfer_110', { reason: '转回110。' }), 409, 'case.action_not_allowed');
  assert.equal((await u.admin.case(c.id)).status, 'received');
  await u.op1.must(c.id, 'three_way_call', { outcome: '公安处置', parties: '来电人、110、12345' });
  const x = await u.op1.must(c.id, 'transfer_110', { reason: '三方通话确认涉嫌治安案件。' });
  assert.equal(x.status, 'transferred_110');
  assert.deepEqual((await steps(c.id)).map((s) => s.action),
    ['create', 'three_way_call', 'three_way_call', 'three_way_call', 'transfer_110']);
});

// ---------------------------------------------------------------------------
// 11. confidential reporters

test('confidential 举报: the township handler sees no reporter; op1 does, and the view is a pii.view event; lists mask phones', async () => {
  const u = await users();
  await clock('2024-03-12T09:00:00+08:00');
  const phone = '13897315246';
  const created = await u.op1.create(caseBody({
    class: '举报', title: '举报无证排污', description: '举报某厂夜间偷排污水。',
    reporter: { name: '孙先生', phone }, org: 'town.a',
  }));
  const id = created.case.id;
  assert.equal(created.case.reporter.confidential, true);
  await u.disp1.must(id, 'dispatch', { org: 'town.a' });

  const piiViews = async () => (await eventsOf(id, 'pii.view')).length;
  const p0 = await piiViews();
  const t1 = await u.town1.get(`/api/v1/cases/${id}`);
  assert.equal(t1.status, 200, t1.text);
  assert.equal(t1.json.case.reporter.confidential, true);
  assert.equal(t1.json.case.reporter.phone, undefined);
  assert.equal(t1.json.case.reporter.name, undefined);
  for (const s of [phone, phone.slice(3, 7), phone.slice(-4), '孙先生']) {
    assert.ok(!t1.text.includes(s), `town1's view must not contain ${s}`);
  }
  const t1ev = await u.town1.get(`/api/v1/cases/${id}/events`);
  assert.equal(t1ev.status, 200);
  // the events' 64-hex hashes may hold the four digits by chance: left out
  const t1evText = t1ev.text.replace(/[0-9a-f]{64}/g, '');
  assert.ok(!t1evText.includes(phone.slice(-4)) && !t1evText.includes('孙先生'), 'nor its history');
  assert.equal(await piiViews(), p0, 'a view without personal data is no pii.view');

  const o = await u.op1.get(`/api/v1/cases/${id}`);
  assert.equal(o.status, 200);
  assert.equal(o.json.case.reporter.name, '孙先生');
  assert.equal(o.json.case.reporter.phone, phone);
  const ev = await eventsOf(id);
  assert.equal(ev.filter((e) => e.action === 'pii.view').length, p0 + 1, 'the view is recorded');
  const last = ev.filter((e) => e.action === 'pii.view').at(-1);
  assert.equal(last.actor.login, 'op1');
  assert.equal(last.at, '2024-03-12T09:00:00+08:00');

  // lists never show a phone in full: a confidential one not at all, an ordinary one masked
  const plainPhone = '13800005678';
  const plain = await u.op1.create(caseBody({
    class: '投诉', title: '普通投诉', reporter: { name: '钱多多', phone: plainPhone }, org: 'town.a',
  }));
  const list = await u.op1.listAll('status=received');
  const item = list.find((y) => y.id === plain.case.id);
  assert.ok(item, 'the ordinary case is listed');
  assert.equal(item.reporter.phone, '138****5678');
  assert.equal(item.reporter.name, '钱**');
  const all = await u.op1.listAll();
  const conf = all.find((y) => y.id === id);
  assert.ok(conf, 'the confidential case is listed');
  assert.ok(conf.reporter.phone === undefined || conf.reporter.phone === '138****5246', JSON.stringify(conf.reporter));
  const town = await u.town1.listAll();
  const tItem = town.find((y) => y.id === id);
  assert.ok(tItem);
  assert.equal(tItem.reporter.phone, undefined);
  assert.equal(tItem.reporter.name, undefined);
  assert.ok(!JSON.stringify(town).includes(phone));

  // reporter.confidential on an ordinary class: the same protection
  const asked = await u.op1.create(caseBody({
    class: '投诉', title: '要求保密', reporter: { name: '李女士', phone: '13911117395', confidential: true }, org: 'town.a',
  }));
  const t2 = await u.town1.get(`/api/v1/cases/${asked.case.id}`);
  assert.equal(t2.status, 200);
  assert.equal(t2.json.case.reporter.confidential, true);
  assert.ok(!t2.text.includes('13911117395') && !t2.text.includes('7395') && !t2.text.includes('李女士'));
});
