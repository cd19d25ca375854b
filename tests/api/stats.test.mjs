// GET /api/v1/stats/{type}: the rates of DESIGN §4 as docs/rates.md defines
// them. A clean demo county (no demo cases) and the test clock; ten hotline
// cases are built through the API with known outcomes, and every number is
// checked against a hand count written as a fraction literal.
//
// The scenario (all cases owned by `county`; clock in Asia/Shanghai):
//  T0 = Mon 2025-03-03 09:00  A..G received
//    A → dept.cg, signed T0            B → dept.cg
//    C → dept.cg (lead) + town.a, both signed T0
//    D → town.a, signed T0             E → dept.cg, returned, approved, → town.a
//    F merged into A                   G transferred to 110
//  T1 = 11:30 (sign-for limit was 11:00)
//    B and E signed late; A and C replied; A called back (resolved, 满意) → closed;
//    C called back (resolved, 不满意) → handling
//  T2 = Tue 2025-03-04 09:00  H (求助, channel 110), I (咨询, web), J received
//    H → dept.cg, signed T2; I answered directly → closed;
//    J → dept.sl (lead), dept.zj, dept.rs, town.b: four units → problem case
//  T3 = Tue 2025-03-11 09:00 (the 投诉 deadline of a 03-03 case was 03-11 00:00)
//    B replied late, called back (resolved, 基本满意) → closed
//    D replied late, called back (not resolved, 不满意) → handling
//    E replied late, sent back by `reopen` → handling
//    C replied again, called back (resolved, 满意) → closed
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody } from './helpers.mjs';

const srv = await startServer({ cases: false, testClock: true });

const T0 = '2025-03-03T09:00:00+08:00';
const T1 = '2025-03-03T11:30:00+08:00';
const T2 = '2025-03-04T09:00:00+08:00';
const T3 = '2025-03-11T09:00:00+08:00';

// The server writes reals with 10 significant digits (src/http/server.c), so
// an expected fraction is compared after the same rounding: still exact.
const R = (x) => (x === null ? null : Number(x.toPrecision(10)));
const RATES = ['response_rate', 'completion_rate', 'on_time_rate', 'resolution_rate',
  'satisfaction_rate', 'return_rate', 'reopen_rate', 'duplicate_rate'];

function assertRates(got, want, where) {
  for (const k of RATES) {
    assert.ok(k in got, `${where}: ${k} present`);
    assert.equal(got[k], R(want[k]), `${where}: ${k}`);
  }
}

function assertCounts(got, want, where) {
  for (const [k, v] of Object.entries(want)) {
    if (typeof v === 'object') {
      for (const [kk, vv] of Object.entries(v)) assert.equal(got[k][kk], vv, `${where}: counts.${k}.${kk}`);
    } else {
      assert.equal(got[k], v, `${where}: counts.${k}`);
    }
  }
}

async function stats(who, query = '') {
  const c = await srv.login(who);
  const r = await c.get(`/api/v1/stats/hotline${query}`);
  assert.equal(r.status, 200, `stats${query} as ${who}: ${r.text}`);
  return r.json;
}

const ids = {};

