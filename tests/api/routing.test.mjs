// The dispatch catalogue and routing (docs/routing.md, docs/api.md
// "Dispatch catalogue and routing"): the catalogue's GET, PUT (409 on a
// stale version), versions, CSV and JSON import (row errors name their line
// and change nothing), exports; hostile bodies refused with nothing
// changed; the create response's routing with the right unit first; GET
// routing (403 without case.read, 404 for a case not visible); a village
// road routed to its township; and learning through the API: a dispatch
// makes the unit rank higher for a similar new complaint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, runCli, sqlText } from './helpers.mjs';

const srv = await startServer({ cases: false });
const admin = await srv.login('admin');
const op1 = await srv.login('op1');
const disp1 = await srv.login('disp1');
const cg1 = await srv.login('cg1');
const town2 = await srv.login('town2');

const put = (c, body, h) => c.req('PUT', '/api/v1/catalogue', body, h);
const current = async () => (await admin.get('/api/v1/catalogue')).json;

test('the demo catalogue is loaded, readable by admin, dispatcher and operator', async () => {
  for (const c of [admin, disp1, op1]) {
    const r = await c.get('/api/v1/catalogue');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.version, 1);
    assert.ok(r.json.entries.length > 50);
    assert.ok(r.json.entries.every((e) => e.org && e.category && e.keywords.length));
  }
  const v = await admin.get('/api/v1/catalogue/versions');
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.items[0].version, 1);
  assert.equal(v.json.items[0].entries, (await current()).entries.length);
});

test('roles without the permission get 403', async () => {
  assertError(await cg1.get('/api/v1/catalogue'), 403, 'permission.denied');
  assertError(await disp1.req('PUT', '/api/v1/catalogue', { entries: [], version: 1 }), 403,
    'permission.denied');
  assertError(await op1.post('/api/v1/catalogue/import', { entries: [] }), 403, 'permission.denied');
});

test('create answers a routing with the right unit first', async () => {
  const r = await op1.create(caseBody({
    org: 'county.12345',
    description: '人民路上每天晚上都有流动摊贩占道经营摆摊，把人行道堵死了。',
  }));
  assert.ok(Array.isArray(r.routing) && r.routing.length > 0, JSON.stringify(r.routing));
  assert.ok(r.routing.length <= 5);
  const top = r.routing[0];
  assert.equal(top.org, 'dept.cg');
  assert.equal(typeof top.org_id, 'number');
  assert.equal(top.org_name, '濂江县城市管理局');
  assert.ok(top.score > 0 && top.score <= 1);
  const cat = top.reasons.find((x) => x.kind === 'catalogue');
  assert.ok(cat && cat.keywords.includes('占道经营'), JSON.stringify(top.reasons));
  for (let i = 1; i < r.routing.length; i++) assert.ok(r.routing[i - 1].score >= r.routing[i].score);
  // the same through GET routing
  const g = await disp1.get(`/api/v1/cases/${r.case.id}/routing`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.routing[0].org, 'dept.cg');
  assertError(await cg1.get(`/api/v1/cases/${r.case.id}/routing`), 404, 'not_found');
  assertError(await town2.get('/api/v1/cases/999999/routing'), 404, 'not_found');
});

test('a village road complaint in town.a routes to town.a', async () => {
  const r = await op1.create(caseBody({
    org: 'town.a',
    description: '黄岭村的进村路坑坑洼洼，村道下雨天泥泞难走，希望村里修一修。',
  }));
  assert.equal(r.routing[0].org, 'town.a', JSON.stringify(r.routing));
  assert.ok(r.routing[0].reasons.some((x) => x.kind === 'location' && x.org === 'town.a'));
  assert.ok(!r.routing.some((x) => x.org.startsWith('village.') || x.org.startsWith('grid.')));
});

test('a dispatch teaches routing: a similar complaint ranks the unit higher', async () => {
  const text = '小区楼下的快递驿站把包裹堆满了消防通道，快递员态度恶劣。';
  const before = await op1.create(caseBody({ org: 'county.12345', description: text }));
  const rank = (rt) => {
    const i = rt.findIndex((x) => x.org === 'dept.yj');
    return i < 0 ? { i: 99, s: 0 } : { i, s: rt[i].score };
  };
  const b = rank(before.routing);
  for (let k = 0; k < 6; k++) {
    const c = await op1.create(caseBody({ org: 'county.12345', description: `${text}（第${k + 1}次反映）` }));
    await disp1.must(c.case.id, 'dispatch', { org: 'dept.yj' });
  }
  const after = await op1.create(caseBody({ org: 'county.12345', description: text }));
  const a = rank(after.routing);
  assert.ok(a.i < b.i || a.s > b.s, `before ${JSON.stringify(b)} after ${JSON.stringify(a)}`);
  const learned = after.routing.find((x) => x.org === 'dept.yj').reasons.find((x) => x.kind === 'learned');
  assert.ok(learned && learned.weight > 0);
});

