// Hostile-input case files (issue 7): every file in tests/data/hostile is one
// request and the statuses it may get; tests/data/hostile/README.md has the
// format. For each file this runner sends the request byte for byte over a
// raw HTTP/1.1 socket (fetch would re-encode an invalid URL), then checks
//   - the status is one the file expects (never a 5xx, never a crash),
//   - the body is valid UTF-8, and an error body has API.md's shape
//     {"error":{"code":string,"message":string,"field"?:string}},
//   - nothing was written: the cases, the audit events made by a user
//     (the scheduler's own timer events are left out), the attachments and
//     the files beside the database did not change,
//   - the server still answers GET /healthz with 200.
// One test per file, named after the file. When the server dies on a file,
// that file fails and the server is restarted for the next one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, dbCmd, filesDir, REPO } from './helpers.mjs';

const DIR = path.join(REPO, 'tests', 'data', 'hostile');
const FILE_RE = /^\d{4,5}-[A-Za-z0-9._-]+$/;
const REQUEST_TIMEOUT_MS = 5000;

// ---------------------------------------------------------------------------
// the case file format

const KEYS = new Set(['login', 'method', 'path', 'header', 'content-type', 'expect', 'expect-code',
  'expect-field', 'writes', 'shape']);

/** Parses one case file into {title, login, method, path, headers, contentType, expect, ...}. */
function parseCase(name, text) {
  const nl = text.indexOf('\n\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  let body = nl < 0 ? '' : text.slice(nl + 2);
  if (body.endsWith('\n')) body = body.slice(0, -1);
  const c = {
    name, title: '', login: null, method: null, path: null, headers: [], contentType: undefined,
    expect: [], expectCode: null, expectField: undefined, writes: false, shape: true, body,
  };
  for (const line of head.split('\n')) {
    if (line.startsWith('#')) {
      if (!c.title) c.title = line.replace(/^#+\s*/, '');
      continue;
    }
    if (!line.trim()) continue;
    const m = line.match(/^([a-z-]+):\s?(.*)$/);
    if (!m || !KEYS.has(m[1])) throw new Error(`${name}: unknown header line: ${line}`);
    const [, key, value] = m;
    switch (key) {
      case 'login': c.login = value.trim() === 'none' ? null : value.trim(); break;
      case 'method': c.method = value.trim(); break;
      case 'path': c.path = value.trim(); break;
      case 'header': {
        const i = value.indexOf(':');
        if (i <= 0) throw new Error(`${name}: header needs "Name: value": ${line}`);
        c.headers.push([value.slice(0, i).trim(), value.slice(i + 1).replace(/^ /, '')]);
        break;
      }
      case 'content-type': c.contentType = value.trim(); break;
      case 'expect': c.expect = value.trim().split(/\s+/).map(Number); break;
      case 'expect-code': c.expectCode = value.trim().split(/\s+/); break;
      case 'expect-field': c.expectField = value.trim(); break;
      case 'writes': c.writes = value.trim() === 'allowed'; break;
      case 'shape': c.shape = value.trim() === 'any' ? false : value.trim() === 'open311' ? 'open311' : true; break;
      default: break;
    }
  }
  if (!c.method) throw new Error(`${name}: no method:`);
  if (!c.path) throw new Error(`${name}: no path:`);
  if (!c.expect.length || c.expect.some((s) => !Number.isInteger(s) || s < 100 || s > 599)) {
    throw new Error(`${name}: expect: needs one or more statuses`);
  }
  return c;
}

/** The logins a case needs signed in: login: and every %token[..]% / %csrf[..]%. */
function loginsOf(c) {
  const out = new Set();
  if (c.login) out.add(c.login);
  const all = [c.path, c.body, ...c.headers.map((h) => h[1])].join('\n');
  for (const m of all.matchAll(/%(?:token|csrf)\[([^\]]+)\]%/g)) out.add(m[1]);
  return out;
}

/**
 * Expands the macros of a method, path, header value or body into bytes:
 *   %hex[ff 00 c3]%        raw bytes
 *   %repeat[N x TEXT]%     TEXT (itself expanded) N times
 *   %token[LOGIN]%         the session token of a demo user, %csrf[LOGIN]% its CSRF token
 *   %org[CODE]%            an org's id, %user[LOGIN]% a user's id
 *   %case% %case_no%       the received fixture case (op1's), and its number
 *   %case_dispatched%      the dispatched fixture case (lead dept.cg, assist town.a)
 *   %dispute%              a fixture dispute med1 accepted at village.a1 (mediating, its lead)
 *   %apikey% %georeport_no%   an Open311 client's API key (link110's), and a request it posted
 * Anything else, URL escapes such as %ff included, is sent as written.
 */
function expand(text, vars) {
  const out = [];
  let lit = '';
  const flush = () => {
    if (lit) out.push(Buffer.from(lit, 'utf8'));
    lit = '';
  };
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '%') {
      lit += text[i++];
      continue;
    }
    const fn = text.slice(i, i + 12).match(/^%(hex|repeat|token|csrf|org|user)\[/);
    if (fn) {
      // the matching "]%", counting nested %name[ openings
      let depth = 1;
      let j = i + fn[0].length;
      for (; j < text.length; j++) {
        if (text[j] === '%' && /^%[a-z]+\[/.test(text.slice(j, j + 12))) depth++;
        else if (text[j] === ']' && text[j + 1] === '%' && --depth === 0) break;
      }
      if (depth !== 0) throw new Error(`unclosed %${fn[1]}[ macro`);
      flush();
      out.push(expandFn(fn[1], text.slice(i + fn[0].length, j), vars));
      i = j + 2;
      continue;
    }
    const v = text.slice(i, i + 40).match(/^%([a-z_]+)%/);
    if (v && Object.hasOwn(vars.plain, v[1])) {
      lit += String(vars.plain[v[1]]);
      i += v[0].length;
      continue;
    }
    lit += text[i++];
  }
  flush();
  return Buffer.concat(out);
}

function expandFn(name, arg, vars) {
  switch (name) {
    case 'hex': {
      const hex = arg.replace(/\s+/g, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`bad %hex[${arg}]%`);
      return Buffer.from(hex, 'hex');
    }
    case 'repeat': {
      const m = arg.match(/^(\d+) x ([\s\S]*)$/);
      if (!m) throw new Error(`bad %repeat[${arg}]%: want "N x TEXT"`);
      const unit = expand(m[2], vars);
      return Buffer.alloc(unit.length * Number(m[1]), unit);
    }
    case 'token':
    case 'csrf': {
      const s = vars.sessions.get(arg);
      if (!s) throw new Error(`no session for ${arg}`);
      return Buffer.from(name === 'token' ? s.token : s.csrf, 'utf8');
    }
    case 'org':
    case 'user': {
      const ids = name === 'org' ? vars.orgs : vars.users;
      if (!Object.hasOwn(ids, arg)) throw new Error(`no ${name} ${arg}`);
      return Buffer.from(String(ids[arg]));
    }
    default:
      throw new Error(`unknown macro ${name}`);
  }
}

// ---------------------------------------------------------------------------
// raw HTTP/1.1

/** The request bytes of a case. */
function requestBytes(c, vars, host) {
  const target = expand(c.path, vars);
  const body = expand(c.body, vars);
  const named = new Set(c.headers.map(([n]) => n.toLowerCase()));
  const lines = [];
  if (!named.has('host')) lines.push(Buffer.from(`Host: ${host}`));
  if (!named.has('connection')) lines.push(Buffer.from('Connection: close'));
  if (c.login && !named.has('authorization')) {
    lines.push(Buffer.from(`Authorization: Bearer ${vars.sessions.get(c.login).token}`));
  }
  const ct = c.contentType === undefined ? (body.length ? 'application/json' : 'none') : c.contentType;
  if (ct !== 'none' && !named.has('content-type')) lines.push(expand(`Content-Type: ${ct}`, vars));
  for (const [n, v] of c.headers) lines.push(Buffer.concat([Buffer.from(`${n}: `), expand(v, vars)]));
  const sendsBody = body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'].includes(c.method);
  if (sendsBody && !named.has('content-length')) lines.push(Buffer.from(`Content-Length: ${body.length}`));
  const parts = [expand(c.method, vars), Buffer.from(' '), target, Buffer.from(' HTTP/1.1\r\n')];
  for (const l of lines) parts.push(l, Buffer.from('\r\n'));
  parts.push(Buffer.from('\r\n'), body);
  return Buffer.concat(parts);
}

/** Parses an HTTP/1.1 response; with partial=true, null while incomplete. */
function parseResponse(buf, partial = false) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) {
    if (partial) return null;
    throw new Error(`malformed response: ${buf.toString('latin1').slice(0, 200)}`);
  }
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = head[0].match(/^HTTP\/1\.[01] (\d{3})/);
  if (!m) throw new Error(`malformed status line: ${head[0]}`);
  const headers = {};
  for (const h of head.slice(1)) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  let body = buf.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    for (let p = 0; ;) {
      const e = body.indexOf('\r\n', p);
      if (e < 0) {
        if (partial) return null;
        break;
      }
      const n = parseInt(body.subarray(p, e).toString('latin1'), 16);
      if (!n) break;
      if (partial && body.length < e + 2 + n) return null;
      parts.push(body.subarray(e + 2, e + 2 + n));
      p = e + 2 + n + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (body.length < n) {
      if (partial) return null;
      throw new Error(`response cut short: ${body.length} of ${n} bytes`);
    }
    body = body.subarray(0, n);
  } else if (partial) {
    return null; // read until the server closes
  }
  return { status: Number(m[1]), headers, body };
}

