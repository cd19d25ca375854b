// Discipline supervision campaigns (docs/campaign.md, docs/ui.md "专项监督检查")
// on the demo county, as the people who run them: jw1 (the commission's
// lead) reads the demo campaign in the seed's form and organises a new one
// (a group led by a township handler is refused, the form kept, nothing
// made); jw2 records an unannounced visit (四不两直) with a finding; the
// township (town2, 长岭乡) is told in its inbox, rectifies it on its case
// and never sees the campaign; jw1 verifies it (销号); jw2 sends the group's 一日一报; the
// figures read "开展监督检查 1 次，发现问题 1 个，推动解决 1 个，约谈提醒 0 人".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, selectOption, waitFor } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const TITLE = '乡镇窗口作风专项监督检查（测试）';
const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const later = new Date(Date.now() + 8 * 3600e3 + 10 * 86400e3).toISOString().slice(0, 10);
const FINDING = '长岭乡便民服务中心午间无人值守';
let campaignId;
let findingId;

async function act(page, code) {
  await page.locator(`[data-test=action-${code}]`).first().click();
  const dlg = page.locator('.action-dialog').last();
  await dlg.waitFor();
  return dlg;
}

test('jw1: the demo campaign in the seed\'s form; a new campaign (refused with a township leader, then made)', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'jw1');
  await page.locator('a').filter({ hasText: '专项监督检查' }).first().click();
  await page.waitForURL((u) => u.pathname === '/campaigns');
  const card = page.locator('[data-test=campaign-1]');
  await card.waitFor();
  assert.equal((await card.locator('[data-test=campaign-sentence]').innerText()).trim(), '开展监督检查 14 次，发现问题 10 个，推动解决 4 个，约谈提醒 3 人');
  await shot(page, 'campaign-1-list');

  await page.locator('[data-test=campaign-new]').click();
  const dlg = page.locator('[data-test=campaign-dialog]').last();
  await dlg.waitFor();
  await field(page, 'c-title').fill(TITLE);
  const period = page.locator('[data-test=c-period] input');
  await period.nth(0).click();
  await period.nth(0).fill(today);
  await period.nth(1).fill(later);
  await period.nth(1).press('Enter');
  await field(page, 'c-focus-0').fill('窗口在岗和服务态度');
  await selectOption(page, dlg.locator('[data-test=c-target-0] .el-select'), '长岭乡');
  await field(page, 'c-group-name-0').fill('第一组');
  await field(page, 'c-group-leader-0').fill('town2');
  await field(page, 'c-group-members-0').fill('jw3');
  await page.locator('[data-test=campaign-save]').click();
  await dlg.locator('[data-test=campaign-form-error]').filter({ hasText: 'town2' }).waitFor();
  const list = await srv.api('jw1', 'GET', '/api/v1/campaigns');
  assert.equal(list.json.items.length, 1, 'nothing made');
  assert.equal(await field(page, 'c-title').inputValue(), TITLE, 'the form keeps what was typed');
  await shot(page, 'campaign-2-new');
  await field(page, 'c-group-leader-0').fill('jw2');
  await page.locator('[data-test=campaign-save]').click();
  await page.waitForURL((u) => /^\/campaigns\/\d+$/.test(u.pathname));
  campaignId = Number(new URL(page.url()).pathname.split('/').pop());
  assert.equal((await page.locator('[data-test=campaign-title]').innerText()).trim(), TITLE);
  assert.equal((await page.locator('[data-test=figures-sentence]').innerText()).trim(), '开展监督检查 0 次，发现问题 0 个，推动解决 0 个，约谈提醒 0 人');
  assertClean(page);
});

test('jw2: an unannounced visit with a finding, handed to 长岭乡', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'jw2');
  await page.goto(`${srv.base}/campaigns/${campaignId}`);
  await page.locator('[data-test=visit-new]').click();
  const dlg = page.locator('[data-test=visit-dialog]').last();
  await dlg.waitFor();
  await selectOption(page, dlg.locator('[data-test=v-org]'), '长岭乡');
  await field(page, 'v-checked').fill('四不两直直奔长岭乡便民服务中心，查看午间值班和群众办事情况。');
  await page.locator('[data-test=v-f-add]').click();
  await field(page, 'v-f-title-0').fill(FINDING);
  await field(page, 'v-f-desc-0').fill('12时10分社保、民政窗口均无人，值班表上的值班人员不在岗，2名群众等候。');
  await shot(page, 'campaign-3a-visit-form');
  await page.locator('[data-test=v-save]').click();
  await dlg.waitFor({ state: 'hidden' });
  const visit = page.locator('[data-test=visit]').first();
  await visit.waitFor();
  assert.match(await visit.innerText(), /第一组 → 长岭乡[\s\S]*四不两直[\s\S]*发现问题：长岭乡便民服务中心午间无人值守/);
  await shot(page, 'campaign-3-visit');
  const f = await srv.api('jw2', 'GET', `/api/v1/campaigns/${campaignId}/findings`);
  findingId = f.json.items[0].id;
  assert.equal(f.json.items[0].org.code, 'town.b');
  assertClean(page);
});

