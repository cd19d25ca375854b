// Listed tasks (config/types/task.json, docs/task.md) end to end through the
// API, on a demo county without cases and a business clock fixed at Monday
// 2026-03-02 10:00, each step as the people who take it:
//   a  publishing a list: who may (the office's unit lead over its own org,
//      the administrator), hostile titles and years, nothing written on a
//      refusal;
//   b  putting tasks on it: the leader (name, level, org), target and dated
//      steps checked at intake; a refusal writes nothing;
//   c  the loop: issued to a lead and a cooperating unit, progress reports
//      (percent, narrative, a step done, a photo), done → checked and
//      closed (销号); partly done with its reason → closed as partly done;
//      sent back for more work;
//   d  (the "Done means") a step's date passes undone: the task is
//      flagged, its leader's org and the unit are told, and a person may
//      never record that by hand;
//   e  the figures: the list page, the public page (no sign-in, no
//      personal data, filters, limits, a rate limit) and /stats/task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './helpers.mjs';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const MONDAY = '2026-03-02T10:00:00+08:00';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const srv = await startServer({ cases: false, testClock: true });
await srv.setClock(MONDAY);

const item = (title, extra = {}) => ({
  class: 'livelihood',
  title,
  description: `${title}：列入2026年为民办实事项目。`,
  fields: {
    leader_name: '刘建国', leader_level: '县级', leader_org: 'county',
    target: `${title}，年底前全部完成。`,
    milestones: [{ name: '完成选址', due: '2026-03-10' }, { name: '主体完工', due: '2026-03-31' }],
    ...extra,
  },
});

async function counts(c) {
  const n = async (q) => Number((await c.get(`/api/v1/cases?type=task&limit=200${q}`)).json.items.length);
  return { cases: await n('') };
}

/** Polls until pred(case) holds (the scheduler ticks about once a second). */
async function until(c, id, pred, what) {
  let x;
  for (let i = 0; i < 80; i++) {
    x = await c.case(id);
    if (pred(x)) return x;
    await sleep(100);
  }
  assert.fail(`${what}: still ${x.status} ${JSON.stringify(x.fields)}`);
}

let listId;
let dcs;

