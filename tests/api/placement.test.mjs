// Cases placed in their grid (docs/api.md "Placement"): a case whose
// location has a point is placed in the deepest township, village or grid
// whose boundary holds it; that org owns the case unless the body named
// "org" or the creator may not register cases for it; a point in no
// township is flagged "outside" (GET /api/v1/cases?placement=outside).
// Boundaries change through PUT /api/v1/orgs/{id}/boundary (user.manage)
// and `civicloop geo import` (all or nothing). Unhappy paths first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, assertError, runCli, sqlText, caseBody } from './helpers.mjs';

const srv = await startServer();
const enc = encodeURIComponent;

const sql = (q) => sqlText(srv.db, q);

// points of the demo county (config/demo/county.json), WGS-84
const IN_GRID_A1 = { lat: 25.787, lng: 114.872 }; // 解放路, grid.a1 / village.a1 / town.a
const NEAR_A1_EAST = { lat: 25.787, lng: 114.876 }; // in grid.a1; its GCJ-02 reading lies in grid.a2
const VILLAGE_A1_ONLY = { lat: 25.786, lng: 114.879 }; // between grid.a1 and grid.a2
const IN_GRID_B1 = { lat: 25.712, lng: 114.965 }; // grid.b1 / village.b1 / town.b
const OUTSIDE = { lat: 25.75, lng: 114.92 }; // in the county, in no township

/** WGS-84 → GCJ-02, the published formula (util/geo.c geo_wgs84_to_gcj02). */
function toGcj02({ lat, lng }) {
  const A = 6378245.0;
  const EE = 0.00669342162296594323;
  const x = lng - 105.0;
  const y = lat - 35.0;
  const s = Math.sin;
  const P = Math.PI;
  let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dlat += ((20.0 * s(6.0 * x * P) + 20.0 * s(2.0 * x * P)) * 2.0) / 3.0;
  dlat += ((20.0 * s(y * P) + 40.0 * s((y / 3.0) * P)) * 2.0) / 3.0;
  dlat += ((160.0 * s((y / 12.0) * P) + 320 * s((y * P) / 30.0)) * 2.0) / 3.0;
  let dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dlng += ((20.0 * s(6.0 * x * P) + 20.0 * s(2.0 * x * P)) * 2.0) / 3.0;
  dlng += ((20.0 * s(x * P) + 40.0 * s((x / 3.0) * P)) * 2.0) / 3.0;
  dlng += ((150.0 * s((x / 12.0) * P) + 300.0 * s((x / 30.0) * P)) * 2.0) / 3.0;
  const rad = (lat / 180.0) * P;
  let magic = s(rad);
  magic = 1 - EE * magic * magic;
  const sq = Math.sqrt(magic);
  dlat = (dlat * 180.0) / (((A * (1 - EE)) / (magic * sq)) * P);
  dlng = (dlng * 180.0) / ((A / sq) * Math.cos(rad) * P);
  return { lat: lat + dlat, lng: lng + dlng };
}

/** A case body placed by its point alone (no "org"). */
function located(point, extra = {}) {
  const b = caseBody({ location: { ...point, address: '测试地址' }, ...extra });
  if (!('org' in extra)) delete b.org;
  return b;
}

/** Asserts two geometries equal to 1e-9° (stored to ten significant digits). */
function sameGeometry(a, b, what) {
  assert.equal(a.type, b.type, what);
  const flat = (g) => JSON.stringify(g.coordinates).match(/-?[0-9.e+-]+/g).map(Number);
  const x = flat(a);
  const y = flat(b);
  assert.equal(x.length, y.length, what);
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-9, `${what}: ${v} vs ${y[i]}`));
}

/** The placement's named orgs as {grid, village, township} codes. */
function codes(p) {
  const out = {};
  for (const k of ['grid', 'village', 'township']) {
    if (p[k]) {
      assert.deepEqual(Object.keys(p[k]).sort(), ['code', 'id', 'name'], JSON.stringify(p));
      out[k] = p[k].code;
    }
  }
  return out;
}

const admin = await srv.login('admin');
const orgIds = new Map((await sql('SELECT code, id FROM orgs')).split('\n').map((l) => {
  const [c, i] = l.split('|');
  return [c, Number(i)];
}));

