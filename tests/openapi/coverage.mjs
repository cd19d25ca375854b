// Status coverage of the OpenAPI description (docs/api.md "OpenAPI"):
//
//   node tests/openapi/coverage.mjs STATUS_DIR
//
// STATUS_DIR holds the status logs of the API suite's servers
// (tests/api/helpers.mjs writes one per server when $CIVICLOOP_STATUS_DIR
// is set; `make apitest` sets it), each line "METHOD PATTERN STATUS". The
// description is `civicloop openapi` ($CIVICLOOP_BIN, else build/civicloop).
// Fails (exit 1) listing
//   - every documented (route, status) no test produced: the description
//     must not promise what nobody has seen (there is no escape hatch: a
//     status that cannot be produced in a test is not documented);
//   - every (route, status) a test produced that is not documented: the
//     description must be complete;
//   - every route with no description of its own (no fragment entry), with
//     the statuses the suite saw for it, ready to be written.
// 401 and 503, which the assembly adds to every signed-in route, and 503 to
// every route that writes, are not required to be seen.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.CIVICLOOP_BIN
  ? path.resolve(process.env.CIVICLOOP_BIN)
  : path.join(REPO, 'build', 'civicloop');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tests/openapi/coverage.mjs STATUS_DIR');
  process.exit(2);
}

/** The automatic statuses of an operation (the assembly's rule, api/openapi.c). */
function automatic(method, op) {
  const auto = new Set();
  if (op['x-auth'] === 'user') auto.add('401');
  if (op['x-auth'] === 'user' || method !== 'GET') auto.add('503');
  return auto;
}

const doc = JSON.parse(execFileSync(BIN, ['openapi'], { encoding: 'utf8', maxBuffer: 64 << 20 }));

// (route → statuses) documented, the automatic ones apart
const routes = new Map();
for (const [p, item] of Object.entries(doc.paths)) {
  for (const [m, op] of Object.entries(item)) {
    const method = m.toUpperCase();
    const auto = automatic(method, op);
    const all = Object.keys(op.responses || {});
    routes.set(`${method} ${p}`, {
      auto,
      documented: new Set(all.filter((s) => !auto.has(s))),
      seen: new Map(),
    });
  }
}

let lines = 0;
let files = 0;
const unknown = new Map();
for (const f of readdirSync(dir)) {
  if (!f.endsWith('.log')) continue;
  files++;
  for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
    const m = line.match(/^(\S+) (\S+) (\d{3})$/);
    if (!m) continue;
    lines++;
    const [, method, pattern, status] = m;
    if (pattern === '-') continue; // no route matched: 404 / 405 of the router
    const rt = routes.get(`${method} ${pattern}`);
    if (!rt) {
      unknown.set(`${method} ${pattern}`, (unknown.get(`${method} ${pattern}`) || 0) + 1);
      continue;
    }
    rt.seen.set(status, (rt.seen.get(status) || 0) + 1);
  }
}
if (files === 0 || lines === 0) {
  console.error(`coverage: no status logs in ${dir} (run the suite with CIVICLOOP_STATUS_DIR=${dir})`);
  process.exit(1);
}

const neverSeen = [];
const undocumented = [];
const noFragment = [];
let documentedPairs = 0;
let describedRoutes = 0;
for (const [key, rt] of [...routes.entries()].sort()) {
  if (rt.documented.size === 0) {
    const seen = [...rt.seen.keys()].sort().join(' ') || '(none)';
    noFragment.push(`  ${key}  seen: ${seen}`);
    continue;
  }
  describedRoutes++;
  documentedPairs += rt.documented.size;
  for (const s of [...rt.documented].sort()) if (!rt.seen.has(s)) neverSeen.push(`  ${key} ${s}`);
  for (const [s, n] of [...rt.seen.entries()].sort())
    if (!rt.documented.has(s) && !rt.auto.has(s)) undocumented.push(`  ${key} ${s}  (seen ${n}×)`);
}

console.log(`coverage: ${files} status logs, ${lines} answers; ${describedRoutes} of ${routes.size} routes described, ${documentedPairs} documented statuses (besides the automatic 401/503)`);
const report = (title, list) => {
  if (list.length) console.log(`\n${title} (${list.length}):\n${list.join('\n')}`);
};
report('documented but never answered in the API suite — write the test, or do not document it', neverSeen);
report('answered in the API suite but not documented — add it to the route\'s fragment', undocumented);
report('routes without a fragment entry (src/api/openapi/*.json), with the statuses the suite saw', noFragment);
report(
  'logged routes that are not in the description',
  [...unknown.entries()].map(([k, n]) => `  ${k} (${n}×)`),
);
const failed = neverSeen.length + undocumented.length + noFragment.length + unknown.size;
console.log(failed ? '\ncoverage: FAILED' : '\ncoverage: ok');
process.exit(failed ? 1 : 0);
