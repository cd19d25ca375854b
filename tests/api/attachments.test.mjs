// Case attachments (docs/api.md "Attachments", docs/trust.md §8): the
// unhappy paths first — bytes that are not what they claim (415), a body
// past 10 MiB (413, nothing kept), an empty body, hostile file names, a
// township's handler at another township's case (404 on all three routes),
// the roles that may not attach (403), a closed case (409), a commit that
// fails (503: no row, no file served; the orphan it leaves is counted by
// audit verify and removed by files prune), the upload slots; then the happy
// path: a PNG and a PDF uploaded, listed, downloaded byte for byte with the
// exact headers, the event on the chain, a recorded reader, a cookie upload
// with its CSRF token, the same bytes twice (two rows, one file), and a
// backup restored with its files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, runBin, runCli, runCmd, sqlText, failingTrigger, filesDir, assertError, caseBody, BACKEND } from './helpers.mjs';
import { sqlRows, auditVerify } from './crashkit.mjs';

// a real 1×1 PNG, a small real PDF, the start of a JPEG and of a WebP
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
  '3 0 obj<</Type/Page/MediaBox[0 0 72 72]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'latin1');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0 photo of a pothole')]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x20, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(20, 1)]);
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62, 0x90), Buffer.from('This program cannot be run in DOS mode.')]);
const HTML = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');
const MiB = 1024 * 1024;

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

const srv = await startServer({ cases: false });
const op1 = await srv.login('op1');
const disp1 = await srv.login('disp1');
const town1 = await srv.login('town1');
const town2 = await srv.login('town2');
const FILES = filesDir(srv);

/** Every stored file under a file store folder: [{sha, size, mode}]. */
async function storedFiles(dir = FILES) {
  const out = [];
  let subs;
  try {
    subs = await readdir(dir);
  } catch {
    return out;
  }
  for (const s of subs) {
    for (const f of await readdir(path.join(dir, s))) {
      const st = await stat(path.join(dir, s, f));
      out.push({ sha: f, sub: s, size: st.size, mode: st.mode & 0o777 });
    }
  }
  return out;
}

const count = async (q) => (await sqlRows(srv.db, q))[0].n;
const rows = () => count('SELECT count(*) AS n FROM attachments');

/** POST the file as client c (a token) to case id; query is the raw query string. */
function upload(c, id, bytes, type, { name = 'x.png', query, headers = {} } = {}) {
  const h = { ...headers };
  if (type !== null) h['Content-Type'] = type;
  if (c && c.token) h.Authorization = `Bearer ${c.token}`;
  const q = query !== undefined ? query : `?name=${encodeURIComponent(name)}`;
  return srv.raw('POST', `/api/v1/cases/${id}/attachments${q}`, { headers: h, body: bytes });
}

