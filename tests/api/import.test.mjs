// 多网合一 (docs/import.md): `civicloop import` brings the demo 城管 CSV and
// 综治 JSON in; a re-run changes nothing but its run event; a changed row is
// one update with its event; malformed rows are refused with their line and
// leave nothing while the good rows land; a faulty mapping or a login
// without case.import is refused before any row. The importer takes the
// writer lock, so this runs on a database with no server (on PostgreSQL a
// database of its own, its key in its state folder: newDatabase).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO, BACKEND, runBin, runCli, sqlText, newDatabase, atEnd } from './helpers.mjs';
import { rows } from './import_rows.mjs';

const dir = await mkdtemp(path.join(tmpdir(), 'civicloop-import-'));
atEnd(() => rm(dir, { recursive: true, force: true }));
const h = await newDatabase(dir, 'demo', { demo: true });
const { db } = h;
const DEMO = path.join(REPO, 'config', 'demo', 'import');
const CG_MAP = path.join(DEMO, 'cg_system.mapping.json');
const ZZ_MAP = path.join(DEMO, 'zz_system.mapping.json');

const sql = (q) => sqlText(db, q);
const counts = async () => ({
  cases: Number(await sql('SELECT count(*) FROM cases')),
  events: Number(await sql('SELECT count(*) FROM events WHERE actor_id IS NOT NULL')),
});
const imp = (source, mapping, file, ...more) =>
  runCli(h, ['import', '--db', db, '--source', source, '--mapping', mapping, ...more, file]);
const summary = (r) => {
  const m = /新增 (\d+)，更新 (\d+)，未变 (\d+)，拒绝 (\d+)/.exec(r.stdout);
  assert.ok(m, `no summary: ${r.stdout} ${r.stderr}`);
  return { added: +m[1], updated: +m[2], unchanged: +m[3], rejected: +m[4] };
};

