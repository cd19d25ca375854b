// Forms built from a matter type's definition (GET /api/v1/types/{type}), so a
// new type needs no new form code. Pure JS: no Vue, no fetch.
//
// buildForm(type, actionCode) merges each of the action's fields with the
// type's field of the same name (label, type, max, min, values) and the
// action's own settings (required, a type override such as org/orgs), and
// answers a list of form fields:
//   {name, label, type, widget, required, max, min, options, ...}
// widget is one of input | textarea | select | radio | switch | number |
// org | orgs | units | case | datetime | date (a calendar day, YYYY-MM-DD) |
// checks (an enums field: several of its values, a checkbox each — the
// materials a 一次性告知 lists).
//   - enum: radio buttons when there are few values (≤ 4), else a select
//   - bool: 是/否 radio buttons when required (a switch cannot say "not
//     answered yet"), else a switch
//   - org / orgs: a unit; `source` says where the choices come from:
//     'directory' (the org tree, limited to `kinds` when the action's assign
//     effect names org_kinds) or 'assignments' (the case's own units, limited
//     to assignment `statuses` when the action names them)
//   - units: an action with an `orgs` field and an org field named `lead`
//     (the hotline's dispatch: {org} or {orgs, lead}) gets one widget whose
//     value is {orgs: [id…], lead: id|null}: one unit, or several with
//     exactly one lead (主办) and the others assisting (协办)
// validate(form, values) → {name: 中文 message}; toBody(form, values) → the
// request body with only the filled fields, in their JSON types.

const DEFAULT_LABELS = {
  org: '单位',
  orgs: '承办单位',
  lead: '主办单位',
  into: '并入工单',
  comment: '备注',
  units: '承办单位',
}

export const COMMENT_MAX = 2000

// Few enough values to show as radio buttons instead of a dropdown.
const RADIO_MAX = 4

export function findAction(type, code) {
  return ((type && type.actions) || []).find((a) => a.code === code) || null
}

export function findField(type, name) {
  return ((type && type.fields) || []).find((f) => f.name === name) || null
}

function widgetFor(kind, required, values) {
  switch (kind) {
    case 'text':
      return 'textarea'
    case 'enum':
      return (values || []).length <= RADIO_MAX ? 'radio' : 'select'
    case 'enums':
      return 'checks'
    case 'bool':
      return required ? 'radio' : 'switch'
    case 'int':
      return 'number'
    case 'org':
    case 'orgs':
    case 'case':
    case 'datetime':
    case 'date':
      return kind
    default:
      return 'input'
  }
}

// Where an org field of this action takes its choices from.
function orgSource(action, name) {
  const effects = action.effects || []
  const assign = effects.find((e) => e && e.effect === 'assign')
  if (assign) {
    const out = { source: 'directory', kinds: assign.org_kinds || null }
    // a partner that may be another county's org (the dispute's joint
    // mediation): the caller's own tree cannot list it
    if (assign.kind === 'assist' && (assign.org_kinds || []).includes('county')) out.crossRegion = true
    return out
  }
  // an effect that works on one of the case's units named by this field
  const onField = effects.find((e) => e && e.field === name && Array.isArray(e.from))
  if (onField) return { source: 'assignments', statuses: onField.from }
  // a rating of one of the case's units (rate_part's org_field: 双考核)
  if (effects.some((e) => e && e.org_field === name)) return { source: 'assignments', statuses: null }
  if (action.on === 'assignment')
    return { source: 'assignments', statuses: action.assignment_from || null }
  return { source: 'directory', kinds: null }
}

function oneField(type, action, af) {
  const def = findField(type, af.name) || {}
  const kind = af.type || def.type || 'string'
  const required = !!af.required
  const values = af.values || def.values || null
  const f = {
    name: af.name,
    label: af.label || def.label || DEFAULT_LABELS[af.name] || af.name,
    type: kind,
    widget: widgetFor(kind, required, values),
    required,
  }
  const max = af.max !== undefined ? af.max : def.max
  const min = af.min !== undefined ? af.min : def.min
  if (max !== undefined && max !== null) f.max = max
  if (min !== undefined && min !== null) f.min = min
  if (kind === 'enum' || kind === 'enums') f.options = (values || []).map((v) => ({ value: v, label: String(v) }))
  if (kind === 'bool') f.options = [{ value: true, label: '是' }, { value: false, label: '否' }]
  if (kind === 'org' || kind === 'orgs') Object.assign(f, orgSource(action, af.name))
  return f
}

