// Webhook subscriptions (issue 15, docs/notifications.md): hostile URLs and
// kinds refused before anything is written; the secret shown once and kept
// sealed; a failed write answers 503 and leaves nothing; notify.manage only
// and only over the caller's subtree; the fan-out follows kinds and the org
// subtree (owning org or a unit at work on the case), never the records of
// reading; a revoked subscription gets nothing more; at most 100 live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, caseBody, sqlText, failingTrigger, sqlHex, BACKEND } from './helpers.mjs';
import { startReceiver, signatureValid } from './outbox_receiver.mjs';

const rx = await startReceiver();
const srv = await startServer({ cases: false, env: { CIVICLOOP_OUTBOX_BACKOFF_MS: '200', CIVICLOOP_OUTBOX_MAX_ATTEMPTS: '3' } });
const admin = await srv.login('admin');
const op1 = await srv.login('op1');
const disp1 = await srv.login('disp1');

const TOWN_PW = 'Town#Admin2024x';
{
  const r = await admin.post('/api/v1/users', { login: 'townadmin', name: '镇管理员', org: 'town.a', roles: ['admin'], password: TOWN_PW });
  assert.equal(r.status, 201, r.text);
}
const townAdmin = await (async () => {
  const r = await srv.loginRaw('townadmin', TOWN_PW);
  assert.equal(r.status, 200, r.text);
  return srv.client(r.json.token);
})();

const count = async (where) => Number(await sqlText(srv.db, `SELECT count(*) FROM ${where}`));
const snapshot = async () => ({ webhooks: await count('webhooks'), events: await count('events WHERE actor_id IS NOT NULL'), outbox: await count('outbox') });
/** The receiver's requests to path p (each subscription gets its own path). */
const at = (p) => rx.got.filter((g) => g.url === p);
const hookUrl = (p) => rx.url.replace(/\/hook$/, p);

test('hostile URLs, kinds, orgs and keys: 400 naming the field, nothing written', async () => {
  const before = await snapshot();
  const ok = { url: hookUrl('/x'), kinds: ['case.create'] };
  const cases = [
    [{ kinds: ['case.create'] }, 'field.required', 'url'],
    [{ ...ok, url: '' }, 'field.required', 'url'],
    [{ ...ok, url: 42 }, 'field.invalid', 'url'],
    [{ ...ok, url: 'ftp://127.0.0.1/x' }, 'field.invalid', 'url'],
    [{ ...ok, url: 'file:///etc/passwd' }, 'field.invalid', 'url'],
    [{ ...ok, url: 'javascript:alert(1)' }, 'field.invalid', 'url'],
    [{ ...ok, url: 'gopher://127.0.0.1:70/_x' }, 'field.invalid', 'url'],
    [{ ...ok, url: 'http://user:pass@127.0.0.1/x' }, 'field.invalid', 'url'],
    [{ ...ok, url: 'http://127.0.0.1/a b' }, 'field.invalid', 'url'],
    [{ ...ok, url: 'http://127.0.0.1/推送' }, 'field.invalid', 'url'],
    [{ ...ok, url: 'http://127.0.0.1/x#frag' }, 'field.invalid', 'url'],
    [{ ...ok, url: 'http://' }, 'field.invalid', 'url'],
    [{ ...ok, url: 'http:///x' }, 'field.invalid', 'url'],
    [{ ...ok, url: `http://127.0.0.1/${'a'.repeat(2100)}` }, 'field.too_long', 'url'],
    [{ url: ok.url }, 'field.required', 'kinds'],
    [{ ...ok, kinds: [] }, 'field.invalid', 'kinds'],
    [{ ...ok, kinds: 'case.create' }, 'field.invalid', 'kinds'],
    [{ ...ok, kinds: [1] }, 'field.invalid', 'kinds.0'],
    [{ ...ok, kinds: ['case.create', 'case.nope'] }, 'field.invalid', 'kinds.1'],
    [{ ...ok, kinds: ['create'] }, 'field.invalid', 'kinds.0'],
    [{ ...ok, kinds: ['case.create', 'case.create'] }, 'field.invalid', 'kinds.1'],
    [{ ...ok, kinds: ['case.pii.view'] }, 'field.invalid', 'kinds.0'],
    [{ ...ok, kinds: ['case.case.read'] }, 'field.invalid', 'kinds.0'],
    [{ ...ok, kinds: ['case.' + '中'.repeat(1000)] }, 'field.invalid', 'kinds.0'],
    [{ ...ok, kinds: Array.from({ length: 33 }, () => 'case.create') }, 'field.invalid', 'kinds'],
    [{ ...ok, org: 'nosuch' }, 'field.invalid', 'org'],
    [{ ...ok, org: ['county'] }, 'field.invalid', 'org'],
    [{ ...ok, secret: 'mine' }, 'field.unknown', 'secret'],
  ];
  for (const [body, code, field] of cases) assertError(await admin.post('/api/v1/webhooks', body), 400, code, field);
  assertError(await admin.post('/api/v1/webhooks', '{"url":"http://127.0.0.1/\\u0000","kinds":["case.create"]}'), 400);
  assertError(await admin.post('/api/v1/webhooks', '[]'), 400);
  assert.deepEqual(await snapshot(), before);
});

