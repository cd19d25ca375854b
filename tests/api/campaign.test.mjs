// Discipline supervision campaigns (专项监督检查; docs/campaign.md) end to
// end through the API, on a demo county without cases and a business clock
// fixed at Monday 2026-03-02 10:00, each step as the people who take it:
//   a  organising a campaign: only the commission's lead (campaign.manage);
//      hostile titles, dates, focus points, targets and groups are refused
//      and write nothing;
//   b  zero leak: outside the commission no one reads a campaign, its
//      visits, reports or figures;
//   c  visits: a member of the group records them; another group's member,
//      a unit outside the targets, a time outside the period or in the
//      future, hostile text: refused, nothing written (no visit, no case);
//   d  a finding is a case of the unit: the unit sees only its own, rectifies,
//      is sent back, rectifies again, the commission verifies → solved;
//   e  一日一报: compiled from the day's visits, submitted once by the
//      group's leader; a day that ended without one is flagged;
//   f  the figures match what happened, per group and per unit, with the
//      overdue item once its deadline passed;
//   g  约谈提醒 records; h  the visit's photos on its findings;
//   i  a write the store refuses: 503, nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sqlText, failingTrigger } from './helpers.mjs';

const MONDAY = '2026-03-02T10:00:00+08:00';
const srv = await startServer({ cases: false, testClock: true });
await srv.setClock(MONDAY);

const u = {};
for (const l of ['jw1', 'jw2', 'jw3', 'jw4', 'town1', 'town2', 'leader1', 'admin', 'cg1', 'disp1']) u[l] = await srv.login(l);

const CAMPAIGN = {
  title: '2026年春季群众身边不正之风专项监督检查',
  starts_on: '2026-03-02',
  ends_on: '2026-03-13',
  focus: ['窗口作风', '惠民资金发放', '农村饮水'],
  targets: ['town.a', 'town.b', 'dept.sl'],
  groups: [
    { name: '第一检查组', leader: 'jw2', members: ['jw3'] },
    { name: '第二检查组', leader: 'jw4', members: [] },
  ],
};

async function count(table) {
  return Number((await sqlText(srv.db, `SELECT count(*) FROM ${table}`)).trim());
}
async function written() {
  return {
    campaigns: await count('campaigns'),
    visits: await count('campaign_visits'),
    reports: await count('campaign_reports'),
    cases: await count("cases WHERE type = 'supervision'"),
    events: await count('events'),
  };
}

let id;
let g1;
let g2;

