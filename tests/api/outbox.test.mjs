// The transactional outbox and its delivery workers (issue 15,
// docs/notifications.md), against a receiver on 127.0.0.1: a write that
// rolled back sends nothing; delivery with a valid signature; retry after a
// 500 with the attempts visible; dead after N attempts, then re-driven;
// a 4xx other than 408/429 dead at once; the queue's list, summary and
// redrive refused to everyone but notify.manage; /metrics' outbox gauges
// and attempt counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, sqlText, failingTrigger } from './helpers.mjs';
import { startReceiver, signatureValid } from './outbox_receiver.mjs';

const rx = await startReceiver();
// attempts 200 ms apart (then 400 ms), dead after the 3rd
const srv = await startServer({
  cases: false,
  env: { CIVICLOOP_OUTBOX_BACKOFF_MS: '200', CIVICLOOP_OUTBOX_MAX_ATTEMPTS: '3' },
});
const admin = await srv.login('admin');
const op1 = await srv.login('op1');
const disp1 = await srv.login('disp1');

const made = await admin.post('/api/v1/webhooks', { url: rx.url, kinds: ['case.create', 'case.dispatch'], org: 'county' });
assert.equal(made.status, 201, made.text);
const secret = made.json.secret;
const hook = made.json.webhook;

/** The receiver's requests about case number `no`. */
const about = (no) => rx.got.filter((g) => g.json && g.json.case && g.json.case.no === no);
/** The queue's rows of case id (newest first), as admin sees them. */
async function rowsOf(caseId, query = '') {
  const r = await admin.get(`/api/v1/outbox?limit=200${query}`);
  assert.equal(r.status, 200, r.text);
  return r.json.items.filter((m) => m.case && m.case.id === caseId);
}
/** /metrics' value of the sample named exactly `series` (0 when absent). */
async function metric(series) {
  const r = await srv.raw('GET', '/metrics');
  assert.equal(r.status, 200);
  const line = r.text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
const DEAD = 'civicloop_outbox_messages{channel="webhook",state="dead"}';
const TRIED = (outcome) => `civicloop_outbox_attempts_total{channel="webhook",outcome="${outcome}"}`;
async function untilRow(caseId, pred, what) {
  for (let i = 0; i < 200; i++) {
    const rows = await rowsOf(caseId);
    if (rows.length && pred(rows[0])) return rows[0];
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what}: ${JSON.stringify(await rowsOf(caseId))}`);
}

test('a write that rolled back sends nothing; the next one is delivered', async () => {
  // the store refuses the outbox's row, as a full disk would: the case, its
  // event and its message roll back together (a trigger stands in for the disk)
  const outboxOk = await failingTrigger(srv.db, 'outbox', { on: 'AFTER INSERT' });
  const before = { cases: await sqlText(srv.db, 'SELECT count(*) FROM cases'), outbox: await sqlText(srv.db, 'SELECT count(*) FROM outbox') };
  // fetch itself: the helpers' client takes any 5xx for a bug
  const res = await fetch(srv.url('/api/v1/cases'), {
    method: 'POST', headers: { Authorization: `Bearer ${op1.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(caseBody({ title: '回滚的工单' })),
  });
  const failed = { status: res.status, text: await res.text() };
  failed.json = JSON.parse(failed.text);
  assertError(failed, 503, 'unavailable');
  await outboxOk();
  assert.deepEqual({ cases: await sqlText(srv.db, 'SELECT count(*) FROM cases'), outbox: await sqlText(srv.db, 'SELECT count(*) FROM outbox') }, before);
  const ok = await op1.create(caseBody({ title: '提交的工单' }));
  await rx.until(() => about(ok.case.no).length === 1, 'the committed case');
  await new Promise((r) => setTimeout(r, 500)); // a stray message would have come by now
  assert.equal(rx.got.length, 1, 'only the committed case was sent');
  assert.deepEqual((await sqlText(srv.db, 'SELECT state FROM outbox')).split('\n'), ['delivered']);
});

