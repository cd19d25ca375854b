// The enterprise registry and the 约谈 records (issue 13, docs/enterprise.md)
// through the API, on the demo county (15 registered enterprises, ent1 at
// ent.demo1 in 濂江镇, ent2 at ent.demo2 in 长岭乡) with the test type
// `talk` (tests/data/types/talk.json: an inspector's case on an enterprise
// whose action records a 约谈 with the effect record_interview):
//   a  who sees what: the org tree alone — an enterprise account its own
//      enterprise and nothing of another's (404, not its cases either), a
//      township its own enterprises, inspectors and 纪委 the county; lists
//      never carry contacts;
//   b  contacts on the detail: masked without pii.read, in full with it (a
//      pii.view on the chain), in full for the enterprise's own account;
//   c  registering: the credit code check names what is wrong, hostile and
//      unknown values are 400 naming the field, no permission is 403, and
//      a refusal writes nothing; the township comes from the point;
//   d  changing: a stale version is 409, a risk level change is an event,
//      nothing changed writes nothing;
//   e  the CSV import: created and updated by credit code, the same file
//      again changes nothing, any bad row refuses the whole file listing
//      every bad row by line and column;
//   f  约谈 records: written by a case action in its own transaction,
//      listed by org and case to those who see the org.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, assertError, makeConfig, sqlText, REPO, BACKEND } from './helpers.mjs';

const config = await makeConfig([path.join(REPO, 'tests', 'data', 'types', 'talk.json')]);
const srv = await startServer({ env: { CIVICLOOP_CONFIG: config } });

const CODE_NEW = '91360727MA4A1B2CX7';
const CODE_CSV1 = '91360727MA4D3E4F9L';
const CODE_CSV2 = '91360727MA4G5H6J6N';

