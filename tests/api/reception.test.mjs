// Official receptions (公务接待, config/types/reception.json, docs/reception.md)
// end to end through the API, on the demo county without cases, each step as
// the people who take it (tr1 the traveller at dept.sl, sllead its unit lead,
// host1/hostlead at the receiving township town.a, jw1 the commission):
//   a  unhappy paths first: hostile trip requests, the wrong role approving,
//      a unit out of scope confirming, steps in the wrong state, a second
//      confirmation; nothing is written on a refusal;
//   b  the loop: request → returned → resubmitted → approved (the receiving
//      unit is assigned) → confirmed → recorded;
//   c  each compliance check flags its breach with the reason (no letter,
//      hosts, cost per head, dates), the commission's list filters by unit
//      and kind, other roles may not read it; hostile filters are 400;
//   d  /stats/reception: letters, receptions, the usage rate, flags by
//      unit and kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sqlText } from './helpers.mjs';

const srv = await startServer({ cases: false, testClock: true });
await srv.setClock('2026-03-02T10:00:00+08:00');

const trip = (title, extra = {}) => ({
  type: 'reception',
  class: 'official',
  channel: 'letter',
  title,
  description: `${title}：公务出行。`,
  fields: {
    people: '黄建华（县水利局工程股股长）、罗志强（县水利局科员）',
    date_from: '2026-03-03', date_to: '2026-03-04', dest_org: 'town.a',
    purpose: '检查水毁工程修复进度。', guests: 2, ...extra,
  },
});
const record = (extra = {}) => ({
  meals: 1, hosts: 2, guests_present: 2, cost: 200, place: '濂江镇机关食堂', held_on: '2026-03-03', ...extra,
});

async function caseCount(c) {
  return (await c.listAll('type=reception')).length;
}

/** A trip approved by sllead and confirmed by host1; returns its id. */
async function confirmedTrip(title, extra = {}) {
  const tr1 = await srv.login('tr1');
  const id = (await tr1.create(trip(title, extra))).case.id;
  await (await srv.login('sllead')).must(id, 'rc_approve', { opinion: '同意。' });
  await (await srv.login('host1')).must(id, 'rc_confirm');
  return id;
}

test('a: hostile requests, the wrong role, out of scope and the wrong state change nothing', async () => {
  const tr1 = await srv.login('tr1');
  const before = await caseCount(tr1);
  const bad = [
    [{ people: undefined }, 'people'],
    [{ people: 'x'.repeat(1001) }, 'people'],
    [{ date_from: '2026-02-30' }, 'date_from'],
    [{ dest_org: 'no.such.org' }, 'dest_org'],
    [{ guests: 0 }, 'guests'],
    [{ guests: 201 }, 'guests'],
    [{ guests: '2' }, 'guests'],
  ];
  for (const [extra, field] of bad) {
    const r = await tr1.post('/api/v1/cases', trip('赴濂江镇检查', extra));
    assert.equal(r.status, 400, `${JSON.stringify(extra)}: ${r.text}`);
    assert.equal(r.json.error.field, field, r.text);
  }
  const bytes = Buffer.concat([Buffer.from('{"type":"reception","title":"'), Buffer.from([0xe5, 0x8e]), Buffer.from('"}')]);
  const nul = await tr1.post('/api/v1/cases', trip('赴濂江镇检查', { people: '黄\u0000建华' }));
  assertError(nul, 400);
  const cut = await srv.raw('POST', '/api/v1/cases', { headers: { Authorization: `Bearer ${tr1.token}`, 'Content-Type': 'application/json' }, body: bytes });
  assert.equal(cut.status, 400);
  assert.equal(await caseCount(tr1), before, 'nothing written');

  const id = (await tr1.create(trip('赴濂江镇核查防汛物资'))).case.id;
  // the traveller may not approve his own trip; another unit's lead may not
  assertError(await tr1.act(id, 'rc_approve', {}), 403);
  const cglead = await srv.login('cglead');
  const r = await cglead.act(id, 'rc_approve', {});
  assert.ok([403, 404].includes(r.status), r.text);
  // the host cannot confirm before the approval (no assignment yet)
  const host1 = await srv.login('host1');
  assert.ok([403, 404, 409].includes((await host1.act(id, 'rc_confirm', {})).status));
  // a hostile opinion is 400 and changes nothing
  assertError(await (await srv.login('sllead')).act(id, 'rc_approve', { opinion: 'x'.repeat(2001) }), 400, undefined, 'opinion');
  assert.equal((await tr1.case(id)).status, 'rc_requested');
  // a recorded reception with a letter must go through the confirmation
  assertError(await tr1.act(id, 'rc_record_direct', record()), 409);
  // approved: town.b's handler is out of scope for the confirmation
  await (await srv.login('sllead')).must(id, 'rc_approve', { opinion: '同意。' });
  const town2 = await srv.login('town2');
  assert.ok([403, 404].includes((await town2.act(id, 'rc_confirm', {})).status));
  await host1.must(id, 'rc_confirm');
  // confirmed twice: refused 409
  assertError(await host1.act(id, 'rc_confirm', {}), 409);
  // recording with hostile numbers is 400, nothing recorded
  for (const [extra, field] of [[{ hosts: -1 }, 'hosts'], [{ cost: 100001 }, 'cost'], [{ held_on: '2026-13-01' }, 'held_on'], [{ place: '地'.repeat(201) }, 'place'], [{ meals: 'one' }, 'meals']]) {
    const x = await host1.act(id, 'rc_record', record(extra));
    assert.equal(x.status, 400, x.text);
    assert.equal(x.json.error.field, field, x.text);
  }
  assert.equal((await tr1.case(id)).status, 'rc_confirmed');
});

