// Signed documents (docs/documents.md, DESIGN §7). The test type `letter`
// (tests/data/types/letter.json) issues an 电子公函 with the engine effect
// issue_document when its action `issue` runs.
//   a  unhappy first: a bad body, the wrong role, an unseen case issue
//      nothing and write no event;
//   b  issuing: the number, the stored case field, the event, the listing;
//      the signature checks with node:crypto and ONLY the public key;
//      a flipped byte fails it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { startServer, assertError, makeConfig, sqlText, shanghaiDate, addDays, REPO } from './helpers.mjs';

const config = await makeConfig([path.join(REPO, 'tests', 'data', 'types', 'letter.json')]);
const srv = await startServer({ env: { CIVICLOOP_CONFIG: config } });

const b64u = (s) => Buffer.from(s, 'base64url');

/** An Ed25519 public key (32 raw bytes) as a node KeyObject. */
function publicKey(raw) {
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return crypto.createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/** Checks a code offline: {payload, ok}. */
function verifyOffline(code, raw) {
  const [p, s] = code.split('.');
  const payload = b64u(p);
  return { payload: JSON.parse(payload.toString('utf8')), ok: crypto.verify(null, payload, publicKey(raw), b64u(s)) };
}

async function newLetter(c, title = '赴濂江镇考察学习') {
  const created = await c.create({ type: 'letter', class: '一般', channel: 'township', title,
    description: '商请接待本单位考察学习人员。', org: 'town.a' });
  return created.case.id;
}

const docCount = async () => Number(await sqlText(srv.db, 'SELECT count(*) FROM documents'));
const issueEvents = async () => Number(await sqlText(srv.db, "SELECT count(*) FROM events WHERE action = 'document.issue'"));

test('a: a bad body, the wrong role or an unseen case issue nothing', async () => {
  const town1 = await srv.login('town1');
  const id = await newLetter(town1);
  const before = [await docCount(), await issueEvents()];
  const until = addDays(shanghaiDate(), 10);
  assertError(await town1.act(id, 'issue', { purpose: '考察', people: 0, until }), 400, undefined, 'people');
  assertError(await town1.act(id, 'issue', { purpose: '考察', people: 3, until: '2026-13-40' }), 400, undefined, 'until');
  assertError(await town1.act(id, 'issue', { purpose: 'x'.repeat(501), people: 3, until }), 400, undefined, 'purpose');
  assertError(await town1.act(id, 'issue', { purpose: '\u0001', people: 3, until }), 400, undefined, 'purpose');
  // town2 does not see town.a's case; a dispatcher may not issue
  assertError(await (await srv.login('town2')).act(id, 'issue', { purpose: '考察', people: 3, until }), 404);
  assertError(await (await srv.login('town2')).get(`/api/v1/cases/${id}/documents`), 404);
  assertError(await town1.get('/api/v1/cases/999999/documents'), 404);
  assert.deepEqual([await docCount(), await issueEvents()], before);
  assert.deepEqual((await town1.get(`/api/v1/cases/${id}/documents`)).json.items, []);
});

test('b: issuing signs, numbers, stores and lists a document that verifies with only the public key', async () => {
  const town1 = await srv.login('town1');
  const id = await newLetter(town1);
  const until = addDays(shanghaiDate(), 10);
  const r = await town1.must(id, 'issue', { purpose: '学习基层治理经验', people: 4, until, host: '县城管局' });
  const c = (await town1.case(id));
  const no = c.fields.e_letter_no;
  const day = shanghaiDate().replaceAll('-', '');
  assert.match(no, new RegExp(`^GH${day}-\\d{4}$`));
  const list = (await town1.get(`/api/v1/cases/${id}/documents`)).json.items;
  assert.equal(list.length, 1);
  const d = list[0];
  assert.equal(d.kind, 'e_letter');
  assert.equal(d.title, '电子公函');
  assert.equal(d.number, no);
  assert.equal(d.case_id, id);
  assert.equal(d.revoked, false);
  assert.equal(d.issuer.code, 'town.a');
  assert.equal(d.facts['事由'], '学习基层治理经验');
  assert.equal(d.facts['人数'], 4);
  assert.equal(d.facts['接待单位'], '县城管局');
  assert.equal(d.facts['工单编号'], c.no);
  assert.equal(d.subject['经办人'], '廖海波');
  assert.match(d.code, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
  assert.equal(d.verify_url, `/v/${d.code}`);
  assert.match(d.valid_until, new RegExp(`^${addDays(until, 1)}T00:00:00`));
  // the event
  const ev = JSON.parse(await sqlText(srv.db, `SELECT payload FROM events WHERE action = 'document.issue' AND case_id = ${id}`));
  assert.equal(ev.document_id, d.id);
  assert.equal(ev.number, no);
  const act = JSON.parse(await sqlText(srv.db, `SELECT payload FROM events WHERE action = 'issue' AND case_id = ${id}`));
  assert.deepEqual(act.documents, [{ id: d.id, kind: 'e_letter', number: no }]);
  // the signature, with only the published public key
  const rawPk = Buffer.from(await sqlText(srv.db, `SELECT hex(public_key) FROM signing_keys WHERE key_id = '${d.key_id}'`), 'hex');
  assert.equal(rawPk.length, 32);
  const v = verifyOffline(d.code, rawPk);
  assert.equal(v.ok, true);
  assert.equal(v.payload.v, 1);
  assert.equal(v.payload.no, no);
  assert.equal(v.payload.kid, d.key_id);
  assert.equal(v.payload.kind, 'e_letter');
  assert.deepEqual(v.payload.issuer, d.issuer);
  // one byte changed in the payload: the signature no longer holds
  const [p, s] = d.code.split('.');
  const forged = Buffer.from(b64u(p).toString('utf8').replace('"人数":4', '"人数":9'));
  assert.notEqual(forged.toString(), b64u(p).toString());
  assert.equal(verifyOffline(`${forged.toString('base64url')}.${s}`, rawPk).ok, false);
  // a second letter the same day takes the next number
  const id2 = await newLetter(town1, '第二份');
  await town1.must(id2, 'issue', { purpose: '考察', people: 2, until });
  const no2 = (await town1.case(id2)).fields.e_letter_no;
  assert.equal(Number(no2.slice(-4)), Number(no.slice(-4)) + 1);
  void r;
});
