// The whole day of one 12345 case, in Chromium, each step by the person whose
// step it is and checked against the server's own state:
// op1 registers it by keyboard alone → disp1 dispatches it to 城市管理局 (lead)
// and 濂江镇 (assisting) → cg1 signs and replies from the inbox → town1 signs
// and gives its opinion from the case page → sup1 reviews and calls back
// 满意 + 已解决 → the case is 已办结 with every step in its timeline → the
// leader's dashboard counts one more closed case.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launch, newPage, signIn, signOut, assertClean, shot, field, PASSWORD,
  caseByNo, kpiValue, waitFor, selectOption, rowOf,
} from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const PHONE = '13912345678';
const NAME = '王建国';
const TITLE = '人民路路灯连续三晚不亮';
const DESC = '人民路与建设路交叉口往北约200米，三盏路灯连续三个晚上不亮，行人夜间通行不便。';
const REPLY = '经现场核查，系线路老化导致，已于当日更换电缆，路灯恢复照明。';
const OPINION = '濂江镇已配合城市管理局排查周边线路，无其他故障。';

const day = {}; // what the steps hand on: no, id, kpis before

async function caseNow() {
  const r = await srv.api('sup1', 'GET', '/api/v1/cases/' + day.id);
  assert.equal(r.status, 200);
  return r.json.case;
}

function unit(c, code) {
  return (c.assignments || []).find((a) => a.org.code === code);
}

test('leader1 reads the dashboard before the day', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  assert.equal(new URL(page.url()).pathname, '/dashboard');
  day.closedBefore = (await kpiValue(page, 'closed')).value;
  assert.match(day.closedBefore, /^\d[\d,]*$/, 'the closed count is a number');
  day.stats = (await srv.api('leader1', 'GET', '/api/v1/stats/hotline')).json;
  assert.equal(Number(day.closedBefore.replace(/,/g, '')), day.stats.closed, 'the card shows the server\'s count');
  await shot(page, 'hotline-0-dashboard-before');
  assertClean(page);
  await page.context().close();
});

test('op1 registers a case by keyboard alone and reads out its number', async () => {
  const page = await newPage(browser, srv);
  const kb = page.keyboard;
  // sign in by keyboard too: the login box has the focus
  await page.goto(srv.base + '/login');
  await field(page, 'login').waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.matches('input[data-test=login]'));
  await kb.type('op1');
  await kb.press('Tab');
  await kb.type(PASSWORD);
  await kb.press('Enter');
  await page.waitForURL((u) => u.pathname === '/console');

  // the form opens with the focus on 分类; each field in the order of a call
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    const box = e && e.closest('[data-field]');
    return box ? box.getAttribute('data-field') : e ? e.tagName : null;
  });
  await page.waitForFunction(() => document.activeElement && document.activeElement.closest('[data-field=class]'));
  await kb.press('ArrowRight'); // 咨询 → 求助
  await kb.press('ArrowRight'); // → 投诉
  await kb.press('Enter');
  assert.equal(await focused(), 'channel', 'Enter on 分类 moves to 渠道');
  await kb.press('Tab'); // 渠道 keeps its default (电话)
  assert.equal(await focused(), 'phone');
  await kb.type(PHONE);
  await kb.press('Enter');
  assert.equal(await focused(), 'name');
  await kb.type(NAME);
  await kb.press('Enter');
  assert.equal(await focused(), 'confidential');
  await kb.press('Enter');
  assert.equal(await focused(), 'title');
  await kb.type(TITLE);
  await kb.press('Enter');
  assert.equal(await focused(), 'description');
  await kb.type(DESC);
  await kb.press('Tab'); // Enter in the text area is a new line
  assert.equal(await focused(), 'category');
  await kb.type('市政设施');
  await kb.press('Enter');
  assert.equal(await focused(), 'org');
  await kb.press('Tab'); // 属地 stays the county
  assert.equal(await focused(), 'address');
  await kb.type('人民路与建设路交叉口');
  // the caller's history answers for the phone while the call goes on
  await page.locator('[data-test=caller-count]').waitFor();
  assert.match(await page.locator('[data-test=caller-count]').innerText(), /共\s*0\s*件/);
  await kb.press('Control+Enter');

  const noEl = page.locator('[data-test=new-case-no]');
  await noEl.waitFor();
  day.no = (await noEl.innerText()).trim();
  assert.match(day.no, /^RX\d{8}\d+$/, 'a case number');
  await shot(page, 'hotline-1-registered');

  const c = await caseByNo(srv, 'op1', day.no);
  day.id = c.id;
  assert.equal(c.status, 'received');
  assert.equal(c.class, '投诉');
  assert.equal(c.channel, 'phone');
  assert.equal(c.title, TITLE);
  assert.match(c.description, /三盏路灯/);
  assert.equal(c.description, DESC, 'the description as typed: the address is not appended to it');
  assert.deepEqual(c.location, { address: '人民路与建设路交叉口' }, 'an address without a map point is the location alone');
  assert.equal(c.fields.category, '市政设施');
  assert.equal(c.reporter.name, NAME);
  assert.equal(c.reporter.phone, PHONE);
  assert.equal(c.reporter.confidential, false);
  // exactly one case for the caller
  const hist = await srv.api('op1', 'GET', '/api/v1/callers?phone=' + PHONE);
  assert.equal(hist.json.count, 1);
  assertClean(page);
  await page.context().close();
});

