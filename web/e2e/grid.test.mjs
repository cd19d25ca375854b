// The grid worker's page (/grid, docs/grid.md) on a phone: grid1 reports a
// 井盖 event with a typed point and a photo and sees its number and grid; the
// grid centre and the unit take it through the API; grid1 checks it — a pass
// without a new photo is refused in Chinese, with one it closes. A
// self-handled event closes at once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, timeFirstScreen, selectOption, waitFor, pngBytes } from './harness.mjs';

const png = () => pngBytes([22, 120, 200]); // blue

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const photo = (name) => ({ name, mimeType: 'image/png', buffer: png() });

async function gridPage() {
  const page = await newPage(browser, srv, { width: 375, height: 812, mobile: true });
  await signIn(page, srv, 'grid1');
  await page.waitForURL((u) => u.pathname === '/grid');
  return page;
}

async function fillReport(page, desc) {
  await selectOption(page, page.locator('[data-test=grid-class]'), '井盖');
  await field(page, 'grid-description').fill(desc);
  await field(page, 'grid-coords').fill('25.7871, 114.8735');
  await field(page, 'grid-coords').press('Tab');
  await field(page, 'grid-address').fill('东门社区5栋旁人行道');
}

async function act(login, id, code, body = {}) {
  const c = (await srv.api(login, 'GET', '/api/v1/cases/' + id)).json.case;
  const r = await srv.api(login, 'POST', `/api/v1/cases/${id}/actions/${code}`, { ...body, version: c.version });
  assert.equal(r.status, 200, `${login} ${code}: ${JSON.stringify(r.json)}`);
  return r.json.case;
}

test('grid1 reports a manhole cover with a photo, the unit fixes it, grid1 checks it with a new photo and it closes', async () => {
  const page = await gridPage();
  const ms = await timeFirstScreen(page, srv.base + '/grid', '[data-test=report-form]', 'grid first screen (375×812)');
  assert.ok(ms < 5000, 'the first screen within 5 s: ' + ms);
  await fillReport(page, '人行道井盖破损下沉，有行人踩空风险');
  await page.locator('[data-test=grid-photo]').setInputFiles(photo('井盖现场.png'));
  await page.locator('[data-test=grid-photo-list] li').first().waitFor();
  await shot(page, 'grid-report-form');
  await page.locator('[data-test=grid-report]').click();
  await page.locator('[data-test=case-no]').waitFor();
  const no = (await page.locator('[data-test=case-no]').innerText()).trim();
  assert.match(no, /^WG\d+/);
  assert.match(await page.locator('[data-test=report-done] [data-test=placement]').innerText(), /东门社区第一网格/);
  await shot(page, 'grid-report-done');

  const hit = (await srv.api('grid1', 'GET', '/api/v1/cases?type=grid_event&q=' + no)).json.items.find((c) => c.no === no);
  assert.ok(hit, 'the case is in grid1\'s list');
  assert.equal(hit.org.code, 'grid.a1');
  const atts = await srv.api('grid1', 'GET', `/api/v1/cases/${hit.id}/attachments`);
  assert.equal(atts.json.items.length, 1, 'the photo was uploaded');

  await act('disp1', hit.id, 'register');
  await act('disp1', hit.id, 'dispatch', { org: 'dept.cg' });
  await act('cg1', hit.id, 'sign');
  const handled = await act('cg1', hit.id, 'feedback', { result: '已更换防沉降井盖并重新浇筑井圈。' });
  assert.equal(handled.status, 'handled');

  // 我的事件 lists it
  await page.locator('.el-tabs__item', { hasText: '我的事件' }).click();
  await page.locator(`[data-test=mine-row][data-case-no="${no}"]`).waitFor();
  await shot(page, 'grid-mine');

  // 待核查
  await page.locator('.el-tabs__item', { hasText: '待核查' }).click();
  const row = page.locator(`[data-test=verify-row][data-case-no="${no}"]`);
  await row.waitFor();
  await row.locator(`[data-test="open-${no}"]`).click();
  await page.locator('[data-test=check-panel]').waitFor();
  assert.match(await page.locator('[data-test=check-feedback]').innerText(), /防沉降井盖/);
  await page.locator('[data-test=check-pass]').click();
  await page.locator('[data-test=check-error]').waitFor();
  assert.match(await page.locator('[data-test=check-error]').innerText(), /核查通过须先上传现场核查照片/);
  await page.locator('[data-test=check-photo]').setInputFiles(photo('核查照片.png'));
  await page.locator('[data-test=check-photos]', { hasText: '1 张' }).waitFor();
  await field(page, 'check-opinion').fill('井盖已更换，平整牢固');
  await shot(page, 'grid-check');
  await page.locator('[data-test=check-pass]').click();
  await page.locator('[data-test=check-result]').waitFor();
  assert.match(await page.locator('[data-test=check-result]').innerText(), /已结案/);
  const done = (await srv.api('grid1', 'GET', '/api/v1/cases/' + hit.id)).json.case;
  assert.equal(done.status, 'closed');
  assertClean(page);
  await page.context().close();
});

test('a self-handled event closes with its after-photo', async () => {
  const page = await gridPage();
  await page.locator('[data-test=report-form]').waitFor();
  await fillReport(page, '井盖移位，已当场复位');
  await page.locator('[data-test=grid-self-mode]').click();
  // no photo: refused beside the photo field, nothing sent
  await field(page, 'grid-result').fill('已将井盖复位并加固');
  await page.locator('[data-test=grid-self]').click();
  await page.locator('text=自处置结案须上传处置后的现场照片').waitFor();
  await page.locator('[data-test=grid-photo]').setInputFiles(photo('处置后.png'));
  await page.locator('[data-test=grid-self]').click();
  await page.locator('[data-test=case-no]').waitFor();
  const no = (await page.locator('[data-test=case-no]').innerText()).trim();
  await waitFor(async () => /已结案|结案/.test(await page.locator('[data-test=done-status]').innerText()), 'closed');
  const hit = (await srv.api('grid1', 'GET', '/api/v1/cases?type=grid_event&q=' + no)).json.items.find((c) => c.no === no);
  assert.equal(hit.status, 'closed');
  assertClean(page);
  await page.context().close();
});

test('不通过 with a reason sends a handled event back to its unit; without a reason it is asked for', async () => {
  const q = await srv.api('grid1', 'GET', '/api/v1/cases?queue=grid_verify&type=grid_event');
  const c = q.json.items[0];
  assert.ok(c, 'the demo has a handled event of grid.a1');
  const page = await gridPage();
  await page.locator('.el-tabs__item', { hasText: '待核查' }).click();
  await page.locator(`[data-test="open-${c.no}"]`).click();
  await page.locator('[data-test=check-panel]').waitFor();
  await page.locator('[data-test=check-fail]').click();
  assert.match(await page.locator('[data-test=check-error]').innerText(), /不通过须填写原因/);
  await field(page, 'check-opinion').fill('垃圾箱仍有破损，未更换到位');
  await page.locator('[data-test=check-fail]').click();
  await page.locator('[data-test=check-result]').waitFor();
  assert.match(await page.locator('[data-test=check-result]').innerText(), /退回/);
  const back = (await srv.api('grid1', 'GET', '/api/v1/cases/' + c.id)).json.case;
  assert.equal(back.status, 'handling');
  assert.equal(back.fields.verify_failed_reason, '垃圾箱仍有破损，未更换到位');
  assertClean(page);
  await page.context().close();
});
