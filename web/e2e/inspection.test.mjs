// Rolling safety inspection (docs/inspection.md, 滚动排查) on the demo
// county, as the people who use it: insp1 (应急管理局) opens /inspections,
// finds the missed inspection flagged on the queue, records 宏达化工's
// checklist with one failed item (refused while items are unjudged, the
// dialog keeping what was ticked), lands on the inspection with its linked
// hazard and follows the link; sets a plan's frequency by hand; leader1
// reads the figures on the dashboard.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, waitFor, selectOption } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

async function inspectionsOf(org) {
  const r = await srv.api('insp1', 'GET', `/api/v1/cases?type=inspection&org=${org}&limit=50`);
  return r.json.items;
}
async function tableRows(page, name) {
  await page.waitForFunction((n) => !document.querySelector(`[data-test=${n}] .el-loading-mask:not([style*="display: none"])`), name);
  return page.locator(`[data-test=${name}] .el-table__body tr`);
}

test('insp1: the queue with the missed flag, a checklist with one failed item, the linked hazard', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'insp1');
  await page.locator('a').filter({ hasText: '滚动排查' }).first().click();
  await page.waitForURL((u) => u.pathname === '/inspections');
  const rows = await tableRows(page, 'inspection-table');
  await waitFor(async () => (await rows.count()) >= 15, 'the due inspections');
  // the missed one (黄岭石灰石矿, 65 days ago, never recorded) is first: soonest due, flagged
  const first = rows.first();
  assert.match(await first.innerText(), /濂江县黄岭石灰石矿/);
  await first.locator('[data-test=flag-missed]').waitFor();
  assert.equal(await page.locator('[data-test=inspection-table] [data-test=flag-missed]').count(), 1);
  await shot(page, 'inspection-1-queue');

  // 宏达化工 (危险化学品, 红: monthly): the current month's
  const due = (await inspectionsOf('ent.demo2')).find((c) => c.status === 'jc_due');
  const row = rows.filter({ hasText: due.no });
  await row.locator('[data-test=record-open]').click();
  const dlg = page.locator('[data-test=record-dialog]').last();
  await dlg.waitFor();
  const items = dlg.locator('[data-test=checklist-row]');
  assert.equal(await items.count(), 5);
  assert.match(await items.nth(1).innerText(), /WH-02[\s\S]*危险化学品储存符合禁忌要求/);
  // nothing judged: refused beside the checklist, nothing sent
  await field(page, 'record-inspectors').fill('张建华、李明');
  await dlg.locator('[data-test=record-submit]').click();
  await dlg.locator('[data-test=results-error]').filter({ hasText: '还有 5 个检查项未判定' }).waitFor();
  await dlg.locator('[data-test=fail-1]').click();
  await dlg.locator('[data-test=all-pass]').click();
  await dlg.locator('[data-test=record-submit]').click();
  await dlg.locator('[data-test=results-error]').filter({ hasText: '不合格项 WH-02 须写明发现的问题' }).waitFor();
  await field(page, 'note-1').fill('甲类仓库储存量超过核定量约30%，且与氧化剂混存。');
  await field(page, 'record-notes').fill('已责令立即清理超量储存，其余检查项合格。');
  assert.equal(await dlg.locator('[data-test=results-error]').count(), 0, 'the fault goes once the answers change');
  assert.match(await dlg.locator('[data-test=record-submit]').innerText(), /登记 1 条隐患/);
  await shot(page, 'inspection-2-record');
  assert.equal((await srv.api('insp1', 'GET', `/api/v1/cases/${due.id}`)).json.case.status, 'jc_due', 'nothing sent yet');
  await dlg.locator('[data-test=record-submit]').click();

  // the inspection's page: 发现隐患, its checklist, the hazard linked
  await page.waitForURL((u) => u.pathname === `/cases/${due.id}`);
  await waitFor(async () => (await page.locator('[data-test=case-status]').innerText()).trim() === '已检查（发现隐患）', 'jc_found');
  const panel = page.locator('[data-test=inspection-panel]');
  await panel.waitFor();
  assert.match(await panel.locator('[data-test=inspection-results]').innerText(), /WH-02[\s\S]*不合格[\s\S]*甲类仓库储存量超过核定量/);
  const link = panel.locator('[data-test=hazard-link]');
  assert.equal(await link.count(), 1);
  const hazardNo = (await link.innerText()).trim();
  assert.match(hazardNo, /^YH\d+/);
  assert.match(await page.locator('[data-test=case-link]').allInnerTexts().then((t) => t.join('\n')), new RegExp('发现的隐患\\s*' + hazardNo));
  await shot(page, 'inspection-3-case');

  await link.click();
  await page.waitForURL((u) => u.pathname !== `/cases/${due.id}` && u.pathname.startsWith('/cases/'));
  await waitFor(async () => (await page.locator('[data-test=case-no]').innerText()).trim() === hazardNo, 'the hazard page');
  assert.match(await page.locator('[data-test=case-title]').innerText(), /「危险化学品储存符合禁忌要求，储量不超限」不符合要求/);
  assert.match(await page.locator('[data-test=case-link]').allInnerTexts().then((t) => t.join('\n')), new RegExp('排查发现于\\s*' + due.no));
  await shot(page, 'inspection-4-hazard');

  // the missed one on its own page
  const missed = (await inspectionsOf('ent.demo4')).find((c) => c.fields.missed === 1);
  await page.goto(`${srv.base}/cases/${missed.id}`);
  await page.locator('[data-test=inspection-missed]').waitFor();
  assert.match(await page.locator('[data-test=inspection-missed]').innerText(), /逾期未检[\s\S]*系统已标记并通知检查单位/);
  assertClean(page);
  await page.context().close();
});