test('disp1 dispatches it from /dispatch to 城市管理局 (lead) and 濂江镇 (assisting)', async () => {
  assert.ok(day.id, 'the case was registered');
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  assert.equal(new URL(page.url()).pathname, '/dispatch');
  const row = rowOf(page, day.no);
  await row.waitFor();
  await row.locator('[data-test=action-dispatch]').click();
  const dlg = page.locator('.el-dialog[data-test=action-dialog]');
  await dlg.waitFor();
  assert.equal((await dlg.locator('[data-test=action-case-no]').innerText()).trim(), day.no);
  await selectOption(page, dlg.locator('[data-test=dispatch-lead]'), '城市管理局');
  await selectOption(page, dlg.locator('[data-test=dispatch-assists]'), '濂江镇', { exact: true, multiple: true });
  await dlg.waitFor(); // Escape closed the list, not the dialog
  await shot(page, 'hotline-2-dispatch');
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  await row.waitFor({ state: 'detached' }); // gone from the queue

  const c = await caseNow();
  assert.equal(c.status, 'dispatched');
  const live = c.assignments.filter((a) => a.status !== 'cancelled');
  assert.equal(live.length, 2);
  assert.equal(unit(c, 'dept.cg').kind, 'lead');
  assert.equal(unit(c, 'dept.cg').status, 'pending');
  assert.equal(unit(c, 'town.a').kind, 'assist');
  assert.equal(unit(c, 'town.a').status, 'pending');
  assertClean(page);
  await page.context().close();
});

test('cg1 signs and replies from the inbox', async () => {
  assert.ok(day.id);
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'cg1');
  assert.equal(new URL(page.url()).pathname, '/inbox');
  let row = rowOf(page, day.no);
  await row.waitFor();
  assert.equal(await row.locator('[data-test=unit-status]').innerText(), '待签收');
  await row.locator('[data-test=action-sign]').click();
  await waitFor(async () => unit(await caseNow(), 'dept.cg').status === 'signed', 'cg1 signed');
  let c = await caseNow();
  assert.equal(c.status, 'handling', 'the first signature moves the case to 办理中');
  assert.ok(unit(c, 'dept.cg').signed_at);
  assert.equal(unit(c, 'town.a').status, 'pending');

  await page.locator('[data-test=tab-handling]').click();
  row = rowOf(page, day.no);
  await row.waitFor();
  await row.locator('[data-test=action-reply]').click();
  const dlg = page.locator('.el-dialog[data-test=action-dialog]');
  await dlg.waitFor();
  await field(dlg, 'field-reply').fill(REPLY);
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });

  c = await caseNow();
  assert.equal(unit(c, 'dept.cg').status, 'done');
  assert.equal(c.fields.reply, REPLY, "the lead's reply is the case's");
  assert.equal(c.status, 'handling', 'the assisting unit has not answered yet');
  assertClean(page);
  await page.context().close();
});

