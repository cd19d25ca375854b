// Disputes (config/types/dispute.json, docs/dispute.md) end to end through
// the API, on demo counties without cases and a business clock fixed at
// Monday 2026-03-02 10:00 (no holiday before April), each step as the
// people who take it:
//   a  registration: the parties are checked one by one (role, name, phone,
//      GB 11643 ID number) and a refusal writes nothing;
//   b  who sees the parties in full (mediators, with how many other cases
//      the person is in; a pii.view event) and masked (the leader), and
//      that they reach no list, search or export;
//   c  the loop at the village: accept, sessions, the agreement (a signed
//      record must be uploaded first), a revisit that finds it not kept,
//      then one that closes it;
//   d  report_up village → township → county and the refusal at the top;
//   e  (its own server) the scheduler hands a case up when its level's
//      deadline passes, twice, but never above the county;
//   f  (its own server) joint mediation with the other county's township;
//   g  (its own server) the per-level figures of /stats/dispute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, runCli, sqlText } from './helpers.mjs';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const MONDAY = '2026-03-02T10:00:00+08:00';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A GB 11643 number from its first 17 digits (ISO 7064 MOD 11-2). */
function idno(d17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * (2 ** (17 - i) % 11);
  return d17 + '10X98765432'[sum % 11];
}
const ID_ZHANG = idno('36072719850312014'); // 赣州 address code
const ID_LI = idno('36070219770619033');
const ID_WANG = idno('43102619900406057'); // 郴州

const parties = (extra = []) => [
  { role: 'applicant', name: '张三丰', phone: '13900000021', id_no: ID_ZHANG },
  { role: 'respondent', name: '李四', phone: '0797-8123456', id_no: ID_LI },
  ...extra,
];
const dispute = (title, extra = {}) => ({
  type: 'dispute', class: 'neighbour', channel: 'visit', title,
  description: `${title}，当事人到村（社区）调委会申请调解。`, org: 'village.a1', parties: parties(), ...extra,
});

function upload(srv, c, id) {
  return srv.raw('POST', `/api/v1/cases/${id}/attachments?name=${encodeURIComponent('调解协议书.png')}`, {
    headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'image/png' }, body: PNG,
  });
}
async function mustUpload(srv, c, id) {
  const r = await upload(srv, c, id);
  assert.equal(r.status, 201, `upload: ${r.text}`);
}
const asgOf = (c, org, kind = 'lead') => c.assignments.filter((a) => a.org.code === org && a.kind === kind);
const SESSION = {
  session_at: '2026-03-03T09:30:00+08:00', place: '东门社区调解室', participants: '张三丰、李四、调解员邱德明',
  summary: '双方陈述了漏水经过，同意由楼上住户维修防水层并赔偿损失。',
};
const AGREE = { terms: '李四于 3 月 20 日前修复卫生间防水层，赔偿张三丰 1500 元。', amount: 1500, confirmed: true };

/** Moves srv's clock one minute on: the frozen test clock would otherwise
 * give an upload and the action before it the same instant. */
async function tick(srv) {
  srv.now = (srv.now || Date.parse(MONDAY)) + 60000;
  await clockOf(srv, new Date(srv.now).toISOString());
}
/** srv's clock as the API writes it (+08:00). */
const nowText = (srv) => new Date((srv.now || Date.parse(MONDAY)) + 8 * 3600e3).toISOString().slice(0, 19) + '+08:00';

async function clockOf(srv, iso) {
  const r = await srv.setClock(iso);
  assert.equal(Date.parse(r.now), Date.parse(iso), `clock set to ${iso}`);
}

/** A demo county without cases, its business clock at MONDAY. */
async function mondayServer() {
  const s = await startServer({ cases: false, testClock: true });
  await clockOf(s, MONDAY);
  return s;
}

const srv = await mondayServer();
const med1 = await srv.login('med1');
const leader1 = await srv.login('leader1');
const countDisputes = async () => (await leader1.listAll('type=dispute')).length;

// ---------------------------------------------------------------------------
// a. registration

