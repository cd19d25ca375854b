import { describe, it, expect } from 'vitest'
import { figuresSentence, figuresDetail, periodDays, visitsByDay, splitLogins, campaignBody, clock } from '../src/campaigns.js'

describe('campaign figures', () => {
  it('reads as the seed prints them', () => {
    const f = { visits: 52, unannounced: 30, problems: 36, solved: 33, open: 3, overdue: 1, warnings: 3 }
    expect(figuresSentence(f)).toBe('开展监督检查 52 次，发现问题 36 个，推动解决 33 个，约谈提醒 3 人')
    expect(figuresDetail(f)).toBe('其中“四不两直” 30 次，正在整改 3 个，逾期未整改 1 个')
    expect(figuresDetail({ ...f, overdue: 0 })).toBe('其中“四不两直” 30 次，正在整改 3 个')
    expect(figuresSentence(null)).toBe('')
  })
})

describe('campaign days', () => {
  it('lists the period up to today, newest first', () => {
    expect(periodDays('2026-02-27', '2026-03-13', '2026-03-02')).toEqual(['2026-03-02', '2026-03-01', '2026-02-28', '2026-02-27'])
    expect(periodDays('2026-03-01', '2026-03-02', '2026-04-01')).toEqual(['2026-03-02', '2026-03-01'])
    expect(periodDays('2026-03-05', '2026-03-13', '2026-03-02')).toEqual([])
  })
  it('groups visits by day in time order', () => {
    const v = (id, at) => ({ id, day: at.slice(0, 10), visited_at: at })
    const g = visitsByDay([v(3, '2026-03-03T09:00:00+08:00'), v(2, '2026-03-02T15:00:00+08:00'), v(1, '2026-03-02T09:30:00+08:00')])
    expect(g.map((d) => [d.day, d.visits.map((x) => x.id)])).toEqual([['2026-03-03', [3]], ['2026-03-02', [1, 2]]])
    expect(clock('2026-03-02T09:30:00+08:00')).toBe('09:30')
  })
})

describe('the create form', () => {
  it('splits member logins on any separator and trims focus points', () => {
    expect(splitLogins('jw2, jw3，jw4 、jw5')).toEqual(['jw2', 'jw3', 'jw4', 'jw5'])
    expect(splitLogins('')).toEqual([])
    const b = campaignBody({ title: 't', period: ['2026-03-02', '2026-03-13'], focus: [' 窗口作风 ', ''], targets: ['town.a', ''], groups: [{ name: '一组', leader: ' jw2 ', members: 'jw3 jw4' }] })
    expect(b).toEqual({ title: 't', starts_on: '2026-03-02', ends_on: '2026-03-13', focus: ['窗口作风'], targets: ['town.a'], groups: [{ name: '一组', leader: 'jw2', members: ['jw3', 'jw4'] }] })
    expect(campaignBody({ title: '', period: null, groups: [] }).starts_on).toBe('')
  })
})
