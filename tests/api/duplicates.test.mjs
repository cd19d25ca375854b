// Possible duplicates (重复件) at intake — by caller, by place and text, by
// address — and the merge rules: no merging into a closed case, a merged
// child follows its parent's reply and callback and closes with it, and the
// 重复件率 counts merged cases. docs/duplicates.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, freshPhone, runCli, dbCmd, sqlText, BACKEND } from './helpers.mjs';
import { undo34 } from './undo_migrations.mjs';

const srv = await startServer({ cases: false });
const op1 = await srv.login('op1');
const disp1 = await srv.login('disp1');
const cg1 = await srv.login('cg1');
const sup1 = await srv.login('sup1');
const leader1 = await srv.login('leader1');

// metres → degrees of latitude near 25.8°N
const M = 1 / 111320;
let spot = 0;
/** A fresh place for each test, 5 km apart, so tests never see each other's cases. */
function place() {
  spot++;
  return { lat: 25.60 + spot * 0.05, lng: 114.70 + spot * 0.05 };
}

/** A rate as the server rounds it (10 significant digits). */
const R = (x) => Number(x.toPrecision(10));

const dupOf = (created, id) => created.possible_duplicates.find((d) => d.id === id);

test('another phone, same class, 20 m away, alike text → listed as nearby + similar_text', async () => {
  const p = place();
  const first = await op1.create(caseBody({
    class: '投诉',
    description: '来电人反映幸福路口的路灯坏了好几天，晚上一片漆黑，老人走路容易摔倒。',
    location: { lat: p.lat, lng: p.lng, address: '幸福路口' },
  }));
  const second = await op1.create(caseBody({
    class: '投诉',
    description: '幸福路口那几盏路灯一直不亮，晚上漆黑一片，希望尽快修。',
    location: { lat: p.lat + 20 * M, lng: p.lng, address: '濂江县濂江镇幸福路路口' },
  }));
  const d = dupOf(second, first.case.id);
  assert.ok(d, JSON.stringify(second.possible_duplicates));
  assert.deepEqual([...d.reasons].sort(), ['nearby', 'similar_text']);
  assert.equal(d.reason, d.reasons[0]);
  assert.equal(d.no, first.case.no);
  assert.equal(d.status, 'received');
  assert.ok(d.score > 0 && d.score <= 1, `score ${d.score}`);
  assert.ok(d.distance_m >= 15 && d.distance_m <= 25, `distance ${d.distance_m}`);
  assert.ok(d.similarity > 0 && d.similarity <= 1);
  assert.ok(!second.possible_duplicates.some((x) => x.id === second.case.id), 'not itself');
});

test('same street, another problem → not listed; same problem 2 km away → not listed', async () => {
  const p = place();
  const lamp = await op1.create(caseBody({
    description: '来电人反映和平街菜市场门口的路灯坏了，晚上一片漆黑。',
    location: { lat: p.lat, lng: p.lng, address: '和平街菜市场' },
  }));
  const toilet = await op1.create(caseBody({
    description: '市民反映和平街菜市场的公厕长期无人打扫，臭味很大。',
    location: { lat: p.lat + 15 * M, lng: p.lng, address: '和平街菜市场' },
  }));
  assert.ok(!dupOf(toilet, lamp.case.id), JSON.stringify(toilet.possible_duplicates));
  const far = await op1.create(caseBody({
    description: '来电人反映菜市场门口路灯坏了，晚上一片漆黑。',
    location: { lat: p.lat + 2000 * M, lng: p.lng, address: '城南菜市场' },
  }));
  assert.ok(!dupOf(far, lamp.case.id), JSON.stringify(far.possible_duplicates));
});

