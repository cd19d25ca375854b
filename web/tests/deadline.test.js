import { describe, it, expect } from 'vitest'
import {
  deadlineInfo, fmtTime, fmtDate, queueReasons, candidateActions, unitsOf, assignmentOf, unitDeadline,
  cleanFilters, channelName, className, statusTagType, weekdaysBetween, HOUR, DAY, MINUTE,
} from '../src/deadline.js'
import { pct, ratio } from '../src/components/rates/format.js'

const NOW = Date.parse('2026-12-02T09:00:00+08:00')

describe('deadlineInfo', () => {
  it('no deadline', () => {
    expect(deadlineInfo(null, NOW)).toMatchObject({ level: 'none', text: '—' })
  })
  it('overdue by days is red and counts whole days', () => {
    const d = deadlineInfo(new Date(NOW - 2 * DAY - 5 * HOUR), NOW)
    expect(d).toMatchObject({ level: 'overdue', text: '已超期 2 天', cls: 'overdue' })
  })
  it('overdue by hours and minutes', () => {
    expect(deadlineInfo(NOW - 3 * HOUR - 10 * MINUTE, NOW).text).toBe('已超期 3 小时')
    expect(deadlineInfo(NOW - 23 * HOUR, NOW).text).toBe('已超期 23 小时')
    expect(deadlineInfo(NOW - 24 * HOUR, NOW).text).toBe('已超期 1 天')
    expect(deadlineInfo(NOW - 5 * MINUTE, NOW).text).toBe('已超期 5 分钟')
  })
  it('exactly at the deadline is overdue', () => {
    expect(deadlineInfo(NOW, NOW)).toMatchObject({ level: 'overdue', text: '已超期' })
  })
  it('due within 24 hours is amber with hours left', () => {
    const d = deadlineInfo('2026-12-02T20:30:00+08:00', NOW)
    expect(d).toMatchObject({ level: 'soon', text: '剩余 11 小时', cls: 'due-soon' })
    expect(deadlineInfo(NOW + 23 * HOUR + 59 * MINUTE, NOW).text).toBe('剩余 23 小时')
  })
  it('less than an hour left is in minutes', () => {
    expect(deadlineInfo(NOW + 30 * MINUTE + 1, NOW).text).toBe('剩余 31 分钟')
    expect(deadlineInfo(NOW + 1000, NOW).text).toBe('剩余 1 分钟')
  })
  it('more than a day left is grey days and hours', () => {
    expect(deadlineInfo(NOW + 24 * HOUR, NOW)).toMatchObject({ level: 'normal', text: '剩余 1 天', cls: 'muted' })
    expect(deadlineInfo('2026-12-05T00:00:00+08:00', NOW).text).toBe('剩余 2 天 15 小时')
  })
  it('a closed case shows whether it finished in time', () => {
    expect(deadlineInfo('2026-11-20T00:00:00+08:00', NOW, { closedAt: '2026-11-19T10:00:00+08:00' }).text).toBe('按期办结')
    expect(deadlineInfo('2026-11-20T00:00:00+08:00', NOW, { closedAt: '2026-11-21T10:00:00+08:00' })).toMatchObject({ level: 'done', text: '超期办结' })
  })
  it("the server's overdue flag wins over a browser clock that lags", () => {
    expect(deadlineInfo(NOW + 2 * HOUR, NOW, { overdue: true })).toMatchObject({ level: 'overdue', text: '已超期' })
  })
  it('the title shows the deadline in Beijing time', () => {
    expect(deadlineInfo('2026-12-04T16:00:00Z', NOW).title).toBe('时限 2026-12-05 00:00')
  })
  it('soonHours changes the amber window', () => {
    expect(deadlineInfo(NOW + 30 * HOUR, NOW, { soonHours: 48 }).level).toBe('soon')
  })
})

describe('times', () => {
  it('formats in Beijing time, with the year only when it differs', () => {
    expect(fmtTime('2026-12-01T18:54:00+08:00', NOW)).toBe('12-01 18:54')
    expect(fmtTime('2026-12-01T10:54:00Z', NOW)).toBe('12-01 18:54')
    expect(fmtTime('2025-12-31T23:00:00+08:00', NOW)).toBe('2025-12-31 23:00')
    expect(fmtTime(null, NOW)).toBe('')
    expect(fmtDate('2026-12-01T16:30:00Z')).toBe('2026-12-02')
  })
})

const item = (status, assignments = [], extra = {}) => ({
  id: 1, status, due_at: '2026-12-05T00:00:00+08:00', closed_at: null, overdue: false, assignments, ...extra,
})
const asg = (code, kind, status, name = code) => ({ org: { id: code.length, code, name }, kind, status, due_at: '2026-12-05T00:00:00+08:00', sign_due_at: '2026-12-02T11:00:00+08:00' })

