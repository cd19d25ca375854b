// Accounts for admins over HTTP: GET /api/v1/users and POST /api/v1/users
// (and the PATCH /api/v1/users/{id} additions), docs/api.md "Accounts".
// Unhappy paths first: no user.manage, another subtree, every bad field, a
// login in use, hostile text, a write that fails; then the happy paths.
//
// A town.a admin (townadmin, admin over town.a) is made with the CLI before
// the server serves, so no happy path of the API is needed to set up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, assertError, runCli, runCmd, sqlText, cliEnv, failingTrigger, sqlHex, caseBody, BIN, PASSWORD, BACKEND } from './helpers.mjs';

const srv = await startServer({ cases: false });
const TOWN_ADMIN_PW = 'Town#Admin-2025';
const NEW_PW = 'Strong#Pass2024';

/** Runs the binary on srv's database with `input` on its standard input. */
function runWithInput(args, input) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'pipe'], env: cliEnv(srv) });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    p.once('error', reject);
    p.once('exit', (code) => resolve({ code, stdout, stderr }));
    p.stdin.on('error', () => {});
    p.stdin.end(input);
  });
}

const sql = (stmt, db = srv.db) => sqlText(db, stmt);
const count = async (where) => Number(await sql(`SELECT count(*) FROM ${where}`));
/** What an account-creating request may change: accounts, grants, events. */
const snapshot = async () => ({
  users: await count('users'),
  roles: await count('user_roles'),
  events: await count('events WHERE actor_id IS NOT NULL'),
});

await srv.stop();
{
  const r = await runWithInput(['user', 'add', '--db', srv.db, '--login', 'townadmin', '--name', '镇管理员',
    '--org', 'town.a', '--role', 'admin', '--password-stdin'], `${TOWN_ADMIN_PW}\n`);
  assert.equal(r.code, 0, r.stderr);
}
await srv.restart();

const admin = await srv.login('admin');
const townAdmin = await (async () => {
  const r = await srv.loginRaw('townadmin', TOWN_ADMIN_PW);
  assert.equal(r.status, 200, r.text);
  return srv.client(r.json.token);
})();

// town.a's subtree in the demo county, and an org of each other kind
const TOWN_A = new Set(['town.a', 'village.a1', 'grid.a1', 'grid.a2', 'village.a2', 'grid.a3', 'village.a3',
  'grid.a4', 'grid.a5', 'ent.demo1']);
const orgIds = new Map();
for (const o of (await admin.get('/api/v1/orgs')).json.items) orgIds.set(o.code, o.id);
for (const code of ['county', 'town.a', 'town.b']) {
  const id = orgIds.get(code) ?? orgIds.get('county');
  const kids = (await admin.get(`/api/v1/orgs?parent=${id}`)).json.items;
  for (const k of kids) orgIds.set(k.code, k.id);
}

const body = (extra = {}) => ({
  login: 'newhandler', name: '新承办人', org: 'village.a1', roles: ['handler'], password: NEW_PW, ...extra,
});
const ITEM_KEYS = ['created_at', 'disabled', 'grants', 'id', 'login', 'name', 'org', 'roles'];

// ------------------------------------------------------------ unhappy paths

test('without user.manage: GET and POST /api/v1/users are 403, and nothing is written', async () => {
  const before = await snapshot();
  for (const login of ['op1', 'disp1', 'town1', 'leader1', 'jw1', 'grid1', 'link110', 'ent1']) {
    const c = await srv.login(login);
    assertError(await c.get('/api/v1/users'), 403, 'permission.denied');
    assertError(await c.get('/api/v1/users?org=town.a&q=town'), 403, 'permission.denied');
    assertError(await c.post('/api/v1/users', body({ login: `by${login}` })), 403, 'permission.denied');
  }
  assertError(await srv.raw('GET', '/api/v1/users'), 401, 'auth.required');
  assertError(await srv.raw('POST', '/api/v1/users', {
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body()),
  }), 401, 'auth.required');
  assert.deepEqual(await snapshot(), before);
});

