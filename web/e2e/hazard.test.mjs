// Major accident hazards (docs/hazard.md, docs/ui.md) on the demo county, as
// the people who use them: ent1 (鑫盛公司) reports a hazard of its own with a
// photo from /hazards; insp1 (应急管理局) confirms it major, the enterprise
// sends its plan (the five 落实), insp1 lists it at county level (挂牌督办)
// and accepts the demo's rectified 硝化反应釜 hazard with its own photo;
// insp1 reads the ledger, filters it, exports it, reads the summary table
// and the map; leader1 reads the figures on the dashboard. ent1 never sees
// another enterprise's hazards nor a tip-off's reporter.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, selectOption, waitFor, pngBytes } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const TITLE = '果汁灌装车间CIP清洗间配电柜进水';
let created;

async function ledger(login, q = '') {
  const r = await srv.api(login, 'GET', '/api/v1/hazards/ledger?limit=200' + q);
  assert.equal(r.status, 200);
  return r.json;
}

test('ent1 reports a hazard of its own with a photo; it sees only its own enterprise\'s hazards', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'ent1');
  await page.goto(srv.base + '/hazards');
  await page.locator('[data-test=hazard-ledger] .el-table__body tr').first().waitFor();
  const rows = await page.locator('[data-test=hazard-ledger] .el-table__body tr').allInnerTexts();
  assert.ok(rows.length > 0 && rows.every((r) => r.includes('鑫盛')), 'only its own enterprise: ' + rows.join(' | '));
  assert.equal(await page.locator('[data-test=f-industry]').count(), 0, 'no industry filter for an enterprise');
  await shot(page, 'hazard-1-enterprise-ledger');

  await page.locator('[data-test=hazard-new]').click();
  const dlg = page.locator('[data-test=hazard-dialog]');
  await dlg.waitFor();
  assert.equal(await dlg.locator('[data-test=hz-org]').count(), 0, 'its own org, not chosen');
  // the form refuses before sending what is missing
  await dlg.locator('[data-test=hazard-submit]').click();
  await dlg.locator('.el-form-item__error').filter({ hasText: '请选择隐患类别' }).waitFor();
  await selectOption(page, dlg.locator('[data-test=hz-category]'), '工贸', { exact: true });
  await field(page, 'hz-title').fill(TITLE);
  await field(page, 'hz-description').fill('企业自查发现CIP清洗间配电柜底部进水，柜内接线端子锈蚀，存在触电和短路风险。');
  await field(page, 'hz-place').fill('灌装车间CIP清洗间');
  await dlg.locator('input[data-test=hz-photos]').setInputFiles({ name: '配电柜进水.png', mimeType: 'image/png', buffer: pngBytes() });
  await shot(page, 'hazard-2-self-report');
  await dlg.locator('[data-test=hazard-submit]').click();
  await dlg.locator('[data-test=hazard-done]').waitFor();
  assert.match(await dlg.locator('[data-test=hazard-photo-note]').innerText(), /已上传 1 个现场照片/);
  await dlg.locator('[data-test=hazard-open]').click();
  await page.waitForURL((u) => /^\/cases\/\d+$/.test(u.pathname));
  created = Number(new URL(page.url()).pathname.split('/').pop());
  await page.locator('[data-test=hazard-panel]').waitFor();
  assert.match(await page.locator('[data-test=hp-basics]').innerText(), /企业自查[\s\S]*工贸[\s\S]*灌装车间CIP清洗间[\s\S]*待监管部门核定/);
  const c = (await srv.api('ent1', 'GET', '/api/v1/cases/' + created)).json.case;
  assert.equal(c.status, 'hz_new');
  assert.equal(c.attachments, 1);

  // its overdue, listed hazard: the warning, the listing and the 约谈 on record
  const dust = (await ledger('ent1')).items.find((x) => x.title === '粉尘涉爆车间除尘系统未设泄爆装置');
  await page.goto(srv.base + '/cases/' + dust.id);
  await page.locator('[data-test=hp-interviews] .el-table__body tr').first().waitFor();
  assert.match(await page.locator('[data-test=hp-overdue]').innerText(), /逾期警示 1 次/);
  assert.match(await page.locator('[data-test=hp-listing]').innerText(), /市级挂牌 · 挂牌单位 濂江县应急管理局/);
  assert.match(await page.locator('[data-test=hp-interviews]').innerText(), /李俊峰[\s\S]*总经理[\s\S]*县应急管理局 郭永红[\s\S]*不得复产/);
  assert.match(await page.locator('[data-test=hp-confirmed]').innerText(), /濂江县应急管理局 郭永红/);
  await page.locator('[data-test=hp-interviews]').scrollIntoViewIfNeeded();
  await shot(page, 'hazard-1b-enterprise-overdue-interview');

  assertClean(page);
});

