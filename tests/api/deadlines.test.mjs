// Deadlines on the official working-day calendar (DESIGN §4, docs/domain.md),
// black-box through the API, around the 2024 Spring Festival and National
// Day holidays:
//  - a case's due_at counts from its received_at (imports by admin, the demo
//    role with case.import, keep a past received_at);
//  - N working days end at 24:00 of the Nth working day counted from the day
//    after receipt (the day of receipt is day 0 whatever the hour), so due_at
//    is the following day's 00:00+08:00; 紧急 is 24 hours by the clock;
//  - an assignment's sign-for deadline is 2 working hours (08:30–12:00,
//    14:00–17:30 on working days) from its dispatch, its handle deadline the
//    class deadline from its dispatch;
//  - the callback deadline is 1 working day after the review.
//
// Calendar facts (config/calendar/cn-workdays.json, checked by hand):
//  2024 Spring Festival: 02-04 (Sun) and 02-18 (Sun) are make-up working days;
//    02-10 … 02-17 are off. 02-08 is a Thursday, 02-09 a Friday.
//  2024 National Day: 09-29 (Sun) and 10-12 (Sat) are make-up working days;
//    10-01 … 10-07 are off. 09-27 is a Friday, 09-30 a Monday.
//  2025 Spring Festival: 01-26 (Sun) and 02-08 (Sat) make-up; 01-28 … 02-04 off.
//  2026 National Day: 09-20 (Sun) and 10-10 (Sat) make-up; 10-01 … 10-07 off.
// Every expected instant below is a literal worked out from those facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody } from './helpers.mjs';

const srv = await startServer({ cases: false, testClock: true });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function clock(iso) {
  const r = await srv.setClock(iso);
  assert.equal(Date.parse(r.now), Date.parse(iso), `clock set to ${iso}`);
}

/** admin imports a case received at `received` (admin holds case.import). */
async function imported(cls, received) {
  const admin = await srv.login('admin');
  const r = await admin.create(caseBody({ class: cls, title: `时限测试 ${cls} ${received}`, received_at: received }));
  return r.case;
}

/** Checks due_at for every class of a receipt time: [咨询 2, 求助 3, 投诉/举报/建议 5, 紧急 24h]. */
async function checkClasses(received, [zx, qz, five, urgent], note) {
  const want = { 咨询: zx, 求助: qz, 投诉: five, 举报: five, 建议: five, 紧急: urgent };
  for (const [cls, due] of Object.entries(want)) {
    const c = await imported(cls, received);
    assert.equal(c.received_at, received, `${cls} keeps received_at ${received}`);
    assert.equal(c.due_at, due, `${cls} received ${received} (${note}) is due ${due}, got ${c.due_at}`);
  }
}

// ---------------------------------------------------------------------------
// case due_at from received_at, per class

test('admin is the demo importer: received_at honoured for admin, ignored for op1; an import from the future → 400', async () => {
  await clock('2024-02-08T10:00:00+08:00'); // Thursday
  const admin = await srv.login('admin');
  const op1 = await srv.login('op1');
  const mine = await op1.create(caseBody({ class: '投诉', received_at: '2024-01-02T10:00:00+08:00' }));
  assert.equal(mine.case.received_at, '2024-02-08T10:00:00+08:00', 'op1 cannot backdate: received now');
  assert.equal(mine.case.due_at, '2024-02-22T00:00:00+08:00'); // 02-09, 02-18, 02-19, 02-20, 02-21
  const imp = await admin.create(caseBody({ class: '投诉', received_at: '2024-01-02T10:00:00+08:00' }));
  assert.equal(imp.case.received_at, '2024-01-02T10:00:00+08:00');
  assert.equal(imp.case.due_at, '2024-01-10T00:00:00+08:00'); // 01-03 04 05 08 09
  assert.match(imp.case.no, /^RX20240102/);
  // up to 5 minutes ahead of the clock is tolerated, more is refused
  const soon = await admin.create(caseBody({ class: '咨询', received_at: '2024-02-08T10:04:00+08:00' }));
  assert.equal(soon.case.received_at, '2024-02-08T10:04:00+08:00');
  assertError(await admin.post('/api/v1/cases', caseBody({ received_at: '2024-02-08T10:06:00+08:00' })),
    400, 'field.invalid', 'received_at');
});