test('a: each party is checked, named by its index, in Chinese; a refusal writes nothing', async () => {
  const before = await countDisputes();
  const bad = async (ps, field, code) => {
    const r = await med1.post('/api/v1/cases', dispute('参数校验', { parties: ps }));
    assertError(r, 400, code, field);
    assert.match(r.json.error.message, /[\u4e00-\u9fff]/, `a Chinese message: ${r.text}`);
    return r;
  };
  const [p0, p1] = parties();
  await bad([p0], 'parties', 'field.invalid');
  await bad(undefined, 'parties', 'field.required');
  await bad([p0, { ...p1, role: 'witness' }], 'parties[1].role', 'field.invalid');
  await bad([p0, { ...p1, name: '' }], 'parties[1].name');
  await bad([p0, { ...p1, name: '李\n四' }], 'parties[1].name');
  await bad([p0, { ...p1, phone: '1390000002' }], 'parties[1].phone', 'field.invalid');
  await bad([p0, { ...p1, phone: '23900000021' }], 'parties[1].phone', 'field.invalid');
  const ids = {
    'wrong length': ID_LI.slice(0, 17),
    'a letter inside': ID_LI.slice(0, 5) + 'A' + ID_LI.slice(6),
    'wrong check digit': ID_LI.slice(0, 17) + (ID_LI[17] === '0' ? '1' : '0'),
    'no 1999-02-30': idno('36070219990230033'),
    'a future birth date': idno('36070220300101033'),
    'province 99': idno('99070219770619033'),
  };
  const msgs = new Set();
  for (const [why, id] of Object.entries(ids)) {
    const r = await bad([p0, { ...p1, id_no: id }], 'parties[1].id_no', 'field.invalid');
    msgs.add(r.json.error.message);
    assert.ok(r.json.error.message.includes('身份证号码'), `${why}: ${r.text}`);
  }
  assert.deepEqual([...msgs].sort(), [
    '身份证号码中的出生日期不正确', '身份证号码校验码不正确，请核对', '身份证号码的地址码不正确',
    '身份证号码须为 18 位（17 位数字加一位校验码）'].sort());
  await bad([p0, { ...p1, id_no: 360702197706190330 }], 'parties[1].id_no', 'field.invalid');
  await bad([{ ...p0, id_no: ID_ZHANG.slice(1) }, p1], 'parties[0].id_no', 'field.invalid');
  await bad(Array.from({ length: 11 }, (_, i) => ({ role: 'third', name: `第三人${i}` })), 'parties', 'field.too_long');
  await bad([p0, { ...p1, email: 'x@y' }], 'parties[1]', 'field.unknown');
  assert.equal(await countDisputes(), before, 'nothing written');
});

test('a: an ID number ending in a lower-case x is taken and stored as X', async () => {
  const x = '11010519491231002x';
  const { case: c } = await med1.create(dispute('身份证号码小写 x', {
    parties: [{ role: 'applicant', name: '赵六', id_no: x }, parties()[1]],
  }));
  assert.equal(c.status, 'registered');
  assert.equal(c.parties[0].id_no, '11010519491231002X');
  assert.equal((await med1.case(c.id)).parties[0].id_no, '11010519491231002X');
});

test('a: a hotline case takes no parties; roles outside create_roles may not register a dispute', async () => {
  const op1 = await srv.login('op1');
  const before = (await leader1.listAll('type=hotline')).length;
  const r = await op1.post('/api/v1/cases', {
    type: 'hotline', class: '投诉', channel: 'phone', title: '带当事人的热线工单', description: '小区门口积水。',
    reporter: { name: '来电人', phone: '13900001111' }, org: 'town.a', parties: parties(),
  });
  assertError(r, 400, 'field.unknown', 'parties');
  assert.equal((await leader1.listAll('type=hotline')).length, before);
  const before2 = await countDisputes();
  assertError(await (await srv.login('town1')).post('/api/v1/cases', dispute('处置人员登记')), 403);
  assertError(await leader1.post('/api/v1/cases', dispute('领导登记')), 403);
  assert.equal(await countDisputes(), before2);
  // the grid worker and the operator may
  assert.equal((await (await srv.login('grid1')).create(dispute('网格员登记', { org: 'grid.a1', channel: 'grid' }))).case.status, 'registered');
  assert.equal((await op1.create(dispute('话务员登记', { channel: 'phone' }))).case.status, 'registered');
});

// ---------------------------------------------------------------------------
// b. who sees the parties

const ID_ZHAO = idno('36072719920817052');
const ID_QIAN = idno('36072719680101101');
const B = {};

test('b: a mediator sees the parties in full with their other cases; the view is a pii.view event', async () => {
  const wang = { role: 'applicant', name: '王五', phone: '13900000021', id_no: ID_WANG };
  B.one = (await med1.create(dispute('宅基地滴水纠纷', { parties: [wang, { role: 'respondent', name: '赵敏', id_no: ID_ZHAO }] }))).case;
  B.two = (await med1.create(dispute('借用农具损坏纠纷', { class: 'other', parties: [{ role: 'respondent', name: '钱七', phone: '13900000022', id_no: ID_QIAN }, wang] }))).case;
  const jw1 = await srv.login('jw1');
  const views = async (login) => (await jw1.events(B.one.id)).filter((e) => e.action === 'pii.view' && e.actor.login === login).length;
  assert.equal(await views('med1'), 1, 'the registration\'s own answer showed them in full');
  const c = await med1.case(B.one.id);
  assert.deepEqual(c.parties, [
    { role: 'applicant', role_name: '申请人', name: '王五', phone: '13900000021', id_no: ID_WANG, other_cases: 1 },
    { role: 'respondent', role_name: '被申请人', name: '赵敏', id_no: ID_ZHAO, other_cases: 0 },
  ]);
  assert.equal((await med1.case(B.two.id)).parties[1].other_cases, 1, 'the same person, seen from the other case');
  assert.equal(await views('med1'), 2, 'each full view is a pii.view event');
  // the mediator's own timeline has no read events (only audit.read holders see them)
  assert.deepEqual((await med1.events(B.one.id)).filter((e) => e.action === 'pii.view'), []);
});

test('b: the leader sees the parties masked, and no pii.view is recorded for it', async () => {
  const jw1 = await srv.login('jw1');
  const c = await leader1.case(B.one.id);
  assert.deepEqual(c.parties, [
    { role: 'applicant', role_name: '申请人', name: '王**', phone: '139****0021', id_no: `${ID_WANG.slice(0, 6)}********${ID_WANG.slice(14)}` },
    { role: 'respondent', role_name: '被申请人', name: '赵**', id_no: `${ID_ZHAO.slice(0, 6)}********${ID_ZHAO.slice(14)}` },
  ]);
  assert.equal(c.parties[0].id_no, '431026********0571'.replace('0571', ID_WANG.slice(14)));
  assert.equal((await leader1.case(B.two.id)).parties[0].phone, '139****0022');
  assert.equal((await jw1.events(B.one.id)).filter((e) => e.action === 'pii.view' && e.actor.login === 'leader1').length, 0);
});