/** Sends bytes and resolves the response {status, headers, body}. */
function rawRequest(port, bytes) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let settled = false;
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const all = Buffer.concat(chunks);
      if (!all.length) {
        reject(err || new Error('no answer: the connection closed without a response'));
        return;
      }
      try {
        resolve(parseResponse(all));
      } catch (e) {
        reject(e);
      }
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
      REQUEST_TIMEOUT_MS);
    sock.on('data', (d) => {
      chunks.push(d);
      try {
        if (parseResponse(Buffer.concat(chunks), true)) done();
      } catch {
        /* not complete yet */
      }
    });
    sock.on('end', () => done());
    sock.on('close', () => done());
    // the server may answer (413) and close before the whole body went out
    sock.on('error', (e) => done(e));
    sock.write(bytes);
  });
}

// ---------------------------------------------------------------------------
// checks

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An Open311 route's error (README: shape: open311): the GeoReport v2 list,
 * [{"code": status, "description"}] or <errors><error><code/><description/>. */
function open311Problems(res, text, isJson) {
  if (isJson) {
    let j;
    try {
      j = JSON.parse(text);
    } catch {
      return [`the ${res.status} body is not JSON: ${text.slice(0, 300)}`];
    }
    const ok = Array.isArray(j) && j.length > 0 && j.every((e) => e && typeof e === 'object' &&
      Object.keys(e).sort().join() === 'code,description' && e.code === res.status &&
      typeof e.description === 'string' && e.description.length > 0);
    return ok ? [] : [`not a GeoReport v2 error list: ${text.slice(0, 300)}`];
  }
  const m = text.match(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<errors>(<error><code>(\d+)<\/code><description>[^<]+<\/description><\/error>)+<\/errors>\n?$/);
  return m && Number(m[2]) === res.status ? [] : [`not a GeoReport v2 XML error list: ${text.slice(0, 300)}`];
}

