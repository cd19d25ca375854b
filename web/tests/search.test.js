// The pure helpers of search.js: the query kept in /search's URL, offset
// paging inside the server's window, highlight pieces as text segments
// (never markup), and which key presses the top bar's "/" may take.
import { describe, it, expect } from 'vitest'
import {
  readQuery, toQuery, searchParams, pagerState, segments, hasHit, hasWords, isTypingTarget, isSearchHotkey,
  lastReachablePage, PAGE_SIZE, MAX_OFFSET,
} from '../src/search.js'

describe('readQuery / toQuery', () => {
  it('reads q, type and page, trimming q and defaulting page to 1', () => {
    expect(readQuery({ q: '  路灯 ', type: 'hotline', page: '3' })).toEqual({ q: '路灯', type: 'hotline', page: 3 })
    expect(readQuery({})).toEqual({ q: '', type: '', page: 1 })
    expect(readQuery({ q: '路灯', page: 'x' }).page).toBe(1)
    expect(readQuery({ q: '路灯', page: '-2' }).page).toBe(1)
    expect(readQuery({ q: '路灯', page: '0' }).page).toBe(1)
  })
  it('takes the first of a repeated parameter and ignores non-strings', () => {
    expect(readQuery({ q: ['路灯', '停水'] }).q).toBe('路灯')
    expect(readQuery({ q: null, type: 5 })).toEqual({ q: '', type: '', page: 1 })
  })
  it('caps q at 200 characters and page at the last reachable one', () => {
    expect(readQuery({ q: '灯'.repeat(300) }).q).toHaveLength(200)
    expect(readQuery({ q: 'a', page: '9999' }).page).toBe(lastReachablePage())
  })
  it('writes only what is set, page 1 left out', () => {
    expect(toQuery({ q: ' 路灯 ', type: '', page: 1 })).toEqual({ q: '路灯' })
    expect(toQuery({ q: '路灯', type: 'hotline', page: 2 })).toEqual({ q: '路灯', type: 'hotline', page: '2' })
    expect(toQuery({ q: '   ' })).toEqual({})
  })
  it('round-trips', () => {
    const q = { q: '5G基站 辐射', type: 'hotline', page: 4 }
    expect(readQuery(toQuery(q))).toEqual(q)
  })
})

describe('searchParams / paging', () => {
  it('turns a page into limit and offset, type left out when empty', () => {
    expect(searchParams({ q: '路灯', type: '', page: 1 })).toEqual({ q: '路灯', type: undefined, limit: 20, offset: 0 })
    expect(searchParams({ q: '路灯', type: 'hotline', page: 3 })).toEqual({ q: '路灯', type: 'hotline', limit: 20, offset: 40 })
  })
  it('never asks past the server\'s largest offset', () => {
    const last = lastReachablePage()
    expect((last - 1) * PAGE_SIZE).toBeLessThanOrEqual(MAX_OFFSET)
    expect(last * PAGE_SIZE).toBeGreaterThan(MAX_OFFSET)
    expect(last).toBe(26)
  })
  it('a single page: no prev, no next', () => {
    expect(pagerState(2, 1, 2)).toEqual({ from: 1, to: 2, pages: 1, reachable: 1, hasPrev: false, hasNext: false, cut: false })
  })
  it('nothing found', () => {
    const p = pagerState(0, 1, 0)
    expect(p.from).toBe(0)
    expect(p.to).toBe(0)
    expect(p.hasNext).toBe(false)
  })
  it('middle and last pages of 45 results', () => {
    expect(pagerState(45, 2, 20)).toMatchObject({ from: 21, to: 40, pages: 3, hasPrev: true, hasNext: true })
    expect(pagerState(45, 3, 5)).toMatchObject({ from: 41, to: 45, pages: 3, hasPrev: true, hasNext: false })
  })
  it('a full window of 2000: pages stop at the offset limit and say so', () => {
    const p = pagerState(2000, 26, 20)
    expect(p).toMatchObject({ pages: 100, reachable: 26, hasNext: false, cut: true, from: 501, to: 520 })
    expect(pagerState(2000, 25, 20).hasNext).toBe(true)
  })
  it('exactly a page: no next page', () => {
    expect(pagerState(20, 1, 20).hasNext).toBe(false)
  })
})

