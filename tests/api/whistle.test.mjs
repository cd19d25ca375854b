// Whistle summons (吹哨报到, config/types/whistle.json, docs/whistle.md) end
// to end through the API, on a demo county without cases and a business
// clock fixed at Monday 2026-03-02 10:00, each step as the people who take
// it:
//   a  who may blow the whistle and on whom, and every refusal writes
//      nothing (roles, org kinds, too many departments, ratings out of
//      range, a rating twice, a department not summoned);
//   b  the "Done means": an urgent whistle (report in within 30
//      clock minutes) summons three departments; one reports in on time,
//      one late, one not at all: the late two are flagged on their parts,
//      the system urges them (auto_urge on the sign timer, a notice in
//      their inbox) and /stats/whistle counts them late; both sides rate,
//      the park closes it;
//   c  escalation to the county: the county centre summons one more
//      department and closes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './helpers.mjs';

const MONDAY = '2026-03-02T10:00:00+08:00';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PERIOD = '/api/v1/stats/whistle?from=2026-03-01&to=2026-03-31';
const AUTO = '超时未报到，系统自动催报到';

async function clockOf(srv, iso) {
  const r = await srv.setClock(iso);
  assert.equal(Date.parse(r.now), Date.parse(iso), `clock set to ${iso}`);
}

const whistle = (title, extra = {}) => ({
  type: 'whistle', class: 'urgent', channel: 'park', title,
  description: `${title}，园区吹哨召集相关部门到场处置。`, org: 'park',
  location: { address: '濂江工业园区' }, fields: { category: '劳资纠纷', place: '濂江工业园区' }, ...extra,
});
const partOf = (c, org) => c.assignments.find((a) => a.org.code === org);

const srv = await startServer({ cases: false, testClock: true });
await clockOf(srv, MONDAY);
const park1 = await srv.login('park1');
const parklead = await srv.login('parklead');
const rs1 = await srv.login('rs1');
const gaj1 = await srv.login('gaj1');
const zrzy1 = await srv.login('zrzy1');
const cg1 = await srv.login('cg1');
const leader = await srv.login('leader1');
const sup1 = await srv.login('sup1');

