import { describe, it, expect } from 'vitest'
import { ApiError } from '../src/api.js'
import {
  checkEntry, cleanEntry, sameEntry, parsePath, plainMessage, importErrorRows, rowPlace, parseCsv, csvEntries, precheckCsv,
  importJsonBody, fileKind, entryMatches, draftSummary, nameFrom, postImport,
} from '../src/catalogue.js'

const ok = { org: 'dept.cg', category: '市政设施-路灯', keywords: ['路灯', '灯不亮'] }

describe('checkEntry mirrors the server', () => {
  it('a good entry has no faults', () => {
    expect(checkEntry(ok)).toEqual({})
    expect(checkEntry({ ...ok, org: '@township', duty: '负责', classes: ['投诉'], region: 'county', negative: ['圩日'] })).toEqual({})
  })
  it('required members', () => {
    const e = checkEntry({ org: '', category: ' ', keywords: [] })
    expect(e.org).toBe('请选择承办单位')
    expect(e.category).toBe('请填写事项类别')
    expect(e.keywords).toBe('请至少填写 1 个关键词')
  })
  it('lengths count characters, not UTF-16 units', () => {
    expect(checkEntry({ ...ok, category: '路'.repeat(64) })).toEqual({})
    expect(checkEntry({ ...ok, category: '路'.repeat(65) }).category).toMatch(/最多 64 字/)
    expect(checkEntry({ ...ok, keywords: ['𠀀'.repeat(32)] })).toEqual({})
    expect(checkEntry({ ...ok, keywords: ['a'.repeat(33)] }).keywords).toMatch(/关键词第 1 个「a+」超过 32 字/)
    expect(checkEntry({ ...ok, duty: 'x'.repeat(501) }).duty).toMatch(/最多 500 字/)
  })
  it('one line, distinct words, list limits', () => {
    expect(checkEntry({ ...ok, category: 'a\nb' }).category).toBe('事项类别须为单行文字')
    expect(checkEntry({ ...ok, keywords: ['路灯', '照明', '路灯'] }).keywords).toBe('关键词第 3 个「路灯」与前面的词重复')
    expect(checkEntry({ ...ok, keywords: Array.from({ length: 65 }, (_, i) => 'k' + i) }).keywords).toMatch(/最多 64 个/)
    expect(checkEntry({ ...ok, classes: Array.from({ length: 17 }, (_, i) => 'c' + i) }).classes).toMatch(/最多 16 个/)
    expect(checkEntry({ ...ok, negative: Array.from({ length: 33 }, (_, i) => 'n' + i) }).negative).toMatch(/最多 32 个/)
    expect(checkEntry({ ...ok, negative: [''] }).negative).toBe('排除词第 1 个是空的')
  })
  it('unknown keys and unknown orgs', () => {
    expect(checkEntry({ ...ok, weight: 2 }).weight).toBe('不认识的字段 weight')
    const known = new Set(['dept.cg'])
    expect(checkEntry(ok, { knownOrgs: known })).toEqual({})
    expect(checkEntry({ ...ok, org: 'village.x' }, { knownOrgs: known }).org).toMatch(/没有这个单位/)
    expect(checkEntry({ ...ok, org: '@township' }, { knownOrgs: known })).toEqual({})
  })
})

describe('cleanEntry / sameEntry', () => {
  it('drops empty optional members, keeps the server key order', () => {
    expect(cleanEntry({ keywords: ['a'], org: 'x', category: ' c ', duty: '', classes: [], negative: [], region: '' }))
      .toEqual({ org: 'x', category: 'c', keywords: ['a'] })
    expect(Object.keys(cleanEntry({ negative: ['n'], region: 'county', org: 'x', category: 'c', keywords: ['k'], duty: 'd' })))
      .toEqual(['org', 'category', 'duty', 'keywords', 'region', 'negative'])
    expect(sameEntry({ ...ok, duty: '' }, ok)).toBe(true)
    expect(sameEntry({ ...ok, keywords: ['灯不亮', '路灯'] }, ok)).toBe(false)
  })
})