test('b: parties are in no list item, no search hit and no export', async () => {
  const secrets = ['王五', '赵敏', '钱七', '13900000021', '13900000022', ID_WANG, ID_ZHAO, ID_QIAN, ID_WANG.slice(14)];
  for (const who of [med1, leader1]) {
    const items = await who.listAll('type=dispute');
    assert.ok(items.some((x) => x.id === B.one.id), 'the case is listed');
    for (const x of items) assert.equal(x.parties, undefined, `no parties in list item ${x.no}`);
    const text = JSON.stringify(items);
    for (const s of secrets) assert.ok(!text.includes(s), `list has no ${s}`);
    for (const q of ['王五', '赵敏', '13900000021', ID_WANG]) {
      const r = await who.get(`/api/v1/search?q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.items, [], `search ${q} finds nothing`);
    }
    // the title is searchable, so the index is there
    const hit = await who.get(`/api/v1/search?q=${encodeURIComponent('宅基地滴水')}`);
    assert.deepEqual(hit.json.items.map((x) => x.id), [B.one.id]);
  }
  const csv = await leader1.get('/api/v1/export/cases.csv?type=dispute');
  assert.equal(csv.status, 200, csv.text);
  assert.ok(csv.text.includes(B.one.no) && csv.text.includes(B.two.no), 'both cases exported');
  for (const s of secrets) assert.ok(!csv.text.includes(s), `export has no ${s}`);
});

// ---------------------------------------------------------------------------
// c. the loop at one level

test('c: accepted at the village: 10 working days, the assignment taken on at once', async () => {
  const { case: c } = await med1.create(dispute('楼上卫生间漏水纠纷'));
  B.loop = c.id;
  assert.equal(c.status, 'registered');
  assert.equal(c.status_name, '已登记待受理');
  assert.deepEqual(c.assignments, []);
  const a = await med1.must(c.id, 'accept');
  assert.equal(a.status, 'mediating');
  assert.deepEqual(a.fields, { level: 'village', first_level: 'village' });
  assert.equal(a.due_at, '2026-03-17T00:00:00+08:00'); // 03-03 … 03-06, 03-09 … 03-13, 03-16
  assert.equal(a.assignments.length, 1);
  const [asg] = asgOf(a, 'village.a1');
  assert.equal(asg.status, 'mediating');
  assert.equal(asg.signed_at, MONDAY);
  assert.equal(asg.due_at, '2026-03-17T00:00:00+08:00');
  assert.deepEqual(a.actions.map((x) => x.code), ['session', 'invite_joint', 'report_up', 'agree', 'fail']);
  assertError(await med1.act(c.id, 'accept'), 409);
});

test('c: sessions need every field; the agreement needs the parties\' confirmation and a new upload', async () => {
  const id = B.loop;
  for (const f of ['session_at', 'place', 'participants', 'summary']) {
    const body = { ...SESSION };
    delete body[f];
    assertError(await med1.act(id, 'session', body), 400, 'field.required', f);
  }
  assertError(await med1.act(id, 'session', { ...SESSION, session_at: '昨天上午' }), 400, undefined, 'session_at');
  const s = await med1.must(id, 'session', SESSION);
  assert.equal(s.status, 'mediating');
  assert.equal(s.fields.sessions, 1);
  assert.equal((await med1.must(id, 'session', SESSION)).fields.sessions, 2);
  const noFile = await med1.act(id, 'agree', AGREE);
  assertError(noFile, 409);
  assert.equal(noFile.json.error.message, '请先上传双方当事人签字的调解协议书或笔录（照片或 PDF）');
  await mustUpload(srv, med1, id);
  const unconfirmed = await med1.act(id, 'agree', { ...AGREE, confirmed: false });
  assertError(unconfirmed, 409);
  assert.equal(unconfirmed.json.error.message, '调解协议须经双方当事人确认后才能登记');
  assertError(await med1.act(id, 'agree', { terms: AGREE.terms }), 400, 'field.required', 'confirmed');
  assert.equal((await med1.case(id)).status, 'mediating', 'the refusals changed nothing');
  const a = await med1.must(id, 'agree', AGREE);
  assert.equal(a.status, 'agreed');
  assert.equal(a.fields.terms, AGREE.terms);
  assert.equal(a.fields.amount, 1500);
  assert.equal(a.callback_due_at, '2026-03-17T00:00:00+08:00', 'the follow-up: 10 working days');
  assert.equal(asgOf(a, 'village.a1')[0].status, 'done');
  assert.deepEqual(a.actions.map((x) => x.code), ['revisit']);
});

test('c: a revisit that finds the agreement not kept reopens it; an agreement kept closes it', async () => {
  const id = B.loop;
  await tick(srv); // 10:01: the revisit comes after the first agreement's upload
  assertError(await med1.act(id, 'revisit', { holds: false, satisfaction: '不满意' }), 400, 'field.required', 'opinion');
  const back = await med1.must(id, 'revisit', { holds: false, satisfaction: '不满意', opinion: '楼上未按期维修，仍在漏水。' });
  assert.equal(back.status, 'mediating');
  assert.equal(back.fields.follow_up_fail_count, 1);
  assert.equal(back.fields.holds, false);
  assert.equal(asgOf(back, 'village.a1')[0].status, 'mediating', 'the village mediates again');
  // with the village's own 10 working days again, not the class's 30
  assert.equal(asgOf(back, 'village.a1')[0].due_at, '2026-03-17T00:00:00+08:00');
  assert.equal(back.due_at, '2026-03-17T00:00:00+08:00');
  assert.equal(back.callback_due_at, null);
  // the upload of the first agreement does not count for the second
  assertError(await med1.act(id, 'agree', AGREE), 409);
  await mustUpload(srv, med1, id);
  assert.equal((await med1.must(id, 'agree', { ...AGREE, amount: 2000 })).fields.amount, 2000);
  const done = await med1.must(id, 'revisit', { holds: true, satisfaction: '满意', opinion: '已修复，赔偿款已付清。' });
  assert.equal(done.status, 'closed');
  assert.equal(done.status_name, '调解成功已结案');
  assert.equal(done.closed_at, '2026-03-02T10:01:00+08:00');
  assert.deepEqual(done.actions, []);
  assert.equal(done.attachments, 2);
  const ev = (await med1.events(id)).filter((e) => e.action !== 'attachment.add').map((e) => [e.action, e.from, e.to]);
  assert.deepEqual(ev, [
    ['create', null, 'registered'], ['accept', 'registered', 'mediating'],
    ['session', 'mediating', 'mediating'], ['session', 'mediating', 'mediating'],
    ['agree', 'mediating', 'agreed'], ['revisit', 'agreed', 'mediating'],
    ['agree', 'mediating', 'agreed'], ['revisit', 'agreed', 'closed'],
  ]);
});

test('c: a registration can be declined with its reason; only a mediator over the case decides', async () => {
  const { case: c } = await med1.create(dispute('不属于人民调解范围的借贷纠纷', { class: 'other' }));
  assertError(await (await srv.login('medb')).get(`/api/v1/cases/${c.id}`), 404, 'not_found');
  // the grid below the village does not see the village's case; the operator sees it but may not decide
  assertError(await (await srv.login('grid1')).act(c.id, 'decline', { reason: 'x' }), 404);
  assertError(await (await srv.login('op1')).act(c.id, 'decline', { reason: 'x' }), 403, 'permission.denied');
  assertError(await med1.act(c.id, 'decline', {}), 400, 'field.required', 'reason');
  const d = await med1.must(c.id, 'decline', { reason: '已起诉至人民法院，不属于人民调解受理范围。' });
  assert.equal(d.status, 'rejected');
  assert.equal(d.status_name, '不予受理');
  assert.equal(d.fields.decline_reason, '已起诉至人民法院，不属于人民调解受理范围。');
  assert.deepEqual(d.assignments, []);
  assertError(await med1.act(c.id, 'accept'), 409);
});

// ---------------------------------------------------------------------------
// d. escalation by request

test('d: village → township → county by report_up; the lower level keeps the case read-only; no level above the county', async () => {
  const med2 = await srv.login('med2');
  const med3 = await srv.login('med3');
  const town1 = await srv.login('town1');
  const { case: c } = await med1.create(dispute('拖欠务工人员工资纠纷', { class: 'labour' }));
  const id = c.id;
  await med1.must(id, 'accept');
  assertError(await med1.act(id, 'report_up', {}), 400, 'field.required', 'reason');
  const up = await med1.must(id, 'report_up', { reason: '涉及多名务工人员，村级调解难以化解。' });
  assert.equal(up.status, 'submitted');
  assert.equal(up.status_name, '已上报待上级受理');
  assert.equal(up.fields.level, 'township');
  assert.equal(up.fields.first_level, 'village');
  assert.equal(up.fields.escalations, 1);
  assert.equal(asgOf(up, 'village.a1')[0].status, 'cancelled');
  const [town] = asgOf(up, 'town.a');
  assert.equal(town.status, 'pending');
  assert.equal(town.due_at, '2026-03-24T00:00:00+08:00', 'the township\'s 15 working days');
  assert.equal(up.due_at, '2026-03-24T00:00:00+08:00', 'the case follows its level');
  // the township's inbox
  const inbox = (await med2.get('/api/v1/notices')).json.items.filter((n) => n.case.id === id);
  assert.deepEqual(inbox.map((n) => [n.kind, n.org.code, n.actor.login]), [['escalated', 'town.a', 'med1']]);
  assert.equal(inbox[0].text, `【上报调解】工单 ${c.no}「拖欠务工人员工资纠纷」由东门社区居民委员会上报至本级，请及时受理`);
  assert.equal((await town1.get('/api/v1/notices')).json.items.filter((n) => n.case.id === id).length, 1, 'town.a\'s unit inbox');
  // the village still sees it, read-only
  const seen = await med1.case(id);
  assert.equal(seen.status, 'submitted');
  assert.deepEqual(seen.actions, []);
  // no part of it is the village's any more: its role may not act on it
  assertError(await med1.act(id, 'session', SESSION), 403, 'permission.denied');
  assertError(await med1.act(id, 'report_up', { reason: 'x' }), 403, 'permission.denied');
  // the township takes it on
  assertError(await med2.act(id, 'session', SESSION), 409);
  const took = await med2.must(id, 'take');
  assert.equal(took.status, 'mediating');
  assert.equal(asgOf(took, 'town.a')[0].status, 'mediating');
  await med2.must(id, 'session', SESSION);
  const up2 = await med2.must(id, 'report_up', { reason: '涉及县直部门，需县调委会调解。' });
  assert.equal(up2.status, 'submitted');
  assert.equal(up2.fields.level, 'county');
  assert.equal(up2.fields.escalations, 2);
  assert.equal(asgOf(up2, 'town.a')[0].status, 'cancelled');
  assert.equal(asgOf(up2, 'county')[0].status, 'pending');
  assert.equal(up2.due_at, '2026-04-15T00:00:00+08:00', 'the county\'s 30 working days (清明 04-04 … 04-06 off)');
  assert.equal((await med3.must(id, 'take')).status, 'mediating');
  const top = await med3.act(id, 'report_up', { reason: '再上报' });
  assertError(top, 409);
  assert.equal(top.json.error.message, '赣州市濂江县已是最高一级调解组织，不能再上报');
  const after = await med3.case(id);
  assert.equal(after.status, 'mediating');
  assert.equal(after.fields.escalations, 2);
  assert.deepEqual(asgOf(after, 'county').map((a) => a.status), ['mediating']);
  // every step on the timeline with its escalation
  const ev = (await med3.events(id)).filter((e) => ['accept', 'report_up', 'take'].includes(e.action));
  assert.deepEqual(ev.map((e) => [e.action, e.actor.login, e.from, e.to]), [
    ['accept', 'med1', 'registered', 'mediating'], ['report_up', 'med1', 'mediating', 'submitted'],
    ['take', 'med2', 'submitted', 'mediating'], ['report_up', 'med2', 'mediating', 'submitted'],
    ['take', 'med3', 'submitted', 'mediating'],
  ]);
  const esc = ev.filter((e) => e.action === 'report_up').map((e) => e.payload.escalation);
  assert.deepEqual(esc.map((x) => [x.from.org, x.from.kind, x.from.name, x.to.org, x.to.kind, x.to.org_name]), [
    ['village.a1', 'village', '村（社区）', 'town.a', 'township', '濂江镇'],
    ['town.a', 'township', '乡镇（街道）', 'county', 'county', '赣州市濂江县'],
  ]);
  assert.deepEqual(esc.map((x) => x.assignment), [town.id, asgOf(up2, 'county')[0].id]);
  assert.equal(ev[1].payload.reason, '涉及多名务工人员，村级调解难以化解。');
  assert.equal(ev[0].payload.level.org, 'village.a1');
});

// ---------------------------------------------------------------------------
// e. escalation on the deadline (its own server: the clock moves months)

const srvE = await mondayServer();
const AUTO = '本级调解期限届满，自动上报上一级调解组织';

/** Polls until pred(case) holds (the scheduler ticks about once a second). */
async function until(c, id, pred, what) {
  let x;
  for (let i = 0; i < 60; i++) {
    x = await c.case(id);
    if (pred(x)) return x;
    await sleep(100);
  }
  assert.fail(`${what}: still ${x.status} ${JSON.stringify(x.fields)}`);
}

test('e: the scheduler hands a case up when its level\'s deadline passes, pending parts too, but never above the county', async () => {
  const med0 = await srvE.login('med0');
  const med1e = await srvE.login('med1');
  const med2e = await srvE.login('med2');
  const med3e = await srvE.login('med3');
  const leader = await srvE.login('leader1');
  const { case: c } = await med0.create(dispute('小区车位费收取纠纷', { org: 'grid.a1', class: 'property' }));
  const a = await med0.must(c.id, 'accept');
  assert.deepEqual(a.fields, { level: 'grid', first_level: 'grid' });
  assert.equal(a.due_at, '2026-03-10T00:00:00+08:00'); // 03-03 … 03-06, 03-09
  const { case: top } = await med3e.create(dispute('县级受理的医疗纠纷', { org: 'county', class: 'medical' }));
  const t = await med3e.must(top.id, 'accept');
  assert.equal(t.fields.level, 'county');
  assert.equal(t.due_at, '2026-04-15T00:00:00+08:00');

  // a minute before the grid's deadline nothing moves
  await clockOf(srvE, '2026-03-09T23:59:00+08:00');
  await sleep(1500);
  assert.equal((await med0.case(c.id)).status, 'mediating');

  await clockOf(srvE, '2026-03-10T00:00:01+08:00');
  const up = await until(med0, c.id, (x) => x.status === 'submitted', 'handed up to the village');
  assert.equal(up.fields.level, 'village');
  assert.equal(up.fields.escalations, 1);
  assert.equal(asgOf(up, 'grid.a1')[0].status, 'cancelled');
  const [village] = asgOf(up, 'village.a1');
  assert.equal(village.status, 'pending');
  assert.equal(village.due_at, '2026-03-25T00:00:00+08:00'); // 03-10 is day 0; 03-11 … 03-24
  assert.equal(up.due_at, '2026-03-25T00:00:00+08:00');
  const ev = (await leader.events(c.id)).filter((e) => e.action === 'report_up');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].actor, null, 'the system took it');
  assert.equal(ev[0].payload.auto, true);
  assert.equal(ev[0].payload.reason, AUTO);
  assert.deepEqual([ev[0].from, ev[0].to], ['mediating', 'submitted']);
  assert.deepEqual([ev[0].payload.escalation.from.org, ev[0].payload.escalation.to.org], ['grid.a1', 'village.a1']);
  assert.equal((await leader.events(c.id)).filter((e) => e.action === 'timer.overdue' && e.payload.timer === 'handle').length, 1);
  // the village's inbox has the case twice: handed up to it, and the grid's overdue
  const inbox = (await med1e.get('/api/v1/notices')).json.items.filter((n) => n.case.id === c.id);
  assert.deepEqual(inbox.map((n) => [n.kind, n.org.code, n.actor]).sort(), [['escalated', 'village.a1', null], ['overdue', 'grid.a1', null]].sort());
  assert.equal(inbox.find((n) => n.kind === 'overdue').text,
    `【${AUTO}】工单 ${c.no}「小区车位费收取纠纷」已超过期限 2026-03-10T00:00:00+08:00，已由系统自动处理`);

  // nobody at the village takes it: at its deadline it climbs again, pending as it is
  await clockOf(srvE, '2026-03-25T00:00:01+08:00');
  const up2 = await until(med0, c.id, (x) => x.fields.level === 'township', 'handed up to the township');
  assert.equal(up2.status, 'submitted');
  assert.equal(up2.fields.escalations, 2);
  assert.equal(asgOf(up2, 'village.a1')[0].status, 'cancelled');
  assert.equal(asgOf(up2, 'town.a')[0].status, 'pending');
  // the township's inbox (its own and the orgs' below it)
  const inbox2 = (await med2e.get('/api/v1/notices')).json.items.filter((n) => n.case.id === c.id);
  assert.deepEqual(inbox2.map((n) => [n.kind, n.org.code]).sort(), [
    ['escalated', 'town.a'], ['escalated', 'village.a1'], ['overdue', 'grid.a1'], ['overdue', 'village.a1']].sort());
  const autos = (await leader.events(c.id)).filter((e) => e.action === 'report_up');
  assert.deepEqual(autos.map((e) => [e.actor, e.payload.auto, e.from, e.to, e.payload.escalation.to.org]),
    [[null, true, 'mediating', 'submitted', 'village.a1'], [null, true, 'submitted', 'submitted', 'town.a']]);

  // the county's deadline passes: overdue, but there is nowhere to hand it
  await clockOf(srvE, '2026-04-15T00:00:01+08:00');
  let tev = [];
  for (let i = 0; i < 60 && tev.length === 0; i++) {
    await sleep(100);
    tev = (await leader.events(top.id)).filter((e) => e.action === 'timer.overdue' && e.payload.timer === 'handle');
  }
  assert.equal(tev.length, 1);
  await sleep(1500);
  const still = await med3e.case(top.id);
  assert.equal(still.status, 'mediating');
  assert.equal(still.fields.level, 'county');
  assert.equal(still.fields.escalations, undefined);
  assert.deepEqual(asgOf(still, 'county').map((x) => x.status), ['mediating']);
  assert.deepEqual((await leader.events(top.id)).filter((e) => e.action === 'report_up'), []);
  const overdue = (await med3e.get('/api/v1/notices')).json.items.filter((n) => n.case.id === top.id);
  assert.deepEqual(overdue.map((n) => n.kind), ['overdue']);
  assert.ok(!overdue[0].text.includes('已由系统自动处理'), overdue[0].text);
  // the county mediator still works on it
  assert.equal((await med3e.must(top.id, 'session', SESSION)).fields.sessions, 1);
  // the audit chain holds after all that
  await srvE.stop();
  const v = await runCli(srvE, ['audit', 'verify', '--db', srvE.db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

// ---------------------------------------------------------------------------
// f. joint mediation across the county border (its own server: its figures)

const srvF = await mondayServer();

test('f: 长岭乡 mediates with 界首镇 of the other county: each side sees it and records its sessions; only the lead concludes', async () => {
  const medb = await srvF.login('medb');
  const medx = await srvF.login('medx');
  const admin = await srvF.login('admin');
  const xparties = [{ role: 'applicant', name: '邱文军', phone: '15979716680', id_no: ID_ZHANG },
    { role: 'respondent', name: '李小平', phone: '13574351188', id_no: ID_WANG }];
  const { case: c } = await medb.create(dispute('省界山林界址纠纷', { org: 'town.b', class: 'land', parties: xparties }));
  const id = c.id;
  // before the invitation the other county sees nothing
  assertError(await medx.get(`/api/v1/cases/${id}`), 404);
  const a = await medb.must(id, 'accept');
  assert.deepEqual(a.fields, { level: 'township', first_level: 'township' });
  assert.equal(a.due_at, '2026-03-24T00:00:00+08:00');
  assertError(await medb.act(id, 'invite_joint', { partner: 'town.x' }), 400, 'field.required', 'note');
  const j = await medb.must(id, 'invite_joint', { partner: 'town.x', note: '对方当事人为湘岭县界首镇村民，按湘赣边联调机制邀请联合调解。' });
  assert.equal(j.status, 'mediating');
  assert.equal(j.fields.joint_org, 'town.x');
  const [part] = asgOf(j, 'town.x', 'assist');
  assert.equal(part.status, 'pending');
  // the partner sees it, in full (a live part of its own), and takes its part on
  const seen = await medx.get(`/api/v1/cases/${id}`);
  assert.equal(seen.status, 200, seen.text);
  assert.equal(seen.json.case.parties[1].name, '李小平');
  assert.deepEqual(seen.json.case.actions.map((x) => x.code), ['take']);
  const took = await medx.must(id, 'take');
  assert.equal(took.status, 'mediating', 'the partner\'s take keeps the case\'s state');
  assert.equal(asgOf(took, 'town.x', 'assist')[0].status, 'mediating');
  assert.equal(asgOf(took, 'town.b')[0].status, 'mediating');
  // the partner records sessions, but concludes nothing
  const xs = (await medx.case(id)).actions.map((x) => x.code);
  assert.deepEqual(xs, ['session']);
  for (const [action, body] of [['agree', AGREE], ['report_up', { reason: 'x' }], ['fail', { reason: 'x', route: '诉讼' }],
    ['invite_joint', { partner: 'town.a', note: 'x' }]]) {
    // the partner's part is no lead's: the action is not open to it (409, never 2xx)
    const r = await medx.act(id, action, body);
    assertError(r, 409, 'case.action_not_allowed');
    assert.match(r.json.error.message, /只能由主办（主持）单位执行/, `${action}: says why`);
  }
  // nor are the case's own steps: those are the lead county's mediators'
  assertError(await medx.act(id, 'decline', { reason: 'x' }), 403, 'permission.denied');
  assert.equal((await medx.must(id, 'session', { ...SESSION, place: '界首镇调解室', participants: '邱文军、李小平、调解员李建军' })).fields.sessions, 1);
  assert.equal((await medb.must(id, 'session', { ...SESSION, place: '长岭乡调解室', participants: '邱文军、李小平、调解员郭春兰' })).fields.sessions, 2);
  // each side's events carry its own org and region, in the case's timeline
  // as both sides read it
  for (const reader of [medb, medx]) {
    const tl = (await reader.events(id)).filter((e) => ['take', 'session', 'accept', 'invite_joint'].includes(e.action));
    assert.deepEqual(tl.map((e) => [e.action, e.actor.login, e.org.code, e.org.region.code]), [
      ['accept', 'medb', 'town.b', 'county'], ['invite_joint', 'medb', 'town.b', 'county'],
      ['take', 'medx', 'town.x', 'county.x'], ['session', 'medx', 'town.x', 'county.x'],
      ['session', 'medb', 'town.b', 'county']]);
    assert.equal(tl.at(-1).org.region.name, '赣州市濂江县');
    assert.equal(tl[2].org.region.name, '郴州市湘岭县');
  }
  // and on the chain as stored
  const q = await sqlText(srvF.db, 'SELECT e.action, u.login, o.code FROM events e JOIN users u ON u.id = e.actor_id'
    + ` JOIN orgs o ON o.id = e.org_id WHERE e.case_id = ${id} AND e.action IN ('take', 'session', 'accept', 'invite_joint') ORDER BY e.seq`);
  assert.deepEqual(q.split('\n'), [
    'accept|medb|town.b', 'invite_joint|medb|town.b', 'take|medx|town.x', 'session|medx|town.x', 'session|medb|town.b']);
  const chain = (await admin.get(`/api/v1/audit/events?order=desc&case_id=${id}`)).json.items;
  assert.ok(chain.some((e) => e.action === 'session' && e.actor.login === 'medb'), 'the county\'s admin audits its own side');
  // who reads it: both counties' leaders; a third township's people do not
  assert.equal((await (await srvF.login('leaderx')).get(`/api/v1/cases/${id}`)).status, 200);
  assert.equal((await (await srvF.login('leader1')).get(`/api/v1/cases/${id}`)).status, 200);
  assertError(await (await srvF.login('town1')).get(`/api/v1/cases/${id}`), 404);
  assertError(await (await srvF.login('med2')).get(`/api/v1/cases/${id}`), 404);
  // the joint-mediation list
  assert.deepEqual((await medb.listAll('type=dispute&part_kind=assist')).map((x) => x.id), [id]);
  assert.deepEqual((await medx.listAll('type=dispute&part_kind=assist')).map((x) => x.id), [id]);
  // the lead concludes; the partner's part is done with it
  await mustUpload(srvF, medb, id);
  const ag = await medb.must(id, 'agree', AGREE);
  assert.equal(ag.status, 'agreed');
  assert.equal(asgOf(ag, 'town.x', 'assist')[0].status, 'done');
  assert.equal(asgOf(ag, 'town.b')[0].status, 'done');
  assert.deepEqual((await medx.case(id)).actions, []);
  const done = await medb.must(id, 'revisit', { holds: true, satisfaction: '满意', opinion: '界桩已重新埋设，双方无异议。' });
  assert.equal(done.status, 'closed');
  assert.equal((await medx.get(`/api/v1/cases/${id}`)).status, 200, 'the partner keeps its history');
});

test('f: the joint case counts once in each county, at the township level', async () => {
  for (const [login, org] of [['leader1', 'county'], ['leaderx', 'county.x']]) {
    const r = await (await srvF.login(login)).get(`/api/v1/stats/dispute?org=${org}&from=2026-03-01&to=2026-03-31`);
    assert.equal(r.status, 200, r.text);
    const s = r.json;
    assert.equal(s.received, 1, `${org} received`);
    assert.equal(s.closed, 1, `${org} closed`);
    assert.equal(s.local_resolution_rate, 1, org);
    assert.equal(s.counts.resolved_locally, 1, org);
    assert.equal(s.counts.escalated, 0, org);
    assert.deepEqual(s.levels.map((l) => [l.org_kind, l.received, l.closed, l.resolved_locally, l.escalated, l.escalated_out]), [
      ['grid', 0, 0, 0, 0, 0], ['village', 0, 0, 0, 0, 0], ['township', 1, 1, 1, 0, 0], ['county', 0, 0, 0, 0, 0]], org);
  }
  // each leader only over its own county
  assertError(await (await srvF.login('leaderx')).get('/api/v1/stats/dispute?org=county'), 403, undefined, 'org');
});

// ---------------------------------------------------------------------------
// g. the figures (its own server)

const srvG = await mondayServer();

test('g: /stats/dispute: 就地调处率 and the per-level rows for the county, a township and a village; part_kind', async () => {
  const m1 = await srvG.login('med1');
  const m2 = await srvG.login('med2');
  const mb = await srvG.login('medb');
  const leader = await srvG.login('leader1');
  const ids = {};
  const closeAt = async (who, id) => {
    await mustUpload(srvG, who, id);
    await who.must(id, 'agree', AGREE);
    assert.equal((await who.must(id, 'revisit', { holds: true, satisfaction: '满意', opinion: '协议已履行。' })).status, 'closed');
  };
  for (const k of ['local1', 'local2', 'escalated', 'failed', 'open']) {
    ids[k] = (await m1.create(dispute(`统计用纠纷 ${k}`))).case.id;
    await m1.must(ids[k], 'accept');
  }
  await closeAt(m1, ids.local1);
  await closeAt(m1, ids.local2);
  await m1.must(ids.escalated, 'report_up', { reason: '村级无法化解。' });
  await m2.must(ids.escalated, 'take');
  await closeAt(m2, ids.escalated);
  assert.equal((await m1.must(ids.failed, 'fail', { reason: '双方分歧过大。', route: '诉讼' })).status, 'failed');
  await m1.must(ids.open, 'invite_joint', { partner: 'town.b', note: '涉及长岭乡村民。' });
  // one closed at the township of 长岭乡, to tell the county from 濂江镇
  ids.town = (await mb.create(dispute('长岭乡受理的纠纷', { org: 'town.b' }))).case.id;
  await mb.must(ids.town, 'accept');
  await closeAt(mb, ids.town);

  const stats = async (org) => {
    const r = await leader.get(`/api/v1/stats/dispute?org=${org}&from=2026-03-01&to=2026-03-31`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const row = (kind, received, closed, local, escalated, rate, out) => ({
    org_kind: kind, name: { grid: '楼栋（组）', village: '村（社区）', township: '乡镇（街道）', county: '县（市、区）' }[kind],
    received, closed, resolved_locally: local, escalated, local_resolution_rate: rate, escalated_out: out,
  });
  const county = await stats('county');
  assert.equal(county.received, 6);
  assert.equal(county.closed, 4);
  assert.equal(county.local_resolution_rate, 0.75, '3 of 4 closed never climbed');
  assert.equal(county.counts.escalated, 1);
  assert.equal(county.counts.resolved_locally, 3);
  assert.deepEqual(county.levels, [
    row('grid', 0, 0, 0, 0, null, 0), row('village', 5, 3, 2, 1, 0.6666666667, 1),
    row('township', 1, 1, 1, 0, 1, 0), row('county', 0, 0, 0, 0, null, 0)]);
  for (const org of ['town.a', 'village.a1']) {
    const s = await stats(org);
    assert.equal(s.received, 5, org);
    assert.equal(s.closed, 3, org);
    assert.equal(s.local_resolution_rate, 0.6666666667, org);
    assert.equal(s.counts.escalated, 1, org);
    assert.equal(s.counts.resolved_locally, 2, org);
    assert.deepEqual(s.levels, [
      row('grid', 0, 0, 0, 0, null, 0), row('village', 5, 3, 2, 1, 0.6666666667, 1),
      row('township', 0, 0, 0, 0, null, 0), row('county', 0, 0, 0, 0, null, 0)], org);
  }
  const b = await stats('town.b');
  // 长岭乡's own case, and the open one it was invited to mediate (a joint
  // case counts in each side's figures, as in f)
  assert.equal(b.received, 2);
  assert.equal(b.closed, 1);
  assert.equal(b.local_resolution_rate, 1);
  assert.deepEqual(b.levels.map((l) => [l.received, l.closed]), [[0, 0], [1, 0], [1, 1], [0, 0]]);
  // the joint-mediation list, and a bad part_kind
  assert.deepEqual((await leader.listAll('type=dispute&part_kind=assist')).map((x) => x.id), [ids.open]);
  assert.deepEqual((await mb.listAll('type=dispute&part_kind=assist')).map((x) => x.id), [ids.open]);
  assertError(await leader.get('/api/v1/cases?type=dispute&part_kind=bogus'), 400, 'field.invalid', 'part_kind');
  assertError(await leader.get(`/api/v1/cases?type=dispute&part_kind=${'a'.repeat(1000)}`), 400, undefined, 'part_kind');
});
