// POST /api/v1/cases/hints (docs/api.md "Intake hints"): what the console
// shows while a seat types — where the point lies, possible duplicates and
// the units it should go to — from the body a create would send. The
// unhappy paths first: roles without case.create (403), the create's own
// 400s, hostile text, and that nothing is ever written (no case, no event,
// no pii.view) and no confidential case is ever shown; then the answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, freshPhone, sqlText, BACKEND } from './helpers.mjs';

const srv = await startServer();
const op1 = await srv.login('op1');

const count = async (q) => Number(await sqlText(srv.db, q));
// the search index's rows: FTS5's docsize table on SQLite (the sqlite3 CLI
// cannot read case_fts itself, whose tokenizer is the server's), the plain
// table case_fts on PostgreSQL
const FTS_ROWS = BACKEND === 'postgres' ? 'case_fts' : 'case_fts_docsize';
const writes = async () => [
  await count('SELECT count(*) FROM cases'),
  await count('SELECT count(*) FROM events'),
  await count(`SELECT count(*) FROM ${FTS_ROWS}`),
];
const hints = (c, body) => c.post('/api/v1/cases/hints', body);

// the demo's street-light case at 解放路东门 (25.7871, 114.8735), grid.a1
const LAMP = {
  type: 'hotline', class: '求助',
  description: '解放路东门菜市场门口那几盏路灯晚上都不亮，黑乎乎的不敢走',
  location: { lat: 25.7872, lng: 114.8736, address: '濂江镇解放路东门菜市场' },
};

test('roles that may not register cases get 403, no session 401', async () => {
  for (const who of ['cg1', 'town1', 'leader1', 'jw1', 'grid1']) {
    const c = await srv.login(who);
    assertError(await hints(c, LAMP), 403, 'permission.denied');
  }
  assert.equal((await srv.raw('POST', '/api/v1/cases/hints', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(LAMP) })).status, 401);
});

test('the create\'s own checks: 400 naming the field, nothing written', async () => {
  const before = await writes();
  assertError(await hints(op1, { type: 'hotline', description: 5 }), 400, undefined, 'description');
  assertError(await hints(op1, { type: 'hotline', description: '  ' }), 400, undefined, 'description');
  assertError(await hints(op1, { ...LAMP, type: 'nosuch' }), 400, 'field.invalid', 'type');
  assertError(await hints(op1, { ...LAMP, class: '不存在' }), 400, 'field.invalid', 'class');
  assertError(await hints(op1, { ...LAMP, location: { lat: 91, lng: 114 } }), 400, undefined, 'location');
  assertError(await hints(op1, { ...LAMP, location: { lat: 'x', lng: 114 } }), 400, undefined, 'location');
  assertError(await hints(op1, { ...LAMP, reporter: { phone: 12 } }), 400, undefined);
  assertError(await hints(op1, { ...LAMP, description: '字'.repeat(8001) }), 400, undefined, 'description');
  assertError(await hints(op1, { ...LAMP, bogus: 1 }), 400, 'field.unknown', 'bogus');
  assertError(await hints(op1, '{"type":"hotline","description":"\\udc00"}'), 400); // a lone surrogate, escaped
  assertError(await hints(op1, '[1,2'), 400);
  assert.deepEqual(await writes(), before);
});

test('placement, duplicates and routing of a case not yet registered; nothing is written', async () => {
  const before = await writes();
  const r = await hints(op1, LAMP);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.placement.status, 'placed');
  assert.equal(r.json.placement.grid.code, 'grid.a1');
  assert.equal(r.json.placement.township.code, 'town.a');
  assert.equal(r.json.org, 'grid.a1', 'the owner it would have: where it lies');
  const lamp = r.json.possible_duplicates.find((d) => d.title.includes('路灯'));
  assert.ok(lamp, JSON.stringify(r.json.possible_duplicates));
  assert.ok(lamp.reasons.includes('nearby') && lamp.reasons.includes('similar_text'), JSON.stringify(lamp));
  assert.ok(lamp.distance_m < 50);
  assert.equal(r.json.routing[0].org, 'dept.cg');
  assert.ok(r.json.routing[0].reasons.some((x) => x.kind === 'catalogue'));
  assert.deepEqual(await writes(), before);
  // a point in no township: flagged, the owner stays the creator's
  const out = await hints(op1, { ...LAMP, location: { lat: 25.66, lng: 114.99 } });
  assert.equal(out.json.placement.status, 'outside');
  // no location: none
  const none = await hints(op1, { ...LAMP, location: undefined });
  assert.equal(none.json.placement.status, 'none');
});

