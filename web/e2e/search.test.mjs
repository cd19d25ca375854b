// Full-text search in the UI (docs/ui.md "Search"): the top bar's box ("/"
// to reach it, Enter to search, Esc to clear), the /search page with its
// results (hits in <mark>, hostile titles as text), Traditional characters,
// a township that cannot see another's case, a query with nothing to
// search for, offset paging and the capped window, the way to the case
// list's filter, and the page's first-screen time.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, timeFirstScreen } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const LIMIT_MS = 3000;
const HOSTILE = '<img src=x onerror=alert(1)>路灯';
const made = {};
let phone = 13900000000;

async function create(body) {
  const r = await srv.api('op1', 'POST', '/api/v1/cases', {
    type: 'hotline',
    class: '投诉',
    channel: 'phone',
    description: '来电人反映情况，请尽快处理。',
    reporter: { name: '测试人', phone: String(++phone) },
    org: 'town.a',
    ...body,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.case;
}

before(async () => {
  made.lamp = await create({
    title: '解放路北段路灯整夜不亮',
    description: '来电人反映解放路北段的路灯从上周起整夜不亮，行人看不清路。',
    location: { address: '濂江镇解放路北段' },
  });
  made.hostile = await create({ title: HOSTILE, description: '<script>alert(2)</script>路灯杆歪了' });
  made.manhole = await create({ title: '濂溪书院门口井盖缺失', description: '书院门口井盖丢了，夜里有人踩空。', org: 'town.a' });
  // enough cases with one word for two pages
  made.many = [];
  for (let i = 1; i <= 23; i++) made.many.push(await create({ title: `第${i}号晒谷场积水`, description: '下雨后晒谷场积水成片。' }));
});

// The result card of a case on /search.
const resultOf = (page, no) => page.locator(`[data-test=search-result][data-case-no="${no}"]`);

test('disp1 searches from the top bar: "/" reaches the box, Enter opens /search, the hit is marked, Esc clears', async () => {
  const page = await newPage(browser, srv);
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  await signIn(page, srv, 'disp1');
  const box = field(page, 'top-search');
  await box.waitFor();
  // "/" from the page (nothing focused) lands in the box, and types nothing
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-test')), 'top-search');
  assert.equal(await box.inputValue(), '');
  // Esc clears what was typed
  await page.keyboard.type('停水');
  await page.keyboard.press('Escape');
  assert.equal(await box.inputValue(), '');
  await page.keyboard.type('路灯');
  await shot(page, 'search-topbar');
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.pathname === '/search' && u.searchParams.get('q') === '路灯');
  const card = resultOf(page, made.lamp.no);
  await card.waitFor();
  assert.equal(await card.locator('[data-test=search-result-no]').innerText(), made.lamp.no);
  const marks = await card.locator('[data-test=search-result-link] mark').allInnerTexts();
  assert.deepEqual(marks, ['路灯'], 'the title marks the hit');
  assert.ok((await card.locator('[data-test=search-result-text] mark').allInnerTexts()).includes('路灯'), 'the fragment marks it too');
  assert.match(await card.locator('[data-test=search-result-status]').innerText(), /已受理/);
  assert.match(await card.locator('[data-test=search-result-meta]').innerText(), /投诉.*濂江镇/);
  assert.match(await page.locator('[data-test=search-summary]').innerText(), /找到 \d+ 件工单/);
  assert.equal(await field(page, 'search-q').inputValue(), '路灯', 'the page\'s box holds the query');
  await page.waitForTimeout(200);
  await shot(page, 'search-results');

  // the hostile title is text: no element made of it, no script run
  const hostile = resultOf(page, made.hostile.no);
  await hostile.waitFor();
  assert.equal(await hostile.locator('[data-test=search-result-link]').innerText(), HOSTILE);
  assert.equal(await page.locator('[data-test=search-results] img, [data-test=search-results] script').count(), 0);
  assert.match(await hostile.locator('[data-test=search-result-text]').innerText(), /<script>alert\(2\)<\/script>/);
  assert.deepEqual(dialogs, [], 'no alert ran');

  // "/" typed into a field stays there
  await field(page, 'search-q').fill('');
  await field(page, 'search-q').pressSequentially('a/b');
  assert.equal(await field(page, 'search-q').inputValue(), 'a/b');

  // Traditional characters find the same cases
  const simplified = (await page.locator('[data-test=search-result]').evaluateAll((els) => els.map((e) => e.dataset.caseNo))).sort();
  await field(page, 'search-q').fill('路燈');
  await field(page, 'search-q').press('Enter');
  await page.waitForURL((u) => u.searchParams.get('q') === '路燈');
  await resultOf(page, made.lamp.no).waitFor();
  const traditional = (await page.locator('[data-test=search-result]').evaluateAll((els) => els.map((e) => e.dataset.caseNo))).sort();
  assert.deepEqual(traditional, simplified, '路燈 finds what 路灯 finds');
  assert.deepEqual(await resultOf(page, made.lamp.no).locator('[data-test=search-result-link] mark').allInnerTexts(), ['路灯']);

  // a click anywhere on the card opens the case
  await resultOf(page, made.lamp.no).click({ position: { x: 600, y: 60 } });
  await page.waitForURL((u) => u.pathname === '/cases/' + made.lamp.id);
  assert.equal((await page.locator('[data-test=case-no]').innerText()).trim(), made.lamp.no);
  // and back is the same search
  await page.goBack();
  await resultOf(page, made.lamp.no).waitFor();
  assert.equal(await field(page, 'top-search').inputValue(), '路燈', 'the top bar shows the search');
  assertClean(page);
  await page.context().close();
});

test('town2 cannot find a case of town.a; the empty page gives tips', async () => {
  const api = await srv.api('town2', 'GET', '/api/v1/search?q=' + encodeURIComponent('井盖缺失'));
  assert.equal(api.json.total, 0);
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'town2');
  await field(page, 'top-search').fill('井盖缺失');
  await field(page, 'top-search').press('Enter');
  const empty = page.locator('[data-test=search-empty]');
  await empty.waitFor();
  const text = await empty.innerText();
  assert.match(text, /没有找到与“井盖缺失”相关的工单/);
  assert.match(text, /试试更短的词/);
  assert.match(text, /繁体也能搜/);
  assert.equal(await page.locator('[data-test=search-result]').count(), 0);
  await shot(page, 'search-empty');
  assertClean(page);
  await page.context().close();
  // disp1 sees it
  const d = await srv.api('disp1', 'GET', '/api/v1/search?q=' + encodeURIComponent('井盖缺失'));
  assert.ok(d.json.items.map((i) => i.no).includes(made.manhole.no));
});

