// The hotline lifecycle through the API: dispatch, sign, reply, review,
// callback, lead + assisting units, reopen, returns, direct answers, merge,
// versions and concurrency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, HEX64 } from './helpers.mjs';

const srv = await startServer();

const KNOWN = new Set(['answer', 'dispatch', 'sign', 'return', 'approve_return', 'reject_return', 'reply',
  'review', 'callback', 'urge', 'supervise', 'transfer_110', 'merge', 'unmerge']);
const codes = (c) => c.actions.map((a) => a.code).filter((a) => KNOWN.has(a)).sort();

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?\+08:00$/;

async function users() {
  const names = ['op1', 'disp1', 'sup1', 'cg1', 'cglead', 'town1', 'town2', 'zj1', 'admin', 'leader1'];
  const out = {};
  for (const n of names) out[n] = await srv.login(n);
  return out;
}

async function newCase(extra = {}) {
  const op1 = await srv.login('op1');
  return (await op1.create(caseBody({ title: '流程测试工单', ...extra }))).case;
}

/** Checks the shape and chaining of a case's events; returns the actions. */
function checkEvents(ev) {
  const hashes = new Set();
  let prevSeq = 0;
  let prevTo = null;
  for (const e of ev) {
    assert.equal(typeof e.seq, 'number');
    assert.ok(e.seq > prevSeq, `seq increases: ${e.seq} after ${prevSeq}`);
    prevSeq = e.seq;
    assert.match(e.at, ISO);
    assert.ok(e.actor && typeof e.actor.id === 'number' && typeof e.actor.login === 'string', 'actor');
    assert.equal(typeof e.action, 'string');
    assert.ok('from' in e && 'to' in e, 'from and to present');
    assert.match(e.hash, HEX64);
    assert.ok(!hashes.has(e.hash), 'hashes differ');
    hashes.add(e.hash);
    if (e.action === 'create') {
      assert.equal(e.from, null);
    } else if (e.action !== 'pii.view') {
      assert.equal(e.from, prevTo, `${e.action} starts where the last step ended`);
    }
    if (e.action !== 'pii.view') prevTo = e.to;
  }
  return ev.map((e) => e.action);
}

test('full hotline path: create → dispatch → sign → reply → review → callback 满意 → closed', async () => {
  const u = await users();
  let c = await newCase({ class: '投诉' });
  const id = c.id;
  const v0 = c.version;
  const steps = [
    ['disp1', 'dispatch', { org: 'dept.cg' }, 'dispatched'],
    ['cg1', 'sign', {}, 'handling'],
    ['cg1', 'reply', { reply: '已安排人员现场处理完毕。' }, 'replied'],
    ['sup1', 'review', {}, 'callback'],
    ['sup1', 'callback', { resolved: true, satisfaction: '满意' }, 'closed'],
  ];
  let n = 1;
  for (const [who, action, body, status] of steps) {
    const before = c.version;
    c = await u[who].must(id, action, { ...body, version: before });
    assert.equal(c.status, status, `${action} → ${status}`);
    assert.equal(c.version, before + 1, `${action} bumps the version by one`);
    n++;
    const ev = await u.admin.events(id);
    assert.equal(ev.length, n, `one event per step (after ${action})`);
    assert.equal(ev.at(-1).action, action);
    assert.equal(ev.at(-1).to, status);
    assert.equal(ev.at(-1).actor.login, who);
  }
  assert.equal(c.version, v0 + 5);
  assert.match(c.closed_at, ISO);
  assert.equal(c.fields.reply, '已安排人员现场处理完毕。');
  assert.equal(c.fields.satisfaction, '满意');
  assert.equal(c.fields.resolved, true);
  assert.equal(c.assignments.length, 1);
  const a = c.assignments[0];
  assert.equal(a.org.code, 'dept.cg');
  assert.equal(a.kind, 'lead');
  assert.equal(a.status, 'done');
  assert.match(a.signed_at, ISO);
  assert.match(a.done_at, ISO);
  assert.match(a.dispatched_at, ISO);
  assert.match(a.due_at, ISO);
  assert.match(a.sign_due_at, ISO);

  const ev = await u.admin.events(id);
  assert.deepEqual(checkEvents(ev), ['create', 'dispatch', 'sign', 'reply', 'review', 'callback']);
  assert.deepEqual(ev.map((e) => e.to), ['received', 'dispatched', 'handling', 'replied', 'callback', 'closed']);

  // a closed case takes no more steps
  assertError(await u.disp1.act(id, 'dispatch', { org: 'dept.zj' }), 409, 'case.action_not_allowed');
  assertError(await u.sup1.act(id, 'callback', { resolved: true, satisfaction: '满意' }), 409, 'case.action_not_allowed');
  assert.equal((await u.admin.events(id)).length, 6);
});

