// The openapi-docs fragments (src/api/openapi/{documents,geo,audit,
// duplicates,catalogue,tasklists,enterprises,hazards,inspections,campaigns,
// homestead,receptions}.json) tell the truth: a real answer of each route
// sampled here, from a demo server, is valid against the response schema its
// fragment documents (Ajv, JSON Schema 2020-12, the dialect of OpenAPI 3.1).
// A schema that names a member the answer lacks, or types one wrongly,
// fails here. One assertion per route; the statuses themselves are checked
// by the status-coverage check of the API suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, sqlText, REPO } from './helpers.mjs';
import { Ajv2020 } from './webdeps.mjs';

const FILES = ['documents', 'geo', 'audit', 'duplicates', 'catalogue', 'tasklists', 'enterprises',
  'hazards', 'inspections', 'campaigns', 'homestead', 'receptions'];
const fragments = FILES.map((f) =>
  JSON.parse(readFileSync(path.join(REPO, 'src', 'api', 'openapi', `${f}.json`), 'utf8')));

// One document of the fragments' paths and schemas, as the assembly makes
// it, so "#/components/schemas/X" resolves the same way.
const doc = { $id: 'https://civicloop.invalid/oa', paths: {}, components: { schemas: {} } };
for (const f of fragments) {
  Object.assign(doc.paths, f.paths);
  for (const [k, v] of Object.entries((f.components && f.components.schemas) || {})) {
    assert.ok(!(k in doc.components.schemas), `schema ${k} is defined once`);
    doc.components.schemas[k] = v;
  }
}
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(doc);

/** The validator of the documented answer of (method, route, status). */
function validator(method, route, status, media = 'application/json') {
  const op = doc.paths[route] && doc.paths[route][method.toLowerCase()];
  assert.ok(op, `${method} ${route} is documented`);
  const r = op.responses[String(status)];
  assert.ok(r && r.content && r.content[media], `${method} ${route} documents ${status} ${media}`);
  const ptr = ['paths', route, method.toLowerCase(), 'responses', String(status), 'content', media, 'schema']
    .map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  return ajv.compile({ $ref: `https://civicloop.invalid/oa#/${ptr}` });
}

/** Asserts the answer r has the status and matches the documented schema. */
function conforms(r, method, route, status = 200) {
  assert.equal(r.status, status, `${method} ${route}: ${r.text.slice(0, 300)}`);
  const v = validator(method, route, status);
  assert.ok(v(r.json), `${method} ${route} answer fits its schema: ${JSON.stringify(v.errors, null, 1).slice(0, 1500)}\n${r.text.slice(0, 600)}`);
}

const P = '/api/v1';
const srv = await startServer();
const admin = await srv.login('admin');

test('documents: a case\'s list, one document, verify, revoke', async () => {
  const id = Number(await sqlText(srv.db, "SELECT case_id FROM documents WHERE kind='e_letter' LIMIT 1"));
  conforms(await admin.get(`${P}/cases/${id}/documents`), 'GET', `${P}/cases/{id}/documents`);
  const one = await admin.get(`${P}/cases/${id}/documents`);
  const d = one.json.items[0];
  conforms(await admin.get(`${P}/documents/${d.id}`), 'GET', `${P}/documents/{id}`);
  conforms(await srv.raw('GET', `${P}/public/verify?code=${encodeURIComponent(d.code)}`), 'GET', `${P}/public/verify`);
  conforms(await admin.post(`${P}/documents/${d.id}/revoke`, { reason: '测试撤销' }), 'POST', `${P}/documents/{id}/revoke`);
  const revoked = await srv.raw('GET', `${P}/public/verify?code=${encodeURIComponent(d.code)}`);
  assert.equal(revoked.json.verdict, 'revoked');
  conforms(revoked, 'GET', `${P}/public/verify`);
  const svg = await admin.get(`${P}/documents/${d.id}/qr.svg`);
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
});

