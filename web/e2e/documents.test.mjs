// Signed documents (docs/documents.md) in the browser, on the demo county
// with the test type `letter` (tests/data/types/letter.json), which issues an
// 电子公函 when its action `issue` runs: town1 (濂江镇) issues one, finds it
// on the case, opens the printable A4 view, and the QR in a screenshot of
// the printed page is decoded (zbarimg, Debian's zbar-tools) back to the
// verify URL; anyone opens that URL on a phone without signing in and reads
// 真实有效 with the facts; a tampered code pasted into /verify reads 签名无效
// and a scrap of text 无法识别; the admin revokes the letter from its print
// view and the public page then reads 已撤销 with when and why.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { startServer, launch, newPage, signIn, assertClean, shot, field, waitFor, REPO, ARTIFACTS } from './harness.mjs';
import { makeConfig } from '../../tests/api/helpers.mjs';

const config = await makeConfig([path.join(REPO, 'tests', 'data', 'types', 'letter.json')]);
const srv = await startServer({ env: { CIVICLOOP_CONFIG: config } });
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const zbar = (file) => new Promise((resolve) => {
  execFile('zbarimg', ['-q', '--raw', file], { encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
});

const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const plusDays = (d, n) => new Date(Date.parse(d + 'T00:00:00Z') + n * 86400e3).toISOString().slice(0, 10);

let letter; // {caseId, doc}

test('town1 issues an 电子公函, prints it on A4, and the printed QR decodes to the verify URL', async () => {
  const created = await srv.api('town1', 'POST', '/api/v1/cases', { type: 'letter', class: '一般', channel: 'township',
    title: '赴城管局学习数字城管经验', description: '商请接待本镇学习考察人员。', org: 'town.a' });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const caseId = created.json.case.id;
  const act = await srv.api('town1', 'POST', `/api/v1/cases/${caseId}/actions/issue`,
    { purpose: '学习数字城管平台建设经验', people: 4, until: plusDays(today(), 10), host: '濂江县城市管理局' });
  assert.equal(act.status, 200, JSON.stringify(act.json));

  const page = await newPage(browser, srv);
  await signIn(page, srv, 'town1');
  await page.goto(`${srv.base}/cases/${caseId}`);
  const card = page.locator('[data-test=case-documents]');
  await card.waitFor();
  assert.match(await card.innerText(), /电子公函\s*GH\d{8}-\d{4}\s*有效/);
  await shot(page, 'documents-1-case');
  await card.locator('[data-test=case-document-print]').click();
  await page.waitForURL((u) => /^\/documents\/\d+\/print$/.test(u.pathname));
  const sheet = page.locator('[data-test=doc-sheet]');
  await sheet.waitFor();
  assert.equal(await page.locator('[data-test=doc-title]').innerText(), '电子公函');
  assert.match(await page.locator('[data-test=doc-number]').innerText(), /^GH\d{8}-\d{4}$/);
  assert.equal(await page.locator('[data-test=doc-issuer]').innerText(), '濂江镇');
  const facts = await page.locator('[data-test=doc-facts]').innerText();
  assert.match(facts, /事由\s*学习数字城管平台建设经验/);
  assert.match(facts, /人数\s*4/);
  assert.match(facts, /接待单位\s*濂江县城市管理局/);
  assert.match(facts, /经办人\s*廖海波/);
  assert.match(facts, /有效期至/);
  assert.equal(await page.locator('[data-test=doc-revoke]').count(), 0, 'a handler cannot revoke');
  await page.locator('[data-test=doc-qr]').evaluate((img) => img.complete || new Promise((r) => (img.onload = r)));
  assert.ok(await page.locator('[data-test=doc-qr]').evaluate((img) => img.naturalWidth > 0), 'the QR loaded');
  await shot(page, 'documents-2-print-screen');

  // the page as printed: print media, A4 at 96 dpi (794 × 1123 CSS px)
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.emulateMedia({ media: 'print' });
  const printed = path.join(ARTIFACTS, 'screenshots', 'documents-3-print-a4.png');
  await page.screenshot({ path: printed, fullPage: true });
  assert.equal(await page.locator('.toolbar').isVisible(), false, 'the toolbar is not printed');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  assert.ok(pdf.length > 10000 && pdf.subarray(0, 5).toString() === '%PDF-', 'print to PDF');
  const z = await zbar(printed);
  assert.equal(z.code, 0, 'zbarimg found the QR: ' + z.stderr);
  const url = z.stdout.trim();
  assert.match(url, /^\/v\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
  const docs = await srv.api('town1', 'GET', `/api/v1/cases/${caseId}/documents`);
  assert.equal(url, docs.json.items[0].verify_url);
  letter = { caseId, doc: docs.json.items[0], url };
  assertClean(page);
});

test('anyone on a phone opens the printed QR\'s URL without signing in: 真实有效 and the facts', async () => {
  const page = await newPage(browser, srv, { width: 390, height: 844, mobile: true });
  await page.goto(srv.base + letter.url);
  const verdict = page.locator('[data-test=verify-verdict]');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-verdict'), 'valid');
  assert.match(await verdict.innerText(), /真实有效/);
  assert.equal(await page.locator('[data-test=verify-title]').innerText(), '电子公函');
  assert.equal(await page.locator('[data-test=verify-number]').innerText(), letter.doc.number);
  assert.match(await page.locator('[data-test=verify-result]').innerText(), /事由\s*学习数字城管平台建设经验/);
  assert.match(await page.locator('[data-test=verify-offline]').innerText(), /civicloop doc verify/);
  await shot(page, 'documents-4-verify-valid-phone');
  assertClean(page);
});

test('/verify: a tampered code reads 签名无效 (no facts), a scrap of text 无法识别', async () => {
  const page = await newPage(browser, srv, { width: 390, height: 844, mobile: true });
  await page.goto(srv.base + '/verify');
  const [p, s] = letter.doc.code.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  payload.facts['人数'] = 40;
  const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
  await field(page, 'verify-paste').fill(`https://mq.example.gov.cn/v/${forged}`);
  await page.locator('[data-test=verify-submit]').click();
  const verdict = page.locator('[data-test=verify-verdict]');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-verdict'), 'tampered');
  assert.match(await verdict.innerText(), /签名无效/);
  assert.equal(await page.locator('[data-test=verify-fact]').count(), 0, 'a forged document\'s facts are not shown');
  await shot(page, 'documents-5-verify-tampered');
  await page.locator('[data-test=verify-again]').click();
  await field(page, 'verify-paste').fill('这不是验证码');
  await page.locator('[data-test=verify-submit]').click();
  await waitFor(async () => (await page.locator('[data-test=verify-verdict]').count()) === 1, 'a verdict');
  assert.equal(await page.locator('[data-test=verify-verdict]').getAttribute('data-verdict'), 'malformed');
  assert.match(await page.locator('[data-test=verify-result]').innerText(), /无法识别[\s\S]*验证码/);
  await shot(page, 'documents-6-verify-malformed');
  assertClean(page);
});

test('the admin revokes it from its print view; the public page says 已撤销 with when and why', async () => {
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'admin');
  await page.goto(`${srv.base}/documents/${letter.doc.id}/print`);
  await page.locator('[data-test=doc-revoke]').click();
  await page.locator('[data-test=doc-revoke-confirm]').click();
  await page.locator('.el-dialog [role=alert]').filter({ hasText: '请填写撤销理由' }).waitFor();
  await field(page, 'doc-revoke-reason').fill('考察行程取消');
  await page.locator('[data-test=doc-revoke-confirm]').click();
  await page.locator('[data-test=doc-revoked]').waitFor();
  await page.locator('.el-dialog').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('[data-test=doc-revoke]').count(), 0);
  await shot(page, 'documents-7-print-revoked');
  assertClean(page);

  const pub = await newPage(browser, srv, { width: 390, height: 844, mobile: true });
  await pub.goto(srv.base + letter.url);
  const verdict = pub.locator('[data-test=verify-verdict]');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-verdict'), 'revoked');
  assert.match(await verdict.innerText(), /已撤销/);
  const why = await pub.locator('[data-test=verify-revoked]').innerText();
  assert.match(why, /撤销时间\s*\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
  assert.match(why, /撤销理由\s*考察行程取消/);
  await shot(pub, 'documents-8-verify-revoked-phone');
  assertClean(pub);
});
