// Sign-in, tokens, cookies with CSRF, logout and login throttling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, PASSWORD } from './helpers.mjs';

const srv = await startServer();

// API.md's demo table: login, role, org code.
const DEMO = [
  ['admin', 'admin', 'county'],
  ['op1', 'operator', 'county.12345'],
  ['disp1', 'dispatcher', 'county.12345'],
  ['sup1', 'supervisor', 'county.12345'],
  ['cg1', 'handler', 'dept.cg'],
  ['sl1', 'handler', 'dept.sl'],
  ['rs1', 'handler', 'dept.rs'],
  ['town1', 'handler', 'town.a'],
  ['town2', 'handler', 'town.b'],
  ['grid1', 'grid_worker', 'grid.a1'],
  ['med1', 'mediator', 'village.a1'],
  ['insp1', 'inspector', 'dept.yj'],
  ['ent1', 'enterprise', 'ent.demo1'],
  ['leader1', 'leader', 'county'],
  ['jw1', 'discipline', 'dept.jw'],
  ['link110', 'linkage', 'county.12345'],
  ['cglead', 'unit_lead', 'dept.cg'],
];

test('every demo login of API.md signs in with its role and org', async () => {
  const ids = new Set();
  const tokens = new Set();
  for (const [login, role, org] of DEMO) {
    const r = await srv.loginRaw(login);
    assert.equal(r.status, 200, `${login}: ${r.text}`);
    assert.match(r.json.token, /^\S{32,}$/, `${login} token`);
    const u = r.json.user;
    assert.equal(typeof u.id, 'number', `${login} id`);
    assert.equal(u.login, login);
    assert.equal(typeof u.name, 'string');
    assert.ok(u.name.length > 0, `${login} name`);
    assert.equal(u.org, org, `${login} org`);
    assert.ok(Array.isArray(u.roles), `${login} roles`);
    assert.ok(u.roles.includes(role), `${login} has role ${role}: ${JSON.stringify(u.roles)}`);
    ids.add(u.id);
    tokens.add(r.json.token);
  }
  assert.equal(ids.size, DEMO.length, 'user ids are distinct');
  assert.equal(tokens.size, DEMO.length, 'tokens are distinct');
});

