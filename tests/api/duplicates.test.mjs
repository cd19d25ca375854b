// Possible duplicates (重复件) at intake — by caller, by place and text, by
// address — and the merge rules: no merging into a closed case, a merged
// child follows its parent's reply and callback and closes with it, and the
// 重复件率 counts merged cases. docs/duplicates.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, freshPhone } from './helpers.mjs';

const srv = await startServer({ cases: false });
const op1 = await srv.login('op1');

// metres → degrees of latitude near 25.8°N
const M = 1 / 111320;
let spot = 0;
/** A fresh place for each test, 5 km apart, so tests never see each other's cases. */
function place() {
  spot++;
  return { lat: 25.60 + spot * 0.05, lng: 114.70 + spot * 0.05 };
}

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