test('town1 signs and gives its opinion on the case page', async () => {
  assert.ok(day.id);
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'town1');
  // from its inbox to the case page; the case is 办理中 (the lead signed), so
  // it is under 全部在办, its own part still 待签收
  await page.locator('[data-test=tab-all]').click();
  const row = rowOf(page, day.no);
  await row.waitFor();
  assert.equal(await row.locator('[data-test=unit-status]').innerText(), '待签收');
  await row.locator('[data-test=case-no]').click();
  await page.waitForURL((u) => u.pathname === '/cases/' + day.id);
  assert.equal((await page.locator('h1[data-test=case-no]').innerText()).trim(), day.no);

  await page.locator('[data-test=action-sign]').click();
  const dlg = page.locator('.el-dialog[data-test=action-dialog]');
  await dlg.waitFor();
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  await page.locator('[data-test=action-reply]').waitFor();
  assert.equal(unit(await caseNow(), 'town.a').status, 'signed');

  await page.locator('[data-test=action-reply]').click();
  await dlg.waitFor();
  await field(dlg, 'input-reply').fill(OPINION);
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  await page.locator('[data-test=case-status]', { hasText: '已答复待审核' }).waitFor();
  await page.locator('[data-test=assignment-opinion]', { hasText: OPINION }).waitFor();
  await shot(page, 'hotline-3-replied');

  const c = await caseNow();
  assert.equal(c.status, 'replied', 'every unit has answered');
  assert.equal(unit(c, 'town.a').status, 'done');
  const op = unit(c, 'town.a').opinion;
  assert.equal(typeof op === 'string' ? op : op.reply, OPINION, 'the assisting reply is kept as its opinion');
  assert.equal(c.fields.reply, REPLY, "the opinion never overwrites the lead's reply");
  assertClean(page);
  await page.context().close();
});

test('sup1 reviews and calls back 满意 + 已解决 from /supervise', async () => {
  assert.ok(day.id);
  const type = (await srv.api('sup1', 'GET', '/api/v1/types/hotline')).json;
  const def = (code) => ((type.type || type).actions || []).find((a) => a.code === code);
  assert.ok(def('review').roles.includes('supervisor') && def('callback').roles.includes('supervisor'), 'the type gives review and callback to the supervisor');

  const page = await newPage(browser, srv);
  await signIn(page, srv, 'sup1');
  await page.goto(srv.base + '/supervise?tab=review');
  let row = rowOf(page, day.no);
  await row.waitFor();
  await row.locator('[data-test=action-review]').click();
  const dlg = page.locator('.el-dialog[data-test=action-dialog]');
  await dlg.waitFor();
  await dlg.locator('[data-test=reply-text]', { hasText: REPLY }).waitFor();
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  assert.equal((await caseNow()).status, 'callback');

  await page.locator('[data-test=tab-callback]').click();
  row = rowOf(page, day.no);
  await row.waitFor();
  await row.locator('[data-test=action-callback]').click();
  await dlg.waitFor();
  await dlg.locator('[data-test=callback-script]', { hasText: REPLY }).waitFor();
  await dlg.locator('[data-test=field-resolved-yes]').click();
  await dlg.locator('[data-test="field-satisfaction-满意"]').click();
  await shot(page, 'hotline-4-callback');
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });

  const c = await caseNow();
  assert.equal(c.status, 'closed');
  assert.equal(c.fields.satisfaction, '满意');
  assert.equal(c.fields.resolved, true);
  assert.ok(c.closed_at);
  assertClean(page);
  await page.context().close();
});