test('a: the office\'s unit lead publishes a list; others may not; hostile input writes nothing', async () => {
  dcs = await srv.login('dcs1');
  const cg1 = await srv.login('cg1');
  const cglead = await srv.login('cglead');
  const admin = await srv.login('admin');
  const r = await dcs.post('/api/v1/task-lists', { title: '濂江县2026年为民办实事项目', year: 2026 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.title, '濂江县2026年为民办实事项目');
  assert.equal(r.json.year, 2026);
  assert.deepEqual(r.json.org, { code: 'county.dcs', name: '濂江县委县政府督查室' });
  listId = r.json.id;

  assertError(await cg1.post('/api/v1/task-lists', { title: 'x', year: 2026 }), 403, 'permission.denied');
  assertError(await cglead.post('/api/v1/task-lists', { title: 'x', year: 2026, org: 'county' }), 403, 'permission.denied', 'org');
  assertError(await dcs.post('/api/v1/task-lists', { title: '', year: 2026 }), 400, 'field.invalid', 'title');
  assertError(await dcs.post('/api/v1/task-lists', { title: '中'.repeat(101), year: 2026 }), 400, 'field.invalid', 'title');
  assertError(await dcs.post('/api/v1/task-lists', { title: '一\n二', year: 2026 }), 400, 'field.invalid', 'title');
  assertError(await dcs.post('/api/v1/task-lists', { title: 'x', year: '2026' }), 400, 'field.invalid', 'year');
  assertError(await dcs.post('/api/v1/task-lists', { title: 'x', year: 1999 }), 400, 'field.invalid', 'year');
  assertError(await dcs.post('/api/v1/task-lists', { title: 'x' }), 400, 'field.required', 'year');
  assertError(await dcs.post('/api/v1/task-lists', { title: 'x', year: 2026, owner: 'me' }), 400, 'field.unknown', 'owner');
  assertError(await dcs.post('/api/v1/task-lists', { title: 'x', year: 2026, org: 'nowhere' }), 400, 'field.invalid', 'org');
  assertError(await dcs.post('/api/v1/task-lists', '[1]'), 400, 'request.invalid');
  assert.equal((await srv.raw('POST', '/api/v1/task-lists', { body: '{}', headers: { 'Content-Type': 'application/json' } })).status, 401);

  // the administrator publishes for any org
  const a = await admin.post('/api/v1/task-lists', { title: '主题教育检视问题整改清单', year: 2026, org: 'county.dcs' });
  assert.equal(a.status, 201, a.text);
  const all = await dcs.get('/api/v1/task-lists');
  assert.equal(all.status, 200);
  assert.deepEqual(all.json.items.map((l) => l.title), ['主题教育检视问题整改清单', '濂江县2026年为民办实事项目']);
  assert.deepEqual(all.json.items[1].counts, { items: 0, done: 0, partly: 0, done_or_partly: 0, signed_off: 0, overdue_milestones: 0, flagged: 0 });
});

test('b: tasks go on the list with a leader, a target and dated steps; bad ones write nothing', async () => {
  const cg1 = await srv.login('cg1');
  const cglead = await srv.login('cglead');
  const before = await counts(dcs);
  const bad = async (fields, field, code = 'field.invalid') =>
    assertError(await dcs.post(`/api/v1/task-lists/${listId}/items`, item('坏任务', fields)), 400, code, field);
  await bad({ milestones: [{ name: '完成选址', due: '2026-02-30' }] }, 'milestones');
  await bad({ milestones: [{ name: '完成选址', due: '2026/03/10' }] }, 'milestones');
  await bad({ milestones: [] }, 'milestones');
  await bad({ milestones: Array.from({ length: 13 }, (_, i) => ({ name: `节点${i}`, due: '2026-12-31' })) }, 'milestones', 'field.too_long');
  await bad({ milestones: [{ name: '', due: '2026-03-10' }] }, 'milestones');
  await bad({ milestones: [{ name: '中'.repeat(101), due: '2026-03-10' }] }, 'milestones');
  await bad({ milestones: [{ name: 'a', due: '2026-03-10', extra: 1 }] }, 'milestones');
  await bad({ milestones: 'soon' }, 'milestones');
  await bad({ leader_level: '省级' }, 'leader_level');
  await bad({ leader_org: 'nowhere' }, 'leader_org');
  await bad({ leader_level: undefined }, 'leader_level', 'field.required');
  assertError(await dcs.post('/api/v1/task-lists/999/items', item('无此清单')), 404, 'not_found');
  assertError(await cglead.post(`/api/v1/task-lists/${listId}/items`, item('城管局不能加')), 403, 'permission.denied');
  assertError(await cg1.post(`/api/v1/task-lists/${listId}/items`, item('办理人不能加')), 403, 'permission.denied');
  // POST /api/v1/cases does not take a task from someone without task.manage
  const op1 = await srv.login('op1');
  assertError(await op1.post('/api/v1/cases', { type: 'task', ...item('热线不能登记') }), 403, 'permission.denied', 'type');
  assert.deepEqual(await counts(dcs), before);
});

let park;
let kinder;
let clinic;

test('c: issued, reported on with a photo, done and closed; partly done and closed; sent back', async () => {
  const jy1 = await srv.login('jy1');
  const town1 = await srv.login('town1');
  const sl1 = await srv.login('sl1');
  const ybj1 = await srv.login('ybj1');
  const r = await dcs.post(`/api/v1/task-lists/${listId}/items`, item('新建城区公办幼儿园2所'));
  assert.equal(r.status, 201, r.text);
  kinder = r.json.case;
  assert.equal(kinder.status, 'tk_draft');
  assert.equal(kinder.status_name, '已列入清单待下达');
  assert.equal(kinder.org.code, 'county.dcs');
  assert.equal(kinder.fields.list_id, listId);
  assert.match(kinder.no, /^RW20260302/);
  assert.deepEqual(kinder.actions.map((a) => a.code), ['tk_issue']);

  let k = await dcs.must(kinder.id, 'tk_issue', { orgs: ['dept.jy', 'town.a'], lead: 'dept.jy' });
  assert.equal(k.status, 'tk_doing');
  assert.deepEqual(k.assignments.map((a) => [a.org.code, a.kind, a.status]), [['dept.jy', 'lead', 'pending'], ['town.a', 'assist', 'pending']]);
  // the unit takes it on (认领) first: in its inbox it waits as 待签收 until then
  assert.deepEqual((await jy1.case(kinder.id)).actions.map((a) => a.code), ['tk_accept']);
  assertError(await jy1.act(kinder.id, 'tk_report', { progress: 10, narrative: '未认领' }), 409, 'case.action_not_allowed');
  k = await jy1.must(kinder.id, 'tk_accept');
  assert.equal(k.status, 'tk_doing');
  assert.equal(k.assignments[0].status, 'signed');
  assert.ok(k.assignments[0].signed_at);
  assert.deepEqual((await jy1.case(kinder.id)).actions.map((a) => a.code), ['tk_report', 'tk_finish', 'tk_partial']);
  await town1.must(kinder.id, 'tk_accept');
  assert.deepEqual((await town1.case(kinder.id)).actions.map((a) => a.code), []);
  assertError(await town1.act(kinder.id, 'tk_report', { progress: 10, narrative: '协办进展' }), 409, 'case.action_not_allowed');
  assertError(await jy1.act(kinder.id, 'tk_report', { progress: 101, narrative: 'x' }), 400, 'field.invalid', 'progress');
  assertError(await jy1.act(kinder.id, 'tk_report', { progress: -1, narrative: 'x' }), 400, 'field.invalid', 'progress');
  assertError(await jy1.act(kinder.id, 'tk_report', { progress: 10 }), 400, 'field.required', 'narrative');
  assertError(await jy1.act(kinder.id, 'tk_report', { progress: 10, narrative: 'x', milestone: 3 }), 400, 'field.invalid', 'milestone');
  assertError(await dcs.act(kinder.id, 'tk_close', { opinion: 'x', met: true, satisfaction: '满意' }), 409, 'case.action_not_allowed');

  const up = await srv.raw('POST', `/api/v1/cases/${kinder.id}/attachments?name=${encodeURIComponent('城东幼儿园选址.png')}`, {
    headers: { Authorization: `Bearer ${jy1.token}`, 'Content-Type': 'image/png' }, body: PNG,
  });
  assert.equal(up.status, 201, up.text);
  k = await jy1.must(kinder.id, 'tk_report', { progress: 30, narrative: '城东、城南两处园址已完成选址和规划。', milestone: 1 });
  assert.equal(k.fields.progress, 30);
  assert.equal(k.fields.progress_note, '城东、城南两处园址已完成选址和规划。');
  assert.equal(k.fields.reports, 1);
  assert.deepEqual(k.fields.milestones, [
    { name: '完成选址', due: '2026-03-10', done_at: '2026-03-02T10:00:00+08:00' },
    { name: '主体完工', due: '2026-03-31' },
  ]);
  assertError(await jy1.act(kinder.id, 'tk_report', { progress: 35, narrative: 'x', milestone: 1 }), 409, 'case.action_not_allowed', 'milestone');
  assertError(await jy1.act(kinder.id, 'tk_finish', { progress: 90, narrative: '完成' }), 409, 'case.action_not_allowed');

  // partly done, with its reason; closed as partly done
  assertError(await jy1.act(kinder.id, 'tk_partial', { progress: 100, narrative: 'x', reason: 'y' }), 409, 'case.action_not_allowed');
  assertError(await jy1.act(kinder.id, 'tk_partial', { progress: 80, narrative: 'x' }), 400, 'field.required', 'reason');
  k = await jy1.must(kinder.id, 'tk_partial', { progress: 80, narrative: '城东幼儿园主体完工。', reason: '城南园区用地征收延后。' });
  assert.equal(k.status, 'tk_partly');
  assert.equal(k.fields.partly_reason, '城南园区用地征收延后。');
  assert.deepEqual(k.assignments.map((a) => a.status), ['done', 'done']);
  assertError(await dcs.act(kinder.id, 'tk_close', { opinion: '同意', met: true }), 400, 'field.required', 'satisfaction');
  k = await dcs.must(kinder.id, 'tk_close', { opinion: '经核查，城东幼儿园已开园，同意阶段性销号。', met: true, satisfaction: '基本满意' });
  assert.equal(k.status, 'tk_closed_partly');
  assert.equal(k.status_name, '阶段性完成已销号');
  assert.ok(k.closed_at);

  // done and closed
  const p = await dcs.post(`/api/v1/task-lists/${listId}/items`, item('农村饮水安全巩固提升工程', { leader_name: '黄卫东' }));
  park = p.json.case;
  await dcs.must(park.id, 'tk_issue', { org: 'dept.sl' });
  await sl1.must(park.id, 'tk_accept');
  await sl1.must(park.id, 'tk_report', { progress: 50, narrative: '水厂提标改造完工。', milestone: 1 });
  await sl1.must(park.id, 'tk_report', { progress: 100, narrative: '管网改造完工。', milestone: 2 });
  let c = await sl1.must(park.id, 'tk_finish', { progress: 100, narrative: '8个村管网改造全部完工。' });
  assert.equal(c.status, 'tk_done');
  // sent back, then done again and closed
  assertError(await dcs.act(park.id, 'tk_send_back', {}), 400, 'field.required', 'reason');
  c = await dcs.must(park.id, 'tk_send_back', { reason: '上坪村仍有3户未通水，请整改。' });
  assert.equal(c.status, 'tk_doing');
  assert.equal(c.fields.returns, 1);
  assert.equal(c.assignments[0].status, 'signed');
  await sl1.must(park.id, 'tk_finish', { progress: 100, narrative: '上坪村3户已通水。' });
  c = await dcs.must(park.id, 'tk_close', { opinion: '经核查全部通水，同意销号。', met: true, satisfaction: '满意' });
  assert.equal(c.status, 'tk_closed_done');
  assert.equal(c.status_name, '已完成已销号');

  // a department head's task, led by the department, still being worked on
  const q = await dcs.post(`/api/v1/task-lists/${listId}/items`, item('医保便民服务站进村', {
    leader_name: '李芳', leader_level: '部门负责人', leader_org: 'dept.ybj',
    milestones: [{ name: '实现行政村全覆盖', due: '2026-10-31' }],
  }));
  clinic = q.json.case;
  await dcs.must(clinic.id, 'tk_issue', { org: 'dept.ybj' });
  await ybj1.must(clinic.id, 'tk_accept');
  await ybj1.must(clinic.id, 'tk_report', { progress: 40, narrative: '已在52个行政村设立服务站。' });
});

test('d: a step\'s date passes undone: the task is flagged and its leader told; no person may record it', async () => {
  const jy1 = await srv.login('jy1');
  const leader = await srv.login('leader1');
  const r = await dcs.post(`/api/v1/task-lists/${listId}/items`, item('城区新增公共停车泊位800个'));
  const id = r.json.case.id;
  await dcs.must(id, 'tk_issue', { org: 'dept.jy' });
  await jy1.must(id, 'tk_accept');
  await jy1.must(id, 'tk_report', { progress: 20, narrative: '完成选址。', milestone: 1 });
  assertError(await dcs.act(id, 'tk_overdue', {}), 403, 'permission.denied');
  assertError(await jy1.act(id, 'tk_overdue', {}), 403, 'permission.denied');
  assert.deepEqual((await leader.get('/api/v1/notices')).json.items.filter((n) => n.case.id === id), []);

  // 2026-03-31 ends at 04-01 00:00: a minute before, nothing; then it fires
  await srv.setClock('2026-03-31T23:59:00+08:00');
  await sleep(1500);
  assert.equal((await jy1.case(id)).fields.overdue_milestones, undefined);
  await srv.setClock('2026-04-01T09:00:00+08:00');
  const c = await until(jy1, id, (x) => x.fields.overdue_milestones === 1, 'the overdue step');
  assert.equal(c.status, 'tk_doing'); // flagged, still being worked on
  assert.equal(c.assignments[0].status, 'signed');
  const ev = (await jy1.events(id)).filter((e) => e.action === 'tk_overdue');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].actor, null);
  assert.deepEqual(ev[0].payload.notified, ['county']);

  const told = (await leader.get('/api/v1/notices')).json.items.filter((n) => n.case.id === id);
  assert.deepEqual(told.map((n) => [n.org.code, n.kind]).sort(), [['county', 'overdue'], ['dept.jy', 'overdue']]);
  const toLeader = told.find((n) => n.org.code === 'county');
  assert.equal(toLeader.text, `【领办任务时间节点逾期】工单 ${c.no}「城区新增公共停车泊位800个」`);
  const toUnit = (await jy1.get('/api/v1/notices')).json.items.filter((n) => n.case.id === id);
  assert.equal(toUnit.length, 1);
  assert.match(toUnit[0].text, /时间节点已到期未完成.*2026-04-01T00:00:00\+08:00/);
  // the other open tasks: the kindergarten is closed, the clinic's step is
  // in October: neither fired
  assert.equal((await dcs.case(clinic.id)).fields.overdue_milestones, undefined);
});

