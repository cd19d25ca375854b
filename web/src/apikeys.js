// API keys' scopes, rates and last use as the admin page shows them
// (docs/apikeys.md): the four scopes in the server's order with their
// Chinese labels, and the request bodies the create and change dialogs send.

export const SCOPES = [
  { value: 'open311.submit', label: '12345 开放接口提交', hint: 'Open311 提交诉求（需账号能登记工单）' },
  { value: 'linkage.110', label: '110 联动', hint: '110 警情移交热线（需 110 联动权限）' },
  { value: 'import', label: '数据导入', hint: '其他系统的工单、企业台账导入' },
  { value: 'stats.read', label: '统计查询', hint: '统计与考核指标' },
]

export const RATE_MIN = 1
export const RATE_MAX = 100000
export const RATE_DEFAULT = 600

/** The Chinese label of a scope (the name itself when unknown). */
export function scopeLabel(s) {
  const x = SCOPES.find((o) => o.value === s)
  return x ? x.label : String(s)
}

/** The scopes picked, in the server's order, without repeats or unknowns. */
export function orderedScopes(picked) {
  const set = new Set(picked || [])
  return SCOPES.map((s) => s.value).filter((v) => set.has(v))
}

/** "600 次/分钟". */
export function rateText(n) {
  return Number.isInteger(n) ? `${n} 次/分钟` : '—'
}

/** A rate the server accepts, or an error message in Chinese. */
export function rateError(n) {
  if (!Number.isInteger(n) || n < RATE_MIN || n > RATE_MAX) return `调用上限须为 ${RATE_MIN}–${RATE_MAX} 的整数`
  return ''
}

/** "从未使用", or the time as "YYYY-MM-DD HH:MM:SS" (the server's +08:00 text). */
export function lastUsedText(iso) {
  return iso ? String(iso).slice(0, 19).replace('T', ' ') : '从未使用'
}

/**
 * The body of POST /api/v1/apikeys: scopes only when some are picked (none
 * picked: the server grants every scope the account's permissions allow),
 * org only when chosen (default: the account's org), the rate only when it
 * is not the default.
 */
export function createBody(form) {
  const body = { user: String(form.user || '').trim(), name: String(form.name || '').trim() }
  const scopes = orderedScopes(form.scopes)
  if (scopes.length) body.scopes = scopes
  if (form.org) body.org = form.org
  if (Number.isInteger(form.rate) && form.rate !== RATE_DEFAULT) body.rate_per_min = form.rate
  return body
}

/** The body of PATCH /api/v1/apikeys/{id}: only what changed; null when nothing did. */
export function changeBody(key, form) {
  const body = {}
  const scopes = orderedScopes(form.scopes)
  if (scopes.join(' ') !== orderedScopes(key.scopes).join(' ')) body.scopes = scopes
  if (form.rate !== key.rate_per_min) body.rate_per_min = form.rate
  return Object.keys(body).length ? body : null
}