/** The same through fetch, for answers srv.raw refuses to see (5xx). */
async function uploadFetch(base, token, id, bytes, type, name, headers = {}) {
  const res = await fetch(`${base}/api/v1/cases/${id}/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': type, ...headers }, body: bytes,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, text };
}

async function download(c, id) {
  const res = await fetch(srv.url(`/api/v1/attachments/${id}`), { headers: { Authorization: `Bearer ${c.token}` } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** A town.a case dispatched to town.a: town1 handles it, town2 may not see it. */
async function townCase(title = '附件测试') {
  const c = (await op1.create(caseBody({ org: 'town.a', title }))).case;
  await disp1.must(c.id, 'dispatch', { org: 'town.a' });
  return c;
}

const A = await townCase();

test('bytes that are not what they claim are 415 attachment.bad_type, and nothing is kept', async () => {
  const before = await rows();
  for (const [bytes, type, what] of [
    [EXE, 'image/png', 'a Windows program called image/png'],
    [HTML, 'image/png', 'HTML called image/png'],
    [HTML, 'image/jpeg', 'HTML called image/jpeg'],
    [PNG, 'image/jpeg', 'a PNG called image/jpeg'],
    [PDF, 'image/webp', 'a PDF called image/webp'],
    [Buffer.from('RIFF\x20\0\0\0WAVEfmt '), 'image/webp', 'a WAV called image/webp'],
    [PNG.subarray(0, 7), 'image/png', 'a PNG cut inside its signature'],
    [EXE, 'application/pdf', 'a program called application/pdf'],
  ]) {
    const r = await upload(town1, A.id, bytes, type);
    assertError(r, 415, 'attachment.bad_type');
    assert.match(r.json.error.message, /不符/, what);
  }
  for (const type of ['image/gif', 'text/html', 'application/octet-stream', 'image/svg+xml', 'application/json', 'image/png junk']) {
    const r = await upload(town1, A.id, PNG, type);
    assertError(r, 415, 'attachment.bad_type');
  }
  assertError(await upload(town1, A.id, PNG, null), 415, 'attachment.bad_type');
  assert.equal(before, await rows());
  assert.deepEqual(await storedFiles(), [], 'no file was written for a refused upload');
});

test('past 10 MiB is 413 request.too_large and nothing is kept; other routes keep 1 MiB', async () => {
  const before = await rows();
  const big = Buffer.alloc(10 * MiB + 1, 0);
  PNG.copy(big);
  assertError(await upload(town1, A.id, big, 'image/png'), 413, 'request.too_large');
  // the same sent chunked, with no Content-Length: cut off as it arrives
  const chunks = [big.subarray(0, 4 * MiB), big.subarray(4 * MiB, 8 * MiB), big.subarray(8 * MiB)];
  const res = await fetch(srv.url(`/api/v1/cases/${A.id}/attachments?name=big.png`), {
    method: 'POST',
    headers: { Authorization: `Bearer ${town1.token}`, 'Content-Type': 'image/png' },
    body: new ReadableStream({ pull(ctl) { const c = chunks.shift(); if (c) ctl.enqueue(c); else ctl.close(); } }),
    duplex: 'half',
  });
  assert.equal(res.status, 413, await res.text());
  assert.equal(await rows(), before);
  assert.deepEqual(await storedFiles(), []);
  // a body is kept only for a signed-in caller who may attach: 401 and 403, not 413
  const anon = await srv.raw('POST', `/api/v1/cases/${A.id}/attachments?name=big.png`, { headers: { 'Content-Type': 'image/png' }, body: big });
  assertError(anon, 401, 'auth.required');
  const bogus = await srv.raw('POST', `/api/v1/cases/${A.id}/attachments?name=big.png`, {
    headers: { 'Content-Type': 'image/png', Authorization: `Bearer ${'0'.repeat(64)}` }, body: big,
  });
  assertError(bogus, 401, 'auth.required');
  assertError(await upload(await srv.login('leader1'), A.id, big, 'image/png'), 403, 'permission.denied');
  // every other route keeps its 1 MiB
  const json = JSON.stringify({ ...caseBody(), description: 'a'.repeat(MiB) });
  assertError(await op1.post('/api/v1/cases', json), 413, 'request.too_large');
  assertError(await town1.post(`/api/v1/cases/${A.id}/actions/sign`, json), 413, 'request.too_large');
  // exactly 10 MiB is taken
  const max = big.subarray(0, 10 * MiB);
  const ok = await upload(town1, A.id, max, 'image/png', { name: '最大.png' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.attachment.size, 10 * MiB);
  assert.equal(ok.json.attachment.sha256, sha256(max));
});

test('an empty body is 400; hostile file names are 400 and write nothing', async () => {
  const before = await rows();
  const files = (await storedFiles()).length;
  assertError(await upload(town1, A.id, Buffer.alloc(0), 'image/png'), 400, 'request.invalid');
  for (const [query, code, what] of [
    ['?name=%E4%B8.png', 'request.bad_encoding', 'cut UTF-8'],
    ['?name=%FF.png', 'request.bad_encoding', 'invalid UTF-8'],
    ['?name=x%00.png', 'request.bad_encoding', 'a NUL'],
    ['?name=..%2Fx', 'field.invalid', '../x'],
    ['?name=..%5Cx.png', 'field.invalid', '..\\x.png'],
    ['?name=%2Fetc%2Fpasswd', 'field.invalid', 'an absolute path'],
    ['?name=..', 'field.invalid', '..'],
    ['?name=.', 'field.invalid', '.'],
    ['?name=a%0D%0AX-Injected%3A%201.png', 'field.invalid', 'CR LF: a header injection'],
    ['?name=a%09b.png', 'field.invalid', 'a tab'],
    ['?name=gpj%E2%80%AE.exe', 'field.invalid', 'U+202E right-to-left override'],
    ['?name=%C2%85.png', 'field.invalid', 'a C1 control'],
    ['?name=%20%20', 'field.invalid', 'blank'],
    [`?name=${encodeURIComponent('中'.repeat(1000))}`, 'field.too_long', '1000 characters'],
    [`?name=${'a'.repeat(201)}`, 'field.too_long', '201 characters'],
    ['?name=', 'field.required', 'empty'],
    ['', 'field.required', 'no name'],
  ]) {
    const r = await upload(town1, A.id, PNG, 'image/png', { query });
    assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
    assert.equal(r.json.error.code, code, `${what}: ${r.text}`);
    if (code !== 'request.bad_encoding') assert.equal(r.json.error.field, 'name', what);
  }
  // 200 characters is the limit, not past it
  const r = await upload(town1, A.id, PNG, 'image/png', { name: `${'中'.repeat(196)}.png` });
  assert.equal(r.status, 201, r.text);
  assert.equal(await rows(), before + 1);
  assert.equal((await storedFiles()).length, files + 1);
});

test('a township handler cannot attach to, list or download another township\'s case: 404', async () => {
  const mine = await upload(town1, A.id, JPEG, 'image/jpeg', { name: '现场.jpg' });
  assert.equal(mine.status, 201, mine.text);
  const id = mine.json.attachment.id;
  const before = await rows();
  assertError(await upload(town2, A.id, JPEG, 'image/jpeg'), 404, 'not_found');
  assertError(await town2.get(`/api/v1/cases/${A.id}/attachments`), 404, 'not_found');
  const d = await download(town2, id);
  assert.equal(d.status, 404);
  assert.doesNotMatch(d.body.toString('utf8'), /现场|JFIF/, 'nothing of the file or its name');
  // unknown and malformed ids are 404 alike
  for (const p of ['/api/v1/attachments/999999', '/api/v1/attachments/01', '/api/v1/attachments/x', '/api/v1/cases/999999/attachments']) {
    assertError(await town1.get(p), 404);
  }
  assertError(await upload(town1, 999999, PNG, 'image/png'), 404, 'not_found');
  assert.equal(await rows(), before);
  // the unit a case is dispatched to may attach even when it owns no part of it:
  // dept.cg's handler on a town.a case assigned to dept.cg
  const c = (await op1.create(caseBody({ org: 'town.a', title: '派往城管' }))).case;
  const cg1 = await srv.login('cg1');
  assertError(await upload(cg1, c.id, PNG, 'image/png'), 404, 'not_found');
  await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  assert.equal((await upload(cg1, c.id, PNG, 'image/png', { name: 'cg.png' })).status, 201);
});

test('leader, discipline, the 110 account and admin may read but not attach: 403', async () => {
  const before = await rows();
  for (const l of ['leader1', 'jw1', 'link110', 'admin']) {
    const c = await srv.login(l);
    const r = await upload(c, A.id, PNG, 'image/png');
    assertError(r, 403, 'permission.denied');
  }
  for (const l of ['leader1', 'admin']) {
    const c = await srv.login(l);
    assert.equal((await c.get(`/api/v1/cases/${A.id}/attachments`)).status, 200);
    assert.equal((await c.case(A.id)).can_attach, false, `${l}: can_attach`);
  }
  assert.equal((await town1.case(A.id)).can_attach, true);
  assert.equal((await op1.case(A.id)).can_attach, true);
  assert.equal(await rows(), before);
  // every role that acts on cases carries case.attach; the others do not
  const table = JSON.parse((await runBin(['permissions'])).stdout);
  const holders = Object.entries(table.roles).filter(([, p]) => p.includes('case.attach')).map(([r]) => r).sort();
  assert.deepEqual(holders, ['dispatcher', 'enterprise', 'grid_worker', 'handler', 'inspector', 'mediator', 'operator', 'supervisor', 'unit_lead']);
});

test('a closed case takes no new attachment (409) but its files stay readable', async () => {
  const c = (await op1.create(caseBody({ org: 'town.a', title: '直接答复件' }))).case;
  const first = await upload(op1, c.id, PNG, 'image/png', { name: '答复前.png' });
  assert.equal(first.status, 201, first.text);
  await op1.must(c.id, 'answer', { answer: '已电话答复来电人。' });
  const closed = await op1.case(c.id);
  assert.equal(closed.can_attach, true, 'op1 may attach to the case…');
  assert.equal(closed.status, 'closed', '…but it is final');
  const r = await upload(op1, c.id, PDF, 'application/pdf', { name: '答复后.pdf' });
  assertError(r, 409, 'case.action_not_allowed');
  assert.match(r.json.error.message, /已办结/);
  // input is checked before state: a bad type on a closed case is still 415
  assertError(await upload(op1, c.id, HTML, 'image/png'), 415, 'attachment.bad_type');
  const list = await op1.get(`/api/v1/cases/${c.id}/attachments`);
  assert.equal(list.json.items.length, 1);
  assert.equal((await download(op1, first.json.attachment.id)).status, 200);
});

test('Idempotency-Key: the same key and body answer the first 201 and add nothing; another body is 409', async () => {
  const before = await rows();
  const key = `att-${Date.now()}`;
  const a = await upload(town1, A.id, WEBP, 'image/webp', { name: '同一次.webp', headers: { 'Idempotency-Key': key } });
  assert.equal(a.status, 201, a.text);
  const b = await upload(town1, A.id, WEBP, 'image/webp', { name: '同一次.webp', headers: { 'Idempotency-Key': key } });
  assert.equal(b.status, 201, b.text);
  assert.deepEqual(b.json, a.json);
  const c = await upload(town1, A.id, PNG, 'image/png', { name: '同一次.webp', headers: { 'Idempotency-Key': key } });
  assertError(c, 409, 'idempotency.conflict');
  assert.equal(await rows(), before + 1);
});

test('the same bytes twice: two attachments, one file', async () => {
  const bytes = Buffer.concat([PNG, Buffer.from(`twice-${Date.now()}`)]);
  const files = (await storedFiles()).length;
  const a = await upload(town1, A.id, bytes, 'image/png', { name: '第一次.png' });
  const b = await upload(op1, A.id, bytes, 'image/png', { name: '第二次.png' });
  assert.equal(a.status, 201, a.text);
  assert.equal(b.status, 201, b.text);
  assert.notEqual(a.json.attachment.id, b.json.attachment.id);
  assert.equal(a.json.attachment.sha256, b.json.attachment.sha256);
  assert.equal((await storedFiles()).length, files + 1, 'one file for both');
  assert.deepEqual((await download(town1, b.json.attachment.id)).body, bytes);
});

test('the happy path: a PNG and a PDF uploaded, listed, downloaded byte for byte with exact headers, on the chain', async () => {
  const c = await townCase('井盖缺失');
  const v0 = (await op1.case(c.id)).version;
  const png = await upload(town1, c.id, PNG, 'image/png', { name: '井盖 现场照片.png' });
  assert.equal(png.status, 201, png.text);
  const pdf = await upload(town1, c.id, PDF, 'application/pdf; charset=binary', { name: '整改报告（签字版）.pdf' });
  assert.equal(pdf.status, 201, pdf.text);
  const att = png.json.attachment;
  assert.deepEqual(Object.keys(att).sort(), ['content_type', 'created_at', 'id', 'name', 'sha256', 'size', 'uploaded_by']);
  assert.equal(att.name, '井盖 现场照片.png');
  assert.equal(att.content_type, 'image/png');
  assert.equal(att.size, PNG.length);
  assert.equal(att.sha256, sha256(PNG));
  assert.deepEqual(att.uploaded_by, { login: 'town1', name: town1.user.name });
  assert.match(att.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$/);
  assert.equal(pdf.json.attachment.content_type, 'application/pdf');

  // the list, oldest first, for whoever reads the case
  const list = await op1.get(`/api/v1/cases/${c.id}/attachments`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json, { items: [att, pdf.json.attachment] });
  assert.equal((await op1.case(c.id)).attachments, 2);
  assert.equal((await town1.case(c.id)).attachments, 2);

  // the files: stored once under their hash, 0600 in 0700 folders
  const st = await stat(path.join(FILES, att.sha256.slice(0, 2), att.sha256));
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal((await stat(FILES)).mode & 0o777, 0o700);
  assert.deepEqual(await readFile(path.join(FILES, att.sha256.slice(0, 2), att.sha256)), PNG);

  // downloads: the bytes as sent, the headers exactly
  const d = await download(op1, att.id);
  assert.equal(d.status, 200);
  assert.deepEqual(d.body, PNG);
  assert.equal(d.headers.get('content-type'), 'image/png');
  assert.equal(d.headers.get('content-length'), String(PNG.length));
  assert.equal(d.headers.get('content-disposition'),
    `inline; filename="attachment-${att.id}.png"; filename*=UTF-8''${encodeURIComponent('井盖 现场照片.png')}`);
  assert.equal(d.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(d.headers.get('content-security-policy'), "sandbox; default-src 'none'");
  assert.equal(d.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  const p = await download(town1, pdf.json.attachment.id);
  assert.deepEqual(p.body, PDF);
  assert.equal(p.headers.get('content-type'), 'application/pdf');
  assert.match(p.headers.get('content-disposition'), /^attachment; filename="attachment-\d+\.pdf"; filename\*=UTF-8''%E6%95%B4%E6%94%B9/);
  // an ASCII name goes as it is
  const plain = await upload(town1, c.id, JPEG, 'image/jpeg', { name: 'pothole 1.jpg' });
  const pd = await download(town1, plain.json.attachment.id);
  assert.equal(pd.headers.get('content-disposition'), "inline; filename=\"pothole 1.jpg\"; filename*=UTF-8''pothole%201.jpg");

  // the audit chain: one attachment.add per upload, naming the file, never its bytes
  const evs = (await op1.events(c.id)).filter((e) => e.action === 'attachment.add');
  assert.equal(evs.length, 3);
  assert.deepEqual(evs[0].payload, { name: '井盖 现场照片.png', sha256: att.sha256, size: PNG.length, type: 'image/png' });
  assert.equal(evs[0].actor.login, 'town1');
  assert.equal(evs[0].from, null);
  const stored = await sqlRows(srv.db, `SELECT payload FROM events WHERE action = 'attachment.add' AND case_id = ${Number(c.id)}`);
  for (const r of stored) assert.ok(r.payload.length < 400, 'the payload holds no bytes');
  // the case's version is its state's: an attachment changes neither
  assert.equal((await op1.case(c.id)).version, v0);
  const v = await auditVerify(srv.db, srv.env);
  assert.ok(v.ok, v.text);
  assert.match(v.text, /附件完好：\d+ 个附件/);
});

test('a recorded reader (纪委) lists and downloads on the record, never from a cache', async () => {
  const jw1 = await srv.login('jw1');
  const c = await townCase('纪委查阅附件');
  const a = (await upload(town1, c.id, PNG, 'image/png', { name: '证据.png' })).json.attachment;
  const seq = await count('SELECT max(seq) AS n FROM events');
  assert.equal((await jw1.get(`/api/v1/cases/${c.id}/attachments`)).status, 200);
  const d = await download(jw1, a.id);
  assert.equal(d.status, 200);
  assert.deepEqual(d.body, PNG);
  assert.equal(d.headers.get('cache-control'), 'no-store');
  const reads = await sqlRows(srv.db, `SELECT action, case_id, payload FROM events WHERE seq > ${seq} AND actor_id = (SELECT id FROM users WHERE login = 'jw1') ORDER BY seq`);
  assert.deepEqual(reads.map((r) => [r.action, r.case_id, JSON.parse(r.payload)]), [
    ['case.read', c.id, { view: 'attachments' }],
    ['case.read', c.id, { view: 'attachment', attachment: a.id, sha256: a.sha256 }],
  ]);
});

test('a cookie session uploads with its CSRF token and not without', async () => {
  const login = await srv.loginRaw('town1');
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = login.json.csrf_token;
  const send = (headers) => srv.raw('POST', `/api/v1/cases/${A.id}/attachments?name=cookie.png`, {
    headers: { Cookie: cookie, 'Content-Type': 'image/png', ...headers }, body: PNG,
  });
  assertError(await send({}), 403, 'auth.csrf');
  assertError(await send({ 'X-CSRF-Token': 'f'.repeat(64) }), 403, 'auth.csrf');
  const ok = await send({ 'X-CSRF-Token': csrf, 'Idempotency-Key': 'cookie-1' });
  assert.equal(ok.status, 201, ok.text);
  // the page's <img src>: the cookie alone reads it
  const img = await fetch(srv.url(`/api/v1/attachments/${ok.json.attachment.id}`), { headers: { Cookie: cookie } });
  assert.equal(img.status, 200);
  assert.deepEqual(Buffer.from(await img.arrayBuffer()), PNG);
});

// ------------------------------------------------------- failures, own servers

test('a commit that fails answers 503: no row, no event, no file served; the orphan is counted and pruned', async () => {
  const s = await startServer({ cases: false, autoStop: false });
  try {
    const t1 = await s.login('town1');
    const o1 = await s.login('op1');
    const d1 = await s.login('disp1');
    const c = (await o1.create(caseBody({ org: 'town.a' }))).case;
    await d1.must(c.id, 'dispatch', { org: 'town.a' });
    const sql = (q) => sqlText(s.db, q);
    // a deferred foreign key the insert breaks: checked only at COMMIT, which fails
    await sql(BACKEND === 'postgres'
      ? 'CREATE TABLE commit_breaker(case_id bigint REFERENCES orgs(id) DEFERRABLE INITIALLY DEFERRED);' +
        ' CREATE FUNCTION break_commit_fn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO commit_breaker VALUES(-1); RETURN NULL; END$$;' +
        ' CREATE TRIGGER break_commit AFTER INSERT ON attachments FOR EACH ROW EXECUTE FUNCTION break_commit_fn();'
      : 'CREATE TABLE commit_breaker(case_id INTEGER REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED);' +
        'CREATE TRIGGER break_commit AFTER INSERT ON attachments BEGIN INSERT INTO commit_breaker VALUES(-1); END;');
    const events = await sql("SELECT count(*) FROM events WHERE action = 'attachment.add'");
    const orphan = Buffer.concat([PNG, Buffer.from('orphan')]);
    const key = 'fails-once';
    const r = await uploadFetch(s.base, t1.token, c.id, orphan, 'image/png', '失败.png', { 'Idempotency-Key': key });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json.error.code, 'unavailable');
    assert.match(s.stderr, /批量写入未提交/);
    assert.equal(await sql('SELECT count(*) FROM attachments'), '0');
    assert.equal(await sql("SELECT count(*) FROM events WHERE action = 'attachment.add'"), events);
    assert.equal((await t1.get(`/api/v1/cases/${c.id}/attachments`)).json.items.length, 0);
    for (const id of [1, 2]) assert.equal((await t1.get(`/api/v1/attachments/${id}`)).status, 404);
    assert.equal((await t1.case(c.id)).attachments, 0);
    // the file did land before the commit: an orphan nobody can reach
    const files = await storedFiles(filesDir(s));
    assert.deepEqual(files.map((f) => f.sha), [sha256(orphan)]);
    await sql(BACKEND === 'postgres'
      ? 'DROP TRIGGER break_commit ON attachments; DROP FUNCTION break_commit_fn(); DROP TABLE commit_breaker;'
      : 'DROP TRIGGER break_commit; DROP TABLE commit_breaker;');
    // the same key again runs afresh (the first never landed) and reuses the file
    const again = await uploadFetch(s.base, t1.token, c.id, orphan, 'image/png', '失败.png', { 'Idempotency-Key': key });
    assert.equal(again.status, 201, again.text);
    assert.equal((await storedFiles(filesDir(s))).length, 1);
    // a second failure leaves an orphan for good
    const unbreak = await failingTrigger(s.db, 'attachments', { message: 'test: refused' });
    const lost = Buffer.concat([PNG, Buffer.from('lost')]);
    const r2 = await uploadFetch(s.base, t1.token, c.id, lost, 'image/png', '丢失.png');
    assert.equal(r2.status, 503, r2.text);
    await unbreak();
    await s.stop();
    const v = await auditVerify(s.db, s.env);
    assert.ok(v.ok, v.text);
    assert.match(v.text, /另有 1 个没有附件引用的文件/);
    const p = await runCli(s, ['files', 'prune', '--db', s.db]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /删除 1 个没有附件引用的文件/);
    assert.deepEqual((await storedFiles(filesDir(s))).map((f) => f.sha), [sha256(orphan)]);
    const v2 = await auditVerify(s.db, s.env);
    assert.ok(v2.ok && !/另有/.test(v2.text), v2.text);
  } finally {
    await s.cleanup();
  }
});

test('files prune needs the server stopped (SQLite: the writer lock; PostgreSQL: the writers\' lock, held alone)',
  async () => {
    const files = await storedFiles();
    const busy = await runCli(srv, ['files', 'prune', '--db', srv.db]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /正被另一个 civicloop 进程/);
    assert.deepEqual(await storedFiles(), files, 'nothing pruned');
  });

test('a full disk: the file cannot be written, 503, nothing kept; uploads resume when space returns',
  { skip: !(process.getuid && process.getuid() === 0) && !process.env.CI ? 'needs root to mount a tmpfs' : false }, async () => {
    const mnt = await mkdtemp(path.join(tmpdir(), 'civicloop-attfull-'));
    const mounted = await runCmd('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]);
    assert.equal(mounted.code, 0, `mount tmpfs: ${mounted.stderr}`);
    const dir = path.join(mnt, 'db');
    await mkdir(dir);
    const s = await startServer({ cases: false, dir, autoStop: false });
    try {
      const t1 = await s.login('town1');
      const o1 = await s.login('op1');
      const c = (await o1.create(caseBody({ org: 'town.a' }))).case;
      const photo = (tag) => Buffer.concat([PNG, Buffer.alloc(3 * MiB, tag)]);
      const ok = await uploadFetch(s.base, t1.token, c.id, photo(1), 'image/png', '有空间.png');
      assert.equal(ok.status, 201, ok.text);
      // fill the disk up
      const filler = path.join(mnt, 'filler');
      const fh = await open(filler, 'w');
      try {
        for (;;) await fh.write(Buffer.alloc(64 * 1024, 7));
      } catch (e) {
        assert.equal(e.code, 'ENOSPC', `filling the disk: ${e}`);
      } finally {
        await fh.close().catch(() => {});
      }
      const full = await uploadFetch(s.base, t1.token, c.id, photo(2), 'image/png', '满盘.png');
      assert.equal(full.status, 503, full.text);
      assert.equal(full.json.error.code, 'unavailable');
      assert.match(full.json.error.message, /附件未能保存/);
      const list = await t1.get(`/api/v1/cases/${c.id}/attachments`);
      assert.equal(list.json.items.length, 1);
      const files = await storedFiles(filesDir(s));
      assert.deepEqual(files.map((f) => f.sha), [sha256(photo(1))], 'no file, no temporary file left');
      await rm(filler);
      const back = await uploadFetch(s.base, t1.token, c.id, photo(2), 'image/png', '满盘.png');
      assert.equal(back.status, 201, back.text);
      await s.stop();
      const v = await auditVerify(s.db, s.env);
      assert.ok(v.ok && !/另有/.test(v.text), v.text);
    } finally {
      await s.cleanup();
      await runCmd('umount', ['-l', mnt]);
      await rm(mnt, { recursive: true, force: true });
    }
  });

test('a missing or damaged file is 503 on download and reported by audit verify', async () => {
  const c = await townCase('损坏的附件');
  const gone = Buffer.concat([JPEG, Buffer.from('会被删')]);
  const hurt = Buffer.concat([JPEG, Buffer.from('会被改')]);
  const a = (await upload(town1, c.id, gone, 'image/jpeg', { name: '会被删.jpg' })).json.attachment;
  const b = (await upload(town1, c.id, hurt, 'image/jpeg', { name: '会被改.jpg' })).json.attachment;
  const fa = path.join(FILES, a.sha256.slice(0, 2), a.sha256);
  const fb = path.join(FILES, b.sha256.slice(0, 2), b.sha256);
  const keep = path.join(srv.dir, 'keep.jpg');
  await rename(fa, keep);
  await runCmd('truncate', ['-s', '3', fb]);
  try {
    for (const id of [a.id, b.id]) {
      const res = await fetch(srv.url(`/api/v1/attachments/${id}`), { headers: { Authorization: `Bearer ${town1.token}` } });
      assert.equal(res.status, 503);
      assert.equal((await res.json()).error.code, 'unavailable');
    }
    const v = await auditVerify(srv.db, srv.env);
    assert.equal(v.code, 1, v.text);
    assert.match(v.text, new RegExp(`附件 ${a.id}（工单 ${c.id}）的文件 ${a.sha256} 缺失`));
    assert.match(v.text, new RegExp(`附件 ${b.id}（工单 ${c.id}）的文件 ${b.sha256} 大小或 SHA-256 不符`));
    assert.match(v.text, /附件有误：2 个附件/);
  } finally {
    await rename(keep, fa);
  }
  // a new upload of the same bytes repairs the damaged file
  const fix = await upload(town1, c.id, hurt, 'image/jpeg', { name: '修复.jpg' });
  assert.equal(fix.status, 201, fix.text);
  assert.equal((await download(town1, b.id)).status, 200);
  assert.ok((await auditVerify(srv.db, srv.env)).ok);
});

test('an upload may take 5 minutes over a slow link; other requests keep the request timeout', async () => {
  const s = await startServer({ cases: false, serveArgs: ['--request-timeout', '2'] });
  const t1 = await s.login('town1');
  const o1 = await s.login('op1');
  const c = (await o1.create(caseBody({ org: 'town.a' }))).case;
  /** A POST whose body trickles in over `ms`, one piece a second. */
  const trickle = (pathq, type, bytes, ms) => {
    const pieces = Math.ceil(ms / 1000);
    const step = Math.ceil(bytes.length / pieces);
    let i = 0;
    return fetch(`${s.base}${pathq}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t1.token}`, 'Content-Type': type },
      body: new ReadableStream({
        async pull(ctl) {
          if (i >= bytes.length) return ctl.close();
          if (i > 0) await new Promise((r) => setTimeout(r, 1000));
          ctl.enqueue(bytes.subarray(i, i + step));
          i += step;
        },
      }),
      duplex: 'half',
    }).then(async (r) => ({ status: r.status, text: await r.text() }), (e) => ({ status: 0, text: String(e.cause || e) }));
  };
  const photo = Buffer.concat([PNG, Buffer.alloc(4096, 3)]);
  const slow = await trickle(`/api/v1/cases/${c.id}/attachments?name=slow.png`, 'image/png', photo, 4000);
  assert.equal(slow.status, 201, slow.text);
  // an action's body trickled as slowly is cut off at the 2 s request limit
  const act = await trickle(`/api/v1/cases/${c.id}/actions/sign`, 'application/json', Buffer.from(JSON.stringify({ comment: 'x'.repeat(400) })), 4000);
  assert.notEqual(act.status, 200, `an ordinary request keeps its time limit: ${act.status} ${act.text}`);
  assert.ok(act.status === 0 || act.status >= 400, `${act.status} ${act.text}`);
});

test('uploads past the slots are 503 at once, their bodies not kept', async () => {
  const s = await startServer({ cases: false, env: { CIVICLOOP_UPLOAD_SLOTS: '1' } });
  const t1 = await s.login('town1');
  const o1 = await s.login('op1');
  const c = (await o1.create(caseBody({ org: 'town.a' }))).case;
  // the first upload holds the one slot while its body trickles in
  let release;
  const gate = new Promise((r) => (release = r));
  let sent = false;
  const slow = fetch(`${s.base}/api/v1/cases/${c.id}/attachments?name=slow.png`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${t1.token}`, 'Content-Type': 'image/png' },
    body: new ReadableStream({
      async pull(ctl) {
        if (!sent) {
          sent = true;
          ctl.enqueue(PNG.subarray(0, 10));
          return;
        }
        await gate;
        ctl.enqueue(PNG.subarray(10));
        ctl.close();
      },
    }),
    duplex: 'half',
  });
  await new Promise((r) => setTimeout(r, 300));
  const busy = await uploadFetch(s.base, t1.token, c.id, PNG, 'image/png', 'busy.png');
  assert.equal(busy.status, 503, busy.text);
  assert.match(busy.json.error.message, /上传的文件较多/);
  release();
  const first = await slow;
  assert.equal(first.status, 201, await first.text());
  // the slot is back
  const after = await uploadFetch(s.base, t1.token, c.id, PNG, 'image/png', 'after.png');
  assert.equal(after.status, 201, after.text);
});

