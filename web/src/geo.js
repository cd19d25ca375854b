// The county on a map, without a tile server: the region polygons of
// GET /api/v1/geo/regions (orgs with boundaries), the open cases of
// GET /api/v1/geo/cases, and the small pure helpers CountyMap.vue and the
// dashboard share. Nothing here requests a URL outside the API.
import { api } from './api.js'

// Default view when there is nothing to fit: 濂江县, between its two townships.
export const COUNTY_CENTER = [25.745, 114.915]
export const COUNTY_ZOOM = 12

// How each kind of region is drawn. Townships are filled lightly and named;
// villages and grids are thin outlines that appear once zoomed in (minZoomGain
// levels above the zoom the map first fitted).
export const REGION_STYLE = {
  county: { color: '#0b3b8c', weight: 2.5, fill: false, dashArray: null },
  township: { color: '#2563eb', weight: 1.5, fill: true, fillColor: '#3b82f6', fillOpacity: 0.08 },
  village: { color: '#64748b', weight: 0.8, fill: false, dashArray: '3 3' },
  grid: { color: '#94a3b8', weight: 0.6, fill: false, dashArray: '2 4' },
}
export const MIN_ZOOM_GAIN = { county: 0, township: 0, village: 1, grid: 2 }

// Colours of points by state: overdue red, waiting amber, in hand blue.
export const POINT_COLORS = { overdue: '#dc2626', waiting: '#d97706', handling: '#2563eb', done: '#16a34a', other: '#64748b' }

const WAITING = ['received', 'dispatched', 'return_requested', 'extension_requested']
const DONE = ['replied', 'callback', 'closed']

// The colour of a case point: overdue first, then by how far along it is.
export function caseColor(c) {
  if (c.overdue) return POINT_COLORS.overdue
  if (WAITING.includes(c.status)) return POINT_COLORS.waiting
  if (c.status === 'handling') return POINT_COLORS.handling
  if (DONE.includes(c.status)) return POINT_COLORS.done
  return POINT_COLORS.other
}

// A finite latitude/longitude pair on the earth (0,0 is treated as unset, as
// a form that never asked for a place would send it).
export function validLatLng(lat, lng) {
  const a = Number(lat)
  const o = Number(lng)
  if (lat === null || lat === undefined || lat === '' || lng === null || lng === undefined || lng === '') return false
  if (!Number.isFinite(a) || !Number.isFinite(o)) return false
  if (a < -90 || a > 90 || o < -180 || o > 180) return false
  return !(a === 0 && o === 0)
}

// [[south, west], [north, east]] around the points that have a valid place,
// or null when none has. A single point gets a small box around it (about
// 500 m) so that fitting it does not zoom in to the street.
export function boundsOfPoints(points) {
  let s = Infinity
  let w = Infinity
  let n = -Infinity
  let e = -Infinity
  for (const p of points || []) {
    if (!p || !validLatLng(p.lat, p.lng)) continue
    const a = Number(p.lat)
    const o = Number(p.lng)
    if (a < s) s = a
    if (a > n) n = a
    if (o < w) w = o
    if (o > e) e = o
  }
  if (s === Infinity) return null
  const pad = 0.0025
  if (n - s < pad * 2) {
    s -= pad
    n += pad
  }
  if (e - w < pad * 2) {
    w -= pad
    e += pad
  }
  return [
    [s, w],
    [n, e],
  ]
}

// The features of a FeatureCollection worth drawing: polygons with a known
// kind, county first and grids last so smaller regions lie on top.
const KIND_ORDER = ['county', 'township', 'village', 'grid']
export function drawableRegions(fc) {
  const feats = (fc && Array.isArray(fc.features) && fc.features) || []
  return feats
    .filter((f) => {
      const g = f && f.geometry
      const k = f && f.properties && f.properties.kind
      return g && (g.type === 'Polygon' || g.type === 'MultiPolygon') && KIND_ORDER.includes(k)
    })
    .sort((a, b) => KIND_ORDER.indexOf(a.properties.kind) - KIND_ORDER.indexOf(b.properties.kind))
}

// Whether a region of this kind shows at zoom, given the zoom first fitted.
export function regionVisible(kind, zoom, baseZoom) {
  const gain = MIN_ZOOM_GAIN[kind]
  if (gain === undefined) return false
  return gain === 0 || zoom >= baseZoom + gain
}

// GET /api/v1/geo/regions, once per page load. Resolves to the collection,
// or to null while the server has no such endpoint (404) or no boundaries;
// never rejects, so a map without regions still works.
let regionsPromise = null
export function loadRegions() {
  if (!regionsPromise) {
    regionsPromise = api.get('/api/v1/geo/regions').then(
      (fc) => (drawableRegions(fc).length ? fc : null),
      () => {
        regionsPromise = null // try again on the next map
        return null
      },
    )
  }
  return regionsPromise
}

// The open states of the hotline, for the fallback list of cases.
export const OPEN_STATES = ['received', 'dispatched', 'handling', 'return_requested', 'extension_requested', 'replied', 'callback']

// Open cases with a place, for a map: GET /api/v1/geo/cases, or while that
// endpoint is missing (404) the first page of GET /api/v1/cases (200 newest
// open cases) keeping those that have a location.
// Resolves to {items:[{id,no,title,status,status_name,class,lat,lng,overdue,org}], truncated, source}.
let geoCasesMissingUntil = 0 // after a 404, use the fallback for 5 minutes
export async function loadCasePoints({ org, limit = 2000 } = {}) {
  if (Date.now() >= geoCasesMissingUntil) {
    try {
      const r = await api.get('/api/v1/geo/cases', { limit, org })
      return { items: (r.items || []).filter((c) => validLatLng(c.lat, c.lng)), truncated: !!r.truncated, source: 'geo' }
    } catch (e) {
      if (e.status !== 404) throw e
      geoCasesMissingUntil = Date.now() + 5 * 60 * 1000
    }
  }
  const r = await api.get('/api/v1/cases', { type: 'hotline', status: OPEN_STATES.join(','), org, limit: 200 })
  const items = (r.items || [])
    .filter((c) => c.location && validLatLng(c.location.lat, c.location.lng))
    .map((c) => ({
      id: c.id,
      no: c.no,
      title: c.title,
      status: c.status,
      status_name: c.status_name,
      class: c.class,
      lat: c.location.lat,
      lng: c.location.lng,
      overdue: c.overdue,
      org: c.org,
    }))
  return { items, truncated: !!r.next_cursor, source: 'cases' }
}