test('received on an ordinary working day before the Spring Festival (Thu 2024-02-08 10:00)', async () => {
  await clock('2024-12-02T09:00:00+08:00');
  // working days after 02-08: 02-09, 02-18 (make-up Sun), 02-19, 02-20, 02-21
  await checkClasses('2024-02-08T10:00:00+08:00', [
    '2024-02-19T00:00:00+08:00', '2024-02-20T00:00:00+08:00', '2024-02-22T00:00:00+08:00',
    '2024-02-09T10:00:00+08:00'], 'Thursday before the holiday');
});

test('received on a Spring Festival holiday (Mon 2024-02-12 09:00)', async () => {
  await clock('2024-12-02T09:00:00+08:00');
  const c = await imported('投诉', '2024-02-12T09:00:00+08:00');
  assert.match(c.no, /^RX20240212/);
  // day 0 is the holiday itself; then 02-18 (make-up Sun), 02-19, 02-20, 02-21, 02-22
  await checkClasses('2024-02-12T09:00:00+08:00', [
    '2024-02-20T00:00:00+08:00', '2024-02-21T00:00:00+08:00', '2024-02-23T00:00:00+08:00',
    '2024-02-13T09:00:00+08:00'], 'holiday');
});

test('received on a make-up working Sunday (2024-02-04 15:00) counts that Sunday as day 0', async () => {
  await clock('2024-12-02T09:00:00+08:00');
  // then 02-05, 02-06, 02-07, 02-08, 02-09
  await checkClasses('2024-02-04T15:00:00+08:00', [
    '2024-02-07T00:00:00+08:00', '2024-02-08T00:00:00+08:00', '2024-02-10T00:00:00+08:00',
    '2024-02-05T15:00:00+08:00'], 'make-up Sunday');
});

test('received at 23:59 on the last working day before the holiday (Fri 2024-02-09): the day of receipt is still day 0', async () => {
  await clock('2024-12-02T09:00:00+08:00');
  // then 02-18, 02-19, 02-20, 02-21, 02-22
  await checkClasses('2024-02-09T23:59:00+08:00', [
    '2024-02-20T00:00:00+08:00', '2024-02-21T00:00:00+08:00', '2024-02-23T00:00:00+08:00',
    '2024-02-10T23:59:00+08:00'], '23:59 Friday');
});

test('received at 00:00 of the make-up Sunday 2024-02-18 vs one second earlier (holiday Sat 02-17 23:59:59)', async () => {
  await clock('2024-12-02T09:00:00+08:00');
  // 00:00 belongs to 02-18 (day 0): then 02-19, 02-20, 02-21, 02-22, 02-23
  await checkClasses('2024-02-18T00:00:00+08:00', [
    '2024-02-21T00:00:00+08:00', '2024-02-22T00:00:00+08:00', '2024-02-24T00:00:00+08:00',
    '2024-02-19T00:00:00+08:00'], '00:00 make-up Sunday');
  // a second earlier is the holiday 02-17 (day 0): then 02-18, 02-19, 02-20, 02-21, 02-22
  await checkClasses('2024-02-17T23:59:59+08:00', [
    '2024-02-20T00:00:00+08:00', '2024-02-21T00:00:00+08:00', '2024-02-23T00:00:00+08:00',
    '2024-02-18T23:59:59+08:00'], '23:59:59 holiday Saturday');
});

test('a receipt time given in UTC is placed on its Asia/Shanghai day', async () => {
  await clock('2024-12-02T09:00:00+08:00');
  // 2024-02-08T16:00Z = 2024-02-09T00:00+08:00, a Friday: 02-18, 02-19
  const c = await imported('咨询', '2024-02-08T16:00:00Z');
  assert.equal(c.received_at, '2024-02-09T00:00:00+08:00');
  assert.equal(c.due_at, '2024-02-20T00:00:00+08:00');
  assert.match(c.no, /^RX20240209/);
});

