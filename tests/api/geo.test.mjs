// The map (docs/api.md "The map"): GET /api/v1/geo/regions, the boundaries
// of the orgs the caller may see as GeoJSON, and GET /api/v1/geo/cases, the
// open cases with a location the caller may read. Unhappy paths first: not
// signed in, no case.read, bad parameters, other townships' cases, closed
// cases, reporter data; then the demo county's regions and the leader's map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sqlText, caseBody } from './helpers.mjs';

const srv = await startServer();

const hotline = (await (await srv.login('admin')).get('/api/v1/types/hotline')).json;
const FINAL = new Set(hotline.states.filter((s) => s.final).map((s) => s.code));
assert.ok(FINAL.has('closed') && FINAL.size >= 2, JSON.stringify([...FINAL]));

// the demo county's subtrees (config/demo/county.json)
const TOWN_A = new Set(['town.a', 'village.a1', 'grid.a1', 'grid.a2', 'village.a2', 'grid.a3', 'village.a3',
  'grid.a4', 'grid.a5', 'ent.demo1', 'ent.demo4', 'ent.demo5', 'ent.demo6', 'ent.demo8', 'ent.demo9',
  'ent.demo11', 'ent.demo13']);
const TOWN_B = new Set(['town.b', 'village.b1', 'grid.b1', 'village.b2', 'grid.b2', 'grid.b3',
  'ent.demo2', 'ent.demo3', 'ent.demo7', 'ent.demo10', 'ent.demo12', 'ent.demo14', 'ent.demo15']);
const ITEM_KEYS = ['class', 'id', 'lat', 'lng', 'no', 'org', 'overdue', 'status', 'status_name', 'title'];

const sql = (stmt) => sqlText(srv.db, stmt);

/** The map of login l: asserts 200 and the shape, returns the body. */
async function mapOf(l, query = '') {
  const c = await srv.login(l);
  const r = await c.get(`/api/v1/geo/cases${query}`);
  assert.equal(r.status, 200, `${l} map ${query}: ${r.text}`);
  assert.deepEqual(Object.keys(r.json).sort(), ['items', 'truncated']);
  assert.equal(typeof r.json.truncated, 'boolean');
  for (const it of r.json.items) {
    assert.deepEqual(Object.keys(it).sort(), ITEM_KEYS);
    assert.deepEqual(Object.keys(it.org).sort(), ['code', 'id', 'name']);
    assert.equal(typeof it.lat, 'number');
    assert.equal(typeof it.lng, 'number');
    assert.equal(typeof it.overdue, 'boolean');
    assert.equal(typeof it.no, 'string');
  }
  return r.json;
}

/** Even-odd point in a GeoJSON Polygon / MultiPolygon. */
function contains(g, lng, lat) {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polys.some((rings) => rings.reduce((inside, ring) => {
    let c = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [ax, ay] = ring[i];
      const [bx, by] = ring[j];
      if ((ay > lat) !== (by > lat) && lng < ((bx - ax) * (lat - ay)) / (by - ay) + ax) c = !c;
    }
    return c ? !inside : inside;
  }, false));
}

// ------------------------------------------------------------ unhappy paths

test('not signed in: 401 on both; without case.read the cases are 403 (the regions need only a sign-in)', async () => {
  assertError(await srv.raw('GET', '/api/v1/geo/regions'), 401, 'auth.required');
  assertError(await srv.raw('GET', '/api/v1/geo/cases'), 401, 'auth.required');
  assertError(await srv.raw('GET', '/api/v1/geo/cases', { headers: { Authorization: 'Bearer nope' } }), 401);
  const link = await srv.login('link110'); // the 110 system: no case.read
  assertError(await link.get('/api/v1/geo/cases'), 403, 'permission.denied');
  const regions = await link.get('/api/v1/geo/regions');
  assert.equal(regions.status, 200, regions.text);
  assert.deepEqual(regions.json, { type: 'FeatureCollection', features: [] }, 'its own org has no boundary, it reads no others');
});