test('a: only the commission\'s lead organises a campaign; hostile bodies write nothing', async () => {
  const before = await written();
  // no campaign.manage: the route refuses
  for (const l of ['jw2', 'town1', 'leader1', 'cg1']) assertError(await u[l].post('/api/v1/campaigns', CAMPAIGN), 403, 'permission.denied');
  const bad = [
    [{ ...CAMPAIGN, title: '' }, 'field.invalid', 'title'],
    [{ ...CAMPAIGN, title: '一\n二' }, 'field.invalid', 'title'],
    [{ ...CAMPAIGN, title: '监'.repeat(101) }, 'field.too_long', 'title'],
    [{ ...CAMPAIGN, title: 'a\u0007b' }, 'field.invalid', 'title'],
    [{ ...CAMPAIGN, starts_on: '2026-02-30' }, 'field.invalid', 'starts_on'],
    [{ ...CAMPAIGN, ends_on: '2026-03-01' }, 'field.invalid', 'ends_on'],
    [{ ...CAMPAIGN, ends_on: '2027-06-01' }, 'field.invalid', 'ends_on'],
    [{ ...CAMPAIGN, focus: '窗口作风' }, 'field.invalid', 'focus'],
    [{ ...CAMPAIGN, focus: ['重'.repeat(61)] }, 'field.too_long', 'focus'],
    [{ ...CAMPAIGN, focus: Array(21).fill('x') }, 'field.invalid', 'focus'],
    [{ ...CAMPAIGN, targets: [] }, 'field.invalid', 'targets'],
    [{ ...CAMPAIGN, targets: ['town.zz'] }, 'field.invalid', 'targets'],
    [{ ...CAMPAIGN, targets: ['town.a', 'town.a'] }, 'field.invalid', 'targets'],
    [{ ...CAMPAIGN, groups: [{ name: '一组', leader: 'town1' }] }, 'field.invalid', 'groups'],
    [{ ...CAMPAIGN, groups: [{ name: '一组', leader: 'jw2', members: ['nobody'] }] }, 'field.invalid', 'groups'],
    [{ ...CAMPAIGN, groups: [{ name: '一组', leader: 'jw2' }, { name: '一组', leader: 'jw4' }] }, 'field.invalid', 'groups'],
    [{ ...CAMPAIGN, groups: [{ name: '一组', leader: 'jw2', extra: 1 }] }, 'field.invalid', 'groups'],
    [{ ...CAMPAIGN, owner: 'me' }, 'field.unknown', 'owner'],
  ];
  for (const [body, code, field] of bad) assertError(await u.jw1.post('/api/v1/campaigns', body), 400, code, field);
  // cut UTF-8 in the body: a clean 400
  const raw = Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xe7, 0x9b]), Buffer.from('","starts_on":"2026-03-02"}')]);
  const r0 = await srv.raw('POST', '/api/v1/campaigns', { headers: { Authorization: `Bearer ${u.jw1.token}`, 'Content-Type': 'application/json' }, body: raw });
  assert.equal(r0.status, 400, r0.text);
  assert.deepEqual(await written(), before, 'nothing written by a refusal');

  const r = await u.jw1.post('/api/v1/campaigns', CAMPAIGN);
  assert.equal(r.status, 201, r.text);
  const c = r.json.campaign;
  id = c.id;
  assert.equal(c.title, CAMPAIGN.title);
  assert.deepEqual(c.focus, CAMPAIGN.focus);
  assert.equal(c.org.code, 'dept.jw');
  assert.deepEqual(c.targets.map((t) => t.code), ['town.a', 'town.b', 'dept.sl']);
  assert.deepEqual(c.groups.map((g) => [g.name, g.leader.login, g.members.map((m) => m.login)]),
    [['第一检查组', 'jw2', ['jw2', 'jw3']], ['第二检查组', 'jw4', ['jw4']]]);
  [g1, g2] = c.groups.map((g) => g.id);
  const ev = await sqlText(srv.db, `SELECT action FROM events ORDER BY seq DESC LIMIT 1`);
  assert.equal(ev.trim(), 'campaign.add');
});

test('b: outside the commission no one reads a campaign (zero leak)', async () => {
  for (const l of ['town1', 'town2', 'leader1', 'cg1', 'disp1']) {
    for (const p of ['', `/${id}`, `/${id}/visits`, `/${id}/findings`, `/${id}/reports`, `/${id}/figures`]) {
      assertError(await u[l].get(`/api/v1/campaigns${p}`), 403, 'permission.denied');
    }
  }
  for (const l of ['jw1', 'jw2', 'jw3', 'jw4', 'admin']) {
    const r = await u[l].get(`/api/v1/campaigns/${id}`);
    assert.equal(r.status, 200, `${l}: ${r.text}`);
  }
  assert.deepEqual((await u.jw3.get(`/api/v1/campaigns/${id}`)).json.campaign.my_groups, [g1]);
  assert.equal((await u.jw3.get(`/api/v1/campaigns/${id}`)).json.campaign.can_manage, false);
  assert.equal((await u.jw1.get(`/api/v1/campaigns/${id}`)).json.campaign.can_manage, true);
  assertError(await u.jw1.get('/api/v1/campaigns/99999'), 404, 'not_found');
  assertError(await u.jw1.get('/api/v1/campaigns/99999/figures'), 404, 'not_found');
  assertError(await u.jw1.get(`/api/v1/campaigns/${id}/visits?day=2026-13-01`), 400, 'field.invalid', 'day');
});

