// Official receptions (docs/reception.md, /receptions) on the demo county, as
// the people in the loop: tr1 (县水利局) requests a trip to 濂江镇 in the
// form; sllead approves it and the e-letter (电子公函) is issued; host1 at the
// township confirms the letter and records the reception with one host too
// many (the form warns, the record goes through), and the reception
// certificate is issued; jw1 (纪委) finds it among the compliance flags with
// the demo's breaches; leader1 reads the dashboard's 公务接待 tab.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, selectOption, waitFor } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const TITLE = '赴濂江镇检查山塘水库除险加固';
const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
async function tripByTitle() {
  const r = await srv.api('tr1', 'GET', '/api/v1/cases?type=reception&limit=50');
  return r.json.items.find((c) => c.title === TITLE);
}
async function rows(page, table = 'trip-table') {
  await page.waitForFunction((t) => !document.querySelector(`[data-test=${t}] .el-loading-mask:not([style*="display: none"])`), table);
  return page.locator(`[data-test=${table}] .el-table__body tr`).allInnerTexts();
}
async function openTab(page, name) {
  await page.locator(`[data-test=tab-${name}]`).click();
  await page.waitForURL((u) => u.searchParams.get('tab') === name);
}

test('tr1 requests a trip; sllead approves it and the e-letter is issued', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'tr1');
  await page.locator('a').filter({ hasText: '公务接待' }).first().click();
  await page.waitForURL((u) => u.pathname === '/receptions');
  await page.locator('[data-test=trip-open]').click();
  const dlg = page.locator('[data-test=trip-dialog]').last();
  await dlg.waitFor();
  // without a receiving unit the form says so and nothing is made
  await field(page, 'trip-title').fill(TITLE);
  await page.locator('[data-test=trip-submit]').click();
  await dlg.locator('.el-form-item__error').filter({ hasText: '请选择' }).first().waitFor();
  assert.equal(await tripByTitle(), undefined, 'nothing made');
  await field(page, 'trip-people').fill('黄建华（县水利局工程股股长）、罗志强（县水利局科员）');
  const dates = page.locator('[data-test=trip-dates] input, input[data-test=trip-dates]');
  const range = dlg.locator('.el-date-editor input');
  await range.nth(0).fill(today);
  await range.nth(1).fill(today);
  await range.nth(1).press('Enter');
  void dates;
  await selectOption(page, dlg.locator('[data-test=trip-dest]'), '濂江镇');
  await field(page, 'trip-purpose').fill('检查山塘水库除险加固工程进度。');
  await shot(page, 'reception-1-request');
  await page.locator('[data-test=trip-submit]').click();
  await waitFor(async () => !!(await tripByTitle()), 'the trip is made');
  await waitFor(async () => (await rows(page)).some((r) => r.includes(TITLE)), 'the row');
  assert.match((await rows(page)).find((r) => r.includes(TITLE)), /出行已申请待审批/);
  assertClean(page);

  const lead = await newPage(browser, srv);
  await signIn(lead, srv, 'sllead');
  await lead.goto(srv.base + '/receptions?tab=approve');
  await waitFor(async () => (await rows(lead)).some((r) => r.includes(TITLE)), 'the lead sees it');
  const row = lead.locator('[data-test=trip-table] .el-table__body tr').filter({ hasText: TITLE });
  await shot(lead, 'reception-2-approve');
  await row.locator('[data-test=approve]').click();
  await waitFor(async () => !(await rows(lead)).some((r) => r.includes(TITLE)), 'approved');
  const c = await tripByTitle();
  assert.equal(c.status, 'rc_approved');
  assert.match(c.fields.e_letter_no, /^GH/);
  await openTab(lead, 'mine');
  await waitFor(async () => (await rows(lead)).some((r) => r.includes(c.fields.e_letter_no)), 'the letter number on the row');
  await shot(lead, 'reception-3-letter');
  // the letter opens the documents' print view
  await lead.locator('[data-test=trip-table] .el-table__body tr').filter({ hasText: TITLE }).locator('[data-test=letter-link]').click();
  await lead.waitForURL((u) => /^\/documents\/\d+\/print$/.test(u.pathname));
  assertClean(lead);
});

