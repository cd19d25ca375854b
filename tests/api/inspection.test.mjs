// Rolling safety inspection, 滚动排查 (config/types/inspection.json,
// docs/inspection.md), end to end through the API on the demo county's
// enterprise registry without cases, the business clock at Monday
// 2026-03-02 10:00, each step as the people who take it:
//   a  plans: who reads and sets them (enterprise.manage), hostile filters
//      and bodies (nothing written), a stale version;
//   b  generation: one due inspection per enterprise and period, by risk
//      level, idempotent; owned by the enterprise (an enterprise account
//      sees its own, never another's), assigned to the inspecting org; no
//      one registers one by hand;
//   c  recording: hostile checklists refused with nothing written, a
//      checklist with one failed item becomes one linked hazard in the same
//      step (the "Done means"), an all-passed one closes as 合格;
//   d  a missed inspection is flagged by the system at its date (the
//      issue's "Done means"), the inspecting org is told, it stays on the
//      inspector's queue, a person may not flag it, it may still be done
//      late; a changed frequency takes effect with the next period;
//   e  the figures: GET /api/v1/stats/inspection, exact;
//   f  a failed write (a full disk): generation answers 503 and writes
//      nothing, then makes them all once space returns (on SQLite a full
//      tmpfs under the database file; on PostgreSQL the error the server
//      gets from a full disk there).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, assertError, runCmd, untilCase, failingTrigger, BACKEND } from './helpers.mjs';

const MONDAY = '2026-03-02T10:00:00+08:00';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const srv = await startServer({ cases: false, testClock: true });
await srv.setClock(MONDAY);

const insp = await srv.login('insp1');
const ids = {}; // enterprise code → org id

const answers = (codes, failed = {}) =>
  codes.map((c) => (failed[c] ? { item: c, ok: false, note: failed[c] } : { item: c, ok: true }));
const GM = ['GM-01', 'GM-02', 'GM-03', 'GM-04', 'GM-05'];
const WH = ['WH-01', 'WH-02', 'WH-03', 'WH-04', 'WH-05'];
const MK = ['MK-01', 'MK-02', 'MK-03', 'MK-04', 'MK-05'];

async function inspectionOf(c, org) {
  const r = await c.get(`/api/v1/cases?type=inspection&org=${org}&limit=50`);
  assert.equal(r.status, 200, r.text);
  return r.json.items;
}

