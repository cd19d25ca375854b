// Rural homestead approval (宅基地审批, config/types/homestead.json,
// docs/homestead.md) end to end through the API, on a demo county without
// cases and a business clock fixed at Monday 2026-03-02 10:00, each step as
// the people who take it. Unhappy paths first:
//   a  registration refusals write nothing: a bad ID number (GB 11643),
//      hostile text, an area over the limit, a department or the 12345
//      operator registering, a household of 11;
//   b  一次性告知: an empty, unknown or repeated material is 400; the notice
//      lists every missing item at once and pauses the clock; the supply
//      resumes it and the deadline moves by the paused working time;
//   c  joint review: a department not asked sees nothing (404), a department
//      answering twice is 409, the decision before all have answered is 409,
//      a 不同意 blocks the approval by a guard (409) and the township refuses;
//   d  approval, 放样 and 竣工验收 each need a new photo (409 without);
//   e  public: a wrong ID tail is the same 404 as an unknown number and is
//      throttled after 20 misses; the right one shows the masked name, the
//      领办人 and the missing materials, never the ID number; the 办事指南;
//   f  the figures (/stats/homestead).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './helpers.mjs';

const MONDAY = '2026-03-02T10:00:00+08:00';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const REVIEW = ['dept.nync', 'dept.zrzy', 'dept.zj'];

// GB 11643: 17 digits and the check character
function idNo(first17) {
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * W[i], 0);
  return first17 + '10X98765432'[sum % 11];
}
const APPLICANT_ID = idNo('36072719850412033');
const SPOUSE_ID = idNo('36072719870930024');

const application = (title, extra = {}, fields = {}) => ({
  type: 'homestead', class: 'new', channel: 'window', org: 'town.a', title,
  description: `${title}：申请人一户三口，申请在村内空闲地新建住房。`,
  location: { address: '濂江镇黄岭村四组' },
  parties: [
    { role: 'applicant', name: '钟建华', phone: '13979700451', id_no: APPLICANT_ID },
    { role: 'spouse', name: '黄春兰', id_no: SPOUSE_ID },
  ],
  fields: {
    village: '黄岭村四组', current_housing: '与父母同住老屋，无独立住房。', site_address: '濂江镇黄岭村四组村内空闲地',
    land_kind: '村内空闲地', area: 120, floors: 2, design: '标准图集 A2 二层三开间',
    guide_name: '刘慧敏', guide_phone: '0797-8721305', ...fields,
  },
  ...extra,
});
const partOf = (c, org) => c.assignments.find((a) => a.org.code === org);

const srv = await startServer({ cases: false, testClock: true });
await srv.setClock(MONDAY);
const hs1 = await srv.login('hs1');
const town2 = await srv.login('town2');
const nync1 = await srv.login('nync1');
const zrzy1 = await srv.login('zrzy1');
const zj1 = await srv.login('zj1');
const sl1 = await srv.login('sl1');
const op1 = await srv.login('op1');
const leader = await srv.login('leader1');

function photo(c, id, name = '现场照片.png') {
  return srv.raw('POST', `/api/v1/cases/${id}/attachments?name=${encodeURIComponent(name)}`, {
    // distinct bytes per photo: the store keeps one row per file content
    headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'image/png' }, body: Buffer.concat([PNG, Buffer.from(name)]),
  });
}
async function count(c) {
  return (await c.listAll('type=homestead')).length;
}

