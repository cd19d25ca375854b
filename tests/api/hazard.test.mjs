// Major accident hazards (config/types/hazard.json, docs/hazard.md) end to
// end through the API, on a demo county without cases and a business clock
// fixed at Monday 2026-03-02 10:00, each step as the people who take it:
//   a  registration: the enterprise itself (企业自查), the regulator's
//      inspector (部门检查) and a tip-off (群众举报) by the 12345 operator;
//      only an enterprise org may own one; hostile text writes nothing;
//      an enterprise never sees another's hazards, nor a tip-off's reporter;
//   b  a general hazard: confirmed, fixed with a new photo, checked — sent
//      back once, then closed (销号);
//   c  a major hazard: the plan with its five 落实, progress, an extension
//      asked 10 days before the deadline is refused (409, a clear message),
//      one asked 25 days before is decided within its 10 working days and
//      moves the deadline; a failed acceptance loops back with its reason;
//      acceptance with evidence closes it;
//   d  挂牌督办: listed at county level by insp1's org; a listed hazard is
//      closed only by 摘牌销号 and only by the listing org;
//   e  overdue: the plan's deadline passes undone — the system warns the
//      enterprise and the regulator; insp1 records a 约谈, on the case and
//      in the enterprise's record; nobody may raise the warning by hand;
//   f  a tip-off's reward, recorded by the inspector, refused on others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sqlText } from './helpers.mjs';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const MONDAY = '2026-03-02T10:00:00+08:00';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const srv = await startServer({ cases: false, testClock: true });
await srv.setClock(MONDAY);

const hazard = (title, fields = {}, extra = {}) => ({
  type: 'hazard',
  title,
  description: `${title}：现场检查发现，需立即整改。`,
  fields: { source: '部门检查', category: '工贸', place: '生产车间', ...fields },
  ...extra,
});

// an action counts the files attached since the case's last action: the
// clock moves on a minute before each photo
let minute = 0;
async function tick() {
  minute += 1;
  await srv.setClock(new Date(Date.parse(MONDAY) + minute * 60000).toISOString());
}

async function photo(c, id, name = '整改后.png') {
  await tick();
  const r = await srv.raw('POST', `/api/v1/cases/${id}/attachments?name=${encodeURIComponent(name)}`, {
    headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'image/png' }, body: PNG,
  });
  assert.equal(r.status, 201, r.text);
  await tick();
}

async function until(c, id, pred, what) {
  let x;
  for (let i = 0; i < 80; i++) {
    x = await c.case(id);
    if (pred(x)) return x;
    await sleep(100);
  }
  assert.fail(`${what}: still ${x.status} ${JSON.stringify(x.fields)}`);
}

const count = async () => Number((await sqlText(srv.db, "SELECT count(*) FROM cases WHERE type = 'hazard'")).trim());

let ent1, ent2, insp, op;

