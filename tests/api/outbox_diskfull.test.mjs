// The outbox on a full disk (issue 15, docs/notifications.md): a create
// whose commit fails answers 503 and sends nothing — its message rolled
// back with it — while every create answered 201 is delivered, once space
// returns, even those whose delivery could not be recorded meanwhile (sent
// again under the same id). The database is on a small tmpfs, so the test
// needs root, like the other disk-full tests (CI runs as root).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, caseBody, runCmd, runBin, sqlText } from './helpers.mjs';
import { startReceiver, signatureValid } from './outbox_receiver.mjs';

test('disk full: the refused creates send nothing; every acknowledged one arrives',
  { skip: process.getuid && process.getuid() !== 0 && !process.env.CI ? 'needs root to mount a tmpfs' : false }, async () => {
    const mnt = await mkdtemp(path.join(tmpdir(), 'civicloop-outbox-full-'));
    const mounted = await runCmd('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    assert.equal(mounted.code, 0, `mount tmpfs: ${mounted.stderr}`);
    after(async () => {
      await runCmd('umount', ['-l', mnt]);
      await rm(mnt, { recursive: true, force: true });
    });
    const dir = path.join(mnt, 'db');
    await mkdir(dir);
    const rx = await startReceiver();
    const full = await startServer({ cases: false, dir, autoStop: false, env: { CIVICLOOP_OUTBOX_BACKOFF_MS: '100' } });
    const post = async (url, token, b) => {
      const res = await fetch(full.url(url), {
        method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(b),
      });
      return { status: res.status, json: await res.json() };
    };
    try {
      const admin = await full.login('admin');
      const made = await admin.post('/api/v1/webhooks', { url: rx.url, kinds: ['case.create'] });
      assert.equal(made.status, 201, made.text);
      const op1 = await full.login('op1');
      const filler = path.join(mnt, 'filler');
      const fh = await open(filler, 'w');
      try {
        for (;;) await fh.write(Buffer.alloc(64 * 1024, 7));
      } catch (e) {
        assert.equal(e.code, 'ENOSPC');
      } finally {
        await fh.close().catch(() => {});
      }
      const acked = [];
      let refused = 0;
      for (let i = 0; i < 400 && refused < 3; i++) {
        const r = await post('/api/v1/cases', op1.token, caseBody({ description: '磁盘写满。'.repeat(200) }));
        assert.ok(r.status === 201 || r.status === 503, JSON.stringify(r));
        if (r.status === 201) acked.push(r.json.case.no);
        else refused++;
      }
      assert.equal(refused, 3, 'the full disk refuses writes');
      // space returns: the next create commits, and everything acknowledged is sent
      await rm(filler);
      const after1 = await post('/api/v1/cases', op1.token, caseBody());
      assert.equal(after1.status, 201, JSON.stringify(after1));
      acked.push(after1.json.case.no);
      await rx.until((got) => acked.every((no) => got.some((g) => g.json.case.no === no && g.answered === 200)), 'every acknowledged case', 30000);
      await new Promise((r) => setTimeout(r, 500));
      const sent = new Set(rx.got.map((g) => g.json.case.no));
      assert.deepEqual([...sent].sort(), [...acked].sort(), 'only the committed cases were sent');
      assert.ok(rx.got.every((g) => signatureValid(g, made.json.secret)));
      const byNo = new Map();
      for (const g of rx.got) {
        assert.ok(!byNo.has(g.json.case.no) || byNo.get(g.json.case.no) === g.json.id, 'one id per case');
        byNo.set(g.json.case.no, g.json.id);
      }
      await full.stop();
      assert.equal(await sqlText(full.db, 'SELECT count(*) FROM outbox'), String(acked.length));
      assert.equal(await sqlText(full.db, 'SELECT count(*) FROM cases'), String(acked.length));
      const v = await runBin(['audit', 'verify', '--db', full.db]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
    } finally {
      await full.cleanup();
    }
  });