/** The stored boundary and R*Tree row of an org, and its org.boundary events. */
async function boundaryState(code) {
  const id = orgIds.get(code);
  return {
    boundary: await sql(`SELECT boundary FROM orgs WHERE id = ${id}`),
    box: await sql(`SELECT * FROM org_bbox WHERE id = ${id}`),
    events: await sql("SELECT count(*) FROM events WHERE action = 'org.boundary'"),
  };
}

/** A new account of town.a with one grant (POST /api/v1/users), signed in. */
async function newAccount(login, name, grant) {
  const password = 'Pl#acement-2024';
  const r = await admin.post('/api/v1/users', { login, name, org: 'town.a', roles: [grant], password });
  assert.equal(r.status, 201, r.text);
  const lr = await srv.loginRaw(login, password);
  assert.equal(lr.status, 200, lr.text);
  return srv.client(lr.json.token);
}

const square = (lng, lat, d = 0.002) => ({
  type: 'Polygon',
  coordinates: [[[lng - d, lat - d], [lng + d, lat - d], [lng + d, lat + d], [lng - d, lat + d], [lng - d, lat - d]]],
});

// ------------------------------------------------------------ unhappy paths

test('list: placement= other than placed or outside → 400 naming it', async () => {
  const op1 = await srv.login('op1');
  for (const v of ['none', 'inside', 'OUTSIDE', 'placed,outside', '中'.repeat(300), "outside' OR 1=1 --"]) {
    assertError(await op1.get(`/api/v1/cases?placement=${enc(v)}`), 400, 'field.invalid', 'placement');
  }
  assertError(await op1.get('/api/v1/cases?placement=%ff'), 400, 'request.bad_encoding');
  assert.equal((await op1.get('/api/v1/cases?placement=')).status, 200, 'an empty filter is no filter');
});

test('PUT boundary: without user.manage → 403, outside the caller\'s orgs → 404, nothing changed', async () => {
  const before = await boundaryState('grid.a1');
  const body = square(IN_GRID_A1.lng, IN_GRID_A1.lat);
  for (const login of ['op1', 'disp1', 'leader1', 'town1', 'grid1', 'jw1']) {
    const c = await srv.login(login);
    assertError(await c.req('PUT', `/api/v1/orgs/${orgIds.get('grid.a1')}/boundary`, body), 403,
      'permission.denied');
  }
  assertError(await srv.raw('PUT', `/api/v1/orgs/${orgIds.get('grid.a1')}/boundary`, {
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  }), 401, 'auth.required');
  // an administrator of town.a: user.manage over town.a alone
  const townAdmin = await newAccount('geoadmin', '甲镇管理员', 'admin@town.a');
  const b1 = await boundaryState('grid.b1');
  const other = await townAdmin.req('PUT', `/api/v1/orgs/${orgIds.get('grid.b1')}/boundary`, body);
  assert.ok([403, 404].includes(other.status), other.text);
  assertError(other, other.status);
  assertError(await admin.req('PUT', '/api/v1/orgs/999999/boundary', body), 404, 'not_found');
  assertError(await admin.req('PUT', '/api/v1/orgs/0/boundary', body), 404);
  assert.deepEqual(await boundaryState('grid.a1'), before);
  assert.deepEqual(await boundaryState('grid.b1'), b1);
});