test('scenario: ten hotline cases with known outcomes, built through the API', async () => {
  const u = {};
  for (const n of ['op1', 'disp1', 'sup1', 'cg1', 'town1']) u[n] = await srv.login(n);
  const create = async (name, extra = {}) => {
    const c = (await u.op1.create(caseBody({ org: 'county', title: `统计测试${name}`, ...extra }))).case;
    ids[name] = c.id;
    return c;
  };

  await srv.setClock(T0);
  for (const n of ['A', 'B', 'C', 'D', 'E', 'F', 'G']) await create(n);
  await u.disp1.must(ids.A, 'dispatch', { org: 'dept.cg' });
  await u.disp1.must(ids.B, 'dispatch', { org: 'dept.cg' });
  await u.disp1.must(ids.C, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.disp1.must(ids.D, 'dispatch', { org: 'town.a' });
  await u.disp1.must(ids.E, 'dispatch', { org: 'dept.cg' });
  assert.equal((await u.op1.must(ids.F, 'merge', { into: ids.A })).status, 'merged');
  assert.equal((await u.op1.must(ids.G, 'transfer_110', { reason: '属于警务事项' })).status, 'transferred_110');
  await u.cg1.must(ids.A, 'sign');
  await u.cg1.must(ids.C, 'sign');
  await u.town1.must(ids.C, 'sign');
  await u.town1.must(ids.D, 'sign');
  await u.cg1.must(ids.E, 'return', { reason: '不属于本单位职责' });
  assert.equal((await u.disp1.must(ids.E, 'approve_return')).status, 'received');
  await u.disp1.must(ids.E, 'dispatch', { org: 'town.a' });

  await srv.setClock(T1);
  await u.cg1.must(ids.B, 'sign');
  await u.town1.must(ids.E, 'sign');
  assert.equal((await u.cg1.must(ids.A, 'reply', { reply: '已处理。' })).status, 'replied');
  await u.cg1.must(ids.C, 'reply', { reply: '主办已处理。' });
  assert.equal((await u.town1.must(ids.C, 'reply', { reply: '协办已处理。' })).status, 'replied');
  await u.sup1.must(ids.A, 'review');
  assert.equal((await u.sup1.must(ids.A, 'callback', { resolved: true, satisfaction: '满意' })).status, 'closed');
  await u.sup1.must(ids.C, 'review');
  assert.equal((await u.sup1.must(ids.C, 'callback', { resolved: true, satisfaction: '不满意' })).status, 'handling');

  await srv.setClock(T2);
  await create('H', { class: '求助', channel: '110' });
  await create('I', { class: '咨询', channel: 'web' });
  await create('J');
  await u.disp1.must(ids.H, 'dispatch', { org: 'dept.cg' });
  await u.cg1.must(ids.H, 'sign');
  assert.equal((await u.op1.must(ids.I, 'answer', { answer: '已当场答复。' })).status, 'closed');
  const j = await u.disp1.must(ids.J, 'dispatch', { orgs: ['dept.sl', 'dept.zj', 'dept.rs', 'town.b'], lead: 'dept.sl' });
  assert.equal(j.fields.problem, true, 'four units make J a problem case');

  await srv.setClock(T3);
  await u.cg1.must(ids.B, 'reply', { reply: '已处理。' });
  await u.sup1.must(ids.B, 'review');
  assert.equal((await u.sup1.must(ids.B, 'callback', { resolved: true, satisfaction: '基本满意' })).status, 'closed');
  await u.town1.must(ids.D, 'reply', { reply: '已处理。' });
  await u.sup1.must(ids.D, 'review');
  assert.equal((await u.sup1.must(ids.D, 'callback', { resolved: false, satisfaction: '不满意' })).status, 'handling');
  assert.equal((await u.town1.must(ids.E, 'reply', { reply: '已处理。' })).status, 'replied');
  assert.equal((await u.sup1.must(ids.E, 'reopen', { reason: '答复不完整' })).status, 'handling');
  await u.cg1.must(ids.C, 'reply', { reply: '重新处理。' });
  await u.town1.must(ids.C, 'reply', { reply: '配合重新处理。' });
  await u.sup1.must(ids.C, 'review');
  assert.equal((await u.sup1.must(ids.C, 'callback', { resolved: true, satisfaction: '满意' })).status, 'closed');

  // the facts the hand counts below rely on
  const admin = await srv.login('admin');
  const b = await admin.case(ids.B);
  assert.ok(Date.parse(b.assignments[0].signed_at) > Date.parse(b.assignments[0].sign_due_at), 'B signed late');
  const e = await admin.case(ids.E);
  assert.deepEqual(e.assignments.map((a) => [a.org.code, a.status]), [['dept.cg', 'cancelled'], ['town.a', 'signed']]);
  const ev = await admin.events(ids.B);
  const firstReply = ev.find((x) => x.to === 'replied');
  assert.ok(Date.parse(firstReply.at) > Date.parse(firstReply.payload.due_at), 'B replied after its deadline');
});

const WHOLE = {
  // assignments: A, B, C×2, D, E×2 (one cancelled by the return), H, J×4 = 12;
  // signed by the limit: A, C×2, D, H
  response_rate: 5 / 12,
  // closed A, B, C, I ÷ (10 received − F merged − G transferred); F closed
  // with A (follows_parent) is a duplicate, in neither
  completion_rate: 4 / 8,
  // replied A, B, C, D, E; by the deadline the first time: A, C
  on_time_rate: 2 / 5,
  // callbacks A, C, B, D, C; resolved all but D's
  resolution_rate: 4 / 5,
  // 满意 A, 基本满意 B, 满意 C (second)
  satisfaction_rate: 3 / 5,
  // E's dept.cg assignment
  return_rate: 1 / 12,
  // C and D reopened by callback, E by reopen
  reopen_rate: 3 / 5,
  // F
  duplicate_rate: 1 / 10,
};

test('the whole county: counts and every rate', async () => {
  const s = await stats('leader1', '?org=county&from=2025-03-01&to=2025-03-31');
  assert.equal(s.type, 'hotline');
  assert.equal(s.org.code, 'county');
  assert.equal(typeof s.org.name, 'string');
  assert.equal(s.from, '2025-03-01');
  assert.equal(s.to, '2025-03-31');
  assert.equal(s.received, 10);
  assert.equal(s.closed, 5, 'A, B, C, I, and F, merged into A, closed with it');
  assertRates(s, WHOLE, 'county');
  assertCounts(s.counts, {
    by_class: { 投诉: 8, 求助: 1, 咨询: 1, 举报: 0, 建议: 0, 表扬: 0, 紧急: 0, 水电气热: 0 },
    by_channel: { phone: 8, 110: 1, web: 1, app: 0 },
    by_status: { closed: 5, handling: 3, dispatched: 1, merged: 0, transferred_110: 1, received: 0, replied: 0, callback: 0 },
    from_110: 1, to_110: 1, merged: 1, transferred_110: 1, problem: 1, callbacks: 5, resolved: 4,
    satisfied: 3, replied: 5, replied_on_time: 2, reopened: 3, assignments: 12, signed_on_time: 5,
    returned: 1,
  }, 'county');
  assert.equal(Object.keys(s.counts.by_status).length, 10, 'every state of the type is named');
  assert.ok(!('groups' in s), 'no groups unless asked');
});

test('defaults: the current month of the business clock, the caller\'s stats scope; sup1 may read', async () => {
  await srv.setClock(T3);
  const s = await stats('leader1');
  assert.equal(s.org.code, 'county');
  assert.equal(s.from, '2025-03-01');
  assert.equal(s.to, '2025-03-31');
  assert.equal(s.received, 10);
  assertRates(s, WHOLE, 'default');
  const sup = await stats('sup1');
  assert.equal(sup.received, 10);
  assertRates(sup, WHOLE, 'sup1');
  const admin = await stats('admin', '?org=county');
  assert.equal(admin.received, 10);
});

// group=org and the ranking: a unit's cases are those it leads (A, B, C, H for
// dept.cg — E's cancelled lead does not count); its response and return rates
// use its own assignments of any kind on in-scope cases.
const UNITS = {
  'dept.cg': {
    response_rate: 3 / 5, // A, B, C, E (cancelled), H; by the limit A, C, H
    completion_rate: 3 / 4,
    on_time_rate: 2 / 3, // A, C of A, B, C
    resolution_rate: 4 / 4,
    satisfaction_rate: 3 / 4,
    return_rate: 1 / 5, // E
    reopen_rate: 1 / 3, // C
    duplicate_rate: 0 / 4,
  },
  'town.a': {
    response_rate: 2 / 3, // C (assist), D, E; E late
    completion_rate: 0 / 2,
    on_time_rate: 0 / 2,
    resolution_rate: 0 / 1,
    satisfaction_rate: 0 / 1,
    return_rate: 0 / 3,
    reopen_rate: 2 / 2,
    duplicate_rate: 0 / 2,
  },
  'dept.sl': {
    response_rate: 0 / 1,
    completion_rate: 0 / 1,
    on_time_rate: null,
    resolution_rate: null,
    satisfaction_rate: null,
    return_rate: 0 / 1,
    reopen_rate: null,
    duplicate_rate: 0 / 1,
  },
};

test('ranking: units leading a case, by score (mean of response, on-time, resolution, satisfaction)', async () => {
  const s = await stats('leader1', '?from=2025-03-01&to=2025-03-31');
  assert.deepEqual(s.ranking.map((x) => [x.rank, x.org.code, x.cases]),
    [[1, 'dept.cg', 4], [2, 'town.a', 2], [3, 'dept.sl', 1]]);
  const [cg, ta, sl] = s.ranking;
  assert.equal(cg.score, R((3 / 5 + 2 / 3 + 1 + 3 / 4) / 4));
  assert.equal(ta.score, R((2 / 3 + 0 + 0 + 0) / 4));
  assert.equal(sl.score, 0, 'only the response rate is defined for dept.sl');
  assertRates(cg, UNITS['dept.cg'], 'ranking dept.cg');
  assertRates(ta, UNITS['town.a'], 'ranking town.a');
  assertRates(sl, UNITS['dept.sl'], 'ranking dept.sl');
});

test('group=org: one group per lead unit, ordered by org code', async () => {
  const s = await stats('leader1', '?from=2025-03-01&to=2025-03-31&group=org');
  assert.deepEqual(s.groups.map((g) => g.key), ['dept.cg', 'dept.sl', 'town.a']);
  const by = Object.fromEntries(s.groups.map((g) => [g.key, g]));
  assert.deepEqual(Object.fromEntries(s.groups.map((g) => [g.key, [g.received, g.closed]])),
    { 'dept.cg': [4, 3], 'dept.sl': [1, 0], 'town.a': [2, 0] });
  for (const [code, want] of Object.entries(UNITS)) {
    assert.equal(by[code].org.code, code);
    assertRates(by[code], want, `group ${code}`);
  }
  assertCounts(by['dept.cg'].counts, {
    by_class: { 投诉: 3, 求助: 1 }, by_channel: { phone: 3, 110: 1 }, from_110: 1, callbacks: 4,
    assignments: 5, returned: 1, problem: 0,
  }, 'group dept.cg');
  assertCounts(by['dept.sl'].counts, { problem: 1, assignments: 1, callbacks: 0 }, 'group dept.sl');
  assert.equal(s.received, 10, 'the totals are unchanged by grouping');
  assertRates(s, WHOLE, 'group=org totals');
  assert.equal(s.ranking.length, 3);
});

test('group=day: one group per Asia/Shanghai day of receipt', async () => {
  const s = await stats('sup1', '?from=2025-03-01&to=2025-03-31&group=day');
  assert.deepEqual(s.groups.map((g) => [g.key, g.received, g.closed]),
    [['2025-03-03', 7, 4], ['2025-03-04', 3, 1]]); // F closed with A
  const [d3, d4] = s.groups;
  assertRates(d3, {
    response_rate: 4 / 7, // A, B, C×2, D, E×2; by the limit A, C×2, D
    completion_rate: 3 / 5, // A, B, C ÷ (7 − F − G)
    on_time_rate: 2 / 5,
    resolution_rate: 4 / 5,
    satisfaction_rate: 3 / 5,
    return_rate: 1 / 7,
    reopen_rate: 3 / 5,
    duplicate_rate: 1 / 7,
  }, '2025-03-03');
  assertRates(d4, {
    response_rate: 1 / 5, // H, J×4; by the limit H
    completion_rate: 1 / 3, // I
    on_time_rate: null,
    resolution_rate: null,
    satisfaction_rate: null,
    return_rate: 0 / 5,
    reopen_rate: null,
    duplicate_rate: 0 / 3,
  }, '2025-03-04');
  assertCounts(d3.counts, { to_110: 1, from_110: 0, problem: 0, merged: 1 }, '2025-03-03');
  assertCounts(d4.counts, { to_110: 0, from_110: 1, problem: 1, merged: 0, by_class: { 投诉: 1, 求助: 1, 咨询: 1 } }, '2025-03-04');
  assert.ok(!('ranking' in d3), 'groups carry no ranking');
  assert.ok(Array.isArray(s.ranking));
});

test('a unit below the cases\' owner counts only its own assignments; unit_lead reads its unit', async () => {
  // dept.cg: A, B, C, H (E no longer has a live dept.cg assignment)
  const s = await stats('cglead', '?from=2025-03-01&to=2025-03-31');
  assert.equal(s.org.code, 'dept.cg', 'without org: the caller\'s stats scope');
  assert.equal(s.received, 4);
  assert.equal(s.closed, 3);
  assertRates(s, {
    response_rate: 3 / 4, // dept.cg's on A, B, C, H
    completion_rate: 3 / 4,
    on_time_rate: 2 / 3,
    resolution_rate: 4 / 4,
    satisfaction_rate: 3 / 4,
    return_rate: 0 / 4,
    reopen_rate: 1 / 3,
    duplicate_rate: 0 / 4,
  }, 'dept.cg');
  assert.deepEqual(s.ranking.map((x) => x.org.code), ['dept.cg']);

  // town.a: C (assist), D, E; only town.a's three assignments count
  const t = await stats('sup1', '?org=town.a&from=2025-03-01&to=2025-03-31');
  assert.equal(t.org.code, 'town.a');
  assert.equal(t.received, 3);
  assertRates(t, {
    response_rate: 2 / 3,
    completion_rate: 1 / 3, // C
    on_time_rate: 1 / 3, // C
    resolution_rate: 2 / 3, // C twice of C, D, C
    satisfaction_rate: 1 / 3, // C's second
    return_rate: 0 / 3, // E's return was dept.cg's
    reopen_rate: 3 / 3,
    duplicate_rate: 0 / 3,
  }, 'town.a');
  assert.equal(t.counts.assignments, 3);
  assert.deepEqual(t.ranking.map((x) => x.org.code), ['town.a']);

  // by id as well as by code
  const org = (await (await srv.login('admin')).get('/api/v1/orgs/' + t.org.id)).json;
  assert.equal(org.code, 'town.a');
  const byId = await stats('sup1', `?org=${t.org.id}&from=2025-03-01&to=2025-03-31`);
  assert.equal(byId.received, 3);
});

test('ISO 8601 instants bound the period as given', async () => {
  const s = await stats('leader1', `?from=${encodeURIComponent(T2)}&to=2025-03-04`);
  assert.equal(s.from, '2025-03-04T09:00:00+08:00');
  assert.equal(s.to, '2025-03-04');
  assert.equal(s.received, 3);
  const none = await stats('leader1', `?from=${encodeURIComponent('2025-03-04T09:00:01+08:00')}&to=2025-03-04`);
  assert.equal(none.received, 0);
});

test('nothing in scope: zero counts, every rate null, empty ranking', async () => {
  const s = await stats('leader1', '?from=2025-01-01&to=2025-01-31&group=day');
  assert.equal(s.received, 0);
  assert.equal(s.closed, 0);
  for (const k of RATES) assert.equal(s[k], null, k);
  assert.deepEqual(s.ranking, []);
  assert.deepEqual(s.groups, []);
  assert.equal(s.counts.assignments, 0);
  assert.equal(s.counts.by_class['投诉'], 0);
  const g = await stats('leader1', '?from=2025-01-01&to=2025-01-31&group=org');
  assert.deepEqual(g.groups, []);
});

test('permissions: no stats.read → 403; an org outside the caller\'s scope → 403', async () => {
  const cg1 = await srv.login('cg1');
  assertError(await cg1.get('/api/v1/stats/hotline'), 403, 'permission.denied');
  assertError(await cg1.get('/api/v1/stats/hotline?org=dept.cg'), 403, 'permission.denied');
  const op1 = await srv.login('op1');
  assertError(await op1.get('/api/v1/stats/hotline'), 403, 'permission.denied');
  const cglead = await srv.login('cglead');
  assertError(await cglead.get('/api/v1/stats/hotline?org=town.a'), 403, 'permission.denied', 'org');
  assertError(await cglead.get('/api/v1/stats/hotline?org=county'), 403, 'permission.denied', 'org');
  assertError(await srv.raw('GET', '/api/v1/stats/hotline'), 401);
});

test('bad input: 400 with the field; unknown type 404', async () => {
  const l = await srv.login('leader1');
  const bad = [
    ['?from=2025-02-30', 'from'],
    ['?from=yesterday', 'from'],
    ['?to=2025-3-1', 'to'],
    ['?from=2025-03-10&to=2025-03-09', 'to'],
    ['?from=2020-01-01&to=2025-12-31', 'to'],
    ['?group=week', 'group'],
    ['?org=dept.nosuch', 'org'],
  ];
  for (const [q, field] of bad) assertError(await l.get(`/api/v1/stats/hotline${q}`), 400, 'field.invalid', field);
  assertError(await l.get('/api/v1/stats/nosuch'), 404, 'not_found');
  // a one-day period is fine
  assert.equal((await l.get('/api/v1/stats/hotline?from=2025-03-04&to=2025-03-04')).json.received, 3);
});
