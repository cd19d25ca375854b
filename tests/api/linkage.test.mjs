// 110 linkage (API.md "110 linkage") and API keys: the 110 system hands an
// incident over as a hotline case on channel 110; the same incident number
// twice (also concurrently) is one case; only linkage accounts and their API
// keys may post; bad bodies create nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, freshPhone, runCli, sqlText, storedInPlaintext, BACKEND } from './helpers.mjs';

const srv = await startServer();

/** ms as ISO 8601 with +08:00, whole seconds. */
function iso(ms) {
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 19) + '+08:00';
}

let seq = 0;
/** A unique incident number for this run. */
function incidentNo() {
  seq += 1;
  return `J3607${Date.now().toString().slice(-7)}${String(seq).padStart(3, '0')}`;
}

function incident(extra = {}) {
  return {
    incident_no: incidentNo(),
    received_at: iso(Date.now() - 2 * 3600 * 1000),
    description: '110转来非警务警情：报警人称小区楼道堆放杂物堵塞消防通道，请求处理。',
    caller: { name: '报警人甲', phone: freshPhone('138') },
    location: { lat: 25.7884, lng: 114.8726, address: '濂江县濂江镇东门社区和平巷' },
    category: '消防通道',
    ...extra,
  };
}

/** POST /api/v1/linkage/110 with an API key (no session). */
function postWithKey(key, body, header = 'X-API-Key') {
  const headers = { 'Content-Type': 'application/json' };
  headers[header] = header === 'Authorization' ? `Bearer ${key}` : key;
  return srv.raw('POST', '/api/v1/linkage/110', { headers, body: JSON.stringify(body) });
}

async function caseCount() {
  const op1 = await srv.login('op1');
  return (await op1.listAll('type=hotline')).length;
}

test('link110 hands an incident over → 201 hotline case on channel 110 with the incident number and its receipt time', async () => {
  const link = await srv.login('link110');
  const body = incident();
  const r = await link.post('/api/v1/linkage/110', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.created, true);
  assert.ok(Array.isArray(r.json.possible_duplicates));
  const c = r.json.case;
  assert.equal(c.type, 'hotline');
  assert.equal(c.channel, '110');
  assert.equal(c.class, '求助', 'a category that is not a class files the case as 求助');
  assert.equal(c.status, 'received');
  assert.equal(c.fields.incident_no, body.incident_no);
  assert.equal(c.fields.category, '消防通道');
  assert.equal(c.description, body.description);
  assert.ok(c.title.length > 0 && body.description.startsWith(c.title), `title ${c.title}`);
  assert.equal(Date.parse(c.received_at), Date.parse(body.received_at), 'the 110 receipt time is honoured');
  assert.equal(c.location.address, body.location.address);
  assert.equal(c.reporter.name, body.caller.name);
  assert.equal(c.reporter.phone, body.caller.phone);

  // the hotline sees it like any other case, and its history names link110
  const op1 = await srv.login('op1');
  const g = await op1.case(c.id);
  assert.equal(g.channel, '110');
  assert.equal(g.fields.incident_no, body.incident_no);
  const ev = await op1.events(c.id);
  assert.equal(ev.length, 1);
  assert.equal(ev[0].action, 'create');
  assert.equal(ev[0].actor.login, 'link110');
  const disp1 = await srv.login('disp1');
  await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
});

test('a category naming a hotline class becomes the class (举报 is confidential)', async () => {
  const link = await srv.login('link110');
  let r = await link.post('/api/v1/linkage/110', incident({ category: '投诉' }));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.case.class, '投诉');
  assert.equal(r.json.case.fields.category, '投诉');
  r = await link.post('/api/v1/linkage/110', incident({ category: '举报' }));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.case.class, '举报');
  assert.equal(r.json.case.reporter.confidential, true);
  assert.equal(r.json.case.reporter.phone, undefined, 'link110 may not read a confidential reporter');
  // without a category or a caller
  const body = incident();
  delete body.category;
  delete body.caller;
  delete body.location;
  r = await link.post('/api/v1/linkage/110', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.case.class, '求助');
  assert.equal(r.json.case.fields.category, undefined);
});

test('the same incident twice → one case; the repeat answers 200 created:false with the first case', async () => {
  const link = await srv.login('link110');
  const body = incident();
  const first = await link.post('/api/v1/linkage/110', body);
  assert.equal(first.status, 201, first.text);
  const before = await caseCount();
  // a retry with a different body: the first hand-over wins
  const again = await link.post('/api/v1/linkage/110', { ...body, description: '重复推送：内容不同。' });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.created, false);
  assert.equal(again.json.case.id, first.json.case.id);
  assert.equal(again.json.case.description, body.description, 'the first body wins');
  assert.equal(await caseCount(), before, 'nothing new');
});

