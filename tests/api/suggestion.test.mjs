// People's suggestions (config/types/suggestion.json, docs/suggestion.md)
// end to end through the API, on a demo county without cases and a
// business clock fixed at Monday 2026-03-02 10:00, each step as the people
// who take it:
//   a  collection topics: who manages them, every check, the public list
//      (open ones only, nothing but what the public page shows);
//   b  the public page's submission: every refusal writes nothing, the
//      answer is the number alone, the topic must be open;
//   c  the scenario: a suggestion under a topic is reviewed,
//      studied by two departments, adopted and implemented, and the
//      proposer sees the outcome on public tracking (number + phone tail);
//   d  who may do what (403 / 404), 不予受理 and 不采纳 with their replies;
//   e  the per-topic and per-department figures of /stats/suggestion;
//   f  (its own server) submissions are limited per client address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './helpers.mjs';

const MONDAY = '2026-03-02T10:00:00+08:00';
const THURSDAY = '2026-03-05T10:00:00+08:00';
const NEXT_MONDAY = '2026-03-09T10:00:00+08:00';

async function clockOf(srv, iso) {
  const r = await srv.setClock(iso);
  assert.equal(Date.parse(r.now), Date.parse(iso), `clock set to ${iso}`);
}

const srv = await startServer({ cases: false, testClock: true });
await clockOf(srv, MONDAY);
const admin = await srv.login('admin');
const op1 = await srv.login('op1');
const disp1 = await srv.login('disp1');
const zj1 = await srv.login('zj1');
const cg1 = await srv.login('cg1');
const leader1 = await srv.login('leader1');

