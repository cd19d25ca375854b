// Shared pieces of the durability tests: tests/api/crash.test.mjs (a few
// kill -9 rounds in `make test`), tests/api/backup.test.mjs (backup under
// load) and tests/soak/kill9.mjs (`make soak`, many rounds).
//
// The model: workers drive hotline cases through the real API as op1 (create),
// disp1 (dispatch to dept.cg), cg1 (sign, reply) and keep a ledger of every
// request answered 2xx: the case id, the action, the version in the answer.
// Only a 2xx the client actually read counts as acknowledged; a request cut
// off by the kill is "in flight" and may or may not have landed.
// checkDb() then compares the ledger with the database (read with sqlite3, or
// psql on PostgreSQL: helpers.mjs dbCmd).
//
// Not a test file itself (no .test. in the name): node --test skips it.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import assert from 'node:assert/strict';
import { BIN, PASSWORD, BACKEND, runBin, freshPhone, dbCmd, newDatabase, psqlText } from './helpers.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG (mulberry32), so a failing round can be replayed with its seed. */
export function makeRng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Serves an existing database on a free port: {proc, base, exited, stderr(), stop()}.
 * stop() sends SIGTERM and resolves the exit {code, signal}.
 */
export async function serveDb(db, { env = {} } = {}) {
  const e = { ...process.env };
  delete e.CIVICLOOP_TEST_CLOCK;
  Object.assign(e, env);
  const proc = spawn(BIN, ['serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: e });
  let err = '';
  let out = '';
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    err += d;
  });
  proc.stdout.setEncoding('utf8');
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code ?? signal}): ${out} ${err}`));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(base + '/healthz');
      await r.text();
      if (r.status === 200) break;
    } catch {
      /* not yet */
    }
    if (i > 200) throw new Error('server never answered /healthz');
    await sleep(25);
  }
  return {
    proc,
    base,
    exited,
    stderr: () => err,
    /** A sanitizer's report in the server's stderr (make asantest), or null. */
    sanitizer: () => {
      const m = err.match(/(AddressSanitizer|LeakSanitizer|runtime error:)[\s\S]{0,2000}/);
      return m ? m[0] : null;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
        const x = await exited;
        clearTimeout(t);
        return x;
      }
      return exited;
    },
    async kill9() {
      proc.kill('SIGKILL');
      return exited;
    },
  };
}

/** One HTTP call; resolves {status, json} or throws when the connection fails. */
export async function call(base, token, method, p, body, extra = {}) {
  const headers = { ...extra };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export async function loginToken(base, login) {
  const r = await call(base, null, 'POST', '/api/v1/auth/login', { login, password: PASSWORD });
  assert.equal(r.status, 200, `login ${login}: ${r.text}`);
  return r.json.token;
}

/** A hotline 投诉 (5 working days, so no timer falls due during a test). */
export function caseBodyForCrash(rng = Math.random) {
  return {
    type: 'hotline',
    class: '投诉',
    channel: 'phone',
    title: '断电测试工单',
    description: `来电人反映小区门口道路积水严重（${Math.floor(rng() * 1e9)}）。`,
    reporter: { name: '测试人', phone: freshPhone() },
    org: 'town.a',
  };
}

/** The hotline steps the workers take, in order; a case's status only moves forward along them. */
const STEPS = [
  { action: 'create', from: null, to: 'received', as: 'op1' },
  { action: 'dispatch', from: 'received', to: 'dispatched', as: 'disp1' },
  { action: 'sign', from: 'dispatched', to: 'handling', as: 'cg1' },
  { action: 'reply', from: 'handling', to: 'replied', as: 'cg1' },
];
const RANK = { received: 0, dispatched: 1, handling: 2, replied: 3 };

/**
 * The ledger of acknowledged writes, kept across rounds (the database is).
 * cases: id → {version (highest acknowledged), status (of that answer), acked: Set of actions}
 * pools: status → ids whose next step a worker may take (each id in at most one pool,
 * and taken out while a request on it is in flight).
 */
export function newLedger() {
  return {
    cases: new Map(),
    pools: { received: [], dispatched: [], handling: [] },
    acked: 0,
    ackedByAction: { create: 0, dispatch: 0, sign: 0, reply: 0 },
  };
}

function ack(ledger, action, c) {
  let e = ledger.cases.get(c.id);
  if (!e) {
    e = { version: 0, status: null, acked: new Set() };
    ledger.cases.set(c.id, e);
  }
  if (c.version > e.version) {
    e.version = c.version;
    e.status = c.status;
  }
  e.acked.add(action);
  ledger.acked++;
  ledger.ackedByAction[action]++;
}

/** An acknowledged answer: into the ledger, and the case into the pool of its next step. */
function settle(ledger, action, c) {
  ack(ledger, action, c);
  if (RANK[c.status] !== undefined && c.status !== 'replied') ledger.pools[c.status].push(c.id);
}

/**
 * Runs `clients` workers against base until stop() (or the server dies). Each
 * acknowledged write goes into the ledger; `onAck` (if given) is called with
 * (action, case, time) for every one. Returns {done: Promise<stats>, stop()}.
 */
export function runLoad({ base, tokens, ledger, clients = 8, rng = Math.random, onAck }) {
  const stats = { sent: 0, acked: 0, inflightLost: 0, inflight: [], rejected: 0, failed5xx: 0, rejections: [] };
  let stopped = false;
  const pick = () => {
    const r = rng();
    const p = ledger.pools;
    if (r < 0.2 && p.handling.length) return { step: STEPS[3], id: p.handling.shift() };
    if (r < 0.45 && p.dispatched.length) return { step: STEPS[2], id: p.dispatched.shift() };
    if (r < 0.7 && p.received.length) return { step: STEPS[1], id: p.received.shift() };
    return { step: STEPS[0], id: null };
  };
  const worker = async () => {
    while (!stopped) {
      const { step, id } = pick();
      const req = { step, id, as: step.as, key: randomUUID() };
      if (step.action === 'create') {
        req.path = '/api/v1/cases';
        req.body = caseBodyForCrash(rng);
      } else {
        req.path = `/api/v1/cases/${id}/actions/${step.action}`;
        req.body = { version: ledger.cases.get(id).version };
        if (step.action === 'dispatch') req.body.org = 'dept.cg';
        if (step.action === 'reply') req.body.reply = '已组织人员疏通排水，积水已清除。';
      }
      let r;
      stats.sent++;
      try {
        r = await call(base, tokens[step.as], 'POST', req.path, req.body, { 'Idempotency-Key': req.key });
      } catch {
        // the server died under this request: it may or may not have landed;
        // the case stays out of the pools until a retry settles it
        stats.inflightLost++;
        stats.inflight.push(req);
        return;
      }
      if (r.status >= 200 && r.status < 300) {
        settle(ledger, step.action, r.json.case);
        stats.acked++;
        if (onAck) onAck(step.action, r.json.case, performance.now());
      } else if (r.status >= 500) {
        // not expected at all; whether it landed is settled like a cut-off request
        stats.failed5xx++;
        if (stats.rejections.length < 5) stats.rejections.push(`${step.action} ${id}: ${r.status} ${r.text.slice(0, 200)}`);
        stats.inflight.push(req);
        return;
      } else {
        stats.rejected++;
        if (stats.rejections.length < 5) stats.rejections.push(`${step.action} ${id}: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
  };
  const done = Promise.all(Array.from({ length: clients }, worker)).then(() => stats);
  return {
    done,
    stop() {
      stopped = true;
    },
  };
}

