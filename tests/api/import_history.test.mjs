// 多网合一, the rest of issue 11 (docs/import.md "History", "Close time",
// "Type fields", docs/api.md "Import"): the source's own steps become
// import.history events carrying the source's times, shown by GET
// /cases/{id}/events; a re-run writes none again and a new trailing step
// appends exactly one; a source that rewrote its steps, a malformed
// history, a bad close time and a bad type-field value each refuse their
// row by its line and leave nothing of it; the mapped close time closes a
// final case; the API takes the source's CSV as a text/csv body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, assertError, sqlText, jsonText, REPO } from './helpers.mjs';

const srv = await startServer();
const DEMO = path.join(REPO, 'config', 'demo', 'import');
const cgMap = JSON.parse(await readFile(path.join(DEMO, 'cg_system.mapping.json'), 'utf8'));
const cgCsv = await readFile(path.join(DEMO, 'cg_system.csv'));
const zzMap = JSON.parse(await readFile(path.join(DEMO, 'zz_system.mapping.json'), 'utf8'));
const zzRows = JSON.parse(await readFile(path.join(DEMO, 'zz_system.json'), 'utf8'));
const admin = await srv.login('admin');

const sql = (q) => sqlText(srv.db, q);
const counts = async () => ({
  cases: Number(await sql('SELECT count(*) FROM cases')),
  events: Number(await sql('SELECT count(*) FROM events WHERE actor_id IS NOT NULL')),
  history: Number(await sql("SELECT count(*) FROM events WHERE action = 'import.history'")),
});
const caseId = async (ref) => Number(await sql(`SELECT id FROM cases WHERE ext_ref = '${ref}'`));
/** POST a CSV body (a string or bytes) with the mapping in the query. */
const postCsv = (who, mapping, body, file) =>
  srv.raw('POST', `/api/v1/import?mapping=${encodeURIComponent(JSON.stringify(mapping))}` +
    (file ? `&file=${encodeURIComponent(file)}` : ''), {
    headers: { Authorization: `Bearer ${who.token}`, 'Content-Type': 'text/csv; charset=utf-8' },
    body,
  });
/** Nothing of ext_ref was written: no case, no event naming it. */
async function assertAbsent(ref) {
  assert.equal(await sql(`SELECT count(*) FROM cases WHERE ext_ref = '${ref}'`), '0', ref);
  assert.equal(await sql(`SELECT count(*) FROM events WHERE payload LIKE '%${ref}"%'`), '0', ref);
}

test('roles without import.manage get 403 for a CSV body too; nothing is written', async () => {
  const before = await counts();
  for (const login of ['op1', 'disp1', 'link110', 'leader1']) {
    const c = await srv.login(login);
    assertError(await postCsv(c, cgMap, cgCsv), 403, 'permission.denied');
  }
  assert.deepEqual(await counts(), before);
});

test('the 城管 CSV through the API: history as events with the source times, the close time kept', async () => {
  const t0 = Date.now();
  const r = await postCsv(admin, cgMap, cgCsv, 'cg_system.csv');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { added: 20, updated: 0, unchanged: 0, refused: 0, rejections: [] });
  const id = await caseId('cg_system:CG202601201');
  const c = await admin.case(id);
  assert.equal(c.status, 'closed');
  assert.equal(Date.parse(c.received_at), Date.parse('2026-09-01T08:00:00+08:00'));
  assert.equal(Date.parse(c.closed_at), Date.parse('2026-09-03T11:00:00+08:00'));
  const hist = (await admin.events(id)).filter((e) => e.action === 'import.history');
  assert.deepEqual(hist.map((e) => [e.payload.seq, Date.parse(e.payload.at), e.payload.step, e.payload.unit]), [
    [1, Date.parse('2026-09-01T08:20:00+08:00'), '受理', '城管指挥中心'],
    [2, Date.parse('2026-09-01T10:00:00+08:00'), '派遣', '城管指挥中心'],
    [3, Date.parse('2026-09-02T10:00:00+08:00'), '处置', '城管执法中队'],
    [4, Date.parse('2026-09-03T11:00:00+08:00'), '结案', '城管指挥中心'],
  ]);
  assert.equal(hist[0].payload.note, '信息完整，予以受理');
  assert.equal(hist[0].payload.ext_ref, 'cg_system:CG202601201');
  for (const e of hist) // the chain's own time is the server's write time
    assert.ok(Date.parse(e.at) >= t0 - 1000, e.at);
  // a row of the initial state without history: no step, no close time
  const open = await admin.case(await caseId('cg_system:CG202601204'));
  assert.equal(open.closed_at ?? null, null);
  assert.equal(await sql(`SELECT count(*) FROM events WHERE action = 'import.history' AND case_id = ${open.id}`), '0');
  assert.equal(await sql(`SELECT ${jsonText('payload', 'file')} FROM events WHERE action = 'import.run' ORDER BY seq DESC LIMIT 1`), 'cg_system.csv');
  // a re-post writes no history again: only its run event
  const before = await counts();
  const again = await postCsv(admin, cgMap, cgCsv);
  assert.deepEqual(again.json, { added: 0, updated: 0, unchanged: 20, refused: 0, rejections: [] });
  assert.deepEqual(await counts(), { ...before, events: before.events + 1 });
});

