// Listed tasks (docs/task.md, docs/ui.md "任务清单") on the demo county, as
// the people who use them: dcs1 (县委县政府督查室, the lists' owner) reads
// 濂江县2026年为民办实事项目 in the seeds' form, filters the task whose step
// is overdue, puts a new task on the list (a refusal keeps the form and
// makes nothing) and issues it to 城市管理局; zj1 (住建局) reports progress
// with a photo and a step done; dcs1 checks and closes (销号) the 医保
// task; anyone on a phone reads the public list page (no names); leader1
// reads the figures on the dashboard.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, selectOption, waitFor, pngBytes } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const NEW = '城区公厕提升改造20座';
async function taskByTitle(login, title) {
  const r = await srv.api(login, 'GET', '/api/v1/cases?type=task&limit=50');
  return r.json.items.find((c) => c.title === title);
}
async function rows(page) {
  await page.waitForFunction(() => !document.querySelector('[data-test=task-table] .el-loading-mask:not([style*="display: none"])'));
  return page.locator('[data-test=task-table] .el-table__body tr').allInnerTexts();
}
async function act(page, code) {
  await page.locator(`[data-test=action-${code}]`).first().click();
  const dlg = page.locator('.action-dialog').last();
  await dlg.waitFor();
  return dlg;
}

test('dcs1: the list in the seeds\' form, the overdue filter, a new task (refused, then put on the list) issued to 城市管理局', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'dcs1');
  await page.locator('.el-menu-item, a, [role=menuitem]').filter({ hasText: '任务清单' }).first().click();
  await page.waitForURL((u) => u.pathname === '/tasks');
  await page.locator('[data-test=list-1]').click();
  await page.waitForURL((u) => u.searchParams.get('list') === '1');
  await waitFor(async () => (await page.locator('[data-test=list-title]').innerText()) === '濂江县2026年为民办实事项目', 'list 1');
  assert.equal((await page.locator('[data-test=list-summary]').innerText()).trim(),
    '共 6 项任务，完成或阶段性完成 3 项（完成 2 项、阶段性完成 1 项），已销号 1 项；1 项任务有时间节点逾期（共 1 个节点）。');
  assert.match(await page.locator('[data-test=list-levels]').innerText(), /市级领导领办 1 项\s*县级领导领办 4 项\s*部门负责人领办 1 项/);
  const all = await rows(page);
  assert.equal(all.length, 6);
  assert.match(all[0], /城区新增公共停车泊位800个[\s\S]*县级[\s\S]*濂江县城市管理局 \/ 濂江县公安局[\s\S]*已完成已销号/);
  assert.match(all[5], /城乡公交线路延伸至偏远村组[\s\S]*待下达[\s\S]*已列入清单待下达/);
  await shot(page, 'task-1-owner');

  await page.locator('[data-test=filter-overdue]').click();
  await waitFor(async () => (await rows(page)).length === 1, 'the overdue filter');
  const late = (await rows(page))[0];
  assert.match(late, /农村饮水安全巩固提升工程/);
  assert.match(late, /节点逾期 1/);
  assert.match(late, /55%/);
  await page.locator('[data-test=filter-overdue]').click();
  await waitFor(async () => (await rows(page)).length === 6, 'all again');

  // a new task: without a leader's org the server refuses beside the field, nothing is made
  await page.locator('[data-test=item-new]').click();
  const dlg = page.locator('[data-test=item-dialog]').last();
  await dlg.waitFor();
  await field(page, 'item-title').fill(NEW);
  await field(page, 'item-description').fill('对城区20座老旧公厕实施提升改造，增设无障碍设施和第三卫生间。');
  await field(page, 'item-target').fill('2027年6月底前完成20座公厕提升改造并投入使用。');
  await field(page, 'item-leader').fill('王建平');
  await field(page, 'step-name-0').fill('完成改造设计');
  await field(page, 'step-due-0').fill('2027-03-31');
  await field(page, 'step-due-0').press('Enter');
  await page.locator('[data-test=item-save]').click();
  await dlg.locator('.el-form-item__error').filter({ hasText: /leader_org|缺少/ }).first().waitFor();
  assert.equal(await taskByTitle('dcs1', NEW), undefined, 'nothing made');
  assert.equal(await field(page, 'item-title').inputValue(), NEW, 'the form keeps what was typed');
  await selectOption(page, dlg.locator('[data-test=item-leader-org]'), '赣州市濂江县');
  await page.locator('[data-test=step-add]').click();
  await field(page, 'step-name-1').fill('20座公厕全部投入使用');
  await field(page, 'step-due-1').fill('2027-06-30');
  await field(page, 'step-due-1').press('Enter');
  await shot(page, 'task-2-new-item');
  await page.locator('[data-test=item-save]').click();
  await dlg.waitFor({ state: 'hidden' });
  await waitFor(async () => /共 7 项任务/.test(await page.locator('[data-test=list-summary]').innerText()), '7 tasks');
  const made = await taskByTitle('dcs1', NEW);
  assert.ok(made, 'the task is made');
  const full = (await srv.api('dcs1', 'GET', `/api/v1/cases/${made.id}`)).json.case;
  assert.deepEqual(full.fields.milestones, [{ name: '完成改造设计', due: '2027-03-31' }, { name: '20座公厕全部投入使用', due: '2027-06-30' }]);
  assert.equal(full.fields.leader_org, 'county');
  assert.equal(full.status, 'tk_draft');

  // issue it: the case page's 下达任务
  await page.locator('[data-test=task-title]').filter({ hasText: NEW }).click();
  await page.waitForURL((u) => u.pathname === `/cases/${made.id}`);
  const issue = await act(page, 'tk_issue');
  await selectOption(page, issue.locator('[data-test=unit-row] .unit-select').first(), '城市管理局');
  await shot(page, 'task-3-issue');
  await issue.locator('[data-test=action-submit]').click();
  await issue.waitFor({ state: 'hidden' });
  await waitFor(async () => (await page.locator('[data-test=case-status]').innerText()).trim() === '推进中', '推进中');
  const issued = (await srv.api('dcs1', 'GET', `/api/v1/cases/${made.id}`)).json.case;
  assert.deepEqual(issued.assignments.map((a) => [a.org.code, a.kind]), [['dept.cg', 'lead']]);
  assertClean(page);
  await page.context().close();
});

