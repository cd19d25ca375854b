// 吹哨报到 (config/types/whistle.json, docs/whistle.md): what the whistle's
// pages say about a summoned department's part. Pure JS, no Vue, no fetch.
//
// A part (an assignment of a whistle) is reported in (报到) when it has
// signed_at; the server's sign_late says it came (or has not come) after
// its sign_due_at, the class's limit: 一般 2 working hours, 紧急 30 clock
// minutes.

import { fmtTime } from './deadline.js'

const MINUTE = 60000

export const PART_STATUS = {
  pending: '待报到',
  wh_present: '已报到处置中',
  wh_fed_back: '已反馈',
  cancelled: '已撤回',
}

// The whistle's class limit in words ("2 个工作小时", "30 分钟").
export function limitText(cls) {
  const d = cls && cls.sign_within
  if (!d) return ''
  if (d.minutes) return d.minutes + ' 分钟内（自然时间）'
  if (d.hours) return d.hours + ' 小时内（自然时间）'
  if (d.workhours) return d.workhours + ' 个工作小时内'
  if (d.workdays) return d.workdays + ' 个工作日内'
  return ''
}

// Minutes from dispatch to report-in, or null.
export function reportMinutes(a) {
  if (!a || !a.signed_at || !a.dispatched_at) return null
  return Math.round((Date.parse(a.signed_at) - Date.parse(a.dispatched_at)) / MINUTE)
}

export function minutesText(m) {
  if (m === null || m === undefined || !Number.isFinite(m)) return '—'
  if (m < 60) return m + ' 分钟'
  const h = Math.floor(m / 60)
  return h + ' 小时' + (m % 60 ? ' ' + (m % 60) + ' 分钟' : '')
}

// {text, cls, late} of a part's report-in for a list or a chip:
//   已报到 10:10（用时 10 分钟） / 超时报到 10:45 / 超时未报到 / 待报到（时限 10:30）
export function reportState(a, now = Date.now()) {
  if (!a) return { text: '—', cls: 'muted', late: false }
  if (a.status === 'cancelled' && !a.signed_at) return { text: '已撤回', cls: 'muted', late: false }
  if (a.signed_at) {
    const used = minutesText(reportMinutes(a))
    return a.sign_late
      ? { text: '超时报到 ' + fmtTime(a.signed_at, now) + '（用时 ' + used + '）', cls: 'overdue', late: true }
      : { text: '按时报到 ' + fmtTime(a.signed_at, now) + '（用时 ' + used + '）', cls: 'on-time', late: false }
  }
  if (a.sign_late) return { text: '超时未报到（时限 ' + fmtTime(a.sign_due_at, now) + '）', cls: 'overdue', late: true }
  return { text: '待报到（时限 ' + fmtTime(a.sign_due_at, now) + '）', cls: 'due-soon', late: false }
}

// The parts of a whistle (every department summoned), in summons order.
export function partsOf(c) {
  return ((c && c.assignments) || []).slice()
}

const SCORE = { 5: '5 分（好）', 4: '4 分（较好）', 3: '3 分（一般）', 2: '2 分（较差）', 1: '1 分（差）' }
export function scoreText(n) {
  return SCORE[n] || (n === undefined || n === null ? '—' : String(n))
}

// The owner's rating of a part, in words; '' when not rated.
export function ownerRatingText(a) {
  const r = a && a.ratings && a.ratings.owner
  if (!r) return ''
  return '及时性 ' + r.timeliness + ' 分 · 效果 ' + r.effect + ' 分' + (r.note ? ' · ' + r.note : '')
}

// The department's rating of the summons, in words; '' when not rated.
export function unitRatingText(a) {
  const r = a && a.ratings && a.ratings.unit
  if (!r) return ''
  return (r.duty ? '属本部门职责' : '不属本部门职责') + (r.note ? ' · ' + r.note : '')
}