const publicPost = (body) => srv.raw('POST', '/api/v1/public/suggestions', {
  headers: { 'Content-Type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const track = (no, tail) => srv.raw('GET', `/api/v1/public/track?no=${encodeURIComponent(no)}&phone_tail=${tail}`);
const countSuggestions = async () => (await disp1.listAll('type=suggestion')).length;
const TOPIC = {
  title: '每月一题：老城区停车难怎么破', description: '征集缓解老城区停车难的意见建议。',
  org: 'dept.zj', opens_on: '2026-03-01', closes_on: '2026-03-31',
};
const SUGGESTION = {
  title: '建议机关单位停车场夜间向居民开放',
  content: '老城区晚上停车难，机关单位停车场夜间空置，建议错时向周边居民开放。',
  phone: '13912345678', name: '陈志强', address: '濂江镇解放路 12 号',
};

let parking; // the open topic of a
let ended; // a topic ended early

// ---------------------------------------------------------------------------
// a. collection topics

test('a: only topic.manage (admin) adds and changes topics; every value is checked', async () => {
  assertError(await op1.post('/api/v1/topics', TOPIC), 403, 'permission.denied');
  assertError(await leader1.post('/api/v1/topics', TOPIC), 403, 'permission.denied');
  const bad = async (body, field, code = 'field.invalid') => assertError(await admin.post('/api/v1/topics', body), 400, code, field);
  await bad({ ...TOPIC, title: '' }, 'title');
  await bad({ ...TOPIC, title: '标题\n换行' }, 'title');
  await bad({ ...TOPIC, title: '长'.repeat(101) }, 'title', 'field.too_long');
  await bad({ ...TOPIC, description: '长'.repeat(2001) }, 'description', 'field.too_long');
  await bad({ ...TOPIC, opens_on: '2026-02-30' }, 'opens_on');
  await bad({ ...TOPIC, opens_on: '2026-3-1' }, 'opens_on');
  await bad({ ...TOPIC, closes_on: 20260331 }, 'closes_on');
  await bad({ ...TOPIC, closes_on: '2026-02-28' }, 'closes_on');
  await bad({ ...TOPIC, org: 'dept.nope' }, 'org');
  await bad({ ...TOPIC, org: ['dept.zj'] }, 'org');
  await bad({ ...TOPIC, ended: true }, 'ended', 'field.unknown');
  const { title, ...noTitle } = TOPIC;
  await bad(noTitle, 'title', 'field.required');
  assert.equal((await admin.get('/api/v1/topics')).json.items.length, 0, 'nothing written');

  const r = await admin.post('/api/v1/topics', TOPIC);
  assert.equal(r.status, 201, r.text);
  parking = r.json.topic;
  assert.deepEqual(parking, {
    id: parking.id, title: TOPIC.title, description: TOPIC.description, opens_on: '2026-03-01',
    closes_on: '2026-03-31', org: { code: 'dept.zj', name: '濂江县住房和城乡建设局' }, ended: false,
    open: true, created_at: MONDAY, updated_at: MONDAY,
  });
  const e = await admin.post('/api/v1/topics', { ...TOPIC, title: '城乡生活垃圾分类建言', org: 'dept.cg' });
  assert.equal(e.status, 201, e.text);
  const later = await admin.post('/api/v1/topics', { ...TOPIC, title: '四月的题目', opens_on: '2026-04-01', closes_on: '2026-04-30' });
  assert.equal(later.json.topic.open, false, 'not open before its period');
  const p = await admin.req('PATCH', `/api/v1/topics/${e.json.topic.id}`, { ended: true });
  assert.equal(p.status, 200, p.text);
  ended = p.json.topic;
  assert.equal(ended.ended, true);
  assert.equal(ended.open, false);
  assertError(await admin.req('PATCH', `/api/v1/topics/${ended.id}`, { ended: 'yes' }), 400, 'field.invalid', 'ended');
  assertError(await admin.req('PATCH', `/api/v1/topics/${ended.id}`, { closes_on: '2026-02-01' }), 400, 'field.invalid', 'closes_on');
  assertError(await admin.req('PATCH', '/api/v1/topics/999999', { ended: true }), 404, 'not_found');
  assertError(await op1.req('PATCH', `/api/v1/topics/${ended.id}`, { ended: false }), 403, 'permission.denied');

  const list = await op1.get('/api/v1/topics?limit=2');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items.map((t) => t.title), ['四月的题目', '城乡生活垃圾分类建言']);
  const next = await op1.get(`/api/v1/topics?limit=2&cursor=${list.json.next_cursor}`);
  assert.deepEqual(next.json.items.map((t) => t.title), [TOPIC.title]);
  assert.equal(next.json.next_cursor, null);
  assertError(await op1.get('/api/v1/topics?limit=0'), 400);

  const events = await admin.get('/api/v1/audit/events?action=topic.update');
  assert.equal(events.status, 200, events.text);
  assert.equal(events.json.items.length, 1, 'the change is on the audit chain');
});

test('a: the public list has the open topics only, without unit codes or record times', async () => {
  const r = await srv.raw('GET', '/api/v1/public/topics');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, {
    items: [{
      id: parking.id, title: TOPIC.title, description: TOPIC.description, opens_on: '2026-03-01',
      closes_on: '2026-03-31', org: { name: '濂江县住房和城乡建设局' },
    }],
  });
});

// ---------------------------------------------------------------------------
// b. the public page's submission

test('b: every refusal is a 400 naming the field, in Chinese, and writes nothing', async () => {
  const before = await countSuggestions();
  const bad = async (body, field, code = 'field.invalid') => {
    const r = await publicPost(body);
    assertError(r, 400, code, field);
    assert.match(r.json.error.message, /[\u4e00-\u9fff]/, r.text);
  };
  const { phone, ...noPhone } = SUGGESTION;
  await bad(noPhone, 'phone', 'field.required');
  await bad({ ...SUGGESTION, phone: '0797-8123456' }, 'phone');
  await bad({ ...SUGGESTION, phone: '1391234567' }, 'phone');
  await bad({ ...SUGGESTION, phone: 13912345678 }, 'phone');
  await bad({ ...SUGGESTION, title: '' }, 'title');
  await bad({ ...SUGGESTION, title: '一\n二' }, 'title');
  await bad({ ...SUGGESTION, title: '长'.repeat(101) }, 'title', 'field.too_long');
  await bad({ ...SUGGESTION, content: '长'.repeat(4001) }, 'content', 'field.too_long');
  await bad({ ...SUGGESTION, content: '   ' }, 'content');
  await bad({ ...SUGGESTION, name: '名'.repeat(65) }, 'name', 'field.too_long');
  await bad({ ...SUGGESTION, address: '址'.repeat(201) }, 'address', 'field.too_long');
  await bad({ ...SUGGESTION, topic: 'parking' }, 'topic');
  await bad({ ...SUGGESTION, topic: ended.id }, 'topic');
  await bad({ ...SUGGESTION, topic: 999999 }, 'topic');
  await bad({ ...SUGGESTION, reporter: { phone: '13912345678' } }, 'reporter', 'field.unknown');
  assertError(await publicPost('[1,2]'), 400);
  assertError(await publicPost('{"title":'), 400);
  assert.equal(await countSuggestions(), before, 'nothing written');
});

test('b: a submission answers its number alone and becomes a web case owned by the county', async () => {
  const r = await publicPost({ ...SUGGESTION, title: '建议路内停车首小时免费', topic: parking.id });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.json), ['no']);
  assert.match(r.json.no, /^JY202603023607\d{6}$/, 'the day, then 赣州市, the county\'s region');
  const c = (await disp1.listAll('type=suggestion')).find((x) => x.no === r.json.no);
  assert.equal(c.channel, 'web');
  assert.equal(c.status, 'sg_submitted');
  assert.equal(c.org.code, 'county');
  assert.equal(c.reporter.phone, '139****5678', 'lists mask');
  const full = await disp1.case(c.id);
  assert.equal(full.reporter.phone, '13912345678');
  assert.equal(full.reporter.name, '陈志强');
  assert.deepEqual(full.fields, { topic: parking.id });
  assert.equal(full.location.address, '濂江镇解放路 12 号');
  const ev = await disp1.events(c.id);
  assert.equal(ev[0].action, 'create');
  assert.equal(ev[0].actor, null, 'registered by the system, no account');
});