const VISIT = () => ({
  group: g1,
  org: 'town.a',
  visited_at: '2026-03-02T09:30:00+08:00',
  unannounced: true,
  checked: '四不两直直奔濂江镇便民服务中心，查看窗口在岗情况。',
  findings: [
    { title: '社保窗口工作人员脱岗', description: '上午9时40分社保窗口无人值守，群众等候超过20分钟。', class: 'd5' },
    { title: '惠民补贴公示未更新', description: '公示栏仍为上季度名单。' },
  ],
});

let items;

test('c: a member records a visit; another group, wrong unit, wrong time, hostile text: refused, nothing written', async () => {
  const before = await written();
  assertError(await u.jw4.post(`/api/v1/campaigns/${id}/visits`, VISIT()), 403, 'permission.denied', 'group');
  assertError(await u.jw1.post(`/api/v1/campaigns/${id}/visits`, VISIT()), 403, 'permission.denied', 'group');
  assertError(await u.town1.post(`/api/v1/campaigns/${id}/visits`, VISIT()), 403, 'permission.denied');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { ...VISIT(), org: 'dept.cg' }), 400, 'field.invalid', 'org');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { ...VISIT(), group: 99999 }), 400, 'field.invalid', 'group');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { ...VISIT(), visited_at: '2026-03-01T09:00:00+08:00' }), 400, 'field.invalid', 'visited_at');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { ...VISIT(), visited_at: '2026-03-02T15:00:00+08:00' }), 400, 'field.invalid', 'visited_at');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { ...VISIT(), visited_at: '2026-03-02 09:30' }), 400, 'field.invalid', 'visited_at');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { ...VISIT(), unannounced: 'yes' }), 400, 'field.invalid', 'unannounced');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { ...VISIT(), checked: '检查\u0000内容' }), 400);
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { ...VISIT(), checked: '查'.repeat(2001) }), 400, 'field.too_long', 'checked');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { ...VISIT(), findings: Array(21).fill({ title: 'x', description: 'y' }) }), 400, 'field.invalid', 'findings');
  const second = VISIT();
  second.findings[1].title = '';
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, second), 400, undefined, 'findings.1.title');
  const third = VISIT();
  third.findings[0].class = 'd99';
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, third), 400, undefined, 'findings.0.class');
  const { checked, ...missing } = VISIT();
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, missing), 400, 'field.required', 'checked');
  assert.deepEqual(await written(), before, 'nothing written: no visit, no half of its findings');

  // a member who is not the leader records it
  const r = await u.jw3.post(`/api/v1/campaigns/${id}/visits`, VISIT());
  assert.equal(r.status, 201, r.text);
  const v = r.json.visit;
  assert.equal(v.unannounced, true);
  assert.equal(v.day, '2026-03-02');
  assert.equal(v.findings.length, 2);
  items = v.findings.map((f) => f.id);
  // a visit without findings, not unannounced, by group 2
  const r2 = await u.jw4.post(`/api/v1/campaigns/${id}/visits`, { group: g2, org: 'dept.sl', visited_at: '2026-03-02T08:30:00+08:00', unannounced: false, checked: '检查水利局用水纠纷调处台账。' });
  assert.equal(r2.status, 201, r2.text);
  const list = await u.jw1.get(`/api/v1/campaigns/${id}/visits?day=2026-03-02`);
  assert.equal(list.status, 200);
  assert.equal(list.json.items.length, 2);
  assert.deepEqual(list.json.items.find((x) => x.group.id === g1).findings.map((f) => f.status), ['sv_open', 'sv_open']);
  assert.equal((await u.jw1.get(`/api/v1/campaigns/${id}/visits?group=${g2}`)).json.items.length, 1);
});

