// A node:test reporter that stays silent until the run ends and then lists
// each failed test with its file and error, so the last lines of a long CI
// log name what failed (`make apitest`, `make e2e`, `make asantest` pass it
// beside the TAP reporter).
export default async function* failures(source) {
  const failed = [];
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const d = event.data;
    const err = d.details?.error;
    // A file's own entry repeats its failed subtests; keep the leaves.
    if (err?.failureType === 'subtestsFailed') continue;
    const cause = err?.cause ?? err;
    failed.push({
      file: d.file ?? '',
      name: d.name,
      message: String(cause?.stack ?? cause?.message ?? cause ?? '')
        .split('\n').filter((l) => !/\(node:|^\s+at node:/.test(l)).slice(0, 16).join('\n'),
    });
  }
  if (failed.length === 0) return;
  yield `\n==== ${failed.length} failed ====\n`;
  for (const f of failed) {
    yield `\n-- ${f.file}\n   ${f.name}\n${f.message.replace(/^/gm, '   ')}\n`;
  }
}
