// Issue 8, part 1: the validation the docs already promised and the server
// did not do. Each test below failed against the server before the change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, freshPhone } from './helpers.mjs';

const srv = await startServer();
const DAY = 24 * 3600 * 1000;
/** ISO 8601 in +08:00, as clients send it. */
const iso = (ms) => new Date(ms + 8 * 3600 * 1000).toISOString().replace('Z', '+08:00');

test('list: an unknown status, type or queue value is 400 naming the parameter, never an empty 200', async () => {
  const disp1 = await srv.login('disp1');
  const bad = [
    ['status=bogus', 'status'],
    ['status=received,bogus', 'status'],
    ['status=RECEIVED', 'status'],
    ['status=received%20', 'status'],
    ['type=bogus', 'type'],
    ['type=bogus&status=received', 'type'],
    ['type=HOTLINE', 'type'],
    ['queue=bogus', 'queue'],
    ['type=hotline&queue=bogus', 'queue'],
  ];
  for (const [q, field] of bad) assertError(await disp1.get(`/api/v1/cases?${q}`), 400, 'field.invalid', field);
  // the known values still answer, and really filter
  const received = await disp1.listAll('status=received');
  assert.ok(received.length > 0, 'the demo has received cases');
  assert.ok(received.every((c) => c.status === 'received'));
  const two = await disp1.listAll('type=hotline&status=received,closed');
  assert.ok(two.every((c) => c.status === 'received' || c.status === 'closed'));
  assert.ok(two.length >= received.length);
  assert.equal((await disp1.get('/api/v1/cases?type=hotline&queue=dispatch')).status, 200);
});

test('list: from after to (or an empty range) is 400, as in stats; from = to as dates is that one day', async () => {
  const disp1 = await srv.login('disp1');
  assertError(await disp1.get('/api/v1/cases?from=2024-03-02&to=2024-03-01'), 400, 'field.invalid', 'to');
  assertError(await disp1.get(`/api/v1/cases?from=${encodeURIComponent('2024-03-01T10:00:00+08:00')}` +
    `&to=${encodeURIComponent('2024-03-01T09:59:59+08:00')}`), 400, 'field.invalid', 'to');
  const at = encodeURIComponent('2024-03-01T10:00:00+08:00');
  assertError(await disp1.get(`/api/v1/cases?from=${at}&to=${at}`), 400, 'field.invalid', 'to');
  assert.equal((await disp1.get('/api/v1/cases?from=2024-03-01&to=2024-03-01')).status, 200);
  // a case received now is inside [today, today] and outside [yesterday, yesterday]
  const op1 = await srv.login('op1');
  const c = (await op1.create(caseBody({ title: '日期窗口' }))).case;
  const today = c.received_at.slice(0, 10);
  const yesterday = iso(Date.parse(c.received_at) - DAY).slice(0, 10);
  assert.ok((await disp1.listAll(`from=${today}&to=${today}`)).some((x) => x.id === c.id));
  assert.ok(!(await disp1.listAll(`from=${yesterday}&to=${yesterday}`)).some((x) => x.id === c.id));
});

test('create: received_at without an offset is 400; with Z or +08:00 it is honoured', async () => {
  const admin = await srv.login('admin');
  const before = (await admin.listAll()).length;
  for (const t of ['2024-05-01T10:00:00', '2024-05-01 10:00:00', '2024-05-01T10:00', '2024-05-01T10:00:00.5']) {
    assertError(await admin.post('/api/v1/cases', caseBody({ received_at: t })), 400, 'field.invalid', 'received_at');
    // an operator's received_at is not honoured, but a malformed one is still refused
    assertError(await (await srv.login('op1')).post('/api/v1/cases', caseBody({ received_at: t })), 400,
      'field.invalid', 'received_at');
  }
  assert.equal((await admin.listAll()).length, before, 'nothing was created');
  const z = (await admin.create(caseBody({ received_at: '2024-05-01T02:00:00Z' }))).case;
  assert.equal(z.received_at, '2024-05-01T10:00:00+08:00');
  const cn = (await admin.create(caseBody({ received_at: '2024-05-01T10:00:00+08:00' }))).case;
  assert.equal(cn.received_at, '2024-05-01T10:00:00+08:00');
  // the 110 hand-over states an instant too
  const link = await srv.login('link110');
  assertError(await link.post('/api/v1/linkage/110', { incident_no: `V2-${Date.now()}`,
    received_at: '2024-05-01T10:00:00', description: '非警务警情移交' }), 400, 'field.invalid', 'received_at');
});

test('create: a description (or title) of only white space is 400, half- or full-width', async () => {
  const op1 = await srv.login('op1');
  const admin = await srv.login('admin');
  const before = (await admin.listAll()).length;
  for (const blank of [' ', '   ', '\n\t \r\n', '\u3000\u3000', ' \u00a0 ']) {
    assertError(await op1.post('/api/v1/cases', caseBody({ description: blank })), 400, 'field.invalid', 'description');
    assertError(await op1.post('/api/v1/cases', caseBody({ title: blank === '\n\t \r\n' ? '  ' : blank })), 400,
      'field.invalid', 'title');
  }
  const link = await srv.login('link110');
  assertError(await link.post('/api/v1/linkage/110', { incident_no: `V2B-${Date.now()}`,
    received_at: iso(Date.now() - 60000), description: ' \u3000 ' }), 400, 'field.invalid', 'description');
  assert.equal((await admin.listAll()).length, before, 'nothing was created');
  // text with spaces around it is still text
  const c = (await op1.create(caseBody({ description: '\u3000 路灯不亮 ' }))).case;
  assert.equal(c.description, '\u3000 路灯不亮 ');
});