test('a: registration refusals write nothing', async () => {
  const before = await count(hs1);
  const bad = application('身份证号校验位错误');
  bad.parties[0].id_no = APPLICANT_ID.slice(0, 17) + (APPLICANT_ID[17] === '1' ? '2' : '1');
  const r1 = await hs1.post('/api/v1/cases', bad);
  assert.equal(r1.status, 400, r1.text);
  assert.match(r1.json.error.field, /^parties/);

  const cut = application('乱码');
  cut.fields.village = '黄岭村\u0007四组';
  assertError(await hs1.post('/api/v1/cases', cut), 400, 'field.invalid', 'village');
  // invalid UTF-8 on the wire (a cut 3-byte sequence) is 400 too
  const raw = JSON.stringify(application('截断的字符')).replace('黄岭村四组村内空闲地', '黄岭村\u0000');
  const r2 = await srv.raw('POST', '/api/v1/cases', {
    headers: { Authorization: `Bearer ${hs1.token}`, 'Content-Type': 'application/json' },
    body: Buffer.concat([Buffer.from(raw.slice(0, raw.indexOf('\\u0000'))), Buffer.from([0xe4, 0xb8]), Buffer.from(raw.slice(raw.indexOf('\\u0000') + 6))]),
  });
  assert.equal(r2.status, 400, r2.text);

  assertError(await hs1.post('/api/v1/cases', application('超面积', {}, { area: 181 })), 400, 'field.invalid', 'area');
  assertError(await hs1.post('/api/v1/cases', application('超层数', {}, { floors: 4 })), 400, 'field.invalid', 'floors');
  assertError(await hs1.post('/api/v1/cases', application('图集外的户型', {}, { design: '别墅' })), 400, 'field.invalid', 'design');
  const noGuide = application('没有领办人');
  delete noGuide.fields.guide_name;
  assertError(await hs1.post('/api/v1/cases', noGuide), 400, 'field.required', 'guide_name');
  const eleven = application('十一口人');
  eleven.parties = Array.from({ length: 11 }, (_, i) => ({ role: i ? 'member' : 'applicant', name: `家庭成员${i}` }));
  assert.equal((await hs1.post('/api/v1/cases', eleven)).status, 400);
  const huge = application('超长');
  huge.fields.current_housing = '屋'.repeat(1001);
  assertError(await hs1.post('/api/v1/cases', huge), 400, 'field.too_long', 'current_housing');

  // only a township's window registers: not the 12345 operator, not a department
  assert.equal((await op1.post('/api/v1/cases', application('话务员登记'))).status, 403);
  assert.equal((await zj1.post('/api/v1/cases', application('部门登记', { org: 'dept.zj' }))).status, 403);
  // and only in its own township
  assert.equal((await town2.post('/api/v1/cases', application('长岭乡替濂江镇登记'))).status, 403);
  assert.equal(await count(hs1), before, 'nothing written');
});

let A; // the application approved in the end
test('b: 一次性告知 lists every missing material at once and pauses the clock', async () => {
  const { case: c } = await hs1.create(application('黄岭村四组一户申请宅基地建房'));
  A = c;
  assert.equal(c.status, 'hs_registered');
  assert.equal(c.no.slice(0, 2), 'ZD');
  assert.equal(c.due_at, '2026-03-31T00:00:00+08:00', '20 working days');
  // the sealed household: hs1 sees it, a department reviewer does not see the case at all
  assert.equal(c.parties.length, 2);
  assert.equal((await nync1.get(`/api/v1/cases/${c.id}`)).status, 404);

  assertError(await hs1.act(c.id, 'hs_notify_missing', { missing: [] }), 400, 'field.invalid', 'missing');
  assertError(await hs1.act(c.id, 'hs_notify_missing', { missing: ['身份证复印件（不在清单中）'] }), 400, 'field.invalid', 'missing');
  assertError(await hs1.act(c.id, 'hs_notify_missing', { missing: ['申请人户口簿', '申请人户口簿'] }), 400, 'field.invalid', 'missing');
  assertError(await hs1.act(c.id, 'hs_notify_missing', { missing: '申请人户口簿' }), 400, 'field.invalid', 'missing');
  assertError(await hs1.act(c.id, 'hs_notify_missing', {}), 400, 'field.required', 'missing');
  assert.equal((await hs1.case(c.id)).version, c.version, 'nothing written');

  const missing = ['村民小组会议讨论通过记录', '相邻权利人意见', '建房安全承诺书'];
  const n = await hs1.must(c.id, 'hs_notify_missing', { missing, missing_note: '会议记录须有三分之二以上户代表签字。' });
  assert.equal(n.status, 'hs_incomplete');
  assert.deepEqual(n.fields.missing, missing);
  assert.equal(n.fields.notice_count, 1);
  // a week passes while the applicant gathers them: the clock stands still
  await srv.setClock('2026-03-09T10:00:00+08:00');
  assert.equal((await hs1.act(c.id, 'hs_accept', { orgs: REVIEW })).status, 409, 'no review while materials are missing');
  const s = await hs1.must(c.id, 'hs_supply', { supplied: '已补齐会议记录、相邻权利人签字和安全承诺书。' });
  assert.equal(s.status, 'hs_registered');
  assert.equal(s.due_at, '2026-04-08T00:00:00+08:00', 'moved by the five paused working days');
});