test('National Day 2024: Friday before, the off Saturday, the make-up Sunday at 00:00, a holiday, 23:59 on the last working day', async () => {
  await clock('2024-12-02T09:00:00+08:00');
  // Fri 09-27: then 09-29 (make-up Sun), 09-30, 10-08, 10-09, 10-10
  await checkClasses('2024-09-27T16:00:00+08:00', [
    '2024-10-01T00:00:00+08:00', '2024-10-09T00:00:00+08:00', '2024-10-11T00:00:00+08:00',
    '2024-09-28T16:00:00+08:00'], 'Friday 09-27');
  // Sat 09-28 (off): the same working days follow
  await checkClasses('2024-09-28T10:00:00+08:00', [
    '2024-10-01T00:00:00+08:00', '2024-10-09T00:00:00+08:00', '2024-10-11T00:00:00+08:00',
    '2024-09-29T10:00:00+08:00'], 'Saturday 09-28');
  // make-up Sun 09-29 00:00 is day 0: then 09-30, 10-08, 10-09, 10-10, 10-11
  await checkClasses('2024-09-29T00:00:00+08:00', [
    '2024-10-09T00:00:00+08:00', '2024-10-10T00:00:00+08:00', '2024-10-12T00:00:00+08:00',
    '2024-09-30T00:00:00+08:00'], 'make-up Sunday 00:00');
  // holiday 10-03: then 10-08, 10-09, 10-10, 10-11, 10-12 (make-up Sat)
  await checkClasses('2024-10-03T12:00:00+08:00', [
    '2024-10-10T00:00:00+08:00', '2024-10-11T00:00:00+08:00', '2024-10-13T00:00:00+08:00',
    '2024-10-04T12:00:00+08:00'], 'holiday 10-03');
  // Mon 09-30 23:59, the last working day before the holiday: then 10-08 … 10-12
  await checkClasses('2024-09-30T23:59:00+08:00', [
    '2024-10-10T00:00:00+08:00', '2024-10-11T00:00:00+08:00', '2024-10-13T00:00:00+08:00',
    '2024-10-01T23:59:00+08:00'], '23:59 Monday 09-30');
  // Fri 10-11: the make-up Saturday 10-12 is the 1st working day; then 10-14 … 10-17
  await checkClasses('2024-10-11T09:00:00+08:00', [
    '2024-10-15T00:00:00+08:00', '2024-10-16T00:00:00+08:00', '2024-10-18T00:00:00+08:00',
    '2024-10-12T09:00:00+08:00'], 'Friday 10-11');
});

test('the calendar covers 2025 and 2026 too: Spring Festival 2025 and National Day 2026', async () => {
  await clock('2026-12-01T09:00:00+08:00');
  // Mon 2025-01-27: 01-28 … 02-04 off; then 02-05, 02-06, 02-07, 02-08 (make-up Sat), 02-10
  await checkClasses('2025-01-27T10:00:00+08:00', [
    '2025-02-07T00:00:00+08:00', '2025-02-08T00:00:00+08:00', '2025-02-11T00:00:00+08:00',
    '2025-01-28T10:00:00+08:00'], 'Spring Festival 2025');
  // Wed 2026-09-30: 10-01 … 10-07 off; then 10-08, 10-09, 10-10 (make-up Sat), 10-12, 10-13
  await checkClasses('2026-09-30T10:00:00+08:00', [
    '2026-10-10T00:00:00+08:00', '2026-10-11T00:00:00+08:00', '2026-10-14T00:00:00+08:00',
    '2026-10-01T10:00:00+08:00'], 'National Day 2026');
});

// ---------------------------------------------------------------------------
// assignment deadlines from the dispatch

/** op1 registers a case at `at` (the clock) and disp1 dispatches it to dept.cg at the same instant. */
async function dispatchedAt(at, cls = '投诉') {
  await clock(at);
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const c = (await op1.create(caseBody({ class: cls, title: `签收时限 ${at}` }))).case;
  const d = await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  assert.equal(d.assignments.length, 1);
  const a = d.assignments[0];
  assert.equal(a.dispatched_at, at);
  return { c: d, a };
}

