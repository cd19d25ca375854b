// Statuses the OpenAPI description documents that no other API test
// produced (the status coverage of tests/openapi/coverage.mjs fails on a
// documented status nobody saw): each produced here, checked for its code,
// and its answer checked against the description's Error schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './helpers.mjs';
import { Ajv2020, addFormats } from './webdeps.mjs';

const srv = await startServer({ testClock: true, cases: false });
const doc = (await srv.raw('GET', '/api/openapi.json')).json;
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
ajv.addSchema({ ...doc, $id: 'doc' });
const errorShape = ajv.getSchema('doc#/components/schemas/Error');

/** r is the documented error status of method p, in the Error shape. */
function documented(r, method, p, status, code) {
  assertError(r, status, code);
  const op = doc.paths[p][method.toLowerCase()];
  assert.ok(op.responses[String(status)], `${method} ${p} documents ${status}`);
  assert.ok(errorShape(r.json), ajv.errorsText(errorShape.errors));
}

test('PUT /api/v1/test/clock: a time that is no time is 400 on now', async () => {
  const admin = await srv.login('admin');
  for (const now of ['yesterday', 12, '2026-13-45T00:00:00Z']) {
    const r = await admin.req('PUT', '/api/v1/test/clock', { now });
    documented(r, 'PUT', '/api/v1/test/clock', 400, 'field.invalid');
    assert.equal(r.json.error.field, 'now');
  }
  const missing = await admin.req('PUT', '/api/v1/test/clock', {});
  documented(missing, 'PUT', '/api/v1/test/clock', 400, 'field.invalid');
});

test('POST /api/v1/import: a body neither JSON nor CSV is 415, nothing imported', async () => {
  const admin = await srv.login('admin');
  const before = (await admin.get('/api/v1/cases?limit=1')).json.items[0]?.id ?? 0;
  const r = await admin.post('/api/v1/import', 'no,rows\n1,2\n', { 'Content-Type': 'text/plain' });
  documented(r, 'POST', '/api/v1/import', 415, 'request.media_type');
  const after = (await admin.get('/api/v1/cases?limit=1')).json.items[0]?.id ?? 0;
  assert.equal(after, before);
});

test('POST /api/v1/auth/password: five wrong old passwords, then 429 even with the right one', async () => {
  const c = await srv.login('disp1');
  const body = (old) => ({ old_password: old, new_password: 'Xy7#kLm9pQ2!z' });
  for (let i = 0; i < 5; i++) {
    const r = await c.post('/api/v1/auth/password', body(`wrong-${i}`));
    documented(r, 'POST', '/api/v1/auth/password', 400, 'field.invalid');
    assert.equal(r.json.error.field, 'old_password');
  }
  const r = await c.post('/api/v1/auth/password', body('Demo#2024'));
  documented(r, 'POST', '/api/v1/auth/password', 429, 'auth.throttled');
  // the password did not change: the session still works and the account still signs in later
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
});

test('GET /api/v1/public/topics: past 120 a minute from one address, 429', async () => {
  const anon = srv.client(null);
  let first429 = -1;
  for (let i = 0; i < 130 && first429 < 0; i++) {
    const r = await anon.get('/api/v1/public/topics');
    if (r.status === 429) first429 = i;
    else assert.equal(r.status, 200, r.text);
  }
  assert.ok(first429 >= 100 && first429 <= 121, `429 after ${first429} requests`);
  documented(await anon.get('/api/v1/public/topics'), 'GET', '/api/v1/public/topics', 429, 'auth.throttled');
});
