// People's suggestions (人民建议征集, issue 12; docs/suggestion.md) through
// the UI on the demo county, as the people who do each step:
//   a citizen on a phone opens /public/suggest, sees the two open topics,
//   picks 每月一题 (停车难), is told a bad mobile number beside its field
//   (nothing sent), sends, and is shown the number;
//   disp1 finds it under 人民建议 → 待审查, sees the similar demo suggestion
//   on its page, accepts it and forwards it to 住建局;
//   zj1 finds it in 本单位待办 and gives the department's opinion;
//   disp1 adopts it (采纳, with the reply) and records it implemented;
//   the citizen, back on the phone, reads 采纳 and the result on 办理进度查询
//   with the number and the phone's last four digits;
//   admin ends a topic, which leaves the public page;
//   leader1 reads the suggestion figures on the dashboard, equal to the API's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, selectOption, waitFor } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const PARKING = '每月一题：老城区停车难怎么破';
const BUSINESS = '优化营商环境“金点子”征集';
const TITLE = '建议老城区路边停车位首小时免费';
const CONTENT = '老城区路边停车位收费后，到银行、医院办事停半小时也要收费，建议路内停车首小时免费，超过一小时再收费，方便群众短时办事。';
const PHONE = '13979708866';
const DECISION = '您的建议已被采纳：自下月起老城区路内停车位首小时免费。';
const RESULT = '老城区 1260 个路内停车位已实行首小时免费，收费系统已完成调整。';
let no = '';

async function caseId(login, number) {
  const r = await srv.api(login, 'GET', '/api/v1/cases?type=suggestion&limit=50');
  const c = r.json.items.find((x) => x.no === number);
  assert.ok(c, `${number} is in ${login}'s list`);
  return c.id;
}
async function act(page, code, fill) {
  await page.locator(`[data-test=action-${code}]`).click();
  const dlg = page.locator('[data-test=action-dialog]').last();
  await dlg.waitFor();
  if (fill) await fill(dlg);
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
}
async function statusIs(page, text) {
  await waitFor(async () => (await page.locator('[data-test=case-status]').first().innerText()).trim() === text, 'status ' + text);
}

test('a citizen submits a suggestion under a topic on the phone, without signing in', async () => {
  const page = await newPage(browser, srv, { width: 390, height: 844, mobile: true });
  await page.goto(srv.base + '/public/suggest');
  await page.locator('[data-test=public-topic]').first().waitFor();
  const titles = await page.locator('[data-test=public-topic-title]').allInnerTexts();
  assert.deepEqual(titles, [BUSINESS, PARKING], 'the open topics, soonest to end first; the ended one is not offered');
  const pick = page.locator('[data-test=public-topic]', { hasText: PARKING }).locator('button');
  await pick.click();
  assert.equal((await pick.innerText()).trim(), '已选择');
  await field(page, 'suggest-title').fill(TITLE);
  await field(page, 'suggest-content').fill(CONTENT);
  await field(page, 'suggest-phone').fill('1397970');
  await field(page, 'suggest-name').fill('钟秀兰');
  await page.locator('[data-test=suggest-submit]').click();
  await page.getByText('请填写 11 位手机号码').waitFor();
  assert.equal(await page.locator('[data-test=suggest-done]').count(), 0, 'nothing sent');
  await field(page, 'suggest-phone').fill(PHONE);
  await page.locator('[data-test=suggest-submit]').click();
  await page.locator('[data-test=suggest-done]').waitFor();
  no = (await page.locator('[data-test=suggest-no]').innerText()).trim();
  assert.match(no, /^JY\d{8}3607\d{6}$/);
  await shot(page, 'suggestion-public-sent');
  const id = await caseId('disp1', no);
  const c = (await srv.api('disp1', 'GET', '/api/v1/cases/' + id)).json.case;
  assert.equal(c.title, TITLE);
  assert.equal(c.channel, 'web');
  assert.equal(c.reporter.name, '钟秀兰');
  const topics = (await srv.api('disp1', 'GET', '/api/v1/topics')).json.items;
  assert.equal(c.fields.topic, topics.find((t) => t.title === PARKING).id);
  assertClean(page);
});