test('a: the regulator reads and sets plans; others may not; hostile input writes nothing', async () => {
  const r = await insp.get('/api/v1/inspection-plans?limit=200');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 15);
  assert.equal(r.json.next_cursor, null);
  for (const p of r.json.items) ids[p.org.code] = p.org.id;
  const demo1 = r.json.items.find((p) => p.org.code === 'ent.demo1');
  assert.deepEqual(
    { industry: demo1.industry, risk: demo1.risk_level, f: demo1.frequency, def: demo1.by_default, io: demo1.inspecting_org.code, latest: demo1.latest, next: demo1.next_period, v: demo1.version },
    { industry: '工贸', risk: '黄', f: 'quarterly', def: true, io: 'dept.yj', latest: null, next: { period: '2026-Q1', due_date: '2026-03-31' }, v: 0 });
  const byRisk = Object.fromEntries(r.json.items.map((p) => [p.risk_level, p.frequency]));
  assert.deepEqual(byRisk, { 红: 'monthly', 橙: 'monthly', 黄: 'quarterly', 蓝: 'yearly' });

  // filters and pages
  const red = await insp.get('/api/v1/inspection-plans?risk_level=' + encodeURIComponent('红'));
  assert.deepEqual(red.json.items.map((p) => p.org.code).sort(), ['ent.demo10', 'ent.demo2', 'ent.demo3']);
  const coal = await insp.get('/api/v1/inspection-plans?industry=' + encodeURIComponent('煤矿'));
  assert.deepEqual(coal.json.items.map((p) => p.org.code), ['ent.demo3']);
  const p1 = await insp.get('/api/v1/inspection-plans?limit=10');
  const p2 = await insp.get('/api/v1/inspection-plans?limit=10&cursor=' + p1.json.next_cursor);
  assert.equal(p1.json.items.length + p2.json.items.length, 15);
  assert.equal(p2.json.next_cursor, null);
  assertError(await insp.get('/api/v1/inspection-plans?risk_level=' + encodeURIComponent('紫')), 400, 'field.invalid', 'risk_level');
  assertError(await insp.get('/api/v1/inspection-plans?industry=%01x'), 400, 'field.invalid', 'industry');
  assertError(await insp.get('/api/v1/inspection-plans?industry=%ff'), 400);
  assertError(await insp.get('/api/v1/inspection-plans?limit=0'), 400, 'field.invalid', 'limit');
  assertError(await insp.get('/api/v1/inspection-plans?limit=201'), 400, 'field.invalid', 'limit');
  assertError(await insp.get('/api/v1/inspection-plans?org=nowhere'), 404);

  for (const who of ['ent1', 'leader1', 'op1', 'jw1', 'town1']) {
    const c = await srv.login(who);
    assertError(await c.get('/api/v1/inspection-plans'), 403, 'permission.denied');
    assertError(await c.req('PATCH', `/api/v1/inspection-plans/${ids['ent.demo1']}`, { frequency: 'monthly' }), 403, 'permission.denied');
    assertError(await c.post('/api/v1/inspection-plans/generate', {}), 403, 'permission.denied');
  }

  const id = ids['ent.demo13'];
  const patch = (body) => insp.req('PATCH', `/api/v1/inspection-plans/${id}`, body);
  assertError(await patch({ frequency: 'weekly' }), 400, 'field.invalid', 'frequency');
  assertError(await patch({ frequency: 12 }), 400, 'field.invalid', 'frequency');
  assertError(await patch({ inspecting_org: 'village.a1' }), 400, 'field.invalid', 'inspecting_org');
  assertError(await patch({ inspecting_org: 'nowhere' }), 400, 'field.invalid', 'inspecting_org');
  assertError(await patch({ owner: 'me' }), 400, 'field.unknown', 'owner');
  assertError(await patch({ frequency: 'monthly', version: 7 }), 409, 'case.version_conflict', 'version');
  assertError(await patch('[1]'), 400);
  assertError(await insp.req('PATCH', '/api/v1/inspection-plans/1', { frequency: 'monthly' }), 404); // the county is no enterprise
  assertError(await insp.req('PATCH', '/api/v1/inspection-plans/999999', { frequency: 'monthly' }), 404);
  assertError(await insp.req('PATCH', '/api/v1/inspection-plans/abc', { frequency: 'monthly' }), 404);
  const still = (await insp.get('/api/v1/inspection-plans?org=ent.demo13')).json.items[0];
  assert.equal(still.version, 0);
  assert.equal(still.by_default, true);

  const ok = await patch({ frequency: 'monthly', inspecting_org: 'town.a', version: 0 });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual({ f: ok.json.frequency, def: ok.json.by_default, io: ok.json.inspecting_org.code, v: ok.json.version },
    { f: 'monthly', def: false, io: 'town.a', v: 1 });
  const back = await patch({ frequency: null, inspecting_org: null, version: 1 });
  assert.deepEqual({ f: back.json.frequency, def: back.json.by_default, io: back.json.inspecting_org.code, v: back.json.version },
    { f: 'quarterly', def: true, io: 'dept.yj', v: 2 });
});

let demo1Case;