test('b: the loop — request, returned, resubmitted, approved, confirmed, recorded', async () => {
  const tr1 = await srv.login('tr1');
  const sllead = await srv.login('sllead');
  const host1 = await srv.login('host1');
  const id = (await tr1.create(trip('赴濂江镇座谈水利工作', { guests: 4 }))).case.id;
  assertError(await sllead.act(id, 'rc_return', {}), 400, undefined, 'reason');
  let c = await sllead.must(id, 'rc_return', { reason: '请压缩出行人数。' });
  assert.equal(c.status, 'rc_returned');
  c = await tr1.must(id, 'rc_resubmit', { guests: 2 });
  assert.equal(c.status, 'rc_requested');
  assert.equal(c.fields.guests, 2);
  c = await sllead.must(id, 'rc_approve', { opinion: '同意，按标准接待。' });
  assert.equal(c.status, 'rc_approved');
  // the e-letter (电子公函) is issued, signed, on the case
  assert.match(c.fields.e_letter_no, /^GH/);
  let docs = await tr1.get(`/api/v1/cases/${id}/documents`);
  assert.equal(docs.status, 200, docs.text);
  const letter = docs.json.items.find((d) => d.kind === 'e_letter');
  assert.equal(letter.number, c.fields.e_letter_no);
  assert.ok(letter.code && letter.verify_url, 'the letter has its verification code and link');
  assert.equal(c.fields.approved_by, '邱国平');
  assert.ok(c.fields.approved_at);
  // the receiving unit has it in its confirmation queue
  const q = await host1.get('/api/v1/cases?queue=reception_confirm');
  assert.equal(q.status, 200);
  assert.ok(q.json.items.some((x) => x.id === id), 'host sees the letter to confirm');
  c = await host1.must(id, 'rc_confirm');
  assert.equal(c.status, 'rc_confirmed');
  assert.equal(c.fields.confirm_org, 'town.a');
  c = await host1.must(id, 'rc_record', record());
  assert.equal(c.status, 'rc_recorded');
  // the reception certificate (电子接待证明) is issued, referencing the letter
  assert.match(c.fields.reception_cert_no, /^JD/);
  docs = await host1.get(`/api/v1/cases/${id}/documents`);
  assert.equal(docs.status, 200, docs.text);
  assert.deepEqual(docs.json.items.map((d) => d.kind).sort(), ['e_letter', 'reception_cert']);
  const flags = await (await srv.login('jw1')).get('/api/v1/receptions/flags');
  assert.equal(flags.status, 200, flags.text);
  assert.ok(!flags.json.items.some((f) => f.case_id === id), 'a compliant reception has no flag');
});

