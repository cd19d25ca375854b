// kill -9 under load (issue 7): a few rounds of concurrent creates and
// actions (dispatch / sign / reply through the real API as op1, disp1 and
// cg1), SIGKILL at a random moment, restart on the same database, and check
// that nothing acknowledged was lost or doubled (tests/api/crashkit.mjs has the
// invariants: cases, versions, events, timers, seq without gaps, audit chain).
// Requests cut off by the kill are retried after the restart with their
// Idempotency-Key and must land exactly once. A second test kills the server
// while its scheduler fires overdue timers: each must fire exactly once.
// `make soak` runs the same rounds many more times (tests/soak/kill9.mjs).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeRng, serveDb, workerTokens, newLedger, killRound, call, checkDb, auditVerify, caseBodyForCrash, schedulerKillRound } from './crashkit.mjs';
import { newDatabase, BACKEND } from './helpers.mjs';

const ROUNDS = Number(process.env.CRASH_ROUNDS || 4);

test(`kill -9 under load, ${ROUNDS} rounds: nothing acknowledged is lost or doubled`, { timeout: 60000 }, async () => {
  const t0 = performance.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-crash-'));
  let server;
  after(async () => {
    if (server) await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const h = await newDatabase(dir, 'crash', { demo: true, cases: false });
  const db = h.db;
  const seed = Number(process.env.CRASH_SEED || Math.floor(Math.random() * 2 ** 31));
  const rng = makeRng(seed);
  const ledger = newLedger();
  server = await serveDb(db, { env: h.env });
  const tokens = await workerTokens(server.base);
  const all = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const r = await killRound({ server, db, env: h.env, tokens, ledger, rng, clients: 8, minMs: 200, maxMs: 2000 });
    server = r.server;
    const f = r.figures;
    console.log(
      `round ${round}: killed after ${f.killAfter} ms, ${f.acked} acknowledged, ${f.inflight} in flight (${f.landed} had landed; all retried with their Idempotency-Key), ` +
        `${f.cases} cases, ${f.events} events, ${f.timers} running timers, restart ${f.restartMs} ms, ${f.audit}`,
    );
    all.push(...r.problems.map((p) => `round ${round} (seed ${seed}): ${p}`));
    if (r.problems.length) break;
  }
  // the recovered server still takes writes, and stops cleanly
  const c = await call(server.base, tokens.op1, 'POST', '/api/v1/cases', caseBodyForCrash());
  assert.equal(c.status, 201, c.text);
  const exit = await server.stop();
  const san = server.sanitizer();
  server = null;
  assert.deepEqual(exit, { code: 0, signal: null }, 'clean exit on SIGTERM');
  assert.equal(san, null, 'no sanitizer report');
  const final = await checkDb(db, ledger);
  all.push(...final.problems);
  const audit = await auditVerify(db, h.env);
  assert.ok(audit.ok, audit.text);
  const lost = all.filter((p) => /LOST/.test(p)).length;
  console.log(
    `kill -9 summary: ${ROUNDS} rounds, ${ledger.acked} acknowledged writes ` +
      `(${Object.entries(ledger.ackedByAction).map(([k, v]) => `${k} ${v}`).join(', ')}), lost ${lost}, ` +
      `problems ${all.length}, seed ${seed}, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  assert.deepEqual(all, [], all.slice(0, 20).join('\n'));
  assert.ok(ledger.acked > 0, 'some writes were acknowledged');
});

// a load long enough for 300 cases, so that firing their timers takes several
// of the scheduler's batches: over the wire to PostgreSQL the writes go slower
const SCHED_LOAD_MS = BACKEND === 'postgres' ? 15000 : 2500;

test('kill -9 while the scheduler fires overdue timers: each fires exactly once', { timeout: 120000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-crash-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const seed = Number(process.env.CRASH_SEED || Math.floor(Math.random() * 2 ** 31));
  const rng = makeRng(seed);
  const all = [];
  for (let round = 1; round <= 2; round++) {
    const r = await schedulerKillRound({ dir, rng, name: `sched${round}`, maxLoadMs: SCHED_LOAD_MS });
    const f = r.figures;
    console.log(
      `scheduler round ${round}: ${f.running} running timers made due, killed with ${f.firedAtKill} fired, ` +
        `${f.fired} fired after restart, ${f.urges} automatic urges, ${f.audit}`,
    );
    all.push(...r.problems.map((p) => `scheduler round ${round} (seed ${seed}): ${p}`));
  }
  assert.deepEqual(all, [], all.slice(0, 20).join('\n'));
});