test('host1 confirms the letter and records the reception (warned of the hosts); the certificate is issued', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'host1');
  await page.goto(srv.base + '/receptions?tab=confirm');
  await waitFor(async () => (await rows(page)).some((r) => r.includes(TITLE)), 'to confirm');
  await shot(page, 'reception-4-confirm');
  // the letter's code, as the QR or the verify link gives it, pasted
  const trip = await tripByTitle();
  const docs = await srv.api('host1', 'GET', `/api/v1/cases/${trip.id}/documents`);
  const letter = docs.json.items.find((d) => d.kind === 'e_letter');
  await field(page, 'confirm-code').fill('x' + letter.code.slice(1));
  await page.locator('[data-test=confirm-code-submit]').click();
  await page.locator('.el-message--error').first().waitFor();
  assert.equal((await tripByTitle()).status, 'rc_approved', 'a wrong code confirms nothing');
  await field(page, 'confirm-code').fill(letter.verify_url);
  await page.locator('[data-test=confirm-code-submit]').click();
  await waitFor(async () => (await tripByTitle()).status === 'rc_confirmed', 'confirmed');
  await openTab(page, 'record');
  await waitFor(async () => (await rows(page)).some((r) => r.includes(TITLE)), 'to record');
  await page.locator('[data-test=trip-table] .el-table__body tr').filter({ hasText: TITLE }).locator('[data-test=record]').click();
  const dlg = page.locator('[data-test=record-dialog]').last();
  await dlg.waitFor();
  await field(page, 'rec-place').fill('濂江镇机关食堂');
  await field(page, 'rec-hosts').fill('4');
  await field(page, 'rec-cost').fill('240');
  await field(page, 'rec-place').click();
  await dlg.locator('[data-test=rec-warning]').filter({ hasText: '陪餐 4 人' }).first().waitFor();
  await shot(page, 'reception-5-record');
  await page.locator('[data-test=rec-submit]').click();
  await waitFor(async () => (await tripByTitle()).status === 'rc_recorded', 'recorded');
  const c = await tripByTitle();
  assert.match(c.fields.reception_cert_no, /^JD/);
  await openTab(page, 'done');
  await waitFor(async () => (await rows(page)).some((r) => r.includes(c.fields.reception_cert_no)), 'the certificate on the row');
  await shot(page, 'reception-6-done');
  assertClean(page);
});

test('jw1 sees the flags: the new breach among the demo\'s, by kind and unit', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'jw1');
  await page.goto(srv.base + '/receptions');
  await page.waitForURL((u) => u.searchParams.get('tab') === null || u.pathname === '/receptions');
  await waitFor(async () => (await rows(page, 'flag-table')).some((r) => r.includes(TITLE)), 'the new flag');
  const all = await rows(page, 'flag-table');
  assert.ok(all.find((r) => r.includes(TITLE)).includes('陪餐人数超标'));
  for (const k of ['无公函接待', '陪餐人数超标', '超标准接待', '超出行日期接待']) assert.ok(all.some((r) => r.includes(k)), k);
  await shot(page, 'reception-7-flags');
  await selectOption(page, page.locator('[data-test=flag-kind]'), '无公函接待');
  await waitFor(async () => (await rows(page, 'flag-table')).every((r) => r.includes('无公函接待')), 'filtered');
  assertClean(page);
});

test('leader1 reads the dashboard\'s 公务接待 tab', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  await page.goto(srv.base + '/dashboard?type=reception&period=30d');
  await page.locator('[data-test=rates-reception]').waitFor();
  await page.locator('[data-test=reception-unit-row]').first().waitFor();
  await shot(page, 'reception-8-dashboard');
  assertClean(page);
});
