// End-to-end harness: a real `civicloop serve` on a fresh demo county with
// the built UI (web/dist), driven in Debian's Chromium by playwright-core.
// Screenshots and first-screen timings go to web/test-results/ (not
// committed). docs/ui.md says how to run and read them.
import { deflateSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(WEB, '..');
export const BIN = process.env.CIVICLOOP_BIN || path.join(REPO, 'build', 'civicloop');
export const ARTIFACTS = path.join(WEB, 'test-results');
export const PASSWORD = 'Demo#2024';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function run(args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { env: { ...process.env, ...env } });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

// A server on a fresh demo county; {base, dir, db, stop()}.
export async function startServer({ env = {} } = {}) {
  assert.ok(existsSync(path.join(WEB, 'dist', 'index.html')), 'web/dist is built (make web)');
  const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-e2e-'));
  const db = path.join(dir, 'demo.db');
  const demo = await run(['demo', '--db', db], env);
  assert.equal(demo.code, 0, demo.err);
  const proc = spawn(BIN, ['serve', '--db', db, '--port', '0', '--web', path.join(WEB, 'dist')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('server did not start: ' + out + stderr)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (c) => reject(new Error(`server exited (${c}): ${stderr}`)));
  });
  const exited = new Promise((r) => proc.once('exit', r));
  return {
    base: `http://127.0.0.1:${port}`,
    dir,
    db,
    get stderr() {
      return stderr;
    },
    // One call as `login` with a bearer token (kept per login; a 401 signs in again).
    tokens: new Map(),
    async token(login, fresh = false) {
      if (fresh || !this.tokens.has(login)) {
        const l = await fetch(this.base + '/api/v1/auth/login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ login, password: PASSWORD }),
        });
        const { token } = await l.json();
        this.tokens.set(login, token);
      }
      return this.tokens.get(login);
    },
    async api(login, method, p, body) {
      const call = async (token) => fetch(this.base + p, {
        method,
        headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let r = await call(await this.token(login));
      if (r.status === 401) r = await call(await this.token(login, true));
      const text = await r.text();
      return { status: r.status, json: text ? JSON.parse(text) : null, headers: r.headers };
    },
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
}

// A page that fails the test on any script error or CSP violation, and
// refuses every request that leaves the server (no CDN, no tiles).
export async function newPage(browser, srv, { width = 1366, height = 768, mobile = false } = {}) {
  const ctx = await browser.newContext({ viewport: { width, height }, isMobile: mobile, hasTouch: mobile, locale: 'zh-CN', acceptDownloads: true });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  page.problems = [];
  page.outside = [];
  page.on('pageerror', (e) => page.problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) page.problems.push('csp: ' + m.text());
  });
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(srv.base) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    page.outside.push(u);
    return route.abort();
  });
  return page;
}

export function assertClean(page) {
  assert.deepEqual(page.problems, [], 'no script errors or CSP violations');
  assert.deepEqual(page.outside, [], 'no request leaves the server');
}

// The text box behind a data-test name: Element Plus puts attributes of
// <el-input> on its inner <input> (or <textarea>).
export function field(page, name) {
  return page
    .locator(`input[data-test="${name}"], textarea[data-test="${name}"], [data-test="${name}"] input, [data-test="${name}"] textarea`)
    .first();
}