test('a: registered by the enterprise, the inspector and a tip-off; an enterprise sees only its own, never a reporter', async () => {
  ent1 = await srv.login('ent1');
  ent2 = await srv.login('ent2');
  insp = await srv.login('insp1');
  op = await srv.login('op1');
  const self = (await ent1.create(hazard('配电房电缆沟积水', { source: '企业自查' }))).case;
  assert.equal(self.status, 'hz_new');
  assert.equal(self.org.code, 'ent.demo1');
  assert.equal(self.fields.source, '企业自查');
  assert.equal(self.reporter.confidential, false);

  const found = (await insp.create(hazard('储罐区可燃气体报警器失效', { category: '危险化学品' }, { org: 'ent.demo2' }))).case;
  assert.equal(found.org.code, 'ent.demo2');
  const tip = (await op.create(hazard('举报：仓库违规存放烟花爆竹', { source: '群众举报', category: '烟花爆竹' },
    { org: 'ent.demo1', reporter: { name: '王小明', phone: '13800001111' } }))).case;
  // the operator holds pii.read: it sees whom it wrote down
  assert.equal(tip.reporter.confidential, true);
  assert.equal(tip.reporter.name, '王小明');

  // ent1 sees its two, ent2 its one; another's is 404
  const mine = (await ent1.listAll('type=hazard')).map((c) => c.id).sort();
  assert.deepEqual(mine, [self.id, tip.id].sort());
  assert.deepEqual((await ent2.listAll('type=hazard')).map((c) => c.id), [found.id]);
  assertError(await ent1.get(`/api/v1/cases/${found.id}`), 404, 'not_found');
  assertError(await ent2.get(`/api/v1/cases/${self.id}`), 404, 'not_found');
  // the tip-off's reporter: not even masked, for the enterprise or anyone without pii.read
  const seen = (await ent1.get(`/api/v1/cases/${tip.id}`)).json.case;
  assert.deepEqual(seen.reporter, { confidential: true });
  const evs = JSON.stringify(await ent1.events(tip.id));
  assert.ok(!evs.includes('王小明') && !evs.includes('13800001111'), evs);
  const list = JSON.stringify((await ent1.get('/api/v1/cases?type=hazard')).json);
  assert.ok(!list.includes('王') && !list.includes('1111'), list);
  const inspSeen = (await insp.get(`/api/v1/cases/${tip.id}`)).json.case;
  assert.deepEqual(inspSeen.reporter, { confidential: true });

  // refusals write nothing
  const before = await count();
  assertError(await insp.post('/api/v1/cases', hazard('x', {}, { org: 'town.a' })), 403, 'permission.denied', 'org');
  assertError(await ent1.post('/api/v1/cases', hazard('x', {}, { org: 'ent.demo2' })), 403, 'permission.denied', 'org');
  assertError(await ent1.post('/api/v1/cases', hazard('x', { source: '路人' })), 400, 'field.invalid', 'source');
  assertError(await ent1.post('/api/v1/cases', hazard('x', { category: '火星' })), 400, 'field.invalid', 'category');
  assertError(await ent1.post('/api/v1/cases', { type: 'hazard', title: 'x', description: 'y', fields: { category: '工贸' } }), 400, 'field.required', 'source');
  assertError(await ent1.post('/api/v1/cases', hazard('x', { place: '车间\u0007' })), 400, 'field.invalid', 'place');
  assertError(await ent1.post('/api/v1/cases', hazard('x', { place: '车'.repeat(201) })), 400, 'field.too_long', 'place');
  assertError(await ent1.post('/api/v1/cases', hazard('x', { level: '特大' })), 400, 'field.invalid', 'level');
  const jw = await srv.login('jw1');
  assertError(await jw.post('/api/v1/cases', hazard('x', {}, { org: 'ent.demo1' })), 403, 'permission.denied');
  assert.equal(await count(), before);
});

test('b: a general hazard is fixed with a new photo, checked, sent back once, then closed', async () => {
  const id = (await ent1.create(hazard('车间消防通道堆放杂物', { source: '企业自查' }))).case.id;
  // only the inspector confirms; the enterprise cannot confirm its own
  assertError(await ent1.act(id, 'hz_confirm', { level: '一般' }), 403, 'permission.denied');
  assertError(await insp.act(id, 'hz_confirm', {}), 400, 'field.required', 'level');
  assertError(await insp.act(id, 'hz_confirm', { level: '一般', deadline: '2026-02-30' }), 400, 'field.invalid', 'deadline');
  assertError(await insp.act(id, 'hz_confirm', { level: '一般', deadline: '2026-03-01' }), 409, 'case.action_not_allowed');
  let c = await insp.must(id, 'hz_confirm', { level: '一般', deadline: '2026-03-16', opinion: '属一般隐患，限期整改' });
  assert.equal(c.status, 'hz_fixing');
  assert.equal(c.fields.level, '一般');
  assert.equal(c.fields.regulator_org, 'dept.yj');
  assert.equal(c.fields.confirmed_by, (await insp.get('/api/v1/auth/me')).json.user?.name ?? c.fields.confirmed_by);
  // the enterprise reports done: a new photo first
  const nophoto = await ent1.act(id, 'hz_fix_done', { measures: '已清理' });
  assertError(nophoto, 409, 'case.action_not_allowed');
  assert.match(nophoto.json.error.message, /照片/);
  await photo(ent1, id);
  c = await ent1.must(id, 'hz_fix_done', { measures: '杂物已清理，通道畅通' });
  assert.equal(c.status, 'hz_fixed');
  assertError(await ent2.act(id, 'hz_check_pass', { opinion: 'x' }), 404, 'not_found');
  c = await insp.must(id, 'hz_check_fail', { reason: '通道仍有纸箱' });
  assert.equal(c.status, 'hz_fixing');
  assert.equal(c.fields.returns, 1);
  assert.equal(c.fields.return_reason, '通道仍有纸箱');
  assertError(await ent1.act(id, 'hz_fix_done', { measures: '再次清理' }), 409, 'case.action_not_allowed');
  await photo(ent1, id, '再次整改.png');
  await ent1.must(id, 'hz_fix_done', { measures: '纸箱已清走' });
  c = await insp.must(id, 'hz_check_pass', { opinion: '复查合格，准予销号' });
  assert.equal(c.status, 'hz_closed');
  assert.equal(c.fields.closed_org, 'dept.yj');
  assert.ok(c.closed_at);
});

