import { describe, it, expect } from 'vitest'
import { kindOptions, kindLabel, urlProblem, fmtTime, STATE_LABELS } from '../src/notifications.js'

const TYPES = [
  { code: 'hotline', name: '12345热线工单', actions: [{ code: 'dispatch', name: '派单' }, { code: 'reply', name: '答复' }] },
  { code: 'grid_event', name: '网格事件', actions: [{ code: 'dispatch', name: '派遣' }, { code: 'verify', name: '核查' }] },
]

describe('kinds', () => {
  it('puts "*" first, then the engine\'s events, then each action once', () => {
    const o = kindOptions(TYPES)
    expect(o[0]).toEqual({ code: '*', label: '全部工单事件' })
    expect(o[1].code).toBe('case.create')
    const codes = o.map((x) => x.code)
    expect(new Set(codes).size).toBe(codes.length)
    expect(codes).toContain('case.verify')
    const d = o.find((x) => x.code === 'case.dispatch')
    expect(d.label).toBe('派单')
    expect(d.hint).toBe('12345热线工单、网格事件')
  })
  it('never offers a record of reading', () => {
    expect(kindOptions([{ name: 'x', actions: [{ code: 'pii.view' }, { code: 'case.read' }] }]).some((x) => /\.(read|view|list|export)$/.test(x.code))).toBe(false)
  })
  it('names a kind, or shows its code', () => {
    const o = kindOptions(TYPES)
    expect(kindLabel('case.reply', o)).toBe('答复')
    expect(kindLabel('case.gone', o)).toBe('case.gone')
  })
  it('copes with no types', () => {
    expect(kindOptions(undefined).length).toBe(11)
  })
})

describe('urlProblem', () => {
  it('accepts http and https URLs', () => {
    for (const u of ['http://127.0.0.1:8080/hook', 'https://hooks.example.cn/a?b=c', 'HTTPS://[::1]/x']) expect(urlProblem(u)).toBe('')
  })
  it('says what the server would refuse', () => {
    expect(urlProblem('')).toMatch(/请填写/)
    expect(urlProblem('ftp://x/y')).toMatch(/http/)
    expect(urlProblem('http://x/推送')).toMatch(/ASCII/)
    expect(urlProblem('http://x/a b')).toMatch(/ASCII/)
    expect(urlProblem('http://x/#f')).toMatch(/#/)
    expect(urlProblem('http:///x')).toMatch(/主机/)
    expect(urlProblem('http://u:p@x/')).toMatch(/用户名/)
    expect(urlProblem('http://x/' + 'a'.repeat(2100))).toMatch(/2048/)
  })
  it('allows an @ after the host (a path or query)', () => {
    expect(urlProblem('http://x/a@b?c=@')).toBe('')
  })
})

describe('labels', () => {
  it('names the states and formats times', () => {
    expect(STATE_LABELS.dead).toBe('投递失败')
    expect(fmtTime('2026-03-02T09:15:00.120+08:00')).toBe('2026-03-02 09:15:00')
    expect(fmtTime(null)).toBe('—')
  })
})
