// Public progress tracking (GET /api/v1/public/track?no=&phone_tail=): no
// sign-in; the case number and the last four digits of the reporter's phone
// show the public steps and, once answered, the reply — never who acted,
// comments or the reporter. Every miss is the same 404; misses per address
// are throttled (20 in 15 minutes, then 429).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, freshPhone } from './helpers.mjs';

const srv = await startServer();

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?\+08:00$/;
const MISS_LIMIT = 20;
let misses = 0; // 404s this file has caused (they count toward the limit)

/** GET /api/v1/public/track without credentials; counts misses. */
async function track(no, tail) {
  const qs = new URLSearchParams();
  if (no !== undefined) qs.set('no', no);
  if (tail !== undefined) qs.set('phone_tail', tail);
  const r = await srv.raw('GET', `/api/v1/public/track?${qs}`);
  if (r.status === 404) misses += 1;
  return r;
}

/** A miss: 404, the standard error shape, no case data. */
function assertMiss(r, reference) {
  assertError(r, 404, 'not_found');
  assert.deepEqual(Object.keys(r.json), ['error']);
  if (reference) assert.equal(r.text, reference.text, 'every miss answers the same body');
}

const tail = (phone) => phone.slice(-4);
const wrongTail = (phone) => String((Number(tail(phone)) + 1) % 10000).padStart(4, '0');

// the case of the main scenario, shared by the tests below
const phone = freshPhone('139');
const reporterName = '公开查询测试人';
const comments = ['内部备注：城管局请加急', '签收备注：已安排中队', '催办内容：请尽快处理', '审核意见：答复合格'];
const replyText = '县城管局已于当日安排人员清理占道堆放物，并对商户进行了教育。';
let theCase;

test('the full path: create → dispatch → sign → reply → review → callback; the public sees steps, then the reply', async () => {
  const [op1, disp1, cg1, sup1] = await Promise.all(['op1', 'disp1', 'cg1', 'sup1'].map((u) => srv.login(u)));
  theCase = (await op1.create(caseBody({
    class: '投诉',
    title: '公开查询：商户占道经营',
    description: '来电人反映解放路一商户长期占道堆放货物，影响行人通行。',
    reporter: { name: reporterName, phone },
  }))).case;
  const { no, id } = theCase;

  let r = await track(no, tail(phone));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.no, no);
  assert.equal(r.json.type_name, '12345热线工单');
  assert.equal(r.json.class, '投诉');
  assert.equal(r.json.status, 'received');
  assert.equal(r.json.status_name, '已受理');
  assert.match(r.json.received_at, ISO);
  assert.match(r.json.due_at, ISO);
  assert.equal(r.json.closed_at, null);
  assert.deepEqual(r.json.steps.map((s) => s.name), ['受理']);
  assert.equal(r.json.steps[0].at, r.json.received_at, '受理 is dated by the receipt');
  assert.equal(r.json.reply, undefined);

  await disp1.must(id, 'dispatch', { org: 'dept.cg', comment: comments[0] });
  await cg1.must(id, 'sign', { comment: comments[1] });
  await sup1.must(id, 'urge', { comment: comments[2] });
  r = await track(no, tail(phone));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'handling');
  assert.deepEqual(r.json.steps.map((s) => s.action), ['create', 'dispatch', 'sign'], '催办 is internal');
  assert.equal(r.json.reply, undefined, 'no reply before the case is answered');

  await cg1.must(id, 'reply', { reply: replyText });
  r = await track(no, tail(phone));
  assert.equal(r.json.status, 'replied');
  assert.equal(r.json.reply, replyText);

  await sup1.must(id, 'review', { comment: comments[3] });
  await sup1.must(id, 'callback', { resolved: true, satisfaction: '满意' });
  const events = await op1.events(id);

  r = await track(no, tail(phone));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'closed');
  assert.equal(r.json.status_name, '已办结');
  assert.match(r.json.closed_at, ISO);
  assert.equal(r.json.reply, replyText);
  assert.deepEqual(r.json.steps.map((s) => s.action),
    ['create', 'dispatch', 'sign', 'reply', 'review', 'callback', 'closed']);
  assert.deepEqual(r.json.steps.map((s) => s.name),
    ['受理', '派单', '签收', '答复', '审核通过', '回访', '已办结']);
  for (const s of r.json.steps) {
    assert.deepEqual(Object.keys(s).sort(), ['action', 'at', 'name']);
    assert.match(s.at, ISO);
  }
  const times = r.json.steps.map((s) => Date.parse(s.at));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'steps in order');
  assert.deepEqual(Object.keys(r.json).sort(),
    ['class', 'closed_at', 'due_at', 'no', 'received_at', 'reply', 'status', 'status_name', 'steps', 'type_name']);

  // nothing personal or internal
  const text = r.text;
  assert.ok(!text.includes(reporterName), 'no reporter name');
  assert.ok(!text.includes(phone), 'no phone');
  assert.doesNotMatch(text.replaceAll(no, ''), /\d{11}/, 'no 11-digit run besides the case number');
  for (const u of [op1, disp1, cg1, sup1]) {
    assert.ok(!text.includes(u.user.name), `no name of ${u.user.login}`);
    assert.ok(!text.includes(`"${u.user.login}"`), `no login ${u.user.login}`);
  }
  for (const c of comments) assert.ok(!text.includes(c), `no comment ${c}`);
  assert.ok(!text.includes('dept.cg') && !text.includes('城市管理局'), 'no org');

  // reading records nothing
  assert.equal((await op1.events(id)).length, events.length, 'no event for a public read');
});