describe('segments', () => {
  it('keeps the pieces in order, hits marked', () => {
    expect(segments([{ text: '解放路' }, { text: '路灯', hit: true }, { text: '不亮' }])).toEqual([
      { text: '解放路', hit: false }, { text: '路灯', hit: true }, { text: '不亮', hit: false },
    ])
  })
  it('joins neighbours of the same kind and drops empty pieces', () => {
    expect(segments([{ text: '路', hit: true }, { text: '灯', hit: true }, { text: '' }, { text: '坏' }, { text: '了' }])).toEqual([
      { text: '路灯', hit: true }, { text: '坏了', hit: false },
    ])
  })
  it('only hit === true marks', () => {
    expect(segments([{ text: 'a', hit: 'true' }, { text: 'b', hit: 1 }])).toEqual([{ text: 'ab', hit: false }])
  })
  it('hostile text stays a string, untouched', () => {
    const t = '<img src=x onerror=alert(1)>'
    expect(segments([{ text: t }, { text: '路灯', hit: true }])).toEqual([{ text: t, hit: false }, { text: '路灯', hit: true }])
  })
  it('falls back to the plain text when there are no pieces', () => {
    expect(segments(undefined, '标题')).toEqual([{ text: '标题', hit: false }])
    expect(segments([], '标题')).toEqual([{ text: '标题', hit: false }])
    expect(segments([{ text: 5 }, null, 'x'], '标题')).toEqual([{ text: '标题', hit: false }])
    expect(segments(null)).toEqual([])
  })
  it('hasHit', () => {
    expect(hasHit(segments([{ text: '路灯', hit: true }]))).toBe(true)
    expect(hasHit(segments([{ text: '路灯' }]))).toBe(false)
  })
})

describe('hasWords', () => {
  it('letters and digits of any script count; punctuation and emoji do not', () => {
    expect(hasWords('路灯')).toBe(true)
    expect(hasWords('B12345')).toBe(true)
    expect(hasWords('１２３')).toBe(true)
    expect(hasWords('！！？')).toBe(false)
    expect(hasWords('%★😀 ')).toBe(false)
    expect(hasWords('')).toBe(false)
  })
})

describe('the "/" key', () => {
  const el = (tagName, extra = {}) => ({ tagName, ...extra })
  it('text fields, text areas, selects and editable areas keep it', () => {
    expect(isTypingTarget(el('INPUT', { type: 'text' }))).toBe(true)
    expect(isTypingTarget(el('INPUT', { type: 'search' }))).toBe(true)
    expect(isTypingTarget(el('INPUT'))).toBe(true)
    expect(isTypingTarget(el('TEXTAREA'))).toBe(true)
    expect(isTypingTarget(el('SELECT'))).toBe(true)
    expect(isTypingTarget(el('DIV', { isContentEditable: true }))).toBe(true)
  })
  it('buttons, boxes, links and the page do not', () => {
    expect(isTypingTarget(el('INPUT', { type: 'checkbox' }))).toBe(false)
    expect(isTypingTarget(el('BUTTON'))).toBe(false)
    expect(isTypingTarget(el('A'))).toBe(false)
    expect(isTypingTarget(el('BODY'))).toBe(false)
    expect(isTypingTarget(null)).toBe(false)
  })
  const key = (k, extra = {}) => ({ key: k, target: { closest: () => null }, ...extra })
  it('a bare "/" outside a field focuses the box', () => {
    expect(isSearchHotkey(key('/'), el('BODY'))).toBe(true)
    expect(isSearchHotkey(key('/'), el('BUTTON'))).toBe(true)
  })
  it('not in a field, not with a modifier, not while composing, not another key', () => {
    expect(isSearchHotkey(key('/'), el('INPUT', { type: 'text' }))).toBe(false)
    expect(isSearchHotkey(key('/', { ctrlKey: true }), el('BODY'))).toBe(false)
    expect(isSearchHotkey(key('/', { altKey: true }), el('BODY'))).toBe(false)
    expect(isSearchHotkey(key('/', { metaKey: true }), el('BODY'))).toBe(false)
    expect(isSearchHotkey(key('/', { isComposing: true }), el('BODY'))).toBe(false)
    expect(isSearchHotkey(key('?'), el('BODY'))).toBe(false)
  })
  it('not while a dialog holds the keys', () => {
    expect(isSearchHotkey(key('/', { target: { closest: () => ({}) } }), el('BUTTON'))).toBe(false)
  })
})
