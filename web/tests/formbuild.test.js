import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  buildForm, validate, toBody, initialValues, errorAliases, fieldLabels, charCount, findAction,
} from '../src/formbuild.js'

const hotline = JSON.parse(readFileSync(fileURLToPath(new URL('../../config/types/hotline.json', import.meta.url)), 'utf8'))
const byName = (form) => Object.fromEntries(form.map((f) => [f.name, f]))

// A made-up type that no form code knows about.
const permit = {
  code: 'permit',
  fields: [
    { name: 'note', label: '说明', type: 'string', max: 5 },
    { name: 'size', label: '面积', type: 'int', min: 10, max: 500 },
    { name: 'color', label: '颜色', type: 'enum', values: ['红', '黄', '蓝', '绿', '白'] },
    { name: 'urgent', label: '加急', type: 'bool' },
    { name: 'inspectors', label: '检查单位', type: 'orgs', max: 3 },
    { name: 'when', label: '检查时间', type: 'datetime' },
  ],
  actions: [
    { code: 'apply', name: '申请', fields: [
      { name: 'note', required: true }, { name: 'size' }, { name: 'color', required: true },
      { name: 'urgent' }, { name: 'when' },
    ] },
    { code: 'inspect', name: '派检', fields: [{ name: 'inspectors', required: true }], effects: [{ effect: 'assign', org_kinds: ['department'] }] },
    { code: 'approve', name: '批准' },
  ],
}