test('the 综治 JSON: its type field and history land; a new trailing step appends exactly one', async () => {
  const r = await admin.post('/api/v1/import', { mapping: zzMap, rows: zzRows });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.added, 15, r.text);
  const id = await caseId('zz_system:ZZ-2026-0301');
  const c = await admin.case(id);
  assert.equal(c.fields.category, '邻里纠纷');
  assert.equal(Date.parse(c.closed_at), Date.parse(zzRows[0].finish_time));
  const seqs = async () => (await admin.events(id)).filter((e) => e.action === 'import.history').map((e) => e.payload.seq);
  assert.deepEqual(await seqs(), [1, 2, 3]);

  const before = await counts();
  const again = await admin.post('/api/v1/import', { mapping: zzMap, rows: zzRows });
  assert.equal(again.json.unchanged, 15, again.text);
  assert.deepEqual(await counts(), { ...before, events: before.events + 1 });

  const step = { at: '2026-10-20T09:00:00+08:00', step: '回访', unit: '镇综治中心', note: '当事人满意' };
  const more = [{ ...zzRows[0], steps: [...zzRows[0].steps, step] }, ...zzRows.slice(1)];
  const r2 = await admin.post('/api/v1/import', { mapping: zzMap, rows: more });
  assert.deepEqual(r2.json, { added: 0, updated: 1, unchanged: 14, refused: 0, rejections: [] });
  const after = await counts();
  assert.deepEqual(after, { cases: before.cases, events: before.events + 3, history: before.history + 1 });
  const last = (await admin.events(id)).filter((e) => e.action === 'import.history').at(-1);
  assert.deepEqual({ seq: last.payload.seq, at: Date.parse(last.payload.at), step: last.payload.step },
    { seq: 4, at: Date.parse(step.at), step: '回访' });
  const r3 = await admin.post('/api/v1/import', { mapping: zzMap, rows: more });
  assert.equal(r3.json.unchanged, 15, r3.text);
  assert.equal((await counts()).history, after.history);

  // the source rewrote an imported step, or dropped one: the row is refused, nothing written
  const edited = { ...zzRows[0], steps: [{ ...zzRows[0].steps[0], note: '改过的意见' }, ...zzRows[0].steps.slice(1), step] };
  const dropped = { ...zzRows[0], steps: zzRows[0].steps.slice(0, 2) };
  for (const row of [edited, dropped]) {
    const n = await counts();
    const r4 = await admin.post('/api/v1/import', { mapping: zzMap, rows: [row] });
    assert.equal(r4.json.refused, 1, r4.text);
    assert.match(r4.json.rejections[0].reason, /只增不改/);
    assert.deepEqual(await counts(), { ...n, events: n.events + 1 });
  }
});

