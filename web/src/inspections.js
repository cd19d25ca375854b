// Rolling safety inspection (滚动排查, docs/inspection.md) in the browser:
// the industry checklist of a case from its type, the answers the record
// dialog collects and what is still missing before they can be sent, and
// how a plan's frequency and an inspection's period read. The server
// checks everything again (every item answered once, no unknown code).

export const FREQUENCIES = [
  { value: 'monthly', label: '每月' },
  { value: 'quarterly', label: '每季度' },
  { value: 'yearly', label: '每年' },
]
export const RISK_LEVELS = ['红', '橙', '黄', '蓝']
// The four risk colours (红橙黄蓝) as tags show them: Element Plus has no
// orange or yellow of its own, so each is its colour, white text on it.
export const RISK_COLOR = { 红: '#dc2626', 橙: '#ea580c', 黄: '#ca8a04', 蓝: '#2563eb' }

// The type's field of kind checklist an action takes, or null.
export function checklistField(type, actionDef) {
  if (!type || !actionDef) return null
  for (const af of actionDef.fields || []) {
    const f = (type.fields || []).find((x) => x.name === af.name)
    if ((af.type || (f && f.type)) === 'checklist') return af.name
  }
  return null
}

// The checklist of an industry in the type (its "checklists" block), [] if none.
export function checklistFor(type, industry) {
  return (type && type.checklists && type.checklists[industry]) || []
}

// A fresh answer per item: not yet answered (ok null), no note.
export function blankAnswers(list) {
  return list.map((it) => ({ item: it.code, text: it.text, category: it.category || '', ok: null, note: '' }))
}

// What keeps the answers from being sent, in Chinese; '' when they can go.
// Every item needs 合格 or 不合格, and a failed one says what was found.
export function answersProblem(answers) {
  if (!answers.length) return '该企业所属行业没有检查表'
  const open = answers.filter((a) => a.ok !== true && a.ok !== false)
  if (open.length) return '还有 ' + open.length + ' 个检查项未判定（第一个：' + open[0].item + '）'
  const bare = answers.find((a) => a.ok === false && !a.note.trim())
  if (bare) return '不合格项 ' + bare.item + ' 须写明发现的问题'
  const long = answers.find((a) => [...a.note].length > 500)
  if (long) return '检查项 ' + long.item + ' 的说明最多 500 字'
  return ''
}

// The body's checklist: [{item, ok, note?}].
export function answersBody(answers) {
  return answers.map((a) => (a.note.trim() ? { item: a.item, ok: a.ok, note: a.note.trim() } : { item: a.item, ok: a.ok }))
}

export function failedCount(answers) {
  return answers.filter((a) => a.ok === false).length
}

// "2026-12" → 2026年12月, "2026-Q4" → 2026年第4季度, "2026" → 2026年度.
export function periodLabel(p) {
  if (!p) return ''
  let m = /^(\d{4})-Q([1-4])$/.exec(p)
  if (m) return m[1] + '年第' + m[2] + '季度'
  m = /^(\d{4})-(\d{2})$/.exec(p)
  if (m) return m[1] + '年' + Number(m[2]) + '月'
  if (/^\d{4}$/.test(p)) return p + '年度'
  return p
}

export function frequencyLabel(code) {
  const f = FREQUENCIES.find((x) => x.value === code)
  return f ? f.label : code || ''
}

// The hazards an inspection found: its links of kind found_by coming in.
export function foundHazards(c) {
  return ((c && c.links) || []).filter((l) => l.kind === 'found_by' && l.direction === 'in')
}
// The inspection a hazard was found by, or null.
export function foundBy(c) {
  return ((c && c.links) || []).find((l) => l.kind === 'found_by' && l.direction === 'out') || null
}
