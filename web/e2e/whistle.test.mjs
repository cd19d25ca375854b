// Whistle summons (吹哨报到, issue 12; docs/whistle.md, docs/ui.md "吹哨报到")
// on the demo county, as the people who do it:
// - leader1 reads the demo's whistle figures on the dashboard (吹哨报到),
//   each card and row against the API's answer and the demo's fixed
//   structure (9 whistles, 15 parts; 园区 5, 濂江镇 3, 长岭乡 1; 2 taken to
//   the county, 3 resolved);
// - park1 (濂江工业园区管委会) follows its whistles on /whistle (公安局 flagged
//   超时 on the 工伤 whistle), is refused an empty whistle beside the
//   fields, then blows an urgent one on 人社局 and 公安局 (30 minutes);
// - rs1 (人社局) reports in from its inbox (报到), feeds back and rates the
//   summons on the case page; zrzy1 sees the 新塘村 whistle it never
//   reported in to flagged 超时 under 待报到;
// - park1 rates 人社局 (考核部门) and reads both ratings on the case page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, selectOption, waitFor, ratePct, shownPeriod } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const PANEL = '[data-test=rates-whistle]';
const TITLE = '园区宏达纺织厂拖欠员工加班费，员工停工聚集';
let created = null; // {id, no} of park1's new whistle

async function kpi(page, key) {
  return (await page.locator(`${PANEL} [data-test="kpi-${key}"] .kpi-value`).innerText()).trim();
}
async function rows(page) {
  await page.locator('[data-test=whistle-page][data-ready="1"]').waitFor();
  return page.locator('[data-test=whistle-table] .el-table__body-wrapper tr.el-table__row').allInnerTexts();
}
function rowByTitle(page, title) {
  return page.locator('[data-test=whistle-table] .el-table__body-wrapper tr.el-table__row').filter({ hasText: title });
}

test('leader1 reads the demo county’s whistle figures: by department and by township, both ratings', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  await page.goto(srv.base + '/dashboard?type=whistle&period=30d');
  await page.locator(`${PANEL} [data-test=kpi-cases] .kpi-value:text-matches("\\\\d")`).waitFor();
  const { from, to } = await shownPeriod(page);
  const api = (await srv.api('leader1', 'GET', `/api/v1/stats/whistle?from=${from}&to=${to}`)).json.report_in;
  // the demo's fixed structure
  assert.deepEqual([api.cases, api.parts, api.resolved, api.escalated], [9, 15, 3, 2]);
  assert.deepEqual(api.by_owner.map((o) => [o.code, o.name, o.cases, o.resolved, o.escalated]), [
    ['park', '濂江工业园区管委会', 5, 2, 1], ['town.a', '濂江镇', 3, 1, 0], ['town.b', '长岭乡', 1, 0, 1]]);
  assert.deepEqual([api.ratings.owner.count, api.ratings.unit.count, api.ratings.unit.yes.duty, api.ratings.unit.no.duty], [7, 4, 3, 1]);
  // what the cards say is the API's answer
  assert.equal(await kpi(page, 'cases'), '9');
  assert.equal(await kpi(page, 'on_time'), ratePct(api.on_time_rate));
  assert.equal(await kpi(page, 'late'), String(api.late));
  assert.equal(await kpi(page, 'resolved'), '33.3%');
  assert.equal(await kpi(page, 'escalated'), '2');
  const unitRows = page.locator(`${PANEL} [data-test=whistle-unit-row]`);
  assert.equal(await unitRows.count(), api.units.length);
  for (const u of api.units) {
    const r = page.locator(`${PANEL} [data-test=whistle-unit-row][data-org="${u.code}"]`);
    assert.equal((await r.locator('[data-test=unit-late]').innerText()).trim(), String(u.late), u.code);
    assert.equal((await r.locator('[data-test=unit-on-time-rate]').innerText()).trim(), ratePct(u.on_time_rate), u.code);
  }
  // 公安局 was late once (the 工伤 whistle: 1.2 hours on a 30-minute limit); 住建局 said one summons was not its duty
  assert.ok(api.units.find((u) => u.code === 'dept.gaj').late >= 1);
  assert.equal((await page.locator(`${PANEL} [data-test=whistle-unit-row][data-org="dept.zj"] [data-test=unit-duty]`).innerText()).trim(), '是 0 · 否 1');
  const owners = await page.locator(`${PANEL} [data-test=whistle-owner-row]`).allInnerTexts();
  assert.deepEqual(owners.map((t) => t.split(/\s+/).filter(Boolean)), [
    ['濂江工业园区管委会', '5', '2', '1', '40%'], ['濂江镇', '3', '1', '0', '33.3%'], ['长岭乡', '1', '0', '1', '0%']]);
  assert.match(await page.locator(`${PANEL} [data-test=whistle-ratings]`).innerText(), /考核部门 7 次.*认定属本部门职责 3 次、不属 1 次/s);
  await shot(page, 'whistle-dashboard');
  assertClean(page);
});

