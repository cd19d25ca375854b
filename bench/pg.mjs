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
// Lists at 1 M (BENCH_PG_LISTS=1, `make benchpg-lists`): a county made by
// `civicloop gen` (BENCH_PG_LIST_CASES, 1,000,000; kept in
// BENCH_PG_LIST_DB and reused) served from its SQLite file, then copied
// into PostgreSQL (bench/pg-copy.sh) and served from there; each list
// shape of bench/run.sh at 1 and 16 clients on both, side by side. With
// BENCH_PG_BASE_BIN (another build's civicloop, the same schema version),
// each backend's lists are run by it and by this build in turn, twice
// each (base, this, base, this) on the same database: a change to the
// lists' SQL measured against its baseline in the same go. Without
// BENCH_PG_LISTS, BENCH_PG_BASE_BIN runs the creations on SQLite and on
// PostgreSQL with one server by each build in turn, twice (each on a demo
// county its own build made, so the two may differ in schema version).
//
// Run by `make benchpg` under scripts/with-pg with WITH_PG_DURABLE=1: the
// cluster fsyncs its commits (synchronous_commit on), as SQLite's
// synchronous=FULL does, so the two are compared durable against durable.
import { spawn, execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
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
const LISTS = process.env.BENCH_PG_LISTS === '1';
const LIST_CASES = Number(process.env.BENCH_PG_LIST_CASES || 1000000);
const LIST_DB = path.resolve(process.env.BENCH_PG_LIST_DB || path.join(BUILD, 'bench-pg-lists.db'));
const LIST_CLIENTS = [1, 16];
const LIST_SECONDS = String(process.env.BENCH_PG_LIST_SECONDS || 3);
const BASE_BIN = process.env.BENCH_PG_BASE_BIN ? path.resolve(process.env.BENCH_PG_BASE_BIN) : null;
// bench/run.sh's LIST_SHAPES: user, name, query string (HALF: the middle id).
const LIST_SHAPES = [
  ['town1', 'first', 'limit=50'],
  ['town1', 'inbox', 'mine=1&part=pending&sort=due&limit=50'],
  ['town1', 'signed', 'mine=1&part=signed&sort=due&limit=50'],
  ['disp1', 'first', 'limit=50'],
  ['disp1', 'status', 'status=handling,dispatched&limit=50'],
  ['disp1', 'type', 'type=grid_event&limit=50'],
  ['disp1', 'class', 'type=hotline&class=%E6%8A%95%E8%AF%89&limit=50'],
  ['disp1', 'overdue', 'overdue=1&limit=50'],
  ['disp1', 'due_soon', 'due_soon=24&sort=due&limit=50'],
  ['disp1', 'dispatch', 'queue=dispatch&limit=50'],
  ['disp1', 'search', 'q=%E8%B7%AF%E7%81%AF&limit=50'],
  ['disp1', 'deep', 'cursor=HALF&limit=50'],
];
const OUT = process.env.BENCH_PG_RESULTS ||
  path.resolve(LISTS ? 'bench/pg-lists-results.json' : 'bench/pg-results.json');
if (!PG) throw new Error('bench/pg.mjs runs under scripts/with-pg (CIVICLOOP_TEST_PG)');

const run = (cmd, args, env = {}) => new Promise((resolve, reject) => {
  execFile(cmd, args, { encoding: 'utf8', timeout: 900000, maxBuffer: 64 << 20, env: { ...process.env, ...env } },
    (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
});

async function serve(db, env, bin = BIN) {
  const p = spawn(bin, ['serve', '--db', db, '--port', '0', '--threads', THREADS, '--web', 'none', '--sms-config', 'none'],
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

/** Each list shape at each client count through the server on port. */
async function lists(port) {
  const out = [];
  const tokens = {};
  for (const [user, name, qs] of LIST_SHAPES) {
    tokens[user] ??= (await run(LOADGEN, ['--port', String(port), '--login', user, '--password', 'Demo#2024', '--print-token'])).trim();
    const p = `/api/v1/cases?${qs.replace('HALF', String(Math.floor(LIST_CASES / 2)))}`;
    await run(LOADGEN, ['--port', String(port), '--token', tokens[user], '--get', p]); // warm, and a 200
    for (const c of LIST_CLIENTS) {
      const r = JSON.parse(await run(LOADGEN, ['--port', String(port), '--token', tokens[user], '--method', 'GET',
        '--path', p, '--clients', String(c), '--requests', '2000', '--seconds', LIST_SECONDS]));
      out.push({ user, name, clients: c, rate: r.rate, p50_ms: r.p50_ms, p99_ms: r.p99_ms, errors: r.errors + r.transport_errors });
    }
  }
  return out;
}

/** The lists of one backend's database db into runs: this build's, or
 * with BASE_BIN the base's and this build's in turn, twice. */
async function listsOf(backend, db, env, runs) {
  const order = BASE_BIN ? [['base', BASE_BIN], ['this', BIN], ['base', BASE_BIN], ['this', BIN]] : [['this', BIN]];
  for (const [build, bin] of order) {
    const s = await serve(db, env, bin);
    runs.push({ backend, build, lists: await lists(s.port) });
    await s.stop();
  }
}

async function listsRun(dir) {
  // the file's name only: no path of the machine goes into the results
  const res = { cases: LIST_CASES, db: path.basename(LIST_DB), runs: [] };
  try {
    await stat(LIST_DB);
  } catch {
    const t0 = Date.now();
    await run(BIN, ['gen', '--db', LIST_DB, '--cases', String(LIST_CASES), '--seed', '1', '--force']);
    res.gen_s = (Date.now() - t0) / 1000;
  }
  await listsOf('sqlite', LIST_DB, {}, res.runs);
  const name = `benchpg_lists_${process.pid}`;
  await run('psql', ['-X', '-q', '-d', PG, '-c', `CREATE DATABASE ${name}`]);
  const db = `${PG} dbname=${name}`;
  const state = await mkdtemp(path.join(dir, 'state-'));
  await copyFile(`${LIST_DB}.key`, path.join(state, 'civicloop.key'));
  const env = { CIVICLOOP_STATE_DIR: state };
  let t0 = Date.now();
  await run(path.resolve('bench/pg-copy.sh'), [LIST_DB, db], { CIVICLOOP_BIN: BIN, ...env });
  res.copy_s = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const p = await serve(db, env); // its start indexes every case for search
  res.pg_first_start_s = (Date.now() - t0) / 1000;
  await p.stop();
  await listsOf('postgresql', db, env, res.runs);
  res.pg_database_bytes = Number((await run('psql', ['-X', '-At', '-d', db, '-c', 'SELECT pg_database_size(current_database())'])).trim());
  res.sqlite_bytes = (await stat(LIST_DB)).size;
  await run('psql', ['-X', '-q', '-d', PG, '-c', `DROP DATABASE ${name} WITH (FORCE)`]);
  return res;
}

const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-benchpg-'));
if (LISTS) {
  let res;
  try {
    res = { at: new Date().toISOString(), ...(await listsRun(dir)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await writeFile(OUT, JSON.stringify(res, null, 2) + '\n');
  console.log(`lists at ${LIST_CASES} cases; copy ${res.copy_s} s, first start on PostgreSQL ${res.pg_first_start_s} s`);
  // one column a run: backend, and with a base which build
  const cols = res.runs.map((r) => (BASE_BIN ? `${r.backend === 'sqlite' ? 'SQLite' : 'PG'} ${r.build}` : r.backend));
  console.log(`${'shape'.padEnd(20)} ${'clients'.padStart(7)} ${cols.map((c) => c.padStart(13)).join(' ')}   (p50/p99 ms)`);
  res.runs[0].lists.forEach((a, i) => {
    const cells = res.runs.map((r) => `${r.lists[i].p50_ms}/${r.lists[i].p99_ms}`.padStart(13));
    console.log(`${(a.user + ' ' + a.name).padEnd(20)} ${String(a.clients).padStart(7)} ${cells.join(' ')}`);
  });
  process.exit(0);
}
/** Creations through one server on SQLite: the demo county made by bin. */
async function sqliteCreations(bin) {
  const sdb = path.join(dir, `demo-${process.hrtime.bigint()}.db`);
  await run(bin, ['demo', '--db', sdb]);
  const s = await serve(sdb, {}, bin);
  const r = await creations([s.port]);
  await s.stop();
  for (const x of ['', '-wal', '-shm']) await rm(sdb + x, { force: true });
  return r;
}

/** Creations through n servers on one PostgreSQL database made by bin. */
async function pgCreations(n, bin) {
  const name = `benchpg_${process.pid}_${n}_${results.runs.length}`;
  await run('psql', ['-X', '-q', '-d', PG, '-c', `CREATE DATABASE ${name}`]);
  const db = `${PG} dbname=${name}`;
  const state = await mkdtemp(path.join(dir, 'state-'));
  const env = { CIVICLOOP_STATE_DIR: state };
  await run(bin, ['demo', '--db', db], env);
  const servers = [];
  for (let i = 0; i < n; i++) servers.push(await serve(db, env, bin));
  const r = await creations(servers.map((x) => x.port));
  for (const x of servers) await x.stop();
  await run('psql', ['-X', '-q', '-d', PG, '-c', `DROP DATABASE ${name} WITH (FORCE)`]);
  return r;
}

const results = { at: new Date().toISOString(), clients: CLIENTS, requests: REQUESTS, seconds: SECONDS, threads: Number(THREADS), runs: [] };
try {
  if (BASE_BIN) {
    // a change measured against its baseline in the same go: SQLite and
    // PostgreSQL with one server, by the base and by this build in turn
    for (const [build, bin] of [['base', BASE_BIN], ['this', BIN], ['base', BASE_BIN], ['this', BIN]]) {
      results.runs.push({ backend: 'sqlite', build, ...(await sqliteCreations(bin)) });
      results.runs.push({ backend: 'postgresql', build, ...(await pgCreations(1, bin)) });
    }
  } else {
    // SQLite: the demo county in a file, one server; PostgreSQL: the demo
    // county in a fresh database, then 1, 2, 3 servers
    results.runs.push({ backend: 'sqlite', ...(await sqliteCreations(BIN)) });
    for (const n of [1, 2, 3]) results.runs.push({ backend: 'postgresql', ...(await pgCreations(n, BIN)) });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
await writeFile(OUT, JSON.stringify(results, null, 2) + '\n');
console.log('backend     build servers  creations/s  p50 ms  p99 ms  errors  turn wait ms/batch  ms/create');
for (const r of results.runs) {
  console.log(`${r.backend.padEnd(11)} ${(r.build || '').padEnd(5)} ${String(r.servers).padStart(7)} ${String(r.rate).padStart(12)} ${String(r.p50_ms).padStart(7)} ${String(r.p99_ms).padStart(7)} ${String(r.errors).padStart(7)} ${String(r.turn_wait_ms_per_batch ?? '-').padStart(19)} ${String(r.turn_wait_ms_per_create ?? '-').padStart(10)}`);
}
