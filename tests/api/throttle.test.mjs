// Login throttling under concurrency (issue 7 "Trust"): an attempt reserves
// its slot before the password is checked, so parallel attempts cannot
// overrun the limits; a per-address rate on every attempt; and a bounded
// queue for Argon2id that answers 503 at once when full.
//
// Each test starts its own server: the per-address counters it spends would
// otherwise block the next test from 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, PASSWORD } from './helpers.mjs';

/** Starts a server with extra environment variables (this process's env is restored after). */
async function serverWith(env) {
  const saved = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    return await startServer({ cases: false });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** POSTs the logins in parallel; returns the responses (no 5xx check: 503 is an answer here). */
async function parallelLogins(srv, pairs) {
  return Promise.all(
    pairs.map(async ([login, password]) => {
      const res = await fetch(srv.url('/api/v1/auth/login'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login, password }),
      });
      const text = await res.text();
      return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
    }),
  );
}

const tally = (rs) => rs.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] || 0) + 1 }), {});

test('20 parallel wrong passwords for one account: at most 5 are checked (401), the rest 429', async () => {
  const srv = await startServer({ cases: false });
  const rs = await parallelLogins(srv, Array.from({ length: 20 }, (_, i) => ['rs1', `wrong-${i}`]));
  const t = tally(rs);
  assert.ok((t[401] || 0) <= 5, `at most 5 checked: ${JSON.stringify(t)}`);
  assert.equal((t[401] || 0) + (t[429] || 0), 20, JSON.stringify(t));
  assert.equal(t[401], 5, `the five allowed were checked: ${JSON.stringify(t)}`);
  for (const r of rs.filter((x) => x.status === 429)) assertError(r, 429, 'auth.throttled');
  // the account stays locked, even with the right password; another account does not
  assertError(await srv.loginRaw('rs1', PASSWORD), 429, 'auth.throttled');
  assert.equal((await srv.loginRaw('sl1')).status, 200);
});

test('40 parallel wrong passwords from one address over different logins: at most 30 are checked', async () => {
  // a queue long enough for all 30, so only the throttle decides
  const srv = await serverWith({ CIVICLOOP_HASH_QUEUE: '64' });
  const logins = ['op1', 'disp1', 'sup1', 'cg1', 'sl1', 'rs1', 'town1', 'town2', 'grid1', 'med1'];
  const pairs = Array.from({ length: 40 }, (_, i) => [i < 20 ? logins[i % 10] : `ghost${i}`, `wrong-${i}`]);
  const rs = await parallelLogins(srv, pairs);
  const t = tally(rs);
  assert.ok((t[401] || 0) <= 30, `at most 30 checked: ${JSON.stringify(t)}`);
  assert.equal(t[401], 30, JSON.stringify(t));
  assert.equal(t[429], 10, JSON.stringify(t));
  // the address is now spent for every account
  const r = await srv.loginRaw('leader1');
  assertError(r, 429, 'auth.throttled');
  assert.match(r.json.error.message, /失败次数过多/);
});

test('a successful sign-in gives its slot back and forgives the account\'s failures', async () => {
  const srv = await startServer({ cases: false });
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 4; i++) assertError(await srv.loginRaw('cg1', `wrong-${round}-${i}`), 401);
    assert.equal((await srv.loginRaw('cg1')).status, 200, `round ${round}: the fifth slot signs in`);
  }
  // five at once take the five slots and all succeed; none is left counted
  const t = tally(await parallelLogins(srv, Array.from({ length: 5 }, () => ['cg1', PASSWORD])));
  assert.equal(t[200], 5, JSON.stringify(t));
  for (let i = 0; i < 4; i++) assertError(await srv.loginRaw('cg1', `wrong-x-${i}`), 401);
  assert.equal((await srv.loginRaw('cg1')).status, 200);
});

test('every sign-in counts against the per-address rate (CIVICLOOP_LOGIN_RATE), 429 past it', async () => {
  const srv = await serverWith({ CIVICLOOP_LOGIN_RATE: '5' });
  for (let i = 0; i < 5; i++) assert.equal((await srv.loginRaw(['op1', 'disp1', 'cg1'][i % 3])).status, 200);
  const r = await srv.loginRaw('sup1');
  assertError(r, 429, 'auth.throttled');
  assert.match(r.json.error.message, /过于频繁/);
});

test('when too many wait for Argon2id the answer is 503 at once, in the error shape, and costs no attempt', async () => {
  const srv = await serverWith({ CIVICLOOP_HASH_WORKERS: '1', CIVICLOOP_HASH_QUEUE: '1' });
  const logins = ['op1', 'disp1', 'sup1', 'cg1', 'sl1', 'rs1', 'town1', 'town2', 'grid1', 'med1'];
  const t0 = Date.now();
  const rs = await parallelLogins(srv, logins.map((l) => [l, PASSWORD]));
  const t = tally(rs);
  assert.ok(t[503] >= 1, `some refused: ${JSON.stringify(t)}`);
  assert.ok(t[200] >= 1, `the first is checked: ${JSON.stringify(t)}`);
  assert.equal((t[200] || 0) + (t[503] || 0), 10, JSON.stringify(t));
  for (const r of rs.filter((x) => x.status === 503)) {
    assert.equal(r.json.error.code, 'unavailable');
    assert.match(r.json.error.message, /繁忙|正忙/);
  }
  assert.ok(Date.now() - t0 < 5000, 'nobody waited long');
  // a refused attempt was not counted as a failure: each of them signs in now
  for (const [i, r] of rs.entries()) {
    if (r.status === 503) assert.equal((await srv.loginRaw(logins[i])).status, 200, logins[i]);
  }
});

test('/healthz answers while logins are being hashed', async () => {
  const srv = await serverWith({ CIVICLOOP_HASH_WORKERS: '1', CIVICLOOP_HASH_QUEUE: '64' });
  const logins = ['op1', 'disp1', 'sup1', 'cg1', 'sl1', 'rs1', 'town1', 'town2', 'grid1', 'med1'];
  const flood = parallelLogins(srv, [...logins, ...logins].map((l) => [l, PASSWORD])); // ≈ 20 × 60 ms of hashing
  await new Promise((r) => setTimeout(r, 100));
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = await fetch(srv.url('/healthz'));
    await r.text();
    times.push(performance.now() - t0);
  }
  const t = tally(await flood);
  assert.equal(t[200], 20, JSON.stringify(t));
  times.sort((a, b) => a - b);
  assert.ok(times[2] < 250, `/healthz median ${times[2].toFixed(1)} ms while hashing`);
});
