// Open311 GeoReport v2 (docs/open311.md): the conformance suite (every
// endpoint in both formats: JSON answers against the JSON Schemas of
// tests/api/open311/, XML answers through the XML checker), the round trip
// through the hotline (dispatch, reply, callback → closed, in status,
// status_notes and the updates) and the unhappy paths first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, freshPhone, sqlText, failingTrigger, BACKEND } from './helpers.mjs';
import { Ajv2020, addFormats } from './webdeps.mjs';
import { checkXml, fields, elements } from './open311/xmlcheck.mjs';

const srv = await startServer();
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const schema = (name) => ajv.compile(JSON.parse(readFileSync(new URL(`./open311/${name}.schema.json`, import.meta.url), 'utf8')));
const S = Object.fromEntries(['errors', 'services', 'service_definition', 'requests', 'request_created', 'tokens', 'updates', 'update_created', 'discovery'].map((n) => [n, schema(n)]));

function valid(name, body) {
  const ok = S[name](body);
  assert.ok(ok, `${name}: ${JSON.stringify(S[name].errors)} in ${JSON.stringify(body).slice(0, 400)}`);
}

const admin = await srv.login('admin');
async function newKey(name) {
  const r = await admin.post('/api/v1/apikeys', { user: 'link110', name });
  assert.equal(r.status, 201, r.text);
  return r.json.key;
}
const KEY = await newKey('open311 客户端');

const get = (p) => srv.raw('GET', `/open311/v2/${p}`);
const form = (p, o, raw) => srv.raw('POST', `/open311/v2/${p}`, {
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: raw !== undefined ? raw : new URLSearchParams(o).toString(),
});
const request = (extra = {}) => ({
  api_key: KEY, service_code: 'hotline-help', description: '小区门口路灯不亮已有一周，晚上出行不便，请尽快维修。',
  lat: '25.7884', long: '114.8726', address_string: '濂江县濂江镇东门社区和平巷', first_name: '李小明', phone: freshPhone('139'),
  email: 'li@example.com', 'attribute[category]': '市政设施-路灯', ...extra,
});
const dbCount = async (q) => Number(await sqlText(srv.db, q));

/** Asserts a spec error list with status in both formats' shape. */
function assertList(r, status, fmt) {
  assert.equal(r.status, status, r.text);
  if (fmt === 'xml') {
    const root = checkXml(r.text, 'errors', 'error');
    const e = fields(elements(root)[0]);
    assert.equal(e.code, String(status));
    assert.ok(e.description.length > 0);
  } else {
    valid('errors', r.json);
    assert.equal(r.json[0].code, status);
  }
}