test('without notify.manage: every route 403, nothing written; anonymous 401', async () => {
  const before = await snapshot();
  for (const who of ['op1', 'disp1', 'sup1', 'town1', 'leader1', 'jw1', 'cglead', 'link110']) {
    const u = await srv.login(who);
    assertError(await u.get('/api/v1/webhooks'), 403, 'permission.denied');
    assertError(await u.post('/api/v1/webhooks', { url: hookUrl('/x'), kinds: ['*'] }), 403, 'permission.denied');
    assertError(await u.post('/api/v1/webhooks/1/revoke', {}), 403, 'permission.denied');
  }
  assertError(await srv.raw('GET', '/api/v1/webhooks'), 401, 'auth.required');
  assert.deepEqual(await snapshot(), before);
});

test('a failed write answers 503 and leaves no subscription and no event', async () => {
  const webhooksOk = await failingTrigger(srv.db, 'webhooks');
  const before = await snapshot();
  const res = await fetch(srv.url('/api/v1/webhooks'), {
    method: 'POST', headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: hookUrl('/fail'), kinds: ['*'] }),
  });
  const text = await res.text();
  assertError({ status: res.status, text, json: JSON.parse(text) }, 503, 'unavailable');
  assert.ok(!text.includes('whsec_'), 'no secret in a failed answer');
  await webhooksOk();
  assert.deepEqual(await snapshot(), before);
  // and no message for it either: a case now reaches no subscription
  const c = await op1.create(caseBody());
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await count(`outbox WHERE case_id = ${c.case.id}`), 0);
});

