#!/usr/bin/env node
// The exports on a large database (docs/bench.md "Exports"): how long
// GET /api/v1/export/cases.xlsx and .csv take for 100,000 cases, how much
// memory the server needs for them, and how long the HTTP thread (and the
// read transaction) is held. Run by `make bench` after bench/run.sh, not by
// `make test`.
//
//  1. A demo database topped up to BENCH_EXPORT_CASES hotline cases: admin
//     imports them with POST /api/v1/cases (received_at spread over the past
//     year; the eight classes, seven channels, five units, a tenth of them
//     confidential), BENCH_EXPORT_CLIENTS at a time, and a tenth are
//     dispatched, two units each (lead and assisting). With
//     BENCH_EXPORT_DB=FILE the database is kept there and reused next time.
//  2. A fresh server on it (serve --threads BENCH_THREADS). For each format,
//     BENCH_EXPORT_RUNS exports as disp1 (the whole county: every case),
//     each after resetting the server's peak RSS (echo 5 >
//     /proc/PID/clear_refs): seconds to the headers (the file is built, in
//     one read transaction, before they go out), seconds to the last byte,
//     bytes, the server's CPU seconds and its peak RSS (VmHWM) during the
//     export. Meanwhile GET /healthz, each on a new connection, every 50 ms:
//     the slowest of them shows what an export costs the other connections.
//     The last file of each format is parsed (tests/api/sheets.mjs) and its
//     rows counted.
//
// Prints a table and writes BENCH_EXPORT_RESULTS (bench/export-results.json).
//
// bench/run.sh uses it for its export shapes on its generated database:
// `export.mjs --shape USER FORMAT QUERY` against the running server named by
// BENCH_EXPORT_PORT and BENCH_EXPORT_PID exports once and prints one JSON
// line (shapeMain below); nothing else is done then.
// Knobs: BENCH_EXPORT_CASES=100000 BENCH_EXPORT_CLIENTS=32 BENCH_EXPORT_RUNS=3
// BENCH_EXPORT_USER=disp1 BENCH_EXPORT_QUERY= (a query string) BENCH_THREADS=4
// BENCH_EXPORT_DB= BENCH_EXPORT_RESULTS=bench/export-results.json; the binary
// is $CIVICLOOP_BIN or build/civicloop.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvRows, xlsxRows } from '../tests/api/sheets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.CIVICLOOP_BIN ? path.resolve(process.env.CIVICLOOP_BIN) : path.join(ROOT, 'build', 'civicloop');
const env = (k, d) => process.env[k] || d;
const CASES = Number(env('BENCH_EXPORT_CASES', 100000));
const CLIENTS = Number(env('BENCH_EXPORT_CLIENTS', 32));
const RUNS = Number(env('BENCH_EXPORT_RUNS', 3));
const USER = env('BENCH_EXPORT_USER', 'disp1');
const QUERY = env('BENCH_EXPORT_QUERY', '');
const THREADS = env('BENCH_THREADS', '4');
const RESULTS = path.resolve(ROOT, env('BENCH_EXPORT_RESULTS', 'bench/export-results.json'));
const PASSWORD = 'Demo#2024';
const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const log = (...a) => console.error(...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ the server

function serve(db) {
  const proc = spawn(BIN, ['serve', '--db', db, '--port', '0', '--threads', THREADS], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 30000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(t);
        resolve({ proc, port: Number(m[1]), base: `http://127.0.0.1:${m[1]}`, stderr: () => stderr });
      }
    });
    proc.once('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
  });
}

async function stop(s) {
  const done = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await done;
}

