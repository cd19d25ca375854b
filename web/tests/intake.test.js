// intake.js: duplicate and routing reasons as Chinese, placement text,
// pasted coordinates, and the hints runner's debounce and stale answers.
import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest'
import {
  dupReasonText, dupReasons, routingReasonText, routingReasons, orgNames, scorePercent, placementText,
  parseLatLng, hintsWanted, createHintsRunner,
} from '../src/intake.js'

describe('duplicate reasons', () => {
  it('names each reason, the distance with nearby', () => {
    const d = { reasons: ['same_phone', 'similar_text', 'nearby', 'same_address'], distance_m: 42.4 }
    expect(dupReasons(d).map((r) => r.text)).toEqual(['同一来电人', '内容相似', '附近 42 米', '同一地址'])
  })
  it('says 附近 without a distance, and reads the old single reason', () => {
    expect(dupReasonText('nearby', {})).toBe('附近')
    expect(dupReasonText('nearby', { distance_m: 0 })).toBe('附近 0 米')
    expect(dupReasons({ reason: 'same_phone' }).map((r) => r.text)).toEqual(['同一来电人'])
    expect(dupReasons({ reasons: [], reason: 'similar_text' }).map((r) => r.code)).toEqual(['similar_text'])
  })
  it('keeps an unknown code as it is and drops repeats and non-strings', () => {
    expect(dupReasons({ reasons: ['odd', 'odd', 3] }).map((r) => r.text)).toEqual(['odd'])
    expect(dupReasons(null)).toEqual([])
  })
})

describe('routing reasons', () => {
  const names = { 'town.a': '濂江镇' }
  it('names the catalogue entry and its keywords', () => {
    expect(routingReasonText({ kind: 'catalogue', category: '市政设施-路灯', keywords: ['路灯', '灯不亮'] })).toBe('派单目录「市政设施-路灯」：路灯、灯不亮')
    expect(routingReasonText({ kind: 'catalogue', category: '市政设施-路灯', keywords: [] })).toBe('派单目录「市政设施-路灯」')
  })
  it('says 历史派单 for the model and 属地 with the township name', () => {
    expect(routingReasonText({ kind: 'learned', weight: 0.15 })).toBe('历史派单')
    expect(routingReasonText({ kind: 'location', org: 'town.a' }, names)).toBe('属地：濂江镇')
    expect(routingReasonText({ kind: 'location', org: 'town.z' }, names)).toBe('属地：town.z')
  })
  it('gives the model weight as a tooltip and skips empty reasons', () => {
    const rs = routingReasons({ reasons: [{ kind: 'learned', weight: 0.153 }, null, { kind: 'location', org: 'town.a' }] }, names)
    expect(rs.map((r) => r.text)).toEqual(['历史派单', '属地：濂江镇'])
    expect(rs[0].title).toContain('15%')
  })
  it('clamps scores to whole percentages', () => {
    expect(scorePercent(0.856)).toBe(86)
    expect(scorePercent(2)).toBe(100)
    expect(scorePercent(-1)).toBe(0)
    expect(scorePercent('x')).toBe(0)
  })
  it('collects org names from the placement and the candidates', () => {
    const m = orgNames({ status: 'placed', township: { code: 'town.a', name: '濂江镇' } }, [{ org: 'dept.cg', org_name: '城市管理局' }])
    expect(m).toEqual({ 'town.a': '濂江镇', 'dept.cg': '城市管理局' })
  })
})

describe('placement', () => {
  it('joins grid, village and township', () => {
    const p = { status: 'placed', grid: { name: '东门社区第一网格' }, village: { name: '东门社区居民委员会' }, township: { name: '濂江镇' } }
    expect(placementText(p)).toEqual({ status: 'placed', text: '东门社区第一网格 · 东门社区居民委员会 · 濂江镇' })
    expect(placementText({ status: 'placed', township: { name: '濂江镇' } }).text).toBe('濂江镇')
  })
  it('warns for outside and says nothing for none', () => {
    expect(placementText({ status: 'outside' })).toEqual({ status: 'outside', text: '不在任何网格内' })
    expect(placementText({ status: 'none' }).text).toBe('')
    expect(placementText(null).status).toBe('none')
  })
})

