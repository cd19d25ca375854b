// Public tracking on a phone (375×667): a demo case's number with a wrong
// phone tail gets the Chinese not-found message; the right tail shows the
// status and the steps; the page never scrolls sideways and shows no
// personal data.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, assertClean, shot, field } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const MOBILE = { width: 375, height: 667, mobile: true };

// A demo case with a reporter's phone, as an operator (pii.read) reads it,
// and the public answer for it.
async function demoCase() {
  const list = await srv.api('op1', 'GET', '/api/v1/cases?type=hotline&status=handling,replied,callback,closed&limit=50');
  for (const item of list.json.items) {
    const c = (await srv.api('op1', 'GET', '/api/v1/cases/' + item.id)).json.case;
    if (c.reporter && c.reporter.phone && c.reporter.name && !c.reporter.confidential && c.assignments.length) return c;
  }
  throw new Error('no demo case with a reporter phone');
}

async function noHorizontalScroll(page, what) {
  const w = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth }));
  assert.equal(w.view, 375, 'the viewport is a phone');
  assert.ok(w.doc <= 375 && w.body <= 375, `${what}: no horizontal scroll (${w.doc}/${w.body} px)`);
}

test('public tracking: wrong tail, then the right one, on a 375 px phone', async () => {
  const c = await demoCase();
  const tail = c.reporter.phone.slice(-4);
  const wrong = String((Number(tail) + 1) % 10000).padStart(4, '0');
  const pub = await fetch(`${srv.base}/api/v1/public/track?no=${c.no}&phone_tail=${tail}`).then((r) => r.json());
  assert.ok(pub.steps.length >= 2, 'the demo case has public steps');

  const page = await newPage(browser, srv, MOBILE);
  await page.goto(srv.base + '/track');
  await noHorizontalScroll(page, 'the empty form');
  await shot(page, 'public-track-form');

  // the number typed as people do: lower case, with spaces
  await field(page, 'track-no').fill(c.no.toLowerCase().replace(/(\d{8})/, ' $1 '));
  await field(page, 'track-phone-tail').fill(wrong);
  await page.locator('[data-test=track-submit]').click();
  const err = page.locator('[data-test=track-error]');
  await err.waitFor();
  assert.equal((await err.innerText()).trim(), '未找到该工单，请核对工单编号和电话号码后四位');
  assert.equal(await page.locator('[data-test=track-result]').count(), 0, 'nothing of the case is shown');
  await noHorizontalScroll(page, 'the not-found message');
  await shot(page, 'public-track-notfound');

  await field(page, 'track-phone-tail').fill(tail);
  await page.locator('[data-test=track-submit]').click();
  const result = page.locator('[data-test=track-result]');
  await result.waitFor();
  assert.equal(await err.count(), 0, 'the error is gone');
  assert.equal((await page.locator('[data-test=track-case-no]').innerText()).trim(), c.no);
  assert.equal((await page.locator('[data-test=track-status]').innerText()).trim(), c.status_name);
  const steps = page.locator('[data-test=track-step]');
  assert.equal(await steps.count(), pub.steps.length, 'every public step');
  const names = await steps.locator('.step-name').allInnerTexts();
  assert.deepEqual(names.map((s) => s.trim()), pub.steps.map((s) => s.name));
  assert.ok(!page.url().includes(tail), 'the phone digits stay out of the address');
  await noHorizontalScroll(page, 'the result');
  await shot(page, 'public-track-result');

  // no personal data: not the reporter, not the units, not who did what
  const text = await page.evaluate(() => document.body.innerText);
  const forbidden = [c.reporter.name, c.reporter.phone, c.reporter.phone.slice(0, 3) + '****', ...c.assignments.map((a) => a.org.name)];
  for (const word of forbidden) assert.ok(!text.includes(word), `the page does not show ${word}`);
  const html = await page.content();
  assert.ok(!html.includes(c.reporter.phone), 'nor does the markup');
  assertClean(page);
  await page.context().close();
});

test('public tracking is reachable from the sign-in page and needs no account', async () => {
  const page = await newPage(browser, srv, MOBILE);
  await page.goto(srv.base + '/login');
  await page.getByRole('link', { name: /群众查询办理进度/ }).click();
  await page.waitForURL((u) => u.pathname === '/track');
  await field(page, 'track-no').waitFor();
  await noHorizontalScroll(page, 'the sign-in page link');
  // an empty submit says what is missing, in Chinese
  await page.locator('[data-test=track-submit]').click();
  await page.getByText('请输入工单编号').waitFor();
  await page.getByText('请输入来电号码的后四位数字').waitFor();
  assertClean(page);
  await page.context().close();
});
