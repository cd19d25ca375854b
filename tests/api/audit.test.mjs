// The audit chain (DESIGN §6): `civicloop audit verify` passes on an intact
// database and finds edits and deletions made behind the server's back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, runCli, dbCmd, sqlText, copyDatabase, newDatabase, storedInPlaintext, caseBody, HEX64, BACKEND } from './helpers.mjs';

const srv = await startServer();

const sql = (db, stmt) => sqlText(db, stmt);

/**
 * A copy of the (stopped) database with its key file and the demo's
 * attachments (grid events' photos), for one tampering experiment: its
 * database; `verify(db)` runs audit verify on it.
 */
const copies = new Map();
async function copyDb() {
  const h = await copyDatabase(srv);
  copies.set(h.db, h);
  return h.db;
}
const verify = (db) => runCli(copies.get(db) || srv, ['audit', 'verify', '--db', db]);

let caseId;
const PLAIN_PHONE = '13977770001';
const IDEM_PHONE = '13977770002';
const IDEM_NAME = '欧阳幂等';
let lastSeq; // the seq of the last event this file caused
let headSeq; // the last event in the database after shutdown

test('after some actions the events carry chained hashes', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const cg1 = await srv.login('cg1');
  const c = (await op1.create(caseBody({ title: '审计链测试' }))).case;
  caseId = c.id;
  await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  await cg1.must(c.id, 'sign', {});
  await cg1.must(c.id, 'reply', { reply: '已处理。' });
  const ev = await cg1.events(c.id);
  assert.equal(ev.length, 4);
  for (const e of ev) assert.match(e.hash, HEX64);
  assert.equal(new Set(ev.map((e) => e.hash)).size, 4);
  // two more cases whose reporters must stay encrypted at rest
  await op1.create(caseBody({ title: '加密测试', reporter: { name: '隐私甲', phone: PLAIN_PHONE } }));
  const k = await op1.post('/api/v1/cases', caseBody({ title: '加密测试（幂等）', reporter: { name: IDEM_NAME, phone: IDEM_PHONE } }),
    { 'Idempotency-Key': 'audit-at-rest-1' });
  assert.equal(k.status, 201, k.text);
  lastSeq = (await op1.events(k.json.case.id)).at(-1).seq;
  assert.ok(lastSeq > 45, `one global sequence, after the demo's events: ${lastSeq}`);
});

test('audit verify on the intact database → exit 0', async () => {
  await srv.stop();
  assert.equal(srv.lastExit.code, 0, `server exits cleanly on SIGTERM: ${JSON.stringify(srv.lastExit)}`);
  const r = await verify(srv.db);
  assert.equal(r.code, 0, `verify: ${r.stdout} ${r.stderr}`);
  // the events in the database are those the API reported (the scheduler may add its own later)
  headSeq = Number(await sql(srv.db, 'SELECT max(seq) FROM events'));
  assert.ok(headSeq >= lastSeq, `${headSeq} >= ${lastSeq}`);
  assert.equal(Number(await sql(srv.db, 'SELECT count(*) FROM events')), headSeq, 'one gapless sequence from 1');
  assert.equal(Number(await sql(srv.db, `SELECT count(*) FROM events WHERE case_id = ${caseId}`)), 4);
  assert.equal(Number(await sql(srv.db, 'SELECT count(*) FROM checkpoints WHERE seq = (SELECT max(seq) FROM events)')), 1);
});

test('reporter names and phones are not stored in plaintext (DESIGN §5), even with Idempotency-Key', async () => {
  // the cases were made before the server stopped: see the first test
  for (const secret of [PLAIN_PHONE, IDEM_PHONE, IDEM_NAME]) {
    assert.equal(await storedInPlaintext(srv, secret), false, `"${secret}" found in plaintext in the database`);
  }
});

test('an edited event payload is found and located (seq 5)', async () => {
  const db = await copyDb();
  const before = await sql(db, 'SELECT payload FROM events WHERE seq = 5');
  assert.notEqual(before, '{}', 'seq 5 has a payload to tamper with');
  await sql(db, "UPDATE events SET payload = '{}' WHERE seq = 5");
  const r = await verify(db);
  assert.equal(r.code, 1, `verify must fail: ${r.stdout} ${r.stderr}`);
  const out = r.stdout + r.stderr;
  assert.match(out, /seq[=\s:]*5\b/, `names seq 5: ${out}`);
  assert.doesNotMatch(out, /seq[=\s:]*[0-4]\b/, 'not an earlier event');
});

