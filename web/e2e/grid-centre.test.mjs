// The grid centre's 立案 queue on /dispatch (docs/grid.md, issue 11): grid1
// reports events through the API; disp1 opens 网格待立案, registers one
// (立案), which moves it to 网格待派遣, and dispatches it to 城市管理局; a
// second is refused (不予立案) — first without a reason (asked for), then
// with one — and leaves the queue.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, rowOf, selectOption } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

async function report(description) {
  const r = await srv.api('grid1', 'POST', '/api/v1/cases', {
    type: 'grid_event',
    class: 'bj-0101',
    title: description.slice(0, 12),
    description,
    location: { lat: 25.7871, lng: 114.8735, address: '东门社区5栋旁人行道' },
  });
  assert.equal(r.status, 201, 'grid1 reports: ' + JSON.stringify(r.json));
  return r.json.case;
}

async function caseNow(id) {
  return (await srv.api('disp1', 'GET', '/api/v1/cases/' + id)).json.case;
}

test('disp1 registers a grid event, dispatches it to 城市管理局, and refuses another with a reason', async () => {
  const a = await report('人行道井盖破损下沉，有行人踩空风险');
  const b = await report('路边有少量落叶，已随风散去');
  assert.equal(a.status, 'reported');

  const page = await newPage(browser, srv);
  await signIn(page, srv, 'disp1');
  assert.equal(new URL(page.url()).pathname, '/dispatch');

  // 网格待立案: both listed, each with 立案 / 不予立案
  await page.locator('[data-test=tab-grid_register]').click();
  await page.waitForURL((u) => u.searchParams.get('tab') === 'grid_register');
  const rowA = rowOf(page, a.no);
  await rowA.waitFor();
  await rowOf(page, b.no).waitFor();
  await rowA.locator('[data-test=action-register]').waitFor();
  await rowA.locator('[data-test=action-reject]').waitFor();
  await shot(page, 'grid-centre-1-register-queue');

  // the tab survives a reload (kept in the URL)
  await page.reload();
  await rowA.waitFor();

  // 立案
  await rowA.locator('[data-test=action-register]').click();
  const dlg = page.locator('.el-dialog[data-test=action-dialog]');
  await dlg.waitFor();
  assert.equal((await dlg.locator('[data-test=action-case-no]').innerText()).trim(), a.no);
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  await rowA.waitFor({ state: 'detached' });
  assert.equal((await caseNow(a.id)).status, 'registered');

  // 不予立案: the reason is required, then it leaves the queue
  const rowB = rowOf(page, b.no);
  await rowB.locator('[data-test=action-reject]').click();
  await dlg.waitFor();
  assert.equal((await dlg.locator('[data-test=action-case-no]').innerText()).trim(), b.no);
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.locator('.el-form-item__error').first().waitFor();
  assert.equal((await caseNow(b.id)).status, 'reported', 'nothing sent without a reason');
  await field(dlg, 'field-reason').fill('不属于网格事件范围，已自行消除');
  await shot(page, 'grid-centre-2-reject');
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  await rowB.waitFor({ state: 'detached' });
  const rb = await caseNow(b.id);
  assert.equal(rb.status, 'rejected');
  assert.equal(rb.fields.reject_reason, '不属于网格事件范围，已自行消除');

  // 网格待派遣: the registered one, dispatched to 城市管理局
  await page.locator('[data-test=tab-grid_dispatch]').click();
  await page.waitForURL((u) => u.searchParams.get('tab') === 'grid_dispatch');
  const rowA2 = rowOf(page, a.no);
  await rowA2.waitFor();
  await rowA2.locator('[data-test=action-dispatch]').click();
  await dlg.waitFor();
  assert.equal((await dlg.locator('[data-test=action-case-no]').innerText()).trim(), a.no);
  await dlg.locator('[data-test=dispatch-suggestions]').waitFor();
  await selectOption(page, dlg.locator('[data-test=dispatch-lead]'), '城市管理局');
  await shot(page, 'grid-centre-3-dispatch');
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  await rowA2.waitFor({ state: 'detached' });
  const ra = await caseNow(a.id);
  assert.equal(ra.status, 'dispatched');
  const lead = ra.assignments.find((x) => x.status !== 'cancelled' && x.kind === 'lead');
  assert.equal(lead.org.code, 'dept.cg');

  // the hotline tabs are still there
  await page.locator('[data-test=tab-received]').click();
  await page.waitForURL((u) => u.searchParams.get('tab') === 'received');
  assertClean(page);
  await page.context().close();
});
