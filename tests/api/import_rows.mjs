// Writes N rows of a 城管 system as CSV (the shape of
// config/demo/import/cg_system.mapping.json) to stdout, or returns them:
// the import test's 2,000-row run and bench/import.sh's 100,000. Row i is
// CG-BIG-i, received i minutes before 2026-11-30 08:00 (+08:00), at a point
// inside 濂江镇's 东门社区 (config/demo/county.json). A closed row (every
// third) was closed an hour after it came in. Each row carries
// IMPORT_HISTORY (default 0: an empty cell) steps of its source's history.
import { fileURLToPath } from 'node:url';

const CATS = ['市容', '环境卫生', '违建', '市政设施', '噪音', '渣土'];
const HEAD = '工单编号,标题,问题描述,类别,上报时间,纬度,经度,地址,上报人,联系电话,所属社区,状态,结案时间,处理记录';
const STEPS = Number(process.env.IMPORT_HISTORY || 0);

function stamp(i) {
  const t = new Date(Date.UTC(2026, 10, 30, 0, 0) - i * 60000 + 8 * 3600000);
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}`;
}

// The history cell: STEPS steps a minute apart from the row's time, as
// the demo mapping's keys name them, quoted for CSV.
function history(i) {
  if (!STEPS) return '';
  const steps = [];
  for (let k = 0; k < STEPS; k++)
    steps.push({ 时间: stamp(i - k), 环节: `环节${k + 1}`, 单位: '城管指挥中心', 意见: `第${k + 1}步处理意见` });
  return '"' + JSON.stringify(steps).replaceAll('"', '""') + '"';
}

export function row(i, desc) {
  const lat = (25.783 + (i % 97) * 0.00005).toFixed(6);
  const lng = (114.871 + (i % 89) * 0.00005).toFixed(6);
  const d = desc ?? `建设路第${i}号附近人行道被占用，商户把货物摆到店外，行人只能走机动车道，请处理。`;
  return `CG-BIG-${i},建设路占道经营 ${i},"${d}",${CATS[i % CATS.length]},${stamp(i)},${lat},${lng},濂江镇建设路${i}号,市民${i % 1000},1387${String(i).padStart(7, '0')},东门社区,${i % 3 ? '待受理' : '已结案'},${i % 3 ? '' : stamp(i - 60)},${history(i)}`;
}

export function rows(n) {
  const out = [HEAD];
  for (let i = 1; i <= n; i++) out.push(row(i));
  return out.join('\r\n') + '\r\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] || 2000);
  process.stdout.write(HEAD + '\r\n');
  for (let i = 1; i <= n; i += 1000) {
    const chunk = [];
    for (let k = i; k < i + 1000 && k <= n; k++) chunk.push(row(k));
    process.stdout.write(chunk.join('\r\n') + '\r\n');
  }
}
