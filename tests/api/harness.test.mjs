// The test harness itself (helpers.mjs atEnd): a server or database made at
// a file's top level lives until the file's last test is done, even when the
// file awaits between its tests. node:test (20) runs a top-level after()
// hook as soon as the tests queued so far have finished; the hook that used
// to stop such a server then stopped it before the tests that needed it
// (dispute.test.mjs on a slow CI machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { startServer, atEnd, REPO } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const first = await startServer({ cases: false });
await test('a top-level server answers its first test', async () => {
  assert.equal((await first.loginRaw('admin')).status, 200);
});
// the queue of tests is empty now: node runs the top-level after() hooks
// here, while this file is still on its way to its next test
await sleep(300);
const second = await startServer({ cases: false });

test('a top-level server is still serving after the queue emptied before its next test', async () => {
  assert.ok(first.proc, 'the first server was not stopped');
  assert.equal((await first.loginRaw('admin')).status, 200);
  assert.equal((await second.loginRaw('admin')).status, 200);
});

test('a clean-up that fails at the end of a file fails that file, with its message', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-harness-'));
  atEnd(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'fails_at_end.test.mjs');
  const helpers = path.join(REPO, 'tests', 'api', 'helpers.mjs');
  await writeFile(file, [
    "import { test } from 'node:test';",
    `import { atEnd } from ${JSON.stringify(helpers)};`,
    "atEnd(() => { throw new Error('清理失败'); });",
    "test('passes', () => {});",
    '',
  ].join('\n'));
  // a run of its own, not a subtest of this one (node:test marks its children)
  const { NODE_TEST_CONTEXT: _child, ...env } = process.env;
  const r = await new Promise((resolve) => execFile(process.execPath, ['--test', '--test-reporter=tap', file],
    { timeout: 60000, env }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, out: stdout + stderr })));
  assert.notEqual(r.code, 0, `the file's run passed: ${r.out}`);
  assert.match(r.out, /ok 1 - passes/);
  assert.match(r.out, /清理失败/);
  assert.match(r.out, /# fail 1/);
});