test('geo: regions and cases', async () => {
  conforms(await admin.get(`${P}/geo/regions`), 'GET', `${P}/geo/regions`);
  conforms(await admin.get(`${P}/geo/cases?limit=50`), 'GET', `${P}/geo/cases`);
});

test('audit events, both orders', async () => {
  conforms(await admin.get(`${P}/audit/events?limit=200`), 'GET', `${P}/audit/events`);
  conforms(await admin.get(`${P}/audit/events?order=desc&limit=200`), 'GET', `${P}/audit/events`);
});

test('duplicates and routing of a case', async () => {
  const created = await admin.create({
    type: 'hotline', class: '投诉', channel: 'phone', title: '路灯不亮',
    description: '来电人反映小区门口路灯长期不亮，夜间出行不便。', reporter: { name: '测试人', phone: '13700001111' }, org: 'town.a',
  });
  await admin.create({
    type: 'hotline', class: '投诉', channel: 'phone', title: '路灯不亮',
    description: '来电人反映小区门口路灯长期不亮，夜间出行不便。', reporter: { name: '测试人', phone: '13700001111' }, org: 'town.a',
  });
  const later = (await admin.get(`${P}/cases?limit=1`)).json.items[0].id;
  assert.ok(later > created.case.id);
  const dups = await admin.get(`${P}/cases/${later}/duplicates`);
  assert.ok(dups.json.possible_duplicates.length >= 1, dups.text);
  conforms(dups, 'GET', `${P}/cases/{id}/duplicates`);
  conforms(await admin.get(`${P}/cases/${later}/routing`), 'GET', `${P}/cases/{id}/routing`);
});

test('catalogue: current, versions, save, import, JSON export', async () => {
  const cur = await admin.get(`${P}/catalogue`);
  conforms(cur, 'GET', `${P}/catalogue`);
  conforms(await admin.get(`${P}/catalogue/versions`), 'GET', `${P}/catalogue/versions`);
  const saved = await admin.req('PUT', `${P}/catalogue`, { entries: cur.json.entries, note: '原样保存', version: cur.json.version });
  conforms(saved, 'PUT', `${P}/catalogue`);
  conforms(await admin.post(`${P}/catalogue/import`, (await admin.get(`${P}/export/catalogue.json`)).json), 'POST', `${P}/catalogue/import`);
  conforms(await admin.get(`${P}/export/catalogue.json`), 'GET', `${P}/export/catalogue.json`);
});

test('task lists: lists, one list, the public pages, a new list', async () => {
  conforms(await admin.get(`${P}/task-lists`), 'GET', `${P}/task-lists`);
  const id = (await admin.get(`${P}/task-lists`)).json.items[0].id;
  conforms(await admin.get(`${P}/task-lists/${id}`), 'GET', `${P}/task-lists/{id}`);
  conforms(await srv.raw('GET', `${P}/public/task-lists`), 'GET', `${P}/public/task-lists`);
  conforms(await srv.raw('GET', `${P}/public/task-lists/${id}`), 'GET', `${P}/public/task-lists/{id}`);
  conforms(await admin.post(`${P}/task-lists`, { title: '测试清单', year: 2026 }), 'POST', `${P}/task-lists`, 201);
});

test('enterprises: meta, list, detail, create, patch; interviews', async () => {
  conforms(await admin.get(`${P}/enterprises/meta`), 'GET', `${P}/enterprises/meta`);
  const list = await admin.get(`${P}/enterprises?limit=200`);
  conforms(list, 'GET', `${P}/enterprises`);
  const e = list.json.items[0];
  conforms(await admin.get(`${P}/enterprises/${e.id}`), 'GET', `${P}/enterprises/{id}`);
  conforms(await admin.req('PATCH', `${P}/enterprises/${e.id}`, { version: e.version, name: `${e.name}（改）` }),
    'PATCH', `${P}/enterprises/{id}`);
  conforms(await admin.post(`${P}/enterprises`, {
    name: '濂江县测试机械有限公司', credit_code: '91360727MA4A1B2CX7', industry: '工贸',
    risk_level: '蓝', township: 'town.a', contacts: { legal_rep: { name: '张三', phone: '13700002222' } },
  }), 'POST', `${P}/enterprises`, 201);
  conforms(await admin.get(`${P}/interviews`), 'GET', `${P}/interviews`);
});

