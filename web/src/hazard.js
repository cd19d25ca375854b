// 重大事故隐患 in the browser (docs/hazard.md): the ledger's filters as a
// query, the summary table's rows, the five 落实 of a plan, who registers
// with which source, and the 约谈 records read from a case's events. The
// server checks everything again; nothing here decides who may act.

export const SOURCES = ['企业自查', '部门检查', '群众举报']
export const LEVELS = ['一般', '重大']
export const LISTED_LEVELS = ['县级', '市级', '省级']
export const INDUSTRIES = ['煤矿', '非煤矿山', '危险化学品', '烟花爆竹', '建筑施工', '交通运输', '商贸/人员密集场所',
  '学校/培训机构', '工贸', '"九小"场所', '其他']

// The five 落实 of a major hazard's rectification plan, in the form's order.
export const PLAN_FIELDS = [
  { name: 'plan_leader', label: '责任领导（责任）' },
  { name: 'plan_measures', label: '整改措施（措施）', long: true },
  { name: 'plan_funds', label: '整改资金（资金）' },
  { name: 'plan_person', label: '整改责任人' },
  { name: 'deadline', label: '整改时限（时限）' },
  { name: 'plan_emergency', label: '应急预案（预案）', long: true },
]

// The sources a role registers a hazard with: an enterprise reports its
// own (企业自查); an inspector what it found or was told; the 12345
// operator a tip-off. The first is the default.
export function sourcesFor(roles) {
  const r = roles || []
  if (r.includes('inspector')) return ['部门检查', '群众举报']
  if (r.includes('enterprise')) return ['企业自查']
  if (r.includes('operator') || r.includes('dispatcher')) return ['群众举报']
  return []
}

// The ledger's query string parameters from the page's filters (empty
// ones left out; listed as 1/0).
export function ledgerQuery(f, extra = {}) {
  const q = {}
  for (const k of ['region', 'industry', 'source', 'level', 'status']) if (f[k]) q[k] = f[k]
  if (f.listed === '1' || f.listed === '0') q.listed = f.listed
  return { ...q, ...extra }
}

export function pctText(rate) {
  return rate === null || rate === undefined ? '—' : (Math.round(rate * 1000) / 10).toFixed(1) + '%'
}

// The summary table's rows: 合计, each source, each level, 挂牌督办.
export function summaryRows(s) {
  if (!s) return []
  const row = (group, label, x) => ({ group, label, found: x.found, rectified: x.rectified, rate: pctText(x.rate), open: x.found - x.rectified })
  return [
    row('合计', '全部隐患', s),
    ...(s.by_source || []).map((b) => row('按来源', b.value === null ? '未注明' : b.value, b)),
    ...(s.by_level || []).map((b) => row('按等级', b.value === null ? '待核定' : b.value + '隐患', b)),
    row('挂牌督办', '挂牌督办隐患', s.listed || { found: 0, rectified: 0, rate: null }),
  ]
}

// Tag colour of a ledger row's level / listing.
export function levelTag(level) {
  return level === '重大' ? 'danger' : level === '一般' ? 'warning' : 'info'
}

// The 约谈 records of a case, newest first, from its events (the action's
// payload carries who, position, when, by whom and the outcome).
export function interviewsOf(events) {
  return (events || [])
    .filter((e) => e.payload && e.payload.interview_id && e.payload.person)
    .map((e) => ({ id: e.payload.interview_id, person: e.payload.person, position: e.payload.position || '',
      held_at: e.payload.held_at, interviewer: e.payload.interviewer, outcome: e.payload.outcome }))
    .sort((a, b) => b.id - a.id)
}

// Days from today (the browser's date, Asia/Shanghai) to a YYYY-MM-DD date.
export function daysLeft(date, now = Date.now()) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date || '')) return null
  const day = Date.parse(date + 'T00:00:00+08:00')
  const today = Math.floor((now + 8 * 3600e3) / 86400e3) * 86400e3 - 8 * 3600e3
  return Math.round((day - today) / 86400e3)
}

// What the extension rule says about asking today: at least 20 days before.
export function extensionHint(deadline, now = Date.now()) {
  const d = daysLeft(deadline, now)
  if (d === null) return ''
  if (d < 0) return '已超过整改时限 ' + -d + ' 日'
  if (d < 20) return '距整改时限仅剩 ' + d + ' 日，已不能申请延期（须在时限 20 日前提出）'
  return '距整改时限还有 ' + d + ' 日，可在还剩 20 日前申请延期'
}

// GeoJSON point features with their drawing position: the n-th feature at
// a point already taken goes round it on a ring of about 80 m, so hazards
// of one enterprise do not hide each other on the map.
export function spread(features) {
  const seen = new Map()
  return (features || []).map((f) => {
    const [lng, lat] = f.geometry.coordinates
    const k = lng.toFixed(5) + ',' + lat.toFixed(5)
    const n = seen.get(k) || 0
    seen.set(k, n + 1)
    if (!n) return { f, lng, lat }
    const a = (n - 1) * (Math.PI / 3)
    return { f, lng: lng + 0.0009 * Math.cos(a), lat: lat + 0.0007 * Math.sin(a) }
  })
}
