// Statuses the openapi-docs fragments document that no other API test
// produced: each answered here for real, with its error shape, so the
// status-coverage check sees every documented (route, status) and a status
// the handler no longer answers fails here first.
//   429  GET /api/v1/public/verify (120 a minute per address)
//   429  GET /api/v1/public/task-lists/{id} (120 a minute per address,
//        shared with the public list)
//   404  a campaign that does not exist, on each campaign sub-route
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './helpers.mjs';

const P = '/api/v1';
const srv = await startServer();

test('public verification: the 121st request of a minute from one address is 429', async () => {
  const codes = [];
  for (let i = 0; i < 120; i++) codes.push((await srv.raw('GET', `${P}/public/verify?code=AAAA.BBBB`)).status);
  assert.deepEqual([...new Set(codes)], [400], 'the first 120 are judged (a malformed code: 400)');
  const r = await srv.raw('GET', `${P}/public/verify?code=AAAA.BBBB`);
  assertError(r, 429, 'auth.throttled');
  assert.match(r.json.error.message, /一分钟/);
});

test('public task list: past 120 requests a minute from one address, 429', async () => {
  const id = (await srv.raw('GET', `${P}/public/task-lists`)).json.items[0].id;
  const first = await srv.raw('GET', `${P}/public/task-lists/${id}`);
  assert.equal(first.status, 200, first.text);
  let last;
  for (let i = 0; i < 119; i++) last = await srv.raw('GET', `${P}/public/task-lists/${id}`);
  assert.equal(last.status, 429, 'the list, its page and 118 more make 121');
  assertError(await srv.raw('GET', `${P}/public/task-lists/${id}`), 429, 'auth.throttled');
  // the limit is per address and per minute, not a ban of the list: a
  // signed-in reader still sees it
  const admin = await srv.login('admin');
  assert.equal((await admin.get(`${P}/task-lists/${id}`)).status, 200);
});

test('a campaign that does not exist is 404 on every sub-route, reads and writes', async () => {
  const jw1 = await srv.login('jw1');
  const jw2 = await srv.login('jw2');
  const real = (await jw1.get(`${P}/campaigns`)).json.items[0].id;
  const none = 987654;
  for (const sub of ['visits', 'findings', 'reports', 'interviews']) {
    assert.equal((await jw1.get(`${P}/campaigns/${real}/${sub}`)).status, 200, `${sub} of a real campaign`);
    assertError(await jw1.get(`${P}/campaigns/${none}/${sub}`), 404, 'not_found');
  }
  // the writes: the campaign is judged before the body (a complete body
  // would be accepted for a real one)
  assertError(await jw2.post(`${P}/campaigns/${none}/visits`, {
    group: 1, org: 'town.a', visited_at: '2026-03-02T09:30:00+08:00', unannounced: true, checked: '检查值班',
  }), 404, 'not_found');
  assertError(await jw2.post(`${P}/campaigns/${none}/reports`, { group: 1, day: '2026-03-02', note: '无' }), 404, 'not_found');
  assertError(await jw1.post(`${P}/campaigns/${none}/interviews`, {
    person: '张某', org: 'town.a', held_at: '2026-03-02T15:00:00+08:00', interviewer: '罗文斌', outcome: '已提醒',
  }), 404, 'not_found');
});