/** Checks the response body; returns a list of problems. */
function bodyProblems(c, res) {
  if (!c.shape) return []; // libmicrohttpd's own refusal (README: shape: any)
  let text;
  try {
    text = utf8.decode(res.body);
  } catch {
    return [`the body is not valid UTF-8: ${JSON.stringify(res.body.toString('latin1').slice(0, 300))}`];
  }
  const isJson = /json/i.test(res.headers['content-type'] || '');
  if (c.shape === 'open311' && res.status >= 400) return open311Problems(res, text, isJson);
  if (res.status < 400) {
    try {
      if (isJson) JSON.parse(text);
      return [];
    } catch {
      return [`a ${res.status} JSON body that does not parse: ${text.slice(0, 300)}`];
    }
  }
  let j;
  try {
    j = JSON.parse(text);
  } catch {
    return [`the ${res.status} body is not JSON: ${text.slice(0, 300)}`];
  }
  const e = j && typeof j === 'object' && !Array.isArray(j) ? j.error : undefined;
  const ok = e && typeof e === 'object' && !Array.isArray(e) &&
    Object.keys(j).length === 1 &&
    Object.keys(e).every((k) => ['code', 'message', 'field'].includes(k)) &&
    typeof e.code === 'string' && /^[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(e.code) &&
    typeof e.message === 'string' && e.message.length > 0 &&
    (!('field' in e) || typeof e.field === 'string');
  if (!ok) return [`not the error shape {"error":{"code","message","field"?}}: ${text.slice(0, 300)}`];
  const out = [];
  if (c.expectCode && !c.expectCode.includes(e.code)) {
    out.push(`error code ${e.code}, expected ${c.expectCode.join(' or ')}: ${text.slice(0, 300)}`);
  }
  if (c.expectField !== undefined && e.field !== c.expectField) {
    out.push(`error field ${e.field}, expected ${c.expectField}: ${text.slice(0, 300)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// the run

const cases = [];
// a file whose name the runner would not take is an error, not silence
const strays = (await readdir(DIR)).filter((f) => f !== 'README.md' && !FILE_RE.test(f));
test('every file in tests/data/hostile is named NNNN-slug or NNNNN-slug', () => {
  assert.deepEqual(strays, []);
});
// in number order (10000 after 9999), then by name
const byNumber = (a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : a > b ? 1 : 0);
for (const n of (await readdir(DIR)).filter((f) => FILE_RE.test(f)).sort(byNumber)) {
  const text = await readFile(path.join(DIR, n), 'utf8');
  try {
    cases.push(parseCase(n, text));
  } catch (e) {
    cases.push({ name: n, parseError: e });
  }
}

const srv = await startServer();
const vars = { plain: {}, orgs: {}, users: {}, sessions: new Map() };

async function sql(q) {
  const r = await dbCmd(srv.db, q, { readonly: true });
  if (r.code !== 0) throw new Error(`${q}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The files of the attachments' store (FILE.files/ab/…, or the state folder's civicloop.files/ab/…). */
async function storedFiles() {
  let n = 0;
  const dir = filesDir(srv);
  let subs = [];
  try {
    subs = await readdir(dir);
  } catch {
    return 0;
  }
  for (const s of subs) n += (await readdir(path.join(dir, s))).length;
  return n;
}

/** What a hostile request must not change: the cases, the events users made, the
 * attachments and their files. A discipline account's successful read is itself
 * recorded (case.read / case.list, docs/domain.md "Recorded reads"): that is the
 * read, not a write it slipped in. */
async function snapshot() {
  const [cs, ev, seq, att] = (await sql(
    'SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM events WHERE actor_id IS NOT NULL' +
      " AND action NOT IN ('case.read', 'case.list')), " +
      '(SELECT coalesce(max(seq), 0) FROM events), (SELECT count(*) FROM attachments)',
  )).split('|').map(Number);
  return { cases: cs, userEvents: ev, maxSeq: seq, attachments: att, files: await storedFiles() };
}

async function healthy() {
  if (!srv.proc || srv.proc.exitCode !== null || srv.proc.signalCode !== null) return false;
  try {
    const r = await fetch(srv.url('/healthz'), { signal: AbortSignal.timeout(2000) });
    await r.text();
    return r.status === 200;
  } catch {
    return false;
  }
}

let baseline;
before(async () => {
  const logins = new Set(['op1', 'disp1', 'med1', 'admin']);
  for (const c of cases) if (!c.parseError) for (const l of loginsOf(c)) logins.add(l);
  // one at a time: the sign-ins share a bounded Argon2 pool, and a burst of
  // all the fixtures' accounts at once is (rightly) answered 503
  for (const l of logins) {
    const r = await srv.loginRaw(l);
    assert.equal(r.status, 200, `login ${l}: ${r.text}`);
    vars.sessions.set(l, { token: r.json.token, csrf: r.json.csrf_token });
  }
  for (const [table, key, into] of [['orgs', 'code', vars.orgs], ['users', 'login', vars.users]]) {
    for (const line of (await sql(`SELECT ${key}, id FROM ${table}`)).split('\n')) {
      const [k, id] = line.split('|');
      into[k] = Number(id);
    }
  }
  // two fixture cases: one just received, one dispatched to dept.cg (lead) and town.a
  const op1 = srv.client(vars.sessions.get('op1').token);
  const disp1 = srv.client(vars.sessions.get('disp1').token);
  const body = {
    type: 'hotline', class: '投诉', channel: 'phone', title: '恶意输入探针',
    description: '恶意输入测试用的工单，不应被任何一个用例改变。',
    reporter: { name: '测试人', phone: '13700001234' },
  };
  const a = await op1.create(body);
  const b = await op1.create({ ...body, title: '恶意输入探针（已派单）' });
  await disp1.must(b.case.id, 'dispatch', { orgs: ['dept.cg', 'town.a'], lead: 'dept.cg' });
  vars.plain.case = a.case.id;
  vars.plain.case_no = a.case.no;
  vars.plain.case_dispatched = b.case.id;
  // a dispute at work, for the actions of its mediator (partner, session_at, route)
  const med1 = srv.client(vars.sessions.get('med1').token);
  const d = await med1.create({
    type: 'dispute', class: 'neighbour', channel: 'visit', title: '恶意输入探针（纠纷）', description: '恶意输入测试用的纠纷。',
    org: 'village.a1', parties: [{ role: 'applicant', name: '张三丰' }, { role: 'respondent', name: '李四' }],
  });
  await med1.must(d.case.id, 'accept');
  vars.plain.dispute = d.case.id;
  // Open311 (docs/open311.md): a key for its POSTs and a request it took
  const admin = srv.client(vars.sessions.get('admin').token);
  const key = await admin.post('/api/v1/apikeys', { user: 'link110', name: '恶意输入 Open311' });
  assert.equal(key.status, 201, key.text);
  vars.plain.apikey = key.json.key;
  const o311 = await srv.raw('POST', '/open311/v2/requests.json', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: key.json.key, service_code: 'hotline-help', description: '恶意输入测试用的 Open311 诉求。', address_string: '濂江镇' }).toString(),
  });
  assert.equal(o311.status, 200, o311.text);
  vars.plain.georeport_no = o311.json[0].service_request_id;
  baseline = await snapshot();
});