test('a town.a admin neither lists nor creates accounts outside town.a, and cannot tell them from missing ones', async () => {
  const before = await snapshot();
  const all = (await townAdmin.get('/api/v1/users?limit=200')).json;
  assert.ok(all.items.length >= 5, JSON.stringify(all));
  for (const u of all.items) assert.ok(TOWN_A.has(u.org.code), `${u.login} of ${u.org.code} listed to a town.a admin`);
  assert.ok(all.items.some((u) => u.login === 'town1'));
  assert.ok(!all.items.some((u) => u.login === 'town2' || u.login === 'admin'));
  // searching does not reach outside either
  assert.deepEqual((await townAdmin.get('/api/v1/users?q=town2')).json.items, []);
  assert.deepEqual((await townAdmin.get('/api/v1/users?q=%E6%9C%B1')).json.items, [], '朱 (town2) is not found');
  // another subtree, the county above, an unknown org: the same 400
  const unknown = await townAdmin.get('/api/v1/users?org=nosuch');
  assertError(unknown, 400, 'field.invalid', 'org');
  for (const org of ['town.b', 'county', 'dept.cg', String(orgIds.get('town.b')), String(orgIds.get('county')), '99999']) {
    const r = await townAdmin.get(`/api/v1/users?org=${org}`);
    assertError(r, 400, 'field.invalid', 'org');
    assert.equal(r.text, unknown.text, `?org=${org} answers like an unknown org`);
  }
  // creating: an org outside, a role scoped outside; each like an unknown one
  const cu = await townAdmin.post('/api/v1/users', body({ org: 'nosuch' }));
  assertError(cu, 400, 'field.invalid', 'org');
  for (const org of ['town.b', 'county', 'grid.b1', orgIds.get('town.b'), orgIds.get('county')]) {
    const r = await townAdmin.post('/api/v1/users', body({ org }));
    assertError(r, 400, 'field.invalid', 'org');
    assert.equal(r.text, cu.text, `org ${org} answers like an unknown org`);
  }
  for (const role of ['handler@county', 'admin@town.b', 'leader@nosuch']) {
    assertError(await townAdmin.post('/api/v1/users', body({ roles: [role] })), 400, 'field.invalid', 'roles');
  }
  assert.deepEqual(await snapshot(), before);
});

test('POST /api/v1/users: each bad field is 400 naming it, and nothing is written', async () => {
  const before = await snapshot();
  const cases = [
    // [body, code, field]
    [{ ...body(), login: undefined }, 'field.required', 'login'],
    [{ ...body(), name: undefined }, 'field.required', 'name'],
    [{ ...body(), org: undefined }, 'field.required', 'org'],
    [{ ...body(), roles: undefined }, 'field.required', 'roles'],
    [{ ...body(), password: undefined }, 'field.required', 'password'],
    [body({ phone: '13800000000' }), 'field.unknown', 'phone'],
    [body({ login: 'New Handler' }), 'field.invalid', 'login'],
    [body({ login: 'NewHandler' }), 'field.invalid', 'login'],
    [body({ login: '' }), 'field.invalid', 'login'],
    [body({ login: '承办人' }), 'field.invalid', 'login'],
    [body({ login: 'a'.repeat(65) }), 'field.invalid', 'login'],
    [body({ login: 42 }), 'field.invalid', 'login'],
    [body({ name: '' }), 'field.invalid', 'name'],
    [body({ name: '   ' }), 'field.invalid', 'name'],
    [body({ name: '\u3000\u00a0' }), 'field.invalid', 'name'],
    [body({ name: '张\u0007三' }), 'field.invalid', 'name'],
    [body({ name: '张\n三' }), 'field.invalid', 'name'],
    [body({ name: '中'.repeat(33) }), 'field.invalid', 'name'],
    [body({ name: ['张三'] }), 'field.invalid', 'name'],
    [body({ org: 12.5 }), 'field.invalid', 'org'],
    [body({ org: { code: 'town.a' } }), 'field.invalid', 'org'],
    [body({ org: 'x'.repeat(1000) }), 'field.invalid', 'org'],
    [body({ roles: [] }), 'field.invalid', 'roles'],
    [body({ roles: 'handler' }), 'field.invalid', 'roles'],
    [body({ roles: ['wizard'] }), 'field.invalid', 'roles'],
    [body({ roles: ['Handler'] }), 'field.invalid', 'roles'],
    [body({ roles: [1] }), 'field.invalid', 'roles'],
    [body({ roles: ['handler', 'handler'] }), 'field.invalid', 'roles'],
    [body({ roles: ['handler@'] }), 'field.invalid', 'roles'],
    [body({ roles: ['@town.a'] }), 'field.invalid', 'roles'],
    [body({ roles: ['operator', 'dispatcher', 'supervisor', 'handler', 'unit_lead', 'grid_worker', 'mediator', 'inspector', 'leader'] }), 'field.invalid', 'roles'],
    [body({ password: 123456789012 }), 'field.invalid', 'password'],
  ];
  for (const [b, code, field] of cases) {
    const r = await admin.post('/api/v1/users', b);
    assertError(r, 400, code, field);
  }
  // an unknown role is named in the message
  const wiz = await admin.post('/api/v1/users', body({ roles: ['handler', 'wizard'] }));
  assert.match(wiz.json.error.message, /wizard/);
  // the password policy of the CLI, each rule with its message (login newhandler)
  for (const [pw, msg] of [
    ['Ab1!xyz', /至少需要 10 个字符/],
    [' '.repeat(12), /不能全是空格/],
    ['Xx-NewHandler-9', /不能包含账号名/],
    ['abcdefghijkl', /至少 3 类/],
    ['abcdefgh1234', /至少 3 类/],
    ['Aa1!'.repeat(40), /不能超过 128 字节/],
  ]) {
    const r = await admin.post('/api/v1/users', body({ password: pw }));
    assertError(r, 400, 'field.invalid', 'password');
    assert.match(r.json.error.message, msg);
    assert.ok(!r.text.includes(pw.trim() || 'x'.repeat(99)), 'the password is not echoed');
  }
  // not JSON, not an object, the wrong media type
  const raw = (text, ct = 'application/json') => srv.raw('POST', '/api/v1/users', {
    headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': ct }, body: text,
  });
  assertError(await raw('{"login":'), 400, 'request.bad_json');
  assertError(await raw('["newhandler"]'), 400, 'request.invalid');
  assertError(await raw(JSON.stringify(body()), 'text/plain'), 415, 'request.media_type');
  assert.deepEqual(await snapshot(), before);
  assert.equal(await count("users WHERE login = 'newhandler'"), 0);
});

