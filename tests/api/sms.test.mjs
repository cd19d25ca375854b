// SMS notices end to end (docs/notifications.md "短信"): the texts the
// triggers queue on the outbox in the event's transaction and the "sms"
// channel sends — to the file sink beside the database, and to an HTTP
// gateway on 127.0.0.1 shaped like a Chinese provider's. Unhappy paths
// first: confidential cases, landlines, hostile text, a gateway that fails.
// The start-up checks of sms.json are in sms_config.test.mjs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, caseBody, freshPhone, sqlText, dbCmd, BACKEND, REPO } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const SMS_CONFIG = path.join(REPO, 'config', 'notify', 'sms.json');
const srv = await startServer({
  cases: false, testClock: true, serveArgs: ['--sms-config', SMS_CONFIG], env: { CIVICLOOP_OUTBOX_BACKOFF_MS: '50' },
});
const sink = path.join(srv.dir, 'sms.jsonl');

async function sinkLines() {
  let text = '';
  try {
    text = await readFile(sink, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** The sink's lines once pred holds for one of them (~10 s), else fails. */
async function untilSms(pred, what) {
  for (let i = 0; i < 100; i++) {
    const hit = (await sinkLines()).filter(pred);
    if (hit.length) return hit;
    await sleep(100);
  }
  assert.fail(`no SMS ${what}: ${JSON.stringify(await sinkLines())}`);
}

/** The outbox rows of channel sms for a case. */
async function smsRows(caseId) {
  return (await outboxRows(srv.db, `SELECT kind, target, payload, state, attempts, last_error FROM outbox
    WHERE channel = 'sms' AND case_id = ${Number(caseId)} ORDER BY id`)).map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
}

/** The rows of one SELECT on db as objects (dbCmd's JSON, either engine). */
async function outboxRows(db, q) {
  const r = await dbCmd(db, q, { json: true });
  assert.equal(r.code, 0, `${q}: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

/** Waits until every sms row of the case has left pending. */
async function untilSettled(caseId) {
  for (let i = 0; i < 100; i++) {
    const rows = await smsRows(caseId);
    if (rows.length && rows.every((r) => r.state !== 'pending')) return rows;
    await sleep(100);
  }
  assert.fail(`sms rows of case ${caseId} never settled: ${JSON.stringify(await smsRows(caseId))}`);
}

test('a write whose commit fails answers 503 and texts nobody: no case, no outbox row, no line', async () => {
  const s = await startServer({ cases: false, serveArgs: ['--sms-config', SMS_CONFIG] });
  // a deferred foreign key the outbox insert breaks: checked only at COMMIT, which fails
  // (on PostgreSQL the trigger's body is a PL/pgSQL function)
  await sqlText(s.db, BACKEND === 'postgres'
    ? 'CREATE TABLE commit_breaker(case_id bigint REFERENCES orgs(id) DEFERRABLE INITIALLY DEFERRED);' +
      ' CREATE FUNCTION break_commit_fn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO commit_breaker VALUES(-1); RETURN NULL; END$$;' +
      ' CREATE TRIGGER break_commit AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION break_commit_fn();'
    : 'CREATE TABLE commit_breaker(case_id INTEGER REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED);' +
      'CREATE TRIGGER break_commit AFTER INSERT ON outbox BEGIN INSERT INTO commit_breaker VALUES(-1); END;');
  const op1 = await s.login('op1');
  const phone = freshPhone();
  // plain fetch: the client helper refuses any 5xx
  const res = await fetch(s.url('/api/v1/cases'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${op1.token}` },
    body: JSON.stringify(caseBody({ reporter: { phone } })),
  });
  assert.equal(res.status, 503);
  assert.equal((await res.json()).error.code, 'unavailable');
  assert.equal(await sqlText(s.db, 'SELECT count(*) FROM cases'), '0');
  assert.equal(await sqlText(s.db, 'SELECT count(*) FROM outbox'), '0');
  await sqlText(s.db, BACKEND === 'postgres'
    ? 'DROP TRIGGER break_commit ON outbox; DROP FUNCTION break_commit_fn(); DROP TABLE commit_breaker;'
    : 'DROP TRIGGER break_commit; DROP TABLE commit_breaker;');
  // the next write goes through, and only its text arrives
  const ok = (await op1.create(caseBody())).case;
  let lines = [];
  for (let i = 0; i < 100 && !lines.some((l) => l.text.includes(ok.no)); i++) {
    await sleep(100);
    try {
      lines = (await readFile(path.join(s.dir, 'sms.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    } catch { /* not yet */ }
  }
  assert.ok(lines.some((l) => l.text.includes(ok.no)), 'the later text arrived');
  assert.ok(!lines.some((l) => l.to === phone), 'the failed write texted nobody');
});

test('a confidential case texts its reporter nothing: no outbox row at all', async () => {
  const op1 = await srv.login('op1');
  const phone = freshPhone();
  // a confidential class (举报) and a reporter who asked for confidentiality
  const a = (await op1.create(caseBody({ class: '举报', reporter: { name: '匿名', phone } }))).case;
  const b = (await op1.create(caseBody({ reporter: { name: '李四', phone, confidential: true } }))).case;
  assert.deepEqual(await smsRows(a.id), []);
  assert.deepEqual(await smsRows(b.id), []);
  // a direct answer closes it: still nothing
  await op1.must(b.id, 'answer', { answer: '已答复来电人' });
  assert.deepEqual(await smsRows(b.id), []);
  // and nothing of it reached the sink once a later text did
  const c = (await op1.create(caseBody())).case;
  await untilSms((l) => l.text.includes(c.no), 'for the later case');
  assert.ok(!(await sinkLines()).some((l) => l.to === phone), 'the confidential reporter got nothing');
});

test('a confidential case whose reporter agreed (sms_consent) texts them', async () => {
  const op1 = await srv.login('op1');
  const phone = freshPhone();
  const r = (await op1.create(caseBody({ class: '举报', reporter: { phone }, fields: { sms_consent: true } }))).case;
  const [line] = await untilSms((l) => l.to === phone, 'to the consenting reporter');
  assert.ok(line.text.includes(r.no));
  // the opt-in is recorded with the case, so the audit chain shows who agreed
  assert.equal((await op1.case(r.id)).fields.sms_consent, true);
});

test('a landline cannot get a text: its row dies at once, the reason names no number', async () => {
  const op1 = await srv.login('op1');
  const r = (await op1.create(caseBody({ reporter: { name: '王五', phone: '0797-8123456' } }))).case;
  const [row] = await untilSettled(r.id);
  assert.equal(row.state, 'dead');
  assert.ok(!row.last_error.includes('8123456'), row.last_error);
  assert.match(row.last_error, /没有可接收短信的手机号/);
});

test('registration: the reporter gets the case number; the outbox holds a reference, not the phone or name', async () => {
  const op1 = await srv.login('op1');
  const phone = freshPhone('139');
  const r = (await op1.create(caseBody({ reporter: { name: '张三丰', phone } }))).case;
  const [line] = await untilSms((l) => l.to === phone, 'to the reporter');
  assert.equal(line.text, `【民情闭环】您反映的问题已受理，工单号${r.no}，可凭工单号和手机尾号查询办理进度。`);
  assert.equal(typeof line.id, 'number');
  assert.ok(!Number.isNaN(Date.parse(line.at)));
  const rows = await untilSettled(r.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].kind, 'sms.case_registered');
  assert.equal(rows[0].target, `case:${r.id}:reporter`);
  assert.equal(rows[0].state, 'delivered');
  assert.deepEqual(rows[0].payload, { template: 'case_registered', vars: { no: r.no } });
  const all = await sqlText(srv.db, `SELECT target || payload FROM outbox WHERE channel = 'sms'`);
  assert.ok(!all.includes(phone) && !all.includes('张三丰'), 'no phone or name in the outbox');
});

test('hostile text in the case (title, description, name) never reaches a text', async () => {
  const op1 = await srv.login('op1');
  const phone = freshPhone();
  const r = (await op1.create(caseBody({
    title: '{phone}"}\\u0000<script>', description: '{no}{name}\n\r\u2028恶意', reporter: { name: '{phone}\\"', phone },
  }))).case;
  const [line] = await untilSms((l) => l.to === phone, 'to the hostile reporter');
  assert.equal(line.text, `【民情闭环】您反映的问题已受理，工单号${r.no}，可凭工单号和手机尾号查询办理进度。`);
});

test('dispatch: the unit\'s handlers with a phone get the new case; overdue on the test clock: the overdue notice', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  await srv.setClock('2026-03-02T09:00:00+08:00'); // a Monday
  const r = (await op1.create(caseBody({ class: '投诉' }))).case;
  await disp1.must(r.id, 'dispatch', { org: 'dept.cg' });
  const cg1 = '18170736128'; // the demo's cg1, handler of 县城管局
  const [d] = await untilSms((l) => l.to === cg1 && l.text.includes(r.no) && l.text.includes('新派'), 'of the dispatch to cg1');
  assert.equal(d.text, `【民情闭环】濂江县城市管理局：新派12345热线工单${r.no}，请及时签收，办理期限2026-03-10 00:00。`);
  const rows = await smsRows(r.id);
  const dispatchRows = rows.filter((x) => x.kind === 'sms.dispatch');
  assert.ok(dispatchRows.length >= 1);
  for (const x of dispatchRows) assert.match(x.target, /^user:\d+$/);
  // the handle deadline (5 working days) passes
  await srv.setClock('2026-03-20T09:00:00+08:00');
  const [o] = await untilSms((l) => l.to === cg1 && l.text.includes(r.no) && l.text.includes('已超过办理期限'), 'of the overdue part');
  assert.match(o.text, /请尽快办理。$/);
  await srv.setClock(null);
});

test('closure after the callback: the reporter gets the outcome, never the reply text', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const cg1 = await srv.login('cg1');
  const sup1 = await srv.login('sup1');
  const phone = freshPhone();
  const r = (await op1.create(caseBody({ reporter: { name: '赵六', phone } }))).case;
  await disp1.must(r.id, 'dispatch', { org: 'dept.cg' });
  await cg1.must(r.id, 'sign', {});
  await cg1.must(r.id, 'reply', { reply: '已联系赵六（电话 13900000000）现场处理。' });
  await sup1.must(r.id, 'review', {});
  const closed = await sup1.must(r.id, 'callback', { resolved: true, satisfaction: '满意' });
  assert.equal(closed.status, 'closed');
  const [line] = await untilSms((l) => l.to === phone && l.text.includes('已办结'), 'of the closure');
  assert.equal(line.text, `【民情闭环】您的工单${r.no}已办结：问题已解决。感谢您对我们工作的支持。`);
  assert.ok(!line.text.includes('13900000000') && !line.text.includes('赵六'));
});

test('a refused action queues nothing', async () => {
  const op1 = await srv.login('op1');
  const disp1 = await srv.login('disp1');
  const r = (await op1.create(caseBody())).case;
  const before = (await smsRows(r.id)).length;
  // dispatching to an org that is not a unit is refused after the case was read
  const bad = await disp1.act(r.id, 'dispatch', { org: 'county' });
  assert.equal(bad.status >= 400 && bad.status < 500, true, bad.text);
  assert.equal((await smsRows(r.id)).length, before);
});

test('imported cases text nobody: their source told its citizens long ago', async () => {
  const admin = await srv.login('admin');
  const dir = path.join(REPO, 'config', 'demo', 'import');
  const mapping = JSON.parse(await readFile(path.join(dir, 'zz_system.mapping.json'), 'utf8'));
  const rows = JSON.parse(await readFile(path.join(dir, 'zz_system.json'), 'utf8'));
  assert.ok(rows.some((r) => r.phone), 'the rows carry reporter phones');
  const r = await admin.post('/api/v1/import', { mapping, rows, file: 'zz_system.json' });
  assert.equal(r.status, 200, r.text);
  const imported = Number(await sqlText(srv.db, `SELECT count(*) FROM cases WHERE ext_ref IS NOT NULL`));
  assert.ok(imported >= 10, `${imported} imported`);
  assert.equal(await sqlText(srv.db, `SELECT count(*) FROM outbox o JOIN cases c ON c.id = o.case_id WHERE o.channel = 'sms' AND c.ext_ref IS NOT NULL`), '0');
});

// ---- an HTTP gateway shaped like a provider's (Aliyun dysmsapi's JSON) ----

test('an HTTP gateway gets the provider-shaped body; a 500 is retried, then delivered', async () => {
  const got = [];
  let fails = 1;
  const gw = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (fails-- > 0) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end('{"Code":"InternalError"}');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"Code":"OK","Message":"OK","BizId":"900619746936498440^0"}');
    });
  });
  await new Promise((r) => gw.listen(0, '127.0.0.1', r));
  after(() => gw.close());
  const conf = JSON.parse(await readFile(path.join(REPO, 'config/notify/sms.json'), 'utf8'));
  delete conf.file;
  conf.sink = 'gateway';
  conf.gateway = {
    url: `http://127.0.0.1:${gw.address().port}/?Action=SendSms&OutId={id}`,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Acs-AccessKey-Id': '{access_key}' },
    json: { PhoneNumbers: '{phone}', SignName: '{sign_name}', TemplateCode: '{template_id}', TemplateParam: '{params}' },
    sign_name: '民情闭环',
    secrets: { access_key: 'CIVICLOOP_SMS_TEST_ACCESS_KEY' },
    success: { field: 'Code', equals: 'OK' },
    timeout_ms: 5000,
  };
  const file = path.join(srv.dir, 'sms-gateway.json');
  await writeFile(file, JSON.stringify(conf));
  const g = await startServer({
    cases: false,
    serveArgs: ['--sms-config', file],
    env: { CIVICLOOP_OUTBOX_BACKOFF_MS: '50', CIVICLOOP_SMS_TEST_ACCESS_KEY: 'LTAI-test-key' },
  });
  const op1 = await g.login('op1');
  const phone = freshPhone('138');
  const r = (await op1.create(caseBody({ reporter: { name: '钱七', phone } }))).case;
  for (let i = 0; i < 100 && got.length < 2; i++) await sleep(100);
  assert.equal(got.length, 2, `a failed attempt, then the retry: ${JSON.stringify(got)}`);
  for (const q of got) {
    assert.equal(q.method, 'POST');
    assert.equal(q.headers['x-acs-accesskey-id'], 'LTAI-test-key');
    assert.match(q.url, /^\/\?Action=SendSms&OutId=\d+$/);
    const b = JSON.parse(q.body);
    assert.deepEqual(Object.keys(b).sort(), ['PhoneNumbers', 'SignName', 'TemplateCode', 'TemplateParam']);
    assert.equal(b.PhoneNumbers, phone);
    assert.equal(b.SignName, '民情闭环');
    assert.equal(b.TemplateCode, 'SMS_CL_0001');
    assert.deepEqual(JSON.parse(b.TemplateParam), { no: r.no });
  }
  assert.equal(got[0].url, got[1].url, 'the retry carries the same id');
  let rows;
  for (let i = 0; i < 50; i++) {
    rows = await outboxRows(g.db, `SELECT state, attempts FROM outbox WHERE channel = 'sms' AND case_id = ${r.id}`);
    if (rows[0] && rows[0].state === 'delivered') break;
    await sleep(100);
  }
  assert.equal(rows[0].state, 'delivered');
  assert.ok(rows[0].attempts >= 1, JSON.stringify(rows));
  // the access key is in no log and no row
  assert.ok(!g.stderr.includes('LTAI-test-key'));
  assert.ok(!(await sqlText(g.db, `SELECT coalesce(last_error, '') || payload FROM outbox`)).includes('LTAI-test-key'));
});
