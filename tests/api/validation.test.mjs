// Bad input is refused with the right 4xx, changes nothing, and never
// produces a 500.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody } from './helpers.mjs';

const srv = await startServer();

/** Everything that could change: the number of cases and one case's events and version. */
async function snapshot(probeId) {
  const admin = await srv.login('admin');
  const cases = await admin.listAll();
  const probe = await admin.case(probeId);
  const events = await admin.events(probeId);
  return { cases: cases.length, maxId: Math.max(...cases.map((c) => c.id)), version: probe.version,
    status: probe.status, events: events.length };
}

let probe;
async function getProbe() {
  if (!probe) {
    const op1 = await srv.login('op1');
    probe = (await op1.create(caseBody({ title: '校验探针' }))).case;
    await (await srv.login('disp1')).must(probe.id, 'dispatch', { org: 'dept.cg' });
  }
  return probe;
}

const postCase = async (body, headers = {}) => {
  const op1 = await srv.login('op1');
  return srv.raw('POST', '/api/v1/cases', {
    headers: { Authorization: `Bearer ${op1.token}`, 'Content-Type': 'application/json', ...headers },
    body,
  });
};

test('create: malformed bodies, wrong types and bad values → 4xx, nothing written', async () => {
  const p = await getProbe();
  const before = await snapshot(p.id);
  const good = caseBody();
  const J = (o) => JSON.stringify(o);
  const cases = [
    // [label, body, status, code, field]
    ['malformed JSON', '{"type":"hotline",', 400, 'request.bad_json'],
    ['trailing garbage', `${J(good)}x`, 400, 'request.bad_json'],
    ['empty body', '', 400, 'request.bad_json'],
    ['JSON array', J([good]), 400, undefined],
    ['JSON string', '"hotline"', 400, undefined],
    ['JSON null', 'null', 400, undefined],
    ['duplicate keys', '{"type":"hotline","description":"a","description":"b"}', 400, undefined],
    ['description number', J({ ...good, description: 5 }), 400, undefined, 'description'],
    ['description empty', J({ ...good, description: '' }), 400, undefined, 'description'],
    ['description NUL', J({ ...good, description: 'a\u0000b' }), 400, undefined],
    ['description control char', J({ ...good, description: 'a\u0007b' }), 400, undefined, 'description'],
    ['missing description', J({ type: 'hotline', class: '投诉' }), 400, 'field.required', 'description'],
    ['class number', J({ ...good, class: 7 }), 400, undefined, 'class'],
    ['unknown class', J({ ...good, class: '闲聊' }), 400, undefined, 'class'],
    ['channel unknown', J({ ...good, channel: 'pigeon' }), 400, undefined, 'channel'],
    ['type missing', J({ description: 'x' }), 400, 'field.required', 'type'],
    ['type unknown', J({ ...good, type: 'nosuchtype' }), 400, undefined, 'type'],
    ['type number', J({ ...good, type: 1 }), 400, undefined, 'type'],
    ['unknown top-level field', J({ ...good, colour: 'red' }), 400, 'field.unknown', 'colour'],
    ['reporter.phone abc', J({ ...good, reporter: { name: '张', phone: 'abc' } }), 400, undefined, 'reporter.phone'],
    ['reporter.phone number', J({ ...good, reporter: { phone: 13812345678 } }), 400, undefined, 'reporter.phone'],
    ['reporter.phone letters and digits', J({ ...good, reporter: { phone: '138abcd5678' } }), 400, undefined, 'reporter.phone'],
    ['reporter unknown key', J({ ...good, reporter: { email: 'a@b.c' } }), 400, 'field.unknown'],
    ['reporter not object', J({ ...good, reporter: 'me' }), 400, undefined, 'reporter'],
    ['reporter.confidential string', J({ ...good, reporter: { confidential: 'yes' } }), 400, undefined, 'reporter.confidential'],
    ['location lat 100', J({ ...good, location: { lat: 100, lng: 114.87 } }), 400, undefined],
    ['location lng 200', J({ ...good, location: { lat: 25.7, lng: 200 } }), 400, undefined],
    ['location lat string', J({ ...good, location: { lat: '25.7', lng: 114.87 } }), 400, undefined],
    ['location crs unknown', J({ ...good, location: { lat: 25.7, lng: 114.87, crs: 'mars' } }), 400, undefined],
    ['location unknown key', J({ ...good, location: { lat: 25.7, lng: 114.87, alt: 3 } }), 400, undefined],
    ['org unknown', J({ ...good, org: 'town.zzz' }), 400, undefined, 'org'],
    ['org wrong type', J({ ...good, org: ['town.a'] }), 400, undefined, 'org'],
    ['fields unknown key', J({ ...good, fields: { colour: 'red' } }), 400, 'field.unknown'],
    ['fields.category number', J({ ...good, fields: { category: 5 } }), 400, undefined, 'category'],
    ['fields.satisfaction not in enum', J({ ...good, fields: { satisfaction: '很好' } }), 400, undefined, 'satisfaction'],
    ['fields not object', J({ ...good, fields: [] }), 400, undefined, 'fields'],
    ['title empty', J({ ...good, title: '' }), 400, undefined, 'title'],
    ['title with newline', J({ ...good, title: 'a\nb' }), 400, undefined, 'title'],
    ['title too long', J({ ...good, title: '长'.repeat(201) }), 400, undefined, 'title'],
    ['description 8001 characters', J({ ...good, description: '字'.repeat(8001) }), 400, undefined, 'description'],
    ['received_at garbage', J({ ...good, received_at: 'soon' }), 400, undefined, 'received_at'],
    ['deeply nested', `{"type":"hotline","description":"x","fields":${'['.repeat(5000)}${']'.repeat(5000)}}`, 400, undefined],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400, undefined],
  ];
  for (const [label, body, status, code, field] of cases) {
    const r = await postCase(body);
    assert.ok(r.status < 500, `${label}: never a 500 (got ${r.status})`);
    assertError(r, status, code);
    if (field !== undefined) assert.equal(r.json.error.field, field, `${label}: field`);
  }
  // location errors name the location
  for (const loc of [{ lat: 100, lng: 114.87 }, { lat: 25.7, lng: 200 }, { lat: '25.7', lng: 114.87 }, { lat: 25.7, lng: 114.87, crs: 'mars' }]) {
    const r = await postCase(J({ ...good, location: loc }));
    assert.match(r.json.error.field || '', /^location/, `location error field: ${r.text}`);
  }
  assert.deepEqual(await snapshot(p.id), before, 'nothing was written');
});

