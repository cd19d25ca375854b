import { describe, it, expect } from 'vitest'
import { SCOPES, scopeLabel, orderedScopes, rateText, rateError, lastUsedText, createBody, changeBody } from '../src/apikeys.js'

describe('API key scopes', () => {
  it('labels the four scopes in Chinese, in the server\'s order', () => {
    expect(SCOPES.map((s) => s.value)).toEqual(['open311.submit', 'linkage.110', 'import', 'stats.read'])
    expect(scopeLabel('open311.submit')).toBe('12345 开放接口提交')
    expect(scopeLabel('linkage.110')).toBe('110 联动')
    expect(scopeLabel('import')).toBe('数据导入')
    expect(scopeLabel('stats.read')).toBe('统计查询')
    expect(scopeLabel('future.scope')).toBe('future.scope')
  })
  it('orders picked scopes and drops repeats and unknowns', () => {
    expect(orderedScopes(['stats.read', 'open311.submit', 'stats.read', 'bogus'])).toEqual(['open311.submit', 'stats.read'])
    expect(orderedScopes(null)).toEqual([])
  })
})

describe('rates and last use', () => {
  it('formats and checks a rate', () => {
    expect(rateText(600)).toBe('600 次/分钟')
    expect(rateText(undefined)).toBe('—')
    expect(rateError(1)).toBe('')
    expect(rateError(100000)).toBe('')
    expect(rateError(0)).toMatch(/1–100000/)
    expect(rateError(100001)).toMatch(/1–100000/)
    expect(rateError(1.5)).toMatch(/整数/)
  })
  it('says never used, or the time', () => {
    expect(lastUsedText(null)).toBe('从未使用')
    expect(lastUsedText('2026-03-02T09:15:07+08:00')).toBe('2026-03-02 09:15:07')
  })
})

describe('request bodies', () => {
  it('create: only what differs from the server\'s defaults', () => {
    expect(createBody({ user: ' link110 ', name: ' 110平台 ', scopes: [], org: '', rate: 600 }))
      .toEqual({ user: 'link110', name: '110平台' })
    expect(createBody({ user: 'leader1', name: 'k', scopes: ['stats.read'], org: 'town.a', rate: 5 }))
      .toEqual({ user: 'leader1', name: 'k', scopes: ['stats.read'], org: 'town.a', rate_per_min: 5 })
  })
  it('change: only what changed, null when nothing did', () => {
    const key = { scopes: ['open311.submit', 'linkage.110'], rate_per_min: 600 }
    expect(changeBody(key, { scopes: ['linkage.110', 'open311.submit'], rate: 600 })).toBe(null)
    expect(changeBody(key, { scopes: ['linkage.110'], rate: 600 })).toEqual({ scopes: ['linkage.110'] })
    expect(changeBody(key, { scopes: key.scopes, rate: 60 })).toEqual({ rate_per_min: 60 })
  })
})
