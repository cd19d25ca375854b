// API keys in the browser (docs/apikeys.md): the admin makes a key for the
// county leader bound to 濂江镇 with the scope 统计查询 and 120 calls a
// minute; the key is shown once with a copy button and the scopes, org and
// rate it got; the list shows them in Chinese with 从未使用, then the time
// of its first use once a system called with it. A scope the account lacks
// is refused under 权限范围 and no key is made. The admin lowers the rate
// (修改) and revokes the key; the revoked key no longer works.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, selectOption, waitFor } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const row = (page, name) => page.locator('[data-test=apikeys-table] tr').filter({ has: page.locator(`[data-test=apikey-name]:text-is("${name}")`) });

async function openCreate(page) {
  await page.locator('[data-test=apikey-new]').click();
  const dlg = page.locator('[data-test=apikey-dialog]');
  await dlg.locator('[data-test=apikey-name-input]').waitFor();
  return dlg;
}

let key; // the key made below

test('the admin makes a key with a scope, an org and a rate; it is shown once and listed in Chinese', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'admin');
  await page.goto(srv.base + '/admin/apikeys');
  await page.locator('[data-test=apikeys-table]').waitFor();
  const dlg = await openCreate(page);
  await field(page, 'apikey-user-input').fill('leader1');
  await field(page, 'apikey-name-input').fill('统计大屏');
  await dlg.locator('[data-test="apikey-scope-stats.read"]').click();
  await selectOption(page, dlg.locator('[data-test=apikey-org-input]'), '濂江镇');
  const rate = field(page, 'apikey-rate-input');
  await rate.fill('120');
  await rate.press('Tab');
  await shot(page, 'apikeys-1-create');
  await dlg.locator('[data-test=apikey-submit]').click();
  const value = dlg.locator('[data-test=apikey-value]');
  await value.waitFor();
  key = await value.inputValue();
  assert.match(key, /^ck_[0-9a-f]{40}$/);
  const summary = await dlg.locator('[data-test=apikey-created-summary]').innerText();
  assert.match(summary, /权限范围：统计查询/);
  assert.match(summary, /代表单位：濂江镇/);
  assert.match(summary, /120 次\/分钟/);
  await dlg.locator('[data-test=apikey-copy]').click();
  await shot(page, 'apikeys-2-shown-once');
  await dlg.locator('[data-test=apikey-done]').click();
  // not copied (no clipboard in a headless browser): one more confirmation
  const confirm = page.locator('.el-message-box__btns .el-button--primary');
  if (await confirm.isVisible().catch(() => false)) await confirm.click();
  await dlg.waitFor({ state: 'hidden' });
  const r = row(page, '统计大屏');
  await r.waitFor();
  assert.equal(await r.locator('[data-test=apikey-org]').innerText(), '濂江镇');
  assert.equal((await r.locator('[data-test=apikey-scopes]').innerText()).trim(), '统计查询');
  assert.equal(await r.locator('[data-test=apikey-rate]').innerText(), '120 次/分钟');
  assert.equal(await r.locator('[data-test=apikey-last-used]').innerText(), '从未使用');
  assert.ok(!(await page.content()).includes(key), 'the list never shows the key');
  await shot(page, 'apikeys-3-listed');

  // a system calls with it: the county is refused, its township answered, and the list shows the use
  const call = (q) => fetch(srv.base + '/api/v1/stats/hotline' + q, { headers: { 'X-API-Key': key } });
  assert.equal((await call('?org=county')).status, 403);
  assert.equal((await call('')).status, 200);
  await page.locator('button:has-text("刷新")').click();
  await waitFor(async () => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(await r.locator('[data-test=apikey-last-used]').innerText()), 'the last use shown');
  assertClean(page);
});

test('a scope the account lacks is refused under 权限范围, and no key is made', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'admin');
  await page.goto(srv.base + '/admin/apikeys');
  await page.locator('[data-test=apikeys-table]').waitFor();
  const dlg = await openCreate(page);
  await field(page, 'apikey-user-input').fill('leader1');
  await field(page, 'apikey-name-input').fill('越权密钥');
  await dlg.locator('[data-test="apikey-scope-linkage.110"]').click();
  await dlg.locator('[data-test=apikey-submit]').click();
  const err = dlg.locator('.el-form-item__error').filter({ hasText: 'linkage.110' });
  await err.waitFor();
  assert.match(await err.innerText(), /leader1 没有权限范围 linkage\.110 所需的权限/);
  await shot(page, 'apikeys-4-scope-refused');
  const list = await srv.api('admin', 'GET', '/api/v1/apikeys');
  assert.ok(!list.json.items.some((k) => k.name === '越权密钥'));
  assertClean(page);
});

test('the admin lowers its rate and revokes it; the revoked key stops working', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'admin');
  await page.goto(srv.base + '/admin/apikeys');
  const r = row(page, '统计大屏');
  await r.waitFor();
  await r.locator('[data-test="apikey-edit-统计大屏"]').click();
  const dlg = page.locator('[data-test=apikey-edit-dialog]');
  const rate = field(page, 'apikey-edit-rate');
  await rate.waitFor();
  await rate.fill('45');
  await rate.press('Tab');
  await shot(page, 'apikeys-5-edit');
  await dlg.locator('[data-test=apikey-edit-save]').click();
  await dlg.waitFor({ state: 'hidden' });
  await waitFor(async () => (await r.locator('[data-test=apikey-rate]').innerText()) === '45 次/分钟', 'the new rate listed');
  await r.locator('[data-test="apikey-revoke-统计大屏"]').click();
  await page.locator('.el-message-box__btns .el-button--danger, .el-message-box__btns .el-button--primary').first().click();
  await r.waitFor({ state: 'detached' });
  await page.locator('[data-test=apikeys-show-revoked]').click();
  const gone = row(page, '统计大屏');
  await gone.waitFor();
  assert.match(await gone.locator('[data-test=apikey-status]').innerText(), /已吊销/);
  await shot(page, 'apikeys-6-revoked');
  const res = await fetch(srv.base + '/api/v1/stats/hotline', { headers: { 'X-API-Key': key } });
  assert.equal(res.status, 401);
  assertClean(page);
});
