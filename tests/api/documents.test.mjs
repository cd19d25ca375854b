// Signed documents (docs/documents.md, DESIGN §7). The test type `letter`
// (tests/data/types/letter.json) issues an 电子公函 with the engine effect
// issue_document when its action `issue` runs.
//   a  unhappy first: a bad body, the wrong role, an unseen case issue
//      nothing and write no event;
//   b  issuing: the number, the stored case field, the event, the listing;
//      the signature checks with node:crypto and ONLY the public key from
//      GET /api/v1/keys (no server call for the check); a flipped byte
//      fails it;
//   c  public verification (no sign-in): valid, tampered, unknown key,
//      malformed in every way (400, never a 500), the rate limit;
//   d  revocation: wrong role, out of scope, bad reasons, then the unit's
//      lead revokes; verification still proves the signature and says
//      已撤销 with when and why; twice is 409;
//   e  the QR (SVG, PNG) decodes back to the verify URL (zbarimg);
//   f  offline: `civicloop doc keys` and `doc verify --keys` with no
//      database; key rotation: old codes still verify, new ones use the
//      new key, the audit chain still verifies;
//   g  expiry: past valid_until (test clock) the answer is 已过期.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { writeFile, readFile } from 'node:fs/promises';
import { startServer, assertError, makeConfig, sqlText, shanghaiDate, addDays, runBin, runCli, runCmd, REPO } from './helpers.mjs';

const config = await makeConfig([path.join(REPO, 'tests', 'data', 'types', 'letter.json')]);
const srv = await startServer({ env: { CIVICLOOP_CONFIG: config }, testClock: true });

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
  // facts too long for a printable QR: the whole action fails, the case stays a draft
  const long = await town1.act(id, 'issue', { purpose: '中'.repeat(500), people: 3, until });
  assertError(long, 400);
  assert.match(long.json.error.message, /文书内容过长/);
  assert.equal((await town1.case(id)).status, 'draft');
  assert.equal((await town1.case(id)).fields.e_letter_no, undefined);
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
  // the signature, with only the published public key (GET /api/v1/keys, no sign-in)
  const keys = (await srv.raw('GET', '/api/v1/keys')).json.items;
  const key = keys.find((k) => k.key_id === d.key_id);
  assert.equal(key.current, true);
  assert.equal(key.alg, 'Ed25519');
  const rawPk = Buffer.from(key.public_key, 'hex');
  assert.deepEqual(Buffer.from(key.public_key_b64url, 'base64url'), rawPk);
  // the PEM is the same key, for openssl pkeyutl -verify
  assert.deepEqual(crypto.createPublicKey(key.pem).export({ format: 'der', type: 'spki' }).subarray(12), rawPk);
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

/** Issues a letter as c (at org town.a, or c's own when `org`); returns the document. */
async function issued(c, { org = 'town.a', until = addDays(shanghaiDate(), 10), people = 3 } = {}) {
  const created = await c.create({ type: 'letter', class: '一般', channel: 'township', title: '商请接待',
    description: '商请接待本单位考察学习人员。', org });
  await c.must(created.case.id, 'issue', { purpose: '学习基层治理经验', people, until, host: '县城管局' });
  const list = (await c.get(`/api/v1/cases/${created.case.id}/documents`)).json.items;
  return list[list.length - 1];
}

const verify = (code) => srv.raw('GET', `/api/v1/public/verify?code=${encodeURIComponent(code)}`);

/** A payload signed with a key the instance never published. */
function foreignCode(payload) {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const bytes = Buffer.from(JSON.stringify(payload));
  return `${bytes.toString('base64url')}.${crypto.sign(null, bytes, privateKey).toString('base64url')}`;
}