test('PUT boundary: hostile bodies → 400 / 413 / 415, nothing changed', async () => {
  const before = await boundaryState('grid.a2');
  const url = `/api/v1/orgs/${orgIds.get('grid.a2')}/boundary`;
  const ring = [[114.88, 25.78], [114.885, 25.78], [114.885, 25.785], [114.88, 25.78]];
  const bad = [
    ['not JSON', '{"type":"Polygon",', 'request.bad_json'],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"type":"Polygon\xff'), Buffer.from([0xff, 0xfe]),
      Buffer.from('","coordinates":[]}')]), 'request.bad_json'],
    ['a string', '"Polygon"', 'field.invalid'],
    ['a number', '42', 'field.invalid'],
    ['an array', JSON.stringify([ring]), 'field.invalid'],
    ['true', 'true', 'field.invalid'],
    ['a Point', JSON.stringify({ type: 'Point', coordinates: [114.88, 25.78] }), 'field.invalid'],
    ['a Feature', JSON.stringify({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] } }),
      'field.invalid'],
    ['a FeatureCollection', JSON.stringify({ type: 'FeatureCollection', features: [] }), 'field.invalid'],
    ['an extra key', JSON.stringify({ type: 'Polygon', coordinates: [ring], properties: {} }), 'field.invalid'],
    ['coordinates as strings', JSON.stringify({ type: 'Polygon',
      coordinates: [ring.map(([x, y]) => [String(x), String(y)])] }), 'field.invalid'],
    ['an open ring', JSON.stringify({ type: 'Polygon', coordinates: [ring.slice(0, 3).concat([[114.88, 25.79]])] }),
      'field.invalid'],
    ['a ring of three positions', JSON.stringify({ type: 'Polygon', coordinates: [ring.slice(1)] }), 'field.invalid'],
    ['no area', JSON.stringify({ type: 'Polygon',
      coordinates: [[[114.88, 25.78], [114.89, 25.78], [114.885, 25.78], [114.88, 25.78]]] }), 'field.invalid'],
    ['longitude 181', JSON.stringify({ type: 'Polygon', coordinates: [[[181, 25], [181.5, 25], [181.5, 26], [181, 25]]] }),
      'field.invalid'],
    ['altitude', JSON.stringify({ type: 'Polygon', coordinates: [ring.map(([x, y]) => [x, y, 0])] }),
      'field.invalid'],
    ['2001 positions', JSON.stringify({ type: 'Polygon', coordinates: [[...Array(2000).fill([114.88, 25.78]),
      [114.89, 25.79], [114.88, 25.78]]] }), 'field.invalid'],
    ['an empty MultiPolygon', JSON.stringify({ type: 'MultiPolygon', coordinates: [] }), 'field.invalid'],
    ['duplicate keys', '{"type":"Polygon","type":"Point","coordinates":[]}', 'request.bad_json'],
    ['deep nesting', '['.repeat(5000) + ']'.repeat(5000), 'request.bad_json'],
    ['an empty body', '', 'request.bad_json'],
  ];
  for (const [what, body, code] of bad) {
    const r = Buffer.isBuffer(body)
      ? await srv.raw('PUT', url, {
        headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' }, body,
      })
      : await admin.req('PUT', url, body);
    assertError(r, 400, code);
    assert.ok(r.status === 400, `${what}: ${r.text}`);
  }
  const huge = JSON.stringify({ type: 'Polygon', coordinates: [ring], pad: 'x'.repeat(300 * 1024) });
  assertError(await admin.req('PUT', url, huge), 413, 'request.too_large');
  assertError(await admin.req('PUT', url, JSON.stringify(square(114.88, 25.78)), { 'Content-Type': 'text/plain' }),
    415, 'request.media_type');
  assert.deepEqual(await boundaryState('grid.a2'), before);
});

// ------------------------------------------------------------ placement at intake

test('a point in grid.a1 places the case there: owner grid.a1, placement grid / village / township', async () => {
  const op1 = await srv.login('op1');
  const { case: c } = await op1.create(located(IN_GRID_A1));
  assert.equal(c.org.code, 'grid.a1');
  assert.deepEqual(Object.keys(c.placement).sort(), ['grid', 'status', 'township', 'village']);
  assert.equal(c.placement.status, 'placed');
  assert.deepEqual(codes(c.placement), { grid: 'grid.a1', village: 'village.a1', township: 'town.a' });
  assert.equal(c.placement.grid.id, orgIds.get('grid.a1'));
  assert.equal(typeof c.placement.grid.name, 'string');
  // the detail and the list say the same
  assert.deepEqual((await op1.case(c.id)).placement, c.placement);
  const listed = (await op1.get('/api/v1/cases?limit=5')).json.items.find((x) => x.id === c.id);
  assert.deepEqual(listed.placement, c.placement);
  // the create event records where the point lay
  const ev = (await admin.events(c.id)).find((e) => e.action === 'create');
  assert.deepEqual(ev.payload.placement, { status: 'placed', org: 'grid.a1' });
  assert.equal(ev.payload.org, 'grid.a1');
  // the grid's worker sees it; another township's handler does not
  const grid1 = await srv.login('grid1');
  assert.equal((await grid1.get(`/api/v1/cases/${c.id}`)).status, 200);
  assert.ok((await grid1.listAll('placement=placed')).some((x) => x.id === c.id));
  const town2 = await srv.login('town2');
  assertError(await town2.get(`/api/v1/cases/${c.id}`), 404);
  assert.ok(!(await town2.listAll('placement=placed')).some((x) => x.id === c.id));
});

