// Creating, reading and listing cases: shape, duplicates, deadlines on the
// working-day calendar, import times, paging and filters, idempotency,
// confidential reporters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, assertError, caseBody, freshPhone, shanghaiDate, addDays,
} from './helpers.mjs';

const srv = await startServer();

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?\+08:00$/;

/** The end (24:00, i.e. next day 00:00 +08:00) of the Nth working day after `day`, from GET /api/v1/calendar. */
async function workdayDeadline(day, n) {
  const r = await srv.raw('GET', `/api/v1/calendar?from=${addDays(day, 1)}&to=${addDays(day, 60)}`);
  assert.equal(r.status, 200, r.text);
  let k = 0;
  for (const d of r.json.days) {
    if (d.workday && ++k === n) return `${addDays(d.date, 1)}T00:00:00+08:00`;
  }
  throw new Error('no such working day');
}

test('create → 201 with the case, possible_duplicates and routing; GET returns the same case', async () => {
  const op1 = await srv.login('op1');
  const phone = freshPhone('139');
  const body = caseBody({
    class: '求助',
    channel: 'web',
    title: '创建测试：井盖缺失',
    description: '来电人反映建设路口一处井盖缺失，夜间行人容易踩空。',
    location: { lat: 25.7866, lng: 114.8749, address: '濂江县濂江镇建设路口' },
    reporter: { name: '王先生', phone },
    fields: { category: '市政设施' },
  });
  const r = await op1.post('/api/v1/cases', body);
  assert.equal(r.status, 201, r.text);
  const c = r.json.case;
  assert.equal(typeof c.id, 'number');
  assert.equal(typeof c.no, 'string');
  assert.match(c.no, /^RX\d{8}\d+$/);
  assert.equal(c.type, 'hotline');
  assert.equal(c.class, '求助');
  assert.equal(c.channel, 'web');
  assert.equal(c.status, 'received');
  assert.equal(c.title, '创建测试：井盖缺失');
  assert.equal(c.description, body.description);
  assert.equal(c.org.code, 'town.a');
  assert.equal(c.location.lat, 25.7866);
  assert.equal(c.location.lng, 114.8749);
  assert.equal(c.location.address, '濂江县濂江镇建设路口');
  assert.equal(c.fields.category, '市政设施');
  assert.equal(c.reporter.name, '王先生');
  assert.equal(c.reporter.phone, phone);
  assert.equal(typeof c.version, 'number');
  assert.match(c.received_at, ISO);
  assert.match(c.due_at, ISO);
  assert.ok(Date.parse(c.due_at) > Date.parse(c.received_at));
  assert.deepEqual(c.assignments, []);
  assert.ok(Array.isArray(c.actions));
  assert.ok(Array.isArray(r.json.possible_duplicates));
  // the demo's cases may hold the same problem nearby; none has this phone
  assert.ok(!r.json.possible_duplicates.some((d) => d.reasons.includes('same_phone')), 'a fresh phone has no caller match');
  assert.ok(Array.isArray(r.json.routing));
  for (const x of r.json.routing) {
    assert.ok(x.org !== undefined, 'routing entry has org');
    assert.equal(typeof x.score, 'number');
  }

  const g = await op1.get(`/api/v1/cases/${c.id}`);
  assert.equal(g.status, 200);
  for (const k of ['id', 'no', 'type', 'class', 'channel', 'status', 'title', 'description',
    'received_at', 'due_at', 'version']) {
    assert.deepEqual(g.json.case[k], c[k], `GET ${k}`);
  }
  assert.deepEqual(g.json.case.location, c.location);
  assert.equal(g.json.case.org.code, 'town.a');

  const ev = await op1.events(c.id);
  assert.equal(ev.length, 1);
  assert.equal(ev[0].action, 'create');
  assert.equal(ev[0].to, 'received');
});

