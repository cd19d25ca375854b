import { describe, it, expect } from 'vitest'
import { sourcesFor, ledgerQuery, summaryRows, pctText, interviewsOf, daysLeft, extensionHint } from '../src/hazard.js'

describe('hazard helpers', () => {
  it('gives each role its sources', () => {
    expect(sourcesFor(['enterprise'])).toEqual(['企业自查'])
    expect(sourcesFor(['inspector'])).toEqual(['部门检查', '群众举报'])
    expect(sourcesFor(['operator'])).toEqual(['群众举报'])
    expect(sourcesFor(['leader'])).toEqual([])
  })
  it('builds the ledger query without empty filters', () => {
    expect(ledgerQuery({ region: '', industry: '工贸', listed: '1', level: '' }, { limit: 50 })).toEqual({ industry: '工贸', listed: '1', limit: 50 })
    expect(ledgerQuery({ listed: '' })).toEqual({})
  })
  it('turns the summary into rows with rates', () => {
    const rows = summaryRows({ found: 4, rectified: 1, rate: 0.25,
      by_source: [{ value: '企业自查', found: 4, rectified: 1, rate: 0.25 }],
      by_level: [{ value: '重大', found: 3, rectified: 0, rate: 0 }, { value: null, found: 1, rectified: 1, rate: 1 }],
      listed: { found: 0, rectified: 0, rate: null } })
    expect(rows.map((r) => r.label)).toEqual(['全部隐患', '企业自查', '重大隐患', '待核定', '挂牌督办隐患'])
    expect(rows[0].rate).toBe('25.0%')
    expect(rows[0].open).toBe(3)
    expect(rows[4].rate).toBe('—')
    expect(pctText(1)).toBe('100.0%')
  })
  it('reads 约谈 records from events', () => {
    const ev = [{ action: 'hz_interview', payload: { interview_id: 2, person: '李', held_at: 'x', interviewer: 'y', outcome: 'z' } },
      { action: 'hz_plan', payload: { deadline: '2026-01-01' } }]
    expect(interviewsOf(ev)).toEqual([{ id: 2, person: '李', position: '', held_at: 'x', interviewer: 'y', outcome: 'z' }])
  })
  it('counts calendar days to a deadline in Asia/Shanghai', () => {
    const now = Date.parse('2026-03-02T10:00:00+08:00')
    expect(daysLeft('2026-03-12', now)).toBe(10)
    expect(daysLeft('2026-03-02', now)).toBe(0)
    expect(daysLeft('bad', now)).toBe(null)
    expect(extensionHint('2026-03-12', now)).toMatch(/已不能申请延期/)
    expect(extensionHint('2026-03-27', now)).toMatch(/还有 25 日/)
  })
})

import { buildForm } from '../src/formbuild.js'
describe('the date field kind in action forms', () => {
  it('gives a date field a date picker', () => {
    const type = { fields: [{ name: 'deadline', label: '整改时限', type: 'date' }],
      actions: [{ code: 'hz_plan', name: '报送整改方案', fields: [{ name: 'deadline', required: true }] }] }
    const f = buildForm(type, 'hz_plan').find((x) => x.name === 'deadline')
    expect(f.widget).toBe('date')
    expect(f.required).toBe(true)
  })
})

import { spread } from '../src/hazard.js'
describe('the map spreads hazards that share a point', () => {
  it('leaves the first where it is and moves the others round it', () => {
    const pt = (lng, lat) => ({ geometry: { coordinates: [lng, lat] } })
    const s = spread([pt(114.8, 25.7), pt(114.8, 25.7), pt(115, 25)])
    expect([s[0].lng, s[0].lat]).toEqual([114.8, 25.7])
    expect(s[1].lng).not.toBe(114.8)
    expect(Math.abs(s[1].lng - 114.8)).toBeLessThan(0.002)
    expect([s[2].lng, s[2].lat]).toEqual([115, 25])
  })
})

describe('the extension hint past the deadline', () => {
  it('says how long ago the deadline passed', () => {
    const now = Date.parse('2026-03-10T10:00:00+08:00')
    expect(extensionHint('2026-03-04', now)).toBe('已超过整改时限 6 日')
  })
})