test('"org" in the body wins; the placement is still recorded', async () => {
  const op1 = await srv.login('op1');
  const { case: c } = await op1.create(located(IN_GRID_A1, { org: 'town.b' }));
  assert.equal(c.org.code, 'town.b');
  assert.equal(c.placement.status, 'placed');
  assert.deepEqual(codes(c.placement), { grid: 'grid.a1', village: 'village.a1', township: 'town.a' });
  // owned by town.b: town2 sees it, the grid's worker does not
  assert.equal((await (await srv.login('town2')).get(`/api/v1/cases/${c.id}`)).status, 200);
  assertError(await (await srv.login('grid1')).get(`/api/v1/cases/${c.id}`), 404);
});

test('a GCJ-02 point is converted to WGS-84 before it is placed', async () => {
  const op1 = await srv.login('op1');
  const g = toGcj02(NEAR_A1_EAST);
  // read as WGS-84 the GCJ-02 numbers would land in the neighbouring grid
  const raw = await op1.create(located(g));
  assert.equal(raw.case.placement.grid.code, 'grid.a2');
  const { case: c } = await op1.create(located({ ...g, crs: 'gcj02' }));
  assert.ok(Math.abs(c.location.lat - NEAR_A1_EAST.lat) < 1e-7, JSON.stringify(c.location));
  assert.ok(Math.abs(c.location.lng - NEAR_A1_EAST.lng) < 1e-7, JSON.stringify(c.location));
  assert.equal(c.org.code, 'grid.a1');
  assert.deepEqual(codes(c.placement), { grid: 'grid.a1', village: 'village.a1', township: 'town.a' });
});

test('a point in a village but no grid is placed in the village', async () => {
  const op1 = await srv.login('op1');
  const { case: c } = await op1.create(located(VILLAGE_A1_ONLY));
  assert.equal(c.org.code, 'village.a1');
  assert.deepEqual(codes(c.placement), { village: 'village.a1', township: 'town.a' });
  assert.equal(c.placement.grid, undefined);
});

test('a creator who may not register for the placed org keeps its own; the placement is kept', async () => {
  const op = await newAccount('optowna', '甲镇话务员', 'operator@town.a');
  const res = await op.post('/api/v1/cases', located(IN_GRID_B1));
  assert.equal(res.status, 201, res.text);
  const c = res.json.case;
  assert.equal(c.org.code, 'town.a', 'its own creation scope, not town.b\'s grid');
  assert.equal(c.placement.status, 'placed');
  assert.deepEqual(codes(c.placement), { grid: 'grid.b1', village: 'village.b1', township: 'town.b' });
  // inside its scope the placement moves the case as for anyone
  const inA = (await op.post('/api/v1/cases', located(IN_GRID_A1))).json.case;
  assert.equal(inA.org.code, 'grid.a1');
});

