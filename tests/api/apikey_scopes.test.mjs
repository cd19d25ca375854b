// API keys with scopes, an org, a rate and a last-used time (issue 15,
// docs/apikeys.md). Unhappy paths first: a key outside its scopes, revoked,
// malformed; a key bound to a township asking for the county; over its rate
// (429 with Retry-After, another key unaffected); hostile names, scopes,
// orgs and rates; a failed write (503, no key); the CLI as a second process
// (server stopped; refused while it runs); every key event on the audit
// chain and none holding the key or its hash. Then the happy paths: the
// list's new fields, last_used_at after a use, PATCH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, runCli, sqlText, failingTrigger, sqlHex, BACKEND } from './helpers.mjs';
import { Ajv2020 } from './webdeps.mjs';

const srv = await startServer({ cases: false });
const admin = await srv.login('admin');

/** A request with an API key, by fetch itself (a 503 is what some tests want). */
async function withKey(key, method, p, body) {
  const headers = { 'X-API-Key': key };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(srv.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** POST /api/v1/apikeys as admin by fetch (503 allowed). */
async function makeRaw(body) {
  const res = await fetch(srv.base + '/api/v1/apikeys', {
    method: 'POST',
    headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

let seq = 0;
/** Makes a key as admin (asserting 201); returns the answer's body. */
async function make(body) {
  const r = await admin.post('/api/v1/apikeys', { name: `k${++seq}-${Date.now()}`, ...body });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.key, /^ck_[0-9a-f]{40}$/);
  return r.json;
}

async function listed(name) {
  const r = await admin.get('/api/v1/apikeys');
  assert.equal(r.status, 200, r.text);
  return r.json.items.find((k) => k.name === name);
}

const sql = (q) => sqlText(srv.db, q);
const incident = () => ({
  incident_no: `AK${Date.now()}${++seq}`,
  received_at: new Date(Date.now() - 3600e3).toISOString(),
  description: '110转来非警务警情：路灯不亮。',
});

// ------------------------------------------------------------ unhappy paths

test('a key outside its scopes: 403 naming the scope; any other route refuses every key', async () => {
  const k = await make({ user: 'link110', scopes: ['open311.submit'] });
  const r = await withKey(k.key, 'POST', '/api/v1/linkage/110', incident());
  assertError(r, 403, 'permission.denied');
  assert.match(r.json.error.message, /linkage\.110/);
  const cases = await withKey(k.key, 'GET', '/api/v1/cases');
  assertError(cases, 403, 'permission.denied');
  assert.equal(cases.json.error.message, 'API 密钥不能调用此接口');
  assertError(await withKey(k.key, 'GET', '/api/v1/apikeys'), 403, 'permission.denied');
  assertError(await withKey(k.key, 'POST', '/api/v1/auth/logout', {}), 403, 'permission.denied');
  // an admin's key cannot manage keys or users, whatever the account may do
  const a = await make({ user: 'admin' });
  assert.deepEqual(a.scopes, ['open311.submit', 'import', 'stats.read']);
  assertError(await withKey(a.key, 'POST', '/api/v1/apikeys', { user: 'admin', name: 'by-key' }), 403, 'permission.denied');
  assertError(await withKey(a.key, 'GET', '/api/v1/users'), 403, 'permission.denied');
  // who the key is: any key may ask
  const me = await withKey(k.key, 'GET', '/api/v1/auth/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.user.login, 'link110');
  // with the scope it may
  const ok = await make({ user: 'link110', scopes: ['linkage.110'] });
  assert.equal((await withKey(ok.key, 'POST', '/api/v1/linkage/110', incident())).status, 201);
});

test('revoked, malformed and unknown keys: 401, nothing written', async () => {
  const k = await make({ user: 'link110' });
  const r = await admin.post('/api/v1/apikeys/revoke', { name: k.name });
  assert.equal(r.status, 200, r.text);
  const before = await sql('SELECT count(*) FROM cases');
  for (const key of [k.key, 'ck_123', `ck_${'G'.repeat(40)}`, `ck_${'0'.repeat(40)}`, `${k.key}0`, k.key.toUpperCase()]) {
    assertError(await withKey(key, 'POST', '/api/v1/linkage/110', incident()), 401, 'auth.required');
  }
  assert.equal(await sql('SELECT count(*) FROM cases'), before);
});

test('a key bound to a township sees that township only: the county and a neighbour are 403', async () => {
  const k = await make({ user: 'leader1', org: 'town.a' });
  assert.deepEqual(k.scopes, ['stats.read'], 'the default: the scopes the account\'s roles allow');
  assert.equal(k.org.code, 'town.a');
  assert.equal(k.org.name, '濂江镇');
  assertError(await withKey(k.key, 'GET', '/api/v1/stats/hotline?org=county'), 403, 'permission.denied', 'org');
  assertError(await withKey(k.key, 'GET', '/api/v1/stats/hotline?org=town.b'), 403, 'permission.denied', 'org');
  const own = await withKey(k.key, 'GET', '/api/v1/stats/hotline?org=town.a');
  assert.equal(own.status, 200, own.text);
  const dflt = await withKey(k.key, 'GET', '/api/v1/stats/hotline');
  assert.equal(dflt.status, 200, dflt.text);
  assert.deepEqual(dflt.json.org, own.json.org, 'by default the key\'s org, not the account\'s county');
  const me = await withKey(k.key, 'GET', '/api/v1/auth/me');
  assert.equal(me.json.user.org, 'town.a');
  assert.ok(me.json.user.grants.every((g) => g.scope === 'town.a'), JSON.stringify(me.json.user.grants));
  // the same account by session, and a key bound to its own org, see the county
  const leader = await srv.login('leader1');
  assert.equal((await leader.get('/api/v1/stats/hotline?org=county')).status, 200);
  const county = await make({ user: 'leader1' });
  assert.equal((await withKey(county.key, 'GET', '/api/v1/stats/hotline?org=county')).status, 200);
});

test('over its rate: 429 apikey.rate_limited with Retry-After; another key of the account is unaffected', async () => {
  const slow = await make({ user: 'leader1', rate_per_min: 5 });
  const other = await make({ user: 'leader1', rate_per_min: 5 });
  assert.equal(slow.rate_per_min, 5);
  for (let i = 0; i < 5; i++) {
    const r = await withKey(slow.key, 'GET', '/api/v1/stats/hotline');
    assert.equal(r.status, 200, `call ${i + 1}: ${r.text}`);
  }
  const sixth = await withKey(slow.key, 'GET', '/api/v1/stats/hotline');
  assertError(sixth, 429, 'apikey.rate_limited');
  assert.equal(sixth.json.error.message, 'API 密钥调用过于频繁，请稍后再试');
  const after = Number(sixth.headers.get('retry-after'));
  assert.ok(Number.isInteger(after) && after >= 1 && after <= 12, `Retry-After: ${sixth.headers.get('retry-after')}`);
  // a refused call is no use: a route outside its scopes is 429 too, before the scope
  assertError(await withKey(slow.key, 'GET', '/api/v1/auth/me'), 429, 'apikey.rate_limited');
  assert.equal((await withKey(other.key, 'GET', '/api/v1/stats/hotline')).status, 200);
  // a session of the same account is not limited by its keys
  assert.equal((await (await srv.login('leader1')).get('/api/v1/stats/hotline')).status, 200);
});

test('hostile names, scopes, orgs and rates: 400 on the field, no key made', async () => {
  const before = await sql('SELECT count(*) FROM api_keys');
  const cases = [
    [{ user: 'leader1', name: 'a\u0001b' }, 'name'],
    [{ user: 'leader1', name: '' }, 'name'],
    [{ user: 'leader1', name: '中'.repeat(65) }, 'name'],
    [{ user: 'leader1', name: 'h1', scopes: 'stats.read' }, 'scopes'],
    [{ user: 'leader1', name: 'h2', scopes: ['stats.read', 'STATS.READ'] }, 'scopes'],
    [{ user: 'leader1', name: 'h3', scopes: ['中'.repeat(1000)] }, 'scopes'],
    [{ user: 'leader1', name: 'h4', scopes: [1] }, 'scopes'],
    [{ user: 'leader1', name: 'h5', scopes: Array(17).fill('stats.read') }, 'scopes'],
    [{ user: 'leader1', name: 'h6', scopes: ['linkage.110'] }, 'scopes'], // the account lacks it
    [{ user: 'town1', name: 'h7', scopes: ['stats.read'] }, 'scopes'],
    [{ user: 'leader1', name: 'h8', org: 'nowhere' }, 'org'],
    [{ user: 'leader1', name: 'h9', org: '中'.repeat(1000) }, 'org'],
    [{ user: 'leader1', name: 'h10', org: { code: 'town.a' } }, 'org'],
    [{ user: 'town1', name: 'h11', org: 'town.b' }, 'org'], // outside the account's scope
    [{ user: 'town1', name: 'h12', org: 'county' }, 'org'], // above it
    [{ user: 'leader1', name: 'h13', rate_per_min: 0 }, 'rate_per_min'],
    [{ user: 'leader1', name: 'h14', rate_per_min: 100001 }, 'rate_per_min'],
    [{ user: 'leader1', name: 'h15', rate_per_min: '600' }, 'rate_per_min'],
    [{ user: 'leader1', name: 'h16', rate_per_min: 1.5 }, 'rate_per_min'],
    [{ user: 'leader1', name: 'h17', rate_per_min: -1 }, 'rate_per_min'],
  ];
  for (const [body, field] of cases) {
    const r = await admin.post('/api/v1/apikeys', body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    assert.equal(r.json.error.field, field, r.text);
  }
  assertError(await admin.post('/api/v1/apikeys', { user: 'leader1', name: 'h18', scope: ['stats.read'] }), 400, 'field.unknown', 'scope');
  const bad = await admin.post('/api/v1/apikeys', '{"user":"leader1","name":"h19","scopes":["stats.read\\u0000"]}');
  assertError(bad, 400);
  assert.equal(await sql('SELECT count(*) FROM api_keys'), before);
  // without user.manage: 403, whatever the body
  assertError(await (await srv.login('town1')).post('/api/v1/apikeys', { user: 'town1', name: 'mine' }), 403, 'permission.denied');
});

test('a failed write answers 503 and makes no key and no event', async () => {
  const count = async () => [await sql('SELECT count(*) FROM api_keys'), await sql("SELECT count(*) FROM events WHERE action LIKE 'apikey.%'")];
  const before = await count();
  // the store refuses the row (a trigger stands in for a full disk)
  const unfail = await failingTrigger(srv.db, 'api_keys');
  try {
    assertError(await makeRaw({ user: 'leader1', name: 'fails-1' }), 503, 'unavailable');
  } finally {
    await unfail();
  }
  assert.deepEqual(await count(), before);
  // the row goes in but its settings do not: the row goes too
  const unfail2 = await failingTrigger(srv.db, 'api_keys', { on: 'BEFORE UPDATE OF scopes' });
  try {
    assertError(await makeRaw({ user: 'leader1', name: 'fails-2', scopes: ['stats.read'] }), 503, 'unavailable');
  } finally {
    await unfail2();
  }
  assert.deepEqual(await count(), before);
  assert.equal(await sql("SELECT count(*) FROM api_keys WHERE name LIKE 'fails-%'"), '0');
  // and it works again
  await make({ user: 'leader1', name: 'fails-3' });
});

test('every key event is on the chain with scopes, org and rate, and none holds the key or its hash', async () => {
  const k = await make({ user: 'leader1', name: 'audited', org: 'town.a', scopes: ['stats.read'], rate_per_min: 42 });
  const ch = await admin.req('PATCH', `/api/v1/apikeys/${(await listed('audited')).id}`, { rate_per_min: 43 });
  assert.equal(ch.status, 200, ch.text);
  assert.equal((await admin.post('/api/v1/apikeys/revoke', { name: 'audited' })).status, 200);
  const rows = JSON.parse(await sql(BACKEND === 'postgres'
    ? "SELECT coalesce(json_agg(json_build_object('action', action, 'payload', payload::json) ORDER BY seq), '[]') FROM events WHERE action LIKE 'apikey.%'"
    : "SELECT json_group_array(json_object('action', action, 'payload', json(payload))) FROM events WHERE action LIKE 'apikey.%'"));
  const mine = rows.filter((e) => e.payload.name === 'audited');
  assert.deepEqual(mine.map((e) => e.action), ['apikey.add', 'apikey.change', 'apikey.revoke']);
  const add = mine[0].payload;
  assert.deepEqual({ scopes: add.scopes, org: add.org, rate: add.rate_per_min, user: add.user, via: add.via },
    { scopes: ['stats.read'], org: 'town.a', rate: 42, user: 'leader1', via: 'api' });
  assert.deepEqual(mine[1].payload.from, { scopes: ['stats.read'], rate_per_min: 42 });
  assert.equal(mine[1].payload.rate_per_min, 43);
  const hashes = (await sql(`SELECT lower(${sqlHex('key_hash')}) FROM api_keys`)).split('\n');
  const all = JSON.stringify(rows);
  assert.ok(!all.includes(k.key) && !all.includes(k.key.slice(3)), 'no event holds the key');
  for (const h of hashes) assert.ok(!all.toLowerCase().includes(h), 'no event holds a key\'s hash');
  // the chain still verifies (after the server lets go of it)
  await srv.stop();
  const v = await runCli(srv, ['audit', 'verify', '--db', srv.db, '--skip-files']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  await srv.restart();
});

// SQLite's one writer process (its writer lock); on PostgreSQL several
// civicloop processes write one database (docs/postgresql.md)
const ONE_WRITER = BACKEND === 'postgres' && 'one writer process is SQLite\'s: on PostgreSQL several servers and commands write one database';

test('the CLI is a second process: refused while the server runs', { skip: ONE_WRITER }, async () => {
  const running = await runCli(srv, ['apikey', 'add', '--db', srv.db, 'leader1', 'cli-1']);
  assert.equal(running.code, 1);
  assert.match(running.stderr, /正被另一个 civicloop 进程/);
  assert.equal(running.stdout, '', 'no key printed');
  assert.equal(await sql("SELECT count(*) FROM api_keys WHERE name = 'cli-1'"), '0');
});

test('the CLI with the server stopped: add, list and revoke with the same checks', async () => {
  await srv.stop();
  try {
    const bad = [
      [['apikey', 'add', '--db', srv.db, 'leader1', 'cli-x', '--scope', 'stats.read,bogus'], 2, /不认识的权限范围 bogus/],
      [['apikey', 'add', '--db', srv.db, 'leader1', 'cli-x', '--rate', '0'], 2, /--rate/],
      [['apikey', 'add', '--db', srv.db, 'leader1', 'cli-x', '--rate', '12abc'], 2, /--rate/],
      [['apikey', 'add', '--db', srv.db, 'leader1', 'cli-x', '--scope', 'linkage.110'], 1, /没有权限范围 linkage\.110/],
      [['apikey', 'add', '--db', srv.db, 'town1', 'cli-x', '--org', 'town.b'], 1, /不在账号 town1 的管辖范围内/],
      [['apikey', 'add', '--db', srv.db, 'nobody', 'cli-x'], 1, /没有账号/],
      [['apikey', 'add', '--db', srv.db, 'leader1'], 2, /LOGIN 和 NAME/],
    ];
    for (const [args, code, re] of bad) {
      const r = await runCli(srv, args);
      assert.equal(r.code, code, `${args.slice(3).join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '', 'no key printed');
    }
    assert.equal(await sql("SELECT count(*) FROM api_keys WHERE name = 'cli-x'"), '0');
    const add = await runCli(srv, ['apikey', 'add', '--db', srv.db, 'leader1', 'cli-1', '--scope', 'stats.read', '--org', 'town.a', '--rate', '7']);
    assert.equal(add.code, 0, add.stderr);
    const key = add.stdout.split('\n')[0].trim();
    assert.match(key, /^ck_[0-9a-f]{40}$/);
    // the older spelling still works
    const old = await runCli(srv, ['apikey', 'add', '--db', srv.db, '--user', 'link110', '--name', 'cli-2']);
    assert.equal(old.code, 0, old.stderr);
    const list = await runCli(srv, ['apikey', 'list', '--db', srv.db]);
    assert.equal(list.code, 0, list.stderr);
    const line = list.stdout.split('\n').find((l) => l.split('\t')[1] === 'cli-1');
    assert.ok(line, list.stdout);
    const [, , user, org, scopes, rate] = line.split('\t');
    assert.deepEqual({ user, org, scopes, rate }, { user: 'leader1', org: 'town.a', scopes: 'stats.read', rate: '7' });
    assert.ok(!list.stdout.includes(key), 'list never shows a key');
    const ev = JSON.parse(await sql("SELECT payload FROM events WHERE action = 'apikey.add' ORDER BY seq DESC LIMIT 1 OFFSET 1"));
    assert.deepEqual({ name: ev.name, via: ev.via, org: ev.org, rate: ev.rate_per_min }, { name: 'cli-1', via: 'cli', org: 'town.a', rate: 7 });
    const rv = await runCli(srv, ['apikey', 'revoke', '--db', srv.db, 'cli-2']);
    assert.equal(rv.code, 0, rv.stderr);
    await srv.restart();
    assert.equal((await withKey(key, 'GET', '/api/v1/stats/hotline?org=town.a')).status, 200);
    assertError(await withKey(key, 'GET', '/api/v1/stats/hotline?org=county'), 403);
  } finally {
    if (!srv.proc) await srv.restart();
  }
});

test('PATCH /api/v1/apikeys/{id}: scopes and rate; bad bodies 400; revoked or unknown 404; without user.manage 403', async () => {
  const k = await make({ user: 'admin', name: 'patched' });
  const id = (await listed('patched')).id;
  assertError(await admin.req('PATCH', `/api/v1/apikeys/${id}`, { scopes: ['linkage.110'] }), 400, 'field.invalid', 'scopes');
  assertError(await admin.req('PATCH', `/api/v1/apikeys/${id}`, { rate_per_min: 0 }), 400, 'field.invalid', 'rate_per_min');
  assertError(await admin.req('PATCH', `/api/v1/apikeys/${id}`, { org: 'town.a' }), 400, 'field.unknown', 'org');
  assertError(await admin.req('PATCH', '/api/v1/apikeys/999999', { rate_per_min: 5 }), 404, 'not_found');
  assertError(await admin.req('PATCH', '/api/v1/apikeys/x', { rate_per_min: 5 }), 404);
  assertError(await (await srv.login('town1')).req('PATCH', `/api/v1/apikeys/${id}`, { rate_per_min: 5 }), 403, 'permission.denied');
  const r = await admin.req('PATCH', `/api/v1/apikeys/${id}`, { scopes: ['import'], rate_per_min: 2 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.changed, true);
  assert.deepEqual(r.json.apikey.scopes, ['import']);
  assert.equal(r.json.apikey.rate_per_min, 2);
  assertError(await withKey(k.key, 'GET', '/api/v1/stats/hotline'), 403, 'permission.denied');
  const same = await admin.req('PATCH', `/api/v1/apikeys/${id}`, { rate_per_min: 2 });
  assert.equal(same.json.changed, false);
  // the new rate holds at once: 2 a minute (the refused call above was one)
  const imp = async () => withKey(k.key, 'POST', '/api/v1/import', {});
  assertError(await imp(), 400);
  assertError(await imp(), 429, 'apikey.rate_limited');
  assert.equal((await admin.post('/api/v1/apikeys/revoke', { name: 'patched' })).status, 200);
  assertError(await admin.post('/api/v1/apikeys/revoke', { name: 'patched' }), 404, 'not_found', 'name');
  assertError(await admin.req('PATCH', `/api/v1/apikeys/${id}`, { rate_per_min: 5 }), 404, 'not_found');
});

// ------------------------------------------------------------ happy paths

test('GET /api/v1/apikeys: scopes, org, rate, last_used_at (null until used, then set, and stored)', async () => {
  const k = await make({ user: 'link110', name: 'used' });
  let item = await listed('used');
  assert.deepEqual(item.scopes, ['open311.submit', 'linkage.110']);
  assert.deepEqual(item.org, { id: item.org.id, code: 'county.12345', name: item.org.name });
  assert.equal(typeof item.org.name, 'string');
  assert.equal(item.rate_per_min, 600);
  assert.equal(item.last_used_at, null);
  assert.equal(item.revoked_at, null);
  assert.equal(item.user.login, 'link110');
  assert.ok(!JSON.stringify(item).includes('ck_'));
  const t0 = Date.now();
  assert.equal((await withKey(k.key, 'POST', '/api/v1/linkage/110', incident())).status, 201);
  item = await listed('used');
  assert.ok(item.last_used_at, JSON.stringify(item));
  assert.ok(Math.abs(Date.parse(item.last_used_at) - t0) < 5000, item.last_used_at);
  // written through the writer, once a minute at most
  let stored = '';
  for (let i = 0; i < 50 && !stored; i++) {
    stored = await sql("SELECT coalesce(CAST(last_used_at AS text), '') FROM api_keys WHERE name = 'used'");
    if (!stored) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(Number(stored) > 0, 'last_used_at stored');
  const events = await sql("SELECT count(*) FROM events WHERE action NOT LIKE 'apikey.%' AND payload LIKE '%last_used%'");
  assert.equal(events, '0', 'no chain event per use');
});

test('the answers fit their OpenAPI description (src/api/openapi/apikeys.json, as /api/openapi.json serves it)', async () => {
  const doc = (await srv.raw('GET', '/api/openapi.json')).json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: 'https://civicloop.invalid/oa' });
  const conforms = (r, method, route, status) => {
    assert.equal(r.status, status, r.text);
    const ptr = ['paths', route, method, 'responses', String(status), 'content', 'application/json', 'schema']
      .map((x) => x.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const v = ajv.compile({ $ref: `https://civicloop.invalid/oa#/${ptr}` });
    assert.ok(v(r.json), `${method} ${route}: ${JSON.stringify(v.errors).slice(0, 800)}\n${r.text.slice(0, 400)}`);
  };
  const made = await admin.post('/api/v1/apikeys', { user: 'leader1', name: 'schema', org: 'town.a', scopes: ['stats.read'], rate_per_min: 30 });
  conforms(made, 'post', '/api/v1/apikeys', 201);
  assert.equal((await withKey(made.json.key, 'GET', '/api/v1/stats/hotline')).status, 200);
  conforms(await admin.get('/api/v1/apikeys'), 'get', '/api/v1/apikeys', 200);
  const id = (await listed('schema')).id;
  conforms(await admin.req('PATCH', `/api/v1/apikeys/${id}`, { rate_per_min: 31 }), 'patch', '/api/v1/apikeys/{id}', 200);
  conforms(await admin.post('/api/v1/apikeys/revoke', { name: 'schema' }), 'post', '/api/v1/apikeys/revoke', 200);
  conforms(await admin.get('/api/v1/apikeys'), 'get', '/api/v1/apikeys', 200);
});