test('a: who blows the whistle on whom; refusals write nothing', async () => {
  const op1 = await srv.login('op1');
  assertError(await op1.post('/api/v1/cases', whistle('运营人员不能吹哨')), 403, 'permission.denied');
  // a township's handler does not blow the park's whistle
  const town1 = await srv.login('town1');
  const other = await town1.post('/api/v1/cases', whistle('镇里不能替园区吹哨'));
  assert.equal(other.status, 403, other.text);

  // a department does not blow a whistle on its own (create_org_kinds: township)
  assertError(await rs1.post('/api/v1/cases', whistle('部门不能自行吹哨', { org: 'dept.rs' })), 403, 'permission.denied', 'org');
  const { case: c } = await parklead.create(whistle('园区企业欠薪纠纷', { class: 'general' }));
  assert.equal(c.status, 'wh_new');
  assert.equal(c.status_name, '已登记待吹哨');
  assert.deepEqual(c.actions.map((a) => a.code).sort(), ['wh_blow', 'wh_withdraw']);
  const v = c.version;
  assertError(await park1.act(c.id, 'wh_blow', {}), 400, 'field.required', 'orgs');
  assertError(await park1.act(c.id, 'wh_blow', { orgs: ['town.a'] }), 400, 'field.invalid', 'orgs');
  const eleven = ['dept.cg', 'dept.zj', 'dept.sthj', 'dept.sl', 'dept.nync', 'dept.zrzy', 'dept.gaj',
    'dept.scjg', 'dept.rs', 'dept.jy', 'dept.wj'];
  assert.equal((await park1.act(c.id, 'wh_blow', { orgs: eleven })).status, 400);
  assertError(await park1.act(c.id, 'wh_blow', { orgs: ['dept.rs', 'dept.rs'] }), 400, 'field.invalid', 'orgs');
  // the department cannot see it before it is summoned
  assert.equal((await rs1.get(`/api/v1/cases/${c.id}`)).status, 404);
  assert.equal((await park1.case(c.id)).version, v, 'nothing written');

  const b = await park1.must(c.id, 'wh_blow', { orgs: ['dept.rs', 'dept.gaj'] });
  assert.equal(b.status, 'wh_summoned');
  assert.deepEqual(b.assignments.map((a) => [a.org.code, a.kind, a.status, a.sign_due_at, a.sign_late]), [
    ['dept.rs', 'review', 'pending', '2026-03-02T12:00:00+08:00', false],
    ['dept.gaj', 'review', 'pending', '2026-03-02T12:00:00+08:00', false],
  ]);
  assert.equal(b.due_at, '2026-03-10T00:00:00+08:00', '一般: 5 working days');
  // not summoned: 404; summoned but the wrong step: 409
  assert.equal((await cg1.act(c.id, 'wh_report_in', {})).status, 404);
  assert.equal((await rs1.act(c.id, 'wh_feed_back', { measures: 'x', result: 'y' })).status, 409);
  assert.equal((await rs1.act(c.id, 'wh_rate_summons', { duty: true })).status, 409);
  // the department rates nothing of the park's, the park takes no part's step
  assert.equal((await rs1.act(c.id, 'wh_rate_unit', { org: 'dept.rs', timeliness: 5, effect: 5 })).status, 403);
  assert.equal((await park1.act(c.id, 'wh_report_in', {})).status, 403);
  // ratings: 1–5, a summoned department, once
  const before = (await park1.case(c.id)).version;
  assertError(await park1.act(c.id, 'wh_rate_unit', { org: 'dept.rs', timeliness: 9, effect: 5 }), 400, 'field.invalid', 'timeliness');
  assertError(await park1.act(c.id, 'wh_rate_unit', { org: 'dept.rs', timeliness: 3, effect: 0 }), 400, 'field.invalid', 'effect');
  assertError(await park1.act(c.id, 'wh_rate_unit', { org: 'dept.rs', timeliness: '好', effect: 5 }), 400, 'field.invalid', 'timeliness');
  assertError(await park1.act(c.id, 'wh_rate_unit', { org: 'dept.cg', timeliness: 3, effect: 3 }), 400, 'field.invalid', 'org');
  assertError(await park1.act(c.id, 'wh_rate_unit', { org: 'dept.rs', effect: 3 }), 400, 'field.required', 'timeliness');
  assert.equal((await park1.case(c.id)).version, before, 'nothing written');
  await park1.must(c.id, 'wh_rate_unit', { org: 'dept.rs', timeliness: 3, effect: 3 });
  assertError(await parklead.act(c.id, 'wh_rate_unit', { org: 'dept.rs', timeliness: 4, effect: 4 }), 409, 'case.action_not_allowed');
  // the leader watches: no step of its own
  assert.equal((await leader.act(c.id, 'wh_urge', {})).status, 403);
  // closing needs every department's feedback
  assert.equal((await park1.act(c.id, 'wh_close', { summary: 'x', solved: true, satisfaction: '满意' })).status, 409);
  const w = await park1.must(c.id, 'wh_urge');
  assert.equal(w.fields.urge_count, 1);
});

test('summon=1: a township or the park finds the county\'s departments to summon, nothing else', async () => {
  const r = await park1.get('/api/v1/orgs?summon=1&limit=100');
  assert.equal(r.status, 200, r.text);
  const codes = r.json.items.map((o) => o.code);
  assert.equal(codes.length, 36, '19 departments (the 督查室 county.dcs of the task lists too) and 17 enterprises (ent.power, ent.water and the 15 of the enterprise registry)');
  assert.ok(codes.includes('dept.rs') && codes.includes('ent.power'));
  assert.ok(!codes.includes('town.a') && !codes.includes('county') && !codes.includes('village.a1'));
  assert.equal(r.json.items.find((o) => o.code === 'dept.rs').path, '赣州市濂江县 / 濂江县人力资源和社会保障局');
  assert.deepEqual((await park1.get('/api/v1/orgs?summon=1&q=' + encodeURIComponent('人力'))).json.items.map((o) => o.code), ['dept.rs']);
  assertError(await park1.get('/api/v1/orgs?summon=1&kinds=village'), 400, 'field.invalid', 'kinds');
  assertError(await park1.get('/api/v1/orgs?summon=2'), 400, 'field.invalid', 'summon');
  assertError(await leader.get('/api/v1/orgs?summon=1'), 403, 'permission.denied', 'summon');
  // without summon a park's handler sees its own org only
  assert.deepEqual((await park1.get('/api/v1/orgs?kinds=department')).json.items, []);
});

