// A second matter type with no C written for it: `repair` (公共设施报修),
// defined only in tests/data/types/repair.json, with its own states
// (reported → assigned → working → finished → completed, duplicate), its
// own actions (assign, accept, decline / approve_decline, finish /
// approve_finish, confirm, rework, remind, escalate, mark_duplicate), a
// deadline per class, two queues, an auto-urge, a unit setting and a rates
// block naming all of these. Served beside the hotline, driven through the
// API on the test clock, it must get its stats, queues, deadlines, tracking
// and org setting right. A third type, `plain`, has no rates block: its
// stats are refused, never silent zeros.
//
// The scenario (all cases owned by `county`, class 一般 = 3 working days,
// 急修 = 8 clock hours; sign-for 4 working hours):
//  T0 = Mon 2025-03-03 09:00  P Q R S U V X received
//    P → dept.cg, accepted, finished; confirmed fixed, 满意 → completed
//    Q → town.a                      R → dept.cg, declined, approved; → town.a,
//    S (急修) → town.b, accepted;          accepted, finished; rework → working
//      escalated to the street       U marked a duplicate of Q
//    V → dept.cg, never accepted     X left reported
//  T1 = 16:00 (sign-for limit was 15:00)
//    Q accepted late; S finished (due 17:00), confirmed not fixed, 不满意 → working
//  T3 = Mon 2025-03-10 09:00 (一般 cases of 03-03 were due 03-07 00:00)
//    V's handle deadline is past: the scheduler records `remind` (auto)
//    Q finished late, confirmed fixed, 一般 → completed
//    S finished again, confirmed fixed, 满意 → completed
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, assertError, freshPhone, makeConfig, REPO } from './helpers.mjs';

const TYPES = path.join(REPO, 'tests', 'data', 'types');
const config = await makeConfig([path.join(TYPES, 'repair.json'), path.join(TYPES, 'plain.json')]);
const srv = await startServer({ cases: false, testClock: true, env: { CIVICLOOP_CONFIG: config } });