describe('parseLatLng', () => {
  it('reads lat,lng and Amap\'s lng,lat', () => {
    expect(parseLatLng('25.7871, 114.8735')).toEqual({ lat: 25.7871, lng: 114.8735 })
    expect(parseLatLng('114.8735,25.7871')).toEqual({ lat: 25.7871, lng: 114.8735 })
    expect(parseLatLng('25.7871 114.8735')).toEqual({ lat: 25.7871, lng: 114.8735 })
    expect(parseLatLng('25.7871，114.8735')).toEqual({ lat: 25.7871, lng: 114.8735 })
  })
  it('refuses what is not a pair on the earth', () => {
    expect(parseLatLng('')).toBe(null)
    expect(parseLatLng('25.7')).toBe(null)
    expect(parseLatLng('200, 300')).toBe(null)
    expect(parseLatLng('0,0')).toBe(null)
    expect(parseLatLng('abc,def')).toBe(null)
  })
})

describe('hintsWanted', () => {
  it('needs a description, then 4 characters, a phone or a place', () => {
    expect(hintsWanted({ description: '' , location: { lat: 1, lng: 1 } })).toBe(false)
    expect(hintsWanted({ description: '路灯' })).toBe(false)
    expect(hintsWanted({ description: '路灯坏了' })).toBe(true)
    expect(hintsWanted({ description: '路灯', reporter: { phone: '13912345678' } })).toBe(true)
    expect(hintsWanted({ description: '路灯', location: { address: '解放路' } })).toBe(true)
    expect(hintsWanted(null)).toBe(false)
  })
})

describe('createHintsRunner', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())
  const flush = async () => { for (let i = 0; i < 6; i++) await Promise.resolve() }

  it('waits for quiet, then asks once for the last body', async () => {
    const run = vi.fn(async (b) => ({ echo: b.d }))
    const got = []
    const r = createHintsRunner({ delay: 500, run, onResult: (x) => got.push(x) })
    r.update({ d: 'a' })
    vi.advanceTimersByTime(300)
    r.update({ d: 'ab' })
    vi.advanceTimersByTime(300)
    expect(run).not.toHaveBeenCalled()
    vi.advanceTimersByTime(200)
    await flush()
    expect(run).toHaveBeenCalledTimes(1)
    expect(got).toEqual([{ echo: 'ab' }])
  })

  it('does not ask again for an unchanged body', async () => {
    const run = vi.fn(async () => ({}))
    const r = createHintsRunner({ delay: 100, run, onResult: () => {} })
    r.update({ d: 'x' })
    vi.advanceTimersByTime(100)
    await flush()
    r.update({ d: 'x' })
    vi.advanceTimersByTime(100)
    await flush()
    expect(run).toHaveBeenCalledTimes(1)
    r.reset()
    r.update({ d: 'x' })
    vi.advanceTimersByTime(100)
    await flush()
    expect(run).toHaveBeenCalledTimes(2)
  })

  it('drops a stale answer and asks the newer body after the one in flight', async () => {
    const pending = []
    const run = vi.fn((b) => new Promise((res) => pending.push(() => res({ echo: b.d }))))
    const got = []
    const r = createHintsRunner({ delay: 100, run, onResult: (x) => got.push(x) })
    r.update({ d: 'old' })
    vi.advanceTimersByTime(100)
    await flush()
    expect(run).toHaveBeenCalledTimes(1)
    r.update({ d: 'new' })
    vi.advanceTimersByTime(100)
    await flush()
    expect(run).toHaveBeenCalledTimes(1) // never two at once
    pending[0]()
    await flush()
    expect(got).toEqual([]) // the old answer is dropped
    expect(run).toHaveBeenCalledTimes(2)
    pending[1]()
    await flush()
    expect(got).toEqual([{ echo: 'new' }])
  })

  it('hands errors of the latest body to onError and clears on null', async () => {
    const errs = []
    const got = []
    const r = createHintsRunner({ delay: 10, run: async () => { throw new Error('400') }, onResult: (x) => got.push(x), onError: (e) => errs.push(e.message) })
    r.update({ d: 'x' })
    vi.advanceTimersByTime(10)
    await flush()
    expect(errs).toEqual(['400'])
    r.update(null)
    expect(got).toEqual([null])
  })

  it('asks nothing after cancel', async () => {
    const run = vi.fn(async () => ({}))
    const r = createHintsRunner({ delay: 10, run, onResult: () => {} })
    r.update({ d: 'x' })
    r.cancel()
    vi.advanceTimersByTime(50)
    await flush()
    expect(run).not.toHaveBeenCalled()
  })
})
