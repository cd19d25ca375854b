// A case's location given by its address alone (POST /api/v1/cases and the
// 110 hand-over): {"address"} is stored and read back as location
// {"address"} with no lat/lng; lat and lng still come together and are
// checked as before. Every reader of a location (the case, the list, the
// public track, the stats, the engine's actions, the map) copes with one
// that has no coordinates. Unhappy paths first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, freshPhone, sqlText } from './helpers.mjs';

const srv = await startServer();

async function caseCount() {
  return Number(await sqlText(srv.db, 'SELECT count(*) FROM cases'));
}

/** POST /api/v1/cases as op1 with a raw body. */
async function postRaw(body) {
  const op1 = await srv.login('op1');
  return srv.raw('POST', '/api/v1/cases', {
    headers: { Authorization: `Bearer ${op1.token}`, 'Content-Type': 'application/json' },
    body,
  });
}

const post = (location) => postRaw(JSON.stringify(caseBody({ location })));

test('lat without lng, lng without lat: 400 naming the missing one; nothing written', async () => {
  const before = await caseCount();
  assertError(await post({ lat: 25.7866 }), 400, 'field.required', 'location.lng');
  assertError(await post({ lat: 25.7866, address: '建设路口' }), 400, 'field.required', 'location.lng');
  assertError(await post({ lng: 114.8749, address: '建设路口' }), 400, 'field.required', 'location.lat');
  assertError(await post({ lat: 25.7866, lng: null, address: '建设路口' }), 400, 'field.required', 'location.lng');
  // both given are checked as before
  assertError(await post({ lat: 100, lng: 114.87, address: '建设路口' }), 400, 'field.invalid', 'location');
  assertError(await post({ lat: '25.7', lng: 114.87 }), 400, 'field.invalid', 'location');
  assertError(await post({ lat: 25.7, lng: 114.87, crs: 'mars' }), 400, 'field.invalid', 'location.crs');
  assert.equal(await caseCount(), before);
});

test('a location with neither address nor coordinates, or a crs without coordinates: 400', async () => {
  const before = await caseCount();
  assertError(await post({}), 400, 'field.required', 'location');
  assertError(await post({ address: null }), 400, 'field.required', 'location');
  assertError(await post({ address: '建设路口', crs: 'gcj02' }), 400, 'field.invalid', 'location.crs');
  assertError(await post({ address: '建设路口', floor: 3 }), 400, 'field.unknown', 'location');
  assertError(await post('建设路口'), 400, 'field.invalid', 'location');
  assert.equal(await caseCount(), before);
});

test('hostile and invalid addresses: 400, nothing written, never a 500', async () => {
  const before = await caseCount();
  for (const address of ['', '   ', '\u3000\u3000', '\u00a0', 42, true, ['建设路口'], { road: '建设路' },
    '建设路\n口', '建设路\u0000口', '建设\u0007路口', '建设\u007f路口', '建设路\t口']) {
    const r = await post({ address });
    assert.equal(r.status, 400, `${JSON.stringify(address)}: ${r.text}`);
    assert.ok(r.json.error.code.startsWith('field.') || r.json.error.code.startsWith('request.'), r.text);
    if (r.json.error.code.startsWith('field.')) assert.equal(r.json.error.field, 'location.address');
  }
  // invalid UTF-8 and a lone surrogate never reach the check: the body is not JSON
  const head = JSON.stringify(caseBody({ location: { address: 'X' } })).split('"X"');
  for (const bytes of [[0xff, 0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe5, 0xbb]]) {
    const body = Buffer.concat([Buffer.from(`${head[0]}"`), Buffer.from(bytes), Buffer.from(`"${head[1]}`)]);
    const r = await postRaw(body);
    assertError(r, 400);
  }
  assertError(await postRaw(`${head[0]}"\\ud800"${head[1]}`), 400);
  assert.equal(await caseCount(), before);
});

test('an address of 301 characters is too long (alone or with coordinates); 300 is fine', async () => {
  const before = await caseCount();
  const long = '路'.repeat(301);
  assertError(await post({ address: long }), 400, 'field.too_long', 'location.address');
  assertError(await post({ lat: 25.7866, lng: 114.8749, address: long }), 400, 'field.too_long', 'location.address');
  assert.equal(await caseCount(), before);
  const r = await post({ address: '路'.repeat(300) });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.case.location.address.length, 300);
});

