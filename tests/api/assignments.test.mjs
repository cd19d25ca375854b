// What 主办 (lead) and 协办 (assist) mean (DESIGN §2 "Assignment"), tried
// the way issue 8 found them broken, black-box through the HTTP API:
//   - several units: the lead's reply is the case's reply (and the public
//     tracking page's); an assisting unit's reply is its opinion, kept on its
//     assignment and in the history, never overwriting the lead's;
//   - several units need exactly one lead: no lead → 400;
//   - an assisting unit's return waits alone: the case stays with the lead's
//     work, the lead replies on, the dispatcher rules on that unit's part;
//   - the dispatcher withdraws (撤回) or adds a unit at any time, with a
//     reason, on the record; withdrawing unsticks a unit that never signs;
//   - dispatch targets are handling units (not the hotline centre, not a
//     grid, not a village for a department's matter);
//   - who may register a hotline case is the type's data (create_roles);
//   - the discipline inspector (jw1) reads cases county-wide, read-only,
//     and every read is on the audit chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, freshPhone, dbCmd, jsonText } from './helpers.mjs';

const srv = await startServer();

const LOGINS = ['op1', 'disp1', 'sup1', 'cg1', 'zj1', 'town1', 'town2', 'water1', 'mz1', 'admin',
  'jw1', 'grid1', 'ent1', 'med1', 'insp1', 'dongmen1'];
async function users() {
  const out = {};
  for (const n of LOGINS) out[n] = await srv.login(n);
  return out;
}

async function newCase(extra = {}) {
  const op1 = await srv.login('op1');
  return (await op1.create(caseBody({ title: '主办协办测试', ...extra }))).case;
}

const asgOf = (c, org) => c.assignments.find((a) => a.org.code === org && a.status !== 'cancelled')
  || c.assignments.find((a) => a.org.code === org);
const codes = (c) => c.actions.map((a) => a.code).sort();