test('a tip-off: ent2 sees that it was reported, never by whom; jw1 (pii.read) does, on the record', async () => {
  const tip = (await ledger('ent2')).items.find((x) => x.title === '群众举报：化工厂夜间偷排废气并动火作业');
  assert.ok(tip, 'ent2 lists the tip-off about it');
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'ent2');
  await page.goto(srv.base + '/cases/' + tip.id);
  await page.locator('[data-test=hazard-panel]').waitFor();
  await page.locator('[data-test=case-timeline], [data-test=timeline-item]').first().waitFor().catch(() => {});
  const body = await page.locator('body').innerText();
  assert.ok(!body.includes('曾庆华') && !body.includes('13607971358') && !body.includes('1358'), 'no reporter on the enterprise\'s screen');
  assert.match(await page.locator('[data-test=case-reporter]').innerText(), /保密/);
  assert.match(await page.locator('[data-test=hp-reward]').innerText(), /2000/);
  await shot(page, 'hazard-1c-tipoff-as-enterprise');
  assertClean(page);
  await page.context().close();
  const jw = await newPage(browser, srv);
  await signIn(jw, srv, 'jw1');
  await jw.goto(srv.base + '/cases/' + tip.id);
  await jw.locator('[data-test=case-reporter]').getByText('曾庆华').waitFor();
  assertClean(jw);
  await jw.context().close();
});

test('insp1 confirms it major; the enterprise plans; insp1 lists it (挂牌督办) and accepts another with its own photo', async () => {
  assert.ok(created, 'the hazard of the test before');
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'insp1');
  await page.goto(srv.base + '/cases/' + created);
  await page.locator('[data-test=action-hz_confirm]').click();
  await page.locator('[data-test=opt-level-重大]').click();
  await field(page, 'input-opinion').fill('配电柜位于潮湿场所且无防护，属重大事故隐患，CIP清洗间停用。');
  await page.locator('[data-test=action-dialog] [data-test=action-submit]').click();
  await page.locator('[data-test=hp-level]').filter({ hasText: '重大隐患' }).waitFor();
  await page.locator('[data-test=case-status]').filter({ hasText: '重大隐患待制定整改方案' }).waitFor();

  // the enterprise sends its plan on its own screen: the five 落实, the deadline by the date picker
  const day = new Date(Date.now() + 40 * 86400e3 + 8 * 3600e3).toISOString().slice(0, 10);
  const ent = await newPage(browser, srv);
  await signIn(ent, srv, 'ent1');
  await ent.goto(srv.base + '/cases/' + created);
  await ent.locator('[data-test=action-hz_plan]').click();
  await field(ent, 'input-plan_leader').fill('李俊峰（总经理）');
  await field(ent, 'input-plan_measures').fill('配电柜移出清洗间，改用IP65防水配电箱，加装漏电保护。');
  await field(ent, 'input-plan_funds').fill('3.5万元，企业自筹');
  await field(ent, 'input-plan_person').fill('陈国强（安全主管）');
  await field(ent, 'input-plan_emergency').fill('触电事故现场处置方案');
  await field(ent, 'input-deadline').fill(day);
  await field(ent, 'input-deadline').press('Enter');
  await ent.locator('[data-test=action-dialog] [data-test=action-submit]').click();
  // once (CI, 2026-12-03 00:26 Shanghai) the status did not change in 10 s and nothing said why
  await ent.locator('[data-test=case-status]').filter({ hasText: '重大隐患整改中' }).waitFor().catch(async (e) => {
    const dialog = await ent.locator('[data-test=action-dialog]').innerText().catch(() => '(no dialog)');
    throw new Error(`the plan did not take: the dialog shows ${dialog}`, { cause: e });
  });
  assert.equal((await srv.api('ent1', 'GET', '/api/v1/cases/' + created)).json.case.fields.deadline, day);
  await ent.locator('[data-test=hp-plan]').scrollIntoViewIfNeeded();
  await shot(ent, 'hazard-3a-enterprise-plan');
  assertClean(ent);
  await ent.context().close();

  await page.locator('[data-test=case-refresh]').click();
  await page.locator('[data-test=hp-plan]').waitFor();
  assert.match(await page.locator('[data-test=hp-plan]').innerText(), /李俊峰（总经理）[\s\S]*IP65防水配电箱[\s\S]*3\.5万元[\s\S]*陈国强[\s\S]*触电事故现场处置方案/);
  assert.match(await page.locator('[data-test=hp-ext-hint]').innerText(), /可在还剩 20 日前申请延期/);
  await page.locator('[data-test=action-hz_list]').click();
  await page.locator('[data-test=opt-listed_level-县级]').click();
  await page.locator('[data-test=action-dialog] [data-test=action-submit]').click();
  await page.locator('[data-test=hp-listing]').waitFor();
  assert.match(await page.locator('[data-test=hp-listing]').innerText(), /县级挂牌 · 挂牌单位 濂江县应急管理局/);
  await shot(page, 'hazard-3-plan-and-listing');

  // acceptance: the demo's rectified hazard needs the inspector's own photo first
  const waiting = (await ledger('insp1', '&status=hz_accepting')).items[0];
  assert.ok(waiting, 'a hazard awaits acceptance');
  await page.goto(srv.base + '/cases/' + waiting.id);
  await page.locator('[data-test=action-hz_accept]').click();
  await field(page, 'input-opinion').fill('现场核查联锁已投用，验收合格。');
  await page.locator('[data-test=action-dialog] [data-test=action-submit]').click();
  await page.locator('[data-test=action-error]').filter({ hasText: '验收须上传现场核查照片' }).waitFor();
  await page.keyboard.press('Escape');
  await page.locator('[data-test=action-dialog]').waitFor({ state: 'hidden' });
  await page.locator('[data-test=attachments] input[type=file]').setInputFiles({ name: '验收现场.png', mimeType: 'image/png', buffer: pngBytes([21, 128, 61]) });
  await waitFor(async () => (await srv.api('insp1', 'GET', '/api/v1/cases/' + waiting.id)).json.case.attachments >= 2, 'the photo');
  await page.locator('[data-test=action-hz_accept]').click();
  await field(page, 'input-opinion').fill('现场核查联锁已投用，验收合格。');
  await page.locator('[data-test=action-dialog] [data-test=action-submit]').click();
  await page.locator('[data-test=case-status]').filter({ hasText: '已销号' }).waitFor();
  assertClean(page);
});

