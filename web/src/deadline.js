// Deadlines and what a work-queue row shows about a case: the remaining or
// overdue time in words (and its colour), times in Beijing time, the units
// working on a case, why a case sits in the dispatcher's queue, and which
// actions a row may offer before the case itself is fetched. Pure functions
// with `now` passed in, so tests/deadline.test.js can fix the clock.

export const MINUTE = 60 * 1000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
const CST = 8 * HOUR // Asia/Shanghai, no daylight saving

function ms(t) {
  if (t === null || t === undefined || t === '') return NaN
  if (typeof t === 'number') return t
  if (t instanceof Date) return t.getTime()
  return Date.parse(t)
}

// {level, text, cls, title} for a deadline.
//   level: 'none' (no deadline) | 'done' (closed) | 'overdue' | 'soon' | 'normal'
//   cls:   a style.css class: overdue (red), due-soon (amber), muted (grey)
// opts.closedAt: the case is finished; opts.overdue: the server's own flag
// (it wins when the browser's clock disagrees); opts.soonHours: default 24.
export function deadlineInfo(dueAt, now = Date.now(), opts = {}) {
  const due = ms(dueAt)
  if (Number.isNaN(due)) return { level: 'none', text: '—', cls: 'muted', title: '' }
  const title = '时限 ' + fmtTime(due, null)
  const closed = ms(opts.closedAt)
  if (!Number.isNaN(closed)) {
    return closed > due
      ? { level: 'done', text: '超期办结', cls: 'muted', title }
      : { level: 'done', text: '按期办结', cls: 'muted', title }
  }
  const t = ms(now)
  const left = due - t
  const soon = (opts.soonHours || 24) * HOUR
  if (left <= 0 || opts.overdue) {
    const late = Math.max(0, -left)
    let text
    if (late >= DAY) text = '已超期 ' + Math.floor(late / DAY) + ' 天'
    else if (late >= HOUR) text = '已超期 ' + Math.floor(late / HOUR) + ' 小时'
    else if (late >= MINUTE) text = '已超期 ' + Math.floor(late / MINUTE) + ' 分钟'
    else text = '已超期'
    return { level: 'overdue', text, cls: 'overdue', title }
  }
  if (left < soon) {
    const text = left >= HOUR ? '剩余 ' + Math.floor(left / HOUR) + ' 小时' : '剩余 ' + Math.max(1, Math.ceil(left / MINUTE)) + ' 分钟'
    return { level: 'soon', text, cls: 'due-soon', title }
  }
  const days = Math.floor(left / DAY)
  const hours = Math.floor((left % DAY) / HOUR)
  return { level: 'normal', text: '剩余 ' + days + ' 天' + (hours ? ' ' + hours + ' 小时' : ''), cls: 'muted', title }
}

// "12-05 09:30" in Beijing time; with the year when it is not now's year
// (now = null: always with the year). '' for no time.
export function fmtTime(t, now = Date.now()) {
  const v = ms(t)
  if (Number.isNaN(v)) return ''
  const d = new Date(v + CST)
  const p = (n) => String(n).padStart(2, '0')
  const md = p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()) + ' ' + p(d.getUTCHours()) + ':' + p(d.getUTCMinutes())
  const nowYear = now === null ? NaN : new Date(ms(now) + CST).getUTCFullYear()
  return d.getUTCFullYear() === nowYear ? md : d.getUTCFullYear() + '-' + md
}

// A date (YYYY-MM-DD) in Beijing time, for date filters.
export function fmtDate(t) {
  const v = ms(t)
  if (Number.isNaN(v)) return ''
  return new Date(v + CST).toISOString().slice(0, 10)
}

export const CHANNEL_NAMES = {
  phone: '电话',
  web: '网站',
  app: 'APP',
  wechat: '微信',
  open311: '开放接口',
  letter: '来信',
  110: '110',
  email: '邮件',
  sms: '短信',
  visit: '来访',
  // grid events and disputes (their types name channels by code only)
  grid: '网格员上报',
  referral: '转办',
  // whistles (吹哨报到): who blew it
  township: '乡镇吹哨',
  park: '园区吹哨',
  list: '任务清单', // listed tasks (docs/task.md)
  registry: '隐患登记', // hazards (docs/hazard.md): the source field tells who found it
  plan: '排查计划', // rolling inspections (docs/inspection.md)
}