test('park1 follows its whistles (公安局 flagged 超时), is refused an empty whistle, then blows an urgent one', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'park1');
  await page.locator('nav a', { hasText: '吹哨报到' }).click();
  await page.waitForURL((u) => u.pathname === '/whistle');
  const open = await rows(page);
  assert.equal(open.length, 3, '进行中: ' + open.join(' | '));
  const injury = rowByTitle(page, '园区恒丰建材厂工伤赔偿纠纷，家属在厂内聚集');
  assert.match(await injury.innerText(), /紧急/);
  assert.match(await injury.innerText(), /已吹哨待部门报到处置/);
  assert.equal(await injury.locator('[data-test=part][data-org="dept.gaj"]').getAttribute('data-late'), '1');
  assert.match(await injury.locator('[data-test=part][data-org="dept.gaj"]').innerText(), /超时报到.*用时 1 小时 30 分钟.*超时/s);
  assert.equal(await injury.locator('[data-test=part][data-org="dept.rs"]').getAttribute('data-late'), '0');
  assert.match(await injury.locator('[data-test=part][data-org="dept.rs"]').innerText(), /按时报到.*用时 18 分钟/s);
  assert.match(await rowByTitle(page, '园区标准厂房项目周边群众反映施工噪声和渣土问题').innerText(), /尚未吹哨/);
  await shot(page, 'whistle-park-open');
  await page.locator('[data-test=tab-closed]').click();
  await waitFor(async () => (await rows(page)).length === 2, '已办结 lists two');
  const closed = (await rows(page)).join('\n');
  assert.match(closed, /园区鑫达电子厂拖欠62名员工两个月工资/);
  assert.match(closed, /园区两家企业共用道路损坏维修费用分摊争议/);
  await page.locator('[data-test=tab-open]').click();

  // 吹哨 with nothing filled: refused beside the fields, nothing made
  const before = (await srv.api('park1', 'GET', '/api/v1/cases?type=whistle&limit=50')).json.items.length;
  await page.locator('[data-test=blow-open]').click();
  const dlg = page.locator('[data-test=blow-dialog]');
  await dlg.locator('[data-test=blow-submit]').click();
  await dlg.getByText('请选择问题类别').waitFor();
  await dlg.getByText('请至少选择一个召集部门').waitFor();
  assert.equal((await srv.api('park1', 'GET', '/api/v1/cases?type=whistle&limit=50')).json.items.length, before);

  await dlg.locator('[data-test=blow-class-urgent]').click();
  assert.equal((await dlg.locator('[data-test=blow-limit]').innerText()).trim(), '被召集部门须在 30 分钟内（自然时间） 报到');
  await selectOption(page, dlg.locator('[data-test=blow-category]'), '劳资纠纷');
  await field(page, 'blow-title').fill(TITLE);
  await field(page, 'blow-description').fill('宏达纺织厂近两个月未按规定支付员工加班费，约40名员工停工在车间聚集，要求企业当面答复。');
  await field(page, 'blow-place').fill('濂江工业园区宏达纺织厂车间');
  await selectOption(page, dlg.locator('[data-test=blow-orgs]'), '人力资源和社会保障局', { multiple: true });
  await selectOption(page, dlg.locator('[data-test=blow-orgs]'), '公安局', { multiple: true });
  await shot(page, 'whistle-blow-dialog');
  await dlg.locator('[data-test=blow-submit]').click();
  const no = (await page.locator('[data-test=new-case-no]').innerText()).trim();
  assert.match(no, /^CS\d{8}3607\d{6}$/);
  await page.locator('[data-test=new-case-no]').click();
  await page.waitForURL((u) => /^\/cases\/\d+$/.test(u.pathname));
  created = { no, id: Number(new URL(page.url()).pathname.split('/').pop()) };
  const c = (await srv.api('park1', 'GET', '/api/v1/cases/' + created.id)).json.case;
  assert.deepEqual([c.title, c.class, c.status, c.fields.category, c.org.code], [TITLE, 'urgent', 'wh_summoned', '劳资纠纷', 'park']);
  assert.deepEqual(c.assignments.map((a) => a.org.code), ['dept.rs', 'dept.gaj']);
  await page.locator('[data-test=whistle-panel] [data-test=wp-report]').first().waitFor();
  const reports = await page.locator('[data-test=whistle-panel] [data-test=wp-report]').allInnerTexts();
  assert.equal(reports.length, 2);
  for (const r of reports) assert.match(r, /^待报到（时限 /);
  assert.equal(await page.locator('[data-test=whistle-panel] [data-test=wp-late]').count(), 0);
  await shot(page, 'whistle-case-summoned');
  assertClean(page);
});