test('lead + assist: both units must sign and reply before the case is replied', async () => {
  const u = await users();
  const c = await newCase();
  const d = await u.disp1.must(c.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  assert.equal(d.status, 'dispatched');
  assert.equal(d.assignments.length, 2);
  const byOrg = Object.fromEntries(d.assignments.map((a) => [a.org.code, a]));
  assert.equal(byOrg['dept.cg'].kind, 'lead');
  assert.equal(byOrg['town.a'].kind, 'assist');
  assert.equal(byOrg['dept.cg'].status, 'pending');
  assert.equal(byOrg['town.a'].status, 'pending');

  let x = await u.cg1.must(c.id, 'sign', {});
  assert.equal(x.status, 'handling');
  assert.ok((await u.town1.case(c.id)).actions.some((a) => a.code === 'sign'), 'town1 still has to sign');
  x = await u.cg1.must(c.id, 'reply', { reply: '主办单位已处理。' });
  assert.equal(x.status, 'handling', 'after only the lead replies the case is still handling');
  assert.equal(x.assignments.find((a) => a.org.code === 'dept.cg').status, 'done');
  assert.equal(x.assignments.find((a) => a.org.code === 'town.a').status, 'pending');
  // review is not possible yet
  assertError(await u.sup1.act(c.id, 'review', {}), 409, 'case.action_not_allowed');

  x = await u.town1.must(c.id, 'sign', {});
  assert.equal(x.status, 'handling');
  x = await u.town1.must(c.id, 'reply', { reply: '协办单位已配合处理。' });
  assert.equal(x.status, 'replied');
  assert.ok(x.assignments.every((a) => a.status === 'done'));
  // a unit that has replied cannot reply again
  assertError(await u.cg1.act(c.id, 'reply', { reply: '再答复一次' }), 409, 'case.action_not_allowed');

  const ev = await u.admin.events(c.id);
  assert.deepEqual(checkEvents(ev), ['create', 'dispatch', 'sign', 'reply', 'sign', 'reply']);
  assert.deepEqual(ev.map((e) => e.to), ['received', 'dispatched', 'handling', 'handling', 'handling', 'replied']);
});

test('dispatch input: lead must be one of orgs; org and orgs exclusive; no duplicates; known units only', async () => {
  const u = await users();
  const c = await newCase();
  assertError(await u.disp1.act(c.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.zj' }), 400);
  assertError(await u.disp1.act(c.id, 'dispatch', { org: 'dept.cg', orgs: ['town.a'] }), 400);
  assertError(await u.disp1.act(c.id, 'dispatch', { orgs: ['dept.cg', 'dept.cg'], lead: 'dept.cg' }), 400);
  assertError(await u.disp1.act(c.id, 'dispatch', { org: 'dept.nosuch' }), 400, 'field.invalid');
  assertError(await u.disp1.act(c.id, 'dispatch', { orgs: [] }), 400);
  assertError(await u.disp1.act(c.id, 'dispatch', {}), 400);
  const now = await u.admin.case(c.id);
  assert.equal(now.status, 'received');
  assert.equal(now.version, c.version);
  assert.equal(now.assignments.length, 0);
  assert.equal((await u.admin.events(c.id)).length, 1);
});

test('callback 不满意 → back to handling with the assignments reopened; resolved false too', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  for (const h of [u.cg1, u.town1]) {
    await h.must(c.id, 'sign', {});
    await h.must(c.id, 'reply', { reply: '已处理。' });
  }
  await u.sup1.must(c.id, 'review', {});
  let x = await u.sup1.must(c.id, 'callback', { resolved: true, satisfaction: '不满意' });
  assert.equal(x.status, 'handling');
  assert.equal(x.closed_at, null);
  assert.equal(x.fields.satisfaction, '不满意');
  assert.equal(x.fields.reopen_count, 1);
  assert.equal(x.assignments.length, 2);
  for (const a of x.assignments) {
    assert.equal(a.status, 'signed', `${a.org.code} reopened`);
    assert.equal(a.done_at, null);
  }
  assert.ok(Date.parse(x.due_at) > Date.now(), 'a fresh deadline');
  assert.deepEqual(codes(await u.cg1.case(c.id)), ['reply', 'return']);

  // redo: both reply again; then a callback that is satisfied but not resolved reopens again
  await u.cg1.must(c.id, 'reply', { reply: '重新处理。' });
  x = await u.town1.must(c.id, 'reply', { reply: '配合重新处理。' });
  assert.equal(x.status, 'replied');
  // the lead's reply is the case's; the assisting unit's is its opinion
  assert.equal(x.fields.reply, '重新处理。');
  assert.equal(x.assignments.find((a) => a.org.code === 'town.a').opinion.reply, '配合重新处理。');
  await u.sup1.must(c.id, 'review', {});
  x = await u.sup1.must(c.id, 'callback', { resolved: false, satisfaction: '满意' });
  assert.equal(x.status, 'handling');
  assert.equal(x.fields.reopen_count, 2);

  await u.cg1.must(c.id, 'reply', { reply: '第三次处理。' });
  await u.town1.must(c.id, 'reply', { reply: '第三次配合。' });
  await u.sup1.must(c.id, 'review', {});
  x = await u.op1.must(c.id, 'callback', { resolved: true, satisfaction: '基本满意' });
  assert.equal(x.status, 'closed');
  const ev = await u.admin.events(c.id);
  assert.deepEqual(checkEvents(ev).filter((a) => a === 'callback').length, 3);
  assert.deepEqual(ev.filter((e) => e.action === 'callback').map((e) => e.to), ['handling', 'handling', 'closed']);
});

test('return → approve_return → received → re-dispatch to another unit', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  assertError(await u.cg1.act(c.id, 'return', {}), 400, 'field.required', 'reason');
  let x = await u.cg1.must(c.id, 'return', { reason: '该事项属住建部门职责，申请退回改派。' });
  assert.equal(x.status, 'return_requested');
  assert.equal(x.assignments[0].status, 'return_requested');
  assert.deepEqual(codes(await u.disp1.case(c.id)), ['approve_return', 'reject_return']);
  // only the dispatcher rules on a return
  assertError(await u.cg1.act(c.id, 'approve_return', {}), 403);
  assertError(await u.sup1.act(c.id, 'approve_return', {}), 403);

  x = await u.disp1.must(c.id, 'approve_return', { comment: '同意退回。' });
  assert.equal(x.status, 'received');
  assert.equal(x.assignments[0].status, 'cancelled');
  // the returning unit no longer sees the case
  assertError(await u.cg1.get(`/api/v1/cases/${c.id}`), 404);
  assert.ok(!(await u.cg1.listAll()).some((y) => y.id === c.id));

  x = await u.disp1.must(c.id, 'dispatch', { org: 'dept.zj' });
  assert.equal(x.status, 'dispatched');
  const live = x.assignments.filter((a) => a.status !== 'cancelled');
  assert.equal(live.length, 1);
  assert.equal(live[0].org.code, 'dept.zj');
  x = await u.zj1.must(c.id, 'sign', {});
  assert.equal(x.status, 'handling');
  const ev = await u.admin.events(c.id);
  assert.deepEqual(checkEvents(ev), ['create', 'dispatch', 'return', 'approve_return', 'dispatch', 'sign']);
  assert.deepEqual(ev.map((e) => e.to), ['received', 'dispatched', 'return_requested', 'received', 'dispatched', 'handling']);
});

test('return → reject_return → handling, and the unit carries on', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  await u.cg1.must(c.id, 'sign', {});
  await u.cg1.must(c.id, 'return', { reason: '不属于本单位职责。' });
  assertError(await u.disp1.act(c.id, 'reject_return', {}), 400, 'field.required', 'reason');
  const x = await u.disp1.must(c.id, 'reject_return', { reason: '属城管职责，请依法办理。' });
  assert.equal(x.status, 'handling');
  assert.equal(x.assignments[0].status, 'signed');
  const y = await u.cg1.must(c.id, 'reply', { reply: '已按要求办理。' });
  assert.equal(y.status, 'replied');
  assert.deepEqual(checkEvents(await u.admin.events(c.id)),
    ['create', 'dispatch', 'sign', 'return', 'reject_return', 'reply']);
});

