// Several civicloop servers on one database (issue 17, docs/postgresql.md
// "Several servers"): three `civicloop serve` processes on one PostgreSQL
// database, under concurrent load through all three. Case numbers are
// handed out once and the audit chain stays one chain (`audit verify`
// passes); an Idempotency-Key sent to all three at once makes one case and
// the same answer; two actions with the same version on two servers are
// one 200 and one 409; a deadline all three schedulers see pass fires
// once; an outbox message is delivered once, whichever server's worker
// reads it. On SQLite one database file has one server: a second is
// refused while the first runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BACKEND, BIN, startServer, caseBody, runBin, sqlText } from './helpers.mjs';
import { startReceiver } from './outbox_receiver.mjs';

const PG = BACKEND === 'postgres';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const rx = await startReceiver();
const a = await startServer({
  cases: false,
  testClock: true,
  env: { CIVICLOOP_OUTBOX_BACKOFF_MS: '200' },
});

/** Another `civicloop serve` on a's database (its key and files too). */
async function sibling(env = {}) {
  const proc = spawn(BIN, ['serve', '--db', a.db, '--port', '0', '--web', 'none', '--sms-config', 'none'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, ...a.env, CIVICLOOP_STATE_DIR: a.dir, CIVICLOOP_TEST_CLOCK: '1',
      ...env,
    },
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`sibling did not start: ${out} ${stderr}`)), 15000);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`sibling exited (${code}): ${out} ${stderr}`));
    });
  });
  const s = { proc, exited, get stderr() { return stderr; }, port, base: `http://127.0.0.1:${port}` };
  after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const r = await s.exited;
      assert.equal(r.code, 0, `a sibling server did not exit cleanly: ${stderr.slice(-2000)}`);
    }
  });
  return s;
}

/** A request to server base with a's token for login. */
async function call(base, token, method, p, body, headers = {}) {
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.status < 500, `never a 5xx: ${method} ${p} → ${res.status}: ${text.slice(0, 300)}`);
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

// Several servers need PostgreSQL. Started before any test is declared: the
// runner ends the file's root (and stops a) once the declared tests are done.
const three = PG ? [a.base, (await sibling()).base, (await sibling()).base] : [];

test('sqlite: a second server on the same database file is refused while the first runs', { skip: PG && 'PostgreSQL takes several servers' }, async () => {
  const r = await runBin(['serve', '--db', a.db, '--port', '0', '--web', 'none', '--sms-config', 'none']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /数据库|已/);
});

test('three servers, one database: concurrent creates on all three — numbers once, one chain', { skip: !PG && 'one SQLite file takes one server' }, async () => {
  const op1 = await a.login('op1');
  const made = await Promise.all(Array.from({ length: 45 }, (_, i) =>
    call(three[i % 3], op1.token, 'POST', '/api/v1/cases', caseBody({ title: `三台服务器 ${i}` }))));
  for (const r of made) assert.equal(r.status, 201, r.text);
  const nos = made.map((r) => r.json.case.no);
  assert.equal(new Set(nos).size, 45, `every case number once: ${nos.join(' ')}`);
  // each case is read back on every server
  for (const base of three) {
    const r = await call(base, op1.token, 'GET', `/api/v1/cases/${made[44].json.case.id}`);
    assert.equal(r.status, 200, r.text);
  }
  // one chain: seq 1..n with no gap or repeat, and the verifier passes
  const seqs = (await sqlText(a.db, 'SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM events')).split('|').map(Number);
  assert.equal(seqs[0], seqs[1]);
  assert.equal(seqs[2], 1);
  assert.equal(seqs[3], seqs[0], 'no gap in the sequence');
  const v = await runBin(['audit', 'verify', '--db', a.db, '--skip-files'], { env: { ...process.env, CIVICLOOP_STATE_DIR: a.dir } });
  assert.equal(v.code, 0, v.stdout + v.stderr);
  // each server's writer took its turns, and /metrics says so
  for (const base of three) {
    const m = await (await fetch(base + '/metrics')).text();
    const turns = Number((m.match(/^civicloop_writer_turns_total (\d+)$/m) || [])[1]);
    assert.ok(turns > 0, `civicloop_writer_turns_total on ${base}: ${turns}`);
    assert.match(m, /^civicloop_writer_turn_wait_seconds_total \d+\.\d+$/m);
  }
});