test('five concurrent posts of one incident → exactly one case', async () => {
  const link = await srv.login('link110');
  const body = incident();
  const before = await caseCount();
  const rs = await Promise.all(Array.from({ length: 5 }, () => link.post('/api/v1/linkage/110', body)));
  const statuses = rs.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 200, 200, 201], rs.map((r) => r.text).join('\n'));
  const ids = new Set(rs.map((r) => r.json.case.id));
  assert.equal(ids.size, 1, 'every answer names the same case');
  assert.equal(rs.filter((r) => r.json.created === true).length, 1);
  assert.equal(await caseCount(), before + 1);
  const op1 = await srv.login('op1');
  const found = await op1.listAll(`q=${encodeURIComponent(body.description)}`);
  assert.equal(found.filter((c) => c.channel === '110' && c.id === rs[0].json.case.id).length, 1);
});

test('only the linkage permission may hand over: op1, disp1 → 403; without sign-in → 401', async () => {
  for (const who of ['op1', 'disp1', 'admin']) {
    const u = await srv.login(who);
    assertError(await u.post('/api/v1/linkage/110', incident()), 403, 'permission.denied');
  }
  const r = await srv.raw('POST', '/api/v1/linkage/110', {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(incident()),
  });
  assertError(r, 401, 'auth.required');
});

test('bad bodies → 400 and nothing is created', async () => {
  const link = await srv.login('link110');
  const before = await caseCount();
  const cases = [
    [(b) => { delete b.incident_no; }, 'field.required', 'incident_no'],
    [(b) => { b.incident_no = ''; }, 'field.invalid', 'incident_no'],
    [(b) => { b.incident_no = 'J 123'; }, 'field.invalid', 'incident_no'],
    [(b) => { b.incident_no = 'J'.repeat(65); }, 'field.invalid', 'incident_no'],
    [(b) => { b.incident_no = 12345; }, 'field.invalid', 'incident_no'],
    [(b) => { delete b.received_at; }, 'field.required', 'received_at'],
    [(b) => { b.received_at = '昨天晚上'; }, 'field.invalid', 'received_at'],
    [(b) => { b.received_at = iso(Date.now() + 3600 * 1000); }, 'field.invalid', 'received_at'],
    [(b) => { delete b.description; }, 'field.required', 'description'],
    [(b) => { b.description = ''; }, 'field.invalid', 'description'],
    [(b) => { b.description = '长'.repeat(8001); }, 'field.too_long', 'description'],
    [(b) => { b.extra = 1; }, 'field.unknown', 'extra'],
    [(b) => { b.caller = { phone: '12345678' }; }, 'field.invalid', 'caller.phone'],
    [(b) => { b.caller = { phone: '1380000' }; }, 'field.invalid', 'caller.phone'],
    [(b) => { b.caller = { name: '甲', id_card: 'x' }; }, 'field.unknown', 'caller'],
    [(b) => { b.caller = '张三'; }, 'field.invalid', 'caller'],
    [(b) => { b.location = { lat: 100, lng: 114 }; }, 'field.invalid', 'location'],
    [(b) => { b.location = { lat: 25, lng: 114, floor: 3 }; }, 'field.unknown', 'location'],
    [(b) => { b.category = 'x'.repeat(65); }, 'field.too_long', 'category'],
  ];
  for (const [mutate, code, field] of cases) {
    const b = incident();
    mutate(b);
    const r = await link.post('/api/v1/linkage/110', b);
    assertError(r, 400, code, field);
  }
  // not JSON, wrong media type, not an object
  assertError(await link.post('/api/v1/linkage/110', '{"incident_no":'), 400, 'request.bad_json');
  assertError(await link.post('/api/v1/linkage/110', '[]'), 400);
  assertError(await link.post('/api/v1/linkage/110', 'incident_no=1', { 'Content-Type': 'text/plain' }), 415);
  // a bad body of a known incident is refused too (not answered with the case)
  const body = incident();
  assert.equal((await link.post('/api/v1/linkage/110', body)).status, 201);
  assertError(await link.post('/api/v1/linkage/110', { ...body, caller: { phone: 'abc' } }), 400, 'field.invalid', 'caller.phone');
  assert.equal(await caseCount(), before + 1, 'only the one good hand-over created a case');
});