test('a point in no township is flagged "outside", not guessed, and found by placement=outside', async () => {
  const op1 = await srv.login('op1');
  const plain = (await op1.create(located({ lat: 25.9, lng: 114.5 }))).case; // outside the county too
  const { case: c } = await op1.create(located(OUTSIDE));
  const defaultOrg = (await op1.create(caseBody({ org: undefined }))).case.org.code;
  assert.equal(c.org.code, defaultOrg, 'the creator\'s own org');
  assert.deepEqual(c.placement, { status: 'outside' });
  assert.deepEqual(plain.placement, { status: 'outside' });
  const ev = (await admin.events(c.id)).find((e) => e.action === 'create');
  assert.deepEqual(ev.payload.placement, { status: 'outside' });
  const outside = await op1.listAll('placement=outside');
  assert.ok(outside.some((x) => x.id === c.id) && outside.some((x) => x.id === plain.id));
  assert.ok(outside.every((x) => x.placement.status === 'outside'), JSON.stringify(outside.map((x) => x.placement)));
  const placed = await op1.listAll('placement=placed');
  assert.ok(placed.length > 0 && placed.every((x) => x.placement.status === 'placed'));
  assert.ok(!placed.some((x) => x.id === c.id));
  // pages of the index-driven list follow the cursor like any other
  const paged = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const r = await op1.get(`/api/v1/cases?placement=placed&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    paged.push(...r.json.items.map((x) => x.id));
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(paged, placed.map((x) => x.id));
  // the filter combines with the others, and sort=due
  const due = await op1.listAll('placement=outside&sort=due');
  assert.deepEqual(due.map((x) => x.id).sort(), outside.map((x) => x.id).sort());
  assert.deepEqual(await op1.listAll(`placement=outside&org=${orgIds.get('town.b')}`), []);
});

test('an address alone, or no location, is accepted with placement "none"', async () => {
  const op1 = await srv.login('op1');
  const addr = located({});
  addr.location = { address: '濂江县某路口' };
  const a = (await op1.create(addr)).case;
  assert.deepEqual(a.placement, { status: 'none' });
  const nolocBody = located({});
  delete nolocBody.location;
  const n = (await op1.create(nolocBody)).case;
  assert.deepEqual(n.placement, { status: 'none' });
  const ev = (await admin.events(a.id)).find((e) => e.action === 'create');
  assert.equal(ev.payload.placement, undefined);
  for (const f of ['placed', 'outside']) {
    const items = await op1.listAll(`placement=${f}`);
    assert.ok(!items.some((x) => x.id === a.id || x.id === n.id), f);
  }
});

// ------------------------------------------------------------ boundaries

test('PUT boundary: a new boundary places the next case; clearing it flags the point again', async () => {
  const op1 = await srv.login('op1');
  const before = (await op1.create(located(OUTSIDE))).case;
  assert.equal(before.placement.status, 'outside');
  const url = `/api/v1/orgs/${orgIds.get('grid.b3')}/boundary`;
  const g = square(OUTSIDE.lng, OUTSIDE.lat);
  const r = await admin.req('PUT', url, g);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['boundary', 'code', 'id']);
  assert.equal(r.json.id, orgIds.get('grid.b3'));
  assert.equal(r.json.code, 'grid.b3');
  sameGeometry(r.json.boundary, g, 'the answer');
  const box = (await sql(`SELECT * FROM org_bbox WHERE id = ${orgIds.get('grid.b3')}`)).split('|').map(Number);
  assert.ok(Math.abs(box[1] - (OUTSIDE.lng - 0.002)) < 1e-5 && Math.abs(box[4] - (OUTSIDE.lat + 0.002)) < 1e-5,
    `the R*Tree follows: ${box}`);
  const ev = JSON.parse(await sql("SELECT payload FROM events WHERE action = 'org.boundary' ORDER BY seq DESC LIMIT 1"));
  assert.equal(ev.org, 'grid.b3');
  assert.equal(ev.via, 'api');
  assert.equal(ev.boundary.type, 'Polygon');
  assert.match(ev.boundary.blake2b, /^[0-9a-f]{64}$/);
  const regions = (await admin.get('/api/v1/geo/regions')).json.features;
  sameGeometry(regions.find((f) => f.properties.code === 'grid.b3').geometry, g, 'the regions');

  const { case: c } = await op1.create(located(OUTSIDE));
  assert.equal(c.org.code, 'grid.b3');
  assert.deepEqual(codes(c.placement), { grid: 'grid.b3', village: 'village.b2', township: 'town.b' });
  // cases placed before keep their placement (docs/api.md)
  assert.deepEqual((await op1.case(before.id)).placement, { status: 'outside' });

  const cleared = await admin.req('PUT', url, null);
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(cleared.json.boundary, null);
  assert.equal(await sql(`SELECT count(*) FROM org_bbox WHERE id = ${orgIds.get('grid.b3')}`), '0');
  assert.equal(await sql(`SELECT count(*) FROM orgs WHERE id = ${orgIds.get('grid.b3')} AND boundary IS NULL`), '1');
  const ev2 = JSON.parse(await sql("SELECT payload FROM events WHERE action = 'org.boundary' ORDER BY seq DESC LIMIT 1"));
  assert.deepEqual(ev2, { org: 'grid.b3', boundary: null, via: 'api' });
  assert.deepEqual((await op1.create(located(OUTSIDE))).case.placement, { status: 'outside' });
  assert.equal(c.placement.status, 'placed');
});

// ------------------------------------------------------------ the command line (last: stops the server)

test('civicloop geo import: all or nothing, naming the bad feature; exit 2', async () => {
  const feature = (code, geometry) => ({ type: 'Feature', properties: { code, name: 'x' }, geometry });
  const file = path.join(srv.dir, 'grids.geojson');
  const write = (v) => writeFile(file, typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v));
  const newA4 = square(OUTSIDE.lng, OUTSIDE.lat, 0.003);
  const newB2 = square(114.93, 25.66);
  await srv.stop();
  try {
    const a4 = await boundaryState('grid.a4');
    const b2 = await boundaryState('grid.b2');
    const bad = [
      [[feature('grid.a4', newA4), feature('grid.nosuch', newB2)], 'features[1]', 'grid.nosuch'],
      [[feature('grid.a4', newA4), feature('grid.b2', newB2), feature('grid.b1', { type: 'Point',
        coordinates: [1, 2] })], 'features[2]', 'Polygon'],
      [[feature('grid.a4', newA4), feature('grid.a4', newB2)], 'features[1]', '同一个单位'],
      [[feature('grid.a4', newA4), { type: 'Feature', geometry: newB2 }], 'features[1]', 'code'],
      [[feature('grid.a4', newA4), feature('grid.b2', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1],
        [0, 1]]] })], 'features[1]', '闭合'],
      [['x', feature('grid.a4', newA4)], 'features[0]', 'Feature'],
    ];
    for (const [features, where, why] of bad) {
      await write({ type: 'FeatureCollection', features });
      const r = await runCli(srv, ['geo', 'import', '--db', srv.db, file]);
      assert.equal(r.code, 2, `${where}: ${r.stdout} ${r.stderr}`);
      assert.ok(r.stderr.includes(where) && r.stderr.includes(why), r.stderr);
      assert.deepEqual(await boundaryState('grid.a4'), a4, 'nothing written');
      assert.deepEqual(await boundaryState('grid.b2'), b2, 'nothing written');
    }
    for (const content of ['{"type":"FeatureCollection"', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      '{"type":"Feature","features":[]}', '{"type":"FeatureCollection","features":[]}', '[]']) {
      await write(content);
      const r = await runCli(srv, ['geo', 'import', '--db', srv.db, file]);
      assert.equal(r.code, 2, `${content}: ${r.stderr}`);
      assert.ok(r.stderr.length > 0);
    }
    assert.equal((await runCli(srv, ['geo', 'import', '--db', srv.db, path.join(srv.dir, 'nosuch.geojson')])).code, 2);
    assert.equal((await runCli(srv, ['geo', 'import', '--db', srv.db])).code, 2);
    assert.equal((await runCli(srv, ['geo', 'import', file])).code, 2);
    assert.deepEqual(await boundaryState('grid.a4'), a4);

    await write({ type: 'FeatureCollection', features: [feature('grid.a4', newA4), feature('grid.b2', newB2)] });
    const ok = await runCli(srv, ['geo', 'import', '--db', srv.db, file]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(Number((await boundaryState('grid.a4')).events), Number(a4.events) + 2);
    assert.equal(await sql("SELECT count(*) FROM events WHERE action = 'org.boundary' AND payload LIKE '%\"via\":\"cli\"%'"),
      '2');
    sameGeometry(JSON.parse((await boundaryState('grid.a4')).boundary), newA4, 'grid.a4');
    sameGeometry(JSON.parse((await boundaryState('grid.b2')).boundary), newB2, 'grid.b2');
    const audit = await runCli(srv, ['audit', 'verify', '--db', srv.db, '--skip-files']);
    assert.equal(audit.code, 0, audit.stderr);
  } finally {
    await srv.restart();
  }
  const op1 = await srv.login('op1');
  const { case: c } = await op1.create(located(OUTSIDE));
  assert.equal(c.org.code, 'grid.a4');
  assert.deepEqual(codes(c.placement), { grid: 'grid.a4', village: 'village.a3', township: 'town.a' });
});