test('answer closes a case directly', async () => {
  const u = await users();
  const c = await newCase({ class: '咨询' });
  assertError(await u.op1.act(c.id, 'answer', {}), 400, 'field.required', 'answer');
  assertError(await u.disp1.act(c.id, 'answer', { answer: '派单员不能直接答复。' }), 403);
  const x = await u.op1.must(c.id, 'answer', { answer: '已告知办理流程。' });
  assert.equal(x.status, 'closed');
  assert.equal(x.fields.answer, '已告知办理流程。');
  assert.match(x.closed_at, ISO);
  assert.equal(x.overdue, false);
  assert.deepEqual(codes(x), []);
  const ev = await u.admin.events(c.id);
  assert.deepEqual(checkEvents(ev), ['create', 'answer']);
  assert.equal(ev[1].to, 'closed');
  // closed: no answer twice, no dispatch
  assertError(await u.op1.act(c.id, 'answer', { answer: '再答一次。' }), 409, 'case.action_not_allowed');
  assertError(await u.disp1.act(c.id, 'dispatch', { org: 'dept.cg' }), 409, 'case.action_not_allowed');
});

test('transfer_110, merge and unmerge', async () => {
  const u = await users();
  const t = await newCase();
  assertError(await u.op1.act(t.id, 'transfer_110', {}), 400, 'field.required', 'reason');
  const tx = await u.op1.must(t.id, 'transfer_110', { reason: '涉及治安警情，转110处置。' });
  assert.equal(tx.status, 'transferred_110');
  assert.match(tx.closed_at, ISO);

  const parent = await newCase({ title: '并单主件' });
  const child = await newCase({ title: '并单子件' });
  assertError(await u.op1.act(child.id, 'merge', { into: child.id }), 400);
  assertError(await u.op1.act(child.id, 'merge', { into: 99999999 }), 400);
  assertError(await u.op1.act(child.id, 'merge', { into: 'x' }), 400);
  const m = await u.op1.must(child.id, 'merge', { into: parent.id });
  assert.equal(m.status, 'merged');
  const link = m.links.find((l) => l.kind === 'merged_into');
  assert.ok(link, JSON.stringify(m.links));
  assert.equal(link.case, parent.id);
  const p = await u.op1.case(parent.id);
  assert.ok(p.links.some((l) => l.kind === 'merged_into' && l.case === child.id && l.direction === 'in'));
  // merging into a closed case is refused
  assertError(await u.op1.act(parent.id, 'merge', { into: t.id }), 400);

  const um = await u.op1.must(child.id, 'unmerge', {});
  assert.equal(um.status, 'received');
  assert.ok(!um.links.some((l) => l.kind === 'merged_into'), 'the link is gone after unmerge');
  assert.deepEqual(checkEvents(await u.admin.events(child.id)), ['create', 'merge', 'unmerge']);
});

