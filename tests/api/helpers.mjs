// Shared helpers for the black-box API tests (node:test, built-in fetch, no
// npm dependencies). Each test file starts its own server on a fresh demo
// database in a temporary directory:
//
//   import { startServer } from './helpers.mjs';
//   const srv = await startServer();      // stopped when the file is done (atEnd)
//   const op1 = await srv.login('op1');   // client with get/post/act helpers
//
// The binary is $CIVICLOOP_BIN, or build/civicloop under the repository root.
import { spawn, execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import assert from 'node:assert/strict';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.CIVICLOOP_BIN
  ? path.resolve(process.env.CIVICLOOP_BIN)
  : path.join(REPO, 'build', 'civicloop');
export const PASSWORD = 'Demo#2024';

/*
 * atEnd(fn): node:test's after(fn), safe at a file's top level. Within a
 * test (or describe) fn runs when that test ends, as after's does. At the
 * top level node 20 runs an after() hook as soon as the tests queued so far
 * have finished, and a file that awaits between its tests
 * (`const s = await startServer(); test(…)`) empties that queue while it is
 * still on its way to the next test: the hook then stopped a server, or
 * dropped a database, that the later tests needed (dispute.test.mjs on a
 * slow CI machine: 503s from a draining server, then "fetch failed"). So a
 * top-level fn runs when the file's event loop has nothing left to do
 * (beforeExit), after every test; one that throws fails the file (its
 * message on stderr, exit code 1). The servers' processes and pipes are
 * unref'd (serve) so that they do not keep that loop alive.
 */
const fileEnd = [];
let fileEnding = false;
process.on('beforeExit', async () => {
  if (fileEnding) return;
  fileEnding = true;
  for (const fn of fileEnd) {
    try {
      await fn();
    } catch (e) {
      console.error(`a clean-up at the end of the file failed: ${e?.stack || e}`);
      process.exitCode = 1;
    }
  }
});
export function atEnd(fn) {
  after((t) => {
    if (t?.name !== '<root>') return fn();
    fileEnd.push(fn);
  });
}

/** Runs the binary with args; resolves {code, stdout, stderr} (never rejects on exit code). */
export function runBin(args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(BIN, args, { encoding: 'utf8', timeout: 30000, ...opts }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

/** Runs a command (e.g. sqlite3); resolves {code, stdout, stderr}. opts: execFile's (e.g. maxBuffer). */
export function runCmd(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 30000, ...opts }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

/*
 * The backend under test (docs/postgresql.md "Tests"): SQLite, or with
 * CIVICLOOP_TEST_BACKEND=postgres (make apitest-pg, under scripts/with-pg)
 * PostgreSQL: each server then gets a fresh database of its own on the
 * private cluster CIVICLOOP_TEST_PG names, with its key and attachments in
 * its temp dir (CIVICLOOP_STATE_DIR), and srv.db is its connection string.
 */
export const PG = process.env.CIVICLOOP_TEST_BACKEND === 'postgres' ? process.env.CIVICLOOP_TEST_PG : null;
if (process.env.CIVICLOOP_TEST_BACKEND === 'postgres' && !PG) {
  throw new Error('CIVICLOOP_TEST_BACKEND=postgres needs CIVICLOOP_TEST_PG (run under scripts/with-pg)');
}
export const BACKEND = PG ? 'postgres' : 'sqlite';

/** One psql command on the test cluster's database dsn (asserted to succeed): its output, trimmed. */
export async function psqlText(dsn, q) {
  const r = await runCmd('psql', ['-X', '-q', '-t', '-A', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-d', dsn, '-c', q]);
  assert.equal(r.code, 0, `psql ${q}: ${r.stderr}`);
  return r.stdout.trim();
}

let pgDatabases = 0;
/** A fresh database on the test cluster: {name, dsn}. */
export async function pgDatabase() {
  const name = `api_${process.pid}_${++pgDatabases}`;
  await psqlText(PG, `CREATE DATABASE ${name}`);
  return { name, dsn: `${PG} dbname=${name}` };
}

/*
 * On PostgreSQL a demo county is built once per run for each set of demo
 * arguments and environment, as a template database with its key and
 * files beside it, and each server's database is a copy of it (CREATE
 * DATABASE … TEMPLATE: a file copy, a fraction of a second, where building
 * the demo over the wire takes several seconds). The template is made by
 * the first test file that needs it (a lock directory keeps the others
 * waiting) and is rebuilt when it is older than TEMPLATE_MAX_AGE_MS, so a
 * county's "now" stays close to the test's.
 */
const TEMPLATE_MAX_AGE_MS = 10 * 60 * 1000;
async function pgFromTemplate(args, env, pg, dir) {
  const { createHash } = await import('node:crypto');
  const { readFile, writeFile, stat } = await import('node:fs/promises');
  // the state folder is the copy's own, not part of what the county is
  const { CIVICLOOP_STATE_DIR: _state, ...county } = env || {};
  const key = JSON.stringify([args.slice(0, 1), args.slice(3), county]);
  const hash = createHash('sha256').update(PG + key).digest('hex').slice(0, 16);
  const home = path.join(tmpdir(), `civicloop-pg-templates-${createHash('sha256').update(PG).digest('hex').slice(0, 8)}`);
  await mkdir(home, { recursive: true });
  const lock = path.join(home, `${hash}.lock`);
  const doneFile = path.join(home, `${hash}.done`);
  for (let i = 0; ; i++) {
    let done = null;
    try {
      done = JSON.parse(await readFile(doneFile, 'utf8'));
    } catch {
      /* none yet */
    }
    if (done && Date.now() - done.at < TEMPLATE_MAX_AGE_MS) {
      await psqlText(PG, `DROP DATABASE ${pg.name}`);
      await psqlText(PG, `CREATE DATABASE ${pg.name} TEMPLATE ${done.db}`);
      await cp(path.join(done.state, 'civicloop.key'), path.join(dir, 'civicloop.key'));
      try {
        await stat(path.join(done.state, 'civicloop.files'));
        await cp(path.join(done.state, 'civicloop.files'), path.join(dir, 'civicloop.files'), { recursive: true });
      } catch {
        /* a county without files */
      }
      return;
    }
    let mine = false;
    try {
      await mkdir(lock);
      mine = true;
    } catch {
      /* another test file is building it */
    }
    if (mine) {
      try {
        const tpl = await pgDatabase();
        const state = await mkdtemp(path.join(home, 'state-'));
        const demoArgs = [...args];
        demoArgs[2] = tpl.dsn;
        const demo = await runBin(demoArgs, {
          timeout: 300000,
          env: { ...process.env, ...(env || {}), CIVICLOOP_STATE_DIR: state },
        });
        if (demo.code !== 0) throw new Error(`civicloop demo failed (${demo.code}): ${demo.stderr}`);
        await writeFile(doneFile, JSON.stringify({ db: tpl.name, state, at: Date.now() }));
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
      continue;
    }
    if (i > 6000) throw new Error(`the template ${hash} was never built`);
    await sleep(50);
  }
}

/** Drops a database pgDatabase made (its servers stopped or not). */
export async function pgDrop(name) {
  await psqlText(PG, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * Runs SQL q on database db as the sqlite3 CLI would, on either backend:
 * resolves {code, stdout, stderr}, never rejects on an SQL error. db is a
 * SQLite file (sqlite3) or a connection string (psql: rows a line, columns
 * split by "|", NULL empty, booleans t/f). opts.json: the rows as a JSON
 * array of objects, as `sqlite3 -json` prints them (nothing for no rows);
 * on PostgreSQL q must then be one SELECT. opts.readonly: a connection that
 * cannot write.
 */
export async function dbCmd(db, q, { json = false, readonly = false } = {}) {
  const big = { maxBuffer: 512 << 20, timeout: 60000 }; // a whole table's rows (crashkit.mjs)
  if (!db.includes('=')) {
    return runCmd('sqlite3', [...(readonly ? ['-readonly'] : []), ...(json ? ['-json'] : []), db, q], big);
  }
  const sql = json ? `SELECT coalesce(json_agg(t), '[]') FROM (${q.replace(/;\s*$/, '')}) t` : q;
  const r = await runCmd('psql', ['-X', '-q', '-t', '-A', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-d', db,
    ...(readonly ? ['-c', 'SET default_transaction_read_only = on'] : []), '-c', sql], big);
  if (json && r.code === 0 && r.stdout.trim() === '[]') r.stdout = '';
  return r;
}

/**
 * One query on db (asserted to succeed): its output, trimmed, rows a line
 * each and columns split by "|". db is a SQLite file (sqlite3) or, on
 * PostgreSQL, a connection string (psql): a query both engines read alike
 * serves both.
 */
export async function sqlText(db, q) {
  if (db.includes('=')) return psqlText(db, q);
  const r = await runCmd('sqlite3', [db, q]);
  assert.equal(r.code, 0, `sqlite3 ${q}: ${r.stderr}`);
  return r.stdout.trim();
}

/*
 * SQL whose spelling differs between the engines, for a test's own queries:
 * sqlHex(x), the hex of a blob in upper case (SQLite's hex(x); bytea on
 * PostgreSQL); jsonText(x, key), a top-level member of the JSON text x, as
 * text (json_extract; on PostgreSQL JSON is stored as text, read as jsonb).
 */
export const sqlHex = (x) => (PG ? `upper(encode(${x}, 'hex'))` : `hex(${x})`);
export const jsonText = (x, key) => (PG ? `((${x})::jsonb->>'${key}')` : `json_extract(${x}, '$.${key}')`);

/*
 * Where a database's key file and attachments' files are: beside a SQLite
 * file (FILE.key, FILE.files/), or for PostgreSQL in the state folder
 * (CIVICLOOP_STATE_DIR: civicloop.key, civicloop.files/). h is a server of
 * startServer or any {db, dir, env} (newDatabase, copyDatabase): dir holds
 * its files, env is what a civicloop command on it needs (cliEnv).
 */
export const keyPath = (h) => (h.db.includes('=') ? path.join(h.dir, 'civicloop.key') : `${h.db}.key`);
export const filesDir = (h) => (h.db.includes('=') ? path.join(h.dir, 'civicloop.files') : `${h.db}.files`);
/** The environment of a civicloop command on h's database (on PostgreSQL the state folder, where its key is). */
export const cliEnv = (h, extra = {}) => ({ ...process.env, ...(h.env || {}), ...extra });
/** runBin with h's environment (cliEnv): a CLI command on h's database. */
export const runCli = (h, args, opts = {}) => runBin(args, { ...opts, env: cliEnv(h, opts.env) });

/**
 * A database of a test's own in dir: {db, dir, env} (see keyPath). On
 * SQLite the file dir/NAME.db; on PostgreSQL a new database on the test
 * cluster with the state folder dir/NAME, dropped after the test (or file).
 * demo: a demo county in it (cases: false, without its cases), built as
 * `civicloop demo` builds it; else it is empty (no file yet on SQLite, no
 * table on PostgreSQL), for `civicloop init` or `demo` to make.
 */
export async function newDatabase(dir, name, { demo = false, cases = true } = {}) {
  if (!PG) {
    const db = path.join(dir, `${name}.db`);
    if (demo) {
      const r = await runBin(['demo', '--db', db, ...(cases ? [] : ['--no-cases'])], { timeout: 300000 });
      if (r.code !== 0) throw new Error(`civicloop demo failed (${r.code}): ${r.stderr}`);
    }
    return { db, dir, env: {} };
  }
  const pg = await pgDatabase();
  atEnd(() => pgDrop(pg.name));
  const state = path.join(dir, name);
  await mkdir(state, { recursive: true });
  const env = { CIVICLOOP_STATE_DIR: state };
  if (demo) await pgFromTemplate(['demo', '--db', pg.dsn, ...(cases ? [] : ['--no-cases'])], env, pg, state);
  return { db: pg.dsn, dir: state, env };
}

/**
 * Whether h's database holds anything yet: on SQLite whether its file
 * exists, on PostgreSQL whether it has a table (a refused `init` makes
 * neither).
 */
export async function databaseMade(h) {
  if (!h.db.includes('=')) {
    const { access } = await import('node:fs/promises');
    return access(h.db).then(() => true, () => false);
  }
  return Number(await psqlText(h.db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) > 0;
}

let dbCopies = 0;
/**
 * A copy of a stopped server's database with its key and files, for one
 * experiment behind the server's back: {db, dir, env} (see keyPath). On
 * SQLite srv.dir/copyN.db; on PostgreSQL a database made from it as a
 * template (no session may be on it), dropped after the file.
 */
export async function copyDatabase(srv) {
  const n = ++dbCopies;
  if (!PG) {
    const db = path.join(srv.dir, `copy${n}.db`);
    await cp(srv.db, db);
    const h = { db, dir: srv.dir, env: {} };
    await cp(keyPath(srv), keyPath(h));
    await cp(filesDir(srv), filesDir(h), { recursive: true }).catch((e) => {
      if (e.code !== 'ENOENT') throw e;
    });
    return h;
  }
  const from = srv.db.match(/dbname=(\w+)$/)[1];
  const name = `${from}_copy${n}`;
  await psqlText(PG, `CREATE DATABASE ${name} TEMPLATE ${from}`);
  atEnd(() => pgDrop(name));
  const dir = path.join(srv.dir, `copy${n}`);
  await mkdir(dir);
  const h = { db: `${PG} dbname=${name}`, dir, env: { CIVICLOOP_STATE_DIR: dir } };
  await cp(keyPath(srv), keyPath(h));
  await cp(filesDir(srv), filesDir(h), { recursive: true }).catch((e) => {
    if (e.code !== 'ENOENT') throw e;
  });
  return h;
}

/**
 * Whether the text `secret` is stored in plaintext in h's database (the
 * personal data and keys the server must keep encrypted or hashed): on
 * SQLite anywhere in its file or WAL, on PostgreSQL in any row of any table
 * (pg_dump's data), as text or as the bytes of a blob.
 */
export async function storedInPlaintext(h, secret) {
  if (!h.db.includes('=')) {
    const { readFile } = await import('node:fs/promises');
    const bytes = Buffer.concat([await readFile(h.db), await readFile(`${h.db}-wal`).catch(() => Buffer.alloc(0))]);
    return bytes.includes(Buffer.from(secret));
  }
  const r = await runCmd('pg_dump', ['--data-only', '--no-owner', '-d', h.db], { maxBuffer: 512 << 20 });
  assert.equal(r.code, 0, `pg_dump: ${r.stderr}`);
  return r.stdout.includes(secret) || r.stdout.includes(Buffer.from(secret).toString('hex'));
}

let failingTriggers = 0;
/**
 * Makes the store refuse a write, as a full disk would (the server must
 * answer 503 and keep nothing of the request): a trigger on `table` that
 * raises `message` for each row of `on` ('BEFORE INSERT', 'AFTER INSERT',
 * 'BEFORE UPDATE OF col'; on PostgreSQL also 'BEFORE INSERT OR UPDATE'), only where `when`
 * holds if given (a condition on NEW that both engines read alike). On
 * SQLite a trigger that does RAISE(ABORT); on PostgreSQL a PL/pgSQL
 * function that raises an exception, run FOR EACH ROW. Resolves to a
 * function that removes it (trigger and function).
 */
export async function failingTrigger(db, table, { on = 'BEFORE INSERT', when = null, message = 'disk full', errcode = null } = {}) {
  const name = `test_fail_${process.pid}_${++failingTriggers}`;
  const msg = message.replace(/'/g, "''");
  if (db.includes('=')) {
    // errcode (PostgreSQL): the SQLSTATE's name, e.g. 'disk_full' (53100)
    const using = errcode ? ` USING ERRCODE = '${errcode}'` : '';
    await psqlText(db, `CREATE FUNCTION ${name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION '${msg}'${using}; END$$;` +
      ` CREATE TRIGGER ${name} ${on} ON ${table} FOR EACH ROW ${when ? `WHEN (${when}) ` : ''}EXECUTE FUNCTION ${name}_fn();`);
    return () => psqlText(db, `DROP TRIGGER ${name} ON ${table}; DROP FUNCTION ${name}_fn();`);
  }
  await sqlText(db, `CREATE TRIGGER ${name} ${on} ON ${table} ${when ? `WHEN ${when} ` : ''}BEGIN SELECT RAISE(ABORT, '${msg}'); END;`);
  return () => sqlText(db, `DROP TRIGGER ${name};`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates a demo database in a new temp dir, serves it on a free port and
 * waits for /healthz. Registers an atEnd clean-up (unless opts.autoStop is
 * false) that stops the server and removes the directory.
 * opts.cases === false: the demo county without its cases (clean rates).
 * opts.testClock: serve with CIVICLOOP_TEST_CLOCK=1, so srv.setClock(iso)
 * moves the business clock (deadlines, timers); sessions stay on real time.
 * opts.env: extra environment for `demo` and `serve` (e.g. CIVICLOOP_CONFIG,
 * a config folder with more matter types: see makeConfig).
 */
export async function startServer(opts = {}) {
  // opts.dir: an existing directory to hold the database (e.g. a small tmpfs)
  const dir = opts.dir || (await mkdtemp(path.join(tmpdir(), 'civicloop-api-')));
  const pg = PG ? await pgDatabase() : null;
  const db = pg ? pg.dsn : path.join(dir, 'demo.db');
  if (pg) opts = { ...opts, env: { ...(opts.env || {}), CIVICLOOP_STATE_DIR: dir } };
  // opts.gen: N — a generated county of N cases (civicloop gen) instead of the demo
  // opts.genPool: the engine-made seeds of gen's bulk path (its hidden --pool)
  const args = opts.gen ? ['gen', '--db', db, '--cases', String(opts.gen), '--seed', '7',
    ...(opts.genPool ? ['--pool', String(opts.genPool)] : [])]
    : ['demo', '--db', db, ...(opts.cases === false ? ['--no-cases'] : [])];
  if (pg) {
    await pgFromTemplate(args, opts.env, pg, dir);
  } else {
    const demo = await runBin(args, { timeout: 300000, ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) });
    if (demo.code !== 0) throw new Error(`civicloop demo failed (${demo.code}): ${demo.stderr}`);
  }

  const srv = {
    dir,
    db,
    testClock: !!opts.testClock,
    serveArgs: opts.serveArgs || [],
    env: opts.env || {},
    base: null,
    proc: null,
    stderr: '',
    tokens: new Map(),
    async stop() {
      await stopProc(this);
    },
    async cleanup() {
      await stopProc(this);
      await rm(dir, { recursive: true, force: true });
      if (pg) await pgDrop(pg.name);
      // under ASan/UBSan (make asantest) a memory error or leak fails the file
      const m = this.stderr.match(/(AddressSanitizer|LeakSanitizer|runtime error:)[\s\S]{0,2000}/);
      if (m) throw new Error(`the server reported a sanitizer error:\n${m[0]}`);
      if (this.lastExit && (this.lastExit.code !== 0 || this.lastExit.signal)) {
        throw new Error(`the server did not exit cleanly on SIGTERM: ${JSON.stringify(this.lastExit)}\n${this.stderr.slice(-2000)}`);
      }
    },
    async restart() {
      await stopProc(this);
      await serve(this);
      this.tokens.clear();
    },
    url(p) {
      return this.base + p;
    },
    /** Raw fetch: returns {status, headers, text, json}. */
    async raw(method, p, { headers = {}, body } = {}) {
      const res = await fetch(this.base + p, { method, headers, body, redirect: 'manual' });
      const text = await res.text();
      // API.md: never a 500 for bad input; none of these tests provokes a real outage
      assert.ok(res.status < 500, `never a 5xx: ${method} ${p} → ${res.status}: ${text.slice(0, 300)}`);
      let json;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    /** POST /api/v1/auth/login; returns the raw response. */
    async loginRaw(login, password = PASSWORD) {
      return this.raw('POST', '/api/v1/auth/login', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login, password }),
      });
    },
    /** Logs in (cached per server) and returns a client. */
    async login(login, { fresh = false } = {}) {
      if (!fresh && this.tokens.has(login)) return this.tokens.get(login);
      const r = await this.loginRaw(login);
      assert.equal(r.status, 200, `login ${login}: ${r.text}`);
      const c = client(this, r.json.token, r.json.user, r.json.csrf_token);
      if (!fresh) this.tokens.set(login, c);
      return c;
    },
    client(token) {
      return client(this, token, null, null);
    },
    /** Sets the business clock (ISO 8601 text, or null for the real clock). */
    async setClock(iso) {
      const admin = await this.login('admin');
      const r = await admin.req('PUT', '/api/v1/test/clock', { now: iso });
      assert.equal(r.status, 200, `set clock ${iso}: ${r.text}`);
      return r.json;
    },
  };
  await serve(srv);
  if (opts.autoStop !== false) atEnd(() => srv.cleanup());
  return srv;
}

// $CIVICLOOP_STATUS_DIR (make apitest): every server logs each answer's
// "METHOD PATTERN STATUS" to a file of its own there, for the status
// coverage of the OpenAPI description (tests/openapi/coverage.mjs)
let statusLogs = 0;
async function statusLog() {
  const dir = process.env.CIVICLOOP_STATUS_DIR;
  if (!dir) return null;
  await mkdir(dir, { recursive: true });
  return path.join(path.resolve(dir), `${process.pid}-${++statusLogs}.log`);
}

async function serve(srv) {
  const env = { ...process.env, ...srv.env };
  const log = await statusLog();
  if (log) env.CIVICLOOP_STATUS_LOG = log;
  if (srv.testClock) env.CIVICLOOP_TEST_CLOCK = '1';
  else delete env.CIVICLOOP_TEST_CLOCK;
  // the API alone unless a test names a UI build: whether web/dist exists
  // must not change what the API tests see (tests/api/web.test.mjs has the UI)
  const args = srv.serveArgs || [];
  const web = args.includes('--web') ? [] : ['--web', 'none'];
  // no SMS unless a test names a config (sms*.test.mjs): their deliveries
  // are background writes, which would race the sqlite3 CLI of other tests
  const sms = args.includes('--sms-config') ? [] : ['--sms-config', 'none'];
  const proc = spawn(BIN, ['serve', '--db', srv.db, '--port', '0', ...web, ...sms, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  srv.proc = proc;
  // A server left for the file's end (atEnd) must not keep its loop alive,
  // so its process and pipes are unref'd; whoever awaits srv.exited holds
  // the loop open again until the server has gone. 'close': exited, and its
  // stderr read to the end (a sanitizer's report).
  proc.unref();
  proc.stdout.unref();
  proc.stderr.unref();
  const closed = new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
  srv.exited = {
    then(resolve, reject) {
      proc.ref();
      proc.stdout.ref();
      proc.stderr.ref();
      return closed.then(resolve, reject);
    },
  };
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    srv.stderr += d;
  });
  proc.stdout.setEncoding('utf8');
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${srv.stderr}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code}): ${out} ${srv.stderr}`));
    });
  });
  srv.base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(srv.base + '/healthz');
      if (r.status === 200) {
        await r.text();
        return;
      }
    } catch {
      /* not yet */
    }
    await sleep(50);
  }
  throw new Error('server never answered /healthz');
}

async function stopProc(srv) {
  const p = srv.proc;
  if (!p) return;
  srv.proc = null;
  if (p.exitCode === null && p.signalCode === null) {
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 10000);
    srv.lastExit = await srv.exited;
    clearTimeout(t);
  } else {
    srv.lastExit = await srv.exited;
  }
}

/** A signed-in client: JSON in, {status, json, text, headers} out. */
function client(srv, token, user, csrf) {
  const req = async (method, p, body, extraHeaders = {}) => {
    const headers = { ...extraHeaders };
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      headers['Content-Type'] = headers['Content-Type'] || 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    return srv.raw(method, p, { headers, body: payload });
  };
  const c = {
    token,
    user,
    csrf,
    get: (p, h) => req('GET', p, undefined, h),
    post: (p, body, h) => req('POST', p, body, h),
    req,
    /** POST /api/v1/cases/{id}/actions/{action}. */
    act: (id, action, body = {}, h) => req('POST', `/api/v1/cases/${id}/actions/${action}`, body, h),
    /** GET /api/v1/cases/{id} → the case object (asserts 200). */
    async case(id) {
      const r = await req('GET', `/api/v1/cases/${id}`);
      assert.equal(r.status, 200, `GET case ${id}: ${r.text}`);
      return r.json.case;
    },
    /** The case's whole history, following next_cursor (pages of 200). */
    async events(id) {
      const items = [];
      let cursor = null;
      for (let i = 0; i < 1000; i++) {
        const q = `?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const r = await req('GET', `/api/v1/cases/${id}/events${q}`);
        assert.equal(r.status, 200, `GET events ${id}: ${r.text}`);
        items.push(...r.json.items);
        cursor = r.json.next_cursor;
        if (!cursor) return items;
      }
      throw new Error('events never ended');
    },
    /** Follows next_cursor through the whole list; returns all items. */
    async listAll(query = '') {
      const items = [];
      let cursor = null;
      for (let i = 0; i < 1000; i++) {
        const sep = query ? '&' : '';
        const q = `?${query}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const r = await req('GET', `/api/v1/cases${q}`);
        assert.equal(r.status, 200, `list ${q}: ${r.text}`);
        items.push(...r.json.items);
        cursor = r.json.next_cursor;
        if (!cursor) return items;
      }
      throw new Error('list never ended');
    },
    /** Creates a case (asserts 201) and returns the response body. */
    async create(body, h) {
      const r = await req('POST', '/api/v1/cases', body, h);
      assert.equal(r.status, 201, `create: ${r.text}`);
      return r.json;
    },
    /** Runs an action and asserts 200; returns the case. */
    async must(id, action, body = {}) {
      const r = await req('POST', `/api/v1/cases/${id}/actions/${action}`, body);
      assert.equal(r.status, 200, `${action} on ${id} as ${user && user.login}: ${r.text}`);
      return r.json.case;
    },
  };
  return c;
}

/** Asserts the API error shape with the given status and code. */
export function assertError(r, status, code, field) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && typeof r.json === 'object', `error body is JSON: ${r.text}`);
  assert.ok(r.json.error && typeof r.json.error === 'object', `has error object: ${r.text}`);
  assert.equal(typeof r.json.error.code, 'string');
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0);
  if (code) assert.equal(r.json.error.code, code, `error code: ${r.text}`);
  if (field !== undefined) assert.equal(r.json.error.field, field, `error field: ${r.text}`);
}

/** A unique-ish mainland mobile number for a test (11 digits, 13x). */
let phoneSeq = Math.floor(Math.random() * 1e6);
export function freshPhone(prefix = '137') {
  phoneSeq = (phoneSeq + 7919) % 1e8;
  return prefix + String(phoneSeq).padStart(8, '0');
}

/** A minimal valid hotline case body. */
export function caseBody(extra = {}) {
  return {
    type: 'hotline',
    class: '投诉',
    channel: 'phone',
    title: '测试工单',
    description: '来电人反映小区门口道路积水严重，影响出行。',
    reporter: { name: '测试人', phone: freshPhone() },
    org: 'town.a',
    ...extra,
  };
}

/** Today's date (YYYY-MM-DD) in Asia/Shanghai. */
export function shanghaiDate(ms = Date.now()) {
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

/** Adds n days to a YYYY-MM-DD date. */
export function addDays(date, n) {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A config folder for startServer({env: {CIVICLOOP_CONFIG: dir}}): the
 * repository's calendar, demo county and matter types, plus the given type
 * files (paths). Registers an atEnd clean-up that removes it.
 */
export async function makeConfig(typeFiles = []) {
  const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-config-'));
  for (const sub of ['calendar', 'demo', 'types']) await cp(path.join(REPO, 'config', sub), path.join(dir, sub), { recursive: true });
  for (const f of typeFiles) await cp(f, path.join(dir, 'types', path.basename(f)));
  atEnd(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Polls client c's view of case `id` until pred(case) holds (the scheduler
 * ticks about once a second; a moved test clock fires timers on its next
 * tick); fails naming `what` and where the case stands after ~8 s.
 */
export async function untilCase(c, id, pred, what) {
  let x;
  for (let i = 0; i < 80; i++) {
    x = await c.case(id);
    if (pred(x)) return x;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: still ${x.status} ${JSON.stringify(x.fields)}`);
}
