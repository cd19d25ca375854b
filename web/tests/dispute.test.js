import { describe, it, expect } from 'vitest'
import {
  idCheckChar, idFormatHint, idChecksumOk, phoneHint, levelName, escalations, sessions, actorOrgs, eventOrg,
  countyFromPath, regionLabel, successRate, isJoint,
} from '../src/dispute.js'

describe('GB 11643 ID numbers', () => {
  it('computes the check character', () => {
    // the demo's 廖国华
    expect(idCheckChar('36072719660510014')).toBe('1')
    expect(idChecksumOk('360727196605100141')).toBe(true)
    expect(idChecksumOk('360727196605100142')).toBe(false)
    expect(idChecksumOk('11010519491231002x')).toBe(true)
  })
  it('hints at the length, the characters and the birth date only', () => {
    expect(idFormatHint('')).toBe('')
    expect(idFormatHint('3607271966')).toMatch(/18 位（现有 10 位）/)
    expect(idFormatHint('36072719660510014A')).toMatch(/最后一位为数字或 X/)
    expect(idFormatHint('360727196613100141')).toMatch(/出生日期/)
    expect(idFormatHint('360727196605100142')).toBe('') // the check digit is the server's
  })
  it('phones: a mobile of 11 digits or a landline with its area code', () => {
    expect(phoneHint('13907971234')).toBe('')
    expect(phoneHint('0797-1234567')).toBe('')
    expect(phoneHint('07357221100')).toBe('')
    expect(phoneHint('123')).toMatch(/11 位/)
  })
})

describe('the story of a dispute', () => {
  const events = [
    { seq: 1, action: 'create', actor: { id: 47, name: '郭春兰' }, payload: { org: 'town.b' } },
    { seq: 2, action: 'take', actor: { id: 48, name: '李建军' }, payload: { assignment_org: 'town.x' } },
    { seq: 3, action: 'session', at: '2026-11-22T10:00:00+08:00', actor: { id: 48, name: '李建军' },
      payload: { assignment_org: 'town.x', session_at: '2026-11-22T09:30:00+08:00', place: '白竹村村委会', participants: 'a', summary: 'b' } },
    { seq: 4, action: 'report_up', actor: null, payload: { auto: true, reason: '本级调解期限届满', escalation: { from: { org: 'grid.a1', kind: 'grid', name: '楼栋（组）', org_name: '第一网格' }, to: { org: 'village.a1', kind: 'village', name: '村（社区）', org_name: '东门社区' } } } },
    { seq: 5, action: 'revisit', actor: { id: 47, name: '郭春兰' }, payload: {} },
  ]
  it('escalations, with the scheduler\'s marked automatic', () => {
    const x = escalations(events)
    expect(x).toHaveLength(1)
    expect(x[0]).toMatchObject({ auto: true, reason: '本级调解期限届满', from: { org_name: '第一网格' }, to: { org_name: '东门社区' } })
  })
  it('sessions with the unit that recorded them; an event without an org is its actor\'s', () => {
    const by = actorOrgs(events)
    expect(by).toEqual({ 47: 'town.b', 48: 'town.x' })
    expect(sessions(events, by)[0]).toMatchObject({ at: '2026-11-22T09:30:00+08:00', place: '白竹村村委会', org: 'town.x' })
    expect(eventOrg(events[4], by)).toBe('town.b')
    expect(eventOrg(events[4], {})).toBe(null)
  })
  it('levels and regions', () => {
    expect(levelName(null, 'village')).toBe('村（社区）')
    expect(levelName({ levels: [{ org_kind: 'grid', name: '网格' }] }, 'grid')).toBe('网格')
    const tops = [{ kind: 'county', name: '赣州市濂江县' }]
    expect(countyFromPath({ kind: 'township', name: '长岭乡', path: '赣州市濂江县 / 长岭乡' }, tops)).toBe('赣州市濂江县')
    expect(countyFromPath({ kind: 'township', name: '长岭乡', path: '长岭乡' }, [{ kind: 'township', name: '长岭乡' }])).toBe(null)
    expect(regionLabel('长岭乡', '赣州市濂江县')).toBe('赣州市濂江县 长岭乡')
    expect(regionLabel('湘岭县界首镇', null)).toBe('湘岭县界首镇')
    expect(isJoint({ assignments: [{ kind: 'lead', org: {} }, { kind: 'assist', org: {} }] })).toBe(true)
    expect(isJoint({ assignments: [{ kind: 'lead', org: {} }], fields: {} })).toBe(false)
  })
  it('调解成功率 = closed ÷ (closed + failed)', () => {
    expect(successRate({ counts: { by_status: { closed: 4, failed: 1, mediating: 3 } } })).toBe(0.8)
    expect(successRate({ counts: { by_status: { mediating: 3 } } })).toBe(null)
  })
})