for (const c of cases) {
  test(c.parseError ? c.name : `${c.name}: ${c.title}`, async () => {
    if (c.parseError) throw c.parseError;
    const where = `${c.name} (${c.method} ${c.path})`;
    const base = new URL(srv.base);
    let res;
    let err;
    try {
      res = await rawRequest(Number(base.port), requestBytes(c, vars, base.host));
    } catch (e) {
      err = e;
    }
    if (!(await healthy())) {
      const exit = await Promise.race([srv.exited, new Promise((r) => setTimeout(() => r(null), 2000))]);
      const tail = srv.stderr.slice(-1500);
      await srv.restart();
      baseline = await snapshot();
      assert.fail(`${where}: the server died (${exit ? JSON.stringify(exit) : '/healthz did not answer 200'}); ` +
        `its answer: ${res ? res.status : err && err.message}\n${tail}`);
    }
    // every problem of the file in one failure
    const problems = [];
    if (err) {
      problems.push(err.message);
    } else {
      if (!c.expect.includes(res.status)) {
        problems.push(`status ${res.status}, expected ${c.expect.join(' or ')}: ` +
          `${res.body.toString('utf8').slice(0, 300)}`);
      }
      problems.push(...bodyProblems(c, res));
    }
    const now = await snapshot();
    const old = baseline;
    baseline = now;
    if (!c.writes && (now.cases !== old.cases || now.userEvents !== old.userEvents ||
        now.attachments !== old.attachments || now.files !== old.files)) {
      problems.push(`it wrote: cases ${old.cases}→${now.cases}, user events ${old.userEvents}→${now.userEvents}, ` +
        `max(seq) ${old.maxSeq}→${now.maxSeq}, attachments ${old.attachments}→${now.attachments}, ` +
        `files ${old.files}→${now.files}`);
    }
    if (problems.length) assert.fail(`${where}: ${problems.join('\n  ')}`);
  });
}