test('address alone → 201, stored and read back as location {address} with no lat/lng', async () => {
  const op1 = await srv.login('op1');
  const address = '濂江县濂江镇东门社区和平巷 12 号（近菜市场）';
  const phone = freshPhone('139');
  const r = await op1.post('/api/v1/cases', caseBody({
    title: '只有地址的工单', location: { address }, reporter: { name: '李女士', phone },
  }));
  assert.equal(r.status, 201, r.text);
  const c = r.json.case;
  assert.deepEqual(c.location, { address });
  const stored = await sqlText(srv.db, `SELECT location FROM cases WHERE id = ${c.id}`);
  assert.deepEqual(JSON.parse(stored), { address });

  // the case JSON
  const got = await op1.case(c.id);
  assert.deepEqual(got.location, { address });
  assert.ok(!('lat' in got.location) && !('lng' in got.location));

  // the list
  const list = await op1.get(`/api/v1/cases?q=${encodeURIComponent('只有地址的工单')}`);
  assert.equal(list.status, 200, list.text);
  const item = list.json.items.find((x) => x.id === c.id);
  assert.ok(item, 'listed');
  assert.deepEqual(item.location, { address });

  // null members count as absent
  const n = await op1.post('/api/v1/cases', caseBody({ location: { address, lat: null, lng: null, crs: null } }));
  assert.equal(n.status, 201, n.text);
  assert.deepEqual(n.json.case.location, { address });

  // the same caller's earlier case is still offered as a possible duplicate
  const again = await op1.post('/api/v1/cases', caseBody({ location: { address }, reporter: { phone } }));
  assert.equal(again.status, 201, again.text);
  assert.ok(again.json.possible_duplicates.some((d) => d.id === c.id), again.text);

  // the engine's actions, the public track and the stats read it without trouble
  const disp1 = await srv.login('disp1');
  const d = await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  assert.deepEqual(d.location, { address });
  const t = await srv.raw('GET', `/api/v1/public/track?no=${c.no}&phone_tail=${phone.slice(-4)}`);
  assert.equal(t.status, 200, t.text);
  assert.ok(!('location' in t.json), 'the public track shows no location');
  const leader1 = await srv.login('leader1');
  const s = await leader1.get('/api/v1/stats/hotline');
  assert.equal(s.status, 200, s.text);
  assert.ok(s.json.received >= 1);
});

test('coordinates with an address still work, and an empty address beside coordinates is kept as before', async () => {
  const op1 = await srv.login('op1');
  const r = await op1.post('/api/v1/cases', caseBody({ location: { lat: 25.7866, lng: 114.8749, address: '建设路口' } }));
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.case.location, { lat: 25.7866, lng: 114.8749, address: '建设路口' });
  const e = await op1.post('/api/v1/cases', caseBody({ location: { lat: 25.7866, lng: 114.8749, address: '' } }));
  assert.equal(e.status, 201, e.text);
  assert.equal(e.json.case.location.address, '');
});

test('the map (GET /api/v1/geo/cases) draws only cases with a point; address-only ones never take its places', async () => {
  const op1 = await srv.login('op1');
  const located = (await op1.create(caseBody({ title: '地图：有坐标', location: { lat: 25.7866, lng: 114.8749 } }))).case;
  const alone = [];
  for (let i = 0; i < 3; i++) {
    alone.push((await op1.create(caseBody({ title: `地图：只有地址 ${i}`, location: { address: `濂江镇解放路 ${i} 号` } }))).case);
  }
  // the three address-only cases are newer than the located one, yet limit=1 still finds it
  const one = await op1.get('/api/v1/geo/cases?limit=1');
  assert.equal(one.status, 200, one.text);
  assert.deepEqual(one.json.items.map((x) => x.id), [located.id]);
  const all = await op1.get('/api/v1/geo/cases?limit=5000');
  assert.equal(all.status, 200, all.text);
  const ids = new Set(all.json.items.map((x) => x.id));
  assert.ok(ids.has(located.id));
  for (const c of alone) assert.ok(!ids.has(c.id), `case ${c.id} has no point and is not drawn`);
  for (const x of all.json.items) assert.ok(typeof x.lat === 'number' && typeof x.lng === 'number', JSON.stringify(x));
});

test('the 110 hand-over takes an address alone too', async () => {
  const link = await srv.login('link110');
  const received = new Date(Date.now() - 3600 * 1000 + 8 * 3600 * 1000).toISOString().slice(0, 19) + '+08:00';
  const body = {
    incident_no: `LOC${Date.now().toString().slice(-9)}`,
    received_at: received,
    description: '报警人称路边有井盖缺失。',
    location: { address: '濂江县濂江镇建设路口' },
  };
  assertError(await link.post('/api/v1/linkage/110', { ...body, location: { lng: 114.87 } }), 400, 'field.required', 'location.lat');
  const r = await link.post('/api/v1/linkage/110', body);
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.case.location, { address: '濂江县濂江镇建设路口' });
});