test('rs1 reports in from its inbox, feeds back and rates the summons; zrzy1 sees its unreported whistle flagged', async () => {
  assert.ok(created, 'the whistle of the test before');
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'rs1');
  await page.waitForURL((u) => u.pathname === '/inbox');
  const row = page.locator('tr[data-test=case-row]').filter({ hasText: created.no });
  await row.locator('[data-test=action-wh_report_in]').click();
  const dlg = page.locator('[data-test=action-dialog]');
  await field(page, 'field-arrival').fill('劳动保障监察大队 黄志坚 13907971234');
  await dlg.locator('[data-test=action-submit]').click();
  await waitFor(async () => (await srv.api('rs1', 'GET', '/api/v1/cases/' + created.id)).json.case.assignments[0].status === 'wh_present', '人社局 reported in');

  await page.goto(srv.base + '/cases/' + created.id);
  const mine = page.locator('[data-test=whistle-panel] tr').filter({ hasText: '人力资源和社会保障局' });
  await mine.getByText(/按时报到/).waitFor();
  assert.match(await mine.innerText(), /报到人员：劳动保障监察大队 黄志坚 13907971234/);
  // Both fields typed while the dialog still opens (its animation slowed
  // tenfold): the end of the opening must not move the focus into 措施 (on
  // a loaded CI machine it once did, mid-fill, and the result went there).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Animation.enable');
  await cdp.send('Animation.setPlaybackRate', { playbackRate: 0.1 });
  await page.locator('[data-test=action-wh_feed_back]').click();
  await field(page, 'input-measures').fill('约谈企业负责人，下达劳动保障监察责令改正指令书。');
  await field(page, 'input-result').fill('企业承诺本周五前补发全部加班费，员工已复工。');
  await new Promise((r) => setTimeout(r, 4000));
  await cdp.send('Animation.setPlaybackRate', { playbackRate: 1 });
  assert.equal(await field(page, 'input-result').evaluate((el) => el === document.activeElement), true,
    'the focus stays in the field typed last');
  assert.equal(await field(page, 'input-measures').inputValue(), '约谈企业负责人，下达劳动保障监察责令改正指令书。');
  assert.equal(await field(page, 'input-result').inputValue(), '企业承诺本周五前补发全部加班费，员工已复工。');
  await page.locator('[data-test=action-dialog] [data-test=action-submit]').click();
  await mine.getByText('结果：企业承诺本周五前补发全部加班费，员工已复工。').waitFor();
  await page.locator('[data-test=action-wh_rate_summons]').click();
  await page.locator('[data-test=opt-duty-true]').click();
  await field(page, 'input-note').fill('欠薪属劳动保障监察职责');
  await page.locator('[data-test=action-dialog] [data-test=action-submit]').click();
  await mine.getByText('属本部门职责 · 欠薪属劳动保障监察职责').waitFor();
  await shot(page, 'whistle-case-rs1');
  assertClean(page);

  // 自然资源局 never reported in to 新塘村's whistle: flagged under 待报到
  const z = await newPage(browser, srv);
  await signIn(z, srv, 'zrzy1');
  await z.goto(srv.base + '/whistle');
  const pending = rowByTitle(z, '新塘村村民建房占用基本农田引发邻里冲突');
  await pending.waitFor();
  assert.equal(await pending.locator('[data-test=part][data-org="dept.zrzy"]').getAttribute('data-late'), '1');
  assert.match(await pending.locator('[data-test=part][data-org="dept.zrzy"]').innerText(), /超时未报到/);
  await shot(z, 'whistle-zrzy-pending');
  assertClean(z);
});

test('park1 rates 人社局 (考核部门) and reads both ratings; on a phone the department reports in', async () => {
  assert.ok(created, 'the whistle of the tests before');
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'park1');
  await page.goto(srv.base + '/cases/' + created.id);
  await page.locator('[data-test=action-wh_rate_unit]').click();
  await selectOption(page, page.locator('[data-test=action-dialog] [data-test=input-org]'), '人力资源和社会保障局');
  await page.locator('[data-test=action-dialog] [data-test=input-timeliness] input').fill('5');
  await page.locator('[data-test=action-dialog] [data-test=input-effect] input').fill('4');
  await field(page, 'input-note').fill('到场迅速，约谈有力');
  await page.locator('[data-test=action-dialog] [data-test=action-submit]').click();
  const rs = page.locator('[data-test=whistle-panel] tr').filter({ hasText: '人力资源和社会保障局' });
  await rs.getByText('及时性 5 分 · 效果 4 分 · 到场迅速，约谈有力').waitFor();
  assert.match(await rs.innerText(), /属本部门职责 · 欠薪属劳动保障监察职责/);
  const c = (await srv.api('park1', 'GET', '/api/v1/cases/' + created.id)).json.case;
  assert.deepEqual([c.assignments[0].ratings.owner.timeliness, c.assignments[0].ratings.owner.effect, c.assignments[0].ratings.unit.duty], [5, 4, true]);
  await shot(page, 'whistle-case-rated');
  assertClean(page);

  // 公安局's officer on a phone reports in from the case page
  const phone = await newPage(browser, srv, { width: 390, height: 844, mobile: true });
  await signIn(phone, srv, 'gaj1');
  await phone.goto(srv.base + '/cases/' + created.id);
  await phone.locator('[data-test=action-wh_report_in]').click();
  await phone.locator('[data-test=action-dialog] [data-test=action-submit]').click();
  await phone.locator('[data-test=whistle-panel] tr').filter({ hasText: '公安局' }).getByText(/报到 /).waitFor();
  await shot(phone, 'whistle-phone-gaj1');
  assertClean(phone);
});
