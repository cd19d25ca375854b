// Intake intelligence in the hotline pages (issue 10), in Chromium against a
// real server on the demo county:
// op1 types a street-light complaint at 解放路东门 (the demo's own, closed,
// street-light case is at 25.7871, 114.8735) and, while typing, sees the
// grid it falls in, the demo case and two open ones as possible duplicates
// (附近 N 米, 内容相似) and 城市管理局 suggested first; submits; in the
// success view a merge into a duplicate that has meanwhile become final is
// refused with the server's words, a merge into an open one succeeds. A
// hints 400 does not stop a submit; a duplicate's hostile title is text.
// disp1's dispatch dialog preselects 城市管理局 from the suggestions and
// dispatches; the case page shows the placement, the suggestions and the
// duplicates, and a point outside every grid as a warning.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launch, newPage, signIn, assertClean, shot, field, waitFor, rowOf, timeFirstScreen,
} from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const POINT = { lat: 25.7871, lng: 114.8735 };
const HOSTILE = '<img src=x onerror="window.__pwned=1">解放路东门路灯不亮';
const DESC = '解放路东门菜市场那边好几盏路灯晚上都不亮，走夜路很危险，希望尽快修好。';
const ctx = {};

async function createCase(body) {
  const r = await srv.api('op1', 'POST', '/api/v1/cases', {
    type: 'hotline', class: '求助', channel: 'phone', ...body,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.case;
}

before(async () => {
  const demo = await srv.api('op1', 'GET', '/api/v1/cases?q=' + encodeURIComponent('解放路东门段多盏路灯不亮'));
  assert.equal(demo.status, 200);
  ctx.demo = demo.json.items.find((c) => c.title === '解放路东门段多盏路灯不亮');
  assert.ok(ctx.demo, 'the demo street-light case is there');
  assert.equal(ctx.demo.status, 'closed', 'the demo case is closed (a merge into it would be refused)');
  // two open look-alikes a few metres away: one to merge into, one that
  // becomes final before the seat clicks it
  ctx.open = await createCase({
    title: HOSTILE,
    description: '东门菜市场到县人民医院路口的路灯不亮，一到晚上黑漆漆的。',
    location: { lat: 25.78715, lng: 114.87355, address: '濂江镇解放路东门菜市场' },
    reporter: { name: '刘女士', phone: '13911112222' },
  });
  ctx.later = await createCase({
    title: '解放路东门路灯坏了',
    description: '解放路东门菜市场门口路灯不亮好几天了。',
    location: { lat: 25.78705, lng: 114.87345 },
    reporter: { phone: '13922223333' },
  });
});

test('op1 sees placement, duplicates and routing while typing, then merges from the success view', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'op1');
  const ms = await timeFirstScreen(page, srv.base + '/console', '[data-test=intake-class]', 'intake-console');
  assert.ok(ms < 3000, `/console first screen ${ms} ms`);

  // before anything is typed the panel only says what it will show
  const hints = page.locator('[data-test=intake-hints]');
  await hints.waitFor();
  assert.equal(await hints.locator('[data-test=hints-placement]').count(), 0);

  await field(page, 'intake-phone').fill('13833334444');
  await field(page, 'intake-description').fill(DESC);
  await field(page, 'intake-address').fill('濂江镇解放路东门菜市场');
  // the point as a seat pastes it (lat,lng; the map's click gives the same)
  await page.locator('[data-test=intake-coord-open]').click();
  await field(page, 'intake-coord-text').fill(POINT.lat + ',' + POINT.lng);
  await field(page, 'intake-coord-text').press('Enter');
  assert.match(await page.locator('[data-test=intake-location]').innerText(), /25\.78710, 114\.87350/);
  const t0 = Date.now();

  const placement = hints.locator('[data-test=placement-text]');
  await placement.waitFor();
  await waitFor(async () => (await hints.locator('[data-test=hints-dup-count]').innerText()) === '3', 'three duplicates in the hints');
  ctx.hintsMs = Date.now() - t0;
  assert.equal(await hints.locator('[data-test=dup-row]').count(), 2, 'the panel shows two at first');
  await shot(page, 'intake-1-console-hints');
  await hints.locator('[data-test=dup-more]').click();
  assert.equal(await hints.locator('[data-test=dup-row]').count(), 3);
  assert.equal((await placement.innerText()).trim(), '东门社区第一网格 · 东门社区居民委员会 · 濂江镇');

  const demoRow = hints.locator(`[data-test=dup-row][data-dup-no="${ctx.demo.no}"]`);
  await demoRow.waitFor();
  const reasons = await demoRow.locator('[data-test=dup-reason]').allInnerTexts();
  assert.ok(reasons.includes('内容相似'), 'similar text: ' + reasons);
  assert.ok(reasons.some((r) => /^附近 \d+ 米$/.test(r)), 'nearby with metres: ' + reasons);
  assert.equal(await demoRow.locator('[data-test=dup-status]').innerText(), '已办结');
  assert.equal(await demoRow.locator('[data-test=dup-no]').getAttribute('target'), '_blank', 'a duplicate opens in a new tab');

  // a hostile title is text, not markup
  const hostileRow = hints.locator(`[data-test=dup-row][data-dup-no="${ctx.open.no}"]`);
  await hostileRow.waitFor();
  assert.equal(await hostileRow.locator('[data-test=dup-title]').innerText(), HOSTILE);
  assert.equal(await hints.locator('img').count(), 0);

  const firstUnit = hints.locator('[data-test=routing-row]').first();
  assert.match(await firstUnit.locator('[data-test=routing-org]').innerText(), /城市管理局/);
  const unitReasons = await firstUnit.locator('[data-test=routing-reason]').allInnerTexts();
  assert.ok(unitReasons.some((r) => /^派单目录「.+」：.*路灯/.test(r)), 'the catalogue entry and its keywords: ' + unitReasons);

  // the form was never blocked: submit by keyboard
  await field(page, 'intake-description').press('Control+Enter');
  const no = page.locator('[data-test=new-case-no]');
  await no.waitFor();
  ctx.no = (await no.innerText()).trim();
  assert.match(ctx.no, /^RX\d{8}3607\d{6}$/);
  assert.match(await page.locator('[data-test=new-case-placement]').innerText(), /东门社区第一网格/);
  const dups = page.locator('[data-test=success-duplicates]');
  await dups.locator(`[data-dup-no="${ctx.demo.no}"] [data-test=merge-final-${ctx.demo.id}]`).waitFor();
  assert.match(await page.locator('[data-test=success-routing] [data-test=routing-row]').first().innerText(), /城市管理局/);
  await shot(page, 'intake-2-success');

  // meanwhile the later look-alike is merged into the open one: it is final now
  const later = (await srv.api('op1', 'GET', '/api/v1/cases/' + ctx.later.id)).json.case;
  const m = await srv.api('op1', 'POST', `/api/v1/cases/${ctx.later.id}/actions/merge`, { into: ctx.open.id, version: later.version });
  assert.equal(m.status, 200, JSON.stringify(m.json));
  // the seat still sees it open and clicks 并入此件: the server refuses, in its own words
  await dups.locator(`[data-test=merge-into-${ctx.later.id}]`).click();
  const refused = page.locator('[data-test=merge-error]');
  await refused.waitFor();
  const text = await refused.innerText();
  assert.match(text, new RegExp(ctx.later.no), 'the refusal names the parent: ' + text);
  assert.match(text, /终结状态/, text);
  let mine = await waitFor(async () => {
    const l = await srv.api('op1', 'GET', '/api/v1/cases?q=' + ctx.no);
    return l.json.items.find((c) => c.no === ctx.no);
  }, 'the new case in the list');
  assert.equal(mine.status, 'received', 'a refused merge changes nothing');

  // into the open one: merged
  await dups.locator(`[data-test=merge-into-${ctx.open.id}]`).click();
  await page.locator('[data-test=merge-done]').waitFor();
  assert.equal(await refused.count(), 0, 'the old refusal is gone');
  mine = (await srv.api('op1', 'GET', '/api/v1/cases/' + mine.id)).json.case;
  assert.equal(mine.status, 'merged');
  assert.ok(mine.links.some((l) => l.kind === 'merged_into' && l.case === ctx.open.id), JSON.stringify(mine.links));
  assert.equal(await page.locator('[data-test^=merge-into-]').count(), 0, 'no more merge buttons once merged');
  await shot(page, 'intake-3-merged');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assertClean(page);
  await page.context().close();
});

