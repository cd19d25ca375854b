// The supervisor's row actions on /supervise (QuickActions on formbuild.js):
// 督办 with its level, and a missing required opinion kept in the form.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, rowOf, waitFor } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

test('sup1 raises an overdue case to 提级督办 from the board; the event carries the level', async () => {
  const list = await srv.api('sup1', 'GET', '/api/v1/cases?overdue=1&with=actions&limit=50');
  assert.equal(list.status, 200);
  const c = list.json.items.find((x) => (x.actions || []).some((a) => a.code === 'supervise'));
  assert.ok(c, 'the demo has an overdue case sup1 may supervise');
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'sup1');
  await page.goto(`${srv.base}/supervise?tab=overdue`);
  const row = rowOf(page, c.no);
  await row.waitFor();
  await row.locator('[data-test=action-supervise]').click();
  const dialog = page.locator('[data-test=action-dialog]').filter({ visible: true });
  await dialog.waitFor();
  assert.match(await dialog.locator('[data-test=action-case-no]').innerText(), new RegExp(c.no));
  await dialog.locator('[data-test="field-level-提级督办"]').click();
  await dialog.locator('[data-test=action-submit]').click();
  await dialog.waitFor({ state: 'hidden' });
  const ev = await waitFor(async () => {
    const r = await srv.api('admin', 'GET', `/api/v1/cases/${c.id}/events?limit=200`);
    return r.json.items.find((e) => e.action === 'supervise');
  }, 'the supervise event');
  assert.equal(ev.payload.level, '提级督办');
  assertClean(page);
  await page.context().close();
});