test('a query with nothing to search for: the server\'s message beside the box, the typed text kept', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  await page.goto(srv.base + '/search');
  await page.locator('[data-test=search-start]').waitFor();
  // nothing typed: said at once, nothing asked of the server
  await page.locator('[data-test=search-submit]').click();
  assert.match(await page.locator('[data-test=search-error]').innerText(), /请输入/);
  await field(page, 'search-q').fill('！！？');
  await field(page, 'search-q').press('Enter');
  const err = page.locator('[data-test=search-error]');
  await page.waitForURL((u) => u.searchParams.get('q') === '！！？');
  await err.waitFor();
  assert.match(await err.innerText(), /请输入要搜索的文字/);
  assert.equal(await field(page, 'search-q').inputValue(), '！！？');
  assert.equal(await field(page, 'search-q').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('[data-test=search-result], [data-test=search-empty]').count(), 0);
  // the case list's filter matches such text literally: the link goes there
  const link = page.locator('[data-test=search-in-cases]');
  assert.equal(await link.getAttribute('href'), '/cases?q=' + encodeURIComponent('！！？'));
  // too many terms: the server's own words
  await field(page, 'search-q').fill('一 二 三 四 五 六 七 八 九');
  await field(page, 'search-q').press('Enter');
  await page.waitForFunction(() => /最多 8 个/.test((document.querySelector('[data-test=search-error]') || {}).textContent || ''));
  assertClean(page);
  await page.context().close();
});

