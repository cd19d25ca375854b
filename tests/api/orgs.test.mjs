// The org tree for the UI's pickers: every org item says whether it has
// children the caller may see (`has_children`), and
// GET /api/v1/orgs?q=&kinds=&limit=&cursor= searches the orgs the caller may
// see by name or code, each with its `path` (the names from the topmost org
// the caller may see down to the org). Unhappy paths first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sqlText, BACKEND } from './helpers.mjs';

const srv = await startServer();
const enc = encodeURIComponent;

/** Every page of a search, following next_cursor. */
async function searchAll(c, query) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const r = await c.get(`/api/v1/orgs?${query}&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('the search never ended');
}

const sql = (q) => sqlText(srv.db, q);

// the enterprises the demo registers in town.a (config/demo/more/enterprise.json, issue 13)
const TOWN_A_ENTERPRISES = ['ent.demo1', 'ent.demo4', 'ent.demo5', 'ent.demo6', 'ent.demo8', 'ent.demo9',
  'ent.demo11', 'ent.demo13'];

test('search: bad kinds, limit, cursor, q and parent together → 400 naming the parameter', async () => {
  const admin = await srv.login('admin');
  for (const k of ['planet', 'department,planet', 'department,', ',department', 'Department', 'x'.repeat(300),
    'department;township', '%', 'department,,township']) {
    assertError(await admin.get(`/api/v1/orgs?kinds=${enc(k)}`), 400, 'field.invalid', 'kinds');
  }
  assertError(await admin.get(`/api/v1/orgs?kinds=${enc(Array(17).fill('grid').join(','))}`), 400, 'field.invalid', 'kinds');
  for (const l of ['0', '201', '-1', 'abc', '', '1e2']) {
    assertError(await admin.get(`/api/v1/orgs?q=x&limit=${l}`), 400, 'field.invalid', 'limit');
  }
  for (const c of ['0', '-5', 'abc', '', '99999999999999999999999']) {
    assertError(await admin.get(`/api/v1/orgs?q=x&cursor=${enc(c)}`), 400, 'field.invalid', 'cursor');
  }
  assertError(await admin.get('/api/v1/orgs?q=x&parent=1'), 400, 'field.invalid', 'parent');
  assertError(await admin.get('/api/v1/orgs?kinds=grid&parent=1'), 400, 'field.invalid', 'parent');
  // signed out: 401
  assertError(await srv.raw('GET', '/api/v1/orgs?q=濂江'), 401);
});

test('search: hostile q is matched literally or refused, never a 500', async () => {
  const admin = await srv.login('admin');
  assertError(await admin.get(`/api/v1/orgs?q=${'a'.repeat(201)}`), 400, 'field.too_long', 'q');
  assertError(await admin.get(`/api/v1/orgs?q=${enc('中'.repeat(67))}`), 400, 'field.too_long', 'q'); // 201 bytes
  assertError(await admin.get(`/api/v1/orgs?q=${enc('濂江\u0007')}`), 400, 'field.invalid', 'q');
  assertError(await admin.get(`/api/v1/orgs?q=${enc('濂江\n')}`), 400, 'field.invalid', 'q');
  assertError(await admin.get('/api/v1/orgs?q=%ff%fe'), 400, 'request.bad_encoding');
  assertError(await admin.get('/api/v1/orgs?q=%ed%a0%80'), 400, 'request.bad_encoding');
  assertError(await admin.get('/api/v1/orgs?q=a%00b'), 400, 'request.bad_encoding');
  // LIKE's wildcards and SQL are text like any other: nothing has them in its name or code
  for (const q of ['%', '_', '\\', '%%', '%_%', "' OR 1=1 --", '"); DROP TABLE orgs; --', '*', '[a-z]', 'dept\\.cg']) {
    const r = await admin.get(`/api/v1/orgs?q=${enc(q)}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.deepEqual(r.json.items, [], `${q} matches literally`);
    assert.equal(r.json.next_cursor, null);
  }
  // 200 bytes is the most
  const r = await admin.get(`/api/v1/orgs?q=${'a'.repeat(200)}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items, []);
  const tables = BACKEND === 'postgres' ? "pg_tables WHERE schemaname = 'public' AND tablename = 'orgs'" : "sqlite_master WHERE name = 'orgs'";
  assert.equal(await sql(`SELECT count(*) FROM ${tables}`), '1', 'orgs is still there');
});

test('search is scoped: town1 never sees town.b orgs (nor the county, nor departments)', async () => {
  const town1 = await srv.login('town1');
  for (const q of ['长岭', '上坪', 'town.b', 'village.b', 'grid.b', '濂江县', 'dept', '网格', '']) {
    const items = await searchAll(town1, `q=${enc(q)}`);
    for (const o of items) {
      assert.ok(['town.a', 'village.a1', 'village.a2', 'village.a3', 'grid.a1', 'grid.a2', 'grid.a3', 'grid.a4',
        'grid.a5', ...TOWN_A_ENTERPRISES].includes(o.code), `town1 sees ${o.code} for q=${q}`);
    }
    if (['长岭', '上坪', 'town.b', 'village.b', 'grid.b', 'dept'].includes(q)) assert.deepEqual(items, [], q);
  }
  // 濂江县 names the county and most departments; town1 finds only the enterprises in its township
  const named = (await searchAll(town1, `q=${enc('濂江县')}`)).map((o) => [o.code, o.path]);
  assert.deepEqual(named[0], ['ent.demo1', '濂江镇 / 濂江县鑫盛脐橙食品有限公司']);
  assert.ok(named.every(([code, path]) => TOWN_A_ENTERPRISES.includes(code) && path.startsWith('濂江镇 / 濂江县')), JSON.stringify(named));
  const all = await searchAll(town1, 'q=');
  assert.equal(all.length, 10 + TOWN_A_ENTERPRISES.length - 1, 'town.a, the nine orgs below it and its registered enterprises');
  // the path starts at the top org town1 may see
  const v = all.find((o) => o.code === 'village.a1');
  assert.equal(v.path, '濂江镇 / 东门社区居民委员会');
  assert.equal(all.find((o) => o.code === 'town.a').path, '濂江镇');
  assert.equal(all.find((o) => o.code === 'grid.a1').path, '濂江镇 / 东门社区居民委员会 / 东门社区第一网格');
  // and kinds narrow it down
  const grids = await searchAll(town1, 'kinds=grid');
  assert.deepEqual(grids.map((o) => o.code).sort(), ['grid.a1', 'grid.a2', 'grid.a3', 'grid.a4', 'grid.a5']);
  // town2 sees its own township only
  const town2 = await srv.login('town2');
  const b = await searchAll(town2, `q=${enc('村')}`);
  assert.ok(b.length > 0);
  for (const o of b) assert.match(o.code, /\.b\d*$/, `town2 sees ${o.code}`);
});

test('search: by name or code, kinds, the item shape, paging without gap or overlap', async () => {
  const admin = await srv.login('admin');
  // by code, case-insensitively, and by name
  let r = await admin.get('/api/v1/orgs?q=DEPT.CG');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((o) => o.code), ['dept.cg']);
  const cg = r.json.items[0];
  assert.deepEqual(Object.keys(cg).sort(), ['code', 'has_children', 'id', 'kind', 'name', 'parent', 'path', 'settings']);
  assert.equal(cg.name, '濂江县城市管理局');
  assert.equal(cg.kind, 'department');
  assert.equal(cg.has_children, false);
  assert.equal(cg.path, '赣州市濂江县 / 濂江县城市管理局');
  r = await admin.get(`/api/v1/orgs?q=${enc('东门社区')}`);
  assert.deepEqual(r.json.items.map((o) => o.code), ['village.a1', 'grid.a1', 'grid.a2']);
  const v = r.json.items[0];
  assert.equal(v.has_children, true);
  assert.equal(v.region_code, '360727100001');
  assert.equal(v.path, '赣州市濂江县 / 濂江镇 / 东门社区居民委员会');
  // kinds: department and township, with q
  const dt = await searchAll(admin, `q=${enc('濂江')}&kinds=department,township`);
  assert.ok(dt.some((o) => o.code === 'town.a') && dt.some((o) => o.code === 'dept.cg'));
  for (const o of dt) assert.ok(['department', 'township'].includes(o.kind), o.code);
  assert.ok(!dt.some((o) => o.kind === 'county'));
  // kinds alone: every township the admin manages (both demo counties); `q=` empty is no text filter
  // (park: the industrial park of the whistle's demo, config/demo/more/whistle.json)
  assert.deepEqual((await searchAll(admin, 'kinds=township')).map((o) => o.code), ['town.a', 'town.b', 'town.x', 'park']);
  assert.deepEqual((await searchAll(admin, 'q=&kinds=township')).map((o) => o.code), ['town.a', 'town.b', 'town.x', 'park']);
  // a county's own admin would not see the other county's: leader1 reads its county only
  assert.deepEqual((await searchAll(await srv.login('leader1'), 'kinds=township')).map((o) => o.code), ['town.a', 'town.b', 'park']);
  // paging: pages of 5 in id order, the whole county, none twice, none missing
  const all = await searchAll(admin, 'q=');
  const total = Number(await sql('SELECT count(*) FROM orgs'));
  assert.equal(all.length, total);
  const ids = all.map((o) => o.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  assert.equal(new Set(ids).size, ids.length);
  const p1 = await admin.get('/api/v1/orgs?q=&limit=5');
  assert.equal(p1.json.items.length, 5);
  assert.equal(p1.json.next_cursor, String(p1.json.items[4].id));
  const p2 = await admin.get(`/api/v1/orgs?q=&limit=5&cursor=${p1.json.next_cursor}`);
  assert.equal(p2.json.items[0].id, all[5].id);
  // the last page says so
  const last = await admin.get(`/api/v1/orgs?q=&limit=200`);
  assert.equal(last.json.items.length, total);
  assert.equal(last.json.next_cursor, null);
});

test('search: accounts without org.read find their own org only', async () => {
  const ent1 = await srv.login('ent1');
  const all = await searchAll(ent1, 'q=');
  assert.deepEqual(all.map((o) => [o.code, o.path, o.has_children]), [['ent.demo1', '濂江县鑫盛脐橙食品有限公司', false]]);
  assert.deepEqual(await searchAll(ent1, `q=${enc('濂江镇')}`), []);
});

test('has_children: on the top orgs, children and one org; an EXISTS on the parent index', async () => {
  const admin = await srv.login('admin');
  const top = await admin.get('/api/v1/orgs');
  assert.equal(top.status, 200, top.text);
  const county = top.json.items.find((o) => o.code === 'county');
  assert.equal(county.has_children, true);
  const kids = await admin.get(`/api/v1/orgs?parent=${county.id}`);
  const byCode = Object.fromEntries(kids.json.items.map((o) => [o.code, o]));
  assert.equal(byCode['town.a'].has_children, true);
  assert.equal(byCode['dept.cg'].has_children, false);
  assert.equal(byCode['county.12345'].has_children, false);
  const grids = await admin.get(`/api/v1/orgs?parent=${(await admin.get(`/api/v1/orgs?q=village.a1`)).json.items[0].id}`);
  for (const g of grids.json.items) assert.equal(g.has_children, false, g.code);
  const one = await admin.get(`/api/v1/orgs/${byCode['town.a'].id}`);
  assert.equal(one.json.has_children, true);
  assert.ok(!('path' in one.json), 'only the search adds path');
  // ent1 sees its own org, whatever lies below it
  const ent1 = await srv.login('ent1');
  const own = await ent1.get('/api/v1/orgs');
  assert.deepEqual(own.json.items.map((o) => [o.code, o.has_children]), [['ent.demo1', false]]);
  // town1: its township has children; a grid does not
  const town1 = await srv.login('town1');
  const t = await town1.get('/api/v1/orgs');
  assert.deepEqual(t.json.items.map((o) => [o.code, o.has_children]), [['town.a', true]]);
  // the EXISTS is answered from the index, never by scanning orgs (on
  // PostgreSQL with scans priced out: its planner prices a scan of a table
  // this small below any index)
  const [explain, scan] = BACKEND === 'postgres'
    ? ['SET enable_seqscan = off; SET enable_bitmapscan = off; EXPLAIN (COSTS OFF)', /Seq Scan on orgs ch/]
    : ['EXPLAIN QUERY PLAN', /SCAN ch\b/];
  const plan = await sql(`${explain} SELECT EXISTS (SELECT 1 FROM orgs ch WHERE ch.parent_id = 1)`);
  assert.match(plan, /orgs_parent/, plan);
  assert.doesNotMatch(plan, scan, plan);
});

test('partners=1: a mediator finds the other region of a joint mediation, anywhere; nobody else may', async () => {
  const medb = await srv.login('medb');
  // its own search sees its township only
  assert.deepEqual((await medb.get(`/api/v1/orgs?q=${enc('界首')}`)).json.items, []);
  const r = await medb.get(`/api/v1/orgs?q=${enc('界首')}&kinds=township,village&partners=1`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((o) => [o.code, o.path]), [
    ['town.x', '郴州市湘岭县 / 湘岭县界首镇'],
    ['village.x1', '郴州市湘岭县 / 湘岭县界首镇 / 界首镇白竹村村民委员会']]);
  // kinds still filter; q matches codes too
  assert.deepEqual((await medb.get('/api/v1/orgs?q=town.&kinds=township&partners=1')).json.items.map((o) => o.code),
    ['town.a', 'town.b', 'town.x']);
  for (const who of ['leader1', 'town1', 'grid1', 'op1']) {
    assertError(await (await srv.login(who)).get('/api/v1/orgs?q=town&partners=1'), 403, 'permission.denied', 'partners');
  }
  // partners=0 is the ordinary search
  assert.deepEqual((await medb.get(`/api/v1/orgs?q=${enc('界首')}&partners=0`)).json.items, []);
  for (const bad of ['2', '-1', 'x', '1.0', '%ff']) {
    const res = await medb.get(`/api/v1/orgs?q=a&partners=${bad}`);
    assert.equal(res.status, 400, `${bad}: ${res.text}`);
  }
  assertError(await medb.get('/api/v1/orgs?parent=1&partners=1'), 400, 'field.invalid', 'parent');
});