const T0 = '2025-03-03T09:00:00+08:00';
const T1 = '2025-03-03T16:00:00+08:00';
const T3 = '2025-03-10T09:00:00+08:00';
const R = (x) => (x === null ? null : Number(x.toPrecision(10)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cases = {}; // letter → case
const phones = {};

async function report(letter, extra = {}) {
  const op1 = await srv.login('op1');
  phones[letter] = freshPhone('135');
  const c = (await op1.create({
    type: 'repair', class: '一般', channel: 'phone', org: 'county',
    title: `报修 ${letter}`, description: `小区路灯损坏（${letter}），夜间无法照明。`,
    reporter: { name: '报修人', phone: phones[letter] }, fields: { facility: '路灯' },
    ...extra,
  })).case;
  cases[letter] = c;
  return c;
}

async function queue(who, query) {
  const c = await srv.login(who);
  return c.listAll(query);
}
const ids = (items) => new Set(items.map((x) => x.id));

test('the type loads beside the hotline and is served as data', async () => {
  const admin = await srv.login('admin');
  const list = await admin.get('/api/v1/types');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items.map((t) => t.code).sort(), ['dispute', 'grid_event', 'hazard', 'homestead', 'hotline', 'inspection', 'plain', 'reception', 'repair', 'suggestion', 'supervision', 'task', 'whistle']);
  const t = await admin.get('/api/v1/types/repair');
  assert.equal(t.status, 200);
  assert.equal(t.json.rates.follow_up.action, 'confirm');
  assert.deepEqual(Object.keys(t.json.queues).sort(), ['confirm', 'dispatch']);
});

test('the repair scenario: deadlines, queues, auto-urge, stats and tracking with no C for the type', async () => {
  const [disp1, cg1, cglead, town1, town2, sup1, op1, admin] = await Promise.all(
    ['disp1', 'cg1', 'cglead', 'town1', 'town2', 'sup1', 'op1', 'admin'].map((u) => srv.login(u)));
  await srv.setClock(T0);

  // ---- T0 -----------------------------------------------------------------
  for (const l of ['P', 'Q', 'R', 'V', 'X']) await report(l);
  await report('S', { class: '急修', channel: 'grid' });
  await report('U', { channel: 'app' });
  const hot = (await op1.create({
    type: 'hotline', class: '投诉', channel: 'phone', org: 'county', title: '热线工单',
    description: '来电反映噪音扰民。', reporter: { name: '来电人', phone: freshPhone('136') },
  })).case;

  // deadlines from the type's classes and its "sign" deadline
  assert.equal(cases.P.status, 'reported');
  assert.equal(cases.P.status_name, '已报修');
  assert.equal(cases.P.due_at, '2025-03-07T00:00:00+08:00'); // 03-04 05 06
  assert.equal(cases.S.due_at, '2025-03-03T17:00:00+08:00'); // 8 clock hours
  const p = await disp1.must(cases.P.id, 'assign', { org: 'dept.cg' });
  assert.equal(p.status, 'assigned');
  assert.equal(p.assignments.length, 1);
  assert.equal(p.assignments[0].sign_due_at, '2025-03-03T15:00:00+08:00'); // 09:00–12:00, 14:00–15:00
  assert.equal(p.assignments[0].due_at, '2025-03-07T00:00:00+08:00');
  await disp1.must(cases.Q.id, 'assign', { org: 'town.a' });
  await disp1.must(cases.R.id, 'assign', { org: 'dept.cg' });
  const s = await disp1.must(cases.S.id, 'assign', { org: 'town.b' });
  assert.equal(s.assignments[0].sign_due_at, '2025-03-03T15:00:00+08:00');
  assert.equal(s.assignments[0].due_at, '2025-03-03T17:00:00+08:00');
  await disp1.must(cases.V.id, 'assign', { org: 'dept.cg' });
  // the hotline's own action names mean nothing to this type
  assertError(await disp1.act(cases.X.id, 'dispatch', { org: 'dept.cg' }), 404, 'action.unknown');

  await cg1.must(cases.P.id, 'accept', {});
  const pf = await cg1.must(cases.P.id, 'finish', { result: '已更换路灯灯泡，恢复照明。' });
  assert.equal(pf.status, 'finished');

  // R: declined by dept.cg and approved, then to town.a
  const rd = await cg1.must(cases.R.id, 'decline', { reason: '路灯产权属于乡镇。' });
  assert.equal(rd.status, 'decline_requested');

  // the repair dispatch queue: reported and decline_requested, nothing else
  let q = ids(await queue('disp1', 'queue=dispatch&type=repair'));
  assert.ok(q.has(cases.X.id) && q.has(cases.R.id), 'reported and declined cases wait for the dispatcher');
  for (const l of ['P', 'Q', 'S', 'V']) assert.ok(!q.has(cases[l].id), `${l} is not in the dispatch queue`);
  assert.ok(!q.has(hot.id), 'a hotline case is not in the repair queue');
  // the hotline's queue of the same name is the hotline's
  q = ids(await queue('disp1', 'queue=dispatch&type=hotline'));
  assert.ok(q.has(hot.id) && !q.has(cases.X.id));
  // one name, two types: the type must be given
  assertError(await disp1.get('/api/v1/cases?queue=dispatch'), 400, 'field.invalid', 'queue');
  assertError(await disp1.get('/api/v1/cases?queue=nosuch&type=repair'), 400, 'field.invalid', 'queue');
  assertError(await disp1.get('/api/v1/cases?queue=confirm&type=hotline'), 400, 'field.invalid', 'queue');

  const ra = await disp1.must(cases.R.id, 'approve_decline', {});
  assert.equal(ra.status, 'reported');
  assert.equal(ra.assignments[0].status, 'cancelled');
  await disp1.must(cases.R.id, 'assign', { org: 'town.a' });
  await town1.must(cases.R.id, 'accept', {});
  await town1.must(cases.R.id, 'finish', { result: '已修复线路。' });

  // the confirm queue (only repair declares it, so no type is needed)
  q = ids(await queue('sup1', 'queue=confirm'));
  assert.deepEqual([...q].sort(), [cases.P.id, cases.R.id].sort());

  const pc = await sup1.must(cases.P.id, 'confirm', { fixed: true, rating: '满意' });
  assert.equal(pc.status, 'completed');
  assert.ok(pc.closed_at);
  const rw = await sup1.must(cases.R.id, 'rework', { reason: '夜间仍闪烁。' });
  assert.equal(rw.status, 'working');

  await town2.must(cases.S.id, 'accept', {});
  await disp1.must(cases.S.id, 'escalate', { reason: '需街道协调电力部门。' });
  const u = await op1.must(cases.U.id, 'mark_duplicate', { into: cases.Q.id });
  assert.equal(u.status, 'duplicate');

  // ---- T1 -----------------------------------------------------------------
  await srv.setClock(T1);
  await town1.must(cases.Q.id, 'accept', {}); // after the 15:00 sign-for limit
  await town2.must(cases.S.id, 'finish', { result: '已临时处置。' });
  const sc = await sup1.must(cases.S.id, 'confirm', { fixed: false, rating: '不满意' });
  assert.equal(sc.status, 'working', 'not fixed → back to work');
  assert.equal(sc.assignments[0].status, 'signed', 'the unit works again');

  // ---- T3 -----------------------------------------------------------------
  await srv.setClock(T3);
  // V's handle deadline passed: the scheduler records the type's auto_urge action
  let urged = [];
  for (let i = 0; i < 60 && urged.length === 0; i++) {
    urged = (await admin.events(cases.V.id)).filter((e) => e.action === 'remind');
    if (urged.length === 0) await sleep(100);
  }
  assert.equal(urged.length, 1, 'one automatic 催修');
  assert.equal(urged[0].actor, null, 'by the system');
  assert.equal(urged[0].payload.auto, true);
  assert.equal(urged[0].payload.timer, 'handle');
  assert.equal(urged[0].payload.due_at, '2025-03-07T00:00:00+08:00');
  const inbox = (await cg1.get('/api/v1/notices?limit=100')).json.items;
  const notice = inbox.find((n) => n.kind === 'overdue' && n.case && n.case.id === cases.V.id);
  assert.ok(notice, 'dept.cg has the overdue notice');
  assert.ok(notice.text.includes('超期自动催修'), notice.text);

  await town1.must(cases.Q.id, 'finish', { result: '已修复。' }); // after the 03-07 deadline
  const qc = await sup1.must(cases.Q.id, 'confirm', { fixed: true, rating: '一般' });
  assert.equal(qc.status, 'completed');
  await town2.must(cases.S.id, 'finish', { result: '电力部门已更换线路。' });
  assert.equal((await sup1.must(cases.S.id, 'confirm', { fixed: true, rating: '满意' })).status, 'completed');

  // overdue open cases join the dispatch queue ("or_overdue")
  q = ids(await queue('disp1', 'queue=dispatch&type=repair'));
  for (const l of ['X', 'R', 'V']) assert.ok(q.has(cases[l].id), `${l} is in the dispatch queue`);
  for (const l of ['P', 'Q', 'S', 'U']) assert.ok(!q.has(cases[l].id), `${l} is not`);

  // ---- stats --------------------------------------------------------------
  const st = await (await srv.login('leader1')).get('/api/v1/stats/repair?from=2025-03-01&to=2025-03-05');
  assert.equal(st.status, 200, st.text);
  const w = st.json;
  assert.equal(w.type, 'repair');
  assert.equal(w.received, 7);
  assert.equal(w.closed, 3); // P Q S
  const want = {
    response_rate: 3 / 6, // P, S, R→town.a in time; Q late; R→dept.cg and V never
    completion_rate: 3 / 6, // U is a duplicate
    on_time_rate: 3 / 4, // P R S on time, Q late
    resolution_rate: 3 / 4, // P Q S(2nd) fixed, S(1st) not
    satisfaction_rate: 3 / 4, // 满意 P, 一般 Q, 满意 S(2nd); 不满意 S(1st)
    return_rate: 1 / 6,
    reopen_rate: 2 / 4, // R by rework, S by confirm
    duplicate_rate: 1 / 7,
    local_resolution_rate: 2 / 3, // P Q closed where received; S was escalated
  };
  for (const [k, v] of Object.entries(want)) assert.equal(w[k], R(v), k);
  assert.deepEqual(w.counts.by_status, {
    reported: 1, assigned: 1, working: 1, decline_requested: 0, finished: 0, completed: 3, duplicate: 1,
  });
  assert.deepEqual(w.counts.by_class, { 一般: 6, 急修: 1 });
  assert.deepEqual(w.counts.by_channel, { phone: 5, app: 1, grid: 1 });
  const counts = {
    assignments: 6, signed_on_time: 3, returned: 1, replied: 4, replied_on_time: 3, reopened: 2,
    callbacks: 4, resolved: 3, satisfied: 3, merged: 1, transferred_110: 0, from_110: 0, to_110: 0,
    problem: 0, escalated: 1, resolved_locally: 2,
  };
  for (const [k, v] of Object.entries(counts)) assert.equal(w.counts[k], v, `counts.${k}`);
  // the units, ranked by the mean of response, on-time, resolution, satisfaction
  assert.deepEqual(w.ranking.map((x) => [x.org.code, x.cases, x.score && R(x.score)]), [
    ['dept.cg', 2, R((1 / 3 + 1 + 1 + 1) / 4)],
    ['town.a', 2, R((1 / 2 + 1 / 2 + 1 + 1) / 4)],
    ['town.b', 1, R((1 + 1 + 1 / 2 + 1 / 2) / 4)],
  ]);
  const ta = w.ranking[1];
  assert.equal(ta.reopen_rate, R(1 / 2));
  assert.equal(ta.local_resolution_rate, 1);
  assert.equal(w.ranking[2].local_resolution_rate, 0);
  // the hotline's answer has no local_resolution_rate (its rates block maps none)
  const hs = await (await srv.login('leader1')).get('/api/v1/stats/hotline?from=2025-03-01&to=2025-03-05');
  assert.equal(hs.status, 200, hs.text);
  assert.equal(hs.json.received, 1);
  assert.ok(!('local_resolution_rate' in hs.json));

  // ---- tracking -----------------------------------------------------------
  const track = async (l) => srv.raw('GET', `/api/v1/public/track?no=${cases[l].no}&phone_tail=${phones[l].slice(-4)}`);
  let t = await track('P');
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.type_name, '公共设施报修');
  assert.equal(t.json.status_name, '已修复');
  assert.deepEqual(t.json.steps.map((x) => x.action),
    ['create', 'assign', 'accept', 'finish', 'confirm', 'completed']);
  assert.deepEqual(t.json.steps.map((x) => x.name), ['受理', '派工', '接单', '完工', '回访确认', '已修复']);
  assert.equal(t.json.reply, '已更换路灯灯泡，恢复照明。');
  t = await track('R'); // decline and approve_decline are internal; working shows no reply
  assert.deepEqual(t.json.steps.map((x) => x.action), ['create', 'assign', 'assign', 'accept', 'finish', 'rework']);
  assert.ok(!('reply' in t.json));
  t = await track('V'); // the automatic 催修 is internal
  assert.deepEqual(t.json.steps.map((x) => x.action), ['create', 'assign']);
});