describe('server field paths and messages', () => {
  it('parsePath', () => {
    expect(parsePath('entries[3].keywords[2]')).toEqual({ entry: 3, key: 'keywords', item: 2 })
    expect(parsePath('entries[0].org')).toEqual({ entry: 0, key: 'org', item: null })
    expect(parsePath('line 4.org')).toEqual({ line: 4, key: 'org', item: null })
    expect(parsePath('line 7.keywords[2]')).toEqual({ line: 7, key: 'keywords', item: 2 })
    expect(parsePath('line 1')).toEqual({ line: 1, key: null, item: null })
    expect(parsePath('note')).toEqual({ key: 'note', item: null })
    expect(parsePath(null)).toBe(null)
  })
  it('plainMessage takes out the machine path', () => {
    expect(plainMessage('第 6 行：entries[1].org：没有这个单位')).toBe('承办单位：没有这个单位')
    expect(plainMessage('entries[3].keywords[14] 最多 32 字')).toBe('关键词第 15 个最多 32 字')
    expect(plainMessage('第 2 行：缺少 entries[0].keywords')).toBe('请填写关键词')
    expect(plainMessage('第 1 行：缺少 keywords 列')).toBe('缺少 keywords 列')
  })
  it('importErrorRows: a CSV line, a JSON entry, a whole-file fault', () => {
    const csv = importErrorRows(new ApiError(400, 'field.invalid', '第 3 行：entries[1].org：没有这个单位', 'line 3.org'))
    expect(csv).toEqual([{ line: 3, field: 'org', label: '承办单位', message: '没有这个单位' }])
    expect(rowPlace(csv[0])).toBe('第 3 行')
    const json = importErrorRows(new ApiError(400, 'field.too_long', 'entries[3].keywords[14] 最多 32 字', 'entries[3].keywords[14]'))
    expect(json[0]).toMatchObject({ entry: 4, field: 'keywords', label: '关键词' })
    expect(rowPlace(json[0])).toBe('第 4 条')
    const whole = importErrorRows(new ApiError(400, 'request.bad_json', '请求体不是有效的 JSON'))
    expect(rowPlace(whole[0])).toBe('文件')
    expect(whole[0].message).toBe('请求体不是有效的 JSON')
  })
})

describe('CSV', () => {
  it('records with their first line: BOM, quotes, CRLF, blank lines', () => {
    const recs = parseCsv('\uFEFForg,category,keywords\r\n\r\ndept.cg,"a, ""b""",x\n"dept.sl","two\nlines",y\n')
    expect(recs).toEqual([
      { line: 1, cells: ['org', 'category', 'keywords'] },
      { line: 3, cells: ['dept.cg', 'a, "b"', 'x'] },
      { line: 4, cells: ['dept.sl', 'two\nlines', 'y'] },
    ])
    expect(parseCsv('a,b')).toEqual([{ line: 1, cells: ['a', 'b'] }])
  })
  it('csvEntries: lists split at 、；;, headers checked', () => {
    const r = csvEntries('keywords,org,category,negative\n路灯、灯；照明;光,dept.cg,路灯,\n')
    expect(r.error).toBe(null)
    expect(r.entries).toEqual([{ line: 2, entry: { keywords: ['路灯', '灯', '照明', '光'], org: 'dept.cg', category: '路灯' } }])
    expect(csvEntries('org,category\n').error.message).toBe('缺少 keywords 列')
    expect(csvEntries('org,org,category,keywords\n').error.message).toMatch(/不重复的列/)
    expect(csvEntries('').error.message).toBe('文件是空的')
  })
  it('precheckCsv lists every bad line', () => {
    const rows = precheckCsv('org,category,keywords\n\ndept.cg,路灯,灯\ndept.no,x,y\ndept.cg,,y\ndept.cg,z,\n', { knownOrgs: new Set(['dept.cg']) })
    expect(rows.map((r) => [r.line, r.field])).toEqual([[4, 'org'], [5, 'category'], [6, 'keywords']])
  })
})