test('a confidential case is never a hint, even to a pii.read holder; no pii.view is recorded', async () => {
  const phone = freshPhone('139');
  const secret = await op1.create(caseBody({
    class: '举报', description: '举报长岭村砂场半夜偷采河砂，河堤都挖空了',
    reporter: { name: '举报人', phone, confidential: true },
    location: { lat: 25.705, lng: 114.975, address: '长岭村砂场' }, org: 'town.b',
  }));
  const views = async () => count(`SELECT count(*) FROM events WHERE action = 'pii.view' AND case_id = ${secret.case.id}`);
  const v0 = await views();
  const r = await hints(op1, {
    type: 'hotline', class: '举报', description: '长岭村砂场夜里偷采河砂，河堤挖空了',
    reporter: { phone }, location: { lat: 25.705, lng: 114.975, address: '长岭村砂场' },
  });
  assert.equal(r.status, 200, r.text);
  assert.ok(!r.json.possible_duplicates.some((d) => d.id === secret.case.id), JSON.stringify(r.json.possible_duplicates));
  assert.ok(!r.text.includes(phone) && !r.text.includes('举报人'));
  assert.equal(await views(), v0);
});

test('before the description: the placement and the same caller\'s cases, no routing', async () => {
  const r = await hints(op1, { type: 'hotline', location: LAMP.location });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.placement.grid.code, 'grid.a1');
  assert.deepEqual(r.json.routing, []);
  assert.deepEqual(r.json.possible_duplicates, [], 'a place match needs text alike');
  const e = await hints(op1, { type: 'hotline', description: '', location: LAMP.location });
  assert.equal(e.status, 200, e.text);
});

test('the same phone is a hint while the number is typed', async () => {
  const phone = freshPhone('138');
  const first = await op1.create(caseBody({ description: '小区门口垃圾三天没人清运，臭得很', reporter: { name: '王先生', phone } }));
  const r = await hints(op1, { type: 'hotline', description: '还是那个垃圾的事', reporter: { phone } });
  assert.equal(r.status, 200, r.text);
  const d = r.json.possible_duplicates.find((x) => x.id === first.case.id);
  assert.ok(d && d.reasons.includes('same_phone'), r.text);
});

test('GET /api/v1/cases/{id}/duplicates: an existing case\'s earlier look-alikes, only visible ones, 404 out of scope', async () => {
  const c = await op1.create(caseBody({ ...LAMP, org: undefined }));
  const disp1 = await srv.login('disp1');
  const r = await disp1.get(`/api/v1/cases/${c.case.id}/duplicates`);
  assert.equal(r.status, 200, r.text);
  const lamp = r.json.possible_duplicates.find((d) => d.title.includes('路灯'));
  assert.ok(lamp && lamp.reasons.includes('nearby'), r.text);
  assert.ok(!r.json.possible_duplicates.some((d) => d.id === c.case.id), 'never itself');
  // only earlier cases: the first street-light case has none of the later ones
  const first = await disp1.get(`/api/v1/cases/${lamp.id}/duplicates`);
  assert.ok(!first.json.possible_duplicates.some((d) => d.id === c.case.id));
  const town2 = await srv.login('town2');
  assertError(await town2.get(`/api/v1/cases/${c.case.id}/duplicates`), 404);
  assertError(await disp1.get('/api/v1/cases/abc/duplicates'), 404);
});