test('PUT saves a new version; a stale version is 409', async () => {
  const cur = await current();
  const entries = [...cur.entries, { org: 'dept.sw', category: '测试-预付卡', keywords: ['预付卡跑路'] }];
  const r = await put(admin, { entries, note: '加预付卡', version: cur.version });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.version, cur.version + 1);
  assert.equal(r.json.note, '加预付卡');
  assert.equal(r.json.created_by.login, 'admin');
  assertError(await put(admin, { entries, version: cur.version }), 409, 'conflict', 'version');
  const old = await admin.get(`/api/v1/catalogue?version=${cur.version}`);
  assert.equal(old.json.entries.length, cur.entries.length);
  assertError(await admin.get('/api/v1/catalogue?version=999'), 404, 'not_found');
  const ev = await admin.get('/api/v1/audit/events?order=desc&action=catalogue.save');
  assert.equal(ev.status, 200, ev.text);
  assert.ok(ev.json.items.length >= 1);
});

test('hostile and wrong bodies are 400 with a field path, and change nothing', async () => {
  const cur = await current();
  const v = cur.version;
  const e0 = { org: 'dept.cg', category: '类', keywords: ['摆摊'] };
  const cases = [
    [{ entries: [e0, { ...e0, org: 'dept.nope' }], version: v }, 'entries[1].org'],
    [{ entries: [e0, { ...e0, org: 'village.a1' }], version: v }, 'entries[1].org'],
    [{ entries: [{ ...e0, keywords: ['a', 7] }], version: v }, 'entries[0].keywords[1]'],
    [{ entries: [{ ...e0, keywords: ['中'.repeat(33)] }], version: v }, 'entries[0].keywords[0]'],
    [{ entries: [{ ...e0, keywords: Array.from({ length: 65 }, (_, i) => `词${i}`) }], version: v }, 'entries[0].keywords'],
    [{ entries: [{ ...e0, extra: 1 }], version: v }, 'entries[0].extra'],
    [{ entries: [{ ...e0, region: 'dept.cg' }], version: v }, 'entries[0].region'],
    [{ entries: 'x', version: v }, 'entries'],
    [{ entries: Array.from({ length: 2001 }, () => e0), version: v }, 'entries'],
    [{ entries: [e0], version: 'one' }, 'version'],
    [{ entries: [e0] }, 'version'],
    [{ entries: [e0], version: v, what: 1 }, 'what'],
  ];
  for (const [body, field] of cases) {
    const r = await put(admin, body);
    assert.equal(r.status, 400, `${field}: ${r.text}`);
    assert.equal(r.json.error.field, field, r.text);
  }
  const bad = await admin.req('PUT', '/api/v1/catalogue', Buffer.from('{"entries":[{"org":"\xff"}],"version":1}', 'latin1'));
  assert.equal(bad.status, 400, bad.text);
  assert.equal((await current()).version, v);
});

