// Export what the list shows: disp1 filters /cases by status, downloads the
// Excel and the CSV from the list's buttons, and the files hold exactly the
// cases the table shows for that filter (every page of it), under Chinese
// headers; the CSV starts with the UTF-8 BOM so Excel reads it as UTF-8.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { startServer, launch, newPage, signIn, assertClean, shot, selectOption } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const STATUS = 'closed'; // more cases than one page of 20
const STATUS_NAME = '已办结';
// other types' closed states have their own names: status=closed lists every type's
const STATUS_NAMES = [STATUS_NAME, '已结案', '调解成功已结案'];
const HEADERS = ['工单编号', '分类', '状态', '标题', '受理时间']; // at least these, in Chinese

// The case numbers the table shows, page by page (上一页/下一页 by cursor).
async function tableNos(page) {
  const nos = [];
  for (let i = 0; i < 50; i++) {
    await page.locator('tr[data-test=case-row]').first().waitFor();
    const pageNo = (await page.locator('[data-test=page-number]').innerText()).trim();
    assert.equal(pageNo, `第 ${i + 1} 页`);
    nos.push(...(await page.locator('tr[data-test=case-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-case-no')))));
    const next = page.locator('[data-test=page-next]');
    if (await next.isDisabled()) return nos;
    const first = await page.locator('tr[data-test=case-row]').first().getAttribute('data-case-no');
    await next.click();
    await page.waitForFunction((no) => {
      const r = document.querySelector('tr[data-test=case-row]');
      return r && r.getAttribute('data-case-no') !== no;
    }, first);
  }
  throw new Error('more than 50 pages');
}

// Split one CSV (RFC 4180) into rows of cells.
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

const state = {};

test('disp1 filters /cases by status; the table pages through every match', async () => {
  const page = await newPage(browser, srv);
  state.page = page;
  await signIn(page, srv, 'disp1');
  await page.goto(srv.base + '/cases');
  await page.locator('tr[data-test=case-row]').first().waitFor();
  await selectOption(page, page.locator('[data-test=filter-status]'), STATUS_NAME, { exact: true, multiple: true });
  await page.waitForURL((u) => u.searchParams.get('status') === STATUS);
  await page.waitForFunction((names) => {
    const rows = [...document.querySelectorAll('tr[data-test=case-row] [data-test=case-status]')];
    return rows.length && rows.every((r) => names.includes(r.textContent.trim()));
  }, STATUS_NAMES);
  state.nos = await tableNos(page);
  assert.ok(state.nos.length > 20, 'the filter matches more demo cases than one page');
  assert.equal(new Set(state.nos).size, state.nos.length, 'no case twice across pages');

  // the same filter through the API, page by page
  const api = [];
  let cursor = '';
  for (;;) {
    const r = await srv.api('disp1', 'GET', `/api/v1/cases?status=${STATUS}&limit=7${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    api.push(...r.json.items.map((c) => c.no));
    if (!r.json.next_cursor) break;
    cursor = r.json.next_cursor;
  }
  assert.deepEqual(state.nos, api, 'the table shows what the server lists');
  const href = await page.locator('[data-test=export-xlsx]').getAttribute('href');
  assert.equal(href, `/api/v1/export/cases.xlsx?status=${STATUS}`, 'the export carries the filter');
  await shot(page, 'export-cases-filtered');
  assertClean(page);
});

test('the Excel export holds the same cases under Chinese headers', async () => {
  const page = state.page;
  assert.ok(state.nos, 'the table was read');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=export-xlsx]').click()]);
  assert.equal(await dl.failure(), null, 'the download completes');
  assert.match(dl.suggestedFilename(), /\.xlsx$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(await readFile(await dl.path()));
  const ws = wb.worksheets[0];
  assert.ok(ws, 'a worksheet');
  const rows = [];
  ws.eachRow((row) => rows.push(row.values.slice(1).map((v) => (v === null || v === undefined ? '' : typeof v === 'object' && v.richText ? v.richText.map((t) => t.text).join('') : String(v)))));
  const [header, ...data] = rows;
  for (const h of header) assert.match(h, /[\u4e00-\u9fff]/, `header ${h} is Chinese`);
  for (const h of HEADERS) assert.ok(header.includes(h), `header ${h}`);
  assert.equal(header[0], '工单编号');
  const col = (name) => header.indexOf(name);
  assert.deepEqual(data.map((r) => r[col('工单编号')]), state.nos, 'the rows are the table\'s cases, in its order');
  for (const r of data) assert.ok(STATUS_NAMES.includes(r[col('状态')]), r[col('状态')]);
  state.header = header;
  assertClean(page);
});

test('the CSV export starts with the UTF-8 BOM and holds the same cases', async () => {
  const page = state.page;
  assert.ok(state.nos && state.header, 'the Excel was read');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=export-csv]').click()]);
  assert.equal(await dl.failure(), null);
  assert.match(dl.suggestedFilename(), /\.csv$/);
  const buf = await readFile(await dl.path());
  assert.deepEqual([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the UTF-8 BOM');
  const rows = parseCsv(buf.subarray(3).toString('utf8')).filter((r) => r.some((c) => c !== ''));
  const [header, ...data] = rows;
  assert.deepEqual(header, state.header, 'the same headers as the Excel');
  assert.deepEqual(data.map((r) => r[0]), state.nos);
  assertClean(page);
  await page.context().close();
});
