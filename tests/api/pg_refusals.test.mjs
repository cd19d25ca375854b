// The commands that exist for SQLite alone refuse a PostgreSQL --db
// (docs/postgresql.md "Choosing it"): `civicloop gen` (its bulk loader
// writes a SQLite file) and `civicloop backup` (a copy of the SQLite file:
// pg_basebackup or pg_dump there) exit 2 with a message that says so, before
// they connect to anything or make any file. The --db alone decides the
// backend, so this runs alike on either backend: the databases named here
// are on port 1, where nothing listens (a command that tried to connect
// would fail otherwise), and nothing may appear in the working folder (a
// connection string taken for a file name would).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBin, atEnd } from './helpers.mjs';

const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-pgrefuse-'));
atEnd(() => rm(dir, { recursive: true, force: true }));

// a libpq connection string and a URL
const PG_DBS = ['host=127.0.0.1 port=1 user=civicloop dbname=nowhere', 'postgres://civicloop@127.0.0.1:1/nowhere'];
const CJK = /[\u4e00-\u9fff]/;

/** Runs civicloop in dir (the working folder whose files are watched). */
const run = (args) => runBin(args, { cwd: dir });

test('gen refuses a PostgreSQL --db: exit 2, a message naming PostgreSQL, no file made', async () => {
  for (const db of PG_DBS) {
    for (const args of [['gen', '--db', db, '--cases', '10'], ['gen', '--db', db, '--cases', '10', '--force']]) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /PostgreSQL/, r.stderr);
      assert.match(r.stderr, CJK, 'the message is in Chinese');
      assert.equal(r.stdout, '');
    }
  }
  assert.deepEqual(await readdir(dir), [], 'no file was made');
});

test('backup refuses a PostgreSQL --db: exit 2, a message naming PostgreSQL, no copy or key file made', async () => {
  const to = path.join(dir, 'copy.db');
  for (const db of PG_DBS) {
    for (const args of [['backup', '--db', db, '--to', to], ['backup', '--db', db, '--to', to, '--force']]) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /PostgreSQL/, r.stderr);
      assert.match(r.stderr, CJK, 'the message is in Chinese');
    }
  }
  assert.deepEqual(await readdir(dir), [], 'no copy, key file or files folder was made');
});

test('the same commands on a SQLite path are not refused as PostgreSQL', async () => {
  // a file that does not exist: each fails for that (its own message), not for the backend
  const missing = path.join(dir, 'nope.db');
  const b = await run(['backup', '--db', missing, '--to', path.join(dir, 'copy.db')]);
  assert.notEqual(b.code, 0);
  assert.doesNotMatch(b.stderr, /PostgreSQL/, b.stderr);
  assert.match(b.stderr, /nope\.db/);
  // gen makes a new county there: refused only for a bad number of cases
  const g = await run(['gen', '--db', path.join(dir, 'gen.db'), '--cases', '0']);
  assert.equal(g.code, 2, g.stdout + g.stderr);
  assert.doesNotMatch(g.stderr, /PostgreSQL/, g.stderr);
  assert.deepEqual(await readdir(dir), [], 'neither made a file');
});