test('town2: rectifies the finding on its case; the campaign is not offered', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'town2');
  assert.equal(await page.locator('a.nav-link').filter({ hasText: '专项监督检查' }).count(), 0);
  // told in its inbox's notices, with the deadline; the notice opens the case
  await page.waitForURL((u) => u.pathname === '/inbox');
  await page.locator('[data-test=notices-open]').click();
  const notice = page.locator('[data-test=notice]').filter({ hasText: '监督检查发现问题' }).first();
  await notice.waitFor();
  assert.match(await notice.innerText(), /长岭乡便民服务中心午间无人值守.*请于 \d{4}-\d{2}-\d{2} 前整改并报送整改情况/);
  await shot(page, 'campaign-4a-notice');
  await notice.locator('a.case-no').click();
  await page.waitForURL((u) => u.pathname === `/cases/${findingId}`);
  // the campaign's ids are no reading for the unit: neither a row nor a link
  await page.locator('[data-test=case-description]').waitFor();
  assert.equal(await page.locator('[data-test=case-campaign]').count(), 0);
  assert.doesNotMatch(await page.locator('[data-test=case-fields]').innerText().catch(() => ''), /检查组|所属专项监督检查/);
  const dlg = await act(page, 'sv_rectify');
  await field(page, 'input-measures').fill('对值班人员批评教育，落实午间轮班和离岗登记。');
  await field(page, 'input-result').fill('已整改，午间窗口有人值守。');
  await dlg.locator('[data-test=action-submit]').click();
  await page.waitForTimeout(500);
  await waitFor(async () => (await srv.api('town2', 'GET', `/api/v1/cases/${findingId}`)).json.case.status === 'sv_reported', 'rectified');
  await page.waitForTimeout(300);
  await shot(page, 'campaign-4-rectify');
  await page.goto(`${srv.base}/campaigns/${campaignId}`);
  await page.waitForURL((u) => !u.pathname.startsWith('/campaigns'));
  assertClean(page);
});

test('jw1 verifies (销号); jw2 sends the 一日一报; the figures sentence', async () => {
  const lead = await newPage(browser, srv);
  await signIn(lead, srv, 'jw1');
  await lead.goto(`${srv.base}/cases/${findingId}`);
  await lead.locator('[data-test=case-campaign]').waitFor();
  assert.equal(await lead.locator('[data-test=case-campaign]').getAttribute('href'), `/campaigns/${campaignId}`);
  const dlg = await act(lead, 'sv_verify');
  await field(lead, 'input-opinion').fill('经暗访复核，午间窗口有人值守，同意销号。');
  await dlg.locator('[data-test=action-submit]').click();
  await waitFor(async () => (await srv.api('jw1', 'GET', `/api/v1/cases/${findingId}`)).json.case.status === 'sv_solved', 'solved');

  const page = await newPage(browser, srv);
  await signIn(page, srv, 'jw2');
  await page.goto(`${srv.base}/campaigns/${campaignId}?tab=reports`);
  const rep = page.locator('[data-test=reports] .report').first();
  await rep.waitFor();
  assert.equal((await rep.locator('[data-test=report-counts]').innerText()).trim(), '当日检查 1 次（其中“四不两直” 1 次），发现问题 1 个。');
  await field(page, 'report-note').fill('今日检查长岭乡1个单位，发现问题1个，已交办整改并销号。');
  await page.locator('[data-test=report-submit]').click();
  await rep.locator('[data-test=report-filed]').waitFor();
  await shot(page, 'campaign-5-report');
  // printed: the day's reports without the page's chrome
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.shell-header').isVisible(), false);
  assert.equal(await page.locator('[data-test=report-print]').isVisible(), false);
  await shot(page, 'campaign-5b-print');
  await page.emulateMedia({ media: 'screen' });
  assertClean(page);

  await lead.goto(`${srv.base}/campaigns/${campaignId}`);
  await waitFor(async () => (await lead.locator('[data-test=figures-sentence]').innerText()).trim() === '开展监督检查 1 次，发现问题 1 个，推动解决 1 个，约谈提醒 0 人', 'the sentence');
  await lead.goto(`${srv.base}/campaigns/1?tab=figures`);
  await lead.locator('[data-test=missing-reports]').filter({ hasText: '第三监督检查组' }).waitFor();
  await lead.locator('[data-test=figures-units]').waitFor();
  const units = await lead.locator('[data-test=figures-units] .el-table__body tr').allInnerTexts();
  assert.equal(units.length, 8);
  assert.match(units[3], /黄岭村村民委员会\s+1\s+1\s+0\s+1\s+1/);
  await shot(lead, 'campaign-6-figures');
  await lead.goto(`${srv.base}/campaigns/1?tab=interviews`);
  await lead.locator('[data-test=interviews-table] .el-table__body tr').first().waitFor();
  assert.equal(await lead.locator('[data-test=interviews-table] .el-table__body tr').count(), 3);
  await shot(lead, 'campaign-7-interviews');
  assertClean(lead);
});
