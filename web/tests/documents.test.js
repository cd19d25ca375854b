import { describe, it, expect } from 'vitest'
import { extractCode, looksLikeCode, verdictView, factRows, factText, fmtDocTime, fmtValidUntil } from '../src/documents.js'

const CODE = 'eyJ2IjoxfQ.' + 'A'.repeat(86)

describe('extractCode', () => {
  it('takes a bare code, a verify URL, or either with white space and line breaks', () => {
    expect(extractCode(CODE)).toBe(CODE)
    expect(extractCode(`https://mq.example.gov.cn/v/${CODE}`)).toBe(CODE)
    expect(extractCode(`  /v/${CODE}?from=qr#top \n`)).toBe(CODE)
    expect(extractCode(CODE.slice(0, 20) + '\n' + CODE.slice(20))).toBe(CODE)
  })
  it('leaves what is not a code for the server to name', () => {
    expect(extractCode('')).toBe('')
    expect(extractCode(null)).toBe('')
    expect(extractCode('%E4%B8%AD')).toBe('中')
    expect(extractCode('%E4%B8')).toBe('%E4%B8')
    expect(looksLikeCode('中.文')).toBe(false)
    expect(looksLikeCode('abc')).toBe(false)
    expect(looksLikeCode(CODE)).toBe(true)
  })
})

describe('verdicts', () => {
  it('shows each verdict in clear words, anything else as 无法识别', () => {
    expect(verdictView('valid')).toMatchObject({ label: '真实有效', tone: 'ok' })
    expect(verdictView('revoked')).toMatchObject({ label: '已撤销', tone: 'bad' })
    expect(verdictView('tampered').label).toBe('签名无效')
    expect(verdictView('expired').label).toBe('已过期')
    expect(verdictView('unknown_key').label).toBe('无法识别')
    expect(verdictView('whatever').label).toBe('无法识别')
  })
})

describe('facts', () => {
  it('lists facts in their own order with values as text', () => {
    expect(factRows({ 事由: '考察', 人数: 4, 公车: false, 随行: ['甲', '乙'], 空: null })).toEqual([
      { label: '事由', value: '考察' }, { label: '人数', value: '4' }, { label: '公车', value: '否' },
      { label: '随行', value: '甲、乙' }, { label: '空', value: '—' },
    ])
    expect(factRows(undefined)).toEqual([])
    expect(factText({ a: 1 })).toBe('{"a":1}')
  })
  it('shows times in Beijing time and a validity as its last day', () => {
    expect(fmtDocTime('2026-12-02T11:20:00.000Z')).toBe('2026年12月2日 19:20')
    expect(fmtDocTime('2026-12-02T11:20:00.000Z', false)).toBe('2026年12月2日')
    expect(fmtValidUntil('2026-12-13T00:00:00.000+08:00')).toBe('2026年12月12日（含当日）')
    expect(fmtDocTime('nonsense')).toBe('nonsense')
    expect(fmtDocTime(null)).toBe('')
  })
})
