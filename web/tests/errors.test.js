import { describe, it, expect } from 'vitest'
import { ApiError } from '../src/api.js'
import { errorText, fieldErrors, isStale } from '../src/errors.js'

describe('errorText', () => {
  it('keeps the server\'s Chinese message', () => {
    const e = new ApiError(400, 'field.invalid', '电话号码不正确（手机 11 位，座机含区号）', 'reporter.phone')
    expect(errorText(e)).toBe('电话号码不正确（手机 11 位，座机含区号）')
  })
  it('a network failure', () => {
    expect(errorText(new ApiError(0, 'network', ''))).toBe('无法连接服务器，请检查网络后重试')
    expect(errorText(new TypeError('Failed to fetch'))).toBe('操作失败，请稍后重试')
  })
  it('a 409 stale version', () => {
    const e = new ApiError(409, 'case.version_conflict', 'version conflict')
    expect(errorText(e)).toBe('工单已被他人更新，请刷新后重试')
    expect(isStale(e)).toBe(true)
    expect(errorText(new ApiError(409, 'case.version_conflict', '工单已被他人修改，请刷新后重试'))).toBe('工单已被他人修改，请刷新后重试')
    expect(errorText(new ApiError(409, 'something.else', ''))).toBe('状态已变化，请刷新后重试')
    expect(isStale(new ApiError(400, 'field.invalid', 'x'))).toBe(false)
  })
  it('a 503 without a message says nothing was saved', () => {
    expect(errorText(new ApiError(503, 'unavailable', ''))).toBe('服务暂时不可用，已提交的内容未保存，请稍后重试')
    expect(errorText(new ApiError(503, 'unavailable', '服务暂不可用，请稍后重试'))).toBe('服务暂不可用，请稍后重试')
  })
  it('an English message falls back to the status', () => {
    expect(errorText(new ApiError(404, 'not_found', 'not found'))).toBe('要找的内容不存在或无权查看')
    expect(errorText(new ApiError(418, 'teapot', 'teapot'))).toBe('操作失败，请稍后重试')
    expect(errorText(null)).toBe('')
  })
})

describe('fieldErrors', () => {
  const form = ['class', 'phone', 'name', 'description', 'category', 'location', 'units']
  it('maps a nested field through an alias', () => {
    const e = new ApiError(400, 'field.invalid', '电话号码不正确（手机 11 位，座机含区号）', 'reporter.phone')
    expect(fieldErrors(e, form, { 'reporter.phone': 'phone' })).toEqual({ phone: '电话号码不正确（手机 11 位，座机含区号）' })
  })
  it('falls back to the head of a dotted name', () => {
    const e = new ApiError(400, 'field.invalid', '经纬度超出范围', 'location.lat')
    expect(fieldErrors(e, form)).toEqual({ location: '经纬度超出范围' })
  })
  it('an alias may name the head', () => {
    const e = new ApiError(400, 'field.invalid', '姓名必须是不超过 64 字的字符串', 'reporter.name')
    expect(fieldErrors(e, form, { reporter: 'name' })).toEqual({ name: '姓名必须是不超过 64 字的字符串' })
  })
  it('puts the form label in place of the server\'s field name', () => {
    const e = new ApiError(400, 'field.too_long', 'category 最多 64 个字', 'category')
    expect(fieldErrors(e, form, {}, { category: '诉求类别' })).toEqual({ category: '诉求类别最多 64 个字' })
    const r = new ApiError(400, 'field.required', '缺少字段 lead', 'lead')
    expect(fieldErrors(r, form, { lead: 'units' }, { lead: '主办单位' })).toEqual({ units: '请填写主办单位' })
  })
  it('an error on a field the form does not have, or on none, maps to nothing', () => {
    expect(fieldErrors(new ApiError(400, 'field.invalid', '错', 'fields'), form)).toEqual({})
    expect(fieldErrors(new ApiError(409, 'case.version_conflict', '工单已被他人修改，请刷新后重试'), form)).toEqual({})
    expect(fieldErrors(new ApiError(0, 'network', ''), form)).toEqual({})
    expect(fieldErrors(null, form)).toEqual({})
  })
})