test('malformed history, close times and type-field values refuse their row by its CSV line; nothing of it is written', async () => {
  const head = '工单编号,标题,问题描述,类别,上报时间,纬度,经度,地址,上报人,联系电话,所属社区,状态,结案时间,处理记录\r\n';
  const q = (s) => '"' + s.replaceAll('"', '""') + '"';
  const steps = (n, more = {}) => q(JSON.stringify(Array.from({ length: n }, (_, k) =>
    ({ 时间: `2026-11-02 ${String(10 + (k % 12)).padStart(2, '0')}:00`, 环节: `环节${k}`, ...more }))));
  const line = (id, { st = '已结案', close = '2026-11-03 09:00', hist = steps(2) } = {}) =>
    `${id},路灯不亮 ${id},东门路 ${id} 号路灯不亮，晚上很黑。,市政设施,2026-11-02 09:30,25.786,114.874,东门路,刘洋,13870009999,东门社区,${st},${close},${hist}\r\n`;
  const cases = [
    ['H-JSON', { hist: q('[{"时间": "2026-11-02 10:00", ') }, /不是合法的 JSON/],
    ['H-TIME', { hist: q('[{"时间": "昨天下午", "环节": "受理"}]') }, /第 1 步的时间“昨天下午”不合格式/],
    ['H-FEB30', { hist: q('[{"时间": "2026-02-30 10:00", "环节": "受理"}]') }, /不合格式/],
    ['H-FUTURE', { hist: q('[{"时间": "2099-01-01 10:00", "环节": "受理"}]') }, /晚于现在/],
    ['H-MANY', { hist: steps(201) }, /201 步，最多 200 步/],
    ['H-NOSTEP', { hist: q('[{"时间": "2026-11-02 10:00"}]') }, /缺少 环节/],
    ['H-OBJECT', { hist: q('{"时间": "2026-11-02 10:00"}') }, /JSON 数组/],
    ['H-ITEM', { hist: q('["受理"]') }, /第 1 步须为对象/],
    ['C-EARLY', { close: '2026-11-01 09:00' }, /结案时间早于受理时间/],
    ['C-FUTURE', { close: '2099-11-03 09:00' }, /结案时间晚于现在/],
    ['C-FORMAT', { close: '11月3日' }, /结案时间“11月3日”不合格式/],
  ];
  const parts = [Buffer.from(head + line('H-OK1'))]; //                         line 2
  for (const [id, o] of cases) parts.push(Buffer.from(line(id, o))); //       lines 3–14
  const utf8 = line('H-UTF8', { hist: q('[{"时间": "2026-11-02 10:00", "环节": "受理X"}]') });
  const at = Buffer.from(utf8).indexOf('X');
  const bad = Buffer.from(utf8);
  bad[at] = 0xff; //                                                            line 14
  parts.push(bad, Buffer.from(line('H-OK2', { st: '处置中', close: '' }))); // line 15
  const before = await counts();
  const r = await postCsv(admin, cgMap, Buffer.concat(parts));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.added, 2, r.text);
  assert.equal(r.json.refused, cases.length + 1, r.text);
  const why = Object.fromEntries(r.json.rejections.map((x) => [x.id, [x.row, x.reason]]));
  cases.forEach(([id, , re], i) => {
    assert.equal(why[id]?.[0], i + 3, `${id}: ${r.text}`);
    assert.match(why[id][1], re, id);
  });
  assert.deepEqual(why['H-UTF8'], [14, '处理记录（列“处理记录”）不是合法的 UTF-8 文本']);
  for (const [id] of [...cases, ['H-UTF8']]) await assertAbsent(`cg_system:${id}`);
  // the two good rows (a create, H-OK1's import.status, two steps each) and the run event
  assert.deepEqual(await counts(), { cases: before.cases + 2, events: before.events + 8,
    history: before.history + 4 });

  // a bad value of a mapped type field is the engine's own field check
  const map = { ...zzMap, type_fields: { category: 'event_type', days: 'days', resolved: 'ok' } };
  const row = (id, more) => ({ ...zzRows[1], event_id: id, days: '3', ok: '是', ...more });
  const r2 = await admin.post('/api/v1/import', { mapping: map, rows: [
    row('F-OK'), row('F-LONG', { event_type: '类'.repeat(65) }), row('F-INT', { days: '三天' }),
    row('F-RANGE', { days: 11 }), row('F-BOOL', { ok: '也许' }),
    row('H-BIG', { steps: Array(150).fill({ at: '2026-10-08T10:00:00+08:00', step: '处置', note: '很长'.repeat(250) }) })] });
  assert.equal(r2.status, 200, r2.text);
  assert.deepEqual(r2.json.rejections.map((x) => [x.row, x.id]),
    [[2, 'F-LONG'], [3, 'F-INT'], [4, 'F-RANGE'], [5, 'F-BOOL'], [6, 'H-BIG']]);
  assert.match(r2.json.rejections[4].reason, /过长（最多 64 KiB）/);
  assert.match(r2.json.rejections[0].reason, /category 最多 64 个字/);
  assert.match(r2.json.rejections[1].reason, /days 必须是整数/);
  assert.match(r2.json.rejections[2].reason, /days 必须在 1–10 之间/);
  assert.match(r2.json.rejections[3].reason, /resolved 必须是 true 或 false/);
  for (const id of ['F-LONG', 'F-INT', 'F-RANGE', 'F-BOOL', 'H-BIG']) await assertAbsent(`zz_system:${id}`);
  const ok = await admin.case(await caseId('zz_system:F-OK'));
  assert.deepEqual(ok.fields, { category: zzRows[1].event_type, days: 3, resolved: true });
});