// ---------------------------------------------------------------------------
// c. the scenario: adopted under a topic, and the proposer sees it

test('c: a suggestion under a topic is adopted and implemented; the proposer sees the outcome', async () => {
  await clockOf(srv, MONDAY);
  const sub = await publicPost({ ...SUGGESTION, topic: parking.id });
  assert.equal(sub.status, 201, sub.text);
  const no = sub.json.no;
  const id = (await disp1.listAll('type=suggestion')).find((x) => x.no === no).id;

  let t = await track(no, '5678');
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.status_name, '待审查');
  assert.equal(t.json.reply, undefined, 'no reply before the decision');
  assert.equal(t.json.outcome, undefined);
  assertError(await track(no, '1234'), 404);

  let c = await disp1.must(id, 'sg_accept', { review_note: '属本期每月一题主题，受理。' });
  assert.equal(c.status, 'sg_accepted');
  assertError(await cg1.get(`/api/v1/cases/${id}`), 404, 'not_found');
  c = await disp1.must(id, 'sg_forward', { orgs: ['dept.zj', 'dept.cg'] });
  assert.equal(c.status, 'sg_consulting');
  assert.deepEqual(c.assignments.map((a) => [a.org.code, a.kind, a.status]).sort(),
    [['dept.cg', 'review', 'pending'], ['dept.zj', 'review', 'pending']]);
  assert.deepEqual((await zj1.case(id)).actions.map((a) => a.code), ['sg_opinion']);

  c = await zj1.must(id, 'sg_opinion', { dept_opinion: '支持错时共享，住建局可牵头制定管理办法。' });
  assert.equal(c.status, 'sg_consulting', 'waits for every department');
  await clockOf(srv, THURSDAY);
  c = await cg1.must(id, 'sg_opinion', { dept_opinion: '同意，城管局负责夜间停车秩序。' });
  assert.equal(c.status, 'sg_deciding');
  const full = await disp1.case(id);
  assert.deepEqual(full.assignments.map((a) => [a.org.code, a.status, a.opinion && a.opinion.dept_opinion]).sort(), [
    ['dept.cg', 'done', '同意，城管局负责夜间停车秩序。'],
    ['dept.zj', 'done', '支持错时共享，住建局可牵头制定管理办法。'],
  ]);
  assert.deepEqual(full.actions.map((a) => a.code), ['sg_decide']);

  assertError(await disp1.post(`/api/v1/cases/${id}/actions/sg_decide`, { decision: '采纳' }), 400, 'field.required', 'decision_reply');
  assertError(await disp1.post(`/api/v1/cases/${id}/actions/sg_decide`, { decision: '同意', decision_reply: 'x' }), 400, 'field.invalid', 'decision');
  const REPLY = '您的建议已被采纳：县直机关停车场将于夜间向周边居民错时开放。';
  c = await disp1.must(id, 'sg_decide', { decision: '采纳', decision_reply: REPLY });
  assert.equal(c.status, 'sg_implementing');
  t = await track(no, '5678');
  assert.equal(t.json.status_name, '已采纳，实施中');
  assert.equal(t.json.outcome, '采纳');
  assert.equal(t.json.reply, REPLY);

  await clockOf(srv, NEXT_MONDAY);
  await disp1.must(id, 'sg_progress', { impl_progress: '已确定首批 6 个机关停车场。' });
  const RESULT = '县政府大院等 6 个机关单位停车场已向居民错时开放，新增夜间共享车位 420 个。';
  c = await disp1.must(id, 'sg_finish', { impl_result: RESULT });
  assert.equal(c.status, 'sg_implemented');
  t = await track(no, '5678');
  assert.equal(t.status, 200);
  assert.deepEqual({ status_name: t.json.status_name, outcome: t.json.outcome, reply: t.json.reply },
    { status_name: '实施完成待回访', outcome: '采纳', reply: RESULT });
  assert.deepEqual(t.json.steps.map((s) => s.name),
    ['受理', '受理建议', '转部门研究', '作出决定', '记录实施进展', '实施完成'], 'departments\' opinions stay internal');
  assert.ok(!t.text.includes('陈志强') && !t.text.includes('13912345678') && !t.text.includes('dept.'), 'no personal data, no units');

  c = await op1.must(id, 'sg_revisit', { revisit_satisfied: '满意', revisit_note: '建议人表示满意。' });
  assert.equal(c.status, 'sg_closed');
  t = await track(no, '5678');
  assert.equal(t.json.status_name, '已实施办结');
  assert.equal(t.json.steps.at(-1).name, '已实施办结');
  assert.equal(t.json.reply, RESULT);
});

