// GET /api/v1/export/cases.xlsx and .csv: the case list as a spreadsheet
// (docs/api.md "Exports"). Unhappy paths first: bad filters, no permission,
// what a township handler may not see, formula injection, the recorded
// read of a discipline inspector, the row cap, a full disk. Then the happy
// path: both files parsed here (tests/api/sheets.mjs: node's zlib, no npm
// package) and compared row by row with GET /api/v1/cases for the same
// filters, across export pages.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readdir, readlink, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, assertError, caseBody, freshPhone, runCmd, sqlText, addDays, PASSWORD, BACKEND } from './helpers.mjs';
import { csvRows, xlsxRows } from './sheets.mjs';

const srv = await startServer();

const HEAD = ['工单编号', '类型', '分类', '渠道', '状态', '标题', '诉求类别', '属地', '承办单位', '来电人',
  '联系电话', '受理时间', '办理时限', '办结时间', '是否超期'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const FORMATS = ['xlsx', 'csv'];

/** GET path as client c (a token, or null): {status, headers, buf, json}. */
async function download(s, token, p) {
  const res = await fetch(s.url(p), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const buf = Buffer.from(await res.arrayBuffer());
  assert.ok(res.status < 500 || res.status === 503, `${p} → ${res.status}: ${buf.toString().slice(0, 300)}`);
  let json;
  if ((res.headers.get('content-type') || '').startsWith('application/json')) json = JSON.parse(buf.toString('utf8'));
  return { status: res.status, headers: res.headers, buf, json, text: buf.toString('utf8') };
}

/** The export's rows (header included) for format f, asserting 200 and the headers. */
async function exportRows(s, c, f, query = '') {
  const r = await download(s, c.token, `/api/v1/export/cases.${f}${query ? `?${query}` : ''}`);
  assert.equal(r.status, 200, `export ${f} ?${query}: ${r.text.slice(0, 300)}`);
  assert.equal(r.headers.get('content-type'), f === 'xlsx' ? XLSX : 'text/csv; charset=utf-8');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(Number(r.headers.get('content-length')), r.buf.length);
  const rows = f === 'xlsx' ? xlsxRows(r.buf) : csvRows(r.buf);
  assert.deepEqual(rows[0], HEAD, 'the header row');
  return { rows: rows.slice(1), raw: r.buf, headers: r.headers };
}

/** What a spreadsheet would take as a formula gets an apostrophe in the CSV. */
const guard = (v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
/** "2026-11-23T10:00:00+08:00" → "2026-11-23 10:00" (the API's times are +08:00 already). */
const minute = (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '');

let typeNames;
let classNames;
/** The row the export should hold for a list item, built from the list API alone. */
function expectedRow(x, now) {
  const live = x.assignments.filter((a) => a.status !== 'cancelled');
  const units = [...live.filter((a) => a.kind === 'lead'), ...live.filter((a) => a.kind !== 'lead')]
    .map((a) => a.org.name + (a.kind === 'assist' ? '（协办）' : a.kind === 'lead' ? '' : '（会签）'));
  const due = x.due_at ? Date.parse(x.due_at) : null;
  const end = x.closed_at ? Date.parse(x.closed_at) : now;
  // the export names the class (a grid event's bj-0101 is 部件·井盖…)
  return [x.no, typeNames.get(x.type), classNames.get(`${x.type}/${x.class}`) || x.class || '', x.channel || '', x.status_name, x.title,
    typeof x.fields.category === 'string' ? x.fields.category : '', x.org.name, units.join('、'),
    x.reporter.name || '', x.reporter.phone || '', minute(x.received_at), minute(x.due_at),
    minute(x.closed_at), due === null ? '' : end > due ? '是' : '否'];
}

/** Asserts the export of `query` as client c (of server s, the demo's by
 * default), in both formats, is the list's, row by row. 是否超期 is left
 * out of the comparison for a row whose deadline is within two minutes of
 * now: the list and the export read the clock a moment apart. */
async function matchesList(c, query, { min = 1, s = srv } = {}) {
  if (!typeNames) {
    const t = await c.get('/api/v1/types');
    typeNames = new Map(t.json.items.map((x) => [x.code, x.name]));
    classNames = new Map();
    for (const x of t.json.items) {
      for (const k of (await c.get(`/api/v1/types/${x.code}`)).json.classes) classNames.set(`${x.code}/${k.code}`, k.name);
    }
  }
  const list = await c.listAll(query);
  const now = Date.now();
  const want = list.map((x) => expectedRow(x, now));
  const near = list.map((x) => x.due_at && Math.abs(Date.parse(x.due_at) - now) < 120000);
  assert.ok(want.length >= min, `${query}: at least ${min} cases, got ${want.length}`);
  for (const f of FORMATS) {
    const { rows } = await exportRows(s, c, f, query);
    assert.equal(rows.length, want.length, `${f} ?${query}: ${rows.length} rows, the list has ${want.length}`);
    for (let i = 0; i < want.length; i++) {
      const w = f === 'csv' ? want[i].map(guard) : [...want[i]];
      if (near[i]) w[14] = rows[i][14];
      assert.deepEqual(rows[i], w, `${f} ?${query} row ${i + 1}`);
    }
  }
  return list;
}

// ------------------------------------------------------------ unhappy paths

test('bad filters → 400 naming the parameter, in both formats, never a file', async () => {
  const disp1 = await srv.login('disp1');
  const cases = [
    ['status=nosuch', 'field.invalid', 'status'], ['class=nosuch', 'field.invalid', 'class'],
    [`class=${encodeURIComponent('投诉,')}`, 'field.invalid', 'class'], ['channel=fax', 'field.invalid', 'channel'],
    ['channel=phone,,web', 'field.invalid', 'channel'], ['type=nosuch', 'field.invalid', 'type'],
    ['org=nosuch.org', 'field.invalid', 'org'], ['queue=nosuch', 'field.invalid', 'queue'],
    ['from=2026-13-01', 'field.invalid', 'from'], ['from=2026-11-02&to=2026-11-01', 'field.invalid', 'to'],
    ['due_soon=0', 'field.invalid', 'due_soon'], ['due_soon=721', 'field.invalid', 'due_soon'],
    ['problem=2', 'field.invalid', 'problem'], [`q=${'x'.repeat(201)}`, 'field.too_long', 'q'],
    [`q=${encodeURIComponent('中'.repeat(67))}`, 'field.too_long', 'q'],
    // an export is every matching case: no paging, and a huge limit is no way in
    ['limit=50', 'field.invalid', 'limit'], ['limit=99999999999999999999', 'field.invalid', 'limit'],
    ['cursor=1', 'field.invalid', 'cursor'], ['status=closed&limit=0', 'field.invalid', 'limit'],
  ];
  for (const f of FORMATS) {
    for (const [q, code, field] of cases) {
      const r = await download(srv, disp1.token, `/api/v1/export/cases.${f}?${q}`);
      assertError(r, 400, code, field);
      assert.equal(r.headers.get('content-disposition'), null, `${q}: no file`);
    }
    // a cut or invalid UTF-8 filter is refused before anything reads it
    for (const q of ['class=%E6%8A', 'q=%E4%B8', 'channel=%C0%AF', 'status=closed%00', '%FF=1']) {
      assertError(await download(srv, disp1.token, `/api/v1/export/cases.${f}?${q}`), 400, 'request.bad_encoding');
    }
  }
});

test('permission: signed out 401, no case.read 403 (link110), as the list', async () => {
  const link110 = await srv.login('link110');
  for (const f of FORMATS) {
    assertError(await download(srv, null, `/api/v1/export/cases.${f}`), 401, 'auth.required');
    assertError(await download(srv, 'ffff', `/api/v1/export/cases.${f}`), 401);
    assertError(await download(srv, link110.token, `/api/v1/export/cases.${f}`), 403, 'permission.denied');
    assertError(await link110.get('/api/v1/cases'), 403, 'permission.denied');
  }
});

test('a township handler exports only what it may see, and never a confidential reporter', async () => {
  const op1 = await srv.login('op1');
  const town1 = await srv.login('town1');
  const stamp = Date.now().toString(36);
  const phoneB = freshPhone('136');
  const phoneC = freshPhone('135');
  const B = (await op1.create(caseBody({ org: 'town.b', title: `乙镇外泄检查${stamp}`, reporter: { name: '乙镇人', phone: phoneB } }))).case;
  const C = (await op1.create(caseBody({
    org: 'village.a1', class: '举报', title: `甲镇举报${stamp}`,
    reporter: { name: '欧阳举报人', phone: phoneC, confidential: true },
  }))).case;
  const A = (await op1.create(caseBody({ org: 'town.a', title: `甲镇普通${stamp}`, reporter: { name: '司马甲', phone: freshPhone('134') } }))).case;
  for (const f of FORMATS) {
    const { rows, raw } = await exportRows(srv, town1, f);
    const nos = new Set(rows.map((r) => r[0]));
    assert.ok(!nos.has(B.no), `${f}: town.b's case is not in town1's export`);
    assert.ok(nos.has(C.no) && nos.has(A.no), `${f}: town.a's cases are`);
    const text = f === 'csv' ? raw.toString('utf8') : JSON.stringify(rows);
    const masked = (p) => `${p.slice(0, 3)}****${p.slice(-4)}`;
    for (const leak of [B.no, B.title, phoneB, masked(phoneB), phoneC, masked(phoneC), '欧阳', '举报人']) {
      assert.ok(!text.includes(leak), `${f}: ${leak} is not in the file`);
    }
    const c = rows.find((r) => r[0] === C.no);
    assert.equal(c[9], '', 'no name for the confidential reporter');
    assert.equal(c[10], '', 'no phone');
    const a = rows.find((r) => r[0] === A.no);
    assert.equal(a[9], '司**', 'a name masked as the list masks it');
    assert.match(a[10], /^134\*{4}\d{4}$/);
    // every row is a case town1 may list, and every case it lists is a row
    const listed = (await town1.listAll()).map((x) => x.no);
    assert.deepEqual(rows.map((r) => r[0]), listed);
  }
  // even asked by number, title or phone
  for (const q of [B.no, B.title, phoneB]) {
    const { rows } = await exportRows(srv, town1, 'csv', `q=${encodeURIComponent(q)}`);
    assert.deepEqual(rows, [], `q=${q}`);
  }
  const { rows: conf } = await exportRows(srv, town1, 'csv', `q=${encodeURIComponent(phoneC)}`);
  assert.deepEqual(conf, [], 'a confidential case is not found by its reporter\'s phone');
  // sup1 holds pii.read, yet the export masks as the list does: no confidential reporter
  const sup1 = await srv.login('sup1');
  const { rows: s } = await exportRows(srv, sup1, 'xlsx', `q=${encodeURIComponent(C.no)}`);
  assert.equal(s.length, 1);
  assert.equal(s[0][9] + s[0][10], '');
});

test('formula injection: a cell a spreadsheet would run is quoted with \' in the CSV, plain text in the XLSX', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const stamp = Date.now().toString(36);
  const titles = [
    `=HYPERLINK("http://evil.example/?${stamp}","点此查看")`, `+1+cmd|' /C calc'!A0 ${stamp}`,
    `-2+3 ${stamp}`, `@SUM(1,2) ${stamp}`, `＝全角等号${stamp}`, `a,b"c ${stamp}`,
  ];
  const made = [];
  for (const title of titles) {
    made.push((await op1.create(caseBody({ title, reporter: { name: '=cmd', phone: freshPhone() }, fields: { category: '@类别' } }))).case);
  }
  const q = `q=${encodeURIComponent(stamp)}`;
  const csv = await exportRows(srv, disp1, 'csv', q);
  const xlsx = await exportRows(srv, disp1, 'xlsx', q);
  assert.equal(csv.rows.length, titles.length);
  for (const m of made) {
    const c = csv.rows.find((r) => r[0] === m.no);
    const x = xlsx.rows.find((r) => r[0] === m.no);
    assert.equal(c[5], guard(m.title), 'the CSV title');
    assert.equal(x[5], m.title, 'the XLSX title is the text itself');
    assert.equal(c[9], "'=**", 'a masked name starting with = is guarded too');
    assert.equal(x[9], '=**');
    assert.equal(c[6], "'@类别");
  }
  // the XLSX's cells are inline strings, never formulas (xlsxRows throws on one)
  const plain = csv.rows.find((r) => r[5].startsWith('＝'));
  assert.ok(plain && !plain[5].startsWith("'"), 'a full-width ＝ is no formula: left alone');
  await matchesList(disp1, q, { min: titles.length });
});

test('a discipline inspector\'s export is on the audit chain before the file goes out: filters and row count, not ids', async () => {
  const jw1 = await srv.login('jw1');
  const admin = await srv.login('admin');
  const head = async () => {
    let cursor = 0;
    let last = null;
    for (;;) {
      const r = await admin.get(`/api/v1/audit/events?limit=500&cursor=${cursor}`);
      assert.equal(r.status, 200, r.text);
      if (r.json.items.length) last = r.json.items.at(-1);
      if (!r.json.next_cursor) return { cursor: last ? last.seq : 0, events: r.json.items };
      cursor = r.json.next_cursor;
    }
  };
  const before = (await head()).cursor;
  const query = `type=hotline&class=${encodeURIComponent('投诉,求助')}&channel=phone&q=${encodeURIComponent('路')}`;
  const { rows } = await exportRows(srv, jw1, 'xlsx', query);
  const { rows: csv } = await exportRows(srv, jw1, 'csv', 'status=closed');
  const r = await jw1.get(`/api/v1/audit/events?cursor=${before}&limit=500`);
  assert.equal(r.status, 200, r.text);
  const ev = r.json.items.filter((e) => e.action === 'case.export');
  assert.equal(ev.length, 2, `two exports, two events: ${JSON.stringify(r.json.items.map((e) => e.action))}`);
  assert.equal(ev[0].actor.login, 'jw1');
  assert.equal(ev[0].org, 'dept.jw');
  assert.equal(ev[0].case_id, null);
  assert.deepEqual(ev[0].payload, {
    format: 'xlsx', rows: rows.length,
    query: { type: 'hotline', class: '投诉,求助', channel: 'phone', q: '路' },
  });
  assert.deepEqual(ev[1].payload, { format: 'csv', rows: csv.length, query: { status: 'closed' } });
  assert.ok(csv.length > 0);
  // others' exports are not recorded
  const disp1 = await srv.login('disp1');
  const mark = (await head()).cursor;
  await exportRows(srv, disp1, 'csv');
  const after1 = await admin.get(`/api/v1/audit/events?cursor=${mark}&limit=500`);
  assert.ok(!after1.json.items.some((e) => e.action === 'case.export'), 'a dispatcher\'s export is not an event');
  // a refused export records nothing
  await download(srv, jw1.token, '/api/v1/export/cases.csv?status=nosuch');
  const after2 = await admin.get(`/api/v1/audit/events?cursor=${mark}&limit=500`);
  assert.ok(!after2.json.items.some((e) => e.action === 'case.export'), 'a 400 is not an event');
});

test('more rows than CIVICLOOP_EXPORT_MAX_ROWS → 413 export.too_large before any file; narrower filters pass', async () => {
  const s = await startServer({ env: { CIVICLOOP_EXPORT_MAX_ROWS: '10' } });
  const disp1 = await s.login('disp1');
  const all = await disp1.listAll();
  assert.ok(all.length > 10, `the demo has ${all.length} cases`);
  for (const f of FORMATS) {
    const r = await download(s, disp1.token, `/api/v1/export/cases.${f}`);
    assertError(r, 413, 'export.too_large');
    assert.match(r.json.error.message, /超过 10 件.*缩小筛选范围/);
    assert.equal(r.headers.get('content-disposition'), null);
  }
  // exactly at the cap is fine
  const cls = '举报';
  const n = all.filter((x) => x.class === cls).length;
  assert.ok(n > 0 && n <= 10);
  for (const f of FORMATS) {
    const { rows } = await exportRows(s, disp1, f, `class=${encodeURIComponent(cls)}`);
    assert.equal(rows.length, n);
  }
  // jw1's refused export leaves no event
  const jw1 = await s.login('jw1');
  const before = await sqlText(s.db, "SELECT count(*) FROM events WHERE action = 'case.export'");
  assertError(await download(s, jw1.token, '/api/v1/export/cases.xlsx'), 413, 'export.too_large');
  assert.equal(await sqlText(s.db, "SELECT count(*) FROM events WHERE action = 'case.export'"), before);
});

/** POST /api/v1/auth/login on a connection of its own: the token. */
function loginAlone(s, login) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ login, password: PASSWORD });
    const req = http.request(s.url('/api/v1/auth/login'), {
      method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return reject(new Error(`login ${login}: ${res.statusCode} ${text}`));
        resolve(JSON.parse(text).token);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GET path on a connection of its own: {status, json, bytes}. */
function getAlone(s, token, p) {
  return new Promise((resolve, reject) => {
    const req = http.get(s.url(p), { headers: { Authorization: `Bearer ${token}` }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const json = (res.headers['content-type'] || '').startsWith('application/json') ? JSON.parse(buf) : null;
        resolve({ status: res.statusCode, json, bytes: buf.length, length: Number(res.headers['content-length']) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

test('a slow export: it may outlast the request timeout, and a third big one at once is 503 while two build; small ones never are', async () => {
  // CIVICLOOP_TEST_EXPORT_DELAY_MS (honoured with CIVICLOOP_TEST_CLOCK=1 only) makes each export 1.5 s
  const slow = { testClock: true, env: { CIVICLOOP_TEST_EXPORT_DELAY_MS: '1500' } };
  const t = await startServer({ ...slow, serveArgs: ['--request-timeout', '1'] });
  // on a connection of its own too: the server closes an idle one after 1 s,
  // and fetch's pool may reuse the start-up check's just as it closes
  const token = await loginAlone(t, 'disp1');
  for (const f of FORMATS) {
    const one = await getAlone(t, token, `/api/v1/export/cases.${f}`);
    assert.equal(one.status, 200, 'longer than the 1 s request timeout, and answered');
    assert.equal(one.bytes, one.length, 'in full');
  }
  // ten at once, each on a connection of its own, a new one every 100 ms.
  // Each HTTP thread listens on a socket of its own (SO_REUSEPORT) and the
  // kernel picks the socket by the connection's ports: one that lands on a
  // thread busy exporting waits for it. With 16 threads, ten connections
  // reach three threads or more (all but certainly: fewer is about 1e-7),
  // so three exports do start at once. (Five on six threads were on fewer
  // than three threads in two clean-clone runs: all five 200.)
  const ten = (s, token, query = '') => Promise.all(Array.from({ length: 10 }, async (_, i) => {
    await new Promise((r) => setTimeout(r, 100 * i));
    return getAlone(s, token, `/api/v1/export/cases.${FORMATS[i % 2]}${query}`);
  }));
  const tally = (rs) => {
    const by = {};
    for (const r of rs) by[r.status] = (by[r.status] || 0) + 1;
    return by;
  };
  // 20 cases are "big" here (CIVICLOOP_EXPORT_SLOT_ROWS): the demo's 55 take a slot, 举报's 3 do not
  // (3 s each, so that on a loaded machine a third still comes while the
  // first two build)
  const s = await startServer({
    testClock: true, env: { CIVICLOOP_TEST_EXPORT_DELAY_MS: '3000', CIVICLOOP_EXPORT_SLOT_ROWS: '20' }, serveArgs: ['--threads', '16'],
  });
  const disp1 = await s.login('disp1');
  const rs = await ten(s, disp1.token);
  const by = tally(rs);
  assert.deepEqual(Object.keys(by).filter((k) => k !== '200' && k !== '503'), [], JSON.stringify(by));
  assert.ok(by[200] >= 2, `two build at once: ${JSON.stringify(by)}`);
  assert.ok(by[503] >= 1, `a third waits for none of them: ${JSON.stringify(by)}`);
  for (const r of rs.filter((x) => x.status === 503)) {
    assert.equal(r.json.error.code, 'unavailable');
    assert.match(r.json.error.message, /大批量导出较多/);
  }
  for (const r of rs.filter((x) => x.status === 200)) assert.equal(r.bytes, r.length);
  // small exports take no slot: ten at once all answer
  const small = tally(await ten(s, disp1.token, `?class=${encodeURIComponent('举报')}`));
  assert.deepEqual(small, { 200: 10 });
  // the slots are given back
  assert.equal((await getAlone(s, disp1.token, '/api/v1/export/cases.xlsx')).status, 200);
});

test('an export builds off the HTTP thread: with one thread, other requests on it are answered while a slow export builds', async () => {
  // one HTTP thread: until the export pool, every connection waited for the file
  const s = await startServer({ testClock: true, env: { CIVICLOOP_TEST_EXPORT_DELAY_MS: '3000' }, serveArgs: ['--threads', '1'] });
  const disp1 = await s.login('disp1');
  const jw1 = await s.login('jw1');
  const t0 = Date.now();
  const exports = [getAlone(s, disp1.token, '/api/v1/export/cases.xlsx'), getAlone(s, jw1.token, '/api/v1/export/cases.csv')];
  await new Promise((r) => setTimeout(r, 300));
  const t1 = Date.now();
  const [health, list, again] = await Promise.all([
    fetch(s.url('/healthz')), disp1.get('/api/v1/cases?limit=5'), getAlone(s, disp1.token, '/api/v1/cases?limit=5'),
  ]);
  const waited = Date.now() - t1;
  assert.equal(health.status, 200);
  assert.equal(list.status, 200, list.text);
  assert.equal(again.status, 200);
  assert.ok(waited < 1500, `answered while the exports build, not after them: ${waited} ms`);
  const [x, c] = await Promise.all(exports);
  assert.ok(Date.now() - t0 >= 3000, 'the exports did take their 3 s');
  assert.equal(x.status, 200);
  assert.equal(x.bytes, x.length);
  assert.equal(c.status, 200, 'a recorded reader\'s export goes out once its event is written');
  assert.equal(c.bytes, c.length);
  const admin = await s.login('admin');
  const events = [];
  for (let cursor = 0; ;) {
    const r = await admin.get(`/api/v1/audit/events?limit=500&cursor=${cursor}`);
    assert.equal(r.status, 200, r.text);
    events.push(...r.json.items);
    if (!r.json.next_cursor) break;
    cursor = r.json.next_cursor;
  }
  const ev = events.filter((e) => e.action === 'case.export');
  assert.equal(ev.length, 1, 'jw1\'s export, not disp1\'s');
  assert.equal(ev[0].actor.login, 'jw1');
  assert.equal(ev[0].payload.format, 'csv');
});

const isRoot = process.getuid && process.getuid() === 0;

test('a full disk: 503 unavailable, never a short file; no temporary file is left; exports work again once space returns',
  { skip: !isRoot && !process.env.CI ? 'needs root to mount a tmpfs' : false }, async () => {
    const mnt = await mkdtemp(path.join(tmpdir(), 'civicloop-xfull-'));
    const mounted = await runCmd('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mnt]);
    assert.equal(mounted.code, 0, `mount tmpfs: ${mounted.stderr}`);
    after(async () => {
      await runCmd('umount', ['-l', mnt]);
      await rm(mnt, { recursive: true, force: true });
    });
    const dir = path.join(mnt, 'db');
    await mkdir(dir);
    // one export worker: its read connection's descriptors are there from
    // the first export on, so any more later are a leak
    const s = await startServer({ dir, autoStop: false, env: { CIVICLOOP_EXPORT_WORKERS: '1' } });
    try {
      const disp1 = await s.login('disp1');
      const jw1 = await s.login('jw1');
      const files = async () => (await readdir(dir)).sort();
      // descriptors that are not sockets: keep-alive connections come and go
      // with the client's pool; a leaked file or temporary file stays
      const fds = async () => {
        const dir = `/proc/${s.proc.pid}/fd`;
        let n = 0;
        for (const f of await readdir(dir)) {
          const to = await readlink(`${dir}/${f}`).catch(() => 'gone');
          if (!to.startsWith('socket:') && to !== 'gone') n++;
        }
        return n;
      };
      // an export's file is closed by libmicrohttpd once its response is
      // done, a moment after the client has the last byte: count once the
      // number holds still (the same count three times, 50 ms apart)
      const settledFds = async () => {
        let last = -1, same = 0;
        for (let i = 0; i < 60 && same < 2; i++) {
          const n = await fds();
          same = n === last ? same + 1 : 0;
          last = n;
          await new Promise((r) => setTimeout(r, 50));
        }
        return last;
      };
      const db = await files();
      const want = {};
      for (const f of FORMATS) want[f] = (await exportRows(s, disp1, f)).rows.length;
      const fd0 = await settledFds();
      // fill the disk
      const filler = path.join(mnt, 'filler');
      const fh = await open(filler, 'w');
      try {
        for (;;) await fh.write(Buffer.alloc(64 * 1024, 7));
      } catch (e) {
        assert.equal(e.code, 'ENOSPC', `filling the disk: ${e}`);
      } finally {
        await fh.close().catch(() => {});
      }
      for (const c of [disp1, jw1]) {
        for (const f of FORMATS) {
          const r = await download(s, c.token, `/api/v1/export/cases.${f}`);
          assertError(r, 503, 'unavailable');
          assert.equal(r.headers.get('content-disposition'), null, 'no file');
        }
      }
      assert.deepEqual(await files(), db, 'no temporary file is left in the database\'s folder');
      assert.equal(await settledFds(), fd0, 'no descriptor is left open');
      assert.equal((await fetch(s.url('/healthz'))).status, 200, 'the server still serves');
      // space returns: exports work again, with every row
      await rm(filler);
      for (const f of FORMATS) assert.equal((await exportRows(s, disp1, f)).rows.length, want[f]);
      assert.deepEqual(await files(), db);
      assert.equal(await settledFds(), fd0);
      assert.match(s.stderr, /导出文件写入失败/, 'the reason is in the log');
    } finally {
      await s.cleanup();
    }
  });

// ------------------------------------------------------------ the happy path

test('every filter of the list, and class/channel, gives the list\'s rows in both formats', async () => {
  const disp1 = await srv.login('disp1');
  const sup1 = await srv.login('sup1');
  const cg1 = await srv.login('cg1');
  // a case with a lead and an assisting unit, to see 承办单位
  const op1 = await srv.login('op1');
  const c = (await op1.create(caseBody({ title: '多单位协办导出', fields: { category: '道路积水' } }))).case;
  await disp1.must(c.id, 'dispatch', { orgs: ['dept.sl', 'dept.cg'], lead: 'dept.cg' });
  const rows = (await exportRows(srv, disp1, 'csv', `q=${encodeURIComponent('多单位协办导出')}`)).rows;
  assert.equal(rows.length, 1);
  assert.match(rows[0][8], /^[^、（]*城市管理局、[^、]*水利局（协办）$/, `lead first: ${rows[0][8]}`);
  assert.equal(rows[0][6], '道路积水');
  assert.equal(rows[0][1], '12345热线工单');
  assert.match(rows[0][11], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

  await matchesList(disp1, '', { min: 50 });
  for (const q of ['status=closed,handling', `class=${encodeURIComponent('投诉,举报')}`, 'channel=110,web',
    'type=hotline&status=closed&channel=phone', 'overdue=1', 'queue=dispatch', 'due_soon=720', 'problem=0',
    `from=${encodeURIComponent('2026-11-01')}`, 'mine=1', 'org=town.a', `q=${encodeURIComponent('路')}`]) {
    await matchesList(disp1, q, { min: 0 });
  }
  await matchesList(sup1, 'status=closed', { min: 1 });
  await matchesList(cg1, '', { min: 1 });
  await matchesList(cg1, 'mine=1', { min: 0 });
  // nothing matches: the header row alone
  for (const f of FORMATS) {
    const { rows: none } = await exportRows(srv, disp1, f, `q=${encodeURIComponent('没有这样的工单zzzz')}`);
    assert.deepEqual(none, []);
  }
});

test('headers: an attachment with an ASCII name and the Chinese one in filename*', async () => {
  const disp1 = await srv.login('disp1');
  for (const f of FORMATS) {
    const { headers } = await exportRows(srv, disp1, f, 'status=closed');
    const d = headers.get('content-disposition');
    const m = d.match(/^attachment; filename="cases-(\d{8})\.(\w+)"; filename\*=UTF-8''(.+)$/);
    assert.ok(m, d);
    assert.equal(m[2], f);
    assert.equal(decodeURIComponent(m[3]), `工单导出-${m[1]}.${f}`);
    assert.ok(/^[\x20-\x7e]+$/.test(d), 'the header is ASCII');
    assert.equal(headers.get('x-content-type-options'), 'nosniff');
  }
});

test('more rows than one export page (500): every case once, in the list\'s order', async () => {
  const admin = await srv.login('admin');
  const stamp = `分页${Date.now().toString(36)}`;
  const N = 1060;
  const base = Date.parse('2026-01-05T09:00:00+08:00');
  for (let i = 0; i < N; i += 40) {
    await Promise.all(Array.from({ length: Math.min(40, N - i) }, (_, k) => admin.create(caseBody({
      title: `${stamp}-${i + k}`, org: ['town.a', 'town.b', 'dept.cg'][(i + k) % 3],
      class: ['投诉', '咨询', '求助', '举报'][(i + k) % 4], channel: ['phone', 'web', 'app'][(i + k) % 3],
      received_at: new Date(base + (i + k) * 60000).toISOString(),
      reporter: { name: `测${i + k}`, phone: freshPhone(), confidential: (i + k) % 10 === 0 },
    }))));
  }
  const q = `q=${encodeURIComponent(stamp)}`;
  const list = await matchesList(admin, q, { min: N });
  assert.equal(new Set(list.map((x) => x.no)).size, N, 'each case once');
  const town1 = await srv.login('town1');
  const mine = await matchesList(town1, q, { min: 1 });
  assert.ok(mine.length < N && mine.every((x) => x.org.code !== 'town.b' && x.org.code !== 'dept.cg'));
  await matchesList(admin, `${q}&class=${encodeURIComponent('举报')}&channel=web,app`, { min: 1 });
  // from..to: the walk is bounded by the ids received then (caseexport.c);
  // these cases were entered last with January's times of receipt, among
  // the demo's older ones: every one of them, and nothing else
  const jan = await matchesList(admin, 'from=2026-01-05&to=2026-01-07', { min: N });
  assert.ok(list.every((x) => jan.some((y) => y.id === x.id)), 'every case received then');
  await matchesList(admin, 'to=2026-01-06', { min: 1 });
  await matchesList(town1, 'from=2026-01-05&to=2026-01-07&sort=due', { min: 1 });
  for (const f of FORMATS) {
    assert.deepEqual((await exportRows(srv, admin, f, 'from=2020-01-01&to=2020-01-02')).rows, [], 'none received then');
  }
});

test('a generated county (civicloop gen, 3,000 cases): every case once, in the list\'s order and as the list shows it, across the export\'s pages',
  { skip: BACKEND === 'postgres' && 'its county is made by civicloop gen, whose bulk loader is SQLite\'s (it refuses PostgreSQL)' }, async () => {
    // the test clock: no inspections generated meanwhile (the list and the
    // export must see the same cases); then the timers due in the generated
    // past are fired before anything is compared: the writer's job count
    // stays the same over two scheduler ticks
    const g = await startServer({ gen: 3000, genPool: 300, testClock: true });
    const jobs = async () => {
      const m = (await (await fetch(g.url('/metrics'))).text()).match(/^civicloop_writer_batch_size_sum (\d+)/m);
      assert.ok(m, 'the writer\'s job count in /metrics');
      return Number(m[1]);
    };
    for (let last = -1, now = await jobs(), i = 0; now !== last; i++) {
      assert.ok(i < 60, 'the scheduler settles');
      await new Promise((r) => setTimeout(r, 2100));
      [last, now] = [now, await jobs()];
    }
    const disp1 = await g.login('disp1');
    const town1 = await g.login('town1');
    // the county: seven export pages of 500, newest first
    const all = await matchesList(disp1, '', { min: 3000, s: g });
    assert.equal(new Set(all.map((x) => x.no)).size, all.length, 'each case once');
    const ids = all.map((x) => x.id);
    assert.ok(ids.every((id, i) => i === 0 || ids[i - 1] > id), 'newest first');
    const cases = Number(await sqlText(g.db, 'SELECT count(*) FROM cases'));
    assert.ok(all.length <= cases && all.length > cases * 0.95, `the county's ${all.length} of ${cases} cases`);
    // by deadline: sort=due's keyset across pages, the cases without one last
    const due = await matchesList(disp1, 'sort=due', { min: 3000, s: g });
    assert.deepEqual(new Set(due.map((x) => x.id)), new Set(ids), 'the same cases, in another order');
    const keys = due.map((x) => (x.due_at ? Date.parse(x.due_at) : Infinity));
    assert.ok(keys.every((k, i) => i === 0 || keys[i - 1] <= k), 'by deadline');
    // a received-since filter, statuses (their own index), a township's
    // scope, an org's subtree, a unit's inbox
    const mid = all[Math.floor(all.length / 2)].received_at.slice(0, 10);
    const since = await matchesList(disp1, `from=${mid}`, { min: 100, s: g });
    assert.ok(since.length < all.length);
    const until = await matchesList(disp1, `to=${addDays(mid, -1)}`, { min: 100, s: g });
    assert.equal(since.length + until.length, all.length, 'to= the day before from= (dates inclusive): the county split');
    const first = all.map((x) => x.received_at).sort()[0].slice(0, 10);
    await matchesList(disp1, `from=${first}&to=${mid}&status=closed`, { min: 1, s: g });
    await matchesList(disp1, 'status=closed,handling', { min: 100, s: g });
    const mine = await matchesList(town1, '', { min: 50, s: g });
    assert.ok(mine.length < all.length / 4, `town1 sees its township: ${mine.length}`);
    await matchesList(disp1, 'org=town.a', { min: 50, s: g });
    await matchesList(town1, 'mine=1&sort=due', { min: 0, s: g });
  });
