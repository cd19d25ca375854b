// Grid events (config/types/grid_event.json, docs/grid.md) on a fresh
// demo county without cases, each step through the API as the people who
// take it:
//   A  grid1 reports a broken manhole cover (bj-0101) with a point in
//      grid.a1 → placed there; disp1 (the grid centre) registers and
//      dispatches it to dept.cg; cg1 signs and feeds back; grid1's check
//      without a new photo is refused (409, why in Chinese); with one → closed.
//   B  a damaged road (sj-0206) → dept.cg; grid1's check fails with a
//      reason → back to the unit (handling, its assignment signed again,
//      the reason on the case); cg1 feeds back again; grid1 passes it with
//      a photo → closed.
//   C  illegal posters (sj-0205) self-handled by grid1: refused without a
//      photo, closed with one.
//   E  a suspected illegal building (sj-0203) not registered (不予立案),
//      with its reason.
//   F  grid2 reports litter (sj-0201) in grid.b1 and it waits for 立案.
// Then the rates per county, grid, village and township.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './helpers.mjs';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const IN_GRID_A1 = { lat: 25.7862, lng: 114.8702, address: '濂江镇解放路东门菜市场正门' };
const IN_GRID_B1 = { lat: 25.7100, lng: 114.9650, address: '长岭乡长岭村村道' };

const srv = await startServer({ cases: false });
const grid1 = await srv.login('grid1');
const disp1 = await srv.login('disp1');
const cg1 = await srv.login('cg1');

function photo(c, id, name = '现场照片.png') {
  return srv.raw('POST', `/api/v1/cases/${id}/attachments?name=${encodeURIComponent(name)}`, {
    headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'image/png' }, body: PNG,
  });
}
async function mustPhoto(c, id) {
  const r = await photo(c, id);
  assert.equal(r.status, 201, `photo: ${r.text}`);
}
const event = (title, cls, location = IN_GRID_A1, extra = {}) => ({
  type: 'grid_event', class: cls, channel: 'grid', title, description: `${title}，网格员巡查发现。`, location, ...extra,
});
const asg = (c, org) => c.assignments.find((a) => a.org.code === org);

const ids = {};

test('A: reported with a point → placed in grid.a1; registered, dispatched, handled; the check needs a new photo', async () => {
  const { case: a } = await grid1.create(event('解放路污水井盖破损下陷', 'bj-0101'));
  ids.A = a.id;
  assert.equal(a.status, 'reported');
  assert.equal(a.org.code, 'grid.a1', 'the grid owns it (属地)');
  assert.equal(a.placement.grid.code, 'grid.a1');
  assert.equal(a.placement.township.code, 'town.a');
  await mustPhoto(grid1, a.id);
  // only the grid centre registers and dispatches
  assertError(await grid1.act(a.id, 'register'), 403);
  assertError(await cg1.act(a.id, 'register'), 404, undefined, undefined);
  assert.equal((await disp1.must(a.id, 'register')).status, 'registered');
  assertError(await grid1.act(a.id, 'dispatch', { org: 'dept.cg' }), 403);
  assertError(await disp1.act(a.id, 'dispatch', { org: 'grid.a2' }), 400, undefined, 'org');
  const d = await disp1.must(a.id, 'dispatch', { org: 'dept.cg' });
  assert.equal(d.status, 'dispatched');
  assert.equal(asg(d, 'dept.cg').kind, 'lead');
  // the unit signs and answers; the grid worker cannot answer for it
  assert.equal((await cg1.must(a.id, 'sign')).status, 'handling');
  assertError(await grid1.act(a.id, 'feedback', { result: '已修' }), 403);
  assertError(await cg1.act(a.id, 'feedback', {}), 400, 'field.required', 'result');
  const h = await cg1.must(a.id, 'feedback', { result: '已更换防沉降井盖并重新浇筑井圈。' });
  assert.equal(h.status, 'handled');
  assert.equal(h.fields.result, '已更换防沉降井盖并重新浇筑井圈。');
  // the check: only the grid worker; a pass needs a photo taken after the feedback
  assertError(await cg1.act(a.id, 'site_check', { passed: true, opinion: '好' }), 403);
  assertError(await grid1.act(a.id, 'site_check', { passed: true }), 400, 'field.required', 'opinion');
  const refused = await grid1.act(a.id, 'site_check', { passed: true, opinion: '井盖已更换' });
  assertError(refused, 409);
  assert.equal(refused.json.error.message, '核查通过须先上传现场核查照片');
  assert.equal((await grid1.case(a.id)).status, 'handled', 'the refusal changed nothing');
  await mustPhoto(grid1, a.id);
  const c = await grid1.must(a.id, 'site_check', { passed: true, opinion: '井盖已更换，平整牢固。' });
  assert.equal(c.status, 'closed');
  assert.equal(c.fields.passed, true);
  // a closed event takes no more photos
  assertError(await photo(grid1, a.id), 409);
});

