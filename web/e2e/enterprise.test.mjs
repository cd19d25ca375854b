// The enterprise registry (docs/enterprise.md, docs/ui.md "企业台账") on the
// demo county, as the people who use it: insp1 (应急管理局, enterprise.manage
// over the county) filters the registry, opens an enterprise (contacts
// masked, its hazards, inspections and 约谈 records), registers one (a wrong
// credit code refused beside the field, nothing made) and imports a CSV whose
// bad rows are listed by line; ent1 (an enterprise's own account) lands on
// its own page with its own contacts and sees nothing of another
// enterprise's; jw1 (纪委, pii.read) reads the contacts in full.
// The server also loads the test type `talk` (tests/data/types/talk.json),
// whose action records a 约谈, so the 约谈记录 tab has a row.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launch, newPage, signIn, assertClean, shot, field, selectOption, waitFor, REPO } from './harness.mjs';

const config = await mkdtemp(path.join(tmpdir(), 'civicloop-e2e-config-'));
for (const sub of ['calendar', 'demo', 'types']) await cp(path.join(REPO, 'config', sub), path.join(config, sub), { recursive: true });
await cp(path.join(REPO, 'tests', 'data', 'types', 'talk.json'), path.join(config, 'types', 'talk.json'));
const srv = await startServer({ env: { CIVICLOOP_CONFIG: config } });
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
  await rm(config, { recursive: true, force: true });
});

const list = (await srv.api('insp1', 'GET', '/api/v1/enterprises?limit=200')).json.items;
const ENT1 = list.find((e) => e.code === 'ent.demo1');
const ENT2 = list.find((e) => e.code === 'ent.demo2');

