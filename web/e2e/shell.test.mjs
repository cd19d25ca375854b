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