test('create suggests units: routing ranks orgs with scores (DESIGN §4 派单目录)', async () => {
  const op1 = await srv.login('op1');
  // the demo's street-light cases went to dept.cg; this one reads the same
  const r = await op1.create(caseBody({
    class: '求助', title: '东门社区路灯不亮',
    description: '来电人反映东门社区解放路路段多盏路灯晚上不亮，请求维修。',
    location: { lat: 25.7871, lng: 114.8735 }, fields: { category: '路灯照明' },
  }));
  assert.ok(Array.isArray(r.routing));
  assert.ok(r.routing.length > 0, 'at least one unit is suggested');
  let prev = Infinity;
  for (const x of r.routing) {
    const code = typeof x.org === 'string' ? x.org : x.org && x.org.code;
    assert.equal(typeof code, 'string', JSON.stringify(x));
    assert.equal(typeof x.score, 'number');
    assert.ok(x.score <= prev, 'ranked best first');
    prev = x.score;
  }
});

test('create defaults: class 咨询, channel phone, title from the description, org from the caller', async () => {
  const op1 = await srv.login('op1');
  const desc = '咨询：县城公共自行车办卡需要哪些证件，押金多少，在哪里可以办理，周末能不能办？';
  const r = await op1.post('/api/v1/cases', { type: 'hotline', description: desc });
  assert.equal(r.status, 201, r.text);
  const c = r.json.case;
  assert.equal(c.class, '咨询');
  assert.equal(c.channel, 'phone');
  assert.ok(c.title.length > 0 && desc.startsWith(c.title.trim().slice(0, 10)), `title ${c.title}`);
  assert.equal(c.org.code, 'county', 'op1 registers for the county it serves');
});

test('case numbers are unique', async () => {
  const op1 = await srv.login('op1');
  const nos = new Set();
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    op1.post('/api/v1/cases', caseBody({ title: `编号测试 ${i}` }))));
  for (const r of rs) {
    assert.equal(r.status, 201, r.text);
    nos.add(r.json.case.no);
  }
  assert.equal(nos.size, 8);
});

test('the same reporter phone again → possible_duplicates lists the first case', async () => {
  const op1 = await srv.login('op1');
  const phone = freshPhone('158');
  const first = await op1.create(caseBody({ title: '重复件一', reporter: { name: '赵女士', phone } }));
  assert.equal(first.possible_duplicates.length, 0);
  const second = await op1.create(caseBody({
    title: '重复件二', description: '又一次来电，同一问题。', reporter: { name: '赵女士', phone },
  }));
  const d = second.possible_duplicates.find((x) => x.id === first.case.id);
  assert.ok(d, `first case offered as duplicate: ${JSON.stringify(second.possible_duplicates)}`);
  assert.equal(d.no, first.case.no);
  assert.ok(!second.possible_duplicates.some((x) => x.id === second.case.id), 'not itself');
  // another phone does not match
  const third = await op1.create(caseBody({ title: '重复件三', reporter: { name: '赵女士', phone: freshPhone('159') } }));
  assert.ok(!third.possible_duplicates.some((x) => x.id === first.case.id));
});

test('due_at: a 投诉 created now is due at 24:00 of the 5th working day after today', async () => {
  const op1 = await srv.login('op1');
  const before = shanghaiDate();
  const r = await op1.create(caseBody({ class: '投诉', title: '时限测试投诉' }));
  const afterDay = shanghaiDate();
  const expected = new Set([await workdayDeadline(before, 5), await workdayDeadline(afterDay, 5)]);
  assert.ok(expected.has(r.case.due_at), `due_at ${r.case.due_at}, expected ${[...expected]}`);
  // 咨询: 2 working days, 求助: 3
  const c2 = await op1.create(caseBody({ class: '咨询', title: '时限测试咨询' }));
  assert.ok(new Set([await workdayDeadline(before, 2), await workdayDeadline(afterDay, 2)]).has(c2.case.due_at),
    `咨询 due ${c2.case.due_at}`);
  const c3 = await op1.create(caseBody({ class: '求助', title: '时限测试求助' }));
  assert.ok(new Set([await workdayDeadline(before, 3), await workdayDeadline(afterDay, 3)]).has(c3.case.due_at),
    `求助 due ${c3.case.due_at}`);
  // 紧急: 24 hours by the clock
  const c4 = await op1.create(caseBody({ class: '紧急', title: '时限测试紧急' }));
  assert.equal(Date.parse(c4.case.due_at) - Date.parse(c4.case.received_at), 24 * 3600 * 1000);
});