describe('buildForm on the real hotline type', () => {
  it('every hotline action builds, each field has a label and a known widget', () => {
    const widgets = new Set(['input', 'textarea', 'select', 'radio', 'switch', 'number', 'org', 'orgs', 'units', 'case', 'datetime'])
    for (const a of hotline.actions) {
      const form = buildForm(hotline, a.code)
      for (const f of form) {
        expect(widgets.has(f.widget), a.code + '.' + f.name + ' ' + f.widget).toBe(true)
        expect(f.label).toMatch(/[\u4e00-\u9fff]/)
      }
      expect(form[form.length - 1].name).toBe('comment')
    }
  })

  it('answer: a required text area with the type label and max', () => {
    const f = byName(buildForm(hotline, 'answer', { comment: false }))
    expect(Object.keys(f)).toEqual(['answer'])
    expect(f.answer).toMatchObject({ label: '直接答复', widget: 'textarea', required: true, max: 8000 })
  })

  it('dispatch: org, orgs and lead become one units widget from the directory', () => {
    const form = buildForm(hotline, 'dispatch')
    expect(form.map((f) => f.name)).toEqual(['units', 'comment'])
    expect(form[0]).toMatchObject({ widget: 'units', single: 'org', multi: 'orgs', lead: 'lead', max: 10, required: true, source: 'directory' })
    expect(form[0].kinds).toEqual(['department', 'township', 'village', 'enterprise'])
    expect(errorAliases(form)).toEqual({ org: 'units', orgs: 'units', lead: 'units' })
    expect(fieldLabels(form).lead).toBe('主办单位')
  })

  it('dispatch: one unit or several with exactly one lead', () => {
    const form = buildForm(hotline, 'dispatch')
    const v = initialValues(form)
    expect(validate(form, v)).toEqual({ units: '请选择承办单位' })
    v.units = { orgs: [3], lead: null }
    expect(validate(form, v)).toEqual({})
    expect(toBody(form, v)).toEqual({ org: 3 })
    v.units = { orgs: [3, 23], lead: null }
    expect(validate(form, v).units).toMatch('主办')
    v.units = { orgs: [3, 23], lead: 33 }
    expect(validate(form, v).units).toMatch('之一')
    v.units = { orgs: [3, 23], lead: 3 }
    expect(validate(form, v)).toEqual({})
    expect(toBody(form, v)).toEqual({ orgs: [3, 23], lead: 3 })
    v.units = { orgs: [3, 3], lead: 3 }
    expect(validate(form, v).units).toMatch('重复')
    v.units = { orgs: Array.from({ length: 11 }, (_, i) => i + 1), lead: 1 }
    expect(validate(form, v).units).toMatch('最多 10')
  })

  it('callback: resolved as 是/否 radio and satisfaction as three radio buttons', () => {
    const f = byName(buildForm(hotline, 'callback'))
    expect(f.resolved).toMatchObject({ widget: 'radio', required: true, label: '是否解决' })
    expect(f.resolved.options.map((o) => o.value)).toEqual([true, false])
    expect(f.satisfaction).toMatchObject({ widget: 'radio', required: true })
    expect(f.satisfaction.options.map((o) => o.label)).toEqual(['满意', '基本满意', '不满意'])
    const form = buildForm(hotline, 'callback')
    const v = initialValues(form)
    expect(validate(form, v)).toEqual({ resolved: '请选择是否解决', satisfaction: '请选择满意度' })
    v.resolved = false
    v.satisfaction = '满意'
    expect(validate(form, v)).toEqual({})
    expect(toBody(form, v)).toEqual({ resolved: false, satisfaction: '满意' })
    v.satisfaction = '非常满意'
    expect(validate(form, v).satisfaction).toMatch('不在可选范围')
  })

  it('extend: days is an int 1–10 sent as a number', () => {
    const form = buildForm(hotline, 'extend')
    const f = byName(form)
    expect(f.days).toMatchObject({ widget: 'number', min: 1, max: 10, required: true })
    const v = { ...initialValues(form), days: '3', reason: '  需要现场勘查  ' }
    expect(validate(form, v)).toEqual({})
    expect(toBody(form, v)).toEqual({ days: 3, reason: '需要现场勘查' })
    expect(validate(form, { ...v, days: 11 }).days).toBe('延期工作日须在 1–10 之间')
    expect(validate(form, { ...v, days: 0 }).days).toBe('延期工作日须在 1–10 之间')
    expect(validate(form, { ...v, days: '2.5' }).days).toBe('延期工作日必须是整数')
    expect(validate(form, { ...v, reason: '   ' }).reason).toBe('请填写理由')
  })

  it('org fields of unit rulings choose among the case\'s own units', () => {
    expect(byName(buildForm(hotline, 'approve_return')).org).toMatchObject({ widget: 'org', source: 'assignments', statuses: ['return_requested'], required: false })
    expect(byName(buildForm(hotline, 'withdraw_unit')).org).toMatchObject({ source: 'assignments', required: true })
    expect(byName(buildForm(hotline, 'withdraw_unit')).org.statuses).toContain('approval_pending')
    expect(byName(buildForm(hotline, 'add_unit')).org).toMatchObject({ widget: 'org', source: 'directory', required: true })
  })

  it('merge: the target is a case id', () => {
    const form = buildForm(hotline, 'merge', { comment: false })
    expect(form[0]).toMatchObject({ name: 'into', widget: 'case', required: true })
    expect(toBody(form, { into: '42' })).toEqual({ into: 42 })
    expect(validate(form, { into: null }).into).toBe('请选择并入工单')
  })

  it('max length counts characters, not bytes or UTF-16 units', () => {
    const form = buildForm(hotline, 'reopen')
    const ok = '办'.repeat(2000)
    expect(charCount(ok)).toBe(2000)
    expect(validate(form, { reason: ok })).toEqual({})
    expect(validate(form, { reason: ok + '😀' }).reason).toBe('理由最多 2000 个字（现有 2001 个）')
    expect(validate(form, { reason: '😀'.repeat(2000) })).toEqual({})
  })

  it('actions without fields still get the optional comment, sent only when filled', () => {
    const form = buildForm(hotline, 'sign')
    expect(form.map((f) => f.name)).toEqual(['comment'])
    expect(toBody(form, initialValues(form))).toEqual({})
    expect(toBody(form, { comment: '已到现场' })).toEqual({ comment: '已到现场' })
  })

  it('an unknown action throws', () => {
    expect(() => buildForm(hotline, 'fly')).toThrow()
    expect(findAction(hotline, 'fly')).toBe(null)
  })
})

