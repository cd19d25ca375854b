// The outbox across restarts (issue 15, docs/notifications.md): a server
// killed (-9) while the receiver holds a delivery open sends the same
// message again, with the same idempotency id, once it is back (at least
// once); one stopped (SIGTERM) mid-delivery exits cleanly at once and
// counts no attempt; in the end the receiver has seen every message at
// least once, and the distinct ids it saw are exactly the events'. On
// PostgreSQL a killed server's claims hold its messages for the lease
// (docs/postgresql.md): the test checks the claim, then ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, caseBody, sqlText, BACKEND } from './helpers.mjs';
import { startReceiver, signatureValid } from './outbox_receiver.mjs';

const rx = await startReceiver();
const srv = await startServer({ cases: false, env: { CIVICLOOP_OUTBOX_BACKOFF_MS: '200' } });
let admin = await srv.login('admin');
const made = await admin.post('/api/v1/webhooks', { url: rx.url, kinds: ['*'] });
assert.equal(made.status, 201, made.text);
const secret = made.json.secret;
const seq0 = Number(await sqlText(srv.db, 'SELECT max(seq) FROM events'));

const state = async (id) => sqlText(srv.db, `SELECT state || ' ' || attempts FROM outbox WHERE id = ${id}`);

/**
 * The claims a killed server held run out. On PostgreSQL a worker claims the
 * messages it sends by moving their next_at past a lease of 2 minutes (so
 * that another server leaves them); a server killed while holding one
 * leaves it due only at the lease's end, and the test, not waiting that
 * long, moves the end to now. SQLite's claims are in memory and die with
 * the process: no row is due later than it was, nothing changes.
 */
async function leasesRunOut() {
  const now = Date.now();
  await sqlText(srv.db, `UPDATE outbox SET next_at = ${now} WHERE state = 'pending' AND next_at > ${now + 10000}`);
}

test('killed mid-delivery: the same message, the same id, again after the restart', async () => {
  rx.answer = () => ({ hold: true });
  const op1 = await srv.login('op1');
  const c = await op1.create(caseBody({ title: '投递途中宕机' }));
  const [first] = await rx.until((g) => g.length === 1, 'the held delivery');
  assert.equal(first.json.case.id, c.case.id);
  assert.equal(await state(first.json.id), 'pending 0', 'not recorded while in flight');
  srv.proc.kill('SIGKILL');
  const gone = await srv.exited;
  assert.equal(gone.signal, 'SIGKILL');
  rx.releaseHeld(200); // too late: its sender is dead
  rx.answer = () => 200;
  // the held message: claimed for the lease on PostgreSQL, due as it was on SQLite
  const nextAt = Number(await sqlText(srv.db, `SELECT next_at FROM outbox WHERE id = ${first.json.id}`));
  assert.equal(nextAt > Date.now() + 60000, BACKEND === 'postgres', `next_at ${new Date(nextAt).toISOString()}`);
  await leasesRunOut();
  await srv.restart();
  await rx.until((g) => g.length >= 2, 'the delivery after the restart');
  const again = rx.got[1];
  assert.equal(again.json.id, first.json.id, 'the same idempotency id');
  assert.equal(again.body, first.body, 'the same bytes');
  assert.ok(signatureValid(again, secret));
  for (let i = 0; i < 100 && (await state(first.json.id)) !== 'delivered 1'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await state(first.json.id), 'delivered 1');
});