test('an edited time, actor or status is found', async () => {
  for (const [stmt, seq] of [
    ['UPDATE events SET at = at + 1 WHERE seq = 7', 7],
    ['UPDATE events SET actor_id = 1 WHERE seq = 9', 9],
    ["UPDATE events SET to_status = 'closed' WHERE seq = 11", 11],
  ]) {
    const db = await copyDb();
    await sql(db, stmt);
    const r = await verify(db);
    assert.equal(r.code, 1, `${stmt}: ${r.stdout}`);
    assert.match(r.stdout + r.stderr, new RegExp(`seq[=\\s:]*${seq}\\b`), `${stmt}: ${r.stdout}`);
  }
});

test('a deleted event in the middle is found', async () => {
  const db = await copyDb();
  await sql(db, 'DELETE FROM events WHERE seq = 20');
  const r = await verify(db);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout + r.stderr, /seq[=\s:]*20\b/, r.stdout);
});

test('copying another event\'s hash onto a tampered row is detected', async () => {
  // copying the hash of another event onto a tampered row does not help
  const db = await copyDb();
  await sql(db, 'UPDATE events SET hash = (SELECT hash FROM events WHERE seq = 31), payload = \'{}\' WHERE seq = 30');
  const r = await verify(db);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout + r.stderr, /seq[=\s:]*30\b/, r.stdout);
});

test('deleting the last event is detected: the shutdown checkpoint covers it', async () => {
  const cp = Number(await sql(srv.db, 'SELECT max(seq) FROM checkpoints'));
  assert.equal(cp, headSeq, 'a clean shutdown signs a checkpoint at the head');
  const db = await copyDb();
  await sql(db, `DELETE FROM events WHERE seq = ${headSeq}`);
  const r = await verify(db);
  assert.equal(r.code, 1, `truncation must be detected: ${r.stdout}`);
  assert.match(r.stdout + r.stderr, new RegExp(`\\b${headSeq}\\b`), `mentions the missing seq ${headSeq}: ${r.stdout}`);
});

test('a forged checkpoint signature is detected', async () => {
  const db = await copyDb();
  await sql(db, `UPDATE checkpoints SET signature = ${BACKEND === 'postgres' ? "decode(repeat('00', 64), 'hex')" : 'zeroblob(64)'} WHERE seq = ${headSeq}`);
  const r = await verify(db);
  assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
});

test('verify on a missing database → exit 2 (could not check), not 0', async () => {
  // a file that is not there; on PostgreSQL a database that is (no schema in it) or is not
  const none = BACKEND === 'postgres' ? [await newDatabase(srv.dir, 'empty'), { ...srv, db: `${srv.db}_nope` }]
    : [{ ...srv, db: path.join(srv.dir, 'nope.db') }];
  for (const h of none) {
    const r = await runCli(h, ['audit', 'verify', '--db', h.db]);
    assert.equal(r.code, 2, `${h.db}: ${r.stdout} ${r.stderr}`);
  }
});

test('the server serves the intact database again and the chain continues', async () => {
  await srv.restart();
  const op1 = await srv.login('op1');
  const c = (await op1.create(caseBody({ title: '重启后' }))).case;
  const ev = await op1.events(c.id);
  assert.ok(ev[0].seq > headSeq, `the chain continues after ${headSeq}: ${ev[0].seq}`);
  await srv.stop();
  const r = await verify(srv.db);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('a value of the wrong type cannot be stored behind the verifier', async () => {
  // an events.case_id of '1x' was once read as 1 by the verifier and passed
  // (SQLite: every table STRICT, below; PostgreSQL: typed columns, and a
  // text is not a bytea)
  const db = await copyDb();
  const refused = BACKEND === 'postgres' ? /invalid input syntax for type bigint|is of type bytea but expression is of type text/ : /cannot store/;
  for (const stmt of [
    "UPDATE events SET case_id = '1x' WHERE seq = 5",
    "UPDATE events SET at = '2024-01-01' WHERE seq = 5",
    `UPDATE events SET hash = 'not a blob'${BACKEND === 'postgres' ? '::text' : ''} WHERE seq = 5`,
    "UPDATE cases SET version = '2abc' WHERE id = (SELECT min(id) FROM cases)",
  ]) {
    const r = await dbCmd(db, stmt);
    assert.notEqual(r.code, 0, `${stmt} must be refused`);
    assert.match(r.stderr, refused, r.stderr);
  }
  const r = await verify(db);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('every table is STRICT', { skip: BACKEND === 'postgres' && 'STRICT tables are SQLite\'s: a PostgreSQL column always holds its declared type (the test above)' }, async () => {
  const tables = await sql(srv.db, "SELECT group_concat(name) FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' AND strict = 0");
  assert.equal(tables, '', `tables that are not STRICT: ${tables}`);
});
