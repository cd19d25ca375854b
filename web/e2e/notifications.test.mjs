// 通知与推送 (docs/notifications.md, docs/ui.md): the admin opens the page
// from the nav, subscribes a receiver on 127.0.0.1 to 登记 (the URL checked at
// the field first), sees the signing secret once; a case whose delivery the
// receiver refuses twice shows as 投递失败 with its attempts and reason, and
// 重新投递 delivers it; revoking asks first. An operator has no nav entry and
// is turned away from the address.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, waitFor, selectOption } from './harness.mjs';
import { startReceiver, signatureValid } from '../../tests/api/outbox_receiver.mjs';

const rx = await startReceiver();
const srv = await startServer({ env: { CIVICLOOP_OUTBOX_BACKOFF_MS: '200', CIVICLOOP_OUTBOX_MAX_ATTEMPTS: '2' } });
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});
const state = {};

test('admin subscribes a receiver from 通知与推送 and sees the secret once', async () => {
  const page = await newPage(browser, srv);
  state.page = page;
  await signIn(page, srv, 'admin');
  const link = page.locator('nav .nav-link', { hasText: '通知与推送' });
  await link.waitFor();
  await link.click();
  await page.waitForURL((u) => u.pathname === '/admin/notifications');
  await page.locator('[data-test=hooks-table]').waitFor();
  assert.match(await page.locator('[data-test=hooks-table]').innerText(), /还没有推送订阅/);
  await shot(page, 'notifications-empty');

  await page.locator('[data-test=hook-new]').click();
  const dialog = page.locator('.el-dialog', { hasText: '新建推送订阅' });
  await dialog.waitFor();
  // a URL the server would refuse is said at the field, before any request
  await field(page, 'hook-url-input').fill('ftp://127.0.0.1/x');
  await page.locator('[data-test=hook-submit]').click();
  await dialog.getByText('推送地址须以 http:// 或 https:// 开头').waitFor();
  await dialog.getByText('请选择至少一种事件').waitFor();
  await field(page, 'hook-url-input').fill(rx.url);
  await selectOption(page, page.locator('[data-test=hook-kinds-input]'), '登记', { multiple: true });
  await shot(page, 'notifications-new');
  await page.locator('[data-test=hook-submit]').click();
  const secretBox = page.locator('[data-test=hook-secret]');
  await secretBox.waitFor();
  state.secret = await secretBox.inputValue();
  assert.match(state.secret, /^whsec_[0-9a-f]{64}$/);
  await page.locator('.el-dialog', { hasText: '签名密钥只显示这一次' }).waitFor();
  await shot(page, 'notifications-secret');
  await page.locator('[data-test=hook-done]').click();
  // not copied: it asks before the secret is gone
  const confirm = page.locator('.el-message-box', { hasText: '还没有复制签名密钥' });
  await confirm.waitFor();
  await confirm.locator('.el-message-box__btns .el-button', { hasText: '关闭' }).click();
  await secretBox.waitFor({ state: 'detached' });
  const row = page.locator('[data-test=hooks-table] tbody tr').first();
  await waitFor(async () => (await row.innerText()).includes(rx.url), 'the new subscription listed');
  assert.match(await row.innerText(), /登记/);
  assert.match(await row.innerText(), /有效/);
  assert.ok(!(await page.content()).includes(state.secret), 'the secret left the page with its dialog');
  assertClean(page);
});

test('a refused delivery shows as 投递失败 with its attempts; 重新投递 delivers it', async () => {
  const page = state.page;
  rx.answer = () => 500;
  const made = await srv.api('op1', 'POST', '/api/v1/cases', {
    type: 'hotline', class: '投诉', channel: 'phone', org: 'town.a', description: '端到端：推送失败的工单。',
  });
  assert.equal(made.status, 201);
  const no = made.json.case.no;
  await waitFor(async () => (await srv.api('admin', 'GET', '/api/v1/outbox?state=dead')).json.items.some((m) => m.case && m.case.no === no), 'dead after 2 attempts', 15000);
  await page.locator('[data-test=queue-state-dead]').click();
  const row = page.locator('[data-test=queue-table] tbody tr', { hasText: no });
  await row.waitFor();
  assert.match(await row.innerText(), /投递失败/);
  assert.equal((await row.locator('[data-test=msg-attempts]').innerText()).trim(), '2');
  assert.match(await row.innerText(), /HTTP 500/);
  await page.locator('[data-test=queue-refresh]').click();
  await waitFor(async () => (await page.locator('[data-test=summary-dead]').innerText()).trim() === '1', 'the summary counts it');
  await shot(page, 'notifications-dead');
  rx.answer = () => 200;
  await row.locator('button', { hasText: '重新投递' }).click();
  await page.getByText(/已重新排队投递/).waitFor();
  await rx.until((g) => g.filter((x) => x.json.case.no === no && x.answered === 200).length === 1, 'delivered after the redrive');
  const got = rx.got.filter((x) => x.json.case.no === no);
  assert.equal(got.length, 3);
  assert.equal(new Set(got.map((x) => x.json.id)).size, 1, 'one idempotency id');
  assert.ok(got.every((x) => signatureValid(x, state.secret)), 'signed with the secret the page showed');
  await page.locator('[data-test=queue-state]').getByText('全部').click();
  await waitFor(async () => {
    await page.locator('[data-test=queue-refresh]').click();
    await page.waitForTimeout(200);
    return /已投递/.test(await page.locator('[data-test=queue-table] tbody tr', { hasText: no }).innerText());
  }, 'shown delivered');
  await shot(page, 'notifications-delivered');
  assertClean(page);
});

test('revoking asks first, then the subscription shows 已撤销', async () => {
  const page = state.page;
  await page.locator('[data-test^=hook-revoke-]').first().click();
  const box = page.locator('.el-message-box', { hasText: '撤销推送订阅' });
  await box.waitFor();
  await box.locator('.el-message-box__btns .el-button', { hasText: '撤销' }).click();
  await page.getByText(/已撤销订阅/).waitFor();
  await page.locator('[data-test=hooks-show-revoked]').click();
  await waitFor(async () => /已撤销/.test(await page.locator('[data-test=hooks-table]').innerText()), 'shown revoked');
  await shot(page, 'notifications-revoked');
  assertClean(page);
});

test('an operator has no 通知与推送 and is turned away from its address', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'op1');
  await page.locator('nav .nav-link').first().waitFor();
  assert.equal(await page.locator('nav .nav-link', { hasText: '通知与推送' }).count(), 0);
  await page.goto(srv.base + '/admin/notifications');
  await page.waitForURL((u) => u.pathname !== '/admin/notifications');
  await page.locator('.route-denied', { hasText: '无权访问「通知与推送」' }).waitFor();
  assert.equal(await page.locator('[data-test=hooks-table]').count(), 0);
  assert.equal((await srv.api('op1', 'GET', '/api/v1/webhooks')).status, 403);
  assertClean(page);
});
