// Open311 GeoReport v2: the details of issue 15 that open311.test.mjs does
// not assert (docs/open311.md):
//   1. updated_datetime moves with every public change — create, dispatch,
//      sign, reply, review, the callback that closes, a citizen's update —
//      to that change's second, and with nothing else (三方通话, 催办, 督办,
//      the same update again, an update that rolled back); an internal step
//      that moves the state (退单, 延期, 审签答复) changes status_notes, so it
//      moves updated_datetime too, without becoming an update;
//   2. XML gives every GeoReport field of a request as an element, empty
//      (never missing, never "null") when the JSON value is "" or null, and
//      every other answer's XML says what its JSON says;
//   3. a Chinese name arrives whole in first_name and is the case's reporter
//      (a Latin last_name joined by a space), sealed, never in a public answer;
//   4. service names and descriptions are Chinese, service codes ASCII;
//   5. every JSON answer of these routes, errors included, is valid against
//      the schema /api/openapi.json documents for its route and status, and
//      every (route, status) the description documents is answered here.
// The business clock is the test clock, moved one whole second before each
// step, so each step has a time of its own (Open311 times are whole seconds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freshPhone, sqlText, failingTrigger, BACKEND } from './helpers.mjs';
import { Ajv2020, addFormats } from './webdeps.mjs';
import { checkXml, fields, elements, mirrors } from './open311/xmlcheck.mjs';

const srv = await startServer({ testClock: true });
const doc = (await srv.raw('GET', '/api/openapi.json')).json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...doc, $id: 'doc' });