test('a login in use is 409 user.exists (also when two ask at once, and behind an Idempotency-Key), nothing written', async () => {
  const before = await snapshot();
  for (const login of ['town1', 'admin', 'townadmin']) {
    const r = await admin.post('/api/v1/users', body({ login }));
    assertError(r, 409, 'user.exists', 'login');
    assert.match(r.json.error.message, new RegExp(login));
  }
  // the writer's own check: with an Idempotency-Key the handler leaves it to the writer
  assertError(await admin.post('/api/v1/users', body({ login: 'town2' }), { 'Idempotency-Key': 'dup-town2' }),
    409, 'user.exists', 'login');
  assert.deepEqual(await snapshot(), before);
  // the same new login twice at once: one account, one 409
  const rs = await Promise.all([
    admin.post('/api/v1/users', body({ login: 'racer', name: '甲' })),
    admin.post('/api/v1/users', body({ login: 'racer', name: '乙' })),
  ]);
  assert.deepEqual(rs.map((r) => r.status).sort(), [201, 409], rs.map((r) => r.text).join('\n'));
  assertError(rs.find((r) => r.status === 409), 409, 'user.exists', 'login');
  assert.equal(await count("users WHERE login = 'racer'"), 1);
  assert.equal(await count("events WHERE action = 'user.add' AND payload LIKE '%\"racer\"%'"), 1);
});