export async function signIn(page, srv, login) {
  await page.goto(srv.base + '/login');
  await field(page, 'login').fill(login);
  await field(page, 'password').fill(PASSWORD);
  await page.locator('[data-test=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

export async function signOut(page) {
  await page.locator('[data-test=logout]').click();
  await page.waitForURL((u) => u.pathname.startsWith('/login'));
  await page.waitForLoadState();
  // the page left does not send the next person back to it (it did: the
  // grid centre's queue wrote its tab back as the session ended, and the
  // router made that /login?next=/dispatch?tab=grid_dispatch)
  assert.equal(new URL(page.url()).search, '', `signed out to ${page.url()}`);
}

export async function shot(page, name) {
  await mkdir(path.join(ARTIFACTS, 'screenshots'), { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'screenshots', name + '.png'), fullPage: false, animations: 'disabled' });
}

// The first screen's time: navigation start to the moment `ready` (a
// selector of the page's main content) is visible, from the browser's own
// clock. Kept in test-results/timings.json for the report.
export async function timeFirstScreen(page, url, ready, label) {
  await page.goto(url);
  await page.locator(ready).first().waitFor({ state: 'visible', timeout: 15000 });
  const ms = await page.evaluate(() => performance.now());
  const file = path.join(ARTIFACTS, 'timings.json');
  await mkdir(ARTIFACTS, { recursive: true });
  let all = {};
  try {
    all = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    /* first entry */
  }
  all[label] = Math.round(ms);
  await writeFile(file, JSON.stringify(all, null, 2));
  return ms;
}

// ---- helpers shared by the suites (hotline, privacy, export, forms, screens)

// Poll `fn` until it resolves truthy; fails with `what` after `timeout` ms.
export async function waitFor(fn, what = 'condition', timeout = 10000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A case by its number, as `login` sees it in full (GET /api/v1/cases/{id}).
export async function caseByNo(srv, login, no) {
  const list = await srv.api(login, 'GET', '/api/v1/cases?q=' + encodeURIComponent(no));
  assert.equal(list.status, 200, 'the case list answers');
  const hit = (list.json.items || []).find((c) => c.no === no);
  assert.ok(hit, `case ${no} is in ${login}'s list`);
  const r = await srv.api(login, 'GET', '/api/v1/cases/' + hit.id);
  assert.equal(r.status, 200);
  return r.json.case;
}

// The list row of a case (CaseTable marks each <tr> with data-case-no).
export function rowOf(page, no) {
  return page.locator(`tr[data-test=case-row][data-case-no="${no}"]`);
}

// A dashboard KPI card once the stats are in (受理量 shows a number): {value, sub}.
export async function kpiValue(page, key) {
  await page.waitForFunction(() => {
    const v = document.querySelector('[data-test="kpi-received"] .kpi-value');
    return v && /\d/.test(v.textContent);
  }, null, { timeout: 15000 });
  const card = page.locator(`[data-test="kpi-${key}"]`);
  return {
    value: (await card.locator('.kpi-value').innerText()).trim(),
    sub: (await card.locator('.kpi-sub').innerText()).trim(),
  };
}

// Pick an option of an el-select by its visible text: open the select (its
// data-test wrapper), type to filter when it is filterable, click the option
// in the open dropdown. A multiple select stays open after a pick: Escape
// closes it (the select takes the key; a dialog behind stays open).
// The dashboard's way of writing a rate (web/src/components/rates/format.js).
export const ratePct = (x) => (x === null || x === undefined ? '—' : (x * 100).toFixed(1).replace(/\.0$/, '') + '%');

// The period the dashboard shows ("受理时间 2026-11-03 至 2026-12-02").
export async function shownPeriod(page) {
  const t = await page.locator('[data-test=period-label]').innerText();
  const m = t.match(/(\d{4}-\d{2}-\d{2}) 至 (\d{4}-\d{2}-\d{2})/);
  assert.ok(m, 'the period is shown: ' + t);
  return { from: m[1], to: m[2] };
}

export async function selectOption(page, select, text, { exact = false, multiple = false } = {}) {
  await select.click();
  const input = select.locator('input').first();
  if (await input.isEditable().catch(() => false)) await input.fill(text);
  const opt = page.locator('.el-select-dropdown__item:visible').filter({ hasText: exact ? new RegExp('^\\s*' + text + '\\s*$') : text }).first();
  await opt.click();
  if (multiple) {
    // Element Plus's first Escape clears the filter it kept, the next closes
    for (let i = 0; i < 3 && (await input.getAttribute('aria-expanded')) === 'true'; i++) {
      await input.press('Escape');
      await page.waitForTimeout(150);
    }
  }
  // on a busy machine a click can land while the list is still settling
  // and take no effect (seen in a full run: the option stayed open, hovered):
  // click again, at most twice, before giving up
  for (let i = 0; ; i++) {
    try {
      await opt.waitFor({ state: 'hidden', timeout: i < 2 ? 3000 : 10000 });
      return;
    } catch (e) {
      if (i >= 2 || multiple) throw e;
      await opt.click().catch(() => {});
    }
  }
}

/** A real 8×8 PNG of one colour, so a browser can draw it (a photo to upload). */
export function pngBytes(rgb = [220, 38, 38]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.concat(Array.from({ length: 8 }, () => Buffer.concat([Buffer.from([0]), Buffer.from(Array(8).fill(rgb).flat())])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
