// The disputes' rates on the leader dashboard (issue 11; docs/dispute.md
// "Rates" and "Demo", docs/ui.md "Dashboard"):
// - leader1 opens /dashboard?type=dispute for 近30天 and reads the demo
//   county's figures, each card against the API's answer AND the demo's
//   fixed figures (12 received, 4 closed, 就地调处率 3/4), the per-level
//   table row by row (楼栋 3/1/1, 村 4/2/1, 乡镇 3/1/1, 县 0), the kinds by
//   name;
// - leaderx, the other county's leader, reads its own county: the two joint
//   disputes, counted there too (received 2, closed 1).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, ratePct, shownPeriod } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const pct = ratePct;
const PANEL = '[data-test=rates-dispute]';
const READY = `${PANEL} [data-test=kpi-received] .kpi-value:text-matches("\\\\d")`;

async function kpi(page, key) {
  return (await page.locator(`${PANEL} [data-test="kpi-${key}"] .kpi-value`).innerText()).trim();
}
async function levelRows(page) {
  const rows = page.locator(`${PANEL} [data-test=dispute-level-row]`);
  const out = {};
  for (let i = 0; i < (await rows.count()); i++) {
    const r = rows.nth(i);
    const cells = (await r.locator('td').allInnerTexts()).map((x) => x.trim());
    out[await r.getAttribute('data-level')] = [(await r.locator('th').innerText()).trim(), ...cells];
  }
  return out;
}

test('leader1 reads the demo county’s mediation figures, per level and by kind', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  await page.goto(srv.base + '/dashboard?type=dispute&period=30d');
  await page.locator(READY).waitFor();
  assert.equal(await page.locator('[data-test=rates-type-dispute] input').isChecked(), true);
  const { from, to } = await shownPeriod(page);
  const s = (await srv.api('leader1', 'GET', '/api/v1/stats/dispute?' + new URLSearchParams({ from, to }))).json;
  // the API's answer is the demo's (docs/dispute.md "Demo") …
  assert.equal(s.received, 12);
  assert.equal(s.closed, 4);
  assert.equal(s.local_resolution_rate, 0.75);
  // … and the cards show it
  assert.equal(await kpi(page, 'received'), String(s.received));
  assert.equal(await kpi(page, 'closed'), '4');
  assert.equal(await kpi(page, 'local'), pct(s.local_resolution_rate));
  assert.equal(await kpi(page, 'local'), '75%');
  assert.equal(await kpi(page, 'on_time'), pct(s.on_time_rate));
  assert.equal(await kpi(page, 'resolution'), pct(s.resolution_rate));
  // 调解成功率: closed ÷ (closed + failed) of the current states: 4 ÷ 5
  assert.equal(await kpi(page, 'success'), '80%');
  // the ladder, row by row: name, received, closed, resolved locally, rate, escalated out
  const rows = await levelRows(page);
  assert.deepEqual(rows, {
    grid: ['楼栋（组）', '3', '1', '1', '100%', '1'],
    village: ['村（社区）', '4', '2', '1', '50%', '1'],
    township: ['乡镇（街道）', '3', '1', '1', '100%', '1'],
    county: ['县（市、区）', '0', '0', '0', '—', '0'],
  });
  for (const l of s.levels) {
    assert.equal(rows[l.org_kind][1], String(l.received), `${l.org_kind} as the API says`);
    assert.equal(rows[l.org_kind][4], pct(l.local_resolution_rate));
  }
  // kinds by name, never a code
  const kinds = await page.locator(`${PANEL} [data-test=dispute-kind-row]`).allInnerTexts();
  assert.ok(kinds.some((k) => /邻里纠纷\s*3/.test(k)), kinds.join(' | '));
  assert.ok(kinds.every((k) => !/neighbour|land|labour|property/.test(k)), kinds.join(' | '));
  await shot(page, 'dashboard-dispute-county');
  assertClean(page);
  await page.context().close();
});

test('leaderx, across the border, counts the joint disputes in its own county', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leaderx');
  await page.goto(srv.base + '/dashboard?type=dispute&period=30d');
  await page.locator(READY).waitFor();
  assert.match(await page.locator('[data-test=scope-name]').innerText(), /郴州市湘岭县/);
  assert.equal(await kpi(page, 'received'), '2');
  assert.equal(await kpi(page, 'closed'), '1');
  const rows = await levelRows(page);
  assert.deepEqual(rows.township, ['乡镇（街道）', '2', '1', '1', '100%', '0']);
  await shot(page, 'dashboard-dispute-leaderx');
  assertClean(page);
  await page.context().close();
});
