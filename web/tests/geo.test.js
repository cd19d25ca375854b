// The pure helpers of geo.js: which places count, the box around points,
// which regions are drawn and when, and the colour of a case point.
import { describe, it, expect } from 'vitest'
import { validLatLng, boundsOfPoints, drawableRegions, regionVisible, caseColor, POINT_COLORS } from '../src/geo.js'

describe('validLatLng', () => {
  it('accepts places on the earth, numbers or numeric strings', () => {
    expect(validLatLng(25.78, 114.87)).toBe(true)
    expect(validLatLng('25.78', '114.87')).toBe(true)
    expect(validLatLng(-90, 180)).toBe(true)
  })
  it('refuses missing, non-finite, out of range and 0,0', () => {
    expect(validLatLng(null, 114)).toBe(false)
    expect(validLatLng(25, undefined)).toBe(false)
    expect(validLatLng('', '')).toBe(false)
    expect(validLatLng(NaN, 1)).toBe(false)
    expect(validLatLng(91, 1)).toBe(false)
    expect(validLatLng(1, -181)).toBe(false)
    expect(validLatLng(0, 0)).toBe(false)
  })
})

describe('boundsOfPoints', () => {
  it('is null without a valid point', () => {
    expect(boundsOfPoints([])).toBe(null)
    expect(boundsOfPoints(null)).toBe(null)
    expect(boundsOfPoints([{ lat: null, lng: null }, { lat: 0, lng: 0 }])).toBe(null)
  })
  it('boxes the valid points only', () => {
    const b = boundsOfPoints([
      { lat: 25.774, lng: 114.858 },
      { lat: 25.71, lng: 114.973 },
      { lat: 95, lng: 10 },
      null,
    ])
    expect(b).toEqual([
      [25.71, 114.858],
      [25.774, 114.973],
    ])
  })
  it('widens a single point to a small box around it', () => {
    const [[s, w], [n, e]] = boundsOfPoints([{ lat: 25.7, lng: 114.9 }])
    expect(s).toBeLessThan(25.7)
    expect(n).toBeGreaterThan(25.7)
    expect(w).toBeLessThan(114.9)
    expect(e).toBeGreaterThan(114.9)
    expect(n - s).toBeCloseTo(0.005, 6)
  })
})

describe('drawableRegions', () => {
  const poly = { type: 'Polygon', coordinates: [[[114.8, 25.7], [114.9, 25.7], [114.9, 25.8], [114.8, 25.7]]] }
  const f = (kind, geometry = poly) => ({ type: 'Feature', geometry, properties: { id: 1, code: kind, name: kind, kind } })
  it('keeps polygons of known kinds, county first and grids last', () => {
    const fc = { type: 'FeatureCollection', features: [f('grid'), f('village'), f('township'), f('county'), f('centre'), f('township', { type: 'Point', coordinates: [114.8, 25.7] }), f('village', null)] }
    expect(drawableRegions(fc).map((x) => x.properties.kind)).toEqual(['county', 'township', 'village', 'grid'])
  })
  it('copes with nothing', () => {
    expect(drawableRegions(null)).toEqual([])
    expect(drawableRegions({})).toEqual([])
    expect(drawableRegions({ features: [null] })).toEqual([])
  })
})

describe('regionVisible', () => {
  it('shows county and townships always, villages one level in, grids two', () => {
    expect(regionVisible('county', 10, 12)).toBe(true)
    expect(regionVisible('township', 12, 12)).toBe(true)
    expect(regionVisible('village', 12.75, 12)).toBe(false)
    expect(regionVisible('village', 13, 12)).toBe(true)
    expect(regionVisible('grid', 13, 12)).toBe(false)
    expect(regionVisible('grid', 14, 12)).toBe(true)
    expect(regionVisible('centre', 18, 12)).toBe(false)
  })
})

describe('caseColor', () => {
  it('marks overdue first, then by progress', () => {
    expect(caseColor({ status: 'handling', overdue: true })).toBe(POINT_COLORS.overdue)
    expect(caseColor({ status: 'received' })).toBe(POINT_COLORS.waiting)
    expect(caseColor({ status: 'handling' })).toBe(POINT_COLORS.handling)
    expect(caseColor({ status: 'callback' })).toBe(POINT_COLORS.done)
    expect(caseColor({ status: 'merged' })).toBe(POINT_COLORS.other)
  })
})
