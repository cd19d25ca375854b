// The commands that need every server stopped (files prune, stats
// --rebuild, routing learn, geo import, import, keys rotate) are refused
// while one runs, and change nothing; once the servers stop they run. On
// SQLite the writer's lock file keeps one writer process; on PostgreSQL,
// where several servers share a database, every writer process holds one
// session lock shared and such a command holds it alone (src/store/pg.c
// "writer processes", store_writer_alone), so a server is refused too while
// the command runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BACKEND, BIN, startServer, runCli, cliEnv, sqlText, psqlText, caseBody } from './helpers.mjs';

const BUSY = /正被另一个 civicloop 进程/;

test('a maintenance command while a server runs: refused, nothing changed; after the stop it runs', async () => {
  const srv = await startServer({ cases: false });
  const op1 = await srv.login('op1');
  for (const args of [
    ['stats', '--rebuild', '--db', srv.db],
    ['files', 'prune', '--db', srv.db],
    ['routing', 'learn', '--db', srv.db],
    ['keys', 'rotate', '--db', srv.db],
  ]) {
    const r = await runCli(srv, args);
    assert.notEqual(r.code, 0, `${args.join(' ')} ran beside the server: ${r.stdout}`);
    assert.match(r.stderr, BUSY, args.join(' '));
  }
  assert.equal(await sqlText(srv.db, "SELECT count(*) FROM events WHERE action = 'keys.rotate'"), '0');
  // the server still writes
  const made = await op1.create(caseBody({ org: 'town.a' }));
  assert.ok(made.case.id > 0);
  await srv.stop();
  const r = await runCli(srv, ['stats', '--rebuild', '--db', srv.db]);
  assert.equal(r.code, 0, r.stderr);
  const k = await runCli(srv, ['keys', 'rotate', '--db', srv.db]);
  assert.equal(k.code, 0, k.stderr);
  assert.equal(await sqlText(srv.db, "SELECT count(*) FROM events WHERE action = 'keys.rotate'"), '1');
});

/** A psql session holding the writers' lock alone, as a maintenance command does. */
async function holdWritersLock(dsn) {
  const p = spawn('psql', ['-X', '-At', '-d', dsn], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.setEncoding('utf8');
  await new Promise((resolve, reject) => {
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('held')) resolve();
    });
    p.once('exit', (c) => reject(new Error(`psql exited ${c}`)));
    p.stdin.write("SELECT pg_advisory_lock(4242003), 'held';\n");
  });
  return { release: () => new Promise((r) => { p.once('exit', r); p.stdin.end(); }) };
}

/** Runs serve on h's database until it prints its address (then stops it)
 * or exits: {served, code, err}. */
function serveOnce(h) {
  const p = spawn(BIN, ['serve', '--db', h.db, '--port', '0', '--web', 'none', '--sms-config', 'none'],
    { env: cliEnv(h), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '', served = false;
  p.stdout.on('data', (d) => {
    out += d;
    if (!served && /127\.0\.0\.1:\d+\//.test(out)) {
      served = true;
      p.kill('SIGTERM');
    }
  });
  p.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve) => p.once('close', (code) => resolve({ served, code, err })));
}

test('PostgreSQL: while a maintenance command holds the database, a server does not start; after, it does',
  { skip: BACKEND !== 'postgres' && 'SQLite\'s one writer process is its lock file (faults.test.mjs: a second server is refused)' }, async () => {
    const srv = await startServer({ cases: false });
    await srv.stop();
    const lock = await holdWritersLock(srv.db);
    const refused = await serveOnce(srv);
    assert.equal(refused.served, false);
    assert.equal(refused.code, 1, refused.err);
    assert.match(refused.err, /正被另一个 civicloop 进程独占维护/);
    const cli = await runCli(srv, ['stats', '--rebuild', '--db', srv.db]);
    assert.notEqual(cli.code, 0, 'a second maintenance command is refused too');
    assert.match(cli.stderr, BUSY);
    await lock.release();
    // the session's end frees the lock a moment after psql exits
    const held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242003";
    for (let i = 0; i < 100 && (await psqlText(srv.db, held)) !== '0'; i++) await new Promise((r) => setTimeout(r, 50));
    const ok = await serveOnce(srv);
    assert.equal(ok.served, true, `serve: ${ok.code} ${ok.err}`);
  });
