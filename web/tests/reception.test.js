import { describe, it, expect } from 'vitest'
import { hostsAllowed, perHead, recordWarnings, flagName, tripDates } from '../src/reception.js'

describe('reception rules in the UI', () => {
  it('allows three hosts up to ten guests, then a third', () => {
    expect(hostsAllowed(2)).toBe(3)
    expect(hostsAllowed(10)).toBe(3)
    expect(hostsAllowed(11)).toBe(3)
    expect(hostsAllowed(30)).toBe(10)
    expect(hostsAllowed(0)).toBe(3)
  })
  it('computes the cost per head and meal', () => {
    expect(perHead(720, 3, 2, 1)).toBe(144)
    expect(perHead(100, 0, 0, 1)).toBe(null)
    expect(perHead(100, 2, 0, 0)).toBe(null)
  })
  it('warns of each breach before the record is sent', () => {
    const rules = { max_hosts: 3, small_group: 10, cost_per_head: 120 }
    const trip = { date_from: '2026-03-03', date_to: '2026-03-04' }
    expect(recordWarnings({ meals: 1, hosts: 2, guests_present: 2, cost: 200, held_on: '2026-03-03' }, trip, rules)).toEqual([])
    const w = recordWarnings({ meals: 1, hosts: 4, guests_present: 2, cost: 900, held_on: '2026-03-06' }, trip, rules)
    expect(w).toHaveLength(3)
    expect(w[0]).toContain('陪餐 4 人')
    expect(w[1]).toContain('150 元')
  })
  it('names kinds and dates', () => {
    expect(flagName('no_letter')).toBe('无公函接待')
    expect(flagName('x')).toBe('x')
    expect(tripDates({ date_from: '2026-03-03', date_to: '2026-03-03' })).toBe('2026-03-03')
    expect(tripDates({ date_from: '2026-03-03', date_to: '2026-03-04' })).toBe('2026-03-03 至 2026-03-04')
  })
})
