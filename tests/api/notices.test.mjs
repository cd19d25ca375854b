// A unit's inbox: the notices 催办 (urge), 督办 (supervise) and overdue
// auto-urges leave for the units holding a case (GET /api/v1/notices), and
// marking them read (POST /api/v1/notices/{id}/read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, sqlText } from './helpers.mjs';

const srv = await startServer();

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?\+08:00$/;

/** A new case dispatched to `org`; returns the case. */
async function dispatched(org, title) {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const c = (await op1.create(caseBody({ title, org: 'county' }))).case;
  return disp1.must(c.id, 'dispatch', { org });
}

/** GET /api/v1/notices as `who` (asserts 200). */
async function inbox(who, query = '') {
  const c = await srv.login(who);
  const r = await c.get(`/api/v1/notices${query}`);
  assert.equal(r.status, 200, `notices as ${who}: ${r.text}`);
  return r.json;
}

/** Every notice `who` sees, following next_cursor. */
async function inboxAll(who, query = '') {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const sep = query ? '&' : '';
    const page = await inbox(who, `?${query}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('notice list never ended');
}

test('urge: the unit gets an unread notice with the case number; reading it lowers the unread count', async () => {
  const sup1 = await srv.login('sup1');
  const cg1 = await srv.login('cg1');
  const c = await dispatched('dept.cg', '通知测试：路灯不亮');
  const before = await inbox('cg1');
  await sup1.must(c.id, 'urge', { comment: '请今日内签收办理。' });

  const unread = await inbox('cg1', '?unread=1');
  assert.equal(unread.unread, before.unread + 1, 'one more unread notice');
  const n = unread.items.find((x) => x.case && x.case.id === c.id);
  assert.ok(n, `the urge is in cg1's inbox: ${JSON.stringify(unread.items.slice(0, 3))}`);
  assert.equal(typeof n.id, 'number');
  assert.equal(n.kind, 'urge');
  assert.ok(n.text.includes(c.no), `text names the case: ${n.text}`);
  assert.ok(n.text.includes('请今日内签收办理。'), 'and carries the comment');
  assert.deepEqual(n.case, { id: c.id, no: c.no, title: c.title, status: 'dispatched', status_name: '已派单' });
  assert.equal(n.org.code, 'dept.cg');
  assert.equal(typeof n.org.name, 'string');
  assert.match(n.created_at, ISO);
  assert.equal(n.read_at, null);
  assert.equal(n.read_by, null);
  assert.equal(n.actor.login, 'sup1');
  assert.equal(unread.items[0].id, Math.max(...unread.items.map((x) => x.id)), 'newest first');

  const r = await cg1.post(`/api/v1/notices/${n.id}/read`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.notice.id, n.id);
  assert.match(r.json.notice.read_at, ISO);
  assert.equal(r.json.notice.read_by.login, 'cg1');
  assert.equal(r.json.unread, unread.unread - 1);

  const after = await inbox('cg1', '?unread=1');
  assert.equal(after.unread, unread.unread - 1);
  assert.ok(!after.items.some((x) => x.id === n.id), 'no longer among the unread');
  const all = await inbox('cg1');
  const seen = all.items.find((x) => x.id === n.id);
  assert.equal(seen.read_at, r.json.notice.read_at, 'still listed, as read');

  // marking again changes nothing
  const again = await cg1.post(`/api/v1/notices/${n.id}/read`);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.notice.read_at, r.json.notice.read_at);
  assert.equal(again.json.unread, after.unread);
  // and it is not a case action: the history has no trace of it
  const actions = (await sup1.events(c.id)).map((e) => e.action);
  assert.deepEqual(actions.filter((a) => a.startsWith('notice')), []);
});

test('another unit does not see the notice and cannot mark it; the county above does', async () => {
  const sup1 = await srv.login('sup1');
  const town1 = await srv.login('town1');
  const cg1 = await srv.login('cg1');
  const c = await dispatched('dept.cg', '通知测试：占道经营');
  await sup1.must(c.id, 'supervise', { comment: '群众多次反映，请加快办理。' });
  const mine = (await inboxAll('cg1')).find((x) => x.case && x.case.id === c.id);
  assert.ok(mine, 'cg1 got the 督办');
  assert.equal(mine.kind, 'supervise');

  const other = await inboxAll('town1');
  assert.ok(!other.some((x) => x.id === mine.id || (x.case && x.case.id === c.id)), 'town1 does not see it');
  // town.a's subtree: its villages, grids and the enterprises registered in it
  const townA = new Set((await sqlText(srv.db,
    "SELECT code FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE code = 'town.a') || '%'")).trim().split('\n'));
  for (const x of other) {
    assert.ok(townA.has(x.org.code), `town1 sees only its own subtree, not ${x.org.code}`);
  }
  const before = (await inbox('cg1')).unread;
  assertError(await town1.post(`/api/v1/notices/${mine.id}/read`), 404, 'not_found');
  assert.equal((await inbox('cg1')).unread, before, 'the failed mark wrote nothing');
  const still = (await inboxAll('cg1')).find((x) => x.id === mine.id);
  assert.equal(still.read_at, null);

  // the leader of the county (dept.cg's parent) sees it in the county's inbox
  const lead = await inboxAll('leader1');
  assert.ok(lead.some((x) => x.id === mine.id), 'the county sees its departments\' notices');
  // the hotline centre (county.12345) is not above dept.cg
  const op = await inboxAll('op1');
  assert.ok(!op.some((x) => x.id === mine.id));

  // someone else in the unit reading it marks it read for the unit
  const cglead = await srv.login('cglead');
  const r = await cglead.post(`/api/v1/notices/${mine.id}/read`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.notice.read_by.login, 'cglead');
  const seen = (await inboxAll('cg1')).find((x) => x.id === mine.id);
  assert.equal(seen.read_by.login, 'cglead');
  assert.ok(!(await cg1.get('/api/v1/notices?unread=1')).json.items.some((x) => x.id === mine.id));
});

