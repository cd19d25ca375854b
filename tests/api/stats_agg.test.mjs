// The daily aggregates of GET /stats (docs/rates.md "How the figures are
// kept"): the writer keeps them in the transaction of each change, so the
// answers read right after a write are today's, and `civicloop stats
// --check` (the live statements against the aggregates, for every org,
// month and grouping, and every case's share) finds no difference after a
// workload through the API: create, dispatch (one and several units),
// sign, return and approve it, merge, transfer to 110, reply, review,
// callback (closing and reopening), reopen, answer; on top of the demo's
// cases of every type. A request refused inside its job leaves the
// aggregates as they were. Across a year's end, a period that starts and
// ends mid-month (its whole months read from the monthly rollups, the rest
// from the days) answers as the live count does (an instant bound is
// counted live), also after tools moved a case's receipt into the previous
// month and year and an org under another (the marks folded in at start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, caseBody, runCli, sqlText } from './helpers.mjs';

const srv = await startServer({ testClock: true });

const AGG = 'SELECT * FROM stats_cell ORDER BY 1,2,3,4,5,6; SELECT * FROM stats_unit_cell ORDER BY 1,2,3,4,5,6,7;';

test('a workload through the API, then the check finds no difference', async () => {
  const u = {};
  for (const n of ['op1', 'disp1', 'sup1', 'cg1', 'town1']) u[n] = await srv.login(n);
  const ids = {};
  const create = async (name, extra = {}) => {
    ids[name] = (await u.op1.create(caseBody({ org: 'county', title: `汇总测试${name}`, ...extra }))).case.id;
  };
  await srv.setClock('2025-03-03T09:00:00+08:00');
  for (const n of ['A', 'B', 'C', 'D', 'E', 'F', 'G']) await create(n);
  await u.disp1.must(ids.A, 'dispatch', { org: 'dept.cg' });
  await u.disp1.must(ids.B, 'dispatch', { org: 'dept.cg' });
  await u.disp1.must(ids.C, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.disp1.must(ids.D, 'dispatch', { org: 'town.a' });
  await u.disp1.must(ids.E, 'dispatch', { org: 'dept.cg' });
  await u.op1.must(ids.F, 'merge', { into: ids.A });
  await u.op1.must(ids.G, 'transfer_110', { reason: '属于警务事项' });
  await u.cg1.must(ids.A, 'sign');
  await u.cg1.must(ids.C, 'sign');
  await u.town1.must(ids.C, 'sign');
  await u.town1.must(ids.D, 'sign');
  await u.cg1.must(ids.E, 'return', { reason: '不属于本单位职责' });
  await u.disp1.must(ids.E, 'approve_return');
  await u.disp1.must(ids.E, 'dispatch', { org: 'town.a' });

  // refused inside the job: the aggregates stay as they were
  const before = await sqlText(srv.db, AGG);
  const again = await u.cg1.post(`/api/v1/cases/${ids.A}/actions/sign`, {});
  assert.ok(again.status >= 400, `second sign refused: ${again.status}`);
  const bad = await u.disp1.post(`/api/v1/cases/${ids.B}/actions/dispatch`, { org: 'no.such.org' });
  assert.ok(bad.status >= 400, `dispatch to no org refused: ${bad.status}`);
  assert.equal(await sqlText(srv.db, AGG), before, 'refused writes leave the aggregates unchanged');

  await srv.setClock('2025-03-03T11:30:00+08:00');
  await u.cg1.must(ids.B, 'sign');
  await u.town1.must(ids.E, 'sign');
  await u.cg1.must(ids.A, 'reply', { reply: '已处理。' });
  await u.cg1.must(ids.C, 'reply', { reply: '主办已处理。' });
  await u.town1.must(ids.C, 'reply', { reply: '协办已处理。' });
  await u.sup1.must(ids.A, 'review');
  await u.sup1.must(ids.A, 'callback', { resolved: true, satisfaction: '满意' });
  await u.sup1.must(ids.C, 'review');
  await u.sup1.must(ids.C, 'callback', { resolved: true, satisfaction: '不满意' });
  await srv.setClock('2025-03-04T09:00:00+08:00');
  await create('H', { class: '求助', channel: '110' });
  await create('I', { class: '咨询', channel: 'web' });
  await create('J');
  await u.disp1.must(ids.H, 'dispatch', { org: 'dept.cg' });
  await u.op1.must(ids.I, 'answer', { answer: '已当场答复。' });
  await u.disp1.must(ids.J, 'dispatch', { orgs: ['dept.sl', 'dept.zj', 'dept.rs', 'town.b'], lead: 'dept.sl' });
  await srv.setClock('2025-03-11T09:00:00+08:00');
  await u.cg1.must(ids.B, 'reply', { reply: '已处理。' });
  await u.sup1.must(ids.B, 'review');
  await u.sup1.must(ids.B, 'callback', { resolved: true, satisfaction: '基本满意' });
  await u.town1.must(ids.E, 'reply', { reply: '已处理。' });
  await u.sup1.must(ids.E, 'reopen', { reason: '答复不完整' });

  // read right after the writes: the aggregates answer, as the live count would
  const s = (await (await srv.login('leader1')).get('/api/v1/stats/hotline?org=county&from=2025-03-01&to=2025-03-31')).json;
  assert.equal(s.received, 10);
  assert.equal(s.counts.merged, 1);
  assert.equal(s.counts.callbacks, 3);

  // across a year's end: the aggregates (dates) against the live count
  // (an instant bound one second after midnight: no case is received then)
  await srv.setClock('2025-12-31T22:00:00+08:00');
  for (const n of ['K', 'L']) await create(n);
  await srv.setClock('2026-01-02T09:00:00+08:00');
  for (const n of ['M', 'N']) await create(n);
  await u.disp1.must(ids.K, 'dispatch', { org: 'dept.cg' });
  await u.disp1.must(ids.M, 'dispatch', { org: 'dept.sl' });
  await u.disp1.must(ids.N, 'dispatch', { orgs: ['dept.sl', 'town.a'], lead: 'dept.sl' });
  await u.cg1.must(ids.K, 'sign');
  await u.cg1.must(ids.K, 'reply', { reply: '已处理。' });
  await srv.setClock('2026-02-20T09:00:00+08:00');
  await u.sup1.must(ids.K, 'review');
  await u.sup1.must(ids.K, 'callback', { resolved: true, satisfaction: '满意' });
  const same = async (org, from, to) => {
    const leader = await srv.login('leader1');
    for (const group of ['', '&group=org', '&group=day']) {
      const agg = (await leader.get(`/api/v1/stats/hotline?org=${org}&from=${from}&to=${to}${group}`)).json;
      const next = new Date(Date.parse(`${to}T00:00:00+08:00`) + 86400000).toISOString();
      const live = (await leader.get(`/api/v1/stats/hotline?org=${org}&from=${from}T00:00:01%2B08:00&to=${encodeURIComponent(next)}${group}`)).json;
      assert.ok(agg.received > 0, `${org} ${from}..${to}: cases in it`);
      for (const o of [agg, live]) { delete o.from; delete o.to; }
      assert.deepEqual(agg, live, `${org} ${from}..${to}${group}: the aggregates answer as the live count`);
    }
  };
  for (const org of ['county', 'dept.cg', 'dept.sl', 'town.a']) {
    await same(org, '2025-12-15', '2026-01-20');
    await same(org, '2025-11-20', '2026-02-10');
  }

  // tools write behind the server's back: M's receipt moves from January
  // into December of the year before; dept.sl moves under town.a
  await srv.stop();
  assert.equal(await sqlText(srv.db, 'SELECT count(*) FROM stats_dirty'), '0', 'nothing left to fold in');
  const monthsBefore = await sqlText(srv.db, 'SELECT * FROM stats_month ORDER BY 1,2,3,4,5,6');
  await sqlText(srv.db, `UPDATE cases SET received_at = received_at - 5 * 86400000 WHERE id = ${ids.M}`);
  await sqlText(srv.db, "UPDATE orgs SET path = (SELECT path FROM orgs WHERE code = 'town.a') || id || '/' WHERE code = 'dept.sl'");
  assert.notEqual(await sqlText(srv.db, 'SELECT count(*) FROM stats_dirty'), '0', 'the tools marked the cases they moved');
  await srv.restart(); // folds the marks in before it serves
  assert.notEqual(await sqlText(srv.db, 'SELECT * FROM stats_month ORDER BY 1,2,3,4,5,6'), monthsBefore, 'the months moved');
  for (const org of ['county', 'dept.sl', 'town.a']) await same(org, '2025-12-15', '2026-01-20');

  await srv.stop();
  assert.equal(await sqlText(srv.db, 'SELECT count(*) FROM stats_dirty'), '0', 'nothing left to fold in');
  const chk = await runCli(srv, ['stats', '--check', '--db', srv.db], { timeout: 120000 });
  assert.equal(chk.code, 0, chk.stdout + chk.stderr);
  // a wrong aggregate is found
  await sqlText(srv.db, "UPDATE stats_cell SET replied = replied + 1 WHERE (scope, type, day, class, channel, status) = (SELECT scope, type, day, class, channel, status FROM stats_cell WHERE type = 'hotline' AND received > 0 LIMIT 1)");
  const wrong = await runCli(srv, ['stats', '--check', '--db', srv.db], { timeout: 120000 });
  assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
  // --rebuild rewrites them from the base rows
  const rb = await runCli(srv, ['stats', '--rebuild', '--check', '--db', srv.db], { timeout: 120000 });
  assert.equal(rb.code, 0, rb.stdout + rb.stderr);
});