test('a mapping with faults is refused before any row (exit 2, nothing written)', async () => {
  const good = JSON.parse(await readFile(CG_MAP, 'utf8'));
  const variants = [
    [{ ...good, extra: 1 }, 'extra'],
    [{ ...good, source: '城管' }, 'source'],
    [{ ...good, type: 'nosuch' }, 'type'],
    [{ ...good, id: '' }, 'id'],
    [{ ...good, fields: { ...good.fields, nosuch: 'x' } }, 'nosuch'],
    [{ ...good, fields: { ...good.fields, description: undefined } }, 'description'],
    [{ ...good, fields: { ...good.fields, class: { column: '类别', map: { 市容: '不存在的分类' } } } }, '不存在的分类'],
    [{ ...good, fields: { ...good.fields, 'location.lng': undefined } }, 'location'],
    [{ ...good, fields: { ...good.fields, title: { column: '标题', format: '%Y' } } }, 'format'],
    [{ ...good, status: { column: '状态', map: { 已结案: 'nosuch_state' } } }, 'nosuch_state'],
    [{ ...good, status: '状态' }, 'status'],
    [{ ...good, type_fields: { nosuch_field: '标题' } }, 'nosuch_field'],
    [{ ...good, history: { column: '处理记录', format: 'xml' } }, 'history'],
    [{ ...good, fields: { ...good.fields, closed_at: { column: '结案时间', map: { a: 'b' }, format: '%Y' } }, status: undefined }, 'closed_at'],
    ['[1,2', 'JSON'],
  ];
  const before = await counts();
  const file = path.join(dir, 'bad.mapping.json');
  for (const [doc, word] of variants) {
    await writeFile(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
    const r = await imp('cg_system', file, path.join(DEMO, 'cg_system.csv'));
    assert.equal(r.code, 2, `${word}: ${r.stdout} ${r.stderr}`);
    assert.ok(r.stderr.includes(word), `${word}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
  // --source must name the mapping's source
  const r = await imp('zz_system', CG_MAP, path.join(DEMO, 'cg_system.csv'));
  assert.equal(r.code, 2);
  assert.deepEqual(await counts(), before);
});

test('a login without case.import may not import (exit 2, nothing written)', async () => {
  const before = await counts();
  const r = await imp('cg_system', CG_MAP, path.join(DEMO, 'cg_system.csv'), '--as', 'op1');
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.ok(r.stderr.includes('case.import'), r.stderr);
  assert.deepEqual(await counts(), before);
  assert.equal(await sql("SELECT count(*) FROM events WHERE action LIKE 'import%'"), '0');
});

test('the demo files import; a re-run changes nothing but its run event', async () => {
  const before = await counts();
  const cg = await imp('cg_system', CG_MAP, path.join(DEMO, 'cg_system.csv'));
  assert.equal(cg.code, 0, cg.stdout + cg.stderr);
  assert.deepEqual(summary(cg), { added: 20, updated: 0, unchanged: 0, rejected: 0 });
  const zz = await imp('zz_system', ZZ_MAP, path.join(DEMO, 'zz_system.json'));
  assert.equal(zz.code, 0, zz.stdout + zz.stderr);
  assert.deepEqual(summary(zz), { added: 15, updated: 0, unchanged: 0, rejected: 0 });
  const mid = await counts();
  assert.equal(mid.cases, before.cases + 35);

  // the source's time and status are kept; the deadline counts from that time
  const [rec, status, closed, cls, org] = (await sql(
    "SELECT c.received_at, c.status, c.closed_at, c.class, o.code FROM cases c JOIN orgs o ON o.id = c.org_id" +
    " WHERE ext_ref = 'cg_system:CG202601201'")).split('|');
  assert.equal(Number(rec), Date.parse('2026-09-01T08:00:00+08:00'));
  assert.equal(status, 'closed');
  assert.equal(Number(closed), Date.parse('2026-09-03T11:00:00+08:00')); // its mapped close time
  assert.equal(cls, '投诉'); // 市容 through the class map
  assert.equal(org, 'village.a1'); // 东门社区 through the org map
  assert.equal(await sql("SELECT count(*) FROM timers WHERE state = 'running' AND case_id IN" +
    " (SELECT id FROM cases WHERE status = 'closed' AND ext_ref LIKE 'cg_system:%')"), '0');
  assert.equal(await sql("SELECT status FROM cases WHERE ext_ref = 'cg_system:CG202601203'"), 'received');
  assert.equal(await sql("SELECT received_at FROM cases WHERE ext_ref = 'zz_system:ZZ-2026-0301'"),
    String(Date.parse('2026-10-02T09:00:00+08:00')));
  assert.equal(await sql("SELECT count(*) FROM events WHERE action = 'import.status'"), '20');
  const run = JSON.parse(await sql("SELECT payload FROM events WHERE action = 'import.run' ORDER BY seq LIMIT 1"));
  assert.deepEqual(run, { source: 'cg_system', type: 'hotline', file: 'cg_system.csv', added: 20,
    updated: 0, unchanged: 0, refused: 0 });

  for (const [src, map, file, n] of [['cg_system', CG_MAP, 'cg_system.csv', 20], ['zz_system', ZZ_MAP, 'zz_system.json', 15]]) {
    const again = await imp(src, map, path.join(DEMO, file));
    assert.equal(again.code, 0);
    assert.deepEqual(summary(again), { added: 0, updated: 0, unchanged: n, rejected: 0 });
  }
  const end = await counts();
  assert.deepEqual(end, { cases: mid.cases, events: mid.events + 2 }, 'only the two run events');
  const v = await runCli(h, ['audit', 'verify', '--db', db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

test('a changed row is one update with its import.update event', async () => {
  const text = await readFile(path.join(DEMO, 'cg_system.csv'), 'utf8');
  const oldDesc = await sql("SELECT description FROM cases WHERE ext_ref = 'cg_system:CG202601202'");
  const newDesc = '建设路28号至46号商铺仍在店外经营，整改后又反弹，请再次督促。';
  const changed = text.replace(oldDesc, newDesc);
  assert.notEqual(changed, text);
  const file = path.join(dir, 'cg_changed.csv');
  await writeFile(file, changed);
  const before = await counts();
  const r = await imp('cg_system', CG_MAP, file);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(summary(r), { added: 0, updated: 1, unchanged: 19, rejected: 0 });
  assert.deepEqual(await counts(), { cases: before.cases, events: before.events + 2 });
  assert.equal(await sql("SELECT description FROM cases WHERE ext_ref = 'cg_system:CG202601202'"), newDesc);
  // the search index holds the new text: on SQLite its content table (c2
  // the description), on PostgreSQL the plain table's body
  const ftsBody = BACKEND === 'postgres' ? 'f.body FROM case_fts f' : 'f.c2 FROM case_fts_content f';
  assert.equal(await sql(`SELECT ${ftsBody} JOIN cases c ON c.id = f.id WHERE c.ext_ref = 'cg_system:CG202601202'`), newDesc);
  const ev = JSON.parse(await sql("SELECT payload FROM events WHERE action = 'import.update'"));
  assert.deepEqual(ev, { ext_ref: 'cg_system:CG202601202', from: oldDesc, to: newDesc });
  const again = await imp('cg_system', CG_MAP, file);
  assert.deepEqual(summary(again), { added: 0, updated: 0, unchanged: 20, rejected: 0 });
});

test('malformed rows are refused with their line; nothing of them is written; good rows land', async () => {
  const head = '\uFEFF工单编号,标题,问题描述,类别,上报时间,纬度,经度,地址,上报人,联系电话,所属社区,状态,结案时间,处理记录\r\n';
  const ok = (id, more = {}) => {
    const r = { id, title: `井盖缺失 ${id}`, desc: `东门社区 ${id} 号井盖缺失，晚上很危险。`, cls: '市政设施',
      at: '2026-11-02 09:30', lat: '25.786', lng: '114.874', org: '东门社区', st: '待受理', ...more };
    return `${r.id},${r.title},${r.desc},${r.cls},${r.at},${r.lat},${r.lng},东门路,刘洋,13870009999,${r.org},${r.st},,\r\n`;
  };
  const buf = Buffer.concat([
    Buffer.from(head + ok('BAD-OK1')), //                                line 2
    Buffer.from(ok('BAD-DATE', { at: '2026-02-30 09:30' })), //          line 3
    Buffer.from(ok('BAD-CLASS', { cls: '外星人' })), //                   line 4
    Buffer.from('BAD-UTF8,标题,'), Buffer.from([0xe4, 0xb8]), Buffer.from(',市容,2026-11-02 09:30,25.786,114.874,东门路,刘洋,13870009999,东门社区,待受理,,\r\n'), // line 5
    Buffer.from(ok('BAD-LONG', { desc: '长'.repeat(8001) })), //          line 6
    Buffer.from(ok('BAD-FUTURE', { at: '2099-01-01 00:00' })), //        line 7
    Buffer.from(ok('BAD-LAT', { lat: '北纬25度' })), //                  line 8
    Buffer.from(ok('', {})), //                                           line 9
    Buffer.from('"BAD-QUOTE",标题,' + '"描述里有""引号"",和逗号\r\n第二行",市容,2026-11-02 09:30,25.786,114.874,东门路,刘洋,13870009999,东门社区,待受理,,\r\n'), // line 10-11: good
    Buffer.from(ok('BAD-OK2')), //                                       line 12
  ]);
  const file = path.join(dir, 'malformed.csv');
  await writeFile(file, buf);
  const before = await counts();
  const r = await imp('cg_system', CG_MAP, file);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.deepEqual(summary(r), { added: 3, updated: 0, unchanged: 0, rejected: 7 }, r.stdout);
  for (const [line, word] of [[3, '时间'], [4, '外星人'], [5, 'UTF-8'], [6, '过长'], [7, '晚于现在'], [8, '不是数字'], [9, '来源编号']])
    assert.match(r.stdout, new RegExp(`第 ${line} 行.*被拒：.*${word}`), `line ${line}: ${r.stdout}`);
  assert.equal(await sql("SELECT count(*) FROM cases WHERE ext_ref LIKE 'cg_system:BAD-%'"), '3');
  assert.equal(await sql("SELECT ext_ref FROM cases WHERE ext_ref LIKE 'cg_system:BAD-%' ORDER BY ext_ref"),
    'cg_system:BAD-OK1\ncg_system:BAD-OK2\ncg_system:BAD-QUOTE');
  assert.equal(await sql("SELECT description FROM cases WHERE ext_ref = 'cg_system:BAD-QUOTE'"), '描述里有"引号",和逗号\r\n第二行');
  // three creates and the run event, nothing of the refused rows
  const after = await counts();
  assert.deepEqual(after, { cases: before.cases + 3, events: before.events + 4 });
  const v = await runCli(h, ['audit', 'verify', '--db', db]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

test('2,000 rows import in seconds; a re-run leaves them unchanged', async () => {
  const file = path.join(dir, 'rows2000.csv');
  await writeFile(file, rows(2000));
  const before = await counts();
  const t0 = Date.now();
  const r = await imp('cg_system', CG_MAP, file);
  const ms = Date.now() - t0;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(summary(r), { added: 2000, updated: 0, unchanged: 0, rejected: 0 });
  assert.ok(ms < 10000, `${ms} ms`);
  assert.equal((await counts()).cases, before.cases + 2000);
  const again = await imp('cg_system', CG_MAP, file);
  assert.deepEqual(summary(again), { added: 0, updated: 0, unchanged: 2000, rejected: 0 });
  assert.equal((await counts()).cases, before.cases + 2000);
});

test('usage mistakes exit 2', async () => {
  assert.equal((await runCli(h, ['import', '--db', db, '--source', 'cg_system', path.join(DEMO, 'cg_system.csv')])).code, 2);
  assert.equal((await runCli(h, ['import', '--db', db, '--source', 'cg_system', '--mapping', CG_MAP])).code, 2);
  assert.equal((await imp('cg_system', CG_MAP, path.join(dir, 'nosuch.csv'))).code, 2);
  await writeFile(path.join(dir, 'notarray.json'), '{"a":1}');
  assert.equal((await imp('cg_system', CG_MAP, path.join(dir, 'notarray.json'))).code, 2);
  // a header without a column the mapping names: nothing is read
  const before = await counts();
  await writeFile(path.join(dir, 'otherheader.csv'), '工单编号,问题描述\r\nX-1,路灯不亮\r\n');
  const r = await imp('cg_system', CG_MAP, path.join(dir, 'otherheader.csv'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /表头没有映射里的列“标题”/);
  assert.deepEqual(await counts(), before);
  assert.equal((await runBin(['import', '--help'])).code, 0);
});