let major;
const plan = (deadline) => ({
  plan_leader: '李俊峰（总经理）', plan_measures: '更换全部报警探头，接入中控室', plan_funds: '12万元，企业自筹',
  plan_person: '陈国强（安全主管）', deadline, plan_emergency: '储罐区泄漏应急处置预案（2026版）',
});

test('c: a major hazard — plan, progress, extension 10 days before refused, 25 days before decided, failed acceptance loops back', async () => {
  major = (await insp.create(hazard('液氨储罐区报警装置失效', { category: '危险化学品' }, { org: 'ent.demo2' }))).case.id;
  let c = await insp.must(major, 'hz_confirm', { level: '重大', opinion: '需停产整改' });
  assert.equal(c.status, 'hz_planning');
  // the plan: all five 落实 are required
  assertError(await ent2.act(major, 'hz_plan', { ...plan('2026-04-30'), plan_funds: undefined }), 400, 'field.required', 'plan_funds');
  assertError(await ent2.act(major, 'hz_plan', { ...plan('2026-04-30'), plan_emergency: undefined }), 400, 'field.required', 'plan_emergency');
  assertError(await ent2.act(major, 'hz_plan', plan('2026-03-02')), 409, 'case.action_not_allowed');
  assertError(await ent2.act(major, 'hz_plan', plan('30/04/2026')), 400, 'field.invalid', 'deadline');
  assertError(await ent2.act(major, 'hz_rectified', { measures: 'x' }), 409, 'case.action_not_allowed');
  c = await ent2.must(major, 'hz_plan', plan('2026-03-12'));
  assert.equal(c.status, 'hz_rectifying');
  assert.equal(c.fields.deadline, '2026-03-12');
  c = await ent2.must(major, 'hz_progress', { progress: 40, progress_note: '已采购探头' });
  assert.equal(c.fields.reports, 1);
  // 10 days before the deadline: refused with a clear message
  const late = await ent2.act(major, 'hz_extend_ask', { new_deadline: '2026-04-30', reason: '设备到货延迟' });
  assertError(late, 409, 'case.action_not_allowed');
  assert.match(late.json.error.message, /20 日/);
  assert.equal((await ent2.case(major)).status, 'hz_rectifying');
  // the approver moves the deadline later (approval is no check of the ask)
  assert.equal((await insp.case(major)).fields.extensions, undefined);
});