test('the case shows 已办结 with every step in its timeline', async () => {
  assert.ok(day.id);
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'sup1');
  await page.goto(srv.base + '/cases/' + day.id);
  await page.locator('[data-test=case-status]', { hasText: '已办结' }).waitFor();
  assert.notEqual((await page.locator('[data-test=case-closed]').innerText()).trim(), '—');
  // the whole history, page by page
  const tl = page.locator('[data-test=timeline]');
  await tl.locator('[data-test=event]').first().waitFor();
  while (await tl.locator('[data-test=timeline-more]').isVisible()) {
    const n = await tl.locator('[data-test=event]').count();
    await tl.locator('[data-test=timeline-more]').click();
    await waitFor(async () => (await tl.locator('[data-test=event]').count()) > n, 'more events');
  }
  const shown = await tl.locator('[data-test=event-action]').allInnerTexts();
  // the server's history, every page
  const events = [];
  let cursor = '';
  for (;;) {
    const r = await srv.api('sup1', 'GET', `/api/v1/cases/${day.id}/events?limit=200${cursor ? '&cursor=' + cursor : ''}`);
    events.push(...r.json.items);
    if (!r.json.next_cursor) break;
    cursor = encodeURIComponent(r.json.next_cursor);
  }
  const flow = events.filter((e) => !['case.read', 'pii.view'].includes(e.action)).map((e) => e.action);
  assert.deepEqual(flow, ['create', 'dispatch', 'sign', 'reply', 'sign', 'reply', 'review', 'callback']);
  assert.equal(shown.length, events.length, 'the timeline shows every event of the case');
  const want = ['受理登记', '派单', '签收', '答复', '签收', '答复', '审核通过', '回访'];
  const flowShown = shown.filter((t) => !['查阅工单', '查看来电人信息'].includes(t.trim())).map((t) => t.trim());
  assert.deepEqual(flowShown, want, 'each step by its Chinese name, in order');
  const text = await tl.innerText();
  assert.ok(text.includes(REPLY), 'the reply is in the timeline');
  assert.ok(text.includes(OPINION), 'the opinion is in the timeline');
  assert.ok(text.includes('已办结'), 'the last step ends in 已办结');
  // each event shows its place in the chain
  assert.equal(await tl.locator('[data-test=event-hash]').count(), events.length);
  await shot(page, 'hotline-5-closed');
  assertClean(page);
  await page.context().close();
});

test("leader1's dashboard counts the closed case", async () => {
  assert.ok(day.id);
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  const closed = (await kpiValue(page, 'closed')).value;
  const sat = await kpiValue(page, 'satisfaction_rate');
  const satisfaction = sat.value;
  assert.equal(Number(closed.replace(/,/g, '')), Number(day.closedBefore.replace(/,/g, '')) + 1, 'one more closed case');
  const stats = (await srv.api('leader1', 'GET', '/api/v1/stats/hotline')).json;
  assert.ok(stats.satisfaction_rate !== null, 'a callback in the period gives a satisfaction rate');
  const pct = (stats.satisfaction_rate * 100).toFixed(1).replace(/\.0$/, '') + '%';
  assert.equal(satisfaction, pct, 'the satisfaction card shows the server\'s rate');
  const before = day.stats.counts;
  assert.equal(stats.counts.callbacks, before.callbacks + 1, 'one more callback');
  assert.equal(stats.counts.satisfied, before.satisfied + 1, 'one more satisfied caller');
  assert.equal(sat.sub, `回访 ${before.satisfied + 1} / ${before.callbacks + 1}`, 'the card counts the callback');
  await shot(page, 'hotline-6-dashboard');
  await signOut(page);
  assertClean(page);
  await page.context().close();
});
