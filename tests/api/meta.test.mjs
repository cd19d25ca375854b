// Health, metrics, types, orgs, calendar, keys and the OpenAPI description.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './helpers.mjs';

const srv = await startServer();

test('GET /healthz answers {"status":"ok"}', async () => {
  const r = await srv.raw('GET', '/healthz');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(r.json, { status: 'ok' });
});

test('GET /metrics is Prometheus text with request and writer metrics', async () => {
  const admin = await srv.login('admin'); // makes at least one write batch (the session)
  await admin.get('/api/v1/types');
  const r = await srv.raw('GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  assert.match(r.text, /^# (HELP|TYPE) /m);
  assert.match(r.text, /civicloop_http_requests_total\{[^}]*\} \d+/);
  assert.match(r.text, /civicloop_writer_batch_size/);
  // the login we just made is counted
  assert.match(r.text, /civicloop_http_requests_total\{[^}]*route="\/api\/v1\/auth\/login"[^}]*status="200"[^}]*\} [1-9]/);
});

test('GET /api/v1/types lists hotline; /types/hotline has its classes, states and actions', async () => {
  const admin = await srv.login('admin');
  const r = await admin.get('/api/v1/types');
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.json.items));
  const hl = r.json.items.find((t) => t.code === 'hotline');
  assert.ok(hl, 'hotline listed');
  assert.equal(typeof hl.name, 'string');
  assert.ok(hl.name.length > 0);

  const t = await admin.get('/api/v1/types/hotline');
  assert.equal(t.status, 200);
  assert.equal(t.json.code, 'hotline');
  const actions = t.json.actions.map((a) => a.code);
  for (const a of ['dispatch', 'answer', 'sign', 'return', 'approve_return', 'reject_return',
    'reply', 'review', 'callback', 'urge', 'supervise', 'merge', 'unmerge', 'transfer_110']) {
    assert.ok(actions.includes(a), `hotline has action ${a}`);
  }
  const classes = t.json.classes.map((c) => c.code);
  for (const c of ['咨询', '求助', '投诉', '举报', '建议']) assert.ok(classes.includes(c), `class ${c}`);
  const states = t.json.states.map((s) => s.code);
  for (const s of ['received', 'dispatched', 'handling', 'replied', 'callback', 'closed']) {
    assert.ok(states.includes(s), `state ${s}`);
  }
});

test('hotline has every action API.md names, including extend, approve_extension and reopen', async () => {
  const admin = await srv.login('admin');
  const t = await admin.get('/api/v1/types/hotline');
  const actions = t.json.actions.map((a) => a.code);
  const missing = ['dispatch', 'answer', 'sign', 'return', 'approve_return', 'reject_return', 'extend',
    'approve_extension', 'reply', 'review', 'callback', 'urge', 'supervise', 'merge', 'unmerge', 'reopen',
    'transfer_110'].filter((a) => !actions.includes(a));
  assert.deepEqual(missing, [], `hotline lacks ${missing.join(', ')}`);
});

test('GET /api/v1/types/{unknown} → 404; types need sign-in', async () => {
  const admin = await srv.login('admin');
  assertError(await admin.get('/api/v1/types/nosuchtype'), 404);
  assertError(await srv.raw('GET', '/api/v1/types'), 401);
});

