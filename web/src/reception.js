// 公务接待 (config/types/reception.json, docs/reception.md): what the
// reception pages say about a trip and a compliance flag. Pure JS, no Vue,
// no fetch.

export const FLAG_KINDS = {
  no_letter: '无公函接待',
  revoked_letter: '使用已作废公函',
  too_many_hosts: '陪餐人数超标',
  over_standard: '超标准接待',
  outside_dates: '超出行日期接待',
  confirmed_twice: '公函重复确认',
}

export const STATUS_TAG = {
  rc_requested: 'warning',
  rc_returned: 'danger',
  rc_approved: 'primary',
  rc_confirmed: 'primary',
  rc_recorded: 'success',
  rc_cancelled: 'info',
}

// The kind's name, or the code when unknown.
export function flagName(kind) {
  return FLAG_KINDS[kind] || kind
}

// The most hosts a meal may have for `guests` (≤ 3 for ten or fewer,
// else a third of the guests): the server's rule, shown beside the form.
export function hostsAllowed(guests, maxHosts = 3, smallGroup = 10) {
  const g = Number(guests) || 0
  return g <= smallGroup ? maxHosts : Math.floor(g / 3)
}

// Cost per head and meal in 元, rounded; null when nothing to divide by.
export function perHead(cost, guests, hosts, meals) {
  const heads = (Number(guests) || 0) + (Number(hosts) || 0)
  const m = Number(meals) || 0
  if (!heads || !m) return null
  return Math.round((Number(cost) || 0) / heads / m)
}

// A trip's dates in words ("2026-03-03 至 2026-03-04", one day once).
export function tripDates(f) {
  if (!f || !f.date_from) return ''
  return f.date_to && f.date_to !== f.date_from ? f.date_from + ' 至 ' + f.date_to : f.date_from
}

// The checks the record form warns of before it is sent (the server
// decides; these are the same rules read from the type's reception_rules).
export function recordWarnings(rec, trip, rules = {}) {
  const out = []
  const allowed = hostsAllowed(rec.guests_present, rules.max_hosts, rules.small_group)
  if (Number(rec.meals) > 0 && Number(rec.hosts) > allowed) out.push(`陪餐 ${rec.hosts} 人，超过规定的 ${allowed} 人`)
  const ph = perHead(rec.cost, rec.guests_present, rec.hosts, rec.meals)
  if (ph !== null && rules.cost_per_head && ph > rules.cost_per_head) out.push(`人均每餐约 ${ph} 元，超过标准 ${rules.cost_per_head} 元`)
  if (trip && rec.held_on && trip.date_from && (rec.held_on < trip.date_from || rec.held_on > (trip.date_to || trip.date_from))) {
    out.push('接待日期不在出行日期之内')
  }
  return out
}