test('received_at from a non-admin is ignored; from admin (import) it is honoured', async () => {
  const op1 = await srv.login('op1');
  const admin = await srv.login('admin');
  const t0 = Date.now();
  const r1 = await op1.create(caseBody({ class: '投诉', received_at: '2024-02-08T10:00:00+08:00' }));
  assert.ok(Math.abs(Date.parse(r1.case.received_at) - t0) < 60000,
    `op1's received_at is now, got ${r1.case.received_at}`);
  assert.ok(!r1.case.due_at.startsWith('2024-'));

  const r2 = await admin.create(caseBody({ class: '投诉', received_at: '2024-02-08T10:00:00+08:00' }));
  assert.equal(Date.parse(r2.case.received_at), Date.parse('2024-02-08T10:00:00+08:00'));
  assert.match(r2.case.received_at, /^2024-02-08T10:00:00(\.000)?\+08:00$/);
  // 5 working days: 02-09, 02-18 (make-up Sunday), 02-19, 02-20, 02-21 → ends 24:00 of 02-21
  assert.equal(r2.case.due_at, '2024-02-22T00:00:00+08:00');
  assert.match(r2.case.no, /^RX20240208/);

  // more imports across the 2024 Spring Festival
  const zx = await admin.create(caseBody({ class: '咨询', received_at: '2024-02-08T23:30:00+08:00' }));
  assert.equal(zx.case.due_at, '2024-02-19T00:00:00+08:00'); // 02-09, 02-18
  const holiday = await admin.create(caseBody({ class: '投诉', received_at: '2024-02-12T09:00:00+08:00' }));
  assert.equal(holiday.case.due_at, '2024-02-23T00:00:00+08:00'); // 18, 19, 20, 21, 22
  const makeup = await admin.create(caseBody({ class: '咨询', received_at: '2024-02-04T16:00:00+08:00' }));
  assert.equal(makeup.case.due_at, '2024-02-07T00:00:00+08:00'); // day 0 = 02-04; 05, 06
  const utc = await admin.create(caseBody({ class: '求助', received_at: '2024-02-08T17:00:00Z' }));
  // 2024-02-09 01:00 +08:00 is a Friday: 02-18, 02-19, 02-20
  assert.equal(utc.case.due_at, '2024-02-21T00:00:00+08:00');

  // an import from the future is refused
  const future = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString();
  assertError(await admin.post('/api/v1/cases', caseBody({ received_at: future })), 400, undefined, 'received_at');
  assertError(await admin.post('/api/v1/cases', caseBody({ received_at: '2024-02-30T10:00:00+08:00' })), 400);
  assertError(await admin.post('/api/v1/cases', caseBody({ received_at: 'yesterday' })), 400);
});

test('a gcj02 location is converted to WGS-84', async () => {
  const op1 = await srv.login('op1');
  const r = await op1.create(caseBody({ location: { lat: 25.7866, lng: 114.8749, crs: 'gcj02' } }));
  const { lat, lng } = r.case.location;
  // GCJ-02 is offset a few hundred metres from WGS-84 in Jiangxi
  assert.ok(Math.abs(lat - 25.7866) > 0.0005 && Math.abs(lat - 25.7866) < 0.01, `lat ${lat}`);
  assert.ok(Math.abs(lng - 114.8749) > 0.0005 && Math.abs(lng - 114.8749) < 0.01, `lng ${lng}`);
  assert.ok(lng < 114.8749, 'WGS-84 lies west of GCJ-02 here');
});