test('hostile text: invalid UTF-8 in login, name or q, NUL, surrogates, LIKE wildcards — 400 or a literal match, never a write', async () => {
  const before = await snapshot();
  const rawPost = (bytes) => srv.raw('POST', '/api/v1/users', {
    headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' }, body: bytes,
  });
  const js = (s) => Buffer.from(s, 'utf8');
  const bad = [
    Buffer.concat([js('{"login":"ab'), Buffer.from([0xff]), js('c","name":"张三","org":"town.a","roles":["handler"],"password":"Strong#Pass2024"}')]),
    Buffer.concat([js('{"login":"abc","name":"张'), Buffer.from([0xe4, 0xb8]), js('","org":"town.a","roles":["handler"],"password":"Strong#Pass2024"}')]),
    Buffer.concat([js('{"login":"abc","name":"'), Buffer.from([0xc0, 0x80]), js('","org":"town.a","roles":["handler"],"password":"Strong#Pass2024"}')]),
    js('{"login":"abc\\u0000x","name":"张三","org":"town.a","roles":["handler"],"password":"Strong#Pass2024"}'),
    js('{"login":"abc","name":"\\ud800","org":"town.a","roles":["handler"],"password":"Strong#Pass2024"}'),
    js('{"login":"abc","name":"张三","org":"town.a","roles":["hand\\u0000ler"],"password":"Strong#Pass2024"}'),
    js('{"login":"abc","name":"张三","org":"town.a\\u0000","roles":["handler"],"password":"Strong#Pass2024"}'),
  ];
  for (const b of bad) assertError(await rawPost(b), 400);
  // a login of script, SQL or a path is refused by its charset
  for (const login of ["x' OR '1'='1", '<script>', '../../etc', 'a%', 'a_b c']) {
    assertError(await admin.post('/api/v1/users', body({ login })), 400, 'field.invalid', 'login');
  }
  // q: invalid UTF-8 and NUL are refused before anything echoes them
  for (const q of ['%ff', '%e4%b8', '%00', 'a%00b', '%c0%80']) {
    assertError(await admin.get(`/api/v1/users?q=${q}`), 400, 'request.bad_encoding');
  }
  assertError(await admin.get('/api/v1/users?org=%ff'), 400, 'request.bad_encoding');
  assertError(await admin.get(`/api/v1/users?q=${'中'.repeat(65)}`), 400, 'field.too_long', 'q');
  // LIKE's wildcards are matched literally
  for (const q of ['%25', '_', '%5C', "'", '%22', '%25%25', 'town%25']) {
    const r = await admin.get(`/api/v1/users?q=${q}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items, [], `q=${q} matches nothing literally`);
  }
  assert.equal((await admin.get('/api/v1/users?q=own')).json.items.length >= 3, true, 'contains, not only prefix');
  for (const q of ['limit=0', 'limit=201', 'limit=x', 'cursor=0', 'cursor=-1', 'cursor=1e9']) {
    assertError(await admin.get(`/api/v1/users?${q}`), 400, 'field.invalid');
  }
  assert.deepEqual(await snapshot(), before);
});

test('a write that fails answers 503 unavailable and leaves no account, grant or event', async () => {
  const before = await snapshot();
  // the user.add event cannot be stored: the account is rolled back with it
  const userAddOk = await failingTrigger(srv.db, 'events', { when: "NEW.action = 'user.add'", message: 'test: user.add refused' });
  try {
    const res = await fetch(srv.url('/api/v1/users'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body({ login: 'failing1' })),
    });
    const j = await res.json();
    assert.equal(res.status, 503, JSON.stringify(j));
    assert.equal(j.error.code, 'unavailable');
  } finally {
    await userAddOk();
  }
  assert.deepEqual(await snapshot(), before);
  assert.equal(await count("users WHERE login = 'failing1'"), 0);
  assertError(await srv.loginRaw('failing1', NEW_PW), 401);
  // the writer goes on: the same request now succeeds
  const ok = await admin.post('/api/v1/users', body({ login: 'failing1' }));
  assert.equal(ok.status, 201, ok.text);
});

test('Idempotency-Key: the same key and body answer the first 201 once, a different body is 409', async () => {
  const b = body({ login: 'idem1', name: '幂等用户' });
  const h = { 'Idempotency-Key': 'users-idem-1' };
  const first = await admin.post('/api/v1/users', b, h);
  assert.equal(first.status, 201, first.text);
  const again = await admin.post('/api/v1/users', b, h);
  assert.equal(again.status, 201, again.text);
  assert.deepEqual(again.json, first.json);
  assert.equal(await count("users WHERE login = 'idem1'"), 1);
  assert.equal(await count("events WHERE action = 'user.add' AND payload LIKE '%\"idem1\"%'"), 1);
  // the same key with another password is another request
  assertError(await admin.post('/api/v1/users', { ...b, password: 'Other#Pass-2025' }, h), 409, 'idempotency.conflict');
  assertError(await admin.post('/api/v1/users', { ...b, name: '别人' }, h), 409, 'idempotency.conflict');
  // one stored answer for the key (its body hash is keyed: src/api/users.c idem_hash_keyed)
  assert.equal(await count("idempotency WHERE key = 'users-idem-1'"), 1);
  assert.match(await sql(`SELECT ${sqlHex('body_hash')} FROM idempotency WHERE key = 'users-idem-1'`), /^[0-9A-F]{64}$/);
});

test('disk full: a create whose commit fails answers 503 and leaves no account',
  { skip: BACKEND === 'postgres' ? 'it fills the disk under the SQLite file (a PostgreSQL database is on the cluster\'s disk; a failing trigger above stands in)'
    : process.getuid && process.getuid() !== 0 && !process.env.CI ? 'needs root to mount a tmpfs' : false }, async () => {
    const mnt = await mkdtemp(path.join(tmpdir(), 'civicloop-users-full-'));
    const mounted = await runCmd('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    assert.equal(mounted.code, 0, `mount tmpfs: ${mounted.stderr}`);
    after(async () => {
      await runCmd('umount', ['-l', mnt]);
      await rm(mnt, { recursive: true, force: true });
    });
    const dir = path.join(mnt, 'db');
    await mkdir(dir);
    const full = await startServer({ cases: false, dir, autoStop: false });
    const post = async (url, token, b) => {
      const res = await fetch(full.url(url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(b),
      });
      return { status: res.status, json: await res.json() };
    };
    try {
      const token = (await (await fetch(full.url('/api/v1/auth/login'), {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login: 'admin', password: PASSWORD }),
      })).json()).token;
      const fh = await open(path.join(mnt, 'filler'), 'w');
      try {
        for (;;) await fh.write(Buffer.alloc(64 * 1024, 7));
      } catch (e) {
        assert.equal(e.code, 'ENOSPC');
      } finally {
        await fh.close().catch(() => {});
      }
      // use up what the WAL still has room for
      let refused = false;
      for (let i = 0; i < 400 && !refused; i++) {
        const r = await post('/api/v1/cases', token, caseBody({ description: '磁盘写满。'.repeat(200) }));
        assert.ok(r.status === 201 || r.status === 503, JSON.stringify(r));
        refused = r.status === 503;
      }
      assert.ok(refused, 'the full disk refuses writes');
      const outcomes = [];
      for (let i = 0; i < 3; i++) {
        const r = await post('/api/v1/users', token, body({ login: `diskfull${i}` }));
        assert.ok(r.status === 201 || r.status === 503, JSON.stringify(r));
        if (r.status === 503) assert.equal(r.json.error.code, 'unavailable');
        outcomes.push([`diskfull${i}`, r.status]);
      }
      assert.ok(outcomes.some(([, s]) => s === 503), JSON.stringify(outcomes));
      await full.stop();
      for (const [login, status] of outcomes) {
        const n = Number(await sql(`SELECT count(*) FROM users WHERE login = '${login}'`, full.db));
        assert.equal(n, status === 201 ? 1 : 0, `${login}: ${status}, stored ${n}`);
      }
      const v = await runCli(full, ['audit', 'verify', '--db', full.db]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
    } finally {
      await full.cleanup();
    }
  });

test('PATCH /api/v1/users/{id}: a bad name, role or password is 400 and changes nothing; one\'s own roles and password are 409', async () => {
  const town1 = (await admin.get('/api/v1/users?q=town1')).json.items[0];
  const town2 = (await admin.get('/api/v1/users?q=town2')).json.items[0];
  const me = (await admin.get('/api/v1/users?q=townadmin')).json.items[0];
  const before = await snapshot();
  const hash = await sql(`SELECT pw_hash || name FROM users WHERE id = ${town1.id}`);
  const patch = (c, id, b) => c.req('PATCH', `/api/v1/users/${id}`, b);
  for (const [b, code, field] of [
    [{}, 'field.required', undefined],
    [{ phone: '13800000000' }, 'field.unknown', 'phone'],
    [{ name: '' }, 'field.invalid', 'name'],
    [{ name: '\u3000' }, 'field.invalid', 'name'],
    [{ name: '张\u0007三' }, 'field.invalid', 'name'],
    [{ name: '中'.repeat(33) }, 'field.invalid', 'name'],
    [{ name: 42 }, 'field.invalid', 'name'],
    [{ roles: [] }, 'field.invalid', 'roles'],
    [{ roles: ['wizard'] }, 'field.invalid', 'roles'],
    [{ roles: ['handler', 'handler'] }, 'field.invalid', 'roles'],
    [{ roles: ['handler@nosuch'] }, 'field.invalid', 'roles'],
    [{ roles: 'handler' }, 'field.invalid', 'roles'],
    [{ password: 'short1!A' }, 'field.invalid', 'password'],
    [{ password: 'Xx-Town1-2025!' }, 'field.invalid', 'password'],
    [{ password: ['Strong#Pass2024'] }, 'field.invalid', 'password'],
    [{ disabled: 'no' }, 'field.invalid', 'disabled'],
    // one bad member spoils the whole change
    [{ name: '好名字', roles: ['wizard'] }, 'field.invalid', 'roles'],
    [{ name: '好名字', password: 'weak' }, 'field.invalid', 'password'],
  ]) {
    assertError(await patch(admin, town1.id, b), 400, code, field);
  }
  // a town.a admin: a scope outside town.a is refused like an unknown one; town.b's accounts are 404
  assertError(await patch(townAdmin, town1.id, { roles: ['handler@town.b'] }), 400, 'field.invalid', 'roles');
  assertError(await patch(townAdmin, town1.id, { roles: ['admin@county'] }), 400, 'field.invalid', 'roles');
  assertError(await patch(townAdmin, town2.id, { name: '越权改名' }), 404, 'not_found');
  assertError(await patch(townAdmin, town2.id, { password: NEW_PW }), 404, 'not_found');
  assertError(await patch(await srv.login('op1'), town1.id, { name: '越权改名' }), 403, 'permission.denied');
  // one's own account: no roles, no password reset without the old one, no disabling
  assertError(await patch(townAdmin, me.id, { roles: ['admin', 'leader'] }), 409, 'conflict', 'roles');
  assertError(await patch(townAdmin, me.id, { password: 'Town#Admin-2026' }), 409, 'conflict', 'password');
  assertError(await patch(townAdmin, me.id, { disabled: true }), 409, 'conflict', 'disabled');
  assert.deepEqual(await snapshot(), before);
  assert.equal(await sql(`SELECT pw_hash || name FROM users WHERE id = ${town1.id}`), hash);
  assert.equal((await srv.loginRaw('townadmin', TOWN_ADMIN_PW)).status, 200);
});

// -------------------------------------------------------------- happy paths

test('admin creates an account: 201 with the list shape, it signs in, a user.add event without the password', async () => {
  const r = await admin.post('/api/v1/users', body({ login: 'newop', name: '新话务员', org: 'county.12345', roles: ['operator@county', 'dispatcher'] }));
  assert.equal(r.status, 201, r.text);
  const u = r.json.user;
  assert.deepEqual(Object.keys(r.json), ['user']);
  assert.deepEqual(Object.keys(u).sort(), ITEM_KEYS);
  assert.equal(u.login, 'newop');
  assert.equal(u.name, '新话务员');
  assert.deepEqual(u.org, { id: orgIds.get('county.12345'), code: 'county.12345', name: u.org.name });
  assert.deepEqual(u.roles, ['dispatcher', 'operator']);
  assert.deepEqual(u.grants, [{ role: 'dispatcher', scope: 'county.12345' }, { role: 'operator', scope: 'county' }]);
  assert.equal(u.disabled, false);
  assert.match(u.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$/);
  assert.ok(!r.text.includes('argon2') && !r.text.includes(NEW_PW));
  // it signs in, with those grants
  const login = await srv.loginRaw('newop', NEW_PW);
  assert.equal(login.status, 200, login.text);
  assert.deepEqual(login.json.user.grants, u.grants);
  const me = srv.client(login.json.token);
  assert.equal((await me.get('/api/v1/cases?limit=1')).status, 200, 'an operator over the county reads cases');
  // stored as Argon2id; the event names the account, never the password or its hash
  assert.match(await sql("SELECT pw_hash FROM users WHERE login = 'newop'"), /^\$argon2id\$/);
  const ev = await sql("SELECT actor_id || ' ' || payload FROM events WHERE action = 'user.add' AND payload LIKE '%\"newop\"%'");
  const [actor, ...rest] = ev.split(' ');
  assert.equal(Number(actor), admin.user.id);
  const payload = JSON.parse(rest.join(' '));
  assert.deepEqual(payload, {
    org: 'county.12345', roles: [{ role: 'operator', scope: 'county' }, { role: 'dispatcher', scope: 'county.12345' }],
    user: 'newop', user_id: u.id, via: 'api',
  });
  const v = await srv.raw('GET', '/healthz');
  assert.equal(v.status, 200);
});

test('a town.a admin creates an account inside town.a, scoped to a grid of it, and then lists it', async () => {
  const r = await townAdmin.post('/api/v1/users', body({ login: 'gridhand', org: orgIds.get('village.a1') ?? 'village.a1', roles: ['grid_worker@grid.a1'] }));
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.user.grants, [{ role: 'grid_worker', scope: 'grid.a1' }]);
  assert.equal(r.json.user.org.code, 'village.a1');
  const listed = (await townAdmin.get('/api/v1/users?q=gridhand')).json.items;
  assert.deepEqual(listed, [r.json.user]);
  assert.equal((await srv.loginRaw('gridhand', NEW_PW)).status, 200);
});

test('GET /api/v1/users: every account once, by id, in pages; org by code or id (its subtree); q on login or name; never a hash', async () => {
  const total = await count('users');
  const seen = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const r = await admin.get(`/api/v1/users?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['items', 'next_cursor']);
    for (const u of r.json.items) {
      assert.deepEqual(Object.keys(u).sort(), ITEM_KEYS);
      assert.deepEqual(Object.keys(u.org).sort(), ['code', 'id', 'name']);
      assert.ok(Array.isArray(u.roles) && u.roles.length >= 1);
      for (const g of u.grants) assert.deepEqual(Object.keys(g).sort(), ['role', 'scope']);
      assert.equal(typeof u.disabled, 'boolean');
    }
    assert.ok(!/argon2|pw_hash|phone/.test(r.text), 'no hash, no phone');
    seen.push(...r.json.items.map((u) => u.id));
    cursor = r.json.next_cursor;
    if (!cursor) break;
    assert.equal(typeof cursor, 'string');
  }
  assert.equal(seen.length, total, 'every account, once');
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'by id');
  // org: its subtree, by code or id
  const byCode = (await admin.get('/api/v1/users?org=town.a&limit=200')).json.items;
  const byId = (await admin.get(`/api/v1/users?org=${orgIds.get('town.a')}&limit=200`)).json.items;
  assert.deepEqual(byId, byCode);
  assert.ok(byCode.length >= 5);
  for (const u of byCode) assert.ok(TOWN_A.has(u.org.code), u.org.code);
  assert.ok(byCode.some((u) => u.org.code === 'grid.a1'), 'the subtree, not only the org');
  // q: the login or the name, anywhere in it
  const q1 = (await admin.get('/api/v1/users?q=town')).json.items.map((u) => u.login);
  assert.ok(q1.includes('town1') && q1.includes('town2') && q1.includes('townadmin'), q1.join(','));
  const q2 = (await admin.get(`/api/v1/users?q=${encodeURIComponent('海波')}`)).json.items.map((u) => u.login);
  assert.deepEqual(q2, ['town1'], '廖海波 by a part of the name');
  const q3 = (await admin.get('/api/v1/users?q=TOWN1')).json.items.map((u) => u.login);
  assert.deepEqual(q3, ['town1'], 'ASCII case does not matter');
  const q4 = (await admin.get('/api/v1/users?org=town.b&q=town')).json.items.map((u) => u.login);
  assert.deepEqual(q4, ['town2']);
  // a disabled account is listed as such
  const t2 = (await admin.get('/api/v1/users?q=town2')).json.items[0];
  assert.equal((await admin.req('PATCH', `/api/v1/users/${t2.id}`, { disabled: true })).status, 200);
  assert.equal((await admin.get('/api/v1/users?q=town2')).json.items[0].disabled, true);
  assert.equal((await admin.req('PATCH', `/api/v1/users/${t2.id}`, { disabled: false })).status, 200);
});