test('urge and supervise keep the status and are recorded', async () => {
  const u = await users();
  const c = await newCase();
  const d = await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  const x = await u.sup1.must(c.id, 'urge', { comment: '请尽快签收。' });
  assert.equal(x.status, 'dispatched');
  assert.equal(x.version, d.version + 1);
  const y = await u.leader1.must(c.id, 'supervise', { comment: '请主要负责人过问。' });
  assert.equal(y.status, 'dispatched');
  assert.equal(y.fields.supervise_level, 1);
  const z = await u.sup1.must(c.id, 'supervise', {});
  assert.equal(z.fields.supervise_level, 2);
  const ev = await u.admin.events(c.id);
  assert.deepEqual(checkEvents(ev), ['create', 'dispatch', 'urge', 'supervise', 'supervise']);
  const urge = ev[2];
  assert.equal(urge.from, 'dispatched');
  assert.equal(urge.to, 'dispatched');
  assert.equal(urge.payload.comment, '请尽快签收。');
  assertError(await u.leader1.act(c.id, 'urge', {}), 403);
});

test('two concurrent signs with the same version: exactly one 200, one 409', async () => {
  const u = await users();
  // same unit, two people
  const c = await newCase();
  const d = await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  const rs = await Promise.all([
    u.cg1.act(c.id, 'sign', { version: d.version }),
    u.cglead.act(c.id, 'sign', { version: d.version }),
  ]);
  const st = rs.map((r) => r.status).sort();
  assert.deepEqual(st, [200, 409], rs.map((r) => r.text).join(' | '));
  const loser = rs.find((r) => r.status === 409);
  assertError(loser, 409);
  assert.ok(['case.version_conflict', 'case.action_not_allowed'].includes(loser.json.error.code));
  const after1 = await u.admin.case(c.id);
  assert.equal(after1.version, d.version + 1);
  assert.deepEqual((await u.admin.events(c.id)).map((e) => e.action), ['create', 'dispatch', 'sign']);

  // two units, both entitled: only the stale version stops the second
  const c2 = await newCase();
  const d2 = await u.disp1.must(c2.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  const rs2 = await Promise.all([
    u.cg1.act(c2.id, 'sign', { version: d2.version }),
    u.town1.act(c2.id, 'sign', { version: d2.version }),
  ]);
  assert.deepEqual(rs2.map((r) => r.status).sort(), [200, 409], rs2.map((r) => r.text).join(' | '));
  assertError(rs2.find((r) => r.status === 409), 409, 'case.version_conflict');
  const after2 = await u.admin.case(c2.id);
  assert.equal(after2.version, d2.version + 1);
  assert.equal(after2.assignments.filter((a) => a.status === 'signed').length, 1);
  assert.equal(after2.assignments.filter((a) => a.status === 'pending').length, 1);

  // without versions both may sign their own assignment
  const c3 = await newCase();
  await u.disp1.must(c3.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  const rs3 = await Promise.all([u.cg1.act(c3.id, 'sign', {}), u.town1.act(c3.id, 'sign', {})]);
  assert.deepEqual(rs3.map((r) => r.status), [200, 200]);
  assert.ok((await u.admin.case(c3.id)).assignments.every((a) => a.status === 'signed'));
});

test('concurrent writes without versions lose nothing', async () => {
  const u = await users();
  const c = await newCase();
  const d = await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  const rs = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    u.sup1.act(c.id, 'urge', { comment: `第${i + 1}次催办` })));
  for (const r of rs) assert.equal(r.status, 200, r.text);
  const x = await u.admin.case(c.id);
  assert.equal(x.version, d.version + 12);
  const ev = await u.admin.events(c.id);
  assert.equal(ev.filter((e) => e.action === 'urge').length, 12);
  checkEvents(ev);
});