test('e: the list page, the public page and /stats/task count alike; the public page shows no one', async () => {
  const want = { items: 4, done: 1, partly: 1, done_or_partly: 2, signed_off: 2, overdue_milestones: 1, flagged: 1 };
  const page = await dcs.get(`/api/v1/task-lists/${listId}`);
  assert.equal(page.status, 200, page.text);
  assert.deepEqual(page.json.counts, want);
  assert.deepEqual(page.json.by_level.map((l) => [l.level, l.items, l.done_or_partly, l.flagged]),
    [['市级', 0, 0, 0], ['县级', 3, 2, 1], ['部门负责人', 1, 0, 0]]);
  assert.deepEqual(page.json.items.map((i) => [i.title, i.group, i.fields.progress ?? null]), [
    ['新建城区公办幼儿园2所', 'partly', 80],
    ['农村饮水安全巩固提升工程', 'done', 100],
    ['医保便民服务站进村', 'doing', 40],
    ['城区新增公共停车泊位800个', 'doing', 20],
  ]);
  assert.equal(page.json.items[0].unit, '濂江县教育局');
  assert.equal(page.json.items[0].assist_units, '濂江镇');
  assert.equal(typeof page.json.items[0].id, 'number');

  const pub = await srv.raw('GET', `/api/v1/public/task-lists/${listId}`);
  assert.equal(pub.status, 200, pub.text);
  assert.deepEqual(pub.json.counts, want);
  assert.equal(pub.json.items.length, 4);
  assert.equal(pub.json.items[0].id, undefined);
  for (const secret of ['刘建国', '黄卫东', '李芳', 'leader_name', 'leader_org', '严秋萍', 'dcs1', 'progress_note', 'reason']) {
    assert.ok(!pub.text.includes(secret), `the public page holds ${secret}`);
  }
  assert.deepEqual(pub.json.items[3].milestones, [
    { name: '完成选址', due: '2026-03-10', done_at: '2026-03-02T10:00:00+08:00' },
    { name: '主体完工', due: '2026-03-31', done_at: null },
  ]);
  const pick = async (q) => (await srv.raw('GET', `/api/v1/public/task-lists/${listId}?${q}`)).json.items.map((i) => i.title);
  assert.deepEqual(await pick('status=done'), ['农村饮水安全巩固提升工程']);
  assert.deepEqual(await pick('status=partly'), ['新建城区公办幼儿园2所']);
  assert.deepEqual(await pick('status=doing'), ['医保便民服务站进村', '城区新增公共停车泊位800个']);
  assert.deepEqual(await pick(`level=${encodeURIComponent('部门负责人')}`), ['医保便民服务站进村']);
  assert.deepEqual(await pick('overdue=1'), ['城区新增公共停车泊位800个']);
  const one = await srv.raw('GET', `/api/v1/public/task-lists/${listId}?limit=1`);
  assert.equal(one.json.items.length, 1);
  const two = await srv.raw('GET', `/api/v1/public/task-lists/${listId}?limit=1&cursor=${one.json.next_cursor}`);
  assert.equal(two.json.items[0].title, '农村饮水安全巩固提升工程');
  assertError(await srv.raw('GET', `/api/v1/public/task-lists/${listId}?status=late`), 400, 'field.invalid', 'status');
  assertError(await srv.raw('GET', `/api/v1/public/task-lists/${listId}?limit=201`), 400, 'field.invalid', 'limit');
  assertError(await srv.raw('GET', '/api/v1/public/task-lists/999'), 404, 'not_found');
  const lists = await srv.raw('GET', '/api/v1/public/task-lists');
  assert.deepEqual(lists.json.items.map((l) => [l.title, l.counts.items]), [['主题教育检视问题整改清单', 0], ['濂江县2026年为民办实事项目', 4]]);

  const leader = await srv.login('leader1');
  const st = await leader.get('/api/v1/stats/task?from=2026-03-01&to=2026-04-30');
  assert.equal(st.status, 200, st.text);
  const mine = st.json.task_lists.find((l) => l.id === listId);
  assert.deepEqual(mine.counts, want);
  assert.deepEqual(mine.by_level.find((l) => l.level === '县级'), { level: '县级', items: 3, done: 1, partly: 1, done_or_partly: 2, signed_off: 2, overdue_milestones: 1, flagged: 1 });
  assert.equal(st.json.counts.by_status.tk_closed_done, 1);
  assert.equal(st.json.counts.by_status.tk_closed_partly, 1);
  // a department's unit lead sees only the lists its subtree published
  const cglead = await srv.login('cglead');
  assert.deepEqual((await cglead.get('/api/v1/stats/task?from=2026-03-01&to=2026-04-30')).json.task_lists, []);
});

test('f: the public pages are rate limited per client address', async () => {
  let last;
  for (let i = 0; i < 130; i++) {
    last = await srv.raw('GET', '/api/v1/public/task-lists?limit=1');
    if (last.status === 429) break;
  }
  assertError(last, 429, 'auth.throttled');
});