test('the token works: GET /api/v1/auth/me returns the user', async () => {
  const r = await srv.loginRaw('cg1');
  const me = await srv.client(r.json.token).get('/api/v1/auth/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.user.login, 'cg1');
  assert.equal(me.json.user.org, 'dept.cg');
  assert.equal(me.json.user.id, r.json.user.id);
});

test('wrong password → 401 in the error shape, no token', async () => {
  const r = await srv.loginRaw('op1', 'Demo#2025');
  assertError(r, 401, 'auth.invalid_credentials');
  assert.equal(r.json.token, undefined);
  assert.equal(r.headers.getSetCookie().length, 0, 'no cookie on failure');
});

test('unknown login → 401 with the same code as a wrong password', async () => {
  const r = await srv.loginRaw('nobody_here', PASSWORD);
  assertError(r, 401, 'auth.invalid_credentials');
});

test('login body: missing password → 400, unknown field → 400, not JSON → 400', async () => {
  const post = (body) =>
    srv.raw('POST', '/api/v1/auth/login', { headers: { 'Content-Type': 'application/json' }, body });
  assertError(await post(JSON.stringify({ login: 'op1' })), 400, 'field.required', 'password');
  assertError(await post(JSON.stringify({ login: 'op1', password: PASSWORD, x: 1 })), 400, 'field.unknown');
  assertError(await post('{"login":'), 400, 'request.bad_json');
});

test('five wrong passwords for one login → the next attempt is 429, even with the right password', async () => {
  for (let i = 0; i < 5; i++) {
    assertError(await srv.loginRaw('rs1', `wrong-${i}`), 401, 'auth.invalid_credentials');
  }
  const r = await srv.loginRaw('rs1', PASSWORD);
  assertError(r, 429, 'auth.throttled');
  assert.equal(r.json.token, undefined);
  // throttling is per account: another account from the same address still signs in
  const other = await srv.loginRaw('sl1', PASSWORD);
  assert.equal(other.status, 200, other.text);
});

test('no token → 401; bad token → 401; wrong scheme → 401', async () => {
  assertError(await srv.raw('GET', '/api/v1/cases'), 401, 'auth.required');
  assertError(await srv.raw('GET', '/api/v1/auth/me'), 401);
  const bad = 'ab'.repeat(32);
  assertError(await srv.raw('GET', '/api/v1/cases', { headers: { Authorization: `Bearer ${bad}` } }), 401);
  assertError(await srv.raw('GET', '/api/v1/cases', { headers: { Authorization: 'Bearer x' } }), 401);
  const good = (await srv.loginRaw('op1')).json.token;
  assertError(await srv.raw('GET', '/api/v1/cases', { headers: { Authorization: `Basic ${good}` } }), 401);
  // a POST without a token is 401 too
  const r = await srv.raw('POST', '/api/v1/cases', {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(caseBody()),
  });
  assertError(r, 401);
});

test('logout ends that session only', async () => {
  const a = await srv.login('disp1', { fresh: true });
  const b = await srv.login('disp1', { fresh: true });
  assert.notEqual(a.token, b.token);
  assert.equal((await a.get('/api/v1/auth/me')).status, 200);
  const out = await a.post('/api/v1/auth/logout', {});
  assert.equal(out.status, 200, out.text);
  assertError(await a.get('/api/v1/auth/me'), 401);
  assertError(await a.get('/api/v1/cases'), 401);
  assertError(await a.post('/api/v1/auth/logout', {}), 401);
  // the other session of the same user is untouched
  assert.equal((await b.get('/api/v1/auth/me')).status, 200);
});

test('cookie auth: HttpOnly cl_session; GET works with the cookie; POST needs X-CSRF-Token', async () => {
  const r = await srv.loginRaw('op1');
  assert.equal(r.status, 200);
  const cookies = r.headers.getSetCookie();
  const session = cookies.find((c) => c.startsWith('cl_session='));
  assert.ok(session, `cl_session cookie set: ${JSON.stringify(cookies)}`);
  assert.match(session, /;\s*HttpOnly/i);
  const value = session.split(';')[0].slice('cl_session='.length);
  assert.equal(value, r.json.token, 'the cookie carries the session token');
  assert.equal(typeof r.json.csrf_token, 'string');
  assert.ok(r.json.csrf_token.length >= 16);
  const cookie = `cl_session=${value}`;

  const me = await srv.raw('GET', '/api/v1/auth/me', { headers: { Cookie: cookie } });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.user.login, 'op1');
  const list = await srv.raw('GET', '/api/v1/cases?limit=1', { headers: { Cookie: cookie } });
  assert.equal(list.status, 200);

  const admin = await srv.login('admin');
  const before = (await admin.listAll()).length;
  const body = JSON.stringify(caseBody({ title: 'cookie 登记' }));
  const noCsrf = await srv.raw('POST', '/api/v1/cases', {
    headers: { Cookie: cookie, 'Content-Type': 'application/json' },
    body,
  });
  assertError(noCsrf, 403, 'auth.csrf');
  const wrongCsrf = await srv.raw('POST', '/api/v1/cases', {
    headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': 'f'.repeat(64) },
    body,
  });
  assertError(wrongCsrf, 403, 'auth.csrf');
  // the session token is not the CSRF token
  const tokenAsCsrf = await srv.raw('POST', '/api/v1/cases', {
    headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': value },
    body,
  });
  assertError(tokenAsCsrf, 403, 'auth.csrf');
  assert.equal((await admin.listAll()).length, before, 'rejected cookie POSTs created nothing');

  const ok = await srv.raw('POST', '/api/v1/cases', {
    headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': r.json.csrf_token },
    body,
  });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.case.status, 'received');
  assert.equal((await admin.listAll()).length, before + 1);
});

test('a bearer POST needs no CSRF token', async () => {
  const op1 = await srv.login('op1');
  const r = await op1.post('/api/v1/cases', caseBody({ title: 'bearer 登记' }));
  assert.equal(r.status, 201, r.text);
});

test('cookie auth: a 1-byte X-CSRF-Token (shorter than the real one) → 403 auth.csrf', async () => {
  const r = await srv.loginRaw('op1');
  const cookie = `cl_session=${r.json.token}`;
  for (const csrf of ['x', r.json.csrf_token[0], r.json.csrf_token.slice(0, 63), `${r.json.csrf_token}0`]) {
    const res = await srv.raw('POST', '/api/v1/cases', {
      headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(caseBody({ title: 'csrf 长度' })),
    });
    assertError(res, 403, 'auth.csrf');
  }
});