test('a unit setting the type declares: finish_check sends a finish to the unit lead', async () => {
  const [admin, disp1, cg1, cglead] = await Promise.all(['admin', 'disp1', 'cg1', 'cglead'].map((u) => srv.login(u)));
  await srv.setClock(T3);
  const c = await report('W');
  const d = await disp1.must(c.id, 'assign', { org: 'dept.cg' });
  const orgPath = `/api/v1/orgs/${d.assignments[0].org.id}`;
  await cg1.must(c.id, 'accept', {});
  assertError(await admin.req('PATCH', orgPath, { settings: { no_such_setting: true } }), 400, 'field.unknown');
  assertError(await admin.req('PATCH', orgPath, { settings: { finish_check: 'yes' } }), 400, 'field.invalid');
  const on = await admin.req('PATCH', orgPath, { settings: { finish_check: true } });
  assert.equal(on.status, 200, on.text);
  assert.equal(on.json.settings.finish_check, true);
  try {
    const f = await cg1.must(c.id, 'finish', { result: '已修复。' });
    assert.equal(f.status, 'working', 'waits for the unit lead');
    assert.equal(f.assignments[0].status, 'checking');
    const a = await cglead.must(c.id, 'approve_finish', {});
    assert.equal(a.status, 'finished');
  } finally {
    const off = await admin.req('PATCH', orgPath, { settings: { finish_check: false } });
    assert.equal(off.status, 200, off.text);
  }
});

