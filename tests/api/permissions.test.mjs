// Who sees and may do what, across orgs and roles (DESIGN §1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, assertError, caseBody, makeConfig, REPO, sqlText } from './helpers.mjs';

const srv = await startServer();

// The hotline actions this file knows. Lists are compared exactly over these;
// actions added to the type later (API.md also names extend,
// approve_extension, reopen) are left to their own tests.
const KNOWN = new Set(['answer', 'dispatch', 'sign', 'return', 'approve_return', 'reject_return', 'reply',
  'review', 'callback', 'urge', 'supervise', 'transfer_110', 'merge', 'unmerge']);
const codes = (c) => c.actions.map((a) => a.code).filter((a) => KNOWN.has(a)).sort();

async function newCase(extra = {}) {
  const op1 = await srv.login('op1');
  const r = await op1.create(caseBody({ title: '权限测试工单', ...extra }));
  return r.case;
}

async function dispatchTo(id, org) {
  const disp1 = await srv.login('disp1');
  return disp1.must(id, 'dispatch', { org });
}

// every org code in the subtree of town.b (from the demo county)
// town.b's subtree: its villages and grids, and the enterprises registered in
// it (an enterprise is an org under its township; its hazards are its cases)
const TOWN_B = new Set((await sqlText(srv.db,
  "SELECT code FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE code = 'town.b') || '%'")).trim().split('\n'));

test('a town.a case: town1 sees it, town2 gets 404 on the case and its events and does not list it', async () => {
  const c = await newCase({ org: 'town.a' });
  const town1 = await srv.login('town1');
  const town2 = await srv.login('town2');

  const g1 = await town1.get(`/api/v1/cases/${c.id}`);
  assert.equal(g1.status, 200, g1.text);
  assert.equal(g1.json.case.id, c.id);
  assert.equal(g1.json.case.org.code, 'town.a');
  assert.equal((await town1.get(`/api/v1/cases/${c.id}/events`)).status, 200);
  assert.ok((await town1.listAll()).some((x) => x.id === c.id), 'town1 lists it');

  assertError(await town2.get(`/api/v1/cases/${c.id}`), 404);
  assertError(await town2.get(`/api/v1/cases/${c.id}/events`), 404);
  const list2 = await town2.listAll();
  assert.ok(!list2.some((x) => x.id === c.id), 'town2 does not list it');
  assert.ok(list2.length > 0, 'town2 does see its own cases');
  for (const x of list2) {
    const mine = TOWN_B.has(x.org.code) ||
      x.assignments.some((a) => TOWN_B.has(a.org.code) && a.status !== 'cancelled');
    assert.ok(mine, `town2 lists only town.b's cases, got ${x.id} of ${x.org.code}`);
  }
  // not even by searching for it
  const q = await town2.get(`/api/v1/cases?q=${encodeURIComponent(c.no)}`);
  assert.equal(q.status, 200);
  assert.equal(q.json.items.length, 0);
  // the 404 for an invisible case looks like the 404 for a missing one
  const missing = await town2.get('/api/v1/cases/99999999');
  assertError(missing, 404);
  const hidden = await town2.get(`/api/v1/cases/${c.id}`);
  assert.equal(hidden.json.error.code, missing.json.error.code);
});

