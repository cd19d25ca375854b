// The outbox's OpenAPI fragments (src/api/openapi/{webhooks,outbox}.json)
// tell the truth: every path and method they name is in the route table,
// every route of the table under /api/v1/webhooks and /api/v1/outbox has
// its entry, and real answers of each route, and a real webhook payload,
// are valid against the schemas documented (Ajv, JSON Schema 2020-12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, caseBody, REPO } from './helpers.mjs';
import { startReceiver } from './outbox_receiver.mjs';
import { Ajv2020, addFormats } from './webdeps.mjs';

const dir = path.join(REPO, 'src', 'api', 'openapi');
const read = (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
const fragments = [read('webhooks.json'), read('outbox.json')];
// the shared schemas of openapi-core's _common.json, or (before it is
// merged) the few this part refers to, as _common.json defines them
const common = existsSync(path.join(dir, '_common.json')) ? read('_common.json') : {
  components: { schemas: {
    Timestamp: { type: 'string', format: 'date-time' },
    NextCursor: { type: ['string', 'null'] },
  } },
};
const doc = { $id: 'https://civicloop.invalid/oa', paths: {}, components: { schemas: { ...common.components.schemas } } };
for (const f of fragments) {
  Object.assign(doc.paths, f.paths);
  for (const [k, v] of Object.entries(f.components.schemas)) {
    assert.ok(!(k in doc.components.schemas), `schema ${k} is defined once`);
    doc.components.schemas[k] = v;
  }
}
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc);
const ptr = (...parts) => parts.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
function conforms(r, method, route, status) {
  assert.equal(r.status, status, `${method} ${route}: ${r.text.slice(0, 300)}`);
  const v = ajv.compile({ $ref: `https://civicloop.invalid/oa#/${ptr('paths', route, method.toLowerCase(), 'responses', status, 'content', 'application/json', 'schema')}` });
  assert.ok(v(r.json), `${method} ${route} ${status}: ${JSON.stringify(v.errors).slice(0, 1200)}\n${r.text.slice(0, 600)}`);
}

const rx = await startReceiver();
const srv = await startServer({ cases: false, env: { CIVICLOOP_OUTBOX_BACKOFF_MS: '100', CIVICLOOP_OUTBOX_MAX_ATTEMPTS: '1' } });
const admin = await srv.login('admin');

test('the fragments name exactly the route table\'s webhook and outbox routes', async () => {
  const served = (await srv.raw('GET', '/api/openapi.json')).json.paths;
  const mine = Object.entries(served).filter(([p]) => /^\/api\/v1\/(webhooks|outbox)(\/|$)/.test(p))
    .flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`)).sort();
  const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`)).sort();
  assert.deepEqual(documented, mine);
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      for (const k of ['summary', 'security', 'x-auth', 'x-permission']) assert.ok(!(k in op), `${m} ${p}: ${k} comes from the route table`);
      for (const s of ['401', '503']) assert.ok(!(s in op.responses), `${m} ${p}: ${s} is added by the assembly`);
    }
  }
});

test('real answers and a real payload fit their schemas', async () => {
  const made = await admin.post('/api/v1/webhooks', { url: rx.url, kinds: ['case.create'] });
  conforms(made, 'POST', '/api/v1/webhooks', 201);
  conforms(await admin.get('/api/v1/webhooks'), 'GET', '/api/v1/webhooks', 200);
  const op1 = await srv.login('op1');
  rx.answer = () => 500; // one attempt: dead
  const c = await op1.create(caseBody());
  const [g] = await rx.until((got) => got.length === 1, 'the payload');
  const payload = ajv.compile({ $ref: 'https://civicloop.invalid/oa#/components/schemas/WebhookPayload' });
  assert.ok(payload(g.json), JSON.stringify(payload.errors));
  let dead;
  for (let i = 0; i < 100 && !dead; i++) {
    dead = (await admin.get('/api/v1/outbox?state=dead')).json.items[0];
    if (!dead) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(dead.case.id, c.case.id);
  conforms(await admin.get('/api/v1/outbox?state=dead'), 'GET', '/api/v1/outbox', 200);
  conforms(await admin.get('/api/v1/outbox/summary'), 'GET', '/api/v1/outbox/summary', 200);
  rx.answer = () => 200;
  conforms(await admin.post(`/api/v1/outbox/${dead.id}/redrive`, {}), 'POST', '/api/v1/outbox/{id}/redrive', 200);
  conforms(await admin.post(`/api/v1/webhooks/${made.json.webhook.id}/revoke`, {}), 'POST', '/api/v1/webhooks/{id}/revoke', 200);
  conforms(await admin.get('/api/v1/outbox'), 'GET', '/api/v1/outbox', 200);
});
