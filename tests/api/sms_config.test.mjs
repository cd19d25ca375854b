// SMS notices' config (docs/notifications.md "短信"): a faulty sms.json —
// given by --sms-config or found in the config folder — stops `serve` at
// start with a message naming the file and the fault, never at send time;
// hostile template text is refused there. `--sms-config none` turns SMS off.
// The texts sent are in sms.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile, rm, mkdir, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, runBin, cliEnv, REPO, BIN } from './helpers.mjs';

const srv = await startServer({ cases: false });
await srv.stop(); // the database stays; each start below must refuse it
const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-sms-'));
const good = JSON.parse(await readFile(path.join(REPO, 'config/notify/sms.json'), 'utf8'));

async function serveWith(file, env = {}) {
  return runBin(['serve', '--db', srv.db, '--port', '0', '--web', 'none', '--sms-config', file],
    { timeout: 15000, env: cliEnv(srv, env) });
}

/** Writes text (a string or Buffer) as a config and expects the start refused. */
async function refused(name, text, needle, env) {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, text);
  const r = await serveWith(file, env);
  assert.equal(r.code, 1, `${name}: the server must refuse to start: ${r.stdout} ${r.stderr}`);
  assert.match(r.stderr, /短信配置加载失败 \(SMS config\)/, name);
  assert.ok(r.stderr.includes(file), `${name}: names the file: ${r.stderr}`);
  assert.ok(r.stderr.includes(needle), `${name}: says "${needle}": ${r.stderr}`);
  assert.doesNotMatch(r.stdout, /正在服务/, name);
}

const withTemplate = (text) => JSON.stringify({ ...good, templates: { ...good.templates, case_registered: { text } } });

test('a template naming a placeholder it cannot have (the phone) stops the start', async () => {
  await refused('phone', withTemplate('【民情闭环】{phone}您好，工单号{no}'), '未知的占位符 {phone}');
  await refused('brace', withTemplate('工单号{no'), '“{”之后');
});

test('hostile template text: cut UTF-8, NUL, a control character, 10,000 characters', async () => {
  const text = withTemplate('工单号{no}@@');
  const at = Buffer.from(text).indexOf('@@');
  const cut = Buffer.concat([Buffer.from(text).subarray(0, at), Buffer.from([0xe4, 0xb8]), Buffer.from(text).subarray(at + 2)]);
  await refused('cut-utf8', cut, '第');
  await refused('nul', withTemplate('工单号{no}\u0000尾'), 'NUL');
  await refused('control', withTemplate('工单号{no}\u001b[31m'), '控制字符');
  await refused('huge', withTemplate('中'.repeat(10000)), '过长');
});

test('a trigger naming an unknown type, state or template stops the start', async () => {
  const t = (over) => JSON.stringify({ ...good, triggers: [{ ...good.triggers[0], ...over }] });
  await refused('type', t({ types: ['nosuch'] }), '未知的事项类型 nosuch');
  await refused('tpl', t({ template: 'nosuch' }), '未知的模板 nosuch');
  await refused('state', t({ events: undefined, to_state: 'gone' }), '没有状态 gone');
  await refused('key', JSON.stringify({ ...good, sender: 'x' }), '未知的键 "sender"');
});

test('a gateway whose secret is not in the environment stops the start, and says which variable', async () => {
  const gw = {
    ...good, sink: 'gateway', file: undefined,
    gateway: { url: 'http://127.0.0.1:9/sms', secrets: { key: 'CIVICLOOP_SMS_TEST_UNSET' }, json: { k: '{key}' } },
  };
  const env = { CIVICLOOP_SMS_TEST_UNSET: '' };
  await refused('secret', JSON.stringify(gw), '环境变量 CIVICLOOP_SMS_TEST_UNSET 未设置', env);
});

test('a missing --sms-config file stops the start', async () => {
  const r = await serveWith(path.join(dir, 'absent.json'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /短信配置加载失败/);
});

test('a faulty notify/sms.json in the config folder stops the start too', async () => {
  const conf = await mkdtemp(path.join(tmpdir(), 'civicloop-smsconf-'));
  for (const sub of ['calendar', 'demo', 'types']) await cp(path.join(REPO, 'config', sub), path.join(conf, sub), { recursive: true });
  await mkdir(path.join(conf, 'notify'));
  await writeFile(path.join(conf, 'notify', 'sms.json'), withTemplate('{name}您好'));
  const r = await runBin(['serve', '--db', srv.db, '--port', '0', '--web', 'none'],
    { timeout: 15000, env: cliEnv(srv, { CIVICLOOP_CONFIG: conf }) });
  await rm(conf, { recursive: true, force: true });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /notify\/sms\.json: templates\.case_registered: 未知的占位符 \{name\}/);
});

test('serve without --sms-config finds the config folder\'s notify/sms.json', async () => {
  const conf = await mkdtemp(path.join(tmpdir(), 'civicloop-smsconf-'));
  for (const sub of ['calendar', 'demo', 'types', 'notify']) await cp(path.join(REPO, 'config', sub), path.join(conf, sub), { recursive: true });
  const s = await startServer({ cases: false, env: { CIVICLOOP_CONFIG: conf } });
  // helpers.mjs serves with --sms-config none unless told: run it bare
  await s.stop();
  const { spawn } = await import('node:child_process');
  const p = spawn(BIN, ['serve', '--db', s.db, '--port', '0', '--web', 'none'], { env: cliEnv(s, { CIVICLOOP_CONFIG: conf }) });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no start')), 15000);
    p.stdout.on('data', () => {
      const m = out.match(/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    });
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    const login = await (await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'op1', password: 'Demo#2024' }) })).json();
    const phone = '13512345678';
    const r = await fetch(base + '/api/v1/cases', {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${login.token}` },
      body: JSON.stringify({ type: 'hotline', class: '投诉', description: '默认配置的短信', reporter: { phone } }),
    });
    assert.equal(r.status, 201);
    const no = (await r.json()).case.no;
    let lines = [];
    for (let i = 0; i < 100 && !lines.length; i++) {
      try { lines = (await readFile(path.join(s.dir, 'sms.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l)); } catch { /* not yet */ }
      if (!lines.length) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(lines.length, 1, 'the text is in sms.jsonl beside the database');
    assert.equal(lines[0].to, phone);
    assert.ok(lines[0].text.includes(no));
  } finally {
    p.kill('SIGTERM');
    await new Promise((res) => p.once('exit', res));
    await rm(conf, { recursive: true, force: true });
  }
});

test('--sms-config none serves without SMS; the repo\'s own config serves', async () => {
  srv.serveArgs = ['--sms-config', 'none'];
  await srv.restart();
  const r = await srv.raw('GET', '/healthz');
  assert.equal(r.status, 200);
  srv.serveArgs = ['--sms-config', path.join(REPO, 'config/notify/sms.json')];
  await srv.restart();
  assert.equal((await srv.raw('GET', '/healthz')).status, 200);
  await rm(dir, { recursive: true, force: true });
});