test('b: generation makes one due inspection per enterprise and period, by risk level, idempotent', async () => {
  // nobody registers an inspection by hand: the plans do
  assertError(await insp.post('/api/v1/cases', {
    type: 'inspection', org: 'ent.demo1', description: '手工检查',
    fields: { period: '2026-03', due_date: '2026-03-31' },
  }), 403, 'permission.denied', 'type');
  assertError(await insp.post('/api/v1/inspection-plans/generate', { org: 'nowhere' }), 404);
  assertError(await insp.post('/api/v1/inspection-plans/generate', { all: true }), 400, 'field.unknown', 'all');

  const g = await insp.post('/api/v1/inspection-plans/generate', {});
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.generated, 15);
  const periods = Object.fromEntries(g.json.items.map((i) => [i.org, i.period]));
  assert.equal(periods['ent.demo2'], '2026-03'); // 红: monthly
  assert.equal(periods['ent.demo4'], '2026-03'); // 橙
  assert.equal(periods['ent.demo1'], '2026-Q1'); // 黄: quarterly
  assert.equal(periods['ent.demo9'], '2026'); // 蓝: yearly
  const again = await insp.post('/api/v1/inspection-plans/generate', {});
  assert.equal(again.json.generated, 0);
  assert.equal((await insp.post('/api/v1/inspection-plans/generate', { org: 'ent.demo1' })).json.generated, 0);

  const [c] = await inspectionOf(insp, 'ent.demo1');
  demo1Case = c.id;
  const x = await insp.case(c.id);
  assert.equal(x.type, 'inspection');
  assert.equal(x.status, 'jc_due');
  assert.equal(x.class, 'quarterly');
  assert.equal(x.org.code, 'ent.demo1');
  assert.equal(x.due_at, '2026-04-01T00:00:00+08:00');
  assert.deepEqual(x.fields, { period: '2026-Q1', due_date: '2026-03-31', industry: '工贸', risk_level: '黄' });
  assert.equal(x.title, '濂江县鑫盛脐橙食品有限公司 2026年第1季度滚动排查');
  assert.deepEqual(x.assignments.map((a) => [a.org.code, a.kind, a.status]), [['dept.yj', 'lead', 'pending']]);
  assert.deepEqual(x.actions.map((a) => a.code), ['jc_record']);

  // the enterprise sees its own inspection, never another's
  const ent1 = await srv.login('ent1');
  const ent2 = await srv.login('ent2');
  assert.equal((await ent1.case(c.id)).no, x.no);
  assert.deepEqual((await ent1.case(c.id)).actions, []);
  assertError(await ent2.get(`/api/v1/cases/${c.id}`), 404);
  const mine = await ent2.get('/api/v1/cases?type=inspection&limit=50');
  assert.deepEqual(mine.json.items.map((i) => i.org.code), ['ent.demo2']);
  // its plan page reads the latest
  const plan = (await insp.get('/api/v1/inspection-plans?org=ent.demo1')).json.items[0];
  assert.deepEqual({ p: plan.latest.period, s: plan.latest.status, m: plan.latest.missed, next: plan.next_period.period },
    { p: '2026-Q1', s: 'jc_due', m: false, next: '2026-Q2' });
});