test('d: a finding is the unit\'s case: seen by it alone, rectified, sent back, rectified, verified → solved', async () => {
  const [a, b] = items;
  const c = await u.town1.case(a);
  assert.equal(c.type, 'supervision');
  assert.equal(c.org.code, 'town.a');
  assert.equal(c.status, 'sv_open');
  assert.ok(c.due_at, 'a deadline in working days');
  // another township never sees it; the campaign's text is not on the case
  assertError(await u.town2.get(`/api/v1/cases/${a}`), 404);
  assert.ok(!JSON.stringify(c).includes('四不两直直奔'), 'the visit stays with the commission');
  const mine = (await u.town1.get('/api/v1/cases?type=supervision')).json.items.map((x) => x.id).sort();
  assert.deepEqual(mine, [...items].sort());
  assert.equal((await u.town2.get('/api/v1/cases?type=supervision')).json.items.length, 0);

  // the unit is told, with the number, the title and the deadline
  const told = (await u.town1.get('/api/v1/notices?limit=50')).json.items.map((n) => n.text);
  assert.ok(told.includes(`【监督检查发现问题】工单 ${c.no}「社保窗口工作人员脱岗」，请于 ${c.due_at.slice(0, 10)} 前整改并报送整改情况`), JSON.stringify(told));
  assert.equal((await u.town2.get('/api/v1/notices?limit=50')).json.items.filter((n) => n.text.includes(c.no)).length, 0);
  // the commission acts on nothing but its findings: it cannot rectify
  assertError(await u.jw2.act(a, 'sv_rectify', { measures: 'x', result: 'y' }), 403);
  assertError(await u.town1.act(a, 'sv_verify', { opinion: 'x' }), 403);
  assertError(await u.town1.act(a, 'sv_rectify', { result: 'y' }), 400, 'field.required', 'measures');
  assertError(await u.town1.act(a, 'sv_rectify', { measures: '整改\u0000', result: 'y' }), 400);
  await u.town1.must(a, 'sv_rectify', { measures: '建立窗口AB岗和离岗登记制度。', result: '已整改。' });
  assertError(await u.town1.act(a, 'sv_verify', { opinion: '自己销号' }), 403);
  const back = await u.jw4.must(a, 'sv_send_back', { reason: '未见离岗登记本，请补充后重报。' });
  assert.equal(back.status, 'sv_open');
  assert.ok((await u.town1.get('/api/v1/notices?limit=50')).json.items.some((n) => n.text === `【监督检查问题整改被退回】工单 ${c.no}「社保窗口工作人员脱岗」`));
  await u.town1.must(a, 'sv_rectify', { measures: '启用离岗登记本，负责人每日巡查。', result: '已整改到位。' });
  const done = await u.jw2.must(a, 'sv_verify', { opinion: '经回访核实，同意销号。' });
  assert.equal(done.status, 'sv_solved');
  assert.ok(done.closed_at);
  assertError(await u.jw2.act(a, 'sv_send_back', { reason: 'x' }), 409);
  // b stays open
  assert.equal((await u.town1.case(b)).status, 'sv_open');
});