// last: it restores the database under the server of every test above
test('backup copies the files, verified by hash; a restore puts them back and serves them',
  { skip: BACKEND === 'postgres' && 'civicloop backup copies a SQLite file (PostgreSQL: pg_dump / pg_basebackup and the state folder)' }, async () => {
    const c = await townCase('备份附件');
    const a = (await upload(town1, c.id, PDF, 'application/pdf', { name: '备份.pdf' })).json.attachment;
    const dir = path.join(srv.dir, 'bk');
    await mkdir(dir);
    const to = path.join(dir, 'county.db');
    const b = await runBin(['backup', '--db', srv.db, '--to', to]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /已复制附件文件 .* 个文件/);
    const want = (await sqlRows(srv.db, 'SELECT DISTINCT sha256 AS sha FROM attachments')).map((r) => r.sha).sort();
    const got = await storedFiles(`${to}.files`);
    assert.deepEqual(got.map((f) => f.sha).sort(), want, 'every file the copy names, and no other');
    for (const f of got) {
      assert.equal(f.mode, 0o600);
      assert.equal(sha256(await readFile(path.join(`${to}.files`, f.sub, f.sha))), f.sha);
    }
    assert.deepEqual((await readdir(dir)).sort(), ['county.db', 'county.db.files', 'county.db.key'], 'no temporary folder left');
    const v = await auditVerify(to);
    assert.ok(v.ok, v.text);
    // an existing TO.files is refused without --force
    await rm(to);
    await rm(`${to}.key`);
    const again = await runBin(['backup', '--db', srv.db, '--to', to]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /附件目录 .* 已存在/);
    assert.equal((await runBin(['backup', '--db', srv.db, '--to', to, '--force'])).code, 0);

    // restore as docs/operations.md says: stop, move the current files aside, copy the backup in
    await srv.stop();
    const old = path.join(srv.dir, 'old');
    await mkdir(old);
    for (const f of ['demo.db', 'demo.db-wal', 'demo.db-shm', 'demo.db.key', 'demo.db.files']) {
      await rename(path.join(srv.dir, f), path.join(old, f)).catch(() => {});
    }
    assert.equal((await runCmd('install', ['-m', '600', to, srv.db])).code, 0);
    assert.equal((await runCmd('install', ['-m', '600', `${to}.key`, `${srv.db}.key`])).code, 0);
    await cp(`${to}.files`, FILES, { recursive: true, preserveTimestamps: true });
    const rv = await auditVerify(srv.db);
    assert.ok(rv.ok, rv.text);
    await srv.restart();
    const t = await srv.login('town1');
    const d = await download(t, a.id);
    assert.equal(d.status, 200);
    assert.deepEqual(d.body, PDF);
  });
