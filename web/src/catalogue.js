// The dispatch catalogue (派单目录) in the browser: the entry checks the
// server makes (docs/api.md "Dispatch catalogue and routing"), mirrored so a
// dialog says what is wrong before saving; the server's field paths
// (`entries[3].keywords[2]`, `line 4.org`) turned into a place and a Chinese
// sentence; a CSV reader for the import's pre-check; the raw-body import and
// the downloads. The server stays the judge: these checks only come first.
import { api, ApiError, qs } from './api.js'
import { csrfToken } from './attachments.js'

export const TOWNSHIP = '@township'
export const TOWNSHIP_LABEL = '所在乡镇（属地）'
export const ENTRY_KEYS = ['org', 'category', 'duty', 'keywords', 'classes', 'region', 'negative']
export const FIELD_LABELS = {
  org: '承办单位',
  category: '事项类别',
  duty: '职责',
  keywords: '关键词',
  classes: '适用分类',
  region: '适用区域',
  negative: '排除词',
}
export const LIMITS = {
  entries: 2000,
  category: 64,
  duty: 500,
  word: 32,
  keywords: 64,
  classes: 16,
  negative: 32,
  note: 200,
}
// The kinds an entry's org may be (villages and grids never: a department's
// matter is not pushed down).
export const ORG_KINDS = ['department', 'township', 'enterprise']

// Characters as people count them (code points, not UTF-16 units).
export const chars = (s) => [...String(s == null ? '' : s)].length
const oneLine = (s) => !/[\r\n\u2028\u2029]/.test(s)

// A canonical copy: keys in the server's order, empty optional members left
// out (what PUT sends and what "changed" compares).
export function cleanEntry(e) {
  const out = {}
  out.org = String(e.org || '').trim()
  out.category = String(e.category || '').trim()
  const duty = String(e.duty || '').trim()
  if (duty) out.duty = duty
  out.keywords = (e.keywords || []).map((w) => String(w))
  if (e.classes && e.classes.length) out.classes = e.classes.map((w) => String(w))
  if (e.region) out.region = String(e.region)
  if (e.negative && e.negative.length) out.negative = e.negative.map((w) => String(w))
  return out
}

export const sameEntry = (a, b) => JSON.stringify(cleanEntry(a)) === JSON.stringify(cleanEntry(b))

function checkWords(list, key, min, max, out) {
  const label = FIELD_LABELS[key]
  if (list === undefined || list === null) list = []
  if (!Array.isArray(list)) return (out[key] = label + '须为词语列表')
  if (list.length < min) return (out[key] = '请至少填写 ' + min + ' 个' + label)
  if (list.length > max) return (out[key] = label + '最多 ' + max + ' 个（现有 ' + list.length + ' 个）')
  const seen = new Set()
  for (let i = 0; i < list.length; i++) {
    const w = list[i]
    const where = label + '第 ' + (i + 1) + ' 个'
    if (typeof w !== 'string' || !w.trim()) return (out[key] = where + '是空的')
    if (!oneLine(w)) return (out[key] = where + '须为单行文字')
    if (chars(w) > LIMITS.word) return (out[key] = where + '「' + w + '」超过 ' + LIMITS.word + ' 字')
    if (seen.has(w)) return (out[key] = where + '「' + w + '」与前面的词重复')
    seen.add(w)
  }
}

// The server's checks of one entry: {field: message} (empty when fine).
// knownOrgs (optional): a Set of the codes an entry may name (departments,
// townships, enterprises); regions (optional): the county's and townships'
// codes.
export function checkEntry(e, { knownOrgs = null, regions = null } = {}) {
  const out = {}
  if (!e || typeof e !== 'object') return { org: '条目格式不正确' }
  for (const k of Object.keys(e)) if (!ENTRY_KEYS.includes(k)) out[k] = '不认识的字段 ' + k
  const org = String(e.org || '').trim()
  if (!org) out.org = '请选择承办单位'
  else if (org !== TOWNSHIP && knownOrgs && !knownOrgs.has(org)) out.org = '没有这个单位（须为部门、乡镇或企业，或「' + TOWNSHIP_LABEL + '」）'
  const cat = String(e.category || '').trim()
  if (!cat) out.category = '请填写事项类别'
  else if (!oneLine(cat)) out.category = '事项类别须为单行文字'
  else if (chars(cat) > LIMITS.category) out.category = '事项类别最多 ' + LIMITS.category + ' 字（现有 ' + chars(cat) + ' 字）'
  const duty = String(e.duty || '')
  if (!oneLine(duty)) out.duty = '职责须为单行文字'
  else if (chars(duty) > LIMITS.duty) out.duty = '职责最多 ' + LIMITS.duty + ' 字（现有 ' + chars(duty) + ' 字）'
  checkWords(e.keywords, 'keywords', 1, LIMITS.keywords, out)
  checkWords(e.classes, 'classes', 0, LIMITS.classes, out)
  checkWords(e.negative, 'negative', 0, LIMITS.negative, out)
  if (e.region && regions && !regions.has(e.region)) out.region = '适用区域须为全县或一个乡镇'
  return out
}