test('unhappy: no key, wrong key, revoked key → 403 error list (XML and JSON), nothing written', async () => {
  const before = await dbCount('SELECT count(*) FROM cases');
  for (const fmt of ['json', 'xml']) {
    assertList(await form(`requests.${fmt}`, request({ api_key: '' })), 403, fmt);
    assertList(await form(`requests.${fmt}`, request({ api_key: 'ck_' + '0'.repeat(40) })), 403, fmt);
    assertList(await form(`requests.${fmt}`, request({ api_key: 'not a key' })), 403, fmt);
    assertList(await form(`servicerequestupdates.${fmt}`, { service_request_id: 'X', update_id: 'u1', status: 'OPEN' }), 403, fmt);
  }
  // the key may come as X-API-Key instead of the form field (docs/open311.md)
  const { api_key: _k, ...noKey } = request();
  const hdr = await srv.raw('POST', '/open311/v2/requests.json', { headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-API-Key': KEY }, body: new URLSearchParams(noKey).toString() });
  assert.equal(hdr.status, 200, hdr.text);
  valid('request_created', hdr.json);
  const badHdr = await srv.raw('POST', '/open311/v2/requests.xml', { headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-API-Key': 'ck_' + '1'.repeat(40) }, body: new URLSearchParams(noKey).toString() });
  assertList(badHdr, 403, 'xml');
  const k = await newKey('revoked client');
  assert.equal((await form('requests.json', request({ api_key: k }))).status, 200);
  const rv = await admin.post('/api/v1/apikeys/revoke', { name: 'revoked client' });
  assert.equal(rv.status, 200, rv.text);
  const before2 = await dbCount('SELECT count(*) FROM cases');
  assertList(await form('requests.xml', request({ api_key: k })), 403, 'xml');
  assertList(await form('requests.json', request({ api_key: k })), 403, 'json');
  assert.equal(await dbCount('SELECT count(*) FROM cases'), before2);
  assert.equal(before2, before + 2, 'the header key\'s and the revoked key\'s first requests');
});

test('unhappy: a key without the open311.submit scope → 403 list; a key over its rate → 429 list with Retry-After; nothing written', async () => {
  const noScope = await newKey('no open311 scope');
  await sqlText(srv.db, "UPDATE api_keys SET scopes = 'linkage.110' WHERE name = 'no open311 scope'");
  const slow = await newKey('slow client');
  await sqlText(srv.db, "UPDATE api_keys SET rate_per_min = 2 WHERE name = 'slow client'");
  const before = await dbCount('SELECT count(*) FROM cases');
  for (const fmt of ['json', 'xml']) {
    assertList(await form(`requests.${fmt}`, request({ api_key: noScope })), 403, fmt);
    assertList(await form(`servicerequestupdates.${fmt}`, { api_key: noScope, service_request_id: 'X-1', update_id: 'ns', status: 'OPEN' }), 403, fmt);
  }
  // two calls a minute: refused ones (bad service) use them up, then 429 in both formats and routes
  assertList(await form('requests.json', request({ api_key: slow, service_code: 'nope' })), 400, 'json');
  assertList(await form('requests.json', request({ api_key: slow, service_code: 'nope' })), 400, 'json');
  const over = await form('requests.xml', request({ api_key: slow }));
  assertList(over, 429, 'xml');
  assert.ok(Number(over.headers.get('retry-after')) >= 1, 'Retry-After');
  assertList(await form('requests.json', request({ api_key: slow })), 429, 'json');
  assertList(await form('servicerequestupdates.json', { api_key: slow, service_request_id: 'X-1', update_id: 'sl', status: 'OPEN' }), 429, 'json');
  assertList(await form('servicerequestupdates.xml', { api_key: slow, service_request_id: 'X-1', update_id: 'sl', status: 'OPEN' }), 429, 'xml');
  assert.equal(await dbCount('SELECT count(*) FROM cases'), before);
});

test('unhappy: unknown service, bad lat/long, missing location, oversize fields, bad media_url → 400 lists; unknown ones → 404', async () => {
  const before = await dbCount('SELECT count(*) FROM cases');
  for (const fmt of ['json', 'xml']) {
    assertList(await form(`requests.${fmt}`, request({ service_code: 'nope' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ service_code: 'hotline-report' })), 400, fmt); // 举报 is not offered
    assertList(await form(`requests.${fmt}`, request({ lat: '95', long: '114' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ lat: 'abc' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ long: '' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ lat: '', long: '', address_string: '' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ description: '长'.repeat(4001) })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ description: '' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ first_name: '名'.repeat(33) })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ phone: '12' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ email: 'no-at-sign' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ media_url: 'javascript:alert(1)' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ 'attribute[colour]': 'red' })), 400, fmt);
    assertList(await form(`requests.${fmt}`, request({ 'attribute[category]': '类'.repeat(65) })), 400, fmt);
    assertList(await get(`services/nope.${fmt}`), 404, fmt);
    assertList(await get(`requests/NO-SUCH-1.${fmt}`), 404, fmt);
    assertList(await get(`tokens/${'a'.repeat(32)}.${fmt}`), 404, fmt);
    assertList(await get(`requests.${fmt}?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-12-01T00:00:00%2B08:00`), 400, fmt);
    assertList(await get(`requests.${fmt}?start_date=yesterday`), 400, fmt);
    assertList(await get(`requests.${fmt}?page_size=1001`), 400, fmt);
    assertList(await get(`requests.${fmt}?status=pending`), 400, fmt);
    assertList(await get(`servicerequestupdates.${fmt}?end_date=x`), 400, fmt);
  }
  // a JSON body is not a form
  const j = await srv.raw('POST', '/open311/v2/requests.json', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request()) });
  assertList(j, 400, 'json');
  assert.equal(await dbCount('SELECT count(*) FROM cases'), before, 'nothing written');
});