test('a type without a rates block has no stats: 404 naming it, never zeros', async () => {
  const leader1 = await srv.login('leader1');
  const r = await leader1.get('/api/v1/stats/plain');
  assertError(r, 404, 'not_found');
  assert.match(r.json.error.message, /plain/);
  assert.match(r.json.error.message, /rates/);
  assertError(await leader1.get('/api/v1/cases?queue=dispatch&type=plain'), 400, 'field.invalid', 'queue');
});

test('a status filter names a state of type= (or, without one, of some loaded type)', async () => {
  const disp1 = await srv.login('disp1');
  // `reported` is repair's, `received` the hotline's
  assert.equal((await disp1.get('/api/v1/cases?status=reported')).status, 200);
  assert.equal((await disp1.get('/api/v1/cases?status=received,reported')).status, 200);
  assert.equal((await disp1.get('/api/v1/cases?type=repair&status=reported')).status, 200);
  assertError(await disp1.get('/api/v1/cases?type=hotline&status=reported'), 400, 'field.invalid', 'status');
  assertError(await disp1.get('/api/v1/cases?type=repair&status=received'), 400, 'field.invalid', 'status');
  assertError(await disp1.get('/api/v1/cases?type=plain&status=reported,received'), 400, 'field.invalid', 'status');
  assertError(await disp1.get('/api/v1/cases?status=bogus'), 400, 'field.invalid', 'status');
  assertError(await disp1.get('/api/v1/cases?type=nosuch'), 400, 'field.invalid', 'type');
});
