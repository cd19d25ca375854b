// A failed submit keeps the form. op1 types a whole call into the console
// with a wrong phone: the Chinese error stands beside 来电号码 and nothing
// typed is lost — whether the browser or the server refuses it. Then the
// session runs out mid-call: the submit asks to sign in again, and once
// signed in the submission goes on and makes exactly one case.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, signIn, assertClean, shot, field, PASSWORD, waitFor } from './harness.mjs';

const srv = await startServer();
const browser = await launch();
after(async () => {
  await browser.close();
  await srv.stop();
});

const PHONE = '13677778888';
const typed = {
  name: '邱先生',
  title: '小区门口下水道堵塞外溢',
  description: '幸福小区东门口下水道堵塞，污水外溢到人行道上已两天，气味很大。',
  category: '市政设施',
  address: '幸福小区东门',
};
const TEXT_FIELDS = ['name', 'title', 'description', 'category', 'address'];
const PHONE_ERROR = '电话号码不正确（手机 11 位，座机含区号）';

const state = {};

async function values(page) {
  const out = {};
  for (const k of TEXT_FIELDS) out[k] = await field(page, 'intake-' + k).inputValue();
  out.phone = await field(page, 'intake-phone').inputValue();
  out.cls = await page.locator('[data-test=intake-class] input[type=radio]:checked').inputValue();
  out.channel = (await page.locator('[data-test=intake-channel]').innerText()).trim();
  return out;
}

function phoneError(page) {
  return page.locator('.el-form-item[data-field=phone] .el-form-item__error');
}

async function callerCount(phone) {
  const r = await srv.api('op1', 'GET', '/api/v1/callers?phone=' + phone);
  assert.equal(r.status, 200);
  return r.json.count;
}

test('an invalid phone: the error beside 来电号码, everything typed kept', async () => {
  const page = await newPage(browser, srv);
  state.page = page;
  await signIn(page, srv, 'op1');
  await page.locator('[data-test=class-求助]').click();
  await field(page, 'intake-phone').fill('123');
  for (const k of TEXT_FIELDS) await field(page, 'intake-' + k).fill(typed[k]);
  await page.locator('[data-test=intake-submit]').click();
  await phoneError(page).waitFor();
  assert.equal((await phoneError(page).innerText()).trim(), PHONE_ERROR);
  assert.equal(await page.locator('[data-test=new-case-no]').count(), 0, 'nothing registered');
  const v = await values(page);
  assert.deepEqual(v, { ...typed, phone: '123', cls: '求助', channel: '电话' }, 'every typed value is still there');
  // the focus is on the field to fix
  assert.equal(await page.evaluate(() => document.activeElement.closest('[data-field]').dataset.field), 'phone');
  await shot(page, 'forms-phone-error');
  assertClean(page);
});

test("the server's refusal lands beside the field it names, too", async () => {
  const page = state.page;
  assert.ok(page);
  // the browser's own check passes; the server is sent a bad phone
  let sent = 0;
  await page.route('**/api/v1/cases', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    sent++;
    const body = JSON.parse(route.request().postData());
    body.reporter.phone = '123';
    return route.continue({ postData: JSON.stringify(body) });
  });
  await field(page, 'intake-phone').fill(PHONE);
  await assert.doesNotReject(phoneError(page).waitFor({ state: 'detached' }), 'a valid phone clears the error');
  await page.locator('[data-test=intake-submit]').click();
  await phoneError(page).waitFor();
  await page.unroute('**/api/v1/cases');
  assert.equal(sent, 1, 'the form was sent');
  assert.equal((await phoneError(page).innerText()).trim(), PHONE_ERROR, "the server's message, in Chinese");
  assert.deepEqual(await values(page), { ...typed, phone: PHONE, cls: '求助', channel: '电话' });
  assert.equal(await page.locator('[data-test=new-case-no]').count(), 0);
  assert.equal(await callerCount(PHONE), 0, 'no case was made');
  assertClean(page);
});

test('the session runs out mid-call: sign in again, and the submit goes on once', async () => {
  const page = state.page;
  assert.ok(page);
  // the session cookie goes (the CSRF cookie stays, as after a server-side expiry)
  await page.context().clearCookies({ name: 'cl_session' });
  const posts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/cases') posts.push(r.headers()['idempotency-key']);
  });
  await page.locator('[data-test=intake-submit]').click();
  const dlg = page.locator('.el-dialog[data-test=reauth-dialog]');
  await dlg.waitFor();
  assert.match(await dlg.innerText(), /登录已失效/);
  // a wrong password is said in Chinese and the dialog stays
  await field(dlg, 'reauth-password').fill('not-the-password');
  await dlg.locator('[data-test=reauth-submit]').click();
  await dlg.locator('.el-form-item__error').waitFor();
  assert.match(await dlg.locator('.el-form-item__error').innerText(), /[\u4e00-\u9fff]/);
  await shot(page, 'forms-reauth');
  // the form behind it is untouched
  assert.deepEqual(await values(page), { ...typed, phone: PHONE, cls: '求助', channel: '电话' });

  await field(dlg, 'reauth-password').fill(PASSWORD);
  await dlg.locator('[data-test=reauth-submit]').click();
  await dlg.waitFor({ state: 'hidden' });
  const noEl = page.locator('[data-test=new-case-no]');
  await noEl.waitFor();
  const no = (await noEl.innerText()).trim();
  assert.match(no, /^RX\d+$/);

  assert.equal(posts.length, 2, 'the refused submit and its retry');
  assert.equal(posts[0], posts[1], 'the retry is the same submission (one Idempotency-Key)');
  assert.equal(await callerCount(PHONE), 1, 'exactly one case for the caller');
  const hist = await srv.api('op1', 'GET', '/api/v1/callers?phone=' + PHONE);
  assert.equal(hist.json.items[0].no, no);
  const c = (await srv.api('op1', 'GET', '/api/v1/cases/' + hist.json.items[0].id)).json.case;
  assert.equal(c.class, '求助');
  assert.equal(c.title, typed.title);
  assert.equal(c.reporter.name, typed.name);
  assert.equal(c.fields.category, typed.category);
  assert.ok(c.description.startsWith(typed.description));
  // the history beside the form counts it too
  await waitFor(async () => /共\s*1\s*件/.test(await page.locator('[data-test=caller-count]').innerText().catch(() => '')), 'caller history shows 1');
  await shot(page, 'forms-after-reauth');
  assertClean(page);
  await page.context().close();
});