test('overdue cases are auto-urged into the unit\'s inbox', async () => {
  // the demo has open cases past their deadline; the scheduler urges them on start
  let overdue = [];
  for (let i = 0; i < 50 && overdue.length === 0; i++) {
    overdue = (await inboxAll('leader1')).filter((x) => x.kind === 'overdue');
    if (overdue.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(overdue.length > 0, 'an overdue notice arrived');
  for (const n of overdue) {
    assert.equal(n.actor, null, 'sent by the system');
    assert.ok(n.case && n.text.includes(n.case.no), n.text);
  }
});

test('paging: limit and cursor visit every notice once, newest first', async () => {
  const sup1 = await srv.login('sup1');
  for (const org of ['dept.cg', 'dept.zj', 'dept.sl']) {
    const c = await dispatched(org, `分页通知 ${org}`);
    await sup1.must(c.id, 'urge', {});
  }
  const all = await inboxAll('leader1');
  assert.ok(all.length >= 5, `leader1 sees notices: ${all.length}`);
  assert.equal(new Set(all.map((x) => x.id)).size, all.length);
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const page = await inbox('leader1', `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.ok(page.items.length <= 2);
    if (page.next_cursor) assert.equal(page.items.length, 2);
    seen.push(...page.items.map((x) => x.id));
    cursor = page.next_cursor;
    pages++;
  } while (cursor && pages < 500);
  assert.deepEqual(seen, all.map((x) => x.id));
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] < seen[i - 1], 'newest first');
  const unread = await inboxAll('leader1', 'unread=1');
  assert.ok(unread.every((x) => x.read_at === null));
  assert.equal(unread.length, (await inbox('leader1')).unread);
});

test('bad input: 400 for limit/cursor/unread, 404 for unknown or malformed ids, 401 signed out', async () => {
  const cg1 = await srv.login('cg1');
  for (const q of ['limit=0', 'limit=201', 'limit=x', 'cursor=abc', 'cursor=0', 'unread=2', 'unread=yes', 'unread=']) {
    assertError(await cg1.get(`/api/v1/notices?${q}`), 400, 'field.invalid');
  }
  assert.equal((await cg1.get('/api/v1/notices?unread=0&limit=200')).status, 200);
  for (const id of ['999999999', 'abc', '0', '-1', '1e3', '99999999999999999999']) {
    assertError(await cg1.post(`/api/v1/notices/${id}/read`), 404);
  }
  assertError(await srv.raw('GET', '/api/v1/notices'), 401);
  assertError(await srv.raw('POST', '/api/v1/notices/1/read'), 401);
  // a body is not needed, and an odd one is ignored
  const n = (await inboxAll('cg1'))[0];
  assert.ok(n, 'cg1 has notices by now');
  const r = await cg1.post(`/api/v1/notices/${n.id}/read`, 'not json', { 'Content-Type': 'text/plain' });
  assert.equal(r.status, 200, r.text);
});

test('a 2,000-character 催办 comment with a 200-character title is kept whole: listed, counted and marked read', async () => {
  const sup1 = await srv.login('sup1');
  const cg1 = await srv.login('cg1');
  const c = await dispatched('dept.cg', '长'.repeat(200));
  const comment = '请尽快办理'.repeat(400); // 2,000 characters, 6,000 bytes
  await sup1.must(c.id, 'urge', { comment });
  const before = await inbox('cg1');
  const items = await inboxAll('cg1', 'unread=1');
  assert.equal(items.length, before.unread, 'the unread count agrees with the unread list');
  const n = items.find((x) => x.case && x.case.id === c.id && x.kind === 'urge');
  assert.ok(n, 'the notice is listed');
  assert.ok(n.text.endsWith(comment), 'the whole comment, not cut mid-character');
  const r = await cg1.post(`/api/v1/notices/${n.id}/read`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.notice.id, n.id);
  assert.notEqual(r.json.notice.read_at, null);
  const after = await inbox('cg1');
  assert.equal(after.unread, before.unread - 1);
  // one character over the limit is refused with the field named, and leaves no notice
  assertError(await sup1.act(c.id, 'urge', { comment: comment + '办' }), 400, undefined, 'comment');
  assert.equal((await inbox('cg1')).unread, after.unread);
});