describe('import helpers', () => {
  it('an exported JSON loses the answer-only members', () => {
    const body = importJsonBody('{"version":2,"note":"n","created_at":"x","created_by":null,"entries":[]}')
    expect(body).toEqual({ version: 2, note: 'n', entries: [] })
    expect(() => importJsonBody('{oops')).toThrow(/不是有效的 JSON/)
    expect(importJsonBody('[{"org":"a"}]')).toEqual({ entries: [{ org: 'a' }] })
  })
  it('fileKind by name, then type', () => {
    expect(fileKind({ name: 'A.CSV' })).toBe('csv')
    expect(fileKind({ name: 'x.json' })).toBe('json')
    expect(fileKind({ name: 'x', type: 'text/csv' })).toBe('csv')
    expect(fileKind({ name: 'x.xlsx', type: '' })).toBe(null)
  })
  it('postImport sends the body as it is with its type and the note in the query', async () => {
    const calls = []
    const fake = async (url, init) => {
      calls.push({ url, init })
      return new Response(JSON.stringify({ version: 5, entries: [] }), { status: 200 })
    }
    const r = await postImport('org,category,keywords\n', 'text/csv; charset=utf-8', '说明', fake)
    expect(r.version).toBe(5)
    expect(calls[0].url).toBe('/api/v1/catalogue/import?note=%E8%AF%B4%E6%98%8E')
    expect(calls[0].init.headers['Content-Type']).toBe('text/csv; charset=utf-8')
    expect(calls[0].init.body).toBe('org,category,keywords\n')
    const bad = async () => new Response(JSON.stringify({ error: { code: 'field.invalid', message: '第 3 行：x', field: 'line 3.org' } }), { status: 400 })
    await expect(postImport('x', 'text/csv', '', bad)).rejects.toMatchObject({ status: 400, field: 'line 3.org' })
  })
  it('nameFrom prefers filename*', () => {
    expect(nameFrom("attachment; filename=\"catalogue-v2.csv\"; filename*=UTF-8''%E6%B4%BE%E5%8D%95%E7%9B%AE%E5%BD%95-v2.csv", 'x'))
      .toBe('派单目录-v2.csv')
    expect(nameFrom('attachment; filename="catalogue-v2.csv"', 'x')).toBe('catalogue-v2.csv')
    expect(nameFrom('', 'x.csv')).toBe('x.csv')
  })
})

describe('the page filter and the draft summary', () => {
  it('entryMatches by org and by text in category, duty, keywords, negative words and the org name', () => {
    const e = { org: 'dept.cg', category: '市政设施-路灯', duty: '照明维护', keywords: ['灯杆'], negative: ['圩日'] }
    expect(entryMatches(e, {})).toBe(true)
    expect(entryMatches(e, { org: 'dept.sl' })).toBe(false)
    expect(entryMatches(e, { text: '路灯' })).toBe(true)
    expect(entryMatches(e, { text: '照明' })).toBe(true)
    expect(entryMatches(e, { text: '圩日' })).toBe(true)
    expect(entryMatches(e, { text: '城市管理' }, () => '濂江县城市管理局')).toBe(true)
    expect(entryMatches(e, { text: '供水' })).toBe(false)
  })
  it('draftSummary counts added, changed and removed rows', () => {
    const orig = [{ uid: 'a', entry: ok }, { uid: 'b', entry: { ...ok, category: 'b' } }, { uid: 'c', entry: { ...ok, category: 'c' } }]
    expect(draftSummary(orig, orig)).toEqual({ added: 0, changed: 0, removed: 0, dirty: false })
    const rows = [{ uid: 'a', entry: { ...ok, keywords: ['路灯'] } }, { uid: 'c', entry: { ...ok, category: 'c' } }, { uid: 'n', entry: ok }]
    expect(draftSummary(rows, orig)).toEqual({ added: 1, changed: 1, removed: 1, dirty: true })
  })
})