// ---------------------------------------------------------------------------
// d. roles, 不予受理 and 不采纳

test('d: operators register, dispatchers review; departments see only what they were asked', async () => {
  await clockOf(srv, MONDAY);
  const body = {
    type: 'suggestion', class: '城乡建设', channel: 'phone', title: '建议在城区主干道增设非机动车道隔离栏',
    description: '城区主干道电动车和汽车混行，建议增设隔离栏。', reporter: { name: '钟伟', phone: '15179703344' },
    fields: { topic: parking.id },
  };
  assertError(await cg1.post('/api/v1/cases', body), 403);
  assertError(await op1.post('/api/v1/cases', { ...body, fields: { topic: ended.id } }), 400, 'field.invalid', 'topic');
  const { case: c } = await op1.create(body);
  assert.equal(c.status, 'sg_submitted');
  assertError(await op1.post(`/api/v1/cases/${c.id}/actions/sg_accept`, {}), 403);
  assertError(await leader1.post(`/api/v1/cases/${c.id}/actions/sg_accept`, {}), 403);
  assertError(await zj1.post(`/api/v1/cases/${c.id}/actions/sg_accept`, {}), 404);
  assertError(await disp1.post(`/api/v1/cases/${c.id}/actions/sg_forward`, { orgs: ['dept.zj'] }), 409);
  await disp1.must(c.id, 'sg_accept', {});
  assertError(await disp1.post(`/api/v1/cases/${c.id}/actions/sg_forward`, {}), 400, 'field.required', 'orgs');
  assertError(await disp1.post(`/api/v1/cases/${c.id}/actions/sg_forward`, { orgs: ['village.a1'] }), 400);
  await disp1.must(c.id, 'sg_forward', { orgs: ['dept.jt'] });
  assertError(await cg1.post(`/api/v1/cases/${c.id}/actions/sg_opinion`, { dept_opinion: 'x' }), 404);
  const jt1 = await srv.login('jt1');
  assertError(await jt1.post(`/api/v1/cases/${c.id}/actions/sg_opinion`, {}), 400, 'field.required', 'dept_opinion');
  await jt1.must(c.id, 'sg_opinion', { dept_opinion: '交通局同意在解放路试点。' });
  const r = await disp1.must(c.id, 'sg_decide', { decision: '不采纳', decision_reply: '经研究，主干道宽度不足，暂不具备增设条件，暂不采纳。' });
  assert.equal(r.status, 'sg_not_adopted');
  const t = await track(c.no, '3344');
  assert.deepEqual({ s: t.json.status_name, o: t.json.outcome, r: t.json.reply },
    { s: '不予采纳', o: '不采纳', r: '经研究，主干道宽度不足，暂不具备增设条件，暂不采纳。' });
});