describe('queueReasons', () => {
  it('received', () => {
    expect(queueReasons(item('received'), NOW).map((r) => r.text)).toEqual(['待派单'])
    expect(queueReasons(item('received', [asg('dept.cg', 'lead', 'cancelled')]), NOW).map((r) => r.text)).toEqual(['待改派'])
  })
  it("an assisting unit's return names the unit while the case stays handling", () => {
    const r = queueReasons(item('handling', [asg('dept.cg', 'lead', 'signed', '城管局'), asg('town.a', 'assist', 'return_requested', '濂江镇')]), NOW)
    expect(r).toEqual([{ code: 'return', text: '退单申请 · 濂江镇（协办）', tag: 'warning' }])
  })
  it("the lead's extension and overdue", () => {
    const r = queueReasons(item('extension_requested', [asg('dept.zj', 'lead', 'extension_requested', '住建局')], { overdue: true }), NOW)
    expect(r.map((x) => x.code)).toEqual(['extension', 'overdue'])
  })
  it('overdue by the clock', () => {
    expect(queueReasons(item('handling', [], { due_at: '2026-12-01T00:00:00+08:00' }), NOW).map((x) => x.code)).toEqual(['overdue'])
  })
  it('overdue says by how long', () => {
    expect(queueReasons(item('handling', [], { due_at: '2026-11-30T09:00:00+08:00' }), NOW).map((x) => x.text)).toEqual(['已超期 2 天'])
    expect(queueReasons(item('handling', [], { due_at: '2026-12-02T06:00:00+08:00' }), NOW).map((x) => x.text)).toEqual(['已超期 3 小时'])
    // the server's flag with the clock paused: no length to give
    expect(queueReasons(item('handling', [], { due_at: '2026-12-03T00:00:00+08:00', overdue: true }), NOW).map((x) => x.text)).toEqual(['已超期'])
  })
  const grid = {
    name: '网格事件',
    classes: [{ code: 'bj-0101', name: '部件·井盖（破损、缺失）' }],
    queues: {
      grid_register: { name: '网格事件待立案', status: ['reported'] },
      grid_dispatch: { name: '网格事件待派遣', status: ['registered'], or_overdue: true },
      grid_verify: { name: '网格事件待核查', status: ['handled'] },
    },
  }
  it("a type's own queues, named without the type's name", () => {
    expect(queueReasons(item('reported'), NOW, grid)).toEqual([{ code: 'grid_register', text: '待立案', tag: 'primary' }])
    expect(queueReasons(item('registered'), NOW, grid).map((x) => x.text)).toEqual(['待派遣'])
    expect(queueReasons(item('handled'), NOW, grid).map((x) => x.text)).toEqual(['待核查'])
    expect(queueReasons(item('handling', [], { due_at: '2026-12-01T09:00:00+08:00' }), NOW, grid).map((x) => x.text)).toEqual(['已超期 1 天'])
    expect(queueReasons(item('dispatched'), NOW, grid)).toEqual([])
  })
  it("the hotline's queues add nothing to its own reasons", () => {
    const hotline = { name: '12345热线', queues: { dispatch: { name: '派单员待办', status: ['received', 'return_requested', 'extension_requested'] } } }
    expect(queueReasons(item('received'), NOW, hotline).map((x) => x.text)).toEqual(['待派单'])
  })
})

describe('names', () => {
  it('a class by its name, the code while the type is unknown', () => {
    expect(className({ classes: [{ code: 'bj-0101', name: '部件·井盖（破损、缺失）' }] }, 'bj-0101')).toBe('部件·井盖（破损、缺失）')
    expect(className(null, 'bj-0101')).toBe('bj-0101')
    expect(className({ classes: [] }, '')).toBe('')
  })
  it("the grid events' channels", () => {
    expect(['grid', 'app', 'phone'].map(channelName)).toEqual(['网格员上报', 'APP', '电话'])
  })
  it('rates on the dashboard: null is —, never 0% or NaN', () => {
    expect(pct(5 / 13)).toBe('38.5%')
    expect(pct(1)).toBe('100%')
    expect(pct(0)).toBe('0%')
    expect(pct(null)).toBe('—')
    expect(pct(undefined)).toBe('—')
    expect(pct(NaN)).toBe('—')
    expect(ratio(3, 5)).toBe('3/5')
    expect(ratio(0, 0)).toBe('')
  })
})

const type = {
  states: [{ code: 'received' }, { code: 'closed', final: true }, { code: 'merged', final: true }],
  actions: [
    { code: 'dispatch', from: ['received'], roles: ['dispatcher'] },
    { code: 'sign', on: 'assignment', assignment_from: ['pending'], from: ['dispatched', 'handling'], roles: ['handler', 'unit_lead'] },
    { code: 'reply', on: 'assignment', assignment_from: ['signed'], from: ['handling', 'return_requested'], roles: ['handler', 'unit_lead'] },
    { code: 'approve_return', on: 'assignment', assignment_from: ['return_requested'], from: ['handling', 'return_requested'], roles: ['dispatcher'] },
    { code: 'urge', from: ['dispatched', 'handling'], roles: ['supervisor'] },
  ],
}