test('a hints 400 is said quietly and does not stop the submit', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'op1');
  let asked = 0;
  await page.route('**/api/v1/cases/hints', (route) => {
    asked++;
    return route.fulfill({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'field.invalid', message: '诉求内容不合规', field: 'description' } }),
    });
  });
  await page.goto(srv.base + '/console');
  await field(page, 'intake-description').fill('县城南门广场晚上广场舞音响声音太大，影响休息。');
  const quiet = page.locator('[data-test=hints-quiet]');
  await quiet.waitFor();
  assert.match(await quiet.innerText(), /暂无提示/);
  assert.equal(await page.locator('.intake .is-error').count(), 0, 'no field is marked');
  assert.equal(await page.locator('[data-test=intake-error]').count(), 0, 'no form error');
  await page.locator('[data-test=intake-submit]').click();
  await page.locator('[data-test=new-case-no]').waitFor();
  assert.ok(asked >= 1);
  assertClean(page);
  await page.context().close();
});

test('disp1: the dispatch dialog preselects the top suggestion and dispatches', async () => {
  const c = await createCase({
    title: '解放路东门路灯又不亮了',
    description: '解放路东门一带路灯晚上不亮，已经三天了。',
    location: { ...POINT, address: '濂江镇解放路东门' },
  });
  ctx.dispatched = c;
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  const row = rowOf(page, c.no);
  await row.waitFor();
  await row.locator('[data-test=action-dispatch]').click();
  const dlg = page.locator('.el-dialog[data-test=action-dialog]');
  await dlg.waitFor();
  const sugg = dlg.locator('[data-test=dispatch-suggestions]');
  await sugg.locator('[data-test=routing-row]').first().waitFor();
  assert.match(await sugg.locator('[data-test=routing-row]').first().innerText(), /城市管理局/);
  await waitFor(async () => /城市管理局/.test(await dlg.locator('[data-test=dispatch-lead]').innerText()), 'the lead preselected');
  assert.equal(await dlg.locator('[data-test="routing-pick-dept.cg"]').getAttribute('aria-pressed'), 'true');
  // one click picks another suggestion, one click picks the first again
  const second = sugg.locator('[data-test=routing-row]').nth(1);
  const secondName = (await second.locator('[data-test=routing-org]').innerText()).trim();
  await second.locator('button').click();
  await waitFor(async () => (await dlg.locator('[data-test=dispatch-lead]').innerText()).includes(secondName), 'the second suggestion as lead');
  await dlg.locator('[data-test="routing-pick-dept.cg"]').click();
  await waitFor(async () => /城市管理局/.test(await dlg.locator('[data-test=dispatch-lead]').innerText()), 'back to 城市管理局');
  // its look-alikes, a click away
  const dupBtn = dlg.locator('[data-test=dispatch-dups]');
  await dupBtn.waitFor();
  assert.match(await dupBtn.innerText(), /疑似重复件 \d+/);
  await shot(page, 'intake-4-dispatch-dialog');
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  const now = (await srv.api('disp1', 'GET', '/api/v1/cases/' + c.id)).json.case;
  assert.equal(now.status, 'dispatched');
  const lead = now.assignments.find((a) => a.kind === 'lead' && a.status !== 'cancelled');
  assert.equal(lead.org.code, 'dept.cg');
  assertClean(page);
  await page.context().close();
});