test('c: public verification tells valid, tampered, unknown key and malformed apart', async () => {
  const d = await issued(await srv.login('town1'));
  const ok = await verify(d.code);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.verdict, 'valid');
  assert.equal(ok.json.label, '真实有效');
  assert.equal(ok.json.signature_valid, true);
  assert.equal(ok.json.on_record, true);
  assert.equal(ok.json.document.number, d.number);
  assert.equal(ok.json.document.title, '电子公函');
  assert.equal(ok.json.document.issuer.name, d.issuer.name);
  assert.equal(ok.json.document.facts['事由'], '学习基层治理经验');
  // a pasted whole URL is the page's to cut; the API takes the code
  const [p, s] = d.code.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  // tampered: the facts changed, the signature kept
  const forged = { ...payload, facts: { ...payload.facts, 人数: 30 } };
  const t = await verify(`${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`);
  assert.equal(t.status, 200);
  assert.equal(t.json.verdict, 'tampered');
  assert.equal(t.json.label, '签名无效');
  assert.equal(t.json.document, undefined, 'no facts shown for a forged document');
  // another signature on the same payload
  const sig2 = Buffer.from(s, 'base64url');
  sig2[10] ^= 1;
  assert.equal((await verify(`${p}.${sig2.toString('base64url')}`)).json.verdict, 'tampered');
  // signed by a key the instance never published (re-signed)
  const u = await verify(foreignCode({ ...payload, kid: '0123456789abcdef' }));
  assert.equal(u.json.verdict, 'unknown_key');
  assert.equal(u.json.label, '无法识别');
  // re-signed with a foreign key but claiming the instance's kid: tampered
  assert.equal((await verify(foreignCode(payload))).json.verdict, 'tampered');
  // malformed: 400 naming code, a clear message, never a 500
  const bad = [
    ['', /缺少验证码/],
    [p, /不完整/],
    [`${p}.`, /签名部分/],
    [`${p.slice(0, -3)}.${s}`, /内容部分|JSON|UTF-8/],
    [`${p}.${s.slice(0, 40)}`, /签名部分/],
    [`${p}.${s}.x`, /不允许|签名部分/],
    [`${p}=.${s}`, /不允许/],
    [`${Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url')}.${s}`, /UTF-8/],
    [`${Buffer.from('not json').toString('base64url')}.${s}`, /JSON/],
    [`${Buffer.from('{"v":2}').toString('base64url')}.${s}`, /版本/],
    [`${Buffer.from(JSON.stringify({ ...payload, kid: 'KID' })).toString('base64url')}.${s}`, /密钥编号/],
    [`${Buffer.from(JSON.stringify({ ...payload, iat: 'yesterday' })).toString('base64url')}.${s}`, /出具时间/],
    ['中文.中文', /不允许/],
    ['a'.repeat(5000) + '.' + s, /过长/],
  ];
  for (const [code, msg] of bad) {
    const r = await verify(code);
    assertError(r, 400, undefined, 'code');
    assert.match(r.json.error.message, msg, `${code.slice(0, 40)} → ${r.json.error.message}`);
  }
  // a 1 MB code: refused cleanly (the URL is too long for any server, or 400)
  const huge = await srv.raw('GET', `/api/v1/public/verify?code=${'A'.repeat(1 << 20)}`).catch((e) => ({ status: 0, e }));
  assert.ok(huge.status === 0 || (huge.status >= 400 && huge.status < 500), `1 MB: ${huge.status}`);
  assert.equal((await verify(d.code)).json.verdict, 'valid', 'the server still answers');
});

