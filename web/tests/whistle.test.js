import { describe, it, expect } from 'vitest'
import { limitText, reportMinutes, minutesText, reportState, ownerRatingText, unitRatingText } from '../src/whistle.js'
import { buildForm } from '../src/formbuild.js'

const NOW = Date.parse('2026-03-03T10:31:00+08:00')
const part = (extra) => ({
  org: { code: 'dept.rs', name: '濂江县人力资源和社会保障局' }, status: 'pending',
  dispatched_at: '2026-03-03T10:00:00+08:00', sign_due_at: '2026-03-03T10:30:00+08:00', sign_late: false, ...extra,
})

describe('whistle parts', () => {
  it('says the limit a class sets', () => {
    expect(limitText({ sign_within: { minutes: 30 } })).toBe('30 分钟内（自然时间）')
    expect(limitText({ sign_within: { workhours: 2 } })).toBe('2 个工作小时内')
    expect(limitText({})).toBe('')
    expect(limitText(null)).toBe('')
  })
  it('counts report-in minutes and says them', () => {
    expect(reportMinutes(part({ signed_at: '2026-03-03T10:45:00+08:00' }))).toBe(45)
    expect(reportMinutes(part({}))).toBe(null)
    expect(minutesText(45)).toBe('45 分钟')
    expect(minutesText(90)).toBe('1 小时 30 分钟')
    expect(minutesText(120)).toBe('2 小时')
    expect(minutesText(null)).toBe('—')
  })
  it('tells on time, late, never reported and waiting apart, from the server\'s flag', () => {
    const onTime = reportState(part({ status: 'wh_present', signed_at: '2026-03-03T10:10:00+08:00' }), NOW)
    expect(onTime).toEqual({ text: '按时报到 03-03 10:10（用时 10 分钟）', cls: 'on-time', late: false })
    const late = reportState(part({ status: 'wh_present', signed_at: '2026-03-03T10:45:00+08:00', sign_late: true }), NOW)
    expect(late).toEqual({ text: '超时报到 03-03 10:45（用时 45 分钟）', cls: 'overdue', late: true })
    expect(reportState(part({ sign_late: true }), NOW)).toEqual({ text: '超时未报到（时限 03-03 10:30）', cls: 'overdue', late: true })
    expect(reportState(part({}), NOW)).toEqual({ text: '待报到（时限 03-03 10:30）', cls: 'due-soon', late: false })
    expect(reportState(part({ status: 'cancelled' }), NOW).text).toBe('已撤回')
  })
  it('puts both ratings in words', () => {
    const a = part({ ratings: { owner: { timeliness: 2, effect: 4, note: '迟到' }, unit: { duty: false, note: '非本部门职责' } } })
    expect(ownerRatingText(a)).toBe('及时性 2 分 · 效果 4 分 · 迟到')
    expect(unitRatingText(a)).toBe('不属本部门职责 · 非本部门职责')
    expect(ownerRatingText(part({ ratings: null }))).toBe('')
    expect(unitRatingText(part({}))).toBe('')
  })
  it('picks the rated unit among the case\'s own units (rate_part\'s org_field)', () => {
    const type = {
      fields: [{ name: 'org', label: '被考核部门', type: 'org' }, { name: 'timeliness', label: '及时性', type: 'int', min: 1, max: 5 }],
      actions: [{ code: 'wh_rate_unit', name: '考核部门', fields: [{ name: 'org', required: true }, { name: 'timeliness', required: true }],
        effects: [{ effect: 'rate_part', side: 'owner', org_field: 'org', fields: ['timeliness'] }] }],
    }
    const [org, t] = buildForm(type, 'wh_rate_unit')
    expect([org.widget, org.source, org.statuses]).toEqual(['org', 'assignments', null])
    expect([t.widget, t.min, t.max]).toEqual(['number', 1, 5])
  })
})