test('disp1 reviews it beside the similar suggestion, accepts it and forwards it to 住建局', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  await page.goto(srv.base + '/suggestions');
  const row = page.locator('[data-test=case-row]', { hasText: TITLE });
  await row.waitFor();
  assert.match(await row.innerText(), /待审查/);
  const review = await page.locator('[data-test=case-row]').allInnerTexts();
  assert.equal(review.length, 4, '待审查: the two demo submissions, the accepted one waiting to be forwarded, and the new one');
  await row.locator('a[data-test=case-no]').click();
  await page.locator('[data-test=suggestion-panel]').waitFor();
  await waitFor(async () => (await page.locator('[data-test=suggestion-topic]').innerText()).trim() === PARKING, 'the topic named');
  await page.locator('[data-test=suggestion-similar] [data-test=dup-row]').first().waitFor();
  const similar = await page.locator('[data-test=suggestion-similar] [data-test=dup-title]').allInnerTexts();
  assert.ok(similar.includes('建议老城区路内停车实行首小时免费'), 'the demo suggestion on the same matter: ' + similar.join(' | '));
  await shot(page, 'suggestion-review');

  await act(page, 'sg_accept', async (dlg) => field(dlg, 'input-review_note').fill('与本期每月一题主题相符，受理。'));
  await statusIs(page, '已受理待转办');
  await act(page, 'sg_forward', async (dlg) => {
    await selectOption(page, dlg.locator('[data-test=unit-row] .unit-select').first(), '住房和城乡建设局');
  });
  await statusIs(page, '部门研究中');
  assert.match(await page.locator('[data-test=suggestion-opinion]').innerText(), /濂江县住房和城乡建设局[\s\S]*研究中/);
  assertClean(page);
});

test('zj1 gives 住建局\'s opinion from its inbox', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'zj1');
  await page.goto(srv.base + '/inbox');
  const row = page.locator('[data-test=case-row]', { hasText: TITLE });
  await row.waitFor();
  await row.locator('a[data-test=case-no]').click();
  await page.locator('[data-test=suggestion-panel]').waitFor();
  await act(page, 'sg_opinion', async (dlg) => field(dlg, 'input-dept_opinion').fill('可行。路内停车首小时免费可通过收费系统调整实现，建议采纳。'));
  await statusIs(page, '待作出决定');
  assert.match(await page.locator('[data-test=suggestion-opinion]').innerText(), /已提出意见[\s\S]*首小时免费可通过收费系统调整实现/);
  assertClean(page);
});

test('disp1 adopts it and records it implemented', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  await page.goto(srv.base + '/suggestions?tab=decide');
  const row = page.locator('[data-test=case-row]', { hasText: TITLE });
  await row.waitFor();
  await row.locator('a[data-test=case-no]').click();
  await page.locator('[data-test=suggestion-panel]').waitFor();
  await act(page, 'sg_decide', async (dlg) => {
    await dlg.locator('[data-test="opt-decision-采纳"]').click();
    await field(dlg, 'input-decision_reply').fill(DECISION);
  });
  await statusIs(page, '已采纳，实施中');
  assert.equal((await page.locator('[data-test=suggestion-decision]').innerText()).trim(), '采纳');
  await act(page, 'sg_finish', async (dlg) => field(dlg, 'input-impl_result').fill(RESULT));
  await statusIs(page, '实施完成待回访');
  await shot(page, 'suggestion-implemented');
  assertClean(page);
});

test('the citizen sees 采纳 and the result on the public tracking page', async () => {
  const page = await newPage(browser, srv, { width: 390, height: 844, mobile: true });
  await page.goto(srv.base + '/track?no=' + no);
  await field(page, 'track-phone-tail').fill(PHONE.slice(-4));
  await page.locator('[data-test=track-submit]').click();
  await page.locator('[data-test=track-result]').waitFor();
  assert.equal((await page.locator('[data-test=track-status]').innerText()).trim(), '实施完成待回访');
  assert.equal((await page.locator('[data-test=track-outcome] strong').innerText()).trim(), '采纳');
  assert.match(await page.locator('[data-test=track-reply]').innerText(), new RegExp(RESULT));
  const steps = (await page.locator('[data-test=track-step] .step-name').allInnerTexts()).map((s) => s.trim());
  assert.deepEqual(steps, ['受理', '受理建议', '转部门研究', '作出决定', '实施完成']);
  const text = await page.locator('[data-test=track-result]').innerText();
  assert.ok(!text.includes('钟秀兰') && !text.includes('住房和城乡建设局'), 'no names, no units');
  await shot(page, 'suggestion-track');
  assertClean(page);
});

