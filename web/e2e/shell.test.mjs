// Sign-in, each role's home page, and the shell, in Chromium.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, signOut, assertClean, shot, field, PASSWORD } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

test('a wrong password is refused in Chinese and the typed login stays', async () => {
  const page = await newPage(browser, srv);
  await page.goto(srv.base + '/login');
  await field(page, 'login').fill('op1');
  await field(page, 'password').fill('wrong-password');
  await page.locator('[data-test=submit]').click();
  await page.getByRole('alert').waitFor();
  const alert = await page.getByRole('alert').innerText();
  assert.match(alert, /[\u4e00-\u9fff]/, 'the message is Chinese');
  assert.equal(await field(page, 'login').inputValue(), 'op1');
  assert.match(page.url(), /\/login/);
  await shot(page, 'login-error');
  assertClean(page);
  await page.context().close();
});

test('a page opened signed out goes to sign-in and back to the page after', async () => {
  const page = await newPage(browser, srv);
  await page.goto(srv.base + '/cases?status=received');
  await page.waitForURL(/\/login\?next=/);
  await field(page, 'login').fill('disp1');
  await field(page, 'password').fill(PASSWORD);
  await page.locator('[data-test=submit]').click();
  await page.waitForURL((u) => u.pathname === '/cases');
  assert.match(page.url(), /status=received/);
  assertClean(page);
  await page.context().close();
});

test('each role opens on its own work queue, and its nav offers only its pages', async () => {
  const homes = { op1: '/console', disp1: '/dispatch', cg1: '/inbox', sup1: '/supervise', leader1: '/dashboard', admin: '/admin/users', jw1: '/cases' };
  for (const [login, home] of Object.entries(homes)) {
    const page = await newPage(browser, srv);
    await signIn(page, srv, login);
    assert.equal(new URL(page.url()).pathname, home, `${login} starts at ${home}`);
    const nav = await page.locator('nav[aria-label=主导航]').innerText();
    if (login !== 'admin') assert.ok(!nav.includes('用户与角色'), `${login} sees no admin pages`);
    // a page of another role sends back home, not to a broken page
    await page.goto(srv.base + '/admin/users');
    await page.waitForURL((u) => u.pathname === (login === 'admin' ? '/admin/users' : home));
    await signOut(page);
    assertClean(page);
    await page.context().close();
  }
});

test('an unknown address shows a Chinese not-found page', async () => {
  const page = await newPage(browser, srv);
  await page.goto(srv.base + '/no/such/page');
  await page.getByText('页面不存在').first().waitFor();
  assertClean(page);
  await page.context().close();
});

test('a user changes their own password: wrong old one, weak new one and a mismatch are refused beside their fields; then only the new one signs in', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'rs1');
  await page.locator('[data-test=password-open]').click();
  const dialog = page.locator('[data-test=password-dialog]');
  await dialog.waitFor();
  const errorOf = (label) => dialog.locator('.el-form-item')
    .filter({ has: page.locator('.el-form-item__label', { hasText: new RegExp(`^${label}$`) }) })
    .locator('.el-form-item__error:not(.el-zoom-in-top-leave-active)');
  // a mismatch never reaches the server
  await field(page, 'password-old').fill(PASSWORD);
  await field(page, 'password-new').fill('Xy7!abcdefgh');
  await field(page, 'password-confirm').fill('Xy7!abcdefgX');
  await page.locator('[data-test=password-submit]').click();
  assert.match(await errorOf('再次输入新密码').innerText(), /不一致/);
  // the server's policy, beside the new password, and the form kept
  await field(page, 'password-new').fill('short');
  await field(page, 'password-confirm').fill('short');
  await page.locator('[data-test=password-submit]').click();
  await errorOf('新密码').waitFor();
  assert.match(await errorOf('新密码').innerText(), /密码/);
  assert.equal(await field(page, 'password-old').inputValue(), PASSWORD, 'what was typed stays');
  // a wrong old password, beside it
  await field(page, 'password-old').fill('Wrong#20240');
  await field(page, 'password-new').fill('Xy7!abcdefgh');
  await field(page, 'password-confirm').fill('Xy7!abcdefgh');
  await page.locator('[data-test=password-submit]').click();
  await errorOf('当前密码').waitFor();
  // right this time
  await field(page, 'password-old').fill(PASSWORD);
  await page.locator('[data-test=password-submit]').click();
  await page.locator('[data-test=password-done]').waitFor();
  await shot(page, 'password-changed');
  assertClean(page);
  await page.context().close();
  const login = (password) => fetch(srv.base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'rs1', password }),
  });
  assert.equal((await login(PASSWORD)).status, 401, 'the old password no longer signs in');
  assert.equal((await login('Xy7!abcdefgh')).status, 200, 'the new one does');
});
