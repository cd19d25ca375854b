// The rolling inspection helpers (src/inspections.js): the checklist an
// action takes and the one a case answers, what keeps answers from being
// sent, the body they become, and how periods read.
import { describe, expect, it } from 'vitest'
import { answersBody, answersProblem, blankAnswers, checklistField, checklistFor, failedCount, foundBy, foundHazards, frequencyLabel, periodLabel } from '../src/inspections.js'

const type = {
  fields: [{ name: 'results', type: 'checklist' }, { name: 'notes', type: 'text' }],
  checklists: { 工贸: [{ code: 'GM-01', text: '除尘', category: '工贸' }, { code: 'GM-02', text: '有限空间' }] },
  actions: [{ code: 'jc_record', fields: [{ name: 'results', required: true }, { name: 'notes' }] }, { code: 'other', fields: [{ name: 'notes' }] }],
}

describe('the checklist of a case', () => {
  it('finds the action field of kind checklist, by the type field or inline', () => {
    expect(checklistField(type, type.actions[0])).toBe('results')
    expect(checklistField(type, type.actions[1])).toBe(null)
    expect(checklistField(type, { fields: [{ name: 'x', type: 'checklist' }] })).toBe('x')
    expect(checklistField(null, type.actions[0])).toBe(null)
  })
  it('reads the industry list, none for an unknown industry', () => {
    expect(checklistFor(type, '工贸').map((i) => i.code)).toEqual(['GM-01', 'GM-02'])
    expect(checklistFor(type, '煤矿')).toEqual([])
    expect(checklistFor(null, '工贸')).toEqual([])
  })
})

describe('answers', () => {
  it('start unanswered and must all be judged', () => {
    const a = blankAnswers(checklistFor(type, '工贸'))
    expect(a.map((x) => x.ok)).toEqual([null, null])
    expect(answersProblem(a)).toBe('还有 2 个检查项未判定（第一个：GM-01）')
    a[0].ok = true
    expect(answersProblem(a)).toMatch(/1 个检查项未判定（第一个：GM-02）/)
  })
  it('need a note for a failed item, at most 500 characters', () => {
    const a = blankAnswers(checklistFor(type, '工贸'))
    a[0].ok = true
    a[1].ok = false
    expect(answersProblem(a)).toBe('不合格项 GM-02 须写明发现的问题')
    a[1].note = '  '
    expect(answersProblem(a)).toBe('不合格项 GM-02 须写明发现的问题')
    a[1].note = '中'.repeat(501)
    expect(answersProblem(a)).toBe('检查项 GM-02 的说明最多 500 字')
    a[1].note = '未审批'
    expect(answersProblem(a)).toBe('')
    expect(failedCount(a)).toBe(1)
    expect(answersBody(a)).toEqual([{ item: 'GM-01', ok: true }, { item: 'GM-02', ok: false, note: '未审批' }])
  })
  it('an industry without a checklist cannot be recorded', () => {
    expect(answersProblem([])).toBe('该企业所属行业没有检查表')
  })
})

describe('words', () => {
  it('periods and frequencies', () => {
    expect(periodLabel('2026-12')).toBe('2026年12月')
    expect(periodLabel('2026-03')).toBe('2026年3月')
    expect(periodLabel('2026-Q4')).toBe('2026年第4季度')
    expect(periodLabel('2026')).toBe('2026年度')
    expect(periodLabel('')).toBe('')
    expect(periodLabel('2026-Q5')).toBe('2026-Q5')
    expect(frequencyLabel('monthly')).toBe('每月')
    expect(frequencyLabel('nope')).toBe('nope')
  })
  it('the links between an inspection and its hazards', () => {
    const insp = { links: [{ kind: 'found_by', case: 9, no: 'YH1', direction: 'in' }, { kind: 'merged_into', case: 3, direction: 'in' }] }
    expect(foundHazards(insp).map((l) => l.case)).toEqual([9])
    expect(foundBy({ links: [{ kind: 'found_by', case: 4, direction: 'out' }] }).case).toBe(4)
    expect(foundBy({})).toBe(null)
  })
})
