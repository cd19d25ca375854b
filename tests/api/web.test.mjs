// The web UI's files served from / (src/http/web.c, docs/ui.md): security
// headers, caching, the history-mode fallback, no way out of the root, and
// a clear page when the UI is not built. Uses a fake build in a temp dir, so
// it does not depend on whether web/dist exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm, symlink, copyFile, chmod } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startServer, runBin, BIN, cliEnv, atEnd } from './helpers.mjs';

const INDEX = '<!doctype html><html><body><div id="app"></div><script type="module" src="/assets/index-abc123.js"></script></body></html>';
const APPJS = 'console.log("民情闭环");'.repeat(100);

const web = await mkdtemp(path.join(tmpdir(), 'civicloop-web-'));
await mkdir(path.join(web, 'assets'));
await writeFile(path.join(web, 'index.html'), INDEX);
await writeFile(path.join(web, 'assets', 'index-abc123.js'), APPJS);
await writeFile(path.join(web, 'assets', 'index-abc123.js.gz'), gzipSync(APPJS));
await writeFile(path.join(web, 'assets', 'style-x1.css'), 'body{color:red}');
await writeFile(path.join(web, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
await writeFile(path.join(web, '.secret'), 'hidden');
await symlink('/etc/passwd', path.join(web, 'assets', 'link.txt'));
const srv = await startServer({ serveArgs: ['--web', web] });
// a second county served with --web none (the API tests' default)
const bare = await startServer({ cases: false });

atEnd(() => rm(web, { recursive: true, force: true }));

async function get(p, headers = {}, method = 'GET') {
  let res;
  try {
    res = await fetch(srv.url(p), { method, headers, redirect: "manual" });
  } catch (e) {
    throw new Error(`${method} ${p}: ${e.cause}`);
  }
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text: buf.toString('utf8'), buf };
}

function assertSecurityHeaders(r) {
  const csp = r.headers.get('content-security-policy');
  assert.ok(csp, 'a Content-Security-Policy');
  const script = csp.split(';').map((s) => s.trim()).find((s) => s.startsWith('script-src'));
  assert.equal(script, "script-src 'self'", 'scripts only from the server itself: no unsafe-inline, no eval');
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /default-src 'self'/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
}

test('paths that try to leave the root, or name hidden files or symlinks, get the app or 404, never the file', async () => {
  for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fetc%2fpasswd',
    '/.secret', '/assets/.%2e/.secret', '//etc/passwd', '/assets//index-abc123.js']) {
    const r = await get(p);
    assert.ok(r.status === 200 || r.status === 404, `${p} → ${r.status}`);
    assert.ok(!r.text.includes('root:'), `${p} must not reach /etc/passwd`);
    assert.ok(!r.text.includes('hidden'), `${p} must not reach a dot file`);
    if (r.status === 200) assert.equal(r.text, INDEX, `${p} is an app route: index.html`);
  }
  const link = await get('/assets/link.txt');
  assert.equal(link.status, 404, 'a symlink inside the root is not followed');
  assert.ok(!link.text.includes('root:'));
});

test('a missing asset is a 404, not the app (a stale page must not run HTML as a script)', async () => {
  for (const p of ['/assets/index-old999.js', '/assets/gone.css', '/robots.txt', '/assets/sub']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assertSecurityHeaders(r);
  }
});

test('writes to UI paths are not served from the build: the API answers them as unknown routes', async () => {
  const r = await get('/cases/1', {}, 'POST');
  assert.equal(r.status, 404);
  assert.equal(JSON.parse(r.text).error.code, 'route.not_found');
  const api = await get('/api/v1/nope');
  assert.equal(api.status, 404);
  assert.match(api.headers.get('content-type'), /^application\/json/);
  const health = await get('/healthz');
  assert.equal(JSON.parse(health.text).status, 'ok', '/healthz stays the API\'s');
});