test('a faulty mapping is a 400 before any row: an unknown type field, a bad history, closed_at without status', async () => {
  const before = await counts();
  const { status, ...noStatus } = zzMap;
  assert.ok(status);
  const bad = [
    [{ ...zzMap, type_fields: { nosuch: 'event_type' } }, 'type_fields'],
    [{ ...zzMap, type_fields: ['event_type'] }, 'type_fields'],
    [{ ...zzMap, type_fields: { category: { column: 'event_type', format: '%Y' } } }, 'format'],
    [{ ...zzMap, history: 'steps' }, 'history'],
    [{ ...zzMap, history: { column: 'steps', format: 'xml' } }, 'history'],
    [{ ...zzMap, history: { column: 'steps', keys: { when: 'x' } } }, 'history'],
    [{ ...zzMap, history: { column: 'steps', extra: 1 } }, 'history'],
    [noStatus, 'fields'],
  ];
  for (const [mapping, field] of bad) {
    const r = await admin.post('/api/v1/import', { mapping, rows: zzRows });
    assert.equal(r.status, 400, `${field}: ${r.text}`);
    assert.ok(r.json.error.field === field || r.json.error.message.includes(field), r.text);
  }
  const c = await postCsv(admin, { ...cgMap, type_fields: { nosuch: '标题' } }, cgCsv);
  assertError(c, 400, 'field.unknown', 'type_fields');
  assert.deepEqual(await counts(), before);
});

test('a CSV body: a missing mapping, a wrong header or more than 2,000 rows is a 400 that writes nothing', async () => {
  const before = await counts();
  assertError(await srv.raw('POST', '/api/v1/import', {
    headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'text/csv' }, body: cgCsv,
  }), 400, 'field.required', 'mapping');
  assertError(await srv.raw('POST', '/api/v1/import?mapping=%7B', {
    headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'text/csv' }, body: cgCsv,
  }), 400, 'field.invalid', 'mapping');
  assertError(await postCsv(admin, cgMap, '工单编号,问题描述\r\nX-1,路灯不亮\r\n'), 400, 'field.invalid', 'mapping');
  assertError(await postCsv(admin, cgMap, cgCsv, 'a\nb'), 400, 'field.invalid', 'file');
  const head = cgCsv.toString('utf8').split('\r\n')[0];
  const many = [head, ...Array.from({ length: 2001 }, (_, i) => `X-${i},t,d,市容,2026-11-02 09:30,,,,,,,待受理,,`)].join('\r\n');
  assertError(await postCsv(admin, cgMap, many), 400, 'field.invalid', 'rows');
  assertError(await postCsv(admin, cgMap, head + '\r\n'), 400, 'field.invalid', 'rows');
  assert.deepEqual(await counts(), before);
});