/** One query on db → its rows, as `sqlite3 -json` gives them (on PostgreSQL psql's: helpers.mjs dbCmd). */
export async function sqlRows(db, q) {
  const r = await dbCmd(db, q, { json: true });
  if (r.code !== 0) throw new Error(`${q}: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

/**
 * Compares the ledger with the database and checks the invariants:
 *  - every acknowledged create exists, with version ≥ the acknowledged one and
 *    a status at or past the acknowledged one, and each acknowledged action has
 *    its event (exactly one: none doubled);
 *  - for every case the version equals the number of its workflow events;
 *  - timers: every open case holds exactly its expected running timers
 *    (case_due; per live assignment sign+handle while pending, handle while
 *    signed, none when done), and no two running timers share case,
 *    assignment and kind;
 *  - events.seq runs 1..N without a gap.
 * Returns {problems: [...], cases, events, timers}; rebuilds ledger.pools from
 * the database (a request in flight at the kill may have moved a case on).
 */
export async function checkDb(db, ledger) {
  const problems = [];
  const cases = new Map();
  for (const r of await sqlRows(db, 'SELECT id, status, version FROM cases')) cases.set(r.id, r);
  const evs = new Map();
  for (const r of await sqlRows(
    db,
    "SELECT case_id, action, count(*) AS n FROM events WHERE case_id IS NOT NULL AND action IN ('create','dispatch','sign','reply') GROUP BY case_id, action",
  )) {
    if (!evs.has(r.case_id)) evs.set(r.case_id, {});
    evs.get(r.case_id)[r.action] = r.n;
  }
  const [seq] = await sqlRows(db, 'SELECT count(*) AS n, coalesce(min(seq), 0) AS lo, coalesce(max(seq), 0) AS hi FROM events');
  if (seq.n > 0 && (seq.lo !== 1 || seq.hi !== seq.n)) problems.push(`events.seq has gaps: ${seq.n} events, seq ${seq.lo}..${seq.hi}`);

  for (const [id, e] of ledger.cases) {
    const c = cases.get(id);
    if (!c) {
      problems.push(`LOST: case ${id} acknowledged (${[...e.acked].join(',')}, v${e.version}) is missing`);
      continue;
    }
    if (c.version < e.version) problems.push(`LOST: case ${id} is at version ${c.version}, acknowledged ${e.version}`);
    if (RANK[c.status] === undefined || RANK[c.status] < RANK[e.status])
      problems.push(`LOST: case ${id} is ${c.status}, acknowledged ${e.status}`);
    const ev = evs.get(id) || {};
    for (const a of e.acked) if (!ev[a]) problems.push(`LOST: case ${id}: acknowledged ${a} has no event`);
  }
  for (const [id, c] of cases) {
    const ev = evs.get(id) || {};
    let n = 0;
    for (const [a, k] of Object.entries(ev)) {
      if (k !== 1) problems.push(`DOUBLED: case ${id} has ${k} ${a} events`);
      n += k;
    }
    if (n !== c.version) problems.push(`case ${id}: version ${c.version} but ${n} workflow events`);
  }

  // timers: expected vs running
  const asgs = await sqlRows(db, "SELECT id, case_id, status FROM assignments WHERE status <> 'cancelled'");
  const timers = await sqlRows(db, "SELECT case_id, assignment_id, kind FROM timers WHERE state IN ('running','paused')");
  const want = new Map(); // "case|asg|kind" → count
  const add = (m, k) => m.set(k, (m.get(k) || 0) + 1);
  for (const [id, c] of cases) if (RANK[c.status] !== undefined) add(want, `${id}|-|case_due`);
  for (const g of asgs) {
    if (g.status === 'pending') {
      add(want, `${g.case_id}|${g.id}|sign`);
      add(want, `${g.case_id}|${g.id}|handle`);
    } else if (g.status === 'signed') add(want, `${g.case_id}|${g.id}|handle`);
  }
  const have = new Map();
  for (const t of timers) add(have, `${t.case_id}|${t.assignment_id ?? '-'}|${t.kind}`);
  for (const [k, n] of want) {
    const h = have.get(k) || 0;
    if (h < n) problems.push(`TIMER LOST: ${k} (case|assignment|kind)`);
  }
  for (const [k, h] of have) {
    if (h > 1) problems.push(`TIMER DOUBLED: ${h} running ${k} (case|assignment|kind)`);
    else if (!want.has(k)) problems.push(`TIMER STRAY: running ${k} (case|assignment|kind)`);
  }

  // the pools again, from what the database holds now
  ledger.pools = { received: [], dispatched: [], handling: [] };
  for (const id of ledger.cases.keys()) {
    const c = cases.get(id);
    if (!c) continue;
    ledger.cases.get(id).version = Math.max(ledger.cases.get(id).version, c.version);
    if (ledger.pools[c.status]) ledger.pools[c.status].push(id);
  }
  return { problems, cases: cases.size, events: seq.n, timers: timers.length };
}

/** civicloop audit verify --db db → {ok, text}; env: the database's (on PostgreSQL its CIVICLOOP_STATE_DIR). */
export async function auditVerify(db, env = {}) {
  const r = await runBin(['audit', 'verify', '--db', db], { env: { ...process.env, ...env } });
  return { ok: r.code === 0, text: (r.stdout + r.stderr).trim(), code: r.code };
}

/**
 * One kill -9 round on a running server: load until a random moment in
 * [minMs, maxMs], SIGKILL, restart on the same database, check. env: the
 * database's environment (serveDb, auditVerify).
 * Returns {server (the restarted one), figures, problems}.
 */
export async function killRound({ server, db, env = {}, tokens, ledger, rng, clients = 8, minMs = 200, maxMs = 2500 }) {
  const before = ledger.acked;
  const load = runLoad({ base: server.base, tokens, ledger, clients, rng });
  const killAfter = Math.round(minMs + rng() * (maxMs - minMs));
  await sleep(killAfter);
  const exit = await server.kill9();
  load.stop();
  const st = await load.done;
  const san = server.sanitizer();
  const t0 = performance.now();
  const next = await serveDb(db, { env });
  const restartMs = Math.round(performance.now() - t0);
  // first what the restart recovered, before any client retries anything
  const problems = (await checkDb(db, ledger)).problems.map((p) => `before retries: ${p}`);
  // A client that lost its answer retries with the same Idempotency-Key: a
  // request that had landed is answered from the stored response, one that
  // had not runs now; either way exactly once (checkDb counts the events).
  let landed = 0;
  if (st.inflight.length) {
    const keys = st.inflight.map((q) => `'${q.key}'`).join(',');
    [{ n: landed }] = await sqlRows(db, `SELECT count(*) AS n FROM idempotency WHERE key IN (${keys})`);
  }
  for (const q of st.inflight) {
    const r = await call(next.base, tokens[q.as], 'POST', q.path, q.body, { 'Idempotency-Key': q.key });
    if (r.status >= 200 && r.status < 300) settle(ledger, q.step.action, r.json.case);
    else problems.push(`retry of the in-flight ${q.step.action} ${q.id ?? ''} after restart: ${r.status} ${r.text.slice(0, 200)}`);
  }
  const chk = await checkDb(db, ledger);
  const audit = await auditVerify(db, env);
  problems.push(...chk.problems);
  if (exit.signal !== 'SIGKILL') problems.push(`the server was not killed by SIGKILL: ${JSON.stringify(exit)}`);
  if (san) problems.push(`the server reported a sanitizer error:\n${san}`);
  if (!audit.ok) problems.push(`audit verify failed (${audit.code}): ${audit.text}`);
  if (st.rejected || st.failed5xx)
    problems.push(`${st.rejected} requests rejected (4xx) and ${st.failed5xx} failed (5xx) in the model's own steps: ${st.rejections.join(' | ')}`);
  // the restarted server answers what the database holds, for a few acknowledged cases
  const ids = [...ledger.cases.keys()];
  for (let i = 0; i < Math.min(5, ids.length); i++) {
    const id = ids[Math.floor(rng() * ids.length)];
    const r = await call(next.base, tokens.disp1, 'GET', `/api/v1/cases/${id}`);
    if (r.status !== 200) problems.push(`GET case ${id} after restart: ${r.status} ${r.text.slice(0, 200)}`);
    else if (r.json.case.version < ledger.cases.get(id).version)
      problems.push(`LOST (API): case ${id} at version ${r.json.case.version}, acknowledged ${ledger.cases.get(id).version}`);
  }
  return {
    server: next,
    problems,
    figures: {
      killAfter,
      acked: ledger.acked - before,
      inflight: st.inflightLost,
      landed,
      failed5xx: st.failed5xx,
      rejected: st.rejected,
      cases: chk.cases,
      events: chk.events,
      timers: chk.timers,
      restartMs,
      audit: audit.text.split('\n')[0],
    },
  };
}

/** Logs the three workers in once; sessions are in the database, so they must survive every kill. */
export async function workerTokens(base) {
  return { op1: await loginToken(base, 'op1'), disp1: await loginToken(base, 'disp1'), cg1: await loginToken(base, 'cg1') };
}

/** A fresh demo database (without its demo cases) in dir. */
export async function demoDb(db) {
  const r = await runBin(['demo', '--db', db, '--no-cases']);
  assert.equal(r.code, 0, `civicloop demo: ${r.stderr}`);
}

/**
 * A member of the events' payload (JSON text), as SQL, typed: SQLite's
 * json_extract gives a number or 1/0 as they are; PostgreSQL reads the
 * text as jsonb and casts the member's text to `type`.
 */
function payloadOf(key, type) {
  if (BACKEND !== 'postgres') return `json_extract(payload, '$.${key}')`;
  return type ? `(payload::jsonb->>'${key}')::${type}` : `(payload::jsonb->>'${key}')`;
}

/**
 * Watches db for the scheduler's first commit after now: resolves to a
 * function that waits for it (5 s at most). SQLite: the WAL's mtime moves
 * (a stat, far quicker than asking sqlite3). PostgreSQL: a session of its
 * own polls for a timer fired since, every millisecond, in one statement
 * (a PL/pgSQL loop sees each commit as it lands).
 */
async function commitWatch(db) {
  if (BACKEND !== 'postgres') {
    const wal = `${db}-wal`;
    const m0 = statSync(wal, { bigint: true }).mtimeNs;
    return async () => {
      const t0 = performance.now();
      while (statSync(wal, { bigint: true }).mtimeNs === m0 && performance.now() - t0 < 5000)
        await new Promise((r) => setImmediate(r));
    };
  }
  const fired = Number(await psqlText(db, "SELECT count(*) FROM timers WHERE state = 'fired'"));
  const watch = new Promise((resolve) => {
    const p = spawn('psql', ['-X', '-q', '-d', db, '-c',
      `DO $$ BEGIN FOR i IN 1..5000 LOOP EXIT WHEN (SELECT count(*) FROM timers WHERE state = 'fired') > ${fired};` +
      ' PERFORM pg_sleep(0.001); END LOOP; END $$'], { stdio: 'ignore' });
    p.once('exit', resolve);
    p.once('error', resolve);
  });
  await sleep(200); // connected and polling before the clock moves
  return () => watch;
}

/**
 * kill -9 while the scheduler turns overdue timers into events: a fresh
 * database served with the test clock, a load of cases in every state, the
 * business clock moved 40 days on (every running timer falls due), SIGKILL as
 * soon as the first timers have fired (plus a random few ms), restart, move
 * the clock again and let the scheduler finish. Each timer must have fired
 * exactly once: one timer.overdue event per fired timer and none without,
 * one automatic 催办 (urge event + overdue notice) per overdue handle timer of
 * a unit still working, no running timer left due, seq without gaps, and the
 * audit chain intact. Returns {problems, figures}.
 */
export async function schedulerKillRound({ dir, rng, name = 'sched', minCases = 300, maxLoadMs = 2500 }) {
  const h = await newDatabase(dir, name, { demo: true, cases: false });
  const db = h.db;
  const env = { ...h.env, CIVICLOOP_TEST_CLOCK: '1' };
  let server = await serveDb(db, { env });
  const problems = [];
  try {
    const tokens = await workerTokens(server.base);
    const ledger = newLedger();
    const load = runLoad({ base: server.base, tokens, ledger, clients: 8, rng });
    // enough cases that firing takes several scheduler batches (200 timers each)
    const l0 = performance.now();
    while (ledger.ackedByAction.create < minCases && performance.now() - l0 < maxLoadMs) await sleep(50);
    load.stop();
    await load.done;
    const [{ n: running }] = await sqlRows(db, "SELECT count(*) AS n FROM timers WHERE state = 'running'");
    const later = new Date(Date.now() + 40 * 86400e3).toISOString();
    const admin = await loginToken(server.base, 'admin');
    await sleep(50);
    // The scheduler ticks once a second and then fires everything in a few
    // ms: watch for its first commit, then kill a random few ms later.
    const firstCommit = await commitWatch(db);
    const set = await call(server.base, admin, 'PUT', '/api/v1/test/clock', { now: later });
    assert.equal(set.status, 200, set.text);
    await firstCommit();
    const delay = Math.floor(rng() * 4);
    if (delay) await sleep(delay);
    const exit = await server.kill9();
    if (exit.signal !== 'SIGKILL') problems.push(`not killed by SIGKILL: ${JSON.stringify(exit)}`);
    if (server.sanitizer()) problems.push(`the server reported a sanitizer error:\n${server.sanitizer()}`);
    const [{ n: firedAtKill }] = await sqlRows(db, "SELECT count(*) AS n FROM timers WHERE state = 'fired'");
    server = await serveDb(db, { env });
    const set2 = await call(server.base, admin, 'PUT', '/api/v1/test/clock', { now: later });
    if (set2.status !== 200) problems.push(`set the clock after restart: ${set2.status} ${set2.text}`);
    const due = Date.parse(later);
    for (let i = 0; ; i++) {
      const [{ n }] = await sqlRows(db, `SELECT count(*) AS n FROM timers WHERE state = 'running' AND due_at <= ${due}`);
      if (n === 0) break;
      if (i > 200) {
        problems.push(`TIMER LOST: ${n} running timers still due after restart`);
        break;
      }
      await sleep(50);
    }
    // fired timers vs overdue events, per (case, assignment, kind)
    const fired = new Map();
    for (const t of await sqlRows(db, "SELECT case_id, assignment_id, kind, count(*) AS n FROM timers WHERE state = 'fired' GROUP BY 1, 2, 3"))
      fired.set(`${t.case_id}|${t.assignment_id ?? '-'}|${t.kind}`, t.n);
    const overdue = new Map();
    for (const e of await sqlRows(
      db,
      `SELECT case_id, ${payloadOf('assignment', 'bigint')} AS asg, ${payloadOf('timer')} AS kind, count(*) AS n` +
        " FROM events WHERE action = 'timer.overdue' GROUP BY 1, 2, 3",
    ))
      overdue.set(`${e.case_id}|${e.asg ?? '-'}|${e.kind}`, e.n);
    for (const [k, n] of fired) {
      const o = overdue.get(k) || 0;
      if (o < n) problems.push(`TIMER LOST: ${k} fired ${n}× but ${o} overdue events`);
    }
    for (const [k, o] of overdue) {
      const n = fired.get(k) || 0;
      if (o > n) problems.push(`TIMER DOUBLED: ${k}: ${o} overdue events for ${n} fired timers`);
    }
    // one automatic 催办 per overdue handle timer of a unit still working
    const urges = await sqlRows(
      db,
      `SELECT ${payloadOf('assignment', 'bigint')} AS asg, count(*) AS n FROM events WHERE action = 'urge'` +
        ` AND ${payloadOf('auto', 'boolean')} GROUP BY 1`,
    );
    const wantUrge = await sqlRows(
      db,
      "SELECT t.assignment_id AS asg FROM timers t JOIN assignments a ON a.id = t.assignment_id" +
        " WHERE t.kind = 'handle' AND t.state = 'fired' AND a.status NOT IN ('done', 'cancelled')",
    );
    const got = new Map(urges.map((u) => [u.asg, u.n]));
    for (const { asg } of wantUrge) if ((got.get(asg) || 0) !== 1) problems.push(`AUTO URGE: assignment ${asg} has ${got.get(asg) || 0} automatic urges`);
    if (urges.length !== wantUrge.length) problems.push(`AUTO URGE: ${urges.length} assignments urged, ${wantUrge.length} overdue`);
    const [{ n: notices }] = await sqlRows(db, "SELECT count(*) AS n FROM notices WHERE kind = 'overdue'");
    const urgeEvents = urges.reduce((a, u) => a + u.n, 0);
    if (notices !== urgeEvents) problems.push(`AUTO URGE: ${notices} overdue notices for ${urgeEvents} automatic urges`);
    const [seq] = await sqlRows(db, 'SELECT count(*) AS n, coalesce(min(seq), 0) AS lo, coalesce(max(seq), 0) AS hi FROM events');
    if (seq.n > 0 && (seq.lo !== 1 || seq.hi !== seq.n)) problems.push(`events.seq has gaps: ${seq.n} events, seq ${seq.lo}..${seq.hi}`);
    const stop = await server.stop();
    if (stop.code !== 0 || stop.signal) problems.push(`the restarted server did not stop cleanly: ${JSON.stringify(stop)}`);
    if (server.sanitizer()) problems.push(`the server reported a sanitizer error:\n${server.sanitizer()}`);
    server = null;
    const audit = await auditVerify(db, h.env);
    if (!audit.ok) problems.push(`audit verify failed (${audit.code}): ${audit.text}`);
    const totalFired = [...fired.values()].reduce((a, n) => a + n, 0);
    return {
      problems,
      figures: { acked: ledger.acked, running, firedAtKill, fired: totalFired, urges: urgeEvents, events: seq.n, audit: audit.text.split('\n')[0] },
    };
  } finally {
    if (server) await server.kill9();
  }
}