test('stopped mid-delivery: a clean exit at once, no attempt counted, sent after the start', async () => {
  rx.answer = () => ({ hold: true });
  const op1 = await srv.login('op1');
  const n = rx.got.length;
  const c = await op1.create(caseBody({ title: '投递途中停机' }));
  await rx.until((g) => g.length === n + 1, 'the held delivery');
  const held = rx.got[n];
  assert.equal(held.json.case.id, c.case.id);
  const t0 = Date.now();
  await srv.stop(); // SIGTERM; cleanup() checks the exit was clean
  assert.equal(srv.lastExit.code, 0, JSON.stringify(srv.lastExit));
  assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms, not after the 10 s timeout`);
  assert.equal(await state(held.json.id), 'pending 0', 'a cut-off delivery is no attempt');
  const nextAt = Number(await sqlText(srv.db, `SELECT next_at FROM outbox WHERE id = ${held.json.id}`));
  rx.releaseHeld(200);
  rx.answer = () => 200;
  await srv.restart();
  // a clean stop lets go of what it held (a claim, on PostgreSQL): due at once, not at the lease's end
  assert.ok(nextAt <= Date.now(), `due at once, not at ${new Date(nextAt).toISOString()}`);
  await rx.until((g) => g.filter((x) => x.json.id === held.json.id).length === 2, 'sent again');
});

test('every message at least once; the distinct ids are the events', async () => {
  admin = await srv.login('admin');
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  for (let i = 0; i < 5; i++) {
    const c = await op1.create(caseBody({ title: `批量 ${i}` }));
    await disp1.must(c.case.id, 'dispatch', { org: 'dept.cg' });
  }
  // one more crash, this time with deliveries flowing
  srv.proc.kill('SIGKILL');
  await srv.exited;
  await leasesRunOut();
  await srv.restart();
  const want = Number(await sqlText(srv.db, `SELECT count(*) FROM events WHERE seq > ${seq0} AND case_id IS NOT NULL AND action NOT IN ('pii.view')`));
  assert.ok(want >= 12, `events: ${want}`);
  const ids = (await sqlText(srv.db, 'SELECT id FROM outbox ORDER BY id')).split('\n');
  assert.equal(ids.length, want, 'one message per case event');
  await rx.until((g) => new Set(g.map((x) => x.json.id)).size === want, 'every message');
  for (let i = 0; i < 100 && Number(await sqlText(srv.db, "SELECT count(*) FROM outbox WHERE state <> 'delivered'")) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await sqlText(srv.db, "SELECT count(*) FROM outbox WHERE state <> 'delivered'"), '0');
  const seen = new Set(rx.got.map((x) => x.json.id));
  assert.deepEqual([...seen].sort(), ids.sort(), 'the distinct ids are the messages\'');
  assert.ok(rx.got.every((x) => signatureValid(x, secret)));
  // each event's seq arrives under one id only
  const bySeq = new Map();
  for (const g of rx.got) {
    const prev = bySeq.get(g.json.event.seq);
    assert.ok(!prev || prev === g.json.id, `seq ${g.json.event.seq} under two ids`);
    bySeq.set(g.json.event.seq, g.json.id);
  }
  assert.equal(bySeq.size, want);
});

test('retention: delivered messages past CIVICLOOP_OUTBOX_KEEP_DAYS go, the rest stay, no id is handed out twice', async () => {
  const count = async (where) => Number(await sqlText(srv.db, `SELECT count(*) FROM outbox WHERE ${where}`));
  const delivered = await count("state = 'delivered'");
  assert.ok(delivered >= 12, `delivered: ${delivered}`);
  const top = Number(await sqlText(srv.db, 'SELECT max(id) FROM outbox'));
  // a message given up on (the receiver refuses at once) is kept whatever its age
  rx.answer = () => 410;
  const op1 = await srv.login('op1');
  await op1.create(caseBody({ title: '对方拒收' }));
  for (let i = 0; i < 100 && (await count("state = 'dead'")) === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await count("state = 'dead'"), 1);
  rx.answer = () => 200;
  // keep 0 days: the first idle moment after the start deletes every delivered one but the newest row of all
  srv.env.CIVICLOOP_OUTBOX_KEEP_DAYS = '0';
  await srv.restart();
  for (let i = 0; i < 100 && (await count("state = 'delivered'")) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await count("state = 'delivered'"), 0, 'the delivered history is gone');
  assert.equal(await count("state = 'dead'"), 1, 'the dead one stays for the admin');
  const newest = Number(await sqlText(srv.db, 'SELECT max(id) FROM outbox'));
  assert.ok(newest > top, `the newest row (${newest}) is the dead one, above ${top}`);
  // the next message's id is above every id a receiver has seen
  const n = rx.got.length;
  await op1.create(caseBody({ title: '保留期之后' }));
  await rx.until((g) => g.length > n, 'the next message');
  const seen = Math.max(...rx.got.slice(0, n).map((x) => Number(x.json.id)));
  assert.ok(Number(rx.got[n].json.id) > seen, `id ${rx.got[n].json.id} after ${seen}`);
  delete srv.env.CIVICLOOP_OUTBOX_KEEP_DAYS;
});
