// GET /api/openapi.json: a valid OpenAPI 3.1 document (checked by
// @seriousme/openapi-schema-validator), the same as `civicloop openapi`,
// describing every route of the route table with responses of its own, and
// real answers of a dozen routes valid against the schemas it documents for
// their status (Ajv, JSON Schema 2020-12). Also the status log the coverage
// check reads (serve --status-log): one line per answer, by route pattern.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, runBin, assertError, cliEnv } from './helpers.mjs';
import { Ajv2020, addFormats, OpenApiValidator } from './webdeps.mjs';

const srv = await startServer();
const doc = (await srv.raw('GET', '/api/openapi.json')).json;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...doc, $id: 'doc' });

// the fragment's schema for (method, path, status), its $refs into the document
const compiled = new Map();
function responseSchema(method, p, status) {
  const key = `${method} ${p} ${status}`;
  if (compiled.has(key)) return compiled.get(key);
  const op = doc.paths[p]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${p} is in the description`);
  let resp = op.responses?.[String(status)];
  assert.ok(resp, `${method} ${p} documents ${status}`);
  if (resp.$ref) resp = doc.components.responses[resp.$ref.split('/').pop()];
  const schema = resp.content?.['application/json']?.schema;
  assert.ok(schema, `${method} ${p} ${status} has a JSON schema`);
  const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
  const validate = ajv.compile({ $id: `resp${compiled.size}`, ...rebased });
  compiled.set(key, validate);
  return validate;
}

/** Asserts the answer r of `method path` is valid against its documented schema. */
function conforms(r, method, p) {
  const validate = responseSchema(method, p, r.status);
  const ok = validate(r.json);
  assert.ok(ok, `${method} ${p} ${r.status} does not match its schema: ${ajv.errorsText(validate.errors)}\n${r.text.slice(0, 400)}`);
}

test('the document is valid OpenAPI 3.1 and is what `civicloop openapi` prints', async () => {
  assert.equal(doc.openapi, '3.1.0');
  const v = new OpenApiValidator();
  const res = await v.validate(doc);
  assert.equal(v.version, '3.1');
  assert.deepEqual(res, { valid: true }, JSON.stringify(res.errors)?.slice(0, 2000));
  const cli = await runBin(['openapi']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout), doc);
});

test('every route has responses of its own beyond the automatic 401 and 503', () => {
  const bare = [];
  let n = 0;
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      n++;
      assert.ok(['none', 'user'].includes(op['x-auth']), `${m} ${p}: x-auth`);
      assert.equal(typeof op.summary, 'string');
      const own = Object.keys(op.responses || {}).filter((s) => {
        if (s === '401' && op['x-auth'] === 'user') return false;
        if (s === '503' && (op['x-auth'] === 'user' || m !== 'get')) return false;
        return true;
      });
      if (own.length === 0) bare.push(`${m.toUpperCase()} ${p}`);
      if (op['x-auth'] === 'user') {
        assert.ok(op.responses['401'] && op.responses['503'], `${m} ${p}: the automatic 401 and 503`);
        assert.ok(Array.isArray(op.security) && op.security.length === 3, `${m} ${p}: security`);
      } else {
        assert.equal(op.security, undefined, `${m} ${p} needs no sign-in`);
      }
    }
  }
  assert.ok(n >= 90, `only ${n} operations`);
  assert.deepEqual(bare, [], `routes without a fragment entry (src/api/openapi/*.json):\n${bare.join('\n')}`);
});

test('an error answer has the documented Error shape', async () => {
  const r = await srv.raw('GET', '/api/v1/auth/me');
  assertError(r, 401, 'auth.required');
  conforms(r, 'GET', '/api/v1/auth/me');
  const bad = await srv.raw('POST', '/api/v1/auth/login', {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: 'Demo#2024', extra: 'x' }),
  });
  assertError(bad, 400, 'field.unknown');
  conforms(bad, 'POST', '/api/v1/auth/login');
  const track = await srv.raw('GET', '/api/v1/public/track?no=RX00000000000000&phone_tail=0000');
  assertError(track, 404);
  conforms(track, 'GET', '/api/v1/public/track');
});

test('real answers across resources match their documented schemas', async () => {
  const login = await srv.loginRaw('op1');
  assert.equal(login.status, 200);
  conforms(login, 'POST', '/api/v1/auth/login');
  const op1 = await srv.login('op1');
  const admin = await srv.login('admin');

  const get = async (c, url, pattern = url.split('?')[0]) => {
    const r = await c.get(url);
    assert.equal(r.status, 200, `${url}: ${r.text.slice(0, 300)}`);
    conforms(r, 'GET', pattern);
    return r;
  };
  await get(op1, '/api/v1/auth/me');
  await get(op1, '/api/v1/types');
  await get(op1, '/api/v1/types/hotline', '/api/v1/types/{type}');
  const orgs = await get(admin, '/api/v1/orgs');
  await get(admin, `/api/v1/orgs/${orgs.json.items[0].id}`, '/api/v1/orgs/{id}');
  await get(admin, '/api/v1/orgs?q=%E9%95%87&limit=5', '/api/v1/orgs');
  await get(srv.client(null), '/api/v1/calendar?from=2026-10-01&to=2026-10-08');
  await get(srv.client(null), '/api/v1/keys');
  await get(srv.client(null), '/api/v1/public/topics');
  await get(srv.client(null), '/healthz');

  const created = await op1.post('/api/v1/cases', {
    type: 'hotline',
    class: '投诉',
    channel: 'phone',
    title: '小区门口路灯不亮',
    description: '东门社区门口三盏路灯连续一周不亮。',
    reporter: { name: '王女士', phone: '13800138000' },
    location: { address: '濂江镇东门社区' },
  });
  assert.equal(created.status, 201, created.text);
  conforms(created, 'POST', '/api/v1/cases');
  const id = created.json.case.id;
  await get(op1, `/api/v1/cases/${id}`, '/api/v1/cases/{id}');
  await get(op1, `/api/v1/cases/${id}/events`, '/api/v1/cases/{id}/events');
  await get(op1, `/api/v1/cases/${id}/attachments`, '/api/v1/cases/{id}/attachments');
  await get(op1, '/api/v1/cases?limit=5');
  await get(op1, '/api/v1/cases?type=hotline&sort=due&with=actions&limit=3', '/api/v1/cases');
  await get(op1, '/api/v1/search?q=%E8%B7%AF%E7%81%AF');
  await get(op1, '/api/v1/callers?phone=13800138000');
  await get(admin, '/api/v1/stats/hotline', '/api/v1/stats/{type}');
  await get(admin, '/api/v1/users?limit=5');
  await get(admin, '/api/v1/topics');
  const town = await srv.login('town1');
  await get(town, '/api/v1/notices?limit=5');

  const hints = await op1.post('/api/v1/cases/hints', { type: 'hotline', title: '路灯', reporter: { phone: '13800138000' } });
  assert.equal(hints.status, 200, hints.text);
  conforms(hints, 'POST', '/api/v1/cases/hints');
});

test('serve --status-log appends METHOD PATTERN STATUS per answer, by route pattern', async () => {
  const log = path.join(srv.dir, 'status.log');
  const own = await startServer({ serveArgs: ['--status-log', log] });
  await own.raw('GET', '/api/v1/cases/12345');
  await own.raw('GET', '/api/v1/no-such-route');
  await own.raw('DELETE', '/healthz');
  const op1 = await own.login('op1');
  await op1.get('/api/v1/cases/999999');
  await own.stop();
  const lines = (await readFile(log, 'utf8')).trim().split('\n');
  assert.ok(lines.includes('GET /api/v1/cases/{id} 401'), lines.join('\n'));
  assert.ok(lines.includes('GET /api/v1/cases/{id} 404'), lines.join('\n'));
  assert.ok(lines.includes('POST /api/v1/auth/login 200'), lines.join('\n'));
  assert.ok(lines.includes('GET - 404'), 'an unknown route is logged without a pattern');
  assert.ok(lines.includes('DELETE - 405'), 'a method no route has');
  assert.ok(lines.every((l) => /^[A-Z]+ \S+ \d{3}$/.test(l)), lines.join('\n'));
  assert.ok(!lines.some((l) => l.includes('12345') || l.includes('999999')), 'never the raw URL');
});

test('a status log that cannot be opened stops serve with a message', async () => {
  const r = await runBin(['serve', '--db', srv.db, '--port', '0', '--web', 'none', '--status-log', '/nonexistent-dir/x.log'], { env: cliEnv(srv) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /无法打开状态日志/);
});