async function all(c, query = '') {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const r = await c.get(`/api/v1/enterprises?limit=5${query}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('the list never ended');
}

const byCode = async (code) => (await all(await srv.login('insp1'))).find((e) => e.code === code);
const countRows = async () => Number(await sqlText(srv.db, 'SELECT count(*) FROM enterprises'));
const countEvents = async (action) =>
  Number(await sqlText(srv.db, `SELECT count(*) FROM events WHERE action = '${action}'`));

const csvPost = (c, text, type = 'text/csv; charset=utf-8') =>
  srv.raw('POST', '/api/v1/enterprises/import', { headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': type }, body: text });

let ent1Id;
let ent2Id;

test('a: an enterprise account sees its own enterprise only; a township its own; the county all', async () => {
  const insp1 = await srv.login('insp1');
  const everyone = await all(insp1);
  assert.equal(everyone.length, 15);
  assert.deepEqual(new Set(everyone.map((e) => e.industry)).size, 11, 'all 11 industries');
  assert.deepEqual([...new Set(everyone.map((e) => e.risk_level))].sort(), ['橙', '红', '蓝', '黄'].sort());
  for (const e of everyone) assert.equal(e.contacts, undefined, 'no contacts in a list');
  ent1Id = everyone.find((e) => e.code === 'ent.demo1').id;
  ent2Id = everyone.find((e) => e.code === 'ent.demo2').id;
  const e1 = everyone.find((e) => e.code === 'ent.demo1');
  assert.equal(e1.township.code, 'town.a');
  assert.equal(e1.grid.code, 'grid.a4', 'placed in the grid its point lies in');
  assert.equal(e1.industry, '工贸');

  const ent1 = await srv.login('ent1');
  const own = await all(ent1);
  assert.deepEqual(own.map((e) => e.code), ['ent.demo1']);
  assertError(await ent1.get(`/api/v1/enterprises/${ent2Id}`), 404, 'not_found');
  const ent2 = await srv.login('ent2');
  assert.deepEqual((await all(ent2)).map((e) => e.code), ['ent.demo2']);
  assertError(await ent2.get(`/api/v1/enterprises/${ent1Id}`), 404, 'not_found');

  const town1 = await srv.login('town1');
  const a = await all(town1);
  assert.ok(a.length >= 5 && a.every((e) => e.township.code === 'town.a'), JSON.stringify(a.map((e) => e.code)));
  assert.equal((await town1.get(`/api/v1/enterprises/${ent1Id}`)).status, 200);
  assertError(await town1.get(`/api/v1/enterprises/${ent2Id}`), 404, 'not_found');
  const town2 = await srv.login('town2');
  assert.ok((await all(town2)).every((e) => e.township.code === 'town.b'));

  const jw1 = await srv.login('jw1');
  assert.equal((await all(jw1)).length, 15);
});

test('a: the list filters by industry, risk level, township and name or code; hostile filters are 400', async () => {
  const insp1 = await srv.login('insp1');
  const meta = (await insp1.get('/api/v1/enterprises/meta')).json;
  assert.equal(meta.industries.length, 11);
  assert.deepEqual(meta.risk_levels.map((r) => r.code), ['红', '橙', '黄', '蓝']);
  assert.equal(meta.can_manage, true);
  const townB = meta.townships.find((t) => t.code === 'town.b');
  assert.ok(townB);
  const chem = await all(insp1, `&industry=${encodeURIComponent('危险化学品')}`);
  assert.deepEqual(chem.map((e) => e.code).sort(), ['ent.demo14', 'ent.demo2']);
  const red = await all(insp1, `&risk_level=${encodeURIComponent('红')}`);
  assert.ok(red.length === 3 && red.every((e) => e.risk_level === '红'));
  const inB = await all(insp1, `&township=${townB.id}`);
  assert.ok(inB.length >= 6 && inB.every((e) => e.township.code === 'town.b'));
  const named = await all(insp1, `&q=${encodeURIComponent('煤矿')}`);
  assert.deepEqual(named.map((e) => e.code), ['ent.demo3']);
  const e1 = await byCode('ent.demo1');
  assert.deepEqual((await all(insp1, `&q=${e1.credit_code.slice(8, 14)}`)).map((e) => e.code), ['ent.demo1']);
  assert.deepEqual(await all(insp1, `&q=${encodeURIComponent('%')}`), [], 'q is literal');
  assertError(await insp1.get(`/api/v1/enterprises?industry=${encodeURIComponent('钢铁')}`), 400, 'field.invalid', 'industry');
  assertError(await insp1.get(`/api/v1/enterprises?risk_level=${encodeURIComponent('紫')}`), 400, 'field.invalid', 'risk_level');
  assertError(await insp1.get('/api/v1/enterprises?limit=0'), 400, undefined, 'limit');
  assertError(await insp1.get(`/api/v1/enterprises?q=${'中'.repeat(65)}`), 400, 'field.invalid', 'q');
  const ent1 = await srv.login('ent1');
  const m1 = (await ent1.get('/api/v1/enterprises/meta')).json;
  assert.equal(m1.can_manage, false);
});

test('b: contacts are masked without pii.read, shown and recorded with it, and an enterprise sees its own', async () => {
  const insp1 = await srv.login('insp1');
  const masked = (await insp1.get(`/api/v1/enterprises/${ent1Id}`)).json.enterprise;
  assert.equal(masked.contacts_masked, true);
  assert.equal(masked.contacts.legal_rep.name, '李**');
  assert.equal(masked.contacts.legal_rep.phone, '181****0483');
  assert.equal(masked.can_edit, true);

  const views = await countEvents('pii.view');
  const jw1 = await srv.login('jw1');
  const full = (await jw1.get(`/api/v1/enterprises/${ent1Id}`)).json.enterprise;
  assert.equal(full.contacts_masked, false);
  assert.deepEqual(full.contacts.legal_rep, { name: '李俊峰', phone: '18179720483' });
  assert.equal(full.can_edit, false);
  assert.equal(await countEvents('pii.view'), views + 1, 'the view is on the chain');
  // 纪委's reads are recorded (auth.h actor_reads_recorded): the detail and the lists
  assert.equal(await countEvents('enterprise.read'), 1);
  const lists = await countEvents('enterprise.list');
  await jw1.get(`/api/v1/enterprises?risk_level=${encodeURIComponent('红')}&limit=2`);
  assert.equal(await countEvents('enterprise.list'), lists + 1);
  const listed = JSON.parse(await sqlText(srv.db, "SELECT payload FROM events WHERE action = 'enterprise.list' ORDER BY seq DESC LIMIT 1"));
  assert.equal(listed.enterprises.length, 2);
  assert.deepEqual(listed.query, { risk_level: '红' });
  await jw1.get('/api/v1/interviews');
  assert.equal(await countEvents('interview.list'), 1);
  await insp1.get('/api/v1/enterprises');
  await insp1.get('/api/v1/interviews');
  assert.equal(await countEvents('enterprise.list'), lists + 1, 'an inspector\'s reads are not recorded');
  assert.equal(await countEvents('interview.list'), 1);
  assert.equal(await sqlText(srv.db, "SELECT payload FROM events WHERE action = 'pii.view' ORDER BY seq DESC LIMIT 1"),
    `{"enterprise":${ent1Id}}`);

  const ent1 = await srv.login('ent1');
  const mine = (await ent1.get(`/api/v1/enterprises/${ent1Id}`)).json.enterprise;
  assert.equal(mine.contacts_masked, false);
  assert.equal(mine.contacts.safety_officer.name, '陈国强');
  assert.equal(await countEvents('pii.view'), views + 1, 'its own contacts: not a pii.view');
  // never in the clear on disk: no row's sealed contacts hold the phone's bytes
  const holdsPhone = BACKEND === 'postgres'
    ? "position(convert_to('1817972', 'UTF8') in contacts_enc) > 0"
    : "CAST(contacts_enc AS TEXT) LIKE '%1817972%'";
  assert.ok(Number(await sqlText(srv.db, 'SELECT count(*) FROM enterprises WHERE contacts_enc IS NOT NULL')) > 0, 'the contacts are stored, sealed');
  assert.equal(await sqlText(srv.db, `SELECT count(*) FROM enterprises WHERE ${holdsPhone}`), '0');
});

test('c: registering an enterprise: hostile values are 400 naming the field and write nothing', async () => {
  const insp1 = await srv.login('insp1');
  const body = {
    name: '濂江县测试新材料有限公司', credit_code: CODE_NEW, industry: '工贸', risk_level: '黄',
    location: { lng: 114.884, lat: 25.785, address: '濂江镇东门社区建设路 1 号' },
    contacts: { legal_rep: { name: '王测试', phone: '13800138000' } },
  };
  const rows = await countRows();
  const bad = async (patch, field, re, status = 400) => {
    const r = await insp1.post('/api/v1/enterprises', { ...body, ...patch });
    assertError(r, status, undefined, field);
    if (re) assert.match(r.json.error.message, re);
  };
  await bad({ credit_code: CODE_NEW + '9' }, 'credit_code', /长度应为 18 位/);
  await bad({ credit_code: CODE_NEW.slice(0, 17) }, 'credit_code', /长度应为 18 位/);
  await bad({ credit_code: 'O' + CODE_NEW.slice(1) }, 'credit_code', /第 1 位“O”是非法字符/);
  await bad({ credit_code: CODE_NEW.slice(0, 17) + '8' }, 'credit_code', /校验位应为 7/);
  await bad({ credit_code: 91360727 }, 'credit_code', /字符串/);
  await bad({ industry: '钢铁' }, 'industry', /行业类别/);
  await bad({ risk_level: '紫' }, 'risk_level', /风险等级/);
  await bad({ location: { lng: 181, lat: 25.7 } }, 'location', /经纬度/);
  await bad({ location: { lng: 114.9, lat: 91 } }, 'location', /经纬度/);
  await bad({ location: { lng: 110.0, lat: 30.0 } }, 'township', /不在任何乡镇/);
  await bad({ location: { address: '无坐标' } }, 'township', /请选择所属乡镇/);
  await bad({ township: 'dept.yj' }, 'township', /乡镇/);
  await bad({ name: '' }, 'name');
  await bad({ name: '中'.repeat(101) }, 'name', /100/);
  await bad({ name: 'a\u0001b' }, 'name');
  await bad({ contacts: { legal_rep: { name: '王测试', phone: '138-0013' } } }, 'contacts.legal_rep.phone');
  await bad({ contacts: { boss: { name: '王' } } }, 'contacts');
  await bad({ colour: 'red' }, 'colour');
  await bad({ name: undefined }, 'name');
  // invalid UTF-8 in the name: the raw body
  const raw = Buffer.concat([Buffer.from('{"name":"濂江'), Buffer.from([0xe6, 0xb5]), Buffer.from(`","credit_code":"${CODE_NEW}","industry":"工贸","risk_level":"黄","township":"town.a"}`)]);
  const r = await srv.raw('POST', '/api/v1/enterprises', { headers: { Authorization: `Bearer ${insp1.token}`, 'Content-Type': 'application/json' }, body: raw });
  assert.equal(r.status, 400, r.text);
  // no enterprise.manage: 403
  assertError(await (await srv.login('town1')).post('/api/v1/enterprises', body), 403, 'permission.denied');
  assertError(await (await srv.login('ent1')).post('/api/v1/enterprises', body), 403, 'permission.denied');
  assert.equal(await countRows(), rows, 'nothing written');

  const ok = await insp1.post('/api/v1/enterprises', body);
  assert.equal(ok.status, 201, ok.text);
  const e = ok.json.enterprise;
  assert.equal(e.township.code, 'town.a', 'the township from the point');
  assert.equal(e.grid.code, 'grid.a2');
  assert.equal(e.code, `ent.${CODE_NEW.toLowerCase()}`);
  assert.equal(e.version, 1);
  assert.equal(await countRows(), rows + 1);
  // the org is an enterprise under its township
  const org = (await insp1.get(`/api/v1/orgs/${e.id}`)).json;
  assert.equal(JSON.stringify(org).includes('enterprise'), true, JSON.stringify(org));
  // the same code again: 409
  assertError(await insp1.post('/api/v1/enterprises', { ...body, name: '另一家' }), 409, 'conflict', 'credit_code');
  assert.equal(await countRows(), rows + 1);
  // a lower-case code is the same code
  assertError(await insp1.post('/api/v1/enterprises', { ...body, credit_code: CODE_NEW.toLowerCase() }), 409, 'conflict', 'credit_code');
  // its own account, made with the user routes, sees it and its own contacts, nothing else
  const admin = await srv.login('admin');
  const u = await admin.post('/api/v1/users', { login: 'ent9', name: '王测试', org: e.code, roles: ['enterprise'], password: 'Qiye#2024abc' });
  assert.equal(u.status, 201, u.text);
  const li = await srv.loginRaw('ent9', 'Qiye#2024abc');
  assert.equal(li.status, 200, li.text);
  const ent9 = srv.client(li.json.token);
  assert.deepEqual((await all(ent9)).map((x) => x.code), [e.code]);
  const own = (await ent9.get(`/api/v1/enterprises/${e.id}`)).json.enterprise;
  assert.deepEqual(own.contacts.legal_rep, { name: '王测试', phone: '13800138000' });
  assertError(await ent9.get(`/api/v1/enterprises/${ent1Id}`), 404, 'not_found');
});

