#!/usr/bin/env node
// Events through the outbox (docs/notifications.md "Figures", docs/bench.md
// "Outbox"): `make benchoutbox`, not part of `make test`.
//
//  1. A demo county without cases, served with BENCH_OUTBOX_WORKERS delivery
//     workers, one webhook subscription to case.create, a receiver on
//     127.0.0.1 (tests/api/outbox_receiver.mjs) that checks every signature.
//  2. Run "ok": BENCH_OUTBOX_CASES hotline cases created as op1 through the
//     API, BENCH_OUTBOX_CLIENTS at a time. Measured: creates/s (all answered
//     201), and delivered/s end to end: from the first create sent to the
//     last message received, every message once at least (distinct ids =
//     cases).
//  3. Run "flaky": the same with the receiver answering 500 to every other
//     request it gets (backoff 50 ms), so about half the messages are tried
//     twice or more: the retries survived, all delivered in the end, each
//     case's message under one id.
//  4. Run "backlog": BENCH_OUTBOX_CASES messages queued by a server with no
//     worker, then drained by a restart's workers: the outbox's own rate,
//     without the creates beside it. Before all, "no subscription": the
//     creates alone (after as many again to warm up), to see what the
//     fan-out costs a create.
//
// Prints a table and writes BENCH_OUTBOX_RESULTS (bench/outbox-results.json).
// Knobs: BENCH_OUTBOX_CASES=2000 BENCH_OUTBOX_CLIENTS=32 BENCH_OUTBOX_WORKERS=2.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReceiver, signatureValid } from '../tests/api/outbox_receiver.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.CIVICLOOP_BIN ? path.resolve(process.env.CIVICLOOP_BIN) : path.join(ROOT, 'build', 'civicloop');
const env = (k, d) => process.env[k] || d;
const CASES = Number(env('BENCH_OUTBOX_CASES', '2000'));
const CLIENTS = Number(env('BENCH_OUTBOX_CLIENTS', '32'));
const WORKERS = env('BENCH_OUTBOX_WORKERS', '2');
const OUT = env('BENCH_OUTBOX_RESULTS', path.join(ROOT, 'bench', 'outbox-results.json'));