test('B: a failed check goes back to the unit with its reason, and the loop can repeat', async () => {
  const { case: b } = await grid1.create(event('文化广场北侧道路坑洼', 'sj-0206'));
  ids.B = b.id;
  await disp1.must(b.id, 'register');
  await disp1.must(b.id, 'dispatch', { org: 'dept.cg' });
  await cg1.must(b.id, 'sign');
  await cg1.must(b.id, 'feedback', { result: '已冷补填补最大一处坑洼。' });
  // a failed check needs no photo; its reason goes back with the case
  const why = '另外两处坑洼未处理，填补处已松散，请重新处置。';
  const back = await grid1.must(b.id, 'site_check', { passed: false, opinion: why });
  assert.equal(back.status, 'handling');
  assert.equal(back.fields.verify_failed_reason, why);
  assert.equal(back.fields.verify_fail_count, 1);
  assert.equal(asg(back, 'dept.cg').status, 'signed', 'the unit works on it again');
  const ev = (await grid1.events(b.id)).filter((e) => e.action === 'site_check');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].payload.opinion, why);
  assert.equal(ev[0].to, 'handling');
  // the unit sees it in its work again and answers again
  assert.ok((await cg1.listAll('type=grid_event&status=handling')).some((x) => x.id === b.id));
  const again = await cg1.must(b.id, 'feedback', { result: '三处坑洼全部铣刨后热拌沥青重新摊铺。' });
  assert.equal(again.status, 'handled');
  assertError(await grid1.act(b.id, 'site_check', { passed: true, opinion: '已修好' }), 409);
  await mustPhoto(grid1, b.id);
  assert.equal((await grid1.must(b.id, 'site_check', { passed: true, opinion: '三处均已修复。' })).status, 'closed');
});

test('C: self-handled (自处置) closes with a photo, never without one', async () => {
  const { case: c } = await grid1.create(event('公交站台张贴小广告', 'sj-0205'));
  ids.C = c.id;
  assertError(await disp1.act(c.id, 'self_handle', { result: 'x' }), 403);
  const refused = await grid1.act(c.id, 'self_handle', { result: '已当场铲除。' });
  assertError(refused, 409);
  assert.equal(refused.json.error.message, '自处置结案须先上传处置后的现场照片');
  await mustPhoto(grid1, c.id);
  const done = await grid1.must(c.id, 'self_handle', { result: '已当场铲除小广告14张。' });
  assert.equal(done.status, 'closed');
  assert.equal(done.assignments.length, 0, 'no unit was involved');
});