test('create: a mobile number with a digit missing or extra is refused (DESIGN §4: mobile numbers validated)', async () => {
  const p = await getProbe();
  const before = await snapshot(p.id);
  for (const phone of ['1381234567', '138123456789', '13812345 678']) {
    const r = await postCase(JSON.stringify(caseBody({ reporter: { name: '张', phone } })));
    assertError(r, 400, undefined, 'reporter.phone');
  }
  assert.deepEqual(await snapshot(p.id), before);
  // a landline with its area code, a mobile and a service number are fine
  for (const phone of ['0797-8881234', '13812345678', '12345']) {
    const r = await postCase(JSON.stringify(caseBody({ reporter: { name: '张', phone } })));
    assert.equal(r.status, 201, `${phone}: ${r.text}`);
  }
});

test('create: exactly 8000 characters of description is accepted', async () => {
  const r = await postCase(JSON.stringify(caseBody({ description: '字'.repeat(8000) })));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.case.description.length, 8000);
});

test('oversize body (> 1 MiB) → 413, nothing written', async () => {
  const p = await getProbe();
  const before = await snapshot(p.id);
  const big = JSON.stringify(caseBody({ description: 'x'.repeat(1024 * 1024 + 10) }));
  const r = await postCase(big);
  assertError(r, 413, 'request.too_large');
  // also on an action
  const cg1 = await srv.login('cg1');
  const ra = await cg1.act(p.id, 'sign', JSON.stringify({ comment: 'y'.repeat(1024 * 1024 + 10) }));
  assertError(ra, 413);
  assert.deepEqual(await snapshot(p.id), before);
  // the server is still fine
  assert.equal((await srv.raw('GET', '/healthz')).status, 200);
});