test('insp1: the plans, a frequency set by hand', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'insp1');
  await page.goto(`${srv.base}/inspections?tab=plans`);
  const rows = await tableRows(page, 'plan-table');
  await waitFor(async () => (await rows.count()) === 15, 'the 15 enterprises');
  const row = rows.filter({ hasText: '濂江县新塘木材加工厂' });
  assert.match(await row.innerText(), /工贸[\s\S]*黄[\s\S]*按风险等级/);
  await selectOption(page, row.locator('[data-test=plan-frequency]'), '每月');
  await waitFor(async () => /已单独设置/.test(await row.locator('[data-test=plan-default]').innerText()), 'set by hand');
  const plan = (await srv.api('insp1', 'GET', '/api/v1/inspection-plans?org=ent.demo13')).json.items[0];
  assert.equal(plan.frequency, 'monthly');
  assert.equal(plan.by_default, false);
  // 顺通客运 was set by hand in the demo
  assert.match(await rows.filter({ hasText: '濂江县顺通客运有限公司' }).locator('[data-test=plan-default]').innerText(), /已单独设置/);
  await shot(page, 'inspection-5-plans');
  assertClean(page);
  await page.context().close();
});

test('leader1: the inspection figures on the dashboard', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const from = String(Number(today.slice(0, 4)) - 1) + today.slice(4);
  await page.goto(`${srv.base}/dashboard?type=inspection&period=custom&from=${from}&to=${today}`);
  await page.locator('[data-test=rates-inspection] [data-test=inspection-row]').first().waitFor();
  const s = (await srv.api('leader1', 'GET', `/api/v1/stats/inspection?from=${from}&to=${today}`)).json.inspections.counts;
  const kpi = async (k) => (await page.locator(`[data-test=kpi-${k}] .kpi-value`).innerText()).trim();
  await waitFor(async () => (await kpi('planned')) === String(s.planned), 'planned');
  assert.equal(await kpi('done_on_time'), String(s.done_on_time));
  assert.equal(await kpi('missed'), String(s.missed));
  assert.equal(await kpi('hazards'), String(s.hazards_found));
  assert.ok(s.hazards_found >= 4 && s.missed >= 1 && s.late >= 1, JSON.stringify(s));
  await shot(page, 'inspection-6-dashboard');
  assertClean(page);
  await page.context().close();
});