test('c: hostile checklists are refused and write nothing; a failed item becomes a linked hazard', async () => {
  const before = await insp.case(demo1Case);
  const rec = (results, extra = {}) => insp.act(demo1Case, 'jc_record', {
    inspected_at: '2026-03-05T09:30:00+08:00', inspectors: '张建华、李明', results, ...extra,
  });
  assertError(await rec(answers(GM.slice(0, 4))), 400, 'field.invalid', 'results'); // one unanswered
  assertError(await rec([...answers(GM.slice(0, 4)), { item: 'MK-01', ok: true }]), 400, 'field.invalid', 'results'); // another industry's
  assertError(await rec([...answers(GM.slice(0, 4)), { item: 'GM-01', ok: false }]), 400, 'field.invalid', 'results'); // twice
  assertError(await rec([...answers(GM.slice(0, 4)), { item: 'GM-05', ok: 'no' }]), 400, 'field.invalid', 'results');
  assertError(await rec([...answers(GM.slice(0, 4)), { item: 'GM-05', ok: true, score: 3 }]), 400, 'field.invalid', 'results');
  assertError(await rec([...answers(GM.slice(0, 4)), { item: 'GM-05', ok: false, note: '中'.repeat(501) }]), 400, 'field.invalid', 'results');
  assertError(await rec([...answers(GM.slice(0, 4)), { item: 'GM-05', ok: false, note: 'a\u0007b' }]), 400, 'field.invalid', 'results');
  assertError(await rec([...answers(GM.slice(0, 4)), 'GM-05']), 400, 'field.invalid', 'results');
  assertError(await rec({ 'GM-01': true }), 400, 'field.invalid', 'results');
  assertError(await rec(answers(GM), { inspected_at: '昨天' }), 400, 'field.invalid', 'inspected_at');
  assertError(await rec(answers(GM), { inspectors: 'x'.repeat(101) }), 400, 'field.too_long', 'inspectors');
  assertError(await rec(answers(GM), { level: '重大' }), 400, 'field.unknown', 'level');
  assertError(await insp.act(demo1Case, 'jc_record', { inspectors: '张建华', results: answers(GM) }), 400, 'field.required', 'inspected_at');
  // not the inspector's to record: the enterprise, a township handler
  assertError(await (await srv.login('ent1')).act(demo1Case, 'jc_record', { inspected_at: '2026-03-05T09:30:00+08:00', inspectors: '自查', results: answers(GM) }), 403);
  assertError(await (await srv.login('town1')).act(demo1Case, 'jc_record', { inspected_at: '2026-03-05T09:30:00+08:00', inspectors: 'x', results: answers(GM) }), 403);
  assertError(await (await srv.login('town2')).act(demo1Case, 'jc_record', { inspected_at: '2026-03-05T09:30:00+08:00', inspectors: 'x', results: answers(GM) }), 404);
  const after = await insp.case(demo1Case);
  assert.equal(after.version, before.version);
  assert.equal(after.status, 'jc_due');
  assert.equal((await insp.get('/api/v1/cases?type=hazard&limit=50')).json.items.length, 0);

  // one failed item → one hazard, in the same step, linked both ways
  const r = await rec(answers(GM, { 'GM-02': '有限空间作业未审批，现场无监护人' }), { notes: '其余检查项合格。', version: before.version });
  assert.equal(r.status, 200, r.text);
  const x = r.json.case;
  assert.equal(x.status, 'jc_found');
  assert.equal(x.status_name, '已检查（发现隐患）');
  assert.equal(x.fields.hazards_found, 1);
  assert.equal(x.fields.results.length, 5);
  assert.ok(x.closed_at);
  const inLinks = x.links.filter((l) => l.kind === 'found_by');
  assert.equal(inLinks.length, 1);
  assert.equal(inLinks[0].direction, 'in');
  const hz = await insp.case(inLinks[0].case);
  assert.equal(hz.type, 'hazard');
  assert.equal(hz.org.code, 'ent.demo1');
  assert.equal(hz.fields.source, '部门检查');
  assert.equal(hz.fields.category, '工贸');
  assert.equal(hz.fields.inspection_id, demo1Case);
  assert.equal(hz.title, '「有限空间作业审批、检测、监护到位」不符合要求');
  assert.match(hz.description, /GM-02/);
  assert.match(hz.description, /有限空间作业未审批，现场无监护人/);
  assert.deepEqual(hz.links.map((l) => [l.kind, l.case, l.direction]), [['found_by', demo1Case, 'out']]);
  // its own event on the chain, by the inspector; the inspection's event names it
  const hev = await insp.events(hz.id);
  assert.equal(hev[0].action, 'create');
  assert.equal(hev[0].actor.login, 'insp1');
  const iev = (await insp.events(demo1Case)).find((e) => e.action === 'jc_record');
  assert.deepEqual(iev.payload.spawned, [{ case: hz.id, item: 'GM-02' }]);
  // the enterprise sees the hazard on its own enterprise; another does not
  assert.equal((await (await srv.login('ent1')).case(hz.id)).no, hz.no);
  assertError(await (await srv.login('ent2')).get(`/api/v1/cases/${hz.id}`), 404);
  // recorded once
  assertError(await rec(answers(GM)), 409, 'case.action_not_allowed');

  // all passed → 合格, no hazard
  const [demo2] = await inspectionOf(insp, 'ent.demo2');
  const ok = await insp.act(demo2.id, 'jc_record', { inspected_at: '2026-03-06T15:00:00+08:00', inspectors: '王强', results: answers(WH) });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.case.status, 'jc_passed');
  assert.equal(ok.json.case.fields.hazards_found, 0);
  assert.deepEqual(ok.json.case.links, []);
  assert.equal((await insp.get('/api/v1/cases?type=hazard&limit=50')).json.items.length, 1);
});