test('a wrong tail, an unknown number, a case without a phone → the same 404', async () => {
  const op1 = await srv.login('op1');
  const ref = await track(theCase.no, wrongTail(phone));
  assertMiss(ref);
  assertMiss(await track('RX20990101999999', tail(phone)), ref);
  const nophone = (await op1.create(caseBody({ reporter: { name: '无电话' } }))).case;
  assertMiss(await track(nophone.no, '0000'), ref);
  const noreporter = (await op1.create({ type: 'hotline', description: '匿名来电咨询办事时间。' })).case;
  assertMiss(await track(noreporter.no, '0000'), ref);
  // the case number is matched exactly
  assertMiss(await track(theCase.no.toLowerCase(), tail(phone)), ref);
});

test('malformed input → the same 404', async () => {
  const ref = await track('RX20990101999999', '0000');
  assertMiss(ref);
  const bad = [
    [undefined, undefined],
    [theCase.no, undefined],
    [undefined, tail(phone)],
    [theCase.no, tail(phone).slice(1)],
    [theCase.no, tail(phone) + '0'],
    [theCase.no, 'abcd'],
    [theCase.no, phone],
    ['R'.repeat(33), tail(phone)],
    [`${theCase.no}%`, tail(phone)],
    [`${theCase.no}' OR '1'='1`, tail(phone)],
  ];
  for (const [no, t] of bad) assertMiss(await track(no, t), ref);
});

test('a confidential 举报 case: the reporter can follow it; nothing of the reporter shows', async () => {
  const op1 = await srv.login('op1');
  const p = freshPhone('136');
  const c = (await op1.create(caseBody({
    class: '举报', title: '举报公开查询', description: '举报某商户销售过期食品。',
    reporter: { name: '举报人乙', phone: p },
  }))).case;
  assert.equal(c.reporter.confidential, true);
  const r = await track(c.no, tail(p));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.class, '举报');
  assert.deepEqual(r.json.steps.map((s) => s.action), ['create'], 'the pii.view event is not a step');
  assert.ok(!r.text.includes('举报人乙'));
  assert.ok(!r.text.includes(p));
  assert.doesNotMatch(r.text.replaceAll(c.no, ''), /\d{11}/);
  assertMiss(await track(c.no, wrongTail(p)));
});

test('a direct answer shows as the reply once the case is closed', async () => {
  const op1 = await srv.login('op1');
  const p = freshPhone('135');
  const c = (await op1.create(caseBody({ class: '咨询', reporter: { name: '咨询人', phone: p } }))).case;
  await op1.must(c.id, 'answer', { answer: '公共自行车办卡请携带身份证到市民中心办理。' });
  const r = await track(c.no, tail(p));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'closed');
  assert.equal(r.json.reply, '公共自行车办卡请携带身份证到市民中心办理。');
  assert.deepEqual(r.json.steps.map((s) => s.name), ['受理', '直接答复', '已办结']);
});

test('a case handed over by 110 is tracked by the caller\'s phone; 受理 is the 110 receipt time', async () => {
  const link = await srv.login('link110');
  const p = freshPhone('137');
  const receivedAt = new Date(Date.now() - 3 * 3600 * 1000 + 8 * 3600 * 1000).toISOString().slice(0, 19) + '+08:00';
  const h = await link.post('/api/v1/linkage/110', {
    incident_no: `JT${Date.now()}`, received_at: receivedAt,
    description: '110转来：报警人称路灯不亮。', caller: { name: '报警人丙', phone: p },
  });
  assert.equal(h.status, 201, h.text);
  const r = await track(h.json.case.no, tail(p));
  assert.equal(r.status, 200, r.text);
  assert.equal(Date.parse(r.json.received_at), Date.parse(receivedAt));
  assert.deepEqual(r.json.steps.map((s) => s.name), ['受理']);
  assert.equal(Date.parse(r.json.steps[0].at), Date.parse(receivedAt));
  assert.ok(!r.text.includes('报警人丙') && !r.text.includes('link110'));
});

test(`after ${MISS_LIMIT} misses in 15 minutes an address gets 429, even with the right tail`, async () => {
  assert.ok(misses < MISS_LIMIT, `the earlier tests stayed under the limit (${misses})`);
  while (misses < MISS_LIMIT) {
    const r = await track(theCase.no, wrongTail(phone));
    assertMiss(r);
  }
  const r = await track(theCase.no, wrongTail(phone));
  assertError(r, 429, 'auth.throttled');
  assertError(await track(theCase.no, tail(phone)), 429, 'auth.throttled');
  assertError(await track('bad', 'x'), 429, 'auth.throttled');
  // signing in is a separate limit and still works from this address
  const res = await srv.loginRaw('op1');
  assert.equal(res.status, 200, res.text);
});
