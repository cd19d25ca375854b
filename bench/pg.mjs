// PostgreSQL beside SQLite (issue 17, docs/postgresql.md "Figures"): the
// demo county on each backend, then POST /api/v1/cases back-to-back at
// BENCH_PG_CLIENTS (64) clients in all, bounded by BENCH_PG_REQUESTS and
// BENCH_PG_SECONDS — on SQLite with one server, on PostgreSQL with one,
// two and three servers on one database (the clients split among them,
// one loadgen each, run at once). Reports creations/s, p99 (the worst of
// the loadgens'), and on PostgreSQL the writers' turns: batches, and the
// time they waited for the turn (civicloop_writer_turn_wait_seconds_total)
// per batch and per create. Writes bench/pg-results.json.
//
// Run by `make benchpg` under scripts/with-pg with WITH_PG_DURABLE=1: the
// cluster fsyncs its commits (synchronous_commit on), as SQLite's
// synchronous=FULL does, so the two are compared durable against durable.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BUILD = path.resolve(process.argv[2] || 'build');
const BIN = path.join(BUILD, 'civicloop');
const LOADGEN = path.join(BUILD, 'loadgen');
const PG = process.env.CIVICLOOP_TEST_PG;
const CLIENTS = Number(process.env.BENCH_PG_CLIENTS || 64);
const REQUESTS = Number(process.env.BENCH_PG_REQUESTS || 20000);
const SECONDS = Number(process.env.BENCH_PG_SECONDS || 15);
const THREADS = process.env.BENCH_PG_THREADS || '4';
const OUT = process.env.BENCH_PG_RESULTS || path.resolve('bench/pg-results.json');
if (!PG) throw new Error('bench/pg.mjs runs under scripts/with-pg (CIVICLOOP_TEST_PG)');

const run = (cmd, args, env = {}) => new Promise((resolve, reject) => {
  execFile(cmd, args, { encoding: 'utf8', timeout: 900000, maxBuffer: 64 << 20, env: { ...process.env, ...env } },
    (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
});

async function serve(db, env) {
  const p = spawn(BIN, ['serve', '--db', db, '--port', '0', '--threads', THREADS, '--web', 'none', '--sms-config', 'none'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve(Number(m[1]));
    });
    p.once('exit', (c) => reject(new Error(`serve exited ${c}: ${err}`)));
  });
  return { p, port, stop: () => new Promise((r) => { p.once('exit', r); p.kill('SIGTERM'); }) };
}

async function metric(port, name) {
  const text = await run(LOADGEN, ['--port', String(port), '--get', '/metrics']);
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

/** Creations through servers (ports), CLIENTS split among them, at once. */
async function creations(ports) {
  const token = (await run(LOADGEN, ['--port', String(ports[0]), '--login', 'op1', '--password', 'Demo#2024', '--print-token'])).trim();
  const before = await Promise.all(ports.map(async (p) => [await metric(p, 'civicloop_writer_turns_total'),
    await metric(p, 'civicloop_writer_turn_wait_seconds_total')]));
  const per = ports.map((_, i) => Math.floor(CLIENTS / ports.length) + (i < CLIENTS % ports.length ? 1 : 0));
  const outs = await Promise.all(ports.map((p, i) => run(LOADGEN, ['--port', String(p), '--token', token,
    '--clients', String(per[i]), '--requests', String(Math.ceil(REQUESTS / ports.length)), '--seconds', String(SECONDS)])));
  const rs = outs.map((o) => JSON.parse(o));
  const after = await Promise.all(ports.map(async (p) => [await metric(p, 'civicloop_writer_turns_total'),
    await metric(p, 'civicloop_writer_turn_wait_seconds_total')]));
  const ok = rs.reduce((s, r) => s + r.ok, 0);
  const turns = after.reduce((s, a, i) => s + a[0] - before[i][0], 0);
  const wait = after.reduce((s, a, i) => s + a[1] - before[i][1], 0);
  return {
    servers: ports.length,
    clients: CLIENTS,
    created: ok,
    errors: rs.reduce((s, r) => s + r.errors + r.transport_errors, 0),
    rate: Math.round(rs.reduce((s, r) => s + r.rate, 0) * 10) / 10,
    p99_ms: Math.max(...rs.map((r) => r.p99_ms)),
    p50_ms: Math.max(...rs.map((r) => r.p50_ms)),
    turns,
    turn_wait_ms_per_batch: turns ? Math.round((wait / turns) * 1e5) / 100 : null,
    turn_wait_ms_per_create: ok && turns ? Math.round((wait / ok) * 1e5) / 100 : null,
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-benchpg-'));
const results = { at: new Date().toISOString(), clients: CLIENTS, requests: REQUESTS, seconds: SECONDS, threads: Number(THREADS), runs: [] };
try {
  // SQLite: the demo county in a file, one server
  const sdb = path.join(dir, 'demo.db');
  await run(BIN, ['demo', '--db', sdb]);
  const s = await serve(sdb, {});
  results.runs.push({ backend: 'sqlite', ...(await creations([s.port])) });
  await s.stop();
  // PostgreSQL: the demo county in a fresh database, then 1, 2, 3 servers
  for (const n of [1, 2, 3]) {
    const name = `benchpg_${process.pid}_${n}`;
    await run('psql', ['-X', '-q', '-d', PG, '-c', `CREATE DATABASE ${name}`]);
    const db = `${PG} dbname=${name}`;
    const state = await mkdtemp(path.join(dir, 'state-'));
    const env = { CIVICLOOP_STATE_DIR: state };
    await run(BIN, ['demo', '--db', db], env);
    const servers = [];
    for (let i = 0; i < n; i++) servers.push(await serve(db, env));
    results.runs.push({ backend: 'postgresql', ...(await creations(servers.map((x) => x.port))) });
    for (const x of servers) await x.stop();
    await run('psql', ['-X', '-q', '-d', PG, '-c', `DROP DATABASE ${name} WITH (FORCE)`]);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
await writeFile(OUT, JSON.stringify(results, null, 2) + '\n');
console.log('backend     servers  creations/s  p50 ms  p99 ms  errors  turn wait ms/batch  ms/create');
for (const r of results.runs) {
  console.log(`${r.backend.padEnd(11)} ${String(r.servers).padStart(7)} ${String(r.rate).padStart(12)} ${String(r.p50_ms).padStart(7)} ${String(r.p99_ms).padStart(7)} ${String(r.errors).padStart(7)} ${String(r.turn_wait_ms_per_batch ?? '-').padStart(19)} ${String(r.turn_wait_ms_per_create ?? '-').padStart(10)}`);
}
