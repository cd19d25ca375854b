// Intake intelligence in the browser (issue 10): what the server says about
// a case being typed or already registered — its placement (落格), possible
// duplicates (疑似重复件) and routing (建议承办单位) — as Chinese text, and
// the debounced, stale-dropping runner the console calls POST
// /api/v1/cases/hints with. Pure JS: no Vue, no fetch (the runner is given
// its request function), so vitest covers all of it.

// ---- duplicates (docs/duplicates.md)

export const DUP_REASON_NAMES = {
  same_phone: '同一来电人',
  similar_text: '内容相似',
  nearby: '附近',
  same_address: '同一地址',
  same_text: '内容相同',
}

// One reason code of a duplicate as Chinese: 附近 N 米 when the distance is known.
export function dupReasonText(code, dup) {
  if (code === 'nearby') {
    const m = dup && Number(dup.distance_m)
    return dup && dup.distance_m !== undefined && dup.distance_m !== null && Number.isFinite(m) ? '附近 ' + Math.round(m) + ' 米' : '附近'
  }
  return DUP_REASON_NAMES[code] || String(code)
}

// All reasons of a duplicate, in the server's order; an answer from before
// issue 10 has only `reason`.
export function dupReasons(dup) {
  if (!dup) return []
  let codes = Array.isArray(dup.reasons) && dup.reasons.length ? dup.reasons : dup.reason ? [dup.reason] : []
  codes = codes.filter((c, i) => typeof c === 'string' && codes.indexOf(c) === i)
  return codes.map((c) => ({ code: c, text: dupReasonText(c, dup) }))
}

// ---- routing (docs/api.md, Dispatch catalogue and routing)

// A score 0..1 as a whole percentage (anything else is 0).
export function scorePercent(score) {
  const s = Number(score)
  if (!Number.isFinite(s)) return 0
  return Math.round(Math.max(0, Math.min(1, s)) * 100)
}

// One reason of a routing candidate as Chinese. `names` maps org codes to
// names (the location reason names its township by code).
export function routingReasonText(r, names = {}) {
  if (!r || typeof r !== 'object') return ''
  switch (r.kind) {
    case 'catalogue': {
      const kw = Array.isArray(r.keywords) ? r.keywords.filter((k) => typeof k === 'string' && k) : []
      const cat = r.category ? '派单目录「' + r.category + '」' : '派单目录'
      return kw.length ? cat + '：' + kw.join('、') : cat
    }
    case 'learned':
      return '历史派单'
    case 'location':
      return '属地：' + ((r.org && names[r.org]) || r.org || '本乡镇')
    default:
      return r.kind ? String(r.kind) : ''
  }
}

// The reasons of a candidate as [{kind, text, title}] (title: detail for a tooltip).
export function routingReasons(item, names = {}) {
  return ((item && item.reasons) || [])
    .map((r) => ({
      kind: (r && r.kind) || 'other',
      text: routingReasonText(r, names),
      title: r && r.kind === 'learned' && Number.isFinite(Number(r.weight))
        ? '按以往派单学习：同类诉求派给该单位的比例约 ' + scorePercent(r.weight) + '%'
        : '',
    }))
    .filter((r) => r.text)
}

// Org code → name, from a placement and the candidates themselves.
export function orgNames(placement, routing) {
  const m = {}
  for (const it of routing || []) if (it && it.org && it.org_name) m[it.org] = it.org_name
  for (const k of ['township', 'village', 'grid']) {
    const o = placement && placement[k]
    if (o && o.code && o.name) m[o.code] = o.name
  }
  return m
}

// ---- placement (docs/api.md, Placement)

// {status, text}: text is "grid · village · township" for a placed case,
// 不在任何网格内 for a point outside them all, '' for none (no point).
export function placementText(p) {
  const status = (p && p.status) || 'none'
  if (status === 'placed') {
    const parts = ['grid', 'village', 'township'].map((k) => p[k] && p[k].name).filter(Boolean)
    return { status, text: parts.join(' · ') }
  }
  if (status === 'outside') return { status, text: '不在任何网格内' }
  return { status: 'none', text: '' }
}

// ---- coordinates typed or pasted by the seat

// "25.7871, 114.8735", "114.8735,25.7871" (Amap's order), "25.7871 114.8735"
// → {lat, lng}, or null. In China a longitude is 73–135 and a latitude
// 18–54, so the order is told by the numbers; elsewhere lat comes first.
export function parseLatLng(text) {
  const nums = String(text || '').trim().match(/^(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)$/)
  if (!nums) return null
  let a = Number(nums[1])
  let b = Number(nums[2])
  if (Math.abs(a) > 90 && Math.abs(b) <= 90) [a, b] = [b, a]
  if (!(Math.abs(a) <= 90 && Math.abs(b) <= 180)) return null
  if (a === 0 && b === 0) return null
  return { lat: a, lng: b }
}

// ---- the hints runner

// Whether a create body is worth asking hints for: a description (the
// server refuses a body without one) and then 4 characters of it, a
// complete phone, or a place.
export function hintsWanted(body) {
  if (!body) return false
  const d = String(body.description || '').trim()
  if (!d) return false
  if (Array.from(d).length >= 4) return true
  if (body.reporter && body.reporter.phone) return true
  return !!body.location
}

// createHintsRunner({delay, run, onResult, onError, onBusy}): update(body)
// after each change of the form; a body equal to the last one asked is not
// asked again; a new one waits `delay` ms of quiet, then run(body) — never
// two at once: a body settled while one is in flight is asked when it
// returns, and an answer for anything but the latest body is dropped.
// update(null) clears (onResult(null)). cancel() stops everything.
export function createHintsRunner({ delay = 500, run, onResult, onError = () => {}, onBusy = () => {}, timers = {} }) {
  const setT = timers.setTimeout || setTimeout
  const clearT = timers.clearTimeout || clearTimeout
  let timer = null
  let lastKey = null // the body last scheduled
  let latest = null // {key, body} to ask next
  let inFlight = false
  let queued = false
  let seq = 0 // answers of an older seq are dropped
  let stopped = false

  function start() {
    if (!latest || stopped) return
    if (inFlight) {
      queued = true
      return
    }
    const { body } = latest
    const my = ++seq
    inFlight = true
    onBusy(true)
    Promise.resolve()
      .then(() => run(body))
      .then(
        (r) => { if (my === seq && !stopped) onResult(r) },
        (e) => { if (my === seq && !stopped) onError(e) },
      )
      .finally(() => {
        inFlight = false
        if (stopped) return
        if (queued) {
          queued = false
          start()
        } else onBusy(!!timer)
      })
  }

  return {
    update(body) {
      if (stopped) return
      const key = body ? JSON.stringify(body) : null
      if (key === lastKey) return
      lastKey = key
      clearT(timer)
      timer = null
      seq++ // whatever is in flight is stale now
      queued = false
      if (!body) {
        latest = null
        onResult(null)
        if (!inFlight) onBusy(false)
        return
      }
      latest = { key, body }
      onBusy(true)
      timer = setT(() => {
        timer = null
        start()
      }, delay)
    },
    // ask again for the same body (after a create, say)
    reset() {
      lastKey = null
    },
    cancel() {
      stopped = true
      clearT(timer)
      seq++
    },
  }
}