test('/ and every app route answer index.html, revalidated on each load, with the security headers', async () => {
  for (const p of ['/', '/login', '/cases/42', '/dashboard?wall=1', '/cases/%E4%B8%AD']) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.equal(r.text, INDEX, p);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.headers.get('cache-control'), 'no-cache', 'index.html is never cached stale');
    assertSecurityHeaders(r);
  }
  const head = await get('/', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
});

test('hashed assets are cached for a year, with their type, and gzip when the client takes it', async () => {
  const plain = await get('/assets/index-abc123.js', { 'Accept-Encoding': 'identity' });
  assert.equal(plain.status, 200);
  assert.equal(plain.text, APPJS);
  assert.equal(plain.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(plain.headers.get('content-encoding'), null);
  assertSecurityHeaders(plain);
  // fetch decodes gzip itself: the body is the script, and the header says gzip was sent
  const gz = await get('/assets/index-abc123.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  assert.equal(gz.text, APPJS);
  assert.match(gz.headers.get('vary') || '', /Accept-Encoding/);
  const css = await get('/assets/style-x1.css');
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  const svg = await get('/favicon.svg');
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
  assert.equal(svg.headers.get('cache-control'), 'no-cache', 'unhashed files are revalidated');
});

test('without a build the UI paths say so in Chinese (503) and the API still works', async () => {
  // a copy of the program with no web/dist beside it and no $CIVICLOOP_WEB
  const bin = await mkdtemp(path.join(tmpdir(), 'civicloop-bin-'));
  await mkdir(path.join(bin, 'build'));
  await copyFile(BIN, path.join(bin, 'build', 'civicloop'));
  await chmod(path.join(bin, 'build', 'civicloop'), 0o755);
  const bareDb = path.join(bin, 'demo.db');
  assert.equal((await runBin(['demo', '--db', bareDb, '--no-cases'])).code, 0);
  const env = { ...process.env };
  delete env.CIVICLOOP_WEB;
  const proc = spawn(path.join(bin, 'build', 'civicloop'), ['serve', '--db', bareDb, '--port', '0'], { env });
  try {
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    const port = await new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/127\.0\.0\.1:(\d+)\//);
        if (m) resolve(Number(m[1]));
      });
      proc.once('exit', (c) => reject(new Error(`serve exited ${c}: ${err}`)));
    });
    // stderr and stdout are separate pipes: the note may arrive after the address
    for (let i = 0; i < 100 && !/未找到网页界面/.test(err); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(err, /未找到网页界面/, 'serve says at start that it serves the API alone');
    const res = await fetch(`http://127.0.0.1:${port}/cases/1`);
    const text = await res.text();
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    assert.match(text, /界面尚未构建/);
    assert.match(text, /make web/);
    const h = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(h.status, 200);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    await rm(bin, { recursive: true, force: true });
  }
});

test('--web none serves the API alone: other paths are its unknown routes', async () => {
  const r = await fetch(bare.url('/cases/1'));
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error.code, 'route.not_found');
});

test('--web naming a directory without index.html, or none at all, stops serve with a message', async () => {
  const empty = await mkdtemp(path.join(tmpdir(), 'civicloop-web-empty-'));
  try {
    for (const dir of [empty, path.join(empty, 'missing')]) {
      const r = await runBin(['serve', '--db', srv.db, '--port', '0', '--web', dir], { env: cliEnv(srv) });
      assert.equal(r.code, 1, `serve --web ${dir} must fail: ${r.stdout}`);
      assert.match(r.stderr, /网页界面目录|无法打开网页界面目录/);
    }
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test('a UI path passes the same encoding checks as the API: invalid UTF-8 is a 400 in the error shape', async () => {
  for (const p of ['/cases/%FF', '/%C0%80', '/login?next=%FF%FE', '/cases/1%00']) {
    const r = await get(p);
    assert.equal(r.status, 400, p);
    assert.equal(JSON.parse(r.text).error.code, 'request.bad_encoding', p);
  }
});