// A server field path: {entry (0-based) | line (1-based), key, item (0-based)}.
//   entries[3].keywords[2] → {entry: 3, key: 'keywords', item: 2}
//   line 4.org            → {line: 4, key: 'org'}
//   line 1                → {line: 1, key: null}
export function parsePath(field) {
  if (!field) return null
  let m = String(field).match(/^entries\[(\d+)\](?:\.(\w+)(?:\[(\d+)\])?)?$/)
  if (m) return { entry: Number(m[1]), key: m[2] || null, item: m[3] === undefined ? null : Number(m[3]) }
  m = String(field).match(/^line (\d+)(?:\.(\w+)(?:\[(\d+)\])?)?$/)
  if (m) return { line: Number(m[1]), key: m[2] || null, item: m[3] === undefined ? null : Number(m[3]) }
  return { key: String(field), item: null }
}

// A server message without its machine path: "第 6 行：entries[1].org：没有这个单位"
// → "承办单位：没有这个单位"; "entries[3].keywords[14] 最多 32 字" → "关键词第 15 个最多 32 字".
export function plainMessage(msg) {
  let s = String(msg || '').replace(/^第\s*\d+\s*行[：:]\s*/, '')
  s = s.replace(/entries\[\d+\](?:\.(\w+)(?:\[(\d+)\])?)?/g, (all, key, item) => {
    if (!key) return '该条目'
    const label = FIELD_LABELS[key] || key
    return item === undefined ? label : label + '第 ' + (Number(item) + 1) + ' 个'
  })
  // "关键词第 15 个 最多 32 字": no space between two Chinese words
  s = s.replace(/([\u4e00-\u9fff]) (?=[\u4e00-\u9fff])/g, '$1')
  return s.replace(/^缺少\s*(\S+)$/, '请填写$1')
}

// One refused import as rows to list: [{line, field, label, message}].
export function importErrorRows(err) {
  if (!err) return []
  const p = parsePath(err.field)
  let msg = plainMessage(err.message || '')
  const label = p && p.key ? FIELD_LABELS[p.key] : ''
  if (label && msg.startsWith(label + '：')) msg = msg.slice(label.length + 1) // the column says it
  if (p && p.line) return [{ line: p.line, field: p.key, label: p.key ? FIELD_LABELS[p.key] || p.key : '', message: msg }]
  if (p && p.entry !== undefined) return [{ entry: p.entry + 1, field: p.key, label: p.key ? FIELD_LABELS[p.key] || p.key : '', message: msg }]
  return [{ line: null, field: err.field || null, label: '', message: msg || String(err.message || '') }]
}

// Where an import row's fault is, as people read it.
export function rowPlace(r) {
  if (r.line) return '第 ' + r.line + ' 行'
  if (r.entry) return '第 ' + r.entry + ' 条'
  return '文件'
}

// ---- CSV (RFC 4180; the import's pre-check reads the file as the server will)

// Records with the physical line each starts on: [{line, cells}]. A BOM is
// skipped; blank lines are left out.
export function parseCsv(text) {
  const s = String(text || '').replace(/^\uFEFF/, '')
  const out = []
  let cells = []
  let cell = ''
  let quoted = false
  let line = 1
  let start = 1
  let any = false
  const endRecord = () => {
    cells.push(cell)
    if (any || cells.length > 1 || cell !== '') out.push({ line: start, cells })
    cells = []
    cell = ''
    any = false
  }
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') { cell += '"'; i++ }
      else if (ch === '"') quoted = false
      else {
        if (ch === '\n') line++
        cell += ch
      }
    } else if (ch === '"') { quoted = true; any = true }
    else if (ch === ',') { cells.push(cell); cell = ''; any = true }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++
      endRecord()
      line++
      start = line
    } else { cell += ch; any = true }
  }
  if (cell !== '' || cells.length || any) endRecord()
  return out
}

export const splitList = (cell) => String(cell || '').split(/[、；;]/).map((w) => w.trim()).filter(Boolean)

// The CSV as entries with their lines, or a header fault: {entries:[{line, entry}], error}.
export function csvEntries(text) {
  const recs = parseCsv(text)
  if (!recs.length) return { entries: [], error: { line: 1, message: '文件是空的' } }
  const head = recs[0].cells.map((c) => c.trim())
  const bad = head.find((c, i) => !ENTRY_KEYS.includes(c) || head.indexOf(c) !== i)
  if (bad !== undefined) return { entries: [], error: { line: recs[0].line, message: '表头须为 ' + ENTRY_KEYS.join(',') + ' 中不重复的列' } }
  for (const k of ['org', 'category', 'keywords']) if (!head.includes(k)) return { entries: [], error: { line: recs[0].line, message: '缺少 ' + k + ' 列' } }
  const entries = recs.slice(1).map((r) => {
    const e = {}
    head.forEach((k, i) => {
      const v = (r.cells[i] || '').trim()
      if (['keywords', 'classes', 'negative'].includes(k)) {
        const list = splitList(v)
        if (list.length || k === 'keywords') e[k] = list
      } else if (v) e[k] = v
    })
    return { line: r.line, entry: e }
  })
  return { entries, error: null }
}