test('sign-for deadline: 2 working hours inside 08:30–12:00 / 14:00–17:30 from the dispatch', async () => {
  const rows = [
    // [dispatched at, class, sign_due_at, handle due_at]
    ['2024-02-08T10:00:00+08:00', '投诉', '2024-02-08T12:00:00+08:00', '2024-02-22T00:00:00+08:00'], // ends exactly at 12:00
    ['2024-02-08T11:30:00+08:00', '咨询', '2024-02-08T15:30:00+08:00', '2024-02-19T00:00:00+08:00'], // 30 min + lunch + 90 min
    ['2024-02-08T12:30:00+08:00', '求助', '2024-02-08T16:00:00+08:00', '2024-02-20T00:00:00+08:00'], // lunch: from 14:00
    ['2024-02-08T15:30:00+08:00', '投诉', '2024-02-08T17:30:00+08:00', '2024-02-22T00:00:00+08:00'], // ends exactly at 17:30
    ['2024-02-08T17:00:00+08:00', '投诉', '2024-02-09T10:00:00+08:00', '2024-02-22T00:00:00+08:00'], // 30 min + next morning 90 min
    ['2024-02-08T17:30:00+08:00', '投诉', '2024-02-09T10:30:00+08:00', '2024-02-22T00:00:00+08:00'], // after hours: next morning
    ['2024-02-08T07:00:00+08:00', '投诉', '2024-02-08T10:30:00+08:00', '2024-02-22T00:00:00+08:00'], // before 08:30
    // Friday afternoon before the Spring Festival: 90 min, then the make-up Sunday 02-18
    ['2024-02-09T16:00:00+08:00', '咨询', '2024-02-18T09:00:00+08:00', '2024-02-20T00:00:00+08:00'],
    // on a holiday: the first window is 02-18 08:30
    ['2024-02-12T10:00:00+08:00', '投诉', '2024-02-18T10:30:00+08:00', '2024-02-23T00:00:00+08:00'],
    // Friday before National Day: 90 min, then the make-up Sunday 09-29
    ['2024-09-27T16:00:00+08:00', '求助', '2024-09-29T09:00:00+08:00', '2024-10-09T00:00:00+08:00'],
    // Monday 09-30 afternoon, the last working day before National Day: 60 min, then 10-08
    ['2024-09-30T16:30:00+08:00', '投诉', '2024-10-08T09:30:00+08:00', '2024-10-13T00:00:00+08:00'],
    // Friday 10-11 17:00: 30 min, then the make-up Saturday 10-12
    ['2024-10-11T17:00:00+08:00', '咨询', '2024-10-12T10:00:00+08:00', '2024-10-15T00:00:00+08:00'],
  ];
  for (const [at, cls, sign, handle] of rows) {
    const { a } = await dispatchedAt(at, cls);
    assert.equal(a.sign_due_at, sign, `dispatched ${at}: sign-for due ${sign}, got ${a.sign_due_at}`);
    assert.equal(a.due_at, handle, `dispatched ${at} (${cls}): handle due ${handle}, got ${a.due_at}`);
  }
});

test('a 紧急 case dispatched on the Friday afternoon before the holiday: handle 24 clock hours, sign for within 15 clock minutes', async () => {
  const { c, a } = await dispatchedAt('2024-02-09T16:00:00+08:00', '紧急');
  assert.equal(c.due_at, '2024-02-10T16:00:00+08:00');
  assert.equal(a.due_at, '2024-02-10T16:00:00+08:00');
  // the type's 2 working hours would end 2024-02-18T09:00, eight days after
  // the work is due; the class's sign_within of 15 minutes replaces them
  assert.equal(a.sign_due_at, '2024-02-09T16:15:00+08:00');
});