test('stale version → 409 case.version_conflict; wrong state → 409 case.action_not_allowed; unknown action → 404', async () => {
  const u = await users();
  const c = await newCase();
  const d = await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg', version: c.version });
  assertError(await u.cg1.act(c.id, 'sign', { version: c.version }), 409, 'case.version_conflict');
  assertError(await u.cg1.act(c.id, 'sign', { version: d.version + 5 }), 409, 'case.version_conflict');
  let now = await u.admin.case(c.id);
  assert.equal(now.version, d.version);
  assert.equal(now.assignments[0].status, 'pending');
  assert.equal((await u.admin.events(c.id)).length, 2);

  const r = await newCase();
  assertError(await u.sup1.act(r.id, 'review', {}), 409, 'case.action_not_allowed');
  assertError(await u.sup1.act(r.id, 'callback', { resolved: true, satisfaction: '满意' }), 409, 'case.action_not_allowed');
  assertError(await u.disp1.act(r.id, 'approve_return', {}), 409, 'case.action_not_allowed');
  assertError(await u.op1.act(r.id, 'unmerge', {}), 409, 'case.action_not_allowed');
  assertError(await u.sup1.act(r.id, 'review', { version: r.version }), 409, 'case.action_not_allowed');
  now = await u.admin.case(r.id);
  assert.equal(now.status, 'received');
  assert.equal(now.version, r.version);

  assertError(await u.disp1.act(r.id, 'fly_to_moon', {}), 404, 'action.unknown');
  assertError(await u.disp1.act(r.id, 'DISPATCH', { org: 'dept.cg' }), 404, 'action.unknown');
  assertError(await u.disp1.act(99999999, 'dispatch', { org: 'dept.cg' }), 404);
  assertError(await u.disp1.act('abc', 'dispatch', { org: 'dept.cg' }), 404);
  assert.equal((await u.admin.events(r.id)).length, 1);
});

test('an action without a body works when the action needs no fields', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  const r = await srv.raw('POST', `/api/v1/cases/${c.id}/actions/sign`, {
    headers: { Authorization: `Bearer ${u.cg1.token}` },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.case.status, 'handling');
});

test('an assisting unit\'s approved return leaves the lead unit\'s work going', async () => {
  const u = await users();
  const c = await newCase();
  await u.disp1.must(c.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  await u.cg1.must(c.id, 'sign', {});
  await u.town1.must(c.id, 'return', { reason: '该事项不属于本镇职责。' });
  const x = await u.disp1.must(c.id, 'approve_return', {});
  const byOrg = Object.fromEntries(x.assignments.map((a) => [a.org.code, a.status]));
  assert.equal(byOrg['town.a'], 'cancelled');
  assert.equal(byOrg['dept.cg'], 'signed', 'the lead keeps its signed assignment');
  // the lead is still working on it, so the case must not fall back to "received"
  // (where nobody can reply and the lead cannot even be dispatched again)
  assert.equal(x.status, 'handling', `case status after an assist's return: ${x.status}`);
  assert.deepEqual(codes(await u.cg1.case(c.id)), ['reply', 'return']);
  const y = await u.cg1.must(c.id, 'reply', { reply: '主办单位已办结。' });
  assert.equal(y.status, 'replied');
});
