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
import { startServer, assertError, runBin } from './helpers.mjs';

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

async function clockOf(srv, iso) {
  const r = await srv.setClock(iso);
  assert.equal(Date.parse(r.now), Date.parse(iso), `clock set to ${iso}`);
}

const srv = await startServer({ cases: false, testClock: true });
await clockOf(srv, MONDAY);
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