test('paging: 20 a page, 下一页 and 上一页 through the URL; a capped window says so', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  await page.goto(srv.base + '/search?q=' + encodeURIComponent('晒谷场'));
  await page.locator('[data-test=search-result]').first().waitFor();
  assert.equal(await page.locator('[data-test=search-result]').count(), 20);
  assert.match(await page.locator('[data-test=search-summary]').innerText(), /找到 23 件工单，这是第 1–20 件/);
  assert.equal(await page.locator('[data-test=search-page]').innerText(), '第 1 / 2 页');
  assert.ok(await page.locator('[data-test=search-prev]').isDisabled());
  const first = await page.locator('[data-test=search-result]').evaluateAll((els) => els.map((e) => e.dataset.caseNo));
  await page.locator('[data-test=search-next]').click();
  await page.waitForURL((u) => u.searchParams.get('page') === '2');
  await page.waitForFunction(() => document.querySelectorAll('[data-test=search-result]').length === 3);
  const second = await page.locator('[data-test=search-result]').evaluateAll((els) => els.map((e) => e.dataset.caseNo));
  assert.equal(new Set([...first, ...second]).size, 23, 'each case once over the two pages');
  assert.ok(await page.locator('[data-test=search-next]').isDisabled());
  await page.locator('[data-test=search-prev]').click();
  await page.waitForURL((u) => !u.searchParams.has('page'));
  await page.waitForFunction(() => document.querySelectorAll('[data-test=search-result]').length === 20);

  // a full window (faked from the real answer): the note, and no page past the server's offset limit
  await page.route('**/api/v1/search?*', async (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('offset', '0'); // page 26's place, filled with page 1's cases
    const res = await route.fetch({ url: url.toString() });
    const body = await res.json();
    await new Promise((r) => setTimeout(r, 600)); // the loading state shows meanwhile
    await route.fulfill({ response: res, json: { ...body, total: 2000, total_capped: true } });
  });
  await page.goto(srv.base + '/search?q=' + encodeURIComponent('晒谷场') + '&page=26');
  await page.locator('[data-test=search-loading]').waitFor();
  await page.locator('[data-test=search-capped]').waitFor();
  assert.equal(await page.locator('[data-test=search-capped]').innerText(), '结果较多，仅显示最近的 2000 件中最相关的');
  assert.equal(await page.locator('[data-test=search-page]').innerText(), '第 26 / 26 页');
  assert.ok(await page.locator('[data-test=search-next]').isDisabled());
  await page.locator('[data-test=search-cut]').waitFor();
  await page.unroute('**/api/v1/search?*');
  assertClean(page);
  await page.context().close();
});

test('在工单列表中筛选 opens the case list with the same words', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  await page.goto(srv.base + '/search?q=' + encodeURIComponent('井盖缺失'));
  await resultOf(page, made.manhole.no).waitFor();
  await page.locator('[data-test=search-in-cases]').click();
  await page.waitForURL((u) => u.pathname === '/cases' && u.searchParams.get('q') === '井盖缺失');
  await page.locator(`tr[data-test=case-row][data-case-no="${made.manhole.no}"]`).waitFor();
  assertClean(page);
  await page.context().close();
});

test(`/search: first screen under ${LIMIT_MS} ms`, async (t) => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  const ms = await timeFirstScreen(page, srv.base + '/search?q=' + encodeURIComponent('路灯'), '[data-test=search-result]', 'search');
  t.diagnostic(`search: ${Math.round(ms)} ms`);
  await page.waitForTimeout(200);
  await shot(page, 'page-search');
  assertClean(page);
  assert.ok(ms < LIMIT_MS, `search: first screen in ${Math.round(ms)} ms`);
  await page.context().close();
});
