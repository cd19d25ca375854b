// `make soak`: kill -9 under load, many rounds (issue 7). Not part of
// `make test` (tests/api/crash.test.mjs runs a few of the same rounds there).
//
// Each round: concurrent creates and dispatch / sign / reply through the real
// API (op1, disp1, cg1), SIGKILL at a random moment, restart on the same
// database, then check every acknowledged write against the database
// (tests/api/crashkit.mjs: cases, versions, one event per step, timers neither
// lost nor doubled, events.seq without gaps, `civicloop audit verify`).
// Requests cut off by a kill are retried with their Idempotency-Key after the
// restart and must land exactly once. Then a few rounds kill the server while
// its scheduler fires overdue timers (each must fire exactly once).
//
//   SOAK_ROUNDS (25, at least 20)  SOAK_SCHED_ROUNDS (5)
//   SOAK_MAX_SECONDS (300: no new round starts after it)
//   SOAK_SEED (random; printed: the same random choices, timing still varies)
//   SOAK_KEEP=1 keeps the database
//   CIVICLOOP_BIN (build/civicloop)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeRng, serveDb, workerTokens, newLedger, killRound, demoDb, checkDb, auditVerify, schedulerKillRound } from '../api/crashkit.mjs';
import { BIN } from '../api/helpers.mjs';

const ROUNDS = Math.max(20, Number(process.env.SOAK_ROUNDS || 25));
const MAX_S = Number(process.env.SOAK_MAX_SECONDS || 300);
const SCHED_ROUNDS = Number(process.env.SOAK_SCHED_ROUNDS ?? 5);
const seed = Number(process.env.SOAK_SEED || Math.floor(Math.random() * 2 ** 31));
const rng = makeRng(seed);
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1);

const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-soak-'));
const db = path.join(dir, 'soak.db');
console.log(`kill -9 soak: ${ROUNDS} rounds (cap ${MAX_S} s), seed ${seed}, binary ${BIN}, database ${db}`);
let server;
let problems = [];
let rounds = 0;
let schedRounds = 0;
let schedAcked = 0;
const ledger = newLedger();
try {
  await demoDb(db);
  server = await serveDb(db);
  const tokens = await workerTokens(server.base);
  while (rounds < ROUNDS && (performance.now() - t0) / 1000 < MAX_S) {
    rounds++;
    // mostly a kill somewhere in 0.2–3 s of load; every fifth round right after the (re)start
    const early = rounds % 5 === 0;
    const clients = 4 + Math.floor(rng() * 13); // 4..16
    const r = await killRound({
      server, db, tokens, ledger, rng, clients,
      minMs: early ? 0 : 200,
      maxMs: early ? 60 : 3000,
    });
    server = r.server;
    const f = r.figures;
    console.log(
      `round ${String(rounds).padStart(2)}: ${String(clients).padStart(2)} clients, killed after ${String(f.killAfter).padStart(4)} ms, ` +
        `${String(f.acked).padStart(5)} acknowledged, ${f.inflight} in flight (${f.landed} landed), ${f.cases} cases, ${f.events} events, ` +
        `${f.timers} running timers, restart ${f.restartMs} ms, lost ${r.problems.filter((p) => /LOST/.test(p)).length}, ` +
        `problems ${r.problems.length} [${secs()} s]`,
    );
    for (const p of r.problems) console.log(`  ${p}`);
    problems.push(...r.problems.map((p) => `round ${rounds}: ${p}`));
    if (r.problems.length) break;
  }
  const exit = await server.stop();
  if (exit.code !== 0 || exit.signal) problems.push(`the last server did not stop cleanly: ${JSON.stringify(exit)}`);
  if (server.sanitizer()) problems.push(`the last server reported a sanitizer error:\n${server.sanitizer()}`);
  server = null;
  const final = await checkDb(db, ledger);
  problems.push(...final.problems);
  const audit = await auditVerify(db);
  if (!audit.ok) problems.push(`final audit verify: ${audit.text}`);
  console.log(`final: ${final.cases} cases, ${final.events} events; ${audit.text}`);
  for (let i = 1; i <= SCHED_ROUNDS && !problems.length && (performance.now() - t0) / 1000 < MAX_S; i++) {
    const r = await schedulerKillRound({ dir, rng, name: `sched${i}` });
    const f = r.figures;
    schedRounds++;
    schedAcked += f.acked;
    console.log(
      `scheduler round ${i}: ${f.running} running timers made due, killed with ${f.firedAtKill} fired, ` +
        `${f.fired} fired after restart, ${f.urges} automatic urges, problems ${r.problems.length} [${secs()} s]`,
    );
    for (const p of r.problems) console.log(`  ${p}`);
    problems.push(...r.problems.map((p) => `scheduler round ${i}: ${p}`));
  }
} catch (e) {
  problems.push(`error: ${e.stack || e}`);
} finally {
  if (server) await server.kill9();
}
const lost = problems.filter((p) => /LOST/.test(p)).length;
const by = Object.entries(ledger.ackedByAction).map(([k, v]) => `${k} ${v}`).join(', ');
console.log(
  `kill -9 soak summary: ${rounds} rounds, ${ledger.acked} acknowledged writes (${by}), lost ${lost}; ` +
    `${schedRounds} scheduler rounds (${schedAcked} more writes); problems ${problems.length}, seed ${seed}, ${secs()} s`,
);
if (rounds < 20 && !problems.length) problems.push(`only ${rounds} rounds within ${MAX_S} s`);
for (const p of problems.slice(0, 20)) console.log(`FAIL ${p}`);
if (problems.length || process.env.SOAK_KEEP === '1') console.log(`database kept: ${db}`);
else await rm(dir, { recursive: true, force: true });
process.exit(problems.length ? 1 : 0);
