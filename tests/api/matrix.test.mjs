// The permission matrix (issue 7): every route × every demo login × an object
// inside and outside the login's scope, with the expected answer derived from
// data, never written per cell:
//   - the routes and their permission column: /api/openapi.json (x-auth,
//     x-permission), generated from the route table (src/api/routes.c);
//   - which role carries which permission: `civicloop permissions`;
//   - each login's role grants and org: GET /api/v1/auth/me;
//   - the org tree (scopes are subtrees): GET /api/v1/orgs as admin;
//   - the roles of each case action, and the roles that may register a
//     hotline case (create_roles): GET /api/v1/types/hotline.
// Expected: unauthenticated → 401 on every signed-in route; a login without
// the route's permission → 403; with it but the object outside its scope →
// 404; allowed → 2xx, or a 4xx that is not 401/403/404 (a validation answer
// to a deliberately minimal body). A route in openapi without x-permission
// fails. Then the zero-leak checks: an out-of-scope case is never listed,
// exported, found by search, counted in another org's stats, offered as a
// possible duplicate, shown on the map or in caller history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runBin, caseBody, freshPhone } from './helpers.mjs';

const LOGINS = ['admin', 'op1', 'disp1', 'sup1', 'cg1', 'sl1', 'rs1', 'town1', 'town2', 'grid1',
  'med1', 'insp1', 'ent1', 'leader1', 'jw1', 'link110', 'cglead'];

// The markers a route's x-permission may carry besides permission names
// (core/auth.h PERM_*). "action": case.read to use the route at all; then,
// on a visible case, a role the type names for {action} over the case's org
// (or, for "on":"assignment" actions, over a live assignment's org).
const MARKERS = new Set(['public', 'user', 'action']);

const srv = await startServer({ testClock: true }); // PUT /api/v1/test/clock exists

// ---------------------------------------------------------------- the data

const table = JSON.parse((await runBin(['permissions'])).stdout);
const openapi = (await srv.raw('GET', '/api/openapi.json')).json;
const routes = [];
for (const [path, item] of Object.entries(openapi.paths)) {
  for (const [method, op] of Object.entries(item)) {
    routes.push({ method: method.toUpperCase(), path, auth: op['x-auth'], perm: op['x-permission'] });
  }
}

const admin = await srv.login('admin');
const users = new Map(); // login → {c: client, me: user}
for (const l of LOGINS) {
  const c = await srv.login(l);
  const me = await c.get('/api/v1/auth/me');
  assert.equal(me.status, 200, me.text);
  users.set(l, { c, me: me.json.user });
}

// the org tree: code → parent code
const parent = new Map();
const orgId = new Map();
{
  const queue = [];
  const top = await admin.get('/api/v1/orgs');
  for (const o of top.json.items) {
    parent.set(o.code, null);
    orgId.set(o.code, o.id);
    queue.push(o);
  }
  const byId = new Map([...orgId].map(([k, v]) => [v, k]));
  while (queue.length) {
    const o = queue.shift();
    const r = await admin.get(`/api/v1/orgs?parent=${o.id}`);
    assert.equal(r.status, 200, r.text);
    for (const k of r.json.items) {
      if (orgId.has(k.code)) continue;
      orgId.set(k.code, k.id);
      byId.set(k.id, k.code);
      parent.set(k.code, byId.get(k.parent) ?? o.code);
      queue.push(k);
    }
  }
}
const ORGS = [...orgId.keys()];
/** Is org `code` inside the subtree of `scope`? */
function within(code, scope) {
  for (let x = code; x; x = parent.get(x)) if (x === scope) return true;
  return false;
}

const hotline = (await admin.get('/api/v1/types/hotline')).json;
const ACTIONS = hotline.actions.map((a) => ({ code: a.code, roles: a.roles || [], onAssignment: a.on === 'assignment' }));
// who may register a hotline case: a role carrying case.create, and listed in the type's create_roles when it has them
const CREATE_ROLES = hotline.create_roles || null;

// -------------------------------------------------------------- the model

