// Login flood: how much a burst of sign-ins (Argon2id) slows everything else.
//
//   node bench/login_flood.mjs [--bin build/civicloop] [--threads 4] [--clients 8]
//        [--seconds 5] [--wrong] [--same-address] [--flood-keepalive]
//
// Builds a demo database (no cases) in a temporary folder, serves it on a
// free port, then
//   1. idle:  200 sequential GET /healthz, a new connection each;
//   2. flood: --clients loops POST /api/v1/auth/login as fast as answers come
//      back for --seconds (the demo password, or a wrong one with --wrong),
//      a new connection per sign-in (one kept-alive connection per loop with
//      --flood-keepalive),
//      each loop from its own loopback address 127.0.0.(10+i) unless
//      --same-address, while two probers keep GETting /healthz 10 ms apart:
//      one on a new connection each time, one on a kept-alive connection
//      (libmicrohttpd's thread pool keeps a connection on the thread that
//      accepted it, so this one shows a busy HTTP thread).
// It prints the /healthz latency (p50/p95/max, ms) of both phases and the
// login answers by status, then stops the server and removes the folder.
// Everything is bounded: the flood stops after --seconds, every request
// times out after 30 s, and the run after --seconds + 60 s.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const flag = (name) => args.includes(name);
const BIN = path.resolve(opt('--bin', process.env.CIVICLOOP_BIN || path.join(REPO, 'build', 'civicloop')));
const THREADS = Number(opt('--threads', '4'));
const CLIENTS = Math.min(64, Number(opt('--clients', '8')));
const SECONDS = Math.min(60, Number(opt('--seconds', '5')));
const WRONG = flag('--wrong');
const SAME_ADDRESS = flag('--same-address');
const FLOOD_KEEPALIVE = flag('--flood-keepalive');
const LOGINS = ['op1', 'disp1', 'sup1', 'cg1', 'sl1', 'rs1', 'town1', 'town2', 'grid1', 'med1', 'insp1', 'leader1'];

const hardStop = setTimeout(() => {
  console.error('login_flood: took too long, giving up');
  process.exit(2);
}, (SECONDS + 60) * 1000);
hardStop.unref();

function request(port, { method = 'GET', p, body, agent, localAddress }) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      { host: '127.0.0.1', port, method, path: p, agent, localAddress, timeout: 30000,
        headers: body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    if (body) req.write(body);
    req.end();
  });
}

const pct = (xs, q) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const fmt = (xs) =>
  `n=${xs.length} p50=${pct(xs, 0.5).toFixed(2)} p95=${pct(xs, 0.95).toFixed(2)} max=${Math.max(...xs).toFixed(2)} ms`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'civicloop-flood-'));
  const db = path.join(dir, 'demo.db');
  execFileSync(BIN, ['demo', '--db', db, '--no-cases'], { stdio: 'ignore' });
  const srv = spawn(BIN, ['serve', '--db', db, '--port', '0', '--threads', String(THREADS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      srv.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/127\.0\.0\.1:(\d+)\//);
        if (m) resolve(Number(m[1]));
      });
      srv.once('exit', (c) => reject(new Error(`server exited (${c})`)));
    });
    for (let i = 0; i < 100 && (await request(port, { p: '/healthz' })).status !== 200; i++) await sleep(50);

    const idle = [];
    for (let i = 0; i < 200; i++) idle.push((await request(port, { p: '/healthz' })).ms);
    const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const idleKa = [];
    for (let i = 0; i < 200; i++) idleKa.push((await request(port, { p: '/healthz', agent: probeAgent })).ms);

    const statuses = {};
    const loginMs = [];
    const during = [];
    const duringKa = [];
    const end = Date.now() + SECONDS * 1000;
    const flood = Array.from({ length: CLIENTS }, async (_, i) => {
      // a new connection per sign-in, as from many browsers; --flood-keepalive
      // keeps one per loop instead (it stays on one HTTP thread)
      const agent = FLOOD_KEEPALIVE ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
      const localAddress = SAME_ADDRESS ? undefined : `127.0.0.${10 + i}`;
      for (let n = 0; Date.now() < end; n++) {
        const login = LOGINS[(i + n) % LOGINS.length];
        const body = JSON.stringify({ login, password: WRONG ? `wrong-${n}` : 'Demo#2024' });
        const r = await request(port, { method: 'POST', p: '/api/v1/auth/login', body, agent, localAddress });
        statuses[r.status] = (statuses[r.status] || 0) + 1;
        loginMs.push(r.ms);
      }
      if (agent) agent.destroy();
    });
    const prober = (agent, into) => (async () => {
      await sleep(200); // let the flood build up
      while (Date.now() < end) {
        into.push((await request(port, { p: '/healthz', agent })).ms);
        await sleep(10);
      }
    })();
    await Promise.all([...flood, prober(undefined, during), prober(probeAgent, duringKa)]);
    probeAgent.destroy();

    const total = Object.values(statuses).reduce((a, b) => a + b, 0);
    console.log(`binary ${BIN}, --threads ${THREADS}, ${CLIENTS} clients ${SAME_ADDRESS ? 'from one address' : 'from distinct addresses'}, ${SECONDS} s, ${WRONG ? 'wrong' : 'right'} passwords`);
    console.log(`/healthz idle, new connections:        ${fmt(idle)}`);
    console.log(`/healthz idle, kept-alive connection:  ${fmt(idleKa)}`);
    console.log(`/healthz under flood, new connections: ${fmt(during)}`);
    console.log(`/healthz under flood, kept-alive:      ${fmt(duringKa)}`);
    console.log(`logins: ${total} in ${SECONDS} s (${(total / SECONDS).toFixed(1)}/s) by status ${JSON.stringify(statuses)}; login latency ${fmt(loginMs)}`);
    console.log(JSON.stringify({
      threads: THREADS, clients: CLIENTS, seconds: SECONDS, wrong: WRONG,
      healthz_idle_p50_ms: +pct(idle, 0.5).toFixed(3), healthz_flood_p50_ms: +pct(during, 0.5).toFixed(3),
      healthz_flood_p95_ms: +pct(during, 0.95).toFixed(3),
      healthz_keepalive_idle_p50_ms: +pct(idleKa, 0.5).toFixed(3),
      healthz_keepalive_flood_p50_ms: +pct(duringKa, 0.5).toFixed(3),
      healthz_keepalive_flood_p95_ms: +pct(duringKa, 0.95).toFixed(3), logins: statuses,
    }));
  } finally {
    srv.kill('SIGTERM');
    await new Promise((r) => (srv.exitCode !== null ? r() : srv.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
