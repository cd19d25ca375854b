// The SMS opt-in of a confidential case on 话务登记 (docs/notifications.md
// "短信"): the box 保密件短信告知 shows only once the case is confidential,
// can be ticked only with a phone, and the case registered with it ticked
// records sms_consent; a confidential case without it records none.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, caseByNo } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

test('op1 ticks 保密件短信告知 for a confidential case; it is recorded with the case', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'op1');
  await page.locator('[data-test=class-投诉]').click();
  const consent = page.locator('[data-test=intake-sms-consent]');
  assert.equal(await consent.count(), 0, 'no opt-in for a case that is not confidential');
  await page.locator('[data-test=intake-confidential]').click();
  await consent.waitFor();
  assert.ok(await consent.locator('input').isDisabled(), 'no phone yet: the box cannot be ticked');
  await field(page, 'intake-phone').fill('15866420001');
  await field(page, 'intake-name').fill('戚女士');
  await consent.click();
  await field(page, 'intake-title').fill('举报砂场夜间开采');
  await field(page, 'intake-description').fill('某砂场每晚十点后在河道违规开采，请求处理，同意短信告知办理结果。');
  await shot(page, 'sms-consent-ticked');
  await page.locator('[data-test=intake-submit]').click();
  const no = (await page.locator('[data-test=new-case-no]').innerText()).trim();
  const c = await caseByNo(srv, 'op1', no);
  assert.equal(c.reporter.confidential, true);
  assert.equal(c.fields.sms_consent, true);
  assertClean(page);
  await page.context().close();
});

test('a confidential case registered without the tick records no consent', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'op1');
  await page.locator('[data-test=class-举报]').click();
  await page.locator('[data-test=intake-sms-consent]').waitFor(); // 举报 is confidential by class
  await field(page, 'intake-phone').fill('15866420002');
  await field(page, 'intake-title').fill('举报占道经营');
  await field(page, 'intake-description').fill('某路段长期占道经营，举报人不愿接收短信。');
  await page.locator('[data-test=intake-submit]').click();
  const no = (await page.locator('[data-test=new-case-no]').innerText()).trim();
  const c = await caseByNo(srv, 'op1', no);
  assert.equal(c.reporter.confidential, true);
  assert.equal(c.fields.sms_consent, undefined);
  assertClean(page);
  await page.context().close();
});