describe('candidateActions', () => {
  const cg1 = { org: 'dept.cg', org_id: 3, roles: ['handler'] }
  const disp = { org: 'county.12345', org_id: 2, roles: ['dispatcher'] }
  it("uses the user's own unit's assignment", () => {
    const c = item('handling', [asg('dept.cg', 'lead', 'signed'), asg('town.a', 'assist', 'pending')])
    expect(candidateActions(type, c, cg1)).toEqual(['reply'])
    const c2 = item('handling', [asg('dept.cg', 'assist', 'pending'), asg('town.a', 'lead', 'signed')])
    expect(candidateActions(type, c2, cg1)).toEqual(['sign'])
  })
  it('a unit without an assignment looks at any assignment', () => {
    const c = item('handling', [asg('dept.cg', 'lead', 'signed'), asg('town.a', 'assist', 'return_requested')])
    expect(candidateActions(type, c, disp)).toEqual(['approve_return'])
    expect(candidateActions(type, item('received'), disp)).toEqual(['dispatch'])
  })
  it('roles and states', () => {
    expect(candidateActions(type, item('closed'), disp)).toEqual([])
    expect(candidateActions(type, item('handling'), { org: 'x', roles: ['supervisor'] })).toEqual(['urge'])
    expect(candidateActions(null, item('handling'), disp)).toEqual([])
  })
})

describe('time limits of actions', () => {
  const t2 = {
    deadlines: { return_window: { workdays: 2 } },
    actions: [
      { code: 'return', on: 'assignment', assignment_from: ['pending', 'signed'], from: ['handling'], roles: ['handler'], within: { since: 'dispatched_at', deadline: 'return_window' } },
      { code: 'extend', on: 'assignment', assignment_from: ['signed'], from: ['handling'], roles: ['handler'], before_due: true },
    ],
  }
  const cg1 = { org: 'dept.cg', org_id: 3, roles: ['handler'] }
  const a = (dispatched, due) => ({ ...asg('dept.cg', 'lead', 'signed'), dispatched_at: dispatched, due_at: due })
  it('return only near its dispatch, extend only before the deadline', () => {
    // Wed 2026-12-02: dispatched Monday → 2 weekdays, still offered; the Tuesday before → 6 weekdays
    expect(candidateActions(t2, item('handling', [a('2026-11-30T10:00:00+08:00', '2026-12-05T00:00:00+08:00')]), cg1, NOW)).toEqual(['return', 'extend'])
    expect(candidateActions(t2, item('handling', [a('2026-11-24T10:00:00+08:00', '2026-12-01T00:00:00+08:00')]), cg1, NOW)).toEqual([])
  })
  it('weekdays between two instants', () => {
    // Fri → Mon is one weekday; Mon → Mon is five
    expect(weekdaysBetween(Date.parse('2026-11-27T10:00:00+08:00'), Date.parse('2026-11-30T09:00:00+08:00'))).toBe(1)
    expect(weekdaysBetween(Date.parse('2026-11-23T10:00:00+08:00'), Date.parse('2026-11-30T09:00:00+08:00'))).toBe(5)
    expect(weekdaysBetween(NOW, NOW)).toBe(0)
  })
})

describe('units', () => {
  const c = item('handling', [asg('dept.cg', 'lead', 'cancelled', '城管局'), asg('dept.zj', 'lead', 'signed', '住建局'), asg('town.a', 'assist', 'done', '濂江镇')])
  it('lead and assisting units leave out cancelled ones', () => {
    expect(unitsOf(c)).toEqual({ lead: '住建局', assists: ['濂江镇'] })
  })
  it("a unit's assignment and deadline", () => {
    expect(assignmentOf(c, 'dept.cg').status).toBe('cancelled')
    expect(assignmentOf(c, 'town.a').kind).toBe('assist')
    expect(assignmentOf(c, 'nope')).toBe(null)
    expect(unitDeadline(asg('x', 'lead', 'pending')).label).toBe('签收时限')
    expect(unitDeadline(asg('x', 'lead', 'signed')).at).toBe('2026-12-05T00:00:00+08:00')
  })
})

describe('misc', () => {
  it('cleanFilters drops empty values and sorts keys', () => {
    expect(cleanFilters({ z: '1', a: '', status: ['a', 'b'], overdue: true, q: null, e: [] })).toEqual({ overdue: '1', status: 'a,b', z: '1' })
    expect(JSON.stringify(cleanFilters({ b: 1, a: 2 }))).toBe('{"a":"2","b":"1"}')
  })
  it('names and tags', () => {
    expect(channelName('wechat')).toBe('微信')
    expect(channelName('110')).toBe('110')
    expect(channelName('fax')).toBe('fax')
    expect(statusTagType('closed', type)).toBe('success')
    expect(statusTagType('merged', type)).toBe('info')
    expect(statusTagType('return_requested', type)).toBe('warning')
    expect(statusTagType('handling', type)).toBe('primary')
  })
})