// The fields of action `code` of `type` as a form (an array). opts.comment
// (default true) adds the optional 备注 every action accepts.
export function buildForm(type, code, opts = {}) {
  const action = findAction(type, code)
  if (!action) throw new Error('unknown action ' + code)
  const afs = action.fields || []
  const kindOf = (af) => af.type || (findField(type, af.name) || {}).type || 'string'
  // the units group: an orgs field, an org field named lead, and another org field (one unit)
  const multi = afs.find((af) => kindOf(af) === 'orgs')
  const lead = afs.find((af) => af.name === 'lead' && kindOf(af) === 'org')
  const single = multi && lead ? afs.find((af) => af !== lead && kindOf(af) === 'org') : null
  const group = multi && lead ? [multi, lead, single].filter(Boolean) : []
  const out = []
  for (const af of afs) {
    if (group.includes(af)) {
      if (out.some((f) => f.widget === 'units')) continue
      out.push({
        name: 'units',
        label: DEFAULT_LABELS.units,
        type: 'units',
        widget: 'units',
        required: true, // the action needs its units in one of the group's fields
        single: single ? single.name : null,
        multi: multi.name,
        lead: lead.name,
        max: multi.max !== undefined ? multi.max : 20,
        ...orgSource(action, multi.name),
      })
      continue
    }
    out.push(oneField(type, action, af))
  }
  if (opts.comment !== false && !afs.some((af) => af.name === 'comment'))
    out.push({ name: 'comment', label: DEFAULT_LABELS.comment, type: 'text', widget: 'textarea', required: false, max: COMMENT_MAX })
  return out
}

// The starting values of a form: nothing chosen, nothing typed.
export function initialValues(form) {
  const v = {}
  for (const f of form) {
    if (f.widget === 'units') v[f.name] = { orgs: [], lead: null }
    else if (f.widget === 'orgs' || f.widget === 'checks') v[f.name] = []
    else v[f.name] = null
    if (f.widget === 'input' || f.widget === 'textarea') v[f.name] = ''
  }
  return v
}

// The server names its errors by the body's fields; where the form shows
// several body fields as one widget, errors on them belong beside it.
export function errorAliases(form) {
  const a = {}
  for (const f of form) if (f.widget === 'units') for (const n of [f.single, f.multi, f.lead]) if (n) a[n] = f.name
  return a
}

export function fieldNames(form) {
  return form.map((f) => f.name)
}

export function fieldLabels(form) {
  const l = {}
  for (const f of form) {
    l[f.name] = f.label
    if (f.widget === 'units') for (const n of [f.single, f.multi, f.lead]) if (n) l[n] = n === f.lead ? DEFAULT_LABELS.lead : f.label
  }
  return l
}

// Characters as people count them (a CJK character or an emoji is one).
export function charCount(s) {
  return Array.from(String(s || '')).length
}

function isEmpty(v) {
  if (v === undefined || v === null) return true
  if (typeof v === 'string') return v.trim() === ''
  if (Array.isArray(v)) return v.length === 0
  return false
}

function toInt(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? v : NaN
  if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return parseInt(v, 10)
  return NaN
}

function pickWord(f) {
  return ['input', 'textarea', 'number'].includes(f.widget) ? '请填写' : '请选择'
}