// a 约谈 of ent.demo1's legal representative, recorded by a case action
{
  const c = await srv.api('insp1', 'POST', '/api/v1/cases', { type: 'talk', class: '一般', channel: 'web', title: '冷库氨制冷系统隐患约谈',
    description: '冷库氨制冷系统未按期整改，约谈企业法定代表人。', org: 'ent.demo1' });
  assert.equal(c.status, 201, JSON.stringify(c.json));
  const r = await srv.api('insp1', 'POST', `/api/v1/cases/${c.json.case.id}/actions/interview`, { who: '李俊峰', post: '法定代表人',
    when: new Date(Date.now() - 2 * 3600e3).toISOString(), by: '县应急管理局 郭永红', what: '责令 7 日内完成氨制冷系统泄漏报警装置整改，逾期依法处理。' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

async function rows(page) {
  await page.waitForFunction(() => !document.querySelector('[data-test=enterprises-table] .el-loading-mask:not([style*="display: none"])'));
  return page.locator('[data-test=enterprises-table] .el-table__body tr').allInnerTexts();
}

test('insp1: the registry, its filters, an enterprise\'s page with masked contacts and its 约谈 records', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'insp1');
  await page.locator('a').filter({ hasText: '企业台账' }).first().click();
  await page.waitForURL((u) => u.pathname === '/enterprises');
  await waitFor(async () => (await rows(page)).length === 15, 'the 15 demo enterprises');
  await shot(page, 'enterprise-1-registry');

  await selectOption(page, page.locator('[data-test=filter-risk]'), '红');
  await waitFor(async () => (await rows(page)).length === 3, 'the three red ones');
  for (const r of await rows(page)) assert.match(r, /^红/);
  await page.waitForURL((u) => u.searchParams.get('risk_level') === '红');
  await field(page, 'filter-q').fill('煤矿');
  await field(page, 'filter-q').press('Enter');
  await waitFor(async () => (await rows(page)).length === 1, 'the coal mine');
  assert.match((await rows(page))[0], /濂江县长岭煤矿[\s\S]*煤矿[\s\S]*长岭乡/);
  await page.locator('[data-test=filter-q] input, input[data-test=filter-q]').first().fill('');
  await selectOption(page, page.locator('[data-test=filter-risk]'), '黄');
  await waitFor(async () => (await rows(page)).some((r) => r.includes('鑫盛脐橙')), 'ent.demo1 among the yellow ones');

  await page.locator('[data-test=enterprise-name]').filter({ hasText: '鑫盛脐橙' }).click();
  await page.waitForURL((u) => u.pathname === `/enterprises/${ENT1.id}`);
  await page.locator('[data-test=enterprise-title]').filter({ hasText: '濂江县鑫盛脐橙食品有限公司' }).waitFor();
  assert.equal(await page.locator('[data-test=info-credit]').innerText(), ENT1.credit_code);
  assert.match(await page.locator('[data-test=info-place]').innerText(), /濂江镇 \/ 新塘村第一网格/);
  assert.match(await page.locator('[data-test=contact-legal_rep]').innerText(), /李\*\*\s*181\*\*\*\*0483/);
  await page.locator('[data-test=contacts-masked]').waitFor();
  // the hazard and inspection tabs: the enterprise's own cases of each type
  // (the demo's 4 hazards and 1 inspection of 鑫盛), by the case's org
  const tabRows = (code) => page.locator(`[data-test=tab-${code}] .el-table__body tr`);
  await waitFor(async () => (await tabRows('hazard').count()) === 4, "鑫盛's four hazards");
  assert.match((await tabRows('hazard').allInnerTexts()).join('\n'), /YH\d+/);
  await page.locator('.el-tabs__item').filter({ hasText: '检查' }).first().click();
  await waitFor(async () => (await tabRows('inspection').count()) === 1, "鑫盛's inspection");
  await page.locator('.el-tabs__item').filter({ hasText: '约谈记录' }).click();
  const ivRows = page.locator('[data-test=interviews-table] .el-table__body tr');
  await ivRows.first().waitFor();
  const talks = (await ivRows.allInnerTexts()).join('\n');
  assert.match(talks, /约谈[\s\S]*李俊峰（法定代表人）[\s\S]*县应急管理局 郭永红[\s\S]*氨制冷系统/);
  assert.match(talks, /整改逾期/, "the overdue hazard's 约谈 too");
  await shot(page, 'enterprise-2-page-inspector');
  assertClean(page);
});

test('insp1: registering an enterprise (a wrong check character refused beside the field) and a CSV import with bad rows', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'insp1');
  await page.goto(srv.base + '/enterprises');
  await page.locator('[data-test=enterprise-new]').click();
  const dlg = page.locator('[data-test=enterprise-dialog]').last();
  await dlg.waitFor();
  await field(page, 'ent-name').fill('濂江县恒安物流有限公司');
  await field(page, 'ent-credit-code').fill('91360727MA4A1B2CX8');
  await selectOption(page, dlg.locator('[data-test=ent-industry]'), '交通运输');
  await dlg.locator('[data-test=ent-risk-橙]').click();
  await field(page, 'ent-address').fill('长岭乡长岭村物流园 6 号');
  await field(page, 'ent-lng').fill('114.966');
  await field(page, 'ent-lat').fill('25.71');
  await field(page, 'ent-legal_rep-name').fill('周恒安');
  await field(page, 'ent-legal_rep-phone').fill('13979700001');
  await page.locator('[data-test=enterprise-save]').click();
  await dlg.locator('.el-form-item__error').filter({ hasText: '校验位应为 7' }).waitFor();
  await shot(page, 'enterprise-3-register-refused');
  const none = (await srv.api('insp1', 'GET', '/api/v1/enterprises?q=' + encodeURIComponent('恒安物流'))).json.items;
  assert.equal(none.length, 0, 'nothing made');
  await field(page, 'ent-credit-code').fill('91360727MA4A1B2CX7');
  await page.locator('[data-test=enterprise-save]').click();
  await page.waitForURL((u) => /^\/enterprises\/\d+$/.test(u.pathname));
  await page.locator('[data-test=enterprise-title]').filter({ hasText: '濂江县恒安物流有限公司' }).waitFor();
  assert.match(await page.locator('[data-test=info-place]').innerText(), /长岭乡 \/ 长岭村网格/, 'placed by its point');
  // 修改: the risk level raised; the badge follows, the change is on the chain
  await page.locator('[data-test=enterprise-edit]').click();
  const edlg = page.locator('[data-test=enterprise-dialog]').last();
  await edlg.waitFor();
  assert.equal(await field(page, 'ent-name').inputValue(), '濂江县恒安物流有限公司');
  // insp1 has no pii.read: the contact it registered is a masked hint, never a value to send back
  assert.equal(await field(page, 'ent-legal_rep-name').inputValue(), '');
  assert.equal(await field(page, 'ent-legal_rep-name').getAttribute('placeholder'), '已登记：周**');
  await edlg.locator('[data-test=ent-risk-红]').click();
  await shot(page, 'enterprise-3b-edit-masked');
  await page.locator('[data-test=enterprise-save]').click();
  await page.locator('.head [data-test=risk-badge]').filter({ hasText: '红' }).waitFor();
  const created = (await srv.api('insp1', 'GET', '/api/v1/enterprises?q=' + encodeURIComponent('恒安物流'))).json.items[0];
  assert.equal(created.risk_level, '红');
  assert.equal(created.version, 2);

  // the import: a file with two bad rows is refused whole, each row named
  await page.goto(srv.base + '/enterprises');
  await page.locator('[data-test=enterprise-import]').click();
  const idlg = page.locator('[data-test=import-dialog]').last();
  await idlg.waitFor();
  const csv = path.join(srv.dir, 'bad.csv');
  await writeFile(csv, '\ufeff企业名称,统一社会信用代码,行业类别,风险等级,所属乡镇\n' +
    '濂江县好的有限公司,91360727MA4D3E4F9L,工贸,黄,濂江镇\n' +
    '濂江县坏的有限公司,91360727MA4D3E4F9M,工贸,黄,濂江镇\n' +
    '濂江县钢铁有限公司,91360727MA4G5H6J6N,钢铁,紫,濂江镇\n');
  await page.locator('[data-test=import-file]').setInputFiles(csv);
  await page.locator('[data-test=import-submit]').click();
  await page.locator('[data-test=import-error]').filter({ hasText: '2 行有误，没有导入任何企业' }).waitFor();
  const bad = await page.locator('[data-test=import-bad-rows] .el-table__body tr').allInnerTexts();
  assert.equal(bad.length, 2);
  assert.match(bad[0], /3\s+统一社会信用代码\s+统一社会信用代码校验位应为 L/);
  assert.match(bad[1], /4\s+行业类别/);
  await shot(page, 'enterprise-4-import-errors');
  const still = (await srv.api('insp1', 'GET', '/api/v1/enterprises?q=' + encodeURIComponent('好的有限'))).json.items;
  assert.equal(still.length, 0, 'the good row was not written either');
  // fixed, the same dialog imports it
  await writeFile(csv, '企业名称,统一社会信用代码,行业类别,风险等级,所属乡镇\n濂江县好的有限公司,91360727MA4D3E4F9L,工贸,黄,濂江镇\n');
  await page.locator('[data-test=import-file]').setInputFiles(csv);
  await page.locator('[data-test=import-submit]').click();
  await page.locator('[data-test=import-result]').filter({ hasText: '新增 1 家，更新 0 家，未变 0 家' }).waitFor();
  assertClean(page);
});