test('delivery: signed with the secret, the idempotency id in payload and header, no personal data', async () => {
  const phone = '13912345678';
  const c = await op1.create(caseBody({ title: '张三家门口路灯不亮', description: '张三反映门口路灯不亮，电话 13912345678。', reporter: { name: '张三', phone, confidential: true } }));
  const [g] = await rx.until(() => about(c.case.no).length === 1, 'case.create').then(() => about(c.case.no));
  assert.equal(g.method, 'POST');
  assert.equal(g.headers['content-type'], 'application/json');
  assert.equal(g.headers['x-civicloop-event'], 'case.create');
  assert.match(g.headers['x-civicloop-signature'], /^sha256=[0-9a-f]{64}$/);
  assert.ok(signatureValid(g, secret), 'HMAC-SHA256 of the body with the secret');
  assert.ok(!signatureValid(g, secret.replace(/.$/, (x) => (x === '0' ? '1' : '0'))), 'another secret does not verify');
  assert.ok(!signatureValid({ ...g, body: g.body + ' ' }, secret), 'another body does not verify');
  assert.deepEqual(Object.keys(g.json).sort(), ['at', 'case', 'event', 'id', 'kind']);
  assert.equal(g.json.kind, 'case.create');
  assert.equal(g.headers['x-civicloop-delivery'], g.json.id);
  assert.match(g.json.id, /^[1-9][0-9]*$/);
  assert.match(g.json.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+08:00$/);
  assert.deepEqual(g.json.case, { id: c.case.id, no: c.case.no, type: 'hotline', status: c.case.status, org: { code: 'town.a', name: g.json.case.org.name } });
  assert.equal(g.json.event.action, 'create');
  assert.equal(g.json.event.from, null);
  assert.equal(g.json.event.to, c.case.status);
  assert.ok(Number.isInteger(g.json.event.seq));
  for (const secretText of [phone, '5678', '张三', '路灯']) assert.ok(!g.body.includes(secretText), `no ${secretText} in the payload`);
  // the next step the subscription names; one it does not name sends nothing
  await disp1.must(c.case.id, 'dispatch', { org: 'dept.cg' });
  const cg1 = await srv.login('cg1');
  await cg1.must(c.case.id, 'sign');
  await rx.until(() => about(c.case.no).length === 2, 'case.dispatch');
  const d = about(c.case.no)[1];
  assert.equal(d.json.kind, 'case.dispatch');
  assert.equal(d.json.event.from, 'received');
  assert.notEqual(d.json.id, g.json.id);
  assert.ok(signatureValid(d, secret));
  const rows = await rowsOf(c.case.id);
  assert.deepEqual(rows.map((m) => [m.kind, m.state, m.attempts, m.target]), [['case.dispatch', 'delivered', 1, String(hook.id)], ['case.create', 'delivered', 1, String(hook.id)]]);
  assert.equal(rows[0].case.no, c.case.no);
  assert.equal(rows[0].next_at, null);
  assert.ok(rows[0].delivered_at);
  assert.ok(!('payload' in rows[0]), 'the list never shows a payload');
});

test('retry: a receiver that answers 500 twice gets the same bytes a third time; attempts visible', async () => {
  // nothing else is in flight: every request now is this case's
  let fails = 2;
  rx.answer = () => (fails-- > 0 ? 500 : 200);
  const c = await op1.create(caseBody({ title: '重试的工单' }));
  const pending = await untilRow(c.case.id, (m) => m.attempts >= 1, 'a first attempt');
  if (pending.state === 'pending') {
    assert.match(pending.last_error, /HTTP 500/);
    assert.ok(pending.next_at, 'a pending retry says when');
  }
  const row = await untilRow(c.case.id, (m) => m.state === 'delivered', 'delivered at last');
  const got = about(c.case.no);
  assert.equal(got.length, 3, 'two failures, then delivered');
  assert.equal(row.attempts, 3, 'every attempt counted');
  assert.equal(row.last_error, null);
  assert.equal(new Set(got.map((g) => g.body)).size, 1, 'the same bytes every time');
  assert.equal(new Set(got.map((g) => g.headers['x-civicloop-delivery'])).size, 1);
  assert.ok(got.every((g) => signatureValid(g, secret)));
  // 200 ms, then 400 ms (+ up to a tenth)
  assert.ok(got[1].at - got[0].at >= 180, `backed off: ${got[1].at - got[0].at} ms`);
  assert.ok(got[2].at - got[1].at >= 380, `backed off twice as long: ${got[2].at - got[1].at} ms`);
  rx.answer = () => 200;
});