// {name: message} for every field that is not right; {} when all are.
export function validate(form, values) {
  const errs = {}
  for (const f of form) {
    const v = values ? values[f.name] : undefined
    if (f.widget === 'units') {
      const u = v || { orgs: [], lead: null }
      const orgs = u.orgs || []
      if (orgs.length === 0) {
        if (f.required) errs[f.name] = '请选择' + f.label
      } else if (f.max && orgs.length > f.max) errs[f.name] = f.label + '最多 ' + f.max + ' 个'
      else if (new Set(orgs).size !== orgs.length) errs[f.name] = f.label + '有重复'
      else if (orgs.length > 1 && (u.lead === null || u.lead === undefined || u.lead === ''))
        errs[f.name] = '派给多个单位时须指定一个主办单位，其余为协办'
      else if (orgs.length > 1 && !orgs.includes(u.lead)) errs[f.name] = '主办单位必须是所选单位之一'
      continue
    }
    if (f.widget === 'switch' && f.required && v !== true && v !== false) {
      errs[f.name] = '请选择' + f.label
      continue
    }
    if (isEmpty(v)) {
      if (f.required) errs[f.name] = pickWord(f) + f.label
      continue
    }
    switch (f.type) {
      case 'string':
      case 'text': {
        const n = charCount(typeof v === 'string' ? v.trim() : v)
        if (f.max && n > f.max) errs[f.name] = f.label + '最多 ' + f.max + ' 个字（现有 ' + n + ' 个）'
        break
      }
      case 'int': {
        const n = toInt(v)
        if (Number.isNaN(n)) errs[f.name] = f.label + '必须是整数'
        else if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
          if (f.min !== undefined && f.max !== undefined) errs[f.name] = f.label + '须在 ' + f.min + '–' + f.max + ' 之间'
          else if (f.min !== undefined) errs[f.name] = f.label + '不能小于 ' + f.min
          else errs[f.name] = f.label + '不能大于 ' + f.max
        }
        break
      }
      case 'enum':
        if (!(f.options || []).some((o) => o.value === v)) errs[f.name] = f.label + '的取值不在可选范围内'
        break
      case 'bool':
        if (v !== true && v !== false) errs[f.name] = '请选择' + f.label
        break
      case 'enums':
        if (!Array.isArray(v) || v.some((x) => !(f.options || []).some((o) => o.value === x))) errs[f.name] = '请选择' + f.label
        else if (f.max && v.length > f.max) errs[f.name] = f.label + '最多 ' + f.max + ' 项'
        break
      case 'orgs':
        if (!Array.isArray(v)) errs[f.name] = '请选择' + f.label
        else if (f.max && v.length > f.max) errs[f.name] = f.label + '最多 ' + f.max + ' 个'
        break
      case 'case':
        if (!(toInt(v) > 0)) errs[f.name] = '请选择' + f.label
        break
      default:
        break
    }
  }
  return errs
}

// A picked wall time ("2026-12-02T09:30:00") is Beijing time, as every time
// the UI shows is, whatever the browser's own zone: sent with +08:00. A value
// that already names its zone goes as it is.
export function beijing(v) {
  const s = String(v).trim()
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(s) ? (s.length === 16 ? s + ':00' : s) + '+08:00' : s
}

function orgValue(v) {
  const n = toInt(v)
  return Number.isNaN(n) ? v : n
}

// The request body: only the fields that were filled, each in its JSON type.
export function toBody(form, values) {
  const body = {}
  for (const f of form) {
    const v = values ? values[f.name] : undefined
    if (f.widget === 'units') {
      const orgs = ((v && v.orgs) || []).map(orgValue)
      if (orgs.length === 0) continue
      if (orgs.length === 1) {
        if (f.single) body[f.single] = orgs[0]
        else body[f.multi] = orgs
      } else {
        body[f.multi] = orgs
        if (v.lead !== null && v.lead !== undefined && v.lead !== '') body[f.lead] = orgValue(v.lead)
      }
      continue
    }
    if (f.type === 'bool') {
      if (v === true || v === false) body[f.name] = v
      else if (v === 'true' || v === 'false') body[f.name] = v === 'true'
      continue
    }
    if (isEmpty(v)) continue
    switch (f.type) {
      case 'int': {
        const n = toInt(v)
        if (!Number.isNaN(n)) body[f.name] = n
        break
      }
      case 'case':
        body[f.name] = toInt(v)
        break
      case 'org':
        body[f.name] = orgValue(v)
        break
      case 'orgs':
        body[f.name] = v.map(orgValue)
        break
      case 'enums':
        body[f.name] = [...v]
        break
      case 'string':
      case 'text':
        body[f.name] = String(v).trim()
        break
      case 'datetime':
        body[f.name] = beijing(v)
        break
      default:
        body[f.name] = v
    }
  }
  return body
}