export function channelName(code) {
  return CHANNEL_NAMES[code] || code || ''
}

export const ASSIGNMENT_STATUS_NAMES = {
  pending: '待签收',
  signed: '办理中',
  return_requested: '退单待审',
  extension_requested: '延期待审',
  approval_pending: '待审签',
  done: '已答复',
  cancelled: '已撤回',
  mediating: '调解中',
  wh_present: '已报到',
  wh_fed_back: '已反馈',
  hz_working: '整改中', // a hazard's enterprise (docs/hazard.md)
  hz_reported: '已报整改完成',
}

export const KIND_NAMES = { lead: '主办', assist: '协办', review: '审核' }
// A kind's name on a case of type `type`: a whistle's parts are all
// `review` (none leads), each a department summoned (召集)
const KIND_NAMES_OF_TYPE = { whistle: { review: '召集' } }
export function kindName(kind, type) {
  return (KIND_NAMES_OF_TYPE[type] || {})[kind] || KIND_NAMES[kind] || kind
}

// A class's name from its type's definition (type.classes[].name); the code
// itself while the type is not loaded or does not know it.
export function className(type, code) {
  const c = type && (type.classes || []).find((x) => x.code === code)
  return (c && c.name) || code || ''
}

// Element Plus tag type for a case status.
export function statusTagType(status, type) {
  const st = type && (type.states || []).find((s) => s.code === status)
  if (status === 'closed') return 'success'
  if (st && st.final) return 'info'
  if (['return_requested', 'extension_requested', 'received'].includes(status)) return 'warning'
  if (['replied', 'callback'].includes(status)) return 'success'
  return 'primary'
}

// The live (not cancelled) assignments: {lead, assists} with org names.
export function unitsOf(item) {
  const live = ((item && item.assignments) || []).filter((a) => a.status !== 'cancelled')
  const lead = live.find((a) => a.kind === 'lead')
  return {
    lead: lead ? lead.org.name : '',
    assists: live.filter((a) => a.kind !== 'lead').map((a) => a.org.name),
  }
}

// The assignment of one unit (org code or id) on a case; a live one first.
export function assignmentOf(item, org) {
  const all = ((item && item.assignments) || []).filter((a) => a.org && (a.org.code === org || a.org.id === org))
  return all.find((a) => a.status !== 'cancelled') || all[0] || null
}

// The deadline a unit works to: its sign-for deadline while pending, else its
// handle deadline.
export function unitDeadline(asg) {
  if (!asg) return null
  if (asg.status === 'pending') return { at: asg.sign_due_at, label: '签收时限' }
  if (asg.status === 'done' || asg.status === 'cancelled') return { at: asg.due_at, label: '办理时限', done: asg.done_at || asg.status === 'cancelled' }
  return { at: asg.due_at, label: '办理时限' }
}

// Why a case is in the dispatcher's queue (queue=dispatch) or one of a
// type's own queues: a list of {code, text, tag} — received and not
// dispatched, a unit's return or extension request (naming the unit), the
// type's queue its status puts it in (its `queues` entry, named after the
// type's name: 网格事件待立案 → 待立案, with the queue's key as code), past
// its deadline (with how long: 已超期 2 天). `type` is the case's type
// definition (GET /api/v1/types/{code}), optional.
export function queueReasons(item, now = Date.now(), type = null) {
  const out = []
  if (!item) return out
  const asg = item.assignments || []
  if (item.status === 'received') out.push({ code: 'dispatch', text: asg.some((a) => a.status === 'cancelled') ? '待改派' : '待派单', tag: 'primary' })
  const ret = asg.filter((a) => a.status === 'return_requested')
  if (ret.length) ret.forEach((a) => out.push({ code: 'return', text: '退单申请 · ' + a.org.name + (a.kind === 'lead' ? '（主办）' : '（协办）'), tag: 'warning' }))
  else if (item.status === 'return_requested') out.push({ code: 'return', text: '退单申请', tag: 'warning' })
  const ext = asg.filter((a) => a.status === 'extension_requested')
  if (ext.length) ext.forEach((a) => out.push({ code: 'extension', text: '延期申请 · ' + a.org.name + (a.kind === 'lead' ? '（主办）' : '（协办）'), tag: 'warning' }))
  else if (item.status === 'extension_requested') out.push({ code: 'extension', text: '延期申请', tag: 'warning' })
  if (!out.length) {
    for (const q of typeQueues(type)) {
      if ((q.status || []).includes(item.status)) {
        out.push({ code: q.key, text: q.short, tag: q.key.endsWith('verify') ? 'success' : 'primary' })
        break
      }
    }
  }
  const due = ms(item.due_at)
  if (!item.closed_at && (item.overdue || (!Number.isNaN(due) && due <= ms(now)))) {
    const late = deadlineInfo(item.due_at, now, { overdue: true }).text
    out.push({ code: 'overdue', text: late.startsWith('已超期') ? late : '已超期', tag: 'danger' })
  }
  return out
}