test('without coordinates: the same address written otherwise, alike text → same_address', async () => {
  const first = await op1.create(caseBody({
    class: '求助',
    description: '来电人反映青松小区7栋自来水停了两天，一直没有来水，家里老人做饭都成问题。',
    location: { address: '濂江县濂江镇青松小区7栋' },
  }));
  const second = await op1.create(caseBody({
    class: '求助',
    description: '青松小区七栋停水两天了，没水做饭，物业说不清楚什么时候来水。',
    location: { address: '青松小区 7栋' },
  }));
  const d = dupOf(second, first.case.id);
  assert.ok(d, JSON.stringify(second.possible_duplicates));
  assert.deepEqual([...d.reasons].sort(), ['same_address', 'similar_text']);
  assert.equal(d.distance_m, undefined);
  // another address, same words: not listed
  const other = await op1.create(caseBody({
    class: '求助',
    description: '青松小区七栋停水两天了，没水做饭。',
    location: { address: '红旗村三组' },
  }));
  assert.ok(!dupOf(other, first.case.id), JSON.stringify(other.possible_duplicates));
});

test('the same phone still lists the earlier case, first, with reason same_phone', async () => {
  const phone = freshPhone('158');
  const first = await op1.create(caseBody({ title: '同号一', reporter: { name: '赵女士', phone } }));
  const second = await op1.create(caseBody({
    title: '同号二', description: '又来电，说的是另一件事：楼下饭店油烟大。', reporter: { name: '赵女士', phone },
  }));
  const d = second.possible_duplicates[0];
  assert.equal(d.id, first.case.id, JSON.stringify(second.possible_duplicates));
  assert.deepEqual(d.reasons, ['same_phone']);
  assert.equal(d.reason, 'same_phone');
  assert.equal(d.score, 1);
});

test('a confidential earlier case: never listed to a creator without pii.read; listed to op1, and a phone match is a pii.view', async () => {
  const p = place();
  const phone = freshPhone('139');
  const text = '来电人举报幸福村砂场夜里偷采河砂，大车来回拉，河堤都挖空了。';
  const secret = await op1.create(caseBody({
    class: '举报', description: text, reporter: { name: '举报人', phone, confidential: true },
    location: { lat: p.lat, lng: p.lng, address: '幸福村砂场' },
  }));
  // link110 creates hotline cases but holds neither case.read nor pii.read
  const link = await srv.login('link110');
  const r = await link.post('/api/v1/cases', caseBody({
    class: '举报', description: '幸福村砂场半夜偷采河砂，河堤挖空了。', reporter: { phone },
    location: { lat: p.lat + 10 * M, lng: p.lng, address: '幸福村砂场' }, org: undefined,
  }));
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.possible_duplicates, [], 'nothing of the confidential case');
  // op1 (pii.read over it): by phone and by place; the phone match is a view of its reporter
  const admin = await srv.login('admin'); // reads are shown to audit.read holders only
  const before = (await admin.events(secret.case.id)).filter((e) => e.action === 'pii.view').length;
  const again = await op1.create(caseBody({
    class: '举报', description: '幸福村砂场夜里偷采河砂，河堤挖空。', reporter: { phone },
    location: { lat: p.lat + 10 * M, lng: p.lng, address: '幸福村砂场' },
  }));
  const d = dupOf(again, secret.case.id);
  assert.ok(d, JSON.stringify(again.possible_duplicates));
  assert.ok(d.reasons.includes('same_phone') && d.reasons.includes('nearby'), JSON.stringify(d));
  const after = (await admin.events(secret.case.id)).filter((e) => e.action === 'pii.view').length;
  assert.equal(after, before + 1, 'the phone hint is recorded as a pii.view');
});

test('an address that is FTS5 syntax, or only an administrative name, is just text to the check', async () => {
  for (const address of ['"', '"青松" OR "小区"', 'address : (', '*', 'OR OR', 'NEAR(青松 小区)', '县镇乡', '濂江县濂江镇', '區區區區', '青'.repeat(300)]) {
    const r = await op1.post('/api/v1/cases', caseBody({ location: { address } }));
    assert.equal(r.status, 201, `${address}: ${r.text}`);
    assert.ok(Array.isArray(r.json.possible_duplicates));
  }
});

// ------------------------------------------------------------ merging