test('PATCH name and roles: renamed, grants replaced (a role named alone keeps its scopes), effective on the next request, an event each', async () => {
  const r = await admin.post('/api/v1/users', body({ login: 'patchme', name: '待修改', org: 'village.a1', roles: ['handler'] }));
  assert.equal(r.status, 201, r.text);
  const id = r.json.user.id;
  const s = await srv.loginRaw('patchme', NEW_PW);
  assert.equal(s.status, 200);
  const session = srv.client(s.json.token);
  // caller history needs case.create, which a grid worker holds and a handler does not
  const callers = '/api/v1/callers?phone=13800000000';
  assertError(await session.get(callers), 403, 'permission.denied');
  const patch = (b) => admin.req('PATCH', `/api/v1/users/${id}`, b);
  const p1 = await patch({ name: '已改名', roles: ['handler', 'grid_worker@grid.a1'] });
  assert.equal(p1.status, 200, p1.text);
  assert.deepEqual(p1.json, {
    user: { id, login: 'patchme', org: 'village.a1', disabled: false }, changed: true, sessions_revoked: 0, apikeys_revoked: 0,
  });
  const view = (await admin.get('/api/v1/users?q=patchme')).json.items[0];
  assert.equal(view.name, '已改名');
  assert.deepEqual(view.roles, ['grid_worker', 'handler']);
  assert.deepEqual(view.grants, [{ role: 'grid_worker', scope: 'grid.a1' }, { role: 'handler', scope: 'village.a1' }]);
  // the open session has the new grant at once
  const made = await session.get(callers);
  assert.equal(made.status, 200, made.text);
  assert.deepEqual((await session.get('/api/v1/auth/me')).json.user.grants, view.grants);
  // the same again changes nothing and writes no event
  const events = await count('events WHERE case_id IS NULL');
  const p2 = await patch({ name: '已改名', roles: ['grid_worker', 'handler'] });
  assert.equal(p2.status, 200, p2.text);
  assert.equal(p2.json.changed, false);
  assert.equal(await count('events WHERE case_id IS NULL'), events);
  // grid_worker dropped, then given again over grid.a1: named alone next, it keeps that scope
  const p3 = await patch({ roles: ['handler'] });
  assert.equal(p3.json.changed, true);
  assertError(await session.get(callers), 403, 'permission.denied');
  await patch({ roles: ['grid_worker@grid.a1'] });
  assert.deepEqual((await admin.get('/api/v1/users?q=patchme')).json.items[0].grants, [{ role: 'grid_worker', scope: 'grid.a1' }]);
  // a role named alone that the account does not hold is granted over its own org
  await patch({ roles: ['grid_worker', 'mediator'] });
  assert.deepEqual((await admin.get('/api/v1/users?q=patchme')).json.items[0].grants,
    [{ role: 'grid_worker', scope: 'grid.a1' }, { role: 'mediator', scope: 'village.a1' }]);
  const ev = (await sql(`SELECT action || ' ' || payload FROM events WHERE case_id IS NULL AND payload LIKE '%"patchme"%' ORDER BY seq`)).split('\n');
  assert.deepEqual(ev.map((e) => e.split(' ')[0]), ['user.add', 'user.update', 'user.roles', 'user.roles', 'user.roles', 'user.roles']);
  assert.deepEqual(JSON.parse(ev[1].slice(ev[1].indexOf(' ') + 1)), { name: '已改名', user: 'patchme', user_id: id, via: 'api' });
  assert.deepEqual(JSON.parse(ev[2].slice(ev[2].indexOf(' ') + 1)), {
    from: [{ role: 'handler', scope: 'village.a1' }],
    roles: [{ role: 'handler', scope: 'village.a1' }, { role: 'grid_worker', scope: 'grid.a1' }],
    user: 'patchme', user_id: id, via: 'api',
  });
});