const grants = (l) => users.get(l).me.grants;
const rolePerms = (role) => table.roles[role] || [];
/** The scopes (org codes) over which login l holds permission p. */
const scopes = (l, p) => grants(l).filter((g) => rolePerms(g.role).includes(p)).map((g) => g.scope);
const has = (l, p) => scopes(l, p).length > 0;
/** May login l use a route needing `perm` at all (the server's central check)? */
function holds(l, perm) {
  if (typeof perm !== 'string') return false; // no entry: the server refuses everyone
  if (perm === 'public' || perm === 'user') return true;
  if (perm === 'action') return has(l, 'case.read');
  // "x|y": either alternative, each possibly "a+b"
  return perm.split('|').some((alt) => alt.split('+').every((p) => has(l, p)));
}
/** A case {org, asg: live assignment orgs} is visible to l (DESIGN §1). */
const caseVisible = (l, c) => scopes(l, 'case.read').some((s) => within(c.org, s) || c.asg.some((a) => within(a, s)));
const orgVisible = (l, code) => scopes(l, 'org.read').some((s) => within(code, s)) || code === users.get(l).me.org;
const noticeVisible = (l, n) => within(n.org, users.get(l).me.org) && caseVisible(l, n.case);
/** May l attach files to case c: case.attach over its org or a live assignment's (core/attachments.h)? */
const mayAttach = (l, c) => scopes(l, 'case.attach').some((s) => within(c.org, s) || c.asg.some((a) => within(a, s)));
/** Does l hold one of the action's roles over the case (or its assignment;
 * over the case when it has no live assignment yet: the action then waits, 409)? */
function mayAct(l, act, c) {
  const over = (org) => grants(l).some((g) => act.roles.includes(g.role) && within(org, g.scope));
  return act.onAssignment && c.asg.length ? c.asg.some(over) : over(c.org);
}
/** May l register a hotline case (in its own scope)? */
const mayCreate = (l) => grants(l).some((g) => rolePerms(g.role).includes('case.create') &&
  (!CREATE_ROLES || CREATE_ROLES.includes(g.role)));

// ------------------------------------------------------------ the checks

let checks = 0;
let tally = {};
const failures = [];
const allowedStatus = (s) => (s >= 200 && s < 300) || (s >= 400 && s < 500 && ![401, 403, 404].includes(s));
function expect(label, r, want) {
  checks++;
  tally[want] = (tally[want] || 0) + 1;
  const ok = want === 'allowed' ? allowedStatus(r.status) : r.status === want;
  if (!ok) failures.push(`${label}: expected ${want}, got ${r.status} ${r.text.slice(0, 160)}`);
}
function report(name) {
  const kinds = Object.entries(tally).map(([k, v]) => `${v} × ${k}`).join(', ');
  console.log(`${name}: ${checks} checks${kinds ? ` (${kinds})` : ''}, ${failures.length} failed`);
  assert.deepEqual(failures, [], `${failures.length} of ${checks} checks failed:\n${failures.join('\n')}`);
}

test('every route in /api/openapi.json carries x-auth and a known x-permission', () => {
  assert.ok(routes.length >= 20, `routes: ${routes.length}`);
  assert.ok(Object.keys(table.roles).length > 0 && Array.isArray(table.permissions));
  const known = new Set(table.permissions);
  for (const rt of routes) {
    const where = `${rt.method} ${rt.path}`;
    assert.ok(['none', 'user'].includes(rt.auth), `${where}: x-auth is ${rt.auth}`);
    assert.equal(typeof rt.perm, 'string', `${where} has no x-permission: give it a permission in src/api/routes.c`);
    if (!MARKERS.has(rt.perm)) {
      for (const p of rt.perm.split(/[+|]/)) assert.ok(known.has(p), `${where}: unknown permission ${p}`);
    }
    assert.equal(rt.auth === 'none', rt.perm === 'public', `${where}: public ⇔ no sign-in`);
  }
  // every role the demo logins hold is in the table
  for (const l of LOGINS) {
    for (const g of grants(l)) assert.ok(table.roles[g.role], `${l}: role ${g.role} not in the table`);
  }
});

