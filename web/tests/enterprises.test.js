import { describe, it, expect } from 'vitest'
import { bodyFrom, caseTabs, formFrom, importErrors, riskStyle, shortTime, CSV_TEMPLATE, CSV_COLUMNS } from '../src/enterprises.js'

const E = {
  id: 32, code: 'ent.demo1', name: '濂江县鑫盛脐橙食品有限公司', credit_code: '91360727MA35K7Q271', industry: '工贸', risk_level: '黄',
  location: { lng: 114.8638, lat: 25.768, address: '濂江镇新塘村工业小区 8 号' }, township: { id: 23, code: 'town.a', name: '濂江镇' },
  contacts: { legal_rep: { name: '李俊峰', phone: '18179720483' } }, version: 3,
}

describe('the create form', () => {
  it('asks for the four required values, then a township or a point', () => {
    const f = formFrom(null)
    expect(bodyFrom(f)).toEqual({ error: '请填写企业名称', field: 'name' })
    Object.assign(f, { name: ' 新公司 ', credit_code: '91350100m000100y43', industry: '工贸', risk_level: '黄' })
    expect(bodyFrom(f).field).toBe('township')
    f.lng = '114.88'
    expect(bodyFrom(f)).toEqual({ error: '经度和纬度须同时填写', field: 'lat' })
    f.lat = 'abc'
    expect(bodyFrom(f).field).toBe('lng')
    f.lat = '25.78'
    expect(bodyFrom(f).body).toEqual({ name: '新公司', credit_code: '91350100M000100Y43', industry: '工贸', risk_level: '黄', location: { lng: 114.88, lat: 25.78 } })
  })
  it('sends a township and contacts given, and refuses a phone without a name', () => {
    const f = { ...formFrom(null), name: 'A', credit_code: '91350100M000100Y43', industry: '工贸', risk_level: '红', township: 'town.b', address: '长岭乡' }
    f.safety_officer_phone = '13800138000'
    expect(bodyFrom(f)).toEqual({ error: '填写电话时须填写姓名', field: 'safety_officer_name' })
    f.safety_officer_name = '王五'
    expect(bodyFrom(f).body).toEqual({ name: 'A', credit_code: '91350100M000100Y43', industry: '工贸', risk_level: '红', township: 'town.b',
      location: { address: '长岭乡' }, contacts: { safety_officer: { name: '王五', phone: '13800138000' } } })
  })
})

describe('the edit form', () => {
  it('sends only what changed, with the version', () => {
    const was = formFrom(E)
    const f = { ...was, risk_level: '红' }
    expect(bodyFrom(f, was, 3)).toEqual({ body: { risk_level: '红', version: 3 } })
    expect(bodyFrom({ ...was }, was, 3)).toEqual({ error: '没有要修改的内容', field: null })
    const moved = { ...was, lng: '114.87', lat: '25.77' }
    expect(bodyFrom(moved, was, 3).body).toEqual({ location: { lng: 114.87, lat: 25.77, address: '濂江镇新塘村工业小区 8 号' }, version: 3 })
  })
  it('never sends masked contacts back, replaces one typed in over them, and clears a contact emptied', () => {
    const masked = { ...E, contacts: { legal_rep: { name: '李**', phone: '181****0483' } }, contacts_masked: true }
    const was = formFrom(masked)
    expect(was.legal_rep_name).toBe('')
    expect(bodyFrom({ ...was }, was, 3, true)).toEqual({ error: '没有要修改的内容', field: null })
    expect(bodyFrom({ ...was, legal_rep_name: '王五', legal_rep_phone: '13800138000' }, was, 3, true).body)
      .toEqual({ contacts: { legal_rep: { name: '王五', phone: '13800138000' } }, version: 3 })
    const full = formFrom(E)
    expect(bodyFrom({ ...full, legal_rep_name: '', legal_rep_phone: '' }, full, 3).body).toEqual({ contacts: { legal_rep: null }, version: 3 })
  })
})

describe('the import', () => {
  it('reads every bad row of the server\'s answer', () => {
    const msg = '2 行有误，没有导入任何企业：\n第 3 行「统一社会信用代码」：统一社会信用代码校验位应为 B\n第 7 行：列数多于表头'
    expect(importErrors(msg)).toEqual({
      summary: '2 行有误，没有导入任何企业',
      rows: [{ line: 3, column: '统一社会信用代码', message: '统一社会信用代码校验位应为 B' }, { line: 7, column: '', message: '列数多于表头' }],
    })
    expect(importErrors('第 1 行：缺少“风险等级”列')).toEqual({ summary: '第 1 行：缺少“风险等级”列', rows: [] })
  })
  it('offers a template with the documented columns and a BOM', () => {
    expect(CSV_TEMPLATE.startsWith('\ufeff' + CSV_COLUMNS.join(','))).toBe(true)
    expect(CSV_COLUMNS).toHaveLength(12)
  })
})

describe('the page', () => {
  it('colours the risk levels legibly', () => {
    expect(riskStyle('红')).toEqual({ background: '#d93026', color: '#fff', borderColor: '#d93026' })
    expect(riskStyle('黄').color).toBe('#1f1f1f')
    expect(riskStyle('紫').background).toBe('#909399')
  })
  it('lists a case type\'s tab only when the server has the type', () => {
    expect(caseTabs([{ code: 'hotline' }, { code: 'hazard' }])).toEqual([
      { code: 'hazard', label: '隐患', available: true },
      { code: 'inspection', label: '检查', available: false },
    ])
    expect(caseTabs(null).every((t) => !t.available)).toBe(true)
  })
  it('shortens times', () => {
    expect(shortTime('2026-12-02T10:00:00.000+08:00')).toBe('2026-12-02 10:00')
    expect(shortTime(null)).toBe('')
  })
})