test('the case page shows the placement, the suggestions and the duplicates', async () => {
  const c = await createCase({
    title: '解放路东门路灯不亮（详情）',
    description: '解放路东门附近的路灯坏了，晚上一片黑。',
    location: { ...POINT },
  });
  const outside = await createCase({
    title: '县外高速服务区噪音',
    description: '高速服务区夜间货车噪音很大。',
    location: { lat: 26.5, lng: 116.2 },
  });
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  await page.goto(srv.base + '/cases/' + c.id);
  await page.locator('[data-test=case-placement]').waitFor();
  assert.match(await page.locator('[data-test=case-placement]').innerText(), /东门社区第一网格 · 东门社区居民委员会 · 濂江镇/);
  const routing = page.locator('[data-test=case-routing]');
  await routing.locator('[data-test=routing-row]').first().waitFor();
  assert.match(await routing.locator('[data-test=routing-row]').first().innerText(), /城市管理局/);
  const dups = page.locator('[data-test=case-duplicates]');
  await dups.locator(`[data-dup-no="${ctx.demo.no}"]`).waitFor();
  await dups.locator(`[data-test=merge-into-${ctx.open.id}]`).waitFor(); // open: 并入 offered
  await shot(page, 'intake-5-case-detail');
  // a suggestion opens the dispatch form with that unit as the lead
  await routing.locator('[data-test="routing-pick-dept.cg"]').click();
  const dlg = page.locator('.el-dialog[data-test=action-dialog]');
  await dlg.waitFor();
  await waitFor(async () => /城市管理局/.test(await dlg.locator('[data-test=unit-row]').first().innerText()), 'the unit in the dispatch form');
  await dlg.locator('[data-test=action-cancel]').click();

  await page.goto(srv.base + '/cases/' + outside.id);
  const warn = page.locator('[data-test=case-placement] [data-status=outside]');
  await warn.waitFor();
  assert.match(await warn.innerText(), /不在任何网格内/);
  assertClean(page);
  await page.context().close();
  console.log(`# hints shown ${ctx.hintsMs} ms after the point was set (500 ms of it the debounce)`);
});