test('b: a department that does not report in within the limit is flagged, urged and counted late', async () => {
  await clockOf(srv, '2026-03-03T10:00:00+08:00');
  const { case: c } = await park1.create(whistle('园区电子厂拖欠员工工资，员工厂门口聚集'));
  assert.equal(c.class, 'urgent');
  const b = await park1.must(c.id, 'wh_blow', { orgs: ['dept.rs', 'dept.gaj', 'dept.zrzy'] });
  for (const a of b.assignments) {
    assert.equal(a.sign_due_at, '2026-03-03T10:30:00+08:00', '紧急: 30 clock minutes');
    assert.equal(a.due_at, '2026-03-04T10:00:00+08:00', '紧急: 24 hours');
  }
  await clockOf(srv, '2026-03-03T10:10:00+08:00');
  const r = await rs1.must(c.id, 'wh_report_in', { arrival: '劳动监察大队黄志坚' });
  assert.equal(r.status, 'wh_summoned');
  assert.deepEqual([partOf(r, 'dept.rs').status, partOf(r, 'dept.rs').signed_at, partOf(r, 'dept.rs').sign_late],
    ['wh_present', '2026-03-03T10:10:00+08:00', false]);
  assert.equal(partOf(r, 'dept.rs').opinion.arrival, '劳动监察大队黄志坚');

  // 10:31: the limit has passed for 公安 and 自然资源
  await clockOf(srv, '2026-03-03T10:31:00+08:00');
  let urges = [];
  for (let i = 0; i < 60 && urges.length < 2; i++) {
    await sleep(100);
    urges = (await leader.events(c.id)).filter((e) => e.action === 'wh_urge');
  }
  assert.deepEqual(urges.map((e) => [e.actor, e.payload.auto, e.payload.timer, e.payload.due_at]), [
    [null, true, 'sign', '2026-03-03T10:30:00+08:00'], [null, true, 'sign', '2026-03-03T10:30:00+08:00']]);
  const late = await park1.case(c.id);
  assert.deepEqual(late.assignments.map((a) => [a.org.code, a.sign_late]),
    [['dept.rs', false], ['dept.gaj', true], ['dept.zrzy', true]]);
  const inbox = (await zrzy1.get('/api/v1/notices')).json.items.filter((n) => n.case.id === c.id);
  assert.deepEqual(inbox.map((n) => [n.kind, n.org.code, n.text]), [['overdue', 'dept.zrzy',
    `【${AUTO}】工单 ${c.no}「园区电子厂拖欠员工工资，员工厂门口聚集」已超过办理期限 2026-03-03T10:30:00+08:00`]]);
  assert.equal((await rs1.get('/api/v1/notices')).json.items.filter((n) => n.case.id === c.id).length, 0);

  // 公安 reports in at 10:45: late it stays
  await clockOf(srv, '2026-03-03T10:45:00+08:00');
  const g = await gaj1.must(c.id, 'wh_report_in', { arrival: '城东派出所民警两名' });
  assert.deepEqual([partOf(g, 'dept.gaj').signed_at, partOf(g, 'dept.gaj').sign_late], ['2026-03-03T10:45:00+08:00', true]);
  const mid = (await leader.get(PERIOD)).json.report_in;
  const unit = (code) => mid.units.find((u) => u.code === code);
  // (a's whistle of yesterday: 人社 and 公安 never reported in by its 12:00 either)
  assert.deepEqual([unit('dept.rs').on_time, unit('dept.rs').late, unit('dept.rs').median_minutes], [1, 1, 10]);
  assert.deepEqual([unit('dept.gaj').reported_in, unit('dept.gaj').on_time, unit('dept.gaj').late, unit('dept.gaj').on_time_rate,
    unit('dept.gaj').median_minutes], [1, 0, 2, 0, 45]);
  assert.deepEqual([unit('dept.zrzy').parts, unit('dept.zrzy').reported_in, unit('dept.zrzy').late, unit('dept.zrzy').on_time_rate,
    unit('dept.zrzy').median_minutes], [1, 0, 1, 0, null]);

  // 11:00 自然资源 reports in; each feeds back; the case waits for the park
  await clockOf(srv, '2026-03-03T11:00:00+08:00');
  await zrzy1.must(c.id, 'wh_report_in');
  await rs1.must(c.id, 'wh_feed_back', { measures: '下达责令改正指令书', result: '企业承诺3日内发放工资' });
  await gaj1.must(c.id, 'wh_feed_back', { measures: '维持现场秩序', result: '聚集人员已散去' });
  const done = await zrzy1.must(c.id, 'wh_feed_back', { measures: '核查厂房用地', result: '与本事项无关' });
  assert.equal(done.status, 'wh_reported');
  assert.equal(done.status_name, '部门已反馈待结案');
  assert.deepEqual(partOf(done, 'dept.zrzy').opinion,
    { measures: '核查厂房用地', result: '与本事项无关', at: '2026-03-03T11:00:00+08:00' });

  // 双考核: the park rates each department, each department the summons
  await park1.must(c.id, 'wh_rate_unit', { org: 'dept.gaj', timeliness: 2, effect: 4, note: '报到迟到15分钟' });
  await park1.must(c.id, 'wh_rate_unit', { org: 'dept.rs', timeliness: 5, effect: 5 });
  await park1.must(c.id, 'wh_rate_unit', { org: 'dept.zrzy', timeliness: 1, effect: 3 });
  await rs1.must(c.id, 'wh_rate_summons', { duty: true });
  const z = await zrzy1.must(c.id, 'wh_rate_summons', { duty: false, note: '欠薪不属自然资源职责' });
  assert.deepEqual(partOf(z, 'dept.zrzy').ratings, {
    owner: { timeliness: 1, effect: 3, at: '2026-03-03T11:00:00+08:00', by: 'park' },
    unit: { duty: false, note: '欠薪不属自然资源职责', at: '2026-03-03T11:00:00+08:00', by: 'dept.zrzy' },
  });
  assertError(await zrzy1.act(c.id, 'wh_rate_summons', { duty: true }), 409, 'case.action_not_allowed');

  // an unresolved problem is not closed but taken to the county
  assertError(await park1.act(c.id, 'wh_close', { summary: '未解决', solved: false, satisfaction: '不满意' }), 409, 'case.action_not_allowed');
  const closed = await park1.must(c.id, 'wh_close', { summary: '工资已全部发放', solved: true, satisfaction: '满意' });
  assert.equal(closed.status, 'wh_closed');
  assert.equal((await rs1.act(c.id, 'wh_rate_summons', { duty: true })).status, 409);

  const s = (await leader.get(PERIOD)).json;
  const ri = s.report_in;
  // the two whistles of a and b: a's two parts (rs, gaj) never reported in, b's three did
  assert.deepEqual([ri.cases, ri.resolved, ri.escalated, ri.resolved_rate], [2, 1, 0, 0.5]);
  assert.deepEqual([ri.parts, ri.reported_in, ri.on_time, ri.late, ri.fed_back], [5, 3, 1, 4, 3]);
  assert.equal(ri.on_time_rate, 0.2);
  assert.deepEqual([ri.median_minutes, ri.p90_minutes], [45, 60]);
  assert.deepEqual(ri.ratings, {
    owner: { count: 4, average: { timeliness: 2.75, effect: 3.75 }, yes: {}, no: {} },
    unit: { count: 2, average: {}, yes: { duty: 1 }, no: { duty: 1 } },
  });
  assert.deepEqual(ri.by_owner, [{ code: 'park', name: '濂江工业园区管委会', cases: 2, resolved: 1, escalated: 0, resolved_rate: 0.5 }]);
  assert.deepEqual(ri.units.map((u) => [u.code, u.parts, u.reported_in, u.on_time, u.late, u.median_minutes, u.p90_minutes]), [
    ['dept.gaj', 2, 1, 0, 2, 45, 45],
    ['dept.rs', 2, 1, 1, 1, 10, 10],
    ['dept.zrzy', 1, 1, 0, 1, 60, 60],
  ]);
  assert.deepEqual(ri.units.find((u) => u.code === 'dept.rs').ratings, {
    owner: { count: 2, average: { timeliness: 4, effect: 4 }, yes: {}, no: {} },
    unit: { count: 1, average: {}, yes: { duty: 1 }, no: { duty: 0 } },
  });
  // the common rates read the type's names
  assert.deepEqual([s.received, s.closed, s.resolution_rate, s.satisfaction_rate], [2, 1, 1, 1]);
  // a department's lead sees its own figures
  const mine = (await (await srv.login('cglead')).get('/api/v1/stats/whistle?from=2026-03-01&to=2026-03-31')).json.report_in;
  assert.deepEqual([mine.parts, mine.cases, mine.units], [0, 0, []]);
});