test('d: the issuing unit\'s lead revokes; verification still proves the signature and says 已撤销', async () => {
  const cglead = await srv.login('cglead');
  const d = await issued(cglead, { org: 'dept.cg' });
  assert.equal(d.issuer.code, 'dept.cg');
  const revoke = (c, body) => c.post(`/api/v1/documents/${d.id}/revoke`, body);
  const events = async () => Number(await sqlText(srv.db, "SELECT count(*) FROM events WHERE action = 'document.revoke'"));
  const before = await events();
  // wrong role: a handler has no document.revoke
  assertError(await revoke(await srv.login('cg1'), { reason: '作废' }), 403, 'permission.denied');
  // out of scope: town.a's caller does not see it
  assertError(await (await srv.login('town1')).get(`/api/v1/documents/${d.id}`), 404);
  // bad reasons
  assertError(await revoke(cglead, {}), 400, undefined, 'reason');
  assertError(await revoke(cglead, { reason: '' }), 400, undefined, 'reason');
  assertError(await revoke(cglead, { reason: '作\u0000废' }), 400);
  assertError(await revoke(cglead, { reason: '作\n废' }), 400, undefined, 'reason');
  assertError(await revoke(cglead, { reason: '中'.repeat(201) }), 400, undefined, 'reason');
  assertError(await revoke(cglead, { reason: '作废', also: 1 }), 400, undefined, 'also');
  assertError(await revoke(cglead, { reason: 5 }), 400, undefined, 'reason');
  assertError(await cglead.post('/api/v1/documents/999999/revoke', { reason: '作废' }), 404);
  assert.equal(await events(), before);
  assert.equal((await verify(d.code)).json.verdict, 'valid');
  // the document as the print view reads it
  const got = await cglead.get(`/api/v1/documents/${d.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.json.can_revoke, true);
  assert.equal(got.json.document.number, d.number);
  assert.equal((await (await srv.login('cg1')).get(`/api/v1/documents/${d.id}`)).json.can_revoke, false);
  // revoked
  const r = await revoke(cglead, { reason: '接待计划取消' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.revoked, true);
  assert.equal(r.json.document.revoked_reason, '接待计划取消');
  assert.equal(await events(), before + 1);
  const ev = JSON.parse(await sqlText(srv.db, `SELECT payload FROM events WHERE action = 'document.revoke' ORDER BY seq DESC LIMIT 1`));
  assert.deepEqual(ev, { document_id: d.id, number: d.number, reason: '接待计划取消' });
  const v = await verify(d.code);
  assert.equal(v.json.verdict, 'revoked');
  assert.equal(v.json.label, '已撤销');
  assert.equal(v.json.signature_valid, true);
  assert.equal(v.json.revoked_reason, '接待计划取消');
  assert.match(v.json.revoked_at, /^\d{4}-\d{2}-\d{2}T/);
  assert.equal(v.json.document.number, d.number);
  assertError(await revoke(cglead, { reason: '再次' }), 409);
  assert.equal((await cglead.get(`/api/v1/documents/${d.id}`)).json.can_revoke, false);
  // the admin may revoke anywhere
  const d2 = await issued(await srv.login('town1'));
  const admin = await srv.login('admin');
  assert.equal((await admin.post(`/api/v1/documents/${d2.id}/revoke`, { reason: '信息有误' })).status, 200);
});

test('e: the QR codes carry the verify URL', async () => {
  const town1 = await srv.login('town1');
  const d = await issued(town1);
  const svg = await town1.get(`/api/v1/documents/${d.id}/qr.svg`);
  assert.equal(svg.status, 200);
  assert.match(svg.headers.get('content-type'), /^image\/svg\+xml/);
  assert.match(svg.text, /^<svg [^>]*viewBox="0 0 \d+ \d+"/);
  const res = await fetch(srv.url(`/api/v1/documents/${d.id}/qr.png`), { headers: { Authorization: `Bearer ${town1.token}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  const png = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const file = `${srv.dir}/qr.png`;
  await writeFile(file, png);
  const z = await runCmd('zbarimg', ['-q', '--raw', file]);
  assert.equal(z.code, 0, z.stderr);
  assert.equal(z.stdout.trim(), d.verify_url);
  // not visible, not there
  assertError(await (await srv.login('town2')).get(`/api/v1/documents/${d.id}/qr.svg`), 404);
  assertError(await town1.get('/api/v1/documents/0/qr.png'), 404);
  assertError(await srv.raw('GET', `/api/v1/documents/${d.id}/qr.svg`), 401);
});

test('f: offline verification with only the keys file; rotation keeps old codes valid', async () => {
  const town1 = await srv.login('town1');
  const old = await issued(town1);
  const keysFile = `${srv.dir}/keys.json`;
  const k = await runCli(srv, ['doc', 'keys', '--db', srv.db]);
  assert.equal(k.code, 0, k.stderr);
  await writeFile(keysFile, k.stdout);
  assert.equal(JSON.parse(k.stdout).items.length, 1);
  // offline: no database, only the keys
  const ok = await runBin(['doc', 'verify', old.code, '--keys', keysFile, '--json']);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.equal(JSON.parse(ok.stdout).verdict, 'valid');
  const human = await runBin(['doc', 'verify', `https://mq.example.gov.cn${old.verify_url}`, '--keys', keysFile]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /真实有效/);
  assert.match(human.stdout, new RegExp(old.number));
  const [p, s] = old.code.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[0] ^= 0x80;
  const bad = await runBin(['doc', 'verify', `${p}.${sig.toString('base64url')}`, '--keys', keysFile]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /签名无效/);
  assert.equal((await runBin(['doc', 'verify', 'x.y', '--keys', keysFile])).code, 1);
  assert.equal((await runBin(['doc', 'verify', old.code])).code, 2, 'no keys: usage');
  assert.equal((await runBin(['doc', 'verify', old.code, '--keys', `${srv.dir}/none.json`])).code, 2);
  await writeFile(`${srv.dir}/garbage.json`, '{"items":[{"key_id":"zz"}]}');
  assert.equal((await runBin(['doc', 'verify', old.code, '--keys', `${srv.dir}/garbage.json`])).code, 2);
  assert.equal((await runBin(['doc'])).code, 2);
  assert.equal((await runBin(['keys', 'rotate'])).code, 2);

  // rotation, with the server stopped
  await srv.stop();
  const rot = await runCli(srv, ['keys', 'rotate', '--db', srv.db]);
  assert.equal(rot.code, 0, rot.stderr);
  await srv.restart();
  const keys = (await srv.raw('GET', '/api/v1/keys')).json.items;
  assert.equal(keys.length, 2);
  const retired = keys.find((x) => x.key_id === old.key_id);
  assert.equal(retired.current, false);
  assert.match(retired.retired_at, /^\d{4}-/);
  const cur = keys.find((x) => x.current);
  assert.notEqual(cur.key_id, old.key_id);
  assert.equal(cur.retired_at, null);
  // old codes still verify, online and offline (with the new export)
  assert.equal((await verify(old.code)).json.verdict, 'valid');
  const k2 = await runCli(srv, ['doc', 'keys', '--db', srv.db]);
  await writeFile(keysFile, k2.stdout);
  assert.equal((await runBin(['doc', 'verify', old.code, '--keys', keysFile])).code, 0);
  // new documents use the new key
  const town1b = await srv.login('town1');
  const fresh = await issued(town1b);
  assert.equal(fresh.key_id, cur.key_id);
  assert.equal((await verify(fresh.code)).json.verdict, 'valid');
  assert.equal((await runBin(['doc', 'verify', fresh.code, '--keys', keysFile])).code, 0);
  assert.equal((await runCli(srv, ['doc', 'verify', fresh.code, '--db', srv.db])).code, 0);
  // the old keys file alone does not know the new key
  await writeFile(`${srv.dir}/old-keys.json`, k.stdout);
  const unk = await runBin(['doc', 'verify', fresh.code, '--keys', `${srv.dir}/old-keys.json`]);
  assert.equal(unk.code, 1);
  assert.match(unk.stdout, /无法识别/);
  // the rotation is on the chain, and the chain (checkpoints by both keys) verifies
  assert.equal(await sqlText(srv.db, "SELECT count(*) FROM events WHERE action = 'keys.rotate'"), '1');
  const audit = await runCli(srv, ['audit', 'verify', '--db', srv.db, '--skip-files']);
  assert.equal(audit.code, 0, audit.stdout + audit.stderr);
  void readFile;
});

test('g: past its valid_until a document verifies as 已过期', async () => {
  const town1 = await srv.login('town1');
  const d = await issued(town1, { until: shanghaiDate() });
  assert.equal((await verify(d.code)).json.verdict, 'valid');
  await srv.setClock(new Date(Date.now() + 2 * 86400000).toISOString());
  const v = await verify(d.code);
  assert.equal(v.json.verdict, 'expired');
  assert.equal(v.json.label, '已过期');
  assert.equal(v.json.signature_valid, true);
  const off = await runCli(srv, ['doc', 'verify', d.code, '--db', srv.db, '--json']);
  void off; // the CLI reads the real clock: not faked here
});
