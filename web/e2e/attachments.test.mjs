// Attachments on the case page: a handler uploads a photo, sees its
// thumbnail and preview; a file that is not what it says is refused in
// Chinese; a leader sees the photo but is offered no upload.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, pngBytes } from './harness.mjs';

const png = () => pngBytes([220, 38, 38]); // red

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});


// a case led by dept.cg that is still open
async function cgCase() {
  const r = await srv.api('cg1', 'GET', '/api/v1/cases?mine=1&limit=50');
  assert.equal(r.status, 200);
  // a hotline case: the demo's grid events of 城管 carry their photos already
  const c = r.json.items.find((x) => x.type === 'hotline' && x.status !== 'closed');
  assert.ok(c, 'the demo has an open hotline case of 城市管理局');
  return c;
}

test('a handler attaches a photo: the thumbnail draws, the preview opens, the server has the file; a fake image is refused in Chinese', async () => {
  const c = await cgCase();
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'cg1');
  await page.goto(`${srv.base}/cases/${c.id}`);
  await page.locator('[data-test=attachment-upload]').waitFor();
  const input = page.locator('[data-test=attachments] input[type=file]');
  // a text file named like a photo: refused before or by the server, in Chinese, nothing stored
  await input.setInputFiles({ name: '现场照片.png', mimeType: 'image/png', buffer: Buffer.from('<html>not an image</html>') });
  await page.locator('[data-test=attachments] [role=alert], .el-message--error').first().waitFor();
  const refusal = await page.locator('[data-test=attachments] [role=alert], .el-message--error').first().innerText();
  assert.match(refusal, /[\u4e00-\u9fff]/, 'the refusal is Chinese');
  assert.equal((await srv.api('cg1', 'GET', `/api/v1/cases/${c.id}/attachments`)).json.items.length, 0);
  // a real photo
  await input.setInputFiles({ name: '路灯现场.png', mimeType: 'image/png', buffer: png() });
  await page.locator('[data-test=attachment-row]').first().waitFor();
  assert.match(await page.locator('[data-test=attachment-row]').first().innerText(), /路灯现场\.png/);
  const drawn = await page.locator('[data-test=attachment-row] img').first().evaluate(async (img) => {
    if (!img.complete) await new Promise((r) => img.addEventListener('load', r, { once: true }));
    return img.naturalWidth;
  });
  assert.equal(drawn, 8, 'the thumbnail is the photo, drawn from the server');
  await page.locator('[data-test=attachment-row] button').first().click();
  await page.locator('[data-test=attachment-preview] img').waitFor();
  await shot(page, 'attachments-preview');
  const list = await srv.api('cg1', 'GET', `/api/v1/cases/${c.id}/attachments`);
  assert.equal(list.json.items.length, 1);
  assert.equal(list.json.items[0].name, '路灯现场.png');
  assert.equal(list.json.items[0].size, png().length);
  assertClean(page);
  await page.context().close();
});

test('a leader sees the attachment but is offered no upload', async () => {
  const c = await cgCase();
  const page = await newPage(browser, srv);
  await signIn(page, srv, 'leader1');
  await page.goto(`${srv.base}/cases/${c.id}`);
  await page.locator('[data-test=attachment-row]').first().waitFor();
  assert.equal(await page.locator('[data-test=attachment-upload]').count(), 0);
  assertClean(page);
  await page.context().close();
});
