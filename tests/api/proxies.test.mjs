// The client's address behind a reverse proxy (serve --trusted-proxies,
// src/http/proxies.h, docs/deploy.md "The client's address"): with nginx in
// front every connection comes from nginx, so the per-address limits must
// count the address nginx puts in X-Forwarded-For — and only when the
// connection really is a trusted proxy's, or any client could pick its
// own address and escape the limits.
//
// The per-address sign-in rate (CIVICLOOP_LOGIN_RATE, 3 here) shows which
// address a request counted against. Every test's connections come from
// 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runBin, cliEnv, assertError, PASSWORD } from './helpers.mjs';

const RATE = { CIVICLOOP_LOGIN_RATE: '3' };

/** A sign-in as op1 with an X-Forwarded-For header (none when xff is null). */
async function loginFrom(srv, xff, password = PASSWORD) {
  const headers = { 'Content-Type': 'application/json' };
  if (xff !== null) headers['X-Forwarded-For'] = xff;
  return srv.raw('POST', '/api/v1/auth/login', { headers, body: JSON.stringify({ login: 'op1', password }) });
}

/** Spends the per-address rate of xff (three sign-ins), then checks the next is refused. */
async function spend(srv, xff) {
  for (let i = 0; i < 3; i++) assert.equal((await loginFrom(srv, xff)).status, 200, `sign-in ${i + 1} from ${xff}`);
  const r = await loginFrom(srv, xff);
  assertError(r, 429, 'auth.throttled');
  assert.match(r.json.error.message, /过于频繁/);
}

test('behind a trusted proxy each client has its own limits: one spent address does not block another', async () => {
  const srv = await startServer({ cases: false, env: { ...RATE, CIVICLOOP_TRUSTED_PROXIES: '127.0.0.1' } });
  await spend(srv, '203.0.113.7');
  assert.equal((await loginFrom(srv, '198.51.100.9')).status, 200, 'another client still signs in');
  // the same client through a second proxy hop of the trusted set is still that client
  assertError(await loginFrom(srv, '203.0.113.7, 127.0.0.1'), 429, 'auth.throttled');
  // what a client writes at the left of the header does not change who it is
  assertError(await loginFrom(srv, '198.51.100.9, 203.0.113.7'), 429, 'auth.throttled');
  // IPv6 clients, written two ways, are one client
  await spend(srv, '2001:db8::1');
  assertError(await loginFrom(srv, '2001:DB8:0:0::1'), 429, 'auth.throttled');
  // no header: the proxy's own address, which has its own count
  assert.equal((await loginFrom(srv, null)).status, 200);
});

test('hostile X-Forwarded-For values are not addresses: the request counts as the proxy\'s own', async () => {
  const srv = await startServer({ cases: false, env: { ...RATE, CIVICLOOP_TRUSTED_PROXIES: '127.0.0.1' } });
  // three spend the proxy's own count, the rest are refused on it
  for (const v of ['not-an-ip', '203.0.113.7:8080', '%FF%FE']) {
    const r = await loginFrom(srv, v);
    assert.equal(r.status, 200, `${v} → ${r.status} ${r.text}`);
  }
  for (const v of ['\u00e4\u00bd', 'x'.repeat(1500), ', , ,', '203.0.113.7 junk']) {
    assertError(await loginFrom(srv, v), 429, 'auth.throttled');
  }
  assert.equal((await loginFrom(srv, '203.0.113.50')).status, 200, 'a real client is still its own');
  // a header longer than the walk keeps (2 KiB) still yields its rightmost client
  const long = `${Array.from({ length: 400 }, (_, i) => `10.${i % 250}.0.1`).join(', ')}, 203.0.113.51`;
  assert.equal((await loginFrom(srv, long)).status, 200);
  assert.equal((await srv.raw('GET', '/healthz')).status, 200, 'the server is up');
});

test('without trusted proxies, or from an address not trusted, X-Forwarded-For is never read', async () => {
  for (const env of [RATE, { ...RATE, CIVICLOOP_TRUSTED_PROXIES: '10.0.0.0/8, ::2' }]) {
    const srv = await startServer({ cases: false, env });
    await spend(srv, '203.0.113.7');
    // another header value changes nothing: the connection's address is spent
    assertError(await loginFrom(srv, '198.51.100.9'), 429, 'auth.throttled');
  }
});

test('a wrong --trusted-proxies stops the start with status 2 and says which entry', async () => {
  const srv = await startServer({ cases: false });
  for (const [args, env] of [
    [['--trusted-proxies', '127.0.0.1,localhost'], {}],
    [[], { CIVICLOOP_TRUSTED_PROXIES: '10.0.0.0/40' }],
    [['--trusted-proxies', '\u4f60\u597d'], {}],
  ]) {
    const r = await runBin(['serve', '--db', srv.db, '--port', '0', '--web', 'none', ...args],
      { env: { ...cliEnv(srv), ...env } });
    assert.equal(r.code, 2, `${JSON.stringify(args)} ${JSON.stringify(env)}: ${r.stderr}`);
    assert.match(r.stderr, /可信代理第 \d 项不是 IP 地址或 CIDR 网段/);
    assert.doesNotMatch(r.stderr, /localhost|你好/, 'the entry is not echoed');
  }
});