test('GET /api/v1/orgs: admin sees county; children of county include the departments', async () => {
  const admin = await srv.login('admin');
  const r = await admin.get('/api/v1/orgs');
  assert.equal(r.status, 200);
  const county = r.json.items.find((o) => o.code === 'county');
  assert.ok(county, `county listed: ${r.text}`);
  assert.equal(typeof county.id, 'number');
  assert.equal(county.kind, 'county');
  assert.equal(county.parent, null);
  assert.equal(typeof county.name, 'string');

  const c = await admin.get(`/api/v1/orgs?parent=${county.id}`);
  assert.equal(c.status, 200);
  const codes = c.json.items.map((o) => o.code);
  for (const code of ['county.12345', 'dept.cg', 'dept.zj', 'dept.sl', 'dept.rs', 'dept.jw',
    'ent.power', 'ent.water', 'town.a', 'town.b']) {
    assert.ok(codes.includes(code), `child ${code} of county`);
  }
  const cg = c.json.items.find((o) => o.code === 'dept.cg');
  assert.equal(cg.name, '濂江县城市管理局');
  assert.equal(cg.kind, 'department');
  assert.equal(cg.parent, county.id);
  for (const o of c.json.items) assert.equal(o.parent, county.id);
  // grandchildren are not children
  assert.ok(!codes.includes('village.a1'));

  const one = await admin.get(`/api/v1/orgs/${cg.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.code, 'dept.cg');
  assertError(await admin.get('/api/v1/orgs/999999'), 404);
});

test('GET /api/v1/calendar marks the 2024 Spring Festival make-up day and holidays', async () => {
  const r = await srv.raw('GET', '/api/v1/calendar?from=2024-02-01&to=2024-02-29');
  assert.equal(r.status, 200);
  const days = r.json.days;
  assert.equal(days.length, 29);
  assert.equal(days[0].date, '2024-02-01');
  assert.equal(days[28].date, '2024-02-29');
  const by = Object.fromEntries(days.map((d) => [d.date, d]));
  assert.equal(by['2024-02-04'].workday, true); // Sunday, make-up working day
  assert.equal(by['2024-02-04'].name, '春节');
  assert.equal(by['2024-02-12'].workday, false); // Monday in the holiday
  assert.equal(by['2024-02-12'].name, '春节');
  assert.equal(by['2024-02-18'].workday, true); // Sunday, make-up working day
  assert.equal(by['2024-02-09'].workday, true); // Friday (除夕), officially a working day
  assert.equal(by['2024-02-10'].workday, false);
  assert.equal(by['2024-02-17'].workday, false);
  assert.equal(by['2024-02-19'].workday, true);
  assert.equal(by['2024-02-24'].workday, false); // ordinary Saturday
  assert.equal(by['2024-02-26'].workday, true); // ordinary Monday
  const work = days.filter((d) => d.workday).length;
  // weekdays in Feb 2024: 21; holidays on weekdays: 02-12..02-16 (5); make-up Sundays: 02-04, 02-18 (2)
  assert.equal(work, 21 - 5 + 2);
});

test('GET /api/v1/calendar rejects to before from and bad dates with 400', async () => {
  assertError(await srv.raw('GET', '/api/v1/calendar?from=2024-02-10&to=2024-02-01'), 400);
  assertError(await srv.raw('GET', '/api/v1/calendar?from=2024-13-01&to=2024-12-31'), 400);
  assertError(await srv.raw('GET', '/api/v1/calendar?from=yesterday'), 400);
});

test('GET /api/v1/keys publishes an Ed25519 public key', async () => {
  const r = await srv.raw('GET', '/api/v1/keys');
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.json.items) && r.json.items.length >= 1);
  const k = r.json.items.find((x) => x.alg === 'Ed25519');
  assert.ok(k, r.text);
  assert.match(k.public_key, /^[0-9a-f]{64}$/);
  assert.equal(typeof k.key_id, 'string');
  assert.ok(k.key_id.length > 0);
});

test('GET /api/openapi.json is an OpenAPI 3 document with the case paths', async () => {
  const r = await srv.raw('GET', '/api/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.json.openapi, /^3\./);
  assert.equal(typeof r.json.paths, 'object');
  for (const p of ['/api/v1/cases', '/api/v1/cases/{id}', '/api/v1/cases/{id}/events',
    '/api/v1/auth/login', '/healthz']) {
    assert.ok(r.json.paths[p], `path ${p} described`);
  }
  assert.ok(r.json.paths['/api/v1/cases'].post, 'POST /api/v1/cases described');
  assert.ok(r.json.paths['/api/v1/cases'].get, 'GET /api/v1/cases described');
});

test('unknown route → 404, wrong method → 405, both in the error shape', async () => {
  assertError(await srv.raw('GET', '/api/v1/nothing-here'), 404, 'route.not_found');
  assertError(await srv.raw('GET', '/api/no/such/path'), 404);
  assertError(await srv.raw('POST', '/no/such/path'), 404, 'route.not_found');
  assertError(await srv.raw('DELETE', '/healthz'), 405, 'request.method_not_allowed');
  assertError(await srv.raw('PUT', '/api/v1/cases'), 405);
  assertError(await srv.raw('GET', '/api/v1/auth/login'), 405);
});