async function sql(stmt) {
  const r = await dbCmd(srv.db, stmt, { json: true });
  assert.equal(r.code, 0, `${stmt}: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

// ---------------------------------------------------------------------------
// 1. lead + two assisting units, each replying

test('town.a (lead) + ent.water + dept.mz reply: the case\'s reply is the lead\'s, each assist\'s is its opinion', async () => {
  const u = await users();
  const phone = freshPhone('139');
  const c = await newCase({ reporter: { name: '来电人', phone } });
  const d = await u.disp1.must(c.id, 'dispatch', { orgs: ['town.a', 'ent.water', 'dept.mz'], lead: 'town.a' });
  assert.deepEqual(d.assignments.map((a) => [a.org.code, a.kind]),
    [['town.a', 'lead'], ['ent.water', 'assist'], ['dept.mz', 'assist']]);
  // the demo county gives every unit a handler: dept.mz has mz1
  for (const h of [u.town1, u.water1, u.mz1]) await h.must(c.id, 'sign', {});

  const LEAD = '濂江镇已组织执法队现场处置，问题已解决。';
  const WATER = '供水公司已配合关阀抢修。';
  const MZ = '民政局已对困难户进行走访救助。';
  // the lead answers first, the assisting units after it: the old engine let the last one win
  let x = await u.town1.must(c.id, 'reply', { reply: LEAD });
  assert.equal(x.status, 'handling', 'the assisting units are still working');
  assert.equal(x.fields.reply, LEAD);
  x = await u.water1.must(c.id, 'reply', { reply: WATER });
  assert.equal(x.fields.reply, LEAD, 'an assisting unit\'s reply never overwrites the lead\'s');
  x = await u.mz1.must(c.id, 'reply', { reply: MZ });
  assert.equal(x.status, 'replied', 'the case is replied once every unit has answered');
  assert.equal(x.fields.reply, LEAD);

  // the opinions are kept, each on its own assignment, shown in the case
  const full = await u.disp1.case(c.id);
  assert.equal(full.fields.reply, LEAD);
  assert.equal(asgOf(full, 'town.a').opinion, null, 'the lead\'s answer is the case\'s reply, not an opinion');
  assert.equal(asgOf(full, 'ent.water').opinion.reply, WATER);
  assert.equal(asgOf(full, 'dept.mz').opinion.reply, MZ);
  assert.match(asgOf(full, 'dept.mz').opinion.at, /\+08:00$/);
  // every unit working on the case sees them too
  assert.equal(asgOf(await u.town1.case(c.id), 'ent.water').opinion.reply, WATER);

  // and the history says whose reply was what
  const replies = (await u.admin.events(c.id)).filter((e) => e.action === 'reply');
  assert.deepEqual(replies.map((e) => [e.payload.assignment_org, e.payload.assignment_kind, e.payload.reply, e.payload.opinion === true]), [
    ['town.a', 'lead', LEAD, false],
    ['ent.water', 'assist', WATER, true],
    ['dept.mz', 'assist', MZ, true],
  ]);

  // public tracking shows the lead's reply, never an assisting unit's
  await u.sup1.must(c.id, 'review', {});
  const t = await srv.raw('GET', `/api/v1/public/track?no=${c.no}&phone_tail=${phone.slice(-4)}`);
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.reply, LEAD);
  assert.ok(!t.text.includes(WATER) && !t.text.includes(MZ), 'no unit\'s opinion in public');
});

test('the lead replying last, or between the assisting units, still gives the case the lead\'s reply', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { orgs: ['dept.cg', 'town.a', 'ent.water'], lead: 'dept.cg' });
  for (const h of [u.cg1, u.town1, u.water1]) await h.must(c.id, 'sign', {});
  let x = await u.town1.must(c.id, 'reply', { reply: '镇里已配合。' });
  assert.equal(x.fields.reply, undefined, 'no case reply before the lead answers');
  x = await u.cg1.must(c.id, 'reply', { reply: '城管局已办结。' });
  x = await u.water1.must(c.id, 'reply', { reply: '供水公司已配合。' });
  assert.equal(x.status, 'replied');
  assert.equal(x.fields.reply, '城管局已办结。');
});

// ---------------------------------------------------------------------------
// 2. several units need exactly one lead

test('dispatch to several units without a lead → 400, nothing written; one unit alone is the lead', async () => {
  const u = await users();
  const c = await newCase();
  assertError(await u.disp1.act(c.id, 'dispatch', { orgs: ['town.a', 'ent.water'] }), 400, 'field.required', 'lead');
  assertError(await u.disp1.act(c.id, 'dispatch', { orgs: ['town.a', 'ent.water'], lead: 'dept.cg' }), 400, 'field.invalid', 'lead');
  const now = await u.admin.case(c.id);
  assert.equal(now.status, 'received');
  assert.equal(now.version, c.version);
  assert.equal(now.assignments.length, 0);
  assert.equal((await u.admin.events(c.id)).length, 1);

  const d = await u.disp1.must(c.id, 'dispatch', { orgs: ['ent.water'] });
  assert.deepEqual(d.assignments.map((a) => a.kind), ['lead']);
  // a unit added later assists; the case keeps its one lead
  const a = await u.disp1.must(c.id, 'add_unit', { org: 'town.a', reason: '需属地镇政府配合。' });
  assert.deepEqual(a.assignments.map((g) => [g.org.code, g.kind]), [['ent.water', 'lead'], ['town.a', 'assist']]);
  assert.equal(a.assignments.filter((g) => g.kind === 'lead').length, 1);
});

// ---------------------------------------------------------------------------
// 3. an assisting unit's return does not freeze the lead

test('an assisting unit\'s return: only its part waits; the lead replies on; the dispatcher rules on that unit', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.cg1.must(c.id, 'sign', {});
  await u.town1.must(c.id, 'sign', {});
  let x = await u.town1.must(c.id, 'return', { reason: '该事项不属于本镇职责。' });
  assert.equal(x.status, 'handling', 'the case stays with the lead\'s work');
  assert.equal(asgOf(x, 'town.a').status, 'return_requested');
  assert.equal(asgOf(x, 'dept.cg').status, 'signed');
  // the dispatcher sees the pending ruling in the case's actions, and in the queue
  assert.ok(codes(await u.disp1.case(c.id)).includes('approve_return'));
  assert.ok(codes(await u.disp1.case(c.id)).includes('reject_return'));
  const inQueue = async () => (await u.disp1.listAll('queue=dispatch')).some((k) => k.id === c.id);
  assert.ok(await inQueue(), 'a case whose assisting unit waits for a ruling is in the dispatch queue');

  // the lead is not frozen: it replies (200, not 409)
  assert.ok(codes(await u.cg1.case(c.id)).includes('reply'));
  x = await u.cg1.must(c.id, 'reply', { reply: '城管局已办结。' });
  assert.equal(x.status, 'handling', 'still waiting on the assisting unit\'s part');
  assert.equal(x.fields.reply, '城管局已办结。');

  // the dispatcher refuses the return: the unit works on, and its reply completes the case
  assertError(await u.disp1.act(c.id, 'reject_return', {}), 400, 'field.required', 'reason');
  x = await u.disp1.must(c.id, 'reject_return', { reason: '属地配合是镇里的职责，请继续办理。' });
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'town.a').status, 'signed');
  assert.ok(!(await inQueue()), 'ruled on: the case leaves the dispatch queue');
  x = await u.town1.must(c.id, 'reply', { reply: '镇里已配合。' });
  assert.equal(x.status, 'replied');
  assert.equal(x.fields.reply, '城管局已办结。');

  const ev = await u.admin.events(c.id);
  const ret = ev.find((e) => e.action === 'return');
  assert.equal(ret.from, 'handling');
  assert.equal(ret.to, 'handling');
  assert.equal(ret.payload.assignment_org, 'town.a');
  const rej = ev.find((e) => e.action === 'reject_return');
  assert.equal(rej.payload.assignment_org, 'town.a');
  assert.equal(rej.payload.reason, '属地配合是镇里的职责，请继续办理。');
});

test('an approved assisting return after the lead has replied completes the case; the lead\'s return still moves it', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.cg1.must(c.id, 'sign', {});
  await u.cg1.must(c.id, 'reply', { reply: '城管局已办结。' });
  await u.town1.must(c.id, 'return', { reason: '不属本镇。' });
  const x = await u.disp1.must(c.id, 'approve_return', {});
  assert.equal(asgOf(x, 'town.a').status, 'cancelled');
  assert.equal(x.status, 'replied', 'the lead had answered and no unit is left working');
  const ap = (await u.admin.events(c.id)).find((e) => e.action === 'approve_return');
  assert.deepEqual(ap.payload.cancelled_assignments, [asgOf(x, 'town.a').id], 'counted as one unit\'s return (退单率)');

  // the lead's own return moves the whole case, and the assisting unit is not frozen by it
  const c2 = await newCase();
  await u.disp1.must(c2.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.town1.must(c2.id, 'sign', {});
  let y = await u.cg1.must(c2.id, 'return', { reason: '属住建部门职责。' });
  assert.equal(y.status, 'return_requested');
  y = await u.town1.must(c2.id, 'reply', { reply: '镇里已配合排查。' });
  assert.equal(y.status, 'return_requested', 'the assisting unit answered; the case still waits on the lead\'s return');
  assert.equal(y.fields.reply, undefined);
  // approving the lead's return leaves the case without a lead: back to the dispatcher (改派)
  y = await u.disp1.must(c2.id, 'approve_return', { org: 'dept.cg' });
  assert.equal(y.status, 'received', 'an assisting unit never answers the case alone');
  assert.equal(asgOf(y, 'town.a').status, 'done');
  y = await u.disp1.must(c2.id, 'dispatch', { org: 'dept.zj' });
  assert.equal(asgOf(y, 'dept.zj').kind, 'lead');
  await u.zj1.must(c2.id, 'sign', {});
  y = await u.zj1.must(c2.id, 'reply', { reply: '住建局已办结。' });
  assert.equal(y.status, 'replied');
  assert.equal(y.fields.reply, '住建局已办结。');
  assert.equal(asgOf(y, 'town.a').opinion.reply, '镇里已配合排查。');
});

test('several returns at once: the dispatcher names the unit it rules on', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { orgs: ['dept.cg', 'town.a', 'ent.water'], lead: 'dept.cg' });
  await u.town1.must(c.id, 'return', { reason: '不属本镇。' });
  await u.water1.must(c.id, 'return', { reason: '不属供水。' });
  let x = await u.disp1.must(c.id, 'approve_return', { org: 'ent.water' });
  assert.equal(asgOf(x, 'ent.water').status, 'cancelled');
  assert.equal(asgOf(x, 'town.a').status, 'return_requested');
  assert.equal(x.status, 'dispatched', 'the lead has not signed yet');
  assertError(await u.disp1.act(c.id, 'approve_return', { org: 'ent.water' }), 409, 'case.action_not_allowed');
  x = await u.disp1.must(c.id, 'reject_return', { org: 'town.a', reason: '请配合。' });
  assert.equal(asgOf(x, 'town.a').status, 'signed');
  assert.equal(x.status, 'handling', 'a unit works on it now (its return refused counts as signed)');
  assert.ok(!codes(await u.disp1.case(c.id)).includes('approve_return'), 'no return left to rule on');
  assert.ok(codes(await u.town1.case(c.id)).includes('reply'));
  // while the lead's own return waits, refusing an assisting unit's return leaves the case waiting on it
  const c2 = await newCase();
  await u.disp1.must(c2.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.cg1.must(c2.id, 'return', { reason: '不属城管。' });
  await u.town1.must(c2.id, 'return', { reason: '不属本镇。' });
  x = await u.disp1.must(c2.id, 'reject_return', { org: 'town.a', reason: '请配合。' });
  assert.equal(x.status, 'return_requested');
  x = await u.disp1.must(c2.id, 'reject_return', { org: 'dept.cg', reason: '属城管职责。' });
  assert.equal(x.status, 'handling');
});

// ---------------------------------------------------------------------------
// 4. withdraw (撤回) and add, with a reason, on the record

test('the dispatcher adds and withdraws units at any time, with a reason, on the record', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  await u.cg1.must(c.id, 'sign', {});
  assertError(await u.disp1.act(c.id, 'add_unit', { org: 'dept.mz' }), 400, 'field.required', 'reason');
  assertError(await u.cg1.act(c.id, 'add_unit', { org: 'dept.mz', reason: '自己加' }), 403);
  let x = await u.disp1.must(c.id, 'add_unit', { org: 'dept.mz', reason: '涉及困难群众救助，请民政局协办。' });
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'dept.mz').kind, 'assist');
  assert.equal(asgOf(x, 'dept.mz').status, 'pending');
  assert.ok(asgOf(x, 'dept.mz').sign_due_at && asgOf(x, 'dept.mz').due_at, 'the added unit has its own deadlines');
  assertError(await u.disp1.act(c.id, 'add_unit', { org: 'dept.mz', reason: '再加一次' }), 409);
  // mz1 now sees the case and may sign
  assert.ok(codes(await u.mz1.case(c.id)).includes('sign'));

  assertError(await u.disp1.act(c.id, 'withdraw_unit', { org: 'dept.mz' }), 400, 'field.required', 'reason');
  assertError(await u.disp1.act(c.id, 'withdraw_unit', { org: 'dept.zj', reason: '无此单位任务' }), 400, 'field.invalid', 'org');
  assertError(await u.cg1.act(c.id, 'withdraw_unit', { org: 'dept.mz', reason: '不要协办' }), 403);
  x = await u.disp1.must(c.id, 'withdraw_unit', { org: 'dept.mz', reason: '经核实无需民政局协办，予以撤回。' });
  assert.equal(asgOf(x, 'dept.mz').status, 'cancelled');
  assert.equal(x.status, 'handling', 'withdrawing an assisting unit leaves the lead\'s work alone');
  assertError(await u.mz1.get(`/api/v1/cases/${c.id}`), 404);

  const ev = (await u.admin.events(c.id)).filter((e) => ['add_unit', 'withdraw_unit'].includes(e.action));
  assert.equal(ev.length, 2);
  assert.equal(ev[0].actor.login, 'disp1');
  assert.equal(ev[0].payload.reason, '涉及困难群众救助，请民政局协办。');
  assert.deepEqual(ev[0].payload.assignments.map((a) => [a.org, a.kind]), [['dept.mz', 'assist']]);
  assert.equal(ev[1].payload.reason, '经核实无需民政局协办，予以撤回。');
  assert.deepEqual(ev[1].payload.withdrawn, { assignment: asgOf(x, 'dept.mz').id, org: 'dept.mz', kind: 'assist' });
  // both are internal steps: not on the public tracking page
  const t = await srv.raw('GET', `/api/v1/public/track?no=${c.no}&phone_tail=${c.reporter.phone.slice(-4)}`);
  assert.equal(t.status, 200, t.text);
  assert.ok(t.json.steps.length > 0);
  assert.ok(!t.json.steps.some((s) => ['add_unit', 'withdraw_unit'].includes(s.action)));
});

test('a unit that never signs no longer strands the case: withdrawing it lets the lead\'s reply close the round', async () => {
  const u = await users();
  const c = await newCase();
  // dept.gaj stands for a unit that does not answer
  await u.disp1.must(c.id, 'dispatch', { orgs: ['town.a', 'dept.gaj'], lead: 'town.a' });
  await u.town1.must(c.id, 'sign', {});
  let x = await u.town1.must(c.id, 'reply', { reply: '镇里已处理完毕。' });
  assert.equal(x.status, 'handling', 'waiting on dept.gaj, which never signs');
  x = await u.disp1.must(c.id, 'withdraw_unit', { org: 'dept.gaj', reason: '公安局未签收，经协调撤回。' });
  assert.equal(x.status, 'replied');
  assert.equal(x.fields.reply, '镇里已处理完毕。');

  // a lone lead that never signs: withdrawn, the case goes back to be dispatched again (改派)
  const c2 = await newCase();
  await u.disp1.must(c2.id, 'dispatch', { org: 'dept.gaj' });
  x = await u.disp1.must(c2.id, 'withdraw_unit', { org: 'dept.gaj', reason: '长时间未签收，撤回改派。' });
  assert.equal(x.status, 'received');
  x = await u.disp1.must(c2.id, 'dispatch', { org: 'dept.cg' });
  assert.equal(x.status, 'dispatched');
  assert.equal(asgOf(x, 'dept.cg').kind, 'lead');

  // an extension waiting for the dispatcher's ruling is ruled on first
  const c3 = await newCase();
  await u.disp1.must(c3.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.town1.must(c3.id, 'sign', {});
  await u.town1.must(c3.id, 'extend', { days: 2, reason: '需要时间。' });
  assertError(await u.disp1.act(c3.id, 'withdraw_unit', { org: 'town.a', reason: '撤回' }), 409, 'case.action_not_allowed');
});

// ---------------------------------------------------------------------------
// 5. dispatch targets are handling units

test('dispatch targets: not the hotline centre, not a grid or the county, not a village for a department\'s matter', async () => {
  const u = await users();
  const c = await newCase({ org: 'town.a' });
  assertError(await u.disp1.act(c.id, 'dispatch', { org: 'county.12345' }), 400, 'field.invalid', 'org');
  assertError(await u.disp1.act(c.id, 'dispatch', { org: 'county' }), 400, 'field.invalid', 'org');
  assertError(await u.disp1.act(c.id, 'dispatch', { org: 'grid.a1' }), 400, 'field.invalid', 'org');
  assertError(await u.disp1.act(c.id, 'dispatch', { orgs: ['dept.cg', 'county.12345'], lead: 'dept.cg' }), 400, 'field.invalid', 'orgs');
  // a department's matter is not pushed down to a village
  assertError(await u.disp1.act(c.id, 'dispatch', { orgs: ['dept.cg', 'village.a1'], lead: 'dept.cg' }), 400, 'field.invalid', 'orgs');
  assert.equal((await u.admin.case(c.id)).assignments.length, 0);
  assert.equal((await u.admin.events(c.id)).length, 1);
  // nor added to one later
  await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  assertError(await u.disp1.act(c.id, 'add_unit', { org: 'village.a1', reason: '请社区配合' }), 400, 'field.invalid', 'org');
  assertError(await u.disp1.act(c.id, 'add_unit', { org: 'county.12345', reason: '中心协办' }), 400, 'field.invalid', 'org');
  // a township's matter may take its village along
  const t = await newCase({ org: 'town.a' });
  const d = await u.disp1.must(t.id, 'dispatch', { orgs: ['town.a', 'village.a1'], lead: 'town.a' });
  assert.equal(asgOf(d, 'village.a1').kind, 'assist');
  assert.ok(codes(await u.dongmen1.case(t.id)).includes('sign'), 'the village has a handler to sign');
});

// ---------------------------------------------------------------------------
// 6. who may register a hotline case is the type's data

test('create_roles: grid1, ent1, med1 and insp1 may not register hotline orders (403); the centre may', async () => {
  const u = await users();
  const t = await u.admin.get('/api/v1/types/hotline');
  assert.deepEqual(t.json.create_roles, ['operator', 'dispatcher', 'admin', 'linkage']);
  const before = (await u.admin.listAll()).length;
  for (const who of ['grid1', 'ent1', 'med1', 'insp1']) {
    const body = caseBody({ title: `${who} 登记` });
    delete body.org; // its own scope
    assertError(await u[who].post('/api/v1/cases', body), 403, 'permission.denied');
    assertError(await u[who].post('/api/v1/cases', caseBody({ title: `${who} 登记` })), 403, 'permission.denied');
  }
  assert.equal((await u.admin.listAll()).length, before, 'nothing created');
  for (const who of ['op1', 'disp1']) assert.equal((await u[who].post('/api/v1/cases', caseBody())).status, 201);
});

// ---------------------------------------------------------------------------
// 7. the discipline inspector: county-wide, read-only, every read recorded

test('jw1 (纪委) reads cases county-wide, cannot act, and every read is on the audit chain', async () => {
  const u = await users();
  const all = await u.admin.listAll('type=hotline');
  const seen = await u.jw1.listAll('type=hotline');
  assert.ok(all.length > 20);
  assert.deepEqual(seen.map((x) => x.id), all.map((x) => x.id), 'every case of the county');
  const orgs = new Set(seen.map((x) => x.org.code));
  assert.ok(orgs.has('town.a') && orgs.has('town.b') && orgs.has('county'), [...orgs].join(','));

  const c = await newCase({ org: 'town.b', class: '举报', reporter: { name: '举报人', phone: freshPhone('138'), confidential: true } });
  await u.disp1.must(c.id, 'dispatch', { org: 'town.b' });
  await (await srv.login('sup1')).must(c.id, 'urge', { comment: '请尽快签收。' });

  const seqBefore = (await sql('SELECT max(seq) AS s FROM events'))[0].s;
  const g = await u.jw1.case(c.id);
  assert.equal(g.reporter.name, '举报人', 'discipline holds pii.read');
  assert.deepEqual(g.actions, [], 'nothing to do: read-only');
  const hist = await u.jw1.events(c.id);
  assert.ok(hist.some((e) => e.action === 'urge'), 'supervision records are in the history');

  // each read is an event by jw1, before the answer went out
  const reads = await sql(`SELECT e.case_id, e.action, ${jsonText('e.payload', 'view')} AS view FROM events e
    JOIN users u ON u.id = e.actor_id WHERE u.login = 'jw1' AND e.seq > ${seqBefore} ORDER BY e.seq`);
  assert.deepEqual(reads.map((r) => [r.case_id, r.action, r.view]), [
    [c.id, 'pii.view', null],
    [c.id, 'case.read', 'case'],
    [c.id, 'case.read', 'events'],
  ]);
  // a list is recorded with the cases it showed
  await u.jw1.get('/api/v1/cases?type=hotline&org=town.b&limit=5');
  const lists = await sql(`SELECT e.case_id, e.payload FROM events e JOIN users u ON u.id = e.actor_id
    WHERE u.login = 'jw1' AND e.action = 'case.list' AND e.seq > ${seqBefore}`);
  assert.equal(lists.length, 1);
  assert.equal(lists[0].case_id, null);
  const p = JSON.parse(lists[0].payload);
  assert.equal(p.cases.length, 5);
  assert.equal(p.query.org, 'town.b');
  // the chain still verifies with the reads on it
  // (civicloop audit verify needs the server stopped; the hash fields are checked by audit.test.mjs)

  // read-only: no action, no registration, whatever the case's state
  for (const action of ['dispatch', 'sign', 'reply', 'urge', 'supervise', 'review', 'withdraw_unit', 'add_unit', 'approve_return']) {
    assertError(await u.jw1.act(c.id, action, { org: 'dept.cg', reason: '纪委', reply: '纪委', comment: '纪委' }), 403);
  }
  assertError(await u.jw1.post('/api/v1/cases', caseBody()), 403);
  const after = await u.admin.case(c.id);
  assert.equal(after.version, g.version, 'nothing changed');

  // others' reads are not recorded (only the roles the permission table marks)
  const mark = (await sql('SELECT max(seq) AS s FROM events'))[0].s;
  await u.admin.case(c.id);
  await u.town2.case(c.id);
  assert.deepEqual(await sql(`SELECT action FROM events WHERE seq > ${mark} AND action LIKE 'case.%'`), []);
});

test('an assisting unit\'s extension: only its own clock stops and moves; the lead works on; the ruling names the unit', async () => {
  const u = await users();
  const c = await newCase({ class: '投诉' });
  await u.disp1.must(c.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.cg1.must(c.id, 'sign', {});
  let x = await u.town1.must(c.id, 'sign', {});
  const before = { case: x.due_at, lead: asgOf(x, 'dept.cg').due_at, assist: asgOf(x, 'town.a').due_at };
  x = await u.town1.must(c.id, 'extend', { days: 3, reason: '需协调村组现场核实。' });
  assert.equal(x.status, 'handling', 'the case stays with the lead\'s work');
  assert.equal(asgOf(x, 'town.a').status, 'extension_requested');
  assert.equal(asgOf(x, 'dept.cg').status, 'signed');
  // only the assisting unit's timers are paused
  const timers = (await sql(`SELECT t.state || ':' || coalesce(a.kind, 'case') AS s FROM timers t LEFT JOIN assignments a ON a.id = t.assignment_id WHERE t.case_id = ${c.id} AND t.state IN ('running','paused') ORDER BY 1`)).map((r) => r.s).join(' ');
  assert.ok(timers.includes('paused:assist'), timers);
  assert.ok(!timers.includes('paused:lead') && !timers.includes('paused:case'), `the lead's and the case's clocks run on: ${timers}`);
  // the dispatcher sees it in the queue; the lead is not frozen
  assert.ok((await u.disp1.listAll('queue=dispatch')).some((k) => k.id === c.id));
  x = await u.cg1.must(c.id, 'reply', { reply: '城管局已办结。' });
  assert.equal(x.status, 'handling', 'still waiting on the assisting unit');
  // approving moves only that unit's deadline
  x = await u.disp1.must(c.id, 'approve_extension', { org: 'town.a' });
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'town.a').status, 'signed');
  assert.ok(asgOf(x, 'town.a').due_at > before.assist, `the assisting unit's deadline moves: ${before.assist} → ${asgOf(x, 'town.a').due_at}`);
  assert.equal(x.due_at, before.case, 'the case deadline stays');
  assert.equal(asgOf(x, 'dept.cg').due_at, before.lead, 'the lead\'s deadline stays');
  const after = await sql(`SELECT count(*) AS n FROM timers WHERE case_id = ${c.id} AND state = 'paused'`);
  assert.equal(after[0].n, 0, 'no clock left paused');
  x = await u.town1.must(c.id, 'reply', { reply: '镇里已配合。' });
  assert.equal(x.status, 'replied');
  assert.equal(x.fields.reply, '城管局已办结。');

  // a refused assisting extension: that unit's clock runs again, nothing moves
  const c2 = await newCase({ class: '投诉' });
  await u.disp1.must(c2.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.cg1.must(c2.id, 'sign', {});
  x = await u.town1.must(c2.id, 'sign', {});
  const due2 = asgOf(x, 'town.a').due_at;
  await u.town1.must(c2.id, 'extend', { days: 2, reason: '需要时间。' });
  assertError(await u.disp1.act(c2.id, 'reject_extension', { org: 'town.a' }), 400, 'field.required', 'reason');
  x = await u.disp1.must(c2.id, 'reject_extension', { org: 'town.a', reason: '请按期办理。' });
  assert.equal(x.status, 'handling');
  assert.equal(asgOf(x, 'town.a').status, 'signed');
  assert.equal(asgOf(x, 'town.a').due_at, due2, 'a refusal moves no deadline');
  assert.equal((await sql(`SELECT count(*) AS n FROM timers WHERE case_id = ${c2.id} AND state = 'paused'`))[0].n, 0);
});