test('c: every check flags its breach with the reason; the list filters; others may not read it', async () => {
  const host1 = await srv.login('host1');
  const hosts = await confirmedTrip('赴濂江镇调研饮水安全');
  await host1.must(hosts, 'rc_record', record({ hosts: 4 }));
  const costly = await confirmedTrip('赴濂江镇督导环境整治', { guests: 3 });
  await host1.must(costly, 'rc_record', record({ guests_present: 3, hosts: 2, cost: 720 }));
  const late = await confirmedTrip('赴濂江镇验收农田水利');
  await host1.must(late, 'rc_record', record({ held_on: '2026-03-06' }));
  const big = await confirmedTrip('赴濂江镇现场会', { guests: 30 });
  await host1.must(big, 'rc_record', record({ guests_present: 30, hosts: 10, cost: 3000 }));
  const direct = (await host1.create({ ...trip('接待市检查组（无公函）'), channel: 'unlettered' })).case.id;
  // an unlettered visit needs no approval: the approval refuses it
  assert.ok([403, 404].includes((await (await srv.login('sllead')).act(direct, 'rc_approve', {})).status));
  assertError(await (await srv.login('hostlead')).act(direct, 'rc_approve', {}), 409);
  await host1.must(direct, 'rc_record_direct', record());

  const jw1 = await srv.login('jw1');
  const r = await jw1.get('/api/v1/receptions/flags');
  assert.equal(r.status, 200, r.text);
  const of = (id) => r.json.items.filter((f) => f.case_id === id).map((f) => f.kind).sort();
  assert.deepEqual(of(hosts), ['too_many_hosts']);
  assert.deepEqual(of(costly), ['over_standard']);
  assert.deepEqual(of(late), ['outside_dates']);
  assert.deepEqual(of(big), [], '10 hosts for 30 guests is a third: allowed');
  assert.deepEqual(of(direct), ['no_letter']);
  const reason = (id) => r.json.items.find((f) => f.case_id === id).reason;
  assert.match(reason(hosts), /陪餐4人.*最多可陪餐3人/);
  assert.match(reason(costly), /人均每餐144元，超过标准120元/);
  assert.match(reason(late), /2026-03-06不在出行日期2026-03-03至2026-03-04之内/);
  assert.equal(r.json.items.find((f) => f.case_id === hosts).unit.code, 'town.a');
  assert.equal(r.json.items.find((f) => f.case_id === hosts).traveller.code, 'dept.sl');
  const fig = r.json.figures;
  assert.equal(fig.receptions, 6);
  assert.equal(fig.with_letter, 5);
  assert.equal(fig.by_kind.no_letter, 1);
  assert.equal(fig.by_kind.too_many_hosts, 1);
  // the filters
  const k = await jw1.get('/api/v1/receptions/flags?kind=over_standard');
  assert.deepEqual(k.json.items.map((f) => f.case_id), [costly]);
  const u = await jw1.get('/api/v1/receptions/flags?unit=town.b');
  assert.equal(u.json.items.length, 0);
  const o = await jw1.get('/api/v1/receptions/flags?org=town.b');
  assert.equal(o.status, 200);
  assert.equal(o.json.items.length, 0);
  // hostile filters: 400 naming the parameter
  assertError(await jw1.get('/api/v1/receptions/flags?kind=nope'), 400, undefined, 'kind');
  assertError(await jw1.get(`/api/v1/receptions/flags?unit=${'x'.repeat(65)}`), 400, undefined, 'unit');
  assertError(await jw1.get('/api/v1/receptions/flags?unit=%E5%8E'), 400);
  assertError(await jw1.get('/api/v1/receptions/flags?from=2026-02-31'), 400, undefined, 'from');
  assertError(await jw1.get('/api/v1/receptions/flags?from=2026-03-05&to=2026-03-01'), 400, undefined, 'to');
  assertError(await jw1.get('/api/v1/receptions/flags?org=no.such'), 400, undefined, 'org');
  // no audit.read: 403 for the traveller, the host, the unit leads
  for (const who of ['tr1', 'host1', 'sllead', 'hostlead']) {
    assertError(await (await srv.login(who)).get('/api/v1/receptions/flags'), 403);
  }
  assertError(await srv.raw('GET', '/api/v1/receptions/flags'), 401);
});

test('d: /stats/reception counts letters, receptions, the usage rate and the flags by unit', async () => {
  const admin = await srv.login('admin');
  const r = await admin.get('/api/v1/stats/reception?from=2026-03-01&to=2026-03-31');
  assert.equal(r.status, 200, r.text);
  const x = r.json.receptions;
  assert.equal(x.receptions, 6);
  assert.equal(x.with_letter, 5);
  assert.ok(Math.abs(x.usage_rate - 5 / 6) < 1e-9);
  assert.equal(x.letters, 6, 'approved trips: a, b and c\'s four');
  const town = x.by_unit.find((u) => u.code === 'town.a');
  assert.equal(town.receptions, 6);
  assert.equal(town.flags, 5, "four breaches and a's letter confirmed twice");
  assert.equal(town.by_kind.confirmed_twice, 1);
  assert.equal(town.by_kind.outside_dates, 1);
  // a period without receptions
  const none = await admin.get('/api/v1/stats/reception?from=2026-01-01&to=2026-01-31');
  assert.equal(none.json.receptions.receptions, 0);
  assert.equal(none.json.receptions.usage_rate, null);
  assertError(await (await srv.login('tr1')).get('/api/v1/stats/reception'), 403);
});