test('bad parameters are 400 naming the parameter, never an empty 200', async () => {
  const c = await srv.login('leader1');
  for (const q of ['limit=0', 'limit=5001', 'limit=-1', 'limit=x', 'limit=1e3', 'limit=2.5', 'limit=99999999999999999999']) {
    assertError(await c.get(`/api/v1/geo/cases?${q}`), 400, 'field.invalid', 'limit');
  }
  assertError(await c.get('/api/v1/geo/cases?type=nosuch'), 400, 'field.invalid', 'type');
  assertError(await c.get('/api/v1/geo/cases?status=nosuch'), 400, 'field.invalid', 'status');
  assertError(await c.get('/api/v1/geo/cases?type=hotline&status=handling,,received'), 400, 'field.invalid', 'status');
  assertError(await c.get(`/api/v1/geo/cases?status=${Array(11).fill('handling').join(',')}`), 400, 'field.invalid', 'status');
  assertError(await c.get(`/api/v1/geo/cases?status=${'中'.repeat(100)}`), 400, 'field.invalid', 'status');
  for (const q of ['type=%ff', 'status=handling%00', 'status=%e4%b8', 'limit=1%00']) {
    assertError(await c.get(`/api/v1/geo/cases?${q}`), 400, 'request.bad_encoding');
  }
  // SQL in a filter is just an unknown value
  assertError(await c.get(`/api/v1/geo/cases?type=${encodeURIComponent("hotline' OR '1'='1")}`), 400, 'field.invalid', 'type');
});

test('town1 sees only what it may read: no other township\'s cases, no closed case, never reporter data', async () => {
  const op1 = await srv.login('op1');
  const stamp = Date.now().toString(36);
  const located = (org, lat, lng, title) => caseBody({ org, title: `${title}${stamp}`, location: { lat, lng, address: '地图测试地址' } });
  const a = (await op1.create(located('town.a', 25.7862, 114.8741, '地图甲'))).case;
  const b = (await op1.create(located('town.b', 25.7027, 114.9665, '地图乙'))).case;
  const none = (await op1.create(caseBody({ org: 'town.a', title: `地图无位置${stamp}` }))).case;
  const closed = (await op1.create(located('town.a', 25.7870, 114.8730, '地图已办结'))).case;
  const done = await op1.must(closed.id, 'answer', { answer: '已当场答复。' });
  assert.ok(FINAL.has(done.status), done.status);

  const t1 = await mapOf('town1');
  const t2 = await mapOf('town2');
  const ids1 = new Set(t1.items.map((x) => x.id));
  const ids2 = new Set(t2.items.map((x) => x.id));
  assert.ok(ids1.has(a.id) && !ids1.has(b.id), 'town1: its own, not town.b\'s');
  assert.ok(ids2.has(b.id) && !ids2.has(a.id), 'town2: its own, not town.a\'s');
  for (const m of [t1, t2]) {
    const ids = new Set(m.items.map((x) => x.id));
    assert.ok(!ids.has(none.id), 'a case without a location is not on the map');
    assert.ok(!ids.has(closed.id), 'a closed case is not on the map');
  }
  // every item is open, and one the login may read (its list agrees)
  const town1 = await srv.login('town1');
  const readable = new Map((await town1.listAll()).map((x) => [x.id, x]));
  for (const it of t1.items) {
    assert.ok(!FINAL.has(it.status), `${it.no} is ${it.status}`);
    const x = readable.get(it.id);
    assert.ok(x, `${it.no} is on town1's map but not in its list`);
    assert.ok(TOWN_A.has(x.org.code) || x.assignments.some((g) => TOWN_A.has(g.org.code) && g.status !== 'cancelled'),
      `${it.no} (${x.org.code}) is outside town1's scope`);
    assert.equal(it.status, x.status);
    assert.equal(it.status_name, x.status_name);
    assert.deepEqual(it.org, { id: x.org.id, code: x.org.code, name: x.org.name });
    assert.equal(it.overdue, x.overdue);
    assert.deepEqual([it.lat, it.lng], [x.location.lat, x.location.lng]);
  }
  // and every open case with a point in its list is on its map (the demo has fewer than 2000;
  // a dispute's location may be an address alone)
  // open: not closed in any type's final state (a grid event's 不予立案 too)
  const open = [...readable.values()].filter((x) => x.location && x.location.lat != null && !x.closed_at).map((x) => x.id).sort((p, q) => p - q);
  assert.deepEqual([...ids1].sort((p, q) => p - q), open);
  // no reporter data: no key, and none of the demo reporters' names or phones in the text
  const text = JSON.stringify(t1) + JSON.stringify(t2);
  for (const k of ['reporter', 'phone', 'description', 'address', 'location', 'fields']) assert.ok(!text.includes(`"${k}"`), k);
  const phones = (await sql("SELECT count(*) FROM cases WHERE phone_index IS NOT NULL")).trim();
  assert.ok(Number(phones) > 10);
  for (const p of ['13870741125', '15879781430', '测试人', '陈先生']) assert.ok(!text.includes(p), p);
  // dispatched to a town.a unit, a town.b case joins town1's map too (visibility, DESIGN §1)
  const disp1 = await srv.login('disp1');
  await disp1.must(b.id, 'dispatch', { orgs: ['town.b', 'village.a1'], lead: 'town.b' });
  assert.ok((await mapOf('town1')).items.some((x) => x.id === b.id), 'assigned to village.a1: on town1\'s map');
  assert.ok(!(await mapOf('grid1')).items.some((x) => x.id === b.id), 'but not on grid.a1\'s');
});