// Every line's first fault found before sending: [{line, field, label, message}].
export function precheckCsv(text, opts = {}) {
  const { entries, error } = csvEntries(text)
  if (error) return [{ line: error.line, field: null, label: '', message: error.message }]
  const rows = []
  for (const { line, entry } of entries) {
    const errs = checkEntry(entry, opts)
    const k = ENTRY_KEYS.find((x) => errs[x]) || Object.keys(errs)[0]
    if (k) rows.push({ line, field: k, label: FIELD_LABELS[k] || k, message: errs[k] })
  }
  if (entries.length > LIMITS.entries) rows.push({ line: null, field: null, label: '', message: '最多 ' + LIMITS.entries + ' 条（文件有 ' + entries.length + ' 条）' })
  return rows
}

// An exported JSON (GET /catalogue's answer) as the import takes it: the
// answer's own members (created_at, created_by) are not the import's.
export function importJsonBody(text) {
  let doc
  try {
    doc = JSON.parse(String(text || '').replace(/^\uFEFF/, ''))
  } catch (e) {
    throw new ApiError(400, 'request.bad_json', '文件不是有效的 JSON：' + e.message)
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    if (Array.isArray(doc)) return { entries: doc }
    throw new ApiError(400, 'field.invalid', '文件须为 {"entries": [...]} 形式的 JSON', 'entries')
  }
  const out = {}
  for (const [k, v] of Object.entries(doc)) if (k !== 'created_at' && k !== 'created_by') out[k] = v
  return out
}

// The file's kind by its name (then its type): 'csv' | 'json' | null.
export function fileKind(file) {
  const n = String((file && file.name) || '').toLowerCase()
  if (n.endsWith('.csv')) return 'csv'
  if (n.endsWith('.json')) return 'json'
  const t = String((file && file.type) || '').toLowerCase()
  if (t.includes('csv')) return 'csv'
  if (t.includes('json')) return 'json'
  return null
}

async function errorOf(res) {
  let err = {}
  try {
    err = ((await res.json()) || {}).error || {}
  } catch (e) {
    /* not JSON */
  }
  return new ApiError(res.status, err.code || 'http.' + res.status, err.message || '', err.field)
}

// POST /api/v1/catalogue/import with the body as it is and its type; a 401
// asks for the sign-in again (through api.js) and sends once more.
export async function postImport(body, contentType, note, fetchImpl = fetch) {
  const url = '/api/v1/catalogue/import' + qs({ note: note || '' })
  const send = async () => {
    try {
      return await fetchImpl(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': contentType, Accept: 'application/json', 'X-CSRF-Token': csrfToken() },
        body,
      })
    } catch (e) {
      throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
    }
  }
  let res = await send()
  if (res.status === 401) {
    await api.get('/api/v1/auth/me')
    res = await send()
  }
  if (!res.ok) throw await errorOf(res)
  return res.json()
}

// A download fetched rather than followed, so a refusal is said on the page.
export async function download(href, fallbackName) {
  let res = await fetch(href, { credentials: 'same-origin' })
  if (res.status === 401) {
    await api.get('/api/v1/auth/me')
    res = await fetch(href, { credentials: 'same-origin' })
  }
  if (!res.ok) throw await errorOf(res)
  const blob = await res.blob()
  saveBlob(blob, nameFrom(res.headers.get('Content-Disposition') || '', fallbackName))
}

export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60000)
}

export function nameFrom(cd, fallback) {
  const star = cd.match(/filename\*\s*=\s*UTF-8''([^;]+)/i)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch (e) {
      /* the plain name */
    }
  }
  const plain = cd.match(/filename\s*=\s*"?([^";]+)"?/i)
  return plain ? plain[1] : fallback
}

// Does an entry match the page's filter? {org, text}; text against the
// category, duty, keywords and negative words (case-insensitive).
export function entryMatches(e, { org = '', text = '' } = {}, orgName = null) {
  if (org && e.org !== org) return false
  const q = String(text || '').trim().toLowerCase()
  if (!q) return true
  const hay = [e.category, e.duty, ...(e.keywords || []), ...(e.negative || []), e.org, orgName ? orgName(e.org) : '']
  return hay.some((s) => s && String(s).toLowerCase().includes(q))
}

// What a draft changes against the loaded version: {added, changed, removed}.
export function draftSummary(rows, original) {
  const byUid = new Map(original.map((r) => [r.uid, r]))
  let added = 0
  let changed = 0
  for (const r of rows) {
    const o = byUid.get(r.uid)
    if (!o) added++
    else if (!sameEntry(o.entry, r.entry)) changed++
  }
  const kept = new Set(rows.map((r) => r.uid))
  const removed = original.filter((r) => !kept.has(r.uid)).length
  return { added, changed, removed, dirty: added + changed + removed > 0 }
}