test('d: changing an enterprise: version, 409 when stale, the risk level on the chain, no-op writes nothing', async () => {
  const insp1 = await srv.login('insp1');
  const e = await byCode(`ent.${CODE_NEW.toLowerCase()}`);
  assertError(await insp1.req('PATCH', `/api/v1/enterprises/${e.id}`, { risk_level: '红' }), 400, 'field.required', 'version');
  const risks = await countEvents('enterprise.risk');
  const r = await insp1.req('PATCH', `/api/v1/enterprises/${e.id}`, { risk_level: '红', version: 1 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.changed, true);
  assert.equal(r.json.enterprise.risk_level, '红');
  assert.equal(r.json.enterprise.version, 2);
  assert.equal(await countEvents('enterprise.risk'), risks + 1);
  assert.equal(await sqlText(srv.db, "SELECT from_status || '→' || to_status FROM events WHERE action = 'enterprise.risk' ORDER BY seq DESC LIMIT 1"), '黄→红');
  // the same version again: stale
  assertError(await insp1.req('PATCH', `/api/v1/enterprises/${e.id}`, { risk_level: '蓝', version: 1 }), 409, 'case.version_conflict', 'version');
  // nothing changed: nothing written, the version stays
  const updates = await countEvents('enterprise.update');
  const same = await insp1.req('PATCH', `/api/v1/enterprises/${e.id}`, { risk_level: '红', version: 2 });
  assert.equal(same.status, 200, same.text);
  assert.equal(same.json.changed, false);
  assert.equal(same.json.enterprise.version, 2);
  assert.equal(await countEvents('enterprise.update'), updates);
  // a hazard of this enterprise, confirmed: the enterprise owns the case
  // and holds its part, both under 城关镇 (town.a) until the move below
  const hz = (await insp1.create({
    type: 'hazard', title: '仓库灭火器过期未更换', description: '仓库灭火器过期未更换，需整改。', org: e.code,
    fields: { source: '部门检查', category: '工贸', place: '仓库' },
  })).case;
  const hzFixing = await insp1.must(hz.id, 'hz_confirm', { level: '一般', opinion: '属一般隐患，限期整改' });
  assert.equal(hzFixing.status, 'hz_fixing');
  const orgId = async (code) => Number(await sqlText(srv.db, `SELECT id FROM orgs WHERE code = '${code}'`));
  const [townA, townB] = [await orgId('town.a'), await orgId('town.b')];
  const scopeOf = async (t) => Number(await sqlText(srv.db, `SELECT count(*) FROM case_scope WHERE case_id = ${hz.id} AND org_id = ${t}`));
  const dueOf = async (t) => Number(await sqlText(srv.db, `SELECT count(*) FROM part_due WHERE case_id = ${hz.id} AND org_id = ${t}`));
  assert.deepEqual([await scopeOf(townA), await scopeOf(townB), (await dueOf(townA)) > 0, await dueOf(townB)], [1, 0, true, 0]);
  // a move to another township by naming it; the org follows
  const moved = await insp1.req('PATCH', `/api/v1/enterprises/${e.id}`, { township: 'town.b', location: { address: '长岭乡长岭村' }, version: 2 });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.enterprise.township.code, 'town.b');
  assert.equal(moved.json.enterprise.grid, null);
  // ... and so do its case's visibility rows and its part's inbox rows:
  // 长岭乡 (town.b) sees the case, 城关镇 no longer; each table equals what
  // its rebuild would write from the new paths (docs/lists.md "When an org moves")
  assert.deepEqual([await scopeOf(townA), await scopeOf(townB), await dueOf(townA), (await dueOf(townB)) > 0], [0, 1, 0, true]);
  // the ids on an org's path ("/1/4/17/": the org and its ancestors) as
  // rows j(value), as the migrations' triggers read them on each engine
  const pathIds = BACKEND === 'postgres'
    ? "unnest(string_to_array(btrim(o.path, '/'), '/')::bigint[]) j(value)"
    : "json_each('[' || replace(trim(o.path, '/'), '/', ',') || ']') j";
  const rebuiltScope = `SELECT DISTINCT j.value FROM cases c JOIN orgs o ON o.id = c.org_id, ${pathIds} WHERE c.id = ${hz.id}
    UNION SELECT j.value FROM assignments a JOIN orgs o ON o.id = a.org_id, ${pathIds}
    WHERE a.case_id = ${hz.id} AND a.status <> 'cancelled'`;
  assert.equal(await sqlText(srv.db, `SELECT org_id FROM case_scope WHERE case_id = ${hz.id} ORDER BY 1`),
    await sqlText(srv.db, `${rebuiltScope} ORDER BY 1`));
  assert.equal(await sqlText(srv.db, `SELECT DISTINCT org_id FROM part_due WHERE case_id = ${hz.id} ORDER BY 1`),
    await sqlText(srv.db, `SELECT DISTINCT j.value FROM assignments a JOIN orgs o ON o.id = a.org_id, ${pathIds}
      WHERE a.case_id = ${hz.id} AND a.status IN (SELECT status FROM part_unfinished) ORDER BY 1`));
  assert.equal((await (await srv.login('town2')).get(`/api/v1/enterprises/${e.id}`)).status, 200);
  assertError(await (await srv.login('town1')).get(`/api/v1/enterprises/${e.id}`), 404, 'not_found');
  // hostile changes: 400, nothing written
  assertError(await insp1.req('PATCH', `/api/v1/enterprises/${e.id}`, { risk_level: '紫', version: 3 }), 400, 'field.invalid', 'risk_level');
  assertError(await insp1.req('PATCH', `/api/v1/enterprises/${e.id}`, { version: 'x' }), 400, 'field.invalid', 'version');
  // no permission: an enterprise on its own record; out of scope: 404
  assertError(await (await srv.login('ent1')).req('PATCH', `/api/v1/enterprises/${ent1Id}`, { risk_level: '蓝', version: 1 }), 403, 'permission.denied');
  assertError(await insp1.req('PATCH', '/api/v1/enterprises/999999', { risk_level: '蓝', version: 1 }), 404, 'not_found');
});

