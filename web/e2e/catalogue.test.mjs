// 派单目录 (docs/routing.md, docs/ui.md): the admin reads the demo
// catalogue, filters it, edits an entry and saves a new version (seen in
// 版本历史); a save based on a stale version is refused with the reload
// prompt and the edits kept; a CSV with a bad org is refused line by line and
// changes nothing, a good one becomes a version; hostile text stays text;
// disp1 reads it without edit controls, cg1 cannot open it. The case list's
// 落格 filter finds a case registered outside every township.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  REPO, startServer, launch, newPage, signIn, signOut, assertClean, shot, field, timeFirstScreen, waitFor, selectOption, rowOf,
} from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const LIMIT_MS = 3000;
const DEMO = JSON.parse(await readFile(path.join(REPO, 'config', 'demo', 'catalogue.json'), 'utf8'));
const HOSTILE = '<img src=x onerror=alert(1)>';
const state = {};

const current = async () => (await srv.api('admin', 'GET', '/api/v1/catalogue')).json;
const count = (page) => page.locator('.cat-page [data-test=catalogue-count]').innerText();

async function guard(page) {
  page.on('dialog', (d) => {
    page.problems.push('a script dialog opened: ' + d.message());
    d.dismiss();
  });
}

test('admin opens 派单目录 from the nav and sees the demo entries', async () => {
  const page = await newPage(browser, srv);
  guard(page);
  state.page = page;
  await signIn(page, srv, 'admin');
  const link = page.locator('nav .nav-link', { hasText: '派单目录' });
  await link.waitFor();
  await link.click();
  await page.waitForURL((u) => u.pathname === '/admin/catalogue');
  const ms = await timeFirstScreen(page, srv.base + '/admin/catalogue', '.cat-page tr.entry-row', 'catalogue (admin, 102 entries)');
  assert.ok(ms < LIMIT_MS, `first screen in ${Math.round(ms)} ms`);
  await waitFor(async () => (await count(page)) === `共 ${DEMO.entries.length} 条`, 'the entry count');
  assert.match(await page.locator('[data-test=catalogue-version]').innerText(), /当前第 1 版/);
  assert.equal(await page.locator('.cat-page tr.entry-row').count(), 50, 'one client page of 50 rows');
  // codes are named: the first demo entry is 城市管理局's
  assert.match(await page.locator('[data-test=entry-org-name]').first().innerText(), /城市管理局/);
  const town = DEMO.entries.findIndex((e) => e.org === '@township');
  assert.ok(town >= 0);
  await shot(page, 'catalogue-admin');
  assertClean(page);
});

test('filtering by 路灯 and adding a keyword, saved as a new version with a note', async () => {
  const page = state.page;
  await field(page, 'catalogue-filter-q').fill('路灯');
  const want = DEMO.entries.filter((e) => [e.category, e.duty, ...e.keywords, ...(e.negative || [])].some((s) => s && s.includes('路灯')));
  await waitFor(async () => (await count(page)) === `筛选出 ${want.length} 条（共 ${DEMO.entries.length} 条）`, 'the filtered count');
  const row = page.locator('.cat-page tr.entry-row', { hasText: '市政设施-路灯' });
  await row.waitFor();
  assert.ok(await row.locator('[data-test=entry-keyword]', { hasText: '路灯' }).count() > 0);

  // Typing while the dialog still opens: its animation slowed tenfold
  // (300 ms → 3 s), the keyword goes in before the dialog has opened, and
  // the end of the opening must not move the focus away from it (it once
  // sent the rest of a fill into 事项类别 on a loaded machine).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Animation.enable');
  await cdp.send('Animation.setPlaybackRate', { playbackRate: 0.1 });
  await row.locator('[data-test=entry-edit]').click();
  const dlg = page.locator('.el-dialog[data-test=entry-dialog]');
  await dlg.waitFor();
  const kw = field(page, 'entry-keywords');
  await kw.fill('路灯闪烁');
  await kw.press('Enter');
  await dlg.locator('[data-test=entry-keywords-tag]', { hasText: '路灯闪烁' }).waitFor();
  await new Promise((r) => setTimeout(r, 4000));
  await cdp.send('Animation.setPlaybackRate', { playbackRate: 1 });
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'ed-keywords',
    'the focus stays where the user typed');
  assert.equal(await field(page, 'entry-category').inputValue(), '市政设施-路灯');
  await shot(page, 'catalogue-edit-dialog');
  await dlg.locator('[data-test=entry-ok]').click();
  await dlg.waitFor({ state: 'hidden' });
  await page.locator('[data-test=catalogue-dirty]', { hasText: '修改 1 条' }).waitFor();
  await row.locator('[data-test=entry-changed]').waitFor();

  await page.locator('[data-test=catalogue-save]').click();
  await field(page, 'save-note').fill('路灯事项增加关键词');
  await page.locator('[data-test=save-confirm]').click();
  await page.locator('[data-test=catalogue-version]', { hasText: '当前第 2 版' }).waitFor();
  await page.locator('[data-test=catalogue-dirty]').waitFor({ state: 'hidden' });
  const doc = await current();
  assert.equal(doc.version, 2);
  assert.equal(doc.note, '路灯事项增加关键词');
  assert.equal(doc.created_by.login, 'admin');
  assert.ok(doc.entries.find((e) => e.category === '市政设施-路灯').keywords.includes('路灯闪烁'));
  assert.equal(doc.entries.length, DEMO.entries.length);

  // 版本历史: version 2 first with its note; version 1 read-only
  await page.locator('[data-test=catalogue-versions]').click();
  const drawer = page.locator('.el-drawer[data-test=versions-drawer]');
  await drawer.locator('tr.version-row').nth(1).waitFor();
  const first = drawer.locator('tr.version-row').first();
  assert.match(await first.innerText(), /第 2 版[\s\S]*路灯事项增加关键词[\s\S]*钟志明|第 2 版[\s\S]*路灯事项增加关键词/);
  assert.match(await first.locator('[data-test=version-note]').innerText(), /路灯事项增加关键词/);
  await shot(page, 'catalogue-versions');
  await drawer.locator('tr.version-row').nth(1).locator('[data-test=version-view]').click();
  await drawer.locator('[data-test=version-title]', { hasText: '第 1 版（只读）' }).waitFor();
  await drawer.locator('tr.entry-row').first().waitFor();
  assert.equal(await drawer.locator('[data-test=entry-edit]').count(), 0, 'an old version is read-only');
  assert.equal(await drawer.locator('tr.entry-row', { hasText: '市政设施-路灯' }).locator('[data-test=entry-keyword]', { hasText: '路灯闪烁' }).count(), 0,
    'version 1 has not the new keyword');
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'hidden' });
  assertClean(page);
});