test('d: 不予受理 needs its reason, which the proposer reads', async () => {
  await clockOf(srv, MONDAY);
  const sub = await publicPost({ ...SUGGESTION, title: '请帮我家解决宅基地纠纷', content: '我家和邻居宅基地边界有争议。', phone: '13970975510' });
  const c = (await disp1.listAll('type=suggestion')).find((x) => x.no === sub.json.no);
  assertError(await disp1.post(`/api/v1/cases/${c.id}/actions/sg_decline`, {}), 400, 'field.required', 'decline_reason');
  await disp1.must(c.id, 'sg_decline', { decline_reason: '属个人纠纷，不属于建议征集范围，请申请人民调解。' });
  const t = await track(sub.json.no, '5510');
  assert.equal(t.json.status_name, '不予受理');
  assert.equal(t.json.reply, '属个人纠纷，不属于建议征集范围，请申请人民调解。');
  assert.equal(t.json.outcome, undefined);
});

test('d: the reviewer sees similar suggestions (duplicates)', async () => {
  await clockOf(srv, MONDAY);
  const sub = await publicPost({ ...SUGGESTION, title: '机关停车场晚上开放给居民停车', content: '建议机关单位停车场夜间向周边居民错时开放，缓解老城区停车难。', phone: '13600001111' });
  const c = (await disp1.listAll('type=suggestion')).find((x) => x.no === sub.json.no);
  const r = await disp1.get(`/api/v1/cases/${c.id}/duplicates`);
  assert.equal(r.status, 200, r.text);
  // by text alone (the type's duplicates.by_text; the shared contact address
  // counts for nothing): the two with the same content (c's, newer, first),
  // not 宅基地 though it has the same address
  assert.deepEqual(r.json.possible_duplicates.map((d) => [d.title, d.reasons]), [
    [SUGGESTION.title, ['similar_text']],
    ['建议路内停车首小时免费', ['similar_text']],
  ]);
  assert.ok(r.json.possible_duplicates[0].similarity >= 0.6, r.text);
});

// ---------------------------------------------------------------------------
// e. the figures

test('e: /stats/suggestion counts per topic and per department, with the days to decision', async () => {
  const r = await leader1.get('/api/v1/stats/suggestion?from=2026-03-01&to=2026-03-31');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.suggestions.by_topic, [
    { topic: parking.id, title: TOPIC.title, received: 3, adopted: 1, partly: 0, not_adopted: 1, implemented: 1, avg_days_to_decision: 1.5 },
    { topic: null, title: null, received: 2, adopted: 0, partly: 0, not_adopted: 0, implemented: 0, avg_days_to_decision: null },
  ]);
  assert.deepEqual(r.json.suggestions.by_org, [
    { org: { code: 'dept.cg', name: '濂江县城市管理局' }, received: 1, adopted: 1, partly: 0, not_adopted: 0, implemented: 1, avg_days_to_decision: 3 },
    { org: { code: 'dept.jt', name: '濂江县交通运输局' }, received: 1, adopted: 0, partly: 0, not_adopted: 1, implemented: 0, avg_days_to_decision: 0 },
    { org: { code: 'dept.zj', name: '濂江县住房和城乡建设局' }, received: 1, adopted: 1, partly: 0, not_adopted: 0, implemented: 1, avg_days_to_decision: 3 },
  ]);
  const zj = await (await srv.login('cglead')).get('/api/v1/stats/suggestion?from=2026-03-01&to=2026-03-31');
  assert.equal(zj.status, 200, zj.text);
  assert.deepEqual(zj.json.suggestions.by_org.map((o) => o.org.code), ['dept.cg'], 'a unit lead sees its own unit');
});

// ---------------------------------------------------------------------------
// f. the limit per client address

test('f: after CIVICLOOP_SUGGEST_RATE submissions an address gets 429 and nothing is written', async () => {
  const s = await startServer({ cases: false, env: { CIVICLOOP_SUGGEST_RATE: '2' } });
  const post = (b) => s.raw('POST', '/api/v1/public/suggestions', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) });
  assert.equal((await post(SUGGESTION)).status, 201);
  assertError(await post({ ...SUGGESTION, phone: 'x' }), 400, 'field.invalid', 'phone');
  assert.equal((await post(SUGGESTION)).status, 201, 'a refused body is not counted');
  const r = await post(SUGGESTION);
  assertError(r, 429);
  assert.match(r.json.error.message, /频繁/);
  const d = await s.login('disp1');
  assert.equal((await d.listAll('type=suggestion')).length, 2);
});