const HEADER = '企业名称,统一社会信用代码,行业类别,风险等级,所属乡镇,地址,经度,纬度,法定代表人,法定代表人电话,安全负责人,安全负责人电话';

test('e: the CSV import creates and updates by credit code; the same file again changes nothing', async () => {
  const insp1 = await srv.login('insp1');
  const e1 = await byCode('ent.demo1');
  const csv = '\ufeff' + [
    HEADER,
    `濂江县导入一号公司,${CODE_CSV1},建筑施工,黄,濂江镇,濂江镇东门社区,114.871,25.789,赵导入,13900139000,,`,
    `"濂江县导入二号公司, 有限",${CODE_CSV2},交通运输,蓝,town.b,长岭乡,,,,,钱安全,0797-1234567`,
    `濂江县鑫盛脐橙食品有限公司,${e1.credit_code},工贸,橙,,,,,,,,`,
    '',
  ].join('\r\n');
  const rows = await countRows();
  const r = await csvPost(insp1, csv);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { created: 2, updated: 1, unchanged: 0 });
  assert.equal(await countRows(), rows + 2);
  const one = await byCode(`ent.${CODE_CSV1.toLowerCase()}`);
  assert.equal(one.township.code, 'town.a');
  assert.equal(one.grid.code, 'grid.a1');
  const two = (await all(insp1, `&q=${CODE_CSV2}`))[0];
  assert.equal(two.name, '濂江县导入二号公司, 有限');
  assert.equal(two.township.code, 'town.b');
  const upd = await byCode('ent.demo1');
  assert.equal(upd.risk_level, '橙', 'the existing one updated');
  assert.equal(upd.location.lng, e1.location.lng, 'empty cells keep what it had');
  const full = (await (await srv.login('jw1')).get(`/api/v1/enterprises/${two.id}`)).json.enterprise;
  assert.deepEqual(full.contacts, { safety_officer: { name: '钱安全', phone: '0797-1234567' } });

  const events = Number(await sqlText(srv.db, 'SELECT count(*) FROM events'));
  const again = await csvPost(insp1, csv);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json, { created: 0, updated: 0, unchanged: 3 });
  assert.equal(Number(await sqlText(srv.db, 'SELECT count(*) FROM events')), events, 'nothing written the second time');
});