test('a save based on a stale version: the reload prompt, the edits kept', async () => {
  const page = state.page;
  const row = page.locator('.cat-page tr.entry-row', { hasText: '市政设施-路灯' });
  await row.locator('[data-test=entry-edit]').click();
  const dlg = page.locator('.el-dialog[data-test=entry-dialog]');
  await dlg.waitFor();
  await field(page, 'entry-keywords').fill('灯光昏暗');
  await field(page, 'entry-keywords').press('Enter');
  await dlg.locator('[data-test=entry-ok]').click();
  await dlg.waitFor({ state: 'hidden' });

  // another session saves first
  const base = await current();
  const other = await srv.api('admin', 'PUT', '/api/v1/catalogue', { entries: base.entries, note: '另一处保存', version: base.version });
  assert.equal(other.status, 200, JSON.stringify(other.json));
  assert.equal(other.json.version, 3);

  await page.locator('[data-test=catalogue-save]').click();
  await field(page, 'save-note').fill('我的修改');
  await page.locator('[data-test=save-confirm]').click();
  const alert = page.locator('[data-test=catalogue-conflict]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /其他人已保存了更新的版本（第 3 版）/);
  // the edits are still on the page, unsaved
  await row.locator('[data-test=entry-keyword]', { hasText: '灯光昏暗' }).waitFor();
  await page.locator('[data-test=catalogue-dirty]', { hasText: '修改 1 条' }).waitFor();
  assert.equal((await current()).version, 3, 'nothing saved');
  await shot(page, 'catalogue-conflict');

  await alert.locator('[data-test=conflict-reload]').click();
  await page.locator('.el-message-box').waitFor();
  await page.locator('.el-message-box .el-button--primary').click();
  await page.locator('[data-test=catalogue-version]', { hasText: '当前第 3 版' }).waitFor();
  await alert.waitFor({ state: 'hidden' });
  await page.locator('[data-test=catalogue-dirty]').waitFor({ state: 'hidden' });
  assert.equal(await row.locator('[data-test=entry-keyword]', { hasText: '灯光昏暗' }).count(), 0);
  assertClean(page);
});

async function importFile(page, name, text) {
  await page.locator('[data-test=catalogue-import]').click();
  const dlg = page.locator('.el-dialog[data-test=import-dialog]');
  await dlg.waitFor();
  await dlg.locator('input[data-test=import-file]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
  await field(page, 'import-note').fill('导入测试');
  await dlg.locator('[data-test=import-submit]').click();
  return dlg;
}

test('a CSV with an org that does not exist: its line is named, nothing changes', async () => {
  const page = state.page;
  await field(page, 'catalogue-filter-q').fill('');
  const before = await current();
  const csv = '\uFEFForg,category,duty,keywords,negative\n'
    + 'dept.cg,市政设施-路灯,负责路灯,路灯、路灯不亮,\n'
    + 'dept.nosuch,不存在的单位,,随便、什么,\n'
    + 'dept.sl,水利,,"河道,水库",\n';
  const dlg = await importFile(page, '派单目录-错.csv', csv);
  const errors = dlg.locator('[data-test=import-errors]');
  await errors.waitFor();
  assert.match(await errors.innerText(), /没有任何改动/);
  const lines = await errors.locator('[data-test=import-error-line]').allInnerTexts();
  assert.equal(lines[0], '第 3 行', 'the server names the bad line first');
  assert.match(await errors.locator('[data-test=import-error-message]').first().innerText(), /没有这个单位/);
  await shot(page, 'catalogue-import-error');
  const after = await current();
  assert.equal(after.version, before.version, 'no new version');
  assert.deepEqual(after.entries, before.entries);
  await dlg.locator('[data-test=import-cancel]').click();
  await dlg.waitFor({ state: 'hidden' });
  assertClean(page);
});

test('a good CSV becomes a new version; hostile text renders as text', async () => {
  const page = state.page;
  const before = await current();
  const csv = 'org,category,duty,keywords,classes,region,negative\r\n'
    + 'dept.cg,市政设施-路灯,负责城区道路照明设施的维护管理,路灯、路灯不亮、' + HOSTILE + ',,county,\r\n'
    + '@township,"村组道路, ""通组路""",,村道；通组路,投诉,,\r\n'
    + 'ent.water,<b>供水</b>,,停水、水压低,,town.a,圩日\r\n';
  const dlg = await importFile(page, 'catalogue.csv', csv);
  await dlg.waitFor({ state: 'hidden' });
  await page.locator('[data-test=catalogue-version]', { hasText: `当前第 ${before.version + 1} 版` }).waitFor();
  await waitFor(async () => (await count(page)) === '共 3 条', 'three entries');
  const doc = await current();
  assert.equal(doc.version, before.version + 1);
  assert.equal(doc.note, '导入测试');
  assert.deepEqual(doc.entries.map((e) => e.org), ['dept.cg', '@township', 'ent.water']);

  const tag = page.locator('[data-test=entry-keyword]', { hasText: 'onerror' });
  assert.equal(await tag.innerText(), HOSTILE, 'the keyword shows as typed');
  assert.equal(await page.locator('tr.entry-row img').count(), 0, 'no element made from a keyword');
  assert.equal(await page.locator('tr.entry-row b').count(), 0, 'no element made from a category');
  assert.ok(await page.locator('[data-test=entry-category-text]', { hasText: '<b>供水</b>' }).count() === 1);
  assert.match(await page.locator('.cat-page tr.entry-row').nth(1).innerText(), /所在乡镇（属地）[\s\S]*村组道路, "通组路"/);
  assert.match(await page.locator('.cat-page tr.entry-row').nth(2).innerText(), /濂江镇/, 'the region named');
  assert.equal(await page.evaluate(() => window.__xss || null), null);
  await shot(page, 'catalogue-imported');

  // a new entry with a hostile keyword typed into the dialog, not saved: the guard asks before leaving
  await page.locator('[data-test=catalogue-add]').click();
  const ed = page.locator('.el-dialog[data-test=entry-dialog]');
  await ed.waitFor();
  await ed.locator('[data-test=entry-ok]').click();
  await ed.locator('.el-form-item__error', { hasText: '请选择承办单位' }).waitFor();
  await ed.locator('.el-form-item__error', { hasText: '请填写事项类别' }).waitFor();
  await ed.locator('.el-form-item__error', { hasText: '请至少填写 1 个关键词' }).waitFor();
  await ed.locator('[data-test=entry-org-mode-township]').click();
  await field(page, 'entry-category').fill('测试<script>window.__xss=1</script>');
  await field(page, 'entry-keywords').fill('甲、乙、甲');
  await field(page, 'entry-keywords').press('Enter');
  await ed.locator('[data-test=entry-keywords-tag]').nth(1).waitFor();
  assert.equal(await ed.locator('[data-test=entry-keywords-tag]').count(), 2, 'a duplicate is not added twice');
  await ed.locator('[data-test=entry-ok]').click();
  await ed.waitFor({ state: 'hidden' });
  await page.locator('[data-test=catalogue-dirty]', { hasText: '新增 1 条' }).waitFor();
  assert.equal(await page.evaluate(() => window.__xss || null), null);
  await page.locator('nav .nav-link', { hasText: '工单查询' }).click();
  await page.locator('.el-message-box', { hasText: '未保存的修改' }).waitFor();
  await page.locator('.el-message-box .el-button', { hasText: '留在此页' }).click();
  assert.equal(new URL(page.url()).pathname, '/admin/catalogue', 'stayed on the page');
  await page.locator('[data-test=catalogue-discard]').click();
  await page.locator('.el-message-box .el-button--primary').click();
  await page.locator('[data-test=catalogue-dirty]').waitFor({ state: 'hidden' });
  assertClean(page);
  await signOut(page);
});

test('disp1 reads the catalogue without edit controls; cg1 may not open it', async () => {
  const page = state.page;
  await signIn(page, srv, 'disp1');
  await page.locator('nav .nav-link', { hasText: '派单目录' }).waitFor();
  const ms = await timeFirstScreen(page, srv.base + '/admin/catalogue', '.cat-page tr.entry-row', 'catalogue (dispatcher, read-only)');
  assert.ok(ms < LIMIT_MS, `first screen in ${Math.round(ms)} ms`);
  await page.locator('[data-test=catalogue-readonly]').waitFor();
  for (const t of ['entry-edit', 'entry-delete', 'catalogue-add', 'catalogue-import', 'catalogue-save']) {
    assert.equal(await page.locator(`[data-test=${t}]`).count(), 0, `no ${t} for a dispatcher`);
  }
  assert.ok(await page.locator('[data-test=catalogue-export-csv]').count(), 'the export is offered');
  await shot(page, 'catalogue-dispatcher');
  await signOut(page);

  await signIn(page, srv, 'cg1');
  assert.equal(await page.locator('nav .nav-link', { hasText: '派单目录' }).count(), 0, 'not in the nav');
  await page.goto(srv.base + '/admin/catalogue');
  await page.waitForURL((u) => u.pathname === '/inbox');
  await page.locator('.route-denied', { hasText: '无权访问「派单目录」' }).waitFor();
  assert.equal(await page.locator('.cat-page tr.entry-row').count(), 0);
  const api = await srv.api('cg1', 'GET', '/api/v1/catalogue');
  assert.equal(api.status, 403);
  assertClean(page);
  await signOut(page);
});

test('the Cases page: 落格 = 未落入网格 lists a case registered outside every township', async () => {
  const page = state.page;
  const r = await srv.api('op1', 'POST', '/api/v1/cases', {
    type: 'hotline', class: '投诉', channel: 'phone',
    title: '县道旁废弃厂房有人焚烧垃圾',
    description: '来电人反映县道旁废弃厂房有人焚烧垃圾，烟很大。',
    reporter: { name: '测试人', phone: '13900001234' },
    location: { lat: 25.74, lng: 114.95, address: '县道旁废弃厂房' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const c = r.json.case;
  assert.equal(c.placement.status, 'outside', 'the point lies in no township');

  await signIn(page, srv, 'disp1');
  const ms = await timeFirstScreen(page, srv.base + '/cases?placement=outside', 'tr[data-test=case-row]', 'cases (placement=outside)');
  assert.ok(ms < LIMIT_MS, `first screen in ${Math.round(ms)} ms`);
  await rowOf(page, c.no).waitFor();
  await rowOf(page, c.no).locator('[data-test=case-outside]', { hasText: '未落格' }).waitFor();
  assert.match(await page.locator('[data-test=filter-placement]').innerText(), /未落入网格/);
  await shot(page, 'cases-placement-outside');

  // 已落格 from the control: the URL follows, the case is not listed
  await selectOption(page, page.locator('[data-test=filter-placement]'), '已落格', { exact: true });
  await page.waitForURL((u) => u.searchParams.get('placement') === 'placed');
  await page.locator('tr[data-test=case-row]').first().waitFor();
  await waitFor(async () => (await rowOf(page, c.no).count()) === 0, 'the outside case gone from 已落格');
  assert.equal(await page.locator('[data-test=case-outside]').count(), 0);
  // and back to 全部: no placement in the URL
  await selectOption(page, page.locator('[data-test=filter-placement]'), '落格：全部', { exact: true });
  await page.waitForURL((u) => !u.searchParams.has('placement'));
  assertClean(page);
  await signOut(page);

  // the dashboard's map links to the list
  await signIn(page, srv, 'leader1');
  await page.goto(srv.base + '/dashboard');
  await page.locator('.map-slot').scrollIntoViewIfNeeded();
  const link = page.locator('[data-test=map-outside]');
  await link.waitFor({ timeout: 15000 });
  assert.equal((await link.innerText()).trim(), '未落入网格 1 件 ›');
  await link.click();
  await page.waitForURL((u) => u.pathname === '/cases' && u.searchParams.get('placement') === 'outside');
  await rowOf(page, c.no).waitFor();
  assertClean(page);
  await page.context().close();
});