test('unhappy: invalid UTF-8, cut UTF-8, NUL, a field twice in the form or query → 400 lists, never 500', async () => {
  const before = await dbCount('SELECT count(*) FROM cases');
  const base = new URLSearchParams(request()).toString();
  for (const fmt of ['json', 'xml']) {
    for (const bad of ['%C3%28', '%E8%B7', '%FF', '%00', '%C0%80']) {
      assertList(await form(`requests.${fmt}`, null, `${base}&description=${bad}abc`.replace(/&description=[^&]*/, '')), 400, fmt);
      assertList(await form(`requests.${fmt}`, null, base.replace(/description=[^&]*/, `description=${bad}`)), 400, fmt);
      assertList(await get(`requests.${fmt}?service_code=${bad}`), 400, fmt);
    }
    assertList(await form(`requests.${fmt}`, null, `${base}&service_code=hotline-help`), 400, fmt);
    assertList(await form(`requests.${fmt}`, null, Buffer.concat([Buffer.from(base), Buffer.from('&x=a\0b')])), 400, fmt);
  }
  assert.equal(await dbCount('SELECT count(*) FROM cases'), before);
});

test('a failed store answers 503 as an error list and writes nothing', async () => {
  const drop = await failingTrigger(srv.db, 'open311_requests', { message: 'simulated store failure' });
  try {
    const before = await dbCount('SELECT count(*) FROM cases');
    for (const fmt of ['json', 'xml']) {
      const res = await fetch(srv.url(`/open311/v2/requests.${fmt}`), {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(request()).toString(),
      });
      const text = await res.text();
      assertList({ status: res.status, text, json: fmt === 'json' ? JSON.parse(text) : undefined }, 503, fmt);
    }
    assert.equal(await dbCount('SELECT count(*) FROM cases'), before, 'the case rolled back with it');
  } finally {
    await drop();
  }
});

test('conformance: discovery, services and service definitions in both formats', async () => {
  const d = await get('discovery.json');
  assert.equal(d.status, 200);
  valid('discovery', d.json);
  const dx = await get('discovery.xml');
  assert.equal(dx.headers.get('content-type'), 'text/xml; charset=utf-8');
  const root = checkXml(dx.text, 'discovery');
  assert.ok(fields(root).endpoints);
  const s = await get('services.json');
  valid('services', s.json);
  assert.ok(s.json.length >= 5);
  assert.ok(!s.json.some((x) => x.service_name === '举报' || x.service_name === '紧急'), 'no confidential or emergency class');
  const sx = checkXml((await get('services.xml')).text, 'services', 'service');
  assert.equal(elements(sx).length, s.json.length);
  for (const sv of s.json) {
    const def = await get(`services/${sv.service_code}.json`);
    valid('service_definition', def.json);
    const x = checkXml((await get(`services/${sv.service_code}.xml`)).text, 'service_definition');
    const attrs = fields(x).attributes;
    assert.equal(elements(attrs)[0].nodeName, 'attribute');
  }
});