test('one Idempotency-Key sent to three servers at once: one case, the same answer everywhere', { skip: !PG && 'one SQLite file takes one server' }, async () => {
  const op1 = await a.login('op1');
  const body = caseBody({ title: '幂等：三台服务器同时收到' });
  const key = `multi-${Date.now()}`;
  const before = Number(await sqlText(a.db, 'SELECT count(*) FROM cases'));
  const rs = await Promise.all(three.map((base) => call(base, op1.token, 'POST', '/api/v1/cases', body, { 'Idempotency-Key': key })));
  for (const r of rs) assert.equal(r.status, 201, r.text);
  assert.equal(new Set(rs.map((r) => r.json.case.id)).size, 1, 'the same case for all three');
  assert.equal(Number(await sqlText(a.db, 'SELECT count(*) FROM cases')), before + 1);
});

test('the same version on two servers: one 200, one 409', { skip: !PG && 'one SQLite file takes one server' }, async () => {
  const op1 = await a.login('op1');
  const disp1 = await a.login('disp1');
  const cg1 = await a.login('cg1');
  const cglead = await a.login('cglead');
  const c = await op1.create(caseBody({ title: '版本冲突：两台服务器' }));
  const d = await disp1.must(c.case.id, 'dispatch', { org: 'dept.cg' });
  const rs = await Promise.all([
    call(three[1], cg1.token, 'POST', `/api/v1/cases/${c.case.id}/actions/sign`, { version: d.version }),
    call(three[2], cglead.token, 'POST', `/api/v1/cases/${c.case.id}/actions/sign`, { version: d.version }),
  ]);
  assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409], rs.map((r) => r.text).join(' | '));
  assert.equal((await (await a.login('admin')).case(c.case.id)).version, d.version + 1);
});

test('a deadline three schedulers see pass fires once', { skip: !PG && 'one SQLite file takes one server' }, async () => {
  const admin = await a.login('admin');
  const op1 = await a.login('op1');
  const disp1 = await a.login('disp1');
  for (const base of three) {
    const r = await call(base, admin.token, 'PUT', '/api/v1/test/clock', { now: '2024-03-12T10:00:00+08:00' });
    assert.equal(r.status, 200, r.text);
  }
  const c = await op1.create(caseBody({ title: '三台服务器的时限' }));
  await disp1.must(c.case.id, 'dispatch', { org: 'dept.cg' });
  // days later on all three: each scheduler finds the sign-for deadline due
  await Promise.all(three.map((base) => call(base, admin.token, 'PUT', '/api/v1/test/clock', { now: '2024-03-20T10:00:00+08:00' })));
  let fired = [];
  for (let i = 0; i < 100 && fired.length === 0; i++) {
    await sleep(100);
    fired = (await admin.events(c.case.id)).filter((e) => e.action === 'timer.overdue' && e.payload.timer === 'sign');
  }
  assert.equal(fired.length, 1, 'overdue once');
  await sleep(2500); // the other schedulers have run by now
  const all = (await admin.events(c.case.id)).filter((e) => e.action.startsWith('timer.'));
  const once = new Set(all.map((e) => `${e.action} ${e.payload.timer}`));
  assert.equal(all.length, once.size, `each timer event once: ${all.map((e) => `${e.action} ${e.payload.timer}`).join(', ')}`);
  for (const base of three) await call(base, admin.token, 'PUT', '/api/v1/test/clock', { now: null });
});

test('outbox: each message delivered once, whichever of three servers reads it', { skip: !PG && 'one SQLite file takes one server' }, async () => {
  const admin = await a.login('admin');
  const op1 = await a.login('op1');
  const made = await admin.post('/api/v1/webhooks', { url: rx.url, kinds: ['case.create'], org: 'county' });
  assert.equal(made.status, 201, made.text);
  // the subscription, made through a, is seen by the writers of b and c
  const rs = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    call(three[i % 3], op1.token, 'POST', '/api/v1/cases', caseBody({ title: `发件箱 ${i}` }))));
  for (const r of rs) assert.equal(r.status, 201, r.text);
  const nos = new Set(rs.map((r) => r.json.case.no));
  const mine = (got) => got.filter((g) => g.json && g.json.case && nos.has(g.json.case.no));
  await rx.until((got) => new Set(mine(got).map((g) => g.json.id)).size === 30, 'all 30 messages', 20000);
  await sleep(1500); // a second delivery would have come by now
  const ids = mine(rx.got).map((g) => g.json.id);
  assert.equal(ids.length, 30, `each message once (ids sent: ${ids.length}, distinct: ${new Set(ids).size})`);
  assert.equal(await sqlText(a.db, `SELECT count(*) FROM outbox WHERE state <> 'delivered' AND kind = 'case.create'`), '0');
});