test('PATCH password: an admin\'s reset ends every session of the account, the old password stops working, a user.password event', async () => {
  const id = (await admin.get('/api/v1/users?q=patchme')).json.items[0].id;
  const a = await srv.loginRaw('patchme', NEW_PW);
  const b = await srv.loginRaw('patchme', NEW_PW);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  const r = await admin.req('PATCH', `/api/v1/users/${id}`, { password: 'Reset#Pass-2025' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.changed, true);
  assert.ok(r.json.sessions_revoked >= 2, r.text);
  assert.ok(!r.text.includes('Reset#Pass'));
  for (const s of [a, b]) assertError(await srv.client(s.json.token).get('/api/v1/auth/me'), 401);
  assertError(await srv.loginRaw('patchme', NEW_PW), 401, 'auth.invalid_credentials');
  assert.equal((await srv.loginRaw('patchme', 'Reset#Pass-2025')).status, 200);
  const ev = JSON.parse(await sql(`SELECT payload FROM events WHERE action = 'user.password' AND payload LIKE '%"patchme"%'`));
  assert.deepEqual(ev, { sessions_revoked: r.json.sessions_revoked, user: 'patchme', user_id: id, via: 'api' });
  assert.match(await sql(`SELECT pw_hash FROM users WHERE id = ${id}`), /^\$argon2id\$/);
  // with disabled in the same request: the sessions end once, the keys are revoked
  const c = await srv.loginRaw('patchme', 'Reset#Pass-2025');
  const both = await admin.req('PATCH', `/api/v1/users/${id}`, { password: 'Again#Pass-2026', disabled: true });
  assert.equal(both.status, 200, both.text);
  assert.equal(both.json.user.disabled, true);
  assert.ok(both.json.sessions_revoked >= 1);
  assertError(await srv.client(c.json.token).get('/api/v1/auth/me'), 401);
  assertError(await srv.loginRaw('patchme', 'Again#Pass-2026'), 401, 'auth.invalid_credentials');
});

test('the audit chain verifies after all of this', async () => {
  await srv.stop();
  const v = await runCli(srv, ['audit', 'verify', '--db', srv.db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  await srv.restart();
});