test('CSV import: a new version; a bad row names its line and changes nothing', async () => {
  const v = (await current()).version;
  const csv = '\ufefforg,category,duty,keywords,classes,region,negative\r\n' +
    'dept.cg,市容环境-占道经营,"负责占道经营, 流动摊贩",占道经营、摆摊;夜市,,county,\r\n' +
    '@township,乡镇-村道,"村道、""通组路""",村道、通组公路,,,\r\n';
  const r = await admin.post('/api/v1/catalogue/import', csv, { 'Content-Type': 'text/csv' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.version, v + 1);
  assert.deepEqual(r.json.entries[0].keywords, ['占道经营', '摆摊', '夜市']);
  assert.equal(r.json.entries[0].duty, '负责占道经营, 流动摊贩');
  assert.equal(r.json.entries[1].duty, '村道、"通组路"');
  const badRow = 'org,category,keywords\ndept.cg,甲,摆摊\ndept.cg,乙,摆摊\ndept.nope,丙,摆摊\n';
  const b = await admin.post('/api/v1/catalogue/import', badRow, { 'Content-Type': 'text/csv' });
  assertError(b, 400, 'field.invalid', 'line 4.org');
  const open = await admin.post('/api/v1/catalogue/import', 'org,category,keywords\n"dept.cg,x,y\n', { 'Content-Type': 'text/csv' });
  assert.equal(open.status, 400, open.text);
  const head = await admin.post('/api/v1/catalogue/import', 'org,category,nope\n', { 'Content-Type': 'text/csv' });
  assertError(head, 400, 'field.invalid', 'line 1');
  const enc = await admin.req('POST', '/api/v1/catalogue/import', Buffer.from('org,category,keywords\ndept.cg,\xff,x\n', 'latin1'), { 'Content-Type': 'text/csv' });
  assert.equal(enc.status, 400, enc.text);
  assert.equal((await current()).version, v + 1);
});

test('JSON import and the exports', async () => {
  const first = (await admin.get('/api/v1/catalogue?version=1')).json;
  const r = await admin.post('/api/v1/catalogue/import', { entries: first.entries.slice(0, 3), note: '精简' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.entries.length, 3);
  const res = await fetch(`${srv.base}/api/v1/export/catalogue.csv`, { headers: { Authorization: `Bearer ${disp1.token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/csv/);
  assert.match(res.headers.get('content-disposition'), /attachment; filename="catalogue-v\d+\.csv"/);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]); // a BOM, like the case export
  const csv = { text: bytes.toString('utf8') };
  assert.ok(csv.text.startsWith('\ufefforg,category,duty,keywords,classes,region,negative'), csv.text.slice(0, 80));
  assert.equal(csv.text.trim().split('\r\n').length, 4);
  // the export imports back as the same entries
  const again = await admin.post('/api/v1/catalogue/import', csv.text, { 'Content-Type': 'text/csv' });
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json.entries, r.json.entries);
  const js = await op1.get('/api/v1/export/catalogue.json');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-disposition'), /catalogue-v\d+\.json/);
  assert.deepEqual(js.json.entries, r.json.entries);
  assertError(await admin.post('/api/v1/catalogue/import', 'x', { 'Content-Type': 'text/plain' }), 415);
  // the JSON export imports back whole, its created_at/created_by passed over
  const back = { ...js.json };
  delete back.version;
  assert.ok('created_at' in back && 'created_by' in back);
  const round = await admin.post('/api/v1/catalogue/import', back);
  assert.equal(round.status, 200, round.text);
  assert.deepEqual(round.json.entries, r.json.entries);
  // the whole first version, with its '@township' rows (the CSV export guards
  // a cell starting with @ against formulas as '@township), round-trips too
  assert.ok(first.entries.some((e) => e.org.startsWith('@')), 'the demo catalogue has an @ row');
  const full = await admin.post('/api/v1/catalogue/import', { entries: first.entries, note: '全部' });
  assert.equal(full.status, 200, full.text);
  const fullCsv = await fetch(`${srv.base}/api/v1/export/catalogue.csv`, { headers: { Authorization: `Bearer ${disp1.token}` } });
  const fullText = Buffer.from(await fullCsv.arrayBuffer()).toString('utf8');
  assert.match(fullText, /\r\n'@/, 'the export guards the @ cells');
  const fullBack = await admin.post('/api/v1/catalogue/import', fullText, { 'Content-Type': 'text/csv' });
  assert.equal(fullBack.status, 200, fullBack.text);
  assert.deepEqual(fullBack.json.entries, full.json.entries);
  // but a save (PUT) still takes only entries, note and version
  assertError(await put(admin, { ...back, version: round.json.version }), 400, 'field.unknown', 'created_at');
});

test('a class no type has is refused: the entry would never apply', async () => {
  const cur = await current();
  const entries = [{ org: 'dept.cg', category: '测试', keywords: ['路灯'], classes: ['投诉', 'foo'] }];
  const before = cur.version;
  assertError(await put(admin, { entries, version: before }), 400, 'field.invalid', 'entries[0].classes[1]');
  const csv = 'org,category,duty,keywords,classes,region,negative\r\ndept.cg,测试,,路灯,投诉;咨询x,county,\r\n';
  assertError(await admin.post('/api/v1/catalogue/import', csv, { 'Content-Type': 'text/csv' }), 400, 'field.invalid');
  assert.equal((await current()).version, before);
});

test('civicloop routing learn: a model emptied (or from before routing) learns the dispatches already made, once', async () => {
  const s = await startServer(); // the demo's cases, dispatched through the engine
  await s.stop();
  const sql = (q) => sqlText(s.db, q);
  // a dispute's level (docs/dispute.md) is chosen by place: never a routing label
  // nor is the case's own org at work on it (a hazard's enterprise, assign's case_org)
  const leads = Number(await sql("SELECT count(*) FROM assignments a JOIN cases c ON c.id = a.case_id WHERE a.kind = 'lead' AND a.status <> 'cancelled' AND c.type <> 'dispute' AND NOT (c.type = 'hazard' AND a.org_id = c.org_id)"));
  assert.ok(Number(await sql("SELECT count(*) FROM assignments a JOIN cases c ON c.id = a.case_id WHERE c.type = 'hazard' AND a.org_id = c.org_id")) > 5, 'the demo has enterprises at work on their hazards');
  assert.ok(Number(await sql("SELECT count(*) FROM assignments a JOIN cases c ON c.id = a.case_id WHERE c.type = 'dispute' AND a.kind = 'lead'")) > 5, 'the demo has disputes with levels');
  assert.ok(leads > 10);
  assert.equal(Number(await sql('SELECT count(*) FROM route_labels')), leads, 'the demo dispatches taught it');
  await sql('DELETE FROM route_tokens; DELETE FROM route_orgs; DELETE FROM route_labels;');
  const r = await runCli(s, ['routing', 'learn', '--db', s.db]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`${leads} 次派单`));
  assert.equal(Number(await sql('SELECT count(*) FROM route_labels')), leads);
  const docs = await sql('SELECT sum(docs) FROM route_orgs');
  const again = await runCli(s, ['routing', 'learn', '--db', s.db]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await sql('SELECT sum(docs) FROM route_orgs'), docs, 'a label already held counts once');
  assert.equal((await runCli(s, ['routing', 'learn'])).code, 2);
});