test('hazards: ledger (first page with summary) and map; inspection plans', async () => {
  const l = await admin.get(`${P}/hazards/ledger`);
  assert.ok(l.json.summary, 'the first page has its summary');
  conforms(l, 'GET', `${P}/hazards/ledger`);
  conforms(await admin.get(`${P}/hazards/map`), 'GET', `${P}/hazards/map`);
  const plans = await admin.get(`${P}/inspection-plans`);
  conforms(plans, 'GET', `${P}/inspection-plans`);
  const p = plans.json.items[0];
  conforms(await admin.req('PATCH', `${P}/inspection-plans/${p.org.id}`, { frequency: 'monthly', version: p.version }),
    'PATCH', `${P}/inspection-plans/{id}`);
  conforms(await admin.post(`${P}/inspection-plans/generate`, {}), 'POST', `${P}/inspection-plans/generate`);
});

test('campaigns: list, one, figures, visits, findings, reports, interviews', async () => {
  const list = await admin.get(`${P}/campaigns`);
  conforms(list, 'GET', `${P}/campaigns`);
  const id = list.json.items[0].id;
  conforms(await admin.get(`${P}/campaigns/${id}`), 'GET', `${P}/campaigns/{id}`);
  conforms(await admin.get(`${P}/campaigns/${id}/figures`), 'GET', `${P}/campaigns/{id}/figures`);
  conforms(await admin.get(`${P}/campaigns/${id}/visits`), 'GET', `${P}/campaigns/{id}/visits`);
  conforms(await admin.get(`${P}/campaigns/${id}/findings`), 'GET', `${P}/campaigns/{id}/findings`);
  conforms(await admin.get(`${P}/campaigns/${id}/reports`), 'GET', `${P}/campaigns/{id}/reports`);
  conforms(await admin.get(`${P}/campaigns/${id}/interviews`), 'GET', `${P}/campaigns/{id}/interviews`);
});

test('campaigns: a visit with a finding, the day\'s report, an interview', async () => {
  const jw1 = await srv.login('jw1');
  const jw2 = await srv.login('jw2');
  const c = (await jw1.get(`${P}/campaigns`)).json.items[0];
  const group = (await jw1.get(`${P}/campaigns/${c.id}`)).json.campaign.groups.find((g) => g.leader.login === 'jw2');
  // an hour ago (Asia/Shanghai), inside the demo campaign's period, but today:
  // the demo has already reported yesterday (between 00:00 and 01:00 an hour
  // ago is yesterday, and the report below would be a second one, 409)
  const shanghai = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 19);
  const now = shanghai(Date.now());
  const hourAgo = shanghai(Date.now() - 3600e3);
  const at = (hourAgo.slice(0, 10) === now.slice(0, 10) ? hourAgo : now.slice(0, 10) + 'T00:00:00') + '+08:00';
  const visit = await jw2.post(`${P}/campaigns/${c.id}/visits`, {
    group: group.id, org: 'town.a', visited_at: at, unannounced: true, checked: '检查值班值守',
    findings: [{ title: '值班缺岗', description: '值班人员脱岗。' }],
  });
  conforms(visit, 'POST', `${P}/campaigns/{id}/visits`, 201);
  const day = at.slice(0, 10);
  conforms(await jw2.post(`${P}/campaigns/${c.id}/reports`, { group: group.id, day, note: '今日检查一次。' }),
    'POST', `${P}/campaigns/{id}/reports`, 201);
  conforms(await jw1.post(`${P}/campaigns/${c.id}/interviews`, {
    person: '张某', position: '站长', org: 'town.a', held_at: at, interviewer: '罗文斌', outcome: '已提醒',
    case: visit.json.visit.findings[0].id,
  }), 'POST', `${P}/campaigns/{id}/interviews`, 201);
  conforms(await jw1.get(`${P}/campaigns/${c.id}/visits?day=${day}`), 'GET', `${P}/campaigns/{id}/visits`);
});