test('e: any bad row refuses the file, listing every bad row by line and column; hostile files are 400', async () => {
  const insp1 = await srv.login('insp1');
  const rows = await countRows();
  const events = Number(await sqlText(srv.db, 'SELECT count(*) FROM events'));
  const csv = [
    HEADER,
    `好的一行有限公司,91360727MA4K7L8M9B,工贸,黄,濂江镇,,,,,,,`,
    `坏代码有限公司,91360727MA4K7L8M9C,工贸,黄,濂江镇,,,,,,,`,
    `好的另一行有限公司,91360727MA4N9P1Q1T,工贸,黄,濂江镇,,,,,,,`,
    `坏行业有限公司,91360727MA4A1B2CX7,钢铁,黄,濂江镇,,,,,,,`,
    `坏经度有限公司,91360727MAJJC171XG,工贸,紫,濂江镇,,abc,25.7,,,,`,
    `重复代码有限公司,91360727MA4K7L8M9B,工贸,黄,濂江镇,,,,,,,`,
  ].join('\n');
  const r = await csvPost(insp1, csv);
  assertError(r, 400, 'field.invalid', 'rows');
  const msg = r.json.error.message;
  assert.match(msg, /^4 行有误，没有导入任何企业/);
  assert.match(msg, /第 3 行「统一社会信用代码」：统一社会信用代码校验位应为 B/);
  assert.match(msg, /第 5 行「行业类别」/);
  assert.match(msg, /第 6 行「风险等级」/);
  assert.match(msg, /第 7 行「统一社会信用代码」：与第 2 行的统一社会信用代码重复/);
  assert.doesNotMatch(msg, /^第 [24] 行/m);
  assert.match(msg, /第 5 行「行业类别」：行业类别“钢铁”不在允许的范围内/);
  // line 5's code is registered (test c): its update is checked too
  assert.equal(await countRows(), rows, 'nothing written');
  assert.equal(Number(await sqlText(srv.db, 'SELECT count(*) FROM events')), events);

  const bad = async (text, field, re, type) => {
    const x = await csvPost(insp1, text, type);
    assert.equal(x.status >= 400 && x.status < 500, true, x.text);
    if (field) assert.equal(x.json.error.field, field, x.text);
    if (re) assert.match(x.json.error.message, re);
  };
  // a cut UTF-8 sequence, on line 2
  await bad(Buffer.concat([Buffer.from(`${HEADER}\n坏`), Buffer.from([0xe5, 0x9d]), Buffer.from(',x,工贸,黄,,,,,,,,\n')]), 'rows', /第 2 行不是有效的 UTF-8/);
  await bad(`企业名称,统一社会信用代码,行业类别\n甲,${CODE_CSV1},工贸\n`, 'header', /缺少“风险等级”列/);
  await bad(`${HEADER},颜色\n`, 'header', /不认识的列“颜色”/);
  await bad(`${HEADER}\n`, 'rows', /没有企业/);
  await bad(`${HEADER}\n"未闭合,${CODE_CSV1},工贸,黄\n`, undefined, /引号没有闭合/);
  await bad(`${HEADER}\n` + `甲,${CODE_CSV1},工贸,黄,濂江镇,,,,,,,\n`.repeat(2001), 'rows', /最多导入 2000/);
  const wrongType = await csvPost(insp1, `${HEADER}\n`, 'application/json');
  assertError(wrongType, 415);
  // no permission
  assertError(await csvPost(await srv.login('town1'), `${HEADER}\n`), 403, 'permission.denied');
  assert.equal(await countRows(), rows);
});