// --------------------------------------------------------- zero leaks

test('zero leaks: out-of-scope and confidential cases are never listed, exported, mapped, searched, counted, offered or in caller history', async () => {
  checks = 0;
  tally = {};
  failures.length = 0;
  const op1 = users.get('op1').c;
  const leader1 = users.get('leader1').c;
  const P = freshPhone('139');
  const PA = freshPhone('138');
  const stamp = Date.now().toString(36);
  const statsOf = async (c, q = '') => {
    const r = await c.get(`/api/v1/stats/hotline${q}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const statLogins = LOGINS.filter((l) => has(l, 'stats.read'));
  const before = new Map();
  for (const l of statLogins) before.set(l, await statsOf(users.get(l).c));
  const bTownB = await statsOf(leader1, '?org=town.b');
  const bTownA = await statsOf(leader1, '?org=town.a');

  // a town.a case (out of town2's scope) and a confidential 举报 in village.a1
  const A = (await op1.create(caseBody({
    org: 'town.a', title: `泄露检查甲${stamp}`, reporter: { name: '甲', phone: PA },
    location: { lat: 25.7861, lng: 114.8744 },
  }))).case;
  const C = (await op1.create(caseBody({
    org: 'village.a1', class: '举报', title: `泄露检查举报${stamp}`,
    reporter: { name: '举报人', phone: P, confidential: true }, location: { lat: 25.7875, lng: 114.8733 },
  }))).case;
  assert.equal(C.reporter.confidential, true);
  const model = [
    { id: A.id, no: A.no, title: A.title, org: 'town.a', asg: [], confidential: false },
    { id: C.id, no: C.no, title: C.title, org: 'village.a1', asg: [], confidential: true },
  ];

  // stats: counted only in the subtrees that hold them
  for (const l of statLogins) {
    const scope = scopes(l, 'stats.read')[0];
    const delta = model.filter((m) => within(m.org, scope)).length;
    const after = await statsOf(users.get(l).c);
    checks++;
    if (after.received - before.get(l).received !== delta) {
      failures.push(`${l} stats (${scope}): received ${before.get(l).received} → ${after.received}, expected +${delta}`);
    }
  }
  for (const [q, b, org] of [['?org=town.b', bTownB, 'town.b'], ['?org=town.a', bTownA, 'town.a']]) {
    const after = await statsOf(leader1, q);
    const delta = model.filter((m) => within(m.org, org)).length;
    checks++;
    if (after.received - b.received !== delta) failures.push(`stats ${org}: received ${b.received} → ${after.received}, expected +${delta}`);
    checks++;
    if (delta === 0 && JSON.stringify(after.counts) !== JSON.stringify(b.counts)) {
      failures.push(`stats ${org}: counts changed by cases outside it: ${JSON.stringify(b.counts)} → ${JSON.stringify(after.counts)}`);
    }
  }

  // lists, the map, search by number and by title, the case itself, and the export
  for (const l of LOGINS.filter((x) => has(x, 'case.read'))) {
    const c = users.get(l).c;
    const listed = new Set((await c.listAll()).map((x) => x.id));
    const map = await c.get('/api/v1/geo/cases?limit=5000');
    const mapped = new Set(map.status === 200 ? map.json.items.map((x) => x.id) : []);
    checks++;
    if (map.status !== 200) failures.push(`${l} map: ${map.status} ${map.text.slice(0, 160)}`);
    for (const m of model) {
      checks++;
      if (mapped.has(m.id) !== caseVisible(l, m)) failures.push(`${l} map: case ${m.no} (${m.org}) shown=${mapped.has(m.id)}, visible=${caseVisible(l, m)}`);
    }
    if (map.status === 200 && /举报人|"reporter"|"phone"/.test(map.text)) failures.push(`${l} map: reporter data in the answer`);
    const exp = await fetch(srv.url('/api/v1/export/cases.csv'), { headers: { Authorization: `Bearer ${c.token}` } });
    const csv = await exp.text();
    checks++;
    if (exp.status !== 200) failures.push(`${l} export: ${exp.status} ${csv.slice(0, 160)}`);
    for (const m of model) {
      checks++;
      if (csv.includes(m.no) !== caseVisible(l, m)) failures.push(`${l} export: case ${m.no} (${m.org}) exported=${csv.includes(m.no)}, visible=${caseVisible(l, m)}`);
    }
    for (const leak of [P, `${P.slice(0, 3)}****${P.slice(-4)}`, '举报人']) {
      checks++;
      if (csv.includes(leak)) failures.push(`${l} export: the confidential reporter's ${leak} is in the file`);
    }
    for (const m of model) {
      const vis = caseVisible(l, m);
      checks++;
      if (listed.has(m.id) !== vis) failures.push(`${l} list: case ${m.no} (${m.org}) listed=${listed.has(m.id)}, visible=${vis}`);
      for (const q of [m.no, m.title]) {
        const r = await c.get(`/api/v1/cases?q=${encodeURIComponent(q)}`);
        checks++;
        const found = r.status === 200 && r.json.items.some((x) => x.id === m.id);
        if (r.status !== 200 || found !== vis) failures.push(`${l} search ${q}: ${r.status} found=${found}, visible=${vis}`);
        if (!vis && r.text.includes(m.title)) failures.push(`${l} search ${q}: the title of an invisible case is in the answer`);
      }
      expect(`${l} GET case ${m.no}`, await c.get(`/api/v1/cases/${m.id}`), vis ? 200 : 404);
    }
    // nor is a confidential case found by its reporter's phone or name
    const conf = model[1];
    if (!scopes(l, 'pii.read').some((s) => within(conf.org, s))) {
      for (const q of [P, '举报人', P.slice(-4)]) {
        const r = await c.get(`/api/v1/cases?q=${encodeURIComponent(q)}`);
        checks++;
        if (r.status !== 200 || r.json.items.some((x) => x.id === conf.id)) {
          failures.push(`${l} search by reporter ${q}: ${r.status}, the confidential case ${conf.no} found`);
        }
      }
    }
  }

  // caller history: confidential never, others only when visible, and never counted otherwise
  const callerLogins = LOGINS.filter((l) => holds(l, 'case.create+case.read'));
  assert.ok(callerLogins.includes('med1'));
  for (const l of callerLogins) {
    const c = users.get(l).c;
    for (const [phone, m] of [[PA, model[0]], [P, model[1]]]) {
      const r = await c.get(`/api/v1/callers?phone=${phone}`);
      const shown = r.status === 200 && r.json.items.some((x) => x.id === m.id);
      const want = !m.confidential && caseVisible(l, m);
      checks++;
      if (r.status !== 200 || shown !== want || r.json.count !== (want ? 1 : 0)) {
        failures.push(`${l} callers ${m.confidential ? 'P (confidential)' : 'PA'}: ${r.status} shown=${shown} count=${r.json && r.json.count}, expected ${want ? 1 : 0}`);
      }
    }
  }

  // possible duplicates: a create with the same phone never offers a case the
  // creator may not see, nor a confidential one to a creator without pii.read over it
  for (const l of LOGINS.filter(mayCreate)) {
    const c = users.get(l).c;
    for (const [phone, m] of [[PA, model[0]], [P, model[1]]]) {
      const body = caseBody({ title: `重复检查${l}`, reporter: { name: '来电人', phone } });
      delete body.org; // the creator's own scope
      const r = await c.post('/api/v1/cases', body);
      checks++;
      if (r.status !== 201) {
        failures.push(`${l} create with phone of ${m.no}: ${r.status} ${r.text.slice(0, 160)}`);
        continue;
      }
      const offered = r.json.possible_duplicates.find((d) => d.id === m.id);
      const pii = scopes(l, 'pii.read').some((s) => within(m.org, s));
      const mayOffer = caseVisible(l, m) && (!m.confidential || pii);
      checks++;
      if (offered && !mayOffer) {
        failures.push(`${l} create: possible_duplicates offers ${m.confidential ? 'the confidential ' : 'the out-of-scope '}case ${m.no} (reason ${offered.reason})`);
      }
    }
  }
  report('zero leaks');
});