test('round trip: POST a request, the hotline dispatches, the unit replies, the callback closes it; updates keep their ids', async () => {
  const body = request();
  const p = await form('requests.xml', body);
  assert.equal(p.status, 200, p.text);
  const pr = checkXml(p.text, 'service_requests', 'request');
  const created = fields(elements(pr)[0]);
  assert.match(created.token, /^[0-9a-f]{32}$/);
  const pj = await form('requests.json', request({ description: '第二件：路面坑洼。' }));
  valid('request_created', pj.json);
  const id = created.service_request_id;

  // the token resolves at once (committed before the answer)
  const t = await get(`tokens/${created.token}.json`);
  valid('tokens', t.json);
  assert.equal(t.json[0].service_request_id, id);
  checkXml((await get(`tokens/${created.token}.xml`)).text, 'service_requests', 'request');

  // the case: hotline, channel open311, the reporter kept (encrypted) but never shown publicly
  const op1 = await srv.login('op1');
  const items = await op1.listAll('type=hotline&channel=open311');
  const c = items.find((x) => x.no === id);
  assert.ok(c, 'a hotline case on channel open311');
  const full = await op1.case(c.id);
  assert.equal(full.class, '求助');
  assert.equal(full.fields.category, '市政设施-路灯');

  let g = await get(`requests/${id}.json`);
  valid('requests', g.json);
  assert.equal(g.json[0].status, 'open');
  assert.equal(g.json[0].service_code, 'hotline-help');
  assert.ok(!g.text.includes(body.phone) && !g.text.includes('李小明') && !g.text.includes('li@example.com'), 'no reporter contact');

  // a citizen's update: its id comes back unchanged; the same id twice is one event
  const u1 = await form('servicerequestupdates.json', { api_key: KEY, service_request_id: id, update_id: 'client-42', status: 'OPEN', description: '补充：路灯杆编号 A-17。', updated_datetime: '2026-12-01T10:00:00+08:00', first_name: '李小明', email: 'li@example.com' });
  assert.equal(u1.status, 200, u1.text);
  valid('update_created', u1.json);
  assert.equal(u1.json[0].update_id, 'client-42');
  const events = async () => dbCount(`SELECT count(*) FROM events WHERE case_id = ${c.id} AND action = 'open311.update'`);
  assert.equal(await events(), 1);
  const u2 = await form('servicerequestupdates.xml', { api_key: KEY, service_request_id: id, update_id: 'client-42', status: 'OPEN', description: '再次' });
  assert.equal(u2.status, 200, u2.text);
  assert.equal(fields(elements(checkXml(u2.text, 'service_request_updates', 'request_update'))[0]).update_id, 'client-42');
  assert.equal(await events(), 1, 'the same update_id twice is one event');
  assertList(await form('servicerequestupdates.json', { api_key: KEY, service_request_id: id, update_id: 'cl-1', status: 'OPEN' }), 400, 'json');
  assertList(await form('servicerequestupdates.json', { api_key: KEY, service_request_id: id, update_id: 'x', status: 'open' }), 400, 'json');
  assertList(await form('servicerequestupdates.xml', { api_key: KEY, service_request_id: id, update_id: 'x', status: 'OPEN', media_url: 'https://a.example/照片.jpg' }), 400, 'xml');
  assertList(await form('servicerequestupdates.xml', { api_key: KEY, service_request_id: 'NO-SUCH-1', update_id: 'y', status: 'OPEN' }), 404, 'xml');

  // dispatch, sign, reply, approve, review, callback
  const disp1 = await srv.login('disp1');
  await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  const cg1 = await srv.login('cg1');
  await cg1.must(c.id, 'sign', {});
  await cg1.must(c.id, 'reply', { reply: '已更换路灯灯泡，恢复照明。' });
  assert.equal((await op1.case(c.id)).status, 'replied', 'dept.cg replies without 审签 (its default)');
  g = await get(`requests/${id}.json`);
  valid('requests', g.json);
  assert.equal(g.json[0].status, 'open');
  assert.match(g.json[0].status_notes, /已更换路灯灯泡/);
  assert.ok(g.json[0].agency_responsible.length > 0);
  const sup1 = await srv.login('sup1');
  await sup1.must(c.id, 'review', {});
  await sup1.must(c.id, 'callback', { resolved: true, satisfaction: '满意' });
  g = await get(`requests/${id}.json?extensions=true`);
  valid('requests', g.json);
  assert.equal(g.json[0].status, 'closed');
  assert.equal(g.json[0].extended_attributes.status_code, 'closed');
  const gx = checkXml((await get(`requests/${id}.xml`)).text, 'service_requests', 'request');
  const fx = fields(elements(gx)[0]);
  assert.equal(fx.status, 'closed');
  assert.equal(fx.service_request_id, id);

  // the updates window: the client's id as given, ours prefixed cl-, the reply and callback in them
  const up = await get('servicerequestupdates.json');
  valid('updates', up.json);
  const mine = up.json.filter((x) => x.service_request_id === id);
  assert.ok(mine.some((x) => x.update_id === 'client-42' && x.description === '补充：路灯杆编号 A-17。'));
  assert.ok(mine.filter((x) => x.update_id !== 'client-42').every((x) => x.update_id.startsWith('cl-')));
  assert.ok(mine.some((x) => x.description.includes('已更换路灯灯泡')), JSON.stringify(mine));
  assert.ok(mine.some((x) => x.status === 'CLOSED' && /问题已解决/.test(x.description)), JSON.stringify(mine));
  assert.equal(new Set(up.json.map((x) => x.update_id)).size, up.json.length, 'update ids unique');
  assert.ok(!up.text.includes(body.phone) && !up.text.includes('李小明'));
  checkXml((await get('servicerequestupdates.xml')).text, 'service_request_updates', 'request_update');

  // the list: Open311's own cases only (never a phone case), filters and pages
  const l = await get('requests.json?page_size=1000');
  valid('requests', l.json);
  const mineIds = new Set((await dbCount('SELECT count(*) FROM open311_requests')) ? l.json.map((x) => x.service_request_id) : []);
  assert.ok(mineIds.has(id));
  const phoneCase = await op1.create({ type: 'hotline', class: '求助', description: '电话来的私人诉求', reporter: { name: '王某', phone: freshPhone() } });
  const l2 = await get('requests.json');
  assert.ok(!l2.json.some((x) => x.service_request_id === phoneCase.case.no), 'a phone case is never public');
  assertList(await get(`requests/${phoneCase.case.no}.json`), 404, 'json');
  const closed = await get('requests.json?status=closed');
  assert.ok(closed.json.every((x) => x.status === 'closed') && closed.json.some((x) => x.service_request_id === id));
  const open = await get('requests.xml?status=open&service_code=hotline-help&page=1&page_size=1');
  assert.ok(elements(checkXml(open.text, 'service_requests', 'request')).length <= 1);
  const byIds = await get(`requests.json?service_request_id=${id},NO-SUCH-1&status=open`);
  assert.deepEqual(byIds.json.map((x) => x.service_request_id), [id], 'ids override the other filters');
});