async function login(s, who) {
  const r = await fetch(`${s.base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: who, password: PASSWORD }),
  });
  const j = await r.json();
  if (r.status !== 200) throw new Error(`login ${who}: ${JSON.stringify(j)}`);
  return j.token;
}

async function api(s, token, method, p, body) {
  const r = await fetch(s.base + p, {
    method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

/** /proc/PID/status fields in kB, and CPU seconds (utime + stime). */
function procInfo(pid) {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((st.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [])[1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { hwm: kb('VmHWM'), rss: kb('VmRSS'), cpu: (Number(stat[11]) + Number(stat[12])) / HZ };
}

// ------------------------------------------------------------------ the data

const CLASSES = ['咨询', '求助', '投诉', '举报', '建议', '表扬', '紧急', '水电气热'];
const CHANNELS = ['phone', 'web', 'app', 'wechat', 'letter', 'email', 'phone'];
const ORGS = ['town.a', 'town.b', 'village.a1', 'county', 'town.a'];
const WORDS = ['小区门口道路积水', '路灯不亮', '噪音扰民', '占道经营', '垃圾清运不及时', '供水管道漏水', '拖欠工资',
  '违章搭建', '校车安全隐患', '医保报销咨询'];
const UNITS = [['dept.cg', 'dept.sl'], ['dept.zj', 'town.a'], ['dept.sthj', 'dept.cg'], ['ent.water', 'town.b']];

async function topUp(s, want) {
  const admin = await login(s, 'admin');
  const disp1 = await login(s, 'disp1');
  const have = await countCases(s);
  if (have >= want) return have;
  log(`bench: export: ${have} cases, creating ${want - have} more (not measured)`);
  const year = 365 * 86400000;
  const t0 = Date.now();
  let next = have;
  let made = 0;
  let phone = 13800000000 + have;
  const worker = async () => {
    while (next < want) {
      const i = next++;
      const body = {
        type: 'hotline', class: CLASSES[i % CLASSES.length], channel: CHANNELS[i % CHANNELS.length],
        title: `${WORDS[i % WORDS.length]}（第${i}号）`,
        description: `来电人反映${WORDS[(i * 7) % WORDS.length]}，已持续多日，请尽快处理。编号${i}。`,
        reporter: { name: `${'赵钱孙李周吴郑王'[i % 8]}某${i % 100}`, phone: String(phone + i), confidential: i % 10 === 3 },
        org: ORGS[i % ORGS.length], fields: { category: WORDS[(i * 3) % WORDS.length].slice(0, 4) },
        received_at: new Date(t0 - 60000 - Math.floor((i / want) * year)).toISOString(),
      };
      const r = await api(s, admin, 'POST', '/api/v1/cases', body);
      if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${JSON.stringify(r.json)}`);
      if (i % 10 === 0) {
        const [lead, assist] = UNITS[(i / 10) % UNITS.length];
        const d = await api(s, disp1, 'POST', `/api/v1/cases/${r.json.case.id}/actions/dispatch`, { orgs: [lead, assist], lead });
        if (d.status !== 200) throw new Error(`dispatch ${r.json.case.id}: ${d.status} ${JSON.stringify(d.json)}`);
      }
      if (++made % 10000 === 0) log(`  ${made} created, ${Math.round(made / ((Date.now() - t0) / 1000))}/s`);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  log(`bench: export: ${made} created in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return countCases(s);
}

async function countCases(s) {
  const r = await fetch(`${s.base}/metrics`);
  const text = await r.text();
  let n = 0;
  for (const m of text.matchAll(/^civicloop_cases\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

// ------------------------------------------------------------------ measuring

/** GET /healthz on a new connection every 50 ms until stopped: the latencies. */
function probe(port) {
  const lat = [];
  let on = true;
  const one = () => new Promise((resolve) => {
    const t = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        lat.push(Number(process.hrtime.bigint() - t) / 1e6);
        resolve();
      });
    });
    req.on('error', () => resolve());
  });
  const loop = (async () => {
    while (on) {
      const p = one();
      await sleep(50);
      await p;
    }
  })();
  return { stop: async () => { on = false; await loop; return lat; } };
}

/** One export: timings, bytes, the server's CPU and peak RSS; the body when keep. */
async function exportOnce(s, token, fmt, keep) {
  writeFileSync(`/proc/${s.proc.pid}/clear_refs`, '5'); // the peak RSS starts again from now
  const before = procInfo(s.proc.pid);
  const pr = probe(s.port);
  const t0 = process.hrtime.bigint();
  const res = await new Promise((resolve, reject) => {
    const req = http.get({
      host: '127.0.0.1', port: s.port, path: `/api/v1/export/cases.${fmt}${QUERY ? `?${QUERY}` : ''}`,
      headers: { Authorization: `Bearer ${token}` }, agent: false,
    }, (r) => {
      const head = Number(process.hrtime.bigint() - t0) / 1e9;
      const chunks = [];
      let bytes = 0;
      r.on('data', (d) => {
        bytes += d.length;
        if (keep) chunks.push(d);
      });
      r.on('end', () => resolve({ status: r.statusCode, head, bytes, length: Number(r.headers['content-length']), body: keep ? Buffer.concat(chunks) : null }));
    });
    req.on('error', reject);
  });
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  const lat = await pr.stop();
  const after = procInfo(s.proc.pid);
  if (res.status !== 200) throw new Error(`export ${fmt}: ${res.status} ${res.body ? res.body.toString().slice(0, 300) : ''}`);
  if (res.bytes !== res.length) throw new Error(`export ${fmt}: ${res.bytes} of ${res.length} bytes`);
  lat.sort((a, b) => a - b);
  return {
    seconds_to_headers: +res.head.toFixed(3), seconds_total: +total.toFixed(3), bytes: res.bytes,
    server_cpu_s: +(after.cpu - before.cpu).toFixed(2), rss_before_kb: before.rss, peak_rss_kb: after.hwm,
    healthz_probes: lat.length, healthz_p50_ms: +(lat[Math.floor(lat.length / 2)] || 0).toFixed(1),
    healthz_max_ms: +(lat.at(-1) || 0).toFixed(1), body: res.body,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ------------------------------------------------------------------ one shape

/** CPU ticks of every process but `skip` and kernel threads, by pid
 * (utime + stime + waited-for children, as bench/run.sh's procs_cpu). */
function procsTicks(skip) {
  const out = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || skip.has(Number(pid))) continue;
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Math.floor(Number(f[6]) / 2097152) % 2 === 1) continue; // PF_KTHREAD
      out.set(pid, Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * bench/run.sh's export shapes: `export.mjs --shape USER FORMAT QUERY` with
 * BENCH_EXPORT_PORT and BENCH_EXPORT_PID naming a running server. One
 * export as USER; prints one JSON line: the answer's status (and error code),
 * seconds to the headers and to the last byte, bytes, rows (the file parsed
 * by tests/api/sheets.mjs), the server's CPU seconds, its RSS before, at its
 * peak (sampled every 20 ms) and after, its VmHWM before and after, and the
 * CPU seconds of other processes meanwhile (this one's parsing excluded).
 */
async function shapeMain([user, fmt, query = '']) {
  const port = Number(process.env.BENCH_EXPORT_PORT);
  const pid = Number(process.env.BENCH_EXPORT_PID);
  const s = { base: `http://127.0.0.1:${port}` };
  const token = await login(s, user);
  const skip = new Set([pid, process.pid]);
  const before = procInfo(pid);
  const o0 = procsTicks(skip);
  let peak = before.rss;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, procInfo(pid).rss);
    } catch {
      // the server is gone: the request fails below
    }
  }, 20);
  const t0 = process.hrtime.bigint();
  const res = await new Promise((resolve, reject) => {
    const req = http.get({
      host: '127.0.0.1', port, path: `/api/v1/export/cases.${fmt}${query ? `?${query}` : ''}`,
      headers: { Authorization: `Bearer ${token}` }, agent: false,
    }, (r) => {
      const head = Number(process.hrtime.bigint() - t0) / 1e9;
      const chunks = [];
      r.on('data', (d) => chunks.push(d));
      r.on('end', () => resolve({ status: r.statusCode, head, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  const after = procInfo(pid);
  const o1 = procsTicks(skip);
  let other = 0;
  for (const [p, t] of o1) other += Math.max(0, t - (o0.get(p) ?? t));
  const out = {
    status: res.status, seconds_to_headers: +res.head.toFixed(3), seconds: +total.toFixed(3),
    bytes: res.body.length, server_cpu_s: +(after.cpu - before.cpu).toFixed(2),
    rss_before_kb: before.rss, rss_peak_kb: Math.max(peak, after.rss), rss_after_kb: after.rss,
    hwm_before_kb: before.hwm, hwm_after_kb: after.hwm, other_cpu_s: +(other / HZ).toFixed(2),
  };
  if (res.status === 200) {
    out.rows = (fmt === 'xlsx' ? xlsxRows(res.body) : csvRows(res.body)).length - 1;
  } else {
    out.code = (() => {
      try {
        return JSON.parse(res.body.toString('utf8')).error.code;
      } catch {
        return 'unknown';
      }
    })();
  }
  console.log(JSON.stringify(out));
}

if (process.argv[2] === '--shape') {
  await shapeMain(process.argv.slice(3));
  process.exit(0);
}

// ------------------------------------------------------------------ main

let dir = null;
let db = process.env.BENCH_EXPORT_DB ? path.resolve(process.env.BENCH_EXPORT_DB) : null;
if (!db) {
  dir = mkdtempSync(path.join(os.tmpdir(), 'civicloop-bench-export-'));
  db = path.join(dir, 'bench.db');
}
if (!existsSync(db)) execFileSync(BIN, ['demo', '--db', db], { stdio: 'ignore' });

let s = await serve(db);
let cases;
try {
  cases = await topUp(s, CASES);
} finally {
  await stop(s);
}
s = await serve(db); // a fresh process: its peak RSS is the export's, not the import's
const out = { date: new Date().toISOString(), cases, user: USER, query: QUERY, threads: Number(THREADS), formats: {} };
try {
  const token = await login(s, USER);
  await api(s, token, 'GET', '/api/v1/cases?limit=50'); // warm: a session, a reader connection
  out.idle = procInfo(s.proc.pid);
  for (const fmt of ['xlsx', 'csv']) {
    const runs = [];
    let body = null;
    for (let i = 0; i < RUNS; i++) {
      const r = await exportOnce(s, token, fmt, i === RUNS - 1);
      body = r.body;
      delete r.body;
      runs.push(r);
      log(`  ${fmt} run ${i + 1}: ${JSON.stringify(r)}`);
    }
    const rows = (fmt === 'xlsx' ? xlsxRows(body) : csvRows(body)).length - 1;
    out.formats[fmt] = {
      rows, runs,
      median_seconds_to_headers: median(runs.map((r) => r.seconds_to_headers)),
      median_seconds_total: median(runs.map((r) => r.seconds_total)),
      max_peak_rss_kb: Math.max(...runs.map((r) => r.peak_rss_kb)),
      max_healthz_ms: Math.max(...runs.map((r) => r.healthz_max_ms)),
      bytes: runs[0].bytes,
    };
  }
} finally {
  await stop(s);
  if (dir) rmSync(dir, { recursive: true, force: true });
}
out.machine = { cores: os.cpus().length, cpu: os.cpus()[0].model, load_average_at_end: os.loadavg().map((x) => +x.toFixed(2)) };
writeFileSync(RESULTS, `${JSON.stringify(out, null, 2)}\n`);

console.log(`\ncivicloop export bench — ${out.date}, ${cases} cases, as ${USER}${QUERY ? ` ?${QUERY}` : ''}, ${out.machine.cores} cores, load ${out.machine.load_average_at_end.join(' ')}`);
console.log(`server idle: RSS ${out.idle.rss} kB, peak so far ${out.idle.hwm} kB`);
console.log('format     rows   to headers s   total s    MB   server CPU s   peak RSS MB   /healthz max ms');
for (const [fmt, f] of Object.entries(out.formats)) {
  console.log(`${fmt.padEnd(6)} ${String(f.rows).padStart(8)} ${String(f.median_seconds_to_headers).padStart(14)} ${String(f.median_seconds_total).padStart(9)} ${(f.bytes / 1048576).toFixed(1).padStart(5)} ${String(median(f.runs.map((r) => r.server_cpu_s))).padStart(14)} ${(f.max_peak_rss_kb / 1024).toFixed(1).padStart(13)} ${String(f.max_healthz_ms).padStart(17)}`);
}
console.log(`(medians of ${RUNS} runs; peak RSS is the server's VmHWM during the export, reset before each)`);
console.log(`results: ${path.relative(ROOT, RESULTS)}`);
