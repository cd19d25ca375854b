// Rural homestead approval (docs/homestead.md, /homestead and
// /public/homestead) on the demo county, as the people who use it: hs1
// (濂江镇's window clerk, 领办人) registers an application with a design
// from the atlas (a bad ID number is refused and the form kept), marks
// what is missing in one 一次性告知 and prints the notice; nync1 (农业农村局)
// reads its review queue; the applicant follows it on the public page with
// the number and the ID tail (a wrong tail tells nothing).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, waitFor } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

// GB 11643's check character
function idNo(first17) {
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * W[i], 0);
  return first17 + '10X98765432'[sum % 11];
}
const ID = idNo('36072719860711031');
let NO = null;

async function rows(page) {
  await page.waitForFunction(() => document.querySelector('[data-test=homestead-page]')?.dataset.ready === '1');
  return page.locator('[data-test=homestead-table] .el-table__body tr').allInnerTexts();
}

test('hs1: the window registers with the atlas (a bad ID refused first), then 一次性告知 and its notice', async () => {
  const page = await newPage(browser, srv, { width: 1440, height: 900 });
  await signIn(page, srv, 'hs1');
  await page.locator('.el-menu-item, a, [role=menuitem]').filter({ hasText: '宅基地审批' }).first().click();
  await page.waitForURL((u) => u.pathname === '/homestead');
  const first = await rows(page);
  assert.equal(first.length, 1, 'one application waits for its check at 濂江镇');
  assert.match(first[0], /黄岭村三组一户申请原址翻建[\s\S]*领办人 刘慧敏[\s\S]*已登记待审查受理/);
  await page.locator('[data-test=tab-review]').click();
  await waitFor(async () => (await rows(page)).length === 1, 'the review tab');
  assert.match((await rows(page))[0], /农业农村局\s*同意[\s\S]*自然资源局\s*待签收/);
  await shot(page, 'homestead-1-review-queue');
  await page.locator('[data-test=tab-decide]').click();
  await waitFor(async () => /附条件同意/.test((await rows(page))[0] || ''), 'the decide tab');
  await page.waitForFunction(() => !document.querySelector('[data-test=homestead-table] .el-loading-mask:not([style*="display: none"])'));
  await shot(page, 'homestead-2-decide-queue');

  await page.locator('[data-test=hs-register-open]').click();
  const dlg = page.locator('[data-test=hs-register]');
  await dlg.waitFor();
  await field(page, 'hs-member-name-0').fill('钟国庆');
  await field(page, 'hs-member-id-0').fill(ID.slice(0, 17) + (ID[17] === '1' ? '2' : '1'));
  await field(page, 'hs-member-phone-0').fill('13979701122');
  await field(page, 'hs-member-name-1').fill('李秀英');
  await field(page, 'hs-village').fill('新塘村三组');
  await field(page, 'hs-housing').fill('与父母同住老屋，无独立住房。');
  await field(page, 'hs-site').fill('濂江镇新塘村三组村内空闲地');
  await page.locator('[data-test=hs-land]').click();
  await page.locator('.el-select-dropdown__item').filter({ hasText: '村内空闲地' }).first().click();
  await field(page, 'hs-area').fill('115');
  await page.locator('[data-test=hs-design-a2]').click();
  await field(page, 'hs-guide-phone').fill('0797-8721305');
  await shot(page, 'homestead-3-register-atlas');
  await page.locator('[data-test=hs-register-submit]').click();
  await waitFor(async () => /校验位不符/.test(await page.locator('[data-test=hs-err-parties]').innerText().catch(() => '')), 'the bad ID refused');
  await field(page, 'hs-member-id-0').fill(ID);
  await page.locator('[data-test=hs-register-submit]').click();
  await page.locator('[data-test=hs-register-done]').waitFor().catch(async (e) => {
    await shot(page, 'homestead-3b-register-failed');
    throw e;
  });
  NO = (await page.locator('[data-test=hs-new-no]').innerText()).trim();
  assert.match(NO, /^ZD\d{8}3607\d{6}$/);
  await page.locator('[data-test=hs-open-case]').click();
  await page.waitForURL((u) => /^\/cases\/\d+$/.test(u.pathname));

  // 一次性告知: every missing item ticked in one action
  await page.locator('[data-test=action-hs_notify_missing]').first().click();
  const act = page.locator('.action-dialog').last();
  await act.waitFor();
  for (const m of ['村民小组会议讨论通过记录', '相邻权利人意见', '建房安全承诺书']) await act.locator('.el-checkbox').filter({ hasText: m }).click();
  await shot(page, 'homestead-4-notify-missing');
  await act.locator('[data-test=action-submit], button.el-button--primary').last().click();
  await waitFor(async () => /已一次性告知待补正/.test(await page.locator('body').innerText()), 'the notice recorded');

  await page.goto(srv.base + '/homestead?tab=missing');
  await waitFor(async () => (await rows(page)).some((r) => r.includes(NO)), 'in the 待补正 tab');
  await page.locator('tr', { hasText: NO }).locator('[data-test=notice-link]').click();
  await page.locator('[data-test=hs-notice][data-ready="1"]').waitFor();
  assert.deepEqual(await page.locator('[data-test=hs-notice-items] li').allInnerTexts(),
    ['村民小组会议讨论通过记录', '相邻权利人意见', '建房安全承诺书']);
  assert.match(await page.locator('[data-test=hs-notice-guide]').innerText(), /刘慧敏/);
  await shot(page, 'homestead-5-notice');
  assertClean(page);
});

test('nync1: the department\'s review queue', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'nync1');
  await page.goto(srv.base + '/homestead');
  const r = await rows(page);
  assert.ok(r.some((x) => /东门社区七组一户申请原址翻建/.test(x)) === false, 'nync1 answered that one already');
  await page.locator('[data-test=tab-answered]').click();
  await waitFor(async () => (await rows(page)).length >= 5, 'answered');
  await shot(page, 'homestead-6-dept-answered');
  assertClean(page);
});

test('the public page: a wrong tail tells nothing; the right one shows the 领办人 and the missing materials', async () => {
  assert.ok(NO, 'registered above');
  const page = await newPage(browser, srv, { width: 414, height: 900, mobile: true });
  await page.goto(srv.base + '/public/homestead?no=' + NO);
  await page.locator('[data-test=hs-guide-title]').waitFor();
  assert.match(await page.locator('[data-test=hs-guide-title]').innerText(), /宅基地/);
  await field(page, 'hs-q-tail').fill(ID.slice(-4) === '0000' ? '1111' : '0000');
  await page.locator('[data-test=hs-q-submit]').click();
  await page.locator('[data-test=hs-q-error]').waitFor();
  assert.match(await page.locator('[data-test=hs-q-error]').innerText(), /未查到/);
  await field(page, 'hs-q-tail').fill(ID.slice(-4));
  await page.locator('[data-test=hs-q-submit]').click();
  await page.locator('[data-test=hs-q-result]').waitFor();
  const text = await page.locator('[data-test=hs-q-result]').innerText();
  assert.match(text, /钟\*\*/);
  assert.match(text, /已一次性告知待补正/);
  assert.match(text, /刘慧敏/);
  assert.match(text, /相邻权利人意见/);
  assert.ok(!text.includes(ID), 'no ID number');
  await shot(page, 'homestead-7-public-progress');
  await page.locator('[data-test=hs-guide-atlas]').scrollIntoViewIfNeeded();
  await shot(page, 'homestead-8-public-guide');
  assertClean(page);
});