test('zj1: a progress report with a photo and its second step done', async () => {
  const c = await taskByTitle('zj1', '改造城镇老旧小区12个');
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'zj1');
  // the task the bureau took on (认领) waits in its inbox under 办理中
  await page.waitForURL((u) => u.pathname === '/inbox');
  await page.locator('[data-test=tab-handling]').click();
  const row = page.locator('[data-test=case-row]').filter({ hasText: '改造城镇老旧小区12个' });
  await row.waitFor();
  // the class's name arrives with the type, a moment after the row
  await waitFor(async () => /为民办实事[\s\S]*推进中/.test(await row.innerText()), 'the row with 为民办实事 and 推进中');
  await shot(page, 'task-3b-inbox');
  await row.locator('a').filter({ hasText: c.no }).first().click();
  await page.waitForURL((u) => u.pathname === `/cases/${c.id}`);
  await page.locator('[data-test=attachment-upload]').waitFor();
  await page.locator('[data-test=attachments] input[type=file]').setInputFiles({ name: '西门小区加装电梯.png', mimeType: 'image/png', buffer: pngBytes([37, 99, 235]) });
  await waitFor(async () => (await page.locator('[data-test=attachment-row]').count()) === 2, 'the photo');
  const dlg = await act(page, 'tk_report');
  // a number input commits on change: Tab out of each before submitting
  await field(page, 'input-progress').fill('90');
  await field(page, 'input-progress').press('Tab');
  await field(page, 'input-narrative').fill('12个小区主体全部完工，加装电梯6部已投入使用，正在进行竣工验收。');
  await field(page, 'input-milestone').fill('2');
  await field(page, 'input-milestone').press('Tab');
  await shot(page, 'task-4-report');
  await dlg.locator('[data-test=action-submit]').click();
  // step 2 was done in May: refused, the form keeps what was typed
  await dlg.locator('[role=alert], .el-form-item__error').filter({ hasText: '这个时间节点已经完成' }).first().waitFor();
  assert.equal(await field(page, 'input-narrative').inputValue(), '12个小区主体全部完工，加装电梯6部已投入使用，正在进行竣工验收。');
  await field(page, 'input-milestone').fill('');
  await field(page, 'input-milestone').press('Tab');
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  const after = (await srv.api('zj1', 'GET', `/api/v1/cases/${c.id}`)).json.case;
  assert.equal(after.fields.progress, 90);
  assert.equal(after.fields.reports, 4);
  assert.equal(after.status, 'tk_doing');
  assert.match(await page.locator('[data-test=case-fields]').innerText(), /最新进展\s*12个小区主体全部完工/);
  assertClean(page);
  await page.context().close();
});