test('e: 一日一报: compiled from the day, submitted once by the leader; a day without one is flagged', async () => {
  const day = await u.jw1.get(`/api/v1/campaigns/${id}/reports?day=2026-03-02`);
  assert.equal(day.status, 200, day.text);
  const one = day.json.items.find((x) => x.group.id === g1);
  assert.equal(one.filed, false);
  assert.equal(one.missing, false, 'not missing before the day ends');
  assert.deepEqual([one.report.visits, one.report.unannounced, one.report.problems], [1, 1, 2]);
  assert.equal(one.report.lines[0].unit, '濂江镇');
  assert.equal(one.report.lines[0].time, '09:30');
  assert.deepEqual(one.report.lines[0].findings.map((f) => f.title), ['社保窗口工作人员脱岗', '惠民补贴公示未更新']);

  const before = await written();
  assertError(await u.jw3.post(`/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-02', note: '组员代报' }), 403, 'permission.denied', 'group');
  assertError(await u.town1.post(`/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-02', note: 'x' }), 403, 'permission.denied');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-03', note: '明天的' }), 400, 'field.invalid', 'day');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-20', note: 'x' }), 400, 'field.invalid', 'day');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-02', note: '\u0001' }), 400, undefined, 'note');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-02' }), 400, 'field.required', 'note');
  assert.deepEqual(await written(), before);

  const r = await u.jw2.post(`/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-02', note: '今日检查1个单位，发现问题2个，已当场反馈。' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.report.problems, 2);
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-02', note: '再报一次' }), 409, 'conflict', 'day');

  // the next morning: group 2's day is missing, group 1's is not
  await srv.setClock('2026-03-03T08:00:00+08:00');
  const c = (await u.jw1.get(`/api/v1/campaigns/${id}`)).json.campaign;
  assert.deepEqual(c.missing_reports, [{ day: '2026-03-02', group: { id: g2, name: '第二检查组' } }]);
  const d2 = (await u.jw1.get(`/api/v1/campaigns/${id}/reports?day=2026-03-02`)).json.items;
  assert.deepEqual(d2.map((x) => [x.group.id, x.filed, x.missing]), [[g1, true, false], [g2, false, true]]);
  // a visit recorded late for that day does not change what was reported
  const late = await u.jw2.post(`/api/v1/campaigns/${id}/visits`, { group: g1, org: 'town.b', visited_at: '2026-03-02T16:00:00+08:00', unannounced: true, checked: '补录：暗访长岭乡饮水工程。', findings: [{ title: '上坪村水压不足', description: '早晚用水高峰期二楼无法出水。', class: 'd20' }] });
  assert.equal(late.status, 201, late.text);
  const d3 = (await u.jw1.get(`/api/v1/campaigns/${id}/reports?day=2026-03-02`)).json.items[0];
  assert.equal(d3.report.visits, 1, 'the submitted report is kept as submitted');
  assert.equal(d3.report.note, '今日检查1个单位，发现问题2个，已当场反馈。');
  // the leader of group 2 reports late: no longer missing
  assert.equal((await u.jw4.post(`/api/v1/campaigns/${id}/reports`, { group: g2, day: '2026-03-02', note: '补报：今日检查水利局，未发现问题。' })).status, 201);
  assert.deepEqual((await u.jw1.get(`/api/v1/campaigns/${id}`)).json.campaign.missing_reports, []);
});

test('f: the figures match, per group and per unit; overdue once a deadline passes', async () => {
  const f = (await u.jw1.get(`/api/v1/campaigns/${id}/figures`)).json.figures;
  assert.deepEqual({ visits: f.visits, unannounced: f.unannounced, problems: f.problems, solved: f.solved, open: f.open, overdue: f.overdue },
    { visits: 3, unannounced: 2, problems: 3, solved: 1, open: 2, overdue: 0 });
  const byGroup = Object.fromEntries(f.by_group.map((g) => [g.name, [g.visits, g.unannounced, g.problems, g.solved, g.open]]));
  assert.deepEqual(byGroup, { 第一检查组: [2, 2, 3, 1, 2], 第二检查组: [1, 0, 0, 0, 0] });
  const byUnit = Object.fromEntries(f.by_unit.map((x) => [x.org.code, [x.visits, x.problems, x.solved, x.open]]));
  assert.deepEqual(byUnit, { 'town.a': [1, 2, 1, 1], 'town.b': [1, 1, 0, 1], 'dept.sl': [1, 0, 0, 0] });
  // the list carries the totals
  const list = (await u.jw2.get('/api/v1/campaigns')).json.items;
  assert.equal(list[0].figures.problems, 3);
  // three weeks on, the open d10 item is overdue, the d20 one not yet
  await srv.setClock('2026-03-23T10:00:00+08:00');
  const g = (await u.jw1.get(`/api/v1/campaigns/${id}/figures`)).json.figures;
  assert.equal(g.overdue, 1);
  const open = (await u.jw1.get(`/api/v1/campaigns/${id}/findings?open=1`)).json.items;
  assert.deepEqual(open.map((x) => [x.title, x.overdue]), [['惠民补贴公示未更新', true], ['上坪村水压不足', false]]);
  const solved = (await u.jw1.get(`/api/v1/campaigns/${id}/findings?org=${(await u.town1.case(items[0])).org.id}`)).json.items;
  assert.deepEqual(solved.map((x) => [x.status, x.solved]), [['sv_solved', true], ['sv_open', false]]);
  await srv.setClock(MONDAY);
});

test('g: 约谈提醒: recorded by the lead or a member against a target unit\'s official, tied to a finding; counted', async () => {
  const before = await written();
  const body = { person: '李振华', position: '濂江镇便民服务中心主任', org: 'town.a', held_at: '2026-03-02T09:50:00+08:00', interviewer: '第一检查组 罗文斌', outcome: '就窗口脱岗问题约谈提醒，本人表示接受。', case: items[0] };
  assertError(await u.town1.post(`/api/v1/campaigns/${id}/interviews`, body), 403, 'permission.denied');
  assertError(await u.leader1.get(`/api/v1/campaigns/${id}/interviews`), 403, 'permission.denied');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/interviews`, { ...body, org: 'dept.cg' }), 400, 'field.invalid', 'org');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/interviews`, { ...body, org: 'town.b' }), 400, 'field.invalid', 'case');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/interviews`, { ...body, person: '' }), 400, undefined, 'person');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/interviews`, { ...body, person: '李\n振华' }), 400, undefined, 'person');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/interviews`, { ...body, outcome: '果'.repeat(2001) }), 400, undefined, 'outcome');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/interviews`, { ...body, held_at: '2026-03-09T10:00:00+08:00' }), 400, 'field.invalid', 'held_at');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/interviews`, { ...body, kind: '约谈' }), 400, 'field.unknown', 'kind');
  const { interviewer, ...noInterviewer } = body;
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/interviews`, noInterviewer), 400, 'field.required', 'interviewer');
  assert.deepEqual(await written(), before, 'nothing written');
  const r = await u.jw2.post(`/api/v1/campaigns/${id}/interviews`, body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.interview.kind, '约谈提醒');
  const r2 = await u.jw1.post(`/api/v1/campaigns/${id}/interviews`, { person: '周建国', position: '县水利局农水股股长', org: 'dept.sl', held_at: '2026-03-02T10:00:00+08:00', interviewer: '县纪委监委 孙立新', outcome: '提醒其加快用水纠纷调处。' });
  assert.equal(r2.status, 201, r2.text);
  const list = (await u.jw3.get(`/api/v1/campaigns/${id}/interviews`)).json.items;
  assert.deepEqual(list.map((x) => [x.person, x.org.code, x.case ? x.case.id : null]), [['周建国', 'dept.sl', null], ['李振华', 'town.a', items[0]]]);
  const ev = (await sqlText(srv.db, `SELECT action FROM events ORDER BY seq DESC LIMIT 1`)).trim();
  assert.equal(ev, 'interview.add');
  // the registry's 约谈 list (GET /api/v1/interviews) is read by case.read
  // over the org: a township and the county's leader read their orgs' 约谈
  // there, never the commission's warning talks
  const campaignTalks = (l) => u[l].get(`/api/v1/interviews?campaign=${id}`);
  for (const l of ['town1', 'leader1', 'disp1']) {
    const got = await campaignTalks(l);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json.items, [], `${l} reads no 约谈提醒`);
  }
  assert.deepEqual((await campaignTalks('jw1')).json.items.map((x) => x.person), ['周建国', '李振华']);
  assert.ok(!(await u.leader1.get('/api/v1/interviews?limit=200')).json.items.some((x) => x.campaign_id),
    'nor among all 约谈 records');
  const f = (await u.jw1.get(`/api/v1/campaigns/${id}/figures`)).json.figures;
  assert.equal(f.warnings, 2);
  assert.deepEqual(f.by_unit.map((x) => [x.org.code, x.warnings]), [['town.a', 1], ['town.b', 0], ['dept.sl', 1]]);
});

test('h: the visit\'s photos go on its findings: a group member attaches them; never to another type\'s case', async () => {
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  const up = (c, caseId) => srv.raw('POST', `/api/v1/cases/${caseId}/attachments?name=现场照片.png`, {
    headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'image/png' }, body: PNG,
  });
  const open = items[1];
  const r = await up(u.jw3, open);
  assert.equal(r.status, 201, r.text);
  assert.equal((await u.jw3.case(open)).can_attach, true);
  assert.equal((await u.town1.get(`/api/v1/cases/${open}/attachments`)).json.items.length, 1, 'the unit sees the photo');
  // the finding solved: closed to attachments like any final case
  assertError(await up(u.jw3, items[0]), 409);
  // a hotline case: the commission still attaches nothing there
  const op1 = await srv.login('op1');
  const h = (await op1.create({ type: 'hotline', class: '投诉', channel: 'phone', title: '路灯不亮', description: '路灯不亮。', reporter: { name: '王', phone: '13800138000' }, org: 'town.a' })).case;
  assertError(await up(u.jw3, h.id), 403, 'permission.denied');
  assert.equal((await u.jw3.case(h.id)).can_attach, false);
  // a township handler without the route's permissions at all
  assertError(await up(u.leader1, open), 403, 'permission.denied');
});

test('i: a write that fails in the store answers 503 and leaves nothing behind', async () => {
  await srv.setClock(MONDAY);
  // the store refuses a visit's row (a trigger stands in for a full disk);
  // fetch itself, as the helpers' client takes any 5xx for a bug
  const post = async (c, p, body) => {
    const res = await fetch(srv.base + p, { method: 'POST', headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text) };
  };
  const visitsOk = await failingTrigger(srv.db, 'campaign_visits');
  const before = await written();
  const r = await post(u.jw2, `/api/v1/campaigns/${id}/visits`, VISIT());
  assertError(r, 503, 'unavailable');
  assert.deepEqual(await written(), before, 'no visit, no finding, no event');
  await visitsOk();
  // a report: the same
  const reportsOk = await failingTrigger(srv.db, 'campaign_reports');
  await srv.setClock('2026-03-04T09:00:00+08:00');
  assertError(await post(u.jw2, `/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-03', note: '今日无检查。' }), 503, 'unavailable');
  assert.deepEqual(await written(), before);
  await reportsOk();
  assert.equal((await u.jw2.post(`/api/v1/campaigns/${id}/reports`, { group: g1, day: '2026-03-03', note: '今日无检查。' })).status, 201);
  await srv.setClock(MONDAY);
});