test('merging into a closed case is refused with its state named, and nothing changes', async () => {
  const parent = await op1.create(caseBody({ title: '已办结的主件' }));
  await op1.must(parent.case.id, 'answer', { answer: '已当场答复。' });
  const child = await op1.create(caseBody({ title: '想并入已办结工单的子件' }));
  const before = await op1.case(child.case.id);
  const r = await op1.act(child.case.id, 'merge', { into: parent.case.id });
  assertError(r, 400, 'field.invalid', 'into');
  assert.match(r.json.error.message, /已办结/);
  assert.ok(r.json.error.message.includes(parent.case.no), r.json.error.message);
  const after = await op1.case(child.case.id);
  assert.equal(after.status, 'received');
  assert.equal(after.version, before.version);
  assert.deepEqual(after.links, before.links);
  const admin = await srv.login('admin');
  assert.deepEqual((await admin.events(child.case.id)).map((e) => e.action), ['create']);
});

test('a merged child follows its parent: the reply, the callback, and closing, each its own event', async () => {
  const p = place();
  const parent = await op1.create(caseBody({
    description: '来电人反映光明路12号门口污水井冒水，臭气很大。',
    location: { lat: p.lat, lng: p.lng, address: '光明路12号' },
  }));
  const child = await op1.create(caseBody({
    description: '光明路12号那里下水道污水往外冒，味道很难闻。',
    location: { lat: p.lat + 10 * M, lng: p.lng, address: '光明路12号门口' },
  }));
  assert.ok(dupOf(child, parent.case.id), 'offered as a duplicate first');
  const other = await op1.create(caseBody({ title: '并入后又撤销的子件' }));
  const pid = parent.case.id, cid = child.case.id;
  assert.equal((await op1.must(cid, 'merge', { into: pid })).status, 'merged');
  assert.equal((await op1.must(other.case.id, 'merge', { into: pid })).status, 'merged');
  await op1.must(other.case.id, 'unmerge', {}); // no longer a child: it does not follow

  await disp1.must(pid, 'dispatch', { org: 'dept.cg' });
  await cg1.must(pid, 'sign', {});
  assert.equal((await op1.case(cid)).status, 'merged', 'the child waits while the parent is handled');
  const reply = '已疏通光明路12号处污水井，并清理周边。';
  assert.equal((await cg1.must(pid, 'reply', { reply })).status, 'replied');
  let c = await op1.case(cid);
  assert.equal(c.status, 'replied');
  assert.equal(c.fields.reply, reply);

  await sup1.must(pid, 'review', {});
  assert.equal((await op1.case(cid)).status, 'callback');

  const done = await sup1.must(pid, 'callback', { resolved: true, satisfaction: '满意' });
  assert.equal(done.status, 'closed');
  c = await op1.case(cid);
  assert.equal(c.status, 'closed');
  assert.equal(c.fields.satisfaction, '满意');
  assert.equal(c.fields.resolved, true);
  assert.ok(c.closed_at, 'closed with its parent');

  const admin = await srv.login('admin');
  const evs = (await admin.events(cid)).filter((e) => e.action !== 'pii.view');
  assert.deepEqual(evs.map((e) => [e.action, e.to_status ?? e.to]),
    [['create', 'received'], ['merge', 'merged'], ['follow_parent', 'replied'],
      ['follow_parent', 'callback'], ['follow_parent', 'closed']], JSON.stringify(evs));
  const o = await op1.case(other.case.id);
  assert.equal(o.status, 'received', 'an unmerged case does not follow');
  assert.equal(o.fields.reply, undefined);
  // the chain still verifies with the children's events on it
  const v = await runCli(srv, ['audit', 'verify', '--db', srv.db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

test('重复件率 counts merged cases, those still merged and those that followed their parent', async () => {
  const s = await leader1.get('/api/v1/stats/hotline');
  assert.equal(s.status, 200, s.text);
  // merged in this file and merged still: the followed child (now closed) and
  // none other (the other one was unmerged)
  const merged = (await op1.listAll('status=merged')).length;
  assert.equal(merged, 0, 'no case is left in 已并单');
  assert.equal(s.json.duplicate_rate, R(1 / s.json.received), JSON.stringify(s.json));
  // one more child, still waiting in 已并单
  const parent = await op1.create(caseBody({ title: '统计主件' }));
  const child = await op1.create(caseBody({ title: '统计子件' }));
  await op1.must(child.case.id, 'merge', { into: parent.case.id });
  const s2 = await leader1.get('/api/v1/stats/hotline');
  assert.equal(s2.json.duplicate_rate, R(2 / s2.json.received), JSON.stringify(s2.json));
  assert.equal(s2.json.counts.merged, 2, 'counts.merged: the duplicate rate\'s numerator');
});

// a case's hour as case_points holds it, in double precision on both
// (PostgreSQL's 3600000.0 alone is an exact numeric)
const hours = BACKEND === 'postgres' ? 'c.received_at / 3600000.0::float8' : 'c.received_at / 3600000.0';

test('each located case is in the index of case points from its create, its box around its point and time', async () => {
  // SQLite's R*Tree keeps 32-bit floats rounded outwards; PostgreSQL's table the values as given
  const at = (key) => (BACKEND === 'postgres' ? `(c.location::jsonb->>'${key}')::double precision` : `json_extract(c.location, '$.${key}')`);
  const located = await sqlText(srv.db, `SELECT count(*) FROM cases c WHERE ${BACKEND === 'postgres'
    ? "jsonb_typeof(c.location::jsonb->'lat') = 'number'" : "json_type(c.location, '$.lat') IN ('real', 'integer')"}`);
  assert.ok(Number(located) >= 8, `located cases: ${located}`);
  assert.equal(await sqlText(srv.db, 'SELECT count(*) FROM case_points'), located, 'each new case indexed at create');
  assert.equal(await sqlText(srv.db, `SELECT count(*) FROM case_points p JOIN cases c ON c.id = p.id
    WHERE p.lat0 <= ${at('lat')} AND p.lat1 >= ${at('lat')} AND p.lng0 <= ${at('lng')} AND p.lng1 >= ${at('lng')}
    AND p.h0 <= ${hours} AND p.h1 >= ${hours}
    AND p.lat1 - p.lat0 < 1e-5 AND p.lng1 - p.lng0 < 1e-4 AND p.h1 - p.h0 < 0.1`), located, 'each point is its case\'s');
});

test('migration 12 fills the index of case points for the cases before it',
  { skip: BACKEND === 'postgres' && 'a PostgreSQL database is made at schema version 31: it has no migration 12 (docs/postgresql.md)' }, async () => {
    const sql = async (q, ro = true) => {
      const r = await dbCmd(srv.db, q, { readonly: ro });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    await srv.stop();
    const located = await sql("SELECT count(*) FROM cases WHERE json_type(location, '$.lat') IN ('real', 'integer')");
    assert.ok(Number(located) >= 8, `located cases: ${located}`);
    assert.equal(await sql('SELECT count(*) FROM case_points'), located, 'each new case indexed at create');
    // the database as it was before the migration: no index, back before 12
    // (migrations 13, the parties of disputes, 14, the ratings of a unit's
    // part, 15, the collection topics of suggestions, 16, task lists, and
    // issue 13's 17, the enterprise registry and its 约谈 records, 18,
    // rolling inspection plans, 19, discipline supervision campaigns, and
    // issue 14's 20, signed documents and their keys, and issue 15's 21, API
    // keys' scopes, org, last use and rate, 22, Open311's requests, updates
    // and the events' time index, and 23, the outbox and its webhook
    // subscriptions, and issue 16's 24–29 (the lists' scope index, the stats'
    // aggregates and their triggers, the inbox's deadline index, the stats'
    // monthly rollups and deadline counts, the trigger that moves the first
    // and third with an org, 29: the overdue list's kept set and the type
    // index, 30: the search index's crisis-merge setting, redone as it is,
    // 31: the timer indexes made partial, redone as they are), come after
    // it: undone too and redone empty, which no test of this file reads;
    // and 32, the regions: the columns it adds to the tables kept; 33, the
    // stats' regions: its tables are dropped with the stats'; 34, the
    // counters' and checkpoints' regions, undone as undo_migrations.mjs does)
    const version = Number(await sql('PRAGMA user_version'));
    assert.equal(version, 34, 'step back as far as migration 12');
    await sql(`${undo34()} ${['cases', 'assignments', 'timers', 'links', 'attachments', 'route_labels', 'events', 'notices',
      'idempotency']
      .map((t) => `ALTER TABLE ${t} DROP COLUMN region_code;`).join(' ')}
      ALTER TABLE orgs DROP COLUMN city_code;
      DROP TABLE case_points; DROP TABLE case_parties; ALTER TABLE assignments DROP COLUMN ratings;
      DROP TABLE topics; DROP TABLE task_lists; DROP TABLE interviews; DROP TABLE enterprises;
      DROP TABLE inspection_periods; DROP TABLE inspection_plans;
      DROP TABLE campaign_reports; DROP TABLE campaign_visits; DROP TABLE campaign_members;
      DROP TABLE campaign_groups; DROP TABLE campaign_targets; DROP TABLE campaigns;
      DROP TABLE documents; DROP TABLE signing_keys;
      ALTER TABLE api_keys DROP COLUMN org_id; ALTER TABLE api_keys DROP COLUMN scopes;
      ALTER TABLE api_keys DROP COLUMN last_used_at; ALTER TABLE api_keys DROP COLUMN rate_per_min;
      DROP TABLE open311_requests; DROP TABLE open311_updates; DROP INDEX events_at;
      DROP TABLE outbox; DROP TABLE webhooks;
      DROP TRIGGER stats_t_case_ins; DROP TRIGGER stats_t_case_upd; DROP TRIGGER stats_t_case_del;
      DROP TRIGGER stats_t_event_ins; DROP TRIGGER stats_t_asg_ins; DROP TRIGGER stats_t_asg_upd;
      DROP TRIGGER stats_t_asg_del; DROP TRIGGER stats_t_link_ins; DROP TRIGGER stats_t_link_upd;
      DROP TRIGGER stats_t_link_del; DROP TRIGGER stats_t_org_path;
      DROP TABLE stats_dirty; DROP TABLE stats_case; DROP TABLE stats_cell; DROP TABLE stats_unit_cell;
      DROP TABLE stats_due; DROP TABLE stats_month; DROP TABLE stats_unit_month;
      DROP TABLE stats_due_day; DROP TABLE stats_part_due; DROP TABLE stats_part_due_day;
      DROP TABLE case_scope; DROP INDEX cases_status; DROP INDEX cases_open;
      DROP TRIGGER part_due_ins; DROP TRIGGER part_due_upd; DROP TABLE part_due; DROP TABLE part_unfinished;
      DROP TRIGGER scope_t_org_path;
      DROP TRIGGER case_overdue_enter; DROP TRIGGER case_overdue_leave;
      DROP TABLE case_overdue; DROP TABLE case_overdue_mark; DROP INDEX cases_type;
      PRAGMA user_version = 11;`, false);
    await srv.restart();
    await srv.stop();
    assert.equal(Number(await sql('PRAGMA user_version')), version);
    assert.equal(await sql('SELECT count(*) FROM case_points'), located, 'the migration filled it');
    // an R*Tree keeps 32-bit floats rounded outwards: each box holds its case's point and time
    assert.equal(await sql(`SELECT count(*) FROM case_points p JOIN cases c ON c.id = p.id
      WHERE p.lat0 <= json_extract(c.location, '$.lat') AND p.lat1 >= json_extract(c.location, '$.lat')
      AND p.lng0 <= json_extract(c.location, '$.lng') AND p.lng1 >= json_extract(c.location, '$.lng')
      AND p.h0 <= ${hours} AND p.h1 >= ${hours}
      AND p.lat1 - p.lat0 < 1e-5 AND p.lng1 - p.lng0 < 1e-4 AND p.h1 - p.h0 < 0.1`), located, 'each point is its case\'s');
    await srv.restart();
  });
