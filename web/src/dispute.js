// The dispute type (矛盾纠纷调解, config/types/dispute.json) as the mediator's
// pages read it: ID numbers (GB 11643), the level ladder, the names of the
// type's classes, levels and states, and the story the events tell
// (escalations, sessions, who acted for which region). Pure JS: no Vue.

export const CHANNELS = { visit: '来访', grid: '网格上报', phone: '来电', referral: '转办' }

// The ladder, lowest first, when the type does not send its own.
export const DEFAULT_LEVELS = [
  { org_kind: 'grid', name: '楼栋（组）' },
  { org_kind: 'village', name: '村（社区）' },
  { org_kind: 'township', name: '乡镇（街道）' },
  { org_kind: 'county', name: '县（市、区）' },
]

export function levelsOf(type) {
  const l = type && Array.isArray(type.levels) && type.levels.length ? type.levels : DEFAULT_LEVELS
  return l.map((x) => ({ org_kind: x.org_kind, name: x.name }))
}

export function levelName(type, kind) {
  if (!kind) return ''
  const l = levelsOf(type).find((x) => x.org_kind === kind)
  return l ? l.name : kind
}

export function className(type, code) {
  const c = ((type && type.classes) || []).find((x) => x.code === code)
  return c ? c.name : code || ''
}

export function channelLabel(code) {
  return CHANNELS[code] || code || ''
}

export function partyRoles(type) {
  const p = type && type.parties
  return (p && p.roles) || [
    { code: 'applicant', name: '申请人' },
    { code: 'respondent', name: '被申请人' },
    { code: 'third', name: '第三人' },
  ]
}

export function partyLimits(type) {
  const p = (type && type.parties) || {}
  return { min: p.min || 2, max: p.max || 10 }
}

// ---- GB 11643 居民身份证号码: 17 digits and a check character
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

export function idCheckChar(first17) {
  let s = 0
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * WEIGHTS[i]
  return CHECK[s % 11]
}

// '' when the number looks right, else a hint in Chinese. The check digit
// is the server's to judge (its message is shown beside the field), so the
// browser only says what is plainly not an ID number: its length and its
// characters, and a birth date that cannot be.
export function idFormatHint(v) {
  const s = String(v || '').trim()
  if (!s) return ''
  if (s.length !== 18) return '身份证号码应为 18 位（现有 ' + s.length + ' 位）'
  if (!/^\d{17}[\dXx]$/.test(s)) return '身份证号码前 17 位须为数字，最后一位为数字或 X'
  const m = Number(s.slice(10, 12))
  const d = Number(s.slice(12, 14))
  if (m < 1 || m > 12 || d < 1 || d > 31) return '身份证号码中的出生日期不正确'
  return ''
}

// Whether the check character agrees (a hint only; the server decides).
export function idChecksumOk(v) {
  const s = String(v || '').trim().toUpperCase()
  return /^\d{17}[\dX]$/.test(s) && idCheckChar(s) === s[17]
}

export function phoneHint(v) {
  const s = String(v || '').trim()
  if (!s) return ''
  if (/^1\d{10}$/.test(s)) return ''
  if (/^0\d{2,3}-?\d{7,8}$/.test(s)) return ''
  return '手机 11 位，座机须含区号（如 0797-1234567）'
}

// ---- a case's joint partner and its regions

export function leadAssignment(c) {
  const a = ((c && c.assignments) || []).filter((x) => x.kind === 'lead')
  return a.find((x) => x.status !== 'cancelled') || a[a.length - 1] || null
}

export function jointAssignment(c) {
  const a = ((c && c.assignments) || []).filter((x) => x.kind === 'assist')
  return a.find((x) => x.status !== 'cancelled') || a[a.length - 1] || null
}

export function isJoint(c) {
  return !!((c && c.fields && c.fields.joint_org) || jointAssignment(c))
}

// {code: name} of every org the case names (its org, its assignments).
export function caseOrgNames(c) {
  const m = {}
  if (c && c.org) m[c.org.code] = c.org.name
  for (const a of (c && c.assignments) || []) m[a.org.code] = a.org.name
  return m
}

// The org an event was taken for: the actor's org the timeline names
// (`org`, docs/api.md), else the assignment it acted on, the org a case was
// registered at, the level that accepted it, the level an escalation left;
// else through the same actor's other events (`byActor`, from
// actorOrgs()), else null.
export function eventOrg(e, byActor = {}) {
  const p = (e && e.payload) || {}
  if (e && e.org && e.org.code) return e.org.code
  if (p.assignment_org) return p.assignment_org
  if (e.action === 'create' && p.org) return p.org
  if (e.action === 'accept' && p.level && p.level.org) return p.level.org
  if (p.escalation && p.escalation.from) return p.escalation.from.org
  if (e.actor && byActor[e.actor.id]) return byActor[e.actor.id]
  return null
}

export function actorOrgs(events) {
  const m = {}
  for (const e of events || []) {
    if (!e.actor || m[e.actor.id]) continue
    const o = eventOrg({ ...e, actor: null })
    if (o) m[e.actor.id] = o
  }
  return m
}

export function escalations(events) {
  return (events || [])
    .filter((e) => e.action === 'report_up' && e.payload && e.payload.escalation)
    .map((e) => ({
      seq: e.seq,
      at: e.at,
      auto: !!(e.payload.auto || !e.actor),
      actor: e.actor,
      from: e.payload.escalation.from,
      to: e.payload.escalation.to,
      reason: e.payload.reason || '',
    }))
}

export function sessions(events, byActor = {}) {
  return (events || [])
    .filter((e) => e.action === 'session' && e.payload)
    .map((e) => ({
      seq: e.seq,
      at: e.payload.session_at || e.at,
      recorded_at: e.at,
      place: e.payload.place || '',
      participants: e.payload.participants || '',
      summary: e.payload.summary || '',
      actor: e.actor,
      org: eventOrg(e, byActor),
    }))
}

// The county above an org, from what the org picker's search knows of it
// (its path "赣州市濂江县 / 长岭乡" starts at the caller's top org, which is
// a county only for a county-wide account). null when the caller cannot
// see it: the API names no region for an org outside the caller's tree.
export function countyFromPath(org, tops) {
  if (!org) return null
  if (org.kind === 'county') return org.name
  const top = (tops || []).find((t) => t.kind === 'county' && org.path && org.path.startsWith(t.name + ' / '))
  return top ? top.name : null
}

export function regionLabel(name, county) {
  if (!name) return '—'
  if (!county || name.startsWith(county) || name === county) return name
  return county + ' ' + name
}

// 调解成功率 as the dashboard derives it: closed ÷ (closed + failed) of the
// cases' current states (counts.by_status); null when neither.
export function successRate(s) {
  const by = (s && s.counts && s.counts.by_status) || {}
  const closed = by.closed || 0
  const failed = by.failed || 0
  return closed + failed ? closed / (closed + failed) : null
}