test('c: the departments review in parallel; answering twice and deciding early are refused', async () => {
  // 农业农村、自然资源、住建 always review; 林业、水利、交通 may; no one else
  const noZj = await hs1.act(A.id, 'hs_accept', { orgs: ['dept.nync', 'dept.zrzy', 'dept.sl'] });
  assertError(noZj, 400, 'field.invalid', 'orgs');
  assert.match(noZj.json.error.message, /须包括.*住房和城乡建设局/);
  const withCg = await hs1.act(A.id, 'hs_accept', { orgs: [...REVIEW, 'dept.cg'] });
  assertError(withCg, 400, 'field.invalid', 'orgs');
  assert.match(withCg.json.error.message, /dept\.cg 不在可选的单位之中/);
  assert.equal((await hs1.case(A.id)).status, 'hs_registered', 'nothing changed');
  const c = await hs1.must(A.id, 'hs_accept', { orgs: REVIEW });
  assert.equal(c.status, 'hs_review');
  assert.deepEqual(c.assignments.map((a) => [a.org.code, a.kind, a.status]),
    REVIEW.map((o) => [o, 'review', 'pending']));
  // a department not asked sees nothing, may answer nothing
  assert.equal((await sl1.get(`/api/v1/cases/${A.id}`)).status, 404);
  assert.equal((await sl1.act(A.id, 'hs_agree', { opinion: '同意' })).status, 404);
  // a reviewer sees the application, the household masked
  const seen = await nync1.case(A.id);
  assert.ok(seen.parties.every((p) => !p.id_no || p.id_no.includes('*')), JSON.stringify(seen.parties));

  await nync1.must(A.id, 'hs_sign');
  await nync1.must(A.id, 'hs_agree', { opinion: '申请人为本村集体经济组织成员，一户一宅，同意。' });
  assertError(await nync1.act(A.id, 'hs_agree', { opinion: '再次同意' }), 409, 'case.action_not_allowed');
  assertError(await nync1.act(A.id, 'hs_disagree', { opinion: '改为不同意', reason: '反悔' }), 409, 'case.action_not_allowed');
  // the township decides only once all have answered
  assertError(await hs1.act(A.id, 'hs_approve', { approved_area: 120, holder: '钟建华', decision: '同意' }), 409, 'case.action_not_allowed');
  assertError(await zj1.act(A.id, 'hs_agree_cond', { opinion: '同意' }), 400, 'field.required', 'conditions');
  await zj1.must(A.id, 'hs_agree_cond', { opinion: '选用县标准图集，同意。', conditions: '由具备资质的农村建筑工匠施工。' });
  const last = await zrzy1.must(A.id, 'hs_agree', { opinion: '符合村庄规划，不占永久基本农田，同意。' });
  assert.equal(last.status, 'hs_decide');
  assert.equal(partOf(last, 'dept.zj').opinion.conditions, '由具备资质的农村建筑工匠施工。');
  // the departments do not decide
  assert.equal((await zj1.act(A.id, 'hs_approve', { approved_area: 120, holder: '钟建华', decision: '同意' })).status, 403);
});