test('a category outside the 立案 standard is refused; 不予立案 needs a reason; who may not act', async () => {
  for (const cls of ['bj-9999', '井盖', '', 'BJ-0101']) {
    assertError(await grid1.post('/api/v1/cases', event('x', cls)), 400, undefined, 'class');
  }
  const { case: e } = await grid1.create(event('东门路12号楼顶疑似违章加建', 'sj-0203'));
  ids.E = e.id;
  assertError(await disp1.act(e.id, 'reject', {}), 400, 'field.required', 'reason');
  assertError(await grid1.act(e.id, 'reject', { reason: 'x' }), 403);
  const r = await disp1.must(e.id, 'reject', { reason: '经核实为批准的临时工棚，不属于违章搭建。' });
  assert.equal(r.status, 'rejected');
  assertError(await disp1.act(e.id, 'register'), 409);
  // another township's handler and the other grid's worker do not see grid.a1's events
  assertError(await (await srv.login('town2')).get(`/api/v1/cases/${e.id}`), 404);
  const grid2 = await srv.login('grid2');
  assertError(await grid2.get(`/api/v1/cases/${e.id}`), 404);
  // F: grid2's own event in grid.b1, waiting in the centre's 立案 queue
  const { case: f } = await grid2.create(event('长岭村河边乱倒建筑垃圾', 'sj-0201', IN_GRID_B1));
  ids.F = f.id;
  assert.equal(f.org.code, 'grid.b1');
  const queue = await disp1.listAll('type=grid_event&queue=grid_register');
  assert.deepEqual(queue.map((x) => x.id), [f.id]);
  // leaders read, never act
  assertError(await (await srv.login('leader1')).post('/api/v1/cases', event('x', 'bj-0101')), 403);
});

test('rates: 办结率, 按时办结率, 核查通过率 and counts by category, per county, grid, village and township', async () => {
  assert.equal(Object.keys(ids).length, 5, 'the scenario ran first');
  const leader = await srv.login('leader1');
  const stats = async (org) => {
    const r = await leader.get(`/api/v1/stats/grid_event?org=${org}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const county = await stats('county');
  // A, B, C, E, F received; A, B, C closed
  assert.equal(county.received, 5);
  assert.equal(county.closed, 3);
  assert.equal(county.completion_rate, 3 / 5, '办结率');
  assert.equal(county.on_time_rate, 1, '按时办结率: each closed before its deadline');
  assert.equal(county.resolution_rate, 0.6666666667, '核查通过率: A pass, B fail, B pass');
  assert.equal(county.reopen_rate, 0.3333333333, 'B failed a check once, of 3 closed');
  assert.equal(county.response_rate, 1, 'A and B signed at once');
  assert.equal(county.counts.callbacks, 3, 'three checks');
  assert.equal(county.counts.resolved, 2, 'two passed');
  assert.equal(county.counts.by_class['bj-0101'], 1);
  assert.equal(county.counts.by_class['sj-0206'], 1);
  assert.equal(county.counts.by_class['sj-0205'], 1);
  assert.equal(county.counts.by_class['sj-0203'], 1);
  assert.equal(county.counts.by_class['sj-0201'], 1);
  assert.equal(county.counts.by_class['bj-0102'], 0, 'every category appears');
  assert.equal(Object.keys(county.counts.by_class).length, 13);
  assert.deepEqual(county.counts.by_status,
    { reported: 1, registered: 0, dispatched: 0, handling: 0, handled: 0, closed: 3, rejected: 1 });
  assert.deepEqual(county.ranking.map((u) => u.org.code), ['dept.cg'], 'the handling unit ranks');
  // per grid / village / township: the subtree of the org asked for
  for (const org of ['grid.a1', 'village.a1', 'town.a']) {
    const s = await stats(org);
    assert.equal(s.received, 4, org);
    assert.equal(s.completion_rate, 3 / 4, org);
    assert.equal(s.resolution_rate, 0.6666666667, org);
  }
  for (const org of ['grid.b1', 'village.b1', 'town.b']) {
    const s = await stats(org);
    assert.equal(s.received, 1, org);
    assert.equal(s.closed, 0, org);
    assert.equal(s.completion_rate, 0, org);
    assert.equal(s.resolution_rate, null, `${org}: no checks yet`);
  }
  // the hotline's rates are untouched by grid events
  assert.equal((await leader.get('/api/v1/stats/hotline?org=county')).json.received, 0);
});