test('filters: type and status narrow the map; limit cuts it, newest first, and says so', async () => {
  const all = await mapOf('leader1');
  assert.ok(all.items.length >= 10, `${all.items.length}`);
  assert.equal(all.truncated, false);
  const ids = all.items.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((p, q) => q - p), 'newest first');
  const three = await mapOf('leader1', '?limit=3');
  assert.deepEqual(three.items.map((x) => x.id), ids.slice(0, 3));
  assert.equal(three.truncated, true);
  const exact = await mapOf('leader1', `?limit=${ids.length}`);
  assert.equal(exact.truncated, false);
  const handling = await mapOf('leader1', '?status=handling');
  assert.ok(handling.items.length > 0);
  assert.deepEqual(handling.items.map((x) => x.id), all.items.filter((x) => x.status === 'handling').map((x) => x.id));
  const hotHandling = (await mapOf('leader1', '?type=hotline&status=handling')).items.map((x) => x.id);
  assert.ok(hotHandling.length > 0 && hotHandling.length < handling.items.length, 'grid events are handled too');
  assert.ok(hotHandling.every((id) => handling.items.some((x) => x.id === id)));
  const two = await mapOf('leader1', '?status=handling,received');
  assert.deepEqual(two.items.map((x) => x.id), all.items.filter((x) => ['handling', 'received'].includes(x.status)).map((x) => x.id));
  // a final state may be asked for: the map holds no closed case, so none come
  assert.deepEqual((await mapOf('leader1', '?status=closed')).items, []);
  // type= splits the map: the hotline's cases and the grid events, newest first each
  const hot = (await mapOf('leader1', '?type=hotline')).items.map((x) => x.id);
  const grid = (await mapOf('leader1', '?type=grid_event')).items.map((x) => x.id);
  assert.ok(hot.length > 0 && grid.length > 0, `${hot.length} ${grid.length}`);
  assert.deepEqual(hot, ids.filter((id) => hot.includes(id)));
  assert.deepEqual(grid, ids.filter((id) => grid.includes(id)));
  // every type's part, together, is the whole map, each case once
  const parts = [];
  for (const t of (await (await srv.login('leader1')).get('/api/v1/types')).json.items) {
    parts.push(...(await mapOf('leader1', `?type=${t.code}`)).items.map((x) => x.id));
  }
  assert.deepEqual([...parts].sort((p, q) => q - p), ids);
});

test('a discipline inspector\'s map is a case.list event naming the cases shown', async () => {
  const before = Number(await sql("SELECT count(*) FROM events WHERE action = 'case.list'"));
  const m = await mapOf('jw1', '?limit=4');
  assert.equal(m.items.length, 4);
  const ev = (await sql("SELECT payload FROM events WHERE action = 'case.list' ORDER BY seq DESC LIMIT 1"));
  assert.equal(Number(await sql("SELECT count(*) FROM events WHERE action = 'case.list'")), before + 1);
  assert.deepEqual(JSON.parse(ev), { cases: m.items.map((x) => x.id), query: { limit: '4' }, view: 'map' });
  // nobody else's map is recorded
  await mapOf('leader1');
  assert.equal(Number(await sql("SELECT count(*) FROM events WHERE action = 'case.list'")), before + 1);
});

// -------------------------------------------------------------- happy paths