// Urgency as type data (issue 8, Tianjin's rule): a class's "sign_within"
// replaces the type's "sign" deadline. 紧急 (life safety) 15 minutes and
// 水电气热 (utility outages) 30 minutes, by the clock on any day; the other
// classes keep 2 working hours.
test('sign_within: 紧急 15 and 水电气热 30 clock minutes on a holiday night and across midnight; ordinary classes wait for working hours', async () => {
  const admin = await srv.login('admin');
  const t = (await admin.get('/api/v1/types/hotline')).json;
  const cls = Object.fromEntries(t.classes.map((k) => [k.code, k]));
  assert.deepEqual(cls['紧急'].sign_within, { minutes: 15 });
  assert.deepEqual(cls['水电气热'].sign_within, { minutes: 30 });
  assert.equal(cls['投诉'].sign_within, undefined);
  const rows = [
    // [dispatched at, class, sign-for due, handle due]
    // Saturday 2024-02-10, 春节 (a holiday), 22:50
    ['2024-02-10T22:50:00+08:00', '紧急', '2024-02-10T23:05:00+08:00', '2024-02-11T22:50:00+08:00'],
    ['2024-02-10T22:50:00+08:00', '水电气热', '2024-02-10T23:20:00+08:00', '2024-02-21T00:00:00+08:00'],
    ['2024-02-10T22:50:00+08:00', '投诉', '2024-02-18T10:30:00+08:00', '2024-02-23T00:00:00+08:00'],
    // Sunday 2024-03-10 (a weekend), 23:50: the 15 and 30 minutes cross midnight
    ['2024-03-10T23:50:00+08:00', '紧急', '2024-03-11T00:05:00+08:00', '2024-03-11T23:50:00+08:00'],
    ['2024-03-10T23:50:00+08:00', '水电气热', '2024-03-11T00:20:00+08:00', '2024-03-14T00:00:00+08:00'],
    ['2024-03-10T23:50:00+08:00', '求助', '2024-03-11T10:30:00+08:00', '2024-03-14T00:00:00+08:00'],
    // a working Tuesday at 11:55: still 15 minutes, not the working-hour clock
    ['2024-03-12T11:55:00+08:00', '紧急', '2024-03-12T12:10:00+08:00', '2024-03-13T11:55:00+08:00'],
    ['2024-03-12T11:55:00+08:00', '咨询', '2024-03-12T15:55:00+08:00', '2024-03-15T00:00:00+08:00'],
  ];
  for (const [at, k, sign, handle] of rows) {
    const { a } = await dispatchedAt(at, k);
    assert.equal(a.sign_due_at, sign, `${k} dispatched ${at}: sign-for due ${sign}, got ${a.sign_due_at}`);
    assert.equal(a.due_at, handle, `${k} dispatched ${at}: handle due ${handle}, got ${a.due_at}`);
  }
});

test('sign_within on the clock: a 紧急 assignment unsigned 15 minutes into a holiday falls overdue then, not at the working-hour limit', async () => {
  const { c, a } = await dispatchedAt('2024-02-11T03:00:00+08:00', '紧急');
  assert.equal(a.sign_due_at, '2024-02-11T03:15:00+08:00');
  const admin = await srv.login('admin');
  const signEvents = async () => (await admin.events(c.id))
    .filter((e) => e.action === 'timer.overdue' && e.payload.timer === 'sign');
  await clock('2024-02-11T03:14:00+08:00');
  await sleep(1500);
  assert.deepEqual(await signEvents(), [], 'not overdue a minute before');
  await clock('2024-02-11T03:15:01+08:00');
  let ev = [];
  for (let i = 0; i < 40 && ev.length === 0; i++) {
    await sleep(100);
    ev = await signEvents();
  }
  assert.deepEqual(ev.map((e) => [e.payload.due_at, e.payload.assignment]), [['2024-02-11T03:15:00+08:00', a.id]]);
  // signed late, it is still signed; the rates count it as late (rates.md)
  const x = await (await srv.login('cg1')).must(c.id, 'sign', {});
  assert.equal(x.status, 'handling');
});

test('the handle deadline counts from the dispatch, the case deadline from the receipt', async () => {
  await clock('2024-12-02T09:00:00+08:00');
  const c = await imported('投诉', '2024-02-08T10:00:00+08:00');
  assert.equal(c.due_at, '2024-02-22T00:00:00+08:00');
  await clock('2024-02-18T09:00:00+08:00'); // the make-up Sunday
  const disp1 = await srv.login('disp1');
  const d = await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  assert.equal(d.due_at, '2024-02-22T00:00:00+08:00', 'the case keeps its own deadline');
  const a = d.assignments[0];
  assert.equal(a.dispatched_at, '2024-02-18T09:00:00+08:00');
  assert.equal(a.sign_due_at, '2024-02-18T11:00:00+08:00');
  assert.equal(a.due_at, '2024-02-24T00:00:00+08:00'); // 02-19 20 21 22 23
});

