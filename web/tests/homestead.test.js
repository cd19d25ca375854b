import { describe, it, expect } from 'vitest'
import { idValid, partiesOf, verdictOf, noticeLines, atlasOf, limitText } from '../src/homestead.js'

describe('homestead helpers', () => {
  it('checks GB 11643 ID numbers', () => {
    expect(idValid('360727196804120225')).toBe(true)
    expect(idValid('360727196804120226')).toBe(false)
    expect(idValid('36072719680412022')).toBe(false)
    expect(idValid('11010519491231002x')).toBe(true)
    expect(idValid('')).toBe(false)
  })
  it('turns the household rows into parties, applicant first', () => {
    const { parties, errors } = partiesOf([
      { name: '钟建华', id_no: '360727196804120225', phone: '13979700451' },
      { role: 'spouse', name: '黄春兰', id_no: '' },
      { role: 'child', name: '', id_no: '', phone: '' },
    ])
    expect(errors).toEqual([])
    expect(parties).toEqual([
      { role: 'applicant', name: '钟建华', phone: '13979700451', id_no: '360727196804120225' },
      { role: 'spouse', name: '黄春兰' },
    ])
    expect(partiesOf([{ name: '钟建华', id_no: '360727196804120226' }]).errors).toEqual(['申请人的身份证号不正确（校验位不符）'])
    expect(partiesOf([{ name: '', id_no: '' }]).errors[0]).toBe('请填写申请人')
    expect(partiesOf([{ name: '钟建华' }]).errors).toEqual(['请填写申请人的身份证号'])
  })
  it('reads a department\'s verdict from its part', () => {
    expect(verdictOf({ status: 'pending' }).text).toBe('待签收')
    expect(verdictOf({ status: 'hs_signed', signed_at: 'x' }).text).toBe('审查中')
    expect(verdictOf({ status: 'hs_answered', opinion: { opinion: '同意' } }).text).toBe('同意')
    expect(verdictOf({ status: 'hs_answered' }).text).toBe('已答复')
    expect(verdictOf({ status: 'hs_answered', opinion: { opinion: '可', conditions: '不超过两层' } })).toMatchObject({ text: '附条件同意', detail: '不超过两层' })
    expect(verdictOf({ status: 'hs_answered', opinion: { opinion: '否', reason: '基本农田' } })).toMatchObject({ text: '不同意', cls: 'no' })
  })
  it('numbers every missing material', () => {
    expect(noticeLines({ missing: ['申请人户口簿', '相邻权利人意见'] })).toEqual(['1. 申请人户口簿', '2. 相邻权利人意见'])
    expect(noticeLines({})).toEqual([])
  })
  it('finds the atlas design and words the limits', () => {
    const g = { atlas: [{ name: '标准图集 A1 一层三开间', image: '/atlas/a1.svg' }] }
    expect(atlasOf(g, '标准图集 A1 一层三开间').image).toBe('/atlas/a1.svg')
    expect(atlasOf(g, '自行委托设计（附图纸）')).toBe(null)
    expect(limitText({ workdays: 20 })).toBe('20 个工作日')
  })
})

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildForm, validate, toBody, initialValues } from '../src/formbuild.js'

const homestead = JSON.parse(readFileSync(fileURLToPath(new URL('../../config/types/homestead.json', import.meta.url)), 'utf8'))

describe('the 一次性告知 form on the real homestead type', () => {
  it('the materials are checkboxes; all missing items go in one body', () => {
    const form = buildForm(homestead, 'hs_notify_missing')
    const f = form.find((x) => x.name === 'missing')
    expect(f.widget).toBe('checks')
    expect(f.options.length).toBe(12)
    const v = initialValues(form)
    expect(v.missing).toEqual([])
    expect(validate(form, v).missing).toBe('请选择一次性告知：需补正的全部材料')
    v.missing = ['申请人户口簿', '相邻权利人意见']
    expect(validate(form, v).missing).toBeUndefined()
    expect(toBody(form, v)).toEqual({ missing: ['申请人户口簿', '相邻权利人意见'] })
    v.missing = ['不在清单里']
    expect(validate(form, v).missing).toBeTruthy()
  })
})