test('ent1: its own page is its home, with its own contacts; another enterprise is not there', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'ent1');
  await page.waitForURL((u) => u.pathname === `/enterprises/${ENT1.id}`);
  await page.locator('[data-test=enterprise-title]').filter({ hasText: '鑫盛脐橙' }).waitFor();
  assert.match(await page.locator('[data-test=contact-legal_rep]').innerText(), /李俊峰\s*18179720483/);
  assert.equal(await page.locator('[data-test=contacts-masked]').count(), 0);
  assert.equal(await page.locator('[data-test=enterprise-edit]').count(), 0, 'no enterprise.manage');
  assert.equal(await page.locator('nav a').filter({ hasText: '企业台账' }).count(), 0, 'no registry in its menu');
  await page.locator('.el-tabs__item').filter({ hasText: '约谈记录' }).click();
  await page.locator('[data-test=interviews-table] .el-table__body tr').first().waitFor();
  await shot(page, 'enterprise-5-own-page');
  await page.goto(srv.base + `/enterprises/${ENT2.id}`);
  await page.locator('[data-test=enterprise-error]').filter({ hasText: '企业不存在或您无权查看' }).waitFor();
  assert.equal(await page.locator('[data-test=enterprise-title]').count(), 0);
  await page.goto(srv.base + '/enterprises');
  await page.waitForURL((u) => u.pathname === `/enterprises/${ENT1.id}`);
  assertClean(page);
});

test('jw1: the contacts in full (pii.read), recorded', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'jw1');
  await page.goto(srv.base + `/enterprises/${ENT2.id}`);
  await page.locator('[data-test=enterprise-title]').filter({ hasText: '宏达化工' }).waitFor();
  assert.match(await page.locator('[data-test=contact-safety_officer]').innerText(), /钟伟明\s*15879712345/);
  await shot(page, 'enterprise-6-discipline');
  assertClean(page);
});