test('e: a letter revoked before its confirmation is flagged as used while revoked', async () => {
  const tr1 = await srv.login('tr1');
  const id = (await tr1.create(trip('赴濂江镇检查山塘除险'))).case.id;
  const c = await (await srv.login('sllead')).must(id, 'rc_approve', { opinion: '同意。' });
  // the letter is revoked (the documents' revoke route does this in the product)
  await srv.stop();
  await sqlText(srv.db, `UPDATE documents SET revoked_at = ${Date.parse('2026-03-02T09:00:00+08:00')}, revoked_reason = '行程取消' WHERE number = '${c.fields.e_letter_no}'`);
  await srv.restart();
  await srv.setClock('2026-03-02T10:00:00+08:00');
  const host1 = await srv.login('host1');
  await host1.must(id, 'rc_confirm');
  await host1.must(id, 'rc_record', record());
  const r = await (await srv.login('jw1')).get('/api/v1/receptions/flags?kind=revoked_letter');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((f) => f.case_id), [id]);
  assert.match(r.json.items[0].reason, /已于2026-03-02作废（行程取消）后仍被确认使用/);
  assert.equal(r.json.figures.by_kind.revoked_letter, 1);
});

test('f: a letter confirmed twice: the second is refused 409 and recorded as a flag, on its own', async () => {
  const id = await confirmedTrip('赴濂江镇检查水文站');
  const host1 = await srv.login('host1');
  const hostlead = await srv.login('hostlead');
  const before = (await host1.events(id)).length;
  const r = await hostlead.act(id, 'rc_confirm', {});
  assertError(r, 409, 'case.action_not_allowed');
  const c = await host1.case(id);
  assert.equal(c.status, 'rc_confirmed', 'the case did not move');
  assert.equal(c.version, (await host1.case(id)).version);
  const evs = await host1.events(id);
  assert.equal(evs.length, before + 1, 'one event: the refusal');
  const jw1 = await srv.login('jw1');
  const f = await jw1.get('/api/v1/receptions/flags?kind=confirmed_twice');
  assert.equal(f.status, 200, f.text);
  const mine = f.json.items.filter((x) => x.case_id === id);
  assert.equal(mine.length, 1);
  assert.match(mine[0].reason, /再次确认被拒绝/);
  assert.equal(mine[0].unit.code, 'town.a');
  assert.equal(f.json.figures.by_kind.confirmed_twice, 2, 'a\'s and this one');
  // a version conflict or another refusal is not a flag
  assertError(await host1.act(id, 'rc_record', { ...record(), version: 1 }), 409);
  assertError(await (await srv.login('tr1')).act(id, 'rc_cancel', { reason: '取消' }), 409);
  const g = await jw1.get('/api/v1/receptions/flags?kind=confirmed_twice');
  assert.equal(g.json.items.length, 2);
});

test('g: the receiving unit confirms a letter by its code; forged, foreign and repeated codes are refused', async () => {
  const tr1 = await srv.login('tr1');
  const id = (await tr1.create(trip('赴濂江镇检查灌区渠系'))).case.id;
  await (await srv.login('sllead')).must(id, 'rc_approve', { opinion: '同意。' });
  const docs = await tr1.get(`/api/v1/cases/${id}/documents`);
  const code = docs.json.items.find((d) => d.kind === 'e_letter').code;
  const host1 = await srv.login('host1');
  const before = (await host1.events(id)).length;
  // hostile and forged codes: nothing written
  for (const body of [{}, { code: '' }, { code: 1 }, { code: 'x'.repeat(5000) }, { code: 'no-dot' }, { code: '%%%.%%%' }, { code, extra: 1 }]) {
    assertError(await host1.post('/api/v1/receptions/confirm', body), 400, undefined, 'code');
  }
  const [p, sig] = code.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...payload, facts: { ...payload.facts, 来访人数: 9 } })).toString('base64url') + '.' + sig;
  assertError(await host1.post('/api/v1/receptions/confirm', { code: forged }), 404, undefined, 'code');
  assert.equal((await host1.events(id)).length, before, 'nothing written');
  // another township may not confirm it; the traveller may not either
  assert.ok([403, 404].includes((await (await srv.login('town2')).post('/api/v1/receptions/confirm', { code })).status));
  assert.ok([403, 404].includes((await tr1.post('/api/v1/receptions/confirm', { code })).status));
  // the host confirms by the code
  const ok = await host1.post('/api/v1/receptions/confirm', { code });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.case.status, 'rc_confirmed');
  // again: 409, recorded as a flag
  assertError(await host1.post('/api/v1/receptions/confirm', { code }), 409);
  const f = await (await srv.login('jw1')).get('/api/v1/receptions/flags?kind=confirmed_twice');
  assert.ok(f.json.items.some((x) => x.case_id === id), 'the second confirmation is a flag');
});
