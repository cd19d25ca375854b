// Full-text search in the browser (docs/api.md "Search"): the query as the
// /search page keeps it in its URL, the offset paging within the server's
// ranked window, the highlight pieces as text segments (rendered as text
// nodes and <mark>, never as HTML), and which key presses belong to the top
// bar's box. Pure functions, tested in tests/search.test.js.

export const PAGE_SIZE = 20
export const MAX_OFFSET = 500 // the server's largest offset
export const MAX_QUERY = 200 // characters
export const SEARCH_WINDOW = 2000 // cases ranked at most (total_capped)

// One query-string value as a string ('' for none; the first of a repeat).
function one(v) {
  if (Array.isArray(v)) v = v[0]
  return typeof v === 'string' ? v : ''
}

// {q, type, page} from the route's query: q trimmed (kept as typed
// otherwise), page a whole number from 1 up to the last one the server can
// reach.
export function readQuery(query = {}) {
  const q = one(query.q).trim().slice(0, MAX_QUERY)
  const type = one(query.type).trim()
  let page = parseInt(one(query.page), 10)
  if (!Number.isFinite(page) || page < 1) page = 1
  page = Math.min(page, lastReachablePage())
  return { q, type, page }
}

// The route query for a search: empty parts and page 1 left out.
export function toQuery({ q = '', type = '', page = 1 } = {}) {
  const out = {}
  const t = String(q).trim()
  if (t) out.q = t
  if (type) out.type = type
  if (page > 1) out.page = String(page)
  return out
}

// The last page the server's offset limit lets a user reach.
export function lastReachablePage(size = PAGE_SIZE) {
  return Math.floor(MAX_OFFSET / size) + 1
}

// The parameters of GET /api/v1/search for a page.
export function searchParams({ q, type, page }, size = PAGE_SIZE) {
  return { q, type: type || undefined, limit: size, offset: (page - 1) * size }
}

// What the pager shows for `total` results on `page`:
//   from, to  the 1-based numbers of the first and last result shown
//   pages     the pages there are (at least 1)
//   reachable the last page a user can open (the offset limit)
//   hasPrev, hasNext
//   cut       more results than can be paged through: say to add words
export function pagerState(total, page, shown, size = PAGE_SIZE) {
  const n = Math.max(0, Number(total) || 0)
  const pages = Math.max(1, Math.ceil(n / size))
  const reachable = Math.min(pages, lastReachablePage(size))
  const from = shown > 0 ? (page - 1) * size + 1 : 0
  const to = shown > 0 ? from + shown - 1 : 0
  return {
    from,
    to,
    pages,
    reachable,
    hasPrev: page > 1,
    hasNext: page < reachable && to < n,
    cut: pages > reachable,
  }
}

// Highlight pieces ([{text, hit?}…]) as segments to render: only strings,
// empty pieces dropped, neighbours of the same kind joined (so a hit reads
// as one <mark>). Anything else (a missing highlight, a stray value) gives
// the fallback text unmarked.
export function segments(pieces, fallback = '') {
  const out = []
  if (Array.isArray(pieces)) {
    for (const p of pieces) {
      if (!p || typeof p.text !== 'string' || p.text === '') continue
      const hit = p.hit === true
      const last = out[out.length - 1]
      if (last && last.hit === hit) last.text += p.text
      else out.push({ text: p.text, hit })
    }
  }
  if (!out.length && fallback) out.push({ text: String(fallback), hit: false })
  return out
}

// Has the text a letter or digit of any script (else the server has
// nothing to search for: punctuation, emoji)?
export function hasWords(q) {
  return /[\p{L}\p{N}]/u.test(String(q || ''))
}

// Does a result's highlight mark anything (the title or the fragment)?
export function hasHit(segs) {
  return segs.some((s) => s.hit)
}

// The element has the keyboard for text: the top bar's "/" must not steal
// a slash typed into a field, a select's filter or an editable area.
export function isTypingTarget(el) {
  if (!el || !el.tagName) return false
  const tag = el.tagName.toLowerCase()
  if (tag === 'textarea' || tag === 'select') return true
  if (tag === 'input') {
    const t = (el.type || 'text').toLowerCase()
    return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(t)
  }
  return !!el.isContentEditable
}

// Should this keydown focus the top bar's search box? "/" with no modifier,
// nothing being typed into, no dialog holding the keys.
export function isSearchHotkey(e, active) {
  if (!e || e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return false
  if (isTypingTarget(active)) return false
  const t = e.target
  if (t && t.closest && t.closest('.el-overlay, .el-dialog, .el-message-box')) return false
  return true
}