test('regions: the county, town.a and town.b with their villages and grids, valid closed rings, holding their cases', async () => {
  const c = await srv.login('leader1');
  const r = await c.get('/api/v1/geo/regions');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.type, 'FeatureCollection');
  assert.deepEqual(Object.keys(r.json).sort(), ['features', 'type']);
  const byCode = new Map();
  for (const f of r.json.features) {
    assert.deepEqual(Object.keys(f).sort(), ['geometry', 'id', 'properties', 'type']);
    assert.equal(f.type, 'Feature');
    assert.deepEqual(Object.keys(f.properties).sort(), ['code', 'id', 'kind', 'name', 'parent']);
    assert.equal(f.id, f.properties.id);
    assert.ok(['Polygon', 'MultiPolygon'].includes(f.geometry.type));
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    let points = 0;
    for (const rings of polys) {
      for (const ring of rings) {
        assert.ok(ring.length >= 4, `${f.properties.code}: a ring of ${ring.length}`);
        assert.deepEqual(ring.at(-1), ring[0], `${f.properties.code}: the ring is closed`);
        for (const [lng, lat] of ring) {
          assert.ok(lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90);
          // the demo county lies in 赣州 (southern Jiangxi)
          assert.ok(lng > 114.7 && lng < 115.1 && lat > 25.6 && lat < 25.9, `${f.properties.code}: ${lng},${lat}`);
        }
        points += ring.length;
      }
    }
    assert.ok(points <= 2000);
    byCode.set(f.properties.code, f);
  }
  const codes = [...byCode.keys()].sort();
  assert.deepEqual(codes, ['county', 'grid.a1', 'grid.a2', 'grid.a3', 'grid.a4', 'grid.a5', 'grid.b1', 'grid.b2', 'grid.b3',
    'town.a', 'town.b', 'village.a1', 'village.a2', 'village.a3', 'village.b1', 'village.b2']);
  assert.equal(byCode.get('town.a').properties.name, '濂江镇');
  assert.equal(byCode.get('town.a').properties.kind, 'township');
  assert.equal(byCode.get('town.b').properties.name, '长岭乡');
  assert.equal(byCode.get('county').properties.parent, null);
  assert.equal(byCode.get('town.a').properties.parent, byCode.get('county').id);
  assert.equal(byCode.get('grid.a1').properties.parent, byCode.get('village.a1').id);
  // every open located case on the leader's map lies inside its township
  const m = await mapOf('leader1');
  for (const it of m.items) {
    const town = TOWN_A.has(it.org.code) ? 'town.a' : TOWN_B.has(it.org.code) ? 'town.b' : null;
    if (!town) continue;
    assert.ok(contains(byCode.get(town).geometry, it.lng, it.lat), `${it.no} (${it.lat}, ${it.lng}) outside ${town}`);
    const other = town === 'town.a' ? 'town.b' : 'town.a';
    assert.ok(!contains(byCode.get(other).geometry, it.lng, it.lat));
  }
});

test('regions: a township sees its own subtree only; cacheable with an ETag, 304 when unchanged', async () => {
  const town1 = await srv.login('town1');
  const r = await town1.get('/api/v1/geo/regions');
  assert.equal(r.status, 200, r.text);
  const codes = r.json.features.map((f) => f.properties.code);
  assert.ok(codes.includes('town.a') && codes.includes('grid.a5'));
  for (const code of codes) assert.ok(TOWN_A.has(code), `town1 sees ${code}`);
  assert.ok(!codes.includes('county') && !codes.includes('town.b'));
  const town2 = await srv.login('town2');
  const codes2 = (await town2.get('/api/v1/geo/regions')).json.features.map((f) => f.properties.code).sort();
  // regions are the orgs with a boundary: never an enterprise (a point)
  assert.deepEqual(codes2, [...TOWN_B].filter((c) => !c.startsWith('ent.')).sort());
  // the regions match GET /api/v1/orgs: never an org the caller cannot open there
  for (const f of r.json.features) assert.equal((await town1.get(`/api/v1/orgs/${f.id}`)).status, 200);
  // caching: private (it depends on who asks), an ETag, 304 without a body when it matches
  assert.equal(r.headers.get('cache-control'), 'private, max-age=300');
  assert.match(r.headers.get('vary') || '', /Authorization/);
  const etag = r.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  const again = await town1.get('/api/v1/geo/regions', { 'If-None-Match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  assert.equal(again.headers.get('content-type'), null, 'a 304 has no body to type');
  assert.equal((await town1.get('/api/v1/geo/regions', { 'If-None-Match': `W/${etag}` })).status, 304);
  assert.equal((await town1.get('/api/v1/geo/regions', { 'If-None-Match': `"x", ${etag}` })).status, 304);
  const other = await town1.get('/api/v1/geo/regions', { 'If-None-Match': '"0123"' });
  assert.equal(other.status, 200);
  // another township's tag is another answer
  const t2 = await town2.get('/api/v1/geo/regions', { 'If-None-Match': etag });
  assert.equal(t2.status, 200);
  assert.notEqual(t2.headers.get('etag'), etag);
  // other answers stay uncacheable
  assert.equal((await town1.get('/api/v1/geo/cases')).headers.get('cache-control'), 'no-store');
  assert.equal((await town1.get('/api/v1/orgs')).headers.get('cache-control'), 'no-store');
});
