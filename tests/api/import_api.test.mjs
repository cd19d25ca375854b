// POST /api/v1/import (docs/api.md, docs/import.md): the administrator
// (import.manage) posts a mapping and rows while the server runs; others —
// the 110 system with its case.import included — get 403; a faulty mapping
// or body is a 400 that writes nothing; a re-post changes nothing but its
// run event; a refused row is reported by its index and leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, assertError, sqlText, REPO } from './helpers.mjs';

const srv = await startServer();
const DEMO = path.join(REPO, 'config', 'demo', 'import');
const mapping = JSON.parse(await readFile(path.join(DEMO, 'zz_system.mapping.json'), 'utf8'));
const rows = JSON.parse(await readFile(path.join(DEMO, 'zz_system.json'), 'utf8'));

const sql = (q) => sqlText(srv.db, q);
const counts = async () => ({
  cases: Number(await sql('SELECT count(*) FROM cases')),
  events: Number(await sql('SELECT count(*) FROM events WHERE actor_id IS NOT NULL')),
});

test('only the administrator may import; 110 (case.import) may not', async () => {
  const before = await counts();
  for (const login of ['op1', 'disp1', 'link110', 'leader1', 'jw1']) {
    const c = await srv.login(login);
    assertError(await c.post('/api/v1/import', { mapping, rows }), 403, 'permission.denied');
  }
  assert.equal((await srv.raw('POST', '/api/v1/import', { body: '{}' })).status, 401);
  assert.deepEqual(await counts(), before);
});

test('a faulty body or mapping is a 400 that writes nothing', async () => {
  const admin = await srv.login('admin');
  const before = await counts();
  const bad = [
    [{ rows }, 'mapping'],
    [{ mapping }, 'rows'],
    [{ mapping, rows: [] }, 'rows'],
    [{ mapping, rows: 'x' }, 'rows'],
    [{ mapping, rows: Array(2001).fill({}) }, 'rows'],
    [{ mapping, rows, extra: 1 }, 'extra'],
    [{ mapping, rows, file: 'a\nb' }, 'file'],
    [{ mapping: { ...mapping, type: 'nosuch' }, rows }, 'type'],
    [{ mapping: { ...mapping, status: { column: 'state', map: { 办结: 'nosuch' } } }, rows }, 'status'],
    [{ mapping: { ...mapping, fields: { content: 'x' } }, rows }, 'fields'],
  ];
  for (const [body, field] of bad) {
    const r = await admin.post('/api/v1/import', body);
    assert.equal(r.status, 400, `${field}: ${r.text}`);
    assert.equal(r.json.error.field, field, r.text);
  }
  assert.deepEqual(await counts(), before);
});

test('the 综治 rows import; a re-post changes nothing but its run event; bad rows are reported', async () => {
  const admin = await srv.login('admin');
  const before = await counts();
  const r = await admin.post('/api/v1/import', { mapping, rows, file: 'zz_system.json' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { added: 15, updated: 0, unchanged: 0, refused: 0, rejections: [] });
  const mid = await counts();
  assert.equal(mid.cases, before.cases + 15);
  const again = await admin.post('/api/v1/import', { mapping, rows });
  assert.deepEqual(again.json, { added: 0, updated: 0, unchanged: 15, refused: 0, rejections: [] });
  assert.deepEqual(await counts(), { cases: mid.cases, events: mid.events + 1 });

  // one changed row, one new, three refused
  const changed = { ...rows[0], content: rows[0].content + '（补充：双方已同意到村委会调解）' };
  const fresh = { ...rows[1], event_id: 'ZZ-API-1' };
  const r2 = await admin.post('/api/v1/import', { mapping, rows: [changed, fresh,
    { ...rows[2], event_id: 'ZZ-API-2', level: '外星人' },
    { ...rows[2], event_id: 'ZZ-API-3', report_time: '昨天' }, 7,
    { ...rows[2], event_id: 'ZZ-API-4', lat: 'nan' }] });
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.json.added, 1);
  assert.equal(r2.json.updated, 1);
  assert.equal(r2.json.refused, 4);
  assert.deepEqual(r2.json.rejections.map((x) => [x.row, x.id ?? null]),
    [[3, 'ZZ-API-2'], [4, 'ZZ-API-3'], [5, null], [6, 'ZZ-API-4']]);
  assert.match(r2.json.rejections[0].reason, /分类/); // no class map here: the engine's own check
  assert.match(r2.json.rejections[3].reason, /不是数字/);
  assert.equal(await sql("SELECT count(*) FROM cases WHERE ext_ref LIKE 'zz_system:ZZ-API-_' AND ext_ref <> 'zz_system:ZZ-API-1'"), '0');
  assert.equal(await sql("SELECT count(*) FROM events WHERE action = 'import.update'"), '1');
  const run = JSON.parse(await sql("SELECT payload FROM events WHERE action = 'import.run' ORDER BY seq DESC LIMIT 1"));
  assert.deepEqual(run, { source: 'zz_system', type: 'hotline', file: 'api', added: 1, updated: 1, unchanged: 0, refused: 4 });
  // the imported case reads like any other, with its source time kept
  const id = Number(await sql("SELECT id FROM cases WHERE ext_ref = 'zz_system:ZZ-2026-0301'"));
  const c = await admin.case(id);
  assert.equal(Date.parse(c.received_at), Date.parse('2026-10-02T09:00:00+08:00'));
  assert.equal(c.status, 'closed');
});
