// The grid events' rates on the leader dashboard and the grid queues' names
// (issue 11; docs/grid.md "Rates" and "Demo", docs/ui.md "Dashboard"):
// - leader1 opens /dashboard, switches 事项 to 网格事件 and reads the demo
//   county's figures for 近30天: each card against the API's answer AND
//   against the demo's fixed figures (13 received, 5 closed, 办结率 5/13,
//   按时办结率 1, 核查通过率 3/5), categories by name (no sj-/bj- code),
//   one row each for 濂江镇 and 长岭乡 with their own rates, a row's link to
//   its events, and "—" for a rate with nothing to divide by (本月);
// - sup1 gets the same panel;
// - disp1's 网格待立案 / 网格待派遣 show category names and 待办原因, and
//   grid1's 我的事件 names the category and the channel;
// - town1 (no stats.read) is sent home from /dashboard, as before.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, signOut, assertClean, shot, timeFirstScreen, rowOf, ratePct, shownPeriod, waitFor } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const pct = ratePct;
const GRID = '[data-test=rates-grid_event]';
const GRID_READY = `${GRID} [data-test=kpi-received] .kpi-value:text-matches("\\\\d")`;

async function card(page, key) {
  const c = page.locator(`${GRID} [data-test="kpi-${key}"]`);
  return { value: (await c.locator('.kpi-value').innerText()).trim(), sub: (await c.locator('.kpi-sub').innerText()).trim() };
}
async function stats(login, q) {
  const r = await srv.api(login, 'GET', '/api/v1/stats/grid_event?' + new URLSearchParams(q));
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

test('leader1 switches the dashboard to 网格事件 and reads the demo county’s rates', async () => {
  const type = (await srv.api('leader1', 'GET', '/api/v1/types/grid_event')).json;
  const t = type.type || type;
  const names = Object.fromEntries(t.classes.map((c) => [c.code, c.name]));

  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  assert.equal(new URL(page.url()).pathname, '/dashboard');
  // the hotline is still the first screen, and fast
  const hotMs = await timeFirstScreen(page, srv.base + '/dashboard?period=30d', '[data-test=rates-hotline] [data-test=kpi-received] .kpi-value:text-matches("\\\\d")', 'dashboard-hotline-30d');
  assert.ok(hotMs < 3000, `hotline first screen in ${Math.round(hotMs)} ms`);
  assert.equal(await page.locator('[data-test=rates-type-hotline] input').isChecked(), true, '12345热线 is the default');

  // 事项: 网格事件
  await page.locator('[data-test=rates-type-grid_event]').click();
  await page.waitForURL((u) => u.searchParams.get('type') === 'grid_event' && u.searchParams.get('period') === '30d');
  await page.locator(GRID_READY).waitFor();
  await page.locator('[data-test=rates-hotline]').waitFor({ state: 'detached' });

  const { from, to } = await shownPeriod(page);
  const s = await stats('leader1', { from, to });
  // the API's answer is the demo's (docs/grid.md "Demo") …
  assert.equal(s.org.code, 'county');
  assert.equal(s.received, 13, 'the demo reports 13 grid events');
  assert.equal(s.closed, 5, '5 of them are closed');
  assert.equal(s.counts.resolved, 3, '3 checks passed');
  assert.equal(s.counts.callbacks, 5, 'of 5 checks');
  assert.equal(s.on_time_rate, 1);
  // … and the cards show the API's answer, which is the demo's figures
  const exp = {
    received: [String(s.received), '13'],
    closed: [String(s.closed), '5'],
    completion_rate: [pct(s.completion_rate), '38.5%'],
    on_time_rate: [pct(s.on_time_rate), '100%'],
    resolution_rate: [pct(s.resolution_rate), '60%'],
  };
  for (const [key, [api, demo]] of Object.entries(exp)) {
    assert.equal(api, demo, `the API's ${key} is the demo's ${demo}`);
    assert.equal((await card(page, key)).value, demo, `the ${key} card shows ${demo}`);
  }
  assert.equal((await card(page, 'completion_rate')).sub, `办结 ${s.closed}/${s.received}`);
  assert.equal((await card(page, 'completion_rate')).sub, '办结 5/13');
  assert.equal((await card(page, 'resolution_rate')).sub, `核查通过 ${s.counts.resolved}/${s.counts.callbacks}`);
  assert.equal((await card(page, 'resolution_rate')).sub, '核查通过 3/5');
  assert.equal((await card(page, 'overdue')).value, String(s.counts.overdue));

  // categories by name: the table lists every category with events, by name
  const rows = page.locator(`${GRID} [data-test=grid-class-row]`);
  await rows.first().waitFor();
  const want = Object.entries(s.counts.by_class).filter(([, v]) => v > 0);
  assert.equal(await rows.count(), want.length, 'one row per category with events');
  for (const [code, n] of want) {
    const row = page.locator(`${GRID} [data-test=grid-class-row][data-class="${code}"]`);
    const cells = (await row.innerText()).split('\t').map((x) => x.trim());
    assert.equal(cells[0], names[code], `${code} is named ${names[code]}`);
    assert.equal(cells[1], String(n));
  }
  const panelText = await page.locator(GRID).innerText();
  assert.doesNotMatch(panelText, /\b(sj|bj)-\d{4}\b/, 'no category code on the panel');
  assert.doesNotMatch(panelText, /NaN|undefined/, 'no NaN');
  assert.match(panelText, /事件·乱倒垃圾/);
  await page.locator(`${GRID} [data-test=grid-chart-class] canvas`).waitFor({ state: 'attached' });
  await page.locator(`${GRID} [data-test=grid-chart-status] canvas`).waitFor({ state: 'attached' });

  // one row per township, with its own rates (its own stats answer)
  for (const [code, name] of [['town.a', '濂江镇'], ['town.b', '长岭乡']]) {
    const row = page.locator(`${GRID} [data-test=grid-org-row][data-org="${code}"]`);
    await row.locator('[data-test=grid-org-completion]').waitFor();
    const o = await stats('leader1', { from, to, org: code });
    assert.equal((await row.locator('[data-test=grid-org-link]').innerText()).trim(), name);
    assert.equal((await row.locator('[data-test=grid-org-received]').innerText()).trim(), String(o.received));
    assert.equal((await row.locator('[data-test=grid-org-closed]').innerText()).trim(), String(o.closed));
    assert.equal((await row.locator('[data-test=grid-org-completion]').innerText()).trim(), pct(o.completion_rate));
    assert.equal((await row.locator('[data-test=grid-org-on-time]').innerText()).trim(), pct(o.on_time_rate));
    const res = (await row.locator('[data-test=grid-org-resolution]').innerText()).trim();
    assert.equal(res, pct(o.resolution_rate) + (o.counts.callbacks ? `（${o.counts.resolved}/${o.counts.callbacks}）` : ''));
  }
  const orgRows = page.locator(`${GRID} [data-test=grid-org-row]`);
  const codes = await orgRows.evaluateAll((trs) => trs.map((tr) => tr.dataset.org));
  // (park: the industrial park of the whistle's demo, a township-kind org)
  assert.ok(codes.every((c) => /^(town|street|village|grid)\./.test(c) || c === 'park'), 'places only, no departments: ' + codes);
  await page.waitForTimeout(1000); // the charts' animation, before the picture
  await shot(page, 'dashboard-grid-1-county');

  // a row leads to that township's grid events of the period
  await page.locator(`${GRID} [data-test=grid-org-row][data-org="town.b"] [data-test=grid-org-link]`).click();
  await page.waitForURL((u) => u.pathname === '/cases' && u.searchParams.get('org') === 'town.b' && u.searchParams.get('type') === 'grid_event');
  assert.equal(new URL(page.url()).searchParams.get('from'), from);
  await page.locator('tr[data-test=case-row]').first().waitFor();
  const listed = await page.locator('tr[data-test=case-row]').evaluateAll((trs) => trs.map((tr) => tr.dataset.caseNo));
  assert.ok(listed.length >= 1 && listed.every((no) => no.startsWith('WG')), 'grid events only: ' + listed);
  await page.goBack();
  await page.locator(GRID_READY).waitFor();

  // 下钻: the scope one level down (濂江镇), its rows are its villages
  await page.locator(`${GRID} [data-test=grid-org-row][data-org="town.a"] [data-test=grid-org-drill]`).click();
  await page.waitForURL((u) => u.searchParams.get('org') === 'town.a');
  await page.locator('[data-test=scope-name]', { hasText: '濂江镇' }).waitFor();
  await page.locator(`${GRID} [data-test=grid-org-row] [data-test=grid-org-completion]`).first().waitFor();
  const sa = await stats('leader1', { from, to, org: 'town.a' });
  assert.equal((await card(page, 'received')).value, String(sa.received));
  await page.waitForTimeout(1000);
  await shot(page, 'dashboard-grid-2-township');

  // 本月: two events, none checked or closed: the rates with nothing to divide by read "—"
  await page.locator('[data-test=period-month]').click();
  await page.waitForURL((u) => !u.searchParams.has('period') || u.searchParams.get('period') === 'month');
  const m = await shownPeriod(page);
  const sm = await stats('leader1', { from: m.from, to: m.to, org: 'town.a' });
  await page.waitForFunction(([sel, n]) => {
    const v = document.querySelector(sel);
    return v && v.textContent.trim() === n;
  }, [`${GRID} [data-test=kpi-received] .kpi-value`, String(sm.received)]);
  assert.equal(sm.resolution_rate, null, 'no check this month');
  assert.equal((await card(page, 'resolution_rate')).value, '—', 'a null rate reads —');
  assert.equal((await card(page, 'on_time_rate')).value, pct(sm.on_time_rate));
  assert.doesNotMatch(await page.locator(GRID).innerText(), /NaN|undefined/);
  assert.equal((await card(page, 'resolution_rate')).sub, '本期受理的尚无核查');
  await page.waitForTimeout(1000);
  await shot(page, 'dashboard-grid-3-month');

  // back to the hotline: its cards again
  await page.locator('[data-test=rates-type-hotline]').click();
  await page.locator('[data-test=rates-hotline] [data-test=kpi-received] .kpi-value:text-matches("\\\\d")').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('type'), null);
  assertClean(page);
  await page.context().close();
});

