// Signed documents in the UI (docs/documents.md): the verdicts of the public
// verify page in big clear words, the code inside whatever was pasted or
// scanned, and a document's facts as label/value rows.

// verdict → how the page shows it. `tone` colours the banner.
export const VERDICTS = {
  valid: { label: '真实有效', tone: 'ok', icon: '✓' },
  revoked: { label: '已撤销', tone: 'bad', icon: '✕' },
  expired: { label: '已过期', tone: 'warn', icon: '!' },
  tampered: { label: '签名无效', tone: 'bad', icon: '✕' },
  unknown_key: { label: '无法识别', tone: 'bad', icon: '?' },
  malformed: { label: '无法识别', tone: 'bad', icon: '?' },
}

export function verdictView(verdict) {
  return VERDICTS[verdict] || VERDICTS.malformed
}

const CODE_CHARS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

// The code in a pasted text: a bare code, a verify URL (…/v/CODE, maybe
// with a query or fragment), or either with white space around or broken
// across lines. '' when there is nothing that could be one.
export function extractCode(text) {
  if (!text) return ''
  let s = String(text).replace(/\s+/g, '')
  const at = s.lastIndexOf('/v/')
  if (at >= 0) s = s.slice(at + 3)
  s = s.split(/[?#]/)[0]
  try {
    s = decodeURIComponent(s)
  } catch (e) {
    // left as it is: the server names what is wrong
  }
  return s
}

export function looksLikeCode(s) {
  return CODE_CHARS.test(s || '')
}

// A fact's value as text: numbers and strings as they are, true/false in
// words, lists joined, anything else as JSON.
export function factText(v) {
  if (v === null || v === undefined) return '—'
  if (typeof v === 'boolean') return v ? '是' : '否'
  if (Array.isArray(v)) return v.map(factText).join('、')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

// [{label, value}] of an object of facts (or a subject), in its own order.
export function factRows(obj) {
  return Object.entries(obj || {}).map(([label, value]) => ({ label, value: factText(value) }))
}

// "2026-12-02T19:20:00.000+08:00" → "2026年12月2日 19:20" (Asia/Shanghai).
export function fmtDocTime(iso, withTime = true) {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  const p = Object.fromEntries(new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
  }).formatToParts(d).map((x) => [x.type, x.value]))
  const date = `${p.year}年${p.month}月${p.day}日`
  return withTime ? `${date} ${p.hour}:${p.minute}` : date
}

// A document valid through a day shows that day: the instant is the next
// day's 00:00 (+08:00), so one millisecond back is the last day it holds.
export function fmtValidUntil(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  return fmtDocTime(new Date(d.getTime() - 1).toISOString(), false) + '（含当日）'
}