test('a task on a new list; a homestead application tracked in public', async () => {
  const list = await admin.post(`${P}/task-lists`, { title: '架构测试清单', year: 2026 });
  conforms(await admin.post(`${P}/task-lists/${list.json.id}/items`, {
    class: 'livelihood', title: '新建口袋公园', description: '新建口袋公园：列入2026年为民办实事项目。',
    fields: {
      leader_name: '刘建国', leader_level: '县级', leader_org: 'county', target: '年底前建成。',
      milestones: [{ name: '完成选址', due: '2026-03-10' }],
    },
  }), 'POST', `${P}/task-lists/{id}/items`, 201);
  // a resident ID with its check digit (GB 11643)
  const first17 = '36072719850412033';
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const id = first17 + '10X98765432'[[...first17].reduce((s, d, i) => s + Number(d) * W[i], 0) % 11];
  const hs1 = await srv.login('hs1');
  const { case: c } = await hs1.create({
    type: 'homestead', class: 'new', channel: 'window', org: 'town.a', title: '新建住房申请',
    description: '申请人一户三口，申请在村内空闲地新建住房。', location: { address: '濂江镇黄岭村四组' },
    parties: [{ role: 'applicant', name: '钟建华', phone: '13979700451', id_no: id }],
    fields: {
      village: '黄岭村四组', current_housing: '与父母同住老屋。', site_address: '濂江镇黄岭村四组村内空闲地',
      land_kind: '村内空闲地', area: 120, floors: 2, design: '标准图集 A2 二层三开间', guide_name: '刘慧敏', guide_phone: '0797-8721305',
    },
  });
  const r = await srv.raw('GET', `${P}/public/homestead?no=${encodeURIComponent(c.no)}&id_tail=${id.slice(-4)}`);
  assert.doesNotMatch(r.text, new RegExp(id), 'never the ID number');
  conforms(r, 'GET', `${P}/public/homestead`);
});

test('files: the media types documented are the ones served', async () => {
  const media = (route, method = 'get') => Object.keys(doc.paths[route][method].responses['200'].content);
  const d = (await admin.get(`${P}/audit/events?action=document.issue&limit=1`)).json.items[0].payload.document_id;
  for (const [url, route] of [[`${P}/documents/${d}/qr.png`, `${P}/documents/{id}/qr.png`],
    [`${P}/documents/${d}/qr.svg`, `${P}/documents/{id}/qr.svg`],
    [`${P}/export/catalogue.csv`, `${P}/export/catalogue.csv`],
    [`${P}/hazards/ledger.xlsx`, `${P}/hazards/ledger.xlsx`]]) {
    const r = await admin.get(url);
    assert.equal(r.status, 200, url);
    assert.deepEqual([r.headers.get('content-type').split(';')[0]], media(route), url);
  }
  // a CSV import (text/csv) is answered as the catalogue
  const csv = 'org,category,keywords\r\n@township,农村人居环境,垃圾清运、村庄保洁\r\n';
  conforms(await admin.post(`${P}/catalogue/import?note=${encodeURIComponent('CSV 导入')}`, csv, { 'Content-Type': 'text/csv' }),
    'POST', `${P}/catalogue/import`);
});

test('public guide; reception flags and units', async () => {
  conforms(await srv.raw('GET', `${P}/public/guides/homestead`), 'GET', `${P}/public/guides/{type}`);
  conforms(await admin.get(`${P}/receptions/flags`), 'GET', `${P}/receptions/flags`);
  conforms(await (await srv.login('host1')).get(`${P}/receptions/units`), 'GET', `${P}/receptions/units`);
});