test('op1 registers a suggestion received by phone under a topic', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'op1');
  await page.goto(srv.base + '/suggestions');
  await page.locator('[data-test=suggestion-register-open]').click();
  const dlg = page.locator('[data-test=suggestion-register]');
  await dlg.waitFor();
  await selectOption(page, dlg.locator('[data-test=reg-topic]'), BUSINESS);
  await selectOption(page, dlg.locator('[data-test=reg-class]'), '政务服务', { exact: true });
  await field(dlg, 'reg-title').fill('建议不动产登记与水电气过户“一窗联办”');
  await field(dlg, 'reg-description').fill('来电人建议买卖二手房时，不动产登记和水、电、燃气过户在同一个窗口一次办好，不用来回跑。');
  await field(dlg, 'reg-name').fill('黄建华');
  await field(dlg, 'reg-phone').fill('1397970');
  await dlg.locator('[data-test=reg-submit]').click();
  await dlg.locator('[data-test=reg-error], .el-form-item__error').first().waitFor();
  assert.equal(new URL(page.url()).pathname, '/suggestions', 'a bad phone: still on the form');
  await field(dlg, 'reg-phone').fill('13907975566');
  await dlg.locator('[data-test=reg-submit]').click();
  await page.waitForURL((u) => u.pathname.startsWith('/cases/'));
  await statusIs(page, '待审查');
  await waitFor(async () => (await page.locator('[data-test=suggestion-topic]').innerText()).trim() === BUSINESS, 'the topic named');
  assert.match(await page.locator('.head-type').innerText(), /人民建议征集 · 政务服务 · 电话/);
  assertClean(page);
});

test('admin ends a topic and it leaves the public page', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'admin');
  await page.goto(srv.base + '/admin/topics');
  const row = page.locator('[data-test=topics-table] tbody tr', { hasText: BUSINESS });
  await row.waitFor();
  const states = await page.locator('[data-test=topic-state]').allInnerTexts();
  assert.deepEqual(states.map((s) => s.trim()), ['已截止', '征集中', '征集中']);
  await row.locator('[data-test=topic-end]').click();
  await page.locator('.el-message-box').getByRole('button', { name: '结束征集' }).click();
  await waitFor(async () => (await row.locator('[data-test=topic-state]').innerText()).trim() === '已结束', 'the topic ended');
  await shot(page, 'suggestion-topics');
  const pub = await newPage(browser, srv, { width: 390, height: 844, mobile: true });
  await pub.goto(srv.base + '/public/suggest');
  await pub.locator('[data-test=public-topic]').first().waitFor();
  assert.deepEqual(await pub.locator('[data-test=public-topic-title]').allInnerTexts(), [PARKING]);
  assertClean(page);
  assertClean(pub);
});

test('leader1 reads the suggestion figures on the dashboard, as the API gives them', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  // the last 120 days: every demo suggestion (the oldest is 80 days old)
  const day = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);
  const from = day(Date.now() - 120 * 86400e3), to = day(Date.now());
  await page.goto(srv.base + `/dashboard?type=suggestion&period=custom&from=${from}&to=${to}`);
  await page.locator('[data-test=suggestion-topics-row]').first().waitFor();
  const api = (await srv.api('leader1', 'GET', `/api/v1/stats/suggestion?from=${from}&to=${to}`)).json.suggestions;
  const rows = await page.locator('[data-test=suggestion-topics-row]').allInnerTexts();
  assert.equal(rows.length, api.by_topic.length);
  const parking = api.by_topic.find((t) => t.title === PARKING);
  assert.deepEqual([parking.received, parking.adopted, parking.partly, parking.not_adopted, parking.implemented], [5, 3, 1, 0, 3],
    'the demo\'s four parking suggestions and this one');
  assert.match(rows.find((r) => r.startsWith(PARKING)), /\t5\t3\t1\t0\t3\t/);
  const got = api.by_topic.reduce((n, r) => n + r.received, 0);
  assert.equal((await page.locator('[data-test=kpi-received] .kpi-value').innerText()).trim(), String(got));
  assert.equal((await page.locator('[data-test=suggestion-orgs-row]').count()), api.by_org.length);
  await shot(page, 'suggestion-dashboard');
  assertClean(page);
});