test('paging: limit=2 gives 2 items and a cursor; following cursors visits every case once', async () => {
  const admin = await srv.login('admin');
  const all = await admin.listAll();
  assert.ok(all.length >= 45, `demo has cases: ${all.length}`);
  assert.equal(new Set(all.map((x) => x.id)).size, all.length, 'no duplicates in the full list');

  const first = await admin.get('/api/v1/cases?limit=2');
  assert.equal(first.status, 200);
  assert.equal(first.json.items.length, 2);
  assert.equal(typeof first.json.next_cursor, 'string');
  assert.ok(first.json.next_cursor.length > 0);

  for (const limit of [2, 7]) {
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const q = `/api/v1/cases?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const r = await admin.get(q);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length <= limit);
      if (r.json.next_cursor) assert.equal(r.json.items.length, limit, 'only the last page is short');
      seen.push(...r.json.items.map((x) => x.id));
      cursor = r.json.next_cursor;
      pages++;
      assert.ok(pages < 500);
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length, `limit ${limit}: no case twice`);
    assert.deepEqual([...seen].sort((a, b) => a - b), all.map((x) => x.id).sort((a, b) => a - b),
      `limit ${limit}: every case once`);
    assert.equal(pages, Math.ceil(all.length / limit), 'no empty trailing page');
  }
  // the default page is 50
  const dflt = await admin.get('/api/v1/cases');
  assert.equal(dflt.json.items.length, Math.min(50, all.length));
});

test('list filters: type, status, overdue, q, org, mine, from', async () => {
  const admin = await srv.login('admin');
  const all = await admin.listAll();

  const hot = await admin.listAll('type=hotline');
  assert.equal(hot.length, all.filter((x) => x.type === 'hotline').length);
  assert.ok(hot.length > 0);
  assertError(await admin.get('/api/v1/cases?type=nosuchtype'), 400, 'field.invalid', 'type');

  const closed = await admin.listAll('status=closed');
  assert.ok(closed.length >= 10, `demo has closed cases: ${closed.length}`);
  assert.ok(closed.every((x) => x.status === 'closed'));
  assert.equal(closed.length, all.filter((x) => x.status === 'closed').length);
  const received = await admin.listAll('status=received');
  assert.ok(received.every((x) => x.status === 'received'));

  const overdue = await admin.listAll('overdue=1');
  assert.ok(overdue.length >= 1, 'demo has overdue cases');
  assert.ok(overdue.every((x) => x.overdue === true && x.closed_at === null), 'only open, overdue cases');
  assert.equal(overdue.length, all.filter((x) => x.overdue).length);

  const op1 = await srv.login('op1');
  const word = `萤火虫${Date.now() % 100000}`;
  const mine = await op1.create(caseBody({ title: `关于${word}的投诉` }));
  const q = await admin.get(`/api/v1/cases?q=${encodeURIComponent(word)}`);
  assert.equal(q.status, 200);
  assert.deepEqual(q.json.items.map((x) => x.id), [mine.case.id]);
  const lamp = await admin.listAll(`q=${encodeURIComponent('路灯')}`);
  const titles = lamp.map((x) => x.title);
  assert.ok(titles.includes('解放路东门段多盏路灯不亮'), titles.join(','));
  assert.ok(titles.includes('长岭圩新街太阳能路灯损坏'), titles.join(','));
  assert.ok(!titles.includes('城南农贸市场门口流动摊贩占道经营'));

  const tb = await admin.listAll('org=town.b');
  assert.ok(tb.length > 0);
  // town.b's subtree, with its registered enterprises (their inspections, hazards)
  const TOWN_B = ['town.b', 'village.b1', 'grid.b1', 'village.b2', 'grid.b2', 'grid.b3',
    'ent.demo2', 'ent.demo3', 'ent.demo7', 'ent.demo10', 'ent.demo12', 'ent.demo14', 'ent.demo15'];
  for (const x of tb) {
    assert.ok(TOWN_B.includes(x.org.code) || x.assignments.some((a) => TOWN_B.includes(a.org.code)),
      `org=town.b lists ${x.id} of ${x.org.code}`);
  }
  assertError(await admin.get('/api/v1/cases?org=no.such.org'), 400);

  const cg1 = await srv.login('cg1');
  const cgMine = await cg1.listAll('mine=1');
  assert.ok(cgMine.length >= 1, 'cg1 has open work in the demo');
  for (const x of cgMine) {
    assert.ok(x.assignments.some((a) => a.org.code === 'dept.cg' && !['done', 'cancelled'].includes(a.status)),
      `mine=1 lists ${x.id}`);
  }

  // from=today lists exactly the cases received since today's 00:00 in
  // Shanghai: the demo's older cases drop out, today's stay
  const today = shanghaiDate();
  const start = Date.parse(`${today}T00:00:00+08:00`);
  const since = await admin.listAll(`from=${today}`);
  assert.ok(since.some((x) => x.id === mine.case.id));
  const expected = (await admin.listAll()).filter((x) => Date.parse(x.received_at) >= start).map((x) => x.id);
  assert.deepEqual(since.map((x) => x.id).sort((a, b) => a - b), expected.sort((a, b) => a - b));
  assert.ok(since.length < all.length, `some demo case was received before today (${since.length} of ${all.length})`);
});

test('q matches text literally: % and _ are not wildcards', async () => {
  const admin = await srv.login('admin');
  const op1 = await srv.login('op1');
  const marked = await op1.create(caseBody({ title: '商场打折100%_返现疑问' }));
  const all = await admin.listAll();
  const pct = await admin.listAll('q=%25');
  const und = await admin.listAll('q=_');
  assert.ok(pct.some((x) => x.id === marked.case.id));
  assert.ok(pct.length < all.length, `q=% lists ${pct.length} of ${all.length} cases`);
  assert.ok(und.length < all.length, `q=_ lists ${und.length} of ${all.length} cases`);
  for (const x of pct) assert.ok(x.title.includes('%') || x.no.includes('%'), `q=% matched ${x.title}`);
});

test('limit outside 1–200 and bad cursors → 400', async () => {
  const admin = await srv.login('admin');
  for (const q of ['limit=0', 'limit=201', 'limit=-1', 'limit=abc', 'limit=', 'cursor=abc', 'from=notadate']) {
    assertError(await admin.get(`/api/v1/cases?${q}`), 400, undefined);
  }
  const ok = await admin.get('/api/v1/cases?limit=200');
  assert.equal(ok.status, 200);
  const one = await admin.get('/api/v1/cases?limit=1');
  assert.equal(one.json.items.length, 1);
});

test('Idempotency-Key: the same key and body twice → one case; another body → 409', async () => {
  const op1 = await srv.login('op1');
  const admin = await srv.login('admin');
  const before = (await admin.listAll()).length;
  const key = `idem-${Date.now()}-${Math.random()}`;
  const body = caseBody({ title: '幂等测试' });
  const a = await op1.post('/api/v1/cases', body, { 'Idempotency-Key': key });
  assert.equal(a.status, 201, a.text);
  const b = await op1.post('/api/v1/cases', body, { 'Idempotency-Key': key });
  assert.equal(b.status, 201, b.text);
  assert.equal(b.json.case.id, a.json.case.id);
  assert.equal(b.json.case.no, a.json.case.no);
  assert.equal((await admin.listAll()).length, before + 1);

  const c = await op1.post('/api/v1/cases', { ...body, title: '幂等测试（改）' }, { 'Idempotency-Key': key });
  assertError(c, 409, 'idempotency.conflict');
  assert.equal((await admin.listAll()).length, before + 1);

  // concurrent repeats with one key still create one case
  const key2 = `idem2-${Date.now()}`;
  const body2 = caseBody({ title: '幂等并发' });
  const rs = await Promise.all(Array.from({ length: 5 }, () =>
    op1.post('/api/v1/cases', body2, { 'Idempotency-Key': key2 })));
  for (const r of rs) assert.equal(r.status, 201, r.text);
  assert.equal(new Set(rs.map((r) => r.json.case.id)).size, 1);
  assert.equal((await admin.listAll()).length, before + 2);

  // without a key the same body makes a new case each time
  const n1 = await op1.post('/api/v1/cases', body);
  const n2 = await op1.post('/api/v1/cases', body);
  assert.notEqual(n1.json.case.id, n2.json.case.id);
  assert.equal((await admin.listAll()).length, before + 4);
});

test('Idempotency-Key is the caller\'s own: another user with the same key gets their own result', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const key = `shared-key-${Date.now()}`;
  const body = caseBody({ title: '幂等键隔离' });
  const a = await op1.post('/api/v1/cases', body, { 'Idempotency-Key': key });
  assert.equal(a.status, 201);
  const b = await disp1.post('/api/v1/cases', body, { 'Idempotency-Key': key });
  assert.equal(b.status, 201, b.text);
  assert.notEqual(b.json.case.id, a.json.case.id);
});

test('Idempotency-Key on an action: the repeat returns the first result and adds no event', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const c = (await op1.create(caseBody({ title: '幂等派单' }))).case;
  const key = `act-${Date.now()}`;
  const a = await disp1.act(c.id, 'dispatch', { org: 'dept.cg', version: c.version }, { 'Idempotency-Key': key });
  assert.equal(a.status, 200, a.text);
  const b = await disp1.act(c.id, 'dispatch', { org: 'dept.cg', version: c.version }, { 'Idempotency-Key': key });
  assert.equal(b.status, 200, b.text);
  assert.equal(b.json.case.version, a.json.case.version);
  assert.equal(b.json.case.status, 'dispatched');
  const ev = await disp1.events(c.id);
  assert.deepEqual(ev.map((e) => e.action), ['create', 'dispatch']);
  assert.equal((await disp1.case(c.id)).assignments.length, 1);
});

test('confidential 举报: handler sees no name/phone; sup1 sees them and the view is an event; lists mask', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const town1 = await srv.login('town1');
  const sup1 = await srv.login('sup1');
  const leader1 = await srv.login('leader1');
  const phone = '13812345678';
  const name = '欧阳保密';
  const created = await op1.create(caseBody({
    class: '举报', title: '举报测试', description: '举报某商户销售过期食品。',
    reporter: { name, phone }, org: 'town.a',
  }));
  const id = created.case.id;
  assert.equal(created.case.reporter.confidential, true, '举报 is confidential');
  await disp1.must(id, 'dispatch', { org: 'town.a' });

  // who read a case is in its timeline for audit.read holders only (admin, 纪委)
  const admin = await srv.login('admin');
  const countPii = async () => (await admin.events(id)).filter((e) => e.action === 'pii.view').length;
  const pii0 = await countPii();

  const t = await town1.get(`/api/v1/cases/${id}`);
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.case.reporter.confidential, true);
  assert.equal(t.json.case.reporter.name, undefined);
  assert.equal(t.json.case.reporter.phone, undefined);
  assert.ok(!t.text.includes(phone) && !t.text.includes('****5678'), 'no phone, not even masked, in the handler view');
  assert.ok(!t.text.includes(name), 'no name anywhere in the handler view');
  const tev = await town1.get(`/api/v1/cases/${id}/events`);
  assert.ok(!tev.text.includes(phone) && !tev.text.includes(name), 'nor in the history');
  const tl = await town1.get(`/api/v1/cases?q=${encodeURIComponent('举报测试')}`);
  assert.ok(!tl.text.includes(phone) && !tl.text.includes(name), 'nor in the list');
  // a leader without pii.read does not see it either
  const l = await leader1.get(`/api/v1/cases/${id}`);
  assert.equal(l.json.case.reporter.phone, undefined);
  assert.equal(l.json.case.reporter.name, undefined);
  assert.equal(await countPii(), pii0, 'views without personal data are not pii.view events');

  const s = await sup1.get(`/api/v1/cases/${id}`);
  assert.equal(s.status, 200);
  assert.equal(s.json.case.reporter.name, name);
  assert.equal(s.json.case.reporter.phone, phone);
  assert.ok(!(await sup1.events(id)).some((e) => e.action === 'pii.view'), 'sup1 (no audit.read) sees no reads');
  const ev = await admin.events(id);
  const views = ev.filter((e) => e.action === 'pii.view');
  assert.equal(views.length, pii0 + 1, 'the view is recorded');
  assert.equal(views.at(-1).actor.login, 'sup1');
  assert.match(views.at(-1).hash, /^[0-9a-f]{64}$/);
  await sup1.get(`/api/v1/cases/${id}`);
  assert.equal(await countPii(), pii0 + 2, 'every view is recorded');

  // lists never show the full phone: masked (138****5678) or absent
  const sl = await sup1.get(`/api/v1/cases?q=${encodeURIComponent('举报测试')}`);
  const item = sl.json.items.find((x) => x.id === id);
  assert.ok(item);
  assert.ok(!sl.text.includes(phone), 'list hides the full phone');
  if (item.reporter.phone !== undefined) assert.equal(item.reporter.phone, '138****5678');
});

test('a confidential reporter shown in an action\'s response is recorded as a pii.view too', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const sup1 = await srv.login('sup1');
  const phone = '13933334444';
  const c = (await op1.create(caseBody({ class: '举报', title: '保密件操作', reporter: { name: '丙保密', phone } }))).case;
  await disp1.must(c.id, 'dispatch', { org: 'dept.cg' });
  const admin = await srv.login('admin'); // audit.read: the timeline shows the reads
  const views = async () => (await admin.events(c.id)).filter((e) => e.action === 'pii.view').length;
  const v0 = await views();
  const r = await sup1.act(c.id, 'urge', { comment: '请加快办理。' });
  assert.equal(r.status, 200, r.text);
  // sup1 holds pii.read over the county: the answer shows the reporter, and
  // that view is an event
  assert.ok(r.text.includes(phone) && r.text.includes('丙保密'), 'a pii.read holder sees the reporter');
  assert.equal(await views(), v0 + 1, 'the response showed the reporter, so the view must be an event');
  // and a handler acting on it never gets the reporter
  const cg1 = await srv.login('cg1');
  const s = await cg1.act(c.id, 'sign', {});
  assert.equal(s.status, 200, s.text);
  assert.ok(!s.text.includes(phone) && !s.text.includes('丙保密'));
});

test('reporter.confidential true on an ordinary class is confidential too', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const town1 = await srv.login('town1');
  const phone = freshPhone('186');
  const c = await op1.create(caseBody({
    class: '投诉', title: '要求保密的投诉', reporter: { name: '钱先生', phone, confidential: true },
  }));
  assert.equal(c.case.reporter.confidential, true);
  await disp1.must(c.case.id, 'dispatch', { org: 'town.a' });
  const t = await town1.get(`/api/v1/cases/${c.case.id}`);
  assert.equal(t.json.case.reporter.phone, undefined);
  assert.equal(t.json.case.reporter.name, undefined);
  assert.ok(!t.text.includes(phone));
});

test('lists mask phones like 138****5678', async () => {
  const op1 = await srv.login('op1');
  const c = await op1.create(caseBody({ title: '掩码测试', reporter: { name: '孙女士', phone: '13800005678' } }));
  assert.equal(c.case.reporter.phone, '13800005678', 'the registering operator sees it in full');
  const r = await op1.get(`/api/v1/cases?q=${encodeURIComponent('掩码测试')}`);
  const item = r.json.items.find((x) => x.id === c.case.id);
  assert.equal(item.reporter.phone, '138****5678');
  assert.ok(!r.text.includes('13800005678'));
  // every phone in a full list is masked
  const admin = await srv.login('admin');
  let phones = 0;
  for (const x of await admin.listAll()) {
    if (x.reporter && x.reporter.phone !== undefined) {
      assert.match(x.reporter.phone, /^\d{3}\*{4}\d{4}$/, `case ${x.id}`);
      phones++;
    }
  }
  assert.ok(phones >= 10, `the list shows masked phones (${phones}), it does not drop them`);
});