test('wrong Content-Type → 415, nothing written', async () => {
  const p = await getProbe();
  const before = await snapshot(p.id);
  const body = JSON.stringify(caseBody());
  assertError(await postCase(body, { 'Content-Type': 'text/plain' }), 415, 'request.media_type');
  assertError(await postCase(body, { 'Content-Type': 'application/x-www-form-urlencoded' }), 415);
  assertError(await postCase(body, { 'Content-Type': 'application/jsonx' }), 415);
  const op1 = await srv.login('op1');
  const noCt = await srv.raw('POST', '/api/v1/cases', { headers: { Authorization: `Bearer ${op1.token}` }, body });
  assertError(noCt, 415);
  const cg1 = await srv.login('cg1');
  assertError(await cg1.act(p.id, 'sign', '{}', { 'Content-Type': 'text/plain' }), 415);
  assert.deepEqual(await snapshot(p.id), before);
  // with a charset parameter it is fine
  const ok = await postCase(body, { 'Content-Type': 'application/json; charset=utf-8' });
  assert.equal(ok.status, 201, ok.text);
});

test('actions: bad bodies → 400 with the field; nothing changes', async () => {
  const p = await getProbe();
  const before = await snapshot(p.id);
  const cg1 = await srv.login('cg1');
  const disp1 = await srv.login('disp1');
  const sup1 = await srv.login('sup1');
  const bad = [
    [cg1, 'sign', '{"version":', 400, 'request.bad_json'],
    [cg1, 'sign', '[]', 400, undefined],
    [cg1, 'sign', '{"version":"1"}', 400, 'field.invalid', 'version'],
    [cg1, 'sign', '{"version":1.5}', 400, 'field.invalid', 'version'],
    [cg1, 'sign', '{"colour":"red"}', 400, 'field.unknown', 'colour'],
    [cg1, 'sign', '{"comment":5}', 400, undefined, 'comment'],
    [cg1, 'sign', JSON.stringify({ comment: '长'.repeat(2001) }), 400, undefined, 'comment'],
    [cg1, 'return', '{}', 400, 'field.required', 'reason'],
    [cg1, 'return', '{"reason":7}', 400, undefined, 'reason'],
    [sup1, 'urge', '{"comment":["a"]}', 400, undefined, 'comment'],
  ];
  for (const [who, action, body, status, code, field] of bad) {
    const r = await who.act(p.id, action, body);
    assert.ok(r.status < 500, `${action} ${body.slice(0, 40)}: ${r.status}`);
    assertError(r, status, code);
    if (field) assert.equal(r.json.error.field, field, `${action} ${body.slice(0, 40)}`);
  }
  assert.deepEqual(await snapshot(p.id), before);

  // callback and dispatch bodies on cases in the right state
  const op1 = await srv.login('op1');
  const c = (await op1.create(caseBody({ title: '回访校验' }))).case;
  assertError(await disp1.act(c.id, 'dispatch', { org: true }), 400, undefined, 'org');
  assertError(await disp1.act(c.id, 'dispatch', { org: 999999 }), 400, undefined, 'org');
  assertError(await disp1.act(c.id, 'dispatch', { orgs: 'dept.cg' }), 400, undefined, 'orgs');
  await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  await cg1.must(c.id, 'sign', {});
  assertError(await cg1.act(c.id, 'reply', {}), 400, 'field.required', 'reply');
  assertError(await cg1.act(c.id, 'reply', { reply: 42 }), 400, undefined, 'reply');
  assertError(await cg1.act(c.id, 'reply', { reply: '长'.repeat(8001) }), 400, undefined, 'reply');
  await cg1.must(c.id, 'reply', { reply: '已处理。' });
  await sup1.must(c.id, 'review', {});
  const before2 = await snapshot(c.id);
  assertError(await sup1.act(c.id, 'callback', { resolved: true }), 400, 'field.required', 'satisfaction');
  assertError(await sup1.act(c.id, 'callback', { satisfaction: '满意' }), 400, 'field.required', 'resolved');
  assertError(await sup1.act(c.id, 'callback', { resolved: 'yes', satisfaction: '满意' }), 400, undefined, 'resolved');
  assertError(await sup1.act(c.id, 'callback', { resolved: true, satisfaction: '很好' }), 400, undefined, 'satisfaction');
  assertError(await sup1.act(c.id, 'callback', { resolved: true, satisfaction: 1 }), 400, undefined, 'satisfaction');
  assert.deepEqual(await snapshot(c.id), before2);
  assert.equal((await sup1.case(c.id)).status, 'callback');
});

