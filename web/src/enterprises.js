// The enterprise registry's UI logic (docs/enterprise.md, docs/ui.md "企业台账"):
// the risk levels' colours, the create/edit form as an API body, the CSV
// import's answer turned into a table of bad rows, and which case types an
// enterprise page's tabs can list. Kept out of the pages so vitest reads it.

// 四色分级, as the server's GET /api/v1/enterprises/meta also gives them
export const RISK_COLORS = { 红: '#d93026', 橙: '#f08c00', 黄: '#e6b800', 蓝: '#1f6fd1' }
export const RISK_NAMES = { 红: '重大风险', 橙: '较大风险', 黄: '一般风险', 蓝: '低风险' }

// The badge of a risk level: its colour, and text that reads on it.
export function riskStyle(level) {
  const bg = RISK_COLORS[level] || '#909399'
  // dark text on yellow, white on the others (contrast)
  return { background: bg, color: level === '黄' ? '#1f1f1f' : '#fff', borderColor: bg }
}

export const CONTACT_ROLES = [
  { key: 'legal_rep', label: '法定代表人' },
  { key: 'safety_officer', label: '安全负责人' },
]

// A blank form, or one filled from an enterprise (GET /api/v1/enterprises/{id});
// masked contacts (李**) are not values to edit: their fields start empty.
export function formFrom(e) {
  const c = (e && !e.contacts_masked && e.contacts) || {}
  const loc = (e && e.location) || {}
  return {
    name: e ? e.name : '',
    credit_code: e ? e.credit_code : '',
    industry: e ? e.industry : '',
    risk_level: e ? e.risk_level : '',
    township: e ? e.township.code : '',
    address: loc.address || '',
    lng: loc.lng !== undefined && loc.lng !== null ? String(loc.lng) : '',
    lat: loc.lat !== undefined && loc.lat !== null ? String(loc.lat) : '',
    legal_rep_name: (c.legal_rep && c.legal_rep.name) || '',
    legal_rep_phone: (c.legal_rep && c.legal_rep.phone) || '',
    safety_officer_name: (c.safety_officer && c.safety_officer.name) || '',
    safety_officer_phone: (c.safety_officer && c.safety_officer.phone) || '',
  }
}

const trim = (s) => String(s || '').trim()

// The form as the body of POST /api/v1/enterprises (or, with `was`, the
// form it started from and the enterprise's version, of PATCH: only what
// changed). Contacts shown in full are sent when changed (emptied: removed);
// contacts that were masked (contactsMasked) start empty, and only one typed
// in replaces the registered one — a masked 李** is never sent back, and an
// empty field never removes what the editor could not see. {body} or
// {error, field}.
export function bodyFrom(f, was = null, version = null, contactsMasked = false) {
  const body = {}
  const set = (k, v) => {
    if (!was || v !== trim(was[k])) body[k] = v
  }
  for (const k of ['name', 'credit_code', 'industry', 'risk_level']) {
    const v = trim(f[k])
    if (!v && !was) return { error: '请填写' + { name: '企业名称', credit_code: '统一社会信用代码', industry: '行业类别', risk_level: '风险等级' }[k], field: k }
    if (v) set(k, k === 'credit_code' ? v.toUpperCase() : v)
  }
  const lng = trim(f.lng)
  const lat = trim(f.lat)
  if ((lng === '') !== (lat === '')) return { error: '经度和纬度须同时填写', field: lng ? 'lat' : 'lng' }
  if (lng && (!Number.isFinite(Number(lng)) || !Number.isFinite(Number(lat)))) return { error: '经纬度须为数字', field: 'lng' }
  const address = trim(f.address)
  const locChanged = !was || address !== trim(was.address) || lng !== trim(was.lng) || lat !== trim(was.lat)
  if (locChanged && (address || lng)) {
    const loc = {}
    if (lng) {
      loc.lng = Number(lng)
      loc.lat = Number(lat)
    }
    if (address) loc.address = address
    body.location = loc
  }
  const township = trim(f.township)
  if (township && (!was || township !== trim(was.township))) body.township = township
  if (!was && !township && !lng) return { error: '请选择所属乡镇，或填写经纬度由系统落到乡镇', field: 'township' }
  const contacts = {}
  for (const { key } of CONTACT_ROLES) {
    const name = trim(f[key + '_name'])
    const phone = trim(f[key + '_phone'])
    const changed = !was || name !== trim(was[key + '_name']) || phone !== trim(was[key + '_phone'])
    if (!changed) continue
    if (!name && phone) return { error: '填写电话时须填写姓名', field: key + '_name' }
    if (name) contacts[key] = phone ? { name, phone } : { name }
    else if (was && !contactsMasked) contacts[key] = null // emptied: removed
  }
  if (Object.keys(contacts).length) body.contacts = contacts
  if (was) {
    if (!Object.keys(body).length) return { error: '没有要修改的内容', field: null }
    body.version = version
  }
  return { body }
}

// The server's field names → the form's (errors.js fieldErrors aliases).
export const FIELD_ALIASES = {
  location: 'address',
  'location.address': 'address',
  'location.lng': 'lng',
  'location.lat': 'lat',
  'contacts.legal_rep': 'legal_rep_name',
  'contacts.legal_rep.name': 'legal_rep_name',
  'contacts.legal_rep.phone': 'legal_rep_phone',
  'contacts.safety_officer': 'safety_officer_name',
  'contacts.safety_officer.name': 'safety_officer_name',
  'contacts.safety_officer.phone': 'safety_officer_phone',
}

// The import's 400 message ("N 行有误，没有导入任何企业：" then one line a
// bad row, "第 3 行「统一社会信用代码」：…") as {summary, rows:[{line,
// column, message}]}; a message of another shape is the summary alone.
export function importErrors(message) {
  const lines = String(message || '').split('\n')
  const rows = []
  for (const l of lines.slice(1)) {
    const m = l.match(/^第 (\d+) 行(?:「([^」]*)」)?：(.*)$/)
    if (m) rows.push({ line: Number(m[1]), column: m[2] || '', message: m[3] })
  }
  return { summary: rows.length ? lines[0].replace(/：$/, '') : lines.join(' '), rows }
}

// The columns of the import's CSV (docs/enterprise.md), for the template.
export const CSV_COLUMNS = ['企业名称', '统一社会信用代码', '行业类别', '风险等级', '所属乡镇', '地址', '经度', '纬度',
  '法定代表人', '法定代表人电话', '安全负责人', '安全负责人电话']
export const CSV_TEMPLATE = '\ufeff' + CSV_COLUMNS.join(',') + '\r\n' +
  '濂江县示例食品有限公司,91350100M000100Y43,工贸,黄,濂江镇,濂江镇东门社区建设路 1 号,114.884,25.785,张三,13800138000,李四,13900139000\r\n'

// The tabs of an enterprise page: the case types listed there, each shown
// only as an empty list while the type is not loaded on this server
// (GET /api/v1/types): {code, label, available}.
export const CASE_TABS = [
  { code: 'hazard', label: '隐患' },
  { code: 'inspection', label: '检查' },
]
export function caseTabs(types) {
  const have = new Set((types || []).map((t) => t.code))
  return CASE_TABS.map((t) => ({ ...t, available: have.has(t.code) }))
}

// "2026-12-02T10:00:00.000+08:00" → "2026-12-02 10:00"
export function shortTime(iso) {
  if (!iso) return ''
  return String(iso).slice(0, 16).replace('T', ' ')
}