// the documented schema of (method, route, status), its $refs into the document
const compiled = new Map();
function responseSchema(method, route, status) {
  const key = `${method} ${route} ${status}`;
  if (compiled.has(key)) return compiled.get(key);
  const op = doc.paths[route]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${route} is in the description`);
  let resp = op.responses?.[String(status)];
  assert.ok(resp, `${method} ${route} documents ${status}`);
  if (resp.$ref) resp = doc.components.responses[resp.$ref.split('/').pop()];
  const schema = resp.content?.['application/json']?.schema;
  assert.ok(schema, `${method} ${route} ${status} has a JSON schema`);
  const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
  const validate = ajv.compile({ $id: `o311resp${compiled.size}`, ...rebased });
  compiled.set(key, validate);
  return validate;
}

// a path under /open311/v2/ → its route pattern (routes.c), XML root and repeated child
const ROUTES = [
  [/^discovery\.[^./]+$/, 'discovery.{format}', 'discovery'],
  [/^services\.[^./]+$/, 'services.{format}', 'services', 'service'],
  [/^services\/[^/]+\.[^./]+$/, 'services/{code}.{format}', 'service_definition'],
  [/^requests\.[^./]+$/, 'requests.{format}', 'service_requests', 'request'],
  [/^requests\/[^/]+\.[^./]+$/, 'requests/{id}.{format}', 'service_requests', 'request'],
  [/^tokens\/[^/]+\.[^./]+$/, 'tokens/{token}.{format}', 'service_requests', 'request'],
  [/^servicerequestupdates\.[^./]+$/, 'servicerequestupdates.{format}', 'service_request_updates', 'request_update'],
];

/**
 * One call to /open311/v2/{p}. A JSON answer (every format but .xml answers
 * JSON) must be valid against the schema documented for its route and
 * status, and is counted in `answered`; an XML answer goes through the XML
 * checker (its root in r.root). form: an object sent form-encoded; body: a
 * raw body, also form-encoded; allow5xx: a 503 is expected.
 */
const answered = new Set();
async function call(method, p, { form, body, headers = {}, allow5xx = false } = {}) {
  const h = { ...headers };
  let b = body;
  if (form) b = new URLSearchParams(form).toString();
  if (b !== undefined && !h['Content-Type']) h['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(srv.url(`/open311/v2/${p}`), { method, headers: h, body: b });
  const text = await res.text();
  const r = { status: res.status, headers: res.headers, text };
  if (!allow5xx) assert.ok(r.status < 500, `never a 5xx: ${method} ${p} → ${r.status}: ${text.slice(0, 300)}`);
  const bare = p.split('?')[0];
  const hit = ROUTES.find(([re]) => re.test(bare));
  assert.ok(hit, `a route for ${p}`);
  const [, pattern, root, child] = hit;
  const route = `/open311/v2/${pattern}`;
  const ctype = res.headers.get('content-type');
  if (bare.endsWith('.xml')) {
    assert.equal(ctype, 'text/xml; charset=utf-8', `${method} ${p}: XML`);
    r.root = r.status >= 400 ? checkXml(text, 'errors', 'error') : checkXml(text, root, child);
  } else {
    assert.equal(ctype, 'application/json; charset=utf-8', `${method} ${p}: JSON`);
    r.json = JSON.parse(text);
    const validate = responseSchema(method, route, r.status);
    assert.ok(validate(r.json), `${method} ${route} ${r.status} does not match its documented schema: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 400)}`);
    answered.add(`${method} ${route} ${r.status}`);
  }
  return r;
}

const admin = await srv.login('admin');
async function newKey(name, extra = {}) {
  const r = await admin.post('/api/v1/apikeys', { user: 'link110', name, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json.key;
}
const KEY = await newKey('open311 细节');
const request = (extra = {}) => ({
  api_key: KEY, service_code: 'hotline-help', description: '和平巷路灯不亮已有一周，晚上出行不便。',
  lat: '25.7884', long: '114.8726', address_string: '濂江县濂江镇东门社区和平巷', first_name: '李小明',
  phone: freshPhone('139'), ...extra,
});
async function post(extra, fmt = 'json') {
  const r = await call('POST', `requests.${fmt}`, { form: request(extra) });
  assert.equal(r.status, 200, r.text);
  return fmt === 'json' ? r.json[0].service_request_id : fields(elements(r.root)[0]).service_request_id;
}
const count = async (q) => Number(await sqlText(srv.db, q));
/** SQL: whether blob column col holds the UTF-8 bytes of the text t (bytea on PostgreSQL). */
const blobHas = (col, t) => (BACKEND === 'postgres'
  ? `position(convert_to('${t}', 'UTF8') in ${col}) > 0`
  : `instr(${col}, CAST('${t}' AS BLOB)) > 0`);
const caseId = async (no) => {
  assert.match(no, /^[A-Z0-9]+$/);
  const id = await count(`SELECT id FROM cases WHERE no = '${no}'`);
  assert.ok(id > 0, `case ${no}`);
  return id;
};

// the business clock: whole seconds, one more for each step
let clock = (Math.floor(Date.now() / 1000) + 5) * 1000;
async function tick() {
  clock += 1000;
  await srv.setClock(new Date(clock).toISOString());
  return clock;
}
await tick();

/** A request as GET requests/{id} shows it, in JSON; the XML and the list say the same. */
async function shown(no, query = '') {
  const j = await call('GET', `requests/${no}.json${query}`);
  assert.equal(j.status, 200, j.text);
  const x = await call('GET', `requests/${no}.xml${query}`);
  mirrors(x.root, j.json);
  const l = await call('GET', `requests.json?service_request_id=${no}`);
  assert.deepEqual(l.json.map((o) => o.updated_datetime), [j.json[0].updated_datetime], 'the list shows the same time');
  return j.json[0];
}
const updated = (o) => Date.parse(o.updated_datetime);
async function updatesOf(no) {
  const u = await call('GET', 'servicerequestupdates.json');
  assert.equal(u.status, 200, u.text);
  return u.json.filter((x) => x.service_request_id === no);
}

const op1 = await srv.login('op1');
const disp1 = await srv.login('disp1');
const cg1 = await srv.login('cg1');
const cglead = await srv.login('cglead');
const sup1 = await srv.login('sup1');

test('updated_datetime moves to the second of each public change, and not for an internal step or a write that did not happen', async () => {
  const t0 = clock;
  const no = await post({ description: '东门社区和平巷三盏路灯不亮。' });
  const id = await caseId(no);
  let r = await shown(no);
  assert.equal(updated(r), t0, 'after create: the receipt');
  assert.equal(Date.parse(r.requested_datetime), t0);
  const times = [t0];

  async function publicStep(what, fn) {
    const t = await tick();
    await fn();
    const before = updated(r);
    r = await shown(no);
    assert.ok(updated(r) > before, `${what}: updated_datetime strictly later`);
    assert.equal(updated(r), t, `${what}: updated_datetime is its time`);
    times.push(t);
  }
  async function nothingPublic(what, fn) {
    await tick();
    const before = r;
    await fn();
    r = await shown(no);
    assert.deepEqual(r, before, `${what}: nothing the request shows changes, updated_datetime included`);
  }
  const citizen = (update_id, extra = {}) => ({
    api_key: KEY, service_request_id: no, update_id, status: 'OPEN', description: '补充：晚上八点后完全不亮。', ...extra,
  });
  const events = () => count(`SELECT count(*) FROM events WHERE case_id = ${id}`);

  await nothingPublic('三方通话 (three_way_call, "public": false)', () => op1.must(id, 'three_way_call', { outcome: '热线处置' }));
  await publicStep('派单', () => disp1.must(id, 'dispatch', { org: 'dept.cg' }));
  assert.notEqual(r.agency_responsible, '');
  await nothingPublic('催办 (urge)', () => sup1.must(id, 'urge', {}));
  await publicStep('签收', () => cg1.must(id, 'sign', {}));
  await nothingPublic('督办 (supervise)', () => sup1.must(id, 'supervise', { level: '督办' }));
  // a citizen's update: the server's time, not the updated_datetime the client sent
  await publicStep('a citizen\'s update', async () => {
    const u = await call('POST', 'servicerequestupdates.json', { form: citizen('det-1', { updated_datetime: '2020-01-01T08:00:00+08:00' }) });
    assert.equal(u.status, 200, u.text);
  });
  await nothingPublic('the same update_id again (the same update)', async () => {
    const n = await events();
    const u = await call('POST', 'servicerequestupdates.xml', { form: citizen('det-1') });
    assert.equal(u.status, 200, u.text);
    assert.equal(await events(), n, 'nothing written');
  });
  await nothingPublic('an update refused (400)', async () => {
    const u = await call('POST', 'servicerequestupdates.json', { form: citizen('det-2', { status: 'open' }) });
    assert.equal(u.status, 400, u.text);
  });
  await nothingPublic('an update whose write rolled back (503)', async () => {
    const n = await events();
    const drop = await failingTrigger(srv.db, 'open311_updates', { message: 'simulated store failure' });
    try {
      const u = await call('POST', 'servicerequestupdates.json', { form: citizen('det-3'), allow5xx: true });
      assert.equal(u.status, 503, u.text);
    } finally {
      await drop();
    }
    assert.equal(await events(), n, 'its event rolled back with it');
  });
  await publicStep('答复', () => cg1.must(id, 'reply', { reply: '已更换路灯灯泡，恢复照明。' }));
  assert.match(r.status_notes, /已更换路灯灯泡/);
  await publicStep('审核通过', () => sup1.must(id, 'review', {}));
  await publicStep('回访 (closes it)', () => sup1.must(id, 'callback', { resolved: true, satisfaction: '满意' }));
  assert.equal(r.status, 'closed');
  await publicStep('a citizen\'s update after the close', async () => {
    const u = await call('POST', 'servicerequestupdates.json', { form: citizen('det-4', { status: 'CLOSED', description: '确认已修好。' }) });
    assert.equal(u.status, 200, u.text);
  });

  // the updates: one per public change, at its time, oldest first; the
  // request's updated_datetime is the latest of them
  const ups = await updatesOf(no);
  assert.deepEqual(ups.map((u) => Date.parse(u.updated_datetime)), times, JSON.stringify(ups));
  assert.deepEqual(ups.map((u) => u.description), [
    '已受理', '派单', '签收', '补充：晚上八点后完全不亮。', '答复：已更换路灯灯泡，恢复照明。', '审核通过',
    '回访：问题已解决（已办结）', '确认已修好。']);
  assert.deepEqual(ups.filter((u) => !u.update_id.startsWith('cl-')).map((u) => u.update_id), ['det-1', 'det-4']);
  assert.equal(updated(r), Math.max(...times));
});

test('an internal step that moves the state (退单, 延期, 审签答复) changes status_notes: updated_datetime moves with it, and it is no update', async () => {
  const cg = await count("SELECT id FROM orgs WHERE code = 'dept.cg'");
  const on = await admin.req('PATCH', `/api/v1/orgs/${cg}`, { settings: { reply_approval: true } });
  assert.equal(on.status, 200, on.text);
  try {
    const no = await post({ description: '和平巷井盖松动。' });
    const id = await caseId(no);
    await tick();
    await disp1.must(id, 'dispatch', { org: 'dept.cg' });
    await tick();
    await cg1.must(id, 'sign', {});
    let r = await shown(no);
    const internal = [];
    async function internalMove(what, fn, notes) {
      const t = await tick();
      await fn();
      const before = r;
      r = await shown(no);
      assert.match(r.status_notes, notes, what);
      assert.notEqual(r.status_notes, before.status_notes, `${what} changes status_notes`);
      assert.equal(updated(r), t, `${what}: updated_datetime is its time`);
      internal.push(t);
    }
    await internalMove('申请退单', () => cg1.must(id, 'return', { reason: '井盖产权不明。' }), /^退单待审$/);
    await internalMove('驳回退单', () => disp1.must(id, 'reject_return', { org: 'dept.cg', reason: '井盖属市政设施。' }), /^办理中$/);
    await internalMove('申请延期', () => cg1.must(id, 'extend', { days: 3, reason: '需采购井盖。' }), /^延期待审$/);
    const due = Date.parse(r.expected_datetime);
    await internalMove('同意延期', () => disp1.must(id, 'approve_extension', { org: 'dept.cg', days: 3 }), /^办理中$/);
    assert.ok(Date.parse(r.expected_datetime) > due, 'the deadline moved with it');
    // the reply waits for the unit lead: public once approved
    const t = await tick();
    await cg1.must(id, 'reply', { reply: '已更换井盖。' });
    r = await shown(no);
    assert.equal(r.status_notes, '办理中', 'a reply awaiting 审签 is not public');
    assert.equal(updated(r), t, '答复 is a public step');
    await internalMove('审签答复', () => cglead.must(id, 'approve_reply', {}), /^已答复待审核。答复：已更换井盖。$/);
    // none of them is an update: internal steps are never shown as steps
    const ups = await updatesOf(no);
    assert.deepEqual(ups.map((u) => u.description), ['已受理', '派单', '签收', '答复']);
    for (const at of internal) assert.ok(!ups.some((u) => Date.parse(u.updated_datetime) === at));
  } finally {
    const off = await admin.req('PATCH', `/api/v1/orgs/${cg}`, { settings: { reply_approval: false } });
    assert.equal(off.status, 200, off.text);
  }
});

// the fields of a GeoReport v2 request (docs/open311.md "Fields of a request")
const REQUEST_FIELDS = ['service_request_id', 'status', 'status_notes', 'service_name', 'service_code',
  'description', 'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime',
  'expected_datetime', 'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url'];

test('XML: every GeoReport field of a request is an element, empty (not missing, not "null") when the JSON value is "" or null', async () => {
  await tick();
  // no place but an address, no media, no category, not dispatched
  const a = await post({ lat: '', long: '' });
  // a point but no address, a media_url and a category, dispatched
  const b = await post({ address_string: '', media_url: 'https://img.example.cn/p/17.jpg', 'attribute[category]': '市政设施-路灯' }, 'xml');
  await disp1.must(await caseId(b), 'dispatch', { org: 'dept.cg' });
  // no deadline (the store's NULL: expected_datetime null)
  const c = await post({ description: '没有期限的诉求。' });
  await sqlText(srv.db, `UPDATE cases SET due_at = NULL WHERE id = ${await caseId(c)}`);

  const empty = (el, name) => {
    const f = elements(el).find((k) => k.nodeName === name);
    assert.ok(f, `<${name}> is present`);
    assert.equal(elements(f).length, 0);
    assert.equal(f.textContent, '', `<${name}> is empty`);
  };
  for (const ext of ['', '?extensions=true']) {
    const j = {};
    const x = {};
    for (const no of [a, b, c]) {
      const rj = await call('GET', `requests/${no}.json${ext}`);
      const rx = await call('GET', `requests/${no}.xml${ext}`);
      assert.equal(rj.status, 200, rj.text);
      assert.doesNotMatch(rx.text, />null</, 'never the text null');
      j[no] = rj.json[0];
      x[no] = elements(rx.root)[0];
      const names = elements(x[no]).map((k) => k.nodeName);
      for (const f of REQUEST_FIELDS) {
        assert.ok(f in j[no], `JSON ${f}`);
        assert.ok(names.includes(f), `XML <${f}> of ${no}`);
      }
      mirrors(x[no], j[no]);
    }
    assert.equal(j[a].agency_responsible, '');
    empty(x[a], 'agency_responsible');
    assert.deepEqual([j[a].lat, j[a].long, j[a].media_url], [null, null, '']);
    for (const f of ['lat', 'long', 'media_url', 'service_notice', 'address_id', 'zipcode']) empty(x[a], f);
    assert.equal(j[b].address, '');
    empty(x[b], 'address');
    assert.equal(fields(x[b]).media_url, 'https://img.example.cn/p/17.jpg');
    assert.notEqual(fields(x[b]).agency_responsible, '');
    assert.equal(j[c].expected_datetime, null);
    empty(x[c], 'expected_datetime');
    if (ext) { // extended_attributes: a category not given is "" as well
      assert.equal(j[a].extended_attributes.category, '');
      empty(elements(x[a]).find((k) => k.nodeName === 'extended_attributes'), 'category');
      assert.equal(j[b].extended_attributes.category, '市政设施-路灯');
    } else {
      assert.ok(!('extended_attributes' in j[a]) && !fields(x[a]).extended_attributes);
    }
  }
  // the list in both formats says the same
  const lj = await call('GET', `requests.json?service_request_id=${a},${b},${c}&extensions=true`);
  const lx = await call('GET', `requests.xml?service_request_id=${a},${b},${c}&extensions=true`);
  assert.equal(lj.json.length, 3);
  mirrors(lx.root, lj.json);
  // and every other answer's XML says what its JSON says
  for (const p of ['discovery', 'services', 'services/hotline-help', `tokens/${'0'.repeat(32)}`, 'servicerequestupdates',
    `requests/NO-SUCH-1`, 'requests']) {
    const rj = await call('GET', `${p}.json`);
    const rx = await call('GET', `${p}.xml`);
    assert.equal(rx.status, rj.status, p);
    mirrors(rx.root, rj.json);
  }
});

test('a Chinese name arrives whole in first_name and is the case\'s reporter; a Latin last_name is joined with a space; sealed, and in no public answer', async () => {
  await tick();
  const phone = freshPhone('138');
  const cases = [
    [{ first_name: '欧阳明远', phone }, '欧阳明远', 'json'],
    [{ first_name: '司马静', last_name: '' }, '司马静', 'xml'],
    [{ first_name: 'Mingyuan', last_name: 'Ouyang' }, 'Mingyuan Ouyang', 'json'],
    // a Chinese surname sent apart goes first, with no space
    [{ first_name: '小明', last_name: '诸葛' }, '诸葛小明', 'xml'],
  ];
  const made = [];
  for (const [extra, name, fmt] of cases) {
    const res = await call('POST', `requests.${fmt}`, { form: request(extra) });
    assert.equal(res.status, 200, res.text);
    assert.ok(!res.text.includes(name.split(' ')[0]), 'not in the answer to the POST');
    const no = fmt === 'json' ? res.json[0].service_request_id : fields(elements(res.root)[0]).service_request_id;
    const id = await caseId(no);
    made.push([no, id, name]);
    // through the civicloop API, to a pii.read holder: the name as given
    const c = await disp1.case(id);
    assert.equal(c.reporter.name, name);
    assert.equal(c.channel, 'open311');
    // sealed: neither the case row nor its events hold it in clear
    assert.equal(await count(`SELECT count(*) FROM cases WHERE id = ${id} AND reporter_enc IS NOT NULL`), 1);
    assert.equal(await count(`SELECT count(*) FROM cases WHERE id = ${id} AND ${blobHas('reporter_enc', name)}`), 0);
    assert.equal(await count(`SELECT count(*) FROM events WHERE case_id = ${id} AND payload LIKE '%${name.split(' ')[0]}%'`), 0);
  }
  assert.equal((await disp1.case(made[0][1])).reporter.phone, phone);
  // a citizen's update with names: neither kept in the public update
  const u = await call('POST', 'servicerequestupdates.json', { form: {
    api_key: KEY, service_request_id: made[0][0], update_id: 'name-1', status: 'OPEN', description: '补充位置。',
    first_name: '欧阳明远', last_name: '', email: 'oy@example.cn' } });
  assert.equal(u.status, 200, u.text);
  // no public answer names them, in either format
  const secrets = ['欧阳', '明远', '司马', '诸葛', 'Mingyuan', 'Ouyang', phone, 'oy@example.cn'];
  const ids = made.map(([no]) => no).join(',');
  for (const fmt of ['json', 'xml']) {
    const answers = [
      await call('GET', `requests.${fmt}?service_request_id=${ids}&extensions=true`),
      await call('GET', `requests.${fmt}?extensions=true`),
      await call('GET', `servicerequestupdates.${fmt}`),
      ...await Promise.all(made.map(([no]) => call('GET', `requests/${no}.${fmt}?extensions=true`))),
    ];
    for (const a of answers) {
      assert.equal(a.status, 200, a.text);
      for (const s of secrets) assert.ok(!a.text.includes(s), `${s} in a public ${fmt} answer: ${a.text.slice(0, 200)}`);
    }
    assert.ok(answers[0].text.includes(made[2][0]), 'the requests are there');
  }
});

test('services: Chinese names and descriptions, ASCII codes — the hotline\'s classes, in both formats', async () => {
  const CJK = /[\u4e00-\u9fff]/;
  const s = await call('GET', 'services.json');
  assert.equal(s.status, 200);
  assert.ok(s.json.length >= 5);
  const classes = (await op1.get('/api/v1/types/hotline')).json;
  const names = JSON.stringify(classes);
  for (const sv of s.json) {
    assert.match(sv.service_code, /^[a-z0-9-]+$/, `${sv.service_code}: ASCII`);
    assert.match(sv.service_name, CJK, `${sv.service_code}: a Chinese name`);
    assert.match(sv.description, CJK, `${sv.service_code}: a Chinese description`);
    assert.match(sv.group, CJK);
    assert.ok(names.includes(`"${sv.service_name}"`), `${sv.service_name} is a hotline class`);
    const def = await call('GET', `services/${sv.service_code}.json`);
    assert.equal(def.status, 200, def.text);
    assert.equal(def.json.service_code, sv.service_code);
    for (const at of def.json.attributes) {
      assert.match(at.code, /^[a-z0-9_]+$/, 'attribute codes ASCII: clients do not encode attribute[code] keys');
      assert.match(at.description, CJK);
      assert.match(at.datatype_description, CJK);
    }
    mirrors((await call('GET', `services/${sv.service_code}.xml`)).root, def.json);
  }
  const x = await call('GET', 'services.xml');
  mirrors(x.root, s.json);
  assert.deepEqual(elements(x.root).map((e) => fields(e).service_name), s.json.map((v) => v.service_name));
});

test('every documented (route, status) of Open311 is answered in JSON here, valid against the schema /api/openapi.json gives it', async () => {
  const tok = (await call('POST', 'requests.json', { form: request() })).json[0];
  const no = tok.service_request_id;
  const bad = '?x=%FF'; // not UTF-8: 400 on every route
  const big = new URLSearchParams(request({ description: 'x'.repeat(1100 * 1024) })).toString();
  let n = 0;
  const upd = (extra = {}) => ({ api_key: KEY, service_request_id: no, update_id: `cov-${++n}`, status: 'OPEN', ...extra });
  const expect = async (status, method, p, opts) => {
    const r = await call(method, p, opts);
    assert.equal(r.status, status, `${method} ${p}: ${r.text.slice(0, 300)}`);
    if (status >= 400) assert.equal(r.json[0].code, status);
    return r;
  };
  for (const p of ['discovery', 'services', 'services/hotline-help', 'requests', `requests/${no}`, `tokens/${tok.token}`, 'servicerequestupdates']) {
    await expect(200, 'GET', `${p}.json`);
    await expect(400, 'GET', `${p}.json${bad}`);
  }
  for (const p of ['discovery', 'services', 'requests', 'servicerequestupdates']) await expect(404, 'GET', `${p}.yaml`);
  await expect(404, 'GET', 'services/nope.json');
  await expect(404, 'GET', 'requests/NO-SUCH-1.json');
  await expect(404, 'GET', `tokens/${'f'.repeat(32)}.json`);

  await expect(200, 'POST', 'requests.json', { form: request() });
  await expect(400, 'POST', 'requests.json', { form: request({ service_code: 'nope' }) });
  await expect(403, 'POST', 'requests.json', { form: request({ api_key: 'ck_' + '0'.repeat(40) }) });
  await expect(404, 'POST', 'requests.yaml', { form: request() });
  await expect(413, 'POST', 'requests.json', { body: big });
  await expect(200, 'POST', 'servicerequestupdates.json', { form: upd() });
  await expect(400, 'POST', 'servicerequestupdates.json', { form: upd({ status: 'open' }) });
  await expect(403, 'POST', 'servicerequestupdates.json', { form: upd({ api_key: 'ck_' + '0'.repeat(40) }) });
  await expect(404, 'POST', 'servicerequestupdates.json', { form: upd({ service_request_id: 'NO-SUCH-1' }) });
  await expect(413, 'POST', 'servicerequestupdates.json', { body: big });

  // a key of one call a minute: the second is 429 (Retry-After), on both writes
  const slow = await newKey('一分钟一次', { rate_per_min: 1 });
  await expect(400, 'POST', 'requests.json', { form: request({ api_key: slow, service_code: 'nope' }) });
  const over = await expect(429, 'POST', 'requests.json', { form: request({ api_key: slow }) });
  assert.ok(Number(over.headers.get('retry-after')) >= 1);
  await expect(429, 'POST', 'servicerequestupdates.json', { form: upd({ api_key: slow }) });

  // the store failing: 503 as the spec's list, nothing written
  const cases = await count('SELECT count(*) FROM cases');
  const events = await count('SELECT count(*) FROM events');
  const dropReq = await failingTrigger(srv.db, 'open311_requests', { message: 'simulated' });
  const dropUpd = await failingTrigger(srv.db, 'open311_updates', { message: 'simulated' });
  try {
    await expect(503, 'POST', 'requests.json', { form: request(), allow5xx: true });
    await expect(503, 'POST', 'servicerequestupdates.json', { form: upd(), allow5xx: true });
  } finally {
    await dropReq();
    await dropUpd();
  }
  assert.equal(await count('SELECT count(*) FROM cases'), cases);
  assert.equal(await count('SELECT count(*) FROM events'), events);

  const documented = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    if (!p.startsWith('/open311/')) continue;
    for (const [m, op] of Object.entries(item)) for (const s of Object.keys(op.responses)) documented.push(`${m.toUpperCase()} ${p} ${s}`);
  }
  assert.equal(new Set(documented.map((k) => k.split(' ').slice(0, 2).join(' '))).size, 9, 'the nine Open311 routes');
  assert.deepEqual(documented.filter((k) => !answered.has(k)), [], 'documented, never answered here');
  assert.deepEqual([...answered].filter((k) => !documented.includes(k)), [], 'answered, not documented');
});
