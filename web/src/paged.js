// A server-paged list (a cursor a page, a stack of the cursors before for
// 上一页): usePagedList(fetchPage, onPage?) → {state, load, next, prev, reset}.
// fetchPage(cursor) answers {items, next_cursor}; a slower answer to an
// older request is dropped, so the page shown is always the last asked for.
import { reactive } from 'vue'
import { errorText } from './errors.js'

export function usePagedList(fetchPage, onPage = null) {
  const state = reactive({ items: [], loading: false, error: '', cursor: null, next: null, stack: [] })
  let seq = 0
  async function load(cursor = null) {
    const my = ++seq
    state.loading = true
    state.error = ''
    try {
      const r = await fetchPage(cursor)
      if (my !== seq) return
      state.items = r.items || []
      state.next = r.next_cursor || null
      state.cursor = cursor
      if (onPage) onPage(state.items)
    } catch (e) {
      if (my !== seq) return
      state.error = '列表加载失败：' + errorText(e)
    } finally {
      if (my === seq) state.loading = false
    }
  }
  function next() {
    if (!state.next) return
    state.stack.push(state.cursor)
    load(state.next)
  }
  function prev() {
    if (!state.stack.length) return
    load(state.stack.pop())
  }
  // back to the first page (another tab)
  function reset() {
    state.stack = []
    state.items = []
    return load(null)
  }
  return { state, load, next, prev, reset }
}