test('a department sees a case only once it is dispatched to it', async () => {
  const c = await newCase({ org: 'town.a' });
  const cg1 = await srv.login('cg1');
  assertError(await cg1.get(`/api/v1/cases/${c.id}`), 404);
  assertError(await cg1.get(`/api/v1/cases/${c.id}/events`), 404);
  assert.ok(!(await cg1.listAll()).some((x) => x.id === c.id));

  await dispatchTo(c.id, 'dept.cg');

  const g = await cg1.get(`/api/v1/cases/${c.id}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.case.status, 'dispatched');
  assert.equal((await cg1.get(`/api/v1/cases/${c.id}/events`)).status, 200);
  assert.ok((await cg1.listAll()).some((x) => x.id === c.id), 'cg1 lists it after dispatch');

  // another department still does not see it
  const sl1 = await srv.login('sl1');
  assertError(await sl1.get(`/api/v1/cases/${c.id}`), 404);
  // a department lists only cases assigned to it, or its own (its staff's
  // trip requests, 公务接待: config/demo/more/reception.json)
  for (const x of await cg1.listAll()) {
    assert.ok(x.org.code === 'dept.cg' || x.assignments.some((a) => a.org.code === 'dept.cg' && a.status !== 'cancelled'),
      `cg1 lists only cases assigned to dept.cg, got ${x.id}`);
  }
});

test('after dispatch to dept.cg, town2 acting sign gets 404; town1 (owner, no assignment) gets 403', async () => {
  const c = await newCase({ org: 'town.a' });
  const d = await dispatchTo(c.id, 'dept.cg');
  const town2 = await srv.login('town2');
  assertError(await town2.act(c.id, 'sign', {}), 404);
  assertError(await town2.act(c.id, 'sign', { version: d.version }), 404);
  const town1 = await srv.login('town1');
  assertError(await town1.act(c.id, 'sign', {}), 403, 'permission.denied');
  // nothing changed
  const after = await (await srv.login('admin')).case(c.id);
  assert.equal(after.status, 'dispatched');
  assert.equal(after.version, d.version);
  assert.equal(after.assignments[0].status, 'pending');
});

test('a handler cannot dispatch (403), and nothing changes', async () => {
  const c = await newCase({ org: 'town.a' });
  const town1 = await srv.login('town1');
  assertError(await town1.act(c.id, 'dispatch', { org: 'dept.cg' }), 403, 'permission.denied');
  const cg1 = await srv.login('cg1');
  // cg1 cannot even see the received case
  assertError(await cg1.act(c.id, 'dispatch', { org: 'dept.cg' }), 404);
  // operators and supervisors cannot dispatch either
  assertError(await (await srv.login('op1')).act(c.id, 'dispatch', { org: 'dept.cg' }), 403);
  assertError(await (await srv.login('sup1')).act(c.id, 'dispatch', { org: 'dept.cg' }), 403);
  const admin = await srv.login('admin');
  const now = await admin.case(c.id);
  assert.equal(now.status, 'received');
  assert.equal(now.assignments.length, 0);
  assert.equal((await admin.events(c.id)).length, 1);

  // once dispatched, the department's handler still cannot re-dispatch
  await dispatchTo(c.id, 'dept.cg');
  assertError(await cg1.act(c.id, 'dispatch', { org: 'dept.zj' }), 403);
});

test('leader1 (county) sees every case; a township leader only its township', async () => {
  const c = await newCase({ org: 'town.b' });
  const admin = await srv.login('admin');
  const leader1 = await srv.login('leader1');
  const all = await admin.listAll();
  const seen = await leader1.listAll();
  assert.equal(seen.length, all.length);
  assert.deepEqual(seen.map((x) => x.id), all.map((x) => x.id));
  assert.equal((await leader1.get(`/api/v1/cases/${c.id}`)).status, 200);

  const townlead = await srv.login('townlead'); // leader of town.a
  assertError(await townlead.get(`/api/v1/cases/${c.id}`), 404);
  const mine = await townlead.listAll();
  assert.ok(mine.length > 0 && mine.length < all.length);
});

test('ent1 cannot create a case for town.b (403) and nothing is created', async () => {
  const ent1 = await srv.login('ent1');
  const admin = await srv.login('admin');
  const before = (await admin.listAll()).length;
  assertError(await ent1.post('/api/v1/cases', caseBody({ org: 'town.b' })), 403);
  // nor for its township or the county: an enterprise registers for itself only
  assertError(await ent1.post('/api/v1/cases', caseBody({ org: 'town.a' })), 403);
  assertError(await ent1.post('/api/v1/cases', caseBody({ org: 'county' })), 403);
  // a handler may not register cases at all
  assertError(await (await srv.login('town2')).post('/api/v1/cases', caseBody({ org: 'town.b' })), 403);
  assertError(await (await srv.login('leader1')).post('/api/v1/cases', caseBody({ org: 'county' })), 403);
  assert.equal((await admin.listAll()).length, before);
});

test('the actions list says exactly what the caller may do now', async () => {
  const c = await newCase({ org: 'town.a' });
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const sup1 = await srv.login('sup1');
  const town1 = await srv.login('town1');
  const cg1 = await srv.login('cg1');
  const cglead = await srv.login('cglead');
  const leader1 = await srv.login('leader1');

  // received
  assert.deepEqual(codes(await disp1.case(c.id)), ['dispatch', 'merge', 'transfer_110']);
  assert.deepEqual(codes(await op1.case(c.id)), ['answer', 'merge', 'transfer_110']);
  assert.deepEqual(codes(await town1.case(c.id)), []);
  assert.deepEqual(codes(await sup1.case(c.id)), []);
  assert.deepEqual(codes(await leader1.case(c.id)), []);

  // dispatched to dept.cg
  await dispatchTo(c.id, 'dept.cg');
  const cgActs = codes(await cg1.case(c.id));
  assert.ok(cgActs.includes('sign'), `cg1 may sign: ${cgActs}`);
  assert.deepEqual(cgActs, ['return', 'sign']);
  assert.deepEqual(codes(await cglead.case(c.id)), ['return', 'sign']);
  // a dispatched case that turns out to be a police matter may still go to 110
  assert.deepEqual(codes(await disp1.case(c.id)), ['transfer_110']);
  assert.deepEqual(codes(await op1.case(c.id)), ['transfer_110']);
  assert.deepEqual(codes(await sup1.case(c.id)), ['supervise', 'urge']);
  assert.deepEqual(codes(await leader1.case(c.id)), ['supervise']);
  assert.deepEqual(codes(await town1.case(c.id)), []);
  assertError(await (await srv.login('town2')).get(`/api/v1/cases/${c.id}`), 404);

  // signed: now handling, cg1 may reply or ask to return
  await cg1.must(c.id, 'sign', {});
  assert.deepEqual(codes(await cg1.case(c.id)), ['reply', 'return']);
  await cg1.must(c.id, 'reply', { reply: '已处理完毕。' });
  assert.deepEqual(codes(await cg1.case(c.id)), []);
  assert.deepEqual(codes(await disp1.case(c.id)), ['review']);
  assert.deepEqual(codes(await sup1.case(c.id)), ['review', 'supervise']);
  await sup1.must(c.id, 'review', {});
  assert.deepEqual(codes(await sup1.case(c.id)), ['callback']);
  assert.deepEqual(codes(await op1.case(c.id)), ['callback']);
  assert.deepEqual(codes(await cg1.case(c.id)), []);
  await sup1.must(c.id, 'callback', { resolved: true, satisfaction: '满意' });
  for (const u of [op1, disp1, sup1, cg1, town1, leader1]) {
    assert.deepEqual(codes(await u.case(c.id)), [], `${u.user.login} has nothing to do on a closed case`);
  }
});

test('every action listed is accepted, one not listed is refused', async () => {
  const c = await newCase({ org: 'town.a' });
  await dispatchTo(c.id, 'dept.cg');
  const sup1 = await srv.login('sup1');
  const cur = await sup1.case(c.id);
  assert.ok(codes(cur).includes('urge'));
  const r = await sup1.act(c.id, 'urge', { version: cur.version, comment: '请尽快签收。' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.case.status, 'dispatched', 'urge does not change the status');
  assert.equal(r.json.case.version, cur.version + 1);
  // sign is not in sup1's list and is refused
  assert.ok(!codes(cur).includes('sign'));
  assertError(await sup1.act(c.id, 'sign', {}), 403);
});

test('possible_duplicates offers only cases the caller may see', async () => {
  // The hotline's create_roles leave only county-wide centre roles to
  // register hotline orders (ent1 → 403, tests/api/assignments.test.mjs), so
  // a narrow-scope creator registers a case of the test type `plain` (no
  // create_roles: any case.create holder) with the phone of a hotline case.
  const config = await makeConfig([path.join(REPO, 'tests', 'data', 'types', 'plain.json')]);
  const s2 = await startServer({ cases: false, env: { CIVICLOOP_CONFIG: config } });
  const op1 = await s2.login('op1');
  const ent1 = await s2.login('ent1');
  const phone = '13911112222';
  const hidden = (await op1.create(caseBody({
    org: 'town.b', title: '长岭乡的另一件事', reporter: { name: '甲', phone },
  }))).case;
  assertError(await ent1.get(`/api/v1/cases/${hidden.id}`), 404);
  assertError(await ent1.post('/api/v1/cases', caseBody({ reporter: { name: '乙', phone } })), 403);
  // ent1 registers for itself, with the same phone
  const r = await ent1.post('/api/v1/cases', {
    type: 'plain', class: '一般', channel: 'web', title: '企业自报', description: '企业自报的事项。', reporter: { name: '乙', phone },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.case.org.code, 'ent.demo1');
  assert.ok(!r.json.possible_duplicates.some((d) => d.id === hidden.id),
    `a case ent1 may not see must not be offered (id, no, title leak): ${JSON.stringify(r.json.possible_duplicates)}`);
  assert.ok(!r.text.includes('长岭乡的另一件事'));
  // op1, who sees both, is offered the first
  const again = await op1.create(caseBody({ title: '第三次', reporter: { phone } }));
  assert.ok(again.possible_duplicates.some((d) => d.id === hidden.id));
});