test('ids: one spelling per case — /cases/0N is 404 everywhere; a %00 in a path is 400 request.bad_encoding', async () => {
  const op1 = await srv.login('op1');
  const c = (await op1.create(caseBody({ title: '编号拼写' }))).case;
  assert.equal((await op1.get(`/api/v1/cases/${c.id}`)).status, 200);
  for (const p of [`0${c.id}`, `00${c.id}`, '01', '0', `+${c.id}`]) {
    assertError(await op1.get(`/api/v1/cases/${p}`), 404, 'not_found');
    assertError(await op1.get(`/api/v1/cases/${p}/events`), 404, 'not_found');
    assertError(await op1.act(p, 'urge', { comment: '催' }), 404, 'not_found');
  }
  // a NUL is refused before routing, as in any part of any path or query
  // (server.c unescape: %00 never becomes a C string's end); 400, not 404
  for (const p of [`/api/v1/cases/${c.id}%00`, '/api/v1/cases/1%00', `/api/v1/cases/${c.id}%00/events`]) {
    assertError(await op1.get(p), 400, 'request.bad_encoding');
  }
});

test('events: limit and cursor page through the history in order, with next_cursor null at the end', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const sup1 = await srv.login('sup1');
  const c = (await op1.create(caseBody({ title: '流转分页' }))).case;
  await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  for (let i = 0; i < 5; i++) await sup1.must(c.id, 'urge', { comment: `第${i + 1}次催办` });
  const all = await disp1.events(c.id); // follows cursors (helpers.mjs)
  assert.ok(all.length >= 7, `create, dispatch and 5 urges: ${all.length}`);
  const whole = await disp1.get(`/api/v1/cases/${c.id}/events`);
  assert.equal(whole.status, 200);
  assert.deepEqual(whole.json.items.map((e) => e.seq), all.map((e) => e.seq), 'default limit (50) holds them all');
  assert.equal(whole.json.next_cursor, null);
  const seqs = [];
  let cursor = null;
  let pages = 0;
  for (;;) {
    const r = await disp1.get(`/api/v1/cases/${c.id}/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length <= 3);
    seqs.push(...r.json.items.map((e) => e.seq));
    pages++;
    cursor = r.json.next_cursor;
    if (cursor === null) break;
    assert.equal(r.json.items.length, 3, 'a page followed by more is full');
    assert.equal(String(r.json.items[2].seq), cursor, 'the cursor is the last seq shown');
  }
  assert.deepEqual(seqs, all.map((e) => e.seq), 'pages join into the whole history, in order, without repeats');
  assert.equal(pages, Math.ceil(all.length / 3));
  const one = await disp1.get(`/api/v1/cases/${c.id}/events?limit=1`);
  assert.equal(one.json.items.length, 1);
  assert.equal(one.json.items[0].action, all[0].action);
  for (const q of ['limit=0', 'limit=201', 'limit=x', 'cursor=0', 'cursor=-1', 'cursor=abc']) {
    assertError(await disp1.get(`/api/v1/cases/${c.id}/events?${q}`), 400, 'field.invalid');
  }
});

test('import: possible_duplicates look back 30 days from the imported received_at, not from now', async () => {
  const admin = await srv.login('admin');
  const op1 = await srv.login('op1');
  const phone = freshPhone('139');
  const body = (extra) => caseBody({ reporter: { name: '重复人', phone }, ...extra });
  const now = Date.now();
  const live = await op1.create(body({ title: '现时来电' }));
  assert.deepEqual(live.possible_duplicates, []);
  // received 90 days ago: the case of today came later and is not its duplicate
  const old = await admin.create(body({ title: '补录九十天前', received_at: iso(now - 90 * DAY) }));
  assert.deepEqual(old.possible_duplicates.map((d) => d.id), [], 'a later case is no earlier duplicate');
  // received 80 days ago: the 90-day case is 10 days before it, inside its window
  const mid = await admin.create(body({ title: '补录八十天前', received_at: iso(now - 80 * DAY) }));
  assert.deepEqual(mid.possible_duplicates.map((d) => d.id), [old.case.id]);
  // received 40 days ago: the 80-day case is 40 days before, outside
  const late = await admin.create(body({ title: '补录四十天前', received_at: iso(now - 40 * DAY) }));
  assert.deepEqual(late.possible_duplicates.map((d) => d.id), []);
  // a case received now sees the live one only (the imports are over 30 days old)
  const again = await op1.create(body({ title: '再次来电' }));
  assert.deepEqual(again.possible_duplicates.map((d) => d.id), [live.case.id]);
});
