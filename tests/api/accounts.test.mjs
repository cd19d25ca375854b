// Accounts (issue 7 "Trust"): the password policy, `civicloop user add |
// passwd | disable | enable`, POST /api/v1/auth/password, PATCH
// /api/v1/users/{id}, and every admin action as an event on the audit chain.
//
// The CLI writes the database, and only one process may write it at a time,
// so the CLI steps run with the server stopped (srv.stop / srv.restart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer, assertError, runCli, sqlText, cliEnv, newDatabase, databaseMade, jsonText, BIN, PASSWORD } from './helpers.mjs';

const srv = await startServer({ cases: false });

/** Runs the binary on h's database (srv unless given) with `input` on its standard input (a pipe, not a tty). */
function runWithInput(args, input, h = srv) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'pipe'], env: cliEnv(h) });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 30000);
    p.once('error', reject);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    p.stdin.on('error', () => {}); // the command may exit before reading it
    p.stdin.end(input);
  });
}

const sql = (stmt) => sqlText(srv.db, stmt);

const count = async (where) => Number(await sql(`SELECT count(*) FROM ${where}`));
const adminEvents = () =>
  sql("SELECT action || ' ' || payload FROM events WHERE case_id IS NULL ORDER BY seq").then((t) =>
    t ? t.split('\n') : [],
  );

/** Runs CLI steps with the server stopped, then serves again. */
async function offline(fn) {
  await srv.stop();
  try {
    return await fn();
  } finally {
    await srv.restart();
  }
}

const addArgs = (login, org = 'town.a', role = 'handler') => [
  'user', 'add', '--db', srv.db, '--login', login, '--name', '测试用户', '--org', org, '--role', role,
];

// Each rule of the policy, with a password that breaks only that rule for login "newuser1".
const POLICY_CASES = [
  ['12345678', /至少需要 10 个字符/],
  ['Ab1!xyz', /至少需要 10 个字符/],
  [' '.repeat(12), /不能全是空格/],
  ['Xx-NewUser1-9', /不能包含账号名/],
  ['abcdefghijkl', /至少 3 类/],
  ['abcdefgh1234', /至少 3 类/],
];