test('c: any 不同意 blocks the approval; the township refuses with the reasons', async () => {
  const { case: c } = await hs1.create(application('黄岭村水田建房申请', {}, { land_kind: '农用地（需办理农转用）' }));
  await hs1.must(c.id, 'hs_accept', { orgs: REVIEW });
  await nync1.must(c.id, 'hs_agree', { opinion: '同意' });
  await zj1.must(c.id, 'hs_agree', { opinion: '同意' });
  const d = await zrzy1.must(c.id, 'hs_disagree', { opinion: '位于永久基本农田保护红线内。', reason: '占用永久基本农田，不得建房。' });
  assert.equal(d.status, 'hs_decide');
  assert.ok(!d.actions.some((a) => a.code === 'hs_approve'), 'approval not offered');
  const r = await hs1.act(c.id, 'hs_approve', { approved_area: 100, holder: '钟建华', decision: '同意' });
  assertError(r, 409);
  assert.match(r.json.error.message, /不同意/);
  const f = await hs1.must(c.id, 'hs_refuse', { decision: '拟用地块位于永久基本农田保护红线内（县自然资源局不同意），不予批准。' });
  assert.equal(f.status, 'hs_refused');
  assert.ok(f.closed_at);
});

test('d: approval, then 放样 and 竣工验收 each need a new photo', async () => {
  assertError(await hs1.act(A.id, 'hs_approve', { approved_area: 181, holder: '钟建华', decision: '同意' }), 400, 'field.invalid', 'approved_area');
  await srv.setClock('2026-03-09T15:00:00+08:00');
  assertError(await hs1.act(A.id, 'hs_approve', { approved_area: 120, decision: '同意' }), 400, 'field.required', 'holder');
  const a = await hs1.must(A.id, 'hs_approve', { approved_area: 120, holder: '钟建华', decision: '经联审，同意批准申请户使用宅基地120平方米。' });
  assert.equal(a.status, 'hs_approved');
  // the 农村宅基地批准书, signed, names the holder and never an ID number
  assert.match(a.fields.homestead_cert_no, /^ZJ\d{8}-\d{4}$/);
  const docs = await hs1.get(`/api/v1/cases/${A.id}/documents`);
  assert.equal(docs.status, 200, docs.text);
  const items = docs.json.items || docs.json.documents || docs.json;
  assert.equal(items.length, 1, docs.text);
  assert.equal(items[0].kind, 'homestead_cert');
  assert.equal(items[0].number, a.fields.homestead_cert_no);
  const [payload] = items[0].code.split('.');
  const signed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  assert.equal(signed.subject['户主'], '钟建华');
  assert.equal(signed.facts['批准用地面积（平方米）'], 120);
  assert.equal(signed.issuer.code, 'town.a');
  assert.ok(!JSON.stringify(signed).includes(APPLICANT_ID.slice(6, 14)), 'no ID number');
  await srv.setClock('2026-03-09T16:00:00+08:00');
  assertError(await hs1.act(A.id, 'hs_site', { siting: '按四至放样' }), 409);
  assert.equal((await photo(hs1, A.id, '放样现场.png')).status, 201);
  await srv.setClock('2026-03-09T16:30:00+08:00');
  const s = await hs1.must(A.id, 'hs_site', { siting: '镇村干部现场丈量，按批准四至打桩放线。' });
  assert.equal(s.status, 'hs_sited');
  await srv.setClock('2026-03-09T17:00:00+08:00');
  assertError(await hs1.act(A.id, 'hs_complete', { acceptance: '合格', findings: '按批准建设', satisfaction: '满意' }), 409);
  assert.equal((await photo(hs1, A.id, '竣工验收一.png')).status, 201);
  await srv.setClock('2026-03-09T17:30:00+08:00');
  const back = await hs1.must(A.id, 'hs_complete', { acceptance: '不合格需整改', findings: '超出批准四至0.5米，责令整改。', satisfaction: '基本满意' });
  assert.equal(back.status, 'hs_sited', '不合格 stays for the re-check');
  // "new" is since the case's last step (by time): the re-check is a day later
  await srv.setClock('2026-03-10T10:00:00+08:00');
  assertError(await hs1.act(A.id, 'hs_complete', { acceptance: '合格', findings: '已整改', satisfaction: '满意' }), 409);
  assert.equal((await photo(hs1, A.id, '竣工验收二.png')).status, 201);
  await srv.setClock('2026-03-10T11:00:00+08:00');
  const done = await hs1.must(A.id, 'hs_complete', { acceptance: '合格', findings: '整改后按批准面积和四至建设。', satisfaction: '满意' });
  assert.equal(done.status, 'hs_completed');
});