test('d: a missed inspection is flagged at its date; the inspecting org is told; it can still be done late', async () => {
  const [demo3] = await inspectionOf(insp, 'ent.demo3');
  // a person may never flag it
  assertError(await insp.act(demo3.id, 'jc_missed', {}), 403);
  await srv.setClock('2026-03-31T23:59:00+08:00');
  await sleep(1500);
  assert.equal((await insp.case(demo3.id)).fields.missed, undefined, 'not before its date');
  await srv.setClock('2026-04-01T00:01:00+08:00');
  const x = await untilCase(insp, demo3.id, (c) => c.fields.missed === 1, 'flagged missed');
  assert.equal(x.status, 'jc_due');
  assert.equal(x.overdue, true);
  assert.deepEqual(x.actions.map((a) => a.code), ['jc_record']);
  const ev = (await insp.events(demo3.id)).find((e) => e.action === 'jc_missed');
  assert.equal(ev.payload.auto, true);
  // the 12 monthly and quarterly ones not recorded; never the yearly ones
  const flagged = async () => (await insp.listAll('type=inspection')).filter((c) => c.fields.missed === 1);
  for (let i = 0; i < 50 && (await flagged()).length < 10; i++) await sleep(100);
  assert.equal((await flagged()).length, 10, JSON.stringify((await flagged()).map((c) => [c.org.code, c.status, c.fields.period])));
  // on the inspector's queue, soonest due first
  const q = await insp.get('/api/v1/cases?type=inspection&queue=inspection_due&limit=50');
  assert.equal(q.status, 200, q.text);
  assert.equal(q.json.items.length, 13);
  assert.ok(q.json.items.some((c) => c.id === demo3.id && c.overdue && c.fields.missed === 1));
  // the inspecting org's inbox
  const notices = (await insp.get('/api/v1/notices?limit=100')).json.items;
  const n = notices.find((m) => m.case && m.case.id === demo3.id);
  assert.ok(n, JSON.stringify(notices.slice(0, 2)));
  assert.equal(n.text, `【滚动排查逾期未检】工单 ${x.no}「濂江县长岭煤矿 2026年3月滚动排查」已超过期限 2026-04-01T00:00:00+08:00，已由系统自动处理`);
  // done late: still recorded, the flag stays
  const late = await insp.act(demo3.id, 'jc_record', { inspected_at: '2026-04-01T09:00:00+08:00', inspectors: '赵刚', results: answers(MK) });
  assert.equal(late.status, 200, late.text);
  assert.equal(late.json.case.status, 'jc_passed');
  assert.equal(late.json.case.fields.missed, 1);
});

test('d2: a changed frequency takes effect with the next period', async () => {
  await srv.setClock('2026-04-02T10:00:00+08:00');
  const id = ids['ent.demo1'];
  const plan = (await insp.get('/api/v1/inspection-plans?org=ent.demo1')).json.items[0];
  const p = await insp.req('PATCH', `/api/v1/inspection-plans/${id}`, { frequency: 'monthly', version: plan.version });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.next_period.period, '2026-04');
  const g = await insp.post('/api/v1/inspection-plans/generate', {});
  assert.equal(g.status, 200, g.text);
  const periods = Object.fromEntries(g.json.items.map((i) => [i.org, i.period]));
  assert.equal(g.json.generated, 12); // 红 3, 橙 4, 黄 5; 蓝's year still runs
  assert.equal(periods['ent.demo1'], '2026-04');
  assert.equal(periods['ent.demo6'], '2026-Q2');
  assert.equal(periods['ent.demo9'], undefined);
});

