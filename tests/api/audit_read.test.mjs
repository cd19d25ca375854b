// GET /api/v1/audit/events: the audit chain for those who check it (audit.read:
// admin, and 纪委 county-wide). Events come as stored, with their hashes, so a
// reader can follow the chain link by link; a recorded reader's page is itself
// an `audit.read` event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sqlText } from './helpers.mjs';

const srv = await startServer();
const HEX64 = /^[0-9a-f]{64}$/;

async function count(action) {
  return Number(await sqlText(srv.db, `SELECT count(*) FROM events WHERE action = '${action}'`));
}

test('jw1 reads the chain page by page; links join; each page it reads is an audit.read event', async () => {
  const jw1 = await srv.login('jw1');
  const before = await count('audit.read');
  const p1 = await jw1.get('/api/v1/audit/events?limit=50');
  assert.equal(p1.status, 200, p1.text);
  assert.equal(p1.json.items.length, 50);
  assert.equal(p1.json.items[0].seq, 1);
  for (const e of p1.json.items) {
    assert.match(e.hash, HEX64);
    assert.match(e.prev_hash, HEX64);
    assert.equal(typeof e.action, 'string');
    assert.match(e.at, /\+08:00$/);
  }
  for (let i = 1; i < p1.json.items.length; i++) {
    const [a, b] = [p1.json.items[i - 1], p1.json.items[i]];
    // jw1's scope is the whole county: every event, none skipped
    assert.equal(b.seq, a.seq + 1, 'consecutive');
    assert.equal(b.prev_hash, a.hash, `seq ${b.seq} links to ${a.seq}`);
  }
  assert.equal(p1.json.next_cursor, String(p1.json.items.at(-1).seq));
  const p2 = await jw1.get(`/api/v1/audit/events?limit=50&cursor=${p1.json.next_cursor}`);
  assert.equal(p2.status, 200, p2.text);
  assert.equal(p2.json.items[0].seq, p1.json.items.at(-1).seq + 1, 'the next page goes on');
  assert.equal(p2.json.items[0].prev_hash, p1.json.items.at(-1).hash, 'across pages too');
  assert.equal(await count('audit.read'), before + 2, 'two pages read, two audit.read events');
});

test('admin reads without a record; roles without audit.read get 403; signed out 401; bad paging 400', async () => {
  const admin = await srv.login('admin');
  const before = await count('audit.read');
  const r = await admin.get('/api/v1/audit/events?limit=5');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 5);
  assert.equal(await count('audit.read'), before);
  for (const who of ['op1', 'disp1', 'town1', 'leader1', 'sup1']) {
    const c = await srv.login(who);
    assertError(await c.get('/api/v1/audit/events'), 403, 'permission.denied');
  }
  assertError(await srv.raw('GET', '/api/v1/audit/events'), 401);
  for (const q of ['limit=0', 'limit=501', 'cursor=-1', 'cursor=abc']) {
    assertError(await admin.get(`/api/v1/audit/events?${q}`), 400);
  }
});