async function serve(db, workers = WORKERS) {
  const proc = spawn(BIN, ['serve', '--db', db, '--port', '0', '--web', 'none'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CIVICLOOP_OUTBOX_WORKERS: workers, CIVICLOOP_OUTBOX_BACKOFF_MS: '50', CIVICLOOP_OUTBOX_BACKOFF_CAP_MS: '400', CIVICLOOP_OUTBOX_MAX_ATTEMPTS: '20' },
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/127\.0\.0\.1:(\d+)\//);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
  return { proc, base: `http://127.0.0.1:${port}` };
}

async function call(base, method, p, token, body) {
  const res = await fetch(base + p, {
    method, body: body && JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, json: await res.json() };
}

/** CASES hotline cases created as `token`, CLIENTS at a time: their numbers. */
async function createAll(base, token, name) {
  let next = 0;
  const nos = new Set();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (next < CASES) {
      const i = next++;
      const r = await call(base, 'POST', '/api/v1/cases', token, {
        type: 'hotline', class: '咨询', channel: 'phone', org: 'town.a', description: `压测工单 ${name} ${i}：路灯不亮。`,
      });
      if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${JSON.stringify(r.json)}`);
      nos.add(r.json.case.no);
    }
  }));
  return nos;
}

const login = async (base, who) => (await call(base, 'POST', '/api/v1/auth/login', null, { login: who, password: 'Demo#2024' })).json.token;

/** Waits until the receiver answered 2xx for every case of `nos`, checks what
 * it got, and returns the run's figures (times from t0, performance.now()). */
async function settle(name, rx, secret, nos, t0, tCreated, failed) {
  const ok = () => rx.got.filter((g) => g.answered === 200);
  const deadline = Date.now() + 300000;
  while (new Set(ok().map((g) => g.json.case.no)).size < nos.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const delivered = new Set(ok().map((g) => g.json.case.no));
  if ([...nos].some((no) => !delivered.has(no))) throw new Error(`${name}: ${delivered.size} of ${nos.size} delivered`);
  const tDone = Math.max(...ok().map((g) => g.at)) - (performance.timeOrigin + t0);
  const bad = rx.got.filter((g) => !signatureValid(g, secret)).length;
  if (bad) throw new Error(`${name}: ${bad} bad signatures`);
  const perCase = new Map();
  const tries = new Map();
  for (const g of rx.got) {
    perCase.set(g.json.case.no, (perCase.get(g.json.case.no) || new Set()).add(g.json.id));
    tries.set(g.json.case.no, (tries.get(g.json.case.no) || 0) + 1);
  }
  if ([...perCase.values()].some((ids) => ids.size !== 1)) throw new Error(`${name}: a case under two ids`);
  return {
    run: name, cases: nos.size, clients: CLIENTS, workers: Number(WORKERS),
    creates_per_s: tCreated ? Math.round(nos.size / ((tCreated - t0) / 1000)) : null,
    delivered_per_s: Math.round(nos.size / (tDone / 1000)),
    seconds_to_last_delivery: Number((tDone / 1000).toFixed(2)),
    requests: rx.got.length, answered_500: failed,
    retried_messages: [...tries.values()].filter((t) => t > 1).length,
    most_tries: Math.max(...tries.values()),
  };
}

async function stop(srv) {
  srv.proc.kill('SIGTERM');
  await new Promise((r) => srv.proc.once('exit', r));
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'civicloop-benchoutbox-'));
const db = path.join(dir, 'bench.db');
execFileSync(BIN, ['demo', '--db', db, '--no-cases'], { stdio: 'ignore' });
const rx = await startReceiver({ autoClose: false });
let srv = await serve(db);
try {
  const results = [];
  const load0 = os.loadavg()[0];
  await createAll(srv.base, await login(srv.base, 'op1'), 'warm-up'); // not counted: caches, JIT
  {
    const t0 = performance.now();
    await createAll(srv.base, await login(srv.base, 'op1'), 'none');
    results.push({ run: 'no subscription', cases: CASES, clients: CLIENTS, workers: Number(WORKERS), creates_per_s: Math.round(CASES / ((performance.now() - t0) / 1000)) });
  }
  const made = await call(srv.base, 'POST', '/api/v1/webhooks', await login(srv.base, 'admin'), { url: rx.url, kinds: ['case.create'] });
  if (made.status !== 201) throw new Error(JSON.stringify(made.json));
  const secret = made.json.secret;
  for (const [name, flaky] of [['ok', false], ['flaky', true]]) {
    rx.got.length = 0;
    let n = 0;
    let failed = 0;
    rx.answer = () => (flaky && n++ % 2 === 0 ? ((failed += 1), 500) : 200);
    const op1 = await login(srv.base, 'op1');
    const t0 = performance.now();
    const nos = await createAll(srv.base, op1, name);
    results.push(await settle(name, rx, secret, nos, t0, performance.now(), failed));
    results[results.length - 1].answered_500 = failed;
  }
  // the backlog: queued with no worker, drained by the next start's workers
  await stop(srv);
  srv = await serve(db, '0');
  rx.got.length = 0;
  rx.answer = () => 200;
  const nos = await createAll(srv.base, await login(srv.base, 'op1'), 'backlog');
  await stop(srv);
  const t0 = performance.now();
  srv = await serve(db);
  results.push({ ...(await settle('backlog', rx, secret, nos, t0, 0, 0)), run: 'backlog (drained after a start)' });
  console.table(results);
  const load = [load0, os.loadavg()[0]];
  console.log(`load average at the start and the end: ${load.map((x) => x.toFixed(2)).join(', ')}`);
  writeFileSync(OUT, JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, load, results }, null, 1) + '\n');
  console.log(`written ${path.relative(ROOT, OUT)}`);
} finally {
  await stop(srv);
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
}