test('user add: --password is refused; each policy rule refuses with a Chinese message and writes nothing', async () => {
  await offline(async () => {
    const users = await count('users');
    const events = await count('events');
    const arg = await runCli(srv, [...addArgs('newuser1'), '--password', 'Strong#Pass2024']);
    assert.equal(arg.code, 2, arg.stderr);
    assert.match(arg.stderr, /不再接受 --password/);
    assert.match(arg.stderr, /--password-stdin/);
    for (const [pw, msg] of POLICY_CASES) {
      const r = await runWithInput(addArgs('newuser1'), `${pw}\n`);
      assert.equal(r.code, 2, `${JSON.stringify(pw)}: ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, msg, `${JSON.stringify(pw)}: ${r.stderr}`);
    }
    const empty = await runWithInput(addArgs('newuser1'), '');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /未从标准输入读到密码/);
    assert.equal(await count('users'), users, 'no account was written');
    assert.equal(await count('events'), events, 'no event was written');
    assert.equal(await count("users WHERE login = 'newuser1'"), 0);
  });
});

test('user add reads the password from stdin (--password-stdin too); the account signs in; a user.add event', async () => {
  await offline(async () => {
    const r = await runWithInput(addArgs('newuser2'), 'Strong#Pass2024\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /已添加账号 newuser2/);
    assert.doesNotMatch(r.stdout + r.stderr, /Strong#Pass2024/, 'the password is never printed');
    const r2 = await runWithInput([...addArgs('newuser3'), '--password-stdin'], 'Another-Pass-77\r\n');
    assert.equal(r2.code, 0, r2.stderr);
  });
  assert.equal((await srv.loginRaw('newuser2', 'Strong#Pass2024')).status, 200);
  assert.equal((await srv.loginRaw('newuser3', 'Another-Pass-77')).status, 200, 'CRLF is not part of it');
  const ev = (await adminEvents()).filter((e) => e.startsWith('user.add '));
  assert.ok(ev.some((e) => e.includes('"user":"newuser2"') && e.includes('"via":"cli"')), ev.join('\n'));
  assert.ok(ev.every((e) => !e.includes('Pass')), 'no password in any event');
});

test('POST /api/v1/auth/password: each policy rule → 400 field.invalid on new_password, nothing written', async () => {
  const c = await srv.login('town2', { fresh: true });
  const before = await count("events WHERE action = 'user.password'");
  const hash = await sql("SELECT pw_hash FROM users WHERE login = 'town2'");
  const cases = [
    ['12345678', /至少需要 10 个字符/],
    [' '.repeat(12), /不能全是空格/],
    ['My-Town2-pass', /不能包含账号名/],
    ['abcdefghijkl', /至少 3 类/],
  ];
  for (const [pw, msg] of cases) {
    const r = await c.post('/api/v1/auth/password', { old_password: PASSWORD, new_password: pw });
    assertError(r, 400, 'field.invalid', 'new_password');
    assert.match(r.json.error.message, msg);
  }
  assertError(await c.post('/api/v1/auth/password', { old_password: PASSWORD }), 400, 'field.required', 'new_password');
  assertError(await c.post('/api/v1/auth/password', { old_password: PASSWORD, new_password: 'Strong#Pass2024', x: 1 }), 400, 'field.unknown');
  const wrong = await c.post('/api/v1/auth/password', { old_password: 'Wrong#2024', new_password: 'Strong#Pass2024' });
  assertError(wrong, 400, 'field.invalid', 'old_password');
  assert.match(wrong.json.error.message, /原密码不正确/);
  assert.equal(await sql("SELECT pw_hash FROM users WHERE login = 'town2'"), hash, 'the hash is unchanged');
  assert.equal(await count("events WHERE action = 'user.password'"), before);
  assert.equal((await c.get('/api/v1/auth/me')).status, 200, 'the session still works');
});

test('password change: the other sessions end (401), this one stays, the old password stops working', async () => {
  const a = await srv.login('grid1', { fresh: true });
  const b = await srv.login('grid1', { fresh: true });
  const r = await a.post('/api/v1/auth/password', { old_password: PASSWORD, new_password: 'Grid#Worker-2025' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.sessions_revoked, 1);
  assertError(await b.get('/api/v1/auth/me'), 401, 'auth.required');
  assert.equal((await a.get('/api/v1/auth/me')).status, 200, 'the session that changed it stays');
  assertError(await srv.loginRaw('grid1', PASSWORD), 401, 'auth.invalid_credentials');
  assert.equal((await srv.loginRaw('grid1', 'Grid#Worker-2025')).status, 200);
  const same = await a.post('/api/v1/auth/password', { old_password: 'Grid#Worker-2025', new_password: 'Grid#Worker-2025' });
  assertError(same, 400, 'field.invalid', 'new_password');
  const ev = (await adminEvents()).filter((e) => e.startsWith('user.password '));
  assert.ok(ev.some((e) => e.includes('"user":"grid1"') && e.includes('"via":"api"')), ev.join('\n'));
});

test('a cookie-authenticated password change needs the CSRF token', async () => {
  const r = await srv.loginRaw('med1');
  const cookie = `cl_session=${r.json.token}`;
  const body = JSON.stringify({ old_password: PASSWORD, new_password: 'Mediator#2025x' });
  const no = await srv.raw('POST', '/api/v1/auth/password', { headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body });
  assertError(no, 403, 'auth.csrf');
  assertError(await srv.loginRaw('med1', 'Mediator#2025x'), 401);
});

test('PATCH /api/v1/users/{id}: disabling ends sessions and revokes API keys; enabling lets the account sign in again', async () => {
  const town1 = await srv.login('town1', { fresh: true });
  const id = town1.user.id;
  const key = await offline(async () => {
    const add = await runCli(srv, ['apikey', 'add', '--db', srv.db, '--user', 'town1', '--name', 'town1-sys']);
    assert.equal(add.code, 0, add.stderr);
    return add.stdout.split('\n')[0].trim();
  });
  const viaKey = () => srv.raw('GET', '/api/v1/auth/me', { headers: { 'X-API-Key': key } });
  assert.equal((await viaKey()).status, 200);
  assert.equal((await town1.get('/api/v1/auth/me')).status, 200);

  const admin = await srv.login('admin');
  const off = await admin.req('PATCH', `/api/v1/users/${id}`, { disabled: true });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.json.user.disabled, true);
  assert.equal(off.json.changed, true);
  assert.equal(off.json.sessions_revoked, 1);
  assert.equal(off.json.apikeys_revoked, 1);
  assertError(await town1.get('/api/v1/auth/me'), 401);
  assertError(await viaKey(), 401, 'auth.required');
  assertError(await srv.loginRaw('town1'), 401, 'auth.invalid_credentials');
  assert.equal(await count(`sessions WHERE user_id = ${id}`), 0);
  assert.equal(await count(`api_keys WHERE user_id = ${id} AND revoked_at IS NULL`), 0);
  const again = await admin.req('PATCH', `/api/v1/users/${id}`, { disabled: true });
  assert.equal(again.status, 200);
  assert.equal(again.json.changed, false);

  const on = await admin.req('PATCH', `/api/v1/users/${id}`, { disabled: false });
  assert.equal(on.status, 200, on.text);
  assert.equal(on.json.user.disabled, false);
  assert.equal((await srv.loginRaw('town1')).status, 200);
  assertError(await viaKey(), 401, 'auth.required'); // a revoked key stays revoked
  const ev = await adminEvents();
  for (const action of ['user.disable', 'user.enable']) {
    assert.equal(ev.filter((e) => e.startsWith(`${action} `) && e.includes('"user":"town1"')).length, 1, `${action}: ${ev.join('\n')}`);
  }
});

test('PATCH /api/v1/users/{id}: user.manage only, inside the admin\'s subtree; never oneself; body checked', async () => {
  const admin = await srv.login('admin');
  const op1 = await srv.login('op1');
  const cg1 = await srv.login('cg1');
  assertError(await op1.req('PATCH', `/api/v1/users/${cg1.user.id}`, { disabled: true }), 403, 'permission.denied');
  assertError(await admin.req('PATCH', `/api/v1/users/${admin.user.id}`, { disabled: true }), 409, 'conflict');
  assertError(await admin.req('PATCH', '/api/v1/users/999999', { disabled: true }), 404);
  assertError(await admin.req('PATCH', `/api/v1/users/${cg1.user.id}`, { disabled: 'yes' }), 400, 'field.invalid', 'disabled');
  assertError(await admin.req('PATCH', `/api/v1/users/${cg1.user.id}`, {}), 400, 'field.required');
  assertError(await admin.req('PATCH', `/api/v1/users/${cg1.user.id}`, { disabled: true, phone: 'x' }), 400, 'field.unknown', 'phone');

  // an admin of town.a manages town.a's accounts only
  await offline(async () => {
    const r = await runWithInput(addArgs('townadmin', 'town.a', 'admin'), 'Town#Admin-2025\n');
    assert.equal(r.code, 0, r.stderr);
  });
  const ta = await srv.raw('POST', '/api/v1/auth/login', {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'townadmin', password: 'Town#Admin-2025' }),
  });
  assert.equal(ta.status, 200, ta.text);
  const townAdmin = srv.client(ta.json.token);
  assertError(await townAdmin.req('PATCH', `/api/v1/users/${cg1.user.id}`, { disabled: true }), 404);
  const townlead = await srv.login('townlead');
  const ok = await townAdmin.req('PATCH', `/api/v1/users/${townlead.user.id}`, { disabled: true });
  assert.equal(ok.status, 200, ok.text);
  assertError(await townlead.get('/api/v1/auth/me'), 401);
  assert.equal((await cg1.get('/api/v1/auth/me')).status, 200, 'cg1 untouched');
});

test('civicloop user passwd / disable / enable: policy checked, sessions end, events written', async () => {
  const s = await srv.login('sl1', { fresh: true });
  const z = await srv.login('zj1', { fresh: true });
  await offline(async () => {
    const bad = await runWithInput(['user', 'passwd', '--db', srv.db, '--login', 'sl1'], 'short\n');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /至少需要 10 个字符/);
    const arg = await runCli(srv, ['user', 'passwd', '--db', srv.db, '--login', 'sl1', '--password', 'Strong#Pass2024']);
    assert.equal(arg.code, 2);
    assert.match(arg.stderr, /不再接受 --password/);
    const none = await runWithInput(['user', 'passwd', '--db', srv.db, '--login', 'nobody', '--password-stdin'], 'Strong#Pass2024\n');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /没有账号 nobody/);
    const ok = await runWithInput(['user', 'passwd', '--db', srv.db, '--login', 'sl1', '--password-stdin'], 'Water#Bureau-2025\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /结束了它的 1 个登录/);
    const off = await runCli(srv, ['user', 'disable', '--db', srv.db, '--login', 'zj1']);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /已停用账号 zj1/);
  });
  assertError(await s.get('/api/v1/auth/me'), 401);
  assertError(await srv.loginRaw('sl1', PASSWORD), 401);
  assert.equal((await srv.loginRaw('sl1', 'Water#Bureau-2025')).status, 200);
  assertError(await z.get('/api/v1/auth/me'), 401);
  assertError(await srv.loginRaw('zj1'), 401);
  await offline(async () => {
    const on = await runCli(srv, ['user', 'enable', '--db', srv.db, '--login', 'zj1']);
    assert.equal(on.code, 0, on.stderr);
  });
  assert.equal((await srv.loginRaw('zj1')).status, 200);
  const ev = await adminEvents();
  for (const [action, user] of [['user.password', 'sl1'], ['user.disable', 'zj1'], ['user.enable', 'zj1']]) {
    assert.ok(ev.some((e) => e.startsWith(`${action} `) && e.includes(`"user":"${user}"`) && e.includes('"via":"cli"')), `${action} ${user}: ${ev.join('\n')}`);
  }
});

test('every admin action is an event on the chain, and `civicloop audit verify` still passes', async () => {
  const admin = await srv.login('admin');
  const orgs = await admin.get('/api/v1/orgs?parent=1');
  assert.equal(orgs.status, 200, orgs.text);
  const org = orgs.json.items[0];
  assert.ok(org, 'the county has orgs below it');
  const r = await admin.req('PATCH', `/api/v1/orgs/${org.id}`, { settings: { reply_approval: true } });
  assert.equal(r.status, 200, r.text);
  await offline(async () => {
    const add = await runCli(srv, ['apikey', 'add', '--db', srv.db, '--user', 'link110', '--name', 'audit-key']);
    assert.equal(add.code, 0, add.stderr);
    const rev = await runCli(srv, ['apikey', 'revoke', '--db', srv.db, '--name', 'audit-key']);
    assert.equal(rev.code, 0, rev.stderr);
  });
  const ev = await adminEvents();
  const actions = new Set(ev.map((e) => e.split(' ')[0]));
  for (const a of ['user.add', 'user.password', 'user.disable', 'user.enable', 'apikey.add', 'apikey.revoke']) {
    assert.ok(actions.has(a), `${a} among ${[...actions].join(', ')}`);
  }
  if (org) assert.ok(actions.has('org.settings'));
  assert.ok(ev.some((e) => e.startsWith('apikey.revoke ') && e.includes('"name":"audit-key"') && e.includes('"user":"link110"')));
  assert.ok(ev.every((e) => !/ck_[0-9a-f]{40}/.test(e)), 'no key in any event');
  const v = await runCli(srv, ['audit', 'verify', '--db', srv.db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /审计链完好/);
});

test('init: the admin password is never an argument; from stdin it must pass the policy; admin is a user.add event', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-init-'));
  try {
    // an empty database (on PostgreSQL one with no table yet: a database is made by its server's admin)
    const h = await newDatabase(dir, 'new');
    const arg = await runWithInput(['init', '--db', h.db, '--admin-password', 'Strong#Pass2024'], '', h);
    assert.equal(arg.code, 2);
    assert.match(arg.stderr, /--admin-password-stdin/);
    assert.equal(await databaseMade(h), false, 'nothing created');
    const weak = await runWithInput(['init', '--db', h.db, '--admin-password-stdin'], '12345678\n', h);
    assert.equal(weak.code, 2, weak.stderr);
    assert.equal(await databaseMade(h), false, 'nothing created for a weak password');
    const ok = await runWithInput(['init', '--db', h.db, '--admin-password-stdin'], 'Strong#Pass2024\n', h);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!ok.stdout.includes('Strong#Pass2024'), 'the password is not echoed');
    assert.equal(await sqlText(h.db, `SELECT action, ${jsonText('payload', 'user')} FROM events`), 'user.add|admin');
    const v = await runCli(h, ['audit', 'verify', '--db', h.db]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    // without --admin-password-stdin a random password is printed once
    const h2 = await newDatabase(dir, 'random');
    const rnd = await runWithInput(['init', '--db', h2.db], '', h2);
    assert.equal(rnd.code, 0, rnd.stderr);
    assert.match(rnd.stdout, /密码 [0-9a-f]{32}/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