test('a second client racing the same update_id: one event, the same answer for all', async () => {
  const made = await form('requests.json', request({ description: '并发补充测试。' }));
  assert.equal(made.status, 200, made.text);
  const id = made.json[0].service_request_id;
  const post = () => form('servicerequestupdates.json', { api_key: KEY, service_request_id: id, update_id: 'race-1', status: 'OPEN', description: '同一条补充' });
  const all = await Promise.all(Array.from({ length: 8 }, post));
  for (const r of all) assert.deepEqual([r.status, r.json], [200, [{ update_id: 'race-1' }]], r.text);
  assert.equal(await dbCount(`SELECT count(*) FROM open311_updates WHERE client_update_id = 'race-1'`), 1);
  assert.equal(await dbCount(`SELECT count(*) FROM events e JOIN cases c ON c.id = e.case_id WHERE c.no = '${id}' AND e.action = 'open311.update'`), 1);
  // another client may not take the id: update ids are unique in the one list all clients read
  const other = await newKey('second client');
  for (const fmt of ['json', 'xml']) {
    assertList(await form(`servicerequestupdates.${fmt}`, { api_key: other, service_request_id: id, update_id: 'race-1', status: 'OPEN', description: '另一客户端' }), 400, fmt);
  }
  assert.equal(await dbCount(`SELECT count(*) FROM open311_updates WHERE client_update_id = 'race-1'`), 1);
  const ups = (await get('servicerequestupdates.json')).json.filter((u) => u.service_request_id === id && u.update_id === 'race-1');
  assert.equal(ups.length, 1);
});

// SQLite's planner: its plan names the index (a PostgreSQL database has the
// same index, and its planner picks by cost, not by INDEXED BY)
test('the updates window reads the events by time (no scan)',
  { skip: BACKEND === 'postgres' && 'EXPLAIN QUERY PLAN and INDEXED BY are SQLite\'s' }, async () => {
    const plan = await sqlText(srv.db, `EXPLAIN QUERY PLAN SELECT e.seq FROM events e INDEXED BY events_at CROSS JOIN open311_requests o ON o.case_id = e.case_id JOIN cases c ON c.id = e.case_id LEFT JOIN open311_updates u ON u.event_seq = e.seq WHERE e.at >= 1 AND e.at < 2 AND c.confidential = 0 ORDER BY e.at, e.seq`);
    assert.match(plan, /SEARCH e USING INDEX events_at/);
    assert.doesNotMatch(plan, /SCAN e\b/);
  });

test('a body over 1 MiB → 413 as an error list in the request\'s format, nothing written', async () => {
  const before = await dbCount('SELECT count(*) FROM cases');
  const big = new URLSearchParams(request({ description: 'x'.repeat(1100 * 1024) })).toString();
  for (const fmt of ['json', 'xml']) assertList(await form(`requests.${fmt}`, null, big), 413, fmt);
  assert.equal(await dbCount('SELECT count(*) FROM cases'), before);
});

test('the OpenAPI fragment (src/api/openapi/open311.json) is valid OpenAPI 3.1 and names exactly the Open311 routes', async () => {
  const { OpenApiValidator } = await import('./webdeps.mjs');
  const frag = JSON.parse(readFileSync(new URL('../../src/api/openapi/open311.json', import.meta.url), 'utf8'));
  const doc = { openapi: '3.1.0', info: { title: 'open311 fragment', version: '1' }, paths: frag.paths, components: frag.components };
  const v = await new OpenApiValidator().validate(doc);
  assert.equal(v.valid, true, String(JSON.stringify(v.errors)).slice(0, 2000));
  const table = readFileSync(new URL('../../src/api/routes.c', import.meta.url), 'utf8');
  const routes = [...table.matchAll(/\{"(GET|POST)", "(\/open311\/[^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`).sort();
  const documented = Object.entries(frag.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
  assert.equal(routes.length, 9);
  assert.deepEqual(documented, routes);
});