test('API keys: an admin makes a key (API or, server stopped, CLI) that acts as link110; revoked and unknown keys → 401', async () => {
  const admin = await srv.login('admin');
  const add = await admin.post('/api/v1/apikeys', { user: 'link110', name: '110指挥中心' });
  assert.equal(add.status, 201, add.text);
  const key = add.json.key;
  assert.match(key, /^ck_[0-9a-f]{40}$/, 'the key is shown once');
  assert.equal(add.json.user.login, 'link110');

  // the name labels one live key; unknown accounts and missing fields are refused
  assertError(await admin.post('/api/v1/apikeys', { user: 'link110', name: '110指挥中心' }), 409, 'conflict', 'name');
  assertError(await admin.post('/api/v1/apikeys', { user: 'nobody', name: 'x' }), 400, 'field.invalid', 'user');
  assertError(await admin.post('/api/v1/apikeys', { name: 'x' }), 400, 'field.required', 'user');
  // only user.manage holders
  const op1c = await srv.login('op1');
  assertError(await op1c.post('/api/v1/apikeys', { user: 'link110', name: 'y' }), 403, 'permission.denied');
  assertError(await op1c.get('/api/v1/apikeys'), 403, 'permission.denied');
  // the list shows it without the key
  const list = await admin.get('/api/v1/apikeys');
  assert.equal(list.status, 200, list.text);
  const listed = list.json.items.find((k) => k.name === '110指挥中心' && k.revoked_at === null);
  assert.ok(listed, 'listed');
  assert.equal(listed.user.login, 'link110');
  assert.ok(!list.text.includes(key), 'the key itself is never listed');
  // the CLI says how it is used (the writer lock: the test after this one)
  const usage = await runCli(srv, ['apikey', 'add', '--db', srv.db, '--name', 'x']);
  assert.equal(usage.code, 2);

  // the key is stored hashed: its text is nowhere in the database (or its WAL)
  assert.equal(await storedInPlaintext(srv, key), false, 'the key is not stored in clear');

  const body = incident();
  const r = await postWithKey(key, body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.case.channel, '110');
  const op1 = await srv.login('op1');
  const ev = await op1.events(r.json.case.id);
  assert.equal(ev[0].actor.login, 'link110', 'the key acts as its user');

  // Authorization: Bearer ck_… works the same; the repeat finds the case
  const r2 = await postWithKey(key, body, 'Authorization');
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.json.created, false);
  assert.equal(r2.json.case.id, r.json.case.id);

  // a key does not open what its user may not do
  assertError(await srv.raw('GET', '/api/v1/cases', { headers: { 'X-API-Key': key } }), 403);

  // unknown and malformed keys
  assertError(await postWithKey('ck_' + '0'.repeat(40), incident()), 401, 'auth.required');
  assertError(await postWithKey('not-a-key', incident()), 401, 'auth.required');
  assertError(await postWithKey(key.toUpperCase(), incident()), 401, 'auth.required');

  // a key of an account without the linkage permission → 403
  const opkey = await admin.post('/api/v1/apikeys', { user: 'op1', name: 'op1-key' });
  assert.equal(opkey.status, 201, opkey.text);
  assertError(await postWithKey(opkey.json.key, incident()), 403, 'permission.denied');

  // revoke: the key stops working at once
  const rev = await admin.post('/api/v1/apikeys/revoke', { name: '110指挥中心' });
  assert.equal(rev.status, 200, rev.text);
  assertError(await postWithKey(key, incident()), 401, 'auth.required');
  assertError(await postWithKey(key, incident(), 'Authorization'), 401, 'auth.required');
  assertError(await admin.post('/api/v1/apikeys/revoke', { name: '110指挥中心' }), 404, 'not_found');
  // both are events on the chain, without the key
  const kev = await sqlText(srv.db, "SELECT action, payload FROM events WHERE action LIKE 'apikey.%' ORDER BY seq");
  assert.match(kev, /apikey\.add\|.*110指挥中心.*"via":"api"/);
  assert.match(kev, /apikey\.revoke\|.*110指挥中心/);
  assert.ok(!kev.includes(key));

  // with the server stopped, the CLI makes keys; the name is free again
  await srv.stop();
  const fresh = await runCli(srv, ['apikey', 'add', '--db', srv.db, '--user', 'link110', '--name', '110指挥中心']);
  assert.equal(fresh.code, 0, fresh.stderr);
  const again = await runCli(srv, ['apikey', 'revoke', '--db', srv.db, '--name', 'op1-key']);
  assert.equal(again.code, 0, again.stderr);
  await srv.restart();
  const r3 = await postWithKey(fresh.stdout.split('\n')[0], incident());
  assert.equal(r3.status, 201, r3.text);
});

test('API keys: the CLI is refused while the server holds the writer lock, and says why',
  { skip: BACKEND === 'postgres' && 'the writer lock is SQLite\'s one writer process: on PostgreSQL several processes write one database' }, async () => {
    const before = await sqlText(srv.db, 'SELECT count(*) FROM api_keys');
    const busy = await runCli(srv, ['apikey', 'add', '--db', srv.db, '--user', 'link110', '--name', 'cli']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /正被另一个 civicloop 进程/);
    assert.equal(busy.stdout, '', 'no key printed');
    assert.equal(await sqlText(srv.db, 'SELECT count(*) FROM api_keys'), before);
  });
