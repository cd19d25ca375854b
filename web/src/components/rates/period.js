// The dashboard's periods of receipt (docs/rates.md: from/to are dates in
// Asia/Shanghai, `to` inclusive): the picker's choices and their [from, to].

export const PERIODS = [
  { value: 'month', label: '本月' },
  { value: 'last_month', label: '上月' },
  { value: '7d', label: '近7天' },
  { value: '30d', label: '近30天' },
  { value: 'custom', label: '自定义' },
]

const pad = (n) => String(n).padStart(2, '0')

export function shanghaiToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}

export function addDays(day, n) {
  const t = new Date(day + 'T00:00:00Z')
  t.setUTCDate(t.getUTCDate() + n)
  return t.toISOString().slice(0, 10)
}

export const isDate = (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s)

// [from, to] as dates (to inclusive) for a period of the picker.
export function periodRange(kind, from, to) {
  const today = shanghaiToday()
  const [y, m] = today.split('-').map(Number)
  const first = `${y}-${pad(m)}-01`
  switch (kind) {
    case 'last_month': {
      const last = addDays(first, -1)
      return [last.slice(0, 8) + '01', last]
    }
    case '7d':
      return [addDays(today, -6), today]
    case '30d':
      return [addDays(today, -29), today]
    case 'custom':
      if (isDate(from) && isDate(to)) return [from, to]
      return [first, today]
    default:
      return [first, today]
  }
}
