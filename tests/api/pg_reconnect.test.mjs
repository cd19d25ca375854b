// A server whose PostgreSQL connections are cut (the database restarted,
// a failover, a network break; docs/postgresql.md "The backend"): the
// requests caught by the cut answer 503 and keep nothing half-done, the
// next ones reconnect and succeed — writes and reads, without a restart of
// civicloop — and every write answered 201 is in the database. Here the
// cut is pg_terminate_backend on every session of the server's database.
// On SQLite there is no connection to cut: the file has no such test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND, PG, startServer, caseBody, psqlText, sqlText } from './helpers.mjs';

const skip = BACKEND !== 'postgres' && 'a SQLite database has no connection to lose';
const srv = BACKEND === 'postgres' ? await startServer({ cases: false }) : null;

/** POST /api/v1/cases without the helpers' no-5xx assertion. */
async function create(token, title) {
  const res = await fetch(srv.url('/api/v1/cases'), {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(caseBody({ title })),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, text };
}

async function cut() {
  const name = srv.db.match(/dbname=(\w+)$/)[1];
  const n = await psqlText(PG, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${name}'`);
  assert.ok(Number(n) >= 2, `the server's sessions were cut (${n})`);
}

test('connections cut under the server: 503 while they are down, then back by themselves; nothing acknowledged lost', { skip }, async () => {
  const op1 = await srv.login('op1');
  const made = [];
  const first = await create(op1.token, '断线之前');
  assert.equal(first.status, 201, first.text);
  made.push(first.json.case.id);
  for (let round = 0; round < 3; round++) {
    await cut();
    let ok = null;
    const statuses = [];
    for (let i = 0; i < 10 && !ok; i++) {
      const r = await create(op1.token, `断线之后 ${round}.${i}`);
      statuses.push(r.status);
      assert.ok(r.status === 201 || r.status === 503, `201 or 503, not ${r.status}: ${r.text}`);
      if (r.status === 201) ok = r;
    }
    assert.ok(ok, `a create succeeded again after the cut: ${statuses.join(' ')}`);
    made.push(ok.json.case.id);
    // reads reconnect too: the case just made, from an HTTP thread's reader
    let read = null;
    for (let i = 0; i < 10 && (!read || read.status !== 200); i++) {
      const res = await fetch(srv.url(`/api/v1/cases/${ok.json.case.id}`), { headers: { Authorization: `Bearer ${op1.token}` } });
      read = { status: res.status, text: await res.text() };
      assert.ok(read.status === 200 || read.status === 503, `200 or 503, not ${read.status}: ${read.text}`);
    }
    assert.equal(read.status, 200, read.text);
  }
  // every acknowledged create is there, once
  const ids = made.join(',');
  assert.equal(await sqlText(srv.db, `SELECT count(*) FROM cases WHERE id IN (${ids})`), String(made.length));
  const c = await (await srv.login('admin')).case(made[made.length - 1]);
  assert.match(c.title, /^断线之后 2\.\d$/);
});