test('e: the figures by due date: planned, on time, late, missed, hazards; by industry and township', async () => {
  const leader = await srv.login('leader1');
  const r = await leader.get('/api/v1/stats/inspection?from=2026-03-01&to=2026-04-15');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.inspections.counts, {
    planned: 12, done_on_time: 2, late: 1, missed: 9, open: 0, flagged: 10, hazards_found: 1, on_time_rate: 0.1666666667,
  });
  const gm = r.json.inspections.by_industry.find((g) => g.industry === '工贸');
  assert.deepEqual({ p: gm.planned, t: gm.done_on_time, h: gm.hazards_found }, { p: 3, t: 1, h: 1 });
  const sum = (k) => r.json.inspections.by_township.reduce((a, g) => a + g[k], 0);
  assert.equal(sum('planned'), 12);
  assert.ok(r.json.inspections.by_township.every((g) => g.township && g.township.name));
  const all = await leader.get('/api/v1/stats/inspection?from=2026-01-01&to=2027-01-31');
  assert.equal(all.json.inspections.counts.planned, 27);
  assertError(await (await srv.login('insp1')).get('/api/v1/stats/inspection'), 403);
  assertError(await leader.get('/api/v1/stats/inspection?from=昨天'), 400, 'field.invalid', 'from');
});

/**
 * A server whose disk can be filled up and freed: {srv, fill, free}. On
 * SQLite its database lies on a 4 MB tmpfs (root mounts it), filled with a
 * file until the kernel says ENOSPC. A PostgreSQL database lies in the
 * cluster's folder, which the test does not own; there the store fails as a
 * full disk fails it — SQLSTATE 53100 (disk_full, "could not extend file")
 * on each new row of cases — until the space "returns" (the trigger goes).
 */
async function fillableServer() {
  if (BACKEND === 'postgres') {
    const full = await startServer({ cases: false, autoStop: false });
    let drop = null;
    return {
      full,
      fill: async () => {
        drop = await failingTrigger(full.db, 'cases', { message: 'could not extend file: No space left on device', errcode: 'disk_full' });
      },
      free: () => drop(),
    };
  }
  const mnt = await mkdtemp(path.join(tmpdir(), 'civicloop-insp-full-'));
  const mounted = await runCmd('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
  assert.equal(mounted.code, 0, `mount tmpfs: ${mounted.stderr}`);
  after(async () => {
    await runCmd('umount', ['-l', mnt]);
    await rm(mnt, { recursive: true, force: true });
  });
  const dir = path.join(mnt, 'db');
  await mkdir(dir);
  const full = await startServer({ cases: false, dir, autoStop: false });
  const filler = path.join(mnt, 'filler');
  return {
    full,
    async fill() {
      const fh = await open(filler, 'w');
      try {
        for (;;) await fh.write(Buffer.alloc(64 * 1024, 7));
      } catch (e) {
        assert.equal(e.code, 'ENOSPC', String(e));
      } finally {
        await fh.close().catch(() => {});
      }
    },
    free: () => rm(filler),
  };
}

test('f: a full disk: generation answers 503 and writes nothing; once space returns it makes them all',
  { skip: BACKEND === 'sqlite' && !(process.getuid && process.getuid() === 0) && !process.env.CI ? 'needs root to mount a tmpfs' : false }, async () => {
    const { full, fill, free } = await fillableServer();
    try {
      const i1 = await full.login('insp1');
      // the helper's client refuses every 5xx: the 503 is this test's point
      const generate = async () => {
        const res = await fetch(full.url('/api/v1/inspection-plans/generate'), {
          method: 'POST', headers: { Authorization: `Bearer ${i1.token}`, 'Content-Type': 'application/json' }, body: '{}',
        });
        return { status: res.status, json: await res.json() };
      };
      await fill();
      const r = await generate();
      assert.equal(r.status, 503, JSON.stringify(r.json));
      assert.equal(r.json.error.code, 'unavailable');
      assert.equal((await i1.get('/api/v1/cases?type=inspection&limit=50')).json.items.length, 0, 'nothing written');
      await free();
      let ok = null;
      for (let i = 0; i < 50 && !ok; i++) {
        const g = await generate();
        if (g.status === 200) ok = g;
        else await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(ok, 'generation succeeds once space is freed');
      assert.equal(ok.json.generated, 15);
    } finally {
      await full.cleanup();
    }
  });