test('insp1: the ledger filtered, exported, its summary table and the map of open major and listed hazards', async () => {
  const page = await newPage(browser, srv, { width: 1440, height: 900 });
  await signIn(page, srv, 'insp1');
  await page.locator('a').filter({ hasText: '事故隐患' }).first().click();
  await page.waitForURL((u) => u.pathname === '/hazards');
  await page.locator('[data-test=hazard-ledger] .el-table__body tr').first().waitFor();
  const all = await ledger('insp1');
  await waitFor(async () => (await page.locator('[data-test=hz-count]').innerText()).includes('共 ' + all.summary.found + ' 项'), 'the count');
  await shot(page, 'hazard-4-ledger');

  await selectOption(page, page.locator('[data-test=f-listed]'), '已挂牌', { exact: true });
  await page.waitForURL((u) => u.searchParams.get('listed') === '1');
  const listed = all.items.filter((x) => x.listed_level);
  await waitFor(async () => (await page.locator('[data-test=hazard-ledger] .el-table__body tr').count()) === listed.length, 'the listed ones');
  for (const t of await page.locator('[data-test=hz-listed]').allInnerTexts()) assert.match(t, /(县级|市级)挂牌/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=hazard-export]').click()]);
  assert.match(download.suggestedFilename(), /^隐患台账-\d{8}\.xlsx$/);

  await page.locator('.el-tabs__item').filter({ hasText: '汇总表' }).click();
  const sumRows = page.locator('[data-test=hazard-summary-row]');
  await sumRows.first().waitFor();
  const listedRow = await page.locator('[data-test=hazard-summary-row][data-label=挂牌督办隐患]').innerText();
  assert.match(listedRow, new RegExp('挂牌督办隐患\\s+' + listed.length));
  await selectOption(page, page.locator('[data-test=f-listed]'), '全部').catch(async () => {
    await page.goto(srv.base + '/hazards?tab=summary');
  });
  await page.goto(srv.base + '/hazards?tab=summary');
  await page.locator('[data-test=hazard-summary-row][data-label=全部隐患]').waitFor();
  assert.match(await page.locator('[data-test=hazard-summary-row][data-label=全部隐患]').innerText(), new RegExp('全部隐患\\s+' + all.summary.found + '\\s+' + all.summary.rectified));
  await shot(page, 'hazard-5-summary');

  await page.locator('.el-tabs__item').filter({ hasText: '隐患地图' }).click();
  const map = (await srv.api('insp1', 'GET', '/api/v1/hazards/map')).json;
  await waitFor(async () => (await page.locator('[data-test=hz-map-note]').innerText()).includes('共 ' + map.features.length + ' 处'), 'the map note');
  assert.ok(map.features.length >= 3);
  await page.waitForTimeout(500);
  await shot(page, 'hazard-6-map');
  assertClean(page);
});

test('leader1 reads the hazard figures on the dashboard', async () => {
  const page = await newPage(browser, srv, { width: 1440, height: 900 });
  await signIn(page, srv, 'leader1');
  await page.goto(srv.base + '/dashboard?type=hazard&period=year');
  await page.locator('[data-test=rates-hazard]').waitFor();
  await page.locator('[data-test=hazard-summary-row]').first().waitFor();
  await waitFor(async () => /\d/.test(await page.locator('[data-test=kpi-found] .kpi-value').innerText()), 'the KPIs');
  await shot(page, 'hazard-7-dashboard');
  assertClean(page);
});
