// Numbers on the leader dashboard's rates panels (components/rates/*.vue):
// a rate as a percentage ("38.5%"), a count, a ratio ("3/5"), a card's tone.
// A rate the server gives as null (its denominator is 0) is "—", never 0 %
// or NaN.

export function pct(x) {
  if (x === null || x === undefined || typeof x !== 'number' || !Number.isFinite(x)) return '—'
  return (x * 100).toFixed(1).replace(/\.0$/, '') + '%'
}

export function num(n) {
  return n === null || n === undefined || !Number.isFinite(Number(n)) ? '—' : Number(n).toLocaleString('zh-CN')
}

// "3/5" (numerator over denominator), '' when the denominator is 0 or unknown
export function ratio(a, b, sep = '/') {
  if (!b || a === null || a === undefined) return ''
  return num(a) + sep + num(b)
}

// a KPI card's colour: good, warn, bad, or '' for no figure
export function tone(x, good = 0.9, warn = 0.7) {
  if (x === null || x === undefined || !Number.isFinite(x)) return ''
  return x >= good ? 'good' : x >= warn ? 'warn' : 'bad'
}

// The scope kinds that are places (townships, villages, grids), not units.
export const PLACE_KINDS = ['township', 'street', 'village', 'community', 'grid']