test('j: a finding to rectify by a date instead of working days', async () => {
  await srv.setClock(MONDAY);
  const before = await written();
  const body = (due) => ({ ...VISIT(), findings: [{ title: '惠民资金公示栏破损', description: '公示栏玻璃破损，内容无法辨认。', due }] });
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, body('2026-3-20')), 400, 'field.invalid', 'findings.0.due');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, body('2026-02-30')), 400, 'field.invalid', 'findings.0.due');
  assertError(await u.jw2.post(`/api/v1/campaigns/${id}/visits`, body('2026-03-01')), 400, 'field.invalid', 'findings.0.deadline');
  assert.deepEqual(await written(), before);
  const r = await u.jw2.post(`/api/v1/campaigns/${id}/visits`, body('2026-03-20'));
  assert.equal(r.status, 201, r.text);
  const c = await u.town1.case(r.json.visit.findings[0].id);
  assert.equal(c.due_at, '2026-03-20T23:59:59+08:00');
  assert.equal(c.fields.deadline, '2026-03-20T23:59:59+08:00');
  await srv.setClock('2026-03-21T08:00:00+08:00');
  const late = (await u.jw1.get(`/api/v1/campaigns/${id}/findings?open=1`)).json.items.find((x) => x.id === c.id);
  assert.equal(late.overdue, true);
  await srv.setClock(MONDAY);
});