test('odd paths and methods: 404 / 405, never 500', async () => {
  const op1 = await srv.login('op1');
  const p = await getProbe();
  const tries = [
    ['GET', '/api/v1/cases/0', 404],
    ['GET', '/api/v1/cases/-1', 404],
    ['GET', '/api/v1/cases/abc', 404],
    ['GET', '/api/v1/cases/99999999999999999999999', 404],
    ['GET', '/api/v1/cases/1.5', 404],
    ['GET', `/api/v1/cases/${p.id}/nothing`, 404],
    ['GET', '/api/v1/nothing', 404],
    ['GET', '/api/v2/cases', 404],
    ['POST', `/api/v1/cases/${p.id}/actions/`, 404],
    ['POST', `/api/v1/cases/${p.id}/actions/${'a'.repeat(300)}`, 404],
    ['DELETE', `/api/v1/cases/${p.id}`, 405],
    ['PUT', `/api/v1/cases/${p.id}`, 405],
    ['PATCH', '/api/v1/cases', 405],
    ['GET', `/api/v1/cases/${p.id}/actions/sign`, 405],
    ['POST', `/api/v1/cases/${p.id}`, 405],
    ['POST', `/api/v1/cases/${p.id}/events`, 405],
  ];
  for (const [method, path, status] of tries) {
    const r = await op1.req(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
    assert.ok(r.status < 500, `${method} ${path}: ${r.status}`);
    assertError(r, status);
  }
  assertError(await op1.get('/api/v1/nothing'), 404, 'route.not_found');
  assertError(await op1.req('DELETE', `/api/v1/cases/${p.id}`), 405, 'request.method_not_allowed');
  // query strings that are odd but harmless
  for (const q of ['q=%25', 'q=%27%22;--', `q=${'字'.repeat(150)}`, 'status=%00', 'type=', 'org=', 'mine=0', 'overdue=yes']) {
    const r = await op1.get(`/api/v1/cases?${q}`);
    assert.ok(r.status === 200 || r.status === 400, `${q}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  assertError(await op1.get(`/api/v1/cases?q=${'字'.repeat(300)}`), 400);
});

test('Idempotency-Key of bad length → 400 and nothing created', async () => {
  const p = await getProbe();
  const before = await snapshot(p.id);
  const r = await postCase(JSON.stringify(caseBody()), { 'Idempotency-Key': 'k'.repeat(300) });
  assertError(r, 400);
  assert.deepEqual(await snapshot(p.id), before);
});

test('the server is alive after all of it', async () => {
  const r = await srv.raw('GET', '/healthz');
  assert.deepEqual(r.json, { status: 'ok' });
  const m = await srv.raw('GET', '/metrics');
  assert.doesNotMatch(m.text, /civicloop_http_requests_total\{[^}]*status="5\d\d"/, 'no 5xx counted');
});