test('e: public progress by number and ID tail; the 办事指南', async () => {
  const q = (no, tail) => srv.raw('GET', `/api/v1/public/homestead?no=${encodeURIComponent(no)}&id_tail=${encodeURIComponent(tail)}`);
  const { case: c } = await hs1.create(application('公开查询用的申请'));
  await hs1.must(c.id, 'hs_notify_missing', { missing: ['申请人户口簿', '家庭成员身份证'] });
  const tail = APPLICANT_ID.slice(-4);
  const spouseTail = SPOUSE_ID.slice(-4);
  const wrong = tail === '0000' ? '1111' : '0000';
  const miss = await q(c.no, wrong);
  assertError(miss, 404, 'not_found');
  assertError(await q('ZD-NOPE', tail), 404, 'not_found');
  assert.equal(miss.json.error.message, (await q('ZD-NOPE', tail)).json.error.message, 'a miss tells nothing');
  if (spouseTail !== tail) assertError(await q(c.no, spouseTail), 404, 'not_found');
  assert.equal((await q(c.no, '12')).status, 404);

  const ok = await q(c.no, tail.toLowerCase());
  assert.equal(ok.status, 200, ok.text);
  const p = ok.json;
  assert.equal(p.no, c.no);
  assert.equal(p.status_name, '已一次性告知待补正');
  assert.equal(p.applicant, '钟**');
  const field = (n) => (p.fields.find((f) => f.name === n) || {}).value;
  assert.equal(field('guide_name'), '刘慧敏');
  assert.equal(field('guide_phone'), '0797-8721305');
  assert.deepEqual(field('missing'), ['申请人户口簿', '家庭成员身份证']);
  assert.ok(!ok.text.includes(APPLICANT_ID) && !ok.text.includes('黄春兰') && !ok.text.includes('13979700451'), ok.text);

  const g = await srv.raw('GET', '/api/v1/public/guides/homestead');
  assert.equal(g.status, 200, g.text);
  assert.match(g.json.title, /宅基地/);
  assert.ok(g.json.steps.length >= 5);
  assert.ok(g.json.materials.includes('农村宅基地和建房（规划许可）申请表'));
  assert.deepEqual(g.json.classes[0].deadline, { workdays: 20 });
  assert.equal((await srv.raw('GET', '/api/v1/public/guides/hotline')).status, 404);
  assert.equal((await srv.raw('GET', '/api/v1/public/guides/%ff')).status === 400 || (await srv.raw('GET', '/api/v1/public/guides/%ff')).status === 404, true);

  // throttled after 20 misses from one address
  let last;
  for (let i = 0; i < 25; i++) last = await q(c.no, wrong);
  assertError(last, 429);
});

test('f: the figures', async () => {
  const r = await leader.get('/api/v1/stats/homestead?from=2026-03-01&to=2026-03-31');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.received, 3);
  assert.deepEqual(r.json.counts.by_status, {
    hs_registered: 0, hs_incomplete: 1, hs_review: 0, hs_decide: 0, hs_approved: 0, hs_sited: 0,
    hs_completed: 1, hs_refused: 1, hs_withdrawn: 0,
  });
  assert.equal(r.json.counts.assignments, 6, 'three departments on each of two applications');
  assert.equal(r.json.satisfaction_rate, 1);
  // the joint review: applications, approved, refused, days; each department's answers on time
  const v = r.json.reviews;
  assert.deepEqual([v.applications, v.approved, v.refused, v.finished], [3, 1, 1, 2]);
  // A: 03-02 10:00 → 03-10 11:00 (8.04 days); the refused one the same day
  assert.ok(Math.abs(v.avg_days_to_close - (8 + 1 / 24) / 2) < 1e-6, String(v.avg_days_to_close));
  assert.deepEqual(v.units.map((u) => [u.code, u.parts, u.answered, u.on_time, u.late, u.on_time_rate]), [
    ['dept.nync', 2, 2, 2, 0, 1], ['dept.zj', 2, 2, 2, 0, 1], ['dept.zrzy', 2, 2, 2, 0, 1],
  ]);
  assert.equal(v.units[0].avg_days_to_answer, 0);
  assert.equal((await hs1.get('/api/v1/stats/homestead')).status, 403);
});