test('c2: an extension 25 days before is decided within 10 working days; a failed acceptance loops back; acceptance closes', async () => {
  const id = (await insp.create(hazard('粉尘涉爆除尘系统未设泄爆装置', {}, { org: 'ent.demo1' }))).case.id;
  await insp.must(id, 'hz_confirm', { level: '重大' });
  await ent1.must(id, 'hz_plan', plan('2026-03-27'));
  assertError(await ent1.act(id, 'hz_extend_ask', { new_deadline: '2026-04-30' }), 400, 'field.required', 'reason');
  let c = await ent1.must(id, 'hz_extend_ask', { new_deadline: '2026-04-30', reason: '泄爆片需定制' });
  assert.equal(c.status, 'hz_extension');
  assert.equal(c.fields.extension_to, '2026-04-30');
  assert.equal(c.due_at, null);
  const evs = await insp.events(id);
  assert.ok(evs.find((e) => e.action === 'hz_extend_ask'));
  const timers = (await sqlText(srv.db, `SELECT kind, state, due_at FROM timers WHERE case_id = ${id} AND kind = 'extension_review'`)).trim();
  // 10 working days from Monday 2026-03-02: 24:00 of Friday 03-13
  assert.match(timers, /^extension_review\|running\|/);
  assertError(await ent1.act(id, 'hz_extend_approve', { deadline: '2026-04-30' }), 403, 'permission.denied');
  c = await insp.must(id, 'hz_extend_approve', { deadline: '2026-04-20', opinion: '同意延期至4月20日' });
  assert.equal(c.status, 'hz_rectifying');
  assert.equal(c.fields.deadline, '2026-04-20');
  assert.equal(c.fields.extensions, 1);
  const after = (await sqlText(srv.db, `SELECT kind || ':' || state FROM timers WHERE case_id = ${id} ORDER BY id`)).trim().split('\n');
  assert.deepEqual(after.filter((t) => t.startsWith('deadline')), ['deadline:stopped', 'deadline:running']);
  assert.ok(after.includes('extension_review:stopped'));
  // rectified: a new photo first; then a failed acceptance loops back with its reason
  assertError(await ent1.act(id, 'hz_rectified', { measures: '已安装' }), 409, 'case.action_not_allowed');
  await photo(ent1, id);
  c = await ent1.must(id, 'hz_rectified', { measures: '泄爆装置已安装' });
  assert.equal(c.status, 'hz_accepting');
  c = await insp.must(id, 'hz_accept_fail', { reason: '泄爆口朝向人员通道，需改向' });
  assert.equal(c.status, 'hz_rectifying');
  assert.equal(c.fields.return_reason, '泄爆口朝向人员通道，需改向');
  assert.equal(c.fields.returns, 1);
  await photo(ent1, id, '改向后.png');
  await ent1.must(id, 'hz_rectified', { measures: '泄爆口已改向室外' });
  // acceptance needs the inspector's own evidence
  assertError(await insp.act(id, 'hz_accept', { opinion: '合格' }), 409, 'case.action_not_allowed');
  await photo(insp, id, '验收现场.png');
  c = await insp.must(id, 'hz_accept', { opinion: '验收合格，准予销号' });
  assert.equal(c.status, 'hz_closed');
});

test('d: 挂牌督办 — listed by insp1\'s org at county level; only the listing org may take it down (摘牌销号)', async () => {
  assertError(await ent2.act(major, 'hz_list', { listed_level: '县级' }), 403, 'permission.denied');
  assertError(await insp.act(major, 'hz_list', { listed_level: '乡级' }), 400, 'field.invalid', 'listed_level');
  let c = await insp.must(major, 'hz_list', { listed_level: '县级', opinion: '县安委会挂牌督办' });
  assert.equal(c.fields.listed_level, '县级');
  assert.equal(c.fields.listed_org, 'dept.yj');
  assertError(await insp.act(major, 'hz_list', { listed_level: '市级' }), 409, 'case.action_not_allowed');
  // a general hazard is never listed
  const small = (await insp.create(hazard('灭火器过期', {}, { org: 'ent.demo2' }))).case.id;
  await insp.must(small, 'hz_confirm', { level: '一般' });
  const r = await insp.act(small, 'hz_list', { listed_level: '县级' });
  assertError(r, 409, 'case.action_not_allowed');
  // the enterprise reports it done
  await photo(ent2, major);
  await ent2.must(major, 'hz_rectified', { measures: '报警装置已全部更换并联网' });
  await photo(insp, major, '验收.png');
  // a listed hazard is not closed by plain acceptance
  const plain = await insp.act(major, 'hz_accept', { opinion: '合格' });
  assertError(plain, 409, 'case.action_not_allowed');
  assert.match(plain.json.error.message, /摘牌/);
  // another inspector of another org (the township's safety office) may not take it down
  const admin = await srv.login('admin');
  const made = await admin.post('/api/v1/users', { login: 'insp9', name: '乡镇安监员', org: 'town.b', roles: ['inspector@county'], password: 'Anjian#2026x' });
  assert.equal(made.status, 201, made.text);
  const lr = await srv.loginRaw('insp9', 'Anjian#2026x');
  assert.equal(lr.status, 200, lr.text);
  const other = srv.client(lr.json.token);
  const refused = await other.act(major, 'hz_delist', { opinion: '合格' });
  assertError(refused, 409, 'case.action_not_allowed');
  assert.match(refused.json.error.message, /挂牌督办单位/);
  c = await insp.must(major, 'hz_delist', { opinion: '验收合格，摘牌销号' });
  assert.equal(c.status, 'hz_closed');
  assert.equal(c.fields.delisted_org, 'dept.yj');
});