test('dead after 3 attempts, counted, then re-driven by the admin and delivered', async () => {
  const before = { dead: await metric(DEAD), retry: await metric(TRIED('retry')), gaveUp: await metric(TRIED('dead')) };
  rx.answer = () => 500;
  const c = await op1.create(caseBody({ title: '投递失败的工单' }));
  const dead = await untilRow(c.case.id, (m) => m.state === 'dead', 'dead');
  assert.equal(dead.attempts, 3);
  // /metrics: one more dead message, two retries and one given up on
  assert.equal(await metric(DEAD), before.dead + 1);
  assert.equal(await metric(TRIED('retry')), before.retry + 2);
  assert.equal(await metric(TRIED('dead')), before.gaveUp + 1);
  assert.match((await srv.raw('GET', '/metrics')).text, /^civicloop_outbox_oldest_pending_seconds \d+(\.\d+)?$/m);
  assert.match(dead.last_error, /HTTP 500/);
  assert.equal(about(c.case.no).length, 3);
  rx.answer = () => 200;
  const list = await admin.get('/api/v1/outbox?state=dead&channel=webhook');
  assert.equal(list.status, 200);
  assert.ok(list.json.items.some((m) => m.id === dead.id));
  assert.ok(list.json.items.every((m) => m.state === 'dead'));
  const sum = await admin.get('/api/v1/outbox/summary');
  assert.equal(sum.status, 200, sum.text);
  const wh = sum.json.items.find((i) => i.channel === 'webhook');
  assert.ok(wh.dead >= 1 && wh.delivered >= 3, JSON.stringify(sum.json));
  assert.equal(sum.json.total.dead, wh.dead);
  // only dead messages are re-driven; a non-admin may not
  const delivered = (await admin.get('/api/v1/outbox?state=delivered')).json.items[0];
  assertError(await admin.post(`/api/v1/outbox/${delivered.id}/redrive`, {}), 409, 'conflict');
  assertError(await admin.post('/api/v1/outbox/999999/redrive', {}), 404, 'not_found');
  for (const who of ['op1', 'disp1', 'leader1', 'jw1']) {
    const u = await srv.login(who);
    assertError(await u.post(`/api/v1/outbox/${dead.id}/redrive`, {}), 403, 'permission.denied');
    assertError(await u.get('/api/v1/outbox'), 403, 'permission.denied');
    assertError(await u.get('/api/v1/outbox/summary'), 403, 'permission.denied');
  }
  const r = await admin.post(`/api/v1/outbox/${dead.id}/redrive`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.message.state, 'pending');
  assert.equal(r.json.message.attempts, 0);
  const done = await untilRow(c.case.id, (m) => m.state === 'delivered', 'delivered after the redrive');
  assert.equal(done.attempts, 1);
  assert.equal(await metric(DEAD), before.dead, 're-driven and delivered: no longer dead');
  assert.equal(about(c.case.no).length, 4);
  assert.equal(new Set(about(c.case.no).map((g) => g.json.id)).size, 1, 'one idempotency id throughout');
  // on the audit chain, by the admin, without the payload
  const ev = await admin.get('/api/v1/audit/events?action=outbox.redrive&order=desc');
  assert.equal(ev.status, 200, ev.text);
  assert.equal(ev.json.items[0].payload.message, dead.id);
  assert.equal(ev.json.items[0].actor.login, 'admin');
});

test('a 4xx the receiver means (410) is dead at once; 429 is tried again', async () => {
  rx.answer = () => 410;
  const c = await op1.create(caseBody({ title: '拒收的工单' }));
  const row = await untilRow(c.case.id, (m) => m.state === 'dead', 'dead at once');
  assert.equal(row.attempts, 1);
  assert.match(row.last_error, /HTTP 410/);
  rx.answer = () => 429;
  const c2 = await op1.create(caseBody({ title: '限流的工单' }));
  const row2 = await untilRow(c2.case.id, (m) => m.state === 'dead', 'dead after 3 × 429');
  assert.equal(row2.attempts, 3);
  rx.answer = () => 200;
});

test('the queue list: filters checked, pages by cursor', async () => {
  for (const q of ['state=done', 'state=', 'channel=WEB', 'channel=' + 'a'.repeat(17), 'limit=0', 'limit=201', 'cursor=0', 'cursor=x']) {
    const r = await admin.get(`/api/v1/outbox?${q}`);
    assertError(r, 400, undefined);
  }
  const all = (await admin.get('/api/v1/outbox?limit=200')).json.items;
  assert.ok(all.length >= 5);
  const p1 = await admin.get('/api/v1/outbox?limit=2');
  assert.equal(p1.json.items.length, 2);
  assert.ok(p1.json.next_cursor);
  const p2 = await admin.get(`/api/v1/outbox?limit=2&cursor=${p1.json.next_cursor}`);
  assert.deepEqual([...p1.json.items, ...p2.json.items].map((m) => m.id), all.slice(0, 4).map((m) => m.id));
  const sms = await admin.get('/api/v1/outbox?channel=sms');
  assert.deepEqual(sms.json.items, []);
});