test('c: escalated to the county, which summons one more department and closes it', async () => {
  await clockOf(srv, '2026-03-04T09:00:00+08:00');
  const town2 = await srv.login('town2');
  const sl1 = await srv.login('sl1');
  const { case: c } = await town2.create(whistle('河道采砂补偿纠纷', {
    class: 'general', channel: 'township', org: 'town.b', fields: { category: '项目用地矛盾' } }));
  await town2.must(c.id, 'wh_blow', { orgs: ['dept.zrzy'] });
  assert.equal((await park1.get(`/api/v1/cases/${c.id}`)).status, 404, 'another township does not see it');
  await clockOf(srv, '2026-03-04T09:30:00+08:00');
  await zrzy1.must(c.id, 'wh_report_in');
  assertError(await town2.act(c.id, 'wh_escalate', {}), 400, 'field.required', 'reason');
  const e = await town2.must(c.id, 'wh_escalate', { reason: '涉及水利审批，乡级无法协调' });
  assert.equal(e.status, 'wh_escalated');
  assert.equal(e.fields.escalate_reason, '涉及水利审批，乡级无法协调');
  const sup = (await leader.get('/api/v1/notices')).json.items.filter((n) => n.case.id === c.id);
  assert.deepEqual(sup.map((n) => [n.kind, n.org.code]), [['supervise', 'county']]);
  assert.deepEqual((await sup1.get('/api/v1/cases?queue=whistle_county')).json.items.map((x) => x.id), [c.id]);
  assert.equal((await town2.act(c.id, 'wh_county_close', { summary: 'x', solved: true, satisfaction: '满意' })).status, 403);
  const more = await sup1.must(c.id, 'wh_county_summon', { orgs: ['dept.sl'] });
  assert.deepEqual(more.assignments.map((a) => [a.org.code, a.status]), [['dept.zrzy', 'wh_present'], ['dept.sl', 'pending']]);
  await sl1.must(c.id, 'wh_report_in', { arrival: '河道管理股' });
  const end = await sup1.must(c.id, 'wh_county_close', { summary: '县协调会议定补偿方案', solved: true, satisfaction: '基本满意' });
  assert.equal(end.status, 'wh_closed');
  assert.deepEqual(end.assignments.map((a) => a.status), ['cancelled', 'cancelled']);
  const ri = (await leader.get(PERIOD)).json.report_in;
  assert.deepEqual(ri.by_owner.map((o) => [o.code, o.cases, o.resolved, o.escalated]), [['park', 2, 1, 0], ['town.b', 1, 1, 1]]);
  assert.equal((await leader.get(PERIOD)).json.local_resolution_rate, 0.5);
});