test('f: a 约谈 recorded by a case action is listed to those who see the enterprise', async () => {
  const insp1 = await srv.login('insp1');
  const created = await insp1.create({ type: 'talk', class: '一般', channel: 'web', title: '约谈企业负责人',
    description: '危化品仓库隐患整改不力，约谈企业负责人。', org: 'ent.demo2' });
  const id = created.case.id;
  const before = Number(await sqlText(srv.db, 'SELECT count(*) FROM interviews'));
  // the record's checks name the action's fields; nothing is written
  const future = new Date(Date.now() + 86400000).toISOString();
  assertError(await insp1.act(id, 'interview', { who: '刘宏达', when: future, by: '县应急管理局 郭永红', what: '限期整改' }), 400, 'field.invalid', 'when');
  assertError(await insp1.act(id, 'interview', { who: '  ', when: new Date().toISOString(), by: '郭永红', what: '限期整改' }), 400, undefined, 'who');
  assert.equal(Number(await sqlText(srv.db, 'SELECT count(*) FROM interviews')), before);
  const held = new Date(Date.now() - 3600000).toISOString();
  await insp1.must(id, 'interview', { who: '刘宏达', post: '法定代表人', when: held, by: '县应急管理局 郭永红', what: '责令 7 日内完成危化品仓库整改。' });
  assert.equal(Number(await sqlText(srv.db, 'SELECT count(*) FROM interviews')), before + 1);
  assert.equal(await sqlText(srv.db, `SELECT count(*) FROM events WHERE action = 'interview.add' AND case_id = ${id}`), '1');

  const list = (await insp1.get(`/api/v1/interviews?org=${ent2Id}`)).json.items;
  assert.equal(list.length, 1);
  const iv = list[0];
  assert.equal(iv.kind, '约谈');
  assert.equal(iv.person, '刘宏达');
  assert.equal(iv.position, '法定代表人');
  assert.equal(iv.case.id, id);
  assert.equal(iv.org.code, 'ent.demo2');
  assert.equal(iv.interviewer, '县应急管理局 郭永红');
  assert.deepEqual((await insp1.get(`/api/v1/interviews?case=${id}`)).json.items.map((x) => x.id), [iv.id]);
  assert.deepEqual((await insp1.get('/api/v1/interviews?org=ent.demo2')).json.items.map((x) => x.id), [iv.id]);
  // ent2 sees its own; town2 its township's; ent1 and town1 nothing of it
  assert.equal((await (await srv.login('ent2')).get('/api/v1/interviews')).json.items.length, 1);
  assert.equal((await (await srv.login('town2')).get('/api/v1/interviews')).json.items.length, 1);
  const ent1 = await srv.login('ent1');
  // (the demo's hazards gave ent1 a 约谈 of its own: only those)
  const ent1Talks = (await ent1.get('/api/v1/interviews?limit=200')).json.items;
  assert.ok(ent1Talks.length >= 1);
  assert.deepEqual(ent1Talks.filter((x) => x.org.code !== 'ent.demo1'), []);
  assertError(await ent1.get(`/api/v1/interviews?org=${ent2Id}`), 404, 'not_found', 'org');
  assert.deepEqual((await ent1.get(`/api/v1/interviews?case=${id}`)).json.items, []);
  assert.deepEqual((await (await srv.login('town1')).get('/api/v1/interviews?limit=200')).json.items
    .filter((x) => x.org.code === 'ent.demo2'), []);
  // nor ent2's case itself
  assertError(await ent1.get(`/api/v1/cases/${id}`), 404);
  assert.deepEqual((await ent1.get(`/api/v1/cases?type=talk`)).json.items, []);
  assert.equal((await (await srv.login('ent2')).get(`/api/v1/cases/${id}`)).status, 200);
  // hostile filters
  assertError(await insp1.get('/api/v1/interviews?case=abc'), 400, undefined, 'case');
  assertError(await insp1.get(`/api/v1/interviews?org=${encodeURIComponent('中'.repeat(100))}`), 404, 'not_found', 'org');
});
