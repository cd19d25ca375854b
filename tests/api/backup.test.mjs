// `civicloop backup --db FILE --to FILE` (issue 7): a consistent online copy
// taken while 8 clients keep creating cases. The copy (with its key file) is
// then served on another port: the audit chain verifies, every case
// acknowledged before the backup started is in it, its case count lies
// between that and everything acknowledged, and the API, `audit verify` and a
// plain sqlite3 count agree. Four more copies taken back to back under the
// same load must each be a snapshot too. Then the unhappy paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, stat, access } from 'node:fs/promises';
import path from 'node:path';
import { startServer, runBin } from './helpers.mjs';
import { runLoad, newLedger, sqlRows, serveDb, call, loginToken, checkDb, auditVerify, sleep } from './crashkit.mjs';

const srv = await startServer({ cases: false });

const exists = (p) => access(p).then(() => true, () => false);
/** Runs civicloop backup …; under ASan (make asantest) a report fails the test even on an expected failure. */
async function backupCmd(args) {
  const r = await runBin(['backup', ...args]);
  assert.doesNotMatch(r.stderr, /AddressSanitizer|LeakSanitizer|runtime error:/, r.stderr);
  return r;
}

test('backup under a load of creates: a consistent snapshot, served and verified', { timeout: 60000 }, async () => {
  const op1 = await srv.login('op1');
  const [{ n: baseline }] = await sqlRows(srv.db, 'SELECT count(*) AS n FROM cases');
  const acks = []; // {id, t}
  const ledger = newLedger();
  const load = runLoad({
    base: srv.base,
    tokens: { op1: op1.token },
    ledger,
    clients: 8,
    rng: () => 0.99, // creates only
    onAck: (action, c, t) => acks.push({ id: c.id, t }),
  });
  await sleep(1200);
  const backup = path.join(srv.dir, 'backup.db');
  const started = performance.now();
  const b = await backupCmd(['--db', srv.db, '--to', backup]);
  const ended = performance.now();
  // more copies back to back while the load goes on: each one a snapshot
  const more = [];
  for (let i = 1; i <= 4; i++) {
    const to = path.join(srv.dir, `backup-${i}.db`);
    const t = performance.now();
    const x = await backupCmd(['--db', srv.db, '--to', to]);
    assert.equal(x.code, 0, x.stderr);
    more.push({ to, before: acks.filter((a) => a.t < t).map((a) => a.id) });
    await sleep(150);
  }
  await sleep(Math.max(0, 1800 - (performance.now() - ended)));
  load.stop();
  const st = await load.done;
  assert.equal(st.failed5xx + st.rejected + st.inflightLost, 0, `the load ran cleanly: ${JSON.stringify(st)}`);
  assert.equal(b.code, 0, `backup: ${b.stdout}${b.stderr}`);
  assert.match(b.stdout, /密钥文件/, 'the output names the key file');
  assert.match(b.stdout, /backup\.db\.key/);

  const before = acks.filter((a) => a.t < started);
  const during = acks.filter((a) => a.t >= started && a.t <= ended).length;
  assert.ok(before.length > 0, 'cases were acknowledged before the backup started');

  // the files: 0600, the key copied byte for byte
  for (const f of [backup, `${backup}.key`]) {
    const s = await stat(f);
    assert.equal(s.mode & 0o777, 0o600, `${f} has mode 0600`);
  }
  assert.deepEqual(await readFile(`${backup}.key`), await readFile(`${srv.db}.key`));
  assert.equal(await exists(`${backup}-journal`), false);

  // sqlite3's counts of the copy
  const [{ n: cases }] = await sqlRows(backup, 'SELECT count(*) AS n FROM cases');
  const [{ n: events }] = await sqlRows(backup, 'SELECT count(*) AS n FROM events');
  const ids = new Set((await sqlRows(backup, 'SELECT id FROM cases')).map((r) => r.id));
  const [{ ok: integrity }] = await sqlRows(backup, 'SELECT integrity_check AS ok FROM pragma_integrity_check');
  assert.equal(integrity, 'ok');
  assert.ok(cases >= baseline + before.length, `backup has ${cases} cases, ${before.length} acknowledged before it started`);
  assert.ok(cases <= baseline + acks.length, `backup has ${cases} cases, only ${acks.length} ever acknowledged`);
  const missing = before.filter((a) => !ids.has(a.id));
  assert.deepEqual(missing, [], 'every case acknowledged before the backup is in it');
  // one snapshot: versions match events, seq has no gap, timers are whole
  const chk = await checkDb(backup, newLedger());
  assert.deepEqual(chk.problems, []);

  for (const m of more) {
    const have = new Set((await sqlRows(m.to, 'SELECT id FROM cases')).map((r) => r.id));
    assert.deepEqual(m.before.filter((id) => !have.has(id)), [], `${m.to} holds every case acknowledged before it`);
    assert.deepEqual((await checkDb(m.to, newLedger())).problems, [], m.to);
    const v = await auditVerify(m.to);
    assert.ok(v.ok, `${m.to}: ${v.text}`);
  }

  // audit verify on the copy (with its key) counts what sqlite3 counts
  const audit = await auditVerify(backup);
  assert.ok(audit.ok, audit.text);
  assert.match(audit.text, new RegExp(`审计链完好：${events} 个事件`), audit.text);

  // serve the copy on another port: the API sees the same cases
  const copy = await serveDb(backup);
  try {
    assert.notEqual(copy.base, srv.base);
    const token = await loginToken(copy.base, 'disp1');
    const seen = new Set();
    let cursor = null;
    for (let i = 0; i < 1000; i++) {
      const r = await call(copy.base, token, 'GET', `/api/v1/cases?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      for (const c of r.json.items) seen.add(c.id);
      cursor = r.json.next_cursor;
      if (!cursor) break;
    }
    assert.equal(seen.size, cases, 'the served copy lists as many cases as sqlite3 counts');
    assert.deepEqual(before.filter((a) => !seen.has(a.id)), [], 'every case acknowledged before the backup is served');
    const some = [...seen].slice(0, 3);
    for (const id of some) {
      const r = await call(copy.base, token, 'GET', `/api/v1/cases/${id}/events`);
      assert.equal(r.status, 200, r.text);
      const [{ n }] = await sqlRows(backup, `SELECT count(*) AS n FROM events WHERE case_id = ${Number(id)}`);
      assert.equal(r.json.items.length, n, `events of case ${id}`);
    }
    // the copy is a live database of its own: it takes writes
    const w = await call(copy.base, await loginToken(copy.base, 'op1'), 'POST', '/api/v1/cases', {
      type: 'hotline',
      class: '咨询',
      channel: 'phone',
      title: '备份库写入',
      description: '在备份库上登记一件工单。',
      reporter: { name: '测试人', phone: '13900001111' },
      org: 'town.a',
    });
    assert.equal(w.status, 201, w.text);
    // a copy being served is not replaced under its server, even with --force
    const busy = await backupCmd(['--db', srv.db, '--to', backup, '--force']);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /正被一个运行中的 civicloop 服务使用/);
    const again = await call(copy.base, token, 'GET', `/api/v1/cases/${w.json.case.id}`);
    assert.equal(again.status, 200, again.text);
  } finally {
    const x = await copy.stop();
    assert.deepEqual(x, { code: 0, signal: null }, `the copy's server stops cleanly: ${copy.stderr()}`);
    assert.equal(copy.sanitizer(), null);
  }
  console.log(
    `backup under load: ${acks.length} creates acknowledged (${before.length} before the backup, ${during} while it ran), ` +
      `backup holds ${cases} cases / ${events} events, took ${Math.round(ended - started)} ms: ${b.stdout.split('\n')[0]}`,
  );
});

test('backup refuses an existing target and leaves it untouched; --force replaces it', async () => {
  const to = path.join(srv.dir, 'existing.db');
  await writeFile(to, 'keep me');
  const r = await backupCmd(['--db', srv.db, '--to', to]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /已存在/);
  assert.equal(await readFile(to, 'utf8'), 'keep me');
  assert.equal(await exists(`${to}.key`), false, 'no key file was left behind');

  // an existing key file alone is refused too
  const to2 = path.join(srv.dir, 'keyonly.db');
  await writeFile(`${to2}.key`, 'old key');
  const r2 = await backupCmd(['--db', srv.db, '--to', to2]);
  assert.notEqual(r2.code, 0);
  assert.equal(await exists(to2), false);
  assert.equal(await readFile(`${to2}.key`, 'utf8'), 'old key');

  const f = await backupCmd(['--db', srv.db, '--to', to, '--force']);
  assert.equal(f.code, 0, f.stderr);
  assert.notEqual(await readFile(to, 'utf8').catch(() => ''), 'keep me');
  assert.ok((await auditVerify(to)).ok);
  assert.equal((await stat(to)).mode & 0o777, 0o600);

  // never onto the database itself, even with --force
  const self = await backupCmd(['--db', srv.db, '--to', srv.db, '--force']);
  assert.notEqual(self.code, 0);
  assert.ok((await auditVerify(srv.db)).ok);
});

test('backup into a folder that does not exist fails with a clear message', async () => {
  const to = path.join(srv.dir, 'no-such-dir', 'b.db');
  const r = await backupCmd(['--db', srv.db, '--to', to]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /目标目录 .*no-such-dir 不存在/);
});

test('backup of a database that does not exist fails and creates nothing', async () => {
  const to = path.join(srv.dir, 'from-nothing.db');
  const r = await backupCmd(['--db', path.join(srv.dir, 'nope.db'), '--to', to]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /数据库 .*nope\.db 不存在/);
  assert.equal(await exists(to), false);
  assert.equal(await exists(path.join(srv.dir, 'nope.db')), false, 'the missing database was not created');
});

test('backup without --db or --to is a usage error', async () => {
  const r = await backupCmd(['--db', srv.db]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--to/);
});