test('the sign-for timer warns inside the 4-hour window and falls overdue at the working-hour deadline, not before', async () => {
  const { c, a } = await dispatchedAt('2024-02-09T16:00:00+08:00', '投诉');
  assert.equal(a.sign_due_at, '2024-02-18T09:00:00+08:00');
  const admin = await srv.login('admin');
  const signEvents = async () => (await admin.events(c.id))
    .filter((e) => e.action.startsWith('timer.') && e.payload.timer === 'sign');
  // during the holiday, 4 hours before the deadline: a warning only
  await clock('2024-02-18T08:59:00+08:00');
  let ev = [];
  for (let i = 0; i < 40 && ev.length === 0; i++) {
    await sleep(100);
    ev = await signEvents();
  }
  assert.deepEqual(ev.map((e) => [e.action, e.payload.due_at, e.payload.assignment]),
    [['timer.warning', '2024-02-18T09:00:00+08:00', a.id]]);
  await clock('2024-02-18T09:00:01+08:00');
  for (let i = 0; i < 40 && ev.length < 2; i++) {
    await sleep(100);
    ev = await signEvents();
  }
  assert.deepEqual(ev.map((e) => [e.action, e.payload.due_at]),
    [['timer.warning', '2024-02-18T09:00:00+08:00'], ['timer.overdue', '2024-02-18T09:00:00+08:00']]);
  assert.equal(ev[1].actor, null);
  // a late sign-for is not auto-urged (only the handle deadline is)
  assert.equal((await admin.events(c.id)).filter((e) => e.action === 'urge').length, 0);
});

// ---------------------------------------------------------------------------
// callback deadline: 1 working day after the review

/** A case replied by dept.cg at `repliedAt` and reviewed by sup1 at `reviewAt`; returns the review event. */
async function reviewedAt(repliedAt, reviewAt) {
  const { c } = await dispatchedAt(repliedAt, '投诉');
  const cg1 = await srv.login('cg1');
  const sup1 = await srv.login('sup1');
  const admin = await srv.login('admin');
  await cg1.must(c.id, 'sign', {});
  await cg1.must(c.id, 'reply', { reply: '已处理。' });
  await clock(reviewAt);
  const x = await sup1.must(c.id, 'review', {});
  assert.equal(x.status, 'callback');
  const ev = (await admin.events(c.id)).filter((e) => e.action === 'review');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].at, reviewAt);
  return { c, review: ev[0] };
}

test('callback deadline: 24:00 of the working day after the review', async () => {
  const rows = [
    // [replied at, reviewed at, callback due]
    ['2024-03-05T09:00:00+08:00', '2024-03-05T10:00:00+08:00', '2024-03-07T00:00:00+08:00'], // Tue → Wed 03-06
    ['2024-02-09T09:00:00+08:00', '2024-02-09T15:00:00+08:00', '2024-02-19T00:00:00+08:00'], // Fri → make-up Sun 02-18
    ['2024-02-08T09:00:00+08:00', '2024-02-12T10:00:00+08:00', '2024-02-19T00:00:00+08:00'], // on a holiday → 02-18
    ['2024-09-30T09:00:00+08:00', '2024-09-30T10:00:00+08:00', '2024-10-09T00:00:00+08:00'], // Mon 09-30 → 10-08
    ['2024-10-11T09:00:00+08:00', '2024-10-11T16:00:00+08:00', '2024-10-13T00:00:00+08:00'], // Fri → make-up Sat 10-12
    ['2024-10-11T09:00:00+08:00', '2024-10-12T09:00:00+08:00', '2024-10-15T00:00:00+08:00'], // make-up Sat → Mon 10-14
  ];
  for (const [replied, reviewed, due] of rows) {
    const { review } = await reviewedAt(replied, reviewed);
    assert.equal(review.payload.timer_due_at, due, `reviewed ${reviewed}: callback due ${due}, got ${review.payload.timer_due_at}`);
  }
});

test('the callback timer falls overdue at its deadline (no auto-urge: it is the centre\'s own step)', async () => {
  const { c, review } = await reviewedAt('2024-10-11T09:00:00+08:00', '2024-10-11T16:00:00+08:00');
  assert.equal(review.payload.timer_due_at, '2024-10-13T00:00:00+08:00');
  const admin = await srv.login('admin');
  await clock('2024-10-13T00:00:05+08:00');
  let over;
  for (let i = 0; i < 40 && !over; i++) {
    await sleep(100);
    over = (await admin.events(c.id)).find((e) => e.action === 'timer.overdue' && e.payload.timer === 'callback');
  }
  assert.ok(over, 'timer.overdue for the callback');
  assert.equal(over.payload.due_at, '2024-10-13T00:00:00+08:00');
  assert.equal(over.payload.assignment, undefined);
  assert.equal((await admin.events(c.id)).filter((e) => e.action === 'urge').length, 0);
  // the callback itself is still possible, and closes the case
  const sup1 = await srv.login('sup1');
  assert.equal((await sup1.must(c.id, 'callback', { resolved: true, satisfaction: '基本满意' })).status, 'closed');
});