test('the 网格事件 panel’s first screen, and sup1 reads it too', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'sup1');
  const ms = await timeFirstScreen(page, srv.base + '/dashboard?type=grid_event&period=30d', GRID_READY, 'dashboard-grid');
  assert.ok(ms < 3000, `grid panel first screen in ${Math.round(ms)} ms`);
  assert.equal((await card(page, 'received')).value, '13');
  assert.equal((await card(page, 'completion_rate')).value, '38.5%');
  await page.locator(`${GRID} [data-test=grid-org-row][data-org="town.a"] [data-test=grid-org-completion]`).waitFor();
  assertClean(page);
  await page.context().close();
});

test('the grid centre’s queues name the category and say why each event waits; grid1’s list names the channel', async () => {
  const type = (await srv.api('disp1', 'GET', '/api/v1/types/grid_event')).json;
  const names = Object.fromEntries((type.type || type).classes.map((c) => [c.code, c.name]));
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');

  // 网格待立案: the reported one, its category by name, 待立案
  const reg = (await srv.api('disp1', 'GET', '/api/v1/cases?queue=grid_register&type=grid_event')).json.items;
  assert.ok(reg.length >= 1, 'the demo has an event to register');
  await page.goto(srv.base + '/dispatch?tab=grid_register');
  const row = rowOf(page, reg[0].no);
  await row.waitFor();
  await row.locator('[data-test=reason-grid_register]').waitFor();
  // the name replaces the code once the type's definition is in
  const classShown = (r, c) => waitFor(async () => (await r.locator('[data-test=case-class]').innerText()).trim() === names[c.class],
    `${c.no} shows its category ${names[c.class]}`);
  await classShown(row, reg[0]);
  assert.equal((await row.locator('[data-test=reason-grid_register]').innerText()).trim(), '待立案');
  const tableText = await page.locator('.case-table').innerText();
  assert.doesNotMatch(tableText, /\b(sj|bj)-\d{4}\b/, 'no category code in the queue');
  await shot(page, 'dashboard-grid-4-register-queue');

  // the 立案 dialog names the category and the channel too
  await row.locator('[data-test=action-register]').click();
  const dlg = page.locator('.el-dialog[data-test=action-dialog]');
  await dlg.locator('[data-test=action-case-class]').waitFor();
  assert.equal((await dlg.locator('[data-test=action-case-class]').innerText()).trim(), names[reg[0].class] + ' · 网格员上报');
  await page.keyboard.press('Escape');
  await dlg.waitFor({ state: 'hidden' });

  // 网格待派遣: 待派遣 for the registered one, 已超期 N … for the late ones
  const dis = (await srv.api('disp1', 'GET', '/api/v1/cases?queue=grid_dispatch&type=grid_event')).json.items;
  await page.locator('[data-test=tab-grid_dispatch]').click();
  await page.waitForURL((u) => u.searchParams.get('tab') === 'grid_dispatch');
  for (const c of dis) {
    const r = rowOf(page, c.no);
    await r.waitFor();
    await classShown(r, c);
    if (c.status === 'registered') assert.equal((await r.locator('[data-test=reason-grid_dispatch]').innerText()).trim(), '待派遣');
    if (c.overdue) assert.match((await r.locator('[data-test=reason-overdue]').innerText()).trim(), /^已超期( \d+ (天|小时|分钟))?$/);
  }
  assert.ok(dis.some((c) => c.overdue), 'the demo has a late event in 待派遣');
  await shot(page, 'dashboard-grid-5-dispatch-queue');
  assertClean(page);
  await signOut(page);

  // grid1: 我的事件 names the category and the channel, and 待核查 says so
  await signIn(page, srv, 'grid1');
  await page.locator('#tab-mine').click();
  const card1 = page.locator('[data-test=mine-row]').first();
  await card1.waitFor();
  assert.equal((await card1.locator('[data-test=case-channel]').innerText()).trim(), '网格员上报');
  const mineText = await page.locator('[data-test=grid-page]').innerText();
  assert.doesNotMatch(mineText, /\b(sj|bj)-\d{4}\b/);
  await page.locator('[data-test=mine-row][data-status=handled] [data-test=reason-grid_verify]').first().waitFor();
  await shot(page, 'dashboard-grid-6-grid-worker');
  assertClean(page);
  await page.context().close();
});

test('town1 (no stats.read) does not get the dashboard: sent home, no rates asked for', async () => {
  const denied = await srv.api('town1', 'GET', '/api/v1/stats/grid_event');
  assert.equal(denied.status, 403, 'the server refuses town1 the rates');
  const page = await newPage(browser, srv);
  const statsCalls = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/stats/')) statsCalls.push(r.url());
  });
  await signIn(page, srv, 'town1');
  const home = new URL(page.url()).pathname;
  const nav = await page.locator('nav[aria-label=主导航]').innerText();
  assert.ok(!nav.includes('领导驾驶舱'), 'no dashboard in town1’s nav');
  await page.goto(srv.base + '/dashboard?type=grid_event');
  await page.waitForURL((u) => u.pathname === home);
  assert.equal(await page.locator('[data-test=dashboard]').count(), 0);
  assert.deepEqual(statsCalls, [], 'no stats request');
  assertClean(page);
  await page.context().close();
});