test('create: the secret once, sealed at rest, never on the chain; list and revoke', async () => {
  const r = await admin.post('/api/v1/webhooks', { url: hookUrl('/county'), kinds: ['case.create'] });
  assert.equal(r.status, 201, r.text);
  const { webhook: w, secret } = r.json;
  assert.match(secret, /^whsec_[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(w).sort(), ['active', 'created_at', 'created_by', 'id', 'kinds', 'org', 'revoked_at', 'url']);
  assert.equal(w.org.code, 'county', 'the caller\'s org by default');
  assert.equal(w.active, true);
  assert.deepEqual(w.kinds, ['case.create']);
  assert.equal(w.created_by.login, 'admin');
  const list = await admin.get('/api/v1/webhooks');
  assert.equal(list.status, 200);
  assert.ok(!list.text.includes(secret) && !list.text.includes('whsec_'), 'the list never shows a secret');
  assert.ok(list.json.items.some((x) => x.id === w.id));
  // sealed in the row: neither the text nor its hex is stored
  const hex = Buffer.from(secret).toString('hex').toUpperCase();
  const sealed = BACKEND === 'postgres'
    ? `strpos(${sqlHex('secret')}, '${hex}') = 0 AND position(convert_to('whsec_', 'UTF8') in secret) = 0`
    : `instr(${sqlHex('secret')}, '${hex}') = 0 AND instr(secret, 'whsec_') = 0`;
  assert.equal(await count(`webhooks WHERE id = ${w.id} AND ${sealed}`), 1);
  // webhook.add on the chain, by the admin, without the secret
  const ev = await admin.get('/api/v1/audit/events?action=webhook.add&order=desc');
  assert.equal(ev.json.items[0].payload.webhook, w.id);
  assert.equal(ev.json.items[0].payload.url, hookUrl('/county'));
  assert.ok(!ev.text.includes(secret.slice(6)), 'no secret on the chain');
  assert.equal(await count(`events WHERE payload LIKE '%${secret.slice(6, 30)}%'`), 0);
  // it delivers, signed with that secret
  const c = await op1.create(caseBody());
  await rx.until(() => at('/county').length === 1, 'the county subscription');
  assert.ok(signatureValid(at('/county')[0], secret));
  // revoke: 200, then 409; nothing more is sent
  const rv = await admin.post(`/api/v1/webhooks/${w.id}/revoke`, {});
  assert.equal(rv.status, 200, rv.text);
  assert.equal(rv.json.webhook.active, false);
  assert.ok(rv.json.webhook.revoked_at);
  assertError(await admin.post(`/api/v1/webhooks/${w.id}/revoke`, {}), 409, 'conflict');
  assertError(await admin.post('/api/v1/webhooks/999999/revoke', {}), 404, 'not_found');
  const revoked = await admin.get('/api/v1/audit/events?action=webhook.revoke&order=desc');
  assert.equal(revoked.json.items[0].payload.webhook, w.id);
  await op1.create(caseBody());
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(at('/county').length, 1, 'a revoked subscription gets nothing more');
  assert.equal(await count(`outbox WHERE target = '${w.id}'`), 1);
  assert.ok(c.case.id);
});

test('scope: a township admin manages only its subtree, and a subscription gets only its subtree\'s cases', async () => {
  // a town.a admin: not for the county (like an unknown org), yes for town.a
  const before = await snapshot();
  assertError(await townAdmin.post('/api/v1/webhooks', { url: hookUrl('/x'), kinds: ['*'], org: 'county' }), 400, 'field.invalid', 'org');
  assertError(await townAdmin.post('/api/v1/webhooks', { url: hookUrl('/x'), kinds: ['*'], org: 'town.b' }), 400, 'field.invalid', 'org');
  assert.deepEqual(await snapshot(), before);
  const ta = await townAdmin.post('/api/v1/webhooks', { url: hookUrl('/town-a'), kinds: ['*'] });
  assert.equal(ta.status, 201, ta.text);
  assert.equal(ta.json.webhook.org.code, 'town.a');
  const cg = await admin.post('/api/v1/webhooks', { url: hookUrl('/dept-cg'), kinds: ['case.create', 'case.dispatch', 'case.sign'], org: 'dept.cg' });
  assert.equal(cg.status, 201, cg.text);
  // the town admin sees its own subscription only; revoking the county's is a 404
  const list = (await townAdmin.get('/api/v1/webhooks')).json.items;
  assert.deepEqual(list.map((x) => x.org.code), ['town.a']);
  assertError(await townAdmin.post(`/api/v1/webhooks/${cg.json.webhook.id}/revoke`, {}), 404, 'not_found');

  const a = await op1.create(caseBody({ org: 'town.a', title: '镇 A 的工单', reporter: { name: '李四', phone: '13712345678', confidential: true } }));
  const b = await op1.create(caseBody({ org: 'town.b', title: '镇 B 的工单' }));
  await rx.until(() => at('/town-a').some((g) => g.json.case.id === a.case.id), 'town.a gets its case');
  // dispatched to dept.cg: the department's subscription gets it from then on
  await disp1.must(b.case.id, 'dispatch', { org: 'dept.cg' });
  await rx.until(() => at('/dept-cg').some((g) => g.json.kind === 'case.dispatch'), 'dept.cg gets the dispatch');
  // the admin reads the confidential reporter: a pii.view on the chain, never sent
  const seen = await admin.get(`/api/v1/cases/${a.case.id}`);
  assert.equal(seen.status, 200);
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(!at('/town-a').some((g) => g.json.case.id === b.case.id), 'town.a never gets town.b\'s case');
  assert.deepEqual(at('/dept-cg').map((g) => [g.json.case.id, g.json.kind]), [[b.case.id, 'case.dispatch']], 'nor dept.cg the creates before it held the case');
  assert.ok(!rx.got.some((g) => g.json && /read|view|list|export/.test(g.json.kind)), 'no record of reading is ever sent');
  assert.ok(!rx.got.some((g) => g.body.includes('13712345678') || g.body.includes('李四')));
  // the queue, for the town admin: its subscription's messages only
  const q = (await townAdmin.get('/api/v1/outbox?limit=200')).json.items;
  assert.ok(q.length >= 1);
  assert.ok(q.every((m) => m.org.code === 'town.a' && m.target === String(ta.json.webhook.id)), JSON.stringify(q.map((m) => m.org)));
  const all = (await admin.get('/api/v1/outbox?limit=200')).json.items;
  assert.ok(all.length > q.length, 'the county admin sees them all');
  const dead = all.find((m) => m.target === String(cg.json.webhook.id));
  assertError(await townAdmin.post(`/api/v1/outbox/${dead.id}/redrive`, {}), 404, 'not_found');
  for (const id of [ta.json.webhook.id, cg.json.webhook.id]) assert.equal((await admin.post(`/api/v1/webhooks/${id}/revoke`, {})).status, 200);
});

test('at most 100 live subscriptions: the 101st is 409 until one is revoked', async () => {
  const live = (await admin.get('/api/v1/webhooks?limit=200')).json.items.filter((x) => x.active).length;
  const made = [];
  for (let i = live; i < 100; i++) {
    const r = await admin.post('/api/v1/webhooks', { url: hookUrl(`/many/${i}`), kinds: ['case.urge'] });
    assert.equal(r.status, 201, r.text);
    made.push(r.json.webhook.id);
  }
  const before = await snapshot();
  assertError(await admin.post('/api/v1/webhooks', { url: hookUrl('/one-more'), kinds: ['case.urge'] }), 409, 'conflict');
  assert.deepEqual(await snapshot(), before);
  assert.equal((await admin.post(`/api/v1/webhooks/${made[0]}/revoke`, {})).status, 200);
  assert.equal((await admin.post('/api/v1/webhooks', { url: hookUrl('/one-more'), kinds: ['case.urge'] })).status, 201);
  // the list pages by cursor through them all
  const p1 = await admin.get('/api/v1/webhooks?limit=60');
  const p2 = await admin.get(`/api/v1/webhooks?limit=60&cursor=${p1.json.next_cursor}`);
  assert.equal(new Set([...p1.json.items, ...p2.json.items].map((x) => x.id)).size, p1.json.items.length + p2.json.items.length);
  assert.ok(p1.json.items.length + p2.json.items.length >= 101);
  for (const q of ['limit=0', 'limit=201', 'cursor=0', 'cursor=-1', 'cursor=%ff', 'limit=99999999999999999999']) assertError(await admin.get(`/api/v1/webhooks?${q}`), 400);
});
