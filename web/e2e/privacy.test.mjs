// A confidential reporter stays hidden from the units working the case: op1
// registers a case with the 保密 box ticked, a known name and phone; it goes
// to 城市管理局 (lead) and 濂江镇 (assisting). Neither cg1 nor town1 may read the
// name or any digits of the phone on any page they reach — the inbox, the
// case list, the case page with its timeline, the export — while the case
// page says 保密. op1 (who may read it) sees both: the check can fail.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, caseByNo, rowOf } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const NAME = '戚雪芬';
const PHONE = '15866427391';
const TITLE = '举报某砂场夜间违规开采';
const secret = {};

// Every way the reporter could show: the name, its masked form (戚**), the
// phone whole, masked (158****7391) or in part (its first 7 and last 4
// digits, not inside a longer number or a hash).
function leaks(text) {
  const found = [];
  if (text.includes(NAME)) found.push('name');
  if (text.includes(NAME[0] + '*')) found.push('masked name');
  if (text.includes(PHONE)) found.push('phone');
  if (/(?<![0-9a-f])1586642/.test(text)) found.push('phone head');
  if (/(?<![0-9a-f])7391(?![0-9a-f])/.test(text)) found.push('phone tail');
  if (text.includes('158****')) found.push('masked phone');
  return found;
}

const bodyText = (page) => page.evaluate(() => document.body.innerText);

test('op1 registers a confidential case with the 保密 box', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'op1');
  await page.locator('[data-test=class-投诉]').click();
  await field(page, 'intake-phone').fill(PHONE);
  await field(page, 'intake-name').fill(NAME);
  await page.locator('[data-test=intake-confidential]').click();
  await field(page, 'intake-title').fill(TITLE);
  await field(page, 'intake-description').fill('某砂场每晚十点后在河道违规开采，噪声大，运砂车超载。');
  await page.locator('[data-test=intake-submit]').click();
  secret.no = (await page.locator('[data-test=new-case-no]').innerText()).trim();

  const c = await caseByNo(srv, 'op1', secret.no);
  secret.id = c.id;
  assert.equal(c.reporter.confidential, true);
  assert.equal(c.reporter.name, NAME, 'op1 (pii.read) reads the reporter');
  assert.equal(c.reporter.phone, PHONE);

  // what the checks look for is on op1's own case page: they can fail
  await page.goto(srv.base + '/cases/' + secret.id);
  await page.locator('[data-test=case-reporter]').waitFor();
  const reporter = await page.locator('[data-test=case-reporter]').innerText();
  assert.ok(reporter.includes(NAME) && reporter.includes(PHONE), 'op1 sees the name and phone');
  const seen = leaks(await bodyText(page));
  assert.ok(seen.includes('name') && seen.includes('phone'), 'the leak check finds them on op1\'s page: ' + seen);
  assertClean(page);
  await page.context().close();

  const d = await srv.api('disp1', 'POST', `/api/v1/cases/${secret.id}/actions/dispatch`, { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  assert.equal(d.status, 200, JSON.stringify(d.json));
  const s = await srv.api('cg1', 'POST', `/api/v1/cases/${secret.id}/actions/sign`, {});
  assert.equal(s.status, 200, JSON.stringify(s.json));
});

for (const [login, org] of [['town1', 'town.a'], ['cg1', 'dept.cg']]) {
  test(`${login} (${org}) sees neither name nor phone on any page`, async () => {
    assert.ok(secret.id, 'the case was registered');
    // the server hides it from this account's API too
    const api = (await srv.api(login, 'GET', '/api/v1/cases/' + secret.id)).json.case;
    assert.equal(api.reporter.confidential, true);
    assert.deepEqual(leaks(JSON.stringify(api)), [], 'the case JSON carries no reporter');

    const page = await newPage(browser, srv);
    await signIn(page, srv, login);

    // the inbox, every tab the case is under
    await page.goto(srv.base + '/inbox?tab=all');
    await rowOf(page, secret.no).waitFor();
    assert.deepEqual(leaks(await bodyText(page)), [], 'inbox');
    await shot(page, `privacy-${login}-inbox`);

    // the case list, found by its number
    await page.goto(srv.base + '/cases?q=' + secret.no);
    const row = rowOf(page, secret.no);
    await row.waitFor();
    assert.match(await row.innerText(), /保密/, 'the row is marked 保密');
    assert.deepEqual(leaks(await bodyText(page)), [], 'case list');

    // the case page with its whole timeline
    await row.locator('[data-test=case-no]').click();
    await page.waitForURL((u) => u.pathname === '/cases/' + secret.id);
    await page.locator('[data-test=timeline] [data-test=event]').first().waitFor();
    while (await page.locator('[data-test=timeline-more]').isVisible()) {
      const n = await page.locator('[data-test=event]').count();
      await page.locator('[data-test=timeline-more]').click();
      await page.waitForFunction((k) => document.querySelectorAll('[data-test=event]').length > k, n);
    }
    await page.locator('[data-test=case-confidential]').waitFor();
    assert.equal((await page.locator('[data-test=case-confidential]').innerText()).trim(), '保密');
    const reporter = await page.locator('[data-test=case-reporter]').innerText();
    assert.match(reporter, /姓名\s*保密/);
    assert.match(reporter, /电话\s*保密/);
    assert.deepEqual(leaks(await bodyText(page)), [], 'case page and timeline');
    // the timeline's events, as the server sends them to this account
    const ev = await page.evaluate(async (id) => (await fetch(`/api/v1/cases/${id}/events?limit=200`)).text(), secret.id);
    assert.deepEqual(leaks(ev), [], 'events JSON');
    await shot(page, `privacy-${login}-case`);
    assertClean(page);
    await page.context().close();
  });

  test(`${login}'s export CSV carries neither name nor phone`, async () => {
    assert.ok(secret.id);
    const page = await newPage(browser, srv);
    await signIn(page, srv, login);
    const r = await page.evaluate(async () => {
      const res = await fetch('/api/v1/export/cases.csv?mine=1');
      return { status: res.status, text: await res.text() };
    });
    assert.equal(r.status, 200, 'the export answers: ' + r.text.slice(0, 200));
    assert.ok(r.text.includes(secret.no), 'the case is in the export');
    assert.deepEqual(leaks(r.text), [], 'export CSV');
    assertClean(page);
    await page.context().close();
  });
}