// A type's queues as [{key, name, short, status}], short being the name
// without the type's own name in front (网格事件待立案 → 待立案).
function typeQueues(type) {
  if (!type || !type.queues) return []
  const prefix = type.name || ''
  return Object.entries(type.queues).map(([key, q]) => {
    const name = q.name || key
    const short = prefix && name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : name
    return { key, name, short, status: q.status || [] }
  })
}

// The actions a list row may offer, guessed from the type's definition (the
// list items carry no `actions`): the action's roles meet the user's, the case
// is in one of its `from` states, and for an action on an assignment, the
// user's own unit's assignment (or, for a unit that holds none, e.g. the
// dispatcher's centre, any assignment) is in one of its `assignment_from`.
// Time windows and guards are left to the server: a row's button fetches the
// case and acts only when the case's own `actions` lists the code.
// Two of the type's time limits are checked roughly too, so a row does not
// offer what is plainly too late: `before_due` (the unit's deadline has not
// passed) and `within` a number of working days (counted as weekdays, one
// day of slack for holidays and working hours).
export function candidateActions(type, item, user, now = Date.now()) {
  if (!type || !item || !user) return []
  const roles = user.roles || []
  const asg = item.assignments || []
  const mine = asg.filter((a) => a.org && (a.org.code === user.org || a.org.id === user.org_id))
  const t = ms(now)
  const inTime = (act, a) => {
    if (act.before_due && a && a.due_at && ms(a.due_at) <= t) return false
    const w = act.within
    const limit = w && type.deadlines && type.deadlines[w.deadline]
    if (a && limit && limit.workdays && a[w.since]) {
      if (weekdaysBetween(ms(a[w.since]), t) > limit.workdays + 1) return false
    }
    return true
  }
  return (type.actions || [])
    .filter((act) => (act.roles || []).some((r) => roles.includes(r)))
    .filter((act) => (act.from || []).includes(item.status))
    .filter((act) => {
      if (act.on !== 'assignment') return true
      const pool = mine.length ? mine : asg
      return pool.some((a) => (act.assignment_from || []).includes(a.status) && (!mine.length || inTime(act, a)))
    })
    .map((act) => act.code)
}

// The actions a list row offers: the item's own `actions` when the list was
// asked for them (GET /api/v1/cases?with=actions computes them exactly as
// the case's page does), else the guess from the type's definition above.
export function rowActionCodes(type, item, user, now = Date.now()) {
  if (item && Array.isArray(item.actions)) return item.actions.map((a) => (a && typeof a === 'object' ? a.code : a))
  return candidateActions(type, item, user, now)
}

// Whole weekdays (Mon–Fri, Beijing time) from the day after `from` up to and
// including `to`'s day.
export function weekdaysBetween(from, to) {
  const day = (x) => Math.floor((x + CST) / DAY)
  let n = 0
  for (let d = day(from) + 1; d <= day(to) && n < 1000; d++) {
    const wd = (d + 4) % 7 // 1970-01-01 was a Thursday
    if (wd !== 0 && wd !== 6) n++
  }
  return n
}

// The query object of a list's filters with empty values left out, keys
// sorted, so two equal filter sets compare equal as JSON.
export function cleanFilters(f) {
  const out = {}
  Object.keys(f || {})
    .sort()
    .forEach((k) => {
      const v = f[k]
      if (v === undefined || v === null || v === '' || v === false) return
      if (Array.isArray(v)) {
        if (v.length) out[k] = v.join(',')
        return
      }
      out[k] = v === true ? '1' : String(v)
    })
  return out
}