test('e: the plan\'s deadline passes undone — warning to the enterprise and the regulator, then a 约谈 on the record', async () => {
  const id = (await insp.create(hazard('煤仓顶部作业平台护栏缺失', { category: '煤矿' }, { org: 'ent.demo2' }))).case.id;
  await insp.must(id, 'hz_confirm', { level: '重大' });
  await ent2.must(id, 'hz_plan', plan('2026-03-05'));
  // nobody raises the warning by hand
  assertError(await insp.act(id, 'hz_overdue', {}), 403, 'permission.denied');
  assertError(await ent2.act(id, 'hz_overdue', {}), 403, 'permission.denied');
  await srv.setClock('2026-03-06T09:00:00+08:00');
  const c = await until(insp, id, (x) => x.fields.overdue_count === 1, 'the overdue warning').catch(async (e) => {
    console.log(JSON.stringify(await insp.events(id)));
    throw e;
  });
  assert.equal(c.status, 'hz_rectifying');
  assert.equal(c.fields.overdue_note, '事故隐患逾期未整改警示');
  const told = (await insp.get('/api/v1/notices')).json.items.filter((n) => n.case.id === id);
  assert.deepEqual(told.map((n) => [n.org.code, n.kind]), [['dept.yj', 'overdue']]);
  const toEnt = (await ent2.get('/api/v1/notices')).json.items.filter((n) => n.case.id === id);
  assert.deepEqual(toEnt.map((n) => [n.org.code, n.kind]), [['ent.demo2', 'overdue']]);
  assert.match(toEnt[0].text, /逾期未整改警示/);
  // the 约谈: who, position, when, by whom, outcome
  assertError(await insp.act(id, 'hz_interview', { person: '刘宏达', held_at: '2026-03-06T09:00:00+08:00', interviewer: '县应急管理局' }), 400, 'field.required', 'outcome');
  assertError(await ent2.act(id, 'hz_interview', { person: 'x', held_at: '2026-03-06T09:00:00+08:00', interviewer: 'y', outcome: 'z' }), 403, 'permission.denied');
  const iv = await insp.must(id, 'hz_interview', {
    person: '刘宏达', position: '法定代表人', held_at: '2026-03-06T09:00:00+08:00',
    interviewer: '县应急管理局 王局长', outcome: '责令3日内完成护栏安装，逾期停产整顿',
  });
  assert.equal(iv.fields.interviews, 1);
  const rows = (await sqlText(srv.db, `SELECT kind, person, position, interviewer, outcome FROM interviews WHERE case_id = ${id}`)).trim();
  assert.equal(rows, '约谈|刘宏达|法定代表人|县应急管理局 王局长|责令3日内完成护栏安装，逾期停产整顿');
  await srv.setClock(new Date(Date.parse(MONDAY) + (minute += 1) * 60000).toISOString());
});

test('f: a tip-off\'s reward is recorded by the inspector; never on a self-report', async () => {
  const tip = (await op.create(hazard('举报：夜间违规动火作业', { source: '群众举报' }, { org: 'ent.demo1', reporter: { name: '赵六', phone: '13911112222' } }))).case.id;
  assertError(await ent1.act(tip, 'hz_reward', { reward_amount: 500, reward_date: '2026-03-02', reward_by: '县应急管理局' }), 403, 'permission.denied');
  assertError(await insp.act(tip, 'hz_reward', { reward_amount: -1, reward_date: '2026-03-02', reward_by: '县应急管理局' }), 400, 'field.invalid', 'reward_amount');
  const c = await insp.must(tip, 'hz_reward', { reward_amount: 500, reward_date: '2026-03-02', reward_by: '县应急管理局' });
  assert.equal(c.fields.reward_amount, 500);
  const self = (await ent1.create(hazard('自查：叉车未年检', { source: '企业自查' }))).case.id;
  const r = await insp.act(self, 'hz_reward', { reward_amount: 100, reward_date: '2026-03-02', reward_by: 'x' });
  assertError(r, 409, 'case.action_not_allowed');
  assert.match(r.json.error.message, /群众举报/);
});