test('dcs1: checks and closes (销号) the 医保 task', async () => {
  const c = await taskByTitle('dcs1', '医保便民服务站进村全覆盖');
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'dcs1');
  await page.goto(`${srv.base}/cases/${c.id}`);
  assert.equal((await page.locator('[data-test=case-status]').innerText()).trim(), '已完成待销号');
  const dlg = await act(page, 'tk_close');
  await field(page, 'input-opinion').fill('经抽查15个村服务站均正常运行，同意销号。');
  await dlg.locator('[data-test=opt-met-true]').click();
  await dlg.locator('[data-test="opt-satisfaction-满意"]').click();
  await dlg.locator('[data-test=action-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  await waitFor(async () => (await page.locator('[data-test=case-status]').innerText()).trim() === '已完成已销号', '已销号');
  assertClean(page);
  await page.context().close();
});

test('anyone on a phone: the public list page, filterable, with no names', async () => {
  const page = await newPage(browser, srv, { width: 390, height: 844, mobile: true });
  await page.goto(`${srv.base}/public/tasks?list=1`);
  await page.locator('[data-test=public-summary]').waitFor();
  assert.equal((await page.locator('[data-test=public-summary]').innerText()).trim(), '共 7 项任务，完成或阶段性完成 3 项');
  assert.equal((await page.locator('[data-test=public-breakdown]').innerText()).trim(), '完成 2 项 · 阶段性完成 1 项 · 已销号 2 项');
  assert.match(await page.locator('[data-test=public-levels]').innerText(), /市级领导领办 1 项\s*县级领导领办 5 项\s*部门负责人领办 1 项/);
  assert.equal(await page.locator('[data-test=public-item]').count(), 7);
  await shot(page, 'task-5-public-phone');
  const text = await page.locator('body').innerText();
  for (const name of ['刘建国', '陈志明', '黄卫东', '李芳', '王建平', '严秋萍']) assert.ok(!text.includes(name), `no ${name}`);
  await page.locator('[data-test=public-filter-status]').getByText('已完成', { exact: true }).click();
  await waitFor(async () => (await page.locator('[data-test=public-item]').count()) === 2, 'done only');
  assert.deepEqual((await page.locator('[data-test=public-item] .it-title').allInnerTexts()).map((t) => t.trim()),
    ['城区新增公共停车泊位800个', '医保便民服务站进村全覆盖']);
  assertClean(page);
  await page.context().close();
});

test('leader1: the task figures on the dashboard', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  await page.goto(`${srv.base}/dashboard?type=task`);
  await page.locator('[data-test=task-list-row]').first().waitFor();
  const kpi = async (k) => (await page.locator(`[data-test=kpi-${k}] .kpi-value`).innerText()).trim();
  assert.equal(await kpi('items'), '11');
  assert.equal(await kpi('done_or_partly'), '5');
  assert.equal(await kpi('signed_off'), '4');
  assert.equal(await kpi('flagged'), '2');
  const lists = await page.locator('[data-test=task-list-row]').allInnerTexts();
  assert.equal(lists.length, 2);
  assert.match(lists[0], /濂江县2026年为民办实事项目[\s\S]*7 项任务完成或阶段性完成 3 项/);
  assert.match(lists[1], /2026年主题教育检视问题整改清单[\s\S]*4 项任务完成或阶段性完成 2 项/);
  await shot(page, 'task-6-dashboard');
  assertClean(page);
  await page.context().close();
});