describe('a synthetic type needs no new form code', () => {
  it('merges labels, widgets and limits', () => {
    const f = byName(buildForm(permit, 'apply'))
    expect(f.note).toMatchObject({ label: '说明', widget: 'input', required: true, max: 5 })
    expect(f.size).toMatchObject({ widget: 'number', min: 10, max: 500, required: false })
    expect(f.color).toMatchObject({ widget: 'select', required: true })
    expect(f.color.options).toHaveLength(5)
    expect(f.urgent).toMatchObject({ widget: 'switch', required: false })
    expect(f.when).toMatchObject({ widget: 'datetime' })
  })

  it('validates and builds the body with JSON types', () => {
    const form = buildForm(permit, 'apply')
    const v = initialValues(form)
    expect(validate(form, v)).toEqual({ note: '请填写说明', color: '请选择颜色' })
    Object.assign(v, { note: '一二三四五六', size: 9, color: '紫' })
    expect(validate(form, v)).toEqual({ note: '说明最多 5 个字（现有 6 个）', size: '面积须在 10–500 之间', color: '颜色的取值不在可选范围内' })
    Object.assign(v, { note: '一二三四五', size: '120', color: '蓝', urgent: true })
    expect(validate(form, v)).toEqual({})
    expect(toBody(form, v)).toEqual({ note: '一二三四五', size: 120, color: '蓝', urgent: true })
    // an untouched switch is not sent
    expect(toBody(form, { ...v, urgent: null })).not.toHaveProperty('urgent')
  })

  it('an orgs field without a lead stays a plain multi-select', () => {
    const form = buildForm(permit, 'inspect')
    expect(form[0]).toMatchObject({ name: 'inspectors', widget: 'orgs', max: 3, required: true, source: 'directory', kinds: ['department'] })
    expect(validate(form, { inspectors: [] }).inspectors).toBe('请选择检查单位')
    expect(validate(form, { inspectors: [1, 2, 3, 4] }).inspectors).toBe('检查单位最多 3 个')
    expect(toBody(form, { inspectors: ['5', 6] })).toEqual({ inspectors: [5, 6] })
  })

  it('an action with no fields is only the comment', () => {
    expect(buildForm(permit, 'approve').map((f) => f.name)).toEqual(['comment'])
    expect(buildForm(permit, 'approve', { comment: false })).toEqual([])
  })
})

describe('datetime fields (the dispute\'s session_at)', () => {
  const dispute = {
    code: 'dispute',
    fields: [{ name: 'session_at', label: '调解时间', type: 'datetime' }, { name: 'partner', label: '联调单位', type: 'org' }],
    actions: [
      { code: 'session', fields: [{ name: 'session_at', required: true }], on: 'assignment' },
      { code: 'invite_joint', on: 'assignment', fields: [{ name: 'partner', required: true }],
        effects: [{ effect: 'assign', kind: 'assist', field: 'partner', org_kinds: ['township', 'village', 'county'] }] },
    ],
  }
  it('a picked wall time is Beijing time', () => {
    const form = buildForm(dispute, 'session', { comment: false })
    expect(form[0]).toMatchObject({ widget: 'datetime', required: true })
    expect(toBody(form, { session_at: '2026-12-02T09:30:00' })).toEqual({ session_at: '2026-12-02T09:30:00+08:00' })
    expect(toBody(form, { session_at: '2026-12-02T09:30:00Z' })).toEqual({ session_at: '2026-12-02T09:30:00Z' })
    expect(validate(form, {})).toEqual({ session_at: '请选择调解时间' })
  })
  it('a joint partner may be another county\'s org', () => {
    const f = buildForm(dispute, 'invite_joint', { comment: false })[0]
    expect(f).toMatchObject({ widget: 'org', source: 'directory', crossRegion: true, kinds: ['township', 'village', 'county'] })
    expect(toBody([f], { partner: 'town.x' })).toEqual({ partner: 'town.x' })
  })
})