// ------------------------------------------------------------ the matrix

test('the permission matrix: every route × every demo login × in scope / out of scope', async () => {
  checks = 0;
  tally = {};
  failures.length = 0;
  const disp1 = users.get('disp1').c;
  const sup1 = users.get('sup1').c;
  const op1 = users.get('op1').c;
  // a webhook subscription (issue 15): each case of the pool below leaves a
  // message for it in the outbox (nothing listens there: they wait)
  const hookMade = await admin.post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/matrix', kinds: ['case.create'] });
  assert.equal(hookMade.status, 201, hookMade.text);

  // One case per scope org of the logins (and town.a/town.b), owned by it and,
  // where it can take one, dispatched to it; then each 催办'd, which leaves a
  // notice with each unit holding it.
  const homes = new Set(['town.a', 'town.b']);
  for (const l of LOGINS) for (const g of grants(l)) homes.add(g.scope);
  const pool = [];
  const phones = new Map();
  for (const org of homes) {
    const phone = freshPhone();
    const r = await op1.post('/api/v1/cases', caseBody({ org, title: `矩阵${org}`, reporter: { name: '矩阵', phone } }));
    if (r.status !== 201) continue; // not an org a hotline case can belong to
    const id = r.json.case.id;
    phones.set(id, phone);
    if (org !== 'county') {
      const d = await disp1.act(id, 'dispatch', { org });
      if (d.status === 200) await sup1.act(id, 'urge', { comment: '矩阵催办' });
    }
    const c = await admin.case(id);
    pool.push({
      id, no: c.no, org: c.org.code,
      asg: c.assignments.filter((a) => a.status !== 'cancelled').map((a) => a.org.code),
    });
  }
  assert.ok(pool.length >= 5, `pool: ${JSON.stringify(pool)}`);
  const caseById = new Map(pool.map((c) => [c.id, c]));
  const notices = (await admin.get('/api/v1/notices?limit=200')).json.items
    .filter((n) => n.case && caseById.has(n.case.id))
    .map((n) => ({ id: n.id, org: n.org.code, case: caseById.get(n.case.id) }));
  assert.ok(notices.length > 0, 'the 催办 left notices');
  // the demo's signed documents, each with its case as the pool's cases are
  const documents = [];
  for (let id = 1; ; id++) {
    const d = await admin.get(`/api/v1/documents/${id}`);
    if (d.status === 404) break;
    assert.equal(d.status, 200, d.text);
    const c = await admin.case(d.json.document.case_id);
    documents.push({ id, case: { id: c.id, org: c.org.code,
      asg: c.assignments.filter((a) => a.status !== 'cancelled').map((a) => a.org.code) } });
  }
  assert.ok(documents.length > 0, 'the demo issues documents');
  // one attachment on each case (a 1×1 PNG, op1: operator over the county)
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  const attachments = [];
  for (const c of pool) {
    const r = await srv.raw('POST', `/api/v1/cases/${c.id}/attachments?name=matrix.png`, {
      headers: { Authorization: `Bearer ${op1.token}`, 'Content-Type': 'image/png' }, body: png,
    });
    assert.equal(r.status, 201, r.text);
    attachments.push({ id: r.json.attachment.id, case: c });
  }

  const topics = (await admin.get('/api/v1/topics')).json.items.map((t) => ({ id: t.id, org: t.org.code }));
  assert.ok(topics.length > 0, 'the demo has collection topics');
  // API keys (issue 15): one for a county account, one for a township's
  const apikeys = [];
  for (const [user, name] of [['link110', 'matrix-110'], ['town1', 'matrix-town1']]) {
    const r = await admin.post('/api/v1/apikeys', { user, name });
    assert.equal(r.status, 201, r.text);
  }
  for (const k of (await admin.get('/api/v1/apikeys')).json.items) {
    if (k.name.startsWith('matrix-')) apikeys.push({ id: k.id, org: k.org.code, user_org: users.get(k.user.login).me.org });
  }
  assert.equal(apikeys.length, 2);
  // the objects of each kind, and which of them are in a login's scope
  const kinds = {
    case: { all: pool, visible: caseVisible, home: (l, c) => grants(l).some((g) => g.scope === c.org) },
    org: { all: ORGS.map((code) => ({ id: orgId.get(code), code })), visible: (l, o) => orgVisible(l, o.code), home: (l, o) => o.code === users.get(l).me.org },
    notice: { all: notices, visible: noticeVisible, home: () => false },
    // an attachment: seen with its case
    attachment: {
      all: attachments,
      visible: (l, a) => caseVisible(l, a.case),
      home: (l, a) => grants(l).some((g) => g.scope === a.case.org),
    },
    // a collection topic of people's suggestions: managed over its unit's subtree (topic.manage)
    topic: {
      all: topics,
      visible: (l, t) => scopes(l, 'topic.manage').some((s) => within(t.org, s)),
      home: (l, t) => scopes(l, 'topic.manage').some((s) => within(t.org, s)),
    },
    // a published task list (the demo's first, county.dcs's): public, so
    // seen by all; changed by task.manage over its org (tasklists.c)
    'task-list': { all: [{ id: 1, org: 'county.dcs' }], visible: () => true, home: () => false },
    // a registered enterprise (issue 13): seen through the org tree like its
    // cases (case.read over its org), changed by enterprise.manage over it
    enterprise: {
      all: (await admin.get('/api/v1/enterprises?limit=200')).json.items.map((e) => ({ id: e.id, code: e.code })),
      visible: (l, e) => scopes(l, 'case.read').some((s) => within(e.code, s)),
      home: (l, e) => e.code === users.get(l).me.org,
    },
    // an enterprise's rolling inspection plan, by its org id: set by
    // enterprise.manage over the enterprise (inspections.c)
    'inspection-plan': {
      all: (await admin.get('/api/v1/inspection-plans?limit=200')).json.items.map((p) => ({ id: p.org.id, code: p.org.code })),
      visible: (l, o) => scopes(l, 'enterprise.manage').some((s) => within(o.code, s)),
      home: () => false,
    },
    // a discipline supervision campaign (the demo's, run by dept.jw): read
    // with campaign.visit or campaign.manage over its org (campaigns.c)
    campaign: {
      all: [{ id: 1, org: 'dept.jw' }],
      visible: (l, c) => [...scopes(l, 'campaign.visit'), ...scopes(l, 'campaign.manage')].some((s) => within(c.org, s)),
      home: (l, c) => [...scopes(l, 'campaign.visit'), ...scopes(l, 'campaign.manage')].some((s) => within(c.org, s)),
    },
    // a signed document (issue 14): seen with its case (case.read over the
    // case or a live assignment's org); revoked with document.revoke, which
    // a visible document answers with the body's fault (400) before the
    // issuing org's check; the demo's documents (批准书, 公函, 接待证明)
    document: {
      all: documents,
      visible: (l, d) => caseVisible(l, d.case),
      home: (l, d) => grants(l).some((g) => g.scope === d.case.org),
    },
    // an API key: managed with user.manage over its account's org and its own
    apikey: {
      all: apikeys,
      visible: (l, k) => [k.org, k.user_org].every((o) => scopes(l, 'user.manage').some((s) => within(o, s))),
      home: () => false,
    },
    // a webhook subscription and an outbox message (issue 15): managed with
    // notify.manage over their org (the subscription's)
    webhook: {
      all: (await admin.get('/api/v1/webhooks?limit=200')).json.items.map((w) => ({ id: w.id, org: w.org.code })),
      visible: (l, w) => scopes(l, 'notify.manage').some((s) => within(w.org, s)),
      home: () => true,
    },
    outbox: {
      prefix: '/api/v1/outbox/{id}',
      all: (await admin.get('/api/v1/outbox?limit=200')).json.items.map((m) => ({ id: m.id, org: m.org.code })),
      visible: (l, m) => scopes(l, 'notify.manage').some((s) => within(m.org, s)),
      home: () => true,
    },
    // an account: managed over its org's subtree (user.manage)
    user: {
      all: LOGINS.map((l) => ({ id: users.get(l).me.id, login: l, org: users.get(l).me.org })),
      visible: (l, u) => scopes(l, 'user.manage').some((s) => within(u.org, s)),
      home: (l, u) => u.login === l,
    },
  };
  const objectKind = (path) => {
    if (!path.includes('{id}') || path.startsWith('/open311/')) return null; // Open311: public, filled below
    for (const k of Object.keys(kinds)) if (path.replace('/public/', '/').startsWith(kinds[k].prefix || `/api/v1/${k}s/{id}`)) return k;
    throw new Error(`${path}: the matrix does not know what {id} names here; teach tests/api/matrix.test.mjs`);
  };
  /** [in-scope object | null, out-of-scope object | null] for login l. */
  function objectsFor(kind, l) {
    const k = kinds[kind];
    const vis = k.all.filter((o) => k.visible(l, o));
    const inside = vis.find((o) => k.home(l, o)) || vis[0] || null;
    const outside = k.all.find((o) => !k.visible(l, o)) || null;
    return [inside, outside];
  }

  const trackCase = pool[0];
  // a homestead application for its public progress route (docs/homestead.md)
  const hsMade = await users.get('town1').c.post('/api/v1/cases', {
    type: 'homestead', class: 'new', channel: 'window', org: 'town.a', title: '矩阵宅基地申请', description: '矩阵：宅基地申请',
    parties: [{ role: 'applicant', name: '矩阵', id_no: '360727196804120225' }],
    fields: { village: '黄岭村', current_housing: '无', site_address: '黄岭村', land_kind: '村内空闲地', area: 100,
      design: '标准图集 A1 一层三开间', guide_name: '廖海波', guide_phone: '0797-8721305' },
  });
  assert.equal(hsMade.status, 201, hsMade.text);
  const hsCase = hsMade.json.case;
  // an Open311 request (docs/open311.md) for its public routes: number and token
  const o311Key = await users.get('admin').c.post('/api/v1/apikeys', { user: 'link110', name: '矩阵 Open311' });
  assert.equal(o311Key.status, 201, o311Key.text);
  const o311Made = await srv.raw('POST', '/open311/v2/requests.json', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: o311Key.json.key, service_code: 'hotline-help', description: '矩阵：Open311 诉求', address_string: '濂江镇' }).toString(),
  });
  assert.equal(o311Made.status, 200, o311Made.text);
  const o311 = o311Made.json[0];
  let incident = 0;
  /** The request for route rt as login l (null: anonymous) on object obj. */
  function request(rt, l, obj, action) {
    let path = rt.path.startsWith('/open311/')
      ? rt.path.replace('{format}', 'json').replace('{code}', 'hotline-help')
        .replace('{id}', o311.service_request_id).replace('{token}', o311.token)
      : rt.path;
    path = path.replace('{id}', obj ? obj.id : 1)
      .replace('{type}', rt.path.startsWith('/api/v1/public/guides/') ? 'homestead' : 'hotline');
    if (action) path = path.replace('{action}', action);
    const rest = path.match(/\{[^}]+\}/);
    if (rest) throw new Error(`${rt.path}: the matrix cannot fill ${rest[0]}; teach tests/api/matrix.test.mjs`);
    let body;
    const key = `${rt.method} ${rt.path}`;
    if (key === 'POST /api/v1/cases') {
      body = caseBody({ title: `矩阵登记${l}`, reporter: { name: '矩阵', phone: freshPhone() } });
      delete body.org; // the caller's own scope
    } else if (key === 'POST /api/v1/linkage/110') {
      body = { incident_no: `MX${Date.now()}${incident++}`, received_at: new Date().toISOString(), description: '矩阵：非警务警情移交' };
    } else if (key === 'PUT /api/v1/test/clock') {
      body = { now: null };
    } else if (key === 'POST /api/v1/cases/{id}/actions/{action}') {
      body = { version: 0 }; // never the case's version: allowed ends in 400 or 409, nothing changes
    } else if (key === 'GET /api/v1/callers') {
      path += `?phone=${freshPhone()}`;
    } else if (key === 'GET /api/v1/public/homestead') {
      path += `?no=${hsCase.no}&id_tail=0225`;
    } else if (key === 'GET /api/v1/public/track') {
      path += `?no=${trackCase.no}&phone_tail=${phones.get(trackCase.id).slice(-4)}`;
    } else if (rt.method !== 'GET' && rt.path !== '/api/v1/notices/{id}/read' && key !== 'POST /api/v1/auth/logout') {
      body = {}; // a minimal body: allowed means a validation answer at most
    }
    const headers = {};
    const u = l && users.get(l);
    if (u) headers.Authorization = `Bearer ${u.c.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return srv.raw(rt.method, path, { headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  const logout = routes.find((rt) => rt.method === 'POST' && rt.path === '/api/v1/auth/logout');
  for (const rt of routes) {
    if (rt === logout) continue; // last: it ends the sessions
    const kind = objectKind(rt.path);
    const actions = rt.path.includes('{action}') ? ACTIONS : [null];
    const where = `${rt.method} ${rt.path}`;
    // not signed in
    if (rt.auth === 'user') {
      const obj = kind ? kinds[kind].all[0] : null;
      expect(`anonymous ${where}`, await request(rt, null, obj, actions[0] && actions[0].code), 401);
    } else {
      expect(`anonymous ${where}`, await request(rt, null, kind ? kinds[kind].all[0] : null), 'allowed');
    }
    await Promise.all(LOGINS.map(async (l) => {
      for (const act of actions) {
        const label = `${l} ${where}${act ? ` (${act.code})` : ''}`;
        if (!kind) {
          const creates = `${rt.method} ${rt.path}` === 'POST /api/v1/cases';
          const want = holds(l, rt.perm) && (!creates || mayCreate(l)) ? 'allowed' : 403;
          expect(label, await request(rt, l, null, act && act.code), want);
          continue;
        }
        const [inside, outside] = objectsFor(kind, l);
        for (const [obj, side] of [[inside, 'in scope'], [outside, 'out of scope']]) {
          if (!obj) continue; // nothing of this kind on that side for l
          let want;
          if (!holds(l, rt.perm)) want = 403;
          else if (side === 'out of scope') want = 404;
          else if (act) want = mayAct(l, act, obj) ? 'allowed' : 403;
          // case.attach, or a type's attach_roles (none on the pool's hotline cases)
          else if (kind === 'case' && rt.perm.split('|').includes('case.attach')) want = mayAttach(l, obj) ? 'allowed' : 403;
          else if (kind === 'enterprise' && rt.perm === 'enterprise.manage') want = scopes(l, 'enterprise.manage').some((s) => within(obj.code, s)) ? 'allowed' : 403;
          else if (kind === 'task-list' && rt.perm === 'task.manage') want = scopes(l, 'task.manage').some((s) => within(obj.org, s)) ? 'allowed' : 403;
          else if (kind === 'org' && !MARKERS.has(rt.perm)) {
            // an org setting: the permission must hold over that org
            want = rt.perm.split('+').every((p) => scopes(l, p).some((s) => within(obj.code, s))) ? 'allowed' : 403;
          } else want = 'allowed';
          expect(`${label} ${side} ${kind} ${obj.id}`, await request(rt, l, obj, act && act.code), want);
        }
      }
    }));
  }
  // logout, for every login, ends only its own session
  if (logout) {
    for (const l of LOGINS) expect(`${l} POST /api/v1/auth/logout`, await request(logout, l, null), 'allowed');
    expect(`after logout, op1 GET /api/v1/auth/me`, await users.get('op1').c.get('/api/v1/auth/me'), 401);
  }
  report('permission matrix');
});
